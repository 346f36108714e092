/*
 * test_cql_exec.c -- CQL statements end to end through the public API
 * (credo_exec, credo_prepare / bind / step / column / reset / finalize):
 * every statement kind, the bitemporal scenario of domain.md, idempotent
 * RECORD, repair refusals, batch repair, expressions and aggregates, time
 * zones, parameters, transactions, roles and users.
 *
 * Each test gets a fresh store and a fake clock; results are compared as
 * text: one line per row, values joined by '|', NULL written "NULL".
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

/* ------------------------------------------------------------ helpers */

/* the shared store fixture and CQL helpers (th_store.h) */
typedef th_fx fx;
#define q_on th_rows
#define expect_on th_expect
#define expect(f, sql, rows) th_expect((f)->db, sql, rows)
#define ok_on th_ok
#define ok(f, sql) th_ok((f)->db, sql)
#define err_on th_fails
#define err(f, sql, code, msg) th_fails((f)->db, sql, code, msg)
#define fx_teardown th_fx_teardown

static void at(fx *f, const char *iso) {
  f->clk.now = th_t(iso);
}

static int fx_setup(void **state) {
  *state = th_fx_open(
      "cqlx", "2025-01-01",
      "CREATE TYPE penalty_general PUBLICITY 1 YEAR REPAIRABLE AFTER 3 "
      "MONTHS;"
      "CREATE TYPE penalty_serious PUBLICITY 3 YEARS REPAIRABLE AFTER 1 "
      "YEAR;"
      "CREATE TYPE honour;"
      "CREATE SUBJECT '" ORG "' KIND org NAME '厦门示例船务有限公司';"
      "CREATE SUBJECT '" ORG2 "' KIND org;"
      "CREATE SUBJECT '" PERSON "' KIND person NAME '张三';");
  return 0;
}

static void record(fx *f, const char *type, const char *subject,
                   const char *occurred, const char *ref, const char *data,
                   const char *id) {
  char sql[1024], rows[32];
  snprintf(sql, sizeof sql,
           "RECORD %s FOR '%s' OCCURRED '%s' SOURCE 'xm-market' REF '%s' "
           "DATA %s;",
           type, subject, occurred, ref, data);
  snprintf(rows, sizeof rows, "%s\n", id);
  expect(f, sql, rows);
}

/* Five events for the expression tests, recorded on 2025-07-01. */
static void five(fx *f) {
  at(f, "2025-07-01");
  record(f, "penalty_general", ORG, "2025-03-01", "r1",
         "{\"amount_wan\": 0.5, \"authority\": \"市场监督管理局\"}", "1");
  record(f, "penalty_general", ORG, "2025-05-01", "r2",
         "{\"amount_wan\": 2, \"authority\": \"税务局\"}", "2");
  record(f, "penalty_serious", ORG2, "2025-01-15", "r3",
         "{\"amount_wan\": 10, \"tags\": [\"a\", \"b\"]}", "3");
  record(f, "honour", PERSON, "2024-12-01", "r4", "{\"level\": \"A\"}", "4");
  record(f, "penalty_general", ORG2, "2025-06-20", "r5",
         "{\"amount_wan\": 1.25, \"authority\": \"市场监督管理局\"}", "5");
}

/* -------------------------------------------------- statement kinds */

static void t_create_and_show(void **state) {
  fx *f = *state;
  expect(f, "SHOW TYPES;",
         "honour|3|NULL|0 SECONDS|2025-01-01T00:00:00.000002+00:00\n"
         "penalty_general|1|1 YEAR|3 MONTHS|2025-01-01T00:00:00+00:00\n"
         "penalty_serious|2|3 YEARS|1 YEAR|2025-01-01T00:00:00.000001+00:00\n");
  expect(f, "SELECT name FROM types WHERE publicity IS NULL;", "honour\n");
  expect(f, "SELECT id, kind, name FROM subjects ORDER BY id;",
         PERSON "|person|张三\n" ORG "|org|厦门示例船务有限公司\n" ORG2
                "|org|NULL\n");
  err(f, "CREATE TYPE honour;", CREDO_EXISTS, "type \"honour\" already exists");
  err(f, "CREATE SUBJECT '91350100M000100Y4Z' KIND org;", CREDO_BADID,
      "invalid org id");
  /* the same subject again is fine */
  ok(f, "CREATE SUBJECT '" ORG2 "' KIND org;");
  err(f, "SELECT name FROM events;", CREDO_SEMANTIC,
      "line 1, column 8: unknown column \"name\" (columns: id, subject, ");
}

static void t_show_stats(void **state) {
  fx *f = *state;
  five(f);
  credo_stmt *st;
  int seen = 0;
  assert_int_equal(credo_prepare(f->db, "SHOW STATS", -1, &st, NULL), CREDO_OK);
  assert_int_equal(credo_column_count(st), 2);
  assert_string_equal(credo_column_name(st, 0), "name");
  while (credo_step(st) == CREDO_ROW) {
    const char *name = credo_column_text(st, 0);
    if (strcmp(name, "events") == 0) {
      assert_int_equal(credo_column_type(st, 1), CREDO_T_INT);
      assert_int_equal(credo_column_int64(st, 1), 5);
      seen++;
    } else if (strcmp(name, "subjects") == 0) {
      assert_int_equal(credo_column_int64(st, 1), 3);
      seen++;
    }
  }
  assert_int_equal(seen, 2);
  credo_finalize(st);
}

static void t_record_idempotent(void **state) {
  fx *f = *state;
  const char *rec = "RECORD penalty_general FOR '" ORG
                    "' OCCURRED '2025-03-01' SOURCE 'xm-market' REF "
                    "'厦市监罚〔2025〕12号' DATA {\"amount_wan\": 0.5};";
  at(f, "2025-03-02");
  expect(f, rec, "1\n");
  assert_int_equal(credo_changes(f->db), 1);
  at(f, "2025-03-03");
  expect(f, rec, "1\n"); /* the same fact: the same id */
  assert_int_equal(credo_changes(f->db), 0);
  err(f,
      "RECORD penalty_general FOR '" ORG
      "' OCCURRED '2025-03-01' SOURCE 'xm-market' REF '厦市监罚〔2025〕12号' "
      "DATA {\"amount_wan\": 5};",
      CREDO_CONFLICT,
      "is already event 1, whose latest version 1 has a different data");
  expect(f, "SELECT count(*) FROM events;", "1\n");
  err(f,
      "RECORD penalti FOR '" ORG "' OCCURRED '2025-03-01' SOURCE 's' REF 'x';",
      CREDO_NOTFOUND,
      "unknown type \"penalti\" (known: honour, "
      "penalty_general, penalty_serious)");
  err(f, "RECORD honour FOR '" ORG "' OCCURRED 'yesterday' SOURCE 's' REF 'x';",
      CREDO_SEMANTIC, "line 1, column 49: cannot read 'yesterday' as a time");
}

static void t_record_window(void **state) {
  fx *f = *state;
  at(f, "2025-03-02");
  expect(f,
         "RECORD penalty_general FOR '" ORG
         "' OCCURRED '2025-03-01' PUBLIC FROM '2025-03-05' UNTIL "
         "'2025-09-01' SOURCE 's' REF 'w1' REASON 'test';",
         "1\n");
  expect(f, "SELECT public_from, public_until FROM events INCLUDE HIDDEN;",
         "2025-03-05T00:00:00+00:00|2025-09-01T00:00:00+00:00\n");
  expect(f, "HISTORY OF EVENT 1;",
         "1|" ORG "|penalty_general|2025-03-01T00:00:00+00:00|"
         "2025-03-05T00:00:00+00:00|2025-09-01T00:00:00+00:00|s|w1|{}|1|"
         "2025-03-02T00:00:00+00:00|local|false|record|test\n");
  /* a type without publicity: an open window */
  expect(f,
         "RECORD honour FOR '" PERSON
         "' OCCURRED '2025-03-01' SOURCE 's' REF 'w2';",
         "2\n");
  expect(f, "SELECT public_until FROM events WHERE id = 2;", "open\n");
}

static void t_correct_and_retract(void **state) {
  fx *f = *state;
  five(f);
  at(f, "2025-07-02");
  ok(f, "CORRECT EVENT 1 SET data.amount_wan = 0.8, data.detail.note = '复核' "
        "REASON '异议处理';");
  assert_int_equal(credo_changes(f->db), 1);
  expect(f, "SELECT data, version, op, reason FROM events WHERE id = 1;",
         "{\"amount_wan\":0.8,\"authority\":\"市场监督管理局\",\"detail\":"
         "{\"note\":\"复核\"}}|2|correct|异议处理\n");
  ok(f, "CORRECT EVENT 1 SET occurred = '2025-03-11', type = penalty_serious "
        "REASON 'date';");
  expect(f,
         "SELECT type, occurred, public_from, public_until FROM events "
         "WHERE id = 1;",
         "penalty_serious|2025-03-11T00:00:00+00:00|2025-03-11T00:00:00+00:00|"
         "2028-03-11T00:00:00+00:00\n"); /* the new type's window */
  ok(f, "CORRECT EVENT 1 SET data = {\"amount_wan\": 1} REASON 'whole';");
  expect(f, "SELECT data FROM events WHERE id = 1;", "{\"amount_wan\":1}\n");
  err(f, "CORRECT EVENT 1 SET source = 'x' REASON 'r';", CREDO_SEMANTIC,
      "line 1, column 21: cannot set \"source\"");
  err(f, "CORRECT EVENT 1 SET data.amount_wan.x = 1 REASON 'r';",
      CREDO_SEMANTIC, "not an object");
  err(f, "CORRECT EVENT 99 SET data.a = 1 REASON 'r';", CREDO_NOTFOUND,
      "event 99");
  ok(f, "RETRACT EVENT 2 REASON '误录';");
  expect(f, "SELECT id FROM events WHERE subject = '" ORG "';", "1\n");
  expect(f,
         "SELECT id FROM events WHERE subject = '" ORG "' INCLUDE RETRACTED;",
         "1\n2\n");
  err(f, "RETRACT EVENT 2 REASON 'again';", CREDO_REFUSED, "already retracted");
  err(f, "CORRECT EVENT 2 SET data.a = 1 REASON 'r';", CREDO_REFUSED,
      "retracted");
  expect(f, "SELECT op FROM events WHERE id = 2 INCLUDE RETRACTED;",
         "retract\n");
}

static void t_repair(void **state) {
  fx *f = *state;
  at(f, "2025-03-02");
  record(f, "penalty_general", ORG, "2025-03-01", "p1", "{}", "1");
  at(f, "2025-04-01");
  err(f, "REPAIR EVENT 1 REASON '信用修复';", CREDO_REFUSED,
      "repair refused: earliest allowed 2025-06-01 (REPAIRABLE AFTER 3 "
      "MONTHS)");
  err(f, "REPAIR EVENT 1 EFFECTIVE '2025-05-31' REASON 'x';", CREDO_REFUSED,
      "earliest allowed 2025-06-01");
  expect(f, "REPAIR EVENT 1 EFFECTIVE '2025-06-01' REASON '信用修复';",
         "1|repaired\n");
  assert_int_equal(credo_changes(f->db), 1);
  expect(f, "SELECT public_until, op FROM events INCLUDE HIDDEN;",
         "2025-06-01T00:00:00+00:00|repair\n");
  /* public until 06-01, so still public now (04-01) */
  expect(f, "SELECT id FROM events;", "1\n");
  at(f, "2025-06-02");
  expect(f, "SELECT id FROM events;", "");
  err(f, "REPAIR EVENT 1 REASON 'again';", CREDO_REFUSED, "already ends");
  err(f, "REPAIR EVENT 'x' REASON 'r';", CREDO_SEMANTIC,
      "line 1, column 14: an event id must be a positive integer");
}

static void t_repair_where(void **state) {
  fx *f = *state;
  five(f);
  at(f, "2025-07-10");
  expect(f, "REPAIR EVENTS WHERE type = 'penalty_general' REASON '批量修复';",
         "1|repaired|NULL\n"
         "2|refused|repair refused: earliest allowed 2025-08-01 "
         "(REPAIRABLE AFTER 3 MONTHS)\n"
         "5|refused|repair refused: earliest allowed 2025-09-20 "
         "(REPAIRABLE AFTER 3 MONTHS)\n");
  assert_int_equal(credo_changes(f->db), 1);
  assert_int_equal(credo_errcode(f->db), CREDO_OK);
  expect(f, "SELECT id FROM events WHERE type = 'penalty_general';", "2\n5\n");
  expect(f, "REPAIR EVENTS WHERE data.amount_wan > 100 REASON 'none';", "");
  /* the repaired one is matched again and refused: its window ended */
  expect(f, "REPAIR EVENTS WHERE id = 1 EFFECTIVE '2025-07-20' REASON 'x';",
         "1|refused|repair refused: publicity of event 1 already ends "
         "2025-07-10, not after 2025-07-20\n");
  err(f, "REPAIR EVENTS WHERE nosuch = 1 REASON 'x';", CREDO_SEMANTIC,
      "line 1, column 21: unknown column \"nosuch\"");
}

static void t_history(void **state) {
  fx *f = *state;
  five(f);
  at(f, "2025-07-02");
  ok(f, "CORRECT EVENT 3 SET data.amount_wan = 12 REASON 'c';");
  at(f, "2025-07-03");
  ok(f, "RETRACT EVENT 3 REASON 'r';");
  expect(f, "HISTORY OF EVENT 3;",
         "3|" ORG2 "|penalty_serious|2025-01-15T00:00:00+00:00|"
         "2025-01-15T00:00:00+00:00|2028-01-15T00:00:00+00:00|xm-market|r3|"
         "{\"amount_wan\":10,\"tags\":[\"a\",\"b\"]}|1|"
         "2025-07-01T00:00:00.000002+00:00|local|true|record|NULL\n"
         "3|" ORG2 "|penalty_serious|2025-01-15T00:00:00+00:00|"
         "2025-01-15T00:00:00+00:00|2028-01-15T00:00:00+00:00|xm-market|r3|"
         "{\"amount_wan\":12,\"tags\":[\"a\",\"b\"]}|2|"
         "2025-07-02T00:00:00+00:00|local|true|correct|c\n"
         "3|" ORG2 "|penalty_serious|2025-01-15T00:00:00+00:00|"
         "2025-01-15T00:00:00+00:00|2028-01-15T00:00:00+00:00|xm-market|r3|"
         "{\"amount_wan\":12,\"tags\":[\"a\",\"b\"]}|3|"
         "2025-07-03T00:00:00+00:00|local|false|retract|r\n");
  /* all versions of all events of a subject, by event id then version */
  credo_stmt *st;
  char buf[64] = "";
  assert_int_equal(credo_prepare(f->db, "HISTORY OF SUBJECT ?", -1, &st, NULL),
                   CREDO_OK);
  assert_int_equal(credo_bind_text(st, 1, ORG2, -1), CREDO_OK);
  while (credo_step(st) == CREDO_ROW) {
    char one[16];
    snprintf(one, sizeof one, "%s/%s ", credo_column_text(st, 0),
             credo_column_text(st, 9));
    strcat(buf, one);
  }
  assert_string_equal(buf, "3/1 3/2 3/3 5/1 ");
  credo_finalize(st);
  err(f, "HISTORY OF EVENT 42;", CREDO_NOTFOUND, "event 42 not found");
  err(f, "HISTORY OF SUBJECT 'nobody';", CREDO_NOTFOUND, "unknown subject");
}

/* ------------------------------------------------ bitemporal scenario */

static void t_bitemporal(void **state) {
  fx *f = *state;
  /* 03-05 record, 04-10 correct, 05-01 repair refused, 07-01 repair,
   * 08-01 record B, 09-01 retract B */
  at(f, "2025-03-05");
  record(f, "penalty_general", ORG, "2025-03-01", "A", "{\"amount_wan\": 0.5}",
         "1");
  at(f, "2025-04-10");
  ok(f, "CORRECT EVENT 1 SET data.amount_wan = 0.3 REASON '异议处理';");
  at(f, "2025-05-01");
  err(f, "REPAIR EVENT 1 REASON '申请修复';", CREDO_REFUSED,
      "repair refused: earliest allowed 2025-06-01 (REPAIRABLE AFTER 3 "
      "MONTHS)");
  at(f, "2025-07-01");
  expect(f, "REPAIR EVENT 1 REASON '信用修复';", "1|repaired\n");
  at(f, "2025-08-01");
  record(f, "penalty_general", ORG, "2025-07-20", "B", "{}", "2");
  at(f, "2025-09-01");
  ok(f, "RETRACT EVENT 2 REASON '误录';");
  at(f, "2025-10-01");

  const char *sel = "SELECT id, version, data.amount_wan, public FROM events";
  char sql[512];
#define AS_OF(when, extra, rows)                                               \
  snprintf(sql, sizeof sql, "%s AS OF '%s' %s;", sel, when, extra);            \
  expect(f, sql, rows)
  AS_OF("2025-03-04", "", "");
  AS_OF("2025-03-04", "INCLUDE HIDDEN", "");
  AS_OF("2025-03-06", "", "1|1|0.5|true\n");
  AS_OF("2025-04-10", "", "1|2|0.3|true\n"); /* recorded at 04-10 exactly */
  AS_OF("2025-04-09T23:59:59", "", "1|1|0.5|true\n");
  AS_OF("2025-06-30", "", "1|2|0.3|true\n");
  AS_OF("2025-07-01", "", ""); /* repaired: public until 07-01 */
  AS_OF("2025-07-01", "INCLUDE HIDDEN", "1|3|0.3|false\n");
  AS_OF("2025-07-01", "VISIBLE AT '2025-06-15'", "1|3|0.3|true\n");
  AS_OF("2025-08-15", "", "2|1|NULL|true\n");
  AS_OF("2025-08-15", "INCLUDE HIDDEN", "1|3|0.3|false\n2|1|NULL|true\n");
  AS_OF("2025-09-02", "", "");
  AS_OF("2025-09-02", "INCLUDE RETRACTED", "2|2|NULL|false\n");
  AS_OF("2025-09-02", "INCLUDE HIDDEN INCLUDE RETRACTED",
        "1|3|0.3|false\n2|2|NULL|false\n");
#undef AS_OF
  /* what the register showed on 15 June, seen from any later time */
  expect(f, "SELECT id FROM events VISIBLE AT '2025-06-15';", "1\n");
  expect(f, "SELECT id FROM events;", "");
  expect(f, "SELECT count(*) FROM events INCLUDE HIDDEN INCLUDE RETRACTED;",
         "2\n");
  expect(f, "SELECT op FROM events WHERE id = 1 INCLUDE HIDDEN;", "repair\n");
  expect(f,
         "SELECT id FROM events WHERE subject = '" ORG "' AS OF '2025-06-01';",
         "1\n");
  expect(f,
         "SELECT id FROM events WHERE source = 'xm-market' AND ref = 'A' "
         "AS OF '2025-06-01' VISIBLE AT '2025-06-01';",
         "1\n");
  expect(f, "SELECT count(*) FROM events AS OF NOW - 250 DAYS;", "0\n");
}

/* ------------------------------------------------- expressions */

static void t_aggregates(void **state) {
  fx *f = *state;
  five(f);
  expect(f,
         "SELECT count(*), count(data.amount_wan), sum(data.amount_wan), "
         "min(occurred), max(data.amount_wan) FROM events;",
         "5|4|13.75|2024-12-01T00:00:00+00:00|10\n");
  expect(f, "SELECT avg(version), sum(version), min(subject) FROM events;",
         "1|5|" PERSON "\n");
  expect(f,
         "SELECT type, count(*) AS n FROM events GROUP BY type ORDER BY n "
         "DESC, type;",
         "penalty_general|3\nhonour|1\npenalty_serious|1\n");
  expect(f,
         "SELECT subject, count(*) FROM events GROUP BY subject HAVING "
         "count(*) > 1 ORDER BY 1;",
         ORG "|2\n" ORG2 "|2\n");
  expect(f, "SELECT count(*) FROM events WHERE id > 100;", "0\n");
  expect(f, "SELECT sum(version), max(id) FROM events WHERE id > 100;",
         "NULL|NULL\n");
  expect(f,
         "SELECT lower(type) AS t, count(*) FROM events GROUP BY t ORDER BY "
         "t LIMIT 1 OFFSET 1;",
         "penalty_general|3\n");
  expect(f,
         "SELECT data.authority, sum(data.amount_wan) FROM events WHERE "
         "data.authority IS NOT NULL GROUP BY data.authority ORDER BY 2;",
         "市场监督管理局|1.75\n税务局|2\n");
  err(f, "SELECT subject, count(*) FROM events;", CREDO_SEMANTIC,
      "line 1, column 8: column \"subject\" must appear in GROUP BY");
  err(f, "SELECT id FROM events WHERE count(*) > 1;", CREDO_SEMANTIC,
      "line 1, column 29: aggregate function count is not allowed in WHERE");
  err(f, "SELECT sum(count(*)) FROM events;", CREDO_SEMANTIC,
      "aggregate functions cannot be nested");
  err(f, "SELECT sum(subject) FROM events;", CREDO_SEMANTIC,
      "sum needs numbers, got TEXT");
}

static void t_order_limit_distinct(void **state) {
  fx *f = *state;
  five(f);
  expect(f, "SELECT id FROM events ORDER BY occurred DESC LIMIT 2;", "5\n2\n");
  expect(f, "SELECT id FROM events ORDER BY occurred LIMIT 2 OFFSET 1;",
         "3\n1\n");
  expect(f, "SELECT id FROM events ORDER BY data.amount_wan DESC, id;",
         "3\n2\n5\n1\n4\n");
  expect(f, "SELECT id FROM events LIMIT 2 OFFSET 3;", "4\n5\n");
  expect(f, "SELECT id FROM events LIMIT 0;", "");
  expect(f, "SELECT DISTINCT type FROM events ORDER BY type;",
         "honour\npenalty_general\npenalty_serious\n");
  expect(f, "SELECT DISTINCT subject_kind FROM events;", "org\nperson\n");
  expect(f, "SELECT DISTINCT type FROM events LIMIT 1 OFFSET 1;",
         "penalty_serious\n");
  err(f, "SELECT id FROM events LIMIT -1;", CREDO_SEMANTIC,
      "LIMIT must be a non-negative integer");
}

static void t_predicates(void **state) {
  fx *f = *state;
  five(f);
  expect(f, "SELECT id FROM events WHERE ref LIKE 'r%' AND id IN (1, 3, 9);",
         "1\n3\n");
  expect(f, "SELECT id FROM events WHERE data.authority LIKE '%市场%';",
         "1\n5\n");
  expect(f, "SELECT id FROM events WHERE ref LIKE '_4';", "4\n");
  expect(f, "SELECT id FROM events WHERE ref NOT LIKE 'r_';", "");
  expect(f, "SELECT id FROM events WHERE id NOT IN (1, 2, 3);", "4\n5\n");
  expect(f,
         "SELECT id FROM events WHERE occurred BETWEEN '2025-01-01' AND "
         "'2025-03-31';",
         "1\n3\n");
  expect(f,
         "SELECT id FROM events WHERE occurred NOT BETWEEN '2025-01-01' AND "
         "'2025-03-31';",
         "2\n4\n5\n");
  expect(f, "SELECT id FROM events WHERE data.amount_wan IS NULL;", "4\n");
  expect(f, "SELECT data.tags FROM events WHERE id = 3;", "[\"a\",\"b\"]\n");
  expect(f,
         "SELECT id FROM events WHERE data.amount_wan > 1 OR data.level = "
         "'A';",
         "2\n3\n4\n5\n");
  /* three-valued logic: NULL = x is unknown, NOT unknown is unknown */
  expect(f, "SELECT id FROM events WHERE NOT (data.amount_wan > 1);", "1\n");
  expect(f, "SELECT id FROM events WHERE data.level = 1;", "");
  expect(f,
         "SELECT upper(data.level), length(subject_name), coalesce(data."
         "level, 'none') FROM events WHERE id IN (4, 5);",
         "A|2|A\nNULL|NULL|none\n");
  expect(f,
         "SELECT id * 2 + 1, id / 2, id % 2, -id, 'x' || id FROM events WHERE "
         "id = 3;",
         "7|1|1|-3|x3\n");
  expect(f, "SELECT data.amount_wan * 2 FROM events WHERE id = 1;", "1\n");
  err(f, "SELECT id / 0 FROM events;", CREDO_RANGE,
      "line 1, column 8: division by zero");
  err(f, "SELECT id FROM events WHERE occurred > 'abc';", CREDO_SEMANTIC,
      "line 1, column 40: cannot read 'abc' as a time");
  err(f, "SELECT id FROM events WHERE id = 'x';", CREDO_SEMANTIC,
      "type mismatch: cannot compare INT with TEXT");
  err(f, "SELECT nosuch(id) FROM events;", CREDO_SEMANTIC,
      "unknown function \"nosuch\"");
  err(f, "SELECT lower(id, 2) FROM events;", CREDO_SEMANTIC,
      "wrong number of arguments");
}

static void t_time_arith_and_zone(void **state) {
  fx *f = *state;
  five(f);
  at(f, "2025-07-10");
  expect(f, "SELECT id FROM events WHERE occurred > NOW - 90 DAYS;", "2\n5\n");
  expect(f,
         "SELECT occurred + 1 MONTH, public_until - occurred FROM events "
         "WHERE id = 1;",
         "2025-04-01T00:00:00+00:00|365 DAYS\n");
  expect(f, "SELECT id FROM events WHERE public_until < '2026-03-01' + 1 DAY;",
         "1\n");
  ok(f, "SET TIME ZONE '+08:00';");
  assert_int_equal(credo_get_tz(f->db), 8 * 3600);
  /* times print in the session zone ... */
  expect(f, "SELECT occurred FROM events WHERE id = 1;",
         "2025-03-01T08:00:00+08:00\n");
  /* ... and literals without an offset are read in it */
  expect(f, "SELECT id FROM events WHERE occurred = '2025-03-01T08:00:00';",
         "1\n");
  expect(f, "SELECT id FROM events WHERE occurred = '2025-03-01';", "");
  expect(f, "SELECT id FROM events WHERE occurred = '2025-03-01T00:00:00Z';",
         "1\n");
  ok(f, "SET TIME ZONE 'UTC';");
  assert_int_equal(credo_get_tz(f->db), 0);
  ok(f, "SET TIME ZONE '-05:30';");
  assert_int_equal(credo_get_tz(f->db), -(5 * 3600 + 1800));
  ok(f, "SET TIME ZONE 'Z';");
  err(f, "SET TIME ZONE 'Mars';", CREDO_INVALID,
      "line 1, column 15: bad time zone 'Mars'");
}

/* ---------------------------------------------- prepared statements */

static void t_params_and_reset(void **state) {
  fx *f = *state;
  credo_stmt *st;
  const char *tail = NULL;
  const char *sql = "SELECT id, occurred, data.amount_wan, public FROM "
                    "events WHERE subject = ? AND occurred >= ?; SELECT 1";
  five(f);
  assert_int_equal(credo_prepare(f->db, sql, -1, &st, &tail), CREDO_OK);
  assert_string_equal(tail, " SELECT 1");
  assert_int_equal(credo_bind_count(st), 2);
  assert_int_equal(credo_column_count(st), 4);
  assert_string_equal(credo_column_name(st, 2), "data.amount_wan");
  assert_int_equal(credo_column_decltype(st, 0), CREDO_T_INT);
  assert_int_equal(credo_column_decltype(st, 1), CREDO_T_TIME);
  assert_int_equal(credo_column_decltype(st, 3), CREDO_T_BOOL);
  /* unbound */
  assert_int_equal(credo_step(st), CREDO_MISUSE);
  assert_string_equal(credo_errmsg(f->db),
                      "line 1, column 74: parameter 1 is not bound");
  assert_int_equal(credo_reset(st), CREDO_OK);
  assert_int_equal(credo_bind_text(st, 1, ORG, -1), CREDO_OK);
  assert_int_equal(credo_bind_time(st, 2, th_t("2025-04-01")), CREDO_OK);
  assert_int_equal(credo_bind_text(st, 3, "x", -1), CREDO_RANGE);
  assert_int_equal(credo_bind_int64(st, 0, 1), CREDO_RANGE);
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_int_equal(credo_column_int64(st, 0), 2);
  assert_int_equal(credo_column_time(st, 1), th_t("2025-05-01"));
  assert_int_equal(credo_column_type(st, 2), CREDO_T_INT);
  assert_int_equal(credo_column_type(st, 3), CREDO_T_BOOL);
  assert_string_equal(credo_column_text(st, 3), "true");
  assert_int_equal(credo_bind_text(st, 1, ORG2, -1), CREDO_MISUSE);
  assert_int_equal(credo_step(st), CREDO_DONE);
  assert_int_equal(credo_step(st), CREDO_DONE);
  /* re-execution with new bindings */
  assert_int_equal(credo_reset(st), CREDO_OK);
  assert_int_equal(credo_bind_text(st, 1, ORG2, -1), CREDO_OK);
  assert_int_equal(credo_bind_text(st, 2, "2025-01-01", -1), CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_int_equal(credo_column_int64(st, 0), 3);
  assert_true(credo_column_double(st, 2) == 10.0);
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_int_equal(credo_column_int64(st, 0), 5);
  assert_string_equal(credo_column_text(st, 2), "1.25");
  assert_int_equal(credo_step(st), CREDO_DONE);
  /* reset keeps bindings */
  assert_int_equal(credo_reset(st), CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_int_equal(credo_column_int64(st, 0), 3);
  assert_int_equal(credo_finalize(st), CREDO_OK);

  /* a write with parameters, run twice */
  assert_int_equal(credo_prepare(f->db,
                                 "RECORD honour FOR ? OCCURRED ? SOURCE 'p' "
                                 "REF ? DATA ?",
                                 -1, &st, NULL),
                   CREDO_OK);
  for (int i = 0; i < 2; i++) {
    char ref[16];
    snprintf(ref, sizeof ref, "p%d", i);
    credo_reset(st);
    credo_bind_text(st, 1, PERSON, -1);
    credo_bind_text(st, 2, "2025-06-01", -1);
    credo_bind_text(st, 3, ref, -1);
    credo_bind_text(st, 4, "{\"level\": \"B\"}", -1);
    assert_int_equal(credo_step(st), CREDO_ROW);
    assert_int_equal(credo_column_int64(st, 0), 6 + i);
    assert_int_equal(credo_step(st), CREDO_DONE);
  }
  credo_finalize(st);
  expect(f, "SELECT count(*) FROM events WHERE data.level = 'B';", "2\n");
  /* blanks and comments only: no statement */
  st = (credo_stmt *)1;
  assert_int_equal(credo_prepare(f->db, "  -- nothing\n ", -1, &st, NULL),
                   CREDO_OK);
  assert_null(st);
  /* a statement left open is finalized by credo_close (teardown) */
  assert_int_equal(credo_prepare(f->db, "SELECT * FROM events", -1, &st, NULL),
                   CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_ROW);
}

static int stop_cb(void *arg, int n, const char *const *v,
                   const char *const *names) {
  (void)n;
  (void)v;
  (void)names;
  return ++*(int *)arg >= 2;
}

static void t_exec_script(void **state) {
  fx *f = *state;
  int calls = 0;
  five(f);
  assert_int_equal(credo_exec(f->db, "SELECT id FROM events;", stop_cb, &calls),
                   CREDO_CANCELLED);
  assert_int_equal(calls, 2);
  /* errors in a script carry the script's line and column */
  assert_int_equal(credo_exec(f->db,
                              "SELECT id FROM events;\n"
                              "SELECT id\n  FROM events WHERE bogus = 1;",
                              NULL, NULL),
                   CREDO_SEMANTIC);
  int line, col;
  credo_errpos(f->db, &line, &col);
  assert_int_equal(line, 3);
  assert_int_equal(col, 21);
  assert_non_null(strstr(credo_errmsg(f->db),
                         "line 3, column 21: unknown column \"bogus\" "
                         "(columns: id, subject,"));
  assert_int_equal(credo_exec(f->db, "SELECT id FORM events;", NULL, NULL),
                   CREDO_SYNTAX);
  assert_non_null(strstr(credo_errmsg(f->db), "line 1, column 11"));
}

/* ------------------------------------------------------ transactions */

static void t_transactions(void **state) {
  fx *f = *state;
  at(f, "2025-03-02");
  ok(f, "BEGIN;");
  assert_int_equal(credo_in_txn(f->db), 1);
  record(f, "honour", PERSON, "2025-03-01", "t1", "{}", "1");
  expect(f, "SELECT count(*) FROM events;", "1\n"); /* sees its own write */
  ok(f, "ROLLBACK;");
  assert_int_equal(credo_in_txn(f->db), 0);
  expect(f, "SELECT count(*) FROM events;", "0\n");

  ok(f, "BEGIN;");
  /* the rolled back id is given again: nothing of it remains */
  record(f, "honour", PERSON, "2025-03-01", "t2", "{}", "1");
  record(f, "honour", PERSON, "2025-03-01", "t3", "{}", "2");
  /* a statement failing before it writes leaves the transaction open */
  err(f,
      "RECORD honour FOR 'nobody' OCCURRED '2025-03-01' SOURCE 's' REF "
      "'t4';",
      CREDO_NOTFOUND, "unknown subject");
  assert_int_equal(credo_in_txn(f->db), 1);
  ok(f, "COMMIT;");
  expect(f, "SELECT id, recorded FROM events;",
         "1|2025-03-02T00:00:00+00:00\n2|2025-03-02T00:00:00+00:00\n");
  err(f, "COMMIT;", CREDO_TXN, "no transaction is open");
  err(f, "ROLLBACK;", CREDO_TXN, "no transaction is open");
  ok(f, "BEGIN;");
  err(f, "BEGIN;", CREDO_TXN, "already open");
  ok(f, "ROLLBACK;");
}

/* ------------------------------------------------------------- roles */

static void t_public_role(void **state) {
  fx *f = *state;
  credo *web;
  at(f, "2025-03-02");
  record(f, "penalty_general", ORG, "2025-03-01", "A", "{}", "1");
  record(f, "penalty_general", ORG, "2025-03-01", "B", "{}", "2");
  at(f, "2025-07-01");
  expect(f, "REPAIR EVENT 1 REASON '修复';", "1|repaired\n");
  at(f, "2025-07-02");
  assert_int_equal(credo_dup(f->db, &web), CREDO_OK);
  assert_int_equal(credo_set_user(web, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  err_on(web, "SELECT id FROM events AS OF '2025-06-01';", CREDO_DENIED,
         "line 1, column 29: permission denied: role public");
  err_on(web, "SELECT id FROM events VISIBLE AT '2025-06-01';", CREDO_DENIED,
         "permission denied");
  err_on(web, "SELECT id FROM events INCLUDE HIDDEN;", CREDO_DENIED,
         "permission denied");
  err_on(web, "SELECT id FROM events INCLUDE RETRACTED;", CREDO_DENIED,
         "permission denied");
  err_on(web, "HISTORY OF EVENT 1;", CREDO_DENIED, "permission denied");
  err_on(web, "HISTORY OF SUBJECT '" ORG "';", CREDO_DENIED,
         "permission denied");
  err_on(web,
         "RECORD honour FOR '" ORG "' OCCURRED '2025-01-01' SOURCE 's' "
         "REF 'x';",
         CREDO_DENIED, "permission denied");
  /* the repaired record is reachable by no path */
  const char *paths[] = {
      "SELECT id FROM events;",
      "SELECT id FROM events WHERE id = 1;",
      "SELECT id FROM events WHERE subject = '" ORG "';",
      "SELECT id FROM events WHERE source = 'xm-market' AND ref = 'A';",
      "SELECT id FROM events WHERE type = 'penalty_general';",
      "SELECT id FROM events WHERE public_until <= '2025-07-01';",
      "SELECT id FROM events WHERE public_until > '2000-01-01';",
      "SELECT id FROM events WHERE public = false;",
      "SELECT id FROM events WHERE id IN (1, 2) OR ref = 'A';"};
  for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
    char *got = q_on(web, paths[i]);
    if (strstr(got, "1\n") == got || strstr(got, "\n1\n"))
      fail_msg("public role saw the repaired event: %s", paths[i]);
    free(got);
  }
  expect_on(web, "SELECT id FROM events WHERE subject = '" ORG "';", "2\n");
  expect_on(web, "SELECT count(*) FROM events;", "1\n");
  credo_close(web);
}

static void t_roles(void **state) {
  fx *f = *state;
  credo *h;
  five(f);
  at(f, "2025-07-10");
  ok(f, "CREATE USER rec ROLE recorder PASSWORD 'rec-password';");
  ok(f, "GRANT SOURCE 's' TO rec;");
  assert_int_equal(credo_dup(f->db, &h), CREDO_OK);
  assert_int_equal(credo_set_user(h, "rec", CREDO_ROLE_RECORDER), CREDO_OK);
  ok_on(h, "RECORD honour FOR '" PERSON
           "' OCCURRED '2025-07-01' SOURCE 's' REF 'rec1';");
  ok_on(h, "CORRECT EVENT 6 SET data.level = 'B' REASON 'r';");
  err_on(h, "REPAIR EVENT 1 REASON 'x';", CREDO_DENIED,
         "permission denied: role recorder may not repair events");
  err_on(h, "REPAIR EVENTS WHERE id = 1 REASON 'x';", CREDO_DENIED,
         "may not repair events");
  err_on(h, "RETRACT EVENT 1 REASON 'x';", CREDO_DENIED,
         "has no grant for source");
  err_on(h, "CREATE TYPE t2;", CREDO_DENIED, "may not create types");
  expect_on(h, "SELECT actor FROM events WHERE ref = 'rec1';", "rec\n");
  credo_close(h);

  assert_int_equal(credo_dup(f->db, &h), CREDO_OK);
  assert_int_equal(credo_set_user(h, "fix", CREDO_ROLE_REPAIRER), CREDO_OK);
  expect_on(h, "REPAIR EVENT 1 REASON 'x';", "1|repaired\n");
  err_on(h,
         "RECORD honour FOR '" PERSON
         "' OCCURRED '2025-07-01' SOURCE 's' REF 'rec2';",
         CREDO_DENIED, "permission denied: role repairer may not record");
  err_on(h, "CREATE SUBJECT 'x' KIND other;", CREDO_DENIED,
         "may not create subjects");
  credo_close(h);

  assert_int_equal(credo_dup(f->db, &h), CREDO_OK);
  assert_int_equal(credo_set_user(h, "ana", CREDO_ROLE_ANALYST), CREDO_OK);
  expect_on(h, "SELECT count(*) FROM events AS OF '2025-07-02';", "5\n");
  ok_on(h, "HISTORY OF EVENT 1;");
  err_on(h,
         "RECORD honour FOR '" PERSON
         "' OCCURRED '2025-07-01' SOURCE 's' REF 'rec3';",
         CREDO_DENIED, "permission denied");
  err_on(h, "CORRECT EVENT 1 SET data.a = 1 REASON 'x';", CREDO_DENIED,
         "permission denied");
  err_on(h, "BEGIN;", CREDO_DENIED, "permission denied");
  err_on(h, "CREATE USER bob ROLE admin PASSWORD 'bob-password';", CREDO_DENIED,
         "permission denied");
  err_on(h, "SHOW USERS;", CREDO_DENIED, "permission denied");
  credo_close(h);
}

static void t_users(void **state) {
  fx *f = *state;
  credo *h;
  at(f, "2025-02-01");
  ok(f, "CREATE USER alice ROLE analyst PASSWORD 's3cret-A-long';"
        "CREATE USER bob ROLE repairer PASSWORD 'hunter2-long';");
  expect(f, "SHOW USERS;",
         "alice|analyst|2025-02-01T00:00:00+00:00\n"
         "bob|repairer|2025-02-01T00:00:00.000001+00:00\n");
  err(f, "CREATE USER alice ROLE admin PASSWORD 'xxxxxxxxxx';", CREDO_EXISTS,
      "user \"alice\" already exists");

  assert_int_equal(credo_dup(f->db, &h), CREDO_OK);
  assert_int_equal(credo_authenticate(h, "alice", "wrong"), CREDO_AUTH);
  assert_string_equal(credo_errmsg(h), "authentication failed");
  assert_int_equal(credo_get_role(h), CREDO_ROLE_ADMIN); /* unchanged */
  assert_int_equal(credo_authenticate(h, "nobody", "s3cret-A-long"),
                   CREDO_AUTH);
  assert_string_equal(credo_errmsg(h), "authentication failed");
  assert_int_equal(credo_authenticate(h, "alice", "s3cret-A-long"), CREDO_OK);
  assert_int_equal(credo_get_role(h), CREDO_ROLE_ANALYST);
  /* an analyst handle cannot switch users again */
  assert_int_equal(credo_authenticate(h, "bob", "hunter2-long"), CREDO_DENIED);
  assert_null(strstr(credo_errmsg(h), "hunter2-long"));
  credo_close(h);

  ok(f, "ALTER USER alice ROLE recorder PASSWORD 'n3w-password';");
  assert_int_equal(credo_dup(f->db, &h), CREDO_OK);
  assert_int_equal(credo_authenticate(h, "alice", "s3cret-A-long"), CREDO_AUTH);
  assert_int_equal(credo_authenticate(h, "alice", "n3w-password"), CREDO_OK);
  assert_int_equal(credo_get_role(h), CREDO_ROLE_RECORDER);
  credo_close(h);
  ok(f, "ALTER USER alice ROLE analyst;");
  expect(f, "SHOW USERS;",
         "alice|analyst|2025-02-01T00:00:00+00:00\n"
         "bob|repairer|2025-02-01T00:00:00.000001+00:00\n");

  ok(f, "DROP USER alice;");
  err(f, "DROP USER alice;", CREDO_NOTFOUND, "does not exist");
  err(f, "ALTER USER ghost ROLE admin;", CREDO_NOTFOUND, "does not exist");
  assert_int_equal(credo_dup(f->db, &h), CREDO_OK);
  assert_int_equal(credo_authenticate(h, "alice", "n3w-password"), CREDO_AUTH);
  credo_close(h);
  expect(f, "SHOW USERS;", "bob|repairer|2025-02-01T00:00:00.000001+00:00\n");
  /* the password is not in any message */
  err(f, "CREATE USER bob ROLE admin PASSWORD 'topsecret-1';", CREDO_EXISTS,
      NULL);
  assert_null(strstr(credo_errmsg(f->db), "topsecret-1"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(t_create_and_show, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_show_stats, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_record_idempotent, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(t_record_window, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_correct_and_retract, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(t_repair, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_repair_where, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_history, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_bitemporal, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_aggregates, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_order_limit_distinct, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(t_predicates, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_time_arith_and_zone, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(t_params_and_reset, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(t_exec_script, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_transactions, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_public_role, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_roles, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_users, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
