/*
 * ops.c -- owns the point operations of stor.h (get, get by a one-field
 * key, put, put_new, del) and stor_count.
 *
 * Invariants: arguments are checked before LMDB sees them (table in range,
 * key of 1..STOR_KEY_MAX bytes); writes go through stor_txn_write, which
 * logs them for replay and seals each value with its checksum (sum.c);
 * values handed out point into the map, verified, without the checksum.
 *
 * Does not: allocate (reads), retry or grow (txn.c does for writes).
 */
#include "stor_impl.h"

int stor_get(stor_txn *txn, int table, stor_val key, stor_val *val) {
  MDB_val k = {key.len, (void *)key.data}, v;
  int rc;

  if ((rc = stor_check_read(txn, table, key)) != CREDO_OK)
    return rc;
  rc = mdb_get(txn->mt, txn->env->dbi[table], &k, &v);
  if (rc == 0)
    rc = stor_sum_open(table, &k, &v);
  if (rc == 0 && val) {
    val->data = v.mv_data;
    val->len = v.mv_size;
  }
  return stor_err(rc);
}

int stor_get_u64(stor_txn *txn, int table, uint64_t key, stor_val *val) {
  stor_key k;
  stor_key_init(&k);
  stor_key_u64(&k, key);
  return stor_get(txn, table, stor_key_val(&k), val);
}

int stor_get_str(stor_txn *txn, int table, const char *key, stor_val *val) {
  stor_key k;
  stor_key_init(&k);
  stor_key_str(&k, key);
  return stor_get(txn, table, stor_key_val(&k), val);
}

int stor_put(stor_txn *txn, int table, stor_val key, stor_val val) {
  return stor_txn_write(txn, STOR_OP_PUT, table, key, val);
}

int stor_put_new(stor_txn *txn, int table, stor_val key, stor_val val) {
  return stor_txn_write(txn, STOR_OP_PUT_NEW, table, key, val);
}

int stor_del(stor_txn *txn, int table, stor_val key) {
  stor_val none = {NULL, 0};

  return stor_txn_write(txn, STOR_OP_DEL, table, key, none);
}

int stor_count(stor_txn *txn, int table, uint64_t *n) {
  stor_val any = {"", 1};
  MDB_stat st;
  int rc;

  if ((rc = stor_check_read(txn, table, any)) != CREDO_OK)
    return rc;
  if ((rc = mdb_stat(txn->mt, txn->env->dbi[table], &st)) == 0 && n)
    *n = st.ms_entries;
  return stor_err(rc);
}
