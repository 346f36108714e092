/*
 * test_keys.c -- property tests of the key encodings (storage/keys.c).
 *
 * For thousands of random values (with the extremes mixed in), the order
 * LMDB sees (memcmp over the shorter length, then shorter first) must be
 * the order of the values, field by field for composite keys; decoders
 * must give the values back; fields that do not fit must set overflow.
 * The PRNG seed is printed; CREDO_TEST_SEED=<n> replays a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "stor.h"
#include "th.h"

#define ROUNDS 20000

static uint64_t rng_state;

static uint64_t rnd(void) {
  return th_rnd(&rng_state);
}

static int setup_seed(void **state) {
  (void)state;
  rng_state = th_seed("test_keys");
  return 0;
}

/* What LMDB's default comparison does. */
static int lmdb_cmp(const stor_key *a, const stor_key *b) {
  size_t n = a->len < b->len ? a->len : b->len;
  int c = memcmp(a->buf, b->buf, n);

  if (c)
    return c < 0 ? -1 : 1;
  return a->len < b->len ? -1 : a->len > b->len;
}

static int sign(int c) {
  return (c > 0) - (c < 0);
}

static uint64_t rnd_u64(void) {
  static const uint64_t edge[] = {0,
                                  1,
                                  2,
                                  0xff,
                                  0x100,
                                  UINT32_MAX,
                                  (uint64_t)UINT32_MAX + 1,
                                  INT64_MAX,
                                  (uint64_t)INT64_MAX + 1,
                                  UINT64_MAX - 1,
                                  UINT64_MAX};
  uint64_t r = rnd();

  switch (r % 4) {
  case 0:
    return edge[rnd() % (sizeof edge / sizeof edge[0])];
  case 1:
    return rnd() >> (rnd() % 64); /* small values too */
  default:
    return rnd();
  }
}

static int64_t rnd_i64(void) {
  static const int64_t edge[] = {
      INT64_MIN, INT64_MIN + 1, -2,        -1,       0,      1,
      2,         INT64_MAX - 1, INT64_MAX, -1000000, 1000000};
  uint64_t u;

  if (rnd() % 4 == 0)
    return edge[rnd() % (sizeof edge / sizeof edge[0])];
  u = rnd_u64();
  return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

/* Random string without NUL: a small alphabet (so prefixes and ties are
 * common) with bytes >= 0x80 in it, or any byte 1..255. */
static void rnd_str(char *s, size_t max) {
  static const unsigned char small[] = {'a', 'b', 0x01, 0x7f, 0x80, 0xff};
  size_t n = rnd() % (max + 1), i;
  int wide = rnd() % 2;

  for (i = 0; i < n; i++)
    s[i] = (char)(wide ? 1 + rnd() % 255 : small[rnd() % sizeof small]);
  s[n] = '\0';
}

/* Often makes b a prefix or an extension of a. */
static void rnd_str_pair(char *a, char *b, size_t max) {
  rnd_str(a, max);
  switch (rnd() % 4) {
  case 0:
    strcpy(b, a);
    b[rnd() % (strlen(a) + 1)] = '\0';
    break;
  case 1:
    strcpy(b, a);
    rnd_str(b + strlen(b), max - strlen(b) < 3 ? max - strlen(b) : 3);
    break;
  default:
    rnd_str(b, max);
  }
}

static int cmp_u64(uint64_t a, uint64_t b) {
  return (a > b) - (a < b);
}

static int cmp_i64(int64_t a, int64_t b) {
  return (a > b) - (a < b);
}

static void test_u32_order_roundtrip(void **state) {
  stor_key a, b;
  uint32_t x, y;
  int i;

  (void)state;
  for (i = 0; i < ROUNDS; i++) {
    x = (uint32_t)rnd_u64();
    y = i % 3 ? (uint32_t)rnd_u64() : x;
    stor_key_init(&a);
    stor_key_init(&b);
    stor_key_u32(&a, x);
    stor_key_u32(&b, y);
    assert_int_equal(a.len, 4);
    assert_int_equal(lmdb_cmp(&a, &b), cmp_u64(x, y));
    assert_int_equal(stor_dec_u32(a.buf), x);
  }
}

static void test_u64_order_roundtrip(void **state) {
  stor_key a, b;
  uint64_t x, y;
  int i;

  (void)state;
  for (i = 0; i < ROUNDS; i++) {
    x = rnd_u64();
    y = i % 3 ? rnd_u64() : x;
    stor_key_init(&a);
    stor_key_init(&b);
    stor_key_u64(&a, x);
    stor_key_u64(&b, y);
    assert_int_equal(a.len, 8);
    assert_int_equal(lmdb_cmp(&a, &b), cmp_u64(x, y));
    assert_true(stor_dec_u64(a.buf) == x);
  }
}

static void test_i64_order_roundtrip(void **state) {
  stor_key a, b;
  int64_t x, y;
  int i;

  (void)state;
  for (i = 0; i < ROUNDS; i++) {
    x = rnd_i64();
    y = i % 3 ? rnd_i64() : x;
    stor_key_init(&a);
    stor_key_init(&b);
    stor_key_i64(&a, x);
    stor_key_i64(&b, y);
    assert_int_equal(a.len, 8);
    assert_int_equal(lmdb_cmp(&a, &b), cmp_i64(x, y));
    assert_true(stor_dec_i64(a.buf) == x);
    assert_true(stor_dec_i64(b.buf) == y);
  }
}

static void test_i64_extremes_bytes(void **state) {
  static const unsigned char min[8] = {0}, max[8] = {0xff, 0xff, 0xff, 0xff,
                                                     0xff, 0xff, 0xff, 0xff};
  static const unsigned char zero[8] = {0x80, 0, 0, 0, 0, 0, 0, 0};
  stor_key k;

  (void)state;
  stor_key_init(&k);
  stor_key_i64(&k, INT64_MIN);
  assert_memory_equal(k.buf, min, 8);
  stor_key_init(&k);
  stor_key_i64(&k, INT64_MAX);
  assert_memory_equal(k.buf, max, 8);
  stor_key_init(&k);
  stor_key_i64(&k, 0);
  assert_memory_equal(k.buf, zero, 8);
}

static void test_str_order(void **state) {
  char a[40], b[40];
  stor_key ka, kb;
  int i;

  (void)state;
  for (i = 0; i < ROUNDS; i++) {
    rnd_str_pair(a, b, 30);
    stor_key_init(&ka);
    stor_key_init(&kb);
    stor_key_str(&ka, a);
    stor_key_str(&kb, b);
    assert_false(ka.overflow);
    assert_int_equal(ka.len, strlen(a) + 1);
    assert_int_equal(ka.buf[ka.len - 1], 0);
    /* strcmp compares as unsigned char, which is the order wanted */
    assert_int_equal(lmdb_cmp(&ka, &kb), sign(strcmp(a, b)));
    assert_string_equal((const char *)ka.buf, a);
  }
}

static void test_str_prefixes(void **state) {
  const char *s[] = {"", "a", "ab", "abc", "b", "\x7f", "\x80", "\xff"};
  stor_key k[8];
  size_t i;

  (void)state;
  for (i = 0; i < 8; i++) {
    stor_key_init(&k[i]);
    stor_key_str(&k[i], s[i]);
  }
  for (i = 0; i + 1 < 8; i++)
    assert_int_equal(lmdb_cmp(&k[i], &k[i + 1]), -1);
}

static void test_str_u64_composite(void **state) {
  char a[40], b[40];
  stor_key ka, kb;
  uint64_t x, y;
  int i, want;

  (void)state;
  for (i = 0; i < ROUNDS; i++) {
    rnd_str_pair(a, b, 12);
    if (i % 4 == 0)
      strcpy(b, a); /* ties on the first field */
    x = rnd_u64();
    y = rnd_u64();
    stor_key_init(&ka);
    stor_key_init(&kb);
    stor_key_str(&ka, a);
    stor_key_u64(&ka, x);
    stor_key_str(&kb, b);
    stor_key_u64(&kb, y);
    want = sign(strcmp(a, b));
    if (want == 0)
      want = cmp_u64(x, y);
    assert_int_equal(lmdb_cmp(&ka, &kb), want);
    assert_true(stor_dec_u64(ka.buf + strlen(a) + 1) == x);
  }
}

static void test_i64_u64_composite(void **state) {
  stor_key ka, kb;
  int64_t t1, t2;
  uint64_t x, y;
  int i, want;

  (void)state;
  for (i = 0; i < ROUNDS; i++) {
    t1 = rnd_i64();
    t2 = i % 3 ? rnd_i64() : t1;
    x = rnd_u64();
    y = rnd_u64();
    stor_key_init(&ka);
    stor_key_init(&kb);
    stor_key_i64(&ka, t1);
    stor_key_u64(&ka, x);
    stor_key_i64(&kb, t2);
    stor_key_u64(&kb, y);
    want = cmp_i64(t1, t2);
    if (want == 0)
      want = cmp_u64(x, y);
    assert_int_equal(ka.len, 16);
    assert_int_equal(lmdb_cmp(&ka, &kb), want);
    assert_true(stor_dec_i64(ka.buf) == t1);
    assert_true(stor_dec_u64(ka.buf + 8) == x);
  }
}

static void test_u32_u64_composite(void **state) {
  stor_key ka, kb;
  uint32_t t1, t2;
  uint64_t x, y;
  int i, want;

  (void)state;
  for (i = 0; i < ROUNDS; i++) {
    t1 = (uint32_t)rnd_u64();
    t2 = i % 3 ? (uint32_t)rnd_u64() : t1;
    x = rnd_u64();
    y = rnd_u64();
    stor_key_init(&ka);
    stor_key_init(&kb);
    stor_key_u32(&ka, t1);
    stor_key_u64(&ka, x);
    stor_key_u32(&kb, t2);
    stor_key_u64(&kb, y);
    want = cmp_u64(t1, t2);
    if (want == 0)
      want = cmp_u64(x, y);
    assert_int_equal(lmdb_cmp(&ka, &kb), want);
  }
}

static int by_lmdb(const void *a, const void *b) {
  return lmdb_cmp(a, b);
}

/* Sorting encodings sorts the values. */
static void test_sorted_encodings(void **state) {
  enum { N = 2000 };
  stor_key *k = malloc(N * sizeof *k);
  int i;

  (void)state;
  assert_non_null(k);
  for (i = 0; i < N; i++) {
    stor_key_init(&k[i]);
    stor_key_i64(&k[i], rnd_i64());
  }
  qsort(k, N, sizeof *k, by_lmdb);
  for (i = 0; i + 1 < N; i++)
    assert_true(stor_dec_i64(k[i].buf) <= stor_dec_i64(k[i + 1].buf));
  free(k);
}

static void test_overflow(void **state) {
  char s[STOR_KEY_MAX + 2];
  stor_key k;
  stor_val v;

  (void)state;
  memset(s, 'x', sizeof s);
  /* a string of STOR_KEY_MAX - 1 bytes plus its NUL fills the key */
  s[STOR_KEY_MAX - 1] = '\0';
  stor_key_init(&k);
  stor_key_str(&k, s);
  assert_false(k.overflow);
  assert_int_equal(k.len, STOR_KEY_MAX);
  stor_key_u32(&k, 1);
  assert_true(k.overflow);
  assert_int_equal(stor_key_val(&k).len, 0);

  /* one more byte does not fit */
  s[STOR_KEY_MAX - 1] = 'x';
  s[STOR_KEY_MAX] = '\0';
  stor_key_init(&k);
  stor_key_str(&k, s);
  assert_true(k.overflow);
  assert_int_equal(stor_key_val(&k).len, 0);

  /* fixed fields at the edge */
  stor_key_init(&k);
  s[STOR_KEY_MAX - 9] = '\0'; /* 502 bytes + NUL = 503; + 8 = 511 */
  stor_key_str(&k, s);
  stor_key_u64(&k, 7);
  assert_false(k.overflow);
  assert_int_equal(k.len, STOR_KEY_MAX);
  stor_key_init(&k);
  s[STOR_KEY_MAX - 9] = 'x';
  s[STOR_KEY_MAX - 8] = '\0'; /* 504 + 8 = 512 */
  stor_key_str(&k, s);
  stor_key_u64(&k, 7);
  assert_true(k.overflow);
  /* overflow sticks; later fields are ignored */
  stor_key_u32(&k, 1);
  assert_true(k.overflow);

  stor_key_init(&k);
  stor_key_str(&k, NULL);
  assert_true(k.overflow);

  stor_key_init(&k);
  stor_key_u32(&k, 5);
  v = stor_key_val(&k);
  assert_ptr_equal(v.data, k.buf);
  assert_int_equal(v.len, 4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_u32_order_roundtrip),
      cmocka_unit_test(test_u64_order_roundtrip),
      cmocka_unit_test(test_i64_order_roundtrip),
      cmocka_unit_test(test_i64_extremes_bytes),
      cmocka_unit_test(test_str_order),
      cmocka_unit_test(test_str_prefixes),
      cmocka_unit_test(test_str_u64_composite),
      cmocka_unit_test(test_i64_u64_composite),
      cmocka_unit_test(test_u32_u64_composite),
      cmocka_unit_test(test_sorted_encodings),
      cmocka_unit_test(test_overflow),
  };
  return cmocka_run_group_tests(tests, setup_seed, NULL);
}
