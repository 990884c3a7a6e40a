#!/usr/bin/env bash
# The conformance tier: tests/e2e/conformance_test.cc's scenarios against the GENUINE Taskcluster
# services (auth + queue v106, run locally from ../shared/taskcluster-services) and against our
# emulator. The real services are the judge.
#
#   bash scripts/test-conformance.sh
#
# Services: $TC_SERVICES_SRC, else ../shared/taskcluster-services beside the repository
# (setup.sh + start.sh, needs root; state in ${TC_SERVICES_DIR:-/tmp/taskcluster-services}).
# They are stopped again on exit (stop.sh). Without the services directory only the emulator
# backend runs, and the script says so ("... NOT run: <why>"). BUILD_DIR (default build) and
# JOBS (default nproc) control the build of conformance_test and tc-action.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
START=$(date +%s.%N)
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
SERVICES=${TC_SERVICES_SRC:-$ROOT/../shared/taskcluster-services}

elapsed() { echo "$(date +%s.%N) $START" | awk '{printf "%.1f s", $1 - $2}'; }

bash scripts/install-deps.sh
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} >/dev/null
cmake --build "$BUILD_DIR" --target conformance_test tc-action -j"$JOBS"
echo "[conformance] built in $(elapsed)"

# The emulator backend always runs.
echo "[conformance] emulator backend"
"$BUILD_DIR/tests/conformance_test" "[emulator]"

if [ ! -d "$SERVICES" ] || [ ! -f "$SERVICES/start.sh" ]; then
  echo "[conformance] conformance tier against the real services NOT run: no taskcluster-services" \
       "directory at $SERVICES (set TC_SERVICES_SRC); only the emulator backend ran" >&2
  echo "[conformance] done in $(elapsed)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "[conformance] conformance tier against the real services NOT run: setup.sh/start.sh need root" >&2
  exit 1
fi

export TC_SERVICES_DIR=${TC_SERVICES_DIR:-/tmp/taskcluster-services}
stop_services() { bash "$SERVICES/stop.sh" >/dev/null 2>&1 || true; echo "[conformance] services stopped ($(elapsed) in all)"; }
trap stop_services EXIT

echo "[conformance] setting up and starting the genuine services from $SERVICES"
log() { echo "[conformance] $*" >&2; }
# setup.sh, the service ports reserved from the ephemeral range, start.sh tried twice
# shellcheck source=../tests/support/services.sh
. "$ROOT/tests/support/services.sh"
if ! services_start "$SERVICES" "$BUILD_DIR/conformance-services"; then
  echo "[conformance] conformance tier against the real services NOT run: the services did not start" \
       "(logs: $BUILD_DIR/conformance-services/, $TC_SERVICES_DIR/run/logs/)" >&2
  exit 1
fi
echo "[conformance] services up after $(elapsed)"
# shellcheck disable=SC1091
. "$TC_SERVICES_DIR/env.sh"
export TC_CONFORMANCE_ROOT_URL=$TASKCLUSTER_ROOT_URL
export TC_CONFORMANCE_CLIENT_ID=$TASKCLUSTER_CLIENT_ID
export TC_CONFORMANCE_ACCESS_TOKEN=$TASKCLUSTER_ACCESS_TOKEN
unset TASKCLUSTER_ROOT_URL TASKCLUSTER_CLIENT_ID TASKCLUSTER_ACCESS_TOKEN

echo "[conformance] real backend ($TC_CONFORMANCE_ROOT_URL)"
"$BUILD_DIR/tests/conformance_test" "[real]"
echo "[conformance] both backends passed after $(elapsed)"
