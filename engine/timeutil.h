/*
 * timeutil.h -- civil-calendar arithmetic shared by the engine.
 *
 * The public functions (credo_time_parse, _format, _add,
 * credo_duration_format) are built on these. Everything is pure arithmetic
 * on the proleptic Gregorian calendar with a fixed UTC offset: no time
 * zone database, no libc time functions, no global state. Thread-safe.
 *
 * Offsets (`tz`) are seconds east of UTC. Days are counted from 1970-01-01
 * (day 0). Years use astronomical numbering (year 0 = 1 BC).
 */
#ifndef CREDO_ENG_TIMEUTIL_H
#define CREDO_ENG_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "credo.h"

/* Largest offset accepted by parse and format: +-18:00, whole minutes. */
#define ENG_TZ_MAX_SEC (18 * 3600)

/* Bytes credo_time_format may need, NUL included, for any credo_time:
 * "-290308-12-21T01:59:05.224208-18:00" (CREDO_TIME_MIN) is 35 characters,
 * and a plain "2025-03-01T00:00:00.123456+08:00" already needs 33 bytes. */
#define ENG_TIME_BUFSZ 40

/* A broken-down local time. A "real" value has m 1-12, d 1-days in month,
 * hh 0-23, mm 0-59, ss 0-59, usec 0-999999 (see eng_civil_valid). */
typedef struct eng_civil {
  int64_t y;
  int m, d;
  int hh, mm, ss;
  int usec;
} eng_civil;

/* 1 when `y` is a Gregorian leap year, else 0. */
int eng_is_leap(int64_t y);

/* Days in month `m` (1-12) of year `y`; 0 when m is out of range. */
int eng_days_in_month(int64_t y, int m);

/* Days from 1970-01-01 to y-m-d (Hinnant's days_from_civil). Requires
 * m 1-12 and |y| < 2^40; d is linear (d = 0 is the month's eve). */
int64_t eng_days_from_civil(int64_t y, int m, int d);

/* The inverse: the date of day `days` since 1970-01-01 (|days| < 2^40). */
void eng_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* 1 when every field of `c` is in its real range (a real date), else 0. */
int eng_civil_valid(const eng_civil *c);

/* 1 when `tz` is an offset parse/format accept: |tz| <= ENG_TZ_MAX_SEC
 * and a whole number of minutes. */
int eng_tz_valid(int tz);

/* Breaks instant `t` into its local time at offset `tz`. `t` must be a
 * real instant (CREDO_TIME_MIN .. INT64_MAX); any int `tz` works. Never
 * overflows. */
void eng_time_split(credo_time t, int tz, eng_civil *out);

/* The instant of local time `c` at offset `tz`. `c` needs m 1-12; the other
 * fields are added linearly, so they may be out of range (d = 32 is the
 * next month's first). Returns CREDO_OK, or CREDO_RANGE when the instant is
 * outside CREDO_TIME_MIN .. INT64_MAX - 1, then *out is the nearest bound. */
int eng_time_join(const eng_civil *c, int tz, credo_time *out);

/* a + b clamped to CREDO_TIME_MIN .. INT64_MAX - 1 (the real instants
 * excluding CREDO_TIME_OPEN). `a` must be in that range. */
credo_time eng_time_add_usec(credo_time a, int64_t b);

/* credo_time_parse on `n` bytes of `s` (need not be NUL-terminated, for
 * the CQL lexer). Returns CREDO_OK or CREDO_INVALID. */
int eng_time_parse_n(const char *s, size_t n, int tz, credo_time *out);

/* The instants that ISO 8601 text with a four-digit year can carry, and so
 * that export writes and import reads back: 0001-01-01T00:00:00Z ..
 * 9999-12-31T23:59:59.999999Z (microseconds since 1970-01-01Z). */
#define ENG_TIME_FIRST INT64_C(-62135596800000000)
#define ENG_TIME_LAST INT64_C(253402300799999999)

#endif /* CREDO_ENG_TIMEUTIL_H */
