/*
 * fn_scalar.h -- CQL's scalar functions (text, numbers, times) and CAST:
 * their names and argument counts, their static result types, and their
 * evaluation over already evaluated arguments.
 *
 * Contract: eng_sf_eval gets the call node (for error positions) and its
 * argument values; results that need memory (texts) are allocated in the
 * row arena of the context. Text functions count characters (UTF-8 code
 * points), not bytes; lower / upper follow Unicode (utf8proc). Time
 * functions work in the session's time zone (db->tz: the store's unless
 * the session set its own). Errors (bad arguments, out of range) are
 * positioned on the handle and returned.
 *
 * Thread rules: as the statement that evaluates them (one thread at a
 * time per handle).
 * Does not: evaluate argument expressions (expr.c does, then calls in) or
 * aggregate.
 */
#ifndef CREDO_ENG_FN_SCALAR_H
#define CREDO_ENG_FN_SCALAR_H

#include "expr.h"

enum eng_sf {
  ENG_SF_SUBSTR = 1,
  ENG_SF_REPLACE,
  ENG_SF_TRIM,
  ENG_SF_LTRIM,
  ENG_SF_RTRIM,
  ENG_SF_LOWER,
  ENG_SF_UPPER,
  ENG_SF_LENGTH,
  ENG_SF_POSITION,
  ENG_SF_CONCAT,
  ENG_SF_LEFT,
  ENG_SF_RIGHT,
  ENG_SF_ROUND,
  ENG_SF_ABS,
  ENG_SF_FLOOR,
  ENG_SF_CEIL,
  ENG_SF_GREATEST,
  ENG_SF_LEAST,
  ENG_SF_NULLIF,
  ENG_SF_DATE_TRUNC,
  ENG_SF_EXTRACT,
  ENG_SF_TO_CHAR,
  ENG_SF_NOW
};

typedef struct eng_sf_def {
  const char *name;
  int sf;       /* enum eng_sf */
  int min, max; /* argument counts; max -1: any */
} eng_sf_def;

/* The function called `name` (lowercase), or NULL. */
const eng_sf_def *eng_sf_find(const char *name);
/* The i-th scalar function name (aliases included), NULL past the end. */
const char *eng_sf_name_at(size_t i);
/* The i-th name of the other calls (aggregates, coalesce; expr_call.c),
 * NULL past the end. */
const char *eng_call_name_at(size_t i);
/* Every scalar function name, comma-separated (for messages). */
const char *eng_sf_names(void);
/* The closest known function name to `name` (scalar and the aggregates
 * in `extra`, NULL-terminated), when it is a near miss; else NULL. */
const char *eng_sf_suggest(const char *name, const char *const *extra);

/* The name in `names` (NULL-terminated) closest to `name` when it is a
 * near miss (an edit or two away), else NULL. */
const char *eng_suggest_in(const char *name, const char *const *names);

/* The static result type of sf over arguments of static types st[0..n)
 * (ENG_V_ANY when it depends on the row). */
int eng_sf_type(int sf, const int *st, size_t n);

/* Evaluates sf on args[0..n) (evaluated; they may be modified). */
int eng_sf_eval(eng_ectx *x, const eng_expr *e, int sf, eng_value *args,
                size_t n, eng_value *out);

/* CAST(v AS `to`) (enum cql_cast) in place; `at` positions errors. */
int eng_cast(eng_ectx *x, const eng_expr *at, int to, eng_value *v);
/* The value type a cast to `to` produces. */
int eng_cast_type(int to);

#endif /* CREDO_ENG_FN_SCALAR_H */
