/*
 * retain.c -- retention per type (CREATE TYPE ... RETAIN d) and the purge
 * that erases what is due.
 *
 * Owns: the RETAIN duration of a type (STOR_TYPE_RETAIN: type id u32 BE ->
 * [0] format 1 | [1..4) 0 | [4..8) months i32 LE | [8..16) usec i64 LE),
 * the instant an event becomes due (retain_until), and credo_purge, which
 * erases due events in bounded transactions (eng_erase_one, cause
 * retention).
 *
 * Invariants: a type without an entry keeps its records forever; the entry
 * is written with the type and never changes (types are never altered), so
 * the per-handle type cache may hold it. retain_until is computed when
 * asked, from the latest version: a repair that ends publicity early brings
 * the erasure forward; an open window is never due. A purge batch re-checks
 * each event in its write transaction, so an event corrected meanwhile is
 * not erased by a stale decision.
 *
 * Does not: delete anything itself (erase.c), or schedule purges (the
 * server's --purge-interval and `credo purge` call credo_purge).
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "erase.h"

#define RETAIN_LEN 16
#define RETAIN_MONTHS 4
#define RETAIN_USEC 8
#define PURGE_BATCH 1000u

int eng_retain_get(credo *db, stor_txn *txn, uint32_t id, credo_duration *d) {
  stor_key k;
  stor_val v;
  int rc;
  d->months = 0;
  d->usec = 0;
  stor_key_init(&k);
  stor_key_u32(&k, id);
  rc = stor_get(txn, STOR_TYPE_RETAIN, stor_key_val(&k), &v);
  if (rc == CREDO_NOTFOUND)
    return CREDO_OK;
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read type_retain");
  if (v.len != RETAIN_LEN ||
      ((const unsigned char *)v.data)[0] != ENG_RECORD_FORMAT)
    return eng_err(db, CREDO_CORRUPT, "type id %u has a corrupt RETAIN", id);
  d->months =
      (int32_t)eng_get_u32((const unsigned char *)v.data + RETAIN_MONTHS);
  d->usec = (int64_t)eng_get_u64((const unsigned char *)v.data + RETAIN_USEC);
  return CREDO_OK;
}

int eng_retain_put(credo *db, stor_txn *txn, uint32_t id, credo_duration d) {
  unsigned char v[RETAIN_LEN] = {ENG_RECORD_FORMAT};
  stor_key k;
  int rc;
  eng_put_u32(v + RETAIN_MONTHS, (uint32_t)d.months);
  eng_put_u64(v + RETAIN_USEC, (uint64_t)d.usec);
  stor_key_init(&k);
  stor_key_u32(&k, id);
  rc = stor_put(txn, STOR_TYPE_RETAIN, stor_key_val(&k),
                (stor_val){v, sizeof v});
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot store RETAIN");
}

/* Transaction time of event `id`'s first version (v is the latest). */
static int first_recorded(credo *db, stor_txn *txn, uint64_t id,
                          const eng_version *v, credo_time *out) {
  stor_cursor *c = NULL;
  stor_key k;
  stor_val key;
  int rc;
  *out = v->recorded;
  if (v->vno <= 1)
    return CREDO_OK;
  stor_key_init(&k);
  stor_key_u64(&k, id);
  if ((rc = stor_cursor_open(txn, STOR_VERSIONS, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read versions");
  rc = stor_cursor_seek(c, stor_key_val(&k), &key, NULL);
  if (rc == CREDO_OK && key.len == 20 && stor_dec_u64(key.data) == id)
    *out = stor_dec_i64((const unsigned char *)key.data + 8);
  stor_cursor_close(c);
  return rc == CREDO_OK || rc == CREDO_NOTFOUND
             ? CREDO_OK
             : eng_err_stor(db, rc, "cannot read versions");
}

int eng_retain_until(credo *db, stor_txn *txn, const eng_type *t, uint64_t id,
                     const eng_version *v, credo_time *out) {
  credo_time base;
  int stz, rc;
  *out = CREDO_TIME_OPEN;
  if (t->retain.months == 0 && t->retain.usec == 0)
    return CREDO_OK;
  if (t->flags & CREDO_TYPE_NOT_PUBLISHED) {
    if ((rc = first_recorded(db, txn, id, v, &base)) != CREDO_OK)
      return rc;
  } else if ((base = v->public_until) == CREDO_TIME_OPEN)
    return CREDO_OK;
  if ((rc = eng_store_tz(db, txn, &stz)) != CREDO_OK)
    return rc;
  *out = credo_time_add(base, t->retain, stz);
  return CREDO_OK;
}

/* ------------------------------------------------------------- purge */

/* 1 when event `id` (of type `type`) is due at `now`, read in `txn`. */
static int due(credo *db, stor_txn *txn, uint32_t type, uint64_t id,
               credo_time now, int *is_due) {
  const eng_type *t;
  eng_version v;
  credo_time until;
  stor_val val;
  int rc;
  *is_due = 0;
  rc = stor_get_u64(txn, STOR_EVENTS, id, &val);
  if (rc == CREDO_NOTFOUND)
    return CREDO_OK;
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read an event");
  if (eng_version_decode(val, &v) != CREDO_OK)
    return eng_err(db, CREDO_CORRUPT, "event %llu is corrupt",
                   (unsigned long long)id);
  if (v.type_id != type) /* an entry kept for AS OF after a correction */
    return CREDO_OK;
  if ((rc = eng_type_by_id(db, txn, type, &t)) ||
      (rc = eng_retain_until(db, txn, t, id, &v, &until)))
    return rc;
  *is_due = until != CREDO_TIME_OPEN && until <= now;
  return CREDO_OK;
}

/* Up to `max` due ids of type `type` from id *from on, in a read txn;
 * *from moves past the last entry looked at, *end = 1 at the range end. */
static int collect_due(credo *db, uint32_t type, uint64_t *from, credo_time now,
                       uint64_t *ids, unsigned max, unsigned *n, int *end) {
  stor_cursor *c = NULL;
  stor_txn *txn;
  stor_key k;
  stor_val key;
  int owned, rc, ok;
  *n = 0;
  *end = 1;
  if ((rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  stor_key_init(&k);
  stor_key_u32(&k, type);
  stor_key_u64(&k, *from);
  if ((rc = stor_cursor_open(txn, STOR_TYPE_EVENTS, &c)) != CREDO_OK)
    goto done;
  for (rc = stor_cursor_seek(c, stor_key_val(&k), &key, NULL);
       rc == CREDO_OK && key.len == 12 && stor_dec_u32(key.data) == type;
       rc = stor_cursor_next(c, &key, NULL)) {
    uint64_t id = stor_dec_u64((const unsigned char *)key.data + 4);
    if (*n == max) {
      *end = 0;
      break;
    }
    *from = id + 1;
    if ((rc = eng_run_check(db)) || (rc = due(db, txn, type, id, now, &ok)))
      break;
    if (ok)
      ids[(*n)++] = id;
  }
  if (rc == CREDO_NOTFOUND)
    rc = CREDO_OK;
done:
  stor_cursor_close(c);
  eng_read_end(txn, owned);
  return rc;
}

/* Erases the ids still due, in one write transaction. */
static int erase_batch(credo *db, uint32_t type, const uint64_t *ids,
                       unsigned n, credo_time now, uint64_t *erased) {
  stor_txn *txn;
  eng_tomb t = {CREDO_ERASE_RETENTION, 0, db->actor, "retention"};
  int owned, rc, ok;
  if ((rc = eng_write_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = eng_txn_time(db, txn, &t.erased);
  for (unsigned i = 0; i < n && rc == CREDO_OK; i++)
    if ((rc = due(db, txn, type, ids[i], now, &ok)) == CREDO_OK && ok &&
        (rc = eng_erase_one(db, txn, ids[i], &t)) == CREDO_OK)
      ++*erased;
  return eng_write_end(db, txn, owned, rc);
}

/* The ids of the types that have a RETAIN, malloc'ed. */
static int retained_types(credo *db, uint32_t **types, size_t *n) {
  stor_cursor *c = NULL;
  stor_txn *txn;
  stor_val key;
  size_t cap = 0;
  int owned, rc;
  *types = NULL;
  *n = 0;
  if ((rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  if ((rc = stor_cursor_open(txn, STOR_TYPE_RETAIN, &c)) == CREDO_OK)
    for (rc = stor_cursor_first(c, &key, NULL); rc == CREDO_OK;
         rc = stor_cursor_next(c, &key, NULL)) {
      if (*n == cap) {
        uint32_t *p = realloc(*types, (cap = cap ? cap * 2 : 8) * sizeof *p);
        if (!p) {
          rc = eng_err(db, CREDO_NOMEM, "out of memory");
          break;
        }
        *types = p;
      }
      (*types)[(*n)++] = stor_dec_u32(key.data);
    }
  stor_cursor_close(c);
  eng_read_end(txn, owned);
  return rc == CREDO_NOTFOUND || rc == CREDO_OK
             ? CREDO_OK
             : eng_err_stor(db, rc, "cannot read type_retain");
}

static int purge_type(credo *db, uint32_t type, credo_time now, unsigned batch,
                      uint64_t *ids, credo_progress_fn progress, void *arg,
                      uint64_t *erased) {
  uint64_t from = 0;
  unsigned n;
  int rc, end = 0;
  while (!end) {
    if ((rc = collect_due(db, type, &from, now, ids, batch, &n, &end)))
      return rc;
    if (n && (rc = erase_batch(db, type, ids, n, now, erased)))
      return rc;
    if (n && progress && progress(arg, "purge", *erased, 0))
      return eng_err(db, CREDO_CANCELLED, "purge stopped after %llu erasures",
                     (unsigned long long)*erased);
  }
  return CREDO_OK;
}

int eng_purge(credo *db, credo_time now, unsigned batch,
              credo_progress_fn progress, void *arg, uint64_t *erased) {
  uint32_t *types = NULL;
  uint64_t *ids = NULL, count = 0;
  size_t ntypes = 0;
  int rc;
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  eng_run_begin(db);
  db->changes = 0;
  if ((rc = eng_require(db, db->role == CREDO_ROLE_ADMIN, "purge records")))
    return rc;
  if (!db->store)
    return eng_err(db, CREDO_NOTSUP,
                   "purge runs on the server's store "
                   "(credo-server --purge-interval) or on a store directory");
  if (db->txn)
    return eng_err(db, CREDO_TXN,
                   "purge commits in batches: not inside a "
                   "transaction");
  if (now == CREDO_TIME_NOW)
    now = credo_now(db);
  if (!batch)
    batch = PURGE_BATCH;
  if (!(ids = malloc(batch * sizeof *ids)))
    return eng_err(db, CREDO_NOMEM, "out of memory");
  rc = retained_types(db, &types, &ntypes);
  for (size_t i = 0; i < ntypes && rc == CREDO_OK; i++)
    rc = purge_type(db, types[i], now, batch, ids, progress, arg, &count);
  free(types);
  free(ids);
  if (erased)
    *erased = count;
  db->changes = count;
  return rc;
}
