#!/usr/bin/env bash
# The push benchmark (issue 11): tc-action against the real taskgraph 24.2.0
# `action-callback` on a Firefox-shaped push (30,000-task full graph), same
# emulator, same environment, same actions:
#   retrigger-multiple of 50 labels, retrigger with downstream of the big build
#   (2,000 downstream tasks), add-new-jobs of 50 labels.
# Wall, CPU (user+sys) and peak RSS of each process, median of RUNS; the
# createTask calls of every run counted in the emulator's journal.
#
#   bench/push_bench.sh [--runs N] [--tasks N] [--fanout N] [--tc-action-only] [--json FILE] [--keep DIR]
#
# Needs build/tc-action and build/tc-emulator (built when missing) and, for
# taskgraph, ../shared/taskgraph-reference (setup.sh; $TASKGRAPH_REFERENCE).
# The world is generated once into $BENCH_WORLD_DIR (default
# /tmp/tc-action-bench/push-<tasks>-<fanout>, ~300 MB, ~20 s of CPU) and reused
# while bench/make_push_world.py is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=3 TASKS=30000 FANOUT=2000 ONLY= EXTRA=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --tasks) TASKS=$2; shift 2 ;;
    --fanout) FANOUT=$2; shift 2 ;;
    --tc-action-only) ONLY=tc-action; shift ;;
    --json|--keep) EXTRA+=("$1" "$2"); shift 2 ;;
    *) echo "usage: bench/push_bench.sh [--runs N] [--tasks N] [--fanout N] [--tc-action-only] [--json FILE] [--keep DIR]" >&2; exit 2 ;;
  esac
done
BUILD_DIR=${BUILD_DIR:-build}
if [ ! -x "$BUILD_DIR/tc-action" ] || [ ! -x "$BUILD_DIR/tc-emulator" ]; then
  TARGETS="tc-action tc-emulator" bash scripts/build.sh
fi

if [ -z "$ONLY" ]; then
  REF=${TASKGRAPH_REFERENCE:-}
  for c in "$REF" ../shared/taskgraph-reference ../../shared/taskgraph-reference /work/shared/taskgraph-reference; do
    [ -n "$c" ] && [ -x "$c/setup.sh" ] && { REF=$c; break; }
  done
  [ -x "$REF/setup.sh" ] || { echo "push_bench: taskgraph-reference not found (set TASKGRAPH_REFERENCE, or --tc-action-only)" >&2; exit 2; }
  "$REF/setup.sh" >&2
fi

# the world, regenerated when the generator or the shape changes; 3 actions x 2 sides x RUNS action
# tasks (at least 18: --runs 1..3 share a world)
ACTIONS=$((6 * RUNS > 18 ? 6 * RUNS : 18))
KEY=$(cat bench/make_push_world.py | sha1sum | cut -c1-12)-$TASKS-$FANOUT-$ACTIONS
WORLD=${BENCH_WORLD_DIR:-/tmp/tc-action-bench/push-$TASKS-$FANOUT}
if [ "$(cat "$WORLD/key" 2>/dev/null)" != "$KEY" ]; then
  rm -rf "$WORLD"
  python3 bench/make_push_world.py "$WORLD" --tasks "$TASKS" --fanout "$FANOUT" --actions "$ACTIONS"
  if [ -z "$ONLY" ]; then  # public/actions.json as the decision renders it (taskgraph's render_actions_json)
    # (the action task template: this project's taskcluster/.taskcluster.yml)
    (. /tmp/taskgraph-reference/env.sh && cd tests/differential/project &&
      "$TASKGRAPH_PY" - "$WORLD" "$PWD/../../../taskcluster/.taskcluster.yml" 2>/dev/null <<'PY') ||
import json, sys, yaml
from taskgraph.actions import render_actions_json
from taskgraph.config import GraphConfig, load_graph_config
from taskgraph.parameters import Parameters
world, tcyml = sys.argv[1], sys.argv[2]
GraphConfig.taskcluster_yml = property(lambda self: tcyml)
b = json.load(open(world + "/bench.json"))
params = Parameters(strict=False, **yaml.safe_load(open(world + "/artifacts/parameters.yml")))
doc = render_actions_json(params, load_graph_config("taskcluster"), b["decisionTaskId"])
with open(world + "/artifacts/actions.json", "w") as f:
    json.dump(doc, f, sort_keys=True, indent=2)
PY
      echo "push_bench: actions.json not rendered (placeholder kept)" >&2
  fi
  echo "$KEY" >"$WORLD/key"
fi

echo "push_bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load:$(uptime | sed 's/.*load average://')"
python3 bench/run_push_bench.py "$WORLD" --runs "$RUNS" --build "$BUILD_DIR" ${ONLY:+--only "$ONLY"} "${EXTRA[@]}"
echo "push_bench: done, load:$(uptime | sed 's/.*load average://')"
