/*
 * proj_codec.c -- the stored form of a projection segment (proj.h,
 * docs/storage.md "Segment value"): encoding a full-width segment into
 * header + column directory + column blobs, and decoding (verifying and
 * widening) the columns a reader asks for.
 *
 * Every column is encoded on its own, at write time, as the narrowest of:
 * CONSTANT (every row the same value: no blob), or frame of reference
 * with a common step: row = base + q * step with base the least value,
 * step the GCD of (value - base), q an unsigned integer of 1, 2, 4 or 8
 * bytes. Times that are whole days or seconds thus shrink by their GCD;
 * ids of a segment by their base. An i64 column holding INT64_MAX (an
 * open public_until) beside other values uses OPEN: frame of reference
 * over the others, and all ones at the width for INT64_MAX. An i64
 * column of whole days (or seconds) but for a few rows uses PATCH: frame
 * of reference over the whole ones, the few listed as exceptions. An i64
 * column of at most 256 distinct values (recorded: the transactions that
 * wrote a segment) uses DICT: a byte per row indexing the values. All
 * arithmetic is modulo 2^64, so a span over INT64_MIN .. INT64_MAX still
 * encodes (width 8) exactly.
 *
 * Integrity: the header and directory carry an XXH3-64, each blob its
 * own (seeded with the column number + 1, so that blobs cannot trade
 * places). eng_proj_decode verifies the header sum, the directory's
 * sanity and the sum of each column it widens, and reads no byte of the
 * others: storage hands the value out unverified (STOR_CUR_NOVERIFY).
 *
 * Invariants: encode then decode gives back every column bit for bit;
 * decode never reads outside [val, val + len).
 *
 * Does not: touch storage, allocate, or keep state (both directions are
 * pure and thread-safe).
 */
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "proj.h"

_Static_assert(ENG_PROJ_SCRATCH == 65 * 1024 && ENG_PROJ_NCOLS == 14 &&
                   ENG_PROJ_WIDE_OFF(ENG_PROJ_COL_FLAGS) == 60 * 1024,
               "docs/storage.md tables the segment for 1,024 rows, 2 fields");
_Static_assert(ENG_PROJ_META_SUM == 488 && ENG_PROJ_BLOBS == 496,
               "docs/storage.md: header 40, directory 14 x 32, sum 8");
_Static_assert(ENG_PROJ_WIDE_OFF(ENG_PROJ_COL_TYPE) % 8 == 0 &&
                   ENG_PROJ_WIDE_OFF(ENG_PROJ_COL_FLAGS) % 4 == 0,
               "full-width columns are aligned to their width");

static const char *const COL_NAMES[ENG_PROJ_NCOLS] = {
    "occurred",         "public_from",    "public_until",   "recorded",
    "amount_wan",       "authority",      "type",           "subject",
    "source",           "flags",          "amount_wan tag", "authority tag",
    "amount_wan scale", "authority scale"};
_Static_assert(ENG_PROJ_NFIELDS == 2, "COL_NAMES names two fields");
_Static_assert(ENG_PROJ_SEG_ROWS <= 65536 && ENG_PROJ_DICT_MAX <= 256 &&
                   ENG_PROJ_PATCH_MAX <= 65535,
               "PATCH rows are u16, DICT indices u8, counts u16");

const char *eng_proj_col_name(int c) {
  return c >= 0 && c < ENG_PROJ_NCOLS ? COL_NAMES[c] : "header";
}

static void put_u32(unsigned char *p, uint32_t v) {
  memcpy(p, &v, 4); /* little-endian host (proj.h) */
}
static void put_u64(unsigned char *p, uint64_t v) {
  memcpy(p, &v, 8);
}
static uint32_t get_u32(const unsigned char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
static uint64_t get_u64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

/* ------------------------------------------------------------ views */

void eng_proj_seg_view(eng_proj_seg *s, unsigned char *buf) {
  s->buf = buf;
  s->occurred = (int64_t *)(void *)(buf + ENG_PROJ_WIDE_OFF(0));
  s->from = (int64_t *)(void *)(buf + ENG_PROJ_WIDE_OFF(ENG_PROJ_COL_FROM));
  s->until = (int64_t *)(void *)(buf + ENG_PROJ_WIDE_OFF(ENG_PROJ_COL_UNTIL));
  s->recorded =
      (int64_t *)(void *)(buf + ENG_PROJ_WIDE_OFF(ENG_PROJ_COL_RECORDED));
  s->type = (uint32_t *)(void *)(buf + ENG_PROJ_WIDE_OFF(ENG_PROJ_COL_TYPE));
  s->subject =
      (uint32_t *)(void *)(buf + ENG_PROJ_WIDE_OFF(ENG_PROJ_COL_SUBJECT));
  s->source =
      (uint32_t *)(void *)(buf + ENG_PROJ_WIDE_OFF(ENG_PROJ_COL_SOURCE));
  s->flags = buf + ENG_PROJ_WIDE_OFF(ENG_PROJ_COL_FLAGS);
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++) {
    s->fval[f] =
        (int64_t *)(void *)(buf + ENG_PROJ_WIDE_OFF(ENG_PROJ_COL_FVAL0 + f));
    s->ftag[f] = buf + ENG_PROJ_WIDE_OFF(ENG_PROJ_COL_FTAG0 + f);
    s->fscale[f] = buf + ENG_PROJ_WIDE_OFF(ENG_PROJ_COL_FSCALE0 + f);
  }
}

void eng_proj_seg_stats(eng_proj_seg *s) {
  int64_t omin = INT64_MAX, omax = INT64_MIN, umax = INT64_MIN,
          rmax = INT64_MIN;
  uint32_t rows = 0;
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++) {
    if (!(s->flags[i] & ENG_PROJ_PRESENT))
      continue;
    rows++;
    omin = s->occurred[i] < omin ? s->occurred[i] : omin;
    omax = s->occurred[i] > omax ? s->occurred[i] : omax;
    umax = s->until[i] > umax ? s->until[i] : umax;
    rmax = s->recorded[i] > rmax ? s->recorded[i] : rmax;
  }
  s->rows = rows;
  s->occ_min = omin;
  s->occ_max = omax;
  s->until_max = umax;
  s->rec_max = rmax;
}

/* Column c's array in s (full width), as bytes. */
static unsigned char *col_ptr(const eng_proj_seg *s, int c) {
  return s->buf + ENG_PROJ_WIDE_OFF(c);
}

/* Row i of full-width column c (width w) as an unsigned 64-bit value
 * (i64 as its two's complement; u32 / u8 zero-extended). */
static uint64_t cell(const unsigned char *p, int w, size_t i) {
  if (w == 8)
    return ((const uint64_t *)(const void *)p)[i];
  if (w == 4)
    return ((const uint32_t *)(const void *)p)[i];
  return p[i];
}

/* -------------------------------------------------------------- encode */

static uint64_t gcd(uint64_t a, uint64_t b) {
  while (b) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* A column's encoding: ENG_PROJ_ENC_*, width (0: CONSTANT), base, step,
 * and the number of PATCH's exceptions or of DICT's values. */
typedef struct enc {
  int enc, width;
  uint64_t base, step;
  size_t nex;
  int64_t unit; /* PATCH: rows not a multiple of it are exceptions */
} enc;

/* Bytes of a PATCH exception: u16 row and i64 value. */
#define EX_LEN 10

/* Length of the blob that directory entry d describes. */
static size_t blob_len(const unsigned char *d) {
  size_t n = (size_t)d[ENG_PROJ_D_WIDTH] * ENG_PROJ_SEG_ROWS;
  uint16_t nex;
  memcpy(&nex, d + ENG_PROJ_D_NEX, 2);
  return d[ENG_PROJ_D_ENC] == ENG_PROJ_ENC_PATCH  ? n + (size_t)nex * EX_LEN
         : d[ENG_PROJ_D_ENC] == ENG_PROJ_ENC_DICT ? n + (size_t)nex * 8
                                                  : n;
}

/* Bytes of e's blob. */
static size_t enc_size(const enc *e) {
  size_t n = (size_t)e->width * ENG_PROJ_SEG_ROWS;
  return e->enc == ENG_PROJ_ENC_PATCH  ? n + e->nex * EX_LEN
         : e->enc == ENG_PROJ_ENC_DICT ? n + e->nex * 8
                                       : n;
}

/* The distinct values of i64 column p, at most ENG_PROJ_DICT_MAX, into
 * vals (first appearance order) and, when idx is not NULL, each row's
 * index into idx. Returns their number, or 0 when there are more. */
#define DICT_SLOTS (4 * ENG_PROJ_DICT_MAX)
static size_t dict_build(const unsigned char *p, uint64_t *vals,
                         unsigned char *idx) {
  int16_t slot[DICT_SLOTS];
  size_t k = 0;
  memset(slot, 0xff, sizeof slot);
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++) {
    uint64_t v = cell(p, 8, i);
    size_t j = (size_t)((v * 0x9E3779B97F4A7C15ULL) >> 54) & (DICT_SLOTS - 1);
    while (slot[j] >= 0 && vals[slot[j]] != v)
      j = (j + 1) & (DICT_SLOTS - 1);
    if (slot[j] < 0) {
      if (k == ENG_PROJ_DICT_MAX)
        return 0;
      vals[k] = v;
      slot[j] = (int16_t)k++;
    }
    if (idx)
      idx[i] = (unsigned char)slot[j];
  }
  return k;
}

/* Columns of few distinct values (recorded: the few transactions that
 * wrote a segment's rows): DICT, when smaller than e's encoding. */
static void try_dict(const unsigned char *p, enc *e) {
  uint64_t vals[ENG_PROJ_DICT_MAX];
  size_t k = dict_build(p, vals, NULL);
  if (k && ENG_PROJ_SEG_ROWS + k * 8 < enc_size(e))
    *e = (enc){ENG_PROJ_ENC_DICT, 1, 0, 1, k, 0};
}

static int width_of(uint64_t span) {
  return span <= UINT8_MAX    ? 1
         : span <= UINT16_MAX ? 2
         : span <= UINT32_MAX ? 4
                              : 8;
}

/* Times that are whole days (or seconds) but for a few rows (a
 * correction at a transaction's instant): frame of reference with step
 * `unit` over the rows that are multiples of it, the others listed as
 * exceptions. Taken when smaller than e's encoding. */
static void try_patch(const unsigned char *p, int64_t unit, enc *e) {
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  uint64_t g = 0;
  size_t nex = 0;
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++) {
    int64_t v = (int64_t)cell(p, 8, i);
    if (v % unit != 0) {
      nex++;
      continue;
    }
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  if (nex == ENG_PROJ_SEG_ROWS || nex > ENG_PROJ_PATCH_MAX)
    return;
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS && g != 1; i++)
    if ((int64_t)cell(p, 8, i) % unit == 0)
      g = gcd(cell(p, 8, i) - (uint64_t)lo, g);
  g = g ? g : (uint64_t)unit;
  int width = width_of(((uint64_t)hi - (uint64_t)lo) / g);
  if ((size_t)width * ENG_PROJ_SEG_ROWS + nex * EX_LEN >= enc_size(e))
    return;
  *e = (enc){ENG_PROJ_ENC_PATCH, width, (uint64_t)lo, g, nex, unit};
}

/* All ones at `width` bytes: the OPEN encoding's code of INT64_MAX. */
static uint64_t ones(int width) {
  return width == 8 ? UINT64_MAX : (1ULL << (8 * width)) - 1;
}

/* Chooses the encoding of column p (full width w). An i64 column that
 * holds INT64_MAX (an open public_until) beside other values encodes the
 * others by frame of reference and INT64_MAX as all ones (OPEN), so that
 * the open end does not widen the whole column to 8 bytes. */
static void choose(const unsigned char *p, int w, enc *e) {
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  uint64_t g = 0, span, reserve;
  size_t nopen = 0;
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++) {
    /* i64 columns order as signed, narrower ones as unsigned */
    int64_t v = (int64_t)cell(p, w, i);
    if (w == 8 && v == INT64_MAX) {
      nopen++;
      continue;
    }
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  e->step = 0;
  e->width = 0;
  e->nex = 0;
  e->unit = 0;
  if (nopen == ENG_PROJ_SEG_ROWS || (!nopen && lo == hi)) {
    e->enc = ENG_PROJ_ENC_CONST;
    e->base = nopen ? (uint64_t)INT64_MAX : (uint64_t)lo;
    return;
  }
  e->enc = nopen ? ENG_PROJ_ENC_OPEN : ENG_PROJ_ENC_FOR;
  e->base = (uint64_t)lo;
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS && g != 1; i++)
    if (!(nopen && (int64_t)cell(p, w, i) == INT64_MAX))
      g = gcd(cell(p, w, i) - e->base, g);
  e->step = g ? g : 1; /* g 0: the values besides INT64_MAX are equal */
  span = ((uint64_t)hi - e->base) / e->step;
  reserve = nopen ? 1 : 0; /* OPEN keeps all ones for INT64_MAX */
  e->width = width_of(span + reserve);
  if (w == 8 && e->width >= 4) {
    try_patch(p, 86400000000LL, e); /* whole days (UTC) */
    try_patch(p, 1000000LL, e);     /* whole seconds */
  }
  if (w == 8 && e->width >= 2)
    try_dict(p, e);
}

/* Writes the quotients of column p (width w) at out, e->width bytes each
 * (PATCH: an exception's is 0, and the exceptions follow: their u16 rows,
 * then their i64 values). */
static void pack(const unsigned char *p, int w, const enc *e,
                 unsigned char *out) {
  if (e->enc == ENG_PROJ_ENC_DICT) { /* indices, then the values */
    uint64_t vals[ENG_PROJ_DICT_MAX];
    size_t k = dict_build(p, vals, out);
    memcpy(out + ENG_PROJ_SEG_ROWS, vals, k * 8);
    return;
  }
  unsigned char *rows = out + (size_t)e->width * ENG_PROJ_SEG_ROWS,
                *vals = rows + 2 * e->nex;
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++) {
    uint64_t x = cell(p, w, i), q;
    if (e->enc == ENG_PROJ_ENC_PATCH && (int64_t)x % e->unit != 0) {
      uint16_t r = (uint16_t)i;
      memcpy(rows, &r, 2);
      memcpy(vals, &x, 8);
      rows += 2;
      vals += 8;
      x = e->base; /* q 0 */
    }
    q = e->enc == ENG_PROJ_ENC_OPEN && x == (uint64_t)INT64_MAX ? ones(e->width)
        : e->step == 1 ? x - e->base /* ids: no division */
                       : (x - e->base) / e->step;
    if (e->width == 1)
      out[i] = (unsigned char)q;
    else if (e->width == 2) {
      uint16_t v = (uint16_t)q;
      memcpy(out + 2 * i, &v, 2);
    } else if (e->width == 4) {
      uint32_t v = (uint32_t)q;
      memcpy(out + 4 * i, &v, 4);
    } else
      memcpy(out + 8 * i, &q, 8);
  }
}

size_t eng_proj_encode(const eng_proj_seg *s, unsigned char *out) {
  size_t at = ENG_PROJ_BLOBS;
  memset(out, 0, ENG_PROJ_BLOBS);
  out[ENG_PROJ_H_LAYOUT] = ENG_PROJ_LAYOUT;
  out[ENG_PROJ_H_NFIELDS] = ENG_PROJ_NFIELDS;
  out[ENG_PROJ_H_NCOLS] = ENG_PROJ_NCOLS;
  put_u32(out + ENG_PROJ_H_ROWS, s->rows);
  put_u64(out + ENG_PROJ_H_OCC_MIN, (uint64_t)s->occ_min);
  put_u64(out + ENG_PROJ_H_OCC_MAX, (uint64_t)s->occ_max);
  put_u64(out + ENG_PROJ_H_UNTIL_MAX, (uint64_t)s->until_max);
  put_u64(out + ENG_PROJ_H_REC_MAX, (uint64_t)s->rec_max);
  for (int c = 0; c < ENG_PROJ_NCOLS; c++) {
    unsigned char *d = out + ENG_PROJ_HDR_LEN + (size_t)c * ENG_PROJ_DIR_LEN;
    const unsigned char *p = col_ptr(s, c);
    int w = ENG_PROJ_COL_WIDTH(c);
    enc e;
    choose(p, w, &e);
    d[ENG_PROJ_D_ENC] = (unsigned char)e.enc;
    d[ENG_PROJ_D_WIDTH] = (unsigned char)e.width;
    if (e.enc == ENG_PROJ_ENC_PATCH || e.enc == ENG_PROJ_ENC_DICT) {
      uint16_t nex = (uint16_t)e.nex;
      memcpy(d + ENG_PROJ_D_NEX, &nex, 2);
    }
    put_u64(d + ENG_PROJ_D_BASE, e.base);
    put_u64(d + ENG_PROJ_D_STEP, e.step);
    if (!e.width)
      continue; /* offset and sum stay 0 */
    put_u32(d + ENG_PROJ_D_OFF, (uint32_t)at);
    pack(p, w, &e, out + at);
    put_u64(d + ENG_PROJ_D_SUM,
            XXH3_64bits_withSeed(out + at, blob_len(d), (XXH64_hash_t)c + 1));
    at += blob_len(d);
  }
  put_u64(out + ENG_PROJ_META_SUM, XXH3_64bits(out, ENG_PROJ_META_SUM));
  return at;
}

/* -------------------------------------------------------------- decode */

/* Widens n quotients of `width` bytes at q into out (w bytes per row):
 * base + q * step, modulo 2^64, truncated to w bytes. One loop per
 * (width, w) pair so that the compiler vectorizes each. */
#define WIDEN(QT, OT)                                                          \
  do {                                                                         \
    OT *restrict o = (OT *)out;                                                \
    if (step == 1) /* ids, tags: no multiply, so it vectorizes */              \
      for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++) {                         \
        QT v;                                                                  \
        memcpy(&v, q + i * sizeof(QT), sizeof(QT));                            \
        o[i] = (OT)(base + (uint64_t)v);                                       \
      }                                                                        \
    else                                                                       \
      for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++) {                         \
        QT v;                                                                  \
        memcpy(&v, q + i * sizeof(QT), sizeof(QT));                            \
        o[i] = (OT)(base + (uint64_t)v * step);                                \
      }                                                                        \
  } while (0)

#define WIDEN_OUT(QT)                                                          \
  do {                                                                         \
    if (w == 8)                                                                \
      WIDEN(QT, uint64_t);                                                     \
    else if (w == 4)                                                           \
      WIDEN(QT, uint32_t);                                                     \
    else                                                                       \
      WIDEN(QT, uint8_t);                                                      \
  } while (0)

/* OPEN: all ones is INT64_MAX (i64 columns only). */
#define WIDEN_OPEN(QT)                                                         \
  do {                                                                         \
    uint64_t *o = (uint64_t *)out;                                             \
    const QT top = (QT)ones((int)sizeof(QT));                                  \
    for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++) {                           \
      QT v;                                                                    \
      memcpy(&v, q + i * sizeof(QT), sizeof(QT));                              \
      o[i] = v == top ? (uint64_t)INT64_MAX : base + (uint64_t)v * step;       \
    }                                                                          \
  } while (0)

static void widen_open(const unsigned char *restrict q, int width,
                       uint64_t base, uint64_t step, void *restrict out) {
  if (width == 1)
    WIDEN_OPEN(uint8_t);
  else if (width == 2)
    WIDEN_OPEN(uint16_t);
  else if (width == 4)
    WIDEN_OPEN(uint32_t);
  else
    WIDEN_OPEN(uint64_t);
}

static void widen(const unsigned char *restrict q, int width, uint64_t base,
                  uint64_t step, int w, void *restrict out) {
  if (width == 1)
    WIDEN_OUT(uint8_t);
  else if (width == 2)
    WIDEN_OUT(uint16_t);
  else if (width == 4)
    WIDEN_OUT(uint32_t);
  else
    WIDEN_OUT(uint64_t);
}

static void fill(uint64_t v, int w, void *out) {
  if (w == 1) {
    memset(out, (int)(uint8_t)v, ENG_PROJ_SEG_ROWS);
    return;
  }
  if (w == 8) {
    uint64_t *o = out;
    for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
      o[i] = v;
  } else {
    uint32_t *o = out;
    for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
      o[i] = (uint32_t)v;
  }
}

/* Checks directory entry d of column c against a value of len bytes. */
static int entry_ok(const unsigned char *d, int c, size_t len) {
  int width = d[ENG_PROJ_D_WIDTH], e = d[ENG_PROJ_D_ENC];
  uint32_t off = get_u32(d + ENG_PROJ_D_OFF);
  uint16_t nex;
  memcpy(&nex, d + ENG_PROJ_D_NEX, 2);
  if (e != ENG_PROJ_ENC_PATCH && e != ENG_PROJ_ENC_DICT && nex)
    return 0;
  if (e == ENG_PROJ_ENC_DICT &&
      (width != 1 || nex == 0 || nex > ENG_PROJ_DICT_MAX))
    return 0;
  if (e == ENG_PROJ_ENC_CONST)
    return width == 0 && off == 0;
  if ((e != ENG_PROJ_ENC_FOR && ENG_PROJ_COL_WIDTH(c) != 8) ||
      (e != ENG_PROJ_ENC_FOR && e != ENG_PROJ_ENC_OPEN &&
       e != ENG_PROJ_ENC_PATCH && e != ENG_PROJ_ENC_DICT) ||
      get_u64(d + ENG_PROJ_D_STEP) == 0)
    return 0;
  if (width != 1 && width != 2 && width != 4 && width != 8)
    return 0;
  return off >= ENG_PROJ_BLOBS && off <= len && blob_len(d) <= len - off;
}

/* Sets s's array of column c to p (NULL: not decoded). */
static void set_col(eng_proj_seg *s, int c, unsigned char *p) {
  if (c == ENG_PROJ_COL_OCCURRED)
    s->occurred = (int64_t *)(void *)p;
  else if (c == ENG_PROJ_COL_FROM)
    s->from = (int64_t *)(void *)p;
  else if (c == ENG_PROJ_COL_UNTIL)
    s->until = (int64_t *)(void *)p;
  else if (c == ENG_PROJ_COL_RECORDED)
    s->recorded = (int64_t *)(void *)p;
  else if (c < ENG_PROJ_COL_TYPE)
    s->fval[c - ENG_PROJ_COL_FVAL0] = (int64_t *)(void *)p;
  else if (c == ENG_PROJ_COL_TYPE)
    s->type = (uint32_t *)(void *)p;
  else if (c == ENG_PROJ_COL_SUBJECT)
    s->subject = (uint32_t *)(void *)p;
  else if (c == ENG_PROJ_COL_SOURCE)
    s->source = (uint32_t *)(void *)p;
  else if (c == ENG_PROJ_COL_FLAGS)
    s->flags = p;
  else if (c < ENG_PROJ_COL_FSCALE0)
    s->ftag[c - ENG_PROJ_COL_FTAG0] = p;
  else
    s->fscale[c - ENG_PROJ_COL_FSCALE0] = p;
}

/* DICT: row i is the idx[i]-th of the values after the indices (an i64
 * column). CREDO_CORRUPT for an index past them. */
static int undict(const unsigned char *d, const unsigned char *restrict q,
                  uint64_t *restrict out) {
  uint64_t vals[ENG_PROJ_DICT_MAX];
  uint16_t k;
  unsigned char top = 0;
  memcpy(&k, d + ENG_PROJ_D_NEX, 2);
  memcpy(vals, q + ENG_PROJ_SEG_ROWS, (size_t)k * 8);
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    top = q[i] > top ? q[i] : top;
  if (top >= k)
    return CREDO_CORRUPT;
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    out[i] = vals[q[i]];
  return CREDO_OK;
}

/* PATCH: puts the exceptions that follow the quotients q into out (an
 * i64 column). CREDO_CORRUPT for a row out of range. */
static int patch(const unsigned char *d, const unsigned char *q,
                 unsigned char *out) {
  uint16_t nex, row;
  const unsigned char *rows =
      q + (size_t)d[ENG_PROJ_D_WIDTH] * ENG_PROJ_SEG_ROWS;
  memcpy(&nex, d + ENG_PROJ_D_NEX, 2);
  for (size_t k = 0; k < nex; k++) {
    memcpy(&row, rows + 2 * k, 2);
    if (row >= ENG_PROJ_SEG_ROWS)
      return CREDO_CORRUPT;
    memcpy(out + 8 * (size_t)row, rows + 2 * (size_t)nex + 8 * k, 8);
  }
  return CREDO_OK;
}

/* Verifies and widens column c of value v (directory entry d). */
static int decode_col(const unsigned char *v, const unsigned char *d, int c,
                      unsigned char *out) {
  int width = d[ENG_PROJ_D_WIDTH], w = ENG_PROJ_COL_WIDTH(c);
  uint64_t base = get_u64(d + ENG_PROJ_D_BASE),
           step = get_u64(d + ENG_PROJ_D_STEP);
  const unsigned char *q = v + get_u32(d + ENG_PROJ_D_OFF);
  if (!width) {
    if (get_u64(d + ENG_PROJ_D_SUM) != 0)
      return CREDO_CORRUPT;
    fill(base, w, out);
    return CREDO_OK;
  }
  if (XXH3_64bits_withSeed(q, blob_len(d), (XXH64_hash_t)c + 1) !=
      get_u64(d + ENG_PROJ_D_SUM))
    return CREDO_CORRUPT;
  if (d[ENG_PROJ_D_ENC] == ENG_PROJ_ENC_DICT)
    return undict(d, q, (uint64_t *)(void *)out);
  if (d[ENG_PROJ_D_ENC] == ENG_PROJ_ENC_OPEN)
    widen_open(q, width, base, step, out);
  else
    widen(q, width, base, step, w, out);
  return d[ENG_PROJ_D_ENC] == ENG_PROJ_ENC_PATCH ? patch(d, q, out) : CREDO_OK;
}

int eng_proj_decode(const void *val, size_t len, unsigned mask, eng_proj_seg *s,
                    void *scratch, int *bad_col) {
  const unsigned char *v = val;
  unsigned char *buf = scratch;
  if (bad_col)
    *bad_col = -1;
  if (!v || len < ENG_PROJ_BLOBS || v[ENG_PROJ_H_LAYOUT] != ENG_PROJ_LAYOUT ||
      v[ENG_PROJ_H_NFIELDS] != ENG_PROJ_NFIELDS ||
      v[ENG_PROJ_H_NCOLS] != ENG_PROJ_NCOLS ||
      XXH3_64bits(v, ENG_PROJ_META_SUM) != get_u64(v + ENG_PROJ_META_SUM))
    return CREDO_CORRUPT;
  for (int c = 0; c < ENG_PROJ_NCOLS; c++)
    if (!entry_ok(v + ENG_PROJ_HDR_LEN + (size_t)c * ENG_PROJ_DIR_LEN, c, len))
      return CREDO_CORRUPT;
  s->buf = buf;
  for (int c = 0; c < ENG_PROJ_NCOLS; c++)
    set_col(s, c, NULL);
  s->rows = get_u32(v + ENG_PROJ_H_ROWS);
  s->occ_min = (int64_t)get_u64(v + ENG_PROJ_H_OCC_MIN);
  s->occ_max = (int64_t)get_u64(v + ENG_PROJ_H_OCC_MAX);
  s->until_max = (int64_t)get_u64(v + ENG_PROJ_H_UNTIL_MAX);
  s->rec_max = (int64_t)get_u64(v + ENG_PROJ_H_REC_MAX);
  for (int c = 0; c < ENG_PROJ_NCOLS; c++) {
    if (!(mask & ENG_PROJ_BIT(c)))
      continue;
    unsigned char *out = buf + ENG_PROJ_WIDE_OFF(c);
    if (decode_col(v, v + ENG_PROJ_HDR_LEN + (size_t)c * ENG_PROJ_DIR_LEN, c,
                   out) != CREDO_OK) {
      if (bad_col)
        *bad_col = c;
      return CREDO_CORRUPT;
    }
    set_col(s, c, out);
  }
  return CREDO_OK;
}
