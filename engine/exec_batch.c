/*
 * exec_batch.c -- the batch path of grouped SELECTs: answers GROUP BY /
 * aggregate / filter queries over the latest state of events from the
 * projection's segment arrays (proj.h) instead of reading, decoding and
 * evaluating every row.
 *
 * How: each WHERE conjunct, GROUP BY key and aggregate argument may read
 * at most one projected column (subject, source, type, occurred,
 * public_from, public_until, data.<projected field>). Such an expression
 * is a function of that column alone, so it is evaluated by the ordinary
 * evaluator (eng_eval, same semantics, same masking of subjects) once
 * per distinct column value, on an event that carries only that value,
 * and memoized: by dictionary / type id in an array, by time in a hash.
 * The row loop then only reads u8/u32/i64 arrays: flags and window
 * (retracted rows never; INCLUDE HIDDEN or public at VISIBLE AT, as
 * read.c's passes()), memoized conjuncts, memoized key ids into a group,
 * and aggregate steps (count, count DISTINCT over value ids, sum / avg of
 * a projected numeric field exactly as expr_agg.c sums).
 *
 * AS OF a past instant: the rows recorded after the instant are read as
 * of it and written over the segment's rows (exec_batch_asof.c). ORDER BY
 * an aggregate with LIMIT: only the groups that can reach the LIMIT
 * window are emitted (exec_batch_topk.c).
 *
 * Not taken (the row path answers; EXPLAIN says why): joins (p->join),
 * INCLUDE RETRACTED, other tables, subqueries, an index path other than
 * type, a column outside the projection, a conjunct or key reading two
 * columns, FILTER, min / max / string_agg, more than two keys, the public
 * role reading `data` (its PUBLIC FIELDS view), a projection not built. At run
 * time, any surprise (a field cell of another shape, an evaluation error, a
 * damaged segment) drops the batch before any output and the row path runs: the
 * batch path never answers differently, it only declines.
 *
 * This file: the plan (whether the batch path may answer), the scan that
 * collects the segments, the driver and the emission of groups. The
 * memoized evaluation is in exec_batch_memo.c, the vectorized row loop
 * (one worker) in exec_batch_loop.c, its set-up in exec_batch_prep.c,
 * its group tables in exec_batch_groups.c, the workers on threads and
 * their merge in exec_batch_par.c (exec_batch.h).
 *
 * Does not: write, or answer ungrouped SELECTs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_batch.h"

int eng_batch_enabled = 1;
_Atomic unsigned long eng_batch_answered;

/* --------------------------------------------------------- the plan */

/* Calls fn on each top-level AND conjunct of e; stops at non-zero. */
static int conjuncts(const eng_expr *e, int (*fn)(void *, const eng_expr *),
                     void *arg) {
  int rc = 0;
  if (e && e->kind == ENG_X_LOGIC && e->op == CQL_OP_AND) {
    for (size_t i = 0; i < e->nargs && !rc; i++) /* flat (expr_logic.c) */
      rc = conjuncts(e->args[i], fn, arg);
    return rc;
  }
  if (e && e->kind == ENG_X_BIN && e->op == CQL_OP_AND)
    return (rc = conjuncts(e->a, fn, arg)) ? rc : conjuncts(e->b, fn, arg);
  return e ? fn(arg, e) : 0;
}

static int conj_ok(void *arg, const eng_expr *e) {
  (void)arg;
  return eng_bm_col1(e) == BC_MANY;
}

static int agg_kind(const eng_agg_spec *a) {
  int c = a->arg ? eng_bm_col1(a->arg) : BC_CONST;
  if (a->filter || c == BC_MANY)
    return -1;
  if (a->fn == ENG_FN_COUNT_STAR)
    return BA_COUNT_STAR;
  if (a->fn == ENG_FN_COUNT)
    return a->distinct                 ? BA_DISTINCT_MEMO
           : a->arg->kind == ENG_X_COL ? BA_COUNT_ALWAYS
                                       : BA_COUNT_MEMO;
  if ((a->fn == ENG_FN_SUM || a->fn == ENG_FN_AVG) && !a->distinct &&
      a->arg->kind == ENG_X_JPATH && BC_IS_FIELD(c))
    return BA_SUM_FIELD;
  return -1;
}

/* NULL when the plan may take the batch path, else why not. */
static const char *plan_why_not(const credo_stmt *st) {
  const eng_plan *p = st->plan;
  int c, jpath = 0;
  if (!eng_batch_enabled)
    return "batch path switched off";
  if (p->table != CQL_TABLE_EVENTS || !p->grouped)
    return "not a grouped read of events";
  if (p->join) /* rows combine several tables (exec_join.c) */
    return "a join, an alias or a subquery in FROM";
  if (p->flags & CREDO_READ_RETRACTED)
    return "INCLUDE RETRACTED";
  if (p->subqs.n)
    return "subqueries";
  if (p->path != ENG_PATH_FULL && p->path != ENG_PATH_TYPE)
    return "a selective index path";
  if (p->nkeys > 2)
    return "more than two GROUP BY keys";
  if (conjuncts(p->where, conj_ok, NULL))
    return "a WHERE condition reads two columns or an unprojected one";
  for (size_t k = 0; k < p->nkeys; k++) {
    if ((c = eng_bm_col1(p->keys[k])) == BC_MANY)
      return "a GROUP BY key reads two columns or an unprojected one";
    jpath |= BC_IS_FIELD(c);
  }
  for (size_t a = 0; a < p->naggs; a++) {
    if (agg_kind(&p->aggs[a]) < 0)
      return "an aggregate the batch path does not compute";
    jpath |= BC_IS_FIELD(eng_bm_col1(p->aggs[a].arg));
  }
  if (p->for_public && jpath)
    return "the public role reads data through PUBLIC FIELDS";
  return NULL;
}

void eng_batch_explain(credo_stmt *st, char *buf, size_t n) {
  const char *why = plan_why_not(st);
  if (why)
    snprintf(buf, n, "row path: %s", why);
  else
    snprintf(buf, n, "batch path: projection segments of %d rows%s%s",
             ENG_PROJ_SEG_ROWS,
             eng_batch_topk_plan(st->plan)
                 ? ", only the groups that can reach LIMIT"
                 : "",
             st->plan->as_of
                 ? ", AS OF: rows recorded after the instant read as of it"
                 : "");
}

/* A group in the batch's result (emit: aggregates over no rows). */
static int group_add(batch *b, const uint32_t *kv, int32_t *gid) {
  size_t na = b->p->naggs;
  if (b->ngroups == b->gcap) {
    size_t cap = b->gcap ? b->gcap * 2 : 64;
    bgroup *g = realloc(b->groups, cap * sizeof *g);
    eng_agg_state *s;
    if (g)
      b->groups = g;
    s = realloc(b->states, (na ? cap * na : 1) * sizeof *s);
    if (!g || !s)
      return CREDO_NOMEM;
    b->states = s;
    b->gcap = cap;
  }
  memset(&b->groups[b->ngroups], 0, sizeof(bgroup));
  memcpy(b->groups[b->ngroups].kv, kv, b->p->nkeys * sizeof *kv);
  memset(b->states + b->ngroups * na, 0, na * sizeof(eng_agg_state));
  *gid = (int32_t)b->ngroups++;
  return CREDO_OK;
}

/* The projected columns memo m reads (its column's arrays). */
static unsigned memo_cols(const memo *m) {
  static const int COL[] = {[BC_SUBJECT] = ENG_PROJ_COL_SUBJECT,
                            [BC_SOURCE] = ENG_PROJ_COL_SOURCE,
                            [BC_TYPE] = ENG_PROJ_COL_TYPE,
                            [BC_OCCURRED] = ENG_PROJ_COL_OCCURRED,
                            [BC_FROM] = ENG_PROJ_COL_FROM,
                            [BC_UNTIL] = ENG_PROJ_COL_UNTIL};
  if (m->col == BC_CONST || m->col == BC_MANY)
    return 0;
  if (BC_IS_FIELD(m->col))
    return ENG_PROJ_FIELD_BITS(m->col - BC_FIELD0);
  return ENG_PROJ_BIT(COL[m->col]);
}

/* The columns the batch reads: flags, the window unless INCLUDE HIDDEN,
 * and those of its conditions, keys and aggregate arguments. */
static unsigned scan_cols(const batch *b, int hidden) {
  unsigned m = ENG_PROJ_BIT(ENG_PROJ_COL_FLAGS);
  if (!hidden)
    m |= ENG_PROJ_BIT(ENG_PROJ_COL_FROM) | ENG_PROJ_BIT(ENG_PROJ_COL_UNTIL);
  for (size_t c = 0; c < b->nconds; c++)
    m |= memo_cols(&b->conds[c]);
  for (size_t k = 0; k < b->p->nkeys; k++)
    m |= memo_cols(&b->keys[k]);
  for (size_t a = 0; a < b->p->naggs; a++)
    if (b->p->aggs[a].arg)
      m |= memo_cols(&b->args[a]);
  return m;
}

/* ------------------------------------------------------------- scan */

/* Appends segment no (its value val) to segs (*n of *cap) as the
 * workers' next one; AS OF: first collects its rows recorded after the
 * instant, as of it (applied by the worker that decodes the segment). */
static int seg_add(batch *b, bsegref **segs, size_t *n, size_t *cap,
                   uint64_t no, stor_val val) {
  bsegref *ns;
  int rc;
  if (*n == *cap) {
    if (!(ns = realloc(*segs, (*cap ? *cap * 2 : 256) * sizeof *ns)))
      return CREDO_NOMEM;
    *segs = ns;
    *cap = *cap ? *cap * 2 : 256;
  }
  if (b->asof && (rc = eng_batch_asof_collect(b->asof, b->st->txn, no, val.data,
                                              val.len)) != CREDO_OK)
    return rc;
  /* seq: its number in the scan (the AS OF overlay's collection order) */
  (*segs)[*n] = (bsegref){val.data, val.len, *n};
  (*n)++;
  return CREDO_OK;
}

/* Walks the segments (the cursor on this thread) and hands their values
 * to the workers (exec_batch_par.c). Each value is read unverified by
 * storage: its columns carry their own sums, and the workers verify and
 * decode only the columns the query reads (eng_proj_decode, b->cols). */
static int scan(batch *b) {
  stor_cursor *c = NULL;
  stor_val val;
  uint64_t no;
  bsegref *segs = NULL;
  size_t n = 0, cap = 0;
  int rc;
  b->cols = scan_cols(b, (b->p->flags & CREDO_READ_HIDDEN) != 0);
  if (b->st->x.as_of != CREDO_TIME_OPEN &&
      eng_batch_asof_new(b->st->x.as_of, b->cols, &b->asof) != CREDO_OK)
    return CREDO_NOMEM;
  if ((rc = stor_cursor_open_flags(b->st->txn, STOR_PROJ, STOR_CUR_NOVERIFY,
                                   &c)) != CREDO_OK)
    return rc == CREDO_NOTFOUND ? ENG_BATCH_NO : rc;
  for (rc = eng_proj_seg_next(c, 1, &no, &val); rc == CREDO_OK;
       rc = eng_proj_seg_next(c, 0, &no, &val))
    if ((rc = eng_run_check(b->st->db)) != CREDO_OK ||
        (rc = seg_add(b, &segs, &n, &cap, no, val)) != CREDO_OK)
      break;
  stor_cursor_close(c); /* the values stay valid while the txn is open */
  if (rc == CREDO_NOTFOUND || rc == CREDO_OK)
    rc = eng_bl_par(b, segs, n);
  free(segs);
  return rc;
}

/* ------------------------------------------------------------- driver */

static int add_cond(void *arg, const eng_expr *e) {
  batch *b = arg;
  memo *m = realloc(b->conds, (b->nconds + 1) * sizeof *m);
  if (!m)
    return CREDO_NOMEM;
  b->conds = m;
  eng_bm_init(&m[b->nconds++], e, 1, 0); /* WHERE reads the full id */
  return 0;
}

static int batch_init(batch *b, credo_stmt *st) {
  const eng_plan *p = st->plan;
  size_t na = p->naggs + 1;
  eng_value null = eng_v_null();
  memset(b, 0, sizeof *b);
  b->st = st;
  b->p = p;
  b->nthreads = 1;
  pthread_mutex_init(&b->mu, NULL);
  if (conjuncts(p->where, add_cond, b))
    return CREDO_NOMEM;
  b->keys = calloc(p->nkeys + 1, sizeof *b->keys);
  b->args = calloc(na, sizeof *b->args);
  b->akind = calloc(na, sizeof *b->akind);
  b->vals = malloc(16 * sizeof *b->vals);
  if (!b->keys || !b->args || !b->akind || !b->vals ||
      !(b->vals[0] = eng_brow_make(&null, 1, 0)))
    return CREDO_NOMEM;
  b->vcap = 16;
  b->nvals = 1;
  /* keys and arguments are evaluated as group_of / eng_agg_step do */
  for (size_t c = 0; c < b->nconds; c++)
    if (eng_bm_fast_time(b, &b->conds[c]) != CREDO_OK)
      return CREDO_NOMEM;
  for (size_t k = 0; k < p->nkeys; k++)
    eng_bm_init(&b->keys[k], p->keys[k], 0, p->for_public);
  for (size_t a = 0; a < p->naggs; a++) {
    b->akind[a] = agg_kind(&p->aggs[a]);
    if (p->aggs[a].arg)
      eng_bm_init(&b->args[a], p->aggs[a].arg, 0, p->for_public);
  }
  return CREDO_OK;
}

static void batch_free(batch *b) {
  for (size_t c = 0; c < b->nconds; c++)
    eng_bm_free(&b->conds[c]);
  for (size_t k = 0; b->keys && k < b->p->nkeys; k++)
    eng_bm_free(&b->keys[k]);
  for (size_t a = 0; b->args && a < b->p->naggs; a++)
    eng_bm_free(&b->args[a]);
  for (size_t i = 0; i < b->nvals; i++)
    free(b->vals[i]);
  eng_hmap_free(&b->ivals);
  free(b->conds);
  free(b->keys);
  free(b->args);
  free(b->akind);
  free(b->vals);
  free(b->groups);
  free(b->states);
  eng_buf_free(&b->text);
  eng_bm_dicts_free(b);
  free(b->vgcap);
  pthread_mutex_destroy(&b->mu);
  eng_batch_asof_free(b->asof);
}

/* The batch's groups into the statement's (first appearance order);
 * with a top-k ORDER BY / LIMIT only those that can reach the LIMIT
 * window (exec_batch_topk.c). */
static int emit(batch *b) {
  const eng_plan *p = b->p;
  uint32_t none[2] = {0, 0};
  eng_value kv[2];
  eng_buf text[2] = {{0}};
  eng_group *g;
  unsigned char *keep = NULL;
  int32_t gid;
  int rc = CREDO_OK;
  if (p->nkeys == 0 && b->ngroups == 0 &&
      (rc = group_add(b, none, &gid)) != CREDO_OK)
    return rc; /* aggregates over no rows: one group */
  if ((rc = eng_batch_topk(b, &keep)) != CREDO_OK)
    return rc;
  for (size_t i = 0; i < b->ngroups && rc == CREDO_OK; i++) {
    if (keep && !keep[i])
      continue;
    for (size_t k = 0; k < p->nkeys && rc == CREDO_OK; k++)
      if (b->keys[k].direct)
        rc = eng_bm_direct_value(b, &b->keys[k], (int32_t)b->groups[i].kv[k],
                                 &text[k], &kv[k]);
      else
        kv[k] = b->vals[b->groups[i].kv[k]]->v[0];
    if (rc != CREDO_OK || (rc = eng_exec_group_new(b->st, kv, &g)))
      break;
    if (p->naggs) /* none: b->states may be NULL (no memcpy from NULL) */
      memcpy(g->st, b->states + i * p->naggs, p->naggs * sizeof *g->st);
  }
  free(keep);
  eng_buf_free(&text[0]);
  eng_buf_free(&text[1]);
  return rc;
}

int eng_batch_group(credo_stmt *st) {
  batch b;
  int ready = 0, rc;
  if (plan_why_not(st) || st->empty)
    return ENG_BATCH_NO;
  /* inside a write transaction: its cached segments first */
  if ((rc = eng_proj_flush(st->db, st->txn)) != CREDO_OK ||
      (rc = eng_proj_ready(st->db, st->txn, &ready)) != CREDO_OK)
    return rc;
  if (!ready)
    return ENG_BATCH_NO;
  if ((rc = batch_init(&b, st)) == CREDO_OK &&
      (rc = eng_bl_prepare(&b)) == CREDO_OK && (rc = scan(&b)) == CREDO_OK)
    rc = emit(&b);
  batch_free(&b);
  if (rc != CREDO_OK) /* declined or failed: nothing was output */
    eng_exec_groups_free(st);
  if (rc == CREDO_NOMEM)
    return eng_exec_nomem(st->db);
  if (rc != CREDO_OK)
    return rc;
  eng_batch_answered++;
  return eng_exec_groups_finish(st);
}
