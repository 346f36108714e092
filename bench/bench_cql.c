/*
 * bench_cql.c -- the cost of CQL over the typed C API, and CQL text beside
 * SQLite text, for the subject look-up "what is public now" on the same
 * generated data. Not a test: it prints figures and ratios.
 *
 *   typed     credo_subject_events with a counting callback;
 *   prepared  SELECT ... FROM events WHERE subject = ? prepared once, bound
 *             and stepped per look-up (all nine columns read, each with
 *             the accessor of its type, as the typed API hands them);
 *   text      the statement text built and run per look-up (parsed and
 *             planned each time), credo_exec beside SQLite's sqlite3_exec
 *             of the equivalent SQL on the natural schema.
 *
 * Usage: bench_cql [-n EVENTS] [-l LOOKUPS] [-d DIR]
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "credo.h"

static const char ALPHA[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int W[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                          29, 25, 13, 8,  24, 10, 30, 28};
static const char *COLS = "id, subject, type, occurred, public_from, "
                          "public_until, source, ref, data";

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void uscc(int i, char out[19]) {
  int sum = 0;
  snprintf(out, 19, "91350200%09uX", (unsigned)i % 1000000000u);
  for (int k = 0; k < 17; k++)
    sum += (int)(strchr(ALPHA, out[k]) - ALPHA) * W[k];
  out[17] = ALPHA[(31 - sum % 31) % 31];
  out[18] = 0;
}

static void die(const char *what, const char *msg) {
  fprintf(stderr, "bench_cql: %s: %s\n", what, msg);
  exit(1);
}

/* The same events in credo (typed API, no-sync load) and SQLite. */
static void load(credo *db, sqlite3 *sq, int n, int subjects) {
  sqlite3_stmt *ins;
  char id[19], ref[48], data[96];
  credo_time base = INT64_C(1704067200000000);
  srand(7);
  credo_create_type(db, "penalty_serious", (credo_duration){36, 0},
                    (credo_duration){12, 0});
  sqlite3_exec(sq,
               "CREATE TABLE events(id INTEGER PRIMARY KEY, subject TEXT,"
               " type TEXT, occurred INTEGER, public_from INTEGER,"
               " public_until INTEGER, source TEXT, ref TEXT, data TEXT,"
               " UNIQUE(source, ref));"
               "CREATE INDEX events_subject ON events(subject); BEGIN;",
               NULL, NULL, NULL);
  sqlite3_prepare_v2(sq, "INSERT INTO events VALUES(?,?,?,?,?,?,?,?,?)", -1,
                     &ins, NULL);
  credo_begin(db);
  for (int s = 0; s < subjects; s++) {
    uscc(s, id);
    credo_create_subject(db, id, CREDO_KIND_ORG, "厦门示例有限公司");
  }
  for (int i = 0; i < n; i++) {
    credo_time occ = base + (credo_time)(rand() % (700 * 86400)) * 1000000;
    uint64_t eid;
    uscc(rand() % subjects, id);
    snprintf(ref, sizeof ref, "厦市监罚〔2025〕%d号", i);
    snprintf(data, sizeof data, "{\"amount_wan\":%d}", rand() % 50);
    credo_record r = {id,
                      "penalty_serious",
                      occ,
                      CREDO_TIME_DEFAULT,
                      CREDO_TIME_DEFAULT,
                      "xm-market",
                      ref,
                      data,
                      NULL};
    if (credo_record_event(db, &r, &eid, NULL))
      die("record", credo_errmsg(db));
    sqlite3_bind_int64(ins, 1, (sqlite3_int64)eid);
    sqlite3_bind_text(ins, 2, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 3, "penalty_serious", -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 4, occ);
    sqlite3_bind_int64(ins, 5, occ);
    sqlite3_bind_int64(ins, 6, occ + 3 * 365 * CREDO_USEC_PER_DAY);
    sqlite3_bind_text(ins, 7, "xm-market", -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 8, ref, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 9, data, -1, SQLITE_TRANSIENT);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  if (credo_commit(db))
    die("commit", credo_errmsg(db));
  sqlite3_finalize(ins);
  sqlite3_exec(sq, "COMMIT", NULL, NULL, NULL);
}

static int count_ev(const credo_event *e, void *arg) {
  (void)e;
  ++*(long *)arg;
  return 0;
}

static int count_row(void *arg, int n, char **v, char **c) {
  (void)n, (void)v, (void)c;
  ++*(long *)arg;
  return 0;
}

static int count_cql(void *arg, int n, const char *const *v,
                     const char *const *c) {
  (void)n, (void)v, (void)c;
  ++*(long *)arg;
  return 0;
}

typedef struct run {
  credo *db;
  sqlite3 *sq;
  int lookups, subjects;
} run;

static double typed(run *r, long *rows) {
  char id[19];
  double t0 = now_s();
  srand(11);
  for (int i = 0; i < r->lookups; i++) {
    uscc(rand() % r->subjects, id);
    if (credo_subject_events(r->db, id, CREDO_TIME_NOW, CREDO_TIME_NOW, 0,
                             count_ev, rows))
      die("typed", credo_errmsg(r->db));
  }
  return now_s() - t0;
}

static double prepared(run *r, long *rows) {
  char id[19], sql[256];
  credo_stmt *st;
  double t0;
  snprintf(sql, sizeof sql, "SELECT %s FROM events WHERE subject = ?", COLS);
  if (credo_prepare(r->db, sql, -1, &st, NULL))
    die("prepare", credo_errmsg(r->db));
  srand(11);
  t0 = now_s();
  for (int i = 0; i < r->lookups; i++) {
    uscc(rand() % r->subjects, id);
    credo_reset(st);
    credo_bind_text(st, 1, id, -1);
    while (credo_step(st) == CREDO_ROW) {
      /* each column in its own type, as the typed API hands them over */
      credo_column_int64(st, 0);
      for (int c = 3; c < 6; c++)
        credo_column_time(st, c);
      credo_column_text(st, 1);
      credo_column_text(st, 2);
      for (int c = 6; c < 9; c++)
        credo_column_text(st, c);
      ++*rows;
    }
  }
  t0 = now_s() - t0;
  credo_finalize(st);
  return t0;
}

static double cql_text(run *r, long *rows) {
  char id[19], sql[512];
  double t0 = now_s();
  srand(11);
  for (int i = 0; i < r->lookups; i++) {
    uscc(rand() % r->subjects, id);
    snprintf(sql, sizeof sql, "SELECT %s FROM events WHERE subject = '%s';",
             COLS, id);
    if (credo_exec(r->db, sql, count_cql, rows))
      die("exec", credo_errmsg(r->db));
  }
  return now_s() - t0;
}

static double sqlite_text(run *r, long *rows) {
  char id[19], sql[512];
  long long now = (long long)time(NULL) * 1000000;
  double t0 = now_s();
  srand(11);
  for (int i = 0; i < r->lookups; i++) {
    uscc(rand() % r->subjects, id);
    snprintf(sql, sizeof sql,
             "SELECT %s FROM events WHERE subject = '%s' AND public_from <= "
             "%lld AND %lld < public_until;",
             COLS, id, now, now);
    if (sqlite3_exec(r->sq, sql, count_row, rows, NULL) != SQLITE_OK)
      die("sqlite", sqlite3_errmsg(r->sq));
  }
  return now_s() - t0;
}

int main(int argc, char **argv) {
  int n = 100000, opt;
  const char *dir = "/tmp/credo-bench-cql";
  char path[512];
  credo_options o = {.flags = CREDO_OPEN_NOSYNC};
  run r = {.lookups = 50000};
  long rows[4] = {0};
  double t[4];
  while ((opt = getopt(argc, argv, "n:l:d:")) != -1) {
    if (opt == 'n')
      n = atoi(optarg);
    else if (opt == 'l')
      r.lookups = atoi(optarg);
    else if (opt == 'd')
      dir = optarg;
    else
      return 2;
  }
  r.subjects = n / 20 > 0 ? n / 20 : 1;
  snprintf(path, sizeof path, "rm -rf %s && mkdir -p %s", dir, dir);
  if (system(path) != 0)
    die("mkdir", dir);
  snprintf(path, sizeof path, "%s/credo", dir);
  if (credo_open(path, &o, &r.db))
    die("open", path);
  snprintf(path, sizeof path, "%s/sqlite.db", dir);
  sqlite3_open(path, &r.sq);
  load(r.db, r.sq, n, r.subjects);
  printf("credo bench_cql: %d events, %d subjects, %d look-ups each\n\n", n,
         r.subjects, r.lookups);
  for (int rep = 0; rep < 2; rep++) { /* the first round warms the caches */
    memset(rows, 0, sizeof rows);
    t[0] = typed(&r, &rows[0]);
    t[1] = prepared(&r, &rows[1]);
    t[2] = cql_text(&r, &rows[2]);
    t[3] = sqlite_text(&r, &rows[3]);
  }
  const char *names[4] = {"typed C API", "prepared CQL", "CQL text",
                          "SQLite text"};
  for (int i = 0; i < 4; i++)
    printf("%-14s %10.0f look-ups/s %9.2f us each %9ld rows\n", names[i],
           r.lookups / t[i], t[i] / r.lookups * 1e6, rows[i]);
  printf("\nprepared CQL / typed API: %.2fx the time\n", t[1] / t[0]);
  printf("CQL text vs SQLite text:  %.2fx faster\n", t[3] / t[2]);
  credo_close(r.db);
  sqlite3_close(r.sq);
  snprintf(path, sizeof path, "rm -rf %s", dir);
  return system(path) == 0 ? 0 : 1;
}
