/*
 * http_limit.c -- per-client rate limiting of the web front end: one
 * token bucket per client address, `rate` tokens a second, holding at
 * most `rate` (a burst of one second's worth).
 *
 * The buckets live in a fixed table (HTTP_LIMIT_SLOTS, no allocation per
 * request) probed from the hash of the address over HTTP_LIMIT_PROBE
 * slots; a new address takes the least recently used of them, so a flood
 * of addresses can only make the limiter forget, never grow or block.
 * One mutex guards the table (a few hundred nanoseconds per request).
 *
 * Does not: know HTTP (http_main.c answers 429).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "http.h"

#define HTTP_LIMIT_SLOTS 4096
#define HTTP_LIMIT_PROBE 8
#define HTTP_LIMIT_KEY 64

typedef struct bucket {
  char key[HTTP_LIMIT_KEY];
  double tokens;
  int64_t last_us; /* last refill; 0 = free slot */
} bucket;

struct http_limiter {
  pthread_mutex_t mu;
  double rate;
  bucket b[HTTP_LIMIT_SLOTS];
};

http_limiter *http_limiter_new(unsigned rate) {
  http_limiter *l = calloc(1, sizeof *l);
  if (!l)
    return NULL;
  pthread_mutex_init(&l->mu, NULL);
  l->rate = rate ? rate : 1;
  return l;
}

void http_limiter_free(http_limiter *l) {
  if (!l)
    return;
  pthread_mutex_destroy(&l->mu);
  free(l);
}

/* The bucket of `key`: its own, or the least recently used of its probe
 * window, reset to full. */
static bucket *find(http_limiter *l, const char *key) {
  size_t h = (size_t)XXH3_64bits(key, strlen(key));
  bucket *lru = NULL;
  int i;
  for (i = 0; i < HTTP_LIMIT_PROBE; i++) {
    bucket *b = &l->b[(h + (size_t)i) % HTTP_LIMIT_SLOTS];
    if (b->last_us && strcmp(b->key, key) == 0)
      return b;
    if (!lru || b->last_us < lru->last_us)
      lru = b;
  }
  memset(lru, 0, sizeof *lru);
  strncpy(lru->key, key, HTTP_LIMIT_KEY - 1);
  lru->tokens = l->rate;
  return lru;
}

int http_limiter_take(http_limiter *l, const char *key, int64_t now_us) {
  bucket *b;
  int ok;
  pthread_mutex_lock(&l->mu);
  b = find(l, key);
  if (b->last_us && now_us > b->last_us)
    b->tokens += (double)(now_us - b->last_us) * l->rate / 1e6;
  if (b->tokens > l->rate)
    b->tokens = l->rate;
  b->last_us = now_us > 0 ? now_us : 1;
  ok = b->tokens >= 1.0;
  if (ok)
    b->tokens -= 1.0;
  pthread_mutex_unlock(&l->mu);
  return ok;
}
