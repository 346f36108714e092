/*
 * expr_call.c -- compiling and evaluating function calls, aggregates
 * (with DISTINCT and FILTER), CASE and CAST.
 *
 * Compilation looks a name up among the aggregates and coalesce first,
 * then among the scalar functions (fn_scalar.h); an unknown name is an
 * error listing the known ones, with a "did you mean" for near misses.
 * Aggregate calls become ENG_X_AGG slots whose spec owns the argument,
 * the separator of string_agg and the FILTER condition.
 *
 * Evaluation: CASE evaluates its WHEN conditions in order and only the
 * chosen THEN (so `CASE WHEN n = 0 THEN 0 ELSE x / n END` never divides
 * by zero); the simple form compares the operand with each WHEN value by
 * `=`. Scalar functions get their arguments evaluated (strict).
 *
 * Does not: run aggregates (expr_agg.c) or the operators (expr_eval.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr_int.h"
#include "fn_scalar.h"

static const struct {
  const char *name;
  int fn, min, max; /* argument counts; max -1 = any */
} FUNCS[] = {{"coalesce", ENG_FN_COALESCE, 1, -1},
             {"count", ENG_FN_COUNT, 1, 1},
             {"sum", ENG_FN_SUM, 1, 1},
             {"avg", ENG_FN_AVG, 1, 1},
             {"min", ENG_FN_MIN, 1, 1},
             {"max", ENG_FN_MAX, 1, 1},
             {"string_agg", ENG_FN_STRING_AGG, 2, 2}};
#define NFUNCS (sizeof FUNCS / sizeof FUNCS[0])

const char *eng_call_name_at(size_t i) {
  return i < NFUNCS ? FUNCS[i].name : NULL;
}

static const char *const AGG_LIST[] = {"coalesce", "count", "sum",        "avg",
                                       "min",      "max",   "string_agg", NULL};

static int is_agg_fn(int fn) {
  return fn >= ENG_FN_COUNT_STAR;
}

static const char *fn_name(int fn) {
  if (fn == ENG_FN_COUNT_STAR)
    return "count";
  for (size_t i = 0; i < NFUNCS; i++)
    if (FUNCS[i].fn == fn)
      return FUNCS[i].name;
  return "?";
}

static int nomem(eng_cctx *cc) {
  return eng_err(cc->db, CREDO_NOMEM, "out of memory");
}

static int arg_count_err(eng_cctx *cc, const cql_expr *e, int min, int max) {
  static const char *const words[] = {"none", "one", "two", "three"};
  char want[64], got[32];
  if (max < 0)
    snprintf(want, sizeof want, "at least %s", min <= 3 ? words[min] : "4");
  else if (min == max)
    snprintf(want, sizeof want, "%s", min <= 3 ? words[min] : "4");
  else
    snprintf(want, sizeof want, "%d to %d", min, max);
  snprintf(got, sizeof got, "%zu", e->list.n);
  return eng_cql_err(cc->db, CREDO_SEMANTIC, e->pos.line, e->pos.column,
                     "wrong number of arguments: %s takes %s, not %s",
                     e->text ? e->text : "?", want, got);
}

static int unknown_fn(eng_cctx *cc, const cql_expr *e) {
  const char *name = e->text ? e->text : "";
  const char *near = eng_sf_suggest(name, AGG_LIST);
  char hint[80] = "";
  if (near)
    snprintf(hint, sizeof hint, "; did you mean %s?", near);
  return eng_cql_err(cc->db, CREDO_SEMANTIC, e->pos.line, e->pos.column,
                     "unknown function \"%s\"%s (functions: %s, count, sum, "
                     "avg, min, max, string_agg)",
                     name, hint, eng_sf_names());
}

/* *fn: ENG_FN_* for coalesce and aggregates, -ENG_SF_* for scalars. */
static int find_fn(eng_cctx *cc, const cql_expr *e, int *fn) {
  const char *name = e->text ? e->text : "";
  const eng_sf_def *sf;
  int n = e->star ? 0 : (int)e->list.n;
  for (size_t i = 0; i < NFUNCS; i++) {
    if (strcasecmp(FUNCS[i].name, name) != 0)
      continue;
    *fn = FUNCS[i].fn;
    if (e->star) {
      if (*fn != ENG_FN_COUNT)
        return eng_cc_err(cc, e, CREDO_SEMANTIC,
                          "%s(*) is not a function; only count takes *%s", name,
                          "");
      *fn = ENG_FN_COUNT_STAR;
      return CREDO_OK;
    }
    if (n < FUNCS[i].min || (FUNCS[i].max >= 0 && n > FUNCS[i].max))
      return arg_count_err(cc, e, FUNCS[i].min, FUNCS[i].max);
    return CREDO_OK;
  }
  if (!(sf = eng_sf_find(name)))
    return unknown_fn(cc, e);
  if (e->star)
    return eng_cc_err(cc, e, CREDO_SEMANTIC,
                      "%s(*) is not a function; only count takes *%s", name,
                      "");
  if (n < sf->min || (sf->max >= 0 && n > sf->max))
    return arg_count_err(cc, e, sf->min, sf->max);
  *fn = -sf->sf;
  return CREDO_OK;
}

/* The static type of aggregate `fn` over an argument of type `st` (min,
 * max, first_value, ...: the argument's); shared with window calls. */
int eng_agg_type(int fn, int st) {
  switch (fn) {
  case ENG_FN_COUNT:
  case ENG_FN_COUNT_STAR:
    return ENG_V_INT;
  case ENG_FN_STRING_AGG:
    return ENG_V_TEXT;
  case ENG_FN_AVG:
    return st == ENG_V_INT || st == ENG_V_DECIMAL ? ENG_V_DECIMAL
           : st == ENG_V_DURATION                 ? ENG_V_DURATION
                                                  : ENG_V_ANY;
  case ENG_FN_SUM:
    return eng_v_numeric(st) || st == ENG_V_DURATION ? st : ENG_V_ANY;
  default:
    return st;
  }
}

static int fn_type(int fn, const eng_expr *x) {
  int st = x->nargs ? x->args[0]->st : ENG_V_ANY;
  if (fn != ENG_FN_COALESCE)
    return eng_agg_type(fn, st);
  for (size_t i = 1; i < x->nargs; i++)
    if (x->args[i]->st != st)
      return ENG_V_ANY;
  return st;
}

static int add_agg(eng_cctx *cc, const eng_agg_spec *spec, int *slot) {
  if (cc->naggs == cc->aggs_cap) {
    size_t cap = cc->aggs_cap ? cc->aggs_cap * 2 : 4;
    eng_agg_spec *a = realloc(cc->aggs, cap * sizeof *a);
    if (!a)
      return nomem(cc);
    cc->aggs = a;
    cc->aggs_cap = cap;
  }
  cc->aggs[cc->naggs] = *spec;
  *slot = (int)cc->naggs++;
  return CREDO_OK;
}

static int agg_checks(eng_cctx *cc, const cql_expr *e, int fn, int in_agg) {
  if (in_agg)
    return eng_cc_err(cc, e, CREDO_SEMANTIC,
                      "aggregate functions cannot be nested (%s inside an "
                      "aggregate)%s",
                      fn_name(fn), "");
  if (!cc->aggs_ok)
    return eng_cc_err(cc, e, CREDO_SEMANTIC,
                      "aggregate function %s is not allowed in %s", fn_name(fn),
                      cc->clause ? cc->clause : "this clause");
  return CREDO_OK;
}

/* Turns compiled call x (its args compiled) into an aggregate slot. */
static int make_agg(eng_cctx *cc, const cql_expr *e, int fn, eng_expr *x) {
  eng_agg_spec spec = {.fn = fn, .distinct = e->distinct};
  int slot = 0, rc;
  spec.arg = x->nargs > 0 ? x->args[0] : NULL;
  spec.arg2 = x->nargs > 1 ? x->args[1] : NULL;
  free(x->args);
  x->args = NULL;
  x->nargs = 0;
  if (e->filter) {
    const char *clause = cc->clause;
    cc->clause = "FILTER";
    rc = eng_compile_sub(cc, e->filter, 1, &spec.filter);
    cc->clause = clause;
    if (rc == CREDO_OK)
      rc = eng_check_bool(cc, spec.filter);
    if (rc != CREDO_OK)
      goto fail;
  }
  if ((rc = add_agg(cc, &spec, &slot)) != CREDO_OK)
    goto fail;
  x->kind = ENG_X_AGG;
  x->idx = slot;
  return CREDO_OK;
fail:
  eng_expr_free(spec.arg);
  eng_expr_free(spec.arg2);
  eng_expr_free(spec.filter);
  return rc;
}

int eng_compile_call(eng_cctx *cc, const cql_expr *e, int in_agg,
                     eng_expr **out) {
  eng_expr *x;
  int fn = 0, rc, agg;
  if ((rc = find_fn(cc, e, &fn)) != CREDO_OK)
    return rc;
  agg = fn > 0 && is_agg_fn(fn);
  if (agg && (rc = agg_checks(cc, e, fn, in_agg)) != CREDO_OK)
    return rc;
  if (!agg && (e->distinct || e->filter))
    return eng_cc_err(cc, e, CREDO_SEMANTIC,
                      "%s is not an aggregate function: %s applies to "
                      "aggregates only",
                      e->text ? e->text : "?",
                      e->distinct ? "DISTINCT" : "FILTER");
  if (!(x = eng_node_new(e, fn < 0 ? ENG_X_SFUNC : ENG_X_FUNC)))
    return nomem(cc);
  x->idx = fn < 0 ? -fn : fn;
  if ((rc = eng_compile_args(cc, &e->list, in_agg || agg, x)) != CREDO_OK) {
    eng_expr_free(x);
    return rc;
  }
  if (fn < 0) {
    int st[8];
    size_t n = x->nargs < 8 ? x->nargs : 8;
    for (size_t i = 0; i < n; i++)
      st[i] = x->args[i]->st;
    x->st = eng_sf_type(-fn, st, n);
  } else
    x->st = fn_type(fn, x);
  if (agg && (rc = make_agg(cc, e, fn, x)) != CREDO_OK) {
    eng_expr_free(x);
    return rc;
  }
  *out = x;
  return CREDO_OK;
}

/* ------------------------------------------------------ CASE and CAST */

/* The common type of the THEN / ELSE values, as far as known. */
static int case_type(const eng_expr *x) {
  int st = ENG_V_NULL;
  for (size_t i = 1; i <= x->nargs; i += 2) {
    const eng_expr *v = i < x->nargs ? x->args[i] : x->b;
    int t = v ? v->st : ENG_V_NULL;
    if (t == ENG_V_NULL)
      continue;
    if (st == ENG_V_NULL)
      st = t;
    else if (st != t)
      return eng_v_numeric(st) && eng_v_numeric(t) && st != ENG_V_REAL &&
                     t != ENG_V_REAL
                 ? ENG_V_DECIMAL
                 : ENG_V_ANY;
  }
  return st == ENG_V_NULL ? ENG_V_ANY : st;
}

static int compile_case(eng_cctx *cc, const cql_expr *e, int in_agg,
                        eng_expr *x) {
  int rc;
  if (e->a && (rc = eng_compile_sub(cc, e->a, in_agg, &x->a)) != CREDO_OK)
    return rc;
  if (e->b && (rc = eng_compile_sub(cc, e->b, in_agg, &x->b)) != CREDO_OK)
    return rc;
  if ((rc = eng_compile_args(cc, &e->list, in_agg, x)) != CREDO_OK)
    return rc;
  for (size_t i = 0; i + 1 < x->nargs; i += 2) {
    rc = x->a ? eng_check_compare(cc, x->a, x->args[i])
              : eng_check_bool(cc, x->args[i]);
    if (rc != CREDO_OK)
      return rc;
  }
  x->st = case_type(x);
  return CREDO_OK;
}

int eng_compile_case_cast(eng_cctx *cc, const cql_expr *e, int in_agg,
                          eng_expr **out) {
  eng_expr *x =
      eng_node_new(e, e->kind == CQL_E_CASE ? ENG_X_CASE : ENG_X_CAST);
  int rc;
  if (!x)
    return nomem(cc);
  if (e->kind == CQL_E_CASE)
    rc = compile_case(cc, e, in_agg, x);
  else {
    x->idx = (int)e->ival;
    x->st = eng_cast_type(x->idx);
    rc = eng_compile_sub(cc, e->a, in_agg, &x->a);
  }
  if (rc != CREDO_OK) {
    eng_expr_free(x);
    return rc;
  }
  *out = x;
  return CREDO_OK;
}

/* ------------------------------------------------------- subqueries */

static int add_subq(eng_cctx *cc, const cql_expr *e, int *slot) {
  eng_subq_list *l = cc->subqs;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 4;
    const cql_expr **at = realloc(l->at, cap * sizeof *at);
    if (!at)
      return nomem(cc);
    l->at = at;
    l->cap = cap;
  }
  l->at[l->n] = e;
  *slot = (int)l->n++;
  return CREDO_OK;
}

int eng_compile_subq(eng_cctx *cc, const cql_expr *e, int in_agg,
                     eng_expr **out) {
  eng_expr *x;
  int rc, slot = 0;
  if (!cc->subqs)
    return eng_cc_err(cc, e, CREDO_NOTSUP,
                      "a subquery is not supported in %s%s; only in SELECT",
                      cc->clause ? cc->clause : "this statement", "");
  if (!(x = eng_node_new(e, ENG_X_SUBQ)))
    return nomem(cc);
  x->op = e->kind;
  x->negated = e->negated;
  x->st = e->kind == CQL_E_SUBQUERY ? ENG_V_ANY : ENG_V_BOOL;
  if ((e->a && (rc = eng_compile_sub(cc, e->a, in_agg, &x->a)) != CREDO_OK) ||
      (rc = add_subq(cc, e, &slot)) != CREDO_OK) {
    eng_expr_free(x);
    return rc;
  }
  x->idx = slot;
  *out = x;
  return CREDO_OK;
}

/* a [NOT] IN (subquery), EXISTS, (subquery) from the results computed
 * before the statement's rows are read. */
static int eval_subq(eng_ectx *x, const eng_expr *e, eng_value *out) {
  const eng_subres *r;
  eng_value a;
  int rc;
  /* correlated: run it again for this row first (exec_corr.c) */
  if (x->corr && (rc = x->corr(x->corr_arg, e->idx)) != CREDO_OK)
    return rc;
  r = x->subres ? &x->subres[e->idx] : NULL;
  if (!r)
    return eng_cql_err(x->db, CREDO_MISUSE, e->line, e->col,
                       "subquery evaluated before it ran");
  if (e->op == CQL_E_EXISTS) {
    *out = eng_v_bool(r->exists);
    return CREDO_OK;
  }
  if (e->op == CQL_E_SUBQUERY) {
    *out = r->scalar ? r->scalar->v[0] : eng_v_null();
    return CREDO_OK;
  }
  if ((rc = eng_eval(x, e->a, &a)) != CREDO_OK)
    return rc;
  if (a.t == ENG_V_NULL || (!eng_keyset_has(r->set, &a) && r->any_null)) {
    *out = eng_v_null(); /* SQL: unknown, so NOT IN with a NULL is empty */
    return CREDO_OK;
  }
  *out = eng_v_bool(eng_keyset_has(r->set, &a) != e->negated);
  return CREDO_OK;
}

/* --------------------------------------------------------- evaluation */

static int eval_case(eng_ectx *x, const eng_expr *e, eng_value *out) {
  eng_value op = eng_v_null(), w;
  int rc, tri;
  if (e->a && (rc = eng_eval(x, e->a, &op)) != CREDO_OK)
    return rc;
  for (size_t i = 0; i + 1 < e->nargs; i += 2) {
    if (!e->a) {
      if ((rc = eng_eval_cond(x, e->args[i], &tri)) != CREDO_OK)
        return rc;
    } else {
      int c;
      if ((rc = eng_eval(x, e->args[i], &w)) != CREDO_OK)
        return rc;
      if (w.t == ENG_V_TIME && op.t == ENG_V_TEXT) {
        credo_time t;
        if (eng_v_text_time(&op, x->db->tz, &t) == CREDO_OK)
          op = eng_v_time(t);
      }
      tri = op.t != ENG_V_NULL && w.t != ENG_V_NULL &&
            eng_v_compare(&op, &w, &c) == 0 && c == 0;
    }
    if (tri == 1)
      return eng_eval(x, e->args[i + 1], out);
  }
  if (e->b)
    return eng_eval(x, e->b, out);
  *out = eng_v_null();
  return CREDO_OK;
}

#define ENG_SF_MAX_ARGS 64

static int eval_sfunc(eng_ectx *x, const eng_expr *e, eng_value *out) {
  eng_value args[ENG_SF_MAX_ARGS];
  int rc;
  if (e->nargs > ENG_SF_MAX_ARGS)
    return eng_cql_err(x->db, CREDO_SEMANTIC, e->line, e->col,
                       "too many arguments (at most %d)", ENG_SF_MAX_ARGS);
  for (size_t i = 0; i < e->nargs; i++)
    if ((rc = eng_eval(x, e->args[i], &args[i])) != CREDO_OK)
      return rc;
  return eng_sf_eval(x, e, e->idx, args, e->nargs, out);
}

int eng_eval_ax(eng_ectx *x, const eng_expr *e, eng_value *out) {
  int rc;
  switch (e->kind) {
  case ENG_X_SFUNC:
    return eval_sfunc(x, e, out);
  case ENG_X_CASE:
    return eval_case(x, e, out);
  case ENG_X_SUBQ:
    return eval_subq(x, e, out);
  default:
    if ((rc = eng_eval(x, e->a, out)) != CREDO_OK)
      return rc;
    return eng_cast(x, e, e->idx, out);
  }
}
