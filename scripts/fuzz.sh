#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang, ASan+UBSan) in build-fuzz and
# runs each for SECONDS (default 60). Replays fuzz/regressions/<target>/ first.
# Prints executions per target; exits 1 if any target crashed, leaked, timed
# out, ran out of memory or a regression reproducer still fails.
#
#   scripts/fuzz.sh [SECONDS]          env: BUILD_DIR (build-fuzz), JOBS (2),
#                                           TARGETS ("context hawk clone jsone response")
# Work corpora grow in $BUILD_DIR/corpus/<target> (seeded from fuzz/corpus/<target>);
# crash inputs land in $BUILD_DIR/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
BUILD_DIR=${BUILD_DIR:-build-fuzz}
JOBS=${JOBS:-2}

if ! command -v clang++ >/dev/null 2>&1 || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi
bash scripts/install-deps.sh

CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -DTC_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS" --target fuzz_all

TARGETS=${TARGETS:-"context hawk clone jsone response"}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
summary=()
for t in $TARGETS; do
  bin="$BUILD_DIR/fuzz/${t}_fuzz"
  [ -x "$bin" ] || { echo "no fuzz target $bin" >&2; exit 2; }
  # 1. known reproducers must not crash any more
  if compgen -G "fuzz/regressions/$t/*" >/dev/null; then
    if ! "$bin" fuzz/regressions/"$t"/* >"$BUILD_DIR/$t.regressions.log" 2>&1; then
      echo "== $t: a regression reproducer still fails (see $BUILD_DIR/$t.regressions.log)"
      tail -40 "$BUILD_DIR/$t.regressions.log"
      failed+=("$t(regression)")
    fi
  fi
  # 2. fuzz, looking past the known (reported, reproducer kept) bugs listed in
  #    TC_FUZZ_SKIP_KNOWN (see fuzz/fuzz_util.h); empty it to stop at them.
  corpus="$BUILD_DIR/corpus/$t"
  artifacts="$BUILD_DIR/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  dict=()
  case $t in jsone) dict=(-dict=fuzz/jsone.dict) ;; context|clone|response) dict=(-dict=fuzz/json.dict) ;; esac
  log="$BUILD_DIR/$t.log"
  rc=0
  TC_FUZZ_SKIP_KNOWN=${TC_FUZZ_SKIP_KNOWN-} \
  "$bin" -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -max_len=8192 "${dict[@]}" -artifact_prefix="$artifacts/" "$corpus" fuzz/corpus/"$t" >"$log" 2>&1 || rc=$?
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  line=$(printf '%-8s %10s execs in %ss  (%s exec/s, cov %s, corpus %s files)' "$t" "${execs:-?}" \
         "$SECONDS_PER_TARGET" "$(( ${execs:-0} / SECONDS_PER_TARGET ))" "${cov:-?}" "$(ls "$corpus" | wc -l)")
  if [ $rc -ne 0 ]; then
    line="$line  CRASH (exit $rc, reproducer in $artifacts/)"
    failed+=("$t")
    echo "== $t crashed:"; grep -E -A40 'ERROR: |runtime error|INVARIANT VIOLATED|deadly signal|Test unit written' "$log" | head -80 || true
  fi
  echo "$line"
  summary+=("$line")
done
echo "---- fuzz summary (${SECONDS_PER_TARGET}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
