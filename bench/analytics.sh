#!/usr/bin/env bash
# bench/analytics.sh -- the report set of issue 16 on credo, DuckDB and
# SQLite, in one run, on the same `credo gen --seed 1` data, every answer
# cross-checked row by row, and the table of times and ratios.
#
#   BUILD=build ANALYTICS_EVENTS=300000 bash bench/analytics.sh
#
# Steps: generate EVENTS events on EVENTS/10 subjects; import into a credo
# store; T0 = the last recorded instant; then history after T0 (a batch
# REPAIR of serious penalties decided 2024-01-01..2025-06-01 and one
# CORRECT); `credo export --history` is loaded into SQLite (sqlite3 CLI:
# tables `versions` = every version, `events` = the latest non-retracted
# version of each event, data kept as JSON text read with json_extract,
# indexes on subject and type as an application would have them) and,
# through CSV, into DuckDB (@duckdb/node-api, npm, installed under
# BUILD/node when missing; its own file format, typed columns,
# amount_wan DECIMAL(18,2)). Each system then runs every query once
# untimed (warm) and ANALYTICS_RUNS (5) timed; the minimum is reported.
# credo runs through bench_analytics (public C API, one process);
# DuckDB through one node process; SQLite through one sqlite3 CLI process
# (`.timer on`, real time, 1 ms resolution).
#
# Answers: each system's rows are written as CSV, numbers normalized to 4
# decimals (SQLite sums doubles, credo and DuckDB exact decimals), and
# compared line by line; any difference stops the bench with a diff.
#
# Output: ANALYTICS_DIR (BUILD/bench-analytics)/analytics.md, the table;
# with ANALYTICS_DOCS=1 also spliced into docs/performance.md between the
# markers <!-- analytics:begin EVENTS --> and <!-- analytics:end EVENTS -->
# of its scale (EVENTS = ANALYTICS_EVENTS).
# ANALYTICS_KEEP=1 keeps the generated data and stores (and reuses them).
set -u

BUILD=${BUILD:-build}
N=${ANALYTICS_EVENTS:-300000}
RUNS=${ANALYTICS_RUNS:-5}
DIR=${ANALYTICS_DIR:-$BUILD/bench-analytics}
CREDO=$BUILD/bin/credo
DRIVER=$BUILD/bin/bench_analytics
HERE=$(cd "$(dirname "$0")" && pwd)

die() {
  echo "analytics.sh: FAILED: $*" >&2
  exit 1
}
say() { echo "analytics.sh: $*" >&2; }

command -v sqlite3 >/dev/null || die "sqlite3 (CLI) is needed"
command -v node >/dev/null || die "node is needed for DuckDB"
make -s "$CREDO" "$DRIVER" BUILD="$BUILD" || die "build failed"
if [ ! -d "$BUILD/node/node_modules/@duckdb/node-api" ]; then
  say "installing @duckdb/node-api under $BUILD/node"
  npm install --silent --prefix "$BUILD/node" @duckdb/node-api >/dev/null ||
    die "npm install @duckdb/node-api failed"
fi
export NODE_PATH=$BUILD/node/node_modules

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
STORE=$DIR/store-$N
SQL=$DIR/sqlite-$N.db
DUCK=$DIR/duck-$N.db
OUT=$DIR/out
rm -rf "$OUT"
mkdir -p "$OUT/credo" "$OUT/duckdb" "$OUT/sqlite"

# ------------------------------------------------------------- the data
if [ "${ANALYTICS_KEEP:-0}" != 1 ] || [ ! -f "$DIR/meta-$N" ]; then
  rm -rf "$STORE" "$SQL" "$DUCK" "$DUCK.wal"
  say "generating $N events"
  "$CREDO" gen --seed 1 --subjects $((N / 10)) --events "$N" \
    >"$DIR/gen.jsonl" 2>/dev/null || die "credo gen failed"
  t0=$(date +%s.%N)
  "$CREDO" import "$STORE" "$DIR/gen.jsonl" >/dev/null 2>&1 ||
    die "credo import failed"
  say "imported into credo in $(echo "$(date +%s.%N) - $t0" | bc) s"
  sleep 1
  T0=$("$CREDO" "$STORE" --format csv -c \
    "SELECT max(recorded) FROM events INCLUDE HIDDEN" | tail -1)
  sleep 1
  "$CREDO" "$STORE" -c "
    REPAIR EVENTS WHERE type = 'penalty_serious' AND occurred >= '2024-01-01'
      AND occurred < '2025-06-01' REASON 'bench repair';
    CORRECT EVENT 7 SET data.amount_wan = 12.34 REASON 'bench correction';
  " >/dev/null 2>"$DIR/err" || die "history failed: $(cat "$DIR/err")"
  "$CREDO" export "$STORE" --history >"$DIR/hist.jsonl" 2>/dev/null ||
    die "credo export failed"
  say "loading SQLite"
  {
    echo "CREATE TABLE raw(j TEXT);"
    echo "BEGIN;"
    grep '"kind":"version"' "$DIR/hist.jsonl" |
      sed "s/'/''/g; s/^/INSERT INTO raw VALUES('/; s/\$/');/"
    echo "COMMIT;"
    cat <<'EOF'
CREATE TABLE versions AS SELECT
  json_extract(j, '$.event_id') AS id, json_extract(j, '$.version') AS version,
  json_extract(j, '$.recorded') AS recorded, json_extract(j, '$.op') AS op,
  json_extract(j, '$.retracted') AS retracted,
  json_extract(j, '$.subject') AS subject, json_extract(j, '$.type') AS type,
  json_extract(j, '$.occurred') AS occurred,
  json_extract(j, '$.public_from') AS public_from,
  replace(json_extract(j, '$.public_until'), 'open', '9999') AS public_until,
  json_extract(j, '$.source') AS source, json_extract(j, '$.ref') AS ref,
  json(json_extract(j, '$.data')) AS data FROM raw;
DROP TABLE raw;
CREATE INDEX versions_id ON versions(id, version);
CREATE TABLE events AS SELECT * FROM versions v WHERE retracted = 0 AND
  version = (SELECT max(version) FROM versions w WHERE w.id = v.id);
CREATE INDEX events_subject ON events(subject);
CREATE INDEX events_type ON events(type);
ANALYZE;
VACUUM;
EOF
  } | sqlite3 "$SQL" || die "loading SQLite failed"
  say "loading DuckDB"
  for t in versions events; do
    sqlite3 -csv -header "$SQL" "SELECT id, version,
      replace(substr(recorded, 1, instr(recorded, '+') - 1), 'T', ' ') recorded, op, retracted,
      subject, type, replace(substr(occurred, 1, 19), 'T', ' ') occurred,
      replace(substr(public_from, 1, 19), 'T', ' ') public_from,
      CASE WHEN public_until = '9999' THEN '9999-12-31 00:00:00' ELSE
      replace(substr(public_until, 1, 19), 'T', ' ') END public_until,
      source, ref, json_extract(data, '\$.amount_wan') amount_wan,
      json_extract(data, '\$.authority') authority FROM $t" >"$DIR/$t.csv" ||
      die "CSV for DuckDB failed"
  done
  rm -f "$DUCK" "$DUCK.wal"
  node "$HERE/analytics_duckdb.js" "$DUCK" load "$DIR" ||
    die "loading DuckDB failed"
  echo "T0=$T0" >"$DIR/meta-$N"
fi
. "$DIR/meta-$N"
NOW=$(date -u +%Y-%m-%dT%H:%M:%S+00:00)
NOWD=$(date -u '+%Y-%m-%d %H:%M:%S')
T0D=$(echo "$T0" | sed 's/+.*//' | tr T ' ')
D=2025-06-30
DT="${D}T00:00:00+00:00"

# --------------------------------------------------------- the queries
# q NAME CQL SQLITE DUCKDB: one query of the report set in each dialect.
q() {
  printf -- '-- %s\n%s\n' "$1" "$2" >>"$DIR/q.cql"
  printf -- '-- %s\n%s;\n' "$1" "$3" >>"$DIR/q.sqlite"
  printf -- '-- %s\n%s\n' "$1" "$4" >>"$DIR/q.duck"
}
rm -f "$DIR/q.cql" "$DIR/q.sqlite" "$DIR/q.duck"
AMT="json_extract(data, '\$.amount_wan')"
AUTH="json_extract(data, '\$.authority')"
PEN="type LIKE 'penalty%'"
Y25S="occurred >= '2025-01-01' AND occurred < '2026-01-01'"
Y25D="occurred >= TIMESTAMP '2025-01-01' AND occurred < TIMESTAMP '2026-01-01'"
PUBS="public_from <= '$NOW' AND public_until > '$NOW'"
PUBD="public_from <= TIMESTAMP '$NOWD' AND public_until > TIMESTAMP '$NOWD'"
Q1="SELECT source, count(*) n, sum(data.amount_wan) s FROM events
 WHERE $PEN AND $Y25S GROUP BY source ORDER BY source"
S1="SELECT source, count(*), sum($AMT) FROM events WHERE $PEN AND $Y25S
 GROUP BY 1 ORDER BY 1"
D1="SELECT source, count(*), sum(amount_wan) FROM events WHERE $PEN AND $Y25D
 GROUP BY 1 ORDER BY 1"
q q1_penalties_2025 "$Q1 INCLUDE HIDDEN" "$S1" "$D1"
TOP="GROUP BY subject ORDER BY n DESC, subject LIMIT 10"
q q2a_top10_all "SELECT subject, count(*) n FROM events $TOP INCLUDE HIDDEN" \
  "SELECT subject, count(*) n FROM events $TOP" \
  "SELECT subject, count(*) n FROM events $TOP"
q q2b_top10_public "SELECT subject, count(*) n FROM events $TOP" \
  "SELECT subject, count(*) n FROM events WHERE $PUBS $TOP" \
  "SELECT subject, count(*) n FROM events WHERE $PUBD $TOP"
q q3a_types_public "SELECT type, count(*) FROM events GROUP BY type
 ORDER BY type" \
  "SELECT type, count(*) FROM events WHERE $PUBS GROUP BY 1 ORDER BY 1" \
  "SELECT type, count(*) FROM events WHERE $PUBD GROUP BY 1 ORDER BY 1"
q q3b_types_hidden "SELECT type, count(*) FROM events GROUP BY type
 ORDER BY type INCLUDE HIDDEN" \
  "SELECT type, count(*) FROM events GROUP BY 1 ORDER BY 1" \
  "SELECT type, count(*) FROM events GROUP BY 1 ORDER BY 1"
q q4_fines_by_authority "SELECT data.authority a, count(*) n,
 sum(data.amount_wan) s FROM events WHERE $PEN GROUP BY a ORDER BY a
 INCLUDE HIDDEN" \
  "SELECT $AUTH a, count(*), sum($AMT) FROM events WHERE $PEN GROUP BY 1
 ORDER BY 1" \
  "SELECT authority, count(*), sum(amount_wan) FROM events WHERE $PEN
 GROUP BY 1 ORDER BY 1"
q q5_monthly_by_source "SELECT source, to_char(date_trunc('month',
 occurred), 'YYYY-MM') m, count(*) FROM events WHERE $PEN AND
 occurred >= '2021-01-01' AND occurred < '2026-01-01' GROUP BY source, m
 ORDER BY source, m INCLUDE HIDDEN" \
  "SELECT source, substr(occurred, 1, 7) m, count(*) FROM events WHERE $PEN
 AND occurred >= '2021-01-01' AND occurred < '2026-01-01' GROUP BY 1, 2
 ORDER BY 1, 2" \
  "SELECT source, strftime(date_trunc('month', occurred), '%Y-%m') m,
 count(*) FROM events WHERE $PEN AND occurred >= TIMESTAMP '2021-01-01'
 AND occurred < TIMESTAMP '2026-01-01' GROUP BY 1, 2 ORDER BY 1, 2"
q q6_districts "SELECT substr(subject, 3, 6) d, count(DISTINCT subject)
 FROM events WHERE $PEN GROUP BY d ORDER BY d INCLUDE HIDDEN" \
  "SELECT substr(subject, 3, 6) d, count(DISTINCT subject) FROM events
 WHERE $PEN GROUP BY 1 ORDER BY 1" \
  "SELECT substr(subject, 3, 6) d, count(DISTINCT subject) FROM events
 WHERE $PEN GROUP BY 1 ORDER BY 1"
q q7a_visible_at "$Q1 VISIBLE AT '$D'" \
  "SELECT source, count(*), sum($AMT) FROM events WHERE $PEN AND $Y25S
 AND public_from <= '$DT' AND public_until > '$DT' GROUP BY 1 ORDER BY 1" \
  "SELECT source, count(*), sum(amount_wan) FROM events WHERE $PEN AND $Y25D
 AND public_from <= TIMESTAMP '$D' AND public_until > TIMESTAMP '$D'
 GROUP BY 1 ORDER BY 1"
q q7b_as_of "$Q1 AS OF '$T0'" \
  "WITH v AS (SELECT * FROM versions x WHERE recorded <= '$T0' AND
 version = (SELECT max(version) FROM versions y WHERE y.id = x.id AND
 y.recorded <= '$T0')) SELECT source, count(*), sum($AMT) FROM v
 WHERE retracted = 0 AND $PEN AND $Y25S AND public_from <= '$T0' AND
 public_until > '$T0' GROUP BY 1 ORDER BY 1" \
  "WITH v AS (SELECT * FROM versions WHERE recorded <= TIMESTAMP '$T0D'
 QUALIFY row_number() OVER (PARTITION BY id ORDER BY version DESC) = 1)
 SELECT source, count(*), sum(amount_wan) FROM v WHERE retracted = 0 AND
 $PEN AND $Y25D AND public_from <= TIMESTAMP '$T0D' AND
 public_until > TIMESTAMP '$T0D' GROUP BY 1 ORDER BY 1"

# ------------------------------------------------------------- the runs
say "credo"
# a read-write open brings a kept store's projection to this build's layout
# (rebuilt when it differs), before and outside the timed runs
"$CREDO" "$STORE" -c "SELECT count(*) FROM types" >/dev/null 2>"$DIR/err" ||
  die "opening the credo store failed: $(cat "$DIR/err")"
"$DRIVER" "$STORE" "$DIR/q.cql" "$OUT/credo" "$RUNS" >"$OUT/credo.txt" ||
  die "credo queries failed"
say "DuckDB"
node "$HERE/analytics_duckdb.js" "$DUCK" query "$DIR/q.duck" \
  "$OUT/duckdb" "$RUNS" >"$OUT/duckdb.txt" || die "DuckDB queries failed"
say "SQLite"
# one CLI process: per query the warm run writes the rows, then RUNS timed
# runs to /dev/null; `.timer` lines come on stdout.
awk -v out="$OUT/sqlite" -v runs="$RUNS" '
  function flush() { if (name == "") return
    printf ".timer off\n.output %s/%s.csv\n%s\n.output /dev/null\n.timer on\n",
      out, name, sql
    for (i = 0; i < runs; i++) print sql
    printf ".timer off\n.output stdout\n.print @@end %s\n", name }
  /^-- / { flush(); name = $2; sql = ""; next }
  { sql = sql $0 "\n" }
  END { flush() }' "$DIR/q.sqlite" >"$DIR/q.sqlite.run"
{
  echo ".mode csv"
  echo ".headers off"
  cat "$DIR/q.sqlite.run"
} | sqlite3 "$SQL" >"$OUT/sqlite.raw" 2>"$OUT/sqlite.err" ||
  die "SQLite queries failed: $(cat "$OUT/sqlite.err")"
awk '/^Run Time:/ { t[++n] = $4 * 1000 }
  /^@@end/ { for (i = 2; i <= n; i++) for (j = i; j > 1 && t[j - 1] > t[j]; j--) {
      x = t[j]; t[j] = t[j - 1]; t[j - 1] = x }
    cmd = "wc -l < \"" dir "/" $2 ".csv\""; cmd | getline r
    close(cmd); printf "%s %.2f %.2f %d\n", $2, t[1], t[int(n / 2) + 1], r
    delete t; n = 0 }' dir="$OUT/sqlite" "$OUT/sqlite.raw" >"$OUT/sqlite.txt"

# ------------------------------------------------------------ the check
# numbers to DIGITS decimals, quotes around plain fields dropped. credo
# and DuckDB sum exactly: compared to 4 decimals (the data's amounts have
# 2, so any real difference shows). SQLite sums doubles, which drift by
# ~1e-6 at 1M events (6648473.389997 for the exact 6648473.39) and by
# ~1e-4 at 10M (66381385.9801 for 66381385.98); an exact sum of 2-decimal
# amounts has at most 2 decimals and the drift is far below half a cent,
# so SQLite's answer is compared rounded to 2.
norm() { # DIGITS
  tr -d '\r' | sed -E 's/(^|,)"([^",]*)"(,|$)/\1\2\3/g; s/(^|,)"([^",]*)"(,|$)/\1\2\3/g' |
    awk -F, -v d="$1" 'BEGIN { OFS = ","; fmt = "%." d "f" } {
      for (i = 1; i <= NF; i++)
        if ($i ~ /^-?[0-9]+(\.[0-9]+)?$/ && length($i) < 20)
          $i = sprintf(fmt, $i)
      print }'
}
for f in "$OUT"/credo/*.csv; do
  name=$(basename "$f" .csv)
  [ -s "$f" ] || die "$name: credo's answer is empty"
  for peer in duckdb sqlite; do
    digits=4
    [ "$peer" = sqlite ] && digits=2
    norm $digits <"$f" >"$OUT/a"
    norm $digits <"$OUT/$peer/$name.csv" >"$OUT/b"
    cmp -s "$OUT/a" "$OUT/b" || {
      diff "$OUT/a" "$OUT/b" | head -20 >&2
      die "$name: credo and $peer differ (< credo, > $peer)"
    }
  done
done
say "answers agree row by row ($(ls "$OUT"/credo/*.csv | wc -l) queries)"

# ----------------------------------------------------------- the report
bytes_credo=$(du -b "$STORE/data.mdb" | cut -f1)
bytes_sqlite=$(du -b "$SQL" | cut -f1)
bytes_duck=$(du -b "$DUCK" | cut -f1)
{
  echo "Reproduce: \`BUILD=build ANALYTICS_EVENTS=$N bash bench/analytics.sh\`"
  echo "(commit $(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo ?),"
  echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores)"
  echo "($(date -u +%Y-%m-%d), $N events, $((N / 10)) subjects, minimum of"
  echo "$RUNS warm runs each, all systems in the same run; answers"
  echo "cross-checked row by row). Store files: credo $bytes_credo B"
  echo "($((bytes_credo / N)) B/event), SQLite $bytes_sqlite B ($((bytes_sqlite / N))"
  echo "B/event), DuckDB $bytes_duck B ($((bytes_duck / N)) B/event)."
  echo
  echo "| query | rows | credo ms | DuckDB ms | SQLite ms | credo / DuckDB (target <= 2) | SQLite / credo (target >= 3) |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  join <(sort "$OUT/credo.txt") <(sort "$OUT/duckdb.txt") |
    join - <(sort "$OUT/sqlite.txt") | sort |
    awk '{ printf "| %s | %d | %.1f | %.1f | %.1f | %.1fx | %.2fx |\n",
      $1, $4, $2, $5, $8, $2 / ($5 > 0.01 ? $5 : 0.01), $8 / $2 }'
} >"$DIR/analytics.md"
cat "$DIR/analytics.md"
if [ "${ANALYTICS_DOCS:-0}" = 1 ]; then
  DOC=$HERE/../docs/performance.md
  grep -q "<!-- analytics:begin $N -->" "$DOC" ||
    die "docs/performance.md has no <!-- analytics:begin $N --> marker"
  awk -v f="$DIR/analytics.md" -v b="<!-- analytics:begin $N -->" \
    -v e="<!-- analytics:end $N -->" '
    $0 == b { print; while ((getline l < f) > 0) print l
      skip = 1; next }
    $0 == e { skip = 0 }
    !skip' "$DOC" >"$DOC.tmp" && mv "$DOC.tmp" "$DOC"
fi
if [ "${ANALYTICS_KEEP:-0}" != 1 ]; then
  rm -rf "$STORE" "$SQL" "$DUCK" "$DIR"/*.csv "$DIR/gen.jsonl" \
    "$DIR/hist.jsonl" "$DIR/meta-$N"
fi
