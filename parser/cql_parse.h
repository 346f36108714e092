/*
 * cql_parse.h -- the entry point of the CQL front end: text in, AST out.
 *
 * The parser is reentrant and keeps no global state: any number of threads
 * may parse at once. It knows nothing of storage or the engine; it checks
 * syntax only (including literal ranges, duplicate clauses and names of
 * tables, subject kinds and roles).
 */
#ifndef CQL_PARSE_H
#define CQL_PARSE_H

#include <stddef.h>

#include "ast.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where and what went wrong. msg is the full sentence, prefixed with the
 * position: `line 2, column 17: syntax error near "FORM"`. line / column
 * are 1-based (column in characters), offset is 0-based in bytes. */
typedef struct cql_error {
  int line;
  int column;
  size_t offset;
  char msg[256];
} cql_error;

/* Parses the FIRST statement of `sql` (`len` bytes, need not be
 * NUL-terminated).
 *  - On success returns CREDO_OK, *out is the statement (caller frees with
 *    cql_stmt_free) and *consumed the number of bytes up to and including
 *    its ';' (all of the input when the last statement has no ';').
 *  - When only blanks, comments and empty statements (`;`) remain, returns
 *    CREDO_OK with *out = NULL and *consumed = len.
 *  - On failure returns CREDO_SYNTAX (or CREDO_NOMEM), *out = NULL,
 *    *consumed = 0 and *err says what and where.
 * `consumed` and `err` may be NULL. Positions are relative to `sql`. */
int cql_parse(const char *sql, size_t len, cql_stmt **out, size_t *consumed,
              cql_error *err);

/* A cursor over a script of several statements, so that positions (AST
 * and errors) stay relative to the whole script. */
typedef struct cql_cursor {
  const char *sql; /* the script */
  size_t len;      /* its length in bytes */
  size_t offset;   /* where the next statement starts */
  int line;        /* line and column at offset */
  int column;
} cql_cursor;

/* Starts a cursor at the beginning of `sql`. */
void cql_cursor_init(cql_cursor *c, const char *sql, size_t len);

/* Parses the next statement at c->offset, like cql_parse, and moves the
 * cursor past it on success. Returns CREDO_OK with *out = NULL at the end of
 * the script. On failure the cursor does not move. */
int cql_parse_next(cql_cursor *c, cql_stmt **out, cql_error *err);

#ifdef __cplusplus
}
#endif
#endif /* CQL_PARSE_H */
