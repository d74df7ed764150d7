"""Compliance at district scale: a year of generated history for a 2,000-branch district, then the recompute, the
committee dashboard, the branch to-do and the roll-up update after filing one meeting.

    .venv/bin/python bench/bench_compliance.py            # DATABASE_URL default: …/bench_compliance

Data (created when missing; `--recreate` drops the database first):

* the demo tree of `demo.tree.demo_seed` with `--tree-branches` branches (default 7,250), which puts about
  1,980 branches and 50,000 members in 朝阳区委 (`--root`, the district measured), plus a 街道工委 of exactly 20
  branches under it (code BJ-CY-BENCH20: the small subtree whose dashboard must cost the same number of queries);
* the district's study plans: a 12-month template published by the district, adopted, submitted and filed (备案)
  by every branch through the study services, and 85 % of the tasks due before today done (`--no-study` skips it),
  so that the dashboard's study figure aggregates a district's worth of tasks;
* `demo.history.history_generate` for the district: about 100,000 meetings and 1.5 million attendance rows,
  with the compliance recompute and the M1 flags it runs at the end.

Then it prints: the rows generated and the time; a full recompute of the district year (what
`manage.py recompute_compliance --year Y --org CODE` runs); the dashboard (`reviews:dashboard`) of the district for
a district officer with TOTP enrolled and PORTAL_MFA_REQUIRED on (as in production), and of the 20-branch
subtree — server time median and p95 over `--runs` requests after 3 warm-ups, SQL queries, the SQL time Django
saw, and the bare time of its roll-up queries (re-run directly on a separate connection) with the ratio of
server time to it; the branch to-do block `reviews.compliance.selectors.branch_obligations`; and filing one meeting
(`meeting_file`) followed by the worker's part (`reviews.tasks.compliance_refresh`, and the M1 refresh), each
for 20 different branches. What the services enqueue after commit goes to Redis (REDIS_URL, default database 10,
emptied at the end), as in production; no worker runs here.

Goals (issue "Oversight"): recompute ≤ 5 min, dashboard ≤ 15 queries (the same for 20 branches) and ≤ 300 ms
median, to-do ≤ 50 ms, worker time after filing ≤ 100 ms.

City scale: `--tree-branches 20000 --root BJ` on another database (e.g. bench_compliance_city) generates the
history of the whole 20,000-branch city and measures the 北京市委 dashboard the same way.
"""

import argparse
import datetime
import os
import statistics
import time
import unicodedata

import benchdb

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_compliance"
SMALL_CODE = "BJ-CY-BENCH20"
SMALL_SIZES = (8, 12, 15, 18, 22, 25, 28, 30, 33, 36, 40, 45, 10, 14, 19, 24, 27, 31, 38, 52)
OFFICER_USERNAME = "bench-compliance-officer"
WARM_UP = 3


def pad(text: str, width: int) -> str:
    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(0, width - used)


def ensure_tree(tree_branches: int, today: datetime.date) -> None:
    from branches.models import Organization, OrganizationKind
    from demo.tree import seed as tree

    if Organization.objects.filter(kind=OrganizationKind.BRANCH, code__startswith="BJ-").count() >= tree_branches:
        return
    started = time.perf_counter()
    result = tree.demo_seed(branches=tree_branches, seed=tree.DEFAULT_SEED, today=today)
    print(
        f"demo tree: {result.branches_created} branches, {result.members_created} members created "
        f"in {time.perf_counter() - started:.1f} s"
    )


def ensure_small_subtree(root, today: datetime.date):
    """A 街道工委 of exactly 20 branches under the root (BJ-CY-BENCH20)."""
    from branches import services
    from branches.models import Organization, OrganizationCategory, OrganizationKind
    from demo.tree import plan as tree_plan
    from demo.tree import seed as tree

    node = Organization.objects.filter(code=SMALL_CODE).first()
    if node is None:
        node = services.organization_create(
            parent=root,
            name="朝阳区基准测试街道工委",
            code=SMALL_CODE,
            kind=OrganizationKind.WORKING_COMMITTEE,
            category=OrganizationCategory.COMMUNITY,
        )
    for number, size in enumerate(SMALL_SIZES, start=1):
        tree.demo_branch_add(
            parent=node,
            code=f"{SMALL_CODE}-{number:02d}",
            name=f"朝阳区基准测试街道第{tree_plan.chinese_number(number)}社区党支部",
            category=OrganizationCategory.COMMUNITY,
            size=size,
            today=today,
        )
    return node


def ensure_officer(root):
    """A committee officer of the root (TOTP enrolled: officers must have it)."""
    from allauth.mfa.models import Authenticator

    from branches import services
    from branches.models import Role, RoleKind, User

    user, _created = User.objects.get_or_create(username=OFFICER_USERNAME, defaults={"first_name": "基准测试干事"})
    if not Role.objects.filter(user=user, organization=root, kind=RoleKind.OFFICER).exists():
        services.role_assign(user=user, organization=root, kind=RoleKind.OFFICER)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "bench-not-used"})
    return user


def ensure_study(root, officer, year: int, today: datetime.date) -> None:
    """The district's plans adopted, submitted and filed through the study services, and most tasks due before
    today done. Resumes where an interrupted run stopped; does nothing once every branch's plan is filed."""
    from django.db import connection

    from branches.models import Member, MemberStatus, Organization, OrganizationKind
    from study.models import Audience, PlanStatus, StudyForm, StudyPlan
    from study.plans import services

    branches = (
        Organization.objects.filter(path__startswith=root.path, kind=OrganizationKind.BRANCH)
        .filter(pk__in=Member.objects.filter(status=MemberStatus.ACTIVE).values("organization_id"))
        .order_by("path")
    )
    plans = StudyPlan.objects.filter(organization__in=branches, year=year, is_template=False)
    if not branches.exclude(pk__in=plans.filter(status=PlanStatus.FILED).values("organization_id")).exists():
        return
    started = time.perf_counter()
    template = StudyPlan.objects.filter(organization=root, year=year, is_template=True).first()
    if template is None:
        template = services.plan_create(
            organization=root, year=year, title=f"{year}年度党员学习计划（模板）", created_by=officer, is_template=True
        )
        for month in range(1, 13):
            services.plan_item_save(
                plan=template,
                month=month,
                topic=f"{month}月：学习党章第{month}章",
                form=StudyForm.COLLECTIVE if month % 3 == 0 else StudyForm.SELF_STUDY,
                audience=Audience.ALL,
                due_date=datetime.date(year, month, 25),
                hours=3,
            )
        services.template_publish(plan=template, published_by=officer)
    for branch in branches.exclude(pk__in=plans.values("organization_id")):
        services.plan_adopt_template(template=template, organization=branch, adopted_by=officer)
    for plan in plans.filter(status=PlanStatus.DRAFT).order_by("pk"):
        services.plan_submit(plan=plan, submitted_by=officer)
    submitted = list(plans.filter(status=PlanStatus.SUBMITTED).order_by("pk"))
    with connection.cursor() as cursor:
        # study.learning.services._tasks_insert (its INSERT … SELECT) does not write the `kind` and `topic` columns
        # added for the 补学 tasks, which have no database default: give them one for the filing, then drop it.
        cursor.execute(
            "ALTER TABLE study_studytask ALTER COLUMN kind SET DEFAULT 'plan', ALTER COLUMN topic SET DEFAULT ''"
        )
    try:
        for start in range(0, len(submitted), 200):
            services.plans_file(plans=submitted[start : start + 200], filed_by=officer)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE study_studytask ALTER COLUMN kind DROP DEFAULT, ALTER COLUMN topic DROP DEFAULT"
            )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE study_studytask t SET status = 'done', completed_at = t.due_date - interval '3 days', "
            "reflection = '已按计划完成学习，结合工作写了学习心得。', updated_at = t.due_date - interval '3 days' "
            "FROM branches_organization o WHERE o.id = t.organization_id AND o.path LIKE %s "
            "AND t.kind = 'plan' AND t.status = 'open' AND t.due_date < %s AND t.id %% 100 < 85",
            [root.path + "%", today],
        )
        cursor.execute("ANALYZE study_studytask")
        cursor.execute("ANALYZE study_studyplan")
    print(
        f"study plans: {plans.filter(status=PlanStatus.FILED).count()} filed for {branches.count()} branches, "
        f"{study_task_count(root)} tasks, in {time.perf_counter() - started:.1f} s"
    )


def study_task_count(root) -> int:
    from study.models import StudyTask

    return StudyTask.objects.filter(organization__path__startswith=root.path).count()


def timed(function, runs: int) -> tuple[list[float], int]:
    """Milliseconds of `runs` calls after the warm-up, and the SQL queries of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UP):
        function()
    timings = []
    counts = set()
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            function()
            timings.append((time.perf_counter() - started) * 1000)
        counts.add(len(queries))
    return timings, max(counts)


def bare_sql_ms(url: str, statements: list[str], runs: int) -> float:
    """Median milliseconds of running the statements directly (own connection, no Django), results fetched."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        for statement in statements:  # warm the cache and the plans
            connection.execute(statement).fetchall()
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            for statement in statements:
                connection.execute(statement).fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def measure_page(client, url: str, runs: int, db_url: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    timings, sql_timings, counts = [], [], set()
    statements: list[str] = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        counts.add(len(queries))
        statements = [query["sql"] for query in queries.captured_queries]
        sql_timings.append(sum(float(query["time"]) for query in queries.captured_queries) * 1000)
    rollup = [s for s in statements if "reviews_compliancerollup" in s or "reviews_complianceresult" in s]
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    return {
        "median": statistics.median(timings),
        "p95": benchdb.percentile(timings, 0.95),
        "queries": max(counts),
        "query_counts": sorted(counts),
        "sql": statistics.median(sql_timings),
        "rollup_queries": len(rollup),
        "rollup_bare": bare_sql_ms(db_url, rollup, runs) if rollup else 0.0,
        "all_bare": bare_sql_ms(db_url, selects, runs) if selects else 0.0,
        "bytes": len(response.content),
        "statements": statements,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree-branches", type=int, default=7250, help="branches of the whole demo tree (7250)")
    parser.add_argument("--root", default="BJ-CY", help="code of the district measured (BJ-CY; BJ for the city)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--recreate", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--no-study", action="store_true", help="no study plans and tasks")
    parser.add_argument("--sql", action="store_true", help="print the dashboard's SQL statements")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/10")  # tasks queued as in production, no worker
    url = benchdb.configure_environment()
    os.environ["PORTAL_MFA_REQUIRED"] = "true"  # as in production: the officer's TOTP check is one of the queries
    benchdb.ensure_database(url, recreate=args.recreate)
    benchdb.setup_django()

    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from activities.models import Attendance, Meeting, MeetingStatus
    from activities.records import services as records_services
    from branches.models import Member, MemberStatus, Organization, OrganizationKind, RoleKind, User
    from demo.history.generate import history_generate
    from reviews import tasks as review_tasks
    from reviews.compliance.selectors import branch_obligations
    from reviews.compliance.services import compliance_recompute
    from reviews.members.rules import member_flags_refresh
    from reviews.models import ComplianceResult, ComplianceRollup, MemberFlag

    today = timezone.localdate()
    year = today.year
    print(f"database: {url}  PostgreSQL {benchdb.postgres_version()}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"          {cursor.fetchone()[0]}")
    print(f"machine:  {benchdb.machine()}")
    print(f"today:    {today}")

    ensure_tree(args.tree_branches, today)
    root = Organization.objects.get(code=args.root)
    small = ensure_small_subtree(Organization.objects.get(code="BJ-CY"), today)
    officer = ensure_officer(root)
    if not args.no_study:
        ensure_study(root, officer, year, today)

    branches = Organization.objects.filter(path__startswith=root.path, kind=OrganizationKind.BRANCH)
    members = Member.objects.filter(organization__path__startswith=root.path, status=MemberStatus.ACTIVE)
    print(
        f"root:     {root.name} ({root.code}): {branches.count()} branches, {members.count()} active members; "
        f"small subtree {small.name}: {Organization.objects.subtree_of(small).filter(kind='branch').count()} branches"
    )

    started = time.perf_counter()
    stats = history_generate(root=root, year=year, today=today)
    history_seconds = time.perf_counter() - started
    meetings = Meeting.objects.filter(organization__path__startswith=root.path, held_on__year=year)
    print()
    print(
        f"history_generate: {history_seconds:.1f} s — {stats.branches} branches "
        f"({stats.branches_skipped} had a history already)"
    )
    print(
        f"  written: {stats.meetings} meetings ({stats.filed} filed, {stats.held} held), {stats.counted_kinds} counted "
        f"kinds, {stats.attendance} attendance rows ({stats.present} present, {stats.leave} leave, {stats.absent} "
        f"absent), {stats.makeup_tasks} 补学 tasks, {stats.versions} filed versions = {stats.rows} rows"
    )
    print(
        f"  steps: writing {stats.write_seconds:.1f} s, compliance recompute {stats.recompute_seconds:.1f} s "
        f"({stats.results} results), M1 flags {stats.flags_seconds:.1f} s ({stats.flags} flags); "
        f"{stats.noncompliant_branches} branches deliberately non-compliant, {stats.drifting_members} drifting members"
    )
    print(
        f"  in the database for {year}: {meetings.count()} meetings, "
        f"{Attendance.objects.filter(meeting__in=meetings).count()} attendance rows"
    )

    started = time.perf_counter()
    results = compliance_recompute(year=year, organization=root if root.parent_id else None, today=today)
    recompute_seconds = time.perf_counter() - started
    rollups = ComplianceRollup.objects.filter(node__path__startswith=root.path).count()
    print(
        f"\nfull recompute of the {year} year of {root.code}: {recompute_seconds:.1f} s "
        f"({results} results, {rollups} roll-up rows) — goal ≤ 300 s"
    )
    started = time.perf_counter()
    flags = member_flags_refresh(organization_ids=list(branches.values_list("pk", flat=True)), today=today)
    print(f"M1 flags of every branch of {root.code}: {time.perf_counter() - started:.1f} s ({flags} flags)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    rows = []
    try:
        nodes = [root] + [n for n in Organization.objects.filter(code="BJ-CY") if n.pk != root.pk] + [small]
        pages = []
        for node in nodes:
            count = Organization.objects.subtree_of(node).filter(kind=OrganizationKind.BRANCH).count()
            label = f"dashboard {node.short_name or node.name} ({count} branches)"
            pages.append((label, reverse("reviews:dashboard", args=[node.pk])))
    except NoReverseMatch:
        pages = []
        print("\nthe dashboard view reviews:dashboard does not exist yet: not measured")
    for label, page_url in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(officer)
        figures = measure_page(client, page_url, args.runs, url)
        rows.append((label, figures))
        if args.sql:
            print(f"\n{label}: {page_url} (bare ms per statement)")
            for statement in figures["statements"]:
                bare = bare_sql_ms(url, [statement], 5) if statement.lstrip().upper().startswith("SELECT") else 0.0
                print(f"  {bare:7.1f}  {statement[:240]}")
    if rows:
        print()
        print(
            f"{pad('page', 44)} {'median ms':>9} {'p95 ms':>7} {'queries':>7} {'SQL ms':>7} "
            f"{'roll-up bare ms':>15} {'all bare ms':>11} {'server/roll-up':>14}"
        )
        for label, f in rows:
            ratio = f["median"] / f["rollup_bare"] if f["rollup_bare"] else float("nan")
            print(
                f"{pad(label, 44)} {f['median']:>9.1f} {f['p95']:>7.1f} {f['queries']:>7} {f['sql']:>7.1f} "
                f"{f['rollup_bare']:>15.1f} {f['all_bare']:>11.1f} {ratio:>14.1f}"
            )
        print(
            "  goal: ≤ 15 queries, the same for both; ≤ 300 ms median. roll-up bare = the "
            f"{rows[0][1]['rollup_queries']} queries on the roll-up/result tables re-run directly; all bare = every "
            "SELECT of the page re-run directly."
        )

    # The branch to-do: a branch of median size and the largest.
    by_size = list(
        branches.annotate(n=Count("members", filter=Q(members__status=MemberStatus.ACTIVE)))
        .filter(n__gt=0)
        .order_by("n", "pk")
        .values_list("pk", "n")
    )
    picks = [("median-size branch", by_size[len(by_size) // 2]), ("largest branch", by_size[-1])]
    print()
    for label, (pk, size) in picks:
        branch = Organization.objects.get(pk=pk)
        timings, queries = timed(lambda branch=branch: branch_obligations(organization=branch, today=today), args.runs)
        print(
            f"branch to-do branch_obligations, {label} ({size} members): median {statistics.median(timings):.1f} ms, "
            f"p95 {benchdb.percentile(timings, 0.95):.1f} ms, {queries} queries — goal ≤ 50 ms"
        )

    # Filing one meeting, then the worker's part for its branch.
    held = list(
        Meeting.objects.filter(organization__path__startswith=root.path, status=MeetingStatus.HELD)
        .order_by("organization_id", "held_on", "pk")
        .distinct("organization_id")[: args.runs]
    )
    filer = User.objects.filter(roles__kind=RoleKind.SECRETARY).first()
    file_ms, refresh_ms, flags_ms = [], [], []
    for meeting in held:
        started = time.perf_counter()
        records_services.meeting_file(meeting=meeting, version=meeting.version, filed_by=filer)
        file_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        review_tasks.compliance_refresh(organization_id=meeting.organization_id, years=[meeting.held_on.year])
        refresh_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        review_tasks.member_flags_refresh(organization_ids=[meeting.organization_id], today=today.isoformat())
        flags_ms.append((time.perf_counter() - started) * 1000)
    if held:
        print(
            f"\nfiling one meeting ({len(held)} meetings, each in another branch): meeting_file median "
            f"{statistics.median(file_ms):.1f} ms; worker compliance_refresh median "
            f"{statistics.median(refresh_ms):.1f} ms "
            f"(p95 {benchdb.percentile(refresh_ms, 0.95):.1f} ms) — goal ≤ 100 ms; worker member_flags_refresh median "
            f"{statistics.median(flags_ms):.1f} ms"
        )
    print(
        f"\ntable sizes: meetings {Meeting.objects.count()}, attendance {Attendance.objects.count()}, results "
        f"{ComplianceResult.objects.count()}, roll-ups {ComplianceRollup.objects.count()}, "
        f"flags {MemberFlag.objects.count()}"
    )
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # the queued tasks and sessions: no worker here


if __name__ == "__main__":
    main()
