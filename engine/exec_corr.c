/*
 * exec_corr.c -- correlated subqueries (issue 15): `EXISTS (SELECT 1 FROM
 * events e WHERE e.subject = s.id)`, `NOT EXISTS`, `x IN (SELECT ...)`
 * and scalar `(SELECT ...)` that read the outer row.
 *
 * At prepare, a subquery's child statement is made with db->outer set to
 * the outer statement's FROM, so the child compiles the names its own
 * FROM lacks into outer references (expr_scope.c); the outer statement
 * then compiles those names itself. At run time, each time the outer
 * statement evaluates such a subquery it computes the references on the
 * current row, hands the child a copy of them and runs the child again
 * (inside the outer statement's read transaction: one snapshot) before
 * reading its result. An outer reference is a per-run constant for the
 * child, so `e.subject = s.id` is the child's index path (a look-up per
 * outer row).
 *
 * Invariants: only subqueries with outer references are run per row (the
 * others run once, exec_subq.c); the public role never correlates on a
 * subject or the registry's internals (a subquery could otherwise match
 * the real id behind a masked one); with GROUP BY or aggregates, a
 * correlated subquery may appear only in WHERE / ON (evaluated per input
 * row).
 *
 * Does not: reach more than one level out (a subquery's subquery sees its
 * own outer statement only) or correlate subqueries of FROM (those run
 * once, exec_join.c).
 */
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"

#define MAX_REFS 16

typedef struct eng_corr {
  eng_expr **refs; /* in the outer statement, by ENG_X_OUTER idx */
  size_t n;
} eng_corr;

static int ast_contains(const cql_expr *root, const cql_expr *e) {
  if (!root)
    return 0;
  if (root == e)
    return 1;
  if (ast_contains(root->a, e) || ast_contains(root->b, e) ||
      ast_contains(root->c, e) || ast_contains(root->filter, e))
    return 1;
  for (size_t i = 0; i < root->list.n; i++)
    if (ast_contains(root->list.items[i], e))
      return 1;
  return 0;
}

/* With grouping, a correlated subquery must be evaluated per input row:
 * in WHERE or an ON condition. */
static int placed_per_row(const eng_plan *p, const cql_expr *e) {
  if (!p->grouped || ast_contains(p->sel->where, e))
    return 1;
  for (size_t i = 0; i < p->sel->n_from; i++)
    if (ast_contains(p->sel->from[i].on, e))
      return 1;
  return 0;
}

/* The public role correlates on no subject and no internal column. */
static int public_ref(credo_stmt *st, const eng_expr *r) {
  const eng_plan *p = st->plan;
  int table = p->join ? p->join->scope.table[r->tab] : p->table;
  if (st->db->role != CREDO_ROLE_PUBLIC || table != CQL_TABLE_EVENTS ||
      r->kind != ENG_X_COL)
    return CREDO_OK;
  if (r->idx == ENG_EV_SUBJECT || r->idx == ENG_EV_VERSION ||
      r->idx == ENG_EV_RECORDED || r->idx == ENG_EV_ACTOR ||
      r->idx == ENG_EV_OP || r->idx == ENG_EV_REASON)
    return eng_cql_err(st->db, CREDO_DENIED, r->line, r->col,
                       "permission denied: role public cannot correlate a "
                       "subquery on %s",
                       eng_col_name(CQL_TABLE_EVENTS, r->idx));
  return CREDO_OK;
}

/* Compiles the outer references of child i in st's own FROM. */
static int bind_refs(credo_stmt *st, size_t i, const cql_expr *e,
                     const eng_outer *o) {
  const eng_plan *p = st->plan;
  eng_cctx cc = {.db = st->db,
                 .table = p->table,
                 .nparams = st->nparams,
                 .clause = "a correlated subquery",
                 .scope = p->join ? &p->join->scope : NULL};
  eng_corr *c;
  int rc;
  if (o->n > MAX_REFS || e->sub->next || !placed_per_row(p, e))
    return eng_cql_err(st->db, CREDO_NOTSUP, e->pos.line, e->pos.column, "%s",
                       o->n > MAX_REFS ? "a subquery reads too many outer "
                                         "columns (at most 16)"
                       : e->sub->next
                           ? "a correlated subquery cannot be a set "
                             "operation (UNION / EXCEPT / INTERSECT)"
                           : "with GROUP BY or aggregates, a correlated "
                             "subquery may appear only in WHERE or ON");
  if (!st->corr && !(st->corr = calloc(st->nsubs, sizeof *st->corr)))
    return eng_exec_nomem(st->db);
  c = &st->corr[i];
  if (!(c->refs = calloc(o->n, sizeof *c->refs)))
    return eng_exec_nomem(st->db);
  c->n = o->n;
  for (size_t k = 0; k < o->n; k++)
    if ((rc = eng_expr_compile(&cc, o->refs[k], &c->refs[k])) != CREDO_OK ||
        (rc = public_ref(st, c->refs[k])) != CREDO_OK)
      return rc;
  return CREDO_OK;
}

int eng_corr_child(credo_stmt *st, size_t i, const cql_expr *e) {
  const eng_plan *p = st->plan;
  eng_outer o = {.table = p->table, .scope = p->join ? &p->join->scope : NULL};
  eng_outer *saved = st->db->outer;
  int rc;
  st->db->outer = &o;
  rc = eng_stmt_child(st->db, e->sub, st->src, st->nparams, &st->subs[i]);
  st->db->outer = saved;
  if (rc == CREDO_OK && o.n)
    rc = bind_refs(st, i, e, &o);
  free(o.refs);
  return rc;
}

int eng_corr_is(const credo_stmt *st, size_t i) {
  return st->corr && st->corr[i].n;
}

/* The outer row's values of slot's references, then the child again. */
int eng_corr_run(void *arg, int slot) {
  credo_stmt *st = arg;
  const eng_corr *c = st->corr ? &st->corr[slot] : NULL;
  credo_stmt *child;
  eng_value v[MAX_REFS];
  stor_txn *saved;
  int rc;
  if (!c || !c->n)
    return CREDO_OK;
  for (size_t k = 0; k < c->n; k++)
    if ((rc = eng_eval(&st->x, c->refs[k], &v[k])) != CREDO_OK)
      return rc;
  child = st->subs[slot];
  free(child->outer_row); /* a copy: the child's reads may reuse buffers */
  if (!(child->outer_row = eng_brow_make(v, c->n, 0)))
    return eng_exec_nomem(st->db);
  saved = st->db->txn; /* the child reads the outer statement's snapshot */
  if (!saved)
    st->db->txn = st->txn;
  rc = eng_subq_run_one(st, (size_t)slot);
  st->db->txn = saved;
  return rc;
}

void eng_corr_free(credo_stmt *st) {
  for (size_t i = 0; st->corr && i < st->nsubs; i++) {
    for (size_t k = 0; k < st->corr[i].n; k++)
      eng_expr_free(st->corr[i].refs[k]);
    free(st->corr[i].refs);
    if (st->subs && st->subs[i]) {
      free(st->subs[i]->outer_row);
      st->subs[i]->outer_row = NULL;
    }
  }
  free(st->corr);
  st->corr = NULL;
}
