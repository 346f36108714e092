/*
 * keys.c -- owns the key encodings of stor.h: fields appended to a
 * stor_key so that memcmp order (shorter first on a tie) is the order of
 * the values, and their decoders.
 *
 *  - u32 / u64: big-endian;
 *  - i64: big-endian of the value with the sign bit flipped, so INT64_MIN
 *    encodes as 00..00 and INT64_MAX as FF..FF;
 *  - string: its bytes then 0x00 (strings hold no NUL), which makes a
 *    string field prefix-free: "ab\0" < "abc\0" since 0x00 < 'c'.
 *
 * Invariants: a stor_key never holds more than STOR_KEY_MAX bytes; a field
 * that does not fit sets `overflow`, writes nothing, and every later field
 * is ignored; an overflowed key reads as length 0 (refused by every call).
 *
 * Does not: check lengths when decoding (callers do).
 */
#include <string.h>

#include "stor.h"

void stor_key_init(stor_key *k) {
  k->len = 0;
  k->overflow = 0;
}

/* `n` bytes at the end of the key, or NULL (and overflow set). */
static unsigned char *grab(stor_key *k, size_t n) {
  unsigned char *p;

  if (k->overflow || n > STOR_KEY_MAX - k->len) {
    k->overflow = 1;
    return NULL;
  }
  p = k->buf + k->len;
  k->len += n;
  return p;
}

static void put_be(unsigned char *p, uint64_t v, int n) {
  int i;

  for (i = n - 1; i >= 0; i--) {
    p[i] = (unsigned char)v;
    v >>= 8;
  }
}

static uint64_t get_be(const unsigned char *p, int n) {
  uint64_t v = 0;
  int i;

  for (i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

void stor_key_u32(stor_key *k, uint32_t v) {
  unsigned char *p = grab(k, 4);

  if (p)
    put_be(p, v, 4);
}

void stor_key_u64(stor_key *k, uint64_t v) {
  unsigned char *p = grab(k, 8);

  if (p)
    put_be(p, v, 8);
}

void stor_key_i64(stor_key *k, int64_t v) {
  unsigned char *p = grab(k, 8);

  if (p)
    put_be(p, (uint64_t)v ^ ((uint64_t)1 << 63), 8);
}

void stor_key_str(stor_key *k, const char *s) {
  unsigned char *p;
  size_t n;

  if (!s) {
    k->overflow = 1;
    return;
  }
  n = strlen(s) + 1;
  if ((p = grab(k, n)) != NULL)
    memcpy(p, s, n);
}

stor_val stor_key_val(const stor_key *k) {
  stor_val v = {k->buf, k->overflow ? 0 : k->len};
  return v;
}

uint32_t stor_dec_u32(const unsigned char *p) {
  return (uint32_t)get_be(p, 4);
}

uint64_t stor_dec_u64(const unsigned char *p) {
  return get_be(p, 8);
}

int64_t stor_dec_i64(const unsigned char *p) {
  uint64_t u = get_be(p, 8) ^ ((uint64_t)1 << 63);

  if (u <= (uint64_t)INT64_MAX)
    return (int64_t)u;
  return -(int64_t)~u - 1; /* no implementation-defined conversion */
}
