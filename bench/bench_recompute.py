"""The compliance recompute of a year, before and after the bulk rebuild, on a database that has the year's history
(the district database `bench_compliance.py` builds, or a copy of it: this script WRITES results and roll-ups).

In one run, on the same data:
* "before": the year rebuilt as it was until the bulk rebuild — for a subtree, `organizations_recompute` in chunks
  of 200 organisations (one transaction each, the nodes above moved per chunk); for the whole tree, one
  transaction judging per chunk, `bulk_create`, and the roll-up differences added per result and ancestor;
* "after": `compliance_recompute(year=…, organization=…)` (what `manage.py recompute_compliance` and the nightly
  job run);
* a fingerprint (md5 of every result and roll-up row of the year, in order) after each, which must be equal;
* the worker's update after one filing (`organizations_recompute` of one branch), median of 20 branches.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lxyz_bench_copy .venv/bin/python bench/bench_recompute.py
    #   --root BJ-CY (the subtree), --city (also the whole tree), --no-before, --profile (cProfile of "after")
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdb  # noqa: E402

LEGACY_CHUNK = 200


def fingerprint(year: int) -> str:
    """md5 of the year's result and roll-up rows (without their ids), in a fixed order."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(concat_ws('|', organization_id, subject, rule_code, period_key, period_start,"
            " period_end, required, count, is_met, meeting_ids::text, group_id, rule_id), ','"
            " ORDER BY organization_id, subject, rule_code, period_key))"
            " FROM reviews_complianceresult WHERE period_start BETWEEN %s AND %s",
            [f"{year}-01-01", f"{year}-12-31"],
        )
        results = cursor.fetchone()[0]
        cursor.execute(
            "SELECT md5(string_agg(concat_ws('|', node_id, rule_code, period_key, period_kind, period_end,"
            " applicable, met), ',' ORDER BY node_id, rule_code, period_key)), count(*)"
            " FROM reviews_compliancerollup WHERE period_key = %s OR period_key LIKE %s",
            [str(year), f"{year}-%"],
        )
        rollups, rollup_count = cursor.fetchone()
        cursor.execute(
            "SELECT md5(string_agg(concat_ws('|', organization_id, due, done), ',' ORDER BY organization_id))"
            " FROM reviews_studyprogress WHERE year = %s",
            [year],
        )
        progress = cursor.fetchone()[0]
    return f"results {results[:8]}, roll-ups {rollups[:8]} ({rollup_count} rows), study {str(progress)[:8]}"


def legacy_subtree(ids: list[int], *, year: int, today) -> int:
    """The subtree recompute before the bulk rebuild: the incremental path, 200 organisations a transaction."""
    from reviews.compliance.services import organizations_recompute

    return sum(
        organizations_recompute(organization_ids=ids[i : i + LEGACY_CHUNK], year=year, today=today)
        for i in range(0, len(ids), LEGACY_CHUNK)
    )


def legacy_whole(ids: list[int], *, year: int, today) -> int:
    """The whole-tree recompute before the bulk rebuild (one transaction, as it was)."""
    from django.db import transaction
    from django.db.models import Q

    from branches.models import Organization
    from reviews.compliance import services as s
    from reviews.models import ComplianceResult, ComplianceRollup, StudyProgress

    book = s.rule_book_load()
    total = 0
    with transaction.atomic():
        ComplianceResult.objects.filter(period_start__year=year).delete()
        StudyProgress.objects.filter(year=year).delete()
        ComplianceRollup.objects.filter(Q(period_key=str(year)) | Q(period_key__startswith=f"{year}-")).delete()
        deltas: dict = {}
        for i in range(0, len(ids), LEGACY_CHUNK):
            chunk = list(Organization.objects.filter(pk__in=ids[i : i + LEGACY_CHUNK]).order_by("pk"))
            new = [
                result
                for facts in s._facts(chunk, year=year)
                for result in s.judge_organization(facts, book=book, year=year, today=today)
            ]
            ComplianceResult.objects.bulk_create(new, batch_size=2000)
            paths = {o.pk: o.path for o in chunk}
            s._merge(deltas, s._contributions(new, paths, +1))
            progress = s._study_progress([o.pk for o in chunk], year=year, today=today)
            StudyProgress.objects.bulk_create(progress, batch_size=2000)
            s._merge(deltas, s._study_contributions(progress, paths, +1))
            total += len(new)
        s._apply_deltas(deltas)
    return total


def timed(label: str, function, *, year: int) -> tuple[float, str]:
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    count = function()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rows = fingerprint(year)
    print(
        f"  {label}: {seconds:.1f} s ({cpu:.1f} s CPU in this process), {count} results "
        f"(load {load:.2f} → {os.getloadavg()[0]:.2f}); {rows}"
    )
    return seconds, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default="BJ-CY", help="code of the subtree (BJ-CY)")
    parser.add_argument("--city", action="store_true", help="also the whole tree")
    parser.add_argument("--no-before", action="store_true", help="skip the old algorithm")
    parser.add_argument("--profile", action="store_true", help="cProfile of the new subtree recompute")
    parser.add_argument("--year", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
    os.environ.setdefault("RECORDS_SIGNING_KEY", "bench-only-records-signing-key-0123456789abcdefghijklmnop")
    url = benchdb.configure_environment()
    benchdb.setup_django(migrate=True)

    from django.utils import timezone

    from branches.models import Organization, OrganizationKind
    from reviews.compliance.services import compliance_recompute, organizations_recompute

    today = timezone.localdate()
    year = args.year or today.year
    root = Organization.objects.get(code=args.root)
    print(f"database: {url}  PostgreSQL {benchdb.postgres_version()}")
    print(f"machine:  {benchdb.machine()}")
    subtree = list(Organization.objects.filter(path__startswith=root.path).order_by("pk").values_list("pk", flat=True))
    everything = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    branches = Organization.objects.filter(path__startswith=root.path, kind=OrganizationKind.BRANCH)
    print(
        f"year {year}, today {today}; {root.code}: {len(subtree)} organisations ({branches.count()} branches); "
        f"the whole tree: {len(everything)} organisations"
    )

    print(f"\nthe {root.code} subtree:")
    if not args.no_before:
        timed(
            "before (incremental path, 200 a chunk)", lambda: legacy_subtree(subtree, year=year, today=today), year=year
        )
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
    timed(
        "after  (compliance_recompute)",
        lambda: compliance_recompute(year=year, organization=root, today=today),
        year=year,
    )
    if args.profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    timed("after, again", lambda: compliance_recompute(year=year, organization=root, today=today), year=year)

    if args.city:
        print("\nthe whole tree:")
        if not args.no_before:
            timed(
                "before (one transaction, deltas per result)",
                lambda: legacy_whole(everything, year=year, today=today),
                year=year,
            )
        timed("after  (compliance_recompute)", lambda: compliance_recompute(year=year, today=today), year=year)

    sample = list(branches.order_by("path").values_list("pk", flat=True))
    sample = sample[:: max(1, len(sample) // 20)][:20]
    timings = []
    for branch_id in sample:
        started = time.perf_counter()
        organizations_recompute(organization_ids=[branch_id], year=year, today=today)
        timings.append((time.perf_counter() - started) * 1000)
    print(
        f"\nthe worker's update after one filing (organizations_recompute of one branch), {len(sample)} branches: "
        f"median {statistics.median(timings):.1f} ms, max {max(timings):.1f} ms"
    )
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
