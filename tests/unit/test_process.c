/*
 * test_process.c -- several processes on one store: a reader process that
 * sees only whole transactions while another commits, and the crash test:
 * a child commits batches and is killed with SIGKILL at random points;
 * every batch it reported committed must be there whole, and no partial
 * batch may be visible.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "credo.h"
#include "th.h"

#define ORG "91350100M000100Y43"
#define BATCH 25

static void setup_store(const char *dir) {
  credo *db = NULL;
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  assert_int_equal(credo_create_type(db, "t", (credo_duration){12, 0},
                                     (credo_duration){3, 0}),
                   CREDO_OK);
  assert_int_equal(credo_create_subject(db, ORG, CREDO_KIND_ORG, NULL),
                   CREDO_OK);
  credo_close(db);
}

/* Records batch `b` (BATCH events, refs "b<b>-<i>") in one transaction. */
static int write_batch(credo *db, int b) {
  int rc = credo_begin(db);
  for (int i = 0; rc == CREDO_OK && i < BATCH; i++) {
    char ref[32];
    snprintf(ref, sizeof ref, "b%d-%d", b, i);
    credo_record r = {ORG,
                      "t",
                      INT64_C(1740787200000000),
                      CREDO_TIME_DEFAULT,
                      CREDO_TIME_DEFAULT,
                      "crash",
                      ref,
                      "{\"x\":1}",
                      NULL};
    rc = credo_record_event(db, &r, NULL, NULL);
  }
  if (rc != CREDO_OK) {
    credo_rollback(db);
    return rc;
  }
  return credo_commit(db);
}

/* Child: commits batches from `first` on, reporting each on `fd`. */
static void writer_child(const char *dir, int first, int fd) {
  credo *db = NULL;
  if (credo_open(dir, NULL, &db) != CREDO_OK)
    _exit(3);
  for (int b = first;; b++) {
    if (write_batch(db, b) != CREDO_OK)
      _exit(4);
    if (write(fd, &b, sizeof b) != sizeof b)
      _exit(5);
  }
}

typedef struct tally {
  int per_batch[65536];
  int other;
} tally;

static int tally_cb(const credo_event *ev, void *arg) {
  tally *t = arg;
  int b, i;
  if (sscanf(ev->ref, "b%d-%d", &b, &i) == 2 && b >= 0 && b < 65536)
    t->per_batch[b]++;
  else
    t->other++;
  return 0;
}

static void test_crash_kill9(void **state) {
  char *dir = th_tmpdir("crash");
  int next = 0;
  unsigned seed = (unsigned)time(NULL);
  (void)state;
  print_message("crash test seed %u\n", seed);
  srand(seed);
  setup_store(dir);
  for (int round = 0; round < 6; round++) {
    /* the last batch reported: before this round's first, when the child
     * was killed before it reported any (slow to start under load) */
    int fds[2], b, reported = next - 1, status;
    pid_t pid;
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      writer_child(dir, next, fds[1]);
    }
    close(fds[1]);
    usleep(20000 + (useconds_t)(rand() % 150000));
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    while (read(fds[0], &b, sizeof b) == sizeof b)
      reported = b;
    close(fds[0]);

    credo *db = NULL;
    tally *t = calloc(1, sizeof *t);
    assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
    assert_int_equal(credo_subject_events(db, ORG, CREDO_TIME_NOW,
                                          CREDO_TIME_NOW, CREDO_READ_HIDDEN,
                                          tally_cb, t),
                     CREDO_OK);
    assert_int_equal(t->other, 0);
    for (int i = 0; i <= reported; i++)
      assert_int_equal(t->per_batch[i], BATCH); /* reported: whole */
    int seen = 0;
    for (int i = 0; i < 65536; i++) {
      assert_true(t->per_batch[i] == 0 || t->per_batch[i] == BATCH);
      if (t->per_batch[i])
        seen = i + 1;
    }
    /* at most one batch committed but not yet reported */
    assert_true(seen <= reported + 2);
    print_message("round %d: %d batches reported, %d present\n", round,
                  reported + 1, seen);
    next = seen;
    credo_close(db);
    free(t);
  }
  th_rmdir(dir);
}

static void test_reader_process(void **state) {
  char *dir = th_tmpdir("reader");
  int fds[2], status;
  pid_t pid;
  (void)state;
  setup_store(dir);
  assert_int_equal(pipe(fds), 0);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    /* reader: until the writer closes the pipe, every snapshot it takes
     * holds whole batches only */
    credo *db = NULL;
    struct pollfd pfd = {.events = POLLIN};
    int snapshots = 0, sizes = 0, last = -1;
    close(fds[1]);
    pfd.fd = fds[0];
    if (credo_open(dir, NULL, &db) != CREDO_OK)
      _exit(3);
    while (poll(&pfd, 1, 0) == 0) {
      tally *t = calloc(1, sizeof *t);
      int total = 0;
      if (credo_subject_events(db, ORG, CREDO_TIME_NOW, CREDO_TIME_NOW,
                               CREDO_READ_HIDDEN, tally_cb, t) != CREDO_OK)
        _exit(4);
      for (int i = 0; i < 65536; i++) {
        if (t->per_batch[i] != 0 && t->per_batch[i] != BATCH)
          _exit(5);
        total += t->per_batch[i];
      }
      snapshots++;
      sizes += total != last;
      last = total;
      free(t);
    }
    printf("reader: %d snapshots, %d distinct sizes\n", snapshots, sizes);
    credo_close(db);
    _exit(0);
  }
  close(fds[0]);
  credo *db = NULL;
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  for (int b = 0; b < 60; b++)
    assert_int_equal(write_batch(db, b), CREDO_OK);
  close(fds[1]);
  waitpid(pid, &status, 0);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  credo_close(db);
  th_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reader_process),
      cmocka_unit_test(test_crash_kill9),
  };
  return cmocka_run_group_tests_name("process", tests, NULL, NULL);
}
