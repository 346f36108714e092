#!/usr/bin/env bash
# demo.sh -- the CQL showcase of `make demo` (demo/showcase.cql) through the
# real `credo` shell on a fresh store: it runs to the end with exit status
# 0 and nothing on stderr but the new-store notice, and its key results are there -- the idempotent
# resend, the refused early repair with its earliest allowed date, the
# successful repair, AS OF before the repair showing the repaired event
# and AS OF now not showing it, the three versions of the corrected event,
# the batch repair with both outcomes, and the retracted record on request.
#
# Usage: BUILD=build bash tests/integration/demo.sh   (binaries in $BUILD/bin)
# Prints "ok N - what" per check; exits 1 at the first failure. Needs a
# few seconds (the showcase pauses with \sleep before its repair).
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CREDO=$(cd "$(dirname "$BUILD/bin/credo")" && pwd)/credo
SCRIPT=$ROOT/demo/showcase.cql
[ -x "$CREDO" ] || { echo "no $BUILD/bin/credo"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/credo-demo-XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() {
  echo "not ok - $*"
  echo "--- stdout"; cat "$T/out.txt"
  echo "--- stderr"; cat "$T/err.txt"
  exit 1
}
has() { grep -qF -- "$1" "${2:-$T/out.txt}" || fail "no '$1' in the output"; }
# section N: the output between the title "== N." and the next title
section() { awk -v n="== $1." 'index($0, n) == 1 {on = 1; next}
  /^== [0-9]+\./ {on = 0} on' "$T/out.txt"; }

"$CREDO" "$T/store" --tz +08:00 -f "$SCRIPT" >"$T/out.txt" 2>"$T/err.txt"
rc=$?
[ "$rc" -eq 0 ] || fail "the showcase exited $rc"
# the one line the shell writes for a fresh store is expected
grep -qx "credo: created a new empty store in $T/store" "$T/err.txt" ||
  fail "no notice of the new store"
[ "$(grep -cv '^credo: created a new empty store in ' "$T/err.txt")" -eq 0 ] ||
  fail "the showcase wrote to stderr"
ok "the showcase runs to the end on a fresh store"

has "== 18. The retracted record is kept"
[ "$(grep -c '^{"id": [0-9]*}$' "$T/out.txt")" -eq 30 ] ||
  fail "expected 30 recorded event ids"
ok "all sections printed, 30 events recorded"

section 4 | grep -qx '11' || fail "the resent licence is not event 11"
ok "resending a fact returns the same event"

section 7 | grep -q '^ 5 | refused | repair refused: earliest allowed .*(REPAIRABLE AFTER 3 MONTHS)$' ||
  fail "no refusal of the early repair of event 5"
ok "the early repair is refused with the earliest allowed date"

section 8 | grep -q '^ 1 | repaired$' || fail "event 1 was not repaired"
ok "the repair after the minimum publicity succeeds"

# section 10: AS OF one second ago, then AS OF now
s10=$(section 10)
before=$(printf '%s\n' "$s10" | awk '/^\(/ {exit} /^ *[0-9]+ \|/ {print $1}' | tr '\n' ' ')
after=$(printf '%s\n' "$s10" | awk '/^\(/ {t++; next} t == 1 && /^ *[0-9]+ \|/ {print $1}' | tr '\n' ' ')
[ "$before" = "1 2 " ] || fail "AS OF before the repair shows '$before', expected '1 2 '"
[ "$after" = "2 " ] || fail "AS OF now shows '$after', expected '2 '"
ok "AS OF before the repair shows event 1, AS OF now does not"

section 9 | grep -q '^ 1 |' && fail "the repaired event is still public"
section 9 | grep -q '(3 rows)' || fail "the public record should have 3 rows"
ok "the public record now leaves the repaired event out"

ops=$(section 11 | awk -F'|' '/^ *1 \|/ {gsub(/ /, "", $14); print $14}' | tr '\n' ' ')
[ "$ops" = "record correct repair " ] || fail "history of event 1: ops '$ops'"
ok "history of event 1: record, correct, repair"

section 13 | grep -q '(2 rows)' || fail "expected 2 events expiring within 30 days"
ok "two events end their publicity within 30 days"

s16=$(section 16)
printf '%s\n' "$s16" | grep -q '| repaired |' || fail "the batch repaired nothing"
printf '%s\n' "$s16" | grep -q '| refused  | repair refused' || fail "the batch refused nothing"
ok "the batch repair reports repaired and refused rows"

section 15 | grep -q "SEARCH events USING subject index" || fail "no subject index in EXPLAIN"
ok "EXPLAIN of a subject look-up uses the subject index"

section 18 | grep -q '^20 |.*| retract |' || fail "the retracted event 20 is not shown"
ok "the retracted record is reachable with INCLUDE RETRACTED"

echo "demo.sh: $n checks passed"
