/*
 * expr_func.c -- LIKE and coalesce (the operator-like functions whose
 * arguments are not all evaluated up front).
 *
 * Does not: evaluate operators (expr_eval.c), scalar functions
 * (fn_scalar.c) or aggregates (expr_agg.c).
 */
#include <stddef.h>

#include "expr_int.h"

/* Length of the UTF-8 sequence starting with byte c (1 for stray bytes). */
static size_t u8len(unsigned char c) {
  return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* LIKE with % (any run) and _ (one character), case-sensitive; greedy
 * with one backtrack point, linear in practice. */
static int like_match(const char *s, size_t sn, const char *p, size_t pn) {
  size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;
  while (si < sn) {
    if (pi < pn && p[pi] == '_') {
      si += u8len((unsigned char)s[si]);
      pi++;
    } else if (pi < pn && p[pi] == '%') {
      star_p = ++pi;
      star_s = si;
    } else if (pi < pn && p[pi] == s[si]) {
      si++;
      pi++;
    } else if (star_p != (size_t)-1) {
      star_s += u8len((unsigned char)s[star_s]);
      si = star_s;
      pi = star_p;
    } else
      return 0;
  }
  while (pi < pn && p[pi] == '%')
    pi++;
  return pi == pn && si == sn;
}

__attribute__((noinline)) int eng_eval_like(eng_ectx *x, const eng_expr *e,
                                            eng_value *out) {
  eng_value a, p;
  int rc, m;
  if ((rc = eng_eval(x, e->a, &a)) || (rc = eng_eval(x, e->b, &p)))
    return rc;
  if (a.t == ENG_V_NULL || p.t == ENG_V_NULL) {
    *out = eng_v_null();
    return CREDO_OK;
  }
  if (a.t != ENG_V_TEXT || p.t != ENG_V_TEXT) {
    if (a.t != ENG_V_TEXT && e->a->kind == ENG_X_JPATH) {
      *out = eng_v_null();
      return CREDO_OK;
    }
    return eng_eval_type_err(x, a.t != ENG_V_TEXT ? e->a : e->b,
                             "type mismatch: LIKE needs TEXT, got %s",
                             eng_vtype_name(a.t != ENG_V_TEXT ? a.t : p.t), "");
  }
  m = like_match(a.u.s.p, a.u.s.n, p.u.s.p, p.u.s.n);
  *out = eng_v_bool(e->negated ? !m : m);
  return CREDO_OK;
}

/* coalesce: its arguments are evaluated only up to the first non-NULL. */
__attribute__((noinline)) int eng_eval_func(eng_ectx *x, const eng_expr *e,
                                            eng_value *out) {
  int rc;
  for (size_t i = 0; i < e->nargs; i++) {
    if ((rc = eng_eval(x, e->args[i], out)) != CREDO_OK)
      return rc;
    if (out->t != ENG_V_NULL)
      return CREDO_OK;
  }
  *out = eng_v_null();
  return CREDO_OK;
}
