/*
 * fn_int.h -- what the scalar function files (fn_scalar.c, fn_text.c,
 * fn_time.c) share; internal to them.
 *
 * Does not: declare anything other modules call (fn_scalar.h does).
 */
#ifndef CREDO_ENG_FN_INT_H
#define CREDO_ENG_FN_INT_H

#include <stdarg.h>

#include "fn_scalar.h"

/* A positioned error at call `e` (eng_cql_err with a printf format). */
int eng_fn_err(eng_ectx *x, const eng_expr *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The integer of an INT (or integral DECIMAL) argument of `fn`. */
int eng_fn_int_arg(eng_ectx *x, const eng_expr *e, const char *fn,
                   const eng_value *v, int64_t *out);
/* Text functions (no NULL arguments unless sf is concat). */
int eng_fn_text(eng_ectx *x, const eng_expr *e, int sf, eng_value *a, size_t n,
                eng_value *out);
/* date_trunc, extract, to_char (no NULL arguments). */
int eng_fn_time(eng_ectx *x, const eng_expr *e, int sf, eng_value *a,
                eng_value *out);

#endif /* CREDO_ENG_FN_INT_H */
