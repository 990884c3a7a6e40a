# Starting the genuine Taskcluster services (../shared/taskcluster-services) for a test tier: one
# place for what the conformance tier (scripts/test-conformance.sh) and the UI stack
# (tests/ui/stack.sh) both need. Sourced, not executed.
#
#   services_setup SERVICES_DIR LOG_DIR
#       setup.sh (idempotent: apt, node, the source, yarn, Postgres); starts nothing.
#   services_start SERVICES_DIR LOG_DIR [EXTRA_PORT...]
#       services_setup, then start.sh; returns 0 once the queue answers its ping.
#       Logs: LOG_DIR/services-{setup,start,stop}.log (access tokens filtered out).
#
# Why more than "setup.sh && start.sh": the services listen on 40000-40020 (and Postgres on 54329,
# RabbitMQ's distribution port on 25672), inside Linux's ephemeral port range (32768-60999). Any
# outgoing connection made meanwhile (the services' own connections to Postgres and RabbitMQ while
# they start one after the other, or a test tier just before) can take one of those ports as its
# local port, and the service that wants it dies with EADDRINUSE (seen: s3rver on 40020,
# object-web on 40014, the root proxy on 40000). So:
#   1. the ports are added to net.ipv4.ip_local_reserved_ports, which keeps the kernel from handing
#      them out as ephemeral ports (needs a writable /proc/sys; the reservation stays, harmlessly,
#      after the tier: it only narrows the ephemeral range by a few ports);
#   2. where that is not possible, or a start fails anyway, what start.sh started is stopped and
#      start.sh tried once more. start.sh's own exit status decides, plus the queue's ping (an env.sh
#      of an earlier run and a queue that answers do not prove that s3rver or hooks came up).
#
# Requires: root (setup.sh: apt, `su postgres`), a log() function of the caller's.

#   eval "$(services_ports SERVICES_DIR)"
#       sets ROOT_PORT AUTH_PORT QUEUE_PORT HOOKS_PORT OBJECT_PORT S3_PORT PG_PORT AMQP_PORT RMQ_DIST_PORT as the
#       services' common.sh computes them (sourced in a subshell: it sets HERE and PATH).
services_ports() {
  (unset HERE; . "$1/common.sh" >/dev/null 2>&1
   echo "ROOT_PORT=$ROOT_PORT AUTH_PORT=$AUTH_PORT QUEUE_PORT=$QUEUE_PORT HOOKS_PORT=$HOOKS_PORT" \
        "OBJECT_PORT=$OBJECT_PORT S3_PORT=$S3_PORT PG_PORT=$PG_PORT AMQP_PORT=$AMQP_PORT RMQ_DIST_PORT=$RMQ_DIST_PORT")
}

# services_reserve_ports PORT... : adds the ports to the kernel's reserved (never ephemeral) ports,
# keeping what was reserved before. Returns 1 (and changes nothing) when that is not possible.
services_reserve_ports() {
  local f=/proc/sys/net/ipv4/ip_local_reserved_ports current
  [ -w "$f" ] || return 1
  current=$(cat "$f" 2>/dev/null) || return 1
  local IFS=,
  echo "${current:+$current,}$*" >"$f" 2>/dev/null || return 1
}

services_setup() {
  mkdir -p "$2"
  bash "$1/setup.sh" >"$2/services-setup.log" 2>&1 \
    || { tail -20 "$2/services-setup.log" >&2; log "services setup.sh failed (log $2/services-setup.log)"; return 1; }
}

services_start() {
  local services=$1 logs=$2
  shift 2
  local ROOT_PORT AUTH_PORT QUEUE_PORT HOOKS_PORT OBJECT_PORT S3_PORT PG_PORT AMQP_PORT RMQ_DIST_PORT
  eval "$(services_ports "$services")"
  services_setup "$services" "$logs" || return 1
  if services_reserve_ports "$ROOT_PORT" "$AUTH_PORT" "$QUEUE_PORT" "$HOOKS_PORT" "$OBJECT_PORT" "$S3_PORT" \
       "$PG_PORT" "$RMQ_DIST_PORT" "$@"; then
    log "service ports reserved from the ephemeral range ($(cat /proc/sys/net/ipv4/ip_local_reserved_ports))"
  else
    log "cannot reserve the service ports (/proc/sys read-only): a start that loses a port is retried"
  fi
  local try rc
  for try in 1 2; do
    rc=0
    bash "$services/start.sh" 2>&1 | grep -v -i 'ACCESS_TOKEN' >>"$logs/services-start.log" || rc=${PIPESTATUS[0]}
    [ "$rc" = 0 ] && curl -fsS -m 3 -o /dev/null "http://127.0.0.1:$QUEUE_PORT/api/queue/v1/ping" && return 0
    tail -20 "$logs/services-start.log" >&2
    [ "$try" = 2 ] && { log "services start.sh failed twice (log $logs/services-start.log)"; return 1; }
    log "services start.sh failed (exit $rc); stopping what it started and trying once more"
    bash "$services/stop.sh" >>"$logs/services-stop.log" 2>&1 || true
    sleep 2
  done
}
