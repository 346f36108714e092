/*
 * test_cql_versions.c -- the `versions` table through the public API:
 * every version of every event as a row (id, version, op, recorded, actor,
 * reason and the event's columns as of that version, data paths too), so
 * that "events ever corrected" and "the history of one event with chosen
 * columns" are plain SELECTs with WHERE, GROUP BY, subqueries and window
 * functions; the id path (EXPLAIN), DESCRIBE / SHOW TABLES, erased events,
 * and the role rules (public refused at the table name, AS OF refused).
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

/* Three events; event 1 corrected then repaired, event 2 retracted,
 * event 3 corrected twice. */
static int fx_setup(void **state) {
  fx *f = th_fx_open(
      "cqlv", "2025-01-01",
      "CREATE TYPE penalty_general PUBLICITY 1 YEAR REPAIRABLE AFTER 3 "
      "MONTHS;"
      "CREATE SUBJECT '" ORG "' KIND org NAME 'A';"
      "CREATE SUBJECT '" ORG2 "' KIND org NAME 'B';"
      "RECORD penalty_general FOR '" ORG "' OCCURRED '2024-12-01' SOURCE "
      "'m' REF 'r1' DATA {\"amount_wan\": 10.5};"
      "RECORD penalty_general FOR '" ORG2 "' OCCURRED '2024-12-02' SOURCE "
      "'m' REF 'r2' DATA {\"amount_wan\": 2};"
      "RECORD penalty_general FOR '" ORG2 "' OCCURRED '2024-12-03' SOURCE "
      "'m' REF 'r3' DATA {\"amount_wan\": 3};");
  f->clk.now = th_t("2025-04-01");
  ok_on(f->db, "CORRECT EVENT 1 SET data.amount_wan = 11.5 REASON 'typo';"
               "RETRACT EVENT 2 REASON 'wrong subject';"
               "CORRECT EVENT 3 SET data.note = 'n' REASON 'note';"
               "CORRECT EVENT 3 SET data.amount_wan = 4 REASON 'amount';");
  f->clk.now = th_t("2025-06-01");
  ok_on(f->db, "REPAIR EVENT 1 REASON 'repaired'");
  *state = f;
  return 0;
}

/* Every version, in (id, version) order, with the content it had. */
static void t_rows(void **state) {
  fx *f = *state;
  expect(f,
         "SELECT id, version, op, reason, ref, data.amount_wan, public_until, "
         "actor FROM versions",
         "1|1|record|NULL|r1|10.5|2025-12-01T00:00:00+00:00|local\n"
         "1|2|correct|typo|r1|11.5|2025-12-01T00:00:00+00:00|local\n"
         "1|3|repair|repaired|r1|11.5|2025-06-01T00:00:00+00:00|local\n"
         "2|1|record|NULL|r2|2|2025-12-02T00:00:00+00:00|local\n"
         "2|2|retract|wrong subject|r2|2|2025-12-02T00:00:00+00:00|local\n"
         "3|1|record|NULL|r3|3|2025-12-03T00:00:00+00:00|local\n"
         "3|2|correct|note|r3|3|2025-12-03T00:00:00+00:00|local\n"
         "3|3|correct|amount|r3|4|2025-12-03T00:00:00+00:00|local\n");
  /* recorded is strictly increasing within an event */
  expect(f,
         "SELECT count(*) FROM versions WHERE id = 3 AND recorded >= "
         "'2025-04-01' AND recorded < '2025-04-02'",
         "2\n");
  /* `*`: the first fourteen columns */
  expect(f, "SELECT * FROM versions WHERE id = 2 AND version = 1",
         "2|1|record|2025-01-01T00:00:00.000004+00:00|local|NULL|" ORG2
         "|penalty_general|2024-12-02T00:00:00+00:00|2024-12-02T00:00:00+00:00|"
         "2025-12-02T00:00:00+00:00|m|r2|{\"amount_wan\":2}\n");
}

/* The analyst questions: events ever corrected; one event's history with
 * chosen columns; what changed, through a window function. */
static void t_questions(void **state) {
  fx *f = *state;
  expect(f, "SELECT DISTINCT id FROM versions WHERE op = 'correct' ORDER BY id",
         "1\n3\n");
  expect(f,
         "SELECT id, count(*) FILTER (WHERE op = 'correct') n FROM versions "
         "GROUP BY id HAVING n > 0 ORDER BY n DESC",
         "3|2\n1|1\n");
  expect(f,
         "SELECT version, op, data.amount_wan FROM versions WHERE id = 1 "
         "ORDER BY version DESC",
         "3|repair|11.5\n2|correct|11.5\n1|record|10.5\n");
  expect(f,
         "SELECT id, version, lag(data.amount_wan) OVER (PARTITION BY id ORDER "
         "BY version) before, data.amount_wan after FROM versions WHERE op = "
         "'correct' OR version = 1 ORDER BY id, version",
         "1|1|NULL|10.5\n1|2|10.5|11.5\n2|1|NULL|2\n3|1|NULL|3\n3|2|3|3\n"
         "3|3|3|4\n");
  /* the latest version of each event, through row_number */
  expect(f,
         "SELECT DISTINCT id, first_value(op) OVER (PARTITION BY id ORDER BY "
         "version DESC) FROM versions ORDER BY id",
         "1|repair\n2|retract\n3|correct\n");
  /* events given a note, through a subquery over versions */
  expect(f,
         "SELECT id, ref, data.note FROM events WHERE id IN (SELECT id FROM "
         "versions WHERE reason = 'note') INCLUDE HIDDEN",
         "3|r3|n\n");
}

/* The id path, DESCRIBE, SHOW TABLES, erased events, misuse. */
static void t_plumbing(void **state) {
  fx *f = *state;
  expect(f, "EXPLAIN SELECT op FROM versions WHERE id = 3",
         "SEARCH versions USING id (id = 3) ~2 rows\nFILTER id = 3\n");
  expect(f, "SELECT count(*) FROM versions WHERE id = 99", "0\n");
  expect(f, "SELECT count(*) FROM versions WHERE id = NULL", "0\n");
  expect(f, "SELECT count(*) FROM versions", "8\n");
  expect(f, "DESCRIBE versions",
         "id|INT|true\nversion|INT|true\nop|TEXT|true\nrecorded|TIME|true\n"
         "actor|TEXT|true\nreason|TEXT|true\nsubject|TEXT|true\n"
         "type|TEXT|true\noccurred|TIME|true\npublic_from|TIME|true\n"
         "public_until|TIME|true\nsource|TEXT|true\nref|TEXT|true\n"
         "data|JSON|true\nsubject_name|TEXT|false\nsubject_kind|TEXT|false\n"
         "repairable_from|TIME|false\ndata.<path>|ANY|false\n");
  expect(f,
         "SELECT DISTINCT subject_name, subject_kind FROM versions WHERE "
         "id = 1",
         "A|org\n");
  err(f, "SELECT id FROM versions AS OF '2025-02-01'", CREDO_SEMANTIC,
      "column 31: AS OF, VISIBLE AT and INCLUDE apply to events only, not to "
      "versions");
  err(f, "SELECT id FROM versions WHERE id = 'x'", CREDO_SEMANTIC,
      "cannot compare");
  err(f, "SELECT nope FROM versions", CREDO_SEMANTIC,
      "unknown column \"nope\" (columns: id, version, op, recorded");
  /* an erased event leaves no versions behind */
  ok_on(f->db, "ERASE EVENT 2 REASON 'personal information law'");
  expect(f, "SELECT id, count(*) FROM versions GROUP BY id ORDER BY id",
         "1|3\n3|3\n");
}

/* Joins: versions as the first table of FROM, or as a subquery. */
static void t_joins(void **state) {
  fx *f = *state;
  expect(f,
         "SELECT v.id, v.version, s.name, v.data.amount_wan, e.data.amount_wan "
         "FROM versions v JOIN subjects s ON s.id = v.subject LEFT JOIN events "
         "e ON e.id = v.id WHERE v.op = 'correct' ORDER BY v.id, v.version",
         "1|2|A|11.5|NULL\n3|2|B|3|4\n3|3|B|4|4\n");
  expect(f,
         "SELECT e.id, v.n FROM events e JOIN (SELECT id, count(*) n FROM "
         "versions GROUP BY id) v ON v.id = e.id ORDER BY e.id INCLUDE HIDDEN",
         "1|3\n3|3\n");
  err(f, "SELECT e.id FROM events e JOIN versions v ON v.id = e.id",
      CREDO_SEMANTIC,
      "column 32: versions can only be the first table of FROM");
  /* the latest version of each event, row_number in a derived table */
  expect(f,
         "SELECT id, op FROM (SELECT id, op, row_number() OVER (PARTITION BY "
         "id ORDER BY version DESC) rn FROM versions) x WHERE rn = 1 ORDER BY "
         "id",
         "1|repair\n2|retract\n3|correct\n");
}

/* The public role may not read versions; analysts may. */
static void t_roles(void **state) {
  fx *f = *state;
  credo *pub = NULL, *an = NULL;
  assert_int_equal(credo_dup(f->db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  err_on(pub, "SELECT id FROM versions", CREDO_DENIED,
         "line 1, column 16: permission denied");
  err_on(pub,
         "SELECT count(*) FROM events WHERE id IN (SELECT id FROM "
         "versions WHERE op = 'repair')",
         CREDO_DENIED, "permission denied");
  credo_close(pub);
  assert_int_equal(credo_dup(f->db, &an), CREDO_OK);
  assert_int_equal(credo_set_user(an, "ana", CREDO_ROLE_ANALYST), CREDO_OK);
  expect_on(an, "SELECT count(*) FROM versions WHERE op = 'retract'", "1\n");
  credo_close(an);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(t_rows, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_questions, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_plumbing, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_joins, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_roles, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
