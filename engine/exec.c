/*
 * exec.c -- running CQL statements: SELECT (streaming, top-k ORDER BY,
 * GROUP BY / HAVING / DISTINCT), EXPLAIN, HISTORY, the writes (RECORD,
 * CORRECT, REPAIR, REPAIR EVENTS WHERE, RETRACT, CREATE TYPE / SUBJECT /
 * USER, ALTER / DROP USER), SHOW, SET TIME ZONE and BEGIN / COMMIT /
 * ROLLBACK.
 *
 * Invariants:
 *  - reads go through the engine's scans (eng_scan_*) with the read rules
 *    resolved by eng_resolve_read, and writes through the public typed
 *    functions (credo_record_event, ...), so CQL and the C API share one
 *    implementation of every rule, role check included;
 *  - a SELECT reads one snapshot: one read transaction (or the handle's
 *    open scope) from its first step to DONE / reset / finalize;
 *  - a SELECT without ORDER BY, GROUP BY or DISTINCT holds one row at a
 *    time; ORDER BY ... LIMIT k holds k + OFFSET rows; GROUP BY one state
 *    per group; DISTINCT one key per distinct row;
 *  - a write statement runs in a statement scope (eng_write_scope_begin)
 *    and never leaves partial writes: outside BEGIN the scope aborts;
 *    inside BEGIN, a statement that fails after it wrote rolls the
 *    transaction back and says so;
 *  - NOW, LIMIT, OFFSET, AS OF and VISIBLE AT are evaluated once per run.
 *
 * Does not: parse (parser/), compile expressions (expr.c), pick paths
 * (plan.c) or manage bindings and column access (stmt.c).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "codec.h"
#include "exec.h"
#include "users.h"

/* ------------------------------------------------------ result columns */

static const char *const HIST_NAMES[] = {
    "id",           "subject", "type",   "occurred", "public_from",
    "public_until", "source",  "ref",    "data",     "version",
    "recorded",     "actor",   "public", "op",       "reason"};
static const int HIST_DECL[] = {
    CREDO_T_INT,  CREDO_T_TEXT, CREDO_T_TEXT, CREDO_T_TIME, CREDO_T_TIME,
    CREDO_T_TIME, CREDO_T_TEXT, CREDO_T_TEXT, CREDO_T_JSON, CREDO_T_INT,
    CREDO_T_TIME, CREDO_T_TEXT, CREDO_T_BOOL, CREDO_T_TEXT, CREDO_T_TEXT};
static const int HIST_COLS[] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, ENG_EV_OP, ENG_EV_REASON};
#define HIST_N 15

static const char *const ID_NAMES[] = {"id", "result", "detail"};
static const int ID_DECL[] = {CREDO_T_INT, CREDO_T_TEXT, CREDO_T_TEXT};
static const char *const PLAN_NAMES[] = {"plan"};
static const int TEXT_DECL[] = {CREDO_T_TEXT, CREDO_T_TEXT};
static const char *const TYPE_NAMES[] = {"name", "id", "publicity",
                                         "repairable_after", "created"};
static const int TYPE_DECL[] = {CREDO_T_TEXT, CREDO_T_INT, CREDO_T_TEXT,
                                CREDO_T_TEXT, CREDO_T_TIME};
static const char *const STAT_NAMES[] = {"name", "value"};
static const int STAT_DECL[] = {CREDO_T_TEXT, CREDO_T_NULL};
static const char *const USER_NAMES[] = {"name", "role", "created"};
static const int USER_DECL[] = {CREDO_T_TEXT, CREDO_T_TEXT, CREDO_T_TIME};

static void set_cols(credo_stmt *st, size_t n, const char *const *names,
                     const int *decl) {
  st->ncols = n;
  st->names = names;
  st->decl = decl;
}

static int nomem(credo *db) {
  return eng_err(db, CREDO_NOMEM, "out of memory");
}

/* ---------------------------------------------------------- prepare */

/* Slots of st->wx per statement kind. */
enum {
  W_SUBJECT = 0,
  W_OCCURRED,
  W_FROM,
  W_UNTIL,
  W_SOURCE,
  W_REF,
  W_DATA,
  W_REASON /* RECORD */
};
enum { W_EVENT = 0, W_EFFECTIVE = 1, W_WHY = 2 }; /* REPAIR, RETRACT... */
enum { W_ID = 0, W_NAME = 1 };                    /* CREATE SUBJECT, ... */

static int cx(credo_stmt *st, const cql_expr *e, const char *clause,
              eng_expr **out) {
  eng_cctx cc = {.db = st->db, .nparams = st->nparams, .clause = clause};
  if (!e)
    return CREDO_OK;
  return eng_expr_compile(&cc, e, out);
}

static int prepare_record(credo_stmt *st) {
  const cql_stmt *a = st->ast;
  int rc;
  if ((rc = cx(st, a->record.subject, "FOR", &st->wx[W_SUBJECT])) ||
      (rc = cx(st, a->record.occurred, "OCCURRED", &st->wx[W_OCCURRED])) ||
      (rc = cx(st, a->record.public_from, "PUBLIC FROM", &st->wx[W_FROM])) ||
      (rc = cx(st, a->record.public_until, "UNTIL", &st->wx[W_UNTIL])) ||
      (rc = cx(st, a->record.source, "SOURCE", &st->wx[W_SOURCE])) ||
      (rc = cx(st, a->record.ref, "REF", &st->wx[W_REF])) ||
      (rc = cx(st, a->record.data, "DATA", &st->wx[W_DATA])) ||
      (rc = cx(st, a->record.reason, "REASON", &st->wx[W_REASON])))
    return rc;
  set_cols(st, 1, ID_NAMES, ID_DECL);
  return CREDO_OK;
}

static int prepare_correct(credo_stmt *st) {
  const cql_stmt *a = st->ast;
  int rc;
  if ((rc = cx(st, a->correct.event, "EVENT", &st->wx[W_EVENT])) ||
      (rc = cx(st, a->correct.reason, "REASON", &st->wx[W_WHY])))
    return rc;
  st->setx =
      calloc(a->correct.n_items ? a->correct.n_items : 1, sizeof *st->setx);
  if (!st->setx)
    return nomem(st->db);
  for (size_t i = 0; i < a->correct.n_items; i++) {
    const cql_set_item *it = &a->correct.items[i];
    /* SET type = name: an identifier, not a column */
    if (it->value->kind == CQL_E_COLUMN && it->path.n == 1 &&
        strcasecmp(it->path.segs[0], "type") == 0)
      continue;
    if ((rc = cx(st, it->value, "SET", &st->setx[i])) != CREDO_OK)
      return rc;
  }
  return CREDO_OK;
}

static int prepare_writes(credo_stmt *st) {
  const cql_stmt *a = st->ast;
  switch (a->kind) {
  case CQL_RECORD:
    return prepare_record(st);
  case CQL_CORRECT:
    return prepare_correct(st);
  case CQL_REPAIR:
    set_cols(st, 2, ID_NAMES, ID_DECL);
    return cx(st, a->repair.event, "EVENT", &st->wx[W_EVENT]) ||
                   cx(st, a->repair.effective, "EFFECTIVE",
                      &st->wx[W_EFFECTIVE]) ||
                   cx(st, a->repair.reason, "REASON", &st->wx[W_WHY])
               ? st->db->errcode
               : CREDO_OK;
  case CQL_REPAIR_WHERE:
    set_cols(st, 3, ID_NAMES, ID_DECL);
    if (cx(st, a->repair.effective, "EFFECTIVE", &st->wx[W_EFFECTIVE]) ||
        cx(st, a->repair.reason, "REASON", &st->wx[W_WHY]))
      return st->db->errcode;
    return eng_plan_where(st->db, a->repair.where, st->src, st->nparams,
                          &st->plan);
  case CQL_RETRACT:
    return cx(st, a->retract.event, "EVENT", &st->wx[W_EVENT]) ||
                   cx(st, a->retract.reason, "REASON", &st->wx[W_WHY])
               ? st->db->errcode
               : CREDO_OK;
  case CQL_CREATE_SUBJECT:
    return cx(st, a->create_subject.id, "SUBJECT", &st->wx[W_ID]) ||
                   cx(st, a->create_subject.name, "NAME", &st->wx[W_NAME])
               ? st->db->errcode
               : CREDO_OK;
  default: /* users */
    return cx(st, a->user.password, "PASSWORD", &st->wx[W_ID]);
  }
}

int eng_exec_prepare(credo_stmt *st) {
  const cql_stmt *a = st->ast;
  int rc;
  switch (a->kind) {
  case CQL_SELECT:
  case CQL_EXPLAIN:
    rc = eng_plan_select(st->db, a->select, st->src, st->nparams, &st->plan);
    if (rc == CREDO_OK && a->kind == CQL_SELECT)
      set_cols(st, st->plan->ncols, (const char *const *)st->plan->names,
               st->plan->decl);
    else if (rc == CREDO_OK)
      set_cols(st, 1, PLAN_NAMES, TEXT_DECL);
    return rc;
  case CQL_HISTORY_EVENT:
  case CQL_HISTORY_SUBJECT:
    set_cols(st, HIST_N, HIST_NAMES, HIST_DECL);
    return cx(st, a->history.event ? a->history.event : a->history.subject,
              "HISTORY", &st->wx[0]);
  case CQL_SHOW_TYPES:
    set_cols(st, 5, TYPE_NAMES, TYPE_DECL);
    return CREDO_OK;
  case CQL_SHOW_STATS:
    set_cols(st, 2, STAT_NAMES, STAT_DECL);
    return CREDO_OK;
  case CQL_SHOW_USERS:
    set_cols(st, 3, USER_NAMES, USER_DECL);
    return CREDO_OK;
  case CQL_SET_TZ:
    return cx(st, a->set_tz.zone, "SET TIME ZONE", &st->wx[0]);
  case CQL_SET_STORE_TZ:
    return cx(st, a->set_tz.zone, "SET STORE TIME ZONE", &st->wx[0]);
  case CQL_GRANT:
  case CQL_REVOKE:
    return cx(st, a->grant.source, "SOURCE", &st->wx[W_ID]);
  case CQL_CREATE_TYPE:
  case CQL_BEGIN:
  case CQL_COMMIT:
  case CQL_ROLLBACK:
    return CREDO_OK;
  default:
    return prepare_writes(st);
  }
}

void eng_exec_free(credo_stmt *st) {
  free(st->out);
  st->out = NULL;
  eng_plan_free(st->plan);
  st->plan = NULL;
  for (int i = 0; i < ENG_STMT_NX; i++) {
    eng_expr_free(st->wx[i]);
    st->wx[i] = NULL;
  }
  if (st->setx && st->ast && st->ast->kind == CQL_CORRECT)
    for (size_t i = 0; i < st->ast->correct.n_items; i++)
      eng_expr_free(st->setx[i]);
  free(st->setx);
  st->setx = NULL;
}

/* ------------------------------------------------------- hash tables */

static uint64_t hash_bytes(const void *p, size_t n) {
  return XXH64(p, n, 0);
}

static int hmap_grow(eng_hmap *m) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  eng_hent **tab = calloc(cap, sizeof *tab);
  if (!tab)
    return CREDO_NOMEM;
  for (size_t i = 0; i < m->cap; i++) {
    eng_hent *e = m->tab[i];
    size_t j;
    if (!e)
      continue;
    for (j = e->h & (cap - 1); tab[j]; j = (j + 1) & (cap - 1))
      ;
    tab[j] = e;
  }
  free(m->tab);
  m->tab = tab;
  m->cap = cap;
  return CREDO_OK;
}

/* Finds the entry for key[0..n) or adds an empty one (*added = 1). */
static int hmap_get(eng_hmap *m, const char *key, size_t n, eng_hent **out,
                    int *added) {
  uint64_t h = hash_bytes(key, n);
  size_t j;
  *added = 0;
  if ((m->n + 1) * 10 > m->cap * 7 && hmap_grow(m) != CREDO_OK)
    return CREDO_NOMEM;
  for (j = h & (m->cap - 1); m->tab[j]; j = (j + 1) & (m->cap - 1))
    if (m->tab[j]->h == h && m->tab[j]->klen == n &&
        memcmp(m->tab[j]->key, key, n) == 0) {
      *out = m->tab[j];
      return CREDO_OK;
    }
  if (!(m->tab[j] = malloc(sizeof(eng_hent) + n)))
    return CREDO_NOMEM;
  m->tab[j]->h = h;
  m->tab[j]->klen = n;
  m->tab[j]->val = NULL;
  memcpy(m->tab[j]->key, key, n);
  m->n++;
  *out = m->tab[j];
  *added = 1;
  return CREDO_OK;
}

static void hmap_free(eng_hmap *m) {
  for (size_t i = 0; i < m->cap; i++)
    free(m->tab[i]);
  free(m->tab);
  m->tab = NULL;
  m->cap = m->n = 0;
}

/* Byte key of n values into st->key. */
static int values_key(credo_stmt *st, const eng_value *v, size_t n) {
  st->key.n = 0;
  for (size_t i = 0; i < n; i++)
    if (eng_v_key(&v[i], &st->key) != CREDO_OK)
      return nomem(st->db);
  return CREDO_OK;
}

/* 1 when the output row was seen before (DISTINCT), else records it. */
static int seen_before(credo_stmt *st, const eng_value *v, int *seen) {
  eng_hent *e;
  int added, rc = values_key(st, v, st->ncols);
  if (rc != CREDO_OK)
    return rc;
  if (hmap_get(&st->seen, st->key.p ? st->key.p : "", st->key.n, &e, &added) !=
      CREDO_OK)
    return nomem(st->db);
  *seen = !added;
  return CREDO_OK;
}

/* ---------------------------------------------------- buffered rows */

static int push_row(credo_stmt *st, eng_brow *r) {
  if (!r)
    return nomem(st->db);
  if (st->nrows == st->rcap) {
    size_t cap = st->rcap ? st->rcap * 2 : 16;
    eng_brow **rows = realloc(st->rows, cap * sizeof *rows);
    if (!rows) {
      free(r);
      return nomem(st->db);
    }
    st->rows = rows;
    st->rcap = cap;
  }
  st->rows[st->nrows++] = r;
  return CREDO_OK;
}

static int push_values(credo_stmt *st, const eng_value *v, size_t n) {
  return push_row(st, eng_brow_make(v, n, st->seq++));
}

static void free_rows(credo_stmt *st) {
  for (size_t i = 0; i < st->nrows; i++)
    free(st->rows[i]);
  free(st->rows);
  st->rows = NULL;
  st->nrows = st->rcap = st->pos = st->end = 0;
}

/* ORDER BY comparison of (keys a, seq sa) with (keys b, seq sb): the keys
 * follow the ncols output values. */
static int order_cmp(const credo_stmt *st, const eng_value *a, uint64_t sa,
                     const eng_value *b, uint64_t sb) {
  const eng_plan *p = st->plan;
  for (size_t k = 0; k < p->norder; k++) {
    int c = eng_v_order(&a[st->ncols + k], &b[st->ncols + k]);
    if (c)
      return p->desc[k] ? -c : c;
  }
  return (sa > sb) - (sa < sb);
}

static int brow_cmp(const void *x, const void *y, void *arg) {
  const eng_brow *a = *(eng_brow *const *)x, *b = *(eng_brow *const *)y;
  return order_cmp(arg, a->v, a->seq, b->v, b->seq);
}

/* Max-heap on order_cmp: the root is the worst row kept. */
static void sift_down(credo_stmt *st, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < st->nrows && brow_cmp(&st->rows[l], &st->rows[m], st) > 0)
      m = l;
    if (r < st->nrows && brow_cmp(&st->rows[r], &st->rows[m], st) > 0)
      m = r;
    if (m == i)
      return;
    eng_brow *t = st->rows[i];
    st->rows[i] = st->rows[m];
    st->rows[m] = t;
    i = m;
  }
}

static void sift_up(credo_stmt *st, size_t i) {
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (brow_cmp(&st->rows[i], &st->rows[p], st) <= 0)
      return;
    eng_brow *t = st->rows[i];
    st->rows[i] = st->rows[p];
    st->rows[p] = t;
    i = p;
  }
}

/* Adds an output row with its ORDER BY keys (st->out). With a top-k heap
 * a row worse than the k kept is dropped before it is copied. */
static int sorter_add(credo_stmt *st) {
  size_t n = st->ncols + st->plan->norder;
  uint64_t seq = st->seq++, k = st->limit + st->offset;
  int rc;
  if (!st->heap)
    return push_row(st, eng_brow_make(st->out, n, seq));
  if (k < st->limit) /* overflow: no bound */
    k = UINT64_MAX;
  if (k == 0)
    return CREDO_OK;
  if (st->nrows < k) {
    if ((rc = push_row(st, eng_brow_make(st->out, n, seq))) != CREDO_OK)
      return rc;
    sift_up(st, st->nrows - 1);
    return CREDO_OK;
  }
  if (order_cmp(st, st->out, seq, st->rows[0]->v, st->rows[0]->seq) >= 0)
    return CREDO_OK;
  eng_brow *r = eng_brow_make(st->out, n, seq);
  if (!r)
    return nomem(st->db);
  free(st->rows[0]);
  st->rows[0] = r;
  sift_down(st, 0);
  return CREDO_OK;
}

/* Sorts (when ordered) and sets the OFFSET / LIMIT window. */
static void rows_window(credo_stmt *st, int ordered) {
  if (ordered && st->nrows > 1)
    qsort_r(st->rows, st->nrows, sizeof *st->rows, brow_cmp, st);
  st->pos = st->offset < st->nrows ? st->offset : st->nrows;
  st->end = st->nrows;
  if (st->has_limit && st->end - st->pos > st->limit)
    st->end = st->pos + st->limit;
}

/* ------------------------------------------------------- evaluation */

static void ectx_start(credo_stmt *st, int table) {
  eng_ectx *x = &st->x;
  x->db = st->db;
  x->table = table;
  x->params = st->params;
  x->nparams = st->nparams;
  x->now = credo_now(st->db);
  x->arena = &st->arena;
  x->mask_subject = 0;
}

/* A required or optional (opt) text operand; *s is NULL for NULL. */
static int eval_text(credo_stmt *st, const eng_expr *e, const char *what,
                     int opt, const char **s) {
  eng_value v;
  int rc;
  *s = NULL;
  if (!e)
    return CREDO_OK;
  if ((rc = eng_eval(&st->x, e, &v)) != CREDO_OK)
    return rc;
  if (v.t == ENG_V_NULL && opt)
    return CREDO_OK;
  if (v.t != ENG_V_TEXT && v.t != ENG_V_JSON)
    return eng_cql_err(st->db, CREDO_SEMANTIC, e->line, e->col,
                       "%s must be text, not %s", what, eng_vtype_name(v.t));
  *s = v.u.s.p;
  return CREDO_OK;
}

static int eval_id(credo_stmt *st, const eng_expr *e, uint64_t *id) {
  eng_value v;
  int rc = eng_eval(&st->x, e, &v);
  if (rc != CREDO_OK)
    return rc;
  if (v.t != ENG_V_INT || v.u.i < 1)
    return eng_cql_err(st->db, CREDO_SEMANTIC, e->line, e->col,
                       "an event id must be a positive integer, not %s",
                       v.t == ENG_V_INT ? "this number" : eng_vtype_name(v.t));
  *id = (uint64_t)v.u.i;
  return CREDO_OK;
}

/* An optional time operand; `dflt` when absent. */
static int eval_time_opt(credo_stmt *st, const eng_expr *e, const char *what,
                         credo_time dflt, credo_time *t) {
  if (!e) {
    *t = dflt;
    return CREDO_OK;
  }
  return eng_eval_time(&st->x, e, what, t);
}

/* LIMIT / OFFSET: a non-negative integer. */
static int eval_count(credo_stmt *st, const eng_expr *e, const char *what,
                      uint64_t *n) {
  eng_value v;
  int rc = eng_eval(&st->x, e, &v);
  if (rc != CREDO_OK)
    return rc;
  if (v.t != ENG_V_INT || v.u.i < 0)
    return eng_cql_err(st->db, CREDO_SEMANTIC, e->line, e->col,
                       "%s must be a non-negative integer, not %s", what,
                       v.t == ENG_V_INT ? "a negative one"
                                        : eng_vtype_name(v.t));
  *n = (uint64_t)v.u.i;
  return CREDO_OK;
}

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
  return eng_buf_put(&st->pk, v.u.s.p, v.u.s.n + 1) ? nomem(st->db) : CREDO_OK;
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
static int open_events(credo_stmt *st, credo_time as_of, credo_time vis,
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

static int begin_read(credo_stmt *st) {
  int rc = eng_read_begin(st->db, &st->txn, &st->owned);
  if (rc == CREDO_OK)
    st->x.txn = st->txn;
  return rc;
}

static void end_read(credo_stmt *st) {
  eng_scan_close(st->scan);
  st->scan = NULL;
  stor_cursor_close(st->cur);
  st->cur = NULL;
  if (st->txn)
    eng_read_end(st->txn, st->owned);
  st->txn = NULL;
  st->owned = 0;
  st->x.txn = NULL;
}

/* The next input row of a SELECT into st->x: CREDO_ROW / CREDO_DONE. */
static int pull(credo_stmt *st) {
  stor_val k, v;
  int rc;
  if (st->empty)
    return CREDO_DONE;
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
  eng_type_info(&st->ty, &st->tinfo);
  st->x.ty = &st->tinfo;
  return CREDO_ROW;
}

/* ------------------------------------------------------------ SELECT */

/* The next input row that passes WHERE. */
static int next_filtered(credo_stmt *st) {
  int rc, tri;
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
    rc = c->kind == ENG_X_COL ? eng_column_value(&st->x, c->idx, &st->out[i])
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

static int stream_next(credo_stmt *st) {
  int rc, seen;
  for (;;) {
    if (st->has_limit && st->emitted >= st->limit)
      return CREDO_DONE;
    if ((rc = next_filtered(st)) != CREDO_ROW)
      return rc;
    if ((rc = project(st)) != CREDO_OK)
      return rc;
    if (st->plan->distinct) {
      if ((rc = seen_before(st, st->out, &seen)) != CREDO_OK)
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
static int collect(credo_stmt *st) {
  int rc = project(st), seen = 0;
  if (rc == CREDO_OK && st->plan->distinct)
    rc = seen_before(st, st->out, &seen);
  if (rc != CREDO_OK || seen)
    return rc;
  return sorter_add(st);
}

static int drain_sorted(credo_stmt *st) {
  int rc;
  while ((rc = next_filtered(st)) == CREDO_ROW)
    if ((rc = collect(st)) != CREDO_OK)
      return rc;
  if (rc != CREDO_DONE)
    return rc;
  end_read(st);
  rows_window(st, 1);
  return CREDO_OK;
}

static void free_groups(credo_stmt *st) {
  for (size_t i = 0; i < st->ngroups; i++) {
    eng_group *g = st->gorder[i];
    for (size_t a = 0; st->plan && a < st->plan->naggs; a++)
      eng_agg_state_free(&g->st[a]);
    free(g->keys);
    free(g);
  }
  free(st->gorder);
  st->gorder = NULL;
  st->ngroups = st->gcap = 0;
  hmap_free(&st->groups);
}

static int new_group(credo_stmt *st, const eng_value *kv, eng_group **out) {
  const eng_plan *p = st->plan;
  eng_group *g = calloc(1, sizeof *g + p->naggs * sizeof(eng_agg_state));
  if (!g || !(g->keys = eng_brow_make(kv, p->nkeys, 0))) {
    free(g);
    return nomem(st->db);
  }
  if (st->ngroups == st->gcap) {
    size_t cap = st->gcap ? st->gcap * 2 : 16;
    eng_group **v = realloc(st->gorder, cap * sizeof *v);
    if (!v) {
      free(g->keys);
      free(g);
      return nomem(st->db);
    }
    st->gorder = v;
    st->gcap = cap;
  }
  st->gorder[st->ngroups++] = g;
  *out = g;
  return CREDO_OK;
}

/* The group of the current row (created when new). */
static int group_of(credo_stmt *st, eng_group **g) {
  const eng_plan *p = st->plan;
  eng_value *kv = st->out + p->ncols + p->norder;
  eng_hent *e;
  int rc, added;
  for (size_t k = 0; k < p->nkeys; k++)
    if ((rc = eng_eval(&st->x, p->keys[k], &kv[k])) != CREDO_OK)
      return rc;
  if ((rc = values_key(st, kv, p->nkeys)) != CREDO_OK)
    return rc;
  if (hmap_get(&st->groups, st->key.p ? st->key.p : "", st->key.n, &e,
               &added) != CREDO_OK)
    return nomem(st->db);
  if (added && (rc = new_group(st, kv, (eng_group **)&e->val)) != CREDO_OK)
    return rc;
  *g = e->val;
  return CREDO_OK;
}

/* Turns the groups into output rows (HAVING, DISTINCT, ORDER BY). */
static int emit_groups(credo_stmt *st) {
  const eng_plan *p = st->plan;
  eng_value *aggv = st->out + p->ncols + p->norder + p->nkeys;
  int rc, tri = 1;
  for (size_t i = 0; i < st->ngroups; i++) {
    eng_group *g = st->gorder[i];
    eng_ectx_row(&st->x);
    st->x.keys = g->keys->v;
    for (size_t a = 0; a < p->naggs; a++)
      eng_agg_final(&p->aggs[a], &g->st[a], &aggv[a]);
    st->x.aggv = aggv;
    if (p->having && (rc = eng_eval_cond(&st->x, p->having, &tri)) != CREDO_OK)
      return rc;
    if (tri == 1 && (rc = collect(st)) != CREDO_OK)
      return rc;
  }
  return CREDO_OK;
}

static int drain_grouped(credo_stmt *st) {
  const eng_plan *p = st->plan;
  eng_group *g = NULL;
  int rc;
  while ((rc = next_filtered(st)) == CREDO_ROW) {
    if ((rc = group_of(st, &g)) != CREDO_OK)
      return rc;
    for (size_t a = 0; a < p->naggs; a++)
      if ((rc = eng_agg_step(&st->x, &p->aggs[a], &g->st[a])) != CREDO_OK)
        return rc;
  }
  if (rc != CREDO_DONE)
    return rc;
  if (p->nkeys == 0 && st->ngroups == 0 && (rc = group_of(st, &g)))
    return rc; /* aggregates over no rows: one group */
  end_read(st);
  if ((rc = emit_groups(st)) != CREDO_OK)
    return rc;
  free_groups(st);
  rows_window(st, p->norder > 0);
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
  if (p->table != CQL_TABLE_EVENTS) {
    /* as credo_list_subjects: the public role sees events, not the list
     * of every subject (persons' ids and names) */
    if (p->table == CQL_TABLE_SUBJECTS &&
        (rc = eng_require(st->db, st->db->role != CREDO_ROLE_PUBLIC,
                          "list subjects")) != CREDO_OK)
      return eng_cql_err(st->db, rc, p->sel->table_pos.line,
                         p->sel->table_pos.column, "%s", credo_errmsg(st->db));
    if ((rc = begin_read(st)) != CREDO_OK)
      return rc;
    rc = stor_cursor_open(
        st->txn, p->table == CQL_TABLE_SUBJECTS ? STOR_SUBJECTS : STOR_TYPES,
        &st->cur);
    return rc == CREDO_OK ? rc : eng_err_stor(st->db, rc, "cannot read");
  }
  if ((p->as_of && (rc = eng_eval_time(&st->x, p->as_of, "AS OF", &as_of))) ||
      (p->visible_at &&
       (rc = eng_eval_time(&st->x, p->visible_at, "VISIBLE AT", &vis))))
    return rc;
  if ((rc = read_rules(st, as_of, vis, &ra, &rv)) != CREDO_OK ||
      (rc = begin_read(st)) != CREDO_OK)
    return rc;
  return open_events(st, ra, rv, p->flags);
}

static int start_select(credo_stmt *st) {
  const eng_plan *p = st->plan;
  size_t n = p->ncols + p->norder + p->nkeys + p->naggs + 1;
  int rc;
  ectx_start(st, p->table);
  if (!st->out && !(st->out = calloc(n, sizeof *st->out)))
    return nomem(st->db); /* kept across runs; freed with the statement */
  if (p->limit) {
    st->has_limit = 1;
    if ((rc = eval_count(st, p->limit, "LIMIT", &st->limit)) != CREDO_OK)
      return rc;
  }
  if (p->offset &&
      (rc = eval_count(st, p->offset, "OFFSET", &st->offset)) != CREDO_OK)
    return rc;
  st->heap = p->norder && st->has_limit;
  if (st->db->role == CREDO_ROLE_PUBLIC && !p->for_public)
    return eng_err(st->db, CREDO_DENIED,
                   "permission denied: the statement was prepared for "
                   "another role; prepare it again as role public");
  st->x.mask_subject = p->for_public && p->table == CQL_TABLE_EVENTS;
  if ((rc = open_source(st)) != CREDO_OK)
    return rc;
  if (p->grouped)
    return drain_grouped(st);
  if (p->norder)
    return drain_sorted(st);
  st->streaming = 1;
  return CREDO_OK;
}

static int explain_line(void *arg, const char *text) {
  credo_stmt *st = arg;
  eng_value v = eng_v_text(text, strlen(text));
  return push_values(st, &v, 1);
}

static int start_explain(credo_stmt *st) {
  int rc = begin_read(st);
  if (rc == CREDO_OK)
    rc = eng_plan_explain(st->db, st->txn, st->plan, explain_line, st);
  end_read(st);
  return rc;
}

/* ----------------------------------------------------------- HISTORY */

static int hist_cb(const credo_event *ev, void *arg) {
  credo_stmt *st = arg;
  eng_value v[HIST_N];
  int rc;
  st->x.table = CQL_TABLE_EVENTS;
  st->x.ev = ev;
  for (int i = 0; i < HIST_N; i++)
    if ((rc = eng_column_value(&st->x, HIST_COLS[i], &v[i])) != CREDO_OK)
      return rc;
  return push_values(st, v, HIST_N);
}

/* The ids of every event of a subject (hidden and retracted too). */
static int subject_ids(credo_stmt *st, const char *subject, uint64_t **ids,
                       size_t *n) {
  eng_scan_spec spec = {.path = ENG_PATH_SUBJECT,
                        .subject = subject,
                        .as_of = CREDO_TIME_OPEN,
                        .visible_at = st->x.now,
                        .flags = CREDO_READ_HIDDEN | CREDO_READ_RETRACTED};
  size_t cap = 0;
  int rc;
  if ((rc = begin_read(st)) ||
      (rc = eng_subject_exists(st->db, st->txn, subject)) ||
      (rc = eng_scan_open(st->db, st->txn, &spec, &st->scan)))
    goto done;
  while ((rc = eng_scan_next(st->scan, &st->ev)) == CREDO_ROW) {
    if (*n == cap) {
      uint64_t *v = realloc(*ids, (cap = cap ? cap * 2 : 16) * sizeof *v);
      if (!v) {
        rc = nomem(st->db);
        goto done;
      }
      *ids = v;
    }
    (*ids)[(*n)++] = st->ev.id;
  }
  if (rc == CREDO_DONE)
    rc = CREDO_OK;
done:
  end_read(st);
  return rc;
}

static int start_history(credo_stmt *st) {
  uint64_t id, *ids = NULL;
  size_t n = 0;
  const char *subject;
  int rc;
  ectx_start(st, 0);
  if (st->ast->kind == CQL_HISTORY_EVENT) {
    if ((rc = eval_id(st, st->wx[0], &id)) != CREDO_OK)
      return rc;
    return credo_event_history(st->db, id, hist_cb, st);
  }
  if ((rc = eng_require(st->db, st->db->role != CREDO_ROLE_PUBLIC,
                        "read history")) ||
      (rc = eval_text(st, st->wx[0], "the subject", 0, &subject)) ||
      (rc = subject_ids(st, subject, &ids, &n)))
    goto done;
  for (size_t i = 0; i < n && rc == CREDO_OK; i++)
    rc = credo_event_history(st->db, ids[i], hist_cb, st);
done:
  free(ids);
  return rc;
}

/* -------------------------------------------------------------- SHOW */

static int type_row(const credo_type_info *t, void *arg) {
  credo_stmt *st = arg;
  eng_value v[ENG_TY_NCOLS];
  eng_arena_reset(&st->arena);
  st->x.table = CQL_TABLE_TYPES;
  st->x.ty = t;
  for (int i = 0; i < ENG_TY_NCOLS; i++)
    eng_column_value(&st->x, i, &v[i]);
  return push_values(st, v, ENG_TY_NCOLS);
}

static int stat_row(credo_stmt *st, const char *name, eng_value val) {
  eng_value v[2] = {eng_v_text(name, strlen(name)), val};
  return push_values(st, v, 2);
}

static int start_stats(credo_stmt *st) {
  credo_stats s;
  int rc = credo_get_stats(st->db, &s);
  if (rc == CREDO_OK &&
      ((rc = stat_row(st, "subjects", eng_v_int((int64_t)s.subjects))) ||
       (rc = stat_row(st, "types", eng_v_int((int64_t)s.types))) ||
       (rc = stat_row(st, "events", eng_v_int((int64_t)s.events))) ||
       (rc = stat_row(st, "versions", eng_v_int((int64_t)s.versions))) ||
       (rc = stat_row(st, "last_recorded",
                      s.last_recorded ? eng_v_time(s.last_recorded)
                                      : eng_v_null())) ||
       (rc = stat_row(st, "map_size", eng_v_int((int64_t)s.map_size))) ||
       (rc = stat_row(st, "used_bytes", eng_v_int((int64_t)s.used_bytes))) ||
       (rc = stat_row(st, "format_version",
                      eng_v_int((int64_t)s.format_version)))))
    return rc;
  return rc;
}

static int user_row(void *arg, const char *name, credo_role role,
                    credo_time created) {
  credo_stmt *st = arg;
  const char *r = credo_role_name(role);
  eng_value v[3] = {eng_v_text(name, strlen(name)), eng_v_text(r, strlen(r)),
                    eng_v_time(created)};
  return push_values(st, v, 3);
}

/* SET TIME ZONE / SET STORE TIME ZONE (eng_tz_parse reads the zone). */
static int run_set_tz(credo_stmt *st) {
  const char *z;
  int tz, rc;
  ectx_start(st, 0);
  if ((rc = eval_text(st, st->wx[0], "the time zone", 0, &z)) != CREDO_OK)
    return rc;
  if (eng_tz_parse(z, &tz) != 0)
    return eng_cql_err(st->db, CREDO_INVALID, st->wx[0]->line, st->wx[0]->col,
                       "bad time zone '%.40s': use +HH:MM, -HH:MM, Z, UTC "
                       "or a zone without daylight saving time such as "
                       "'Asia/Shanghai'",
                       z);
  if (st->ast->kind == CQL_SET_STORE_TZ)
    return credo_set_store_tz(st->db, tz);
  return credo_set_tz(st->db, tz);
}

static int run_txn(credo_stmt *st) {
  switch (st->ast->kind) {
  case CQL_BEGIN:
    return credo_begin(st->db);
  case CQL_COMMIT:
    if (credo_in_txn(st->db))
      eng_stmts_txn_ending(st->db);
    return credo_commit(st->db);
  default:
    if (credo_in_txn(st->db))
      eng_stmts_txn_ending(st->db);
    return credo_rollback(st->db);
  }
}

/* ------------------------------------------------------------ writes */

static int id_row(credo_stmt *st, uint64_t id, const char *result,
                  const char *detail, size_t ncols) {
  eng_value v[3] = {eng_v_int((int64_t)id), eng_v_text(result, strlen(result)),
                    detail ? eng_v_text(detail, strlen(detail)) : eng_v_null()};
  return push_values(st, v, ncols);
}

static int run_record(credo_stmt *st) {
  eng_expr **w = st->wx;
  credo_record r = {.type = st->ast->record.type};
  uint64_t id = 0;
  int rc, created = 0;
  if ((rc = eval_text(st, w[W_SUBJECT], "the subject", 0, &r.subject)) ||
      (rc = eng_eval_time(&st->x, w[W_OCCURRED], "OCCURRED", &r.occurred)) ||
      (rc = eval_time_opt(st, w[W_FROM], "PUBLIC FROM", CREDO_TIME_DEFAULT,
                          &r.public_from)) ||
      (rc = eval_time_opt(st, w[W_UNTIL], "UNTIL", CREDO_TIME_DEFAULT,
                          &r.public_until)) ||
      (rc = eval_text(st, w[W_SOURCE], "SOURCE", 0, &r.source)) ||
      (rc = eval_text(st, w[W_REF], "REF", 0, &r.ref)) ||
      (rc = eval_text(st, w[W_DATA], "DATA", 1, &r.data)) ||
      (rc = eval_text(st, w[W_REASON], "REASON", 1, &r.reason)))
    return rc;
  if ((rc = credo_record_event(st->db, &r, &id, &created)) != CREDO_OK)
    return rc;
  st->nwrites += (uint64_t)created;
  return id_row(st, id, "", NULL, 1);
}

/* data.a.b = v inside `root`, creating the objects on the way. */
static int json_set(credo_stmt *st, json_t *root, const cql_set_item *it,
                    json_t *val) {
  json_t *o = root;
  for (size_t i = 1; i + 1 < it->path.n; i++) {
    json_t *c = json_object_get(o, it->path.segs[i]);
    if (!c) {
      c = json_object();
      if (!c || json_object_set_new(o, it->path.segs[i], c) != 0)
        goto oom;
    } else if (!json_is_object(c)) {
      json_decref(val);
      return eng_cql_err(st->db, CREDO_SEMANTIC, it->pos.line, it->pos.column,
                         "cannot set a key inside data.%s: "
                         "it is not an object",
                         it->path.segs[i]);
    }
    o = c;
  }
  if (json_object_set_new(o, it->path.segs[it->path.n - 1], val) == 0)
    return CREDO_OK;
  val = NULL;
oom:
  json_decref(val);
  return nomem(st->db);
}

/* The event's current data, parsed, for data.path = v. */
static int load_data(credo_stmt *st, uint64_t id, json_t **out) {
  credo_event ev;
  int rc = credo_get_event(st->db, id, CREDO_TIME_NOW, CREDO_TIME_NOW,
                           CREDO_READ_HIDDEN | CREDO_READ_RETRACTED, &ev);
  if (rc != CREDO_OK)
    return rc;
  *out = json_loads(ev.data, 0, NULL);
  if (!*out || !json_is_object(*out)) {
    json_decref(*out);
    *out = NULL;
    return eng_err(st->db, CREDO_CORRUPT,
                   "event %llu has data that is not "
                   "a JSON object",
                   (unsigned long long)id);
  }
  return CREDO_OK;
}

/* A whole-data value: a JSON object (literal, or text in a parameter). */
static int data_value(credo_stmt *st, const eng_expr *e, const eng_value *v,
                      json_t **out) {
  json_t *j = NULL;
  if (v->t == ENG_V_JSON || v->t == ENG_V_TEXT)
    j = json_loadb(v->u.s.p, v->u.s.n, 0, NULL);
  if (!j || !json_is_object(j)) {
    json_decref(j);
    return eng_cql_err(st->db, CREDO_INVALID, e->line, e->col,
                       "data must be a JSON object");
  }
  json_decref(*out);
  *out = j;
  return CREDO_OK;
}

static int set_column(credo_stmt *st, const cql_set_item *it, const eng_expr *e,
                      credo_correction *c, json_t **data) {
  const char *name = it->path.segs[0];
  eng_value v;
  int rc;
  if (strcasecmp(name, "type") == 0) {
    c->set |= CREDO_SET_TYPE;
    if (!e) /* SET type = identifier */
      c->type = it->value->path.segs[0];
    return e ? eval_text(st, e, "type", 0, &c->type) : CREDO_OK;
  }
  if ((rc = eng_eval(&st->x, e, &v)) != CREDO_OK)
    return rc;
  if (strcasecmp(name, "data") == 0) {
    c->set |= CREDO_SET_DATA;
    return data_value(st, e, &v, data);
  }
  if (strcasecmp(name, "public_until") == 0 && v.t == ENG_V_NULL) {
    c->set |= CREDO_SET_PUBLIC_UNTIL; /* NULL: an open window */
    c->public_until = CREDO_TIME_OPEN;
    return CREDO_OK;
  }
  credo_time t;
  if ((rc = eng_eval_time(&st->x, e, name, &t)) != CREDO_OK)
    return rc;
  if (strcasecmp(name, "occurred") == 0) {
    c->set |= CREDO_SET_OCCURRED;
    c->occurred = t;
  } else if (strcasecmp(name, "public_from") == 0) {
    c->set |= CREDO_SET_PUBLIC_FROM;
    c->public_from = t;
  } else {
    c->set |= CREDO_SET_PUBLIC_UNTIL;
    c->public_until = t;
  }
  return CREDO_OK;
}

static int check_set_path(credo_stmt *st, const cql_set_item *it) {
  static const char *const ok[] = {"occurred", "public_from", "public_until",
                                   "type", "data"};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    if (strcasecmp(it->path.segs[0], ok[i]) == 0 && (it->path.n == 1 || i == 4))
      return CREDO_OK;
  return eng_cql_err(st->db, CREDO_SEMANTIC, it->pos.line, it->pos.column,
                     "cannot set \"%s\" (settable: occurred, public_from, "
                     "public_until, type, data, data.<path>)",
                     it->path.segs[0]);
}

static int run_correct(credo_stmt *st) {
  const cql_stmt *a = st->ast;
  credo_correction c = {0};
  json_t *data = NULL;
  const char *reason;
  char *text = NULL;
  uint64_t id;
  int rc;
  if ((rc = eval_id(st, st->wx[W_EVENT], &id)) ||
      (rc = eval_text(st, st->wx[W_WHY], "REASON", 0, &reason)))
    return rc;
  for (size_t i = 0; i < a->correct.n_items && rc == CREDO_OK; i++) {
    const cql_set_item *it = &a->correct.items[i];
    eng_value v;
    if ((rc = check_set_path(st, it)) != CREDO_OK)
      break;
    if (it->path.n == 1) {
      rc = set_column(st, it, st->setx[i], &c, &data);
      continue;
    }
    if (!data && (rc = load_data(st, id, &data)) != CREDO_OK)
      break;
    c.set |= CREDO_SET_DATA;
    if ((rc = eng_eval(&st->x, st->setx[i], &v)) == CREDO_OK) {
      json_t *j = eng_v_to_json(&v, st->db->tz);
      rc = j ? json_set(st, data, it, j)
             : eng_cql_err(st->db, CREDO_INVALID, it->pos.line, it->pos.column,
                           "the value is not valid JSON");
    }
  }
  if (rc == CREDO_OK && data &&
      !(text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS)))
    rc = nomem(st->db);
  c.data = text;
  if (rc == CREDO_OK &&
      (rc = credo_correct_event(st->db, id, &c, reason)) == CREDO_OK)
    st->nwrites++;
  free(text);
  json_decref(data);
  return rc;
}

static int run_repair(credo_stmt *st) {
  const char *reason;
  credo_time eff;
  uint64_t id;
  int rc;
  if ((rc = eval_id(st, st->wx[W_EVENT], &id)) ||
      (rc = eval_time_opt(st, st->wx[W_EFFECTIVE], "EFFECTIVE", st->x.now,
                          &eff)) ||
      (rc = eval_text(st, st->wx[W_WHY], "REASON", 0, &reason)) ||
      (rc = credo_repair_event(st->db, id, eff, reason)))
    return rc;
  st->nwrites++;
  return id_row(st, id, "repaired", NULL, 2);
}

/* The ids of the current, not retracted events that match WHERE. */
static int match_ids(credo_stmt *st, uint64_t **ids, size_t *n) {
  size_t cap = 0;
  int rc = begin_read(st);
  if (rc == CREDO_OK)
    rc = open_events(st, CREDO_TIME_OPEN, st->x.now, CREDO_READ_HIDDEN);
  while (rc == CREDO_OK && (rc = next_filtered(st)) == CREDO_ROW) {
    rc = CREDO_OK;
    if (*n == cap) {
      uint64_t *v = realloc(*ids, (cap = cap ? cap * 2 : 16) * sizeof *v);
      if (!v) {
        rc = nomem(st->db);
        break;
      }
      *ids = v;
    }
    (*ids)[(*n)++] = st->ev.id;
  }
  end_read(st);
  return rc == CREDO_DONE ? CREDO_OK : rc;
}

static int run_repair_where(credo_stmt *st) {
  const char *reason;
  credo_time eff;
  uint64_t *ids = NULL;
  size_t n = 0;
  int rc;
  st->x.table = CQL_TABLE_EVENTS;
  if ((rc = eval_time_opt(st, st->wx[W_EFFECTIVE], "EFFECTIVE", st->x.now,
                          &eff)) ||
      (rc = eval_text(st, st->wx[W_WHY], "REASON", 0, &reason)) ||
      (rc = match_ids(st, &ids, &n)))
    goto done;
  for (size_t i = 0; i < n && rc == CREDO_OK; i++) {
    rc = credo_repair_event(st->db, ids[i], eff, reason);
    if (rc == CREDO_OK) {
      st->nwrites++;
      rc = id_row(st, ids[i], "repaired", NULL, 3);
    } else if (rc == CREDO_REFUSED)
      rc = id_row(st, ids[i], "refused", st->db->errmsg, 3);
  }
  if (rc == CREDO_OK)
    eng_err_clear(st->db); /* refusals are rows, not the outcome */
done:
  free(ids);
  return rc;
}

static int run_simple_write(credo_stmt *st) {
  const cql_stmt *a = st->ast;
  const char *s1 = NULL, *s2 = NULL;
  uint64_t id;
  int rc;
  switch (a->kind) {
  case CQL_RETRACT:
    if ((rc = eval_id(st, st->wx[W_EVENT], &id)) ||
        (rc = eval_text(st, st->wx[W_WHY], "REASON", 0, &s1)))
      return rc;
    return credo_retract_event(st->db, id, s1);
  case CQL_CREATE_TYPE:
    return credo_create_type_def(
        st->db, &(credo_type_def){
                    a->create_type.name,
                    a->create_type.flags |
                        (a->create_type.has_publicity ? 0 : CREDO_TYPE_OPEN),
                    a->create_type.publicity, a->create_type.repairable_after,
                    a->create_type.public_fields});
  case CQL_GRANT:
  case CQL_REVOKE:
    if ((rc = eval_text(st, st->wx[W_ID], "the source", 0, &s1)) != CREDO_OK)
      return rc;
    return eng_grant_source(st->db, a->grant.user, s1, a->kind == CQL_GRANT);
  case CQL_SET_STORE_TZ:
    return run_set_tz(st);
  case CQL_CREATE_SUBJECT:
    if ((rc = eval_text(st, st->wx[W_ID], "the subject id", 0, &s1)) ||
        (rc = eval_text(st, st->wx[W_NAME], "NAME", 1, &s2)))
      return rc;
    return credo_create_subject(st->db, s1, a->create_subject.kind, s2);
  default:
    break;
  }
  if ((rc = eval_text(st, st->wx[W_ID], "PASSWORD", 1, &s1)) != CREDO_OK)
    return rc;
  if (a->kind == CQL_CREATE_USER)
    return eng_user_create(st->db, a->user.name, a->user.role, s1);
  if (a->kind == CQL_ALTER_USER)
    return eng_user_alter(st->db, a->user.name, a->user.has_role, a->user.role,
                          s1);
  return eng_user_drop(st->db, a->user.name);
}

static int write_body(credo_stmt *st) {
  int rc;
  switch (st->ast->kind) {
  case CQL_RECORD:
    return run_record(st);
  case CQL_CORRECT:
    return run_correct(st);
  case CQL_REPAIR:
    return run_repair(st);
  case CQL_REPAIR_WHERE:
    return run_repair_where(st);
  default:
    if ((rc = run_simple_write(st)) == CREDO_OK)
      st->nwrites += st->db->changes;
    return rc;
  }
}

/* Role checks before the writer slot is taken (the typed functions check
 * again). */
static int write_role(credo_stmt *st) {
  credo *db = st->db;
  switch (st->ast->kind) {
  case CQL_RECORD:
    return eng_require(db, eng_can_write_records(db), "record events");
  case CQL_CREATE_SUBJECT:
    return eng_require(db, eng_can_write_records(db), "create subjects");
  case CQL_REPAIR:
  case CQL_REPAIR_WHERE:
    return eng_require(db, eng_can_repair(db), "repair events");
  case CQL_RETRACT:
    return eng_require(db, eng_can_repair(db) || eng_can_write_records(db),
                       "retract events");
  case CQL_CORRECT:
    return CREDO_OK; /* which fields decides (credo_correct_event) */
  case CQL_CREATE_TYPE:
    return eng_require(db, db->role == CREDO_ROLE_ADMIN, "create types");
  case CQL_GRANT:
  case CQL_REVOKE:
    return eng_require(db, db->role == CREDO_ROLE_ADMIN, "grant sources");
  case CQL_SET_STORE_TZ:
    return eng_require(db, db->role == CREDO_ROLE_ADMIN,
                       "set the store time zone");
  default:
    return eng_require(db, db->role == CREDO_ROLE_ADMIN, "manage users");
  }
}

/* Codes the typed functions return before they write anything. */
static int clean_failure(int rc) {
  switch (rc) {
  case CREDO_DENIED:
  case CREDO_INVALID:
  case CREDO_NOTFOUND:
  case CREDO_CONFLICT:
  case CREDO_REFUSED:
  case CREDO_EXISTS:
  case CREDO_BADID:
  case CREDO_TXN:
  case CREDO_SEMANTIC:
  case CREDO_SYNTAX:
  case CREDO_RANGE:
  case CREDO_MISUSE:
  case CREDO_NOTSUP:
    return 1;
  default:
    return 0;
  }
}

/* A statement failed inside BEGIN after it wrote: roll back it all. */
static int rollback_all(credo_stmt *st, int rc) {
  credo *db = st->db;
  char msg[sizeof db->errmsg];
  int line = db->errline, col = db->errcol;
  snprintf(msg, sizeof msg, "%s", credo_errmsg(db));
  eng_stmts_txn_ending(db);
  credo_rollback(db);
  return eng_err_at(db, rc, line, col,
                    "%.900s; the transaction was rolled "
                    "back",
                    msg);
}

static int run_write(credo_stmt *st) {
  credo *db = st->db;
  int started = 0, rc, in_begin = credo_in_txn(db);
  credo_time t0 = db->txn_time;
  if ((rc = write_role(st)) != CREDO_OK)
    return rc;
  ectx_start(st, 0);
  st->nwrites = 0;
  if ((rc = eng_write_scope_begin(db, &started)) != CREDO_OK)
    return rc;
  rc = write_body(st);
  rc = eng_write_scope_end(db, started, rc);
  if (rc < 0 && in_begin && credo_in_txn(db) &&
      (st->nwrites || (t0 == 0 && db->txn_time != 0) || !clean_failure(rc)))
    return rollback_all(st, rc);
  db->changes = rc < 0 ? 0 : st->nwrites;
  return rc;
}

/* --------------------------------------------------------- dispatch */

static int start(credo_stmt *st) {
  switch (st->ast->kind) {
  case CQL_SELECT:
    return start_select(st);
  case CQL_EXPLAIN:
    return start_explain(st);
  case CQL_HISTORY_EVENT:
  case CQL_HISTORY_SUBJECT:
    return start_history(st);
  case CQL_SHOW_TYPES:
    ectx_start(st, CQL_TABLE_TYPES);
    return credo_list_types(st->db, type_row, st);
  case CQL_SHOW_STATS:
    return start_stats(st);
  case CQL_SHOW_USERS:
    return eng_users_list(st->db, user_row, st);
  case CQL_SET_TZ:
    return run_set_tz(st);
  case CQL_BEGIN:
  case CQL_COMMIT:
  case CQL_ROLLBACK:
    return run_txn(st);
  default:
    return run_write(st);
  }
}

int eng_exec_step(credo_stmt *st) {
  credo *db = st->db;
  int rc;
  if (st->state == ENG_ST_DONE)
    return CREDO_DONE;
  if (st->state == ENG_ST_FAILED)
    return eng_err(db, CREDO_MISUSE,
                   "the statement failed or the transaction it read in "
                   "ended; credo_reset it to run it again");
  if (st->state == ENG_ST_RUN && st->txn && !st->owned && db->txn != st->txn) {
    /* misuse: the scope it read in was ended by credo_commit/rollback
     * without eng_stmts_txn_ending; its cursors died with that txn, so
     * they are dropped, not closed */
    st->scan = NULL;
    st->cur = NULL;
    st->txn = NULL;
    st->state = ENG_ST_FAILED;
    return eng_err(db, CREDO_MISUSE,
                   "the transaction this statement read "
                   "in has ended; credo_reset it");
  }
  if (st->state == ENG_ST_READY) {
    st->state = ENG_ST_RUN;
    if ((rc = start(st)) < 0)
      goto fail;
    if (!st->streaming) /* (re)sets the OFFSET / LIMIT window; the rows
                           are in order already */
      rows_window(st, 0);
  }
  if (st->streaming)
    rc = stream_next(st);
  else if (st->pos < st->end) {
    st->row = st->rows[st->pos++]->v;
    rc = CREDO_ROW;
  } else
    rc = CREDO_DONE;
  if (rc == CREDO_ROW) {
    st->rowgen++;
    return rc;
  }
  if (rc == CREDO_DONE) {
    end_read(st);
    st->state = ENG_ST_DONE;
    return rc;
  }
fail:
  end_read(st);
  st->state = ENG_ST_FAILED;
  st->error_rc = rc;
  return rc;
}

void eng_exec_reset(credo_stmt *st) {
  end_read(st);
  free_rows(st);
  free_groups(st);
  hmap_free(&st->seen);
  eng_ectx_free(&st->x);
  memset(&st->x, 0, sizeof st->x);
  eng_arena_reset(&st->arena);
  st->row = NULL;
  st->streaming = st->heap = st->has_limit = st->empty = 0;
  st->started_cursor = 0;
  st->limit = st->offset = st->emitted = st->skipped = st->seq = 0;
  st->pk.n = 0;
  st->state = ENG_ST_READY;
  st->error_rc = 0;
}

void eng_stmts_txn_ending(credo *db) {
  for (credo_stmt *st = db->stmts; st; st = st->next)
    if (st->txn && !st->owned && st->txn == db->txn) {
      end_read(st);
      if (st->state == ENG_ST_RUN) {
        st->state = ENG_ST_FAILED;
        st->error_rc = CREDO_MISUSE;
      }
    }
}
