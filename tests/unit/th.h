/*
 * th.h -- helpers shared by the unit tests: temporary store directories
 * and a settable clock. Linked into every test binary (tests/unit/th_*.c).
 */
#ifndef CREDO_TH_H
#define CREDO_TH_H

#include <stdint.h>

#include "credo.h"

/* Makes a fresh empty directory under $CREDO_TEST_TMP (or /tmp) and
 * returns its path (static buffer per call site is not used: malloc'ed,
 * free with th_rmdir). */
char *th_tmpdir(const char *tag);
/* Removes the directory tree and frees the path. Accepts NULL. */
void th_rmdir(char *path);

/* A clock the test sets: credo_set_clock(db, th_clock_fn, &clk). */
typedef struct th_clock {
  credo_time now;
} th_clock;
credo_time th_clock_fn(void *arg);

/* Parses a time literal or fails the test. UTC unless it has an offset. */
credo_time th_t(const char *iso);

/* Flips bit `bit` of the first byte of every occurrence of `pat` in the
 * data file of the store in `dir` (DIR/data.mdb), as damage would; the
 * number of occurrences, or -1 when the file cannot be read. */
int th_flip_store(const char *dir, const char *pat, int bit);

/* The seed of a suite's random cases: CREDO_TEST_SEED when set (a run
 * replays with it), else the time; never 0. Prints
 * "<suite>: seed N (CREDO_TEST_SEED=N replays)". Call once, in main. */
uint64_t th_seed(const char *suite);
/* splitmix64: the next number of the stream whose state is *s (any
 * state, 0 too). */
uint64_t th_rnd(uint64_t *s);

#endif
