/*
 * build.c -- the AST builders of expressions and SELECTs called by the
 * grammar's actions.
 *
 * Owns: creating every cql_expr / cql_select / cql_stmt node, unescaping
 * string literals and quoted identifiers, duration arithmetic with range
 * checks, the checks the grammar leaves to actions (duplicate and
 * misordered clauses, required clauses, names of tables, kinds and roles,
 * expression height). Error recording and the text of syntax errors
 * are in build_err.c, statement builders in build_stmt.c, the small
 * helpers in build_util.c (build_int.h).
 *
 * Invariants (see build.h): builders take ownership of their node
 * arguments, also on failure; after the first error (ctx->rc != CREDO_OK)
 * they only free their arguments and return NULL; only the first error is
 * recorded. Node positions come from tokens or children.
 *
 * Does not: read the input (the lexer does), drive the parser (parse.c),
 * free or print trees (ast.c, dump.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "build_int.h"
#include "cql.h"

/* ------------------------------------------------------------- durations */

static const int64_t unit_usec[] = {
    [CQL_UNIT_SECOND] = INT64_C(1000000),
    [CQL_UNIT_MINUTE] = INT64_C(60000000),
    [CQL_UNIT_HOUR] = INT64_C(3600000000),
    [CQL_UNIT_DAY] = INT64_C(86400000000),
    [CQL_UNIT_WEEK] = INT64_C(604800000000),
    [CQL_UNIT_MICROSECOND] = INT64_C(1),
};

void cql_b_dur_add(cql_ctx *ctx, cql_dur *d, const cql_token *n,
                   const cql_token *unit) {
  int u = (int)unit->ival;
  int64_t v = n->ival;
  if (d->units & (1u << u)) {
    cql_ctx_error(ctx, unit->pos, "duplicate unit \"%.*s\" in duration",
                  (int)unit->n, unit->s);
    return;
  }
  d->units |= 1u << u;
  d->end = cql_bx_tok_end(unit);
  if (u == CQL_UNIT_MONTH || u == CQL_UNIT_YEAR) {
    int64_t m = u == CQL_UNIT_YEAR ? 12 : 1;
    if (v > (INT32_MAX - (int64_t)d->d.months) / m) {
      cql_ctx_error(ctx, n->pos, "duration out of range");
      return;
    }
    d->d.months += (int32_t)(v * m);
  } else {
    if (v > (INT64_MAX - d->d.usec) / unit_usec[u]) {
      cql_ctx_error(ctx, n->pos, "duration out of range");
      return;
    }
    d->d.usec += v * unit_usec[u];
  }
}

cql_dur cql_b_dur(cql_ctx *ctx, const cql_token *n, const cql_token *unit) {
  cql_dur d;
  memset(&d, 0, sizeof d);
  d.pos = n->pos;
  cql_b_dur_add(ctx, &d, n, unit);
  return d;
}

/* ------------------------------------------------------------ expressions */

static cql_expr *new_expr(cql_ctx *ctx, cql_expr_kind kind, cql_pos pos,
                          size_t end) {
  cql_expr *e;
  if (ctx->rc != CREDO_OK)
    return NULL;
  e = cql_bx_calloc(ctx, sizeof *e);
  if (!e)
    return NULL;
  e->kind = kind;
  e->pos = pos;
  e->end = end;
  e->height = 1;
  return e;
}

static int height(const cql_expr *e) {
  return e ? e->height : 0;
}

/* Sets the height of interior node e from its children; refuses (frees e)
 * trees higher than CQL_MAX_DEPTH. */
static cql_expr *with_children(cql_ctx *ctx, cql_expr *e) {
  int h = height(e->a);
  size_t i;
  if (height(e->b) > h)
    h = height(e->b);
  if (height(e->c) > h)
    h = height(e->c);
  for (i = 0; i < e->list.n; i++)
    if (height(e->list.items[i]) > h)
      h = height(e->list.items[i]);
  e->height = h + 1;
  if (e->height > CQL_MAX_DEPTH) {
    cql_ctx_error(ctx, e->pos, "expression nested too deeply (limit %d)",
                  CQL_MAX_DEPTH);
    cql_expr_free(e);
    return NULL;
  }
  return e;
}

cql_expr *cql_b_node(cql_ctx *ctx, cql_expr_kind kind, cql_pos pos,
                     size_t end) {
  return new_expr(ctx, kind, pos, end);
}

cql_expr *cql_b_close(cql_ctx *ctx, cql_expr *e) {
  return e ? with_children(ctx, e) : NULL;
}

char *cql_b_ident(cql_ctx *ctx, const cql_token *t) {
  return ctx->rc == CREDO_OK ? cql_bx_ident(ctx, t) : NULL;
}

static cql_expr *leaf(cql_ctx *ctx, cql_expr_kind kind, const cql_token *t) {
  return new_expr(ctx, kind, t->pos, cql_bx_tok_end(t));
}

cql_expr *cql_b_int(cql_ctx *ctx, const cql_token *t) {
  cql_expr *e = leaf(ctx, CQL_E_INT, t);
  if (e)
    e->ival = t->ival;
  return e;
}

cql_expr *cql_b_real(cql_ctx *ctx, const cql_token *t) {
  cql_expr *e = leaf(ctx, CQL_E_REAL, t);
  if (e)
    e->rval = t->rval;
  return e;
}

cql_expr *cql_b_text(cql_ctx *ctx, const cql_token *t) {
  cql_expr *e = leaf(ctx, CQL_E_TEXT, t);
  if (!e)
    return NULL;
  e->text = cql_bx_unquote(ctx, t, '\'', &e->text_len);
  if (!e->text) {
    cql_expr_free(e);
    return NULL;
  }
  return e;
}

cql_expr *cql_b_json(cql_ctx *ctx, const cql_token *t) {
  cql_expr *e = leaf(ctx, CQL_E_JSON, t);
  if (!e)
    return NULL;
  e->text = cql_bx_dup(ctx, t->s, t->n);
  e->text_len = t->n;
  if (!e->text) {
    cql_expr_free(e);
    return NULL;
  }
  return e;
}

cql_expr *cql_b_json_object(cql_ctx *ctx, const cql_token *t) {
  if (t->s[0] != '{') {
    cql_ctx_error(ctx, t->pos, "DATA must be a JSON object");
    return NULL;
  }
  return cql_b_json(ctx, t);
}

cql_expr *cql_b_leaf(cql_ctx *ctx, cql_expr_kind kind, const cql_token *t) {
  cql_expr *e = leaf(ctx, kind, t);
  if (!e)
    return NULL;
  if (kind == CQL_E_BOOL)
    e->ival = (t->s[0] | 0x20) == 't';
  else if (kind == CQL_E_PARAM)
    e->ival = t->ival;
  return e;
}

cql_expr *cql_b_duration(cql_ctx *ctx, const cql_dur *d) {
  cql_expr *e = new_expr(ctx, CQL_E_DURATION, d->pos, d->end);
  if (e)
    e->dur = d->d;
  return e;
}

cql_expr *cql_b_column(cql_ctx *ctx, cql_path path, cql_pos pos, size_t end) {
  cql_expr *e = NULL;
  if (path.n > 0)
    e = new_expr(ctx, CQL_E_COLUMN, pos, end);
  if (!e) {
    cql_path_free(&path);
    return NULL;
  }
  e->path = path;
  return e;
}

/* Folds `- literal` into the literal; returns false when a is no number. */
static bool fold_neg(cql_expr *a, const cql_token *t) {
  if (a->kind == CQL_E_INT)
    a->ival = -a->ival;
  else if (a->kind == CQL_E_REAL)
    a->rval = -a->rval;
  else if (a->kind == CQL_E_DURATION) {
    a->dur.months = -a->dur.months;
    a->dur.usec = -a->dur.usec;
  } else
    return false;
  a->pos = t->pos;
  return true;
}

cql_expr *cql_b_unary(cql_ctx *ctx, cql_op op, const cql_token *t,
                      cql_expr *a) {
  cql_expr *e = NULL;
  if (a && ctx->rc == CREDO_OK && op == CQL_OP_NEG && fold_neg(a, t))
    return a;
  if (a)
    e = new_expr(ctx, CQL_E_UNARY, t->pos, a->end);
  if (!e) {
    cql_expr_free(a);
    return NULL;
  }
  e->op = op;
  e->a = a;
  return with_children(ctx, e);
}

cql_expr *cql_b_binary(cql_ctx *ctx, cql_op op, cql_expr *a, cql_expr *b) {
  cql_expr *e = NULL;
  if (op == CQL_OP_AND || op == CQL_OP_OR)
    return cql_b_logic(ctx, op, a, b);
  if (a && b)
    e = new_expr(ctx, CQL_E_BINARY, a->pos, b->end);
  if (!e) {
    cql_expr_free(a);
    cql_expr_free(b);
    return NULL;
  }
  e->op = op;
  e->a = a;
  e->b = b;
  return with_children(ctx, e);
}

cql_expr *cql_b_paren(cql_ctx *ctx, const cql_token *lp, cql_expr *e,
                      const cql_token *rp) {
  if (!e)
    return NULL;
  if (ctx->rc != CREDO_OK) {
    cql_expr_free(e);
    return NULL;
  }
  e->pos = lp->pos;
  e->end = cql_bx_tok_end(rp);
  return e;
}

cql_expr *cql_b_in(cql_ctx *ctx, cql_expr *a, bool negated, cql_expr_list list,
                   const cql_token *rp) {
  cql_expr *e = NULL;
  if (a && list.n > 0)
    e = new_expr(ctx, CQL_E_IN, a->pos, cql_bx_tok_end(rp));
  if (!e) {
    cql_expr_free(a);
    cql_expr_list_free(&list);
    return NULL;
  }
  e->a = a;
  e->negated = negated;
  e->list = list;
  return with_children(ctx, e);
}

cql_expr *cql_b_between(cql_ctx *ctx, cql_expr *a, bool negated, cql_expr *lo,
                        cql_expr *hi) {
  cql_expr *e = NULL;
  if (a && lo && hi)
    e = new_expr(ctx, CQL_E_BETWEEN, a->pos, hi->end);
  if (!e) {
    cql_expr_free(a);
    cql_expr_free(lo);
    cql_expr_free(hi);
    return NULL;
  }
  e->a = a;
  e->b = lo;
  e->c = hi;
  e->negated = negated;
  return with_children(ctx, e);
}

cql_expr *cql_b_like(cql_ctx *ctx, cql_expr *a, bool negated, cql_expr *p) {
  cql_expr *e = NULL;
  if (a && p)
    e = new_expr(ctx, CQL_E_LIKE, a->pos, p->end);
  if (!e) {
    cql_expr_free(a);
    cql_expr_free(p);
    return NULL;
  }
  e->a = a;
  e->b = p;
  e->negated = negated;
  return with_children(ctx, e);
}

cql_expr *cql_b_isnull(cql_ctx *ctx, cql_expr *a, bool negated,
                       const cql_token *last) {
  cql_expr *e = NULL;
  if (a)
    e = new_expr(ctx, CQL_E_IS_NULL, a->pos, cql_bx_tok_end(last));
  if (!e) {
    cql_expr_free(a);
    return NULL;
  }
  e->a = a;
  e->negated = negated;
  return with_children(ctx, e);
}

cql_expr *cql_b_call(cql_ctx *ctx, const cql_token *name, cql_expr_list args,
                     bool star, bool distinct, const cql_token *rp) {
  cql_expr *e = new_expr(ctx, CQL_E_CALL, name->pos, cql_bx_tok_end(rp));
  char *p;
  if (e)
    e->text = cql_bx_ident(ctx, name);
  if (!e || !e->text) {
    cql_expr_free(e);
    cql_expr_list_free(&args);
    return NULL;
  }
  for (p = e->text; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  e->text_len = strlen(e->text);
  e->list = args;
  e->star = star;
  e->distinct = distinct;
  return with_children(ctx, e);
}

/* ---------------------------------------------------------- lists, paths */

void cql_b_list_add(cql_ctx *ctx, cql_expr_list *l, cql_expr *e) {
  if (!e || ctx->rc != CREDO_OK ||
      !cql_bx_grow(ctx, (void **)&l->items, l->n, sizeof *l->items)) {
    cql_expr_free(e);
    cql_expr_list_free(l);
    return;
  }
  l->items[l->n++] = e;
}

cql_expr_list cql_b_list1(cql_ctx *ctx, cql_expr *e) {
  cql_expr_list l = {NULL, 0};
  cql_b_list_add(ctx, &l, e);
  return l;
}

void cql_b_path_add(cql_ctx *ctx, cql_pathx *p, const cql_token *id) {
  char *s = NULL;
  if (ctx->rc == CREDO_OK &&
      cql_bx_grow(ctx, (void **)&p->p.segs, p->p.n, sizeof *p->p.segs))
    s = cql_bx_ident(ctx, id);
  if (!s) {
    cql_path_free(&p->p);
    return;
  }
  p->p.segs[p->p.n++] = s;
  p->end = cql_bx_tok_end(id);
}

cql_pathx cql_b_path1(cql_ctx *ctx, const cql_token *id) {
  cql_pathx p;
  memset(&p, 0, sizeof p);
  p.pos = id->pos;
  cql_b_path_add(ctx, &p, id);
  return p;
}

/* ------------------------------------------------------------ select list */

void cql_b_item_add(cql_ctx *ctx, cql_item_list *l, cql_expr *e,
                    const cql_token *alias, const cql_token *t) {
  cql_select_item it;
  memset(&it, 0, sizeof it);
  if ((!e && !t) || ctx->rc != CREDO_OK ||
      !cql_bx_grow(ctx, (void **)&l->items, l->n, sizeof *l->items))
    goto fail;
  it.expr = e;
  it.pos = e ? e->pos : t->pos;
  it.end = alias ? cql_bx_tok_end(alias) : e ? e->end : cql_bx_tok_end(t);
  if (alias && !(it.alias = cql_bx_ident(ctx, alias)))
    goto fail;
  l->items[l->n++] = it;
  return;
fail:
  cql_expr_free(e);
  cql_item_list_free(l);
}

cql_item_list cql_b_item1(cql_ctx *ctx, cql_expr *e, const cql_token *alias,
                          const cql_token *t) {
  cql_item_list l = {NULL, 0};
  cql_b_item_add(ctx, &l, e, alias, t);
  return l;
}

void cql_b_order_add(cql_ctx *ctx, cql_order_list *l, cql_expr *e, bool desc) {
  if (!e || ctx->rc != CREDO_OK ||
      !cql_bx_grow(ctx, (void **)&l->items, l->n, sizeof *l->items)) {
    cql_expr_free(e);
    cql_order_list_free(l);
    return;
  }
  l->items[l->n].expr = e;
  l->items[l->n].desc = desc;
  l->n++;
}

cql_order_list cql_b_order1(cql_ctx *ctx, cql_expr *e, bool desc) {
  cql_order_list l = {NULL, 0};
  cql_b_order_add(ctx, &l, e, desc);
  return l;
}

/* ----------------------------------------------------------------- SELECT */

static const char *const table_names[] = {"events", "subjects", "types"};

int cql_b_table_of(cql_ctx *ctx, const cql_token *table) {
  int t;
  if (cql_b_cte_find(ctx, table) >= 0 || (table->n == 1 && *table->s == '('))
    return CQL_TABLE_SUB; /* a WITH name, or `(SELECT ...)` */
  if (table->n == 5 && strncasecmp(table->s, "users", 5) == 0)
    return CQL_TABLE_USERS;
  t = cql_bx_ident_index(ctx, table, table_names, 3);
  if (t == -1)
    cql_ctx_error(ctx, table->pos,
                  "unknown table \"%.*s\" (expected events, subjects or "
                  "types)",
                  (int)table->n, table->s);
  return t >= 0 ? CQL_TABLE_EVENTS + t : 0;
}

cql_select *cql_b_select(cql_ctx *ctx, const cql_token *kw, bool distinct,
                         cql_item_list items, const cql_token *table) {
  cql_select *s = NULL;
  int t = -2;
  if (ctx->rc == CREDO_OK && items.n > 0)
    t = cql_b_table_of(ctx, table) - CQL_TABLE_EVENTS;
  if (t >= 0)
    s = cql_bx_calloc(ctx, sizeof *s);
  if (!s) {
    cql_item_list_free(&items);
    return NULL;
  }
  s->pos = kw->pos;
  s->distinct = distinct;
  s->items = items.items;
  s->n_items = items.n;
  s->table = (cql_table)(CQL_TABLE_EVENTS + t);
  s->table_pos = table->pos;
  return s;
}

static const char *const clause_names[] = {
    [CQL_CL_WHERE] = "WHERE",
    [CQL_CL_GROUP] = "GROUP BY",
    [CQL_CL_HAVING] = "HAVING",
    [CQL_CL_ORDER] = "ORDER BY",
    [CQL_CL_LIMIT] = "LIMIT",
    [CQL_CL_AS_OF] = "AS OF",
    [CQL_CL_VISIBLE_AT] = "VISIBLE AT",
    [CQL_CL_HIDDEN] = "INCLUDE HIDDEN",
    [CQL_CL_RETRACTED] = "INCLUDE RETRACTED",
};

static bool clause_present(const cql_select *s, enum cql_clause cl) {
  switch (cl) {
  case CQL_CL_WHERE:
    return s->where != NULL;
  case CQL_CL_GROUP:
    return s->group_by.n > 0;
  case CQL_CL_HAVING:
    return s->having != NULL;
  case CQL_CL_ORDER:
    return s->n_order > 0;
  case CQL_CL_LIMIT:
    return s->limit != NULL || s->offset != NULL;
  case CQL_CL_AS_OF:
    return s->as_of != NULL;
  case CQL_CL_VISIBLE_AT:
    return s->visible_at != NULL;
  case CQL_CL_HIDDEN:
    return s->include_hidden;
  case CQL_CL_RETRACTED:
    return s->include_retracted;
  }
  return false;
}

/* May clause `cl` be added to s now? WHERE, GROUP BY, HAVING, ORDER BY,
 * LIMIT come in that order; the temporal clauses anywhere after FROM; none
 * twice. Records the error when not. */
static bool clause_ok(cql_ctx *ctx, cql_select *s, enum cql_clause cl,
                      const cql_token *kw) {
  int later;
  if (!s || ctx->rc != CREDO_OK)
    return false;
  if (clause_present(s, cl)) {
    cql_ctx_error(ctx, kw->pos, "duplicate %s clause", clause_names[cl]);
    return false;
  }
  if (cl > CQL_CL_LIMIT)
    return true;
  for (later = CQL_CL_LIMIT; later > (int)cl; later--) {
    if (clause_present(s, (enum cql_clause)later)) {
      cql_ctx_error(ctx, kw->pos, "%s must come before %s", clause_names[cl],
                    clause_names[later]);
      return false;
    }
  }
  return true;
}

void cql_b_select_clause(cql_ctx *ctx, cql_select *s, enum cql_clause cl,
                         const cql_token *kw, cql_expr *e) {
  bool need_expr = cl != CQL_CL_HIDDEN && cl != CQL_CL_RETRACTED;
  if ((need_expr && !e) || !clause_ok(ctx, s, cl, kw)) {
    cql_expr_free(e);
    return;
  }
  if (cl == CQL_CL_WHERE)
    s->where = e;
  else if (cl == CQL_CL_HAVING)
    s->having = e;
  else if (cl == CQL_CL_AS_OF)
    s->as_of = e;
  else if (cl == CQL_CL_VISIBLE_AT)
    s->visible_at = e;
  else if (cl == CQL_CL_HIDDEN)
    s->include_hidden = true;
  else if (cl == CQL_CL_RETRACTED)
    s->include_retracted = true;
  else
    cql_expr_free(e);
}

void cql_b_select_group(cql_ctx *ctx, cql_select *s, const cql_token *kw,
                        cql_expr_list l) {
  if (l.n == 0 || !clause_ok(ctx, s, CQL_CL_GROUP, kw)) {
    cql_expr_list_free(&l);
    return;
  }
  s->group_by = l;
}

void cql_b_select_order(cql_ctx *ctx, cql_select *s, const cql_token *kw,
                        cql_order_list l) {
  if (l.n == 0 || !clause_ok(ctx, s, CQL_CL_ORDER, kw)) {
    cql_order_list_free(&l);
    return;
  }
  s->order = l.items;
  s->n_order = l.n;
}

void cql_b_select_limit(cql_ctx *ctx, cql_select *s, const cql_token *kw,
                        cql_expr *e, cql_expr *off) {
  bool after_offset = s && s->offset && !s->limit && ctx->rc == CREDO_OK;
  if (!e || (!after_offset && !clause_ok(ctx, s, CQL_CL_LIMIT, kw))) {
    cql_expr_free(e);
    cql_expr_free(off);
    return;
  }
  s->limit = e;
  if (off)
    s->offset = off;
}

void cql_b_select_offset(cql_ctx *ctx, cql_select *s, const cql_token *kw,
                         cql_expr *off) {
  if (!off || (s && s->offset)) {
    if (off && ctx->rc == CREDO_OK)
      cql_ctx_error(ctx, kw->pos, "duplicate OFFSET clause");
    cql_expr_free(off);
    return;
  }
  /* LIMIT and OFFSET come last, in either order (as PostgreSQL) */
  if (!(s && s->limit && ctx->rc == CREDO_OK) &&
      !clause_ok(ctx, s, CQL_CL_LIMIT, kw)) {
    cql_expr_free(off);
    return;
  }
  s->offset = off;
}
