/*
 * test_time.c -- time parsing, formatting and arithmetic (engine/timeutil.c)
 * and the return-code table (engine/errors.c).
 *
 * Random cases use a seeded PRNG; the seed is printed, and CREDO_TEST_SEED
 * replays a run. The calendar is checked against a day-by-day walk, not
 * against the same formulas.
 */
#include <inttypes.h>
#include <limits.h>
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
#include "th.h"
#include "timeutil.h"

#define ROUNDS 20000
#define H (3600) /* seconds in an hour, for offsets */
#define SEC CREDO_USEC_PER_SEC
#define DAY CREDO_USEC_PER_DAY

/* Set once in main before the tests run, then only read. */
static uint64_t test_seed;

/* the shared stream (th.h) */
#define rnd th_rnd

/* Uniform in [lo, hi] (small spans; modulo bias is irrelevant here). */
static int64_t rnd_range(uint64_t *s, int64_t lo, int64_t hi) {
  return lo + (int64_t)(rnd(s) % (uint64_t)(hi - lo + 1));
}

static int rnd_tz(uint64_t *s) {
  return (int)rnd_range(s, -18 * 60, 18 * 60) * 60;
}

/* Parses or fails the test. */
static credo_time P(const char *text, int tz) {
  credo_time t = 0;
  int rc = credo_time_parse(text, tz, &t);
  if (rc != CREDO_OK)
    fail_msg("'%s' (tz %d) not parsed: rc %d", text, tz, rc);
  return t;
}

static void expect_format(credo_time t, int tz, const char *want) {
  char buf[ENG_TIME_BUFSZ];
  assert_int_equal(credo_time_format(t, tz, buf, sizeof buf), CREDO_OK);
  assert_string_equal(buf, want);
}

/* -------------------------------------------------------------- calendar */

/* Walks every day from 1600-01-01 to 2400-12-31 with a naive calendar and
 * compares both conversions. */
static void test_calendar_walk(void **state) {
  (void)state;
  int64_t days = eng_days_from_civil(1600, 1, 1);
  assert_int_equal(eng_days_from_civil(1970, 1, 1), 0);
  assert_int_equal(eng_days_from_civil(2000, 3, 1), 11017);
  for (int64_t y = 1600; y <= 2400; y++) {
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    assert_int_equal(eng_is_leap(y), leap);
    for (int m = 1; m <= 12; m++) {
      static const int len[12] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
      int dim = len[m - 1] + (m == 2 && leap);
      assert_int_equal(eng_days_in_month(y, m), dim);
      for (int d = 1; d <= dim; d++, days++) {
        int64_t yy;
        int mm, dd;
        assert_int_equal(eng_days_from_civil(y, m, d), days);
        eng_civil_from_days(days, &yy, &mm, &dd);
        if (yy != y || mm != m || dd != d)
          fail_msg("day %" PRId64 ": got %" PRId64 "-%d-%d", days, yy, mm, dd);
      }
    }
  }
  assert_int_equal(eng_days_in_month(2024, 0), 0);
  assert_int_equal(eng_days_in_month(2024, 13), 0);
}

static void test_split_join(void **state) {
  (void)state;
  uint64_t s = test_seed ^ 11;
  credo_time edges[] = {CREDO_TIME_MIN, CREDO_TIME_MIN + 1, -1, 0, 1,
                        INT64_MAX - 2,  INT64_MAX - 1};
  for (int i = 0; i < ROUNDS + 7; i++) {
    credo_time t = i < 7 ? edges[i] : (credo_time)rnd(&s);
    if (t < CREDO_TIME_MIN || t == CREDO_TIME_OPEN)
      continue;
    int tz = i < 7 ? (i % 2 ? 18 * H : -18 * H) : rnd_tz(&s);
    eng_civil c;
    credo_time back;
    eng_time_split(t, tz, &c);
    assert_true(eng_civil_valid(&c));
    assert_int_equal(eng_time_join(&c, tz, &back), CREDO_OK);
    assert_int_equal(back, t);
  }
  /* out of range: saturated, CREDO_RANGE */
  eng_civil big = {300000, 1, 1, 0, 0, 0, 0};
  credo_time r;
  assert_int_equal(eng_time_join(&big, 0, &r), CREDO_RANGE);
  assert_int_equal(r, INT64_MAX - 1);
  eng_civil small = {-300000, 1, 1, 0, 0, 0, 0};
  assert_int_equal(eng_time_join(&small, 0, &r), CREDO_RANGE);
  assert_int_equal(r, CREDO_TIME_MIN);
  /* linear fields: day 32 is the next month, 25:00 the next day */
  eng_civil lin = {2025, 1, 32, 25, 0, 0, 0};
  assert_int_equal(eng_time_join(&lin, 0, &r), CREDO_OK);
  assert_int_equal(r, P("2025-02-02T01:00Z", 0));
  /* one microsecond past either end */
  eng_time_split(INT64_MAX - 1, 8 * H, &lin);
  lin.usec++;
  assert_int_equal(eng_time_join(&lin, 8 * H, &r), CREDO_RANGE);
  assert_int_equal(r, INT64_MAX - 1);
  eng_time_split(CREDO_TIME_MIN, -8 * H, &lin);
  lin.usec--;
  assert_int_equal(eng_time_join(&lin, -8 * H, &r), CREDO_RANGE);
  assert_int_equal(r, CREDO_TIME_MIN);
  eng_civil bad = {2025, 2, 29, 0, 0, 0, 0};
  assert_false(eng_civil_valid(&bad));
  assert_true(eng_tz_valid(-18 * H));
  assert_false(eng_tz_valid(18 * H + 60));
  assert_false(eng_tz_valid(30));
}

/* --------------------------------------------------------------- parsing */

static void test_parse_known(void **state) {
  (void)state;
  assert_int_equal(P("1970-01-01", 0), 0);
  assert_int_equal(P("2025-03-01T00:00:00+08:00", 0), 1740758400 * SEC);
  assert_int_equal(P("2025-03-01", 8 * H), 1740758400 * SEC);
  assert_int_equal(P("2025-03-01T00:00", 8 * H), 1740758400 * SEC);
  assert_int_equal(P("2025-02-28 16:00:00Z", 8 * H), 1740758400 * SEC);
  assert_int_equal(P("2025-02-28T11:00-05:00", 0), 1740758400 * SEC);
  assert_int_equal(P("2025-03-01T00:00+0800", 0), 1740758400 * SEC);
  assert_int_equal(P("2025-03-01T00:00+08", 0), 1740758400 * SEC);
  assert_int_equal(P("2025-03-01 09:30:00.25+08:00", 0),
                   (1740758400 + 9 * H + 1800) * SEC + 250000);
  assert_int_equal(P("1970-01-01T00:00:00.1Z", 0), 100000);
  assert_int_equal(P("1970-01-01T00:00:00.000001Z", 0), 1);
  assert_int_equal(P("1970-01-01T00:00:00.123456Z", 0), 123456);
  assert_int_equal(P("1970-01-01T00:00:00.000000Z", 0), 0);
  assert_int_equal(P("1969-12-31T23:59:59.999999Z", 0), -1);
  assert_int_equal(P("1970-01-01T05:30", -5 * H - 1800), 11 * H * SEC);
  assert_int_equal(P("1970-01-01T00:00-00:00", 3 * H), 0);
  assert_int_equal(P("1970-01-02T00:00+18:00", 0), 6 * H * SEC);
  assert_int_equal(P("0001-01-01T00:00:00Z", 0), INT64_C(-62135596800) * SEC);
  assert_int_equal(P("9999-12-31T23:59:59.999999Z", 0),
                   INT64_C(253402300799) * SEC + 999999);
  assert_int_equal(P("2024-02-29", 0), P("2024-03-01", 0) - DAY);
  assert_int_equal(P("2000-02-29", 0), P("2000-03-01", 0) - DAY);
}

static void test_parse_invalid(void **state) {
  (void)state;
  static const char *bad[] = {"2025-02-29",
                              "1900-02-29",
                              "2025-13-01",
                              "2025-00-10",
                              "2025-01-00",
                              "2025-01-32",
                              "2025-04-31",
                              "2025-01-01T24:00",
                              "2025-01-01T23:60",
                              "2025-01-01T23:59:60",
                              "hello",
                              "",
                              "2025",
                              "2025-01",
                              "2025-1-01",
                              "25-01-01",
                              "+2025-01-01",
                              "0000-01-01",
                              "2025-01-01T",
                              "2025-01-01T10",
                              "2025-01-01T10:",
                              "2025-01-01T1:00",
                              "2025-01-01T10:00:",
                              "2025-01-01T10:00:0",
                              "2025-01-01T10:00:00.",
                              "2025-01-01T10:00:00.1234567",
                              "2025-01-01T10:00:00.0000001",
                              "2025-01-01T10:00:00,5",
                              "2025-01-01x",
                              "2025-01-01 ",
                              " 2025-01-01",
                              "2025-01-01T10:00Zx",
                              "2025-01-01T10:00ZZ",
                              "2025-01-01T10:00 Z",
                              "2025-01-01t10:00",
                              "2025-01-01T10:00z",
                              "2025-01-01T10:00+25:00",
                              "2025-01-01T10:00+18:30",
                              "2025-01-01T10:00+19",
                              "2025-01-01T10:00+08:60",
                              "2025-01-01T10:00+8",
                              "2025-01-01T10:00+080",
                              "2025-01-01T10:00+08:0",
                              "2025-01-01T10:00+0800x",
                              "2025-01-01T10:00+08:00:00",
                              "2025-01-01T10:00+",
                              "2025-01-01Z",
                              "2025-01-01+08:00",
                              "2025-01-01-05",
                              "2025-01-01T10:00:00.-1",
                              "２０２５-01-01",
                              "2025-01-01T10:00\n",
                              "2025\x00-01-01"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    credo_time t = 42;
    if (credo_time_parse(bad[i], 0, &t) != CREDO_INVALID)
      fail_msg("'%s' was accepted as %" PRId64, bad[i], t);
  }
  credo_time t;
  assert_int_equal(credo_time_parse(NULL, 0, &t), CREDO_INVALID);
  assert_int_equal(credo_time_parse("2025-01-01", 0, NULL), CREDO_INVALID);
  assert_int_equal(credo_time_parse("2025-01-01", 19 * H, &t), CREDO_INVALID);
  assert_int_equal(credo_time_parse("2025-01-01", 30, &t), CREDO_INVALID);
  /* the counted form reads exactly n bytes */
  assert_int_equal(eng_time_parse_n("2025-01-01junk", 10, 0, &t), CREDO_OK);
  assert_int_equal(t, P("2025-01-01", 0));
  assert_int_equal(eng_time_parse_n("2025-01-01", 9, 0, &t), CREDO_INVALID);
}

/* ------------------------------------------------------------ formatting */

static void test_format_known(void **state) {
  (void)state;
  expect_format(1740758400 * SEC, 8 * H, "2025-03-01T00:00:00+08:00");
  expect_format(1740758400 * SEC, 0, "2025-02-28T16:00:00+00:00");
  expect_format(1740758400 * SEC, -(5 * H + 1800), "2025-02-28T10:30:00-05:30");
  expect_format(0, 0, "1970-01-01T00:00:00+00:00");
  expect_format(-1, 0, "1969-12-31T23:59:59.999999+00:00");
  expect_format(250000, 0, "1970-01-01T00:00:00.250000+00:00");
  expect_format(1, 0, "1970-01-01T00:00:00.000001+00:00");
  expect_format(500000, 0, "1970-01-01T00:00:00.500000+00:00");
  expect_format(120 * SEC, 45 * 60, "1970-01-01T00:47:00+00:45");
  expect_format(P("0001-01-01T00:00Z", 0), -5 * H, "0000-12-31T19:00:00-05:00");
  expect_format(CREDO_TIME_OPEN, 0, "open");
  expect_format(CREDO_TIME_NOW, 0, "now");
  expect_format(CREDO_TIME_DEFAULT, 8 * H, "default");

  /* the extremes, in expanded-year form, fit ENG_TIME_BUFSZ */
  char buf[ENG_TIME_BUFSZ];
  assert_int_equal(credo_time_format(INT64_MAX - 1, 0, buf, sizeof buf),
                   CREDO_OK);
  assert_string_equal(buf, "+294247-01-10T04:00:54.775806+00:00");
  assert_int_equal(credo_time_format(CREDO_TIME_MIN, -18 * H, buf, sizeof buf),
                   CREDO_OK);
  assert_string_equal(buf, "-290308-12-21T01:59:05.224208-18:00");

  /* sentinels that are not instants, and bad offsets */
  assert_int_equal(credo_time_format(INT64_MIN, 0, buf, sizeof buf),
                   CREDO_INVALID);
  assert_string_equal(buf, "");
  assert_int_equal(credo_time_format(CREDO_TIME_MIN - 1, 0, buf, sizeof buf),
                   CREDO_INVALID);
  assert_int_equal(credo_time_format(0, 19 * H, buf, sizeof buf),
                   CREDO_INVALID);
  assert_int_equal(credo_time_format(0, 61, buf, sizeof buf), CREDO_INVALID);
}

static void test_format_buffer(void **state) {
  (void)state;
  char buf[64];
  const char *full = "2025-03-01T00:00:00.123456+08:00"; /* 32 characters */
  credo_time t = 1740758400 * SEC + 123456;
  assert_int_equal(credo_time_format(t, 8 * H, buf, 33), CREDO_OK);
  assert_string_equal(buf, full);
  memset(buf, 'x', sizeof buf);
  assert_int_equal(credo_time_format(t, 8 * H, buf, 32), CREDO_RANGE);
  assert_string_equal(buf, "");
  assert_int_equal(credo_time_format(t, 8 * H, buf, 0), CREDO_RANGE);
  assert_int_equal(credo_time_format(t, 8 * H, NULL, 0), CREDO_RANGE);
  assert_int_equal(credo_time_format(CREDO_TIME_OPEN, 0, buf, 5), CREDO_OK);
  assert_int_equal(credo_time_format(CREDO_TIME_OPEN, 0, buf, 4), CREDO_RANGE);
}

/* format -> parse is the identity at random instants of 1900-2100 in
 * random offsets, whatever offset the parser is given. */
static void test_round_trip(void **state) {
  (void)state;
  uint64_t s = test_seed ^ 12;
  credo_time lo = P("1900-01-01", 0), hi = P("2101-01-01", 0) - 1;
  char buf[ENG_TIME_BUFSZ];
  for (int i = 0; i < ROUNDS; i++) {
    credo_time t = rnd_range(&s, lo, hi);
    if (i % 3 == 0)
      t -= t % SEC; /* whole seconds */
    if (i % 3 == 1)
      t -= t % (60 * SEC); /* whole minutes: no ":SS" */
    int tz = rnd_tz(&s);
    assert_int_equal(credo_time_format(t, tz, buf, sizeof buf), CREDO_OK);
    credo_time back = 0;
    if (credo_time_parse(buf, rnd_tz(&s), &back) != CREDO_OK || back != t)
      fail_msg("%" PRId64 " tz %d -> '%s' -> %" PRId64, t, tz, buf, back);
    /* without its offset, the text reads back in the same zone */
    buf[strlen(buf) - 6] = '\0';
    assert_int_equal(P(buf, tz), t);
  }
}

/* ------------------------------------------------------------ arithmetic */

static credo_duration months(int32_t m) {
  credo_duration d = {m, 0};
  return d;
}

static credo_duration usec(int64_t u) {
  credo_duration d = {0, u};
  return d;
}

static void test_add_known(void **state) {
  (void)state;
  assert_int_equal(credo_time_add(P("2024-01-31", 0), months(1), 0),
                   P("2024-02-29", 0));
  assert_int_equal(credo_time_add(P("2024-02-29", 0), months(12), 0),
                   P("2025-02-28", 0));
  assert_int_equal(credo_time_add(P("2025-01-31", 0), months(1), 0),
                   P("2025-02-28", 0));
  assert_int_equal(credo_time_add(P("2024-03-31", 0), months(-1), 0),
                   P("2024-02-29", 0));
  assert_int_equal(
      credo_time_add(P("2024-05-31T13:45:10.5Z", 0), months(-25), 0),
      P("2022-04-30T13:45:10.5Z", 0));
  assert_int_equal(credo_time_add(P("2024-12-15", 0), months(13), 0),
                   P("2026-01-15", 0));
  /* months first, then the exact part */
  credo_duration both = {1, DAY};
  assert_int_equal(credo_time_add(P("2024-01-31", 0), both, 0),
                   P("2024-03-01", 0));
  assert_int_equal(credo_time_add(P("2024-01-31", 0), usec(90 * DAY), 0),
                   P("2024-04-30", 0));
  /* a year of publicity from a decision in Xiamen */
  assert_int_equal(credo_time_add(P("2025-03-01", 8 * H), months(12), 8 * H),
                   P("2026-03-01", 8 * H));
}

/* The calendar of the offset decides the month and the clamp. */
static void test_add_offset(void **state) {
  (void)state;
  credo_time t = P("2024-01-30T20:00Z", 0); /* 2024-01-31 04:00 at +08:00 */
  assert_int_equal(credo_time_add(t, months(1), 0), P("2024-02-29T20:00Z", 0));
  assert_int_equal(credo_time_add(t, months(1), 8 * H),
                   P("2024-02-29T04:00+08:00", 0));
  assert_int_equal(credo_time_add(t, months(1), 8 * H),
                   P("2024-02-28T20:00Z", 0));
  /* at -05:00 it is still 2024-01-30 15:00 */
  assert_int_equal(credo_time_add(t, months(1), -5 * H),
                   P("2024-02-29T20:00Z", 0));
  /* 2024-01-31 23:30 at -01:00 is Feb 1 in UTC */
  credo_time u = P("2024-02-01T00:30Z", 0);
  assert_int_equal(credo_time_add(u, months(1), -H),
                   P("2024-02-29T23:30-01:00", 0));
  assert_int_equal(credo_time_add(u, months(1), 0), P("2024-03-01T00:30Z", 0));
}

static void test_add_saturates(void **state) {
  (void)state;
  const credo_time hi = INT64_MAX - 1, lo = CREDO_TIME_MIN;
  assert_int_equal(credo_time_add(hi, usec(1), 0), hi);
  assert_int_equal(credo_time_add(hi - 5, usec(INT64_MAX), 0), hi);
  assert_int_equal(credo_time_add(lo, usec(-1), 0), lo);
  assert_int_equal(credo_time_add(0, usec(INT64_MIN), 0), lo);
  assert_int_equal(credo_time_add(0, usec(INT64_MAX), 0), hi);
  assert_int_equal(credo_time_add(0, months(INT32_MAX), 8 * H), hi);
  assert_int_equal(credo_time_add(0, months(INT32_MIN), -8 * H), lo);
  credo_duration up = {INT32_MAX, INT64_MAX}, down = {INT32_MIN, INT64_MIN};
  assert_int_equal(credo_time_add(lo, up, 0), hi);
  assert_int_equal(credo_time_add(hi, down, 0), lo);
  assert_int_equal(credo_time_add(hi, months(1), 0), hi);
  assert_int_equal(credo_time_add(lo, months(-1), 0), lo);
  /* saturation never produces OPEN; OPEN and sentinels are left alone */
  assert_int_equal(credo_time_add(hi, up, 0), hi);
  assert_int_equal(credo_time_add(CREDO_TIME_OPEN, down, 0), CREDO_TIME_OPEN);
  assert_int_equal(credo_time_add(CREDO_TIME_OPEN, usec(-DAY), 0),
                   CREDO_TIME_OPEN);
  assert_int_equal(credo_time_add(CREDO_TIME_NOW, months(1), 0),
                   CREDO_TIME_NOW);
  assert_int_equal(credo_time_add(CREDO_TIME_DEFAULT, usec(1), 0),
                   CREDO_TIME_DEFAULT);
  /* near the ends, a step back in is exact */
  assert_int_equal(credo_time_add(hi, usec(-DAY), 0), hi - DAY);
  assert_true(credo_time_add(hi, months(-1), 0) < hi - 27 * DAY);
  assert_true(credo_time_add(lo, months(1), 0) > lo + 27 * DAY);
}

/* Random instants and month counts: the local date moves by exactly that
 * many months, the day is clamped, the time of day is kept. */
static void test_add_random(void **state) {
  (void)state;
  uint64_t s = test_seed ^ 13;
  credo_time lo = P("1900-01-01", 0), hi = P("2101-01-01", 0);
  for (int i = 0; i < ROUNDS; i++) {
    credo_time t = rnd_range(&s, lo, hi);
    int32_t m = (int32_t)rnd_range(&s, -1200, 1200);
    int tz = rnd_tz(&s);
    eng_civil a, b;
    eng_time_split(t, tz, &a);
    eng_time_split(credo_time_add(t, months(m), tz), tz, &b);
    int64_t ia = a.y * 12 + a.m - 1, ib = b.y * 12 + b.m - 1;
    int want_d =
        a.d < eng_days_in_month(b.y, b.m) ? a.d : eng_days_in_month(b.y, b.m);
    if (ib - ia != m || b.d != want_d || b.hh != a.hh || b.mm != a.mm ||
        b.ss != a.ss || b.usec != a.usec)
      fail_msg("%" PRId64 " + %d months at tz %d", t, m, tz);
    int64_t u = rnd_range(&s, -100 * 365 * DAY, 100 * 365 * DAY);
    assert_int_equal(credo_time_add(t, usec(u), tz), t + u);
  }
}

/* -------------------------------------------------------------- durations */

static void expect_duration(int32_t m, int64_t u, const char *want) {
  char buf[128];
  credo_duration d = {m, u};
  assert_int_equal(credo_duration_format(d, buf, sizeof buf), CREDO_OK);
  assert_string_equal(buf, want);
}

static void test_duration_format(void **state) {
  (void)state;
  expect_duration(0, 0, "0 SECONDS");
  expect_duration(15, 0, "1 YEAR 3 MONTHS");
  expect_duration(12, 0, "1 YEAR");
  expect_duration(36, 0, "3 YEARS");
  expect_duration(1, 0, "1 MONTH");
  expect_duration(3, 0, "3 MONTHS");
  expect_duration(0, 90 * DAY, "90 DAYS");
  expect_duration(0, DAY, "1 DAY");
  expect_duration(0, (2 * H + 1800) * SEC, "2 HOURS 30 MINUTES");
  expect_duration(0, (H + 60 + 1) * SEC, "1 HOUR 1 MINUTE 1 SECOND");
  expect_duration(0, 1500000, "1 SECOND 500000 MICROSECONDS");
  expect_duration(0, 1, "1 MICROSECOND");
  expect_duration(3, DAY + 45 * SEC, "3 MONTHS 1 DAY 45 SECONDS");
  expect_duration(-15, 0, "-1 YEAR -3 MONTHS");
  expect_duration(0, -DAY - SEC, "-1 DAY -1 SECOND");
  expect_duration(12, -DAY, "1 YEAR -1 DAY");

  char buf[192];
  credo_duration ext = {INT32_MIN, INT64_MIN};
  assert_int_equal(credo_duration_format(ext, buf, sizeof buf), CREDO_OK);
  assert_string_equal(buf, "-178956970 YEARS -8 MONTHS -106751991 DAYS "
                           "-4 HOURS -54 SECONDS -775808 MICROSECONDS");
  credo_duration d = {15, 0};
  assert_int_equal(credo_duration_format(d, buf, 16), CREDO_OK);
  assert_int_equal(credo_duration_format(d, buf, 15), CREDO_RANGE);
  assert_string_equal(buf, "");
  assert_int_equal(credo_duration_format(d, NULL, 0), CREDO_RANGE);
}

/* ----------------------------------------------------------------- errors */

struct code_row {
  int value;
  const char *name, *msg;
};

static void test_errors(void **state) {
  (void)state;
  static const struct code_row rows[] = {
#define ROW(name, value, msg) {value, #name, msg},
      CREDO_ERRORS(ROW)
#undef ROW
  };
  size_t n = sizeof rows / sizeof rows[0];
  assert_true(n >= 29);
  for (size_t i = 0; i < n; i++) {
    const char *name = credo_errname(rows[i].value);
    const char *msg = credo_strerror(rows[i].value);
    assert_string_equal(name, rows[i].name);
    assert_string_equal(msg, rows[i].msg);
    assert_true(strncmp(name, "CREDO_", 6) == 0);
    assert_true(msg[0] != '\0');
    assert_string_not_equal(msg, "unknown code");
    for (size_t j = 0; j < i; j++) {
      assert_int_not_equal(rows[i].value, rows[j].value);
      assert_string_not_equal(name, credo_errname(rows[j].value));
    }
  }
  assert_string_equal(credo_errname(CREDO_OK), "CREDO_OK");
  assert_string_equal(credo_strerror(CREDO_NOTFOUND), "not found");
  assert_string_equal(credo_errname(CREDO_NOTFOUND), "CREDO_NOTFOUND");
  static const int unknown[] = {3, 100, -27, -1000, INT_MIN, INT_MAX};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    assert_string_equal(credo_strerror(unknown[i]), "unknown code");
    assert_string_equal(credo_errname(unknown[i]), "CREDO_UNKNOWN");
  }
  assert_string_equal(credo_version(), CREDO_VERSION);
}

int main(void) {
  test_seed = th_seed("test_time");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_calendar_walk),
      cmocka_unit_test(test_split_join),
      cmocka_unit_test(test_parse_known),
      cmocka_unit_test(test_parse_invalid),
      cmocka_unit_test(test_format_known),
      cmocka_unit_test(test_format_buffer),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_add_known),
      cmocka_unit_test(test_add_offset),
      cmocka_unit_test(test_add_saturates),
      cmocka_unit_test(test_add_random),
      cmocka_unit_test(test_duration_format),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
