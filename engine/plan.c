/*
 * plan.c -- compiling a SELECT into an eng_plan, choosing its access path,
 * and EXPLAIN.
 *
 * Invariants: a plan's path keys point into its own WHERE tree, always at
 * constant subtrees (no column, no aggregate), so the executor evaluates
 * them once per execution. A statement that names an unknown type in a
 * top-level `type = 'literal'` conjunct fails at prepare, at the literal.
 *
 * Does not: read events (exec.c) or decide anything at run time except
 * through the values the executor computes from the keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan.h"

static int nomem(credo *db) {
  return eng_err(db, CREDO_NOMEM, "out of memory");
}

const char *eng_path_name(int path) {
  switch (path) {
  case ENG_PATH_ID:
    return "id";
  case ENG_PATH_SUBJECT:
    return "subject index";
  case ENG_PATH_SOURCE_REF:
    return "source/ref index";
  case ENG_PATH_TYPE:
    return "type index";
  case ENG_PATH_UNTIL:
    return "public_until index";
  default:
    return "full scan";
  }
}

static const char *const AGG_NAMES[] = {"count", "sum", "avg",
                                        "min",   "max", "string_agg"};

static int ast_has_agg(const cql_expr *e) {
  if (!e)
    return 0;
  if (e->kind == CQL_E_CALL && e->text)
    for (size_t i = 0; i < sizeof AGG_NAMES / sizeof *AGG_NAMES; i++)
      if (strcasecmp(e->text, AGG_NAMES[i]) == 0)
        return 1;
  if (ast_has_agg(e->a) || ast_has_agg(e->b) || ast_has_agg(e->c))
    return 1;
  for (size_t i = 0; i < e->list.n; i++)
    if (ast_has_agg(e->list.items[i]))
      return 1;
  return 0;
}

void eng_plan_free(eng_plan *p) {
  if (!p)
    return;
  for (size_t i = 0; i < p->ncols; i++) {
    eng_expr_free(p->cols ? p->cols[i] : NULL);
    free(p->names ? p->names[i] : NULL);
  }
  free(p->cols);
  free(p->names);
  free(p->decl);
  eng_expr_free(p->where);
  for (size_t i = 0; i < p->nkeys; i++)
    eng_expr_free(p->keys[i]);
  free(p->keys);
  eng_aggs_free(p->aggs, p->naggs);
  eng_expr_free(p->having);
  for (size_t i = 0; i < p->norder; i++)
    eng_expr_free(p->order[i]);
  free(p->order);
  free(p->desc);
  eng_expr_free(p->limit);
  eng_expr_free(p->offset);
  eng_expr_free(p->as_of);
  eng_expr_free(p->visible_at);
  free(p->subqs.at);
  eng_join_free(p->join);
  free(p);
}

/* ------------------------------------------------------ output columns */

/* Output width of a select item (`*` expands). */
static size_t item_w(const eng_plan *p, const cql_select_item *it) {
  return it->expr  ? 1
         : p->join ? eng_join_star_width(p, it)
                   : (size_t)eng_table_star(p->table);
}

static size_t count_cols(const eng_plan *p) {
  size_t n = 0;
  for (size_t i = 0; i < p->sel->n_items; i++)
    n += item_w(p, &p->sel->items[i]);
  return n;
}

static eng_expr *star_col(const cql_select_item *it, int col) {
  eng_expr *x = calloc(1, sizeof *x);
  if (!x)
    return NULL;
  x->kind = ENG_X_COL;
  x->idx = col;
  x->line = it->pos.line;
  x->col = it->pos.column;
  x->off = it->pos.offset;
  x->end = it->end;
  return x;
}

static int compile_items(eng_plan *p, eng_cctx *cc) {
  const cql_select *sel = p->sel;
  size_t k = 0;
  int rc;
  for (size_t i = 0; i < sel->n_items; i++) {
    const cql_select_item *it = &sel->items[i];
    if (!it->expr && p->join) {
      if ((rc = eng_join_star_cols(cc->db, p, it, &k)) != CREDO_OK)
        return rc;
      continue;
    }
    if (!it->expr) {
      for (int c = 0; c < eng_table_star(p->table); c++, k++) {
        if (!(p->cols[k] = star_col(it, c)) ||
            !(p->names[k] = strdup(eng_col_name(p->table, c))))
          return nomem(cc->db);
        p->cols[k]->st = eng_col_type(p->table, c);
      }
      continue;
    }
    if ((rc = eng_expr_compile(cc, it->expr, &p->cols[k])) != CREDO_OK)
      return rc;
    p->names[k] = it->alias ? strdup(it->alias)
                            : strndup(p->src + it->expr->pos.offset,
                                      it->expr->end - it->expr->pos.offset);
    if (!p->names[k++])
      return nomem(cc->db);
  }
  for (size_t i = 0; i < p->ncols; i++)
    p->decl[i] = (int)eng_vtype_public(p->cols[i]->st);
  return CREDO_OK;
}

/* ------------------------------------------------------------ grouping */

/* A GROUP BY / ORDER BY term naming an output alias (when it is not a
 * column of the table) or a position: the output column's index, or -1. */
static int out_ref(const eng_plan *p, const cql_expr *e, int alias_first) {
  if (e->kind == CQL_E_INT && e->ival >= 1 && (size_t)e->ival <= p->ncols)
    return (int)e->ival - 1;
  if (e->kind != CQL_E_COLUMN || e->path.n != 1)
    return -1;
  if (!alias_first && (p->join ? eng_join_has_col(p, e->path.segs[0])
                               : eng_col_find(p->table, e->path.segs[0]) >= 0))
    return -1;
  for (size_t i = 0, k = 0; i < p->sel->n_items; i++) {
    const cql_select_item *it = &p->sel->items[i];
    if (!it->expr) {
      k += item_w(p, it);
      continue;
    }
    if (it->alias && strcasecmp(it->alias, e->path.segs[0]) == 0)
      return (int)k;
    k++;
  }
  return -1;
}

/* The AST of output column k (NULL for a `*` column). */
static const cql_expr *item_ast(const eng_plan *p, int k) {
  for (size_t i = 0, n = 0; i < p->sel->n_items; i++) {
    size_t w = item_w(p, &p->sel->items[i]);
    if ((size_t)k < n + w)
      return p->sel->items[i].expr;
    n += w;
  }
  return NULL;
}

static int compile_keys(eng_plan *p, eng_cctx *cc) {
  const cql_expr_list *g = &p->sel->group_by;
  int rc;
  if (g->n == 0)
    return CREDO_OK;
  if (!(p->keys = calloc(g->n, sizeof *p->keys)))
    return nomem(cc->db);
  cc->clause = "GROUP BY";
  for (size_t i = 0; i < g->n; i++, p->nkeys++) {
    const cql_expr *e = g->items[i];
    int k = out_ref(p, e, 0);
    const cql_expr *src = k >= 0 && item_ast(p, k) ? item_ast(p, k) : e;
    if (k >= 0 && !item_ast(p, k) && p->join)
      return eng_cql_err(cc->db, CREDO_SEMANTIC, e->pos.line, e->pos.column,
                         "with joins, GROUP BY names a column, not a "
                         "position inside *");
    if (k >= 0 && !item_ast(p, k)) {
      int col = k; /* a `*` column */
      for (size_t j = 0, n = 0; j < p->sel->n_items; j++) {
        size_t w = item_w(p, &p->sel->items[j]);
        if ((size_t)k < n + w) {
          col = k - (int)n;
          break;
        }
        n += w;
      }
      if (!(p->keys[i] = star_col(&p->sel->items[0], col)))
        return nomem(cc->db);
      continue;
    }
    if ((rc = eng_expr_compile(cc, src, &p->keys[i])) != CREDO_OK)
      return rc;
  }
  return CREDO_OK;
}

/* ------------------------------------------------------------ ordering */

static int compile_order(eng_plan *p, eng_cctx *cc) {
  const cql_select *sel = p->sel;
  int rc;
  if (sel->n_order == 0)
    return CREDO_OK;
  p->order = calloc(sel->n_order, sizeof *p->order);
  p->desc = calloc(sel->n_order, sizeof *p->desc);
  if (!p->order || !p->desc)
    return nomem(cc->db);
  cc->clause = "ORDER BY";
  for (size_t i = 0; i < sel->n_order; i++, p->norder++) {
    const cql_expr *e = sel->order[i].expr;
    int k = out_ref(p, e, 1);
    p->desc[i] = sel->order[i].desc;
    if (k >= 0) {
      eng_expr *x = calloc(1, sizeof *x);
      if (!x)
        return nomem(cc->db);
      *x = (eng_expr){.kind = ENG_X_OUT,
                      .idx = k,
                      .st = p->cols[k]->st,
                      .line = e->pos.line,
                      .col = e->pos.column,
                      .off = e->pos.offset,
                      .end = e->end};
      p->order[i] = x;
      continue;
    }
    if ((rc = eng_expr_compile(cc, e, &p->order[i])) != CREDO_OK)
      return rc;
  }
  return CREDO_OK;
}

/* LIMIT, OFFSET, AS OF, VISIBLE AT: constants only. */
static int compile_const(credo *db, const cql_expr *e, const char *clause,
                         int nparams, eng_expr **out) {
  eng_cctx cc = {.db = db, .nparams = nparams, .clause = clause};
  if (!e)
    return CREDO_OK;
  return eng_expr_compile(&cc, e, out);
}

static int compile_consts(eng_plan *p, credo *db, int nparams) {
  const cql_select *sel = p->sel;
  int rc;
  if ((rc = compile_const(db, sel->limit, "LIMIT", nparams, &p->limit)) ||
      (rc = compile_const(db, sel->offset, "OFFSET", nparams, &p->offset)) ||
      (rc = compile_const(db, sel->as_of, "AS OF", nparams, &p->as_of)) ||
      (rc = compile_const(db, sel->visible_at, "VISIBLE AT", nparams,
                          &p->visible_at)))
    return rc;
  if (p->table != CQL_TABLE_EVENTS && !p->join &&
      (sel->as_of || sel->visible_at || sel->include_hidden ||
       sel->include_retracted)) {
    const cql_expr *at = sel->as_of ? sel->as_of : sel->visible_at;
    return eng_cql_err(db, CREDO_SEMANTIC, at ? at->pos.line : sel->pos.line,
                       at ? at->pos.column : sel->pos.column,
                       "AS OF, VISIBLE AT and INCLUDE apply to events only, "
                       "not to %s",
                       cql_table_name(p->table));
  }
  p->flags = (sel->include_hidden ? CREDO_READ_HIDDEN : 0) |
             (sel->include_retracted ? CREDO_READ_RETRACTED : 0);
  return CREDO_OK;
}

/* ---------------------------------------------------------- the path */

static int is_col(const eng_expr *e, int col) {
  return e->kind == ENG_X_COL && e->idx == col && e->tab == 0;
}

/* `col = c` or `c = col`: the constant side, else NULL. */
static const eng_expr *eq_const(const eng_expr *c, int col) {
  if (c->kind != ENG_X_BIN || c->op != CQL_OP_EQ)
    return NULL;
  if (is_col(c->a, col) && eng_expr_is_const(c->b))
    return c->b;
  if (is_col(c->b, col) && eng_expr_is_const(c->a))
    return c->a;
  return NULL;
}

static int mirror(int op) {
  switch (op) {
  case CQL_OP_LT:
    return CQL_OP_GT;
  case CQL_OP_LE:
    return CQL_OP_GE;
  case CQL_OP_GT:
    return CQL_OP_LT;
  default:
    return CQL_OP_LE;
  }
}

static void add_bound(eng_plan *p, int op, const eng_expr *e,
                      const eng_expr *pred) {
  if (p->nbounds == ENG_MAX_BOUNDS)
    return;
  p->bound_preds[p->nbounds] = pred;
  p->bounds[p->nbounds].op = op;
  p->bounds[p->nbounds++].e = e;
}

static void until_bounds(eng_plan *p, const eng_expr *c) {
  int col = ENG_EV_PUBLIC_UNTIL;
  if (c->kind == ENG_X_BETWEEN && !c->negated && is_col(c->a, col) &&
      eng_expr_is_const(c->b) && eng_expr_is_const(c->c)) {
    add_bound(p, CQL_OP_GE, c->b, c);
    add_bound(p, CQL_OP_LE, c->c, NULL);
    return;
  }
  if (c->kind != ENG_X_BIN || c->op < CQL_OP_LT || c->op > CQL_OP_GE)
    return;
  if (is_col(c->a, col) && eng_expr_is_const(c->b))
    add_bound(p, c->op, c->b, c);
  else if (is_col(c->b, col) && eng_expr_is_const(c->a))
    add_bound(p, mirror(c->op), c->a, c);
}

typedef struct conj_list {
  const eng_expr *items[64];
  size_t n;
} conj_list;

/* The operands of a top-level AND chain (the first 64), else e itself.
 * Chains are flat (expr_logic.c); the recursion only follows real
 * nesting. */
static void conjuncts(const eng_expr *e, conj_list *l) {
  if (e->kind == ENG_X_LOGIC && e->op == CQL_OP_AND) {
    for (size_t i = 0; i < e->nargs; i++)
      conjuncts(e->args[i], l);
  } else if (l->n < sizeof l->items / sizeof *l->items)
    l->items[l->n++] = e;
}

static void choose_path(eng_plan *p) {
  conj_list l = {.n = 0};
  const eng_expr *id = NULL, *src = NULL, *ref = NULL, *subj = NULL,
                 *type = NULL, *pid = NULL, *psrc = NULL, *pref = NULL,
                 *psubj = NULL, *ptype = NULL;
  p->path = ENG_PATH_FULL;
  if (!p->where || p->table != CQL_TABLE_EVENTS)
    return;
  conjuncts(p->where, &l);
  for (size_t i = 0; i < l.n; i++) {
    const eng_expr *c = l.items[i], *k;
#define TAKE(var, pvar, col)                                                   \
  if (!var && (k = eq_const(c, col)) != NULL) {                                \
    var = k;                                                                   \
    pvar = c;                                                                  \
    continue;                                                                  \
  }
    TAKE(id, pid, ENG_EV_ID)
    TAKE(src, psrc, ENG_EV_SOURCE)
    TAKE(ref, pref, ENG_EV_REF)
    TAKE(subj, psubj, ENG_EV_SUBJECT)
    TAKE(type, ptype, ENG_EV_TYPE)
#undef TAKE
    until_bounds(p, c);
  }
  if (id) {
    p->path = ENG_PATH_ID;
    p->k1 = id;
    p->p1 = pid;
  } else if (src && ref) {
    p->path = ENG_PATH_SOURCE_REF;
    p->k1 = src;
    p->k2 = ref;
    p->p1 = psrc;
    p->p2 = pref;
  } else if (subj) {
    p->path = ENG_PATH_SUBJECT;
    p->k1 = subj;
    p->p1 = psubj;
  } else if (type) {
    p->path = ENG_PATH_TYPE;
    p->k1 = type;
    p->p1 = ptype;
  } else if (p->nbounds)
    p->path = ENG_PATH_UNTIL;
}

/* Every top-level `type = 'literal'` must name a known type. */
static int check_types(credo *db, const eng_plan *p) {
  conj_list l = {.n = 0};
  stor_txn *txn = NULL;
  int owned = 0, rc = CREDO_OK;
  if (!p->where || p->table != CQL_TABLE_EVENTS)
    return CREDO_OK;
  conjuncts(p->where, &l);
  for (size_t i = 0; i < l.n && rc == CREDO_OK; i++) {
    const eng_expr *k = eq_const(l.items[i], ENG_EV_TYPE);
    const eng_type *t;
    if (!k || k->kind != ENG_X_CONST || k->val.t != ENG_V_TEXT)
      continue;
    if (!txn && (rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
      return rc;
    rc = eng_type_by_name(db, txn, k->val.u.s.p, &t);
    if (rc == CREDO_NOTFOUND) {
      char msg[sizeof db->errmsg];
      memcpy(msg, db->errmsg, sizeof msg);
      rc = eng_cql_err(db, CREDO_NOTFOUND, k->line, k->col, "%s", msg);
    }
  }
  if (txn)
    eng_read_end(txn, owned);
  return rc;
}

/* ------------------------------------------------------ the public role */

static int internal_col(int col) {
  return col == ENG_EV_VERSION || col == ENG_EV_RECORDED ||
         col == ENG_EV_ACTOR || col == ENG_EV_OP || col == ENG_EV_REASON;
}

/* Rule 8: the public role names none of the registry's internals (a `*`
 * column is star-expanded, not named: its value is NULL for public). */
static int public_names(credo *db, const eng_expr *e, const eng_plan *p) {
  int rc;
  if (!e)
    return CREDO_OK;
  if (e->kind == ENG_X_COL && internal_col(e->idx) &&
      (e->end - e->off) == strlen(eng_col_name(CQL_TABLE_EVENTS, e->idx)))
    return eng_cql_err(db, CREDO_DENIED, e->line, e->col,
                       "permission denied: role public does not see column "
                       "%s (the registry's internals)",
                       eng_col_name(CQL_TABLE_EVENTS, e->idx));
  if ((rc = public_names(db, e->a, p)) || (rc = public_names(db, e->b, p)) ||
      (rc = public_names(db, e->c, p)))
    return rc;
  for (size_t i = 0; i < e->nargs; i++)
    if ((rc = public_names(db, e->args[i], p)))
      return rc;
  return CREDO_OK;
}

/* 1 when `e` reads the subject column. */
static int uses_subject(const eng_expr *e) {
  if (!e)
    return 0;
  if (e->kind == ENG_X_COL && e->idx == ENG_EV_SUBJECT)
    return 1;
  if (uses_subject(e->a) || uses_subject(e->b) || uses_subject(e->c))
    return 1;
  for (size_t i = 0; i < e->nargs; i++)
    if (uses_subject(e->args[i]))
      return 1;
  return 0;
}

/* Rule 7: the public role filters subject only by equality with a full
 * id, a top-level `subject = '...'` (no LIKE, ranges or prefixes). */
static int public_where(credo *db, const eng_expr *where) {
  conj_list l = {.n = 0};
  if (!where)
    return CREDO_OK;
  conjuncts(where, &l);
  for (size_t i = 0; i < l.n; i++)
    if (!eq_const(l.items[i], ENG_EV_SUBJECT) && uses_subject(l.items[i]))
      return eng_cql_err(db, CREDO_DENIED, l.items[i]->line, l.items[i]->col,
                         "permission denied: role public may filter subject "
                         "only by equality with a full id (subject = '...')");
  return CREDO_OK;
}

static int public_plan(credo *db, const eng_plan *p) {
  int rc;
  if (db->role != CREDO_ROLE_PUBLIC || p->table != CQL_TABLE_EVENTS ||
      p->join) /* joins: plan_join.c, slot by slot */
    return CREDO_OK;
  if ((rc = public_where(db, p->where)) || (rc = public_names(db, p->where, p)))
    return rc;
  for (size_t i = 0; i < p->ncols; i++)
    if ((rc = public_names(db, p->cols[i], p)))
      return rc;
  for (size_t i = 0; i < p->norder; i++)
    if ((rc = public_names(db, p->order[i], p)))
      return rc;
  for (size_t i = 0; i < p->nkeys; i++)
    if ((rc = public_names(db, p->keys[i], p)))
      return rc;
  return public_names(db, p->having, p);
}

/* ---------------------------------------------------------- compiling */

static int compile_where(eng_plan *p, credo *db, const cql_expr *where,
                         int nparams) {
  eng_cctx cc = {.db = db,
                 .table = p->table,
                 .nparams = nparams,
                 .clause = "WHERE",
                 .subqs = p->sel ? &p->subqs : NULL,
                 .scope = p->join ? &p->join->scope : NULL};
  int rc;
  if (!where)
    return CREDO_OK;
  if ((rc = eng_expr_compile(&cc, where, &p->where)) != CREDO_OK)
    return rc;
  if (p->where->st != ENG_V_ANY && p->where->st != ENG_V_BOOL &&
      p->where->st != ENG_V_NULL)
    return eng_cql_err(db, CREDO_SEMANTIC, p->where->line, p->where->col,
                       "type mismatch: WHERE needs a condition (BOOL), got %s",
                       eng_vtype_name(p->where->st));
  return CREDO_OK;
}

static int compile_grouped(eng_plan *p, credo *db, int nparams) {
  const cql_select *sel = p->sel;
  const eng_scope *sc = p->join ? &p->join->scope : NULL;
  eng_cctx kc = {.db = db,
                 .table = p->table,
                 .nparams = nparams,
                 .subqs = &p->subqs,
                 .scope = sc};
  eng_cctx cc = {.subqs = &p->subqs,
                 .db = db,
                 .table = p->table,
                 .nparams = nparams,
                 .aggs_ok = 1,
                 .clause = "the select list",
                 .scope = sc};
  int rc;
  /* keys refer to output aliases, so columns first without grouping
   * rewrite is not possible: compile keys from the AST directly */
  if ((rc = compile_keys(p, &kc)) != CREDO_OK)
    return rc;
  cc.grouped = 1;
  cc.keys = p->keys;
  cc.nkeys = p->nkeys;
  if ((rc = compile_items(p, &cc)) == CREDO_OK && sel->having) {
    cc.clause = "HAVING";
    cc.alias_items = sel->items;
    cc.n_alias_items = sel->n_items;
    rc = eng_expr_compile(&cc, sel->having, &p->having);
  }
  if (rc == CREDO_OK)
    rc = compile_order(p, &cc);
  p->aggs = cc.aggs;
  p->naggs = cc.naggs;
  return rc;
}

static int compile_plain(eng_plan *p, credo *db, int nparams) {
  eng_cctx cc = {.subqs = &p->subqs,
                 .db = db,
                 .table = p->table,
                 .nparams = nparams,
                 .clause = "the select list",
                 .scope = p->join ? &p->join->scope : NULL};
  int rc = compile_items(p, &cc);
  if (rc == CREDO_OK)
    rc = compile_order(p, &cc);
  return rc;
}

int eng_plan_select(credo *db, const cql_select *sel, const char *src,
                    int nparams, eng_plan **out) {
  eng_plan *p = calloc(1, sizeof *p);
  int rc;
  *out = NULL;
  if (!p)
    return nomem(db);
  p->sel = sel;
  p->src = src;
  p->table = sel->table;
  if (eng_join_needed(sel) && (rc = eng_join_plan(db, p, nparams)) != CREDO_OK)
    goto fail;
  p->ncols = count_cols(p);
  p->distinct = sel->distinct;
  p->cols = calloc(p->ncols, sizeof *p->cols);
  p->names = calloc(p->ncols, sizeof *p->names);
  p->decl = calloc(p->ncols, sizeof *p->decl);
  if (!p->cols || !p->names || !p->decl) {
    rc = nomem(db);
    goto fail;
  }
  p->grouped = sel->group_by.n > 0 || sel->having != NULL;
  for (size_t i = 0; i < sel->n_items && !p->grouped; i++)
    p->grouped = ast_has_agg(sel->items[i].expr);
  for (size_t i = 0; i < sel->n_order && !p->grouped; i++)
    p->grouped = ast_has_agg(sel->order[i].expr);
  if ((rc = compile_where(p, db, sel->where, nparams)) ||
      (rc = p->grouped ? compile_grouped(p, db, nparams)
                       : compile_plain(p, db, nparams)) ||
      (rc = compile_consts(p, db, nparams)))
    goto fail;
  choose_path(p);
  if ((rc = check_types(db, p)) != CREDO_OK ||
      (rc = public_plan(db, p)) != CREDO_OK ||
      (p->join && (rc = eng_join_finish(db, p, nparams)) != CREDO_OK))
    goto fail;
  p->for_public = db->role == CREDO_ROLE_PUBLIC;
  *out = p;
  return CREDO_OK;
fail:
  eng_plan_free(p);
  return rc;
}

int eng_plan_where(credo *db, const cql_expr *where, const char *src,
                   int nparams, eng_plan **out) {
  eng_plan *p = calloc(1, sizeof *p);
  int rc;
  *out = NULL;
  if (!p)
    return nomem(db);
  p->src = src;
  p->table = CQL_TABLE_EVENTS;
  if ((rc = compile_where(p, db, where, nparams)) != CREDO_OK)
    goto fail;
  choose_path(p);
  if ((rc = check_types(db, p)) != CREDO_OK)
    goto fail;
  *out = p;
  return CREDO_OK;
fail:
  eng_plan_free(p);
  return rc;
}

/* ------------------------------------------------------------ EXPLAIN */

static int is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Appends the source text [off, end) on one line: outside quotes, a run
 * of blanks that holds a line break or a tab becomes one space (a plan
 * line of a statement written over several lines stays one line). */
static int put_span(eng_buf *b, const char *src, size_t off, size_t end) {
  char quote = 0;
  for (size_t i = off; i < end; i++) {
    size_t j = i;
    int odd = 0;
    if (!quote && is_blank(src[i])) {
      for (; j < end && is_blank(src[j]); j++)
        odd |= src[j] != ' ';
      if (odd) {
        i = j - 1;
        if (eng_buf_put(b, " ", 1))
          return CREDO_NOMEM;
        continue;
      }
    } else if (src[i] == '\'' || src[i] == '"') {
      quote = quote == src[i] ? 0 : quote ? quote : src[i];
    }
    if (eng_buf_put(b, src + i, 1))
      return CREDO_NOMEM;
  }
  return CREDO_OK;
}

static int path_line(credo *db, stor_txn *txn, const eng_plan *p, eng_buf *b) {
  eng_scan_spec spec = {.path = p->path};
  uint64_t rows = 0;
  if (ENG_ROWSET(p->table)) /* FROM (SELECT ...), a WITH name, users */
    return eng_buf_printf(b, "SCAN %s %s (its rows, computed once)",
                          cql_table_name(p->table), p->join->scope.name[0]);
  int rc, table = p->table == CQL_TABLE_SUBJECTS ? STOR_SUBJECTS
                  : p->table == CQL_TABLE_TYPES  ? STOR_TYPES
                                                 : STOR_EVENTS;
  if (p->table == CQL_TABLE_EVENTS)
    rc = eng_scan_estimate(db, txn, &spec, &rows);
  else if ((rc = stor_count(txn, table, &rows)) != CREDO_OK)
    rc = eng_err_stor(db, rc, "cannot count rows");
  if (rc != CREDO_OK)
    return rc;
  if (p->path == ENG_PATH_FULL && db->role == CREDO_ROLE_PUBLIC)
    return eng_buf_printf(b, "SCAN %s", cql_table_name(p->table));
  if (p->path == ENG_PATH_FULL)
    return eng_buf_printf(b, "SCAN %s ~%llu rows", cql_table_name(p->table),
                          (unsigned long long)rows);
  if (db->role == CREDO_ROLE_PUBLIC) /* no counts of hidden records */
    return eng_buf_printf(b, "SEARCH events USING %s", eng_path_name(p->path));
  rc = eng_buf_printf(b, "SEARCH events USING %s (", eng_path_name(p->path));
  if (p->path == ENG_PATH_UNTIL) {
    for (size_t i = 0; i < p->nbounds && rc == CREDO_OK; i++)
      if (p->bound_preds[i])
        rc =
            (b->p[b->n - 1] == '(' ? 0 : eng_buf_put(b, " AND ", 5)) ||
            put_span(b, p->src, p->bound_preds[i]->off, p->bound_preds[i]->end);
  } else {
    rc = put_span(b, p->src, p->p1->off, p->p1->end);
    if (rc == CREDO_OK && p->p2)
      rc = eng_buf_put(b, " AND ", 5) ||
           put_span(b, p->src, p->p2->off, p->p2->end);
  }
  if (rc == CREDO_OK)
    rc = eng_buf_printf(b, ") ~%llu rows", (unsigned long long)rows);
  return rc;
}

/* Appends "e1, e2 DESC, ..." for a list of compiled trees. */
static int put_list(eng_buf *b, const char *src, eng_expr **xs, size_t n,
                    const int *desc) {
  int rc = CREDO_OK;
  for (size_t i = 0; i < n && rc == CREDO_OK; i++) {
    if (i)
      rc = eng_buf_put(b, ", ", 2);
    if (rc == CREDO_OK)
      rc = put_span(b, src, xs[i]->off, xs[i]->end);
    if (rc == CREDO_OK && desc && desc[i])
      rc = eng_buf_put(b, " DESC", 5);
  }
  return rc;
}

static int emit(eng_buf *b, eng_line_cb line, void *arg, int rc) {
  int r;
  if (rc != CREDO_OK)
    return rc < 0 ? rc : CREDO_NOMEM; /* `a || b` of appends gives 1 */
  r = line(arg, b->p ? b->p : "");
  b->n = 0;
  return r;
}

static int clause_lines(const eng_plan *p, eng_buf *b, eng_line_cb line,
                        void *arg) {
  const cql_select *s = p->sel;
  int rc = CREDO_OK;
  if (p->grouped)
    rc = emit(b, line, arg,
              p->nkeys ? (eng_buf_put(b, "GROUP BY ", 9) ||
                          put_list(b, p->src, p->keys, p->nkeys, NULL))
                       : eng_buf_put(b, "AGGREGATE", 9));
  if (rc == CREDO_OK && p->having)
    rc = emit(b, line, arg,
              eng_buf_put(b, "HAVING ", 7) ||
                  put_span(b, p->src, s->having->pos.offset, s->having->end));
  if (rc == CREDO_OK && p->distinct)
    rc = emit(b, line, arg, eng_buf_put(b, "DISTINCT", 8));
  if (rc == CREDO_OK && p->norder) {
    rc = eng_buf_put(b, "ORDER BY ", 9) ||
         put_list(b, p->src, p->order, p->norder, p->desc);
    if (rc == CREDO_OK && s->limit)
      rc = eng_buf_put(b, " (TOP-K)", 8);
    rc = emit(b, line, arg, rc);
  }
  if (rc == CREDO_OK && s->limit) {
    rc = eng_buf_put(b, "LIMIT ", 6) ||
         put_span(b, p->src, s->limit->pos.offset, s->limit->end);
    if (rc == CREDO_OK && s->offset)
      rc = eng_buf_put(b, " OFFSET ", 8) ||
           put_span(b, p->src, s->offset->pos.offset, s->offset->end);
    rc = emit(b, line, arg, rc);
  }
  if (rc == CREDO_OK && s->as_of)
    rc = emit(b, line, arg,
              eng_buf_put(b, "AS OF ", 6) ||
                  put_span(b, p->src, s->as_of->pos.offset, s->as_of->end));
  if (rc == CREDO_OK && s->visible_at)
    rc = emit(
        b, line, arg,
        eng_buf_put(b, "VISIBLE AT ", 11) ||
            put_span(b, p->src, s->visible_at->pos.offset, s->visible_at->end));
  if (rc == CREDO_OK && s->include_hidden)
    rc = emit(b, line, arg, eng_buf_put(b, "INCLUDE HIDDEN", 14));
  if (rc == CREDO_OK && s->include_retracted)
    rc = emit(b, line, arg, eng_buf_put(b, "INCLUDE RETRACTED", 17));
  return rc;
}

int eng_plan_explain(credo *db, stor_txn *txn, const eng_plan *p,
                     eng_line_cb line, void *arg) {
  eng_buf b = {0};
  int rc = path_line(db, txn, p, &b);
  if (rc == CREDO_OK)
    rc = emit(&b, line, arg, rc);
  if (rc == CREDO_OK && p->join)
    rc = eng_join_explain(p, &b, emit, line, arg);
  if (rc == CREDO_OK && p->where)
    rc = emit(&b, line, arg,
              eng_buf_put(&b, "FILTER ", 7) ||
                  put_span(&b, p->src, p->where->off, p->where->end));
  if (rc == CREDO_OK && p->sel)
    rc = clause_lines(p, &b, line, arg);
  eng_buf_free(&b);
  if (rc > 0)
    rc = CREDO_NOMEM;
  if (rc == CREDO_NOMEM && !db->errcode)
    return nomem(db);
  return rc;
}
