"""The 整改 roll-ups at district scale: generating a year of problems, the nightly rebuild, one problem's step,
the dashboard's 整改 figures from the roll-ups against counting the problem rows, and the weekly digest.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lxyz_bench_NAME .venv/bin/python bench/bench_problem_rollups.py

Runs on a copy of the district-scale bench database (bench/benchdb.py, docs/performance.md "Compliance at
district scale"): 朝阳区委 (BJ-CY, 2,012 branches) inside the 7,250-branch city tree. Writes to the database it is
given: never point it at the shared `lxyz_bench`.
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchdb  # noqa: E402

RUNS = 20
ROOT_CODE = "BJ-CY"
OFFICER = "bench-oversight-officer"


def median_ms(function, runs: int = RUNS) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    function()
    timings, counts = [], set()
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            function()
            timings.append((time.perf_counter() - started) * 1000)
        counts.add(len(queries))
    return statistics.median(timings), max(counts)


def main() -> None:
    url = benchdb.configure_environment()
    if url.rstrip("/").endswith("/lxyz_bench"):
        raise SystemExit("Point DATABASE_URL at your own copy of lxyz_bench, not at the shared database.")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/4")
    os.environ.setdefault("RECORDS_SIGNING_KEY", "bench-only-records-signing-key-0123456789abcdefghijklmnop")
    benchdb.setup_django(migrate=True)

    from django.db.models import Count, Q
    from django.db.models.functions import Substr
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from branches.models import Organization, Role, RoleKind, User
    from demo.oversight.history import oversight_history_generate
    from reviews.oversight import services
    from reviews.oversight.models import Problem, ProblemRollup, ProblemSource, ProblemState
    from reviews.oversight.reminders import problem_overdue_digests_send
    from reviews.oversight.rollups import Figures, problem_rollups_count, problem_rollups_rebuild
    from reviews.oversight.selectors import rectification_figures

    today = timezone.localdate()
    root = Organization.objects.get(code=ROOT_CODE)
    officer, _created = User.objects.get_or_create(username=OFFICER, defaults={"first_name": "基准督导干事"})
    if not Role.objects.filter(user=officer, organization=root, kind=RoleKind.OFFICER).exists():
        from branches import services as branch_services

        branch_services.role_assign(user=officer, organization=root, kind=RoleKind.OFFICER)
    print(f"load average {os.getloadavg()}, {benchdb.machine()}, PostgreSQL {benchdb.postgres_version()}")

    started = time.perf_counter()
    stats = oversight_history_generate(seed=2017, today=today, district=root, officer=officer)
    print(f"history: {stats} in {time.perf_counter() - started:.2f} s")
    total = Problem.objects.count()
    print(f"problems in the database: {total}")

    rebuilds = []
    for _ in range(3):
        started = time.perf_counter()
        rows = problem_rollups_rebuild(today=today)
        rebuilds.append((time.perf_counter() - started) * 1000)
    print(f"rebuild (whole city): {rows} nodes, {[round(ms) for ms in rebuilds]} ms")
    stored = {
        r.node_id: Figures(r.open, r.overdue, r.closed_this_year)
        for r in ProblemRollup.objects.all()
        if r.open or r.overdue or r.closed_this_year
    }
    print("stored == recount:", stored == problem_rollups_count(as_of=today))

    branches = list(Organization.objects.filter(path__startswith=root.path, kind="branch").order_by("path")[:RUNS])
    register, submit, verify = [], [], []
    for branch in branches:
        t0 = time.perf_counter()
        problem = services.problem_register(
            organization=branch,
            source=ProblemSource.SELF_CHECK,
            description="基准测试问题",
            responsible="书记",
            deadline=today - datetime.timedelta(days=1),
            created_by=officer,
        )
        t1 = time.perf_counter()
        services.problem_submit(problem=problem, by=officer, measures="整改", evidence="已整改")
        t2 = time.perf_counter()
        services.problem_verify(problem=problem, by=officer)
        t3 = time.perf_counter()
        register.append((t1 - t0) * 1000)
        submit.append((t2 - t1) * 1000)
        verify.append((t3 - t2) * 1000)
    print(
        f"one step (median ms): register {statistics.median(register):.1f}, "
        f"submit {statistics.median(submit):.1f}, verify {statistics.median(verify):.1f}"
    )
    stored = {
        r.node_id: Figures(r.open, r.overdue, r.closed_this_year)
        for r in ProblemRollup.objects.all()
        if r.open or r.overdue or r.closed_this_year
    }
    print("after the steps, stored == recount:", stored == problem_rollups_count(as_of=today))

    children = list(Organization.objects.filter(parent=root).values_list("pk", flat=True))
    rollup_ms, rollup_q = median_ms(lambda: rectification_figures(node=root, child_ids=children))
    not_closed = ~Q(state=ProblemState.CLOSED)

    def raw() -> list:
        base = Problem.objects.filter(organization__path__startswith=root.path)
        return list(
            base.annotate(child=Substr("organization__path", 1, len(root.path) + Organization.STEP))
            .values("child")
            .annotate(
                open=Count("pk", filter=not_closed), overdue=Count("pk", filter=not_closed & Q(deadline__lt=today))
            )
            .order_by()
        )

    raw_ms, raw_q = median_ms(raw)
    print(
        f"整改 figures of {root.code} and its {len(children)} children: "
        f"roll-ups {rollup_ms:.2f} ms ({rollup_q} query), "
        f"counting problem rows {raw_ms:.2f} ms ({raw_q} query): ratio {raw_ms / rollup_ms:.1f}"
    )

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(officer)
    page = reverse("reviews:dashboard", args=[root.pk])
    assert client.get(page).status_code == 200
    page_ms, page_q = median_ms(lambda: client.get(page), runs=5)
    print(f"dashboard of {root.code} with the 整改 card and column: {page_ms:.0f} ms median, {page_q} queries")

    monday = today - datetime.timedelta(days=today.weekday())
    # The digest goes to the officers of each parent with overdue children: the bench officer holds them all.
    parents = set(
        Problem.objects.filter(deadline__lt=monday)
        .exclude(state=ProblemState.CLOSED)
        .values_list("organization__parent_id", flat=True)
    )
    for parent_id in parents - set(Role.objects.filter(user=officer).values_list("organization_id", flat=True)):
        Role.objects.create(user=officer, organization_id=parent_id, kind=RoleKind.OFFICER)
    started = time.perf_counter()
    sent = problem_overdue_digests_send(today=monday)
    first = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    again = problem_overdue_digests_send(today=monday)
    second = (time.perf_counter() - started) * 1000
    print(f"weekly digest: {sent} sent in {first:.0f} ms; second run {again} sent in {second:.0f} ms")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
