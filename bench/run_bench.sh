#!/usr/bin/env bash
# The single-task benchmark: wall time of `tc-action run` for one rerun and
# for one 3-copy retrigger against the emulator (median of N, default 20),
# the peak RSS of those runs, and the binary's size.
#   bench/run_bench.sh [N]        (after scripts/build.sh; BUILD_DIR default build)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20}
BIN=$PWD/${BUILD_DIR:-build}/tc-action
EMULATOR=$PWD/${BUILD_DIR:-build}/tc-emulator
WORK=$(mktemp -d)
trap 'kill "$EMU" 2>/dev/null || true; wait "$EMU" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# A world: a decision task, N failed tests (one per rerun), a retriggerable
# failed test, and 2N running action tasks (each run is its own action task).
python3 - "$N" >"$WORK/world.json" <<'PY'
import json, sys, secrets, base64
n = int(sys.argv[1])
def slug():
    b = bytearray(secrets.token_bytes(16)); b[0] &= 0x7f; b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80
    return base64.urlsafe_b64encode(bytes(b)).decode()[:22]
group = slug()
def task(label, retrigger=False, kind="test"):
    t = {"taskQueueId": "proj-gecko/t-linux", "schedulerId": "gecko-level-1", "taskGroupId": group,
         "created": "$now-1h", "deadline": "$now+23h", "expires": "$now+30d",
         "routes": ["tc-treeherder.v2.try.abc"], "scopes": [],
         "payload": {"image": "x", "maxRunTime": 3600, "env": {"A": "1"},
                     "artifacts": {"public/logs": {"type": "directory", "path": "/logs", "expires": "$now+30d"}}},
         "metadata": {"name": label, "description": "d", "owner": "a@example.com", "source": "https://example.com/"},
         "tags": {"kind": kind, "label": label}}
    if retrigger: t["tags"]["retrigger"] = "true"
    return t
tasks = [{"taskId": group, "state": "completed", "task": task("decision", kind="decision-task")}]
reruns = [slug() for _ in range(n)]
actions = [slug() for _ in range(2 * n)]
retrig = slug()
tasks += [{"taskId": r, "state": "failed", "task": task("test-%d" % i)} for i, r in enumerate(reruns)]
tasks.append({"taskId": retrig, "state": "failed", "task": task("test-retrigger", True)})
tasks += [{"taskId": a, "state": "running", "task": task("action-%d" % i, kind="action-callback")} for i, a in enumerate(actions)]
json.dump({"clients": [{"clientId": "bench/action", "accessToken": "bench-token-bench-token-bench-token-000",
                        "scopes": ["*"]}], "tasks": tasks,
           "bench": {"group": group, "reruns": reruns, "actions": actions, "retrigger": retrig}}, sys.stdout)
PY
"$EMULATOR" --world "$WORK/world.json" --port 0 --port-file "$WORK/port" >"$WORK/emu.log" 2>&1 &
EMU=$!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
export TASKCLUSTER_ROOT_URL=http://127.0.0.1:$(cat "$WORK/port")
export TASKCLUSTER_CLIENT_ID=bench/action TASKCLUSTER_ACCESS_TOKEN=bench-token-bench-token-bench-token-000
get() { python3 -c "import json,sys; print(' '.join(map(str, json.load(open('$WORK/world.json'))['bench']['$1'] if isinstance(json.load(open('$WORK/world.json'))['bench']['$1'], list) else [json.load(open('$WORK/world.json'))['bench']['$1']])))"; }
export ACTION_TASK_GROUP_ID=$(get group)
read -r -a RERUNS <<<"$(get reruns)"
read -r -a ACTIONS <<<"$(get actions)"
RETRIGGER=$(get retrigger)

measure() {  # label, then per-iteration env via function
  local label=$1 kind=$2 times=() rss=()
  for i in $(seq 0 $((N - 1))); do
    if [ "$kind" = rerun ]; then
      export TASK_ID=${ACTIONS[$i]} ACTION_CALLBACK=rerun ACTION_TASK_ID="\"${RERUNS[$i]}\"" ACTION_INPUT='{}'
    else
      export TASK_ID=${ACTIONS[$((N + i))]} ACTION_CALLBACK=retrigger ACTION_TASK_ID="\"$RETRIGGER\"" ACTION_INPUT='{"times": 3}'
    fi
    local t0 t1
    t0=$(date +%s%N)
    "$BIN" -v run --artifacts "$WORK/a" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/out" "$WORK/err"; exit 1; }
    t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000)))
    rss+=($(sed -n 's/.*peak RSS \([0-9]*\) MB.*/\1/p' "$WORK/err" | tail -1))
  done
  local med
  med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
  local maxrss
  maxrss=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
  printf '| %-28s | %8.1f ms | %4s MB |\n' "$label" "$(awk -v m="$med" 'BEGIN {print m / 1000}')" "$maxrss"
}
echo "| tc-action run (median of $N) | wall | peak RSS |"
echo "|---|---|---|"
measure "rerun of a failed task" rerun
measure "retrigger, 3 copies" retrigger
size=$(stat -c %s "$BIN")
echo
echo "binary: $BIN, $((size / 1024)) KiB"
