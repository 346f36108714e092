/*
 * bench_ops.c -- the C API side of the operations benchmark
 * (bench/bench_ops.sh runs it beside the `credo` commands and `cp`):
 *
 *   ingest  the records of a `credo gen` file, parsed into memory first,
 *           written with credo_create_type / credo_create_subject /
 *           credo_record_event in transactions of B records (the batching
 *           `credo import` uses), so the difference to `credo import` on
 *           the same file is the cost of reading and parsing JSON Lines;
 *   backup  credo_backup of the store just written (snapshot + XXH3-128 +
 *           counts from the copy), then credo_verify and credo_check.
 *
 * Not a test: it prints figures. Usage:
 *   bench_ops FILE.jsonl STORE_DIR BACKUP_DIR [-b BATCH]
 * STORE_DIR and BACKUP_DIR must not exist.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "credo.h"

typedef struct item {
  int kind; /* 0 type, 1 subject, 2 event */
  json_t *j;
  credo_record r;
  char *data;
} item;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, credo *db) {
  fprintf(stderr, "bench_ops: %s: %s\n", what,
          db ? credo_errmsg(db) : "failed");
  exit(1);
}

static const char *str(json_t *j, const char *k) {
  return json_string_value(json_object_get(j, k));
}

/* Parses "1 YEAR", "3 MONTHS", "3 YEARS", "0 DAYS", "0" (gen's). */
static credo_duration dur(const char *s) {
  int n = s ? atoi(s) : 0;
  credo_duration d = {0, 0};
  if (s && strstr(s, "YEAR"))
    d.months = 12 * n;
  else if (s && strstr(s, "MONTH"))
    d.months = n;
  return d;
}

static item *load(const char *path, size_t *n) {
  FILE *f = fopen(path, "r");
  char *line = NULL;
  size_t cap = 0, len = 0, room = 0;
  item *v = NULL;
  if (!f)
    die("cannot open the input", NULL);
  while (getline(&line, &cap, f) > 0) {
    json_t *j = json_loads(line, 0, NULL);
    const char *kind = j ? str(j, "kind") : NULL;
    if (!kind)
      die("not a credo gen file", NULL);
    if (len == room &&
        !(v = realloc(v, (room = room ? 2 * room : 4096) * sizeof *v)))
      die("out of memory", NULL);
    item *it = &v[len++];
    memset(it, 0, sizeof *it);
    it->j = j;
    it->kind = kind[0] == 't' ? 0 : kind[0] == 's' ? 1 : 2;
    if (it->kind == 2) {
      it->data = json_dumps(json_object_get(j, "data"), JSON_COMPACT);
      it->r = (credo_record){.subject = str(j, "subject"),
                             .type = str(j, "type"),
                             .public_from = CREDO_TIME_DEFAULT,
                             .public_until = CREDO_TIME_DEFAULT,
                             .source = str(j, "source"),
                             .ref = str(j, "ref"),
                             .data = it->data};
      if (credo_time_parse(str(j, "occurred"), 0, &it->r.occurred))
        die("bad date", NULL);
    }
  }
  free(line);
  fclose(f);
  *n = len;
  return v;
}

static int write_one(credo *db, const item *it) {
  uint64_t id;
  const char *k;
  switch (it->kind) {
  case 0:
    return credo_create_type(db, str(it->j, "name"),
                             dur(str(it->j, "publicity")),
                             dur(str(it->j, "repairable_after")));
  case 1:
    k = str(it->j, "subject_kind");
    return credo_create_subject(
        db, str(it->j, "id"), k[0] == 'o' ? CREDO_KIND_ORG : CREDO_KIND_PERSON,
        str(it->j, "name"));
  default:
    return credo_record_event(db, &it->r, &id, NULL);
  }
}

static double ingest(credo *db, const item *v, size_t n, size_t batch,
                     size_t *events) {
  double t0 = now_s();
  *events = 0;
  for (size_t i = 0; i < n; i += batch) {
    if (credo_begin(db) != CREDO_OK)
      die("begin", db);
    for (size_t k = i; k < n && k < i + batch; k++) {
      if (write_one(db, &v[k]) != CREDO_OK)
        die("write", db);
      *events += v[k].kind == 2;
    }
    if (credo_commit(db) != CREDO_OK)
      die("commit", db);
  }
  return now_s() - t0;
}

/* Notes when the checksum phase starts, to split the backup's time. */
static int on_phase(void *arg, const char *phase, uint64_t done,
                    uint64_t total) {
  double *t = arg;
  (void)done, (void)total;
  if (*t == 0 && strcmp(phase, "checksum") == 0)
    *t = now_s();
  return 0;
}

static double mb(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 ? (double)sb.st_size / 1048576.0 : 0;
}

int main(int argc, char **argv) {
  size_t n, events, batch = 1000;
  credo *db = NULL;
  credo_check_report rep;
  char data[4096];
  if (argc < 4) {
    fprintf(stderr, "usage: bench_ops FILE.jsonl STORE BACKUP [-b BATCH]\n");
    return 2;
  }
  if (argc == 6 && strcmp(argv[4], "-b") == 0)
    batch = (size_t)atol(argv[5]);
  item *v = load(argv[1], &n);
  if (credo_open(argv[2], NULL, &db) != CREDO_OK)
    die("open", db);
  double s = ingest(db, v, n, batch, &events);
  printf("C API ingest: %zu records (%zu events) in %.2f s: %.0f records/s, "
         "%.0f events/s (batches of %zu)\n",
         n, events, s, (double)n / s, (double)events / s, batch);
  double t0 = now_s(), tsum = 0;
  if (credo_backup(db, argv[3], on_phase, &tsum) != CREDO_OK)
    die("backup", db);
  double tb = now_s() - t0;
  snprintf(data, sizeof data, "%s/data.mdb", argv[3]);
  printf("credo_backup: %.1f MB snapshot in %.3f s: %.0f MB/s (copy + "
         "fsync %.3f s, XXH3-128 + counts + manifest %.3f s)\n",
         mb(data), tb, mb(data) / tb, tsum - t0, t0 + tb - tsum);
  t0 = now_s();
  if (credo_verify(argv[3], NULL, NULL, &rep) != CREDO_OK)
    die("verify", NULL);
  printf("credo_verify: %.3f s (checksum + full integrity check of %llu "
         "events)\n",
         now_s() - t0, (unsigned long long)rep.events);
  t0 = now_s();
  if (credo_check(db, NULL, NULL, &rep) != CREDO_OK)
    die("check", db);
  printf("credo_check: %.3f s, %llu index entries\n", now_s() - t0,
         (unsigned long long)rep.index_entries);
  credo_close(db);
  for (size_t i = 0; i < n; i++) {
    json_decref(v[i].j);
    free(v[i].data);
  }
  free(v);
  return 0;
}
