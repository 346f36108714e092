/*
 * build.c -- the AST builders called by the grammar's actions, and error
 * recording in the parse context.
 *
 * Owns: creating every cql_expr / cql_select / cql_stmt node, unescaping
 * string literals and quoted identifiers, duration arithmetic with range
 * checks, the checks the grammar leaves to actions (duplicate and
 * misordered clauses, required clauses, names of tables, kinds and roles,
 * expression height). Error recording and the text of syntax errors
 * are in build_err.c.
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
#include "build.h"
#include "cql.h"

/* --------------------------------------------------------------- helpers */

static void *xcalloc(cql_ctx *ctx, size_t size) {
  void *p = CQL_CALLOC(1, size);
  if (!p)
    cql_ctx_nomem(ctx);
  return p;
}

static char *xdup(cql_ctx *ctx, const char *s, size_t n) {
  char *p = CQL_MALLOC(n + 1);
  if (!p) {
    cql_ctx_nomem(ctx);
    return NULL;
  }
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

static size_t tok_end(const cql_token *t) {
  return t->pos.offset + t->n;
}

/* The body of a quoted token (quote char q at both ends, qq inside
 * standing for q), unescaped into a new string; its length in *len. */
static char *unquote(cql_ctx *ctx, const cql_token *t, char q, size_t *len) {
  const char *s = t->s + 1, *e = t->s + t->n - 1;
  char *out = CQL_MALLOC(t->n), *w = out;
  if (!out) {
    cql_ctx_nomem(ctx);
    return NULL;
  }
  while (s < e) {
    if (*s == q)
      s++; /* the lexer guarantees qq here */
    *w++ = *s++;
  }
  *w = 0;
  *len = (size_t)(w - out);
  return out;
}

/* An identifier token as a new string ("quoted" ones unquoted). */
static char *ident(cql_ctx *ctx, const cql_token *t) {
  size_t len;
  if (t->n >= 2 && t->s[0] == '"')
    return unquote(ctx, t, '"', &len);
  return xdup(ctx, t->s, t->n);
}

/* Index of ident(t) in names[] (case-insensitive), or -1; -2 when out of
 * memory. */
static int ident_index(cql_ctx *ctx, const cql_token *t,
                       const char *const *names, int n) {
  char *s = ident(ctx, t);
  int i, r = -1;
  if (!s)
    return -2;
  for (i = 0; i < n && r < 0; i++)
    if (strcasecmp(s, names[i]) == 0)
      r = i;
  free(s);
  return r;
}

/* Grows an array of `n` elements of `size` bytes so that one more fits;
 * capacity is the smallest power of two >= n. */
static bool grow(cql_ctx *ctx, void **items, size_t n, size_t size) {
  void *p;
  if (n != 0 && (n & (n - 1)) != 0)
    return true;
  if (n > ((size_t)-1) / 4 / size) {
    cql_ctx_nomem(ctx);
    return false;
  }
  p = CQL_REALLOC(*items, (n ? 2 * n : 1) * size);
  if (!p) {
    cql_ctx_nomem(ctx);
    return false;
  }
  *items = p;
  return true;
}

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
  d->end = tok_end(unit);
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
  e = xcalloc(ctx, sizeof *e);
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
  return ctx->rc == CREDO_OK ? ident(ctx, t) : NULL;
}

static cql_expr *leaf(cql_ctx *ctx, cql_expr_kind kind, const cql_token *t) {
  return new_expr(ctx, kind, t->pos, tok_end(t));
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
  e->text = unquote(ctx, t, '\'', &e->text_len);
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
  e->text = xdup(ctx, t->s, t->n);
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
  e->end = tok_end(rp);
  return e;
}

cql_expr *cql_b_in(cql_ctx *ctx, cql_expr *a, bool negated, cql_expr_list list,
                   const cql_token *rp) {
  cql_expr *e = NULL;
  if (a && list.n > 0)
    e = new_expr(ctx, CQL_E_IN, a->pos, tok_end(rp));
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
    e = new_expr(ctx, CQL_E_IS_NULL, a->pos, tok_end(last));
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
  cql_expr *e = new_expr(ctx, CQL_E_CALL, name->pos, tok_end(rp));
  char *p;
  if (e)
    e->text = ident(ctx, name);
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
      !grow(ctx, (void **)&l->items, l->n, sizeof *l->items)) {
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
      grow(ctx, (void **)&p->p.segs, p->p.n, sizeof *p->p.segs))
    s = ident(ctx, id);
  if (!s) {
    cql_path_free(&p->p);
    return;
  }
  p->p.segs[p->p.n++] = s;
  p->end = tok_end(id);
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
      !grow(ctx, (void **)&l->items, l->n, sizeof *l->items))
    goto fail;
  it.expr = e;
  it.pos = e ? e->pos : t->pos;
  it.end = alias ? tok_end(alias) : e ? e->end : tok_end(t);
  if (alias && !(it.alias = ident(ctx, alias)))
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
      !grow(ctx, (void **)&l->items, l->n, sizeof *l->items)) {
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

cql_select *cql_b_select(cql_ctx *ctx, const cql_token *kw, bool distinct,
                         cql_item_list items, const cql_token *table) {
  cql_select *s = NULL;
  int t = -2;
  if (ctx->rc == CREDO_OK && items.n > 0)
    t = ident_index(ctx, table, table_names, 3);
  if (t == -1)
    cql_ctx_error(ctx, table->pos,
                  "unknown table \"%.*s\" (expected events, subjects or "
                  "types)",
                  (int)table->n, table->s);
  if (t >= 0)
    s = xcalloc(ctx, sizeof *s);
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

/* ------------------------------------------------------------- statements */

static cql_stmt *new_stmt(cql_ctx *ctx, cql_kind kind, cql_pos pos) {
  cql_stmt *st;
  if (ctx->rc != CREDO_OK)
    return NULL;
  st = xcalloc(ctx, sizeof *st);
  if (!st)
    return NULL;
  st->kind = kind;
  st->pos = pos;
  return st;
}

cql_stmt *cql_b_stmt(cql_ctx *ctx, cql_kind kind, const cql_token *kw) {
  return new_stmt(ctx, kind, kw->pos);
}

cql_stmt *cql_b_stmt_select(cql_ctx *ctx, cql_kind kind, const cql_token *kw,
                            cql_select *s) {
  cql_stmt *st = NULL;
  if (s)
    st = new_stmt(ctx, kind, kw ? kw->pos : s->pos);
  if (!st) {
    cql_select_free(s);
    return NULL;
  }
  st->select = s;
  return st;
}

cql_stmt *cql_b_stmt_named(cql_ctx *ctx, cql_kind kind, const cql_token *kw,
                           const cql_token *name) {
  cql_stmt *st = new_stmt(ctx, kind, kw->pos);
  char *s;
  if (!st)
    return NULL;
  if (!(s = ident(ctx, name))) {
    cql_stmt_free(st);
    return NULL;
  }
  if (kind == CQL_CREATE_TYPE)
    st->create_type.name = s;
  else
    st->user.name = s;
  return st;
}

/* Stores the expressions of an expression-only statement (the kinds
 * cql_b_stmt_exprs accepts). Returns false for another kind. */
static bool store_exprs(cql_stmt *st, cql_expr *a, cql_expr *b) {
  switch (st->kind) {
  case CQL_HISTORY_EVENT:
    st->history.event = a;
    return !b;
  case CQL_HISTORY_SUBJECT:
    st->history.subject = a;
    return !b;
  case CQL_REPAIR:
    st->repair.event = a;
    return !b;
  case CQL_REPAIR_WHERE:
    st->repair.where = a;
    return !b;
  case CQL_RETRACT:
    st->retract.event = a;
    st->retract.reason = b;
    return true;
  case CQL_ERASE_EVENT:
    st->erase.event = a;
    st->erase.reason = b;
    return true;
  case CQL_ERASE_SUBJECT:
    st->erase.subject = a;
    st->erase.reason = b;
    return true;
  case CQL_SET_TZ:
  case CQL_SET_STORE_TZ:
    st->set_tz.zone = a;
    return !b;
  case CQL_KILL_SESSION:
    st->kill.session = a;
    return !b;
  default:
    return false;
  }
}

cql_stmt *cql_b_stmt_exprs(cql_ctx *ctx, cql_kind kind, const cql_token *kw,
                           cql_expr *a, cql_expr *b, cql_expr *c) {
  cql_stmt *st = NULL;
  if (a && !c)
    st = new_stmt(ctx, kind, kw->pos);
  if (st && store_exprs(st, a, b))
    return st;
  free(st); /* fields not stored: freed below */
  cql_expr_free(a);
  cql_expr_free(b);
  cql_expr_free(c);
  return NULL;
}

void cql_b_type_publicity(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                          const cql_dur *d) {
  if (!st || ctx->rc != CREDO_OK)
    return;
  if (st->create_type.has_publicity) {
    cql_ctx_error(ctx, kw->pos, "duplicate PUBLICITY / NOT PUBLISHED clause");
    return;
  }
  st->create_type.has_publicity = true;
  st->create_type.publicity = d->d;
}

void cql_b_type_repairable(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                           const cql_dur *d) {
  if (!st || ctx->rc != CREDO_OK)
    return;
  if (st->create_type.has_repairable) {
    cql_ctx_error(ctx, kw->pos, "duplicate REPAIRABLE AFTER clause");
    return;
  }
  st->create_type.has_repairable = true;
  st->create_type.repairable_after = d->d;
}

void cql_b_type_retain(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                       const cql_dur *d) {
  if (!st || ctx->rc != CREDO_OK)
    return;
  if (st->create_type.has_retain) {
    cql_ctx_error(ctx, kw->pos, "duplicate RETAIN clause");
    return;
  }
  st->create_type.has_retain = true;
  st->create_type.retain = d->d;
}

void cql_b_type_flag(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                     unsigned flag) {
  bool polarity = flag == CREDO_TYPE_POSITIVE || flag == 0;
  if (!st || ctx->rc != CREDO_OK)
    return;
  if (polarity ? st->create_type.has_polarity : st->create_type.has_publicity) {
    cql_ctx_error(ctx, kw->pos,
                  polarity ? "duplicate POSITIVE / ADVERSE clause"
                           : "duplicate PUBLICITY / NOT PUBLISHED clause");
    return;
  }
  if (polarity)
    st->create_type.has_polarity = true;
  else
    st->create_type.has_publicity = true;
  st->create_type.flags |= flag;
}

char *cql_b_field(cql_ctx *ctx, char *list, const cql_token *name) {
  char *k = ident(ctx, name), *out;
  size_t a = list ? strlen(list) : 0, b;
  if (!k || ctx->rc != CREDO_OK) {
    free(k);
    free(list);
    return NULL;
  }
  b = strlen(k);
  if (strchr(k, ',') || !(out = realloc(list, a + b + 2))) {
    if (strchr(k, ','))
      cql_ctx_error(ctx, name->pos, "a field name cannot contain ','");
    free(k);
    free(list);
    return NULL;
  }
  if (a)
    out[a++] = ',';
  memcpy(out + a, k, b + 1);
  free(k);
  return out;
}

void cql_b_type_fields(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                       char *list) {
  if (!st || ctx->rc != CREDO_OK || !list) {
    free(list);
    return;
  }
  if (st->create_type.public_fields) {
    free(list);
    cql_ctx_error(ctx, kw->pos, "duplicate PUBLIC FIELDS clause");
    return;
  }
  st->create_type.public_fields = list;
}

cql_stmt *cql_b_grant(cql_ctx *ctx, cql_kind kind, const cql_token *kw,
                      cql_expr *source, const cql_token *user) {
  cql_stmt *st = source ? new_stmt(ctx, kind, kw->pos) : NULL;
  if (!st) {
    cql_expr_free(source);
    return NULL;
  }
  st->grant.source = source;
  if (!(st->grant.user = ident(ctx, user))) {
    cql_stmt_free(st);
    return NULL;
  }
  return st;
}

cql_stmt *cql_b_alter_subject(cql_ctx *ctx, const cql_token *kw, cql_expr *id,
                              cql_expr *name, cql_expr *reason) {
  cql_stmt *st =
      id && name && reason ? new_stmt(ctx, CQL_ALTER_SUBJECT, kw->pos) : NULL;
  if (!st) {
    cql_expr_free(id);
    cql_expr_free(name);
    cql_expr_free(reason);
    return NULL;
  }
  st->alter_subject.id = id;
  st->alter_subject.name = name;
  st->alter_subject.reason = reason;
  return st;
}

static const char *const kind_names[] = {"org", "person", "other"};

cql_stmt *cql_b_create_subject(cql_ctx *ctx, const cql_token *kw, cql_expr *id,
                               const cql_token *kind, cql_expr *name) {
  cql_stmt *st = NULL;
  int k = -2;
  if (id && ctx->rc == CREDO_OK)
    k = ident_index(ctx, kind, kind_names, 3);
  if (k == -1)
    cql_ctx_error(ctx, kind->pos,
                  "unknown subject kind \"%.*s\" (expected org, person or "
                  "other)",
                  (int)kind->n, kind->s);
  if (k >= 0)
    st = new_stmt(ctx, CQL_CREATE_SUBJECT, kw->pos);
  if (!st) {
    cql_expr_free(id);
    cql_expr_free(name);
    return NULL;
  }
  st->create_subject.id = id;
  st->create_subject.kind = (credo_kind)(CREDO_KIND_ORG + k);
  st->create_subject.name = name;
  return st;
}

cql_stmt *cql_b_record(cql_ctx *ctx, const cql_token *kw, const cql_token *type,
                       cql_expr *subject) {
  cql_stmt *st = NULL;
  if (subject)
    st = new_stmt(ctx, CQL_RECORD, kw->pos);
  if (st && !(st->record.type = ident(ctx, type))) {
    cql_stmt_free(st);
    st = NULL;
  }
  if (!st) {
    cql_expr_free(subject);
    return NULL;
  }
  st->record.subject = subject;
  return st;
}

/* The field of RECORD clause cl, and its name for messages. */
static cql_expr **record_field(cql_stmt *st, enum cql_rec_clause cl,
                               const char **name) {
  switch (cl) {
  case CQL_RC_OCCURRED:
    return *name = "OCCURRED", &st->record.occurred;
  case CQL_RC_PUBLIC_FROM:
    return *name = "PUBLIC FROM", &st->record.public_from;
  case CQL_RC_UNTIL:
    return *name = "UNTIL", &st->record.public_until;
  case CQL_RC_SOURCE:
    return *name = "SOURCE", &st->record.source;
  case CQL_RC_REF:
    return *name = "REF", &st->record.ref;
  case CQL_RC_DATA:
    return *name = "DATA", &st->record.data;
  case CQL_RC_REASON:
    return *name = "REASON", &st->record.reason;
  }
  return *name = "?", NULL;
}

/* Stores e in *field unless set already (then: duplicate error). */
static void set_once(cql_ctx *ctx, cql_expr **field, const char *name,
                     const cql_token *kw, cql_expr *e) {
  if (!field || !e || ctx->rc != CREDO_OK) {
    cql_expr_free(e);
    return;
  }
  if (*field) {
    cql_ctx_error(ctx, kw->pos, "duplicate %s clause", name);
    cql_expr_free(e);
    return;
  }
  *field = e;
}

void cql_b_record_clause(cql_ctx *ctx, cql_stmt *st, enum cql_rec_clause cl,
                         const cql_token *kw, cql_expr *e) {
  const char *name = NULL;
  cql_expr **field = st ? record_field(st, cl, &name) : NULL;
  set_once(ctx, field, name, kw, e);
}

void cql_b_repair_effective(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                            cql_expr *e) {
  set_once(ctx, st ? &st->repair.effective : NULL, "EFFECTIVE", kw, e);
}

void cql_b_repair_reason(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                         cql_expr *e) {
  set_once(ctx, st ? &st->repair.reason : NULL, "REASON", kw, e);
}

void cql_b_set_add(cql_ctx *ctx, cql_set_list *l, cql_path p, cql_pos pos,
                   cql_expr *v) {
  if (!v || p.n == 0 || ctx->rc != CREDO_OK ||
      !grow(ctx, (void **)&l->items, l->n, sizeof *l->items)) {
    cql_path_free(&p);
    cql_expr_free(v);
    cql_set_list_free(l);
    return;
  }
  l->items[l->n].path = p;
  l->items[l->n].value = v;
  l->items[l->n].pos = pos;
  l->n++;
}

cql_set_list cql_b_set1(cql_ctx *ctx, cql_path p, cql_pos pos, cql_expr *v) {
  cql_set_list l = {NULL, 0};
  cql_b_set_add(ctx, &l, p, pos, v);
  return l;
}

cql_stmt *cql_b_correct(cql_ctx *ctx, const cql_token *kw, cql_expr *event,
                        cql_set_list set, cql_expr *reason) {
  cql_stmt *st = NULL;
  if (event && set.n > 0)
    st = new_stmt(ctx, CQL_CORRECT, kw->pos);
  if (!st) {
    cql_expr_free(event);
    cql_set_list_free(&set);
    cql_expr_free(reason);
    return NULL;
  }
  st->correct.event = event;
  st->correct.items = set.items;
  st->correct.n_items = set.n;
  st->correct.reason = reason;
  return st;
}

static const char *const role_names[] = {"public", "analyst", "recorder",
                                         "repairer", "admin"};

void cql_b_user_role(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                     const cql_token *role) {
  int r;
  if (!st || ctx->rc != CREDO_OK)
    return;
  if (st->user.has_role) {
    cql_ctx_error(ctx, kw->pos, "duplicate ROLE clause");
    return;
  }
  r = ident_index(ctx, role, role_names, 5);
  if (r == -1)
    cql_ctx_error(ctx, role->pos,
                  "unknown role \"%.*s\" (expected public, analyst, "
                  "recorder, repairer or admin)",
                  (int)role->n, role->s);
  if (r < 0)
    return;
  st->user.has_role = true;
  st->user.role = (credo_role)(CREDO_ROLE_PUBLIC + r);
}

void cql_b_user_password(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                         cql_expr *pw) {
  set_once(ctx, st ? &st->user.password : NULL, "PASSWORD", kw, pw);
}

/* The clause a complete statement lacks ("an OCCURRED"), or NULL. */
static const char *missing_clause(const cql_stmt *st) {
  switch (st->kind) {
  case CQL_RECORD:
    return !st->record.occurred ? "an OCCURRED"
           : !st->record.source ? "a SOURCE"
           : !st->record.ref    ? "a REF"
                                : NULL;
  case CQL_REPAIR:
  case CQL_REPAIR_WHERE:
    return st->repair.reason ? NULL : "a REASON";
  case CQL_CORRECT:
    return st->correct.reason ? NULL : "a REASON";
  case CQL_RETRACT:
    return st->retract.reason ? NULL : "a REASON";
  case CQL_ERASE_EVENT:
  case CQL_ERASE_SUBJECT:
    return st->erase.reason ? NULL : "a REASON";
  case CQL_CREATE_USER:
    return !st->user.has_role   ? "a ROLE"
           : !st->user.password ? "a PASSWORD"
                                : NULL;
  case CQL_ALTER_USER:
    return st->user.has_role || st->user.password ? NULL : "a ROLE or PASSWORD";
  default:
    return NULL;
  }
}

cql_stmt *cql_b_finish(cql_ctx *ctx, cql_stmt *st) {
  const char *missing;
  if (!st)
    return NULL;
  if (ctx->rc != CREDO_OK) {
    cql_stmt_free(st);
    return NULL;
  }
  missing = missing_clause(st);
  if (missing) {
    cql_ctx_error(ctx, ctx->look.pos, "%s needs %s clause",
                  cql_kind_name(st->kind), missing);
    cql_stmt_free(st);
    return NULL;
  }
  st->end = ctx->prev_end;
  return st;
}
