/*
 * test_shell_complete.c -- the shell's TAB completion (client/sh_complete.c)
 * on made-up catalogs: each context, case following the word typed, and
 * that its keyword list is the lexer's (parser/lexer.re) and the function
 * names (credo_function_name) are the ones the engine resolves.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "credo.h"
#include "sh_complete.h"
#include "th.h"

static sh_catalog cat;

static void add(sh_names *l, const char *const *v) {
  for (; *v; v++)
    assert_int_equal(sh_names_add(l, *v, strlen(*v)), 0);
}

static int setup(void **state) {
  (void)state;
  add(&cat.tables, (const char *const[]){"events", "subjects", "types", NULL});
  add(&cat.columns,
      (const char *const[]){
          "events.id", "events.subject", "events.subject_name", "events.type",
          "events.ref", "events.data", "subjects.id", "subjects.kind",
          "subjects.name", "types.name", "types.publicity", NULL});
  add(&cat.types, (const char *const[]){"penalty_general", "penalty_serious",
                                        "licence", NULL});
  add(&cat.functions,
      (const char *const[]){"substr", "substring", "sum", "string_agg", NULL});
  add(&cat.commands,
      (const char *const[]){"d", "help", "timing", "x", "pset", "q", NULL});
  return 0;
}

static int teardown(void **state) {
  (void)state;
  sh_catalog_free(&cat);
  return 0;
}

/* The candidates at the end of text (or at `|` when text holds one),
 * joined by spaces. */
static char *cands(const char *text) {
  static char buf[4096];
  char *copy = strdup(text), *bar = strchr(copy, '|');
  size_t point = bar ? (size_t)(bar - copy) : strlen(copy);
  sh_names out = {0};
  if (bar)
    memmove(bar, bar + 1, strlen(bar));
  int n = sh_complete(copy, point, &cat, &out);
  assert_int_equal(n, (int)out.n);
  buf[0] = '\0';
  for (size_t i = 0; i < out.n; i++)
    snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? " " : "",
             out.v[i]);
  sh_names_free(&out);
  free(copy);
  return buf;
}

static void keywords_follow_case(void **state) {
  (void)state;
  assert_string_equal(cands("SEL"), "SELECT");
  assert_string_equal(cands("sel"), "select");
  assert_string_equal(cands("SELECT 1; SEL"), "SELECT");
  assert_string_equal(cands("SELECT * FROM events WHERE id = 1 ORD"), "ORDER");
}

static void tables_after_from(void **state) {
  (void)state;
  assert_string_equal(cands("SELECT * FROM "), "events subjects types");
  assert_string_equal(cands("select * from ev"), "events");
  assert_string_equal(cands("DESCRIBE su"), "subjects");
  assert_string_equal(cands("SELECT *\nFROM t"), "types");
}

static void columns_of_the_statement(void **state) {
  (void)state;
  /* the FROM after the cursor decides */
  assert_string_equal(cands("SELECT na| FROM subjects"), "name");
  assert_string_equal(cands("SELECT subject| FROM events"),
                      "subject subject_name");
  /* no FROM yet: every table's columns, with keywords and functions */
  assert_string_equal(cands("SELECT su"), "subject subject_name substr "
                                          "substring sum");
  assert_string_equal(cands("SELECT count(*) FROM events WHERE ty"),
                      "type types");
  /* joins: both tables' columns; a qualifier names its table or alias */
  assert_string_equal(cands("SELECT na| FROM events e JOIN subjects s ON "
                            "s.id = e.subject"),
                      "name");
  assert_string_equal(cands("SELECT s.| FROM events e JOIN subjects AS s"),
                      "id kind name");
  assert_string_equal(cands("SELECT e.sub| FROM events e"),
                      "subject subject_name");
  assert_string_equal(cands("SELECT events.r| FROM events"), "ref");
  assert_string_equal(cands("SELECT x.| FROM events e"), "");
  assert_string_equal(cands("SELECT * FROM events e LEFT JOIN su"), "subjects");
}

static void types_kinds_casts(void **state) {
  (void)state;
  assert_string_equal(cands("RECORD pen"), "penalty_general penalty_serious");
  assert_string_equal(cands("SELECT * FROM events WHERE type = 'pen"),
                      "penalty_general penalty_serious");
  assert_string_equal(
      cands("SELECT * FROM events WHERE type IN ('licence', 'p"),
      "penalty_general penalty_serious");
  assert_string_equal(cands("SELECT * FROM events WHERE ref = 'pen"), "");
  assert_string_equal(cands("CREATE SUBJECT 'x' KIND o"), "org other");
  assert_string_equal(cands("SELECT CAST(id AS IN"), "INT");
  assert_string_equal(cands("SELECT id::de"), "decimal");
  assert_string_equal(cands("SELECT count(*) AS N"), "NAME NOT NOW NULL name");
  assert_string_equal(cands("SHOW T"), "TABLES TYPES");
}

static void nothing_in_comments_json_paths(void **state) {
  (void)state;
  assert_string_equal(cands("SELECT data.am"), "");
  assert_string_equal(cands("SELECT 1 -- sel"), "");
  assert_string_equal(cands("SELECT 1 /* sel"), "");
  assert_string_equal(cands("RECORD x FOR 's' DATA {\"a"), "");
}

static void backslash_commands(void **state) {
  (void)state;
  assert_string_equal(cands("\\"), "\\d \\help \\pset \\q \\timing \\x");
  assert_string_equal(cands("\\ti"), "\\timing");
  assert_string_equal(cands("  \\d ev"), "events");
  assert_string_equal(cands("\\x "), "auto off on");
  assert_string_equal(cands("\\pset "), "expanded pager");
  assert_string_equal(cands("\\pset pager o"), "off on");
  assert_string_equal(cands("\\timing o"), "off on");
}

/* The keywords the lexer knows (its 'word' { return emit_word(...KW) }
 * and 'unit' rules) and the shell offers are the same set. */
static void keywords_are_the_lexers(void **state) {
  (void)state;
  FILE *f = fopen("parser/lexer.re", "r");
  char line[1024];
  int found = 0;
  assert_non_null(f);
  while (fgets(line, sizeof line / 2, f)) {
    char *p = line, word[64];
    size_t len = strlen(line);
    /* a rule whose action starts on the next line */
    if (!strstr(line, "emit_") && len > 1 && line[len - 2] == '{' &&
        !fgets(line + len - 1, (int)(sizeof line - len), f))
      break;
    while (isspace((unsigned char)*p))
      p++;
    int unit = strstr(p, "emit_unit") != NULL;
    if (*p != '\'' || (!unit && !strstr(p, "emit_word")) ||
        strstr(p, "CQL_TK_ID"))
      continue;
    for (; *p == '\'';) { /* 'a' | 'b' ... */
      size_t n = strcspn(p + 1, "'");
      snprintf(word, sizeof word, "%.*s", (int)n, p + 1);
      for (char *c = word; *c; c++)
        *c = (char)toupper((unsigned char)*c);
      int in = 0;
      for (const char *const *k = sh_complete_keywords; *k; k++)
        in |= strcmp(*k, word) == 0;
      if (!in)
        fail_msg("lexer keyword %s is not offered by the shell", word);
      found++;
      p += n + 2;
      while (*p == ' ' || *p == '|')
        p++;
    }
  }
  fclose(f);
  size_t nk = 0;
  while (sh_complete_keywords[nk])
    nk++;
  assert_int_equal(found, (int)nk); /* and nothing the lexer lacks */
}

/* Every name credo_function_name lists is one the engine resolves: a
 * call with no arguments fails for its arguments, never as unknown. */
static void function_names_resolve(void **state) {
  (void)state;
  char *dir = th_tmpdir("complete");
  credo *db = NULL;
  int n = 0;
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  for (const char *name; (name = credo_function_name(n)) != NULL; n++) {
    char sql[128];
    credo_stmt *st = NULL;
    snprintf(sql, sizeof sql, "SELECT %s() FROM types", name);
    if (credo_prepare(db, sql, -1, &st, NULL) == CREDO_OK) {
      credo_finalize(st);
      continue;
    }
    if (strstr(credo_errmsg(db), "unknown function"))
      fail_msg("%s: %s", name, credo_errmsg(db));
  }
  assert_true(n > 20);
  assert_null(credo_function_name(-1));
  assert_null(credo_function_name(n));
  credo_close(db);
  th_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(keywords_follow_case),
      cmocka_unit_test(tables_after_from),
      cmocka_unit_test(columns_of_the_statement),
      cmocka_unit_test(types_kinds_casts),
      cmocka_unit_test(nothing_in_comments_json_paths),
      cmocka_unit_test(backslash_commands),
      cmocka_unit_test(keywords_are_the_lexers),
      cmocka_unit_test(function_names_resolve),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
