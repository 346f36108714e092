/*
 * cl_backup.c -- credo_backup on a remote handle, the receiving half:
 * sends BACKUP, writes the BACKUP_DATA chunks to a descriptor in order,
 * hashes them, and checks the server's BACKUP_END (docs/protocol.md).
 *
 * Invariants: chunks are accepted only at the offset expected (contiguous
 * from 0), so a lost or repeated chunk is a protocol error, never a
 * silently wrong copy; the stream is accepted only when the size and the
 * XXH3-128 of what was written equal the server's; after a cancel or a
 * local write failure the frames still coming for the request are read
 * and dropped up to its terminal frame, so the connection stays usable.
 *
 * Does not: name, sync or link files, or write the manifest
 * (engine/backup.c does, as for a local backup).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "cl_remote.h"

typedef struct recv_state {
  credo *db;
  int fd;
  XXH3_state_t *h;
  uint64_t got, estimate;
  int local_rc; /* CREDO_IO or CREDO_CANCELLED once the client gave up */
} recv_state;

/* The 32 lower-case hex digits of h's canonical (big-endian) form, as
 * manifests and BACKUP_END carry it. */
static void hex128(XXH128_hash_t h, char out[33]) {
  static const char digits[] = "0123456789abcdef";
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  for (int i = 0; i < 16; i++) {
    out[2 * i] = digits[c.digest[i] >> 4];
    out[2 * i + 1] = digits[c.digest[i] & 15];
  }
  out[32] = '\0';
}

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int proto(credo *db, const char *what) {
  ((cl_conn *)be_ctx(db))->broken = 1;
  return be_err(db, CREDO_PROTOCOL, 0, 0, "protocol error from the server: %s",
                what);
}

/* One BACKUP_DATA: checked, written, hashed. */
static int on_data(recv_state *s, const cl_msg *m) {
  cl_bdata d;
  const char *why = NULL;
  if (cl_dec_bdata(m->p, m->n, &d, &why) != CREDO_OK)
    return proto(s->db, why);
  if (d.offset != s->got)
    return proto(s->db, "backup chunk out of order");
  s->got += d.n;
  s->estimate = d.estimate;
  if (s->local_rc != CREDO_OK)
    return CREDO_OK; /* draining */
  XXH3_128bits_update(s->h, d.data, d.n);
  if (write_all(s->fd, d.data, d.n) != 0)
    s->local_rc = be_err(s->db, CREDO_IO, 0, 0, "cannot write the backup: %s",
                         strerror(errno));
  return CREDO_OK;
}

/* BACKUP_END: the size and hash must be those received. */
static int on_end(recv_state *s, const cl_msg *m, uint64_t *size,
                  char hex[33]) {
  XXH128_canonical_t c;
  cl_bend e;
  const char *why = NULL;
  if (cl_dec_bend(m->p, m->n, &e, &why) != CREDO_OK)
    return proto(s->db, why);
  if (s->local_rc != CREDO_OK)
    return s->local_rc;
  if (e.size != s->got)
    return proto(s->db, "backup size differs from the bytes sent");
  hex128(XXH3_128bits_digest(s->h), hex);
  memcpy(c.digest, e.xxh3_128, sizeof c.digest);
  if (!XXH128_isEqual(XXH128_hashFromCanonical(&c), XXH3_128bits_digest(s->h)))
    return be_err(s->db, CREDO_CORRUPT, 0, 0,
                  "the backup received has XXH3-128 %s, "
                  "the server's differs: damaged in transit",
                  hex);
  *size = s->got;
  return CREDO_OK;
}

/* Asks the server to stop request `req`; its terminal frame still comes. */
static void cancel(credo *db, uint32_t req) {
  cl_conn *c = be_ctx(db);
  cl_enc_u32(&c->out, CL_F_CANCEL, cl_conn_req(c), req);
  (void)cl_conn_flush(c);
}

/* Reads the request's frames to its terminal one. */
static int receive(recv_state *s, uint32_t req, credo_progress_fn progress,
                   void *arg, uint64_t *size, char hex[33]) {
  for (;;) {
    cl_msg *m;
    int rc = cl_remote_recv(s->db, req, NULL, &m);
    if (rc != CREDO_OK)
      return rc;
    if (m->h.type == CL_F_BACKUP_DATA) {
      rc = on_data(s, m);
      if (rc == CREDO_OK && s->local_rc == CREDO_OK && progress &&
          progress(arg, "receive", s->got, s->estimate) != 0) {
        s->local_rc = be_err(s->db, CREDO_CANCELLED, 0, 0, "backup cancelled");
        cancel(s->db, req);
      }
    } else if (m->h.type == CL_F_BACKUP_END) {
      rc = on_end(s, m, size, hex);
      free(m);
      return rc;
    } else if (m->h.type == CL_F_ERROR) {
      rc = s->local_rc != CREDO_OK ? s->local_rc : cl_remote_error(s->db, m);
      free(m);
      return rc;
    } else {
      rc = proto(s->db, "unexpected reply to BACKUP");
    }
    free(m);
    if (rc != CREDO_OK)
      return rc;
  }
}

int cl_remote_backup(credo *db, int fd, credo_progress_fn progress, void *arg,
                     uint64_t *size, char hex[33]) {
  cl_conn *c = be_ctx(db);
  recv_state s = {db, fd, XXH3_createState(), 0, 0, CREDO_OK};
  uint32_t req;
  int rc;

  if (!c || c->broken) {
    rc = be_err(db, CREDO_CONN, 0, 0,
                "the connection to the server is broken; "
                "close the handle and open it again");
    goto done;
  }
  if (!s.h || XXH3_128bits_reset(s.h) != XXH_OK) {
    rc = be_err(db, CREDO_NOMEM, 0, 0, "out of memory");
    goto done;
  }
  req = cl_conn_req(c);
  cl_enc_empty(&c->out, CL_F_BACKUP, req);
  rc = receive(&s, req, progress, arg, size, hex);
done:
  XXH3_freeState(s.h);
  return rc;
}
