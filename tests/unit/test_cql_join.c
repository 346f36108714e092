/*
 * test_cql_join.c -- joins in CQL through the public API (issue 15):
 * [INNER] JOIN / LEFT [OUTER] JOIN ... ON, table aliases, qualified
 * columns and data paths, `*` / `q.*`, aggregates, subqueries and set
 * operations over joins, EXPLAIN's join methods, positioned errors,
 * per-table AS OF / VISIBLE AT / INCLUDE, and the public role's rules
 * through joins (nothing hidden reachable, no person unmasked, no match
 * on the id a mask hides, no subjects table).
 *
 * Every expectation is computed by hand from the fixture below.
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
#define ORG2 "914403001922038216"
#define PERSON "11010519491231002X"

/* the shared store fixture and CQL helpers (th_store.h) */
typedef th_fx fx;
#define expect_on th_expect
#define expect(f, sql, rows) th_expect((f)->db, sql, rows)
#define err_on th_fails
#define err(f, sql, code, msg) th_fails((f)->db, sql, code, msg)
#define ok_on th_ok
#define fx_teardown th_fx_teardown

static int fx_setup(void **state) {
  fx *f = th_fx_open(
      "cqlj", "2025-01-01",
      "CREATE TYPE penalty_general PUBLICITY 1 YEAR REPAIRABLE AFTER 3 "
      "MONTHS PUBLIC FIELDS (\"罚款\"); CREATE TYPE honour;"
      "CREATE SUBJECT '" ORG "' KIND org NAME '厦门示例船务有限公司';"
      "CREATE SUBJECT '" ORG2 "' KIND org NAME 'ÄÖ Trading';"
      "CREATE SUBJECT '" PERSON "' KIND person NAME '张三';");
  f->clk.now = th_t("2025-07-01");
  ok_on(f->db,
        "RECORD penalty_general FOR '" ORG "' OCCURRED '2025-03-01' SOURCE "
        "'xm-market' REF 'r1' DATA {\"amount_wan\": 33.91, \"罚款\": 0.1};"
        "RECORD penalty_general FOR '" ORG "' OCCURRED '2025-05-31T23:30:00Z'"
        " SOURCE 'xm-tax' REF 'r2' DATA {\"amount_wan\": 0.2, \"罚款\": 0.2};"
        "RECORD penalty_general FOR '" ORG2 "' OCCURRED '2025-06-20' SOURCE "
        "'xm-market' REF 'r3' DATA {\"amount_wan\": 1348805.72, \"罚款\": 0.1};"
        "RECORD honour FOR '" PERSON "' OCCURRED '2024-12-01' SOURCE "
        "'xm-tax' REF 'r4' DATA {\"level\": \"A\"};");
  *state = f;
  return 0;
}

/* Collects the rows of sql and checks that `want` occurs in them. */
static void contains_on(credo *db, const char *sql, const char *want) {
  char *rows = th_rows(db, sql);
  if (!strstr(rows, want))
    fail_msg("%s\n  lacks \"%s\" in:\n%s", sql, want, rows);
  free(rows);
}

static int ncols_of(credo *db, const char *sql) {
  credo_stmt *st = NULL;
  int n;
  assert_int_equal(credo_prepare(db, sql, -1, &st, NULL), CREDO_OK);
  n = credo_column_count(st);
  credo_finalize(st);
  return n;
}

/* Inner and LEFT joins, aliases, qualified columns and data paths, `*`
 * and `q.*`, with aggregates, GROUP BY, ORDER BY, subqueries and set
 * operations over them. */
static void t_joins(void **state) {
  fx *f = *state;
  ok_on(f->db, "CREATE SUBJECT 'x-idle' KIND other NAME 'idle'");
  expect(f,
         "SELECT e.id, s.name FROM events e JOIN subjects s ON s.id = "
         "e.subject ORDER BY e.id",
         "1|厦门示例船务有限公司\n2|厦门示例船务有限公司\n3|ÄÖ Trading\n4|"
         "张三\n");
  expect(f,
         "SELECT s.id, count(e.id) FROM subjects AS s LEFT OUTER JOIN events "
         "e ON e.subject = s.id GROUP BY s.id ORDER BY s.id",
         PERSON "|1\n" ORG "|2\n" ORG2 "|1\nx-idle|0\n");
  expect(f,
         "SELECT s.name FROM subjects s LEFT JOIN events e ON e.subject = "
         "s.id WHERE e.id IS NULL",
         "idle\n");
  expect(f,
         "SELECT s.kind, sum(e.data.amount_wan) FROM events e JOIN subjects "
         "s ON s.id = e.subject INNER JOIN types t ON t.name = e.type WHERE "
         "t.polarity = 'adverse' GROUP BY s.kind ORDER BY s.kind",
         "org|1348839.83\nperson|NULL\n"); /* honour is adverse here */
  expect(f,
         "SELECT a.id, b.id FROM events a JOIN events b ON b.subject = "
         "a.subject AND b.id > a.id",
         "1|2\n");
  expect(f,
         "SELECT count(*) FROM events a JOIN events b ON b.occurred < "
         "a.occurred",
         "6\n");
  expect(f,
         "SELECT name FROM subjects WHERE id IN (SELECT e.subject FROM "
         "events e JOIN types t ON t.name = e.type WHERE t.name = 'honour')",
         "张三\n");
  expect(f,
         "SELECT s.name FROM events e JOIN subjects s ON s.id = e.subject "
         "WHERE e.type = 'honour' UNION SELECT s.name FROM events e JOIN "
         "subjects s ON s.id = e.subject WHERE e.id = 3 ORDER BY 1",
         "ÄÖ Trading\n张三\n");
  expect(f,
         "SELECT DISTINCT t.name FROM events e JOIN types t ON t.name = "
         "e.type ORDER BY t.name DESC LIMIT 1",
         "penalty_general\n");
  expect(f,
         "SELECT events.id FROM events JOIN types ON types.name = "
         "events.type WHERE events.ref = 'r4'",
         "4\n");
  assert_int_equal(ncols_of(f->db, "SELECT * FROM events e JOIN types t ON "
                                   "t.name = e.type"),
                   13 + 5);
  assert_int_equal(ncols_of(f->db, "SELECT t.*, e.id FROM events e JOIN "
                                   "types t ON t.name = e.type"),
                   5 + 1);
  expect(f, "SELECT s.*, 1 FROM subjects s WHERE s.id = 'x-idle'",
         "x-idle|other|idle|2025-07-01T00:00:00.000004+00:00|1\n");
}

/* EXPLAIN names how each joined table is read. */
static void t_explain(void **state) {
  fx *f = *state;
  const char *q = "EXPLAIN SELECT e.id FROM types t JOIN events e ON e.type "
                  "= t.name JOIN subjects s ON s.id = e.subject LEFT JOIN "
                  "events e2 ON e2.subject = s.id JOIN events e3 ON e3.id = "
                  "e2.id JOIN types t2 ON t2.name = e3.type";
  contains_on(f->db, q,
              "JOIN events e ON e.type = t.name: index look-up by type");
  contains_on(f->db, q,
              "JOIN subjects s ON s.id = e.subject: index look-up by id");
  contains_on(f->db, q,
              "LEFT JOIN events e2 ON e2.subject = s.id: index look-up by "
              "subject");
  contains_on(f->db, q, "JOIN events e3 ON e3.id = e2.id: index look-up by id");
  contains_on(f->db, q,
              "JOIN types t2 ON t2.name = e3.type: index look-up by name");
  contains_on(f->db,
              "EXPLAIN SELECT 1 FROM events a JOIN events b ON b.occurred < "
              "a.occurred",
              "JOIN events b ON b.occurred < a.occurred: nested loop");
  /* the same plan gives the same rows as without an index */
  expect(f,
         "SELECT count(*) FROM types t JOIN events e ON e.type = t.name JOIN "
         "subjects s ON s.id = e.subject LEFT JOIN events e2 ON e2.subject = "
         "s.id",
         "6\n");
}

/* Positioned errors: ambiguous names with their candidates, misspelt
 * aliases and columns, ON reading a later table, RIGHT JOIN. */
static void t_errors(void **state) {
  fx *f = *state;
  err(f, "SELECT id FROM events e JOIN subjects s ON s.id = e.subject",
      CREDO_SEMANTIC,
      "line 1, column 8: column reference \"id\" is ambiguous: it may be e.id "
      "or s.id");
  err(f, "SELECT ee.id FROM events e JOIN subjects s ON s.id = e.subject",
      CREDO_SEMANTIC, "did you mean e.id?");
  err(f, "SELECT s.nmae FROM events e JOIN subjects s ON s.id = e.subject",
      CREDO_SEMANTIC, "did you mean s.name?");
  err(f,
      "SELECT 1 FROM events e JOIN subjects s ON s.id = t.name JOIN "
      "types t ON t.name = e.type",
      CREDO_SEMANTIC, "comes later in FROM");
  err(f, "SELECT 1 FROM events e JOIN subjects s ON s.id", CREDO_SEMANTIC,
      "ON needs a condition");
  err(f, "SELECT x.* FROM events e", CREDO_SEMANTIC, "unknown table \"x\"");
  err(f, "SELECT 1 FROM events e RIGHT JOIN subjects s ON s.id = e.subject",
      CREDO_SYNTAX, "swap the tables and use LEFT JOIN");
  err(f,
      "SELECT 1 FROM events e JOIN types AS OF '2025-01-01' t ON t.name = "
      "e.type",
      CREDO_SEMANTIC, "apply to events only");
}

/* AS OF / VISIBLE AT / INCLUDE per table; a table's own clause wins
 * over the statement's. */
static void t_temporal(void **state) {
  fx *f = *state;
  f->clk.now = th_t("2025-07-05");
  ok_on(f->db, "REPAIR EVENT 1 REASON '信用修复'");
  expect(f, "SELECT count(*) FROM events e JOIN types t ON t.name = e.type",
         "3\n");
  expect(f,
         "SELECT count(*) FROM events AS OF '2025-07-02' e JOIN types t ON "
         "t.name = e.type",
         "4\n");
  expect(f,
         "SELECT count(*) FROM events e JOIN types t ON t.name = e.type AS OF "
         "'2025-07-02'",
         "4\n");
  expect(f,
         "SELECT count(*) FROM events AS OF '2025-07-02' a JOIN events b ON "
         "b.id = a.id AS OF '2025-07-06'",
         "3\n");
  expect(f,
         "SELECT count(*) FROM types t JOIN events INCLUDE HIDDEN e ON e.type "
         "= t.name",
         "4\n");
  expect(f,
         "SELECT count(*) FROM events e JOIN events VISIBLE AT '2026-12-01' "
         "e2 ON e2.id = e.id",
         "1\n"); /* only the honour (open window) is public then */
}

/* Rule 8 through joins: the public role reaches nothing hidden and
 * unmasks no person. */
static void t_public(void **state) {
  fx *f = *state;
  credo *pub = NULL;
  f->clk.now = th_t("2025-07-05");
  ok_on(f->db, "REPAIR EVENT 1 REASON '信用修复'");
  assert_int_equal(credo_dup(f->db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  expect_on(pub,
            "SELECT e.id FROM types t JOIN events e ON e.type = t.name ORDER "
            "BY e.id",
            "2\n3\n4\n");
  expect_on(pub,
            "SELECT e.subject, e.subject_name FROM events e JOIN types t ON "
            "t.name = e.type WHERE t.name = 'honour'",
            "110105********002X|张三\n");
  expect_on(pub,
            "SELECT count(*) FROM events e JOIN types t ON t.name = e.type "
            "WHERE e.subject = '" PERSON "'",
            "1\n");
  expect_on(pub,
            "SELECT count(*) FROM events e JOIN types t ON t.name = e.type "
            "WHERE e.subject = '110105********002X'",
            "0\n");
  expect_on(pub,
            "SELECT count(e.data.amount_wan), count(e.data.\"罚款\") FROM "
            "events e JOIN types t ON t.name = e.type",
            "0|2\n");
  err_on(pub, "SELECT s.name FROM events e JOIN subjects s ON s.id = e.subject",
         CREDO_DENIED, "cannot list subjects");
  err_on(pub, "SELECT 1 FROM types t JOIN subjects s ON s.name = t.name",
         CREDO_DENIED, "cannot list subjects");
  err_on(pub,
         "SELECT a.id FROM events a JOIN events b ON b.subject = a.subject",
         CREDO_DENIED, "compare a subject only with a full id");
  err_on(pub,
         "SELECT a.id FROM events a JOIN events b ON b.id = a.id WHERE "
         "b.subject LIKE '1101%'",
         CREDO_DENIED, "compare a subject only with a full id");
  err_on(pub,
         "SELECT count(*) FROM events AS OF '2025-07-02' e JOIN types t ON "
         "t.name = e.type",
         CREDO_DENIED, "permission denied");
  err_on(pub,
         "SELECT count(*) FROM types t JOIN events INCLUDE HIDDEN e ON e.type "
         "= t.name",
         CREDO_DENIED, "permission denied");
  err_on(pub, "SELECT e.actor FROM events e JOIN types t ON t.name = e.type",
         CREDO_DENIED, "internals");
  expect_on(pub,
            "SELECT count(*) FROM types t WHERE EXISTS (SELECT 1 FROM events "
            "e JOIN types t2 ON t2.name = e.type WHERE e.ref = 'r1')",
            "0\n");
  credo_close(pub);
}

/* WITH names and subqueries in FROM: materialized once per execution,
 * usable as tables in FROM and in joins; the role's rules hold inside. */
static void t_with(void **state) {
  fx *f = *state;
  credo *pub = NULL;
  expect(f,
         "WITH pen AS (SELECT subject, count(*) AS n FROM events WHERE type = "
         "'penalty_general' GROUP BY subject) SELECT s.name, pen.n FROM pen "
         "JOIN subjects s ON s.id = pen.subject ORDER BY pen.n DESC",
         "厦门示例船务有限公司|2\nÄÖ Trading|1\n");
  expect(f,
         "WITH a AS (SELECT subject FROM events), b AS (SELECT subject, "
         "count(*) AS n FROM a GROUP BY subject) SELECT max(n), count(*) FROM "
         "b",
         "2|3\n");
  expect(f,
         "SELECT x.k, count(*) FROM (SELECT subject_kind AS k FROM events) x "
         "GROUP BY x.k ORDER BY x.k",
         "org|3\nperson|1\n");
  expect(f,
         "WITH p AS (SELECT DISTINCT subject FROM events WHERE type = "
         "'honour') SELECT s.id FROM subjects s LEFT JOIN p ON p.subject = "
         "s.id WHERE p.subject IS NULL ORDER BY s.id",
         ORG "\n" ORG2 "\n");
  expect(f,
         "WITH t2 AS (SELECT name FROM types) SELECT count(*) FROM t2 a JOIN "
         "t2 b ON a.name < b.name",
         "1\n");
  expect(f,
         "WITH x AS (SELECT subject FROM events) SELECT count(*) FROM x WHERE "
         "x.subject = '" PERSON "'",
         "1\n");
  contains_on(f->db,
              "EXPLAIN WITH pen AS (SELECT subject FROM events) SELECT s.name "
              "FROM subjects s JOIN pen ON pen.subject = s.id",
              "JOIN subquery pen ON pen.subject = s.id: hash join on its rows "
              "(computed and hashed once)");
  contains_on(f->db,
              "EXPLAIN WITH pen AS (SELECT subject FROM events) SELECT s.name "
              "FROM subjects s JOIN pen ON pen.subject > s.id",
              "JOIN subquery pen ON pen.subject > s.id: nested loop over its "
              "rows (computed once)");
  /* a hash join answers as the nested loop: same types hashed, other
   * types (a TEXT day against a TIME) compared row by row */
  expect(f,
         "WITH d AS (SELECT occurred, ref FROM events) SELECT e.ref, d.ref "
         "FROM events e JOIN d ON d.occurred = e.occurred ORDER BY e.ref",
         "r1|r1\nr2|r2\nr3|r3\nr4|r4\n");
  expect(f,
         "WITH d AS (SELECT '2025-03-01' AS day, name FROM types) SELECT "
         "e.ref, d.name FROM events e JOIN d ON d.day = e.occurred ORDER BY "
         "d.name",
         "r1|honour\nr1|penalty_general\n");
  expect(f,
         "WITH k AS (SELECT subject, count(*) AS n FROM events GROUP BY "
         "subject) SELECT s.name, k.n FROM subjects s LEFT JOIN k ON "
         "k.subject = s.id AND k.n > 1 ORDER BY s.name",
         "ÄÖ Trading|NULL\n厦门示例船务有限公司|2\n张三|NULL\n");
  err(f, "WITH x AS (SELECT subject FROM events) SELECT nope FROM x",
      CREDO_SEMANTIC, "unknown column \"nope\"");
  assert_int_equal(credo_dup(f->db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  /* the subquery projects masked ids: the real one matches nothing */
  expect_on(pub,
            "WITH x AS (SELECT subject FROM events) SELECT count(*) FROM x "
            "WHERE x.subject = '" PERSON "'",
            "0\n");
  expect_on(pub,
            "SELECT x.subject FROM (SELECT subject FROM events WHERE type = "
            "'honour') x",
            "110105********002X\n");
  err_on(pub,
         "WITH x AS (SELECT id FROM events INCLUDE HIDDEN) SELECT count(*) "
         "FROM x",
         CREDO_DENIED, "permission denied");
  err_on(pub, "SELECT count(*) FROM (SELECT id FROM subjects) x", CREDO_DENIED,
         "permission denied");
  credo_close(pub);
}

/* Correlated subqueries: EXISTS / NOT EXISTS / IN / scalar reading the
 * outer row, run again per row; the public role cannot correlate on a
 * subject. */
static void t_correlated(void **state) {
  fx *f = *state;
  credo *pub = NULL;
  ok_on(f->db, "CREATE SUBJECT 'x-idle' KIND other NAME 'idle'");
  expect(f,
         "SELECT s.id FROM subjects s WHERE NOT EXISTS (SELECT 1 FROM events "
         "e WHERE e.subject = s.id) ORDER BY s.id",
         "x-idle\n");
  expect(f,
         "SELECT s.name FROM subjects s WHERE EXISTS (SELECT 1 FROM events e "
         "WHERE e.subject = s.id AND e.type = 'honour')",
         "张三\n");
  expect(f,
         "SELECT s.id, (SELECT count(*) FROM events e WHERE e.subject = "
         "s.id) AS n FROM subjects s ORDER BY n DESC, s.id",
         ORG "|2\n" PERSON "|1\n" ORG2 "|1\nx-idle|0\n");
  /* the latest record of each subject: a scalar subquery in WHERE */
  expect(f,
         "SELECT e.ref FROM events e WHERE e.occurred = (SELECT "
         "max(occurred) FROM events e2 WHERE e2.subject = e.subject) ORDER "
         "BY e.ref",
         "r2\nr3\nr4\n");
  /* unqualified outer names, IN, and an outer table without alias */
  expect(f,
         "SELECT count(*) FROM types WHERE name IN (SELECT type FROM events "
         "WHERE source = 'xm-tax' AND type = name)",
         "2\n");
  expect(f,
         "SELECT s.kind, count(*) FROM subjects s WHERE EXISTS (SELECT 1 FROM "
         "events e WHERE e.subject = s.id) GROUP BY s.kind ORDER BY 1",
         "org|2\nperson|1\n");
  err(f,
      "SELECT s.kind, (SELECT count(*) FROM events e WHERE e.subject = s.id) "
      "FROM subjects s GROUP BY s.kind",
      CREDO_NOTSUP, "only in WHERE or ON");
  err(f,
      "SELECT 1 FROM subjects s WHERE EXISTS (SELECT 1 FROM events e WHERE "
      "e.subject = s.nmae)",
      CREDO_SEMANTIC, "unknown table or column \"s.nmae\"");
  assert_int_equal(credo_dup(f->db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  err_on(pub,
         "SELECT a.id FROM events a WHERE EXISTS (SELECT 1 FROM events b "
         "WHERE b.subject = a.subject AND b.id <> a.id)",
         CREDO_DENIED, "cannot correlate a subquery on subject");
  err_on(pub,
         "SELECT a.id FROM events a WHERE EXISTS (SELECT 1 FROM events b "
         "WHERE b.ref = a.reason)",
         CREDO_DENIED, "cannot correlate a subquery on reason");
  expect_on(pub,
            "SELECT t.name FROM types t WHERE EXISTS (SELECT 1 FROM events e "
            "WHERE e.type = t.name AND e.data.amount_wan > 0)",
            ""); /* amount_wan is not a public field: NULL for public */
  expect_on(pub,
            "SELECT t.name FROM types t WHERE EXISTS (SELECT 1 FROM events e "
            "WHERE e.type = t.name) ORDER BY t.name",
            "honour\npenalty_general\n");
  credo_close(pub);
}

/* The users table: admin only, joinable like the others. */
static void t_users(void **state) {
  fx *f = *state;
  credo *ana = NULL, *pub = NULL;
  ok_on(f->db, "CREATE USER ana ROLE analyst PASSWORD 'longpassword1'");
  expect(f,
         "SELECT u.name, u.role, count(e.id) FROM users u LEFT JOIN events e "
         "ON e.actor = u.name GROUP BY u.name, u.role",
         "ana|analyst|0\n");
  expect(f, "SELECT name FROM users WHERE role = 'analyst'", "ana\n");
  assert_int_equal(credo_dup(f->db, &ana), CREDO_OK);
  assert_int_equal(credo_set_user(ana, "ana", CREDO_ROLE_ANALYST), CREDO_OK);
  err_on(ana, "SELECT name FROM users", CREDO_DENIED,
         "line 1, column 18: permission denied: only admin reads the users "
         "table");
  err_on(ana, "SELECT 1 FROM events e JOIN users u ON u.name = e.actor",
         CREDO_DENIED, "only admin reads the users table");
  assert_int_equal(credo_dup(f->db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  err_on(pub, "WITH x AS (SELECT name FROM users) SELECT * FROM x",
         CREDO_DENIED, "only admin reads the users table");
  credo_close(ana);
  credo_close(pub);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(t_joins, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_explain, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_errors, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_temporal, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_public, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_with, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_correlated, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_users, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
