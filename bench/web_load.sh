#!/usr/bin/env bash
# web_load.sh -- load run of the public look-up (credo-server --http) with
# ApacheBench (apache2-utils): the subject page at 32 concurrent clients,
# beside its peers in the same run -- the style sheet (the HTTP stack
# alone, no engine work) and the JSON of the same subject's records.
# Prints requests/s and the 50th/99th percentile latency of each, and the
# subject page's cost as a ratio to the style sheet's. Not a test.
#
# Store: demo/showcase.cql (the subject 厦门鹭江海运有限公司 has 5 records,
# 3 of them public now) in a mktemp directory; loopback, kernel-assigned
# ports; the rate limit is off (--http-rate 0) since all clients share
# 127.0.0.1.
#
# Usage: BUILD=build bench/web_load.sh   (N=20000 requests, C=32 clients,
#        THREADS=4 worker threads, KEEPALIVE=1 to reuse connections)
set -eu
BUILD=${BUILD:-build}
N=${N:-20000}
C=${C:-32}
THREADS=${THREADS:-4}
KEEPALIVE=${KEEPALIVE:-1}
T=$(mktemp -d "${TMPDIR:-/tmp}/credo-web-load.XXXXXX")
SPID=""
cleanup() {
  [ -n "$SPID" ] && kill -TERM "$SPID" 2>/dev/null
  wait 2>/dev/null || true
  [ -n "${KEEP_T:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

command -v ab >/dev/null || {
  echo "web_load.sh: ab not found (Debian package apache2-utils)"
  exit 1
}
"$BUILD/bin/credo" "$T/store" --tz +08:00 -f demo/showcase.cql >/dev/null
"$BUILD/bin/credo-server" --store "$T/store" --listen 127.0.0.1:0 \
  --http 127.0.0.1:0 --http-rate 0 --http-threads "$THREADS" \
  2>"$T/server.log" &
SPID=$!
PORT=""
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/.*event=http_listening port=\([0-9]*\).*/\1/p' \
    "$T/server.log" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || {
  cat "$T/server.log"
  exit 1
}
WEB="http://127.0.0.1:$PORT"
ID=91350203MA2Y7K3C1Y
KA=""
[ "$KEEPALIVE" = 1 ] && KA="-k"

# run LABEL PATH: one ab run; prints a line, sets RPS and P99.
run() {
  local label=$1 path=$2
  curl -sf -o /dev/null "$WEB$path"
  ab -q $KA -n "$N" -c "$C" -e "$T/pct.csv" "$WEB$path" >"$T/ab.txt" 2>&1
  RPS=$(sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$T/ab.txt")
  FAILED=$(sed -n 's/^Failed requests: *\([0-9]*\).*/\1/p' "$T/ab.txt")
  NON2XX=$(sed -n 's/^Non-2xx responses: *\([0-9]*\).*/\1/p' "$T/ab.txt")
  P50=$(awk -F, '$1 == 50 {print $2}' "$T/pct.csv")
  P99=$(awk -F, '$1 == 99 {print $2}' "$T/pct.csv")
  printf '%-28s %9s req/s   p50 %7s ms   p99 %7s ms   failed %s%s\n' \
    "$label" "$RPS" "$P50" "$P99" "$FAILED" \
    "${NON2XX:+   non-2xx $NON2XX}"
}

echo "credo-server --http, $THREADS threads; ab -n $N -c $C ${KA:+(keep-alive)}"
echo "machine: $(nproc) cores, $(uname -r)"
run "peer: /static/style.css" /static/style.css
CSS_RPS=$RPS
run "/subjects/{id} (page)" "/subjects/$ID"
PAGE_RPS=$RPS
run "/api/v1/subjects/{id}/events" "/api/v1/subjects/$ID/events"
awk -v a="$CSS_RPS" -v b="$PAGE_RPS" 'BEGIN {
  printf "subject page: %.2fx the requests/s of the style sheet\n", b / a }'
