"""换届 at district scale: the officers' page 换届提醒, the daily reminders, and recording an election.

Run against a copy of the district-scale database (bench/benchdb.py, docs/performance.md "Compliance at district
scale"), never the shared one: `createdb -T lxyz_bench lxyz_bench_NAME`, then
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/lxyz_bench_NAME .venv/bin/python bench/bench_terms.py`.
The script migrates the copy, adds an officer and writes elections and reminders into it.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import benchdb  # noqa: E402

WARM_UP = 3
OFFICER_USERNAME = "bench_terms_officer"


def measure_page(client, url: str, runs: int, db_url: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.bench_compliance import bare_sql_ms

    for _ in range(WARM_UP):
        assert client.get(url).status_code == 200, url
    timings, counts, statements = [], set(), []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
        counts.add(len(queries))
        statements = [query["sql"] for query in queries.captured_queries]
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    bare = bare_sql_ms(db_url, selects, runs)
    for statement in selects:  # where the SQL time goes, statement by statement
        print(f"    {bare_sql_ms(db_url, [statement], runs):7.1f} ms  {statement[:110]}")
    return {
        "median": statistics.median(timings),
        "p95": benchdb.percentile(timings, 0.95),
        "queries": sorted(counts),
        "bare": bare,
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default="BJ-CY")
    parser.add_argument("--small", default="BJ-CY-BENCH20")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")
    os.environ.setdefault("RECORDS_SIGNING_KEY", "bench-only-records-signing-key-0123456789abcdefghijklmnop")
    url = benchdb.configure_environment()
    if url.rstrip("/").endswith("/lxyz_bench"):
        raise SystemExit("Run against your own copy of lxyz_bench (createdb -T lxyz_bench …), not the shared one.")
    benchdb.setup_django()

    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from bench.bench_compliance import ensure_officer
    from branches.models import Member, MemberStatus, Organization, OrganizationKind
    from branches.terms.models import CommitteeTerm
    from branches.terms.selectors import terms_due
    from branches.terms.services import Seat, committee_election_record
    from reviews.oversight.term_reminders import term_reminders_send

    print(benchdb.machine())
    print("PostgreSQL", benchdb.postgres_version())
    today = timezone.localdate()
    root = Organization.objects.get(code=args.root)
    small = Organization.objects.get(code=args.small)
    branches = Organization.objects.subtree_of(root).filter(kind=OrganizationKind.BRANCH)
    print(
        f"{root.code}: {branches.count()} branches, {branches.filter(term_ends_on__isnull=False).count()} with a term"
    )
    import bench.bench_compliance as compliance

    compliance.OFFICER_USERNAME = OFFICER_USERNAME
    officer = ensure_officer(root)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(officer)
    for node in (root, small):
        due = terms_due(node=node, today=today)
        result = measure_page(client, reverse("branches:terms_due", args=[node.pk]), args.runs, url)
        print(
            f"terms_due {node.code}: {len(due.overdue)} overdue + {len(due.due)} due listed, {result['bytes']} bytes,"
            f" median {result['median']:.1f} ms, "
            f"p95 {result['p95']:.1f} ms, queries {result['queries']}, bare SQL {result['bare']:.1f} ms, "
            f"ratio {result['median'] / result['bare']:.1f}"
        )

    for label in ("first run", "second run"):
        started = time.perf_counter()
        sent = term_reminders_send(today=today)
        print(f"term_reminders_send {label}: {sent} sent, {(time.perf_counter() - started) * 1000:.0f} ms")

    timings = []
    candidates = (
        branches.filter(term_started_on__lt=today - datetime.timedelta(days=30))
        .exclude(pk__in=CommitteeTerm.objects.values("organization_id"))
        .order_by("path")[:10]
    )
    for branch in candidates:
        members = list(Member.objects.filter(organization=branch, status=MemberStatus.ACTIVE).order_by("pk")[:3])
        if not members:
            continue
        kinds = ("secretary", "organizer", "propaganda")
        seats = [Seat(member=m, kind=k) for m, k in zip(members, kinds, strict=False)]
        started = time.perf_counter()
        committee_election_record(organization=branch, elected_on=today, seats=seats, recorded_by=officer)
        timings.append((time.perf_counter() - started) * 1000)
    if timings:
        print(f"committee_election_record: {len(timings)} elections, median {statistics.median(timings):.1f} ms")


if __name__ == "__main__":
    main()
