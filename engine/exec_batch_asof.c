/*
 * exec_batch_asof.c -- AS OF a past instant t on the batch path: an
 * overlay of the projection (which holds each event's LATEST version)
 * with the versions current at t.
 *
 * Why it is exact: a row whose `recorded` (the transaction time of the
 * latest version) is <= t was already the current version at t, so the
 * projection's row is the row as of t. A row recorded after t is read
 * again, as the row path reads it (eng_version_older, eng_version_as_of's
 * second step: the version current at t from STOR_VERSIONS, none when
 * the event did not exist yet), and turned into a projected row by
 * eng_proj_row_of / eng_proj_field_of. An erased event has no row
 * anywhere, at any instant. A segment whose rec_max <= t needs none of
 * that: it is used as it is. Visibility (public at t, or at VISIBLE AT,
 * or INCLUDE HIDDEN) is the segment loop's, over the rows as of t, as
 * read.c's passes() over the versions as of t.
 *
 * Two steps, so that the storage reads stay on the scanning thread and
 * the segment loops may run on several:
 *  - collect (the thread that walks the cursor, in segment order): from
 *    the stored segment value, decodes flags and recorded, reads each row
 *    recorded after t as of t and keeps it as a patch (row number, its
 *    cells, texts already turned into dictionary ids);
 *  - apply (whoever decoded the segment for its loop; pure, thread-safe
 *    once the collection is done): writes the patches into the decoded
 *    columns, in place, so rows stay at their row numbers and groups
 *    appear in the order the row path's id-ordered scan meets them (ties
 *    in ORDER BY and top-k depend on it); only the columns the loop
 *    decoded are written, and the zone maps are widened to bound the
 *    patched rows (`rows` stays exact).
 *
 * Texts: subject and source never change between versions (credo check
 * enforces it), so their ids are the latest row's; a text data field is
 * looked up in its dictionary by value. A text with no id there (only an
 * older version held it) declines: the row path answers.
 *
 * Does not: walk the cursor or evaluate rows (exec_batch.c).
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec_batch.h"

/* One row of a segment as of t. */
typedef struct asof_patch {
  uint16_t row;
  uint8_t flags; /* 0: the event did not exist at t */
  uint8_t ftag[ENG_PROJ_NFIELDS], fscale[ENG_PROJ_NFIELDS];
  uint32_t type;
  int64_t occurred, from, until, recorded;
  int64_t fval[ENG_PROJ_NFIELDS]; /* TEXT: the dictionary id */
} asof_patch;

struct eng_batch_asof {
  credo_time t;
  unsigned fields; /* bit f: the query reads data field f */
  asof_patch *p;   /* every collected patch, in segment order */
  size_t np, pcap;
  size_t *start; /* patches of collected segment i: [start[i], start[i+1]) */
  size_t nseg, scap;
  unsigned char *scratch; /* flags and recorded of the segment collected */
  eng_arena arena;
  eng_hmap texts[ENG_PROJ_NFIELDS]; /* field text -> dictionary id + 1 */
  stor_txn *txn;                    /* vc's */
  stor_cursor *vc;                  /* on STOR_VERSIONS */
};

int eng_batch_asof_new(credo_time t, unsigned cols, eng_batch_asof **out) {
  eng_batch_asof *a = calloc(1, sizeof *a);
  *out = NULL;
  if (!a || !(a->start = malloc(16 * sizeof *a->start)) ||
      !(a->scratch = aligned_alloc(8, ENG_PROJ_SCRATCH))) {
    eng_batch_asof_free(a);
    return CREDO_NOMEM;
  }
  a->scap = 16;
  a->start[0] = 0;
  a->t = t;
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++)
    if (cols & ENG_PROJ_FIELD_BITS(f))
      a->fields |= 1u << f;
  *out = a;
  return CREDO_OK;
}

void eng_batch_asof_free(eng_batch_asof *a) {
  if (!a)
    return;
  stor_cursor_close(a->vc);
  eng_arena_free(&a->arena);
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++)
    eng_hmap_free(&a->texts[f]);
  free(a->p);
  free(a->start);
  free(a->scratch);
  free(a);
}

/* ----------------------------------------------------------- collect */

/* The dictionary id of text p of field f; ENG_BATCH_NO when it has none. */
static int field_id(eng_batch_asof *a, stor_txn *txn, int f, const char *p,
                    int64_t *id) {
  size_t n = strlen(p);
  eng_hent *e;
  stor_key k;
  stor_val v;
  int added, rc;
  if (eng_hmap_get(&a->texts[f], p, n, &e, &added) != CREDO_OK)
    return CREDO_NOMEM;
  if (!added) {
    *id = (int64_t)(uintptr_t)e->val - 1;
    return *id < 0 ? ENG_BATCH_NO : CREDO_OK;
  }
  stor_key_init(&k);
  k.buf[0] = ENG_PROJ_K_DICT; /* proj.h: [1] dict, [2..) text -> u32 BE */
  k.buf[1] = (unsigned char)(ENG_PROJ_D_FIELD0 + f);
  k.len = 2;
  stor_key_str(&k, p);
  rc = k.overflow ? CREDO_NOTFOUND
                  : stor_get(txn, STOR_PROJ, stor_key_val(&k), &v);
  if (rc == CREDO_OK && v.len != 4)
    rc = CREDO_CORRUPT;
  if (rc != CREDO_OK) {
    e->val = (void *)(uintptr_t)0; /* id -1: declines again at once */
    return rc == CREDO_NOTFOUND || rc == CREDO_CORRUPT ? ENG_BATCH_NO : rc;
  }
  *id = stor_dec_u32(v.data);
  e->val = (void *)(uintptr_t)(*id + 1);
  return CREDO_OK;
}

/* A new patch at the end of a->p. */
static asof_patch *patch_new(eng_batch_asof *a) {
  if (a->np == a->pcap) {
    size_t cap = a->pcap ? a->pcap * 2 : 256;
    asof_patch *p = realloc(a->p, cap * sizeof *p);
    if (!p)
      return NULL;
    a->p = p;
    a->pcap = cap;
  }
  memset(&a->p[a->np], 0, sizeof *a->p);
  return &a->p[a->np++];
}

/* The patch of row i (event id): its version as of a->t. */
static int patch_row(eng_batch_asof *a, stor_txn *txn, uint64_t id, size_t i) {
  asof_patch *x = patch_new(a);
  eng_version v, nodata;
  eng_proj_row r;
  int rc;
  if (!x)
    return CREDO_NOMEM;
  x->row = (uint16_t)i;
  /* its latest version was recorded after t: the older versions */
  rc = eng_version_older(txn, a->vc, id, a->t, &v);
  if (rc == CREDO_NOTFOUND)
    return CREDO_OK; /* flags 0: no row at t */
  if (rc != CREDO_OK)
    return rc;
  /* the row without its data (no JSON read), then the fields the query
   * reads */
  eng_arena_reset(&a->arena);
  nodata = v;
  nodata.data = NULL;
  eng_proj_row_of(&nodata, &a->arena, &r);
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++)
    if (a->fields & (1u << f))
      eng_proj_field_of(&v, f, &a->arena, &r);
  x->flags = r.flags;
  x->type = r.type;
  x->occurred = r.occurred;
  x->from = r.from;
  x->until = r.until;
  x->recorded = v.recorded;
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++) {
    x->ftag[f] = r.ftag[f];
    x->fscale[f] = r.fscale[f];
    x->fval[f] = r.fval[f];
    if (r.ftag[f] == ENG_PROJ_TEXT && (a->fields & (1u << f)) &&
        (rc = field_id(a, txn, f, r.ftext[f], &x->fval[f])) != CREDO_OK)
      return rc;
  }
  return CREDO_OK;
}

/* Opens the cursor on STOR_VERSIONS for txn (one per transaction). */
static int versions_cursor(eng_batch_asof *a, stor_txn *txn) {
  if (a->vc && a->txn == txn)
    return CREDO_OK;
  stor_cursor_close(a->vc);
  a->vc = NULL;
  a->txn = txn;
  return stor_cursor_open(txn, STOR_VERSIONS, &a->vc);
}

int eng_batch_asof_collect(eng_batch_asof *a, stor_txn *txn, uint64_t no,
                           const void *val, size_t len) {
  eng_proj_seg s;
  int rc = CREDO_OK;
  if (a->nseg + 2 > a->scap) {
    size_t *st = realloc(a->start, a->scap * 2 * sizeof *st);
    if (!st)
      return CREDO_NOMEM;
    a->start = st;
    a->scap *= 2;
  }
  /* the header's rec_max first (no column decoded), then, only when a
   * row was recorded after t, flags and recorded */
  if (eng_proj_decode(val, len, 0, &s, a->scratch, NULL) != CREDO_OK ||
      (s.rec_max > a->t &&
       eng_proj_decode(val, len,
                       ENG_PROJ_BIT(ENG_PROJ_COL_FLAGS) |
                           ENG_PROJ_BIT(ENG_PROJ_COL_RECORDED),
                       &s, a->scratch, NULL) != CREDO_OK))
    return ENG_BATCH_NO; /* damaged: the rows answer, credo check says */
  if (s.rec_max > a->t && (rc = versions_cursor(a, txn)) == CREDO_OK)
    for (size_t i = 0; i < ENG_PROJ_SEG_ROWS && rc == CREDO_OK; i++)
      if ((s.flags[i] & ENG_PROJ_PRESENT) && s.recorded[i] > a->t)
        rc = patch_row(a, txn, no * ENG_PROJ_SEG_ROWS + i, i);
  a->start[++a->nseg] = a->np;
  return rc;
}

/* ------------------------------------------------------------- apply */

/* Writes patch x into the decoded columns of s that exist. */
static void apply_one(const asof_patch *x, eng_proj_seg *s) {
  size_t i = x->row;
#define SET(col, val)                                                          \
  do {                                                                         \
    if (s->col)                                                                \
      s->col[i] = (val);                                                       \
  } while (0)
  SET(flags, x->flags);
  if (!x->flags) {
    s->rows--;
    return;
  }
  SET(type, x->type);
  SET(occurred, x->occurred);
  SET(from, x->from);
  SET(until, x->until);
  SET(recorded, x->recorded);
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++) {
    SET(ftag[f], x->ftag[f]);
    SET(fscale[f], x->fscale[f]);
    SET(fval[f], x->fval[f]);
  }
#undef SET
  /* the zone maps stay bounds of the present rows (wider is still right:
   * they only ever tell that nothing in a segment can match) */
  s->occ_min = x->occurred < s->occ_min ? x->occurred : s->occ_min;
  s->occ_max = x->occurred > s->occ_max ? x->occurred : s->occ_max;
  s->until_max = x->until > s->until_max ? x->until : s->until_max;
}

void eng_batch_asof_apply(const eng_batch_asof *a, size_t seq,
                          eng_proj_seg *s) {
  assert(seq < a->nseg);
  for (size_t k = a->start[seq]; k < a->start[seq + 1]; k++)
    apply_one(&a->p[k], s);
}
