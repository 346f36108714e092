/*
 * bench_names.c -- name search (credo_search_subjects, the gram index of
 * engine/names.c) at scale, beside its peer in the same run: a full walk
 * of the subjects comparing every name (what a search without the index
 * costs). Not a test: it prints figures and ratios.
 *
 * Data: N subjects from the shared generator (client/gen_data.c: 72%
 * companies, 8% individual businesses, 20% persons, names from a small
 * Xiamen vocabulary, so common grams have long posting lists); every
 * 10,000th company is renamed "厦门鼓浪屿…有限公司" so that "鼓浪屿" has
 * N/10,000 matches while its grams 鼓浪 (about 13% of companies) and 浪屿
 * differ widely in length. The store is built once in DIR (reused when it
 * already holds N subjects).
 *
 * Workloads, each R times, median and p99 in microseconds: the first page
 * (20) of several queries of different selectivity, all pages of
 * "鼓浪屿", and the full walk for "鼓浪屿" (fewer repetitions).
 *
 * Usage: bench_names [-n SUBJECTS] [-r REPS] [-d DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "credo.h"
#include "gen_data.h"

#define BASE UINT64_C(0x5eed0019)
#define PLANT_EVERY 10000
#define BATCH 50000

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void die(credo *db, const char *what) {
  fprintf(stderr, "bench_names: %s: %s\n", what,
          db ? credo_errmsg(db) : "failed");
  exit(1);
}

/* Subject i: the generator's, with the planted name every 10,000th. */
static int subject(uint64_t i, char id[19], char *name, size_t n) {
  int person = gen_subject(BASE, i, id, name, n);
  if (!person && i % PLANT_EVERY == 7)
    snprintf(name, n, "厦门鼓浪屿%s有限公司",
             GEN_TRADES[i / PLANT_EVERY % GEN_COUNT(GEN_TRADES)]);
  return person;
}

static void build(credo *db, uint64_t n) {
  char id[19], name[256];
  double t0 = now_us();
  uint64_t i;
  for (i = 0; i < n; i++) {
    int person = subject(i, id, name, sizeof name);
    if (i % BATCH == 0 && credo_begin(db) != CREDO_OK)
      die(db, "begin");
    if (credo_create_subject(db, id,
                             person ? CREDO_KIND_PERSON : CREDO_KIND_ORG,
                             name) != CREDO_OK)
      die(db, "create subject");
    if ((i % BATCH == BATCH - 1 || i == n - 1) && credo_commit(db) != CREDO_OK)
      die(db, "commit");
  }
  printf("built %llu subjects with their name index in %.1f s\n",
         (unsigned long long)n, (now_us() - t0) / 1e6);
}

typedef struct page {
  char last[72];
  int n;
} page;

static int on_hit(const credo_subject_info *s, void *arg) {
  page *p = arg;
  snprintf(p->last, sizeof p->last, "%s", s->id);
  p->n++;
  return 0;
}

/* One search: the first page, or every page when `all`. Returns hits. */
static int search(credo *db, const char *q, int all) {
  page p = {"", 0};
  int more = 0;
  do {
    if (credo_search_subjects(db, q, p.n ? p.last : NULL, 20, on_hit, &p,
                              &more) != CREDO_OK)
      die(db, "search");
  } while (all && more);
  return p.n;
}

typedef struct scan {
  const char *q;
  int n;
} scan;

static int on_subject(const credo_subject_info *s, void *arg) {
  scan *sc = arg;
  sc->n += strstr(s->name, sc->q) != NULL;
  return 0;
}

static int walk(credo *db, const char *q) {
  scan sc = {q, 0};
  if (credo_list_subjects(db, on_subject, &sc) != CREDO_OK)
    die(db, "walk");
  return sc.n;
}

/* Runs fn R times; prints and returns the median (us). */
static double measure(const char *label, credo *db, const char *q, int mode,
                      int reps) {
  double *t = calloc((size_t)reps, sizeof *t), med;
  int i, hits = 0;
  for (i = 0; i < reps; i++) {
    double t0 = now_us();
    hits = mode == 2 ? walk(db, q) : search(db, q, mode);
    t[i] = now_us() - t0;
  }
  qsort(t, (size_t)reps, sizeof *t, cmp_d);
  med = t[reps / 2];
  printf("%-34s %-14s hits %6d  median %10.1f us  p99 %10.1f us\n", label, q,
         hits, med, t[reps - 1 - reps / 100]);
  free(t);
  return med;
}

int main(int argc, char **argv) {
  uint64_t n = 1000000;
  int reps = 200, i;
  const char *dir = "build/bench-names";
  credo_options opt = {.flags = CREDO_OPEN_NOSYNC};
  credo_stats st;
  credo *db = NULL;
  double idx, full;
  static const char *const first_page[] = {"鼓浪屿",   "鼓浪",     "有限公司",
                                           "鹭岛科技", "海峡物流", "不存在"};
  for (i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "-n") == 0)
      n = strtoull(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "-r") == 0)
      reps = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "-d") == 0)
      dir = argv[i + 1];
  }
  if (n == 0 || reps < 1) {
    fprintf(stderr, "usage: bench_names [-n SUBJECTS] [-r REPS] [-d DIR]\n");
    return 2;
  }
  if (credo_open(dir, &opt, &db) != CREDO_OK)
    die(db, "open");
  if (credo_get_stats(db, &st) != CREDO_OK)
    die(db, "stats");
  if (st.subjects != n) {
    if (st.subjects != 0) {
      fprintf(stderr, "bench_names: %s holds %llu subjects, not %llu\n", dir,
              (unsigned long long)st.subjects, (unsigned long long)n);
      return 1;
    }
    build(db, n);
  }
  printf("credo %s, %llu subjects in %s, %d repetitions\n", credo_version(),
         (unsigned long long)n, dir, reps);
  for (i = 0; i < (int)(sizeof first_page / sizeof *first_page); i++)
    measure("index, first page (20)", db, first_page[i], 0, reps);
  idx = measure("index, every page", db, "鼓浪屿", 1, reps);
  full = measure("peer: walk all subjects", db, "鼓浪屿", 2,
                 reps / 20 > 3 ? reps / 20 : 3);
  printf("index vs walk for every match of 鼓浪屿: %.0fx faster\n",
         full / (idx > 0 ? idx : 1));
  credo_close(db);
  return 0;
}
