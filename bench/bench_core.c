/*
 * bench_core.c -- credo's typed C API beside its floor (raw LMDB doing the
 * same key/value work) and SQLite on the natural schema, on the same
 * generated data, in one run. Not a test: it prints figures and ratios.
 *
 * Workloads:
 *   ingest   N events in batches of B per transaction (durable commits for
 *            all three: LMDB sync, SQLite WAL + synchronous=FULL);
 *   lookup   "public now" of a random subject (all its events, filtered by
 *            the publicity window), L look-ups;
 *   as-of    reading one event as of an instant in the middle of its
 *            history, for an event with 1 version and one with 1,000.
 *
 * Raw LMDB writes, per event, the same entries credo writes (event record
 * of the same size, subject / type / until / (source, ref) index entries,
 * the id counter) and reads on look-up the same index range plus one get
 * per event, so its figures are the floor an LMDB engine pays.
 *
 * Usage: bench_core [-n EVENTS] [-b BATCH] [-l LOOKUPS] [-d DIR]
 */
#include <lmdb.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "credo.h"

typedef struct gen_event {
  int subject;
  int type;
  credo_time occurred;
  char ref[40];
  char data[96];
} gen_event;

typedef struct cfg {
  int n, batch, lookups, subjects;
  const char *dir;
} cfg;

static const char ALPHA[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int W[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                          29, 25, 13, 8,  24, 10, 30, 28};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* A valid USCC in Xiamen (region 350200) for subject number i: its
 * organisation code (characters 9-17) carries its GB 11714 check
 * character, the whole its GB 32100 one. */
static void uscc(int i, char out[19]) {
  int sum = 0;
  static const int OW[8] = {3, 7, 9, 10, 5, 8, 4, 2}; /* GB 11714 */
  int osum = 0, oc;
  snprintf(out, 19, "91350200%08uXX", (unsigned)i % 100000000u);
  for (int k = 0; k < 8; k++)
    osum += (out[8 + k] - '0') * OW[k];
  oc = 11 - osum % 11;
  out[16] = oc == 10 ? 'X' : oc == 11 ? '0' : (char)('0' + oc);
  out[17] = 0;
  for (int k = 0; k < 17; k++) {
    const char *p = strchr(ALPHA, out[k]);
    sum += (int)(p - ALPHA) * W[k];
  }
  out[17] = ALPHA[(31 - sum % 31) % 31];
  out[18] = 0;
}

static gen_event *generate(const cfg *c) {
  gen_event *ev = calloc((size_t)c->n, sizeof *ev);
  credo_time base = INT64_C(1704067200000000); /* 2024-01-01 */
  for (int i = 0; i < c->n; i++) {
    ev[i].subject = (int)(rnd() % (uint64_t)c->subjects);
    ev[i].type = (int)(rnd() % 2);
    ev[i].occurred = base + (credo_time)(rnd() % (700ULL * 86400)) * 1000000;
    snprintf(ev[i].ref, sizeof ev[i].ref, "厦市监罚〔2025〕%d号", i);
    snprintf(ev[i].data, sizeof ev[i].data,
             "{\"amount_wan\":%d.%d,\"authority\":\"厦门市市场监督管理局\"}",
             (int)(rnd() % 50), (int)(rnd() % 10));
  }
  return ev;
}

static void die(const char *what, const char *msg) {
  fprintf(stderr, "bench_core: %s: %s\n", what, msg);
  exit(1);
}

/* ---------------------------------------------------------------- credo */

static const char *TYPES[2] = {"penalty_general", "penalty_serious"};

static double credo_ingest(credo *db, const cfg *c, const gen_event *ev) {
  char id[19];
  double t0;
  if (credo_create_type(db, TYPES[0], (credo_duration){12, 0},
                        (credo_duration){3, 0}) ||
      credo_create_type(db, TYPES[1], (credo_duration){36, 0},
                        (credo_duration){12, 0}))
    die("types", credo_errmsg(db));
  credo_begin(db);
  for (int s = 0; s < c->subjects; s++) {
    uscc(s, id);
    if (credo_create_subject(db, id, CREDO_KIND_ORG, "厦门示例有限公司"))
      die("subject", credo_errmsg(db));
  }
  credo_commit(db);
  t0 = now_s();
  for (int i = 0; i < c->n; i += c->batch) {
    credo_begin(db);
    for (int j = i; j < i + c->batch && j < c->n; j++) {
      credo_record r = {id,
                        TYPES[ev[j].type],
                        ev[j].occurred,
                        CREDO_TIME_DEFAULT,
                        CREDO_TIME_DEFAULT,
                        "xm-market",
                        ev[j].ref,
                        ev[j].data,
                        NULL};
      uscc(ev[j].subject, id);
      if (credo_record_event(db, &r, NULL, NULL))
        die("record", credo_errmsg(db));
    }
    if (credo_commit(db))
      die("commit", credo_errmsg(db));
  }
  return now_s() - t0;
}

static int count_cb(const credo_event *e, void *arg) {
  (void)e;
  ++*(long *)arg;
  return 0;
}

static double credo_lookups(credo *db, const cfg *c, long *rows) {
  char id[19];
  double t0 = now_s();
  for (int i = 0; i < c->lookups; i++) {
    uscc((int)(rnd() % (uint64_t)c->subjects), id);
    if (credo_subject_events(db, id, CREDO_TIME_NOW, CREDO_TIME_NOW, 0,
                             count_cb, rows))
      die("lookup", credo_errmsg(db));
  }
  return now_s() - t0;
}

/* ----------------------------------------------------------- raw LMDB */

typedef struct raw {
  MDB_env *env;
  MDB_dbi ev, subj, type, until, sref, meta;
} raw;

static void be64(unsigned char *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8)
    p[i] = (unsigned char)v;
}

static void raw_open(raw *r, const char *dir) {
  MDB_txn *t;
  mkdir(dir, 0755);
  mdb_env_create(&r->env);
  mdb_env_set_maxdbs(r->env, 8);
  mdb_env_set_mapsize(r->env, (size_t)8 << 30);
  if (mdb_env_open(r->env, dir, MDB_NOTLS, 0644))
    die("mdb_env_open", dir);
  mdb_txn_begin(r->env, NULL, 0, &t);
  mdb_dbi_open(t, "events", MDB_CREATE, &r->ev);
  mdb_dbi_open(t, "subj", MDB_CREATE, &r->subj);
  mdb_dbi_open(t, "type", MDB_CREATE, &r->type);
  mdb_dbi_open(t, "until", MDB_CREATE, &r->until);
  mdb_dbi_open(t, "sref", MDB_CREATE, &r->sref);
  mdb_dbi_open(t, "meta", MDB_CREATE, &r->meta);
  mdb_txn_commit(t);
}

static void put(MDB_txn *t, MDB_dbi d, const void *k, size_t kl, const void *v,
                size_t vl) {
  MDB_val key = {kl, (void *)k}, val = {vl, (void *)v};
  int rc = mdb_put(t, d, &key, &val, 0);
  if (rc)
    die("mdb_put", mdb_strerror(rc));
}

/* One event's entries, as credo writes them (value of the same size). */
static void raw_event(MDB_txn *t, raw *r, uint64_t n, const gen_event *e,
                      const char *sid) {
  unsigned char k[80], v[320];
  size_t sl = strlen(sid) + 1, rl = strlen(e->ref) + 1, dl = strlen(e->data);
  MDB_val key, val;
  memcpy(k, "xm-market", 10);
  memcpy(k + 10, e->ref, rl);
  key = (MDB_val){10 + rl, k};
  mdb_get(t, r->sref, &key, &val); /* the idempotency probe */
  be64(v, n);
  put(t, r->sref, k, 10 + rl, v, 8);
  memset(v, 0, sizeof v);
  memcpy(v + 60, sid, sl);
  memcpy(v + 60 + sl, e->data, dl + 1);
  be64(k, n);
  put(t, r->ev, k, 8, v, 60 + sl + 10 + rl + 6 + 1 + dl + 1);
  memcpy(k, sid, sl);
  be64(k + sl, n);
  put(t, r->subj, k, sl + 8, "", 0);
  be64(k, (uint64_t)e->type);
  be64(k + 8, n);
  put(t, r->type, k + 4, 12, "", 0);
  be64(k, (uint64_t)e->occurred ^ (1ULL << 63));
  put(t, r->until, k, 16, "", 0);
  put(t, r->meta, "next_event", 10, k, 8);
}

static double raw_ingest(raw *r, const cfg *c, const gen_event *ev) {
  char sid[19];
  double t0 = now_s();
  MDB_txn *t;
  for (int i = 0; i < c->n; i += c->batch) {
    mdb_txn_begin(r->env, NULL, 0, &t);
    for (int j = i; j < i + c->batch && j < c->n; j++) {
      uscc(ev[j].subject, sid);
      raw_event(t, r, (uint64_t)j + 1, &ev[j], sid);
    }
    if (mdb_txn_commit(t))
      die("commit", "raw");
  }
  return now_s() - t0;
}

static double raw_lookups(raw *r, const cfg *c, long *rows) {
  char sid[19];
  unsigned char k[40];
  double t0 = now_s();
  for (int i = 0; i < c->lookups; i++) {
    MDB_txn *t;
    MDB_cursor *cur;
    MDB_val key, val, ek, ev;
    size_t sl;
    uscc((int)(rnd() % (uint64_t)c->subjects), sid);
    sl = strlen(sid) + 1;
    memcpy(k, sid, sl);
    mdb_txn_begin(r->env, NULL, MDB_RDONLY, &t);
    mdb_cursor_open(t, r->subj, &cur);
    key = (MDB_val){sl, k};
    for (int rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
         rc == 0 && key.mv_size == sl + 8 && memcmp(key.mv_data, k, sl) == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
      ek = (MDB_val){8, (char *)key.mv_data + sl};
      if (mdb_get(t, r->ev, &ek, &ev) == 0 && ev.mv_size > 48)
        ++*rows; /* a credo read decodes the window here */
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(t);
  }
  return now_s() - t0;
}

/* -------------------------------------------------------------- SQLite */

static void sql_exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
    die(sql, err);
}

static double sqlite_ingest(sqlite3 *db, const cfg *c, const gen_event *ev) {
  sqlite3_stmt *st;
  char sid[19];
  double t0;
  sql_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE events(id INTEGER PRIMARY KEY, subject TEXT,"
               " type TEXT, occurred INTEGER, public_from INTEGER,"
               " public_until INTEGER, source TEXT, ref TEXT, data TEXT,"
               " UNIQUE(source, ref));"
               "CREATE INDEX events_subject ON events(subject);");
  sqlite3_prepare_v2(db,
                     "INSERT INTO events(subject,type,occurred,public_from,"
                     "public_until,source,ref,data) VALUES(?,?,?,?,?,?,?,?)",
                     -1, &st, NULL);
  t0 = now_s();
  for (int i = 0; i < c->n; i += c->batch) {
    sql_exec(db, "BEGIN");
    for (int j = i; j < i + c->batch && j < c->n; j++) {
      credo_time until =
          ev[j].occurred + (ev[j].type ? 3 : 1) * 365 * CREDO_USEC_PER_DAY;
      uscc(ev[j].subject, sid);
      sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 2, TYPES[ev[j].type], -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 3, ev[j].occurred);
      sqlite3_bind_int64(st, 4, ev[j].occurred);
      sqlite3_bind_int64(st, 5, until);
      sqlite3_bind_text(st, 6, "xm-market", -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 7, ev[j].ref, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 8, ev[j].data, -1, SQLITE_STATIC);
      if (sqlite3_step(st) != SQLITE_DONE)
        die("insert", sqlite3_errmsg(db));
      sqlite3_reset(st);
    }
    sql_exec(db, "COMMIT");
  }
  sqlite3_finalize(st);
  return now_s() - t0;
}

static double sqlite_lookups(sqlite3 *db, const cfg *c, long *rows) {
  sqlite3_stmt *st;
  char sid[19];
  credo_time now = (credo_time)time(NULL) * CREDO_USEC_PER_SEC;
  double t0;
  sqlite3_prepare_v2(db,
                     "SELECT id, subject, type, occurred, public_from,"
                     " public_until, source, ref, data FROM events"
                     " WHERE subject = ? AND public_from <= ? AND"
                     " ? < public_until",
                     -1, &st, NULL);
  t0 = now_s();
  for (int i = 0; i < c->lookups; i++) {
    uscc((int)(rnd() % (uint64_t)c->subjects), sid);
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, now);
    while (sqlite3_step(st) == SQLITE_ROW)
      ++*rows;
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  return now_s() - t0;
}

/* ------------------------------------------------------- deep history */

static credo_time fake_now;
static credo_time fake_clock(void *a) {
  (void)a;
  return fake_now;
}

/* ns per as-of read of an event with `versions` versions. */
static double asof_ns(credo *db, uint64_t id, int versions, int reads) {
  credo_event e;
  credo_time mid;
  double t0;
  if (credo_get_event(db, id, CREDO_TIME_NOW, CREDO_TIME_NOW, CREDO_READ_HIDDEN,
                      &e))
    die("get", credo_errmsg(db));
  /* the clock advances 1 ms per version: mid is inside the history */
  mid = e.recorded + (credo_time)(versions / 2) * 1000 + 500;
  if (fake_now < e.recorded)
    fake_now = e.recorded;
  for (int v = 1; v < versions; v++) {
    credo_correction c = {.set = CREDO_SET_DATA, .data = "{\"v\":1}"};
    fake_now += 1000;
    if (credo_correct_event(db, id, &c, "bench"))
      die("correct", credo_errmsg(db));
  }
  t0 = now_s();
  for (int i = 0; i < reads; i++)
    if (credo_get_event(db, id, mid, CREDO_TIME_NOW, CREDO_READ_HIDDEN, &e))
      die("asof", credo_errmsg(db));
  return (now_s() - t0) / reads * 1e9;
}

static void deep_history(const char *dir) {
  credo *db = NULL;
  uint64_t a, b;
  char sid[19];
  double one, thousand;
  credo_options o = {.flags = CREDO_OPEN_NOSYNC};
  if (credo_open(dir, &o, &db))
    die("open", dir);
  fake_now = INT64_C(1735689600000000); /* 2025-01-01 */
  credo_set_clock(db, fake_clock, NULL);
  uscc(1, sid);
  credo_create_type(db, "t", (credo_duration){12, 0}, (credo_duration){3, 0});
  credo_create_subject(db, sid, CREDO_KIND_ORG, NULL);
  credo_record r = {
      sid,   "t",  fake_now, CREDO_TIME_DEFAULT, CREDO_TIME_DEFAULT, "s",
      "one", NULL, NULL};
  credo_record_event(db, &r, &a, NULL);
  r.ref = "thousand";
  credo_record_event(db, &r, &b, NULL);
  one = asof_ns(db, a, 1, 200000);
  thousand = asof_ns(db, b, 1000, 200000);
  printf("as-of read, 1 version       %10.0f ns\n", one);
  printf("as-of read, 1000 versions   %10.0f ns   ratio %.2fx\n", thousand,
         thousand / one);
  credo_close(db);
}

int main(int argc, char **argv) {
  cfg c = {200000, 1000, 100000, 0, "/tmp/credo-bench"};
  char path[512];
  credo *db = NULL;
  raw r;
  sqlite3 *sq;
  long rows[3] = {0, 0, 0};
  double ti[3], tl[3];
  int opt;
  while ((opt = getopt(argc, argv, "n:b:l:d:")) != -1) {
    if (opt == 'n')
      c.n = atoi(optarg);
    else if (opt == 'b')
      c.batch = atoi(optarg);
    else if (opt == 'l')
      c.lookups = atoi(optarg);
    else if (opt == 'd')
      c.dir = optarg;
    else {
      fprintf(stderr, "usage: bench_core [-n N] [-b B] [-l L] [-d DIR]\n");
      return 2;
    }
  }
  c.subjects = c.n / 20 > 0 ? c.n / 20 : 1;
  snprintf(path, sizeof path, "rm -rf %s && mkdir -p %s", c.dir, c.dir);
  if (system(path) != 0)
    die("mkdir", c.dir);
  gen_event *ev = generate(&c);
  printf("credo bench_core: %d events, %d subjects, batches of %d, %d "
         "look-ups\n\n",
         c.n, c.subjects, c.batch, c.lookups);

  snprintf(path, sizeof path, "%s/credo", c.dir);
  if (credo_open(path, NULL, &db))
    die("open", path);
  ti[0] = credo_ingest(db, &c, ev);
  snprintf(path, sizeof path, "%s/raw", c.dir);
  raw_open(&r, path);
  ti[1] = raw_ingest(&r, &c, ev);
  snprintf(path, sizeof path, "%s/sqlite.db", c.dir);
  sqlite3_open(path, &sq);
  ti[2] = sqlite_ingest(sq, &c, ev);

  rng_state = 42;
  tl[0] = credo_lookups(db, &c, &rows[0]);
  rng_state = 42;
  tl[1] = raw_lookups(&r, &c, &rows[1]);
  rng_state = 42;
  tl[2] = sqlite_lookups(sq, &c, &rows[2]);

  printf("%-10s %14s %16s %12s\n", "", "ingest ev/s", "look-ups/s",
         "rows seen");
  const char *names[3] = {"credo", "raw LMDB", "SQLite"};
  for (int i = 0; i < 3; i++)
    printf("%-10s %14.0f %16.0f %12ld\n", names[i], c.n / ti[i],
           c.lookups / tl[i], rows[i]);
  printf("\ncredo / SQLite:   ingest %.2fx   look-up %.2fx\n", ti[2] / ti[0],
         tl[2] / tl[0]);
  printf("credo / raw LMDB: ingest %.2fx   look-up %.2fx\n\n", ti[1] / ti[0],
         tl[1] / tl[0]);
  credo_close(db);
  mdb_env_close(r.env);
  sqlite3_close(sq);
  snprintf(path, sizeof path, "%s/deep", c.dir);
  deep_history(path);
  free(ev);
  snprintf(path, sizeof path, "rm -rf %s", c.dir);
  return system(path) == 0 ? 0 : 1;
}
