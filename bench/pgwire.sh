#!/usr/bin/env bash
# bench/pgwire.sh -- pgbench -M prepared with a subject look-up script at
# 1, 8 and 32 connections against credo-server's PostgreSQL listener and
# against PostgreSQL 15 on the same data, beside credo's native protocol
# (bench_server, the same look-up prepared once per connection).
#
# Usage: bench/pgwire.sh     (BUILD=build, SECS=5 per run, NSUBJ=12000
#                             subjects x 3 events; looks up subjects
#                             S10000..S11999)
# Data: bench_server setup fills the credo store; it is exported through
# the pg listener with COPY (SELECT ...) TO STDOUT and loaded into a
# private PostgreSQL cluster (initdb under a mktemp dir, loopback port,
# stopped at the end) with an index on subject. Prints a markdown table
# (docs/performance.md, section "PostgreSQL protocol").
set -eu
BUILD=${BUILD:-build}
SECS=${SECS:-5}
NSUBJ=${NSUBJ:-12000}
CONNS=${CONNS:-"1 8 32"}
cd "$(dirname "$0")/.."
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

make -s BUILD="$BUILD" "$BUILD/bin/credo-server" "$BUILD/bin/bench_server"
T=$(mktemp -d "${TMPDIR:-/tmp}/credo-pgbench.XXXXXX")
SRV=""
PGD=""
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null
  [ -n "$PGD" ] && as_pg "$PGBIN/pg_ctl" -D "$PGD" -m fast -w -t 60 stop >/dev/null 2>&1
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---------------------------------------------------------------- credo
export CREDO_PASSWORD=bench-password PGPASSWORD=bench-password
"$BUILD/bin/bench_server" setup "$T/store" "$NSUBJ"
"$BUILD/bin/credo-server" --store "$T/store" --init-admin bench >/dev/null
"$BUILD/bin/credo-server" --store "$T/store" --listen 127.0.0.1:0 \
  --pg-listen 127.0.0.1:0 --max-conn 256 --max-conn-per-addr 256 --max-unauth 256 --max-unauth-per-addr 256 --hash-workers 4 --auth-timeout 60 \
  2>"$T/server.log" & # benchmark clients all log in at once from one address
SRV=$!
for _ in $(seq 1 100); do
  CPORT=$(sed -n 's/.*event=listening proto=credo .* port=\([0-9]*\).*/\1/p' "$T/server.log")
  GPORT=$(sed -n 's/.*event=listening proto=pg .* port=\([0-9]*\).*/\1/p' "$T/server.log")
  [ -n "$GPORT" ] && [ -n "$CPORT" ] && break
  sleep 0.1
done

# ----------------------------------------------------------- PostgreSQL
mkdir -p "$T/pg"
[ "$(id -u)" -eq 0 ] && chmod 755 "$T" && chown postgres "$T/pg"
as_pg "$PGBIN/initdb" -D "$T/pg/data" -U bench --auth=trust -E UTF8 \
  --locale=C >"$T/initdb.log" 2>&1
PPORT=$(free_port)
as_pg "$PGBIN/pg_ctl" -D "$T/pg/data" -l "$T/pg/data/server.log" -w -t 120 \
  -o "-c listen_addresses=127.0.0.1 -p $PPORT -k $T/pg -c max_connections=100 -c timezone=UTC -c fsync=off" \
  start >/dev/null
PGD=$T/pg/data
P() { psql -X -q -h 127.0.0.1 -p "$PPORT" -U bench -d postgres "$@"; }
P -c "CREATE TABLE events (id bigint PRIMARY KEY, subject text NOT NULL,
  type text, occurred timestamptz, public_from timestamptz,
  public_until timestamptz, data jsonb)"
psql -X -q "host=127.0.0.1 port=$GPORT user=bench dbname=credo sslmode=disable" \
  -c "COPY (SELECT id, subject, type, occurred, public_from, public_until, data FROM events INCLUDE HIDDEN) TO STDOUT" |
  P -c "COPY events FROM STDIN"
P -c "CREATE INDEX ON events (subject)" -c "ANALYZE events"

# ------------------------------------------------------------- pgbench
# The same look-up: a subject's events public now. 'S' || n names
# subjects S10000..S11999; credo's public filter is implicit.
LO=10000 HI=$((10000 + 1999))
printf '\\set n random(%d, %d)\nSELECT id, type, occurred, public_until, data FROM events WHERE subject = %s || :n::text;\n' \
  $LO $HI "'S'" >"$T/credo.sql"
printf '\\set n random(%d, %d)\nSELECT id, type, occurred, public_until, data FROM events WHERE subject = %s || :n::text AND public_from <= now() AND (public_until IS NULL OR public_until > now());\n' \
  $LO $HI "'S'" >"$T/pg.sql"
tps() { sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | tail -1; }
run_pgbench() { # PORT DB SCRIPT CONNS
  local j=$(($4 < 4 ? $4 : 4))
  timeout $((SECS + 60)) pgbench -n -M prepared -f "$3" -c "$4" -j "$j" \
    -T "$SECS" -h 127.0.0.1 -p "$1" -U bench "$2" 2>"$T/pgbench.err" | tps
}

echo "cpu: $(nproc) x $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo
echo "| connections | credo pgwire tps | PostgreSQL 15 tps | credo native qps | pgwire / PostgreSQL | native / pgwire |"
echo "|---:|---:|---:|---:|---:|---:|"
for c in $CONNS; do
  g=$(run_pgbench "$GPORT" credo "$T/credo.sql" "$c")
  p=$(run_pgbench "$PPORT" postgres "$T/pg.sql" "$c")
  n=$(timeout $((SECS + 60)) "$BUILD/bin/bench_server" run "$CPORT" bench "$c" 1 \
    "$SECS" "$NSUBJ" | sed -n 's/.* qps=\([0-9.]*\).*/\1/p')
  printf '| %s | %.0f | %.0f | %.0f | %.2fx | %.2fx |\n' "$c" "${g:-0}" "${p:-0}" \
    "${n:-0}" "$(python3 -c "print(${g:-0}/max(${p:-0},1))")" \
    "$(python3 -c "print(${n:-0}/max(${g:-0},1))")"
done
