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
 * In place: the scan's decoded segment (full-width columns in its own
 * scratch, eng_proj_decode) is patched, so rows stay at their row
 * numbers and groups appear in the order the row path's id-ordered scan
 * meets them (ties in ORDER BY and top-k depend on it); only the columns
 * the scan decoded are written.
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
  eng_arena arena;
  eng_hmap texts[ENG_PROJ_NFIELDS]; /* field text -> dictionary id + 1 */
  stor_txn *txn;                    /* vc's */
  stor_cursor *vc;                  /* on STOR_VERSIONS */
  uint64_t late;                    /* rows read as of t (figures) */
};

int eng_batch_asof_new(credo_time t, eng_batch_asof **out) {
  eng_batch_asof *a = calloc(1, sizeof *a);
  *out = NULL;
  if (!a)
    return CREDO_NOMEM;
  a->t = t;
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
  free(a);
}

uint64_t eng_batch_asof_late(const eng_batch_asof *a) {
  return a ? a->late : 0;
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

/* Row i of segment d (event id) as of a->t, in place: the columns the
 * scan decoded (the others are NULL: the query does not read them). */
static int patch_row(eng_batch_asof *a, stor_txn *txn, eng_proj_seg *d,
                     uint64_t id, size_t i) {
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
    d->rows--;
    return CREDO_OK;
  }
  if (rc != CREDO_OK)
    return rc;
  eng_arena_reset(&a->arena);
  {
    /* the row without its data (no JSON read), then the fields the scan
     * decoded (the query reads them) */
    eng_version nodata = v;
    nodata.data = NULL;
    eng_proj_row_of(&nodata, &a->arena, &r);
    for (int f = 0; f < ENG_PROJ_NFIELDS; f++)
      if (d->ftag[f] || d->fval[f] || d->fscale[f])
        eng_proj_field_of(&v, f, &a->arena, &r);
  }
  d->flags[i] = r.flags;
  d->recorded[i] = v.recorded;
#define SET(col, val)                                                          \
  do {                                                                         \
    if (d->col)                                                                \
      d->col[i] = (val);                                                       \
  } while (0)
  SET(type, r.type);
  SET(occurred, r.occurred);
  SET(from, r.from);
  SET(until, r.until);
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++) {
    SET(ftag[f], r.ftag[f]);
    SET(fscale[f], r.fscale[f]);
    if (!d->fval[f])
      continue;
    if (r.ftag[f] != ENG_PROJ_TEXT)
      d->fval[f][i] = r.fval[f];
    else if ((rc = field_id(a, txn, f, r.ftext[f], &d->fval[f][i])))
      return rc;
  }
#undef SET
  /* the zone maps stay bounds of the present rows (wider is still
   * right for skipping: they only ever say "nothing here can match") */
  d->occ_min = r.occurred < d->occ_min ? r.occurred : d->occ_min;
  d->occ_max = r.occurred > d->occ_max ? r.occurred : d->occ_max;
  d->until_max = r.until > d->until_max ? r.until : d->until_max;
  return CREDO_OK;
}

int eng_batch_asof_seg(eng_batch_asof *a, stor_txn *txn, uint64_t no,
                       eng_proj_seg *s) {
  int rc;
  if (s->rec_max <= a->t)
    return CREDO_OK; /* every row was current at t */
  if (!s->recorded || !s->flags)
    return ENG_BATCH_NO; /* the columns the overlay needs were not read */
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    if ((s->flags[i] & ENG_PROJ_PRESENT) && s->recorded[i] > a->t &&
        (rc = patch_row(a, txn, s, no * ENG_PROJ_SEG_ROWS + i, i)) != CREDO_OK)
      return rc;
  return CREDO_OK;
}
