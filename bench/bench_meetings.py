"""Logging a year of meetings for 2,000 branches through the services, then verifying every filed record.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_meetings .venv/bin/python bench/bench_meetings.py

The database is created when missing and seeded with `seed_demo --branches 2000` (about 50,000 members); the
organisational-life tables (and the 补学 tasks) are emptied first, so every run starts from no meetings.

For each branch (`--branches N` takes N spread evenly over the tree and extrapolates to all), last year's
meetings are logged one by one as a secretary would: each month a 主题党日, a 支部委员会 where the branch has
at least 7 members (its committee attends), a 党小组会 per group (a 集中学习 where there are no groups); each
quarter a 支部党员大会 that also counts as 专题研讨, and a 党课. Each meeting goes through `meeting_create`
(scheduled), `attendance_record` (about 5 % 请假 with a reason, which gives 补学 tasks, 1 % 缺席, everyone
else present) and `meeting_file` (version 1 with its content hash).
Then `records_verify` re-hashes every filed record. Times are wall clock, one process, like one request at a
time; the SQL statements of every tenth meeting are counted. What the services hand to the Celery worker after
commit (compliance and member-flag refreshes) is queued in Redis (REDIS_URL, default database 9 of the local
server, emptied at the end) as in production, and not run here.
"""

import argparse
import datetime
import io
import os
import random
import statistics
import time

import benchdb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--branches",
        type=int,
        default=2000,
        help="log a year for N branches spread evenly over the tree (default 2000)",
    )
    parser.add_argument("--jit-off", action="store_true", help="SET jit = off for the session (see performance.md)")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_meetings")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")  # tasks queued as in production (no worker here)
    url = benchdb.configure_environment()
    benchdb.ensure_database(url)
    benchdb.setup_django()

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from activities.meetings import services as services
    from activities.meetings.services import AttendanceEntry
    from activities.models import AttendanceStatus, Meeting, MeetingKind, MeetingStatus
    from activities.records import services as records_services
    from branches.models import (
        COMMITTEE_ROLE_KINDS,
        Member,
        MemberStatus,
        Organization,
        OrganizationKind,
        PartyGroup,
        Role,
        RoleKind,
        User,
    )

    if Organization.objects.filter(kind=OrganizationKind.BRANCH).count() < 2000:
        started = time.perf_counter()
        call_command("seed_demo", "--branches=2000", stdout=io.StringIO())
        print(f"seed_demo --branches 2000: {time.perf_counter() - started:.1f} s")

    with connection.cursor() as cursor:  # a clean slate for the organisational life
        cursor.execute("DELETE FROM study_studytask WHERE kind = 'makeup'")
        cursor.execute(
            "TRUNCATE activities_attendance, activities_countedkind, activities_meetingversion, "
            "activities_meeting_plan_items, activities_meetingattachment"
        )
        cursor.execute("DELETE FROM activities_meeting")  # study_studytask refers to it: no TRUNCATE
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give a production server (off here)

    if args.jit_off:
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
    year = timezone.localdate().year - 1
    everyone = list(Organization.objects.filter(kind=OrganizationKind.BRANCH).order_by("path"))
    step = max(1, len(everyone) // args.branches)
    branches = everyone[::step][: args.branches]  # a sample spread over the tree when N < all
    ids = [branch.pk for branch in everyone]
    members: dict[int, list[tuple[int, int | None]]] = {pk: [] for pk in ids}
    for pk, organization_id, group_id in Member.objects.filter(
        organization_id__in=ids, status=MemberStatus.ACTIVE
    ).values_list("pk", "organization_id", "group_id"):
        members[organization_id].append((pk, group_id))
    groups: dict[int, list[PartyGroup]] = {pk: [] for pk in ids}
    for group in PartyGroup.objects.filter(organization_id__in=ids).order_by("pk"):
        groups[group.organization_id].append(group)
    secretaries = dict(
        Role.objects.filter(organization_id__in=ids, kind=RoleKind.SECRETARY).values_list("organization_id", "user")
    )
    committee: dict[int, set[int]] = {pk: set() for pk in ids}  # a 支委会 expects the committee members
    for organization_id, member_id in Role.objects.filter(
        organization_id__in=ids, kind__in=COMMITTEE_ROLE_KINDS, user__member__isnull=False
    ).values_list("organization_id", "user__member"):
        committee[organization_id].add(member_id)
    users = {user.pk: user for user in User.objects.filter(pk__in=set(secretaries.values()))}
    rng = random.Random(2017)  # noqa: S311 - benchmark data
    tz = timezone.get_default_timezone()

    def at(month: int, day: int, hour: int) -> datetime.datetime:
        return datetime.datetime(year, month, day, hour, 0, tzinfo=tz)

    def plan_for(branch: Organization) -> list[dict]:
        meetings = []
        for month in range(1, 13):
            meetings.append(
                {"kind": MeetingKind.THEME_DAY, "topic": f"{month}月主题党日", "starts_at": at(month, 12, 14)}
            )
            if len(members[branch.pk]) >= 7:
                meetings.append(
                    {"kind": MeetingKind.COMMITTEE_MEETING, "topic": f"{month}月支委会", "starts_at": at(month, 5, 12)}
                )
            meetings.extend(
                {"kind": MeetingKind.GROUP_MEETING, "topic": f"{month}月党小组学习", "starts_at": at(month, 20, 12)}
                | {"group": group}
                for group in groups[branch.pk]
            )
            if not groups[branch.pk]:
                meetings.append(
                    {
                        "kind": MeetingKind.COLLECTIVE_STUDY,
                        "topic": f"{month}月集中学习",
                        "starts_at": at(month, 20, 12),
                    }
                )
            if month % 3 == 0:
                meetings.append(
                    {
                        "kind": MeetingKind.GENERAL_MEETING,
                        "topic": f"第{month // 3}季度支部党员大会暨专题研讨",
                        "starts_at": at(month, 25, 15),
                        "counts_as": [MeetingKind.THEMATIC_DISCUSSION],
                    }
                )
                meetings.append({"kind": MeetingKind.PARTY_LECTURE, "topic": "党课", "starts_at": at(month, 15, 15)})
        return meetings

    times = {"create": [], "record": [], "file": []}
    queries = {"create": [], "record": [], "file": []}
    attendees = 0
    logged = 0
    started = time.perf_counter()
    for number, branch in enumerate(branches):
        user = users.get(secretaries.get(branch.pk))
        for spec in plan_for(branch):
            group = spec.pop("group", None)
            counts_as = spec.pop("counts_as", ())
            expected = [
                pk
                for pk, group_id in members[branch.pk]
                if (group is None or group_id == group.pk)
                and (spec["kind"] != MeetingKind.COMMITTEE_MEETING or pk in committee[branch.pk])
            ]
            entries = {}
            for pk in expected:
                draw = rng.random()
                if draw < 0.05:
                    entries[pk] = AttendanceEntry(AttendanceStatus.LEAVE, "出差")
                elif draw < 0.06:
                    entries[pk] = AttendanceEntry(AttendanceStatus.ABSENT)
            counted = logged % 10 == 0
            meeting = None
            for name in ("create", "record", "file"):
                context = CaptureQueriesContext(connection)
                if counted:
                    connection.queries_log.clear()  # only this call's statements (the log keeps 9,000)
                t = time.perf_counter()
                if counted:
                    context.__enter__()
                if name == "create":
                    meeting = services.meeting_create(
                        organization=branch,
                        created_by=user,
                        group=group,
                        counts_as=counts_as,
                        ends_at=spec["starts_at"] + datetime.timedelta(hours=2),
                        **spec,
                    )
                elif name == "record":
                    meeting = services.attendance_record(
                        meeting=meeting, version=meeting.version, entries=entries, recorded_by=user
                    )
                else:
                    meeting = records_services.meeting_file(meeting=meeting, version=meeting.version, filed_by=user)
                if counted:
                    context.__exit__(None, None, None)
                    queries[name].append(len(context.captured_queries))
                times[name].append(time.perf_counter() - t)
            attendees += len(expected)
            logged += 1
        if (number + 1) % 100 == 0:
            elapsed = time.perf_counter() - started
            print(f"  {number + 1} branches, {logged} meetings, {elapsed:.0f} s", flush=True)
    log_seconds = time.perf_counter() - started

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    started = time.perf_counter()
    checked, problems = records_services.records_verify()
    verify_seconds = time.perf_counter() - started

    filed = Meeting.objects.filter(status=MeetingStatus.FILED).count()
    all_meetings = sum(len(plan_for(branch)) for branch in everyone)
    print(f"machine: {benchdb.machine()}; PostgreSQL {benchdb.postgres_version()}")
    print(f"year {year}: {len(branches)} branches, {logged} meetings ({filed} filed), {attendees} attendance rows")
    print(f"logging the year through the services: {log_seconds:.1f} s ({logged / log_seconds:.1f} meetings/s)")
    if len(branches) < len(everyone):
        print(
            f"extrapolated to all {len(everyone)} branches ({all_meetings} meetings): "
            f"{log_seconds / logged * all_meetings / 60:.0f} min"
        )
    for name, values in times.items():
        print(
            f"  {name:<7} median {statistics.median(values) * 1000:.1f} ms, "
            f"p95 {benchdb.percentile(values, 0.95) * 1000:.1f} ms, total {sum(values):.1f} s, "
            f"queries median {statistics.median(queries[name]):.0f} (max {max(queries[name])})"
        )
    print(f"records_verify: {checked} filed records in {verify_seconds:.1f} s, {len(problems)} problems")
    import redis

    queue = redis.Redis.from_url(os.environ["REDIS_URL"])
    print(f"tasks queued for the worker (compliance and member-flag refreshes): {queue.llen('celery')}")
    queue.flushdb()  # no worker here


if __name__ == "__main__":
    main()
