#!/usr/bin/env bash
# The realistic half of `make demo`: generates ~100k subjects / ~1M events
# (valid Xiamen USCCs and resident ids, Order 36 types), imports them with
# the progress bar, then asks the questions a credit platform asks, on the
# busiest company: its public record now, a repair and the register AS OF
# before and after it, a correction and its history, penalties per source
# this year, publicity ending in the next 30 days.
# Usage: scripts/demo-big.sh BUILD_DIR [SUBJECTS EVENTS]
set -euo pipefail
build=${1:-build}
subjects=${2:-100000}
events=${3:-1000000}
credo=$build/bin/credo
store=$build/demo-big
data=$build/demo-big.jsonl

rm -rf "$store" "$data" "$data.rejects"
echo "== generating $subjects subjects and $events events (credo gen --seed 1)"
"$credo" gen --subjects "$subjects" --events "$events" --seed 1 > "$data"
"$credo" "$store" -c "SET STORE TIME ZONE '+08:00';"
echo "== importing $(wc -l < "$data") lines (credo import)"
"$credo" import "$store" "$data" --tz +08:00

q() { echo; echo "== $1"; shift; "$credo" "$store" --tz +08:00 "$@"; }
busiest=$("$credo" "$store" --format csv -c \
  "SELECT subject, count(*) AS n FROM events WHERE subject_kind = 'org'
   GROUP BY subject ORDER BY n DESC LIMIT 1;" | sed -n 2p | cut -d, -f1)

q "store statistics" -c "SHOW STATS;"
q "the busiest company, $busiest: what is public now" -c "
  SELECT id, type, occurred, public_until, source, ref, data.amount_wan AS wan
  FROM events WHERE subject = '$busiest' ORDER BY occurred;"
q "how that look-up is planned" -c "
  EXPLAIN SELECT * FROM events WHERE subject = '$busiest';"
before=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
q "credit repair of its repairable public penalties (one row per event)" -c "
  REPAIR EVENTS WHERE subject = '$busiest' AND type IN ('penalty_general',
  'penalty_serious', 'commitment_breach') AND public_until > NOW
  REASON '信用修复: 已完成整改';"
q "what the register showed just before the repair ($before) vs now" -c "
  SELECT count(*) AS public_before FROM events WHERE subject = '$busiest'
  AS OF '$before';
  SELECT count(*) AS public_now FROM events WHERE subject = '$busiest';"
q "a correction (异议处理) and the event's history" -c "
  CORRECT EVENT 1 SET data.amount_wan = 0.5 REASON '异议处理: 金额更正';
  HISTORY OF EVENT 1;"
q "penalties per source decided in 2025 (the generated data runs 2021-2025)" -c "
  SELECT source, count(*) AS penalties, sum(data.amount_wan) AS total_wan
  FROM events WHERE type LIKE 'penalty%' AND occurred >= '2025-01-01'
  AND occurred < '2026-01-01' INCLUDE HIDDEN
  GROUP BY source ORDER BY penalties DESC;"
q "publicity ending in the next 30 days" -c "
  SELECT type, count(*) AS ending FROM events
  WHERE public_until BETWEEN NOW AND NOW + 30 DAYS GROUP BY type
  ORDER BY ending DESC;
  EXPLAIN SELECT id FROM events WHERE public_until BETWEEN NOW AND NOW + 30 DAYS;"
