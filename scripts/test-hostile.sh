#!/usr/bin/env bash
# The hostile tier (issue 13): tc-action run against a scripted hostile
# Taskcluster queue and hostile local input (tests/hostile/README.md).
#
#   scripts/test-hostile.sh [CASE...]      (default: all)
#
# Env: TC_ACTION_BIN (default: build/tc-action, built with scripts/build.sh
# when missing), HOSTILE_CAP (wall-clock cap per case, s; default: bound x2 + 10).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TC_ACTION_BIN:-build/tc-action}
if [ -z "${TC_ACTION_BIN:-}" ] && [ ! -x "$BIN" ]; then bash scripts/build.sh; fi
args=(--bin "$BIN")
[ -n "${HOSTILE_CAP:-}" ] && args+=(--cap "$HOSTILE_CAP")
exec python3 tests/hostile/run.py "${args[@]}" "${@:-all}"
