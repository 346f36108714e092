#!/usr/bin/env bash
# upgrade.sh -- a store of format 2 (tests/data/store-v2, written by the
# build before value checksums): refused with a message naming
# `credo upgrade`; `credo upgrade` keeps the old one as STORE.v1 and the
# result holds exactly what the old build exported, checks clean, and a
# second upgrade has nothing to do.
#
# Usage: BUILD=build bash tests/integration/upgrade.sh
set -u
DATA=$(cd "$(dirname "$0")/../data/store-v2" && pwd)
. "$(dirname "$0")/lib/tap.sh" upgrade

mkdir old && xz -dc "$DATA/data.mdb.xz" > old/data.mdb
xz -dc "$DATA/history.jsonl.xz" > want.jsonl

"$CREDO" export old --history >out.txt 2>err.txt && fail "format 1 opened"
grep -q "has format 2, whose values carry no checksums" err.txt &&
  grep -q "credo upgrade $T/old\|credo upgrade old" err.txt ||
  fail "no upgrade advice"
ok "a format-2 store is refused, naming credo upgrade"

cp -r old keep
"$CREDO" upgrade old >out.txt 2>err.txt || fail "upgrade failed"
grep -q "format 2 -> 3" out.txt || fail "upgrade said nothing"
[ -d old.v2 ] && cmp -s old.v2/data.mdb keep/data.mdb || fail "old store not kept"
[ ! -e old.upgrade ] || fail "old.upgrade left behind"
ok "credo upgrade: format 2 -> 3, old store kept as old.v2"

"$CREDO" export old --history >got.jsonl 2>err.txt || fail "export after upgrade"
cmp -s got.jsonl want.jsonl || { diff want.jsonl got.jsonl | head; fail "history differs"; }
ok "the upgraded store exports the old build's history byte for byte"

"$CREDO" check old >out.txt 2>err.txt || fail "check after upgrade"
grep -q "clean: 296 events" out.txt || fail "check counts"
ok "the upgraded store checks clean"

"$CREDO" upgrade old >out.txt 2>err.txt || fail "second upgrade"
grep -q "already format 3" out.txt || fail "second upgrade did something"
mkdir third third.v2 && cp keep/data.mdb third/
"$CREDO" upgrade third >out.txt 2>err.txt && fail "upgrade over an existing third.v2"
grep -q "exists already" err.txt && cmp -s third/data.mdb keep/data.mdb &&
  [ ! -e third.upgrade ] || fail "refused upgrade changed the store"
ok "a second upgrade has nothing to do; an upgrade that would overwrite refuses and changes nothing"
echo "upgrade.sh: $n ok"
