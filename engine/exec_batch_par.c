/*
 * exec_batch_par.c -- the batch path on several cores (exec_batch.h):
 * splits the segments a scan collected into contiguous runs, one per
 * worker (worker 0, on the calling thread, takes the first), runs the
 * others on threads, and merges every worker's groups into worker 0's in
 * worker order, so that groups keep the first-appearance order of one
 * pass over the segments (and so the row order of a query without ORDER
 * BY does not depend on the number of workers).
 *
 * Merge: counts add; exact sums add mantissas at the larger scale (the
 * workers' strict bounds make that equal to one pass, exec_batch_loop.c);
 * count(DISTINCT) re-adds each worker's (group, value) pairs into worker
 * 0's sets and counts the new ones.
 *
 * Threads and LMDB: the segment values point into the read transaction's
 * map, valid while it is open; the workers never call LMDB: every
 * evaluation runs under batch.mu, and with several workers whatever an
 * evaluation would read from the store (dictionaries, types) is read
 * before they start, on the calling thread (preload); a query whose
 * evaluations would still read it (a dictionary too large, the public
 * role's masked subjects) runs one worker, the calling thread. Errors: the
 * first failing worker (in worker order) gives the result; it stops the others;
 * an interrupt seen by any worker is reported once, by the calling thread.
 *
 * Does not: walk the cursor (exec_batch.c), or evaluate rows
 * (exec_batch_loop.c).
 */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec_batch.h"

int eng_batch_threads = 0;
void (*eng_batch_seg_hook)(int worker);

/* Fewer segments than this are not worth a thread (auto mode). */
#define PAR_MIN_SEGS 16
/* A dictionary read whole before the workers start has at most one id
 * per this many rows scanned (else the scan runs on one worker). */
#define PAR_ROWS_PER_ID 8

typedef struct par_job {
  bwork w;
  const bsegref *segs;
  size_t from, to;
  pthread_t th;
  int started;
} par_job;

/* With several workers, evaluations (under batch.mu, on any worker's
 * thread) must not read the store: every memo's dictionary is read
 * whole first, on this thread (eng_bm_preload), when it holds at most
 * one id per PAR_ROWS_PER_ID rows scanned; 0 when a memo cannot be. */
static int preload(batch *b, size_t nsegs) {
  uint32_t max = (uint32_t)(nsegs * ENG_PROJ_SEG_ROWS / PAR_ROWS_PER_ID);
  int ok = 1;
  for (size_t c = 0; c < b->nconds && ok; c++)
    ok = eng_bm_preload(b, &b->conds[c], max);
  for (size_t k = 0; k < b->p->nkeys && ok; k++)
    ok = eng_bm_preload(b, &b->keys[k], max);
  for (size_t a = 0; a < b->p->naggs && ok; a++)
    ok = !b->p->aggs[a].arg || eng_bm_preload(b, &b->args[a], max);
  return ok;
}

/* How many workers for n segments. */
static int workers(batch *b, size_t n) {
  const credo *db = b->st->db;
  long cores;
  const char *env = getenv("CREDO_BATCH_THREADS");
  int t = eng_batch_threads;
  if (t <= 0 && env) /* a measurement knob: bench/, docs/performance.md */
    t = atoi(env);
  if (db->check_fn || db->deadline)
    return 1; /* served per row, on the calling thread */
  if (t <= 0) {
    if (n < PAR_MIN_SEGS)
      return 1;
    cores = sysconf(_SC_NPROCESSORS_ONLN);
    t = cores < 1                       ? 1
        : cores > ENG_BATCH_MAX_THREADS ? ENG_BATCH_MAX_THREADS
                                        : (int)cores;
  }
  if (t > ENG_BATCH_MAX_THREADS)
    t = ENG_BATCH_MAX_THREADS;
  if ((size_t)t > n)
    t = n ? (int)n : 1;
  return t > 1 && !preload(b, n) ? 1 : t;
}

static void *job_main(void *arg) {
  par_job *j = arg;
  j->w.rc = eng_bl_run(&j->w, j->segs, j->from, j->to);
  return NULL;
}

/* Adds worker state `from` of aggregate kind `kind` into `to`. */
static int state_merge(int kind, eng_agg_state *to, const eng_agg_state *from) {
  if (kind == BA_DISTINCT_MEMO)
    return CREDO_OK; /* counted as its pairs are re-added */
  to->count += from->count;
  if (kind != BA_SUM_FIELD)
    return CREDO_OK;
  if (to->real || from->real ||
      __builtin_add_overflow(to->isum, from->isum, &to->isum))
    return ENG_BATCH_NO; /* strict workers never get here */
  if (!from->dec)
    return CREDO_OK;
  /* a strict worker's exact sum is a decimal (|m| < 10^18, its cells'
   * largest scale): added as one more cell, as the loop adds them */
  assert(from->dsum.m < (__int128)ENG_BL_DEC_STRICT &&
         from->dsum.m > -(__int128)ENG_BL_DEC_STRICT);
  if (eng_dec_acc_add(&to->dsum, (eng_dec){(int64_t)from->dsum.m,
                                           from->dsum.s}) != CREDO_OK)
    return ENG_BATCH_NO; /* beyond 10^37: the rows say so */
  to->dec = 1;
  return CREDO_OK;
}

/* Re-adds w's distinct pairs of aggregate a into w0 (groups by map). */
static int distinct_merge(bwork *w0, const bwork *w, size_t a,
                          const int32_t *map) {
  size_t na = w0->b->p->naggs;
  if (w->vg[a]) { /* by id: the ids w0 has not seen */
    for (size_t id = 0; id < w0->b->vgcap[a]; id++)
      if (w->vg[a][id] >= 0 && w0->vg[a][id] < 0) {
        int32_t g = map[w->vg[a][id]];
        w0->vg[a][id] = g;
        w0->states[(size_t)g * na + a].count++;
      }
    return CREDO_OK;
  }
  for (size_t i = 0; i < w->dcap[a]; i++) {
    uint64_t key = w->dset[a][i];
    if (!key)
      continue;
    key--;
    int32_t g = map[key >> 32];
    int r = eng_bl_distinct_add(w0, a, g, (int32_t)(uint32_t)key);
    if (r < 0)
      return CREDO_NOMEM;
    w0->states[(size_t)g * na + a].count += r;
  }
  return CREDO_OK;
}

/* Merges worker w into w0 (w's segments follow w0's). */
static int merge(bwork *w0, const bwork *w) {
  const batch *b = w0->b;
  size_t na = b->p->naggs;
  int32_t *map = malloc((w->ngroups + 1) * sizeof *map);
  int rc = map ? CREDO_OK : CREDO_NOMEM;
  for (size_t g = 0; g < w->ngroups && rc == CREDO_OK; g++) {
    if ((rc = eng_bl_group(w0, w->groups[g].kv, &map[g])) != CREDO_OK)
      break;
    for (size_t a = 0; a < na && rc == CREDO_OK; a++)
      rc = state_merge(b->akind[a], &w0->states[(size_t)map[g] * na + a],
                       &w->states[g * na + a]);
  }
  for (size_t a = 0; a < na && rc == CREDO_OK; a++)
    if (b->akind[a] == BA_DISTINCT_MEMO)
      rc = distinct_merge(w0, w, a, map);
  free(map);
  return rc;
}

/* The result of the jobs, in worker order; an interrupt is reported on
 * the handle here (once). */
static int result(batch *b, par_job *jobs, int n) {
  int rc = CREDO_OK;
  for (int i = 0; i < n && rc == CREDO_OK; i++)
    rc = jobs[i].w.rc;
  if (rc == ENG_BL_INTERRUPTED) {
    rc = eng_run_check(b->st->db); /* takes the flag, says why */
    if (rc == CREDO_OK)
      rc = eng_err(b->st->db, CREDO_CANCELLED, "statement interrupted");
  }
  return rc;
}

int eng_bl_par(batch *b, const bsegref *segs, size_t n) {
  int nt = workers(b, n), rc = CREDO_OK;
  par_job *jobs = calloc((size_t)nt, sizeof *jobs);
  if (!jobs)
    return CREDO_NOMEM;
  b->nthreads = nt;
  for (int i = 0; i < nt && rc == CREDO_OK; i++) {
    jobs[i].w.no = i;
    jobs[i].segs = segs;
    jobs[i].from = n * (size_t)i / (size_t)nt;
    jobs[i].to = n * (size_t)(i + 1) / (size_t)nt;
    rc = eng_bl_work_init(&jobs[i].w, b, nt > 1);
  }
  for (int i = 1; i < nt && rc == CREDO_OK; i++)
    jobs[i].started =
        pthread_create(&jobs[i].th, NULL, job_main, &jobs[i]) == 0;
  if (rc == CREDO_OK) {
    job_main(&jobs[0]);
    for (int i = 1; i < nt; i++)
      if (jobs[i].started)
        pthread_join(jobs[i].th, NULL);
      else /* no thread: this one runs it */
        job_main(&jobs[i]);
    rc = result(b, jobs, nt);
  }
  for (int i = 1; i < nt && rc == CREDO_OK; i++)
    rc = b->fast ? eng_bl_fast_merge(&jobs[0].w, &jobs[i].w)
                 : merge(&jobs[0].w, &jobs[i].w);
  if (rc == CREDO_OK && b->fast)
    rc = eng_bl_fast_finish(&jobs[0].w);
  if (rc == CREDO_OK) { /* worker 0's groups are the batch's */
    b->groups = jobs[0].w.groups;
    b->states = jobs[0].w.states;
    b->ngroups = jobs[0].w.ngroups;
    b->gcap = jobs[0].w.gcap;
    jobs[0].w.groups = NULL;
    jobs[0].w.states = NULL;
  }
  for (int i = 0; i < nt; i++)
    eng_bl_work_free(&jobs[i].w);
  free(jobs);
  return rc;
}
