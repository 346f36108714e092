#!/usr/bin/env bash
# times.sh -- times stay where export and import can follow (issue 14,
# item 3): CQL time arithmetic leaving years 0001-9999 is an error,
# duration arithmetic that overflows is an error (never a wrapped value), a
# record whose computed window would end past 9999-12-31 is refused, and
# export --history -> import --restore -> export gives the same bytes.
#
# Usage: BUILD=build bash tests/integration/times.sh
set -u
. "$(dirname "$0")/lib/tap.sh" times
"$CREDO" s -c "CREATE TYPE t PUBLICITY 1 YEAR;" >/dev/null 2>&1 || fail setup
q() { "$CREDO" s -c "SELECT $1 AS v FROM types;" >out.txt 2>err.txt; }

q "1 YEAR * 9223372036854775807" && fail "1 YEAR * INT64_MAX gave $(cat out.txt)"
grep -q "duration out of range" err.txt || fail "no range error for the product"
q "1 SECOND * 9223372036854775 + 1 SECOND * 1000" && fail "usec sum overflowed"
grep -q "duration out of range" err.txt || fail "no range error for the sum"
ok "duration arithmetic that overflows is an error"

q "'2025-01-01' + 300000 YEARS" && fail "+ 300000 YEARS gave $(cat out.txt)"
grep -q "time out of range (years 0001-9999)" err.txt || fail "no range error"
q "'2025-01-01' - 2025 YEARS" && fail "year 0 accepted"
q "'9999-12-31' + 1 DAY" && fail "year 10000 accepted"
q "'2025-01-01' + 2 YEARS" || fail "an ordinary sum failed"
grep -q "2027-01-01" out.txt || fail "2025-01-01 + 2 YEARS"
q "'9999-12-30' + 1 DAY" || fail "9999-12-31 refused"
ok "time arithmetic stays within years 0001-9999"
ORG=91350100M000100Y43
"$CREDO" s -c "CREATE SUBJECT '$ORG' KIND org NAME 'x';" >/dev/null 2>&1 || fail subject
"$CREDO" s -c "RECORD t FOR '$ORG' OCCURRED '9999-12-31' SOURCE 's' REF 'r1';" \
  >out.txt 2>err.txt && fail "a window ending in year 10000 was recorded"
grep -q "outside the years 0001-9999" err.txt || fail "no reason"
"$CREDO" s -c "RECORD t FOR '$ORG' OCCURRED '9998-12-31' SOURCE 's' REF 'r2';" \
  >out.txt 2>err.txt || fail "a window ending 9999-12-31 refused"
CREDO_PROGRESS=never "$CREDO" export s --history >hist.jsonl 2>err.txt || fail export
CREDO_PROGRESS=never "$CREDO" import s2 hist.jsonl --restore >out.txt 2>err.txt ||
  fail "import --restore of the export"
CREDO_PROGRESS=never "$CREDO" export s2 --history >hist2.jsonl 2>err.txt || fail export2
cmp -s hist.jsonl hist2.jsonl || fail "export -> import --restore -> export differs"
ok "a computed window past 9999 is refused; what is stored round-trips"
echo "times.sh: $n ok"
