# harness.sh -- sourced (not run) by the integration scripts that drive
# credo-server: `. "$(dirname "$0")/lib/harness.sh" NAME`.
#
# Gives: $T, a fresh temporary directory removed at exit (with KEEP=DIR:
# DIR, kept, for looking at a failure); PIDS, processes killed at exit (append with PIDS+=($!)); the
# counters CHECKS and FAILS; and the check helpers below, which print one
# "ok   ..." or "FAIL ..." line each (a failure shows the command's last
# output lines). The caller prints its summary from CHECKS and FAILS.
# Lives in lib/ so that `make integration` (tests/integration/*.sh) does
# not run it on its own.

if [ -n "${KEEP:-}" ]; then
  T=$KEEP
  mkdir -p "$T"
else
  T=$(mktemp -d "${TMPDIR:-/tmp}/credo-$1-test.XXXXXX")
fi
PIDS=()
FAILS=0
CHECKS=0

cleanup() {
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

ok() { CHECKS=$((CHECKS + 1)); echo "ok   $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL $*"; }
# check NAME CMD...: the command must succeed.
check() {
  local name=$1
  shift
  if "$@" >"$T/out" 2>&1; then ok "$name"; else
    fail "$name"
    sed 's/^/     | /' "$T/out" | tail -15
  fi
}
# expect NAME PATTERN CMD...: the command's output must match PATTERN (the
# command may itself read $T/out: its output replaces it only afterwards).
expect() {
  local name=$1 pat=$2
  shift 2
  "$@" >"$T/out.new" 2>&1
  mv "$T/out.new" "$T/out"
  if grep -Eq -- "$pat" "$T/out"; then ok "$name"; else
    fail "$name (wanted /$pat/)"
    sed 's/^/     | /' "$T/out" | tail -15
  fi
}
