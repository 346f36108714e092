/*
 * pg_conn.c -- one PostgreSQL session, from accept to close, on its own
 * thread; and the registry that lets a CancelRequest reach it.
 *
 *   accepted --(over --max-conn)--> ErrorResponse 53300 -> end
 *      |
 *      v  within the auth timeout:
 *   startup packet: SSLRequest -> 'S' + TLS handshake (or 'N' without a
 *      certificate), GSSENCRequest -> 'N', CancelRequest -> interrupt the
 *      session with that key -> end, StartupMessage (user, database, ...)
 *      |  plaintext on a non-loopback listener with TLS: 28000 -> end
 *      v
 *   SCRAM-SHA-256 (AuthenticationSASL, SASLContinue, SASLFinal) with the
 *      user's verifier; a user with none: cleartext password over TLS only
 *      (credo_authenticate), else 28000 naming ALTER USER; every check
 *      runs in its turn of srv_auth_gate (backoff per address and user,
 *      hashing pool); failure: backoff
 *      delay, 28P01 -> end
 *      v
 *   AuthenticationOk, ParameterStatus..., BackendKeyData, ReadyForQuery;
 *      the session follows its user (credo_session_adopt) and is listed
 *      in SHOW SESSIONS (credo_session_register, the connection's id)
 *      v
 *   READY: Query / Parse / Bind / Describe / Execute / Sync / Close / Flush
 *      (pg_exec.c), Terminate -> end; idle timeout, shutdown -> FATAL -> end;
 *      before Query/Parse/Bind/Execute credo_session_check: ALTER USER ...
 *      ROLE applies, DROP USER or a new password -> FATAL 28000 -> end;
 *      KILL SESSION ends the read side -> FATAL 57P01 -> end
 *
 * Invariants: every wait is bounded (auth timeout, idle timeout); a
 * session is in the cancel registry exactly while its handle is open, and
 * the registry's lock is held while another thread interrupts it, so
 * credo_interrupt never meets a closed handle; a connection ends with one
 * "disconnect" log line and its handle closed (rolling back an open
 * transaction); passwords are never logged or kept.
 *
 * Does not: run statements (pg_exec.c) or encode messages (pg_proto.c).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pg_conn.h"

#define IN_MIN_CAP (16u << 10)
#define PG_MAX_MSG (64u << 20) /* largest frontend message accepted */

/* --------------------------------------------------- cancel registry */

#define REG_SLOTS 4096
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static pg_conn *reg[REG_SLOTS];

static void reg_add(pg_conn *c) {
  pthread_mutex_lock(&reg_mu);
  for (int i = 0; i < REG_SLOTS; i++)
    if (!reg[i]) {
      reg[i] = c;
      break;
    }
  pthread_mutex_unlock(&reg_mu);
}

static void reg_del(pg_conn *c) {
  pthread_mutex_lock(&reg_mu);
  for (int i = 0; i < REG_SLOTS; i++)
    if (reg[i] == c)
      reg[i] = NULL;
  pthread_mutex_unlock(&reg_mu);
}

/* Interrupts the session with (pid, key); 1 when one matched. */
static int reg_cancel(int32_t pid, int32_t key) {
  int hit = 0;
  pthread_mutex_lock(&reg_mu);
  for (int i = 0; i < REG_SLOTS && !hit; i++)
    if (reg[i] && reg[i]->pid == pid && reg[i]->key == key) {
      atomic_store(&reg[i]->cancel, 1);
      credo_interrupt(reg[i]->db);
      hit = 1;
    }
  pthread_mutex_unlock(&reg_mu);
  return hit;
}

/* ---------------------------------------------------------------- I/O */

static int64_t idle_deadline(const pg_conn *c) {
  return cl_now_ms() + (int64_t)c->srv->cfg->idle_timeout * 1000;
}

int pg_conn_flush(pg_conn *c) {
  int r =
      cl_io_flush(&c->io, c->out.p, &c->out.n, c->out.oom, idle_deadline(c));
  if (r == 0)
    return 0;
  c->dead = 1;
  c->reason = srv_flush_reason(r);
  return -1;
}

/* Makes sure `need` unread bytes are in c->in, reading until `deadline`.
 * 0, or a CL_IO_* code / 0 for end of stream (as cl_io_read). */
static int fill(pg_conn *c, size_t need, int64_t deadline) {
  while (c->in_len - c->in_off < need) {
    ssize_t r;
    if (c->in_off > 0) {
      memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
      c->in_len -= c->in_off;
      c->in_off = 0;
    }
    if (c->in_cap < need || c->in_cap < IN_MIN_CAP) {
      size_t cap = need < IN_MIN_CAP ? IN_MIN_CAP : need;
      uint8_t *p = realloc(c->in, cap);
      if (!p)
        return CL_IO_ERR;
      c->in = p;
      c->in_cap = cap;
    }
    r = cl_io_read(&c->io, c->in + c->in_len, c->in_cap - c->in_len, deadline);
    if (r <= 0)
      return r == 0 ? CL_IO_ERR : (int)r;
    c->in_len += (size_t)r;
  }
  return 0;
}

/* Sends a FATAL error and marks the connection for closing. */
static void fatal(pg_conn *c, const char *sqlstate, const char *event,
                  const char *msg) {
  char q[400];
  pg_enc_error(&c->out, 'E', "FATAL", sqlstate, msg, 0);
  srv_log(SRV_WARN, event, "conn=%u peer=%s proto=pg sqlstate=%s msg=%s", c->id,
          c->peer, sqlstate, srv_logq(q, sizeof q, msg));
  c->dead = 1;
  c->reason = event;
}

/* 1 (after a FATAL saying why) when the session must end: KILL SESSION
 * (57P01, as pg_terminate_backend), DROP USER or a password change
 * (28000); an ALTER USER ... ROLE applies from here on. */
static int session_ended(pg_conn *c) {
  const char *msg;
  if (!c->authed || credo_session_check(c->db) == CREDO_OK)
    return 0;
  msg = credo_errmsg(c->db);
  fatal(c, strstr(msg, "KILL SESSION") ? "57P01" : "28000", "session_revoked",
        msg);
  return 1;
}

/* KILL SESSION's callback (engine's thread, session lock held): ends the
 * socket's read side; the session's thread then finds session_ended. */
static void kill_conn(void *arg) {
  pg_conn *c = arg;
  (void)shutdown(c->io.fd, SHUT_RD);
}

/* The next message: 1 with *type, *body, *n set (valid until the next
 * call), 0 when the connection ends (reason set). */
static int next_msg(pg_conn *c, int64_t deadline, char *type,
                    const uint8_t **body, size_t *n) {
  size_t total = 0;
  int r = fill(c, 5, deadline);
  if (r == 0) {
    r = pg_msg_header(c->in + c->in_off, c->in_len - c->in_off, PG_MAX_MSG,
                      type, &total);
    if (r < 0) {
      fatal(c, r == CREDO_LIMIT ? "54000" : "08P01", "protocol",
            r == CREDO_LIMIT ? "message too large" : "invalid message length");
      return 0;
    }
    r = fill(c, total, deadline);
  }
  if (r == CL_IO_TIMEOUT) {
    fatal(c, "57P05", "idle_timeout",
          "terminating connection due to idle timeout");
    return 0;
  }
  if (r == CL_IO_WAKE) {
    fatal(c, "57P01", "shutdown", "terminating connection: server shutdown");
    return 0;
  }
  if (r != 0 && session_ended(c)) /* KILL SESSION ended the read side */
    return 0;
  if (r != 0) {
    c->dead = 1;
    c->reason = c->reason ? c->reason : "peer_gone";
    return 0;
  }
  *body = c->in + c->in_off + 5;
  *n = total - 5;
  c->in_off += total;
  return 1;
}

/* ------------------------------------------------------------- errors */

char pg_txn_status(const pg_conn *c) {
  return c->txn == PG_TX_FAILED ? 'E' : c->txn == PG_TX_BLOCK ? 'T' : 'I';
}

void pg_error(pg_conn *c, const char *sqlstate, const char *msg, int pos) {
  char q[400];
  pg_enc_error(&c->out, 'E', "ERROR", sqlstate, msg, pos);
  if (c->txn == PG_TX_BLOCK)
    c->txn = PG_TX_FAILED;
  c->skip_to_sync = 1;
  srv_log(
      SRV_INFO, "stmt_error", "conn=%u proto=pg user=%s sqlstate=%s msg=%s",
      c->id, c->set.user, sqlstate,
      srv_logq(q, sizeof q, strcasestr(msg, "password") ? "(withheld)" : msg));
}

/* Character offset of (line, col) in `text` (1-based result). */
static int char_pos(const char *text, int line, int col) {
  int l = 1, pos = 1;
  for (const char *p = text; *p && l < line; p++) {
    if (((unsigned char)*p & 0xC0) != 0x80)
      pos++;
    if (*p == '\n')
      l++;
  }
  return pos + col - 1;
}

void pg_engine_error(pg_conn *c, const char *text, int base) {
  int code = credo_errcode(c->db), line = 0, col = 0, skip = 0;
  const char *msg = credo_errmsg(c->db);
  credo_errpos(c->db, &line, &col);
  if (sscanf(msg, "line %*d, column %*d: %n", &skip) == 0 && skip > 0)
    msg += skip; /* PostgreSQL says where with 'P' */
  if (code == CREDO_CANCELLED && atomic_load(&c->cancel))
    msg = "canceling statement due to user request";
  pg_error(c, pg_sqlstate(code, msg), msg,
           line > 0 && text ? base + char_pos(text, line, col) : 0);
}

/* --------------------------------------------------------- handshake */

static int is_loopback_fd(int fd) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
    return 0;
  if (ss.ss_family == AF_INET)
    return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
  if (ss.ss_family == AF_INET6)
    return IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr);
  return 0;
}

/* Reads startup packets until a StartupMessage; answers SSLRequest and
 * CancelRequest. 1 with the packet in *su (pointing into c->in), 0 when
 * the connection ends. */
static int startup(pg_conn *c, int64_t deadline, pg_startup *su) {
  for (int round = 0; round < 3; round++) {
    const char *why = NULL;
    long len;
    int r = fill(c, 4, deadline);
    if (r == 0 && (len = pg_startup_len(c->in + c->in_off, 4)) < 0) {
      fatal(c, "08P01", "protocol", "invalid startup packet length");
      return 0;
    }
    if (r == 0)
      r = fill(c, (size_t)len, deadline);
    if (r != 0) {
      c->reason = r == CL_IO_TIMEOUT ? "auth_timeout" : "peer_gone";
      return 0;
    }
    if (pg_startup_parse(c->in + c->in_off, (size_t)len, su, &why) !=
        CREDO_OK) {
      fatal(c, "08P01", "protocol", why);
      return 0;
    }
    c->in_off += (size_t)len;
    if (su->kind == PG_SU_CANCEL) {
      int hit = reg_cancel(su->cancel_pid, su->cancel_key);
      srv_log(SRV_INFO, "pg_cancel", "conn=%u peer=%s matched=%d", c->id,
              c->peer, hit);
      c->reason = "cancel_request";
      return 0;
    }
    if (su->kind == PG_SU_STARTUP)
      return 1;
    if (c->io.ssl || c->in_len > c->in_off) { /* TLS twice, or pipelined */
      fatal(c, "08P01", "protocol", "unexpected encryption request");
      return 0;
    }
    pg_put_u8(&c->out, su->kind == PG_SU_SSL && c->srv->tls ? 'S' : 'N');
    if (pg_conn_flush(c) < 0)
      return 0;
    if (su->kind == PG_SU_SSL && c->srv->tls &&
        srv_tls_accept(c->srv->tls, &c->io, deadline, &why) < 0) {
      srv_log(SRV_WARN, "tls_failed", "conn=%u peer=%s reason=\"%s\"", c->id,
              c->peer, why);
      c->reason = "tls_failed";
      return 0;
    }
  }
  fatal(c, "08P01", "protocol", "too many startup packets");
  return 0;
}

/* Reads one 'p' (password/SASL) message body during authentication. */
static int auth_msg(pg_conn *c, int64_t deadline, const uint8_t **b,
                    size_t *n) {
  char type;
  if (!next_msg(c, deadline, &type, b, n))
    return 0;
  if (type != 'p') {
    fatal(c, "08P01", "protocol", "expected a password message");
    return 0;
  }
  return 1;
}

/* Ends a login that did not pass srv_auth_gate: the one message for every
 * wrong user or password (28P01), a throttle or hashing-pool refusal, or
 * an internal error (never reported as a wrong password). */
static void auth_refused(pg_conn *c, int gate, const char *why) {
  char msg[200], q[100];
  const char *state = "28P01", *ev = "auth_failed";
  snprintf(msg, sizeof msg, "password authentication failed for user \"%s\"",
           c->set.user);
  if (gate == SRV_GATE_THROTTLED) {
    state = "28000";
    ev = "auth_throttled";
    snprintf(msg, sizeof msg,
             "too many failed logins from this address or "
             "for this user; try again later");
  } else if (gate == SRV_GATE_TIMEOUT) {
    state = "08006";
    ev = "auth_timeout";
    snprintf(msg, sizeof msg, "authentication timeout");
  } else if (gate == SRV_GATE_ERROR) {
    state = why ? "08P01" : "XX000";
    ev = why ? "protocol" : "auth_error";
    snprintf(msg, sizeof msg, "%s",
             why ? why : "internal error while checking the password");
  }
  srv_log(gate == SRV_GATE_BAD ? SRV_WARN : SRV_ERROR, ev,
          "conn=%u peer=%s proto=pg user=%s sqlstate=%s", c->id, c->peer,
          srv_logq(q, sizeof q, c->set.user), state);
  pg_enc_error(&c->out, 'E', "FATAL", state, msg, 0);
  c->dead = 1;
  c->reason = ev;
}

/* One SCRAM proof check, run by srv_auth_gate in its turn of the login
 * backoff (per address and user) and the hashing pool. */
typedef struct scram_try {
  pg_scram *s;
  const uint8_t *msg;
  size_t n;
  char final[128];
  const char *why;
} scram_try;

static int try_scram(void *arg) {
  scram_try *t = arg;
  int rc = pg_scram_final(t->s, (const char *)t->msg, t->n, t->final,
                          sizeof t->final, &t->why);
  return rc == CREDO_OK     ? SRV_CHECK_OK
         : rc == CREDO_AUTH ? SRV_CHECK_BAD
                            : SRV_CHECK_ERROR;
}

/* SCRAM-SHA-256 with verifier `s` (a mock for an unknown user). */
static int scram(pg_conn *c, int64_t deadline, pg_scram *s) {
  static const char mech[] = "SCRAM-SHA-256\0";
  const uint8_t *b;
  const char *why = "", *m;
  scram_try t = {s, NULL, 0, "", NULL};
  size_t n;
  int32_t len;
  int gate;
  pg_rd r;
  pg_enc_auth(&c->out, 10, mech, sizeof mech);
  if (pg_conn_flush(c) < 0 || !auth_msg(c, deadline, &b, &n))
    return -1;
  r = (pg_rd){b, n, 0, 0};
  m = pg_get_str(&r);
  len = pg_get_i32(&r);
  if (r.bad || strcmp(m, "SCRAM-SHA-256") != 0 || len < 0 ||
      (size_t)len != n - r.off) {
    fatal(c, "28000", "protocol", "expected SCRAM-SHA-256");
    return -1;
  }
  if (pg_scram_first(s, (const char *)b + r.off, (size_t)len, &why) !=
      CREDO_OK) {
    fatal(c, "08P01", "protocol", why);
    return -1;
  }
  pg_enc_auth(&c->out, 11, s->server_first, strlen(s->server_first));
  if (pg_conn_flush(c) < 0 || !auth_msg(c, deadline, &t.msg, &t.n))
    return -1;
  gate = srv_auth_gate(&c->srv->backoff, c->peer_ip, c->set.user, deadline,
                       try_scram, &t);
  if (gate != SRV_GATE_OK) {
    auth_refused(c, gate, t.why);
    return -1;
  }
  pg_enc_auth(&c->out, 12, t.final, strlen(t.final));
  return 0;
}

/* One cleartext password check (argon2id), in its turn of the gate. */
typedef struct pw_try {
  pg_conn *c;
  const char *pw;
  int rc;
} pw_try;

static int try_password(void *arg) {
  pw_try *t = arg;
  t->rc = credo_authenticate(t->c->db, t->c->set.user, t->pw);
  return t->rc == CREDO_OK     ? SRV_CHECK_OK
         : t->rc == CREDO_AUTH ? SRV_CHECK_BAD
                               : SRV_CHECK_ERROR;
}

/* Cleartext password (only over TLS) for users without a verifier. */
static int cleartext(pg_conn *c, int64_t deadline) {
  const uint8_t *b;
  size_t n;
  char pw[1025];
  pw_try t = {c, pw, 0};
  int gate;
  pg_enc_auth(&c->out, 3, NULL, 0);
  if (pg_conn_flush(c) < 0 || !auth_msg(c, deadline, &b, &n))
    return -1;
  if (n == 0 || n > sizeof pw || b[n - 1] != '\0') {
    fatal(c, "08P01", "protocol", "malformed password message");
    return -1;
  }
  memcpy(pw, b, n);
  gate = srv_auth_gate(&c->srv->backoff, c->peer_ip, c->set.user, deadline,
                       try_password, &t);
  explicit_bzero(pw, sizeof pw);
  if (gate != SRV_GATE_OK) {
    auth_refused(c, gate, NULL);
    return -1;
  }
  return 0;
}

/* Authenticates c->set.user; 0 when the handle acts as that user. */
static int authenticate(pg_conn *c, int64_t deadline) {
  credo_scram_verifier v;
  pg_scram s;
  int rc = credo_user_scram(c->db, c->set.user, &v);
  if (rc == CREDO_NOTSUP) {
    if (c->io.ssl)
      return cleartext(c, deadline);
    char msg[400];
    snprintf(msg, sizeof msg,
             "%s, or connect over TLS (sslmode=require) to "
             "log in with the password in clear",
             credo_errmsg(c->db));
    fatal(c, "28000", "auth_failed", msg);
    return -1;
  }
  if (rc == CREDO_OK) {
    memset(&s, 0, sizeof s);
    s.v = v;
  } else {
    pg_scram_mock(&s, c->set.user);
  }
  explicit_bzero(&v, sizeof v);
  rc = scram(c, deadline, &s);
  /* the session follows the user from now on (credo_session_check) */
  if (rc == 0 && credo_session_adopt(c->db, c->set.user, &s.v) != CREDO_OK) {
    fatal(c, "28P01", "auth_failed", credo_errmsg(c->db));
    rc = -1;
  }
  pg_scram_wipe(&s);
  return rc;
}

/* Takes the startup parameters into the session settings. */
static void take_params(pg_conn *c, const pg_startup *su) {
  const char *u = pg_startup_get(su, "user"),
             *d = pg_startup_get(su, "database"),
             *a = pg_startup_get(su, "application_name");
  snprintf(c->set.user, sizeof c->set.user, "%s", u ? u : "");
  snprintf(c->set.database, sizeof c->set.database, "%.64s",
           d && *d ? d : c->set.user);
  snprintf(c->set.application_name, sizeof c->set.application_name, "%s",
           a ? a : "");
  snprintf(c->set.client_encoding, sizeof c->set.client_encoding, "UTF8");
  snprintf(c->set.datestyle, sizeof c->set.datestyle, "ISO, MDY");
  snprintf(c->set.timezone, sizeof c->set.timezone, "UTC");
}

static void greet(pg_conn *c) {
  static const char *const FIXED[][2] = {
      {"server_version", "15.0"},    {"server_encoding", "UTF8"},
      {"integer_datetimes", "on"},   {"standard_conforming_strings", "on"},
      {"IntervalStyle", "postgres"}, {"is_superuser", "off"},
  };
  pg_enc_auth(&c->out, 0, NULL, 0);
  for (size_t i = 0; i < sizeof FIXED / sizeof FIXED[0]; i++)
    pg_enc_param_status(&c->out, FIXED[i][0], FIXED[i][1]);
  pg_enc_param_status(&c->out, "client_encoding", c->set.client_encoding);
  pg_enc_param_status(&c->out, "DateStyle", c->set.datestyle);
  pg_enc_param_status(&c->out, "TimeZone", c->set.timezone);
  pg_enc_param_status(&c->out, "application_name", c->set.application_name);
  pg_enc_param_status(&c->out, "session_authorization", c->set.user);
  pg_enc_backend_key(&c->out, c->pid, c->key);
  pg_enc_ready(&c->out, 'I');
}

/* ------------------------------------------------------------ serving */

static void serve(pg_conn *c) {
  while (!c->dead) {
    char type;
    const uint8_t *b;
    size_t n;
    if (atomic_load(&c->srv->stopping)) {
      fatal(c, "57P01", "shutdown", "terminating connection: server shutdown");
      break;
    }
    if (c->in_len == c->in_off && pg_conn_flush(c) < 0)
      break;
    if (!next_msg(c, idle_deadline(c), &type, &b, &n))
      break;
    if (c->skip_to_sync && type != 'S' && type != 'X' && type != 'Q')
      continue;
    /* ALTER USER / DROP USER / a password change / KILL SESSION since
     * the last statement apply here, as on the credo protocol */
    if ((type == 'Q' || type == 'P' || type == 'B' || type == 'E') &&
        session_ended(c))
      break;
    switch (type) {
    case 'Q':
      if (n == 0 || b[n - 1] != '\0') {
        fatal(c, "08P01", "protocol", "malformed Query message");
        break;
      }
      c->skip_to_sync = 0;
      pg_exec_query(c, (const char *)b);
      break;
    case 'P':
      pg_exec_parse(c, b, n);
      break;
    case 'B':
      pg_exec_bind(c, b, n);
      break;
    case 'D':
      pg_exec_describe(c, b, n);
      break;
    case 'E':
      pg_exec_execute(c, b, n);
      break;
    case 'C':
      pg_exec_close(c, b, n);
      break;
    case 'H':
      (void)pg_conn_flush(c);
      break;
    case 'S':
      c->skip_to_sync = 0;
      pg_enc_ready(&c->out, pg_txn_status(c));
      break;
    case 'X':
      c->dead = 1;
      c->reason = "terminate";
      break;
    case 'd':
    case 'c':
    case 'f':
      break; /* COPY FROM data after an error: ignored, as PostgreSQL */
    default:
      fatal(c, "08P01", "protocol", "unexpected message type");
    }
  }
}

static void conn_end(pg_conn *c) {
  srv_ctx *srv = c->srv;
  int held = !c->reject, authed = c->authed;
  const char *ip = c->peer_ip;
  (void)pg_conn_flush(c);
  srv_log(SRV_INFO, "disconnect", "conn=%u peer=%s proto=pg reason=%s", c->id,
          c->peer, c->reason ? c->reason : "closed");
  reg_del(c);
  pg_exec_close_all(c);
  credo_close(c->db);
  srv_tls_close(&c->io);
  close(c->io.fd);
  free(c->in);
  pg_buf_free(&c->out);
  srv_conn_ended(srv, ip, held, authed);
  free(c);
}

static void *conn_thread(void *arg) {
  pg_conn *c = arg;
  int64_t deadline = cl_now_ms() + (int64_t)c->srv->cfg->auth_timeout * 1000;
  pg_startup su;
  char q[100];
  srv_log(SRV_INFO, "connect", "conn=%u peer=%s proto=pg", c->id, c->peer);
  if (!startup(c, deadline, &su))
    goto end;
  take_params(c, &su);
  if (c->reject) {
    char msg[120];
    snprintf(msg, sizeof msg, "%s (max %u)", srv_slot_why(c->reject),
             srv_slot_cap(&c->srv->slots, c->reject));
    fatal(c, "53300", "max_conn", msg);
    goto end;
  }
  if (!c->io.ssl && c->srv->tls && !c->srv->cfg->allow_plaintext &&
      !is_loopback_fd(c->io.fd)) {
    fatal(c, "28000", "tls_required",
          "this listener requires TLS (sslmode=require)");
    goto end;
  }
  if (!c->set.user[0]) {
    fatal(c, "28000", "protocol", "no user name in the startup packet");
    goto end;
  }
  if (authenticate(c, deadline) < 0)
    goto end;
  srv_slot_authed(&c->srv->slots, c->peer_ip);
  c->authed = 1;
  (void)credo_session_register(c->db, c->id, c->peer, kill_conn, c);
  srv_log(SRV_INFO, "auth_ok",
          "conn=%u peer=%s proto=pg user=%s role=%s tls=%d", c->id, c->peer,
          srv_logq(q, sizeof q, c->set.user),
          credo_role_name(credo_get_role(c->db)), c->io.ssl != NULL);
  greet(c);
  serve(c);
end:
  conn_end(c);
  return NULL;
}

int pg_conn_start(srv_ctx *srv, int fd, unsigned id, int reject,
                  const char *peer, const char *peer_ip) {
  pthread_attr_t attr;
  pthread_t th;
  pg_conn *c = calloc(1, sizeof *c);
  int ok;
  if (!c)
    return -1;
  c->srv = srv;
  c->id = id;
  c->reject = reject;
  c->io = (cl_io){fd, NULL, srv->wake_rd};
  snprintf(c->peer, sizeof c->peer, "%s", peer);
  snprintf(c->peer_ip, sizeof c->peer_ip, "%s", peer_ip);
  c->pid = (int32_t)id;
  if (RAND_bytes((unsigned char *)&c->key, sizeof c->key) != 1 ||
      credo_dup(srv->admin, &c->db) != CREDO_OK) {
    free(c);
    return -1;
  }
  credo_set_timeout(c->db, (int64_t)srv->cfg->max_time_ms * 1000);
  for (int i = 0; i < PG_MAX_STMTS; i++)
    c->stmts[i].portal = -1;
  reg_add(c);
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  ok = pthread_create(&th, &attr, conn_thread, c) == 0;
  pthread_attr_destroy(&attr);
  if (!ok) {
    reg_del(c);
    credo_close(c->db);
    free(c);
    return -1;
  }
  return 0;
}
