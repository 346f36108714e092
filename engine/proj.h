/*
 * proj.h -- the columnar projection of every event's latest version
 * (table STOR_PROJ), as docs/storage.md tables it: segments of
 * ENG_PROJ_SEG_ROWS events by id holding the columns the analytic batch
 * path reads (exec_batch.c), and the dictionaries that turn subject,
 * source and text data fields into dense u32 ids.
 *
 * Invariant: after every commit, the projection row of event id equals
 * what eng_proj_row_of gives for the event's latest version in
 * STOR_EVENTS (and is absent when there is none); the write side
 * (events.c, erase.c) keeps it in the same LMDB write transaction as the
 * row. credo check verifies it (proj_check.c).
 *
 * Byte order: segment values are little-endian (the codec copies their
 * numbers as host integers); keys are big-endian as every key
 * (storage/stor.h). The stored form and its decoding are proj_codec.c's.
 *
 * Does not: answer queries (exec_batch.c) or check (proj_check.c).
 */
#ifndef CREDO_ENG_PROJ_H
#define CREDO_ENG_PROJ_H

#include <stdint.h>

#include "eng.h"
#include "value.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the projection's segments are little-endian host integers"
#endif

/* Rows per segment: event ids [no * ROWS, (no + 1) * ROWS). 1,024 keeps a
 * segment at ~20 KB encoded (65 KB decoded), so that a single-event write
 * (which decodes and rewrites its segment) stays cheap; batches write
 * each dirty segment once. 4,096 measured no faster at 1M
 * (docs/performance.md). */
#define ENG_PROJ_SEG_ROWS 1024
/* Layout version in byte 0 of every segment and in the meta key
 * (1: flat columns; 2: + recorded; 3: encoded columns with sums). */
#define ENG_PROJ_LAYOUT 3
/* META key: the layout the projection was built with and the store's
 * last transaction time (meta `last_tx`) it is up to date with:
 * [0..4) layout u32 BE, [4..12) instant i64 (key encoding). Absent before
 * the first build. A writer that does not keep the projection (an older
 * binary) moves last_tx without it: the projection then counts as not
 * built (queries take the row path) until a read-write open rebuilds it. */
#define ENG_PROJ_META_KEY "proj_layout"
#define ENG_PROJ_META_LEN 12

/* The projected `data` fields (path data.<name>, one level). */
#define ENG_PROJ_NFIELDS 2
enum { ENG_PROJ_F_AMOUNT = 0, ENG_PROJ_F_AUTHORITY = 1 };
extern const char *const eng_proj_fields[ENG_PROJ_NFIELDS];

/* Dictionaries: u8 number in their keys. Ids start at 1. */
enum {
  ENG_PROJ_D_SUBJECT = 0,
  ENG_PROJ_D_SOURCE = 1,
  ENG_PROJ_D_FIELD0 = 2 /* + field number: text values of that field */
};
#define ENG_PROJ_NDICTS (ENG_PROJ_D_FIELD0 + ENG_PROJ_NFIELDS)
/* Longest dictionary text; longer field texts are stored as OTHER. */
#define ENG_PROJ_TEXT_MAX 400

/* Key kinds (byte 0 of a STOR_PROJ key). */
#define ENG_PROJ_K_SEG 'S'  /* [1..9) segment no u64 -> segment */
#define ENG_PROJ_K_DICT 'D' /* [1] dict, [2..) text -> id u32 BE */
#define ENG_PROJ_K_NAME 'R' /* [1] dict, [2..6) id u32 BE -> text */
#define ENG_PROJ_K_NEXT 'N' /* [1] dict -> next id u32 BE */
#define ENG_PROJ_K_SEG_LEN 9

/* Row flags (flags column). */
#define ENG_PROJ_PRESENT 0x01u
#define ENG_PROJ_RETRACTED 0x02u
#define ENG_PROJ_REPAIRED 0x04u

/* Data field cell tags: NULL (absent or JSON null), INT (val), DEC (val =
 * mantissa, scale column), TEXT (val = id in the field's dictionary),
 * OTHER (any other shape: the batch path leaves such queries to rows). */
enum {
  ENG_PROJ_NULL = 0,
  ENG_PROJ_INT = 1,
  ENG_PROJ_DEC = 2,
  ENG_PROJ_TEXT = 3,
  ENG_PROJ_OTHER = 4
};

/* Columns, in the order of the full-width (decoded) form, 8-byte
 * columns first so that each array is aligned. Bit c of a column mask
 * (ENG_PROJ_BIT) asks for column c. */
enum {
  ENG_PROJ_COL_OCCURRED = 0, /* i64 */
  ENG_PROJ_COL_FROM,         /* i64 public_from */
  ENG_PROJ_COL_UNTIL,        /* i64 public_until */
  ENG_PROJ_COL_RECORDED,     /* i64 */
  ENG_PROJ_COL_FVAL0,        /* i64 cell of field f: + f */
  ENG_PROJ_COL_TYPE = ENG_PROJ_COL_FVAL0 + ENG_PROJ_NFIELDS,    /* u32 */
  ENG_PROJ_COL_SUBJECT,                                         /* u32 */
  ENG_PROJ_COL_SOURCE,                                          /* u32 */
  ENG_PROJ_COL_FLAGS,                                           /* u8 */
  ENG_PROJ_COL_FTAG0,                                           /* u8: + f */
  ENG_PROJ_COL_FSCALE0 = ENG_PROJ_COL_FTAG0 + ENG_PROJ_NFIELDS, /* u8 */
  ENG_PROJ_NCOLS = ENG_PROJ_COL_FSCALE0 + ENG_PROJ_NFIELDS
};
#define ENG_PROJ_BIT(c) (1u << (c))
#define ENG_PROJ_ALL (ENG_PROJ_BIT(ENG_PROJ_NCOLS) - 1u)
/* The three columns of data field f. */
#define ENG_PROJ_FIELD_BITS(f)                                                 \
  (ENG_PROJ_BIT(ENG_PROJ_COL_FVAL0 + (f)) |                                    \
   ENG_PROJ_BIT(ENG_PROJ_COL_FTAG0 + (f)) |                                    \
   ENG_PROJ_BIT(ENG_PROJ_COL_FSCALE0 + (f)))
/* Bytes per row of column c in the full-width form. */
#define ENG_PROJ_COL_WIDTH(c)                                                  \
  ((c) < ENG_PROJ_COL_TYPE ? 8 : (c) < ENG_PROJ_COL_FLAGS ? 4 : 1)

/* The full-width form (what eng_proj_decode fills, the write side's
 * cache): column arrays of ENG_PROJ_SEG_ROWS entries at these offsets. */
#define ENG_PROJ_C8 ((size_t)8 * ENG_PROJ_SEG_ROWS)
#define ENG_PROJ_C4 ((size_t)4 * ENG_PROJ_SEG_ROWS)
#define ENG_PROJ_C1 ((size_t)ENG_PROJ_SEG_ROWS)
#define ENG_PROJ_WIDE_OFF(c)                                                   \
  ((c) <= ENG_PROJ_COL_TYPE ? ENG_PROJ_C8 * (size_t)(c)                        \
   : (c) <= ENG_PROJ_COL_FLAGS                                                 \
       ? ENG_PROJ_C8 * ENG_PROJ_COL_TYPE +                                     \
             ENG_PROJ_C4 * (size_t)((c)-ENG_PROJ_COL_TYPE)                     \
       : ENG_PROJ_C8 * ENG_PROJ_COL_TYPE + ENG_PROJ_C4 * 3 +                   \
             ENG_PROJ_C1 * (size_t)((c)-ENG_PROJ_COL_FLAGS))
/* Size of the full-width form: the scratch eng_proj_decode needs. */
#define ENG_PROJ_SCRATCH ENG_PROJ_WIDE_OFF(ENG_PROJ_NCOLS)

/* Stored segment value (layout ENG_PROJ_LAYOUT; docs/storage.md tables
 * it): a header with the zone maps, a directory of ENG_PROJ_NCOLS
 * entries, the XXH3-64 of header and directory, then each column's
 * encoded bytes ("blob"). */
#define ENG_PROJ_H_LAYOUT 0     /* u8: ENG_PROJ_LAYOUT */
#define ENG_PROJ_H_NFIELDS 1    /* u8: ENG_PROJ_NFIELDS */
#define ENG_PROJ_H_NCOLS 2      /* u8: ENG_PROJ_NCOLS */
#define ENG_PROJ_H_ROWS 4       /* u32: present rows */
#define ENG_PROJ_H_OCC_MIN 8    /* i64: least occurred of present rows */
#define ENG_PROJ_H_OCC_MAX 16   /* i64: greatest occurred */
#define ENG_PROJ_H_UNTIL_MAX 24 /* i64: greatest public_until */
#define ENG_PROJ_H_REC_MAX 32   /* i64: greatest recorded */
#define ENG_PROJ_HDR_LEN 40
/* Directory entry of column c at ENG_PROJ_HDR_LEN + c * ENG_PROJ_DIR_LEN */
#define ENG_PROJ_D_ENC 0   /* u8: ENG_PROJ_ENC_* */
#define ENG_PROJ_D_WIDTH 1 /* u8: bytes per row of the blob (0, 1, 2, 4, 8) */
#define ENG_PROJ_D_NEX 2   /* u16: PATCH: exceptions; DICT: values; else 0 */
#define ENG_PROJ_D_OFF 4   /* u32: the blob's offset in the value */
#define ENG_PROJ_D_BASE 8  /* i64: CONST: the value; FOR: the least one */
#define ENG_PROJ_D_STEP 16 /* u64: FOR: the GCD of (value - base); CONST 0 */
#define ENG_PROJ_D_SUM 24  /* u64: XXH3-64 of the blob seeded c + 1 */
#define ENG_PROJ_DIR_LEN 32
/* u64 XXH3-64 (seed 0) of bytes [0, ENG_PROJ_META_SUM) at that offset. */
#define ENG_PROJ_META_SUM (ENG_PROJ_HDR_LEN + ENG_PROJ_DIR_LEN * ENG_PROJ_NCOLS)
#define ENG_PROJ_BLOBS (ENG_PROJ_META_SUM + 8)
/* Largest encoded segment (every column at full width). */
#define ENG_PROJ_ENC_MAX (ENG_PROJ_BLOBS + ENG_PROJ_SCRATCH)
/* Encodings: every row the same value (no blob); frame of reference:
 * row i = base + q[i] * step, q little-endian unsigned of `width` bytes
 * (arithmetic modulo 2^64, so any i64 column fits at width 8). */
#define ENG_PROJ_ENC_CONST 1
#define ENG_PROJ_ENC_FOR 2
/* OPEN (i64 columns): frame of reference over the rows other than
 * INT64_MAX; a q of all ones at the width is INT64_MAX (an open end). */
#define ENG_PROJ_ENC_OPEN 3
/* PATCH (i64 columns): frame of reference over all rows but NEX
 * exceptions, whose q is 0; the blob goes on with their rows (u16 each)
 * and then their values (i64 each). At most ENG_PROJ_PATCH_MAX. */
#define ENG_PROJ_ENC_PATCH 4
#define ENG_PROJ_PATCH_MAX 256
/* DICT (i64 columns): a u8 index per row (width 1), then NEX distinct
 * i64 values (first appearance order); row i is value idx[i]. At most
 * ENG_PROJ_DICT_MAX values. */
#define ENG_PROJ_ENC_DICT 5
#define ENG_PROJ_DICT_MAX 256

/* One projected row, as eng_proj_row_of computes it (texts by value). */
typedef struct eng_proj_row {
  uint8_t flags;
  uint32_t type;
  credo_time occurred, from, until, recorded;
  const char *subject, *source;
  uint8_t ftag[ENG_PROJ_NFIELDS], fscale[ENG_PROJ_NFIELDS];
  int64_t fval[ENG_PROJ_NFIELDS]; /* TEXT: unused (see ftext) */
  const char *ftext[ENG_PROJ_NFIELDS];
} eng_proj_row;

/* A segment's columns in full-width form (pointers into a buffer of
 * ENG_PROJ_SCRATCH bytes, 8-aligned; NULL for a column not decoded) and
 * its header's zone maps over the present rows (no rows: bounds
 * INT64_MAX / INT64_MIN). `recorded` is the transaction time that wrote
 * the row's latest version (eng_version.recorded). A row without the
 * PRESENT flag is all zeros. */
typedef struct eng_proj_seg {
  uint64_t no; /* segment number: set by the caller (the key's) */
  unsigned char *buf;
  uint32_t rows;
  int64_t occ_min, occ_max, until_max, rec_max;
  int64_t *occurred, *from, *until, *recorded, *fval[ENG_PROJ_NFIELDS];
  uint32_t *type, *subject, *source;
  uint8_t *flags, *ftag[ENG_PROJ_NFIELDS], *fscale[ENG_PROJ_NFIELDS];
} eng_proj_seg;

/* Decodes a stored segment value (val, len: as a STOR_CUR_NOVERIFY
 * cursor hands it out) into s: verifies the XXH3 of header and
 * directory and the directory's sanity, reads the zone maps, and for
 * each column asked in `mask` verifies its blob's XXH3 and widens it
 * into scratch at ENG_PROJ_WIDE_OFF(c), pointing s's array at it; the
 * other arrays are left NULL (mask 0: header only). Bytes of columns not
 * asked are not read. s->no is not touched.
 * scratch: ENG_PROJ_SCRATCH bytes, 8-aligned, owned by the caller; it may
 * be reused across calls (each call sets every array of s anew).
 * Returns CREDO_OK, or CREDO_CORRUPT (a sum mismatch, another layout, a
 * bad directory); then *bad_col (may be NULL) is the damaged column, or
 * -1 for header / directory.
 * Threads: pure (no handle, no transaction, no allocation, no global
 * state): any number of threads may decode at once, each with its own
 * scratch and s, while the read transaction that handed out val is open. */
int eng_proj_decode(const void *val, size_t len, unsigned mask, eng_proj_seg *s,
                    void *scratch, int *bad_col);
/* Points every array of s into buf (ENG_PROJ_SCRATCH bytes, 8-aligned). */
void eng_proj_seg_view(eng_proj_seg *s, unsigned char *buf);
/* Sets s's zone maps from its present rows (every array set). */
void eng_proj_seg_stats(eng_proj_seg *s);
/* Encodes s (every array set, zone maps current) into out (at least
 * ENG_PROJ_ENC_MAX bytes), choosing per column the narrowest encoding;
 * returns the length. Pure, as eng_proj_decode. */
size_t eng_proj_encode(const eng_proj_seg *s, unsigned char *out);
/* Name of column c ("occurred", "amount_wan tag", ...), for messages. */
const char *eng_proj_col_name(int c);

/* The row of version v; texts point into v or `arena` (reset by the
 * caller). */
void eng_proj_row_of(const eng_version *v, eng_arena *arena, eng_proj_row *r);
/* Only data field f of v's row into r (the cell eng_proj_row_of gives
 * it): for a reader that needs some fields (exec_batch_asof.c). */
void eng_proj_field_of(const eng_version *v, int f, eng_arena *arena,
                       eng_proj_row *r);

/* Write side (events.c, erase.c): sets or clears event id's row in txn.
 * Inside the transaction eng_proj_begin named, segments are cached and
 * written by eng_proj_flush; otherwise each call writes its segment.
 * Errors on db. */
int eng_proj_put(credo *db, stor_txn *txn, uint64_t id, const eng_version *v);
/* eng_proj_del also forgets `subject`'s dictionary entry when no event
 * of it remains in the subject index (erasure leaves no copy of a
 * person's id; call it after the event's index entries are gone). */
int eng_proj_del(credo *db, stor_txn *txn, uint64_t id, const char *subject);
/* Transaction hooks (txn.c): begin caching for txn; write the dirty
 * segments (before commit, or before a read in that txn); end: drop the
 * cache (and, when !committed, the dictionary ids learnt in it). */
int eng_proj_begin(credo *db, stor_txn *txn);
int eng_proj_flush(credo *db, stor_txn *txn);
void eng_proj_end(credo *db, int committed);
void eng_proj_free(credo *db);

/* *ready = 1 when the store's projection is built with this layout and
 * up to date with its last transaction (or the store never had one). */
int eng_proj_ready(credo *db, stor_txn *txn, int *ready);
/* Rebuilds the projection from STOR_EVENTS in txn (clears it first) and
 * records its layout; *rows counts the events. */
int eng_proj_rebuild(credo *db, stor_txn *txn, uint64_t *rows);
/* At open (read-write): builds the projection when the store has none
 * (a store made before it). */
int eng_proj_upgrade(credo *db);
/* Dictionary text of id (points into the transaction's map: valid while
 * txn is and nothing is written). CREDO_NOTFOUND when unknown. */
int eng_proj_text(stor_txn *txn, int dict, uint32_t id, const char **s,
                  size_t *n);

/* The segments of a cursor on STOR_PROJ, in number order: first = 1
 * seeks the first, 0 steps to the next. CREDO_OK with its number *no and
 * stored value *val (pointing into the map, valid while the transaction
 * is open and nothing is written), CREDO_NOTFOUND past the last one, or
 * the cursor's error. The one walk scan (exec_batch.c) and check
 * (proj_check.c) share, so that the key layout is known here only. */
int eng_proj_seg_next(stor_cursor *c, int first, uint64_t *no, stor_val *val);

/* Compares the projection with STOR_EVENTS (credo check): each problem
 * goes to fn (non-zero stops); *rows counts the projected rows. */
int eng_proj_check(credo *db, stor_txn *txn, credo_check_fn fn, void *arg,
                   uint64_t *rows);

#endif /* CREDO_ENG_PROJ_H */
