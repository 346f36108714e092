/*
 * plan_win.c -- planning the window stage of a SELECT: the window
 * function calls (ENG_X_WIN, as expr_win.c compiled them) of the output
 * columns and ORDER BY terms become window slots (p->wins), and every
 * part of those expressions that reads the row (columns, data paths,
 * GROUP BY keys, aggregates, subquery results) becomes a carry slot
 * (p->carry) evaluated once per input row before the window stage.
 *
 * Invariants, after eng_plan_windows with p->nwins > 0:
 *  - p->cols and p->order read no row: only constants, ENG_X_WREF,
 *    ENG_X_WIN (idx = window slot, no args) and ENG_X_OUT (an ORDER BY
 *    alias of an output column);
 *  - every carry expression is window-free and owned by p->carry;
 *  - a window's argument, PARTITION BY and ORDER BY values are carry
 *    slots, in the order expr_win.c laid them out.
 *
 * Does not: compile anything (plan.c, expr_win.c) or run windows
 * (exec_window.c).
 */
#include <stdlib.h>

#include "plan.h"

static int nomem(credo *db) {
  return eng_err(db, CREDO_NOMEM, "out of memory");
}

/* A node reading carry slot `slot`, positioned where `at` was. */
static eng_expr *wref(const eng_expr *at, int slot) {
  eng_expr *r = calloc(1, sizeof *r);
  if (!r)
    return NULL;
  *r = (eng_expr){.kind = ENG_X_WREF,
                  .idx = slot,
                  .st = at->st,
                  .line = at->line,
                  .col = at->col,
                  .off = at->off,
                  .end = at->end};
  return r;
}

/* Takes x into the carry; *slot is its index. */
static int add_carry(credo *db, eng_plan *p, eng_expr *x, int *slot) {
  if (p->ncarry == p->carry_cap) {
    size_t cap = p->carry_cap ? p->carry_cap * 2 : 8;
    eng_expr **v = realloc(p->carry, cap * sizeof *v);
    if (!v)
      return nomem(db);
    p->carry = v;
    p->carry_cap = cap;
  }
  p->carry[p->ncarry] = x;
  *slot = (int)p->ncarry++;
  return CREDO_OK;
}

/* Replaces *px by a reference to a new carry slot holding it. */
static int carry_expr(credo *db, eng_plan *p, eng_expr **px) {
  eng_expr *r = wref(*px, 0);
  int rc;
  if (!r)
    return nomem(db);
  if ((rc = add_carry(db, p, *px, &r->idx)) != CREDO_OK) {
    free(r);
    return rc;
  }
  *px = r;
  return CREDO_OK;
}

static int new_spec(credo *db, eng_plan *p, eng_win_spec **out) {
  if (p->nwins == p->wins_cap) {
    size_t cap = p->wins_cap ? p->wins_cap * 2 : 4;
    eng_win_spec *v = realloc(p->wins, cap * sizeof *v);
    if (!v)
      return nomem(db);
    p->wins = v;
    p->wins_cap = cap;
  }
  *out = &p->wins[p->nwins++];
  **out = (eng_win_spec){.fn = 0, .arg = {-1, -1, -1}};
  return CREDO_OK;
}

/* The aggregate of spec w, reading its argument and FILTER from the
 * carry. */
static int spec_agg(credo *db, eng_win_spec *w, const eng_expr *x,
                    int filter_slot) {
  w->agg.fn = w->fn;
  if (w->arg[0] >= 0 && !(w->agg.arg = wref(x, w->arg[0])))
    return nomem(db);
  if (filter_slot >= 0 && !(w->agg.filter = wref(x, filter_slot)))
    return nomem(db);
  if (w->agg.arg)
    w->agg.arg->st = ENG_V_ANY;
  return CREDO_OK;
}

/* Window call x (as compiled) into a new window slot; x keeps only the
 * slot number. */
static int make_spec(credo *db, eng_plan *p, eng_expr *x) {
  const cql_window *win = x->win;
  eng_win_spec *w = NULL;
  size_t k = 0;
  int rc, slot, filter_slot = -1;
  if ((rc = new_spec(db, p, &w)) != CREDO_OK)
    return rc;
  w->fn = x->idx;
  w->off = x->off;
  w->end = x->end;
  w->np = win->partition.n;
  w->no = win->n_order;
  if ((w->np && !(w->part = calloc(w->np, sizeof *w->part))) ||
      (w->no && (!(w->ord = calloc(w->no, sizeof *w->ord)) ||
                 !(w->desc = calloc(w->no, sizeof *w->desc)))))
    return nomem(db);
  for (int i = 0; i < x->op; i++, k++) {
    if ((rc = add_carry(db, p, x->args[k], &w->arg[i])) != CREDO_OK)
      return rc;
    x->args[k] = NULL;
  }
  if (x->negated) {
    if ((rc = add_carry(db, p, x->args[k], &filter_slot)) != CREDO_OK)
      return rc;
    x->args[k++] = NULL;
  }
  for (size_t i = 0; i < w->np; i++, k++) {
    if ((rc = add_carry(db, p, x->args[k], &slot)) != CREDO_OK)
      return rc;
    x->args[k] = NULL;
    w->part[i] = (size_t)slot;
  }
  for (size_t i = 0; i < w->no; i++, k++) {
    if ((rc = add_carry(db, p, x->args[k], &slot)) != CREDO_OK)
      return rc;
    x->args[k] = NULL;
    w->ord[i] = (size_t)slot;
    w->desc[i] = win->order[i].desc;
  }
  free(x->args);
  x->args = NULL;
  x->nargs = 0;
  x->win = NULL;
  x->idx = (int)(p->nwins - 1);
  return w->fn < ENG_WF_ROW_NUMBER ? spec_agg(db, w, x, filter_slot) : CREDO_OK;
}

static int rewrite(credo *db, eng_plan *p, eng_expr **px) {
  eng_expr *x = *px;
  int rc;
  if (!eng_expr_has_win(x)) {
    if (x->kind == ENG_X_OUT || eng_expr_is_const(x))
      return CREDO_OK;
    return carry_expr(db, p, px);
  }
  if (x->kind == ENG_X_WIN)
    return make_spec(db, p, x);
  if ((x->a && (rc = rewrite(db, p, &x->a))) ||
      (x->b && (rc = rewrite(db, p, &x->b))) ||
      (x->c && (rc = rewrite(db, p, &x->c))))
    return rc;
  for (size_t i = 0; i < x->nargs; i++)
    if ((rc = rewrite(db, p, &x->args[i])) != CREDO_OK)
      return rc;
  return CREDO_OK;
}

int eng_plan_windows(credo *db, eng_plan *p) {
  int any = 0, rc;
  for (size_t i = 0; i < p->ncols && !any; i++)
    any = eng_expr_has_win(p->cols[i]);
  for (size_t i = 0; i < p->norder && !any; i++)
    any = eng_expr_has_win(p->order[i]);
  if (!any)
    return CREDO_OK;
  for (size_t i = 0; i < p->ncols; i++)
    if ((rc = rewrite(db, p, &p->cols[i])) != CREDO_OK)
      return rc;
  for (size_t i = 0; i < p->norder; i++)
    if ((rc = rewrite(db, p, &p->order[i])) != CREDO_OK)
      return rc;
  return CREDO_OK;
}

void eng_plan_windows_free(eng_plan *p) {
  for (size_t i = 0; i < p->ncarry; i++)
    eng_expr_free(p->carry[i]);
  free(p->carry);
  for (size_t i = 0; i < p->nwins; i++) {
    free(p->wins[i].part);
    free(p->wins[i].ord);
    free(p->wins[i].desc);
    eng_expr_free(p->wins[i].agg.arg);
    eng_expr_free(p->wins[i].agg.filter);
  }
  free(p->wins);
  p->carry = NULL;
  p->wins = NULL;
  p->ncarry = p->nwins = 0;
}
