/*
 * test_notice.c -- credo_stmt_notice on an embedded store (issue 14, item
 * 15): AS OF before the store's first transaction answers no rows and a
 * notice naming that transaction and suggesting VISIBLE AT; no notice
 * otherwise; the notice belongs to one run (reset clears it). The remote
 * backend and the shell: tests/integration/notice.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo.h"
#include "th_store.h"

#define ORG "91350100M000100Y43"

typedef th_fx fx; /* the shared store fixture (th_store.h) */
#define fx_teardown th_fx_teardown

static int fx_setup(void **state) {
  fx *f = th_fx_open("notice", "2025-03-01T08:00:00+08:00", NULL);
  assert_int_equal(credo_set_tz(f->db, 8 * 3600), CREDO_OK);
  *state = f;
  return 0;
}

static void record(fx *f, const char *ref) {
  char sql[256];
  snprintf(sql, sizeof sql,
           "RECORD penalty_general FOR '" ORG "' OCCURRED '2024-12-01' "
           "SOURCE 's' REF '%s';",
           ref);
  assert_int_equal(credo_exec(f->db, sql, NULL, NULL), CREDO_OK);
}

/* Runs sql to CREDO_DONE; returns its row count, *notice a copy (or
 * NULL) taken after DONE. */
static int run(fx *f, credo_stmt *st, char **notice) {
  int rc, n = 0;
  while ((rc = credo_step(st)) == CREDO_ROW)
    n++;
  if (rc != CREDO_DONE)
    fail_msg("step: %s", credo_errmsg(f->db));
  *notice = credo_stmt_notice(st) ? strdup(credo_stmt_notice(st)) : NULL;
  return n;
}

static int query(fx *f, const char *sql, char **notice) {
  credo_stmt *st;
  int n;
  assert_int_equal(credo_prepare(f->db, sql, -1, &st, NULL), CREDO_OK);
  n = run(f, st, notice);
  credo_finalize(st);
  return n;
}

static void t_as_of_before_first(void **state) {
  fx *f = *state;
  char *notice;
  assert_int_equal(credo_exec(f->db,
                              "CREATE TYPE penalty_general PUBLICITY 1 YEAR;"
                              "CREATE SUBJECT '" ORG "' KIND org;",
                              NULL, NULL),
                   CREDO_OK);
  /* no event yet: nothing to compare with, no notice */
  assert_int_equal(
      query(f, "SELECT id FROM events AS OF '2020-01-01'", &notice), 0);
  assert_null(notice);
  record(f, "r1");
  f->clk.now = th_t("2025-04-01T08:00:00+08:00");
  record(f, "r2");
  assert_int_equal(credo_exec(f->db,
                              "CORRECT EVENT 1 SET data = {\"a\": 1} "
                              "REASON 'typo';",
                              NULL, NULL),
                   CREDO_OK);
  assert_int_equal(
      query(f, "SELECT id FROM events AS OF '2025-01-01'", &notice), 0);
  assert_non_null(notice);
  assert_string_equal(
      notice, "AS OF 2025-01-01T00:00:00+08:00 is before the "
              "store's first transaction "
              "(2025-03-01T08:00:00.000002+08:00), so nothing was recorded "
              "yet and no rows match; for what was public at that "
              "instant as the register knows it now, use VISIBLE AT "
              "'2025-01-01T00:00:00+08:00'");
  free(notice);
  /* what the notice suggests answers */
  assert_int_equal(
      query(f, "SELECT id FROM events VISIBLE AT '2025-01-01'", &notice), 2);
  assert_null(notice);
  /* at or after the first transaction: rows, no notice */
  assert_int_equal(
      query(f, "SELECT id FROM events AS OF '2025-03-02'", &notice), 1);
  assert_null(notice);
  assert_int_equal(query(f, "SELECT id FROM events", &notice), 2);
  assert_null(notice);
}

static void t_notice_per_run(void **state) {
  fx *f = *state;
  credo_stmt *st;
  char *notice;
  assert_int_equal(credo_exec(f->db,
                              "CREATE TYPE penalty_general PUBLICITY 1 YEAR;"
                              "CREATE SUBJECT '" ORG "' KIND org;",
                              NULL, NULL),
                   CREDO_OK);
  record(f, "r1");
  assert_int_equal(
      credo_prepare(f->db, "SELECT id FROM events AS OF ?", -1, &st, NULL),
      CREDO_OK);
  assert_null(credo_stmt_notice(st)); /* not run yet */
  assert_int_equal(credo_bind_time(st, 1, th_t("2024-01-01")), CREDO_OK);
  assert_int_equal(run(f, st, &notice), 0);
  assert_non_null(notice);
  assert_non_null(strstr(notice, "use VISIBLE AT '2024-01-01T08:00:00+08:00'"));
  free(notice);
  assert_int_equal(credo_reset(st), CREDO_OK);
  assert_null(credo_stmt_notice(st)); /* reset ends the run */
  assert_int_equal(credo_bind_time(st, 1, th_t("2025-06-01")), CREDO_OK);
  assert_int_equal(run(f, st, &notice), 1);
  assert_null(notice);
  credo_finalize(st);
  assert_null(credo_stmt_notice(NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(t_as_of_before_first, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(t_notice_per_run, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
