#!/bin/sh
# checksum.sh -- the read overhead of value checksums (issue 14): the same
# look-up benchmark (bench/bench_lookup.c) built against the library before
# checksums and against this build, on stores of the same generated data,
# run alternately ROUNDS times so that both see the same machine load.
#
# Usage: [AFTER_SRC=DIR] [INSTR=1] bench/checksum.sh BEFORE_SRC [SUBJECTS] [ROUNDS]
#   BEFORE_SRC: a source tree of the build before checksums, built
#   (`make lib build/bin/credo` there; e.g. main before the checksums were
#   merged: `git archive a5b6579 | tar -x -C DIR`); AFTER_SRC: the build
#   with them (default: this tree; `git archive 2967f10` is the merge that
#   brought them, so that nothing else differs).
# Prints each round's two figures, then the median ratio after / before.
set -eu
BEFORE=$1
SUBJECTS=${2:-20000}
ROUNDS=${3:-11}
AFTER=${AFTER_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
BENCH_SRC=$(cd "$(dirname "$0")" && pwd)/bench_lookup.c
T=$(mktemp -d "${TMPDIR:-/tmp}/credo-sumbench-XXXXXX")
trap 'rm -rf "$T"' EXIT
LIBS="-llmdb -lxxhash -ljansson -lsodium -lutf8proc -lpthread -lm -lssl -lcrypto"
cc -O2 -I"$BEFORE/include" -o "$T/lookup_before" "$BENCH_SRC" \
  "$BEFORE/build/lib/libcredo.a" $LIBS
cc -O2 -I"$AFTER/include" -o "$T/lookup_after" "$BENCH_SRC" \
  "$AFTER/build/lib/libcredo.a" $LIBS
export CREDO_PROGRESS=never
"$AFTER/build/bin/credo" gen --subjects "$SUBJECTS" --seed 14 > "$T/data.jsonl" 2>/dev/null
"$BEFORE/build/bin/credo" import "$T/before" "$T/data.jsonl" >/dev/null 2>&1
"$AFTER/build/bin/credo" import "$T/after" "$T/data.jsonl" >/dev/null 2>&1
# Instructions per look-up (INSTR=1, needs valgrind): deterministic, so
# the machine's load does not enter; the difference of 4,000 and 2,000
# look-ups under callgrind cancels the start-up (opening, listing the
# subjects).
instr() { # PROGRAM STORE N: instructions of the whole run
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "$2" "$3" 1 \
    2>&1 >/dev/null | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
if [ "${INSTR:-0}" = 1 ]; then
  for w in before after; do
    lo=$(instr "$T/lookup_$w" "$T/$w" 2000)
    hi=$(instr "$T/lookup_$w" "$T/$w" 4000)
    echo "$w: $(( (hi - lo) / 2000 )) instructions per look-up" |
      tee -a "$T/instr"
  done
  awk '{v[NR] = $2} END {printf "after / before, instructions per look-up: %.3fx\n", v[2] / v[1]}' "$T/instr"
fi
# CPU time: the two programs alternate, and so does which runs first in a
# round (the second of a pair ran measurably slower: the same library
# against itself gave 1.05x with a fixed order).
i=0
while [ $i -lt "$ROUNDS" ]; do
  i=$((i + 1))
  if [ $((i % 2)) = 1 ]; then
    b=$("$T/lookup_before" "$T/before" 20000 5)
    a=$("$T/lookup_after" "$T/after" 20000 5)
  else
    a=$("$T/lookup_after" "$T/after" 20000 5)
    b=$("$T/lookup_before" "$T/before" 20000 5)
  fi
  echo "round $i: before $b | after $a"
  echo "${b%% *} ${a%% *}" >> "$T/pairs"
done
awk '{print $2 / $1}' "$T/pairs" | sort -n |
  awk '{r[NR] = $1} END {printf "after / before, ns per look-up: median %.3fx (min %.3fx, max %.3fx, %d rounds)\n", r[int((NR + 1) / 2)], r[1], r[NR], NR}'
