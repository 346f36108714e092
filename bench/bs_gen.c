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

#define MAX_PER_SUBJECT 100
#define COUNT(a) (sizeof(a) / sizeof *(a))

typedef struct rng {
  uint64_t s;
} rng;

static uint64_t next64(rng *r) {
  uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}
static uint32_t below(rng *r, uint32_t n) {
  return (uint32_t)(next64(r) % n);
}
static double unit(rng *r) {
  return (double)(next64(r) >> 11) * 0x1.0p-53;
}

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
  T_TAX
};
enum { S_MARKET, S_ENV, S_TAX, S_COURT, S_DEV, S_HOUSING };

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

static const struct {
  const char *code, *name;
} DISTRICTS[] = {{"350203", "思明"}, {"350205", "海沧"}, {"350206", "湖里"},
                 {"350211", "集美"}, {"350212", "同安"}, {"350213", "翔安"}};
static const int ORG_MIX[BS_NTYPES] = {260, 180, 50, 230, 90, 30, 80, 20, 60};
static const int PERSON_MIX[BS_NTYPES] = {300, 150, 20, 0, 0, 0, 80, 300, 150};
static const char *const BASES[BS_NSOURCES][2] = {
    {"《中华人民共和国食品安全法》第一百二十四条",
     "《中华人民共和国广告法》第五十五条"},
    {"《中华人民共和国大气污染防治法》第九十九条",
     "《中华人民共和国水污染防治法》第八十三条"},
    {"《中华人民共和国税收征收管理法》第六十三条",
     "《中华人民共和国税收征收管理法》第六十四条"},
    {"", ""},
    {"", ""},
    {"《建设工程质量管理条例》第六十四条",
     "《中华人民共和国安全生产法》第一百零二条"},
};
static const char *const WORDS[] = {"鹭岛", "海峡", "嘉禾", "筼筜", "五缘",
                                    "鼓浪", "白鹭", "同心", "闽南", "万石",
                                    "东渡", "金榜", "天竺", "云顶", "凤凰"};
static const char *const TRADES[] = {
    "贸易", "科技", "食品", "建设",     "物流", "餐饮",   "电子",
    "环保", "医药", "服装", "信息技术", "工程", "进出口", "文化传媒"};
static const char *const SURNAMES[] = {"陈", "林", "黄", "张", "李", "王",
                                       "吴", "刘", "蔡", "杨", "郑", "许",
                                       "谢", "洪", "庄", "苏"};
static const char *const GIVEN[] = {
    "伟",   "芳",   "娜",   "敏",   "静",   "强",  "磊", "洋",
    "艳",   "勇",   "军",   "杰",   "娟",   "涛",  "明", "超",
    "秀英", "志强", "丽华", "建国", "海燕", "晓东"};

/* ------------------------------------------------------- identifiers */

static const char USCC_ALPHA[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int alpha_value(char ch) {
  return (int)(strchr(USCC_ALPHA, ch) - USCC_ALPHA);
}

static char orgcode_check(const char *body) {
  static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0, c;
  for (int i = 0; i < 8; i++) {
    char ch = body[i];
    sum += (ch >= '0' && ch <= '9' ? ch - '0' : ch - 'A' + 10) * w[i];
  }
  c = 11 - sum % 11;
  return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

static void make_uscc(uint64_t n, const char *cat, const char *district,
                      char out[19]) {
  static const int w[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                            29, 25, 13, 8,  24, 10, 30, 28};
  uint64_t x = (n * UINT64_C(7919) + 12345) % UINT64_C(887503681);
  int sum = 0;
  memcpy(out, cat, 2);
  memcpy(out + 2, district, 6);
  out[8] = 'M';
  out[9] = 'A';
  for (int i = 15; i >= 10; i--, x /= 31)
    out[i] = USCC_ALPHA[x % 31];
  out[16] = orgcode_check(out + 8);
  for (int i = 0; i < 17; i++)
    sum += alpha_value(out[i]) * w[i];
  out[17] = USCC_ALPHA[(31 - sum % 31) % 31];
  out[18] = '\0';
}

static int leap(int y) {
  return (y % 4 == 0 && y % 100) || y % 400 == 0;
}

static int month_days(int y, int m) {
  static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}

static void date_of(int y0, int k, int *y, int *m, int *d) {
  *y = y0;
  while (k >= (leap(*y) ? 366 : 365))
    k -= leap((*y)++) ? 366 : 365;
  for (*m = 1; k >= month_days(*y, *m); (*m)++)
    k -= month_days(*y, *m);
  *d = k + 1;
}

static void make_resident_id(uint64_t n, char out[19]) {
  static const int w[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                            3, 7, 9,  10, 5, 8, 4, 2};
  const uint64_t days = 20454;
  uint64_t x = (n * UINT64_C(1000003) + 977) % (6 * 1000 * days);
  int y, m, d, sum = 0;
  date_of(1950, (int)(x / 6000), &y, &m, &d);
  snprintf(out, 19, "%s%04d%02d%02d%03d", DISTRICTS[x % 6].code, y, m, d,
           (int)(x / 6 % 1000));
  for (int i = 0; i < 17; i++)
    sum += (out[i] - '0') * w[i];
  out[17] = "10X98765432"[sum % 11];
  out[18] = '\0';
}

/* ----------------------------------------------------------- state */

#define NSERIES (BS_NTYPES + BS_NSOURCES + 1)

struct bs_gen {
  rng r;
  uint64_t base, subjects, events;
  uint32_t seq[NSERIES][5];
  double zipf[MAX_PER_SUBJECT];
  int *counts;
  /* the subject being emitted */
  uint64_t subj, next_id;
  int k, count, person, committed;
  int days[MAX_PER_SUBJECT];
  char id[19], prev[96];
};

int bs_gen_subject(const bs_gen *g, uint64_t i, char id[19], char *name,
                   size_t n) {
  rng r = {g->base ^ (i * UINT64_C(0x2545F4914F6CDD1D))};
  uint32_t roll = below(&r, 100), dist = below(&r, COUNT(DISTRICTS));
  if (roll < 20) {
    make_resident_id(i, id);
    snprintf(name, n, "%s%s", SURNAMES[below(&r, COUNT(SURNAMES))],
             GIVEN[below(&r, COUNT(GIVEN))]);
    return 1;
  }
  make_uscc(i, roll < 28 ? "92" : "91", DISTRICTS[dist].code, id);
  if (roll < 28)
    snprintf(name, n, "厦门市%s区%s%s店", DISTRICTS[dist].name,
             WORDS[below(&r, COUNT(WORDS))], TRADES[below(&r, COUNT(TRADES))]);
  else
    snprintf(name, n, "厦门%s%s%s有限公司", WORDS[below(&r, COUNT(WORDS))],
             WORDS[below(&r, COUNT(WORDS))], TRADES[below(&r, COUNT(TRADES))]);
  return 0;
}

static void zipf_init(bs_gen *g) {
  double sum = 0;
  for (int k = 0; k < MAX_PER_SUBJECT; k++)
    g->zipf[k] = (sum += 1.0 / pow(k + 1, 1.1));
}

static int zipf_count(bs_gen *g) {
  double u = unit(&g->r) * g->zipf[MAX_PER_SUBJECT - 1];
  for (int k = 0; k < MAX_PER_SUBJECT; k++)
    if (u <= g->zipf[k])
      return k + 1;
  return MAX_PER_SUBJECT;
}

/* cmd_gen's plan_counts, step for step (it consumes the same stream). */
static int plan_counts(bs_gen *g) {
  uint64_t sum = 0, target = g->events;
  int *c = calloc(g->subjects ? g->subjects : 1, sizeof *c);
  if (!(g->counts = c))
    return -1;
  for (uint64_t i = 0; i < g->subjects; i++)
    sum += (uint64_t)(c[i] = zipf_count(g));
  if (!target)
    return g->events = sum, 0;
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
    uint64_t i = next64(&g->r) % g->subjects;
    int up = sum < target;
    if (up ? c[i] < MAX_PER_SUBJECT : c[i] > (target >= g->subjects))
      c[i] += up ? 1 : -1, sum += up ? 1 : (uint64_t)-1;
  }
  return 0;
}

bs_gen *bs_gen_new(uint64_t subjects, uint64_t events, uint64_t seed) {
  bs_gen *g = calloc(1, sizeof *g);
  if (!g)
    return NULL;
  g->subjects = subjects;
  g->events = events;
  g->r.s = seed * UINT64_C(0xD1B54A32D192ED03);
  g->base = next64(&(rng){seed ^ UINT64_C(0x5851F42D4C957F2D)});
  zipf_init(g);
  if (plan_counts(g) < 0) {
    free(g);
    return NULL;
  }
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

static int pick_type(rng *r, int person) {
  const int *mix = person ? PERSON_MIX : ORG_MIX;
  int roll = (int)below(r, 1000);
  for (int t = 0; t < BS_NTYPES; t++)
    if ((roll -= mix[t]) < 0)
      return t;
  return T_MINOR;
}

static int source_of(rng *r, int type) {
  static const int pen[] = {S_MARKET, S_MARKET, S_ENV, S_TAX, S_HOUSING};
  switch (type) {
  case T_LICENCE:
    return below(r, 3) ? S_MARKET : S_HOUSING;
  case T_COMMIT:
  case T_BREACH:
    return S_DEV;
  case T_HONOUR:
  case T_TAX:
    return S_TAX;
  case T_LIST:
    return S_COURT;
  default:
    return pen[below(r, COUNT(pen))];
  }
}

static void make_ref(bs_gen *g, int type, int src, int year, char *out,
                     size_t n) {
  static const char *const pen[BS_NSOURCES] = {"厦市监罚", "厦环罚", "厦税稽罚",
                                               "",         "",       "厦建罚"};
  static const char *const prefix[BS_NTYPES] = {[T_COMMIT] = "厦发改承诺",
                                                [T_BREACH] = "厦发改违诺",
                                                [T_HONOUR] = "厦税信",
                                                [T_TAX] = "厦税欠"};
  int series = type;
  const char *pre = prefix[type];
  if (type <= T_SERIOUS) {
    series = BS_NTYPES + src;
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

/* A real as jansson writes it with JSON_REAL_PRECISION(12). */
static void fmt_real(double v, char *out, size_t n) {
  snprintf(out, n, "%.12g", v);
  if (!strpbrk(out, ".eE"))
    strncat(out, ".0", n - strlen(out) - 1);
}

static void amount_data(rng *r, int type, int src, char *out, size_t n) {
  const char *auth = AUTHORITY[src], *basis;
  char a[32];
  double amount = type == T_MINOR     ? 0.05 + unit(r) * 0.95
                  : type == T_GENERAL ? 1 + unit(r) * 49
                                      : 50 + unit(r) * 450;
  fmt_real(round(amount * 100) / 100, a, sizeof a);
  if (type == T_LIST)
    basis = "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条";
  else if (type == T_TAX)
    basis = "《中华人民共和国税收征收管理法》第三十二条";
  else
    basis = BASES[src][below(r, 2)];
  snprintf(out, n, "{\"amount_wan\":%s,\"authority\":\"%s\",\"basis\":\"%s\"}",
           a, auth, basis);
}

/* The data object, keys sorted (credo's canonical form). */
static void make_data(rng *r, int type, int src, const char *prev, char *out,
                      size_t n) {
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
    g->days[k] = (int)below(&g->r, 1826); /* 2021-01-01 .. 2025-12-31 */
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
  e->type = pick_type(&g->r, g->person);
  if (e->type == T_BREACH && !g->committed)
    e->type = T_COMMIT;
  e->source = source_of(&g->r, e->type);
  date_of(2021, g->days[g->k], &y, &m, &d);
  e->occurred =
      (credo_time)(18628 + g->days[g->k]) * CREDO_USEC_PER_DAY; /* 2021-01-01 */
  make_ref(g, e->type, e->source, y, e->ref, sizeof e->ref);
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
  rng r = {x ^ UINT64_C(0xA0761D6478BD642F)};
  return next64(&r);
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
