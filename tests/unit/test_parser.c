/*
 * test_parser.c -- the CQL grammar and AST (parser/cql.y, build.c, dump.c,
 * parse.c): every statement form and clause, precedence, parameters,
 * positions, multi-statement buffers, and every error path with its exact
 * message and position.
 *
 * Trees are checked through cql_stmt_dump's canonical form, plus direct
 * field checks where the dump does not show a field (positions, spans,
 * n_params). Run under ASan, the error tests also prove that lemon's
 * destructors free every partial tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cql_parse.h"

/* Parses sql (copied to an exact-size buffer) or fails the test. */
static cql_stmt *parse_ok(const char *sql) {
  size_t len = strlen(sql), used = 0;
  char *buf = malloc(len ? len : 1);
  cql_stmt *st = NULL;
  cql_error err;
  int rc;
  assert_non_null(buf);
  memcpy(buf, sql, len);
  rc = cql_parse(buf, len, &st, &used, &err);
  free(buf);
  if (rc != CREDO_OK)
    fail_msg("%s\n  failed: %s", sql, err.msg);
  if (!st)
    fail_msg("%s\n  gave no statement", sql);
  return st;
}

/* Asserts that sql parses to the canonical form want. */
static void check(const char *sql, const char *want) {
  char got[4096];
  cql_stmt *st = parse_ok(sql);
  cql_stmt_dump(st, got, sizeof got);
  cql_stmt_free(st);
  if (strcmp(got, want) != 0)
    fail_msg("%s\n   got: %s\n  want: %s", sql, got, want);
}

/* Asserts that the first select item of `SELECT <e> FROM events` dumps as
 * want. */
static void check_expr(const char *e, const char *want) {
  char sql[512], got[2048];
  cql_stmt *st;
  snprintf(sql, sizeof sql, "SELECT %s FROM events", e);
  st = parse_ok(sql);
  cql_expr_dump(st->select->items[0].expr, got, sizeof got);
  cql_stmt_free(st);
  if (strcmp(got, want) != 0)
    fail_msg("%s\n   got: %s\n  want: %s", e, got, want);
}

/* Asserts that sql fails with rc CREDO_SYNTAX at line:col with message
 * "line L, column C: what". */
static void check_err(const char *sql, int line, int col, const char *what) {
  size_t len = strlen(sql), used = 99;
  char *buf = malloc(len ? len : 1), want[300];
  cql_stmt *st = (cql_stmt *)&used; /* must be reset to NULL */
  cql_error err;
  int rc;
  assert_non_null(buf);
  memcpy(buf, sql, len);
  rc = cql_parse(buf, len, &st, &used, &err);
  free(buf);
  snprintf(want, sizeof want, "line %d, column %d: %s", line, col, what);
  if (rc != CREDO_SYNTAX || st != NULL)
    fail_msg("%s\n  rc %d, want CREDO_SYNTAX", sql, rc);
  assert_int_equal(used, 0);
  if (err.line != line || err.column != col || strcmp(err.msg, want) != 0)
    fail_msg("%s\n   got: %s\n  want: %s", sql, err.msg, want);
}

/* ---------------------------------------------------------- statements */

static void test_create_type(void **state) {
  (void)state;
  check("CREATE TYPE penalty_general PUBLICITY 1 YEAR REPAIRABLE AFTER 3 "
        "MONTHS;",
        "(CREATE TYPE penalty_general (PUBLICITY (duration months=12 "
        "usec=0)) (REPAIRABLE AFTER (duration months=3 usec=0)))");
  check("create type penalty_serious repairable after 1 year publicity 3 "
        "years",
        "(CREATE TYPE penalty_serious (PUBLICITY (duration months=36 "
        "usec=0)) (REPAIRABLE AFTER (duration months=12 usec=0)))");
  check("CREATE TYPE honour", "(CREATE TYPE honour)");
  check("CREATE TYPE t PUBLICITY 1 YEAR 6 MONTHS 2 WEEKS 3 DAYS 4 HOURS 5 "
        "MINUTES 6 SECONDS",
        "(CREATE TYPE t (PUBLICITY (duration months=18 usec=1483506000000)))");
  check("CREATE TYPE \"my type\" PUBLICITY 0 DAYS",
        "(CREATE TYPE \"my type\" (PUBLICITY (duration months=0 usec=0)))");
  /* a keyword as a type name */
  check("CREATE TYPE data PUBLICITY 1 DAY",
        "(CREATE TYPE data (PUBLICITY (duration months=0 "
        "usec=86400000000)))");
}

static void test_create_subject(void **state) {
  (void)state;
  check("CREATE SUBJECT '91350100M000100Y43' KIND org NAME "
        "'厦门示例船务有限公司';",
        "(CREATE SUBJECT '91350100M000100Y43' (KIND org) (NAME "
        "'厦门示例船务有限公司'))");
  check("create subject '11010519491231002X' kind PERSON",
        "(CREATE SUBJECT '11010519491231002X' (KIND person))");
  check("CREATE SUBJECT ? KIND other NAME ?",
        "(CREATE SUBJECT ?1 (KIND other) (NAME ?2))");
}

static void test_record(void **state) {
  (void)state;
  check("RECORD penalty_general FOR '91350100M000100Y43' OCCURRED "
        "'2025-03-01'\n  SOURCE 'xm-market' REF '厦市监罚〔2025〕12号'\n"
        "  DATA {\"amount_wan\": 0.5, \"authority\": "
        "\"厦门市市场监督管理局\"};",
        "(RECORD penalty_general (FOR '91350100M000100Y43') (OCCURRED "
        "'2025-03-01') (SOURCE 'xm-market') (REF '厦市监罚〔2025〕12号') "
        "(DATA (json {\"amount_wan\": 0.5, \"authority\": "
        "\"厦门市市场监督管理局\"})))");
  check("RECORD t FOR 's' OCCURRED NOW - 10 DAYS PUBLIC FROM NOW UNTIL NOW "
        "+ 1 YEAR SOURCE 'a' REF 'b' REASON 'late entry'",
        "(RECORD t (FOR 's') (OCCURRED (- NOW (duration months=0 "
        "usec=864000000000))) (PUBLIC FROM NOW) (UNTIL (+ NOW (duration "
        "months=12 usec=0))) (SOURCE 'a') (REF 'b') (REASON 'late entry'))");
  /* clauses in any order; parameters everywhere */
  check("RECORD t FOR ? REF ? SOURCE ? DATA ? OCCURRED ? REASON ?",
        "(RECORD t (FOR ?1) (OCCURRED ?5) (SOURCE ?3) (REF ?2) (DATA ?4) "
        "(REASON ?6))");
  check("RECORD t FOR 's' OCCURRED '2025-01-01' SOURCE 'a' REF 'b' DATA {}",
        "(RECORD t (FOR 's') (OCCURRED '2025-01-01') (SOURCE 'a') (REF 'b') "
        "(DATA (json {})))");
}

static void test_select_basic(void **state) {
  (void)state;
  check("SELECT * FROM events", "(SELECT (items *) (FROM events))");
  check("select id, subject from SUBJECTS",
        "(SELECT (items id subject) (FROM subjects))");
  check("SELECT DISTINCT type FROM \"types\"",
        "(SELECT DISTINCT (items type) (FROM types))");
  check("SELECT *, id FROM events", "(SELECT (items * id) (FROM events))");
  check("SELECT count(*) AS n, sum(data.amount_wan) AS total, avg(x), "
        "min(x), max(x), count(DISTINCT subject) FROM events",
        "(SELECT (items (AS (call count *) n) (AS (call sum data.amount_wan) "
        "total) (call avg x) (call min x) (call max x) (call count DISTINCT "
        "subject)) (FROM events))");
  check("SELECT COUNT(*), Lower(name), coalesce(a, b, 'x'), f() FROM "
        "subjects",
        "(SELECT (items (call count *) (call lower name) (call coalesce a b "
        "'x') (call f)) (FROM subjects))");
}

static void test_select_clauses(void **state) {
  (void)state;
  check("SELECT subject, count(*) AS n FROM events WHERE type = 'x' GROUP BY "
        "subject HAVING count(*) > 1 ORDER BY n DESC, subject LIMIT 10 "
        "OFFSET 20 AS OF '2025-06-01' VISIBLE AT '2025-05-01' INCLUDE HIDDEN "
        "INCLUDE RETRACTED;",
        "(SELECT (items subject (AS (call count *) n)) (FROM events) (WHERE "
        "(= type 'x')) (GROUP BY subject) (HAVING (> (call count *) 1)) "
        "(ORDER BY (n DESC) (subject ASC)) (LIMIT 10) (OFFSET 20) (AS OF "
        "'2025-06-01') (VISIBLE AT '2025-05-01') (INCLUDE HIDDEN) (INCLUDE "
        "RETRACTED))");
  /* temporal clauses before WHERE, and in any order */
  check("SELECT id FROM events INCLUDE RETRACTED AS OF NOW - 1 DAY WHERE id "
        "> 5 ORDER BY id ASC VISIBLE AT NOW INCLUDE HIDDEN",
        "(SELECT (items id) (FROM events) (WHERE (> id 5)) (ORDER BY (id "
        "ASC)) (AS OF (- NOW (duration months=0 usec=86400000000))) "
        "(VISIBLE AT NOW) (INCLUDE HIDDEN) (INCLUDE RETRACTED))");
  check("SELECT id FROM events GROUP BY a, b, c",
        "(SELECT (items id) (FROM events) (GROUP BY a b c))");
  check("SELECT id FROM events HAVING x", /* HAVING without GROUP BY */
        "(SELECT (items id) (FROM events) (HAVING x))");
  check("SELECT id FROM events LIMIT ? OFFSET ?",
        "(SELECT (items id) (FROM events) (LIMIT ?1) (OFFSET ?2))");
  check("SELECT id FROM events ORDER BY occurred DESC LIMIT 5",
        "(SELECT (items id) (FROM events) (ORDER BY (occurred DESC)) (LIMIT "
        "5))");
}

static void test_keywords_as_names(void **state) {
  (void)state;
  check("SELECT id, subject, type, occurred, public_from, public_until, "
        "source, ref, data, version, recorded, actor, public, subject_name, "
        "subject_kind, name, kind FROM events",
        "(SELECT (items id subject type occurred public_from public_until "
        "source ref data version recorded actor public subject_name "
        "subject_kind name kind) (FROM events))");
  check("SELECT data.select, data.from, data.where.order FROM events",
        "(SELECT (items data.select data.from data.where.order) (FROM "
        "events))");
  check("SELECT x AS of, y AS year, z AS \"我的\" FROM events",
        "(SELECT (items (AS x of) (AS y year) (AS z \"我的\")) (FROM "
        "events))");
  check("SELECT * FROM events WHERE type = 'a' AND source = 'b' AND public",
        "(SELECT (items *) (FROM events) (WHERE (AND (= type 'a') (= "
        "source 'b') public)))");
}

static void test_explain(void **state) {
  (void)state;
  check("EXPLAIN SELECT * FROM events WHERE subject = '91350100M000100Y43'",
        "(EXPLAIN (SELECT (items *) (FROM events) (WHERE (= subject "
        "'91350100M000100Y43'))))");
}

static void test_history(void **state) {
  (void)state;
  check("HISTORY OF EVENT 42;", "(HISTORY OF EVENT 42)");
  check("history of event ?", "(HISTORY OF EVENT ?1)");
  check("HISTORY OF SUBJECT '91350100M000100Y43'",
        "(HISTORY OF SUBJECT '91350100M000100Y43')");
}

static void test_repair(void **state) {
  (void)state;
  check("REPAIR EVENT 42 EFFECTIVE '2025-06-01' REASON '信用修复';",
        "(REPAIR EVENT 42 (EFFECTIVE '2025-06-01') (REASON '信用修复'))");
  check("REPAIR EVENT 42 REASON 'r'", "(REPAIR EVENT 42 (REASON 'r'))");
  check("REPAIR EVENT 42 REASON 'r' EFFECTIVE NOW",
        "(REPAIR EVENT 42 (EFFECTIVE NOW) (REASON 'r'))");
  check("REPAIR EVENTS WHERE type = 'penalty_general' AND occurred < NOW - 1 "
        "YEAR EFFECTIVE NOW REASON 'batch'",
        "(REPAIR EVENTS (WHERE (AND (= type 'penalty_general') (< occurred "
        "(- NOW (duration months=12 usec=0))))) (EFFECTIVE NOW) (REASON "
        "'batch'))");
}

static void test_correct_retract(void **state) {
  (void)state;
  check("CORRECT EVENT 42 SET data.amount_wan = 1.5, occurred = "
        "'2025-01-01', data.a.b = 'x' || 'y', data = {\"k\": [1]}, "
        "data.tags = [\"a\"], type = 'penalty_serious' REASON '异议处理';",
        "(CORRECT EVENT 42 (SET (= data.amount_wan 1.5) (= occurred "
        "'2025-01-01') (= data.a.b (|| 'x' 'y')) (= data (json {\"k\": [1]})) "
        "(= data.tags (json [\"a\"])) (= type 'penalty_serious')) (REASON "
        "'异议处理'))");
  check("RETRACT EVENT 7 REASON 'recorded in error'",
        "(RETRACT EVENT 7 (REASON 'recorded in error'))");
  check("RETRACT EVENT ? REASON ?", "(RETRACT EVENT ?1 (REASON ?2))");
}

static void test_misc_statements(void **state) {
  (void)state;
  check("SHOW TYPES", "(SHOW TYPES)");
  check("show stats;", "(SHOW STATS)");
  check("Show Users", "(SHOW USERS)");
  check("SET TIME ZONE '+08:00'", "(SET TIME ZONE '+08:00')");
  check("BEGIN", "(BEGIN)");
  check("commit;", "(COMMIT)");
  check("ROLLBACK", "(ROLLBACK)");
  check("CREATE USER alice ROLE analyst PASSWORD 's3cret'",
        "(CREATE USER alice (ROLE analyst) (PASSWORD 's3cret'))");
  check("CREATE USER bob PASSWORD ? ROLE REPAIRER",
        "(CREATE USER bob (ROLE repairer) (PASSWORD ?1))");
  check("ALTER USER bob ROLE admin", "(ALTER USER bob (ROLE admin))");
  check("ALTER USER bob PASSWORD 'x'", "(ALTER USER bob (PASSWORD 'x'))");
  check("ALTER USER bob ROLE public PASSWORD 'x'",
        "(ALTER USER bob (ROLE public) (PASSWORD 'x'))");
  check("DROP USER bob", "(DROP USER bob)");
  check("create user \"Dr. Wu\" role recorder password 'p'",
        "(CREATE USER \"Dr. Wu\" (ROLE recorder) (PASSWORD 'p'))");
}

static void test_fields(void **state) {
  cql_stmt *st;
  (void)state;
  st = parse_ok("CREATE TYPE t PUBLICITY 2 YEARS");
  assert_int_equal(st->kind, CQL_CREATE_TYPE);
  assert_string_equal(st->create_type.name, "t");
  assert_true(st->create_type.has_publicity);
  assert_false(st->create_type.has_repairable);
  assert_int_equal(st->create_type.publicity.months, 24);
  cql_stmt_free(st);

  st = parse_ok("CREATE SUBJECT 'x' KIND person");
  assert_int_equal(st->create_subject.kind, CREDO_KIND_PERSON);
  assert_null(st->create_subject.name);
  cql_stmt_free(st);

  st = parse_ok("CREATE USER u ROLE recorder PASSWORD 'p'");
  assert_true(st->user.has_role);
  assert_int_equal(st->user.role, CREDO_ROLE_RECORDER);
  assert_int_equal(st->user.password->kind, CQL_E_TEXT);
  cql_stmt_free(st);

  st = parse_ok("SELECT 'it''s', \"a\"\"b\" FROM events");
  assert_int_equal(st->select->items[0].expr->kind, CQL_E_TEXT);
  assert_string_equal(st->select->items[0].expr->text, "it's");
  assert_int_equal(st->select->items[0].expr->text_len, 4);
  assert_string_equal(st->select->items[1].expr->path.segs[0], "a\"b");
  assert_int_equal(st->select->table, CQL_TABLE_EVENTS);
  cql_stmt_free(st);

  st = parse_ok("REPAIR EVENTS WHERE TRUE REASON 'x'");
  assert_int_equal(st->kind, CQL_REPAIR_WHERE);
  assert_null(st->repair.event);
  assert_null(st->repair.effective);
  assert_int_equal(st->repair.where->kind, CQL_E_BOOL);
  assert_int_equal(st->repair.where->ival, 1);
  cql_stmt_free(st);
}

/* -------------------------------------------------------- expressions */

static void test_literals(void **state) {
  (void)state;
  check_expr("42", "42");
  check_expr("-42", "-42");
  check_expr("- 9223372036854775807", "-9223372036854775807");
  check_expr("0.5", "0.5");
  check_expr("-.5", "-0.5");
  check_expr("1e3", "1000.0");
  check_expr("0.1", "0.1");
  check_expr("'x'", "'x'");
  check_expr("''", "''");
  check_expr("'厦门'", "'厦门'");
  check_expr("TRUE", "TRUE");
  check_expr("false", "FALSE");
  check_expr("null", "NULL");
  check_expr("now", "NOW");
  check_expr("?", "?1");
  check_expr("90 DAYS", "(duration months=0 usec=7776000000000)");
  check_expr("1 week", "(duration months=0 usec=604800000000)");
  check_expr("2 hours 30 minutes", "(duration months=0 usec=9000000000)");
  check_expr("1 YEAR 6 MONTHS", "(duration months=18 usec=0)");
  check_expr("-1 MONTH", "(duration months=-1 usec=0)");
  check_expr("- (3)", "-3");
  check_expr("-(-3)", "3");
  check_expr("-x", "(- x)");
  check_expr("- - x", "(- (- x))");
}

static void test_precedence(void **state) {
  (void)state;
  check_expr("1 + 2 * 3", "(+ 1 (* 2 3))");
  check_expr("1 * 2 + 3", "(+ (* 1 2) 3)");
  check_expr("1 - 2 - 3", "(- (- 1 2) 3)");
  check_expr("8 / 4 % 3 * 2", "(* (% (/ 8 4) 3) 2)");
  check_expr("(1 + 2) * 3", "(* (+ 1 2) 3)");
  check_expr("-a * b", "(* (- a) b)");
  check_expr("a || b + c", "(|| a (+ b c))");
  check_expr("a + b || c", "(|| (+ a b) c)");
  check_expr("a || b || c", "(|| (|| a b) c)");
  check_expr("a || b = c", "(= (|| a b) c)");
  check_expr("a = b AND c <> d", "(AND (= a b) (!= c d))");
  check_expr("a OR b AND c", "(OR a (AND b c))");
  check_expr("a AND b OR c", "(OR (AND a b) c)");
  /* AND / OR chains are one flat node, parenthesised or not */
  check_expr("a AND b AND c AND d", "(AND a b c d)");
  check_expr("(a AND b) AND (c AND d)", "(AND a b c d)");
  check_expr("a OR b OR c AND d OR e", "(OR a b (AND c d) e)");
  check_expr("a AND (b OR c OR d) AND e", "(AND a (OR b c d) e)");
  check_expr("NOT a = b", "(NOT (= a b))");
  check_expr("NOT a AND b", "(AND (NOT a) b)");
  check_expr("NOT NOT a", "(NOT (NOT a))");
  check_expr("a < b + 1", "(< a (+ b 1))");
  check_expr("a <= b", "(<= a b)");
  check_expr("a >= b", "(>= a b)");
  check_expr("a > b", "(> a b)");
  check_expr("a != b", "(!= a b)");
  check_expr("NOW - 1 YEAR 6 MONTHS", "(- NOW (duration months=18 usec=0))");
  check_expr("occurred + 3 MONTHS > NOW",
             "(> (+ occurred (duration months=3 usec=0)) NOW)");
}

static void test_predicates(void **state) {
  (void)state;
  check_expr("x IN (1, 2, 3)", "(IN x (1 2 3))");
  check_expr("x NOT IN ('a')", "(NOT IN x ('a'))");
  check_expr("x + 1 IN (y)", "(IN (+ x 1) (y))");
  check_expr("x BETWEEN 1 AND 10", "(BETWEEN x 1 10)");
  check_expr("x NOT BETWEEN a + 1 AND b * 2",
             "(NOT BETWEEN x (+ a 1) (* b 2))");
  check_expr("x BETWEEN 1 AND 2 AND y", "(AND (BETWEEN x 1 2) y)");
  check_expr("a AND x BETWEEN 1 AND 2", "(AND a (BETWEEN x 1 2))");
  check_expr("name LIKE '厦门%'", "(LIKE name '厦门%')");
  check_expr("name NOT LIKE 'a' || '%'", "(NOT LIKE name (|| 'a' '%'))");
  check_expr("x IS NULL", "(IS NULL x)");
  check_expr("x IS NOT NULL AND y IS NULL",
             "(AND (IS NOT NULL x) (IS NULL y))");
  check_expr("NOT x IN (1)", "(NOT (IN x (1)))");
  check_expr("NOT x IS NULL", "(NOT (IS NULL x))");
  check_expr("a OR NOT b BETWEEN 1 AND 2", "(OR a (NOT (BETWEEN b 1 2)))");
}

static void test_columns_and_calls(void **state) {
  (void)state;
  check_expr("data.amount_wan", "data.amount_wan");
  check_expr("data.a.b.c", "data.a.b.c");
  check_expr("data.\"weird key\"", "data.\"weird key\"");
  check_expr("\"weird name\"", "\"weird name\"");
  check_expr("DATA . x", "DATA.x"); /* names keep their spelling */
  check_expr("count(*)", "(call count *)");
  check_expr("sum(x + 1)", "(call sum (+ x 1))");
  check_expr("coalesce(data.a, data.b, 0)", "(call coalesce data.a data.b 0)");
  check_expr("upper(lower(x))", "(call upper (call lower x))");
  check_expr("length(x) * 2", "(* (call length x) 2)");
}

static void test_analyst_expressions(void **state) {
  (void)state;
  check("SELECT CASE WHEN a > 1 THEN 'x' WHEN a IS NULL THEN 'n' ELSE 'y' END "
        "FROM events",
        "(SELECT (items (CASE (WHEN (> a 1) 'x') (WHEN (IS NULL a) 'n') (ELSE "
        "'y'))) (FROM events))");
  check("SELECT CASE kind WHEN 'org' THEN 1 END FROM subjects",
        "(SELECT (items (CASE kind (WHEN 'org' 1))) (FROM subjects))");
  check("SELECT CAST(data.x AS numeric), id::text, - a::int FROM events",
        "(SELECT (items (CAST numeric data.x) (CAST text id) (- (CAST int "
        "a))) (FROM events))");
  check("SELECT extract(year FROM occurred), extract(dow FROM occurred) FROM "
        "events",
        "(SELECT (items (call extract 'year' occurred) (call extract 'dow' "
        "occurred)) (FROM events))");
  check("SELECT position('9' IN subject), position((a) IN b || c) FROM events",
        "(SELECT (items (call position '9' subject) (call position a (|| b "
        "c))) (FROM events))");
  check("SELECT count(*) FILTER (WHERE a = 1) n, sum(DISTINCT x) s FROM events",
        "(SELECT (items (AS (call count * (FILTER (= a 1))) n) (AS (call sum "
        "DISTINCT x) s)) (FROM events))");
  check("SELECT rank() OVER (PARTITION BY a, b ORDER BY c DESC), count(*) "
        "FILTER (WHERE d) OVER () FROM events",
        "(SELECT (items (call rank (OVER (PARTITION BY a b) (ORDER BY (c "
        "DESC)))) (call count * (FILTER d) (OVER))) (FROM events))");
  check("SELECT id FROM events OFFSET 3",
        "(SELECT (items id) (FROM events) (OFFSET 3))");
  check("SELECT id FROM events OFFSET 3 LIMIT 2",
        "(SELECT (items id) (FROM events) (LIMIT 2) (OFFSET 3))");
  check("SELECT a FROM events WHERE b IN (SELECT c FROM subjects) AND EXISTS "
        "(SELECT 1 FROM types) AND (SELECT d FROM types) = 1",
        "(SELECT (items a) (FROM events) (WHERE (AND (IN b ((SELECT "
        "(items c) (FROM subjects)))) (EXISTS (SELECT (items 1) (FROM "
        "types))) (= (SUBQUERY (SELECT (items d) (FROM types))) 1))))");
  check("SELECT a FROM events UNION ALL SELECT b FROM subjects EXCEPT SELECT "
        "c FROM types ORDER BY 1 DESC LIMIT 2",
        "(SELECT (items a) (FROM events)) (UNION ALL (SELECT (items b) (FROM "
        "subjects)) (EXCEPT (SELECT (items c) (FROM types)))) (SET ORDER BY "
        "(1 DESC)) (SET LIMIT 2)");
  check("DESCRIBE events", "(DESCRIBE)");
  check("SELECT 2 DAYS 5 MICROSECONDS FROM events",
        "(SELECT (items (duration months=0 usec=172800000005)) (FROM events))");
  check("SHOW TABLES", "(SHOW TABLES)");
  check("SELECT filter, position, extract FROM events",
        "(SELECT (items filter position extract) (FROM events))");
}

static void test_parameters(void **state) {
  cql_stmt *st;
  (void)state;
  st = parse_ok("SELECT ? FROM events WHERE a = ? AND b IN (?, ?) LIMIT ? "
                "AS OF ?");
  assert_int_equal(st->n_params, 6);
  assert_int_equal(st->select->items[0].expr->ival, 1);
  assert_int_equal(st->select->as_of->ival, 6);
  assert_int_equal(st->select->limit->ival, 5);
  cql_stmt_free(st);
  st = parse_ok("SHOW TYPES");
  assert_int_equal(st->n_params, 0);
  cql_stmt_free(st);
}

static void test_positions(void **state) {
  const char *sql = "-- q\nSELECT count(*) AS n,\n  data.amount_wan + 1, "
                    "(a)\nFROM events WHERE 厦 = '门' OR x;";
  cql_stmt *st =
      parse_ok("-- q\nSELECT count(*) AS n,\n  data.amount_wan + 1, (a)\n"
               "FROM events WHERE \"厦\" = '门' OR x;");
  const cql_select_item *it = st->select->items;
  const cql_expr *w = st->select->where;
  (void)sql;
  assert_int_equal(st->pos.line, 2);
  assert_int_equal(st->pos.column, 1);
  assert_int_equal(st->pos.offset, 5);
  assert_int_equal(it[0].expr->pos.offset, 12);
  assert_int_equal(it[0].expr->end, 20); /* "count(*)" */
  assert_int_equal(it[0].end, 25);       /* "count(*) AS n" */
  assert_int_equal(it[1].expr->pos.line, 3);
  assert_int_equal(it[1].expr->pos.column, 3);
  assert_int_equal(it[1].expr->end - it[1].expr->pos.offset,
                   strlen("data.amount_wan + 1"));
  assert_int_equal(it[2].expr->end - it[2].expr->pos.offset, 3); /* (a) */
  /* `"厦" = '门'`: the string starts after 2 + 3 characters */
  assert_int_equal(w->kind, CQL_E_LOGIC);
  assert_int_equal(w->list.n, 2);
  assert_int_equal(w->list.items[0]->b->pos.line, 4);
  assert_int_equal(w->list.items[0]->b->pos.column, 25);
  assert_int_equal(w->list.items[1]->pos.column, 32);
  assert_int_equal(st->select->table_pos.column, 6);
  /* the statement's span ends before its ';' */
  assert_int_equal(st->end, w->end);
  cql_stmt_free(st);
}

/* ---------------------------------------------------- buffers / scripts */

static void test_multi_statement(void **state) {
  const char *s = "SELECT 1 FROM events; -- one\n SHOW TYPES ;\n/* end */ "
                  "BEGIN";
  size_t len = strlen(s), used, off = 0;
  cql_stmt *st;
  cql_error err;
  (void)state;
  assert_int_equal(cql_parse(s, len, &st, &used, &err), CREDO_OK);
  assert_int_equal(st->kind, CQL_SELECT);
  assert_int_equal(used, 21);
  cql_stmt_free(st);
  off += used;
  assert_int_equal(cql_parse(s + off, len - off, &st, &used, &err), CREDO_OK);
  assert_int_equal(st->kind, CQL_SHOW_TYPES);
  assert_int_equal(s[off + used - 1], ';');
  /* positions are relative to the buffer given */
  assert_int_equal(st->pos.line, 2);
  assert_int_equal(st->pos.column, 2);
  cql_stmt_free(st);
  off += used;
  assert_int_equal(cql_parse(s + off, len - off, &st, &used, &err), CREDO_OK);
  assert_int_equal(st->kind, CQL_BEGIN);
  assert_int_equal(off + used, len); /* no ';': all of it */
  cql_stmt_free(st);
  off += used;
  assert_int_equal(cql_parse(s + off, len - off, &st, &used, &err), CREDO_OK);
  assert_null(st);
  assert_int_equal(used, 0);
}

static void test_cursor(void **state) {
  const char *s = "SHOW TYPES;\n;;\n  SELECT * FROM events\n  WHERE x;\n"
                  "SELECT * FORM events; -- tail\n";
  cql_cursor c;
  cql_stmt *st;
  cql_error err;
  size_t at;
  (void)state;
  cql_cursor_init(&c, s, strlen(s));
  assert_int_equal(cql_parse_next(&c, &st, &err), CREDO_OK);
  assert_int_equal(st->kind, CQL_SHOW_TYPES);
  cql_stmt_free(st);
  assert_int_equal(c.offset, 11);
  assert_int_equal(c.line, 1);
  assert_int_equal(c.column, 12);
  /* empty statements are skipped */
  assert_int_equal(cql_parse_next(&c, &st, &err), CREDO_OK);
  assert_int_equal(st->kind, CQL_SELECT);
  assert_int_equal(st->pos.line, 3);
  assert_int_equal(st->select->where->pos.line, 4);
  assert_int_equal(st->select->where->pos.column, 9);
  cql_stmt_free(st);
  at = c.offset;
  /* errors are positioned in the whole script; the cursor stays */
  assert_int_equal(cql_parse_next(&c, &st, &err), CREDO_SYNTAX);
  assert_null(st);
  assert_string_equal(err.msg, "line 5, column 10: syntax error near "
                               "\"FORM\" (did you mean FROM?)");
  assert_int_equal(err.offset, strstr(s, "FORM") - s);
  assert_int_equal(c.offset, at);
}

static void test_empty_inputs(void **state) {
  static const char *blanks[] = {"",        "   ", "\n\t\r\n",   "-- c",
                                 "/* c */", ";",   " ; ;; -- x", "/**/;\n"};
  size_t i, used;
  cql_stmt *st;
  cql_error err;
  (void)state;
  for (i = 0; i < sizeof blanks / sizeof blanks[0]; i++) {
    st = (cql_stmt *)&used;
    assert_int_equal(cql_parse(blanks[i], strlen(blanks[i]), &st, &used, &err),
                     CREDO_OK);
    assert_null(st);
    assert_int_equal(used, strlen(blanks[i]));
  }
  assert_int_equal(cql_parse(NULL, 0, &st, NULL, NULL), CREDO_OK);
  assert_null(st);
  /* consumed and err may be NULL */
  assert_int_equal(cql_parse("BEGIN", 5, &st, NULL, NULL), CREDO_OK);
  cql_stmt_free(st);
  assert_int_equal(cql_parse("BEGN", 4, &st, NULL, NULL), CREDO_SYNTAX);
  cql_stmt_free(NULL);
}

static void test_trailing_garbage_not_read(void **state) {
  const char *s = "SHOW STATS; \xff 'unterminated";
  size_t used;
  cql_stmt *st;
  cql_error err;
  (void)state;
  assert_int_equal(cql_parse(s, strlen(s), &st, &used, &err), CREDO_OK);
  assert_int_equal(st->kind, CQL_SHOW_STATS);
  assert_int_equal(used, 11);
  cql_stmt_free(st);
  assert_int_equal(cql_parse(s + used, strlen(s) - used, &st, &used, &err),
                   CREDO_SYNTAX);
  assert_string_equal(err.msg, "line 1, column 2: invalid UTF-8 byte 0xff");
}

/* ---------------------------------------------------------------- errors */

static void test_syntax_errors(void **state) {
  (void)state;
  /* the example of the language reference */
  check_err("SELECT id, name,\n        subject FORM events", 2, 17,
            "syntax error near \"FORM\" (did you mean FROM?)");
}

static void test_syntax_error_positions(void **state) {
  (void)state;
  check_err("SELECT id,\n       name FORM events", 2, 13,
            "syntax error near \"FORM\" (did you mean FROM?)");
  check_err("SELEC * FROM events", 1, 1, "syntax error near \"SELEC\"");
  check_err("SELECT FROM events", 1, 8, "syntax error near \"FROM\"");
  check_err("SELECT * FROM", 1, 14, "syntax error: unexpected end of input");
  check_err("SELECT * FROM ;", 1, 15, "syntax error near \";\"");
  check_err("SELECT * FROM events WHERE", 1, 27,
            "syntax error: unexpected end of input");
  check_err("SELECT * FROM events WHERE a = = b", 1, 32,
            "syntax error near \"=\"");
  check_err("SELECT a = b = c FROM events", 1, 14, "syntax error near \"=\"");
  check_err("SELECT a < b < c FROM events", 1, 14, "syntax error near \"<\"");
  check_err("SELECT (a FROM events", 1, 11, "syntax error near \"FROM\"");
  check_err("SELECT a) FROM events", 1, 9, "syntax error near \")\"");
  check_err("SELECT x IN () FROM events", 1, 14, "syntax error near \")\"");
  check_err("SELECT * AS x FROM events", 1, 10, "syntax error near \"AS\"");
  check_err("SELECT a b c FROM events", 1, 12, "syntax error near \"c\"");
  check_err("SELECT a FROM events WHER a = 1", 1, 22,
            "syntax error near \"WHER\" (did you mean WHERE?)");
  check_err("SELECT a FROM events ORDRE BY a", 1, 22,
            "syntax error near \"ORDRE\" (did you mean ORDER?)");
  check_err("SELECT 'x' || '厦门' FORM events", 1, 20,
            "syntax error near \"FORM\" (did you mean FROM?)");
  check_err("SELECT * FROM events OFFSET 5 OFFSET 6", 1, 31,
            "duplicate OFFSET clause");
  check_err("SELECT * FROM events OFFSET 5 WHERE x", 1, 31,
            "WHERE must come before LIMIT");
  check_err("SELECT CAST(x AS money) FROM events", 1, 18,
            "unknown type \"money\" in a cast (types: INT, REAL, DECIMAL, "
            "TEXT, TIME, BOOL)");
  check_err("SELECT CASE END FROM events", 1, 13, "syntax error near \"END\"");
  check_err("SELECT id FROM events RIGHT JOIN subjects ON x = y", 1, 23,
            "RIGHT JOIN is not supported; swap the tables and use LEFT JOIN");
  check_err("SELECT id FROM events e RIGHT JOIN subjects s ON x = y", 1, 25,
            "RIGHT JOIN is not supported; swap the tables and use LEFT JOIN");
  check_err("SELECT id FROM events e FULL JOIN subjects s ON x = y", 1, 25,
            "FULL JOIN is not supported; use a LEFT JOIN, and UNION it with "
            "the rows of the other table that have no match (WHERE NOT "
            "EXISTS / NOT IN)");
  check_err("SELECT id FROM events CROSS JOIN subjects", 1, 23,
            "CROSS JOIN is not supported; write JOIN ... ON with the "
            "condition that relates the tables");
  check_err("SELECT id FROM events e JOIN events e ON e.id = e.id", 1, 30,
            "table name \"e\" is used twice in FROM; give one of them an "
            "alias (FROM events e1 JOIN events e2 ON ...)");
  check_err("SELECT id FROM events e WHERE id = 1 JOIN types t ON t.name = "
            "e.type",
            1, 38,
            "JOIN must come right after FROM, before WHERE, GROUP BY, "
            "ORDER BY and LIMIT");
  check_err("SELECT id FROM events e LEFT JOIN types t", 1, 42,
            "syntax error: unexpected end of input");
  check_err("SELECT id FROM events e JOIN planets p ON p.id = e.id", 1, 30,
            "unknown table \"planets\" (expected events, subjects, types or "
            "versions)");
  check_err("SELECT rank() OVER (ORDER BY id ROWS UNBOUNDED PRECEDING) FROM "
            "events",
            1, 33,
            "window frames (ROWS ...) are not supported; a window with ORDER "
            "BY runs from the start of its partition to the current row and "
            "its peers, one without ORDER BY spans the whole partition");
  check_err("WITH RECURSIVE x AS (SELECT id FROM types) SELECT * FROM x", 1, 6,
            "WITH RECURSIVE is not supported; WITH names non-recursive "
            "queries only");
  check_err("WITH x AS (SELECT id FROM types), x AS (SELECT id FROM types) "
            "SELECT * FROM x",
            1, 35, "WITH name \"x\" is defined twice");
  check_err("WITH x AS (SELECT id FROM y) SELECT * FROM x", 1, 27,
            "unknown table \"y\" (expected events, subjects, types or "
            "versions)");
  check_err("SELECT * FROM (SELECT id FROM types)", 1, 15,
            "a subquery in FROM needs an alias: (SELECT ...) AS name");
  check_err("SELECT a FROM events UNION SELECT a FROM events ORDER BY a "
            "UNION SELECT a FROM events",
            1, 60,
            "ORDER BY, LIMIT and OFFSET of a set operation go after "
            "its last SELECT");
  check_err("SELECT CASE WHEN a THEN b FROM events", 1, 27,
            "syntax error near \"FROM\"");
  check_err("SELECT * FROM events ORDER x", 1, 28, "syntax error near \"x\"");
  check_err("SELECT * FROM events INCLUDE everything", 1, 30,
            "syntax error near \"everything\"");
}

static void test_statement_errors(void **state) {
  (void)state;
  check_err("CREATE TABLE t", 1, 8, "syntax error near \"TABLE\"");
  check_err("CREATE TYPE t PUBLICITY 1", 1, 26,
            "syntax error: unexpected end of input");
  check_err("CREATE TYPE t PUBLICITY 1 FORTNIGHT", 1, 27,
            "syntax error near \"FORTNIGHT\"");
  check_err("CREATE TYPE t PUBLICITY 1.5 YEARS", 1, 25,
            "syntax error near \"1.5\"");
  check_err("CREATE TYPE t PUBLICITY -1 YEAR", 1, 25,
            "syntax error near \"-\"");
  check_err("CREATE TYPE t PUBLICITY YEAR", 1, 25,
            "syntax error near \"YEAR\"");
  check_err("CREATE SUBJECT x KIND org", 1, 16, "syntax error near \"x\"");
  check_err("CREATE SUBJECT 'x' KIND 'org'", 1, 25,
            "syntax error near \"'org'\"");
  check_err("RECORD t FOR 'x' OCCURRED NOW DATA 5", 1, 36,
            "syntax error near \"5\"");
  check_err("RECORD t 'x'", 1, 10, "syntax error near \"'x'\"");
  check_err("HISTORY OF EVENTS 5", 1, 12, "syntax error near \"EVENTS\"");
  check_err("HISTORY OF SUBJECT 5", 1, 20, "syntax error near \"5\"");
  check_err("REPAIR EVENT WHERE x REASON 'r'", 1, 14,
            "syntax error near \"WHERE\"");
  check_err("CORRECT EVENT 1 REASON 'r'", 1, 17,
            "syntax error near \"REASON\"");
  check_err("CORRECT EVENT 1 SET x REASON 'r'", 1, 23,
            "syntax error near \"REASON\"");
  check_err("CORRECT EVENT 1 SET x = 1 + {} REASON 'r'", 1, 29,
            "syntax error near \"{}\"");
  check_err("SELECT {\"a\": 1} FROM events", 1, 8,
            "syntax error near \"{\"a\": 1}\"");
  check_err("SHOW TABLE", 1, 6, "syntax error near \"TABLE\"");
  check_err("DESCRIBE history", 1, 10,
            "unknown table \"history\" (tables: events, subjects, types, "
            "versions)");
  check_err("SET TIME ZONE 8", 1, 15, "syntax error near \"8\"");
  check_err("BEGIN WORK", 1, 7, "syntax error near \"WORK\"");
  check_err("DROP USER", 1, 10, "syntax error: unexpected end of input");
  check_err("DROP USER bob ROLE admin", 1, 15, "syntax error near \"ROLE\"");
  check_err("EXPLAIN SHOW TYPES", 1, 9, "syntax error near \"SHOW\"");
  check_err("SELECT * FROM events\n  WHERE data.x = 1 LIMIT 1 2", 2, 28,
            "syntax error near \"2\"");
  check_err("SELECT * FROM events WHERE x = "
            "'0123456789012345678901234567890123456789012345' AND",
            1, 84, "syntax error: unexpected end of input");
  check_err(
      "SELECT * FROM events WHERE x "
      "'0123456789012345678901234567890123456789012345'",
      1, 30,
      "syntax error near \"'012345678901234567890123456789012345678...\"");
}

static void test_clause_errors(void **state) {
  (void)state;
  check_err("SELECT * FROM events AS OF NOW AS OF NOW", 1, 32,
            "duplicate AS OF clause");
  check_err("SELECT * FROM events VISIBLE AT NOW WHERE x VISIBLE AT NOW", 1, 45,
            "duplicate VISIBLE AT clause");
  check_err("SELECT * FROM events INCLUDE HIDDEN INCLUDE HIDDEN", 1, 37,
            "duplicate INCLUDE HIDDEN clause");
  check_err("SELECT * FROM events INCLUDE RETRACTED LIMIT 1 INCLUDE "
            "RETRACTED",
            1, 48, "duplicate INCLUDE RETRACTED clause");
  check_err("SELECT * FROM events WHERE a WHERE b", 1, 30,
            "duplicate WHERE clause");
  check_err("SELECT * FROM events GROUP BY a GROUP BY b", 1, 33,
            "duplicate GROUP BY clause");
  check_err("SELECT * FROM events HAVING a HAVING b", 1, 31,
            "duplicate HAVING clause");
  check_err("SELECT * FROM events ORDER BY a ORDER BY b", 1, 33,
            "duplicate ORDER BY clause");
  check_err("SELECT * FROM events LIMIT 1 LIMIT 2", 1, 30,
            "duplicate LIMIT clause");
  check_err("SELECT * FROM events LIMIT 1 WHERE x", 1, 30,
            "WHERE must come before LIMIT");
  check_err("SELECT * FROM events ORDER BY a GROUP BY a", 1, 33,
            "GROUP BY must come before ORDER BY");
  check_err("SELECT * FROM events HAVING a AS OF NOW WHERE b", 1, 41,
            "WHERE must come before HAVING");
  check_err("SELECT * FROM events LIMIT 1 ORDER BY a", 1, 30,
            "ORDER BY must come before LIMIT");
  check_err("CREATE TYPE t PUBLICITY 1 YEAR PUBLICITY 2 YEARS", 1, 32,
            "duplicate PUBLICITY / NOT PUBLISHED clause");
  check_err("CREATE TYPE t REPAIRABLE AFTER 1 DAY REPAIRABLE AFTER 2 DAYS", 1,
            38, "duplicate REPAIRABLE AFTER clause");
  check_err("RECORD t FOR 's' OCCURRED NOW OCCURRED NOW", 1, 31,
            "duplicate OCCURRED clause");
  check_err("RECORD t FOR 's' PUBLIC FROM NOW PUBLIC FROM NOW", 1, 34,
            "duplicate PUBLIC FROM clause");
  check_err("RECORD t FOR 's' UNTIL NOW UNTIL NOW", 1, 28,
            "duplicate UNTIL clause");
  check_err("RECORD t FOR 's' SOURCE 'a' SOURCE 'b'", 1, 29,
            "duplicate SOURCE clause");
  check_err("RECORD t FOR 's' REF 'a' REF 'b'", 1, 26, "duplicate REF clause");
  check_err("RECORD t FOR 's' DATA {} DATA {}", 1, 26, "duplicate DATA clause");
  check_err("RECORD t FOR 's' REASON 'a' REASON 'b'", 1, 29,
            "duplicate REASON clause");
  check_err("REPAIR EVENT 1 EFFECTIVE NOW EFFECTIVE NOW REASON 'r'", 1, 30,
            "duplicate EFFECTIVE clause");
  check_err("REPAIR EVENT 1 REASON 'a' REASON 'b'", 1, 27,
            "duplicate REASON clause");
  check_err("CREATE USER u ROLE admin ROLE admin PASSWORD 'p'", 1, 26,
            "duplicate ROLE clause");
  check_err("ALTER USER u PASSWORD 'a' PASSWORD 'b'", 1, 27,
            "duplicate PASSWORD clause");
}

static void test_missing_clauses(void **state) {
  (void)state;
  check_err("RECORD t FOR 's' SOURCE 'a' REF 'b';", 1, 36,
            "RECORD needs an OCCURRED clause");
  check_err("RECORD t FOR 's' OCCURRED NOW REF 'b'", 1, 38,
            "RECORD needs a SOURCE clause");
  check_err("RECORD t FOR 's' OCCURRED NOW SOURCE 'a'", 1, 41,
            "RECORD needs a REF clause");
  check_err("REPAIR EVENT 1", 1, 15, "REPAIR EVENT needs a REASON clause");
  check_err("REPAIR EVENTS WHERE x EFFECTIVE NOW;", 1, 36,
            "REPAIR EVENTS needs a REASON clause");
  check_err("CORRECT EVENT 1 SET x = 1", 1, 26,
            "CORRECT EVENT needs a REASON clause");
  check_err("RETRACT EVENT 1", 1, 16, "RETRACT EVENT needs a REASON clause");
  check_err("CREATE USER u PASSWORD 'p'", 1, 27,
            "CREATE USER needs a ROLE clause");
  check_err("CREATE USER u ROLE admin", 1, 25,
            "CREATE USER needs a PASSWORD clause");
  check_err("ALTER USER u", 1, 13,
            "ALTER USER needs a ROLE or PASSWORD clause");
}

static void test_name_errors(void **state) {
  (void)state;
  check_err("SELECT * FROM event", 1, 15,
            "unknown table \"event\" (expected events, subjects, types or "
            "versions)");
  check_err("CREATE SUBJECT 'x' KIND company", 1, 25,
            "unknown subject kind \"company\" (expected org, person or "
            "other)");
  check_err("CREATE USER u ROLE root PASSWORD 'p'", 1, 20,
            "unknown role \"root\" (expected public, analyst, recorder, "
            "repairer or admin)");
  check_err("RECORD t FOR 's' OCCURRED NOW DATA [1, 2]", 1, 36,
            "DATA must be a JSON object");
}

static void test_duration_errors(void **state) {
  (void)state;
  check_err("CREATE TYPE t PUBLICITY 1 YEAR 2 YEARS", 1, 34,
            "duplicate unit \"YEARS\" in duration");
  check_err("SELECT NOW - 1 day 2 DAYS FROM events", 1, 22,
            "duplicate unit \"DAYS\" in duration");
  check_err("CREATE TYPE t PUBLICITY 178956971 YEARS", 1, 25,
            "duration out of range");
  check_err("CREATE TYPE t PUBLICITY 2147483647 MONTHS 1 YEAR", 1, 43,
            "duration out of range");
  check_err("SELECT 15250285 WEEKS FROM events", 1, 8, "duration out of range");
  check_err("SELECT 106751991 DAYS 1 DAY FROM events", 1, 25,
            "duplicate unit \"DAY\" in duration");
  check_err("SELECT 106751991 DAYS 5 HOURS FROM events", 1, 23,
            "duration out of range");
  /* the largest ones fit */
  check_expr("178956970 YEARS 7 MONTHS", "(duration months=2147483647 usec=0)");
  check_expr("15250284 WEEKS", "(duration months=0 usec=9223371763200000000)");
  check_expr("106751991 DAYS 4 HOURS",
             "(duration months=0 usec=9223372036800000000)");
}

static void test_lexical_errors(void **state) {
  (void)state;
  check_err("SELECT 'abc FROM events", 1, 8, "unterminated string literal");
  check_err("SELECT *\nFROM events /* no end", 2, 13, "unterminated comment");
  check_err("SELECT \"abc FROM events", 1, 8, "unterminated quoted identifier");
  check_err("SELECT 99999999999999999999 FROM events", 1, 8,
            "integer literal out of range");
  check_err("SELECT 1e400 FROM events", 1, 8, "numeric literal out of range");
  check_err("SELECT 5abc FROM events", 1, 8, "invalid number \"5abc\"");
  check_err("SELECT a # b FROM events", 1, 10, "unexpected character \"#\"");
  check_err("SELECT '厦门' \xff FROM events", 1, 13, "invalid UTF-8 byte 0xff");
  check_err("RECORD t FOR 's' OCCURRED NOW DATA {\"a\": }", 1, 42,
            "malformed JSON: expected a value");
  check_err("RECORD t FOR 's' OCCURRED NOW\n DATA {\"a\": [1, 2}", 2, 18,
            "malformed JSON: expected ',' or ']'");
  check_err("RECORD t FOR 's' OCCURRED NOW DATA {\"a\": 1", 1, 36,
            "malformed JSON: unterminated object");
}

/* `x = 0 AND x = 1 AND ...` of 10,000 terms is one node of height 3
 * (item 8 of issue 14), for AND and OR; real nesting (AND and OR
 * alternating through parentheses) still meets the limit. */
static void flat_chains(void) {
  static const char *const ops[] = {" AND ", " OR "};
  size_t cap = 400000, n;
  char *sql = malloc(cap);
  cql_stmt *st;
  assert_non_null(sql);
  for (int k = 0; k < 2; k++) {
    n = (size_t)sprintf(sql, "SELECT id FROM events WHERE x = 0");
    for (int i = 1; i < 10000; i++)
      n += (size_t)sprintf(sql + n, "%sx = %d", ops[k], i);
    st = parse_ok(sql);
    assert_int_equal(st->select->where->kind, CQL_E_LOGIC);
    assert_int_equal(st->select->where->op, k ? CQL_OP_OR : CQL_OP_AND);
    assert_int_equal(st->select->where->list.n, 10000);
    assert_int_equal(st->select->where->height, 3);
    assert_int_equal(st->select->where->end, n);
    cql_stmt_free(st);
  }
  /* a (b OR (c AND (d OR ...))): one level of real nesting per operator */
  for (int depth = CQL_MAX_DEPTH - 1; depth <= CQL_MAX_DEPTH; depth++) {
    n = (size_t)sprintf(sql, "SELECT id FROM events WHERE ");
    for (int i = 0; i < depth; i++)
      n += (size_t)sprintf(sql + n, "a%s(", ops[i % 2]);
    n += (size_t)sprintf(sql + n, "b");
    for (int i = 0; i < depth; i++)
      sql[n++] = ')';
    sql[n] = '\0';
    if (depth < CQL_MAX_DEPTH) { /* height: depth + 1 */
      cql_stmt_free(parse_ok(sql));
    } else {
      cql_stmt *bad;
      cql_error err;
      assert_int_equal(cql_parse(sql, n, &bad, NULL, &err), CREDO_SYNTAX);
      assert_null(bad);
      assert_non_null(
          strstr(err.msg, "expression nested too deeply (limit 200)"));
    }
  }
  free(sql);
}

static void test_depth_limits(void **state) {
  char *sql = malloc(20000);
  size_t n = 0;
  int i;
  (void)state;
  assert_non_null(sql);
  /* a long but flat chain is fine up to the height limit */
  n = (size_t)sprintf(sql, "SELECT 1");
  for (i = 0; i < CQL_MAX_DEPTH - 1; i++)
    n += (size_t)sprintf(sql + n, " + 1");
  sprintf(sql + n, " FROM events");
  cql_stmt_free(parse_ok(sql));
  n = (size_t)sprintf(sql, "SELECT 1");
  for (i = 0; i < CQL_MAX_DEPTH; i++)
    n += (size_t)sprintf(sql + n, " + 1");
  sprintf(sql + n, " FROM events");
  check_err(sql, 1, 8, "expression nested too deeply (limit 200)");
  free(sql);
  flat_chains();
  sql = malloc(20000);
  assert_non_null(sql);
  /* deep parentheses overflow the parser stack cleanly */
  n = (size_t)sprintf(sql, "SELECT ");
  for (i = 0; i < 3000; i++)
    sql[n++] = '(';
  sprintf(sql + n, "1");
  {
    cql_stmt *st;
    cql_error err;
    assert_int_equal(cql_parse(sql, strlen(sql), &st, NULL, &err),
                     CREDO_SYNTAX);
    assert_null(st);
    assert_non_null(strstr(err.msg, "statement nested too deeply"));
  }
  free(sql);
}

/* Every prefix of every valid statement parses or fails cleanly (under
 * ASan: without leaks), whatever parser state the cut leaves behind. */
static void test_every_prefix(void **state) {
  static const char *stmts[] = {
      "CREATE TYPE t PUBLICITY 1 YEAR REPAIRABLE AFTER 3 MONTHS;",
      "CREATE SUBJECT '91350100M000100Y43' KIND org NAME '厦门';",
      "RECORD t FOR 's' OCCURRED NOW - 1 DAY PUBLIC FROM NOW UNTIL NOW "
      "SOURCE 'a' REF 'b' DATA {\"a\": [1, {\"b\": \"c\"}]} REASON 'r';",
      "SELECT DISTINCT a AS x, count(*), sum(DISTINCT b), * FROM events "
      "WHERE a IN (1, 2) AND b NOT BETWEEN 1 AND 2 OR c LIKE 'x' AND d IS "
      "NOT NULL AND NOT e GROUP BY a, b HAVING count(*) > 1 ORDER BY a DESC, "
      "b LIMIT ? OFFSET 2 AS OF NOW VISIBLE AT NOW INCLUDE HIDDEN INCLUDE "
      "RETRACTED;",
      "EXPLAIN SELECT data.a.b || 'x' FROM subjects WHERE -x * (y + 2) / 3 "
      "% 4 >= 5;",
      "HISTORY OF EVENT 1 + 1;",
      "HISTORY OF SUBJECT 's';",
      "REPAIR EVENT 1 EFFECTIVE NOW REASON 'r';",
      "REPAIR EVENTS WHERE x = 1 REASON 'r' EFFECTIVE NOW;",
      "CORRECT EVENT 1 SET data.a = 1, data = {\"x\": 1}, occurred = NOW "
      "REASON 'r';",
      "RETRACT EVENT 1 REASON 'r';",
      "SET TIME ZONE '+08:00';",
      "CREATE USER u ROLE admin PASSWORD 'p';",
      "ALTER USER u PASSWORD 'p' ROLE analyst;",
      "DROP USER u;",
  };
  size_t i, k;
  (void)state;
  for (i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
    size_t len = strlen(stmts[i]);
    cql_stmt_free(parse_ok(stmts[i]));
    for (k = 0; k < len; k++) {
      char *buf = malloc(k ? k : 1);
      cql_stmt *st = NULL;
      cql_error err;
      int rc;
      memcpy(buf, stmts[i], k);
      rc = cql_parse(buf, k, &st, NULL, &err);
      assert_true(rc == CREDO_OK || rc == CREDO_SYNTAX);
      assert_true(rc == CREDO_OK || st == NULL);
      cql_stmt_free(st);
      free(buf);
    }
  }
}

/* --------------------------------------------------------------- helpers */

static void test_names(void **state) {
  int k;
  (void)state;
  for (k = 1; k <= CQL_KIND_COUNT; k++)
    assert_string_not_equal(cql_kind_name(k), "?");
  assert_string_equal(cql_kind_name(CQL_REPAIR_WHERE), "REPAIR EVENTS");
  assert_string_equal(cql_kind_name(CQL_HISTORY_SUBJECT), "HISTORY OF SUBJECT");
  assert_string_equal(cql_kind_name(0), "?");
  assert_string_equal(cql_kind_name(CQL_KIND_COUNT + 1), "?");
  assert_string_equal(cql_op_name(CQL_OP_NE), "!=");
  assert_string_equal(cql_op_name(CQL_OP_CONCAT), "||");
  assert_string_equal(cql_op_name(99), "?");
  assert_string_equal(cql_table_name(CQL_TABLE_TYPES), "types");
  assert_string_equal(cql_table_name(0), "?");
}

static void test_dump_truncation(void **state) {
  cql_stmt *st = parse_ok("SELECT abc FROM events");
  char buf[8];
  int need;
  FILE *f;
  (void)state;
  need = cql_stmt_dump(st, buf, sizeof buf);
  assert_int_equal(need, strlen("(SELECT (items abc) (FROM events))"));
  assert_string_equal(buf, "(SELECT");
  assert_int_equal(cql_stmt_dump(st, NULL, 0), need);
  f = tmpfile();
  assert_non_null(f);
  assert_int_equal(cql_stmt_print(st, f), need);
  fclose(f);
  cql_stmt_free(st);
  assert_int_equal(cql_stmt_dump(NULL, buf, sizeof buf), 6);
  assert_string_equal(buf, "(null)");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_type),
      cmocka_unit_test(test_create_subject),
      cmocka_unit_test(test_record),
      cmocka_unit_test(test_select_basic),
      cmocka_unit_test(test_select_clauses),
      cmocka_unit_test(test_keywords_as_names),
      cmocka_unit_test(test_explain),
      cmocka_unit_test(test_history),
      cmocka_unit_test(test_repair),
      cmocka_unit_test(test_correct_retract),
      cmocka_unit_test(test_misc_statements),
      cmocka_unit_test(test_fields),
      cmocka_unit_test(test_literals),
      cmocka_unit_test(test_precedence),
      cmocka_unit_test(test_predicates),
      cmocka_unit_test(test_columns_and_calls),
      cmocka_unit_test(test_analyst_expressions),
      cmocka_unit_test(test_parameters),
      cmocka_unit_test(test_positions),
      cmocka_unit_test(test_multi_statement),
      cmocka_unit_test(test_cursor),
      cmocka_unit_test(test_empty_inputs),
      cmocka_unit_test(test_trailing_garbage_not_read),
      cmocka_unit_test(test_syntax_errors),
      cmocka_unit_test(test_syntax_error_positions),
      cmocka_unit_test(test_statement_errors),
      cmocka_unit_test(test_clause_errors),
      cmocka_unit_test(test_missing_clauses),
      cmocka_unit_test(test_name_errors),
      cmocka_unit_test(test_duration_errors),
      cmocka_unit_test(test_lexical_errors),
      cmocka_unit_test(test_depth_limits),
      cmocka_unit_test(test_every_prefix),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_dump_truncation),
  };
  return cmocka_run_group_tests_name("parser", tests, NULL, NULL);
}
