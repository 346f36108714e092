/*
 * txn.c -- owns read and write transactions: begin, commit, abort, the
 * spare read transactions of an env, and the writes of a write transaction
 * with their replay after the map grew.
 *
 * Read path (the hot one): begin takes a spare stor_txn whose MDB_txn was
 * reset (it keeps its reader slot) and renews it, so a look-up allocates
 * nothing; end resets it and puts it back, up to env->spare_max.
 *
 * Write path: a write transaction holds env->wlock (the process's one
 * writer, held across replays so no thread of this process can commit in
 * between) and the gate. Each put/del is first copied into the write log,
 * then applied from that copy (so a value that points into the map, e.g.
 * one just read with stor_get, survives the remap). On MDB_MAP_FULL from a
 * put, a del or the commit: abort, grow the map, begin again, check that
 * the new LMDB transaction has the id of the first (no other process
 * committed in between; otherwise EBUSY -> CREDO_BUSY, the transaction is
 * lost and the caller may retry it), replay the log, redo the failed step.
 * txn->gen counts replays, so cursors know to reopen.
 *
 * Invariants: a live stor_txn holds the gate; a write stor_txn holds
 * env->wlock; txn->mt is NULL only in a failed write transaction; nothing
 * of a transaction is in the store unless stor_txn_commit returned OK.
 *
 * Does not: position cursors (cursor.c), decide growth sizes (gate.c).
 */
#include <errno.h>
#include <sys/statvfs.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stor_impl.h"

/* Attempts at begin (another process keeps growing the map) and at
 * grow-and-replay (each attempt doubles the map). */
#define MAX_BEGIN_TRIES 8
#define MAX_REGROW 64
/* Proactive growth waits this long for other transactions, then skips. */
#define GROW_AHEAD_PATIENCE_MS 200L

/* ------------------------------------------------------------ read side */

static stor_txn *spare_pop(stor_env *env) {
  stor_txn *txn;

  pthread_mutex_lock(&env->gate.mu);
  if ((txn = env->spare) != NULL) {
    env->spare = txn->next_spare;
    env->nspare--;
  }
  pthread_mutex_unlock(&env->gate.mu);
  return txn;
}

void stor_txn_free_spare(stor_txn *txn) {
  int i;

  for (i = 0; i < STOR_NTABLES; i++) {
    if (txn->spare_cur[i]) {
      mdb_cursor_close(txn->spare_cur[i]->mc);
      free(txn->spare_cur[i]);
    }
  }
  if (txn->mt)
    mdb_txn_abort(txn->mt);
  free(txn);
}

void stor_spares_drop(stor_env *env) {
  stor_txn *txn;

  while ((txn = spare_pop(env)) != NULL)
    stor_txn_free_spare(txn);
}

/* Starts txn->mt as a read transaction, renewing a reset one if there.
 * Takes the gate; returns with it held only on success. */
static int read_start(stor_env *env, stor_txn *txn) {
  int rc, tries, checked = 0;

  for (tries = 0; tries < MAX_BEGIN_TRIES; tries++) {
    stor_gate_enter(&env->gate);
    if (txn->mt)
      rc = mdb_txn_renew(txn->mt);
    else
      rc = mdb_txn_begin(env->mdb, NULL, MDB_RDONLY, &txn->mt);
    if (rc == 0)
      return 0;
    stor_gate_leave(&env->gate);
    if (rc == MDB_MAP_RESIZED) {
      if ((rc = stor_grow(env, 0, -1)) != 0)
        return rc;
    } else if (rc == MDB_READERS_FULL && !checked) {
      /* Slots may be held by our spares or by dead processes. */
      checked = 1;
      stor_spares_drop(env);
      mdb_reader_check(env->mdb, NULL);
    } else {
      return rc;
    }
  }
  return EBUSY;
}

static int read_begin(stor_env *env, stor_txn **out) {
  stor_txn *txn = spare_pop(env);
  int rc;

  if (!txn) {
    if (!(txn = calloc(1, sizeof *txn)))
      return CREDO_NOMEM;
    txn->env = env;
  }
  if ((rc = read_start(env, txn)) != 0) {
    stor_txn_free_spare(txn);
    return stor_err(rc);
  }
  *out = txn;
  return CREDO_OK;
}

static void read_end(stor_txn *txn) {
  stor_env *env = txn->env;
  int keep;

  mdb_txn_reset(txn->mt);
  pthread_mutex_lock(&env->gate.mu);
  keep = env->nspare < env->spare_max;
  if (keep) {
    txn->next_spare = env->spare;
    env->spare = txn;
    env->nspare++;
  }
  pthread_mutex_unlock(&env->gate.mu);
  stor_gate_leave(&env->gate);
  if (!keep)
    stor_txn_free_spare(txn);
}

/* ----------------------------------------------------------- write side */

/* Grows the map ahead when it is nearly full. Best effort: a short wait,
 * failures ignored (a full map is handled when it happens). */
static void grow_ahead(stor_env *env) {
  size_t map, used;

  stor_gate_enter(&env->gate);
  stor_map_usage(env, &map, &used);
  stor_gate_leave(&env->gate);
  if ((uint64_t)used * 100 > (uint64_t)map * STOR_GROW_AT_PCT)
    (void)stor_grow(env, map, GROW_AHEAD_PATIENCE_MS);
}

/* Begins txn->mt as a write transaction, adopting a map grown by another
 * process. The caller holds the gate and wlock; the gate is held on return
 * whatever happened. */
static int write_start(stor_txn *txn) {
  stor_env *env = txn->env;
  int rc, tries;

  for (tries = 0; tries < MAX_BEGIN_TRIES; tries++) {
    rc = mdb_txn_begin(env->mdb, NULL, 0, &txn->mt);
    if (rc != MDB_MAP_RESIZED)
      return rc;
    txn->mt = NULL;
    stor_gate_leave(&env->gate);
    rc = stor_grow(env, 0, -1);
    stor_gate_enter(&env->gate);
    if (rc != 0)
      return rc;
  }
  return EBUSY;
}

/* Takes the process's writer lock, waiting at most wait_ms (< 0: as long
 * as it takes). 0, or EBUSY when the wait ran out. */
static int wlock_take(stor_env *env, int64_t wait_ms) {
  struct timespec ts;
  if (wait_ms < 0)
    return pthread_mutex_lock(&env->wlock);
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ts.tv_sec += (time_t)(wait_ms / 1000);
  ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  return pthread_mutex_clocklock(&env->wlock, CLOCK_MONOTONIC, &ts) == 0
             ? 0
             : EBUSY;
}

static int write_begin(stor_env *env, int64_t wait_ms, stor_txn **out) {
  stor_txn *txn;
  int rc;

  if (env->readonly)
    return CREDO_READONLY;
  if (!(txn = calloc(1, sizeof *txn)))
    return CREDO_NOMEM;
  txn->env = env;
  txn->write = 1;
  stor_wlog_init(&txn->log);
  if (wlock_take(env, wait_ms) != 0) {
    free(txn);
    return CREDO_BUSY;
  }
  grow_ahead(env);
  stor_gate_enter(&env->gate);
  if ((rc = write_start(txn)) != 0) {
    stor_gate_leave(&env->gate);
    pthread_mutex_unlock(&env->wlock);
    free(txn);
    return stor_err(rc);
  }
  txn->id0 = mdb_txn_id(txn->mt);
  *out = txn;
  return CREDO_OK;
}

static void write_end(stor_txn *txn) {
  stor_env *env = txn->env;

  if (txn->mt)
    mdb_txn_abort(txn->mt);
  stor_gate_leave(&env->gate);
  pthread_mutex_unlock(&env->wlock);
  stor_wlog_free(&txn->log);
  free(txn);
}

static int apply_rec(const stor_rec *r, void *arg) {
  stor_txn *txn = arg;
  MDB_dbi dbi = txn->env->dbi[r->table];
  MDB_val k = r->key, v = r->val;

  switch (r->op) {
  case STOR_OP_DEL:
    return mdb_del(txn->mt, dbi, &k, NULL);
  case STOR_OP_PUT_NEW:
    return mdb_put(txn->mt, dbi, &k, &v, MDB_NOOVERWRITE);
  default:
    return mdb_put(txn->mt, dbi, &k, &v, 0);
  }
}

/* After MDB_MAP_FULL: ends the LMDB transaction (if still there), grows
 * the map, begins again at the same id and replays the log up to `end`.
 * Returns 0, or a code with txn->mt NULL. */
static int regrow(stor_txn *txn, stor_wmark end) {
  stor_env *env = txn->env;
  size_t map, used;
  int rc = MDB_MAP_FULL, tries;

  for (tries = 0; rc == MDB_MAP_FULL && tries < MAX_REGROW; tries++) {
    stor_map_usage(env, &map, &used);
    if (txn->mt)
      mdb_txn_abort(txn->mt);
    txn->mt = NULL;
    txn->gen++;
    stor_gate_leave(&env->gate);
    rc = stor_grow(env, map, -1);
    stor_gate_enter(&env->gate);
    if (rc == 0 && (rc = write_start(txn)) == 0) {
      if (mdb_txn_id(txn->mt) != txn->id0) {
        rc = EBUSY; /* another process committed meanwhile */
      } else {
        rc = stor_wlog_each(&txn->log, end, apply_rec, txn);
        env->replays++;
      }
    }
  }
  if (rc != 0 && txn->mt) {
    mdb_txn_abort(txn->mt);
    txn->mt = NULL;
  }
  return rc;
}

static int check_table_key(int table, stor_val key) {
  if (table < 0 || table >= STOR_NTABLES)
    return CREDO_INVALID;
  if (key.len < 1 || key.len > STOR_KEY_MAX || !key.data)
    return CREDO_INVALID;
  return CREDO_OK;
}

int stor_check_read(stor_txn *txn, int table, stor_val key) {
  int rc;
  if (!txn)
    return CREDO_MISUSE;
  if (txn->failed)
    return txn->failed;
  if ((rc = check_table_key(table, key)) == CREDO_OK && txn->env->absent[table])
    return CREDO_NOTFOUND; /* a table the store was made without */
  return rc;
}

int stor_txn_write(stor_txn *txn, int op, int table, stor_val key,
                   stor_val val) {
  unsigned char sum[STOR_SUM_LEN];
  stor_wmark mark;
  const stor_rec *r;
  int rc;

  if (!txn || !txn->write)
    return CREDO_MISUSE;
  if (txn->failed)
    return txn->failed;
  if ((rc = check_table_key(table, key)) != CREDO_OK)
    return rc;
  if ((val.len && !val.data) || val.len > UINT32_MAX)
    return CREDO_INVALID;
  if (op != STOR_OP_DEL)
    stor_sum_seal(table, key.data, key.len, val.data, val.len, sum);
  mark = stor_wlog_mark(&txn->log);
  if (!(r = stor_wlog_append(&txn->log, op, table, key, val, sum,
                             op == STOR_OP_DEL ? 0 : STOR_SUM_LEN)))
    return CREDO_NOMEM;
  rc = apply_rec(r, txn);
  while (rc == MDB_MAP_FULL && (rc = regrow(txn, mark)) == 0)
    rc = apply_rec(r, txn);
  if (rc == 0)
    return CREDO_OK;
  stor_wlog_rewind(&txn->log, mark);
  /* NOTFOUND / EXISTS leave the transaction as it was, unless they came
   * from a replay (which lost the LMDB transaction). */
  if (!txn->mt || (rc != MDB_KEYEXIST && rc != MDB_NOTFOUND))
    txn->failed = stor_err(rc);
  return stor_err(rc);
}

/* LMDB reports a short write of its pages as EIO; when the file system
 * the store is on has next to no room left, that was a full disk. */
#define DISK_FULL_BELOW ((uint64_t)1 << 20)

static int full_disk_io(const stor_env *env, int rc) {
  struct statvfs vs;

  if (rc != EIO || statvfs(env->path, &vs) != 0)
    return rc;
  return (uint64_t)vs.f_bavail * vs.f_frsize < DISK_FULL_BELOW ? ENOSPC : rc;
}

/* Commits, growing and replaying as long as the map is full. */
static int write_commit(stor_txn *txn) {
  stor_wmark end = stor_wlog_mark(&txn->log);
  int rc, tries;

  for (tries = 0;; tries++) {
    rc = mdb_txn_commit(txn->mt);
    txn->mt = NULL; /* freed by LMDB, committed or not */
    if (rc != MDB_MAP_FULL || tries == MAX_REGROW)
      break;
    if ((rc = regrow(txn, end)) != 0)
      break;
  }
  return stor_err(full_disk_io(txn->env, rc));
}

/* ------------------------------------------------------------- public */

int stor_txn_begin(stor_env *env, int write, stor_txn **out) {
  return stor_txn_begin_wait(env, write, -1, out);
}

int stor_txn_begin_wait(stor_env *env, int write, int64_t wait_ms,
                        stor_txn **out) {
  if (!out)
    return CREDO_MISUSE;
  *out = NULL;
  if (!env)
    return CREDO_MISUSE;
  if (atomic_load(&env->broken))
    return CREDO_IO;
  return write ? write_begin(env, wait_ms, out) : read_begin(env, out);
}

int stor_txn_commit(stor_txn *txn) {
  int rc;

  if (!txn)
    return CREDO_MISUSE;
  if (!txn->write) {
    read_end(txn);
    return CREDO_OK;
  }
  rc = txn->failed ? txn->failed : write_commit(txn);
  write_end(txn);
  return rc;
}

void stor_txn_abort(stor_txn *txn) {
  if (!txn)
    return;
  if (txn->write)
    write_end(txn);
  else
    read_end(txn);
}

int stor_txn_is_write(const stor_txn *txn) {
  return txn && txn->write;
}

stor_env *stor_txn_env(stor_txn *txn) {
  return txn ? txn->env : NULL;
}
