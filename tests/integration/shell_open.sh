#!/usr/bin/env bash
# shell_open.sh -- how the shell opens its store (issue 14, item 14): it
# says when it created a new empty store (a mistyped path must not look
# like an empty store), --no-create refuses a directory without a store and
# creates nothing, --readonly reads and refuses writes; -f skips a UTF-8
# byte order mark (item 7).
#
# Usage: BUILD=build bash tests/integration/shell_open.sh
set -u
. "$(dirname "$0")/lib/tap.sh" shopen

"$CREDO" s -c 'SHOW STATS;' >out.txt 2>err.txt || fail "first open"
grep -q "created a new empty store in s" err.txt || fail "no notice of a new store"
"$CREDO" s -c 'SHOW STATS;' >out.txt 2>err.txt || fail "second open"
grep -q "created" err.txt && fail "notice on an existing store"
ok "the shell says when it created a new empty store, and only then"

"$CREDO" --no-create typo -c 'SHOW STATS;' >out.txt 2>err.txt && fail "--no-create opened"
[ ! -e typo ] || fail "--no-create created typo/"
grep -q "no store at typo" err.txt || fail "--no-create message"
ok "--no-create refuses a missing store and creates nothing"

"$CREDO" s -c "CREATE TYPE t1 PUBLICITY 1 YEAR;" >out.txt 2>err.txt || fail "create type"
"$CREDO" --readonly s -c "CREATE TYPE t2 PUBLICITY 1 YEAR;" >out.txt 2>err.txt &&
  fail "--readonly wrote"
grep -q "read-only" err.txt || fail "--readonly message"
"$CREDO" --readonly s -c "SHOW TYPES;" >out.txt 2>err.txt || fail "--readonly read"
grep -q t1 out.txt && ! grep -q t2 out.txt || fail "--readonly content"
"$CREDO" --readonly missing -c 'SHOW STATS;' >out.txt 2>err.txt && fail "--readonly created"
[ ! -e missing ] || fail "--readonly created missing/"
ok "--readonly reads, refuses writes, never creates"
printf '\357\273\277CREATE TYPE t3 PUBLICITY 1 YEAR;\n' > bom.cql
"$CREDO" s -f bom.cql >out.txt 2>err.txt || fail "a script with a UTF-8 BOM failed"
"$CREDO" s -c "SHOW TYPES;" >out.txt 2>err.txt && grep -q t3 out.txt || fail "BOM script"
ok "-f skips a UTF-8 byte order mark, as import does"
echo "shell_open.sh: $n ok"
