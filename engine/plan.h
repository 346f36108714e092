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

/* EXPLAIN's line callback. */
typedef int (*eng_line_cb)(void *arg, const char *text);

/* One bound on public_until: public_until op e. */
typedef struct eng_bound {
  int op; /* CQL_OP_LT, _LE, _GT, _GE */
  const eng_expr *e;
} eng_bound;

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
  /* FROM with joins or aliases (plan_join.c); NULL for one plain table */
  struct eng_join *join;
} eng_plan;

/* ------------------------------------------------ joins (plan_join.c) */

/* How a joined table's rows are found for each row of the tables before
 * it. */
enum eng_jmethod {
  ENG_JM_SCAN = 0,   /* nested loop: a full scan per outer row */
  ENG_JM_EV_ID,      /* events by id */
  ENG_JM_EV_SUBJECT, /* events by subject (subject index) */
  ENG_JM_EV_TYPE,    /* events by type (type index) */
  ENG_JM_SU_ID,      /* subjects by id (primary key) */
  ENG_JM_TY_NAME,    /* types by name */
  ENG_JM_HASH        /* a subquery's / users' rows hashed on column hcol */
};

/* One table of FROM. Slot 0 is read through the plan's own access path
 * (path, k1, ...); slots >= 1 through `method`. */
typedef struct eng_jtab {
  int table;            /* CQL_TABLE_* */
  int kind;             /* enum cql_join_kind */
  const cql_from *from; /* borrowed from the AST */
  eng_expr *on;         /* ON, over slots 0..this one */
  int method;           /* enum eng_jmethod */
  const eng_expr *key;  /* the outer side of the key conjunct (in `on`) */
  const eng_expr *keyc; /* the key conjunct, for EXPLAIN */
  eng_expr *as_of, *visible_at; /* this table's (or the statement's) */
  unsigned flags;               /* CREDO_READ_* */
  int hcol;                     /* ENG_JM_HASH: this table's hashed column */
  credo_stmt *child;            /* CQL_TABLE_SUB: the subquery, run once per
                                   execution before the join (its rows buffered) */
} eng_jtab;

typedef struct eng_join {
  eng_scope scope;
  eng_jtab t[ENG_MAX_TABLES];
} eng_join;

/* 1 when a SELECT needs the join machinery (several tables, an alias or
 * a `q.*`). */
int eng_join_needed(const cql_select *sel);
/* Builds p->join's scope from sel->from (before anything is compiled);
 * a subquery of FROM becomes a child statement (its names the scope's). */
int eng_join_plan(credo *db, eng_plan *p, int nparams);
/* Compiles the ON conditions and per-table clauses, picks each table's
 * method, applies the public role's rules (after the rest compiled). */
int eng_join_finish(credo *db, eng_plan *p, int nparams);
void eng_join_free(eng_join *j);
/* Output width of a `*` / `q.*` item, and its columns from p->cols[*k]. */
size_t eng_join_star_width(const eng_plan *p, const cql_select_item *it);
int eng_join_star_cols(credo *db, eng_plan *p, const cql_select_item *it,
                       size_t *k);
/* 1 when some table of FROM has a column `name`. */
int eng_join_has_col(const eng_plan *p, const char *name);
/* EXPLAIN's lines for the joined tables. */
int eng_join_explain(const eng_plan *p, eng_buf *b,
                     int (*emit)(eng_buf *, eng_line_cb, void *, int),
                     eng_line_cb line, void *arg);

/* Compiles a SELECT. `nparams` is the statement's number of `?`. On
 * failure *out is NULL and the error (with position) is on the handle. */
int eng_plan_select(credo *db, const cql_select *sel, const char *src,
                    int nparams, eng_plan **out);
/* Compiles the WHERE of REPAIR EVENTS WHERE (table events, no output). */
int eng_plan_where(credo *db, const cql_expr *where, const char *src,
                   int nparams, eng_plan **out);
void eng_plan_free(eng_plan *p);

/* Writes EXPLAIN's lines for `p`, calling `line` for each; the estimate
 * is read in `txn`. Stops at the first non-zero return. */
int eng_plan_explain(credo *db, stor_txn *txn, const eng_plan *p,
                     eng_line_cb line, void *arg);

/* The name of an access path as EXPLAIN says it ("subject index"). */
const char *eng_path_name(int path);

#endif /* CREDO_ENG_PLAN_H */
