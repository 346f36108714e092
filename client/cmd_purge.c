/*
 * cmd_purge.c -- `credo purge STORE [--batch N] [--now T]`: erases the
 * records whose retention ran out (credo_purge: types declared with
 * RETAIN), in transactions of N events, beside the store's other users.
 * Progress on stderr (a terminal), the count on stdout. Exit 0 or 1.
 *
 * Does not: schedule itself (credo-server --purge-interval does), or
 * remove the erased bytes from the file (credo vacuum does).
 */
#include <string.h>

#include "cmds.h"

#define SYNOPSIS "purge STORE [--batch N] [--now T]"

static int show(void *arg, const char *phase, uint64_t done, uint64_t total) {
  (void)phase;
  (void)total;
  cmd_progress_show(arg, done, done);
  return 0;
}

int cmd_purge(int argc, char **argv) {
  credo_time now = CREDO_TIME_NOW;
  uint64_t batch = 0, erased = 0;
  cmd_progress p;
  credo *db = NULL;
  double t0 = cmd_now();
  int rc;

  if (argc < 2)
    return cmd_usage(SYNOPSIS, "purge needs STORE");
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc &&
        cmd_parse_count(argv[i + 1], 1000000, &batch) == 0)
      i++;
    else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc &&
             credo_time_parse(argv[i + 1], 0, &now) == CREDO_OK)
      i++;
    else
      return cmd_usage(SYNOPSIS, "bad option '%s'", argv[i]);
  }
  if (cmd_open_local(argv[1], CREDO_OPEN_NOCREATE, &db))
    return CMD_FAIL;
  cmd_progress_start(&p, "purge", "events", 0);
  rc = credo_purge(db, now, (unsigned)batch, show, &p, &erased);
  cmd_progress_end(&p);
  if (rc == CREDO_OK)
    printf("purge: %s: %llu event%s erased (%.2f s)\n", argv[1],
           (unsigned long long)erased, erased == 1 ? "" : "s", cmd_now() - t0);
  else
    fprintf(stderr, "error: purge of '%s' failed after %llu erasures: %s\n",
            argv[1], (unsigned long long)erased, credo_errmsg(db));
  credo_close(db);
  return rc == CREDO_OK ? CMD_OK : CMD_FAIL;
}
