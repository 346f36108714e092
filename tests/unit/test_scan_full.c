/*
 * test_scan_full.c -- the full scan (engine/read.c reads each event's
 * latest version from its own cursor, not by a second look-up) and the
 * one-field reader (engine/jfield.c) answer exactly what the one-event
 * look-up answers: property test over random records, corrections,
 * repairs and retractions at random instants, read with CQL (`SELECT ...
 * FROM events [AS OF t] [VISIBLE AT t] [INCLUDE HIDDEN | RETRACTED]`, a
 * full scan) and checked event by event against credo_get_event (the
 * look-up path) with `data.amount_wan` / `data.authority` checked against
 * jansson's parse of the event's data. CREDO_TEST_SEED replays a run.
 */
#include <inttypes.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "credo.h"
#include "th_store.h"

enum { NEVENTS = 120, NOPS = 80, NINSTANTS = 6 };

static uint64_t seed;
static uint64_t rnd(void) {
  return th_rnd(&seed);
}
static int pick(int n) {
  return (int)(rnd() % (uint64_t)n);
}

/* a minute of 2026-01-01, as text and as an instant */
static void minute(int m, char *buf, size_t n) {
  snprintf(buf, n, "2026-01-01T%02d:%02d:00", 8 + m / 60, m % 60);
}

static void random_data(char *buf, size_t n) {
  static const char *const AUTH[] = {"\"厦门市市场监督管理局\"", "\"a\\\"b\"",
                                     "null", "\"\"", "12"};
  switch (pick(4)) {
  case 0:
    snprintf(buf, n, "{\"amount_wan\": %d.%02d, \"authority\": %s}",
             pick(100000), pick(100), AUTH[pick(5)]);
    break;
  case 1:
    snprintf(buf, n, "{\"authority\": %s, \"amount_wan\": %d}", AUTH[pick(5)],
             pick(1000));
    break;
  case 2:
    snprintf(buf, n, "{\"x\": {\"amount_wan\": 1}, \"amount_wan\": 0.%d}",
             pick(1000));
    break;
  default:
    snprintf(buf, n, "{\"note\": \"none\"}");
  }
}

/* The look-up's answer for one event, compared with the scan's row. */
static void check_row(credo *db, credo_stmt *st, credo_time as_of,
                      credo_time vis, unsigned flags) {
  credo_event ev;
  uint64_t id = (uint64_t)credo_column_int64(st, 0);
  assert_int_equal(credo_get_event(db, id, as_of, vis, flags, &ev), CREDO_OK);
  assert_int_equal(credo_column_int64(st, 1), ev.version);
  assert_int_equal(credo_column_time(st, 2), ev.public_until);
  json_t *j = json_loads(ev.data, 0, NULL), *a, *au;
  assert_non_null(j);
  a = json_object_get(j, "amount_wan");
  au = json_object_get(j, "authority");
  if (!a || json_is_null(a))
    assert_int_equal(credo_column_type(st, 3), CREDO_T_NULL);
  else
    assert_true(credo_column_double(st, 3) == json_number_value(a));
  const char *t = credo_column_text(st, 4);
  if (!au || json_is_null(au))
    assert_null(t);
  else if (json_is_string(au))
    assert_string_equal(t, json_string_value(au));
  json_decref(j);
}

/* Every event the scan yields passes the look-up with the same version,
 * and the scan yields as many events as the look-ups find. */
static void compare(credo *db, const char *clause, credo_time as_of,
                    credo_time vis, unsigned flags) {
  char sql[512];
  credo_stmt *st = NULL;
  credo_event ev;
  long rows = 0, found = 0;
  snprintf(sql, sizeof sql,
           "SELECT id, version, public_until, data.amount_wan, "
           "data.authority FROM events ORDER BY id %s",
           clause);
  assert_int_equal(credo_prepare(db, sql, -1, &st, NULL), CREDO_OK);
  int rc;
  while ((rc = credo_step(st)) == CREDO_ROW) {
    check_row(db, st, as_of, vis, flags);
    rows++;
  }
  assert_int_equal(rc, CREDO_DONE);
  credo_finalize(st);
  for (uint64_t id = 1; id <= NEVENTS; id++)
    found += credo_get_event(db, id, as_of, vis, flags, &ev) == CREDO_OK;
  if (rows != found)
    fail_msg("%s: the scan gives %ld events, the look-ups %ld", sql, rows,
             found);
}

static void test_scan_equals_lookup(void **state) {
  (void)state;
  char *dir = th_tmpdir("scanfull");
  credo *db = NULL;
  th_clock clk = {th_t("2026-01-01T08:00:00")};
  char sql[1024], data[256], when[32], inst[NINSTANTS][32];
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  credo_set_clock(db, th_clock_fn, &clk);
  th_ok(db, "CREATE TYPE pen PUBLICITY 1 YEAR REPAIRABLE AFTER 0 DAYS;"
            "CREATE TYPE lic PUBLICITY OPEN; CREATE SUBJECT 's1' KIND other "
            "NAME 'one'; CREATE SUBJECT 's2' KIND other NAME 'two'");
  int ninst = 0;
  for (int i = 0; i < NEVENTS + NOPS; i++) {
    minute(i + 1, when, sizeof when);
    clk.now = th_t(when);
    if (i % ((NEVENTS + NOPS) / NINSTANTS) == 0 && ninst < NINSTANTS)
      snprintf(inst[ninst++], sizeof inst[0], "%s", when);
    random_data(data, sizeof data);
    if (i < NEVENTS || pick(3) == 0) {
      if (i >= NEVENTS)
        continue;
      snprintf(sql, sizeof sql,
               "RECORD %s FOR 's%d' OCCURRED '2025-%02d-%02d' SOURCE 'src' "
               "REF 'r%d' DATA %s",
               pick(2) ? "pen" : "lic", 1 + pick(2), 1 + pick(12), 1 + pick(28),
               i, data);
    } else {
      int id = 1 + pick(NEVENTS), op = pick(3);
      if (op == 0)
        snprintf(sql, sizeof sql, "CORRECT EVENT %d SET data = %s REASON 'fix'",
                 id, data);
      else if (op == 1)
        snprintf(sql, sizeof sql, "REPAIR EVENT %d REASON 'repair'", id);
      else
        snprintf(sql, sizeof sql, "RETRACT EVENT %d REASON 'error'", id);
    }
    credo_exec(db, sql, NULL, NULL); /* refusals (repairs) are fine */
  }
  clk.now = th_t("2026-01-02T00:00:00");
  compare(db, "", CREDO_TIME_NOW, CREDO_TIME_NOW, 0);
  compare(db, "INCLUDE HIDDEN", CREDO_TIME_NOW, CREDO_TIME_NOW,
          CREDO_READ_HIDDEN);
  compare(db, "INCLUDE RETRACTED", CREDO_TIME_NOW, CREDO_TIME_NOW,
          CREDO_READ_RETRACTED);
  compare(db, "VISIBLE AT '2025-07-01'", CREDO_TIME_NOW, th_t("2025-07-01"), 0);
  for (int k = 0; k < ninst; k++) {
    char clause[256];
    snprintf(clause, sizeof clause, "AS OF '%s'", inst[k]);
    compare(db, clause, th_t(inst[k]), CREDO_TIME_NOW, 0);
    snprintf(clause, sizeof clause, "AS OF '%s' INCLUDE HIDDEN", inst[k]);
    compare(db, clause, th_t(inst[k]), CREDO_TIME_NOW, CREDO_READ_HIDDEN);
  }
  credo_close(db);
  th_rmdir(dir);
}

int main(void) {
  seed = th_seed("test_scan_full");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scan_equals_lookup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
