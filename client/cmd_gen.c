/*
 * cmd_gen.c -- `credo gen [--subjects N] [--events N] [--seed S]`: a
 * realistic demo dataset as JSON Lines on stdout, for `credo import`.
 *
 * What it writes (docs/operations.md):
 *  - the types of domain.md with NDRC Order 36 windows (minor 3 months,
 *    general 1 year / repairable after 3 months, serious 3 years / 1 year,
 *    licences open, commitments, breaches, honours, the dishonesty list,
 *    tax arrears);
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
#define MAX_PER_SUBJECT 100

/* ----------------------------------------------------------- catalogue */

enum {
  T_MINOR,
  T_GENERAL,
  T_SERIOUS,
  T_LICENCE,
  T_COMMIT,
  T_BREACH,
  T_HONOUR,
  T_LIST,
  T_TAX,
  NTYPES
};

static const struct {
  const char *name, *publicity, *repairable;
} TYPES[NTYPES] = {
    {"penalty_minor", "3 MONTHS", "0 DAYS"},
    {"penalty_general", "1 YEAR", "3 MONTHS"},
    {"penalty_serious", "3 YEARS", "1 YEAR"},
    {"licence", "0", "0"},
    {"commitment", "1 YEAR", "0 DAYS"},
    {"commitment_breach", "1 YEAR", "3 MONTHS"},
    {"honour", "1 YEAR", "0 DAYS"},
    {"dishonesty_list", "3 YEARS", "1 YEAR"},
    {"tax_arrear", "1 YEAR", "0 DAYS"},
};

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
enum { S_MARKET, S_ENV, S_TAX, S_COURT, S_DEV, S_HOUSING, NSOURCES };

/* ----------------------------------------------------------- output */

/* Decision-number series: one per type, but penalties one per source
 * and housing licences their own. */
#define NSERIES (NTYPES + NSOURCES + 1)

typedef struct gen {
  gen_rng r;     /* events */
  uint64_t base; /* subjects: derived from the seed only */
  uint64_t subjects, events;
  uint32_t seq[NSERIES][5];     /* last number per series and year 2021-2025 */
  double zipf[MAX_PER_SUBJECT]; /* cumulative weights */
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
  for (int t = 0; t < NTYPES; t++)
    emit(g, json_pack("{s:s, s:s, s:s, s:s}", "kind", "type", "name",
                      TYPES[t].name, "publicity", TYPES[t].publicity,
                      "repairable_after", TYPES[t].repairable));
}

/* Subject number i: about 72% enterprises, 8% individual businesses, 20%
 * persons. Writes its id and name; returns 1 for a person. The same i
 * always gives the same subject. */
static int subject_of(const gen *g, uint64_t i, char id[19], char *name,
                      size_t n) {
  gen_rng r = {g->base ^ (i * UINT64_C(0x2545F4914F6CDD1D))};
  uint32_t roll = gen_below(&r, 100),
           dist = gen_below(&r, GEN_COUNT(GEN_DISTRICTS));
  if (roll < 20) {
    gen_make_resident_id(i, id);
    snprintf(name, n, "%s%s",
             GEN_SURNAMES[gen_below(&r, GEN_COUNT(GEN_SURNAMES))],
             GEN_GIVEN[gen_below(&r, GEN_COUNT(GEN_GIVEN))]);
    return 1;
  }
  gen_make_uscc(i, roll < 28 ? "92" : "91", GEN_DISTRICTS[dist].code, id);
  if (roll < 28)
    snprintf(name, n, "厦门市%s区%s%s店", GEN_DISTRICTS[dist].name,
             GEN_WORDS[gen_below(&r, GEN_COUNT(GEN_WORDS))],
             GEN_TRADES[gen_below(&r, GEN_COUNT(GEN_TRADES))]);
  else
    snprintf(name, n, "厦门%s%s%s有限公司",
             GEN_WORDS[gen_below(&r, GEN_COUNT(GEN_WORDS))],
             GEN_WORDS[gen_below(&r, GEN_COUNT(GEN_WORDS))],
             GEN_TRADES[gen_below(&r, GEN_COUNT(GEN_TRADES))]);
  return 0;
}

static void emit_subjects(gen *g) {
  char id[19], name[160];
  for (uint64_t i = 0; i < g->subjects; i++) {
    int person = subject_of(g, i, id, name, sizeof name);
    emit(g, json_pack("{s:s, s:s, s:s, s:s}", "kind", "subject", "id", id,
                      "subject_kind", person ? "person" : "org", "name", name));
  }
}

/* ----------------------------------------------------------- events */

/* Zipf(1.1) over 1..100: the number of events of one subject. */
static void zipf_init(gen *g) {
  double sum = 0;
  for (int k = 0; k < MAX_PER_SUBJECT; k++)
    g->zipf[k] = (sum += 1.0 / pow(k + 1, 1.1));
}

static int zipf_count(gen *g) {
  double u = gen_unit(&g->r) * g->zipf[MAX_PER_SUBJECT - 1];
  for (int k = 0; k < MAX_PER_SUBJECT; k++)
    if (u <= g->zipf[k])
      return k + 1;
  return MAX_PER_SUBJECT;
}

/* Per-subject event counts summing to g->events (1-100 each while the
 * total allows). */
static int *plan_counts(gen *g) {
  int *c = calloc(g->subjects ? g->subjects : 1, sizeof *c);
  uint64_t sum = 0, target = g->events;
  if (!c)
    return NULL;
  for (uint64_t i = 0; i < g->subjects; i++)
    sum += (uint64_t)(c[i] = zipf_count(g));
  if (!target)
    return g->events = sum, c;
  if (target > g->subjects * MAX_PER_SUBJECT)
    target = g->events = g->subjects * MAX_PER_SUBJECT;
  for (uint64_t i = 0, s2 = 0; i < g->subjects; i++) {
    double want = (double)c[i] * (double)target / (double)sum;
    c[i] = (int)fmin(MAX_PER_SUBJECT, fmax(target >= g->subjects, want));
    s2 += (uint64_t)c[i];
    if (i + 1 == g->subjects)
      sum = s2;
  }
  while (sum != target && g->subjects) {
    uint64_t i = gen_next64(&g->r) % g->subjects;
    int up = sum < target;
    if (up ? c[i] < MAX_PER_SUBJECT : c[i] > (target >= g->subjects))
      c[i] += up ? 1 : -1, sum += up ? 1 : (uint64_t)-1;
  }
  return c;
}

static int pick_type(gen_rng *r, int person) {
  const int *mix = person ? GEN_PERSON_MIX : GEN_ORG_MIX;
  int roll = (int)gen_below(r, 1000);
  for (int t = 0; t < NTYPES; t++)
    if ((roll -= mix[t]) < 0)
      return t;
  return T_MINOR;
}

/* The department that records a type (penalties spread over several). */
static int source_of(gen_rng *r, int type) {
  static const int penalty_sources[] = {S_MARKET, S_MARKET, S_ENV, S_TAX,
                                        S_HOUSING};
  switch (type) {
  case T_LICENCE:
    return gen_below(r, 3) ? S_MARKET : S_HOUSING;
  case T_COMMIT:
  case T_BREACH:
    return S_DEV;
  case T_HONOUR:
  case T_TAX:
    return S_TAX;
  case T_LIST:
    return S_COURT;
  default:
    return penalty_sources[gen_below(r, GEN_COUNT(penalty_sources))];
  }
}

/* The decision number: 厦市监罚〔2025〕123号, （2025）闽02执123号, ...
 * numbered per series and year, so (source, ref) never repeats. */
static void make_ref(gen *g, int type, int src, int year, char *out, size_t n) {
  static const char *const pen[NSOURCES] = {"厦市监罚", "厦环罚", "厦税稽罚",
                                            "",         "",       "厦建罚"};
  static const char *const prefix[NTYPES] = {[T_COMMIT] = "厦发改承诺",
                                             [T_BREACH] = "厦发改违诺",
                                             [T_HONOUR] = "厦税信",
                                             [T_TAX] = "厦税欠"};
  int series = type;
  const char *pre = prefix[type];
  if (type <= T_SERIOUS) {
    series = NTYPES + src;
    pre = pen[src];
  } else if (type == T_LICENCE) {
    series = src == S_MARKET ? T_LICENCE : NSERIES - 1;
    pre = src == S_MARKET ? "厦市监许" : "厦建许";
  }
  uint32_t no = ++g->seq[series][year - 2021];
  if (type == T_LIST)
    snprintf(out, n, "（%d）闽02执%u号", year, no);
  else
    snprintf(out, n, "%s〔%d〕%u号", pre, year, no);
}

static json_t *make_data(gen_rng *r, int type, int src, const char *prev_ref) {
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
  amount = type == T_MINOR     ? 0.05 + gen_unit(r) * 0.95
           : type == T_GENERAL ? 1 + gen_unit(r) * 49
                               : 50 + gen_unit(r) * 450;
  amount = round(amount * 100) / 100;
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
    int type = pick_type(&g->r, person);
    if (type == T_BREACH && !committed)
      type = T_COMMIT; /* a breach follows a commitment */
    int src = source_of(&g->r, type);
    gen_date_of(2021, days[k], &y, &m, &d);
    snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
    make_ref(g, type, src, y, ref, sizeof ref);
    json_t *data = make_data(&g->r, type, src, prev);
    emit(g, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "kind", "event",
                      "subject", id, "type", TYPES[type].name, "occurred", date,
                      "source", SOURCES[src].id, "ref", ref, "data",
                      data ? data : json_object()));
    if (type == T_COMMIT) {
      committed = 1;
      snprintf(prev, sizeof prev, "%s", ref);
    }
  }
}

static int emit_events(gen *g) {
  int *counts = plan_counts(g);
  char id[19], name[160];
  if (!counts)
    return -1;
  for (uint64_t i = 0; i < g->subjects && !g->failed; i++) {
    int person = subject_of(g, i, id, name, sizeof name);
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
  zipf_init(&g);
  emit_types(&g);
  emit_subjects(&g);
  if (emit_events(&g) < 0 || g.failed || fflush(stdout) != 0) {
    fprintf(stderr, "error: cannot write the generated data\n");
    return CMD_FAIL;
  }
  fprintf(stderr, "gen: %llu types, %llu subjects, %llu events (seed %llu)\n",
          (unsigned long long)NTYPES, (unsigned long long)g.subjects,
          (unsigned long long)g.events, (unsigned long long)seed);
  return CMD_OK;
}
