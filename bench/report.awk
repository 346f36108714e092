# bench/report.awk -- the tables of docs/performance.md's bench section
# from bench_scale's CSV (bench/run.sh calls it; POSIX awk, mawk works).
#
#   awk -F, -v status=STATUS_FILE -v scales="1M 10M" -f bench/report.awk CSV
#
# CSV columns: scale,events,peer,workload,unit,median,min,max,runs,
# p50_us,p99_us,rows,note. STATUS_FILE lines: scale|peer|status|reason
# (status ok, failed, skipped). Prints, per scale, one table with a column
# per system, each figure "median (min-max, n runs)" and, beside a peer's
# figure, how many times better credo's is ("x2.5": credo 2.5 times
# better; "x0.4": credo at 40%). A scale where a peer failed gets no
# table, only the refusal and the reason. Then the targets of issue 6.
# Does not: run anything or read files other than these two.

BEGIN {
  npeer = split("credo credo-server lmdb sqlite pg redis", PEERS, " ")
  NAME["credo"] = "credo"; NAME["credo-server"] = "credo-server"
  NAME["lmdb"] = "raw LMDB"; NAME["sqlite"] = "SQLite"
  NAME["pg"] = "PostgreSQL"; NAME["redis"] = "Redis"
  nw = split("ingest lookup_now lookup_now_cql lookup_now_text lookup_asof " \
             "lookup_visible asof_v1 asof_v100 asof_v10000 ending_30d " \
             "penalties_year repair backup size conc32_p1 conc32_p16 " \
             "conc32_p1_sized conc32_p16_sized build",
             WORK, " ")
  LABEL["ingest"] = "bulk ingest (durable, 1,000 per txn), events/s"
  LABEL["lookup_now"] = "subject look-up, public now (typed API; peers: prepared SQL), ops/s"
  LABEL["lookup_now_cql"] = "the same, prepared CQL (peers: prepared SQL), ops/s"
  LABEL["lookup_now_text"] = "the same, statement text parsed each time, ops/s"
  LABEL["lookup_asof"] = "the same AS OF a past instant, ops/s"
  LABEL["lookup_visible"] = "the same VISIBLE AT another instant, ops/s"
  LABEL["asof_v1"] = "as-of read of an event with 1 version, µs"
  LABEL["asof_v100"] = "as-of read, 100 versions, µs"
  LABEL["asof_v10000"] = "as-of read, 10,000 versions, µs"
  LABEL["ending_30d"] = "publicity ending in the next 30 days, whole store"
  LABEL["penalties_year"] = "penalties per source over one year (aggregate)"
  LABEL["repair"] = "batch repair (one durable txn; events in the next row)"
  LABEL["backup"] = "backup of the whole store"
  LABEL["size"] = "store size on disk per event"
  LABEL["conc32_p1"] = "32 connections, look-up per request, ops/s"
  LABEL["conc32_p16"] = "32 connections, pipelined 16, ops/s"
  LABEL["conc32_p1_sized"] = "the same, redis value as large as credo's response"
  LABEL["conc32_p16_sized"] = "pipelined 16, redis value as large as credo's response"
  LABEL["build"] = "(bulk build of the scale, not compared)"
  LAT["lookup_now"] = 1; LAT["lookup_now_cql"] = 1; LAT["lookup_asof"] = 1
  LAT["lookup_now_text"] = 1; LAT["lookup_visible"] = 1
  LAT["conc32_p1"] = 1; LAT["conc32_p16"] = 1
  LAT["conc32_p1_sized"] = 1; LAT["conc32_p16_sized"] = 1
  while ((getline line < status) > 0) {
    split(line, f, "|")
    if (f[3] == "failed") FAILED[f[1]] = FAILED[f[1]] f[2] " (" f[4] "); "
    if (f[3] == "skipped" && f[2] == "scale") SKIPPED[f[1]] = f[4]
  }
  nscale = split(scales, SCALES, " ")
}

$1 != "scale" && NF >= 12 {
  k = $1 SUBSEP $3 SUBSEP $4
  UNIT[k] = $5; MED[k] = $6; MIN[k] = $7; MAX[k] = $8; RUNS[k] = $9
  P50[k] = $10; P99[k] = $11; ROWS[k] = $12
  note = $13
  for (i = 14; i <= NF; i++) note = note "," $i
  NOTE[k] = note
  EVENTS[$1] = $2
  if ($5 == "skipped")
    NOTES[$1] = NOTES[$1] "- " NAME[$3] " " $4 " skipped: " note "\n"
}

function higher_better(u) { return u ~ /\/s$/ }

# v in the scale fmt() picks for `ref`, without the unit.
function num(v, u, ref,   t) {
  t = fmt(ref, u)
  if (t ~ /M$/) return sprintf("%.2fM", v / 1e6)
  if (t ~ /k$/) return sprintf(ref >= 1e4 ? "%.0fk" : "%.1fk", v / 1e3)
  if (t ~ / µs$/ && u == "s") return sprintf("%.0f", v * 1e6)
  if (t ~ / ms$/) return sprintf("%.1f", v * 1e3)
  if (t ~ / s$/) return sprintf("%.2f", v)
  if (u == "us") return sprintf("%.2f", v)
  if (u ~ /\/s$/) return sprintf("%.0f", v)
  return sprintf("%.4g", v)
}

function fmt(v, u) {
  if (u ~ /\/s$/) {
    if (v >= 1e6) return sprintf("%.2fM", v / 1e6)
    if (v >= 1e4) return sprintf("%.0fk", v / 1e3)
    if (v >= 1e3) return sprintf("%.1fk", v / 1e3)
    return sprintf("%.0f", v)
  }
  if (u == "s") {
    if (v < 1e-3) return sprintf("%.0f µs", v * 1e6)
    if (v < 1) return sprintf("%.1f ms", v * 1e3)
    return sprintf("%.2f s", v)
  }
  if (u == "us") return sprintf("%.2f µs", v)
  if (u == "B/ev") return sprintf("%.0f B", v)
  return sprintf("%.4g %s", v, u)
}

# The figure of peer p for workload w at scale s ("" when none). The
# prepared-CQL row compares with the peers' prepared look-up.
function key(s, p, w) {
  if (w == "lookup_now_cql" && p ~ /^(lmdb|sqlite|pg)$/ && !((s, p, w) in MED))
    w = "lookup_now"
  if (w ~ /_sized$/ && p == "credo-server")
    sub(/_sized$/, "", w)
  return s SUBSEP p SUBSEP w
}

function ref_peer(w) { return w ~ /^conc/ ? "credo-server" : "credo" }

function ratio(s, p, w,   k, r, a, b) {
  k = key(s, p, w); r = key(s, ref_peer(w), w)
  if (w == "build" || p == ref_peer(w) || !(r in MED) || UNIT[r] == "skipped") return ""
  a = MED[r] + 0; b = MED[k] + 0
  if (a <= 0 || b <= 0) return ""
  return sprintf(" · ×%.2f", higher_better(UNIT[k]) ? a / b : b / a)
}

function cell(s, p, w,   k) {
  k = key(s, p, w)
  if (!(k in MED)) return "—"
  if (UNIT[k] == "skipped") return "skipped"
  if (RUNS[k] == 1) return fmt(MED[k], UNIT[k]) " (1 run)" ratio(s, p, w)
  return fmt(MED[k], UNIT[k]) " (" num(MIN[k], UNIT[k], MED[k]) "–" \
         num(MAX[k], UNIT[k], MED[k]) ")" ratio(s, p, w)
}

function lat_cell(s, p, w,   k) {
  k = key(s, p, w)
  if (!(k in MED) || UNIT[k] == "skipped" || P50[k] + 0 <= 0) return "—"
  return sprintf("%.1f / %.0f", P50[k], P99[k])
}

function table(s,   i, j, w, line, any) {
  line = "| workload |"
  for (j = 1; j <= npeer; j++) line = line " " NAME[PEERS[j]] " |"
  print line
  line = "|---|"
  for (j = 1; j <= npeer; j++) line = line "---|"
  print line
  for (i = 1; i <= nw; i++) {
    w = WORK[i]; any = 0
    for (j = 1; j <= npeer; j++) if ((s, PEERS[j], w) in MED) any = 1
    if (!any) continue
    line = "| " LABEL[w] " |"
    for (j = 1; j <= npeer; j++) line = line " " cell(s, PEERS[j], w) " |"
    print line
    if (w == "repair") {
      line = "| … events repaired per batch |"
      for (j = 1; j <= npeer; j++)
        line = line " " (((s, PEERS[j], w) in ROWS) ? ROWS[s, PEERS[j], w] : "—") " |"
      print line
    }
    if (!(w in LAT)) continue
    line = "| … p50 / p99 latency, µs |"
    for (j = 1; j <= npeer; j++) line = line " " lat_cell(s, PEERS[j], w) " |"
    print line
  }
}

function check_rows(s,   i, j, w, k, r, bad) {
  bad = ""
  for (i = 1; i <= nw; i++) {
    w = WORK[i]
    if (w ~ /^(ingest|build|size|backup|conc|repair)/) continue
    r = s SUBSEP "credo" SUBSEP w
    if (!(r in ROWS)) continue
    for (j = 1; j <= npeer; j++) {
      k = s SUBSEP PEERS[j] SUBSEP w
      if ((k in ROWS) && ROWS[k] != ROWS[r] && UNIT[k] != "skipped")
        bad = bad " " NAME[PEERS[j]] "/" w " " ROWS[k] " vs " ROWS[r] ";"
    }
  }
  if (bad == "")
    print "Cross-check: every peer returned the same rows as credo for " \
          "every look-up and query (row counts in the CSV)."
  else
    print "**Cross-check failed** (rows differ from credo's):" bad
}

function target(s, what, w, p, want, mode,   a, b, r, k) {
  k = key(s, p, w); r = key(s, ref_peer(w), w)
  if (!(k in MED) || !(r in MED) || UNIT[k] == "skipped" || UNIT[r] == "skipped") return
  a = MED[r] + 0; b = MED[k] + 0
  if (a <= 0 || b <= 0) return
  r = higher_better(UNIT[k]) ? a / b : b / a
  printf("| %s | %s | ×%.2f | %s |\n", what, s, r, r >= want ? "met" : "**missed**")
  NTARGETS++
}

function targets(   i, s, first, last, a, b) {
  print "| target | scale | measured | |"
  print "|---|---|---|---|"
  for (i = 1; i <= nscale; i++) {
    s = SCALES[i]
    if (s in FAILED || s in SKIPPED || !(s in EVENTS)) continue
    target(s, "ingest ≥ 2× SQLite", "ingest", "sqlite", 2)
    target(s, "ingest ≥ 3× PostgreSQL", "ingest", "pg", 3)
    target(s, "look-up ≥ 3× SQLite", "lookup_now", "sqlite", 3)
    target(s, "look-up ≥ 5× PostgreSQL", "lookup_now", "pg", 5)
    target(s, "look-up ≥ 0.7× raw LMDB", "lookup_now", "lmdb", 0.7)
    target(s, "server, 32 conns ≥ 1.5× PostgreSQL (pgbench)", "conc32_p1", "pg", 1.5)
    target(s, "server, 32 conns, pipelined ≥ 1.5× PostgreSQL", "conc32_p16", "pg", 1.5)
    target(s, "server, 32 conns ≥ 0.5× redis GET", "conc32_p1", "redis", 0.5)
    target(s, "server, 32 conns, pipelined ≥ 0.5× redis GET", "conc32_p16", "redis", 0.5)
    target(s, "(same, redis value as large as credo's response)", "conc32_p1_sized", "redis", 0.5)
    target(s, "(same pipelined, redis value as large as credo's response)", "conc32_p16_sized", "redis", 0.5)
    a = MED[s, "credo", "asof_v10000"]; b = MED[s, "credo", "asof_v1"]
    if (a > 0 && b > 0 && ++NTARGETS)
      printf("| as-of read flat: 10,000 versions ≤ 2× 1 version | %s | %.2f× | %s |\n",
             s, a / b, a / b <= 2 ? "met" : "**missed**")
    if (first == "") first = s
    last = s
  }
  if (first != "" && last != first) {
    a = P50[last, "credo", "lookup_now"]; b = P50[first, "credo", "lookup_now"]
    if (a > 0 && b > 0)
      printf("| look-up p50 at %s ≤ 1.5× at %s | %s | %.2f× | %s |\n", last,
             first, last, a / b, a / b <= 1.5 ? "met" : "**missed**")
  } else
    print "| look-up p50 at 50M ≤ 1.5× at 1M | — | needs two scales | not measured |"
  if (!NTARGETS)
    print "\nNo other target could be evaluated: no scale ran with every peer."
}

END {
  for (i = 1; i <= nscale; i++) {
    s = SCALES[i]
    print "### " s " events" (s in EVENTS ? " (" EVENTS[s] ")" : "")
    print ""
    if (s in SKIPPED) { print "Scale skipped: " SKIPPED[s]; print ""; continue }
    if (s in FAILED) {
      print "**No comparison at this scale: a peer failed** — " FAILED[s]
      print "The figures of the peers that ran are in the CSV; a table " \
            "without the failed peer would read as whole, so none is printed."
      print ""; continue
    }
    if (!(s in EVENTS)) { print "No figures (the run did not reach this scale)."; print ""; continue }
    table(s)
    print ""
    check_rows(s)
    if (s in NOTES) { print ""; printf("%s", NOTES[s]) }
    print ""
  }
  print "### Targets of issue 6"
  print ""
  targets()
}
