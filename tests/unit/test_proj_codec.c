/*
 * test_proj_codec.c -- the projection's segment codec (engine/
 * proj_codec.c): encode then decode gives every column back bit for bit,
 * over random columns of every shape (CONSTANT, small and large spans,
 * negative values, INT64_MIN .. INT64_MAX, GCD 1 and large, each width);
 * the narrowest encoding is chosen (OPEN for times with open ends, PATCH
 * for whole days with a few exceptions); a flipped byte in one column's
 * bytes fails decoding THAT column with CREDO_CORRUPT (naming it) while
 * the others still decode; a flipped byte in the header or directory
 * fails every decode; a truncated value, a directory pointing outside the
 * value or an exception row out of range is refused; decoding reads no
 * byte of a column it is not asked for; threads decode the same value at
 * once. CREDO_TEST_SEED replays.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <xxhash.h>

#include "proj.h"
#include "th.h"

static uint64_t seed;

typedef struct fixture {
  unsigned char *wide, *wide2, *enc;
  eng_proj_seg s, d;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  f->wide = aligned_alloc(8, ENG_PROJ_SCRATCH);
  f->wide2 = aligned_alloc(8, ENG_PROJ_SCRATCH);
  f->enc = malloc(ENG_PROJ_ENC_MAX);
  if (!f->wide || !f->wide2 || !f->enc)
    return -1;
  memset(f->wide, 0, ENG_PROJ_SCRATCH);
  eng_proj_seg_view(&f->s, f->wide);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  free(f->wide);
  free(f->wide2);
  free(f->enc);
  free(f);
  return 0;
}

/* Shapes of a random column. */
enum {
  S_CONST,
  S_SMALL,
  S_GCD,
  S_NEG,
  S_EXTREME,
  S_OPEN,
  S_PATCH,
  S_RANDOM,
  S_NSHAPES
};

/* Fills column c (full width) with values of `shape`. */
static void fill_col(fixture *f, int c, int shape) {
  unsigned char *p = f->wide + ENG_PROJ_WIDE_OFF(c);
  int w = ENG_PROJ_COL_WIDTH(c);
  uint64_t base = th_rnd(&seed), step = 1 + th_rnd(&seed) % 1000000,
           span = 1ULL << (th_rnd(&seed) % 40);
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++) {
    uint64_t v;
    switch (shape) {
    case S_CONST:
      v = base;
      break;
    case S_SMALL:
      v = base + th_rnd(&seed) % 200;
      break;
    case S_GCD: /* whole days in µs, a large GCD */
      v = base + (th_rnd(&seed) % span) * step * 86400000000ULL;
      break;
    case S_NEG:
      v = (uint64_t) - (int64_t)(th_rnd(&seed) % span);
      break;
    case S_EXTREME: {
      static const uint64_t X[] = {(uint64_t)INT64_MIN, (uint64_t)INT64_MAX, 0,
                                   (uint64_t)-1};
      v = X[th_rnd(&seed) % 4];
      break;
    }
    case S_PATCH: /* whole days but a few µs (corrections), a few zeros */
      v = th_rnd(&seed) % 50 == 0 ? th_rnd(&seed) % span
          : th_rnd(&seed) % 90 == 0
              ? 0
              : 1577836800000000ULL + (th_rnd(&seed) % 3000) * 86400000000ULL;
      break;
    case S_OPEN: /* public_until: days, some open (INT64_MAX) */
      v = th_rnd(&seed) % 3 == 0
              ? (uint64_t)INT64_MAX
              : base + (th_rnd(&seed) % span) * 86400000000ULL;
      break;
    default:
      v = th_rnd(&seed);
    }
    if (w == 8)
      memcpy(p + 8 * i, &v, 8);
    else if (w == 4) {
      uint32_t x = (uint32_t)v;
      memcpy(p + 4 * i, &x, 4);
    } else
      p[i] = (unsigned char)v;
  }
}

/* Flags with some rows present, so that the zone maps vary. */
static void random_segment(fixture *f) {
  for (int c = 0; c < ENG_PROJ_NCOLS; c++)
    fill_col(f, c, (int)(th_rnd(&seed) % S_NSHAPES));
  eng_proj_seg_stats(&f->s);
}

static size_t encode(fixture *f) {
  size_t len = eng_proj_encode(&f->s, f->enc);
  assert_true(len >= ENG_PROJ_BLOBS && len <= ENG_PROJ_ENC_MAX);
  return len;
}

static void assert_same(fixture *f, unsigned mask) {
  for (int c = 0; c < ENG_PROJ_NCOLS; c++) {
    size_t off = ENG_PROJ_WIDE_OFF(c),
           n = (size_t)ENG_PROJ_COL_WIDTH(c) * ENG_PROJ_SEG_ROWS;
    if (mask & ENG_PROJ_BIT(c)) {
      if (memcmp(f->wide + off, f->wide2 + off, n) != 0)
        fail_msg("CREDO_TEST_SEED: column %s differs", eng_proj_col_name(c));
    }
  }
  assert_int_equal(f->d.rows, f->s.rows);
  assert_true(f->d.occ_min == f->s.occ_min && f->d.occ_max == f->s.occ_max &&
              f->d.until_max == f->s.until_max && f->d.rec_max == f->s.rec_max);
}

static void test_round_trip(void **state) {
  fixture *f = *state;
  for (int round = 0; round < 300; round++) {
    random_segment(f);
    size_t len = encode(f);
    memset(f->wide2, 0xAA, ENG_PROJ_SCRATCH);
    assert_int_equal(
        eng_proj_decode(f->enc, len, ENG_PROJ_ALL, &f->d, f->wide2, NULL),
        CREDO_OK);
    assert_same(f, ENG_PROJ_ALL);
    assert_ptr_equal(
        f->d.type,
        (uint32_t *)(void *)(f->wide2 + ENG_PROJ_WIDE_OFF(ENG_PROJ_COL_TYPE)));
  }
}

/* The directory entry of column c in an encoded value. */
static const unsigned char *dir(const fixture *f, int c) {
  return f->enc + ENG_PROJ_HDR_LEN + (size_t)c * ENG_PROJ_DIR_LEN;
}

/* Each shape gets the encoding it should: width and step. */
static void test_narrowest(void **state) {
  fixture *f = *state;
  int c = ENG_PROJ_COL_OCCURRED;
  int64_t *o = f->s.occurred;
  random_segment(f);
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    o[i] = -5;
  encode(f);
  assert_int_equal(dir(f, c)[ENG_PROJ_D_ENC], ENG_PROJ_ENC_CONST);
  assert_int_equal(dir(f, c)[ENG_PROJ_D_WIDTH], 0);
  /* whole days from 2020: GCD 86,400,000,000, 200 days: width 1 */
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    o[i] = 1577836800000000LL + (int64_t)(i % 200) * 86400000000LL;
  encode(f);
  assert_int_equal(dir(f, c)[ENG_PROJ_D_ENC], ENG_PROJ_ENC_FOR);
  assert_int_equal(dir(f, c)[ENG_PROJ_D_WIDTH], 1);
  uint64_t step;
  memcpy(&step, dir(f, c) + ENG_PROJ_D_STEP, 8);
  assert_int_equal(step, 86400000000ULL);
  /* a span of 1,000 with GCD 1: width 2; of 2^20: width 4 */
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    o[i] = -500 + (int64_t)(i % 1001);
  encode(f);
  assert_int_equal(dir(f, c)[ENG_PROJ_D_WIDTH], 2);
  o[7] = 1 << 20;
  encode(f);
  assert_int_equal(dir(f, c)[ENG_PROJ_D_WIDTH], 4);
  /* INT64_MIN and INT64_MAX together: width 8, still exact */
  o[3] = INT64_MIN;
  o[4] = INT64_MAX;
  size_t len = encode(f);
  assert_int_equal(dir(f, c)[ENG_PROJ_D_WIDTH], 8);
  assert_int_equal(
      eng_proj_decode(f->enc, len, ENG_PROJ_BIT(c), &f->d, f->wide2, NULL),
      CREDO_OK);
  assert_true(f->d.occurred[3] == INT64_MIN && f->d.occurred[4] == INT64_MAX &&
              f->d.occurred[7] == 1 << 20 && f->d.occurred[8] == -500 + 8);
  assert_null(f->d.type); /* not asked */
  /* open ends beside whole days: OPEN, width 1, INT64_MAX kept */
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    o[i] = i % 2 ? INT64_MAX
                 : 1577836800000000LL + (int64_t)(i % 254) * 86400000000LL;
  len = encode(f);
  assert_int_equal(dir(f, c)[ENG_PROJ_D_ENC], ENG_PROJ_ENC_OPEN);
  assert_int_equal(dir(f, c)[ENG_PROJ_D_WIDTH], 1);
  assert_int_equal(
      eng_proj_decode(f->enc, len, ENG_PROJ_BIT(c), &f->d, f->wide2, NULL),
      CREDO_OK);
  assert_memory_equal(f->d.occurred, o, ENG_PROJ_C8);
  /* 256 distinct days leave no code for INT64_MAX at width 1 */
  o[1001] = 1577836800000000LL + 255 * 86400000000LL;
  len = encode(f);
  assert_int_equal(dir(f, c)[ENG_PROJ_D_WIDTH], 2);
  assert_int_equal(
      eng_proj_decode(f->enc, len, ENG_PROJ_BIT(c), &f->d, f->wide2, NULL),
      CREDO_OK);
  assert_memory_equal(f->d.occurred, o, ENG_PROJ_C8);
  /* one value besides the open ends; only open ends: CONSTANT */
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    o[i] = i % 3 ? INT64_MAX : -7;
  len = encode(f);
  assert_int_equal(dir(f, c)[ENG_PROJ_D_ENC], ENG_PROJ_ENC_OPEN);
  assert_int_equal(
      eng_proj_decode(f->enc, len, ENG_PROJ_BIT(c), &f->d, f->wide2, NULL),
      CREDO_OK);
  assert_memory_equal(f->d.occurred, o, ENG_PROJ_C8);
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    o[i] = INT64_MAX;
  encode(f);
  assert_int_equal(dir(f, c)[ENG_PROJ_D_ENC], ENG_PROJ_ENC_CONST);
  /* whole days from 1970 (zeros: absent rows) but for a few µs: PATCH */
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    o[i] = i % 100 == 7 ? 1700000000123456LL + (int64_t)i
           : i == 0     ? 0
                    : 1577836800000000LL + (int64_t)(i % 900) * 172800000000LL;
  len = encode(f);
  assert_int_equal(dir(f, c)[ENG_PROJ_D_ENC], ENG_PROJ_ENC_PATCH);
  assert_int_equal(dir(f, c)[ENG_PROJ_D_WIDTH], 2);
  uint16_t nex;
  memcpy(&nex, dir(f, c) + ENG_PROJ_D_NEX, 2);
  assert_int_equal(nex, 11);
  assert_int_equal(
      eng_proj_decode(f->enc, len, ENG_PROJ_BIT(c), &f->d, f->wide2, NULL),
      CREDO_OK);
  assert_memory_equal(f->d.occurred, o, ENG_PROJ_C8);
  /* too many exceptions: plain frame of reference */
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    o[i] = i % 3 ? 1700000000123456LL + (int64_t)i : 1577836800000000LL;
  encode(f);
  assert_int_equal(dir(f, c)[ENG_PROJ_D_ENC], ENG_PROJ_ENC_FOR);
  /* u32 ids of a segment: base + width 1 */
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    f->s.subject[i] = 3000000000u + (uint32_t)(i % 100);
  encode(f);
  assert_int_equal(dir(f, ENG_PROJ_COL_SUBJECT)[ENG_PROJ_D_WIDTH], 1);
}

/* A flipped byte in one column's blob fails that column only. */
static void test_damaged_column(void **state) {
  fixture *f = *state;
  random_segment(f);
  fill_col(f, ENG_PROJ_COL_TYPE, S_SMALL); /* a blob to damage */
  size_t len = encode(f);
  const unsigned char *d = dir(f, ENG_PROJ_COL_TYPE);
  uint32_t off;
  int bad = 99;
  memcpy(&off, d + ENG_PROJ_D_OFF, 4);
  f->enc[off + th_rnd(&seed) % ENG_PROJ_SEG_ROWS] ^= 0x10;
  assert_int_equal(
      eng_proj_decode(f->enc, len, ENG_PROJ_ALL, &f->d, f->wide2, &bad),
      CREDO_CORRUPT);
  assert_int_equal(bad, ENG_PROJ_COL_TYPE);
  assert_string_equal(eng_proj_col_name(bad), "type");
  unsigned others = ENG_PROJ_ALL & ~ENG_PROJ_BIT(ENG_PROJ_COL_TYPE);
  assert_int_equal(eng_proj_decode(f->enc, len, others, &f->d, f->wide2, &bad),
                   CREDO_OK);
  assert_same(f, others);
}

/* A flipped byte anywhere in header, directory or their sum fails every
 * decode, even one asking no column. */
static void test_damaged_directory(void **state) {
  fixture *f = *state;
  for (size_t at = 0; at < ENG_PROJ_BLOBS; at += 1 + th_rnd(&seed) % 7) {
    random_segment(f);
    size_t len = encode(f);
    int bad = 99;
    f->enc[at] ^= (unsigned char)(1u << (th_rnd(&seed) % 8));
    assert_int_equal(eng_proj_decode(f->enc, len, 0, &f->d, f->wide2, &bad),
                     CREDO_CORRUPT);
    assert_int_equal(bad, -1);
  }
}

/* Short values, other layouts, and a directory pointing outside the
 * value (sum recomputed, as a bug in a writer would leave it) fail. */
static void test_malformed(void **state) {
  fixture *f = *state;
  random_segment(f);
  fill_col(f, ENG_PROJ_COL_FLAGS, S_RANDOM);
  size_t len = encode(f);
  assert_int_equal(
      eng_proj_decode(f->enc, ENG_PROJ_BLOBS - 1, 0, &f->d, f->wide2, NULL),
      CREDO_CORRUPT);
  assert_int_equal(
      eng_proj_decode(f->enc, len - 1, ENG_PROJ_ALL, &f->d, f->wide2, NULL),
      CREDO_CORRUPT);
  assert_int_equal(eng_proj_decode(NULL, 0, 0, &f->d, f->wide2, NULL),
                   CREDO_CORRUPT);
  unsigned char *d =
      f->enc + ENG_PROJ_HDR_LEN + (size_t)ENG_PROJ_COL_FLAGS * ENG_PROJ_DIR_LEN;
  uint32_t off = (uint32_t)len; /* the blob past the end */
  memcpy(d + ENG_PROJ_D_OFF, &off, 4);
  uint64_t sum = XXH3_64bits(f->enc, ENG_PROJ_META_SUM);
  memcpy(f->enc + ENG_PROJ_META_SUM, &sum, 8);
  assert_int_equal(eng_proj_decode(f->enc, len, 0, &f->d, f->wide2, NULL),
                   CREDO_CORRUPT);
}

/* A PATCH exception naming a row past the segment (sums resealed, as a
 * writer's bug would leave it) fails that column. */
static void test_patch_row_out_of_range(void **state) {
  fixture *f = *state;
  int c = ENG_PROJ_COL_UNTIL, bad = 99;
  random_segment(f);
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    f->s.until[i] = i == 5 ? 123 : (int64_t)(i % 300) * 86400000000LL;
  size_t len = encode(f);
  unsigned char *d = f->enc + ENG_PROJ_HDR_LEN + (size_t)c * ENG_PROJ_DIR_LEN;
  assert_int_equal(d[ENG_PROJ_D_ENC], ENG_PROJ_ENC_PATCH);
  uint32_t off;
  memcpy(&off, d + ENG_PROJ_D_OFF, 4);
  uint16_t row = ENG_PROJ_SEG_ROWS; /* the one exception's row */
  size_t at = off + (size_t)d[ENG_PROJ_D_WIDTH] * ENG_PROJ_SEG_ROWS;
  memcpy(f->enc + at, &row, 2);
  uint64_t sum = XXH3_64bits_withSeed(
      f->enc + off, (size_t)d[ENG_PROJ_D_WIDTH] * ENG_PROJ_SEG_ROWS + 10,
      (XXH64_hash_t)c + 1);
  memcpy(d + ENG_PROJ_D_SUM, &sum, 8);
  sum = XXH3_64bits(f->enc, ENG_PROJ_META_SUM);
  memcpy(f->enc + ENG_PROJ_META_SUM, &sum, 8);
  assert_int_equal(
      eng_proj_decode(f->enc, len, ENG_PROJ_BIT(c), &f->d, f->wide2, &bad),
      CREDO_CORRUPT);
  assert_int_equal(bad, c);
  assert_int_equal(
      eng_proj_decode(f->enc, len, ENG_PROJ_BIT(c - 1), &f->d, f->wide2, &bad),
      CREDO_OK);
}

/* Decoding reads nothing of a column it is not asked for: the other
 * blobs may be garbage. */
static void test_reads_only_asked(void **state) {
  fixture *f = *state;
  random_segment(f);
  fill_col(f, ENG_PROJ_COL_FLAGS, S_SMALL);
  size_t len = encode(f);
  const unsigned char *d = dir(f, ENG_PROJ_COL_FLAGS);
  uint32_t off;
  memcpy(&off, d + ENG_PROJ_D_OFF, 4);
  unsigned char *v = malloc(len);
  assert_non_null(v);
  memset(v, 0x5A, len); /* everything but header, directory and flags */
  memcpy(v, f->enc, ENG_PROJ_BLOBS);
  memcpy(v + off, f->enc + off, ENG_PROJ_SEG_ROWS);
  assert_int_equal(eng_proj_decode(v, len, ENG_PROJ_BIT(ENG_PROJ_COL_FLAGS),
                                   &f->d, f->wide2, NULL),
                   CREDO_OK);
  assert_memory_equal(f->d.flags, f->s.flags, ENG_PROJ_SEG_ROWS);
  free(v);
}

/* Threads decoding the same value at once, each into its own scratch,
 * all get the segment back (the API is pure: no shared state). */
typedef struct job {
  const unsigned char *val;
  size_t len;
  const unsigned char *want;
  int bad;
} job;

static void *decode_many(void *arg) {
  job *j = arg;
  unsigned char *wide = aligned_alloc(8, ENG_PROJ_SCRATCH);
  eng_proj_seg s;
  if (!wide) {
    j->bad = 1;
    return NULL;
  }
  for (int round = 0; round < 300 && !j->bad; round++) {
    unsigned mask = round % 2 ? ENG_PROJ_ALL : ENG_PROJ_BIT(round % 14);
    if (eng_proj_decode(j->val, j->len, mask, &s, wide, NULL) != CREDO_OK)
      j->bad = 1;
    for (int c = 0; c < ENG_PROJ_NCOLS; c++)
      if ((mask & ENG_PROJ_BIT(c)) &&
          memcmp(wide + ENG_PROJ_WIDE_OFF(c), j->want + ENG_PROJ_WIDE_OFF(c),
                 (size_t)ENG_PROJ_COL_WIDTH(c) * ENG_PROJ_SEG_ROWS) != 0)
        j->bad = 1;
  }
  free(wide);
  return NULL;
}

static void test_threads(void **state) {
  fixture *f = *state;
  pthread_t th[4];
  job jobs[4];
  random_segment(f);
  size_t len = encode(f);
  for (int t = 0; t < 4; t++) {
    jobs[t] = (job){f->enc, len, f->wide, 0};
    assert_int_equal(pthread_create(&th[t], NULL, decode_many, &jobs[t]), 0);
  }
  for (int t = 0; t < 4; t++) {
    assert_int_equal(pthread_join(th[t], NULL), 0);
    assert_int_equal(jobs[t].bad, 0);
  }
}

int main(void) {
  seed = th_seed("test_proj_codec");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_narrowest, setup, teardown),
      cmocka_unit_test_setup_teardown(test_damaged_column, setup, teardown),
      cmocka_unit_test_setup_teardown(test_damaged_directory, setup, teardown),
      cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reads_only_asked, setup, teardown),
      cmocka_unit_test_setup_teardown(test_patch_row_out_of_range, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
