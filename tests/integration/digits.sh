#!/usr/bin/env bash
# digits.sh -- numbers in `data` of up to 18 significant digits go through
# `credo import` and `credo export` exactly (issue 15, item 3): a JSON
# line with 18-digit amounts is imported, read back by CQL as exact
# decimals, exported (JSON Lines, --history, CSV) with the same digits,
# and 0.1 beside them never becomes 0.10000000000000001.
#
# Usage: BUILD=build bash tests/integration/digits.sh
set -u
. "$(dirname "$0")/lib/tap.sh" digits
ORG=91350100M000100Y43
cat >in.jsonl <<JSON
{"kind":"type","name":"pen","publicity":"3 YEARS","repairable_after":"0 SECONDS"}
{"kind":"subject","id":"$ORG","subject_kind":"org","name":"x"}
{"kind":"event","subject":"$ORG","type":"pen","occurred":"2026-01-01","source":"s","ref":"r1","data":{"z":0.1,"x": 123456789012345.678,"y":1234567890123456.78,"n":{"k":[-0.123456789012345678,"a\"1"]}}}
{"kind":"event","subject":"$ORG","type":"pen","occurred":"2026-01-02","source":"s","ref":"r2","data":{"x":0.002,"y":-0.78}}
JSON
"$CREDO" import s in.jsonl >out.txt 2>err.txt || fail "import"
DATA1='{"n":{"k":[-0.123456789012345678,"a\"1"]},"x":123456789012345.678,"y":1234567890123456.78,"z":0.1}'
"$CREDO" s -c "SELECT data FROM events ORDER BY id" >out.txt 2>err.txt || fail select
grep -qF "$DATA1" out.txt || fail "stored data lost digits"
ok "import keeps 18-digit numbers of a JSON line as written"

"$CREDO" s -c "SELECT sum(data.x) AS sx, sum(data.y) AS sy FROM events" \
  >out.txt 2>err.txt || fail sum
grep -q "123456789012345.68 *| *1234567890123456\$" out.txt || fail "sums not exact"
ok "CQL reads them as exact decimals (exact sums)"

"$CREDO" export s >out.jsonl 2>err.txt || fail export
grep -qF "\"ref\":\"r1\",\"data\":$DATA1}" out.jsonl || fail "export lost digits: $(cat out.jsonl)"
grep -q "10000000000000001" out.jsonl && fail "a 17-digit artefact in the export"
"$CREDO" export s --history >hist.jsonl 2>err.txt || fail "export --history"
grep -qF "\"data\":$DATA1}" hist.jsonl || fail "export --history lost digits"
"$CREDO" export s --format csv >out.csv 2>err.txt || fail "export csv"
grep -qF '123456789012345.678' out.csv || fail "CSV export lost digits"
ok "export (JSON Lines, --history, CSV) writes them exactly"

"$CREDO" import s2 out.jsonl >out.txt 2>err.txt || fail "re-import"
"$CREDO" export s2 >out2.jsonl 2>err.txt || fail export2
cmp -s out.jsonl out2.jsonl || fail "export -> import -> export differs"
"$CREDO" import s3 hist.jsonl --restore >out.txt 2>err.txt || fail "restore"
"$CREDO" export s3 --history >hist3.jsonl 2>err.txt || fail export3
cmp -s hist.jsonl hist3.jsonl || fail "export --history -> import --restore -> export differs"
ok "export -> import -> export gives the same bytes"

head -1 in.jsonl >types.jsonl
"$CREDO" import s4 types.jsonl >out.txt 2>err.txt || fail "import types"
"$CREDO" import s4 out.csv >out.txt 2>err.txt || fail "import the CSV export"
printf 'subject,subject_kind,type,occurred,source,ref,amount,note\n%s,org,pen,2026-01-03,s,r3,1234567890123456.78,0.1\n' \
  "$ORG" >cells.csv
"$CREDO" import s4 cells.csv >out.txt 2>err.txt || fail "import a CSV with number cells"
"$CREDO" s4 -c "SELECT data FROM events ORDER BY id" >out.txt 2>err.txt || fail select4
grep -qF "$DATA1" out.txt || fail "CSV import of a data cell lost digits"
grep -qF '{"amount":1234567890123456.78,"note":0.1}' out.txt ||
  fail "CSV import of number cells lost digits"
ok "CSV import keeps them (a whole data cell, number cells)"
