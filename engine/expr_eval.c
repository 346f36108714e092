/*
 * expr_eval.c -- evaluation of compiled expressions against a row.
 *
 * Evaluation follows SQL three-valued logic: a NULL operand makes
 * comparisons and arithmetic NULL; AND / OR / NOT follow the truth tables
 * with unknown. TEXT meets TIME by being read as a time (session zone).
 * Comparing values of incompatible types is an error, except when one side
 * comes from a JSON path (data is free-form): then the result is NULL.
 * Division by zero and integer overflow are errors (CREDO_RANGE), never a
 * silent NULL.
 *
 * Does not: read columns (expr_row.c), compute functions or aggregates
 * (expr_func.c), or keep results (exec_*.c).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"
#include "timeutil.h"

/* -------------------------------------------------------- evaluation */

/* The helpers of rare node kinds are kept out of line (noinline) so that
 * eng_eval, which runs for every node of every row, stays a small frame
 * with a jump table. */

__attribute__((noinline)) int eng_eval_type_err(eng_ectx *x, const eng_expr *at,
                                                const char *fmt, const char *a,
                                                const char *b) {
  char msg[256];
  snprintf(msg, sizeof msg, fmt, a, b);
  return eng_cql_err(x->db, CREDO_SEMANTIC, at->line, at->col, "%s", msg);
}

__attribute__((noinline)) static int
time_text_err(eng_ectx *x, const eng_expr *at, const eng_value *v) {
  return eng_cql_err(x->db, CREDO_SEMANTIC, at->line, at->col,
                     "cannot read '%.100s' as a time", v->u.s.p);
}

/* Reads TEXT `v` (computed by `at`) as a time, in place. */
static int to_time(eng_ectx *x, const eng_expr *at, eng_value *v) {
  credo_time t;
  if (eng_v_text_time(v, x->db->tz, &t) != CREDO_OK)
    return time_text_err(x, at, v);
  *v = eng_v_time(t);
  return CREDO_OK;
}

/* Compares two evaluated operands: *cmp, or *unknown = 1 for NULL. */
static int compare(eng_ectx *x, const eng_expr *node, const eng_expr *ea,
                   eng_value *a, const eng_expr *eb, eng_value *b, int *cmp,
                   int *unknown) {
  int rc;
  *unknown = 0;
  if (a->t == ENG_V_NULL || b->t == ENG_V_NULL) {
    *unknown = 1;
    return CREDO_OK;
  }
  if (a->t == ENG_V_TIME && b->t == ENG_V_TEXT &&
      (rc = to_time(x, eb, b)) != CREDO_OK)
    return rc;
  if (b->t == ENG_V_TIME && a->t == ENG_V_TEXT &&
      (rc = to_time(x, ea, a)) != CREDO_OK)
    return rc;
  if (eng_v_compare(a, b, cmp) == 0)
    return CREDO_OK;
  if (ea->kind == ENG_X_JPATH || eb->kind == ENG_X_JPATH) {
    *unknown = 1; /* free-form data: a mismatch is unknown, not an error */
    return CREDO_OK;
  }
  return eng_eval_type_err(x, node, "type mismatch: cannot compare %s with %s",
                           eng_vtype_name(a->t), eng_vtype_name(b->t));
}

static int cmp_result(int op, int c) {
  switch (op) {
  case CQL_OP_EQ:
    return c == 0;
  case CQL_OP_NE:
    return c != 0;
  case CQL_OP_LT:
    return c < 0;
  case CQL_OP_LE:
    return c <= 0;
  case CQL_OP_GT:
    return c > 0;
  default:
    return c >= 0;
  }
}

static int range_err(eng_ectx *x, const eng_expr *e, const char *what) {
  return eng_cql_err(x->db, CREDO_RANGE, e->line, e->col, "%s", what);
}

static int arith_int(eng_ectx *x, const eng_expr *e, int64_t a, int64_t b,
                     eng_value *out) {
  int64_t r = 0;
  int ovf = 0;
  switch (e->op) {
  case CQL_OP_ADD:
    ovf = __builtin_add_overflow(a, b, &r);
    break;
  case CQL_OP_SUB:
    ovf = __builtin_sub_overflow(a, b, &r);
    break;
  case CQL_OP_MUL:
    ovf = __builtin_mul_overflow(a, b, &r);
    break;
  default:
    if (b == 0)
      return range_err(x, e, "division by zero");
    if (a == INT64_MIN && b == -1)
      ovf = 1;
    else
      r = e->op == CQL_OP_DIV ? a / b : a % b;
  }
  if (ovf)
    return range_err(x, e, "integer overflow");
  *out = eng_v_int(r);
  return CREDO_OK;
}

static int arith_real(eng_ectx *x, const eng_expr *e, double a, double b,
                      eng_value *out) {
  double r;
  switch (e->op) {
  case CQL_OP_ADD:
    r = a + b;
    break;
  case CQL_OP_SUB:
    r = a - b;
    break;
  case CQL_OP_MUL:
    r = a * b;
    break;
  default:
    if (b == 0)
      return range_err(x, e, "division by zero");
    r = e->op == CQL_OP_DIV ? a / b : __builtin_fmod(a, b);
  }
  *out = eng_v_real(r);
  return CREDO_OK;
}

static credo_duration dur_neg(credo_duration d) {
  return (credo_duration){-d.months, -d.usec};
}

/* INT or DECIMAL operands, at least one DECIMAL: exact. */
__attribute__((noinline)) static int arith_dec(eng_ectx *x, const eng_expr *e,
                                               const eng_value *a,
                                               const eng_value *b,
                                               eng_value *out) {
  eng_dec da, db, r;
  int rc;
  if ((a->t == ENG_V_INT ? eng_dec_from_int(a->u.i, &da)
                         : (da = a->u.dec, CREDO_OK)) != CREDO_OK ||
      (b->t == ENG_V_INT ? eng_dec_from_int(b->u.i, &db)
                         : (db = b->u.dec, CREDO_OK)) != CREDO_OK)
    return arith_real(x, e, eng_v_double(a), eng_v_double(b), out);
  if ((e->op == CQL_OP_DIV || e->op == CQL_OP_MOD) && db.m == 0)
    return range_err(x, e, "division by zero");
  switch (e->op) {
  case CQL_OP_ADD:
    rc = eng_dec_add(da, db, &r);
    break;
  case CQL_OP_SUB:
    rc = eng_dec_sub(da, db, &r);
    break;
  case CQL_OP_MUL:
    rc = eng_dec_mul(da, db, &r);
    break;
  case CQL_OP_DIV:
    rc = eng_dec_div(da, db, &r);
    break;
  default:
    rc = eng_dec_mod(da, db, &r);
  }
  if (rc != CREDO_OK)
    return range_err(x, e, "decimal overflow (more than 18 digits)");
  *out = eng_v_dec(r);
  return CREDO_OK;
}

/* Time and duration arithmetic; CREDO_NOTFOUND when it does not apply. */
static int arith_time(eng_ectx *x, const eng_expr *e, eng_value *a,
                      eng_value *b, eng_value *out) {
  int add = e->op == CQL_OP_ADD, rc;
  if (e->op == CQL_OP_MUL &&
      (a->t == ENG_V_DURATION || b->t == ENG_V_DURATION)) {
    eng_value *d = a->t == ENG_V_DURATION ? a : b, *k = d == a ? b : a;
    int64_t months, usec;
    if (k->t != ENG_V_INT)
      return CREDO_NOTFOUND;
    if (__builtin_mul_overflow((int64_t)d->u.d.months, k->u.i, &months) ||
        months < INT32_MIN || months > INT32_MAX ||
        __builtin_mul_overflow(d->u.d.usec, k->u.i, &usec))
      return range_err(x, e, "duration out of range");
    *out = eng_v_dur((credo_duration){(int32_t)months, usec});
    return CREDO_OK;
  }
  if (!add && e->op != CQL_OP_SUB)
    return CREDO_NOTFOUND;
  if (a->t == ENG_V_TEXT && (b->t == ENG_V_DURATION || b->t == ENG_V_TIME) &&
      (rc = to_time(x, e->a, a)))
    return rc;
  if (b->t == ENG_V_TEXT &&
      (a->t == ENG_V_TIME || (add && a->t == ENG_V_DURATION)) &&
      (rc = to_time(x, e->b, b)))
    return rc;
  if (add && a->t == ENG_V_DURATION && b->t == ENG_V_TIME) {
    eng_value *t = a;
    a = b;
    b = t;
  }
  if (a->t == ENG_V_TIME && b->t == ENG_V_DURATION) {
    credo_time t =
        credo_time_add(a->u.tm, add ? b->u.d : dur_neg(b->u.d), x->db->tz);
    /* Only instants that export and import can write back (years 1-9999;
     * the open end stays open). */
    if (a->u.tm != CREDO_TIME_OPEN && (t < ENG_TIME_FIRST || t > ENG_TIME_LAST))
      return range_err(x, e, "time out of range (years 0001-9999)");
    *out = eng_v_time(t);
  } else if (!add && a->t == ENG_V_TIME && b->t == ENG_V_TIME) {
    int64_t us;
    if (__builtin_sub_overflow(a->u.tm, b->u.tm, &us))
      return range_err(x, e, "duration out of range");
    *out = eng_v_dur((credo_duration){0, us});
  } else if (a->t == ENG_V_DURATION && b->t == ENG_V_DURATION) {
    int64_t m = add ? (int64_t)a->u.d.months + b->u.d.months
                    : (int64_t)a->u.d.months - b->u.d.months;
    int64_t us;
    if (m < INT32_MIN || m > INT32_MAX ||
        (add ? __builtin_add_overflow(a->u.d.usec, b->u.d.usec, &us)
             : __builtin_sub_overflow(a->u.d.usec, b->u.d.usec, &us)))
      return range_err(x, e, "duration out of range");
    *out = eng_v_dur((credo_duration){(int32_t)m, us});
  } else {
    return CREDO_NOTFOUND;
  }
  return CREDO_OK;
}

__attribute__((noinline)) static int
concat(eng_ectx *x, const eng_value *a, const eng_value *b, eng_value *out) {
  eng_buf buf = {0};
  char *p;
  int rc = eng_v_render(a, x->db->tz, &buf);
  if (rc == CREDO_OK)
    rc = eng_v_render(b, x->db->tz, &buf);
  p = rc == CREDO_OK ? eng_arena_strdup(x->arena, buf.p, buf.n) : NULL;
  if (p)
    *out = eng_v_text(p, buf.n);
  eng_buf_free(&buf);
  return p ? CREDO_OK : eng_ectx_oom(x);
}

__attribute__((noinline)) static int arith(eng_ectx *x, const eng_expr *e,
                                           eng_value *a, eng_value *b,
                                           eng_value *out) {
  int rc;
  if (a->t == ENG_V_NULL || b->t == ENG_V_NULL) {
    *out = eng_v_null();
    return CREDO_OK;
  }
  if (e->op == CQL_OP_CONCAT)
    return concat(x, a, b, out);
  if (a->t == ENG_V_INT && b->t == ENG_V_INT)
    return arith_int(x, e, a->u.i, b->u.i, out);
  if (eng_v_numeric(a->t) && eng_v_numeric(b->t)) {
    if (a->t != ENG_V_REAL && b->t != ENG_V_REAL)
      return arith_dec(x, e, a, b, out);
    return arith_real(x, e, eng_v_double(a), eng_v_double(b), out);
  }
  rc = arith_time(x, e, a, b, out);
  if (rc != CREDO_NOTFOUND)
    return rc;
  if (e->a->kind == ENG_X_JPATH || e->b->kind == ENG_X_JPATH) {
    *out = eng_v_null();
    return CREDO_OK;
  }
  return eng_eval_type_err(
      x, e->b, "type mismatch: cannot apply %s to %s", cql_op_name(e->op),
      a->t == b->t
          ? eng_vtype_name(a->t)
          : (a->t == ENG_V_TEXT ? "TEXT and a non-time" : "these types"));
}

/* Truth value of `v` computed by `e`: 1, 0 or -1 for NULL. */
static int truth(eng_ectx *x, const eng_expr *e, const eng_value *v, int *tri) {
  if (v->t == ENG_V_NULL) {
    *tri = -1;
    return CREDO_OK;
  }
  if (v->t == ENG_V_BOOL) {
    *tri = v->u.i ? 1 : 0;
    return CREDO_OK;
  }
  return eng_eval_type_err(x, e,
                           "type mismatch: expected a condition (BOOL), got %s",
                           eng_vtype_name(v->t), "");
}

static eng_value tri_value(int tri) {
  return tri < 0 ? eng_v_null() : eng_v_bool(tri);
}

/* `text column = text` and `<>`: the WHERE of most look-ups, checked on
 * every row, so it skips the generic comparison. CREDO_NOTFOUND when the
 * operands are not both TEXT (the generic path then decides). */
static int eval_text_eq(eng_ectx *x, const eng_expr *e, eng_value *out) {
  const eng_expr *col = e->a->kind == ENG_X_COL ? e->a : e->b;
  const eng_expr *k = col == e->a ? e->b : e->a;
  eng_value cv, kv;
  int rc;
  if (k->kind == ENG_X_CONST)
    kv = k->val;
  else if (k->idx >= 1 && k->idx <= x->nparams)
    kv = x->params[k->idx - 1];
  else
    return CREDO_NOTFOUND;
  if (kv.t != ENG_V_TEXT)
    return CREDO_NOTFOUND;
  if (x->tabs) { /* a join: the slot's row, the full id as in WHERE */
    eng_ectx *t = x->tabs[col->tab];
    int m = t->mask_subject;
    t->mask_subject = 0;
    rc = eng_column_value(t, col->idx, &cv);
    t->mask_subject = m;
  } else
    rc = eng_column_value(x, col->idx, &cv);
  if (rc != CREDO_OK)
    return rc;
  if (cv.t == ENG_V_NULL) {
    *out = eng_v_null();
    return CREDO_OK;
  }
  if (cv.t != ENG_V_TEXT)
    return CREDO_NOTFOUND;
  rc = cv.u.s.n == kv.u.s.n && memcmp(cv.u.s.p, kv.u.s.p, cv.u.s.n) == 0;
  *out = eng_v_bool(e->op == CQL_OP_EQ ? rc : !rc);
  return CREDO_OK;
}

static int eval_binary(eng_ectx *x, const eng_expr *e, eng_value *out) {
  eng_value a, b;
  int rc, c, unknown;
  if (e->idx == 1 && (rc = eval_text_eq(x, e, out)) != CREDO_NOTFOUND)
    return rc;
  if ((rc = eng_eval(x, e->a, &a)) || (rc = eng_eval(x, e->b, &b)))
    return rc;
  if (!eng_is_cmp_op(e->op))
    return arith(x, e, &a, &b, out);
  if ((rc = compare(x, e, e->a, &a, e->b, &b, &c, &unknown)) != CREDO_OK)
    return rc;
  *out = unknown ? eng_v_null() : eng_v_bool(cmp_result(e->op, c));
  return CREDO_OK;
}

__attribute__((noinline)) static int eval_in(eng_ectx *x, const eng_expr *e,
                                             eng_value *out) {
  eng_value a, b;
  int rc, c, unknown, any_null = 0;
  if ((rc = eng_eval(x, e->a, &a)) != CREDO_OK)
    return rc;
  for (size_t i = 0; i < e->nargs; i++) {
    eng_value a2 = a;
    if ((rc = eng_eval(x, e->args[i], &b)) != CREDO_OK)
      return rc;
    rc = compare(x, e, e->a, &a2, e->args[i], &b, &c, &unknown);
    if (rc != CREDO_OK)
      return rc;
    if (unknown)
      any_null = 1;
    else if (c == 0) {
      *out = eng_v_bool(!e->negated);
      return CREDO_OK;
    }
  }
  *out = any_null ? eng_v_null() : eng_v_bool(e->negated);
  return CREDO_OK;
}

__attribute__((noinline)) static int
eval_between(eng_ectx *x, const eng_expr *e, eng_value *out) {
  eng_value a, lo, hi, a2;
  int rc, c1 = 0, c2 = 0, u1, u2, t1, t2, r;
  if ((rc = eng_eval(x, e->a, &a)) || (rc = eng_eval(x, e->b, &lo)) ||
      (rc = eng_eval(x, e->c, &hi)))
    return rc;
  a2 = a;
  if ((rc = compare(x, e, e->a, &a, e->b, &lo, &c1, &u1)) ||
      (rc = compare(x, e, e->a, &a2, e->c, &hi, &c2, &u2)))
    return rc;
  t1 = u1 ? -1 : c1 >= 0;
  t2 = u2 ? -1 : c2 <= 0;
  r = (t1 == 0 || t2 == 0) ? 0 : (t1 < 0 || t2 < 0) ? -1 : 1;
  if (e->negated && r >= 0)
    r = !r;
  *out = tri_value(r);
  return CREDO_OK;
}

__attribute__((noinline)) static int eval_neg(eng_ectx *x, const eng_expr *e,
                                              eng_value *out) {
  int rc = eng_eval(x, e->a, out);
  if (rc != CREDO_OK || out->t == ENG_V_NULL)
    return rc;
  if (out->t == ENG_V_INT) {
    if (out->u.i == INT64_MIN)
      return range_err(x, e, "integer overflow");
    out->u.i = -out->u.i;
  } else if (out->t == ENG_V_REAL)
    out->u.r = -out->u.r;
  else if (out->t == ENG_V_DECIMAL)
    out->u.dec = eng_dec_neg(out->u.dec);
  else if (out->t == ENG_V_DURATION)
    out->u.d = dur_neg(out->u.d);
  else
    return eng_eval_type_err(x, e, "type mismatch: cannot negate %s",
                             eng_vtype_name(out->t), "");
  return CREDO_OK;
}

__attribute__((noinline)) static int eval_param(eng_ectx *x, const eng_expr *e,
                                                eng_value *out) {
  if (e->idx < 1 || e->idx > x->nparams || x->params[e->idx - 1].t < 0)
    return eng_cql_err(x->db, CREDO_MISUSE, e->line, e->col,
                       "parameter %d is not bound", e->idx);
  *out = x->params[e->idx - 1];
  return CREDO_OK;
}

int eng_eval(eng_ectx *x, const eng_expr *e, eng_value *out) {
  int rc, tri;
  switch (e->kind) {
  case ENG_X_CONST:
    *out = e->val;
    return CREDO_OK;
  case ENG_X_COL:
    return eng_column_value(ENG_TABX(x, e), e->idx, out);
  case ENG_X_JPATH:
    return eng_json_path(ENG_TABX(x, e), e, out);
  case ENG_X_PARAM:
    return eval_param(x, e, out);
  case ENG_X_NOW:
    *out = eng_v_time(x->now);
    return CREDO_OK;
  case ENG_X_NEG:
    return eval_neg(x, e, out);
  case ENG_X_NOT:
    if ((rc = eng_eval_cond(x, e->a, &tri)) != CREDO_OK)
      return rc;
    *out = tri_value(tri < 0 ? -1 : !tri);
    return CREDO_OK;
  case ENG_X_BIN:
    return eval_binary(x, e, out);
  case ENG_X_LOGIC:
    return eng_eval_logic(x, e, out);
  case ENG_X_IN:
    return eval_in(x, e, out);
  case ENG_X_BETWEEN:
    return eval_between(x, e, out);
  case ENG_X_LIKE:
    return eng_eval_like(x, e, out);
  case ENG_X_ISNULL:
    if ((rc = eng_eval(x, e->a, out)) != CREDO_OK)
      return rc;
    *out = eng_v_bool((out->t == ENG_V_NULL) != e->negated);
    return CREDO_OK;
  case ENG_X_SFUNC:
  case ENG_X_CASE:
  case ENG_X_CAST:
  case ENG_X_SUBQ:
    return eng_eval_ax(x, e, out);
  case ENG_X_FUNC:
    return eng_eval_func(x, e, out);
  case ENG_X_AGG:
    *out = x->aggv ? x->aggv[e->idx] : eng_v_null();
    return CREDO_OK;
  case ENG_X_KEY:
    *out = x->keys ? x->keys[e->idx] : eng_v_null();
    return CREDO_OK;
  case ENG_X_OUTER:
    *out = x->outerv ? x->outerv[e->idx] : eng_v_null();
    return CREDO_OK;
  default:
    *out = x->outv ? x->outv[e->idx] : eng_v_null();
    return CREDO_OK;
  }
}

int eng_eval_cond(eng_ectx *x, const eng_expr *e, int *tri) {
  eng_value v;
  int rc = eng_eval(x, e, &v);
  if (rc != CREDO_OK)
    return rc;
  return truth(x, e, &v, tri);
}

int eng_eval_time(eng_ectx *x, const eng_expr *e, const char *what,
                  credo_time *out) {
  eng_value v;
  int rc = eng_eval(x, e, &v);
  if (rc != CREDO_OK)
    return rc;
  if (v.t == ENG_V_TEXT && (rc = to_time(x, e, &v)) != CREDO_OK)
    return rc;
  if (v.t == ENG_V_TIME && v.u.tm >= CREDO_TIME_MIN) {
    *out = v.u.tm;
    return CREDO_OK;
  }
  return eng_cql_err(x->db, CREDO_SEMANTIC, e->line, e->col,
                     "%s must be a time, not %s", what,
                     v.t == ENG_V_TIME ? "a sentinel" : eng_vtype_name(v.t));
}
