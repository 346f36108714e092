/*
 * bs_wire.h -- the raw-protocol load client the server benchmarks share
 * (bench/bench_server.c and bench_scale's server-conc, bs_server.c): one
 * connection speaking docs/protocol.md with the codec (wire/cl_frame.h)
 * over a plain loopback socket, logged in with one prepared statement,
 * and the poll() loop that drives many of them from one thread, as
 * redis-benchmark drives its clients.
 *
 * Invariants: a connection's buffer holds at most one unread frame's
 * bytes beyond the ones taken; request ids 1-3 are the login's, a load's
 * start at 10.
 *
 * Does not: choose what a batch asks or measure latency (the caller's
 * batch and done hooks do), use TLS, or link bs_util (bench_server is a
 * program of its own).
 */
#ifndef CREDO_BS_WIRE_H
#define CREDO_BS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "cl_frame.h"

typedef struct bw_conn {
  int fd;
  uint8_t buf[1 << 16];
  size_t len, off;
  uint32_t stmt, req; /* the prepared statement; the next request id */
  int pending;        /* DONEs still expected for the batch */
  double t0;          /* when the batch was written (the caller's clock) */
} bw_conn;

/* The next complete frame in c's buffer: 1 (h and *p, its payload, set),
 * 0 (more bytes needed; the unread ones moved to the front), -1 (bad). */
int bw_take(bw_conn *c, cl_hdr *h, const uint8_t **p);
/* Writes all of w to fd. 0 or -1. */
int bw_send(int fd, const cl_wbuf *w);
/* Prints an ERROR frame's message to stderr. */
void bw_print_error(const uint8_t *p, size_t n);

/* Connects c to host:port (IPv4 text), TCP_NODELAY, and sends HELLO (as
 * `client`), AUTH (user, password) and PREPARE `sql`, waiting for each
 * reply: c->stmt is the statement, c->req 10. 0, or -1 (the server's
 * error printed). */
int bw_login(bw_conn *c, const char *host, int port, const char *client,
             const char *user, const char *password, const char *sql);

/* What a load does with its connections: `batch` writes a connection's
 * next batch (setting pending and t0), `done` is called for each DONE
 * frame (it may send the next batch); ROWS frames' row counts add up in
 * *rows and the bytes read in *bytes. Hooks return 0 or -1. */
typedef struct bw_hooks {
  int (*batch)(void *arg, bw_conn *c);
  int (*done)(void *arg, bw_conn *c);
  void *arg;
  uint64_t *rows, *bytes;
} bw_hooks;

/* Sends every connection's first batch, then polls until no connection
 * has a pending batch. 0, or -1 when a connection failed or stayed silent
 * for 30 s. */
int bw_drive(bw_conn *cs, int n, const bw_hooks *k);

#endif
