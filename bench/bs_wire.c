/*
 * bs_wire.c -- the raw-protocol load client of the server benchmarks
 * (bs_wire.h).
 *
 * Invariants: sockets are blocking; the login waits for each reply in
 * order; the drive loop only polls connections with a pending batch, so
 * it ends when the hooks stop sending.
 *
 * Does not: measure anything itself.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bs_wire.h"

int bw_take(bw_conn *c, cl_hdr *h, const uint8_t **p) {
  size_t total = 0;
  const char *why;
  int rc = cl_hdr_parse(c->buf + c->off, c->len - c->off, CL_MAX_SERVER_FRAME,
                        h, &total, &why);
  if (rc < 0 || total > sizeof c->buf)
    return -1;
  if (rc != CREDO_OK || c->len - c->off < total) {
    memmove(c->buf, c->buf + c->off, c->len - c->off);
    c->len -= c->off;
    c->off = 0;
    return 0;
  }
  *p = c->buf + c->off + CL_HDR;
  c->off += total;
  return 1;
}

int bw_send(int fd, const cl_wbuf *w) {
  for (size_t off = 0; off < w->n;) {
    ssize_t r = send(fd, w->p + off, w->n - off, MSG_NOSIGNAL);
    if (r <= 0)
      return -1;
    off += (size_t)r;
  }
  return 0;
}

void bw_print_error(const uint8_t *p, size_t n) {
  cl_error e;
  const char *why;
  if (cl_dec_error(p, n, &e, &why) == CREDO_OK)
    fprintf(stderr, "server error: %.*s\n", (int)e.msg_len, e.msg);
}

/* Reads once (blocking) into c's buffer. 0, or -1 at end or error. */
static int fill(bw_conn *c, uint64_t *bytes) {
  ssize_t k = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
  if (k <= 0)
    return -1;
  c->len += (size_t)k;
  if (bytes)
    *bytes += (uint64_t)k;
  return 0;
}

/* Blocks until the terminal reply to `req`; 0 when it is `want`. */
static int wait_for(bw_conn *c, uint32_t req, int want, const uint8_t **payload,
                    size_t *n) {
  for (;;) {
    cl_hdr h;
    const uint8_t *p;
    int r;
    while ((r = bw_take(c, &h, &p)) == 0)
      if (fill(c, NULL) < 0)
        return -1;
    if (r < 0 || h.req != req)
      return -1;
    if (h.type == CL_F_ERROR) {
      bw_print_error(p, h.len - CL_MIN_LENGTH);
      return -1;
    }
    if (h.type == want) {
      *payload = p;
      *n = h.len - CL_MIN_LENGTH;
      return 0;
    }
  }
}

static int dial(const char *host, int port) {
  struct sockaddr_in a = {0};
  int on = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  if (fd >= 0 && (inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
                  connect(fd, (struct sockaddr *)&a, sizeof a) < 0))
    return -1;
  if (fd >= 0)
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return fd;
}

int bw_login(bw_conn *c, const char *host, int port, const char *client,
             const char *user, const char *password, const char *sql) {
  cl_wbuf out = {0};
  cl_hello hello = {1, 1, client, (uint32_t)strlen(client)};
  cl_auth auth = {user, password, (uint32_t)strlen(user),
                  (uint32_t)strlen(password)};
  cl_sql q = {0, sql, (uint32_t)strlen(sql)};
  cl_prepared pm = {0};
  const uint8_t *p;
  const char *why;
  size_t n;
  int rc;
  if ((c->fd = dial(host, port)) < 0)
    return -1;
  cl_enc_hello(&out, 1, &hello);
  cl_enc_auth(&out, 2, &auth);
  cl_enc_sql(&out, CL_F_PREPARE, 3, &q);
  rc = bw_send(c->fd, &out) < 0 || wait_for(c, 1, CL_F_READY, &p, &n) < 0 ||
       wait_for(c, 2, CL_F_AUTH_OK, &p, &n) < 0 ||
       wait_for(c, 3, CL_F_PREPARED, &p, &n) < 0 ||
       cl_dec_prepared(p, n, &pm, 0, &why) == CREDO_PROTOCOL;
  cl_wbuf_free(&out);
  if (rc)
    return -1;
  c->stmt = pm.stmt;
  c->req = 10;
  return 0;
}

/* Reads what c has and hands its frames to the hooks. 0 or -1. */
static int on_readable(bw_conn *c, const bw_hooks *k) {
  cl_hdr h;
  const uint8_t *p;
  int r;
  if (fill(c, k->bytes) < 0)
    return -1;
  while ((r = bw_take(c, &h, &p)) > 0) {
    if (h.type == CL_F_ROWS)
      *k->rows += (uint32_t)(p[2] << 24 | p[3] << 16 | p[4] << 8 | p[5]);
    if (h.type == CL_F_ERROR) {
      bw_print_error(p, h.len - CL_MIN_LENGTH);
      return -1;
    }
    if (h.type == CL_F_DONE && k->done(k->arg, c) < 0)
      return -1;
  }
  return r;
}

int bw_drive(bw_conn *cs, int n, const bw_hooks *k) {
  struct pollfd *pf = calloc((size_t)n, sizeof *pf);
  int busy = n, rc = pf ? 0 : -1;
  for (int i = 0; i < n && rc == 0; i++)
    rc = k->batch(k->arg, &cs[i]);
  while (rc == 0 && busy > 0) {
    busy = 0;
    for (int i = 0; i < n; i++) {
      pf[i].fd = cs[i].pending ? cs[i].fd : -1;
      pf[i].events = POLLIN;
      busy += cs[i].pending > 0;
    }
    if (busy && poll(pf, (nfds_t)n, 30000) <= 0)
      rc = -1;
    for (int i = 0; rc == 0 && i < n; i++)
      if (pf[i].fd >= 0 && pf[i].revents)
        rc = on_readable(&cs[i], k);
  }
  free(pf);
  return rc;
}
