/*
 * bench_lookup.c -- the "public now" look-up alone, on an existing store,
 * for comparing two builds of the library on the same data (the checksum
 * overhead of issue 14: bench/checksum.sh runs this program built against
 * the build before checksums and against this one, alternately). Not a
 * test: it prints one figure.
 *
 * Lists the store's subjects, warms the cache with one pass, then runs
 * ROUNDS bursts of N look-ups of random subjects (fixed seed, the same
 * sequence in every build) with credo_subject_events and prints the best
 * burst's nanoseconds per look-up and the rows seen per look-up. Times are
 * the process's CPU time (CLOCK_PROCESS_CPUTIME_ID): on a shared machine
 * wall time mostly measures the other tenants.
 *
 * Usage: bench_lookup STORE [N] [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "credo.h"

#define MAX_SUBJECTS 200000
#define ID_LEN 40

typedef struct ids {
  char (*id)[ID_LEN];
  int n;
} ids;

static int add_subject(const credo_subject_info *s, void *arg) {
  ids *v = arg;
  if (v->n < MAX_SUBJECTS)
    snprintf(v->id[v->n++], ID_LEN, "%s", s->id);
  return 0;
}

static int count_row(const credo_event *ev, void *arg) {
  (void)ev;
  ++*(long *)arg;
  return 0;
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* One burst of n look-ups from seed; returns ns per look-up. */
static double burst(credo *db, const ids *v, long n, unsigned seed,
                    long *rows) {
  double t0 = now_ns();
  for (long i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    if (credo_subject_events(db, v->id[(seed >> 8) % (unsigned)v->n],
                             CREDO_TIME_NOW, CREDO_TIME_NOW, 0, count_row,
                             rows) != CREDO_OK) {
      fprintf(stderr, "bench_lookup: %s\n", credo_errmsg(db));
      exit(1);
    }
  }
  return (now_ns() - t0) / (double)n;
}

int main(int argc, char **argv) {
  long n = argc > 2 ? atol(argv[2]) : 20000, rows = 0;
  int rounds = argc > 3 ? atoi(argv[3]) : 5;
  credo_options o = {.flags = CREDO_OPEN_READONLY | CREDO_OPEN_NOCREATE};
  ids v = {calloc(MAX_SUBJECTS, ID_LEN), 0};
  double best = 1e18;
  credo *db = NULL;

  if (argc < 2 || n < 1 || rounds < 1 || !v.id) {
    fprintf(stderr, "usage: bench_lookup STORE [N] [ROUNDS]\n");
    return 2;
  }
  if (credo_open(argv[1], &o, &db) != CREDO_OK ||
      credo_list_subjects(db, add_subject, &v) != CREDO_OK || v.n == 0) {
    fprintf(stderr, "bench_lookup: %s: %s\n", argv[1],
            db ? credo_errmsg(db) : "cannot open");
    return 1;
  }
  burst(db, &v, n, 1, &rows); /* warm */
  for (int r = 0; r < rounds; r++) {
    double ns;
    rows = 0;
    ns = burst(db, &v, n, 12345u, &rows);
    best = ns < best ? ns : best;
  }
  printf("%.0f ns CPU/look-up, %.1f rows/look-up, %d subjects\n", best,
         (double)rows / (double)n, v.n);
  credo_close(db);
  free(v.id);
  return 0;
}
