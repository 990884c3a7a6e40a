#!/usr/bin/env bash
# Runs every test: installs what it needs, builds, then runs every CTest tier
# (labels unit, emulator, e2e; the e2e suites run build/tc-action against an
# in-process emulator). One tier: (cd build && ctest -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure -j"$(nproc)" --timeout 600
