/*
 * decimal.h -- exact decimal numbers (CQL's DECIMAL value type): amounts of
 * money read from `data`, their sums and averages, CAST(x AS DECIMAL).
 *
 * A decimal is m * 10^-s with |m| < 10^18 (at most ENG_DEC_DIGITS
 * significant digits) and 0 <= s <= ENG_DEC_MAX_SCALE. Every function
 * returns decimals NORMALISED: no trailing zero digit in m while s > 0
 * (1.10 is {11, 1}), so equal values have equal representations (grouping
 * keys and DISTINCT compare the pair) and the shortest exact text is
 * m with the point put back.
 *
 * Arithmetic works in 128 bits and rounds half away from zero only where
 * the exact result has more digits than a decimal holds (products with
 * a long fraction, quotients); sums and differences are exact or fail with
 * CREDO_RANGE ("decimal overflow"). Nothing here allocates.
 *
 * Thread rules: pure functions, callable from any thread.
 * Does not: know about eng_value (value.c wraps these) or parse JSON.
 */
#ifndef CREDO_ENG_DECIMAL_H
#define CREDO_ENG_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#define ENG_DEC_DIGITS 18
#define ENG_DEC_MAX_SCALE 18
/* Longest text eng_dec_format writes, with the NUL: sign, 18 digits, a
 * point and up to 18 leading zeros of a fraction. */
#define ENG_DEC_TEXT_MAX 48

typedef struct eng_dec {
  int64_t m; /* |m| < 10^18 */
  int32_t s; /* 0..ENG_DEC_MAX_SCALE */
} eng_dec;

/* A 128-bit running sum of decimals (sum and avg), exact whatever the
 * number of terms (up to ~10^20 of them). */
typedef struct eng_dec_acc {
  __int128 m;
  int32_t s;
} eng_dec_acc;

/* Reads decimal text: [sign] digits [. digits] [e|E [sign] digits], no
 * spaces. CREDO_OK; CREDO_INVALID for anything else; CREDO_RANGE when it
 * needs more than 18 significant digits or a scale above 18. */
int eng_dec_parse(const char *p, size_t n, eng_dec *out);
/* The shortest decimal that reads back as `r` (what a JSON number such as
 * 33.91 was written as, up to 17 significant digits). CREDO_RANGE for
 * NaN, infinities and values a decimal cannot hold. */
int eng_dec_from_double(double r, eng_dec *out);
/* An integer as a decimal; CREDO_RANGE when |i| >= 10^18. */
int eng_dec_from_int(int64_t i, eng_dec *out);
double eng_dec_to_double(eng_dec d);
/* The integer part, rounded half away from zero (CAST AS INT). */
int64_t eng_dec_to_int(eng_dec d);

/* Shortest exact text ("1348839.63", "-0.5", "2"); returns its length. */
size_t eng_dec_format(eng_dec d, char *buf, size_t n);

/* a + b, a - b, a * b, a / b. CREDO_OK, or CREDO_RANGE on overflow (and
 * for division by zero, which the caller reports first). */
int eng_dec_add(eng_dec a, eng_dec b, eng_dec *out);
int eng_dec_sub(eng_dec a, eng_dec b, eng_dec *out);
int eng_dec_mul(eng_dec a, eng_dec b, eng_dec *out);
int eng_dec_div(eng_dec a, eng_dec b, eng_dec *out);
/* a mod b (sign of a), exact. */
int eng_dec_mod(eng_dec a, eng_dec b, eng_dec *out);
/* <0, 0, >0. */
int eng_dec_cmp(eng_dec a, eng_dec b);
eng_dec eng_dec_neg(eng_dec a);
/* round(a, places) half away from zero; places may be negative
 * (round(1234, -2) = 1200). mode 0 round, -1 floor, +1 ceiling. */
int eng_dec_round(eng_dec a, int places, int mode, eng_dec *out);

/* Accumulator: starts at {0, 0}. */
int eng_dec_acc_add(eng_dec_acc *acc, eng_dec d);
/* The sum as a decimal; CREDO_RANGE when it does not fit one. */
int eng_dec_acc_value(const eng_dec_acc *acc, eng_dec *out);
/* The sum divided by n (n > 0), rounded to what a decimal holds. */
int eng_dec_acc_avg(const eng_dec_acc *acc, int64_t n, eng_dec *out);
double eng_dec_acc_double(const eng_dec_acc *acc);

#endif /* CREDO_ENG_DECIMAL_H */
