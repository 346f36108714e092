/*
 * demo.c -- credo-demo: the main job on a small store, through the typed C
 * API. Declares two Order 36 types, registers a company and a person,
 * records penalties, corrects one, repairs one (after a refused early
 * attempt) and prints what the register showed at several instants.
 *
 * Usage: credo-demo STORE_DIR   (the directory is created; must be empty
 * or a store made by an earlier run, which is then shown again).
 *
 * The demo fixes its clock to the instants of the story so that the output
 * is the same on every run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo.h"

#define ORG "91350100M000100Y43"
#define PERSON "11010519491231002X"

static credo_time clock_now;

static credo_time demo_clock(void *arg) {
  (void)arg;
  return clock_now;
}

static credo_time T(const char *s) {
  credo_time t = 0;
  if (credo_time_parse(s, 8 * 3600, &t) != CREDO_OK) {
    fprintf(stderr, "bad time %s\n", s);
    exit(2);
  }
  return t;
}

static int check(credo *db, int rc, const char *what) {
  if (rc < 0) {
    fprintf(stderr, "credo-demo: %s: %s\n", what, credo_errmsg(db));
    exit(1);
  }
  return rc;
}

static int print_event(const credo_event *ev, void *arg) {
  char occ[40], from[40], until[40];
  (void)arg;
  credo_time_format(ev->occurred, 8 * 3600, occ, sizeof occ);
  credo_time_format(ev->public_from, 8 * 3600, from, sizeof from);
  credo_time_format(ev->public_until, 8 * 3600, until, sizeof until);
  printf("  #%llu v%u %-16s %.10s  public [%.10s, %.10s)  %s  %s\n",
         (unsigned long long)ev->id, ev->version, ev->type, occ, from, until,
         ev->ref, ev->data);
  return 0;
}

static int print_version(const credo_event *ev, void *arg) {
  char rec[40], until[40];
  (void)arg;
  credo_time_format(ev->recorded, 8 * 3600, rec, sizeof rec);
  credo_time_format(ev->public_until, 8 * 3600, until, sizeof until);
  printf("  v%u %-8s at %.16s by %s: %s\n       public until %.10s  %s\n",
         ev->version, credo_op_name(ev->op), rec, ev->actor,
         ev->reason[0] ? ev->reason : "-", until, ev->data);
  return 0;
}

static void show(credo *db, const char *title, credo_time as_of) {
  printf("%s\n", title);
  check(db,
        credo_subject_events(db, ORG, as_of, CREDO_TIME_NOW, 0, print_event,
                             NULL),
        "list");
}

static uint64_t record(credo *db, const char *type, const char *occurred,
                       const char *ref, const char *data) {
  uint64_t id = 0;
  credo_record r = {ORG,
                    type,
                    T(occurred),
                    CREDO_TIME_DEFAULT,
                    CREDO_TIME_DEFAULT,
                    "xm-market",
                    ref,
                    data,
                    NULL};
  check(db, credo_record_event(db, &r, &id, NULL), "record");
  return id;
}

static void story(credo *db) {
  uint64_t a, b;
  credo_correction c = {.set = CREDO_SET_DATA};
  clock_now = T("2025-01-02 09:00");
  check(db,
        credo_create_type(db, "penalty_general", (credo_duration){12, 0},
                          (credo_duration){3, 0}),
        "type");
  check(db,
        credo_create_type(db, "penalty_serious", (credo_duration){36, 0},
                          (credo_duration){12, 0}),
        "type");
  check(db,
        credo_create_subject(db, ORG, CREDO_KIND_ORG, "厦门示例船务有限公司"),
        "subject");
  check(db, credo_create_subject(db, PERSON, CREDO_KIND_PERSON, "张三"),
        "subject");
  clock_now = T("2025-03-03 10:00");
  a = record(db, "penalty_general", "2025-03-01", "厦市监罚〔2025〕12号",
             "{\"amount_wan\": 0.5, \"authority\": \"厦门市市场监督管理局\"}");
  clock_now = T("2025-04-20 15:30");
  b = record(db, "penalty_serious", "2025-04-18", "厦市监罚〔2025〕57号",
             "{\"amount_wan\": 12, \"authority\": \"厦门市市场监督管理局\"}");
  clock_now = T("2025-05-06 11:00");
  c.data = "{\"amount_wan\": 0.8, \"authority\": \"厦门市市场监督管理局\"}";
  check(db, credo_correct_event(db, a, &c, "异议处理: 罚款金额更正"),
        "correct");
  clock_now = T("2025-05-20 09:00");
  if (credo_repair_event(db, a, CREDO_TIME_NOW, "信用修复申请") ==
      CREDO_REFUSED)
    printf("early repair of #%llu: %s\n\n", (unsigned long long)a,
           credo_errmsg(db));
  clock_now = T("2025-06-10 09:00");
  check(db, credo_repair_event(db, a, CREDO_TIME_NOW, "信用修复: 已整改"),
        "repair");
  (void)b;
}

int main(int argc, char **argv) {
  credo *db = NULL;
  credo_stats st;
  int rc;
  if (argc != 2) {
    fprintf(stderr, "usage: credo-demo STORE_DIR\n");
    return 2;
  }
  rc = credo_open(argv[1], NULL, &db);
  if (rc != CREDO_OK) {
    fprintf(stderr, "credo-demo: %s\n",
            db ? credo_errmsg(db) : credo_strerror(rc));
    credo_close(db);
    return 1;
  }
  credo_set_clock(db, demo_clock, NULL);
  /* windows and repair dates on Xiamen's calendar (docs/rules.md, 6) */
  check(db, credo_set_store_tz(db, 8 * 3600), "store time zone");
  check(db, credo_get_stats(db, &st), "stats");
  if (st.events == 0)
    story(db);
  clock_now = T("2025-07-01 12:00");
  printf("Store %s: public record of %s (厦门示例船务有限公司)\n\n", argv[1],
         ORG);
  show(db, "What is public now (2025-07-01):", CREDO_TIME_NOW);
  show(db, "\nWhat the register showed on 2025-06-01 (before the repair):",
       T("2025-06-01"));
  show(db, "\nWhat it showed on 2025-04-01 (before the correction):",
       T("2025-04-01"));
  printf("\nHistory of event #1:\n");
  check(db, credo_event_history(db, 1, print_version, NULL), "history");
  check(db, credo_get_stats(db, &st), "stats");
  printf("\n%llu subjects, %llu types, %llu events, %llu versions\n",
         (unsigned long long)st.subjects, (unsigned long long)st.types,
         (unsigned long long)st.events, (unsigned long long)st.versions);
  credo_close(db);
  return 0;
}
