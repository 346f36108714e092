/*
 * bench_analytics.c -- credo's side of bench/analytics.sh: runs each CQL
 * statement of a query file against a store through the public API, warm
 * (one untimed run first), and prints one line per query:
 *   NAME MIN_MS MEDIAN_MS ROWS
 * The rows of the last run go to OUTDIR/NAME.csv (values as
 * credo_column_text gives them, comma-separated, NULL as empty), so the
 * script can compare them row by row with DuckDB's and SQLite's.
 *
 * Query file: blocks separated by lines "-- NAME"; the text up to the
 * next such line is one statement. Not a test: it measures.
 *
 * Usage: bench_analytics STORE QUERYFILE OUTDIR [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "credo.h"

enum { MAX_RUNS = 64, MAX_QUERY = 16384 };

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Runs `st` to the end; rows to `out` when not NULL. Returns the row count
 * or -1 (message on stderr). */
static long run_once(credo *db, credo_stmt *st, FILE *out) {
  long rows = 0;
  int rc;
  while ((rc = credo_step(st)) == CREDO_ROW) {
    int n = credo_column_count(st);
    for (int i = 0; out && i < n; i++) {
      const char *v = credo_column_text(st, i);
      fprintf(out, "%s%s", i ? "," : "", v ? v : "");
    }
    if (out)
      fputc('\n', out);
    rows++;
  }
  credo_reset(st);
  if (rc != CREDO_DONE) {
    fprintf(stderr, "bench_analytics: %s\n", credo_errmsg(db));
    return -1;
  }
  return rows;
}

static int bench_query(credo *db, const char *name, const char *sql,
                       const char *outdir, int runs) {
  credo_stmt *st = NULL;
  if (credo_prepare(db, sql, -1, &st, NULL) != CREDO_OK || !st) {
    fprintf(stderr, "bench_analytics: %s: %s\n", name, credo_errmsg(db));
    return 1;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.csv", outdir, name);
  FILE *out = fopen(path, "w");
  long rows = out ? run_once(db, st, out) : -1; /* warm-up, kept rows */
  if (out)
    fclose(out);
  double t[MAX_RUNS];
  for (int r = 0; r < runs && rows >= 0; r++) {
    double t0 = now_ms();
    rows = run_once(db, st, NULL);
    t[r] = now_ms() - t0;
  }
  credo_finalize(st);
  if (rows < 0)
    return 1;
  qsort(t, (size_t)runs, sizeof t[0], cmp_double);
  printf("%s %.2f %.2f %ld\n", name, t[0], t[runs / 2], rows);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: bench_analytics STORE QUERYFILE OUTDIR [RUNS]\n");
    return 2;
  }
  int runs = argc > 4 ? atoi(argv[4]) : 5;
  if (runs < 1 || runs > MAX_RUNS)
    runs = 5;
  FILE *qf = fopen(argv[2], "r");
  credo *db = NULL;
  if (!qf || credo_open(argv[1], NULL, &db) != CREDO_OK) {
    fprintf(stderr, "bench_analytics: cannot open %s or %s\n", argv[1],
            argv[2]);
    credo_close(db);
    return 1;
  }
  static char sql[MAX_QUERY];
  char name[256] = "", line[4096];
  size_t len = 0;
  int fail = 0;
  for (;;) {
    char *got = fgets(line, sizeof line, qf);
    if (!got || strncmp(line, "-- ", 3) == 0) {
      if (name[0] && len)
        fail |= bench_query(db, name, sql, argv[3], runs);
      if (!got)
        break;
      size_t nl = strcspn(line + 3, " \r\n");
      nl = nl < sizeof name - 1 ? nl : sizeof name - 1;
      memcpy(name, line + 3, nl);
      name[nl] = 0;
      len = sql[0] = 0;
      continue;
    }
    size_t l = strlen(line);
    if (len + l + 1 < sizeof sql) {
      memcpy(sql + len, line, l + 1);
      len += l;
    }
  }
  fclose(qf);
  credo_close(db);
  return fail;
}
