/*
 * cmd_restore.c -- `credo restore DIR NEW_STORE`: verifies the backup in
 * DIR and makes NEW_STORE from it (credo_restore). NEW_STORE must be
 * missing or an empty directory. With --erasures-from STORE, the erasure
 * ledger of the live STORE is applied to the result (credo_apply_erasures),
 * so a backup older than an erasure does not bring the records back. Problems
 * go to stderr; exit 0 or 1.
 *
 * Does not: restore a logical dump (that is `credo import --restore`).
 */
#include <string.h>

#include "cmds.h"

#define SYNOPSIS "restore DIR NEW_STORE [--erasures-from STORE]"

static int print_problem(void *arg, const char *problem) {
  (void)arg;
  fprintf(stderr, "error: %s\n", problem);
  return 0;
}

/* Erases in the restored store what the live store `from` erased after
 * the backup was taken (credo_apply_erasures). */
static int reapply(const char *store, const char *from) {
  uint64_t n = 0;
  credo *db = NULL;
  int rc;
  if ((rc = cmd_open(store, CREDO_OPEN_NOCREATE, &db)) != CREDO_OK)
    return rc;
  rc = credo_apply_erasures(db, from, &n);
  if (rc == CREDO_OK)
    printf("restore: %s: erasures of %s applied: %llu event%s erased again\n",
           store, from, (unsigned long long)n, n == 1 ? "" : "s");
  else
    fprintf(stderr,
            "error: applying the erasures of '%s' failed: %s (the "
            "restored store must not go into service before they apply)\n",
            from, credo_errmsg(db));
  credo_close(db);
  return rc;
}

int cmd_restore(int argc, char **argv) {
  credo_backup_info b;
  char when[48];
  int rc;

  if (argc != 3 && !(argc == 5 && strcmp(argv[3], "--erasures-from") == 0))
    return cmd_usage(SYNOPSIS, "restore needs the backup DIR and NEW_STORE");
  rc = credo_restore(argv[1], argv[2], print_problem, NULL);
  if (rc != CREDO_OK) {
    fprintf(stderr, "error: restore from '%s' failed: %s\n", argv[1],
            credo_strerror(rc));
    return CMD_FAIL;
  }
  if (credo_backup_read(argv[1], &b, NULL, 0) == CREDO_OK)
    printf("restore: %s: %llu events, %llu versions, %llu subjects, %llu "
           "types, as of %s\n",
           argv[2], (unsigned long long)b.events,
           (unsigned long long)b.versions, (unsigned long long)b.subjects,
           (unsigned long long)b.types,
           cmd_fmt_time(b.last_tx, 0, when, sizeof when));
  if (argc == 5 && reapply(argv[2], argv[4]) != CREDO_OK)
    return CMD_FAIL;
  return CMD_OK;
}
