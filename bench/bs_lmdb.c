/*
 * bs_lmdb.c -- raw LMDB in bench_scale: the floor an LMDB engine pays.
 * It writes, per event, the entries credo writes (docs/storage.md: the
 * event record of the same layout and size, subj_events with its 17-byte
 * publicity payload, type_events, until_events, source_ref with its
 * probe, the subject check, the id counter; superseded versions moved to
 * `versions`) and reads on a look-up what credo reads (the subject's
 * index range, the payload, one get per event it keeps).
 *
 * What it skips is the engine: no JSON canonicalization, no checks of
 * ids, windows or roles, no CQL, no temporal reads (AS OF / VISIBLE AT
 * and the aggregates are not measured on this peer).
 *
 * Does not: anything credo's storage layer does beyond these puts and
 * gets (write log, gate, map growth: the map is sized up front).
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bs.h"

enum { META, SUBJECTS, EVENTS, VERSIONS, SUBJ_EV, TYPE_EV, SREF, UNTIL, NDBI };
static const char *const DBI_NAMES[NDBI] = {
    "meta",        "subjects",    "events",     "versions",
    "subj_events", "type_events", "source_ref", "until_events"};

typedef struct peer {
  bs_ctx *c;
  MDB_env *env;
  MDB_dbi dbi[NDBI];
  MDB_txn *txn, *rtxn; /* write; reused read (reset/renew, as credo) */
  MDB_cursor *rcur;
  char path[1024];
  bs_gen *gen;
  credo_time tx; /* transaction time of the open write txn */
  uint64_t next_id;
} peer;

static void ok(int rc, const char *what) {
  if (rc != MDB_SUCCESS)
    bs_die(what, mdb_strerror(rc));
}

static void open_env(peer *p, unsigned flags) {
  MDB_txn *t;
  size_t map = (size_t)p->c->plan.events * 2048 + ((size_t)1 << 30);
  mkdir(p->path, 0755);
  ok(mdb_env_create(&p->env), "mdb_env_create");
  ok(mdb_env_set_maxdbs(p->env, NDBI + 2), "maxdbs");
  ok(mdb_env_set_mapsize(p->env, map), "mapsize");
  /* the flags credo opens with (storage/stor.c): no readahead */
  ok(mdb_env_open(p->env, p->path, MDB_NOTLS | MDB_NORDAHEAD | flags, 0600),
     "mdb_env_open");
  ok(mdb_txn_begin(p->env, NULL, 0, &t), "begin");
  for (int i = 0; i < NDBI; i++)
    ok(mdb_dbi_open(t, DBI_NAMES[i], MDB_CREATE, &p->dbi[i]), "dbi");
  ok(mdb_txn_commit(t), "commit");
}

static void begin(peer *p, credo_time tx) {
  ok(mdb_txn_begin(p->env, NULL, 0, &p->txn), "begin");
  p->tx = tx;
}

static void commit(peer *p) {
  ok(mdb_txn_commit(p->txn), "commit");
  p->txn = NULL;
}

static void put(peer *p, int d, const void *k, size_t kl, const void *v,
                size_t vl) {
  MDB_val key = {kl, (void *)k}, val = {vl, (void *)v};
  ok(mdb_put(p->txn, p->dbi[d], &key, &val, 0), "mdb_put");
}

static int get(peer *p, int d, const void *k, size_t kl, MDB_val *v) {
  MDB_val key = {kl, (void *)k};
  int rc = mdb_get(p->txn, p->dbi[d], &key, v);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
    bs_die("mdb_get", mdb_strerror(rc));
  return rc == MDB_SUCCESS;
}

/* ------------------------------------------------------------ encoding */

static void be64(unsigned char *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8)
    p[i] = (unsigned char)v;
}
static void flip64(unsigned char *p, int64_t v) {
  be64(p, (uint64_t)v ^ (UINT64_C(1) << 63));
}
static void le64(unsigned char *p, int64_t v) {
  memcpy(p, &v, 8); /* x86-64: little-endian */
}
static int64_t unflip64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = v << 8 | p[i];
  return (int64_t)(v ^ (UINT64_C(1) << 63));
}
static int64_t rd64(const unsigned char *p) {
  int64_t v;
  memcpy(&v, p, 8);
  return v;
}

/* The event record of docs/storage.md (offsets 0..60, then strings). */
static size_t encode_event(const bs_event *e, credo_time tx, int op,
                           int retracted, uint32_t version, credo_time until,
                           const char *data, unsigned char *v) {
  const char *s[6] = {e->subject_id, BS_SOURCES[e->source], e->ref, "local", "",
                      data};
  size_t off = 60;
  uint32_t u32;
  uint16_t len;
  memset(v, 0, 60);
  v[0] = 1, v[1] = (unsigned char)op, v[2] = (unsigned char)retracted;
  u32 = (uint32_t)e->type + 1, memcpy(v + 4, &u32, 4);
  memcpy(v + 8, &version, 4);
  u32 = (uint32_t)strlen(data), memcpy(v + 12, &u32, 4);
  le64(v + 16, tx), le64(v + 24, e->occurred), le64(v + 32, e->from);
  le64(v + 40, until);
  for (int i = 0; i < 6; i++) {
    size_t l = strlen(s[i]);
    if (i < 5)
      len = (uint16_t)l, memcpy(v + 48 + 2 * i, &len, 2);
    memcpy(v + off, s[i], l + 1);
    off += l + 1;
  }
  return off;
}

static void subj_payload(unsigned char *pl, int retracted, credo_time from,
                         credo_time until) {
  pl[0] = (unsigned char)retracted;
  le64(pl + 1, from);
  le64(pl + 9, until);
}

/* ------------------------------------------------------------- writes */

static void put_subject(peer *p, const char *id, int person, const char *name,
                        credo_time created) {
  unsigned char v[600];
  uint16_t len = (uint16_t)strlen(name);
  v[0] = 1, v[1] = person ? 2 : 1;
  memcpy(v + 2, &len, 2);
  le64(v + 4, created);
  memcpy(v + 12, name, (size_t)len + 1);
  put(p, SUBJECTS, id, strlen(id) + 1, v, 12 + (size_t)len + 1);
}

static void put_indexes(peer *p, const bs_event *e, uint64_t id) {
  unsigned char k[64], pl[17];
  size_t sl = strlen(e->subject_id) + 1;
  memcpy(k, e->subject_id, sl);
  be64(k + sl, id);
  subj_payload(pl, 0, e->from, e->until);
  put(p, SUBJ_EV, k, sl + 8, pl, sizeof pl);
  k[0] = 0, k[1] = 0, k[2] = 0, k[3] = (unsigned char)(e->type + 1);
  be64(k + 4, id);
  put(p, TYPE_EV, k, 12, "", 0);
  flip64(k, e->until);
  be64(k + 8, id);
  put(p, UNTIL, k, 16, "", 0);
}

/* credo_record_event's key/value work for one new event. */
static void record(peer *p, const bs_event *e) {
  unsigned char k[300], v[1024], idb[8];
  size_t sl = strlen(BS_SOURCES[e->source]) + 1, rl = strlen(e->ref) + 1, n;
  MDB_val got;
  uint64_t id = p->next_id++;
  if (!get(p, SUBJECTS, e->subject_id, strlen(e->subject_id) + 1, &got))
    bs_die("record", "unknown subject");
  memcpy(k, BS_SOURCES[e->source], sl);
  memcpy(k + sl, e->ref, rl);
  if (get(p, SREF, k, sl + rl, &got))
    bs_die("record", "duplicate (source, ref)");
  be64(idb, id);
  put(p, SREF, k, sl + rl, idb, 8);
  n = encode_event(e, p->tx, CREDO_OP_RECORD, 0, 1, e->until, e->data, v);
  put(p, EVENTS, idb, 8, v, n);
  put_indexes(p, e, id);
  be64(idb, p->next_id);
  put(p, META, "next_event", 10, idb, 8);
}

static void build_subjects(peer *p) {
  char id[19], name[160];
  uint64_t b = (uint64_t)p->c->plan.build_batch;
  for (uint64_t i = 0; i < p->c->plan.subjects; i++) {
    if (i % b == 0) {
      if (i)
        commit(p);
      begin(p, bs_tx(BS_T_SUBJ, i / b));
    }
    int person = bs_gen_subject(p->gen, i, id, name, sizeof name);
    put_subject(p, id, person, name, p->tx);
  }
  commit(p);
}

static void build_events(peer *p) {
  bs_event e;
  uint64_t b = (uint64_t)p->c->plan.build_batch;
  for (uint64_t i = 0; i < p->c->plan.built; i++) {
    if (!bs_gen_next(p->gen, &e))
      bs_die("generator", "ran out of events");
    if (i % b == 0) {
      if (i)
        commit(p);
      begin(p, bs_tx(BS_T_BUILD, i / b));
    }
    record(p, &e);
  }
  commit(p);
}

/* -------------------------------------------------------------- history */

static void be32(unsigned char *p, uint32_t v) {
  for (int i = 3; i >= 0; i--, v >>= 8)
    p[i] = (unsigned char)v;
}

/* Copies the current record of `id` into old[] and moves it to
 * `versions` under (id, recorded, version). Returns its size. */
static size_t move_to_versions(peer *p, uint64_t id, unsigned char *old,
                               size_t cap) {
  unsigned char k[20];
  MDB_val got;
  uint32_t ver;
  be64(k, id);
  if (!get(p, EVENTS, k, 8, &got) || got.mv_size > cap)
    bs_die("version", "event not found");
  memcpy(old, got.mv_data, got.mv_size);
  memcpy(&ver, old + 8, 4);
  flip64(k + 8, rd64(old + 16));
  be32(k + 16, ver);
  put(p, VERSIONS, k, 20, old, got.mv_size);
  return got.mv_size;
}

/* The next version of record old[0..n): data replaced when given. */
static size_t next_record(peer *p, const unsigned char *old, size_t n, int op,
                          int retracted, credo_time until, const char *data,
                          unsigned char *v) {
  uint32_t ver, dl;
  size_t head;
  memcpy(&ver, old + 8, 4);
  memcpy(&dl, old + 12, 4);
  head = n - dl - 1;
  memcpy(v, old, head);
  if (!data)
    data = (const char *)old + head;
  dl = (uint32_t)strlen(data);
  memcpy(v + head, data, (size_t)dl + 1);
  memcpy(v + 12, &dl, 4);
  ver++;
  memcpy(v + 8, &ver, 4);
  v[1] = (unsigned char)op, v[2] = (unsigned char)retracted;
  le64(v + 16, p->tx);
  le64(v + 40, until);
  return head + dl + 1;
}

/* Appends a version to event `id` (op, retracted, until, data or NULL to
 * keep it); the subject payload and the until index follow. */
static void new_version(peer *p, uint64_t id, int op, int retracted,
                        credo_time until, const char *data) {
  unsigned char old[1024], v[1024], k[64], pl[17];
  size_t n = move_to_versions(p, id, old, sizeof old), sl;
  n = next_record(p, old, n, op, retracted, until, data, v);
  be64(k, id);
  put(p, EVENTS, k, 8, v, n);
  sl = strlen((char *)v + 60) + 1;
  memcpy(k, v + 60, sl);
  be64(k + sl, id);
  subj_payload(pl, retracted, rd64(v + 32), until);
  put(p, SUBJ_EV, k, sl + 8, pl, sizeof pl);
  if (until != rd64(old + 40)) {
    flip64(k, until);
    be64(k + 8, id);
    put(p, UNTIL, k, 16, "", 0);
  }
}

static void apply_fate(peer *p, uint64_t id, int fate) {
  unsigned char k[8];
  char data[512];
  MDB_val got;
  const unsigned char *v;
  uint32_t type, dl;
  be64(k, id);
  if (!get(p, EVENTS, k, 8, &got))
    bs_die("history", "event not found");
  v = got.mv_data;
  memcpy(&type, v + 4, 4);
  memcpy(&dl, v + 12, 4);
  if (fate == BS_FATE_CORRECT) {
    bs_corrected((const char *)v + got.mv_size - dl - 1, data, sizeof data);
    new_version(p, id, CREDO_OP_CORRECT, 0, rd64(v + 40), data);
  } else if (fate == BS_FATE_REPAIR &&
             bs_repairable((int)type - 1, rd64(v + 32), rd64(v + 40),
                           BS_T_VERS)) {
    new_version(p, id, CREDO_OP_REPAIR, 0, BS_T_VERS, NULL);
  } else if (fate == BS_FATE_RETRACT) {
    new_version(p, id, CREDO_OP_RETRACT, 1, rd64(v + 40), NULL);
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
        commit(p);
      begin(p, bs_tx(BS_T_VERS, k / BS_VERS_BATCH));
    }
    apply_fate(p, id, fate);
    k++;
  }
  if (k)
    commit(p);
}

static void deep_pass(peer *p) {
  char data[128];
  unsigned char k[8];
  MDB_val got;
  for (int i = 0; i < 3; i++)
    for (int j = 2; j <= BS_DEEP_VERSIONS[i]; j++) {
      bs_deep_data(j, data, sizeof data);
      begin(p, bs_deep_time(i, j));
      be64(k, p->c->plan.deep[i]);
      if (!get(p, EVENTS, k, 8, &got))
        bs_die("deep", "event not found");
      new_version(p, p->c->plan.deep[i], CREDO_OP_CORRECT, 0,
                  rd64((const unsigned char *)got.mv_data + 40), data);
      commit(p);
    }
}

static void build(void *arg) {
  peer *p = arg;
  double t0 = bs_now();
  bs_fig f = {.note = "MDB_NOSYNC, 10k per txn, then mdb_env_sync"};
  bs_log(&p->c->out, "building %llu events",
         (unsigned long long)p->c->plan.events);
  open_env(p, MDB_NOSYNC);
  p->next_id = 1;
  build_subjects(p);
  build_events(p);
  history_pass(p);
  deep_pass(p);
  ok(mdb_env_sync(p->env, 1), "sync");
  mdb_env_close(p->env);
  bs_fig_add(&f, bs_now() - t0);
  bs_emit(&p->c->out, "build", "s", &f);
}

/* ---------------------------------------------------------- workloads */

static void ingest_batch(void *arg, const bs_event *ev, size_t n, uint64_t k) {
  peer *p = arg;
  begin(p, bs_tx(BS_T_SLICE, k));
  for (size_t i = 0; i < n; i++)
    record(p, &ev[i]);
  commit(p);
}

static int public_now(const unsigned char *pl) {
  return !(pl[0] & 1) && rd64(pl + 1) <= BS_T_NOW && BS_T_NOW < rd64(pl + 9);
}

/* A read of the record as credo's does (fields of the header). */
static void touch(const MDB_val *v, uint64_t *rows) {
  const unsigned char *r = v->mv_data;
  if (v->mv_size > 60 && r[0] == 1 && rd64(r + 24) != 0)
    ++*rows;
}

/* The reused read transaction and subject cursor (reset / renew). */
static void read_begin(peer *p) {
  if (!p->rtxn) {
    ok(mdb_txn_begin(p->env, NULL, MDB_RDONLY, &p->rtxn), "begin");
    ok(mdb_cursor_open(p->rtxn, p->dbi[SUBJ_EV], &p->rcur), "cursor");
    return;
  }
  ok(mdb_txn_renew(p->rtxn), "renew");
  ok(mdb_cursor_renew(p->rtxn, p->rcur), "cursor renew");
}

static void one_now(void *arg, const char *sid, uint64_t *rows) {
  peer *p = arg;
  unsigned char k[32];
  size_t sl = strlen(sid) + 1;
  MDB_val key = {sl, k}, val, ek, ev;
  memcpy(k, sid, sl);
  read_begin(p);
  for (int rc = mdb_cursor_get(p->rcur, &key, &val, MDB_SET_RANGE);
       rc == 0 && key.mv_size == sl + 8 && memcmp(key.mv_data, k, sl) == 0;
       rc = mdb_cursor_get(p->rcur, &key, &val, MDB_NEXT)) {
    if (val.mv_size == 17 && !public_now(val.mv_data))
      continue;
    ek = (MDB_val){8, (char *)key.mv_data + sl};
    if (mdb_get(p->rtxn, p->dbi[EVENTS], &ek, &ev) == 0)
      touch(&ev, rows);
  }
  mdb_txn_reset(p->rtxn);
}

/* Events public now whose window ends in the next 30 days: the until
 * range, each candidate's record checked (the index is a superset). */
static uint64_t ending_30d(void *arg, int run) {
  peer *p = arg;
  unsigned char lo[16], hi[16];
  MDB_txn *t;
  MDB_cursor *cur;
  MDB_val key = {16, lo}, val, ek, ev;
  uint64_t n = 0;
  (void)run;
  flip64(lo, BS_T_NOW), memset(lo + 8, 0, 8);
  flip64(hi, BS_T_NOW + 30 * BS_DAY), memset(hi + 8, 0, 8);
  ok(mdb_txn_begin(p->env, NULL, MDB_RDONLY, &t), "begin");
  ok(mdb_cursor_open(t, p->dbi[UNTIL], &cur), "cursor");
  for (int rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
       rc == 0 && memcmp(key.mv_data, hi, 16) < 0;
       rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
    const unsigned char *kd = key.mv_data, *r;
    ek = (MDB_val){8, (char *)kd + 8};
    if (mdb_get(t, p->dbi[EVENTS], &ek, &ev) != 0)
      continue;
    r = ev.mv_data;
    n += rd64(r + 40) == unflip64(kd) && !(r[2] & 1) &&
         rd64(r + 32) <= BS_T_NOW && BS_T_NOW < rd64(r + 40);
  }
  mdb_cursor_close(cur);
  mdb_txn_abort(t);
  return n;
}

static uint64_t backup(void *arg, int run) {
  peer *p = arg;
  char dest[1100], file[1200];
  snprintf(dest, sizeof dest, "%s/backup-%d", p->c->dir, run);
  snprintf(file, sizeof file, "%s/data.mdb", dest);
  mkdir(dest, 0755);
  ok(mdb_env_copy2(p->env, dest, MDB_CP_COMPACT), "mdb_env_copy2");
  bs_fsync_path(file);
  bs_rmrf(dest);
  return p->c->plan.events;
}

static void measure(void *arg, const bs_event *slice) {
  peer *p = arg;
  bs_ctx *c = p->c;
  open_env(p, 0);
  p->next_id = c->plan.built + 1;
  bs_ingest(c, slice, ingest_batch, p);
  bs_size(c, bs_disk_bytes(p->path), "store directory after the ingest");
  bs_lookups(c, p->gen, "lookup_now", one_now, p);
  if (p->rtxn)
    mdb_txn_abort(p->rtxn);
  bs_timed(c, "ending_30d", c->heavy_runs, ending_30d, p,
           "until range + record check");
  bs_backup(c, bs_disk_bytes(p->path), backup, p,
            "mdb_env_copy2 compact + fsync");
  mdb_env_close(p->env);
}

int bs_run_lmdb(bs_ctx *c) {
  static const bs_peer_fns fns = {build, measure};
  peer p = {.c = c};
  snprintf(p.path, sizeof p.path, "%s/store", c->dir);
  return bs_run_peer(c, &p.gen, NULL, &fns, &p);
}
