/*
 * exec_select.c -- SELECT and EXPLAIN: opening the source of a plan (an
 * event scan on its access path, or a cursor over subjects / types), the
 * read rules of AS OF / VISIBLE AT, WHERE filtering, projection, and the
 * streaming, sorted and grouped ways of producing rows.
 *
 * Invariants:
 *  - a SELECT reads one snapshot: one read transaction (or the handle's
 *    open scope) from its first step to DONE / reset / finalize;
 *  - a SELECT without ORDER BY, GROUP BY or DISTINCT holds one row at a
 *    time; ORDER BY ... LIMIT k holds k + OFFSET rows; GROUP BY one state
 *    per group; DISTINCT one key per distinct row;
 *  - a path key that evaluates to NULL matches nothing (st->empty).
 *
 * Does not: keep groups (exec_group.c) or buffered rows (exec_rows.c).
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "exec_int.h"

/* ------------------------------------------------------ event sources */

/* A path key as text copied into st->pk (offset *at); NULL -> empty. */
static int key_text(credo_stmt *st, const eng_expr *e, const char *what,
                    size_t *at) {
  eng_value v;
  int rc = eng_eval(&st->x, e, &v);
  if (rc != CREDO_OK)
    return rc;
  if (v.t == ENG_V_NULL) {
    st->empty = 1;
    return CREDO_OK;
  }
  if (v.t != ENG_V_TEXT)
    return eng_cql_err(st->db, CREDO_SEMANTIC, e->line, e->col,
                       "type mismatch: %s is TEXT, not %s", what,
                       eng_vtype_name(v.t));
  *at = st->pk.n;
  return eng_buf_put(&st->pk, v.u.s.p, v.u.s.n + 1) ? eng_exec_nomem(st->db)
                                                    : CREDO_OK;
}

static int key_type(credo_stmt *st, const eng_expr *e, uint32_t *id) {
  const eng_type *t;
  size_t at = 0;
  int rc = key_text(st, e, "type", &at);
  if (rc != CREDO_OK || st->empty)
    return rc;
  rc = eng_type_by_name(st->db, st->txn, st->pk.p + at, &t);
  if (rc == CREDO_NOTFOUND) {
    char msg[sizeof st->db->errmsg];
    memcpy(msg, st->db->errmsg, sizeof msg);
    return eng_cql_err(st->db, rc, e->line, e->col, "%s", msg);
  }
  if (rc == CREDO_OK)
    *id = t->id;
  return rc;
}

static int key_bounds(credo_stmt *st, eng_scan_spec *spec) {
  const eng_plan *p = st->plan;
  spec->until_lo = INT64_MIN;
  spec->until_hi = CREDO_TIME_OPEN;
  for (size_t i = 0; i < p->nbounds; i++) {
    eng_value v;
    credo_time t;
    int rc = eng_eval(&st->x, p->bounds[i].e, &v);
    if (rc == CREDO_OK && v.t == ENG_V_NULL) {
      st->empty = 1;
      return CREDO_OK;
    }
    if (rc != CREDO_OK ||
        (rc = eng_eval_time(&st->x, p->bounds[i].e, "public_until", &t)))
      return rc;
    switch (p->bounds[i].op) {
    case CQL_OP_GT:
      t = t == CREDO_TIME_OPEN ? t : t + 1;
      /* fall through */
    case CQL_OP_GE:
      spec->until_lo = t > spec->until_lo ? t : spec->until_lo;
      break;
    case CQL_OP_LE:
      t = t == CREDO_TIME_OPEN ? t : t + 1;
      /* fall through */
    default:
      if (spec->until_hi == CREDO_TIME_OPEN || t < spec->until_hi)
        spec->until_hi = t;
    }
  }
  if (spec->until_hi != CREDO_TIME_OPEN && spec->until_hi <= spec->until_lo)
    st->empty = 1;
  if (spec->until_lo == CREDO_TIME_OPEN && spec->until_hi == CREDO_TIME_OPEN)
    spec->until_lo = CREDO_TIME_OPEN; /* only open windows */
  return CREDO_OK;
}

/* Opens the event scan of st->plan in st->txn. */
int eng_exec_open_events(credo_stmt *st, credo_time as_of, credo_time vis,
                         unsigned flags) {
  const eng_plan *p = st->plan;
  eng_scan_spec spec = {
      .path = p->path, .as_of = as_of, .visible_at = vis, .flags = flags};
  size_t a1 = 0, a2 = 0;
  int rc = CREDO_OK;
  st->pk.n = 0;
  switch (p->path) {
  case ENG_PATH_ID: {
    eng_value v;
    if ((rc = eng_eval(&st->x, p->k1, &v)) != CREDO_OK)
      return rc;
    if (v.t == ENG_V_INT && v.u.i > 0)
      spec.id = (uint64_t)v.u.i;
    else if (v.t == ENG_V_INT || v.t == ENG_V_NULL)
      st->empty = 1;
    else
      return eng_cql_err(st->db, CREDO_SEMANTIC, p->k1->line, p->k1->col,
                         "type mismatch: id is INT, not %s",
                         eng_vtype_name(v.t));
    break;
  }
  case ENG_PATH_SOURCE_REF:
    if ((rc = key_text(st, p->k1, "source", &a1)) ||
        (rc = key_text(st, p->k2, "ref", &a2)))
      return rc;
    break;
  case ENG_PATH_SUBJECT:
    rc = key_text(st, p->k1, "subject", &a1);
    break;
  case ENG_PATH_TYPE:
    rc = key_type(st, p->k1, &spec.type_id);
    break;
  case ENG_PATH_UNTIL:
    rc = key_bounds(st, &spec);
    break;
  default:
    break;
  }
  if (rc != CREDO_OK || st->empty)
    return rc;
  if (p->path == ENG_PATH_SOURCE_REF) {
    spec.source = st->pk.p + a1;
    spec.ref = st->pk.p + a2;
  } else if (p->path == ENG_PATH_SUBJECT)
    spec.subject = st->pk.p + a1;
  return eng_scan_open(st->db, st->txn, &spec, &st->scan);
}

/* The next input row of a SELECT into st->x: CREDO_ROW / CREDO_DONE. */
static int pull(credo_stmt *st) {
  stor_val k, v;
  int rc;
  if (st->empty)
    return CREDO_DONE;
  if (ENG_ROWSET(st->plan->table))
    return eng_join_pull_sub(st);
  if (st->plan->table == CQL_TABLE_EVENTS) {
    rc = eng_scan_next(st->scan, &st->ev);
    st->x.ev = &st->ev;
    return rc;
  }
  rc = st->started_cursor ? stor_cursor_next(st->cur, &k, &v)
                          : stor_cursor_first(st->cur, &k, &v);
  st->started_cursor = 1;
  if (rc == CREDO_NOTFOUND)
    return CREDO_DONE;
  if (rc != CREDO_OK)
    return eng_err_stor(st->db, rc, "cannot read a row");
  if (st->plan->table == CQL_TABLE_SUBJECTS) {
    if (eng_subject_decode(k, v, &st->subj) != CREDO_OK)
      return eng_err(st->db, CREDO_CORRUPT, "a subject record is corrupt");
    st->x.subj = &st->subj;
    return CREDO_ROW;
  }
  if (eng_type_decode(k.data, v, &st->ty) != CREDO_OK)
    return eng_err(st->db, CREDO_CORRUPT, "a type record is corrupt");
  if ((rc = eng_retain_get(st->db, st->txn, st->ty.id, &st->ty.retain)))
    return rc;
  eng_type_info(&st->ty, &st->tinfo);
  st->x.ty = &st->tinfo;
  return CREDO_ROW;
}

int eng_exec_pull(credo_stmt *st) {
  return pull(st);
}

/* ------------------------------------------------------------ SELECT */

/* The next input row that passes WHERE (joins: exec_join.c). */
int eng_exec_next_filtered(credo_stmt *st) {
  int rc, tri;
  if (st->plan->join)
    return eng_join_next(st);
  for (;;) {
    eng_ectx_row(&st->x);
    if ((rc = pull(st)) != CREDO_ROW)
      return rc;
    if (!st->plan->where)
      return CREDO_ROW;
    /* WHERE compares the full id (the public role names it in full) */
    st->x.mask_subject = 0;
    rc = eng_eval_cond(&st->x, st->plan->where, &tri);
    st->x.mask_subject = st->plan->for_public;
    if (rc != CREDO_OK)
      return rc;
    if (tri == 1)
      return CREDO_ROW;
  }
}

/* Output values, then ORDER BY keys, into st->out. */
static int project(credo_stmt *st) {
  const eng_plan *p = st->plan;
  int rc;
  for (size_t i = 0; i < p->ncols; i++) {
    const eng_expr *c = p->cols[i];
    rc = c->kind == ENG_X_COL
             ? eng_column_value(ENG_TABX(&st->x, c), c->idx, &st->out[i])
             : eng_eval(&st->x, c, &st->out[i]);
    if (rc != CREDO_OK)
      return rc;
  }
  st->x.outv = st->out;
  for (size_t k = 0; k < p->norder; k++)
    if ((rc = eng_eval(&st->x, p->order[k], &st->out[p->ncols + k])))
      return rc;
  return CREDO_OK;
}

int eng_exec_stream_next(credo_stmt *st) {
  int rc, seen;
  for (;;) {
    if (st->has_limit && st->emitted >= st->limit)
      return CREDO_DONE;
    if ((rc = eng_exec_next_filtered(st)) != CREDO_ROW)
      return rc;
    if ((rc = project(st)) != CREDO_OK)
      return rc;
    if (st->plan->distinct) {
      if ((rc = eng_rows_seen(st, st->out, &seen)) != CREDO_OK)
        return rc;
      if (seen)
        continue;
    }
    if (st->skipped < st->offset) {
      st->skipped++;
      continue;
    }
    st->emitted++;
    st->row = st->out;
    return CREDO_ROW;
  }
}

/* Projects the current row into the sorter (DISTINCT first). */
int eng_exec_collect(credo_stmt *st) {
  int rc = project(st), seen = 0;
  if (rc == CREDO_OK && st->plan->distinct)
    rc = eng_rows_seen(st, st->out, &seen);
  if (rc != CREDO_OK || seen)
    return rc;
  return eng_rows_sort_add(st);
}

static int drain_sorted(credo_stmt *st) {
  int rc;
  while ((rc = eng_exec_next_filtered(st)) == CREDO_ROW)
    if ((rc = eng_exec_collect(st)) != CREDO_OK)
      return rc;
  if (rc != CREDO_DONE)
    return rc;
  eng_exec_read_end(st);
  eng_rows_window(st, 1);
  return CREDO_OK;
}

/* Positions the failure of a read rule at the clause that asked. */
static int read_rules(credo_stmt *st, credo_time as_of, credo_time vis,
                      credo_time *ra, credo_time *rv) {
  const eng_plan *p = st->plan;
  const eng_expr *at = p->as_of ? p->as_of : p->visible_at;
  int rc = eng_resolve_read(st->db, as_of, vis, p->flags, ra, rv);
  if (rc == CREDO_DENIED && at) {
    char msg[sizeof st->db->errmsg];
    memcpy(msg, st->db->errmsg, sizeof msg);
    return eng_cql_err(st->db, rc, at->line, at->col, "%s", msg);
  }
  if (rc == CREDO_OK && !p->as_of && !p->visible_at)
    *rv = st->x.now; /* the statement's one NOW */
  return rc;
}

static int open_source(credo_stmt *st) {
  const eng_plan *p = st->plan;
  credo_time as_of = CREDO_TIME_NOW, vis = CREDO_TIME_NOW, ra, rv;
  int rc;
  if (ENG_ROWSET(p->table)) /* rows materialized (exec_join.c) */
    return (rc = eng_exec_read_begin(st)) ? rc : eng_join_open(st);
  if (p->table != CQL_TABLE_EVENTS) {
    /* as credo_list_subjects: the public role sees events, not the list
     * of every subject (persons' ids and names) */
    if (p->table == CQL_TABLE_SUBJECTS &&
        (rc = eng_require(st->db, st->db->role != CREDO_ROLE_PUBLIC,
                          "list subjects")) != CREDO_OK)
      return eng_cql_err(st->db, rc, p->sel->table_pos.line,
                         p->sel->table_pos.column, "%s", credo_errmsg(st->db));
    if ((rc = eng_exec_read_begin(st)) != CREDO_OK)
      return rc;
    rc = stor_cursor_open(
        st->txn, p->table == CQL_TABLE_SUBJECTS ? STOR_SUBJECTS : STOR_TYPES,
        &st->cur);
    if (rc != CREDO_OK)
      return eng_err_stor(st->db, rc, "cannot read");
    return p->join ? eng_join_open(st) : CREDO_OK;
  }
  if ((p->as_of && (rc = eng_eval_time(&st->x, p->as_of, "AS OF", &as_of))) ||
      (p->visible_at &&
       (rc = eng_eval_time(&st->x, p->visible_at, "VISIBLE AT", &vis))))
    return rc;
  if ((rc = read_rules(st, as_of, vis, &ra, &rv)) != CREDO_OK ||
      (rc = eng_exec_read_begin(st)) != CREDO_OK)
    return rc;
  st->x.as_of = ra;
  st->read_vis = rv;
  if (p->as_of)
    eng_notice_as_of(st, ra);
  if ((rc = eng_exec_open_events(st, ra, rv, p->flags)) != CREDO_OK)
    return rc;
  return p->join ? eng_join_open(st) : CREDO_OK;
}

int eng_exec_select(credo_stmt *st) {
  const eng_plan *p = st->plan;
  size_t n = p->ncols + p->norder + p->nkeys + p->naggs + 1;
  int rc;
  eng_exec_ectx_start(st, p->table);
  if (!st->out && !(st->out = calloc(n, sizeof *st->out)))
    return eng_exec_nomem(
        st->db); /* kept across runs; freed with the statement */
  if (p->limit) {
    st->has_limit = 1;
    if ((rc = eng_exec_count(st, p->limit, "LIMIT", &st->limit)) != CREDO_OK)
      return rc;
  }
  if (p->offset &&
      (rc = eng_exec_count(st, p->offset, "OFFSET", &st->offset)) != CREDO_OK)
    return rc;
  st->heap = p->norder && st->has_limit;
  if (st->db->role == CREDO_ROLE_PUBLIC && !p->for_public)
    return eng_err(st->db, CREDO_DENIED,
                   "permission denied: the statement was prepared for "
                   "another role; prepare it again as role public");
  st->x.mask_subject = p->for_public && p->table == CQL_TABLE_EVENTS;
  if (p->join && (rc = eng_join_materialize(st)) != CREDO_OK)
    return rc;
  if ((rc = open_source(st)) != CREDO_OK)
    return rc;
  if (p->grouped)
    return eng_exec_drain_grouped(st);
  if (p->norder)
    return drain_sorted(st);
  st->streaming = 1;
  return CREDO_OK;
}

static int explain_line(void *arg, const char *text) {
  credo_stmt *st = arg;
  eng_value v = eng_v_text(text, strlen(text));
  return eng_rows_push(st, &v, 1);
}

int eng_exec_explain(credo_stmt *st) {
  char why[160];
  int rc = eng_exec_read_begin(st);
  if (rc == CREDO_OK)
    rc = eng_plan_explain(st->db, st->txn, st->plan, explain_line, st);
  if (rc == CREDO_OK && st->plan->grouped) {
    eng_batch_explain(st, why, sizeof why); /* exec_batch.c */
    rc = explain_line(st, why);
  }
  eng_exec_read_end(st);
  return rc;
}
