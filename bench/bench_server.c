/*
 * bench_server.c -- load generator for credo-server: queries per second
 * and p50/p99 latency of a prepared subject look-up over loopback, at a
 * given number of connections, with or without pipelining.
 *
 *   bench_server setup STORE NSUBJECTS
 *       fills an embedded store: one type, NSUBJECTS subjects "S00000"...
 *       with 3 events each (typed API, one transaction)
 *   bench_server run PORT USER CONNS PIPELINE SECONDS NSUBJECTS
 *       CONNS connections (one thread each), each authenticated (password
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
 * plain blocking sockets, so it costs the machine as little as possible:
 * the server and this client share the same cores.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
  "SELECT id, type, occurred, public_until, data FROM events WHERE "          \
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

typedef struct conn {
  int fd;
  uint8_t buf[1 << 18];
  size_t len, off;
} conn;

typedef struct worker {
  int port, pipeline, nsubj;
  const char *user, *password;
  pthread_barrier_t *start;
  int seconds;
  int64_t *lat; /* latencies, ns */
  size_t nlat, cap;
  uint64_t rows;
  unsigned seed;
  int failed;
} worker;

/* Reads the next frame; its payload stays valid until the next call. */
static int next_frame(conn *c, cl_hdr *h, const uint8_t **p) {
  for (;;) {
    size_t total = 0;
    const char *why;
    int rc = cl_hdr_parse(c->buf + c->off, c->len - c->off,
                          CL_MAX_SERVER_FRAME, h, &total, &why);
    if (rc < 0 || total > sizeof c->buf)
      return -1;
    if (rc == CREDO_OK && c->len - c->off >= total) {
      *p = c->buf + c->off + CL_HDR;
      c->off += total;
      return 0;
    }
    memmove(c->buf, c->buf + c->off, c->len - c->off);
    c->len -= c->off;
    c->off = 0;
    ssize_t r = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
    if (r <= 0)
      return -1;
    c->len += (size_t)r;
  }
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

/* Waits for the terminal frame of request `req` (counting ROWS rows). */
static int wait_for(conn *c, uint32_t req, int want, uint64_t *rows,
                    const uint8_t **payload, size_t *n) {
  for (;;) {
    cl_hdr h;
    const uint8_t *p;
    if (next_frame(c, &h, &p) < 0 || h.req != req)
      return -1;
    if (h.type == CL_F_ROWS && rows)
      *rows += (uint32_t)(p[2] << 24 | p[3] << 16 | p[4] << 8 | p[5]);
    if (h.type == CL_F_ERROR) {
      cl_error e;
      const char *why;
      if (cl_dec_error(p, h.len - CL_MIN_LENGTH, &e, &why) == CREDO_OK)
        fprintf(stderr, "server error: %.*s\n", (int)e.msg_len, e.msg);
      return -1;
    }
    if (h.type == want) {
      if (payload)
        *payload = p, *n = h.len - CL_MIN_LENGTH;
      return 0;
    }
  }
}

static int connect_login(worker *w, conn *c, uint32_t *stmt) {
  struct sockaddr_in a = {0};
  int one = 1;
  cl_wbuf out = {0};
  cl_hello hello = {1, 1, "bench", 5};
  cl_auth auth = {w->user, w->password, (uint32_t)strlen(w->user),
                  (uint32_t)strlen(w->password)};
  cl_sql q = {0, LOOKUP, (uint32_t)strlen(LOOKUP)};
  const uint8_t *p;
  size_t n;
  cl_prepared pm = {0};
  const char *why;
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)w->port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0)
    return -1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  cl_enc_hello(&out, 1, &hello);
  cl_enc_auth(&out, 2, &auth);
  cl_enc_sql(&out, CL_F_PREPARE, 3, &q);
  int rc = send_all(c->fd, &out) < 0 ||
           wait_for(c, 1, CL_F_READY, NULL, NULL, NULL) < 0 ||
           wait_for(c, 2, CL_F_AUTH_OK, NULL, NULL, NULL) < 0 ||
           wait_for(c, 3, CL_F_PREPARED, NULL, &p, &n) < 0;
  cl_wbuf_free(&out);
  if (rc || cl_dec_prepared(p, n, &pm, 0, &why) == CREDO_PROTOCOL)
    return -1;
  *stmt = pm.stmt;
  return 0;
}

static void add_lat(worker *w, int64_t ns) {
  if (w->nlat == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 1 << 16;
    int64_t *p = realloc(w->lat, cap * sizeof *p);
    if (!p)
      return;
    w->lat = p;
    w->cap = cap;
  }
  w->lat[w->nlat++] = ns;
}

/* One batch: `pipeline` EXECUTEs in one write, then their DONEs. */
static int batch(worker *w, conn *c, uint32_t stmt, uint32_t *req) {
  cl_wbuf out = {0};
  char subj[16];
  cl_value v = {.t = CREDO_T_TEXT};
  cl_execute e = {stmt, 0, 1, &v};
  uint32_t first = *req;
  int64_t t0;
  for (int i = 0; i < w->pipeline; i++) {
    snprintf(subj, sizeof subj, "S%05d", rand_r(&w->seed) % w->nsubj);
    v.u.s.p = subj;
    v.u.s.n = (uint32_t)strlen(subj);
    cl_enc_execute(&out, (*req)++, &e);
  }
  t0 = now_ns();
  int rc = send_all(c->fd, &out);
  cl_wbuf_free(&out);
  for (uint32_t r = first; rc == 0 && r != *req; r++) {
    rc = wait_for(c, r, CL_F_DONE, &w->rows, NULL, NULL);
    add_lat(w, now_ns() - t0);
  }
  return rc;
}

static void *work(void *arg) {
  worker *w = arg;
  conn *c = calloc(1, sizeof *c);
  uint32_t stmt = 0, req = 10;
  if (!c || connect_login(w, c, &stmt) < 0) {
    fprintf(stderr, "bench: cannot connect/login/prepare\n");
    w->failed = 1;
  }
  pthread_barrier_wait(w->start);
  int64_t end = now_ns() + (int64_t)w->seconds * 1000000000;
  while (!w->failed && now_ns() < end)
    if (batch(w, c, stmt, &req) < 0)
      w->failed = 1;
  if (c && c->fd > 0)
    close(c->fd);
  free(c);
  return NULL;
}

static int cmp64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static int run(int port, const char *user, int conns, int pipeline,
               int seconds, int nsubj) {
  pthread_barrier_t start;
  pthread_t *th = calloc((size_t)conns, sizeof *th);
  worker *w = calloc((size_t)conns, sizeof *w);
  const char *pw = getenv("CREDO_PASSWORD");
  int64_t *all, t_start;
  size_t n = 0;
  uint64_t rows = 0;
  int failed = 0;
  if (!th || !w || !pw)
    return 2;
  pthread_barrier_init(&start, NULL, (unsigned)conns + 1);
  for (int i = 0; i < conns; i++) {
    w[i] = (worker){port, pipeline, nsubj, user, pw, &start, seconds,
                    NULL, 0, 0, 0, (unsigned)i * 7919u + 1, 0};
    pthread_create(&th[i], NULL, work, &w[i]);
  }
  pthread_barrier_wait(&start); /* every connection is logged in */
  t_start = now_ns();
  for (int i = 0; i < conns; i++) {
    pthread_join(th[i], NULL);
    n += w[i].nlat;
    rows += w[i].rows;
    failed |= w[i].failed;
  }
  double secs = (double)(now_ns() - t_start) / 1e9;
  all = malloc((n ? n : 1) * sizeof *all);
  n = 0;
  for (int i = 0; i < conns; i++) {
    memcpy(all + n, w[i].lat, w[i].nlat * sizeof *all);
    n += w[i].nlat;
    free(w[i].lat);
  }
  qsort(all, n, sizeof *all, cmp64);
  printf("conns=%d pipeline=%d queries=%zu qps=%.0f p50_us=%.0f "
         "p99_us=%.0f rows=%llu failed=%d\n",
         conns, pipeline, n, (double)n / secs,
         n ? (double)all[n / 2] / 1e3 : 0.0,
         n ? (double)all[(size_t)((double)n * 0.99)] / 1e3 : 0.0,
         (unsigned long long)rows, failed);
  free(all);
  free(th);
  free(w);
  return failed;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "setup") == 0)
    return setup(argv[2], atoi(argv[3]));
  if (argc == 8 && strcmp(argv[1], "run") == 0)
    return run(atoi(argv[2]), argv[3], atoi(argv[4]), atoi(argv[5]),
               atoi(argv[6]), atoi(argv[7]));
  fprintf(stderr, "usage: bench_server setup STORE NSUBJECTS\n"
                  "       bench_server run PORT USER CONNS PIPELINE SECONDS "
                  "NSUBJECTS\n");
  return 2;
}
