/*
 * expr_func.c -- the functions of CQL (LIKE, lower, upper, length,
 * coalesce) and the aggregates (count, sum, avg, min, max).
 *
 * Invariants: sum / avg start in INT and go on in REAL on overflow; min /
 * max own a copy of the best value; non-numbers from a JSON path are
 * skipped by sum / avg, other non-numbers are an error.
 *
 * Does not: evaluate operators (expr_eval.c).
 */
#include <stdlib.h>
#include <string.h>

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

__attribute__((noinline)) int eng_eval_func(eng_ectx *x, const eng_expr *e,
                                            eng_value *out) {
  eng_value a;
  eng_buf b = {0};
  int rc;
  if (e->idx == ENG_FN_COALESCE) {
    for (size_t i = 0; i < e->nargs; i++) {
      if ((rc = eng_eval(x, e->args[i], out)) != CREDO_OK)
        return rc;
      if (out->t != ENG_V_NULL)
        return CREDO_OK;
    }
    *out = eng_v_null();
    return CREDO_OK;
  }
  if ((rc = eng_eval(x, e->args[0], &a)) != CREDO_OK)
    return rc;
  if (a.t == ENG_V_NULL) {
    *out = eng_v_null();
    return CREDO_OK;
  }
  if (a.t != ENG_V_TEXT && eng_v_render(&a, x->db->tz, &b) != CREDO_OK)
    return eng_ectx_oom(x);
  if (a.t != ENG_V_TEXT) {
    char *p = eng_arena_strdup(x->arena, b.p, b.n);
    eng_buf_free(&b);
    if (!p)
      return eng_ectx_oom(x);
    a = eng_v_text(p, strlen(p));
  }
  if (e->idx == ENG_FN_LENGTH) {
    int64_t n = 0;
    for (size_t i = 0; i < a.u.s.n; i++)
      n += ((unsigned char)a.u.s.p[i] & 0xC0) != 0x80;
    *out = eng_v_int(n);
    return CREDO_OK;
  }
  {
    char *p = eng_arena_strdup(x->arena, a.u.s.p, a.u.s.n);
    if (!p)
      return eng_ectx_oom(x);
    for (size_t i = 0; i < a.u.s.n; i++) {
      if (e->idx == ENG_FN_LOWER && p[i] >= 'A' && p[i] <= 'Z')
        p[i] = (char)(p[i] + 32);
      else if (e->idx == ENG_FN_UPPER && p[i] >= 'a' && p[i] <= 'z')
        p[i] = (char)(p[i] - 32);
    }
    *out = eng_v_text(p, a.u.s.n);
  }
  return CREDO_OK;
}

/* --------------------------------------------------------- aggregates */

static int agg_sum(eng_ectx *x, const eng_agg_spec *a, const eng_value *v,
                   eng_agg_state *s) {
  if (v->t == ENG_V_INT) {
    if (!s->real && __builtin_add_overflow(s->isum, v->u.i, &s->isum)) {
      s->real = 1; /* keep going in REAL */
      s->rsum += (double)s->isum + (double)v->u.i;
      s->isum = 0;
    } else if (s->real)
      s->rsum += (double)v->u.i;
  } else if (v->t == ENG_V_REAL) {
    s->real = 1;
    s->rsum += v->u.r;
  } else if (a->arg->kind == ENG_X_JPATH)
    return CREDO_OK; /* free-form data: non-numbers are skipped */
  else
    return eng_eval_type_err(
        x, a->arg, "type mismatch: %s needs numbers, got %s",
        a->fn == ENG_FN_SUM ? "sum" : "avg", eng_vtype_name(v->t));
  s->count++;
  return CREDO_OK;
}

int eng_agg_step(eng_ectx *x, const eng_agg_spec *a, eng_agg_state *s) {
  eng_value v;
  int rc, better;
  if (a->fn == ENG_FN_COUNT_STAR) {
    s->count++;
    return CREDO_OK;
  }
  if ((rc = eng_eval(x, a->arg, &v)) != CREDO_OK)
    return rc;
  if (v.t == ENG_V_NULL)
    return CREDO_OK;
  if (a->fn == ENG_FN_COUNT) {
    s->count++;
    return CREDO_OK;
  }
  if (a->fn == ENG_FN_SUM || a->fn == ENG_FN_AVG)
    return agg_sum(x, a, &v, s);
  s->count++;
  better =
      !s->best || (a->fn == ENG_FN_MIN ? eng_v_order(&v, &s->best->v[0]) < 0
                                       : eng_v_order(&v, &s->best->v[0]) > 0);
  if (better) {
    eng_brow *b = eng_brow_make(&v, 1, 0);
    if (!b)
      return eng_ectx_oom(x);
    free(s->best);
    s->best = b;
  }
  return CREDO_OK;
}

void eng_agg_final(const eng_agg_spec *a, const eng_agg_state *s,
                   eng_value *out) {
  switch (a->fn) {
  case ENG_FN_COUNT_STAR:
  case ENG_FN_COUNT:
    *out = eng_v_int(s->count);
    return;
  case ENG_FN_SUM:
    if (!s->count)
      *out = eng_v_null();
    else
      *out =
          s->real ? eng_v_real(s->rsum + (double)s->isum) : eng_v_int(s->isum);
    return;
  case ENG_FN_AVG:
    *out = s->count ? eng_v_real((s->rsum + (double)s->isum) / (double)s->count)
                    : eng_v_null();
    return;
  default:
    *out = s->best ? s->best->v[0] : eng_v_null();
  }
}

void eng_agg_state_free(eng_agg_state *s) {
  free(s->best);
  s->best = NULL;
}
