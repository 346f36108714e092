#!/usr/bin/env bash
# ops.sh -- operations through the real `credo` binary: gen, import (twice,
# with bad lines, JSON Lines and CSV, killed mid-way and run again),
# export round trips (current state and history), backup / verify /
# restore / check, a backup taken while another process imports, and
# LMDB's own mdb_stat on a snapshot.
#
# Usage: BUILD=build bash tests/integration/ops.sh   (binaries in $BUILD/bin)
# Prints "ok N - what" per step; exits 1 at the first failure.
set -u
. "$(dirname "$0")/lib/tap.sh" ops
fail() { echo "not ok - $*"; echo "--- in $T:"; ls -la; exit 1; }
# expect CODE CMD...: runs CMD, output to out.txt / err.txt, checks status
expect() {
  local want=$1; shift
  "$@" >out.txt 2>err.txt
  local got=$?
  [ "$got" -eq "$want" ] || { cat out.txt err.txt; fail "'$*' exited $got, expected $want"; }
}
has() { grep -qF -- "$1" "${2:-out.txt}" || { cat out.txt err.txt; fail "no '$1' in ${2:-out.txt}"; }; }

# ------------------------------------------------------------- gen, import
expect 0 "$CREDO" gen --subjects 400 --seed 42
mv out.txt gen.jsonl
expect 0 "$CREDO" gen --subjects 400 --seed 42
cmp -s out.txt gen.jsonl || fail "gen is not deterministic for a seed"
types=$(grep -c '"kind":"type"' gen.jsonl)
subjects=$(grep -c '"kind":"subject"' gen.jsonl)
events=$(grep -c '"kind":"event"' gen.jsonl)
total=$((types + subjects + events))
[ "$types" -eq 9 ] && [ "$subjects" -eq 400 ] && [ "$events" -ge 400 ] ||
  fail "gen wrote $types types, $subjects subjects, $events events"
ok "gen: $types types, $subjects subjects, $events events, deterministic"

expect 0 "$CREDO" import s1 gen.jsonl
has "$total records: $total new, 0 duplicate, 0 rejected"
has "new: 9 types, 400 subjects, $events events"
[ ! -e gen.jsonl.rejects ] || fail "a rejects file without rejects"
expect 0 "$CREDO" check s1
has "check: s1: clean: $events events"
ok "import: $total new records, store checks clean"

expect 0 "$CREDO" import s1 gen.jsonl
has "nothing new: all $total records were already in the store"
ok "import again adds nothing and says so"

expect 0 "$CREDO" import s0 - < gen.jsonl
has "$total records: $total new"
"$CREDO" export s0 2>/dev/null | head -c 2000 | tail -c 200 > /dev/null
ok "import reads standard input (-)"

# ------------------------------------------------------------ bad lines
ref=$(grep -m1 '"kind":"event"' gen.jsonl | sed 's/.*"ref":"\([^"]*\)".*/\1/')
src=$(grep -m1 '"kind":"event"' gen.jsonl | sed 's/.*"source":"\([^"]*\)".*/\1/')
subj=$(grep -m1 '"kind":"event"' gen.jsonl | sed 's/.*"subject":"\([^"]*\)".*/\1/')
cat > bad.jsonl <<EOF
{"kind":"subject","id":"91350100M000100Y43","subject_kind":"org","name":"新公司"}
{"kind":"subject","id":"91350100M000100Y4Z","subject_kind":"org","name":"坏号"}
{"kind":"event","subject":"91350100M000100Y43","type":"penalty_general","occurred":"2025-03-01","source":"xm-test","ref":"T-1","data":{"amount_wan":1}}
{"kind":"event","subject":"91350100M000100Y43","type":"no_such_type","occurred":"2025-03-01","source":"xm-test","ref":"T-2"}
{"kind":"event","subject":"91350100M000100Y43","type":"penalty_general","occurred":"2025-03-01",
{"kind":"event","subject":"$subj","type":"penalty_general","occurred":"2025-03-02","source":"$src","ref":"$ref","data":{"changed":true}}

{"kind":"subject","id":"11010519491231002X","subject_kind":"person","name":"张三"}
{"kind":"event","subject":"11010519491231002X","type":"penalty_minor","occurred":"2025-04-01","source":"xm-test","ref":"T-3"}
{"kind":"event","subject":"11010519491231002Y","type":"penalty_minor","occurred":"2025-04-01","source":"xm-test","ref":"T-4"}
{"kind":"event","subject":"11010519491231002X","type":"penalty_minor","occured":"2025-04-01","source":"xm-test","ref":"T-5"}
{"kind":"event","subject":"11010519491231002X","type":"penalty_minor","occurred":"2025-02-30","source":"xm-test","ref":"T-6"}
EOF
expect 3 "$CREDO" import s1 bad.jsonl
has "11 records: 4 new, 0 duplicate, 7 rejected"
[ "$(cut -f1 bad.jsonl.rejects | tr '\n' ' ')" = "2 4 5 6 10 11 12 " ] ||
  { cat bad.jsonl.rejects; fail "rejected lines are not exactly 2 4 5 6 10 11 12"; }
grep -q $'^2\tinvalid org id .*check' bad.jsonl.rejects || fail "reason for a bad USCC"
grep -q $'^4\tunknown type "no_such_type"' bad.jsonl.rejects || fail "reason for an unknown type"
grep -q $'^5\tbroken JSON' bad.jsonl.rejects || fail "reason for broken JSON"
grep -q $'^6\t.*already event .* different' bad.jsonl.rejects || fail "reason for a conflict"
grep -q $'^10\tunknown subject' bad.jsonl.rejects || fail "reason for an unknown subject"
grep -q $'^11\tunknown field "occured"' bad.jsonl.rejects || fail "reason for a misspelt field"
grep -q $'^12\t.*not a date' bad.jsonl.rejects || fail "reason for a bad date"
# the third column is the original line, byte for byte
[ "$(grep $'^5\t' bad.jsonl.rejects | cut -f3-)" = "$(sed -n 5p bad.jsonl)" ] ||
  fail "rejects file does not hold the original text"
expect 3 "$CREDO" import s1 bad.jsonl
has "11 records: 0 new, 4 duplicate, 7 rejected"
ok "bad lines: good ones imported, exactly the 7 bad ones rejected with reasons"

cat > bad.csv <<'EOF'
subject,type,occurred,source,ref,amount_wan,authority,subject_kind,subject_name
914403001922038216,penalty_general,2025-05-01,xm-csv,C-1,12.5,"厦门市市场监督管理局, 湖里分局",org,深圳某公司
914403001922038216,penalty_minor,2025-05-02,xm-csv,C-2,007,"multi
line",org,深圳某公司
914403001922038217,penalty_minor,2025-05-03,xm-csv,C-3,1,x,org,坏号
914403001922038216,nope,2025-05-04,xm-csv,C-4,1,x,org,深圳某公司
914403001922038216,penalty_minor,2025-05-05,xm-csv,C-5,1
EOF
expect 3 "$CREDO" import s1 bad.csv
has "5 records: 2 new, 0 duplicate, 3 rejected"
[ "$(cut -f1 bad.csv.rejects | grep -E '^[0-9]+$' | tr '\n' ' ')" = "5 6 7 " ] ||
  { cat bad.csv.rejects; fail "CSV rejects are not lines 5 6 7"; }
"$CREDO" export s1 2>/dev/null | grep -F '"ref":"C-2"' | grep -qF '"amount_wan":"007","authority":"multi\nline"' ||
  fail "CSV columns did not land in data as written"
"$CREDO" export s1 2>/dev/null | grep -F '"ref":"C-1"' | grep -qF '"amount_wan":12.5' ||
  fail "CSV numbers are not JSON numbers"
ok "CSV: header mapping, quoting, numbers, subjects registered, 3 bad rows rejected"

# ---------------------------- history: corrections, repairs, retractions
# through the shell's CQL, so the history dump below has every kind of
# version. The court's list (失信被执行人) has no minimum: a listing still
# public is repairable now (licences are positive records: never repaired).
"$CREDO" export s1 --history > h0.jsonl 2>/dev/null
idof() { grep -F "$1" h0.jsonl | sed -n "${2}s/.*\"event_id\":\([0-9]*\).*/\1/p"; }
fix=$(idof '"type":"penalty_general"' 1)
lic=$("$CREDO" s1 --format csv -c "SELECT id FROM events
  WHERE type = 'court_dishonest' ORDER BY id LIMIT 1;" | sed -n 2p)
gone=$(idof '"type":"penalty_minor"' 2)
expect 0 "$CREDO" s1 -c "CORRECT EVENT $fix SET data = '{\"amount_wan\": 5}' REASON '异议处理';
  REPAIR EVENT $lic REASON '信用修复'; RETRACT EVENT $gone REASON '录入错误';"
"$CREDO" export s1 --history 2>/dev/null | grep -c '"version":2' > n.txt
[ "$(cat n.txt)" -eq 3 ] || fail "expected 3 second versions, found $(cat n.txt)"
ok "CQL corrected, repaired and retracted events $fix, $lic, $gone"

# ------------------------------------------------- kill -9, run again
expect 0 "$CREDO" gen --subjects 300 --seed 9
mv out.txt big.jsonl
big=$(wc -l < big.jsonl)
expect 0 "$CREDO" import clean big.jsonl --batch 100
mkfifo feed
"$CREDO" import killed feed --batch 100 >kill-out.txt 2>&1 &
pid=$!
disown "$pid" # no "Killed" notice from the shell
exec 3>feed
head -n 2550 big.jsonl >&3   # 25 whole batches and half of the 26th
stored=0
for _ in $(seq 600); do        # wait (up to a minute) for 25 commits
  stored=$("$CREDO" export killed 2>/dev/null | wc -l)
  [ "$stored" -ge 2500 ] && break
  sleep 0.1
done
kill -9 "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
exec 3>&-
[ "$stored" -eq 2500 ] || fail "expected 25 whole batches (2500 records) stored, found $stored"
"$CREDO" export killed 2>/dev/null | wc -l > n.txt
[ "$(cat n.txt)" -eq 2500 ] || fail "a killed import left a partial batch: $(cat n.txt) records"
expect 0 "$CREDO" import killed big.jsonl --batch 100
has "$big records: $((big - 2500)) new, 2500 duplicate, 0 rejected"
"$CREDO" export clean > clean.jsonl 2>/dev/null
"$CREDO" export killed > killed.jsonl 2>/dev/null
cmp -s clean.jsonl killed.jsonl || fail "killed + rerun differs from one clean run"
expect 0 "$CREDO" check killed
ok "kill -9 mid-import leaves whole batches (2500 of $big); rerun equals a clean run"

# ------------------------------------------------------ export round trips
"$CREDO" export s1 > e1.jsonl 2>/dev/null || fail "export s1"
expect 0 "$CREDO" import s2 e1.jsonl
"$CREDO" export s2 > e2.jsonl 2>/dev/null
cmp -s e1.jsonl e2.jsonl || fail "export -> import -> export differs"
ok "export then import into a new store round-trips ($(wc -l < e1.jsonl) lines)"

"$CREDO" export s1 --history > h1.jsonl 2>/dev/null || fail "export --history"
grep -q '"recorded":' h1.jsonl || fail "history without transaction times"
expect 0 "$CREDO" import s3 h1.jsonl --restore
has "rejected" # summary printed
has " 0 rejected"
"$CREDO" export s3 --history > h3.jsonl 2>/dev/null
cmp -s h1.jsonl h3.jsonl || fail "history dump -> restore -> dump differs"
"$CREDO" export s3 > e3.jsonl 2>/dev/null
cmp -s e1.jsonl e3.jsonl || fail "restored store's current state differs"
expect 0 "$CREDO" import s3 h1.jsonl --restore
has "nothing new"
expect 3 "$CREDO" import s4 gen.jsonl --restore
has "rejected"
ok "export --history then import --restore keeps ids and transaction times"

# --------------------------------------------- backup, verify, restore
expect 0 "$CREDO" backup s1 b1
has "backup: b1: "
[ -f b1/MANIFEST.json ] && [ -f b1/data.mdb ] || fail "backup files"
expect 0 "$CREDO" verify b1
has "verify: b1: OK"
expect 0 mdb_stat -a b1
has "Status of events"
has "Status of subj_events"
expect 0 "$CREDO" verify b1        # LMDB's lock file does not disturb it
expect 0 "$CREDO" restore b1 r1
has "restore: r1: "
expect 0 "$CREDO" check r1
"$CREDO" export r1 > r1.jsonl 2>/dev/null
cmp -s e1.jsonl r1.jsonl || fail "restored store exports differently"
mkdir busy && touch busy/keep
expect 1 "$CREDO" restore b1 busy
has "not an empty directory" err.txt
[ -e busy/keep ] || fail "restore touched a non-empty target"
expect 1 "$CREDO" backup s1 b1
ok "backup, verify, mdb_stat, restore, check; refusals"

cp -r b1 b2
size=$(stat -c %s b2/data.mdb)
printf '\x5a' | dd of=b2/data.mdb bs=1 seek=$((size / 2 + 3)) conv=notrunc status=none
expect 1 "$CREDO" verify b2
has "data.mdb: XXH3-128"
has "manifest says"
expect 1 "$CREDO" restore b2 r2
[ ! -e r2 ] || fail "a damaged backup was restored"
cp -r b1 b3 && truncate -s $((size / 2)) b3/data.mdb
expect 1 "$CREDO" verify b3
has "data.mdb: size $((size / 2)) bytes, manifest says $size"
ok "verify names data.mdb for a flipped byte and a truncation"

# ----------------------------------------- backup while another imports
"$CREDO" import live big.jsonl --batch 50 >live-out.txt 2>&1 &
pid=$!
for _ in $(seq 600); do
  [ "$("$CREDO" export live 2>/dev/null | wc -l)" -gt 0 ] && break
  sleep 0.1
done
expect 0 "$CREDO" backup live b4
wait "$pid" || fail "the concurrent import failed"
expect 0 "$CREDO" verify b4
expect 0 "$CREDO" restore b4 r4
expect 0 "$CREDO" check r4
expect 0 "$CREDO" check live
ok "backup of a store being written by another process verifies and restores"

echo "ops.sh: all $n steps passed"
