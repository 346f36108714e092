/*
 * exec_batch_prep.c -- setting the batch path's loop up (exec_batch.h):
 * before any worker runs, on the calling thread, the memos' by-id arrays
 * sized to every id their column can hold in the transaction (so that
 * workers never see one reallocated) and constant memos computed; which
 * specialized loops apply (count by key id; count(DISTINCT) by id); and
 * each worker's own state (its copies of the memos, group tables,
 * counters), made and freed.
 *
 * Does not: run the loop (exec_batch_loop.c) or threads
 * (exec_batch_par.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec_batch.h"

/* META key holding the next type id, u32 BE (engine/types.c). */
#define BL_META_NEXT_TYPE "next_type"
/* Largest key id the count-by-id loop counts in an array; its
 * interleaved counters per id (ENG_BL_LANES up to eng_bl_lanes_cap ids, so
 * that a worker's counters of a large dictionary stay 8 B per id). */
#define BL_FAST_CAP_MAX (1u << 22)
/* Groups a count-by-id worker allocates at once (at most). */
#define BL_PRESIZE_MAX (1u << 20)
unsigned eng_bl_lanes_cap = 1u << 16; /* a variable: tests set 0 */

/* ----------------------------------------------------------- workers */

/* A copy of memo m for a worker: shares the array, no time hash yet. */
static void memo_copy(memo *to, const memo *m) {
  *to = *m;
  to->hk = NULL;
  to->hv = NULL;
  to->hcap = to->hn = 0;
}

int eng_bl_work_init(bwork *w, batch *b, int strict) {
  const eng_plan *p = b->p;
  size_t na = p->naggs + 1;
  w->b = b;
  w->strict = strict;
  w->conds = calloc(b->nconds + 1, sizeof *w->conds);
  w->keys = calloc(p->nkeys + 1, sizeof *w->keys);
  w->args = calloc(na, sizeof *w->args);
  w->dset = calloc(na, sizeof *w->dset);
  w->dcap = calloc(na, sizeof *w->dcap);
  w->dn = calloc(na, sizeof *w->dn);
  w->vg = calloc(na, sizeof *w->vg);
  w->segbuf = aligned_alloc(8, ENG_PROJ_SCRATCH);
  if (!w->conds || !w->keys || !w->args || !w->dset || !w->dcap || !w->dn ||
      !w->vg || !w->segbuf)
    return CREDO_NOMEM;
  for (size_t a = 0; a < p->naggs; a++)
    if (b->vgcap[a]) {
      if (!(w->vg[a] = malloc(b->vgcap[a] * sizeof *w->vg[a])))
        return CREDO_NOMEM;
      memset(w->vg[a], 0xff, b->vgcap[a] * sizeof *w->vg[a]);
    }
  for (size_t c = 0; c < b->nconds; c++)
    memo_copy(&w->conds[c], &b->conds[c]);
  for (size_t k = 0; k < p->nkeys; k++)
    memo_copy(&w->keys[k], &b->keys[k]);
  for (size_t a = 0; a < p->naggs; a++)
    memo_copy(&w->args[a], &b->args[a]);
  if (b->fast) {
    w->g1cap = b->fast_cap;
    w->g1 = malloc(w->g1cap * sizeof *w->g1);
    w->cnt = calloc(w->g1cap * b->fast_lanes, sizeof *w->cnt);
    if (!w->g1 || !w->cnt)
      return CREDO_NOMEM;
    memset(w->g1, 0xff, w->g1cap * sizeof *w->g1);
    w->g1[0] = INT32_MAX; /* count_by_id: rows not kept, never a group */
    /* as many groups as ids at most: sized once (pages are touched only
     * as groups are made), not copied as they grow; no states */
    w->gcap = b->fast_cap < BL_PRESIZE_MAX ? b->fast_cap : BL_PRESIZE_MAX;
    if (!(w->groups = malloc(w->gcap * sizeof *w->groups)))
      return CREDO_NOMEM;
  }
  return CREDO_OK;
}

/* Frees a worker memo's own part (its time hash). */
static void memo_own_free(memo *m) {
  free(m->hk);
  free(m->hv);
}

void eng_bl_work_free(bwork *w) {
  const eng_plan *p = w->b ? w->b->p : NULL;
  if (!p)
    return;
  for (size_t c = 0; w->conds && c < w->b->nconds; c++)
    memo_own_free(&w->conds[c]);
  for (size_t k = 0; w->keys && k < p->nkeys; k++)
    memo_own_free(&w->keys[k]);
  for (size_t a = 0; a < p->naggs; a++) {
    if (w->args)
      memo_own_free(&w->args[a]);
    if (w->dset)
      free(w->dset[a]);
    if (w->vg)
      free(w->vg[a]);
  }
  free(w->conds);
  free(w->keys);
  free(w->args);
  free(w->dset);
  free(w->dcap);
  free(w->dn);
  free(w->vg);
  free(w->groups);
  free(w->states);
  free(w->g1);
  free(w->g2k);
  free(w->g2v);
  free(w->cnt);
  free(w->segbuf);
}

/* ----------------------------------------------------- preparation */

/* The number of ids column col (a dictionary column, or type) can hold
 * in txn: the dictionary's / the type table's next id. A storage error
 * declines (the rows answer, and meet it or not). */
static int col_ids_size(stor_txn *txn, int col, uint32_t *n) {
  stor_key k;
  stor_val key, v;
  int rc;
  stor_key_init(&k);
  k.buf[0] = ENG_PROJ_K_NEXT;
  k.buf[1] =
      (unsigned char)(col == BC_SUBJECT  ? ENG_PROJ_D_SUBJECT
                      : col == BC_SOURCE ? ENG_PROJ_D_SOURCE
                                         : ENG_PROJ_D_FIELD0 + col - BC_FIELD0);
  k.len = 2;
  key = stor_key_val(&k);
  if (col == BC_TYPE)
    key = (stor_val){BL_META_NEXT_TYPE, sizeof BL_META_NEXT_TYPE - 1};
  rc = stor_get(txn, col == BC_TYPE ? STOR_META : STOR_PROJ, key, &v);
  *n = rc == CREDO_OK && v.len == 4 ? stor_dec_u32(v.data) : 1;
  return rc == CREDO_OK || rc == CREDO_NOTFOUND ? CREDO_OK : ENG_BATCH_NO;
}

/* Sizes m's by-id array to every id its column can hold in this
 * transaction, all unknown, or computes its constant. */
static int memo_prepare(batch *b, memo *m) {
  uint32_t n;
  int rc;
  if (m->col == BC_CONST)
    return eng_bm_eval(b, m, 0, 0, &m->konst);
  if (m->fop || m->direct || BC_IS_TIME(m->col))
    return CREDO_OK;
  if ((rc = col_ids_size(b->st->txn, m->col, &n)) != CREDO_OK)
    return rc;
  if (n > MEMO_ID_MAX)
    n = MEMO_ID_MAX; /* larger ids: evaluated uncached */
  free(m->arr);
  if (!(m->arr = malloc((size_t)n * sizeof *m->arr)))
    return CREDO_NOMEM;
  memset(m->arr, 0xff, (size_t)n * sizeof *m->arr);
  m->cap = n;
  return CREDO_OK;
}

/* Whether b can count by key id (b->fast, fast_cap). */
static int fast_prepare(batch *b) {
  const eng_plan *p = b->p;
  const memo *k = &b->keys[0];
  if (b->nconds || p->nkeys != 1 || !k->direct || BC_IS_FIELD(k->col))
    return CREDO_OK;
  for (size_t a = 0; a < p->naggs; a++)
    if (b->akind[a] != BA_COUNT_STAR && b->akind[a] != BA_COUNT_ALWAYS)
      return CREDO_OK;
  int rc = col_ids_size(b->st->txn, k->col, &b->fast_cap);
  b->fast = rc == CREDO_OK && b->fast_cap <= BL_FAST_CAP_MAX;
  b->fast_lanes = b->fast_cap <= eng_bl_lanes_cap ? ENG_BL_LANES : 1;
  return rc;
}

/* Which count(DISTINCT) aggregates count by id (b->vgcap). */
static int distinct_prepare(batch *b) {
  const eng_plan *p = b->p;
  int rc = CREDO_OK;
  if (!(b->vgcap = calloc(p->naggs + 1, sizeof *b->vgcap)))
    return CREDO_NOMEM;
  for (size_t a = 0; a < p->naggs && rc == CREDO_OK; a++) {
    const memo *m = &b->args[a];
    if (b->akind[a] != BA_DISTINCT_MEMO || !m->direct || BC_IS_FIELD(m->col) ||
        p->nkeys > 1 || (p->nkeys == 1 && b->keys[0].col != m->col))
      continue;
    rc = col_ids_size(b->st->txn, m->col, &b->vgcap[a]);
    if (b->vgcap[a] > BL_FAST_CAP_MAX)
      b->vgcap[a] = 0;
  }
  return rc;
}

int eng_bl_prepare(batch *b) {
  const eng_plan *p = b->p;
  int rc = fast_prepare(b);
  if (rc == CREDO_OK)
    rc = distinct_prepare(b);
  for (size_t c = 0; c < b->nconds && rc == CREDO_OK; c++)
    rc = memo_prepare(b, &b->conds[c]);
  for (size_t k = 0; k < p->nkeys && rc == CREDO_OK; k++)
    rc = memo_prepare(b, &b->keys[k]);
  for (size_t a = 0; a < p->naggs && rc == CREDO_OK; a++)
    if (p->aggs[a].arg)
      rc = memo_prepare(b, &b->args[a]);
  return rc;
}
