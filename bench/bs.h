/*
 * bs.h -- shared declarations of bench_scale (bench/bench_scale.c and
 * bench/bs_*.c): the generated dataset, the bench's fixed timeline, the
 * history the dataset gets (corrections, repairs, retractions, deep
 * histories), timing and the results CSV.
 *
 * Owns: the contract every peer follows so that all of them hold the same
 * logical content with the same transaction times and answer the same
 * questions. Does not: talk to any peer (bs_credo.c, bs_lmdb.c,
 * bs_sqlite.c, bs_pg.c, bs_server.c do).
 */
#ifndef BENCH_BS_H
#define BENCH_BS_H

#include <stddef.h>
#include <stdint.h>

#include "credo.h"

/* ------------------------------------------------------------ dataset */

#define BS_NTYPES 9
#define BS_NSOURCES 6

/* One generated event, in generation order (subject by subject). */
typedef struct bs_event {
  uint64_t id;      /* 1-based ordinal: the id credo assigns */
  uint64_t subject; /* subject number */
  int person, type, source;
  credo_time occurred, from, until; /* until: CREDO_TIME_OPEN for licences */
  char subject_id[19];
  char ref[96];
  char data[400]; /* canonical JSON (compact, keys sorted) */
} bs_event;

typedef struct bs_type {
  const char *name;
  credo_duration publicity, repairable;
} bs_type;

extern const bs_type BS_TYPES[BS_NTYPES];
extern const char *const BS_SOURCES[BS_NSOURCES];

typedef struct bs_gen bs_gen;

/* The generator of `credo gen` (client/cmd_gen.c), same distribution and
 * same random stream: SUBJECTS subjects, EVENTS events, SEED. */
bs_gen *bs_gen_new(uint64_t subjects, uint64_t events, uint64_t seed);
void bs_gen_free(bs_gen *g);
/* Next event: 1, or 0 at the end. */
int bs_gen_next(bs_gen *g, bs_event *e);
/* Subject number i: its id, name, and 1 for a person. */
int bs_gen_subject(const bs_gen *g, uint64_t i, char id[19], char *name,
                   size_t n);
uint64_t bs_gen_events(const bs_gen *g);

/* ------------------------------------------------------------ timeline */

/* Fixed instants (UTC), so that every peer holds the same transaction
 * times and the answers do not drift with the wall clock. */
#define BS_T_SUBJ INT64_C(1764460800000000)    /* 2025-11-30 subjects */
#define BS_T_BUILD INT64_C(1764547200000000)   /* 2025-12-01 bulk build */
#define BS_T_ASOF INT64_C(1765756800000000)    /* 2025-12-15 past instant */
#define BS_T_VERS INT64_C(1766188800000000)    /* 2025-12-20 history pass */
#define BS_T_DEEP INT64_C(1766620800000000)    /* 2025-12-25 deep histories */
#define BS_T_SLICE INT64_C(1766880000000000)   /* 2025-12-28 measured ingest */
#define BS_T_NOW INT64_C(1767225600000000)     /* 2026-01-01 "now" of reads */
#define BS_T_VISIBLE INT64_C(1748736000000000) /* 2025-06-01 VISIBLE AT */
#define BS_T_YEAR0 INT64_C(1735689600000000)   /* 2025-01-01 */
#define BS_T_YEAR1 BS_T_NOW                    /* 2026-01-01 */
#define BS_MS INT64_C(1000)
#define BS_DAY CREDO_USEC_PER_DAY

/* Transaction k of a phase starts at T + k ms. */
static inline credo_time bs_tx(credo_time t0, uint64_t k) {
  return t0 + (credo_time)k * BS_MS;
}

/* ------------------------------------------------------------ history */

enum { BS_FATE_NONE, BS_FATE_CORRECT, BS_FATE_REPAIR, BS_FATE_RETRACT };
#define BS_VERS_BATCH 1000 /* fated events per history transaction */

/* The three events whose as-of read is measured: 1, 100, 10,000
 * versions (deep[i] has BS_DEEP_VERSIONS[i] versions). */
extern const int BS_DEEP_VERSIONS[3];

typedef struct bs_plan {
  uint64_t events, subjects, built; /* built = events - slice */
  uint64_t slice;                   /* the measured ingest: the last ones */
  uint64_t deep[3];
  int build_batch, slice_batch, runs;
} bs_plan;

/* What happens to event `id` in the history pass (a pure function of the
 * id: about 4% corrected, 2% repaired when allowed, 0.1% retracted; none
 * for the deep events and the measured slice). */
int bs_fate(const bs_plan *p, uint64_t id);
/* Corrected data: the original object with "corrected":true added. */
void bs_corrected(const char *data, char *out, size_t n);
/* 1 when a repair effective at t is allowed for the window [from, until)
 * of type `type` (what credo checks). */
int bs_repairable(int type, credo_time from, credo_time until, credo_time t);
/* Transaction time of the j-th version (j from 1) of deep event i. */
credo_time bs_deep_time(int i, int j);
/* The instant the as-of read of deep event i asks for. */
credo_time bs_deep_asof(int i);
/* The data of the j-th version (j >= 2) of a deep event. */
void bs_deep_data(int j, char *out, size_t n);

/* The batch-repair candidates: ids public and repairable at BS_T_NOW + 1 h,
 * untouched by the history pass, spread over the store; filled while
 * generating. */
typedef struct bs_cands {
  uint64_t *id;
  size_t n, cap, want;
  uint64_t stride;
} bs_cands;
void bs_cands_init(bs_cands *c, const bs_plan *p, size_t want);
void bs_cands_offer(bs_cands *c, const bs_plan *p, const bs_event *e);
/* The ids of run r (0-based) of `runs`, at most `batch`: *n of them. */
const uint64_t *bs_cands_run(const bs_cands *c, int r, int runs, size_t batch,
                             uint64_t *buf, size_t *n);
#define BS_T_REPAIR (BS_T_NOW + 3600 * CREDO_USEC_PER_SEC)

/* One row of a SQL peer's events table: one version of one event with
 * its transaction-time period [recorded, superseded). */
typedef struct bs_row {
  const bs_event *e;
  uint32_t version;
  int op, retracted;
  credo_time until, recorded, superseded; /* superseded: OPEN if current */
  const char *data, *reason;
} bs_row;
typedef void (*bs_row_fn)(void *arg, const bs_row *r);
extern const char *const BS_OPS[5]; /* "", "record", "correct", ... */

/* Every version row of built event e, as credo holds them after the
 * build, the history pass and the deep pass. *fated counts the fated
 * events met so far (call in id order, starting from 0). */
void bs_event_rows(const bs_plan *p, const bs_event *e, uint64_t *fated,
                   bs_row_fn fn, void *arg);
/* The row of each event of ev[0..n), batch k of the measured ingest: its
 * record version at bs_tx(BS_T_SLICE, k), never superseded. */
void bs_slice_rows(const bs_event *ev, size_t n, uint64_t k, bs_row_fn fn,
                   void *arg);

/* ------------------------------------------------------------- timing */

double bs_now(void); /* monotonic seconds */

/* Latencies of one run, for percentiles. */
typedef struct bs_lat {
  double *us;
  size_t n, cap;
} bs_lat;
void bs_lat_add(bs_lat *l, double us);
double bs_lat_pct(bs_lat *l, double q); /* sorts; 0 when empty */
void bs_lat_free(bs_lat *l);

/* ------------------------------------------------------------- results */

/* A measured figure over `n` runs. */
typedef struct bs_fig {
  double v[16];
  int n;
  double p50[16], p99[16]; /* latencies (µs) per run, when measured */
  int nlat;
  uint64_t rows; /* rows seen by the last run (cross-check) */
  const char *note;
} bs_fig;

typedef struct bs_out {
  const char *csv, *scale, *peer;
  uint64_t events;
} bs_out;

/* Appends one CSV line: scale,events,peer,workload,unit,median,min,max,
 * runs,p50_us,p99_us,rows,note. */
void bs_emit(const bs_out *o, const char *workload, const char *unit,
             const bs_fig *f);
void bs_emit_skip(const bs_out *o, const char *workload, const char *why);
void bs_fig_add(bs_fig *f, double v);
void bs_fig_lat(bs_fig *f, bs_lat *l);

/* Progress on stderr: "[scale peer] message" with elapsed seconds. */
void bs_log(const bs_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void bs_die(const char *what, const char *msg) __attribute__((noreturn));

/* Bytes allocated on disk under `path` (file or directory tree). */
uint64_t bs_disk_bytes(const char *path);
/* fsync of one file; rm -rf of a path (aborts on failure). */
void bs_fsync_path(const char *path);
void bs_rmrf(const char *path);
/* ISO 8601 UTC text of t with microseconds, for SQL peers. */
void bs_iso(credo_time t, char *out, size_t n);

/* A simple random stream for picking subjects (same in every peer). */
static inline uint64_t bs_rand(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* ------------------------------------------------------------- driver */

enum { BS_BOTH, BS_BUILD, BS_MEASURE };

/* What every peer's entry point gets. */
typedef struct bs_ctx {
  int mode; /* BS_BOTH, BS_BUILD, BS_MEASURE (-m) */
  bs_plan plan;
  bs_out out;
  char *dir;            /* the peer's working directory */
  const char *conninfo; /* PostgreSQL (libpq) */
  const char *server;   /* credo:// URI */
  int lookups;          /* look-ups per run */
  int heavy_runs;       /* runs of whole-store queries */
  int backup_runs;      /* runs of the backup */
  size_t repair_batch;  /* events per batch repair */
  uint64_t seed;
  int conns, pipeline, seconds; /* server concurrency runs */
} bs_ctx;

int bs_run_credo(bs_ctx *c);
int bs_run_lmdb(bs_ctx *c);
int bs_run_sqlite(bs_ctx *c);
int bs_run_pg(bs_ctx *c);
int bs_run_server(bs_ctx *c);
int bs_run_server_conc(bs_ctx *c);

/* ------------------------------------------------ drivers (bs_drive.c)
 * The measuring loops every peer shares; a peer supplies one operation
 * as a callback and the driver times runs, keeps latencies and emits. */

/* Under `perf record --control=fifo:CTL,ACK -D -1`, with BS_PERF_CTL and
 * BS_PERF_ACK naming the fifos: sampling on (off) when workload `w` is
 * BS_PROFILE. Nothing otherwise. */
void bs_profile(const char *w, int on);

/* The generator of the plan (aborts on failure). */
bs_gen *bs_ctx_gen(const bs_ctx *c);
/* The next n events of g, for a run that must not time the generator. */
bs_event *bs_take_events(bs_gen *g, uint64_t n);

/* Between a peer's build and its measured workloads: the ingest slice
 * (the plan.slice events after the built ones) and the batch-repair
 * candidates. Mode both: takes the slice from g, returns 0. Mode build
 * (-m build): saves both under c->dir and returns 1 (the peer stops).
 * Mode measure (-m measure, no build): loads them, returns 0. */
int bs_handoff(const bs_ctx *c, bs_gen *g, bs_event **slice, bs_cands *cands);

/* What a peer does in its life (bs_run_peer drives it): `build` makes
 * its store from the dataset, `measure` runs the workloads on it. */
typedef struct bs_peer_fns {
  void (*build)(void *peer);
  void (*measure)(void *peer, const bs_event *slice);
} bs_peer_fns;
/* The life of one peer: *gen made (bs_ctx_gen) and *cands sized for the
 * repair batches (cands NULL: the peer keeps none), the build unless -m
 * measure, the hand-off (bs_handoff) and, unless that ends the run, the
 * measuring; then the slice, the candidates and the generator are freed.
 * Returns 0 (failures die). */
int bs_run_peer(bs_ctx *c, bs_gen **gen, bs_cands *cands, const bs_peer_fns *f,
                void *peer);

/* One batch of the measured ingest: writes ev[0..n) in one durable
 * transaction whose time is bs_tx(BS_T_SLICE, k). */
typedef void (*bs_batch_fn)(void *arg, const bs_event *ev, size_t n,
                            uint64_t k);
/* The slice in plan.runs runs of batches of plan.slice_batch; emits
 * "ingest" in events/s. */
void bs_ingest(const bs_ctx *c, const bs_event *slice, bs_batch_fn fn,
               void *arg);

/* One look-up of a subject; adds the rows it saw to *rows. */
typedef void (*bs_lookup_fn)(void *arg, const char *subject, uint64_t *rows);
/* A warm-up and plan.runs runs of c->lookups look-ups of random subjects
 * (the same ones in every peer); emits `workload` in ops/s with p50/p99. */
void bs_lookups(const bs_ctx *c, bs_gen *g, const char *workload,
                bs_lookup_fn fn, void *arg);

/* As-of read of deep event i (0..2) at bs_deep_asof(i); returns the
 * version number read. */
typedef int (*bs_deep_fn)(void *arg, int i, uint64_t id);
/* Emits asof_v1, asof_v100, asof_v10000 in µs per read. */
void bs_deep_reads(const bs_ctx *c, bs_deep_fn fn, void *arg);

/* A whole-store operation, run `runs` times: returns its rows. */
typedef uint64_t (*bs_op_fn)(void *arg, int run);
/* Emits `workload` in seconds per run. */
void bs_timed(const bs_ctx *c, const char *workload, int runs, bs_op_fn fn,
              void *arg, const char *note);

/* Repairs ids[0..n) effective at t in one durable transaction; returns
 * the number repaired. */
typedef uint64_t (*bs_repair_fn)(void *arg, const uint64_t *ids, size_t n,
                                 credo_time t);
/* plan.runs batches of c->repair_batch candidates; emits "repair". */
void bs_repairs(const bs_ctx *c, const bs_cands *cands, bs_repair_fn fn,
                void *arg);

/* bs_timed of "backup" when the disk holds a copy of store_bytes with a
 * margin; otherwise a "skipped" line saying why. */
void bs_backup(const bs_ctx *c, uint64_t store_bytes, bs_op_fn fn, void *arg,
               const char *note);

/* Emits "size" (bytes on disk per event) and "size_mb". */
void bs_size(const bs_ctx *c, uint64_t bytes, const char *note);

#endif
