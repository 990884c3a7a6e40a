#!/usr/bin/env bash
# Installs the build dependencies (Debian 12) and builds build/tc-action,
# build/tc-emulator and the tests.
# Usage: scripts/build.sh [extra cmake args...]
#   BUILD_DIR overrides ./build; TARGETS="tc-action tc-emulator" builds only those.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} "$@" >/dev/null
targets=()
for t in ${TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$BUILD_DIR" -j"$(nproc)" "${targets[@]}"
