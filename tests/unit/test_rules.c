/*
 * test_rules.c -- the registry's rules (docs/rules.md), one test per
 * numbered rule of issue 12 that the engine enforces, through the public
 * API (CQL and typed calls): each refusal's text is asserted, and a
 * refused statement writes nothing (the store's version count and the
 * event read back are unchanged).
 *
 * Each test gets a fresh store (store time zone +08:00, a fixed clock) and
 * the catalogue below.
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
#include "stor.h"
#include "th_store.h"

#define ORG "91350100M000100Y43"
#define PERSON "35020319800101003X"
#define PERSON_MASKED "350203********003X"

typedef th_fx fx; /* the shared store fixture (th_store.h) */

static uint64_t versions(credo *db) {
  credo_stats s;
  credo_role r = credo_get_role(db);
  assert_int_equal(r == CREDO_ROLE_PUBLIC ? CREDO_OK : credo_get_stats(db, &s),
                   CREDO_OK);
  return r == CREDO_ROLE_PUBLIC ? 0 : s.versions;
}

/* `sql` fails with `code` and a message containing `text`, and writes
 * nothing. */
static void refused_on(credo *db, const char *sql, int code, const char *text) {
  uint64_t before = versions(db);
  int rc = credo_exec(db, sql, NULL, NULL);
  if (rc != code || !strstr(credo_errmsg(db), text))
    fail_msg("%s\n  -> %s (%s), want %s containing \"%s\"", sql,
             credo_errmsg(db), credo_errname(rc), credo_errname(code), text);
  assert_int_equal(versions(db), before);
}

static int setup(void **state) {
  *state = th_fx_open(
      "rules", "2026-05-01T10:00:00+08:00",
      "SET STORE TIME ZONE '+08:00';"
      "CREATE TYPE penalty_general PUBLICITY 1 YEAR REPAIRABLE AFTER 3 "
      "MONTHS PUBLIC FIELDS (authority, amount_wan);"
      "CREATE TYPE penalty_minor NOT PUBLISHED;"
      "CREATE TYPE honour POSITIVE PUBLICITY 2 YEARS;"
      "CREATE TYPE licence POSITIVE PUBLICITY OPEN;"
      "CREATE SUBJECT '" ORG "' KIND org NAME '厦门鹭江海运有限公司';"
      "CREATE SUBJECT '" PERSON "' KIND person NAME '张三';");
  return 0;
}

static void record_general(fx *f, const char *subject, const char *ref,
                           const char *occurred) {
  char sql[512];
  snprintf(sql, sizeof sql,
           "RECORD penalty_general FOR '%s' OCCURRED '%s' SOURCE 'xm-market' "
           "REF '%s' DATA {\"authority\": \"市场监督管理局\", "
           "\"amount_wan\": 0.5, \"officer\": \"李四\"};",
           subject, occurred, ref);
  th_ok(f->db, sql);
}

/* 1. The repair minimum runs from the decision date; PUBLIC FROM before
 * OCCURRED is refused. */
static void rule1_repair_from_decision(void **state) {
  fx *f = *state;
  refused_on(f->db,
             "RECORD penalty_general FOR '" ORG "' OCCURRED '2026-03-01' "
             "PUBLIC FROM '2026-02-01' SOURCE 'xm-market' REF 'a';",
             CREDO_REFUSED,
             "PUBLIC FROM 2026-02-01 is before OCCURRED 2026-03-01");
  th_ok(f->db, "RECORD penalty_general FOR '" ORG "' OCCURRED '2026-01-10' "
               "PUBLIC FROM '2026-03-01' SOURCE 'xm-market' REF 'b';");
  /* counted from public_from it would be 2026-06-01; from the decision it
   * is 2026-04-10, so a repair on 2026-05-01 goes through */
  th_expect(f->db, "REPAIR EVENT 1 REASON '已整改';", "1|repaired\n");
  record_general(f, ORG, "c", "2026-03-15");
  refused_on(f->db, "REPAIR EVENT 2 REASON 'x';", CREDO_REFUSED,
             "repair refused: earliest allowed 2026-06-15 (REPAIRABLE AFTER 3 "
             "MONTHS)");
}

/* 2. PUBLICITY is a maximum; REPAIRABLE AFTER within it; PUBLICITY 0 is
 * refused naming OPEN and NOT PUBLISHED. */
static void rule2_publicity_is_maximum(void **state) {
  fx *f = *state;
  refused_on(f->db,
             "RECORD penalty_general FOR '" ORG "' OCCURRED '2026-03-01' "
             "UNTIL '2030-01-01' SOURCE 'xm-market' REF 'a';",
             CREDO_REFUSED,
             "UNTIL 2030-01-01 is after the maximum publicity: 2027-03-01 "
             "(OCCURRED + PUBLICITY 1 YEAR of type penalty_general)");
  refused_on(f->db,
             "CREATE TYPE bad PUBLICITY 3 MONTHS REPAIRABLE AFTER 1 YEAR;",
             CREDO_INVALID,
             "REPAIRABLE AFTER 1 YEAR is longer than PUBLICITY 3 MONTHS");
  refused_on(f->db, "CREATE TYPE zero PUBLICITY 0 DAYS;", CREDO_INVALID,
             "say PUBLICITY OPEN for a window without end, or NOT PUBLISHED");
  th_ok(f->db, "RECORD licence FOR '" ORG "' OCCURRED '2026-03-01' "
               "SOURCE 'xm-market' REF 'lic';");
  th_expect(f->db, "SELECT public_until FROM events WHERE ref = 'lic';",
            "open\n");
  /* a UNTIL inside the bounds is kept */
  th_ok(f->db, "RECORD penalty_general FOR '" ORG "' OCCURRED '2026-03-01' "
               "UNTIL '2026-12-01' SOURCE 'xm-market' REF 'in';");
}

/* 3. NOT PUBLISHED: kept and read by analysts, never public. */
static void rule3_not_published(void **state) {
  fx *f = *state;
  credo *pub;
  th_ok(f->db, "RECORD penalty_minor FOR '" ORG "' OCCURRED '2026-04-01' "
               "SOURCE 'xm-market' REF 'm1';");
  refused_on(f->db,
             "RECORD penalty_minor FOR '" ORG "' OCCURRED '2026-04-01' "
             "UNTIL '2026-05-01' SOURCE 'xm-market' REF 'm2';",
             CREDO_REFUSED, "type penalty_minor is NOT PUBLISHED");
  th_expect(f->db,
            "SELECT ref, public FROM events WHERE type = 'penalty_minor' "
            "INCLUDE HIDDEN;",
            "m1|false\n");
  assert_int_equal(credo_dup(f->db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  th_expect(pub, "SELECT count(*) FROM events WHERE subject = '" ORG "';",
            "0\n");
  credo_close(pub);
}

static int type_seen(const credo_type_info *t, void *arg) {
  int *n = arg;
  assert_int_equal(t->retain.months, 0); /* none declared */
  assert_int_equal(t->retain.usec, 0);
  if (strcmp(t->name, "penalty_general") == 0) {
    assert_int_equal(t->flags, 0);
    assert_string_equal(t->public_fields, "authority,amount_wan");
  } else if (strcmp(t->name, "penalty_minor") == 0)
    assert_int_equal(t->flags, CREDO_TYPE_NOT_PUBLISHED);
  else if (strcmp(t->name, "licence") == 0)
    assert_int_equal(t->flags, CREDO_TYPE_OPEN | CREDO_TYPE_POSITIVE);
  else
    assert_int_equal(t->flags, CREDO_TYPE_POSITIVE); /* honour */
  ++*n;
  return 0;
}

/* 2-4, 9. The policy is stored and handed back (credo_list_types). */
static void types_listed_with_policy(void **state) {
  fx *f = *state;
  int n = 0;
  assert_int_equal(credo_list_types(f->db, type_seen, &n), CREDO_OK);
  assert_int_equal(n, 4);
  th_expect(f->db,
            "SELECT name, publicity, polarity, published, public_fields "
            "FROM types ORDER BY name;",
            "honour|2 YEARS|positive|true|NULL\n"
            "licence|NULL|positive|true|NULL\n"
            "penalty_general|1 YEAR|adverse|true|authority,amount_wan\n"
            "penalty_minor|NULL|adverse|false|NULL\n");
}

/* 4. Polarity: repair applies to adverse records only. */
static void rule4_polarity(void **state) {
  fx *f = *state;
  th_ok(f->db, "RECORD honour FOR '" ORG "' OCCURRED '2025-01-01' "
               "SOURCE 'xm-market' REF 'h1';");
  refused_on(f->db, "REPAIR EVENT 1 REASON 'x';", CREDO_REFUSED,
             "repair applies to adverse records only (type honour is "
             "POSITIVE)");
}

/* 5. No bypass through CORRECT. */
static void rule5_no_bypass(void **state) {
  fx *f = *state;
  credo *rec, *rep;
  credo_event ev;
  th_ok(f->db, "CREATE USER alice ROLE recorder PASSWORD 'alice-pass';"
               "GRANT SOURCE 'xm-market' TO alice;");
  record_general(f, ORG, "g1", "2026-01-05");
  th_expect(f->db, "REPAIR EVENT 1 EFFECTIVE '2026-04-05' REASON '已整改';",
            "1|repaired\n");
  assert_int_equal(credo_dup(f->db, &rec), CREDO_OK);
  assert_int_equal(credo_set_user(rec, "alice", CREDO_ROLE_RECORDER), CREDO_OK);
  /* the recorder "un-repairing" the record until 2030 */
  refused_on(rec, "CORRECT EVENT 1 SET public_until = '2030-01-01' REASON 'x';",
             CREDO_DENIED,
             "role recorder may not correct the window, decision date or "
             "type of events");
  th_ok(rec, "CORRECT EVENT 1 SET data.amount_wan = 0.75 REASON '异议';");
  credo_close(rec);
  assert_int_equal(credo_dup(f->db, &rep), CREDO_OK);
  assert_int_equal(credo_set_user(rep, "bob", CREDO_ROLE_REPAIRER), CREDO_OK);
  refused_on(rep, "CORRECT EVENT 1 SET public_until = '2026-12-01' REASON 'x';",
             CREDO_REFUSED, "a correction cannot make it public again");
  record_general(f, ORG, "g2", "2026-03-01");
  refused_on(rep, "CORRECT EVENT 2 SET public_until = '2030-01-01' REASON 'x';",
             CREDO_REFUSED, "after the maximum publicity: 2027-03-01");
  refused_on(rep, "CORRECT EVENT 2 SET public_until = '2026-04-01' REASON 'x';",
             CREDO_REFUSED,
             "before the minimum publicity: 2026-06-01 (OCCURRED + REPAIRABLE "
             "AFTER 3 MONTHS of type penalty_general); ending it earlier is a "
             "REPAIR");
  /* a type change recomputes the window from the new type */
  th_ok(rep, "CORRECT EVENT 2 SET type = honour REASON '类型更正';");
  assert_int_equal(credo_get_event(f->db, 2, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                   CREDO_READ_HIDDEN, &ev),
                   CREDO_OK);
  assert_int_equal(ev.public_until, th_t("2028-03-01T00:00:00+08:00"));
  credo_close(rep);
}

/* 6. The store's time zone: windows and repairs run on its calendar. */
static void rule6_store_time_zone(void **state) {
  fx *f = *state;
  credo *utc;
  int tz = 0;
  credo_event ev;
  assert_int_equal(credo_get_store_tz(f->db, &tz), CREDO_OK);
  assert_int_equal(tz, 8 * 3600);
  assert_int_equal(credo_dup(f->db, &utc), CREDO_OK);
  assert_int_equal(credo_set_tz(utc, 0), CREDO_OK);
  /* a UTC client: 2026-02-28T16:00Z is 1 March in Xiamen; the window ends
   * on 1 March 2027 there, not 28 February */
  th_ok(utc, "RECORD penalty_general FOR '" ORG "' OCCURRED "
             "'2026-02-28T16:00:00' SOURCE 'xm-market' REF 'u';");
  assert_int_equal(credo_get_event(utc, 1, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                   CREDO_READ_HIDDEN, &ev),
                   CREDO_OK);
  assert_int_equal(ev.public_until, th_t("2027-03-01T00:00:00+08:00"));
  assert_int_equal(credo_set_user(utc, "ana", CREDO_ROLE_ANALYST), CREDO_OK);
  refused_on(utc, "SET STORE TIME ZONE 'UTC';", CREDO_DENIED,
             "may not set the store time zone");
  credo_close(utc);
  th_ok(f->db, "SET STORE TIME ZONE 'Asia/Shanghai';");
  refused_on(f->db, "SET STORE TIME ZONE 'Europe/Berlin';", CREDO_INVALID,
             "bad time zone 'Europe/Berlin'");
}

/* 7. The public role sees person ids masked and filters them only by
 * equality with a full id. */
static void rule7_person_masking(void **state) {
  fx *f = *state;
  credo *pub;
  credo_event ev;
  record_general(f, PERSON, "p1", "2026-04-01");
  assert_int_equal(credo_dup(f->db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  th_expect(pub,
            "SELECT subject, subject || '' FROM events WHERE subject = '" PERSON
            "';",
            PERSON_MASKED "|" PERSON_MASKED "\n");
  th_expect(pub, "SELECT subject FROM events;", PERSON_MASKED "\n");
  refused_on(pub, "SELECT id FROM events WHERE subject LIKE '3502%';",
             CREDO_DENIED,
             "role public may filter subject only by equality with a full id");
  refused_on(pub, "SELECT id FROM events WHERE subject > '3';", CREDO_DENIED,
             "only by equality");
  assert_int_equal(
      credo_get_event(pub, 1, CREDO_TIME_NOW, CREDO_TIME_NOW, 0, &ev),
      CREDO_OK);
  assert_string_equal(ev.subject, PERSON_MASKED);
  credo_close(pub);
  th_expect(f->db, "SELECT subject FROM events;", PERSON "\n");
}

typedef struct seen {
  int n;
  char subject[32], actor[32];
} seen;

static int seen_cb(const credo_event *ev, void *arg) {
  seen *s = arg;
  s->n++;
  snprintf(s->subject, sizeof s->subject, "%s", ev->subject);
  snprintf(s->actor, sizeof s->actor, "%s", ev->actor);
  return 0;
}

/* 8. The public role sees records, not the registry's internals. */
static void rule8_no_internals(void **state) {
  fx *f = *state;
  credo *pub;
  credo_stats st;
  seen s = {0};
  record_general(f, PERSON, "p1", "2026-04-01");
  th_ok(f->db, "CORRECT EVENT 1 SET data.amount_wan = 0.4 REASON "
               "'原金额 0.5 录错 (staff: wang)';");
  assert_int_equal(credo_dup(f->db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  const char *cols[] = {"actor", "reason", "op", "version", "recorded"};
  for (int i = 0; i < 5; i++) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT %s FROM events;", cols[i]);
    refused_on(pub, sql, CREDO_DENIED, "role public does not see column");
  }
  /* `*` keeps its columns, without their values */
  th_expect(pub, "SELECT * FROM events;",
            "1|" PERSON_MASKED "|penalty_general|2026-04-01T00:00:00+08:00|"
            "2026-04-01T00:00:00+08:00|2027-04-01T00:00:00+08:00|xm-market|p1|{"
            "\"amount_wan\":0.4,\"authority\":"
            "\"市场监督管理局\"}|NULL|NULL|NULL|true\n");
  th_expect(pub, "EXPLAIN SELECT id FROM events WHERE subject = '" PERSON "';",
            "SEARCH events USING subject index\n"
            "FILTER subject = '" PERSON "'\n"); /* no row counts */
  assert_int_equal(credo_get_stats(pub, &st), CREDO_DENIED);
  refused_on(pub, "SHOW STATS;", CREDO_DENIED, "statistics");
  assert_int_equal(credo_subject_events(pub, PERSON, CREDO_TIME_NOW,
                                        CREDO_TIME_NOW, 0, seen_cb, &s),
                   CREDO_OK);
  assert_int_equal(s.n, 1);
  assert_string_equal(s.subject, PERSON_MASKED);
  assert_string_equal(s.actor, "");
  credo_close(pub);
}

static int count_checks(void *arg) {
  ++*(int *)arg;
  return 0;
}

/* Rows a public look-up of `subject` examines (the check handler is
 * called for every row a scan looks at). */
static int lookup_work(credo *pub, const char *subject) {
  int n = 0;
  char sql[128];
  assert_int_equal(credo_set_check_handler(pub, 1, count_checks, &n), CREDO_OK);
  snprintf(sql, sizeof sql, "SELECT id FROM events WHERE subject = '%s';",
           subject);
  th_ok(pub, sql);
  credo_set_check_handler(pub, 1, NULL, NULL);
  return n;
}

/* 8. A public look-up costs the same whether the subject has 0 or many
 * hidden records: it examines only the records that may be public. */
static void rule8_constant_cost_lookup(void **state) {
  fx *f = *state;
  credo *pub;
  int empty, hidden;
  char sql[256];
  th_ok(f->db, "CREATE SUBJECT '914403001922038216' KIND org;");
  record_general(f, ORG, "live", "2026-04-01");
  record_general(f, "914403001922038216", "live2", "2026-04-01");
  th_ok(f->db, "BEGIN;");
  for (int i = 0; i < 200; i++) {
    snprintf(sql, sizeof sql,
             "RECORD penalty_minor FOR '%s' OCCURRED '2026-01-01' SOURCE "
             "'xm-market' REF 'h%d';",
             i % 2 ? ORG : "914403001922038216", i);
    th_ok(f->db, sql);
  }
  for (int i = 0; i < 50; i++) {
    snprintf(sql, sizeof sql,
             "RECORD penalty_general FOR '" ORG "' OCCURRED '2024-01-01' "
             "SOURCE 'xm-market' REF 'old%d';",
             i);
    th_ok(f->db, sql);
  }
  th_ok(f->db, "COMMIT;");
  assert_int_equal(credo_dup(f->db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  empty = lookup_work(pub, "914403001922038216");
  hidden = lookup_work(pub, ORG);
  assert_true(empty > 0);
  assert_int_equal(hidden, empty);
  /* an analyst's look-up does walk them */
  credo_close(pub);
  assert_true(lookup_work(f->db, ORG) > 100);
}

/* 9. The public role sees only the type's PUBLIC FIELDS of data. */
static void rule9_public_fields(void **state) {
  fx *f = *state;
  credo *pub;
  record_general(f, ORG, "f1", "2026-04-01");
  assert_int_equal(credo_dup(f->db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  th_expect(pub, "SELECT data, data.officer FROM events;",
            "{\"amount_wan\":0.5,\"authority\":\"市场监督管理局\"}|NULL\n");
  th_expect(pub, "SELECT count(*) FROM events WHERE data.officer = '李四';",
            "0\n");
  credo_close(pub);
  th_expect(f->db, "SELECT data.officer FROM events;", "李四\n");
}

/* 10. Recorders are bound to their department's sources. */
static void rule10_source_grants(void **state) {
  fx *f = *state;
  credo *rec;
  th_ok(f->db, "CREATE USER alice ROLE recorder PASSWORD 'alice-pass';"
               "GRANT SOURCE 'xm-market' TO alice;");
  record_general(f, ORG, "t1", "2026-04-01"); /* admin, source xm-market */
  th_ok(f->db, "RECORD penalty_general FOR '" ORG "' OCCURRED '2026-04-01' "
               "SOURCE 'xm-tax' REF 't2';");
  refused_on(f->db,
             "RECORD penalty_general FOR '" ORG "' OCCURRED '2026-04-01' "
             "SOURCE 'XM Tax' REF 't3';",
             CREDO_INVALID, "is not a source name");
  refused_on(f->db, "GRANT SOURCE 'xm-tax' TO nobody;", CREDO_NOTFOUND,
             "user \"nobody\" does not exist");
  assert_int_equal(credo_dup(f->db, &rec), CREDO_OK);
  assert_int_equal(credo_set_user(rec, "alice", CREDO_ROLE_RECORDER), CREDO_OK);
  th_ok(rec, "RECORD penalty_general FOR '" ORG "' OCCURRED '2026-04-01' "
             "SOURCE 'xm-market' REF 't4';");
  refused_on(rec,
             "RECORD penalty_general FOR '" ORG "' OCCURRED '2026-04-01' "
             "SOURCE 'xm-tax' REF 't5';",
             CREDO_DENIED,
             "recorder alice has no grant for source \"xm-tax\" and may not "
             "record its events (an admin grants it: GRANT SOURCE 'xm-tax' TO "
             "alice)");
  refused_on(rec, "CORRECT EVENT 2 SET data.a = 1 REASON 'x';", CREDO_DENIED,
             "may not correct its events");
  refused_on(rec, "RETRACT EVENT 2 REASON 'x';", CREDO_DENIED,
             "may not retract its events");
  th_ok(rec, "RETRACT EVENT 1 REASON '行政复议撤销';");
  refused_on(rec, "GRANT SOURCE 'xm-tax' TO alice;", CREDO_DENIED,
             "may not grant sources");
  th_ok(f->db, "REVOKE SOURCE 'xm-market' FROM alice;");
  refused_on(rec,
             "RECORD penalty_general FOR '" ORG "' OCCURRED '2026-04-01' "
             "SOURCE 'xm-market' REF 't6';",
             CREDO_DENIED, "no grant for source \"xm-market\"");
  credo_close(rec);
}

/* 11. One decision, several parties: the key is (source, ref, subject),
 * year brackets in one form; a resend is compared with the latest
 * version; a retracted event frees its key. */
static void rule11_idempotency_key(void **state) {
  fx *f = *state;
  const char *ref = "厦市监罚〔2026〕7号";
  char sql[512];
  snprintf(sql, sizeof sql,
           "RECORD penalty_general FOR '%s' OCCURRED '2026-04-01' SOURCE "
           "'xm-market' REF '%s' DATA {\"amount_wan\": 1};"
           "RECORD penalty_general FOR '%s' OCCURRED '2026-04-01' SOURCE "
           "'xm-market' REF '%s' DATA {\"amount_wan\": 1};",
           ORG, ref, PERSON, ref);
  th_ok(f->db, sql);
  th_expect(f->db,
            "SELECT id, subject FROM events WHERE source = 'xm-market' AND "
            "ref = '厦市监罚〔2026〕7号' ORDER BY id;",
            "1|" ORG "\n2|" PERSON "\n");
  /* the same decision number written with other brackets: the same fact */
  th_expect(f->db,
            "RECORD penalty_general FOR '" ORG "' OCCURRED '2026-04-01' "
            "SOURCE 'xm-market' REF '厦市监罚[2026]7号' "
            "DATA {\"amount_wan\": 1};",
            "1\n");
  th_expect(f->db,
            "RECORD penalty_general FOR '" ORG "' OCCURRED '2026-04-01' "
            "SOURCE 'xm-market' REF '厦市监罚（2026）7号' "
            "DATA {\"amount_wan\": 1};",
            "1\n");
  /* corrected, then resent as corrected: the same; the stale one: a
   * conflict naming the version */
  th_ok(f->db, "CORRECT EVENT 1 SET data.amount_wan = 2 REASON '更正';");
  th_expect(f->db,
            "RECORD penalty_general FOR '" ORG "' OCCURRED '2026-04-01' "
            "SOURCE 'xm-market' REF '厦市监罚【2026】7号' "
            "DATA {\"amount_wan\": 2};",
            "1\n");
  refused_on(f->db,
             "RECORD penalty_general FOR '" ORG "' OCCURRED '2026-04-01' "
             "SOURCE 'xm-market' REF '厦市监罚〔2026〕7号' "
             "DATA {\"amount_wan\": 1};",
             CREDO_CONFLICT,
             "is already event 1, whose latest version 2 has a different "
             "data");
  /* recorded for the wrong subject: retract, record for the right one */
  th_ok(f->db, "RETRACT EVENT 2 REASON '当事人录错';");
  snprintf(sql, sizeof sql,
           "RECORD penalty_general FOR '%s' OCCURRED '2026-04-02' SOURCE "
           "'xm-market' REF '%s';",
           PERSON, ref);
  th_expect(f->db, sql, "3\n");
  th_expect(f->db,
            "SELECT id FROM events WHERE source = 'xm-market' AND ref = "
            "'厦市监罚〔2026〕7号' ORDER BY id INCLUDE RETRACTED;",
            "1\n2\n3\n");
  assert_int_equal(credo_check(f->db, NULL, NULL, NULL), CREDO_OK);
}

/* 12. Subjects can be renamed; AS OF shows the name as it was; HISTORY
 * OF SUBJECT includes renames. */
static void rule12_renames(void **state) {
  fx *f = *state;
  credo_subject_info si;
  record_general(f, ORG, "n1", "2026-04-01");
  f->clk.now = th_t("2026-05-10T10:00:00+08:00");
  refused_on(f->db,
             "ALTER SUBJECT '" ORG "' NAME '厦门鹭江物流有限公司' REASON '';",
             CREDO_INVALID, "a rename needs a REASON");
  refused_on(f->db, "ALTER SUBJECT '91350100M000100Y43X' NAME 'x' REASON 'r';",
             CREDO_NOTFOUND, "unknown subject");
  th_ok(f->db, "ALTER SUBJECT '" ORG "' NAME '厦门鹭江物流有限公司' "
               "REASON '企业名称变更 (工商变更登记)';");
  assert_int_equal(credo_changes(f->db), 1);
  assert_int_equal(credo_get_subject(f->db, ORG, &si), CREDO_OK);
  assert_string_equal(si.name, "厦门鹭江物流有限公司");
  th_expect(f->db, "SELECT subject_name FROM events WHERE id = 1;",
            "厦门鹭江物流有限公司\n");
  th_expect(f->db,
            "SELECT subject_name FROM events WHERE id = 1 AS OF "
            "'2026-05-05';",
            "厦门鹭江海运有限公司\n");
  char *hist = th_rows(f->db, "HISTORY OF SUBJECT '" ORG "';");
  if (!strstr(hist, "NULL|" ORG "|NULL|NULL|NULL|NULL|NULL|NULL|"
                    "{\"from\":\"厦门鹭江海运有限公司\",\"name\":\"厦门鹭江物流"
                    "有限公司\"}|NULL|2026-05-10T10:00:00+08:00|local|NULL|"
                    "rename|企业名称变更 (工商变更登记)\n"))
    fail_msg("no rename in the history:\n%s", hist);
  free(hist);
  /* renaming to the current name writes nothing */
  th_ok(f->db, "ALTER SUBJECT '" ORG "' NAME '厦门鹭江物流有限公司' "
               "REASON 'again';");
  assert_int_equal(credo_changes(f->db), 0);
}

/* 13. Identifier checks complete: errors name the failing check, over
 * CREATE SUBJECT. */
static void rule13_identifier_checks(void **state) {
  fx *f = *state;
  refused_on(f->db, "CREATE SUBJECT '350203800101003' KIND person;",
             CREDO_BADID,
             "invalid person id \"350203800101003\": resident id must be 18 "
             "characters, got a 15-digit id of GB 11643-1989; its 18-digit "
             "form is 35020319800101003X");
  refused_on(f->db, "CREATE SUBJECT '91350100M000100Y52' KIND org;",
             CREDO_BADID,
             "organisation code check character (character 17, GB 11714) is "
             "'5', expected '4'");
  refused_on(f->db, "CREATE SUBJECT '94350100M000100Y4N' KIND org;",
             CREDO_BADID, "organisation type code '4' (character 2)");
  refused_on(f->db, "CREATE SUBJECT '990105194912310026' KIND person;",
             CREDO_BADID, "region code 990105 is not in a province");
  refused_on(f->db, "CREATE SUBJECT '110105299001010011' KIND person;",
             CREDO_BADID, "birth date 29900101 is in the future");
}

/* A store of format 1 (no public index, (source, ref) keys without the
 * subject) is upgraded in place when opened read-write. */
static void upgrade_from_format_1(void **state) {
  fx *f = *state;
  stor_env *env = NULL;
  stor_txn *txn = NULL;
  stor_cursor *c = NULL;
  stor_val k, v;
  stor_options so = {0};
  char err[256];
  credo *pub;
  record_general(f, PERSON, "厦市监罚〔2026〕9号", "2026-04-01");
  credo_close(f->db);
  /* rewrite it as format 1 wrote it */
  assert_int_equal(stor_open(f->dir, &so, &env, err, sizeof err), CREDO_OK);
  assert_int_equal(stor_txn_begin(env, 1, &txn), CREDO_OK);
  assert_int_equal(stor_cursor_open(txn, STOR_SUBJ_PUBLIC, &c), CREDO_OK);
  while (stor_cursor_first(c, &k, &v) == CREDO_OK) {
    unsigned char key[STOR_KEY_MAX];
    size_t n = k.len;
    memcpy(key, k.data, n);
    assert_int_equal(stor_del(txn, STOR_SUBJ_PUBLIC, (stor_val){key, n}),
                     CREDO_OK);
  }
  stor_cursor_close(c);
  assert_int_equal(stor_cursor_open(txn, STOR_SOURCE_REF, &c), CREDO_OK);
  assert_int_equal(stor_cursor_first(c, &k, &v), CREDO_OK);
  unsigned char key[STOR_KEY_MAX];
  size_t n = k.len;
  memcpy(key, k.data, n);
  stor_cursor_close(c);
  assert_int_equal(stor_del(txn, STOR_SOURCE_REF, (stor_val){key, n}),
                   CREDO_OK);
  stor_key old;
  stor_key_init(&old);
  stor_key_str(&old, "xm-market");
  stor_key_str(&old, "厦市监罚〔2026〕9号");
  unsigned char idb[8] = {0, 0, 0, 0, 0, 0, 0, 1};
  assert_int_equal(
      stor_put(txn, STOR_SOURCE_REF, stor_key_val(&old), (stor_val){idb, 8}),
      CREDO_OK);
  assert_int_equal(stor_format_set(txn, 1), CREDO_OK);
  assert_int_equal(stor_txn_commit(txn), CREDO_OK);
  stor_close(env);

  assert_int_equal(credo_open(f->dir, NULL, &f->db), CREDO_OK);
  credo_set_clock(f->db, th_clock_fn, &f->clk);
  assert_int_equal(credo_check(f->db, NULL, NULL, NULL), CREDO_OK);
  credo_stats st;
  assert_int_equal(credo_get_stats(f->db, &st), CREDO_OK);
  assert_int_equal(st.format_version, CREDO_STORE_FORMAT);
  record_general(f, PERSON, "厦市监罚(2026)9号", "2026-04-01"); /* same */
  th_expect(f->db, "SELECT count(*) FROM events;", "1\n");
  assert_int_equal(credo_dup(f->db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  th_expect(pub, "SELECT id FROM events WHERE subject = '" PERSON "';", "1\n");
  credo_close(pub);
}

static int count_problems(void *arg, const char *line) {
  if (strstr(line, "subj_public: missing entry"))
    ++*(int *)arg;
  return 0;
}

/* credo check compares the public index with the events. */
static void public_index_checked(void **state) {
  fx *f = *state;
  stor_env *env = NULL;
  stor_txn *txn = NULL;
  stor_cursor *c = NULL;
  stor_val k, v;
  stor_options so = {0};
  char err[256];
  int n = 0;
  record_general(f, ORG, "c1", "2026-04-01");
  assert_int_equal(credo_check(f->db, NULL, NULL, NULL), CREDO_OK);
  credo_close(f->db);
  assert_int_equal(stor_open(f->dir, &so, &env, err, sizeof err), CREDO_OK);
  assert_int_equal(stor_txn_begin(env, 1, &txn), CREDO_OK);
  assert_int_equal(stor_cursor_open(txn, STOR_SUBJ_PUBLIC, &c), CREDO_OK);
  assert_int_equal(stor_cursor_first(c, &k, &v), CREDO_OK);
  unsigned char key[STOR_KEY_MAX];
  size_t len = k.len;
  memcpy(key, k.data, len);
  stor_cursor_close(c);
  assert_int_equal(stor_del(txn, STOR_SUBJ_PUBLIC, (stor_val){key, len}),
                   CREDO_OK);
  assert_int_equal(stor_txn_commit(txn), CREDO_OK);
  stor_close(env);
  assert_int_equal(credo_open(f->dir, NULL, &f->db), CREDO_OK);
  assert_int_equal(credo_check(f->db, count_problems, &n, NULL), CREDO_CORRUPT);
  assert_int_equal(n, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, th_fx_teardown)
      T(rule1_repair_from_decision), T(rule2_publicity_is_maximum),
      T(rule3_not_published),        T(rule4_polarity),
      T(types_listed_with_policy),   T(rule5_no_bypass),
      T(rule6_store_time_zone),      T(rule7_person_masking),
      T(rule8_no_internals),         T(rule8_constant_cost_lookup),
      T(rule9_public_fields),        T(rule10_source_grants),
      T(rule11_idempotency_key),     T(rule12_renames),
      T(rule13_identifier_checks),   T(upgrade_from_format_1),
      T(public_index_checked),
#undef T
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
