/*
 * cmd_backup.c -- `credo backup STORE|credo://admin@host DEST_DIR`: a
 * consistent snapshot of a live store plus its manifest (credo_backup),
 * with a progress line on a terminal, and a summary of what the manifest
 * records. From a server, the snapshot is streamed over the protocol
 * (BACKUP) and the manifest written here; the password comes from
 * CREDO_PASSWORD or a no-echo prompt.
 *
 * Invariants: a local store is opened read-only and must exist (a typo
 * never creates an empty store to back up); DEST_DIR must be missing or
 * empty.
 */
#include <string.h>

#include "cmds.h"
#include "sh_prompt.h"

#define SYNOPSIS "backup STORE|credo://USER@HOST[:PORT] DEST_DIR"

typedef struct backup_progress {
  cmd_progress bar;
  const char *phase;
} backup_progress;

static int on_progress(void *arg, const char *phase, uint64_t done,
                       uint64_t total) {
  backup_progress *p = arg;
  if (!p->phase || strcmp(p->phase, phase) != 0) {
    cmd_progress_end(&p->bar);
    cmd_progress_start(&p->bar,
                       strcmp(phase, "copy") == 0      ? "backup: copy"
                       : strcmp(phase, "receive") == 0 ? "backup: receive"
                                                       : "backup: checksum",
                       "MB", total);
    p->phase = phase;
  }
  p->bar.total = total;
  cmd_progress_show(&p->bar, done, done >> 20);
  return 0;
}

static void summary(const char *dest) {
  credo_backup_info b;
  char when[48];
  if (credo_backup_read(dest, &b, NULL, 0) != CREDO_OK)
    return;
  printf("backup: %s: %llu events, %llu versions, %llu subjects, %llu types; "
         "last transaction %s\n",
         dest, (unsigned long long)b.events, (unsigned long long)b.versions,
         (unsigned long long)b.subjects, (unsigned long long)b.types,
         cmd_fmt_time(b.last_tx, 0, when, sizeof when));
  printf("backup: %s/%s: %llu bytes, XXH3-128 %s\n", dest, b.file,
         (unsigned long long)b.size, b.xxh3_128);
}

int cmd_backup(int argc, char **argv) {
  backup_progress p = {0};
  credo *db = NULL;
  int rc;

  if (argc != 3)
    return cmd_usage(SYNOPSIS, "backup needs STORE and DEST_DIR");
  if (sh_is_uri(argv[1]) && sh_password_prompt(argc, argv) < 0)
    return CMD_FAIL;
  if (cmd_open(argv[1], CREDO_OPEN_READONLY | CREDO_OPEN_NOCREATE, &db))
    return CMD_FAIL;
  rc = credo_backup(db, argv[2], on_progress, &p);
  cmd_progress_end(&p.bar);
  if (rc != CREDO_OK)
    fprintf(stderr, "error: backup of '%s' failed: %s\n", argv[1],
            credo_errmsg(db));
  credo_close(db);
  if (rc != CREDO_OK)
    return CMD_FAIL;
  summary(argv[2]);
  return CMD_OK;
}
