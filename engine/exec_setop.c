/*
 * exec_setop.c -- set operations: SELECT ... UNION [ALL] | EXCEPT |
 * INTERSECT SELECT ..., evaluated left to right, then the ORDER BY, LIMIT
 * and OFFSET written after the last SELECT.
 *
 * Each SELECT of the chain is a child statement (stmt.c) made at prepare
 * (so each keeps its own AS OF / VISIBLE AT / INCLUDE and the session's
 * role rules); at the start of an execution they run one after the other
 * and their rows are combined in the parent's row buffer: UNION ALL
 * appends; UNION, EXCEPT and INTERSECT compare whole rows by their
 * canonical keys (eng_v_key: 2 and 2.0 are one value, NULLs equal each
 * other, as SQL's set operations do) and keep each row once.
 *
 * Invariants: every SELECT of the chain has the parent's number of
 * columns; the output columns are named after the first SELECT's. ORDER
 * BY terms name output columns (by name or position).
 *
 * Does not: support parenthesised set operations or set operations inside
 * subqueries (the grammar has none).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec_int.h"

static int nomem(credo_stmt *st) {
  return eng_err(st->db, CREDO_NOMEM, "out of memory");
}

/* Output column of ORDER BY term e: a position or an output name. */
static int order_col(credo_stmt *st, const cql_expr *e) {
  if (e->kind == CQL_E_INT && e->ival >= 1 && (size_t)e->ival <= st->ncols)
    return (int)e->ival - 1;
  if (e->kind == CQL_E_COLUMN && e->path.n == 1)
    for (size_t i = 0; i < st->ncols; i++)
      if (strcasecmp(st->names[i], e->path.segs[0]) == 0)
        return (int)i;
  return eng_cql_err(st->db, CREDO_SEMANTIC, e->pos.line, e->pos.column,
                     "ORDER BY of a set operation must name an output column "
                     "(by name or position)");
}

static int prepare_order(credo_stmt *st, const cql_select *h) {
  int rc;
  if (!h->n_set_order)
    return CREDO_OK;
  if (!(st->set_ord = calloc(h->n_set_order, sizeof *st->set_ord)))
    return nomem(st);
  for (size_t i = 0; i < h->n_set_order; i++, st->n_set_ord++) {
    if ((rc = order_col(st, h->set_order[i].expr)) < 0)
      return rc;
    /* column + 1, negative for DESC */
    st->set_ord[i] = h->set_order[i].desc ? -(rc + 1) : rc + 1;
  }
  return CREDO_OK;
}

static int prepare_const(credo_stmt *st, const cql_expr *e, const char *clause,
                         eng_expr **out) {
  eng_cctx cc = {.db = st->db, .nparams = st->nparams, .clause = clause};
  return e ? eng_expr_compile(&cc, e, out) : CREDO_OK;
}

int eng_setop_prepare(credo_stmt *st) {
  const cql_select *h = st->ast->select, *s;
  size_t n = 0, i = 0;
  int rc;
  for (s = h; s; s = s->next)
    n++;
  st->subs = calloc(n, sizeof *st->subs);
  if (!st->subs)
    return nomem(st);
  st->nsubs = n;
  for (s = h; s; s = s->next, i++) {
    if ((rc = eng_stmt_child(st->db, (cql_select *)s, st->src, st->nparams,
                             &st->subs[i])) != CREDO_OK)
      return rc;
    if (i && st->subs[i]->ncols != st->subs[0]->ncols)
      return eng_cql_err(st->db, CREDO_SEMANTIC, s->pos.line, s->pos.column,
                         "each SELECT of a set operation must return the "
                         "same number of columns (%zu, not %zu)",
                         st->subs[0]->ncols, st->subs[i]->ncols);
  }
  st->ncols = st->subs[0]->ncols;
  st->names = st->subs[0]->names;
  st->decl = st->subs[0]->decl;
  if ((rc = prepare_order(st, h)) != CREDO_OK ||
      (rc = prepare_const(st, h->set_limit, "LIMIT", &st->wx[0])) ||
      (rc = prepare_const(st, h->set_offset, "OFFSET", &st->wx[1])))
    return rc;
  return CREDO_OK;
}

/* Runs child c to completion, calling `row` for each of its rows. */
static int run_child(credo_stmt *st, credo_stmt *c,
                     int (*row)(credo_stmt *st, const eng_value *v, void *arg),
                     void *arg) {
  int rc;
  eng_exec_reset(c);
  for (int k = 0; k < c->nparams && k < st->nparams; k++)
    c->params[k] = st->params[k];
  while ((rc = eng_exec_step(c)) == CREDO_ROW)
    if ((rc = row(st, c->row, arg)) != CREDO_OK)
      break;
  eng_exec_reset(c);
  return rc == CREDO_DONE ? CREDO_OK : rc;
}

static int push(credo_stmt *st, const eng_value *v, void *arg) {
  (void)arg;
  return eng_rows_push(st, v, st->ncols);
}

/* The key of row v as one TEXT value over st->key's bytes. */
static int row_key(credo_stmt *st, const eng_value *v, eng_value *k) {
  int rc = eng_rows_key(st, v, st->ncols);
  if (rc == CREDO_OK && eng_buf_reserve(&st->key, 1) != CREDO_OK)
    rc = nomem(st);
  if (rc != CREDO_OK)
    return rc;
  st->key.p[st->key.n] = '\0';
  *k = eng_v_text(st->key.p, st->key.n);
  return CREDO_OK;
}

static int collect(credo_stmt *st, const eng_value *v, void *arg) {
  eng_value k;
  int rc = row_key(st, v, &k);
  if (rc == CREDO_OK && eng_keyset_add(arg, &k) < 0)
    rc = nomem(st);
  return rc;
}

/* Keeps the rows that are (keep_in) / are not in `set`, each once. */
static int filter_rows(credo_stmt *st, const eng_agg_seen *set, int keep_in,
                       int once) {
  eng_agg_seen *seen = NULL;
  size_t w = 0;
  int rc = CREDO_OK;
  for (size_t r = 0; r < st->nrows; r++) {
    eng_value k;
    int keep = 1, dup = 0;
    if ((rc = row_key(st, st->rows[r]->v, &k)) != CREDO_OK)
      break;
    if (set)
      keep = eng_keyset_has(set, &k) == keep_in;
    if (keep && once && (dup = eng_keyset_add(&seen, &k)) < 0) {
      rc = nomem(st);
      break;
    }
    {
      eng_brow *row = st->rows[r];
      st->rows[r] = NULL;
      if (keep && !dup)
        st->rows[w++] = row;
      else
        free(row);
    }
  }
  for (size_t r = w; r < st->nrows; r++)
    free(st->rows[r]); /* the rest after an error */
  st->nrows = w;
  eng_keyset_free(seen);
  return rc;
}

static int combine(credo_stmt *st, const cql_select *s, credo_stmt *c) {
  eng_agg_seen *set = NULL;
  int rc;
  if (s->setop == CQL_SET_UNION) {
    if ((rc = run_child(st, c, push, NULL)) != CREDO_OK || s->set_all)
      return rc;
    return filter_rows(st, NULL, 1, 1);
  }
  if ((rc = run_child(st, c, collect, &set)) == CREDO_OK)
    rc = filter_rows(st, set, s->setop == CQL_SET_INTERSECT, 1);
  eng_keyset_free(set);
  return rc;
}

static int cmp_rows(const void *x, const void *y, void *arg) {
  const eng_brow *a = *(eng_brow *const *)x, *b = *(eng_brow *const *)y;
  const credo_stmt *st = arg;
  for (size_t i = 0; i < st->n_set_ord; i++) {
    int k = st->set_ord[i], col = (k < 0 ? -k : k) - 1;
    int c = eng_v_order(&a->v[col], &b->v[col]);
    if (c)
      return k < 0 ? -c : c;
  }
  return (a->seq > b->seq) - (a->seq < b->seq);
}

int eng_setop_run(credo_stmt *st) {
  const cql_select *s = st->ast->select;
  int rc;
  eng_exec_ectx_start(st, 0);
  if ((rc = run_child(st, st->subs[0], push, NULL)) != CREDO_OK)
    return rc;
  for (size_t i = 1; (s = s->next) != NULL; i++)
    if ((rc = combine(st, s, st->subs[i])) != CREDO_OK)
      return rc;
  if (st->n_set_ord && st->nrows > 1)
    qsort_r(st->rows, st->nrows, sizeof *st->rows, cmp_rows, st);
  if (st->wx[0]) {
    st->has_limit = 1;
    if ((rc = eng_exec_count(st, st->wx[0], "LIMIT", &st->limit)))
      return rc;
  }
  if (st->wx[1])
    return eng_exec_count(st, st->wx[1], "OFFSET", &st->offset);
  return CREDO_OK;
}

void eng_setop_free(credo_stmt *st) {
  free(st->set_ord);
  st->set_ord = NULL;
  st->n_set_ord = 0;
}
