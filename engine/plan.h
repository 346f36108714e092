/*
 * plan.h -- compiled SELECTs and the choice of access path.
 *
 * eng_plan_select compiles a SELECT's clauses (output columns, WHERE,
 * GROUP BY, HAVING, ORDER BY, LIMIT/OFFSET, AS OF, VISIBLE AT) and picks
 * the event access path from WHERE's top-level AND conjuncts:
 * id = c > source = c AND ref = c > subject = c > type = c > ranges on
 * public_until > full scan ("c" a constant: literals, parameters, NOW and
 * operators on them; `c = column` too). The executor still evaluates
 * WHERE on every row: the path only narrows what is read.
 *
 * Ownership: a plan owns its compiled trees and names; it borrows the
 * AST and the statement text, which must outlive it.
 *
 * Does not: read rows (exec.c); the estimates in EXPLAIN come from
 * eng_scan_estimate.
 */
#ifndef CREDO_ENG_PLAN_H
#define CREDO_ENG_PLAN_H

#include "expr.h"

#define ENG_MAX_BOUNDS 8

/* One bound on public_until: public_until op e. */
typedef struct eng_bound {
  int op; /* CQL_OP_LT, _LE, _GT, _GE */
  const eng_expr *e;
} eng_bound;

/* One window function of a SELECT (plan_win.c). Its inputs are slots of
 * the values the window stage buffers per row (the plan's carry). */
typedef struct eng_win_spec {
  int fn;       /* ENG_WF_* or, for aggregates, ENG_FN_* */
  int arg[3];   /* carry slots of the call's arguments; -1 when absent */
  size_t *part; /* PARTITION BY: carry slots */
  size_t np;
  size_t *ord; /* ORDER BY: carry slots, with desc flags */
  int *desc;
  size_t no;
  eng_agg_spec agg; /* aggregates: arg and filter are ENG_X_WREF (owned) */
  size_t off, end;  /* the call's source span (EXPLAIN) */
} eng_win_spec;

typedef struct eng_plan {
  const cql_select *sel; /* NULL for REPAIR EVENTS WHERE */
  const char *src;       /* statement text the positions refer to */
  int table;             /* CQL_TABLE_* */
  /* output */
  size_t ncols;
  eng_expr **cols;
  char **names;
  int *decl; /* credo_type per column */
  eng_expr *where;
  /* access path: the constant sides (borrowed from `where`) and the
   * conjuncts they come from (for EXPLAIN) */
  int path;
  const eng_expr *k1, *k2;
  const eng_expr *p1, *p2;
  eng_bound bounds[ENG_MAX_BOUNDS];
  const eng_expr *bound_preds[ENG_MAX_BOUNDS];
  size_t nbounds;
  /* grouping */
  int grouped;
  eng_expr **keys;
  size_t nkeys;
  eng_agg_spec *aggs;
  size_t naggs;
  eng_expr *having;
  int distinct;
  /* ordering */
  size_t norder;
  eng_expr **order;
  int *desc;
  /* constants evaluated once per execution */
  eng_expr *limit, *offset, *as_of, *visible_at;
  unsigned flags; /* CREDO_READ_* */
  /* uncorrelated subqueries, run once per execution before the rows */
  eng_subq_list subqs;
  int for_public; /* compiled for (and checked against) the public role */
  /* window functions (plan_win.c): with nwins > 0, the output columns and
   * ORDER BY terms read only ENG_X_WREF slots of carry (evaluated per
   * input row before the window stage) and ENG_X_WIN results */
  eng_expr **carry;
  size_t ncarry, carry_cap;
  eng_win_spec *wins;
  size_t nwins, wins_cap;
} eng_plan;

/* Compiles a SELECT. `nparams` is the statement's number of `?`. On
 * failure *out is NULL and the error (with position) is on the handle. */
int eng_plan_select(credo *db, const cql_select *sel, const char *src,
                    int nparams, eng_plan **out);
/* Compiles the WHERE of REPAIR EVENTS WHERE (table events, no output). */
int eng_plan_where(credo *db, const cql_expr *where, const char *src,
                   int nparams, eng_plan **out);
void eng_plan_free(eng_plan *p);

/* Moves the window function calls of p's output columns and ORDER BY into
 * p->wins and what they and the rest of those expressions read from the
 * row into p->carry (plan_win.c); nothing to do without windows. Frees
 * them (eng_plan_free calls it). */
int eng_plan_windows(credo *db, eng_plan *p);
void eng_plan_windows_free(eng_plan *p);

/* Rows EXPLAIN expects from FROM versions: all of them, or one event's
 * share (`one`). Implemented in exec_versions.c. */
int eng_versions_estimate(credo *db, stor_txn *txn, int one, uint64_t *rows);

/* Writes EXPLAIN's lines for `p`, calling `line` for each; the estimate
 * is read in `txn`. Stops at the first non-zero return. */
typedef int (*eng_line_cb)(void *arg, const char *text);
int eng_plan_explain(credo *db, stor_txn *txn, const eng_plan *p,
                     eng_line_cb line, void *arg);

/* The name of an access path as EXPLAIN says it ("subject index"). */
const char *eng_path_name(int path);

#endif /* CREDO_ENG_PLAN_H */
