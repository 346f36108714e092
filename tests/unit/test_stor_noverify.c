/*
 * test_stor_noverify.c -- storage's unverified read mode
 * (stor_cursor_open_flags with STOR_CUR_NOVERIFY, storage/stor.h): a
 * value damaged on disk is refused (CREDO_CORRUPT) by stor_get and by an
 * ordinary cursor, and handed out as stored (damage included, checksum
 * stripped) by a NOVERIFY cursor, which leaves checking to the value's
 * own sums; the cursor does not carry the mode over to the next cursor
 * opened on the same table (cursors are reused); unknown flags are
 * refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "stor.h"
#include "th.h"

#define VALUE "a-projection-segment-stand-in"

static void test_noverify(void **state) {
  (void)state;
  char *dir = th_tmpdir("noverify");
  stor_env *env = NULL;
  stor_txn *t = NULL;
  stor_cursor *c = NULL;
  stor_key k;
  stor_val key, val;
  stor_key_init(&k);
  stor_key_u64(&k, 7);
  assert_int_equal(stor_open(dir, NULL, &env, NULL, 0), CREDO_OK);
  assert_int_equal(stor_txn_begin(env, 1, &t), CREDO_OK);
  assert_int_equal(stor_put(t, STOR_PROJ, stor_key_val(&k),
                            (stor_val){VALUE, sizeof VALUE - 1}),
                   CREDO_OK);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
  stor_close(env);
  assert_int_equal(th_flip_store(dir, VALUE, 0), 1); /* 'a' -> '`' */

  assert_int_equal(stor_open(dir, NULL, &env, NULL, 0), CREDO_OK);
  assert_int_equal(stor_txn_begin(env, 0, &t), CREDO_OK);
  assert_int_equal(stor_get(t, STOR_PROJ, stor_key_val(&k), &val),
                   CREDO_CORRUPT);
  assert_int_equal(stor_cursor_open_flags(t, STOR_PROJ, 0x2u, &c),
                   CREDO_INVALID);
  assert_null(c);
  assert_int_equal(stor_cursor_open_flags(t, STOR_PROJ, STOR_CUR_NOVERIFY, &c),
                   CREDO_OK);
  assert_int_equal(stor_cursor_first(c, &key, &val), CREDO_OK);
  assert_int_equal(val.len, sizeof VALUE - 1); /* the sum stripped */
  assert_memory_equal(val.data, "`-projection", 12);
  stor_cursor_close(c);
  /* the next cursor (the same one, reused) verifies again */
  assert_int_equal(stor_cursor_open(t, STOR_PROJ, &c), CREDO_OK);
  assert_int_equal(stor_cursor_first(c, &key, &val), CREDO_CORRUPT);
  assert_int_equal(val.len, 0);
  stor_cursor_close(c);
  assert_int_equal(stor_corruption_take(NULL, 0), 1);
  stor_txn_abort(t);
  stor_close(env);
  th_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_noverify),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
