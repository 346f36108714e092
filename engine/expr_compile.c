/*
 * expr_compile.c -- compilation of CQL AST expressions into eng_expr trees,
 * and CQL errors with positions.
 *
 * Compilation resolves every column name to an index (case-insensitive),
 * checks function names and argument counts, collects aggregates into
 * slots, and checks the types it can already see (a TEXT literal compared
 * with a TIME column must read as a time in the session zone). Every error
 * carries the position of the node at fault.
 *
 * Does not: evaluate (expr_eval.c) or read rows (expr_row.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr_int.h"
#include "fn_scalar.h"

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

/* ------------------------------------------------------- compilation */

int eng_cc_err(eng_cctx *cc, const cql_expr *e, int code, const char *fmt,
               const char *a, const char *b) {
  char msg[512];
  snprintf(msg, sizeof msg, fmt, a, b);
  return eng_cql_err(cc->db, code, e->pos.line, e->pos.column, "%s", msg);
}

eng_expr *eng_node_new(const cql_expr *e, int kind) {
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
  for (size_t i = 0; i < n; i++) {
    eng_expr_free(aggs[i].arg);
    eng_expr_free(aggs[i].arg2);
    eng_expr_free(aggs[i].filter);
  }
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

/* The column of `table` whose name is one or two edits from `name`. */
static const char *near_col(int table, const char *name) {
  const char *cols[32];
  int nc = eng_table_ncols(table), k = 0;
  for (int i = 0; i < nc && k < 31; i++)
    cols[k++] = eng_col_name(table, i);
  cols[k] = NULL;
  return eng_suggest_in(name, cols);
}

static int compile_column(eng_cctx *cc, const cql_expr *e, eng_expr **out) {
  char known[400];
  const char *near;
  const char *name = e->path.n ? e->path.segs[0] : "";
  int col = cc->table ? eng_col_find(cc->table, name) : -1;
  eng_expr *x;

  if (cc->scope)
    return eng_scope_column(cc, e, out);
  if (!cc->table)
    return eng_cc_err(cc, e, CREDO_SEMANTIC, "%s cannot refer to column \"%s\"",
                      cc->clause ? cc->clause : "this value", name);
  if (col < 0 && e->path.n == 1 && cc->alias_items && !cc->in_alias)
    for (size_t i = 0; i < cc->n_alias_items; i++) {
      const cql_select_item *it = &cc->alias_items[i];
      int rc;
      if (!it->alias || !it->expr || strcasecmp(it->alias, name) != 0)
        continue;
      cc->in_alias = 1;
      rc = eng_compile_sub(cc, it->expr, 0, out);
      cc->in_alias = 0;
      return rc;
    }
  if ((col < 0 || (e->path.n > 1 &&
                   !(cc->table == CQL_TABLE_EVENTS && col == ENG_EV_DATA))) &&
      cc->db->outer) { /* a correlated subquery's outer reference? */
    int rc = eng_outer_column(cc, e, out);
    if (rc != CREDO_NOTFOUND)
      return rc;
  }
  if (col < 0 || (e->path.n > 1 &&
                  !(cc->table == CQL_TABLE_EVENTS && col == ENG_EV_DATA))) {
    char full[300];
    size_t used = 0;
    for (size_t i = 0; i < e->path.n && used < sizeof full; i++)
      used += (size_t)snprintf(full + used, sizeof full - used, "%s%s",
                               i ? "." : "", e->path.segs[i]);
    known_cols(cc->table, known, sizeof known);
    if (col < 0 && (near = near_col(cc->table, name)) != NULL)
      return eng_cql_err(cc->db, CREDO_SEMANTIC, e->pos.line, e->pos.column,
                         "unknown column \"%s\"; did you mean %s? "
                         "(columns: %s)",
                         full, near, known);
    return eng_cc_err(cc, e, CREDO_SEMANTIC,
                      "unknown column \"%s\" (columns: %s)", full, known);
  }
  x = eng_node_new(e, e->path.n > 1 ? ENG_X_JPATH : ENG_X_COL);
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
  eng_expr *x = eng_node_new(e, ENG_X_CONST);
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

int eng_compile_sub(eng_cctx *cc, const cql_expr *e, int in_agg,
                    eng_expr **out) {
  return compile(cc, e, in_agg, out);
}

int eng_compile_args(eng_cctx *cc, const cql_expr_list *l, int in_agg,
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

/* ------------------------------------------------------- type checks */

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
int eng_check_compare(eng_cctx *cc, const eng_expr *a, const eng_expr *b) {
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

int eng_check_bool(eng_cctx *cc, const eng_expr *a) {
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
    return a == ENG_V_REAL || b == ENG_V_REAL ? ENG_V_REAL
           : a == ENG_V_INT && b == ENG_V_INT ? ENG_V_INT
                                              : ENG_V_DECIMAL;
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
  if (eng_is_cmp_op(x->op)) {
    x->st = ENG_V_BOOL;
    x->idx = (x->op == CQL_OP_EQ || x->op == CQL_OP_NE) &&
             ((x->a->kind == ENG_X_COL && x->a->st == ENG_V_TEXT &&
               (x->b->kind == ENG_X_CONST || x->b->kind == ENG_X_PARAM)) ||
              (x->b->kind == ENG_X_COL && x->b->st == ENG_V_TEXT &&
               (x->a->kind == ENG_X_CONST || x->a->kind == ENG_X_PARAM)));
    return eng_check_compare(cc, x->a, x->b); /* idx 1: eval_text_eq applies */
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
    return eng_check_bool(cc, x->a);
  case ENG_X_BIN:
    return check_binary(cc, x);
  case ENG_X_IN:
    x->st = ENG_V_BOOL;
    for (size_t i = 0; i < x->nargs && rc == CREDO_OK; i++)
      rc = eng_check_compare(cc, x->a, x->args[i]);
    return rc;
  case ENG_X_BETWEEN:
    x->st = ENG_V_BOOL;
    if ((rc = eng_check_compare(cc, x->a, x->b)) != CREDO_OK)
      return rc;
    return eng_check_compare(cc, x->a, x->c);
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
    return eng_compile_args(cc, &e->list, in_agg, x);
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
  if (!(x = eng_node_new(e, kind)))
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
    if (!(x = eng_node_new(e, e->kind == CQL_E_NOW ? ENG_X_NOW : ENG_X_PARAM)))
      return eng_err(cc->db, CREDO_NOMEM, "out of memory");
    x->idx = (int)e->ival;
    if (e->kind == CQL_E_NOW)
      x->st = ENG_V_TIME;
    *out = x;
    return CREDO_OK;
  case CQL_E_CALL:
    return eng_compile_call(cc, e, in_agg, out);
  case CQL_E_CASE:
  case CQL_E_CAST:
    return eng_compile_case_cast(cc, e, in_agg, out);
  case CQL_E_EXISTS:
  case CQL_E_SUBQUERY:
    return eng_compile_subq(cc, e, in_agg, out);
  case CQL_E_LOGIC:
    return eng_compile_logic(cc, e, in_agg, out);
  case CQL_E_IN:
    if (e->sub)
      return eng_compile_subq(cc, e, in_agg, out);
    return compile_op(cc, e, in_agg, out);
  case CQL_E_UNARY:
  case CQL_E_BINARY:
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
    return eng_cql_err(
        cc->db, CREDO_SEMANTIC, x->line, x->col,
        "column \"%s\" must appear in GROUP BY or be used in an "
        "aggregate function",
        eng_col_name(cc->scope ? cc->scope->table[x->tab] : cc->table, x->idx));
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
  case ENG_X_SUBQ: /* known only once the subquery ran */
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
      a->negated != b->negated || a->nsegs != b->nsegs ||
      a->nargs != b->nargs || a->tab != b->tab)
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
