/*
 * test_password.c -- the minimum password length, through the public API:
 * CREATE USER and ALTER USER ... PASSWORD (literal and bound) refuse a
 * password shorter than the handle's minimum (default 10 characters,
 * counted as UTF-8 code points) with a message naming it and write
 * nothing; exactly the minimum is accepted; credo_set_min_password
 * changes it, range-checked, and credo_dup copies it.
 * (credo-server --init-admin and --min-password-length: server.sh.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "credo.h"
#include "th_store.h"

typedef th_fx fx; /* the shared store fixture (th_store.h), real clock */
#define teardown th_fx_teardown

static int setup(void **state) {
  *state = th_fx_open("password", NULL, NULL);
  return 0;
}

/* 1 when `user` logs in with `pw` on a fresh handle of the store. */
static int logs_in(fx *f, const char *user, const char *pw) {
  credo *h;
  int rc;
  assert_int_equal(credo_dup(f->db, &h), CREDO_OK);
  rc = credo_authenticate(h, user, pw);
  credo_close(h);
  assert_true(rc == CREDO_OK || rc == CREDO_AUTH);
  return rc == CREDO_OK;
}

static void refused(credo *db, const char *sql, const char *why) {
  assert_int_equal(credo_exec(db, sql, NULL, NULL), CREDO_INVALID);
  assert_non_null(strstr(credo_errmsg(db), why));
}

static void t_create_default_minimum(void **state) {
  fx *f = *state;
  refused(f->db, "CREATE USER ann ROLE analyst PASSWORD '123456789';",
          "a password must have at least 10 characters (this one has 9)");
  assert_false(logs_in(f, "ann", "123456789"));
  assert_int_equal(credo_exec(f->db,
                              "CREATE USER ann ROLE analyst PASSWORD "
                              "'1234567890';",
                              NULL, NULL),
                   CREDO_OK);
  assert_true(logs_in(f, "ann", "1234567890"));
}

static void t_alter_keeps_old_password(void **state) {
  fx *f = *state;
  assert_int_equal(credo_exec(f->db,
                              "CREATE USER bo ROLE recorder PASSWORD "
                              "'bo-password-1';",
                              NULL, NULL),
                   CREDO_OK);
  refused(f->db, "ALTER USER bo ROLE admin PASSWORD 'short';",
          "at least 10 characters");
  assert_true(logs_in(f, "bo", "bo-password-1"));
  assert_false(logs_in(f, "bo", "short"));
  assert_int_equal(
      credo_exec(f->db, "ALTER USER bo PASSWORD 'abcdefghij';", NULL, NULL),
      CREDO_OK);
  assert_true(logs_in(f, "bo", "abcdefghij"));
  assert_false(logs_in(f, "bo", "bo-password-1"));
}

/* A bound password is checked the same way (credo-server --init-admin
 * binds its password). */
static void t_bound_password(void **state) {
  fx *f = *state;
  credo_stmt *st;
  assert_int_equal(credo_prepare(f->db, "CREATE USER cy ROLE admin PASSWORD ?",
                                 -1, &st, NULL),
                   CREDO_OK);
  assert_int_equal(credo_bind_text(st, 1, "rootpw", -1), CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_INVALID);
  assert_non_null(strstr(credo_errmsg(f->db), "at least 10 characters"));
  assert_int_equal(credo_reset(st), CREDO_OK);
  assert_int_equal(credo_bind_text(st, 1, "rootpw-long", -1), CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_DONE);
  credo_finalize(st);
  assert_true(logs_in(f, "cy", "rootpw-long"));
}

/* Characters, not bytes: nine 3-byte characters are too few. */
static void t_counts_characters(void **state) {
  fx *f = *state;
  refused(f->db, "CREATE USER dee ROLE analyst PASSWORD '信用修复信用修复信';",
          "(this one has 9)");
  assert_int_equal(credo_exec(f->db,
                              "CREATE USER dee ROLE analyst PASSWORD "
                              "'信用修复信用修复信用';",
                              NULL, NULL),
                   CREDO_OK);
}

static void t_set_minimum(void **state) {
  fx *f = *state;
  credo *h;
  assert_int_equal(credo_set_min_password(NULL, 10), CREDO_MISUSE);
  assert_int_equal(credo_set_min_password(f->db, 0), CREDO_RANGE);
  assert_int_equal(credo_set_min_password(f->db, CREDO_MIN_PASSWORD_MAX + 1),
                   CREDO_RANGE);
  assert_int_equal(credo_set_min_password(f->db, 12), CREDO_OK);
  refused(f->db, "CREATE USER eve ROLE analyst PASSWORD '12345678901';",
          "at least 12 characters (this one has 11)");
  assert_int_equal(credo_dup(f->db, &h), CREDO_OK); /* dup copies it */
  refused(h, "CREATE USER eve ROLE analyst PASSWORD '12345678901';",
          "at least 12 characters");
  assert_int_equal(
      credo_exec(h, "CREATE USER eve ROLE analyst PASSWORD '123456789012';",
                 NULL, NULL),
      CREDO_OK);
  assert_int_equal(credo_set_min_password(h, 4), CREDO_OK);
  assert_int_equal(credo_exec(h,
                              "CREATE USER fay ROLE analyst PASSWORD 'abcd';",
                              NULL, NULL),
                   CREDO_OK);
  refused(h, "CREATE USER gus ROLE analyst PASSWORD 'abc';",
          "at least 4 characters");
  credo_close(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(t_create_default_minimum, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(t_alter_keeps_old_password, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(t_bound_password, setup, teardown),
      cmocka_unit_test_setup_teardown(t_counts_characters, setup, teardown),
      cmocka_unit_test_setup_teardown(t_set_minimum, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
