/*
 * test_ids.c -- identifier checks (credo_id_check, credo_kind_name) and the
 * UTF-8 scanner of engine/ids.h.
 *
 * Random cases use a seeded PRNG; the seed is printed, and CREDO_TEST_SEED
 * replays a run. The check characters are recomputed here independently of
 * engine/ids.c.
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

#include "credo.h"
#include "ids.h"
#include "timeutil.h"
#include "th.h"

#define ROUNDS 300

static const char ALPHA[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int UW[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                           29, 25, 13, 8,  24, 10, 30, 28};
static const int RW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};

/* Set once in main before the tests run, then only read. */
static uint64_t test_seed;

/* the shared stream (th.h) */
#define rnd th_rnd

static int rnd_below(uint64_t *s, int n) {
  return (int)(rnd(s) % (uint64_t)n);
}

/* ------------------------------------------------------------- reference */

static char uscc_check(const char *id17) {
  int sum = 0;
  for (int i = 0; i < 17; i++)
    sum += (int)(strchr(ALPHA, id17[i]) - ALPHA) * UW[i];
  return ALPHA[(31 - sum % 31) % 31];
}

/* GB 32100 (XG1-2016) authorities, each followed by its type codes. */
static const char *const AUTH[] = {"11239", "219",  "31234569", "419",
                                   "51239", "6129", "7129",     "819",
                                   "9123",  "A19",  "N1239",    "Y1"};
static const int PROV[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                           35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                           53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83};
#define NPROV ((int)(sizeof PROV / sizeof PROV[0]))

static int prov_ok(const char *p, int national) {
  int v = (p[0] - '0') * 10 + (p[1] - '0');
  for (int i = 0; i < NPROV; i++)
    if (PROV[i] == v)
      return 1;
  return national && v == 10;
}

static char orgcode_check(const char *body8) {
  static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 8; i++)
    sum += (body8[i] <= '9' ? body8[i] - '0' : body8[i] - 'A' + 10) * w[i];
  int c = 11 - sum % 11;
  return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

/* The first check a USCC over the code alphabet fails (a word its
 * message contains), NULL when it is valid. */
static const char *uscc_fails(const char *id) {
  const char *types = NULL;
  for (size_t i = 0; i < sizeof AUTH / sizeof *AUTH; i++)
    if (AUTH[i][0] == id[0])
      types = AUTH[i] + 1;
  if (strspn(id + 2, "0123456789") < 6)
    return "division code";
  if (!types)
    return "registration authority";
  if (!strchr(types, id[1]))
    return "organisation type";
  if (!prov_ok(id + 2, 1))
    return "province";
  if (orgcode_check(id + 8) != id[16])
    return "organisation code check";
  return uscc_check(id) == id[17] ? NULL : "check character";
}

static char rid_check(const char *id17) {
  int sum = 0;
  for (int i = 0; i < 17; i++)
    sum += (id17[i] - '0') * RW[i];
  return "10X98765432"[sum % 11];
}

/* out = the 17 characters of `first17` and their check character. */
static void with_rid_check(const char *first17, char out[19]) {
  memcpy(out, first17, 17);
  out[17] = rid_check(out);
  out[18] = '\0';
}

static void random_uscc(uint64_t *s, char out[19]) {
  const char *a = AUTH[rnd_below(s, (int)(sizeof AUTH / sizeof *AUTH))];
  int p = PROV[rnd_below(s, NPROV)];
  out[0] = a[0];
  out[1] = a[1 + rnd_below(s, (int)strlen(a) - 1)];
  out[2] = (char)('0' + p / 10);
  out[3] = (char)('0' + p % 10);
  for (int i = 4; i < 8; i++)
    out[i] = (char)('0' + rnd_below(s, 10));
  for (int i = 8; i < 16; i++)
    out[i] = ALPHA[rnd_below(s, 31)];
  out[16] = orgcode_check(out + 8);
  out[17] = uscc_check(out);
  out[18] = '\0';
}

static void random_rid(uint64_t *s, char out[19]) {
  int64_t lo = eng_days_from_civil(1800, 1, 1);
  int64_t hi = eng_days_from_civil(2025, 12, 31); /* not in the future */
  int64_t y;
  int m, d;
  eng_civil_from_days(lo + rnd_below(s, (int)(hi - lo + 1)), &y, &m, &d);
  char buf[32];
  snprintf(buf, sizeof buf, "%02d%04d%04d%02d%02d%03d",
           PROV[rnd_below(s, NPROV)], rnd_below(s, 10000), (int)y, m, d,
           rnd_below(s, 1000));
  memcpy(out, buf, 17);
  out[17] = rid_check(out);
  out[18] = '\0';
}

/* Asserts CREDO_BADID and that `why` mentions `word`. */
static void expect_bad(credo_kind kind, const char *id, const char *word) {
  char why[256];
  int rc = credo_id_check(kind, id, why, sizeof why);
  if (rc != CREDO_BADID || strstr(why, word) == NULL)
    fail_msg("id '%s': rc %d, why '%s', wanted '%s'", id, rc, why, word);
}

static void expect_ok(credo_kind kind, const char *id) {
  char why[256] = "";
  int rc = credo_id_check(kind, id, why, sizeof why);
  if (rc != CREDO_OK)
    fail_msg("id '%s' refused: %s", id, why);
}

/* ----------------------------------------------------------------- tests */

static void test_examples(void **state) {
  (void)state;
  expect_ok(CREDO_KIND_ORG, "91350100M000100Y43");
  expect_ok(CREDO_KIND_ORG, "914403001922038216");
  expect_ok(CREDO_KIND_PERSON, "11010519491231002X");
  expect_ok(CREDO_KIND_PERSON, "440524188001010014");
  expect_ok(CREDO_KIND_OTHER, "some-registry:42");

  char why[256];
  assert_int_equal(
      credo_id_check(CREDO_KIND_ORG, "91350100M000100Y4Z", why, sizeof why),
      CREDO_BADID);
  assert_string_equal(why, "USCC check character is 'Z', expected '3'");
  assert_int_equal(
      credo_id_check(CREDO_KIND_PERSON, "110105194912310021", why, sizeof why),
      CREDO_BADID);
  assert_string_equal(why, "resident id check character is '1', expected 'X'");
}

static void test_uscc_bad(void **state) {
  (void)state;
  char why[256];
  assert_int_equal(
      credo_id_check(CREDO_KIND_ORG, "91350100M000100Y4", why, sizeof why),
      CREDO_BADID);
  assert_string_equal(why, "USCC must be 18 characters, got 17");
  expect_bad(CREDO_KIND_ORG, "91350100M000100Y433", "18 characters, got 19");
  expect_bad(CREDO_KIND_ORG, "", "18 characters, got 0");
  /* 15 ASCII + one 3-byte character: counted in characters */
  expect_bad(CREDO_KIND_ORG, "91350100M000100\xe5\x8e\xa6", "got 16");
  expect_bad(CREDO_KIND_ORG, "91350100M000100\xff\xfe", "got 17 bytes");
  /* 17 ASCII + one 3-byte character: 18 characters, the last one named */
  expect_bad(CREDO_KIND_ORG, "91350100M000100Y4\xe5\x8e\xa6",
             "character 18 '\xe5\x8e\xa6' is not in the code alphabet");
  expect_bad(CREDO_KIND_PERSON,
             "11010519491231\xe5\x8e\xa6"
             "00X",
             "character 15 '\xe5\x8e\xa6' must be a digit");
  /* 18 bytes that are not UTF-8: byte-wise, shown escaped */
  expect_bad(CREDO_KIND_ORG,
             "91350100M000\xff"
             "00Y43",
             "character 13 '\\xFF'");

  assert_int_equal(
      credo_id_check(CREDO_KIND_ORG, "9135I100M000100Y43", why, sizeof why),
      CREDO_BADID);
  assert_string_equal(why, "USCC character 5 'I' is not in the code alphabet "
                           "(digits and uppercase letters, no I, O, S, V, Z)");
  expect_bad(CREDO_KIND_ORG, "91350100O000100Y43", "character 9 'O'");
  expect_bad(CREDO_KIND_ORG, "S1350100M000100Y43", "character 1 'S'");
  expect_bad(CREDO_KIND_ORG, "91350100M000100V43", "'V' is not in the code");
  expect_bad(CREDO_KIND_ORG, "91350100M0001Z0Y43", "'Z' is not in the code");
  expect_bad(CREDO_KIND_ORG, "91350100m000100Y43", "use uppercase");
  expect_bad(CREDO_KIND_ORG, "91350100M000100y43", "character 16 'y'");
  expect_bad(CREDO_KIND_ORG,
             "91350100M00\x01"
             "100Y43",
             "'\\x01'");
  expect_bad(CREDO_KIND_ORG, "91350100M000 00Y43", "character 13 ' '");
  expect_bad(CREDO_KIND_ORG, "9135A100M000100Y43", "division code");
  expect_bad(CREDO_KIND_ORG, "9135A100M000100Y43", "character 5");
  /* a letter check character written in lowercase */
  expect_bad(CREDO_KIND_ORG, "91350100M000100Y4y", "check character");
}

static void test_rid_bad(void **state) {
  (void)state;
  char why[256];
  expect_bad(CREDO_KIND_PERSON, "11010519491231002", "18 characters, got 17");
  expect_bad(CREDO_KIND_PERSON, "11010519491231002XX", "got 19");
  expect_bad(CREDO_KIND_PERSON, "1101051949123100AX", "character 17 'A'");
  expect_bad(CREDO_KIND_PERSON, "1101051949123100AX", "must be a digit");
  expect_bad(CREDO_KIND_PERSON, "01010519491231002X", "region code");
  expect_bad(CREDO_KIND_PERSON, "11010519491231002x", "must be uppercase");
  expect_bad(CREDO_KIND_PERSON, "11010519491231002x", "expected 'X'");

  assert_int_equal(
      credo_id_check(CREDO_KIND_PERSON, "110105194902310011", why, sizeof why),
      CREDO_BADID);
  assert_string_equal(why,
                      "resident id birth date 19490231 is not a real date");
  expect_bad(CREDO_KIND_PERSON, "110105202302290011", "not a real date");
  expect_bad(CREDO_KIND_PERSON, "110105194913010011", "not a real date");
  expect_bad(CREDO_KIND_PERSON, "110105194900010011", "not a real date");
  expect_bad(CREDO_KIND_PERSON, "110105194901000011", "not a real date");
  expect_bad(CREDO_KIND_PERSON, "110105194904310011", "not a real date");
  expect_bad(CREDO_KIND_PERSON, "110105179912310011", "before 1800-01-01");

  /* 1900 is not a leap year, 2000 and 2024 are */
  expect_bad(CREDO_KIND_PERSON, "110105190002290011", "19000229");
  char id[19];
  with_rid_check("11010520000229001", id);
  expect_ok(CREDO_KIND_PERSON, id);
  with_rid_check("11010520240229001", id);
  expect_ok(CREDO_KIND_PERSON, id);
  with_rid_check("11010518000101001", id);
  expect_ok(CREDO_KIND_PERSON, id);
  with_rid_check("11010520250230001", id);
  expect_bad(CREDO_KIND_PERSON, id, "20250230 is not a real date");
}

/* Every single-character substitution of a valid USCC is refused: the
 * weights are non-zero mod 31 and 31 is prime. */
static void uscc_substitutions(const char *valid) {
  char id[19], why[256];
  for (int pos = 0; pos < 18; pos++) {
    for (const char *a = ALPHA; *a; a++) {
      if (*a == valid[pos])
        continue;
      memcpy(id, valid, 19);
      id[pos] = *a;
      int rc = credo_id_check(CREDO_KIND_ORG, id, why, sizeof why);
      if (rc != CREDO_BADID)
        fail_msg("substitution %s -> %s accepted", valid, id);
      const char *word = uscc_fails(id);
      if (strstr(why, word) == NULL)
        fail_msg("%s: '%s' does not mention '%s'", id, why, word);
    }
  }
}

/* 1 when characters 7-14 of `id` are a real date from 1800-01-01 and
 * not after today (UTC, a day of slack). */
static int rid_date_ok(const char *id) {
  int y, m, d;
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  if (sscanf(id + 6, "%4d%2d%2d", &y, &m, &d) != 3)
    return 0;
  return y >= 1800 && m >= 1 && m <= 12 && d >= 1 &&
         d <= eng_days_in_month(y, m) &&
         y * 10000 + m * 100 + d <= (tm.tm_year + 1900) * 10000 +
                                        (tm.tm_mon + 1) * 100 + tm.tm_mday + 1;
}

/* The same for resident ids (mod 11, weights non-zero mod 11). A changed
 * date or region fails its own check first; the message says which. */
static void rid_substitutions(const char *valid) {
  char id[19], why[256];
  for (int pos = 0; pos < 18; pos++) {
    for (const char *a = "0123456789X"; *a; a++) {
      if (*a == valid[pos])
        continue;
      memcpy(id, valid, 19);
      id[pos] = *a;
      int rc = credo_id_check(CREDO_KIND_PERSON, id, why, sizeof why);
      if (rc != CREDO_BADID)
        fail_msg("substitution %s -> %s accepted", valid, id);
      const char *word = pos < 17 && *a == 'X' ? "must be a digit"
                         : !prov_ok(id, 0)     ? "region"
                         : !rid_date_ok(id)    ? "birth date"
                                               : "check character";
      if (strstr(why, word) == NULL)
        fail_msg("%s: '%s' does not mention '%s'", id, why, word);
    }
  }
}

static void test_random_valid(void **state) {
  (void)state;
  uint64_t s = test_seed ^ 1;
  char id[19];
  for (int i = 0; i < ROUNDS; i++) {
    random_uscc(&s, id);
    expect_ok(CREDO_KIND_ORG, id);
    uscc_substitutions(id);
    random_rid(&s, id);
    expect_ok(CREDO_KIND_PERSON, id);
    rid_substitutions(id);
  }
  uscc_substitutions("91350100M000100Y43");
  rid_substitutions("11010519491231002X");
}

/* Random 18-character strings over the code alphabet: accepted exactly
 * when the reference says they are valid. */
static void test_random_strings(void **state) {
  (void)state;
  uint64_t s = test_seed ^ 2;
  char id[19], why[256];
  for (int i = 0; i < ROUNDS * 10; i++) {
    for (int k = 0; k < 18; k++)
      id[k] = ALPHA[rnd_below(&s, 31)];
    id[18] = '\0';
    int want = uscc_fails(id) ? CREDO_BADID : CREDO_OK;
    assert_int_equal(credo_id_check(CREDO_KIND_ORG, id, why, sizeof why), want);
  }
}

/* GB 32100 codes, GB 11714, GB/T 2260 provinces, birth dates not in the
 * future, 15-digit ids (docs/rules.md rule 13). */
static void test_rule13_checks(void **state) {
  (void)state;
  char why[256], id[19];
  /* 91350100M000100Y43 with its authority / type / province changed and
   * the check character recomputed: each fails its own check */
  memcpy(id, "Z1350100M000100Y4", 17);
  id[0] = 'B';
  id[17] = uscc_check(id);
  id[18] = '\0';
  expect_bad(CREDO_KIND_ORG, id,
             "registration authority code 'B' (character 1) is not one of GB "
             "32100");
  memcpy(id, "94350100M000100Y4", 17);
  id[17] = uscc_check(id);
  expect_bad(CREDO_KIND_ORG, id,
             "organisation type code '4' (character 2) is not one the "
             "registration authority '9' (工商) issues");
  memcpy(id, "91990100M000100Y4", 17);
  id[17] = uscc_check(id);
  expect_bad(CREDO_KIND_ORG, id,
             "division code 990100 (characters 3-8) is not in a province");
  memcpy(id, "91350100M000100Y5", 17);
  id[17] = uscc_check(id);
  expect_bad(CREDO_KIND_ORG, id,
             "organisation code check character (character 17, GB 11714) is "
             "'5', expected '4'");
  memcpy(id, "Y1100000M000100Y4", 17); /* national level, authority Y */
  id[17] = uscc_check(id);
  expect_ok(CREDO_KIND_ORG, id);
  with_rid_check("99010519491231002", id);
  expect_bad(CREDO_KIND_PERSON, id, "region code 990105 is not in a province");
  with_rid_check("11010521990101002", id);
  expect_bad(CREDO_KIND_PERSON, id, "birth date 21990101 is in the future");
  assert_int_equal(
      credo_id_check(CREDO_KIND_PERSON, "350203800101003", why, sizeof why),
      CREDO_BADID);
  with_rid_check("35020319800101003", id);
  char want[160];
  snprintf(want, sizeof want,
           "resident id must be 18 characters, got a 15-digit id of GB "
           "11643-1989; its 18-digit form is %s",
           id);
  assert_string_equal(why, want);
}

static void test_other(void **state) {
  (void)state;
  char id[80];
  expect_ok(CREDO_KIND_OTHER, "x");
  expect_ok(CREDO_KIND_OTHER, "\xe5\x8e\xa6\xe9\x97\xa8 company"); /* 厦门 */
  expect_ok(CREDO_KIND_OTHER, "\xf0\x9f\x98\x80");                 /* U+1F600 */
  expect_ok(CREDO_KIND_OTHER, "\xef\xbf\xbd");                     /* U+FFFD */
  expect_ok(CREDO_KIND_OTHER, "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
  expect_ok(CREDO_KIND_OTHER, "\xed\x9f\xbf");     /* U+D7FF */
  expect_bad(CREDO_KIND_OTHER, "", "empty");

  memset(id, 'a', 64);
  id[64] = '\0';
  expect_ok(CREDO_KIND_OTHER, id);
  id[64] = 'a';
  id[65] = '\0';
  expect_bad(CREDO_KIND_OTHER, id, "at most 64 bytes, got 65");
  /* 21 three-byte characters = 63 bytes, one more = 66 */
  id[0] = '\0';
  for (int i = 0; i < 21; i++)
    strcat(id, "\xe5\x8e\xa6");
  expect_ok(CREDO_KIND_OTHER, id);
  strcat(id, "\xe5\x8e\xa6");
  expect_bad(CREDO_KIND_OTHER, id, "got 66");

  expect_bad(CREDO_KIND_OTHER, "a\xc0\xafz",
             "byte 2 (0xC0) starts an overlong");
  expect_bad(CREDO_KIND_OTHER, "\xc1\xbf", "overlong");
  expect_bad(CREDO_KIND_OTHER, "ab\xc0", "byte 3 (0xC0) starts an overlong");
  expect_bad(CREDO_KIND_OTHER, "\xe0\x80\xaf", "overlong");
  expect_bad(CREDO_KIND_OTHER, "\xe0\x9f\xbf", "overlong");
  expect_bad(CREDO_KIND_OTHER, "\xf0\x8f\xbf\xbf", "overlong");
  expect_bad(CREDO_KIND_OTHER, "\xed\xa0\x80", "surrogate");
  expect_bad(CREDO_KIND_OTHER, "ok\xed\xbf\xbf", "byte 3 (0xED)");
  expect_bad(CREDO_KIND_OTHER, "\xf4\x90\x80\x80", "above U+10FFFF");
  expect_bad(CREDO_KIND_OTHER, "\xf5\x80\x80\x80", "not a UTF-8 byte");
  expect_bad(CREDO_KIND_OTHER, "\xff", "not a UTF-8 byte");
  expect_bad(CREDO_KIND_OTHER, "abc\xe5\x8e", "truncated");
  expect_bad(CREDO_KIND_OTHER,
             "\xe5\x8e"
             "abc",
             "truncated");
  expect_bad(CREDO_KIND_OTHER, "\xf0\x9f\x98", "truncated");
  expect_bad(CREDO_KIND_OTHER,
             "\x80"
             "abc",
             "continuation byte");
  expect_bad(CREDO_KIND_OTHER, "tab\there", "control character");
  expect_bad(CREDO_KIND_OTHER, "new\nline", "byte 4 (0x0A)");
  expect_bad(CREDO_KIND_OTHER, "del\x7f", "control character");
  expect_bad(CREDO_KIND_OTHER, "c1\xc2\x85", "control character");
  expect_ok(CREDO_KIND_OTHER, "nbsp\xc2\xa0");
}

static void test_utf8_helpers(void **state) {
  (void)state;
  const char *why = "unset";
  assert_int_equal(eng_utf8_scan("abc", 3, &why), 3);
  assert_null(why);
  assert_int_equal(eng_utf8_scan("ab\0c", 4, &why), 2);
  assert_non_null(strstr(why, "NUL"));
  assert_int_equal(eng_utf8_valid("", 0), 1);
  assert_int_equal(eng_utf8_valid("\xe5\x8e\xa6", 3), 1);
  assert_int_equal(eng_utf8_valid("\xe5\x8e\xa6", 2), 0); /* cut by n */
  assert_int_equal(eng_utf8_count("\xe5\x8e\xa6"
                                  "ab",
                                  5),
                   3);

  /* Every 2-byte sequence: valid exactly when it encodes U+00A0-U+07FF. */
  for (int a = 0xC0; a < 0x100; a++)
    for (int b = 0; b < 0x100; b++) {
      char s[2] = {(char)a, (char)b};
      int cp = ((a & 0x1F) << 6) | (b & 0x3F);
      int want = a >= 0xC2 && a < 0xE0 && (b & 0xC0) == 0x80 && cp >= 0xA0;
      assert_int_equal(eng_utf8_valid(s, 2), want);
    }
}

static void test_api_edges(void **state) {
  (void)state;
  char why[8];
  assert_string_equal(credo_kind_name(CREDO_KIND_ORG), "org");
  assert_string_equal(credo_kind_name(CREDO_KIND_PERSON), "person");
  assert_string_equal(credo_kind_name(CREDO_KIND_OTHER), "other");
  assert_null(credo_kind_name((credo_kind)0));
  assert_null(credo_kind_name((credo_kind)4));

  /* truncated message, NULL why, unknown kind, NULL id */
  assert_int_equal(credo_id_check(CREDO_KIND_ORG, "x", why, sizeof why),
                   CREDO_BADID);
  assert_string_equal(why, "USCC mu");
  assert_int_equal(credo_id_check(CREDO_KIND_ORG, "x", NULL, 0), CREDO_BADID);
  assert_int_equal(credo_id_check(CREDO_KIND_ORG, "x", why, 0), CREDO_BADID);
  assert_int_equal(credo_id_check((credo_kind)9, "x", why, sizeof why),
                   CREDO_INVALID);
  assert_int_equal(credo_id_check(CREDO_KIND_PERSON, NULL, why, sizeof why),
                   CREDO_BADID);
  char ok[4] = "zzz";
  assert_int_equal(credo_id_check(CREDO_KIND_OTHER, "fine", ok, sizeof ok),
                   CREDO_OK);
  assert_string_equal(ok, "");
}

int main(void) {
  test_seed = th_seed("test_ids");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_examples),
      cmocka_unit_test(test_uscc_bad),
      cmocka_unit_test(test_rid_bad),
      cmocka_unit_test(test_random_valid),
      cmocka_unit_test(test_random_strings),
      cmocka_unit_test(test_rule13_checks),
      cmocka_unit_test(test_other),
      cmocka_unit_test(test_utf8_helpers),
      cmocka_unit_test(test_api_edges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
