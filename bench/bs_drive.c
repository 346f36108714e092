/*
 * bs_drive.c -- the measuring loops of bench_scale, shared by every peer:
 * the measured ingest slice, look-ups with latencies, the deep-history
 * as-of reads, whole-store operations, batch repairs and the size line.
 * Each loop times only the peer's callback: inputs (events, subject ids)
 * are prepared before the clock starts.
 *
 * Does not: know any peer's API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "bs.h"

bs_gen *bs_ctx_gen(const bs_ctx *c) {
  bs_gen *g = bs_gen_new(c->plan.subjects, c->plan.events, c->seed);
  if (!g)
    bs_die("generator", "out of memory");
  if (bs_gen_events(g) != c->plan.events)
    bs_die("generator", "cannot make that many events for these subjects");
  return g;
}

bs_event *bs_take_events(bs_gen *g, uint64_t n) {
  bs_event *ev = malloc((n ? n : 1) * sizeof *ev);
  if (!ev)
    bs_die("events", "out of memory");
  for (uint64_t i = 0; i < n; i++)
    if (!bs_gen_next(g, &ev[i]))
      bs_die("generator", "ran out of events");
  return ev;
}

/* ------------------------------------------------------------ handoff */

typedef struct handoff_head {
  char magic[8];
  uint64_t events, slice, ncands;
} handoff_head;

static void handoff_path(const bs_ctx *c, char *out, size_t n) {
  snprintf(out, n, "%s/handoff.bin", c->dir);
}

static void handoff_save(const bs_ctx *c, const bs_event *slice,
                         const bs_cands *cands) {
  char path[1100];
  handoff_head h = {"bshand1", c->plan.events, c->plan.slice, cands->n};
  FILE *f;
  handoff_path(c, path, sizeof path);
  if (!(f = fopen(path, "wb")) || fwrite(&h, sizeof h, 1, f) != 1 ||
      fwrite(slice, sizeof *slice, h.slice, f) != h.slice ||
      fwrite(cands->id, sizeof *cands->id, h.ncands, f) != h.ncands ||
      fclose(f) != 0)
    bs_die("cannot write", path);
}

static void handoff_load(const bs_ctx *c, bs_event **slice, bs_cands *cands) {
  char path[1100];
  handoff_head h;
  FILE *f;
  handoff_path(c, path, sizeof path);
  if (!(f = fopen(path, "rb")) || fread(&h, sizeof h, 1, f) != 1 ||
      strcmp(h.magic, "bshand1") != 0 || h.events != c->plan.events ||
      h.slice != c->plan.slice)
    bs_die("no build of this scale to measure (run -m build first)", path);
  *slice = malloc((h.slice ? h.slice : 1) * sizeof **slice);
  cands->id = malloc((h.ncands ? h.ncands : 1) * sizeof *cands->id);
  if (!*slice || !cands->id ||
      fread(*slice, sizeof **slice, h.slice, f) != h.slice ||
      fread(cands->id, sizeof *cands->id, h.ncands, f) != h.ncands)
    bs_die("cannot read", path);
  cands->n = cands->cap = h.ncands;
  fclose(f);
}

int bs_handoff(const bs_ctx *c, bs_gen *g, bs_event **slice, bs_cands *cands) {
  if (c->mode == BS_MEASURE) {
    handoff_load(c, slice, cands);
    return 0;
  }
  *slice = bs_take_events(g, c->plan.slice);
  if (c->mode != BS_BUILD)
    return 0;
  handoff_save(c, *slice, cands);
  free(*slice);
  free(cands->id);
  *slice = NULL;
  cands->id = NULL;
  return 1;
}

int bs_run_peer(bs_ctx *c, bs_gen **gen, bs_cands *cands, const bs_peer_fns *f,
                void *peer) {
  bs_cands none = {0};
  bs_event *slice = NULL;
  *gen = bs_ctx_gen(c);
  if (cands)
    bs_cands_init(cands, &c->plan, c->repair_batch * (size_t)c->plan.runs);
  else
    cands = &none;
  if (c->mode != BS_MEASURE)
    f->build(peer);
  if (bs_handoff(c, *gen, &slice, cands) == 0)
    f->measure(peer, slice);
  free(slice);
  free(cands->id);
  cands->id = NULL;
  bs_gen_free(*gen);
  *gen = NULL;
  return 0;
}

/* ---------------------------------------------------------- profiling */

/* 1 when `w` is in the comma-separated list `list`. */
static int listed(const char *list, const char *w) {
  size_t n = strlen(w);
  for (const char *p = list ? strstr(list, w) : NULL; p; p = strstr(p + 1, w))
    if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
      return 1;
  return 0;
}

/* BS_ONLY=w1,w2 runs only those workloads (profiling runs); BS_SKIP=w1,w2
 * skips those, saying so in the CSV (bench/run.sh's BENCH_SKIP). */
static int wanted(const bs_ctx *c, const char *w) {
  const char *only = getenv("BS_ONLY");
  if (listed(getenv("BS_SKIP"), w)) {
    bs_emit_skip(&c->out, w, "skipped by BENCH_SKIP");
    return 0;
  }
  return !only || !*only || listed(only, w);
}

/* Under `perf record --control=fifo:CTL,ACK -D -1`, BS_PERF_CTL / ACK name
 * the fifos and sampling is on only while workload BS_PROFILE runs. */
void bs_profile(const char *w, int on) {
  const char *want = getenv("BS_PROFILE"), *ctl = getenv("BS_PERF_CTL"),
             *ack = getenv("BS_PERF_ACK");
  char buf[16];
  FILE *f;
  if (!want || !ctl || !ack || strcmp(want, w) != 0)
    return;
  if (!(f = fopen(ctl, "w")))
    bs_die("perf control fifo", ctl);
  fputs(on ? "enable\n" : "disable\n", f);
  fclose(f);
  if ((f = fopen(ack, "r"))) {
    if (!fgets(buf, sizeof buf, f))
      buf[0] = '\0';
    fclose(f);
  }
}

/* ------------------------------------------------------------- ingest */

/* Bytes this process has caused to be written to storage so far
 * (/proc/self/io), 0 when unknown. */
static uint64_t written(void) {
  char line[128];
  unsigned long long v = 0;
  FILE *f = fopen("/proc/self/io", "r");
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "write_bytes: %llu", &v) == 1)
      break;
  if (f)
    fclose(f);
  return v;
}

void bs_ingest(const bs_ctx *c, const bs_event *slice, bs_batch_fn fn,
               void *arg) {
  const bs_plan *p = &c->plan;
  uint64_t per = p->slice / (uint64_t)p->runs, k = 0, w0;
  size_t b = (size_t)p->slice_batch;
  static char note[128];
  bs_fig f = {.note = note};
  if (!wanted(c, "ingest"))
    return;
  w0 = written();
  bs_profile("ingest", 1);
  for (int r = 0; r < p->runs; r++) {
    uint64_t n = r + 1 == p->runs ? p->slice - per * (uint64_t)r : per;
    const bs_event *ev = slice + per * (uint64_t)r;
    double t0 = bs_now();
    for (size_t i = 0; i < n; i += b, k++)
      fn(arg, ev + i, n - i < b ? n - i : b, k);
    bs_fig_add(&f, (double)n / (bs_now() - t0));
  }
  bs_profile("ingest", 0);
  if (written() > w0)
    snprintf(note, sizeof note,
             "durable commits; 1000 per txn; this process wrote %.0f B/event",
             (double)(written() - w0) / (double)p->slice);
  else
    snprintf(note, sizeof note, "durable commits; 1000 per txn");
  bs_emit(&c->out, "ingest", "ev/s", &f);
}

/* ------------------------------------------------------------ look-ups */

static char (*pick_subjects(const bs_ctx *c, bs_gen *g, int run, int n))[19] {
  char(*ids)[19] = malloc((size_t)n * sizeof *ids);
  char name[160];
  uint64_t s = c->seed * 1000 + (uint64_t)run;
  if (!ids)
    bs_die("look-ups", "out of memory");
  for (int i = 0; i < n; i++)
    bs_gen_subject(g, bs_rand(&s) % c->plan.subjects, ids[i], name,
                   sizeof name);
  return ids;
}

/* One run: n look-ups, each timed; returns the run's seconds. */
static double lookup_run(char (*ids)[19], int n, bs_lookup_fn fn, void *arg,
                         bs_lat *lat, uint64_t *rows) {
  double start = bs_now(), t0 = start, t1;
  for (int i = 0; i < n; i++, t0 = t1) {
    fn(arg, ids[i], rows);
    t1 = bs_now();
    bs_lat_add(lat, (t1 - t0) * 1e6);
  }
  return t0 - start;
}

void bs_lookups(const bs_ctx *c, bs_gen *g, const char *workload,
                bs_lookup_fn fn, void *arg) {
  bs_fig f = {0};
  bs_lat lat = {0};
  if (!wanted(c, workload))
    return;
  for (int r = -1; r < c->plan.runs; r++) { /* run -1 warms up */
    int n = r < 0 ? (c->lookups + 9) / 10 : c->lookups;
    char(*ids)[19] = pick_subjects(c, g, r < 0 ? 99 : r, n);
    uint64_t rows = 0;
    double s;
    if (r == 0)
      bs_profile(workload, 1);
    s = lookup_run(ids, n, fn, arg, &lat, &rows);
    if (r >= 0) {
      bs_fig_add(&f, n / s);
      bs_fig_lat(&f, &lat);
      f.rows += rows;
    }
    lat.n = 0;
    free(ids);
  }
  bs_profile(workload, 0);
  bs_lat_free(&lat);
  bs_emit(&c->out, workload, "ops/s", &f);
}

/* ------------------------------------------------------- deep history */

void bs_deep_reads(const bs_ctx *c, bs_deep_fn fn, void *arg) {
  static const char *const names[3] = {"asof_v1", "asof_v100", "asof_v10000"};
  int reads = c->lookups;
  for (int i = 0; i < 3 && wanted(c, "asof"); i++) {
    bs_fig f = {.note = "one event as of mid-history"};
    int want = BS_DEEP_VERSIONS[i] == 1 ? 1 : BS_DEEP_VERSIONS[i] / 2;
    for (int r = -1; r < c->plan.runs; r++) {
      int n = r < 0 ? reads / 10 + 1 : reads, v = 0;
      double t0 = bs_now();
      for (int k = 0; k < n; k++)
        v = fn(arg, i, c->plan.deep[i]);
      if (v != want)
        bs_die(names[i], "the as-of read returned the wrong version");
      if (r >= 0)
        bs_fig_add(&f, (bs_now() - t0) / n * 1e6);
    }
    f.rows = (uint64_t)want;
    bs_emit(&c->out, names[i], "us", &f);
  }
}

/* -------------------------------------------------- whole-store ops */

void bs_timed(const bs_ctx *c, const char *workload, int runs, bs_op_fn fn,
              void *arg, const char *note) {
  bs_fig f = {.note = note};
  if (!wanted(c, workload))
    return;
  bs_profile(workload, 1);
  for (int r = 0; r < runs; r++) {
    double t0 = bs_now();
    f.rows = fn(arg, r);
    bs_fig_add(&f, bs_now() - t0);
  }
  bs_profile(workload, 0);
  bs_emit(&c->out, workload, "s", &f);
}

void bs_repairs(const bs_ctx *c, const bs_cands *cands, bs_repair_fn fn,
                void *arg) {
  size_t n, b = c->repair_batch;
  uint64_t *ids = malloc((b ? b : 1) * sizeof *ids);
  char note[128];
  bs_fig f = {.note = note};
  if (!ids)
    bs_die("repairs", "out of memory");
  for (int r = 0; r < c->plan.runs && wanted(c, "repair"); r++) {
    bs_cands_run(cands, r, c->plan.runs, b, ids, &n);
    double t0 = bs_now();
    f.rows = fn(arg, ids, n, BS_T_REPAIR + r * CREDO_USEC_PER_SEC);
    bs_fig_add(&f, bs_now() - t0);
    snprintf(note, sizeof note, "one durable txn of %zu repairs", n);
    if (f.rows != n)
      bs_die("repairs", "a candidate was refused");
  }
  free(ids);
  bs_emit(&c->out, "repair", "s", &f);
}

void bs_size(const bs_ctx *c, uint64_t bytes, const char *note) {
  bs_fig f = {.note = note};
  bs_fig_add(&f, (double)bytes / (double)c->plan.events);
  f.rows = c->plan.events;
  bs_emit(&c->out, "size", "B/ev", &f);
  f.n = 0;
  bs_fig_add(&f, (double)bytes / 1048576.0);
  bs_emit(&c->out, "size_mb", "MB", &f);
}

void bs_backup(const bs_ctx *c, uint64_t store_bytes, bs_op_fn fn, void *arg,
               const char *note) {
  struct statvfs sv;
  char why[160];
  uint64_t need = store_bytes + store_bytes / 10 + (UINT64_C(1) << 30), avail;
  if (statvfs(c->dir, &sv) != 0)
    bs_die("statvfs", c->dir);
  avail = (uint64_t)sv.f_bavail * sv.f_frsize;
  if (avail < need) {
    snprintf(why, sizeof why,
             "not enough disk for a copy: needs %.1f GB, %.1f GB free",
             (double)need / 1e9, (double)avail / 1e9);
    bs_emit_skip(&c->out, "backup", why);
    return;
  }
  bs_timed(c, "backup", c->backup_runs, fn, arg, note);
}
