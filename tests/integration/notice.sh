#!/usr/bin/env bash
# notice.sh -- statement notices end to end (issue 14, item 15): a SELECT
# AS OF an instant before the store's first transaction answers no rows
# and a notice naming that transaction and suggesting VISIBLE AT, printed
# by the shell as "NOTICE: ..." on stderr, on a local store and through
# credo-server (protocol version 2: a NOTICE frame before DONE), while a
# version-1 client gets the frames version 1 had (wire.py notice).
set -u
BUILD=${BUILD:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$BUILD/bin
. "$(dirname "$0")/lib/harness.sh" notice

SH() { timeout 60 "$BIN/credo" "$@"; }
SUBJ=91350100M000100Y43
STORE=$T/store
PW=notice-password-1
export CREDO_PASSWORD=$PW
Q_OLD="SELECT id FROM events AS OF '2001-02-03'"

SH "$STORE" -c "CREATE TYPE penalty_general PUBLICITY 1 YEAR;
CREATE SUBJECT '$SUBJ' KIND org;
RECORD penalty_general FOR '$SUBJ' OCCURRED NOW SOURCE 's' REF 'r1';" \
  >/dev/null 2>&1 || { echo "cannot make the store"; exit 1; }

echo "== local store"
SH "$STORE" -c "$Q_OLD" >"$T/o.txt" 2>"$T/e.txt"
if grep -q "(0 rows)" "$T/o.txt" &&
  grep -q "^NOTICE: AS OF 2001-02-03T00:00:00+00:00 is before the store's first transaction ($(date -u +%Y-)" "$T/e.txt" &&
  grep -q "use VISIBLE AT '2001-02-03T00:00:00+00:00'" "$T/e.txt" &&
  ! grep -q NOTICE "$T/o.txt"; then
  ok "AS OF before the first transaction: no rows, NOTICE on stderr"
else
  fail "AS OF before the first transaction: no rows, NOTICE on stderr"
  cat "$T/o.txt" "$T/e.txt"
fi
for q in "SELECT id FROM events AS OF NOW" \
  "SELECT id FROM events VISIBLE AT '2001-02-03'" "SELECT id FROM events"; do
  SH "$STORE" -c "$q" >"$T/o.txt" 2>"$T/e.txt"
  if grep -q NOTICE "$T/e.txt"; then fail "no notice: $q"; else
    ok "no notice: $q"; fi
done

echo "== through credo-server"
"$BIN/credo-server" --store "$STORE" --init-admin root >/dev/null 2>&1 ||
  { echo "cannot create the admin"; exit 1; }
"$BIN/credo-server" --store "$STORE" --listen 127.0.0.1:0 2>"$T/srv.log" &
PIDS+=("$!")
PORT=""
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/.*event=listening .* port=\([0-9]*\).*/\1/p' \
    "$T/srv.log" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { echo "server did not start"; cat "$T/srv.log"; exit 1; }
U="credo://root@127.0.0.1:$PORT"
SH "$U" -c "$Q_OLD" >"$T/o.txt" 2>"$T/e.txt"
if grep -q "(0 rows)" "$T/o.txt" &&
  grep -q "^NOTICE: AS OF 2001-02-03T00:00:00+00:00 is before the store's first transaction" "$T/e.txt" &&
  grep -q "use VISIBLE AT" "$T/e.txt"; then
  ok "remote: the NOTICE reaches the shell"
else
  fail "remote: the NOTICE reaches the shell"
  cat "$T/o.txt" "$T/e.txt"
fi
SH "$U" -c "SELECT id FROM events AS OF NOW" >"$T/o.txt" 2>"$T/e.txt"
if grep -q NOTICE "$T/e.txt"; then fail "remote: no notice AS OF NOW"; else
  ok "remote: no notice AS OF NOW"; fi
expect "protocol 2 sends NOTICE before DONE, protocol 1 none" "^ok" \
  timeout 60 python3 "$HERE/wire.py" notice "$PORT" root "$PW" "$Q_OLD"

echo "notice.sh: $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
