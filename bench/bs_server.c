/*
 * bs_server.c -- credo-server in bench_scale, over loopback, on the store
 * bs_credo.c built (bench/run.sh starts the server on it):
 *
 *   server       one connection through the C client library
 *                (credo_open("credo://...")), the prepared subject
 *                look-up, like the embedded peers' lookup_now;
 *   server-conc  many connections (-c) driven from two threads with
 *                poll(), each sending -p EXECUTEs at once and waiting for
 *                their DONEs (bench/bench_server.c's load, on this
 *                dataset's subjects), for -t seconds per run.
 *
 * The server's clock is the wall clock, so the statement names the
 * instant: SELECT ... WHERE subject = ? VISIBLE AT ? with BS_T_NOW, which
 * reads what the embedded lookup_now reads.
 *
 * Does not: start, stop or configure the server.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs.h"
#include "bs_wire.h"

#define LOOKUP                                                                 \
  "SELECT id, subject, type, occurred, public_from, public_until, source,"     \
  " ref, data, version, recorded FROM events WHERE subject = ? VISIBLE AT ?"

/* ------------------------------------------------------ one connection */

typedef struct one {
  credo *db;
  credo_stmt *st;
} one;

static void one_lookup(void *arg, const char *id, uint64_t *rows) {
  one *o = arg;
  int rc;
  credo_reset(o->st);
  credo_bind_text(o->st, 1, id, -1);
  credo_bind_time(o->st, 2, BS_T_NOW);
  while ((rc = credo_step(o->st)) == CREDO_ROW) {
    for (int c = 0; c < 11; c++)
      credo_column_text(o->st, c);
    ++*rows;
  }
  if (rc != CREDO_DONE)
    bs_die("server look-up", credo_errmsg(o->db));
}

int bs_run_server(bs_ctx *c) {
  one o = {0};
  bs_gen *g;
  c->out.peer = "credo-server";
  if (!c->server)
    bs_die("server", "no URI (-U)");
  if (credo_open(c->server, NULL, &o.db) != CREDO_OK)
    bs_die("credo_open", o.db ? credo_errmsg(o.db) : c->server);
  if (credo_prepare(o.db, LOOKUP, -1, &o.st, NULL) != CREDO_OK)
    bs_die("prepare", credo_errmsg(o.db));
  g = bs_ctx_gen(c);
  bs_lookups(c, g, "lookup_now", one_lookup, &o);
  credo_finalize(o.st);
  credo_close(o.db);
  bs_gen_free(g);
  return 0;
}

/* ------------------------------------------------- many connections */

/* The connections one driver thread runs with poll() (bs_wire.c). */
typedef struct load {
  const bs_ctx *c;
  bw_conn *cs;
  int n, rc;
  char (*ids)[19];
  size_t nids;
  uint64_t seed, rows, bytes;
  bs_lat lat;
  double end;
} load;

typedef struct target {
  char user[64], host[64];
  int port;
  const char *password;
} target;

/* HELLO, AUTH, PREPARE on a new connection. */
static void login(const target *t, bw_conn *c) {
  if (bw_login(c, t->host, t->port, "bench_scale", t->user, t->password,
               LOOKUP) < 0)
    bs_die("server", "cannot connect, log in and prepare");
}

/* Writes a batch: `pipeline` EXECUTEs of random subjects, one write. */
static int send_batch(void *arg, bw_conn *c) {
  load *l = arg;
  cl_wbuf out = {0};
  cl_value v[2] = {{.t = CREDO_T_TEXT}, {.t = CREDO_T_TIME}};
  cl_execute e = {c->stmt, 0, 2, v};
  int rc;
  v[1].u.i = BS_T_NOW;
  for (int i = 0; i < l->c->pipeline; i++) {
    const char *id = l->ids[bs_rand(&l->seed) % l->nids];
    v[0].u.s.p = id;
    v[0].u.s.n = (uint32_t)strlen(id);
    cl_enc_execute(&out, c->req++, &e);
  }
  c->pending = l->c->pipeline;
  c->t0 = bs_now();
  rc = bw_send(c->fd, &out);
  cl_wbuf_free(&out);
  return rc;
}

/* A DONE: its latency; the next batch when the current one is answered
 * and time is not up. */
static int on_done(void *arg, bw_conn *c) {
  load *l = arg;
  bs_lat_add(&l->lat, (bs_now() - c->t0) * 1e6);
  if (--c->pending == 0 && bs_now() < l->end)
    return send_batch(l, c);
  return 0;
}

/* Drives every connection until the end and all batches are answered. */
static void *drive(void *arg) {
  load *l = arg;
  bw_hooks k = {send_batch, on_done, l, &l->rows, &l->bytes};
  l->rc = bw_drive(l->cs, l->n, &k);
  return NULL;
}

/* One timed run over both drivers; returns queries per second. */
static double conc_run(load *l, int threads, double seconds, bs_lat *all,
                       uint64_t *rows, uint64_t *bytes) {
  pthread_t th[2];
  double t0 = bs_now();
  size_t queries = 0;
  for (int t = 0; t < threads; t++) {
    l[t].end = t0 + seconds;
    pthread_create(&th[t], NULL, drive, &l[t]);
  }
  for (int t = 0; t < threads; t++) {
    pthread_join(th[t], NULL);
    if (l[t].rc != 0)
      bs_die("server-conc", "a connection failed");
    queries += l[t].lat.n;
    for (size_t i = 0; i < l[t].lat.n; i++)
      bs_lat_add(all, l[t].lat.us[i]);
    l[t].lat.n = 0;
    *rows += l[t].rows;
    *bytes += l[t].bytes;
    l[t].rows = l[t].bytes = 0;
  }
  return (double)queries / (bs_now() - t0);
}

static void parse_uri(const char *uri, target *t) {
  if (sscanf(uri, "credo://%63[^@]@%63[^:]:%d", t->user, t->host, &t->port) !=
      3)
    bs_die("server URI must be credo://USER@HOST:PORT", uri);
  t->password = getenv("CREDO_PASSWORD");
  if (!t->password)
    bs_die("server", "CREDO_PASSWORD is not set");
}

static char (*some_subjects(const bs_ctx *c, size_t n))[19] {
  char(*ids)[19] = malloc(n * sizeof *ids), name[160];
  bs_gen *g = bs_ctx_gen(c);
  uint64_t s = c->seed * 7919;
  if (!ids)
    bs_die("server-conc", "out of memory");
  for (size_t i = 0; i < n; i++)
    bs_gen_subject(g, bs_rand(&s) % c->plan.subjects, ids[i], name,
                   sizeof name);
  bs_gen_free(g);
  return ids;
}

/* Splits c->conns connections over two driver threads, logged in. */
static void setup_loads(const bs_ctx *c, load *l, bw_conn *cs) {
  target t;
  size_t nids = 65536;
  char(*ids)[19] = some_subjects(c, nids);
  parse_uri(c->server, &t);
  for (int k = 0, first = 0; k < 2; k++) {
    int n = c->conns / 2 + (k < c->conns % 2);
    l[k] = (load){.c = c,
                  .cs = cs + first,
                  .n = n,
                  .ids = ids,
                  .nids = nids,
                  .seed = (uint64_t)k * 7919 + 1};
    for (int i = 0; i < n; i++)
      login(&t, &cs[first + i]);
    first += n;
  }
}

int bs_run_server_conc(bs_ctx *c) {
  char name[64];
  static char note[160];
  bw_conn *cs = calloc((size_t)c->conns, sizeof *cs);
  load l[2];
  bs_lat all = {0};
  bs_fig f = {.note = note};
  uint64_t bytes = 0;
  size_t queries = 0;
  int threads = c->conns > 1 ? 2 : 1;
  c->out.peer = "credo-server";
  if (!cs || c->conns < 1 || c->pipeline < 1)
    bs_die("server-conc", "bad -c or -p");
  setup_loads(c, l, cs);
  snprintf(name, sizeof name, "conc%d_p%d", c->conns, c->pipeline);
  conc_run(l, threads, 1.0, &all, &f.rows, &bytes); /* warm-up */
  all.n = 0;
  f.rows = bytes = 0;
  bs_profile(name, 1);
  for (int r = 0; r < c->plan.runs; r++) {
    bs_fig_add(&f, conc_run(l, threads, c->seconds, &all, &f.rows, &bytes));
    queries += all.n;
    bs_fig_lat(&f, &all);
  }
  bs_profile(name, 0);
  snprintf(note, sizeof note,
           "2 driver threads; %.1f rows and %.0f bytes per response",
           (double)f.rows / (double)(queries ? queries : 1),
           (double)bytes / (double)(queries ? queries : 1));
  bs_emit(&c->out, name, "ops/s", &f);
  for (int i = 0; i < c->conns; i++)
    close(cs[i].fd);
  free(l[0].ids);
  free(cs);
  bs_lat_free(&all);
  return 0;
}
