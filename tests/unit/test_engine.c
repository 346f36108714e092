/*
 * test_engine.c -- the temporal engine through the typed public API:
 * the bitemporal scenario checked against a model at every instant,
 * idempotent ingest and conflicts, publicity policy, transaction time,
 * roles, identifier checks, persistence and map growth.
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

static const credo_duration YEAR1 = {12, 0}, MONTH3 = {3, 0};

typedef th_fx fx; /* the shared store fixture (th_store.h) */
#define fx_teardown th_fx_teardown

static int fx_setup(void **state) {
  fx *f = th_fx_open("eng", "2025-01-01", NULL);
  assert_int_equal(credo_create_type(f->db, "penalty_general", YEAR1, MONTH3),
                   CREDO_OK);
  assert_int_equal(credo_create_subject(f->db, ORG, CREDO_KIND_ORG, "厦门示例"),
                   CREDO_OK);
  *state = f;
  return 0;
}

static credo_record rec(const char *ref, const char *occurred,
                        const char *data) {
  credo_record r = {.subject = ORG,
                    .type = "penalty_general",
                    .occurred = th_t(occurred),
                    .public_from = CREDO_TIME_DEFAULT,
                    .public_until = CREDO_TIME_DEFAULT,
                    .source = "xm-market",
                    .ref = ref,
                    .data = data};
  return r;
}

static uint64_t record_at(fx *f, const char *now, credo_record r) {
  uint64_t id = 0;
  int created = -1;
  f->clk.now = th_t(now);
  assert_int_equal(credo_record_event(f->db, &r, &id, &created), CREDO_OK);
  assert_int_equal(created, 1);
  return id;
}

/* ------------------------------------------------- the bitemporal model */

typedef struct mver {
  credo_time recorded, occurred, from, until;
  int retracted;
  const char *data;
} mver;

/* The model's answer: the version as of `as_of`, or NULL. */
static const mver *model_as_of(const mver *v, int n, credo_time as_of) {
  const mver *hit = NULL;
  for (int i = 0; i < n; i++)
    if (v[i].recorded <= as_of)
      hit = &v[i];
  return hit;
}

static int model_public(const mver *v, credo_time t) {
  return v && !v->retracted && v->from <= t && t < v->until;
}

typedef struct listed {
  int n;
  uint64_t id;
  credo_event ev;
} listed;

static int count_cb(const credo_event *ev, void *arg) {
  listed *l = arg;
  l->n++;
  l->id = ev->id;
  l->ev = *ev; /* strings are not used after the call */
  return 0;
}

static void check_instant(fx *f, uint64_t id, const mver *v, int n,
                          credo_time as_of, credo_time vis) {
  const mver *m =
      model_as_of(v, n, as_of == CREDO_TIME_NOW ? INT64_MAX : as_of);
  credo_event ev;
  listed l = {0};
  int rc = credo_get_event(f->db, id, as_of, vis,
                           CREDO_READ_HIDDEN | CREDO_READ_RETRACTED, &ev);
  if (!m) {
    assert_int_equal(rc, CREDO_NOTFOUND);
  } else {
    assert_int_equal(rc, CREDO_OK);
    assert_int_equal(ev.recorded, m->recorded);
    assert_int_equal(ev.occurred, m->occurred);
    assert_int_equal(ev.public_from, m->from);
    assert_int_equal(ev.public_until, m->until);
    assert_int_equal(ev.retracted, m->retracted);
    assert_string_equal(ev.data, m->data);
    assert_int_equal(ev.is_public, model_public(m, vis));
  }
  rc = credo_get_event(f->db, id, as_of, vis, 0, &ev);
  assert_int_equal(rc, model_public(m, vis) ? CREDO_OK : CREDO_NOTFOUND);
  assert_int_equal(
      credo_subject_events(f->db, ORG, as_of, vis, 0, count_cb, &l), CREDO_OK);
  assert_int_equal(l.n, model_public(m, vis) ? 1 : 0);
}

/* The latest state judged at many instants: the path of "public now"
 * look-ups, which filters on the subject index payload. */
static void check_latest(fx *f, uint64_t id, const mver *v, int n) {
  for (credo_time w = th_t("2025-02-01"); w < th_t("2026-04-01");
       w += 3 * CREDO_USEC_PER_DAY)
    check_instant(f, id, v, n, CREDO_TIME_NOW, w);
}

static void test_bitemporal_scenario(void **state) {
  fx *f = *state;
  mver v[5];
  int n = 0;
  credo_correction c = {0};
  uint64_t id = record_at(
      f, "2025-03-05",
      rec("厦市监罚〔2025〕12号", "2025-03-01", "{\"amount_wan\": 0.5}"));
  v[n++] = (mver){th_t("2025-03-05"),
                  th_t("2025-03-01"),
                  th_t("2025-03-01"),
                  th_t("2026-03-01"),
                  0,
                  "{\"amount_wan\":0.5}"};
  check_latest(f, id, v, n);

  /* correction moves occurred a day; the window follows */
  f->clk.now = th_t("2025-04-10");
  c.set = CREDO_SET_OCCURRED | CREDO_SET_DATA;
  c.occurred = th_t("2025-03-02");
  c.data = "{\"amount_wan\": 0.8, \"authority\": \"厦门市市场监督管理局\"}";
  assert_int_equal(credo_correct_event(f->db, id, &c, "异议处理"), CREDO_OK);
  v[n++] =
      (mver){th_t("2025-04-10"),
             th_t("2025-03-02"),
             th_t("2025-03-02"),
             th_t("2026-03-02"),
             0,
             "{\"amount_wan\":0.8,\"authority\":\"厦门市市场监督管理局\"}"};
  check_latest(f, id, v, n);

  /* too early: refused with the earliest date, nothing written */
  f->clk.now = th_t("2025-05-01");
  assert_int_equal(credo_repair_event(f->db, id, CREDO_TIME_NOW, "申请修复"),
                   CREDO_REFUSED);
  assert_non_null(strstr(credo_errmsg(f->db), "earliest allowed 2025-06-02"));
  assert_non_null(strstr(credo_errmsg(f->db), "REPAIRABLE AFTER 3 MONTHS"));

  f->clk.now = th_t("2025-07-01");
  assert_int_equal(credo_repair_event(f->db, id, CREDO_TIME_NOW, "信用修复"),
                   CREDO_OK);
  v[n] = v[n - 1];
  v[n].recorded = th_t("2025-07-01");
  v[n].until = th_t("2025-07-01");
  n++;
  check_latest(f, id, v, n);

  f->clk.now = th_t("2025-08-01");
  assert_int_equal(credo_retract_event(f->db, id, "recorded in error"),
                   CREDO_OK);
  v[n] = v[n - 1];
  v[n].recorded = th_t("2025-08-01");
  v[n].retracted = 1;
  n++;
  check_latest(f, id, v, n);
  f->clk.now = th_t("2026-06-01");

  /* every day, at each transaction time and a microsecond either side;
   * visibility judged at the same instant and at a grid of others */
  const credo_time day = CREDO_USEC_PER_DAY;
  for (credo_time t = th_t("2025-02-01"); t < th_t("2026-04-01"); t += day)
    for (credo_time w = th_t("2025-02-01"); w < th_t("2026-04-01");
         w += 37 * day)
      check_instant(f, id, v, n, t, w);
  for (int i = 0; i < n; i++)
    for (int d = -1; d <= 1; d++) {
      credo_time t = v[i].recorded + d;
      check_instant(f, id, v, n, t, t);
      check_instant(f, id, v, n, t, th_t("2025-06-15"));
    }
}

static void test_history(void **state) {
  fx *f = *state;
  const char *ops[] = {"record", "correct", "repair"};
  credo_correction c = {.set = CREDO_SET_DATA, .data = "{\"a\":2}"};
  uint64_t id =
      record_at(f, "2025-03-05", rec("r1", "2025-03-01", "{\"a\":1}"));
  listed l = {0};
  f->clk.now = th_t("2025-04-01");
  assert_int_equal(credo_correct_event(f->db, id, &c, "fix"), CREDO_OK);
  f->clk.now = th_t("2025-07-01");
  assert_int_equal(credo_repair_event(f->db, id, CREDO_TIME_NOW, "repair"),
                   CREDO_OK);
  assert_int_equal(credo_event_history(f->db, id, count_cb, &l), CREDO_OK);
  assert_int_equal(l.n, 3);
  assert_int_equal(l.ev.version, 3);
  assert_string_equal(credo_op_name(l.ev.op), ops[2]);
  assert_int_equal(credo_event_history(f->db, 999, count_cb, &l),
                   CREDO_NOTFOUND);
}

static void test_idempotent_and_conflict(void **state) {
  fx *f = *state;
  credo_record r =
      rec("厦市监罚〔2025〕12号", "2025-03-01", "{\"b\":1,\"a\":2}");
  uint64_t id = record_at(f, "2025-03-05", r), id2 = 0;
  int created = -1;
  credo_stats st;

  /* same content, keys in another order: the same event */
  r.data = "{\"a\": 2, \"b\": 1}";
  assert_int_equal(credo_record_event(f->db, &r, &id2, &created), CREDO_OK);
  assert_int_equal(id2, id);
  assert_int_equal(created, 0);
  /* different content: conflict naming the field, nothing overwritten */
  r.data = "{\"a\": 3}";
  assert_int_equal(credo_record_event(f->db, &r, &id2, &created),
                   CREDO_CONFLICT);
  assert_non_null(strstr(credo_errmsg(f->db), "data"));
  r = rec("厦市监罚〔2025〕12号", "2025-03-09", "{\"b\":1,\"a\":2}");
  assert_int_equal(credo_record_event(f->db, &r, &id2, &created),
                   CREDO_CONFLICT);
  assert_non_null(strstr(credo_errmsg(f->db), "occurred"));
  assert_int_equal(credo_get_stats(f->db, &st), CREDO_OK);
  assert_int_equal(st.events, 1);
  assert_int_equal(st.versions, 1);
  /* another source with the same ref is another fact */
  r.source = "xm-tax";
  assert_int_equal(credo_record_event(f->db, &r, &id2, &created), CREDO_OK);
  assert_int_not_equal(id2, id);
}

static void test_record_errors(void **state) {
  fx *f = *state;
  credo_record r = rec("r1", "2025-03-01", NULL);
  uint64_t id;
  r.type = "penalti";
  assert_int_equal(credo_record_event(f->db, &r, &id, NULL), CREDO_NOTFOUND);
  assert_non_null(strstr(credo_errmsg(f->db), "unknown type \"penalti\""));
  assert_non_null(strstr(credo_errmsg(f->db), "penalty_general"));
  r = rec("r1", "2025-03-01", NULL);
  r.subject = ORG2;
  assert_int_equal(credo_record_event(f->db, &r, &id, NULL), CREDO_NOTFOUND);
  assert_non_null(strstr(credo_errmsg(f->db), "unknown subject"));
  r = rec("r1", "2025-03-01", "[1,2]");
  assert_int_equal(credo_record_event(f->db, &r, &id, NULL), CREDO_INVALID);
  assert_non_null(strstr(credo_errmsg(f->db), "JSON object"));
  r = rec("r1", "2025-03-01", "{\"a\":");
  assert_int_equal(credo_record_event(f->db, &r, &id, NULL), CREDO_INVALID);
  r = rec("r1", "2025-03-01", NULL);
  r.public_until = th_t("2025-02-01");
  assert_int_equal(credo_record_event(f->db, &r, &id, NULL), CREDO_INVALID);
  assert_non_null(strstr(credo_errmsg(f->db), "window is empty"));
  r = rec("", "2025-03-01", NULL);
  assert_int_equal(credo_record_event(f->db, &r, &id, NULL), CREDO_INVALID);
}

static void test_repair_policy(void **state) {
  fx *f = *state;
  uint64_t id = record_at(f, "2025-03-05", rec("r1", "2025-03-01", NULL));
  f->clk.now = th_t("2025-04-01");
  /* explicit effective date before the minimum publicity */
  assert_int_equal(credo_repair_event(f->db, id, th_t("2025-05-31"), "x"),
                   CREDO_REFUSED);
  assert_non_null(strstr(credo_errmsg(f->db), "earliest allowed 2025-06-01"));
  /* exactly at the minimum is allowed */
  assert_int_equal(credo_repair_event(f->db, id, th_t("2025-06-01"), "x"),
                   CREDO_OK);
  /* the window now ends then: repairing later is refused */
  assert_int_equal(credo_repair_event(f->db, id, th_t("2025-07-01"), "x"),
                   CREDO_REFUSED);
  assert_non_null(strstr(credo_errmsg(f->db), "already ends"));
  assert_int_equal(credo_repair_event(f->db, id, th_t("2025-07-01"), ""),
                   CREDO_INVALID);
  assert_int_equal(credo_repair_event(f->db, 12345, CREDO_TIME_NOW, "x"),
                   CREDO_NOTFOUND);
  assert_int_equal(credo_retract_event(f->db, id, "x"), CREDO_OK);
  assert_int_equal(credo_retract_event(f->db, id, "x"), CREDO_REFUSED);
}

static void test_clock_steps_back(void **state) {
  fx *f = *state;
  credo_event a, b;
  uint64_t ida = record_at(f, "2025-03-05", rec("r1", "2025-03-01", NULL));
  uint64_t idb = record_at(f, "2025-03-04", rec("r2", "2025-03-01", NULL));
  credo_time last = 0;
  assert_int_equal(credo_get_event(f->db, ida, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                   CREDO_READ_HIDDEN, &a),
                   CREDO_OK);
  credo_time ra = a.recorded;
  assert_int_equal(credo_get_event(f->db, idb, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                   CREDO_READ_HIDDEN, &b),
                   CREDO_OK);
  assert_true(b.recorded > ra);
  /* a frozen clock still gives strictly increasing transaction times */
  for (int i = 0; i < 50; i++) {
    char ref[16];
    credo_event e;
    uint64_t id;
    snprintf(ref, sizeof ref, "f%d", i);
    credo_record r = rec(ref, "2025-03-01", NULL);
    assert_int_equal(credo_record_event(f->db, &r, &id, NULL), CREDO_OK);
    assert_int_equal(credo_get_event(f->db, id, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                     CREDO_READ_HIDDEN, &e),
                     CREDO_OK);
    assert_true(e.recorded > last && e.recorded > b.recorded);
    last = e.recorded;
  }
}

static void test_transaction_shares_time(void **state) {
  fx *f = *state;
  uint64_t id1, id2;
  credo_event e1, e2;
  credo_record r1 = rec("t1", "2025-03-01", NULL),
               r2 = rec("t2", "2025-03-01", NULL);
  f->clk.now = th_t("2025-03-05");
  assert_int_equal(credo_begin(f->db), CREDO_OK);
  assert_int_equal(credo_begin(f->db), CREDO_TXN);
  assert_int_equal(credo_record_event(f->db, &r1, &id1, NULL), CREDO_OK);
  assert_int_equal(credo_record_event(f->db, &r2, &id2, NULL), CREDO_OK);
  assert_int_equal(credo_commit(f->db), CREDO_OK);
  assert_int_equal(credo_get_event(f->db, id1, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                   CREDO_READ_HIDDEN, &e1),
                   CREDO_OK);
  credo_time t1 = e1.recorded;
  assert_int_equal(credo_get_event(f->db, id2, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                   CREDO_READ_HIDDEN, &e2),
                   CREDO_OK);
  assert_int_equal(t1, e2.recorded);
  /* rollback leaves nothing */
  r1.ref = "t3";
  assert_int_equal(credo_begin(f->db), CREDO_OK);
  assert_int_equal(credo_record_event(f->db, &r1, &id1, NULL), CREDO_OK);
  assert_int_equal(credo_rollback(f->db), CREDO_OK);
  assert_int_equal(credo_get_event(f->db, id1, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                   CREDO_READ_HIDDEN, &e1),
                   CREDO_NOTFOUND);
  assert_int_equal(credo_commit(f->db), CREDO_TXN);
}

static void test_roles(void **state) {
  fx *f = *state;
  credo *p = NULL;
  credo_event ev;
  listed l = {0};
  uint64_t id = record_at(f, "2025-03-05", rec("r1", "2025-03-01", NULL));
  credo_record r = rec("r2", "2025-03-01", NULL);

  f->clk.now = th_t("2025-07-01");
  assert_int_equal(credo_repair_event(f->db, id, CREDO_TIME_NOW, "repair"),
                   CREDO_OK);
  assert_int_equal(credo_dup(f->db, &p), CREDO_OK);
  assert_int_equal(credo_set_user(p, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  /* the repaired record cannot be reached through the past */
  assert_int_equal(
      credo_get_event(p, id, th_t("2025-06-01"), CREDO_TIME_NOW, 0, &ev),
      CREDO_DENIED);
  assert_int_equal(
      credo_get_event(p, id, CREDO_TIME_NOW, th_t("2025-06-01"), 0, &ev),
      CREDO_DENIED);
  assert_int_equal(credo_get_event(p, id, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                   CREDO_READ_HIDDEN, &ev),
                   CREDO_DENIED);
  assert_int_equal(credo_event_history(p, id, count_cb, &l), CREDO_DENIED);
  assert_int_equal(
      credo_get_event(p, id, CREDO_TIME_NOW, CREDO_TIME_NOW, 0, &ev),
      CREDO_NOTFOUND);
  assert_int_equal(credo_subject_events(p, ORG, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                        0, count_cb, &l),
                   CREDO_OK);
  assert_int_equal(l.n, 0);
  assert_int_equal(credo_record_event(p, &r, NULL, NULL), CREDO_DENIED);
  assert_int_equal(credo_set_user(p, "web", CREDO_ROLE_ANALYST), CREDO_DENIED);
  credo_close(p);

  /* repairer repairs and retracts but does not record */
  assert_int_equal(credo_dup(f->db, &p), CREDO_OK);
  assert_int_equal(credo_set_user(p, "rep", CREDO_ROLE_REPAIRER), CREDO_OK);
  assert_int_equal(credo_record_event(p, &r, NULL, NULL), CREDO_DENIED);
  assert_int_equal(credo_create_subject(p, ORG2, CREDO_KIND_ORG, NULL),
                   CREDO_DENIED);
  assert_int_equal(credo_retract_event(p, id, "error"), CREDO_OK);
  assert_int_equal(credo_set_user(p, "ana", CREDO_ROLE_ANALYST), CREDO_OK);
  assert_int_equal(credo_get_event(p, id, th_t("2025-06-01"), CREDO_TIME_NOW,
                                   CREDO_READ_RETRACTED, &ev),
                   CREDO_OK);
  assert_int_equal(credo_retract_event(p, id, "error"), CREDO_DENIED);

  /* recorder records (under a granted source) but does not repair;
   * repairer the reverse */
  assert_int_equal(
      credo_exec(f->db,
                 "CREATE USER rec ROLE recorder PASSWORD 'rec-password';"
                 "GRANT SOURCE 'xm-market' TO rec;",
                 NULL, NULL),
      CREDO_OK);
  assert_int_equal(credo_set_user(f->db, "rec", CREDO_ROLE_RECORDER), CREDO_OK);
  assert_int_equal(credo_record_event(f->db, &r, &id, NULL), CREDO_OK);
  assert_int_equal(credo_repair_event(f->db, id, CREDO_TIME_NOW, "x"),
                   CREDO_DENIED);
  assert_int_equal(credo_create_type(f->db, "t", YEAR1, MONTH3), CREDO_DENIED);
  assert_int_equal(credo_set_user(f->db, "rep", CREDO_ROLE_REPAIRER),
                   CREDO_DENIED);
  credo_close(p);
  assert_int_equal(credo_dup(f->db, &p), CREDO_OK);
  credo_set_user(f->db, "local", CREDO_ROLE_ADMIN); /* refused: stays rec */
  assert_int_equal(credo_get_role(f->db), CREDO_ROLE_RECORDER);
  credo_close(p);
}

static void test_actor_recorded(void **state) {
  fx *f = *state;
  credo_event ev;
  uint64_t id;
  assert_int_equal(credo_set_user(f->db, "王五", CREDO_ROLE_ADMIN), CREDO_OK);
  id = record_at(f, "2025-03-05", rec("r1", "2025-03-01", NULL));
  assert_int_equal(credo_get_event(f->db, id, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                   CREDO_READ_HIDDEN, &ev),
                   CREDO_OK);
  assert_string_equal(ev.actor, "王五");
  assert_string_equal(ev.type, "penalty_general");
  assert_string_equal(ev.source, "xm-market");
}

static void test_subject_ids(void **state) {
  fx *f = *state;
  assert_int_equal(
      credo_create_subject(f->db, "91350100M000100Y4Z", CREDO_KIND_ORG, NULL),
      CREDO_BADID);
  assert_non_null(strstr(credo_errmsg(f->db), "check"));
  assert_int_equal(
      credo_create_subject(f->db, PERSON, CREDO_KIND_PERSON, "张三"), CREDO_OK);
  assert_int_equal(credo_create_subject(f->db, "11010519490231002X",
                                        CREDO_KIND_PERSON, NULL),
                   CREDO_BADID);
  /* the same subject again is fine, a different one under its id is not */
  assert_int_equal(
      credo_create_subject(f->db, PERSON, CREDO_KIND_PERSON, "张三"), CREDO_OK);
  assert_int_equal(
      credo_create_subject(f->db, PERSON, CREDO_KIND_PERSON, "李四"),
      CREDO_EXISTS);
  assert_int_equal(credo_create_subject(f->db, "", CREDO_KIND_OTHER, NULL),
                   CREDO_BADID);
  assert_int_equal(
      credo_create_subject(f->db, "某社会组织", CREDO_KIND_OTHER, NULL),
      CREDO_OK);
  /* listing: a subject without events answers nothing; an unknown one, or
   * a malformed id, is NOTFOUND, not an empty answer */
  listed l = {0};
  assert_int_equal(credo_subject_events(f->db, PERSON, CREDO_TIME_NOW,
                                        CREDO_TIME_NOW, 0, count_cb, &l),
                   CREDO_OK);
  assert_int_equal(l.n, 0);
  assert_int_equal(credo_subject_events(f->db, "914403001922038216",
                                        CREDO_TIME_NOW, CREDO_TIME_NOW,
                                        CREDO_READ_HIDDEN, count_cb, &l),
                   CREDO_NOTFOUND);
  assert_non_null(strstr(credo_errmsg(f->db), "914403001922038216"));
  assert_int_equal(credo_subject_events(f->db, "nonsense", CREDO_TIME_NOW,
                                        CREDO_TIME_NOW, 0, count_cb, &l),
                   CREDO_NOTFOUND);
  assert_int_equal(l.n, 0);
}

static void test_types(void **state) {
  fx *f = *state;
  credo_type_info t;
  assert_int_equal(credo_create_type(f->db, "penalty_general", YEAR1, MONTH3),
                   CREDO_EXISTS);
  assert_int_equal(credo_create_type(f->db, "9bad", YEAR1, MONTH3),
                   CREDO_INVALID);
  assert_int_equal(credo_get_type(f->db, "penalty_general", &t), CREDO_OK);
  assert_int_equal(t.publicity.months, 12);
  assert_int_equal(t.repairable_after.months, 3);
  assert_int_equal(credo_get_type(f->db, "nope", &t), CREDO_NOTFOUND);
  /* a type without PUBLICITY gives an open window */
  assert_int_equal(credo_create_type(f->db, "honour", (credo_duration){0, 0},
                                     (credo_duration){0, 0}),
                   CREDO_OK);
  credo_record r = rec("h1", "2025-03-01", NULL);
  r.type = "honour";
  uint64_t id;
  credo_event ev;
  assert_int_equal(credo_record_event(f->db, &r, &id, NULL), CREDO_OK);
  assert_int_equal(credo_get_event(f->db, id, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                   CREDO_READ_HIDDEN, &ev),
                   CREDO_OK);
  assert_true(ev.public_until == CREDO_TIME_OPEN);
}

/* Deep history: the as-of read is right at every one of many versions. */
static void test_many_versions(void **state) {
  fx *f = *state;
  uint64_t id = record_at(f, "2025-03-05", rec("r1", "2025-03-01", NULL));
  credo_time at[300];
  credo_event ev;
  char data[32];
  for (int i = 0; i < 300; i++) {
    credo_correction c = {.set = CREDO_SET_DATA, .data = data};
    snprintf(data, sizeof data, "{\"n\":%d}", i);
    f->clk.now = th_t("2025-04-01") + (credo_time)i * 1000;
    at[i] = f->clk.now;
    assert_int_equal(credo_correct_event(f->db, id, &c, "n"), CREDO_OK);
  }
  for (int i = 0; i < 300; i++) {
    snprintf(data, sizeof data, "{\"n\":%d}", i);
    assert_int_equal(credo_get_event(f->db, id, at[i] + 500, CREDO_TIME_NOW,
                                     CREDO_READ_HIDDEN, &ev),
                     CREDO_OK);
    assert_string_equal(ev.data, data);
    assert_int_equal(ev.version, i + 2);
  }
}

static void test_reopen_and_tiny_map(void **state) {
  char *dir = th_tmpdir("map");
  credo_options o = {.map_size = 64 * 1024};
  credo *db = NULL;
  credo_stats st;
  listed l = {0};
  (void)state;
  assert_int_equal(credo_open(dir, &o, &db), CREDO_OK);
  assert_int_equal(credo_create_type(db, "t", YEAR1, MONTH3), CREDO_OK);
  assert_int_equal(credo_create_subject(db, ORG, CREDO_KIND_ORG, NULL),
                   CREDO_OK);
  for (int b = 0; b < 40; b++) {
    assert_int_equal(credo_begin(db), CREDO_OK);
    for (int i = 0; i < 100; i++) {
      char ref[32];
      snprintf(ref, sizeof ref, "ref-%d-%d", b, i);
      credo_record r = {ORG,
                        "t",
                        th_t("2025-03-01"),
                        CREDO_TIME_DEFAULT,
                        CREDO_TIME_DEFAULT,
                        "src",
                        ref,
                        "{\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
                        NULL};
      assert_int_equal(credo_record_event(db, &r, NULL, NULL), CREDO_OK);
    }
    assert_int_equal(credo_commit(db), CREDO_OK);
  }
  credo_close(db);
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  assert_int_equal(credo_get_stats(db, &st), CREDO_OK);
  assert_int_equal(st.events, 4000);
  assert_true(st.map_size > 64 * 1024);
  assert_int_equal(credo_subject_events(db, ORG, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                        CREDO_READ_HIDDEN, count_cb, &l),
                   CREDO_OK);
  assert_int_equal(l.n, 4000);
  credo_close(db);
  th_rmdir(dir);
}

static int interrupt_cb(const credo_event *ev, void *arg) {
  credo *db = arg;
  (void)ev;
  credo_interrupt(db); /* as another thread would, mid-walk */
  return 0;
}

/* A check handler that says stop on its n-th call. */
typedef struct stopper {
  int calls, stop_at;
} stopper;

static int stop_on(void *arg) {
  stopper *s = arg;
  return ++s->calls == s->stop_at;
}

/* The check handler is called inside one step: an aggregate over 300
 * events yields no row until it has seen them all, and a handler that
 * returns non-zero stops it there, with nothing written. */
static void check_handler_stops_one_step(fx *f) {
  static const char *agg = "SELECT count(*) FROM events INCLUDE HIDDEN";
  stopper s = {0, 0};
  credo_stmt *st = NULL;
  f->clk.now = th_t("2025-09-01"); /* the events became repairable */
  assert_int_equal(credo_set_check_handler(f->db, 0, stop_on, &s), CREDO_RANGE);
  assert_int_equal(credo_set_check_handler(f->db, 10, stop_on, &s), CREDO_OK);
  assert_int_equal(credo_prepare(f->db, agg, -1, &st, NULL), CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_ROW); /* never stops: counted */
  assert_true(credo_column_int64(st, 0) >= 300);
  assert_true(s.calls >= 30);
  s = (stopper){0, 3};
  credo_reset(st);
  assert_int_equal(credo_step(st), CREDO_CANCELLED);
  assert_int_equal(s.calls, 3);
  assert_string_equal(credo_errmsg(f->db), "statement cancelled");
  /* a batch repair stopped midway writes nothing */
  s = (stopper){0, 5};
  assert_int_equal(
      credo_exec(f->db, "REPAIR EVENTS WHERE subject = '" ORG "' REASON 'x'",
                 NULL, NULL),
      CREDO_CANCELLED);
  assert_int_equal(credo_set_check_handler(f->db, 1, NULL, NULL), CREDO_OK);
  s = (stopper){0, 0};
  credo_reset(st);
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_int_equal(s.calls, 0);
  credo_finalize(st);
  assert_int_equal(
      credo_prepare(f->db,
                    "SELECT count(*) FROM events WHERE subject = '" ORG
                    "' AND op = 'repair' INCLUDE HIDDEN",
                    -1, &st, NULL),
      CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_int_equal(credo_column_int64(st, 0), 0);
  /* without the handler the same batch repair does write */
  assert_int_equal(
      credo_exec(f->db, "REPAIR EVENTS WHERE subject = '" ORG "' REASON 'x'",
                 NULL, NULL),
      CREDO_OK);
  credo_reset(st);
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_true(credo_column_int64(st, 0) > 50);
  credo_finalize(st);
}

/* credo_interrupt stops a running read at its next row; a request made
 * while nothing runs is dropped; a time limit stops long work. */
static void test_interrupt_and_timeout(void **state) {
  fx *f = *state;
  listed l = {0};
  credo_stmt *st = NULL;
  for (int i = 0; i < 300; i++) {
    char ref[16];
    snprintf(ref, sizeof ref, "i%d", i);
    credo_record r = rec(ref, "2025-03-01", NULL);
    assert_int_equal(credo_record_event(f->db, &r, NULL, NULL), CREDO_OK);
  }
  assert_int_equal(credo_subject_events(f->db, ORG, CREDO_TIME_NOW,
                                        CREDO_TIME_NOW, CREDO_READ_HIDDEN,
                                        interrupt_cb, f->db),
                   CREDO_CANCELLED);
  assert_non_null(strstr(credo_errmsg(f->db), "interrupted"));
  credo_interrupt(f->db); /* nothing runs: dropped at the next start */
  assert_int_equal(credo_subject_events(f->db, ORG, CREDO_TIME_NOW,
                                        CREDO_TIME_NOW, CREDO_READ_HIDDEN,
                                        count_cb, &l),
                   CREDO_OK);
  assert_int_equal(l.n, 300);
  /* a CQL statement interrupted between two rows */
  assert_int_equal(credo_prepare(f->db, "SELECT id FROM events INCLUDE HIDDEN",
                                 -1, &st, NULL),
                   CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_ROW);
  credo_interrupt(f->db);
  assert_int_equal(credo_step(st), CREDO_CANCELLED);
  credo_reset(st);
  assert_int_equal(credo_step(st), CREDO_ROW); /* runs again after reset */
  credo_finalize(st);
  /* a one-microsecond limit cannot cover 300 rows; none is far above */
  assert_int_equal(credo_set_timeout(f->db, -1), CREDO_RANGE);
  assert_int_equal(credo_set_timeout(f->db, 1), CREDO_OK);
  assert_int_equal(credo_subject_events(f->db, ORG, CREDO_TIME_NOW,
                                        CREDO_TIME_NOW, CREDO_READ_HIDDEN,
                                        count_cb, &l),
                   CREDO_CANCELLED);
  assert_non_null(strstr(credo_errmsg(f->db), "time limit"));
  assert_int_equal(credo_set_timeout(f->db, 0), CREDO_OK);
  assert_int_equal(credo_subject_events(f->db, ORG, CREDO_TIME_NOW,
                                        CREDO_TIME_NOW, CREDO_READ_HIDDEN,
                                        count_cb, &l),
                   CREDO_OK);
  check_handler_stops_one_step(f);
}

static void test_errors_table(void **state) {
  (void)state;
  assert_string_equal(credo_errname(CREDO_NOTFOUND), "CREDO_NOTFOUND");
  assert_string_equal(credo_strerror(CREDO_OK), "ok");
  assert_string_equal(credo_version(), CREDO_VERSION);
  credo_close(NULL);
  assert_int_equal(credo_open(NULL, NULL, NULL), CREDO_MISUSE);
}

/* ------------------------------------------------------- checksums */

static int no_row(void *arg, int ncol, const char *const *v,
                  const char *const *names) {
  (void)arg, (void)ncol, (void)v, (void)names;
  return 0;
}

static int count_problem(void *arg, const char *line) {
  int *n = arg;
  if (strstr(line, "checksum mismatch in table events, key 0000000000000001"))
    (*n)++;
  return 0;
}

/* Outside testing's case: a flipped bit changed {"n":2443} into
 * {"o":2443} and the store answered with it. Now every read says
 * CREDO_CORRUPT naming table and key, and the check counts it. */
static void test_checksum_flip_reported(void **state) {
  fx *f = *state;
  credo_check_report rep;
  credo_event ev;
  uint64_t id;
  int problems = 0;

  id = record_at(f, "2025-02-01", rec("R-1", "2025-01-20", "{\"n\":2443}"));
  credo_close(f->db);
  f->db = NULL;
  assert_int_equal(th_flip_store(f->dir, "\"n\":2443}", 0), 1); /* n -> o */
  assert_int_equal(credo_open(f->dir, NULL, &f->db), CREDO_OK);
  credo_set_clock(f->db, th_clock_fn, &f->clk); /* the event is public */
  assert_int_equal(credo_get_event(f->db, id, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                   CREDO_READ_HIDDEN, &ev),
                   CREDO_CORRUPT);
  assert_non_null(strstr(credo_errmsg(f->db),
                         "checksum mismatch in table events, key "
                         "0000000000000001"));
  assert_int_equal(credo_exec(f->db,
                              "SELECT * FROM events WHERE subject = '" ORG "';",
                              no_row, NULL),
                   CREDO_CORRUPT);
  assert_non_null(strstr(credo_errmsg(f->db), "table events"));
  assert_int_equal(credo_check(f->db, count_problem, &problems, &rep),
                   CREDO_CORRUPT);
  assert_int_equal(problems, 1);
}

/* ------------------------------------------- one store, two opens */

/* LMDB wants one environment per file per process: a second credo_open
 * of the same directory (under another spelling too) shares the open
 * store, sees its writes at once, and outlives the first handle; a
 * writing open of a store open read-only is refused clearly. */
static void test_open_twice_shares(void **state) {
  fx *f = *state;
  credo_options ro = {.flags = CREDO_OPEN_READONLY};
  credo_subject_info si;
  char other[600];
  credo *b = NULL, *c = NULL, *r1 = NULL, *r2 = NULL;

  snprintf(other, sizeof other, "%s/.", f->dir);
  assert_int_equal(credo_open(other, NULL, &b), CREDO_OK);
  assert_int_equal(credo_create_subject(b, ORG2, CREDO_KIND_ORG, "second"),
                   CREDO_OK);
  assert_int_equal(credo_get_subject(f->db, ORG2, &si), CREDO_OK);
  credo_close(f->db); /* the first handle goes; b keeps the store */
  f->db = NULL;
  assert_int_equal(credo_get_subject(b, ORG2, &si), CREDO_OK);
  assert_int_equal(credo_open(f->dir, NULL, &c), CREDO_OK);
  assert_int_equal(credo_get_subject(c, ORG, &si), CREDO_OK);
  credo_close(b);
  credo_close(c);

  /* read-only first: a second read-only open shares, a writing one is
   * refused with a message that says what to do */
  assert_int_equal(credo_open(f->dir, &ro, &r1), CREDO_OK);
  assert_int_equal(credo_open(f->dir, &ro, &r2), CREDO_OK);
  assert_int_equal(credo_open(f->dir, NULL, &c), CREDO_BUSY);
  assert_non_null(strstr(credo_errmsg(c), "already open read-only"));
  credo_close(c);
  credo_close(r1);
  assert_int_equal(credo_get_subject(r2, ORG2, &si), CREDO_OK);
  credo_close(r2);
  assert_int_equal(credo_open(f->dir, NULL, &f->db), CREDO_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_bitemporal_scenario, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_history, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_idempotent_and_conflict, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_record_errors, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_repair_policy, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_clock_steps_back, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_transaction_shares_time, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_roles, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_actor_recorded, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_subject_ids, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_types, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_many_versions, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_interrupt_and_timeout, fx_setup,
                                      fx_teardown),
      cmocka_unit_test(test_reopen_and_tiny_map),
      cmocka_unit_test_setup_teardown(test_checksum_flip_reported, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_open_twice_shares, fx_setup,
                                      fx_teardown),
      cmocka_unit_test(test_errors_table),
  };
  return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
