/*
 * jcanon.c -- writes the canonical text of a `data` JSON document: compact,
 * keys sorted, numbers in a form that keeps what the sender wrote.
 *
 * Why not json_dumps: jansson holds a real as a double, so a 16-18 digit
 * amount such as 123456789012345.678 comes back as 123456789012345.67,
 * and one global JSON_REAL_PRECISION for the whole document made every
 * other real (0.1) print with 17 digits as soon as one real needed them.
 *
 * Each real is written, in this order:
 *   1. when its double prints back exactly with 15 significant digits:
 *      exactly what jansson writes with JSON_REAL_PRECISION(15). So every
 *      number of <= 15 significant digits keeps the text older stores
 *      hold, byte for byte (re-sent facts compare canonical texts), and a
 *      double's 17-digit artefact such as 162.30000000000001 (what
 *      writers with jansson's default precision send) is 162.3;
 *   2. else its lexeme (trailing zeros of the fraction dropped, at least
 *      one fraction digit kept) when the lexeme is a plain decimal
 *      [-]int.frac with 16..18 significant digits that a decimal holds
 *      (eng_dec_parse accepts it): it reads back as that exact decimal
 *      (jfield.c), where a double would lose digits;
 *   3. else jansson's JSON_REAL_PRECISION(17) form (exact as a double).
 * Strings, keys and integers are written exactly as jansson writes them
 * (each through json_dumps with JSON_ENCODE_ANY); keys in jansson's
 * JSON_SORT_KEYS order (bytes, then length).
 *
 * Lexemes: the number tokens of `text` in text order, matched to the
 * tree's number nodes in pre-order (jansson keeps an object's members in
 * insertion order, which with JSON_REJECT_DUPLICATES is text order). If
 * the counts disagree, no lexeme is used (reals as doubles only).
 *
 * eng_jcanon_same tells a re-sent fact's data from a different one when
 * the stored text was written by older rules (see jcanon.h).
 *
 * Does not: validate (the caller's json_loads did).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "jcanon.h"

typedef struct lexeme {
  const char *p;
  size_t n;
} lexeme;

/* A real node and the lexeme it was read from. */
typedef struct real_lx {
  const json_t *node;
  lexeme lx;
} real_lx;

typedef struct jbuf {
  char *s;
  size_t n, cap;
  int oom;
  real_lx *rl; /* sorted by node; NULL: no lexemes */
  size_t nrl;
} jbuf;

static void put(jbuf *b, const char *s, size_t n) {
  if (b->oom)
    return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + n + 1)
      cap *= 2;
    char *t = realloc(b->s, cap);
    if (!t) {
      b->oom = 1;
      return;
    }
    b->s = t, b->cap = cap;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = 0;
}

/* Number tokens of `t` in order, outside strings. *out malloc'ed. */
static size_t scan_lexemes(const char *t, lexeme **out) {
  size_t n = 0, cap = 0;
  lexeme *v = NULL;
  *out = NULL;
  for (const char *p = t; *p;) {
    if (*p == '"') {
      for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && p[1])
          p++;
      if (*p)
        p++;
    } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
      const char *q = p;
      while (*q && strchr("0123456789+-.eE", *q))
        q++;
      if (n == cap) {
        lexeme *w = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof *v);
        if (!w) {
          free(v);
          return (size_t)-1;
        }
        v = w;
      }
      v[n++] = (lexeme){p, (size_t)(q - p)};
      p = q;
    } else
      p++;
  }
  *out = v;
  return n;
}

static size_t count_numbers(json_t *j) {
  size_t n = 0, i;
  const char *k;
  json_t *v;
  if (json_is_number(j))
    return 1;
  if (json_is_object(j)) {
    json_object_foreach(j, k, v) n += count_numbers(v);
  } else if (json_is_array(j)) {
    json_array_foreach(j, i, v) n += count_numbers(v);
  }
  return n;
}

/* jansson's own text of a scalar (string, integer, real with precision
 * `prec`). */
static void put_jansson(jbuf *b, json_t *j, int prec) {
  char *s =
      json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(prec));
  if (!s) {
    b->oom = 1;
    return;
  }
  put(b, s, strlen(s));
  free(s);
}

/* Length of `l` without trailing zeros of its fraction (one fraction
 * digit kept) when it is a plain decimal with 16..18 significant digits
 * that a decimal holds; 0 otherwise. */
static size_t keep_len(const lexeme *l) {
  const char *p = l->p, *dot = NULL;
  size_t n = l->n, i = p[0] == '-', sig = 0;
  int seen = 0;
  for (size_t k = i; k < n; k++) {
    if (p[k] == '.') {
      if (dot)
        return 0;
      dot = p + k;
    } else if (p[k] < '0' || p[k] > '9')
      return 0; /* an exponent */
  }
  if (!dot || dot == p + i || dot == p + n - 1)
    return 0;
  while (p[n - 1] == '0' && p + n - 2 != dot)
    n--;
  for (size_t k = i; k < n; k++) {
    if (p[k] == '.')
      continue;
    if (p[k] != '0')
      seen = 1;
    sig += seen;
  }
  if (p[n - 1] == '0') /* "x.0": that zero is not a digit of the value */
    sig--;
  eng_dec d;
  if (sig < 16 || sig > ENG_DEC_DIGITS || eng_dec_parse(p, n, &d) != 0)
    return 0;
  return n;
}

static void put_real(jbuf *b, json_t *j, const lexeme *l) {
  char buf[40];
  snprintf(buf, sizeof buf, "%.15g", json_real_value(j));
  if (strtod(buf, NULL) == json_real_value(j)) {
    put_jansson(b, j, 15);
    return;
  }
  size_t keep = l ? keep_len(l) : 0;
  if (keep)
    put(b, l->p, keep);
  else
    put_jansson(b, j, 17);
}

typedef struct member {
  const char *k;
  size_t n;
  json_t *v;
} member;

static int cmp_member(const void *x, const void *y) {
  const member *a = x, *c = y;
  int r = memcmp(a->k, c->k, a->n < c->n ? a->n : c->n);
  return r ? r : (a->n > c->n) - (a->n < c->n);
}

static int cmp_node(const void *x, const void *y) {
  const json_t *a = ((const real_lx *)x)->node, *c = ((const real_lx *)y)->node;
  return (a > c) - (a < c);
}

/* Pairs each number node, in pre-order, with the next lexeme; keeps the
 * reals' pairs in b->rl. */
static void pair(jbuf *b, json_t *j, const lexeme *lx, size_t *next) {
  size_t i;
  const char *k;
  json_t *v;
  if (json_is_number(j)) {
    if (json_is_real(j))
      b->rl[b->nrl++] = (real_lx){j, lx[*next]};
    ++*next;
  } else if (json_is_object(j)) {
    json_object_foreach(j, k, v) pair(b, v, lx, next);
  } else if (json_is_array(j)) {
    json_array_foreach(j, i, v) pair(b, v, lx, next);
  }
}

static void put_value(jbuf *b, json_t *j);

static void put_object(jbuf *b, json_t *j) {
  size_t n = json_object_size(j), i = 0, klen;
  const char *k;
  json_t *v;
  member *m = calloc(n ? n : 1, sizeof *m);
  if (!m) {
    b->oom = 1;
    return;
  }
  json_object_keylen_foreach(j, k, klen, v) m[i++] = (member){k, klen, v};
  qsort(m, n, sizeof *m, cmp_member);
  put(b, "{", 1);
  for (i = 0; i < n && !b->oom; i++) {
    json_t *key = json_stringn_nocheck(m[i].k, m[i].n);
    if (!key) {
      b->oom = 1;
      break;
    }
    if (i)
      put(b, ",", 1);
    put_jansson(b, key, 0);
    json_decref(key);
    put(b, ":", 1);
    put_value(b, m[i].v);
  }
  put(b, "}", 1);
  free(m);
}

static void put_value(jbuf *b, json_t *j) {
  size_t i;
  json_t *v;
  if (json_is_object(j))
    put_object(b, j);
  else if (json_is_array(j)) {
    put(b, "[", 1);
    json_array_foreach(j, i, v) {
      if (i)
        put(b, ",", 1);
      put_value(b, v);
    }
    put(b, "]", 1);
  } else if (json_is_real(j)) {
    real_lx key = {j, {NULL, 0}}, *hit = NULL;
    if (b->rl)
      hit = bsearch(&key, b->rl, b->nrl, sizeof key, cmp_node);
    put_real(b, j, hit ? &hit->lx : NULL);
  } else
    put_jansson(b, j, 0);
}

char *eng_jcanon_dump(json_t *j, const char *text) {
  jbuf b = {0};
  lexeme *lx = NULL;
  size_t nlx = text ? scan_lexemes(text, &lx) : 0;
  if (nlx == (size_t)-1)
    return NULL;
  if (nlx && nlx == count_numbers(j) && (b.rl = malloc(nlx * sizeof *b.rl))) {
    size_t next = 0;
    pair(&b, j, lx, &next);
    qsort(b.rl, b.nrl, sizeof *b.rl, cmp_node);
  }
  put_value(&b, j);
  free(b.rl);
  free(lx);
  if (b.oom) {
    free(b.s);
    return NULL;
  }
  return b.s;
}

/* The canonical text of `text` with its lexemes (`lexemes`) or as doubles
 * only; NULL when it is not JSON or out of memory. */
static char *recanon(const char *text, int lexemes) {
  json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
  char *s = j ? eng_jcanon_dump(j, lexemes ? text : NULL) : NULL;
  json_decref(j);
  return s;
}

int eng_jcanon_same(const char *stored, const char *canon) {
  if (strcmp(stored, canon) == 0)
    return 1;
  char *a = recanon(stored, 1), *b = recanon(canon, 0);
  int same = a && b && strcmp(a, b) == 0;
  free(a);
  free(b);
  return same;
}
