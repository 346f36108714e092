/*
 * exec_subq.c -- uncorrelated subqueries: `x [NOT] IN (SELECT ...)`,
 * `EXISTS (SELECT ...)` and scalar `(SELECT ...)`.
 *
 * Each subquery of a SELECT's plan is a child statement (stmt.c) made at
 * prepare, so its errors are positioned in the statement's text like any
 * other. At the start of each execution, before the outer statement opens
 * its read transaction, every child runs to completion on the same handle
 * -- with the same role, so every rule of the role (the public role's
 * window, masking and hidden fields) holds inside subqueries too -- and
 * leaves its result: the set of keys of its values (IN), whether a row
 * came (EXISTS), or its one value (scalar; more than one row is an
 * error). Children take the parent's parameter values.
 *
 * Invariants: st->subres[i] belongs to plan slot i and lives until the
 * next reset; a child is never in the handle's statement list.
 *
 * Does not: correlate (exec_corr.c runs the subqueries that read the
 * outer row, once per row) or evaluate (expr_call.c).
 */
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"

static int nomem(credo_stmt *st) {
  return eng_err(st->db, CREDO_NOMEM, "out of memory");
}

int eng_subq_prepare(credo_stmt *st) {
  const eng_subq_list *l = &st->plan->subqs;
  int rc;
  if (!l->n)
    return CREDO_OK;
  st->subs = calloc(l->n, sizeof *st->subs);
  st->subres = calloc(l->n, sizeof *st->subres);
  if (!st->subs || !st->subres)
    return nomem(st);
  st->nsubs = l->n;
  for (size_t i = 0; i < l->n; i++) {
    const cql_expr *e = l->at[i];
    if ((rc = eng_corr_child(st, i, e)) != CREDO_OK) /* exec_corr.c */
      return rc;
    if (e->kind != CQL_E_EXISTS && st->subs[i]->ncols != 1)
      return eng_cql_err(st->db, CREDO_SEMANTIC, e->sub->pos.line,
                         e->sub->pos.column,
                         "a subquery used as a value must return one "
                         "column, not %zu",
                         st->subs[i]->ncols);
  }
  return CREDO_OK;
}

static void result_clear(eng_subres *r) {
  eng_keyset_free(r->set);
  free(r->scalar);
  memset(r, 0, sizeof *r);
}

/* Runs child i to completion into st->subres[i]. */
static int run_one(credo_stmt *st, size_t i) {
  credo_stmt *c = st->subs[i];
  const cql_expr *e = st->plan->subqs.at[i];
  eng_subres *r = &st->subres[i];
  int rc;
  result_clear(r);
  eng_exec_reset(c);
  for (int k = 0; k < c->nparams && k < st->nparams; k++)
    c->params[k] = st->params[k];
  while ((rc = eng_exec_step(c)) == CREDO_ROW) {
    const eng_value *v = &c->row[0];
    r->exists = 1;
    if (e->kind == CQL_E_EXISTS)
      break; /* one row answers it */
    if (e->kind == CQL_E_SUBQUERY) {
      if (r->scalar) {
        rc = eng_cql_err(st->db, CREDO_SEMANTIC, e->pos.line, e->pos.column,
                         "a subquery used as a value returned more than "
                         "one row");
        break;
      }
      if (!(r->scalar = eng_brow_make(v, 1, 0)))
        rc = nomem(st);
    } else if (v->t == ENG_V_NULL)
      r->any_null = 1;
    else if (eng_keyset_add(&r->set, v) < 0)
      rc = nomem(st);
    if (rc != CREDO_ROW)
      break;
  }
  eng_exec_reset(c); /* ends its read transaction */
  return rc == CREDO_DONE || rc == CREDO_ROW ? CREDO_OK : rc;
}

int eng_subq_run_one(credo_stmt *st, size_t i) {
  return run_one(st, i);
}

int eng_subq_run(credo_stmt *st) {
  int rc;
  for (size_t i = 0; i < st->nsubs; i++) /* correlated: per row instead */
    if (!eng_corr_is(st, i) && (rc = run_one(st, i)) != CREDO_OK)
      return rc;
  return CREDO_OK;
}

void eng_subq_reset(credo_stmt *st) {
  for (size_t i = 0; i < st->nsubs; i++) {
    if (st->subres) /* set operations have children without results */
      result_clear(&st->subres[i]);
    if (st->subs[i])
      eng_exec_reset(st->subs[i]);
  }
}

void eng_subq_free(credo_stmt *st) {
  eng_subq_reset(st);
  eng_corr_free(st);
  for (size_t i = 0; i < st->nsubs; i++)
    eng_stmt_child_free(st->subs[i]);
  free(st->subs);
  free(st->subres);
  st->subs = NULL;
  st->subres = NULL;
  st->nsubs = 0;
}
