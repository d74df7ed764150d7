"""Server time and SQL query count of the tree, tree expansion and roster pages at 2,000 branches / 50,000 members.

Run against PostgreSQL (the database is created when missing, migrated, and
seeded with `seed_demo --branches 2000` when it holds fewer branches):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lxyz_bench .venv/bin/python bench/bench_tree_roster.py

Options: --runs N (timed runs per page, default 20, after 3 warm-up runs), --branches N (default 2000),
--sql (print the SQL statements of each page).

Each page is requested through Django's test Client (the whole middleware
stack, session and template rendering; no network). The script adds one
branch of exactly 200 members (code BJ-DC-BENCH200) for the roster page.
Budget: at most 10 SQL queries per page, the same count as for a tiny subtree.
"""

import argparse
import io
import time
import unicodedata

import benchdb

QUERY_BUDGET = 10
BENCH_BRANCH_CODE = "BJ-DC-BENCH200"


def ensure_data(branches: int) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from branches.models import Organization, OrganizationCategory, OrganizationKind
    from demo.tree import seed as tree

    existing = Organization.objects.filter(kind=OrganizationKind.BRANCH, code__startswith="BJ-").count()
    if existing < branches:
        started = time.perf_counter()
        call_command("seed_demo", f"--branches={branches}", stdout=io.StringIO())
        print(f"seed_demo --branches {branches}: {time.perf_counter() - started:.1f} s")
    tree.demo_branch_add(
        parent=Organization.objects.get(code="BJ-DC"),
        code=BENCH_BRANCH_CODE,
        name="东城区朝阳门街道机关联合党支部",
        category=OrganizationCategory.GOVERNMENT,
        size=200,
        today=timezone.localdate(),
    )


def pad(text: str, width: int) -> str:
    """Left-align in a terminal, counting Chinese characters as two columns."""
    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(0, width - used)


def measure(client, url: str, runs: int) -> tuple[list[float], list[float], list[str], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm-up: template loading, connection, caches
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    timings = []
    sql_timings = []
    query_counts = set()
    size = 0
    statements: list[str] = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        query_counts.add(len(queries))
        statements = [query["sql"] for query in queries.captured_queries]
        sql_timings.append(sum(float(query["time"]) for query in queries.captured_queries) * 1000)
        size = len(response.content)
    if len(query_counts) != 1:
        raise SystemExit(f"{url}: the query count changed between runs: {sorted(query_counts)}")
    return timings, sql_timings, statements, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--branches", type=int, default=2000)
    parser.add_argument("--sql", action="store_true", help="print each page's SQL statements")
    args = parser.parse_args()
    url = benchdb.configure_environment()
    benchdb.ensure_database(url)
    benchdb.setup_django()
    ensure_data(args.branches)

    from django.test import Client
    from django.urls import reverse

    from branches.models import Member, Organization, OrganizationKind, User

    city = Organization.objects.get(code="BJ")
    district = Organization.objects.get(code="BJ-DC")
    bench_branch = Organization.objects.get(code=BENCH_BRANCH_CODE)
    admin = User.objects.get(username="admin")
    officer = User.objects.get(username="district")
    secretary = User.objects.get(username=f"{BENCH_BRANCH_CODE.lower()}-secretary")
    subtree = Organization.objects.subtree_of(city)
    print(f"database: {url}  PostgreSQL {benchdb.postgres_version()}")
    print(f"machine:  {benchdb.machine()}")
    print(
        f"data: {subtree.filter(kind=OrganizationKind.BRANCH).count()} branches, "
        f"{Member.objects.count()} members; 东城区委 subtree: "
        f"{Organization.objects.subtree_of(district).filter(kind=OrganizationKind.BRANCH).count()} branches; "
        f"bench branch: {Member.objects.filter(organization=bench_branch).count()} members"
    )
    pages = [
        ("tree, city administrator (2,000-branch subtree)", admin, reverse("branches:organization_tree")),
        ("tree, 东城区委 officer", officer, reverse("branches:organization_tree")),
        ("expand 北京市委 (2,000 branches below)", admin, reverse("branches:organization_children", args=[city.pk])),
        ("expand 东城区委", officer, reverse("branches:organization_children", args=[district.pk])),
        ("roster of a 200-member branch, its secretary", secretary, bench_branch.get_absolute_url()),
        ("roster of a 200-member branch, 东城区委 officer", officer, bench_branch.get_absolute_url()),
        ("roster, last page (8 of 8)", officer, bench_branch.get_absolute_url() + "?page=8"),
    ]
    rows = []
    for label, user, page_url in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        timings, sql_timings, statements, size = measure(client, page_url, args.runs)
        rows.append(
            (
                label,
                benchdb.median(timings),
                benchdb.percentile(timings, 0.95),
                benchdb.median(sql_timings),
                len(statements),
                size,
            )
        )
        if args.sql:
            print(f"\n{label}: {page_url}")
            for statement in statements:
                print(f"  {statement[:220]}")
    print()
    print(f"{pad('page', 52)} {'median ms':>10} {'p95 ms':>8} {'SQL ms':>8} {'queries':>8} {'bytes':>8}")
    for label, median, p95, sql_ms, queries, size in rows:
        flag = "" if queries <= QUERY_BUDGET else f"  OVER BUDGET ({QUERY_BUDGET})"
        print(f"{pad(label, 52)} {median:>10.1f} {p95:>8.1f} {sql_ms:>8.1f} {queries:>8} {size:>8}{flag}")
    print(
        f"\n{args.runs} timed runs per page after 3 warm-up runs; SQL ms = median time spent in the database "
        f"(as seen by Django); budget {QUERY_BUDGET} queries per page."
    )


if __name__ == "__main__":
    main()
