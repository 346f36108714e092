#!/usr/bin/env bash
# fullfs.sh -- creating a store on a full file system is a clear error,
# never SIGBUS, and leaves no half-made directory (issue 14, item 4). Needs
# a small tmpfs: run as root (or where `mount -t tmpfs` is allowed);
# elsewhere it says so and skips.
#
# Usage: BUILD=build bash tests/integration/fullfs.sh
set -u
BUILD=${BUILD:-build}
CREDO=$(cd "$(dirname "$BUILD/bin/credo")" && pwd)/credo
[ -x "$CREDO" ] || { echo "no $BUILD/bin/credo"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/credo-fullfs-XXXXXX")
M=$T/mnt
mkdir "$M"
if ! mount -t tmpfs -o size=64k tmpfs "$M" 2>/dev/null; then
  echo "ok 1 # skip: cannot mount a tmpfs here (not root)"
  rm -rf "$T"
  exit 0
fi
trap 'umount "$M"; rm -rf "$T"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { echo "not ok - $*"; cat "$T/out.txt" "$T/err.txt" 2>/dev/null; exit 1; }

dd if=/dev/zero of="$M/fill" bs=4k count=1000 2>/dev/null # fills it
"$CREDO" "$M/store" -c 'SHOW STATS;' >"$T/out.txt" 2>"$T/err.txt"
rc=$?
[ $rc -eq 1 ] || fail "exit status $rc on a full file system (135 = SIGBUS)"
grep -q "disk full" "$T/err.txt" || fail "no 'disk full' in the message"
[ ! -e "$M/store" ] || fail "a half-made store directory was left"
ok "a store on a full file system: 'disk full', exit 1, nothing left behind"

rm -f "$M/fill"
"$CREDO" "$M/store" -c 'SHOW STATS;' >"$T/out.txt" 2>"$T/err.txt" ||
  fail "with room again the store is not created"
ok "with room again the same command creates the store"

# an import that fills the disk says so (LMDB's short write was "input/output error")
CREDO_PROGRESS=never "$CREDO" gen --subjects 1000 --seed 3 >"$T/gen.jsonl" 2>/dev/null
CREDO_PROGRESS=never "$CREDO" import "$M/store" "$T/gen.jsonl" >"$T/out.txt" 2>"$T/err.txt" &&
  fail "an import larger than the disk succeeded"
grep -q "disk full" "$T/err.txt" || fail "the import did not say disk full"
grep -q "input/output error" "$T/err.txt" && fail "the import said input/output error"
"$CREDO" check "$M/store" >"$T/out.txt" 2>"$T/err.txt" || fail "the store is not clean after"
ok "an import that fills the disk says 'disk full'; what it stored checks clean"

# restore from a backup, and import --restore of a history dump, onto the
# full file system say so too (the copy's short write was "input/output
# error"); the backup restore leaves no half-made store
CREDO_PROGRESS=never "$CREDO" import "$T/big" "$T/gen.jsonl" >/dev/null 2>&1 ||
  fail "the source store"
"$CREDO" backup "$T/big" "$T/bk" >"$T/out.txt" 2>"$T/err.txt" || fail "backup"
"$CREDO" restore "$T/bk" "$M/restored" >"$T/out.txt" 2>"$T/err.txt" &&
  fail "a restore larger than the disk succeeded"
grep -q "disk full" "$T/err.txt" || fail "the restore did not say disk full"
grep -q "input/output error" "$T/err.txt" && fail "the restore said input/output error"
[ ! -e "$M/restored" ] || fail "the failed restore left $M/restored"
ok "a restore that fills the disk says 'disk full' and leaves nothing"
"$CREDO" export "$T/big" --history >"$T/hist.jsonl" 2>/dev/null || fail "export --history"
CREDO_PROGRESS=never "$CREDO" import --restore "$M/dump" "$T/hist.jsonl" \
  >"$T/out.txt" 2>"$T/err.txt" && fail "an import --restore larger than the disk succeeded"
grep -q "disk full" "$T/err.txt" || fail "import --restore did not say disk full"
grep -q "input/output error" "$T/err.txt" && fail "import --restore said input/output error"
ok "an import --restore that fills the disk says 'disk full'"
echo "fullfs.sh: $n ok"
