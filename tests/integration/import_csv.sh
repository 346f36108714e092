#!/usr/bin/env bash
# import_csv.sh -- the CSV reader of `credo import` (issue 14, items 5, 6):
#  - a bare quote inside an unquoted field is a literal quote, and the next
#    record stays a record of its own;
#  - a stray quote at a field's start rejects that one line, naming it, and
#    the records after it load;
#  - quoted commas and quoted newlines still work;
#  - the summary accounts for every input record;
#  - a rejected row registers nothing (an unknown type does not create the
#    row's subject).
#
# Usage: BUILD=build bash tests/integration/import_csv.sh
set -u
. "$(dirname "$0")/lib/tap.sh" csv
ORG=91350100M000100Y43
ORG2=914403001922038216

echo '{"kind":"type","name":"penalty_general","publicity":"3 YEARS","repairable_after":"1 YEAR"}' > types.jsonl
"$CREDO" import s types.jsonl >out.txt 2>err.txt || fail "types"

{
  echo 'subject,type,occurred,source,ref,subject_kind,item'
  echo "$ORG,penalty_general,2025-01-02,xm,R1,org,15\" monitor"
  echo "$ORG,penalty_general,2025-01-03,xm,R2,org,plain"
  echo "$ORG,penalty_general,2025-01-04,xm,R3,org,\"quoted, with comma\""
  echo "$ORG,penalty_general,2025-01-05,xm,R4,org,\"stray quote"
  echo "$ORG,penalty_general,2025-01-06,xm,R5,org,after"
  echo "$ORG,penalty_general,2025-01-07,xm,R6,org,\"multi"
  echo "line\""
  echo "$ORG,penalty_general,2025-01-08,xm,R7,org,last"
} > a.csv
"$CREDO" import s a.csv >out.txt 2>err.txt
[ $? -eq 3 ] || fail "import a.csv should finish with rejects (3)"
cat out.txt err.txt | grep -q "a.csv: 7 records: 6 new, 0 duplicate, 1 rejected" ||
  fail "summary does not account for the 7 records"
"$CREDO" export s > all.jsonl 2>/dev/null || fail "export"
grep -qF '"ref":"R1","data":{"item":"15\" monitor"}' all.jsonl ||
  fail "a bare quote is not a literal quote"
grep -qF '"ref":"R2","data":{"item":"plain"}' all.jsonl || fail "R2 was swallowed"
ok "a bare quote in an unquoted field is literal; the next record stays whole"
grep -qF '"ref":"R3","data":{"item":"quoted, with comma"}' all.jsonl &&
  grep -qF '"ref":"R6","data":{"item":"multi\nline"}' all.jsonl ||
  fail "quoted comma / newline"
ok "quoted commas and quoted newlines"
[ "$(cut -f1 a.csv.rejects)" = 5 ] && grep -q "line 5" a.csv.rejects ||
  fail "the stray quote's line is not the one reject"
grep -qF '"ref":"R5","data":{"item":"after"}' all.jsonl &&
  grep -qF '"ref":"R7","data":{"item":"last"}' all.jsonl ||
  fail "records after a stray quote were lost"
ok "a stray quote rejects its own line only, naming it"

printf 'subject,type,occurred,source,ref,subject_kind\n%s,no_such_type,2025-01-02,xm,Q1,org\n' "$ORG2" > b.csv
"$CREDO" import s b.csv >out.txt 2>err.txt
[ $? -eq 3 ] || fail "unknown type should be a reject"
grep -q 'no_such_type' b.csv.rejects || fail "no reason"
"$CREDO" export s | grep -q "\"id\":\"$ORG2\"" && fail "a rejected row created its subject"
ok "a rejected row registers nothing (no subject for an unknown type)"

# a GBK file (government exports come so): refused up front with the
# encoding to give, then loaded with --encoding GBK (item 7)
printf 'subject,type,occurred,source,ref,authority\n%s,penalty_general,2025-02-14,xm,G1,厦门市市场监督管理局\n' "$ORG" |
  iconv -f UTF-8 -t GBK > g.csv
"$CREDO" import s g.csv >out.txt 2>err.txt && fail "a GBK file was imported as UTF-8"
grep -q "g.csv is not UTF-8 (byte [0-9]*); it looks like GBK; run again with --encoding GBK" err.txt ||
  fail "no encoding advice"
"$CREDO" import s g.csv --encoding GBK >out.txt 2>err.txt || fail "--encoding GBK"
"$CREDO" export s | grep -qF '"ref":"G1","data":{"authority":"厦门市市场监督管理局"}' ||
  fail "GBK text not converted"
iconv -f UTF-8 -t UTF-16 < a.csv > w.csv
"$CREDO" import s w.csv >out.txt 2>err.txt && fail "a UTF-16 file was imported"
grep -q "looks like UTF-16" err.txt || fail "UTF-16 not named"
ok "a file that is not UTF-8 is refused up front naming its likely encoding; --encoding converts (iconv)"

# a government export as it comes: Chinese headers mapped, constant columns
printf '统一社会信用代码,行政处罚决定书文号,处罚决定日期,处罚机关\n%s,厦市监罚〔2025〕12号,2025-02-14,厦门市市场监督管理局\n' "$ORG2" > gov.csv
"$CREDO" import s gov.csv --map 'subject=统一社会信用代码,ref=行政处罚决定书文号,occurred=处罚决定日期' \
  --set type=penalty_general --set source=xm-market --set subject_kind=org >out.txt 2>err.txt ||
  fail "--map / --set import"
"$CREDO" export s | grep -qF '"ref":"厦市监罚〔2025〕12号","data":{"处罚机关":"厦门市市场监督管理局"}' ||
  fail "mapped columns not stored as fields, or the rest not in data"
"$CREDO" import s gov.csv --set nosuch=1 >out.txt 2>err.txt
[ $? -eq 2 ] || fail "--set of an unknown field is not a usage error"
"$CREDO" import s gov.csv >out.txt 2>err.txt && fail "unmapped headers accepted"
grep -q 'no column "subject" (name one with --map subject=HEADER' err.txt || fail "no --map advice"
ok "--map names event fields by the file's own headers; --set gives constant fields"

printf 'subject,type,occurred,source,ref,subject_kind\n%s,penalty_general,2025/03/01,xm,D1,org\n%s,penalty_general,2025年2月14日,xm,D2,org\n' "$ORG" "$ORG" > d.csv
"$CREDO" import s d.csv >out.txt 2>err.txt || fail "dates of government exports"
"$CREDO" export s > all.jsonl 2>/dev/null
grep -qF '"occurred":"2025-03-01T00:00:00+00:00","public_from":"2025-03-01T00:00:00+00:00","public_until":"2028-03-01T00:00:00+00:00","source":"xm","ref":"D1"' all.jsonl &&
  grep -qF '"occurred":"2025-02-14T00:00:00+00:00","public_from":"2025-02-14T00:00:00+00:00","public_until":"2028-02-14T00:00:00+00:00","source":"xm","ref":"D2"' all.jsonl ||
  fail "2025/03/01 or 2025年2月14日 not read as dates"
ok "CSV dates 2025/03/01 and 2025年2月14日 are read"
echo "import_csv.sh: $n ok"
