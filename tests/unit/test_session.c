/*
 * test_session.c -- the engine's support for servers' sessions, through
 * the public API: the bounded wait for the store's writer
 * (credo_set_busy_timeout), a password check that runs out of memory
 * (credo_authenticate says so, never "authentication failed").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "credo.h"
#include "th_store.h"

typedef th_fx fx; /* the shared store fixture (th_store.h), real clock */
#define teardown th_fx_teardown

static int setup(void **state) {
  *state =
      th_fx_open("session", NULL,
                 "CREATE USER alice ROLE recorder PASSWORD 'alice-secret';");
  return 0;
}

/* A second handle waits for the writer at most its busy timeout, then
 * fails with CREDO_BUSY naming the wait; it gets the writer once free. */
static void t_busy_timeout(void **state) {
  fx *f = *state;
  credo *h;
  assert_int_equal(credo_dup(f->db, &h), CREDO_OK);
  assert_int_equal(credo_set_busy_timeout(h, -1), CREDO_RANGE);
  assert_int_equal(credo_set_busy_timeout(NULL, 1), CREDO_MISUSE);
  assert_int_equal(credo_set_busy_timeout(h, 50000), CREDO_OK);
  assert_int_equal(credo_begin(f->db), CREDO_OK);
  assert_int_equal(credo_begin(h), CREDO_BUSY);
  assert_non_null(
      strstr(credo_errmsg(h), "waited 50 ms for the store's writer"));
  assert_int_equal(credo_in_txn(h), 0);
  assert_int_equal(credo_exec(h,
                              "CREATE SUBJECT '91350100M000100Y43' KIND org;",
                              NULL, NULL),
                   CREDO_BUSY);
  assert_int_equal(credo_rollback(f->db), CREDO_OK);
  assert_int_equal(credo_begin(h), CREDO_OK);
  assert_int_equal(credo_commit(h), CREDO_OK);
  credo_close(h);
}

/* Runs in a child: limits the address space to what is mapped now plus
 * 16 MiB, so argon2id's 64 MiB cannot be had, and checks a correct
 * password. Exit 0 when the answer is CREDO_NOMEM (not CREDO_AUTH). */
static int oom_child(const char *dir) {
  credo *db = NULL, *h = NULL;
  struct rlimit rl;
  long pages = 0, rss = 0;
  FILE *f;
  int rc;
  if (credo_open(dir, NULL, &db) != CREDO_OK || credo_dup(db, &h) != CREDO_OK)
    return 2;
  f = fopen("/proc/self/statm", "r");
  if (!f || fscanf(f, "%ld %ld", &pages, &rss) != 2)
    return 3;
  fclose(f);
  rl.rlim_cur = rl.rlim_max =
      (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (16u << 20);
  if (setrlimit(RLIMIT_AS, &rl) != 0)
    return 4;
  rc = credo_authenticate(h, "alice", "alice-secret");
  fprintf(stderr, "credo_authenticate under a memory limit: %s: %s\n",
          credo_errname(rc), credo_errmsg(h));
  return rc == CREDO_NOMEM && credo_get_role(h) == CREDO_ROLE_ADMIN ? 0 : 1;
}

static void t_auth_out_of_memory(void **state) {
  fx *f = *state;
  pid_t pid;
  int st = 0;
  credo *h;
  /* the password is right: without a limit it logs in */
  assert_int_equal(credo_dup(f->db, &h), CREDO_OK);
  assert_int_equal(credo_authenticate(h, "alice", "alice-secret"), CREDO_OK);
  credo_close(h);
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    _exit(oom_child(f->dir));
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
}

static int calls;
static int stop_after;
static int count_checks(void *arg) {
  (void)arg;
  return ++calls > stop_after && stop_after > 0;
}

/* A batch write is stopped in its write phase too (by the time limit or
 * the check handler, which share eng_run_check), writing nothing. */
static void t_batch_write_stopped(void **state) {
  fx *f = *state;
  char sql[256];
  int64_t n = -1;
  credo_stmt *st;
  assert_int_equal(
      credo_exec(f->db,
                 "CREATE TYPE fine PUBLICITY 10 YEARS REPAIRABLE AFTER 1 "
                 "MONTHS; CREATE SUBJECT '91350100M000100Y43' KIND org; BEGIN;",
                 NULL, NULL),
      CREDO_OK);
  for (int i = 0; i < 300; i++) {
    snprintf(sql, sizeof sql,
             "RECORD fine FOR '91350100M000100Y43' OCCURRED '2020-01-01' "
             "SOURCE 's' REF 'r%d';",
             i);
    assert_int_equal(credo_exec(f->db, sql, NULL, NULL), CREDO_OK);
  }
  assert_int_equal(credo_exec(f->db, "COMMIT;", NULL, NULL), CREDO_OK);
  /* how many checks the read phase makes */
  calls = 0;
  stop_after = 0;
  assert_int_equal(credo_set_check_handler(f->db, 1, count_checks, NULL),
                   CREDO_OK);
  assert_int_equal(credo_exec(f->db,
                              "SELECT count(*) FROM events WHERE id > 0;", NULL,
                              NULL),
                   CREDO_OK);
  stop_after = calls + 10; /* well inside the write phase */
  calls = 0;
  assert_int_equal(credo_exec(f->db,
                              "REPAIR EVENTS WHERE id > 0 REASON 'batch';",
                              NULL, NULL),
                   CREDO_CANCELLED);
  assert_true(calls > stop_after);
  credo_set_check_handler(f->db, 0, NULL, NULL);
  /* nothing of it was written: every event is still public now */
  assert_int_equal(
      credo_prepare(f->db, "SELECT count(*) FROM events;", -1, &st, NULL),
      CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_ROW);
  n = credo_column_int64(st, 0);
  credo_finalize(st);
  assert_int_equal(n, 300);
}

/* credo_bind_bool binds a BOOL: a condition on its own, equal to true. */
static void t_bind_bool(void **state) {
  fx *f = *state;
  credo_stmt *st;
  assert_int_equal(
      credo_exec(f->db, "CREATE TYPE a; CREATE TYPE b;", NULL, NULL), CREDO_OK);
  assert_int_equal(credo_prepare(f->db,
                                 "SELECT count(*) FROM types WHERE ? AND "
                                 "? = true",
                                 -1, &st, NULL),
                   CREDO_OK);
  assert_int_equal(credo_bind_bool(st, 1, 1), CREDO_OK);
  assert_int_equal(credo_bind_bool(st, 2, 7), CREDO_OK); /* non-zero: true */
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_int_equal(credo_column_int64(st, 0), 2);
  assert_int_equal(credo_reset(st), CREDO_OK);
  assert_int_equal(credo_bind_bool(st, 2, 0), CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_int_equal(credo_column_int64(st, 0), 0);
  assert_int_equal(credo_reset(st), CREDO_OK);
  assert_int_equal(credo_bind_bool(st, 3, 1), CREDO_RANGE);
  credo_finalize(st);
}

static int kills;
static void on_kill(void *arg) {
  (void)arg;
  kills++;
}

/* credo_session_check applies ALTER USER ... ROLE, ends the session after
 * DROP USER, a new password or KILL SESSION; SHOW SESSIONS lists it. */
static void t_session_check(void **state) {
  fx *f = *state;
  credo *h, *h2;
  int64_t n = 0;
  credo_stmt *st;
  assert_int_equal(credo_dup(f->db, &h), CREDO_OK);
  assert_int_equal(credo_session_check(h), CREDO_OK); /* not a session */
  assert_int_equal(credo_authenticate(h, "alice", "alice-secret"), CREDO_OK);
  assert_int_equal(
      credo_session_register(h, 42, "10.0.0.9:5000", on_kill, NULL), CREDO_OK);
  assert_int_equal(credo_get_role(h), CREDO_ROLE_RECORDER);
  assert_int_equal(
      credo_exec(f->db, "ALTER USER alice ROLE analyst;", NULL, NULL),
      CREDO_OK);
  assert_int_equal(credo_session_check(h), CREDO_OK);
  assert_int_equal(credo_get_role(h), CREDO_ROLE_ANALYST);
  assert_int_equal(credo_prepare(f->db, "SHOW SESSIONS;", -1, &st, NULL),
                   CREDO_OK);
  while (credo_step(st) == CREDO_ROW) {
    assert_int_equal(credo_column_int64(st, 0), 42);
    assert_string_equal(credo_column_text(st, 1), "alice");
    assert_string_equal(credo_column_text(st, 2), "analyst");
    assert_string_equal(credo_column_text(st, 3), "10.0.0.9:5000");
    n++;
  }
  credo_finalize(st);
  assert_int_equal(n, 1);
  assert_int_equal(credo_exec(h, "SHOW SESSIONS;", NULL, NULL), CREDO_DENIED);
  assert_int_equal(credo_exec(f->db, "KILL SESSION 42;", NULL, NULL), CREDO_OK);
  assert_int_equal(kills, 1);
  assert_int_equal(credo_session_check(h), CREDO_AUTH);
  assert_non_null(strstr(credo_errmsg(h), "killed by"));
  assert_int_equal(credo_get_role(h), CREDO_ROLE_PUBLIC);
  credo_close(h); /* off the list */
  assert_int_equal(credo_exec(f->db, "KILL SESSION 42;", NULL, NULL),
                   CREDO_NOTFOUND);
  /* a new password ends the sessions opened with the old one */
  assert_int_equal(credo_dup(f->db, &h2), CREDO_OK);
  assert_int_equal(credo_authenticate(h2, "alice", "alice-secret"), CREDO_OK);
  assert_int_equal(credo_exec(f->db,
                              "ALTER USER alice PASSWORD 'another-secret';",
                              NULL, NULL),
                   CREDO_OK);
  assert_int_equal(credo_session_check(h2), CREDO_AUTH);
  assert_non_null(strstr(credo_errmsg(h2), "password"));
  credo_close(h2);
  assert_int_equal(credo_dup(f->db, &h2), CREDO_OK);
  assert_int_equal(credo_authenticate(h2, "alice", "another-secret"), CREDO_OK);
  assert_int_equal(credo_exec(f->db, "DROP USER alice;", NULL, NULL), CREDO_OK);
  assert_int_equal(credo_session_check(h2), CREDO_AUTH);
  assert_non_null(strstr(credo_errmsg(h2), "dropped"));
  credo_close(h2);
}

/* A session a front end authenticated itself with the user's SCRAM
 * verifier (credo-server's PostgreSQL listener) follows the user as one
 * opened by credo_authenticate does; a verifier that is no longer the
 * user's (password changed since it was read) is refused. */
static void t_session_adopt(void **state) {
  fx *f = *state;
  credo_scram_verifier v, stale;
  credo *h;
  assert_int_equal(credo_user_scram(f->db, "alice", &v), CREDO_OK);
  assert_int_equal(credo_dup(f->db, &h), CREDO_OK);
  assert_int_equal(credo_session_adopt(NULL, "alice", &v), CREDO_MISUSE);
  assert_int_equal(credo_session_adopt(h, "nobody", &v), CREDO_AUTH);
  assert_int_equal(credo_session_adopt(h, "alice", &v), CREDO_OK);
  assert_int_equal(credo_get_role(h), CREDO_ROLE_RECORDER);
  /* now a recorder: it cannot adopt another user */
  assert_int_equal(credo_session_adopt(h, "alice", &v), CREDO_DENIED);
  assert_int_equal(credo_session_check(h), CREDO_OK);
  assert_int_equal(
      credo_exec(f->db, "ALTER USER alice ROLE analyst;", NULL, NULL),
      CREDO_OK);
  assert_int_equal(credo_session_check(h), CREDO_OK);
  assert_int_equal(credo_get_role(h), CREDO_ROLE_ANALYST);
  stale = v;
  assert_int_equal(credo_exec(f->db,
                              "ALTER USER alice PASSWORD 'third-secret';", NULL,
                              NULL),
                   CREDO_OK);
  assert_int_equal(credo_session_check(h), CREDO_AUTH);
  assert_non_null(strstr(credo_errmsg(h), "password"));
  credo_close(h);
  assert_int_equal(credo_dup(f->db, &h), CREDO_OK);
  assert_int_equal(credo_session_adopt(h, "alice", &stale), CREDO_AUTH);
  assert_int_equal(credo_get_role(h), CREDO_ROLE_ADMIN); /* unchanged */
  credo_close(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(t_busy_timeout, setup, teardown),
      cmocka_unit_test_setup_teardown(t_auth_out_of_memory, setup, teardown),
      cmocka_unit_test_setup_teardown(t_batch_write_stopped, setup, teardown),
      cmocka_unit_test_setup_teardown(t_bind_bool, setup, teardown),
      cmocka_unit_test_setup_teardown(t_session_check, setup, teardown),
      cmocka_unit_test_setup_teardown(t_session_adopt, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
