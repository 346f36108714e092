/*
 * ledger.c -- erasures that outlive the file they were made in:
 * re-applying the erasure ledger of one store to another (a backup older
 * than the erasures, restored into service) and the vacuum that rewrites
 * a store so that erased bytes leave the file.
 *
 * Owns: credo_apply_erasures (reads STOR_ERASURES and STOR_ERASED_KEYS of
 * the ledger's store, read-only, beside its users, and erases in the
 * handle's store what they name, with the original tombstones) and
 * credo_vacuum (storage/vacuum.c does the work).
 *
 * Invariants: applying is idempotent and one write transaction; events
 * are matched by id (ids are never reused, and a backup keeps them),
 * subjects by the keyed hash of their id, so the ledger never needs the
 * ids it erased; the two stores must share the hash key (META erase_salt),
 * i.e. one must be a copy of the other.
 *
 * Does not: decide what to erase (erase.c, retain.c).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erase.h"

/* fcntl locks belong to the process, so stor_vacuum cannot see a store
 * this process has open: the registry of open stores can. Its lock is
 * held throughout, so no thread of the process opens the store
 * meanwhile (credo_open waits). */
int credo_vacuum(const char *dir, credo_progress_fn progress, void *arg,
                 char *err, size_t errlen) {
  int rc;
  if (!dir)
    return CREDO_MISUSE;
  eng_reg_lock();
  if (eng_reg_find(dir)) {
    eng_reg_unlock();
    if (err && errlen)
      snprintf(err, errlen,
               "store %s is open in this process: close its handles "
               "before the vacuum",
               dir);
    return CREDO_BUSY;
  }
  rc = stor_vacuum(dir, progress, arg, err, errlen);
  eng_reg_unlock();
  return rc;
}

/* The tombstone after the id in an erased_keys value. */
static int key_tomb(stor_val v, eng_tomb *t) {
  if (v.len < ENG_ERASED_VAL_ID)
    return CREDO_CORRUPT;
  return eng_tomb_decode(
      (stor_val){(const unsigned char *)v.data + ENG_ERASED_VAL_ID,
                 v.len - ENG_ERASED_VAL_ID},
      t);
}

/* Makes the store's hash key the ledger's (CREDO_CONFLICT when another). */
static int adopt_salt(credo *db, stor_txn *w, const unsigned char *salt) {
  unsigned char ours[ENG_ERASE_SALT_LEN];
  int rc, have;
  if ((rc = eng_erase_salt(db, w, 0, ours, &have)) != CREDO_OK)
    return rc;
  if (have)
    return memcmp(ours, salt, ENG_ERASE_SALT_LEN) == 0
               ? CREDO_OK
               : eng_err(db, CREDO_CONFLICT,
                         "the ledger belongs to another store (its hash key "
                         "differs): apply the erasures of the store this "
                         "backup was taken from");
  rc = stor_put(w, STOR_META, (stor_val){"erase_salt", 10},
                (stor_val){salt, ENG_ERASE_SALT_LEN});
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot write the salt");
}

/* Erases again each event of the ledger still in the store. */
static int apply_events(credo *db, stor_txn *r, stor_txn *w, uint64_t *n) {
  stor_cursor *c = NULL;
  stor_val key, val;
  eng_tomb t, mine;
  int rc;
  if ((rc = stor_cursor_open(r, STOR_ERASURES, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the ledger");
  for (rc = stor_cursor_first(c, &key, &val); rc == CREDO_OK;
       rc = stor_cursor_next(c, &key, &val)) {
    uint64_t id = key.len == 8 ? stor_dec_u64(key.data) : 0;
    if (!id || eng_tomb_decode(val, &t) != CREDO_OK) {
      rc = eng_err(db, CREDO_CORRUPT, "corrupt entry in the ledger");
      break;
    }
    if ((rc = eng_tomb_get(db, w, id, &mine)) == CREDO_OK)
      continue; /* erased here already */
    if (rc != CREDO_NOTFOUND)
      break;
    rc = eng_erase_one(db, w, id, &t);
    if (rc == CREDO_OK)
      ++*n;
    else if (rc == CREDO_NOTFOUND) /* recorded after the backup: keep the
                                      tombstone so the id stays refused */
      rc = stor_put(w, STOR_ERASURES, key, val);
    if (rc != CREDO_OK)
      break;
  }
  stor_cursor_close(c);
  return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
}

/* Subjects of the store whose hashed id is a subject entry of the
 * ledger: their ids, malloc'ed. */
static int matching_subjects(credo *db, stor_txn *r, stor_txn *w,
                             const unsigned char *salt, char ***ids,
                             size_t *n) {
  unsigned char hk[ENG_ERASED_KEY_LEN];
  stor_cursor *c = NULL;
  stor_val key, val;
  size_t cap = 0;
  int rc;
  *ids = NULL;
  *n = 0;
  if ((rc = stor_cursor_open(w, STOR_SUBJECTS, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read subjects");
  for (rc = stor_cursor_first(c, &key, NULL); rc == CREDO_OK;
       rc = stor_cursor_next(c, &key, NULL)) {
    eng_erased_key(salt, ENG_ERASED_SUBJECT_KEY, key.data, NULL, NULL, hk);
    if (stor_get(r, STOR_ERASED_KEYS, (stor_val){hk, sizeof hk}, &val) !=
        CREDO_OK)
      continue;
    if (*n == cap) {
      char **p = realloc(*ids, (cap = cap ? cap * 2 : 8) * sizeof *p);
      if (!p) {
        rc = CREDO_NOMEM;
        break;
      }
      *ids = p;
    }
    if (!((*ids)[*n] = strdup(key.data))) {
      rc = CREDO_NOMEM;
      break;
    }
    ++*n;
  }
  stor_cursor_close(c);
  if (rc == CREDO_NOMEM)
    return eng_err(db, rc, "out of memory");
  return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
}

static int apply_subjects(credo *db, stor_txn *r, stor_txn *w,
                          const unsigned char *salt, uint64_t *n) {
  unsigned char hk[ENG_ERASED_KEY_LEN];
  stor_val val;
  eng_tomb t;
  char **ids;
  size_t nids;
  uint64_t m;
  int rc = matching_subjects(db, r, w, salt, &ids, &nids);
  for (size_t i = 0; i < nids; i++) {
    eng_erased_key(salt, ENG_ERASED_SUBJECT_KEY, ids[i], NULL, NULL, hk);
    if (rc == CREDO_OK &&
        (rc = stor_get(r, STOR_ERASED_KEYS, (stor_val){hk, sizeof hk}, &val)) ==
            CREDO_OK &&
        (rc = key_tomb(val, &t)) == CREDO_OK &&
        (rc = eng_erase_subject_in(db, w, ids[i], &t, &m)) == CREDO_OK)
      *n += m;
    free(ids[i]);
  }
  free(ids);
  return rc;
}

/* Copies every erased key, so resends stay refused here too. */
static int copy_keys(credo *db, stor_txn *r, stor_txn *w) {
  stor_cursor *c = NULL;
  stor_val key, val;
  int rc;
  if ((rc = stor_cursor_open(r, STOR_ERASED_KEYS, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the ledger");
  for (rc = stor_cursor_first(c, &key, &val); rc == CREDO_OK;
       rc = stor_cursor_next(c, &key, &val))
    if ((rc = stor_put(w, STOR_ERASED_KEYS, key, val)) != CREDO_OK)
      break;
  stor_cursor_close(c);
  return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
}

static int apply_from(credo *db, stor_env *from, uint64_t *n) {
  unsigned char salt[ENG_ERASE_SALT_LEN];
  stor_txn *r = NULL, *w = NULL;
  int rc, have, owned;
  if ((rc = stor_txn_begin(from, 0, &r)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the ledger's store");
  if ((rc = eng_erase_salt(db, r, 0, salt, &have)) != CREDO_OK || !have) {
    stor_txn_abort(r); /* no salt: that store never erased anything */
    return rc;
  }
  if ((rc = eng_write_begin(db, &w, &owned)) == CREDO_OK) {
    if ((rc = adopt_salt(db, w, salt)) == CREDO_OK &&
        (rc = apply_events(db, r, w, n)) == CREDO_OK &&
        (rc = apply_subjects(db, r, w, salt, n)) == CREDO_OK)
      rc = copy_keys(db, r, w);
    rc = eng_write_end(db, w, owned, rc);
  }
  stor_txn_abort(r);
  return rc;
}

int eng_apply_erasures(credo *db, const char *from_dir, uint64_t *applied) {
  stor_options o = {.readonly = 1};
  stor_env *from = NULL;
  char msg[512], a[PATH_MAX], b[PATH_MAX];
  uint64_t n = 0;
  int rc;
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  db->changes = 0;
  if ((rc = eng_require(db, db->role == CREDO_ROLE_ADMIN, "apply erasures")))
    return rc;
  if (!from_dir)
    return eng_err(db, CREDO_INVALID, "the ledger's store is required");
  if (!db->store)
    return eng_err(db, CREDO_NOTSUP,
                   "erasures are applied to a store "
                   "directory");
  if (db->txn)
    return eng_err(db, CREDO_TXN, "not inside a transaction");
  if (realpath(from_dir, a) && realpath(stor_path(db->store->stor), b) &&
      strcmp(a, b) == 0)
    return eng_err(db, CREDO_INVALID, "the ledger's store is this store");
  if ((rc = stor_open(from_dir, &o, &from, msg, sizeof msg)) != CREDO_OK)
    return eng_err(db, rc, "%s", msg);
  rc = apply_from(db, from, &n);
  stor_close(from);
  if (rc == CREDO_OK && applied)
    *applied = n;
  db->changes = rc == CREDO_OK ? n : 0;
  return rc;
}
