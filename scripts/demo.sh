#!/usr/bin/env bash
# The demo: installs what it needs, builds, starts the embedded Taskcluster
# emulator with a small push (demo/world.json: the decision task publishes
# parameters.yml, full-task-graph.json and label-to-taskid.json as taskgraph
# does), then runs a rerun of a failed
# test and a 3-copy retrigger through `tc-action run`, exactly as an action
# task would (Hawk credentials, ACTION_* environment), and prints the reports.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# Only what the demo runs: tc-action and the emulator (no tests).
TARGETS="tc-action tc-emulator" bash scripts/build.sh
BIN=$ROOT/${BUILD_DIR:-build}/tc-action
EMULATOR=$ROOT/${BUILD_DIR:-build}/tc-emulator
WORK=$(mktemp -d)
trap 'kill "$EMU" 2>/dev/null || true; wait "$EMU" 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$EMULATOR" --world demo/world.json --port 0 --port-file "$WORK/port" >"$WORK/emulator.log" 2>&1 &
EMU=$!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
[ -s "$WORK/port" ] || { echo "the emulator did not start:"; cat "$WORK/emulator.log"; exit 1; }
PORT=$(cat "$WORK/port")
echo "== Taskcluster emulator at http://127.0.0.1:$PORT (demo/world.json)"

export TASKCLUSTER_ROOT_URL=http://127.0.0.1:$PORT
export TASKCLUSTER_CLIENT_ID=project/gecko/action-hook-1
export TASKCLUSTER_ACCESS_TOKEN=demo-token-only-for-the-local-emulator-000   # emulator-only demo credential
export ACTION_TASK_GROUP_ID=Dec1s10nQ2a0000000000A   # the decision task = the graph's task group

state() { curl -s "$TASKCLUSTER_ROOT_URL/api/queue/v1/task/$1/status" | python3 -c 'import json,sys; s=json.load(sys.stdin)["status"]; print(s["state"], "runs:", len(s["runs"]))'; }

echo
echo "== 1. rerun of a failed intermittent test (test-linux64/opt-xpcshell-3)"
echo "   before: $(state TestXpc1Q2a0000000005A)"
TASK_ID=Act10nRrQ2a0000000001A ACTION_CALLBACK=rerun ACTION_TASK_ID='"TestXpc1Q2a0000000005A"' ACTION_INPUT='{}' \
  "$BIN" run --artifacts "$WORK/rerun"
echo "   after:  $(state TestXpc1Q2a0000000005A)"
cat "$WORK/rerun/report.json"

echo
echo "== 2. retrigger x3 of a failed test (test-linux64/opt-mochitest-browser-chrome-1)"
TASK_ID=Act10nRtQ2a0000000002A ACTION_CALLBACK=retrigger ACTION_TASK_ID='"TestMoc1Q2a0000000004A"' ACTION_INPUT='{"times": 3}' \
  "$BIN" run --artifacts "$WORK/retrigger"
cat "$WORK/retrigger/report.json"

echo
echo "== 3. the same action task retried by Taskcluster: nothing is created twice"
TASK_ID=Act10nRtQ2a0000000002A ACTION_CALLBACK=retrigger ACTION_TASK_ID='"TestMoc1Q2a0000000004A"' ACTION_INPUT='{"times": 3}' \
  "$BIN" run --artifacts "$WORK/retrigger-again"

echo
echo "== 4. policy: a completed release (signing) task is not retriggered without force"
set +e
TASK_ID=Act10nRtQ2a0000000002A ACTION_CALLBACK=retrigger ACTION_TASK_ID='"S1gnL1nxQ2a0000000006A"' ACTION_INPUT='{}' \
  "$BIN" run --artifacts "$WORK/refused"
echo "   exit status: $? (1 = refused by policy; nothing changed)"
set -e

echo
echo "== 5. the action task completes: its copies, which waited for it, become pending"
curl -s -X POST -H 'Content-Type: application/json' -d '{"taskId": "Act10nRtQ2a0000000002A", "state": "completed"}' \
  "$TASKCLUSTER_ROOT_URL/__emulator/resolve" >/dev/null

echo
echo "== the task group now"
curl -s "$TASKCLUSTER_ROOT_URL/api/queue/v1/task-group/$ACTION_TASK_GROUP_ID/list" | python3 -c '
import json, sys
for t in json.load(sys.stdin)["tasks"]:
    s, d = t["status"], t["task"]
    print("  %-24s %-12s %s" % (s["taskId"], s["state"], d["metadata"]["name"]))'
