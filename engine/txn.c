/*
 * txn.c -- transaction scopes on a handle and transaction time.
 *
 * A handle has at most one scope transaction (db->txn): an explicit one
 * (credo_begin) or a statement one (eng_write_scope_begin). Calls made
 * inside a scope use its txn and leave ending it to the scope's owner;
 * calls made outside open and end their own.
 *
 * Transaction time: every write transaction gets one instant, assigned at
 * its first write as max(now, last + 1us) and stored under META "last_tx",
 * so it increases strictly across the store (also across processes, since
 * writers are serialized) even when the wall clock steps back. All versions
 * a transaction writes share it: a reader AS OF any instant sees a
 * transaction whole or not at all.
 *
 * Does not: know about records.
 */
#include <string.h>

#include "eng.h"
#include "proj.h"

static const char KEY_LAST_TX[] = "last_tx";

/* Another backend's handle reached the engine: only a public function
 * that does not go through the backend table (api/backend.h) can do that,
 * so it is refused rather than trusted. */
static int eng_not_local(credo *db) {
  return eng_err(db, CREDO_NOTSUP,
                 "this call is not supported by the %s backend; use CQL "
                 "(credo_prepare / credo_exec)",
                 db->be->name);
}

int eng_read_begin(credo *db, stor_txn **txn, int *owned) {
  int rc;
  if (db->txn) {
    *txn = db->txn;
    *owned = 0;
    return CREDO_OK;
  }
  if (!db->store) /* a public function outside the backend table */
    return eng_not_local(db);
  rc = stor_txn_begin(db->store->stor, 0, txn);
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot begin a read transaction");
  *owned = 1;
  return CREDO_OK;
}

void eng_read_end(stor_txn *txn, int owned) {
  if (owned)
    stor_txn_abort(txn);
}

/* Begins a write transaction of the store, waiting for its writer at most
 * the handle's busy timeout. CREDO_OK or the code, with a message. */
static int writer_begin(credo *db, stor_txn **txn) {
  int64_t wait_ms = db->busy_us > 0 ? db->busy_us / 1000 : -1;
  int rc = stor_txn_begin_wait(db->store->stor, 1, wait_ms, txn);
  if (rc == CREDO_READONLY)
    return eng_err(db, rc, "the store is open read-only");
  if (rc == CREDO_BUSY)
    return eng_err(db, rc,
                   "waited %lld ms for the store's writer: another session "
                   "holds a write transaction (BEGIN without COMMIT, or a "
                   "long write); try again",
                   (long long)wait_ms);
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot begin a write transaction");
  /* the projection caches its segments for this transaction (proj.c);
   * eng_write_end writes them before the commit */
  if ((rc = eng_proj_begin(db, *txn)) != CREDO_OK) {
    stor_txn_abort(*txn);
    *txn = NULL;
  }
  return rc;
}

int credo_set_busy_timeout(credo *db, int64_t usec) {
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (usec < 0)
    return eng_err(db, CREDO_RANGE, "a busy timeout cannot be negative");
  db->busy_us = usec;
  return CREDO_OK;
}

int eng_write_begin(credo *db, stor_txn **txn, int *owned) {
  int rc;
  if (db->txn) {
    *txn = db->txn;
    *owned = 0;
    return CREDO_OK;
  }
  if (!db->store) /* a public function outside the backend table */
    return eng_not_local(db);
  if ((rc = writer_begin(db, txn)) != CREDO_OK)
    return rc;
  db->txn_time = 0;
  *owned = 1;
  return CREDO_OK;
}

int eng_write_end(credo *db, stor_txn *txn, int owned, int rc) {
  int crc;
  if (!owned)
    return rc;
  if (rc >= 0 && (crc = eng_proj_flush(db, txn)) != CREDO_OK)
    rc = crc; /* the projection's segments go in before the commit */
  if (rc < 0) {
    stor_txn_abort(txn);
    eng_proj_end(db, 0);
    db->txn_time = 0;
    return rc;
  }
  crc = stor_txn_commit(txn);
  eng_proj_end(db, crc == CREDO_OK);
  db->txn_time = 0;
  if (crc != CREDO_OK)
    return eng_err_stor(db, crc, "commit failed");
  return rc;
}

int eng_txn_time(credo *db, stor_txn *txn, credo_time *out) {
  stor_val k = {KEY_LAST_TX, sizeof KEY_LAST_TX - 1}, v;
  unsigned char buf[8];
  credo_time last = 0, now;
  int rc;

  if (db->txn_time) {
    *out = db->txn_time;
    return CREDO_OK;
  }
  rc = stor_get(txn, STOR_META, k, &v);
  if (rc == CREDO_OK && v.len == 8)
    last = stor_dec_i64(v.data);
  else if (rc != CREDO_NOTFOUND)
    return eng_err_stor(db, rc == CREDO_OK ? CREDO_CORRUPT : rc,
                        "cannot read the last transaction time");
  now = credo_now(db);
  if (now <= last)
    now = last + 1;
  stor_key sk;
  stor_key_init(&sk);
  stor_key_i64(&sk, now);
  memcpy(buf, sk.buf, 8);
  rc = stor_put(txn, STOR_META, k, (stor_val){buf, 8});
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot store the transaction time");
  db->txn_time = now;
  *out = now;
  return CREDO_OK;
}

/* The last committed transaction time, 0 for a store never written. */
int eng_last_tx(credo *db, stor_txn *txn, credo_time *out) {
  stor_val k = {KEY_LAST_TX, sizeof KEY_LAST_TX - 1}, v;
  int rc = stor_get(txn, STOR_META, k, &v);
  *out = 0;
  if (rc == CREDO_NOTFOUND)
    return CREDO_OK;
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the last transaction time");
  if (v.len != 8)
    return eng_err(db, CREDO_CORRUPT, "META last_tx has %zu bytes", v.len);
  *out = stor_dec_i64(v.data);
  return CREDO_OK;
}

int eng_write_scope_begin(credo *db, int *started) {
  int rc;
  *started = 0;
  if (db->txn)
    return CREDO_OK;
  if (!db->store) /* a public function outside the backend table */
    return eng_not_local(db);
  if ((rc = writer_begin(db, &db->txn)) != CREDO_OK)
    return rc;
  db->txn_mode = ENG_TXN_STATEMENT;
  db->txn_time = 0;
  *started = 1;
  return CREDO_OK;
}

int eng_write_scope_end(credo *db, int started, int rc) {
  stor_txn *txn = db->txn;
  if (!started)
    return rc;
  db->txn = NULL;
  db->txn_mode = ENG_TXN_NONE;
  return eng_write_end(db, txn, 1, rc);
}

int eng_begin(credo *db) {
  int rc;
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (db->txn)
    return eng_err(db, CREDO_TXN, "a transaction is already open");
  if (db->role == CREDO_ROLE_PUBLIC || db->role == CREDO_ROLE_ANALYST)
    return eng_err(db, CREDO_DENIED,
                   "permission denied: role %s may not open a write "
                   "transaction",
                   credo_role_name(db->role));
  if (!db->store) /* a public function outside the backend table */
    return eng_not_local(db);
  if ((rc = writer_begin(db, &db->txn)) != CREDO_OK)
    return rc;
  db->txn_mode = ENG_TXN_EXPLICIT;
  db->txn_time = 0;
  return CREDO_OK;
}

int eng_commit(credo *db) {
  stor_txn *txn;
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (!db->txn || db->txn_mode != ENG_TXN_EXPLICIT)
    return eng_err(db, CREDO_TXN, "no transaction is open");
  eng_stmts_txn_ending(db);
  txn = db->txn;
  db->txn = NULL;
  db->txn_mode = ENG_TXN_NONE;
  return eng_write_end(db, txn, 1, CREDO_OK);
}

int eng_rollback(credo *db) {
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (!db->txn || db->txn_mode != ENG_TXN_EXPLICIT)
    return eng_err(db, CREDO_TXN, "no transaction is open");
  eng_stmts_txn_ending(db);
  stor_txn_abort(db->txn);
  eng_proj_end(db, 0);
  db->txn = NULL;
  db->txn_mode = ENG_TXN_NONE;
  db->txn_time = 0;
  return CREDO_OK;
}

int eng_in_txn(const credo *db) {
  return db && db->txn && db->txn_mode == ENG_TXN_EXPLICIT;
}
