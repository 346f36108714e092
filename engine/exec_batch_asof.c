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
 * eng_proj_row_of. An erased event has no row anywhere, at any instant. The
 * segment's rec_max <= t means no row of it needs that: the segment is used as
 * it is. Visibility (public at t, or at VISIBLE AT, or INCLUDE HIDDEN) is the
 * segment loop's, over the rows as of t, as read.c's passes() over the versions
 * as of t.
 *
 * Order: the patched rows stay at their row numbers (one segment, in id
 * order), so groups appear in the order the row path's id-ordered scan
 * meets them (ties in ORDER BY and top-k depend on it).
 *
 * Texts: subject and source never change between versions (credo check
 * enforces it), so their ids are the latest row's; a text data field is
 * looked up in its dictionary by value. A text with no id there (only an
 * older version held it) declines: the row path answers.
 *
 * Threads: one eng_batch_asof per scanning thread; it reads through the
 * transaction the caller passes.
 *
 * Does not: scan segments or evaluate rows (exec_batch.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec_batch.h"

struct eng_batch_asof {
  credo_time t;
  eng_proj_seg cols; /* the scratch columns (never handed out) */
  eng_proj_seg seg;  /* the patched copy handed out: cols' arrays, NULL
                        where the scanned segment had none */
  unsigned char *block;
  eng_arena arena;
  eng_hmap texts[ENG_PROJ_NFIELDS]; /* field text -> dictionary id + 1 */
  stor_txn *txn;                    /* vc's */
  stor_cursor *vc;                  /* on STOR_VERSIONS */
  uint64_t late;                    /* rows read as of t (figures) */
};

/* The scratch columns, carved out of one block. */
static int carve(eng_batch_asof *a) {
  const size_t R = ENG_PROJ_SEG_ROWS, n8 = 4 + ENG_PROJ_NFIELDS,
               n1 = 1 + 2 * ENG_PROJ_NFIELDS;
  unsigned char *p = aligned_alloc(8, R * (8 * n8 + 4 * 3 + n1));
  eng_proj_seg *s = &a->cols;
  if (!p)
    return CREDO_NOMEM;
  a->block = p;
  s->occurred = (int64_t *)(void *)p;
  s->from = s->occurred + R;
  s->until = s->from + R;
  s->recorded = s->until + R;
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++)
    s->fval[f] = s->recorded + R * (size_t)(1 + f);
  s->type = (uint32_t *)(void *)(p + R * 8 * n8);
  s->subject = s->type + R;
  s->source = s->subject + R;
  s->flags = (uint8_t *)(s->source + R);
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++) {
    s->ftag[f] = s->flags + R * (size_t)(1 + f);
    s->fscale[f] = s->flags + R * (size_t)(1 + ENG_PROJ_NFIELDS + f);
  }
  return CREDO_OK;
}

int eng_batch_asof_new(credo_time t, eng_batch_asof **out) {
  eng_batch_asof *a = calloc(1, sizeof *a);
  *out = NULL;
  if (!a || carve(a) != CREDO_OK) {
    free(a);
    return CREDO_NOMEM;
  }
  a->t = t;
  *out = a;
  return CREDO_OK;
}

void eng_batch_asof_free(eng_batch_asof *a) {
  if (!a)
    return;
  free(a->block);
  stor_cursor_close(a->vc);
  eng_arena_free(&a->arena);
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++)
    eng_hmap_free(&a->texts[f]);
  free(a);
}

uint64_t eng_batch_asof_late(const eng_batch_asof *a) {
  return a ? a->late : 0;
}

/* Copies column src of n-byte cells into dst, or marks it absent (the
 * scan did not read it: the query does not need it). */
static void *copy_col(void *dst, const void *src, size_t cell) {
  if (!src)
    return NULL;
  memcpy(dst, src, cell * ENG_PROJ_SEG_ROWS);
  return dst;
}

/* s's columns into the scratch segment. */
static void copy_seg(eng_batch_asof *a, const eng_proj_seg *s) {
  const eng_proj_seg *base = &a->cols;
  eng_proj_seg *d = &a->seg;
  *d = *s;
  d->buf = NULL;
  d->occurred = copy_col(base->occurred, s->occurred, 8);
  d->from = copy_col(base->from, s->from, 8);
  d->until = copy_col(base->until, s->until, 8);
  d->recorded = copy_col(base->recorded, s->recorded, 8);
  d->type = copy_col(base->type, s->type, 4);
  d->subject = copy_col(base->subject, s->subject, 4);
  d->source = copy_col(base->source, s->source, 4);
  d->flags = copy_col(base->flags, s->flags, 1);
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++) {
    d->fval[f] = copy_col(base->fval[f], s->fval[f], 8);
    d->ftag[f] = copy_col(base->ftag[f], s->ftag[f], 1);
    d->fscale[f] = copy_col(base->fscale[f], s->fscale[f], 1);
  }
}

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
    return CREDO_OK;
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

/* Row i of the scratch segment (event id) as of a->t. */
static int patch_row(eng_batch_asof *a, stor_txn *txn, uint64_t id, size_t i) {
  eng_proj_seg *d = &a->seg;
  eng_version v;
  eng_proj_row r;
  int rc;
  if (a->txn != txn || !a->vc) { /* one cursor per transaction */
    stor_cursor_close(a->vc);
    a->vc = NULL;
    a->txn = txn;
    if ((rc = stor_cursor_open(txn, STOR_VERSIONS, &a->vc)) != CREDO_OK)
      return rc;
  }
  /* its latest version was recorded after t: the older versions */
  rc = eng_version_older(txn, a->vc, id, a->t, &v);
  a->late++;
  if (rc == CREDO_NOTFOUND) {
    d->flags[i] = 0; /* recorded after t: no row at t */
    return CREDO_OK;
  }
  if (rc != CREDO_OK)
    return rc;
  eng_arena_reset(&a->arena);
  eng_proj_row_of(&v, &a->arena, &r);
  d->flags[i] = r.flags;
  d->type[i] = r.type;
  if (d->occurred)
    d->occurred[i] = r.occurred;
  d->from[i] = r.from;
  d->until[i] = r.until;
  d->recorded[i] = v.recorded;
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++) {
    if (!d->ftag[f])
      continue;
    d->ftag[f][i] = r.ftag[f];
    if (d->fscale[f])
      d->fscale[f][i] = r.fscale[f];
    if (r.ftag[f] == ENG_PROJ_TEXT)
      rc = field_id(a, txn, f, r.ftext[f], &d->fval[f][i]);
    else if (d->fval[f])
      d->fval[f][i] = r.fval[f];
    if (rc != CREDO_OK)
      return rc;
  }
  return CREDO_OK;
}

/* The scratch segment's zone maps over its present rows. */
static void zone_maps(eng_proj_seg *d) {
  d->rows = 0;
  d->occ_max = d->until_max = d->rec_max = INT64_MIN;
  d->occ_min = INT64_MAX;
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++) {
    if (!(d->flags[i] & ENG_PROJ_PRESENT))
      continue;
    d->rows++;
    if (d->occurred && d->occurred[i] < d->occ_min)
      d->occ_min = d->occurred[i];
    if (d->occurred && d->occurred[i] > d->occ_max)
      d->occ_max = d->occurred[i];
    if (d->until[i] > d->until_max)
      d->until_max = d->until[i];
    if (d->recorded[i] > d->rec_max)
      d->rec_max = d->recorded[i];
  }
  if (!d->occurred) /* not read: no bound */
    d->occ_min = INT64_MIN, d->occ_max = INT64_MAX;
}

int eng_batch_asof_seg(eng_batch_asof *a, stor_txn *txn, uint64_t no,
                       const eng_proj_seg *s, const eng_proj_seg **out) {
  int rc;
  *out = s;
  if (s->rec_max <= a->t)
    return CREDO_OK; /* every row was current at t */
  if (!s->recorded || !s->flags || !s->from || !s->until || !s->type)
    return ENG_BATCH_NO; /* the columns the overlay needs were not read */
  copy_seg(a, s);
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    if ((s->flags[i] & ENG_PROJ_PRESENT) && s->recorded[i] > a->t &&
        (rc = patch_row(a, txn, no * ENG_PROJ_SEG_ROWS + i, i)) != CREDO_OK)
      return rc;
  zone_maps(&a->seg);
  *out = &a->seg;
  return CREDO_OK;
}
