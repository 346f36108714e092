/*
 * exec_batch_loop.c -- the batch path's row loop (exec_batch.h): one
 * worker's pass over projection segments, a column at a time.
 *
 * Per segment of ENG_PROJ_SEG_ROWS rows: a selection vector of row
 * numbers from the flags and the window (never retracted; INCLUDE HIDDEN:
 * present, else public at the read instant, as read.c's passes()); each
 * WHERE conjunct, in order, narrows it in one loop (a time column against
 * a constant compares in place; any other conjunct reads its memo by
 * dictionary id or time, filling misses through eng_bm_eval); then the
 * group of each selected row (no key: one group; one key: an array by
 * value id; two keys: a hash), and each aggregate as one loop over the
 * selection. A conjunct is evaluated on exactly the rows the conjuncts
 * before it did not find FALSE (one found unknown, NULL, goes on and is
 * dropped at the end: three-valued AND, as expr_logic.c), and keys and
 * aggregate arguments on the rows all kept, so the evaluations (and so
 * the declines) are those of a row-at-a-time pass; groups are created in
 * row order (first appearance).
 *
 * Specialized loops: count(*) GROUP BY a bare dictionary column without
 * WHERE counts by key id without a selection vector (count_by_id);
 * count(DISTINCT a bare dictionary column) whose group is a function of
 * that column keeps the group of each id seen instead of pair sets; a
 * segment of live rows only (INCLUDE HIDDEN) selects every row at once.
 *
 * Sums of a projected field add exact mantissas as expr_agg.c does; an
 * OTHER cell or an overflow declines (ENG_BATCH_NO: the row path
 * answers). A worker of several (strict) also declines when a partial
 * sum reaches a bound (|decimal mantissa| >= 10^18, |integer| >= 2^62)
 * below which the merged halves provably equal one pass (no prefix of
 * the whole could overflow either).
 *
 * Threads: a worker touches only its own bwork, reads the batch and the
 * memos' shared by-id arrays (__atomic), and takes batch.mu around every
 * evaluation (the statement's evaluation context, interning).
 *
 * Does not: walk the cursor (exec_batch.c's scan), set workers up
 * (exec_batch_prep.c), keep group tables (exec_batch_groups.c), start
 * threads or merge workers (exec_batch_par.c), emit groups.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec_batch.h"

/* A worker of several declines at these partial sums (see above). */
#define BL_INT_STRICT (INT64_C(1) << 62)

/* 10^0 .. 10^18. */
static const int64_t P10[19] = {1LL,
                                10LL,
                                100LL,
                                1000LL,
                                10000LL,
                                100000LL,
                                1000000LL,
                                10000000LL,
                                100000000LL,
                                1000000000LL,
                                10000000000LL,
                                100000000000LL,
                                1000000000000LL,
                                10000000000000LL,
                                100000000000000LL,
                                1000000000000000LL,
                                10000000000000000LL,
                                100000000000000000LL,
                                1000000000000000000LL};

/* eng_dec_acc_add's bound on an exact sum: 10^37. */
#define DEC_ACC_LIM                                                            \
  ((__int128)1000000000000000000LL * 1000000000000000000LL * 10)

/* ------------------------------------------------------------ memos */

/* Evaluates m for (id, t) under the batch's lock. */
static int eval_locked(bwork *w, memo *m, uint64_t id, int64_t t,
                       int32_t *out) {
  int rc;
  pthread_mutex_lock(&w->b->mu);
  rc = eng_bm_eval(w->b, m, id, t, out);
  pthread_mutex_unlock(&w->b->mu);
  return rc;
}

/* The values of m for the n ids missing from its array (or beyond it),
 * into out[at[k]]: evaluated under one hold of the batch's lock (once
 * per id: another worker, or an earlier miss of the same id, may have
 * filled it), published for every worker. */
static int memo_misses(bwork *w, memo *m, size_t n, const uint32_t *ids,
                       const uint16_t *at, int32_t *out) {
  int rc = CREDO_OK;
  pthread_mutex_lock(&w->b->mu);
  for (size_t k = 0; k < n && rc == CREDO_OK; k++) {
    uint32_t id = ids[k];
    int32_t v =
        id < m->cap ? __atomic_load_n(&m->arr[id], __ATOMIC_RELAXED) : -1;
    if (v < 0 && (rc = eng_bm_eval(w->b, m, id, 0, &v)) == CREDO_OK &&
        id < m->cap)
      __atomic_store_n(&m->arr[id], v, __ATOMIC_RELAXED);
    out[at[k]] = v;
  }
  pthread_mutex_unlock(&w->b->mu);
  return rc;
}

/* m's value for time t (the worker's own set, m->hk / hv). */
static int memo_time(bwork *w, memo *m, int64_t t, int32_t *out) {
  ptrdiff_t j = eng_bl_set_find(m->hk, m->hcap, (uint64_t)t);
  int rc;
  if (j >= 0) {
    *out = m->hv[j];
    return CREDO_OK;
  }
  if ((rc = eval_locked(w, m, 0, t, out)) != CREDO_OK)
    return rc;
  if ((uint64_t)t == UINT64_MAX)
    return CREDO_OK; /* the one key the set cannot hold: not cached */
  return eng_bl_set_add(&m->hk, &m->hcap, &m->hn, (uint64_t)t, out, &m->hv) < 0
             ? CREDO_NOMEM
             : CREDO_OK;
}

/* The time column m reads. */
static const int64_t *time_col(const memo *m, const eng_proj_seg *s) {
  return m->col == BC_OCCURRED ? s->occurred
         : m->col == BC_FROM   ? s->from
                               : s->until;
}

/* The dictionary / type ids of m's column on the n selected rows into
 * ids; a field cell that is neither NULL (id 0) nor text declines
 * (numbers as keys or conditions: the rows answer). */
static int col_ids(const memo *m, const eng_proj_seg *s, const uint16_t *sel,
                   size_t n, uint32_t *ids) {
  const uint32_t *c = m->col == BC_SUBJECT  ? s->subject
                      : m->col == BC_SOURCE ? s->source
                      : m->col == BC_TYPE   ? s->type
                                            : NULL;
  if (c) {
    for (size_t j = 0; j < n; j++)
      ids[j] = c[sel[j]];
    return CREDO_OK;
  }
  int f = m->col - BC_FIELD0, bad = 0;
  const uint8_t *tag = s->ftag[f];
  const int64_t *val = s->fval[f];
  for (size_t j = 0; j < n; j++) {
    uint8_t t = tag[sel[j]];
    ids[j] = t == ENG_PROJ_TEXT ? (uint32_t)val[sel[j]] : 0;
    bad |= t != ENG_PROJ_TEXT && t != ENG_PROJ_NULL;
  }
  return bad ? ENG_BATCH_NO : CREDO_OK;
}

/* m's value ids on the n selected rows into out. */
static int memo_vec(bwork *w, memo *m, const eng_proj_seg *s,
                    const uint16_t *sel, size_t n, int32_t *out) {
  uint32_t *ids = (uint32_t *)out, big = 0;
  int rc = CREDO_OK;
  if (m->col == BC_CONST) {
    for (size_t j = 0; j < n; j++)
      out[j] = m->konst;
    return CREDO_OK;
  }
  if (BC_IS_TIME(m->col)) {
    const int64_t *t = time_col(m, s);
    for (size_t j = 0; j < n && rc == CREDO_OK; j++)
      rc = memo_time(w, m, t[sel[j]], &out[j]);
    return rc;
  }
  if ((rc = col_ids(m, s, sel, n, ids)) != CREDO_OK)
    return rc;
  if (m->direct) { /* the id is the value id */
    for (size_t j = 0; j < n; j++)
      big |= ids[j];
    return big > INT32_MAX ? ENG_BATCH_NO : CREDO_OK;
  }
  size_t nm = 0;
  for (size_t j = 0; j < n; j++) {
    uint32_t id = ids[j];
    int32_t v =
        id < m->cap ? __atomic_load_n(&m->arr[id], __ATOMIC_RELAXED) : -1;
    if (__builtin_expect(v < 0, 0)) {
      w->miss_id[nm] = id;
      w->miss_at[nm++] = (uint16_t)j;
    }
    out[j] = v;
  }
  return nm ? memo_misses(w, m, nm, w->miss_id, w->miss_at, out) : CREDO_OK;
}

/* The dictionary / type id column m reads; NULL for a field. */
static const uint32_t *dict_col(const memo *m, const eng_proj_seg *s) {
  return m->col == BC_SUBJECT  ? s->subject
         : m->col == BC_SOURCE ? s->source
         : m->col == BC_TYPE   ? s->type
                               : NULL;
}

/* Row i's conjuncts so far include an unknown one: later conjuncts are
 * still evaluated on it (three-valued AND stops at FALSE only, as
 * expr_logic.c), but it is not kept (drop_unknown). */
static void unknown(bwork *w, uint16_t i) {
  w->unknown[i] = 1;
  w->any_unknown = 1;
}

/* Drops the rows marked unknown from the selection, clearing the marks. */
static size_t drop_unknown(bwork *w, size_t n) {
  size_t k = 0;
  for (size_t j = 0; j < n; j++) {
    uint16_t i = w->sel[j];
    w->sel[k] = i;
    k += !w->unknown[i];
  }
  memset(w->unknown, 0, sizeof w->unknown);
  w->any_unknown = 0;
  return k;
}

/* Narrows by a memoized conjunct over a dictionary / type column: the
 * memo entry of each row's id (the segment's misses evaluated together),
 * then keep. */
static int narrow_dict(bwork *w, memo *m, const uint32_t *col, uint16_t *sel,
                       size_t *np) {
  size_t n = *np, k = 0, cap = m->cap, nm = 0;
  const int32_t *arr = m->arr;
  int32_t *v = w->v;
  int rc;
  for (size_t j = 0; j < n; j++) {
    uint32_t id = col[sel[j]];
    v[j] = id < cap ? __atomic_load_n(&arr[id], __ATOMIC_RELAXED) : -1;
    if (__builtin_expect(v[j] < 0, 0)) {
      w->miss_id[nm] = id;
      w->miss_at[nm++] = (uint16_t)j;
    }
  }
  if (nm && (rc = memo_misses(w, m, nm, w->miss_id, w->miss_at, v)) != CREDO_OK)
    return rc;
  for (size_t j = 0; j < n; j++) {
    uint16_t i = sel[j];
    if (__builtin_expect(v[j] == BM_COND_NULL, 0))
      unknown(w, i);
    sel[k] = i;
    k += v[j] != 0;
  }
  *np = k;
  return CREDO_OK;
}

/* Keeps the selected rows whose time t[i] OP ft (branch-free). */
#define KEEP_IF(OP)                                                            \
  for (size_t j = 0; j < n; j++) {                                             \
    uint16_t i = sel[j];                                                       \
    sel[k] = i;                                                                \
    k += t[i] OP ft;                                                           \
  }

/* Narrows the selection (sel, *np) by conjunct m. */
static int narrow(bwork *w, memo *m, const eng_proj_seg *s, uint16_t *sel,
                  size_t *np) {
  size_t n = *np, k = 0;
  int rc;
  if (m->fop) { /* `time op constant`, as eng_v_compare orders times */
    const int64_t *t = time_col(m, s);
    int64_t ft = m->ft;
    switch (m->fop) {
    case CQL_OP_EQ:
      KEEP_IF(==);
      break;
    case CQL_OP_NE:
      KEEP_IF(!=);
      break;
    case CQL_OP_LT:
      KEEP_IF(<);
      break;
    case CQL_OP_LE:
      KEEP_IF(<=);
      break;
    case CQL_OP_GT:
      KEEP_IF(>);
      break;
    default:
      KEEP_IF(>=);
    }
    *np = k;
    return CREDO_OK;
  }
  if (!m->direct && dict_col(m, s))
    return narrow_dict(w, m, dict_col(m, s), sel, np);
  if ((rc = memo_vec(w, m, s, sel, n, w->v)) != CREDO_OK)
    return rc;
  for (size_t j = 0; j < n; j++) {
    if (__builtin_expect(w->v[j] == BM_COND_NULL, 0))
      unknown(w, sel[j]);
    sel[k] = sel[j];
    k += w->v[j] != 0;
  }
  *np = k;
  return CREDO_OK;
}

/* Whether every row of the segment is present and not retracted (the
 * common case: a segment of live events); sets sel to every row then.
 * Branch-free loops (compiled at O3: vectorized). */
__attribute__((optimize("O3"))) static int all_live(const uint8_t *restrict fl,
                                                    uint16_t *restrict sel) {
  unsigned bad = 0;
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    bad |= (fl[i] & (ENG_PROJ_PRESENT | ENG_PROJ_RETRACTED)) ^ ENG_PROJ_PRESENT;
  if (bad)
    return 0;
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
    sel[i] = (uint16_t)i;
  return 1;
}

/* The lower (GE / GT) or upper (LT / LE) bound of a time comparison as
 * a half-open [lo, hi) over integers (times compare as integers): *is_lo
 * says which; 0 when m is not such a comparison. */
static int bound_of(const memo *m, int *is_lo, __int128 *v) {
  if (!m->fop)
    return 0;
  switch (m->fop) {
  case CQL_OP_GE:
  case CQL_OP_GT:
    *is_lo = 1;
    *v = (__int128)m->ft + (m->fop == CQL_OP_GT);
    return 1;
  case CQL_OP_LT:
  case CQL_OP_LE:
    *is_lo = 0;
    *v = (__int128)m->ft + (m->fop == CQL_OP_LE);
    return 1;
  default:
    return 0;
  }
}

/* Two adjacent conjuncts bounding the same time column from below and
 * above (`occurred >= a AND occurred < b`, either order) narrow in one
 * pass: lo <= t < hi as one unsigned comparison. Neither can be unknown
 * or fail, so one pass keeps what two would. 0 when they are not such a
 * pair (nothing done). */
static int narrow_range(const memo *a, const memo *b, const eng_proj_seg *s,
                        uint16_t *sel, size_t *np) {
  __int128 va, vb, lo, hi;
  int la, lb;
  size_t n = *np, k = 0;
  if (a->col != b->col || !bound_of(a, &la, &va) || !bound_of(b, &lb, &vb) ||
      la == lb)
    return 0;
  lo = la ? va : vb;
  hi = la ? vb : va;
  if (hi <= lo) {
    *np = 0; /* an empty range */
    return 1;
  }
  if (hi - lo > (__int128)UINT64_MAX)
    return 1; /* every time: all kept */
  const int64_t *t = time_col(a, s);
  uint64_t ulo = (uint64_t)(int64_t)lo, width = (uint64_t)(hi - lo);
  for (size_t j = 0; j < n; j++) {
    uint16_t i = sel[j];
    sel[k] = i;
    k += (uint64_t)t[i] - ulo < width;
  }
  *np = k;
  return 1;
}

/* The rows of s the query reads (flags, window) into sel: their count. */
static size_t select_rows(const eng_proj_seg *s, int hidden, credo_time vis,
                          uint16_t *sel) {
  const uint8_t *fl = s->flags;
  size_t k = 0;
  if (hidden && all_live(fl, sel))
    return ENG_PROJ_SEG_ROWS;
  if (hidden) {
    for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++) {
      sel[k] = (uint16_t)i;
      k +=
          (fl[i] & (ENG_PROJ_PRESENT | ENG_PROJ_RETRACTED)) == ENG_PROJ_PRESENT;
    }
    return k;
  }
  const int64_t *from = s->from, *until = s->until;
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++) {
    sel[k] = (uint16_t)i;
    k += ((fl[i] & (ENG_PROJ_PRESENT | ENG_PROJ_RETRACTED)) ==
          ENG_PROJ_PRESENT) &
         (from[i] <= vis) & (vis < until[i]);
  }
  return k;
}

/* ----------------------------------------------------------- groups */

/* The group of the two-key pair k (eng_bl_group2's set), -1 when it has
 * none yet. */
static inline int32_t g2_find(const bwork *w, uint64_t k) {
  ptrdiff_t j = eng_bl_set_find(w->g2k, w->g2cap, k);
  return j < 0 ? -1 : w->g2v[j];
}

/* The group ids of the n selected rows into w->gid. */
static int groups_of(bwork *w, const eng_proj_seg *s, size_t n) {
  const eng_plan *p = w->b->p;
  uint32_t kv[2] = {0, 0};
  int rc = CREDO_OK;
  if (p->nkeys == 0) {
    if (n && !w->ngroups &&
        (rc = eng_bl_group_add(w, kv, &w->gid[0])) != CREDO_OK)
      return rc;
    memset(w->gid, 0, n * sizeof *w->gid);
    return CREDO_OK;
  }
  if (p->nkeys == 1 && w->keys[0].direct && dict_col(&w->keys[0], s)) {
    const uint32_t *col = dict_col(&w->keys[0], s);
    for (size_t j = 0; j < n && rc == CREDO_OK; j++) {
      uint32_t k = col[w->sel[j]];
      int32_t g = k < w->g1cap ? w->g1[k] : -1;
      if (__builtin_expect(g < 0, 0))
        rc = k > INT32_MAX ? ENG_BATCH_NO : eng_bl_group1(w, k, &g);
      w->gid[j] = g;
    }
    return rc;
  }
  for (size_t k = 0; k < p->nkeys; k++)
    if ((rc = memo_vec(w, &w->keys[k], s, w->sel, n, w->kv[k])) != CREDO_OK)
      return rc;
  if (p->nkeys == 1) {
    const int32_t *k0 = w->kv[0];
    for (size_t j = 0; j < n && rc == CREDO_OK; j++) {
      uint32_t k = (uint32_t)k0[j];
      int32_t g = k < w->g1cap ? w->g1[k] : -1;
      if (g < 0)
        rc = eng_bl_group1(w, k, &g);
      w->gid[j] = g;
    }
    return rc;
  }
  for (size_t j = 0; j < n && rc == CREDO_OK; j++) {
    kv[0] = (uint32_t)w->kv[0][j];
    kv[1] = (uint32_t)w->kv[1][j];
    /* an existing group: probed inline; a new one: added */
    if ((w->gid[j] = g2_find(w, (uint64_t)kv[0] << 32 | kv[1])) < 0)
      rc = eng_bl_group2(w, kv, &w->gid[j]);
  }
  return rc;
}

/* ------------------------------------------------------- aggregates */

/* Adds one cell of a projected field to s, as agg_step summed it. */
static int sum_cell(eng_agg_state *s, uint8_t tag, int64_t val, uint8_t sc,
                    int strict) {
  switch (tag) {
  case ENG_PROJ_INT:
    eng_agg_sum_int(s, val); /* expr_agg.c's step */
    if (strict &&
        (s->real || s->isum >= BL_INT_STRICT || s->isum <= -BL_INT_STRICT))
      return ENG_BATCH_NO;
    break;
  case ENG_PROJ_DEC:
    s->dec = 1;
    if (sc <= s->dsum.s && s->dsum.s <= 18) {
      /* eng_dec_acc_add's sum, without its pow10 loop */
      s->dsum.m += (__int128)val * P10[s->dsum.s - sc];
      if (s->dsum.m >= DEC_ACC_LIM || s->dsum.m <= -DEC_ACC_LIM)
        return ENG_BATCH_NO;
    } else if (eng_dec_acc_add(&s->dsum, (eng_dec){val, sc}) != CREDO_OK)
      return ENG_BATCH_NO; /* the row path says "decimal overflow" */
    if (strict &&
        (s->dsum.m >= ENG_BL_DEC_STRICT || s->dsum.m <= -ENG_BL_DEC_STRICT))
      return ENG_BATCH_NO;
    break;
  case ENG_PROJ_OTHER:
    return ENG_BATCH_NO;
  default:
    return CREDO_OK; /* NULL and texts are skipped, as rows do */
  }
  s->count++;
  return CREDO_OK;
}

/* count(DISTINCT) a over the n selected rows, their value ids in w->v:
 * by id when the id decides the group (w->vg[a], each id counted once),
 * else through the (group, value) pair set. */
static int agg_distinct(bwork *w, size_t a, size_t n) {
  size_t na = w->b->p->naggs;
  eng_agg_state *st = w->states + a;
  const int32_t *gid = w->gid;
  int32_t *vg = w->vg[a];
  int r;
  for (size_t j = 0; vg && j < n; j++) {
    uint32_t id = (uint32_t)w->v[j];
    if (id >= w->b->vgcap[a])
      return ENG_BATCH_NO; /* an id the dictionary did not give */
    if (id && vg[id] < 0) {
      vg[id] = gid[j];
      st[(size_t)gid[j] * na].count++;
    }
  }
  for (size_t j = 0; !vg && j < n; j++) {
    if (!w->v[j])
      continue; /* NULL */
    if ((r = eng_bl_distinct_add(w, a, gid[j], w->v[j])) < 0)
      return CREDO_NOMEM;
    st[(size_t)gid[j] * na].count += r;
  }
  return CREDO_OK;
}

/* Aggregate a over the n selected rows (groups in w->gid). */
static int agg_vec(bwork *w, size_t a, const eng_proj_seg *s, size_t n) {
  size_t na = w->b->p->naggs;
  eng_agg_state *st = w->states + a;
  const int32_t *gid = w->gid;
  int rc = CREDO_OK, f;
  switch (w->b->akind[a]) {
  case BA_COUNT_STAR:
  case BA_COUNT_ALWAYS:
    if (w->b->p->nkeys == 0)
      st->count += (int64_t)n;
    else
      for (size_t j = 0; j < n; j++)
        st[(size_t)gid[j] * na].count++;
    return CREDO_OK;
  case BA_COUNT_MEMO:
    if ((rc = memo_vec(w, &w->args[a], s, w->sel, n, w->v)) != CREDO_OK)
      return rc;
    for (size_t j = 0; j < n; j++)
      st[(size_t)gid[j] * na].count += w->v[j] != 0;
    return CREDO_OK;
  case BA_DISTINCT_MEMO:
    if ((rc = memo_vec(w, &w->args[a], s, w->sel, n, w->v)) != CREDO_OK)
      return rc;
    return agg_distinct(w, a, n);
  default: /* BA_SUM_FIELD */
    f = w->args[a].col - BC_FIELD0;
    for (size_t j = 0; j < n && rc == CREDO_OK; j++) {
      uint16_t i = w->sel[j];
      rc = sum_cell(&st[(size_t)gid[j] * na], s->ftag[f][i], s->fval[f][i],
                    s->fscale[f][i], w->strict);
    }
    return rc;
  }
}

/* ---------------------------------------------------------- segments */

/* Creates the group of key id k, kept (its first row in the scan); ids
 * are 1 .. fast_cap - 1 (0 is the slot of rows not kept, whose g1 entry
 * is INT32_MAX, never a group). */
static int fast_new(bwork *w, uint32_t k) {
  int32_t g;
  int rc;
  if ((rc = eng_bl_group_add(w, &k, &g)) == CREDO_OK)
    w->g1[k] = g;
  return rc;
}

/* b->fast, first pass: the key id of each row, 0 when it is not kept
 * (flags, window); the largest id. Branch-free, so that it vectorizes. */
__attribute__((optimize("O3"))) static uint32_t
fast_keys(const uint32_t *restrict col, const uint8_t *restrict fl,
          const int64_t *restrict from, const int64_t *restrict until,
          int hidden, credo_time vis, uint32_t *restrict key) {
  uint32_t max = 0;
  if (hidden)
    for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++) {
      uint32_t keep =
          (fl[i] & (ENG_PROJ_PRESENT | ENG_PROJ_RETRACTED)) == ENG_PROJ_PRESENT;
      key[i] = col[i] & -keep;
      max = key[i] > max ? key[i] : max;
    }
  else
    for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++) {
      uint32_t keep = ((fl[i] & (ENG_PROJ_PRESENT | ENG_PROJ_RETRACTED)) ==
                       ENG_PROJ_PRESENT) &
                      (from[i] <= vis) & (vis < until[i]);
      key[i] = col[i] & -keep;
      max = key[i] > max ? key[i] : max;
    }
  return max;
}

/* Adds each row to counter lane i % lanes of its key id; the OR of the
 * ids' group slots (negative: an id without a group yet). */
static inline int32_t count_lanes(const uint32_t *key, const int32_t *g1,
                                  int64_t *cnt, size_t lanes) {
  int32_t none = 0;
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i += lanes)
    for (size_t l = 0; l < lanes; l++) {
      uint32_t k = key[i + l];
      none |= g1[k]; /* g1[0] = INT32_MAX: rows not kept never set it */
      cnt[(size_t)k * lanes + l]++;
    }
  return none;
}

/* b->fast: counts the rows of a segment by key id (no selection vector):
 * keys first (fast_keys), then one pass adding each row to one of
 * b->fast_lanes interleaved counters of its id (row i to lane i % lanes,
 * so that rows of one id in a row do not wait on each other's add; rows not
 * kept add to id 0, never a group) and noting whether an id has no group
 * yet; if one has, a pass in row order creates the groups at their first
 * kept row (first appearance order). */
static int count_by_id(bwork *w, const eng_proj_seg *s, int hidden,
                       credo_time vis) {
  uint32_t *key = (uint32_t *)w->kv[0];
  const int32_t *g1 = w->g1;
  int64_t *cnt = w->cnt;
  int32_t none;
  int rc;
  if (fast_keys(dict_col(&w->keys[0], s), s->flags, s->from, s->until, hidden,
                vis, key) >= w->b->fast_cap)
    return ENG_BATCH_NO; /* an id the dictionary did not give */
  if (w->b->fast_lanes == ENG_BL_LANES)
    none = count_lanes(key, g1, cnt, ENG_BL_LANES);
  else
    none = count_lanes(key, g1, cnt, 1);
  if (none < 0) /* a new id: its group, in row order */
    for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
      if (g1[key[i]] < 0 && (rc = fast_new(w, key[i])) != CREDO_OK)
        return rc;
  return CREDO_OK;
}

int eng_bl_fast_merge(bwork *w0, const bwork *w) {
  size_t lanes = w0->b->fast_lanes;
  int32_t g;
  int rc;
  for (size_t i = 0; i < w->ngroups; i++) {
    uint32_t id = w->groups[i].kv[0];
    if ((rc = eng_bl_group1(w0, id, &g)) != CREDO_OK)
      return rc;
    for (size_t l = 0; l < lanes; l++)
      w0->cnt[(size_t)id * lanes + l] += w->cnt[(size_t)id * lanes + l];
  }
  return CREDO_OK;
}

int eng_bl_fast_finish(bwork *w) {
  size_t na = w->b->p->naggs, lanes = w->b->fast_lanes;
  free(w->states);
  /* each state written once, whole (no zeroing pass first); those past
   * ngroups stay unset: no group is added after this (emit's group_add
   * zeroes the states of any group it adds) */
  if (!(w->states =
            malloc((na && w->gcap ? w->gcap * na : 1) * sizeof *w->states)))
    return CREDO_NOMEM;
  for (size_t g = 0; g < w->ngroups; g++) {
    const int64_t *c = w->cnt + (size_t)w->groups[g].kv[0] * lanes;
    int64_t sum = 0;
    for (size_t l = 0; l < lanes; l++)
      sum += c[l];
    for (size_t a = 0; a < na; a++)
      w->states[g * na + a] = (eng_agg_state){.count = sum};
  }
  return CREDO_OK;
}

static int segment(bwork *w, const eng_proj_seg *s) {
  batch *b = w->b;
  credo *db = b->st->db;
  int hidden = (b->p->flags & CREDO_READ_HIDDEN) != 0, rc;
  credo_time vis = b->st->read_vis;
  size_t n;
  if (!hidden && s->until_max <= vis)
    return CREDO_OK;                /* every window ended before the instant */
  if (db->check_fn || db->deadline) /* served per row (one worker) */
    for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++)
      if ((s->flags[i] & ENG_PROJ_PRESENT) &&
          (rc = eng_run_check(db)) != CREDO_OK)
        return rc;
  if (b->fast)
    return count_by_id(w, s, hidden, vis);
  n = select_rows(s, hidden, vis, w->sel);
  for (size_t c = 0; c < b->nconds && n; c++)
    if (c + 1 < b->nconds &&
        narrow_range(&w->conds[c], &w->conds[c + 1], s, w->sel, &n))
      c++; /* both conjuncts in one pass */
    else if ((rc = narrow(w, &w->conds[c], s, w->sel, &n)) != CREDO_OK)
      return rc;
  if (w->any_unknown)
    n = drop_unknown(w, n);
  if (!n)
    return CREDO_OK;
  if ((rc = groups_of(w, s, n)) != CREDO_OK)
    return rc;
  for (size_t a = 0; a < b->p->naggs; a++)
    if ((rc = agg_vec(w, a, s, n)) != CREDO_OK)
      return rc;
  return CREDO_OK;
}

/* The columns the query reads of a stored segment value, verified
 * against their sums and widened into the worker's scratch. */
static int seg_open(bwork *w, const bsegref *segs, size_t i, eng_proj_seg *s) {
  if (eng_proj_decode(segs[i].data, segs[i].len, w->b->cols, s, w->segbuf,
                      NULL) != CREDO_OK)
    return ENG_BATCH_NO; /* damaged: the rows answer, credo check says */
  if (w->b->asof)        /* AS OF: the rows scan() collected for this segment */
    eng_batch_asof_apply(w->b->asof, segs[i].seq, s);
  return CREDO_OK;
}

int eng_bl_run(bwork *w, const bsegref *segs, size_t from, size_t to) {
  credo *db = w->b->st->db;
  eng_proj_seg s;
  int rc = CREDO_OK;
  for (size_t i = from; i < to && rc == CREDO_OK; i++) {
    if (eng_batch_seg_hook)
      eng_batch_seg_hook(w->no);
    if (atomic_load_explicit(&w->b->stop, memory_order_relaxed))
      break; /* another worker failed: its result is the answer */
    if (atomic_load_explicit(&db->interrupt, memory_order_relaxed))
      rc = ENG_BL_INTERRUPTED;
    else if ((rc = seg_open(w, segs, i, &s)) == CREDO_OK)
      rc = segment(w, &s);
  }
  if (rc != CREDO_OK)
    atomic_store(&w->b->stop, 1);
  return rc;
}
