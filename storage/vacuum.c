/*
 * vacuum.c -- owns stor_vacuum: the offline rewrite of a store, entry by
 * entry, into a fresh file that then replaces data.mdb.
 *
 * Why: LMDB never clears what it frees. After a delete, the old bytes stay
 * in free pages, in the unused middle of live pages and in pages copied
 * from them, and even LMDB's compacting copy (stor_copy) copies whole
 * pages, unused space included. A fresh environment into which only the
 * live key/value pairs are written holds no byte of anything deleted
 * (erasure, docs/operations.md).
 *
 * How: an exclusive fcntl lock on byte 0 of lock.mdb (the byte LMDB
 * itself locks shared in every process that has the store open) proves
 * that no other process uses the store, and makes any process that opens
 * it meanwhile wait. Tables are copied in key order into DIR/vacuum.tmp/
 * in transactions of VACUUM_BATCH entries; the new file is fsynced and
 * renamed over data.mdb while the old environment is still open (so the
 * lock is held until the new file is in place), then the old one is closed.
 *
 * Invariants: a crash leaves either the old data.mdb or the new one,
 * whole (rename is atomic; vacuum.tmp is removed at the next vacuum); the
 * copy has the same tables, keys and values, byte for byte.
 *
 * Does not: run beside other processes (CREDO_BUSY), or check the result
 * (credo check does).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stor.h"

#define VACUUM_BATCH 10000u
#define VACUUM_DIR "vacuum.tmp"

typedef struct vac {
  const char *path;
  char tmp[4096];
  char *err;
  size_t errlen;
  credo_progress_fn progress;
  void *arg;
  uint64_t done, total;
} vac;

static int fail(vac *v, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(vac *v, int rc, const char *fmt, ...) {
  va_list ap;
  if (v->err && v->errlen) {
    va_start(ap, fmt);
    vsnprintf(v->err, v->errlen, fmt, ap);
    va_end(ap);
  }
  return rc;
}

/* Takes (or, with *fd open, upgrades to) the lock that proves the store is
 * not open elsewhere; *fd stays open (closing any descriptor of lock.mdb
 * in this process drops it). */
static int lock_store(vac *v, int *fd) {
  char p[4200];
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1};
  snprintf(p, sizeof p, "%s/lock.mdb", v->path);
  if (*fd < 0 && (*fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
    return fail(v, CREDO_IO, "cannot open %s: %s", p, strerror(errno));
  if (fcntl(*fd, F_SETLK, &fl) == 0)
    return CREDO_OK;
  fl.l_type = F_WRLCK;
  if (fcntl(*fd, F_GETLK, &fl) != 0 || fl.l_type == F_UNLCK)
    fl.l_pid = 0;
  return fail(v, CREDO_BUSY,
              "store %s is open in process %ld: vacuum needs the store to "
              "itself (stop credo-server and other users, then run it again)",
              v->path, (long)fl.l_pid);
}

/* Removes what a previous, interrupted vacuum left. */
static void clear_tmp(vac *v) {
  char p[4200];
  snprintf(p, sizeof p, "%s/data.mdb", v->tmp);
  unlink(p);
  snprintf(p, sizeof p, "%s/lock.mdb", v->tmp);
  unlink(p);
  rmdir(v->tmp);
}

static int report(vac *v) {
  if (v->progress && v->progress(v->arg, "vacuum", v->done, v->total))
    return CREDO_CANCELLED;
  return CREDO_OK;
}

/* Copies table `t` from the read txn `src` into `dst`, committing every
 * VACUUM_BATCH entries. */
static int copy_table(vac *v, stor_txn *src, stor_env *dst, int t) {
  stor_cursor *c = NULL;
  stor_txn *w = NULL;
  stor_val k, val;
  unsigned n = 0;
  int rc;
  if ((rc = stor_cursor_open(src, t, &c)) != CREDO_OK ||
      (rc = stor_txn_begin(dst, 1, &w)) != CREDO_OK)
    goto done;
  for (rc = stor_cursor_first(c, &k, &val); rc == CREDO_OK;
       rc = stor_cursor_next(c, &k, &val)) {
    if ((rc = stor_put(w, t, k, val)) != CREDO_OK)
      goto done;
    v->done++;
    if (++n % VACUUM_BATCH == 0) {
      rc = stor_txn_commit(w);
      w = NULL;
      if (rc || (rc = report(v)) || (rc = stor_txn_begin(dst, 1, &w)))
        goto done;
    }
  }
  if (rc == CREDO_NOTFOUND) {
    rc = stor_txn_commit(w);
    w = NULL;
  }
done:
  stor_txn_abort(w);
  stor_cursor_close(c);
  return rc;
}

static int copy_all(vac *v, stor_env *src, stor_env *dst) {
  stor_txn *r = NULL;
  uint64_t n;
  int rc;
  if ((rc = stor_txn_begin(src, 0, &r)) != CREDO_OK)
    return rc;
  for (int t = 0; t < STOR_NTABLES; t++)
    if (stor_count(r, t, &n) == CREDO_OK)
      v->total += n;
  for (int t = 0; t < STOR_NTABLES && rc == CREDO_OK; t++)
    rc = copy_table(v, r, dst, t);
  stor_txn_abort(r);
  return rc == CREDO_OK ? report(v) : rc;
}

static int sync_path(const char *p, int dir) {
  int fd = open(p, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC), rc;
  if (fd < 0)
    return -1;
  rc = fsync(fd);
  close(fd);
  return rc;
}

/* Writes the new file and puts it in place of data.mdb (src still open). */
static int rewrite(vac *v, stor_env *src) {
  stor_options o = {.nosync = 1};
  stor_env *dst = NULL;
  char from[4200], to[4200], msg[512];
  uint64_t map = 0, used;
  int rc;
  stor_space(src, &map, &used);
  o.map_size = (size_t)map;
  clear_tmp(v);
  if ((rc = stor_open(v->tmp, &o, &dst, msg, sizeof msg)) != CREDO_OK)
    return fail(v, rc, "%s", msg);
  rc = copy_all(v, src, dst);
  stor_close(dst);
  snprintf(from, sizeof from, "%s/data.mdb", v->tmp);
  snprintf(to, sizeof to, "%s/data.mdb", v->path);
  if (rc != CREDO_OK) {
    clear_tmp(v);
    return fail(v, rc, "vacuum of %s stopped: %s", v->path, credo_strerror(rc));
  }
  if (sync_path(from, 0) != 0 || rename(from, to) != 0 ||
      sync_path(v->path, 1) != 0) {
    rc = fail(v, CREDO_IO, "cannot put the new %s in place: %s", to,
              strerror(errno));
    clear_tmp(v);
    return rc;
  }
  clear_tmp(v);
  return CREDO_OK;
}

int stor_vacuum(const char *path, credo_progress_fn progress, void *arg,
                char *err, size_t errlen) {
  vac v = {.path = path,
           .err = err,
           .errlen = errlen,
           .progress = progress,
           .arg = arg};
  stor_options o = {.nocreate = 1};
  stor_env *src = NULL;
  struct stat sb;
  char p[4200], msg[512];
  int fd = -1, rc;
  if (err && errlen)
    err[0] = '\0';
  if (!path)
    return CREDO_MISUSE;
  snprintf(p, sizeof p, "%s/data.mdb", path);
  if (stat(p, &sb) != 0)
    return fail(&v, CREDO_NOTFOUND, "%s is not a store (no data.mdb)", path);
  snprintf(v.tmp, sizeof v.tmp, "%s/" VACUUM_DIR, path);
  if ((rc = lock_store(&v, &fd)) != CREDO_OK)
    goto done;
  if ((rc = stor_open(path, &o, &src, msg, sizeof msg)) != CREDO_OK) {
    rc = fail(&v, rc, "%s", msg);
    goto done;
  }
  /* LMDB's open turned this process's lock into a shared one (fcntl locks
   * belong to the process, not the descriptor): take it exclusive again */
  if ((rc = lock_store(&v, &fd)) == CREDO_OK)
    rc = rewrite(&v, src);
done:
  stor_close(src); /* drops the lock too: fcntl locks are per process */
  if (fd >= 0)
    close(fd);
  return rc;
}
