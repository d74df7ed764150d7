"""软弱涣散党支部 at district scale: the monthly suggestions for 朝阳区委 (BJ-CY, about 2,000 branches) as the
worker runs them, and the officers' page of the district.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lxyz_bench_NAME .venv/bin/python bench/bench_weak_branches.py

Run it on a copy of the lead's district database (`createdb -T lxyz_bench lxyz_bench_NAME`; see
docs/performance.md "Compliance at district scale"); it migrates the copy, and writes only suggestions (and, with
`--decide`, a few confirmed weak branches with plans) to it.

It prints: the machine and its load; the branches of the district; the monthly run as the worker runs it — the
beat's fan-out, then every chunk task (`reviews.tasks.weak_suggestions_compute`, CHUNK_SIZE branches each) called
in this process one after the other, as a single worker would — total, per chunk median and max, and the SQL
queries per chunk; a second run (idempotent: the same suggestions); the job started by hand
(`weak_suggestions_run`) for the district; and the officers' page (`reviews:weak_overview`) of the district: median
and p95 server time over `--runs` requests after 3 warm-ups, and its SQL queries.

Goals (issue 14): the district's monthly suggestions ≤ 60 s in the worker; the officers' page ≤ 15 queries.
"""

import argparse
import datetime
import os
import time

import benchdb

ROOT_CODE = "BJ-CY"
OFFICER_USERNAME = "bench-weak-officer"
WARM_UP = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=ROOT_CODE)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--today", default="", help="the run's day (default: today)")
    parser.add_argument("--decide", type=int, default=10, help="confirm this many suggestions, with plans")
    args = parser.parse_args()
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/2")
    os.environ.setdefault("RECORDS_SIGNING_KEY", "bench-only-records-signing-key-0123456789abcdefghijklmnop")
    url = benchdb.configure_environment()
    benchdb.ensure_database(url)
    benchdb.setup_django()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from branches.models import Organization, OrganizationKind, Role, RoleKind, User
    from portal.jobs.models import Job
    from portal.jobs.progress import ProgressReporter
    from portal.taskkit import chunked
    from reviews.weak_branches import services
    from reviews.weak_branches.models import SuggestionState, WeakSuggestion

    today = datetime.date.fromisoformat(args.today) if args.today else timezone.localdate()
    root = Organization.objects.get(code=args.root)
    ids = list(
        Organization.objects.filter(path__startswith=root.path, kind=OrganizationKind.BRANCH).values_list(
            "pk", flat=True
        )
    )
    print(f"machine: {benchdb.machine()}; PostgreSQL {benchdb.postgres_version()}")
    print(f"{root.name} ({root.code}): {len(ids)} branches; today {today}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def monthly_run(label: str) -> None:
        chunks = chunked(ids, services.CHUNK_SIZE)
        seconds: list[float] = []
        queries: list[int] = []
        waiting = 0
        for chunk in chunks:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                waiting += services.weak_suggestions_compute(organization_ids=chunk, today=today)
                seconds.append(time.perf_counter() - started)
            queries.append(len(captured.captured_queries))
        print(
            f"{label}: {sum(seconds):.2f} s for {len(chunks)} chunks of ≤ {services.CHUNK_SIZE} "
            f"(median {benchdb.median(seconds):.2f} s, max {max(seconds):.2f} s per chunk, "
            f"{max(queries)} queries per chunk); {waiting} suggestions waiting — goal ≤ 60 s"
        )

    monthly_run("monthly suggestions (worker, first run)")
    monthly_run("monthly suggestions (worker, second run)")
    by_code: dict[str, int] = {}
    for reasons in WeakSuggestion.objects.filter(
        branch__path__startswith=root.path, state=SuggestionState.SUGGESTED
    ).values_list("reasons", flat=True):
        for reason in reasons:
            by_code[reason["code"]] = by_code.get(reason["code"], 0) + 1
    print(f"reasons of the waiting suggestions: {dict(sorted(by_code.items()))}")

    officer = User.objects.filter(username=OFFICER_USERNAME).first()
    if officer is None:
        officer = User.objects.create(username=OFFICER_USERNAME, first_name="基准干事")
        Role.objects.create(user=officer, organization=root, kind=RoleKind.OFFICER)

    job = Job.objects.create(
        kind=services.WEAK_SUGGESTIONS,
        owner=officer,
        organization=root,
        params={"today": today.isoformat(), "bench": time.time()},
        params_key=f"bench-{time.time()}",
    )
    started = time.perf_counter()
    outcome = services.weak_suggestions_run(job, ProgressReporter(job))
    print(
        f"job started by hand (whole district, one process): {time.perf_counter() - started:.2f} s — {outcome.message}"
    )
    job.delete()

    pending = list(
        WeakSuggestion.objects.filter(branch__path__startswith=root.path, state=SuggestionState.SUGGESTED)
        .select_related("branch")
        .order_by("branch__path")[: args.decide]
    )
    for suggestion in pending:
        services.weak_branch_confirm(suggestion=suggestion, by=officer, reason="基准测试")
        services.rectification_plan_create(
            branch=suggestion.branch,
            responsible=officer,
            goal="基准测试整顿",
            by=officer,
            measures=[("配齐班子", today + datetime.timedelta(days=60))],
        )

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(officer)
    page = reverse("reviews:weak_overview", args=[root.pk])
    for _ in range(WARM_UP):
        assert client.get(page).status_code == 200
    timings: list[float] = []
    for _ in range(args.runs):
        started = time.perf_counter()
        response = client.get(page)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as captured:
        client.get(page)
    print(
        f"officers' page ({root.code}): median {benchdb.median(timings):.0f} ms, "
        f"p95 {benchdb.percentile(timings, 0.95):.0f} ms, {len(captured.captured_queries)} queries — goal ≤ 15"
    )
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # whatever the services enqueued: no worker here


if __name__ == "__main__":
    main()
