/*
 * srv_purge.c -- credo-server --purge-interval S: the retention purge on a
 * schedule. One thread, with its own handle (credo_dup of the admin
 * handle), runs credo_purge every S seconds; each run erases due records
 * in bounded transactions (engine/retain.c), so sessions keep reading and
 * writing between batches. Each run is logged (event=purge).
 *
 * Invariants: the thread is the only user of its handle; stopping waits
 * for the running batch to commit (it checks the stop request between
 * batches through the progress callback, and wakes a waiting thread).
 *
 * Does not: choose what is due (the types' RETAIN does) or vacuum.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "srv.h"

struct srv_purge {
  credo *db;
  unsigned interval;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int stop;
};

static int stopping(srv_purge *p) {
  int s;
  pthread_mutex_lock(&p->mu);
  s = p->stop;
  pthread_mutex_unlock(&p->mu);
  return s;
}

static int on_progress(void *arg, const char *phase, uint64_t done,
                       uint64_t total) {
  (void)phase;
  (void)total;
  (void)done;
  return stopping(arg);
}

/* Waits `interval` seconds or until stopped; 1 when stopped. */
static int wait_interval(srv_purge *p) {
  struct timespec until;
  int s;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += p->interval;
  pthread_mutex_lock(&p->mu);
  while (!p->stop && pthread_cond_timedwait(&p->cv, &p->mu, &until) == 0)
    ;
  s = p->stop;
  pthread_mutex_unlock(&p->mu);
  return s;
}

static void *run(void *arg) {
  srv_purge *p = arg;
  while (!wait_interval(p)) {
    uint64_t n = 0;
    int rc = credo_purge(p->db, CREDO_TIME_NOW, 0, on_progress, p, &n);
    if (rc == CREDO_OK)
      srv_log(SRV_INFO, "purge", "erased=%llu", (unsigned long long)n);
    else if (rc != CREDO_CANCELLED)
      srv_log(SRV_ERROR, "purge", "erased=%llu error=%s", (unsigned long long)n,
              srv_logq((char[600]){0}, 600, credo_errmsg(p->db)));
  }
  return NULL;
}

srv_purge *srv_purge_start(credo *admin, unsigned interval) {
  srv_purge *p;
  if (!interval)
    return NULL;
  if (!(p = calloc(1, sizeof *p)) || credo_dup(admin, &p->db) != CREDO_OK) {
    srv_log(SRV_ERROR, "purge", "error=%s", "cannot start the purge thread");
    if (p)
      credo_close(p->db);
    free(p);
    return NULL;
  }
  p->interval = interval;
  credo_set_user(p->db, "purge", CREDO_ROLE_ADMIN);
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  if (pthread_create(&p->thread, NULL, run, p) != 0) {
    srv_log(SRV_ERROR, "purge", "error=%s", "cannot start the purge thread");
    credo_close(p->db);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
    return NULL;
  }
  srv_log(SRV_INFO, "purge_scheduled", "interval=%u", interval);
  return p;
}

void srv_purge_stop(srv_purge *p) {
  if (!p)
    return;
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
  pthread_join(p->thread, NULL);
  credo_close(p->db);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p);
}
