/*
 * build_util.c -- the small helpers of the AST builders: allocation with
 * the context's out-of-memory report, identifier and quoted-token
 * unescaping, array growth (declared in build_int.h).
 *
 * Invariants: every helper records out-of-memory on the context and
 * returns a failure value; none takes ownership of its arguments.
 *
 * Does not: build nodes (build.c, build_stmt.c, build_ax.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "build_int.h"

void *cql_bx_calloc(cql_ctx *ctx, size_t size) {
  void *p = CQL_CALLOC(1, size);
  if (!p)
    cql_ctx_nomem(ctx);
  return p;
}

char *cql_bx_dup(cql_ctx *ctx, const char *s, size_t n) {
  char *p = CQL_MALLOC(n + 1);
  if (!p) {
    cql_ctx_nomem(ctx);
    return NULL;
  }
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

size_t cql_bx_tok_end(const cql_token *t) {
  return t->pos.offset + t->n;
}

/* The body of a quoted token (quote char q at both ends, qq inside
 * standing for q), unescaped into a new string; its length in *len. */
char *cql_bx_unquote(cql_ctx *ctx, const cql_token *t, char q, size_t *len) {
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
char *cql_bx_ident(cql_ctx *ctx, const cql_token *t) {
  size_t len;
  if (t->n >= 2 && t->s[0] == '"')
    return cql_bx_unquote(ctx, t, '"', &len);
  return cql_bx_dup(ctx, t->s, t->n);
}

/* Index of cql_bx_ident(t) in names[] (case-insensitive), or -1; -2 when out of
 * memory. */
int cql_bx_ident_index(cql_ctx *ctx, const cql_token *t,
                       const char *const *names, int n) {
  char *s = cql_bx_ident(ctx, t);
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
bool cql_bx_grow(cql_ctx *ctx, void **items, size_t n, size_t size) {
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
