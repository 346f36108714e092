/*
 * test_lexer.c -- the CQL tokenizer (parser/lexer.re): token codes, values
 * and positions, UTF-8 validation, literals and their ranges, comments,
 * JSON literals, and every lexical error with its position.
 *
 * Inputs are copied into buffers of exactly their length (no NUL after
 * them), so ASan catches any read past the end.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cql.h"
#include "cql_lex.h"

#define MAXTOK 64

/* The tokens of one input (up to the end or the first error). */
typedef struct lexed {
  char *buf; /* exact-size copy of the input */
  size_t len;
  int code[MAXTOK];
  cql_token tok[MAXTOK];
  int n;        /* tokens before the end / error */
  int last;     /* CQL_LEX_END or CQL_LEX_ERROR */
  cql_lexer lx; /* state after the last token */
} lexed;

static lexed *lex_n(const char *src, size_t len) {
  lexed *l = calloc(1, sizeof *l);
  assert_non_null(l);
  l->buf = malloc(len ? len : 1);
  assert_non_null(l->buf);
  memcpy(l->buf, src, len);
  l->len = len;
  cql_lexer_init(&l->lx, l->buf, 0, len, 1, 1);
  for (;;) {
    cql_token t;
    int c = cql_lex(&l->lx, &t);
    if (c == CQL_LEX_END || c == CQL_LEX_ERROR) {
      l->last = c;
      if (c == CQL_LEX_END)
        l->tok[l->n] = t;
      break;
    }
    assert_true(l->n < MAXTOK - 1);
    l->code[l->n] = c;
    l->tok[l->n++] = t;
  }
  return l;
}

static lexed *lex(const char *src) {
  return lex_n(src, strlen(src));
}

static void lexed_free(lexed *l) {
  free(l->buf);
  free(l);
}

/* Asserts that src lexes to exactly the codes given (0-terminated). */
static void expect_codes(const char *src, ...) {
  lexed *l = lex(src);
  va_list ap;
  int i = 0, c;
  va_start(ap, src);
  while ((c = va_arg(ap, int)) != 0) {
    if (i >= l->n || l->code[i] != c)
      fail_msg("%s: token %d: got %d, want %d", src, i,
               i < l->n ? l->code[i] : -99, c);
    i++;
  }
  va_end(ap);
  if (l->last != CQL_LEX_END || i != l->n)
    fail_msg("%s: %d tokens, want %d (%s)", src, l->n, i, l->lx.err_msg);
  lexed_free(l);
}

/* Asserts that src fails at line:col with exactly message msg. */
static void expect_error_n(const char *src, size_t len, int line, int col,
                           const char *msg) {
  lexed *l = lex_n(src, len);
  if (l->last != CQL_LEX_ERROR)
    fail_msg("%s: lexed without error", src);
  if (l->lx.err_pos.line != line || l->lx.err_pos.column != col ||
      strcmp(l->lx.err_msg, msg) != 0)
    fail_msg("%s: got %d:%d \"%s\", want %d:%d \"%s\"", src, l->lx.err_pos.line,
             l->lx.err_pos.column, l->lx.err_msg, line, col, msg);
  lexed_free(l);
}

static void expect_error(const char *src, int line, int col, const char *msg) {
  expect_error_n(src, strlen(src), line, col, msg);
}

static void expect_pos(const cql_token *t, int line, int col, size_t off) {
  if (t->pos.line != line || t->pos.column != col || t->pos.offset != off)
    fail_msg("token \"%.*s\" at %d:%d@%zu, want %d:%d@%zu", (int)t->n, t->s,
             t->pos.line, t->pos.column, t->pos.offset, line, col, off);
}

static void test_punctuation(void **state) {
  (void)state;
  expect_codes("( ) , ; . * / % + - || = != <> < <= > >= ?", CQL_TK_LP,
               CQL_TK_RP, CQL_TK_COMMA, CQL_TK_SEMI, CQL_TK_DOT, CQL_TK_STAR,
               CQL_TK_SLASH, CQL_TK_REM, CQL_TK_PLUS, CQL_TK_MINUS,
               CQL_TK_CONCAT, CQL_TK_EQ, CQL_TK_NE, CQL_TK_NE, CQL_TK_LT,
               CQL_TK_LE, CQL_TK_GT, CQL_TK_GE, CQL_TK_PARAM, 0);
  /* longest match without blanks */
  expect_codes("a<=b<>c||d>=e", CQL_TK_ID, CQL_TK_LE, CQL_TK_ID, CQL_TK_NE,
               CQL_TK_ID, CQL_TK_CONCAT, CQL_TK_ID, CQL_TK_GE, CQL_TK_ID, 0);
  expect_codes("", 0);
  expect_codes(" \t\r\n\v\f ", 0);
}

static void test_keywords_any_case(void **state) {
  (void)state;
  expect_codes("select SELECT SeLeCt from FROM fRoM", CQL_TK_SELECT,
               CQL_TK_SELECT, CQL_TK_SELECT, CQL_TK_FROM, CQL_TK_FROM,
               CQL_TK_FROM, 0);
  expect_codes("create type publicity repairable after subject kind name",
               CQL_TK_CREATE, CQL_TK_TYPE, CQL_TK_PUBLICITY, CQL_TK_REPAIRABLE,
               CQL_TK_AFTER, CQL_TK_SUBJECT, CQL_TK_KIND, CQL_TK_NAME, 0);
  expect_codes("record for occurred public until source ref data reason",
               CQL_TK_RECORD, CQL_TK_FOR, CQL_TK_OCCURRED, CQL_TK_PUBLIC,
               CQL_TK_UNTIL, CQL_TK_SOURCE, CQL_TK_REF, CQL_TK_DATA,
               CQL_TK_REASON, 0);
  expect_codes("history event events repair effective correct set retract",
               CQL_TK_HISTORY, CQL_TK_EVENT, CQL_TK_EVENTS, CQL_TK_REPAIR,
               CQL_TK_EFFECTIVE, CQL_TK_CORRECT, CQL_TK_SET, CQL_TK_RETRACT, 0);
  expect_codes("explain show types stats users time zone begin commit "
               "rollback",
               CQL_TK_EXPLAIN, CQL_TK_SHOW, CQL_TK_TYPES, CQL_TK_STATS,
               CQL_TK_USERS, CQL_TK_TIME, CQL_TK_ZONE, CQL_TK_BEGIN,
               CQL_TK_COMMIT, CQL_TK_ROLLBACK, 0);
  expect_codes("user role password alter drop", CQL_TK_USER, CQL_TK_ROLE,
               CQL_TK_PASSWORD, CQL_TK_ALTER, CQL_TK_DROP, 0);
  expect_codes("distinct as where group by having order asc desc limit "
               "offset of visible at include hidden retracted",
               CQL_TK_DISTINCT, CQL_TK_AS, CQL_TK_WHERE, CQL_TK_GROUP,
               CQL_TK_BY, CQL_TK_HAVING, CQL_TK_ORDER, CQL_TK_ASC, CQL_TK_DESC,
               CQL_TK_LIMIT, CQL_TK_OFFSET, CQL_TK_OF, CQL_TK_VISIBLE,
               CQL_TK_AT, CQL_TK_INCLUDE, CQL_TK_HIDDEN, CQL_TK_RETRACTED, 0);
  expect_codes("and or not in between like is null true false now", CQL_TK_AND,
               CQL_TK_OR, CQL_TK_NOT, CQL_TK_IN, CQL_TK_BETWEEN, CQL_TK_LIKE,
               CQL_TK_IS, CQL_TK_NULL, CQL_TK_TRUE, CQL_TK_FALSE, CQL_TK_NOW,
               0);
  /* a keyword prefix / suffix is an identifier */
  expect_codes("selected _select select_ nowhere fromage", CQL_TK_ID, CQL_TK_ID,
               CQL_TK_ID, CQL_TK_ID, CQL_TK_ID, 0);
}

static void test_units(void **state) {
  static const char *words[] = {
      "second", "SECONDS", "minute", "Minutes", "hour",   "hours", "day",
      "DAYS",   "week",    "weeks",  "month",   "MONTHS", "year",  "Years"};
  lexed *l;
  int i;
  (void)state;
  for (i = 0; i < 14; i++) {
    l = lex(words[i]);
    assert_int_equal(l->n, 1);
    assert_int_equal(l->code[0], CQL_TK_UNIT);
    assert_int_equal(l->tok[0].ival, i / 2);
    assert_true(l->tok[0].word);
    lexed_free(l);
  }
  expect_codes("1 year 6 months", CQL_TK_INTEGER, CQL_TK_UNIT, CQL_TK_INTEGER,
               CQL_TK_UNIT, 0);
  expect_codes("days_ago yearly", CQL_TK_ID, CQL_TK_ID, 0);
}

static void test_identifiers(void **state) {
  lexed *l;
  (void)state;
  l = lex("amount_wan _x X9 \"weird name\" \"say \"\"hi\"\"\" \"厦门\"");
  assert_int_equal(l->n, 6);
  for (int i = 0; i < 6; i++) {
    assert_int_equal(l->code[i], CQL_TK_ID);
    assert_true(l->tok[i].word);
  }
  assert_int_equal(l->tok[0].n, 10);
  assert_memory_equal(l->tok[3].s, "\"weird name\"", 12);
  assert_int_equal(l->tok[4].n, 12);
  expect_pos(&l->tok[5], 1, 44, 43);
  lexed_free(l);
}

static void test_integers(void **state) {
  lexed *l;
  (void)state;
  l = lex("0 42 007 9223372036854775807");
  assert_int_equal(l->n, 4);
  assert_int_equal(l->tok[0].ival, 0);
  assert_int_equal(l->tok[1].ival, 42);
  assert_int_equal(l->tok[2].ival, 7);
  assert_true(l->tok[3].ival == INT64_MAX);
  lexed_free(l);
  expect_error("9223372036854775808", 1, 1, "integer literal out of range");
  expect_error("x 99999999999999999999999", 1, 3,
               "integer literal out of range");
  expect_error("12abc", 1, 1, "invalid number \"12abc\"");
  expect_error("1.5e3x", 1, 1, "invalid number \"1.5e3x\"");
  expect_error("3MONTHS", 1, 1, "invalid number \"3MONTHS\"");
}

static void test_reals(void **state) {
  lexed *l;
  (void)state;
  l = lex("0.5 .25 5. 1e3 1.5E-3 2e+2");
  assert_int_equal(l->n, 6);
  for (int i = 0; i < 6; i++)
    assert_int_equal(l->code[i], CQL_TK_REAL);
  assert_true(l->tok[0].rval == 0.5);
  assert_true(l->tok[1].rval == 0.25);
  assert_true(l->tok[2].rval == 5.0);
  assert_true(l->tok[3].rval == 1000.0);
  assert_true(l->tok[4].rval == 1.5e-3);
  assert_true(l->tok[5].rval == 200.0);
  lexed_free(l);
  expect_error("1e999", 1, 1, "numeric literal out of range");
  expect_error("1.0000000000000000000000000000000000000000000000000000000000"
               "0000000000000000000000000000000000000000000000000000000000000"
               "000000000000000001",
               1, 1, "numeric literal too long");
  /* `1.x`: the dot belongs to the number */
  expect_error("1.x", 1, 1, "invalid number \"1.x\"");
}

static void test_reals_any_locale(void **state) {
  lexed *l;
  (void)state;
  if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") &&
      !setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
    skip();
  }
  l = lex("2.5");
  setlocale(LC_NUMERIC, "C");
  assert_int_equal(l->code[0], CQL_TK_REAL);
  assert_true(l->tok[0].rval == 2.5);
  lexed_free(l);
}

static void test_strings(void **state) {
  lexed *l;
  (void)state;
  l = lex("'' 'abc' 'it''s' '厦市监罚〔2025〕12号' x");
  assert_int_equal(l->n, 5);
  for (int i = 0; i < 4; i++)
    assert_int_equal(l->code[i], CQL_TK_STRING);
  assert_int_equal(l->tok[0].n, 2);
  assert_int_equal(l->tok[2].n, 7);
  assert_false(l->tok[1].word);
  /* 13 characters between the quotes (27 bytes): x is at column 34 */
  expect_pos(&l->tok[3], 1, 18, 17);
  assert_int_equal(l->tok[3].n, 29);
  expect_pos(&l->tok[4], 1, 34, 17 + 29 + 1);
  lexed_free(l);
  expect_codes("'a -- not a comment' '/* nor this */'", CQL_TK_STRING,
               CQL_TK_STRING, 0);
  /* multi-line strings count their lines */
  l = lex("'a\nb' c");
  expect_pos(&l->tok[1], 2, 4, 6);
  lexed_free(l);
}

static void test_comments(void **state) {
  lexed *l;
  (void)state;
  l = lex("-- heading 厦门\nSELECT /* inline\n comment 注释 */ x -- tail\n"
          "y /**/ z");
  assert_int_equal(l->n, 4);
  assert_int_equal(l->code[0], CQL_TK_SELECT);
  expect_pos(&l->tok[0], 2, 1, 18);
  expect_pos(&l->tok[1], 3, 16, l->tok[1].pos.offset);
  expect_pos(&l->tok[2], 4, 1, l->tok[2].pos.offset);
  expect_pos(&l->tok[3], 4, 8, l->tok[3].pos.offset);
  lexed_free(l);
  expect_codes("a--b", CQL_TK_ID, 0);
  expect_codes("a/***/b", CQL_TK_ID, CQL_TK_ID, 0);
  expect_codes("-- only a comment", 0);
  expect_codes("a - -b", CQL_TK_ID, CQL_TK_MINUS, CQL_TK_MINUS, CQL_TK_ID, 0);
}

static void test_positions(void **state) {
  lexed *l;
  (void)state;
  l = lex("SELECT\r\n\tid,\n  名 ");
  expect_pos(&l->tok[0], 1, 1, 0);
  expect_pos(&l->tok[1], 2, 2, 9);
  expect_pos(&l->tok[2], 2, 4, 11);
  assert_int_equal(l->last, CQL_LEX_ERROR); /* 名 is not a token */
  assert_int_equal(l->lx.err_pos.line, 3);
  assert_int_equal(l->lx.err_pos.column, 3);
  lexed_free(l);
  /* the end token sits just past the input */
  l = lex("a\n'é'  ");
  assert_int_equal(l->last, CQL_LEX_END);
  expect_pos(&l->tok[2], 2, 6, 8);
  lexed_free(l);
}

static void test_start_offset(void **state) {
  const char *s = "xx; SELECT";
  cql_lexer lx;
  cql_token t;
  (void)state;
  cql_lexer_init(&lx, s, 4, 6, 7, 5);
  assert_int_equal(cql_lex(&lx, &t), CQL_TK_SELECT);
  expect_pos(&t, 7, 5, 4);
  assert_int_equal(cql_lex(&lx, &t), CQL_LEX_END);
}

static void test_params(void **state) {
  lexed *l;
  (void)state;
  l = lex("? ?, (?)");
  assert_int_equal(l->n, 6);
  assert_int_equal(l->tok[0].ival, 1);
  assert_int_equal(l->tok[1].ival, 2);
  assert_int_equal(l->tok[4].ival, 3);
  assert_int_equal(l->lx.n_params, 3);
  lexed_free(l);
}

static void test_json(void **state) {
  static const char *ok[] = {
      "{}",
      "[]",
      "{\"a\": 1}",
      "{\"a\":{\"b\":[1,2,{\"c\":null}]},\"d\":true,\"e\":false}",
      "[\"x\", -0, 0.5, -1.5e+10, 2E-3, 10]",
      "{\"esc\": \"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00\"}",
      "{\"name\": \"厦门市市场监督管理局\", \"amount_wan\": 0.5}",
      " {\n \"multi\" :\n [ 1 ,\n 2 ] \n}",
  };
  lexed *l;
  size_t i;
  (void)state;
  for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    const char *s = ok[i] + (ok[i][0] == ' ');
    l = lex(s);
    if (l->n != 1 || l->code[0] != CQL_TK_JSON || l->tok[0].n != strlen(s))
      fail_msg("%s: not one JSON token (%s)", s, l->lx.err_msg);
    lexed_free(l);
  }
  /* the JSON ends at its closing brace */
  expect_codes("DATA {\"a\": [1]} SOURCE", CQL_TK_DATA, CQL_TK_JSON,
               CQL_TK_SOURCE, 0);
  expect_codes("{\"a\": \"}\"} x", CQL_TK_JSON, CQL_TK_ID, 0);
}

static void test_json_errors(void **state) {
  char deep[600];
  (void)state;
  expect_error("{\"a\": }", 1, 7, "malformed JSON: expected a value");
  expect_error("{\"a\" 1}", 1, 6, "malformed JSON: expected ':'");
  expect_error("{\"a\": 1,}", 1, 9, "malformed JSON: expected a string key");
  expect_error("{1: 2}", 1, 2, "malformed JSON: expected a string key");
  expect_error("{\"a\": 1]", 1, 8, "malformed JSON: expected ',' or '}'");
  expect_error("[1 2]", 1, 4, "malformed JSON: expected ',' or ']'");
  expect_error("[1,]", 1, 4, "malformed JSON: expected a value");
  expect_error("{\"a\": 1", 1, 1, "malformed JSON: unterminated object");
  expect_error("[\n[1]", 1, 1, "malformed JSON: unterminated array");
  expect_error("{\"a\": \"xy", 1, 7, "malformed JSON: unterminated string");
  expect_error("{\"a\": tru}", 1, 7,
               "malformed JSON: unexpected character 't'");
  expect_error("{\"a\": 'x'}", 1, 7,
               "malformed JSON: unexpected character '''");
  expect_error("{\"a\": 01}", 1, 8, "malformed JSON: expected ',' or '}'");
  expect_error("{\"a\": \"\\x\"}", 1, 8,
               "malformed JSON: invalid escape in string");
  expect_error("{\"a\": \"\\u12\"}", 1, 8,
               "malformed JSON: \\u must be followed by 4 hex digits");
  expect_error("{\"a\": \"\\ud800x\"}", 1, 8,
               "malformed JSON: unpaired surrogate \\ud800");
  expect_error("{\"a\": \"\\uDC00\"}", 1, 8,
               "malformed JSON: unpaired surrogate \\uDC00");
  expect_error("{\"a\":\n \"x\ty\"}", 2, 4,
               "malformed JSON: control character 0x09 in string");
  expect_error_n("{\"a\": \"\xff\"}", 10, 1, 8,
                 "invalid UTF-8 byte 0xff in JSON");
  expect_error_n("{\"a\": \x80}", 8, 1, 7, "invalid UTF-8 byte 0x80 in JSON");
  expect_error("{\"a\": 厦}", 1, 7, "malformed JSON: unexpected character");
  memset(deep, '[', sizeof deep - 1);
  deep[sizeof deep - 1] = 0;
  expect_error(deep, 1, 257, "malformed JSON: nested too deeply");
}

static void test_unterminated(void **state) {
  (void)state;
  expect_error("SELECT 'abc", 1, 8, "unterminated string literal");
  expect_error("x\n  'it''s", 2, 3, "unterminated string literal");
  expect_error("SELECT /* never closed *", 1, 8, "unterminated comment");
  expect_error("a \"no end", 1, 3, "unterminated quoted identifier");
  expect_error("\"\"", 1, 1, "empty quoted identifier");
}

static void test_invalid_utf8(void **state) {
  (void)state;
  expect_error_n("SELECT \xff", 8, 1, 8, "invalid UTF-8 byte 0xff");
  expect_error_n("\x80", 1, 1, 1, "invalid UTF-8 byte 0x80");
  /* overlong encoding of '/' */
  expect_error_n("'\xc0\xaf'", 4, 1, 2,
                 "invalid UTF-8 byte 0xc0 in string literal");
  /* UTF-16 surrogate encoded in UTF-8 */
  expect_error_n("'ab\xed\xa0\x80'", 7, 1, 4,
                 "invalid UTF-8 byte 0xed in string literal");
  /* beyond U+10FFFF */
  expect_error_n("'\xf4\x90\x80\x80'", 6, 1, 2,
                 "invalid UTF-8 byte 0xf4 in string literal");
  /* truncated sequence at the end of the input */
  expect_error_n("'厦\xe9\x97", 6, 1, 3,
                 "invalid UTF-8 byte 0xe9 in string literal");
  expect_error_n("x \xe5\x8e", 4, 1, 3, "invalid UTF-8 byte 0xe5");
  expect_error_n("-- note \xfe\n", 10, 1, 9, "invalid UTF-8 byte 0xfe");
  expect_error_n("/* \xc3( */", 9, 1, 4, "invalid UTF-8 byte 0xc3 in comment");
  expect_error_n("\"a\xffz\"", 5, 1, 3,
                 "invalid UTF-8 byte 0xff in quoted identifier");
  /* after valid multi-byte characters, the column counts characters */
  expect_error_n("'厦门' \xff", 10, 1, 6, "invalid UTF-8 byte 0xff");
}

static void test_nul_and_controls(void **state) {
  (void)state;
  expect_error_n("a\0b", 3, 1, 2, "unexpected NUL byte");
  expect_error_n("'a\0'", 4, 1, 3, "unexpected NUL byte in string literal");
  expect_error_n("/* \0 */", 7, 1, 4, "unexpected NUL byte in comment");
  expect_error("a \x01", 1, 3, "unexpected control character 0x01");
  expect_error("a @", 1, 3, "unexpected character \"@\"");
  expect_error("a }", 1, 3, "unexpected character \"}\"");
  expect_error("a | b", 1, 3, "unexpected character \"|\"");
  expect_error("a ! b", 1, 3, "unexpected character \"!\"");
  expect_error("SELECT 名", 1, 8, "unexpected character \"名\"");
}

static void test_not_nul_terminated(void **state) {
  lexed *l;
  (void)state;
  /* the byte after the buffer would continue the token if it were read */
  l = lex_n("SELECT 12x", 9);
  assert_int_equal(l->last, CQL_LEX_END);
  assert_int_equal(l->n, 2);
  assert_int_equal(l->tok[1].ival, 12);
  lexed_free(l);
  l = lex_n("'abc'", 4);
  assert_int_equal(l->last, CQL_LEX_ERROR);
  assert_string_equal(l->lx.err_msg, "unterminated string literal");
  lexed_free(l);
  l = lex_n("{\"a\":1}", 6);
  assert_int_equal(l->last, CQL_LEX_ERROR);
  lexed_free(l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_punctuation),
      cmocka_unit_test(test_keywords_any_case),
      cmocka_unit_test(test_units),
      cmocka_unit_test(test_identifiers),
      cmocka_unit_test(test_integers),
      cmocka_unit_test(test_reals),
      cmocka_unit_test(test_reals_any_locale),
      cmocka_unit_test(test_strings),
      cmocka_unit_test(test_comments),
      cmocka_unit_test(test_positions),
      cmocka_unit_test(test_start_offset),
      cmocka_unit_test(test_params),
      cmocka_unit_test(test_json),
      cmocka_unit_test(test_json_errors),
      cmocka_unit_test(test_unterminated),
      cmocka_unit_test(test_invalid_utf8),
      cmocka_unit_test(test_nul_and_controls),
      cmocka_unit_test(test_not_nul_terminated),
  };
  return cmocka_run_group_tests_name("lexer", tests, NULL, NULL);
}
