/*
 * exec_batch.h -- what the batch path's files share: exec_batch.c (plan,
 * driver, emission), exec_batch_memo.c (the memoized evaluation of
 * one-column expressions), exec_batch_loop.c (the vectorized per-segment
 * loop and aggregate steps of one worker), exec_batch_prep.c (setting
 * the loop and its workers up), exec_batch_groups.c (a
 * worker's group tables and distinct sets), exec_batch_par.c
 * (the workers on threads and the merge of their groups),
 * exec_batch_topk.c (which groups an ORDER BY aggregate LIMIT emits) and
 * exec_batch_asof.c (the AS OF overlay). Internal to those files.
 *
 * Invariants: a memo's value for a column value never changes within one
 * execution (expressions of one column are functions of it: the
 * evaluator has no per-row state such as random numbers); value id 0 is
 * NULL.
 *
 * Threads: the batch (plan, memos' by-id arrays, interned values, the
 * statement's evaluation context) is shared by the workers; each worker
 * (bwork) owns its groups, aggregate states, distinct sets and time-memo
 * hashes. Every call into the evaluator (eng_bm_eval) holds batch.mu; a
 * by-id memo array is sized before the workers start (never
 * reallocated while they run) and its entries are read and written with
 * __atomic builtins. With several workers, the memos' dictionaries are
 * read whole before they start (eng_bm_preload), so that no evaluation
 * on a worker's thread reads the store: LMDB's transaction and cursors
 * are used by the calling thread only (the segment values it collected
 * point into the map, valid while the transaction is open).
 */
#ifndef CREDO_ENG_EXEC_BATCH_H
#define CREDO_ENG_EXEC_BATCH_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "exec_int.h"
#include "proj.h"

/* Projected columns an expression may read. */
enum {
  BC_CONST = -1, /* reads no column */
  BC_MANY = -2,  /* reads two, or one that is not projected */
  BC_SUBJECT = 0,
  BC_SOURCE,
  BC_TYPE,
  BC_OCCURRED,
  BC_FROM,
  BC_UNTIL,
  BC_FIELD0 /* + field number */
};
#define BC_IS_TIME(c) ((c) >= BC_OCCURRED && (c) <= BC_UNTIL)
#define BC_IS_FIELD(c) ((c) >= BC_FIELD0)
/* Largest dictionary / type id memoized in an array. */
#define MEMO_ID_MAX (1u << 26)

/* ------------------------------------------------------------ memos */

/* One memoized expression: a WHERE conjunct (cond: value 1 when true, 0
 * false, BM_COND_NULL unknown) or a key / aggregate argument (value =
 * interned value id, 0 = NULL). */
#define BM_COND_NULL 2
typedef struct memo {
  const eng_expr *e;
  int col, cond, mask;
  /* a time column compared with a constant: the comparison itself
   * (fop: CQL_OP_*, the column on the left; fop 0: not this form) */
  int fop;
  int64_t ft;
  /* a bare dictionary column (subject unmasked, source, type, a text
   * field): its value id is the dictionary / type id itself, resolved
   * to the value only for the groups emitted */
  int direct;
  int32_t konst; /* BC_CONST: the value, computed before the loop */
  int32_t *arr;  /* by id: -1 unknown (shared by the workers, __atomic) */
  size_t cap;    /* fixed while workers run; ids >= cap are not cached */
  uint64_t *hk;  /* times: eng_bl_set_add's set, values in hv (per worker) */
  int32_t *hv;
  size_t hcap, hn;
} memo;

/* The AS OF overlay (exec_batch_asof.c). */
typedef struct eng_batch_asof eng_batch_asof;

typedef struct bgroup {
  uint32_t kv[2];
} bgroup;

typedef struct batch {
  credo_stmt *st;
  const eng_plan *p;
  memo *conds, *keys, *args;
  size_t nconds;
  int *akind;
  /* interned values: vals[id]; vals[0] is NULL (written under mu) */
  eng_hmap ivals;
  eng_brow **vals;
  size_t nvals, vcap;
  /* the result: groups in first-appearance order (the workers' merged) */
  bgroup *groups;
  eng_agg_state *states; /* ngroups * naggs */
  size_t ngroups, gcap;
  eng_buf text;
  /* dictionary texts by id, read in one cursor walk once a dictionary
   * has had eng_bm_dict_walk look-ups (under mu): dtext[d][id], dlen[d][id]
   * (NULL: no such id); they point into the transaction's map */
  const char **dtext[ENG_PROJ_NDICTS];
  uint32_t *dlen[ENG_PROJ_NDICTS];
  uint32_t dn[ENG_PROJ_NDICTS], dlook[ENG_PROJ_NDICTS];
  int dfull[ENG_PROJ_NDICTS]; /* read whole: dtext holds every entry */
  /* workers: how many (1: the calling thread alone), the evaluator's
   * lock, and the flag that stops them all after one failed */
  int nthreads;
  /* count by id (eng_bl_prepare): no conjunct, one bare dictionary key,
   * counts only; ids of the key's column are < fast_cap */
  int fast;
  uint32_t fast_cap;
  size_t fast_lanes; /* counters per id (exec_batch_loop.c) */
  /* count(DISTINCT a bare dictionary column) whose group is a function
   * of that column (no key, or one key reading it): distinct by id, one
   * group per id; vgcap[a] ids (0: the pair sets) */
  uint32_t *vgcap;
  /* the columns the workers decode (ENG_PROJ_BIT mask, scan_cols) */
  unsigned cols;
  /* AS OF a past instant: the overlay (collected by the cursor's
   * thread in scan(), applied by each worker to its segments) */
  eng_batch_asof *asof;
  pthread_mutex_t mu;
  _Atomic int stop;
} batch;

/* Aggregate kinds of the batch path (batch.akind). */
enum {
  BA_COUNT_STAR,
  BA_COUNT_ALWAYS,  /* count(column that is never NULL) */
  BA_COUNT_MEMO,    /* count(expr): value id != NULL */
  BA_DISTINCT_MEMO, /* count(DISTINCT expr) */
  BA_SUM_FIELD      /* sum / avg (data.<projected field>) */
};

/* One worker's state (exec_batch_loop.c). Its memos are copies of the
 * batch's: the by-id arrays are the batch's, the time hashes its own. */
typedef struct bwork {
  batch *b;
  memo *conds, *keys, *args;
  bgroup *groups;
  eng_agg_state *states; /* ngroups * naggs */
  size_t ngroups, gcap;
  int32_t *g1; /* one key: group by value id, -1 = none yet */
  size_t g1cap;
  uint64_t *g2k; /* two keys: open addressing, g2v -1 = empty */
  int32_t *g2v;
  size_t g2cap;
  /* count(DISTINCT): (group, value id) pairs, per aggregate; or, when
   * b->vgcap[a], the group of each id seen (-1: not seen) */
  uint64_t **dset;
  size_t *dcap, *dn;
  int32_t **vg;
  int no;       /* worker number: 0 takes the first segments */
  int strict;   /* bounds sums so that merged halves equal one pass */
  int64_t *cnt; /* b->fast: rows counted by key id (fast_cap) */
  int rc;       /* the worker's result */
  unsigned char *segbuf;
  /* per segment: selected row numbers, their group ids, memo values;
   * rows whose conjuncts so far include an unknown (NULL) one */
  uint16_t sel[ENG_PROJ_SEG_ROWS];
  uint8_t unknown[ENG_PROJ_SEG_ROWS];
  int any_unknown;
  /* a memo's misses in the segment: their ids and positions */
  uint32_t miss_id[ENG_PROJ_SEG_ROWS];
  uint16_t miss_at[ENG_PROJ_SEG_ROWS];
  int32_t gid[ENG_PROJ_SEG_ROWS], v[ENG_PROJ_SEG_ROWS];
  int32_t kv[2][ENG_PROJ_SEG_ROWS];
} bwork;

/* One stored segment value, as the cursor gave it (points into the
 * read transaction's map: valid while it is open and nothing writes). */
typedef struct bsegref {
  const void *data;
  size_t len;
  size_t seq; /* its position in the scan (the AS OF overlay's) */
} bsegref;

/* The one projected column e reads: BC_CONST, a BC_* column or BC_MANY. */
int eng_bm_col1(const eng_expr *e);
/* Sets up m for expression e (cond: a WHERE conjunct; mask: evaluate with
 * the public role's subject masking). */
void eng_bm_init(memo *m, const eng_expr *e, int cond, int mask);
/* A WHERE conjunct `time column op constant`: sets m->fop / m->ft when
 * the constant reads as a time. CREDO_OK or CREDO_NOMEM. */
int eng_bm_fast_time(batch *b, memo *m);
/* m's value for one column value (dictionary / type id, or time t):
 * CREDO_OK, ENG_BATCH_NO (declined: the evaluator failed), or an error. */
int eng_bm_eval(batch *b, memo *m, uint64_t id, int64_t t, int32_t *out);
/* The value of direct memo m for id (0: NULL), texts in *buf. */
int eng_bm_direct_value(batch *b, const memo *m, int32_t id, eng_buf *buf,
                        eng_value *out);
void eng_bm_free(memo *m);
/* Dictionary look-ups after which a batch reads the dictionary whole
 * (default 4096; tests set 1). */
extern unsigned eng_bm_dict_walk;
/* Before workers start, on the calling thread: makes every evaluation of
 * memo m read nothing from the store (LMDB's transaction stays on its
 * thread): its dictionary read whole, or every type id cached. 1 when
 * done (or not needed), 0 when it cannot be (a dictionary of more than
 * max_ids ids, a type id without a type, out of memory, a masked subject:
 * the public role's masking reads the subject's kind from the store):
 * then the scan runs on one worker. */
int eng_bm_preload(batch *b, const memo *m, uint32_t max_ids);
/* Frees b's dictionary text arrays. */
void eng_bm_dicts_free(batch *b);

/* ------------------------------------------------ the loop (workers) */

/* Sets up worker w of b (its memo copies, group tables); strict: more
 * than one worker. CREDO_OK or CREDO_NOMEM. eng_bl_work_free frees it
 * (accepts a worker that failed half-way). */
int eng_bl_work_init(bwork *w, batch *b, int strict);
void eng_bl_work_free(bwork *w);
/* eng_bl_run saw the handle's interrupt flag (not a credo code): the
 * calling thread reports it through eng_run_check. */
#define ENG_BL_INTERRUPTED 4
/* Runs w over segments [from, to) of segs: CREDO_OK, ENG_BATCH_NO,
 * ENG_BL_INTERRUPTED or an error. Stops early (CREDO_OK) when b->stop is
 * set; sets it when failing. */
int eng_bl_run(bwork *w, const bsegref *segs, size_t from, size_t to);
/* Groups (exec_batch_groups.c). The group of keys kv in w (found, or
 * added at the end of w's list): CREDO_OK or CREDO_NOMEM. eng_bl_group1
 * and eng_bl_group2 are its one- and two-key forms; eng_bl_group_add
 * adds a group without looking (its states zeroed). */
int eng_bl_group(bwork *w, const uint32_t *kv, int32_t *gid);
int eng_bl_group1(bwork *w, uint32_t k, int32_t *gid);
int eng_bl_group2(bwork *w, const uint32_t *kv, int32_t *gid);
int eng_bl_group_add(bwork *w, const uint32_t *kv, int32_t *gid);
/* The open-addressed sets of u64 of the batch path (a worker's two-key
 * groups, distinct pairs, time memos): x + 1 stored, 0 empty (so x =
 * UINT64_MAX cannot be stored), a power-of-2 capacity, at most half
 * full. eng_bl_set_add adds x: 1 when new, 0 when present, < 0 out of
 * memory; with vals (a value per slot) it stores *slot_val when new and
 * gives the present one back. eng_bl_set_find: x's slot, or -1. */
int eng_bl_set_add(uint64_t **set, size_t *cap, size_t *n, uint64_t x,
                   int32_t *slot_val, int32_t **vals);
static inline ptrdiff_t eng_bl_set_find(const uint64_t *set, size_t cap,
                                        uint64_t x);
/* Adds (group g, value vid) to w's distinct set of aggregate a: 1 when
 * new, 0 when present, -1 out of memory. */
int eng_bl_distinct_add(bwork *w, size_t a, int32_t g, int32_t vid);
/* Counters per id of the count-by-id loop (interleaved lanes). */
#define ENG_BL_LANES 4
/* A strict worker (one of several) declines when an exact decimal sum
 * reaches this magnitude (10^18), so that the merge adds each worker's
 * sum as one decimal (exec_batch_loop.c, exec_batch_par.c). */
#define ENG_BL_DEC_STRICT 1000000000000000000LL
/* Dictionaries up to this many ids get ENG_BL_LANES counters per id in
 * the count by id loop, larger ones 1 (default 65,536; tests set 0). */
extern unsigned eng_bl_lanes_cap;
/* Count by id (b->fast): adds worker w's groups (at the end of w0's, in
 * w's order) and counts into w0; then the states of w0's groups from its
 * counts (the workers keep none while they scan). CREDO_OK or
 * CREDO_NOMEM. */
int eng_bl_fast_merge(bwork *w0, const bwork *w);
int eng_bl_fast_finish(bwork *w);
/* Sizes the by-id arrays of b's memos (before any worker runs) and
 * computes its constant memos. CREDO_OK, ENG_BATCH_NO or an error. */
int eng_bl_prepare(batch *b);

/* ----------------------------------------- workers (exec_batch_par.c) */

/* Engine switch: the number of workers of a batch query; 0 (default):
 * one per online core, capped at ENG_BATCH_MAX_THREADS, and one for small
 * scans; n > 0: exactly n (tests force 1 or 2). A check handler or a
 * time limit on the handle always gets one (they are served per row). */
extern int eng_batch_threads;
#define ENG_BATCH_MAX_THREADS 4
/* Test hook: when set, each worker calls it with its number before each
 * segment (to interrupt a threaded query mid-way). */
extern void (*eng_batch_seg_hook)(int worker);
/* Runs the workers over segs[0, n) and leaves the merged groups in b
 * (first-appearance order as one pass would give). CREDO_OK,
 * ENG_BATCH_NO, or an error (set on the handle). */
int eng_bl_par(batch *b, const bsegref *segs, size_t n);

/* ------------------------------------------ top-k (exec_batch_topk.c) */

/* 1 when p's ORDER BY / LIMIT lets the batch path emit only the groups
 * that can reach the LIMIT window (see exec_batch_topk.c). */
int eng_batch_topk_plan(const eng_plan *p);
/* Which of b's groups to emit: *keep is NULL (every group) or a malloc'd
 * array of b->ngroups flags, 1 = emit (the caller frees it). Reads the
 * statement's LIMIT / OFFSET (set before the drain). CREDO_OK or
 * CREDO_NOMEM. */
int eng_batch_topk(const batch *b, unsigned char **keep);

/* ------------------------------------------ AS OF (exec_batch_asof.c) */

/* The overlay for AS OF instant t of a query that decodes columns
 * `cols` (ENG_PROJ_BIT mask: which data fields to read). CREDO_OK or
 * CREDO_NOMEM (*out NULL). */
int eng_batch_asof_new(credo_time t, unsigned cols, eng_batch_asof **out);
void eng_batch_asof_free(eng_batch_asof *a); /* NULL: no-op */
/* Collects the rows of segment no (its stored value val, len) recorded
 * after t, read as of t in txn: call it for each segment in scan order
 * (the k-th call is segment k of eng_batch_asof_apply), on one thread.
 * CREDO_OK, ENG_BATCH_NO (a damaged segment, or a text the dictionaries
 * do not hold: the row path answers) or an error. */
int eng_batch_asof_collect(eng_batch_asof *a, stor_txn *txn, uint64_t no,
                           const void *val, size_t len);
/* Writes the rows collected for the seq-th segment into its decoded
 * columns s (only the columns s has; a row the event did not have at t
 * loses its present flag) and widens s's zone maps to bound them. Pure:
 * any thread, once that segment is collected. */
void eng_batch_asof_apply(const eng_batch_asof *a, size_t seq, eng_proj_seg *s);

/* Open-addressing slot of a 64-bit key in a table of cap (a power of 2). */
static inline size_t eng_bm_hash(int64_t t, size_t cap) {
  return (size_t)(((uint64_t)t * 0x9E3779B97F4A7C15ULL) >> 17) & (cap - 1);
}

static inline ptrdiff_t eng_bl_set_find(const uint64_t *set, size_t cap,
                                        uint64_t x) {
  size_t j;
  if (!cap)
    return -1;
  for (j = eng_bm_hash((int64_t)(x + 1), cap); set[j]; j = (j + 1) & (cap - 1))
    if (set[j] == x + 1)
      return (ptrdiff_t)j;
  return -1;
}

#endif /* CREDO_ENG_EXEC_BATCH_H */
