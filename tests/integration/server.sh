#!/usr/bin/env bash
# server.sh -- integration tests of credo-server and the client library,
# driving the real programs over loopback only (127.0.0.1, ports picked by
# the kernel: the server listens on port 0 and logs the port it got).
#
# Needs $BUILD/bin/credo-server, $BUILD/bin/credo and $BUILD/lib/libcredo.a
# (make all); compiles tests/integration/srv_client.c against the library;
# uses python3 (tests/integration/wire.py) for raw-socket cases and openssl
# for a self-signed certificate. Every wait is bounded; a trap stops every
# server it started. Prints one "ok"/"FAIL" line per check; exit 1 if any
# check failed.
set -u
BUILD=${BUILD:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$BUILD/bin
. "$(dirname "$0")/lib/harness.sh" srv
. "$HERE/lib/server.sh"

# same_answers NAME A B: `credo A -c "$Q"` and `credo B -c "$Q"` print the
# same non-empty text (A, B: store paths or URIs).
same_answers() {
  local name=$1
  SH "$2" -c "$Q" >"$T/a.txt" 2>&1
  SH "$3" -c "$Q" >"$T/b.txt" 2>&1
  if cmp -s "$T/a.txt" "$T/b.txt" && [ -s "$T/b.txt" ]; then ok "$name"; else
    fail "$name"
    diff "$T/a.txt" "$T/b.txt" | head -20
  fi
}

for f in "$BIN/credo-server" "$BIN/credo" "$BUILD/lib/libcredo.a"; do
  [ -e "$f" ] || { echo "missing $f: run make all first"; exit 1; }
done
CLIENT=$T/srv_client
SANFLAGS=""
nm "$BUILD/lib/libcredo.a" 2>/dev/null | grep -q __asan_init &&
  SANFLAGS="-fsanitize=address,undefined" # a SAN=1 build
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g $SANFLAGS -Iinclude \
  -o "$CLIENT" "$HERE/srv_client.c" "$BUILD/lib/libcredo.a" \
  -llmdb -lxxhash -ljansson -lsodium -lutf8proc -lssl -lcrypto -lpthread -lm ||
  { echo "cannot build srv_client"; exit 1; }
C() { timeout 120 "$CLIENT" "$@"; }
SH() { timeout 60 "$BIN/credo" "$@"; }
WIRE() { timeout 90 python3 "$HERE/wire.py" "$@"; }

SUBJ=91350100M000100Y43
STORE=$T/store
export CREDO_PASSWORD=rootpw-long1

# ------------------------------------------------------------- start
echo "== start"
expect "--version names the protocols" "protocol 1\.\.2" "$BIN/credo-server" --version
expect "--help shows the options" "--idle-timeout" "$BIN/credo-server" --help
expect "--init-admin creates the admin" "created admin user 'root'" \
  "$BIN/credo-server" --store "$STORE" --init-admin root
expect "--init-admin reads the password from stdin" "created admin user" \
  sh -c "printf 'second-pw2\\n' | env -u CREDO_PASSWORD '$BIN/credo-server' \
    --store '$STORE' --init-admin second"
expect "--init-admin twice fails" "cannot create admin" \
  "$BIN/credo-server" --store "$STORE" --init-admin root
expect "--init-admin refuses a password under 10 characters" \
  "cannot create admin 'shorty': a password must have at least 10 characters" \
  env CREDO_PASSWORD=rootpw "$BIN/credo-server" --store "$STORE" \
  --init-admin shorty
expect "--min-password-length raises the minimum of --init-admin" \
  "at least 16 characters \(this one has 12\)" \
  "$BIN/credo-server" --store "$STORE" --min-password-length 16 \
  --init-admin shorty
expect "--min-password-length is range-checked" "min-password-length" \
  "$BIN/credo-server" --store "$STORE" --min-password-length 0 --init-admin x
expect "a non-loopback address without TLS is refused, with the reason" \
  "refusing to listen on 0.0.0.0:.* without TLS" \
  "$BIN/credo-server" --store "$STORE" --listen 0.0.0.0:7411
if "$BIN/credo-server" --store "$STORE" --listen 0.0.0.0:7411 \
  >/dev/null 2>&1; then fail "refusal exits non-zero"; else
  ok "refusal exits non-zero"; fi
printf 'listen = 127.0.0.1:0\nmax-rows = 5\n# comment\nbogus = 1\n' \
  >"$T/bad.conf"
expect "a bad config line is reported with its line number" "line 4" \
  "$BIN/credo-server" --store "$STORE" --config "$T/bad.conf"

# 64 clients of one address log in at once in the load test below (64
# argon2id checks, 4 at a time, on a machine that may be busy)
printf 'listen = 127.0.0.1:0\nidle-timeout = 600\nmax-unauth = 128\nmax-unauth-per-addr = 128\nauth-timeout = 60\nhash-workers = 4\n' >"$T/srv.conf"
start_server main "$STORE" --config "$T/srv.conf" || exit 1
MAIN_PID=$SPID
MAIN_PORT=$PORT
U="credo://root@127.0.0.1:$PORT"
ok "server started from a config file on port $PORT"

# ------------------------------------------------- every statement kind
echo "== every statement kind over the wire (credo shell, credo:// URI)"
cat >"$T/all.cql" <<EOF
CREATE TYPE penalty_general PUBLICITY 1 YEAR REPAIRABLE AFTER 3 MONTHS;
CREATE TYPE licence PUBLICITY 3 YEARS REPAIRABLE AFTER 1 YEAR;
CREATE SUBJECT '$SUBJ' KIND org NAME '厦门示例船务有限公司';
CREATE SUBJECT '11010519491231002X' KIND person NAME '张三';
RECORD penalty_general FOR '$SUBJ' OCCURRED NOW - 200 DAYS
  SOURCE 'xm-market' REF '厦市监罚〔2025〕1号' DATA {"amount_wan": 0.5};
RECORD penalty_general FOR '$SUBJ' OCCURRED NOW - 150 DAYS
  SOURCE 'xm-market' REF '厦市监罚〔2025〕2号' DATA {"amount_wan": 2};
RECORD licence FOR '11010519491231002X' OCCURRED NOW - 10 DAYS
  SOURCE 'xm-licence' REF 'L-1' DATA {"scope": "food"};
RECORD penalty_general FOR '$SUBJ' OCCURRED NOW - 100 DAYS
  SOURCE 'xm-market' REF '厦市监罚〔2025〕3号' DATA {"amount_wan": 3};
BEGIN;
RECORD penalty_general FOR '$SUBJ' OCCURRED NOW - 95 DAYS
  SOURCE 'xm-tax' REF 'T-1';
COMMIT;
BEGIN;
RECORD penalty_general FOR '$SUBJ' OCCURRED NOW - 95 DAYS
  SOURCE 'xm-tax' REF 'T-rolled-back';
ROLLBACK;
SET TIME ZONE '+08:00';
SELECT id, subject, type, public FROM events WHERE subject = '$SUBJ'
  ORDER BY id;
SELECT type, count(*) AS n, sum(data.amount_wan) AS total FROM events
  GROUP BY type ORDER BY type;
SELECT id FROM events ORDER BY id DESC LIMIT 2 OFFSET 1;
CORRECT EVENT 2 SET data.amount_wan = 2.5 REASON 'typo in the decision';
REPAIR EVENT 1 REASON 'fine paid, credit repaired';
REPAIR EVENTS WHERE source = 'xm-tax' REASON 'batch repair';
RETRACT EVENT 4 REASON 'recorded in error';
SELECT id FROM events WHERE id = 4 INCLUDE RETRACTED INCLUDE HIDDEN;
SELECT id, public FROM events WHERE id = 1 AS OF NOW - 1 SECONDS;
SELECT id FROM events VISIBLE AT NOW - 120 DAYS;
HISTORY OF EVENT 2;
HISTORY OF SUBJECT '$SUBJ';
EXPLAIN SELECT id FROM events WHERE subject = '$SUBJ';
SHOW TYPES;
SHOW STATS;
CREATE USER alice ROLE analyst PASSWORD 'alicepw-long1';
ALTER USER alice ROLE analyst PASSWORD 'alicepw-long2';
CREATE USER tmp ROLE public PASSWORD 'tmp-password';
DROP USER tmp;
SHOW USERS;
EOF
check "shell -f with every statement kind exits 0" \
  SH "$U" -f "$T/all.cql"
cp "$T/out" "$T/all.out"
expect "CREATE USER over the wire refuses a 9-character password" \
  "a password must have at least 10 characters \(this one has 9\)" \
  C exec "$U" "CREATE USER nine ROLE analyst PASSWORD 'ninechars';"
expect "ALTER USER ... PASSWORD over the wire refuses one too" \
  "at least 10 characters" \
  C exec "$U" "ALTER USER alice PASSWORD 'alicepw';"
expect "rows came back (GROUP BY sums)" "penalty_general +\| +4 +\| +5.5" \
  cat "$T/all.out"
expect "HISTORY shows the correction" "correct .*typo in the decision" \
  cat "$T/all.out"
expect "batch repair reports per event" "repaired" cat "$T/all.out"
expect "EXPLAIN names the access path" "subject" cat "$T/all.out"
expect "SHOW USERS lists alice, not tmp" "alice +\| analyst" cat "$T/all.out"
expect "ROLLBACK left nothing" "^0$" \
  C exec "$U" "SELECT count(*) FROM events WHERE ref = 'T-rolled-back' INCLUDE HIDDEN INCLUDE RETRACTED;"
expect "a syntax error over the wire has its position and caret" \
  "line 1, column 1: syntax error near \"SELEC\"" \
  SH "$U" -c "SELEC 1;"
if SH "$U" -c "SELEC 1;" >/dev/null 2>&1; then
  fail "shell exit status is non-zero after a failed statement"
else ok "shell exit status is non-zero after a failed statement"; fi

Q="SET TIME ZONE '+08:00'; SELECT id, subject, type, occurred, public_from, public_until, data, public FROM events ORDER BY id INCLUDE HIDDEN; HISTORY OF EVENT 1; SHOW TYPES;"
same_answers "the remote shell prints exactly what the embedded shell prints" \
  "$STORE" "$U"
expect "the admin made with a password on stdin logs in with it" \
  "^penalty_general" env CREDO_PASSWORD=second-pw2 "$CLIENT" exec \
  "credo://second@127.0.0.1:$MAIN_PORT" "SHOW TYPES;"
expect "json output over the wire" '"public": (true|false)' \
  SH "$U" --format json -c "SELECT id, public FROM events WHERE id = 2;"
expect "on a terminal the shell asks for the password, echo off" "^ok" \
  WIRE shell_prompt "$MAIN_PORT" "$BIN/credo" rootpw-long1
expect "prepared statement with a bound parameter (C API)" \
  "name=厦门示例船务有限公司" \
  C stmt "$U" "SELECT name FROM subjects WHERE id = ?" "$SUBJ"
NQ='SELECT count(*) AS n FROM events WHERE subject = :subj AND type = :type INCLUDE HIDDEN'
expect "named parameter bound by name over the wire (PREPARED names)" \
  '^:type -> 2 \(:type\)$' C named "$U" "$NQ" ":subj=$SUBJ" ':type=penalty_general'
# the same count with the values written as literals: the named binds
# must select exactly those rows (and there are some)
LITN=$(C exec "$U" "SELECT count(*) AS n FROM events WHERE subject = '$SUBJ'
  AND type = 'penalty_general' INCLUDE HIDDEN;")
check "the literal query counts some penalties" test "${LITN:-0}" -gt 0
expect "named parameters select the right rows over the wire" \
  "^n=$LITN\$" C named "$U" "$NQ" ":subj=$SUBJ" ':type=penalty_general'
expect "the other subject through the same names has no such rows" \
  '^n=0$' C named "$U" "$NQ" ':subj=11010519491231002X' ':type=penalty_general'
expect "an unknown name is index 0 on a remote handle" \
  '^:nope -> 0 \(NULL\)$' C named "$U" "$NQ" ":nope=x"
expect "\$n parameters bind by their number over the wire" '^n=1$' \
  C named "$U" 'SELECT count(*) AS n FROM events WHERE subject = $2 AND type = $1' \
  '$1=licence' '$2=11010519491231002X'

# ----------------------------------------------------------------- roles
echo "== roles, enforced by the engine on the server's sessions"
C exec "$U" "CREATE USER pub ROLE public PASSWORD 'pubpw-long1';
CREATE USER rec ROLE recorder PASSWORD 'recpw-long1';
CREATE USER rep ROLE repairer PASSWORD 'reppw-long1';
CREATE USER ana ROLE analyst PASSWORD 'anapw-long1';
GRANT SOURCE 'rec' TO rec;" >/dev/null
as() { local user=$1 pw=$2 sql=$3; CREDO_PASSWORD=$pw C exec "credo://$user@127.0.0.1:$MAIN_PORT" "$sql"; }
denied() { expect "$1" "error CREDO_DENIED" as "${@:2}"; }
allowed() { local n=$1; shift; if as "$@" >"$T/out" 2>&1; then ok "$n"; else
  fail "$n"; sed 's/^/     | /' "$T/out" | tail -5; fi; }
allowed "public reads what is public now" pub pubpw-long1 \
  "SELECT id FROM events WHERE subject = '$SUBJ';"
denied "public cannot use AS OF" pub pubpw-long1 \
  "SELECT id FROM events AS OF NOW - 1 DAYS;"
denied "public cannot use VISIBLE AT" pub pubpw-long1 \
  "SELECT id FROM events VISIBLE AT NOW - 120 DAYS;"
denied "public cannot read HISTORY" pub pubpw-long1 "HISTORY OF EVENT 1;"
denied "public cannot INCLUDE HIDDEN" pub pubpw-long1 \
  "SELECT id FROM events INCLUDE HIDDEN;"
expect "public does not see the repaired event 1" "^0$" \
  as pub pubpw-long1 "SELECT count(*) FROM events WHERE id = 1;"
denied "public cannot record" pub pubpw-long1 \
  "RECORD penalty_general FOR '$SUBJ' OCCURRED NOW SOURCE 's' REF 'p1';"
allowed "recorder records" rec recpw-long1 \
  "RECORD penalty_general FOR '$SUBJ' OCCURRED NOW - 100 DAYS SOURCE 'rec' REF 'r1';"
denied "recorder cannot repair" rec recpw-long1 "REPAIR EVENT 2 REASON 'x';"
denied "recorder cannot retract" rec recpw-long1 "RETRACT EVENT 2 REASON 'x';"
allowed "repairer repairs" rep reppw-long1 "REPAIR EVENT 2 REASON 'paid';"
denied "repairer cannot record" rep reppw-long1 \
  "RECORD penalty_general FOR '$SUBJ' OCCURRED NOW SOURCE 's' REF 'p2';"
denied "repairer cannot correct" rep reppw-long1 \
  "CORRECT EVENT 2 SET data.amount_wan = 9 REASON 'x';"
allowed "analyst reads history and hidden events" ana anapw-long1 \
  "HISTORY OF EVENT 1; SELECT id FROM events INCLUDE HIDDEN AS OF NOW - 1 DAYS;"
denied "analyst cannot record" ana anapw-long1 \
  "RECORD penalty_general FOR '$SUBJ' OCCURRED NOW SOURCE 's' REF 'p3';"
denied "analyst cannot create subjects" ana anapw-long1 \
  "CREATE SUBJECT '914403001922038216' KIND org;"
denied "analyst cannot repair" ana anapw-long1 "REPAIR EVENT 3 REASON 'x';"
for u in pub:pubpw-long1 rec:recpw-long1 rep:reppw-long1 ana:anapw-long1; do
  denied "${u%%:*} cannot manage users" "${u%%:*}" "${u#*:}" \
    "CREATE USER mallory ROLE admin PASSWORD 'mallory-pw1';"
  denied "${u%%:*} cannot list users" "${u%%:*}" "${u#*:}" "SHOW USERS;"
done
denied "only admin creates types" rec recpw-long1 \
  "CREATE TYPE t2 PUBLICITY 1 YEAR REPAIRABLE AFTER 1 MONTHS;"
expect "typed C API on a remote handle says to use CQL" \
  "error CREDO_NOTSUP.*use CQL" C typed "$U"
if grep -q "worked on a remote handle" "$T/out"; then
  fail "credo_set_min_password on a remote handle says CREDO_NOTSUP"
else ok "credo_set_min_password on a remote handle says CREDO_NOTSUP"; fi
# DURATION (protocol tag 8): bound with credo_bind_duration, read back as
# TEXT plus credo_column_duration, the same remotely as on the store path
expect "a DURATION binds and reads back over the wire" \
  "^d 3 '1 YEAR 6 MONTHS' \\{18,0\\} \\| days 3 '-90 DAYS' \\{0,-7776000000000\\} \\| publicity 3 '1 YEAR' \\{-\\} \\| same 4 'true' \\{-\\} \\| lit 3 '3 MONTHS' \\{3,0\\}$" \
  C duration "$U"
cp "$T/out" "$T/dur_remote.out"
C duration "$STORE" >"$T/dur_local.out" 2>&1
check "... exactly as on an embedded handle" \
  cmp "$T/dur_remote.out" "$T/dur_local.out"
expect "versions carry the session's user as actor" "^rep$" \
  C exec "$U" "SELECT actor FROM events WHERE id = 2 INCLUDE HIDDEN;"

# ----------------------------------------------------------------- auth
echo "== authentication"
expect "wrong password and unknown user get the same error" \
  "^ok   same_auth_error" WIRE same_auth_error "$MAIN_PORT" root rootpw-long1
expect "the C library reports authentication failed" \
  "CREDO_AUTH: authentication failed" \
  env CREDO_PASSWORD=wrong "$CLIENT" exec "$U" "SHOW TYPES;"
expect "no password: a clear error" "no password" \
  env -u CREDO_PASSWORD "$CLIENT" exec "$U" "SHOW TYPES;"
expect "the log says auth_failed without the password" "event=auth_failed" \
  cat "$T/main.log"
if grep -q "rootpw-long1\|alicepw-long1\|pubpw-long1" "$T/main.log"; then
  fail "a password appears in the log"
else ok "no password appears in the log"; fi
expect "protocol version negotiation" "^ok" WIRE bad_version "$MAIN_PORT"
expect "PREPARED carries parameter names on version 2 only" "^ok" \
  WIRE pnames "$MAIN_PORT" root rootpw-long1

# ---------------------------------------------------- protocol behaviour
echo "== protocol: pipelining, cancel, ping, bad input"
expect "200 pipelined EXECUTEs" "^ok" WIRE pipeline "$MAIN_PORT" root rootpw-long1
expect "cancel of a queued request" "^ok" \
  WIRE cancel_queued "$MAIN_PORT" root rootpw-long1
expect "PING and BYE" "^ok" WIRE ping "$MAIN_PORT" root rootpw-long1
expect "truncated payload: error for the request, connection usable" \
  "^ok" WIRE truncated "$MAIN_PORT" root rootpw-long1
expect "garbage bytes: cut off" "^ok" WIRE garbage "$MAIN_PORT" root rootpw-long1
expect "unknown frame type: PROTOCOL error and cut off" "^ok" \
  WIRE garbage_after_auth "$MAIN_PORT" root rootpw-long1
expect "oversized frame: LIMIT error and cut off" "^ok" \
  WIRE oversized "$MAIN_PORT" root rootpw-long1
expect "the server still serves after all that" "^[0-9]+$" \
  C exec "$U" "SELECT count(*) FROM events;"

# ------------------------------------------------------- concurrency
echo "== 64 concurrent clients, reads and writes"
rm -f "$T/acked"
check "64 clients x 30 operations, no failure" \
  C load "$U" 64 30 "$T/acked"
expect "every acknowledged write is present" "checked=1280 missing=0" \
  C check "$U" "$T/acked"

# ------------------------------------------------------- limits
echo "== limits and timeouts"
start_server limits "$STORE" --auth-timeout 2 --idle-timeout 3 \
  --max-conn 4 --max-rows 5 --max-frame 65536 --min-password-length 14 ||
  exit 1
LIM_PID=$SPID
LIM=$PORT
expect "--min-password-length 14 applies to CREATE USER over the wire" \
  "at least 14 characters \(this one has 13\)" \
  C exec "credo://root@127.0.0.1:$LIM" \
  "CREATE USER lim ROLE analyst PASSWORD 'thirteen-char';"
check "... and 14 characters are enough" C exec "credo://root@127.0.0.1:$LIM" \
  "CREATE USER lim ROLE analyst PASSWORD 'fourteen-chars';"
expect "... and log in" "^penalty_general" env CREDO_PASSWORD=fourteen-chars \
  timeout 60 "$CLIENT" exec "credo://lim@127.0.0.1:$LIM" "SHOW TYPES;"
# A slow client and a silent one, while a normal client keeps working.
WIRE slow "$LIM" >"$T/slow.out" 2>&1 &
SLOW=$!
WIRE auth_timeout "$LIM" >"$T/silent.out" 2>&1 &
SILENT=$!
sleep 1
expect "a normal query succeeds while the slow clients hang on" \
  "^penalty_general" C exec "credo://root@127.0.0.1:$LIM" "SHOW TYPES;"
wait "$SLOW"
expect "a client sending one byte a second is cut off (auth timeout)" \
  "^ok" cat "$T/slow.out"
wait "$SILENT"
expect "a client that never authenticates is cut off (auth timeout)" \
  "^ok" cat "$T/silent.out"
expect "an idle session is closed with an error (idle timeout)" "^ok" \
  WIRE idle "$LIM" root rootpw-long1
expect "a frame cut short is closed by the idle timeout" "^ok" \
  WIRE truncated_frame "$LIM" root rootpw-long1
expect "the 5th connection is refused (max-conn 4)" "^ok" \
  WIRE max_conn "$LIM" root rootpw-long1
expect "a read over max-rows gets LIMIT" "^ok" \
  WIRE max_rows "$LIM" root rootpw-long1
BIG=$(python3 -c 'print("x" * 70000)')
expect "the library refuses a request above the server's max frame" \
  "CREDO_LIMIT.*max frame" \
  C stmt "credo://root@127.0.0.1:$LIM" "SELECT name FROM subjects WHERE id = ?" "$BIG"
expect "the limits are logged" "event=max_rows" cat "$T/limits.log"
expect "idle timeouts are logged" "event=idle_timeout" cat "$T/limits.log"
expect "auth timeouts are logged" "event=auth_timeout" cat "$T/limits.log"
expect "max-conn refusals are logged" "event=max_conn" cat "$T/limits.log"
expect "limits server exits 0 on SIGTERM" "^0$" stop_server "$LIM_PID"

# ------------------------------------------------ cancel inside a step
echo "== CANCEL of a statement already running (one long step)"
if SH gen --subjects 10000 --events 200000 --seed 5 >"$T/big.jsonl" 2>/dev/null &&
  CREDO_PROGRESS=never SH import "$T/bigstore" "$T/big.jsonl" >/dev/null 2>&1 &&
  "$BIN/credo-server" --store "$T/bigstore" --init-admin root >/dev/null 2>&1 &&
  start_server big "$T/bigstore"; then
  BIG_PID=$SPID
  expect "an aggregate over 200k events stops at a CANCEL sent while it runs" \
    "^ok" WIRE cancel_running "$PORT" root rootpw-long1
  expect "the cancel is logged" "event=cancelled" cat "$T/big.log"
  expect "big server exits 0" "^0$" stop_server "$BIG_PID"
else
  fail "could not build the 200k-event store"
fi

# ------------------------------------------------- backup over the wire
echo "== backup over the protocol (credo backup credo://...)"
manifest_hash() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"][0]["xxh3_128"])' "$1/MANIFEST.json"
}
rm -f "$T/acked3"
timeout 120 "$CLIENT" load "$U" 2 300 "$T/acked3" >"$T/bkload.out" 2>&1 &
BKLOAD=$!
sleep 0.3
check "credo backup credo://root@... streams a snapshot while others write" \
  SH backup "$U" "$T/rbk"
wait "$BKLOAD"
expect "the streamed backup verifies (checksum, counts, integrity check)" \
  "OK: data.mdb" SH verify "$T/rbk"
expect "the server logged it with the manifest's checksum" \
  "event=backup_end .*code=CREDO_OK .*xxh3_128=$(manifest_hash "$T/rbk")" \
  cat "$T/main.log"
check "a second streamed backup, with no writer" SH backup "$U" "$T/rbk2"
check "restore of the streamed backup" SH restore "$T/rbk2" "$T/restored"
same_answers "the restored store answers exactly as the server does" \
  "$T/restored" "$U"
expect "an analyst may not back up (the server says so)" \
  "permission denied: role analyst may not back up" \
  env CREDO_PASSWORD=anapw-long1 "$BIN/credo" backup \
  "credo://ana@127.0.0.1:$MAIN_PORT" "$T/denied"
if [ -e "$T/denied" ]; then fail "a refused backup left $T/denied"; else
  ok "a refused backup leaves no directory"; fi
expect "a backup into a non-empty directory is refused" "exists and is not empty" \
  SH backup "$U" "$T/rbk"
expect "a backup cancelled by its progress callback leaves nothing; the connection still works" \
  "after the cancel the connection answered [1-9]" \
  C backup-cancel "$U" "$T/cancelled"
expect "raw BACKUP from python (written from the protocol document)" "^ok" \
  WIRE backup "$MAIN_PORT" root rootpw-long1
expect "clients that hang up mid-backup do not hurt the server" "^ok" \
  WIRE backup_abandoned "$MAIN_PORT" root rootpw-long1

# ------------------------------------------------------- SIGTERM
echo "== SIGTERM during a write load"
rm -f "$T/acked2"
timeout 120 "$CLIENT" writer "$U" term "$T/acked2" >"$T/writer.out" 2>&1 &
WRITER=$!
for _ in $(seq 1 200); do
  [ -f "$T/acked2" ] && [ "$(wc -l <"$T/acked2")" -ge 40 ] && break
  sleep 0.1
done
expect "the server exits 0 after SIGTERM under load" "^0$" \
  stop_server "$MAIN_PID"
wait "$WRITER"
expect "the shutdown was logged" "event=stopped exit=0" cat "$T/main.log"
start_server main2 "$STORE" || exit 1
MAIN_PID=$SPID
U="credo://root@127.0.0.1:$PORT"
N=$(wc -l <"$T/acked2")
expect "after restart every acknowledged write is present ($N)" \
  "checked=$N missing=0" C check "$U" "$T/acked2"

# ----------------------------------------------------------------- TLS
echo "== TLS"
if openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$T/key.pem" \
  -out "$T/cert.pem" >/dev/null 2>&1; then
  start_server tls "$STORE" --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
    || exit 1
  TLS_PID=$SPID
  expect "TLS query through the C library (certificate verified)" \
    "^penalty_general" C exec \
    "credos://root@localhost:$PORT?ca=$T/cert.pem" "SHOW TYPES;"
  expect "TLS through the shell" "penalty_general" \
    SH "credo://root@localhost:$PORT?tls=1&ca=$T/cert.pem" -c "SHOW TYPES;"
  expect "TLS from python (written from the protocol document)" "^ok" \
    WIRE tls "$PORT" root rootpw-long1 "$T/cert.pem"
  expect "an untrusted certificate is refused" "CREDO_CONN.*TLS" \
    C exec "credos://root@localhost:$PORT" "SHOW TYPES;"
  expect "plaintext to the TLS port fails cleanly" "CREDO_CONN" \
    C exec "credo://root@127.0.0.1:$PORT?timeout=5" "SHOW TYPES;"
  expect "TLS server exits 0" "^0$" stop_server "$TLS_PID"
else
  fail "openssl could not make a certificate"
fi

expect "main server exits 0" "^0$" stop_server "$MAIN_PID"
no_sanitizer_reports
echo "server.sh: $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
