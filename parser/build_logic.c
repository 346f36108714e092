/*
 * build_logic.c -- the AST builder of AND and OR: chains become one n-ary
 * CQL_E_LOGIC node instead of a binary tree as high as the chain is long.
 *
 * Why: generated queries write `a AND b AND ...` and `x = 1 OR x = 2 OR
 * ...` with thousands of terms. As binary trees they were as high as they
 * were long, so the height limit (CQL_MAX_DEPTH) refused them and every
 * recursive walk (compile, plan, evaluation, free) would have recursed
 * once per term. A flat node keeps the height at the real nesting.
 *
 * Invariants: a CQL_E_LOGIC node has op CQL_OP_AND or CQL_OP_OR and
 * list.n >= 2 operands, none of which is a CQL_E_LOGIC node with the same
 * op (`(a AND b) AND c` and `a AND (b AND c)` both flatten: AND and OR
 * are associative, and the operands keep their source order, so
 * evaluation order and short-circuiting are as written). Appending is
 * amortised O(1) (cql_bx_grow doubles). As every builder, it takes
 * ownership of its arguments, also on failure.
 *
 * Does not: change precedence (the grammar decides what an operand is) or
 * flatten other operators (arithmetic chains stay binary).
 */
#include "build_int.h"

/* Moves operand x into e's list, splicing x's operands when x is a chain
 * of the same operator, and raises e's height to cover x. false when out
 * of memory (x freed, e's list emptied). */
static bool logic_take(cql_ctx *ctx, cql_expr *e, cql_expr *x) {
  if (x->kind != CQL_E_LOGIC || x->op != e->op) {
    if (x->height + 1 > e->height)
      e->height = x->height + 1;
    cql_b_list_add(ctx, &e->list, x);
    return ctx->rc == CREDO_OK;
  }
  if (x->height > e->height)
    e->height = x->height;
  for (size_t i = 0; i < x->list.n; i++) {
    cql_expr *item = x->list.items[i];
    x->list.items[i] = NULL;
    cql_b_list_add(ctx, &e->list, item);
    if (ctx->rc != CREDO_OK)
      break;
  }
  cql_expr_free(x);
  return ctx->rc == CREDO_OK;
}

cql_expr *cql_b_logic(cql_ctx *ctx, cql_op op, cql_expr *a, cql_expr *b) {
  cql_expr *e = NULL;
  size_t end;
  if (!a || !b || ctx->rc != CREDO_OK) {
    cql_expr_free(a);
    cql_expr_free(b);
    return NULL;
  }
  if (a->kind == CQL_E_LOGIC && a->op == op) {
    e = a; /* the usual case: a left-deep chain grows by one */
  } else {
    if (!(e = cql_b_node(ctx, CQL_E_LOGIC, a->pos, a->end))) {
      cql_expr_free(a);
      cql_expr_free(b);
      return NULL;
    }
    e->op = op;
    if (!logic_take(ctx, e, a)) {
      cql_expr_free(e);
      cql_expr_free(b);
      return NULL;
    }
  }
  end = b->end;
  if (!logic_take(ctx, e, b)) {
    cql_expr_free(e);
    return NULL;
  }
  e->end = end;
  if (e->height > CQL_MAX_DEPTH) {
    cql_ctx_error(ctx, e->pos, "expression nested too deeply (limit %d)",
                  CQL_MAX_DEPTH);
    cql_expr_free(e);
    return NULL;
  }
  return e;
}
