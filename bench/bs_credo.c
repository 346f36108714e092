/*
 * bs_credo.c -- credo embedded in bench_scale: builds the store of one
 * scale (typed C API, CREDO_OPEN_NOSYNC, batches of 10,000, then the
 * history pass and the deep histories), reopens it durable and measures
 * every workload through the typed C API, prepared CQL and CQL text.
 *
 * The handle runs on a clock the bench sets (bs.h timeline), so the
 * transaction times are the ones the SQL peers are given and "now" is
 * BS_T_NOW whatever the date of the run.
 *
 * Does not: start the server (run.sh does; bs_server.c measures it) or
 * remove the store (run.sh does, after the server workloads).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs.h"

static credo_time bench_clock;
static credo_time clock_fn(void *arg) {
  (void)arg;
  return bench_clock;
}

typedef struct peer {
  bs_ctx *c;
  credo *db;
  char path[1024];
  bs_gen *gen;
  bs_cands cands;
} peer;

static void check(peer *p, int rc, const char *what) {
  if (rc != CREDO_OK && rc != CREDO_ROW && rc != CREDO_DONE)
    bs_die(what, p->db ? credo_errmsg(p->db) : credo_strerror(rc));
}

/* BS_READAHEAD=1 opens with CREDO_OPEN_READAHEAD (the OS's readahead
 * on, LMDB's default), to measure what turning it off buys. */
static void open_store(peer *p, unsigned flags) {
  const char *ra = getenv("BS_READAHEAD");
  credo_options o = {.flags = flags, .map_size = (size_t)1 << 30};
  if (ra && strcmp(ra, "1") == 0)
    o.flags |= CREDO_OPEN_READAHEAD;
  if (credo_open(p->path, &o, &p->db) != CREDO_OK)
    bs_die("credo_open", p->db ? credo_errmsg(p->db) : p->path);
  credo_set_clock(p->db, clock_fn, NULL);
}

/* ------------------------------------------------------------- build */

static void build_schema(peer *p) {
  char id[19], name[160];
  uint64_t n = p->c->plan.subjects;
  int batch = p->c->plan.build_batch;
  bench_clock = BS_T_SUBJ - CREDO_USEC_PER_SEC;
  for (int t = 0; t < BS_NTYPES; t++)
    check(p,
          credo_create_type(p->db, BS_TYPES[t].name, BS_TYPES[t].publicity,
                            BS_TYPES[t].repairable),
          "create type");
  for (uint64_t i = 0; i < n; i++) {
    if (i % (uint64_t)batch == 0) {
      if (i)
        check(p, credo_commit(p->db), "commit");
      bench_clock = bs_tx(BS_T_SUBJ, i / (uint64_t)batch);
      check(p, credo_begin(p->db), "begin");
    }
    int person = bs_gen_subject(p->gen, i, id, name, sizeof name);
    check(p,
          credo_create_subject(
              p->db, id, person ? CREDO_KIND_PERSON : CREDO_KIND_ORG, name),
          "create subject");
  }
  check(p, credo_commit(p->db), "commit");
}

static void record(peer *p, const bs_event *e) {
  uint64_t id = 0;
  credo_record r = {e->subject_id,
                    BS_TYPES[e->type].name,
                    e->occurred,
                    CREDO_TIME_DEFAULT,
                    CREDO_TIME_DEFAULT,
                    BS_SOURCES[e->source],
                    e->ref,
                    e->data,
                    NULL};
  check(p, credo_record_event(p->db, &r, &id, NULL), "record");
  if (id != e->id)
    bs_die("record", "credo assigned an unexpected event id");
}

static void build_events(peer *p) {
  bs_event e;
  uint64_t batch = (uint64_t)p->c->plan.build_batch;
  for (uint64_t i = 0; i < p->c->plan.built; i++) {
    if (!bs_gen_next(p->gen, &e))
      bs_die("generator", "ran out of events");
    if (i % batch == 0) {
      if (i)
        check(p, credo_commit(p->db), "commit");
      bench_clock = bs_tx(BS_T_BUILD, i / batch);
      check(p, credo_begin(p->db), "begin");
    }
    record(p, &e);
    bs_cands_offer(&p->cands, &p->c->plan, &e);
  }
  check(p, credo_commit(p->db), "commit");
}

static int type_index(const char *name) {
  for (int t = 0; t < BS_NTYPES; t++)
    if (strcmp(BS_TYPES[t].name, name) == 0)
      return t;
  bs_die("type", name);
}

/* One fated event of the history pass. */
static void apply_fate(peer *p, uint64_t id, int fate) {
  credo_event ev;
  char data[512];
  check(p,
        credo_get_event(p->db, id, CREDO_TIME_NOW, CREDO_TIME_NOW,
                        CREDO_READ_HIDDEN, &ev),
        "get event");
  if (fate == BS_FATE_CORRECT) {
    bs_corrected(ev.data, data, sizeof data);
    credo_correction c = {.set = CREDO_SET_DATA, .data = data};
    check(p, credo_correct_event(p->db, id, &c, "异议处理: 更正"), "correct");
  } else if (fate == BS_FATE_REPAIR &&
             bs_repairable(type_index(ev.type), ev.public_from, ev.public_until,
                           BS_T_VERS)) {
    check(p, credo_repair_event(p->db, id, BS_T_VERS, "信用修复"), "repair");
  } else if (fate == BS_FATE_RETRACT) {
    check(p, credo_retract_event(p->db, id, "录入错误"), "retract");
  }
}

static void history_pass(peer *p) {
  uint64_t k = 0;
  for (uint64_t id = 1; id <= p->c->plan.built; id++) {
    int fate = bs_fate(&p->c->plan, id);
    if (fate == BS_FATE_NONE)
      continue;
    if (k % BS_VERS_BATCH == 0) {
      if (k)
        check(p, credo_commit(p->db), "commit");
      bench_clock = bs_tx(BS_T_VERS, k / BS_VERS_BATCH);
      check(p, credo_begin(p->db), "begin");
    }
    apply_fate(p, id, fate);
    k++;
  }
  if (k)
    check(p, credo_commit(p->db), "commit");
}

static void deep_pass(peer *p) {
  char data[128];
  for (int i = 0; i < 3; i++)
    for (int j = 2; j <= BS_DEEP_VERSIONS[i]; j++) {
      credo_correction c = {.set = CREDO_SET_DATA, .data = data};
      bs_deep_data(j, data, sizeof data);
      bench_clock = bs_deep_time(i, j);
      check(p, credo_correct_event(p->db, p->c->plan.deep[i], &c, "deep"),
            "deep correct");
    }
}

static void build(void *arg) {
  peer *p = arg;
  double t0 = bs_now();
  bs_fig f = {.note = "bulk path: typed API, NOSYNC, 10k per txn"};
  bs_log(&p->c->out, "building %llu events (%llu subjects)",
         (unsigned long long)p->c->plan.events,
         (unsigned long long)p->c->plan.subjects);
  open_store(p, CREDO_OPEN_NOSYNC);
  build_schema(p);
  build_events(p);
  history_pass(p);
  deep_pass(p);
  credo_close(p->db); /* LMDB syncs the environment at close */
  p->db = NULL;
  bs_fig_add(&f, bs_now() - t0);
  bs_emit(&p->c->out, "build", "s", &f);
}

/* ------------------------------------------------------------- ingest */

static void ingest_batch(void *arg, const bs_event *ev, size_t n, uint64_t k) {
  peer *p = arg;
  bench_clock = bs_tx(BS_T_SLICE, k);
  check(p, credo_begin(p->db), "begin");
  for (size_t i = 0; i < n; i++)
    record(p, &ev[i]);
  check(p, credo_commit(p->db), "commit");
}

/* ------------------------------------------------------------ look-ups */

static int count_cb(const credo_event *e, void *arg) {
  (void)e;
  ++*(uint64_t *)arg;
  return 0;
}

static void one_now(void *arg, const char *id, uint64_t *rows) {
  peer *p = arg;
  check(p,
        credo_subject_events(p->db, id, CREDO_TIME_NOW, CREDO_TIME_NOW, 0,
                             count_cb, rows),
        "subject events");
}

static void one_asof(void *arg, const char *id, uint64_t *rows) {
  peer *p = arg;
  check(p,
        credo_subject_events(p->db, id, BS_T_ASOF, CREDO_TIME_NOW, 0, count_cb,
                             rows),
        "subject events as of");
}

static void one_visible(void *arg, const char *id, uint64_t *rows) {
  peer *p = arg;
  check(p,
        credo_subject_events(p->db, id, CREDO_TIME_NOW, BS_T_VISIBLE, 0,
                             count_cb, rows),
        "subject events visible at");
}

#define COLS                                                                   \
  "id, subject, type, occurred, public_from, public_until, source, ref, "      \
  "data, version, recorded"

typedef struct prep {
  peer *p;
  credo_stmt *st;
} prep;

/* Every column with the accessor of its type, as the typed API hands
 * them over. */
static void one_prepared(void *arg, const char *id, uint64_t *rows) {
  credo_stmt *st = ((prep *)arg)->st;
  credo_reset(st);
  credo_bind_text(st, 1, id, -1);
  while (credo_step(st) == CREDO_ROW) {
    credo_column_int64(st, 0);
    credo_column_text(st, 1);
    credo_column_text(st, 2);
    for (int c = 3; c < 6; c++)
      credo_column_time(st, c);
    for (int c = 6; c < 9; c++)
      credo_column_text(st, c);
    credo_column_int64(st, 9);
    credo_column_time(st, 10);
    ++*rows;
  }
}

static int count_exec(void *arg, int n, const char *const *v,
                      const char *const *c) {
  (void)n, (void)v, (void)c;
  ++*(uint64_t *)arg;
  return 0;
}

static void one_text(void *arg, const char *id, uint64_t *rows) {
  peer *p = arg;
  char sql[512];
  snprintf(sql, sizeof sql, "SELECT " COLS " FROM events WHERE subject = '%s'",
           id);
  check(p, credo_exec(p->db, sql, count_exec, rows), "exec");
}

static void all_lookups(peer *p) {
  prep pr = {p, NULL};
  bs_lookups(p->c, p->gen, "lookup_now", one_now, p);
  check(p,
        credo_prepare(p->db, "SELECT " COLS " FROM events WHERE subject = ?",
                      -1, &pr.st, NULL),
        "prepare");
  bs_lookups(p->c, p->gen, "lookup_now_cql", one_prepared, &pr);
  credo_finalize(pr.st);
  bs_lookups(p->c, p->gen, "lookup_now_text", one_text, p);
  bs_lookups(p->c, p->gen, "lookup_asof", one_asof, p);
  bs_lookups(p->c, p->gen, "lookup_visible", one_visible, p);
}

/* ------------------------------------------------------ deep, whole store */

static int deep_read(void *arg, int i, uint64_t id) {
  peer *p = arg;
  credo_event e;
  check(p,
        credo_get_event(p->db, id, bs_deep_asof(i), CREDO_TIME_NOW,
                        CREDO_READ_HIDDEN, &e),
        "as-of read");
  return (int)e.version;
}

/* Runs a prepared statement with two time parameters; returns the sum of
 * column `sum_col` over the rows (or the row count when it is -1). */
static uint64_t run_two_times(peer *p, const char *sql, credo_time a,
                              credo_time b, int sum_col) {
  credo_stmt *st;
  uint64_t n = 0;
  int rc;
  check(p, credo_prepare(p->db, sql, -1, &st, NULL), "prepare");
  credo_bind_time(st, 1, a);
  credo_bind_time(st, 2, b);
  while ((rc = credo_step(st)) == CREDO_ROW)
    n += sum_col < 0 ? 1 : (uint64_t)credo_column_int64(st, sum_col);
  check(p, rc, "step");
  credo_finalize(st);
  return n;
}

static uint64_t ending_30d(void *arg, int run) {
  (void)run;
  return run_two_times(arg,
                       "SELECT id, subject, type, public_until FROM events "
                       "WHERE public_until >= ? AND public_until < ?",
                       BS_T_NOW, BS_T_NOW + 30 * BS_DAY, -1);
}

static uint64_t penalties(void *arg, int run) {
  (void)run;
  return run_two_times(
      arg,
      "SELECT source, count(*), sum(data.amount_wan) FROM events "
      "WHERE type IN ('penalty_minor', 'penalty_general', 'penalty_serious') "
      "AND occurred >= ? AND occurred < ? GROUP BY source INCLUDE HIDDEN",
      BS_T_YEAR0, BS_T_YEAR1, 1);
}

static uint64_t repair_batch(void *arg, const uint64_t *ids, size_t n,
                             credo_time t) {
  peer *p = arg;
  uint64_t done = 0;
  bench_clock = t;
  check(p, credo_begin(p->db), "begin");
  for (size_t i = 0; i < n; i++)
    done += credo_repair_event(p->db, ids[i], CREDO_TIME_NOW, "批量信用修复") ==
            CREDO_OK;
  check(p, credo_commit(p->db), "commit");
  return done;
}

static uint64_t backup(void *arg, int run) {
  peer *p = arg;
  char dest[1100];
  credo_backup_info info;
  snprintf(dest, sizeof dest, "%s/backup-%d", p->c->dir, run);
  check(p, credo_backup(p->db, dest, NULL, NULL), "backup");
  if (credo_backup_read(dest, &info, NULL, 0) != CREDO_OK)
    bs_die("backup", "no manifest");
  bs_rmrf(dest);
  return info.events;
}

static void measure(void *arg, const bs_event *slice) {
  peer *p = arg;
  bs_ctx *c = p->c;
  open_store(p, 0);
  bs_ingest(c, slice, ingest_batch, p);
  bs_size(c, bs_disk_bytes(p->path), "store directory after the ingest");
  bench_clock = BS_T_NOW;
  all_lookups(p);
  bs_deep_reads(c, deep_read, p);
  bs_timed(c, "ending_30d", c->heavy_runs, ending_30d, p,
           "prepared CQL, public now");
  bs_timed(c, "penalties_year", c->heavy_runs, penalties, p,
           "prepared CQL, GROUP BY source");
  bs_repairs(c, &p->cands, repair_batch, p);
  bs_backup(c, bs_disk_bytes(p->path), backup, p,
            "credo_backup: compacted copy + fsync + XXH3 + manifest");
  credo_close(p->db);
}

int bs_run_credo(bs_ctx *c) {
  static const bs_peer_fns fns = {build, measure};
  peer p = {.c = c};
  snprintf(p.path, sizeof p.path, "%s/store", c->dir);
  return bs_run_peer(c, &p.gen, &p.cands, &fns, &p);
}
