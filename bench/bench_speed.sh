#!/usr/bin/env bash
# Issue "Speed" (16) in one run: every page it names before and after (two rounds, interleaved), the meeting
# detail's planning, throughput before and after, the recompute of a district and of a city with the worker's
# update after one filing. Each step prints the load average; docs/performance.md records the output.
#
#   bench/bench_speed.sh BEFORE_CHECKOUT DISTRICT_DATABASE CITY_DATABASE
#
# BEFORE_CHECKOUT: the code before the change (`git worktree add --detach /tmp/before 71c4a86`, translations
# compiled there). DISTRICT_DATABASE: a copy of the district database (bench/bench_compliance.py; this WRITES:
# `createdb -T lxyz_bench NAME`). CITY_DATABASE: the 20,000-branch city (bench_compliance.py --tree-branches 20000
# --root BJ --no-study), whose year is recomputed. About 25 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ $# -ne 3 ]; then
  echo "usage: $0 BEFORE_CHECKOUT DISTRICT_DATABASE CITY_DATABASE" >&2
  exit 2
fi
before=$1
district="postgres://postgres@127.0.0.1:5432/$2"
city="postgres://postgres@127.0.0.1:5432/$3"
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/11}
python=.venv/bin/python
step() { printf '\n== %s (%s UTC, load average %s)\n' "$1" "$(date -u +%H:%M:%S)" "$(cut -d' ' -f1-3 /proc/loadavg)"; }

for round in 1 2; do
  step "pages, round $round, before"
  DATABASE_URL=$district $python bench/bench_pages.py --code "$before"
  step "pages, round $round, after"
  DATABASE_URL=$district $python bench/bench_pages.py
done
step "meeting detail: planning of its queries"
DATABASE_URL=$district $python bench/bench_meeting_plan.py
step "throughput"
DATABASE_URL=$district $python bench/bench_load.py --before "$before" --seconds 10
step "recompute: the district, and the worker after one filing"
DATABASE_URL=$district $python bench/bench_recompute.py
step "recompute: the city"
DATABASE_URL=$city $python bench/bench_recompute.py --city
step "done"
