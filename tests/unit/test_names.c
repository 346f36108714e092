/*
 * test_names.c -- name search (credo_search_subjects) through the public
 * API: substring matches of Chinese names, folding of full-width and
 * upper-case forms, paging with `after` and `more`, the public role
 * leaving persons out, the 2-character minimum, rolled-back subjects
 * never found, many subjects sharing grams, a rename moving the subject
 * to its new grams, the index surviving a reopen, a store without the
 * index indexed at its first writable open, and credo_check finding
 * a damaged index (damaged through the storage layer, below the API).
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
#include "th.h"

#define PERSON "11010519491231002X"

/* A valid USCC: "91350200" + 9 chars from n + the check character. */
static void uscc(unsigned n, char out[19]) {
  static const char alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static const int w[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                            29, 25, 13, 8,  24, 10, 30, 28};
  static const int ow[8] = {3, 7, 9, 10, 5, 8, 4, 2}; /* GB 11714 */
  int sum = 0, i, c;
  snprintf(out, 19, "91350200%08u", n);
  for (i = 0; i < 8; i++)
    sum += (out[8 + i] - '0') * ow[i];
  c = 11 - sum % 11;
  out[16] = c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
  sum = 0;
  for (i = 0; i < 17; i++)
    sum += (int)(strchr(alpha, out[i]) - alpha) * w[i];
  out[17] = alpha[(31 - sum % 31) % 31];
  out[18] = '\0';
}

typedef struct hits {
  char ids[64][19];
  char names[64][128];
  int n;
} hits;

static int collect(const credo_subject_info *s, void *arg) {
  hits *h = arg;
  if (h->n < 64) {
    snprintf(h->ids[h->n], sizeof h->ids[0], "%s", s->id);
    snprintf(h->names[h->n], sizeof h->names[0], "%s", s->name);
  }
  h->n++;
  return 0;
}

static credo *open_store(char **dir) {
  credo *db = NULL;
  *dir = th_tmpdir("names");
  assert_int_equal(credo_open(*dir, NULL, &db), CREDO_OK);
  return db;
}

static void add(credo *db, unsigned n, const char *name) {
  char id[19];
  uscc(n, id);
  assert_int_equal(credo_create_subject(db, id, CREDO_KIND_ORG, name),
                   CREDO_OK);
}

static int search(credo *db, const char *q, const char *after, unsigned limit,
                  hits *h, int *more) {
  memset(h, 0, sizeof *h);
  return credo_search_subjects(db, q, after, limit, collect, h, more);
}

static void test_substring(void **state) {
  char *dir;
  credo *db = open_store(&dir);
  hits h;
  int more;
  (void)state;
  add(db, 1, "厦门鼓浪屿旅游有限公司");
  add(db, 2, "厦门鼓浪食品有限公司");
  add(db, 3, "鼓浪屿钢琴博物馆");
  add(db, 4, "福州鼓楼区某某商行");
  assert_int_equal(search(db, "鼓浪屿", NULL, 10, &h, &more), CREDO_OK);
  assert_int_equal(h.n, 2);
  assert_int_equal(more, 0);
  assert_string_equal(h.names[0], "厦门鼓浪屿旅游有限公司");
  assert_string_equal(h.names[1], "鼓浪屿钢琴博物馆");
  /* every gram present but not contiguous: verified away */
  assert_int_equal(search(db, "鼓浪食品", NULL, 10, &h, &more), CREDO_OK);
  assert_int_equal(h.n, 1);
  assert_int_equal(search(db, "浪屿钢", NULL, 10, &h, &more), CREDO_OK);
  assert_int_equal(h.n, 1);
  assert_int_equal(search(db, "有限公司", NULL, 10, &h, &more), CREDO_OK);
  assert_int_equal(h.n, 2);
  assert_int_equal(search(db, "不存在的名字", NULL, 10, &h, &more), CREDO_OK);
  assert_int_equal(h.n, 0);
  credo_close(db);
  th_rmdir(dir);
}

static void test_folding(void **state) {
  char *dir;
  credo *db = open_store(&dir);
  hits h;
  (void)state;
  add(db, 1, "厦门（ＡＢＣ）科技有限公司");
  add(db, 2, "Xiamen Harbour Trading Co.");
  assert_int_equal(search(db, "(abc)", NULL, 10, &h, NULL), CREDO_OK);
  assert_int_equal(h.n, 1);
  assert_string_equal(h.names[0], "厦门（ＡＢＣ）科技有限公司");
  assert_int_equal(search(db, "HARBOUR", NULL, 10, &h, NULL), CREDO_OK);
  assert_int_equal(h.n, 1);
  assert_int_equal(search(db, "ｈａｒｂｏｕｒ ｔｒ", NULL, 10, &h, NULL),
                   CREDO_OK);
  assert_int_equal(h.n, 1);
  credo_close(db);
  th_rmdir(dir);
}

static void test_paging(void **state) {
  char *dir, last[19];
  credo *db = open_store(&dir);
  hits h;
  int more, i, seen = 0;
  (void)state;
  assert_int_equal(credo_begin(db), CREDO_OK);
  for (i = 0; i < 25; i++) {
    char name[64];
    snprintf(name, sizeof name, "思明区第%d号鼓浪屿商店", i);
    add(db, (unsigned)(100 + i), name);
    add(db, (unsigned)(500 + i), "湖里区商店"); /* shares 商店 only */
  }
  assert_int_equal(credo_commit(db), CREDO_OK);
  last[0] = '\0';
  do {
    assert_int_equal(
        search(db, "鼓浪屿商店", last[0] ? last : NULL, 10, &h, &more),
        CREDO_OK);
    for (i = 0; i < h.n; i++) {
      assert_non_null(strstr(h.names[i], "鼓浪屿商店"));
      if (last[0])
        assert_true(strcmp(h.ids[i], last) > 0); /* id order, no repeats */
      snprintf(last, sizeof last, "%s", h.ids[i]);
    }
    seen += h.n;
  } while (more);
  assert_int_equal(seen, 25);
  assert_int_equal(search(db, "商店", NULL, 1000, &h, &more), CREDO_OK);
  assert_int_equal(h.n, 50);
  assert_int_equal(more, 0);
  credo_close(db);
  th_rmdir(dir);
}

static void test_public_role_and_errors(void **state) {
  char *dir;
  credo *db = open_store(&dir);
  hits h;
  (void)state;
  add(db, 1, "张三贸易有限公司");
  assert_int_equal(credo_create_subject(db, PERSON, CREDO_KIND_PERSON, "张三"),
                   CREDO_OK);
  assert_int_equal(search(db, "张三", NULL, 10, &h, NULL), CREDO_OK);
  assert_int_equal(h.n, 2);
  assert_int_equal(credo_set_user(db, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  assert_int_equal(search(db, "张三", NULL, 10, &h, NULL), CREDO_OK);
  assert_int_equal(h.n, 1);
  assert_string_equal(h.names[0], "张三贸易有限公司");
  assert_int_equal(search(db, "张", NULL, 10, &h, NULL), CREDO_INVALID);
  assert_non_null(strstr(credo_errmsg(db), "at least 2 characters"));
  assert_int_equal(search(db, "张三", NULL, 0, &h, NULL), CREDO_INVALID);
  assert_int_equal(search(db, "张三", NULL, CREDO_SEARCH_MAX + 1, &h, NULL),
                   CREDO_INVALID);
  assert_int_equal(search(db, "\xff\xfe", NULL, 10, &h, NULL), CREDO_INVALID);
  assert_int_equal(credo_search_subjects(db, NULL, NULL, 10, collect, &h, NULL),
                   CREDO_INVALID);
  assert_int_equal(
      credo_search_subjects(NULL, "ab", NULL, 10, collect, &h, NULL),
      CREDO_MISUSE);
  credo_close(db);
  th_rmdir(dir);
}

static void test_rollback_and_reopen(void **state) {
  char *dir;
  credo *db = open_store(&dir);
  hits h;
  (void)state;
  assert_int_equal(credo_begin(db), CREDO_OK);
  add(db, 7, "回滚测试有限公司");
  assert_int_equal(search(db, "回滚测试", NULL, 10, &h, NULL), CREDO_OK);
  assert_int_equal(h.n, 1); /* the transaction sees its own subject */
  assert_int_equal(credo_rollback(db), CREDO_OK);
  assert_int_equal(search(db, "回滚测试", NULL, 10, &h, NULL), CREDO_OK);
  assert_int_equal(h.n, 0);
  add(db, 8, "持久测试有限公司");
  credo_close(db);
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  assert_int_equal(search(db, "持久测试", NULL, 10, &h, NULL), CREDO_OK);
  assert_int_equal(h.n, 1);
  credo_close(db);
  th_rmdir(dir);
}

static void test_rename(void **state) {
  char *dir, id[19];
  credo *db = open_store(&dir);
  credo_check_report rep;
  hits h;
  (void)state;
  add(db, 1, "厦门鹭江海运有限公司");
  uscc(1, id);
  assert_int_equal(credo_rename_subject(db, id, "厦门鼓浪屿海运集团有限公司",
                                        "企业名称变更"),
                   CREDO_OK);
  assert_int_equal(search(db, "鹭江", NULL, 10, &h, NULL), CREDO_OK);
  assert_int_equal(h.n, 0); /* the former name's grams are gone */
  assert_int_equal(search(db, "鼓浪屿海运", NULL, 10, &h, NULL), CREDO_OK);
  assert_int_equal(h.n, 1);
  assert_string_equal(h.names[0], "厦门鼓浪屿海运集团有限公司");
  assert_int_equal(search(db, "海运", NULL, 10, &h, NULL), CREDO_OK);
  assert_int_equal(h.n, 1); /* a gram of both names is kept */
  assert_int_equal(credo_check(db, NULL, NULL, &rep), CREDO_OK);
  credo_close(db);
  th_rmdir(dir);
}

static int collect_problem(void *arg, const char *line) {
  hits *h = arg;
  if (h->n < 64)
    snprintf(h->names[h->n], sizeof h->names[0], "%s", line);
  h->n++;
  return 0;
}

/* The key of gram `g` of subject `id` in name_grams (docs/storage.md). */
static stor_val gram_key(stor_key *k, const char *g, const char *id) {
  stor_key_init(k);
  stor_key_str(k, g);
  stor_key_str(k, id);
  return stor_key_val(k);
}

/* A store written before the index (no grams, no META names_indexed) is
 * indexed by its first writable open. */
static void test_upgrade(void **state) {
  char *dir;
  credo *db = open_store(&dir);
  credo_check_report rep;
  stor_env *env = NULL;
  stor_txn *t = NULL;
  stor_cursor *c = NULL;
  stor_val k;
  hits h;
  (void)state;
  add(db, 1, "鼓浪屿钢琴博物馆");
  add(db, 2, "厦门鼓浪屿旅游有限公司");
  credo_close(db);
  assert_int_equal(stor_open(dir, NULL, &env, NULL, 0), CREDO_OK);
  assert_int_equal(stor_txn_begin(env, 1, &t), CREDO_OK);
  assert_int_equal(stor_cursor_open(t, STOR_NAME_GRAMS, &c), CREDO_OK);
  while (stor_cursor_first(c, &k, NULL) == CREDO_OK)
    assert_int_equal(stor_del(t, STOR_NAME_GRAMS, k), CREDO_OK);
  stor_cursor_close(c);
  assert_int_equal(stor_del(t, STOR_META, (stor_val){"names_indexed", 13}),
                   CREDO_OK);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
  stor_close(env);
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  assert_int_equal(search(db, "鼓浪屿", NULL, 10, &h, NULL), CREDO_OK);
  assert_int_equal(h.n, 2);
  assert_int_equal(credo_check(db, NULL, NULL, &rep), CREDO_OK);
  credo_close(db);
  th_rmdir(dir);
}

static void test_check_finds_damage(void **state) {
  char *dir, id[19], id2[19];
  credo *db = open_store(&dir);
  credo_check_report rep;
  stor_env *env = NULL;
  stor_txn *t = NULL;
  stor_key k;
  hits h;
  (void)state;
  add(db, 1, "鼓浪屿钢琴博物馆");
  uscc(1, id);
  uscc(2, id2);
  memset(&h, 0, sizeof h);
  assert_int_equal(credo_check(db, collect_problem, &h, &rep), CREDO_OK);
  assert_int_equal(h.n, 0);
  credo_close(db);
  assert_int_equal(stor_open(dir, NULL, &env, NULL, 0), CREDO_OK);
  assert_int_equal(stor_txn_begin(env, 1, &t), CREDO_OK);
  assert_int_equal(stor_del(t, STOR_NAME_GRAMS, gram_key(&k, "钢琴", id)),
                   CREDO_OK);
  assert_int_equal(
      stor_put(t, STOR_NAME_GRAMS, gram_key(&k, "厦门", id), (stor_val){"", 0}),
      CREDO_OK);
  assert_int_equal(stor_put(t, STOR_NAME_GRAMS, gram_key(&k, "厦门", id2),
                            (stor_val){"", 0}),
                   CREDO_OK);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
  stor_close(env);
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  memset(&h, 0, sizeof h);
  assert_int_equal(credo_check(db, collect_problem, &h, &rep), CREDO_CORRUPT);
  assert_int_equal(h.n, 3);
  assert_non_null(strstr(h.names[0], "no entry for gram \"钢琴\""));
  assert_non_null(strstr(h.names[1], "is not in the name"));
  assert_non_null(strstr(h.names[2], "names missing subject"));
  credo_close(db);
  th_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_substring),
      cmocka_unit_test(test_folding),
      cmocka_unit_test(test_paging),
      cmocka_unit_test(test_public_role_and_errors),
      cmocka_unit_test(test_rollback_and_reopen),
      cmocka_unit_test(test_rename),
      cmocka_unit_test(test_upgrade),
      cmocka_unit_test(test_check_finds_damage),
  };
  return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
