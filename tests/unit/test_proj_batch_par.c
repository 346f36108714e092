/*
 * test_proj_batch_par.c -- the batch path on several workers
 * (engine/exec_batch_par.c, exec_batch_loop.c) answers exactly as one
 * worker and as the row path: over a store of several projection
 * segments (each worker gets some), with 1, 2, 3 and 4 workers forced
 * through the engine switch eng_batch_threads (so a one-core CI machine
 * runs the threaded path too), dictionaries looked up per id and read
 * whole; the row order of a query without ORDER
 * BY is the same whatever the number of workers (groups in first
 * appearance order); credo_interrupt stops a threaded query mid-way
 * (delivered from inside a worker's loop through the test hook) with
 * CREDO_CANCELLED, and the next statement runs; a check handler or a
 * time limit keeps the scan on the calling thread (served per row), and so
 * does the public role's masking of subjects (it reads the store); sums whose
 * halves could overflow where one pass would not make the workers decline, and
 * the rows answer the same. CREDO_TEST_SEED replays a run.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "credo.h"
#include "th_batch.h"
#include "th_store.h"

/* engine/exec_batch*.c's internal switches, counter and hook (tests) */
extern void (*eng_batch_seg_hook)(int worker);
extern unsigned eng_bm_dict_walk; /* read a dictionary whole after n */
extern unsigned eng_bl_lanes_cap; /* count by id: 4 lanes up to n ids */

enum { NSUBJ = 40, NEVENTS = 4600 }; /* 5 segments of 1,024 rows */

static uint64_t seed, seed0;

/* Random events in one transaction: types, subjects, sources, decimal
 * and integer amounts, authorities; then `edits` corrections and
 * retractions (none: every segment but the last all live rows). */
static credo *make_store(char *dir, th_clock *clk, int edits) {
  credo *db = NULL;
  char sql[512];
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  credo_set_clock(db, th_clock_fn, clk);
  th_ok(db, "CREATE TYPE pen PUBLICITY 1 YEAR REPAIRABLE AFTER 0 DAYS;"
            "CREATE TYPE lic PUBLICITY OPEN POSITIVE;"
            "CREATE TYPE minor NOT PUBLISHED");
  for (int s = 0; s < NSUBJ; s++) {
    snprintf(sql, sizeof sql, "CREATE SUBJECT 's-%03d' KIND other NAME 'n'", s);
    th_ok(db, sql);
  }
  th_ok(db, "BEGIN");
  for (int i = 0; i < NEVENTS; i++) {
    static const char *const TY[] = {"pen", "pen", "lic", "minor"};
    uint64_t r = th_rnd(&seed);
    clk->now += 60LL * 1000000 * (1 + (int64_t)(r % 600));
    /* 3 decimals in the first and last segments, 2 between: workers'
     * exact sums of different scales are merged */
    int sc = i < 100 || i >= 4 * 1024 ? 3 : 2;
    snprintf(sql, sizeof sql,
             "RECORD %s FOR 's-%03d' OCCURRED '202%d-%02d-%02d' SOURCE "
             "'src%d' REF 'r%d' DATA {\"amount_wan\": %d.%0*d, "
             "\"authority\": \"auth%d\"}",
             TY[r % 4], (int)((r >> 8) % NSUBJ), 3 + (int)((r >> 16) % 3),
             1 + (int)((r >> 20) % 12), 1 + (int)((r >> 24) % 28),
             (int)((r >> 30) % 5), i, (int)((r >> 34) % 100000), sc,
             (int)((r >> 52) % (sc == 3 ? 1000 : 100)), (int)((r >> 40) % 7));
    th_ok(db, sql);
  }
  th_ok(db, "COMMIT");
  for (int i = 0; i < edits; i++) {
    uint64_t r = th_rnd(&seed);
    clk->now += 3600LL * 1000000;
    snprintf(sql, sizeof sql,
             r % 2 ? "RETRACT EVENT %d REASON 'error'"
                   : "CORRECT EVENT %d SET data = {\"amount_wan\": 7} "
                     "REASON 'fix'",
             1 + (int)((r >> 8) % NEVENTS));
    credo_exec(db, sql, NULL, NULL); /* a refusal is fine */
  }
  return db;
}

static const char *const QUERIES[] = {
    /* with ORDER BY: compared with the row path */
    "SELECT type, count(*) FROM events GROUP BY type ORDER BY type",
    "SELECT source, count(*), sum(data.amount_wan), avg(data.amount_wan) "
    "FROM events WHERE type LIKE 'pe%' AND occurred >= '2024-01-01' "
    "AND occurred < '2025-01-01' GROUP BY source ORDER BY source",
    "SELECT data.authority a, count(*), sum(data.amount_wan) FROM events "
    "GROUP BY a ORDER BY a",
    "SELECT subject, count(*) n FROM events GROUP BY subject "
    "ORDER BY n DESC, subject LIMIT 5",
    "SELECT substr(subject, 1, 4) d, count(DISTINCT subject), "
    "count(DISTINCT source) FROM events GROUP BY d ORDER BY d",
    "SELECT source, to_char(date_trunc('month', occurred), 'YYYY-MM') m, "
    "count(*) FROM events WHERE type = 'pen' GROUP BY source, m "
    "ORDER BY source, m",
    "SELECT count(*), sum(data.amount_wan), count(DISTINCT subject) "
    "FROM events",
    /* keys without aggregates (no states: once a memcpy from NULL) */
    "SELECT source, type FROM events GROUP BY source, type "
    "ORDER BY source, type",
    /* time ranges of both bound kinds, either order, empty */
    "SELECT type, count(*) FROM events WHERE occurred <= '2024-09-30' "
    "AND occurred > '2024-02-01' GROUP BY type ORDER BY type",
    "SELECT count(*) FROM events WHERE public_until > '2025-03-01' AND "
    "public_until < '2025-01-01' AND type = 'pen'",
    /* without ORDER BY: groups in first appearance order */
    "SELECT subject, count(*) FROM events GROUP BY subject",
    "SELECT source, type, count(*), sum(data.amount_wan) FROM events "
    "GROUP BY source, type",
    "SELECT data.authority, count(DISTINCT subject) FROM events "
    "WHERE occurred >= '2024-06-01' GROUP BY data.authority",
};
#define NQUERIES (sizeof QUERIES / sizeof *QUERIES)

/* Each query, with `clause`: the row path's answer equals the batch
 * path's with 1, 2, 3 and 4 workers (text, so row order included). */
static void compare(credo *db, const char *clause) {
  char sql[1024];
  unsigned long before = eng_batch_answered;
  for (size_t q = 0; q < NQUERIES; q++) {
    snprintf(sql, sizeof sql, "%s %s", QUERIES[q], clause);
    th_batch_compare(db, sql, 4, seed0);
  }
  /* the batch path did answer (every query, every worker count) */
  assert_int_equal(eng_batch_answered - before, 4 * NQUERIES);
}

static void test_workers_equal_rows(void **state) {
  (void)state;
  char *dir = th_tmpdir("projpar");
  th_clock clk = {th_t("2025-01-01T08:00:00")};
  credo *db = make_store(dir, &clk, 60);
  compare(db, "INCLUDE HIDDEN");
  /* dictionaries read whole at their first look-up (subject, source,
   * authority texts from the walk, not one look-up per id); count by id
   * with one counter per id */
  eng_bm_dict_walk = 1;
  eng_bl_lanes_cap = 0;
  compare(db, "INCLUDE HIDDEN");
  eng_bm_dict_walk = 4096;
  eng_bl_lanes_cap = 1u << 16;
  compare(db, "");
  compare(db, "VISIBLE AT '2025-02-01'");
  /* inside a write transaction (segments flushed first) */
  th_ok(db, "BEGIN");
  th_ok(db, "RECORD pen FOR 's-001' OCCURRED '2024-03-03' SOURCE 'src9' "
            "REF 'tx1' DATA {\"amount_wan\": 1.5}");
  compare(db, "INCLUDE HIDDEN");
  th_ok(db, "ROLLBACK");
  credo_close(db);
  th_rmdir(dir);
}

/* ------------------------------------------------------- interrupts */

static credo *hook_db;
static int hook_worker;

static void interrupt_hook(int worker) {
  if (worker == hook_worker)
    credo_interrupt(hook_db);
}

static void test_interrupt_threaded(void **state) {
  (void)state;
  char *dir = th_tmpdir("projparint");
  th_clock clk = {th_t("2025-01-01T08:00:00")};
  credo *db = make_store(dir, &clk, 60);
  const char *q = "SELECT source, count(*), sum(data.amount_wan) FROM events "
                  "GROUP BY source ORDER BY source INCLUDE HIDDEN";
  char *want;
  eng_batch_enabled = 0;
  want = th_answer(db, q);
  eng_batch_enabled = 1;
  hook_db = db;
  for (hook_worker = 0; hook_worker < 2; hook_worker++) {
    credo_stmt *st = NULL;
    eng_batch_threads = 2;
    eng_batch_seg_hook = interrupt_hook;
    assert_int_equal(credo_prepare(db, q, -1, &st, NULL), CREDO_OK);
    assert_int_equal(credo_step(st), CREDO_CANCELLED);
    assert_string_equal(credo_errmsg(db), "statement interrupted");
    credo_finalize(st);
    eng_batch_seg_hook = NULL;
    /* the request was taken: the next statement answers */
    char *got = th_answer(db, q);
    eng_batch_threads = 0;
    assert_string_equal(got, want);
    free(got);
  }
  free(want);
  credo_close(db);
  th_rmdir(dir);
}

/* A check handler or a time limit is served per row on the calling
 * thread: the batch path then runs one worker, whatever is forced, and
 * answers as the rows do. */
static _Atomic int other_worker; /* set from the workers' threads */
static void note_worker(int worker) {
  if (worker > 0)
    atomic_store(&other_worker, 1);
}
static int handler_calls;
static int count_calls(void *arg) {
  (void)arg;
  handler_calls++;
  return 0;
}

static void test_one_worker_per_row_checks(void **state) {
  (void)state;
  char *dir = th_tmpdir("projparchk");
  th_clock clk = {th_t("2025-01-01T08:00:00")};
  credo *db = make_store(dir, &clk, 0);
  compare(db, "INCLUDE HIDDEN"); /* segments of live rows only, too */
  const char *q = "SELECT source, count(*), sum(data.amount_wan) FROM events "
                  "GROUP BY source ORDER BY source INCLUDE HIDDEN";
  eng_batch_enabled = 0;
  char *want = th_answer(db, q);
  eng_batch_enabled = 1;
  eng_batch_threads = 2;
  eng_batch_seg_hook = note_worker;
  /* forced 2 workers, no handler: worker 1 runs */
  atomic_store(&other_worker, 0);
  char *got = th_answer(db, q);
  assert_string_equal(got, want);
  assert_int_equal(atomic_load(&other_worker), 1);
  free(got);
  /* a check handler: one worker, the handler called per row */
  assert_int_equal(credo_set_check_handler(db, 50, count_calls, NULL),
                   CREDO_OK);
  atomic_store(&other_worker, 0);
  handler_calls = 0;
  got = th_answer(db, q);
  assert_string_equal(got, want);
  assert_int_equal(atomic_load(&other_worker), 0);
  assert_true(handler_calls >= NEVENTS / 50 - 2);
  free(got);
  assert_int_equal(credo_set_check_handler(db, 0, NULL, NULL), CREDO_OK);
  /* a time limit: one worker too */
  assert_int_equal(credo_set_timeout(db, 60LL * 1000000), CREDO_OK);
  atomic_store(&other_worker, 0);
  got = th_answer(db, q);
  assert_string_equal(got, want);
  assert_int_equal(atomic_load(&other_worker), 0);
  free(got);
  eng_batch_seg_hook = NULL;
  eng_batch_threads = 0;
  free(want);
  credo_close(db);
  th_rmdir(dir);
}

/* The public role masks persons' subjects, which reads each subject's
 * kind from the store: LMDB's transaction stays on the calling thread,
 * so a query evaluating a masked subject runs one worker (it once ran
 * two, the second reading the store); other public queries still run
 * two. Both answer as the rows do. */
static void test_public_subject_one_worker(void **state) {
  (void)state;
  char *dir = th_tmpdir("projparpub");
  th_clock clk = {th_t("2025-01-01T08:00:00")};
  credo *db = make_store(dir, &clk, 0), *pub = NULL;
  static const char *const Q[] = {
      "SELECT subject, count(*) FROM events GROUP BY subject ORDER BY 1",
      "SELECT source, count(*) FROM events GROUP BY source ORDER BY 1"};
  assert_int_equal(credo_dup(db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  for (int q = 0; q < 2; q++) {
    eng_batch_enabled = 0;
    char *want = th_answer(pub, Q[q]);
    eng_batch_enabled = 1;
    unsigned long before = eng_batch_answered;
    eng_batch_threads = 2;
    eng_batch_seg_hook = note_worker;
    other_worker = 0;
    char *got = th_answer(pub, Q[q]);
    eng_batch_seg_hook = NULL;
    eng_batch_threads = 0;
    assert_string_equal(got, want);
    assert_int_equal(eng_batch_answered, before + 1);
    assert_int_equal(other_worker, q == 0 ? 0 : 1);
    free(got);
    free(want);
  }
  credo_close(pub);
  credo_close(db);
  th_rmdir(dir);
}

/* ------------------------------------------------------------- sums */

/* Sets the amount of the first event from id `from` up that takes the
 * correction (retracted ones refuse): its id. */
static int correct_from(credo *db, int from, const char *amount) {
  char sql[256];
  for (int id = from; id < from + 40; id++) {
    snprintf(sql, sizeof sql,
             "CORRECT EVENT %d SET data = {\"amount_wan\": %s} REASON 'big'",
             id, amount);
    if (credo_exec(db, sql, NULL, NULL) == CREDO_OK)
      return id;
  }
  fail_msg("no event from %d took the correction", from);
  return -1;
}

/* Integer amounts whose one-pass sum overflows (and turns REAL) while
 * each half's does not: +9e18 in the first worker's segments, then +9e18
 * and -9e18 in the second's. The workers must decline (their bound), so
 * that the answer is the rows' (REAL), not an exact sum of the halves. */
static void test_big_sums(void **state) {
  (void)state;
  char *dir = th_tmpdir("projparsum");
  th_clock clk = {th_t("2025-01-01T08:00:00")};
  credo *db = make_store(dir, &clk, 60);
  const char *q[] = {
      "SELECT count(*), sum(data.amount_wan) FROM events INCLUDE HIDDEN",
      "SELECT type, count(*), sum(data.amount_wan) FROM events "
      "GROUP BY type ORDER BY type INCLUDE HIDDEN"};
  int last = correct_from(db, NEVENTS - 200, "9000000000000000000");
  correct_from(db, 3, "9000000000000000000");
  correct_from(db, last + 1, "-9000000000000000000");
  for (size_t i = 0; i < 2; i++) {
    eng_batch_enabled = 0;
    char *rows = th_answer(db, q[i]);
    eng_batch_enabled = 1;
    for (int t = 1; t <= 2; t++) {
      eng_batch_threads = t;
      char *batch = th_answer(db, q[i]);
      eng_batch_threads = 0;
      if (strcmp(rows, batch) != 0)
        fail_msg("%s: %d worker(s)\n--- rows\n%s\n--- batch\n%s", q[i], t, rows,
                 batch);
      free(batch);
    }
    free(rows);
  }
  credo_close(db);
  th_rmdir(dir);
}

/* A conjunct that is NULL on a row does not stop the conjuncts after it
 * (three-valued AND, left to right, stopping at FALSE only): the row
 * path evaluates them there, and so must the batch path (here: a
 * division by zero reached only through a NULL authority). */
static void test_null_conjunct(void **state) {
  (void)state;
  char *dir = th_tmpdir("projparnull");
  credo *db = NULL;
  th_clock clk = {th_t("2025-01-01T08:00:00")};
  const char *q[] = {
      "SELECT count(*) FROM events WHERE data.authority = 'a' AND "
      "1 / (CASE WHEN source = 'bad' THEN 0 ELSE 1 END) = 1 INCLUDE HIDDEN",
      "SELECT source, count(*) FROM events WHERE data.authority <> 'zz' "
      "AND source <> 'bad' GROUP BY source ORDER BY source INCLUDE HIDDEN"};
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  credo_set_clock(db, th_clock_fn, &clk);
  th_ok(db, "CREATE TYPE pen PUBLICITY 1 YEAR;"
            "CREATE SUBJECT 's1' KIND other NAME 'n';"
            "RECORD pen FOR 's1' OCCURRED '2025-01-01' SOURCE 'ok' REF 'r1' "
            "DATA {\"authority\": \"a\"};"
            "RECORD pen FOR 's1' OCCURRED '2025-01-02' SOURCE 'bad' REF 'r2' "
            "DATA {\"x\": 1};"
            "RECORD pen FOR 's1' OCCURRED '2025-01-03' SOURCE 'ok2' REF 'r3' "
            "DATA {\"x\": 2}");
  for (size_t i = 0; i < 2; i++) {
    eng_batch_enabled = 0;
    char *rows = th_answer(db, q[i]);
    eng_batch_enabled = 1;
    for (int t = 1; t <= 2; t++) {
      eng_batch_threads = t;
      char *batch = th_answer(db, q[i]);
      eng_batch_threads = 0;
      if (strcmp(rows, batch) != 0)
        fail_msg("%s: %d worker(s)\n--- rows\n%s\n--- batch\n%s", q[i], t, rows,
                 batch);
      free(batch);
    }
    free(rows);
  }
  credo_close(db);
  th_rmdir(dir);
}

/* Time memos live in a set that cannot hold the key UINT64_MAX, the time
 * -1 (one microsecond before 1970): that time is evaluated uncached, and
 * answers as the rows do, next to its neighbours. */
static void test_time_minus_one(void **state) {
  (void)state;
  char *dir = th_tmpdir("projpartime");
  credo *db = NULL;
  th_clock clk = {th_t("2025-01-01T08:00:00")};
  const char *q = "SELECT occurred, count(*) FROM events GROUP BY occurred "
                  "ORDER BY occurred INCLUDE HIDDEN";
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  credo_set_clock(db, th_clock_fn, &clk);
  th_ok(db, "CREATE TYPE pen PUBLICITY 1 YEAR;"
            "CREATE SUBJECT 's1' KIND other NAME 'n'");
  for (int i = 0; i < 9; i++) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "RECORD pen FOR 's1' OCCURRED '%s' SOURCE 'a' REF 'r%d'",
             i % 3 == 0   ? "1969-12-31T23:59:59.999999Z"
             : i % 3 == 1 ? "1969-12-31T23:59:59.999998Z"
                          : "1970-01-01T00:00:00Z",
             i);
    th_ok(db, sql);
  }
  eng_batch_enabled = 0;
  char *rows = th_answer(db, q);
  eng_batch_enabled = 1;
  for (int t = 1; t <= 2; t++) {
    unsigned long before = eng_batch_answered;
    eng_batch_threads = t;
    char *batch = th_answer(db, q);
    eng_batch_threads = 0;
    assert_string_equal(batch, rows);
    assert_int_equal(eng_batch_answered, before + 1);
    free(batch);
  }
  assert_non_null(strstr(rows, "|3\n"));
  free(rows);
  credo_close(db);
  th_rmdir(dir);
}

int main(void) {
  seed = seed0 = th_seed("test_proj_batch_par");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_workers_equal_rows),
      cmocka_unit_test(test_interrupt_threaded),
      cmocka_unit_test(test_one_worker_per_row_checks),
      cmocka_unit_test(test_public_subject_one_worker),
      cmocka_unit_test(test_big_sums),
      cmocka_unit_test(test_null_conjunct),
      cmocka_unit_test(test_time_minus_one),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
