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
 * AS OF a past instant: each segment passes through the overlay of
 * exec_batch_asof.c (rows recorded after the instant read as of it).
 *
 * Not taken (the row path answers; EXPLAIN says why): joins (p->join),
 * INCLUDE RETRACTED,
 * other tables, subqueries, an index path other than type, a column outside the
 * projection, a conjunct or key reading two columns, FILTER, min / max /
 * string_agg, more than two keys, the public role reading `data` (its
 * PUBLIC FIELDS view), a projection not built. At run time, any surprise
 * (a field cell of another shape, an evaluation error, a damaged
 * segment) drops the batch before any output and the row path runs: the
 * batch path never answers differently, it only declines.
 *
 * The memoized evaluation itself is in exec_batch_memo.c (exec_batch.h).
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

/* Aggregate kinds of the batch path. */
enum {
  BA_COUNT_STAR,
  BA_COUNT_ALWAYS,  /* count(column that is never NULL) */
  BA_COUNT_MEMO,    /* count(expr): value id != NULL */
  BA_DISTINCT_MEMO, /* count(DISTINCT expr) */
  BA_SUM_FIELD      /* sum / avg (data.<projected field>) */
};

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

static int memo_arr(batch *b, memo *m, uint32_t id, int32_t *out) {
  int rc;
  if (id < m->cap && m->arr[id] >= 0) {
    *out = m->arr[id];
    return CREDO_OK;
  }
  if (id >= MEMO_ID_MAX)
    return ENG_BATCH_NO;
  if (id >= m->cap) {
    size_t cap = m->cap ? m->cap : 256;
    int32_t *a;
    while (cap <= id)
      cap *= 2;
    if (!(a = realloc(m->arr, cap * sizeof *a)))
      return CREDO_NOMEM;
    memset(a + m->cap, 0xff, (cap - m->cap) * sizeof *a);
    m->arr = a;
    m->cap = cap;
  }
  if ((rc = eng_bm_eval(b, m, id, 0, out)) == CREDO_OK)
    m->arr[id] = *out;
  return rc;
}

static int memo_time(batch *b, memo *m, int64_t t, int32_t *out) {
  size_t j;
  int rc;
  if (m->hcap)
    for (j = eng_bm_hash(t, m->hcap); m->hv[j] >= 0;
         j = (j + 1) & (m->hcap - 1))
      if (m->hk[j] == t) {
        *out = m->hv[j];
        return CREDO_OK;
      }
  if ((rc = eng_bm_eval(b, m, 0, t, out)) != CREDO_OK)
    return rc;
  if ((m->hn + 1) * 2 > m->hcap) {
    size_t cap = m->hcap ? m->hcap * 2 : 1024, ocap = m->hcap;
    int64_t *hk = malloc(cap * sizeof *hk), *ok = m->hk;
    int32_t *hv = malloc(cap * sizeof *hv), *ov = m->hv;
    if (!hk || !hv) {
      free(hk);
      free(hv);
      return CREDO_NOMEM;
    }
    memset(hv, 0xff, cap * sizeof *hv);
    m->hk = hk;
    m->hv = hv;
    m->hcap = cap;
    for (size_t i = 0; i < ocap; i++)
      if (ov[i] >= 0) {
        for (j = eng_bm_hash(ok[i], cap); hv[j] >= 0; j = (j + 1) & (cap - 1))
          ;
        hk[j] = ok[i];
        hv[j] = ov[i];
      }
    free(ok);
    free(ov);
  }
  for (j = eng_bm_hash(t, m->hcap); m->hv[j] >= 0; j = (j + 1) & (m->hcap - 1))
    ;
  m->hk[j] = t;
  m->hv[j] = *out;
  m->hn++;
  return CREDO_OK;
}

/* `t fop m->ft`, as eng_v_compare orders times (as integers). */
static int32_t time_cmp(const memo *m, int64_t t) {
  switch (m->fop) {
  case CQL_OP_EQ:
    return t == m->ft;
  case CQL_OP_NE:
    return t != m->ft;
  case CQL_OP_LT:
    return t < m->ft;
  case CQL_OP_LE:
    return t <= m->ft;
  case CQL_OP_GT:
    return t > m->ft;
  default:
    return t >= m->ft;
  }
}

/* A dictionary / type id as a value id (direct memos). */
static int direct_id(uint32_t id, int32_t *out) {
  if (id > INT32_MAX)
    return ENG_BATCH_NO;
  *out = (int32_t)id;
  return CREDO_OK;
}

/* m's value on row i of segment s. */
static int memo_get(batch *b, memo *m, const eng_proj_seg *s, size_t i,
                    int32_t *out) {
  int f;
  if (m->fop) {
    *out = time_cmp(m, m->col == BC_OCCURRED ? s->occurred[i]
                       : m->col == BC_FROM   ? s->from[i]
                                             : s->until[i]);
    return CREDO_OK;
  }
  switch (m->col) {
  case BC_CONST:
    if (m->konst < 0) {
      int rc = eng_bm_eval(b, m, 0, 0, &m->konst);
      if (rc != CREDO_OK)
        return rc;
    }
    *out = m->konst;
    return CREDO_OK;
  case BC_SUBJECT:
    return m->direct ? direct_id(s->subject[i], out)
                     : memo_arr(b, m, s->subject[i], out);
  case BC_SOURCE:
    return m->direct ? direct_id(s->source[i], out)
                     : memo_arr(b, m, s->source[i], out);
  case BC_TYPE:
    return m->direct ? direct_id(s->type[i], out)
                     : memo_arr(b, m, s->type[i], out);
  case BC_OCCURRED:
    return memo_time(b, m, s->occurred[i], out);
  case BC_FROM:
    return memo_time(b, m, s->from[i], out);
  case BC_UNTIL:
    return memo_time(b, m, s->until[i], out);
  default:
    f = m->col - BC_FIELD0;
    if (s->ftag[f][i] == ENG_PROJ_NULL)
      return m->direct ? direct_id(0, out) : memo_arr(b, m, 0, out);
    if (s->ftag[f][i] != ENG_PROJ_TEXT)
      return ENG_BATCH_NO; /* numbers as keys / conditions: rows */
    return m->direct ? direct_id((uint32_t)s->fval[f][i], out)
                     : memo_arr(b, m, (uint32_t)s->fval[f][i], out);
  }
}

/* ----------------------------------------------------------- groups */

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

static int group1(batch *b, uint32_t k, int32_t *gid) {
  int rc;
  if (k < b->g1cap && b->g1[k] >= 0) {
    *gid = b->g1[k];
    return CREDO_OK;
  }
  if (k >= b->g1cap) {
    size_t cap = b->g1cap ? b->g1cap : 256;
    int32_t *a;
    while (cap <= k)
      cap *= 2;
    if (!(a = realloc(b->g1, cap * sizeof *a)))
      return CREDO_NOMEM;
    memset(a + b->g1cap, 0xff, (cap - b->g1cap) * sizeof *a);
    b->g1 = a;
    b->g1cap = cap;
  }
  if ((rc = group_add(b, &k, gid)) == CREDO_OK)
    b->g1[k] = *gid;
  return rc;
}

/* Adds x to the open-addressed set (*set, *cap, *n) of u64 (+1 stored,
 * 0 = empty): 1 when new, 0 when present, < 0 out of memory. */
static int set_add(uint64_t **set, size_t *cap, size_t *n, uint64_t x,
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

static int group2(batch *b, const uint32_t *kv, int32_t *gid) {
  uint64_t k = (uint64_t)kv[0] << 32 | kv[1];
  size_t n = b->ngroups;
  int32_t g = (int32_t)n;
  int r = set_add(&b->g2k, &b->g2cap, &n, k, &g, &b->g2v);
  if (r < 0)
    return CREDO_NOMEM;
  if (r == 0) {
    *gid = g;
    return CREDO_OK;
  }
  return group_add(b, kv, gid);
}

/* ------------------------------------------------------- aggregates */

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

/* expr_agg.c's sum of an INT: REAL after an overflow. */
static void sum_int(eng_agg_state *s, int64_t i) {
  if (!s->real && __builtin_add_overflow(s->isum, i, &s->isum)) {
    s->real = 1;
    s->rsum += (double)s->isum + (double)i;
    s->isum = 0;
  } else if (s->real)
    s->rsum += (double)i;
}

static int agg_step(batch *b, size_t a, eng_agg_state *s, int32_t gid,
                    const eng_proj_seg *seg, size_t i) {
  int32_t vid;
  int rc, f;
  switch (b->akind[a]) {
  case BA_COUNT_STAR:
  case BA_COUNT_ALWAYS:
    s->count++;
    return CREDO_OK;
  case BA_COUNT_MEMO:
    if ((rc = memo_get(b, &b->args[a], seg, i, &vid)) != CREDO_OK)
      return rc;
    s->count += vid != 0;
    return CREDO_OK;
  case BA_DISTINCT_MEMO:
    if ((rc = memo_get(b, &b->args[a], seg, i, &vid)) != CREDO_OK)
      return rc;
    if (!vid)
      return CREDO_OK;
    rc = set_add(&b->dset[a], &b->dcap[a], &b->dn[a],
                 (uint64_t)gid << 32 | (uint32_t)vid, NULL, NULL);
    if (rc < 0)
      return CREDO_NOMEM;
    s->count += rc;
    return CREDO_OK;
  default: /* BA_SUM_FIELD */
    f = b->args[a].col - BC_FIELD0;
    switch (seg->ftag[f][i]) {
    case ENG_PROJ_INT:
      sum_int(s, seg->fval[f][i]);
      break;
    case ENG_PROJ_DEC:
      s->dec = 1;
      if (seg->fscale[f][i] <= s->dsum.s && s->dsum.s <= 18) {
        /* eng_dec_acc_add's sum, without its pow10 loop */
        s->dsum.m +=
            (__int128)seg->fval[f][i] * P10[s->dsum.s - seg->fscale[f][i]];
        if (s->dsum.m >= DEC_ACC_LIM || s->dsum.m <= -DEC_ACC_LIM)
          return ENG_BATCH_NO;
      } else if (eng_dec_acc_add(
                     &s->dsum, (eng_dec){seg->fval[f][i], seg->fscale[f][i]}) !=
                 CREDO_OK)
        return ENG_BATCH_NO; /* the row path says "decimal overflow" */
      break;
    case ENG_PROJ_OTHER:
      return ENG_BATCH_NO;
    default:
      return CREDO_OK; /* NULL and texts are skipped, as rows do */
    }
    s->count++;
    return CREDO_OK;
  }
}

/* ------------------------------------------------------------- rows */

static int row(batch *b, const eng_proj_seg *s, size_t i) {
  const eng_plan *p = b->p;
  uint32_t kv[2] = {0, 0};
  int32_t v, gid = 0;
  int rc;
  for (size_t c = 0; c < b->nconds; c++) {
    if ((rc = memo_get(b, &b->conds[c], s, i, &v)) != CREDO_OK)
      return rc;
    if (!v)
      return CREDO_OK;
  }
  for (size_t k = 0; k < p->nkeys; k++) {
    if ((rc = memo_get(b, &b->keys[k], s, i, &v)) != CREDO_OK)
      return rc;
    kv[k] = (uint32_t)v;
  }
  rc = p->nkeys == 0   ? (b->ngroups ? CREDO_OK : group_add(b, kv, &gid))
       : p->nkeys == 1 ? group1(b, kv[0], &gid)
                       : group2(b, kv, &gid);
  for (size_t a = 0; rc == CREDO_OK && a < p->naggs; a++)
    rc = agg_step(b, a, &b->states[(size_t)gid * p->naggs + a], gid, s, i);
  return rc;
}

static int segment(batch *b, const eng_proj_seg *s, int hidden,
                   credo_time vis) {
  credo *db = b->st->db;
  /* interrupts are polled per segment; a check handler or a time limit
   * is served per row, as the row path does */
  int per_row = db->check_fn || db->deadline;
  int rc;
  if (!hidden && s->until_max <= vis)
    return CREDO_OK; /* every window ended before the instant */
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS; i++) {
    uint8_t fl = s->flags[i];
    if (!(fl & ENG_PROJ_PRESENT))
      continue;
    if (per_row && (rc = eng_run_check(db)) != CREDO_OK)
      return rc;
    if (fl & ENG_PROJ_RETRACTED)
      continue;
    if (!hidden && !(s->from[i] <= vis && vis < s->until[i]))
      continue;
    if ((rc = row(b, s, i)) != CREDO_OK)
      return rc;
  }
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

/* Walks the segments: each value is read unverified by storage (its
 * columns carry their own sums) and only the columns the query reads are
 * verified and decoded (eng_proj_decode). */
static int scan(batch *b) {
  stor_cursor *c = NULL;
  stor_key k;
  stor_val key, val;
  eng_proj_seg s;
  int hidden = (b->p->flags & CREDO_READ_HIDDEN) != 0, rc;
  unsigned cols = scan_cols(b, hidden);
  size_t seq = 0; /* segments scanned (the AS OF overlay's numbering) */
  if (b->st->x.as_of != CREDO_TIME_OPEN &&
      eng_batch_asof_new(b->st->x.as_of, cols, &b->asof) != CREDO_OK)
    return CREDO_NOMEM;
  stor_key_init(&k);
  k.buf[0] = ENG_PROJ_K_SEG;
  k.len = 1;
  if ((rc = stor_cursor_open_flags(b->st->txn, STOR_PROJ, STOR_CUR_NOVERIFY,
                                   &c)) != CREDO_OK)
    return rc == CREDO_NOTFOUND ? ENG_BATCH_NO : rc;
  for (rc = stor_cursor_seek(c, stor_key_val(&k), &key, &val);
       rc == CREDO_OK && key.len == ENG_PROJ_K_SEG_LEN &&
       ((const unsigned char *)key.data)[0] == ENG_PROJ_K_SEG;
       rc = stor_cursor_next(c, &key, &val)) {
    if ((rc = eng_run_check(b->st->db)) != CREDO_OK)
      break;
    if (eng_proj_decode(val.data, val.len, cols, &s, b->segbuf, NULL) !=
        CREDO_OK) {
      rc = ENG_BATCH_NO; /* damaged: the rows answer, credo check says */
      break;
    }
    /* AS OF: the rows recorded after the instant, as of it */
    if (b->asof) {
      if ((rc = eng_batch_asof_collect(
               b->asof, b->st->txn,
               stor_dec_u64((const unsigned char *)key.data + 1), val.data,
               val.len)) != CREDO_OK)
        break;
      eng_batch_asof_apply(b->asof, seq++, &s);
    }
    if ((rc = segment(b, &s, hidden, b->st->read_vis)) != CREDO_OK)
      break;
  }
  stor_cursor_close(c);
  return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
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
  if (conjuncts(p->where, add_cond, b))
    return CREDO_NOMEM;
  b->keys = calloc(p->nkeys + 1, sizeof *b->keys);
  b->args = calloc(na, sizeof *b->args);
  b->akind = calloc(na, sizeof *b->akind);
  b->dset = calloc(na, sizeof *b->dset);
  b->dcap = calloc(na, sizeof *b->dcap);
  b->dn = calloc(na, sizeof *b->dn);
  b->vals = malloc(16 * sizeof *b->vals);
  b->segbuf = aligned_alloc(8, ENG_PROJ_SCRATCH);
  if (!b->keys || !b->args || !b->akind || !b->dset || !b->dcap || !b->dn ||
      !b->vals || !b->segbuf || !(b->vals[0] = eng_brow_make(&null, 1, 0)))
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
  for (size_t a = 0; b->args && a < b->p->naggs; a++) {
    eng_bm_free(&b->args[a]);
    if (b->dset)
      free(b->dset[a]);
  }
  for (size_t i = 0; i < b->nvals; i++)
    free(b->vals[i]);
  eng_hmap_free(&b->ivals);
  free(b->conds);
  free(b->keys);
  free(b->args);
  free(b->akind);
  free(b->dset);
  free(b->dcap);
  free(b->dn);
  free(b->vals);
  free(b->groups);
  free(b->states);
  free(b->g1);
  free(b->g2k);
  free(b->g2v);
  eng_buf_free(&b->text);
  free(b->segbuf);
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
  if ((rc = batch_init(&b, st)) == CREDO_OK && (rc = scan(&b)) == CREDO_OK)
    rc = emit(&b);
  batch_free(&b);
  if (rc == CREDO_NOMEM)
    return eng_exec_nomem(st->db);
  if (rc != CREDO_OK) {
    eng_exec_groups_free(st); /* declined or failed: nothing was output */
    return rc;
  }
  eng_batch_answered++;
  return eng_exec_groups_finish(st);
}
