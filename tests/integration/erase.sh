#!/usr/bin/env bash
# erase.sh -- erasure end to end (issue 17): a person is erased from a
# running credo-server (port picked by the kernel) while writers record,
# readers count and a backup streams; the server's --purge-interval erases
# the records whose retention ran out; then, with the server stopped,
# `credo vacuum`, a new backup, `credo export --history` and the restore of
# the backup that was in progress with --erasures-from: every file the
# test produced is searched for the person's id, names and refs.
#
# Needs $BUILD/bin/credo-server and $BUILD/bin/credo (make all). Loopback
# only, files under one mktemp directory; every wait is bounded; a trap
# stops what it started. One "ok"/"FAIL" line per check; exit 1 on a
# failure.
set -u
BUILD=${BUILD:-build}
BIN=$BUILD/bin
. "$(dirname "$0")/lib/harness.sh" erase
. "$(dirname "$0")/lib/server.sh"

for f in "$BIN/credo-server" "$BIN/credo"; do
  [ -e "$f" ] || { echo "missing $f: run make all first"; exit 1; }
done
SH() { timeout 120 "$BIN/credo" "$@"; }

# The person to erase: id, names (before and after a rename), refs, a
# value in data -- each searched for in every file at the end.
PERSON=11010519491231002X
NAME1=ERASEME_NAME_ONE
NAME2=ERASEME_NAME_TWO
REF1=ERASEME-REF-2025-017
REF2=ERASEME-REF-2026-003
NOTE=ERASEME_NOTE_VALUE
SECRETS=("$PERSON" "$NAME1" "$NAME2" "$REF1" "$REF2" "$NOTE")

STORE=$T/store
export CREDO_PASSWORD=rootpw-long1
export CREDO_PROGRESS=never

echo "== a store with load data, the person, and records past retention"
check "credo gen | credo import" sh -c \
  "'$BIN/credo' gen --subjects 400 --events 6000 --seed 17 >'$T/gen.jsonl' &&
   '$BIN/credo' import '$STORE' '$T/gen.jsonl'"
check "the person: two events, versions, a rename" SH "$STORE" -c "
CREATE TYPE fine PUBLICITY 1 YEAR REPAIRABLE AFTER 3 MONTHS RETAIN 5 YEARS;
CREATE TYPE short_kept PUBLICITY 1 MONTH RETAIN 1 SECOND;
CREATE SUBJECT '$PERSON' KIND person NAME '$NAME1';
RECORD fine FOR '$PERSON' OCCURRED '2025-03-01' SOURCE 'xm-amr' REF '$REF1'
  DATA {\"amount_wan\": 2, \"note\": \"$NOTE\"};
CORRECT EVENT 6001 SET data.amount_wan = 3 REASON 'amount';
RECORD fine FOR '$PERSON' OCCURRED '2026-01-05' SOURCE 'xm-tax' REF '$REF2';
ALTER SUBJECT '$PERSON' NAME '$NAME2' REASON 'renamed';
CREATE SUBJECT 'keeper' KIND other NAME 'kept org';
RECORD short_kept FOR 'keeper' OCCURRED '2020-01-01' SOURCE 's' REF 'old-1';
RECORD short_kept FOR 'keeper' OCCURRED '2020-02-01' SOURCE 's' REF 'old-2';
CREATE SUBJECT 'writer' KIND other;"
check "the admin user" "$BIN/credo-server" --store "$STORE" --init-admin root

start_server server "$STORE" --purge-interval 1 || exit 1
U="credo://root@127.0.0.1:$PORT"

echo "== erase under load: writers, readers and a streaming backup"
writer() {
  for i in $(seq 1 30); do
    SH "$U" -c "RECORD fine FOR 'writer' OCCURRED '2026-01-01' SOURCE 'w' \
REF 'w-$1-$i';" >/dev/null 2>>"$T/writer.err" || echo "writer $1 $i" >>"$T/writer.err"
  done
}
reader() {
  for _ in $(seq 1 25); do
    SH "$U" -c "SELECT count(*) FROM events INCLUDE HIDDEN;
SELECT type, count(*) FROM events INCLUDE HIDDEN GROUP BY type;" \
      >/dev/null 2>>"$T/reader.err" || echo "reader failed" >>"$T/reader.err"
  done
}
: >"$T/writer.err"
: >"$T/reader.err"
LOAD=()
writer 1 & LOAD+=($!)
writer 2 & LOAD+=($!)
reader & LOAD+=($!)
reader & LOAD+=($!)
SH backup "$U" "$T/bk_during" >"$T/bk_during.out" 2>&1 &
BK=$!
check "ERASE SUBJECT over the protocol, under load" SH "$U" -c \
  "ERASE SUBJECT '$PERSON' REASON 'PIPL Art. 47 request 2026-118';"
for p in "${LOAD[@]}"; do wait "$p"; done
wait "$BK"
BKRC=$?
if [ ! -s "$T/writer.err" ]; then ok "writers went on (60 records)"; else
  fail "writers"; head "$T/writer.err"; fi
if [ ! -s "$T/reader.err" ]; then ok "readers went on"; else
  fail "readers"; head "$T/reader.err"; fi
if [ "$BKRC" = 0 ]; then ok "the backup in progress completed"; else
  fail "backup in progress"; cat "$T/bk_during.out"; fi
check "that backup verifies" SH verify "$T/bk_during"
expect "the person is gone from every read" "^0$" \
  SH "$U" --format csv -c "SELECT count(*) FROM events WHERE subject = '$PERSON' INCLUDE HIDDEN INCLUDE RETRACTED;" 
expect "HISTORY OF EVENT shows the tombstone" \
  "6001,,,.*,erase,PIPL Art. 47 request 2026-118" \
  SH "$U" --format csv -c "HISTORY OF EVENT 6001;"
expect "SHOW ERASURES lists both events and the subject" \
  "^,subject,.*root,PIPL" SH "$U" --format csv -c "SHOW ERASURES;"
# (in a transaction that the failed statement leaves to be rolled back)
expect "a resend is refused" "erased on .*\(PIPL Art. 47" SH "$U" -c \
  "BEGIN; CREATE SUBJECT '$PERSON' KIND person; RECORD fine FOR '$PERSON' OCCURRED '2025-03-01' SOURCE 'xm-amr' REF '$REF1' DATA {\"amount_wan\": 2, \"note\": \"$NOTE\"};"
expect "writers' events all there" "^60$" SH "$U" --format csv -c \
  "SELECT count(*) FROM events WHERE subject = 'writer' INCLUDE HIDDEN;"

echo "== --purge-interval erases the records past retention"
for _ in $(seq 1 50); do
  grep -q "event=purge erased=[1-9]" "$T/server.log" && break
  sleep 0.2
done
expect "the server purged (log)" "event=purge erased=2" cat "$T/server.log"
expect "tombstones of cause retention" "retention,.*purge,retention" \
  SH "$U" --format csv -c "SHOW ERASURES;"
expect "vacuum is refused while the server runs" "is open in process $SPID" \
  SH vacuum "$STORE"

echo "== with the server stopped: vacuum, backup, export, restore"
kill -TERM "$SPID"
wait "$SPID"
check "credo vacuum" SH vacuum "$STORE"
check "the store checks clean" SH check "$STORE"
check "a backup after the vacuum" SH backup "$STORE" "$T/bk_after"
check "credo export --history" sh -c \
  "'$BIN/credo' export '$STORE' --history >'$T/export.jsonl'"
expect "the export still has the load" "6000|60[0-9][0-9]" \
  sh -c "grep -c '\"kind\":\"version\"' '$T/export.jsonl'"
check "restore the backup that was in progress, applying the erasures" \
  SH restore "$T/bk_during" "$T/restored" --erasures-from "$STORE"
check "vacuum the restored store" SH vacuum "$T/restored"
expect "the restored store lacks the person" "^0$" SH "$T/restored" \
  --format csv -c "SELECT count(*) FROM subjects WHERE id = '$PERSON';"
expect "the restored store keeps the writers' records it had" "^[0-9]+$" \
  SH "$T/restored" --format csv -c \
  "SELECT count(*) FROM events WHERE subject = 'writer' INCLUDE HIDDEN;"

echo "== every file produced, searched for the person"
# bk_during/data.mdb is a snapshot that may predate the erasure (that is
# why it is restored with --erasures-from above): it is the one file left
# out, and its restored, vacuumed copy is searched instead.
FILES=$(find "$T" -type f ! -path "$T/bk_during/data.mdb" | sort)
NF=0
for f in $FILES; do
  NF=$((NF + 1))
  for s in "${SECRETS[@]}"; do
    if grep -aqF -- "$s" "$f"; then fail "$s found in ${f#$T/}"; fi
  done
done
if [ "$NF" -ge 12 ]; then ok "$NF files searched (store, backups, export, restored store, logs, outputs)"; else
  fail "only $NF files"; fi
expect "the searched files include the vacuumed store, backup and export" \
  "bk_after/data.mdb" sh -c "echo '$FILES' | sed 's|$T/||'"
[ -e "$STORE/vacuum.tmp" ] && fail "vacuum left vacuum.tmp"

echo "erase.sh: $CHECKS checks, $FAILS failed"
[ "$FAILS" = 0 ]
