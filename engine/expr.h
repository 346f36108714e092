/*
 * expr.h -- CQL expressions compiled for evaluation: column catalogs of the
 * three tables, compilation of AST expressions (column references resolved
 * to indexes, functions and aggregates checked, literal types checked),
 * evaluation with SQL three-valued logic, and aggregate states.
 *
 * Ownership: a compiled eng_expr tree is malloc'ed and freed with
 * eng_expr_free; it borrows strings (JSON path segments, literal texts)
 * from the AST it was compiled from, which must outlive it.
 *
 * Errors: compilation and evaluation failures are written on the handle
 * with eng_err_at (the position of the offending node) and returned.
 *
 * Does not: choose access paths (plan.c) or drive statements (exec.c).
 */
#ifndef CREDO_ENG_EXPR_H
#define CREDO_ENG_EXPR_H

#include "ast.h"
#include "eng.h"
#include "value.h"

/* Records a CQL error at a position: the message becomes
 * "line L, column C: <fmt...>" and credo_errpos gives L and C. Returns
 * `code`. */
int eng_cql_err(credo *db, int code, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ------------------------------------------------------------ columns */

/* Columns of events (HISTORY rows too). The first ENG_EV_STAR are `*`. */
enum eng_ev_col {
  ENG_EV_ID = 0,
  ENG_EV_SUBJECT,
  ENG_EV_TYPE,
  ENG_EV_OCCURRED,
  ENG_EV_PUBLIC_FROM,
  ENG_EV_PUBLIC_UNTIL,
  ENG_EV_SOURCE,
  ENG_EV_REF,
  ENG_EV_DATA,
  ENG_EV_VERSION,
  ENG_EV_RECORDED,
  ENG_EV_ACTOR,
  ENG_EV_PUBLIC,
  ENG_EV_SUBJECT_NAME,
  ENG_EV_SUBJECT_KIND,
  ENG_EV_OP,
  ENG_EV_REASON,
  ENG_EV_RETAIN_UNTIL,    /* when retention erases it (retain.c); NULL: never */
  ENG_EV_REPAIRABLE_FROM, /* occurred + the type's REPAIRABLE AFTER (store
                             zone); NULL for POSITIVE types */
  ENG_EV_NCOLS
};
#define ENG_EV_STAR 13

enum eng_subj_col {
  ENG_SU_ID = 0,
  ENG_SU_KIND,
  ENG_SU_NAME,
  ENG_SU_CREATED,
  ENG_SU_NCOLS
};

enum eng_type_col {
  ENG_TY_NAME = 0,
  ENG_TY_ID,
  ENG_TY_PUBLICITY,
  ENG_TY_REPAIRABLE,
  ENG_TY_CREATED,
  ENG_TY_POLARITY,      /* 'adverse' / 'positive' (not in `*`) */
  ENG_TY_PUBLISHED,     /* FALSE for NOT PUBLISHED (not in `*`) */
  ENG_TY_PUBLIC_FIELDS, /* 'a,b'; NULL: all of data (not in `*`) */
  ENG_TY_NCOLS
};
/* The columns of `*` and SHOW TYPES: the first ENG_TY_STAR. */
#define ENG_TY_STAR 5

/* The versions table (every version of every event): its columns are
 * event columns in this order -- id, version, op, recorded, actor,
 * reason, subject, type, occurred, public_from, public_until, source,
 * ref, data (the `*` columns), subject_name, subject_kind,
 * repairable_from -- each the value of that version. */
#define ENG_VS_ID 0 /* its id column */
#define ENG_VS_STAR 14
#define ENG_VS_NCOLS 17
/* 1 when column `col` of `table` is `data` (JSON paths go below it). */
int eng_col_is_data(int table, int col);

/* Number of columns of table `table` (CQL_TABLE_*), and the i-th one's
 * name and static type. `*` expands to eng_table_star(table) columns. */
int eng_table_ncols(int table);
int eng_table_star(int table);
const char *eng_col_name(int table, int col);
int eng_col_type(int table, int col);
/* Column index by name (case-insensitive), -1 when unknown. */
int eng_col_find(int table, const char *name);

/* ---------------------------------------------------------- compiled */

enum eng_xkind {
  ENG_X_CONST = 1, /* val */
  ENG_X_COL,       /* idx = column */
  ENG_X_JPATH,     /* data.a.b: segs / nsegs below data */
  ENG_X_PARAM,     /* idx = 1-based parameter */
  ENG_X_NOW,
  ENG_X_NEG,
  ENG_X_NOT,
  ENG_X_BIN,     /* op = cql_op */
  ENG_X_IN,      /* a, args */
  ENG_X_BETWEEN, /* a, b, c */
  ENG_X_LIKE,    /* a, b */
  ENG_X_ISNULL,  /* a */
  ENG_X_FUNC,    /* idx = ENG_FN_COALESCE, args (lazy) */
  ENG_X_SFUNC,   /* idx = ENG_SF_* (fn_scalar.h), args (strict) */
  ENG_X_CASE,    /* a = operand or NULL, args = when, then, ..., b = ELSE */
  ENG_X_CAST,    /* a, idx = enum cql_cast */
  ENG_X_SUBQ,    /* idx = subquery slot, op = CQL_E_IN / EXISTS / SUBQUERY,
                    a = IN's left operand, negated = NOT IN */
  ENG_X_AGG,     /* idx = aggregate slot (its value after grouping) */
  ENG_X_KEY,     /* idx = GROUP BY key (its value after grouping) */
  ENG_X_OUT,     /* idx = output column (ORDER BY alias / position) */
  ENG_X_LOGIC,   /* op = CQL_OP_AND / CQL_OP_OR, args = operands (>= 2):
                    a whole chain in one node (expr_logic.c) */
  ENG_X_OUTER,   /* idx = outer reference of a correlated subquery: its
                    value for this run (eng_ectx.outerv; exec_corr.c) */
  ENG_X_WIN,     /* a window function call (expr_win.c). As compiled: idx =
                    ENG_WF_*, win = its OVER clause, args = the call's
                    arguments (op of them), then FILTER's condition
                    (negated = 1 when present), then PARTITION BY, then
                    ORDER BY. After plan_win.c: idx = window slot, no args */
  ENG_X_WREF     /* idx = slot of a value computed before the window stage
                    (plan_win.c) */
};

/* Window functions (ENG_X_WIN's idx as compiled); the aggregates used as
 * window functions keep their enum eng_fn codes. */
enum eng_wf {
  ENG_WF_ROW_NUMBER = 100,
  ENG_WF_RANK,
  ENG_WF_DENSE_RANK,
  ENG_WF_LAG,
  ENG_WF_LEAD,
  ENG_WF_FIRST_VALUE,
  ENG_WF_LAST_VALUE
};

/* coalesce (evaluated lazily) and the aggregates; the other functions
 * are ENG_X_SFUNC (fn_scalar.h). */
enum eng_fn {
  ENG_FN_COALESCE = 4,
  ENG_FN_COUNT_STAR,
  ENG_FN_COUNT,
  ENG_FN_SUM,
  ENG_FN_AVG,
  ENG_FN_MIN,
  ENG_FN_MAX,
  ENG_FN_STRING_AGG
};

/* The uncorrelated subqueries of a statement, in slot order: their AST
 * (borrowed) and the expression that holds each. */
typedef struct eng_subq_list {
  const cql_expr **at;
  size_t n, cap;
} eng_subq_list;

typedef struct eng_agg_seen eng_agg_seen; /* a set of value keys */

/* What one subquery produced in this execution (exec_subq.c). */
typedef struct eng_subres {
  int any_null;      /* IN: a NULL among the values */
  int exists;        /* a row came back */
  eng_brow *scalar;  /* SUBQUERY: the one value (NULL when no row) */
  eng_agg_seen *set; /* IN: keys of the values */
} eng_subres;

/* A set of canonical value keys (eng_v_key): add returns 1 when the
 * value was there already, 0 when added, CREDO_NOMEM (< 0) on failure;
 * has returns 1 / 0. Free accepts NULL. */
int eng_keyset_add(eng_agg_seen **s, const eng_value *v);
int eng_keyset_has(const eng_agg_seen *s, const eng_value *v);
void eng_keyset_free(eng_agg_seen *s);

/* The tables of a FROM with joins or aliases (issue 15): slot i is the
 * i-th table of FROM; column references compile to (slot, column). */
#define ENG_MAX_TABLES 8
typedef struct eng_scope {
  size_t n;
  int table[ENG_MAX_TABLES];        /* CQL_TABLE_* */
  const char *name[ENG_MAX_TABLES]; /* the alias, else the table name */
  /* CQL_TABLE_SUB slots: the subquery's output column names */
  const char *const *cols[ENG_MAX_TABLES];
  size_t ncols[ENG_MAX_TABLES];
} eng_scope;

/* Tables read as buffered rows (eng_ectx.drow): FROM's subqueries and
 * the users table. */
#define ENG_ROWSET(t) ((t) == CQL_TABLE_SUB || (t) == CQL_TABLE_USERS)
/* The users table's columns (the rows of SHOW USERS). */
extern const char *const ENG_USER_COLS[3];

/* Columns of slot i of a scope (the table's, or a subquery's). */
int eng_scope_ncols(const eng_scope *s, size_t i);
const char *eng_scope_colname(const eng_scope *s, size_t i, int col);
int eng_scope_colfind(const eng_scope *s, size_t i, const char *name);

typedef struct eng_expr eng_expr;
struct eng_expr {
  int kind;          /* enum eng_xkind */
  int op;            /* BIN: cql_op */
  int idx;           /* see the kinds; BIN: 1 for `text column = text` */
  int negated;       /* IN, BETWEEN, LIKE, ISNULL */
  int st;            /* static type, ENG_V_ANY when it depends on the row */
  eng_value val;     /* CONST */
  char *const *segs; /* JPATH, borrowed from the AST */
  size_t nsegs;
  eng_expr *a, *b, *c;
  eng_expr **args;
  size_t nargs;
  int line, col;         /* position of the first character */
  size_t off, end;       /* source span, byte offsets in the statement text */
  int tab;               /* COL, JPATH: the FROM slot (0 without joins) */
  const cql_window *win; /* WIN as compiled: its OVER clause (borrowed) */
};

/* One aggregate call collected while compiling. */
typedef struct eng_agg_spec {
  int fn;           /* ENG_FN_COUNT_STAR .. ENG_FN_STRING_AGG */
  eng_expr *arg;    /* NULL for count(*) */
  eng_expr *arg2;   /* string_agg's separator (a constant), else NULL */
  eng_expr *filter; /* FILTER (WHERE filter): rows where it is not true are
                       not fed; NULL when absent */
  int distinct;     /* fn(DISTINCT arg): each value once */
} eng_agg_spec;

/* What compilation may see. */
typedef struct eng_cctx {
  credo *db;
  int table;          /* CQL_TABLE_*; 0 when no row (constants only) */
  int nparams;        /* parameters of the statement */
  const char *clause; /* "WHERE", "LIMIT", ... for messages */
  /* Aggregates: when aggs_ok, calls are collected into the array and
   * compiled as ENG_X_AGG; otherwise they are an error. */
  int aggs_ok;
  eng_agg_spec *aggs;
  size_t naggs, aggs_cap;
  /* Grouping: subtrees equal to a key become ENG_X_KEY; with `grouped`,
   * a column outside an aggregate and outside every key is an error. */
  int grouped;
  eng_expr **keys;
  size_t nkeys;
  /* HAVING: a name that is no column but an output alias stands for that
   * item's expression (compiled again here); NULL elsewhere. */
  const cql_select_item *alias_items;
  size_t n_alias_items;
  int in_alias; /* an alias is being expanded (no alias inside one) */
  /* SELECT: subqueries are registered here; NULL: not allowed */
  eng_subq_list *subqs;
  /* window function calls are allowed (the select list and ORDER BY) */
  int wins_ok;
  /* FROM with joins or aliases: names resolve through it (expr_scope.c);
   * NULL: one table, `table` */
  const eng_scope *scope;
} eng_cctx;

/* A column reference resolved through cc->scope (expr_scope.c): `c`,
 * `q.c`, `q.data.k...`, `data.k...`; an ambiguous or unknown name is a
 * positioned error naming the candidates / a near miss. */
int eng_scope_column(eng_cctx *cc, const cql_expr *e, eng_expr **out);

/* Correlated subqueries (issue 15). While a subquery's child statement
 * is prepared, db->outer describes the statement around it: a column
 * name the subquery's own FROM does not have is looked up there and, when
 * found, compiles to ENG_X_OUTER and is recorded in `refs` (AST, borrowed)
 * for the outer statement to compile and evaluate per row. */
typedef struct eng_outer {
  int table;              /* the outer FROM's table (no joins) */
  const eng_scope *scope; /* or its scope (joins / aliases) */
  const cql_expr **refs;
  size_t n, cap;
} eng_outer;
/* An outer reference for `e` (CREDO_OK, *out set), CREDO_NOTFOUND
 * without an error when db->outer has no such column. */
int eng_outer_column(eng_cctx *cc, const cql_expr *e, eng_expr **out);

/* Compiles `e`. On failure *out is NULL and the error is on the handle. */
int eng_expr_compile(eng_cctx *cc, const cql_expr *e, eng_expr **out);
void eng_expr_free(eng_expr *e);
void eng_aggs_free(eng_agg_spec *aggs, size_t n);
/* 1 when `e` reads no row (literals, parameters, NOW, operators). */
int eng_expr_is_const(const eng_expr *e);
/* 1 when two compiled trees compute the same thing. */
int eng_expr_same(const eng_expr *a, const eng_expr *b);
/* Compiles window function call e (e->over set) into an ENG_X_WIN node
 * (expr_win.c); an error where cc->wins_ok is 0. */
int eng_compile_window(eng_cctx *cc, const cql_expr *e, int in_agg,
                       eng_expr **out);
/* 1 when the tree contains a window function call. */
int eng_expr_has_win(const eng_expr *e);
/* 1 when the tree contains an aggregate. */
int eng_expr_has_agg(const eng_expr *e);

/* --------------------------------------------------------- evaluation */

/* The row and session an expression is evaluated against. Everything is
 * borrowed; the arena takes the values computed for the row (reset by the
 * caller between rows). */
typedef struct eng_ectx {
  credo *db;
  stor_txn *txn; /* for subject look-ups of subject_name / subject_kind */
  int table;
  const credo_event *ev;
  const credo_subject_info *subj;
  const credo_type_info *ty;
  const eng_value *params;
  int nparams;
  credo_time now;
  eng_arena *arena;
  /* lazily filled per row; eng_ectx_row clears them */
  json_t *json;
  int json_state; /* 0 not parsed, 1 parsed, -1 not JSON */
  /* the subject of the last row (copied, survives rows) */
  eng_buf subj_id, subj_name;
  int subj_kind; /* 0 when unknown */
  /* the public role's output: person ids masked, internals NULL (set
   * while projecting, clear while WHERE filters on the full id) */
  int mask_subject;
  /* the AS OF instant of the read (CREDO_TIME_OPEN: the latest), for the
   * name a subject had then (renames.c) */
  credo_time as_of;
  /* after grouping */
  const eng_value *keys;
  const eng_value *aggv;
  const eng_value *outv;
  /* results of the statement's subqueries, by slot (exec_subq.c) */
  const eng_subres *subres;
  /* the window stage (exec_window.c): the values computed before it
   * (ENG_X_WREF) and the window functions' results (ENG_X_WIN) */
  const eng_value *carry;
  const eng_value *winv;
  /* joins: the context of each FROM slot (tabs[0] is this one); NULL
   * without joins. `nullrow`: a LEFT JOIN found no match, every column
   * of this slot reads NULL. */
  struct eng_ectx *const *tabs;
  int nullrow;
  /* table CQL_TABLE_SUB: the current row of the subquery's result */
  const eng_value *drow;
  /* a correlated subquery: the outer row's values of its outer
   * references, by ENG_X_OUTER idx */
  const eng_value *outerv;
  /* the statement's correlated subqueries: re-run slot `slot` for the
   * current row before its result is read (NULL: none) */
  int (*corr)(void *arg, int slot);
  void *corr_arg;
} eng_ectx;

/* The context that holds the row of column reference e's slot. */
#define ENG_TABX(x, e) ((x)->tabs ? (x)->tabs[(e)->tab] : (x))

/* Starts a new row: drops the parsed JSON of the previous one and resets
 * the arena. */
void eng_ectx_row(eng_ectx *x);
/* Frees what the context owns (parsed JSON, subject cache). */
void eng_ectx_free(eng_ectx *x);

/* Evaluates `e`. The result may point into the row, the arena or the
 * statement; it is valid until the next eng_ectx_row. */
int eng_eval(eng_ectx *x, const eng_expr *e, eng_value *out);
/* Evaluates a condition: *tri = 1 true, 0 false, -1 unknown (NULL). */
int eng_eval_cond(eng_ectx *x, const eng_expr *e, int *tri);
/* Reads column `col` of the current row. */
int eng_column_value(eng_ectx *x, int col, eng_value *out);

/* Evaluates a constant as a time (TEXT is read in the session zone).
 * `what` names the value in messages ("AS OF"). NULL is an error. */
int eng_eval_time(eng_ectx *x, const eng_expr *e, const char *what,
                  credo_time *out);

/* ---------------------------------------------------------- aggregates */

/* The state of one aggregate; all zero (calloc) is the initial state. */
typedef struct eng_agg_state {
  int64_t count;
  int64_t isum;
  double rsum;
  int real;         /* sum went REAL */
  int dec;          /* a DECIMAL was summed: the sum is dsum + isum */
  int dur;          /* durations are summed (dsum_d) */
  eng_dec_acc dsum; /* exact sum of DECIMALs */
  credo_duration dsum_d;
  eng_brow *best;     /* min / max: owned copy */
  eng_buf text;       /* string_agg */
  eng_agg_seen *seen; /* DISTINCT */
} eng_agg_state;

/* Feeds the current row into `s`. */
int eng_agg_step(eng_ectx *x, const eng_agg_spec *a, eng_agg_state *s);
/* The aggregate's value; text points into the state. An exact sum too
 * large for a DECIMAL becomes REAL. */
void eng_agg_final(const eng_agg_spec *a, const eng_agg_state *s,
                   eng_value *out);
void eng_agg_state_free(eng_agg_state *s);
/* sum / avg of an INT into s: exact in isum until it would overflow, then
 * REAL (rsum) from there on. The one definition of that step, inline so
 * that the batch path's loop (exec_batch_loop.c) keeps it in registers. */
static inline void eng_agg_sum_int(eng_agg_state *s, int64_t i) {
  if (!s->real && __builtin_add_overflow(s->isum, i, &s->isum)) {
    s->real = 1; /* keep going in REAL */
    s->rsum += (double)s->isum + (double)i;
    s->isum = 0;
  } else if (s->real)
    s->rsum += (double)i;
}

#endif /* CREDO_ENG_EXPR_H */
