/*
 * erase_check.c -- the integrity check of the erasure ledger and of the
 * retention table, called by credo_check (check.c):
 *  - every `erasures` key is an 8-byte event id below META next_event,
 *    its value a tombstone, and the event is gone from `events` and
 *    `versions` (an erased event that is still readable is the one
 *    failure that matters most);
 *  - every `erased_keys` entry has a 33-byte key of kind 1 or 2 and a
 *    value of an id and a tombstone; kind 1 names an erased event (whose
 *    tombstone is in `erasures`), kind 2 the id 0; a store with entries
 *    has META erase_salt;
 *  - every `type_retain` entry names an existing type and holds a valid
 *    duration.
 *
 * Does not: look at what an erasure removed (gone by design) or repair.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "erase.h"

typedef struct lck {
  credo *db;
  stor_txn *txn;
  credo_check_fn fn;
  void *arg;
  uint64_t next_event;
  int stop;
} lck;

#define say(c, ...) eng_check_say((c)->fn, (c)->arg, &(c)->stop, __VA_ARGS__)

static int present(lck *c, int table, const void *key, size_t n, int *yes) {
  stor_cursor *cur = NULL;
  stor_val k;
  int rc;
  *yes = 0;
  if ((rc = stor_cursor_open(c->txn, table, &cur)) != CREDO_OK)
    return rc;
  rc = stor_cursor_seek(cur, (stor_val){key, n}, &k, NULL);
  *yes = rc == CREDO_OK && k.len >= n && memcmp(k.data, key, n) == 0;
  stor_cursor_close(cur);
  return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
}

static int check_tomb(void *arg, stor_val k, stor_val v) {
  lck *c = arg;
  eng_tomb t;
  uint64_t id;
  int ev, ver, rc;
  if (k.len != 8)
    return say(c, "erasures: a key has %zu bytes, expected 8", k.len), CREDO_OK;
  id = stor_dec_u64(k.data);
  if (eng_tomb_decode(v, &t) != CREDO_OK)
    say(c, "erasures: event %llu: corrupt tombstone", (unsigned long long)id);
  if (c->next_event && id >= c->next_event)
    say(c, "erasures: event %llu is not below META next_event %llu",
        (unsigned long long)id, (unsigned long long)c->next_event);
  if ((rc = present(c, STOR_EVENTS, k.data, 8, &ev)) ||
      (rc = present(c, STOR_VERSIONS, k.data, 8, &ver)))
    return rc;
  if (ev || ver)
    say(c, "erasures: event %llu is erased but still in %s",
        (unsigned long long)id, ev ? "events" : "versions");
  return CREDO_OK;
}

static int check_key(void *arg, stor_val k, stor_val v) {
  lck *c = arg;
  const unsigned char *p = k.data;
  eng_tomb t, mine;
  uint64_t id;
  int rc;
  if (k.len != ENG_ERASED_KEY_LEN ||
      (p[0] != ENG_ERASED_EVENT_KEY && p[0] != ENG_ERASED_SUBJECT_KEY))
    return say(c, "erased_keys: a key of %zu bytes, kind %u", k.len,
               k.len ? p[0] : 0),
           CREDO_OK;
  if (v.len < ENG_ERASED_VAL_ID ||
      eng_tomb_decode(
          (stor_val){(const unsigned char *)v.data + ENG_ERASED_VAL_ID,
                     v.len - ENG_ERASED_VAL_ID},
          &t) != CREDO_OK)
    return say(c, "erased_keys: a corrupt value"), CREDO_OK;
  id = stor_dec_u64(v.data);
  if (p[0] == ENG_ERASED_SUBJECT_KEY && id != 0)
    say(c, "erased_keys: a subject entry names event %llu",
        (unsigned long long)id);
  if (p[0] == ENG_ERASED_EVENT_KEY) {
    rc = eng_tomb_get(c->db, c->txn, id, &mine);
    if (rc == CREDO_NOTFOUND)
      say(c, "erased_keys: event %llu has no tombstone in erasures",
          (unsigned long long)id);
    else if (rc != CREDO_OK && rc != CREDO_CORRUPT) /* corrupt: said above */
      return rc;
  }
  return CREDO_OK;
}

static int check_retain(void *arg, stor_val k, stor_val v) {
  lck *c = arg;
  const eng_type *t;
  credo_duration d;
  uint32_t id;
  if (k.len != 4)
    return say(c, "type_retain: a key has %zu bytes, expected 4", k.len),
           CREDO_OK;
  id = stor_dec_u32(k.data);
  if (eng_type_by_id(c->db, c->txn, id, &t) != CREDO_OK)
    say(c, "type_retain: type id %u does not exist", id);
  if (eng_retain_get(c->db, c->txn, id, &d) != CREDO_OK || d.months < 0 ||
      d.usec < 0)
    say(c, "type_retain: type id %u: corrupt duration", id);
  (void)v;
  return CREDO_OK;
}

/* The ledger's walk: interruptible (eng_run_check). */
#define walk(c, table, fn, n)                                                  \
  eng_check_walk((c)->db, (c)->txn, table, fn, c, &(c)->stop, n)

int eng_erase_check(credo *db, stor_txn *txn, credo_check_fn fn, void *arg,
                    uint64_t *entries) {
  unsigned char salt[ENG_ERASE_SALT_LEN];
  lck c = {db, txn, fn, arg, 0, 0};
  stor_val v;
  uint64_t keys = 0;
  int rc, have;
  *entries = 0;
  if (stor_get(txn, STOR_META, (stor_val){"next_event", 10}, &v) == CREDO_OK &&
      v.len == 8)
    c.next_event = stor_dec_u64(v.data);
  if ((rc = walk(&c, STOR_ERASURES, check_tomb, entries)) ||
      (rc = walk(&c, STOR_ERASED_KEYS, check_key, &keys)) ||
      (rc = walk(&c, STOR_TYPE_RETAIN, check_retain, entries)))
    return rc;
  *entries += keys;
  if (keys && (rc = eng_erase_salt(db, txn, 0, salt, &have)) == CREDO_OK &&
      !have)
    say(&c, "meta: erased_keys has %llu entries but erase_salt is missing",
        (unsigned long long)keys);
  return rc;
}
