/*
 * upgrade.c -- owns stor_upgrade: bringing a store of an older format to
 * STOR_FORMAT_VERSION by copying it, never by changing it in place.
 *
 * Steps: open the old store read-only (stor_open_as, older formats
 * allowed, tables it lacks skipped); create `path`.upgrade as a new store;
 * copy every entry of every table through stor_put (which seals each value
 * with its checksum), in batches of UPGRADE_BATCH puts per transaction --
 * the format_version entry too, so the copy keeps the old number, now
 * checksummed, and the engine's own migration of that format runs at its
 * next read-write open (engine/rules.c eng_upgrade); close both; rename
 * `path` to `path`.v<old> and the copy to `path`.
 *
 * Invariants: until the first rename the old store is untouched and a
 * failure removes the partial copy; a crash between the two renames
 * leaves both directories whole (the old one under its .v name).
 *
 * Does not: convert records (the engine's migration does), or run while the
 * store is open elsewhere (the caller makes sure).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stor_impl.h"

/* Puts per write transaction of the copy. */
#define UPGRADE_BATCH 20000
#define NAME_MAX_LEN 4096

/* Copies one table from the old store's snapshot `rt` into `dst`. */
static int copy_table(stor_env *src, MDB_txn *rt, int table, stor_env *dst) {
  MDB_cursor *mc;
  MDB_val k, v;
  stor_txn *wt = NULL;
  unsigned n = 0;
  int rc, mrc;

  if ((mrc = mdb_cursor_open(rt, src->dbi[table], &mc)) != 0)
    return stor_err(mrc);
  rc = stor_txn_begin(dst, 1, &wt);
  for (mrc = mdb_cursor_get(mc, &k, &v, MDB_FIRST); rc == CREDO_OK && !mrc;
       mrc = mdb_cursor_get(mc, &k, &v, MDB_NEXT)) {
    rc = stor_put(wt, table, (stor_val){k.mv_data, k.mv_size},
                  (stor_val){v.mv_data, v.mv_size});
    if (rc == CREDO_OK && ++n % UPGRADE_BATCH == 0) {
      rc = stor_txn_commit(wt);
      wt = NULL;
      if (rc == CREDO_OK)
        rc = stor_txn_begin(dst, 1, &wt);
    }
  }
  mdb_cursor_close(mc);
  if (rc == CREDO_OK && mrc != MDB_NOTFOUND)
    rc = stor_err(mrc);
  if (rc == CREDO_OK)
    rc = stor_txn_commit(wt);
  else
    stor_txn_abort(wt);
  return rc;
}

static int copy_all(stor_env *src, stor_env *dst) {
  MDB_txn *rt;
  int rc = CREDO_OK, i;

  if ((i = mdb_txn_begin(src->mdb, NULL, MDB_RDONLY, &rt)) != 0)
    return stor_err(i);
  for (i = 0; i < STOR_NTABLES && rc == CREDO_OK; i++)
    if (!src->absent[i])
      rc = copy_table(src, rt, i, dst);
  mdb_txn_abort(rt);
  return rc;
}

static void remove_store_dir(const char *dir) {
  char f[NAME_MAX_LEN + 16];

  snprintf(f, sizeof f, "%s/data.mdb", dir);
  unlink(f);
  snprintf(f, sizeof f, "%s/lock.mdb", dir);
  unlink(f);
  rmdir(dir);
}

/* Builds the copy in `tmp`; removes it on failure. */
static int build_copy(stor_env *src, const char *tmp, char *err,
                      size_t errlen) {
  stor_env *dst = NULL;
  int rc;

  if ((rc = stor_open(tmp, NULL, &dst, err, errlen)) != CREDO_OK)
    return rc;
  rc = copy_all(src, dst);
  stor_close(dst);
  if (rc != CREDO_OK) {
    remove_store_dir(tmp);
    return stor_say(err, errlen, rc, "upgrade of %s failed while copying: %s",
                    src->path, credo_strerror(rc));
  }
  return CREDO_OK;
}

int stor_upgrade(const char *path, uint32_t *from, char *err, size_t errlen) {
  stor_options o = {.readonly = 1};
  char tmp[NAME_MAX_LEN], old[NAME_MAX_LEN];
  stor_env *src = NULL;
  struct stat st;
  int rc;

  if (from)
    *from = 0;
  if (!path || !*path || strlen(path) > NAME_MAX_LEN - 32)
    return stor_say(err, errlen, CREDO_INVALID, "upgrade: bad store path");
  if ((rc = stor_open_as(path, &o, 1, &src, err, errlen)) != CREDO_OK)
    return rc;
  if (from)
    *from = src->format;
  if (src->sums) {
    stor_close(src);
    return CREDO_OK;
  }
  snprintf(tmp, sizeof tmp, "%s.upgrade", path);
  snprintf(old, sizeof old, "%s.v%u", path, (unsigned)src->format);
  if (stat(tmp, &st) == 0 || stat(old, &st) == 0) {
    stor_close(src);
    return stor_say(
        err, errlen, CREDO_EXISTS,
        "upgrade of %s: %s or %s exists already; move it away first", path, tmp,
        old);
  }
  rc = build_copy(src, tmp, err, errlen);
  stor_close(src);
  if (rc != CREDO_OK)
    return rc;
  if (rename(path, old) != 0) {
    rc = stor_err(errno);
    remove_store_dir(tmp);
    return stor_say(err, errlen, rc, "upgrade of %s: cannot rename it: %s",
                    path, strerror(errno));
  }
  if (rename(tmp, path) != 0)
    return stor_say(err, errlen, stor_err(errno),
                    "upgrade of %s: the old store is now %s, but the upgraded "
                    "copy %s could not take its name: %s",
                    path, old, tmp, strerror(errno));
  return CREDO_OK;
}
