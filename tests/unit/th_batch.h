/*
 * th_batch.h -- what the batch-path suites (test_proj_batch*.c) share:
 * one query answered by the row path and by the batch path with 1 to n
 * workers, compared as text (row order included). Linked into every test
 * binary (tests/unit/th_*.c); reaches into the engine's internal switches
 * (eng_batch_enabled, eng_batch_threads), so it is for tests only.
 *
 * Does not: check that the batch path answered (each suite counts
 * eng_batch_answered itself, as its queries may decline on purpose).
 */
#ifndef CREDO_TH_BATCH_H
#define CREDO_TH_BATCH_H

#include <stdint.h>

#include "credo.h"

/* The engine's internal switches and counter (engine/exec_batch*.c). */
extern int eng_batch_enabled;
extern int eng_batch_threads;
extern _Atomic unsigned long eng_batch_answered;

/* Answers sql with the batch path off, then on with 1..max_workers
 * workers (forced); fails the test naming `seed` (the run's
 * CREDO_TEST_SEED), the statement and both answers when one differs.
 * Leaves both switches at their defaults. */
void th_batch_compare(credo *db, const char *sql, int max_workers,
                      uint64_t seed);

#endif /* CREDO_TH_BATCH_H */
