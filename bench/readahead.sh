#!/usr/bin/env bash
# readahead.sh -- what the OS's readahead costs credo's look-ups on a store
# larger than the memory it may cache (docs/performance.md, "Larger than
# RAM").
#
#   BUILD=build bash bench/readahead.sh [EVENTS] [LIMIT_MB]
#
# Builds a credo store of EVENTS (default 3M: about 1.8 GB) with
# bench_scale, then measures the subject look-up ("public now", typed API)
# inside a cgroup-v1 memory cgroup of LIMIT_MB (default 512), so the page
# cache can hold only part of the store, as a 30 GB store on a 24 GB
# machine: twice with the OS's readahead (BS_READAHEAD=1, LMDB's default),
# twice without (credo's default, MDB_NORDAHEAD), alternating, with the
# store's pages dropped from the page cache before each run. Prints
# look-ups/s, major page faults and MB read per look-up. Needs root (the
# cgroup); removes the store and the cgroup at the end.
set -eu
BUILD=${BUILD:-build}
EVENTS=${1:-3M}
LIMIT_MB=${2:-512}
LOOKUPS=${LOOKUPS:-5000}
BIN=$BUILD/bin/bench_scale
DIR=$(mktemp -d "${TMPDIR:-/tmp}/credo-ra.XXXXXX")
CG=/sys/fs/cgroup/memory/credo-readahead-$$

cleanup() {
  rmdir "$CG"-* 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT

[ -x "$BIN" ] || { echo "no $BIN (make $BIN)"; exit 1; }
[ -d /sys/fs/cgroup/memory ] || { echo "no cgroup-v1 memory controller"; exit 1; }

echo "building $EVENTS events (NOSYNC bulk path)..."
"$BIN" credo -n "$EVENTS" -o "$DIR/build.csv" -d "$DIR/credo" -m build >/dev/null 2>&1
STORE=$DIR/credo/store/data.mdb
echo "store: $(($(stat -c %s "$STORE") >> 20)) MB; cgroup limit: $LIMIT_MB MB; $LOOKUPS look-ups (+10% warm-up) per run"

# run K READAHEAD: one measurement in a fresh memory cgroup (its page-ins
# are the run's own), from a cold page cache
run() {
  local cg=$CG-$1 out
  mkdir "$cg"
  echo $((LIMIT_MB << 20)) >"$cg/memory.limit_in_bytes"
  dd if="$STORE" iflag=nocache count=0 status=none
  out=$(BS_ONLY=lookup_now BS_READAHEAD=$2 /usr/bin/time -f "majflt=%F" \
    sh -c "echo \$\$ >$cg/cgroup.procs && exec $BIN credo -n $EVENTS \
      -o $DIR/m.csv -d $DIR/credo -m measure -r 1 -l $LOOKUPS" 2>&1)
  echo "$out" | awk -v ra="$2" -v n="$LOOKUPS" \
    -v pgin="$(awk '$1 == "pgpgin" {print $2}' "$cg/memory.stat")" '
    $4 == "lookup_now" {ops = $5} /majflt=/ {split($0, a, "="); f = a[2]}
    END {printf "readahead=%s  %8.0f look-ups/s  %5.1f major faults, %7.1f KB paged in per look-up\n",
      ra, ops, f / (n * 1.1), pgin * 4 / (n * 1.1)}'
  echo 0 >"$cg/memory.force_empty" 2>/dev/null || true
  rmdir "$cg" 2>/dev/null || true
}

k=0
for round in 1 2; do
  for ra in 1 0; do
    k=$((k + 1))
    run "$k" "$ra"
  done
done
