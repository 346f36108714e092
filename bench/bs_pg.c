/*
 * bs_pg.c -- PostgreSQL in bench_scale, over its own protocol (libpq, one
 * connection, prepared statements, text results), on the natural schema
 * of a temporal register: one row per version with its transaction-time
 * period [recorded, superseded), the publicity window as a tstzrange with
 * a GiST index, B-trees on subject, type and upper(publicity), (source,
 * ref) unique among first versions, (id, recorded, version) as the
 * primary key for as-of reads, foreign keys to subjects and types.
 *
 * Build (not a measured workload): the tables created and filled by COPY
 * FREEZE in one transaction (the server runs with wal_level=minimal, so
 * that load writes no WAL), then the indexes and foreign keys, ANALYZE.
 * Measured: fsync and synchronous_commit on (defaults); the ingest slice
 * is one COPY per batch of 1,000, each its own durable transaction.
 *
 * The server is started and stopped by bench/run.sh (private data
 * directory and port); this file only connects to it (-P conninfo).
 * Does not: run pgbench (run.sh drives it against the same tables; the
 * table bench_subject_no maps a subject number to its id for it).
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs.h"

typedef struct peer {
  bs_ctx *c;
  PGconn *db;
  bs_gen *gen;
  bs_cands cands;
  char *buf; /* COPY data */
  size_t len, cap;
} peer;

static void res_ok(peer *p, PGresult *r, const char *what) {
  ExecStatusType s = PQresultStatus(r);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_COPY_IN)
    bs_die(what, PQerrorMessage(p->db));
}

static void exec(peer *p, const char *sql) {
  PGresult *r = PQexec(p->db, sql);
  res_ok(p, r, sql);
  PQclear(r);
}

static void connect_db(peer *p) {
  if (!p->c->conninfo)
    bs_die("pg", "no connection string (-P)");
  p->db = PQconnectdb(p->c->conninfo);
  if (PQstatus(p->db) != CONNECTION_OK)
    bs_die("cannot connect to PostgreSQL", PQerrorMessage(p->db));
  exec(p, "SET TimeZone = 'UTC'; SET client_min_messages = warning");
}

/* --------------------------------------------------------------- COPY */

static void copy_grow(peer *p, size_t need) {
  if (p->len + need <= p->cap)
    return;
  p->cap = (p->len + need) * 2;
  if (!(p->buf = realloc(p->buf, p->cap)))
    bs_die("copy", "out of memory");
}

static void copy_flush(peer *p) {
  if (p->len && PQputCopyData(p->db, p->buf, (int)p->len) != 1)
    bs_die("PQputCopyData", PQerrorMessage(p->db));
  p->len = 0;
}

static void copy_begin(peer *p, const char *sql) {
  PGresult *r = PQexec(p->db, sql);
  if (PQresultStatus(r) != PGRES_COPY_IN)
    bs_die(sql, PQerrorMessage(p->db));
  PQclear(r);
}

static void copy_end(peer *p) {
  PGresult *r;
  copy_flush(p);
  if (PQputCopyEnd(p->db, NULL) != 1)
    bs_die("PQputCopyEnd", PQerrorMessage(p->db));
  while ((r = PQgetResult(p->db)) != NULL) {
    res_ok(p, r, "COPY");
    PQclear(r);
  }
}

/* One events row in COPY text format (no field needs escaping: the
 * generated text has no tab, newline or backslash). */
static void copy_row(void *arg, const bs_row *r) {
  peer *p = arg;
  const bs_event *e = r->e;
  char occ[40], from[40], until[40], rec[40], sup[40];
  bs_iso(e->occurred, occ, sizeof occ);
  bs_iso(e->from, from, sizeof from);
  bs_iso(r->recorded, rec, sizeof rec);
  bs_iso(r->superseded, sup, sizeof sup);
  if (r->until == CREDO_TIME_OPEN)
    until[0] = '\0';
  else
    bs_iso(r->until, until, sizeof until);
  copy_grow(p, 1024);
  p->len += (size_t)snprintf(
      p->buf + p->len, p->cap - p->len,
      "%llu\t%u\t%s\t%s\t%s\t[%s,%s)\t%s\t%s\t%s\t%s\t%s\tlocal\t%s\t%s\t%s\n",
      (unsigned long long)e->id, r->version, e->subject_id,
      BS_TYPES[e->type].name, occ, from, until, BS_SOURCES[e->source], e->ref,
      r->data, rec, sup, BS_OPS[r->op], r->reason ? r->reason : "\\N",
      r->retracted ? "t" : "f");
  if (p->len > (1 << 20))
    copy_flush(p);
}

/* ------------------------------------------------------------- build */

static const char SCHEMA[] =
    "DROP TABLE IF EXISTS events, subjects, types, bench_subject_no;"
    "BEGIN;"
    "CREATE TABLE types(name text PRIMARY KEY, id int NOT NULL,"
    " publicity interval, repairable_after interval NOT NULL,"
    " created timestamptz NOT NULL);"
    "CREATE TABLE subjects(id text PRIMARY KEY, kind text NOT NULL,"
    " name text, created timestamptz NOT NULL);"
    "CREATE TABLE bench_subject_no(n int PRIMARY KEY, id text NOT NULL);"
    "CREATE TABLE events(id bigint NOT NULL, version int NOT NULL,"
    " subject text NOT NULL, type text NOT NULL,"
    " occurred timestamptz NOT NULL, publicity tstzrange NOT NULL,"
    " source text NOT NULL, ref text NOT NULL, data jsonb NOT NULL,"
    " recorded timestamptz NOT NULL, superseded timestamptz NOT NULL,"
    " actor text NOT NULL, op text NOT NULL, reason text,"
    " retracted boolean NOT NULL);";

static const char INDEXES[] =
    "ALTER TABLE events ADD PRIMARY KEY (id, recorded, version);"
    "CREATE INDEX events_subject ON events(subject);"
    "CREATE INDEX events_type ON events(type);"
    "CREATE INDEX events_until ON events(upper(publicity));"
    "CREATE INDEX events_publicity ON events USING gist (publicity);"
    "CREATE UNIQUE INDEX events_source_ref ON events(source, ref)"
    " WHERE version = 1;"
    "ALTER TABLE events ADD FOREIGN KEY (subject) REFERENCES subjects(id),"
    " ADD FOREIGN KEY (type) REFERENCES types(name);"
    "ANALYZE;";

static void copy_types(peer *p) {
  char line[256], t[40];
  bs_iso(BS_T_SUBJ - CREDO_USEC_PER_SEC, t, sizeof t);
  copy_begin(p, "COPY types FROM STDIN");
  for (int i = 0; i < BS_NTYPES; i++) {
    const bs_type *ty = &BS_TYPES[i];
    int n =
        ty->publicity.months
            ? snprintf(line, sizeof line, "%s\t%d\t%d months\t%d months\t%s\n",
                       ty->name, i + 1, ty->publicity.months,
                       ty->repairable.months, t)
            : snprintf(line, sizeof line, "%s\t%d\t\\N\t%d months\t%s\n",
                       ty->name, i + 1, ty->repairable.months, t);
    copy_grow(p, (size_t)n);
    memcpy(p->buf + p->len, line, (size_t)n);
    p->len += (size_t)n;
  }
  copy_end(p);
}

static void copy_subjects(peer *p, int numbers) {
  char id[19], name[160], t[40];
  uint64_t b = (uint64_t)p->c->plan.build_batch;
  copy_begin(p, numbers ? "COPY bench_subject_no FROM STDIN"
                        : "COPY subjects FROM STDIN (FREEZE)");
  for (uint64_t i = 0; i < p->c->plan.subjects; i++) {
    int person = bs_gen_subject(p->gen, i, id, name, sizeof name);
    copy_grow(p, 512);
    bs_iso(bs_tx(BS_T_SUBJ, i / b), t, sizeof t);
    p->len +=
        (size_t)(numbers ? snprintf(p->buf + p->len, p->cap - p->len,
                                    "%llu\t%s\n", (unsigned long long)i, id)
                         : snprintf(p->buf + p->len, p->cap - p->len,
                                    "%s\t%s\t%s\t%s\n", id,
                                    person ? "person" : "org", name, t));
    if (p->len > (1 << 20))
      copy_flush(p);
  }
  copy_end(p);
}

static void build(void *arg) {
  peer *p = arg;
  bs_event e;
  uint64_t fated = 0;
  double t0 = bs_now();
  bs_fig f = {.note = "COPY FREEZE in the creating txn (wal_level=minimal), "
                      "then indexes"};
  bs_log(&p->c->out, "building %llu events",
         (unsigned long long)p->c->plan.events);
  exec(p, SCHEMA);
  copy_types(p);
  copy_subjects(p, 0);
  copy_subjects(p, 1);
  copy_begin(p, "COPY events FROM STDIN (FREEZE)");
  for (uint64_t i = 0; i < p->c->plan.built; i++) {
    if (!bs_gen_next(p->gen, &e))
      bs_die("generator", "ran out of events");
    bs_event_rows(&p->c->plan, &e, &fated, copy_row, p);
    bs_cands_offer(&p->cands, &p->c->plan, &e);
  }
  copy_end(p);
  exec(p, "COMMIT");
  exec(p, "SET maintenance_work_mem = '1GB'");
  exec(p, INDEXES);
  bs_fig_add(&f, bs_now() - t0);
  bs_emit(&p->c->out, "build", "s", &f);
}

/* ------------------------------------------------------------- ingest */

static void ingest_batch(void *arg, const bs_event *ev, size_t n, uint64_t k) {
  peer *p = arg;
  copy_begin(p, "COPY events FROM STDIN");
  bs_slice_rows(ev, n, k, copy_row, p);
  copy_end(p);
}

/* ------------------------------------------------------------ look-ups */

#define COLS                                                                   \
  "SELECT id, subject, type, occurred, lower(publicity), upper(publicity),"    \
  " source, ref, data, version, recorded FROM events "
#define CURRENT "superseded = 'infinity' AND NOT retracted"
/* Public at $2. Written with lower()/upper() rather than `publicity @>
 * $2`: with @> the generic plan of the prepared statement ANDs in the
 * GiST index and runs 2.3x slower (pgbench at 100k events: 7,170 vs
 * 16,420 look-ups/s); the GiST index stays for the planner's other uses. */
#define PUBLIC_AT(t)                                                           \
  "lower(publicity) <= " t " AND (upper(publicity) IS NULL OR"                 \
  " upper(publicity) > " t ")"

static void prepare(peer *p, const char *name, const char *sql, int nparams) {
  PGresult *r = PQprepare(p->db, name, sql, nparams, NULL);
  res_ok(p, r, sql);
  PQclear(r);
}

/* Runs a prepared statement with text parameters; the caller clears. */
static PGresult *run(peer *p, const char *name, int n, const char *const *v) {
  PGresult *r = PQexecPrepared(p->db, name, n, v, NULL, NULL, 0);
  res_ok(p, r, name);
  return r;
}

static void touch(PGresult *r, uint64_t *rows) {
  int n = PQntuples(r), nf = PQnfields(r);
  for (int i = 0; i < n; i++) {
    for (int c = 0; c < nf; c++)
      (void)PQgetvalue(r, i, c);
    ++*rows;
  }
  PQclear(r);
}

typedef struct lk {
  peer *p;
  const char *stmt;
  char t[40]; /* the instant, $2 */
} lk;

static void one_prepared(void *arg, const char *id, uint64_t *rows) {
  lk *k = arg;
  const char *v[2] = {id, k->t};
  touch(run(k->p, k->stmt, 2, v), rows);
}

static void one_text(void *arg, const char *id, uint64_t *rows) {
  lk *k = arg;
  char sql[512];
  PGresult *r;
  snprintf(sql, sizeof sql,
           COLS "WHERE subject = '%s' AND " CURRENT " AND " PUBLIC_AT("'%s'"),
           id, k->t, k->t);
  r = PQexec(k->p->db, sql);
  res_ok(k->p, r, sql);
  touch(r, rows);
}

static void lookup(peer *p, const char *name, const char *where, credo_time t,
                   bs_lookup_fn fn) {
  char sql[512];
  lk k = {p, name, ""};
  bs_iso(t, k.t, sizeof k.t);
  snprintf(sql, sizeof sql, COLS "WHERE subject = $1 AND %s", where);
  prepare(p, name, sql, 2);
  bs_lookups(p->c, p->gen, name, fn, &k);
}

static void all_lookups(peer *p) {
  const char *now = CURRENT " AND " PUBLIC_AT("$2");
  lookup(p, "lookup_now", now, BS_T_NOW, one_prepared);
  lookup(p, "lookup_now_text", now, BS_T_NOW, one_text);
  lookup(p, "lookup_asof",
         "recorded <= $2 AND $2 < superseded AND NOT retracted AND " PUBLIC_AT(
             "$2"),
         BS_T_ASOF, one_prepared);
  lookup(p, "lookup_visible", now, BS_T_VISIBLE, one_prepared);
}

/* ------------------------------------------------- deep, whole store */

static int deep_read(void *arg, int i, uint64_t id) {
  peer *p = arg;
  char ids[24], t[40];
  const char *v[2] = {ids, t};
  PGresult *r;
  int version = 0;
  snprintf(ids, sizeof ids, "%llu", (unsigned long long)id);
  bs_iso(bs_deep_asof(i), t, sizeof t);
  r = run(p, "deep", 2, v);
  if (PQntuples(r) == 1)
    version = atoi(PQgetvalue(r, 0, 0)), (void)PQgetvalue(r, 0, 1);
  PQclear(r);
  return version;
}

/* Runs sql with $1 = a, $2 = b; sums column `col` (-1: counts rows). */
static uint64_t run_two(peer *p, const char *sql, credo_time a, credo_time b,
                        int col) {
  char ta[40], tb[40];
  const char *v[2] = {ta, tb};
  PGresult *r;
  uint64_t n = 0;
  bs_iso(a, ta, sizeof ta);
  bs_iso(b, tb, sizeof tb);
  r = PQexecParams(p->db, sql, 2, NULL, v, NULL, NULL, 0);
  res_ok(p, r, sql);
  for (int i = 0; i < PQntuples(r); i++)
    n += col < 0 ? 1 : strtoull(PQgetvalue(r, i, col), NULL, 10);
  PQclear(r);
  return n;
}

static uint64_t ending_30d(void *arg, int run) {
  (void)run;
  return run_two(arg,
                 "SELECT id, subject, type, upper(publicity) FROM events"
                 " WHERE upper(publicity) > $1 AND upper(publicity) < $2"
                 " AND " CURRENT " AND lower(publicity) <= $1",
                 BS_T_NOW, BS_T_NOW + 30 * BS_DAY, -1);
}

static uint64_t penalties(void *arg, int run) {
  (void)run;
  return run_two(arg,
                 "SELECT source, count(*), sum((data->>'amount_wan')::numeric)"
                 " FROM events WHERE type IN ('penalty_minor',"
                 " 'penalty_general', 'penalty_serious') AND occurred >= $1"
                 " AND occurred < $2 AND " CURRENT " GROUP BY source",
                 BS_T_YEAR0, BS_T_YEAR1, 1);
}

/* ------------------------------------------------------------- repair */

#define REPAIR                                                                 \
  "WITH old AS (UPDATE events e SET superseded = $2 FROM types t"              \
  " WHERE e.id = $1 AND e.superseded = 'infinity' AND NOT e.retracted"         \
  " AND t.name = e.type AND (upper(e.publicity) IS NULL OR"                    \
  " upper(e.publicity) > $2) AND lower(e.publicity) + t.repairable_after"      \
  " <= $2 RETURNING e.*) INSERT INTO events SELECT id, version + 1,"           \
  " subject, type, occurred, tstzrange(lower(publicity), $2), source, ref,"    \
  " data, $2, 'infinity', 'local', 'repair', '批量信用修复', false FROM old"

static uint64_t repair_batch(void *arg, const uint64_t *ids, size_t n,
                             credo_time t) {
  peer *p = arg;
  char id[24], ts[40];
  const char *v[2] = {id, ts};
  uint64_t repaired = 0;
  bs_iso(t, ts, sizeof ts);
  exec(p, "BEGIN");
  for (size_t i = 0; i < n; i++) {
    PGresult *r;
    snprintf(id, sizeof id, "%llu", (unsigned long long)ids[i]);
    r = run(p, "repair", 2, v);
    repaired += strtoull(PQcmdTuples(r), NULL, 10);
    PQclear(r);
  }
  exec(p, "COMMIT");
  return repaired;
}

/* ------------------------------------------------------ backup, size */

static uint64_t backup(void *arg, int run) {
  peer *p = arg;
  char dest[1200], cmd[4000];
  snprintf(dest, sizeof dest, "%s/backup-%d.dump", p->c->dir, run);
  snprintf(cmd, sizeof cmd, "pg_dump -Fc -f '%s' '%s' && sync -f '%s'", dest,
           p->c->conninfo, dest);
  if (system(cmd) != 0)
    bs_die("pg_dump", dest);
  bs_rmrf(dest);
  return p->c->plan.events;
}

static uint64_t db_size(peer *p) {
  PGresult *r = PQexec(p->db, "SELECT pg_database_size(current_database())");
  uint64_t n;
  res_ok(p, r, "pg_database_size");
  n = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
  PQclear(r);
  return n;
}

static void measure(void *arg, const bs_event *slice) {
  peer *p = arg;
  bs_ctx *c = p->c;
  bs_ingest(c, slice, ingest_batch, p);
  bs_size(c, db_size(p), "pg_database_size after the ingest (no WAL)");
  exec(p, "ANALYZE events");
  all_lookups(p);
  prepare(p, "deep",
          "SELECT version, data FROM events WHERE id = $1 AND recorded <= $2"
          " ORDER BY recorded DESC, version DESC LIMIT 1",
          2);
  bs_deep_reads(c, deep_read, p);
  bs_timed(c, "ending_30d", c->heavy_runs, ending_30d, p, "prepared SQL");
  bs_timed(c, "penalties_year", c->heavy_runs, penalties, p,
           "prepared SQL, GROUP BY source");
  prepare(p, "repair", REPAIR, 2);
  bs_repairs(c, &p->cands, repair_batch, p);
  bs_backup(c, db_size(p) / 2, backup, p, "pg_dump -Fc + sync");
}

int bs_run_pg(bs_ctx *c) {
  static const bs_peer_fns fns = {build, measure};
  peer p = {.c = c};
  connect_db(&p);
  bs_run_peer(c, &p.gen, &p.cands, &fns, &p);
  PQfinish(p.db);
  free(p.buf);
  return 0;
}
