#!/usr/bin/env bash
# bench/server.sh -- credo-server throughput and latency for a prepared
# subject look-up over loopback, at 1, 8, 32 and 128 connections, without
# and with pipelining (16 requests per batch), beside redis-benchmark's GET
# on the same machine as the ceiling of a request/response server.
#
# Usage: bench/server.sh            (BUILD=build, SECS=3 per run,
#                                    NSUBJ=2000 subjects x 3 events)
# Installs redis-server and redis-tools from Debian when missing, starts
# redis-server on a private loopback port, stops it at the end. Prints a
# markdown table (the one in docs/performance.md, section "Server").
set -eu
BUILD=${BUILD:-build}
SECS=${SECS:-3}
NSUBJ=${NSUBJ:-2000}
CONNS=${CONNS:-"1 8 32 128"}
PIPE=16
cd "$(dirname "$0")/.."

make -s BUILD="$BUILD" "$BUILD/bin/credo-server" "$BUILD/bin/bench_server"
if ! command -v redis-server >/dev/null || ! command -v redis-benchmark \
  >/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends redis-server redis-tools
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/credo-bench.XXXXXX")
SRV=""
RDS=""
cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null
  [ -n "$RDS" ] && kill "$RDS" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

export CREDO_PASSWORD=bench-password
"$BUILD/bin/bench_server" setup "$T/store" "$NSUBJ"
"$BUILD/bin/credo-server" --store "$T/store" --init-admin bench >/dev/null
"$BUILD/bin/credo-server" --store "$T/store" --listen 127.0.0.1:0 \
  --max-conn 256 --max-conn-per-addr 256 --max-unauth 256 --max-unauth-per-addr 256 --hash-workers 4 --auth-timeout 60 \
  2>"$T/server.log" & # benchmark clients all log in at once from one address
SRV=$!
PORT=""
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/.* port=\([0-9]*\).*/\1/p' "$T/server.log" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { cat "$T/server.log"; exit 1; }

RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no \
  --daemonize no >"$T/redis.log" 2>&1 &
RDS=$!
for _ in $(seq 1 50); do
  redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$RPORT" set key:__rand_int__ xxx >/dev/null

field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }
redis_get() { # CONNS PIPELINE -> requests per second and p50 (ms)
  timeout 120 redis-benchmark -h 127.0.0.1 -p "$RPORT" -t get -c "$1" \
    -P "$2" -n $(($2 == 1 ? 200000 : 1000000)) -q | tr '\r' '\n' |
    sed -n 's/.*GET: \([0-9.]*\) requests per second, p50=\([0-9.]*\).*/\1 \2/p' |
    tail -1
}

echo "cpu: $(nproc) x $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo
echo "| connections | pipeline | credo qps | p50 µs | p99 µs | redis GET rps | redis p50 µs | credo / redis |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for c in $CONNS; do
  for p in 1 $PIPE; do
    line=$(timeout 300 "$BUILD/bin/bench_server" run "$PORT" bench "$c" "$p" \
      "$SECS" "$NSUBJ")
    q=$(echo "$line" | field qps)
    p50=$(echo "$line" | field p50_us)
    p99=$(echo "$line" | field p99_us)
    read -r rq rp50 <<<"$(redis_get "$c" "$p")"
    ratio=$(python3 -c "print('%.0f%%' % (100*$q/$rq))")
    rp50us=$(python3 -c "print('%.0f' % (1000*$rp50))")
    printf '| %s | %s | %.0f | %s | %s | %.0f | %s | %s |\n' \
      "$c" "$p" "$q" "$p50" "$p99" "$rq" "$rp50us" "$ratio"
  done
done
