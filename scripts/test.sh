#!/usr/bin/env bash
# Runs every test: installs what it needs, builds, then runs the unit and
# integration tests (CTest; integration tests start the embedded emulator).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure -j"$(nproc)" --timeout 600
