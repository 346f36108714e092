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
 * The client speaks the protocol with the codec (wire/cl_frame.h) over
 * plain sockets from a few threads (bs_wire.c), so it costs the machine as
 * little as possible: the server and this client share the same cores.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bs_wire.h"
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

/* The connections one driver thread runs with poll(), as redis-benchmark
 * does (bs_wire.c), and what it measured. */
typedef struct load {
  int port, pipeline, nsubj;
  const char *user, *password;
  bw_conn *c;
  int n;
  int64_t *lat; /* latencies, ns */
  size_t nlat, cap;
  uint64_t rows;
  unsigned seed;
  int64_t end; /* no new batch after this instant (now_ns) */
} load;

static int connect_login(load *l, bw_conn *c) {
  return bw_login(c, "127.0.0.1", l->port, "bench", l->user, l->password,
                  LOOKUP);
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
static int send_batch(void *arg, bw_conn *c) {
  load *l = arg;
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
  c->t0 = (double)now_ns();
  rc = bw_send(c->fd, &out);
  cl_wbuf_free(&out);
  return rc;
}

/* A DONE: its latency; the next batch when the current one is answered
 * and time is not up. */
static int on_done(void *arg, bw_conn *c) {
  load *l = arg;
  add_lat(l, now_ns() - (int64_t)c->t0);
  if (--c->pending == 0 && now_ns() < l->end)
    return send_batch(l, c);
  return 0;
}

static int cmp64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Drives every connection until `seconds` pass and all batches are in. */
static int drive(load *l, int seconds) {
  bw_hooks k = {send_batch, on_done, l, &l->rows, NULL};
  l->end = now_ns() + (int64_t)seconds * 1000000000;
  return bw_drive(l->c, l->n, &k);
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
  bw_conn *c = calloc((size_t)conns, sizeof *c);
  driver *d = calloc((size_t)threads, sizeof *d);
  pthread_t *th = calloc((size_t)threads, sizeof *th);
  load all = {0};
  int64_t t0;
  int rc = 0;
  if (!c || !d || !th || !pw)
    return 2;
  for (int t = 0, first = 0; t < threads; t++) {
    int n = conns / threads + (t < conns % threads);
    d[t].l = (load){.port = port,
                    .pipeline = pipeline,
                    .nsubj = nsubj,
                    .user = user,
                    .password = pw,
                    .c = c + first,
                    .n = n,
                    .seed = (unsigned)t * 7919u + 1};
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
