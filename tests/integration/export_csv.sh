#!/usr/bin/env bash
# export_csv.sh -- `credo export --format csv` and `credo import
# --date-format` (issue 14, item 7):
#  - a header row, then one RFC 4180 row per event (commas, quotes and
#    line ends in cells quoted, quotes doubled), the columns of the JSON
#    Lines export plus the subject's kind and name;
#  - the CSV round-trips: imported into a store that has the types, it
#    gives the same subjects and events as the original (compared through
#    the JSON Lines export);
#  - --date-format reads dates in the given strptime format; a cell in no
#    format is rejected naming it; a format without a % field is a usage
#    error; --format csv --history is refused.
#
# Usage: BUILD=build bash tests/integration/export_csv.sh
set -u
. "$(dirname "$0")/lib/tap.sh" xcsv
ORG=91350100M000100Y43
PERSON=11010519491231002X

"$CREDO" a -c "SET STORE TIME ZONE '+08:00';
CREATE TYPE penalty_general PUBLICITY 1 YEAR REPAIRABLE AFTER 3 MONTHS;
CREATE TYPE licence PUBLICITY OPEN POSITIVE;
CREATE SUBJECT '$ORG' KIND org NAME '厦门鹭江海运有限公司, \"总部\"';
CREATE SUBJECT '$PERSON' KIND person;
RECORD penalty_general FOR '$ORG' OCCURRED '2025-03-01' SOURCE 'xm-market'
  REF '厦市监罚〔2025〕12号' DATA {\"amount_wan\": 2.5, \"authority\": \"市监局, 湖里\", \"note\": \"15\\\" monitor\", \"lines\": \"a\\nb\", \"nested\": {\"k\": [1, 2]}};
RECORD penalty_general FOR '$PERSON' OCCURRED '2025-01-10' SOURCE 'xm-tax'
  REF 'T-1' DATA {\"pad\": \"  spaced  \"};
RECORD licence FOR '$ORG' OCCURRED '2024-05-05' SOURCE 'xm-market' REF 'L-1';
REPAIR EVENT 2 EFFECTIVE '2025-06-01' REASON 'fixed';" >out.txt 2>err.txt ||
  fail "build the store"

"$CREDO" export a --format csv >a.csv 2>err.txt || fail "export --format csv"
head -1 a.csv >out.txt
[ "$(cat out.txt)" = "subject,subject_kind,subject_name,type,occurred,public_from,public_until,source,ref,data" ] ||
  fail "header row"
ok "a header row names the columns"
grep -q '"厦门鹭江海运有限公司, ""总部"""' a.csv || fail "quoted name"
grep -q 'open,xm-market,L-1,{}' a.csv || fail "open window"
grep -q '2025-05-31T16:00:00+00:00,xm-tax,T-1,"{""pad"":""  spaced  ""}"' a.csv ||
  fail "repaired window and quoted data"
ok "cells with commas, quotes and line ends are quoted, quotes doubled"
python3 -c '
import csv, sys
rows = list(csv.reader(open("a.csv", newline="", encoding="utf-8")))
assert len(rows) == 4 and all(len(r) == 10 for r in rows), rows
assert rows[1][9].startswith("{") and "\n" not in rows[1][9]
' >out.txt 2>err.txt || fail "Python's csv module reads 4 rows of 10 cells"
ok "Python's csv module reads it back (4 rows of 10 cells)"

"$CREDO" export a --history --format csv >out.txt 2>err.txt &&
  fail "--history --format csv accepted"
grep -q "JSON Lines only" err.txt || fail "--history --format csv message"
ok "--format csv --history is refused"

# round trip: types from the JSON Lines export, everything else from CSV
"$CREDO" export a 2>/dev/null | grep '"kind":"type"' >types.jsonl
"$CREDO" b -c "SET STORE TIME ZONE '+08:00'" >/dev/null 2>&1
"$CREDO" import b types.jsonl >out.txt 2>err.txt || fail "import types"
"$CREDO" import b a.csv >out.txt 2>err.txt || fail "import the CSV"
"$CREDO" export a 2>/dev/null | grep -v '"kind":"type"' >a.jsonl
"$CREDO" export b 2>/dev/null | grep -v '"kind":"type"' >b.jsonl
cmp -s a.jsonl b.jsonl || { diff a.jsonl b.jsonl; fail "round trip"; }
[ "$(grep -c '"kind":"event"' b.jsonl)" = 3 ] || fail "3 events"
ok "export --format csv | import gives the same subjects and events"

# --date-format
{
  echo 'subject,type,occurred,source,ref,subject_kind'
  echo "$ORG,penalty_general,01.03.2025,xm,D1,org"
  echo "$ORG,penalty_general,2025-03-02,xm,D2,org"
  echo "$ORG,penalty_general,03/04/2025,xm,D3,org"
} >d.csv
"$CREDO" import c types.jsonl >/dev/null 2>&1
"$CREDO" import c d.csv --date-format '%d.%m.%Y' --tz +08:00 >out.txt 2>err.txt
grep -q "D3" d.csv.rejects || fail "a cell in no format is rejected"
grep -q "is not a date or time (nor in --date-format '%d.%m.%Y')" d.csv.rejects ||
  fail "the reject names the format"
"$CREDO" c -c "SELECT ref, occurred FROM events ORDER BY ref INCLUDE HIDDEN" \
  --tz +08:00 >out.txt 2>err.txt
grep -q "D1 .*2025-03-01T00:00:00+08:00" out.txt || fail "01.03.2025 read"
grep -q "D2 .*2025-03-02T00:00:00+08:00" out.txt || fail "ISO still read"
ok "--date-format '%d.%m.%Y' reads 01.03.2025; ISO dates still read"
{
  echo 'subject,type,occurred,source,ref'
  echo "$ORG,penalty_general,03/04/2025 14:30,xm,D4"
} >e.csv
"$CREDO" import c e.csv --date-format '%m/%d/%Y %H:%M' --tz +08:00 \
  >out.txt 2>err.txt || fail "import with '%m/%d/%Y %H:%M'"
"$CREDO" c -c "SELECT occurred FROM events WHERE ref = 'D4' INCLUDE HIDDEN" --tz +08:00 \
  >out.txt 2>err.txt
grep -q "2025-03-04T14:30:00+08:00" out.txt || fail "03/04/2025 14:30 read"
ok "--date-format '%m/%d/%Y %H:%M' reads month first, with a time"
"$CREDO" import c e.csv --date-format 'YYYY-MM-DD' >out.txt 2>err.txt &&
  fail "a format without % accepted"
grep -q "has no % field" err.txt || fail "bad --date-format message"
ok "a --date-format without a % field is a usage error"
echo "export_csv.sh: $n checks passed"
