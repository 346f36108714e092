#!/usr/bin/env bash
# pgwire.sh -- credo-server's PostgreSQL listener (--pg-listen) driven by
# real clients: psql (postgresql-client), Python psycopg2
# (python3-psycopg2) and node-postgres (npm `pg`, installed under
# $BUILD/node by this script when missing). Loopback only, kernel-picked
# ports, a mktemp dir; a trap stops the server. One "ok"/"FAIL" line per
# check; exit 1 if any check failed. A missing client is a failure, not a
# skip (scripts/deps.sh installs them), except node-postgres when npm
# cannot reach its registry (then its checks say SKIP and why).
set -u
BUILD=${BUILD:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$BUILD/bin
. "$(dirname "$0")/lib/harness.sh" pg

for f in "$BIN/credo-server" "$BIN/credo"; do
  [ -e "$f" ] || { echo "missing $f: run make all first"; exit 1; }
done
# Debian's python3 has python3-psycopg2 (a pyenv one may not).
PY=${PYTHON:-/usr/bin/python3}
for c in psql $PY node openssl; do
  command -v $c >/dev/null || { echo "FAIL $c is not installed (scripts/deps.sh)"; exit 1; }
done
$PY -c "import psycopg2" || { echo "FAIL python3-psycopg2 is not installed"; exit 1; }

STORE=$T/store
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$T/key.pem" \
  -out "$T/cert.pem" >/dev/null 2>&1 || { echo "FAIL openssl req"; exit 1; }
CREDO_PASSWORD=rootpw-long1 "$BIN/credo-server" --store "$STORE" --init-admin root \
  >/dev/null || { echo "FAIL init-admin"; exit 1; }

# A store big enough for a cancel to land inside one aggregate: 200k
# events from the generator, imported embedded before the server starts.
"$BIN/credo" gen --subjects 5000 --events 200000 --seed 7 >"$T/big.jsonl" 2>/dev/null &&
  "$BIN/credo" import "$STORE" "$T/big.jsonl" >/dev/null 2>&1 ||
  echo "note: could not load the generated events (cancel check may be weak)"

"$BIN/credo-server" --store "$STORE" --listen 127.0.0.1:0 \
  --pg-listen 127.0.0.1:0 --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
  2>"$T/server.log" &
SPID=$!
PIDS+=($SPID)
PG=""
NATIVE=""
for _ in $(seq 1 100); do
  PG=$(sed -n 's/.*event=listening proto=pg .* port=\([0-9]*\).*/\1/p' "$T/server.log")
  NATIVE=$(sed -n 's/.*event=listening proto=credo .* port=\([0-9]*\).*/\1/p' "$T/server.log")
  [ -n "$PG" ] && [ -n "$NATIVE" ] && break
  sleep 0.1
done
[ -n "$PG" ] || { echo "FAIL server did not start"; cat "$T/server.log"; exit 1; }

# P USER PASSWORD SSLMODE ARGS...: psql with a bounded wait.
P() {
  local u=$1 pw=$2 ssl=$3
  shift 3
  PGPASSWORD=$pw PGCONNECT_TIMEOUT=10 timeout 60 psql -X -v ON_ERROR_STOP=0 \
    "host=127.0.0.1 port=$PG user=$u dbname=credo sslmode=$ssl" "$@"
}
SUBJ=91350203MA2Y7K3C1Y

echo "== startup, TLS and SCRAM-SHA-256 (psql)"
expect "psql connects in plaintext with SCRAM" "PostgreSQL 15.0 \(credo" \
  P root rootpw-long1 disable -Atc "SELECT version()"
expect "psql connects over TLS (SSLRequest)" "^1$" \
  P root rootpw-long1 require -Atc "SELECT 1"
expect "the TLS session is logged as such" "auth_ok .*user=\"root\" role=admin tls=1" \
  cat "$T/server.log"
expect "wrong password: 28P01" "password authentication failed for user \"root\"" \
  P root wrong disable -Atc "SELECT 1"
expect "unknown user fails the same way" "password authentication failed for user \"nobody\"" \
  P nobody x disable -Atc "SELECT 1"
expect "wrong password over TLS fails too" "password authentication failed" \
  P root wrong require -Atc "SELECT 1"

echo "== simple query, dialect edges and errors (psql)"
P root rootpw-long1 disable -q >"$T/setup.out" 2>&1 <<SQL
CREATE TYPE penalty PUBLICITY 1 YEAR REPAIRABLE AFTER 3 MONTHS;
CREATE SUBJECT '$SUBJ' KIND org NAME '厦门鹭江海运有限公司';
RECORD penalty FOR '$SUBJ' OCCURRED NOW - 10 DAYS SOURCE 'xm' REF 'a1' DATA {"amount": 0.75};
RECORD penalty FOR '$SUBJ' OCCURRED NOW - 5 DAYS SOURCE 'xm' REF 'a2' DATA {"amount": 12};
CREATE USER pub ROLE public PASSWORD 'pubpw-long1';
CREATE USER ana ROLE analyst PASSWORD 'anapw-long1';
SQL
expect "setup statements run" "^$" cat "$T/setup.out"
expect "rows come back in psql's table" "xm *\| *a2" \
  P root rootpw-long1 disable -c "SELECT id, source, ref FROM events WHERE subject = '$SUBJ' ORDER BY id"
expect "driver statements are answered" "^UTF8$" \
  P root rootpw-long1 disable -Atc "SET client_encoding TO 'UTF8'" -c "SET DateStyle = 'ISO'" \
  -c "SET extra_float_digits = 3" -c "SHOW client_encoding"
expect "current_setting() and server_version_num" "^150000$" \
  P root rootpw-long1 disable -Atc "SELECT current_setting('server_version_num')"
expect "SET TIME ZONE changes the zone of timestamptz" "\+08$" \
  P root rootpw-long1 disable -Atc "SET TIME ZONE '+08:00'" \
  -c "SELECT occurred FROM events WHERE ref = 'a1'"
expect "syntax error: 42601 with position" "42601: syntax error near \"FORM\"" \
  P root rootpw-long1 disable -c '\set VERBOSITY verbose' -c "SELECT id FORM events"
expect "undefined column: 42703" "42703: unknown column \"nope\"" \
  P root rootpw-long1 disable -c '\set VERBOSITY verbose' -c "SELECT nope FROM events"
expect "the error position reaches psql" "LINE 1: SELECT nope FROM events" \
  P root rootpw-long1 disable -c "SELECT nope FROM events"
expect "AS OF before the first transaction: psql shows the NOTICE" \
  "NOTICE:  AS OF 2001-02-03T00:00:00.* is before the store's first transaction .*use VISIBLE AT" \
  P root rootpw-long1 disable -c "SELECT id FROM events AS OF '2001-02-03'"

echo "== catalog: psql's backslash commands"
expect "\\dt lists the tables" "public \| events +\| table.*public \| subjects.*public \| types" \
  sh -c "PGPASSWORD=rootpw-long1 psql -X 'host=127.0.0.1 port=$PG user=root dbname=credo sslmode=disable' -c '\\dt' | tr '\n' ' '"
expect "\\d events lists its columns with types" "occurred +\| timestamp with time zone" \
  P root rootpw-long1 disable -c '\d events'
expect "\\d events: data is jsonb" "data +\| jsonb" cat "$T/out"
expect "\\d subjects" "Table \"public.subjects\"" P root rootpw-long1 disable -c '\d subjects'
expect "\\du lists the store's users" "ana +\|.*pub +\|.*root +\| Superuser" \
  sh -c "PGPASSWORD=rootpw-long1 psql -X 'host=127.0.0.1 port=$PG user=root dbname=credo sslmode=disable' -c '\\du' | tr '\n' ' '"
expect "\\df lists CQL's functions" "public \| lower +\| text" P root rootpw-long1 disable -c '\df'
expect "information_schema.columns (Metabase/Grafana)" "^events\|occurred\|timestamp with time zone\|4$" \
  P root rootpw-long1 disable -Atc "SELECT table_name, column_name, data_type, ordinal_position FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'events' ORDER BY ordinal_position"
expect "pg_type lists the types sent" "^1184\|timestamptz$" \
  P root rootpw-long1 disable -Atc "SELECT oid, typname FROM pg_catalog.pg_type"
expect "the public role's \\dt" "events" P pub pubpw-long1 disable -c '\dt'
# Grafana's table and column pickers, pgJDBC's getColumns (Metabase)
expect "Grafana: the table list" "^events subjects types versions $" sh -c \
  "PGPASSWORD=rootpw-long1 psql -X -At 'host=127.0.0.1 port=$PG user=root dbname=credo sslmode=disable' -c \"SELECT quote_ident(table_name) as \\\"table\\\" FROM information_schema.tables WHERE quote_ident(table_schema) NOT IN ('information_schema', 'pg_catalog') AND table_type = 'BASE TABLE' AND quote_ident(table_schema) IN (SELECT CASE WHEN trim(s[i]) = '\\\"\\\$user\\\"' THEN user ELSE trim(s[i]) END FROM generate_series(1, 2) as i, string_to_array(current_setting('search_path'),',') s)\" | tr '\n' ' '"
expect "Grafana: the columns of a table" "^created\|timestamp with time zone$" \
  P root rootpw-long1 disable -Atc "SELECT quote_ident(column_name) as \"column\", data_type as \"type\" FROM information_schema.columns WHERE quote_ident(table_name) = 'subjects'"
expect "pgJDBC getColumns (SELECT * FROM (SELECT ...))" "^public\|types\|created\|1184\|f\|" \
  P root rootpw-long1 disable -Atc "SELECT * FROM (SELECT n.nspname,c.relname,a.attname,a.atttypid,a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS attnotnull,a.atttypmod,a.attlen,t.typtypmod,row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS attnum FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_class c ON (c.relnamespace = n.oid) JOIN pg_catalog.pg_attribute a ON (a.attrelid=c.oid) JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid) LEFT JOIN pg_catalog.pg_attrdef def ON (a.attrelid=def.adrelid AND a.attnum = def.adnum) WHERE c.relkind in ('r','p','v','f','m') and a.attnum > 0 AND NOT a.attisdropped AND n.nspname LIKE 'public' AND c.relname LIKE 'types') c WHERE true ORDER BY nspname,c.relname,attnum"

echo "== transactions"
P root rootpw-long1 disable >"$T/tx.out" 2>&1 <<SQL
BEGIN;
RECORD penalty FOR '$SUBJ' OCCURRED NOW SOURCE 'tx' REF 'rolled-back';
SELECT nope FROM events;
SELECT 1;
COMMIT;
SELECT count(*) AS n_after FROM events WHERE source = 'tx' INCLUDE HIDDEN;
BEGIN;
RECORD penalty FOR '$SUBJ' OCCURRED NOW SOURCE 'tx' REF 'kept';
COMMIT;
SELECT ref FROM events WHERE source = 'tx' INCLUDE HIDDEN;
SQL
expect "a failed block refuses statements (25P02)" "current transaction is aborted" cat "$T/tx.out"
expect "COMMIT of a failed block rolls back" "^ROLLBACK" cat "$T/tx.out"
expect "the write before the error is gone" "n_after *-+ *0" tr '\n' ' ' <"$T/tx.out"
expect "a good block commits" "^ kept" cat "$T/tx.out"

echo "== COPY (SELECT ...) TO STDOUT"
expect "COPY text format" "^xm	a1	0.75$" \
  P root rootpw-long1 disable -c "COPY (SELECT source, ref, data.amount FROM events WHERE subject = '$SUBJ' ORDER BY id) TO STDOUT"
P root rootpw-long1 disable -c "COPY (SELECT ref, data FROM events WHERE subject = '$SUBJ' ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)" >"$T/copy.csv" 2>&1
expect "COPY CSV header" "^ref,data$" head -1 "$T/copy.csv"
expect "COPY CSV quotes JSON" '^a1,"\{""amount"":0.75\}"$' cat "$T/copy.csv"

echo "== roles: the public role reaches what it reaches natively"
native_err() { CREDO_PASSWORD=$2 timeout 30 "$BIN/credo" "credo://$1@127.0.0.1:$NATIVE?tls=1&insecure=1" -c "$3" 2>&1 | sed -n 's/^error: \(line [0-9]*, column [0-9]*: \)\{0,1\}//p' | head -1; }
pg_err() { P "$1" "$2" disable -c "$3" 2>&1 | sed -n 's/^ERROR:  //p' | head -1; }
for q in "SELECT id FROM events AS OF NOW - 1 DAYS" "HISTORY OF EVENT 1" \
  "SELECT id FROM events INCLUDE HIDDEN" \
  "RECORD penalty FOR '$SUBJ' OCCURRED NOW SOURCE 's' REF 'p1'" \
  "CREATE USER mallory ROLE admin PASSWORD 'mallory-pw1'" "SHOW USERS"; do
  n=$(native_err pub pubpw-long1 "$q")
  g=$(pg_err pub pubpw-long1 "$q")
  if [ -n "$n" ] && [ "$n" = "$g" ]; then ok "same denial: $q"; else
    fail "same denial: $q"; echo "     | native: $n"; echo "     | pg:     $g"; fi
done
expect "denials carry 42501" "42501" \
  P pub pubpw-long1 disable -c '\set VERBOSITY verbose' -c "HISTORY OF EVENT 1"
expect "the public role reads what is public" "^3$" \
  P pub pubpw-long1 disable -Atc "SELECT count(*) FROM events WHERE subject = '$SUBJ'"

echo "== psycopg2"
DSN="host=127.0.0.1 port=$PG user=root password=rootpw-long1 dbname=credo sslmode=disable"
expect "psycopg2: parameters of every type" "^types ok" \
  timeout 60 $PY "$HERE/pg_client.py" "$DSN" types
expect "psycopg2: error then rollback" "after rollback 0" \
  timeout 60 $PY "$HERE/pg_client.py" "$DSN" rollback
expect "psycopg2: the block is aborted after an error" "aborted 25P02" cat "$T/out"
expect "psycopg2: SQLSTATE codes" "sqlstate 42601.*sqlstate 42703.*sqlstate 42704" \
  sh -c "timeout 60 $PY '$HERE/pg_client.py' '$DSN' sqlstate | tr '\n' ' '"
expect "psycopg2: cancel of a long aggregate (57014)" "cancel 57014 None" \
  timeout 90 $PY "$HERE/pg_client.py" "$DSN" cancel
expect "psycopg2: the session goes on after a cancel" "after cancel 1" cat "$T/out"
expect "psycopg2 over TLS" "^types ok" \
  timeout 60 $PY "$HERE/pg_client.py" "${DSN/sslmode=disable/sslmode=require}" types

echo "== node-postgres (extended query protocol)"
NODE_DIR=$BUILD/node
if [ ! -d "$NODE_DIR/node_modules/pg" ]; then
  timeout 300 npm install --silent --no-audit --no-fund --prefix "$NODE_DIR" pg \
    >"$T/npm.log" 2>&1 || true
fi
if [ -d "$NODE_DIR/node_modules/pg" ]; then
  N() { PGPORT=$PG PGUSER=root PGPASSWORD=rootpw-long1 NODE_PATH=$NODE_DIR/node_modules \
    timeout 120 node "$HERE/pg_client.js" "$@"; }
  expect "node: parameters of every type" "^params ok rows=2 " N params
  expect "node: a prepared statement reused 10,000 times" "^prepared ok runs=10000 total=" N prepared
  expect "node: SQLSTATE and position" "sqlstate 42601 position 1" N errors
  expect "node: undefined column" "sqlstate 42703" cat "$T/out"
  expect "node: wrong parameter count (08P01)" "sqlstate 08P01" cat "$T/out"
  expect "node: session usable after errors" "after errors 1" cat "$T/out"
  expect "node over TLS" "^ssl ok n=" N ssl
else
  echo "SKIP node-postgres: npm could not install pg:"; tail -3 "$T/npm.log"
fi

echo "== the protocol by hand: binary formats, row limits"
$PY "$HERE/pg_raw.py" "$PG" root rootpw-long1 "$SUBJ" >"$T/raw.out" 2>&1
expect "SCRAM server signature verifies" "^ok scram" cat "$T/raw.out"
expect "binary RowDescription of every type" "^ok binary RowDescription" cat "$T/raw.out"
expect "binary values (int8, float8, timestamptz, jsonb, bool) equal text" \
  "^ok binary values equal the text values \([3-9] rows\)" cat "$T/raw.out"
expect "Execute with a row limit answers PortalSuspended" \
  "^ok Execute with a row limit: [3-9] PortalSuspended" cat "$T/raw.out"

echo "== a user created before the SCRAM verifier (record format 1)"
SANFLAGS=""
nm "$BUILD/lib/libcredo.a" 2>/dev/null | grep -q __asan_init &&
  SANFLAGS="-fsanitize=address,undefined"
P root rootpw-long1 disable -qc "CREATE USER old ROLE analyst PASSWORD 'oldpw-long1'" >/dev/null 2>&1
if cc -std=c11 -D_GNU_SOURCE -O1 $SANFLAGS -Iinclude -Istorage -o "$T/olduser" \
  "$HERE/pg_olduser.c" "$BUILD/lib/libcredo.a" -llmdb -lxxhash -ljansson \
  -lsodium -lutf8proc -lssl -lcrypto -lpthread -lm &&
  "$T/olduser" "$STORE" old; then
  expect "plaintext: refused, told to set the password again (28000)" \
    "has no SCRAM-SHA-256 verifier.*ALTER USER old PASSWORD" \
    P old oldpw-long1 disable -Atc "SELECT 1"
  expect "over TLS: the password in clear, checked against argon2id" "^1$" \
    P old oldpw-long1 require -Atc "SELECT 1"
  expect "over TLS: a wrong password still fails" "password authentication failed" \
    P old wrong require -Atc "SELECT 1"
  P root rootpw-long1 disable -qc "ALTER USER old PASSWORD 'newpw-long1'" >/dev/null 2>&1
  expect "after ALTER USER ... PASSWORD: SCRAM in plaintext" "^1$" \
    P old newpw-long1 disable -Atc "SELECT 1"
else
  fail "could not build or run the format-1 fixture"
fi

echo "== time travel in the dialect"
expect "AS OF over pgwire (admin)" "^a1$" \
  P root rootpw-long1 disable -Atc "SELECT ref FROM events WHERE ref = 'a1' AS OF NOW"
expect "HISTORY OF EVENT over pgwire" "record" \
  P root rootpw-long1 disable -Atc "HISTORY OF EVENT 1"

expect "a DURATION column reads as its CQL text" "^3 MONTHS$" \
  P root rootpw-long1 disable -Atc "SELECT 3 MONTHS AS d FROM types LIMIT 1"
echo "== sessions: SHOW SESSIONS, KILL SESSION, revocation (psycopg2, psql)"
$PY "$HERE/pg_client.py" "$DSN" sessions >"$T/sess.out" 2>&1
expect "PostgreSQL sessions are listed by SHOW SESSIONS" \
  "^listed pgboss pgpat root" cat "$T/sess.out"
expect "an admin session creates an admin" "^admin creates ok" cat "$T/sess.out"
expect "ALTER USER ... ROLE applies at the session's next statement" \
  "^demoted creates 42501" cat "$T/sess.out"
expect "... which may still read as an analyst" "^demoted reads ok" \
  cat "$T/sess.out"
expect "a new password ends the session at its next statement" \
  "^after new password closed" cat "$T/sess.out"
expect "DROP USER ends the session" "^after drop closed" cat "$T/sess.out"
expect "KILL SESSION ends a PostgreSQL session" "^killed closed" \
  cat "$T/sess.out"
expect "none of them is left, the demoted admin created nobody" \
  "^left root \| pgm2 False" cat "$T/sess.out"
expect "the server told each why (FATAL 28000 / 57P01) and logged it" \
  "sqlstate=28000 msg=.*password of user .*pgpat.* was changed.*sqlstate=28000 msg=.*pgboss.* was dropped.*sqlstate=57P01 msg=.*killed by root" \
  sh -c "grep 'event=session_revoked.*proto=pg' '$T/server.log' | tr '\n' ' '"
# psql shows the FATAL a killed session gets: its statements come through a
# FIFO, the KILL is sent once SHOW SESSIONS lists it
P root rootpw-long1 disable -qc \
  "CREATE USER pgkill ROLE analyst PASSWORD 'pgkill-password'" >/dev/null 2>&1
mkfifo "$T/kill.fifo"
P pgkill pgkill-password disable -At <"$T/kill.fifo" >"$T/kill.out" 2>&1 &
KPID=$!
exec 7>"$T/kill.fifo"
echo "SELECT 42 AS x FROM types LIMIT 1;" >&7
KID=""
for _ in $(seq 1 100); do
  KID=$(P root rootpw-long1 disable -At -F ' ' -c "SHOW SESSIONS" 2>/dev/null |
    awk '$2 == "pgkill" {print $1}')
  [ -n "$KID" ] && break
  sleep 0.1
done
P root rootpw-long1 disable -qc "KILL SESSION ${KID:-0}" >/dev/null 2>&1
echo "SELECT 43 AS x FROM types LIMIT 1;" >&7
exec 7>&-
wait "$KPID" 2>/dev/null
expect "psql: the killed session is told why" \
  "FATAL: +session ended: killed by root \(KILL SESSION [0-9]+\)" \
  cat "$T/kill.out"
expect "... after its first statement ran" "^42$" cat "$T/kill.out"

echo "== another role over SCRAM"
expect "an analyst logs in and reads" "^3$" \
  P ana anapw-long1 disable -Atc "SELECT count(*) FROM events WHERE subject = '$SUBJ'"

echo "== shutdown"
# a session left open: the server must still stop cleanly on SIGTERM
$PY -c "import psycopg2, time
c = psycopg2.connect('$DSN'); c.cursor().execute('SELECT 1'); time.sleep(30)" \
  >/dev/null 2>&1 &
PIDS+=($!)
sleep 1
kill -TERM "$SPID"
rc=""
for _ in $(seq 1 300); do
  kill -0 "$SPID" 2>/dev/null || { wait "$SPID"; rc=$?; break; }
  sleep 0.1
done
expect "SIGTERM stops the server with an open pg session (exit 0)" "^0$" echo "$rc"
expect "the open session was told" "event=shutdown .*proto=pg" cat "$T/server.log"
if grep -Eq "AddressSanitizer|runtime error|LeakSanitizer" "$T/server.log"; then
  fail "sanitizer report in the server log"
  grep -E -A5 "AddressSanitizer|runtime error" "$T/server.log" | head -20
else ok "no sanitizer report in the server log"; fi

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
