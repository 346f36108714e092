#!/usr/bin/env bash
# security.sh -- credo-server's bounded work before authentication, its
# writer slot and transactions, session revocation, and protocol
# conformance (issue 13), driven over loopback by raw-socket clients
# (tests/integration/sec.py, written from docs/protocol.md) and the C
# library. Ports come from the kernel (port 0); every wait is bounded; a
# trap stops every server started. One "ok"/"FAIL" line per check; exit 1
# if any failed.
set -u
BUILD=${BUILD:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$BUILD/bin
. "$HERE/lib/harness.sh" sec
. "$HERE/lib/server.sh"

SEC() { timeout 120 python3 "$HERE/sec.py" "$@"; }
SH() { timeout 60 "$BIN/credo" "$@"; }
[ -x "$BIN/credo-server" ] || { echo "missing $BIN/credo-server"; exit 1; }

STORE=$T/store
export CREDO_PASSWORD=root-password
"$BIN/credo-server" --store "$STORE" --init-admin root >/dev/null 2>&1 ||
  { echo "cannot create the store"; exit 1; }
SH "$STORE" -c "CREATE TYPE fine PUBLICITY 10 YEARS REPAIRABLE AFTER 1 MONTHS;
  CREATE TYPE warning; CREATE TYPE notice;" \
  >/dev/null || fail "cannot create the type"

# ------------------------------------------- before authentication
echo "== resources before authentication (items 1-3)"
start_server caps "$STORE" --max-conn 20 --max-conn-per-addr 10 \
  --max-unauth 12 --max-unauth-per-addr 4 --auth-timeout 20 || exit 1
CAPS_PID=$SPID
expect "30 silent connections from one address lock nobody else out; one address cannot hold every slot" \
  "^ok" SEC slots "$PORT" root root-password 10 4
expect "slot refusals are logged" "event=slot_cap" cat "$T/caps.log"
kill -TERM "$CAPS_PID"

start_server auth "$STORE" --max-conn 400 --max-conn-per-addr 300 \
  --max-unauth 300 --max-unauth-per-addr 300 --auth-timeout 3 || exit 1
AUTH_PID=$SPID
expect "32 parallel guesses of one user's password: the backoff holds before hashing" \
  "^ok" SEC throttle "$PORT" root 32
expect "throttled logins are logged" "event=auth_throttled" cat "$T/auth.log"
kill -TERM "$AUTH_PID"

# The figure of docs/performance.md: peak RSS under 256 concurrent bad
# AUTHs, each from its own address (no backoff between them), default
# limits but for the caps that let 256 in.
start_server rss "$STORE" --max-conn 400 --max-conn-per-addr 300 \
  --max-unauth 300 --max-unauth-per-addr 300 || exit 1
RSS_PID=$SPID
expect "256 concurrent bad AUTHs: peak RSS under 512 MiB (hashing pool)" \
  "^ok" SEC rss_storm "$PORT" "$RSS_PID" 256
cat "$T/out"
kill -TERM "$RSS_PID"

# ------------------------------------------------- protocol conformance
echo "== protocol conformance (items 10, 14)"
start_server conf "$STORE" --auth-timeout 30 || exit 1
CONF_PID=$SPID
expect "malformed CANCEL/PING/BYE, HELLO after AUTH, request id 0, length < 6: as documented" \
  "^ok" SEC conformance "$PORT" root root-password
expect "BOOL parameters bind as BOOL, JSON parameters are checked, tz is whole minutes" \
  "^ok" SEC values "$PORT" root root-password
expect "DURATION binds (tag 8); rows carry it on version 2, TEXT on version 1" \
  "^ok" SEC duration "$PORT" root root-password
expect "HTTP, TLS and PostgreSQL clients on the credo port get a reply they can show" \
  "^ok" SEC sniff "$PORT"
for what in http tls_client_hello postgresql_ssl_request; do
  expect "the log names what a $what connection looked like" \
    "event=not_credo .*looks_like=$what" cat "$T/conf.log"
done
if grep -q "frame of [0-9]* bytes" "$T/conf.log"; then
  fail "no 'frame of N bytes' for other protocols"
else ok "no 'frame of N bytes' for other protocols"; fi
kill -TERM "$CONF_PID"

EX=$T/example
"$BIN/credo-server" --store "$EX" --init-admin root >/dev/null 2>&1 &&
  SH "$EX" -c "CREATE TYPE fine; CREATE TYPE warning;
    CREATE USER alice ROLE analyst PASSWORD 'alice-pass';" >/dev/null ||
  fail "cannot make the worked example's store"
start_server example "$EX" || exit 1
expect "the worked example of docs/protocol.md section 10 runs against a real server, byte for byte" \
  "^ok" SEC worked_example "$PORT"
kill -TERM "$SPID"

# ------------------------------------------- the writer slot, transactions
echo "== transactions and the writer slot (items 4-6, 9, 12)"
start_server txn "$STORE" --max-time 2 --max-txn-time 4 || exit 1
TXN_PID=$SPID
expect "a session in BEGIN that PINGs cannot hold the writer: others get CREDO_BUSY after --max-time, the transaction ends after --max-txn-time" \
  "^ok" SEC writer_slot "$PORT" root root-password
expect "the rolled-back transaction is logged" "event=max_txn_time" \
  cat "$T/txn.log"
expect "ALTER USER / DROP USER / a new password apply to open sessions" \
  "^ok" SEC revocation "$PORT" root root-password
expect "SHOW SESSIONS lists sessions, KILL SESSION ends one holding the writer" \
  "^ok" SEC sessions "$PORT" root root-password
expect "DONE counts the rows sent and the rows changed, per request" \
  "^ok" SEC done_counts "$PORT" root root-password
kill -TERM "$TXN_PID"

# A store large enough that REPAIR EVENTS WHERE id > 0 runs far longer
# than --max-time 0.02 (40k events: ~1 s on the reference machine).
BIG=$T/big
if SH gen --subjects 2000 --events 40000 --seed 7 >"$T/big.jsonl" 2>/dev/null &&
  CREDO_PROGRESS=never SH import "$BIG" "$T/big.jsonl" >/dev/null 2>&1 &&
  "$BIN/credo-server" --store "$BIG" --init-admin root >/dev/null 2>&1 &&
  SH "$BIG" -c "CREATE TYPE fine PUBLICITY 10 YEARS REPAIRABLE AFTER 1 MONTHS;
    CREATE SUBJECT '91350100M000100Y43' KIND org;" >/dev/null &&
  start_server big "$BIG" --max-time 0.02; then
  BIG_PID=$SPID
  expect "--max-time stops a batch write; nothing of it is written" \
    "^ok" SEC write_stopped "$PORT" root root-password
  expect "a write stopped inside BEGIN: the ERROR's in_txn and message tell the truth" \
    "^ok" SEC stopped_in_txn "$PORT" root root-password
  kill -TERM "$BIG_PID"
  wait "$BIG_PID" 2>/dev/null
  start_server bigread "$BIG" || exit 1
  expect "a session killed in the middle of a read gets its ERRORs before the close" \
    "^ok" SEC kill_read "$PORT" root root-password
  kill -TERM "$SPID"
else
  fail "could not build the 40k-event store"
fi

echo "== the shell's history (item 8)"
expect "CREATE/ALTER USER ... PASSWORD lines stay out of the shell's history file" \
  "^ok" SEC shell_history 0 "$BIN/credo" "$T/histstore" "$T/history"

no_sanitizer_reports
echo "security.sh: $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
