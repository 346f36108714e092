/*
 * exec.h -- the prepared statement (struct credo_stmt) as the executor
 * (exec.c) and the statement API (stmt.c) share it.
 *
 * Ownership: a statement owns its AST, its text (unless it borrows the
 * script of credo_exec, which outlives it), its plan and compiled
 * expressions, its bindings and every row it buffers. While it runs it may
 * hold a read transaction (owned, or the handle's open scope, borrowed),
 * an event scan or a cursor; eng_exec_reset releases them all.
 *
 * Life cycle: READY (prepared or reset) -> RUN (first step) -> DONE or
 * FAILED. A write statement does all its work in its first step and then
 * only hands out the rows it produced.
 */
#ifndef CREDO_ENG_EXEC_H
#define CREDO_ENG_EXEC_H

#include "plan.h"

enum eng_stmt_state {
  ENG_ST_READY = 0,
  ENG_ST_RUN,
  ENG_ST_DONE,
  ENG_ST_FAILED
};

/* An open-addressing hash table of byte keys (GROUP BY, DISTINCT). */
typedef struct eng_hent {
  uint64_t h;
  size_t klen;
  void *val;
  char key[];
} eng_hent;

typedef struct eng_hmap {
  eng_hent **tab;
  size_t cap, n;
} eng_hmap;

/* One group of GROUP BY: its key values and aggregate states. */
typedef struct eng_group {
  eng_brow *keys;
  eng_agg_state st[];
} eng_group;

#define ENG_STMT_NX 8

/* Room for one statement notice, NUL included (notice.c). */
#define ENG_NOTICE_MAX 400

struct credo_stmt {
  credo *db;
  credo_stmt *next, *prev; /* the handle's statements */
  const char *src;         /* text the AST positions refer to */
  char *src_owned;         /* == src when the statement owns it */
  cql_stmt *ast;
  eng_plan *plan;            /* SELECT, EXPLAIN, REPAIR EVENTS WHERE */
  eng_expr *wx[ENG_STMT_NX]; /* constant operands, per kind (exec.c) */
  eng_expr **setx;           /* CORRECT ... SET values */
  const char *hist_subject;  /* HISTORY OF SUBJECT: its id, while it runs */
  /* parameters: t == ENG_V_ANY while unbound */
  int nparams;
  eng_value *params;
  char **ptext;
  /* result columns */
  size_t ncols;
  const char *const *names;
  const int *decl;
  /* run state */
  int state;
  char notice[ENG_NOTICE_MAX]; /* credo_stmt_notice of this run; "": none
                                  (notice.c) */
  int error_rc;                /* the code a FAILED statement failed with */
  eng_arena arena;
  eng_ectx x;
  stor_txn *txn;
  int owned;
  eng_scan *scan;
  stor_cursor *cur;
  int started_cursor;  /* cur has been positioned */
  int empty;           /* the access path matches nothing */
  eng_buf pk;          /* copies of the path's key texts, alive with the scan */
  credo_time read_vis; /* the resolved VISIBLE AT of the open event read */
  credo_event ev;
  credo_subject_info subj;
  credo_type_info tinfo;
  eng_type ty;
  /* SELECT */
  int streaming; /* rows come straight from the scan, one per step */
  eng_value *out; /* ncols output values, ORDER BY keys, GROUP BY keys,
                     aggregate values */ /* ncols output values + ORDER BY keys */
  int has_limit;
  uint64_t limit, offset, emitted, skipped;
  eng_hmap seen; /* DISTINCT */
  eng_buf key;   /* scratch for hash keys */
  int heap;      /* rows is a top-k heap */
  uint64_t seq;
  /* GROUP BY */
  eng_hmap groups;
  eng_group **gorder;
  size_t ngroups, gcap;
  /* buffered rows, handed out from pos to end */
  eng_brow **rows;
  size_t nrows, rcap, pos, end;
  /* the current row and its texts */
  const eng_value *row;
  uint64_t rowgen;
  eng_buf *text;
  uint64_t *textgen;
  /* write statements */
  uint64_t nwrites;
  /* subqueries (exec_subq.c): one child statement per slot of the plan,
   * their results for this execution; `child` marks a statement that
   * borrows its SELECT from its parent's tree and is not in the handle's
   * list */
  int child;
  credo_stmt **subs;
  eng_subres *subres;
  size_t nsubs;
  /* set operations (exec_setop.c): subs are the chain's SELECTs; ORDER BY
   * as output column + 1, negative for DESC; LIMIT / OFFSET in wx[0..1] */
  int *set_ord;
  size_t n_set_ord;
  /* joins (exec_join.c): the joined tables' run state; NULL otherwise */
  struct eng_jrun *jrun;
  /* correlated subqueries (exec_corr.c): per subquery slot, the outer
   * references compiled here (NULL: none); in a child, the outer row's
   * values of its own references for this run */
  struct eng_corr *corr;
  eng_brow *outer_row;
};

/* Compiles what the statement's kind needs and sets its columns. */
int eng_exec_prepare(credo_stmt *st);
/* 1 when statements of `kind` (CQL_*) are listings (SHOW ..., DESCRIBE):
 * fixed columns, read-only. */
int eng_exec_is_listing(int kind);
/* One step: CREDO_ROW (st->row is the row), CREDO_DONE or an error. */
int eng_exec_step(credo_stmt *st);
/* Releases everything a run holds; the statement is READY again. */
void eng_exec_reset(credo_stmt *st);
/* Frees what eng_exec_prepare made. */
void eng_exec_free(credo_stmt *st);

/* A child statement running `sel` (borrowed from the parent's AST) on
 * db, with the parent's text and parameter count (stmt.c). It is in no
 * list; free it with eng_stmt_child_free. */
int eng_stmt_child(credo *db, cql_select *sel, const char *src, int nparams,
                   credo_stmt **out);
void eng_stmt_child_free(credo_stmt *st);

/* Subqueries (exec_subq.c): makes the children of st's plan (at
 * prepare), runs them and keeps their results (at the start of each
 * execution), forgets the results (reset), frees everything. */
int eng_subq_prepare(credo_stmt *st);
int eng_subq_run(credo_stmt *st);
void eng_subq_reset(credo_stmt *st);
void eng_subq_free(credo_stmt *st);

/* Set operations (exec_setop.c): children and ORDER BY at prepare, the
 * combined rows (buffered in st->rows) at the start of each execution. */
int eng_setop_prepare(credo_stmt *st);
int eng_setop_run(credo_stmt *st);
void eng_setop_free(credo_stmt *st);

/* eng_stmts_txn_ending (eng.h) is implemented in exec.c. */

#endif /* CREDO_ENG_EXEC_H */
