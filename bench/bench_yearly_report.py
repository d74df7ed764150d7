"""The yearly inspection report (年度检查报告): one branch's report, and a district's through the job's fan-out.

    .venv/bin/python bench/bench_yearly_report.py                 # DATABASE_URL default: …/bench_compliance
    .venv/bin/python bench/bench_yearly_report.py --tree-branches 400 --root BJ-CY

Data: the same as bench/bench_compliance.py (the demo tree with `--tree-branches` branches, the district `--root`
with a year of `demo.history.history_generate` history and its compliance roll-ups), created when missing; the
two scripts share the database.

It prints, with the load average before and after (the machine is shared):

* a branch report: `report_data`, the PDF and the xlsx, median over `--runs`, with the SQL time Django saw and
  the bare time of the same statements re-run on the connection, and the ratio of the whole to the bare SQL;
* the district report through the job path in this process (`YEARLY_REPORT_CHUNK_SIZE` organisations a chunk):
  the chunks (per chunk: time, queries, peak Python memory by tracemalloc), then the assembly split into reading
  (the roll-ups and the chunks' parts), the PDF and the xlsx; the PDF's pages and size.

Goals (issue 12): branch PDF ≤ 2 s; district (2,000 branches) PDF + xlsx ≤ 60 s end to end; ≤ 12 MB of worker
memory per branch chunk; queries per chunk independent of its size.
"""

import argparse
import os
import statistics
import subprocess
import time
import tracemalloc

import benchdb
from bench_compliance import DEFAULT_URL, ensure_tree

os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("RECORDS_SIGNING_KEY", "bench-only-records-signing-key-0123456789abcdefghijklmnop")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} / {five:.2f} / {fifteen:.2f}"


def pdf_pages(pdf: bytes) -> int:
    info = subprocess.run(
        ["/usr/bin/pdfinfo", "-"], input=pdf, capture_output=True, check=True, text=False
    ).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def bare_sql_seconds(statements: list[dict]) -> float:
    """The statements Django ran, run again on the connection: the database's own time, no Python."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement["sql"])
            cursor.fetchall() if cursor.description else None
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree-branches", type=int, default=7250)
    parser.add_argument("--root", default="BJ-CY")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chunk-size", type=int, default=100)
    args = parser.parse_args()
    os.environ["YEARLY_REPORT_CHUNK_SIZE"] = str(args.chunk_size)
    url = benchdb.configure_environment()
    os.environ.pop("REDIS_URL", None)  # the job's tasks run in this process (as `manage.py yearly_report` does)
    benchdb.ensure_database(url)
    benchdb.setup_django()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from branches.models import Organization, OrganizationKind
    from demo.history.generate import history_generate
    from reviews.reports import render, selectors

    today = timezone.localdate()
    year = today.year
    print(f"database: {url}  PostgreSQL {benchdb.postgres_version()}")
    print(f"machine:  {benchdb.machine()}")
    print(f"today:    {today}  {load()}")
    ensure_tree(args.tree_branches, today)
    root = Organization.objects.get(code=args.root)
    history_generate(root=root, year=year, today=today)
    branches = Organization.objects.filter(path__startswith=root.path, kind=OrganizationKind.BRANCH)
    print(f"root:     {root.name} ({root.code}): {branches.count()} branches")

    # One branch -------------------------------------------------------------------------------------------------
    branch = branches.order_by("path").first()
    assert branch is not None
    timings: dict[str, list[float]] = {"data": [], "pdf": [], "xlsx": [], "sql": [], "bare": []}
    pages = size = 0
    for _run in range(args.runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            report = selectors.report_data(organization=branch, year=year, today=today, as_of=timezone.now())
            timings["data"].append(time.perf_counter() - started)
        timings["sql"].append(sum(float(q["time"]) for q in queries.captured_queries))
        timings["bare"].append(bare_sql_seconds(queries.captured_queries))
        started = time.perf_counter()
        pdf = render.pdf_bytes(report, version=1)
        timings["pdf"].append(time.perf_counter() - started)
        started = time.perf_counter()
        render.xlsx_bytes(report, version=1)
        timings["xlsx"].append(time.perf_counter() - started)
        pages, size = pdf_pages(pdf), len(pdf)
    median = {key: statistics.median(values) for key, values in timings.items()}
    whole = median["data"] + median["pdf"] + median["xlsx"]
    print()
    print(f"branch {branch.name}: {len(queries.captured_queries)} queries  {load()}")
    print(
        f"  median of {args.runs}: data {median['data'] * 1000:.0f} ms (SQL seen {median['sql'] * 1000:.0f} ms, bare "
        f"{median['bare'] * 1000:.0f} ms), PDF {median['pdf'] * 1000:.0f} ms, xlsx {median['xlsx'] * 1000:.0f} ms; "
        f"whole {whole:.2f} s = {whole / max(median['bare'], 1e-6):.0f}× the bare SQL; PDF ~{pages} pages, "
        f"{size / 1024:.0f} KiB"
    )

    # The district, through the job's fan-out ---------------------------------------------------------------------
    from django.conf import settings

    settings.YEARLY_REPORT_CHUNK_SIZE = args.chunk_size
    runs = selectors.report_chunk_plan(organization=root, size=args.chunk_size)
    chunk_seconds: list[float] = []
    chunk_peaks: list[float] = []
    chunk_queries: list[int] = []
    chunk_bare: list[float] = []
    results = []
    print()
    print(f"district {root.name}: {sum(len(run) for run in runs)} organisations in {len(runs)} chunks  {load()}")
    for run in runs:
        tracemalloc.start()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            results.append(selectors.report_chunk(organization_ids=run, year=year))
            chunk_seconds.append(time.perf_counter() - started)
        chunk_peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
        chunk_queries.append(len(queries.captured_queries))
        chunk_bare.append(bare_sql_seconds(queries.captured_queries))
    print(
        f"  chunks: {sum(chunk_seconds):.1f} s in all (median {statistics.median(chunk_seconds) * 1000:.0f} ms, max "
        f"{max(chunk_seconds) * 1000:.0f} ms; bare SQL {sum(chunk_bare):.1f} s), queries per chunk "
        f"{sorted(set(chunk_queries))}, peak Python memory per chunk max {max(chunk_peaks):.1f} MiB"
    )
    started = time.perf_counter()
    parts = selectors.report_parts(results)
    with CaptureQueriesContext(connection) as queries:
        report = selectors.report_data(organization=root, year=year, today=today, as_of=timezone.now(), parts=parts)
    read = time.perf_counter() - started
    bare = bare_sql_seconds(queries.captured_queries)
    started = time.perf_counter()
    pdf = render.pdf_bytes(report, version=1)
    pdf_seconds = time.perf_counter() - started
    started = time.perf_counter()
    xlsx = render.xlsx_bytes(report, version=1)
    xlsx_seconds = time.perf_counter() - started
    whole = sum(chunk_seconds) + read + pdf_seconds + xlsx_seconds
    print(
        f"  assembly: read {read:.1f} s ({len(queries.captured_queries)} queries, bare SQL {bare:.1f} s, "
        f"{len(report.records)} filed records), PDF {pdf_seconds:.1f} s ({len(pdf) / 2**20:.1f} MiB), xlsx "
        f"{xlsx_seconds:.1f} s ({len(xlsx) / 2**20:.1f} MiB)"
    )
    print(
        f"  end to end (one process, no queue): {whole:.1f} s = "
        f"{whole / max(sum(chunk_bare) + bare, 1e-6):.1f}× the bare SQL  {load()}"
    )


if __name__ == "__main__":
    main()
