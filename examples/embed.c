/*
 * embed.c -- the smallest program that embeds credo: open a store, declare
 * a type, register a company, record a penalty, read what was public on a
 * day, repair it (信用修复), and read again. Built against an installed credo:
 *
 *   cc embed.c $(pkg-config --cflags --libs credo) -o embed && ./embed DIR
 *
 * Every call returns an int code; on failure credo_errmsg() says why.
 */
#include <stdio.h>

#include <credo.h>

#define ORG "91350100M000100Y43"

static int fail(credo *db, const char *what) {
  fprintf(stderr, "embed: %s: %s\n", what, db ? credo_errmsg(db) : "?");
  credo_close(db);
  return 1;
}

static int show(const credo_event *ev, void *arg) {
  char until[40];
  credo_time_format(ev->public_until, 8 * 3600, until, sizeof until);
  printf("  %s: event %llu %s %s, public until %.10s%s\n", (const char *)arg,
         (unsigned long long)ev->id, ev->type, ev->ref, until,
         ev->is_public ? "" : " (not public)");
  return 0;
}

int main(int argc, char **argv) {
  credo *db = NULL;
  credo_time occurred, june, july, august;
  uint64_t id;
  if (argc != 2) {
    fprintf(stderr, "usage: embed STORE_DIR\n");
    return 2;
  }
  printf("credo %s\n", credo_version());
  if (credo_open(argv[1], NULL, &db) != CREDO_OK)
    return fail(db, "open");
  credo_time_parse("2025-03-01", 8 * 3600, &occurred);
  credo_time_parse("2025-06-01", 8 * 3600, &june);
  credo_time_parse("2025-07-01", 8 * 3600, &july);
  credo_time_parse("2025-08-01", 8 * 3600, &august);
  if (credo_create_type(db, "penalty_general", (credo_duration){12, 0},
                        (credo_duration){3, 0}) != CREDO_OK &&
      credo_errcode(db) != CREDO_EXISTS)
    return fail(db, "create type");
  if (credo_create_subject(db, ORG, CREDO_KIND_ORG, "厦门示例船务有限公司"))
    return fail(db, "create subject");
  credo_record r = {.subject = ORG,
                    .type = "penalty_general",
                    .occurred = occurred,
                    .public_from = CREDO_TIME_DEFAULT,
                    .public_until = CREDO_TIME_DEFAULT,
                    .source = "xm-market",
                    .ref = "厦市监罚〔2025〕12号",
                    .data = "{\"amount_wan\": 0.5}"};
  if (credo_record_event(db, &r, &id, NULL))
    return fail(db, "record");
  /* publicity judged on 1 June 2025, in the latest state of the store */
  if (credo_subject_events(db, ORG, CREDO_TIME_NOW, june, 0, show,
                           "public on 2025-06-01"))
    return fail(db, "read");
  /* credit repair: publicity ends on 1 July 2025 instead of 1 March 2026 */
  if (credo_repair_event(db, id, july, "信用修复") != CREDO_OK)
    printf("  repair: %s\n", credo_errmsg(db));
  if (credo_subject_events(db, ORG, CREDO_TIME_NOW, august, CREDO_READ_HIDDEN,
                           show, "on 2025-08-01, hidden included"))
    return fail(db, "read");
  credo_close(db);
  return 0;
}
