/*
 * timeutil.c -- time: civil-calendar arithmetic, ISO 8601 parsing and
 * formatting, calendar addition and duration text.
 *
 * Owns: the eng_* calendar helpers of timeutil.h and the public
 * credo_time_parse, credo_time_format, credo_time_add and
 * credo_duration_format.
 *
 * Invariants:
 *  - a credo_time is microseconds since 1970-01-01T00:00:00Z on the
 *    proleptic Gregorian calendar; there are no leap seconds;
 *  - real instants are CREDO_TIME_MIN .. INT64_MAX - 1; INT64_MAX is
 *    CREDO_TIME_OPEN and values below CREDO_TIME_MIN are sentinels (NOW,
 *    DEFAULT, reserved); arithmetic saturates inside the real range and
 *    never overflows;
 *  - local times use a fixed offset in seconds east of UTC, never the TZ
 *    environment or libc time functions (days are Hinnant's algorithm).
 *
 * Does not: know time zones with rules (DST), read the clock, or parse CQL
 * duration syntax (the parser does; this file only writes durations).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "timeutil.h"

#define SEC_PER_DAY INT64_C(86400)
#define TIME_HI (INT64_MAX - 1) /* largest real instant */

/* ------------------------------------------------------------ arithmetic */

/* Floor division and modulo for b > 0 (C's / truncates toward zero). */
static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return r < 0 ? r + b : r;
}

int eng_is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int eng_days_in_month(int64_t y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12)
    return 0;
  return m == 2 && eng_is_leap(y) ? 29 : days[m - 1];
}

int64_t eng_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;                                   /* [0, 399] */
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* Mar 1 = 0 */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void eng_civil_from_days(int64_t days, int64_t *y, int *m, int *d) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097; /* [0, 146096] */
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* [0, 365] */
  int64_t mp = (5 * doy + 2) / 153;                      /* Mar = 0 */
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

int eng_civil_valid(const eng_civil *c) {
  return c->m >= 1 && c->m <= 12 && c->d >= 1 &&
         c->d <= eng_days_in_month(c->y, c->m) && c->hh >= 0 && c->hh < 24 &&
         c->mm >= 0 && c->mm < 60 && c->ss >= 0 && c->ss < 60 && c->usec >= 0 &&
         c->usec < CREDO_USEC_PER_SEC;
}

int eng_tz_valid(int tz) {
  return tz >= -ENG_TZ_MAX_SEC && tz <= ENG_TZ_MAX_SEC && tz % 60 == 0;
}

/* a + b clamped to the real instants; sets *clamped when it had to. */
static credo_time clamp_add(int64_t a, int64_t b, int *clamped) {
  int64_t r;
  if (b > 0 && a > TIME_HI - b)
    r = TIME_HI + 1; /* marks "above"; fixed below */
  else if (b < 0 && a < CREDO_TIME_MIN - b)
    r = CREDO_TIME_MIN - 1;
  else
    r = a + b;
  if (r > TIME_HI || r < CREDO_TIME_MIN) {
    *clamped = 1;
    return r > TIME_HI ? TIME_HI : CREDO_TIME_MIN;
  }
  return r;
}

credo_time eng_time_add_usec(credo_time a, int64_t b) {
  int clamped = 0;
  return clamp_add(a, b, &clamped);
}

void eng_time_split(credo_time t, int tz, eng_civil *out) {
  /* Split first, then shift: t + tz would overflow near the ends. */
  int64_t days = t / CREDO_USEC_PER_DAY;
  int64_t rem = t % CREDO_USEC_PER_DAY + (int64_t)tz * CREDO_USEC_PER_SEC;
  days += floor_div(rem, CREDO_USEC_PER_DAY);
  rem = floor_mod(rem, CREDO_USEC_PER_DAY);
  eng_civil_from_days(days, &out->y, &out->m, &out->d);
  int64_t secs = rem / CREDO_USEC_PER_SEC;
  out->usec = (int)(rem % CREDO_USEC_PER_SEC);
  out->hh = (int)(secs / 3600);
  out->mm = (int)(secs / 60 % 60);
  out->ss = (int)(secs % 60);
}

int eng_time_join(const eng_civil *c, int tz, credo_time *out) {
  /* Fold everything into (days, usec-in-day in [0, DAY)), then multiply
   * only when days * DAY is known to fit. */
  int64_t secs = (int64_t)c->hh * 3600 + (int64_t)c->mm * 60 + c->ss - tz +
                 floor_div(c->usec, CREDO_USEC_PER_SEC);
  int64_t days =
      eng_days_from_civil(c->y, c->m, c->d) + floor_div(secs, SEC_PER_DAY);
  int64_t in_day = floor_mod(secs, SEC_PER_DAY) * CREDO_USEC_PER_SEC +
                   floor_mod(c->usec, CREDO_USEC_PER_SEC);
  if (days < 0) { /* count from the next midnight so days * DAY fits */
    days++;
    in_day -= CREDO_USEC_PER_DAY;
  }
  if (days > TIME_HI / CREDO_USEC_PER_DAY) {
    *out = TIME_HI;
    return CREDO_RANGE;
  }
  if (days < CREDO_TIME_MIN / CREDO_USEC_PER_DAY) {
    *out = CREDO_TIME_MIN;
    return CREDO_RANGE;
  }
  int clamped = 0;
  *out = clamp_add(days * CREDO_USEC_PER_DAY, in_day, &clamped);
  return clamped ? CREDO_RANGE : CREDO_OK;
}

/* --------------------------------------------------------------- parsing */

typedef struct cursor {
  const char *p, *end;
} cursor;

/* Reads exactly `n` ASCII digits as a number. 1 on success. */
static int digits(cursor *c, int n, int *out) {
  if (c->end - c->p < n)
    return 0;
  int v = 0;
  for (int i = 0; i < n; i++) {
    char ch = c->p[i];
    if (ch < '0' || ch > '9')
      return 0;
    v = v * 10 + (ch - '0');
  }
  c->p += n;
  *out = v;
  return 1;
}

/* Consumes `ch` if it is next. */
static int accept(cursor *c, char ch) {
  if (c->p < c->end && *c->p == ch) {
    c->p++;
    return 1;
  }
  return 0;
}

/* "YYYY-MM-DD"; ranges are checked later by eng_civil_valid. */
static int parse_date(cursor *c, eng_civil *t) {
  int y;
  if (!digits(c, 4, &y) || y < 1 || !accept(c, '-') || !digits(c, 2, &t->m) ||
      !accept(c, '-') || !digits(c, 2, &t->d))
    return 0;
  t->y = y;
  return 1;
}

/* ".f{1,6}" after the seconds, scaled to microseconds. */
static int parse_fraction(cursor *c, eng_civil *t) {
  int n = 0, v = 0;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
    if (++n > 6)
      return 0;
    v = v * 10 + (*c->p++ - '0');
  }
  if (n == 0)
    return 0;
  while (n++ < 6)
    v *= 10;
  t->usec = v;
  return 1;
}

/* "THH:MM[:SS[.f]]" or the same after a space. */
static int parse_clock(cursor *c, eng_civil *t) {
  if (!accept(c, 'T') && !accept(c, ' '))
    return 0;
  if (!digits(c, 2, &t->hh) || !accept(c, ':') || !digits(c, 2, &t->mm))
    return 0;
  if (!accept(c, ':'))
    return 1;
  if (!digits(c, 2, &t->ss))
    return 0;
  return accept(c, '.') ? parse_fraction(c, t) : 1;
}

/* "Z", "+HH:MM", "+HHMM", "+HH" (or '-'); nothing keeps *tz. */
static int parse_offset(cursor *c, int *tz) {
  if (c->p == c->end)
    return 1;
  if (accept(c, 'Z')) {
    *tz = 0;
    return 1;
  }
  int sign = accept(c, '+') ? 1 : accept(c, '-') ? -1 : 0;
  int hh, mm = 0;
  if (sign == 0 || !digits(c, 2, &hh))
    return 0;
  if (accept(c, ':') ? !digits(c, 2, &mm) : c->p < c->end && !digits(c, 2, &mm))
    return 0;
  if (mm > 59 || hh * 3600 + mm * 60 > ENG_TZ_MAX_SEC)
    return 0;
  *tz = sign * (hh * 3600 + mm * 60);
  return 1;
}

int eng_time_parse_n(const char *s, size_t n, int tz, credo_time *out) {
  if (s == NULL || out == NULL || !eng_tz_valid(tz))
    return CREDO_INVALID;
  cursor c = {s, s + n};
  eng_civil t = {0};
  int off = tz;
  if (!parse_date(&c, &t))
    return CREDO_INVALID;
  /* An offset only follows a time of day: "2025-03-01-05" is not a date. */
  if (c.p < c.end && (!parse_clock(&c, &t) || !parse_offset(&c, &off)))
    return CREDO_INVALID;
  if (c.p != c.end || !eng_civil_valid(&t))
    return CREDO_INVALID;
  return eng_time_join(&t, off, out) == CREDO_OK ? CREDO_OK : CREDO_INVALID;
}

int credo_time_parse(const char *s, int tz_offset_sec, credo_time *out) {
  if (s == NULL)
    return CREDO_INVALID;
  return eng_time_parse_n(s, strlen(s), tz_offset_sec, out);
}

/* ------------------------------------------------------------ formatting */

/* Copies `text` to buf, or CREDO_RANGE (and "" when n > 0) if it does not
 * fit in `n` bytes with its NUL. */
static int put_text(const char *text, char *buf, size_t n) {
  size_t len = strlen(text);
  if (buf == NULL || len >= n) {
    if (buf != NULL && n > 0)
      buf[0] = '\0';
    return CREDO_RANGE;
  }
  memcpy(buf, text, len + 1);
  return CREDO_OK;
}

/* Writes `v` (0 <= v < 10^w) as exactly w digits at p. */
static char *put_digits(char *p, int v, int w) {
  for (int i = w - 1; i >= 0; i--, v /= 10)
    p[i] = (char)('0' + v % 10);
  return p + w;
}

/* The year as ISO 8601 writes it: 4 digits in 0000-9999, else signed
 * (expanded representation, "-0044", "+10000"). Returns chars written. */
static int format_year(int64_t y, char *out, size_t n) {
  if (y >= 0 && y <= 9999) {
    put_digits(out, (int)y, 4);
    out[4] = '\0';
    return 4;
  }
  return snprintf(out, n, "%c%04" PRId64, y < 0 ? '-' : '+', y < 0 ? -y : y);
}

/* Writes a real instant into out[ENG_TIME_BUFSZ]. Digits by hand: times
 * are rendered for every row of a result, and snprintf costs a few
 * hundred nanoseconds a call. */
static void format_instant(credo_time t, int tz, char *out) {
  eng_civil c;
  char *p;
  int a = tz < 0 ? -tz : tz;
  eng_time_split(t, tz, &c);
  p = out + format_year(c.y, out, ENG_TIME_BUFSZ);
  *p++ = '-';
  p = put_digits(p, c.m, 2);
  *p++ = '-';
  p = put_digits(p, c.d, 2);
  *p++ = 'T';
  p = put_digits(p, c.hh, 2);
  *p++ = ':';
  p = put_digits(p, c.mm, 2);
  *p++ = ':';
  p = put_digits(p, c.ss, 2);
  if (c.usec != 0) { /* always six digits, so columns of times align */
    *p++ = '.';
    p = put_digits(p, c.usec, 6);
  }
  *p++ = tz < 0 ? '-' : '+';
  p = put_digits(p, a / 3600, 2);
  *p++ = ':';
  p = put_digits(p, a % 3600 / 60, 2);
  *p = '\0';
}

int credo_time_format(credo_time t, int tz_offset_sec, char *buf, size_t n) {
  char tmp[ENG_TIME_BUFSZ];
  if (t == CREDO_TIME_OPEN)
    return put_text("open", buf, n);
  if (t == CREDO_TIME_NOW)
    return put_text("now", buf, n);
  if (t == CREDO_TIME_DEFAULT)
    return put_text("default", buf, n);
  if (t < CREDO_TIME_MIN || !eng_tz_valid(tz_offset_sec)) {
    put_text("", buf, n);
    return CREDO_INVALID;
  }
  format_instant(t, tz_offset_sec, tmp);
  return put_text(tmp, buf, n);
}

/* ------------------------------------------------------------ arithmetic */

/* `t` moved by `months` on the calendar at offset `tz`, keeping the local
 * time of day and clamping the day to the target month's end. */
static credo_time add_months(credo_time t, int32_t months, int tz) {
  eng_civil c;
  eng_time_split(t, tz, &c);
  int64_t index = c.y * 12 + (c.m - 1) + months; /* months since 0000-01 */
  c.y = floor_div(index, 12);
  c.m = (int)floor_mod(index, 12) + 1;
  int last = eng_days_in_month(c.y, c.m);
  if (c.d > last)
    c.d = last;
  credo_time r;
  eng_time_join(&c, tz, &r); /* CREDO_RANGE leaves the saturated bound */
  return r;
}

credo_time credo_time_add(credo_time t, credo_duration d, int tz_offset_sec) {
  if (t == CREDO_TIME_OPEN || t < CREDO_TIME_MIN)
    return t; /* open stays open; sentinels are not instants */
  if (d.months != 0)
    t = add_months(t, d.months, tz_offset_sec);
  return eng_time_add_usec(t, d.usec);
}

/* --------------------------------------------------------------- duration */

/* Appends " [-]v UNIT[S]" (no leading blank at the start) when v != 0. */
static void put_unit(char *out, size_t cap, size_t *len, int neg, uint64_t v,
                     const char *unit) {
  if (v == 0 || *len >= cap)
    return;
  int w = snprintf(out + *len, cap - *len, "%s%s%" PRIu64 " %s%s",
                   *len ? " " : "", neg ? "-" : "", v, unit, v == 1 ? "" : "S");
  *len += w > 0 ? (size_t)w : 0;
}

int credo_duration_format(credo_duration d, char *buf, size_t n) {
  char tmp[192];
  size_t len = 0;
  tmp[0] = '\0';
  int mneg = d.months < 0;
  uint64_t mon = mneg ? (uint64_t)(-(int64_t)d.months) : (uint64_t)d.months;
  put_unit(tmp, sizeof tmp, &len, mneg, mon / 12, "YEAR");
  put_unit(tmp, sizeof tmp, &len, mneg, mon % 12, "MONTH");

  int uneg = d.usec < 0;
  uint64_t u = uneg ? 0 - (uint64_t)d.usec : (uint64_t)d.usec;
  const uint64_t sec = (uint64_t)CREDO_USEC_PER_SEC;
  put_unit(tmp, sizeof tmp, &len, uneg, u / (sec * 86400), "DAY");
  put_unit(tmp, sizeof tmp, &len, uneg, u / (sec * 3600) % 24, "HOUR");
  put_unit(tmp, sizeof tmp, &len, uneg, u / (sec * 60) % 60, "MINUTE");
  put_unit(tmp, sizeof tmp, &len, uneg, u / sec % 60, "SECOND");
  put_unit(tmp, sizeof tmp, &len, uneg, u % sec, "MICROSECOND");
  return put_text(len ? tmp : "0 SECONDS", buf, n);
}
