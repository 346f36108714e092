# tap.sh -- sourced (not run) by the integration scripts that test the
# credo program alone and stop at their first failure:
# `. "$(dirname "$0")/lib/tap.sh" NAME` (before anything that needs $T).
#
# Gives: BUILD (default build), CREDO (the absolute path of the credo
# program; the script exits when there is none), T (a fresh temporary
# directory, removed at exit, and the working directory from here on),
# CREDO_PROGRESS=never, and ok (numbered "ok N - ..." lines) and fail
# ("not ok - ...", out.txt and err.txt when present, exit 1). A script may
# redefine fail after sourcing to show something else.
# Lives in lib/ so that `make integration` does not run it on its own.

BUILD=${BUILD:-build}
CREDO=$(cd "$(dirname "$BUILD/bin/credo")" && pwd)/credo
[ -x "$CREDO" ] || { echo "no $BUILD/bin/credo"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/credo-$1-XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export CREDO_PROGRESS=never
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { echo "not ok - $*"; cat out.txt err.txt 2>/dev/null; exit 1; }
