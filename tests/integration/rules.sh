#!/usr/bin/env bash
# rules.sh -- the registry's rules (docs/rules.md) driven through
# credo-server by its four kinds of user: a recorder bound to its
# department's source, a repairer, an analyst and the public. Every rule is
# enforced by the engine; this shows that the server's sessions obey it.
#
# Loopback only; the server listens on port 0 and logs the port the kernel
# gave it (as tests/integration/server.sh). Prints one "ok"/"FAIL" line per
# check; exits 1 if any failed.
set -u
BUILD=${BUILD:-build}
BIN=$BUILD/bin
T=$(mktemp -d "${TMPDIR:-/tmp}/credo-rules-test.XXXXXX")
SPID=""
FAILS=0
CHECKS=0

cleanup() {
  [ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

ok() { CHECKS=$((CHECKS + 1)); echo "ok   $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL $*"; }

for f in "$BIN/credo-server" "$BIN/credo"; do
  [ -e "$f" ] || { echo "missing $f: run make all first"; exit 1; }
done

ORG=91350100M000100Y43
PERSON=35020319800101003X
MASKED='350203\*\*\*\*\*\*\*\*003X'
STORE=$T/store

# as USER PASSWORD SQL: runs SQL through the server as USER.
as() {
  CREDO_PASSWORD=$2 timeout 60 "$BIN/credo" "credo://$1@127.0.0.1:$PORT" \
    -c "$3"
}
# expect NAME PATTERN USER PW SQL: the output (stdout and stderr) matches.
expect() {
  local name=$1 pat=$2
  shift 2
  as "$@" >"$T/out" 2>&1
  if grep -Eq -- "$pat" "$T/out"; then ok "$name"; else
    fail "$name (wanted /$pat/)"
    sed 's/^/     | /' "$T/out" | tail -8
  fi
}
# allowed NAME USER PW SQL: succeeds.
allowed() {
  local name=$1
  shift
  if as "$@" >"$T/out" 2>&1; then ok "$name"; else
    fail "$name"
    sed 's/^/     | /' "$T/out" | tail -8
  fi
}
# refused NAME PATTERN USER PW SQL: fails, says PATTERN, writes nothing.
refused() {
  local name=$1 pat=$2 before after
  shift 2
  before=$(as root rootpw-long1 "SELECT count(*) FROM events INCLUDE HIDDEN INCLUDE RETRACTED; SHOW STATS;" 2>&1 | tr -d ' \n')
  if as "$@" >"$T/out" 2>&1; then
    fail "$name (it succeeded)"
    sed 's/^/     | /' "$T/out" | tail -8
    return
  fi
  after=$(as root rootpw-long1 "SELECT count(*) FROM events INCLUDE HIDDEN INCLUDE RETRACTED; SHOW STATS;" 2>&1 | tr -d ' \n')
  if ! grep -Eq -- "$pat" "$T/out"; then
    fail "$name (wanted /$pat/)"
    sed 's/^/     | /' "$T/out" | tail -8
  elif [ "$before" != "$after" ]; then
    fail "$name (the store changed)"
  else ok "$name"; fi
}

CREDO_PASSWORD=rootpw-long1 "$BIN/credo-server" --store "$STORE" \
  --init-admin root >/dev/null 2>&1 || { echo "cannot init"; exit 1; }
"$BIN/credo-server" --store "$STORE" --listen 127.0.0.1:0 2>"$T/srv.log" &
SPID=$!
PORT=""
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/.*event=listening .* port=\([0-9]*\).*/\1/p' "$T/srv.log" |
    head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { echo "server did not start"; cat "$T/srv.log"; exit 1; }
ok "server listening on port $PORT"

echo "== admin: the catalogue, users and grants"
allowed "admin sets the store time zone and declares the catalogue" \
  root rootpw-long1 "SET STORE TIME ZONE 'Asia/Shanghai';
CREATE TYPE penalty_general PUBLICITY 1 YEAR REPAIRABLE AFTER 3 MONTHS
  PUBLIC FIELDS (authority, amount_wan);
CREATE TYPE penalty_minor NOT PUBLISHED;
CREATE TYPE honour POSITIVE PUBLICITY 2 YEARS;
CREATE SUBJECT '$ORG' KIND org NAME '厦门鹭江海运有限公司';
CREATE SUBJECT '$PERSON' KIND person NAME '张三';
CREATE USER alice ROLE recorder PASSWORD 'alice-pass';
CREATE USER bob ROLE repairer PASSWORD 'bob-password';
CREATE USER ana ROLE analyst PASSWORD 'ana-password';
CREATE USER web ROLE public PASSWORD 'web-password';
GRANT SOURCE 'xm-market' TO alice;"
refused "PUBLICITY 0 is refused naming OPEN and NOT PUBLISHED" \
  "PUBLICITY OPEN .* NOT PUBLISHED" root rootpw-long1 \
  "CREATE TYPE z PUBLICITY 0 DAYS;"
refused "REPAIRABLE AFTER longer than PUBLICITY is refused" \
  "longer than PUBLICITY" root rootpw-long1 \
  "CREATE TYPE z PUBLICITY 3 MONTHS REPAIRABLE AFTER 1 YEAR;"

expect "a remote session that sets no zone works in the store's (+08:00)" \
  "[0-9]\\+08:00" ana ana-password "SELECT created FROM types WHERE name = 'honour';"

echo "== recorder alice (source xm-market)"
expect "records under its granted source" "^ *1$" alice alice-pass \
  "RECORD penalty_general FOR '$PERSON' OCCURRED NOW - 40 DAYS
  SOURCE 'xm-market' REF '厦市监罚〔2026〕1号'
  DATA {\"authority\": \"市场监督管理局\", \"amount_wan\": 0.5, \"officer\": \"李四\"};"
refused "not under another department's source" \
  "no grant for source \"xm-tax\"" alice alice-pass \
  "RECORD penalty_general FOR '$ORG' OCCURRED NOW SOURCE 'xm-tax' REF 'T1';"
refused "UNTIL past the maximum is refused, naming the bound" \
  "after the maximum publicity" alice alice-pass \
  "RECORD penalty_general FOR '$ORG' OCCURRED NOW - 1 DAYS UNTIL '2035-01-01'
  SOURCE 'xm-market' REF 'x2';"
refused "PUBLIC FROM before OCCURRED is refused" "before OCCURRED" alice alice-pass \
  "RECORD penalty_general FOR '$ORG' OCCURRED NOW - 1 DAYS
  PUBLIC FROM NOW - 10 DAYS SOURCE 'xm-market' REF 'x3';"
expect "records a minor penalty (kept, never published)" "^ *2$" alice alice-pass \
  "RECORD penalty_minor FOR '$ORG' OCCURRED NOW - 1 DAYS
  SOURCE 'xm-market' REF 'minor-1';"
expect "records an honour" "^ *3$" alice alice-pass \
  "RECORD honour FOR '$ORG' OCCURRED NOW - 1 DAYS SOURCE 'xm-market' REF 'h-1';"
refused "cannot move the window through CORRECT" \
  "may not correct the window" alice alice-pass \
  "CORRECT EVENT 1 SET public_until = '2035-01-01' REASON 'x';"
allowed "corrects data of its own source" alice alice-pass \
  "CORRECT EVENT 1 SET data.amount_wan = 0.45 REASON '异议处理 (原 0.5)';"

echo "== import (credo import on the store): a known subject under a new name"
printf 'subject,type,occurred,source,ref,subject_kind,subject_name\n%s,penalty_general,2026-01-10,xm-market,imp-1,org,厦门鹭江物流有限公司\n' \
  "$ORG" >"$T/norename.csv"
timeout 60 "$BIN/credo" import "$STORE" "$T/norename.csv" --rejects "$T/rej1.txt" >"$T/out" 2>&1
if grep -q '厦门鹭江海运有限公司.*厦门鹭江物流有限公司' "$T/rej1.txt" 2>/dev/null; then
  ok "a row renaming without a reason is rejected with both names"
else fail "a row renaming without a reason is rejected with both names"
  cat "$T/out" "$T/rej1.txt" 2>/dev/null | sed 's/^/     | /' | tail -5; fi
printf 'subject,type,occurred,source,ref,subject_kind,subject_name,reason\n%s,penalty_general,2026-01-10,xm-market,imp-1,org,厦门鹭江物流有限公司,企业名称变更\n' \
  "$ORG" >"$T/rename.csv"
timeout 60 "$BIN/credo" import "$STORE" "$T/rename.csv" --rejects "$T/rej2.txt" >"$T/out" 2>&1
expect "with a reason column the row renames the subject" "厦门鹭江物流有限公司" \
  ana ana-password "SELECT name FROM subjects WHERE id = '$ORG';"
expect "credo import without --tz reads dates in the store's zone" \
  "2026-01-10T00:00:00\\+08:00" ana ana-password \
  "SELECT occurred FROM events WHERE ref = 'imp-1';"
expect "HISTORY OF SUBJECT shows the rename" "rename +\\| 企业名称变更" \
  ana ana-password "HISTORY OF SUBJECT '$ORG';"

echo "== repairer bob"
refused "repair before the minimum names the earliest date" \
  "repair refused: earliest allowed" bob bob-password \
  "REPAIR EVENT 1 REASON 'early';"
refused "repair of a positive record is refused" \
  "repair applies to adverse records only" bob bob-password \
  "REPAIR EVENT 3 REASON 'x';"
refused "cannot record" "may not record" bob bob-password \
  "RECORD honour FOR '$ORG' OCCURRED NOW SOURCE 'xm-market' REF 'h-2';"

echo "== public web"
expect "sees the person's record with the id masked" "$MASKED" web web-password \
  "SELECT subject FROM events WHERE subject = '$PERSON';"
expect "sees only the type's PUBLIC FIELDS" '\{"amount_wan":0.45,"authority":"市场监督管理局"\}' \
  web web-password "SELECT data FROM events WHERE subject = '$PERSON';"
refused "no LIKE on subject" "only by equality with a full id" web web-password \
  "SELECT id FROM events WHERE subject LIKE '3502%';"
refused "no reason column (it quotes old values)" "does not see column reason" \
  web web-password "SELECT reason FROM events;"
refused "no actor column (staff names)" "does not see column actor" web web-password \
  "SELECT actor FROM events;"
refused "no SHOW STATS (counts hidden records)" "permission denied" web web-password \
  "SHOW STATS;"
expect "the NOT PUBLISHED record is not visible" "^ *0$" web web-password \
  "SELECT count(*) FROM events WHERE ref = 'minor-1';"
expect "EXPLAIN gives no row counts" "^SEARCH events USING subject index$" \
  web web-password "EXPLAIN SELECT id FROM events WHERE subject = '$ORG';"

echo "== analyst ana"
expect "sees the full id" "$PERSON" ana ana-password \
  "SELECT subject FROM events WHERE id = 1;"
expect "sees the whole of data" '"officer":"李四"' ana ana-password \
  "SELECT data FROM events WHERE id = 1;"
expect "reads the NOT PUBLISHED record with INCLUDE HIDDEN" "minor-1" ana ana-password \
  "SELECT ref FROM events WHERE type = 'penalty_minor' INCLUDE HIDDEN;"
refused "cannot set the store time zone" "may not set the store time zone" \
  ana ana-password "SET STORE TIME ZONE 'UTC';"

echo "== retraction by the department"
allowed "alice retracts a decision of her source (行政复议撤销)" alice alice-pass \
  "RETRACT EVENT 3 REASON '行政复议撤销';"
expect "the public no longer sees it" "^ *0$" web web-password \
  "SELECT count(*) FROM events WHERE id = 3;"

kill -TERM "$SPID" 2>/dev/null
wait "$SPID" 2>/dev/null
SPID=""
echo "rules.sh: $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
