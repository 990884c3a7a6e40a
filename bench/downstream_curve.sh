#!/usr/bin/env bash
# The downstream curve (issue 13: "near-linear downstream closure"): tc-action
# `run --dry-run` of a retrigger with downstream of a build with N dependents,
# against the emulator: wall, CPU (user+sys) and peak RSS of the process
# (median of RUNS), with tc-action's own phases from its progress lines
# (read: the queue reads incl. the full graph; plan: closure + copies).
#
#   bench/downstream_curve.sh [--runs N] [N ...]        (default: 3 runs; 1000 10000 30000 100000)
#
# Each world (bench/make_push_world.py --lean: one docker image, the build and
# its N tests, compact JSON) is generated once into $BENCH_WORLD_DIR/curve-N
# (default /tmp/tc-action-bench) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=3 SIZES=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    [0-9]*) SIZES+=("$1"); shift ;;
    *) echo "usage: bench/downstream_curve.sh [--runs N] [N ...]" >&2; exit 2 ;;
  esac
done
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 10000 30000 100000)
BUILD_DIR=${BUILD_DIR:-build}
if [ ! -x "$BUILD_DIR/tc-action" ] || [ ! -x "$BUILD_DIR/tc-emulator" ]; then
  TARGETS="tc-action tc-emulator" bash scripts/build.sh
fi
BASE=${BENCH_WORLD_DIR:-/tmp/tc-action-bench}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "downstream_curve: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load:$(uptime | sed 's/.*load average://')"
for n in "${SIZES[@]}"; do
  WORLD=$BASE/curve-$n
  ACTIONS=$((RUNS > 3 ? RUNS : 3))  # one action task per run (--runs 1..3 share a world)
  KEY=$(sha1sum <bench/make_push_world.py | cut -c1-12)-$n-$ACTIONS
  if [ "$(cat "$WORLD/key" 2>/dev/null)" != "$KEY" ]; then
    rm -rf "$WORLD"
    python3 bench/make_push_world.py "$WORLD" --lean --tasks $((n + 2)) --fanout "$n" --actions "$ACTIONS"
    echo "$KEY" >"$WORLD/key"
  fi
  python3 bench/run_push_bench.py "$WORLD" --only tc-action --dry-run --actions retrigger-downstream \
    --runs "$RUNS" --build "$BUILD_DIR" --json "$OUT/$n.json" | grep -v '^|' | grep -v '^median' | grep -v '^$' || true
  [ -s "$OUT/$n.json" ] || { echo "downstream_curve: N=$n failed" >&2; exit 1; }
done

python3 - "$OUT" "$RUNS" "${SIZES[@]}" <<'PY'
import json, statistics, sys
out, runs, sizes = sys.argv[1], sys.argv[2], sys.argv[3:]
print(f"\ntc-action run --dry-run, retrigger with downstream; median of {runs} runs")
print("| dependents N | full-task-graph.json | wall | CPU | peak RSS | read (queue + full graph) | plan (closure + copies) | planned ops | wall per 1k |")
print("|---|---|---|---|---|---|---|---|---|")
for n in sizes:
    d = json.load(open(f"{out}/{n}.json"))
    r = d["results"][0]["tc-action"]
    rs = r["runs"]
    med = lambda k: statistics.median(x[k] for x in rs if k in x)
    mb = d["bench"]["bytes"]["full-task-graph.json"] / 1e6
    print(f'| {int(n):,} | {mb:.0f} MB | {r["wall"]:.2f} s | {r["cpu"]:.2f} s | {r["rss"]:.0f} MB | '
          f'{med("readMs"):.0f} ms | {med("planMs"):.0f} ms | {rs[0].get("planned", "?"):,} | '
          f'{r["wall"] / int(n) * 1000 * 1000:.0f} ms |')
PY
echo "downstream_curve: done, load:$(uptime | sed 's/.*load average://')"
