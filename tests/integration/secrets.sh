#!/usr/bin/env bash
# secrets.sh -- a credo:// URI with a password in it
# (credo://USER:PASSWORD@HOST) is refused by every program that takes a
# store, and no message ever shows the password (issue 14, item 10); the
# bulk tools refuse a server with advice (item 12).
#
# Usage: BUILD=build bash tests/integration/secrets.sh
set -u
. "$(dirname "$0")/lib/tap.sh" secrets
unset CREDO_PASSWORD
PW=s3cretPW-4711
URI="credo://alice:$PW@127.0.0.1:1"
echo '{}' > in.jsonl
check_run() {
  "$@" </dev/null >out.txt 2>&1 && fail "'$*' accepted a password in the URI"
  grep -q -- "$PW" out.txt && fail "'$*' showed the password"
  grep -qE "carries a password|works on a store directory" out.txt || fail "'$*' did not say why"
}
check_run "$CREDO" "$URI" -c 'SELECT 1;'
check_run "$CREDO" shell "$URI" -c 'SELECT 1;'
check_run "$CREDO" check "$URI"
check_run "$CREDO" export "$URI"
check_run "$CREDO" import "$URI" in.jsonl
check_run "$CREDO" backup "$URI" bak
ok "shell, check, export, import, backup refuse credo://USER:PASSWORD@ without showing it"

# The bulk tools work on a store directory; given a server they say so
# for a shell user (issue 14, item 12), before any connection.
for c in check export import purge; do
  extra=""
  [ "$c" = import ] && extra=in.jsonl
  # shellcheck disable=SC2086
  "$CREDO" $c credo://alice@127.0.0.1:1 $extra </dev/null >out.txt 2>&1 &&
    fail "credo $c took a server"
  grep -q "works on a store directory, not on a server" out.txt &&
    grep -q "credo 'credo://alice@127.0.0.1:1' --format jsonl -c 'SELECT" out.txt ||
    fail "credo $c: no advice for a server"
  grep -q "password" out.txt && fail "credo $c tried to connect"
done
ok "check, export, import, purge refuse a server with what to do instead"
echo "secrets.sh: $n ok"
