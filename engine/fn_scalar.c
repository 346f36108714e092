/*
 * fn_scalar.c -- the scalar function table, numeric functions (round,
 * abs, floor, ceil), comparisons of several values (greatest, least,
 * nullif), CAST, and the dispatch to the text (fn_text.c) and time
 * (fn_time.c) functions.
 *
 * Invariants: a NULL argument gives NULL (SQL's strict functions) except
 * for concat (skips NULLs), greatest / least (ignore NULLs) and nullif.
 * Numbers keep their kind: INT stays INT, DECIMAL stays exact, REAL
 * rounded to places becomes the exact DECIMAL it prints as.
 *
 * Does not: evaluate argument expressions or aggregate.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fn_int.h"
#include "timeutil.h"

static const eng_sf_def SF[] = {{"substr", ENG_SF_SUBSTR, 2, 3},
                                {"substring", ENG_SF_SUBSTR, 2, 3},
                                {"replace", ENG_SF_REPLACE, 3, 3},
                                {"trim", ENG_SF_TRIM, 1, 2},
                                {"btrim", ENG_SF_TRIM, 1, 2},
                                {"ltrim", ENG_SF_LTRIM, 1, 2},
                                {"rtrim", ENG_SF_RTRIM, 1, 2},
                                {"lower", ENG_SF_LOWER, 1, 1},
                                {"upper", ENG_SF_UPPER, 1, 1},
                                {"length", ENG_SF_LENGTH, 1, 1},
                                {"char_length", ENG_SF_LENGTH, 1, 1},
                                {"position", ENG_SF_POSITION, 2, 2},
                                {"strpos", ENG_SF_POSITION, 2, 2},
                                {"concat", ENG_SF_CONCAT, 1, -1},
                                {"left", ENG_SF_LEFT, 2, 2},
                                {"right", ENG_SF_RIGHT, 2, 2},
                                {"round", ENG_SF_ROUND, 1, 2},
                                {"abs", ENG_SF_ABS, 1, 1},
                                {"floor", ENG_SF_FLOOR, 1, 1},
                                {"ceil", ENG_SF_CEIL, 1, 1},
                                {"ceiling", ENG_SF_CEIL, 1, 1},
                                {"greatest", ENG_SF_GREATEST, 1, -1},
                                {"least", ENG_SF_LEAST, 1, -1},
                                {"nullif", ENG_SF_NULLIF, 2, 2},
                                {"date_trunc", ENG_SF_DATE_TRUNC, 2, 2},
                                {"extract", ENG_SF_EXTRACT, 2, 2},
                                {"date_part", ENG_SF_EXTRACT, 2, 2},
                                {"to_char", ENG_SF_TO_CHAR, 2, 2},
                                {"now", ENG_SF_NOW, 0, 0}};
#define NSF (sizeof SF / sizeof SF[0])

const char *eng_sf_name_at(size_t i) {
  return i < NSF ? SF[i].name : NULL;
}

const eng_sf_def *eng_sf_find(const char *name) {
  for (size_t i = 0; i < NSF; i++)
    if (strcasecmp(SF[i].name, name) == 0)
      return &SF[i];
  return NULL;
}

const char *eng_sf_names(void) {
  return "substr, replace, trim, ltrim, rtrim, lower, upper, length, "
         "position, concat, left, right, round, abs, floor, ceil, greatest, "
         "least, nullif, coalesce, date_trunc, extract, to_char, now";
}

/* Edit distance of a and b (short names only), capped at 9. */
static int distance(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  int d[24][24];
  if (na > 22 || nb > 22)
    return 9;
  for (size_t i = 0; i <= na; i++)
    d[i][0] = (int)i;
  for (size_t j = 0; j <= nb; j++)
    d[0][j] = (int)j;
  for (size_t i = 1; i <= na; i++)
    for (size_t j = 1; j <= nb; j++) {
      int c = d[i - 1][j - 1] + ((a[i - 1] | 32) != (b[j - 1] | 32));
      if (d[i - 1][j] + 1 < c)
        c = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < c)
        c = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          d[i - 2][j - 2] + 1 < c)
        c = d[i - 2][j - 2] + 1;
      d[i][j] = c;
    }
  return d[na][nb];
}

/* The closest name to `name` in names[0..n) (or the NULL-terminated list
 * when n is 0) at distance below *bd; updates *bd. */
static const char *closest(const char *name, const char *const *names, size_t n,
                           int *bd, const char *best) {
  for (size_t i = 0; n ? i < n : names[i] != NULL; i++) {
    int d = distance(name, names[i]);
    if (d < *bd) {
      *bd = d;
      best = names[i];
    }
  }
  return best;
}

const char *eng_suggest_in(const char *name, const char *const *names) {
  int bd = strlen(name) <= 4 ? 2 : 3; /* must beat this */
  return closest(name, names, 0, &bd, NULL);
}

const char *eng_sf_suggest(const char *name, const char *const *extra) {
  const char *names[NSF], *best;
  int bd = strlen(name) <= 4 ? 2 : 3;
  for (size_t i = 0; i < NSF; i++)
    names[i] = SF[i].name;
  best = closest(name, names, NSF, &bd, NULL);
  return extra ? closest(name, extra, 0, &bd, best) : best;
}

int eng_sf_type(int sf, const int *st, size_t n) {
  int t0 = n ? st[0] : ENG_V_ANY;
  switch (sf) {
  case ENG_SF_LENGTH:
  case ENG_SF_POSITION:
    return ENG_V_INT;
  case ENG_SF_DATE_TRUNC:
  case ENG_SF_NOW:
    return ENG_V_TIME;
  case ENG_SF_EXTRACT:
    return ENG_V_ANY; /* INT, or DECIMAL for seconds and epoch */
  case ENG_SF_ABS:
  case ENG_SF_FLOOR:
  case ENG_SF_CEIL:
  case ENG_SF_ROUND:
    return t0 == ENG_V_REAL ? ENG_V_ANY : t0;
  case ENG_SF_GREATEST:
  case ENG_SF_LEAST:
  case ENG_SF_NULLIF:
    for (size_t i = 1; i < n; i++)
      if (st[i] != t0)
        return ENG_V_ANY;
    return t0;
  default:
    return ENG_V_TEXT;
  }
}

/* ----------------------------------------------------------- numbers */

int eng_fn_err(eng_ectx *x, const eng_expr *e, int code, const char *fmt, ...) {
  char msg[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return eng_cql_err(x->db, code, e->line, e->col, "%s", msg);
}

static int need_number(eng_ectx *x, const eng_expr *e, const char *fn,
                       const eng_value *v) {
  if (eng_v_numeric(v->t))
    return CREDO_OK;
  return eng_fn_err(x, e, CREDO_SEMANTIC,
                    "type mismatch: %s needs a number, "
                    "got %s",
                    fn, eng_vtype_name(v->t));
}

/* The integer of an INT (or integral DECIMAL) argument. */
int eng_fn_int_arg(eng_ectx *x, const eng_expr *e, const char *fn,
                   const eng_value *v, int64_t *out) {
  if (v->t == ENG_V_INT) {
    *out = v->u.i;
    return CREDO_OK;
  }
  if (v->t == ENG_V_DECIMAL && v->u.dec.s == 0) {
    *out = v->u.dec.m;
    return CREDO_OK;
  }
  return eng_fn_err(x, e, CREDO_SEMANTIC,
                    "type mismatch: %s needs an integer here, got %s", fn,
                    eng_vtype_name(v->t));
}

/* round / floor / ceil (mode 0 / -1 / +1) to `places`. */
static int round_to(eng_ectx *x, const eng_expr *e, eng_value *v, int places,
                    int mode, eng_value *out) {
  eng_dec d, r;
  if (v->t == ENG_V_INT && places >= 0) {
    *out = *v;
    return CREDO_OK;
  }
  if (v->t == ENG_V_REAL &&
      eng_dec_from_double(v->u.r, &d) != CREDO_OK) { /* huge or NaN */
    double p = pow(10, places), y = v->u.r * p;
    y = mode < 0 ? floor(y) : mode > 0 ? ceil(y) : round(y);
    *out = eng_v_real(y / p);
    return CREDO_OK;
  }
  if (v->t == ENG_V_INT && eng_dec_from_int(v->u.i, &d) != CREDO_OK)
    return eng_fn_err(x, e, CREDO_RANGE, "integer too large to round");
  if (v->t == ENG_V_DECIMAL)
    d = v->u.dec;
  if (eng_dec_round(d, places, mode, &r) != CREDO_OK)
    return eng_fn_err(x, e, CREDO_RANGE, "decimal overflow");
  if (v->t == ENG_V_INT)
    *out = eng_v_int(r.m);
  else
    *out = eng_v_dec(r);
  return CREDO_OK;
}

static int fn_round(eng_ectx *x, const eng_expr *e, int sf, eng_value *a,
                    size_t n, eng_value *out) {
  static const char *const names[] = {[ENG_SF_ROUND] = "round",
                                      [ENG_SF_FLOOR] = "floor",
                                      [ENG_SF_CEIL] = "ceil"};
  int64_t places = 0;
  int rc;
  if ((rc = need_number(x, e, names[sf], &a[0])) != CREDO_OK)
    return rc;
  if (n > 1 && (rc = eng_fn_int_arg(x, e, "round", &a[1], &places)) != CREDO_OK)
    return rc;
  if (places < -18 || places > 18)
    return eng_fn_err(x, e, CREDO_RANGE,
                      "round: places must be between -18 and 18");
  return round_to(x, e, &a[0], (int)places,
                  sf == ENG_SF_FLOOR  ? -1
                  : sf == ENG_SF_CEIL ? 1
                                      : 0,
                  out);
}

static int fn_abs(eng_ectx *x, const eng_expr *e, eng_value *a,
                  eng_value *out) {
  int rc = need_number(x, e, "abs", a);
  if (rc != CREDO_OK)
    return rc;
  *out = *a;
  if (a->t == ENG_V_INT) {
    if (a->u.i == INT64_MIN)
      return eng_fn_err(x, e, CREDO_RANGE, "integer overflow");
    out->u.i = a->u.i < 0 ? -a->u.i : a->u.i;
  } else if (a->t == ENG_V_REAL)
    out->u.r = fabs(a->u.r);
  else if (a->u.dec.m < 0)
    out->u.dec = eng_dec_neg(a->u.dec);
  return CREDO_OK;
}

/* greatest / least: NULLs ignored, the others must compare. */
static int fn_extreme(eng_ectx *x, const eng_expr *e, int sf, eng_value *a,
                      size_t n, eng_value *out) {
  *out = eng_v_null();
  for (size_t i = 0; i < n; i++) {
    int c;
    if (a[i].t == ENG_V_NULL)
      continue;
    if (out->t == ENG_V_NULL) {
      *out = a[i];
      continue;
    }
    if (eng_v_compare(&a[i], out, &c) != 0)
      return eng_fn_err(x, e, CREDO_SEMANTIC,
                        "type mismatch: %s cannot compare %s with %s",
                        sf == ENG_SF_GREATEST ? "greatest" : "least",
                        eng_vtype_name(a[i].t), eng_vtype_name(out->t));
    if (sf == ENG_SF_GREATEST ? c > 0 : c < 0)
      *out = a[i];
  }
  return CREDO_OK;
}

static int fn_nullif(eng_ectx *x, const eng_expr *e, eng_value *a,
                     eng_value *out) {
  int c;
  *out = a[0];
  if (a[0].t == ENG_V_NULL || a[1].t == ENG_V_NULL)
    return CREDO_OK;
  if (eng_v_compare(&a[0], &a[1], &c) != 0)
    return eng_fn_err(x, e, CREDO_SEMANTIC,
                      "type mismatch: nullif cannot compare %s with %s",
                      eng_vtype_name(a[0].t), eng_vtype_name(a[1].t));
  if (c == 0)
    *out = eng_v_null();
  return CREDO_OK;
}

static int strict(int sf) {
  return sf != ENG_SF_CONCAT && sf != ENG_SF_GREATEST && sf != ENG_SF_LEAST &&
         sf != ENG_SF_NULLIF;
}

int eng_sf_eval(eng_ectx *x, const eng_expr *e, int sf, eng_value *args,
                size_t n, eng_value *out) {
  if (strict(sf))
    for (size_t i = 0; i < n; i++)
      if (args[i].t == ENG_V_NULL) {
        *out = eng_v_null();
        return CREDO_OK;
      }
  switch (sf) {
  case ENG_SF_ROUND:
  case ENG_SF_FLOOR:
  case ENG_SF_CEIL:
    return fn_round(x, e, sf, args, n, out);
  case ENG_SF_ABS:
    return fn_abs(x, e, args, out);
  case ENG_SF_GREATEST:
  case ENG_SF_LEAST:
    return fn_extreme(x, e, sf, args, n, out);
  case ENG_SF_NULLIF:
    return fn_nullif(x, e, args, out);
  case ENG_SF_NOW:
    *out = eng_v_time(x->now);
    return CREDO_OK;
  case ENG_SF_DATE_TRUNC:
  case ENG_SF_EXTRACT:
  case ENG_SF_TO_CHAR:
    return eng_fn_time(x, e, sf, args, out);
  default:
    return eng_fn_text(x, e, sf, args, n, out);
  }
}

/* -------------------------------------------------------------- CAST */

int eng_cast_type(int to) {
  switch (to) {
  case CQL_CAST_INT:
    return ENG_V_INT;
  case CQL_CAST_REAL:
    return ENG_V_REAL;
  case CQL_CAST_DECIMAL:
    return ENG_V_DECIMAL;
  case CQL_CAST_TIME:
    return ENG_V_TIME;
  case CQL_CAST_BOOL:
    return ENG_V_BOOL;
  default:
    return ENG_V_TEXT;
  }
}

static const char *cast_name(int to) {
  static const char *const n[] = {"?",    "INT",  "REAL", "DECIMAL",
                                  "TEXT", "TIME", "BOOL"};
  return to >= 1 && to <= 6 ? n[to] : n[0];
}

static int cast_fail(eng_ectx *x, const eng_expr *at, int to,
                     const eng_value *v) {
  eng_buf b = {0};
  int rc;
  if (v->t == ENG_V_TEXT || v->t == ENG_V_JSON) {
    rc = eng_fn_err(x, at, CREDO_SEMANTIC, "cannot cast '%.80s' to %s",
                    v->u.s.p, cast_name(to));
  } else {
    if (eng_v_render(v, x->db->tz, &b) != CREDO_OK)
      return eng_err(x->db, CREDO_NOMEM, "out of memory");
    rc = eng_fn_err(x, at, CREDO_SEMANTIC, "cannot cast %s %.80s to %s",
                    eng_vtype_name(v->t), b.p ? b.p : "", cast_name(to));
  }
  eng_buf_free(&b);
  return rc;
}

/* TEXT -> a number: INT when integral and in range, else DECIMAL, else
 * REAL; -1 when it is not a number. */
static int text_number(const eng_value *v, eng_value *out) {
  char *end;
  const char *p = v->u.s.p;
  size_t n = v->u.s.n;
  eng_dec d;
  while (n && (*p == ' ' || *p == '\t'))
    p++, n--;
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
    n--;
  if (eng_dec_parse(p, n, &d) == CREDO_OK) {
    *out = d.s == 0 ? eng_v_int(d.m) : eng_v_dec(d);
    return 0;
  }
  if (n == 0 || n > 60)
    return -1;
  {
    char tmp[64];
    double r;
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    r = strtod(tmp, &end);
    if (*end || end == tmp)
      return -1;
    *out = eng_v_real(r);
  }
  return 0;
}

static int cast_bool(const eng_value *v, eng_value *out) {
  static const char *const yes[] = {"true", "t", "yes", "y", "on", "1"};
  static const char *const no[] = {"false", "f", "no", "n", "off", "0"};
  if (v->t == ENG_V_BOOL) {
    *out = *v;
    return 0;
  }
  if (v->t == ENG_V_INT) {
    *out = eng_v_bool(v->u.i != 0);
    return 0;
  }
  if (v->t != ENG_V_TEXT)
    return -1;
  for (size_t i = 0; i < 6; i++) {
    if (strcasecmp(v->u.s.p, yes[i]) == 0) {
      *out = eng_v_bool(1);
      return 0;
    }
    if (strcasecmp(v->u.s.p, no[i]) == 0) {
      *out = eng_v_bool(0);
      return 0;
    }
  }
  return -1;
}

static int cast_number(eng_ectx *x, const eng_expr *at, int to, eng_value *v) {
  eng_value n = *v;
  eng_dec d;
  if (v->t == ENG_V_BOOL && to == CQL_CAST_INT)
    n = eng_v_int(v->u.i);
  else if ((v->t == ENG_V_TEXT || v->t == ENG_V_JSON) && text_number(v, &n))
    return cast_fail(x, at, to, v);
  else if (!eng_v_numeric(n.t))
    return cast_fail(x, at, to, v);
  if (to == CQL_CAST_REAL) {
    *v = eng_v_real(eng_v_double(&n));
    return CREDO_OK;
  }
  if (to == CQL_CAST_INT) {
    double r = eng_v_double(&n);
    if (n.t == ENG_V_DECIMAL)
      *v = eng_v_int(eng_dec_to_int(n.u.dec));
    else if (n.t == ENG_V_REAL && (isnan(r) || r >= 9.2e18 || r <= -9.2e18))
      return eng_fn_err(x, at, CREDO_RANGE, "integer out of range");
    else
      *v = n.t == ENG_V_REAL ? eng_v_int((int64_t)round(r)) : n;
    return CREDO_OK;
  }
  if (n.t == ENG_V_DECIMAL)
    d = n.u.dec;
  else if ((n.t == ENG_V_INT ? eng_dec_from_int(n.u.i, &d)
                             : eng_dec_from_double(n.u.r, &d)) != CREDO_OK)
    return eng_fn_err(x, at, CREDO_RANGE,
                      "value out of range for DECIMAL (at most 18 digits)");
  *v = eng_v_dec(d);
  return CREDO_OK;
}

int eng_cast(eng_ectx *x, const eng_expr *at, int to, eng_value *v) {
  eng_buf b = {0};
  credo_time t;
  char *p;
  if (v->t == ENG_V_NULL)
    return CREDO_OK;
  switch (to) {
  case CQL_CAST_INT:
  case CQL_CAST_REAL:
  case CQL_CAST_DECIMAL:
    return cast_number(x, at, to, v);
  case CQL_CAST_BOOL:
    return cast_bool(v, v) ? cast_fail(x, at, to, v) : CREDO_OK;
  case CQL_CAST_TIME:
    if (v->t == ENG_V_TIME)
      return CREDO_OK;
    if (v->t != ENG_V_TEXT || eng_v_text_time(v, x->db->tz, &t) != CREDO_OK)
      return cast_fail(x, at, to, v);
    *v = eng_v_time(t);
    return CREDO_OK;
  default:
    if (v->t == ENG_V_TEXT)
      return CREDO_OK;
    if (v->t == ENG_V_JSON) {
      v->t = ENG_V_TEXT;
      return CREDO_OK;
    }
    if (eng_v_render(v, x->db->tz, &b) != CREDO_OK)
      return eng_err(x->db, CREDO_NOMEM, "out of memory");
    p = eng_arena_strdup(x->arena, b.p ? b.p : "", b.n);
    eng_buf_free(&b);
    if (!p)
      return eng_err(x->db, CREDO_NOMEM, "out of memory");
    *v = eng_v_text(p, strlen(p));
    return CREDO_OK;
  }
}

/* The one list of the names CQL calls know (scalar functions here, the
 * aggregates and coalesce in expr_call.c), for clients' completion. */
const char *credo_function_name(int i) {
  const char *name;
  if (i < 0)
    return NULL;
  if ((name = eng_sf_name_at((size_t)i)) != NULL)
    return name;
  return eng_call_name_at((size_t)i - NSF);
}
