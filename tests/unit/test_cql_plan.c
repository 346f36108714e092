/*
 * test_cql_plan.c -- the planner's choice of access path, asserted through
 * EXPLAIN (id, source + ref, subject, type, public_until ranges, full
 * scan, and the priority when several apply), the other lines of EXPLAIN,
 * and the exact positions of semantic errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo.h"
#include "th_store.h"

#define ORG "91350100M000100Y43"

typedef th_fx fx; /* the shared store fixture (th_store.h) */
#define fx_teardown th_fx_teardown

static int fx_setup(void **state) {
  fx *f = th_fx_open("cqlp", "2025-07-01",
                     "CREATE TYPE penalty_general PUBLICITY 1 YEAR REPAIRABLE "
                     "AFTER 3 MONTHS; CREATE TYPE honour;"
                     "CREATE SUBJECT '" ORG "' KIND org;");
  char sql[512];
  for (int i = 0; i < 8; i++) {
    snprintf(sql, sizeof sql,
             "RECORD %s FOR '" ORG "' OCCURRED '2025-0%d-01' SOURCE 's' "
             "REF 'r%d';",
             i % 2 ? "honour" : "penalty_general", 1 + i % 6, i);
    th_ok(f->db, sql);
  }
  *state = f;
  return 0;
}

/* EXPLAIN's lines joined with '\n'. */
static char *explain(fx *f, const char *select) {
  char sql[1024], *out = calloc(1, 4096);
  credo_stmt *st;
  int rc;
  snprintf(sql, sizeof sql, "EXPLAIN %s", select);
  rc = credo_prepare(f->db, sql, -1, &st, NULL);
  if (rc != CREDO_OK)
    fail_msg("%s: %s", sql, credo_errmsg(f->db));
  assert_int_equal(credo_column_count(st), 1);
  assert_string_equal(credo_column_name(st, 0), "plan");
  while ((rc = credo_step(st)) == CREDO_ROW) {
    strcat(out, credo_column_text(st, 0));
    strcat(out, "\n");
  }
  assert_int_equal(rc, CREDO_DONE);
  credo_finalize(st);
  return out;
}

/* The first line of EXPLAIN must be `first`. */
static void path_is(fx *f, const char *select, const char *first) {
  char *got = explain(f, select);
  size_t n = strlen(first);
  if (strncmp(got, first, n) != 0 || got[n] != '\n')
    fail_msg("%s\n  expected first line: %s\n  got:\n%s", select, first, got);
  free(got);
}

static void t_paths(void **state) {
  fx *f = *state;
  path_is(f, "SELECT * FROM events WHERE id = 3",
          "SEARCH events USING id (id = 3) ~1 rows");
  path_is(f, "SELECT * FROM events WHERE 3 = id",
          "SEARCH events USING id (3 = id) ~1 rows");
  path_is(f, "SELECT * FROM events WHERE source = 's' AND ref = 'r1'",
          "SEARCH events USING source/ref index (source = 's' AND ref = "
          "'r1') ~1 rows");
  path_is(f, "SELECT * FROM events WHERE subject = ?",
          "SEARCH events USING subject index (subject = ?) ~8 rows");
  path_is(f, "SELECT * FROM events WHERE type = 'honour'",
          "SEARCH events USING type index (type = 'honour') ~4 rows");
  path_is(f, "SELECT * FROM events WHERE public_until < NOW + 30 DAYS",
          "SEARCH events USING public_until index (public_until < NOW + 30 "
          "DAYS) ~2 rows");
  path_is(f,
          "SELECT * FROM events WHERE public_until >= '2025-01-01' AND "
          "public_until < '2026-01-01'",
          "SEARCH events USING public_until index (public_until >= "
          "'2025-01-01' AND public_until < '2026-01-01') ~2 rows");
  path_is(f,
          "SELECT * FROM events WHERE public_until BETWEEN '2025-01-01' AND "
          "'2026-01-01'",
          "SEARCH events USING public_until index (public_until BETWEEN "
          "'2025-01-01' AND '2026-01-01') ~2 rows");
  path_is(f, "SELECT * FROM events WHERE '2026-01-01' > public_until",
          "SEARCH events USING public_until index ('2026-01-01' > "
          "public_until) ~2 rows");
  path_is(f, "SELECT * FROM events", "SCAN events ~8 rows");
  path_is(f, "SELECT * FROM events WHERE occurred > '2025-01-01'",
          "SCAN events ~8 rows");
  /* not usable: OR, a column on both sides, source without ref */
  path_is(f, "SELECT * FROM events WHERE id = 1 OR id = 2",
          "SCAN events ~8 rows");
  path_is(f, "SELECT * FROM events WHERE id = version", "SCAN events ~8 rows");
  path_is(f, "SELECT * FROM events WHERE source = 's'", "SCAN events ~8 rows");
  path_is(f, "SELECT * FROM subjects", "SCAN subjects ~1 rows");
  path_is(f, "SELECT * FROM types", "SCAN types ~2 rows");
}

static void t_priority(void **state) {
  fx *f = *state;
  path_is(f,
          "SELECT * FROM events WHERE subject = '" ORG
          "' AND type = 'honour' AND id = 2 AND source = 's' AND ref = 'r1'",
          "SEARCH events USING id (id = 2) ~1 rows");
  path_is(f,
          "SELECT * FROM events WHERE type = 'honour' AND ref = 'r1' AND "
          "subject = '" ORG "' AND source = 's'",
          "SEARCH events USING source/ref index (source = 's' AND ref = "
          "'r1') ~1 rows");
  path_is(f,
          "SELECT * FROM events WHERE public_until < NOW AND type = 'honour' "
          "AND subject = '" ORG "'",
          "SEARCH events USING subject index (subject = '" ORG "') ~8 rows");
  path_is(f,
          "SELECT * FROM events WHERE public_until < NOW AND type = 'honour'",
          "SEARCH events USING type index (type = 'honour') ~4 rows");
}

static void t_lines(void **state) {
  fx *f = *state;
  char *got = explain(f, "SELECT type, count(*) AS n FROM events WHERE "
                         "subject = ? GROUP BY type HAVING count(*) > 1 "
                         "ORDER BY n DESC LIMIT 5 OFFSET 1 AS OF NOW "
                         "VISIBLE AT NOW - 1 DAY INCLUDE HIDDEN");
  assert_string_equal(got, "SEARCH events USING subject index (subject = ?) ~8 "
                           "rows\n"
                           "FILTER subject = ?\n"
                           "GROUP BY type\n"
                           "HAVING count(*) > 1\n"
                           "ORDER BY n DESC (TOP-K)\n"
                           "LIMIT 5 OFFSET 1\n"
                           "AS OF NOW\n"
                           "VISIBLE AT NOW - 1 DAY\n"
                           "INCLUDE HIDDEN\n"
                           "row path: a selective index path\n");
  free(got);
  got = explain(f, "SELECT DISTINCT subject FROM events ORDER BY subject");
  assert_string_equal(got, "SCAN events ~8 rows\nDISTINCT\nORDER BY "
                           "subject\n");
  free(got);
  got = explain(f, "SELECT count(*) FROM events");
  assert_string_equal(got, "SCAN events ~8 rows\nAGGREGATE\n"
                           "batch path: projection segments of 1024 rows\n");
  free(got);
}

/* The plan's rows are the rows the query gives. */
static void t_paths_agree(void **state) {
  fx *f = *state;
  const char *where[] = {
      "id = 3",
      "source = 's' AND ref = 'r1'",
      "subject = '" ORG "'",
      "type = 'honour'",
      "public_until < '2026-03-01'",
      "public_until >= '2026-03-01'",
      "public_until > '2026-03-01' AND public_until <= '2026-05-01'",
      "type = 'penalty_general' AND public_until < '2026-03-01'",
      "public_until > '2099-01-01'"};
  for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
    char a[512], b[512];
    int64_t n1 = -1, n2 = -2;
    credo_stmt *st;
    snprintf(a, sizeof a, "SELECT count(*) FROM events WHERE %s", where[i]);
    /* the same predicate behind `1 = 1 OR`: no path, a full scan */
    snprintf(b, sizeof b,
             "SELECT count(*) FROM events WHERE (%s) AND (1 = 1 OR id = 0)",
             where[i]);
    assert_int_equal(credo_prepare(f->db, a, -1, &st, NULL), CREDO_OK);
    assert_int_equal(credo_step(st), CREDO_ROW);
    n1 = credo_column_int64(st, 0);
    credo_finalize(st);
    assert_int_equal(credo_prepare(f->db, b, -1, &st, NULL), CREDO_OK);
    assert_int_equal(credo_step(st), CREDO_ROW);
    n2 = credo_column_int64(st, 0);
    credo_finalize(st);
    if (n1 != n2 || n1 <= 0)
      fail_msg("%s: %lld rows by path, %lld by scan", where[i], (long long)n1,
               (long long)n2);
  }
}

static void err_is(fx *f, const char *sql, int code, int line, int col,
                   const char *msg) {
  credo_stmt *st = NULL;
  int rc = credo_prepare(f->db, sql, -1, &st, NULL), l, c;
  if (rc == CREDO_OK) {
    rc = credo_step(st);
    credo_finalize(st);
  }
  if (rc != code)
    fail_msg("%s: expected %s, got %s (%s)", sql, credo_errname(code),
             credo_errname(rc), credo_errmsg(f->db));
  credo_errpos(f->db, &l, &c);
  if (l != line || c != col || strcmp(credo_errmsg(f->db), msg) != 0)
    fail_msg("%s:\n  expected %d:%d %s\n  got      %d:%d %s", sql, line, col,
             msg, l, c, credo_errmsg(f->db));
}

static void t_errors(void **state) {
  fx *f = *state;
  err_is(f, "SELECT * FROM events WHERE type = 'penalti'", CREDO_NOTFOUND, 1,
         35,
         "line 1, column 35: unknown type \"penalti\" (known: honour, "
         "penalty_general)");
  err_is(f, "SELECT id,\n  bogus FROM events", CREDO_SEMANTIC, 2, 3,
         "line 2, column 3: unknown column \"bogus\" (columns: id, subject, "
         "type, occurred, public_from, public_until, source, ref, data, "
         "version, recorded, actor, public, subject_name, subject_kind, op, "
         "reason, retain_until, repairable_from, data.<path>)");
  err_is(f, "SELECT kind FROM types", CREDO_SEMANTIC, 1, 8,
         "line 1, column 8: unknown column \"kind\" (columns: name, id, "
         "publicity, repairable_after, created, polarity, published, "
         "public_fields)");
  err_is(
      f, "SELECT subject.x FROM events", CREDO_SEMANTIC, 1, 8,
      "line 1, column 8: unknown column \"subject.x\" (columns: id, "
      "subject, type, occurred, public_from, public_until, source, ref, "
      "data, version, recorded, actor, public, subject_name, "
      "subject_kind, op, reason, retain_until, repairable_from, data.<path>)");
  err_is(f, "SELECT frob(id) FROM events", CREDO_SEMANTIC, 1, 8,
         "line 1, column 8: unknown function \"frob\" (functions: substr, "
         "replace, trim, ltrim, rtrim, lower, "
         "upper, length, position, concat, left, right, round, abs, floor, "
         "ceil, greatest, least, nullif, coalesce, date_trunc, extract, "
         "to_char, now, count, sum, avg, min, max, string_agg)");
  err_is(f, "SELECT uper(id) FROM events", CREDO_SEMANTIC, 1, 8,
         "line 1, column 8: unknown function \"uper\"; did you mean upper? "
         "(functions: substr, replace, trim, ltrim, rtrim, lower, upper, "
         "length, position, concat, left, right, round, abs, floor, ceil, "
         "greatest, least, nullif, coalesce, date_trunc, extract, to_char, "
         "now, count, sum, avg, min, max, string_agg)");
  err_is(f, "SELECT upper(id, id) FROM events", CREDO_SEMANTIC, 1, 8,
         "line 1, column 8: wrong number of arguments: upper takes one, not "
         "2");
  err_is(f, "SELECT id FROM events WHERE occurred < 'abc'", CREDO_SEMANTIC, 1,
         40, "line 1, column 40: cannot read 'abc' as a time");
  err_is(f, "SELECT id FROM events WHERE id = 'abc'", CREDO_SEMANTIC, 1, 34,
         "line 1, column 34: type mismatch: cannot compare INT with TEXT");
  err_is(f, "SELECT id FROM events WHERE id", CREDO_SEMANTIC, 1, 29,
         "line 1, column 29: type mismatch: WHERE needs a condition (BOOL), "
         "got INT");
  err_is(f, "SELECT id FROM events WHERE sum(id) > 1", CREDO_SEMANTIC, 1, 29,
         "line 1, column 29: aggregate function sum is not allowed in WHERE");
  err_is(f, "SELECT type, id, count(*) FROM events GROUP BY type",
         CREDO_SEMANTIC, 1, 14,
         "line 1, column 14: column \"id\" must appear in GROUP BY or be "
         "used in an aggregate function");
  err_is(f, "SELECT id FROM events LIMIT id", CREDO_SEMANTIC, 1, 29,
         "line 1, column 29: LIMIT cannot refer to column \"id\"");
  err_is(f, "SELECT id FROM events WHERE id = ?", CREDO_MISUSE, 1, 34,
         "line 1, column 34: parameter 1 is not bound");
  err_is(f, "SELECT id FROM events WHERE occurred + 1 > NOW", CREDO_SEMANTIC, 1,
         40,
         "line 1, column 40: type mismatch: cannot apply + to TIME and INT");
  err_is(f, "SELECT * FROM subjects AS OF NOW", CREDO_SEMANTIC, 1, 30,
         "line 1, column 30: AS OF, VISIBLE AT and INCLUDE apply to events "
         "only, not to subjects");
  err_is(f, "SELECT id FORM events", CREDO_SYNTAX, 1, 11,
         "line 1, column 11: syntax error near \"FORM\" (did you mean FROM?)");
}

/* credo_stmt_readonly is decided from the compiled statement. */
static void t_readonly(void **state) {
  fx *f = *state;
  static const struct {
    const char *sql;
    int ro;
  } cases[] = {
      {"SELECT id FROM events", 1},
      {"  /* c */ -- x\n select count(*) FROM types", 1},
      {"EXPLAIN SELECT * FROM events WHERE id = 1", 1},
      {"HISTORY OF EVENT 1", 1},
      {"SHOW STATS", 1},
      {"REPAIR EVENT 1 REASON 'x'", 0},
      {"RECORD honour FOR '" ORG "' OCCURRED '2025-01-01' SOURCE 's' "
       "REF 'z'",
       0},
      {"SET TIME ZONE '+08:00'", 0},
      {"BEGIN", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    credo_stmt *st = NULL;
    assert_int_equal(credo_prepare(f->db, cases[i].sql, -1, &st, NULL),
                     CREDO_OK);
    assert_int_equal(credo_stmt_readonly(st), cases[i].ro);
    credo_finalize(st);
  }
  assert_int_equal(credo_stmt_readonly(NULL), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(t_paths, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_priority, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_lines, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_paths_agree, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_errors, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_readonly, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
