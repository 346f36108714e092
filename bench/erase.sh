#!/usr/bin/env bash
# erase.sh -- erasure, purge and vacuum on a generated store, beside the
# operations that read the whole store the same way (backup, export,
# check) as peers in the same run. Prints seconds and ratios.
#   BUILD=build EVENTS=200000 bash bench/erase.sh
# Not a test: nothing is asserted (docs/performance.md quotes a run).
set -eu
BUILD=${BUILD:-build}
EVENTS=${EVENTS:-200000}
C=$BUILD/bin/credo
T=$(mktemp -d "${TMPDIR:-/tmp}/credo-erase-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
export CREDO_PROGRESS=never
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc; }
"$C" gen --subjects $((EVENTS / 40)) --events "$EVENTS" --seed 3 >"$T/gen.jsonl" 2>/dev/null
"$C" import "$T/s" "$T/gen.jsonl" >/dev/null 2>&1
"$C" "$T/s" -c "CREATE TYPE kept_short PUBLICITY 1 YEAR RETAIN 1 YEAR;
CREATE SUBJECT 'bulk' KIND other;" >/dev/null
N=$((EVENTS / 10))
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "{\"kind\":\"event\",\"subject\":\"bulk\",\"type\":\"kept_short\",\"occurred\":\"2019-01-01\",\"source\":\"s\",\"ref\":\"r-%d\"}\n", i }' >"$T/ret.jsonl"
"$C" import "$T/s" "$T/ret.jsonl" >/dev/null 2>&1
SUBJ=$("$C" "$T/s" --format csv -c "SELECT subject, count(*) AS n FROM events GROUP BY subject ORDER BY n DESC LIMIT 1;" | sed -n 2p | cut -d, -f1)
NS=$("$C" "$T/s" --format csv -c "SELECT count(*) FROM events WHERE subject = '$SUBJ' INCLUDE HIDDEN;" | sed -n 2p)
SIZE=$(stat -c %s "$T/s/data.mdb")
E=$(secs "$C" "$T/s" -c "ERASE SUBJECT '$SUBJ' REASON 'bench';")
N0=$(secs "$C" "$T/s" -c "SELECT count(*) FROM types;")
P=$(secs "$C" purge "$T/s")
P0=$(secs "$C" purge "$T/s")
V=$(secs "$C" vacuum "$T/s")
B=$(secs "$C" backup "$T/s" "$T/bk")
X=$(secs sh -c "'$C' export '$T/s' --history >'$T/ex.jsonl'")
K=$(secs "$C" check "$T/s")
echo "store: $((EVENTS + N)) events, data.mdb $SIZE bytes"
echo "erase subject ($NS events), whole command: $E s (a trivial statement: $N0 s)"
echo "purge of $N due events (batches of 1000): $P s; purge with nothing due: $P0 s"
echo "vacuum: $V s; backup: $B s; export --history: $X s; check: $K s"
echo "ratios: vacuum/backup $(echo "scale=2; $V / $B" | bc), vacuum/export $(echo "scale=2; $V / $X" | bc), purge per 1000 events $(echo "scale=3; $P * 1000 / $N" | bc) s"
