#!/usr/bin/env bash
# bench_ops.sh -- operations figures for docs/performance.md ("## Operations"):
#   import   `credo import` of a `credo gen` file beside the C API writing
#            the same records (bench_ops), both in batches of 1000;
#   backup   `credo backup` and credo_backup beside `cp` (and `cp` + `sync`,
#            since a backup fsyncs its copy) of the same data.mdb (page
#            cache warm for all: the file was just written);
#   verify, check, export: their wall time on the same store.
#
# Usage: BUILD=build bash bench/bench_ops.sh [SUBJECTS]   (default 20000)
# Needs $BUILD/bin/credo and $BUILD/bin/bench_ops
#   (make BUILD=build build/bin/credo build/bin/bench_ops).
set -eu
BUILD=${BUILD:-build}
N=${1:-20000}
BIN=$(cd "$BUILD/bin" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/credo-bench-ops-XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
export CREDO_PROGRESS=never
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
rate() { echo "scale=0; $1 / $2" | bc; }

"$BIN/credo" gen --subjects "$N" --seed 1 > data.jsonl
lines=$(wc -l < data.jsonl)
events=$(grep -c '"kind":"event"' data.jsonl)
echo "data: credo gen --subjects $N --seed 1: $lines records, $events events, $(du -m data.jsonl | cut -f1) MB"

s=$(secs "$BIN/credo" import imported data.jsonl)
echo "credo import: $lines records in ${s} s: $(rate "$lines" "$s") records/s, $(rate "$events" "$s") events/s"
sync
"$BIN/bench_ops" data.jsonl api api-backup

sync # the stores just written are flushed before timing file copies
size=$(du -m imported/data.mdb | cut -f1)
s=$(secs cp imported/data.mdb copy.mdb)
echo "cp data.mdb: $size MB in ${s} s: $(rate "$size" "$s") MB/s (page cache, no fsync)"
rm -f copy.mdb
s=$(secs sh -c 'cp imported/data.mdb copy.mdb && sync copy.mdb')
echo "cp + sync data.mdb: $size MB in ${s} s: $(rate "$size" "$s") MB/s"
s=$(secs "$BIN/credo" backup imported backup)
bsize=$(du -m backup/data.mdb | cut -f1)
echo "credo backup: $size MB store -> $bsize MB snapshot in ${s} s: $(rate "$size" "$s") MB/s of store"
s=$(secs "$BIN/credo" verify backup)
echo "credo verify: ${s} s"
s=$(secs "$BIN/credo" check imported)
echo "credo check: ${s} s"
s=$(secs "$BIN/credo" export imported)
echo "credo export: ${s} s: $(rate "$lines" "$s") lines/s"
s=$(secs "$BIN/credo" export imported --history)
echo "credo export --history: ${s} s"
"$BIN/credo" export imported --history > hist.jsonl 2>/dev/null
s=$(secs "$BIN/credo" import --restore restored hist.jsonl)
echo "credo import --restore: ${s} s: $(rate "$lines" "$s") records/s"
