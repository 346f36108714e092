/*
 * test_jcanon.c -- the canonical writer of `data` JSON (engine/jcanon.c):
 * byte-for-byte the old json_dumps form (compact, sorted keys, precision
 * 15) on random documents whose numbers have <= 15 significant digits
 * (older stores' canonical texts must not change); plain decimals of
 * 16..18 significant digits kept as written; per-real precision in mixed
 * documents (no 0.10000000000000001); escapes, nesting, integers,
 * exponents. CREDO_TEST_SEED replays a run.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jcanon.h"
#include "th.h"

static uint64_t seed;

static int pick(int n) {
  return (int)(th_rnd(&seed) % (uint64_t)n);
}

/* The canonical text of `in` (which must be valid JSON). */
static char *canon(const char *in) {
  json_t *j = json_loads(in, JSON_REJECT_DUPLICATES, NULL);
  assert_non_null(j);
  char *s = eng_jcanon_dump(j, in);
  assert_non_null(s);
  json_decref(j);
  return s;
}

static void expect(const char *in, const char *want) {
  char *s = canon(in);
  if (strcmp(s, want) != 0)
    fail_msg("canon(%s) = %s, want %s", in, s, want);
  free(s);
}

/* A random number of <= 15 significant digits, in several spellings. */
static void short_number(char *t, size_t n) {
  double r = (double)(th_rnd(&seed) % 1000000000000000ULL) /
             (double)(1ULL << pick(50));
  switch (pick(5)) {
  case 0:
    snprintf(t, n, "%.*g", pick(15) + 1, pick(2) ? -r : r);
    break;
  case 1:
    snprintf(t, n, "%.*f", pick(4), r / 1000000);
    break;
  case 2:
    snprintf(t, n, "%" PRId64, (int64_t)(th_rnd(&seed) >> pick(64)));
    break;
  case 3:
    snprintf(t, n, "%.*e", pick(14), r);
    break;
  default:
    snprintf(t, n, "%" PRIu64 ".%02d", th_rnd(&seed) % 100000000, pick(100));
  }
  if (strstr(t, "inf") || strstr(t, "nan"))
    snprintf(t, n, "0.5");
}

static void test_old_form(void **state) {
  (void)state;
  static const char *const K[] = {"amount", "a", "b\\\"q",
                                  "罚没",   "z", "\\u00e9"};
  for (int i = 0; i < 20000; i++) {
    char doc[2048], t[64];
    size_t w = 0;
    int nk = pick(6) + 1;
    w += (size_t)snprintf(doc + w, sizeof doc - w, "{");
    for (int k = 0; k < nk; k++) {
      short_number(t, sizeof t);
      if (pick(3) == 0) {
        char u[64];
        short_number(u, sizeof u);
        w += (size_t)snprintf(doc + w, sizeof doc - w,
                              "%s\"%s%d\":[%s,{\"x\":%s,\"s\":\"t\\n\"}]",
                              k ? "," : "", K[pick(6)], k, t, u);
      } else
        w += (size_t)snprintf(doc + w, sizeof doc - w, "%s\"%s%d\":%s",
                              k ? "," : "", K[pick(6)], k, t);
    }
    snprintf(doc + w, sizeof doc - w, "}");
    json_t *j = json_loads(doc, JSON_REJECT_DUPLICATES, NULL);
    if (!j)
      continue; /* e.g. an integer too large */
    char *old =
        json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
    char *now = eng_jcanon_dump(j, doc);
    assert_non_null(old);
    assert_non_null(now);
    if (strcmp(old, now) != 0)
      fail_msg("%s: old %s, now %s", doc, old, now);
    free(old);
    free(now);
    json_decref(j);
  }
}

static void test_long_digits(void **state) {
  (void)state;
  expect("{\"x\": 123456789012345.678}", "{\"x\":123456789012345.678}");
  expect("{\"x\":-1234567890123456.780}", "{\"x\":-1234567890123456.78}");
  expect("{\"x\":1234567890123456.000}", "{\"x\":1234567890123456.0}");
  expect("{\"x\":0.1000000000000001}", "{\"x\":0.1000000000000001}");
  expect("{\"x\":0.123456789012345678}", "{\"x\":0.123456789012345678}");
  /* scale 21: more than a decimal holds; the double's exact form */
  expect("{\"x\":0.000123456789012345678}", "{\"x\":0.00012345678901234567}");
  /* a double's 17-digit text (jansson's default precision): short form */
  expect("{\"x\":162.30000000000001,\"y\":0.10000000000000001}",
         "{\"x\":162.3,\"y\":0.1}");
  /* 16 digits in the lexeme, 1 in the value: the old short form */
  expect("{\"x\":0.1000000000000000}", "{\"x\":0.1}");
  /* 19 digits: no decimal holds it; the double's exact form */
  expect("{\"x\":0.1234567890123456789}", "{\"x\":0.12345678901234568}");
  /* an exponent is never kept as written */
  expect("{\"x\":1.23456789012345678e5}", "{\"x\":123456.78901234567}");
  expect("{\"x\":1e5,\"y\":1E-7}", "{\"x\":100000.0,\"y\":1e-7}");
}

static void test_mixed(void **state) {
  (void)state;
  /* one long real no longer makes 0.1 print with 17 digits */
  expect("{\"z\":0.1,\"y\":1234567890123456.78,\"x\":0.12345678901234566}",
         "{\"x\":0.12345678901234566,\"y\":1234567890123456.78,\"z\":0.1}");
  /* lexemes follow text order through nesting, arrays and strings that
   * hold digits, quotes and escapes */
  expect("{\"b\":[1, \"2.5\\\"3\", {\"k\":[123456789012345.678]}],"
         "\"a\":{\"q\\\\\":-7,\"p\":1234567890123.45678},\"c\":\"\\u00e9\\n\"}",
         "{\"a\":{\"p\":1234567890123.45678,\"q\\\\\":-7},\"b\":[1,"
         "\"2.5\\\"3\",{\"k\":[123456789012345.678]}],\"c\":\"é\\n\"}");
  expect("{}", "{}");
  expect("{\"n\":null,\"t\":true,\"f\":false,\"e\":[],\"o\":{}}",
         "{\"e\":[],\"f\":false,\"n\":null,\"o\":{},\"t\":true}");
}

static void test_no_lexemes(void **state) {
  (void)state;
  json_t *j = json_loads("{\"x\":123456789012345.678,\"y\":0.1}", 0, NULL);
  char *s = eng_jcanon_dump(j, NULL);
  assert_string_equal(s, "{\"x\":123456789012345.67,\"y\":0.1}");
  free(s);
  /* a text that does not match the tree: doubles only */
  s = eng_jcanon_dump(j, "{\"x\":1}");
  assert_string_equal(s, "{\"x\":123456789012345.67,\"y\":0.1}");
  free(s);
  json_decref(j);
}

/* A re-sent fact against texts older stores hold. */
static void test_same(void **state) {
  (void)state;
  char *now = canon("{\"a\":0.1,\"b\":0.12345678901234566,\"c\":1}");
  /* older rules: every real with 17 digits when one needed them */
  assert_true(eng_jcanon_same(
      "{\"a\":0.10000000000000001,\"b\":0.12345678901234566,\"c\":1}", now));
  assert_false(eng_jcanon_same(
      "{\"a\":0.10000000000000001,\"b\":0.12345678901234566,\"c\":2}", now));
  free(now);
  /* older rules kept a 16-18 digit decimal only as a double */
  now = canon("{\"x\":123456789012345.678,\"z\":0.1}");
  assert_string_equal(now, "{\"x\":123456789012345.678,\"z\":0.1}");
  assert_true(eng_jcanon_same(now, now));
  assert_true(eng_jcanon_same(
      "{\"x\":123456789012345.67,\"z\":0.10000000000000001}", now));
  /* stored by these rules: other digits are other data */
  assert_false(eng_jcanon_same("{\"x\":123456789012345.679,\"z\":0.1}", now));
  assert_false(eng_jcanon_same("{\"x\":123456789012345.67,\"z\":0.2}", now));
  free(now);
}

int main(void) {
  seed = th_seed("test_jcanon");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_long_digits), cmocka_unit_test(test_mixed),
      cmocka_unit_test(test_no_lexemes),  cmocka_unit_test(test_same),
      cmocka_unit_test(test_old_form),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
