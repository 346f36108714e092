# server.sh -- sourced after harness.sh by the integration scripts that
# start credo-server: `. "$HERE/lib/server.sh"` (needs $BIN and $T).
#
# Gives start_server, stop_server and no_sanitizer_reports. The server listens on 127.0.0.1
# port 0 and logs the port the kernel gave it; every wait is bounded and
# every server started is in PIDS, so the harness's trap stops it.
# Lives in lib/ so that `make integration` does not run it on its own.

# start_server NAME STORE [OPTIONS...]: sets PORT and SPID; log in $T/NAME.log
start_server() {
  local name=$1 store=$2
  shift 2
  "$BIN/credo-server" --store "$store" --listen 127.0.0.1:0 "$@" \
    2>"$T/$name.log" &
  SPID=$!
  PIDS+=("$SPID")
  PORT=""
  for _ in $(seq 1 100); do
    PORT=$(sed -n 's/.*event=listening .* port=\([0-9]*\).*/\1/p' \
      "$T/$name.log" | head -1)
    [ -n "$PORT" ] && return 0
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
  done
  echo "server $name did not start:"
  cat "$T/$name.log"
  return 1
}

# stop_server PID: SIGTERM, wait at most 30 s; prints the exit status.
stop_server() {
  local pid=$1 rc
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    echo "killed"
    return 1
  fi
  wait "$pid"
  rc=$?
  echo "$rc"
  return 0
}

# no_sanitizer_reports: one check that no log in $T (the servers' logs)
# holds an AddressSanitizer, LeakSanitizer or UBSan report (BUILD of
# `make SAN=1`); a report is shown.
no_sanitizer_reports() {
  if grep -l "AddressSanitizer\|LeakSanitizer\|runtime error:" "$T"/*.log \
    >/dev/null 2>&1; then
    fail "a sanitizer reported a problem in a server log"
    grep -h -A5 "AddressSanitizer\|LeakSanitizer\|runtime error:" "$T"/*.log |
      head -30
  else ok "no sanitizer report in any server log"; fi
}
