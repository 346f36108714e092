/*
 * exec_batch.h -- what the batch path's two files share (exec_batch.c:
 * plan, row loop, groups, aggregates; exec_batch_memo.c: the memoized
 * evaluation of one-column expressions). Internal to those two files.
 *
 * Invariants: a memo's value for a column value never changes within one
 * execution (expressions of one column are functions of it: the
 * evaluator has no per-row state such as random numbers); value id 0 is
 * NULL.
 */
#ifndef CREDO_ENG_EXEC_BATCH_H
#define CREDO_ENG_EXEC_BATCH_H

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

/* One memoized expression: a WHERE conjunct (cond: value 1 when true) or
 * a key / aggregate argument (value = interned value id, 0 = NULL). */
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
  int32_t konst; /* BC_CONST: the value, -1 until computed */
  int32_t *arr;  /* by id: -1 unknown */
  size_t cap;
  int64_t *hk; /* times: open addressing, hv -1 = empty */
  int32_t *hv;
  size_t hcap, hn;
} memo;

/* The AS OF overlay of one scanning thread (exec_batch_asof.c). */
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
  /* interned values: vals[id]; vals[0] is NULL */
  eng_hmap ivals;
  eng_brow **vals;
  size_t nvals, vcap;
  /* groups */
  bgroup *groups;
  eng_agg_state *states; /* ngroups * naggs */
  size_t ngroups, gcap;
  int32_t *g1; /* one key: group by value id */
  size_t g1cap;
  uint64_t *g2k; /* two keys: open addressing, g2v -1 = empty */
  int32_t *g2v;
  size_t g2cap;
  /* count(DISTINCT): (group, value id) pairs, per aggregate */
  uint64_t **dset;
  size_t *dcap, *dn;
  eng_buf text;
  unsigned char *segbuf;
  eng_batch_asof *asof; /* AS OF a past instant: the overlay */
} batch;

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
/* Rows read as of t so far (for figures). */
uint64_t eng_batch_asof_late(const eng_batch_asof *a);

/* Open-addressing slot of a 64-bit key in a table of cap (a power of 2). */
static inline size_t eng_bm_hash(int64_t t, size_t cap) {
  return (size_t)(((uint64_t)t * 0x9E3779B97F4A7C15ULL) >> 17) & (cap - 1);
}

#endif /* CREDO_ENG_EXEC_BATCH_H */
