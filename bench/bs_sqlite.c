/*
 * bs_sqlite.c -- SQLite in bench_scale, on the natural schema of a
 * temporal register: one row per version of an event with its
 * transaction-time period [recorded, superseded), foreign keys to
 * subjects and types, indexes on subject, type and public_until, (source,
 * ref) unique among first versions, (id, recorded, version) for as-of
 * reads. Every query is a prepared statement (the text look-up excepted).
 *
 * Build (not measured as a workload): synchronous=OFF, no journal, rows
 * inserted in transactions of 100,000, then the indexes, then ANALYZE.
 * Measured: WAL with synchronous=FULL (every commit durable), foreign
 * keys on, 1 GiB page cache.
 *
 * Does not: emulate credo's idempotent resend (the unique index refuses
 * a duplicate; the bench sends none).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs.h"

typedef struct peer {
  bs_ctx *c;
  sqlite3 *db;
  sqlite3_stmt *ins;
  char path[1100];
  bs_gen *gen;
  bs_cands cands;
} peer;

static void exec(peer *p, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(p->db, sql, NULL, NULL, &err) != SQLITE_OK)
    bs_die(sql, err);
}

static sqlite3_stmt *prepare(peer *p, const char *sql) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(p->db, sql, -1, &st, NULL) != SQLITE_OK)
    bs_die(sql, sqlite3_errmsg(p->db));
  return st;
}

static void done(peer *p, sqlite3_stmt *st) {
  if (sqlite3_step(st) != SQLITE_DONE)
    bs_die("sqlite3_step", sqlite3_errmsg(p->db));
  sqlite3_reset(st);
}

static const char SCHEMA[] =
    "CREATE TABLE types(name TEXT PRIMARY KEY, id INTEGER NOT NULL,"
    " publicity_months INTEGER NOT NULL, repairable_months INTEGER NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE subjects(id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " name TEXT, created INTEGER NOT NULL);"
    "CREATE TABLE events(id INTEGER NOT NULL, version INTEGER NOT NULL,"
    " subject TEXT NOT NULL REFERENCES subjects(id),"
    " type TEXT NOT NULL REFERENCES types(name),"
    " occurred INTEGER NOT NULL, public_from INTEGER NOT NULL,"
    " public_until INTEGER NOT NULL, source TEXT NOT NULL, ref TEXT NOT NULL,"
    " data TEXT NOT NULL, recorded INTEGER NOT NULL,"
    " superseded INTEGER NOT NULL, actor TEXT NOT NULL, op TEXT NOT NULL,"
    " reason TEXT, retracted INTEGER NOT NULL);";

static const char INDEXES[] =
    "CREATE UNIQUE INDEX events_asof ON events(id, recorded, version);"
    "CREATE INDEX events_subject ON events(subject);"
    "CREATE INDEX events_type ON events(type);"
    "CREATE INDEX events_until ON events(public_until);"
    "CREATE UNIQUE INDEX events_source_ref ON events(source, ref)"
    " WHERE version = 1;"
    "ANALYZE;";

#define INSERT                                                                 \
  "INSERT INTO events VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"    \
  " ?12, 'local', ?13, ?14, ?15)"

/* ------------------------------------------------------------- build */

static void insert_row(void *arg, const bs_row *r) {
  peer *p = arg;
  sqlite3_stmt *st = p->ins;
  const bs_event *e = r->e;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)e->id);
  sqlite3_bind_int64(st, 2, r->version);
  sqlite3_bind_text(st, 3, e->subject_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, BS_TYPES[e->type].name, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, e->occurred);
  sqlite3_bind_int64(st, 6, e->from);
  sqlite3_bind_int64(st, 7, r->until);
  sqlite3_bind_text(st, 8, BS_SOURCES[e->source], -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 9, e->ref, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 10, r->data, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 11, r->recorded);
  sqlite3_bind_int64(st, 12, r->superseded);
  sqlite3_bind_text(st, 13, BS_OPS[r->op], -1, SQLITE_STATIC);
  if (r->reason)
    sqlite3_bind_text(st, 14, r->reason, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, 14);
  sqlite3_bind_int(st, 15, r->retracted);
  done(p, st);
}

static void build_catalogue(peer *p) {
  sqlite3_stmt *t = prepare(p, "INSERT INTO types VALUES(?,?,?,?,?)");
  sqlite3_stmt *s = prepare(p, "INSERT INTO subjects VALUES(?,?,?,?)");
  char id[19], name[160];
  uint64_t b = (uint64_t)p->c->plan.build_batch;
  for (int i = 0; i < BS_NTYPES; i++) {
    sqlite3_bind_text(t, 1, BS_TYPES[i].name, -1, SQLITE_STATIC);
    sqlite3_bind_int(t, 2, i + 1);
    sqlite3_bind_int(t, 3, BS_TYPES[i].publicity.months);
    sqlite3_bind_int(t, 4, BS_TYPES[i].repairable.months);
    sqlite3_bind_int64(t, 5, BS_T_SUBJ - CREDO_USEC_PER_SEC);
    done(p, t);
  }
  for (uint64_t i = 0; i < p->c->plan.subjects; i++) {
    int person = bs_gen_subject(p->gen, i, id, name, sizeof name);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, person ? "person" : "org", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, bs_tx(BS_T_SUBJ, i / b));
    done(p, s);
  }
  sqlite3_finalize(t);
  sqlite3_finalize(s);
}

static void build(void *arg) {
  peer *p = arg;
  bs_event e;
  uint64_t fated = 0;
  double t0 = bs_now();
  bs_fig f = {.note = "synchronous=OFF, no journal, indexes after the rows"};
  bs_log(&p->c->out, "building %llu events",
         (unsigned long long)p->c->plan.events);
  if (sqlite3_open(p->path, &p->db) != SQLITE_OK)
    bs_die("sqlite3_open", p->path);
  exec(p, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
          "PRAGMA cache_size=-1048576; BEGIN;");
  exec(p, SCHEMA);
  build_catalogue(p);
  p->ins = prepare(p, INSERT);
  for (uint64_t i = 0; i < p->c->plan.built; i++) {
    if (!bs_gen_next(p->gen, &e))
      bs_die("generator", "ran out of events");
    if (i % 100000 == 99999)
      exec(p, "COMMIT; BEGIN;");
    bs_event_rows(&p->c->plan, &e, &fated, insert_row, p);
    bs_cands_offer(&p->cands, &p->c->plan, &e);
  }
  exec(p, "COMMIT;");
  exec(p, INDEXES);
  bs_fig_add(&f, bs_now() - t0);
  bs_emit(&p->c->out, "build", "s", &f);
}

static void open_measured(peer *p) {
  if (sqlite3_open(p->path, &p->db) != SQLITE_OK)
    bs_die("sqlite3_open", p->path);
  exec(p, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
          "PRAGMA foreign_keys=ON; PRAGMA cache_size=-1048576;");
  p->ins = prepare(p, INSERT);
}

/* ------------------------------------------------------------- ingest */

static void ingest_batch(void *arg, const bs_event *ev, size_t n, uint64_t k) {
  peer *p = arg;
  exec(p, "BEGIN");
  bs_slice_rows(ev, n, k, insert_row, p);
  exec(p, "COMMIT");
}

/* ------------------------------------------------------------ look-ups */

#define COLS                                                                   \
  "SELECT id, subject, type, occurred, public_from, public_until, source,"     \
  " ref, data, version, recorded FROM events "
#define CURRENT "superseded = 9223372036854775807 AND retracted = 0"

typedef struct lk {
  peer *p;
  sqlite3_stmt *st;
  credo_time t; /* bound as ?2 */
} lk;

static void read_rows(sqlite3_stmt *st, uint64_t *rows) {
  while (sqlite3_step(st) == SQLITE_ROW) {
    sqlite3_column_int64(st, 0);
    sqlite3_column_text(st, 1);
    sqlite3_column_text(st, 2);
    for (int c = 3; c < 6; c++)
      sqlite3_column_int64(st, c);
    for (int c = 6; c < 9; c++)
      sqlite3_column_text(st, c);
    sqlite3_column_int64(st, 9);
    sqlite3_column_int64(st, 10);
    ++*rows;
  }
  sqlite3_reset(st);
}

static void one_prepared(void *arg, const char *id, uint64_t *rows) {
  lk *k = arg;
  sqlite3_bind_text(k->st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(k->st, 2, k->t);
  read_rows(k->st, rows);
}

static int count_row(void *arg, int n, char **v, char **c) {
  (void)n, (void)v, (void)c;
  ++*(uint64_t *)arg;
  return 0;
}

static void one_text(void *arg, const char *id, uint64_t *rows) {
  lk *k = arg;
  char sql[512];
  snprintf(sql, sizeof sql,
           COLS "WHERE subject = '%s' AND " CURRENT " AND public_from <= %lld"
                " AND %lld < public_until",
           id, (long long)BS_T_NOW, (long long)BS_T_NOW);
  if (sqlite3_exec(k->p->db, sql, count_row, rows, NULL) != SQLITE_OK)
    bs_die("sqlite3_exec", sqlite3_errmsg(k->p->db));
}

static void lookup(peer *p, const char *name, const char *where, credo_time t,
                   bs_lookup_fn fn) {
  char sql[512];
  lk k = {p, NULL, t};
  snprintf(sql, sizeof sql, COLS "WHERE subject = ?1 AND %s", where);
  k.st = prepare(p, sql);
  bs_lookups(p->c, p->gen, name, fn, &k);
  sqlite3_finalize(k.st);
}

static void all_lookups(peer *p) {
  const char *now = CURRENT " AND public_from <= ?2 AND ?2 < public_until";
  lookup(p, "lookup_now", now, BS_T_NOW, one_prepared);
  lookup(p, "lookup_now_text", now, BS_T_NOW, one_text);
  lookup(p, "lookup_asof",
         "recorded <= ?2 AND ?2 < superseded AND retracted = 0 AND"
         " public_from <= ?2 AND ?2 < public_until",
         BS_T_ASOF, one_prepared);
  lookup(p, "lookup_visible", now, BS_T_VISIBLE, one_prepared);
}

/* ------------------------------------------------- deep, whole store */

typedef struct deep {
  peer *p;
  sqlite3_stmt *st;
} deep;

static int deep_read(void *arg, int i, uint64_t id) {
  deep *d = arg;
  int v = 0;
  sqlite3_bind_int64(d->st, 1, (sqlite3_int64)id);
  sqlite3_bind_int64(d->st, 2, bs_deep_asof(i));
  if (sqlite3_step(d->st) == SQLITE_ROW) {
    v = sqlite3_column_int(d->st, 0);
    sqlite3_column_text(d->st, 1);
  }
  sqlite3_reset(d->st);
  return v;
}

/* Runs sql with ?1 = a, ?2 = b; sums column `col` (-1: counts rows). */
static uint64_t run_two(peer *p, const char *sql, credo_time a, credo_time b,
                        int col) {
  sqlite3_stmt *st = prepare(p, sql);
  uint64_t n = 0;
  sqlite3_bind_int64(st, 1, a);
  sqlite3_bind_int64(st, 2, b);
  while (sqlite3_step(st) == SQLITE_ROW)
    n += col < 0 ? 1 : (uint64_t)sqlite3_column_int64(st, col);
  sqlite3_finalize(st);
  return n;
}

static uint64_t ending_30d(void *arg, int run) {
  (void)run;
  return run_two(arg,
                 "SELECT id, subject, type, public_until FROM events WHERE"
                 " public_until >= ?1 AND public_until < ?2 AND " CURRENT
                 " AND public_from <= ?1 AND ?1 < public_until",
                 BS_T_NOW, BS_T_NOW + 30 * BS_DAY, -1);
}

static uint64_t penalties(void *arg, int run) {
  (void)run;
  return run_two(arg,
                 "SELECT source, count(*), sum(json_extract(data,"
                 " '$.amount_wan')) FROM events WHERE type IN"
                 " ('penalty_minor', 'penalty_general', 'penalty_serious')"
                 " AND occurred >= ?1 AND occurred < ?2 AND " CURRENT
                 " GROUP BY source",
                 BS_T_YEAR0, BS_T_YEAR1, 1);
}

/* ------------------------------------------------------------- repair */

#define REPAIR                                                                 \
  "UPDATE events SET superseded = ?2 WHERE id = ?1 AND " CURRENT               \
  " AND public_until > ?2 AND ?2 >= CAST(strftime('%s', public_from /"         \
  " 1000000, 'unixepoch', '+' || (SELECT repairable_months FROM types"         \
  " WHERE name = events.type) || ' months') AS INTEGER) * 1000000"             \
  " RETURNING version, subject, type, occurred, public_from, source, ref,"     \
  " data"
#define REPAIRED                                                               \
  "INSERT INTO events VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?7,"     \
  " 9223372036854775807, 'local', 'repair', '批量信用修复', 0)"

/* The new version of the row the UPDATE returned (columns 0..7). */
static void insert_repaired(peer *p, sqlite3_stmt *up, sqlite3_stmt *ins,
                            uint64_t id, credo_time t) {
  sqlite3_bind_int64(ins, 1, (sqlite3_int64)id);
  sqlite3_bind_int64(ins, 2, sqlite3_column_int64(up, 0) + 1);
  for (int c = 1; c < 8; c++)
    sqlite3_bind_value(ins, c + 2 + (c >= 5), sqlite3_column_value(up, c));
  sqlite3_bind_int64(ins, 7, t);
  done(p, ins);
}

static uint64_t repair_batch(void *arg, const uint64_t *ids, size_t n,
                             credo_time t) {
  peer *p = arg;
  sqlite3_stmt *up = prepare(p, REPAIR), *ins = prepare(p, REPAIRED);
  uint64_t repaired = 0;
  exec(p, "BEGIN");
  for (size_t i = 0; i < n; i++) {
    sqlite3_bind_int64(up, 1, (sqlite3_int64)ids[i]);
    sqlite3_bind_int64(up, 2, t);
    if (sqlite3_step(up) == SQLITE_ROW) {
      insert_repaired(p, up, ins, ids[i], t);
      repaired++;
      while (sqlite3_step(up) == SQLITE_ROW)
        ;
    }
    sqlite3_reset(up);
  }
  exec(p, "COMMIT");
  sqlite3_finalize(up);
  sqlite3_finalize(ins);
  return repaired;
}

/* ------------------------------------------------------------- backup */

static uint64_t backup(void *arg, int run) {
  peer *p = arg;
  char dest[1200];
  sqlite3 *to;
  sqlite3_backup *b;
  snprintf(dest, sizeof dest, "%s/backup-%d.db", p->c->dir, run);
  if (sqlite3_open(dest, &to) != SQLITE_OK ||
      !(b = sqlite3_backup_init(to, "main", p->db, "main")))
    bs_die("backup", sqlite3_errmsg(to));
  if (sqlite3_backup_step(b, -1) != SQLITE_DONE)
    bs_die("backup", sqlite3_errmsg(to));
  sqlite3_backup_finish(b);
  sqlite3_close(to);
  bs_fsync_path(dest);
  bs_rmrf(dest);
  return p->c->plan.events;
}

static void measure(void *arg, const bs_event *slice) {
  peer *p = arg;
  bs_ctx *c = p->c;
  deep d = {p, NULL};
  open_measured(p);
  bs_ingest(c, slice, ingest_batch, p);
  exec(p, "PRAGMA wal_checkpoint(TRUNCATE)");
  bs_size(c, bs_disk_bytes(p->path),
          "events.db after the ingest (checkpointed)");
  all_lookups(p);
  d.st = prepare(p, "SELECT version, data FROM events WHERE id = ?1 AND"
                    " recorded <= ?2 ORDER BY recorded DESC, version DESC"
                    " LIMIT 1");
  bs_deep_reads(c, deep_read, &d);
  sqlite3_finalize(d.st);
  bs_timed(c, "ending_30d", c->heavy_runs, ending_30d, p, "prepared SQL");
  bs_timed(c, "penalties_year", c->heavy_runs, penalties, p,
           "prepared SQL, GROUP BY source");
  bs_repairs(c, &p->cands, repair_batch, p);
  bs_backup(c, bs_disk_bytes(c->dir), backup, p,
            "sqlite3_backup (.backup) + fsync");
  sqlite3_finalize(p->ins);
  sqlite3_close(p->db);
}

/* The build leaves the database closed: the measuring run opens it. */
static void build_closed(void *arg) {
  peer *p = arg;
  build(p);
  sqlite3_finalize(p->ins);
  sqlite3_close(p->db);
}

int bs_run_sqlite(bs_ctx *c) {
  static const bs_peer_fns fns = {build_closed, measure};
  peer p = {.c = c};
  snprintf(p.path, sizeof p.path, "%s/events.db", c->dir);
  return bs_run_peer(c, &p.gen, &p.cands, &fns, &p);
}
