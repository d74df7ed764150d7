"""Planning time of the meeting detail page's queries on a district-scale database (issue "Speed", goal 2).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lxyz_bench_NAME .venv/bin/python bench/bench_meeting_plan.py

Takes filed meetings of `--root` (default BJ-CY, 朝阳区委) with about 30 attendees, and for each runs, as the
branch's secretary, `EXPLAIN (ANALYZE, SUMMARY)` of every query `meeting_detail_get` sends, `--runs` times on one
connection (the portal's settings: jit off), and prints the median planning and execution time per query, next
to the one wide join of the meeting with its eight related rows that the page sent before (organisation, 党小组,
host, recorder, lecturer, the users who registered and filed it; with the counted kinds' subquery). Reads only.
"""

import argparse
import os
import statistics

import benchdb


def _explain(sql: str, params) -> tuple[float, float]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, SUMMARY) " + sql, params)
        lines = [row[0] for row in cursor.fetchall()]
    planning = next(line for line in lines if line.startswith("Planning Time"))
    execution = next(line for line in lines if line.startswith("Execution Time"))
    return float(planning.split(":")[1].split()[0]), float(execution.split(":")[1].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default="BJ-CY")
    parser.add_argument("--meetings", type=int, default=5)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    url = benchdb.configure_environment()
    os.environ.setdefault("RECORDS_SIGNING_KEY", "bench-only-records-signing-key-0123456789abcdef")
    os.environ.setdefault("DATABASE_POOL", "false")
    benchdb.setup_django(migrate=False)

    from django.db import connection
    from django.db.models import Count, OuterRef, StringAgg, Subquery, Value
    from django.test.utils import CaptureQueriesContext

    from activities.meetings import selectors
    from activities.models import CountedKind, Meeting, MeetingStatus
    from branches.models import Organization, Role, RoleKind

    print(f"database {url.rsplit('/', 1)[-1]}; {benchdb.machine()}; PostgreSQL {benchdb.postgres_version()}")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        print(f"jit = {cursor.fetchone()[0]}")
    root = Organization.objects.get(code=args.root)
    meetings = list(
        Meeting.objects.filter(organization__path__startswith=root.path, status=MeetingStatus.FILED)
        .annotate(attendees=Count("attendances"))
        .filter(attendees__gte=25, attendees__lte=40, host__isnull=False)
        .order_by("pk")[: args.meetings]
    )
    timings: dict[str, list[tuple[float, float]]] = {}
    for meeting in meetings:
        role = Role.objects.filter(organization_id=meeting.organization_id, kind=RoleKind.SECRETARY).first()
        if role is None:
            continue
        user = role.user
        counted = (
            CountedKind.objects.filter(meeting=OuterRef("pk"))
            .order_by()
            .values("meeting")
            .annotate(kinds=StringAgg("kind", Value(",")))
            .values("kinds")
        )
        wide = (
            Meeting.objects.visible_to(user)
            .select_related("organization", "group", "host", "recorder", "lecturer", "created_by", "filed_by")
            .annotate(counted_kinds_joined=Subquery(counted))
            .filter(pk=meeting.pk)
        )
        statements = [("before: the wide join", *wide.query.sql_with_params())]
        with CaptureQueriesContext(connection) as captured:
            selectors.meeting_detail_get(user=user, pk=meeting.pk)
        for number, query in enumerate(captured.captured_queries, start=1):
            statements.append((f"after {number}: {query['sql'][:60]}", query["sql"], None))
        for _run in range(args.runs):
            for label, sql, params in statements:
                timings.setdefault(label, []).append(_explain(sql, params))
    print(f"{len(meetings)} filed meetings of {args.root} with 25–40 attendees, {args.runs} runs each")
    print(f"{'query':<75} {'plan ms':>8} {'exec ms':>8}")
    after_plan = 0.0
    for label, values in timings.items():
        plan = statistics.median(value[0] for value in values)
        execute = statistics.median(value[1] for value in values)
        if label.startswith("after"):
            after_plan = max(after_plan, plan)
        print(f"{label:<75} {plan:8.2f} {execute:8.2f}")
    print(f"slowest planning of the page's queries now: {after_plan:.2f} ms (goal ≤ 2 ms)")


if __name__ == "__main__":
    main()
