#!/usr/bin/env bash
# bench/run.sh -- `make bench` and `make bench-quick`: credo beside its
# peers at each scale, in one run, and the report.
#
#   BUILD=build BENCH_SCALES="1M 10M 50M" bash bench/run.sh   (make bench)
#   BUILD=build BENCH_QUICK=1 bash bench/run.sh               (make bench-quick)
#
# Per scale (events; subjects = events / 10, the distribution of `credo
# gen --seed 1`): checks free disk (skips the scale, saying so, when the
# largest store seen so far would not fit), then the peers in two pairs,
# (SQLite, credo) and (PostgreSQL, raw LMDB): a pair's builds run side by
# side when the disk holds both stores (a build is not a measurement),
# then each peer is measured alone, and its data removed:
#   credo       bench_scale credo; then credo-server started on that store
#               (--init-admin, loopback, port 0): bench_scale server (one
#               connection through credo_open("credo://...")) and
#               server-conc (32 connections, plain and pipelined 16)
#   lmdb        bench_scale lmdb (raw LMDB, the floor)
#   sqlite      bench_scale sqlite
#   pg          initdb of a private cluster under the bench dir, started on
#               a private loopback port and socket dir, bench_scale pg, then
#               pgbench -M prepared at 32 connections (plain and pipelined),
#               stopped and removed
#   redis       redis-server on a private port: redis-benchmark GET at 32
#               connections, plain and pipelined 16
# then (BENCH_PROFILE=1) perf profiles of credo's ingest, look-up and the
# server, and the report: BENCH_DIR/performance.md with the tables, the
# targets and the plot; with BENCH_DOCS=1 (the default of the full run)
# also spliced into docs/performance.md between the bench markers, the CSV
# and the plot copied to docs/bench/.
#
# Knobs (environment): BENCH_SCALES, BENCH_RUNS (3), BENCH_LOOKUPS (20000),
# BENCH_REPAIR (10000), BENCH_SECONDS (5, per concurrent run), BENCH_DIR
# (BUILD/bench-scale), BENCH_DOCS, BENCH_PROFILE, BENCH_NOTE (conditions
# written in the report), BENCH_PEER_TIMEOUT (s, 5400), BENCH_HEAVY_RUNS
# (runs of the whole-store queries; default 3, 1 above 10M events),
# BENCH_BACKUP_RUNS (default 3, 1 above 1M events), BENCH_SKIP
# (comma-separated workloads not to run, e.g. "backup"; said so in the
# report).
#
# Installs, when missing, PostgreSQL, redis and gnuplot from Debian. Every
# server it starts listens on 127.0.0.1 only and is stopped on exit (trap).
# A peer that fails makes its scale's comparison refused in the report.
# Exit status: 0 when every scale ran with every peer, 1 otherwise.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=${BUILD:-build}
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
BIN=$B/bin
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
  SCALES=${BENCH_SCALES:-100k}
  LOOKUPS=${BENCH_LOOKUPS:-5000}
  REPAIR=${BENCH_REPAIR:-1000}
  SECS=${BENCH_SECONDS:-1}
  DOCS=${BENCH_DOCS:-0}
else
  SCALES=${BENCH_SCALES:-"1M 10M 50M"}
  LOOKUPS=${BENCH_LOOKUPS:-20000}
  REPAIR=${BENCH_REPAIR:-10000}
  SECS=${BENCH_SECONDS:-5}
  DOCS=${BENCH_DOCS:-1}
fi
RUNS=${BENCH_RUNS:-3}
PROFILE=${BENCH_PROFILE:-1}
PEER_TIMEOUT=${BENCH_PEER_TIMEOUT:-5400}
DIR=${BENCH_DIR:-$B/bench-scale}
CSV=$DIR/scale.csv
STATUS=$DIR/status.txt
export CREDO_PASSWORD="bench-password-$$-$RANDOM"
CONNS=32
PIPE=16
export BS_SKIP=${BENCH_SKIP:-}

say() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ------------------------------------------------------------ children
SRV_PID="" RDS_PID="" PG_DATA="" PGBIN=""
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_server() { [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null; SRV_PID=""; }
stop_redis() { [ -n "$RDS_PID" ] && kill "$RDS_PID" 2>/dev/null && wait "$RDS_PID" 2>/dev/null; RDS_PID=""; }
stop_pg() {
  [ -n "$PG_DATA" ] && [ -d "$PG_DATA" ] &&
    as_pg "$PGBIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1
  PG_DATA=""
}
cleanup() {
  local j
  for j in $(jobs -p); do kill "$j" 2>/dev/null; done # our background builds
  stop_server
  stop_redis
  stop_pg
  rm -rf "$DIR"/credo-* "$DIR"/lmdb-* "$DIR"/sqlite-* "$DIR"/pg-* "$DIR"/prof
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --------------------------------------------------------------- tools
need_pkgs() { # installs the Debian packages named when any is missing
  local missing="" p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  say "installing:$missing"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  # shellcheck disable=SC2086
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      $sudo apt-get install -y -qq --no-install-recommends $missing; } >&2
}

setup_tools() {
  need_pkgs postgresql postgresql-contrib redis-server redis-tools gnuplot-nox linux-perf ||
    say "some packages could not be installed; their peers will fail"
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$BIN/bench_scale" ] ||
    { say "missing $BIN/bench_scale (make BUILD=$BUILD $BUILD/bin/bench_scale)"; exit 2; }
}

free_port() { # a loopback port nothing listens on, below the ephemeral range
  local p _
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

status() { echo "$1|$2|$3|$4" >>"$STATUS"; }

# emit SCALE EVENTS PEER WORKLOAD UNIT "V1 V2 ..." P50 P99 ROWS NOTE
emit() {
  echo "$6" | tr ' ' '\n' | grep . | sort -g | awk -v h="$1,$2,$3,$4,$5" \
    -v t="$7,$8,$9,${10//,/;}" '{v[NR] = $1}
    END { if (NR == 0) exit; m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "%s,%.6g,%.6g,%.6g,%d,%s\n", h, m, v[1], v[NR], NR, t }' >>"$CSV"
}

count_of() { # 100k -> 100000, 1M -> 1000000
  awk -v s="$1" 'BEGIN { n = s + 0; if (s ~ /[kK]$/) n *= 1000;
    if (s ~ /[mM]$/) n *= 1000000; printf "%d\n", n }'
}

median() { echo "$1" | tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1}
  END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); else print 0 }'; }

# ------------------------------------------------------------- machine
machine_info() {
  local disk dev
  dev=$(df -P "$DIR" | awk 'NR == 2 {print $1}')
  disk="$(findmnt -no FSTYPE -T "$DIR" 2>/dev/null) on $dev"
  [ -e "/sys/block/$(basename "$dev")/device/driver" ] &&
    disk="$disk ($(basename "$(readlink -f "/sys/block/$(basename "$dev")/device/driver")"))"
  {
    echo "- machine: $(nproc) cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, disk $disk, $(df -h "$DIR" | awk 'NR == 2 {print $4}') free at the start"
    echo "- kernel: $(uname -sr); compiler: $(${CC:-cc} --version | head -1)"
    echo "- credo $(sed -n 's/^#define CREDO_VERSION "\(.*\)"/\1/p' include/credo.h) ($(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo ', with local changes')); LMDB $(dpkg-query -W -f='${Version}' liblmdb0 2>/dev/null); SQLite $(dpkg-query -W -f='${Version}' libsqlite3-0 2>/dev/null); PostgreSQL $("$PGBIN/postgres" -V 2>/dev/null | awk '{print $3}') (libpq $(dpkg-query -W -f='${Version}' libpq5 2>/dev/null)); redis $(redis-server --version 2>/dev/null | sed -n 's/.* v=\([^ ]*\).*/\1/p')"
    echo "- load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
  } >"$DIR/machine.md"
}

# ----------------------------------------------------------------- peers
# run_peer SCALE EVENTS PEER DIR [ARGS...]: bench_scale PEER; 0 when it ran.
run_peer() {
  local scale=$1 ev=$2 peer=$3 dir=$4 log=$DIR/log-$1-$3.txt rc why
  shift 4
  say "$scale: $peer"
  timeout "$PEER_TIMEOUT" "$BIN/bench_scale" "$peer" -n "$ev" -L "$scale" \
    -o "$CSV" -d "$dir" -r "$RUNS" -H "$HEAVY" -B "$BACKUPS" -l "$LOOKUPS" \
    -R "$REPAIR" "$@" 2>&1 | tee "$log" | tee -a "$DIR/log-$scale.txt" >&2
  rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    why="exit $rc: $(grep -v '^\[' "$log" | tail -1)"
    [ "$rc" -eq 124 ] && why="timed out after $PEER_TIMEOUT s (BENCH_PEER_TIMEOUT)"
    status "$scale" "$peer" failed "$why"
    return 1
  fi
  status "$scale" "$peer" ok ""
}

server_skip() { # SCALE EVENTS REASON
  local w
  for w in lookup_now conc32_p1 conc32_p16; do
    echo "$1,$2,credo-server,$w,skipped,0,0,0,0,0,0,0,${3//,/;}" >>"$CSV"
  done
  status "$1" credo-server skipped "$3"
  say "$1: $3"
}

start_server() { # STORE LOG: sets SRV_PID and SRV_PORT, or returns 1
  local _
  SRV_PORT=""
  [ -x "$BIN/credo-server" ] || { echo "no $BIN/credo-server" >>"$2"; return 1; }
  "$BIN/credo-server" --store "$1" --init-admin bench >/dev/null 2>>"$2" || return 1
  "$BIN/credo-server" --store "$1" --listen 127.0.0.1:0 --max-conn 256 --max-conn-per-addr 256 --max-unauth 256 --max-unauth-per-addr 256 --hash-workers 4 --auth-timeout 60 2>>"$2" &
  SRV_PID=$!
  for _ in $(seq 1 100); do
    SRV_PORT=$(sed -n 's/.* port=\([0-9]*\).*/\1/p' "$2" | head -1)
    [ -n "$SRV_PORT" ] && return 0
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.1
  done
  stop_server
  return 1
}

server_runs() { # SCALE EVENTS
  local d=$DIR/credo-$1 uri p
  if ! start_server "$d/store" "$d/server.log"; then
    server_skip "$1" "$2" "server not available: $(tail -1 "$d/server.log" 2>/dev/null)"
    return
  fi
  uri=credo://bench@127.0.0.1:$SRV_PORT
  run_peer "$1" "$2" server "$d/srv" -U "$uri" || { stop_server; return; }
  for p in 1 $PIPE; do
    run_peer "$1" "$2" server-conc "$d/srv" -U "$uri" -c $CONNS -p "$p" \
      -t "$SECS" || break
  done
  [ "$PROFILE" = 1 ] && [ ! -e "$DIR/profile-server.txt" ] && profile_server "$uri" "$2"
  stop_server
}

# Two peers' builds run side by side when the disk holds both stores (a
# build is not a measurement; the two cores are otherwise idle), then each
# is measured alone. Bytes/event per peer from the previous scale (1000
# when none), x1.15, + 4 GB, + 8 GB more for PostgreSQL (WAL, sort files).
bpe_of() { # PEER
  awk -F, -v p="$1" '$3 == p && $4 == "size" && $5 == "B/ev" {b = $6 + 0}
    END {printf "%d\n", (b > 0 ? b : 1000)}' "$CSV"
}

pair_fits() { # EVENTS A B
  local avail
  avail=$(df -PB1 "$DIR" | awk 'NR == 2 {print $4}')
  awk -v a="$avail" -v e="$1" -v b="$(($(bpe_of "$2") + $(bpe_of "$3")))" \
    -v pg="$( [ "$2" = pg ] || [ "$3" = pg ] && echo 8 || echo 0)" \
    'BEGIN {exit !(a >= 1.15 * e * b + (4 + pg) * 2^30)}'
}

# A peer's build (-m build); "pg" needs the server (PG_PORT) started.
build_one() { # SCALE EVENTS PEER
  if [ "$3" = pg ]; then
    run_peer "$1" "$2" pg "$DIR/pg-$1/work" -m build \
      -P "host=127.0.0.1 port=$PG_PORT dbname=bench user=bench"
  else
    run_peer "$1" "$2" "$3" "$DIR/$3-$1" -m build
  fi
}

# Reads a peer's files once so that every peer starts measuring from the
# page cache, not from whatever the builds left there (at 10M the first
# look-up workload otherwise ran half cold: 27k-69k look-ups/s across its
# three runs). A store larger than half the RAM is left alone (it cannot
# stay cached) and the report says so.
warm_cache() { # SCALE PEER DIR
  local bytes mem
  bytes=$(du -sb "$3" 2>/dev/null | cut -f1)
  mem=$(awk '/^MemTotal:/ {printf "%.0f\n", $2 * 1024}' /proc/meminfo)
  if [ -n "$bytes" ] && [ "$bytes" -le $((mem / 2)) ]; then
    find "$3" -type f -exec cat {} + >/dev/null 2>&1
    echo "- $1 $2: its $((bytes >> 20)) MB read into the page cache before measuring" >>"$DIR/warm.md"
  else
    echo "- $1 $2: $((${bytes:-0} >> 30)) GB, more than half the RAM: measured from whatever the page cache held" >>"$DIR/warm.md"
  fi
}

# A peer's measured workloads on its build (-m measure), then its data
# removed; credo's store serves the server runs first, PostgreSQL's pgbench.
measure_one() { # SCALE EVENTS PEER
  local files=$DIR/$3-$1
  [ "$3" = pg ] && files=$PG_DATA
  [ "$3" = credo ] && files=$DIR/credo-$1/store
  warm_cache "$1" "$3" "$files"
  case $3 in
    pg)
      run_peer "$1" "$2" pg "$DIR/pg-$1/work" -m measure \
        -P "host=127.0.0.1 port=$PG_PORT dbname=bench user=bench" &&
        pgbench_runs "$1" "$2" "$DIR/pg-$1/work"
      stop_pg
      rm -rf "$DIR/pg-$1"
      ;;
    credo)
      run_peer "$1" "$2" credo "$DIR/credo-$1" -m measure && server_runs "$1" "$2"
      rm -rf "$DIR/credo-$1"
      ;;
    *)
      run_peer "$1" "$2" "$3" "$DIR/$3-$1" -m measure
      rm -rf "${DIR:?}/$3-$1"
      ;;
  esac
}

# Builds A and B (side by side when both fit), then measures each alone,
# A first. A peer whose build failed is not measured.
pair() { # SCALE EVENTS A B
  local pa pb ra rb
  if pair_fits "$2" "$3" "$4"; then
    say "$1: building $3 and $4 side by side"
    build_one "$1" "$2" "$3" & pa=$!
    build_one "$1" "$2" "$4" & pb=$!
    wait "$pa"; ra=$?
    wait "$pb"; rb=$?
    [ "$ra" -eq 0 ] && measure_one "$1" "$2" "$3"
    [ "$rb" -eq 0 ] && measure_one "$1" "$2" "$4"
  else
    say "$1: the disk holds one store at a time: $3, then $4"
    build_one "$1" "$2" "$3" && measure_one "$1" "$2" "$3"
    build_one "$1" "$2" "$4" && measure_one "$1" "$2" "$4"
  fi
  [ "$3" = pg ] || [ "$4" = pg ] && stop_pg
  rm -rf "$DIR/$3-$1" "$DIR/$4-$1"
}

pg_fail() { status "$1" pg failed "$2"; say "$1: PostgreSQL failed: $2"; }

pg_start() { # SCALE DIR: sets PG_PORT and PG_DATA, or returns 1
  local d=$2 _
  [ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] || { pg_fail "$1" "PostgreSQL is not installed"; return 1; }
  mkdir -p "$d/sock" "$d/work"
  [ "$(id -u)" -eq 0 ] && chown postgres "$d" "$d/sock"
  as_pg "$PGBIN/initdb" -D "$d/data" -U bench --auth=trust -E UTF8 --locale=C \
    >"$d/work/initdb.log" 2>&1 || { pg_fail "$1" "initdb: $(tail -1 "$d/work/initdb.log")"; return 1; }
  PG_DATA=$d/data
  for _ in 1 2 3; do # a port taken meanwhile: another one
    PG_PORT=$(free_port)
    as_pg "$PGBIN/pg_ctl" -D "$d/data" -l "$d/data/server.log" -w -t 120 -o \
      "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $d/sock -c wal_level=minimal -c max_wal_senders=0 -c shared_buffers=2GB -c maintenance_work_mem=1GB -c max_wal_size=4GB -c checkpoint_timeout=30min -c timezone=UTC" \
      start >/dev/null 2>&1 && break
    PG_PORT=""
  done
  [ -n "$PG_PORT" ] ||
    { pg_fail "$1" "did not start: $(tail -1 "$d/data/server.log" 2>/dev/null)"; PG_DATA=""; return 1; }
  psql -h 127.0.0.1 -p "$PG_PORT" -U bench -d postgres -qc 'CREATE DATABASE bench' \
    >/dev/null 2>&1 || { pg_fail "$1" "cannot create the database"; return 1; }
}

PG_LOOKUP="SELECT e.id, e.subject, e.type, e.occurred, lower(e.publicity), upper(e.publicity), e.source, e.ref, e.data, e.version, e.recorded FROM events e WHERE e.subject = (SELECT id FROM bench_subject_no WHERE n = :nV) AND e.superseded = 'infinity' AND NOT e.retracted AND lower(e.publicity) <= '2026-01-01T00:00:00+00' AND (upper(e.publicity) IS NULL OR upper(e.publicity) > '2026-01-01T00:00:00+00');"

pgbench_scripts() { # DIR NSUBJECTS
  local i
  printf '\\set nV random(0, %d)\n%s\n' $(($2 - 1)) "$PG_LOOKUP" >"$1/p1.sql"
  {
    for i in $(seq 1 $PIPE); do printf '\\set n%d random(0, %d)\n' "$i" $(($2 - 1)); done
    echo '\startpipeline'
    for i in $(seq 1 $PIPE); do echo "${PG_LOOKUP//:nV/:n$i}"; done
    echo '\endpipeline'
  } >"$1/p$PIPE.sql"
}

pgbench_runs() { # SCALE EVENTS DIR
  local p _ out tps lat vals lats
  pgbench_scripts "$3" $(($2 / 10))
  for p in 1 $PIPE; do
    vals="" lats=""
    for _ in $(seq 1 "$RUNS"); do
      out=$(timeout $((SECS * 4 + 120)) pgbench -h 127.0.0.1 -p "$PG_PORT" -U bench -n \
        -M prepared -c $CONNS -j 2 -T "$SECS" -f "$3/p$p.sql" bench 2>&1)
      tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out" | tail -1)
      lat=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' <<<"$out" | tail -1)
      [ -n "$tps" ] || { pg_fail "$1" "pgbench: $(tail -1 <<<"$out")"; return 1; }
      vals="$vals $(awk -v t="$tps" -v p="$p" 'BEGIN {print t * p}')"
      lats="$lats $lat"
    done
    emit "$1" "$2" pg "conc${CONNS}_p$p" ops/s "$vals" 0 0 0 \
      "pgbench -M prepared -c $CONNS -j 2 (mean latency $(median "$lats") ms per script)"
    say "$1: pgbench conc${CONNS}_p$p: $(median "$vals") queries/s"
  done
}

redis_runs() { # SCALE EVENTS PORT SUFFIX NOTE: GET at 32 conns, plain and pipelined
  local p _ out vals p50s p99s n
  for p in 1 $PIPE; do
    vals="" p50s="" p99s=""
    n=$((SECS * (p == 1 ? 60000 : 400000)))
    for _ in $(seq 1 "$RUNS"); do
      out=$(timeout 300 redis-benchmark -h 127.0.0.1 -p "$3" -t get -c $CONNS \
        -P "$p" -n "$n" --csv 2>/dev/null | tr -d '"' | grep '^GET,')
      [ -n "$out" ] || { status "$1" redis failed "redis-benchmark gave no figure"; return 1; }
      vals="$vals $(cut -d, -f2 <<<"$out")"
      p50s="$p50s $(awk -F, '{print $5 * 1000}' <<<"$out")"
      p99s="$p99s $(awk -F, '{print $7 * 1000}' <<<"$out")"
    done
    emit "$1" "$2" redis "conc${CONNS}_p$p$4" ops/s "$vals" "$(median "$p50s")" \
      "$(median "$p99s")" 0 "redis-benchmark GET -c $CONNS -P $p$5"
  done
}

peer_redis() { # SCALE EVENTS
  local port size _
  if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
    status "$1" redis failed "redis is not installed"
    return
  fi
  for _ in 1 2 3; do # a port taken meanwhile: another one
    port=$(free_port)
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
      --daemonize no >"$DIR/redis.log" 2>&1 &
    RDS_PID=$!
    for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -p "$port" set key:__rand_int__ xxx >/dev/null 2>&1 && break
    stop_redis
  done
  [ -n "$RDS_PID" ] ||
    { status "$1" redis failed "redis-server did not start: $(tail -1 "$DIR/redis.log")"; return; }
  redis_runs "$1" "$2" "$port" "" "" || { stop_redis; return; }
  # the same with a value as large as credo-server's mean response
  size=$(awk -F, -v s="$1" '$1 == s && $3 == "credo-server" && $4 == "conc32_p1" {
    if (match($0, /[0-9]+ bytes per response/)) print substr($0, RSTART, RLENGTH) + 0}' "$CSV")
  if [ -n "$size" ] && [ "$size" -gt 0 ]; then
    head -c "$size" /dev/zero | tr '\0' x | redis-cli -p "$port" -x set key:__rand_int__ >/dev/null
    redis_runs "$1" "$2" "$port" _sized ", value of $size B (credo-server's mean response)"
  fi
  status "$1" redis ok ""
  stop_redis
}

# -------------------------------------------------------------- profiles
perf_top() { # PERF_DATA OUT: time by library, then the credo functions
  { # (inclusive: a function with what it calls) and the hottest symbols
    echo "time by library (self):"
    perf report -i "$1" --no-children --sort dso -g none --stdio \
      --percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$' | head -8
    echo
    echo "credo functions, inclusive (children):"
    perf report -i "$1" --children --sort symbol -g none --stdio \
      --percent-limit 2 2>/dev/null | grep -E '\] (credo_|eng_|stor_|srv_|cl_|exec_|plan_|json_)' |
      head -16
    echo
    echo "hottest symbols (self):"
    perf report -i "$1" --no-children --sort dso,symbol -g none --stdio \
      --percent-limit 2 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12
  } | sed 's/ *- *- *$//' >"$2"
}

# credo's ingest and look-up under perf (sampling only while the workload
# runs: perf's control fifo, bench/bs_drive.c), on a 300k-event store.
profile_credo() {
  local d=$DIR/prof w
  command -v perf >/dev/null || { say "perf not available: no profiles"; return; }
  for w in ingest lookup_now penalties_year; do
    rm -rf "$d"
    mkdir -p "$d"
    mkfifo "$d/ctl" "$d/ack"
    say "profile: credo $w"
    BS_ONLY=$w BS_PROFILE=$w BS_PERF_CTL=$d/ctl BS_PERF_ACK=$d/ack \
      timeout 900 perf record -q -F 999 --call-graph dwarf,16384 -D -1 \
      --control="fifo:$d/ctl,$d/ack" -o "$d/perf.data" -- "$BIN/bench_scale" \
      credo -n 300k -o "$d/p.csv" -d "$d/run" -l 200k -r 1 -R 100 \
      >/dev/null 2>&1 && perf_top "$d/perf.data" "$DIR/profile-$w.txt"
  done
  rm -rf "$d"
}

# credo-server under perf during a 32-connection run; the load generator
# switches sampling on once its clients have logged in (argon2id at login
# would dominate otherwise) and off at the end.
profile_server() { # URI EVENTS
  local d=$DIR/prof-srv pp
  command -v perf >/dev/null || return
  rm -rf "$d"
  mkdir -p "$d"
  mkfifo "$d/ctl" "$d/ack"
  say "profile: credo-server"
  perf record -q -F 999 --call-graph dwarf,16384 -D -1 \
    --control="fifo:$d/ctl,$d/ack" -p "$SRV_PID" -o "$d/perf.data" \
    >"$d/perf.log" 2>&1 &
  pp=$!
  sleep 1
  BS_PROFILE=conc${CONNS}_p1 BS_PERF_CTL=$d/ctl BS_PERF_ACK=$d/ack \
    timeout 300 "$BIN/bench_scale" server-conc -n "$2" -o "$d/p.csv" -d "$d" \
    -U "$1" -c $CONNS -p 1 -t 3 -r 1 >"$d/run.log" 2>&1
  kill -INT "$pp" 2>/dev/null
  wait "$pp"
  perf_top "$d/perf.data" "$DIR/profile-server.txt"
  rm -rf "$d"
}

# ---------------------------------------------------------------- scales
disk_ok() { # SCALE EVENTS: 0 when the largest store seen so far fits
  local avail bpe need
  avail=$(df -PB1 "$DIR" | awk 'NR == 2 {print $4}')
  bpe=$(awk -F, '$4 == "size" && $5 == "B/ev" && $6 + 0 > m {m = $6 + 0}
    END {print (m > 0 ? m : 1000)}' "$CSV")
  need=$(awk -v e="$2" -v b="$bpe" 'BEGIN {printf "%.0f", e * b * 1.2 + 2 * 2^30}')
  [ "$avail" -ge "$need" ] && return 0
  status "$1" scale skipped "not enough disk: ~$(awk -v n="$need" 'BEGIN {printf "%.0f", n / 1e9}') GB needed ($bpe B/event seen so far, x1.2, +2 GB), $(awk -v n="$avail" 'BEGIN {printf "%.0f", n / 1e9}') GB free"
  say "$1: skipped, not enough disk"
  return 1
}

run_scale() { # SCALE
  local ev t0
  ev=$(count_of "$1")
  [ "$ev" -ge 1000 ] || { say "bad scale '$1'"; status "$1" scale skipped "bad scale"; return; }
  disk_ok "$1" "$ev" || return
  HEAVY=${BENCH_HEAVY_RUNS:-$([ "$ev" -le 10000000 ] && echo "$RUNS" || echo 1)}
  BACKUPS=${BENCH_BACKUP_RUNS:-$([ "$ev" -le 1000000 ] && echo "$RUNS" || echo 1)}
  t0=$(date +%s)
  say "scale $1: $ev events, $((ev / 10)) subjects"
  pair "$1" "$ev" sqlite credo
  if pg_start "$1" "$DIR/pg-$1"; then
    pair "$1" "$ev" pg lmdb
  else
    build_one "$1" "$ev" lmdb && measure_one "$1" "$ev" lmdb
  fi
  peer_redis "$1" "$ev"
  echo "- scale $1 took $(( ($(date +%s) - t0 + 30) / 60 )) min ($(( $(date +%s) - t0 )) s)" >>"$DIR/timing.md"
}

# ---------------------------------------------------------------- report
plot() { # PNG: look-up latency and ingest rate against store size
  local d=$DIR/plotdata p
  command -v gnuplot >/dev/null || { say "gnuplot not available: no plot"; return 1; }
  mkdir -p "$d"
  for p in credo credo-server lmdb sqlite pg; do
    awk -F, -v p="$p" '$3 == p && $5 != "skipped" && $4 == "lookup_now" {lat[$2] = $10}
      $3 == p && $5 != "skipped" && $4 == "ingest" {ing[$2] = $6}
      END {for (e in lat) print e, lat[e], (e in ing ? ing[e] : "NaN")}' "$CSV" |
      sort -n >"$d/$p.dat"
  done
  gnuplot <<GP 2>>"$DIR/gnuplot.log" || return 1
set terminal pngcairo size 1200,480 font ",10"
set output "$1"
set multiplot layout 1,2 title "credo beside its peers ($(date -u +%F), $(nproc) cores; one run, medians)"
set logscale x
set xlabel "events in the store"
set key top left
set grid
set format x "%.0s%c"
set ylabel "subject look-up p50 latency (µs, log)"
set logscale y
plot "$d/credo.dat" u 1:2 w lp lw 2 lc rgb "#7b1fa2" t "credo (C API)", \
     "$d/credo-server.dat" u 1:2 w lp lc rgb "#2e7d32" t "credo-server (1 connection)", \
     "$d/lmdb.dat" u 1:2 w lp lc rgb "#0288d1" t "raw LMDB", \
     "$d/sqlite.dat" u 1:2 w lp lc rgb "#ef6c00" t "SQLite", \
     "$d/pg.dat" u 1:2 w lp lc rgb "#c62828" t "PostgreSQL (libpq)"
set ylabel "bulk ingest, durable (events/s)"
unset logscale y
set yrange [0:*]
set format y "%.0s%c"
plot "$d/credo.dat" u 1:3 w lp lw 2 lc rgb "#7b1fa2" t "credo", \
     "$d/lmdb.dat" u 1:3 w lp lc rgb "#0288d1" t "raw LMDB", \
     "$d/sqlite.dat" u 1:3 w lp lc rgb "#ef6c00" t "SQLite", \
     "$d/pg.dat" u 1:3 w lp lc rgb "#c62828" t "PostgreSQL"
unset multiplot
GP
}

profile_section() {
  local f title
  for f in ingest lookup_now penalties_year server; do
    [ -s "$DIR/profile-$f.txt" ] || continue
    case $f in
      ingest) title="credo ingest (typed API, durable; 300k-event store)" ;;
      lookup_now) title="credo subject look-up (typed API; 300k-event store)" ;;
      penalties_year) title="credo penalties per source over one year, CQL aggregate (300k-event store)" ;;
      server) title="credo-server, 32 connections (the server process)" ;;
    esac
    printf '\n<details><summary>perf: %s — hottest symbols, self time</summary>\n\n```\n' "$title"
    cut -c1-110 "$DIR/profile-$f.txt"
    printf '```\n</details>\n'
  done
}

write_report() { # IMAGE_REF
  local elapsed=$(( ($(date +%s) - START) / 60 ))
  echo "<!-- bench:begin -->"
  echo "## Scale: credo beside its peers"
  echo
  echo "Regenerated by \`make bench\` (bench/run.sh, bench/bench_scale.c); do not edit between the bench markers. Run of $(date -u '+%Y-%m-%d %H:%M UTC'), scales: $SCALES; $RUNS runs per figure (median, min–max), $LOOKUPS look-ups per run; whole run $elapsed min."
  [ -n "${BENCH_NOTE:-}" ] && { echo; echo "**Conditions:** $BENCH_NOTE"; }
  echo
  cat "$DIR/machine.md"
  echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  [ -s "$DIR/timing.md" ] && cat "$DIR/timing.md"
  [ -s "$DIR/warm.md" ] && { echo; echo "Page cache before each peer's measurements:"; echo; cat "$DIR/warm.md"; }
  echo
  echo "Data: the distribution of \`credo gen --seed 1\` (bench/bs_gen.c; subjects = events / 10, Zipf 1–100 events each, the Order 36 types), the same for every peer, plus a history pass (4% corrected, 2% repaired, 0.1% retracted), three events with 1, 100 and 10,000 versions, and transaction times on a fixed timeline (\"now\" = 2026-01-01). Each peer builds the scale by its fastest honest bulk path (\"build\" row), then the last 200,000 events (a fifth of a smaller scale) are the measured ingest, with durable commits. Cells: median (min–max) and, beside a peer, **×R = how many times better credo's figure is** (credo-server is the reference of the 32-connection rows). Schemas, queries and settings: bench/bs_*.c."
  echo
  awk -F, -v status="$STATUS" -v scales="$SCALES" -f bench/report.awk "$CSV"
  echo
  [ -n "$1" ] && echo "![look-up latency and ingest rate against store size]($1)" && echo
  echo "Raw figures: $( [ "$DOCS" = 1 ] && echo "[bench/scale.csv](bench/scale.csv)" || echo "scale.csv")."
  profile_section
  echo
  echo "<!-- bench:end -->"
}

splice_docs() { # REPORT: replaces the bench region of docs/performance.md
  local doc=docs/performance.md tmp
  tmp=$(mktemp)
  if grep -q '<!-- bench:begin -->' "$doc" 2>/dev/null; then
    awk -v rep="$1" '/<!-- bench:begin -->/ {while ((getline l < rep) > 0) print l; skip = 1; next}
      /<!-- bench:end -->/ {skip = 0; next} !skip' "$doc" >"$tmp"
  else
    { [ -f "$doc" ] && cat "$doc" && echo; cat "$1"; } >"$tmp"
  fi
  mv "$tmp" "$doc"
  mkdir -p docs/bench
  cp "$CSV" docs/bench/scale.csv
  [ -f "$DIR/scale.png" ] && cp "$DIR/scale.png" docs/bench/scale.png
  say "docs/performance.md, docs/bench/scale.csv and scale.png written"
}

report() {
  local img=""
  plot "$DIR/scale.png" && img=$([ "$DOCS" = 1 ] && echo bench/scale.png || echo scale.png)
  write_report "$img" >"$DIR/performance.md"
  say "report: $DIR/performance.md"
  [ "$DOCS" = 1 ] && splice_docs "$DIR/performance.md"
  awk -F, -v status="$STATUS" -v scales="$SCALES" -f bench/report.awk "$CSV" >&2
}

# ------------------------------------------------------------------ main
START=$(date +%s)
if [ -n "${BENCH_REPORT_ONLY:-}" ]; then
  # The report of a run that was stopped before its end (BENCH_DIR holds
  # its CSV and status): the scales it did not finish say so, as a peer
  # that failed does. BENCH_REPORT_ONLY is the reason, printed as such.
  START=${BENCH_STARTED:-$START}
  for s in $SCALES; do
    for p in sqlite credo pg lmdb; do
      grep -q "^$s,[0-9]*,$p,lookup_now," "$CSV" 2>/dev/null ||
        status "$s" "$p" failed "not measured: $BENCH_REPORT_ONLY"
    done
  done
  [ "$PROFILE" = 1 ] && profile_credo
  report
  exit 0
fi
mkdir -p "$DIR"
rm -f "$CSV" "$STATUS" "$DIR/timing.md" "$DIR/warm.md" "$DIR"/profile-*.txt "$DIR/scale.png"
echo "scale,events,peer,workload,unit,median,min,max,runs,p50_us,p99_us,rows,note" >"$CSV"
setup_tools
machine_info
say "scales: $SCALES; dir $DIR; $(df -h "$DIR" | awk 'NR == 2 {print $4}') free"
for s in $SCALES; do
  run_scale "$s"
done
[ "$PROFILE" = 1 ] && profile_credo
report
say "done in $(( ($(date +%s) - START) / 60 )) min"
! grep -q '|failed|\||scale|skipped|' "$STATUS"
