/*
 * test_cql_window.c -- window functions of CQL through the public API:
 * row_number, rank, dense_rank, lag / lead (offsets, defaults), first_value
 * / last_value, and count / sum / avg / min / max OVER (PARTITION BY ...
 * ORDER BY ...) with PostgreSQL's default frames (peers included), OVER (),
 * exact DECIMAL sums, texts and times; windows over groups, in ORDER BY,
 * inside expressions, with DISTINCT and LIMIT; the refusals (WHERE, GROUP
 * BY, HAVING, nesting, frames, named windows) with their positions; and the
 * public role, whose windows see only what it sees.
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

/* Five events: ORG has three (two of them peers on occurred), ORG2 and
 * PERSON one each. Amounts 33.91 + 0.2 + 0.1 (ORG) and 1348805.72. */
static int fx_setup(void **state) {
  fx *f = th_fx_open(
      "cqlw", "2025-01-01",
      "CREATE TYPE penalty_general PUBLICITY 1 YEAR REPAIRABLE AFTER 3 "
      "MONTHS; CREATE TYPE honour POSITIVE;"
      "CREATE SUBJECT '" ORG "' KIND org NAME 'A';"
      "CREATE SUBJECT '" ORG2 "' KIND org NAME 'B';"
      "CREATE SUBJECT '" PERSON "' KIND person NAME 'C';");
  f->clk.now = th_t("2025-07-01");
  ok_on(f->db,
        "RECORD penalty_general FOR '" ORG "' OCCURRED '2025-03-01' SOURCE "
        "'m' REF 'r1' DATA {\"amount_wan\": 33.91};"
        "RECORD penalty_general FOR '" ORG "' OCCURRED '2025-05-01' SOURCE "
        "'m' REF 'r2' DATA {\"amount_wan\": 0.2};"
        "RECORD penalty_general FOR '" ORG2 "' OCCURRED '2025-06-20' SOURCE "
        "'m' REF 'r3' DATA {\"amount_wan\": 1348805.72};"
        "RECORD honour FOR '" PERSON "' OCCURRED '2024-12-01' SOURCE 'm' "
        "REF 'r4' DATA {\"level\": \"A\"};"
        "RECORD penalty_general FOR '" ORG "' OCCURRED '2025-05-01' SOURCE "
        "'m' REF 'r5' DATA {\"amount_wan\": 0.1};");
  *state = f;
  return 0;
}

/* row_number counts rows, rank skips after peers, dense_rank does not. */
static void t_ranking(void **state) {
  fx *f = *state;
  expect(f,
         "SELECT id, row_number() OVER (PARTITION BY subject ORDER BY "
         "occurred, id) rn, rank() OVER (PARTITION BY subject ORDER BY "
         "occurred) r, dense_rank() OVER (ORDER BY occurred) d FROM events "
         "ORDER BY id",
         "1|1|1|2\n2|2|2|3\n3|1|1|4\n4|1|1|1\n5|3|2|3\n");
  /* no ORDER BY in the window: every row is a peer */
  expect(f,
         "SELECT id, rank() OVER (), row_number() OVER () FROM events "
         "WHERE subject = '" ORG "' ORDER BY id",
         "1|1|1\n2|1|2\n5|1|3\n");
  /* DESC in the window, and a window in the statement's ORDER BY */
  expect(f,
         "SELECT id FROM events ORDER BY row_number() OVER (ORDER BY "
         "occurred DESC, id) LIMIT 2",
         "3\n2\n");
  expect(f,
         "SELECT id, row_number() OVER (ORDER BY id DESC) * 10 x FROM "
         "events ORDER BY x LIMIT 2 OFFSET 1",
         "4|20\n3|30\n");
}

/* Aggregates: a running frame includes the current row's peers; without
 * ORDER BY the frame is the whole partition. Sums of decimals are exact. */
static void t_aggregates(void **state) {
  fx *f = *state;
  expect(f,
         "SELECT id, sum(data.amount_wan) OVER (PARTITION BY subject ORDER BY "
         "occurred) s, sum(data.amount_wan) OVER () t, count(*) OVER "
         "(PARTITION BY subject) n FROM events ORDER BY id",
         "1|33.91|1348839.93|3\n2|34.21|1348839.93|3\n"
         "3|1348805.72|1348839.93|1\n4|NULL|1348839.93|1\n"
         "5|34.21|1348839.93|3\n");
  expect(f,
         "SELECT id, round(avg(data.amount_wan) OVER (PARTITION BY subject), "
         "2), count(data.amount_wan) OVER (ORDER BY id), min(ref) OVER "
         "(PARTITION BY subject), max(occurred) OVER (PARTITION BY subject) "
         "FROM events WHERE subject <> '" PERSON "' ORDER BY id",
         "1|11.4|1|r1|2025-05-01T00:00:00+00:00\n"
         "2|11.4|2|r1|2025-05-01T00:00:00+00:00\n"
         "3|1348805.72|3|r3|2025-06-20T00:00:00+00:00\n"
         "5|11.4|4|r1|2025-05-01T00:00:00+00:00\n");
  /* durations: sums and averages of windows */
  expect(f,
         "SELECT id, sum(public_until - public_from) OVER (ORDER BY id), "
         "avg(public_until - public_from) OVER () FROM events WHERE type = "
         "'penalty_general' ORDER BY id",
         "1|365 DAYS|365 DAYS\n2|730 DAYS|365 DAYS\n3|1095 DAYS|365 DAYS\n"
         "5|1460 DAYS|365 DAYS\n");
  /* FILTER on a window aggregate */
  expect(f,
         "SELECT id, count(*) FILTER (WHERE data.amount_wan < 1) OVER "
         "(ORDER BY id) FROM events ORDER BY id",
         "1|0\n2|1\n3|1\n4|1\n5|2\n");
}

/* lag / lead with offsets and defaults; first_value / last_value with the
 * default frame; texts and times. */
static void t_offsets(void **state) {
  fx *f = *state;
  expect(f,
         "SELECT id, lag(ref) OVER (ORDER BY id), lead(ref, 2, 'none') OVER "
         "(ORDER BY id), lag(occurred) OVER (PARTITION BY subject ORDER BY "
         "id) FROM events ORDER BY id",
         "1|NULL|r3|NULL\n2|r1|r4|2025-03-01T00:00:00+00:00\n"
         "3|r2|r5|NULL\n4|r3|none|NULL\n5|r4|none|2025-05-01T00:00:00+00:00\n");
  expect(f,
         "SELECT id, lead(id, 0) OVER (), lag(id, -1) OVER (ORDER BY id), "
         "lag(id, 99) OVER (), lead(id, NULL) OVER () FROM events WHERE id "
         "<= 2 ORDER BY id",
         "1|1|2|NULL|NULL\n2|2|NULL|NULL|NULL\n");
  expect(f,
         "SELECT id, first_value(ref) OVER (PARTITION BY subject ORDER BY "
         "occurred DESC, id DESC), last_value(ref) OVER (PARTITION BY subject "
         "ORDER BY occurred) FROM events WHERE subject = '" ORG "' ORDER BY id",
         "1|r5|r1\n2|r5|r5\n5|r5|r5\n");
  err(f, "SELECT lag(id, 'x') OVER () FROM events", CREDO_SEMANTIC,
      "line 1, column 16: type mismatch: the offset of lag is INT, not TEXT");
}

/* The latest penalty of each company with its ref, in one statement; and
 * windows over GROUP BY (their input is the groups). */
static void t_latest_and_groups(void **state) {
  fx *f = *state;
  expect(f,
         "SELECT DISTINCT subject, first_value(ref) OVER (PARTITION BY "
         "subject ORDER BY occurred DESC, id DESC) FROM events WHERE type = "
         "'penalty_general' ORDER BY subject",
         ORG "|r5\n" ORG2 "|r3\n");
  expect(f,
         "SELECT subject, count(*) n, rank() OVER (ORDER BY count(*) DESC) r, "
         "sum(count(*)) OVER () total FROM events GROUP BY subject ORDER BY "
         "r, subject",
         ORG "|3|1|5\n" PERSON "|1|2|5\n" ORG2 "|1|2|5\n");
  expect(f,
         "EXPLAIN SELECT subject, rank() OVER (ORDER BY count(*) DESC), "
         "lag(subject) OVER () FROM events GROUP BY subject ORDER BY 2 LIMIT 1",
         "SCAN events ~5 rows\nGROUP BY subject\nWINDOW rank() OVER (ORDER "
         "BY count(*) DESC), lag(subject) OVER ()\nORDER BY 2 (TOP-K)\n"
         "LIMIT 1\nbatch path: projection segments of 1024 rows\n");
  /* the batch path's groups go through the window stage too */
  expect(f,
         "SELECT subject, count(*), rank() OVER (ORDER BY count(*) DESC, "
         "subject), sum(count(*)) OVER () FROM events GROUP BY subject ORDER "
         "BY 3",
         ORG "|3|1|5\n" PERSON "|1|2|5\n" ORG2 "|1|3|5\n");
  /* no rows: no output, no failure */
  expect(f, "SELECT row_number() OVER () FROM events WHERE id > 99", "");
}

/* Where windows may not go, with positions; frames and named windows. */
static void t_errors(void **state) {
  fx *f = *state;
  err(f, "SELECT id FROM events WHERE row_number() OVER () = 1", CREDO_SEMANTIC,
      "line 1, column 29: window function row_number is not allowed in "
      "WHERE");
  err(f, "SELECT count(*) FROM events GROUP BY rank() OVER (ORDER BY id)",
      CREDO_SEMANTIC,
      "column 38: window function rank is not allowed in "
      "GROUP BY");
  err(f,
      "SELECT type FROM events GROUP BY type HAVING rank() OVER (ORDER BY "
      "type) = 1",
      CREDO_SEMANTIC,
      "column 46: window function rank is not allowed in "
      "HAVING");
  err(f, "SELECT sum(row_number() OVER ()) FROM events", CREDO_SEMANTIC,
      "column 12: window function row_number cannot be used inside an "
      "aggregate");
  err(f, "SELECT sum(rank() OVER ()) OVER () FROM events", CREDO_SEMANTIC,
      "column 12: window function rank is not allowed in a window's "
      "arguments");
  err(f, "SELECT row_number() OVER (ORDER BY id ROWS 1 PRECEDING) FROM events",
      CREDO_SYNTAX, "column 39: window frames (ROWS ...) are not supported");
  err(f, "SELECT sum(id) OVER (RANGE UNBOUNDED PRECEDING) FROM events",
      CREDO_SYNTAX, "column 22: window frames (RANGE ...)");
  err(f, "SELECT row_number() OVER w FROM events", CREDO_SYNTAX,
      "column 26: named windows are not supported");
  err(f, "SELECT id FROM events WINDOW w AS (ORDER BY id)", CREDO_SYNTAX,
      "column 23: named windows are not supported");
  err(f, "SELECT ntile(2) OVER () FROM events", CREDO_SEMANTIC,
      "ntile is not a window function (window functions: row_number");
  err(f, "SELECT lag() OVER () FROM events", CREDO_SEMANTIC,
      "window function lag takes 1 to 3 argument(s)");
  err(f, "SELECT count(DISTINCT id) OVER () FROM events", CREDO_SEMANTIC,
      "DISTINCT is not supported in window function count");
  err(f, "SELECT lag(id) FILTER (WHERE id > 1) OVER () FROM events",
      CREDO_SEMANTIC, "FILTER applies to aggregate window functions only");
  err(f,
      "SELECT row_number() OVER (PARTITION BY subject) FROM events GROUP "
      "BY type",
      CREDO_SEMANTIC, "column \"subject\" must appear in GROUP BY");
  err(f, "SELECT rank(*) OVER () FROM events", CREDO_SEMANTIC,
      "rank(*) is not a window function");
  /* words of the window syntax stay usable as names */
  expect(f, "SELECT data.rows, data.range FROM events WHERE id = 1",
         "NULL|NULL\n");
}

/* The public role: its windows see only the rows it sees. */
static void t_public_role(void **state) {
  fx *f = *state;
  credo *pub = NULL;
  ok_on(f->db, "REPAIR EVENT 1 REASON 'repaired'");
  assert_int_equal(credo_dup(f->db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  expect_on(pub,
            "SELECT ref, count(*) OVER (), row_number() OVER (ORDER BY ref) "
            "FROM events WHERE type = 'penalty_general' ORDER BY ref",
            "r2|3|1\nr3|3|2\nr5|3|3\n");
  err_on(pub, "SELECT row_number() OVER (ORDER BY recorded) FROM events",
         CREDO_DENIED, "does not see column recorded");
  credo_close(pub);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(t_ranking, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_aggregates, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_offsets, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_latest_and_groups, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(t_errors, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_public_role, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
