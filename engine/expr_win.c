/*
 * expr_win.c -- compiling window function calls (`f(...) OVER (...)`)
 * into ENG_X_WIN nodes: which functions are window functions, how many
 * arguments each takes, the static type of its result, and where window
 * functions may not appear (WHERE, GROUP BY, HAVING, inside aggregates,
 * inside another window).
 *
 * Invariants: an ENG_X_WIN node as compiled here holds, in args, the
 * call's arguments (op of them), FILTER's condition when negated is 1,
 * then the window's PARTITION BY and ORDER BY expressions, in that
 * order; win points at the OVER clause of the AST (which outlives the
 * plan). plan_win.c later moves all of them into the plan's window slots.
 *
 * Does not: evaluate windows (exec_window.c) or rewrite plans
 * (plan_win.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr_int.h"

/* A window function: its code, name and argument counts. */
typedef struct wf_def {
  const char *name;
  int fn;
  int min, max; /* arguments */
  int agg;      /* an aggregate used as a window function */
} wf_def;

static const wf_def WFS[] = {
    {"row_number", ENG_WF_ROW_NUMBER, 0, 0, 0},
    {"rank", ENG_WF_RANK, 0, 0, 0},
    {"dense_rank", ENG_WF_DENSE_RANK, 0, 0, 0},
    {"lag", ENG_WF_LAG, 1, 3, 0},
    {"lead", ENG_WF_LEAD, 1, 3, 0},
    {"first_value", ENG_WF_FIRST_VALUE, 1, 1, 0},
    {"last_value", ENG_WF_LAST_VALUE, 1, 1, 0},
    {"count", ENG_FN_COUNT, 1, 1, 1},
    {"sum", ENG_FN_SUM, 1, 1, 1},
    {"avg", ENG_FN_AVG, 1, 1, 1},
    {"min", ENG_FN_MIN, 1, 1, 1},
    {"max", ENG_FN_MAX, 1, 1, 1},
};

#define WF_LIST                                                                \
  "row_number, rank, dense_rank, lag, lead, first_value, last_value, count, "  \
  "sum, avg, min, max"

static int find_wf(eng_cctx *cc, const cql_expr *e, const wf_def **out) {
  const char *name = e->text ? e->text : "";
  size_t n = e->list.n;
  for (size_t i = 0; i < sizeof WFS / sizeof *WFS; i++) {
    if (strcasecmp(WFS[i].name, name) != 0)
      continue;
    *out = &WFS[i];
    if (e->star && WFS[i].fn == ENG_FN_COUNT) {
      static const wf_def count_star = {"count", ENG_FN_COUNT_STAR, 0, 0, 1};
      *out = &count_star;
      return CREDO_OK;
    }
    if (e->star)
      return eng_cc_err(cc, e, CREDO_SEMANTIC,
                        "%s(*) is not a window function; only count takes *%s",
                        name, "");
    if ((int)n < WFS[i].min || (int)n > WFS[i].max) {
      char want[32];
      if (WFS[i].min == WFS[i].max)
        snprintf(want, sizeof want, "%d", WFS[i].min);
      else
        snprintf(want, sizeof want, "%d to %d", WFS[i].min, WFS[i].max);
      return eng_cc_err(cc, e, CREDO_SEMANTIC,
                        "window function %s takes %s argument(s)", name, want);
    }
    return CREDO_OK;
  }
  return eng_cc_err(cc, e, CREDO_SEMANTIC,
                    "%s is not a window function (window functions: %s)", name,
                    WF_LIST);
}

static int where_ok(eng_cctx *cc, const cql_expr *e, int in_agg) {
  if (in_agg)
    return eng_cc_err(cc, e, CREDO_SEMANTIC,
                      "window function %s cannot be used inside an "
                      "aggregate%s",
                      e->text ? e->text : "?", "");
  if (!cc->wins_ok)
    return eng_cc_err(cc, e, CREDO_SEMANTIC,
                      "window function %s is not allowed in %s (window "
                      "functions run after WHERE, GROUP BY and HAVING; use "
                      "them in the select list or ORDER BY)",
                      e->text ? e->text : "?",
                      cc->clause ? cc->clause : "this clause");
  if (e->distinct)
    return eng_cc_err(cc, e, CREDO_SEMANTIC,
                      "DISTINCT is not supported in window function %s%s",
                      e->text ? e->text : "?", "");
  return CREDO_OK;
}

static int win_type(int fn, const eng_expr *x) {
  int st = x->op > 0 ? x->args[0]->st : ENG_V_ANY;
  switch (fn) {
  case ENG_WF_ROW_NUMBER:
  case ENG_WF_RANK:
  case ENG_WF_DENSE_RANK:
    return ENG_V_INT;
  case ENG_WF_LAG:
  case ENG_WF_LEAD:
    /* the default may differ in type from the value */
    return x->op == 3 && x->args[2]->st != st ? ENG_V_ANY : st;
  default:
    return eng_agg_type(fn, st); /* aggregates, first_value, last_value */
  }
}

/* Compiles the call's arguments, FILTER and the window into x->args. */
static int compile_parts(eng_cctx *cc, const cql_expr *e, int agg,
                         eng_expr *x) {
  const cql_window *w = e->over;
  size_t n = e->list.n + (e->filter ? 1 : 0) + w->partition.n + w->n_order,
         k = 0;
  int rc = CREDO_OK;
  if (n && !(x->args = calloc(n, sizeof *x->args)))
    return eng_err(cc->db, CREDO_NOMEM, "out of memory");
  x->nargs = n;
  for (size_t i = 0; i < e->list.n && rc == CREDO_OK; i++)
    rc = eng_compile_sub(cc, e->list.items[i], 0, &x->args[k++]);
  if (rc == CREDO_OK && e->filter) {
    if (!agg)
      return eng_cc_err(cc, e, CREDO_SEMANTIC,
                        "%s is not an aggregate: FILTER applies to aggregate "
                        "window functions only%s",
                        e->text ? e->text : "?", "");
    if ((rc = eng_compile_sub(cc, e->filter, 0, &x->args[k++])) == CREDO_OK)
      rc = eng_check_bool(cc, x->args[k - 1]);
  }
  for (size_t i = 0; i < w->partition.n && rc == CREDO_OK; i++)
    rc = eng_compile_sub(cc, w->partition.items[i], 0, &x->args[k++]);
  for (size_t i = 0; i < w->n_order && rc == CREDO_OK; i++)
    rc = eng_compile_sub(cc, w->order[i].expr, 0, &x->args[k++]);
  return rc;
}

int eng_compile_window(eng_cctx *cc, const cql_expr *e, int in_agg,
                       eng_expr **out) {
  const wf_def *wf = NULL;
  const char *clause = cc->clause;
  eng_expr *x;
  int rc;
  if ((rc = where_ok(cc, e, in_agg)) != CREDO_OK ||
      (rc = find_wf(cc, e, &wf)) != CREDO_OK)
    return rc;
  if (!(x = eng_node_new(e, ENG_X_WIN)))
    return eng_err(cc->db, CREDO_NOMEM, "out of memory");
  x->idx = wf->fn;
  x->op = (int)e->list.n;
  x->negated = e->filter != NULL;
  x->win = e->over;
  /* no window inside a window's arguments, partition or order */
  cc->wins_ok = 0;
  cc->clause = "a window's arguments";
  rc = compile_parts(cc, e, wf->agg, x);
  cc->wins_ok = 1;
  cc->clause = clause;
  if (rc != CREDO_OK) {
    eng_expr_free(x);
    return rc;
  }
  x->st = win_type(wf->fn, x);
  *out = x;
  return CREDO_OK;
}

int eng_expr_has_win(const eng_expr *e) {
  if (!e)
    return 0;
  if (e->kind == ENG_X_WIN)
    return 1;
  if (eng_expr_has_win(e->a) || eng_expr_has_win(e->b) ||
      eng_expr_has_win(e->c))
    return 1;
  for (size_t i = 0; i < e->nargs; i++)
    if (eng_expr_has_win(e->args[i]))
      return 1;
  return 0;
}
