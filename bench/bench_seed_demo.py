"""Time `manage.py seed_demo --branches 2000` on an empty PostgreSQL database, then its idempotent re-run.

Run (drops and recreates the database named in DATABASE_URL, default lxyz_bench_seed):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lxyz_bench_seed .venv/bin/python bench/bench_seed_demo.py

Options: --branches N (default 2000), --keep (do not drop the database first).
Goal: 2,000 branches / 50,000 members in at most 2 minutes on the 2-core machine.
"""

import argparse
import os
import subprocess
import sys
import time

import benchdb

GOAL_SECONDS = 120


def run(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=benchdb.ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    seconds = time.perf_counter() - started
    if completed.returncode:
        print(completed.stdout, completed.stderr, sep="\n")
        raise SystemExit(f"{' '.join(command)} failed")
    return seconds, completed.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--branches", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="keep the database instead of recreating it")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lxyz_bench_seed")
    url = benchdb.configure_environment()
    benchdb.ensure_database(url, recreate=not args.keep)
    python = sys.executable
    migrate_seconds, _ = run([python, "manage.py", "migrate", "-v0"])
    print(f"migrate: {migrate_seconds:.1f} s")
    command = [python, "manage.py", "seed_demo", f"--branches={args.branches}"]
    first, output = run(command)
    print(output)
    second, output_again = run(command)
    benchdb.setup_django(migrate=False)
    from branches.models import Member, Membership, Organization, OrganizationKind

    branches = Organization.objects.filter(kind=OrganizationKind.BRANCH).count()
    members = Member.objects.count()
    print(f"database: {url}  PostgreSQL {benchdb.postgres_version()}")
    print(f"machine:  {benchdb.machine()}")
    print(f"seed_demo --branches {args.branches}: {first:.1f} s wall clock (whole command), goal <= {GOAL_SECONDS} s")
    print(f"re-run (nothing to add): {second:.1f} s")
    print(f"result: {branches} branches, {members} members, {Membership.objects.count()} membership rows")
    print("re-run output says the tree exists:", "演示组织树已存在" in output_again)


if __name__ == "__main__":
    main()
