/*
 * test_shell_signal.c -- the shell's Ctrl-C machinery (client/sh_signal.c)
 * without a terminal: a real SIGINT, delivered by a timer while a long
 * statement runs on an embedded store, reaches credo_interrupt through the
 * shell's handler and the statement fails CREDO_CANCELLED, the handle
 * staying usable; the line reader turns a pending Ctrl-C into EOF and
 * decodes UTF-8 into code points.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "credo.h"
#include "sh_signal.h"
#include "th.h"

static int exec_ok(credo *db, const char *sql) {
  int rc = credo_exec(db, sql, NULL, NULL);
  if (rc != CREDO_OK)
    fail_msg("%s: %s", sql, credo_errmsg(db));
  return rc;
}

/* A statement that runs for many seconds: each of 2,000 refs of four
 * zeros grows a million-fold through six nested replace() calls. */
static const char long_stmt[] =
    "SELECT count(*) FROM events WHERE length(replace(replace(replace("
    "replace(replace(replace(ref, '0', '0000000000'), '0', '0000000000'), "
    "'0', '0000000000'), '0', '0000000000'), '0', '0000000000'), '0', "
    "'0000000000')) < 0 INCLUDE HIDDEN";

static void sigint_cancels_a_running_statement(void **state) {
  (void)state;
  char *dir = th_tmpdir("signal");
  credo *db = NULL;
  char sql[256];
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  exec_ok(db, "CREATE TYPE t PUBLICITY 1 YEAR; CREATE SUBJECT "
              "'91350100M000100Y43' KIND org; BEGIN");
  for (int i = 0; i < 2000; i++) {
    snprintf(sql, sizeof sql,
             "RECORD t FOR '91350100M000100Y43' OCCURRED '2025-03-01' "
             "SOURCE 's' REF 'R0000-%d'",
             i + 1);
    exec_ok(db, sql);
  }
  exec_ok(db, "COMMIT");

  sh_sig_install(db);
  /* a SIGINT 100 ms into the statement, as a Ctrl-C would be */
  timer_t tm;
  struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGINT};
  struct itimerspec at = {.it_value = {0, 100 * 1000 * 1000}};
  assert_int_equal(timer_create(CLOCK_MONOTONIC, &ev, &tm), 0);
  assert_int_equal(timer_settime(tm, 0, &at, NULL), 0);
  credo_stmt *st = NULL;
  assert_int_equal(credo_prepare(db, long_stmt, -1, &st, NULL), CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_CANCELLED);
  assert_string_equal(credo_errmsg(db), "statement interrupted");
  credo_finalize(st);
  timer_delete(tm);
  assert_int_equal(sh_sig_take(), 1);
  assert_int_equal(sh_sig_take(), 0);

  /* the handle goes on; a Ctrl-C while nothing runs is dropped */
  assert_int_equal(raise(SIGINT), 0); /* the shell survives it */
  assert_int_equal(sh_sig_take(), 1);
  assert_int_equal(credo_prepare(db,
                                 "SELECT count(*) FROM events INCLUDE "
                                 "HIDDEN",
                                 -1, &st, NULL),
                   CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_int_equal(credo_column_int64(st, 0), 2000);
  credo_finalize(st);
  sh_sig_uninstall();
  credo_close(db);
  th_rmdir(dir);
}

/* Bytes written to a pipe, read back through the line reader. */
static void reader_decodes_utf8_and_stops_at_ctrl_c(void **state) {
  (void)state;
  int p[2];
  assert_int_equal(pipe(p), 0);
  /* 'a', 厦 (U+53A6), é (U+00E9), a broken sequence, a 4-byte one */
  static const char bytes[] = "a\xE5\x8E\xA6\xC3\xA9\xE5x\xF0\x9F\x98\x80";
  assert_int_equal(write(p[1], bytes, sizeof bytes - 1),
                   (ssize_t)sizeof bytes - 1);
  FILE *f = fdopen(p[0], "r");
  assert_non_null(f);
  sh_sig_install(NULL);
  assert_int_equal(sh_sig_getc(f), 'a');
  assert_int_equal(sh_sig_getc(f), 0x53A6);
  assert_int_equal(sh_sig_getc(f), 0xE9);
  assert_int_equal(sh_sig_getc(f), 0xFFFD); /* E5 then 'x' */
  assert_int_equal(sh_sig_getc(f), 0x1F600);
  assert_int_equal(raise(SIGINT), 0);
  assert_int_equal(write(p[1], "b", 1), 1);
  assert_int_equal(sh_sig_getc(f), EOF); /* Ctrl-C: a fresh line */
  assert_int_equal(sh_sig_take(), 1);
  assert_int_equal(sh_sig_getc(f), 'b');
  close(p[1]);
  assert_int_equal(sh_sig_getc(f), EOF); /* end of input */
  assert_int_equal(sh_sig_take(), 0);
  sh_sig_uninstall();
  fclose(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sigint_cancels_a_running_statement),
      cmocka_unit_test(reader_decodes_utf8_and_stops_at_ctrl_c),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
