/*
 * srv_conn.c -- one connection, from accept to close, on its own thread.
 *
 *   accepted --(refused by a slot cap, srv_slots.c)--> [TLS] ERROR -> end
 *      |
 *      v  TLS handshake (when TLS), within the auth timeout
 *   first bytes another protocol's (srv_sniff.c): its reply, log -> end
 *      |
 *   AWAIT_HELLO --HELLO--> AWAIT_AUTH --AUTH ok--> READY <-----------------+
 *      |                      |   turn of backoff and hashing pool        |
 *      |                      |   (srv_throttle.c); bad password or       |
 *      |                      |   throttled: ERROR -> end                 |
 *      +-- auth timeout, bad frame: ERROR (request 0) -> end               |
 *                                                                         |
 *   READY: next complete frame within the idle timeout (and, inside      |
 *   BEGIN, the max transaction time), user re-checked, then              |
 *     PREPARE / EXECUTE / QUERY / CLOSE / PING / BACKUP -> reply -----------+
 *     CANCEL -> forget its target (it has finished)      ------------------+
 *     BYE -> OK -> end;  idle timeout, max transaction time (rolled back),
 *     oversized or malformed header, request id 0, HELLO/AUTH again, user
 *     dropped or password changed, KILL SESSION, server shutdown
 *       -> ERROR (request 0) -> end
 *
 * Invariants: requests run strictly in arrival order, one at a time, on the
 * connection's own engine handle; replies accumulate in c->out and are
 * written when no complete request is left in the input (so pipelined
 * replies leave in few writes) or when a result grows large; every wait
 * is bounded (auth timeout, idle timeout for reads and writes, max
 * transaction time); shutdown is noticed between requests, never in the
 * middle of one; a connection ends with exactly one "disconnect" log line,
 * its slot given back and its handle closed (which rolls back an open
 * transaction and takes it off the session list).
 *
 * Does not: run statements (srv_exec.c), parse frames (cl_frame.c), or
 * decide the handshake's transitions (srv_auth.c).
 */
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srv.h"

enum { NF_OK = 0, NF_EOF = -1, NF_TIMEOUT = -2, NF_WAKE = -3, NF_BAD = -4 };

#define IN_MIN_CAP (16u << 10)
#define OUT_FLUSH_AT (256u << 10)

static int64_t idle_deadline(const srv_conn *c) {
  return cl_now_ms() + (int64_t)c->srv->cfg->idle_timeout * 1000;
}

/* Largest input buffer: one maximal frame plus room to read ahead. */
static size_t in_limit(const srv_conn *c) {
  return (size_t)c->srv->cfg->max_frame + IN_MIN_CAP;
}

/* Queues an ERROR frame and logs it; request 0 ends the connection. */
static void conn_error(srv_conn *c, uint32_t req, int code, const char *event,
                       const char *msg) {
  char q[512];
  cl_enc_errorf_txn(&c->out, req, code, srv_in_txn(c), 0, 0, "%s", msg);
  srv_log(code == CREDO_PROTOCOL || code == CREDO_AUTH ? SRV_WARN : SRV_INFO,
          event, "conn=%u peer=%s code=%s msg=%s", c->id, c->peer,
          credo_errname(code), srv_logq(q, sizeof q, msg));
  if (req == 0) {
    c->dead = 1;
    c->reason = event;
  }
}

int srv_conn_flush(srv_conn *c) {
  int r =
      cl_io_flush(&c->io, c->out.p, &c->out.n, c->out.oom, idle_deadline(c));
  if (r == 0)
    return 0;
  c->dead = 1;
  c->reason = srv_flush_reason(r);
  return -1;
}

/* Makes room for reading: moves unread bytes to the front and grows the
 * buffer to hold `need` unread bytes (at most in_limit). */
static int in_room(srv_conn *c, size_t need) {
  size_t unread = c->in_len - c->in_off, cap = c->in_cap;
  uint8_t *p;
  if (c->in_off > 0) {
    memmove(c->in, c->in + c->in_off, unread);
    c->scan_off = c->scan_off > c->in_off ? c->scan_off - c->in_off : 0;
    c->in_len = unread;
    c->in_off = 0;
  }
  if (need < IN_MIN_CAP)
    need = IN_MIN_CAP;
  if (need > in_limit(c))
    need = in_limit(c);
  if (cap >= need)
    return 0;
  p = realloc(c->in, need);
  if (!p)
    return -1;
  c->in = p;
  c->in_cap = need;
  return 0;
}

/* Notes the CANCEL frames among the complete frames not yet scanned. */
static void scan_cancels(srv_conn *c) {
  if (c->scan_off < c->in_off)
    c->scan_off = c->in_off;
  for (;;) {
    cl_hdr h;
    size_t total, avail = c->in_len - c->scan_off;
    const char *why;
    uint32_t target;
    if (cl_hdr_parse(c->in + c->scan_off, avail, c->srv->cfg->max_frame, &h,
                     &total, &why) != CREDO_OK ||
        total > avail)
      return;
    if (h.type == CL_F_CANCEL &&
        cl_dec_u32(c->in + c->scan_off + CL_HDR, total - CL_HDR, &target,
                   &why) == CREDO_OK &&
        c->ncancel < sizeof c->cancels / sizeof c->cancels[0])
      c->cancels[c->ncancel++] = target;
    c->scan_off += total;
  }
}

int srv_conn_take_cancel(srv_conn *c, uint32_t req) {
  for (unsigned i = 0; i < c->ncancel; i++)
    if (c->cancels[i] == req) {
      c->cancels[i] = c->cancels[--c->ncancel];
      return 1;
    }
  return 0;
}

/* Reads what arrives before `deadline` into the input buffer. Returns the
 * byte count or a CL_IO_* code (0: end of stream). */
static ssize_t fill(srv_conn *c, size_t need, int64_t deadline) {
  ssize_t r;
  if (in_room(c, need) < 0)
    return CL_IO_ERR;
  if (c->in_cap == c->in_len)
    return CL_IO_AGAIN; /* full: the reader must consume first */
  r = cl_io_read(&c->io, c->in + c->in_len, c->in_cap - c->in_len, deadline);
  if (r > 0) {
    c->in_len += (size_t)r;
    scan_cancels(c);
  }
  return r;
}

int srv_conn_cancelled(srv_conn *c, uint32_t req) {
  ssize_t r;
  if (c->dead)
    return 1;
  r = fill(c, 0, CL_IO_NOWAIT);
  if ((r == 0 || r == CL_IO_ERR) && atomic_load(&c->killed))
    return 1; /* killed mid-request: answer it, then serve() says why */
  if (r == 0 || r == CL_IO_ERR) {
    c->dead = 1;
    c->reason = "peer_gone";
    return 1;
  }
  for (unsigned i = 0; i < c->ncancel; i++)
    if (c->cancels[i] == req)
      return 1;
  return 0;
}

/* The next complete frame, waiting until `deadline` (0: the idle timeout
 * from when the wait starts; the clock is read only when there is
 * something to wait for). On NF_OK, *payload stays valid until the next
 * call. On NF_BAD an ERROR is queued. */
static int next_frame(srv_conn *c, int64_t deadline, cl_hdr *h,
                      const uint8_t **payload) {
  for (;;) {
    size_t total = 0, avail = c->in_len - c->in_off;
    const char *why = NULL;
    char msg[160];
    ssize_t r;
    int rc = cl_hdr_parse(c->in + c->in_off, avail, c->srv->cfg->max_frame, h,
                          &total, &why);
    if (rc == CREDO_OK && total <= avail) {
      *payload = c->in + c->in_off + CL_HDR;
      c->in_off += total;
      return NF_OK;
    }
    if (rc < 0) {
      if (rc == CREDO_LIMIT)
        snprintf(msg, sizeof msg, "frame of %zu bytes exceeds max frame %u",
                 total, (unsigned)c->srv->cfg->max_frame);
      conn_error(c, 0, rc, rc == CREDO_LIMIT ? "frame_too_large" : "protocol",
                 rc == CREDO_LIMIT ? msg : why);
      return NF_BAD;
    }
    if (srv_conn_flush(c) < 0)
      return NF_EOF;
    if (deadline == 0)
      deadline = idle_deadline(c);
    r = fill(c, rc == CREDO_OK ? total : CL_HDR, deadline);
    if (r == 0 || r == CL_IO_ERR || r == CL_IO_AGAIN)
      return NF_EOF;
    if (r == CL_IO_TIMEOUT)
      return NF_TIMEOUT;
    if (r == CL_IO_WAKE)
      return NF_WAKE;
  }
}

/* ------------------------------------------------------------ handshake */

/* One password check, run by srv_auth_gate in its turn. */
typedef struct auth_try {
  srv_conn *c;
  const char *pw;
  int rc;
} auth_try;

static int try_password(void *arg) {
  auth_try *t = arg;
  t->rc = credo_authenticate(t->c->db, t->c->user, t->pw);
  return t->rc == CREDO_OK     ? SRV_CHECK_OK
         : t->rc == CREDO_AUTH ? SRV_CHECK_BAD
                               : SRV_CHECK_ERROR;
}

/* Answers an AUTH that did not pass: the one message for every wrong
 * user or password, a throttle or hashing-pool refusal, or an internal
 * error (never reported as a wrong password). Ends the connection. */
static void auth_refused(srv_conn *c, uint32_t req, int gate, int rc,
                         const char *user_q) {
  const char *msg = "authentication failed", *ev = "auth_failed";
  int code = CREDO_AUTH;
  if (gate == SRV_GATE_THROTTLED) {
    code = CREDO_LIMIT;
    ev = "auth_throttled";
    msg = "too many failed logins from this address or for this user; "
          "try again later";
  } else if (gate == SRV_GATE_TIMEOUT) {
    code = CREDO_LIMIT;
    ev = "auth_timeout";
    msg = "authentication timeout";
  } else if (gate == SRV_GATE_ERROR) {
    code = CREDO_ERROR;
    ev = "auth_error";
    msg = rc == CREDO_NOMEM ? "internal error: out of memory while checking "
                              "the password; try again later"
                            : "internal error while checking the password";
  }
  srv_log(code == CREDO_ERROR ? SRV_ERROR : SRV_WARN, ev,
          "conn=%u peer=%s user=%s code=%s", c->id, c->peer, user_q,
          credo_errname(rc ? rc : code));
  cl_enc_errorf_txn(&c->out, gate == SRV_GATE_TIMEOUT ? 0 : req, code,
                    srv_in_txn(c), 0, 0, "%s", msg);
  c->dead = 1;
  c->reason = ev;
}

/* KILL SESSION's callback (engine's thread, session lock held): wakes the
 * session's thread by ending its socket's read side; the thread then
 * finds credo_session_check failing and says why before closing. */
static void kill_conn(void *arg) {
  srv_conn *c = arg;
  atomic_store(&c->killed, 1);
  (void)shutdown(c->io.fd, SHUT_RD);
}

/* Checks the password with the engine, in its turn of the login backoff
 * and the hashing pool (srv_throttle.c), before `deadline`. */
static int check_auth(srv_conn *c, const srv_hs_out *o, int64_t deadline) {
  char pw[CL_MAX_PASSWORD + 1], q[160];
  auth_try t = {c, pw, 0};
  int gate;
  memcpy(c->user, o->auth.user, o->auth.user_len);
  c->user[o->auth.user_len] = '\0';
  memcpy(pw, o->auth.password, o->auth.password_len);
  pw[o->auth.password_len] = '\0';
  gate = srv_auth_gate(&c->srv->backoff, c->peer_ip, c->user, deadline,
                       try_password, &t);
  explicit_bzero(pw, sizeof pw);
  srv_logq(q, sizeof q, c->user);
  if (gate != SRV_GATE_OK) {
    auth_refused(c, o->req, gate, t.rc, q);
    return -1;
  }
  cl_auth_ok ok = {c->user, o->auth.user_len, (uint8_t)credo_get_role(c->db),
                   c->id};
  srv_slot_authed(&c->srv->slots, c->peer_ip);
  c->authed = 1;
  (void)credo_session_register(c->db, c->id, c->peer, kill_conn, c);
  cl_enc_auth_ok(&c->out, o->req, &ok);
  srv_log(SRV_INFO, "auth_ok", "conn=%u peer=%s user=%s role=%s", c->id,
          c->peer, q, credo_role_name(credo_get_role(c->db)));
  return 0;
}

/* Sends raw bytes (another protocol's reply), best effort. */
static void send_raw(srv_conn *c, const char *p, size_t n, int64_t deadline) {
  if (n)
    (void)cl_io_write(&c->io, p, n, deadline);
}

/* Before the first frame: waits for 8 bytes (any HELLO has more) and, when
 * they are another protocol's (srv_sniff.c), logs what they look like,
 * answers in that protocol where it allows and ends the connection.
 * 0 to go on with the handshake, -1 when the connection is over. */
static int sniff_first(srv_conn *c, int64_t deadline) {
  srv_sniffed s;
  int known = 0;
  while (!(known = srv_sniff(c->in, c->in_len, &s)) && c->in_len < 8) {
    /* a length below 6 is refused at once by the handshake */
    if (c->in_len >= 4 && c->in[0] == 0 && c->in[1] == 0 && c->in[2] == 0 &&
        c->in[3] < CL_MIN_LENGTH)
      return 0;
    if (fill(c, 8, deadline) <= 0)
      return 0; /* the handshake reports the timeout or the end */
  }
  if (!known)
    return 0;
  srv_log(SRV_WARN, "not_credo", "conn=%u peer=%s looks_like=%s", c->id,
          c->peer, s.what);
  send_raw(c, s.reply, s.reply_len, deadline);
  if (s.more) { /* e.g. PostgreSQL SSLRequest, 'N', then its startup */
    c->in_len = c->in_off = c->scan_off = 0;
    while (c->in_len < 8 && fill(c, 8, deadline) > 0)
      ;
    if (c->in_len >= 8 && srv_sniff(c->in, c->in_len, &s) && !s.more)
      send_raw(c, s.reply, s.reply_len, deadline);
  }
  c->dead = 1;
  c->reason = "not_credo";
  return -1;
}

/* Runs HELLO and AUTH within the authentication timeout. 0 when READY. */
static int handshake(srv_conn *c, int64_t deadline) {
  srv_hs hs = {SRV_HS_HELLO, 0};
  if (sniff_first(c, deadline) < 0)
    return -1;
  while (hs.state != SRV_HS_DONE && !c->dead) {
    cl_hdr h;
    const uint8_t *p;
    srv_hs_out o;
    int r = next_frame(c, deadline, &h, &p);
    if (r == NF_TIMEOUT)
      conn_error(c, 0, CREDO_LIMIT, "auth_timeout", "authentication timeout");
    if (r == NF_WAKE)
      conn_error(c, 0, CREDO_CONN, "shutdown", "server is shutting down");
    if (r != NF_OK) {
      c->dead = 1;
      c->reason = c->reason ? c->reason : "peer_gone";
      return -1;
    }
    srv_hs_feed(&hs, &h, p, &o);
    if (o.act == SRV_HS_REJECT) {
      conn_error(c, 0, o.code, "protocol", o.msg);
    } else if (o.act == SRV_HS_SEND_READY) {
      char name[64];
      int k = snprintf(name, sizeof name, "credo-server %s", credo_version());
      cl_ready m = {hs.version, c->srv->cfg->max_frame, name, (uint32_t)k};
      c->proto = hs.version;
      cl_enc_ready(&c->out, h.req, &m);
    } else {
      srv_hs_auth_result(&hs, check_auth(c, &o, deadline) == 0);
    }
  }
  return c->dead ? -1 : 0;
}

/* ------------------------------------------------------------ requests */

/* A malformed payload: ERROR for the request, the connection goes on. */
static void req_refused(srv_conn *c, uint32_t req, const char *why) {
  char q[200];
  cl_enc_errorf_txn(&c->out, req, CREDO_PROTOCOL, srv_in_txn(c), 0, 0, "%s",
                    why);
  srv_log(SRV_INFO, "protocol", "conn=%u req=%u code=CREDO_PROTOCOL msg=%s",
          c->id, req, srv_logq(q, sizeof q, why));
}

/* Handles one request frame of an authenticated session. */
static void dispatch(srv_conn *c, const cl_hdr *h, const uint8_t *p) {
  size_t n = h->len - CL_MIN_LENGTH;
  const char *why;
  uint32_t target;
  if ((h->type == CL_F_EXECUTE || h->type == CL_F_QUERY ||
       h->type == CL_F_BACKUP) &&
      srv_conn_take_cancel(c, h->req)) {
    cl_enc_errorf_txn(&c->out, h->req, CREDO_CANCELLED, srv_in_txn(c), 0, 0,
                      "statement cancelled before it started");
    return;
  }
  if (h->req == 0) { /* 0 names the connection itself in server frames */
    conn_error(c, 0, CREDO_PROTOCOL, "protocol",
               "request id 0 is reserved; requests use ids 1 and up");
    return;
  }
  /* ALTER USER / DROP USER / a password change since AUTH apply here */
  if ((h->type == CL_F_PREPARE || h->type == CL_F_EXECUTE ||
       h->type == CL_F_QUERY || h->type == CL_F_BACKUP) &&
      credo_session_check(c->db) != CREDO_OK) {
    conn_error(c, 0, credo_errcode(c->db), "session_revoked",
               credo_errmsg(c->db));
    return;
  }
  switch (h->type) {
  case CL_F_PREPARE:
    srv_exec_prepare(c, h->req, p, n);
    break;
  case CL_F_EXECUTE:
    srv_exec_execute(c, h->req, p, n);
    break;
  case CL_F_QUERY:
    srv_exec_query(c, h->req, p, n);
    break;
  case CL_F_CLOSE:
    srv_exec_close(c, h->req, p, n);
    break;
  case CL_F_BACKUP:
    srv_exec_backup(c, h->req, p, n);
    break;
  case CL_F_CANCEL:
    if (cl_dec_u32(p, n, &target, &why) == CREDO_OK)
      (void)srv_conn_take_cancel(c, target);
    else /* its only answer: nothing is cancelled */
      req_refused(c, h->req, why);
    break;
  case CL_F_PING:
  case CL_F_BYE:
    if (cl_dec_empty(p, n, &why) != CREDO_OK) {
      req_refused(c, h->req, why);
      break;
    }
    cl_enc_empty(&c->out, CL_F_OK, h->req);
    if (h->type == CL_F_BYE) {
      c->dead = 1;
      c->reason = "bye";
    }
    break;
  case CL_F_HELLO:
  case CL_F_AUTH:
    conn_error(c, 0, CREDO_PROTOCOL, "protocol",
               "the handshake is over: HELLO and AUTH come once, first; "
               "open a new connection to log in as another user");
    break;
  default:
    conn_error(c, 0, CREDO_PROTOCOL, "protocol",
               "frame type not allowed after authentication");
  }
}

/* Ends the explicit transaction that has been open longer than
 * --max-txn-time: rolls it back and tells the client (ERROR request 0,
 * then the connection closes). */
static void txn_expired(srv_conn *c) {
  char msg[160];
  (void)credo_rollback(c->db);
  snprintf(msg, sizeof msg,
           "transaction open longer than max transaction time (%u s): "
           "rolled back",
           c->srv->cfg->max_txn_time);
  conn_error(c, 0, CREDO_TXN, "max_txn_time", msg);
}

/* When the open explicit transaction must end (0: none open). Notes when
 * one was opened; PING and other requests do not move it. */
static int64_t txn_deadline(srv_conn *c) {
  if (!credo_in_txn(c->db)) {
    c->txn_since = 0;
    return 0;
  }
  if (c->txn_since == 0)
    c->txn_since = cl_now_ms();
  return c->txn_since + (int64_t)c->srv->cfg->max_txn_time * 1000;
}

/* Serves requests until the connection ends. */
static void serve(srv_conn *c) {
  while (!c->dead) {
    cl_hdr h;
    const uint8_t *p;
    int64_t txn_end = txn_deadline(c), deadline = 0;
    int r;
    if (atomic_load(&c->srv->stopping)) {
      conn_error(c, 0, CREDO_CONN, "shutdown", "server is shutting down");
      break;
    }
    if (txn_end) {
      deadline = idle_deadline(c);
      if (txn_end < deadline)
        deadline = txn_end;
    }
    r = next_frame(c, deadline, &h, &p);
    if (txn_end && (r == NF_TIMEOUT || r == NF_OK) && cl_now_ms() >= txn_end) {
      txn_expired(c);
    } else if (r == NF_TIMEOUT) {
      char msg[64];
      snprintf(msg, sizeof msg, "idle timeout (%u s)",
               c->srv->cfg->idle_timeout);
      conn_error(c, 0, CREDO_LIMIT, "idle_timeout", msg);
    } else if (r == NF_WAKE) {
      conn_error(c, 0, CREDO_CONN, "shutdown", "server is shutting down");
    } else if (r == NF_EOF && credo_session_check(c->db) != CREDO_OK) {
      conn_error(c, 0, credo_errcode(c->db), "session_revoked",
                 credo_errmsg(c->db)); /* KILL SESSION */
    } else if (r == NF_EOF) {
      c->dead = 1;
      c->reason = c->reason ? c->reason : "peer_gone";
    } else if (r == NF_OK) {
      dispatch(c, &h, p);
      if (c->out.n >= OUT_FLUSH_AT)
        (void)srv_conn_flush(c);
    }
  }
}

/* --------------------------------------------------------------- life */

static void conn_end(srv_conn *c) {
  srv_ctx *srv = c->srv;
  int held = !c->reject, authed = c->authed;
  char ip[sizeof c->peer_ip];
  memcpy(ip, c->peer_ip, sizeof ip);
  (void)srv_conn_flush(c);
  srv_log(SRV_INFO, "disconnect", "conn=%u peer=%s reason=%s", c->id, c->peer,
          c->reason ? c->reason : "closed");
  srv_exec_close_all(c);
  credo_close(c->db);
  srv_tls_close(&c->io);
  close(c->io.fd);
  free(c->in);
  cl_wbuf_free(&c->out);
  free(c);
  srv_conn_ended(srv, ip, held, authed);
}

void *srv_conn_thread(void *arg) {
  srv_conn *c = arg;
  int64_t auth_deadline =
      cl_now_ms() + (int64_t)c->srv->cfg->auth_timeout * 1000;
  const char *why = NULL;
  srv_log(SRV_INFO, "connect", "conn=%u peer=%s tls=%d", c->id, c->peer,
          c->srv->tls != NULL);
  if (c->srv->tls &&
      srv_tls_accept(c->srv->tls, &c->io, auth_deadline, &why) < 0) {
    srv_log(SRV_WARN, "tls_failed", "conn=%u peer=%s reason=\"%s\"", c->id,
            c->peer, why);
    c->reason = "tls_failed";
    goto end;
  }
  if (c->reject) {
    char msg[120];
    snprintf(msg, sizeof msg, "%s (max %u)", srv_slot_why(c->reject),
             srv_slot_cap(&c->srv->slots, c->reject));
    conn_error(c, 0, CREDO_LIMIT,
               c->reject == SRV_SLOT_TOTAL ? "max_conn" : "slot_cap", msg);
    goto end;
  }
  if (handshake(c, auth_deadline) == 0)
    serve(c);
end:
  conn_end(c);
  return NULL;
}
