/*
 * gate.c -- owns the growth gate of an env and map growth itself.
 *
 * LMDB remaps the data file in mdb_env_set_mapsize and allows it only when
 * no transaction of the process is active; a transaction holds pointers
 * into the map. So every stor_txn holds the gate shared, and a grower holds
 * it exclusively.
 *
 * Invariants:
 *  - while `exclusive` is set, `active` is 0;
 *  - a would-be exclusive holder (`waiting`) stops new shared holders, so
 *    readers cannot starve it; but every GATE_TICK_MS it bumps `epoch`,
 *    which lets the shared holders that were already waiting in. A thread
 *    that opens a second transaction while holding one (and a grower is
 *    waiting) therefore gets in after one tick instead of deadlocking;
 *  - exclusive waits are bounded: a grower that cannot drain the gate in
 *    its patience gives up with EBUSY rather than hang the process.
 *
 * Does not: decide when to grow (txn.c does), or know about cursors.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "stor_impl.h"

#define GATE_TICK_MS 50
/* How long a needed growth waits for the process's transactions: long
 * enough for any reasonable read, short of a hang. */
#define GROW_PATIENCE_MS 60000L

int stor_gate_init(stor_gate *g) {
  pthread_condattr_t ca;
  int rc;

  memset(g, 0, sizeof *g);
  if ((rc = pthread_mutex_init(&g->mu, NULL)) != 0)
    return rc;
  if ((rc = pthread_cond_init(&g->can_enter, NULL)) != 0)
    goto fail_mu;
  if ((rc = pthread_condattr_init(&ca)) != 0)
    goto fail_enter;
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  rc = pthread_cond_init(&g->drained, &ca);
  pthread_condattr_destroy(&ca);
  if (rc != 0)
    goto fail_enter;
  return 0;
fail_enter:
  pthread_cond_destroy(&g->can_enter);
fail_mu:
  pthread_mutex_destroy(&g->mu);
  return rc;
}

void stor_gate_destroy(stor_gate *g) {
  pthread_cond_destroy(&g->drained);
  pthread_cond_destroy(&g->can_enter);
  pthread_mutex_destroy(&g->mu);
}

void stor_gate_enter(stor_gate *g) {
  unsigned long epoch;

  pthread_mutex_lock(&g->mu);
  epoch = g->epoch;
  while (g->exclusive || (g->waiting && g->epoch == epoch))
    pthread_cond_wait(&g->can_enter, &g->mu);
  g->active++;
  pthread_mutex_unlock(&g->mu);
}

void stor_gate_leave(stor_gate *g) {
  pthread_mutex_lock(&g->mu);
  g->active--;
  if (g->active == 0 && g->waiting)
    pthread_cond_broadcast(&g->drained);
  pthread_mutex_unlock(&g->mu);
}

static void deadline_in(struct timespec *ts, long ms) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

int stor_gate_lock(stor_gate *g, long patience_ms) {
  struct timespec tick;
  long waited = 0;
  int rc = 0;

  pthread_mutex_lock(&g->mu);
  g->waiting++;
  while (g->active > 0 || g->exclusive) {
    deadline_in(&tick, GATE_TICK_MS);
    if (pthread_cond_timedwait(&g->drained, &g->mu, &tick) != ETIMEDOUT)
      continue;
    waited += GATE_TICK_MS;
    g->epoch++; /* let the shared holders already waiting in */
    pthread_cond_broadcast(&g->can_enter);
    if (waited >= patience_ms) {
      rc = EBUSY;
      break;
    }
  }
  g->waiting--;
  if (rc == 0)
    g->exclusive = 1;
  else
    pthread_cond_broadcast(&g->can_enter);
  pthread_mutex_unlock(&g->mu);
  return rc;
}

void stor_gate_unlock(stor_gate *g) {
  pthread_mutex_lock(&g->mu);
  g->exclusive = 0;
  pthread_cond_broadcast(&g->can_enter);
  pthread_cond_broadcast(&g->drained);
  pthread_mutex_unlock(&g->mu);
}

void stor_map_usage(stor_env *env, size_t *map, size_t *used) {
  MDB_envinfo info;

  mdb_env_info(env->mdb, &info);
  *map = info.me_mapsize;
  *used = (info.me_last_pgno + 1) * env->psize;
}

/* The next map size after `cur`: double, at most +STOR_GROW_MAX_STEP,
 * a whole number of pages. */
static size_t next_size(const stor_env *env, size_t cur) {
  size_t step = cur < STOR_GROW_MAX_STEP ? cur : STOR_GROW_MAX_STEP;
  size_t want = cur + (step < env->psize ? env->psize : step);

  return (want + env->psize - 1) / env->psize * env->psize;
}

/* Adopts the map size another process recorded, never shrinking ours. */
static int adopt_size(stor_env *env) {
  size_t before, after, used;
  int rc;

  stor_map_usage(env, &before, &used);
  if ((rc = mdb_env_set_mapsize(env->mdb, 0)) != 0)
    return rc;
  stor_map_usage(env, &after, &used);
  if (after < before)
    rc = mdb_env_set_mapsize(env->mdb, before);
  return rc;
}

int stor_grow(stor_env *env, size_t seen, long patience_ms) {
  size_t cur, used;
  int rc;

  if (patience_ms < 0)
    patience_ms = GROW_PATIENCE_MS;
  if ((rc = stor_gate_lock(&env->gate, patience_ms)) != 0)
    return rc;
  stor_map_usage(env, &cur, &used);
  if (seen == 0) {
    rc = adopt_size(env);
    env->adopts++;
  } else if (cur == seen) {
    rc = mdb_env_set_mapsize(env->mdb, next_size(env, cur));
    env->grows++;
  }
  if (rc != 0)
    atomic_store(&env->broken, 1); /* LMDB unmapped before failing */
  stor_gate_unlock(&env->gate);
  return rc;
}
