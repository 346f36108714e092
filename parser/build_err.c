/*
 * build_err.c -- recording errors in the parse context, and the text of
 * syntax errors: the token at fault, a "did you mean" for a misspelt
 * clause keyword (FORM -> FROM, also when the misspelling was first read
 * as an implicit alias), and a clear message for SQL that CQL does not
 * have (RIGHT / FULL / CROSS joins, WITH, window functions).
 *
 * Invariants: only the first error of a statement is kept (ctx->rc and
 * ctx->err); every message carries the position of the token it names.
 *
 * Does not: build nodes (build.c) or decide what is a syntax error (the
 * grammar does; lemon calls cql_ctx_syntax_error).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "build.h"
#include "cql.h"

/* ---------------------------------------------------------------- errors */

void cql_error_set(cql_error *err, cql_pos pos, const char *fmt, va_list ap) {
  char what[200];
  vsnprintf(what, sizeof what, fmt, ap);
  err->line = pos.line;
  err->column = pos.column;
  err->offset = pos.offset;
  snprintf(err->msg, sizeof err->msg, "line %d, column %d: %s", pos.line,
           pos.column, what);
}

static void ctx_fail(cql_ctx *ctx, int rc, cql_pos pos, const char *fmt,
                     va_list ap) {
  if (ctx->rc != CREDO_OK)
    return;
  ctx->rc = rc;
  cql_error_set(ctx->err, pos, fmt, ap);
}

void cql_ctx_error(cql_ctx *ctx, cql_pos pos, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ctx_fail(ctx, CREDO_SYNTAX, pos, fmt, ap);
  va_end(ap);
}

static void ctx_nomem_at(cql_ctx *ctx, cql_pos pos, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ctx_fail(ctx, CREDO_NOMEM, pos, fmt, ap);
  va_end(ap);
}

void cql_ctx_nomem(cql_ctx *ctx) {
  ctx_nomem_at(ctx, ctx->look.pos, "out of memory");
}

/* A clause keyword that the identifier t misspells (one edit or one
 * swap of neighbours away, case-insensitively), or NULL. `SELECT id FORM
 * events` reads FORM as an implicit alias, so the error comes one token
 * later; this points back at the real culprit. */
static const char *misspelt_clause(const cql_token *t) {
  static const char *const kws[] = {"FROM",   "WHERE", "GROUP", "ORDER",
                                    "HAVING", "LIMIT", "OFFSET"};
  char w[16];
  size_t n = t->n;
  if (n < 3 || n >= sizeof w)
    return NULL;
  for (size_t i = 0; i < n; i++)
    w[i] = (char)(t->s[i] >= 'a' && t->s[i] <= 'z' ? t->s[i] - 32 : t->s[i]);
  w[n] = 0;
  for (size_t k = 0; k < sizeof kws / sizeof *kws; k++) {
    const char *kw = kws[k];
    size_t m = strlen(kw), i = 0;
    if (m == n) {
      size_t diff = 0, first = 0;
      for (i = 0; i < n; i++)
        if (w[i] != kw[i] && diff++ == 0)
          first = i;
      if (diff == 1 || (diff == 2 && first + 1 < n &&
                        w[first] == kw[first + 1] && w[first + 1] == kw[first]))
        return kw;
    } else if (m == n + 1 || n == m + 1) { /* one letter missing / extra */
      const char *lo = m < n ? kw : w, *hi = m < n ? w : kw;
      size_t j = 0, skips = 0;
      for (i = 0; hi[i] && skips < 2; i++)
        if (lo[j] == hi[i])
          j++;
        else
          skips++;
      if (skips <= 1 && !lo[j])
        return kw;
    }
  }
  return NULL;
}

/* 1 when word token t spells w (case-insensitively). */
static bool word_is(const cql_token *t, const char *w) {
  return t->word && t->n == strlen(w) && strncasecmp(t->s, w, t->n) == 0;
}

/* A clear message for SQL that CQL does not have yet, or NULL. */
static const char *unsupported(cql_ctx *ctx, const cql_token *t) {
  if (word_is(t, "RIGHT"))
    return "RIGHT JOIN is not supported; swap the tables and use LEFT JOIN";
  if (word_is(t, "FULL"))
    return "FULL JOIN is not supported; use a LEFT JOIN, and UNION it with "
           "the rows of the other table that have no match (WHERE NOT "
           "EXISTS / NOT IN)";
  if (word_is(t, "CROSS") || word_is(t, "NATURAL"))
    return "this JOIN is not supported; write JOIN ... ON with the "
           "condition that relates the tables";
  return NULL;
}

void cql_ctx_syntax_error(cql_ctx *ctx, int major, const cql_token *t) {
  size_t cut;
  const char *kw;
  if (major == CQL_TK_ID && t->word && (kw = misspelt_clause(t)) != NULL) {
    cql_ctx_error(ctx, t->pos, "syntax error near \"%.*s\" (did you mean %s?)",
                  (int)t->n, t->s, kw);
    return;
  }
  if (ctx->prev_code == CQL_TK_ID && ctx->prev.word &&
      (kw = misspelt_clause(&ctx->prev)) != NULL) {
    cql_ctx_error(ctx, ctx->prev.pos,
                  "syntax error near \"%.*s\" (did you mean %s?)",
                  (int)ctx->prev.n, ctx->prev.s, kw);
    return;
  }
  if (ctx->prev2_code == CQL_TK_WITH && word_is(&ctx->prev, "RECURSIVE")) {
    cql_ctx_error(ctx, ctx->prev.pos,
                  "WITH RECURSIVE is not supported; WITH names non-recursive "
                  "queries only");
    return;
  }
  if (major != 0 && !ctx->look_is_semi && !ctx->look_is_end &&
      (kw = unsupported(ctx, t)) != NULL) {
    cql_ctx_error(ctx, t->pos, "%s", kw);
    return;
  }
  if (major == 0 || ctx->look_is_semi || ctx->look_is_end) {
    if (ctx->look_is_semi)
      cql_ctx_error(ctx, ctx->look.pos, "syntax error near \";\"");
    else
      cql_ctx_error(ctx, ctx->look.pos,
                    "syntax error: unexpected end of input");
    return;
  }
  cut = t->n;
  if (cut > 40) {
    cut = 40;
    while (cut > 0 && ((unsigned char)t->s[cut] & 0xC0) == 0x80)
      cut--;
  }
  cql_ctx_error(ctx, t->pos, "syntax error near \"%.*s%s\"", (int)cut, t->s,
                cut < t->n ? "..." : "");
}
