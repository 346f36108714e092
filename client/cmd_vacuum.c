/*
 * cmd_vacuum.c -- `credo vacuum STORE`: rewrites the store entry by entry
 * into a fresh data.mdb (credo_vacuum), so that erased records leave the
 * file. Offline: refused while another process (credo-server) has the
 * store open. Progress on stderr (a terminal), sizes on stdout. Exit 0 or
 * 1.
 *
 * Does not: erase anything (ERASE, credo purge).
 */
#include <sys/stat.h>

#include "cmds.h"

#define SYNOPSIS "vacuum STORE"

static int show(void *arg, const char *phase, uint64_t done, uint64_t total) {
  cmd_progress *p = arg;
  (void)phase;
  p->total = total;
  cmd_progress_show(p, done, done);
  return 0;
}

static long long file_size(const char *dir) {
  char p[4200];
  struct stat sb;
  snprintf(p, sizeof p, "%s/data.mdb", dir);
  return stat(p, &sb) == 0 ? (long long)sb.st_size : -1;
}

int cmd_vacuum(int argc, char **argv) {
  cmd_progress p;
  char err[600];
  long long before;
  double t0 = cmd_now();
  int rc;

  if (argc != 2)
    return cmd_usage(SYNOPSIS, "vacuum needs STORE");
  before = file_size(argv[1]);
  cmd_progress_start(&p, "vacuum", "entries", 0);
  rc = credo_vacuum(argv[1], show, &p, err, sizeof err);
  cmd_progress_end(&p);
  if (rc != CREDO_OK) {
    fprintf(stderr, "error: vacuum of '%s' failed: %s\n", argv[1],
            err[0] ? err : credo_strerror(rc));
    return CMD_FAIL;
  }
  printf("vacuum: %s: data.mdb %lld -> %lld bytes (%.2f s)\n", argv[1], before,
         file_size(argv[1]), cmd_now() - t0);
  return CMD_OK;
}
