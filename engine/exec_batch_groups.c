/*
 * exec_batch_groups.c -- one batch worker's groups (exec_batch.h): the
 * group of a key (no key: one group; one key: an array by value id; two
 * keys: an open-addressing hash of the pair), created at the end of the
 * worker's list at the key's first row, so that the list is in first
 * appearance order; and the (group, value) sets of count(DISTINCT).
 *
 * Threads: a worker's tables are its own (no locking); the merge
 * (exec_batch_par.c) uses them on the calling thread after the workers.
 *
 * Does not: read segments or evaluate (exec_batch_loop.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec_batch.h"

/* A count-by-id worker (b->fast) keeps no states while it scans: its
 * counts are by id, and the states are made once at the end
 * (eng_bl_fast_finish). */
int eng_bl_group_add(bwork *w, const uint32_t *kv, int32_t *gid) {
  size_t na = w->b->fast ? 0 : w->b->p->naggs;
  if (w->ngroups == w->gcap) {
    size_t cap = w->gcap ? w->gcap * 2 : 64;
    bgroup *g = realloc(w->groups, cap * sizeof *g);
    eng_agg_state *s = NULL;
    if (g)
      w->groups = g;
    if (na && (s = realloc(w->states, cap * na * sizeof *s)))
      w->states = s;
    if (!g || (na && !s))
      return CREDO_NOMEM;
    w->gcap = cap;
  }
  memset(&w->groups[w->ngroups], 0, sizeof(bgroup));
  memcpy(w->groups[w->ngroups].kv, kv, w->b->p->nkeys * sizeof *kv);
  if (na)
    memset(w->states + w->ngroups * na, 0, na * sizeof(eng_agg_state));
  *gid = (int32_t)w->ngroups++;
  return CREDO_OK;
}

int eng_bl_group1(bwork *w, uint32_t k, int32_t *gid) {
  int rc;
  if (k < w->g1cap && w->g1[k] >= 0) {
    *gid = w->g1[k];
    return CREDO_OK;
  }
  if (k >= w->g1cap) {
    size_t cap = w->g1cap ? w->g1cap : 256;
    int32_t *a;
    while (cap <= k)
      cap *= 2;
    if (!(a = realloc(w->g1, cap * sizeof *a)))
      return CREDO_NOMEM;
    memset(a + w->g1cap, 0xff, (cap - w->g1cap) * sizeof *a);
    w->g1 = a;
    w->g1cap = cap;
  }
  if ((rc = eng_bl_group_add(w, &k, gid)) == CREDO_OK)
    w->g1[k] = *gid;
  return rc;
}

/* exec_batch.h: the sets' contract. */
int eng_bl_set_add(uint64_t **set, size_t *cap, size_t *n, uint64_t x,
                   int32_t *slot_val, int32_t **vals) {
  size_t j;
  uint64_t key = x + 1;
  if ((*n + 1) * 2 > *cap) {
    size_t nc = *cap ? *cap * 2 : 1024, oc = *cap;
    uint64_t *ns = calloc(nc, sizeof *ns), *os = *set;
    int32_t *nv = vals ? malloc(nc * sizeof *nv) : NULL,
            *ov = vals ? *vals : NULL;
    if (!ns || (vals && !nv)) {
      free(ns);
      free(nv);
      return -1;
    }
    for (size_t i = 0; i < oc; i++)
      if (os[i]) {
        for (j = eng_bm_hash((int64_t)os[i], nc); ns[j]; j = (j + 1) & (nc - 1))
          ;
        ns[j] = os[i];
        if (vals)
          nv[j] = ov[i];
      }
    free(os);
    free(ov);
    *set = ns;
    *cap = nc;
    if (vals)
      *vals = nv;
  }
  for (j = eng_bm_hash((int64_t)key, *cap); (*set)[j]; j = (j + 1) & (*cap - 1))
    if ((*set)[j] == key) {
      if (slot_val)
        *slot_val = (*vals)[j];
      return 0;
    }
  (*set)[j] = key;
  (*n)++;
  if (vals)
    (*vals)[j] = *slot_val;
  return 1;
}

int eng_bl_group2(bwork *w, const uint32_t *kv, int32_t *gid) {
  uint64_t k = (uint64_t)kv[0] << 32 | kv[1];
  size_t n = w->ngroups;
  int32_t g = (int32_t)n;
  int r = eng_bl_set_add(&w->g2k, &w->g2cap, &n, k, &g, &w->g2v);
  if (r < 0)
    return CREDO_NOMEM;
  if (r == 0) {
    *gid = g;
    return CREDO_OK;
  }
  return eng_bl_group_add(w, kv, gid);
}

int eng_bl_group(bwork *w, const uint32_t *kv, int32_t *gid) {
  size_t nk = w->b->p->nkeys;
  if (nk == 0) {
    *gid = 0;
    return w->ngroups ? CREDO_OK : eng_bl_group_add(w, kv, gid);
  }
  return nk == 1 ? eng_bl_group1(w, kv[0], gid) : eng_bl_group2(w, kv, gid);
}

int eng_bl_distinct_add(bwork *w, size_t a, int32_t g, int32_t vid) {
  return eng_bl_set_add(&w->dset[a], &w->dcap[a], &w->dn[a],
                        (uint64_t)(uint32_t)g << 32 | (uint32_t)vid, NULL,
                        NULL);
}
