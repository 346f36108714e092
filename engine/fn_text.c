/*
 * fn_text.c -- CQL's text functions: substr, replace, trim / ltrim /
 * rtrim, lower / upper, length, position, concat, left, right.
 *
 * Invariants: positions and lengths count characters (UTF-8 code points;
 * the engine's texts are valid UTF-8), 1-based as in PostgreSQL; lower /
 * upper map each code point with utf8proc (so 'ÄÖ' lowers to 'äö');
 * non-TEXT arguments are used in their rendered text form. Results are
 * allocated in the row arena.
 *
 * Does not: handle NULL arguments (fn_scalar.c does) or collations.
 */
#include <string.h>
#include <utf8proc.h>

#include "fn_int.h"

static int oom(eng_ectx *x) {
  return eng_err(x->db, CREDO_NOMEM, "out of memory");
}

/* Makes `v` TEXT (rendering other types into the arena). */
static int as_text(eng_ectx *x, eng_value *v) {
  eng_buf b = {0};
  char *p;
  if (v->t == ENG_V_TEXT)
    return CREDO_OK;
  if (eng_v_render(v, x->db->tz, &b) != CREDO_OK)
    return oom(x);
  p = eng_arena_strdup(x->arena, b.p ? b.p : "", b.n);
  eng_buf_free(&b);
  if (!p)
    return oom(x);
  *v = eng_v_text(p, strlen(p));
  return CREDO_OK;
}

static int put_text(eng_ectx *x, const char *p, size_t n, eng_value *out) {
  char *q = eng_arena_strdup(x->arena, p, n);
  if (!q)
    return oom(x);
  *out = eng_v_text(q, n);
  return CREDO_OK;
}

static size_t u8len(unsigned char c) {
  return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Byte offset of character `k` (0-based) of s[0..n), clamped to n. */
static size_t char_off(const char *s, size_t n, int64_t k) {
  size_t i = 0;
  for (; k > 0 && i < n; k--)
    i += u8len((unsigned char)s[i]);
  return i < n ? i : n;
}

static int64_t char_count(const char *s, size_t n) {
  int64_t c = 0;
  for (size_t i = 0; i < n; i++)
    c += ((unsigned char)s[i] & 0xC0) != 0x80;
  return c;
}

/* substr(s, start [, len]): PostgreSQL's rules for start < 1. */
static int fn_substr(eng_ectx *x, const eng_expr *e, eng_value *a, size_t n,
                     eng_value *out) {
  int64_t start, len = INT64_MAX, from, to;
  int rc;
  if ((rc = eng_fn_int_arg(x, e, "substr", &a[1], &start)) != CREDO_OK ||
      (n > 2 && (rc = eng_fn_int_arg(x, e, "substr", &a[2], &len))))
    return rc;
  if (len < 0)
    return eng_fn_err(x, e, CREDO_RANGE,
                      "substr: negative length %lld is not allowed",
                      (long long)len);
  from = start - 1;
  to = len == INT64_MAX || from > INT64_MAX - len ? INT64_MAX : from + len;
  if (from < 0)
    from = 0;
  if (to <= from)
    return put_text(x, "", 0, out);
  {
    size_t b0 = char_off(a[0].u.s.p, a[0].u.s.n, from);
    size_t b1 = to == INT64_MAX ? a[0].u.s.n
                                : b0 + char_off(a[0].u.s.p + b0,
                                                a[0].u.s.n - b0, to - from);
    return put_text(x, a[0].u.s.p + b0, b1 - b0, out);
  }
}

static int fn_replace(eng_ectx *x, eng_value *a, eng_value *out) {
  eng_buf b = {0};
  const char *s = a[0].u.s.p, *end = s + a[0].u.s.n, *hit;
  int rc = CREDO_OK;
  if (a[1].u.s.n == 0) {
    *out = a[0];
    return CREDO_OK;
  }
  while (rc == CREDO_OK &&
         (hit = memmem(s, (size_t)(end - s), a[1].u.s.p, a[1].u.s.n))) {
    rc = eng_buf_put(&b, s, (size_t)(hit - s));
    if (rc == CREDO_OK)
      rc = eng_buf_put(&b, a[2].u.s.p, a[2].u.s.n);
    s = hit + a[1].u.s.n;
  }
  if (rc == CREDO_OK)
    rc = eng_buf_put(&b, s, (size_t)(end - s));
  rc = rc == CREDO_OK ? put_text(x, b.p ? b.p : "", b.n, out) : oom(x);
  eng_buf_free(&b);
  return rc;
}

/* 1 when the character at p (of length cl) is in the set. */
static int in_set(const char *p, size_t cl, const eng_value *set) {
  const char *s = set->u.s.p;
  for (size_t i = 0; i < set->u.s.n; i += u8len((unsigned char)s[i]))
    if (u8len((unsigned char)s[i]) == cl && memcmp(s + i, p, cl) == 0)
      return 1;
  return 0;
}

static int fn_trim(eng_ectx *x, int sf, eng_value *a, size_t n,
                   eng_value *out) {
  eng_value sp = eng_v_text(" ", 1), *set = n > 1 ? &a[1] : &sp;
  const char *s = a[0].u.s.p;
  size_t b = 0, e = a[0].u.s.n;
  if (sf != ENG_SF_RTRIM)
    while (b < e && in_set(s + b, u8len((unsigned char)s[b]), set))
      b += u8len((unsigned char)s[b]);
  if (sf != ENG_SF_LTRIM)
    while (e > b) {
      size_t k = e - 1;
      while (k > b && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
      if (!in_set(s + k, e - k, set))
        break;
      e = k;
    }
  return put_text(x, s + b, e - b, out);
}

/* lower / upper, code point by code point. */
static int fn_case(eng_ectx *x, int upper, eng_value *a, eng_value *out) {
  const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)a->u.s.p;
  utf8proc_ssize_t n = (utf8proc_ssize_t)a->u.s.n, i = 0;
  eng_buf b = {0};
  int rc = eng_buf_reserve(&b, a->u.s.n + 8);
  while (rc == CREDO_OK && i < n) {
    utf8proc_int32_t cp;
    utf8proc_uint8_t enc[4];
    utf8proc_ssize_t k = utf8proc_iterate(s + i, n - i, &cp);
    if (k <= 0) { /* not UTF-8: keep the byte */
      rc = eng_buf_put(&b, s + i, 1);
      i++;
      continue;
    }
    cp = upper ? utf8proc_toupper(cp) : utf8proc_tolower(cp);
    rc = eng_buf_put(&b, enc, (size_t)utf8proc_encode_char(cp, enc));
    i += k;
  }
  rc = rc == CREDO_OK ? put_text(x, b.p ? b.p : "", b.n, out) : oom(x);
  eng_buf_free(&b);
  return rc;
}

static int fn_position(eng_value *a, eng_value *out) {
  const char *hit;
  if (a[0].u.s.n == 0) {
    *out = eng_v_int(1);
    return CREDO_OK;
  }
  hit = memmem(a[1].u.s.p, a[1].u.s.n, a[0].u.s.p, a[0].u.s.n);
  *out = eng_v_int(hit ? char_count(a[1].u.s.p, (size_t)(hit - a[1].u.s.p)) + 1
                       : 0);
  return CREDO_OK;
}

static int fn_concat(eng_ectx *x, eng_value *a, size_t n, eng_value *out) {
  eng_buf b = {0};
  int rc = CREDO_OK;
  for (size_t i = 0; i < n && rc == CREDO_OK; i++)
    if (a[i].t != ENG_V_NULL)
      rc = eng_v_render(&a[i], x->db->tz, &b);
  rc = rc == CREDO_OK ? put_text(x, b.p ? b.p : "", b.n, out) : oom(x);
  eng_buf_free(&b);
  return rc;
}

/* left(s, k) / right(s, k); a negative k drops |k| characters. */
static int fn_side(eng_ectx *x, const eng_expr *e, int sf, eng_value *a,
                   eng_value *out) {
  int64_t k, total = char_count(a[0].u.s.p, a[0].u.s.n), keep;
  int rc =
      eng_fn_int_arg(x, e, sf == ENG_SF_LEFT ? "left" : "right", &a[1], &k);
  size_t cut;
  if (rc != CREDO_OK)
    return rc;
  keep = k >= 0 ? (k < total ? k : total) : (total + k > 0 ? total + k : 0);
  if (sf == ENG_SF_LEFT)
    return put_text(x, a[0].u.s.p, char_off(a[0].u.s.p, a[0].u.s.n, keep), out);
  cut = char_off(a[0].u.s.p, a[0].u.s.n, total - keep);
  return put_text(x, a[0].u.s.p + cut, a[0].u.s.n - cut, out);
}

int eng_fn_text(eng_ectx *x, const eng_expr *e, int sf, eng_value *a, size_t n,
                eng_value *out) {
  int rc;
  if (sf == ENG_SF_CONCAT)
    return fn_concat(x, a, n, out);
  for (size_t i = 0; i < n; i++)
    if (!((sf == ENG_SF_SUBSTR || sf == ENG_SF_LEFT || sf == ENG_SF_RIGHT) &&
          i > 0) &&
        (rc = as_text(x, &a[i])) != CREDO_OK)
      return rc;
  switch (sf) {
  case ENG_SF_SUBSTR:
    return fn_substr(x, e, a, n, out);
  case ENG_SF_REPLACE:
    return fn_replace(x, a, out);
  case ENG_SF_TRIM:
  case ENG_SF_LTRIM:
  case ENG_SF_RTRIM:
    return fn_trim(x, sf, a, n, out);
  case ENG_SF_LOWER:
  case ENG_SF_UPPER:
    return fn_case(x, sf == ENG_SF_UPPER, a, out);
  case ENG_SF_LENGTH:
    *out = eng_v_int(char_count(a[0].u.s.p, a[0].u.s.n));
    return CREDO_OK;
  case ENG_SF_POSITION:
    return fn_position(a, out);
  default:
    return fn_side(x, e, sf, a, out);
  }
}
