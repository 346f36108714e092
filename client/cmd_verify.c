/*
 * cmd_verify.c -- `credo verify DIR`: checks a backup (credo_verify):
 * sizes and XXH3-128 checksums against the manifest, then the snapshot's
 * counts and integrity. Prints one line per problem, then a summary.
 * Exit 0 when the backup is sound, 1 when anything is wrong.
 *
 * Does not: modify the backup (LMDB may leave a lock.mdb beside it).
 */
#include "cmds.h"

#define SYNOPSIS "verify DIR"

static int print_problem(void *arg, const char *problem) {
  (void)arg;
  printf("%s\n", problem);
  return 0;
}

int cmd_verify(int argc, char **argv) {
  credo_check_report rep;
  credo_backup_info b;
  int rc;

  if (argc != 2)
    return cmd_usage(SYNOPSIS, "verify needs the backup directory");
  rc = credo_verify(argv[1], print_problem, NULL, &rep);
  if (rc == CREDO_OK && credo_backup_read(argv[1], &b, NULL, 0) == CREDO_OK) {
    printf("verify: %s: OK: %s %llu bytes, XXH3-128 matches; %llu events, "
           "%llu versions, %llu subjects, %llu types checked\n",
           argv[1], b.file, (unsigned long long)b.size,
           (unsigned long long)rep.events, (unsigned long long)rep.versions,
           (unsigned long long)rep.subjects, (unsigned long long)rep.types);
    return CMD_OK;
  }
  printf("verify: %s: FAILED: %llu problem%s (%s)\n", argv[1],
         (unsigned long long)rep.problems, rep.problems == 1 ? "" : "s",
         credo_strerror(rc));
  return CMD_FAIL;
}
