/*
 * bs_gen.c -- the dataset of bench_scale, generated in-process: the
 * generator of `credo gen` (client/cmd_gen.c) ported to hand out events
 * one by one as structs instead of JSON Lines, with the same random
 * stream (splitmix64 seeded the same way), so `credo gen --subjects S
 * --events N --seed K` describes the same subjects, types, dates,
 * sources, references and amounts.
 *
 * Also: the windows credo computes (credo_time_add of the type's
 * PUBLICITY, UTC), the data objects in canonical form (keys sorted, as
 * credo stores them) and the history the bench adds on top (fates, deep
 * histories, batch-repair candidates).
 *
 * Does not: write JSON Lines or touch a store.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs.h"
#include "gen_data.h"

#define MAX_PER_SUBJECT GEN_MAX_PER_SUBJECT

/* ----------------------------------------------------------- catalogue */

const bs_type BS_TYPES[BS_NTYPES] = {
    {"penalty_minor", {3, 0}, {0, 0}},
    {"penalty_general", {12, 0}, {3, 0}},
    {"penalty_serious", {36, 0}, {12, 0}},
    {"licence", {0, 0}, {0, 0}},
    {"commitment", {12, 0}, {0, 0}},
    {"commitment_breach", {12, 0}, {3, 0}},
    {"honour", {12, 0}, {0, 0}},
    {"dishonesty_list", {36, 0}, {12, 0}},
    {"tax_arrear", {12, 0}, {0, 0}},
};

const char *const BS_SOURCES[BS_NSOURCES] = {
    "xm-market", "xm-env", "xm-tax", "xm-court", "xm-dev", "xm-housing"};
static const char *const AUTHORITY[BS_NSOURCES] = {
    "厦门市市场监督管理局",     "厦门市生态环境局",
    "国家税务总局厦门市税务局", "厦门市中级人民法院",
    "厦门市发展和改革委员会",   "厦门市住房和建设局"};

/* ----------------------------------------------------------- state */

struct bs_gen {
  gen_rng r;
  uint64_t base, subjects, events;
  gen_refs refs; /* decision numbers given so far */
  int *counts;
  /* the subject being emitted */
  uint64_t subj, next_id;
  int k, count, person, committed;
  int days[MAX_PER_SUBJECT];
  char id[19], prev[96];
};

int bs_gen_subject(const bs_gen *g, uint64_t i, char id[19], char *name,
                   size_t n) {
  return gen_subject(g->base, i, id, name, n);
}

bs_gen *bs_gen_new(uint64_t subjects, uint64_t events, uint64_t seed) {
  bs_gen *g = calloc(1, sizeof *g);
  if (!g)
    return NULL;
  g->subjects = subjects;
  g->events = events;
  g->r.s = seed * UINT64_C(0xD1B54A32D192ED03);
  g->base = gen_next64(&(gen_rng){seed ^ UINT64_C(0x5851F42D4C957F2D)});
  if (!(g->counts = calloc(subjects ? subjects : 1, sizeof *g->counts))) {
    free(g);
    return NULL;
  }
  gen_plan_counts(&g->r, g->subjects, &g->events, g->counts);
  g->subj = (uint64_t)-1; /* before the first subject */
  g->next_id = 1;
  return g;
}

void bs_gen_free(bs_gen *g) {
  if (g)
    free(g->counts);
  free(g);
}

uint64_t bs_gen_events(const bs_gen *g) {
  return g->events;
}

/* ----------------------------------------------------------- events */

/* A real as jansson writes it with JSON_REAL_PRECISION(12). */
static void fmt_real(double v, char *out, size_t n) {
  snprintf(out, n, "%.12g", v);
  if (!strpbrk(out, ".eE"))
    strncat(out, ".0", n - strlen(out) - 1);
}

static void amount_data(gen_rng *r, int type, int src, char *out, size_t n) {
  const char *auth = AUTHORITY[src], *basis;
  char a[32];
  double amount = type == T_MINOR     ? 0.05 + gen_unit(r) * 0.95
                  : type == T_GENERAL ? 1 + gen_unit(r) * 49
                                      : 50 + gen_unit(r) * 450;
  fmt_real(round(amount * 100) / 100, a, sizeof a);
  if (type == T_LIST)
    basis = "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条";
  else if (type == T_TAX)
    basis = "《中华人民共和国税收征收管理法》第三十二条";
  else
    basis = GEN_BASES[src][gen_below(r, 2)];
  snprintf(out, n, "{\"amount_wan\":%s,\"authority\":\"%s\",\"basis\":\"%s\"}",
           a, auth, basis);
}

/* The data object, keys sorted (credo's canonical form). */
static void make_data(gen_rng *r, int type, int src, const char *prev,
                      char *out, size_t n) {
  const char *auth = AUTHORITY[src];
  switch (type) {
  case T_LICENCE:
    snprintf(out, n,
             "{\"authority\":\"%s\",\"licence_kind\":\"%s\","
             "\"valid_years\":5}",
             auth, src == S_MARKET ? "食品经营许可证" : "建筑工程施工许可证");
    return;
  case T_COMMIT:
    snprintf(out, n, "{\"authority\":\"%s\",\"matter\":\"行政许可告知承诺\"}",
             auth);
    return;
  case T_BREACH:
    snprintf(out, n,
             "{\"authority\":\"%s\",\"commitment_ref\":\"%s\","
             "\"matter\":\"未履行告知承诺\"}",
             auth, prev);
    return;
  case T_HONOUR:
    snprintf(out, n, "{\"authority\":\"%s\",\"title\":\"纳税信用A级纳税人\"}",
             auth);
    return;
  default:
    amount_data(r, type, src, out, n);
  }
}

static int by_day(const void *a, const void *b) {
  return *(const int *)a - *(const int *)b;
}

/* Moves to the next subject with events: 1, or 0 when none is left. */
static int next_subject(bs_gen *g) {
  char name[160];
  do {
    if (++g->subj >= g->subjects)
      return 0;
    g->count = g->counts[g->subj];
  } while (g->count == 0);
  g->person = bs_gen_subject(g, g->subj, g->id, name, sizeof name);
  for (int k = 0; k < g->count; k++)
    g->days[k] = (int)gen_below(&g->r, 1826); /* 2021-01-01 .. 2025-12-31 */
  qsort(g->days, (size_t)g->count, sizeof *g->days, by_day);
  g->k = 0;
  g->committed = 0;
  g->prev[0] = '\0';
  return 1;
}

static void fill_window(bs_event *e) {
  const bs_type *t = &BS_TYPES[e->type];
  e->from = e->occurred;
  e->until = t->publicity.months == 0 && t->publicity.usec == 0
                 ? CREDO_TIME_OPEN
                 : credo_time_add(e->occurred, t->publicity, 0);
}

int bs_gen_next(bs_gen *g, bs_event *e) {
  int y, m, d;
  if ((g->subj == (uint64_t)-1 || g->k >= g->count) && !next_subject(g))
    return 0;
  e->type = gen_pick_type(&g->r, g->person);
  if (e->type == T_BREACH && !g->committed)
    e->type = T_COMMIT;
  e->source = gen_source_of(&g->r, e->type);
  gen_date_of(2021, g->days[g->k], &y, &m, &d);
  e->occurred =
      (credo_time)(18628 + g->days[g->k]) * CREDO_USEC_PER_DAY; /* 2021-01-01 */
  gen_make_ref(&g->refs, e->type, e->source, y, e->ref, sizeof e->ref);
  make_data(&g->r, e->type, e->source, g->prev, e->data, sizeof e->data);
  if (e->type == T_COMMIT) {
    g->committed = 1;
    snprintf(g->prev, sizeof g->prev, "%s", e->ref);
  }
  e->id = g->next_id++;
  e->subject = g->subj;
  e->person = g->person;
  memcpy(e->subject_id, g->id, sizeof e->subject_id);
  fill_window(e);
  g->k++;
  return 1;
}

/* ----------------------------------------------------------- history */

const int BS_DEEP_VERSIONS[3] = {1, 100, 10000};

static uint64_t mix(uint64_t x) {
  gen_rng r = {x ^ UINT64_C(0xA0761D6478BD642F)};
  return gen_next64(&r);
}

int bs_fate(const bs_plan *p, uint64_t id) {
  uint64_t h;
  if (id > p->built || id == p->deep[0] || id == p->deep[1] || id == p->deep[2])
    return BS_FATE_NONE;
  h = mix(id) % 1000;
  return h < 40    ? BS_FATE_CORRECT
         : h < 60  ? BS_FATE_REPAIR
         : h == 60 ? BS_FATE_RETRACT
                   : BS_FATE_NONE;
}

void bs_corrected(const char *data, char *out, size_t n) {
  size_t len = strlen(data);
  snprintf(out, n, "%.*s,\"corrected\":true}", (int)(len - 1), data);
}

int bs_repairable(int type, credo_time from, credo_time until, credo_time t) {
  if (until != CREDO_TIME_OPEN && until <= t)
    return 0;
  return t >= credo_time_add(from, BS_TYPES[type].repairable, 0);
}

credo_time bs_deep_time(int i, int j) {
  return BS_T_DEEP + (credo_time)i * BS_DAY + (credo_time)j * BS_MS;
}

credo_time bs_deep_asof(int i) {
  if (BS_DEEP_VERSIONS[i] == 1)
    return BS_T_ASOF;
  return bs_deep_time(i, BS_DEEP_VERSIONS[i] / 2) + BS_MS / 2;
}

void bs_deep_data(int j, char *out, size_t n) {
  snprintf(out, n, "{\"amount_wan\":1.5,\"authority\":\"bench\",\"v\":%d}", j);
}

/* ----------------------------------------------------- repair batch */

void bs_cands_init(bs_cands *c, const bs_plan *p, size_t want) {
  memset(c, 0, sizeof *c);
  c->want = want;
  /* about a third of the events qualify: offer every stride-th id so
   * that about twice the needed candidates come, spread over the store */
  c->stride = want ? p->built / (want * 6) : 0;
  if (c->stride < 1)
    c->stride = 1;
}

void bs_cands_offer(bs_cands *c, const bs_plan *p, const bs_event *e) {
  if (!c->want || e->id % c->stride || bs_fate(p, e->id) != BS_FATE_NONE ||
      e->id > p->built || e->id == p->deep[0] || e->id == p->deep[1] ||
      e->id == p->deep[2] ||
      !bs_repairable(e->type, e->from, e->until, BS_T_REPAIR) ||
      (e->until != CREDO_TIME_OPEN && e->until <= BS_T_REPAIR + BS_DAY))
    return;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 4096;
    uint64_t *q = realloc(c->id, cap * sizeof *q);
    if (!q)
      bs_die("candidates", "out of memory");
    c->id = q;
    c->cap = cap;
  }
  c->id[c->n++] = e->id;
}

const uint64_t *bs_cands_run(const bs_cands *c, int r, int runs, size_t batch,
                             uint64_t *buf, size_t *n) {
  *n = 0;
  for (size_t i = (size_t)r; i < c->n && *n < batch; i += (size_t)runs)
    buf[(*n)++] = c->id[i];
  return buf;
}
