/*
 * th_batch.c -- the row path against the batch path for one query
 * (th_batch.h).
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "th_batch.h"
#include "th_store.h"

void th_batch_compare(credo *db, const char *sql, int max_workers,
                      uint64_t seed) {
  eng_batch_enabled = 0;
  char *rows = th_answer(db, sql);
  eng_batch_enabled = 1;
  for (int t = 1; t <= max_workers; t++) {
    eng_batch_threads = t;
    char *batch = th_answer(db, sql);
    eng_batch_threads = 0;
    if (strcmp(rows, batch) != 0)
      fail_msg("CREDO_TEST_SEED=%" PRIu64
               ": %s\n--- row path\n%s\n--- batch path, %d worker(s)\n%s",
               seed, sql, rows, t, batch);
    free(batch);
  }
  free(rows);
}
