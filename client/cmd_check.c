/*
 * cmd_check.c -- `credo check STORE`: the integrity check (credo_check) on
 * a live store, read-only, beside its writers. Prints one line per
 * problem, then a summary. Exit 0 clean, 1 problems found or the check
 * could not run.
 *
 * Does not: repair anything.
 */
#include "cmds.h"

#define SYNOPSIS "check STORE"

static int print_problem(void *arg, const char *problem) {
  (void)arg;
  printf("%s\n", problem);
  return 0;
}

int cmd_check(int argc, char **argv) {
  credo_check_report rep;
  credo *db = NULL;
  double t0 = cmd_now();
  int rc;

  if (argc != 2)
    return cmd_usage(SYNOPSIS, "check needs STORE");
  if (cmd_open(argv[1], CREDO_OPEN_READONLY | CREDO_OPEN_NOCREATE, &db))
    return CMD_FAIL;
  rc = credo_check(db, print_problem, NULL, &rep);
  if (rc == CREDO_OK)
    printf("check: %s: clean: %llu events, %llu versions, %llu subjects, "
           "%llu types, %llu index entries (%.2f s)\n",
           argv[1], (unsigned long long)rep.events,
           (unsigned long long)rep.versions, (unsigned long long)rep.subjects,
           (unsigned long long)rep.types, (unsigned long long)rep.index_entries,
           cmd_now() - t0);
  else if (rc == CREDO_CORRUPT)
    printf("check: %s: %llu problem%s found\n", argv[1],
           (unsigned long long)rep.problems, rep.problems == 1 ? "" : "s");
  else
    fprintf(stderr, "error: check of '%s' failed: %s\n", argv[1],
            credo_errmsg(db));
  credo_close(db);
  return rc == CREDO_OK ? CMD_OK : CMD_FAIL;
}
