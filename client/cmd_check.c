/*
 * cmd_check.c -- `credo check STORE`: the integrity check (credo_check) on
 * a live store, read-only, beside its writers. Prints one line per
 * problem, then a summary. Exit 0 clean, 1 problems found or the check
 * could not run.
 *
 * The check runs in a child process: LMDB trusts its pages, and a damaged
 * B-tree can crash the reader (a SIGSEGV inside mdb_cursor_get). A child
 * that dies by a signal is reported as a corrupt store, never as a crash
 * of this command. The child's output is line-buffered, so the problems it
 * printed before dying are kept.
 *
 * Does not: repair anything.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h"

#define SYNOPSIS "check STORE"

static int print_problem(void *arg, const char *problem) {
  (void)arg;
  printf("%s\n", problem);
  return 0;
}

/* The check itself (in the child). */
static int check_here(const char *store) {
  credo_check_report rep;
  credo *db = NULL;
  double t0 = cmd_now();
  int rc;

  if (cmd_open_local(store, CREDO_OPEN_READONLY | CREDO_OPEN_NOCREATE, &db))
    return CMD_FAIL;
  rc = credo_check(db, print_problem, NULL, &rep);
  if (rc == CREDO_OK)
    printf("check: %s: clean: %llu events, %llu versions, %llu subjects, "
           "%llu types, %llu index entries (%.2f s)\n",
           store, (unsigned long long)rep.events,
           (unsigned long long)rep.versions, (unsigned long long)rep.subjects,
           (unsigned long long)rep.types, (unsigned long long)rep.index_entries,
           cmd_now() - t0);
  else if (rc == CREDO_CORRUPT)
    printf("check: %s: %llu problem%s found\n", store,
           (unsigned long long)rep.problems, rep.problems == 1 ? "" : "s");
  else
    fprintf(stderr, "error: check of '%s' failed: %s\n", store,
            credo_errmsg(db));
  credo_close(db);
  return rc == CREDO_OK ? CMD_OK : CMD_FAIL;
}

int cmd_check(int argc, char **argv) {
  int status;
  pid_t pid;

  if (argc != 2 || argv[1][0] == '-')
    return cmd_usage(SYNOPSIS, "check needs STORE");
  fflush(stdout);
  fflush(stderr);
  if ((pid = fork()) < 0) {
    perror("error: check: fork");
    return CMD_FAIL;
  }
  if (pid == 0) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    exit(check_here(argv[1]));
  }
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) {
      perror("error: check: waitpid");
      return CMD_FAIL;
    }
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  printf("check: %s: corrupt: reading the store crashed the check "
         "(signal %d, %s): its B-tree pages are damaged\n",
         argv[1], WTERMSIG(status), strsignal(WTERMSIG(status)));
  return CMD_FAIL;
}
