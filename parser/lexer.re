/*
 * lexer.re -- the CQL tokenizer; re2c turns it into $(BUILD)/gen/lexer.c.
 *
 * Owns: turning bytes into tokens (cql_token), UTF-8 validation of the
 * whole input (comments and strings included), line / column tracking,
 * integer / decimal literal conversion with range checks, and the
 * recognition of JSON literals (a `{` or `[` starts one; the JSON is fully
 * validated here and handed on as one CQL_TK_JSON token holding its text).
 *
 * Invariants: the input is (pointer, length) and is never read at or past
 * `lim` (re2c's generic API with YYPEEK returning the 0 sentinel there and
 * the eof rule telling the real end from a NUL byte). NUL bytes are errors.
 * The lexer allocates nothing and keeps all state in its cql_lexer.
 *
 * Does not: know the grammar (keywords map to lemon's token codes, nothing
 * more), unescape strings (the builders do), or own any memory.
 */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cql.h"
#include "cql_lex.h"

#define JSON_MAX_DEPTH 256
#define REAL_MAX_LEN 128

/*!re2c
  re2c:api = custom;
  re2c:api:style = free-form;
  re2c:define:YYCTYPE = "unsigned char";
  re2c:define:YYPEEK = "(cur < lim ? *cur : 0)";
  re2c:define:YYSKIP = "++cur;";
  re2c:define:YYBACKUP = "mar = cur;";
  re2c:define:YYRESTORE = "cur = mar;";
  re2c:define:YYLESSTHAN = "(lim - cur) < @@{len}";
  re2c:yyfill:enable = 0;
  re2c:eof = 0;
  re2c:indent:string = "  ";
  re2c:flags:case-ranges = 1;

  cont   = [\x80-\xbf];
  u8m    = [\xc2-\xdf] cont
         | [\xe0] [\xa0-\xbf] cont
         | [\xe1-\xec] cont cont
         | [\xed] [\x80-\x9f] cont
         | [\xee-\xef] cont cont
         | [\xf0] [\x90-\xbf] cont cont
         | [\xf1-\xf3] cont cont cont
         | [\xf4] [\x80-\x8f] cont cont;
  dec    = [0-9]+;
  exp    = [eE] [+-]? dec;
  real   = dec "." [0-9]* exp? | "." dec exp? | dec exp;
  hex    = [0-9a-fA-F];
  hi     = [dD] [89abAB] hex hex;
  lo     = [dD] [c-fC-F] hex hex;
  nonsur = [0-9a-cA-CefEF] hex hex hex | [dD] [0-7] hex hex;
*/

void cql_lexer_init(cql_lexer *lx, const char *base, size_t start, size_t len,
                    int line, int column) {
  memset(lx, 0, sizeof *lx);
  lx->base = (const unsigned char *)base;
  lx->cur = lx->base + start;
  lx->lim = lx->cur + len;
  lx->at = lx->cur;
  lx->pos.line = line;
  lx->pos.column = column;
  lx->pos.offset = start;
}

cql_pos cql_lexer_pos(cql_lexer *lx, const unsigned char *p) {
  const unsigned char *q;
  for (q = lx->at; q < p; q++) {
    if (*q == '\n') {
      lx->pos.line++;
      lx->pos.column = 1;
    } else if ((*q & 0xC0) != 0x80) {
      lx->pos.column++;
    }
  }
  lx->at = p;
  lx->pos.offset = (size_t)(p - lx->base);
  return lx->pos;
}

/* Records an error at byte p; always returns CQL_LEX_ERROR. */
static int lex_error(cql_lexer *lx, const unsigned char *p, const char *fmt,
                     ...) __attribute__((format(printf, 3, 4)));
static int lex_error(cql_lexer *lx, const unsigned char *p, const char *fmt,
                     ...) {
  va_list ap;
  lx->err_pos = cql_lexer_pos(lx, p);
  va_start(ap, fmt);
  vsnprintf(lx->err_msg, sizeof lx->err_msg, fmt, ap);
  va_end(ap);
  return CQL_LEX_ERROR;
}

/* The error for byte *p where no valid character starts. */
static int bad_byte(cql_lexer *lx, const unsigned char *p, const char *where) {
  if (*p == 0)
    return lex_error(lx, p, "unexpected NUL byte%s", where);
  return lex_error(lx, p, "invalid UTF-8 byte 0x%02x%s", *p, where);
}

static int emit(cql_lexer *lx, cql_token *t, const unsigned char *tok,
                const unsigned char *cur, int code);

/* $1, $2, ... (PostgreSQL's): parameter number n; the statement has as
 * many parameters as its highest number. */
static int numbered_param(cql_lexer *lx, cql_token *t,
                          const unsigned char *tok, const unsigned char *cur) {
  long n = 0;
  for (const unsigned char *p = tok + 1; p < cur; p++)
    if ((n = n * 10 + (*p - '0')) > 65535)
      return lex_error(lx, tok, "parameter number too large");
  if (lx->param_style && lx->param_style != '$')
    return lex_error(lx, tok, "do not mix $n with ? or :name parameters");
  lx->param_style = '$';
  emit(lx, t, tok, cur, CQL_TK_PARAM);
  t->ival = n;
  if (n > lx->n_params)
    lx->n_params = (int)n;
  return CQL_TK_PARAM;
}

/* :name: the same name is the same parameter; names are numbered in order
 * of first appearance (credo_bind_parameter_index finds them). */
static int named_param(cql_lexer *lx, cql_token *t, const unsigned char *tok,
                       const unsigned char *cur) {
  size_t n = (size_t)(cur - tok);
  int i;
  if (lx->param_style && lx->param_style != ':')
    return lex_error(lx, tok, "do not mix :name with ? or $n parameters");
  lx->param_style = ':';
  for (i = 0; i < lx->n_names; i++)
    if (lx->names[i].n == n && memcmp(lx->names[i].p, tok, n) == 0)
      break;
  if (i == lx->n_names) {
    if (i == CQL_MAX_NAMED)
      return lex_error(lx, tok, "too many named parameters (at most %d)",
                       CQL_MAX_NAMED);
    lx->names[i].p = (const char *)tok;
    lx->names[i].n = n;
    lx->n_names++;
    lx->n_params++;
  }
  emit(lx, t, tok, cur, CQL_TK_PARAM);
  t->ival = i + 1;
  return CQL_TK_PARAM;
}

/* Fills *t with the token [tok, cur) of code `code` and moves past it. */
static int emit(cql_lexer *lx, cql_token *t, const unsigned char *tok,
                const unsigned char *cur, int code) {
  t->s = (const char *)tok;
  t->n = (size_t)(cur - tok);
  t->pos = cql_lexer_pos(lx, tok);
  t->ival = 0;
  t->rval = 0;
  t->word = false;
  lx->cur = cur;
  return code;
}

static int emit_word(cql_lexer *lx, cql_token *t, const unsigned char *tok,
                     const unsigned char *cur, int code) {
  emit(lx, t, tok, cur, code);
  t->word = true;
  return code;
}

static int emit_unit(cql_lexer *lx, cql_token *t, const unsigned char *tok,
                     const unsigned char *cur, enum cql_unit u) {
  emit_word(lx, t, tok, cur, CQL_TK_UNIT);
  t->ival = u;
  return CQL_TK_UNIT;
}

/* An integer literal [tok, cur): digits only; must fit in int64. */
static int emit_int(cql_lexer *lx, cql_token *t, const unsigned char *tok,
                    const unsigned char *cur) {
  uint64_t v = 0;
  const unsigned char *p;
  for (p = tok; p < cur; p++) {
    unsigned d = (unsigned)(*p - '0');
    if (v > ((uint64_t)INT64_MAX - d) / 10)
      return lex_error(lx, tok, "integer literal out of range");
    v = v * 10 + d;
  }
  emit(lx, t, tok, cur, CQL_TK_INTEGER);
  t->ival = (int64_t)v;
  return CQL_TK_INTEGER;
}

/* A decimal literal [tok, cur), converted with strtod whatever the locale's
 * decimal point is. */
static int emit_real(cql_lexer *lx, cql_token *t, const unsigned char *tok,
                     const unsigned char *cur) {
  char buf[REAL_MAX_LEN + 8];
  const char *dp = localeconv()->decimal_point;
  size_t dpn = strlen(dp), j = 0;
  const unsigned char *p;
  double v;
  if ((size_t)(cur - tok) > REAL_MAX_LEN || dpn == 0 || dpn > 4)
    return lex_error(lx, tok, "numeric literal too long");
  for (p = tok; p < cur; p++) {
    if (*p == '.') {
      memcpy(buf + j, dp, dpn);
      j += dpn;
    } else {
      buf[j++] = (char)*p;
    }
  }
  buf[j] = 0;
  v = strtod(buf, NULL);
  if (!isfinite(v))
    return lex_error(lx, tok, "numeric literal out of range");
  emit(lx, t, tok, cur, CQL_TK_REAL);
  t->rval = v;
  return CQL_TK_REAL;
}

/* Skips a block comment starting at tok; *pcur is just past its opener. */
static int skip_comment(cql_lexer *lx, const unsigned char *tok,
                        const unsigned char **pcur) {
  const unsigned char *cur = *pcur, *lim = lx->lim, *mar, *p;
  for (;;) {
    p = cur;
    /*!re2c
      "*" "/"                          { *pcur = cur; return 0; }
      ([\x01-\x29\x2b-\x7f] | u8m)+  { continue; }
      "*"                              { continue; }
      $ { return lex_error(lx, tok, "unterminated comment"); }
      * { return bad_byte(lx, p, " in comment"); }
    */
  }
}

/* A 'string' literal starting at tok ('' is a quote inside it). */
static int lex_string(cql_lexer *lx, cql_token *t, const unsigned char *tok,
                      const unsigned char *cur) {
  const unsigned char *lim = lx->lim, *mar, *p;
  for (;;) {
    p = cur;
    /*!re2c
      "''"                             { continue; }
      "'"                              { return emit(lx, t, tok, cur, CQL_TK_STRING); }
      ([\x01-\x26\x28-\x7f] | u8m)+  { continue; }
      $ { return lex_error(lx, tok, "unterminated string literal"); }
      * { return bad_byte(lx, p, " in string literal"); }
    */
  }
}

/* A "quoted identifier" starting at tok ("" is a quote inside it). */
static int lex_qident(cql_lexer *lx, cql_token *t, const unsigned char *tok,
                      const unsigned char *cur) {
  const unsigned char *lim = lx->lim, *mar, *p;
  for (;;) {
    p = cur;
    /*!re2c
      '""'                             { continue; }
      '"' {
        if (cur - tok == 2)
          return lex_error(lx, tok, "empty quoted identifier");
        return emit_word(lx, t, tok, cur, CQL_TK_ID);
      }
      ([\x01-\x21\x23-\x7f] | u8m)+  { continue; }
      $ { return lex_error(lx, tok, "unterminated quoted identifier"); }
      * { return bad_byte(lx, p, " in quoted identifier"); }
    */
  }
}

/* JSON tokens, for the validator below. */
enum jtok {
  J_ERROR = CQL_LEX_ERROR, /* what lex_error returns */
  J_END = 1,
  J_OPEN_OBJ,
  J_CLOSE_OBJ,
  J_OPEN_ARR,
  J_CLOSE_ARR,
  J_COLON,
  J_COMMA,
  J_STRING,
  J_SCALAR
};

/* The rest of a JSON string whose '"' is at tok; *pcur is just past it. */
static int json_string(cql_lexer *lx, const unsigned char *tok,
                       const unsigned char **pcur) {
  const unsigned char *cur = *pcur, *lim = lx->lim, *mar, *p;
  for (;;) {
    p = cur;
    /*!re2c
      '"'                                 { *pcur = cur; return J_STRING; }
      "\\" ["\\/bfnrt]                    { continue; }
      "\\u" nonsur                        { continue; }
      "\\u" hi "\\u" lo                   { continue; }
      "\\u" (hi | lo) {
        return lex_error(lx, p, "malformed JSON: unpaired surrogate %.6s",
                         (const char *)p);
      }
      "\\u" {
        return lex_error(lx, p, "malformed JSON: \\u must be followed by "
                                "4 hex digits");
      }
      "\\" {
        return lex_error(lx, p, "malformed JSON: invalid escape in string");
      }
      ([\x20-\x21\x23-\x5b\x5d-\x7f] | u8m)+ { continue; }
      $ { return lex_error(lx, tok, "malformed JSON: unterminated string"); }
      [\x01-\x1f] {
        return lex_error(lx, p, "malformed JSON: control character 0x%02x "
                                "in string", *p);
      }
      * { return bad_byte(lx, p, " in JSON"); }
    */
  }
}

/* The next JSON token from *pcur: *pstart is where it begins. */
static int json_next(cql_lexer *lx, const unsigned char **pcur,
                     const unsigned char **pstart) {
  const unsigned char *cur = *pcur, *lim = lx->lim, *mar, *tok;
  int r;
  for (;;) {
    tok = cur;
    *pstart = tok;
    /*!re2c
      [ \t\r\n]+  { continue; }
      "{"         { r = J_OPEN_OBJ; break; }
      "}"         { r = J_CLOSE_OBJ; break; }
      "["         { r = J_OPEN_ARR; break; }
      "]"         { r = J_CLOSE_ARR; break; }
      ":"         { r = J_COLON; break; }
      ","         { r = J_COMMA; break; }
      "true" | "false" | "null"  { r = J_SCALAR; break; }
      "-"? ("0" | [1-9][0-9]*) ("." [0-9]+)? ([eE] [+-]? [0-9]+)?
                  { r = J_SCALAR; break; }
      '"'         { r = json_string(lx, tok, &cur); break; }
      $           { r = J_END; break; }
      [\x21-\x7e] {
        return lex_error(lx, tok, "malformed JSON: unexpected character "
                                  "'%c'", *tok);
      }
      [\x01-\x7f] | u8m {
        return lex_error(lx, tok, "malformed JSON: unexpected character");
      }
      * { return bad_byte(lx, tok, " in JSON"); }
    */
  }
  *pcur = cur;
  return r;
}

/* What the JSON validator expects next. */
enum jwant { W_VALUE, W_VALUE_OR_CLOSE, W_KEY, W_KEY_OR_CLOSE, W_COLON,
             W_COMMA_OR_CLOSE };

/* One step of the JSON validator: applies token jt (at p) to the state.
 * Returns 1 when the top-level value is complete, 0 to go on, or
 * CQL_LEX_ERROR. */
static int json_step(cql_lexer *lx, int jt, const unsigned char *p,
                     char *stack, int *depth, enum jwant *want) {
  switch (*want) {
  case W_VALUE:
  case W_VALUE_OR_CLOSE:
    if (jt == J_OPEN_OBJ || jt == J_OPEN_ARR) {
      if (*depth >= JSON_MAX_DEPTH)
        return lex_error(lx, p, "malformed JSON: nested too deeply");
      stack[(*depth)++] = jt == J_OPEN_OBJ ? '}' : ']';
      *want = jt == J_OPEN_OBJ ? W_KEY_OR_CLOSE : W_VALUE_OR_CLOSE;
      return 0;
    }
    if (jt == J_CLOSE_ARR && *want == W_VALUE_OR_CLOSE)
      --*depth;
    else if (jt != J_STRING && jt != J_SCALAR)
      return lex_error(lx, p, "malformed JSON: expected a value");
    break;
  case W_KEY:
  case W_KEY_OR_CLOSE:
    if (jt == J_STRING) {
      *want = W_COLON;
      return 0;
    }
    if (jt != J_CLOSE_OBJ || *want != W_KEY_OR_CLOSE)
      return lex_error(lx, p, "malformed JSON: expected a string key");
    --*depth;
    break;
  case W_COLON:
    if (jt != J_COLON)
      return lex_error(lx, p, "malformed JSON: expected ':'");
    *want = W_VALUE;
    return 0;
  case W_COMMA_OR_CLOSE:
    if (jt == J_COMMA) {
      *want = stack[*depth - 1] == '}' ? W_KEY : W_VALUE;
      return 0;
    }
    if (jt != (stack[*depth - 1] == '}' ? J_CLOSE_OBJ : J_CLOSE_ARR))
      return lex_error(lx, p, "malformed JSON: expected ',' or '%c'",
                       stack[*depth - 1]);
    --*depth;
    break;
  }
  /* a value is complete */
  if (*depth == 0)
    return 1;
  *want = W_COMMA_OR_CLOSE;
  return 0;
}

/* A JSON object or array starting at tok (its '{' or '['). */
static int lex_json(cql_lexer *lx, cql_token *t, const unsigned char *tok) {
  char stack[JSON_MAX_DEPTH];
  int depth = 0, r;
  enum jwant want = W_VALUE;
  const unsigned char *cur = tok, *p;
  for (;;) {
    int jt = json_next(lx, &cur, &p);
    if (jt == J_ERROR)
      return CQL_LEX_ERROR;
    if (jt == J_END)
      return lex_error(lx, tok, "malformed JSON: unterminated %s",
                       *tok == '{' ? "object" : "array");
    r = json_step(lx, jt, p, stack, &depth, &want);
    if (r == CQL_LEX_ERROR)
      return r;
    if (r == 1)
      return emit(lx, t, tok, cur, CQL_TK_JSON);
  }
}

int cql_lex(cql_lexer *lx, cql_token *t) {
  const unsigned char *cur = lx->cur, *lim = lx->lim, *mar, *tok;
  int rc;
  for (;;) {
    tok = cur;
    /*!re2c
      [ \t\r\n\v\f]+                             { continue; }
      "--" ([\x01-\x09\x0b-\x7f] | u8m)*        { continue; }
      "/*" {
        if ((rc = skip_comment(lx, tok, &cur)) != 0)
          return rc;
        continue;
      }
      "'"  { return lex_string(lx, t, tok, cur); }
      '"'  { return lex_qident(lx, t, tok, cur); }
      "{" | "[" { return lex_json(lx, t, tok); }

      'select'     { return emit_word(lx, t, tok, cur, CQL_TK_SELECT); }
      'distinct'   { return emit_word(lx, t, tok, cur, CQL_TK_DISTINCT); }
      'as'         { return emit_word(lx, t, tok, cur, CQL_TK_AS); }
      'from'       { return emit_word(lx, t, tok, cur, CQL_TK_FROM); }
      'where'      { return emit_word(lx, t, tok, cur, CQL_TK_WHERE); }
      'group'      { return emit_word(lx, t, tok, cur, CQL_TK_GROUP); }
      'by'         { return emit_word(lx, t, tok, cur, CQL_TK_BY); }
      'having'     { return emit_word(lx, t, tok, cur, CQL_TK_HAVING); }
      'order'      { return emit_word(lx, t, tok, cur, CQL_TK_ORDER); }
      'asc'        { return emit_word(lx, t, tok, cur, CQL_TK_ASC); }
      'desc'       { return emit_word(lx, t, tok, cur, CQL_TK_DESC); }
      'limit'      { return emit_word(lx, t, tok, cur, CQL_TK_LIMIT); }
      'offset'     { return emit_word(lx, t, tok, cur, CQL_TK_OFFSET); }
      'of'         { return emit_word(lx, t, tok, cur, CQL_TK_OF); }
      'visible'    { return emit_word(lx, t, tok, cur, CQL_TK_VISIBLE); }
      'at'         { return emit_word(lx, t, tok, cur, CQL_TK_AT); }
      'include'    { return emit_word(lx, t, tok, cur, CQL_TK_INCLUDE); }
      'hidden'     { return emit_word(lx, t, tok, cur, CQL_TK_HIDDEN); }
      'retracted'  { return emit_word(lx, t, tok, cur, CQL_TK_RETRACTED); }
      'create'     { return emit_word(lx, t, tok, cur, CQL_TK_CREATE); }
      'type'       { return emit_word(lx, t, tok, cur, CQL_TK_TYPE); }
      'publicity'  { return emit_word(lx, t, tok, cur, CQL_TK_PUBLICITY); }
      'repairable' { return emit_word(lx, t, tok, cur, CQL_TK_REPAIRABLE); }
      'after'      { return emit_word(lx, t, tok, cur, CQL_TK_AFTER); }
      'subject'    { return emit_word(lx, t, tok, cur, CQL_TK_SUBJECT); }
      'kind'       { return emit_word(lx, t, tok, cur, CQL_TK_KIND); }
      'name'       { return emit_word(lx, t, tok, cur, CQL_TK_NAME); }
      'record'     { return emit_word(lx, t, tok, cur, CQL_TK_RECORD); }
      'for'        { return emit_word(lx, t, tok, cur, CQL_TK_FOR); }
      'occurred'   { return emit_word(lx, t, tok, cur, CQL_TK_OCCURRED); }
      'public'     { return emit_word(lx, t, tok, cur, CQL_TK_PUBLIC); }
      'until'      { return emit_word(lx, t, tok, cur, CQL_TK_UNTIL); }
      'source'     { return emit_word(lx, t, tok, cur, CQL_TK_SOURCE); }
      'ref'        { return emit_word(lx, t, tok, cur, CQL_TK_REF); }
      'data'       { return emit_word(lx, t, tok, cur, CQL_TK_DATA); }
      'reason'     { return emit_word(lx, t, tok, cur, CQL_TK_REASON); }
      'history'    { return emit_word(lx, t, tok, cur, CQL_TK_HISTORY); }
      'event'      { return emit_word(lx, t, tok, cur, CQL_TK_EVENT); }
      'events'     { return emit_word(lx, t, tok, cur, CQL_TK_EVENTS); }
      'repair'     { return emit_word(lx, t, tok, cur, CQL_TK_REPAIR); }
      'effective'  { return emit_word(lx, t, tok, cur, CQL_TK_EFFECTIVE); }
      'correct'    { return emit_word(lx, t, tok, cur, CQL_TK_CORRECT); }
      'set'        { return emit_word(lx, t, tok, cur, CQL_TK_SET); }
      'retract'    { return emit_word(lx, t, tok, cur, CQL_TK_RETRACT); }
      'erase'      { return emit_word(lx, t, tok, cur, CQL_TK_ERASE); }
      'erasures'   { return emit_word(lx, t, tok, cur, CQL_TK_ERASURES); }
      'retain'     { return emit_word(lx, t, tok, cur, CQL_TK_RETAIN); }
      'explain'    { return emit_word(lx, t, tok, cur, CQL_TK_EXPLAIN); }
      'show'       { return emit_word(lx, t, tok, cur, CQL_TK_SHOW); }
      'types'      { return emit_word(lx, t, tok, cur, CQL_TK_TYPES); }
      'stats'      { return emit_word(lx, t, tok, cur, CQL_TK_STATS); }
      'users'      { return emit_word(lx, t, tok, cur, CQL_TK_USERS); }
      'sessions'   { return emit_word(lx, t, tok, cur, CQL_TK_SESSIONS); }
      'session'    { return emit_word(lx, t, tok, cur, CQL_TK_SESSION); }
      'kill'       { return emit_word(lx, t, tok, cur, CQL_TK_KILL); }
      'time'       { return emit_word(lx, t, tok, cur, CQL_TK_TIME); }
      'zone'       { return emit_word(lx, t, tok, cur, CQL_TK_ZONE); }
      'store'      { return emit_word(lx, t, tok, cur, CQL_TK_STORE); }
      'positive'   { return emit_word(lx, t, tok, cur, CQL_TK_POSITIVE); }
      'adverse'    { return emit_word(lx, t, tok, cur, CQL_TK_ADVERSE); }
      'published'  { return emit_word(lx, t, tok, cur, CQL_TK_PUBLISHED); }
      'open'       { return emit_word(lx, t, tok, cur, CQL_TK_OPEN); }
      'fields'     { return emit_word(lx, t, tok, cur, CQL_TK_FIELDS); }
      'grant'      { return emit_word(lx, t, tok, cur, CQL_TK_GRANT); }
      'revoke'     { return emit_word(lx, t, tok, cur, CQL_TK_REVOKE); }
      'to'         { return emit_word(lx, t, tok, cur, CQL_TK_TO); }
      'begin'      { return emit_word(lx, t, tok, cur, CQL_TK_BEGIN); }
      'commit'     { return emit_word(lx, t, tok, cur, CQL_TK_COMMIT); }
      'rollback'   { return emit_word(lx, t, tok, cur, CQL_TK_ROLLBACK); }
      'user'       { return emit_word(lx, t, tok, cur, CQL_TK_USER); }
      'role'       { return emit_word(lx, t, tok, cur, CQL_TK_ROLE); }
      'password'   { return emit_word(lx, t, tok, cur, CQL_TK_PASSWORD); }
      'alter'      { return emit_word(lx, t, tok, cur, CQL_TK_ALTER); }
      'drop'       { return emit_word(lx, t, tok, cur, CQL_TK_DROP); }
      'and'        { return emit_word(lx, t, tok, cur, CQL_TK_AND); }
      'or'         { return emit_word(lx, t, tok, cur, CQL_TK_OR); }
      'not'        { return emit_word(lx, t, tok, cur, CQL_TK_NOT); }
      'in'         { return emit_word(lx, t, tok, cur, CQL_TK_IN); }
      'between'    { return emit_word(lx, t, tok, cur, CQL_TK_BETWEEN); }
      'like'       { return emit_word(lx, t, tok, cur, CQL_TK_LIKE); }
      'is'         { return emit_word(lx, t, tok, cur, CQL_TK_IS); }
      'null'       { return emit_word(lx, t, tok, cur, CQL_TK_NULL); }
      'true'       { return emit_word(lx, t, tok, cur, CQL_TK_TRUE); }
      'false'      { return emit_word(lx, t, tok, cur, CQL_TK_FALSE); }
      'now'        { return emit_word(lx, t, tok, cur, CQL_TK_NOW); }
      'case'       { return emit_word(lx, t, tok, cur, CQL_TK_CASE); }
      'when'       { return emit_word(lx, t, tok, cur, CQL_TK_WHEN); }
      'then'       { return emit_word(lx, t, tok, cur, CQL_TK_THEN); }
      'else'       { return emit_word(lx, t, tok, cur, CQL_TK_ELSE); }
      'end'        { return emit_word(lx, t, tok, cur, CQL_TK_END); }
      'cast'       { return emit_word(lx, t, tok, cur, CQL_TK_CAST); }
      'filter'     { return emit_word(lx, t, tok, cur, CQL_TK_FILTER); }
      'extract'    { return emit_word(lx, t, tok, cur, CQL_TK_EXTRACT); }
      'position'   { return emit_word(lx, t, tok, cur, CQL_TK_POSITION); }
      'exists'     { return emit_word(lx, t, tok, cur, CQL_TK_EXISTS); }
      'union'      { return emit_word(lx, t, tok, cur, CQL_TK_UNION); }
      'describe'   { return emit_word(lx, t, tok, cur, CQL_TK_DESCRIBE); }
      'tables'     { return emit_word(lx, t, tok, cur, CQL_TK_TABLES); }
      'all'        { return emit_word(lx, t, tok, cur, CQL_TK_ALL); }
      'except'     { return emit_word(lx, t, tok, cur, CQL_TK_EXCEPT); }
      'intersect'  { return emit_word(lx, t, tok, cur, CQL_TK_INTERSECT); }
      'over'       { return emit_word(lx, t, tok, cur, CQL_TK_OVER); }
      'partition'  { return emit_word(lx, t, tok, cur, CQL_TK_PARTITION); }
      'rows'       { return emit_word(lx, t, tok, cur, CQL_TK_ROWS); }
      'range'      { return emit_word(lx, t, tok, cur, CQL_TK_RANGE); }
      'groups'     { return emit_word(lx, t, tok, cur, CQL_TK_GROUPS); }
      'window'     { return emit_word(lx, t, tok, cur, CQL_TK_WINDOW); }
      'with'       { return emit_word(lx, t, tok, cur, CQL_TK_WITH); }
      'join'       { return emit_word(lx, t, tok, cur, CQL_TK_JOIN); }
      'on'         { return emit_word(lx, t, tok, cur, CQL_TK_ON); }
      'left'       { return emit_word(lx, t, tok, cur, CQL_TK_LEFT); }
      'inner'      { return emit_word(lx, t, tok, cur, CQL_TK_INNER); }
      'outer'      { return emit_word(lx, t, tok, cur, CQL_TK_OUTER); }
      'second' | 'seconds' { return emit_unit(lx, t, tok, cur, CQL_UNIT_SECOND); }
      'minute' | 'minutes' { return emit_unit(lx, t, tok, cur, CQL_UNIT_MINUTE); }
      'hour' | 'hours'     { return emit_unit(lx, t, tok, cur, CQL_UNIT_HOUR); }
      'day' | 'days'       { return emit_unit(lx, t, tok, cur, CQL_UNIT_DAY); }
      'week' | 'weeks'     { return emit_unit(lx, t, tok, cur, CQL_UNIT_WEEK); }
      'month' | 'months'   { return emit_unit(lx, t, tok, cur, CQL_UNIT_MONTH); }
      'year' | 'years'     { return emit_unit(lx, t, tok, cur, CQL_UNIT_YEAR); }
      'microsecond' | 'microseconds' {
        return emit_unit(lx, t, tok, cur, CQL_UNIT_MICROSECOND);
      }

      [a-zA-Z_] [a-zA-Z0-9_]*  { return emit_word(lx, t, tok, cur, CQL_TK_ID); }
      dec                      { return emit_int(lx, t, tok, cur); }
      real                     { return emit_real(lx, t, tok, cur); }
      (dec | real) [a-zA-Z_] [a-zA-Z0-9_]* {
        return lex_error(lx, tok, "invalid number \"%.*s\"",
                         (int)(cur - tok > 40 ? 40 : cur - tok),
                         (const char *)tok);
      }

      "("  { return emit(lx, t, tok, cur, CQL_TK_LP); }
      ")"  { return emit(lx, t, tok, cur, CQL_TK_RP); }
      ","  { return emit(lx, t, tok, cur, CQL_TK_COMMA); }
      ";"  { return emit(lx, t, tok, cur, CQL_TK_SEMI); }
      "."  { return emit(lx, t, tok, cur, CQL_TK_DOT); }
      "*"  { return emit(lx, t, tok, cur, CQL_TK_STAR); }
      "/"  { return emit(lx, t, tok, cur, CQL_TK_SLASH); }
      "%"  { return emit(lx, t, tok, cur, CQL_TK_REM); }
      "+"  { return emit(lx, t, tok, cur, CQL_TK_PLUS); }
      "-"  { return emit(lx, t, tok, cur, CQL_TK_MINUS); }
      "||" { return emit(lx, t, tok, cur, CQL_TK_CONCAT); }
      "::" { return emit(lx, t, tok, cur, CQL_TK_DCOLON); }
      "="  { return emit(lx, t, tok, cur, CQL_TK_EQ); }
      "!=" | "<>" { return emit(lx, t, tok, cur, CQL_TK_NE); }
      "<"  { return emit(lx, t, tok, cur, CQL_TK_LT); }
      "<=" { return emit(lx, t, tok, cur, CQL_TK_LE); }
      ">"  { return emit(lx, t, tok, cur, CQL_TK_GT); }
      ">=" { return emit(lx, t, tok, cur, CQL_TK_GE); }
      "?" {
        if (lx->param_style && lx->param_style != '?')
          return lex_error(lx, tok, "do not mix ? with $n or :name parameters");
        lx->param_style = '?';
        emit(lx, t, tok, cur, CQL_TK_PARAM);
        t->ival = ++lx->n_params;
        return CQL_TK_PARAM;
      }
      "$" [1-9] [0-9]* { return numbered_param(lx, t, tok, cur); }
      ":" [a-zA-Z_] [a-zA-Z0-9_]* { return named_param(lx, t, tok, cur); }

      $ {
        lx->cur = cur;
        t->s = (const char *)cur;
        t->n = 0;
        t->pos = cql_lexer_pos(lx, cur);
        t->word = false;
        return CQL_LEX_END;
      }
      [\x21-\x7e] {
        return lex_error(lx, tok, "unexpected character \"%c\"", *tok);
      }
      [\x01-\x20\x7f] {
        return lex_error(lx, tok, "unexpected control character 0x%02x",
                         *tok);
      }
      u8m {
        return lex_error(lx, tok, "unexpected character \"%.*s\"",
                         (int)(cur - tok), (const char *)tok);
      }
      * { return bad_byte(lx, tok, ""); }
    */
  }
}
