/*
 * test_storage.c -- tests of the storage layer (storage/): point ops,
 * cursors, counts, isolation, persistence, the format version, map growth
 * with replay (one big transaction with a cursor open across growths, and
 * many small ones), readers in other threads and processes during growth,
 * stale reader slots, read-only and nocreate opens, live copies, and key
 * limits.
 *
 * Each test gets a fresh directory under $CREDO_TEST_TMP (or /tmp), removed
 * afterwards. Child processes report through exit codes, never through
 * cmocka asserts.
 */
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "stor.h"
#include "th.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)

/* ------------------------------------------------------------- fixture */

typedef struct fx {
  char dir[512];  /* the temp dir, removed at teardown */
  char path[600]; /* the store directory inside it (not created) */
  stor_env *env;
} fx;

static int rm_one(const char *p, const struct stat *sb, int flag,
                  struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(p);
}

static void mkdirs(const char *path) {
  char buf[512];
  size_t i, n = strlen(path);

  snprintf(buf, sizeof buf, "%s", path);
  for (i = 1; i <= n; i++) {
    if (buf[i] == '/' || buf[i] == '\0') {
      char c = buf[i];
      buf[i] = '\0';
      mkdir(buf, 0700);
      buf[i] = c;
    }
  }
}

static int setup(void **state) {
  const char *base = getenv("CREDO_TEST_TMP");
  fx *f = calloc(1, sizeof *f);

  if (!f)
    return -1;
  if (!base || !*base)
    base = "/tmp";
  mkdirs(base);
  snprintf(f->dir, sizeof f->dir, "%s/stor-XXXXXX", base);
  if (!mkdtemp(f->dir)) {
    free(f);
    return -1;
  }
  snprintf(f->path, sizeof f->path, "%s/store", f->dir);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;

  stor_close(f->env);
  nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  free(f);
  return 0;
}

static stor_env *open_store(const char *path, size_t map, int nosync) {
  stor_options o = {0};
  stor_env *env = NULL;
  char err[256];

  o.map_size = map;
  o.nosync = nosync;
  if (stor_open(path, &o, &env, err, sizeof err) != CREDO_OK) {
    fprintf(stderr, "stor_open: %s\n", err);
    return NULL;
  }
  return env;
}

static stor_val S(const char *s) {
  stor_val v = {s, strlen(s)};
  return v;
}

static stor_val U64(stor_key *k, uint64_t n) {
  stor_key_init(k);
  stor_key_u64(k, n);
  return stor_key_val(k);
}

static int val_is(stor_val v, const char *s) {
  return v.len == strlen(s) && memcmp(v.data, s, v.len) == 0;
}

/* Value of entry `i`: i big-endian, then a byte pattern of i. */
static void fill_val(unsigned char *buf, uint64_t i, size_t len) {
  stor_key k;

  memset(buf, (int)(i * 31 % 251), len);
  U64(&k, i);
  memcpy(buf, k.buf, len < 8 ? len : 8);
}

static int check_val(stor_val v, uint64_t i, size_t len) {
  unsigned char want[4096];

  if (v.len != len || len > sizeof want)
    return 0;
  fill_val(want, i, len);
  return memcmp(v.data, want, len) == 0;
}

/* Commits one write transaction putting key -> val. */
static void put1(stor_env *env, int table, const char *key, const char *val) {
  stor_txn *t;

  assert_int_equal(stor_txn_begin(env, 1, &t), CREDO_OK);
  assert_int_equal(stor_put(t, table, S(key), S(val)), CREDO_OK);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
}

/* ------------------------------------------------------------ point ops */

static void test_point_ops(void **state) {
  fx *f = *state;
  stor_txn *t;
  stor_val v;
  stor_key k;
  static unsigned char big[1 << 20];
  char longkey[STOR_KEY_MAX + 2];

  assert_non_null(f->env = open_store(f->path, 0, 1));
  assert_int_equal(stor_format_version(f->env), STOR_FORMAT_VERSION);
  assert_string_equal(stor_path(f->env), f->path);

  assert_int_equal(stor_txn_begin(f->env, 1, &t), CREDO_OK);
  assert_true(stor_txn_is_write(t));
  assert_ptr_equal(stor_txn_env(t), f->env);
  assert_int_equal(stor_get(t, STOR_SUBJECTS, S("a"), &v), CREDO_NOTFOUND);
  assert_int_equal(stor_put(t, STOR_SUBJECTS, S("a"), S("1")), CREDO_OK);
  assert_int_equal(stor_get(t, STOR_SUBJECTS, S("a"), &v), CREDO_OK);
  assert_true(val_is(v, "1"));
  assert_int_equal(stor_put(t, STOR_SUBJECTS, S("a"), S("22")), CREDO_OK);
  assert_int_equal(stor_get(t, STOR_SUBJECTS, S("a"), &v), CREDO_OK);
  assert_true(val_is(v, "22"));
  /* put_new keeps the old value; EXISTS does not fail the transaction */
  assert_int_equal(stor_put_new(t, STOR_SUBJECTS, S("a"), S("3")),
                   CREDO_EXISTS);
  assert_int_equal(stor_get(t, STOR_SUBJECTS, S("a"), &v), CREDO_OK);
  assert_true(val_is(v, "22"));
  assert_int_equal(stor_put_new(t, STOR_SUBJECTS, S("b"), S("4")), CREDO_OK);
  /* tables are separate */
  assert_int_equal(stor_get(t, STOR_TYPES, S("a"), &v), CREDO_NOTFOUND);
  /* del */
  assert_int_equal(stor_put(t, STOR_SUBJECTS, S("c"), S("5")), CREDO_OK);
  assert_int_equal(stor_del(t, STOR_SUBJECTS, S("c")), CREDO_OK);
  assert_int_equal(stor_get(t, STOR_SUBJECTS, S("c"), &v), CREDO_NOTFOUND);
  assert_int_equal(stor_del(t, STOR_SUBJECTS, S("c")), CREDO_NOTFOUND);
  /* empty and large values */
  assert_int_equal(stor_put(t, STOR_USERS, S("empty"), (stor_val){NULL, 0}),
                   CREDO_OK);
  fill_val(big, 9, sizeof big);
  assert_int_equal(
      stor_put(t, STOR_USERS, S("big"), (stor_val){big, sizeof big}), CREDO_OK);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);

  assert_int_equal(stor_txn_begin(f->env, 0, &t), CREDO_OK);
  assert_false(stor_txn_is_write(t));
  assert_int_equal(stor_get(t, STOR_SUBJECTS, S("a"), &v), CREDO_OK);
  assert_true(val_is(v, "22"));
  assert_int_equal(stor_get(t, STOR_SUBJECTS, S("b"), &v), CREDO_OK);
  assert_true(val_is(v, "4"));
  assert_int_equal(stor_get(t, STOR_SUBJECTS, S("c"), &v), CREDO_NOTFOUND);
  assert_int_equal(stor_get(t, STOR_USERS, S("empty"), &v), CREDO_OK);
  assert_int_equal(v.len, 0);
  assert_int_equal(stor_get(t, STOR_USERS, S("big"), &v), CREDO_OK);
  assert_int_equal(v.len, sizeof big);
  assert_memory_equal(v.data, big, sizeof big);
  /* writes in a read transaction are misuse */
  assert_int_equal(stor_put(t, STOR_SUBJECTS, S("x"), S("y")), CREDO_MISUSE);
  assert_int_equal(stor_del(t, STOR_SUBJECTS, S("a")), CREDO_MISUSE);
  stor_txn_abort(t);

  /* bad arguments */
  memset(longkey, 'k', sizeof longkey);
  longkey[STOR_KEY_MAX + 1] = '\0';
  assert_int_equal(stor_txn_begin(f->env, 1, &t), CREDO_OK);
  assert_int_equal(stor_put(t, STOR_NTABLES, S("a"), S("1")), CREDO_INVALID);
  assert_int_equal(stor_put(t, -1, S("a"), S("1")), CREDO_INVALID);
  assert_int_equal(stor_put(t, STOR_META, S(""), S("1")), CREDO_INVALID);
  assert_int_equal(stor_put(t, STOR_META, S(longkey), S("1")), CREDO_INVALID);
  assert_int_equal(stor_get(t, STOR_META, S(longkey), &v), CREDO_INVALID);
  assert_int_equal(stor_del(t, STOR_META, S(longkey)), CREDO_INVALID);
  longkey[STOR_KEY_MAX] = '\0'; /* exactly STOR_KEY_MAX bytes is fine */
  assert_int_equal(stor_put(t, STOR_META, S(longkey), S("1")), CREDO_OK);
  assert_int_equal(stor_get(t, STOR_META, S(longkey), &v), CREDO_OK);
  stor_key_init(&k);
  longkey[STOR_KEY_MAX - 3] = '\0';
  stor_key_str(&k, longkey);
  stor_key_u64(&k, 1); /* overflows */
  assert_true(k.overflow);
  assert_int_equal(stor_put(t, STOR_META, stor_key_val(&k), S("1")),
                   CREDO_INVALID);
  assert_int_equal(stor_get(t, STOR_META, stor_key_val(&k), &v), CREDO_INVALID);
  /* the transaction is still healthy after refused arguments */
  assert_int_equal(stor_put(t, STOR_META, S("ok"), S("1")), CREDO_OK);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
}

static void test_table_names(void **state) {
  static const char *names[] = {
      "meta",     "subjects",    "types",       "type_ids",   "events",
      "versions", "subj_events", "type_events", "source_ref", "until_events",
      "users",    "subj_public", "grants",      "subj_names", "name_grams",
      "erasures", "erased_keys", "type_retain", "proj"};
  int i;

  (void)state;
  assert_int_equal(STOR_NTABLES, 19);
  for (i = 0; i < STOR_NTABLES; i++)
    assert_string_equal(stor_table_name(i), names[i]);
  assert_null(stor_table_name(-1));
  assert_null(stor_table_name(STOR_NTABLES));
}

/* -------------------------------------------------------------- cursors */

static void expect(int rc, stor_val key, const char *want) {
  if (!want) {
    assert_int_equal(rc, CREDO_NOTFOUND);
    return;
  }
  assert_int_equal(rc, CREDO_OK);
  assert_true(val_is(key, want));
}

/* Walks b, d, f in table SUBJECTS through `t`. */
static void walk_bdf(stor_txn *t) {
  stor_cursor *c;
  stor_val k, v;

  assert_int_equal(stor_cursor_open(t, STOR_SUBJECTS, &c), CREDO_OK);
  expect(stor_cursor_first(c, &k, &v), k, "b");
  assert_true(val_is(v, "B"));
  expect(stor_cursor_next(c, &k, &v), k, "d");
  expect(stor_cursor_next(c, &k, NULL), k, "f");
  expect(stor_cursor_next(c, &k, &v), k, NULL);
  /* unpositioned: next acts as first, prev as last */
  expect(stor_cursor_next(c, &k, &v), k, "b");
  expect(stor_cursor_last(c, &k, &v), k, "f");
  expect(stor_cursor_prev(c, &k, &v), k, "d");
  expect(stor_cursor_prev(c, &k, &v), k, "b");
  expect(stor_cursor_prev(c, &k, &v), k, NULL);
  expect(stor_cursor_prev(c, &k, &v), k, "f");
  /* seek: first key >= */
  expect(stor_cursor_seek(c, S("a"), &k, &v), k, "b");
  expect(stor_cursor_seek(c, S("b"), &k, &v), k, "b");
  expect(stor_cursor_seek(c, S("ba"), &k, &v), k, "d");
  expect(stor_cursor_seek(c, S("c"), &k, &v), k, "d");
  expect(stor_cursor_next(c, &k, &v), k, "f");
  expect(stor_cursor_seek(c, S("f"), &k, &v), k, "f");
  expect(stor_cursor_seek(c, S("g"), &k, &v), k, NULL);
  /* seek_le: last key <= */
  expect(stor_cursor_seek_le(c, S("a"), &k, &v), k, NULL);
  expect(stor_cursor_seek_le(c, S("b"), &k, &v), k, "b");
  assert_true(val_is(v, "B"));
  expect(stor_cursor_seek_le(c, S("ba"), &k, &v), k, "b");
  expect(stor_cursor_seek_le(c, S("c"), &k, &v), k, "b");
  expect(stor_cursor_seek_le(c, S("e"), &k, &v), k, "d");
  assert_true(val_is(v, "D"));
  expect(stor_cursor_prev(c, &k, &v), k, "b");
  expect(stor_cursor_seek_le(c, S("f"), &k, &v), k, "f");
  expect(stor_cursor_seek_le(c, S("zzz"), &k, &v), k, "f");
  assert_true(val_is(v, "F"));
  expect(stor_cursor_next(c, &k, &v), k, NULL);
  assert_int_equal(stor_cursor_seek(c, S(""), &k, &v), CREDO_INVALID);
  assert_int_equal(stor_cursor_seek_le(c, S(""), &k, &v), CREDO_INVALID);
  stor_cursor_close(c);
}

static void walk_empty(stor_txn *t) {
  stor_cursor *c;
  stor_val k;

  assert_int_equal(stor_cursor_open(t, STOR_TYPE_IDS, &c), CREDO_OK);
  expect(stor_cursor_first(c, &k, NULL), k, NULL);
  expect(stor_cursor_last(c, &k, NULL), k, NULL);
  expect(stor_cursor_next(c, &k, NULL), k, NULL);
  expect(stor_cursor_prev(c, &k, NULL), k, NULL);
  expect(stor_cursor_seek(c, S("a"), &k, NULL), k, NULL);
  expect(stor_cursor_seek_le(c, S("a"), &k, NULL), k, NULL);
  stor_cursor_close(c);
}

static void test_cursors(void **state) {
  fx *f = *state;
  stor_cursor *c1, *c2;
  stor_txn *t;
  stor_val k, v;
  int i;

  assert_non_null(f->env = open_store(f->path, 0, 1));
  assert_int_equal(stor_txn_begin(f->env, 1, &t), CREDO_OK);
  assert_int_equal(stor_put(t, STOR_SUBJECTS, S("d"), S("D")), CREDO_OK);
  assert_int_equal(stor_put(t, STOR_SUBJECTS, S("b"), S("B")), CREDO_OK);
  assert_int_equal(stor_put(t, STOR_SUBJECTS, S("f"), S("F")), CREDO_OK);
  /* neighbours in other tables must not show */
  assert_int_equal(stor_put(t, STOR_META, S("a"), S("x")), CREDO_OK);
  assert_int_equal(stor_put(t, STOR_TYPES, S("c"), S("x")), CREDO_OK);
  assert_int_equal(stor_put(t, STOR_TYPES, S("z"), S("x")), CREDO_OK);
  walk_bdf(t); /* in the write transaction */
  walk_empty(t);
  /* a cursor follows writes in its own transaction */
  assert_int_equal(stor_cursor_open(t, STOR_SUBJECTS, &c1), CREDO_OK);
  expect(stor_cursor_seek(c1, S("d"), &k, &v), k, "d");
  assert_int_equal(stor_put(t, STOR_SUBJECTS, S("e"), S("E")), CREDO_OK);
  expect(stor_cursor_next(c1, &k, &v), k, "e");
  assert_int_equal(stor_del(t, STOR_SUBJECTS, S("e")), CREDO_OK);
  expect(stor_cursor_next(c1, &k, &v), k, "f");
  stor_cursor_close(c1);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);

  for (i = 0; i < 3; i++) { /* again: spare cursors are reused */
    assert_int_equal(stor_txn_begin(f->env, 0, &t), CREDO_OK);
    walk_bdf(t);
    walk_empty(t);
    /* two cursors on one table at once are independent */
    assert_int_equal(stor_cursor_open(t, STOR_SUBJECTS, &c1), CREDO_OK);
    assert_int_equal(stor_cursor_open(t, STOR_SUBJECTS, &c2), CREDO_OK);
    expect(stor_cursor_first(c1, &k, NULL), k, "b");
    expect(stor_cursor_last(c2, &k, NULL), k, "f");
    expect(stor_cursor_next(c1, &k, NULL), k, "d");
    expect(stor_cursor_prev(c2, &k, NULL), k, "d");
    stor_cursor_close(c2);
    stor_cursor_close(c1);
    stor_cursor_close(NULL);
    assert_int_equal(stor_txn_commit(t), CREDO_OK); /* read: same as abort */
  }
}

static void test_count(void **state) {
  fx *f = *state;
  stor_txn *t;
  stor_key k;
  uint64_t n = 99, i;

  assert_non_null(f->env = open_store(f->path, 0, 1));
  assert_int_equal(stor_txn_begin(f->env, 1, &t), CREDO_OK);
  assert_int_equal(stor_count(t, STOR_EVENTS, &n), CREDO_OK);
  assert_int_equal(n, 0);
  for (i = 0; i < 100; i++)
    assert_int_equal(stor_put(t, STOR_EVENTS, U64(&k, i), S("v")), CREDO_OK);
  assert_int_equal(stor_put(t, STOR_EVENTS, U64(&k, 5), S("w")), CREDO_OK);
  assert_int_equal(stor_count(t, STOR_EVENTS, &n), CREDO_OK);
  assert_int_equal(n, 100);
  assert_int_equal(stor_del(t, STOR_EVENTS, U64(&k, 7)), CREDO_OK);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
  assert_int_equal(stor_txn_begin(f->env, 0, &t), CREDO_OK);
  assert_int_equal(stor_count(t, STOR_EVENTS, &n), CREDO_OK);
  assert_int_equal(n, 99);
  assert_int_equal(stor_count(t, STOR_VERSIONS, &n), CREDO_OK);
  assert_int_equal(n, 0);
  assert_int_equal(stor_count(t, STOR_NTABLES, &n), CREDO_INVALID);
  stor_txn_abort(t);
}

/* stor_get_u64 / stor_get_str find what was put under the key
 * stor_key_u64 / stor_key_str make, and nothing else. */
static void test_get_one_field_key(void **state) {
  fx *f = *state;
  stor_txn *t;
  stor_key k;
  stor_val v;

  assert_non_null(f->env = open_store(f->path, 0, 1));
  assert_int_equal(stor_txn_begin(f->env, 1, &t), CREDO_OK);
  assert_int_equal(stor_put(t, STOR_EVENTS, U64(&k, 42), S("ev42")), CREDO_OK);
  stor_key_init(&k);
  stor_key_str(&k, "alice");
  assert_int_equal(stor_put(t, STOR_USERS, stor_key_val(&k), S("u")), CREDO_OK);
  assert_int_equal(stor_get_u64(t, STOR_EVENTS, 42, &v), CREDO_OK);
  assert_true(val_is(v, "ev42"));
  assert_int_equal(stor_get_u64(t, STOR_EVENTS, 43, &v), CREDO_NOTFOUND);
  assert_int_equal(stor_get_u64(t, STOR_USERS, 42, &v), CREDO_NOTFOUND);
  assert_int_equal(stor_get_str(t, STOR_USERS, "alice", &v), CREDO_OK);
  assert_true(val_is(v, "u"));
  assert_int_equal(stor_get_str(t, STOR_USERS, "alic", &v), CREDO_NOTFOUND);
  assert_int_equal(stor_get_str(t, STOR_USERS, "", &v), CREDO_NOTFOUND);
  stor_txn_abort(t);
}

/* ------------------------------------------------- isolation, abort, reopen */

static void *put_x(void *arg) {
  stor_env *env = arg;
  stor_txn *t;
  intptr_t rc;

  if ((rc = stor_txn_begin(env, 1, &t)) != CREDO_OK)
    return (void *)rc;
  if ((rc = stor_put(t, STOR_SUBJECTS, S("x"), S("new"))) != CREDO_OK) {
    stor_txn_abort(t);
    return (void *)rc;
  }
  return (void *)(intptr_t)stor_txn_commit(t);
}

static void test_read_isolation(void **state) {
  fx *f = *state;
  stor_txn *r1, *r2;
  pthread_t th;
  void *res;
  stor_val v;
  uint64_t n;

  assert_non_null(f->env = open_store(f->path, 0, 1));
  put1(f->env, STOR_SUBJECTS, "a", "old");
  assert_int_equal(stor_txn_begin(f->env, 0, &r1), CREDO_OK);
  /* the writer runs in another thread: this one holds a read txn */
  assert_int_equal(pthread_create(&th, NULL, put_x, f->env), 0);
  assert_int_equal(pthread_join(th, &res), 0);
  assert_int_equal((intptr_t)res, CREDO_OK);
  assert_int_equal(stor_get(r1, STOR_SUBJECTS, S("x"), &v), CREDO_NOTFOUND);
  assert_int_equal(stor_count(r1, STOR_SUBJECTS, &n), CREDO_OK);
  assert_int_equal(n, 1);
  assert_int_equal(stor_txn_begin(f->env, 0, &r2), CREDO_OK);
  assert_int_equal(stor_get(r2, STOR_SUBJECTS, S("x"), &v), CREDO_OK);
  assert_true(val_is(v, "new"));
  stor_txn_abort(r2);
  /* still the old snapshot */
  assert_int_equal(stor_get(r1, STOR_SUBJECTS, S("x"), &v), CREDO_NOTFOUND);
  stor_txn_abort(r1);
}

static void test_abort_discards(void **state) {
  fx *f = *state;
  stor_txn *t;
  stor_val v;

  assert_non_null(f->env = open_store(f->path, 0, 1));
  put1(f->env, STOR_SUBJECTS, "keep", "1");
  assert_int_equal(stor_txn_begin(f->env, 1, &t), CREDO_OK);
  assert_int_equal(stor_put(t, STOR_SUBJECTS, S("gone"), S("2")), CREDO_OK);
  assert_int_equal(stor_del(t, STOR_SUBJECTS, S("keep")), CREDO_OK);
  stor_txn_abort(t);
  stor_txn_abort(NULL);
  assert_int_equal(stor_txn_begin(f->env, 0, &t), CREDO_OK);
  assert_int_equal(stor_get(t, STOR_SUBJECTS, S("gone"), &v), CREDO_NOTFOUND);
  assert_int_equal(stor_get(t, STOR_SUBJECTS, S("keep"), &v), CREDO_OK);
  stor_txn_abort(t);
}

static void test_reopen(void **state) {
  fx *f = *state;
  stor_txn *t;
  stor_val v;
  struct stat st;
  char data[700];

  assert_non_null(f->env = open_store(f->path, 0, 0)); /* synced */
  put1(f->env, STOR_TYPES, "penalty", "P");
  stor_close(f->env);
  snprintf(data, sizeof data, "%s/data.mdb", f->path);
  assert_int_equal(stat(data, &st), 0);
  snprintf(data, sizeof data, "%s/lock.mdb", f->path);
  assert_int_equal(stat(data, &st), 0);
  assert_non_null(f->env = open_store(f->path, 0, 0));
  assert_int_equal(stor_format_version(f->env), STOR_FORMAT_VERSION);
  assert_int_equal(stor_txn_begin(f->env, 0, &t), CREDO_OK);
  assert_int_equal(stor_get(t, STOR_TYPES, S("penalty"), &v), CREDO_OK);
  assert_true(val_is(v, "P"));
  stor_txn_abort(t);
  /* readahead is an open-time choice only: the same data either way */
  stor_close(f->env);
  stor_options o = {.readahead = 1};
  assert_int_equal(stor_open(f->path, &o, &f->env, NULL, 0), CREDO_OK);
  assert_int_equal(stor_txn_begin(f->env, 0, &t), CREDO_OK);
  assert_int_equal(stor_get(t, STOR_TYPES, S("penalty"), &v), CREDO_OK);
  assert_true(val_is(v, "P"));
  stor_txn_abort(t);
}

static void test_format_version(void **state) {
  fx *f = *state;
  static const unsigned char v7[4] = {0, 0, 0, 7}, bad[3] = {0, 0, 1};
  stor_env *env = (stor_env *)1;
  stor_txn *t;
  stor_val v;
  char err[256];

  assert_non_null(f->env = open_store(f->path, 0, 1));
  assert_int_equal(stor_txn_begin(f->env, 0, &t), CREDO_OK);
  assert_int_equal(stor_get(t, STOR_META, S("format_version"), &v), CREDO_OK);
  assert_int_equal(v.len, 4);
  assert_int_equal(stor_dec_u32(v.data), STOR_FORMAT_VERSION);
  stor_txn_abort(t);

  /* a newer format is refused, with a message that says what to do */
  assert_int_equal(stor_txn_begin(f->env, 1, &t), CREDO_OK);
  assert_int_equal(
      stor_put(t, STOR_META, S("format_version"), (stor_val){v7, 4}), CREDO_OK);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
  stor_close(f->env);
  f->env = NULL;
  assert_int_equal(stor_open(f->path, NULL, &env, err, sizeof err),
                   CREDO_FORMAT);
  assert_null(env);
  assert_non_null(strstr(err, "store format 7 is newer than this build "
                              "supports (3); upgrade credo"));
  assert_non_null(strstr(err, f->path));

  /* a malformed one is corruption (on a fresh store) */
  nftw(f->path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  assert_non_null(f->env = open_store(f->path, 0, 1));
  assert_int_equal(stor_txn_begin(f->env, 1, &t), CREDO_OK);
  assert_int_equal(
      stor_put(t, STOR_META, S("format_version"), (stor_val){bad, 3}),
      CREDO_OK);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
  stor_close(f->env);
  f->env = NULL;
  assert_int_equal(stor_open(f->path, NULL, &env, err, sizeof err),
                   CREDO_CORRUPT);
  assert_null(env);
  assert_non_null(strstr(err, "format version"));
}

/* ----------------------------------------------------------- checksums */

static void put_three(fx *f, const char *middle_key, const char *middle_val) {
  stor_txn *t;

  assert_non_null(f->env = open_store(f->path, 0, 1));
  assert_int_equal(stor_txn_begin(f->env, 1, &t), CREDO_OK);
  assert_int_equal(stor_put(t, STOR_SUBJECTS, S("aaa"), S("first")), CREDO_OK);
  assert_int_equal(stor_put(t, STOR_SUBJECTS, S(middle_key), S(middle_val)),
                   CREDO_OK);
  assert_int_equal(stor_put(t, STOR_SUBJECTS, S("zzz"), S("last")), CREDO_OK);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
  stor_close(f->env);
  f->env = NULL;
}

/* A flipped bit in a value is never handed out: get and cursors say
 * CREDO_CORRUPT naming table and key, and a walk goes on past it. */
static void test_checksum_value_flip(void **state) {
  fx *f = *state;
  stor_cursor *c;
  stor_txn *t;
  stor_val k, v;
  char what[256];

  put_three(f, "mmm", "{\"n\":2443}");
  assert_int_equal(th_flip_store(f->path, "n\":2443", 0), 1); /* n -> o */
  assert_non_null(f->env = open_store(f->path, 0, 1));
  assert_int_equal(stor_txn_begin(f->env, 0, &t), CREDO_OK);
  assert_int_equal(stor_get(t, STOR_SUBJECTS, S("mmm"), &v), CREDO_CORRUPT);
  assert_int_equal(stor_corruption_take(what, sizeof what), 1);
  assert_string_equal(what, "checksum mismatch in table subjects, key 6d6d6d");
  assert_int_equal(stor_corruption_take(what, sizeof what), 0);
  assert_int_equal(stor_get(t, STOR_SUBJECTS, S("aaa"), &v), CREDO_OK);
  assert_true(val_is(v, "first"));

  assert_int_equal(stor_cursor_open(t, STOR_SUBJECTS, &c), CREDO_OK);
  assert_int_equal(stor_cursor_first(c, &k, &v), CREDO_OK);
  assert_int_equal(stor_cursor_next(c, &k, &v), CREDO_CORRUPT);
  assert_true(val_is(k, "mmm"));
  assert_int_equal(v.len, 0);
  assert_int_equal(stor_cursor_next(c, &k, &v), CREDO_OK);
  assert_true(val_is(v, "last"));
  stor_cursor_close(c);
  stor_txn_abort(t);
}

/* A flipped bit in a key is caught too (the sum covers the key). */
static void test_checksum_key_flip(void **state) {
  fx *f = *state;
  stor_cursor *c;
  stor_txn *t;
  stor_val k, v;
  int bad = 0, good = 0, rc;

  put_three(f, "KEYQ", "middle");
  assert_int_equal(th_flip_store(f->path, "KEYQ", 1), 1); /* K -> I */
  assert_non_null(f->env = open_store(f->path, 0, 1));
  assert_int_equal(stor_txn_begin(f->env, 0, &t), CREDO_OK);
  assert_int_equal(stor_cursor_open(t, STOR_SUBJECTS, &c), CREDO_OK);
  for (rc = stor_cursor_first(c, &k, &v); rc != CREDO_NOTFOUND;
       rc = stor_cursor_next(c, &k, &v))
    rc == CREDO_OK ? good++ : bad++;
  assert_int_equal(good, 2);
  assert_int_equal(bad, 1);
  stor_cursor_close(c);
  stor_txn_abort(t);
  assert_int_equal(stor_corruption_take(NULL, 0), 1);
}

/* ----------------------------------------------------------- map growth */

#define VLEN 2000

static void test_growth_big_txn(void **state) {
  fx *f = *state;
  enum { N = 12500 }; /* 25 MB of values in one transaction */
  static unsigned char buf[VLEN];
  uint64_t map, used, i, next = 1, n;
  stor_cursor *c;
  stor_stats st;
  stor_txn *t;
  stor_key k;
  stor_val key, v;

  assert_non_null(f->env = open_store(f->path, 64 * KIB, 1));
  assert_int_equal(stor_space(f->env, &map, &used), CREDO_OK);
  assert_true(map <= 64 * KIB);
  assert_true(used <= map);

  assert_int_equal(stor_txn_begin(f->env, 1, &t), CREDO_OK);
  fill_val(buf, 0, VLEN);
  assert_int_equal(
      stor_put_new(t, STOR_EVENTS, U64(&k, 0), (stor_val){buf, VLEN}),
      CREDO_OK);
  assert_int_equal(stor_cursor_open(t, STOR_EVENTS, &c), CREDO_OK);
  assert_int_equal(stor_cursor_first(c, &key, &v), CREDO_OK);
  assert_int_equal(stor_dec_u64(key.data), 0);
  for (i = 1; i < N; i++) {
    fill_val(buf, i, VLEN);
    assert_int_equal(
        stor_put_new(t, STOR_EVENTS, U64(&k, i), (stor_val){buf, VLEN}),
        CREDO_OK);
    if (i % 100 == 0) {
      /* a value read from the map, written back: must survive a remap */
      assert_int_equal(stor_get(t, STOR_EVENTS, U64(&k, i / 2), &v), CREDO_OK);
      assert_int_equal(stor_put(t, STOR_VERSIONS, U64(&k, i / 2), v), CREDO_OK);
    }
    if (i % 500 == 0) { /* the cursor walks along across growths */
      assert_int_equal(stor_cursor_next(c, &key, &v), CREDO_OK);
      assert_int_equal(key.len, 8);
      assert_int_equal(stor_dec_u64(key.data), next);
      assert_true(check_val(v, next, VLEN));
      next++;
    }
  }
  stor_get_stats(f->env, &st);
  assert_true(st.grows > 0);
  assert_true(st.replays > 0);
  /* prev from where the cursor is, after the last replay */
  assert_int_equal(stor_cursor_prev(c, &key, NULL), CREDO_OK);
  assert_int_equal(stor_dec_u64(key.data), next - 2);
  stor_cursor_close(c);
  assert_int_equal(stor_count(t, STOR_EVENTS, &n), CREDO_OK);
  assert_int_equal(n, N);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
  assert_int_equal(stor_space(f->env, &map, &used), CREDO_OK);
  assert_true(map >= (uint64_t)N * VLEN);
  assert_true(used <= map);
}

/* Verifies EVENTS holds exactly 0..n-1 with their values, and VERSIONS
 * copies of EVENTS entries. */
static void verify_events(stor_env *env, uint64_t n) {
  stor_cursor *c;
  stor_txn *t;
  stor_val key, v;
  uint64_t i = 0, id;
  int rc;

  assert_int_equal(stor_txn_begin(env, 0, &t), CREDO_OK);
  assert_int_equal(stor_cursor_open(t, STOR_EVENTS, &c), CREDO_OK);
  for (rc = stor_cursor_first(c, &key, &v); rc == CREDO_OK;
       rc = stor_cursor_next(c, &key, &v), i++) {
    assert_int_equal(stor_dec_u64(key.data), i);
    assert_true(check_val(v, i, VLEN));
  }
  assert_int_equal(rc, CREDO_NOTFOUND);
  assert_int_equal(i, n);
  stor_cursor_close(c);
  assert_int_equal(stor_cursor_open(t, STOR_VERSIONS, &c), CREDO_OK);
  for (rc = stor_cursor_first(c, &key, &v); rc == CREDO_OK;
       rc = stor_cursor_next(c, &key, &v)) {
    id = stor_dec_u64(key.data);
    assert_true(check_val(v, id, VLEN));
  }
  stor_cursor_close(c);
  stor_txn_abort(t);
}

static void test_growth_many_txns(void **state) {
  fx *f = *state;
  enum { PER = 125, NTXN = 200 }; /* 25 MB in 200 transactions */
  static unsigned char buf[VLEN];
  stor_stats st;
  stor_txn *t;
  stor_key k;
  uint64_t i = 0, map, map2;
  int j, x;

  assert_non_null(f->env = open_store(f->path, 64 * KIB, 1));
  for (j = 0; j < NTXN; j++) {
    assert_int_equal(stor_txn_begin(f->env, 1, &t), CREDO_OK);
    for (x = 0; x < PER; x++, i++) {
      fill_val(buf, i, VLEN);
      assert_int_equal(
          stor_put_new(t, STOR_EVENTS, U64(&k, i), (stor_val){buf, VLEN}),
          CREDO_OK);
    }
    assert_int_equal(stor_txn_commit(t), CREDO_OK);
  }
  stor_get_stats(f->env, &st);
  assert_true(st.grows > 0);
  verify_events(f->env, i);
  assert_int_equal(stor_space(f->env, &map, NULL), CREDO_OK);
  assert_true(map >= (uint64_t)PER * NTXN * VLEN);
  stor_close(f->env);
  /* after reopen with a tiny map asked: the store keeps its grown size */
  assert_non_null(f->env = open_store(f->path, 64 * KIB, 1));
  assert_int_equal(stor_space(f->env, &map2, NULL), CREDO_OK);
  assert_true(map2 >= map);
  verify_events(f->env, i);
}

/* Big transaction then reopen: what was committed across replays stays. */
static void test_growth_reopen(void **state) {
  fx *f = *state;

  test_growth_big_txn(state);
  verify_events(f->env, 12500);
  stor_close(f->env);
  assert_non_null(f->env = open_store(f->path, 64 * KIB, 1));
  verify_events(f->env, 12500);
}

/* Every put copies a value just read from the store (so it points into the
 * map or into a page of this transaction) while the map keeps filling: the
 * put that hits the full map must still write the right bytes. */
static void test_put_value_from_map(void **state) {
  fx *f = *state;
  enum { N = 300, LEN = 3000 };
  static unsigned char buf[LEN];
  stor_stats st;
  stor_txn *t;
  stor_key k;
  stor_val v;
  uint64_t i;

  assert_non_null(f->env = open_store(f->path, 64 * KIB, 1));
  assert_int_equal(stor_txn_begin(f->env, 1, &t), CREDO_OK);
  fill_val(buf, 0, LEN);
  assert_int_equal(stor_put(t, STOR_EVENTS, U64(&k, 0), (stor_val){buf, LEN}),
                   CREDO_OK);
  for (i = 1; i < N; i++) {
    assert_int_equal(stor_get(t, STOR_EVENTS, U64(&k, i - 1), &v), CREDO_OK);
    assert_int_equal(stor_put(t, STOR_EVENTS, U64(&k, i), v), CREDO_OK);
  }
  stor_get_stats(f->env, &st);
  assert_true(st.replays > 0);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
  assert_int_equal(stor_txn_begin(f->env, 0, &t), CREDO_OK);
  for (i = 0; i < N; i++) {
    assert_int_equal(stor_get(t, STOR_EVENTS, U64(&k, i), &v), CREDO_OK);
    assert_true(check_val(v, 0, LEN));
  }
  stor_txn_abort(t);
}

/* A cursor whose key was deleted before a replay resumes beside it. */
static void test_cursor_reseat_deleted(void **state) {
  fx *f = *state;
  static unsigned char buf[VLEN];
  stor_cursor *c, *fresh;
  stor_stats st0, st1;
  stor_txn *t;
  stor_key k;
  stor_val key;
  uint64_t i;

  assert_non_null(f->env = open_store(f->path, 64 * KIB, 1));
  assert_int_equal(stor_txn_begin(f->env, 1, &t), CREDO_OK);
  for (i = 0; i < 10; i++)
    assert_int_equal(stor_put(t, STOR_EVENTS, U64(&k, i), S("v")), CREDO_OK);
  assert_int_equal(stor_cursor_open(t, STOR_EVENTS, &c), CREDO_OK);
  assert_int_equal(stor_cursor_open(t, STOR_EVENTS, &fresh), CREDO_OK);
  assert_int_equal(stor_cursor_seek(c, U64(&k, 5), &key, NULL), CREDO_OK);
  assert_int_equal(stor_del(t, STOR_EVENTS, U64(&k, 5)), CREDO_OK);
  stor_get_stats(f->env, &st0);
  for (i = 0; i < 200; i++) { /* 400 KB: several growths of a 64 KiB map */
    fill_val(buf, i, VLEN);
    assert_int_equal(
        stor_put(t, STOR_VERSIONS, U64(&k, i), (stor_val){buf, VLEN}),
        CREDO_OK);
  }
  stor_get_stats(f->env, &st1);
  assert_true(st1.replays > st0.replays);
  assert_int_equal(stor_cursor_next(c, &key, NULL), CREDO_OK);
  assert_int_equal(stor_dec_u64(key.data), 6);
  assert_int_equal(stor_cursor_prev(c, &key, NULL), CREDO_OK);
  assert_int_equal(stor_dec_u64(key.data), 4);
  /* a cursor opened before the growth and never positioned */
  assert_int_equal(stor_cursor_last(fresh, &key, NULL), CREDO_OK);
  assert_int_equal(stor_dec_u64(key.data), 9);
  stor_cursor_close(fresh);
  stor_cursor_close(c);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
}

/* ------------------------------------------- readers beside a growing map */

enum { RW_TXNS = 150, RW_PER = 20, RW_VLEN = 1000 };

/* One writer commit: RW_PER entries more, and the counter. */
static int rw_commit(stor_env *env, uint64_t *total) {
  static unsigned char buf[RW_VLEN];
  stor_txn *t;
  stor_key k, cnt;
  int rc = CREDO_OK, x;

  if ((rc = stor_txn_begin(env, 1, &t)) != CREDO_OK)
    return rc;
  for (x = 0; x < RW_PER && rc == CREDO_OK; x++, (*total)++) {
    fill_val(buf, *total, RW_VLEN);
    rc = stor_put(t, STOR_EVENTS, U64(&k, *total), (stor_val){buf, RW_VLEN});
  }
  if (rc == CREDO_OK)
    rc = stor_put(t, STOR_META, S("counter"), U64(&cnt, *total));
  if (rc != CREDO_OK) {
    stor_txn_abort(t);
    return rc;
  }
  return stor_txn_commit(t);
}

/* One reader snapshot: the counter must equal the number of entries and
 * the last entry must be counter - 1. Returns the counter, or -1. */
static int64_t rw_check(stor_env *env) {
  stor_cursor *c = NULL;
  stor_txn *t;
  stor_val v, key;
  uint64_t counter = 0, n = 0;
  int64_t res = -1;
  int rc;

  if (stor_txn_begin(env, 0, &t) != CREDO_OK)
    return -1;
  rc = stor_get(t, STOR_META, S("counter"), &v);
  if (rc == CREDO_OK && v.len == 8)
    counter = stor_dec_u64(v.data);
  else if (rc != CREDO_NOTFOUND)
    goto done;
  if (stor_count(t, STOR_EVENTS, &n) != CREDO_OK || n != counter)
    goto done;
  if (counter > 0) {
    if (stor_cursor_open(t, STOR_EVENTS, &c) != CREDO_OK ||
        stor_cursor_last(c, &key, &v) != CREDO_OK ||
        stor_dec_u64(key.data) != counter - 1 ||
        !check_val(v, counter - 1, RW_VLEN))
      goto done;
  }
  res = (int64_t)counter;
done:
  stor_cursor_close(c);
  stor_txn_abort(t);
  return res;
}

static int child_reader(const char *path, int ready_fd) {
  uint64_t final = (uint64_t)RW_TXNS * RW_PER;
  stor_stats st;
  stor_env *env;
  int64_t seen;
  long snaps = 0;

  alarm(60); /* a guard against hanging the suite, not a timing check */
  if (!(env = open_store(path, 64 * KIB, 1)))
    return 2;
  if (rw_check(env) < 0)
    return 3;
  if (write(ready_fd, "R", 1) != 1)
    return 2;
  do {
    if ((seen = rw_check(env)) < 0) {
      fprintf(stderr, "child: inconsistent snapshot\n");
      return 1;
    }
    snaps++;
  } while ((uint64_t)seen != final);
  stor_get_stats(env, &st);
  stor_close(env);
  /* reaching the final snapshot needed the map the parent grew */
  return st.adopts > 0 ? 0 : 4;
}

static void test_fork_reader(void **state) {
  fx *f = *state;
  uint64_t total = 0;
  int fds[2], status, j;
  char c;
  pid_t pid;

  /* create the store, then let go of it before forking */
  assert_non_null(f->env = open_store(f->path, 64 * KIB, 1));
  stor_close(f->env);
  f->env = NULL;
  assert_int_equal(pipe(fds), 0);
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    _exit(child_reader(f->path, fds[1]));
  }
  close(fds[1]);
  assert_int_equal(read(fds[0], &c, 1), 1);
  close(fds[0]);
  assert_non_null(f->env = open_store(f->path, 64 * KIB, 1));
  for (j = 0; j < RW_TXNS; j++)
    assert_int_equal(rw_commit(f->env, &total), CREDO_OK);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

/* Another process grows the store far past this env's map; the next write
 * here must adopt the larger map, invisibly. */
static void test_fork_writer_adopt(void **state) {
  fx *f = *state;
  uint64_t total = 0, mine = 0, map;
  int status, j;
  pid_t pid;

  assert_non_null(f->env = open_store(f->path, 64 * KIB, 1));
  assert_int_equal(stor_space(f->env, &map, NULL), CREDO_OK);
  assert_true(map <= 64 * KIB);
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) { /* never touches the parent's env */
    stor_env *env = open_store(f->path, 64 * KIB, 1);
    for (j = 0; env && j < RW_TXNS; j++)
      if (rw_commit(env, &total) != CREDO_OK)
        _exit(1);
    stor_close(env);
    _exit(env ? 0 : 2);
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  total = (uint64_t)RW_TXNS * RW_PER;
  assert_int_equal(rw_check(f->env), (int64_t)total); /* reader adopts */
  mine = total;
  assert_int_equal(rw_commit(f->env, &mine), CREDO_OK); /* writer too */
  assert_int_equal(rw_check(f->env), (int64_t)mine);
  assert_int_equal(stor_space(f->env, &map, NULL), CREDO_OK);
  assert_true(map >= total * RW_VLEN);
}

typedef struct rw_shared {
  stor_env *env;
  volatile int done;
  int bad;
  long snaps;
} rw_shared;

static void *reader_thread(void *arg) {
  rw_shared *s = arg;
  long snaps = 0;
  int last;

  do {
    last = __atomic_load_n(&s->done, __ATOMIC_ACQUIRE);
    if (rw_check(s->env) < 0)
      __atomic_store_n(&s->bad, 1, __ATOMIC_RELEASE);
    snaps++;
  } while (!last);
  __atomic_add_fetch(&s->snaps, snaps, __ATOMIC_RELAXED);
  return NULL;
}

static void test_thread_readers(void **state) {
  fx *f = *state;
  rw_shared s = {0};
  pthread_t th[4];
  stor_stats st;
  uint64_t total = 0;
  int i, j;

  assert_non_null(f->env = open_store(f->path, 64 * KIB, 1));
  s.env = f->env;
  for (i = 0; i < 4; i++)
    assert_int_equal(pthread_create(&th[i], NULL, reader_thread, &s), 0);
  for (j = 0; j < RW_TXNS; j++)
    assert_int_equal(rw_commit(f->env, &total), CREDO_OK);
  __atomic_store_n(&s.done, 1, __ATOMIC_RELEASE);
  for (i = 0; i < 4; i++)
    assert_int_equal(pthread_join(th[i], NULL), 0);
  assert_false(s.bad);
  assert_true(s.snaps >= 4);
  assert_int_equal(rw_check(f->env), (int64_t)total);
  stor_get_stats(f->env, &st);
  assert_true(st.grows > 0);
}

/* ------------------------------------------------------ stale readers */

/* Forks a child that opens the store, begins a read transaction if
 * `reading`, says "R" and waits: for SIGKILL, or for `hold_fd` to close.
 * The child closes `other_fd` (the parent's end of that pipe). */
static pid_t spawn_opener(const char *path, int reading, int hold_fd,
                          int other_fd) {
  int fds[2];
  char c;
  pid_t pid;

  if (pipe(fds) != 0)
    return -1;
  fflush(NULL);
  if ((pid = fork()) == 0) {
    stor_env *env = open_store(path, 0, 1);
    stor_txn *t;
    close(fds[0]);
    close(other_fd);
    if (!env || (reading && stor_txn_begin(env, 0, &t) != CREDO_OK))
      _exit(2);
    if (write(fds[1], "R", 1) != 1)
      _exit(2);
    if (hold_fd >= 0 && read(hold_fd, &c, 1) == 0) /* until closed */
      _exit(0);
    for (;;)
      pause();
  }
  close(fds[1]);
  if (pid > 0 && read(fds[0], &c, 1) != 1)
    pid = -1;
  close(fds[0]);
  return pid;
}

static void test_stale_reader(void **state) {
  fx *f = *state;
  stor_stats st;
  unsigned n = 0;
  int hold[2], status;
  pid_t reader, holder;

  assert_non_null(f->env = open_store(f->path, 0, 1));
  put1(f->env, STOR_META, "k", "v");
  stor_close(f->env);
  f->env = NULL;
  /* A holder keeps the store open throughout, as a server would: without
   * one, LMDB resets the whole reader table at the next open anyway. */
  assert_int_equal(pipe(hold), 0);
  holder = spawn_opener(f->path, 0, hold[0], hold[1]);
  assert_true(holder > 0);
  close(hold[0]);
  reader = spawn_opener(f->path, 1, -1, hold[1]);
  assert_true(reader > 0);
  /* while the reader lives its slot is in use */
  assert_non_null(f->env = open_store(f->path, 0, 1));
  stor_get_stats(f->env, &st);
  assert_int_equal(st.stale_cleared, 0);
  assert_int_equal(stor_readers(f->env, &n), CREDO_OK);
  assert_int_equal(n, 1);
  stor_close(f->env);
  f->env = NULL;
  assert_int_equal(kill(reader, SIGKILL), 0);
  assert_int_equal(waitpid(reader, &status, 0), reader);
  assert_true(WIFSIGNALED(status));
  /* the next open clears the dead process's slot */
  assert_non_null(f->env = open_store(f->path, 0, 1));
  stor_get_stats(f->env, &st);
  assert_int_equal(st.stale_cleared, 1);
  assert_int_equal(stor_readers(f->env, &n), CREDO_OK);
  assert_int_equal(n, 0);
  close(hold[1]);
  assert_int_equal(waitpid(holder, &status, 0), holder);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

/* ----------------------------------------------------- open modes */

static void test_readonly(void **state) {
  fx *f = *state;
  stor_options o = {0};
  stor_env *env = NULL;
  stor_txn *t = (stor_txn *)1;
  stor_val v;
  char err[256], missing[700];

  assert_non_null(f->env = open_store(f->path, 0, 1));
  put1(f->env, STOR_SUBJECTS, "s", "1");
  stor_close(f->env);
  f->env = NULL;
  o.readonly = 1;
  assert_int_equal(stor_open(f->path, &o, &f->env, err, sizeof err), CREDO_OK);
  assert_int_equal(stor_txn_begin(f->env, 1, &t), CREDO_READONLY);
  assert_null(t);
  assert_int_equal(stor_txn_begin(f->env, 0, &t), CREDO_OK);
  assert_int_equal(stor_get(t, STOR_SUBJECTS, S("s"), &v), CREDO_OK);
  stor_txn_abort(t);
  /* read-only on nothing */
  snprintf(missing, sizeof missing, "%s/missing", f->dir);
  assert_int_equal(stor_open(missing, &o, &env, NULL, 0), CREDO_NOTFOUND);
  assert_null(env);
  /* read-only on an empty directory */
  assert_int_equal(stor_open(f->dir, &o, &env, err, sizeof err),
                   CREDO_NOTFOUND);
  assert_null(env);
}

static void test_nocreate(void **state) {
  fx *f = *state;
  stor_options o = {0};
  stor_env *env = (stor_env *)1;
  struct stat st;
  char err[256] = "";

  o.nocreate = 1;
  assert_int_equal(stor_open(f->path, &o, &env, err, sizeof err),
                   CREDO_NOTFOUND);
  assert_null(env);
  assert_non_null(strstr(err, f->path));
  assert_int_equal(stat(f->path, &st), -1); /* nothing created */
  /* and with the store there, nocreate opens it */
  assert_non_null(f->env = open_store(f->path, 0, 1));
  stor_close(f->env);
  f->env = NULL;
  assert_int_equal(stor_open(f->path, &o, &f->env, err, sizeof err), CREDO_OK);
}

static void test_open_errors(void **state) {
  fx *f = *state;
  stor_env *env = NULL;
  char err[256], file[700];
  FILE *fp;

  assert_int_equal(stor_open("", NULL, &env, err, sizeof err), CREDO_INVALID);
  assert_int_equal(stor_open(NULL, NULL, &env, err, sizeof err), CREDO_INVALID);
  /* a file where the directory should be */
  snprintf(file, sizeof file, "%s/file", f->dir);
  assert_non_null(fp = fopen(file, "w"));
  fclose(fp);
  assert_int_equal(stor_open(file, NULL, &env, err, sizeof err), CREDO_INVALID);
  assert_null(env);
  /* a data.mdb that is not LMDB */
  mkdir(f->path, 0700);
  snprintf(file, sizeof file, "%s/data.mdb", f->path);
  assert_non_null(fp = fopen(file, "w"));
  fputs("this is not a store, but it is long enough to have a header..."
        "................................................................",
        fp);
  fclose(fp);
  assert_int_not_equal(stor_open(f->path, NULL, &env, err, sizeof err),
                       CREDO_OK);
  assert_null(env);
  assert_non_null(strstr(err, f->path));
  /* nested directories are created */
  snprintf(file, sizeof file, "%s/a/b/c", f->dir);
  assert_non_null(f->env = open_store(file, 0, 1));
}

/* ------------------------------------------------------------- copies */

typedef struct copy_writer {
  stor_env *env;
  volatile int stop;
  uint64_t total;
  int rc;
  int commits;
} copy_writer;

static void *copy_writer_thread(void *arg) {
  copy_writer *w = arg;

  /* at least a few commits overlap the copy; at most a bounded number */
  while (w->commits < 5 ||
         (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE) && w->commits < 2000)) {
    if ((w->rc = rw_commit(w->env, &w->total)) != CREDO_OK)
      break;
    w->commits++;
  }
  return NULL;
}

static void test_copy_live(void **state) {
  fx *f = *state;
  copy_writer w = {0};
  char dest[700], dest2[700];
  stor_options o = {0};
  stor_env *copy = NULL;
  pthread_t th;
  int64_t seen;
  int j;

  assert_non_null(f->env = open_store(f->path, 0, 1));
  w.env = f->env;
  for (j = 0; j < 10; j++)
    assert_int_equal(rw_commit(f->env, &w.total), CREDO_OK);
  assert_int_equal(pthread_create(&th, NULL, copy_writer_thread, &w), 0);
  snprintf(dest, sizeof dest, "%s/backup/one", f->dir);
  assert_int_equal(stor_copy(f->env, dest), CREDO_OK);
  __atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
  assert_int_equal(pthread_join(th, NULL), 0);
  assert_int_equal(w.rc, CREDO_OK);

  /* the copy is one consistent snapshot from between the two ends */
  o.readonly = 1;
  assert_int_equal(stor_open(dest, &o, &copy, NULL, 0), CREDO_OK);
  seen = rw_check(copy);
  assert_true(seen >= 10 * RW_PER);
  assert_true(seen <= (int64_t)w.total);
  stor_close(copy);

  /* never over an existing copy */
  assert_int_equal(stor_copy(f->env, dest), CREDO_EXISTS);
  /* a quiet copy holds exactly the data */
  snprintf(dest2, sizeof dest2, "%s/backup/two", f->dir);
  assert_int_equal(stor_copy(f->env, dest2), CREDO_OK);
  assert_int_equal(stor_open(dest2, NULL, &copy, NULL, 0), CREDO_OK);
  assert_int_equal(rw_check(copy), (int64_t)w.total);
  stor_close(copy);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_point_ops, setup, teardown),
      cmocka_unit_test(test_table_names),
      cmocka_unit_test_setup_teardown(test_cursors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_count, setup, teardown),
      cmocka_unit_test_setup_teardown(test_get_one_field_key, setup, teardown),
      cmocka_unit_test_setup_teardown(test_read_isolation, setup, teardown),
      cmocka_unit_test_setup_teardown(test_abort_discards, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
      cmocka_unit_test_setup_teardown(test_format_version, setup, teardown),
      cmocka_unit_test_setup_teardown(test_checksum_value_flip, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_checksum_key_flip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_growth_big_txn, setup, teardown),
      cmocka_unit_test_setup_teardown(test_growth_many_txns, setup, teardown),
      cmocka_unit_test_setup_teardown(test_growth_reopen, setup, teardown),
      cmocka_unit_test_setup_teardown(test_put_value_from_map, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cursor_reseat_deleted, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_fork_reader, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fork_writer_adopt, setup, teardown),
      cmocka_unit_test_setup_teardown(test_thread_readers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stale_reader, setup, teardown),
      cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
      cmocka_unit_test_setup_teardown(test_nocreate, setup, teardown),
      cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_copy_live, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
