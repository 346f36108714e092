/*
 * cmd_restore.c -- `credo restore DIR NEW_STORE`: verifies the backup in
 * DIR and makes NEW_STORE from it (credo_restore). NEW_STORE must be
 * missing or an empty directory. Problems go to stderr; exit 0 or 1.
 *
 * Does not: restore a logical dump (that is `credo import --restore`).
 */
#include "cmds.h"

#define SYNOPSIS "restore DIR NEW_STORE"

static int print_problem(void *arg, const char *problem) {
  (void)arg;
  fprintf(stderr, "error: %s\n", problem);
  return 0;
}

int cmd_restore(int argc, char **argv) {
  credo_backup_info b;
  char when[48];
  int rc;

  if (argc != 3)
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
  return CMD_OK;
}
