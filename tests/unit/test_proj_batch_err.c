/*
 * test_proj_batch_err.c -- the batch path's error paths
 * (engine/exec_batch*.c) with several workers and AS OF: a column damaged
 * in a segment that one worker meets half-way through a threaded scan
 * makes the batch path decline before any output, and the row path
 * answers exactly (whatever the number of workers), and so does a
 * damaged `recorded` column met by the AS OF overlay; credo_interrupt
 * delivered while the AS OF overlay is being collected (on the scanning
 * thread, before any worker runs) ends the statement with
 * CREDO_CANCELLED and the next statement answers; a time limit that has
 * passed ends a batch query with CREDO_CANCELLED, nothing output.
 *
 * Reads the projection's layout (proj.h) to damage one column's blob
 * in place, as a disk would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "credo.h"
#include "proj.h" /* the segment value's header and column directory */
#include "stor.h"
#include "th_store.h"

/* engine/exec_batch*.c's internal switches and counter (tests) */
extern int eng_batch_enabled;
extern int eng_batch_threads;
extern _Atomic unsigned long eng_batch_answered;

enum { NSEGS = 5, NEVENTS = NSEGS * ENG_PROJ_SEG_ROWS - 500 };

/* NEVENTS events over NSEGS segments in one transaction (sources and
 * amounts vary by row), then corrections of every 7th event an hour
 * later: AS OF the instant between reads the older versions. */
static credo *make_store(const char *dir, th_clock *clk) {
  credo *db = NULL;
  char sql[512];
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  credo_set_clock(db, th_clock_fn, clk);
  th_ok(db, "CREATE TYPE pen PUBLICITY 1 YEAR;"
            "CREATE SUBJECT 's1' KIND other NAME 'n'");
  th_ok(db, "BEGIN");
  for (int i = 0; i < NEVENTS; i++) {
    clk->now += 1000000;
    snprintf(sql, sizeof sql,
             "RECORD pen FOR 's1' OCCURRED '2024-%02d-01' SOURCE 'src%d' "
             "REF 'r%d' DATA {\"amount_wan\": %d}",
             1 + i % 12, (i * 7919) % 13, i, i % 1000);
    th_ok(db, sql);
  }
  th_ok(db, "COMMIT");
  clk->now += 3600LL * 1000000;
  for (int id = 1; id <= NEVENTS; id += 7) {
    clk->now += 1000000;
    snprintf(sql, sizeof sql,
             "CORRECT EVENT %d SET data = {\"amount_wan\": 5} REASON 'fix'",
             id);
    th_ok(db, sql);
  }
  return db;
}

/* Flips a byte in the blob of column col of segment seg (the store
 * closed), as a damaged disk would; the column must have a blob. */
static void damage(const char *dir, uint64_t seg, int col) {
  stor_env *env = NULL;
  stor_txn *t = NULL;
  stor_key k;
  stor_val v;
  const unsigned char *d;
  uint32_t off;
  assert_int_equal(stor_open(dir, NULL, &env, NULL, 0), CREDO_OK);
  assert_int_equal(stor_txn_begin(env, 1, &t), CREDO_OK);
  stor_key_init(&k);
  k.buf[0] = ENG_PROJ_K_SEG;
  k.len = 1;
  stor_key_u64(&k, seg);
  assert_int_equal(stor_get(t, STOR_PROJ, stor_key_val(&k), &v), CREDO_OK);
  unsigned char *enc = malloc(v.len);
  assert_non_null(enc);
  memcpy(enc, v.data, v.len);
  d = enc + ENG_PROJ_HDR_LEN + (size_t)col * ENG_PROJ_DIR_LEN;
  assert_int_not_equal(d[ENG_PROJ_D_ENC], ENG_PROJ_ENC_CONST);
  memcpy(&off, d + ENG_PROJ_D_OFF, sizeof off);
  enc[off + 1] ^= 0x40;
  assert_int_equal(
      stor_put(t, STOR_PROJ, stor_key_val(&k), (stor_val){enc, v.len}),
      CREDO_OK);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
  stor_close(env);
  free(enc);
}

static const char *const Q_SOURCE =
    "SELECT source, count(*), sum(data.amount_wan) FROM events "
    "GROUP BY source ORDER BY source INCLUDE HIDDEN";

/* A damaged column in segment 3 (worker 1's second segment of 2, the
 * last worker's first of 4): every worker count declines, nothing is
 * output, and the rows answer; a query not reading that column still
 * takes the batch path. */
static void test_damage_mid_threaded(void **state) {
  (void)state;
  char *dir = th_tmpdir("projerrdmg");
  th_clock clk = {th_t("2025-01-01T08:00:00")};
  credo *db = make_store(dir, &clk);
  eng_batch_enabled = 0;
  char *want = th_answer(db, Q_SOURCE);
  eng_batch_enabled = 1;
  credo_close(db);
  damage(dir, 3, ENG_PROJ_COL_SOURCE);
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  for (int t = 1; t <= 4; t++) {
    unsigned long before = eng_batch_answered;
    eng_batch_threads = t;
    char *got = th_answer(db, Q_SOURCE);
    eng_batch_threads = 0;
    assert_string_equal(got, want);
    assert_int_equal(eng_batch_answered, before); /* declined */
    free(got);
  }
  unsigned long before = eng_batch_answered;
  eng_batch_threads = 2;
  char *got = th_answer(db, "SELECT count(*) FROM events INCLUDE HIDDEN");
  eng_batch_threads = 0;
  assert_int_equal(eng_batch_answered, before + 1);
  char n[32];
  snprintf(n, sizeof n, "%d\n", NEVENTS);
  assert_string_equal(got, n);
  free(got);
  free(want);
  credo_close(db);
  th_rmdir(dir);
}

/* AS OF: the overlay's collection (the scanning thread) decodes flags
 * and `recorded` of every segment with rows recorded after the instant;
 * a damaged `recorded` in segment 2 declines before any worker runs, and
 * the rows answer, with any number of workers. */
static void test_damage_asof(void **state) {
  (void)state;
  char *dir = th_tmpdir("projerrdmgasof");
  th_clock clk = {th_t("2025-01-01T08:00:00")};
  credo *db = make_store(dir, &clk);
  const char *q = "SELECT source, count(*), sum(data.amount_wan) FROM events "
                  "GROUP BY source ORDER BY source "
                  "AS OF '2025-01-01T10:00:00' INCLUDE HIDDEN";
  eng_batch_enabled = 0;
  char *want = th_answer(db, q);
  eng_batch_enabled = 1;
  credo_close(db);
  damage(dir, 2, ENG_PROJ_COL_RECORDED);
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  for (int t = 1; t <= 2; t++) {
    unsigned long before = eng_batch_answered;
    eng_batch_threads = t;
    char *got = th_answer(db, q);
    eng_batch_threads = 0;
    assert_string_equal(got, want);
    assert_int_equal(eng_batch_answered, before); /* declined */
    free(got);
  }
  free(want);
  credo_close(db);
  th_rmdir(dir);
}

/* A check handler that asks for an interrupt at its second call. */
static int calls;
static int interrupt_at_2(void *arg) {
  if (++calls == 2)
    credo_interrupt(arg);
  return 0;
}

/* The AS OF overlay is collected by the scanning thread, one check per
 * segment before any worker runs (the per-row checks come after): an
 * interrupt at the second check stops the collection at the third
 * segment; the statement says so, and the next one answers as the rows
 * do. */
static void test_interrupt_asof_collect(void **state) {
  (void)state;
  char *dir = th_tmpdir("projerrasof");
  th_clock clk = {th_t("2025-01-01T08:00:00")};
  credo *db = make_store(dir, &clk);
  const char *q = "SELECT source, count(*), sum(data.amount_wan) FROM events "
                  "GROUP BY source ORDER BY source "
                  "AS OF '2025-01-01T10:00:00' INCLUDE HIDDEN";
  eng_batch_enabled = 0;
  char *want = th_answer(db, q);
  eng_batch_enabled = 1;
  /* the overlay is used: the batch path answers the same */
  unsigned long before = eng_batch_answered;
  char *got = th_answer(db, q);
  assert_string_equal(got, want);
  assert_int_equal(eng_batch_answered, before + 1);
  free(got);
  assert_int_equal(credo_set_check_handler(db, 1, interrupt_at_2, db),
                   CREDO_OK);
  calls = 0;
  got = th_answer(db, q);
  char msg[64];
  snprintf(msg, sizeof msg, "error %d: statement interrupted", CREDO_CANCELLED);
  assert_string_equal(got, msg);
  assert_int_equal(calls, 2); /* stopped in the scan, before the rows */
  assert_int_equal(eng_batch_answered, before + 1);
  free(got);
  assert_int_equal(credo_set_check_handler(db, 0, NULL, NULL), CREDO_OK);
  got = th_answer(db, q);
  assert_string_equal(got, want);
  free(got);
  free(want);
  credo_close(db);
  th_rmdir(dir);
}

/* A time limit of 1 microsecond has passed by the 64th check (the clock
 * is read every 64): the batch query ends CREDO_CANCELLED, nothing
 * output; without it the same query answers. */
static void test_time_limit(void **state) {
  (void)state;
  char *dir = th_tmpdir("projerrtime");
  th_clock clk = {th_t("2025-01-01T08:00:00")};
  credo *db = make_store(dir, &clk);
  eng_batch_enabled = 0;
  char *want = th_answer(db, Q_SOURCE);
  eng_batch_enabled = 1;
  unsigned long before = eng_batch_answered;
  assert_int_equal(credo_set_timeout(db, 1), CREDO_OK);
  char *got = th_answer(db, Q_SOURCE);
  char msg[64];
  snprintf(msg, sizeof msg, "error %d: statement exceeded its time limit",
           CREDO_CANCELLED);
  /* the error, and no row before it */
  assert_int_equal(strncmp(got, msg, strlen(msg)), 0);
  assert_int_equal(eng_batch_answered, before);
  free(got);
  assert_int_equal(credo_set_timeout(db, 0), CREDO_OK);
  got = th_answer(db, Q_SOURCE);
  assert_string_equal(got, want);
  assert_int_equal(eng_batch_answered, before + 1);
  free(got);
  free(want);
  credo_close(db);
  th_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_damage_mid_threaded),
      cmocka_unit_test(test_damage_asof),
      cmocka_unit_test(test_interrupt_asof_collect),
      cmocka_unit_test(test_time_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
