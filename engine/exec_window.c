/*
 * exec_window.c -- the window stage of a SELECT: after WHERE, GROUP BY
 * and HAVING, every row's carry values (plan_win.c) are buffered; then
 * each window function is computed over its partitions, and the rows go
 * on to projection, DISTINCT, ORDER BY and LIMIT (exec_rows.c) in their
 * input order.
 *
 * Semantics (PostgreSQL's): rows are grouped by PARTITION BY and ordered
 * by the window's ORDER BY (ties keep input order); the frame of an
 * aggregate, first_value and last_value runs from the partition's first
 * row to the current row's last peer (rows equal on the window's ORDER
 * BY) -- the whole partition when the window has no ORDER BY. NULLs sort
 * first, as in the statement's ORDER BY.
 *
 * Invariants: the stage holds one copied row per input row (the carry
 * values) plus one result per row and window, the same bound as a sort
 * without LIMIT; everything it holds is freed once its rows are in the
 * sorter, or on reset. Results that are texts (min, max over text) are
 * copied into the stage's arena.
 *
 * Does not: read rows (exec_select.c, exec_group.c) or sort the output
 * (exec_rows.c).
 */
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"

struct eng_win_run {
  eng_brow **rows; /* carry values of each input row, in input order */
  size_t n, cap;
  eng_value *tmp;  /* one row's carry values while it is evaluated */
  eng_value *res;  /* n * nwins results */
  size_t *idx;     /* row numbers in a window's order */
  eng_arena arena; /* texts of aggregate results */
  int emitting;    /* rows go on to projection */
};

void eng_win_free(credo_stmt *st) {
  eng_win_run *w = st->win;
  if (!w)
    return;
  for (size_t i = 0; i < w->n; i++)
    free(w->rows[i]);
  free(w->rows);
  free(w->tmp);
  free(w->res);
  free(w->idx);
  eng_arena_free(&w->arena);
  free(w);
  st->win = NULL;
}

int eng_win_emitting(const credo_stmt *st) {
  return st->win && st->win->emitting;
}

/* Buffers the current row's carry values. */
int eng_win_add(credo_stmt *st) {
  const eng_plan *p = st->plan;
  eng_win_run *w = st->win;
  eng_brow *r;
  int rc;
  if (!w && !(w = st->win = calloc(1, sizeof *w)))
    return eng_exec_nomem(st->db);
  if (!w->tmp && !(w->tmp = calloc(p->ncarry + 1, sizeof *w->tmp)))
    return eng_exec_nomem(st->db);
  for (size_t i = 0; i < p->ncarry; i++)
    if ((rc = eng_eval(&st->x, p->carry[i], &w->tmp[i])) != CREDO_OK)
      return rc;
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 64;
    eng_brow **v = realloc(w->rows, cap * sizeof *v);
    if (!v)
      return eng_exec_nomem(st->db);
    w->rows = v;
    w->cap = cap;
  }
  if (!(r = eng_brow_make(w->tmp, p->ncarry, w->n)))
    return eng_exec_nomem(st->db);
  w->rows[w->n++] = r;
  return CREDO_OK;
}

/* ------------------------------------------------------ one window */

typedef struct win_ctx {
  const eng_win_run *w;
  const eng_win_spec *s;
} win_ctx;

static int same_on(const win_ctx *c, size_t i, size_t j, const size_t *slots,
                   size_t n) {
  const eng_value *a = c->w->rows[i]->v, *b = c->w->rows[j]->v;
  for (size_t k = 0; k < n; k++)
    if (eng_v_order(&a[slots[k]], &b[slots[k]]) != 0)
      return 0;
  return 1;
}

/* Partition, then the window's ORDER BY, then input order. */
static int row_cmp(const void *x, const void *y, void *arg) {
  const win_ctx *c = arg;
  size_t i = *(const size_t *)x, j = *(const size_t *)y;
  const eng_value *a = c->w->rows[i]->v, *b = c->w->rows[j]->v;
  for (size_t k = 0; k < c->s->np; k++) {
    int o = eng_v_order(&a[c->s->part[k]], &b[c->s->part[k]]);
    if (o)
      return o;
  }
  for (size_t k = 0; k < c->s->no; k++) {
    int o = eng_v_order(&a[c->s->ord[k]], &b[c->s->ord[k]]);
    if (o)
      return c->s->desc[k] ? -o : o;
  }
  return (i > j) - (i < j);
}

static eng_value *res_of(const credo_stmt *st, size_t row, size_t win) {
  return &st->win->res[row * st->plan->nwins + win];
}

/* lag / lead of sorted position j in partition [a, b). */
static int lag_lead(credo_stmt *st, const win_ctx *c, size_t a, size_t b,
                    size_t j, eng_value *out) {
  const eng_win_spec *s = c->s;
  const size_t *idx = c->w->idx;
  const eng_value *v = c->w->rows[idx[j]]->v;
  int64_t off = 1, t;
  if (s->arg[1] >= 0) {
    const eng_value *o = &v[s->arg[1]];
    if (o->t == ENG_V_NULL) {
      *out = eng_v_null();
      return CREDO_OK;
    }
    if (o->t != ENG_V_INT) {
      const eng_expr *at = st->plan->carry[s->arg[1]];
      return eng_cql_err(st->db, CREDO_SEMANTIC, at->line, at->col,
                         "type mismatch: the offset of %s is INT, not %s",
                         s->fn == ENG_WF_LAG ? "lag" : "lead",
                         eng_vtype_name(o->t));
    }
    off = o->u.i;
  }
  if (s->fn == ENG_WF_LAG)
    off = off == INT64_MIN ? INT64_MAX : -off;
  if (off > (int64_t)(b - a) || off < -(int64_t)(b - a))
    t = -1; /* far outside the partition (and no overflow below) */
  else
    t = (int64_t)j + off;
  if (t >= (int64_t)a && t < (int64_t)b)
    *out = c->w->rows[idx[t]]->v[s->arg[0]];
  else
    *out = s->arg[2] >= 0 ? v[s->arg[2]] : eng_v_null();
  return CREDO_OK;
}

/* An aggregate's result, its text copied into the stage's arena. */
static int agg_result(credo_stmt *st, const eng_win_spec *s,
                      const eng_agg_state *as, eng_value *out) {
  eng_agg_final(&s->agg, as, out);
  if (out->t != ENG_V_TEXT && out->t != ENG_V_JSON)
    return CREDO_OK;
  char *p = eng_arena_strdup(&st->win->arena, out->u.s.p, out->u.s.n);
  if (!p)
    return eng_exec_nomem(st->db);
  out->u.s.p = p;
  return CREDO_OK;
}

/* Feeds the peer group [i, q) of sorted rows into aggregate state as. */
static int agg_feed(credo_stmt *st, const win_ctx *c, size_t i, size_t q,
                    eng_agg_state *as) {
  int rc;
  for (size_t j = i; j < q; j++) {
    eng_ectx_row(&st->x);
    st->x.carry = c->w->rows[c->w->idx[j]]->v;
    if ((rc = eng_agg_step(&st->x, &c->s->agg, as)) != CREDO_OK)
      return rc;
  }
  return CREDO_OK;
}

/* The value of window k for every row of peer group [i, q) of
 * partition [a, b); *dense counts the partition's peer groups. */
static int peer_group(credo_stmt *st, const win_ctx *c, size_t k, size_t a,
                      size_t b, size_t i, size_t q, eng_agg_state *as,
                      int64_t *dense) {
  const eng_win_spec *s = c->s;
  const size_t *idx = c->w->idx;
  eng_value v = eng_v_null();
  int rc;
  ++*dense;
  if (s->fn < ENG_WF_ROW_NUMBER) {
    if ((rc = agg_feed(st, c, i, q, as)) != CREDO_OK ||
        (rc = agg_result(st, s, as, &v)) != CREDO_OK)
      return rc;
  } else if (s->fn == ENG_WF_FIRST_VALUE)
    v = c->w->rows[idx[a]]->v[s->arg[0]];
  else if (s->fn == ENG_WF_LAST_VALUE)
    v = c->w->rows[idx[q - 1]]->v[s->arg[0]];
  else if (s->fn == ENG_WF_RANK)
    v = eng_v_int((int64_t)(i - a + 1));
  else if (s->fn == ENG_WF_DENSE_RANK)
    v = eng_v_int(*dense);
  for (size_t j = i; j < q; j++) {
    eng_value *out = res_of(st, idx[j], k);
    if (s->fn == ENG_WF_ROW_NUMBER)
      *out = eng_v_int((int64_t)(j - a + 1));
    else if (s->fn == ENG_WF_LAG || s->fn == ENG_WF_LEAD) {
      if ((rc = lag_lead(st, c, a, b, j, out)) != CREDO_OK)
        return rc;
    } else
      *out = v;
  }
  return CREDO_OK;
}

static int partition(credo_stmt *st, const win_ctx *c, size_t k, size_t a,
                     size_t b) {
  eng_agg_state as;
  int64_t dense = 0;
  int rc = CREDO_OK;
  memset(&as, 0, sizeof as);
  for (size_t i = a, q; i < b && rc == CREDO_OK; i = q) {
    for (q = i + 1;
         q < b && same_on(c, c->w->idx[i], c->w->idx[q], c->s->ord, c->s->no);
         q++)
      ;
    rc = peer_group(st, c, k, a, b, i, q, &as, &dense);
  }
  eng_agg_state_free(&as);
  return rc;
}

static int one_window(credo_stmt *st, size_t k) {
  eng_win_run *w = st->win;
  win_ctx c = {w, &st->plan->wins[k]};
  int rc = CREDO_OK;
  for (size_t i = 0; i < w->n; i++)
    w->idx[i] = i;
  qsort_r(w->idx, w->n, sizeof *w->idx, row_cmp, &c);
  for (size_t a = 0, b; a < w->n && rc == CREDO_OK; a = b) {
    for (b = a + 1;
         b < w->n && same_on(&c, w->idx[a], w->idx[b], c.s->part, c.s->np); b++)
      ;
    rc = partition(st, &c, k, a, b);
  }
  return rc;
}

/* ------------------------------------------------------------ finish */

/* Computes every window, then hands the rows, in input order, to
 * projection, DISTINCT and the sorter, and sets the OFFSET / LIMIT
 * window over the result. */
int eng_win_finish(credo_stmt *st) {
  const eng_plan *p = st->plan;
  eng_win_run *w;
  int rc = CREDO_OK;
  if (!st->win && !(st->win = calloc(1, sizeof *st->win)))
    return eng_exec_nomem(st->db);
  w = st->win;
  if (w->n && (!(w->res = calloc(w->n * p->nwins, sizeof *w->res)) ||
               !(w->idx = calloc(w->n, sizeof *w->idx))))
    return eng_exec_nomem(st->db);
  for (size_t k = 0; k < p->nwins && w->n && rc == CREDO_OK; k++)
    rc = one_window(st, k); /* no rows: nothing to compute */
  w->emitting = 1;
  for (size_t r = 0; r < w->n && rc == CREDO_OK; r++) {
    eng_ectx_row(&st->x);
    st->x.carry = w->rows[r]->v;
    st->x.winv = res_of(st, r, 0);
    rc = eng_exec_collect(st);
  }
  st->x.carry = st->x.winv = NULL;
  eng_win_free(st);
  if (rc == CREDO_OK)
    eng_rows_window(st, p->norder > 0);
  return rc;
}
