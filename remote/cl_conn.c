/*
 * cl_conn.c -- the client's connection: TCP connect with a timeout, TLS
 * (verifying the server certificate and host name unless insecure=1), the
 * HELLO/AUTH handshake, and reading and writing whole frames.
 *
 * Invariants: every wait is bounded by the URI's timeout; after any I/O
 * or framing failure the connection is marked broken and never used for
 * another request (the stream position is unknown); the password is only
 * ever in the AUTH frame, wiped from the output buffer once written.
 *
 * Does not: route frames to statements (cl_rstmt.c) or touch a handle.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cl_remote.h"

static int64_t deadline_of(const cl_conn *c) {
  return cl_now_ms() + c->timeout_ms;
}

uint32_t cl_conn_req(cl_conn *c) {
  if (++c->next_req == 0)
    c->next_req = 1;
  return c->next_req;
}

/* Connects one address with a timeout. The socket, or -1. */
static int connect_one(const struct addrinfo *a, int64_t deadline) {
  int fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), err = 0;
  socklen_t el = sizeof err;
  cl_io io;
  if (fd < 0 || cl_io_prepare_socket(fd) < 0)
    goto fail;
  if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
    return fd;
  if (errno != EINPROGRESS)
    goto fail;
  io.fd = fd, io.ssl = NULL, io.wake_fd = -1;
  if (cl_io_wait(&io, POLLOUT, deadline, 0) != 0) {
    errno = ETIMEDOUT;
    goto fail;
  }
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != 0) {
    errno = err ? err : errno; /* why the connection failed */
    goto fail;
  }
  return fd;
fail:
  if (fd >= 0) {
    int saved = errno;
    close(fd);
    errno = saved;
  }
  return -1;
}

static int tcp_connect(cl_conn *c, const cl_uri *u, char *err, size_t n) {
  struct addrinfo hints = {0}, *ai = NULL;
  int r;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  r = getaddrinfo(u->host, u->port, &hints, &ai);
  if (r != 0) {
    snprintf(err, n, "cannot resolve %s: %s", u->host, gai_strerror(r));
    return CREDO_CONN;
  }
  c->io.fd = -1;
  errno = 0;
  for (struct addrinfo *a = ai; a && c->io.fd < 0; a = a->ai_next)
    c->io.fd = connect_one(a, deadline_of(c));
  freeaddrinfo(ai);
  if (c->io.fd < 0) {
    snprintf(err, n, "cannot connect to %s port %s: %s", u->host, u->port,
             strerror(errno));
    return CREDO_CONN;
  }
  return CREDO_OK;
}

/* Sets up the TLS context: TLS 1.2+, the system's or the given CAs. */
static int tls_ctx(cl_conn *c, const cl_uri *u) {
  c->ctx = SSL_CTX_new(TLS_client_method());
  if (!c->ctx)
    return -1;
  SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(c->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                               SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (u->insecure) {
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
    return 0;
  }
  SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
  if (u->ca[0])
    return SSL_CTX_load_verify_locations(c->ctx, u->ca, NULL) == 1 ? 0 : -1;
  return SSL_CTX_set_default_verify_paths(c->ctx) == 1 ? 0 : -1;
}

static int tls_connect(cl_conn *c, const cl_uri *u, char *err, size_t n) {
  int64_t deadline = deadline_of(c);
  if (tls_ctx(c, u) < 0 || !(c->io.ssl = SSL_new(c->ctx)) ||
      SSL_set_fd(c->io.ssl, c->io.fd) != 1)
    goto fail;
  SSL_set_tlsext_host_name(c->io.ssl, u->host);
  if (!u->insecure && SSL_set1_host(c->io.ssl, u->host) != 1)
    goto fail;
  for (;;) {
    int r = SSL_connect(c->io.ssl), e, w;
    if (r == 1)
      return CREDO_OK;
    e = SSL_get_error(c->io.ssl, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
      goto fail;
    w = cl_io_wait(&c->io, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
                   deadline, 0);
    if (w != 0)
      goto fail;
  }
fail:
  snprintf(err, n, "TLS with %s failed: %s", u->host,
           c->io.ssl && SSL_get_verify_result(c->io.ssl) != X509_V_OK
               ? X509_verify_cert_error_string(SSL_get_verify_result(c->io.ssl))
           : ERR_peek_last_error()
               ? ERR_reason_error_string(ERR_peek_last_error())
               : "handshake failed or timed out");
  ERR_clear_error();
  return CREDO_CONN;
}

int cl_conn_flush(cl_conn *c) {
  int r;
  if (c->broken)
    return CREDO_CONN;
  if ((r = cl_io_flush(&c->io, c->out.p, &c->out.n, c->out.oom,
                       deadline_of(c))) == 0)
    return CREDO_OK;
  c->broken = 1;
  return r == CL_IO_NOMEM ? CREDO_NOMEM : CREDO_CONN;
}

/* Ensures `need` unread bytes fit in the input buffer. */
static int in_room(cl_conn *c, size_t need) {
  size_t unread = c->in_len - c->in_off, cap = c->in_cap ? c->in_cap : 65536;
  uint8_t *p;
  if (c->in && c->in_off > 0)
    memmove(c->in, c->in + c->in_off, unread);
  c->in_len = unread;
  c->in_off = 0;
  while (cap < need)
    cap *= 2;
  if (cap <= c->in_cap)
    return 0;
  if (!(p = realloc(c->in, cap)))
    return -1;
  c->in = p;
  c->in_cap = cap;
  return 0;
}

/* Takes the complete frame at in_off, if there is one. 1 taken, 0 not
 * yet (*need set), -1 malformed. */
static int take_frame(cl_conn *c, cl_msg **out, size_t *need,
                      const char **why) {
  cl_hdr h;
  size_t total = 0, avail = c->in_len - c->in_off;
  int rc = cl_hdr_parse(c->in + c->in_off, avail, CL_MAX_SERVER_FRAME, &h,
                        &total, why);
  cl_msg *m;
  if (rc < 0 || (rc == CREDO_OK && cl_ftype_dir(h.type) != 2)) {
    *why = rc < 0 ? *why : "client frame type from the server";
    return -1;
  }
  *need = rc == CREDO_OK ? total : CL_HDR;
  if (rc != CREDO_OK || avail < total)
    return 0;
  if (!(m = malloc(sizeof *m + total - CL_HDR)))
    return -1;
  m->next = NULL;
  m->h = h;
  m->n = total - CL_HDR;
  memcpy(m->p, c->in + c->in_off + CL_HDR, m->n);
  c->in_off += total;
  *out = m;
  return 1;
}

/* Empties the self-pipe (non-blocking): the requests it carried are the
 * handle's interrupt flag, not its bytes. */
static void drain_wake(cl_conn *c) {
  char buf[64];
  while (c->io.wake_fd >= 0 && read(c->io.wake_fd, buf, sizeof buf) > 0)
    ;
}

int cl_conn_wake_pipe(cl_conn *c) {
  int p[2];
  if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
    return CREDO_IO;
  c->io.wake_fd = p[0];
  c->wake_wr = p[1];
  return CREDO_OK;
}

int cl_conn_read(cl_conn *c, cl_msg **out, char *err, size_t n) {
  int64_t deadline = c->reply_ms ? cl_now_ms() + c->reply_ms : INT64_MAX;
  const char *why = "out of memory";
  *out = NULL;
  if (cl_conn_flush(c) != CREDO_OK)
    goto broken;
  for (;;) {
    size_t need = CL_HDR;
    ssize_t r;
    int t = take_frame(c, out, &need, &why);
    if (t > 0)
      return CREDO_OK;
    if (t < 0 || in_room(c, need) < 0)
      goto bad;
    r = cl_io_read(&c->io, c->in + c->in_len, c->in_cap - c->in_len, deadline);
    if (r == CL_IO_WAKE) {
      drain_wake(c);
      snprintf(err, n, "interrupted");
      return CREDO_CANCELLED;
    }
    if (r <= 0) {
      why = r == 0               ? "the server closed the connection"
            : r == CL_IO_TIMEOUT ? "timeout waiting for the server"
                                 : "connection failed";
      goto broken;
    }
    c->in_len += (size_t)r;
  }
bad:
  snprintf(err, n, "protocol error from the server: %s", why);
  c->broken = 1;
  return CREDO_PROTOCOL;
broken:
  snprintf(err, n, "%s", why);
  c->broken = 1;
  return CREDO_CONN;
}

/* Reads the reply to a handshake request: `want`, else an ERROR. */
static int hs_reply(cl_conn *c, int want, cl_msg **m, char *err, size_t n) {
  cl_error e;
  const char *why = "";
  int rc = cl_conn_read(c, m, err, n);
  if (rc != CREDO_OK)
    return rc;
  if ((*m)->h.type == want)
    return CREDO_OK;
  if ((*m)->h.type == CL_F_ERROR &&
      cl_dec_error((*m)->p, (*m)->n, &e, &why) == CREDO_OK) {
    snprintf(err, n, "%.*s", (int)e.msg_len, e.msg);
    return e.code < 0 ? e.code : CREDO_PROTOCOL;
  }
  snprintf(err, n, "unexpected %s from the server during the handshake",
           cl_ftype_name((*m)->h.type));
  return CREDO_PROTOCOL;
}

static int handshake(cl_conn *c, const cl_uri *u, const char *password,
                     char *err, size_t n) {
  static const char client[] = "libcredo " CREDO_VERSION;
  cl_hello hello = {CL_PROTO_MIN_VERSION, CL_PROTO_VERSION, client,
                    sizeof client - 1};
  cl_auth auth = {u->user, password, (uint32_t)strlen(u->user),
                  (uint32_t)strlen(password)};
  cl_ready ready;
  cl_auth_ok ok;
  cl_msg *m = NULL;
  const char *why;
  int rc;
  cl_enc_hello(&c->out, cl_conn_req(c), &hello);
  cl_enc_auth(&c->out, cl_conn_req(c), &auth);
  rc = cl_conn_flush(c);
  OPENSSL_cleanse(c->out.p, c->out.cap);
  if (rc == CREDO_OK)
    rc = hs_reply(c, CL_F_READY, &m, err, n);
  if (rc == CREDO_OK && cl_dec_ready(m->p, m->n, &ready, &why) != CREDO_OK) {
    snprintf(err, n, "bad READY from the server: %s", why);
    rc = CREDO_PROTOCOL;
  }
  if (rc == CREDO_OK && (ready.version < CL_PROTO_MIN_VERSION ||
                         ready.version > CL_PROTO_VERSION)) {
    snprintf(err, n, "the server chose protocol version %u, not one of 1..%d",
             (unsigned)ready.version, CL_PROTO_VERSION);
    rc = CREDO_PROTOCOL;
  }
  if (rc == CREDO_OK) {
    c->max_frame = ready.max_frame;
    c->version = ready.version;
  }
  free(m);
  m = NULL;
  if (rc == CREDO_OK)
    rc = hs_reply(c, CL_F_AUTH_OK, &m, err, n);
  if (rc == CREDO_OK && cl_dec_auth_ok(m->p, m->n, &ok, &why) != CREDO_OK) {
    snprintf(err, n, "bad AUTH_OK from the server: %s", why);
    rc = CREDO_PROTOCOL;
  }
  if (rc == CREDO_OK)
    c->role = ok.role;
  free(m);
  return rc;
}

int cl_conn_open(cl_conn *c, const cl_uri *u, const char *password, char *err,
                 size_t n) {
  int rc;
  memset(c, 0, sizeof *c);
  c->io.fd = -1;
  c->io.wake_fd = -1;
  c->wake_wr = -1;
  c->timeout_ms = u->timeout_s * 1000;
  c->reply_ms = c->timeout_ms; /* the handshake's replies */
  if (strlen(password) > CL_MAX_PASSWORD) {
    snprintf(err, n, "password longer than %d bytes", CL_MAX_PASSWORD);
    return CREDO_INVALID;
  }
  rc = tcp_connect(c, u, err, n);
  if (rc == CREDO_OK && u->tls)
    rc = tls_connect(c, u, err, n);
  if (rc == CREDO_OK)
    rc = handshake(c, u, password, err, n);
  c->reply_ms = u->reply_timeout_s * 1000;
  return rc;
}

void cl_conn_close(cl_conn *c) {
  if (c->io.fd >= 0 && !c->broken) {
    int64_t saved = c->timeout_ms;
    c->timeout_ms = 1000; /* BYE is a courtesy: do not hang on it */
    cl_enc_empty(&c->out, CL_F_BYE, cl_conn_req(c));
    (void)cl_conn_flush(c);
    c->timeout_ms = (int)saved;
  }
  if (c->io.ssl) {
    (void)SSL_shutdown(c->io.ssl);
    SSL_free(c->io.ssl);
  }
  ERR_clear_error();
  SSL_CTX_free(c->ctx);
  if (c->io.fd >= 0)
    close(c->io.fd);
  if (c->io.wake_fd >= 0)
    close(c->io.wake_fd);
  if (c->wake_wr >= 0)
    close(c->wake_wr);
  free(c->in);
  cl_wbuf_free(&c->out);
  memset(c, 0, sizeof *c);
  c->io.fd = -1;
}
