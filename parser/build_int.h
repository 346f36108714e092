/*
 * build_int.h -- helpers shared by the AST builder files (build.c,
 * build_stmt.c, build_util.c); nothing outside parser/build*.c includes it.
 *
 * Every helper reports out-of-memory on the context (cql_ctx_nomem) and
 * returns NULL / false / a negative value; none takes ownership of its
 * arguments.
 */
#ifndef CQL_BUILD_INT_H
#define CQL_BUILD_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "build.h"

/* calloc(1, size) through CQL_CALLOC. */
void *cql_bx_calloc(cql_ctx *ctx, size_t size);
/* A NUL-terminated copy of s[0..n). */
char *cql_bx_dup(cql_ctx *ctx, const char *s, size_t n);
/* The input offset just past token t. */
size_t cql_bx_tok_end(const cql_token *t);
/* The body of a quoted token (quote char q at both ends, qq inside
 * standing for q), unescaped into a new string; its length in *len. */
char *cql_bx_unquote(cql_ctx *ctx, const cql_token *t, char q, size_t *len);
/* An identifier token as a new string ("quoted" ones unquoted). */
char *cql_bx_ident(cql_ctx *ctx, const cql_token *t);
/* Index of the identifier in names[] (case-insensitive), or -1; -2 when
 * out of memory. */
int cql_bx_ident_index(cql_ctx *ctx, const cql_token *t,
                       const char *const *names, int n);
/* Grows an array of `n` elements of `size` bytes so that one more fits
 * (capacity: the smallest power of two >= n). */
bool cql_bx_grow(cql_ctx *ctx, void **items, size_t n, size_t size);

#endif
