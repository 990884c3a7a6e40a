#!/usr/bin/env bash
# The UI tier: the whole path as a person takes it. The real Taskcluster UI (built from the services'
# taskcluster-ui-src.tar.gz) in headless Debian chromium, driven by playwright-core, against the genuine
# services (../shared/taskcluster-services) + the index service + web-server, behind one root URL:
#   sign in with credentials -> the failed test's page -> its actions menu (= what actions.json offers)
#   -> Retrigger times 2 (hook -> action task -> worker -> tc-action -> 2 copies) -> Rerun -> the refused
#   Retrigger (disabled) of a release-like task (its report.html says why) -> Add new jobs and Cancel All
#   from the task-group view.
# The decision side publishes what taskgraph's decision does (actions.json, parameters.yml,
# full-task-graph.json, task-graph.json, label-to-taskid.json) for a push of its own (fresh pushlog_id and
# revision per run) and is indexed; tc-action finds it through the index (the push model).
# Every step is asserted from the services' state (queue, hooks fires, index, artifacts), not only the page.
#
#   bash scripts/test-ui.sh
#
# Runs when the services directory is there ($TC_SERVICES_SRC, else ../shared/taskcluster-services
# beside the repository, or beside the main checkout of a git worktree); otherwise prints "UI tier NOT
# run: <why>" and exits 0. When it is there, it runs for real and exits non-zero on any failure. Needs
# root (the services' setup.sh). The services are one instance per machine: when any of them (or of
# this stack) is already running, it refuses (exit 1) and leaves them alone.
# tc-action: $TC_ACTION_BIN, else $BUILD_DIR/tc-action (built with CMake if missing).
# State outside the repository: ${TC_UI_DIR:-/tmp/tc-ui} (UI build cached by source hash, npm deps,
# logs) and ${TC_SERVICES_DIR:-/tmp/taskcluster-services}; screenshots + results.json in
# ${TC_UI_SHOTS:-a fresh /tmp/tc-ui-shots-XXXX}. The stack is stopped on exit unless TC_UI_KEEP=1.
# Time bound: TC_UI_TIMEOUT seconds for setup + start (default 1500: a cold run downloads ~1 GB),
# 300 s for the decision side, 600 s for the flows.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
START=$(date +%s.%N)
# $TC_SERVICES_SRC, else ../shared/taskcluster-services beside the repository (or, in a git worktree,
# beside the main checkout): the stack's own lookup
SERVICES=$(bash tests/ui/stack.sh services)
BUILD_DIR=${BUILD_DIR:-build}
export TC_UI_DIR=${TC_UI_DIR:-/tmp/tc-ui}
export TC_SERVICES_DIR=${TC_SERVICES_DIR:-/tmp/taskcluster-services}
elapsed() { echo "$(date +%s.%N) ${1:-$START}" | awk '{printf "%.1f", $1 - $2}'; }
say() { echo "[ui] $*"; }

if [ ! -f "$SERVICES/start.sh" ] || [ ! -f "$SERVICES/taskcluster-ui-src.tar.gz" ]; then
  say "UI tier NOT run: no taskcluster-services with taskcluster-ui-src.tar.gz at $SERVICES (set TC_SERVICES_SRC)" >&2
  exit 0
fi
export TC_SERVICES_SRC=$SERVICES
if [ "$(id -u)" != 0 ]; then
  say "UI tier NOT run: the services' setup.sh/start.sh need root" >&2
  exit 1
fi

# The genuine services are one instance per machine (fixed ports, one state directory). If anything
# of them (or of this stack) runs already, it is someone else's run (the conformance tier, a person
# with TC_UI_KEEP=1): refuse, never stop it.
if busy=$(bash tests/ui/stack.sh running 2>&1); then
  say "UI tier refused: the genuine services (or this stack) are already running, not started by this run:" >&2
  echo "$busy" | sed 's/^/[ui]   /' >&2
  say "wait for that run to finish (or stop it: bash tests/ui/stack.sh down), then run again" >&2
  exit 1
fi

if [ -z "${TC_ACTION_BIN:-}" ]; then
  if [ ! -x "$BUILD_DIR/tc-action" ]; then
    bash scripts/install-deps.sh
    cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} >/dev/null
    cmake --build "$BUILD_DIR" --target tc-action -j"${JOBS:-2}"
  fi
  TC_ACTION_BIN=$ROOT/$BUILD_DIR/tc-action
fi
export TC_ACTION_BIN
[ -x "$TC_ACTION_BIN" ] || { say "tc-action binary not found: $TC_ACTION_BIN" >&2; exit 1; }
say "tc-action: $TC_ACTION_BIN"

export TC_UI_SHOTS=${TC_UI_SHOTS:-$(mktemp -d /tmp/tc-ui-shots-XXXXXX)}
mkdir -p "$TC_UI_SHOTS"
SAMPLER=
# peak memory of stack + browser: every 2 s the PSS/RSS sum of the stack's and the services' processes
# plus this script's descendants (seed, flows, chromium, the worker, tc-action), into memory.txt
sample_memory() {
  local me=$$ line pss rss n peak_pss=0 peak_rss=0 peak_n=0
  while sleep 2; do
    line=$(bash tests/ui/stack.sh mem "$me" 2>/dev/null) || continue
    read -r rss pss n <<<"$line"
    [ "${pss:-0}" -gt "$peak_pss" ] && { peak_pss=$pss; peak_rss=$rss; peak_n=$n; }
    echo "peak_pss_mb=$peak_pss rss_mb_then=$peak_rss processes_then=$peak_n last_pss_mb=$pss" >"$TC_UI_SHOTS/memory.txt"
  done
}

stop_stack() {
  local rc=$?
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
  [ -f "$TC_UI_SHOTS/memory.txt" ] && say "memory (stack + browser): $(cat "$TC_UI_SHOTS/memory.txt")"
  if [ "${TC_UI_KEEP:-0}" = 1 ]; then say "stack left running (TC_UI_KEEP=1): bash tests/ui/stack.sh down"; return; fi
  bash tests/ui/stack.sh down >/dev/null 2>&1 || true
  say "stack stopped; $( [ $rc = 0 ] && echo PASSED || echo FAILED ) after $(elapsed) s in all"
}
trap stop_stack EXIT

sample_memory &
SAMPLER=$!
T=$(date +%s.%N)
timeout "${TC_UI_TIMEOUT:-1500}" bash tests/ui/stack.sh up
T_UP=$(elapsed "$T")
say "stack up in $T_UP s"
# shellcheck disable=SC1090
. "$(bash tests/ui/stack.sh env)"

T=$(date +%s.%N)
timeout 300 "$TC_UI_NODE" tests/ui/seed.mjs
T_SEED=$(elapsed "$T")
say "decision side seeded in $T_SEED s"

T=$(date +%s.%N)
rc=0
timeout 600 "$TC_UI_NODE" tests/ui/flows.mjs || rc=$?
T_FLOWS=$(elapsed "$T")
bash tests/ui/stack.sh status >"$TC_UI_SHOTS/stack-status.txt" 2>&1 || true
say "flows in $T_FLOWS s (exit $rc); screenshots, results.json, worker log: $TC_UI_SHOTS"
say "times: stack up $T_UP s, decision side $T_SEED s, flows $T_FLOWS s, total $(elapsed) s"
say "screenshots: $(find "$TC_UI_SHOTS" -maxdepth 1 -name '*.png' | wc -l) in $TC_UI_SHOTS"
exit $rc
