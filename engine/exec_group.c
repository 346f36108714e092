/*
 * exec_group.c -- GROUP BY: one group per distinct key (with its aggregate
 * states), filled from the filtered rows, then turned into output rows
 * through HAVING, DISTINCT and ORDER BY.
 *
 * Invariants: groups are emitted in order of first appearance (gorder);
 * aggregates over no rows without GROUP BY make one group; the groups are
 * freed as soon as their rows are buffered.
 *
 * Does not: read rows (exec_select.c) or sort them (exec_rows.c).
 */
#include <assert.h>
#include <stdlib.h>

#include "exec_int.h"

void eng_exec_groups_free(credo_stmt *st) {
  for (size_t i = 0; i < st->ngroups; i++) {
    eng_group *g = st->gorder[i];
    for (size_t a = 0; st->plan && a < st->plan->naggs; a++)
      eng_agg_state_free(&g->st[a]);
    free(g->keys);
    free(g);
  }
  free(st->gorder);
  st->gorder = NULL;
  st->ngroups = st->gcap = 0;
  eng_hmap_free(&st->groups);
}

int eng_exec_group_new(credo_stmt *st, const eng_value *kv, eng_group **out) {
  const eng_plan *p = st->plan;
  eng_group *g = calloc(1, sizeof *g + p->naggs * sizeof(eng_agg_state));
  if (!g || !(g->keys = eng_brow_make(kv, p->nkeys, 0))) {
    free(g);
    return eng_exec_nomem(st->db);
  }
  if (st->ngroups == st->gcap) {
    size_t cap = st->gcap ? st->gcap * 2 : 16;
    eng_group **v = realloc(st->gorder, cap * sizeof *v);
    if (!v) {
      free(g->keys);
      free(g);
      return eng_exec_nomem(st->db);
    }
    st->gorder = v;
    st->gcap = cap;
  }
  st->gorder[st->ngroups++] = g;
  *out = g;
  return CREDO_OK;
}

/* The group of the current row (created when new). */
static int group_of(credo_stmt *st, eng_group **g) {
  const eng_plan *p = st->plan;
  eng_value *kv = st->out + p->ncols + p->norder;
  eng_hent *e;
  int rc, added;
  for (size_t k = 0; k < p->nkeys; k++)
    if ((rc = eng_eval(&st->x, p->keys[k], &kv[k])) != CREDO_OK)
      return rc;
  if ((rc = eng_rows_key(st, kv, p->nkeys)) != CREDO_OK)
    return rc;
  if (eng_hmap_get(&st->groups, st->key.p ? st->key.p : "", st->key.n, &e,
                   &added) != CREDO_OK)
    return eng_exec_nomem(st->db);
  if (added &&
      (rc = eng_exec_group_new(st, kv, (eng_group **)&e->val)) != CREDO_OK)
    return rc;
  *g = e->val;
  return CREDO_OK;
}

/* Turns the groups into output rows (HAVING, DISTINCT, ORDER BY). */
static int emit_groups(credo_stmt *st) {
  const eng_plan *p = st->plan;
  eng_value *aggv = st->out + p->ncols + p->norder + p->nkeys;
  int rc, tri = 1;
  for (size_t i = 0; i < st->ngroups; i++) {
    eng_group *g = st->gorder[i];
    eng_ectx_row(&st->x);
    st->x.keys = g->keys->v;
    for (size_t a = 0; a < p->naggs; a++)
      eng_agg_final(&p->aggs[a], &g->st[a], &aggv[a]);
    st->x.aggv = aggv;
    if (p->having && (rc = eng_eval_cond(&st->x, p->having, &tri)) != CREDO_OK)
      return rc;
    if (tri == 1 && (rc = eng_exec_collect(st)) != CREDO_OK)
      return rc;
  }
  return CREDO_OK;
}

int eng_exec_drain_grouped(credo_stmt *st) {
  const eng_plan *p = st->plan;
  eng_group *g = NULL;
  int rc;
  assert(p->grouped);
  if ((rc = eng_batch_group(st)) != ENG_BATCH_NO)
    return rc; /* answered from the projection (exec_batch.c) */
  while ((rc = eng_exec_next_filtered(st)) == CREDO_ROW) {
    if ((rc = group_of(st, &g)) != CREDO_OK)
      return rc;
    for (size_t a = 0; a < p->naggs; a++)
      if ((rc = eng_agg_step(&st->x, &p->aggs[a], &g->st[a])) != CREDO_OK)
        return rc;
  }
  if (rc != CREDO_DONE)
    return rc;
  if (p->nkeys == 0 && st->ngroups == 0 && (rc = group_of(st, &g)))
    return rc; /* aggregates over no rows: one group */
  return eng_exec_groups_finish(st);
}

int eng_exec_groups_finish(credo_stmt *st) {
  int rc;
  eng_exec_read_end(st);
  if ((rc = emit_groups(st)) != CREDO_OK)
    return rc;
  eng_exec_groups_free(st);
  if (st->plan->nwins)
    return eng_win_finish(st);
  eng_rows_window(st, st->plan->norder > 0);
  return CREDO_OK;
}
