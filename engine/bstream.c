/*
 * bstream.c -- credo_backup_stream: the data file of a backup as a byte
 * stream handed to a callback, for backups that leave the machine (the
 * server's BACKUP request, docs/protocol.md).
 *
 * How: a helper thread runs stor_copy_fd (LMDB's compacting copy of one
 * read transaction) into a pipe; the calling thread reads the pipe,
 * hashes the bytes with XXH3-128 and hands them to the sink. The bytes are
 * exactly those credo_backup writes as DEST/data.mdb.
 *
 * Invariants:
 *  - the sink runs on the calling thread only, with at most CHUNK bytes;
 *  - when the sink stops the stream, the read end of the pipe is closed
 *    first, so the copy fails with EPIPE (LMDB's writer thread blocks and
 *    collects SIGPIPE) and the helper thread always ends and is joined:
 *    no thread, descriptor or read transaction outlives the call;
 *  - a snapshot holds one read transaction for as long as the stream
 *    runs: a slow sink keeps old pages from being reused, as any long
 *    reader does.
 *
 * Does not: write files or manifests (backup.c), or know sockets.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <xxhash.h>

#include "eng.h"

#define CHUNK (256u << 10)

typedef struct copy_thread {
  stor_env *env;
  int fd; /* write end of the pipe; closed by the thread */
  int rc;
} copy_thread;

static void *copy_main(void *p) {
  copy_thread *t = p;
  t->rc = stor_copy_fd(t->env, t->fd);
  close(t->fd); /* end of stream for the reader */
  return NULL;
}

/* Reads the pipe to its end, feeding the hash and the sink. CREDO_OK at
 * end of stream, CREDO_CANCELLED when the sink said stop, CREDO_IO. */
static int pump(int fd, XXH3_state_t *h, unsigned char *buf, credo_sink_fn sink,
                void *arg, uint64_t *size) {
  for (;;) {
    ssize_t n = read(fd, buf, CHUNK);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return CREDO_IO;
    if (n == 0)
      return CREDO_OK;
    XXH3_128bits_update(h, buf, (size_t)n);
    *size += (uint64_t)n;
    if (sink(arg, buf, (size_t)n) != 0)
      return CREDO_CANCELLED;
  }
}

static int stream_checks(credo *db, credo_sink_fn sink) {
  int rc;
  if ((rc = eng_require(db, db->role == CREDO_ROLE_ADMIN, "back up")))
    return rc;
  if (!db->store || !db->store->stor)
    return eng_err(db, CREDO_NOTSUP, "a backup stream needs an embedded store");
  if (db->txn)
    return eng_err(db, CREDO_TXN, "backup cannot run inside a transaction");
  if (!sink)
    return eng_err(db, CREDO_INVALID, "no sink given");
  return CREDO_OK;
}

int eng_backup_stream(credo *db, credo_sink_fn sink, void *arg, uint64_t *size,
                      char xxh3_128[33]) {
  copy_thread t = {0};
  XXH3_state_t *h = NULL;
  unsigned char *buf = NULL;
  uint64_t n = 0;
  pthread_t th;
  int fds[2] = {-1, -1}, rc;

  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if ((rc = stream_checks(db, sink)) != CREDO_OK)
    return rc;
  rc = CREDO_NOMEM;
  if (!(h = XXH3_createState()) || XXH3_128bits_reset(h) != XXH_OK ||
      !(buf = malloc(CHUNK)))
    goto fail;
  rc = CREDO_IO;
  if (pipe2(fds, O_CLOEXEC) != 0)
    goto fail;
  t.env = db->store->stor;
  t.fd = fds[1];
  if (pthread_create(&th, NULL, copy_main, &t) != 0)
    goto fail;
  fds[1] = -1; /* the thread's now */
  rc = pump(fds[0], h, buf, sink, arg, &n);
  close(fds[0]); /* a copy still writing gets EPIPE and ends */
  fds[0] = -1;
  pthread_join(th, NULL);
  if (rc == CREDO_OK && t.rc != CREDO_OK)
    rc = t.rc;
fail:
  if (fds[0] >= 0)
    close(fds[0]);
  if (fds[1] >= 0)
    close(fds[1]);
  if (rc == CREDO_OK) {
    if (size)
      *size = n;
    if (xxh3_128)
      eng_hex128(XXH3_128bits_digest(h), xxh3_128);
  } else if (rc == CREDO_CANCELLED) {
    eng_err(db, rc, "backup stream stopped after %llu bytes",
            (unsigned long long)n);
  } else {
    eng_err_stor(db, rc, "cannot stream a copy of the store");
  }
  free(buf);
  XXH3_freeState(h);
  return rc;
}
