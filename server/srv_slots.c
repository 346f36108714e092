/*
 * srv_slots.c -- connection slots: how many connections the server holds
 * in all, per peer address, and still authenticating, for every listener.
 *
 * A connection takes a slot when accepted (srv_slot_take) and gives it
 * back when it ends (srv_slot_give); between the two it moves from
 * "authenticating" to "authenticated" once (srv_slot_authed). Caps:
 *   total            --max-conn            every connection held
 *   per address      --max-conn-per-addr   one peer address, any state
 *   authenticating   --max-unauth          before AUTH_OK, all addresses
 *   authenticating   --max-unauth-per-addr before AUTH_OK, one address
 * So slow or silent connections from one address fill only their own
 * small share, and no address (authenticated or not) holds every slot.
 *
 * Invariants: under the mutex, total = sum of per-address counts and
 * unauth <= total; the address table has max_total entries, so it never
 * overflows (each held slot has one address); a refused take changes
 * nothing.
 *
 * Does not: accept, refuse or close sockets (srv_listen.c says what to do
 * with a refusal), or know about protocols.
 */
#include <stdlib.h>
#include <string.h>

#include "srv.h"

int srv_slots_init(srv_slots *s, const srv_caps *caps) {
  memset(s, 0, sizeof *s);
  s->caps = *caps;
  s->addr = calloc(caps->total ? caps->total : 1, sizeof *s->addr);
  if (!s->addr)
    return -1;
  pthread_mutex_init(&s->mu, NULL);
  return 0;
}

void srv_slots_destroy(srv_slots *s) {
  if (!s->addr)
    return;
  pthread_mutex_destroy(&s->mu);
  free(s->addr);
  s->addr = NULL;
}

/* The entry of `ip`, else a free one (create), else -1. Mutex held. */
static int entry_of(srv_slots *s, const char *ip, int create) {
  int free_at = -1;
  for (unsigned i = 0; i < s->caps.total; i++) {
    if (s->addr[i].n && strcmp(s->addr[i].ip, ip) == 0)
      return (int)i;
    if (!s->addr[i].n && free_at < 0)
      free_at = (int)i;
  }
  if (!create || free_at < 0)
    return -1;
  memset(&s->addr[free_at], 0, sizeof s->addr[free_at]);
  strncpy(s->addr[free_at].ip, ip, sizeof s->addr[free_at].ip - 1);
  return free_at;
}

int srv_slot_take(srv_slots *s, const char *ip) {
  int i, why = SRV_SLOT_OK;
  pthread_mutex_lock(&s->mu);
  i = entry_of(s, ip, 0);
  if (s->total >= s->caps.total)
    why = SRV_SLOT_TOTAL;
  else if (i >= 0 && s->addr[i].n >= s->caps.per_addr)
    why = SRV_SLOT_ADDR;
  else if (s->unauth >= s->caps.unauth)
    why = SRV_SLOT_UNAUTH;
  else if (i >= 0 && s->addr[i].unauth >= s->caps.unauth_per_addr)
    why = SRV_SLOT_UNAUTH_ADDR;
  if (why == SRV_SLOT_OK && i < 0)
    i = entry_of(s, ip, 1);
  if (why == SRV_SLOT_OK) {
    s->addr[i].n++;
    s->addr[i].unauth++;
    s->total++;
    s->unauth++;
  }
  pthread_mutex_unlock(&s->mu);
  return why;
}

void srv_slot_authed(srv_slots *s, const char *ip) {
  int i;
  pthread_mutex_lock(&s->mu);
  i = entry_of(s, ip, 0);
  if (i >= 0 && s->addr[i].unauth > 0) {
    s->addr[i].unauth--;
    s->unauth--;
  }
  pthread_mutex_unlock(&s->mu);
}

void srv_slot_give(srv_slots *s, const char *ip, int authed) {
  int i;
  pthread_mutex_lock(&s->mu);
  i = entry_of(s, ip, 0);
  if (i >= 0 && s->addr[i].n > 0) {
    s->addr[i].n--;
    s->total--;
    if (!authed && s->addr[i].unauth > 0) {
      s->addr[i].unauth--;
      s->unauth--;
    }
  }
  pthread_mutex_unlock(&s->mu);
}

const char *srv_slot_why(int why) {
  switch (why) {
  case SRV_SLOT_TOTAL:
    return "too many connections";
  case SRV_SLOT_ADDR:
    return "too many connections from this address";
  case SRV_SLOT_UNAUTH:
    return "too many connections waiting to authenticate";
  case SRV_SLOT_UNAUTH_ADDR:
    return "too many connections from this address waiting to authenticate";
  default:
    return "ok";
  }
}

unsigned srv_slot_cap(const srv_slots *s, int why) {
  switch (why) {
  case SRV_SLOT_ADDR:
    return s->caps.per_addr;
  case SRV_SLOT_UNAUTH:
    return s->caps.unauth;
  case SRV_SLOT_UNAUTH_ADDR:
    return s->caps.unauth_per_addr;
  default:
    return s->caps.total;
  }
}
