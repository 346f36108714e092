/*
 * build_win.c -- AST builders for window function calls:
 * `f(...) [FILTER (WHERE ...)] OVER ([PARTITION BY ...] [ORDER BY ...])`,
 * and the clear refusals of what CQL does not have (explicit frames
 * `ROWS` / `RANGE` / `GROUPS`, named windows `OVER w` and `WINDOW w AS`).
 *
 * Invariants: as build.c -- every builder owns its arguments (also on
 * failure), does nothing after an earlier error (the first error is kept
 * on the context) and sets each node's span from its first to its last
 * token; a window's expressions count in the height of its call.
 *
 * Does not: know which functions may be window functions (the executor
 * checks names and arguments) or evaluate anything.
 */
#include <stdlib.h>

#include "alloc.h"
#include "build.h"

cql_window *cql_b_window(cql_ctx *ctx, const cql_token *over) {
  cql_window *w;
  if (ctx->rc != CREDO_OK)
    return NULL;
  if (!(w = calloc(1, sizeof *w))) {
    cql_ctx_error(ctx, over->pos, "out of memory");
    return NULL;
  }
  w->pos = over->pos;
  return w;
}

void cql_b_window_part(cql_ctx *ctx, cql_window *w, const cql_token *kw,
                       cql_expr_list l) {
  if (ctx->rc == CREDO_OK && w && (w->partition.n || w->n_order))
    cql_ctx_error(ctx, kw->pos,
                  w->n_order ? "PARTITION BY must come before ORDER BY in a "
                               "window"
                             : "PARTITION BY given twice in a window");
  if (ctx->rc != CREDO_OK || !w) {
    cql_expr_list_free(&l);
    return;
  }
  w->partition = l;
}

void cql_b_window_order(cql_ctx *ctx, cql_window *w, const cql_token *kw,
                        cql_order_list l) {
  if (ctx->rc == CREDO_OK && w && w->n_order)
    cql_ctx_error(ctx, kw->pos, "ORDER BY given twice in a window");
  if (ctx->rc != CREDO_OK || !w) {
    cql_order_list_free(&l);
    return;
  }
  w->order = l.items;
  w->n_order = l.n;
}

void cql_b_window_frame(cql_ctx *ctx, const cql_token *kw) {
  cql_ctx_error(ctx, kw->pos,
                "window frames (%.*s ...) are not supported; a window with "
                "ORDER BY runs from the start of its partition to the current "
                "row and its peers, one without ORDER BY spans the whole "
                "partition",
                (int)kw->n, kw->s);
}

void cql_b_window_named(cql_ctx *ctx, const cql_token *kw) {
  cql_ctx_error(ctx, kw->pos,
                "named windows are not supported; write the window in "
                "place: OVER (PARTITION BY ... ORDER BY ...)");
}

static int height_of(const cql_window *w) {
  int h = 0;
  for (size_t i = 0; i < w->partition.n; i++)
    if (w->partition.items[i]->height > h)
      h = w->partition.items[i]->height;
  for (size_t i = 0; i < w->n_order; i++)
    if (w->order[i].expr->height > h)
      h = w->order[i].expr->height;
  return h;
}

cql_expr *cql_b_over(cql_ctx *ctx, cql_expr *call, cql_window *w,
                     const cql_token *rp) {
  if (!call || !w || ctx->rc != CREDO_OK) {
    cql_expr_free(call);
    cql_window_free(w);
    return NULL;
  }
  call->over = w;
  call->end = rp->pos.offset + rp->n;
  if (height_of(w) + 1 > call->height)
    call->height = height_of(w) + 1;
  if (call->height > CQL_MAX_DEPTH) {
    cql_ctx_error(ctx, call->pos, "expression nested too deeply (limit %d)",
                  CQL_MAX_DEPTH);
    cql_expr_free(call);
    return NULL;
  }
  return call;
}
