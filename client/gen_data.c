/*
 * gen_data.c -- the catalogue, identifiers, subjects and per-subject
 * counts shared by `credo gen` and the benchmark's generator
 * (gen_data.h). Each function consumes the random stream exactly as the
 * generators did before they shared it, so datasets keep their seeds.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gen_data.h"

const gen_district GEN_DISTRICTS[6] = {{"350203", "思明"}, {"350205", "海沧"},
                                       {"350206", "湖里"}, {"350211", "集美"},
                                       {"350212", "同安"}, {"350213", "翔安"}};
const int GEN_ORG_MIX[GEN_NTYPES] = {260, 180, 50, 230, 90, 30, 80, 20, 60};
const int GEN_PERSON_MIX[GEN_NTYPES] = {300, 150, 20, 0, 0, 0, 80, 300, 150};
const char *const GEN_BASES[GEN_NSOURCES][2] = {
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
const char *const GEN_WORDS[15] = {"鹭岛", "海峡", "嘉禾", "筼筜", "五缘",
                                   "鼓浪", "白鹭", "同心", "闽南", "万石",
                                   "东渡", "金榜", "天竺", "云顶", "凤凰"};
const char *const GEN_TRADES[14] = {
    "贸易", "科技", "食品", "建设",     "物流", "餐饮",   "电子",
    "环保", "医药", "服装", "信息技术", "工程", "进出口", "文化传媒"};
const char *const GEN_SURNAMES[16] = {"陈", "林", "黄", "张", "李", "王",
                                      "吴", "刘", "蔡", "杨", "郑", "许",
                                      "谢", "洪", "庄", "苏"};
const char *const GEN_GIVEN[22] = {
    "伟",   "芳",   "娜",   "敏",   "静",   "强",  "磊", "洋",
    "艳",   "勇",   "军",   "杰",   "娟",   "涛",  "明", "超",
    "秀英", "志强", "丽华", "建国", "海燕", "晓东"};

/* ------------------------------------------------------- identifiers */

static const char USCC_ALPHA[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* The organisation code check character (GB 11714) of 8 body chars. */
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

void gen_make_uscc(uint64_t n, const char *cat, const char *district,
                   char out[19]) {
  static const int w[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                            29, 25, 13, 8,  24, 10, 30, 28};
  uint64_t x = (n * UINT64_C(7919) + 12345) % UINT64_C(887503681); /* 31^6 */
  int sum = 0;
  memcpy(out, cat, 2);
  memcpy(out + 2, district, 6);
  out[8] = 'M';
  out[9] = 'A';
  for (int i = 15; i >= 10; i--, x /= 31)
    out[i] = USCC_ALPHA[x % 31];
  out[16] = orgcode_check(out + 8);
  for (int i = 0; i < 17; i++)
    sum += (int)(strchr(USCC_ALPHA, out[i]) - USCC_ALPHA) * w[i];
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

void gen_date_of(int y0, int k, int *y, int *m, int *d) {
  *y = y0;
  while (k >= (leap(*y) ? 366 : 365))
    k -= leap((*y)++) ? 366 : 365;
  for (*m = 1; k >= month_days(*y, *m); (*m)++)
    k -= month_days(*y, *m);
  *d = k + 1;
}

void gen_make_resident_id(uint64_t n, char out[19]) {
  static const int w[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                            3, 7, 9,  10, 5, 8, 4, 2};
  const uint64_t days = 20454; /* 1950-01-01 .. 2005-12-31 */
  uint64_t x = (n * UINT64_C(1000003) + 977) % (6 * 1000 * days);
  int y, m, d, sum = 0;
  gen_date_of(1950, (int)(x / 6000), &y, &m, &d);
  snprintf(out, 19, "%s%04d%02d%02d%03d", GEN_DISTRICTS[x % 6].code, y, m, d,
           (int)(x / 6 % 1000));
  for (int i = 0; i < 17; i++)
    sum += (out[i] - '0') * w[i];
  out[17] = "10X98765432"[sum % 11];
  out[18] = '\0';
}

int gen_subject(uint64_t base, uint64_t i, char id[19], char *name, size_t n) {
  gen_rng r = {base ^ (i * UINT64_C(0x2545F4914F6CDD1D))};
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

/* ------------------------------------------------------------- counts */

static int zipf_count(gen_rng *r, const double *zipf) {
  double u = gen_unit(r) * zipf[GEN_MAX_PER_SUBJECT - 1];
  for (int k = 0; k < GEN_MAX_PER_SUBJECT; k++)
    if (u <= zipf[k])
      return k + 1;
  return GEN_MAX_PER_SUBJECT;
}

void gen_plan_counts(gen_rng *r, uint64_t subjects, uint64_t *events, int *c) {
  const int max = GEN_MAX_PER_SUBJECT;
  double zipf[GEN_MAX_PER_SUBJECT], acc = 0;
  uint64_t sum = 0, target = *events;
  for (int k = 0; k < max; k++)
    zipf[k] = (acc += 1.0 / pow(k + 1, 1.1));
  for (uint64_t i = 0; i < subjects; i++)
    sum += (uint64_t)(c[i] = zipf_count(r, zipf));
  if (!target) {
    *events = sum;
    return;
  }
  if (target > subjects * max)
    target = *events = subjects * max;
  for (uint64_t i = 0, s2 = 0; i < subjects; i++) {
    double want = (double)c[i] * (double)target / (double)sum;
    c[i] = (int)fmin(max, fmax(target >= subjects, want));
    s2 += (uint64_t)c[i];
    if (i + 1 == subjects)
      sum = s2;
  }
  while (sum != target && subjects) {
    uint64_t i = gen_next64(r) % subjects;
    int up = sum < target;
    if (up ? c[i] < max : c[i] > (target >= subjects))
      c[i] += up ? 1 : -1, sum += up ? 1 : (uint64_t)-1;
  }
}

/* ------------------------------------------------------ types, sources */

int gen_pick_type(gen_rng *r, int person) {
  const int *mix = person ? GEN_PERSON_MIX : GEN_ORG_MIX;
  int roll = (int)gen_below(r, 1000);
  for (int t = 0; t < GEN_NTYPES; t++)
    if ((roll -= mix[t]) < 0)
      return t;
  return T_MINOR;
}

int gen_source_of(gen_rng *r, int type) {
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

void gen_make_ref(gen_refs *r, int type, int src, int year, char *out,
                  size_t n) {
  static const char *const pen[GEN_NSOURCES] = {
      "厦市监罚", "厦环罚", "厦税稽罚", "", "", "厦建罚"};
  static const char *const prefix[GEN_NTYPES] = {[T_COMMIT] = "厦发改承诺",
                                                 [T_BREACH] = "厦发改违诺",
                                                 [T_HONOUR] = "厦税信",
                                                 [T_TAX] = "厦税欠"};
  int series = type;
  const char *pre = prefix[type];
  if (type <= T_SERIOUS) {
    series = GEN_NTYPES + src;
    pre = pen[src];
  } else if (type == T_LICENCE) {
    series = src == S_MARKET ? T_LICENCE : GEN_NSERIES - 1;
    pre = src == S_MARKET ? "厦市监许" : "厦建许";
  }
  uint32_t no = ++r->seq[series][year - 2021];
  if (type == T_LIST)
    snprintf(out, n, "（%d）闽02执%u号", year, no);
  else
    snprintf(out, n, "%s〔%d〕%u号", pre, year, no);
}
