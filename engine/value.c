/*
 * value.c -- CQL values: constructors, comparison, coercion of text to
 * time, text rendering, canonical keys, JSON conversions, byte buffers,
 * the row arena and materialized rows (see value.h for the contracts).
 *
 * Invariants: TEXT and JSON values are borrowed views, NUL-terminated at
 * their length; nothing here keeps global state. Functions that allocate
 * report CREDO_NOMEM (or NULL) and leave their outputs untouched.
 *
 * Does not: evaluate expressions, report errors on a handle (callers put
 * the position and the words).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "timeutil.h"
#include "value.h"

/* ---------------------------------------------------------- types */

const char *eng_vtype_name(int t) {
  static const char *const names[] = {"NULL", "INT",      "REAL",
                                      "TEXT", "BOOL",     "TIME",
                                      "JSON", "DURATION", "DECIMAL"};
  return t >= 0 && t <= ENG_V_DECIMAL ? names[t] : "ANY";
}

credo_type eng_vtype_public(int t) {
  if (t == ENG_V_DURATION)
    return CREDO_T_TEXT;
  if (t == ENG_V_DECIMAL)
    return CREDO_T_DECIMAL;
  if (t < 0 || t > ENG_V_JSON)
    return CREDO_T_NULL;
  return (credo_type)t;
}

/* ------------------------------------------------------------ buffers */

int eng_buf_reserve(eng_buf *b, size_t extra) {
  size_t need = b->n + extra + 1, cap;
  char *p;
  if (need <= b->cap)
    return CREDO_OK;
  cap = b->cap ? b->cap : 64;
  while (cap < need)
    cap *= 2;
  p = realloc(b->p, cap);
  if (!p)
    return CREDO_NOMEM;
  b->p = p;
  b->cap = cap;
  return CREDO_OK;
}

int eng_buf_put(eng_buf *b, const void *p, size_t n) {
  if (eng_buf_reserve(b, n) != CREDO_OK)
    return CREDO_NOMEM;
  if (n)
    memcpy(b->p + b->n, p, n);
  b->n += n;
  b->p[b->n] = '\0';
  return CREDO_OK;
}

int eng_buf_printf(eng_buf *b, const char *fmt, ...) {
  va_list ap;
  int w;
  va_start(ap, fmt);
  w = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (w < 0 || eng_buf_reserve(b, (size_t)w) != CREDO_OK)
    return CREDO_NOMEM;
  va_start(ap, fmt);
  vsnprintf(b->p + b->n, (size_t)w + 1, fmt, ap);
  va_end(ap);
  b->n += (size_t)w;
  return CREDO_OK;
}

void eng_buf_free(eng_buf *b) {
  free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
}

/* -------------------------------------------------------------- arena */

struct eng_arena_chunk {
  eng_arena_chunk *next; /* in `all` */
  size_t cap, used;
  _Alignas(8) unsigned char mem[];
};

#define ARENA_CHUNK 4096

void *eng_arena_alloc(eng_arena *a, size_t n) {
  eng_arena_chunk *c = a->head;
  n = (n + 7) & ~(size_t)7;
  /* Try the chunks after head (kept from earlier rows) before a new one. */
  while (c && c->used + n > c->cap)
    c = c->next;
  if (!c) {
    size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
    c = malloc(sizeof *c + cap);
    if (!c)
      return NULL;
    c->cap = cap;
    c->used = 0;
    c->next = a->all;
    a->all = c;
  }
  a->head = c;
  c->used += n;
  return c->mem + c->used - n;
}

char *eng_arena_strdup(eng_arena *a, const char *p, size_t n) {
  char *q = eng_arena_alloc(a, n + 1);
  if (!q)
    return NULL;
  if (n)
    memcpy(q, p, n);
  q[n] = '\0';
  return q;
}

void eng_arena_reset(eng_arena *a) {
  for (eng_arena_chunk *c = a->all; c; c = c->next)
    c->used = 0;
  a->head = a->all;
}

void eng_arena_free(eng_arena *a) {
  eng_arena_chunk *c = a->all, *n;
  for (; c; c = n) {
    n = c->next;
    free(c);
  }
  a->all = a->head = NULL;
}

/* ------------------------------------------------------------ compare */

int eng_v_numeric(int t) {
  return t == ENG_V_INT || t == ENG_V_REAL || t == ENG_V_DECIMAL;
}

double eng_v_double(const eng_value *v) {
  switch (v->t) {
  case ENG_V_INT:
    return (double)v->u.i;
  case ENG_V_REAL:
    return v->u.r;
  case ENG_V_DECIMAL:
    return eng_dec_to_double(v->u.dec);
  default:
    return 0;
  }
}

/* INT or DECIMAL as a decimal; 0 when it does not fit one. */
static int as_dec(const eng_value *v, eng_dec *d) {
  if (v->t == ENG_V_DECIMAL) {
    *d = v->u.dec;
    return 1;
  }
  return v->t == ENG_V_INT && eng_dec_from_int(v->u.i, d) == CREDO_OK;
}

static int cmp_i64(int64_t a, int64_t b) {
  return (a > b) - (a < b);
}

static int cmp_num(const eng_value *a, const eng_value *b) {
  double x, y;
  eng_dec da, db;
  if (a->t == ENG_V_INT && b->t == ENG_V_INT)
    return cmp_i64(a->u.i, b->u.i);
  if (a->t != ENG_V_REAL && b->t != ENG_V_REAL && as_dec(a, &da) &&
      as_dec(b, &db))
    return eng_dec_cmp(da, db);
  x = eng_v_double(a);
  y = eng_v_double(b);
  if (isnan(x) || isnan(y))
    return isnan(x) - isnan(y);
  return (x > y) - (x < y);
}

static int cmp_text(const eng_value *a, const eng_value *b) {
  size_t n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
  int c = memcmp(a->u.s.p, b->u.s.p, n);
  if (c)
    return c < 0 ? -1 : 1;
  return (a->u.s.n > b->u.s.n) - (a->u.s.n < b->u.s.n);
}

/* Durations order by an average month (30.436875 days) when months
 * differ; equal only when both parts are. */
static int cmp_dur(credo_duration a, credo_duration b) {
  double x, y;
  if (a.months == b.months)
    return cmp_i64(a.usec, b.usec);
  x = a.months * 30.436875 * 86400e6 + (double)a.usec;
  y = b.months * 30.436875 * 86400e6 + (double)b.usec;
  if (x == y)
    return cmp_i64(a.months, b.months);
  return (x > y) - (x < y);
}

int eng_v_compare(const eng_value *a, const eng_value *b, int *cmp) {
  if (eng_v_numeric(a->t) && eng_v_numeric(b->t)) {
    *cmp = cmp_num(a, b);
    return 0;
  }
  if (a->t != b->t)
    return -1;
  switch (a->t) {
  case ENG_V_TEXT:
  case ENG_V_JSON:
    *cmp = cmp_text(a, b);
    return 0;
  case ENG_V_BOOL:
    *cmp = cmp_i64(a->u.i, b->u.i);
    return 0;
  case ENG_V_TIME:
    *cmp = cmp_i64(a->u.tm, b->u.tm);
    return 0;
  case ENG_V_DURATION:
    *cmp = cmp_dur(a->u.d, b->u.d);
    return 0;
  default:
    return -1;
  }
}

/* Rank of a type class in the total order. */
static int type_rank(int t) {
  switch (t) {
  case ENG_V_NULL:
    return 0;
  case ENG_V_BOOL:
    return 1;
  case ENG_V_INT:
  case ENG_V_REAL:
  case ENG_V_DECIMAL:
    return 2;
  case ENG_V_TIME:
    return 3;
  case ENG_V_DURATION:
    return 4;
  case ENG_V_TEXT:
    return 5;
  default:
    return 6;
  }
}

int eng_v_order(const eng_value *a, const eng_value *b) {
  int ra = type_rank(a->t), rb = type_rank(b->t), c = 0;
  if (ra != rb)
    return ra < rb ? -1 : 1;
  if (ra == 0)
    return 0;
  eng_v_compare(a, b, &c);
  return c;
}

int eng_v_text_time(const eng_value *v, int tz, credo_time *out) {
  if (v->t != ENG_V_TEXT)
    return CREDO_INVALID;
  return eng_time_parse_n(v->u.s.p, v->u.s.n, tz, out);
}

/* ------------------------------------------------------------- render */

/* Shortest "%.*g" that reads back to the same double; ".0" added to
 * integral values so that a REAL still looks like one. */
static int render_real(double r, eng_buf *b) {
  char tmp[40];
  if (isnan(r))
    return eng_buf_put(b, "NaN", 3);
  if (isinf(r))
    return eng_buf_put(b, r < 0 ? "-Infinity" : "Infinity", r < 0 ? 9 : 8);
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, r);
    if (strtod(tmp, NULL) == r)
      break;
  }
  if (!strpbrk(tmp, ".eE"))
    strcat(tmp, ".0");
  return eng_buf_put(b, tmp, strlen(tmp));
}

int eng_v_render(const eng_value *v, int tz, eng_buf *b) {
  char tmp[200];
  switch (v->t) {
  case ENG_V_NULL:
    return eng_buf_put(b, "", 0);
  case ENG_V_INT: {
    /* by hand: rendered for every row, and printf is slow */
    uint64_t u = v->u.i < 0 ? 0 - (uint64_t)v->u.i : (uint64_t)v->u.i;
    char *p = tmp + sizeof tmp;
    do
      *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v->u.i < 0)
      *--p = '-';
    return eng_buf_put(b, p, (size_t)(tmp + sizeof tmp - p));
  }
  case ENG_V_REAL:
    return render_real(v->u.r, b);
  case ENG_V_DECIMAL: {
    size_t n = eng_dec_format(v->u.dec, tmp, sizeof tmp);
    return eng_buf_put(b, tmp, n);
  }
  case ENG_V_BOOL:
    return eng_buf_put(b, v->u.i ? "true" : "false", v->u.i ? 4 : 5);
  case ENG_V_TIME:
    if (credo_time_format(v->u.tm, tz, tmp, sizeof tmp) != CREDO_OK)
      snprintf(tmp, sizeof tmp, "?");
    return eng_buf_put(b, tmp, strlen(tmp));
  case ENG_V_DURATION:
    credo_duration_format(v->u.d, tmp, sizeof tmp);
    return eng_buf_put(b, tmp, strlen(tmp));
  default:
    return eng_buf_put(b, v->u.s.p, v->u.s.n);
  }
}

int eng_v_key(const eng_value *v, eng_buf *b) {
  unsigned char tag = (unsigned char)v->t;
  int64_t i;
  if (v->t == ENG_V_REAL && v->u.r == floor(v->u.r) && v->u.r >= -9.2e18 &&
      v->u.r <= 9.2e18) {
    tag = ENG_V_INT; /* 2.0 groups with 2 */
    i = (int64_t)v->u.r;
  } else if (v->t == ENG_V_DECIMAL && v->u.dec.s == 0) {
    tag = ENG_V_INT; /* 2 as a decimal groups with 2 */
    i = v->u.dec.m;
  } else
    i = v->u.i;
  if (eng_buf_put(b, &tag, 1) != CREDO_OK)
    return CREDO_NOMEM;
  switch (v->t) {
  case ENG_V_NULL:
    return CREDO_OK;
  case ENG_V_INT:
  case ENG_V_BOOL:
    return eng_buf_put(b, &i, sizeof i);
  case ENG_V_REAL:
    return tag == ENG_V_INT ? eng_buf_put(b, &i, sizeof i)
                            : eng_buf_put(b, &v->u.r, sizeof v->u.r);
  case ENG_V_TIME:
    return eng_buf_put(b, &v->u.tm, sizeof v->u.tm);
  case ENG_V_DECIMAL:
    if (tag == ENG_V_INT)
      return eng_buf_put(b, &i, sizeof i);
    if (eng_buf_put(b, &v->u.dec.m, sizeof v->u.dec.m))
      return CREDO_NOMEM;
    return eng_buf_put(b, &v->u.dec.s, sizeof v->u.dec.s);
  case ENG_V_DURATION:
    if (eng_buf_put(b, &v->u.d.months, sizeof v->u.d.months))
      return CREDO_NOMEM;
    return eng_buf_put(b, &v->u.d.usec, sizeof v->u.d.usec);
  default: {
    uint64_t n = v->u.s.n;
    if (eng_buf_put(b, &n, sizeof n))
      return CREDO_NOMEM;
    return eng_buf_put(b, v->u.s.p, v->u.s.n);
  }
  }
}

/* --------------------------------------------------------------- JSON */

int eng_v_from_json(json_t *j, eng_arena *a, eng_value *out) {
  char *s;
  switch (json_typeof(j)) {
  case JSON_NULL:
    *out = eng_v_null();
    return CREDO_OK;
  case JSON_TRUE:
  case JSON_FALSE:
    *out = eng_v_bool(json_is_true(j));
    return CREDO_OK;
  case JSON_INTEGER:
    *out = eng_v_int((int64_t)json_integer_value(j));
    return CREDO_OK;
  case JSON_REAL: {
    eng_dec d;
    if (eng_dec_from_double(json_real_value(j), &d) == CREDO_OK)
      *out = eng_v_dec(d);
    else
      *out = eng_v_real(json_real_value(j));
    return CREDO_OK;
  }
  case JSON_STRING:
    *out = eng_v_text(json_string_value(j), json_string_length(j));
    return CREDO_OK;
  default:
    s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!s)
      return CREDO_NOMEM;
    out->u.s.n = strlen(s);
    out->u.s.p = eng_arena_strdup(a, s, out->u.s.n);
    out->t = ENG_V_JSON;
    free(s);
    return out->u.s.p ? CREDO_OK : CREDO_NOMEM;
  }
}

json_t *eng_v_to_json(const eng_value *v, int tz) {
  eng_buf b = {0};
  json_t *j;
  switch (v->t) {
  case ENG_V_NULL:
    return json_null();
  case ENG_V_INT:
    return json_integer((json_int_t)v->u.i);
  case ENG_V_REAL:
    return json_real(v->u.r);
  case ENG_V_DECIMAL:
    return v->u.dec.s == 0 ? json_integer((json_int_t)v->u.dec.m)
                           : json_real(eng_dec_to_double(v->u.dec));
  case ENG_V_BOOL:
    return json_boolean(v->u.i);
  case ENG_V_TEXT:
    return json_stringn(v->u.s.p, v->u.s.n);
  case ENG_V_JSON:
    return json_loadb(v->u.s.p, v->u.s.n, JSON_DECODE_ANY, NULL);
  default:
    if (eng_v_render(v, tz, &b) != CREDO_OK)
      return NULL;
    j = json_stringn(b.p, b.n);
    eng_buf_free(&b);
    return j;
  }
}

/* ------------------------------------------------- materialized rows */

static size_t text_bytes(const eng_value *v, size_t n) {
  size_t total = 0;
  for (size_t i = 0; i < n; i++)
    if (v[i].t == ENG_V_TEXT || v[i].t == ENG_V_JSON)
      total += v[i].u.s.n + 1;
  return total;
}

static char *copy_values(eng_value *dst, const eng_value *src, size_t n,
                         char *text) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = src[i];
    if (src[i].t == ENG_V_TEXT || src[i].t == ENG_V_JSON) {
      memcpy(text, src[i].u.s.p, src[i].u.s.n);
      text[src[i].u.s.n] = '\0';
      dst[i].u.s.p = text;
      text += src[i].u.s.n + 1;
    }
  }
  return text;
}

eng_brow *eng_brow_make2(const eng_value *a, size_t na, const eng_value *b,
                         size_t nb, uint64_t seq) {
  size_t head = sizeof(eng_brow) + (na + nb) * sizeof(eng_value);
  eng_brow *r = malloc(head + text_bytes(a, na) + text_bytes(b, nb));
  char *text;
  if (!r)
    return NULL;
  r->n = na + nb;
  r->seq = seq;
  text = (char *)r + head;
  text = copy_values(r->v, a, na, text);
  copy_values(r->v + na, b, nb, text);
  return r;
}

eng_brow *eng_brow_make(const eng_value *v, size_t n, uint64_t seq) {
  return eng_brow_make2(v, n, NULL, 0, seq);
}

/* ------------------------------------------ for the other backends */

int be_render_scalar(int type, int64_t i, double r, int tz, char *buf,
                     size_t n) {
  eng_buf b = {0};
  eng_value e;
  int rc;
  switch (type) {
  case CREDO_T_INT:
    e = eng_v_int(i);
    break;
  case CREDO_T_REAL:
    e = eng_v_real(r);
    break;
  case CREDO_T_BOOL:
    e = eng_v_bool((int)i);
    break;
  case CREDO_T_TIME:
    e = eng_v_time(i);
    break;
  default:
    e = eng_v_null();
  }
  rc = eng_v_render(&e, tz, &b) == CREDO_OK && b.n < n ? 0 : -1;
  if (rc == 0) {
    memcpy(buf, b.p ? b.p : "", b.n);
    buf[b.n] = '\0';
  }
  eng_buf_free(&b);
  return rc;
}
