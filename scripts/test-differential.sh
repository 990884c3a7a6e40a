#!/usr/bin/env bash
# The differential tier (issue 11): tc-action against the real taskgraph
# 24.2.0, scenario by scenario, on the local emulator (tests/differential/).
#
#   scripts/test-differential.sh [run.py args...]     e.g. --only retrigger-test -v
#
# The real taskgraph runs from ../shared/taskgraph-reference (setup.sh makes it
# runnable offline from Debian packages; $TASKGRAPH_REFERENCE overrides the
# place). Without it, the live half is NOT run (the reason is printed) and
# tc-action is compared with the recorded taskgraph results only
# (scenarios.json, expected/); DIFFERENTIAL_REQUIRE_TASKGRAPH=1 makes a
# missing taskgraph a failure instead. Bounded: each run 120 s at most, the
# whole tier DIFFERENTIAL_TIMEOUT s (default 900). Exit 0 when every scenario
# is identical or a deliberate difference listed in differences.json.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build}
if [ ! -x "$BUILD/tc-action" ] || [ ! -x "$BUILD/tc-emulator" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} >/dev/null
  cmake --build "$BUILD" -j"${JOBS:-2}" --target tc-action tc-emulator
fi
if ! command -v python3 >/dev/null; then
  echo "differential tier NOT run: python3 is not installed"; exit 0
fi
REF=${TASKGRAPH_REFERENCE:-}
if [ -z "$REF" ]; then
  for c in ../shared/taskgraph-reference ../../shared/taskgraph-reference; do
    [ -f "$c/run-action.sh" ] && { REF=$(cd "$c" && pwd); break; }
  done
fi
tg=(--taskgraph no)
if [ -n "$REF" ] && [ -f "$REF/run-action.sh" ]; then
  export TASKGRAPH_REFERENCE=$REF
  tg=(--taskgraph yes)
elif [ "${DIFFERENTIAL_REQUIRE_TASKGRAPH:-0}" = 1 ]; then
  echo "differential tier: taskgraph-reference not found (../shared/taskgraph-reference) and DIFFERENTIAL_REQUIRE_TASKGRAPH=1"; exit 1
else
  echo "taskgraph NOT run: ../shared/taskgraph-reference is not there (a clone without the shared material); comparing tc-action with the recorded taskgraph results only"
fi
start=$(date +%s)
rc=0
timeout "${DIFFERENTIAL_TIMEOUT:-900}" python3 tests/differential/run.py --build "$BUILD" "${tg[@]}" "$@" || rc=$?
echo "differential tier: $(( $(date +%s) - start )) s, exit $rc"
[ $rc = 124 ] && echo "differential tier: over ${DIFFERENTIAL_TIMEOUT:-900} s, stopped"
exit $rc
