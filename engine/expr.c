/*
 * expr.c -- CQL expressions: the column catalogs, compilation of AST
 * expressions into eng_expr trees, evaluation against a row, and
 * aggregates.
 *
 * Compilation resolves every column name to an index (case-insensitive),
 * checks function names and argument counts, collects aggregates into
 * slots, and checks the types it can already see (a TEXT literal compared
 * with a TIME column must read as a time in the session zone). Every error
 * carries the position of the node at fault.
 *
 * Evaluation follows SQL three-valued logic: a NULL operand makes
 * comparisons and arithmetic NULL; AND / OR / NOT follow the truth tables
 * with unknown. TEXT meets TIME by being read as a time (session zone).
 * Comparing values of incompatible types is an error, except when one side
 * comes from a JSON path (data is free-form): then the result is NULL.
 * Division by zero and integer overflow are errors (CREDO_RANGE), never a
 * silent NULL. Only the columns an expression names are read; nothing is
 * allocated per row except computed texts (in the row arena) and the parse
 * of `data` when a JSON path is used (once per row).
 *
 * Does not: decide which rows are read (plan.c) or keep results (exec.c).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "expr.h"

int eng_cql_err(credo *db, int code, int line, int col, const char *fmt, ...) {
  char msg[sizeof db->errmsg - 40];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (line <= 0)
    return eng_err(db, code, "%s", msg);
  return eng_err_at(db, code, line, col, "line %d, column %d: %s", line, col,
                    msg);
}

/* ------------------------------------------------------------ columns */

typedef struct col_def {
  const char *name;
  int type;
} col_def;

static const col_def EV_COLS[ENG_EV_NCOLS] = {{"id", ENG_V_INT},
                                              {"subject", ENG_V_TEXT},
                                              {"type", ENG_V_TEXT},
                                              {"occurred", ENG_V_TIME},
                                              {"public_from", ENG_V_TIME},
                                              {"public_until", ENG_V_TIME},
                                              {"source", ENG_V_TEXT},
                                              {"ref", ENG_V_TEXT},
                                              {"data", ENG_V_JSON},
                                              {"version", ENG_V_INT},
                                              {"recorded", ENG_V_TIME},
                                              {"actor", ENG_V_TEXT},
                                              {"public", ENG_V_BOOL},
                                              {"subject_name", ENG_V_TEXT},
                                              {"subject_kind", ENG_V_TEXT},
                                              {"op", ENG_V_TEXT},
                                              {"reason", ENG_V_TEXT}};

static const col_def SU_COLS[ENG_SU_NCOLS] = {{"id", ENG_V_TEXT},
                                              {"kind", ENG_V_TEXT},
                                              {"name", ENG_V_TEXT},
                                              {"created", ENG_V_TIME}};

static const col_def TY_COLS[ENG_TY_NCOLS] = {{"name", ENG_V_TEXT},
                                              {"id", ENG_V_INT},
                                              {"publicity", ENG_V_TEXT},
                                              {"repairable_after", ENG_V_TEXT},
                                              {"created", ENG_V_TIME}};

static const col_def *table_cols(int table, int *n) {
  switch (table) {
  case CQL_TABLE_EVENTS:
    *n = ENG_EV_NCOLS;
    return EV_COLS;
  case CQL_TABLE_SUBJECTS:
    *n = ENG_SU_NCOLS;
    return SU_COLS;
  case CQL_TABLE_TYPES:
    *n = ENG_TY_NCOLS;
    return TY_COLS;
  default:
    *n = 0;
    return NULL;
  }
}

int eng_table_ncols(int table) {
  int n;
  table_cols(table, &n);
  return n;
}

int eng_table_star(int table) {
  return table == CQL_TABLE_EVENTS ? ENG_EV_STAR : eng_table_ncols(table);
}

const char *eng_col_name(int table, int col) {
  int n;
  const col_def *c = table_cols(table, &n);
  return col >= 0 && col < n ? c[col].name : "?";
}

int eng_col_type(int table, int col) {
  int n;
  const col_def *c = table_cols(table, &n);
  return col >= 0 && col < n ? c[col].type : ENG_V_ANY;
}

int eng_col_find(int table, const char *name) {
  int n;
  const col_def *c = table_cols(table, &n);
  for (int i = 0; i < n; i++)
    if (strcasecmp(c[i].name, name) == 0)
      return i;
  return -1;
}

/* ------------------------------------------------------- compilation */

static const struct {
  const char *name;
  int fn, min, max; /* argument counts; max -1 = any */
} FUNCS[] = {
    {"lower", ENG_FN_LOWER, 1, 1},   {"upper", ENG_FN_UPPER, 1, 1},
    {"length", ENG_FN_LENGTH, 1, 1}, {"coalesce", ENG_FN_COALESCE, 1, -1},
    {"count", ENG_FN_COUNT, 1, 1},   {"sum", ENG_FN_SUM, 1, 1},
    {"avg", ENG_FN_AVG, 1, 1},       {"min", ENG_FN_MIN, 1, 1},
    {"max", ENG_FN_MAX, 1, 1}};
#define NFUNCS (sizeof FUNCS / sizeof FUNCS[0])

static int is_agg_fn(int fn) {
  return fn >= ENG_FN_COUNT_STAR;
}

static const char *fn_name(int fn) {
  if (fn == ENG_FN_COUNT_STAR)
    return "count";
  for (size_t i = 0; i < NFUNCS; i++)
    if (FUNCS[i].fn == fn)
      return FUNCS[i].name;
  return "?";
}

static int err_at(eng_cctx *cc, const cql_expr *e, int code, const char *fmt,
                  const char *a, const char *b) {
  char msg[512];
  snprintf(msg, sizeof msg, fmt, a, b);
  return eng_cql_err(cc->db, code, e->pos.line, e->pos.column, "%s", msg);
}

static eng_expr *node_new(const cql_expr *e, int kind) {
  eng_expr *x = calloc(1, sizeof *x);
  if (!x)
    return NULL;
  x->kind = kind;
  x->st = ENG_V_ANY;
  x->line = e->pos.line;
  x->col = e->pos.column;
  x->off = e->pos.offset;
  x->end = e->end;
  return x;
}

void eng_expr_free(eng_expr *e) {
  if (!e)
    return;
  eng_expr_free(e->a);
  eng_expr_free(e->b);
  eng_expr_free(e->c);
  for (size_t i = 0; i < e->nargs; i++)
    eng_expr_free(e->args[i]);
  free(e->args);
  free(e);
}

void eng_aggs_free(eng_agg_spec *aggs, size_t n) {
  for (size_t i = 0; i < n; i++)
    eng_expr_free(aggs[i].arg);
  free(aggs);
}

static int known_cols(int table, char *buf, size_t n) {
  size_t used = 0;
  int nc = eng_table_ncols(table);
  buf[0] = '\0';
  for (int i = 0; i < nc && used < n; i++)
    used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "",
                             eng_col_name(table, i));
  if (table == CQL_TABLE_EVENTS && used < n)
    snprintf(buf + used, n - used, ", data.<path>");
  return 0;
}

static int compile_column(eng_cctx *cc, const cql_expr *e, eng_expr **out) {
  char known[400];
  const char *name = e->path.n ? e->path.segs[0] : "";
  int col = cc->table ? eng_col_find(cc->table, name) : -1;
  eng_expr *x;

  if (!cc->table)
    return err_at(cc, e, CREDO_SEMANTIC, "%s cannot refer to column \"%s\"",
                  cc->clause ? cc->clause : "this value", name);
  if (col < 0 || (e->path.n > 1 &&
                  !(cc->table == CQL_TABLE_EVENTS && col == ENG_EV_DATA))) {
    char full[300];
    size_t used = 0;
    for (size_t i = 0; i < e->path.n && used < sizeof full; i++)
      used += (size_t)snprintf(full + used, sizeof full - used, "%s%s",
                               i ? "." : "", e->path.segs[i]);
    known_cols(cc->table, known, sizeof known);
    return err_at(cc, e, CREDO_SEMANTIC, "unknown column \"%s\" (columns: %s)",
                  full, known);
  }
  x = node_new(e, e->path.n > 1 ? ENG_X_JPATH : ENG_X_COL);
  if (!x)
    return eng_err(cc->db, CREDO_NOMEM, "out of memory");
  x->idx = col;
  if (e->path.n > 1) {
    x->segs = e->path.segs + 1;
    x->nsegs = e->path.n - 1;
  } else
    x->st = eng_col_type(cc->table, col);
  *out = x;
  return CREDO_OK;
}

static int compile_literal(eng_cctx *cc, const cql_expr *e, eng_expr **out) {
  eng_expr *x = node_new(e, ENG_X_CONST);
  if (!x)
    return eng_err(cc->db, CREDO_NOMEM, "out of memory");
  switch (e->kind) {
  case CQL_E_INT:
    x->val = eng_v_int(e->ival);
    break;
  case CQL_E_REAL:
    x->val = eng_v_real(e->rval);
    break;
  case CQL_E_TEXT:
    x->val = eng_v_text(e->text ? e->text : "", e->text ? e->text_len : 0);
    break;
  case CQL_E_JSON:
    x->val = eng_v_json(e->text ? e->text : "{}", e->text ? e->text_len : 2);
    break;
  case CQL_E_BOOL:
    x->val = eng_v_bool((int)e->ival);
    break;
  case CQL_E_DURATION:
    x->val = eng_v_dur(e->dur);
    break;
  default:
    x->val = eng_v_null();
  }
  x->st = x->val.t;
  *out = x;
  return CREDO_OK;
}

static int compile(eng_cctx *cc, const cql_expr *e, int in_agg, eng_expr **out);

static int compile_args(eng_cctx *cc, const cql_expr_list *l, int in_agg,
                        eng_expr *x) {
  int rc;
  if (l->n == 0)
    return CREDO_OK;
  x->args = calloc(l->n, sizeof *x->args);
  if (!x->args)
    return eng_err(cc->db, CREDO_NOMEM, "out of memory");
  x->nargs = l->n;
  for (size_t i = 0; i < l->n; i++)
    if ((rc = compile(cc, l->items[i], in_agg, &x->args[i])) != CREDO_OK)
      return rc;
  return CREDO_OK;
}

static int find_fn(eng_cctx *cc, const cql_expr *e, int *fn) {
  const char *name = e->text ? e->text : "";
  size_t n = e->star ? 0 : e->list.n;
  char cnt[32];
  for (size_t i = 0; i < NFUNCS; i++) {
    if (strcasecmp(FUNCS[i].name, name) != 0)
      continue;
    *fn = FUNCS[i].fn;
    if (e->star) {
      if (*fn != ENG_FN_COUNT)
        return err_at(cc, e, CREDO_SEMANTIC,
                      "%s(*) is not a function; only "
                      "count takes *%s",
                      name, "");
      *fn = ENG_FN_COUNT_STAR;
      return CREDO_OK;
    }
    if ((int)n < FUNCS[i].min || (FUNCS[i].max >= 0 && (int)n > FUNCS[i].max)) {
      snprintf(cnt, sizeof cnt, "%zu", n);
      return err_at(cc, e, CREDO_SEMANTIC,
                    FUNCS[i].max < 0
                        ? "wrong number of arguments: %s takes at least one, "
                          "not %s"
                        : "wrong number of arguments: %s takes one, not %s",
                    name, cnt);
    }
    return CREDO_OK;
  }
  return err_at(cc, e, CREDO_SEMANTIC,
                "unknown function \"%s\"%s (functions: lower, upper, length, "
                "coalesce, count, sum, avg, min, max)",
                name, "");
}

static int fn_type(int fn, const eng_expr *x) {
  int st = x->nargs ? x->args[0]->st : ENG_V_ANY;
  switch (fn) {
  case ENG_FN_LOWER:
  case ENG_FN_UPPER:
    return ENG_V_TEXT;
  case ENG_FN_LENGTH:
  case ENG_FN_COUNT:
  case ENG_FN_COUNT_STAR:
    return ENG_V_INT;
  case ENG_FN_AVG:
    return ENG_V_REAL;
  case ENG_FN_SUM:
    return eng_v_numeric(st) ? st : ENG_V_ANY;
  case ENG_FN_COALESCE:
    for (size_t i = 1; i < x->nargs; i++)
      if (x->args[i]->st != st)
        return ENG_V_ANY;
    return st;
  default:
    return st; /* min, max */
  }
}

static int add_agg(eng_cctx *cc, int fn, eng_expr *arg, int *slot) {
  if (cc->naggs == cc->aggs_cap) {
    size_t cap = cc->aggs_cap ? cc->aggs_cap * 2 : 4;
    eng_agg_spec *a = realloc(cc->aggs, cap * sizeof *a);
    if (!a)
      return eng_err(cc->db, CREDO_NOMEM, "out of memory");
    cc->aggs = a;
    cc->aggs_cap = cap;
  }
  cc->aggs[cc->naggs].fn = fn;
  cc->aggs[cc->naggs].arg = arg;
  *slot = (int)cc->naggs++;
  return CREDO_OK;
}

static int compile_call(eng_cctx *cc, const cql_expr *e, int in_agg,
                        eng_expr **out) {
  eng_expr *x;
  int fn = 0, rc;
  if ((rc = find_fn(cc, e, &fn)) != CREDO_OK)
    return rc;
  if (is_agg_fn(fn)) {
    if (in_agg)
      return err_at(cc, e, CREDO_SEMANTIC,
                    "aggregate functions cannot be nested (%s inside an "
                    "aggregate)%s",
                    fn_name(fn), "");
    if (!cc->aggs_ok)
      return err_at(cc, e, CREDO_SEMANTIC,
                    "aggregate function %s is not allowed in %s", fn_name(fn),
                    cc->clause ? cc->clause : "this clause");
    if (e->distinct)
      return err_at(cc, e, CREDO_NOTSUP, "%s(DISTINCT ...) is not supported%s",
                    fn_name(fn), "");
  }
  if (!(x = node_new(e, ENG_X_FUNC)))
    return eng_err(cc->db, CREDO_NOMEM, "out of memory");
  x->idx = fn;
  if ((rc = compile_args(cc, &e->list, in_agg || is_agg_fn(fn), x))) {
    eng_expr_free(x);
    return rc;
  }
  x->st = fn_type(fn, x);
  if (is_agg_fn(fn)) {
    eng_expr *arg = x->nargs ? x->args[0] : NULL;
    int slot = 0;
    if (x->nargs)
      x->nargs = 0; /* the spec takes the argument */
    free(x->args);
    x->args = NULL;
    if ((rc = add_agg(cc, fn, arg, &slot)) != CREDO_OK) {
      eng_expr_free(arg);
      eng_expr_free(x);
      return rc;
    }
    x->kind = ENG_X_AGG;
    x->idx = slot;
  }
  *out = x;
  return CREDO_OK;
}

/* ------------------------------------------------------- type checks */

static int is_cmp_op(int op) {
  return op >= CQL_OP_EQ && op <= CQL_OP_GE;
}

/* A TEXT literal next to a TIME must read as one in the session zone. */
static int check_time_text(eng_cctx *cc, const eng_expr *t) {
  credo_time tm;
  if (t->kind != ENG_X_CONST || t->val.t != ENG_V_TEXT)
    return CREDO_OK;
  if (eng_v_text_time(&t->val, cc->db->tz, &tm) == CREDO_OK)
    return CREDO_OK;
  return eng_cql_err(cc->db, CREDO_SEMANTIC, t->line, t->col,
                     "cannot read '%.100s' as a time", t->val.u.s.p);
}

static int known(int st) {
  return st != ENG_V_ANY && st != ENG_V_NULL;
}

/* Comparison of a and b, as far as their static types tell. */
static int check_compare(eng_cctx *cc, const eng_expr *a, const eng_expr *b) {
  if (!known(a->st) || !known(b->st))
    return CREDO_OK;
  if (a->st == ENG_V_TIME && b->st == ENG_V_TEXT)
    return check_time_text(cc, b);
  if (b->st == ENG_V_TIME && a->st == ENG_V_TEXT)
    return check_time_text(cc, a);
  if ((eng_v_numeric(a->st) && eng_v_numeric(b->st)) || a->st == b->st)
    return CREDO_OK;
  return eng_cql_err(cc->db, CREDO_SEMANTIC, b->line, b->col,
                     "type mismatch: cannot compare %s with %s",
                     eng_vtype_name(a->st), eng_vtype_name(b->st));
}

static int check_bool(eng_cctx *cc, const eng_expr *a) {
  if (!known(a->st) || a->st == ENG_V_BOOL)
    return CREDO_OK;
  return eng_cql_err(cc->db, CREDO_SEMANTIC, a->line, a->col,
                     "type mismatch: expected a condition (BOOL), got %s",
                     eng_vtype_name(a->st));
}

/* Static result type of arithmetic; ENG_V_NULL when the types can never
 * work. */
static int arith_type(int op, int a, int b) {
  if (op == CQL_OP_CONCAT)
    return ENG_V_TEXT;
  if (!known(a) || !known(b))
    return ENG_V_ANY;
  if (eng_v_numeric(a) && eng_v_numeric(b))
    return a == ENG_V_INT && b == ENG_V_INT ? ENG_V_INT : ENG_V_REAL;
  if (op == CQL_OP_ADD || op == CQL_OP_SUB) {
    int ta = a == ENG_V_TEXT ? ENG_V_TIME : a;
    int tb = b == ENG_V_TEXT ? ENG_V_TIME : b;
    if (ta == ENG_V_TIME && b == ENG_V_DURATION)
      return ENG_V_TIME;
    if (op == CQL_OP_ADD && a == ENG_V_DURATION && tb == ENG_V_TIME)
      return ENG_V_TIME;
    if (op == CQL_OP_SUB && ta == ENG_V_TIME && tb == ENG_V_TIME &&
        (a == ENG_V_TIME || b == ENG_V_TIME))
      return ENG_V_DURATION;
    if (a == ENG_V_DURATION && b == ENG_V_DURATION)
      return ENG_V_DURATION;
  }
  if (op == CQL_OP_MUL && ((a == ENG_V_DURATION && b == ENG_V_INT) ||
                           (a == ENG_V_INT && b == ENG_V_DURATION)))
    return ENG_V_DURATION;
  return ENG_V_NULL;
}

static int check_binary(eng_cctx *cc, eng_expr *x) {
  int rc, st;
  if (x->op == CQL_OP_AND || x->op == CQL_OP_OR) {
    x->st = ENG_V_BOOL;
    if ((rc = check_bool(cc, x->a)) != CREDO_OK)
      return rc;
    return check_bool(cc, x->b);
  }
  if (is_cmp_op(x->op)) {
    x->st = ENG_V_BOOL;
    x->idx = (x->op == CQL_OP_EQ || x->op == CQL_OP_NE) &&
             ((x->a->kind == ENG_X_COL && x->a->st == ENG_V_TEXT &&
               (x->b->kind == ENG_X_CONST || x->b->kind == ENG_X_PARAM)) ||
              (x->b->kind == ENG_X_COL && x->b->st == ENG_V_TEXT &&
               (x->a->kind == ENG_X_CONST || x->a->kind == ENG_X_PARAM)));
    return check_compare(cc, x->a, x->b); /* idx 1: eval_text_eq applies */
  }
  st = arith_type(x->op, x->a->st, x->b->st);
  if (st == ENG_V_NULL)
    return eng_cql_err(cc->db, CREDO_SEMANTIC, x->b->line, x->b->col,
                       "type mismatch: cannot apply %s to %s and %s",
                       cql_op_name(x->op), eng_vtype_name(x->a->st),
                       eng_vtype_name(x->b->st));
  x->st = st;
  if (st == ENG_V_TIME || st == ENG_V_DURATION) {
    if (x->a->st == ENG_V_TEXT && (rc = check_time_text(cc, x->a)))
      return rc;
    if (x->b->st == ENG_V_TEXT && (rc = check_time_text(cc, x->b)))
      return rc;
  }
  return CREDO_OK;
}

static int check_node(eng_cctx *cc, eng_expr *x) {
  int rc = CREDO_OK;
  switch (x->kind) {
  case ENG_X_NEG:
    x->st = x->a->st;
    if (known(x->st) && !eng_v_numeric(x->st) && x->st != ENG_V_DURATION)
      return eng_cql_err(cc->db, CREDO_SEMANTIC, x->line, x->col,
                         "type mismatch: cannot negate %s",
                         eng_vtype_name(x->st));
    return CREDO_OK;
  case ENG_X_NOT:
    x->st = ENG_V_BOOL;
    return check_bool(cc, x->a);
  case ENG_X_BIN:
    return check_binary(cc, x);
  case ENG_X_IN:
    x->st = ENG_V_BOOL;
    for (size_t i = 0; i < x->nargs && rc == CREDO_OK; i++)
      rc = check_compare(cc, x->a, x->args[i]);
    return rc;
  case ENG_X_BETWEEN:
    x->st = ENG_V_BOOL;
    if ((rc = check_compare(cc, x->a, x->b)) != CREDO_OK)
      return rc;
    return check_compare(cc, x->a, x->c);
  case ENG_X_LIKE:
    x->st = ENG_V_BOOL;
    if (known(x->a->st) && x->a->st != ENG_V_TEXT)
      return eng_cql_err(cc->db, CREDO_SEMANTIC, x->a->line, x->a->col,
                         "type mismatch: LIKE needs TEXT, got %s",
                         eng_vtype_name(x->a->st));
    if (known(x->b->st) && x->b->st != ENG_V_TEXT)
      return eng_cql_err(cc->db, CREDO_SEMANTIC, x->b->line, x->b->col,
                         "type mismatch: a LIKE pattern must be TEXT, got %s",
                         eng_vtype_name(x->b->st));
    return CREDO_OK;
  case ENG_X_ISNULL:
    x->st = ENG_V_BOOL;
    return CREDO_OK;
  default:
    return CREDO_OK;
  }
}

static int compile_kids(eng_cctx *cc, const cql_expr *e, int in_agg,
                        eng_expr *x) {
  int rc;
  if (e->a && (rc = compile(cc, e->a, in_agg, &x->a)))
    return rc;
  if (e->b && (rc = compile(cc, e->b, in_agg, &x->b)))
    return rc;
  if (e->c && (rc = compile(cc, e->c, in_agg, &x->c)))
    return rc;
  if (e->kind == CQL_E_IN)
    return compile_args(cc, &e->list, in_agg, x);
  return CREDO_OK;
}

static int compile_op(eng_cctx *cc, const cql_expr *e, int in_agg,
                      eng_expr **out) {
  static const int kinds[] = {
      [CQL_E_UNARY] = 0,         [CQL_E_BINARY] = ENG_X_BIN,
      [CQL_E_IN] = ENG_X_IN,     [CQL_E_BETWEEN] = ENG_X_BETWEEN,
      [CQL_E_LIKE] = ENG_X_LIKE, [CQL_E_IS_NULL] = ENG_X_ISNULL};
  int kind = kinds[e->kind], rc;
  eng_expr *x;
  if (e->kind == CQL_E_UNARY)
    kind = e->op == CQL_OP_NOT ? ENG_X_NOT : ENG_X_NEG;
  if (!(x = node_new(e, kind)))
    return eng_err(cc->db, CREDO_NOMEM, "out of memory");
  x->op = e->op;
  x->negated = e->negated;
  if ((rc = compile_kids(cc, e, in_agg, x)) == CREDO_OK &&
      (!x->a || (kind == ENG_X_BIN && !x->b) ||
       ((kind == ENG_X_BETWEEN) && (!x->b || !x->c)) ||
       (kind == ENG_X_LIKE && !x->b)))
    rc = eng_cql_err(cc->db, CREDO_SYNTAX, x->line, x->col,
                     "incomplete expression");
  if (rc == CREDO_OK)
    rc = check_node(cc, x);
  if (rc != CREDO_OK) {
    eng_expr_free(x);
    return rc;
  }
  *out = x;
  return CREDO_OK;
}

static int compile(eng_cctx *cc, const cql_expr *e, int in_agg,
                   eng_expr **out) {
  eng_expr *x;
  *out = NULL;
  switch (e->kind) {
  case CQL_E_COLUMN:
    return compile_column(cc, e, out);
  case CQL_E_PARAM:
  case CQL_E_NOW:
    if (!(x = node_new(e, e->kind == CQL_E_NOW ? ENG_X_NOW : ENG_X_PARAM)))
      return eng_err(cc->db, CREDO_NOMEM, "out of memory");
    x->idx = (int)e->ival;
    if (e->kind == CQL_E_NOW)
      x->st = ENG_V_TIME;
    *out = x;
    return CREDO_OK;
  case CQL_E_CALL:
    return compile_call(cc, e, in_agg, out);
  case CQL_E_UNARY:
  case CQL_E_BINARY:
  case CQL_E_IN:
  case CQL_E_BETWEEN:
  case CQL_E_LIKE:
  case CQL_E_IS_NULL:
    return compile_op(cc, e, in_agg, out);
  default:
    return compile_literal(cc, e, out);
  }
}

/* Replaces subtrees equal to a GROUP BY key with ENG_X_KEY; a column left
 * outside keys and aggregates is an error. */
static int group_rewrite(eng_cctx *cc, eng_expr **px) {
  eng_expr *x = *px;
  int rc;
  for (size_t k = 0; k < cc->nkeys; k++)
    if (eng_expr_same(x, cc->keys[k])) {
      eng_expr *key = calloc(1, sizeof *key);
      if (!key)
        return eng_err(cc->db, CREDO_NOMEM, "out of memory");
      *key = (eng_expr){.kind = ENG_X_KEY,
                        .idx = (int)k,
                        .st = x->st,
                        .line = x->line,
                        .col = x->col,
                        .off = x->off,
                        .end = x->end};
      eng_expr_free(x);
      *px = key;
      return CREDO_OK;
    }
  if (x->kind == ENG_X_COL || x->kind == ENG_X_JPATH)
    return eng_cql_err(cc->db, CREDO_SEMANTIC, x->line, x->col,
                       "column \"%s\" must appear in GROUP BY or be used in an "
                       "aggregate function",
                       eng_col_name(cc->table, x->idx));
  if (x->a && (rc = group_rewrite(cc, &x->a)))
    return rc;
  if (x->b && (rc = group_rewrite(cc, &x->b)))
    return rc;
  if (x->c && (rc = group_rewrite(cc, &x->c)))
    return rc;
  for (size_t i = 0; i < x->nargs; i++)
    if ((rc = group_rewrite(cc, &x->args[i])))
      return rc;
  return CREDO_OK;
}

int eng_expr_compile(eng_cctx *cc, const cql_expr *e, eng_expr **out) {
  int rc = compile(cc, e, 0, out);
  if (rc == CREDO_OK && cc->grouped)
    rc = group_rewrite(cc, out);
  if (rc != CREDO_OK) {
    eng_expr_free(*out);
    *out = NULL;
  }
  return rc;
}

int eng_expr_is_const(const eng_expr *e) {
  if (!e)
    return 1;
  switch (e->kind) {
  case ENG_X_COL:
  case ENG_X_JPATH:
  case ENG_X_AGG:
  case ENG_X_KEY:
  case ENG_X_OUT:
    return 0;
  default:
    break;
  }
  if (!eng_expr_is_const(e->a) || !eng_expr_is_const(e->b) ||
      !eng_expr_is_const(e->c))
    return 0;
  for (size_t i = 0; i < e->nargs; i++)
    if (!eng_expr_is_const(e->args[i]))
      return 0;
  return 1;
}

int eng_expr_has_agg(const eng_expr *e) {
  if (!e)
    return 0;
  if (e->kind == ENG_X_AGG)
    return 1;
  if (eng_expr_has_agg(e->a) || eng_expr_has_agg(e->b) ||
      eng_expr_has_agg(e->c))
    return 1;
  for (size_t i = 0; i < e->nargs; i++)
    if (eng_expr_has_agg(e->args[i]))
      return 1;
  return 0;
}

int eng_expr_same(const eng_expr *a, const eng_expr *b) {
  if (!a || !b)
    return a == b;
  if (a->kind != b->kind || a->op != b->op || a->idx != b->idx ||
      a->negated != b->negated || a->nsegs != b->nsegs || a->nargs != b->nargs)
    return 0;
  if (a->kind == ENG_X_CONST) {
    eng_buf x = {0}, y = {0};
    int same = eng_v_key(&a->val, &x) == CREDO_OK &&
               eng_v_key(&b->val, &y) == CREDO_OK && x.n == y.n &&
               a->val.t == b->val.t && memcmp(x.p, y.p, x.n) == 0;
    eng_buf_free(&x);
    eng_buf_free(&y);
    return same;
  }
  for (size_t i = 0; i < a->nsegs; i++)
    if (strcmp(a->segs[i], b->segs[i]) != 0)
      return 0;
  for (size_t i = 0; i < a->nargs; i++)
    if (!eng_expr_same(a->args[i], b->args[i]))
      return 0;
  return eng_expr_same(a->a, b->a) && eng_expr_same(a->b, b->b) &&
         eng_expr_same(a->c, b->c);
}

/* ---------------------------------------------------------- the row */

void eng_ectx_row(eng_ectx *x) {
  if (x->json) {
    json_decref(x->json);
    x->json = NULL;
  }
  x->json_state = 0;
  if (x->arena)
    eng_arena_reset(x->arena);
}

void eng_ectx_free(eng_ectx *x) {
  if (x->json)
    json_decref(x->json);
  x->json = NULL;
  x->json_state = 0;
  eng_buf_free(&x->subj_id);
  eng_buf_free(&x->subj_name);
}

static int oom(eng_ectx *x) {
  return eng_err(x->db, CREDO_NOMEM, "out of memory");
}

static eng_value text_or_null(const char *s) {
  size_t n = s ? strlen(s) : 0;
  return n ? eng_v_text(s, n) : eng_v_null();
}

static eng_value text_of(const char *s) {
  return eng_v_text(s ? s : "", s ? strlen(s) : 0);
}

/* Loads the subject of the current event into the context's cache. */
static int load_subject(eng_ectx *x) {
  const char *id = x->ev->subject;
  credo_subject_info s;
  stor_key k;
  stor_val v;
  int rc;
  if (x->subj_kind && x->subj_id.p && strcmp(x->subj_id.p, id) == 0)
    return CREDO_OK;
  x->subj_kind = 0;
  x->subj_id.n = x->subj_name.n = 0;
  if (!x->txn)
    return CREDO_OK;
  stor_key_init(&k);
  stor_key_str(&k, id);
  rc = stor_get(x->txn, STOR_SUBJECTS, stor_key_val(&k), &v);
  if (rc == CREDO_NOTFOUND)
    return CREDO_OK;
  if (rc != CREDO_OK)
    return eng_err_stor(x->db, rc, "cannot read a subject");
  if (eng_subject_decode(stor_key_val(&k), v, &s) != CREDO_OK)
    return eng_err(x->db, CREDO_CORRUPT, "subject \"%s\" is corrupt", id);
  if (eng_buf_put(&x->subj_id, id, strlen(id)) ||
      eng_buf_put(&x->subj_name, s.name, strlen(s.name)))
    return oom(x);
  x->subj_kind = (int)s.kind;
  return CREDO_OK;
}

static int event_col(eng_ectx *x, int col, eng_value *out) {
  const credo_event *ev = x->ev;
  int rc;
  switch (col) {
  case ENG_EV_ID:
    *out = eng_v_int((int64_t)ev->id);
    break;
  case ENG_EV_SUBJECT:
    if (x->mask_subject) {
      if ((rc = load_subject(x)) != CREDO_OK)
        return rc;
      if (x->subj_kind != CREDO_KIND_ORG && x->subj_kind != CREDO_KIND_OTHER) {
        char *m = eng_arena_strdup(x->arena, ev->subject, strlen(ev->subject));
        if (!m)
          return oom(x);
        eng_mask_person(ev->subject, m, strlen(m) + 1);
        *out = text_of(m);
        break;
      }
    }
    *out = text_of(ev->subject);
    break;
  case ENG_EV_TYPE:
    *out = text_of(ev->type);
    break;
  case ENG_EV_OCCURRED:
    *out = eng_v_time(ev->occurred);
    break;
  case ENG_EV_PUBLIC_FROM:
    *out = eng_v_time(ev->public_from);
    break;
  case ENG_EV_PUBLIC_UNTIL:
    *out = eng_v_time(ev->public_until);
    break;
  case ENG_EV_SOURCE:
    *out = text_of(ev->source);
    break;
  case ENG_EV_REF:
    *out = text_of(ev->ref);
    break;
  case ENG_EV_DATA:
    *out =
        eng_v_json(ev->data ? ev->data : "{}", ev->data ? strlen(ev->data) : 2);
    break;
  case ENG_EV_VERSION:
    *out = eng_v_int(ev->version);
    break;
  case ENG_EV_RECORDED:
    *out = eng_v_time(ev->recorded);
    break;
  case ENG_EV_ACTOR:
    *out = text_of(ev->actor);
    break;
  case ENG_EV_PUBLIC:
    *out = eng_v_bool(ev->is_public);
    break;
  case ENG_EV_SUBJECT_NAME:
  case ENG_EV_SUBJECT_KIND:
    if ((rc = load_subject(x)) != CREDO_OK)
      return rc;
    if (!x->subj_kind)
      *out = eng_v_null();
    else if (col == ENG_EV_SUBJECT_KIND)
      *out = text_of(credo_kind_name((credo_kind)x->subj_kind));
    else
      *out = x->subj_name.n ? eng_v_text(x->subj_name.p, x->subj_name.n)
                            : eng_v_null();
    break;
  case ENG_EV_OP:
    *out = text_or_null(credo_op_name(ev->op));
    break;
  default:
    *out = text_or_null(ev->reason);
  }
  return CREDO_OK;
}

static eng_value dur_text(eng_ectx *x, credo_duration d, int zero_null) {
  char buf[200];
  char *p;
  if (zero_null && d.months == 0 && d.usec == 0)
    return eng_v_null(); /* no publicity: an open window */
  credo_duration_format(d, buf, sizeof buf);
  p = eng_arena_strdup(x->arena, buf, strlen(buf));
  return p ? eng_v_text(p, strlen(p)) : eng_v_null();
}

int eng_column_value(eng_ectx *x, int col, eng_value *out) {
  if (x->table == CQL_TABLE_EVENTS && x->mask_subject &&
      (col == ENG_EV_VERSION || col == ENG_EV_RECORDED || col == ENG_EV_ACTOR ||
       col == ENG_EV_OP || col == ENG_EV_REASON)) {
    *out = eng_v_null(); /* `*` for the public role: no internals */
    return CREDO_OK;
  }
  if (x->table == CQL_TABLE_EVENTS)
    return x->ev ? event_col(x, col, out) : oom(x);
  if (x->table == CQL_TABLE_SUBJECTS) {
    const credo_subject_info *s = x->subj;
    if (col == ENG_SU_ID)
      *out = text_of(s->id);
    else if (col == ENG_SU_KIND)
      *out = text_or_null(credo_kind_name(s->kind));
    else if (col == ENG_SU_NAME)
      *out = text_or_null(s->name);
    else
      *out = eng_v_time(s->created);
    return CREDO_OK;
  }
  if (col == ENG_TY_NAME)
    *out = text_of(x->ty->name);
  else if (col == ENG_TY_ID)
    *out = eng_v_int(x->ty->id);
  else if (col == ENG_TY_PUBLICITY)
    *out = dur_text(x, x->ty->publicity, 1);
  else if (col == ENG_TY_REPAIRABLE)
    *out = dur_text(x, x->ty->repairable_after, 0);
  else
    *out = eng_v_time(x->ty->created);
  return CREDO_OK;
}

/* data.a.b: parses data once per row; a missing key or a non-object on
 * the way gives NULL; "0", "1", ... index arrays. */
__attribute__((noinline)) static int json_path(eng_ectx *x, const eng_expr *e,
                                               eng_value *out) {
  json_t *j;
  if (x->json_state == 0) {
    x->json = x->ev && x->ev->data ? json_loads(x->ev->data, 0, NULL) : NULL;
    x->json_state = x->json ? 1 : -1;
  }
  *out = eng_v_null();
  j = x->json;
  for (size_t i = 0; j && i < e->nsegs; i++) {
    const char *seg = e->segs[i];
    if (json_is_object(j))
      j = json_object_get(j, seg);
    else if (json_is_array(j) && seg[0] >= '0' && seg[0] <= '9' &&
             strspn(seg, "0123456789") == strlen(seg))
      j = json_array_get(j, (size_t)strtoull(seg, NULL, 10));
    else
      j = NULL;
  }
  if (!j)
    return CREDO_OK;
  return eng_v_from_json(j, x->arena, out) == CREDO_OK ? CREDO_OK : oom(x);
}

/* -------------------------------------------------------- evaluation */

/* The helpers of rare node kinds are kept out of line (noinline) so that
 * eng_eval, which runs for every node of every row, stays a small frame
 * with a jump table. */

__attribute__((noinline)) static int type_err(eng_ectx *x, const eng_expr *at,
                                              const char *fmt, const char *a,
                                              const char *b) {
  char msg[256];
  snprintf(msg, sizeof msg, fmt, a, b);
  return eng_cql_err(x->db, CREDO_SEMANTIC, at->line, at->col, "%s", msg);
}

__attribute__((noinline)) static int
time_text_err(eng_ectx *x, const eng_expr *at, const eng_value *v) {
  return eng_cql_err(x->db, CREDO_SEMANTIC, at->line, at->col,
                     "cannot read '%.100s' as a time", v->u.s.p);
}

/* Reads TEXT `v` (computed by `at`) as a time, in place. */
static int to_time(eng_ectx *x, const eng_expr *at, eng_value *v) {
  credo_time t;
  if (eng_v_text_time(v, x->db->tz, &t) != CREDO_OK)
    return time_text_err(x, at, v);
  *v = eng_v_time(t);
  return CREDO_OK;
}

/* Compares two evaluated operands: *cmp, or *unknown = 1 for NULL. */
static int compare(eng_ectx *x, const eng_expr *node, const eng_expr *ea,
                   eng_value *a, const eng_expr *eb, eng_value *b, int *cmp,
                   int *unknown) {
  int rc;
  *unknown = 0;
  if (a->t == ENG_V_NULL || b->t == ENG_V_NULL) {
    *unknown = 1;
    return CREDO_OK;
  }
  if (a->t == ENG_V_TIME && b->t == ENG_V_TEXT &&
      (rc = to_time(x, eb, b)) != CREDO_OK)
    return rc;
  if (b->t == ENG_V_TIME && a->t == ENG_V_TEXT &&
      (rc = to_time(x, ea, a)) != CREDO_OK)
    return rc;
  if (eng_v_compare(a, b, cmp) == 0)
    return CREDO_OK;
  if (ea->kind == ENG_X_JPATH || eb->kind == ENG_X_JPATH) {
    *unknown = 1; /* free-form data: a mismatch is unknown, not an error */
    return CREDO_OK;
  }
  return type_err(x, node, "type mismatch: cannot compare %s with %s",
                  eng_vtype_name(a->t), eng_vtype_name(b->t));
}

static int cmp_result(int op, int c) {
  switch (op) {
  case CQL_OP_EQ:
    return c == 0;
  case CQL_OP_NE:
    return c != 0;
  case CQL_OP_LT:
    return c < 0;
  case CQL_OP_LE:
    return c <= 0;
  case CQL_OP_GT:
    return c > 0;
  default:
    return c >= 0;
  }
}

static int range_err(eng_ectx *x, const eng_expr *e, const char *what) {
  return eng_cql_err(x->db, CREDO_RANGE, e->line, e->col, "%s", what);
}

static int arith_int(eng_ectx *x, const eng_expr *e, int64_t a, int64_t b,
                     eng_value *out) {
  int64_t r = 0;
  int ovf = 0;
  switch (e->op) {
  case CQL_OP_ADD:
    ovf = __builtin_add_overflow(a, b, &r);
    break;
  case CQL_OP_SUB:
    ovf = __builtin_sub_overflow(a, b, &r);
    break;
  case CQL_OP_MUL:
    ovf = __builtin_mul_overflow(a, b, &r);
    break;
  default:
    if (b == 0)
      return range_err(x, e, "division by zero");
    if (a == INT64_MIN && b == -1)
      ovf = 1;
    else
      r = e->op == CQL_OP_DIV ? a / b : a % b;
  }
  if (ovf)
    return range_err(x, e, "integer overflow");
  *out = eng_v_int(r);
  return CREDO_OK;
}

static int arith_real(eng_ectx *x, const eng_expr *e, double a, double b,
                      eng_value *out) {
  double r;
  switch (e->op) {
  case CQL_OP_ADD:
    r = a + b;
    break;
  case CQL_OP_SUB:
    r = a - b;
    break;
  case CQL_OP_MUL:
    r = a * b;
    break;
  default:
    if (b == 0)
      return range_err(x, e, "division by zero");
    r = e->op == CQL_OP_DIV ? a / b : __builtin_fmod(a, b);
  }
  *out = eng_v_real(r);
  return CREDO_OK;
}

static credo_duration dur_neg(credo_duration d) {
  return (credo_duration){-d.months, -d.usec};
}

/* Time and duration arithmetic; CREDO_NOTFOUND when it does not apply. */
static int arith_time(eng_ectx *x, const eng_expr *e, eng_value *a,
                      eng_value *b, eng_value *out) {
  int add = e->op == CQL_OP_ADD, rc;
  if (e->op == CQL_OP_MUL &&
      (a->t == ENG_V_DURATION || b->t == ENG_V_DURATION)) {
    eng_value *d = a->t == ENG_V_DURATION ? a : b, *k = d == a ? b : a;
    if (k->t != ENG_V_INT)
      return CREDO_NOTFOUND;
    *out = eng_v_dur((credo_duration){(int32_t)(d->u.d.months * k->u.i),
                                      d->u.d.usec * k->u.i});
    return CREDO_OK;
  }
  if (!add && e->op != CQL_OP_SUB)
    return CREDO_NOTFOUND;
  if (a->t == ENG_V_TEXT && (b->t == ENG_V_DURATION || b->t == ENG_V_TIME) &&
      (rc = to_time(x, e->a, a)))
    return rc;
  if (b->t == ENG_V_TEXT &&
      (a->t == ENG_V_TIME || (add && a->t == ENG_V_DURATION)) &&
      (rc = to_time(x, e->b, b)))
    return rc;
  if (add && a->t == ENG_V_DURATION && b->t == ENG_V_TIME) {
    eng_value *t = a;
    a = b;
    b = t;
  }
  if (a->t == ENG_V_TIME && b->t == ENG_V_DURATION)
    *out = eng_v_time(
        credo_time_add(a->u.tm, add ? b->u.d : dur_neg(b->u.d), x->db->tz));
  else if (!add && a->t == ENG_V_TIME && b->t == ENG_V_TIME)
    *out = eng_v_dur((credo_duration){0, a->u.tm - b->u.tm});
  else if (a->t == ENG_V_DURATION && b->t == ENG_V_DURATION)
    *out = eng_v_dur((credo_duration){
        add ? a->u.d.months + b->u.d.months : a->u.d.months - b->u.d.months,
        add ? a->u.d.usec + b->u.d.usec : a->u.d.usec - b->u.d.usec});
  else
    return CREDO_NOTFOUND;
  return CREDO_OK;
}

__attribute__((noinline)) static int
concat(eng_ectx *x, const eng_value *a, const eng_value *b, eng_value *out) {
  eng_buf buf = {0};
  char *p;
  int rc = eng_v_render(a, x->db->tz, &buf);
  if (rc == CREDO_OK)
    rc = eng_v_render(b, x->db->tz, &buf);
  p = rc == CREDO_OK ? eng_arena_strdup(x->arena, buf.p, buf.n) : NULL;
  if (p)
    *out = eng_v_text(p, buf.n);
  eng_buf_free(&buf);
  return p ? CREDO_OK : oom(x);
}

__attribute__((noinline)) static int arith(eng_ectx *x, const eng_expr *e,
                                           eng_value *a, eng_value *b,
                                           eng_value *out) {
  int rc;
  if (a->t == ENG_V_NULL || b->t == ENG_V_NULL) {
    *out = eng_v_null();
    return CREDO_OK;
  }
  if (e->op == CQL_OP_CONCAT)
    return concat(x, a, b, out);
  if (a->t == ENG_V_INT && b->t == ENG_V_INT)
    return arith_int(x, e, a->u.i, b->u.i, out);
  if (eng_v_numeric(a->t) && eng_v_numeric(b->t))
    return arith_real(x, e, a->t == ENG_V_INT ? (double)a->u.i : a->u.r,
                      b->t == ENG_V_INT ? (double)b->u.i : b->u.r, out);
  rc = arith_time(x, e, a, b, out);
  if (rc != CREDO_NOTFOUND)
    return rc;
  if (e->a->kind == ENG_X_JPATH || e->b->kind == ENG_X_JPATH) {
    *out = eng_v_null();
    return CREDO_OK;
  }
  return type_err(
      x, e->b, "type mismatch: cannot apply %s to %s", cql_op_name(e->op),
      a->t == b->t
          ? eng_vtype_name(a->t)
          : (a->t == ENG_V_TEXT ? "TEXT and a non-time" : "these types"));
}

/* Truth value of `v` computed by `e`: 1, 0 or -1 for NULL. */
static int truth(eng_ectx *x, const eng_expr *e, const eng_value *v, int *tri) {
  if (v->t == ENG_V_NULL) {
    *tri = -1;
    return CREDO_OK;
  }
  if (v->t == ENG_V_BOOL) {
    *tri = v->u.i ? 1 : 0;
    return CREDO_OK;
  }
  return type_err(x, e, "type mismatch: expected a condition (BOOL), got %s",
                  eng_vtype_name(v->t), "");
}

static eng_value tri_value(int tri) {
  return tri < 0 ? eng_v_null() : eng_v_bool(tri);
}

__attribute__((noinline)) static int eval_logic(eng_ectx *x, const eng_expr *e,
                                                eng_value *out) {
  int ta, tb, rc;
  if ((rc = eng_eval_cond(x, e->a, &ta)) != CREDO_OK)
    return rc;
  /* short-circuit: FALSE AND .., TRUE OR .. */
  if ((e->op == CQL_OP_AND && ta == 0) || (e->op == CQL_OP_OR && ta == 1)) {
    *out = eng_v_bool(ta);
    return CREDO_OK;
  }
  if ((rc = eng_eval_cond(x, e->b, &tb)) != CREDO_OK)
    return rc;
  if (e->op == CQL_OP_AND)
    *out = tri_value(tb == 0 ? 0 : (ta < 0 || tb < 0) ? -1 : 1);
  else
    *out = tri_value(tb == 1 ? 1 : (ta < 0 || tb < 0) ? -1 : 0);
  return CREDO_OK;
}

/* `text column = text` and `<>`: the WHERE of most look-ups, checked on
 * every row, so it skips the generic comparison. CREDO_NOTFOUND when the
 * operands are not both TEXT (the generic path then decides). */
static int eval_text_eq(eng_ectx *x, const eng_expr *e, eng_value *out) {
  const eng_expr *col = e->a->kind == ENG_X_COL ? e->a : e->b;
  const eng_expr *k = col == e->a ? e->b : e->a;
  eng_value cv, kv;
  int rc;
  if (k->kind == ENG_X_CONST)
    kv = k->val;
  else if (k->idx >= 1 && k->idx <= x->nparams)
    kv = x->params[k->idx - 1];
  else
    return CREDO_NOTFOUND;
  if (kv.t != ENG_V_TEXT)
    return CREDO_NOTFOUND;
  if ((rc = eng_column_value(x, col->idx, &cv)) != CREDO_OK)
    return rc;
  if (cv.t == ENG_V_NULL) {
    *out = eng_v_null();
    return CREDO_OK;
  }
  if (cv.t != ENG_V_TEXT)
    return CREDO_NOTFOUND;
  rc = cv.u.s.n == kv.u.s.n && memcmp(cv.u.s.p, kv.u.s.p, cv.u.s.n) == 0;
  *out = eng_v_bool(e->op == CQL_OP_EQ ? rc : !rc);
  return CREDO_OK;
}

static int eval_binary(eng_ectx *x, const eng_expr *e, eng_value *out) {
  eng_value a, b;
  int rc, c, unknown;
  if (e->idx == 1 && (rc = eval_text_eq(x, e, out)) != CREDO_NOTFOUND)
    return rc;
  if (e->op == CQL_OP_AND || e->op == CQL_OP_OR)
    return eval_logic(x, e, out);
  if ((rc = eng_eval(x, e->a, &a)) || (rc = eng_eval(x, e->b, &b)))
    return rc;
  if (!is_cmp_op(e->op))
    return arith(x, e, &a, &b, out);
  if ((rc = compare(x, e, e->a, &a, e->b, &b, &c, &unknown)) != CREDO_OK)
    return rc;
  *out = unknown ? eng_v_null() : eng_v_bool(cmp_result(e->op, c));
  return CREDO_OK;
}

__attribute__((noinline)) static int eval_in(eng_ectx *x, const eng_expr *e,
                                             eng_value *out) {
  eng_value a, b;
  int rc, c, unknown, any_null = 0;
  if ((rc = eng_eval(x, e->a, &a)) != CREDO_OK)
    return rc;
  for (size_t i = 0; i < e->nargs; i++) {
    eng_value a2 = a;
    if ((rc = eng_eval(x, e->args[i], &b)) != CREDO_OK)
      return rc;
    rc = compare(x, e, e->a, &a2, e->args[i], &b, &c, &unknown);
    if (rc != CREDO_OK)
      return rc;
    if (unknown)
      any_null = 1;
    else if (c == 0) {
      *out = eng_v_bool(!e->negated);
      return CREDO_OK;
    }
  }
  *out = any_null ? eng_v_null() : eng_v_bool(e->negated);
  return CREDO_OK;
}

__attribute__((noinline)) static int
eval_between(eng_ectx *x, const eng_expr *e, eng_value *out) {
  eng_value a, lo, hi, a2;
  int rc, c1 = 0, c2 = 0, u1, u2, t1, t2, r;
  if ((rc = eng_eval(x, e->a, &a)) || (rc = eng_eval(x, e->b, &lo)) ||
      (rc = eng_eval(x, e->c, &hi)))
    return rc;
  a2 = a;
  if ((rc = compare(x, e, e->a, &a, e->b, &lo, &c1, &u1)) ||
      (rc = compare(x, e, e->a, &a2, e->c, &hi, &c2, &u2)))
    return rc;
  t1 = u1 ? -1 : c1 >= 0;
  t2 = u2 ? -1 : c2 <= 0;
  r = (t1 == 0 || t2 == 0) ? 0 : (t1 < 0 || t2 < 0) ? -1 : 1;
  if (e->negated && r >= 0)
    r = !r;
  *out = tri_value(r);
  return CREDO_OK;
}

/* Length of the UTF-8 sequence starting with byte c (1 for stray bytes). */
static size_t u8len(unsigned char c) {
  return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* LIKE with % (any run) and _ (one character), case-sensitive; greedy
 * with one backtrack point, linear in practice. */
static int like_match(const char *s, size_t sn, const char *p, size_t pn) {
  size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;
  while (si < sn) {
    if (pi < pn && p[pi] == '_') {
      si += u8len((unsigned char)s[si]);
      pi++;
    } else if (pi < pn && p[pi] == '%') {
      star_p = ++pi;
      star_s = si;
    } else if (pi < pn && p[pi] == s[si]) {
      si++;
      pi++;
    } else if (star_p != (size_t)-1) {
      star_s += u8len((unsigned char)s[star_s]);
      si = star_s;
      pi = star_p;
    } else
      return 0;
  }
  while (pi < pn && p[pi] == '%')
    pi++;
  return pi == pn && si == sn;
}

__attribute__((noinline)) static int eval_like(eng_ectx *x, const eng_expr *e,
                                               eng_value *out) {
  eng_value a, p;
  int rc, m;
  if ((rc = eng_eval(x, e->a, &a)) || (rc = eng_eval(x, e->b, &p)))
    return rc;
  if (a.t == ENG_V_NULL || p.t == ENG_V_NULL) {
    *out = eng_v_null();
    return CREDO_OK;
  }
  if (a.t != ENG_V_TEXT || p.t != ENG_V_TEXT) {
    if (a.t != ENG_V_TEXT && e->a->kind == ENG_X_JPATH) {
      *out = eng_v_null();
      return CREDO_OK;
    }
    return type_err(x, a.t != ENG_V_TEXT ? e->a : e->b,
                    "type mismatch: LIKE needs TEXT, got %s",
                    eng_vtype_name(a.t != ENG_V_TEXT ? a.t : p.t), "");
  }
  m = like_match(a.u.s.p, a.u.s.n, p.u.s.p, p.u.s.n);
  *out = eng_v_bool(e->negated ? !m : m);
  return CREDO_OK;
}

__attribute__((noinline)) static int eval_func(eng_ectx *x, const eng_expr *e,
                                               eng_value *out) {
  eng_value a;
  eng_buf b = {0};
  int rc;
  if (e->idx == ENG_FN_COALESCE) {
    for (size_t i = 0; i < e->nargs; i++) {
      if ((rc = eng_eval(x, e->args[i], out)) != CREDO_OK)
        return rc;
      if (out->t != ENG_V_NULL)
        return CREDO_OK;
    }
    *out = eng_v_null();
    return CREDO_OK;
  }
  if ((rc = eng_eval(x, e->args[0], &a)) != CREDO_OK)
    return rc;
  if (a.t == ENG_V_NULL) {
    *out = eng_v_null();
    return CREDO_OK;
  }
  if (a.t != ENG_V_TEXT && eng_v_render(&a, x->db->tz, &b) != CREDO_OK)
    return oom(x);
  if (a.t != ENG_V_TEXT) {
    char *p = eng_arena_strdup(x->arena, b.p, b.n);
    eng_buf_free(&b);
    if (!p)
      return oom(x);
    a = eng_v_text(p, strlen(p));
  }
  if (e->idx == ENG_FN_LENGTH) {
    int64_t n = 0;
    for (size_t i = 0; i < a.u.s.n; i++)
      n += ((unsigned char)a.u.s.p[i] & 0xC0) != 0x80;
    *out = eng_v_int(n);
    return CREDO_OK;
  }
  {
    char *p = eng_arena_strdup(x->arena, a.u.s.p, a.u.s.n);
    if (!p)
      return oom(x);
    for (size_t i = 0; i < a.u.s.n; i++) {
      if (e->idx == ENG_FN_LOWER && p[i] >= 'A' && p[i] <= 'Z')
        p[i] = (char)(p[i] + 32);
      else if (e->idx == ENG_FN_UPPER && p[i] >= 'a' && p[i] <= 'z')
        p[i] = (char)(p[i] - 32);
    }
    *out = eng_v_text(p, a.u.s.n);
  }
  return CREDO_OK;
}

__attribute__((noinline)) static int eval_neg(eng_ectx *x, const eng_expr *e,
                                              eng_value *out) {
  int rc = eng_eval(x, e->a, out);
  if (rc != CREDO_OK || out->t == ENG_V_NULL)
    return rc;
  if (out->t == ENG_V_INT) {
    if (out->u.i == INT64_MIN)
      return range_err(x, e, "integer overflow");
    out->u.i = -out->u.i;
  } else if (out->t == ENG_V_REAL)
    out->u.r = -out->u.r;
  else if (out->t == ENG_V_DURATION)
    out->u.d = dur_neg(out->u.d);
  else
    return type_err(x, e, "type mismatch: cannot negate %s",
                    eng_vtype_name(out->t), "");
  return CREDO_OK;
}

__attribute__((noinline)) static int eval_param(eng_ectx *x, const eng_expr *e,
                                                eng_value *out) {
  if (e->idx < 1 || e->idx > x->nparams || x->params[e->idx - 1].t < 0)
    return eng_cql_err(x->db, CREDO_MISUSE, e->line, e->col,
                       "parameter %d is not bound", e->idx);
  *out = x->params[e->idx - 1];
  return CREDO_OK;
}

int eng_eval(eng_ectx *x, const eng_expr *e, eng_value *out) {
  int rc, tri;
  switch (e->kind) {
  case ENG_X_CONST:
    *out = e->val;
    return CREDO_OK;
  case ENG_X_COL:
    return eng_column_value(x, e->idx, out);
  case ENG_X_JPATH:
    return json_path(x, e, out);
  case ENG_X_PARAM:
    return eval_param(x, e, out);
  case ENG_X_NOW:
    *out = eng_v_time(x->now);
    return CREDO_OK;
  case ENG_X_NEG:
    return eval_neg(x, e, out);
  case ENG_X_NOT:
    if ((rc = eng_eval_cond(x, e->a, &tri)) != CREDO_OK)
      return rc;
    *out = tri_value(tri < 0 ? -1 : !tri);
    return CREDO_OK;
  case ENG_X_BIN:
    return eval_binary(x, e, out);
  case ENG_X_IN:
    return eval_in(x, e, out);
  case ENG_X_BETWEEN:
    return eval_between(x, e, out);
  case ENG_X_LIKE:
    return eval_like(x, e, out);
  case ENG_X_ISNULL:
    if ((rc = eng_eval(x, e->a, out)) != CREDO_OK)
      return rc;
    *out = eng_v_bool((out->t == ENG_V_NULL) != e->negated);
    return CREDO_OK;
  case ENG_X_FUNC:
    return eval_func(x, e, out);
  case ENG_X_AGG:
    *out = x->aggv ? x->aggv[e->idx] : eng_v_null();
    return CREDO_OK;
  case ENG_X_KEY:
    *out = x->keys ? x->keys[e->idx] : eng_v_null();
    return CREDO_OK;
  default:
    *out = x->outv ? x->outv[e->idx] : eng_v_null();
    return CREDO_OK;
  }
}

int eng_eval_cond(eng_ectx *x, const eng_expr *e, int *tri) {
  eng_value v;
  int rc = eng_eval(x, e, &v);
  if (rc != CREDO_OK)
    return rc;
  return truth(x, e, &v, tri);
}

int eng_eval_time(eng_ectx *x, const eng_expr *e, const char *what,
                  credo_time *out) {
  eng_value v;
  int rc = eng_eval(x, e, &v);
  if (rc != CREDO_OK)
    return rc;
  if (v.t == ENG_V_TEXT && (rc = to_time(x, e, &v)) != CREDO_OK)
    return rc;
  if (v.t == ENG_V_TIME && v.u.tm >= CREDO_TIME_MIN) {
    *out = v.u.tm;
    return CREDO_OK;
  }
  return eng_cql_err(x->db, CREDO_SEMANTIC, e->line, e->col,
                     "%s must be a time, not %s", what,
                     v.t == ENG_V_TIME ? "a sentinel" : eng_vtype_name(v.t));
}

/* --------------------------------------------------------- aggregates */

static int agg_sum(eng_ectx *x, const eng_agg_spec *a, const eng_value *v,
                   eng_agg_state *s) {
  if (v->t == ENG_V_INT) {
    if (!s->real && __builtin_add_overflow(s->isum, v->u.i, &s->isum)) {
      s->real = 1; /* keep going in REAL */
      s->rsum += (double)s->isum + (double)v->u.i;
      s->isum = 0;
    } else if (s->real)
      s->rsum += (double)v->u.i;
  } else if (v->t == ENG_V_REAL) {
    s->real = 1;
    s->rsum += v->u.r;
  } else if (a->arg->kind == ENG_X_JPATH)
    return CREDO_OK; /* free-form data: non-numbers are skipped */
  else
    return type_err(x, a->arg, "type mismatch: %s needs numbers, got %s",
                    a->fn == ENG_FN_SUM ? "sum" : "avg", eng_vtype_name(v->t));
  s->count++;
  return CREDO_OK;
}

int eng_agg_step(eng_ectx *x, const eng_agg_spec *a, eng_agg_state *s) {
  eng_value v;
  int rc, better;
  if (a->fn == ENG_FN_COUNT_STAR) {
    s->count++;
    return CREDO_OK;
  }
  if ((rc = eng_eval(x, a->arg, &v)) != CREDO_OK)
    return rc;
  if (v.t == ENG_V_NULL)
    return CREDO_OK;
  if (a->fn == ENG_FN_COUNT) {
    s->count++;
    return CREDO_OK;
  }
  if (a->fn == ENG_FN_SUM || a->fn == ENG_FN_AVG)
    return agg_sum(x, a, &v, s);
  s->count++;
  better =
      !s->best || (a->fn == ENG_FN_MIN ? eng_v_order(&v, &s->best->v[0]) < 0
                                       : eng_v_order(&v, &s->best->v[0]) > 0);
  if (better) {
    eng_brow *b = eng_brow_make(&v, 1, 0);
    if (!b)
      return oom(x);
    free(s->best);
    s->best = b;
  }
  return CREDO_OK;
}

void eng_agg_final(const eng_agg_spec *a, const eng_agg_state *s,
                   eng_value *out) {
  switch (a->fn) {
  case ENG_FN_COUNT_STAR:
  case ENG_FN_COUNT:
    *out = eng_v_int(s->count);
    return;
  case ENG_FN_SUM:
    if (!s->count)
      *out = eng_v_null();
    else
      *out =
          s->real ? eng_v_real(s->rsum + (double)s->isum) : eng_v_int(s->isum);
    return;
  case ENG_FN_AVG:
    *out = s->count ? eng_v_real((s->rsum + (double)s->isum) / (double)s->count)
                    : eng_v_null();
    return;
  default:
    *out = s->best ? s->best->v[0] : eng_v_null();
  }
}

void eng_agg_state_free(eng_agg_state *s) {
  free(s->best);
  s->best = NULL;
}
