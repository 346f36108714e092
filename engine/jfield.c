/*
 * jfield.c -- reads one field of an event's stored `data` JSON text
 * (data.a.b) without building a jansson tree: a scan of the text that
 * skips every other member, for the aggregates and filters that read one
 * or two fields of each of many rows.
 *
 * Contract: eng_jfield answers exactly what parsing the whole text with
 * jansson and walking the path (expr_row.c, eng_json_path) answers, or
 * says ENG_JF_FALLBACK and the caller takes that path. It answers itself
 * only the cases whose result is the same by construction: objects on
 * the path, keys and string values without escapes, null/true/false,
 * integers of at most 18 digits and finite reals (converted by strtod as
 * jansson does, then by the same eng_v_* constructors). One deliberate
 * difference: a plain decimal literal [-]int.frac of 16..18 significant
 * digits (that a decimal holds) whose double does not print back with 15
 * digits reads as exactly that decimal, where the
 * jansson path could only give the double's shortest form; the stored
 * canonical text keeps such literals (jcanon.c), and plain object paths,
 * the common case, are always answered here. Duplicate keys:
 * the last one wins, as in jansson. Anything else (escapes, arrays on the
 * path, an object or array as the result, a malformed text) falls back.
 * Tested against the jansson path on random objects (tests/unit/
 * test_jfield.c).
 *
 * Does not: allocate except a text result's copy in the row arena (the
 * engine's texts are NUL-terminated), or keep anything between calls.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "expr_int.h"
#include "jfield.h"

typedef struct jscan {
  const char *p, *end;
} jscan;

static void ws(jscan *s) {
  while (s->p < s->end &&
         (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

/* Skips a string starting at '"'; *plain = 1 when it has no escape.
 * Returns 0 on success, -1 when unterminated. */
static int skip_string(jscan *s, int *plain) {
  *plain = 1;
  for (s->p++; s->p < s->end; s->p++) {
    if (*s->p == '\\') {
      *plain = 0;
      s->p++;
    } else if (*s->p == '"') {
      s->p++;
      return 0;
    }
  }
  return -1;
}

/* Skips any value (nested containers by depth, strings honoured). */
static int skip_value(jscan *s) {
  int depth = 0, plain;
  ws(s);
  do {
    if (s->p >= s->end)
      return -1;
    char c = *s->p;
    if (c == '"') {
      if (skip_string(s, &plain))
        return -1;
      continue;
    }
    if (c == '{' || c == '[')
      depth++;
    else if (c == '}' || c == ']')
      depth--;
    else if (depth == 0) { /* a scalar at top: up to a delimiter */
      while (s->p < s->end && !strchr(",}] \t\n\r", *s->p))
        s->p++;
      return 0;
    }
    s->p++;
  } while (depth > 0);
  return depth == 0 ? 0 : -1;
}

/* In the object at s->p, the value of the LAST member named `key`
 * (jansson keeps the last of duplicates). 1 found (*val at its start),
 * 0 missing, -1 fall back. */
static int find_member(jscan *s, const char *key, const char **val) {
  size_t klen = strlen(key);
  int found = 0, plain;
  ws(s);
  if (s->p >= s->end || *s->p != '{')
    return -1;
  s->p++;
  ws(s);
  if (s->p < s->end && *s->p == '}')
    return 0;
  for (;;) {
    ws(s);
    if (s->p >= s->end || *s->p != '"')
      return -1;
    const char *k = s->p + 1;
    if (skip_string(s, &plain) || !plain)
      return -1;
    size_t n = (size_t)(s->p - 1 - k);
    ws(s);
    if (s->p >= s->end || *s->p != ':')
      return -1;
    s->p++;
    ws(s);
    if (n == klen && memcmp(k, key, n) == 0) {
      *val = s->p;
      found = 1;
    }
    if (skip_value(s))
      return -1;
    ws(s);
    if (s->p < s->end && *s->p == ',') {
      s->p++;
      continue;
    }
    return s->p < s->end && *s->p == '}' ? found : -1;
  }
}

/* A JSON number token [p, q): 1 integer, 2 real, 0 not a number. */
static int number_kind(const char *p, const char *q) {
  int real = 0;
  if (p < q && *p == '-')
    p++;
  if (p >= q || !isdigit((unsigned char)*p))
    return 0;
  if (*p == '0' && p + 1 < q && isdigit((unsigned char)p[1]))
    return 0;
  while (p < q && isdigit((unsigned char)*p))
    p++;
  if (p < q && *p == '.') {
    real = 1;
    if (++p >= q || !isdigit((unsigned char)*p))
      return 0;
    while (p < q && isdigit((unsigned char)*p))
      p++;
  }
  if (p < q && (*p == 'e' || *p == 'E')) {
    real = 1;
    if (++p < q && (*p == '+' || *p == '-'))
      p++;
    if (p >= q || !isdigit((unsigned char)*p))
      return 0;
    while (p < q && isdigit((unsigned char)*p))
      p++;
  }
  return p == q ? 1 + real : 0;
}

/* A plain literal of 16..18 significant digits whose double does not
 * print back with 15 digits: exactly the decimal it spells, as the
 * canonical writer (jcanon.c) keeps such a literal; jansson's double
 * could not hold its digits. One whose double does (0.10000000000000001,
 * a double's 17-digit text as older stores hold it): -1, the strtod
 * route, which gives the double's shortest decimal (0.1), as before. */
static int long_literal(const char *v, size_t n, eng_dec *out) {
  char tmp[48], buf[40];
  if (n >= sizeof tmp)
    return -1;
  memcpy(tmp, v, n);
  tmp[n] = 0;
  double r = strtod(tmp, NULL);
  snprintf(buf, sizeof buf, "%.15g", r);
  if (strtod(buf, NULL) == r)
    return -1;
  return eng_dec_parse(v, n, out) == CREDO_OK ? 0 : -1;
}

/* A plain real literal [-]int.frac (no exponent): of 16..18 significant
 * digits, long_literal's answer. Of at most 15
 * significant digits: as the text eng_dec_from_double would build for
 * its double: the shortest "%.*e" that reads back. A decimal of <= 15
 * significant digits (DBL_DIG) is the unique shortest one that rounds to
 * its double, so that text is its own digits, trailing zeros dropped, in
 * %e form. The same text through eng_dec_parse gives the same decimal,
 * without strtod and the snprintf loop. 0 done, -1 not such a literal
 * (the caller takes the strtod route). */
static int dec_literal(const char *v, size_t n, eng_dec *out) {
  char dig[24], tmp[48];
  size_t nd = 0, i = 0;
  int neg = 0, exp10 = -1, point = 0, seen = 0;
  if (v[0] == '-')
    neg = 1, i = 1;
  for (; i < n; i++) {
    if (v[i] == '.') {
      point = 1;
      continue;
    }
    if (v[i] < '0' || v[i] > '9')
      return -1; /* an exponent: the strtod route */
    if (!seen && v[i] == '0') {
      if (point)
        exp10--;
      continue;
    }
    if (!seen && !point)
      exp10 = -1;
    seen = 1;
    if (!point)
      exp10++;
    if (nd >= sizeof dig)
      return -1;
    dig[nd++] = v[i];
  }
  while (nd > 0 && dig[nd - 1] == '0')
    nd--;
  if (nd > ENG_DEC_DIGITS)
    return -1;
  if (nd > 15) /* 16..18 digits: see above */
    return long_literal(v, n, out);
  if (nd == 0 || exp10 >= 18 || exp10 < -40)
    return -1; /* zero (signed), or out of a decimal's range */
  size_t w = 0;
  if (neg)
    tmp[w++] = '-';
  tmp[w++] = dig[0];
  if (nd > 1)
    tmp[w++] = '.';
  memcpy(tmp + w, dig + 1, nd - 1);
  w += nd - 1;
  w += (size_t)snprintf(tmp + w, sizeof tmp - w, "e%c%02d",
                        exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
  return eng_dec_parse(tmp, w, out) == CREDO_OK ? 0 : -1;
}

/* The scalar at v (up to `end`) as a value, as eng_v_from_json makes it. */
static int scalar(const char *v, const char *end, eng_arena *a,
                  eng_value *out) {
  jscan s = {v, end};
  int plain;
  if (*v == '"') { /* copied: text values are NUL-terminated */
    if (skip_string(&s, &plain) || !plain)
      return ENG_JF_FALLBACK;
    size_t n = (size_t)(s.p - v - 2);
    char *t = eng_arena_strdup(a, v + 1, n);
    if (!t)
      return ENG_JF_FALLBACK; /* jansson's path reports the lack */
    *out = eng_v_text(t, n);
    return ENG_JF_OK;
  }
  if (*v == '{' || *v == '[' || skip_value(&s))
    return ENG_JF_FALLBACK;
  size_t n = (size_t)(s.p - v);
  char tmp[64];
  if (n == 4 && memcmp(v, "null", 4) == 0)
    *out = eng_v_null();
  else if (n == 4 && memcmp(v, "true", 4) == 0)
    *out = eng_v_bool(1);
  else if (n == 5 && memcmp(v, "false", 5) == 0)
    *out = eng_v_bool(0);
  else if (n < sizeof tmp && number_kind(v, s.p) == 1 && n <= 18)
    *out = eng_v_int(strtoll(v, NULL, 10));
  else if (n < sizeof tmp && number_kind(v, s.p) == 2) {
    eng_dec d;
    if (dec_literal(v, n, &d) == 0) {
      *out = eng_v_dec(d);
      return ENG_JF_OK;
    }
    memcpy(tmp, v, n);
    tmp[n] = 0;
    double r = strtod(tmp, NULL);
    if (!isfinite(r))
      return ENG_JF_FALLBACK; /* jansson refuses the whole text */
    *out =
        eng_dec_from_double(r, &d) == CREDO_OK ? eng_v_dec(d) : eng_v_real(r);
  } else
    return ENG_JF_FALLBACK;
  return ENG_JF_OK;
}

int eng_jfield(const char *json, size_t len, char *const *segs, size_t nsegs,
               eng_arena *a, eng_value *out) {
  jscan s = {json, json + len};
  const char *v = NULL;
  if (!json || nsegs == 0)
    return ENG_JF_FALLBACK;
  for (size_t i = 0; i < nsegs; i++) {
    int rc = find_member(&s, segs[i], &v);
    if (rc < 0)
      return ENG_JF_FALLBACK;
    if (rc == 0) { /* missing: NULL, if the rest of the text is sound */
      *out = eng_v_null();
      return ENG_JF_OK;
    }
    s.p = v;
    if (i + 1 < nsegs && *v != '{') {
      if (*v == '[')
        return ENG_JF_FALLBACK; /* array indexes: jansson's path */
      *out = eng_v_null();      /* a scalar on the way: NULL */
      return ENG_JF_OK;
    }
  }
  return scalar(v, json + len, a, out);
}
