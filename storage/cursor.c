/*
 * cursor.c -- owns stor_cursor: opening (reusing a read transaction's
 * spare cursor, so reads allocate nothing), positioning, and surviving a
 * replay of its write transaction.
 *
 * Invariants:
 *  - c->positioned is 1 exactly when the last positioning call returned
 *    CREDO_OK; next/prev on an unpositioned cursor act as first/last;
 *  - in a write transaction the cursor keeps a copy of its current key;
 *    when txn->gen moved (the transaction was replayed on a grown map, and
 *    LMDB freed the old MDB_cursor with the old transaction) the next call
 *    opens a new MDB_cursor and, for next/prev, first seeks back to that
 *    key. If the key is gone, next yields the entry after where it was and
 *    prev the entry before;
 *  - read transactions never replay: their cursors skip all of that.
 *
 * STOR_CUR_NOVERIFY cursors hand out values without verifying their
 * checksum (stor.h says who may use them).
 *
 * Does not: validate anything but its own arguments, or keep values.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stor_impl.h"

int stor_cursor_open(stor_txn *txn, int table, stor_cursor **out) {
  return stor_cursor_open_flags(txn, table, 0, out);
}

int stor_cursor_open_flags(stor_txn *txn, int table, unsigned flags,
                           stor_cursor **out) {
  stor_val any = {"", 1};
  stor_cursor *c = NULL;
  int rc;

  if (!out)
    return CREDO_MISUSE;
  *out = NULL;
  if ((rc = stor_check_read(txn, table, any)) != CREDO_OK)
    return rc;
  if (flags & ~(unsigned)STOR_CUR_NOVERIFY)
    return CREDO_INVALID;
  if (!txn->write && (c = txn->spare_cur[table]) != NULL) {
    txn->spare_cur[table] = NULL;
    if (mdb_cursor_renew(txn->mt, c->mc) != 0) {
      mdb_cursor_close(c->mc);
      free(c);
      c = NULL;
    }
  }
  if (!c) {
    if (!(c = malloc(sizeof *c)))
      return CREDO_NOMEM;
    if ((rc = mdb_cursor_open(txn->mt, txn->env->dbi[table], &c->mc)) != 0) {
      free(c);
      return stor_err(rc);
    }
  }
  c->txn = txn;
  c->table = table;
  c->gen = txn->gen;
  c->positioned = 0;
  c->flags = flags;
  c->klen = 0;
  *out = c;
  return CREDO_OK;
}

void stor_cursor_close(stor_cursor *c) {
  stor_txn *txn;

  if (!c)
    return;
  txn = c->txn;
  if (!txn->write) {
    if (!txn->spare_cur[c->table]) {
      txn->spare_cur[c->table] = c; /* kept for the next open */
      return;
    }
    mdb_cursor_close(c->mc);
  } else if (c->gen == txn->gen && txn->mt && c->mc) {
    mdb_cursor_close(c->mc);
  }
  free(c);
}

/* Makes c->mc belong to the transaction's current MDB_txn. *fresh tells
 * whether it had to be reopened (after a replay). */
static int sync_cursor(stor_cursor *c, int *fresh) {
  stor_txn *txn = c->txn;
  int rc;

  *fresh = 0;
  if (txn->failed)
    return txn->failed;
  if (c->gen == txn->gen)
    return c->mc ? 0 : EINVAL;
  c->mc = NULL; /* freed by LMDB with the aborted transaction */
  if ((rc = mdb_cursor_open(txn->mt, txn->env->dbi[c->table], &c->mc)) != 0)
    return rc;
  c->gen = txn->gen;
  *fresh = 1;
  return 0;
}

/* Records the outcome of a positioning call and fills the outputs. An
 * entry whose checksum does not match leaves the cursor on it (so a walk
 * can go on past it) and hands out its key only. */
static int settle(stor_cursor *c, int rc, const MDB_val *k, MDB_val *v,
                  stor_val *key, stor_val *val) {
  int sum;

  if (rc != 0) {
    c->positioned = 0;
    return stor_err(rc);
  }
  if (k->mv_size > STOR_KEY_MAX || k->mv_size == 0) {
    c->positioned = 0; /* a damaged page: no entry to stay on */
    return CREDO_CORRUPT;
  }
  sum = c->flags & STOR_CUR_NOVERIFY ? stor_sum_strip(c->table, k, v)
                                     : stor_sum_open(c->table, k, v);
  if (sum != 0) {
    v->mv_size = 0;
    v->mv_data = NULL;
  }
  c->positioned = 1;
  if (c->txn->write) {
    memcpy(c->key, k->mv_data, k->mv_size);
    c->klen = k->mv_size;
  }
  if (key) {
    key->data = k->mv_data;
    key->len = k->mv_size;
  }
  if (val) {
    val->data = v->mv_data;
    val->len = v->mv_size;
  }
  return sum ? CREDO_CORRUPT : CREDO_OK;
}

static int same_key(const MDB_val *a, const void *b, size_t blen) {
  return a->mv_size == blen && memcmp(a->mv_data, b, blen) == 0;
}

/* A plain positioning call: `op` with `k` as its input where needed. */
static int position(stor_cursor *c, MDB_cursor_op op, MDB_val *k, stor_val *key,
                    stor_val *val) {
  MDB_val v;
  int fresh, rc;

  if ((rc = sync_cursor(c, &fresh)) == 0)
    rc = mdb_cursor_get(c->mc, k, &v, op);
  return settle(c, rc, k, &v, key, val);
}

int stor_cursor_first(stor_cursor *c, stor_val *key, stor_val *val) {
  MDB_val k = {0, NULL};

  return c ? position(c, MDB_FIRST, &k, key, val) : CREDO_MISUSE;
}

int stor_cursor_last(stor_cursor *c, stor_val *key, stor_val *val) {
  MDB_val k = {0, NULL};

  return c ? position(c, MDB_LAST, &k, key, val) : CREDO_MISUSE;
}

int stor_cursor_seek(stor_cursor *c, stor_val want, stor_val *key,
                     stor_val *val) {
  MDB_val k = {want.len, (void *)want.data};

  if (!c)
    return CREDO_MISUSE;
  if (want.len < 1 || want.len > STOR_KEY_MAX || !want.data)
    return CREDO_INVALID;
  return position(c, MDB_SET_RANGE, &k, key, val);
}

int stor_cursor_seek_le(stor_cursor *c, stor_val want, stor_val *key,
                        stor_val *val) {
  MDB_val k = {want.len, (void *)want.data}, v;
  int fresh, rc;

  if (!c)
    return CREDO_MISUSE;
  if (want.len < 1 || want.len > STOR_KEY_MAX || !want.data)
    return CREDO_INVALID;
  if ((rc = sync_cursor(c, &fresh)) == 0)
    rc = mdb_cursor_get(c->mc, &k, &v, MDB_SET_RANGE);
  if (rc == 0 && !same_key(&k, want.data, want.len))
    rc = mdb_cursor_get(c->mc, &k, &v, MDB_PREV);
  else if (rc == MDB_NOTFOUND)
    rc = mdb_cursor_get(c->mc, &k, &v, MDB_LAST);
  return settle(c, rc, &k, &v, key, val);
}

/* After a replay: seeks back to the saved key. Sets *op to what the step
 * in direction `dir` still has to do, or to MDB_GET_CURRENT when k/v
 * already hold its answer. */
static int reseat(stor_cursor *c, int dir, MDB_val *k, MDB_val *v,
                  MDB_cursor_op *op) {
  int rc;

  k->mv_size = c->klen;
  k->mv_data = c->key;
  rc = mdb_cursor_get(c->mc, k, v, MDB_SET_RANGE);
  if (rc == MDB_NOTFOUND) { /* everything from the key on is gone */
    *op = MDB_LAST;
    return dir > 0 ? MDB_NOTFOUND : 0;
  }
  if (rc != 0)
    return rc;
  if (same_key(k, c->key, c->klen))
    *op = dir > 0 ? MDB_NEXT : MDB_PREV;
  else /* the key is gone; k is the entry after it */
    *op = dir > 0 ? MDB_GET_CURRENT : MDB_PREV;
  return 0;
}

static int step(stor_cursor *c, int dir, stor_val *key, stor_val *val) {
  MDB_cursor_op op = dir > 0 ? MDB_NEXT : MDB_PREV;
  MDB_val k = {0, NULL}, v = {0, NULL};
  int fresh, rc;

  if (!c)
    return CREDO_MISUSE;
  if ((rc = sync_cursor(c, &fresh)) != 0)
    return settle(c, rc, &k, &v, key, val);
  if (!c->positioned)
    op = dir > 0 ? MDB_FIRST : MDB_LAST;
  else if (fresh && (rc = reseat(c, dir, &k, &v, &op)) != 0)
    return settle(c, rc, &k, &v, key, val);
  if (op != MDB_GET_CURRENT)
    rc = mdb_cursor_get(c->mc, &k, &v, op);
  return settle(c, rc, &k, &v, key, val);
}

int stor_cursor_next(stor_cursor *c, stor_val *key, stor_val *val) {
  return step(c, 1, key, val);
}

int stor_cursor_prev(stor_cursor *c, stor_val *key, stor_val *val) {
  return step(c, -1, key, val);
}
