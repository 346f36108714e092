/*
 * ids.c -- subject identifiers: the checks of each kind, and UTF-8
 * validation of stored text.
 *
 * Owns: credo_id_check, credo_kind_name, eng_utf8_scan / _valid / _count.
 *
 * Invariants:
 *  - org ids are Unified Social Credit Codes (GB 32100-2015 with
 *    amendment XG1-2016): 18 chars of the 31-letter code alphabet, a
 *    registration authority code (1) and an organisation type code (2) of
 *    that authority, a 6-digit division code at 3-8 whose province (3-4)
 *    is one of GB/T 2260 (or 10, national), the organisation code (9-17)
 *    with its GB 11714 mod-11 check character at 17, and a mod-31 check
 *    character; person ids are resident identity numbers (GB 11643-1999):
 *    17 digits (a GB/T 2260 province at 1-2, a real birth date from
 *    1800-01-01 and not in the future) and a mod-11 check character, 'X'
 *    uppercase; a 15-digit id (GB 11643-1989) is refused with the 18-digit
 *    form it converts to;
 *    other ids are 1-64 bytes of clean UTF-8 (see ids.h);
 *  - checks run in a fixed order (length, characters, structure, check
 *    character) and the first failure is reported as one sentence naming
 *    that check, so the same id always gets the same message;
 *  - nothing is normalised: lowercase is refused, never upcased.
 *
 * Does not: look ids up in a store, or check that a county-level region
 * code or an organisation code really exists (only the province and the
 * check characters). Reads the system clock for the birth-date check.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "credo.h"
#include "ids.h"
#include "timeutil.h"

#define GB_ID_LEN 18    /* both national ids */
#define OTHER_ID_MAX 64 /* bytes */

static const char USCC_ALPHABET[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int USCC_WEIGHTS[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                     29, 25, 13, 8,  24, 10, 30, 28};
static const int RID_WEIGHTS[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                    3, 7, 9,  10, 5, 8, 4, 2};
static const char RID_CHECK[] = "10X98765432";
static const int ORGCODE_WEIGHTS[8] = {3, 7, 9, 10, 5, 8, 4, 2}; /* GB 11714 */
#define ORGCODE_MOD 11
#define RID_OLD_LEN 15 /* GB 11643-1989 */

/* Provinces of GB/T 2260 (the first two digits of a region code); 83 is
 * Taiwan's residence permits; USCCs also take 10 (national level). */
static const int PROVINCES[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                                35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                                53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83};

/* GB 32100-2015 appendix A with XG1-2016: each registration authority
 * code and the organisation type codes it issues. */
static const struct {
  char authority;
  const char *types;
  const char *name;
} USCC_AUTHORITIES[] = {
    {'1', "1239", "机构编制"},    {'2', "19", "外交"},
    {'3', "1234569", "司法行政"}, {'4', "19", "文化"},
    {'5', "1239", "民政"},        {'6', "129", "旅游"},
    {'7', "129", "宗教"},         {'8', "19", "工会"},
    {'9', "123", "工商"},         {'A', "19", "中央军委改革和编制办公室"},
    {'N', "1239", "农业"},        {'Y', "1", "其他"}};

/* --------------------------------------------------------------- helpers */

/* Writes the formatted sentence to why[whylen] (if why is not NULL). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
say(char *why, size_t whylen, const char *fmt, ...) {
  if (why == NULL || whylen == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, whylen, fmt, ap);
  va_end(ap);
}

/* `ch` as it can be quoted in a message: itself when printable ASCII,
 * else \xNN. `buf` needs 5 bytes. */
static const char *shown(char ch, char buf[5]) {
  unsigned char u = (unsigned char)ch;
  if (u >= 0x20 && u < 0x7F)
    snprintf(buf, 5, "%c", ch);
  else
    snprintf(buf, 5, "\\x%02X", u);
  return buf;
}

static int is_digit(char ch) {
  return ch >= '0' && ch <= '9';
}

static int is_lower(char ch) {
  return ch >= 'a' && ch <= 'z';
}

/* The value 0-30 of a USCC character, -1 when not in the alphabet. */
static int uscc_value(char ch) {
  const char *p = ch ? strchr(USCC_ALPHABET, ch) : NULL;
  return p ? (int)(p - USCC_ALPHABET) : -1;
}

/* What a bad character of each national id is told. */
static const char USCC_RULE[] =
    "is not in the code alphabet (digits and uppercase letters, "
    "no I, O, S, V, Z)";
static const char RID_RULE[] = "must be a digit";

/* The shape check shared by both national ids, before the byte-wise checks
 * that assume 18 ASCII bytes: the length in characters (in bytes when the
 * text is not UTF-8), then any multi-byte character, named whole. `what`
 * names the id, `rule` is what its characters must be. */
static int check_shape(const char *what, const char *rule, const char *id,
                       char *why, size_t whylen) {
  size_t n = strlen(id);
  int utf8 = eng_utf8_valid(id, n);
  size_t chars = utf8 ? eng_utf8_count(id, n) : n;
  if (chars != GB_ID_LEN) {
    say(why, whylen, "%s must be %d characters, got %zu%s", what, GB_ID_LEN,
        chars, utf8 ? "" : " bytes");
    return 0;
  }
  if (n == GB_ID_LEN)
    return 1;
  size_t i = 0; /* 18 characters in more bytes: one is not ASCII */
  while ((unsigned char)id[i] < 0x80)
    i++;
  size_t len = 1;
  while (((unsigned char)id[i + len] & 0xC0) == 0x80)
    len++;
  say(why, whylen, "%s character %zu '%.*s' %s", what, i + 1, (int)len, id + i,
      rule);
  return 0;
}

/* ------------------------------------------------------------------ USCC */

/* Positions 1-17: alphabet, then the division code at 3-8. */
static int uscc_structure(const char *id, char *why, size_t whylen) {
  char b[5];
  for (int i = 0; i < 17; i++) {
    if (uscc_value(id[i]) >= 0)
      continue;
    say(why, whylen, "USCC character %d '%s' %s%s", i + 1, shown(id[i], b),
        USCC_RULE, is_lower(id[i]) ? "; use uppercase" : "");
    return 0;
  }
  for (int i = 2; i < 8; i++) {
    if (is_digit(id[i]))
      continue;
    say(why, whylen,
        "USCC administrative division code (characters 3-8) must be digits, "
        "got '%s' at character %d",
        shown(id[i], b), i + 1);
    return 0;
  }
  return 1;
}

static int province_ok(const char *p, int national_ok) {
  int v = (p[0] - '0') * 10 + (p[1] - '0');
  if (national_ok && v == 10)
    return 1;
  for (size_t i = 0; i < sizeof PROVINCES / sizeof PROVINCES[0]; i++)
    if (PROVINCES[i] == v)
      return 1;
  return 0;
}

/* Characters 1-2: a registration authority and one of its type codes. */
static int uscc_codes(const char *id, char *why, size_t whylen) {
  char b[5];
  for (size_t i = 0; i < sizeof USCC_AUTHORITIES / sizeof *USCC_AUTHORITIES;
       i++) {
    if (USCC_AUTHORITIES[i].authority != id[0])
      continue;
    if (strchr(USCC_AUTHORITIES[i].types, id[1]))
      return 1;
    say(why, whylen,
        "USCC organisation type code '%s' (character 2) is not one the "
        "registration authority '%c' (%s) issues (%s; GB 32100)",
        shown(id[1], b), id[0], USCC_AUTHORITIES[i].name,
        USCC_AUTHORITIES[i].types);
    return 0;
  }
  say(why, whylen,
      "USCC registration authority code '%s' (character 1) is not one of GB "
      "32100 (1-9, A, N, Y)",
      shown(id[0], b));
  return 0;
}

/* Characters 9-17: the organisation code, checked by GB 11714. */
static int uscc_orgcode(const char *id, char *why, size_t whylen) {
  int sum = 0, c;
  char want;
  for (int i = 0; i < 8; i++) {
    char ch = id[8 + i];
    sum += (is_digit(ch) ? ch - '0' : ch - 'A' + 10) * ORGCODE_WEIGHTS[i];
  }
  c = ORGCODE_MOD - sum % ORGCODE_MOD;
  want = c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
  if (id[16] == want)
    return 1;
  say(why, whylen,
      "USCC organisation code check character (character 17, GB 11714) is "
      "'%c', expected '%c'",
      id[16], want);
  return 0;
}

static int check_uscc(const char *id, char *why, size_t whylen) {
  if (!check_shape("USCC", USCC_RULE, id, why, whylen) ||
      !uscc_structure(id, why, whylen) || !uscc_codes(id, why, whylen))
    return CREDO_BADID;
  if (!province_ok(id + 2, 1)) {
    say(why, whylen,
        "USCC administrative division code %.6s (characters 3-8) is not in "
        "a province of GB/T 2260",
        id + 2);
    return CREDO_BADID;
  }
  if (!uscc_orgcode(id, why, whylen))
    return CREDO_BADID;
  int sum = 0;
  for (int i = 0; i < 17; i++)
    sum += uscc_value(id[i]) * USCC_WEIGHTS[i];
  char want = USCC_ALPHABET[(31 - sum % 31) % 31];
  if (id[17] == want)
    return CREDO_OK;
  char b[5];
  say(why, whylen, "USCC check character is '%s', expected '%c'%s",
      shown(id[17], b), want,
      is_lower(id[17]) && id[17] - 'a' + 'A' == want ? " (uppercase)" : "");
  return CREDO_BADID;
}

/* ----------------------------------------------------------- resident id */

/* Characters 7-14, YYYYMMDD: a real date, not before 1800-01-01. */
static int rid_birth_date(const char *id, char *why, size_t whylen) {
  int y = 0, md = 0;
  for (int i = 6; i < 10; i++)
    y = y * 10 + (id[i] - '0');
  for (int i = 10; i < 14; i++)
    md = md * 10 + (id[i] - '0');
  int m = md / 100, d = md % 100;
  if (m < 1 || m > 12 || d < 1 || d > eng_days_in_month(y, m)) {
    say(why, whylen, "resident id birth date %.8s is not a real date", id + 6);
    return 0;
  }
  if (y < 1800) {
    say(why, whylen, "resident id birth date %.8s is before 1800-01-01",
        id + 6);
    return 0;
  }
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  /* a day of slack: the birth may be "today" east of UTC */
  if ((int64_t)y * 10000 + md > (int64_t)(tm.tm_year + 1900) * 10000 +
                                    (tm.tm_mon + 1) * 100 + tm.tm_mday + 1) {
    say(why, whylen, "resident id birth date %.8s is in the future", id + 6);
    return 0;
  }
  return 1;
}

/* Positions 1-17 digits, region, birth date. */
static int rid_structure(const char *id, char *why, size_t whylen) {
  char b[5];
  for (int i = 0; i < 17; i++) {
    if (is_digit(id[i]))
      continue;
    say(why, whylen, "resident id character %d '%s' %s", i + 1, shown(id[i], b),
        RID_RULE);
    return 0;
  }
  if (!province_ok(id, 0)) {
    say(why, whylen,
        "resident id region code %.6s is not in a province of GB/T 2260", id);
    return 0;
  }
  return rid_birth_date(id, why, whylen);
}

/* A 15-digit id of GB 11643-1989: refused, naming its 18-digit form. */
static int old_resident(const char *id, char *why, size_t whylen) {
  char id18[19];
  int sum = 0;
  if (strlen(id) != RID_OLD_LEN || strspn(id, "0123456789") != RID_OLD_LEN)
    return 0;
  memcpy(id18, id, 6);
  memcpy(id18 + 6, "19", 2);
  memcpy(id18 + 8, id + 6, 9);
  for (int i = 0; i < 17; i++)
    sum += (id18[i] - '0') * RID_WEIGHTS[i];
  id18[17] = RID_CHECK[sum % 11];
  id18[18] = '\0';
  say(why, whylen,
      "resident id must be 18 characters, got a 15-digit id of GB "
      "11643-1989; its 18-digit form is %s",
      id18);
  return 1;
}

static int check_resident(const char *id, char *why, size_t whylen) {
  if (old_resident(id, why, whylen))
    return CREDO_BADID;
  if (!check_shape("resident id", RID_RULE, id, why, whylen) ||
      !rid_structure(id, why, whylen))
    return CREDO_BADID;
  int sum = 0;
  for (int i = 0; i < 17; i++)
    sum += (id[i] - '0') * RID_WEIGHTS[i];
  char want = RID_CHECK[sum % 11];
  if (id[17] == want)
    return CREDO_OK;
  char b[5];
  say(why, whylen, "resident id check character is '%s', expected '%c'%s",
      shown(id[17], b), want,
      id[17] == 'x' && want == 'X' ? " (X must be uppercase)" : "");
  return CREDO_BADID;
}

/* ----------------------------------------------------------------- other */

static int check_other(const char *id, char *why, size_t whylen) {
  size_t n = strlen(id);
  if (n == 0) {
    say(why, whylen, "other id must not be empty");
    return CREDO_BADID;
  }
  if (n > OTHER_ID_MAX) {
    say(why, whylen, "other id must be at most %d bytes, got %zu", OTHER_ID_MAX,
        n);
    return CREDO_BADID;
  }
  const char *what;
  size_t at = eng_utf8_scan(id, n, &what);
  if (at == n)
    return CREDO_OK;
  say(why, whylen, "other id is not valid UTF-8 text: byte %zu (0x%02X) %s",
      at + 1, (unsigned)(unsigned char)id[at], what);
  return CREDO_BADID;
}

/* ------------------------------------------------------------ public API */

int credo_id_check(credo_kind kind, const char *id, char *why, size_t whylen) {
  if (why != NULL && whylen > 0)
    why[0] = '\0';
  if (kind != CREDO_KIND_ORG && kind != CREDO_KIND_PERSON &&
      kind != CREDO_KIND_OTHER) {
    say(why, whylen, "unknown subject kind %d", (int)kind);
    return CREDO_INVALID;
  }
  if (id == NULL) {
    say(why, whylen, "%s id is missing", credo_kind_name(kind));
    return CREDO_BADID;
  }
  switch (kind) {
  case CREDO_KIND_ORG:
    return check_uscc(id, why, whylen);
  case CREDO_KIND_PERSON:
    return check_resident(id, why, whylen);
  default:
    return check_other(id, why, whylen);
  }
}

const char *credo_kind_name(credo_kind kind) {
  switch (kind) {
  case CREDO_KIND_ORG:
    return "org";
  case CREDO_KIND_PERSON:
    return "person";
  case CREDO_KIND_OTHER:
    return "other";
  }
  return NULL;
}

/* ------------------------------------------------------------------ UTF-8 */

/* Checks the sequence starting at p[0] (avail >= 1 bytes). Returns NULL
 * and its length in *len, or a phrase saying what is wrong with it. */
static const char *utf8_seq(const unsigned char *p, size_t avail, size_t *len) {
  unsigned b = p[0];
  size_t need;
  uint32_t cp, min;
  *len = 1;
  if (b < 0x80)
    return b == 0                    ? "is a NUL byte"
           : (b < 0x20 || b == 0x7F) ? "is a control character"
                                     : NULL;
  if (b < 0xC0)
    return "is a continuation byte without a lead byte";
  if (b < 0xC2)
    return "starts an overlong UTF-8 sequence";
  if (b < 0xE0) {
    need = 2, cp = b & 0x1F, min = 0x80;
  } else if (b < 0xF0) {
    need = 3, cp = b & 0x0F, min = 0x800;
  } else if (b < 0xF5) {
    need = 4, cp = b & 0x07, min = 0x10000;
  } else {
    return "is not a UTF-8 byte";
  }
  for (size_t k = 1; k < need; k++) {
    if (k >= avail || (p[k] & 0xC0) != 0x80)
      return "starts a truncated UTF-8 sequence";
    cp = (cp << 6) | (p[k] & 0x3F);
  }
  if (cp < min)
    return "starts an overlong UTF-8 sequence";
  if (cp >= 0xD800 && cp <= 0xDFFF)
    return "starts an encoded UTF-16 surrogate";
  if (cp > 0x10FFFF)
    return "starts a code point above U+10FFFF";
  if (cp <= 0x9F)
    return "starts a control character (U+0080-U+009F)";
  *len = need;
  return NULL;
}

size_t eng_utf8_scan(const char *s, size_t n, const char **why) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, len;
  while (i < n) {
    const char *bad = utf8_seq(u + i, n - i, &len);
    if (bad != NULL) {
      if (why != NULL)
        *why = bad;
      return i;
    }
    i += len;
  }
  if (why != NULL)
    *why = NULL;
  return n;
}

int eng_utf8_valid(const char *s, size_t n) {
  return eng_utf8_scan(s, n, NULL) == n;
}

size_t eng_utf8_count(const char *s, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    count += ((unsigned char)s[i] & 0xC0) != 0x80;
  return count;
}
