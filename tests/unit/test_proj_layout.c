/*
 * test_proj_layout.c -- a store whose projection was built with another
 * layout (an older build) is rebuilt at its next read-write open and then
 * answers as the row path does; until then (read-only opens) the row path
 * answers.
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
#include "proj.h" /* the layout number and the segment view */
#include "stor.h" /* to plant an old layout under the engine */
#include "th.h"

/* engine/exec_batch.c's internal switch and counter (tests only) */
extern int eng_batch_enabled;
extern _Atomic unsigned long eng_batch_answered;

static void ok_on(credo *db, const char *sql) {
  int rc = credo_exec(db, sql, NULL, NULL);
  if (rc != CREDO_OK)
    fail_msg("%s\n  -> %s", sql, credo_errmsg(db));
}

static int first_text(void *arg, int ncols, const char *const *vals,
                      const char *const *names) {
  (void)ncols;
  (void)names;
  snprintf(arg, 256, "%s", vals[0] ? vals[0] : "NULL");
  return 0;
}

static const char *Q = "SELECT count(*) FROM events WHERE type = 'pen'";

/* The count of Q on the batch path (or "" when it declined) and on rows. */
static void both(credo *db, char *batch, char *rows) {
  unsigned long before = eng_batch_answered;
  batch[0] = 0;
  assert_int_equal(credo_exec(db, Q, first_text, batch), CREDO_OK);
  if (eng_batch_answered == before)
    batch[0] = 0;
  eng_batch_enabled = 0;
  assert_int_equal(credo_exec(db, Q, first_text, rows), CREDO_OK);
  eng_batch_enabled = 1;
}

/* Rewrites the meta key as an older build would have left it. */
static void plant_old_layout(const char *dir) {
  stor_env *env = NULL;
  stor_txn *t = NULL;
  stor_val k = {ENG_PROJ_META_KEY, sizeof ENG_PROJ_META_KEY - 1}, v;
  unsigned char meta[ENG_PROJ_META_LEN];
  assert_int_equal(stor_open(dir, NULL, &env, NULL, 0), CREDO_OK);
  assert_int_equal(stor_txn_begin(env, 1, &t), CREDO_OK);
  assert_int_equal(stor_get(t, STOR_META, k, &v), CREDO_OK);
  assert_int_equal(v.len, ENG_PROJ_META_LEN);
  memcpy(meta, v.data, sizeof meta);
  assert_int_equal(stor_dec_u32(meta), ENG_PROJ_LAYOUT);
  meta[3] = ENG_PROJ_LAYOUT - 1; /* u32 BE */
  assert_int_equal(stor_put(t, STOR_META, k, (stor_val){meta, sizeof meta}),
                   CREDO_OK);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
  stor_close(env);
}

static void test_old_layout_rebuilt(void **state) {
  (void)state;
  char *dir = th_tmpdir("projlayout");
  credo *db = NULL;
  credo_options ro = {.flags = CREDO_OPEN_READONLY};
  th_clock clk = {th_t("2025-06-01T08:00:00")};
  char batch[256], rows[256];
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  credo_set_clock(db, th_clock_fn, &clk);
  ok_on(db, "CREATE TYPE pen PUBLICITY 1 YEAR;"
            "CREATE SUBJECT 's1' KIND other NAME 'one'");
  for (int i = 0; i < 30; i++) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "RECORD pen FOR 's1' OCCURRED '2025-05-%02d' SOURCE 'a' "
             "REF 'r%d' DATA {\"amount_wan\": %d}",
             1 + i % 28, i, i);
    ok_on(db, sql);
  }
  both(db, batch, rows);
  assert_string_equal(batch, "30");
  credo_close(db);
  plant_old_layout(dir);
  /* read-only: the projection is not this layout's, the rows answer */
  assert_int_equal(credo_open(dir, &ro, &db), CREDO_OK);
  credo_set_clock(db, th_clock_fn, &clk);
  both(db, batch, rows);
  assert_string_equal(batch, "");
  assert_string_equal(rows, "30");
  credo_close(db);
  /* read-write: rebuilt, the batch path answers the same */
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  credo_set_clock(db, th_clock_fn, &clk);
  both(db, batch, rows);
  assert_string_equal(batch, "30");
  assert_string_equal(rows, "30");
  credo_check_report rep;
  assert_int_equal(credo_check(db, NULL, NULL, &rep), CREDO_OK);
  assert_int_equal(rep.problems, 0);
  credo_close(db);
  th_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_old_layout_rebuilt),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
