/*
 * test_jfield.c -- the one-field JSON reader (engine/jfield.c) answers
 * exactly what the jansson path answers (parse the whole text, walk the
 * path, eng_v_from_json): property test over random objects (nested
 * objects and arrays, duplicate keys, escapes, integers up to 20 digits,
 * reals with and without exponents, signed zeros, random blanks) and
 * random paths, plus the stored shapes `credo gen` writes. Every answer
 * it gives must equal jansson's in type and content (decimals in mantissa
 * and scale); a fall-back is always allowed, and the test also checks
 * that the common shapes do not fall back (else the fast path would be
 * dead code). CREDO_TEST_SEED replays a run.
 *
 * The one contracted difference (jfield.c): a plain decimal literal
 * [-]int.frac of 16..18 significant digits whose double does not print
 * back with 15 digits reads as exactly the decimal it spells, where
 * jansson's double can only give its shortest form. So
 * when the two differ, jfield's answer must be eng_dec_parse of such a
 * literal of the text whose double jansson's answer is.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "decimal.h"
#include "jfield.h"
#include "th.h"
#include "value.h"

static uint64_t seed;

static uint64_t rnd(void) {
  return th_rnd(&seed);
}
static int pick(int n) {
  return (int)(rnd() % (uint64_t)n);
}

typedef struct sbuf {
  char p[8192];
  size_t n;
} sbuf;

static void put(sbuf *b, const char *s) {
  size_t l = strlen(s);
  if (b->n + l < sizeof b->p) {
    memcpy(b->p + b->n, s, l + 1);
    b->n += l;
  }
}
static void blank(sbuf *b) {
  static const char *const W[] = {"", "", "", " ", "\n  ", "\t"};
  put(b, W[pick(6)]);
}

static const char *const KEYS[] = {"amount_wan", "authority", "basis",  "a",
                                   "b",          "罚没金额",  "k\\\"q", "0"};
static const char *const PATHK[] = {"amount_wan", "authority", "basis",
                                    "a",          "b",         "罚没金额",
                                    "k\"q",       "0",         "missing"};

static void number(sbuf *b) {
  char t[64];
  switch (pick(9)) {
  case 0: /* integer, sometimes too long for 64 bits */
    snprintf(t, sizeof t, "%s%" PRIu64, pick(2) ? "-" : "",
             rnd() % (pick(3) ? 100000 : UINT64_MAX));
    break;
  case 1:
    snprintf(t, sizeof t, "%s%" PRIu64 "%" PRIu64, pick(2) ? "-" : "",
             rnd() % 100000 + 1, rnd());
    break;
  case 2: /* the shapes of amounts: 2 decimals */
    snprintf(t, sizeof t, "%" PRIu64 ".%02d", rnd() % 100000, pick(100));
    break;
  case 3: /* many digits, leading zeros after the point */
    snprintf(t, sizeof t, "%s0.%0*" PRIu64, pick(2) ? "-" : "", pick(20) + 1,
             rnd() % 1000000);
    break;
  case 4:
    snprintf(t, sizeof t, "%" PRIu64 ".%" PRIu64 "0", rnd() % 1000000000,
             rnd() % 100000000);
    break;
  case 5: /* exponents */
    snprintf(t, sizeof t, "%d.%de%s%d", pick(10), pick(1000),
             pick(2) ? "-" : "+", pick(30));
    break;
  case 6: {
    static const char *const Z[] = {"0.0", "-0.0",   "0",
                                    "-0",  "0.000",  "1e400",
                                    "1E5", "1e-400", "123456789012345.6"};
    snprintf(t, sizeof t, "%s", Z[pick(9)]);
    break;
  }
  case 7: /* 16..18 significant digits */
    snprintf(t, sizeof t, "%s%" PRIu64 ".%0*" PRIu64, pick(2) ? "-" : "",
             rnd() % 1000000000000000, pick(4) + 1, rnd() % 1000);
    break;
  default:
    snprintf(t, sizeof t, "%" PRIu64 "%" PRIu64 ".%" PRIu64, rnd() % 100000,
             rnd() % 1000000000, rnd() % 1000000);
  }
  put(b, t);
}

static void value(sbuf *b, int depth);

static void object(sbuf *b, int depth) {
  int n = pick(6);
  put(b, "{");
  for (int i = 0; i < n; i++) {
    blank(b);
    put(b, "\"");
    put(b, KEYS[pick(8)]);
    put(b, "\"");
    blank(b);
    put(b, ":");
    blank(b);
    value(b, depth + 1);
    blank(b);
    if (i + 1 < n)
      put(b, ",");
  }
  put(b, "}");
}

static void value(sbuf *b, int depth) {
  static const char *const S[] = {"\"厦门市市场监督管理局\"",
                                  "\"\"",
                                  "\"a\\\"b\"",
                                  "\"x\\u0041\"",
                                  "\"《法》第九十九条\"",
                                  "\"}]{[,\"",
                                  "\"tab\\tnl\\n\"",
                                  "\"\\\\\""};
  int k = pick(depth > 2 ? 4 : 6);
  if (k == 0)
    put(b, S[pick(8)]);
  else if (k == 1)
    number(b);
  else if (k == 2) {
    static const char *const L[] = {"null", "true", "false"};
    put(b, L[pick(3)]);
  } else if (k == 3)
    number(b);
  else if (k == 4)
    object(b, depth);
  else {
    int n = pick(4);
    put(b, "[");
    for (int i = 0; i < n; i++) {
      value(b, depth + 1);
      if (i + 1 < n)
        put(b, ",");
    }
    put(b, "]");
  }
}

/* The jansson path of expr_row.c (eng_json_path without jfield). */
static int reference(const char *text, char *const *segs, size_t nsegs,
                     eng_arena *a, eng_value *out, json_t **rootp) {
  json_t *root = json_loads(text, 0, NULL), *j = root;
  *rootp = root; /* texts in *out point into it */
  *out = eng_v_null();
  for (size_t i = 0; j && i < nsegs; i++) {
    const char *seg = segs[i];
    if (json_is_object(j))
      j = json_object_get(j, seg);
    else if (json_is_array(j) && seg[0] >= '0' && seg[0] <= '9' &&
             strspn(seg, "0123456789") == strlen(seg))
      j = json_array_get(j, (size_t)strtoull(seg, NULL, 10));
    else
      j = NULL;
  }
  return j ? eng_v_from_json(j, a, out) : CREDO_OK;
}

/* 1 when `x` is the exact decimal of a plain literal of 16..18
 * significant digits in `text` and `y` that literal's double's shortest
 * decimal (the jansson path's answer). */
static int exact_literal(const eng_value *x, const eng_value *y,
                         const char *text) {
  if (x->t != ENG_V_DECIMAL || y->t != ENG_V_DECIMAL)
    return 0;
  for (const char *p = text; *p; p++) {
    size_t n = strspn(p, "-0123456789.");
    if (n == 0 || !memchr(p, '.', n) ||
        (p > text && strchr("0123456789.eE", p[-1])))
      continue;
    char lit[64];
    size_t sig = 0;
    eng_dec d, r;
    if (n >= sizeof lit || strchr("eE", p[n]))
      continue;
    memcpy(lit, p, n);
    lit[n] = 0;
    for (size_t i = strcspn(lit, "123456789"); i < n; i++)
      sig += lit[i] >= '0' && lit[i] <= '9';
    while (n > 0 && lit[n - 1] == '0') /* trailing zeros of the fraction */
      n--, sig--;
    if (sig < 16 || sig > 18 || eng_dec_parse(lit, strlen(lit), &d) != 0 ||
        eng_dec_from_double(strtod(lit, NULL), &r) != 0)
      continue;
    if (eng_dec_cmp(d, x->u.dec) == 0 && d.m == x->u.dec.m &&
        r.m == y->u.dec.m && r.s == y->u.dec.s)
      return 1;
  }
  return 0;
}

static void same(const eng_value *x, const eng_value *y, const char *text,
                 const char *path) {
  int ok = x->t == y->t;
  if (ok && (x->t == ENG_V_INT || x->t == ENG_V_BOOL))
    ok = x->u.i == y->u.i;
  else if (ok && x->t == ENG_V_DECIMAL)
    ok = x->u.dec.m == y->u.dec.m && x->u.dec.s == y->u.dec.s;
  else if (ok && x->t == ENG_V_REAL)
    ok = memcmp(&x->u.r, &y->u.r, sizeof x->u.r) == 0;
  else if (ok && x->t == ENG_V_TEXT) /* NUL-terminated, as the engine's */
    ok = x->u.s.n == y->u.s.n && memcmp(x->u.s.p, y->u.s.p, x->u.s.n) == 0 &&
         x->u.s.p[x->u.s.n] == 0;
  if (!ok && exact_literal(x, y, text))
    return;
  if (!ok)
    fail_msg("jfield differs from jansson on %s at %s (types %d / %d)", text,
             path, x->t, y->t);
}

/* One text, one path: returns 1 when jfield answered itself. */
static int check(const char *text, char *const *segs, size_t nsegs,
                 eng_arena *a) {
  eng_value fast, ref;
  char path[256] = "";
  for (size_t i = 0; i < nsegs; i++)
    snprintf(path + strlen(path), sizeof path - strlen(path), ".%s", segs[i]);
  if (eng_jfield(text, strlen(text), segs, nsegs, a, &fast) != ENG_JF_OK)
    return 0;
  json_t *root = NULL;
  assert_int_equal(reference(text, segs, nsegs, a, &ref, &root), CREDO_OK);
  same(&fast, &ref, text, path);
  json_decref(root);
  eng_arena_reset(a);
  return 1;
}

static void test_random(void **state) {
  (void)state;
  eng_arena a = {0};
  long answered = 0, total = 0;
  for (int i = 0; i < 20000; i++) {
    sbuf b = {.n = 0};
    blank(&b);
    object(&b, 0);
    blank(&b);
    json_t *ok = json_loads(b.p, 0, NULL);
    if (!ok) /* jfield assumes stored (valid) JSON, as ingest ensures */
      continue;
    json_decref(ok);
    for (int p = 0; p < 4; p++) {
      char *segs[3];
      size_t n = (size_t)pick(3) + 1;
      for (size_t s = 0; s < n; s++)
        segs[s] = (char *)PATHK[pick(9)];
      answered += check(b.p, segs, n, &a);
      total++;
    }
  }
  eng_arena_free(&a);
  printf("test_jfield: %ld of %ld random paths answered without jansson\n",
         answered, total);
  assert_true(answered > total / 3);
}

static void test_stored_shapes(void **state) {
  (void)state;
  static const char *const T[] = {
      "{\"amount_wan\":0.06,\"authority\":\"厦门市生态环境局\",\"basis\":"
      "\"《中华人民共和国大气污染防治法》第九十九条\"}",
      "{\"amount_wan\":262.44,\"authority\":\"厦门市市场监督管理局\"}",
      "{\"amount_wan\":1348805.72,\"罚没金额\":33.91}",
      "{\"amount_wan\":100,\"authority\":null}",
      "{\"amount_wan\":24.10,\"authority\":\"x\",\"amount_wan\":5.5}"};
  char *amount[] = {"amount_wan"}, *auth[] = {"authority"};
  eng_arena a = {0};
  for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
    assert_int_equal(check(T[i], amount, 1, &a), 1);
    assert_int_equal(check(T[i], auth, 1, &a), 1);
  }
  eng_value v;
  assert_int_equal(eng_jfield(T[1], strlen(T[1]), amount, 1, &a, &v),
                   ENG_JF_OK);
  assert_int_equal(v.t, ENG_V_DECIMAL);
  assert_int_equal(v.u.dec.m, 26244);
  assert_int_equal(v.u.dec.s, 2);
  /* 16..18 significant digits: the literal's exact decimal */
  static const char *const L[] = {"{\"x\":123456789012345.678}",
                                  "{\"x\":-1234567890123456.780}",
                                  "{\"x\":0.1234567890123456789}"};
  char *x[] = {"x"};
  for (size_t i = 0; i < 3; i++)
    assert_int_equal(eng_jfield(L[i], strlen(L[i]), x, 1, &a, &v), ENG_JF_OK);
  assert_int_equal(eng_jfield(L[0], strlen(L[0]), x, 1, &a, &v), ENG_JF_OK);
  assert_int_equal(v.t, ENG_V_DECIMAL);
  assert_int_equal(v.u.dec.m, 123456789012345678);
  assert_int_equal(v.u.dec.s, 3);
  assert_int_equal(eng_jfield(L[1], strlen(L[1]), x, 1, &a, &v), ENG_JF_OK);
  assert_int_equal(v.u.dec.m, -123456789012345678);
  assert_int_equal(v.u.dec.s, 2);
  assert_int_equal(eng_jfield(L[2], strlen(L[2]), x, 1, &a, &v), ENG_JF_OK);
  assert_int_equal(v.t, ENG_V_DECIMAL); /* 19 digits: the double's form */
  assert_int_equal(v.u.dec.m, 12345678901234568);
  /* a double's 17-digit text, as older stores hold it: the short form */
  static const char old[] = "{\"x\":0.10000000000000001}";
  assert_int_equal(eng_jfield(old, strlen(old), x, 1, &a, &v), ENG_JF_OK);
  assert_int_equal(v.t, ENG_V_DECIMAL);
  assert_int_equal(v.u.dec.m, 1);
  assert_int_equal(v.u.dec.s, 1);
  eng_arena_free(&a);
}

int main(void) {
  seed = th_seed("test_jfield");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stored_shapes),
      cmocka_unit_test(test_random),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
