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

#endif /* CREDO_ENG_EXPR_INT_H */
