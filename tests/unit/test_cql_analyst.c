/*
 * test_cql_analyst.c -- the analyst additions to CQL through the public
 * API: scalar functions (text, numbers, times), CASE, CAST and ::, exact
 * DECIMAL arithmetic and aggregates, DISTINCT / FILTER aggregates,
 * string_agg, implicit aliases, aliases in HAVING, OFFSET without LIMIT,
 * error messages with "did you mean", and the public role through them.
 *
 * Every expectation is a value computed by hand from the fixture below.
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
      "cqla", "2025-01-01",
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

/* ------------------------------------------------------------- tests */

static void t_text_functions(void **state) {
  fx *f = *state;
  expect(f,
         "SELECT substr(subject, 3, 6), substr('厦门市', 2), substr('abc', 0, "
         "2), left('厦门市', 2), right('abc', 2) FROM events WHERE id = 1",
         "350100|门市|a|厦门|bc\n");
  expect(f,
         "SELECT lower(subject_name), upper('äöü'), length(subject_name), "
         "length('厦门') FROM events WHERE id = 3",
         "äö trading|ÄÖÜ|10|2\n");
  expect(f,
         "SELECT replace('a-b-c', '-', '+'), trim('  x '), ltrim('xxy', 'x'),"
         " rtrim('yxx', 'x'), position('门' IN '厦门'), position('z' IN 'a'),"
         " concat('a', NULL, 1, TRUE), 'a' || 1 FROM types WHERE name = "
         "'honour'",
         "a+b+c|x|y|y|2|0|a1true|a1\n");
  expect(f, "SELECT substr(NULL, 1), upper(NULL) FROM types LIMIT 1",
         "NULL|NULL\n");
  err(f, "SELECT substr('abc', 1, -1) FROM types", CREDO_RANGE,
      "substr: negative length");
  err(f, "SELECT substr('abc', 'x') FROM types", CREDO_SEMANTIC,
      "substr needs an integer");
}

static void t_number_functions(void **state) {
  fx *f = *state;
  expect(f,
         "SELECT round(2.345, 2), round(2.5), round(-2.5), round(1234, -2), "
         "abs(-3), abs(-1.5), floor(-1.5), ceil(1.2), greatest(1, 3, 2), "
         "least('b', 'a'), nullif(1, 1), nullif(1, 2), coalesce(NULL, 7) "
         "FROM types WHERE name = 'honour'",
         "2.35|3|-3|1200|3|1.5|-2|2|3|a|NULL|1|7\n");
  err(f, "SELECT greatest(1, 'a') FROM types", CREDO_SEMANTIC,
      "greatest cannot compare");
}

static void t_time_functions(void **state) {
  fx *f = *state;
  /* r2 happened at 23:30 UTC on 31 May: 1 June in +08:00 */
  ok_on(f->db, "SET TIME ZONE '+08:00'");
  expect(f,
         "SELECT date_trunc('month', occurred), extract(month FROM occurred),"
         " extract(day FROM occurred), extract(dow FROM occurred), "
         "extract(quarter FROM occurred), to_char(occurred, 'YYYY-MM-DD "
         "HH24:MI') FROM events WHERE ref = 'r2'",
         "2025-06-01T00:00:00+08:00|6|1|0|2|2025-06-01 07:30\n");
  expect(f,
         "SELECT date_trunc('week', '2025-06-04'), date_trunc('quarter', "
         "'2025-06-04'), date_trunc('year', '2025-06-04') FROM types LIMIT 1",
         "2025-06-02T00:00:00+08:00|2025-04-01T00:00:00+08:00|"
         "2025-01-01T00:00:00+08:00\n");
  ok_on(f->db, "SET TIME ZONE 'UTC'");
  expect(f,
         "SELECT date_trunc('month', occurred), extract(epoch FROM "
         "CAST('2025-06-01T00:00:00.5Z' AS TIME) - occurred) FROM events "
         "WHERE ref = 'r2'",
         "2025-05-01T00:00:00+00:00|1800.5\n");
  expect(f, "SELECT now() = NOW FROM types LIMIT 1", "true\n");
  err(f, "SELECT date_trunc('fortnight', occurred) FROM events", CREDO_SEMANTIC,
      "date_trunc: unknown unit 'fortnight'");
  err(f, "SELECT extract(century FROM occurred) FROM events", CREDO_SEMANTIC,
      "extract: unknown field 'century'");
}

static void t_case_cast(void **state) {
  fx *f = *state;
  expect(f,
         "SELECT id, CASE WHEN data.amount_wan > 1 THEN 'big' WHEN "
         "data.amount_wan IS NULL THEN 'none' ELSE 'small' END, CASE source "
         "WHEN 'xm-tax' THEN 1 END FROM events ORDER BY id",
         "1|big|NULL\n2|small|1\n3|big|NULL\n4|none|1\n");
  /* the ELSE branch is not evaluated when a WHEN matched */
  expect(f, "SELECT CASE WHEN 0 = 0 THEN 0 ELSE 1 / 0 END FROM types LIMIT 1",
         "0\n");
  expect(f,
         "SELECT CAST('12' AS INT) + 1, '2.50'::decimal, CAST(2.5 AS INT), "
         "CAST(id AS TEXT) || 'x', CAST('yes' AS BOOL), CAST(TRUE AS INT), "
         "CAST('2025-01-02' AS TIME) > '2025-01-01', 7::real / 2 FROM "
         "events WHERE id = 1",
         "13|2.5|3|1x|true|1|true|3.5\n");
  err(f, "SELECT CAST('abc' AS INT) FROM types", CREDO_SEMANTIC,
      "cannot cast 'abc' to INT");
  err(f, "SELECT CASE WHEN 1 THEN 2 END FROM types", CREDO_SEMANTIC,
      "expected a condition (BOOL), got INT");
  err(f, "SELECT TRUE + 1 FROM types", CREDO_SEMANTIC, "type mismatch");
}

static void t_exact_money(void **state) {
  fx *f = *state;
  /* 33.91 + 0.2 + 1348805.72 = 1348839.83 exactly (as doubles the sum
   * prints 1348839.8300000001) */
  expect(f,
         "SELECT sum(data.amount_wan), data.amount_wan FROM events WHERE "
         "id = 1 GROUP BY data.amount_wan",
         "33.91|33.91\n");
  expect(f, "SELECT sum(data.amount_wan), avg(data.\"罚款\") FROM events",
         "1348839.83|0.133333333333333333\n");
  expect(f,
         "SELECT data.amount_wan + 0.09::decimal, data.amount_wan * 100, "
         "data.amount_wan - 33 FROM events WHERE id = 1",
         "34|3391|0.91\n");
  expect(f, "SELECT sum(data.\"罚款\") FROM events", "0.4\n");
  err(f, "SELECT data.amount_wan / 0 FROM events WHERE id = 1", CREDO_RANGE,
      "division by zero");
}

/* Numbers of 16..18 significant digits in `data` are kept as written
 * and read as exact decimals (engine/jcanon.c, jfield.c); one of them
 * does not make other reals print with 17 digits. */
static void t_long_digits(void **state) {
  fx *f = *state;
  ok_on(f->db,
        "RECORD honour FOR '" PERSON "' OCCURRED '2025-01-02' SOURCE 'big' "
        "REF 'b1' DATA {\"x\": 123456789012345.678, \"y\": "
        "1234567890123456.78, \"z\": 0.1};"
        "RECORD honour FOR '" PERSON "' OCCURRED '2025-01-03' SOURCE 'big' "
        "REF 'b2' DATA {\"x\": 0.002, \"y\": -0.78, \"z\": "
        "0.123456789012345678}");
  expect(f,
         "SELECT data.x, data.y, data.z FROM events WHERE source = 'big' "
         "ORDER BY id",
         "123456789012345.678|1234567890123456.78|0.1\n"
         "0.002|-0.78|0.123456789012345678\n");
  expect(f, "SELECT sum(data.x), sum(data.y) FROM events WHERE source = 'big'",
         "123456789012345.68|1234567890123456\n");
  expect(f, "SELECT data FROM events WHERE source = 'big' ORDER BY id",
         "{\"x\":123456789012345.678,\"y\":1234567890123456.78,\"z\":0.1}\n"
         "{\"x\":0.002,\"y\":-0.78,\"z\":0.123456789012345678}\n");
  /* re-sending the fact is not a conflict; other digits are */
  ok_on(f->db, "RECORD honour FOR '" PERSON "' OCCURRED '2025-01-02' SOURCE "
               "'big' REF 'b1' DATA {\"z\": 0.1, \"y\": 1234567890123456.780, "
               "\"x\": 123456789012345.678}");
  err(f,
      "RECORD honour FOR '" PERSON "' OCCURRED '2025-01-02' SOURCE 'big' "
      "REF 'b1' DATA {\"z\": 0.1, \"y\": 1234567890123456.78, \"x\": "
      "123456789012345.679}",
      CREDO_CONFLICT, "different data");
}

static void t_decimal_api(void **state) {
  fx *f = *state;
  credo_stmt *st;
  assert_int_equal(credo_prepare(f->db,
                                 "SELECT sum(data.amount_wan) FROM events", -1,
                                 &st, NULL),
                   CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_int_equal(credo_column_type(st, 0), CREDO_T_DECIMAL);
  assert_string_equal(credo_column_text(st, 0), "1348839.83");
  assert_true(credo_column_double(st, 0) == 1348839.83);
  assert_int_equal(credo_column_int64(st, 0), 1348840);
  credo_finalize(st);
}

static void t_aggregates(void **state) {
  fx *f = *state;
  expect(f,
         "SELECT count(DISTINCT subject), count(DISTINCT source) n, "
         "sum(DISTINCT data.\"罚款\"), count(*) FILTER (WHERE type = "
         "'honour') h, min(subject_name), max(occurred) FROM events",
         "3|2|0.3|1|ÄÖ Trading|2025-06-20T00:00:00+00:00\n");
  expect(f,
         "SELECT source, string_agg(ref, ',') refs, count(*) n FROM events "
         "GROUP BY source HAVING n > 1 ORDER BY source",
         "xm-market|r1,r3|2\nxm-tax|r2,r4|2\n");
  expect(f,
         "SELECT subject, count(*) AS n FROM events GROUP BY subject HAVING "
         "n >= 2",
         ORG "|2\n");
  expect(f, "SELECT id FROM events ORDER BY id OFFSET 2", "3\n4\n");
  expect(f, "SELECT id FROM events ORDER BY id OFFSET 1 LIMIT 1", "2\n");
  expect(f,
         "SELECT avg('2025-12-01'::time - occurred), sum('2025-12-01'::time "
         "- occurred) FROM events WHERE id >= 3",
         "264 DAYS 12 HOURS|529 DAYS\n");
  err(f, "SELECT upper(type) FILTER (WHERE id = 1) FROM events", CREDO_SEMANTIC,
      "upper is not an aggregate function");
  err(f, "SELECT count(*) FILTER (WHERE count(*) > 1) FROM events",
      CREDO_SEMANTIC, "aggregate functions cannot be nested");
}

static void t_repairable_from(void **state) {
  fx *f = *state;
  expect(f, "SELECT id, repairable_from FROM events WHERE id IN (1, 4)",
         "1|2025-06-01T00:00:00+00:00\n4|2024-12-01T00:00:00+00:00\n");
  /* the policy as it is when read: the type's REPAIRABLE AFTER */
  expect(f,
         "SELECT count(*) FROM events WHERE repairable_from <= "
         "'2025-06-01'",
         "2\n");
}

/* Named and numbered parameters, the new binds and column calls. */
static void t_api(void **state) {
  fx *f = *state;
  credo_stmt *st;
  assert_int_equal(credo_prepare(f->db,
                                 "SELECT ref, :gap + occurred, public = :pub,"
                                 " sum(data.amount_wan) FROM events WHERE "
                                 "source = :src AND ref <> :src GROUP BY "
                                 "ref, occurred, public ORDER BY ref",
                                 -1, &st, NULL),
                   CREDO_OK);
  assert_int_equal(credo_bind_count(st), 3);
  assert_int_equal(credo_bind_parameter_index(st, ":gap"), 1);
  assert_int_equal(credo_bind_parameter_index(st, ":pub"), 2);
  assert_int_equal(credo_bind_parameter_index(st, ":src"), 3);
  assert_int_equal(credo_bind_parameter_index(st, ":nope"), 0);
  assert_string_equal(credo_bind_parameter_name(st, 3), ":src");
  assert_null(credo_bind_parameter_name(st, 0));
  assert_null(credo_bind_parameter_name(st, 4));
  assert_int_equal(credo_bind_duration(st, 1, (credo_duration){1, 0}),
                   CREDO_OK);
  assert_int_equal(credo_bind_bool(st, 2, 1), CREDO_OK);
  assert_int_equal(credo_bind_text(st, 3, "xm-market", -1), CREDO_OK);
  assert_int_equal(credo_column_decltype(st, 2), CREDO_T_BOOL);
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_string_equal(credo_column_text(st, 0), "r1");
  assert_int_equal(credo_column_bytes(st, 0), 2);
  assert_string_equal(credo_column_text(st, 1), "2025-04-01T00:00:00+00:00");
  assert_int_equal(credo_column_type(st, 2), CREDO_T_BOOL);
  assert_int_equal(credo_column_int64(st, 2), 1);
  assert_int_equal(credo_column_type(st, 3), CREDO_T_DECIMAL);
  assert_string_equal(credo_column_text(st, 3), "33.91");
  assert_int_equal(credo_column_bytes(st, 3), 5);
  credo_finalize(st);
  assert_int_equal(credo_prepare(f->db,
                                 "SELECT id FROM events WHERE id = $2 OR "
                                 "id = $1 ORDER BY id",
                                 -1, &st, NULL),
                   CREDO_OK);
  assert_int_equal(credo_bind_count(st), 2);
  assert_int_equal(credo_bind_parameter_index(st, "$1"), 0);
  assert_null(credo_bind_parameter_name(st, 1)); /* $n has no name */
  assert_int_equal(credo_bind_int64(st, 1, 3), CREDO_OK);
  assert_int_equal(credo_bind_int64(st, 2, 1), CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_int_equal(credo_column_int64(st, 0), 1);
  assert_int_equal(credo_column_bytes(st, 0), 1);
  credo_finalize(st);
  err(f, "SELECT id FROM events WHERE id = ? OR id = $1", CREDO_SYNTAX,
      "do not mix $n with ? or :name parameters");
  err(f, "SELECT id FROM events WHERE id = :a OR id = ?", CREDO_SYNTAX,
      "do not mix ? with $n or :name parameters");
}

static void t_errors(void **state) {
  fx *f = *state;
  err(f, "SELECT typo FROM events", CREDO_SEMANTIC,
      "unknown column \"typo\"; did you mean type?");
  err(f, "SELECT substring_index(type) FROM events", CREDO_SEMANTIC,
      "unknown function \"substring_index\" (functions: substr,");
  err(f, "SELECT lowr(type) FROM events", CREDO_SEMANTIC,
      "unknown function \"lowr\"; did you mean lower?");
  err(f, "SELECT id FROM events WHER id = 1", CREDO_SYNTAX,
      "line 1, column 23: syntax error near \"WHER\" (did you mean WHERE?)");
  err(f, "SELECT round(1, 2, 3) FROM events", CREDO_SEMANTIC,
      "round takes 1 to 2, not 3");
}

static void t_subqueries(void **state) {
  fx *f = *state;
  ok_on(f->db, "CREATE SUBJECT '91350211MA2XN6QJ3Q' KIND org NAME '无记录'");
  expect(f,
         "SELECT id FROM subjects WHERE id NOT IN (SELECT subject FROM events) "
         "ORDER BY id",
         "91350211MA2XN6QJ3Q\n");
  expect(f,
         "SELECT ref FROM events WHERE subject IN (SELECT id FROM subjects "
         "WHERE name LIKE '%Trading') ORDER BY ref",
         "r3\n");
  expect(f,
         "SELECT (SELECT count(*) FROM types) n, EXISTS (SELECT id FROM "
         "events WHERE ref = 'r4') e, EXISTS (SELECT id FROM events WHERE "
         "ref = 'nope') e2 FROM types LIMIT 1",
         "2|true|false\n");
  /* NOT IN over a set holding NULL is unknown, as in SQL */
  expect(f,
         "SELECT count(*) FROM events WHERE id NOT IN (SELECT "
         "data.amount_wan FROM events)",
         "0\n");
  /* parameters reach the subquery */
  {
    credo_stmt *st;
    assert_int_equal(credo_prepare(f->db,
                                   "SELECT count(*) FROM events WHERE "
                                   "subject IN (SELECT id FROM subjects "
                                   "WHERE kind = ?)",
                                   -1, &st, NULL),
                     CREDO_OK);
    assert_int_equal(credo_bind_text(st, 1, "person", -1), CREDO_OK);
    assert_int_equal(credo_step(st), CREDO_ROW);
    assert_int_equal(credo_column_int64(st, 0), 1);
    credo_finalize(st);
  }
  err(f,
      "SELECT id FROM events WHERE subject IN (SELECT id, kind FROM "
      "subjects)",
      CREDO_SEMANTIC, "a subquery used as a value must return one column");
  err(f, "SELECT (SELECT id FROM subjects) FROM types", CREDO_SEMANTIC,
      "returned more than one row");
  err(f, "SELECT id FROM events WHERE subject IN (SELECT idd FROM subjects)",
      CREDO_SEMANTIC, "line 1, column 48: unknown column \"idd\"");
  err(f, "REPAIR EVENTS WHERE id IN (SELECT id FROM events) REASON 'x'",
      CREDO_NOTSUP, "a subquery is not supported in WHERE");
}

static void t_set_operations(void **state) {
  fx *f = *state;
  expect(f,
         "SELECT source FROM events WHERE type = 'honour' UNION SELECT "
         "source FROM events WHERE id < 3 ORDER BY source",
         "xm-market\nxm-tax\n");
  expect(f,
         "SELECT source FROM events WHERE type = 'honour' UNION ALL SELECT "
         "source FROM events WHERE id < 3 ORDER BY 1 DESC LIMIT 2",
         "xm-tax\nxm-tax\n");
  expect(f,
         "SELECT subject FROM events EXCEPT SELECT subject FROM events WHERE "
         "type = 'honour' ORDER BY subject",
         ORG "\n" ORG2 "\n");
  expect(f,
         "SELECT subject FROM events WHERE source = 'xm-market' INTERSECT "
         "SELECT subject FROM events WHERE source = 'xm-tax'",
         ORG "\n");
  /* what changed between two instants: each side has its own AS OF */
  f->clk.now = th_t("2025-08-01");
  ok_on(f->db, "CORRECT EVENT 2 SET data.amount_wan = 0.25 REASON '更正'");
  expect(f,
         "SELECT id, data.amount_wan FROM events AS OF '2025-08-02' EXCEPT "
         "SELECT id, data.amount_wan FROM events AS OF '2025-07-02'",
         "2|0.25\n");
  err(f, "SELECT id, ref FROM events UNION SELECT id FROM events",
      CREDO_SEMANTIC, "must return the same number of columns (2, not 1)");
  err(f, "SELECT id FROM events ORDER BY id UNION SELECT id FROM events",
      CREDO_SYNTAX, "go after its last SELECT");
  err(f, "SELECT id FROM events UNION SELECT id FROM events ORDER BY ref",
      CREDO_SEMANTIC, "must name an output column");
}

/* The public role sees only public fields through the new functions too:
 * a hidden data field stays NULL inside CASE, string_agg, CAST... */
static void t_public_role(void **state) {
  fx *f = *state;
  credo *pub = NULL;
  assert_int_equal(credo_dup(f->db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  expect_on(pub,
            "SELECT count(*), string_agg(CAST(data.amount_wan AS TEXT), ','),"
            " max(CASE WHEN data.amount_wan > 0 THEN 1 ELSE 0 END) FROM events",
            "4|NULL|0\n");
  /* nothing hidden through subqueries: their rules are the role's */
  err_on(pub,
         "SELECT count(*) FROM types WHERE EXISTS (SELECT id FROM events "
         "INCLUDE HIDDEN)",
         CREDO_DENIED, "permission denied");
  err_on(pub,
         "SELECT count(*) FROM types WHERE EXISTS (SELECT id FROM events AS "
         "OF '2025-06-01')",
         CREDO_DENIED, "permission denied");
  expect_on(pub,
            "SELECT count(*) FROM events WHERE data.amount_wan IN (SELECT "
            "data.amount_wan FROM events)",
            "0\n");
  err_on(pub,
         "SELECT id FROM events UNION SELECT id FROM events INCLUDE HIDDEN",
         CREDO_DENIED, "permission denied");
  ok_on(f->db, "REPAIR EVENT 1 REASON '修复'");
  expect_on(pub,
            "SELECT EXISTS (SELECT id FROM events WHERE ref = 'r1'), EXISTS "
            "(SELECT id FROM events WHERE ref = 'r2') FROM types LIMIT 1",
            "false|true\n");
  credo_close(pub);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(t_text_functions, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_number_functions, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(t_time_functions, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_case_cast, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_exact_money, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_long_digits, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_decimal_api, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_aggregates, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_repairable_from, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_api, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_errors, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_subqueries, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_set_operations, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_public_role, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
