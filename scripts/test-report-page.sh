#!/usr/bin/env bash
# The report-page tier (issue 12): report.html as a person sees it.
#   1. build/report_page_test runs tc-action against the emulator for a rerun, a 3-copy retrigger,
#      a refused action and a 2,000-task downstream retrigger (progress lines, report.html beside
#      report.json) and keeps each scenario's artifacts;
#   2. every page is checked as HTML5 offline: tests/report-page/validate.py (stdlib) and tidy;
#   3. tests/report-page/check.mjs renders every page in headless Debian chromium (playwright-core):
#      no console error, no fetch, links to the right taskIds, one diagram node per created task
#      (or kind), fits a phone; the 2,000-task page < 1 MB and first frame < 2 s; screenshots.
#
#   bash scripts/test-report-page.sh
#
# Installs what it lacks: chromium and tidy (Debian), playwright-core (npm, from
# tests/report-page/package-lock.json, into ${TC_REPORT_PAGE_DIR:-/tmp/tc-report-page}/npm, never
# into the repository; a node >= 20 from npm there too when the system's is older).
# Screenshots, the pages and results.json: ${TC_REPORT_PAGE_SHOTS:-a fresh /tmp/tc-report-page-XXXXXX}
# (printed). Builds the targets tc-action and report_page_test in $BUILD_DIR (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-build}
CACHE=${TC_REPORT_PAGE_DIR:-/tmp/tc-report-page}
say() { echo "[report-page] $*"; }

apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]} (Debian)"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

apt_install chromium tidy python3
# node and npm: whichever the machine has (Debian's, or a nodesource build that bundles npm)
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm

# node >= 20 (playwright-core 1.65 needs it): the system's, else npm's node package in the cache.
NODE=node
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 20 ]; then
  if [ ! -x "$CACHE/node/node_modules/node/bin/node" ]; then
    say "node < 20: installing node 22 from npm into $CACHE/node"
    mkdir -p "$CACHE/node"
    (cd "$CACHE/node" && npm install --no-audit --no-fund --no-save node@22 >/dev/null)
  fi
  NODE=$CACHE/node/node_modules/node/bin/node
fi

# playwright-core, as locked (reinstalled when the lock changes).
key=$(sha256sum tests/report-page/package-lock.json | cut -c1-16)
if [ "$(cat "$CACHE/npm/.lock-sha" 2>/dev/null)" != "$key" ]; then
  say "installing playwright-core into $CACHE/npm"
  mkdir -p "$CACHE/npm"
  cp tests/report-page/package.json tests/report-page/package-lock.json "$CACHE/npm/"
  (cd "$CACHE/npm" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >/dev/null)
  echo "$key" >"$CACHE/npm/.lock-sha"
fi

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  bash scripts/install-deps.sh
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} >/dev/null
fi
cmake --build "$BUILD_DIR" --target tc-action report_page_test -j"${JOBS:-2}" >/dev/null

OUT=${TC_REPORT_PAGE_SHOTS:-$(mktemp -d /tmp/tc-report-page-XXXXXX)}
rm -rf "$OUT/pages"
mkdir -p "$OUT/pages"
say "1. scenarios through tc-action (pages kept in $OUT/pages)"
TC_REPORT_PAGES_DIR=$OUT/pages "$BUILD_DIR/tests/report_page_test"

say "2. HTML5, offline"
python3 tests/report-page/validate.py "$OUT"/pages/*/report.html
for f in "$OUT"/pages/*/report.html; do
  # every tidy message counts, but one: tidy 5.6 predates SVG 2 and calls `href` on an SVG <a>
  # "proprietary" (HTML5 allows it; xlink:href is the deprecated form)
  tidy -q -e --doctype html5 --show-warnings yes --drop-empty-elements no "$f" 2>&1 |
    grep -v -- '- Warning: <a> proprietary attribute "href"$' >"$OUT/tidy.txt" || true
  if [ -s "$OUT/tidy.txt" ]; then
    say "tidy: $f"
    cat "$OUT/tidy.txt"
    exit 1
  fi
done
say "tidy: every page clean"

say "3. headless chromium"
TC_REPORT_PAGE_NPM=$CACHE/npm "$NODE" tests/report-page/check.mjs "$OUT/pages" "$OUT"
say "screenshots, pages and results.json in $OUT"
