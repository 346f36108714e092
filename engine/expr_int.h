/*
 * expr_int.h -- what the parts of the expression module (expr_compile.c,
 * expr_row.c, expr_eval.c, expr_func.c) share. Internal to those files.
 */
#ifndef CREDO_ENG_EXPR_INT_H
#define CREDO_ENG_EXPR_INT_H

#include <jansson.h>

#include "expr.h"

/* 1 for the comparison operators (= <> < <= > >=). */
static inline int eng_is_cmp_op(int op) {
  return op >= CQL_OP_EQ && op <= CQL_OP_GE;
}

/* CREDO_NOMEM with its message on the context's handle. */
int eng_ectx_oom(eng_ectx *x);
/* CREDO_SEMANTIC at `at`: fmt with two %s arguments. */
int eng_eval_type_err(eng_ectx *x, const eng_expr *at, const char *fmt,
                      const char *a, const char *b);
/* data.a.b of the current event (NULL when missing). */
int eng_json_path(eng_ectx *x, const eng_expr *e, eng_value *out);
/* LIKE / NOT LIKE and the scalar functions (lower, upper, length,
 * coalesce). */
int eng_eval_like(eng_ectx *x, const eng_expr *e, eng_value *out);
int eng_eval_func(eng_ectx *x, const eng_expr *e, eng_value *out);

/* Compilation pieces shared by expr_compile.c and expr_call.c. */
eng_expr *eng_node_new(const cql_expr *e, int kind);
int eng_compile_sub(eng_cctx *cc, const cql_expr *e, int in_agg,
                    eng_expr **out);
int eng_compile_args(eng_cctx *cc, const cql_expr_list *l, int in_agg,
                     eng_expr *x);
/* A positioned error at AST node e: fmt with two %s arguments. */
int eng_cc_err(eng_cctx *cc, const cql_expr *e, int code, const char *fmt,
               const char *a, const char *b);
int eng_check_compare(eng_cctx *cc, const eng_expr *a, const eng_expr *b);
int eng_check_bool(eng_cctx *cc, const eng_expr *a);
/* Function calls, aggregates (expr_call.c); CASE and CAST. */
int eng_compile_call(eng_cctx *cc, const cql_expr *e, int in_agg,
                     eng_expr **out);
/* The static type of aggregate fn over an argument of type st (also for
 * window calls, exec_window.c / expr_win.c). */
int eng_agg_type(int fn, int st);
int eng_compile_case_cast(eng_cctx *cc, const cql_expr *e, int in_agg,
                          eng_expr **out);
/* [NOT] IN (SELECT ...), EXISTS (SELECT ...), (SELECT ...): registers
 * the subquery in cc->subqs (an error where none is allowed). */
int eng_compile_subq(eng_cctx *cc, const cql_expr *e, int in_agg,
                     eng_expr **out);
/* AND / OR chains, ENG_X_LOGIC (expr_logic.c). */
int eng_compile_logic(eng_cctx *cc, const cql_expr *e, int in_agg,
                      eng_expr **out);
int eng_eval_logic(eng_ectx *x, const eng_expr *e, eng_value *out);
/* Evaluation of ENG_X_SFUNC, CASE, CAST, SUBQ (expr_call.c). */
int eng_eval_ax(eng_ectx *x, const eng_expr *e, eng_value *out);

#endif /* CREDO_ENG_EXPR_INT_H */
