/*
 * cmd_upgrade.c -- `credo upgrade STORE`: brings a store written by an
 * older build to this build's format (credo_upgrade), keeping the old one
 * as STORE.v<N>. Exit 0 upgraded or already current, 1 failure.
 *
 * Does not: run while the store is open elsewhere (the caller's part; the
 * store's own open would not see a crash of this command as corruption,
 * since nothing is changed in place).
 */
#include "cmds.h"

#define SYNOPSIS "upgrade STORE"

int cmd_upgrade(int argc, char **argv) {
  char err[1024];
  unsigned from = 0;
  int rc;

  if (argc != 2 || argv[1][0] == '-')
    return cmd_usage(SYNOPSIS, "upgrade needs STORE");
  rc = credo_upgrade(argv[1], &from, err, sizeof err);
  if (rc != CREDO_OK) {
    fprintf(stderr, "error: %s\n", err[0] ? err : credo_strerror(rc));
    return CMD_FAIL;
  }
  if (from == CREDO_STORE_FORMAT)
    printf("upgrade: %s: already format %u; nothing to do\n", argv[1], from);
  else
    printf("upgrade: %s: format %u -> %u; the old store is %s.v%u (delete it "
           "when satisfied)\n",
           argv[1], from, (unsigned)CREDO_STORE_FORMAT, argv[1], from);
  return CMD_OK;
}
