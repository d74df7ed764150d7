"""Time a year of 党费 for a district (`seed_demo --history`'s dues: demo.dues.seed.dues_year_generate): a base
for every active member and twelve closed months of payments, with the branch-month roll-ups, written by COPY.

Run against a copy of the district-scale database (never the shared one), migrated with this branch:

    createdb -h 127.0.0.1 -U postgres -T lxyz_bench lxyz_bench_dues
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lxyz_bench_dues .venv/bin/python bench/bench_dues_history.py

Options: --district CODE (default BJ-CY, 朝阳区委), --keep (leave the rows written; default: delete them after).
Goal: 50,000 members × 12 months with the roll-ups in at most 60 s; the roll-ups equal a full recompute; a second
run adds nothing.
"""

import argparse
import os
import time
from pathlib import Path

import benchdb

os.environ.setdefault("RECORDS_SIGNING_KEY", "bench-only-records-signing-key-0123456789abcdefghijklmnop")

GOAL_SECONDS = 60
REMOVE_STATEMENTS = (
    "DELETE FROM activities_duesamendment WHERE payment_id IN (SELECT id FROM activities_duespayment"
    " WHERE organization_id IN (SELECT id FROM branches_organization WHERE path LIKE %s))",
    "DELETE FROM activities_duespayment WHERE organization_id IN"
    " (SELECT id FROM branches_organization WHERE path LIKE %s)",
    "DELETE FROM activities_duesmonth WHERE organization_id IN"
    " (SELECT id FROM branches_organization WHERE path LIKE %s)",
    "DELETE FROM activities_duesbase WHERE member_id IN (SELECT id FROM branches_member"
    " WHERE organization_id IN (SELECT id FROM branches_organization WHERE path LIKE %s))",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--district", default="BJ-CY")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--clean-first", action="store_true", help="remove the district's dues before the run")
    args = parser.parse_args()
    url = benchdb.configure_environment()
    benchdb.setup_django(migrate=True)
    from django.db.models import Count
    from django.utils import timezone

    from activities.dues.models import DuesMonth, DuesPayment
    from activities.dues.services import month_totals
    from branches.models import Organization
    from demo.dues.seed import dues_year_generate

    district = Organization.objects.get(code=args.district)
    if args.clean_first:
        remove(district)
    today = timezone.localdate()
    load_before = os.getloadavg()
    backend = backend_pid()
    server_started = backend_cpu(backend)
    started, cpu_started = time.perf_counter(), time.process_time()
    result = dues_year_generate(root=district, seed=2026, today=today)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    server_seconds = backend_cpu(backend) - server_started
    again_started = time.perf_counter()
    again = dues_year_generate(root=district, seed=2026, today=today)
    again_seconds = time.perf_counter() - again_started
    # The roll-ups equal a full recompute: every branch-month of ten branches, and the district's totals.
    mismatches = 0
    for dues_month in DuesMonth.objects.filter(organization__path__startswith=district.path).order_by("?")[:120]:
        totals = month_totals(
            DuesPayment.objects.filter(organization_id=dues_month.organization_id, month=dues_month.month)
        )
        stored = (dues_month.members, dues_month.paid_members, dues_month.due, dues_month.paid, dues_month.arrears)
        if stored != (totals.members, totals.paid_members, totals.due, totals.paid, totals.arrears):
            mismatches += 1
    branches = DuesMonth.objects.filter(organization__path__startswith=district.path).aggregate(
        n=Count("organization", distinct=True)
    )["n"]
    print(f"database: {url}  PostgreSQL {benchdb.postgres_version()}")
    print(f"machine:  {benchdb.machine()}")
    print(
        f"{district.name}: {result.bases_created} bases, {result.payments_created} payments, "
        f"{result.months_closed} branch-months over {branches} branches"
    )
    print(f"dues_year_generate: {seconds:.1f} s (goal <= {GOAL_SECONDS} s, ratio {seconds / GOAL_SECONDS:.2f})")
    total_cpu = cpu_seconds + server_seconds
    print(
        f"  CPU: {cpu_seconds:.1f} s Python (this process) + {server_seconds:.1f} s PostgreSQL (its backend) ="
        f" {total_cpu:.1f} s (ratio to the goal {total_cpu / GOAL_SECONDS:.2f});"
        f" load average before: {load_before[0]:.2f}"
    )
    print(f"second run: {again_seconds:.2f} s, {again.payments_created} payments added")
    print(f"roll-ups checked against a recompute: 120 branch-months, {mismatches} mismatches")
    if not args.keep:
        remove(district)
        print("rows removed (--keep to leave them)")


def backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def backend_cpu(pid: int) -> float:
    """User + system CPU seconds of a local PostgreSQL backend (from /proc; 0 when it is on another host)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def remove(district) -> None:
    """Delete the district's dues in four statements (the ORM's delete would load 600,000 rows first)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in REMOVE_STATEMENTS:
            cursor.execute(statement, [district.path + "%"])


if __name__ == "__main__":
    main()
