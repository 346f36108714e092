/*
 * test_shell_split.c -- the shell's pure parts: the statement splitter and
 * error positions (client/sh_split.c), display width, CSV quoting and the
 * result formats (client/sh_output.c). Needs neither a store nor libedit:
 * link with client/sh_split.o, client/sh_output.o and -ljansson.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_output.h"
#include "sh_split.h"

/* ------------------------------------------------------------ helpers */

static size_t first(const char *s) {
  return sh_split_first(s, strlen(s));
}

static size_t complete(const char *s) {
  return sh_split_complete(s, strlen(s));
}

static size_t width(const char *s) {
  return sh_display_width(s, strlen(s));
}

/* Renders one result through sh_result into a string (caller frees). */
static char *render(sh_format f, int ncol, const char *const *names,
                    const credo_type *decl, const sh_value *rows, int nrows) {
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  assert_non_null(m);
  sh_result r;
  assert_int_equal(sh_result_begin(&r, f, m, ncol, names, decl), 0);
  for (int i = 0; i < nrows; i++)
    assert_int_equal(sh_result_row(&r, rows + (size_t)i * ncol), 0);
  assert_int_equal(sh_result_end(&r), 0);
  fclose(m);
  return buf;
}

static char *csv_of(const char *s) {
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  assert_non_null(m);
  sh_csv_field(m, s);
  fclose(m);
  return buf;
}

/* ----------------------------------------------------------- splitter */

static void split_plain(void **state) {
  (void)state;
  assert_int_equal(first("SELECT 1;"), 9);
  assert_int_equal(first("SELECT 1; SELECT 2;"), 9);
  assert_int_equal(first("SELECT 1"), 0);
  assert_int_equal(first(""), 0);
  assert_int_equal(complete("A; B; C"), 5);
  assert_int_equal(complete("A; B;\n"), 5);
  assert_int_equal(complete("A"), 0);
}

static void split_strings(void **state) {
  (void)state;
  assert_int_equal(first("SELECT 'a;b';"), 13);
  assert_int_equal(first("SELECT 'it''s; here';"), 21);
  assert_int_equal(first("SELECT 'it''s"), 0);
  assert_int_equal(first("SELECT '';"), 10);
  assert_int_equal(first("SELECT '''';"), 12);
  /* a double quote inside a string is just a character */
  assert_int_equal(first("SELECT 'say \"hi;\"';"), 19);
  assert_int_equal(sh_split_end_state("SELECT 'a", 9), SH_SPLIT_STRING);
}

static void split_identifiers(void **state) {
  (void)state;
  assert_int_equal(first("SELECT \"a;b\" FROM t;"), 20);
  assert_int_equal(first("SELECT \"x\"\";y\";"), 15);
  assert_int_equal(first("SELECT \"it's;\";"), 15);
  assert_int_equal(sh_split_end_state("SELECT \"a", 9), SH_SPLIT_IDENT);
}

static void split_comments(void **state) {
  (void)state;
  assert_int_equal(first("SELECT 1 -- no; end\n;"), 21);
  assert_int_equal(first("SELECT 1 /* ; */;"), 17);
  assert_int_equal(first("SELECT 1 /* ; \n ; */ ;"), 22);
  assert_int_equal(first("SELECT 1 - 2;"), 13); /* one dash is minus */
  assert_int_equal(first("SELECT 4 / 2;"), 13);
  assert_int_equal(first("-- 'not a string\nSELECT 1;"), 26);
  assert_int_equal(first("/* 'not a string */ SELECT 1;"), 29);
  assert_int_equal(sh_split_end_state("A /* x", 6), SH_SPLIT_BLOCK_COMMENT);
  assert_int_equal(sh_split_end_state("A -- x", 6), SH_SPLIT_LINE_COMMENT);
  assert_int_equal(sh_split_end_state("A -- x\n", 7), SH_SPLIT_TOP);
}

static void split_json(void **state) {
  (void)state;
  const char *rec =
      "RECORD p FOR 'x' DATA {\"a\": \"b;c\", \"q\": \"it's \\\" ; \"};";
  assert_int_equal(first(rec), strlen(rec));
  const char *nested = "RECORD p DATA {\"a\": {\"b\": [1, \"}\", {}]}, "
                       "\"c\": \"\\\\\"}; NEXT;";
  assert_int_equal(first(nested), strlen(nested) - 6);
  assert_int_equal(first("RECORD p DATA {\"a\": 1; "), 0);
  assert_int_equal(sh_split_end_state("X {\"a\": \"b", 10),
                   SH_SPLIT_JSON_STRING);
  assert_int_equal(sh_split_end_state("X {\"a\": [1", 10), SH_SPLIT_JSON);
  /* after the JSON value the top-level rules apply again */
  assert_int_equal(first("X {} 'a;b';"), 11);
}

/* Lines typed one by one: the statement is complete only with its ';'. */
static void split_multiline(void **state) {
  (void)state;
  const char *lines[] = {
      "RECORD penalty_general FOR '91350100M000100Y43'",
      "  OCCURRED '2025-03-01' SOURCE 'xm-market'",
      "  REF '厦市监罚〔2025〕12号' DATA {\"note\": \"a;",
      "b\", \"x\": 1} -- done;",
      "; SELECT 1",
      ";",
  };
  size_t expect_complete[] = {0, 0, 0, 0, 1, 1};
  char buf[1024] = "";
  for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
    strcat(buf, lines[i]);
    strcat(buf, "\n");
    size_t k = complete(buf);
    assert_int_equal(k > 0, expect_complete[i]);
    if (i == 4)
      assert_int_equal(buf[k - 1], ';');
  }
  size_t one = first(buf);
  assert_int_equal(buf[one - 1], ';');
  assert_int_equal(complete(buf), strlen(buf) - 1); /* all but '\n' */
  assert_true(sh_split_blank(buf + strlen(buf) - 1, 1));
}

static void split_blank(void **state) {
  (void)state;
  assert_true(sh_split_blank("", 0));
  assert_true(sh_split_blank("  \n\t", 4));
  assert_true(sh_split_blank("-- c\n /* d */ ", 14));
  assert_true(sh_split_blank("/* open", 7));
  assert_false(sh_split_blank(";", 1));
  assert_false(sh_split_blank(" x ", 3));
  assert_false(sh_split_blank("''", 2));
  assert_false(sh_split_blank("{}", 2));
}

/* ---------------------------------------------------------- positions */

static void locate_positions(void **state) {
  (void)state;
  const char *t = "SELECT 1;\nSELECT x FORM y;\n  '厦门' BAD;";
  size_t n = strlen(t);
  sh_pos p;
  /* relative to byte 9 (after the first ';'): line 2 col 10 there is
   * line 2 col 10 of the whole text */
  assert_int_equal(sh_locate(t, n, 9, 2, 10, &p), 0);
  assert_int_equal(p.line, 2);
  assert_int_equal(p.column, 10);
  assert_memory_equal(t + p.offset, "FORM", 4);
  assert_memory_equal(t + p.line_start, "SELECT x", 8);
  assert_int_equal(t[p.line_end], '\n');
  /* a statement starting mid-line: columns continue from the line start */
  const char *u = "A; B BAD;";
  assert_int_equal(sh_locate(u, strlen(u), 2, 1, 4, &p), 0);
  assert_int_equal(p.column, 6);
  assert_memory_equal(u + p.offset, "BAD", 3);
  /* columns count characters, not bytes */
  size_t third = (size_t)(strchr(t + 10, '\n') - t) + 1;
  assert_int_equal(sh_locate(t, n, third, 1, 8, &p), 0);
  assert_int_equal(p.line, 3);
  assert_int_equal(p.column, 8);
  assert_memory_equal(t + p.offset, "BAD", 3);
  assert_int_equal(p.line_end, n);
  /* clamped: past the line's end, past the text's end */
  assert_int_equal(sh_locate(t, n, 0, 1, 99, &p), 0);
  assert_int_equal(p.offset, 9);
  assert_int_equal(sh_locate(t, n, 0, 9, 1, &p), 0);
  assert_int_equal(p.offset, n);
  assert_int_equal(sh_locate(t, n, 0, 0, 1, &p), -1);
  assert_int_equal(sh_locate(t, n, n + 1, 1, 1, &p), -1);
}

/* ------------------------------------------------------------- widths */

static void width_utf8_decode(void **state) {
  (void)state;
  uint32_t cp;
  assert_int_equal(sh_utf8_next("A", 1, &cp), 1);
  assert_int_equal(cp, 'A');
  assert_int_equal(sh_utf8_next("\xE5\x8E\xA6", 3, &cp), 3); /* 厦 */
  assert_int_equal(cp, 0x53A6);
  assert_int_equal(sh_utf8_next("\xF0\x9F\x98\x80", 4, &cp), 4);
  assert_int_equal(cp, 0x1F600);
  assert_int_equal(sh_utf8_next("\xC0\x80", 2, &cp), 1); /* overlong */
  assert_int_equal(cp, SH_UTF8_INVALID);
  assert_int_equal(sh_utf8_next("\xED\xA0\x80", 3, &cp), 1); /* surrogate */
  assert_int_equal(cp, SH_UTF8_INVALID);
  assert_int_equal(sh_utf8_next("\xE5\x8E", 2, &cp), 1); /* truncated */
  assert_int_equal(cp, SH_UTF8_INVALID);
  assert_int_equal(sh_utf8_next("\x80", 1, &cp), 1);
  assert_int_equal(cp, SH_UTF8_INVALID);
}

static void check_widths(void) {
  assert_int_equal(width(""), 0);
  assert_int_equal(width("penalty_general"), 15);
  assert_int_equal(width("厦门"), 4);
  assert_int_equal(width("厦门示例船务有限公司"), 20);
  assert_int_equal(width("厦市监罚〔2025〕12号"), 20);
  assert_int_equal(width("ab厦c"), 5);
  assert_int_equal(width("ＡＢ"), 4);      /* fullwidth forms */
  assert_int_equal(width("e\xCC\x81"), 1); /* e + combining acute */
  assert_int_equal(width("a\xE2\x80\x8B"
                         "b"),
                   2); /* zero-width space */
  assert_int_equal(width("\xFF"
                         "a"),
                   2);                /* a stray byte counts 1 */
  assert_int_equal(width("a\tb"), 2); /* controls count 0 */
}

static void width_fallback(void **state) {
  (void)state;
  assert_int_equal(sh_char_width_fallback('a'), 1);
  assert_int_equal(sh_char_width_fallback(0x53A6), 2);
  assert_int_equal(sh_char_width_fallback(0x3014), 2); /* 〔 */
  assert_int_equal(sh_char_width_fallback(0xAC00), 2); /* Hangul */
  assert_int_equal(sh_char_width_fallback(0x0301), 0);
  assert_int_equal(sh_char_width_fallback(0x00E9), 1);
  assert_int_equal(sh_char_width_fallback(0x1F600), 2);
  assert_int_equal(sh_char_width_fallback(0x0A), 0);
  setlocale(LC_CTYPE, "C"); /* wcwidth unusable: the tables decide */
  check_widths();
}

static void width_locale(void **state) {
  (void)state;
  if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "C.utf8"))
    skip();
  check_widths();
  setlocale(LC_CTYPE, "C");
}

/* ---------------------------------------------------------------- csv */

static void csv_quoting(void **state) {
  (void)state;
  struct {
    const char *in, *out;
  } cases[] = {
      {"plain", "plain"},
      {"厦门", "厦门"},
      {"", "\"\""},
      {"a,b", "\"a,b\""},
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"two\nlines", "\"two\nlines\""},
      {"cr\r", "\"cr\r\""},
      {" lead and trail ", " lead and trail "},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *s = csv_of(cases[i].in);
    assert_string_equal(s, cases[i].out);
    free(s);
  }
  char *s = csv_of(NULL);
  assert_string_equal(s, "");
  free(s);
}

/* ------------------------------------------------------------ formats */

static const char *const names3[] = {"id", "subject_name", "amount"};
static const credo_type decl3[] = {CREDO_T_INT, CREDO_T_TEXT, CREDO_T_REAL};

static const sh_value rows3[] = {
    {CREDO_T_INT, 1, 0, NULL},
    {CREDO_T_TEXT, 0, 0, "厦门示例船务有限公司"},
    {CREDO_T_REAL, 0, 0.5, NULL},
    {CREDO_T_INT, 12, 0, NULL},
    {CREDO_T_TEXT, 0, 0, "a,\"b\"\nc"},
    {CREDO_T_NULL, 0, 0, NULL},
};

static void format_table(void **state) {
  (void)state;
  setlocale(LC_CTYPE, "C");
  char *s = render(SH_FORMAT_TABLE, 3, names3, decl3, rows3, 2);
  assert_string_equal(s, "id | subject_name         | amount\n"
                         "---+----------------------+-------\n"
                         " 1 | 厦门示例船务有限公司 |    0.5\n"
                         "12 | a,\"b\"\\nc             |   NULL\n"
                         "(2 rows)\n");
  free(s);
  s = render(SH_FORMAT_TABLE, 3, names3, decl3, rows3, 0);
  assert_string_equal(s, "id | subject_name | amount\n"
                         "---+--------------+-------\n"
                         "(0 rows)\n");
  free(s);
  s = render(SH_FORMAT_TABLE, 3, names3, decl3, rows3, 1);
  assert_non_null(strstr(s, "(1 row)\n"));
  free(s);
}

static void format_csv(void **state) {
  (void)state;
  char *s = render(SH_FORMAT_CSV, 3, names3, decl3, rows3, 2);
  assert_string_equal(s, "id,subject_name,amount\n"
                         "1,厦门示例船务有限公司,0.5\n"
                         "12,\"a,\"\"b\"\"\nc\",\n");
  free(s);
}

static void format_json(void **state) {
  (void)state;
  char *s = render(SH_FORMAT_JSON, 3, names3, decl3, rows3, 2);
  assert_string_equal(
      s, "[\n"
         "  {\"id\": 1, \"subject_name\": \"厦门示例船务有限公司\", "
         "\"amount\": 0.5},\n"
         "  {\"id\": 12, \"subject_name\": \"a,\\\"b\\\"\\nc\", "
         "\"amount\": null}\n"
         "]\n");
  free(s);
  s = render(SH_FORMAT_JSON, 3, names3, decl3, rows3, 0);
  assert_string_equal(s, "[]\n");
  free(s);
}

/* Every type in json/jsonl, and keys made unique. */
static void format_jsonl_types(void **state) {
  (void)state;
  const char *const names[] = {"ok", "at", "data", "bad",
                               "r",  "ok", "txt",  "big"};
  const sh_value row[] = {
      {CREDO_T_BOOL, 1, 0, NULL},
      {CREDO_T_TIME, 0, 0, "2025-03-01T00:00:00+08:00"},
      {CREDO_T_JSON, 0, 0, "{\"amount_wan\":0.1,\"k\":[1,2]}"},
      {CREDO_T_JSON, 0, 0, "{broken"},
      {CREDO_T_REAL, 0, 1.0, NULL},
      {CREDO_T_BOOL, 0, 0, NULL},
      {CREDO_T_TEXT, 0, 0, "bad\xFFutf8"},
      {CREDO_T_INT, INT64_MIN, 0, NULL},
  };
  char *s = render(SH_FORMAT_JSONL, 8, names, NULL, row, 1);
  assert_string_equal(
      s, "{\"ok\": true, \"at\": \"2025-03-01T00:00:00+08:00\", "
         "\"data\": {\"amount_wan\":0.1,\"k\":[1,2]}, \"bad\": \"{broken\", "
         "\"r\": 1.0, \"ok_6\": false, \"txt\": \"bad\xEF\xBF\xBDutf8\", "
         "\"big\": -9223372036854775808}\n");
  free(s);
}

static void format_no_columns(void **state) {
  (void)state;
  for (int f = SH_FORMAT_TABLE; f <= SH_FORMAT_JSONL; f++) {
    char *s = render((sh_format)f, 0, NULL, NULL, NULL, 0);
    assert_string_equal(s, "");
    free(s);
  }
}

static void format_names(void **state) {
  (void)state;
  sh_format f;
  assert_int_equal(sh_format_parse("JSONL", &f), 0);
  assert_int_equal(f, SH_FORMAT_JSONL);
  assert_int_equal(sh_format_parse("csv", &f), 0);
  assert_int_equal(f, SH_FORMAT_CSV);
  assert_int_equal(sh_format_parse("xml", &f), -1);
  assert_int_equal(sh_format_parse(NULL, &f), -1);
  assert_string_equal(sh_format_name(SH_FORMAT_JSON), "json");
}

static void secret_lines(void **state) {
  (void)state;
  const char *yes[] = {"CREATE USER a ROLE admin PASSWORD 'x';",
                       "alter user a password 'y';", "  Password 'z'",
                       "PASSWORD"};
  const char *no[] = {"SELECT passwords FROM t;", "SHOW USERS;",
                      "SELECT id FROM events WHERE ref = 'mypassword1';", ""};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
    assert_int_equal(sh_has_secret(yes[i], strlen(yes[i])), 1);
  for (size_t i = 0; i < sizeof no / sizeof *no; i++)
    assert_int_equal(sh_has_secret(no[i], strlen(no[i])), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(secret_lines),       cmocka_unit_test(split_plain),
      cmocka_unit_test(split_strings),      cmocka_unit_test(split_identifiers),
      cmocka_unit_test(split_comments),     cmocka_unit_test(split_json),
      cmocka_unit_test(split_multiline),    cmocka_unit_test(split_blank),
      cmocka_unit_test(locate_positions),   cmocka_unit_test(width_utf8_decode),
      cmocka_unit_test(width_fallback),     cmocka_unit_test(width_locale),
      cmocka_unit_test(csv_quoting),        cmocka_unit_test(format_table),
      cmocka_unit_test(format_csv),         cmocka_unit_test(format_json),
      cmocka_unit_test(format_jsonl_types), cmocka_unit_test(format_no_columns),
      cmocka_unit_test(format_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
