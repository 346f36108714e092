/*
 * sessions.c -- the sessions a server runs on a store's handles: the
 * registry behind SHOW SESSIONS and KILL SESSION.
 *
 * A front end registers each authenticated session's handle
 * (credo_session_register) with its id, peer and a kill callback; the
 * registry is a list on the shared eng_store, guarded by store->mu, so
 * every handle made with credo_dup sees the same sessions. KILL SESSION
 * marks the target (sess_killed), interrupts what it runs and calls its
 * callback (the front end wakes the session's thread, which then finds
 * credo_session_check failing and ends the session).
 *
 * Invariants: a handle is on the list from credo_session_register until
 * eng_session_unregister (eng_close calls it before freeing the handle),
 * so a kill callback never sees a freed handle; only the fields copied at
 * registration (sess_*) are read by other threads, under store->mu.
 *
 * Does not: close sessions or sockets (front ends do), or check passwords.
 */
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"

int credo_session_register(credo *db, uint64_t id, const char *peer,
                           credo_session_kill_fn kill, void *arg) {
  eng_store *store;
  if (!db || id == 0)
    return CREDO_MISUSE;
  if (db->be != &eng_local_backend)
    return be_notsup(db, "credo_session_register");
  eng_err_clear(db);
  store = db->store;
  pthread_mutex_lock(&store->mu);
  if (!db->sess_id) {
    db->sess_next = store->sessions;
    store->sessions = db;
  }
  db->sess_id = id;
  snprintf(db->sess_peer, sizeof db->sess_peer, "%s", peer ? peer : "");
  snprintf(db->sess_user, sizeof db->sess_user, "%s", db->actor);
  db->sess_role = db->role;
  db->sess_since = credo_now(db);
  db->sess_kill = kill;
  db->sess_arg = arg;
  pthread_mutex_unlock(&store->mu);
  return CREDO_OK;
}

void eng_session_unregister(credo *db) {
  eng_store *store = db->store;
  if (!store || !db->sess_id)
    return;
  pthread_mutex_lock(&store->mu);
  for (credo **p = &store->sessions; *p; p = &(*p)->sess_next)
    if (*p == db) {
      *p = db->sess_next;
      break;
    }
  db->sess_id = 0;
  pthread_mutex_unlock(&store->mu);
}

void eng_session_role(credo *db, credo_role role) {
  if (!db->sess_id || db->sess_role == role)
    return;
  pthread_mutex_lock(&db->store->mu);
  db->sess_role = role;
  pthread_mutex_unlock(&db->store->mu);
}

/* One row of SHOW SESSIONS, copied under the lock. */
typedef struct sess_row {
  uint64_t id;
  char user[ENG_MAX_ACTOR + 1];
  credo_role role;
  char peer[sizeof((credo *)0)->sess_peer];
  credo_time since;
} sess_row;

int eng_exec_sessions(credo_stmt *st) {
  credo *db = st->db;
  sess_row *rows = NULL;
  size_t n = 0, cap = 0;
  int rc = eng_require(db, db->role == CREDO_ROLE_ADMIN, "list sessions");
  if (rc != CREDO_OK)
    return rc;
  pthread_mutex_lock(&db->store->mu);
  for (credo *s = db->store->sessions; s && rc == CREDO_OK; s = s->sess_next) {
    if (n == cap) {
      sess_row *r = realloc(rows, (cap = cap ? 2 * cap : 16) * sizeof *r);
      if (!r) {
        rc = CREDO_NOMEM;
        break;
      }
      rows = r;
    }
    rows[n] = (sess_row){s->sess_id, "", s->sess_role, "", s->sess_since};
    memcpy(rows[n].user, s->sess_user, sizeof rows[n].user);
    memcpy(rows[n].peer, s->sess_peer, sizeof rows[n].peer);
    n++;
  }
  pthread_mutex_unlock(&db->store->mu);
  for (size_t i = 0; i < n && rc == CREDO_OK; i++) {
    const char *r = credo_role_name(rows[i].role);
    eng_value v[5] = {eng_v_int((int64_t)rows[i].id),
                      eng_v_text(rows[i].user, strlen(rows[i].user)),
                      eng_v_text(r, strlen(r)),
                      eng_v_text(rows[i].peer, strlen(rows[i].peer)),
                      eng_v_time(rows[i].since)};
    rc = eng_rows_push(st, v, 5);
  }
  free(rows);
  return rc == CREDO_NOMEM ? eng_err(db, rc, "out of memory") : rc;
}

int eng_exec_kill(credo_stmt *st) {
  credo *db = st->db;
  uint64_t id;
  credo *target = NULL;
  int rc = eng_require(db, db->role == CREDO_ROLE_ADMIN, "end sessions");
  if (rc != CREDO_OK || (rc = eng_exec_id(st, st->wx[0], &id)) != CREDO_OK)
    return rc;
  pthread_mutex_lock(&db->store->mu);
  for (credo *s = db->store->sessions; s; s = s->sess_next)
    if (s->sess_id == id)
      target = s;
  if (target && target != db) {
    snprintf(target->sess_killer, sizeof target->sess_killer, "%s", db->actor);
    atomic_store(&target->sess_killed, 1);
    credo_interrupt(target);
    if (target->sess_kill)
      target->sess_kill(target->sess_arg);
  }
  pthread_mutex_unlock(&db->store->mu);
  if (!target)
    return eng_err(db, CREDO_NOTFOUND, "no session %llu",
                   (unsigned long long)id);
  if (target == db)
    return eng_err(db, CREDO_INVALID,
                   "session %llu is this one: end it with BYE",
                   (unsigned long long)id);
  db->changes = 1;
  return CREDO_OK;
}
