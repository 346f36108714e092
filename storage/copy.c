/*
 * copy.c -- owns stor_copy: a compacted, consistent snapshot of a live
 * store written into another directory.
 *
 * How: LMDB's compacting copy (mdb_env_copyfd2 with MDB_CP_COMPACT) reads
 * one read transaction's snapshot, so it runs beside writers of any
 * process without blocking them. It writes to DEST/data.mdb.partial, which
 * is fsynced and then linked to DEST/data.mdb, so a data.mdb in DEST is
 * always a complete copy; a failed copy leaves no data.mdb behind.
 *
 * Invariants: the copy holds the gate shared while LMDB reads the map (a
 * map growth in this process waits for it); an existing DEST/data.mdb is
 * never overwritten (CREDO_EXISTS).
 *
 * stor_copy_fd writes the same bytes to a descriptor (a pipe or a socket:
 * LMDB writes them in order, from a thread of its own that blocks SIGPIPE)
 * for streamed backups.
 *
 * Does not: copy lock.mdb (a store's lock file is rebuilt on open), or
 * verify the copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "stor_impl.h"

#define COPY_TRIES 8

/* Copies into `fd`, adopting a map grown by another process (the copy's
 * read transaction would fail with MDB_MAP_RESIZED, before LMDB writes a
 * byte, so a retry starts clean even on a pipe). A regular file is
 * rewound before each try and fsynced at the end. */
static int copy_into(stor_env *env, int fd, int file) {
  int rc = MDB_MAP_RESIZED, tries;

  for (tries = 0; rc == MDB_MAP_RESIZED && tries < COPY_TRIES; tries++) {
    if (file && (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0))
      return errno;
    stor_gate_enter(&env->gate);
    rc = mdb_env_copyfd2(env->mdb, fd, MDB_CP_COMPACT);
    stor_gate_leave(&env->gate);
    if (rc == MDB_MAP_RESIZED && (rc = stor_grow(env, 0, -1)) == 0)
      rc = MDB_MAP_RESIZED;
  }
  if (rc == 0 && file && fsync(fd) != 0)
    rc = errno;
  return rc;
}

int stor_copy_fd(stor_env *env, int fd) {
  if (!env || fd < 0)
    return CREDO_MISUSE;
  if (atomic_load(&env->broken))
    return CREDO_IO;
  return stor_err(copy_into(env, fd, 0));
}

static int sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

  if (fd < 0)
    return errno;
  if (fsync(fd) != 0)
    rc = errno;
  close(fd);
  return rc;
}

int stor_copy(stor_env *env, const char *dest) {
  char data[4096], part[4096];
  int fd = -1, rc;

  if (!env || !dest || !*dest)
    return CREDO_MISUSE;
  if (atomic_load(&env->broken))
    return CREDO_IO;
  if (snprintf(data, sizeof data, "%s/data.mdb", dest) >= (int)sizeof data ||
      snprintf(part, sizeof part, "%s/data.mdb.partial", dest) >=
          (int)sizeof part)
    return CREDO_INVALID;
  if ((rc = stor_mkdirs(dest)) != 0)
    return stor_err(rc);
  if (access(data, F_OK) == 0)
    return CREDO_EXISTS;
  fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return stor_err(errno);
  if ((rc = copy_into(env, fd, 1)) != 0)
    goto fail;
  if (close(fd) != 0) {
    fd = -1;
    rc = errno;
    goto fail;
  }
  fd = -1;
  if (link(part, data) != 0) { /* EEXIST: someone made one meanwhile */
    rc = errno;
    goto fail;
  }
  unlink(part);
  return stor_err(sync_dir(dest));
fail:
  if (fd >= 0)
    close(fd);
  unlink(part);
  return stor_err(rc);
}
