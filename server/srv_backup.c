/*
 * srv_backup.c -- the BACKUP request: streams a consistent snapshot of the
 * server's store to an admin client as BACKUP_DATA frames, then
 * BACKUP_END with the size and XXH3-128 (docs/protocol.md section 4).
 *
 * The snapshot comes from credo_backup_stream on the connection's own
 * handle, so the engine checks the admin role (CREDO_DENIED for anyone
 * else) and the copy runs beside writers on other connections. Each chunk
 * is framed into c->out and written once enough has gathered; the write
 * waits at most the idle timeout for a client that does not read. Between
 * chunks the connection is polled for a CANCEL of this request.
 *
 * Invariants: exactly one terminal frame (BACKUP_END or ERROR) per request
 * unless the client is gone; BACKUP_DATA offsets are contiguous from 0.
 *
 * Does not: write files on the server, apply max time or max rows (a
 * backup is as long as the store), or write the manifest (the client
 * builds it from the bytes received).
 */
#include <stdio.h>
#include <string.h>

#include "srv.h"

#define FLUSH_AT (1u << 20)

typedef struct bsink {
  srv_conn *c;
  uint32_t req;
  uint64_t sent, estimate;
  int cancelled; /* a CANCEL arrived */
} bsink;

/* Frames one chunk; returns non-zero to stop the stream. */
static int on_chunk(void *arg, const void *buf, size_t len) {
  bsink *s = arg;
  cl_bdata d = {s->sent, s->estimate, buf, (uint32_t)len};
  if (cl_enc_bdata(&s->c->out, s->req, &d) != CREDO_OK)
    return 1;
  s->sent += len;
  if (s->c->out.n >= FLUSH_AT && srv_conn_flush(s->c) < 0)
    return 1;
  if (srv_conn_cancelled(s->c, s->req)) {
    s->cancelled = !s->c->dead;
    return 1;
  }
  return 0;
}

/* XXH3-128 hex digits back to its 16 canonical bytes. */
static void unhex(const char hex[33], uint8_t out[16]) {
  for (int i = 0; i < 16; i++) {
    unsigned v = 0;
    sscanf(hex + 2 * i, "%2x", &v);
    out[i] = (uint8_t)v;
  }
}

void srv_exec_backup(srv_conn *c, uint32_t req, const uint8_t *p, size_t n) {
  bsink s = {c, req, 0, 0, 0};
  credo_stats st;
  cl_bend end;
  char hex[33], q[600];
  const char *why = NULL;
  int64_t t0 = cl_now_ms();
  int rc;

  if (cl_dec_empty(p, n, &why) != CREDO_OK) {
    cl_enc_errorf_txn(&c->out, req, CREDO_PROTOCOL, srv_in_txn(c), 0, 0,
                      "BACKUP: %s", why);
    return;
  }
  if (credo_get_stats(c->db, &st) == CREDO_OK)
    s.estimate = st.used_bytes;
  srv_log(SRV_INFO, "backup_start", "conn=%u user=%s req=%u estimate=%llu",
          c->id, srv_logq(q, sizeof q, c->user), req,
          (unsigned long long)s.estimate);
  rc = credo_backup_stream(c->db, on_chunk, &s, &end.size, hex);
  if (rc == CREDO_OK) {
    unhex(hex, end.xxh3_128);
    cl_enc_bend(&c->out, req, &end);
  } else if (c->dead) {
    return; /* nobody to tell; the connection ends */
  } else if (s.cancelled) {
    srv_conn_take_cancel(c, req);
    cl_enc_errorf_txn(&c->out, req, CREDO_CANCELLED, srv_in_txn(c), 0, 0,
                      "backup cancelled after %llu bytes",
                      (unsigned long long)s.sent);
  } else {
    cl_enc_errorf_txn(&c->out, req, credo_errcode(c->db), srv_in_txn(c), 0, 0,
                      "%s", credo_errmsg(c->db));
  }
  srv_log(SRV_INFO, "backup_end",
          "conn=%u req=%u code=%s bytes=%llu ms=%lld xxh3_128=%s", c->id, req,
          credo_errname(rc), (unsigned long long)s.sent,
          (long long)(cl_now_ms() - t0), rc == CREDO_OK ? hex : "-");
}
