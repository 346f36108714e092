/*
 * bench_server.c -- load generator for credo-server: queries per second
 * and p50/p99 latency of a prepared subject look-up over loopback, at a
 * given number of connections, with or without pipelining.
 *
 *   bench_server setup STORE NSUBJECTS
 *       fills an embedded store: one type, NSUBJECTS subjects "S00000"...
 *       with 3 events each (typed API, one transaction)
 *   bench_server run PORT USER CONNS PIPELINE SECONDS NSUBJECTS [THREADS]
 *       CONNS connections, split over THREADS (default 2) driver threads
 *       that each run one poll() loop as redis-benchmark drives its
 *       clients, each connection authenticated (password
 *       from CREDO_PASSWORD) and holding the prepared statement
 *         SELECT id, type, occurred, public_until, data FROM events
 *         WHERE subject = ?
 *       then, for SECONDS, sends PIPELINE EXECUTEs at once (a random
 *       subject each) and waits for their DONEs, again and again (as
 *       redis-benchmark -P does). Prints one line:
 *         conns=C pipeline=P queries=N qps=Q p50_us=A p99_us=B rows=R
 *       A request's latency is from the write of its batch to its DONE.
 *
 * The client speaks the protocol with the codec (client/cl_frame.h) over
 * plain sockets from a few threads, so it costs the machine as little as
 * possible: the server and this client share the same cores.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cl_frame.h"
#include "credo.h"

#define LOOKUP                                                                 \
  "SELECT id, type, occurred, public_until, data FROM events WHERE "           \
  "subject = ?"

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------------------ setup */

static int setup(const char *dir, int nsubj) {
  credo *db = NULL;
  credo_duration year = {12, 0}, quarter = {3, 0};
  credo_time now;
  char id[32], ref[32];
  int rc = credo_open(dir, NULL, &db);
  if (rc == CREDO_OK)
    rc = credo_create_type(db, "penalty_general", year, quarter);
  if (rc == CREDO_OK)
    rc = credo_begin(db);
  now = credo_now(db);
  for (int i = 0; rc == CREDO_OK && i < nsubj; i++) {
    snprintf(id, sizeof id, "S%05d", i);
    rc = credo_create_subject(db, id, CREDO_KIND_OTHER, "bench subject");
    for (int k = 0; rc == CREDO_OK && k < 3; k++) {
      credo_record r = {id,
                        "penalty_general",
                        now - (int64_t)(k * 40 + i % 30) * CREDO_USEC_PER_DAY,
                        CREDO_TIME_DEFAULT,
                        CREDO_TIME_DEFAULT,
                        "bench",
                        ref,
                        "{\"amount_wan\": 1.5, \"authority\": \"bench\"}",
                        NULL};
      snprintf(ref, sizeof ref, "R%d-%d", i, k);
      rc = credo_record_event(db, &r, NULL, NULL);
    }
  }
  if (rc == CREDO_OK)
    rc = credo_commit(db);
  if (rc != CREDO_OK)
    fprintf(stderr, "setup: %s\n", db ? credo_errmsg(db) : "open failed");
  credo_close(db);
  return rc == CREDO_OK ? 0 : 1;
}

/* ------------------------------------------------------------ client */

/* One connection of the load: its socket, input buffer and batch. */
typedef struct conn {
  int fd;
  uint8_t buf[1 << 16];
  size_t len, off;
  uint32_t stmt, req; /* next request id */
  int pending;        /* DONEs still expected for the batch */
  int64_t t0;         /* when the batch was written */
} conn;

/* The connections one driver thread runs with poll(), as redis-benchmark
 * does, and what it measured. */
typedef struct load {
  int port, pipeline, nsubj;
  const char *user, *password;
  conn *c;
  int n;
  int64_t *lat; /* latencies, ns */
  size_t nlat, cap;
  uint64_t rows;
  unsigned seed;
} load;

/* Parses the next complete frame in c's buffer: 1, 0 (need more), -1. */
static int take(conn *c, cl_hdr *h, const uint8_t **p) {
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

/* Reads once (blocking) and returns the next frame, for the setup. */
static int next_frame(conn *c, cl_hdr *h, const uint8_t **p) {
  int r;
  while ((r = take(c, h, p)) == 0) {
    ssize_t k = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
    if (k <= 0)
      return -1;
    c->len += (size_t)k;
  }
  return r > 0 ? 0 : -1;
}

static int send_all(int fd, const cl_wbuf *w) {
  size_t off = 0;
  while (off < w->n) {
    ssize_t r = send(fd, w->p + off, w->n - off, MSG_NOSIGNAL);
    if (r <= 0)
      return -1;
    off += (size_t)r;
  }
  return 0;
}

static void print_error(const uint8_t *p, size_t n) {
  cl_error e;
  const char *why;
  if (cl_dec_error(p, n, &e, &why) == CREDO_OK)
    fprintf(stderr, "server error: %.*s\n", (int)e.msg_len, e.msg);
}

/* Waits for the reply `want` to request `req` during the setup. */
static int wait_for(conn *c, uint32_t req, int want, const uint8_t **payload,
                    size_t *n) {
  for (;;) {
    cl_hdr h;
    const uint8_t *p;
    if (next_frame(c, &h, &p) < 0 || h.req != req)
      return -1;
    if (h.type == CL_F_ERROR) {
      print_error(p, h.len - CL_MIN_LENGTH);
      return -1;
    }
    if (h.type == want) {
      *payload = p;
      *n = h.len - CL_MIN_LENGTH;
      return 0;
    }
  }
}

static int connect_login(load *l, conn *c) {
  struct sockaddr_in a = {0};
  int one = 1, rc;
  cl_wbuf out = {0};
  cl_hello hello = {1, 1, "bench", 5};
  cl_auth auth = {l->user, l->password, (uint32_t)strlen(l->user),
                  (uint32_t)strlen(l->password)};
  cl_sql q = {0, LOOKUP, (uint32_t)strlen(LOOKUP)};
  const uint8_t *p;
  size_t n;
  cl_prepared pm = {0};
  const char *why;
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)l->port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0)
    return -1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  cl_enc_hello(&out, 1, &hello);
  cl_enc_auth(&out, 2, &auth);
  cl_enc_sql(&out, CL_F_PREPARE, 3, &q);
  rc = send_all(c->fd, &out) < 0 || wait_for(c, 1, CL_F_READY, &p, &n) < 0 ||
       wait_for(c, 2, CL_F_AUTH_OK, &p, &n) < 0 ||
       wait_for(c, 3, CL_F_PREPARED, &p, &n) < 0;
  cl_wbuf_free(&out);
  if (rc || cl_dec_prepared(p, n, &pm, 0, &why) == CREDO_PROTOCOL)
    return -1;
  c->stmt = pm.stmt;
  c->req = 10;
  return 0;
}

static void add_lat(load *l, int64_t ns) {
  if (l->nlat == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 1 << 16;
    int64_t *p = realloc(l->lat, cap * sizeof *p);
    if (!p)
      return;
    l->lat = p;
    l->cap = cap;
  }
  l->lat[l->nlat++] = ns;
}

/* Writes a batch: `pipeline` EXECUTEs of random subjects, one write. */
static int send_batch(load *l, conn *c) {
  cl_wbuf out = {0};
  char subj[16];
  cl_value v = {.t = CREDO_T_TEXT};
  cl_execute e = {c->stmt, 0, 1, &v};
  int rc;
  for (int i = 0; i < l->pipeline; i++) {
    snprintf(subj, sizeof subj, "S%05d", rand_r(&l->seed) % l->nsubj);
    v.u.s.p = subj;
    v.u.s.n = (uint32_t)strlen(subj);
    cl_enc_execute(&out, c->req++, &e);
  }
  c->pending = l->pipeline;
  c->t0 = now_ns();
  rc = send_all(c->fd, &out);
  cl_wbuf_free(&out);
  return rc;
}

/* Reads what c has, handles its frames; sends the next batch when the
 * current one is answered and time is not up. 0 or -1. */
static int on_readable(load *l, conn *c, int64_t end) {
  cl_hdr h;
  const uint8_t *p;
  int r;
  ssize_t k = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
  if (k <= 0)
    return -1;
  c->len += (size_t)k;
  while ((r = take(c, &h, &p)) > 0) {
    if (h.type == CL_F_ROWS)
      l->rows += (uint32_t)(p[2] << 24 | p[3] << 16 | p[4] << 8 | p[5]);
    if (h.type == CL_F_ERROR) {
      print_error(p, h.len - CL_MIN_LENGTH);
      return -1;
    }
    if (h.type == CL_F_DONE) {
      add_lat(l, now_ns() - c->t0);
      if (--c->pending == 0 && now_ns() < end && send_batch(l, c) < 0)
        return -1;
    }
  }
  return r;
}

static int cmp64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Drives every connection until `seconds` pass and all batches are in. */
static int drive(load *l, int seconds) {
  struct pollfd *pf = calloc((size_t)l->n, sizeof *pf);
  int64_t end = now_ns() + (int64_t)seconds * 1000000000;
  int busy = l->n, rc = 0;
  if (!pf)
    return -1;
  for (int i = 0; i < l->n && rc == 0; i++)
    rc = send_batch(l, &l->c[i]);
  while (rc == 0 && busy > 0) {
    busy = 0;
    for (int i = 0; i < l->n; i++) {
      pf[i].fd = l->c[i].pending ? l->c[i].fd : -1;
      pf[i].events = POLLIN;
      busy += l->c[i].pending > 0;
    }
    if (busy && poll(pf, (nfds_t)l->n, 30000) <= 0)
      rc = -1;
    for (int i = 0; rc == 0 && i < l->n; i++)
      if (pf[i].fd >= 0 && pf[i].revents)
        rc = on_readable(l, &l->c[i], end);
  }
  free(pf);
  return rc;
}

typedef struct driver {
  load l;
  int seconds, rc;
} driver;

static void *drive_thread(void *arg) {
  driver *d = arg;
  d->rc = drive(&d->l, d->seconds);
  return NULL;
}

/* CONNS connections split over `threads` drivers (each one poll loop). */
static int run(int port, const char *user, int conns, int pipeline, int seconds,
               int nsubj, int threads) {
  const char *pw = getenv("CREDO_PASSWORD");
  conn *c = calloc((size_t)conns, sizeof *c);
  driver *d = calloc((size_t)threads, sizeof *d);
  pthread_t *th = calloc((size_t)threads, sizeof *th);
  load all = {0};
  int64_t t0;
  int rc = 0;
  if (!c || !d || !th || !pw)
    return 2;
  for (int t = 0, first = 0; t < threads; t++) {
    int n = conns / threads + (t < conns % threads);
    d[t].l = (load){port, pipeline, nsubj, user, pw, c + first,
                    n,    NULL,     0,     0,    0,  (unsigned)t * 7919u + 1};
    d[t].seconds = seconds;
    first += n;
    for (int i = 0; i < n && rc == 0; i++)
      rc = connect_login(&d[t].l, &d[t].l.c[i]);
  }
  if (rc != 0) {
    fprintf(stderr, "bench: cannot connect/login/prepare\n");
    return 1;
  }
  t0 = now_ns();
  for (int t = 0; t < threads; t++)
    pthread_create(&th[t], NULL, drive_thread, &d[t]);
  for (int t = 0; t < threads; t++) {
    pthread_join(th[t], NULL);
    rc |= d[t].rc;
    all.rows += d[t].l.rows;
    for (size_t i = 0; i < d[t].l.nlat; i++)
      add_lat(&all, d[t].l.lat[i]);
    free(d[t].l.lat);
  }
  double secs = (double)(now_ns() - t0) / 1e9;
  qsort(all.lat, all.nlat, sizeof *all.lat, cmp64);
  printf("conns=%d pipeline=%d threads=%d queries=%zu qps=%.0f p50_us=%.0f "
         "p99_us=%.0f rows=%llu failed=%d\n",
         conns, pipeline, threads, all.nlat, (double)all.nlat / secs,
         all.nlat ? (double)all.lat[all.nlat / 2] / 1e3 : 0.0,
         all.nlat ? (double)all.lat[(size_t)((double)all.nlat * 0.99)] / 1e3
                  : 0.0,
         (unsigned long long)all.rows, rc != 0);
  for (int i = 0; i < conns; i++)
    close(c[i].fd);
  free(c);
  free(d);
  free(th);
  free(all.lat);
  return rc != 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "setup") == 0)
    return setup(argv[2], atoi(argv[3]));
  if ((argc == 8 || argc == 9) && strcmp(argv[1], "run") == 0) {
    int conns = atoi(argv[4]), threads = argc == 9 ? atoi(argv[8]) : 2;
    if (conns < 1 || threads < 1)
      return 2;
    return run(atoi(argv[2]), argv[3], conns, atoi(argv[5]), atoi(argv[6]),
               atoi(argv[7]), threads < conns ? threads : conns);
  }
  fprintf(stderr, "usage: bench_server setup STORE NSUBJECTS\n"
                  "       bench_server run PORT USER CONNS PIPELINE SECONDS "
                  "NSUBJECTS [THREADS]\n");
  return 2;
}
