/*
 * srv_throttle.c -- bounded work before authentication: the failed-login
 * backoff (per peer address and per user name) and the password-hashing
 * pool, for every listener of credo-server.
 *
 * Backoff: a fixed table of keys ("a:" + address, "u:" + user name), each
 * with its run of failures and the earliest time the next check for it
 * may start (`next_ms`). A check waits until every key it names allows it
 * and then reserves the key (next_ms = start + delay(fails)), so parallel
 * connections queue behind one another instead of multiplying guesses:
 * after failures, one address or one user name gets at most one check per
 * delay, 100 ms x 2^(n-1) for the n-th failure in a row, at most 5 s. A
 * check whose turn would come after its deadline is refused at once,
 * without hashing. A success clears both keys; failures older than 15 min
 * are forgotten.
 *
 * Pool: at most `workers` password checks run at once (argon2id takes
 * 64 MiB each), the others wait for a turn within their deadline. So the
 * memory used by hashing is bounded by workers x 64 MiB whatever the
 * number of connections.
 *
 * Invariants: all state is under one mutex; waits are bounded by the
 * caller's deadline (CLOCK_MONOTONIC, as cl_now_ms); the check callback
 * runs without the mutex held; the table never grows (the least recently
 * used key is recycled).
 *
 * Does not: check passwords itself (the callback does, e.g. with
 * credo_authenticate), send anything, or sleep past a deadline.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "srv.h"

void srv_backoff_init(srv_backoff *b, unsigned workers) {
  pthread_condattr_t ca;
  memset(b, 0, sizeof *b);
  b->workers = workers ? workers : 1;
  pthread_mutex_init(&b->mu, NULL);
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&b->cv, &ca);
  pthread_condattr_destroy(&ca);
}

void srv_backoff_destroy(srv_backoff *b) {
  pthread_cond_destroy(&b->cv);
  pthread_mutex_destroy(&b->mu);
}

/* The delay after the n-th failure in a row (n >= 1). */
static unsigned delay_of(unsigned n) {
  unsigned delay = SRV_BACKOFF_BASE_MS;
  while (--n > 0 && delay < SRV_BACKOFF_MAX_MS)
    delay *= 2;
  return delay < SRV_BACKOFF_MAX_MS ? delay : SRV_BACKOFF_MAX_MS;
}

/* The slot of `key`, else (create) a free or the least recently used one,
 * reset. -1 when absent and not created. Mutex held. */
static int slot_of(srv_backoff *b, const char *key, int create) {
  int best = 0;
  for (int i = 0; i < SRV_BACKOFF_SLOTS; i++) {
    if (b->slot[i].key[0] && strcmp(b->slot[i].key, key) == 0)
      return i;
    if (b->slot[i].last_ms < b->slot[best].last_ms)
      best = i;
  }
  if (!create)
    return -1;
  memset(&b->slot[best], 0, sizeof b->slot[best]);
  snprintf(b->slot[best].key, sizeof b->slot[best].key, "%s", key);
  return best;
}

/* Forgets a run of failures that ended long ago. Mutex held. */
static void forget_old(srv_backoff *b, int i, int64_t now_ms) {
  if (b->slot[i].fails && now_ms - b->slot[i].last_ms > SRV_BACKOFF_FORGET_MS)
    memset(&b->slot[i], 0, sizeof b->slot[i]);
}

static unsigned fail_key(srv_backoff *b, const char *key, int64_t now_ms) {
  int i = slot_of(b, key, 1);
  unsigned n, delay;
  forget_old(b, i, now_ms);
  if (!b->slot[i].key[0])
    snprintf(b->slot[i].key, sizeof b->slot[i].key, "%s", key);
  n = ++b->slot[i].fails;
  delay = delay_of(n);
  b->slot[i].last_ms = now_ms;
  if (b->slot[i].next_ms < now_ms + delay)
    b->slot[i].next_ms = now_ms + delay;
  return delay;
}

static void ok_key(srv_backoff *b, const char *key) {
  int i = slot_of(b, key, 0);
  if (i >= 0)
    memset(&b->slot[i], 0, sizeof b->slot[i]);
}

static void key_addr(char *k, size_t n, const char *ip) {
  snprintf(k, n, "a:%s", ip);
}
static void key_user(char *k, size_t n, const char *user) {
  snprintf(k, n, "u:%s", user);
}

unsigned srv_backoff_fail(srv_backoff *b, const char *ip, int64_t now_ms) {
  char k[SRV_BACKOFF_KEY];
  unsigned d;
  key_addr(k, sizeof k, ip);
  pthread_mutex_lock(&b->mu);
  d = fail_key(b, k, now_ms);
  pthread_mutex_unlock(&b->mu);
  return d;
}

void srv_backoff_ok(srv_backoff *b, const char *ip) {
  char k[SRV_BACKOFF_KEY];
  key_addr(k, sizeof k, ip);
  pthread_mutex_lock(&b->mu);
  ok_key(b, k);
  pthread_mutex_unlock(&b->mu);
}

/* When the backoff of the keys lets a check start: 0 when they have no
 * failures (no backoff). Mutex held. */
static int64_t turn_of(srv_backoff *b, char keys[2][SRV_BACKOFF_KEY],
                       int64_t now_ms) {
  int64_t at = 0;
  for (int k = 0; k < 2; k++) {
    int i = slot_of(b, keys[k], 0);
    if (i < 0)
      continue;
    forget_old(b, i, now_ms);
    if (b->slot[i].fails && b->slot[i].next_ms > at)
      at = b->slot[i].next_ms;
  }
  return at;
}

/* Reserves the keys from `at` on: the next check for them waits one
 * delay. Mutex held. */
static void reserve(srv_backoff *b, char keys[2][SRV_BACKOFF_KEY], int64_t at) {
  for (int k = 0; k < 2; k++) {
    int i = slot_of(b, keys[k], 0);
    if (i >= 0 && b->slot[i].fails)
      b->slot[i].next_ms = at + delay_of(b->slot[i].fails);
  }
}

/* Waits on the condition until `until_ms` at most. Mutex held. */
static void wait_until(srv_backoff *b, int64_t until_ms) {
  struct timespec ts;
  ts.tv_sec = (time_t)(until_ms / 1000);
  ts.tv_nsec = (long)(until_ms % 1000) * 1000000L;
  (void)pthread_cond_timedwait(&b->cv, &b->mu, &ts);
}

int srv_auth_gate(srv_backoff *b, const char *ip, const char *user,
                  int64_t deadline_ms, srv_check_fn check, void *arg) {
  char keys[2][SRV_BACKOFF_KEY];
  int rc;
  key_addr(keys[0], sizeof keys[0], ip);
  key_user(keys[1], sizeof keys[1], user);
  pthread_mutex_lock(&b->mu);
  for (;;) {
    int64_t now = cl_now_ms(), turn = turn_of(b, keys, now);
    int64_t at = turn > now ? turn : now;
    /* throttled: the backoff's turn is past the deadline, however late it
     * is now; timed out: no backoff turn in the way, but no hashing turn
     * came before the deadline */
    if (turn > deadline_ms || now >= deadline_ms) {
      pthread_mutex_unlock(&b->mu);
      return turn > deadline_ms ? SRV_GATE_THROTTLED : SRV_GATE_TIMEOUT;
    }
    if (at <= now && b->busy < b->workers) {
      reserve(b, keys, now);
      b->busy++;
      break;
    }
    wait_until(b, at > now ? at : deadline_ms);
  }
  pthread_mutex_unlock(&b->mu);
  rc = check(arg);
  pthread_mutex_lock(&b->mu);
  b->busy--;
  b->checks++;
  if (rc == SRV_CHECK_OK) {
    ok_key(b, keys[0]);
    ok_key(b, keys[1]);
  } else if (rc == SRV_CHECK_BAD) {
    int64_t now = cl_now_ms();
    (void)fail_key(b, keys[0], now);
    (void)fail_key(b, keys[1], now);
  }
  pthread_cond_broadcast(&b->cv);
  pthread_mutex_unlock(&b->mu);
  return rc == SRV_CHECK_OK    ? SRV_GATE_OK
         : rc == SRV_CHECK_BAD ? SRV_GATE_BAD
                               : SRV_GATE_ERROR;
}
