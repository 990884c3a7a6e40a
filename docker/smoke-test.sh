#!/usr/bin/env bash
# Smoke test of the tc-action image (buildah, chroot isolation, vfs storage).
#
#   docker/smoke-test.sh [--rebuild]
#
# Builds the base and the image when missing (or always with --rebuild), then
# in a working container of the image:
#   1. `tc-action --help`                                  → exit 0
#   2. `tc-action run --dry-run --context ctx.json` (rerun of a failed task)
#      against the emulator                                → exit 0, report.json parses,
#                                                            nothing was mutated
#   3. `tc-action run --context missing.json`              → exit 2, report.json parses
#   4. the image holds no emulator code: `tc-action emulator` is not a
#      command (exit 2) and the binary has none of the emulator's strings
# The emulator is a test double and not in the image: the host's
# build/tc-emulator (EMULATOR=/path/to/tc-emulator to use another; built when
# missing) runs with `--world tests/data/worlds/basic.json --port-file F` on
# the host network. `buildah run --isolation chroot` shares the host network,
# so the container reaches it at 127.0.0.1:<port>.
# Env: IMAGE (default localhost/tc-action:latest), STORAGE_DRIVER (default vfs),
# WORLD (default tests/data/worlds/basic.json). Prints the image size and the time.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

IMAGE=${IMAGE:-localhost/tc-action:latest}
STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
WORLD=${WORLD:-tests/data/worlds/basic.json}
BH=(buildah --storage-driver "$STORAGE_DRIVER")

if [ "${1:-}" = "--rebuild" ] || ! command -v buildah >/dev/null 2>&1 \
   || ! "${BH[@]}" inspect --type image "$IMAGE" >/dev/null 2>&1; then
  IMAGE=$IMAGE STORAGE_DRIVER=$STORAGE_DRIVER bash docker/build.sh
fi

tmp=$(mktemp -d /tmp/tc-action-smoke.XXXXXX)
ctr="" emu_pid=""
cleanup() {
  if [ -n "$emu_pid" ]; then kill "$emu_pid" 2>/dev/null || true; wait "$emu_pid" 2>/dev/null || true; fi
  for c in $ctr; do "${BH[@]}" rm "$c" >/dev/null 2>&1 || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "SMOKE TEST FAILED: $*" >&2; exit 1; }

# --- the emulator (host build; the image has none)
EMULATOR=${EMULATOR:-build/tc-emulator}
if [ ! -x "$EMULATOR" ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build --target tc-emulator -j"$(nproc)" >/dev/null
fi
"$EMULATOR" --world "$WORLD" --port 0 --port-file "$tmp/port" >"$tmp/emulator.log" 2>&1 &
emu_pid=$!
for _ in $(seq 1 100); do
  [ -s "$tmp/port" ] && break
  kill -0 "$emu_pid" 2>/dev/null || { cat "$tmp/emulator.log" >&2; fail "the emulator exited"; }
  sleep 0.1
done
[ -s "$tmp/port" ] || { cat "$tmp/emulator.log" >&2; fail "the emulator wrote no port file"; }
port=$(tr -d '[:space:]' <"$tmp/port")
root_url="http://127.0.0.1:$port"
echo "emulator: $root_url"

# --- the image under test
ctr=$("${BH[@]}" from --pull=never "$IMAGE")
root=$("${BH[@]}" mount "$ctr")
run() {  # run <env...> -- <args...>: tc-action in the container (as the image's user, in its WORKDIR)
  local envs=()
  while [ "$1" != "--" ]; do envs+=(--env "$1"); shift; done
  shift
  "${BH[@]}" run --isolation chroot "${envs[@]}" "$ctr" -- tc-action "$@"
}
parse_report() {  # parse_report <file>: report.json exists and is a JSON object
  [ -f "$1" ] || fail "no report at $1"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d, dict), "not an object"; print("  report:", json.dumps(d)[:300])' "$1" \
    || fail "$1 does not parse"
}

# 1. --help
set +e; run -- --help >"$tmp/help.txt" 2>&1; rc=$?; set -e
[ $rc -eq 0 ] || { cat "$tmp/help.txt" >&2; fail "tc-action --help exited $rc"; }
grep -q "run" "$tmp/help.txt" || fail "--help does not mention the run command"
echo "ok 1 - tc-action --help (exit 0)"

# 2. dry run of a rerun against the emulator
cat >"$tmp/ctx.json" <<'JSON'
{"action": "rerun", "taskGroupId": "ggggggggQgaggggggggggA", "taskId": "bbbbbbbbQbabbbbbbbbbbA", "input": {}}
JSON
"${BH[@]}" copy --chown 10001:10001 "$ctr" "$tmp/ctx.json" /home/tc-action/ctx.json >/dev/null
curl_journal() { python3 -c 'import json,sys,urllib.request; print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1]))))' "$root_url/__emulator/journal"; }
set +e
run TASK_ID=dddddddaQdadddddddddDA TASKCLUSTER_ROOT_URL="$root_url" \
    TASKCLUSTER_CLIENT_ID=project/action TASKCLUSTER_ACCESS_TOKEN=action-token-not-secret-00000000000000000 \
    -- run --dry-run --context ctx.json >"$tmp/dry.out" 2>"$tmp/dry.err"
rc=$?
set -e
[ $rc -eq 0 ] || { cat "$tmp/dry.out" "$tmp/dry.err" >&2; fail "dry run exited $rc (expected 0)"; }
parse_report "$root/home/tc-action/artifacts/report.json"
curl_journal >"$tmp/journal.json"
python3 - "$tmp/journal.json" <<'PY' || fail "the dry run did not read the queue, or mutated it"
import json, sys
j = json.load(open(sys.argv[1]))
entries = j if isinstance(j, list) else j.get("entries", j.get("journal", []))
assert entries, "no queue request reached the emulator"
mut = [e for e in entries if e.get("mutating") or e.get("method") not in ("GET", "HEAD")]
assert not mut, "mutating requests: %r" % mut
print("  queue requests: %d, all read-only" % len(entries))
PY
echo "ok 2 - tc-action run --dry-run --context ctx.json (exit 0, report.json, no mutation)"

# 3. bad input: exit 2, still a report
rm -f "$root/home/tc-action/artifacts/report.json"
set +e
run TASK_ID=dddddddaQdadddddddddDA TASKCLUSTER_ROOT_URL="$root_url" -- run --context missing.json >"$tmp/bad.out" 2>"$tmp/bad.err"
rc=$?
set -e
[ $rc -eq 2 ] || { cat "$tmp/bad.out" "$tmp/bad.err" >&2; fail "run with a missing context exited $rc (expected 2)"; }
parse_report "$root/home/tc-action/artifacts/report.json"
echo "ok 3 - tc-action run --context missing.json (exit 2, report.json)"

# 4. no emulator in the image
set +e; run -- emulator >"$tmp/emu.txt" 2>&1; rc=$?; set -e
[ $rc -eq 2 ] || { cat "$tmp/emu.txt" >&2; fail "tc-action emulator exited $rc (expected 2: not a command)"; }
for s in reset-after-commit __emulator tc-emulator-worker; do
  ! grep -qa -- "$s" "$root/usr/local/bin/tc-action" || fail "the image's tc-action contains emulator code ($s)"
done
echo "ok 4 - no emulator in the image (no command, no emulator strings)"

"${BH[@]}" images "$IMAGE"
echo "smoke test passed in $(( $(date +%s) - start ))s"
