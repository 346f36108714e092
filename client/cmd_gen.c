/*
 * cmd_gen.c -- `credo gen [--subjects N] [--events N] [--seed S]`: a
 * realistic demo dataset as JSON Lines on stdout, for `credo import`.
 *
 * What it writes (docs/operations.md):
 *  - the types of domain.md with NDRC Order 36 windows (minor 3 months,
 *    general 1 year / repairable after 3 months, serious 3 years / 1 year,
 *    licences open and positive (each event ends with its validity),
 *    commitments, breaches, honours (positive, 2 years), the court's list
 *    of dishonest judgment debtors (失信被执行人: 2 years, repairable at
 *    once), tax arrears); the penalties' PUBLIC FIELDS are authority,
 *    amount_wan and basis (docs/rules.md, rule 14);
 *  - minor penalties only within the simplified procedure's amounts
 *    (行政处罚法 art. 51: at most 3,000 yuan for an organisation, 200 for a
 *    person) and never under food, drug, work-safety or fire law, which
 *    are at least general;
 *  - subjects in Xiamen's districts (350203 思明, 350205 海沧, 350206 湖里,
 *    350211 集美, 350212 同安, 350213 翔安): enterprises and individual
 *    businesses with valid USCCs (their embedded organisation code valid
 *    too), persons with valid resident ids and real birth dates; ids are
 *    distinct by construction (a bijection of the subject number);
 *  - events from the departments that publish them (xm-market, xm-env,
 *    xm-tax, xm-court, xm-dev, xm-housing), decision numbers such as
 *    厦市监罚〔2025〕123号, data with amount_wan, authority and legal
 *    basis; events per subject skewed (Zipf, 1-100), in date order per
 *    subject; a breach only after a commitment of the same subject.
 *
 * Invariants: the output is a function of the options alone (splitmix64
 * seeded with --seed; no clock, no global state); every line imports
 * cleanly into an empty store. Corrections and repairs are not generated:
 * the demo applies them through CQL.
 *
 * The catalogue, the random stream and the identifiers come from
 * gen_data.c, shared with the benchmark's generator (bench/bs_gen.c).
 *
 * Does not: touch a store.
 */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "gen_data.h"

#define SYNOPSIS "gen [--subjects N] [--events N] [--seed S] > FILE.jsonl"
#define MAX_PER_SUBJECT GEN_MAX_PER_SUBJECT

/* ----------------------------------------------------------- catalogue */

#define PENALTY_FIELDS "authority,amount_wan,basis"

static const struct {
  const char *name, *publicity, *repairable, *polarity, *fields;
} TYPES[GEN_NTYPES] = {
    {"penalty_minor", "3 MONTHS", "0 DAYS", "adverse", PENALTY_FIELDS},
    {"penalty_general", "1 YEAR", "3 MONTHS", "adverse", PENALTY_FIELDS},
    {"penalty_serious", "3 YEARS", "1 YEAR", "adverse", PENALTY_FIELDS},
    {"licence", "OPEN", "0 DAYS", "positive", NULL},
    {"commitment", "1 YEAR", "0 DAYS", "positive", NULL},
    {"commitment_breach", "1 YEAR", "3 MONTHS", "adverse", NULL},
    {"honour", "2 YEARS", "0 DAYS", "positive", NULL},
    {"court_dishonest", "2 YEARS", "0 DAYS", "adverse", PENALTY_FIELDS},
    {"tax_arrear", "1 YEAR", "0 DAYS", "adverse", PENALTY_FIELDS},
};

/* Simplified-procedure ceilings of a minor penalty, in 万元. */
#define MINOR_MAX_ORG_WAN 0.3
#define MINOR_MAX_PERSON_WAN 0.02
#define LICENCE_YEARS 5

typedef struct source {
  const char *id, *authority;
} source;

static const source SOURCES[] = {
    {"xm-market", "厦门市市场监督管理局"},
    {"xm-env", "厦门市生态环境局"},
    {"xm-tax", "国家税务总局厦门市税务局"},
    {"xm-court", "厦门市中级人民法院"},
    {"xm-dev", "厦门市发展和改革委员会"},
    {"xm-housing", "厦门市住房和建设局"},
};

/* ----------------------------------------------------------- output */

typedef struct gen {
  gen_rng r;     /* events */
  uint64_t base; /* subjects: derived from the seed only */
  uint64_t subjects, events;
  gen_refs refs; /* decision numbers given so far */
  int failed;
} gen;

static void emit(gen *g, json_t *j) {
  if (!j ||
      json_dumpf(j, stdout,
                 JSON_COMPACT | JSON_PRESERVE_ORDER |
                     JSON_REAL_PRECISION(12)) ||
      putchar('\n') == EOF)
    g->failed = 1;
  json_decref(j);
}

static void emit_types(gen *g) {
  for (int t = 0; t < GEN_NTYPES; t++) {
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "type", "name",
                          TYPES[t].name, "publicity", TYPES[t].publicity,
                          "repairable_after", TYPES[t].repairable, "polarity",
                          TYPES[t].polarity);
    if (j && TYPES[t].fields)
      json_object_set_new(j, "public_fields", json_string(TYPES[t].fields));
    emit(g, j);
  }
}

static void emit_subjects(gen *g) {
  char id[19], name[160];
  for (uint64_t i = 0; i < g->subjects; i++) {
    int person = gen_subject(g->base, i, id, name, sizeof name);
    emit(g, json_pack("{s:s, s:s, s:s, s:s}", "kind", "subject", "id", id,
                      "subject_kind", person ? "person" : "org", "name", name));
  }
}

/* ----------------------------------------------------------- events */

/* Laws whose penalties are at least general (Order 58: food, drugs,
 * special equipment, work safety, fire). */
static int grave_basis(const char *basis) {
  return strstr(basis, "食品安全") || strstr(basis, "药品") ||
         strstr(basis, "安全生产") || strstr(basis, "消防") ||
         strstr(basis, "特种设备");
}

/* A minor penalty's legal basis: one that may be minor, "" for none. */
static const char *minor_basis(gen_rng *r, int src) {
  const char *b = GEN_BASES[src][gen_below(r, 2)];
  if (grave_basis(b))
    b = GEN_BASES[src][0] == b ? GEN_BASES[src][1] : GEN_BASES[src][0];
  return grave_basis(b) ? "" : b;
}

static json_t *make_data(gen_rng *r, int type, int src, const char *prev_ref,
                         int person) {
  const char *auth = SOURCES[src].authority;
  double amount;
  switch (type) {
  case T_LICENCE:
    return json_pack("{s:s, s:s, s:i}", "authority", auth, "licence_kind",
                     src == S_MARKET ? "食品经营许可证" : "建筑工程施工许可证",
                     "valid_years", 5);
  case T_COMMIT:
    return json_pack("{s:s, s:s}", "authority", auth, "matter",
                     "行政许可告知承诺");
  case T_BREACH:
    return json_pack("{s:s, s:s, s:s}", "authority", auth, "matter",
                     "未履行告知承诺", "commitment_ref", prev_ref);
  case T_HONOUR:
    return json_pack("{s:s, s:s}", "authority", auth, "title",
                     "纳税信用A级纳税人");
  default:
    break;
  }
  amount =
      type == T_MINOR
          ? 0.01 +
                gen_unit(r) *
                    ((person ? MINOR_MAX_PERSON_WAN : MINOR_MAX_ORG_WAN) - 0.01)
      : type == T_GENERAL ? 1 + gen_unit(r) * 49
                          : 50 + gen_unit(r) * 450;
  amount = round(amount * 100) / 100;
  if (type == T_MINOR)
    return json_pack("{s:s, s:f, s:s}", "authority", auth, "amount_wan", amount,
                     "basis", minor_basis(r, src));
  if (type == T_LIST || type == T_TAX)
    return json_pack(
        "{s:s, s:f, s:s}", "authority", auth, "amount_wan", amount, "basis",
        type == T_LIST ? "《最高人民法院关于公布失信被执行人名单"
                         "信息的若干规定》第一条"
                       : "《中华人民共和国税收征收管理法》第三十二条");
  return json_pack("{s:s, s:f, s:s}", "authority", auth, "amount_wan", amount,
                   "basis", GEN_BASES[src][gen_below(r, 2)]);
}

static int by_day(const void *a, const void *b) {
  return *(const int *)a - *(const int *)b;
}

/* The events of one subject, in date order. */
static void emit_events_of(gen *g, const char *id, int person, int count) {
  int days[MAX_PER_SUBJECT], y, m, d, committed = 0;
  char ref[96], prev[96] = "", date[16];
  for (int k = 0; k < count; k++)
    days[k] = (int)gen_below(&g->r, 1826); /* 2021-01-01 .. 2025-12-31 */
  qsort(days, (size_t)count, sizeof *days, by_day);
  for (int k = 0; k < count; k++) {
    int type = gen_pick_type(&g->r, person);
    if (type == T_BREACH && !committed)
      type = T_COMMIT; /* a breach follows a commitment */
    int src = gen_source_of(&g->r, type);
    gen_date_of(2021, days[k], &y, &m, &d);
    snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
    gen_make_ref(&g->refs, type, src, y, ref, sizeof ref);
    json_t *data = make_data(&g->r, type, src, prev, person);
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "kind",
                           "event", "subject", id, "type", TYPES[type].name,
                           "occurred", date, "source", SOURCES[src].id, "ref",
                           ref, "data", data ? data : json_object());
    if (ev && type == T_LICENCE) { /* public while valid */
      char until[48];
      snprintf(until, sizeof until, "%04d-%02d-%02d", y + LICENCE_YEARS, m,
               m == 2 && d == 29 ? 28 : d);
      json_object_set_new(ev, "public_until", json_string(until));
    }
    emit(g, ev);
    if (type == T_COMMIT) {
      committed = 1;
      snprintf(prev, sizeof prev, "%s", ref);
    }
  }
}

static int emit_events(gen *g) {
  int *counts = calloc(g->subjects ? g->subjects : 1, sizeof *counts);
  char id[19], name[160];
  if (!counts)
    return -1;
  gen_plan_counts(&g->r, g->subjects, &g->events, counts);
  for (uint64_t i = 0; i < g->subjects && !g->failed; i++) {
    int person = gen_subject(g->base, i, id, name, sizeof name);
    emit_events_of(g, id, person, counts[i]);
  }
  free(counts);
  return 0;
}

int cmd_gen(int argc, char **argv) {
  static const struct option longs[] = {
      {"subjects", required_argument, NULL, 's'},
      {"events", required_argument, NULL, 'e'},
      {"seed", required_argument, NULL, 'r'},
      {NULL, 0, NULL, 0}};
  gen g = {.subjects = 1000};
  uint64_t seed = 1;
  int c;

  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    uint64_t *dst = c == 's' ? &g.subjects : c == 'e' ? &g.events : &seed;
    if (c == '?' || c == ':')
      return cmd_usage(SYNOPSIS, "bad option '%s'", argv[optind - 1]);
    if (cmd_parse_count(optarg, UINT64_C(100000000), dst) < 0)
      return cmd_usage(SYNOPSIS, "%s needs a count", argv[optind - 1]);
  }
  if (optind != argc)
    return cmd_usage(SYNOPSIS, "unexpected argument '%s'", argv[optind]);
  g.r.s = seed * UINT64_C(0xD1B54A32D192ED03);
  g.base = gen_next64(&(gen_rng){seed ^ UINT64_C(0x5851F42D4C957F2D)});
  emit_types(&g);
  emit_subjects(&g);
  if (emit_events(&g) < 0 || g.failed || fflush(stdout) != 0) {
    fprintf(stderr, "error: cannot write the generated data\n");
    return CMD_FAIL;
  }
  fprintf(stderr, "gen: %llu types, %llu subjects, %llu events (seed %llu)\n",
          (unsigned long long)GEN_NTYPES, (unsigned long long)g.subjects,
          (unsigned long long)g.events, (unsigned long long)seed);
  return CMD_OK;
}
