#!/usr/bin/env bash
# times.sh -- time and duration arithmetic in CQL stays where export and
# import can follow (issue 14, item 3, the arithmetic part): an instant
# outside years 0001-9999 is an error, and duration arithmetic that
# overflows is an error, never a wrapped value.
#
# Usage: BUILD=build bash tests/integration/times.sh
set -u
BUILD=${BUILD:-build}
CREDO=$(cd "$(dirname "$BUILD/bin/credo")" && pwd)/credo
[ -x "$CREDO" ] || { echo "no $BUILD/bin/credo"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/credo-times-XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { echo "not ok - $*"; cat out.txt err.txt 2>/dev/null; exit 1; }
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
echo "times.sh: $n ok"
