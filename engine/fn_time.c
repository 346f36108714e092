/*
 * fn_time.c -- CQL's time functions: date_trunc(unit, t), extract(field
 * FROM t) (also date_part), to_char(t, pattern).
 *
 * Invariants: all calendar work happens in the session's time zone
 * (db->tz), so date_trunc('month', t) is local midnight of the 1st and
 * extract(hour ...) the local hour, as the register's users read times.
 * Weeks start on Monday (ISO, as PostgreSQL); dow is 0 for Sunday.
 * A TEXT argument where a time is expected is read as one (session zone).
 * extract also reads durations (epoch, day, hour, minute, second).
 *
 * Does not: know any zone database: offsets only (timeutil.h).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fn_int.h"
#include "timeutil.h"

static int time_arg(eng_ectx *x, const eng_expr *e, const char *fn,
                    eng_value *v, credo_time *t) {
  if (v->t == ENG_V_TEXT && eng_v_text_time(v, x->db->tz, t) == CREDO_OK)
    return CREDO_OK;
  if (v->t == ENG_V_TIME && v->u.tm >= CREDO_TIME_MIN &&
      v->u.tm != CREDO_TIME_OPEN) {
    *t = v->u.tm;
    return CREDO_OK;
  }
  if (v->t == ENG_V_TIME)
    return CREDO_NOTFOUND; /* an open end: the result is NULL */
  return eng_fn_err(x, e, CREDO_SEMANTIC,
                    "type mismatch: %s needs a time, got %s", fn,
                    eng_vtype_name(v->t));
}

static const char *const UNITS[] = {"year", "quarter", "month",  "week", "day",
                                    "hour", "minute",  "second", NULL};

static int unit_of(const eng_value *v) {
  for (int i = 0; UNITS[i]; i++)
    if (v->t == ENG_V_TEXT && strcasecmp(v->u.s.p, UNITS[i]) == 0)
      return i;
  return -1;
}

/* Day of week of civil date c: 0 Sunday .. 6 Saturday. */
static int dow_of(const eng_civil *c) {
  int64_t days = eng_days_from_civil(c->y, c->m, c->d);
  int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
  return (int)(w < 0 ? w + 7 : w);
}

static int fn_trunc(eng_ectx *x, const eng_expr *e, eng_value *a,
                    eng_value *out) {
  int u = unit_of(&a[0]), rc;
  credo_time t, r;
  eng_civil c;
  if (u < 0)
    return eng_fn_err(x, e, CREDO_SEMANTIC,
                      "date_trunc: unknown unit '%.40s' (units: year, "
                      "quarter, month, week, day, hour, minute, second)",
                      a[0].t == ENG_V_TEXT ? a[0].u.s.p : "?");
  if ((rc = time_arg(x, e, "date_trunc", &a[1], &t)) != CREDO_OK) {
    *out = eng_v_null();
    return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
  }
  eng_time_split(t, x->db->tz, &c);
  c.usec = 0;
  if (u <= 6)
    c.ss = 0;
  if (u <= 5)
    c.mm = 0;
  if (u <= 4)
    c.hh = 0;
  if (u == 3) /* back to Monday */
    c.d -= (dow_of(&c) + 6) % 7;
  if (u <= 2)
    c.d = 1;
  if (u == 1)
    c.m = (c.m - 1) / 3 * 3 + 1;
  if (u == 0)
    c.m = 1;
  eng_time_join(&c, x->db->tz, &r);
  *out = eng_v_time(r);
  return CREDO_OK;
}

static int extract_dur(eng_ectx *x, const eng_expr *e, const char *f,
                       credo_duration d, eng_value *out) {
  int64_t us = d.usec + (int64_t)d.months * 30 * 86400 * 1000000LL;
  eng_dec v;
  if (strcasecmp(f, "epoch") == 0 || strcasecmp(f, "second") == 0) {
    v.m = us;
    v.s = 6;
    if (eng_dec_round(v, 6, 0, &v) != CREDO_OK)
      return eng_fn_err(x, e, CREDO_RANGE, "decimal overflow");
    *out = eng_v_dec(v); /* DECIMAL, so that epoch / 86400 keeps days */
  } else if (strcasecmp(f, "day") == 0)
    *out = eng_v_int(us / (86400 * 1000000LL));
  else if (strcasecmp(f, "hour") == 0)
    *out = eng_v_int(us / (3600 * 1000000LL));
  else if (strcasecmp(f, "minute") == 0)
    *out = eng_v_int(us / (60 * 1000000LL));
  else
    return eng_fn_err(x, e, CREDO_SEMANTIC,
                      "extract: unknown field '%.40s' for a duration "
                      "(fields: epoch, day, hour, minute, second)",
                      f);
  return CREDO_OK;
}

static int fn_extract(eng_ectx *x, const eng_expr *e, eng_value *a,
                      eng_value *out) {
  const char *f = a[0].t == ENG_V_TEXT ? a[0].u.s.p : "?";
  credo_time t;
  eng_civil c;
  int rc;
  if (a[1].t == ENG_V_DURATION)
    return extract_dur(x, e, f, a[1].u.d, out);
  if ((rc = time_arg(x, e, "extract", &a[1], &t)) != CREDO_OK) {
    *out = eng_v_null();
    return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
  }
  eng_time_split(t, x->db->tz, &c);
  if (strcasecmp(f, "year") == 0)
    *out = eng_v_int(c.y);
  else if (strcasecmp(f, "quarter") == 0)
    *out = eng_v_int((c.m - 1) / 3 + 1);
  else if (strcasecmp(f, "month") == 0)
    *out = eng_v_int(c.m);
  else if (strcasecmp(f, "day") == 0)
    *out = eng_v_int(c.d);
  else if (strcasecmp(f, "dow") == 0)
    *out = eng_v_int(dow_of(&c));
  else if (strcasecmp(f, "isodow") == 0)
    *out = eng_v_int(dow_of(&c) == 0 ? 7 : dow_of(&c));
  else if (strcasecmp(f, "doy") == 0)
    *out = eng_v_int(eng_days_from_civil(c.y, c.m, c.d) -
                     eng_days_from_civil(c.y, 1, 1) + 1);
  else if (strcasecmp(f, "hour") == 0)
    *out = eng_v_int(c.hh);
  else if (strcasecmp(f, "minute") == 0)
    *out = eng_v_int(c.mm);
  else if (strcasecmp(f, "second") == 0 || strcasecmp(f, "epoch") == 0) {
    eng_dec d = {strcasecmp(f, "epoch") == 0 ? t : c.ss * 1000000LL + c.usec,
                 6};
    if (eng_dec_round(d, 6, 0, &d) != CREDO_OK)
      return eng_fn_err(x, e, CREDO_RANGE, "decimal overflow");
    *out = eng_v_dec(d);
  } else
    return eng_fn_err(x, e, CREDO_SEMANTIC,
                      "extract: unknown field '%.40s' (fields: year, "
                      "quarter, month, day, dow, isodow, doy, hour, minute, "
                      "second, epoch)",
                      f);
  return CREDO_OK;
}

/* One to_char pattern at p: appends its text and returns its length, 0
 * when p starts no pattern. */
static size_t pattern(const char *p, const eng_civil *c, eng_buf *b) {
  static const struct {
    const char *pat;
    int what, width;
  } P[] = {{"YYYY", 0, 4}, {"HH24", 3, 2}, {"HH12", 7, 2}, {"YY", 8, 2},
           {"MM", 1, 2},   {"DD", 2, 2},   {"HH", 7, 2},   {"MI", 4, 2},
           {"SS", 5, 2},   {"US", 6, 6},   {"MS", 9, 3},   {"Q", 10, 1}};
  for (size_t i = 0; i < sizeof P / sizeof *P; i++) {
    size_t n = strlen(P[i].pat);
    int64_t v;
    if (strncmp(p, P[i].pat, n) != 0)
      continue;
    switch (P[i].what) {
    case 0:
      v = c->y;
      break;
    case 1:
      v = c->m;
      break;
    case 2:
      v = c->d;
      break;
    case 3:
      v = c->hh;
      break;
    case 4:
      v = c->mm;
      break;
    case 5:
      v = c->ss;
      break;
    case 6:
      v = c->usec;
      break;
    case 7:
      v = c->hh % 12 ? c->hh % 12 : 12;
      break;
    case 8:
      v = (c->y % 100 + 100) % 100;
      break;
    case 9:
      v = c->usec / 1000;
      break;
    default:
      v = (c->m - 1) / 3 + 1;
    }
    eng_buf_printf(b, "%0*lld", P[i].width, (long long)v);
    return n;
  }
  return 0;
}

static int fn_to_char(eng_ectx *x, const eng_expr *e, eng_value *a,
                      eng_value *out) {
  credo_time t;
  eng_civil c;
  eng_buf b = {0};
  char *s;
  int rc;
  if (a[1].t != ENG_V_TEXT)
    return eng_fn_err(x, e, CREDO_SEMANTIC,
                      "type mismatch: to_char needs a TEXT pattern, got %s",
                      eng_vtype_name(a[1].t));
  if ((rc = time_arg(x, e, "to_char", &a[0], &t)) != CREDO_OK) {
    *out = eng_v_null();
    return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
  }
  eng_time_split(t, x->db->tz, &c);
  for (const char *p = a[1].u.s.p; *p && rc == CREDO_OK;) {
    size_t k = pattern(p, &c, &b);
    if (k)
      p += k;
    else
      rc = eng_buf_put(&b, p++, 1);
  }
  s = rc == CREDO_OK ? eng_arena_strdup(x->arena, b.p ? b.p : "", b.n) : NULL;
  eng_buf_free(&b);
  if (!s)
    return eng_err(x->db, CREDO_NOMEM, "out of memory");
  *out = eng_v_text(s, strlen(s));
  return CREDO_OK;
}

int eng_fn_time(eng_ectx *x, const eng_expr *e, int sf, eng_value *a,
                eng_value *out) {
  if (sf == ENG_SF_DATE_TRUNC)
    return fn_trunc(x, e, a, out);
  if (sf == ENG_SF_EXTRACT)
    return fn_extract(x, e, a, out);
  return fn_to_char(x, e, a, out);
}
