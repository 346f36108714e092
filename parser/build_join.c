/*
 * build_join.c -- builders for the tables of FROM (issue 15): table
 * aliases, per-table AS OF / VISIBLE AT / INCLUDE, [INNER | LEFT [OUTER]]
 * JOIN ... ON, and `q.*` in the select list.
 *
 * Invariants: s->from[0] always describes the first table (s->table,
 * s->table_pos); aliases (or table names, for tables without one) are
 * unique within a SELECT; JOINs come before WHERE / GROUP BY / ...; for a
 * one-table SELECT the first table's temporal clauses live on the
 * statement (from0_moved remembers which, so a JOIN can give them back to
 * the table they were written after).
 *
 * Does not: resolve column names or qualifiers (the engine does, with the
 * whole FROM in view) or check roles.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "build_int.h"

enum { MOVED_AS_OF = 1, MOVED_VIS = 2, MOVED_HIDDEN = 4, MOVED_RETR = 8 };

cql_fromx cql_b_from_table(cql_ctx *ctx, const cql_token *t) {
  cql_fromx x;
  int c = cql_b_cte_find(ctx, t);
  memset(&x, 0, sizeof x);
  x.name = *t;
  x.f.pos = t->pos;
  if (ctx->rc == CREDO_OK)
    x.f.table = (cql_table)cql_b_table_of(ctx, t);
  if (c >= 0 && ctx->rc == CREDO_OK) { /* a WITH name: its body, borrowed */
    x.f.sub = ctx->ctes[c].sel;
    x.f.sub_borrowed = true;
    x.f.alias = cql_bx_dup(ctx, ctx->ctes[c].name, strlen(ctx->ctes[c].name));
  }
  return x;
}

cql_fromx cql_b_from_sub(cql_ctx *ctx, const cql_token *lp, cql_select *sub) {
  cql_fromx x;
  memset(&x, 0, sizeof x);
  x.name = *lp;
  x.f.pos = lp->pos;
  if (!sub || ctx->rc != CREDO_OK) {
    cql_select_free(sub);
    return x;
  }
  if (sub->next) {
    cql_ctx_error(ctx, lp->pos,
                  "a subquery in FROM is one SELECT (no UNION / EXCEPT / "
                  "INTERSECT); use WITH for a set operation");
    cql_select_free(sub);
    return x;
  }
  x.f.table = CQL_TABLE_SUB;
  x.f.sub = sub;
  return x;
}

/* ------------------------------------------------------------- WITH */

int cql_b_cte_find(cql_ctx *ctx, const cql_token *t) {
  for (size_t i = 0; i < ctx->n_ctes; i++) {
    const char *n = ctx->ctes[i].name;
    size_t len = strlen(n);
    if (t->n == len && strncasecmp(t->s, n, len) == 0)
      return (int)i;
  }
  return -1;
}

void cql_b_cte_add(cql_ctx *ctx, cql_ctelist *l, const cql_token *name,
                   cql_select *sel) {
  cql_cte c = {NULL, name->pos, sel};
  if (!sel || ctx->rc != CREDO_OK)
    goto fail;
  if (cql_b_cte_find(ctx, name) >= 0) {
    cql_ctx_error(ctx, name->pos, "WITH name \"%.*s\" is defined twice",
                  (int)name->n, name->s);
    goto fail;
  }
  if (sel->next) {
    cql_ctx_error(ctx, name->pos,
                  "a WITH query is one SELECT (no UNION / EXCEPT / "
                  "INTERSECT inside it)");
    goto fail;
  }
  if (!(c.name = cql_bx_ident(ctx, name)) ||
      !cql_bx_grow(ctx, (void **)&l->items, l->n, sizeof *l->items))
    goto fail;
  l->items[l->n++] = c;
  ctx->ctes = l->items; /* FROM of what follows finds the names */
  ctx->n_ctes = l->n;
  return;
fail:
  free(c.name);
  cql_select_free(sel);
}

cql_ctelist cql_b_cte(cql_ctx *ctx, const cql_token *name, cql_select *sel) {
  cql_ctelist l = {NULL, 0};
  cql_b_cte_add(ctx, &l, name, sel);
  return l;
}

void cql_b_ctelist_free(cql_ctx *ctx, cql_ctelist *l) {
  for (size_t i = 0; i < l->n; i++) {
    free(l->items[i].name);
    cql_select_free(l->items[i].sel);
  }
  free(l->items);
  if (ctx->ctes == l->items) {
    ctx->ctes = NULL;
    ctx->n_ctes = 0;
  }
  l->items = NULL;
  l->n = 0;
}

cql_select *cql_b_with(cql_ctx *ctx, cql_ctelist *l, cql_select *s) {
  if (!s || ctx->rc != CREDO_OK) {
    cql_b_ctelist_free(ctx, l);
    cql_select_free(s);
    return NULL;
  }
  s->ctes = l->items;
  s->n_ctes = l->n;
  l->items = NULL;
  l->n = 0;
  return s;
}

void cql_b_fromx_clear(cql_fromx *x) {
  free(x->f.alias);
  cql_expr_free(x->f.on);
  cql_expr_free(x->f.as_of);
  cql_expr_free(x->f.visible_at);
  if (!x->f.sub_borrowed)
    cql_select_free(x->f.sub);
  memset(&x->f, 0, sizeof x->f);
}

static bool word_is(const cql_token *t, const char *w) {
  return t->n == strlen(w) && strncasecmp(t->s, w, t->n) == 0;
}

void cql_b_from_alias(cql_ctx *ctx, cql_fromx *x, const cql_token *alias) {
  if (ctx->rc != CREDO_OK)
    return;
  if (word_is(alias, "right")) {
    cql_ctx_error(ctx, alias->pos,
                  "RIGHT JOIN is not supported; swap the tables and use "
                  "LEFT JOIN");
    return;
  }
  if (word_is(alias, "full")) {
    cql_ctx_error(ctx, alias->pos,
                  "FULL JOIN is not supported; use a LEFT JOIN, and UNION "
                  "it with the rows of the other table that have no match "
                  "(WHERE NOT EXISTS / NOT IN)");
    return;
  }
  if (word_is(alias, "cross") || word_is(alias, "natural")) {
    cql_ctx_error(ctx, alias->pos,
                  "%s JOIN is not supported; write JOIN ... ON with the "
                  "condition that relates the tables",
                  word_is(alias, "cross") ? "CROSS" : "NATURAL");
    return;
  }
  free(x->f.alias);
  x->f.alias = cql_bx_ident(ctx, alias);
}

void cql_b_from_clause(cql_ctx *ctx, cql_fromx *x, enum cql_clause cl,
                       const cql_token *kw, cql_expr *e) {
  bool dup = cl == CQL_CL_AS_OF        ? x->f.as_of != NULL
             : cl == CQL_CL_VISIBLE_AT ? x->f.visible_at != NULL
             : cl == CQL_CL_HIDDEN     ? x->f.include_hidden
                                       : x->f.include_retracted;
  if (ctx->rc != CREDO_OK || dup) {
    if (dup)
      cql_ctx_error(ctx, kw->pos, "duplicate %s clause",
                    cl == CQL_CL_AS_OF        ? "AS OF"
                    : cl == CQL_CL_VISIBLE_AT ? "VISIBLE AT"
                    : cl == CQL_CL_HIDDEN     ? "INCLUDE HIDDEN"
                                              : "INCLUDE RETRACTED");
    cql_expr_free(e);
    return;
  }
  if (cl == CQL_CL_AS_OF)
    x->f.as_of = e;
  else if (cl == CQL_CL_VISIBLE_AT)
    x->f.visible_at = e;
  else if (cl == CQL_CL_HIDDEN)
    x->f.include_hidden = true;
  else
    x->f.include_retracted = true;
}

/* Appends x->f to s->from (taking it); false after an error. */
static bool from_add(cql_ctx *ctx, cql_select *s, cql_fromx *x) {
  const char *name;
  if (x->f.table == CQL_TABLE_SUB && !x->f.alias) {
    cql_ctx_error(ctx, x->f.pos,
                  "a subquery in FROM needs an alias: (SELECT ...) AS name");
    return false;
  }
  name = x->f.alias ? x->f.alias : cql_table_name(x->f.table);
  for (size_t i = 0; i < s->n_from; i++) {
    const cql_from *o = &s->from[i];
    const char *on = o->alias ? o->alias : cql_table_name(o->table);
    if (strcasecmp(on, name) == 0) {
      cql_ctx_error(ctx, x->f.alias ? x->f.pos : x->name.pos,
                    "table name \"%s\" is used twice in FROM; give one of "
                    "them an alias (FROM events e1 JOIN events e2 ON ...)",
                    name);
      return false;
    }
  }
  if (!cql_bx_grow(ctx, (void **)&s->from, s->n_from, sizeof *s->from))
    return false;
  s->from[s->n_from++] = x->f;
  memset(&x->f, 0, sizeof x->f);
  return true;
}

cql_select *cql_b_select_from(cql_ctx *ctx, cql_select *s, cql_fromx *x) {
  cql_from *f;
  if (!s || ctx->rc != CREDO_OK || !from_add(ctx, s, x)) {
    cql_b_fromx_clear(x);
    return s;
  }
  f = &s->from[0];
  /* one table: its clauses are the statement's (the AST of a plain
   * SELECT stays what it was); a JOIN gives them back */
  if (f->as_of) {
    s->as_of = f->as_of;
    f->as_of = NULL;
    s->from0_moved |= MOVED_AS_OF;
  }
  if (f->visible_at) {
    s->visible_at = f->visible_at;
    f->visible_at = NULL;
    s->from0_moved |= MOVED_VIS;
  }
  if (f->include_hidden) {
    s->include_hidden = true;
    f->include_hidden = false;
    s->from0_moved |= MOVED_HIDDEN;
  }
  if (f->include_retracted) {
    s->include_retracted = true;
    f->include_retracted = false;
    s->from0_moved |= MOVED_RETR;
  }
  return s;
}

/* The first JOIN: the clauses moved to the statement go back to from[0]. */
static void give_back(cql_select *s) {
  cql_from *f = &s->from[0];
  if (s->from0_moved & MOVED_AS_OF) {
    f->as_of = s->as_of;
    s->as_of = NULL;
  }
  if (s->from0_moved & MOVED_VIS) {
    f->visible_at = s->visible_at;
    s->visible_at = NULL;
  }
  if (s->from0_moved & MOVED_HIDDEN) {
    f->include_hidden = true;
    s->include_hidden = false;
  }
  if (s->from0_moved & MOVED_RETR) {
    f->include_retracted = true;
    s->include_retracted = false;
  }
  s->from0_moved = 0;
}

void cql_b_join(cql_ctx *ctx, cql_select *s, cql_join_kind kind,
                const cql_token *kw, cql_fromx *x, cql_expr *on) {
  if (!s || !on || ctx->rc != CREDO_OK)
    goto fail;
  if (s->where || s->group_by.n || s->having || s->n_order || s->limit ||
      s->offset) {
    cql_ctx_error(ctx, kw->pos,
                  "JOIN must come right after FROM, before WHERE, GROUP BY, "
                  "ORDER BY and LIMIT");
    goto fail;
  }
  x->f.join = kind;
  x->f.join_pos = kw->pos;
  x->f.on = on;
  on = NULL;
  if (s->n_from == 1)
    give_back(s);
  if (from_add(ctx, s, x))
    return;
fail:
  cql_expr_free(on);
  cql_b_fromx_clear(x);
}

void cql_b_item_qual(cql_ctx *ctx, cql_item_list *l, cql_pathx *q) {
  cql_select_item *it;
  if (ctx->rc == CREDO_OK && l->n && q->p.n != 1)
    cql_ctx_error(ctx, q->pos, "expected a table alias before .*");
  if (ctx->rc != CREDO_OK || !l->n) {
    cql_path_free(&q->p);
    return;
  }
  it = &l->items[l->n - 1];
  it->pos = q->pos;
  it->qual = q->p.segs[0];
  q->p.segs[0] = NULL;
  cql_path_free(&q->p);
}
