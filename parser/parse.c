/*
 * parse.c -- the CQL parse driver: cql_parse, cql_cursor_init,
 * cql_parse_next.
 *
 * Owns: running the lexer and the lemon parser over one statement at a
 * time. A statement ends at its ';' (which the parser never sees: the
 * driver feeds the end marker in its place) or at the end of the input.
 * Empty statements (a lone ';') are skipped.
 *
 * Invariants: the lexer never reads past the statement's ';' (later text,
 * even invalid, does not affect this statement); on any failure the partly
 * built tree is freed (lemon's destructors run in ParseFree), *out is NULL
 * and the cursor does not move; the parser state is local to each call.
 *
 * Does not: know what statements mean.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "build.h"
#include "cql.h"
#include "cql_parse.h"
#include "cql_lex.h"

/* The lemon parser (cql.y, generated into cql.c). */
void *cql_ParseAlloc(void *(*malloc_fn)(size_t));
void cql_Parse(void *parser, int major, cql_token minor, cql_ctx *ctx);
void cql_ParseFree(void *parser, void (*free_fn)(void *));

void cql_cursor_init(cql_cursor *c, const char *sql, size_t len) {
  c->sql = sql;
  c->len = sql ? len : 0;
  c->offset = 0;
  c->line = 1;
  c->column = 1;
}

/* lemon's allocator: the parser's, so fault injection reaches it too. */
static void *parser_malloc(size_t n) {
  return CQL_MALLOC(n);
}

/* Feeds one token (or the end marker, code 0) to the parser. */
static void feed(void *parser, cql_ctx *ctx, int code, const cql_token *t) {
  ctx->look = *t;
  cql_Parse(parser, code, *t, ctx);
}

/* Feeds the statement's end (its ';' or the end of input, token t of
 * lexer code `code`) to the parser. Returns the byte just past it. */
static const unsigned char *feed_end(void *parser, cql_ctx *ctx,
                                     const cql_lexer *lx, int code,
                                     const cql_token *t) {
  ctx->look_is_semi = code == CQL_TK_SEMI;
  ctx->look_is_end = code == CQL_LEX_END;
  feed(parser, ctx, 0, t);
  return code == CQL_TK_SEMI ? (const unsigned char *)t->s + 1 : lx->lim;
}

/* 1 when the token after the current one is `(` (the lexer state is
 * copied, so nothing moves; the lexer allocates nothing). */
static int next_is_lp(const cql_lexer *lx) {
  cql_lexer peek = *lx;
  cql_token t;
  return cql_lex(&peek, &t) == CQL_TK_LP;
}

/* Lexes and parses one statement from lx into ctx->result. Returns the
 * byte just past the statement's ';' or the end of input, or NULL on
 * failure (ctx->rc says why). When no statement remains, ctx->result is
 * NULL and the end of input is returned. *pparser is the lemon parser,
 * allocated at the statement's first token. */
static const unsigned char *parse_tokens(cql_lexer *lx, cql_ctx *ctx,
                                         void **pparser) {
  int code, prev = 0;
  cql_token t;
  for (;;) {
    code = cql_lex(lx, &t);
    if (code == CQL_LEX_ERROR) {
      cql_ctx_error(ctx, lx->err_pos, "%s", lx->err_msg);
      return NULL;
    }
    if (!*pparser && code == CQL_TK_SEMI)
      continue; /* empty statement */
    if (!*pparser && code == CQL_LEX_END)
      return lx->lim;
    ctx->look = t;
    if (!*pparser && !(*pparser = cql_ParseAlloc(parser_malloc))) {
      cql_ctx_nomem(ctx);
      return NULL;
    }
    if (code == CQL_TK_SEMI || code == CQL_LEX_END)
      return feed_end(*pparser, ctx, lx, code, &t);
    if (prev == CQL_TK_DOT && t.word)
      code = CQL_TK_ID; /* data.<keyword> is a path segment */
    else if ((code == CQL_TK_EXTRACT || code == CQL_TK_POSITION) &&
             !next_is_lp(lx))
      code = CQL_TK_ID; /* a column named like the special function */
    feed(*pparser, ctx, code, &t);
    if (ctx->rc != CREDO_OK)
      return NULL;
    ctx->prev_end = t.pos.offset + t.n;
    ctx->prev = t;
    ctx->prev2_code = ctx->prev_code;
    ctx->prev_code = prev = code;
  }
}

/* parse_tokens, then frees the parser (running lemon's destructors on
 * whatever a failure left on its stack) and, on failure, the result. */
static const unsigned char *parse_one(cql_lexer *lx, cql_ctx *ctx) {
  void *parser = NULL;
  const unsigned char *after = parse_tokens(lx, ctx, &parser);
  if (parser)
    cql_ParseFree(parser, free);
  if (ctx->rc != CREDO_OK) {
    cql_stmt_free(ctx->result);
    ctx->result = NULL;
    return NULL;
  }
  return after;
}

/* The names of the :name parameters, copied; NULL when out of memory. */
static char **param_names(const cql_lexer *lx) {
  char **v = CQL_CALLOC((size_t)lx->n_names + 1, sizeof *v);
  for (int i = 0; v && i < lx->n_names; i++) {
    if (!(v[i] = CQL_MALLOC(lx->names[i].n + 1))) {
      for (int k = 0; k < i; k++)
        free(v[k]);
      free(v);
      return NULL;
    }
    memcpy(v[i], lx->names[i].p, lx->names[i].n);
    v[i][lx->names[i].n] = '\0';
  }
  return v;
}

int cql_parse_next(cql_cursor *c, cql_stmt **out, cql_error *err) {
  cql_error scratch;
  cql_lexer lx;
  cql_ctx ctx;
  const unsigned char *after;
  cql_pos end;
  if (!err)
    err = &scratch;
  memset(err, 0, sizeof *err);
  *out = NULL;
  if (!c->sql || c->offset >= c->len) {
    c->offset = c->len;
    return CREDO_OK;
  }
  memset(&ctx, 0, sizeof ctx);
  ctx.base = c->sql;
  ctx.err = err;
  cql_lexer_init(&lx, c->sql, c->offset, c->len - c->offset, c->line,
                 c->column);
  after = parse_one(&lx, &ctx);
  if (!after)
    return ctx.rc;
  if (ctx.result) {
    ctx.result->n_params = lx.n_params;
    if (lx.n_names && !(ctx.result->param_names = param_names(&lx))) {
      cql_stmt_free(ctx.result);
      cql_ctx_nomem(&ctx);
      return ctx.rc;
    }
  }
  end = cql_lexer_pos(&lx, after);
  c->offset = end.offset;
  c->line = end.line;
  c->column = end.column;
  *out = ctx.result;
  return CREDO_OK;
}

int cql_parse(const char *sql, size_t len, cql_stmt **out, size_t *consumed,
              cql_error *err) {
  cql_cursor c;
  int rc;
  cql_cursor_init(&c, sql, len);
  rc = cql_parse_next(&c, out, err);
  if (consumed)
    *consumed = rc == CREDO_OK ? c.offset : 0;
  return rc;
}
