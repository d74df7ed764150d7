"""星级评定: the proposal job for a district, and the officers page over it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lxyz_bench_star-ratings .venv/bin/python bench/bench_ratings.py

Data: an existing benchmark database (bench/benchdb.py; e.g. a copy of `lxyz_bench`, the 7,250-branch city tree
with the 2,012-branch 朝阳区委 `BJ-CY` and a year of meetings and compliance roll-ups), migrated by this script.
It writes ratings into that database: run it on a copy.

It prints, with the load average before and after (the machine is shared):

* the proposal job for `--root` and `--year` run through the job runner in this process (as a worker would):
  wall time, queries, and the branches proposed — median over `--runs` (a second run updates the proposals);
* the officers page's selector (`subtree_ratings`) for the root: time and queries.

Goals (issue 14): the district's proposals in ≤ 60 s; a fixed number of queries, whatever the subtree's size.
"""

import argparse
import os
import statistics
import time

import benchdb

os.environ.setdefault("RECORDS_SIGNING_KEY", "bench-only-records-signing-key-0123456789abcdefghijklmnop")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} / {five:.2f} / {fifteen:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default="BJ-CY")
    parser.add_argument("--year", type=int, default=None, help="default: the year of the latest compliance result")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    url = benchdb.configure_environment()
    os.environ.pop("REDIS_URL", None)  # the job runs in this process
    if url.rstrip("/").endswith("/lxyz_bench"):
        raise SystemExit("bench_ratings writes ratings: point DATABASE_URL at a copy, not at lxyz_bench itself.")
    benchdb.setup_django()

    from django.db import connection
    from django.db.models import Max
    from django.test.utils import CaptureQueriesContext

    from branches.models import Organization
    from portal.jobs.models import Job
    from portal.jobs.progress import ProgressReporter
    from reviews.models import ComplianceResult
    from reviews.ratings import selectors, services

    print(benchdb.machine())
    print(f"PostgreSQL {benchdb.postgres_version()}")
    root = Organization.objects.get(code=args.root)
    branches = Organization.objects.subtree_of(root).branches().count()
    year = args.year or ComplianceResult.objects.aggregate(last=Max("period_start"))["last"].year
    print(f"root {root.code} {root.name}: {branches} branches, year {year}")

    timings, queries, proposed = [], [], 0
    for run in range(args.runs):
        print(f"run {run + 1}: {load()}")
        job = Job.objects.create(
            kind=services.RATINGS_PROPOSE, organization=root, params={"year": year}, state="running", attempts=1
        )
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            outcome = services.ratings_propose_run(job, ProgressReporter(job))
            timings.append(time.perf_counter() - started)
        queries.append(len(captured))
        proposed = outcome.result["branches"]
        Job.objects.filter(pk=job.pk).update(state="done")
        print(f"  proposals: {timings[-1]:.2f} s, {queries[-1]} queries, {proposed} branches")
    print(
        f"proposal job: median {statistics.median(timings):.2f} s (max {max(timings):.2f} s) for {proposed} "
        f"branches, {max(queries)} queries; goal ≤ 60 s: {'met' if max(timings) <= 60 else 'NOT met'}"
    )

    page_timings, page_queries = [], 0
    for _ in range(5):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            ratings = selectors.subtree_ratings(organization=root, year=year)
            list(ratings.waiting)
            page_timings.append(time.perf_counter() - started)
        page_queries = len(captured)
    print(
        f"officers page selector: median {statistics.median(page_timings) * 1000:.0f} ms, {page_queries} queries, "
        f"{ratings.total.branches} branches, {ratings.total.waiting} waiting"
    )
    print(f"after: {load()}")


if __name__ == "__main__":
    main()
