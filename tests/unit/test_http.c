/*
 * test_http.c -- the pure pieces of the public look-up (server/http_*.c):
 * HTML escaping and URL encoding of hostile strings, dates in Beijing
 * time, the kind of a search text, type grouping, event id parsing, the
 * per-client token bucket, and the data layer on a public-role handle
 * (persons left out of name search, repaired records never loaded).
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
#include "http.h"
#include "th.h"

static void test_escaping(void **state) {
  http_buf b;
  (void)state;
  http_buf_init(&b);
  http_buf_html(&b, "<script>alert(1)</script> & \"x\" 'y' 中文");
  assert_string_equal(b.p, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; "
                           "&quot;x&quot; &#39;y&#39; 中文");
  http_buf_free(&b);
  http_buf_html(&b, "");
  http_buf_html(&b, NULL);
  assert_int_equal(b.len, 0);
  http_buf_url(&b, "a b/../\"<>?&=鼓");
  assert_string_equal(b.p, "a%20b%2F..%2F%22%3C%3E%3F%26%3D%E9%BC%93");
  http_buf_free(&b);
  http_buf_printf(&b, "%d-%s", 7, "x");
  assert_string_equal(b.p, "7-x");
  http_buf_free(&b);
}

static void test_dates(void **state) {
  http_buf b;
  credo_time t;
  (void)state;
  http_buf_init(&b);
  /* 16:30 UTC is the next day in Beijing */
  assert_int_equal(credo_time_parse("2025-03-01T16:30:00Z", 0, &t), CREDO_OK);
  http_buf_date(&b, t);
  http_buf_puts(&b, " ");
  http_buf_date(&b, CREDO_TIME_OPEN);
  assert_string_equal(b.p, "2025-03-02 长期");
  http_buf_free(&b);
}

static void test_query_kind(void **state) {
  char big[300];
  (void)state;
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  assert_int_equal(http_query_kind(""), HTTP_Q_EMPTY);
  assert_int_equal(http_query_kind("91350100M000100Y43"), HTTP_Q_ORG);
  assert_int_equal(http_query_kind("11010519491231002X"), HTTP_Q_PERSON);
  assert_int_equal(http_query_kind("91350100M000100Y4Z"), HTTP_Q_NAME);
  assert_int_equal(http_query_kind("鼓浪屿"), HTTP_Q_NAME);
  assert_int_equal(http_query_kind("\xff\xfe"), HTTP_Q_BAD);
  assert_int_equal(http_query_kind(big), HTTP_Q_BAD);
  assert_int_equal(http_type_cat(NULL, "penalty_general"), HTTP_CAT_ADVERSE);
  assert_int_equal(http_type_cat(NULL, "honour"), HTTP_CAT_POSITIVE);
  assert_int_equal(http_type_cat(NULL, "something_new"), HTTP_CAT_OTHER);
  assert_string_equal(http_type_label("something_new"), "something_new");
  assert_int_equal(http_parse_id("42"), 42);
  assert_int_equal(http_parse_id("042"), 0);
  assert_int_equal(http_parse_id("4x"), 0);
  assert_int_equal(http_parse_id("99999999999999999999"), 0);
  assert_int_equal(http_parse_id(""), 0);
}

static void test_limiter(void **state) {
  http_limiter *l = http_limiter_new(3);
  int64_t t = 1000000;
  char key[32];
  int i, ok = 0;
  (void)state;
  assert_non_null(l);
  for (i = 0; i < 5; i++)
    ok += http_limiter_take(l, "10.0.0.1", t);
  assert_int_equal(ok, 3); /* the bucket holds one second's worth */
  assert_int_equal(http_limiter_take(l, "10.0.0.2", t), 1); /* per client */
  assert_int_equal(http_limiter_take(l, "10.0.0.1", t + 340000), 1);
  assert_int_equal(http_limiter_take(l, "10.0.0.1", t + 340000), 0);
  /* a flood of other clients makes it forget, never fail */
  for (i = 0; i < 20000; i++) {
    snprintf(key, sizeof key, "198.51.%d.%d", i / 256, i % 256);
    assert_int_equal(http_limiter_take(l, key, t + 400000), 1);
  }
  http_limiter_free(l);
  http_limiter_free(NULL);
}

static int no_events(const credo_event *ev, void *arg) {
  (void)ev;
  (void)arg;
  return 0;
}

static void test_data_public(void **state) {
  char *dir = th_tmpdir("http");
  credo *db = NULL;
  credo_record r = {.subject = "91350100M000100Y43",
                    .type = "penalty_general",
                    .public_from = CREDO_TIME_DEFAULT,
                    .public_until = CREDO_TIME_DEFAULT,
                    .source = "xm",
                    .ref = "1号"};
  http_results res;
  http_subject s;
  uint64_t id;
  (void)state;
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  assert_int_equal(credo_create_type(db, "penalty_general",
                                     (credo_duration){12, 0},
                                     (credo_duration){3, 0}),
                   CREDO_OK);
  assert_int_equal(
      credo_create_subject(db, r.subject, CREDO_KIND_ORG, "张三贸易有限公司"),
      CREDO_OK);
  assert_int_equal(
      credo_create_subject(db, "11010519491231002X", CREDO_KIND_PERSON, "张三"),
      CREDO_OK);
  r.occurred = credo_now(db) - 200 * CREDO_USEC_PER_DAY;
  assert_int_equal(credo_record_event(db, &r, &id, NULL), CREDO_OK);
  assert_int_equal(credo_repair_event(db, id, CREDO_TIME_NOW, "修复"),
                   CREDO_OK);
  /* a type unknown to the label table, declared POSITIVE */
  credo_type_def def = {.name = "volunteer_award",
                        .flags = CREDO_TYPE_POSITIVE,
                        .publicity = {24, 0}};
  assert_int_equal(credo_create_type_def(db, &def), CREDO_OK);
  r.type = "volunteer_award";
  r.ref = "2号";
  assert_int_equal(credo_record_event(db, &r, NULL, NULL), CREDO_OK);
  assert_int_equal(credo_set_user(db, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  assert_int_equal(http_type_cat(db, "volunteer_award"), HTTP_CAT_POSITIVE);
  assert_int_equal(http_type_cat(NULL, "volunteer_award"), HTTP_CAT_OTHER);
  assert_int_equal(http_search(db, "张三", NULL, &res), CREDO_OK);
  assert_int_equal(res.kind, HTTP_Q_NAME);
  assert_int_equal(res.n, 1);
  assert_string_equal(res.hits[0].name, "张三贸易有限公司");
  assert_int_equal(http_search(db, "11010519491231002X", NULL, &res), CREDO_OK);
  assert_int_equal(res.n, 1);
  assert_string_equal(res.hits[0].link, "11010519491231002X");
  assert_string_equal(res.hits[0].id, "110105********002X"); /* engine */
  assert_int_equal(http_search(db, "张", NULL, &res), CREDO_INVALID);
  assert_int_equal(http_subject_load(db, r.subject, 1, &s), CREDO_OK);
  assert_int_equal(s.nev, 1); /* the repaired record is not public */
  assert_int_equal(s.ev[0].cat, HTTP_CAT_POSITIVE);
  assert_string_equal(s.ev[0].ref, "2号");
  http_subject_free(&s);
  assert_int_equal(credo_subject_events(db, r.subject, CREDO_TIME_NOW,
                                        CREDO_TIME_NOW, 0, no_events, NULL),
                   CREDO_OK);
  assert_int_equal(http_subject_load(db, "91350100M000100Y4Z", 1, &s),
                   CREDO_NOTFOUND);
  http_subject_free(&s);
  credo_close(db);
  th_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_escaping),    cmocka_unit_test(test_dates),
      cmocka_unit_test(test_query_kind),  cmocka_unit_test(test_limiter),
      cmocka_unit_test(test_data_public),
  };
  return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
