/*
 * decimal.c -- exact decimal arithmetic (see decimal.h for the contract).
 *
 * Every operation computes in 128-bit integers (i128) on a common scale
 * and hands the exact result to fit(), the one place that rounds (half
 * away from zero, only when more than 18 significant digits or a scale
 * above 18 would be needed), normalises trailing zeros and checks the
 * range. 10^18 * 10^18 < 2^127, so a product of two mantissas or a
 * mantissa scaled by up to 10^19 never overflows i128.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo.h"
#include "decimal.h"

typedef __int128 i128;

#define DEC_LIMIT 1000000000000000000LL /* 10^18: |m| must stay below */

static i128 pow10_128(int k) {
  i128 p = 1;
  while (k-- > 0)
    p *= 10;
  return p;
}

static i128 abs128(i128 v) {
  return v < 0 ? -v : v;
}

/* v / 10^k rounded half away from zero. */
static i128 div_round(i128 v, int k) {
  i128 p = pow10_128(k), q = v / p, r = v % p;
  if (abs128(r) * 2 >= p)
    q += v < 0 ? -1 : 1;
  return q;
}

/* The decimal m * 10^-s (any s >= 0, any m), rounded to fit. */
static int fit(i128 m, int s, eng_dec *out) {
  while (s > ENG_DEC_MAX_SCALE || (s > 0 && abs128(m) >= DEC_LIMIT)) {
    int k = s > ENG_DEC_MAX_SCALE ? s - ENG_DEC_MAX_SCALE : 1;
    m = div_round(m, k);
    s -= k;
  }
  while (s > 0 && m % 10 == 0) {
    m /= 10;
    s--;
  }
  if (m == 0)
    s = 0;
  if (abs128(m) >= DEC_LIMIT)
    return CREDO_RANGE;
  out->m = (int64_t)m;
  out->s = s;
  return CREDO_OK;
}

int eng_dec_from_int(int64_t i, eng_dec *out) {
  return fit(i, 0, out);
}

int eng_dec_parse(const char *p, size_t n, eng_dec *out) {
  const char *end = p + n;
  i128 m = 0;
  int neg = 0, s = 0, digits = 0, any = 0, exp = 0, frac = 0;
  if (p < end && (*p == '+' || *p == '-'))
    neg = *p++ == '-';
  for (; p < end && ((*p >= '0' && *p <= '9') || (*p == '.' && !frac)); p++) {
    if (*p == '.') {
      frac = 1;
      continue;
    }
    any = 1;
    if (m || *p != '0')
      digits++;
    if (digits > 36) /* i128 holds 38 digits; a decimal needs 18 */
      return CREDO_RANGE;
    m = m * 10 + (*p - '0');
    s += frac;
  }
  if (!any)
    return CREDO_INVALID;
  if (p < end && (*p == 'e' || *p == 'E')) {
    int eneg = 0, edig = 0;
    p++;
    if (p < end && (*p == '+' || *p == '-'))
      eneg = *p++ == '-';
    for (; p < end && *p >= '0' && *p <= '9'; p++, edig++)
      if ((exp = exp * 10 + (*p - '0')) > 100)
        return CREDO_RANGE;
    if (!edig)
      return CREDO_INVALID;
    exp = eneg ? -exp : exp;
  }
  if (p != end)
    return CREDO_INVALID;
  for (s -= exp; s < 0; s++)
    if (abs128(m *= 10) >= DEC_LIMIT)
      return CREDO_RANGE;
  while (s > 0 && m % 10 == 0) {
    m /= 10;
    s--;
  }
  if (m == 0)
    s = 0;
  if (abs128(m) >= DEC_LIMIT || s > ENG_DEC_MAX_SCALE)
    return CREDO_RANGE;
  return fit(neg ? -m : m, s, out);
}

int eng_dec_from_double(double r, eng_dec *out) {
  char tmp[40];
  if (!isfinite(r) || fabs(r) >= 1e18)
    return CREDO_RANGE;
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, r);
    if (strtod(tmp, NULL) == r)
      break;
  }
  return eng_dec_parse(tmp, strlen(tmp), out);
}

double eng_dec_to_double(eng_dec d) {
  char tmp[ENG_DEC_TEXT_MAX];
  eng_dec_format(d, tmp, sizeof tmp);
  return strtod(tmp, NULL); /* correctly rounded, unlike m / 10^s */
}

int64_t eng_dec_to_int(eng_dec d) {
  return (int64_t)div_round(d.m, d.s);
}

size_t eng_dec_format(eng_dec d, char *buf, size_t n) {
  char digits[24], tmp[ENG_DEC_TEXT_MAX], *w = tmp;
  uint64_t u = d.m < 0 ? 0 - (uint64_t)d.m : (uint64_t)d.m;
  int nd = 0;
  do
    digits[nd++] = (char)('0' + u % 10);
  while (u /= 10);
  if (d.m < 0)
    *w++ = '-';
  if (nd <= d.s) { /* 0.00ddd */
    *w++ = '0';
    *w++ = '.';
    for (int i = 0; i < d.s - nd; i++)
      *w++ = '0';
  }
  for (int i = nd - 1; i >= 0; i--) {
    *w++ = digits[i];
    if (i == d.s && i > 0)
      *w++ = '.';
  }
  *w = '\0';
  if (n)
    snprintf(buf, n, "%s", tmp);
  return (size_t)(w - tmp);
}

/* a and b on the larger of their scales. */
static int align(eng_dec a, eng_dec b, i128 *x, i128 *y) {
  int s = a.s > b.s ? a.s : b.s;
  *x = (i128)a.m * pow10_128(s - a.s);
  *y = (i128)b.m * pow10_128(s - b.s);
  return s;
}

int eng_dec_add(eng_dec a, eng_dec b, eng_dec *out) {
  i128 x, y;
  int s = align(a, b, &x, &y);
  return fit(x + y, s, out);
}

int eng_dec_sub(eng_dec a, eng_dec b, eng_dec *out) {
  i128 x, y;
  int s = align(a, b, &x, &y);
  return fit(x - y, s, out);
}

int eng_dec_mul(eng_dec a, eng_dec b, eng_dec *out) {
  return fit((i128)a.m * b.m, a.s + b.s, out);
}

/* (m / 10^s) / (dm / 10^ds) with as many digits as a decimal holds. */
static int div128(i128 m, int s, i128 dm, int ds, eng_dec *out) {
  int k = 0;
  if (dm == 0)
    return CREDO_RANGE;
  /* scale the dividend up while it stays far from overflow */
  while (k < 38 && abs128(m) < pow10_128(36)) {
    m *= 10;
    k++;
  }
  /* result = (m / dm) * 10^-(s + k - ds); one extra digit for rounding */
  {
    i128 q = m / dm, r = m % dm;
    int rs = s + k - ds;
    if (abs128(r) * 2 >= abs128(dm))
      q += (m < 0) != (dm < 0) ? -1 : 1;
    for (; rs < 0; rs++)
      q *= 10;
    return fit(q, rs, out);
  }
}

int eng_dec_div(eng_dec a, eng_dec b, eng_dec *out) {
  return div128(a.m, a.s, b.m, b.s, out);
}

int eng_dec_mod(eng_dec a, eng_dec b, eng_dec *out) {
  i128 x, y;
  int s = align(a, b, &x, &y);
  if (y == 0)
    return CREDO_RANGE;
  return fit(x % y, s, out);
}

int eng_dec_cmp(eng_dec a, eng_dec b) {
  i128 x, y;
  align(a, b, &x, &y);
  return (x > y) - (x < y);
}

eng_dec eng_dec_neg(eng_dec a) {
  a.m = -a.m;
  return a;
}

int eng_dec_round(eng_dec a, int places, int mode, eng_dec *out) {
  i128 m = a.m, p, q, r;
  int drop = a.s - places;
  if (drop <= 0)
    return fit(m, a.s, out);
  if (drop > 36)
    return fit(0, 0, out);
  p = pow10_128(drop);
  q = m / p;
  r = m % p;
  if (mode == 0 && abs128(r) * 2 >= p)
    q += m < 0 ? -1 : 1;
  else if (mode < 0 && r < 0)
    q -= 1;
  else if (mode > 0 && r > 0)
    q += 1;
  if (places >= 0)
    return fit(q, places, out);
  return fit(q * pow10_128(-places), 0, out);
}

int eng_dec_acc_add(eng_dec_acc *acc, eng_dec d) {
  i128 x = d.m;
  if (d.s > acc->s) {
    acc->m *= pow10_128(d.s - acc->s);
    acc->s = d.s;
  } else
    x *= pow10_128(acc->s - d.s);
  acc->m += x;
  return abs128(acc->m) < pow10_128(37) ? CREDO_OK : CREDO_RANGE;
}

int eng_dec_acc_value(const eng_dec_acc *acc, eng_dec *out) {
  return fit(acc->m, acc->s, out);
}

int eng_dec_acc_avg(const eng_dec_acc *acc, int64_t n, eng_dec *out) {
  return div128(acc->m, acc->s, n, 0, out);
}

double eng_dec_acc_double(const eng_dec_acc *acc) {
  return (double)acc->m / (double)pow10_128(acc->s);
}
