/*
 * exec_batch_topk.c -- top-k emission for the batch path: with
 * `ORDER BY <aggregate> [ASC|DESC], ... LIMIT k [OFFSET o]`, only the
 * groups that can appear among the first k + o output rows are turned
 * into statement groups (eng_exec_group_new, dictionary texts, output
 * rows); the other groups are never emitted.
 *
 * Which groups: those whose first sort key (the aggregate's final value,
 * eng_agg_final, compared as ORDER BY compares: eng_v_order, NULLs
 * first, reversed by DESC) is within the best k + o values, INCLUDING
 * every group tied with the (k + o)-th value. The sorter that runs
 * afterwards (exec_rows.c) orders the emitted groups by all the sort
 * keys and then by arrival; the emitted groups keep their relative
 * order (first appearance), and a group left out is worse than k + o
 * emitted ones on the first key already, so the rows in the LIMIT /
 * OFFSET window are exactly those of a full emission.
 *
 * HAVING: when it reads aggregates (and constants) only, it is evaluated
 * here on every group, in group order, as emit_groups (exec_group.c)
 * would, and only the groups it keeps compete; its first error is the
 * row path's (the output columns cannot fail, below). The emitted groups
 * pass through HAVING again (the same answer: it is deterministic).
 *
 * When not taken (every group emitted): no LIMIT; a HAVING that reads a
 * GROUP BY key, an output column or a subquery; DISTINCT or window
 * functions (they look at every group); a first sort key that is not an
 * aggregate; an output column or sort key that could fail to
 * evaluate (only keys, aggregates, output references and constants are
 * accepted: a group left out must not hide an error the full emission
 * would raise); k + o overflowing; no more groups than k + o.
 *
 * Invariants: reads the batch's groups and states, never changes them.
 * Does not: emit groups (exec_batch.c's emit()) or sort rows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec_batch.h"

/* 1 when e cannot fail to evaluate over a finished group. */
static int safe_expr(const eng_expr *e) {
  return e->kind == ENG_X_KEY || e->kind == ENG_X_AGG || e->kind == ENG_X_OUT ||
         e->kind == ENG_X_CONST;
}

/* The aggregate slot the first ORDER BY term sorts by, or -1. */
static int first_key_agg(const eng_plan *p) {
  const eng_expr *e = p->norder ? p->order[0] : NULL;
  if (e && e->kind == ENG_X_OUT && e->idx >= 0 && (size_t)e->idx < p->ncols)
    e = p->cols[e->idx];
  return e && e->kind == ENG_X_AGG && e->idx >= 0 && (size_t)e->idx < p->naggs
             ? e->idx
             : -1;
}

/* 1 when e reads no row, key, output column, subquery or window: only
 * aggregates, constants and operators / functions over them. */
static int aggs_only(const eng_expr *e) {
  if (!e)
    return 1;
  switch (e->kind) {
  case ENG_X_KEY:
  case ENG_X_OUT:
  case ENG_X_SUBQ:
  case ENG_X_COL:
  case ENG_X_JPATH:
  case ENG_X_WIN:
  case ENG_X_WREF:
  case ENG_X_OUTER:
    return 0;
  default:
    break;
  }
  for (size_t i = 0; i < e->nargs; i++)
    if (!aggs_only(e->args[i]))
      return 0;
  return aggs_only(e->a) && aggs_only(e->b) && aggs_only(e->c);
}

int eng_batch_topk_plan(const eng_plan *p) {
  if (!p->limit || !aggs_only(p->having) || p->distinct || p->nwins ||
      first_key_agg(p) < 0)
    return 0;
  for (size_t c = 0; c < p->ncols; c++)
    if (!safe_expr(p->cols[c]))
      return 0;
  for (size_t o = 0; o < p->norder; o++)
    if (!safe_expr(p->order[o]))
      return 0;
  return 1;
}

typedef struct topk {
  const eng_value *v; /* first sort key by group */
  const int64_t *c;   /* or, for counts (never NULL), the count */
  int desc;
  size_t *heap; /* group ids; root = the worst kept */
  size_t n;
} topk;

/* > 0 when group i sorts after group j on the first key. */
static int worse(const topk *t, size_t i, size_t j) {
  int c = t->c ? (t->c[i] > t->c[j]) - (t->c[i] < t->c[j])
               : eng_v_order(&t->v[i], &t->v[j]);
  return t->desc ? -c : c;
}

static void sift_down(topk *t, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i, x;
    if (l < t->n && worse(t, t->heap[l], t->heap[m]) > 0)
      m = l;
    if (r < t->n && worse(t, t->heap[r], t->heap[m]) > 0)
      m = r;
    if (m == i)
      return;
    x = t->heap[i];
    t->heap[i] = t->heap[m];
    t->heap[m] = x;
    i = m;
  }
}

static void sift_up(topk *t, size_t i) {
  while (i > 0) {
    size_t p = (i - 1) / 2, x;
    if (worse(t, t->heap[i], t->heap[p]) <= 0)
      return;
    x = t->heap[i];
    t->heap[i] = t->heap[p];
    t->heap[p] = x;
    i = p;
  }
}

/* Marks in keep[] the groups within the best k values of t->v (ties with
 * the k-th included) among those keep[] holds already (HAVING); k >= 1. */
static int select_k(topk *t, size_t ngroups, size_t k, unsigned char *keep) {
  size_t thr;
  if (!(t->heap = malloc(k * sizeof *t->heap)))
    return CREDO_NOMEM;
  for (size_t i = 0; i < ngroups; i++) {
    if (!keep[i])
      continue;
    if (t->n < k) {
      t->heap[t->n++] = i;
      sift_up(t, t->n - 1);
    } else if (worse(t, i, t->heap[0]) < 0) {
      t->heap[0] = i;
      sift_down(t, 0);
    }
  }
  if (t->n == k) {    /* else fewer than k compete: all are kept */
    thr = t->heap[0]; /* the k-th best value */
    for (size_t i = 0; i < ngroups; i++)
      keep[i] = keep[i] && worse(t, i, thr) <= 0;
  }
  free(t->heap);
  return CREDO_OK;
}

/* keep[i] = 1 for the groups HAVING keeps (all without HAVING): evaluated
 * in group order over the aggregates' final values, as emit_groups does.
 * CREDO_OK or the evaluation's error (on the handle). */
static int having(const batch *b, unsigned char *keep) {
  const eng_plan *p = b->p;
  eng_ectx *x = &b->st->x;
  eng_value *aggv;
  int rc = CREDO_OK, tri;
  if (!p->having) {
    memset(keep, 1, b->ngroups);
    return CREDO_OK;
  }
  if (!(aggv = malloc((p->naggs + 1) * sizeof *aggv)))
    return CREDO_NOMEM;
  for (size_t i = 0; i < b->ngroups && rc == CREDO_OK; i++) {
    eng_ectx_row(x);
    for (size_t a = 0; a < p->naggs; a++)
      eng_agg_final(&p->aggs[a], &b->states[i * p->naggs + a], &aggv[a]);
    x->keys = NULL; /* HAVING reads none (aggs_only) */
    x->aggv = aggv;
    tri = 0;
    rc = eng_eval_cond(x, p->having, &tri);
    keep[i] = tri == 1;
  }
  x->aggv = NULL;
  free(aggv);
  return rc;
}

/* t's first sort key of every group: the counts for a count (its final
 * value is that INT, never NULL), else eng_agg_final's values. */
static int first_keys(const batch *b, int a, topk *t) {
  const eng_plan *p = b->p;
  const eng_agg_state *st = b->states + a;
  size_t n = b->ngroups ? b->ngroups : 1;
  if (p->aggs[a].fn == ENG_FN_COUNT_STAR || p->aggs[a].fn == ENG_FN_COUNT) {
    int64_t *c = malloc(n * sizeof *c);
    if (!c)
      return CREDO_NOMEM;
    for (size_t i = 0; i < b->ngroups; i++)
      c[i] = st[i * p->naggs].count;
    t->c = c;
    return CREDO_OK;
  }
  eng_value *v = malloc(n * sizeof *v);
  if (!v)
    return CREDO_NOMEM;
  for (size_t i = 0; i < b->ngroups; i++)
    eng_agg_final(&p->aggs[a], &st[i * p->naggs], &v[i]);
  t->v = v;
  return CREDO_OK;
}

int eng_batch_topk(const batch *b, unsigned char **keep) {
  const eng_plan *p = b->p;
  const credo_stmt *st = b->st;
  uint64_t k = st->limit + st->offset;
  topk t = {0};
  int rc;
  *keep = NULL;
  if (!st->has_limit || k < st->limit || k >= b->ngroups ||
      !eng_batch_topk_plan(p))
    return CREDO_OK; /* every group */
  if (!(*keep = calloc(b->ngroups ? b->ngroups : 1, 1)))
    return CREDO_NOMEM;
  t.desc = p->desc[0];
  /* HAVING runs on every group even for LIMIT 0: its errors are the
   * row path's */
  if ((rc = having(b, *keep)) == CREDO_OK && k == 0)
    memset(*keep, 0, b->ngroups); /* LIMIT 0: no row */
  else if (rc == CREDO_OK &&
           (rc = first_keys(b, first_key_agg(p), &t)) == CREDO_OK)
    rc = select_k(&t, b->ngroups, (size_t)k, *keep);
  free((void *)t.c);
  free((void *)t.v);
  if (rc != CREDO_OK) {
    free(*keep);
    *keep = NULL;
  }
  return rc;
}
