/*
 * expr_logic.c -- compilation and evaluation of AND / OR chains
 * (ENG_X_LOGIC, from the parser's flat CQL_E_LOGIC nodes).
 *
 * Owns: the n-ary form of the two connectives. A chain of thousands of
 * terms (generated queries) is one node with its operands in `args`, so
 * compiling, evaluating and freeing it loops over the terms instead of
 * recursing once per term; recursion stays bounded by the real nesting
 * (CQL_MAX_DEPTH).
 *
 * Invariants: op is CQL_OP_AND or CQL_OP_OR, nargs >= 2, every operand
 * is a condition (BOOL, or a type known only per row). Evaluation is SQL
 * three-valued logic, left to right, stopping at the first FALSE (AND) or
 * TRUE (OR): an operand after it is not evaluated, as with the binary
 * form it replaces.
 *
 * Does not: reorder operands or pick index paths (plan.c reads the
 * conjuncts of a top-level AND).
 */
#include "expr_int.h"

int eng_compile_logic(eng_cctx *cc, const cql_expr *e, int in_agg,
                      eng_expr **out) {
  eng_expr *x = eng_node_new(e, ENG_X_LOGIC);
  int rc;
  *out = NULL;
  if (!x)
    return eng_err(cc->db, CREDO_NOMEM, "out of memory");
  x->op = e->op;
  x->st = ENG_V_BOOL;
  rc = eng_compile_args(cc, &e->list, in_agg, x);
  for (size_t i = 0; i < x->nargs && rc == CREDO_OK; i++)
    rc = eng_check_bool(cc, x->args[i]);
  if (rc != CREDO_OK) {
    eng_expr_free(x);
    return rc;
  }
  *out = x;
  return CREDO_OK;
}

int eng_eval_logic(eng_ectx *x, const eng_expr *e, eng_value *out) {
  /* AND stops at FALSE (0), OR at TRUE (1) */
  int stop = e->op == CQL_OP_OR, unknown = 0, tri, rc;
  for (size_t i = 0; i < e->nargs; i++) {
    if ((rc = eng_eval_cond(x, e->args[i], &tri)) != CREDO_OK)
      return rc;
    if (tri == stop) {
      *out = eng_v_bool(stop);
      return CREDO_OK;
    }
    if (tri < 0)
      unknown = 1;
  }
  *out = unknown ? eng_v_null() : eng_v_bool(!stop);
  return CREDO_OK;
}
