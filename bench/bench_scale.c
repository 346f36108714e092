/*
 * bench_scale.c -- credo beside its peers at the scale of a city registry,
 * one peer per invocation, on the same generated data (bs_gen.c: the
 * distribution of `credo gen`), appending its figures to a CSV that
 * bench/run.sh turns into the tables and the plot of docs/performance.md.
 *
 *   bench_scale PEER -n EVENTS -o CSV -d DIR [options]
 *
 * PEER: credo (typed API, prepared CQL, CQL text), lmdb (raw LMDB doing
 * the same key/value work), sqlite, pg (PostgreSQL over libpq; -P
 * conninfo), server (credo-server through credo_open("credo://..."); -U
 * uri), server-conc (credo-server at -c connections, pipelined -p); gen
 * prints the generated events as TSV (to compare with `credo gen`).
 *
 * -m build stops a peer after its build (the slice to ingest and the
 * repair candidates saved in DIR); -m measure runs its workloads on that
 * build; neither: both in one process.
 *
 * Owns: options, the plan of a scale (slice, deep events, batches) and
 * dispatch. Does not: start or stop servers, check disk, or write the
 * report (bench/run.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bs.h"

static const char USAGE[] =
    "usage: bench_scale credo|lmdb|sqlite|pg|server|server-conc|gen\n"
    "         -n EVENTS -o CSV -d DIR [-m build|measure] [-L LABEL]\n"
    "         [-s SUBJECTS] [-S SLICE]\n"
    "         [-r RUNS] [-H HEAVY_RUNS] [-B BACKUP_RUNS] [-b BUILD_BATCH]\n"
    "         [-l LOOKUPS] [-R REPAIR_BATCH]\n"
    "         [-k SEED] [-P CONNINFO] [-U URI] [-c CONNS] [-p PIPELINE]\n"
    "         [-t SECONDS]\n"
    "  counts accept k and M suffixes (200k, 1M)\n";

/* "200k" -> 200000, "1M" -> 1000000; 0 on a bad count. */
static uint64_t count_arg(const char *s) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || v < 0)
    return 0;
  if (*end == 'k' || *end == 'K')
    v *= 1e3, end++;
  else if (*end == 'M' || *end == 'm')
    v *= 1e6, end++;
  return *end ? 0 : (uint64_t)v;
}

static void plan_scale(bs_ctx *c, uint64_t subjects, uint64_t slice) {
  bs_plan *p = &c->plan;
  p->subjects = subjects ? subjects : (p->events / 10 ? p->events / 10 : 1);
  p->slice = slice ? slice : (p->events / 5 < 200000 ? p->events / 5 : 200000);
  if (p->slice >= p->events)
    p->slice = p->events / 2;
  if (p->slice < (uint64_t)p->runs)
    p->slice = (uint64_t)p->runs;
  p->built = p->events - p->slice;
  for (int i = 0; i < 3; i++)
    p->deep[i] = 1 + p->built * (uint64_t)(i + 1) / 7;
  if (p->build_batch < 1)
    p->build_batch = 10000;
  p->slice_batch = 1000;
}

/* Options taking a count (k / M suffixes); 0 when `opt` is another. */
/* clang-format off */
static int count_opt(bs_ctx *c, int opt, uint64_t v, uint64_t *subjects,
                     uint64_t *slice) {
  switch (opt) {
  case 'n': c->plan.events = v; return 1;
  case 's': *subjects = v; return 1;
  case 'S': *slice = v; return 1;
  case 'l': c->lookups = (int)v; return 1;
  case 'R': c->repair_batch = (size_t)v; return 1;
  case 'k': c->seed = v; return 1;
  case 'b': c->plan.build_batch = (int)v; return 1;
  default: return 0;
  }
}

/* Options taking a small integer or a string. -1 for an unknown one. */
static int other_opt(bs_ctx *c, int opt, char *arg) {
  switch (opt) {
  case 'r': c->plan.runs = atoi(arg); return 0;
  case 'H': c->heavy_runs = atoi(arg); return 0;
  case 'B': c->backup_runs = atoi(arg); return 0;
  case 'c': c->conns = atoi(arg); return 0;
  case 'p': c->pipeline = atoi(arg); return 0;
  case 't': c->seconds = atoi(arg); return 0;
  case 'o': c->out.csv = arg; return 0;
  case 'd': c->dir = arg; return 0;
  case 'L': c->out.scale = arg; return 0;
  case 'P': c->conninfo = arg; return 0;
  case 'U': c->server = arg; return 0;
  case 'm':
    c->mode = strcmp(arg, "build") == 0     ? BS_BUILD
              : strcmp(arg, "measure") == 0 ? BS_MEASURE
                                            : -1;
    return 0;
  default: return -1;
  }
}
/* clang-format on */

static int parse(bs_ctx *c, int argc, char **argv) {
  uint64_t subjects = 0, slice = 0;
  int opt;
  while ((opt = getopt(argc, argv, "m:n:o:d:L:s:S:r:H:B:b:l:R:k:P:U:c:p:t:")) !=
         -1)
    if (!count_opt(c, opt, count_arg(optarg), &subjects, &slice) &&
        other_opt(c, opt, optarg) < 0)
      return -1;
  if (c->plan.events < 100 || !c->out.csv || !c->dir || c->plan.runs < 1 ||
      c->plan.runs > 16 || c->heavy_runs < 1 || c->heavy_runs > 16 ||
      c->backup_runs < 1 || c->backup_runs > 16 || c->lookups < 1 ||
      c->seed < 1 || c->mode < 0)
    return -1;
  plan_scale(c, subjects, slice);
  return 0;
}

/* `bench_scale gen`: the events as TSV on stdout (subject, type,
 * occurred, source, ref, data), to compare with `credo gen`. */
static int dump(const bs_ctx *c) {
  bs_gen *g = bs_ctx_gen(c);
  bs_event e;
  char t[40];
  while (bs_gen_next(g, &e)) {
    bs_iso(e.occurred, t, sizeof t);
    printf("%s\t%s\t%.10s\t%s\t%s\t%s\n", e.subject_id, BS_TYPES[e.type].name,
           t, BS_SOURCES[e.source], e.ref, e.data);
  }
  bs_gen_free(g);
  return fflush(stdout) != 0;
}

static void mkdirs(char *dir) { /* mkdir -p */
  for (char *q = strchr(dir + 1, '/'); q; q = strchr(q + 1, '/')) {
    *q = '\0';
    mkdir(dir, 0755);
    *q = '/';
  }
  mkdir(dir, 0755);
}

int main(int argc, char **argv) {
  static char label[32];
  bs_ctx c = {.plan = {.runs = 3},
              .heavy_runs = 3,
              .backup_runs = 3,
              .lookups = 20000,
              .repair_batch = 10000,
              .seed = 1,
              .conns = 32,
              .pipeline = 1,
              .seconds = 5};
  const char *peer = argc > 1 ? argv[1] : "";
  if (argc < 2 || parse(&c, argc - 1, argv + 1) < 0) {
    fputs(USAGE, stderr);
    return 2;
  }
  if (!c.out.scale) {
    snprintf(label, sizeof label, "%llu", (unsigned long long)c.plan.events);
    c.out.scale = label;
  }
  c.out.events = c.plan.events;
  c.out.peer = peer;
  mkdirs(c.dir);
  if (strcmp(peer, "gen") == 0)
    return dump(&c);
  if (strcmp(peer, "credo") == 0)
    return bs_run_credo(&c);
  if (strcmp(peer, "lmdb") == 0)
    return bs_run_lmdb(&c);
  if (strcmp(peer, "sqlite") == 0)
    return bs_run_sqlite(&c);
  if (strcmp(peer, "pg") == 0)
    return bs_run_pg(&c);
  if (strcmp(peer, "server") == 0)
    return bs_run_server(&c);
  if (strcmp(peer, "server-conc") == 0)
    return bs_run_server_conc(&c);
  fputs(USAGE, stderr);
  return 2;
}
