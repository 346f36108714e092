#!/usr/bin/env bash
# tests/integration/shell.sh -- drives the real `credo` shell binary
# ($BUILD/bin/credo): usage errors and exit statuses, -c / -f / stdin,
# every --format with exact output for a small known result, --tz,
# --keep-going, and error reports with a caret under the position; then,
# on a pseudo-terminal (lib/pty_drive.py), the interactive keys: Ctrl-C at
# the prompt and during statements (embedded and on a credo-server, also
# inside BEGIN), TAB completion, \x, the pager; and how times and
# durations print.
#
# Run by `make integration` (BUILD set, binaries in $BUILD/bin). Prints each
# check as it goes; stops with a non-zero status and the expected and
# actual output at the first failure. Works in a temporary directory that
# is removed on exit. Needs python3 (JSON and display-width checks).
#
# The checks after "usage" need the CQL executor (issue 3); until it lands
# they fail at the first statement, which is expected.
set -u

BUILD=${BUILD:-build}
CREDO=$BUILD/bin/credo
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
STORE=$TMP/store
SUBJ=91350100M000100Y43
REF1='厦市监罚〔2025〕12号'
CHECKS=0

# --------------------------------------------------------------- helpers

check() { # check WHAT: announces one check
  CHECKS=$((CHECKS + 1))
  printf 'shell.sh: %-66s ' "$1"
  WHAT=$1
}

pass() { echo ok; }

fail() { # fail MESSAGE: reports and stops
  echo FAIL
  {
    echo "shell.sh: FAILED: $WHAT"
    echo "  $*"
    echo "  command: credo ${LAST_ARGS:-}"
    echo "  exit status: ${RC:-?}"
    echo "  --- stdout"
    sed 's/^/  | /' "$TMP/out" 2>/dev/null
    echo "  --- stderr"
    sed 's/^/  | /' "$TMP/err" 2>/dev/null
  } >&2
  exit 1
}

run() { # run ARGS...: runs credo, stdout/stderr to files, status in RC
  LAST_ARGS="$*"
  "$CREDO" "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
}

run_in() { # run_in INPUT ARGS...: run with INPUT on stdin
  local input=$1
  shift
  LAST_ARGS="$* < input"
  printf '%s' "$input" | "$CREDO" "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
}

want_rc() { [ "$RC" -eq "$1" ] || fail "expected exit status $1"; }

want_out() { # want_out TEXT: stdout is exactly TEXT and a newline ("": empty)
  if [ -z "$1" ]; then
    [ ! -s "$TMP/out" ] || fail "stdout is not empty"
    return
  fi
  printf '%s\n' "$1" >"$TMP/want"
  if ! cmp -s "$TMP/want" "$TMP/out"; then
    diff -u "$TMP/want" "$TMP/out" | sed 's/^/  /' >&2
    fail "stdout differs from the expected text (diff above)"
  fi
}

want_err_has() { grep -qF -- "$1" "$TMP/err" || fail "stderr lacks '$1'"; }
want_err_empty() { [ ! -s "$TMP/err" ] || fail "stderr is not empty"; }

# The caret check: stderr holds "error: line L, column C: ...", then the
# source line, then spaces and '^' exactly under character C of that line
# (counting East Asian wide characters as 2 columns).
want_caret() { # want_caret LINE
  python3 - "$TMP/err" "$1" <<'EOF' || fail "no caret under the reported position"
import re, sys, unicodedata
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
want_line = int(sys.argv[2])
for i, l in enumerate(lines):
    m = re.match(r"error: line (\d+), column (\d+): ", l)
    if not m:
        continue
    line, col = int(m.group(1)), int(m.group(2))
    src, caret = lines[i + 1], lines[i + 2]
    width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1
                for c in src[:col - 1])
    ok = (line == want_line and caret == " " * width + "^")
    if not ok:
        print(f"\n  line {line} (want {want_line}), column {col}, "
              f"caret at {len(caret) - 1} (want {width})", file=sys.stderr)
    sys.exit(0 if ok else 1)
print("\n  no 'error: line L, column C:' line", file=sys.stderr)
sys.exit(1)
EOF
}

# ------------------------------------------------------ usage, no store

[ -x "$CREDO" ] || { echo "shell.sh: no $CREDO; build it first" >&2; exit 1; }
command -v python3 >/dev/null || { echo "shell.sh: needs python3" >&2; exit 1; }
HEADER=$(dirname "$0")/../../include/credo.h
VERSION=$(sed -n 's/^#define CREDO_VERSION "\(.*\)"/\1/p' "$HEADER")

check "--version prints the version"
run --version
want_rc 0
grep -q "^credo $VERSION " "$TMP/out" || fail "stdout lacks 'credo $VERSION'"
pass

check "--help prints the usage on stdout"
run --help
want_rc 0
grep -q '^usage: credo' "$TMP/out" || fail "no usage line"
grep -q -- '--keep-going' "$TMP/out" || fail "usage lacks --keep-going"
pass

check "no arguments: usage on stderr, exit 2"
run
want_rc 2
want_err_has "usage: credo"
pass

check "usage errors exit 2 and say why"
for args in "--bogus $STORE" "-x $STORE" "$STORE --format xml" \
  "$STORE --format" "$STORE --tz 8" "$STORE --tz +19:00" "$STORE -c" \
  "$STORE -c x -f y" "$STORE $STORE.2" "--format csv"; do
  # shellcheck disable=SC2086
  run $args
  want_rc 2
  want_err_has "credo: "
done
[ ! -e "$STORE" ] || fail "a usage error created the store"
pass

check "-f with a missing script: exit 1, no store created"
run "$STORE" -f "$TMP/missing.cql"
want_rc 1
want_err_has "missing.cql"
[ ! -e "$STORE" ] || fail "the store was created"
pass

# ------------------------------------------------ statements (executor)

check "-c with several statements creates the store and records"
run "$STORE" -c "CREATE TYPE penalty_general PUBLICITY 1 YEAR
    REPAIRABLE AFTER 3 MONTHS;
  CREATE SUBJECT '$SUBJ' KIND org NAME '厦门示例船务有限公司';
  RECORD penalty_general FOR '$SUBJ' OCCURRED '2025-03-01'
    SOURCE 'xm-market' REF '$REF1'
    DATA {\"amount_wan\": 0.5, \"authority\": \"厦门市市场监督管理局\"};
  RECORD penalty_general FOR '$SUBJ' OCCURRED '2025-04-01'
    SOURCE 'xm-market' REF 'xm,\"2\"' DATA {\"note\": \"a;b\"};"
want_rc 0
want_err_has "credo: created a new empty store in $STORE"
[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "stderr has more than the notice"
[ -d "$STORE" ] || fail "no store directory"
pass

Q_REFS="FROM events WHERE subject = '$SUBJ' ORDER BY ref INCLUDE HIDDEN"

check "table: aligned by display width, NULL-free, row count"
run "$STORE" -c "SELECT subject_name, ref $Q_REFS;"
want_rc 0
want_out "subject_name         | ref
---------------------+---------------------
厦门示例船务有限公司 | xm,\"2\"
厦门示例船务有限公司 | $REF1
(2 rows)"
pass

check "table: numbers right-aligned"
run "$STORE" --format table -c "SELECT count(*) AS number_of_events
  FROM events INCLUDE HIDDEN;"
want_rc 0
want_out "number_of_events
----------------
               2
(1 row)"
pass

check "csv: RFC 4180 quoting and a header"
run "$STORE" --format csv -c "SELECT ref, subject $Q_REFS;"
want_rc 0
want_out "ref,subject
\"xm,\"\"2\"\"\",$SUBJ
$REF1,$SUBJ"
pass

check "json: one array; ints, JSON data, bools typed"
run "$STORE" --format json -c "SELECT id, subject, data, public
  FROM events WHERE ref = '$REF1' INCLUDE HIDDEN;"
want_rc 0
python3 - "$TMP/out" "$SUBJ" <<'EOF' || fail "json output is not as expected"
import json, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
assert isinstance(rows, list) and len(rows) == 1, rows
r = rows[0]
assert list(r) == ["id", "subject", "data", "public"], r
assert isinstance(r["id"], int) and not isinstance(r["id"], bool), r
assert r["subject"] == sys.argv[2], r
assert r["data"] == {"amount_wan": 0.5, "authority": "厦门市市场监督管理局"}, r
assert isinstance(r["public"], bool), r
EOF
pass

check "json: a statement with no rows prints []"
run "$STORE" --format json -c "SELECT id FROM events WHERE ref = 'none';"
want_rc 0
want_out "[]"
pass

check "jsonl: one object per row"
run "$STORE" --format jsonl -c "SELECT id, ref $Q_REFS;"
want_rc 0
python3 - "$TMP/out" "$REF1" <<'EOF' || fail "jsonl output is not as expected"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
rows = [json.loads(l) for l in lines]
assert [r["ref"] for r in rows] == ['xm,"2"', sys.argv[2]], rows
assert all(isinstance(r["id"], int) for r in rows), rows
EOF
pass

check "-f script: multi-line, ';' in strings, comments and JSON"
cat >"$TMP/script.cql" <<EOF
-- a comment; with a semicolon
RECORD penalty_general FOR '$SUBJ'
  OCCURRED '2025-06-01' SOURCE 'xm-tax' /* ; */ REF 'T;3'
  DATA {"note": "it's; \"quoted\"", "n": [1, {"x": ";"}]};
SELECT ref, data FROM events WHERE source = 'xm-tax'
  INCLUDE HIDDEN;
EOF
run "$STORE" --format jsonl -f "$TMP/script.cql"
want_rc 0
python3 - "$TMP/out" <<'EOF' || fail "the last row is not the recorded event"
import json, sys
last = json.loads(open(sys.argv[1], encoding="utf-8").read().splitlines()[-1])
want = {"ref": "T;3", "data": {"note": "it's; \"quoted\"", "n": [1, {"x": ";"}]}}
assert last == want, last
EOF
pass

check "stdin: statements read when stdin is not a terminal"
run_in "SELECT count(*) AS n
FROM events INCLUDE HIDDEN;
" "$STORE" --format csv
want_rc 0
want_out "n
3"
pass

check "-f -: the script from stdin; a last statement without ';'"
run_in "SELECT count(*) AS n FROM events INCLUDE HIDDEN" "$STORE" \
  --format csv -f -
want_rc 0
want_out "n
3"
pass

check "--tz: literals and output in the session zone"
# 'T;3' was recorded OCCURRED '2025-06-01' in UTC: 08:00 in +08:00.
run "$STORE" --tz +08:00 --format csv -c \
  "SELECT occurred FROM events WHERE ref = 'T;3' INCLUDE HIDDEN;
   SELECT ref FROM events WHERE occurred = '2025-06-01 08:00:00'
     INCLUDE HIDDEN;"
want_rc 0
want_out "occurred
2025-06-01T08:00:00+08:00
ref
T;3"
pass

# -------------------------------------------------------------- errors

check "syntax error: exit 1, line of the input, caret under it"
run "$STORE" -c "SELECT ref FROM events INCLUDE HIDDEN;
SELECT ref FORM events;"
want_rc 1
want_err_has "error: line 2, column "
want_err_has "SELECT ref FORM events;"
want_caret 2
pass

check "caret after Chinese text lands by display width"
run "$STORE" -c "SELECT ref FROM events WHERE subject_name = '厦门示例' AND;"
want_rc 1
want_caret 1
pass

check "caret in a script names the script's line"
printf '%s\n' "SELECT count(*) AS n FROM events INCLUDE HIDDEN;" "" \
  "SELECT ref FROM events WHERE ;" >"$TMP/bad.cql"
run "$STORE" --format csv -f "$TMP/bad.cql"
want_rc 1
want_caret 3
pass

check "runtime error: exit 1 with the engine's message"
run "$STORE" -c "RECORD penalti FOR '$SUBJ' OCCURRED '2025-03-01'
  SOURCE 'xm-market' REF 'r-9';"
want_rc 1
want_err_has "error: "
want_err_has "penalti"
pass

check "stops at the first failing statement"
run "$STORE" --format csv -c "SELEKT 1; SELECT count(*) AS n FROM events
  INCLUDE HIDDEN;"
want_rc 1
want_out ""
pass

check "--keep-going runs the rest, still exits 1"
run "$STORE" --keep-going --format csv -c "SELEKT 1; SELECT count(*) AS n
  FROM events INCLUDE HIDDEN;"
want_rc 1
want_out "n
3"
pass

check "stdin stops at the first failure too"
run_in "SELEKT 1;
SELECT count(*) AS n FROM events INCLUDE HIDDEN;
" "$STORE" --format csv
want_rc 1
want_out ""
pass

check "\\d lists the tables, \\d TABLE its columns (csv)"
run_in '\d
\d subjects
' "$STORE" --format csv
want_rc 0
want_out "table,description
events,\"credit events: the latest version of each (AS OF, VISIBLE AT and INCLUDE choose which)\"
subjects,enterprises and persons
types,event types and their publicity policy
column,type,in_star
id,TEXT,true
kind,TEXT,true
name,TEXT,true
created,TIME,true"
pass

check "CREDO_TZ is the default session zone; --tz wins over it"
LAST_ARGS="(CREDO_TZ=+08:00) $STORE --format csv -c ..."
CREDO_TZ=+08:00 "$CREDO" "$STORE" --format csv -c \
  "SELECT occurred FROM events WHERE ref = 'T;3' INCLUDE HIDDEN;" \
  >"$TMP/out" 2>"$TMP/err"
RC=$?
want_rc 0
want_out "occurred
2025-06-01T08:00:00+08:00"
CREDO_TZ=+08:00 "$CREDO" "$STORE" --tz Z --format csv -c \
  "SELECT occurred FROM events WHERE ref = 'T;3' INCLUDE HIDDEN;" \
  >"$TMP/out" 2>"$TMP/err"
RC=$?
want_out "occurred
2025-06-01T00:00:00+00:00"
CREDO_TZ=bogus "$CREDO" "$STORE" -c "SELECT 1 FROM types;" >"$TMP/out" 2>"$TMP/err"
RC=$?
want_rc 2
want_err_has "bad time zone 'bogus'"
pass

check "interactive: ~/.credorc runs first; prompt credo*> in a transaction"
if command -v script >/dev/null; then
  printf '\\format csv\n' >"$TMP/credorc"
  LAST_ARGS="$STORE (interactive, through script(1))"
  printf 'BEGIN;\nSELECT count(*) AS n FROM types;\nROLLBACK;\n\\q\n' |
    CREDORC="$TMP/credorc" CREDO_HISTORY= timeout 30 \
      script -qec "$CREDO $STORE" /dev/null | tr -d '\r' >"$TMP/out"
  RC=$?
  want_rc 0
  grep -qx 'credo\*> SELECT count(\*) AS n FROM types;' "$TMP/out" ||
    fail "no credo*> prompt inside the transaction"
  grep -qx 'credo> \\q' "$TMP/out" || fail "no credo> prompt after ROLLBACK"
  grep -qx 'n' "$TMP/out" || fail "~/.credorc's \\format csv was not applied"
  pass
else
  echo "skipped (no script(1))"
fi

check "exit and quit on a line of their own end the input"
run_in "SELECT count(*) AS n FROM types;
exit
SELECT 1 FROM nothing;
" "$STORE" --format csv
want_rc 0
want_out "n
1"
pass

# ------------------------------------------------ a terminal (pty_drive)

PTY="python3 $(dirname "$0")/lib/pty_drive.py"

# drive ROWS COLS STEPS ARGS...: credo ARGS on a ROWSxCOLS terminal playing
# the dialogue in file STEPS (see lib/pty_drive.py); transcript in $TMP/out.
drive() {
  local rows=$1 cols=$2 steps=$3
  shift 3
  LAST_ARGS="$* (on a ${rows}x$cols terminal, steps in $steps)"
  CREDO_HISTORY= CREDORC= $PTY "$rows" "$cols" "$steps" -- "$CREDO" "$@" \
    >"$TMP/out" 2>"$TMP/err"
  RC=$?
}

want_has() { grep -qE -- "$1" "$TMP/out" || fail "the session lacks /$1/"; }

# A statement that runs for many seconds on BIG (each of 20,000 refs grows
# to ~10^5 characters five times over), so that a Ctrl-C lands inside it.
BIG=$TMP/big
"$CREDO" gen --subjects 1000 --events 20000 --seed 1 >"$TMP/big.jsonl" 2>/dev/null
"$CREDO" import "$BIG" "$TMP/big.jsonl" >/dev/null 2>&1 ||
  { echo "shell.sh: cannot import generated data" >&2; exit 1; }
GROW=ref
for _ in 1 2 3 4 5; do GROW="replace($GROW, '0', '0000000000')"; done
LONG="SELECT count(*) FROM events WHERE length($GROW) < 0 INCLUDE HIDDEN;"

# cancel_steps FILE: Ctrl-C at the prompt (a half-typed statement, a
# half-typed line), during a statement, during one inside BEGIN, and twice
# at an empty prompt; the shell answers after each and quits with \q.
cancel_steps() {
  cat >"$1" <<EOF
expect credo> \$
send SELECT count(*) AS half\\n
expect \\.\\.\\.> \$
send \\x03
expect ^credo> \$
send SELECT count(*) AS fresh FROM types;\\n
expect (?s)fresh.*\\(1 row\\)
expect ^credo> \$
send \\\\d subj
send \\x03
expect ^credo> \$
send $LONG\\n
pause 1
send \\x03
expect error: statement (interrupted|cancelled)
expect cancelled by Ctrl-C; nothing was changed
expect ^credo> \$
send SELECT count(*) AS after_cancel FROM types;\\n
expect (?s)after_cancel.*\\(1 row\\)
send BEGIN;\\n
expect ^credo\\*> \$
send $LONG\\n
pause 1
send \\x03
expect the transaction is still open
expect ^credo\\*> \$
send ROLLBACK;\\n
expect ^credo> \$
send \\x03
expect ^credo> \$
send \\x03
expect ^credo> \$
send \\\\q\\n
EOF
}

check "Ctrl-C: clears the line, cancels a statement (embedded store)"
cancel_steps "$TMP/cancel.steps"
drive 24 100 "$TMP/cancel.steps" "$BIG"
want_rc 0
# the half-typed statement was dropped (else the next one would not
# parse), and the Ctrl-C typed while nothing ran did not cancel it
grep -q '^error' "$TMP/out" && fail "an error besides the cancels"
want_has '^credo> SELECT count\(\*\) AS fresh FROM types;$'
pass

check "Ctrl-C stopping a write inside BEGIN says the transaction rolled back"
cat >"$TMP/cancelw.steps" <<EOF
expect credo> \$
send BEGIN;\\n
expect ^OK
send CREATE TYPE made_in_txn PUBLICITY 1 YEAR;\\n
expect ^OK
send REPAIR EVENTS WHERE length($GROW) < 0 REASON 'a long scan';\\n
pause 1
send \\x03
expect cancelled by Ctrl-C; the transaction was rolled back
expect ^credo> \$
send SELECT count(*) AS kept FROM types WHERE name = 'made_in_txn';\\n
expect (?s)kept.*\\b0\\b.*\\(1 row\\)
send \\\\q\\n
EOF
drive 24 100 "$TMP/cancelw.steps" "$BIG"
want_rc 0
pass

check "TAB completes names; typed Chinese reaches the engine intact"
cat >"$TMP/tab.steps" <<'EOF'
expect credo> $
send SELECT count(*) AS n FROM ev\t
expect ents $
send ;\n
expect (?s)\bn\b.*\(1 row\)
send CREATE TYPE fresh_type_for_tab PUBLICITY 1 YEAR;\n
expect OK
send SELECT subj\t\t
expect subject_kind +subject_name
send \x03
expect ^credo> $
send RECORD fresh\t
expect _type_for_tab $
send \x03
expect ^credo> $
send \\ti\t
expect ming $
send \n
expect Timing is on
send \\timing off\n
send SELECT '厦门市' AS city, length('厦门市') AS n FROM types LIMIT 1;\n
expect ^厦门市 \| +3$
send sel\t
expect ect $
send count(*) AS typed FROM events WHERE type = 'fresh_t\t
expect ype_for_tab'
send  INCLUDE HIDDEN;\n
expect (?s)typed.*\b0\b.*\(1 row\)
send \\q\n
EOF
drive 24 100 "$TMP/tab.steps" "$BIG"
want_rc 0
pass

check "\\x on|off|auto and \\pset expanded: one block per row"
run_in "\\x
SELECT name, publicity FROM types ORDER BY name LIMIT 2;
\\x off
SELECT name FROM types ORDER BY name LIMIT 1;
\\pset expanded on
SELECT name FROM types WHERE name = 'none';
\\x auto
SELECT name FROM types ORDER BY name LIMIT 1;
" "$BIG"
want_rc 0
want_out "-[ RECORD 1 ]----------------
name      | commitment
publicity | 1 YEAR
-[ RECORD 2 ]----------------
name      | commitment_breach
publicity | 1 YEAR
name
----------
commitment
(1 row)
(0 rows)
name
----------
commitment
(1 row)"
run_in "\\x sideways
" "$BIG"
want_rc 1
want_err_has "\\x takes on, off or auto, not 'sideways'"
pass

check "pager: output taller than the terminal goes through \$PAGER"
PAGER_LOG=$TMP/pager.log
cat >"$TMP/pager.sh" <<EOF
#!/bin/sh
echo called >>"$PAGER_LOG"
exec cat
EOF
chmod +x "$TMP/pager.sh"
cat >"$TMP/pager.steps" <<'EOF'
expect credo> $
send SELECT name AS short_one FROM types ORDER BY name LIMIT 2;\n
expect \(2 rows\)
send SELECT id AS tall_one FROM events ORDER BY id LIMIT 30;\n
expect \(30 rows\)
send \\pset pager off\n
expect Pager usage is off
send SELECT id AS tall_two FROM events ORDER BY id LIMIT 30;\n
expect \(30 rows\)
send \\pager\n
expect Pager usage is on
send \\x auto\n
send SELECT id, subject, subject_name, type, source, ref FROM events ORDER BY id LIMIT 1;\n
expect RECORD 1
send \\q\n
EOF
PAGER=$TMP/pager.sh drive 10 60 "$TMP/pager.steps" "$BIG"
want_rc 0
# short_one fits in 10 rows, tall_one does not, tall_two ran with the pager
# off; the expanded record (auto: the table is wider than 60 columns) is
# 7 lines: it fits
[ "$(cat "$PAGER_LOG" 2>/dev/null)" = "called" ] ||
  fail "the pager ran $(wc -l <"$PAGER_LOG" 2>/dev/null || echo 0) times, not once"
want_has 'tall_one'
: >"$PAGER_LOG"
LAST_ARGS="$BIG -c (stdout a terminal, PAGER set)"
PAGER=$TMP/pager.sh CREDO_HISTORY= $PTY 10 60 /dev/null -- "$CREDO" "$BIG" -c \
  "SELECT id FROM events ORDER BY id LIMIT 30;" >"$TMP/out" 2>&1
RC=$?
want_rc 0
want_has '\(30 rows\)'
[ ! -s "$PAGER_LOG" ] || fail "the pager ran for -c"
PAGER=$TMP/pager.sh "$CREDO" "$BIG" <<<"SELECT id FROM events LIMIT 30;" \
  >"$TMP/out" 2>&1
[ ! -s "$PAGER_LOG" ] || fail "the pager ran with stdout not a terminal"
pass

check "durations print in units CQL reads back; fractions have 6 digits"
run "$BIG" --format csv -c "SELECT id, recorded - occurred AS d,
  occurred - recorded AS neg, recorded FROM events ORDER BY id LIMIT 5;
  SELECT '2025-01-01 10:00:00.12'::TIME AS t, publicity, repairable_after
  FROM types WHERE name = 'penalty_general';"
want_rc 0
grep -q '^t,publicity,repairable_after$' "$TMP/out" || fail "no second result"
grep -q '^2025-01-01T10:00:00.120000+00:00,1 YEAR,3 MONTHS$' "$TMP/out" ||
  fail "time or policy not printed as expected"
sed -n '2,6p' "$TMP/out" >"$TMP/durations"
[ "$(wc -l <"$TMP/durations")" -eq 5 ] || fail "not 5 events"
while IFS=, read -r id d neg rec; do
  case $rec in
  *.[0-9][0-9][0-9][0-9][0-9][0-9]+00:00 | *:[0-9][0-9]+00:00) ;;
  *) fail "recorded '$rec' has a fraction not of 6 digits" ;;
  esac
  # each printed duration, typed back as a literal, is the same duration
  "$CREDO" "$BIG" --format csv -c "SELECT count(*) AS n FROM events
    WHERE id = $id AND recorded - occurred = $d
      AND occurred - recorded = $neg INCLUDE HIDDEN;" >"$TMP/back" 2>&1 ||
    fail "'$d' / '$neg' do not read back: $(cat "$TMP/back")"
  [ "$(sed -n 2p "$TMP/back")" = 1 ] || fail "'$d' read back as another duration"
done <"$TMP/durations"
pass

check "credo:// server: Ctrl-C sends CANCEL, TAB asks the server"
SRV_LOG=$TMP/server.log
printf 'shell-test-password\n' | env -u CREDO_PASSWORD \
  "$BUILD/bin/credo-server" --store "$BIG" --init-admin root >/dev/null 2>&1 ||
  fail "cannot create the server's admin"
"$BUILD/bin/credo-server" --store "$BIG" --listen 127.0.0.1:0 2>"$SRV_LOG" &
SRV_PID=$!
trap 'kill $SRV_PID 2>/dev/null; wait $SRV_PID 2>/dev/null; rm -rf "$TMP"' EXIT
PORT=""
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/.*event=listening .* port=\([0-9]*\).*/\1/p' "$SRV_LOG" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || fail "the server did not start: $(cat "$SRV_LOG")"
CREDO_PASSWORD=shell-test-password drive 24 100 "$TMP/cancel.steps" \
  "credo://root@127.0.0.1:$PORT"
want_rc 0
want_has 'error: statement cancelled$'
cat >"$TMP/rtab.steps" <<'EOF'
expect credo> $
send \x03
expect ^credo> $
send SELECT count(*) AS n FROM sub\t
expect jects $
send WHERE kin\t
expect d $
send = 'org';\n
expect \(1 row\)
send \\q\n
EOF
CREDO_PASSWORD=shell-test-password drive 24 100 "$TMP/rtab.steps" \
  "credo://root@127.0.0.1:$PORT"
want_rc 0
pass

echo "shell.sh: all $CHECKS checks passed"
