#!/usr/bin/env bash
# json_partial.sh -- a statement that fails part-way through its rows never
# leaves output that looks like a complete answer (issue 14, item 9):
# --format json leaves its array open (no JSON parser accepts it), jsonl
# ends with an {"error": ...} line; the exit status is 1 either way. A
# statement that succeeds still gives a complete, valid document.
#
# Usage: BUILD=build bash tests/integration/json_partial.sh
set -u
. "$(dirname "$0")/lib/tap.sh" json
ORG=91350100M000100Y43
"$CREDO" s -c "CREATE TYPE t PUBLICITY 5 YEARS;
  CREATE SUBJECT '$ORG' KIND org NAME 'x';" >/dev/null 2>&1 || fail setup
for i in 1 2 3 4; do
  v=$i; [ $i = 3 ] && v=0   # the third row divides by zero
  "$CREDO" s -c "RECORD t FOR '$ORG' OCCURRED '2025-0$i-01' SOURCE 's'
    REF 'r$i' DATA {\"n\": $v};" >/dev/null 2>&1 || fail "record $i"
done
Q="SELECT ref, 10 / data.n AS q FROM events WHERE subject = '$ORG'"

"$CREDO" s --format json -c "$Q;" >out.txt 2>err.txt && fail "json: exit 0"
grep -q '"r2"' out.txt || fail "json: the rows before the failure are not there"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' out.txt 2>/dev/null &&
  fail "json: partial rows parse as a complete document"
ok "json: a failure part-way leaves output no JSON parser accepts"

"$CREDO" s --format jsonl -c "$Q;" >out.txt 2>err.txt && fail "jsonl: exit 0"
tail -1 out.txt | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert "division by zero" in d["error"]' ||
  fail "jsonl: no error object at the end"
ok "jsonl: a failure part-way ends with an {\"error\": ...} line"

"$CREDO" s --format json -c "$Q AND ref <> 'r3';" >out.txt 2>err.txt || fail "json ok: exit"
python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))) == 3' out.txt ||
  fail "json: a complete answer is not a valid document"
ok "a statement that succeeds gives a complete document"
echo "json_partial.sh: $n ok"
