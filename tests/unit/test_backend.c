/*
 * test_backend.c -- the backend table behind the public API
 * (api/backend.h): a handle of a backend that supports only part of the
 * API gets CREDO_NOTSUP, with a message naming the call and the backend,
 * for the rest; the calls it supports reach it with their arguments; NULL
 * handles and statements answer as on the local backend; credo_open picks
 * the local backend for a directory and the remote one for a URI.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend.h"
#include "credo.h"
#include "th.h"

/* A backend with statements of one column and nothing else. */
typedef struct fake_stmt {
  credo *db; /* first, as every backend's statement */
  int steps;
} fake_stmt;

static int prepared, closed;

static void fake_close(credo *db) {
  closed++;
  be_handle_free(db);
}

static int fake_prepare(credo *db, const char *sql, int len, credo_stmt **out,
                        const char **tail) {
  fake_stmt *s = calloc(1, sizeof *s);
  (void)len;
  if (!s)
    return CREDO_NOMEM;
  s->db = db;
  prepared++;
  *out = (credo_stmt *)s;
  if (tail)
    *tail = sql + strlen(sql);
  return CREDO_OK;
}

static int fake_step(credo_stmt *st) {
  return ((fake_stmt *)st)->steps++ ? CREDO_DONE : CREDO_ROW;
}

static int fake_finalize(credo_stmt *st) {
  free(st);
  return CREDO_OK;
}

static int fake_column_count(const credo_stmt *st) {
  (void)st;
  return 1;
}

static const credo_backend fake = {
    .name = "fake",
    .close = fake_close,
    .prepare = fake_prepare,
    .step = fake_step,
    .finalize = fake_finalize,
    .column_count = fake_column_count,
};

static void test_calls_go_through_the_table(void **state) {
  credo_stmt *st = NULL;
  credo *db = be_handle_new(&fake, NULL);
  (void)state;
  assert_non_null(db);
  assert_int_equal(credo_prepare(db, "anything", -1, &st, NULL), CREDO_OK);
  assert_int_equal(prepared, 1);
  assert_int_equal(credo_column_count(st), 1);
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_int_equal(credo_step(st), CREDO_DONE);
  /* an entry the backend leaves out: 0, "not known to be read-only" */
  assert_int_equal(credo_stmt_readonly(st), 0);
  assert_int_equal(credo_finalize(st), CREDO_OK);
  credo_close(db);
  assert_int_equal(closed, 1);
}

static void test_unsupported_names_call_and_backend(void **state) {
  credo_record r = {0};
  credo *db = be_handle_new(&fake, NULL), *dup = NULL;
  uint64_t id;
  int created;
  (void)state;
  assert_int_equal(credo_record_event(db, &r, &id, &created), CREDO_NOTSUP);
  assert_string_equal(credo_errmsg(db),
                      "credo_record_event is not supported by the fake "
                      "backend; use CQL (credo_prepare / credo_exec)");
  assert_int_equal(credo_dup(db, &dup), CREDO_NOTSUP);
  assert_non_null(strstr(credo_errmsg(db), "credo_dup is not supported"));
  assert_int_equal(credo_begin(db), CREDO_NOTSUP);
  assert_non_null(strstr(credo_errmsg(db), "credo_begin"));
  assert_int_equal(credo_exec(db, "SELECT 1", NULL, NULL), CREDO_NOTSUP);
  assert_non_null(strstr(credo_errmsg(db), "credo_exec"));
  credo_close(db);
}

static void test_null_arguments(void **state) {
  credo_stmt *st = (credo_stmt *)&st;
  (void)state;
  assert_int_equal(credo_prepare(NULL, "SELECT 1", -1, &st, NULL),
                   CREDO_MISUSE);
  assert_null(st); /* *out cleared even without a handle */
  assert_int_equal(credo_step(NULL), CREDO_MISUSE);
  assert_int_equal(credo_finalize(NULL), CREDO_OK);
  assert_int_equal(credo_column_count(NULL), 0);
  assert_null(credo_column_text(NULL, 0));
  assert_int_equal(credo_record_event(NULL, NULL, NULL, NULL), CREDO_MISUSE);
  credo_close(NULL);
  /* a handle without `out` is refused before any backend sees it */
  credo *db = be_handle_new(&fake, NULL);
  int before = prepared;
  assert_int_equal(credo_prepare(db, "x", -1, NULL, NULL), CREDO_MISUSE);
  assert_int_equal(prepared, before);
  credo_close(db);
}

static void test_open_picks_the_backend(void **state) {
  char *dir = th_tmpdir("backend");
  credo *db = NULL;
  (void)state;
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  assert_ptr_equal(be_of(db), &eng_local_backend);
  credo_close(db);
  db = NULL;
  /* no password: the remote backend refuses before connecting, on its
   * own handle */
  unsetenv("CREDO_PASSWORD");
  assert_int_equal(credo_open("credo://nobody@127.0.0.1:1", NULL, &db),
                   CREDO_AUTH);
  assert_non_null(db);
  assert_ptr_equal(be_of(db), &cl_remote_backend);
  assert_int_equal(credo_get_event(db, 1, CREDO_TIME_NOW, CREDO_TIME_NOW, 0,
                                   &(credo_event){0}),
                   CREDO_NOTSUP);
  assert_non_null(strstr(credo_errmsg(db),
                         "credo_get_event is not supported by the "
                         "remote backend"));
  credo_close(db);
  th_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_calls_go_through_the_table),
      cmocka_unit_test(test_unsupported_names_call_and_backend),
      cmocka_unit_test(test_null_arguments),
      cmocka_unit_test(test_open_picks_the_backend),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
