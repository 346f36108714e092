/*
 * exec_rows.c -- the rows a statement holds: an open-addressing hash table
 * of byte keys (GROUP BY groups, DISTINCT), the buffered result rows, the
 * ORDER BY sorter (a top-k max-heap when LIMIT bounds it) and the OFFSET /
 * LIMIT window over the buffered rows.
 *
 * Invariants: a hash table's capacity is a power of two and at most 70%
 * full; with a heap, st->rows holds at most LIMIT + OFFSET rows and its
 * root is the worst row kept; ties in ORDER BY keep arrival order (seq).
 *
 * Does not: read rows (exec_select.c) or evaluate anything.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "exec_int.h"

/* ------------------------------------------------------- hash tables */

static uint64_t hash_bytes(const void *p, size_t n) {
  return XXH64(p, n, 0);
}

static int hmap_grow(eng_hmap *m) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  eng_hent **tab = calloc(cap, sizeof *tab);
  if (!tab)
    return CREDO_NOMEM;
  for (size_t i = 0; i < m->cap; i++) {
    eng_hent *e = m->tab[i];
    size_t j;
    if (!e)
      continue;
    for (j = e->h & (cap - 1); tab[j]; j = (j + 1) & (cap - 1))
      ;
    tab[j] = e;
  }
  free(m->tab);
  m->tab = tab;
  m->cap = cap;
  assert((cap & (cap - 1)) == 0 && m->n * 10 <= cap * 7);
  return CREDO_OK;
}

/* Finds the entry for key[0..n) or adds an empty one (*added = 1). */
int eng_hmap_get(eng_hmap *m, const char *key, size_t n, eng_hent **out,
                 int *added) {
  uint64_t h = hash_bytes(key, n);
  size_t j;
  *added = 0;
  if ((m->n + 1) * 10 > m->cap * 7 && hmap_grow(m) != CREDO_OK)
    return CREDO_NOMEM;
  for (j = h & (m->cap - 1); m->tab[j]; j = (j + 1) & (m->cap - 1))
    if (m->tab[j]->h == h && m->tab[j]->klen == n &&
        memcmp(m->tab[j]->key, key, n) == 0) {
      *out = m->tab[j];
      return CREDO_OK;
    }
  if (!(m->tab[j] = malloc(sizeof(eng_hent) + n)))
    return CREDO_NOMEM;
  m->tab[j]->h = h;
  m->tab[j]->klen = n;
  m->tab[j]->val = NULL;
  memcpy(m->tab[j]->key, key, n);
  m->n++;
  *out = m->tab[j];
  *added = 1;
  return CREDO_OK;
}

void eng_hmap_free(eng_hmap *m) {
  for (size_t i = 0; i < m->cap; i++)
    free(m->tab[i]);
  free(m->tab);
  m->tab = NULL;
  m->cap = m->n = 0;
}

/* Byte key of n values into st->key. */
int eng_rows_key(credo_stmt *st, const eng_value *v, size_t n) {
  st->key.n = 0;
  for (size_t i = 0; i < n; i++)
    if (eng_v_key(&v[i], &st->key) != CREDO_OK)
      return eng_exec_nomem(st->db);
  return CREDO_OK;
}

/* 1 when the output row was seen before (DISTINCT), else records it. */
int eng_rows_seen(credo_stmt *st, const eng_value *v, int *seen) {
  eng_hent *e;
  int added, rc = eng_rows_key(st, v, st->ncols);
  if (rc != CREDO_OK)
    return rc;
  if (eng_hmap_get(&st->seen, st->key.p ? st->key.p : "", st->key.n, &e,
                   &added) != CREDO_OK)
    return eng_exec_nomem(st->db);
  *seen = !added;
  return CREDO_OK;
}

/* ---------------------------------------------------- buffered rows */

static int push_row(credo_stmt *st, eng_brow *r) {
  if (!r)
    return eng_exec_nomem(st->db);
  if (st->nrows == st->rcap) {
    size_t cap = st->rcap ? st->rcap * 2 : 16;
    eng_brow **rows = realloc(st->rows, cap * sizeof *rows);
    if (!rows) {
      free(r);
      return eng_exec_nomem(st->db);
    }
    st->rows = rows;
    st->rcap = cap;
  }
  st->rows[st->nrows++] = r;
  return CREDO_OK;
}

int eng_rows_push(credo_stmt *st, const eng_value *v, size_t n) {
  return push_row(st, eng_brow_make(v, n, st->seq++));
}

void eng_rows_free(credo_stmt *st) {
  for (size_t i = 0; i < st->nrows; i++)
    free(st->rows[i]);
  free(st->rows);
  st->rows = NULL;
  st->nrows = st->rcap = st->pos = st->end = 0;
}

/* ORDER BY comparison of (keys a, seq sa) with (keys b, seq sb): the keys
 * follow the ncols output values. */
static int order_cmp(const credo_stmt *st, const eng_value *a, uint64_t sa,
                     const eng_value *b, uint64_t sb) {
  const eng_plan *p = st->plan;
  for (size_t k = 0; k < p->norder; k++) {
    int c = eng_v_order(&a[st->ncols + k], &b[st->ncols + k]);
    if (c)
      return p->desc[k] ? -c : c;
  }
  return (sa > sb) - (sa < sb);
}

static int brow_cmp(const void *x, const void *y, void *arg) {
  const eng_brow *a = *(eng_brow *const *)x, *b = *(eng_brow *const *)y;
  return order_cmp(arg, a->v, a->seq, b->v, b->seq);
}

/* Max-heap on order_cmp: the root is the worst row kept. */
static void sift_down(credo_stmt *st, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < st->nrows && brow_cmp(&st->rows[l], &st->rows[m], st) > 0)
      m = l;
    if (r < st->nrows && brow_cmp(&st->rows[r], &st->rows[m], st) > 0)
      m = r;
    if (m == i)
      return;
    eng_brow *t = st->rows[i];
    st->rows[i] = st->rows[m];
    st->rows[m] = t;
    i = m;
  }
}

static void sift_up(credo_stmt *st, size_t i) {
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (brow_cmp(&st->rows[i], &st->rows[p], st) <= 0)
      return;
    eng_brow *t = st->rows[i];
    st->rows[i] = st->rows[p];
    st->rows[p] = t;
    i = p;
  }
}

/* Adds an output row with its ORDER BY keys (st->out). With a top-k heap
 * a row worse than the k kept is dropped before it is copied. */
int eng_rows_sort_add(credo_stmt *st) {
  size_t n = st->ncols + st->plan->norder;
  uint64_t seq = st->seq++, k = st->limit + st->offset;
  int rc;
  if (!st->heap)
    return push_row(st, eng_brow_make(st->out, n, seq));
  if (k < st->limit) /* overflow: no bound */
    k = UINT64_MAX;
  if (k == 0)
    return CREDO_OK;
  assert(st->nrows <= k); /* the heap never holds more than it keeps */
  if (st->nrows < k) {
    if ((rc = push_row(st, eng_brow_make(st->out, n, seq))) != CREDO_OK)
      return rc;
    sift_up(st, st->nrows - 1);
    return CREDO_OK;
  }
  if (order_cmp(st, st->out, seq, st->rows[0]->v, st->rows[0]->seq) >= 0)
    return CREDO_OK;
  eng_brow *r = eng_brow_make(st->out, n, seq);
  if (!r)
    return eng_exec_nomem(st->db);
  free(st->rows[0]);
  st->rows[0] = r;
  sift_down(st, 0);
  return CREDO_OK;
}

/* Sorts (when ordered) and sets the OFFSET / LIMIT window. */
void eng_rows_window(credo_stmt *st, int ordered) {
  if (ordered && st->nrows > 1)
    qsort_r(st->rows, st->nrows, sizeof *st->rows, brow_cmp, st);
  st->pos = st->offset < st->nrows ? st->offset : st->nrows;
  st->end = st->nrows;
  if (st->has_limit && st->end - st->pos > st->limit)
    st->end = st->pos + st->limit;
  assert(st->pos <= st->end && st->end <= st->nrows);
}
