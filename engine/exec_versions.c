/*
 * exec_versions.c -- the rows of the `versions` table: every version of
 * every event, in (event id, version) order, for SELECT ... FROM versions.
 *
 * How: the older versions live in the `versions` B-tree keyed (event id,
 * recorded, version number), the latest in `events` keyed by event id
 * (docs/storage.md). Both are walked once, side by side, and merged by
 * event id: an event's older versions come before its latest. With a
 * top-level `id = c` (the plan's id path) both cursors seek to that event
 * and stop after it.
 *
 * Invariants: the rows are read in the statement's one read transaction;
 * the cursors are closed by eng_exec_read_end (through eng_versions_close)
 * before it ends. Role rule: the public role may not read it (it shows
 * repaired, corrected and retracted content, which HISTORY also refuses
 * to that role); every other role reads all of it, as HISTORY OF EVENT.
 * Erased events have no versions left (ERASE deletes them; their
 * tombstones are in HISTORY OF EVENT and SHOW ERASURES, not here).
 *
 * Does not: filter, project or sort (exec_select.c does, as for events).
 */
#include <stdlib.h>

#include "codec.h"
#include "exec_int.h"
#include "keys.h"

struct eng_vscan {
  stor_cursor *vcur;   /* the versions B-tree (older versions) */
  int started;         /* both cursors positioned once */
  int have_e, have_v;  /* each cursor is on a row of the scan */
  uint64_t id_e, id_v; /* their event ids */
  stor_val val_e, val_v;
  uint64_t only; /* the id path's event; 0 for all */
};

void eng_versions_close(credo_stmt *st) {
  if (!st->vscan)
    return;
  stor_cursor_close(st->vscan->vcur);
  free(st->vscan);
  st->vscan = NULL;
}

/* The id of the id path, or 0 when it matches nothing (st->empty). */
static int path_id(credo_stmt *st, uint64_t *id) {
  const eng_expr *k = st->plan->k1;
  eng_value v;
  int rc = eng_eval(&st->x, k, &v);
  *id = 0;
  if (rc != CREDO_OK)
    return rc;
  if (v.t == ENG_V_INT && v.u.i > 0)
    *id = (uint64_t)v.u.i;
  else if (v.t == ENG_V_INT || v.t == ENG_V_NULL)
    st->empty = 1;
  else
    return eng_cql_err(st->db, CREDO_SEMANTIC, k->line, k->col,
                       "type mismatch: id is INT, not %s", eng_vtype_name(v.t));
  return CREDO_OK;
}

int eng_versions_check(credo *db, const eng_plan *p) {
  int rc;
  if (p->table != CQL_TABLE_VERSIONS || !p->sel)
    return CREDO_OK;
  rc = eng_require(db, db->role != CREDO_ROLE_PUBLIC,
                   "read versions (the history of events)");
  if (rc != CREDO_OK)
    return eng_cql_err(db, rc, p->sel->table_pos.line, p->sel->table_pos.column,
                       "%s", credo_errmsg(db));
  return CREDO_OK;
}

int eng_versions_open(credo_stmt *st) {
  const eng_plan *p = st->plan;
  int rc = eng_versions_check(st->db, p); /* the role may have changed */
  if (rc != CREDO_OK)
    return rc;
  if (!(st->vscan = calloc(1, sizeof *st->vscan)))
    return eng_exec_nomem(st->db);
  st->x.as_of = CREDO_TIME_OPEN; /* subject_name: the subject's name now */
  if (p->path == ENG_PATH_ID &&
      ((rc = path_id(st, &st->vscan->only)) != CREDO_OK || st->empty))
    return rc;
  if ((rc = eng_exec_read_begin(st)) != CREDO_OK)
    return rc;
  if ((rc = stor_cursor_open(st->txn, STOR_EVENTS, &st->cur)) != CREDO_OK ||
      (rc = stor_cursor_open(st->txn, STOR_VERSIONS, &st->vscan->vcur)))
    return eng_err_stor(st->db, rc, "cannot read versions");
  return CREDO_OK;
}

/* Takes the result of a cursor move into (*have, *id, *val). */
static int took(credo_stmt *st, int rc, stor_val key, size_t klen, int *have,
                uint64_t *id) {
  *have = 0;
  if (rc == CREDO_NOTFOUND)
    return CREDO_OK;
  if (rc != CREDO_OK)
    return eng_err_stor(st->db, rc, "cannot read versions");
  if (key.len != klen)
    return eng_err(st->db, CREDO_CORRUPT, "a versions key is corrupt");
  *id = stor_dec_u64(key.data);
  *have = !st->vscan->only || *id == st->vscan->only;
  return CREDO_OK;
}

/* Moves one of the two merged cursors (the events table's or the
 * versions table's: `cur`, its value in *val, its key length klen) to
 * its first entry (of event s->only, when set) or its next one. */
static int step(credo_stmt *st, stor_cursor *cur, int first, stor_val *val,
                size_t klen, int *have, uint64_t *id) {
  stor_val key = {0};
  stor_key k;
  int rc;
  stor_key_init(&k);
  stor_key_u64(&k, st->vscan->only);
  rc = !first            ? stor_cursor_next(cur, &key, val)
       : st->vscan->only ? stor_cursor_seek(cur, stor_key_val(&k), &key, val)
                         : stor_cursor_first(cur, &key, val);
  return took(st, rc, key, klen, have, id);
}

static int step_e(credo_stmt *st, int first) {
  struct eng_vscan *s = st->vscan;
  return step(st, st->cur, first, &s->val_e, ENG_K_EVENTS_LEN, &s->have_e,
              &s->id_e);
}

static int step_v(credo_stmt *st, int first) {
  struct eng_vscan *s = st->vscan;
  return step(st, s->vcur, first, &s->val_v, ENG_K_VER_LEN, &s->have_v,
              &s->id_v);
}

/* Decodes version record `val` of event `id` into st->ev. */
static int to_row(credo_stmt *st, uint64_t id, stor_val val) {
  eng_version v;
  int rc = eng_version_decode(val, &v);
  if (rc != CREDO_OK)
    return eng_err(st->db, rc, "event %llu has a corrupt version",
                   (unsigned long long)id);
  if ((rc = eng_version_to_event(st->db, st->txn, id, &v, st->x.now,
                                 &st->ev)) != CREDO_OK)
    return rc;
  st->x.ev = &st->ev;
  return CREDO_ROW;
}

int eng_versions_next(credo_stmt *st) {
  struct eng_vscan *s = st->vscan;
  int rc;
  if (st->empty || !s)
    return CREDO_DONE;
  if (!s->started) {
    s->started = 1;
    if ((rc = step_e(st, 1)) != CREDO_OK || (rc = step_v(st, 1)) != CREDO_OK)
      return rc;
  }
  if (s->have_v && (!s->have_e || s->id_v <= s->id_e)) {
    uint64_t id = s->id_v;
    stor_val val = s->val_v;
    if ((rc = step_v(st, 0)) != CREDO_OK)
      return rc;
    return to_row(st, id, val); /* LMDB values stay valid in the txn */
  }
  if (s->have_e) {
    uint64_t id = s->id_e;
    stor_val val = s->val_e;
    if ((rc = step_e(st, 0)) != CREDO_OK)
      return rc;
    return to_row(st, id, val);
  }
  return CREDO_DONE;
}

int eng_versions_estimate(credo *db, stor_txn *txn, int one, uint64_t *rows) {
  uint64_t e = 0, v = 0;
  int rc;
  if ((rc = stor_count(txn, STOR_EVENTS, &e)) != CREDO_OK ||
      (rc = stor_count(txn, STOR_VERSIONS, &v)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot count rows");
  /* one event: its share of the versions, at least its latest */
  *rows = one ? (e ? (e + v) / e : 1) : e + v;
  return CREDO_OK;
}
