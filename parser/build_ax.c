/*
 * build_ax.c -- AST builders for the analyst expressions of CQL: CASE,
 * CAST and `::`, extract(f FROM t), position(s IN t) and the FILTER
 * clause of aggregate calls.
 *
 * Invariants: as build.c -- every builder owns its arguments (also on
 * failure), returns NULL after an error (the first error is kept on the
 * context) and sets each node's span from its first to its last token.
 * Special syntax is turned into ordinary calls where it can be (extract,
 * position), so that the executor has one kind of node for functions.
 *
 * Does not: know which functions exist or what types mean beyond the
 * fixed CAST target names.
 */
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "build.h"

static size_t end_of(const cql_token *t) {
  return t->pos.offset + t->n;
}

cql_expr *cql_b_filter_where(cql_ctx *ctx, cql_expr *e, const cql_token *rp) {
  if (e)
    e->end = end_of(rp);
  return e;
}

cql_expr *cql_b_filter(cql_ctx *ctx, cql_expr *c, cql_expr *f) {
  if (!f)
    return c;
  if (!c) {
    cql_expr_free(f);
    return NULL;
  }
  c->filter = f;
  c->end = f->end;
  if (f->height + 1 > c->height)
    c->height = f->height + 1;
  if (c->height > CQL_MAX_DEPTH) {
    cql_ctx_error(ctx, c->pos, "expression nested too deeply (limit %d)",
                  CQL_MAX_DEPTH);
    cql_expr_free(c);
    return NULL;
  }
  return c;
}

cql_expr *cql_b_case(cql_ctx *ctx, const cql_token *kw, cql_expr *operand,
                     cql_expr_list whens, cql_expr *els, const cql_token *end) {
  cql_expr *e = cql_b_node(ctx, CQL_E_CASE, kw->pos, end_of(end));
  if (!e || whens.n < 2 || whens.n % 2) {
    cql_expr_free(e);
    cql_expr_free(operand);
    cql_expr_list_free(&whens);
    cql_expr_free(els);
    return NULL;
  }
  e->a = operand;
  e->list = whens;
  e->b = els;
  return cql_b_close(ctx, e);
}

static const struct {
  const char *name;
  cql_cast type;
} CAST_NAMES[] = {{"int", CQL_CAST_INT},          {"integer", CQL_CAST_INT},
                  {"bigint", CQL_CAST_INT},       {"int8", CQL_CAST_INT},
                  {"real", CQL_CAST_REAL},        {"double", CQL_CAST_REAL},
                  {"float", CQL_CAST_REAL},       {"float8", CQL_CAST_REAL},
                  {"decimal", CQL_CAST_DECIMAL},  {"numeric", CQL_CAST_DECIMAL},
                  {"text", CQL_CAST_TEXT},        {"varchar", CQL_CAST_TEXT},
                  {"time", CQL_CAST_TIME},        {"timestamp", CQL_CAST_TIME},
                  {"timestamptz", CQL_CAST_TIME}, {"bool", CQL_CAST_BOOL},
                  {"boolean", CQL_CAST_BOOL}};

cql_expr *cql_b_cast(cql_ctx *ctx, const cql_token *kw, cql_expr *x,
                     const cql_token *type, const cql_token *end) {
  cql_expr *e;
  char *name;
  size_t i;
  if (!x)
    return NULL;
  e = cql_b_node(ctx, CQL_E_CAST, kw ? kw->pos : x->pos, end_of(end));
  name = e ? cql_b_ident(ctx, type) : NULL;
  if (!name) {
    cql_expr_free(e);
    cql_expr_free(x);
    return NULL;
  }
  for (char *p = name; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  e->text = name;
  e->text_len = strlen(name);
  e->a = x;
  for (i = 0; i < sizeof CAST_NAMES / sizeof *CAST_NAMES; i++)
    if (strcmp(CAST_NAMES[i].name, name) == 0)
      e->ival = CAST_NAMES[i].type;
  if (!e->ival) {
    cql_ctx_error(ctx, type->pos,
                  "unknown type \"%s\" in a cast (types: INT, REAL, DECIMAL, "
                  "TEXT, TIME, BOOL)",
                  name);
    cql_expr_free(e);
    return NULL;
  }
  return cql_b_close(ctx, e);
}

cql_expr *cql_b_extract(cql_ctx *ctx, const cql_token *name,
                        const cql_token *field, cql_expr *x,
                        const cql_token *rp) {
  cql_expr *f = cql_b_node(ctx, CQL_E_TEXT, field->pos, end_of(field));
  cql_expr_list l = {NULL, 0};
  char *s = f ? cql_b_ident(ctx, field) : NULL;
  if (!s) {
    cql_expr_free(f);
    cql_expr_free(x);
    return NULL;
  }
  for (char *p = s; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  f->text = s;
  f->text_len = strlen(s);
  l = cql_b_list1(ctx, f);
  cql_b_list_add(ctx, &l, x);
  if (l.n != 2) {
    cql_expr_list_free(&l);
    return NULL;
  }
  return cql_b_call(ctx, name, l, false, false, rp);
}

cql_expr *cql_b_subquery(cql_ctx *ctx, cql_expr_kind kind, const cql_token *kw,
                         cql_expr *a, bool negated, cql_select *sub,
                         const cql_token *rp) {
  cql_expr *e = NULL;
  if (sub && (a || kind != CQL_E_IN))
    e = cql_b_node(ctx, kind, a ? a->pos : kw->pos, end_of(rp));
  if (!e) {
    cql_expr_free(a);
    cql_select_free(sub);
    return NULL;
  }
  e->a = a;
  e->negated = negated;
  e->sub = sub;
  return cql_b_close(ctx, e);
}

static cql_select *last_of(cql_select *s) {
  while (s->next)
    s = s->next;
  return s;
}

cql_select *cql_b_compound(cql_ctx *ctx, cql_select *head, cql_setopx op,
                           cql_select *next) {
  cql_select *last;
  if (!head || !next || ctx->rc != CREDO_OK) {
    cql_select_free(head);
    cql_select_free(next);
    return NULL;
  }
  last = last_of(head);
  if (last->n_order || last->limit || last->offset) {
    cql_ctx_error(ctx, op.pos,
                  "ORDER BY, LIMIT and OFFSET of a set operation go after its "
                  "last SELECT");
    cql_select_free(head);
    cql_select_free(next);
    return NULL;
  }
  next->setop = op.op;
  next->set_all = op.all;
  last->next = next;
  return head;
}

cql_select *cql_b_compound_end(cql_ctx *ctx, cql_select *head) {
  cql_select *last;
  if (!head)
    return NULL;
  last = last_of(head);
  head->set_order = last->order;
  head->n_set_order = last->n_order;
  head->set_limit = last->limit;
  head->set_offset = last->offset;
  last->order = NULL;
  last->n_order = 0;
  last->limit = last->offset = NULL;
  return head;
}

cql_stmt *cql_b_describe(cql_ctx *ctx, const cql_token *kw,
                         const cql_token *table) {
  static const char *const names[] = {"events", "subjects", "types",
                                      "versions"};
  cql_stmt *st;
  char *name = cql_b_ident(ctx, table);
  int t = 0;
  if (!name)
    return NULL;
  for (int i = 0; i < 4; i++)
    if (strcasecmp(names[i], name) == 0)
      t = i + 1;
  if (!t) {
    cql_ctx_error(ctx, table->pos,
                  "unknown table \"%s\" (tables: events, subjects, types, "
                  "versions)",
                  name);
    free(name);
    return NULL;
  }
  free(name);
  if (!(st = cql_b_stmt(ctx, CQL_DESCRIBE, kw)))
    return NULL;
  st->describe.table = (cql_table)t;
  st->end = table->pos.offset + table->n;
  return st;
}

cql_expr *cql_b_position(cql_ctx *ctx, const cql_token *name, cql_expr *sub,
                         cql_expr *s, const cql_token *rp) {
  cql_expr_list l = cql_b_list1(ctx, sub);
  cql_b_list_add(ctx, &l, s);
  if (l.n != 2) {
    cql_expr_list_free(&l);
    return NULL;
  }
  return cql_b_call(ctx, name, l, false, false, rp);
}
