/*
 * pg_types.c -- CQL values as PostgreSQL sends them (text and binary
 * formats), Bind parameters into credo_bind_*, and the SQLSTATE of each
 * engine error.
 *
 *   CQL type   OID          text                         binary
 *   INT        int8 20      "-12"                        int64 BE
 *   REAL       float8 701   shortest exact ("0.75")      IEEE 754 BE
 *   TEXT       text 25      the bytes                    the bytes
 *   BOOL       bool 16      "t" / "f"                    1 byte 1/0
 *   TIME       timestamptz  "2025-03-01 00:00:00+08"     int64 µs since
 *              1184         ("infinity" when open)       2000-01-01 UTC
 *   JSON       jsonb 3802   the JSON text                01 + JSON text
 *
 * Parameters: binary int2/int4/int8/float4/float8/bool/numeric/
 * timestamptz/timestamp/date/text/varchar/json/jsonb; text of any type.
 * An untyped text parameter (OID 0 or unknown) is bound as INT when it is
 * a plain decimal integer of at most 15 digits, REAL when it is a plain
 * decimal fraction, else TEXT (18-digit identity numbers stay TEXT); a
 * `$1::text` cast in the query or a typed Parse decides otherwise.
 *
 * Invariants: pure except for the statement it binds/reads; every binary
 * parameter is length-checked (a wrong length is CREDO_INVALID).
 *
 * Does not: write messages other than one DataRow field.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg.h"

int32_t pg_type_oid(credo_type t) {
  switch (t) {
  case CREDO_T_INT:
    return PG_OID_INT8;
  case CREDO_T_REAL:
    return PG_OID_FLOAT8;
  case CREDO_T_BOOL:
    return PG_OID_BOOL;
  case CREDO_T_TIME:
    return PG_OID_TIMESTAMPTZ;
  case CREDO_T_JSON:
    return PG_OID_JSONB;
  case CREDO_T_DECIMAL:
    return PG_OID_NUMERIC;
  default:
    return PG_OID_TEXT;
  }
}

static const struct {
  int32_t oid;
  const char *name;
  int len;
} TYPES[] = {
    {PG_OID_BOOL, "bool", 1},           {PG_OID_BYTEA, "bytea", -1},
    {PG_OID_NAME, "name", 64},          {PG_OID_INT8, "int8", 8},
    {PG_OID_INT2, "int2", 2},           {PG_OID_INT4, "int4", 4},
    {PG_OID_TEXT, "text", -1},          {PG_OID_OID, "oid", 4},
    {PG_OID_JSON, "json", -1},          {PG_OID_FLOAT4, "float4", 4},
    {PG_OID_FLOAT8, "float8", 8},       {PG_OID_BPCHAR, "bpchar", -1},
    {PG_OID_VARCHAR, "varchar", -1},    {PG_OID_DATE, "date", 4},
    {PG_OID_TIMESTAMP, "timestamp", 8}, {PG_OID_TIMESTAMPTZ, "timestamptz", 8},
    {PG_OID_INTERVAL, "interval", 16},  {PG_OID_NUMERIC, "numeric", -1},
    {PG_OID_JSONB, "jsonb", -1},
};

const char *pg_type_name(int32_t oid) {
  for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
    if (TYPES[i].oid == oid)
      return TYPES[i].name;
  return "text";
}

int pg_type_len(int32_t oid) {
  for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
    if (TYPES[i].oid == oid)
      return TYPES[i].len;
  return -1;
}

/* ------------------------------------------------------------- output */

static void put_be64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8)
    p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

/* PostgreSQL's text form of a timestamptz in zone `tz`:
 * "2025-03-01 09:30:00.25+08" (minutes only when not whole hours). */
static int fmt_time(credo_time t, int tz, char *buf, size_t n) {
  int64_t s, us;
  struct tm tm;
  time_t tt;
  int k, off = tz < 0 ? -tz : tz;
  if (t == CREDO_TIME_OPEN)
    return snprintf(buf, n, "infinity");
  s = (t + (int64_t)tz * CREDO_USEC_PER_SEC) / CREDO_USEC_PER_SEC;
  us = (t + (int64_t)tz * CREDO_USEC_PER_SEC) % CREDO_USEC_PER_SEC;
  if (us < 0) {
    us += CREDO_USEC_PER_SEC;
    s--;
  }
  tt = (time_t)s;
  gmtime_r(&tt, &tm);
  k = snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
               tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (us) {
    char frac[8];
    int e = snprintf(frac, sizeof frac, "%06" PRId64, us);
    while (e > 0 && frac[e - 1] == '0')
      frac[--e] = '\0';
    k += snprintf(buf + k, n - (size_t)k, ".%s", frac);
  }
  k += snprintf(buf + k, n - (size_t)k, "%c%02d", tz < 0 ? '-' : '+',
                off / 3600);
  if (off % 3600)
    k += snprintf(buf + k, n - (size_t)k, ":%02d", off % 3600 / 60);
  return k;
}

/* Shortest text that reads back as the same double (PostgreSQL 12+). */
static int fmt_double(double d, char *buf, size_t n) {
  if (isnan(d))
    return snprintf(buf, n, "NaN");
  if (isinf(d))
    return snprintf(buf, n, d > 0 ? "Infinity" : "-Infinity");
  for (int prec = 1; prec <= 17; prec++) {
    int k = snprintf(buf, n, "%.*g", prec, d);
    if (strtod(buf, NULL) == d)
      return k;
  }
  return snprintf(buf, n, "%.17g", d);
}

static void put_field(pg_buf *b, const void *p, size_t n) {
  pg_put_i32(b, (int32_t)n);
  pg_put_bytes(b, p, n);
}

const char *pg_column_str(credo_stmt *st, int i, int tz, char buf[64],
                          size_t *len) {
  credo_type t = credo_column_type(st, i);
  const char *s;
  int k;
  switch (t) {
  case CREDO_T_NULL:
    return NULL;
  case CREDO_T_INT:
    k = snprintf(buf, 64, "%" PRId64, credo_column_int64(st, i));
    break;
  case CREDO_T_REAL:
    k = fmt_double(credo_column_double(st, i), buf, 64);
    break;
  case CREDO_T_BOOL:
    k = snprintf(buf, 64, "%s", credo_column_int64(st, i) ? "t" : "f");
    break;
  case CREDO_T_TIME:
    k = fmt_time(credo_column_time(st, i), tz, buf, 64);
    break;
  default:
    s = credo_column_text(st, i);
    if (s)
      *len = strlen(s);
    return s;
  }
  *len = (size_t)k;
  return buf;
}

/* PostgreSQL's binary numeric of a plain decimal text ("-12.50"):
 * ndigits, weight, sign (0 / 0x4000), dscale, then base-10000 digits, the
 * first one weighing 10000^weight. -1 when `s` is not plain decimal. */
static int put_numeric(pg_buf *b, const char *s) {
  char d[160];
  const char *dot, *p = s;
  size_t il, fl, lead, n = 0;
  int neg = *p == '-', groups, first = -1, last = -1, weight;
  uint16_t g[40];
  if (*p == '-' || *p == '+')
    p++;
  dot = strchr(p, '.');
  il = dot ? (size_t)(dot - p) : strlen(p);
  fl = dot ? strlen(dot + 1) : 0;
  if (il + fl == 0 || il + fl > 120 || strspn(p, "0123456789") != il ||
      (dot && strspn(dot + 1, "0123456789") != fl))
    return -1;
  lead = (4 - il % 4) % 4; /* integer part padded to whole groups */
  memset(d, '0', sizeof d);
  memcpy(d + lead, p, il);
  if (fl)
    memcpy(d + lead + il, dot + 1, fl);
  groups = (int)((lead + il + fl + 3) / 4);
  for (int k = 0; k < groups; k++) {
    g[k] = (uint16_t)((d[4 * k] - '0') * 1000 + (d[4 * k + 1] - '0') * 100 +
                      (d[4 * k + 2] - '0') * 10 + (d[4 * k + 3] - '0'));
    if (g[k] && first < 0)
      first = k;
    if (g[k])
      last = k;
  }
  weight = (int)((lead + il) / 4) - 1 - (first < 0 ? 0 : first);
  n = first < 0 ? 0 : (size_t)(last - first + 1);
  pg_put_i32(b, (int32_t)(8 + 2 * n));
  pg_put_i16(b, (int16_t)n);
  pg_put_i16(b, (int16_t)(n ? weight : 0));
  pg_put_i16(b, (int16_t)(neg && n ? 0x4000 : 0));
  pg_put_i16(b, (int16_t)fl);
  for (size_t k = 0; k < n; k++)
    pg_put_i16(b, (int16_t)g[first + (int)k]);
  return 0;
}

void pg_put_column(pg_buf *b, credo_stmt *st, int i, int fmt, int tz,
                   credo_type decl) {
  credo_type t = credo_column_type(st, i);
  char buf[64];
  uint8_t bin[8];
  const char *s;
  size_t n = 0;
  union {
    double d;
    uint64_t u;
  } cv;
  if (t == CREDO_T_NULL) {
    pg_put_i32(b, -1);
    return;
  }
  /* binary follows the described (declared) type, converting when a value
   * of another type comes (a JSON path typed JSON yielding a number) */
  if (fmt == 1 && decl == CREDO_T_INT && t == CREDO_T_INT) {
    put_be64(bin, (uint64_t)credo_column_int64(st, i));
    return put_field(b, bin, 8);
  }
  if (fmt == 1 && decl == CREDO_T_REAL &&
      (t == CREDO_T_REAL || t == CREDO_T_INT)) {
    cv.d = t == CREDO_T_REAL ? credo_column_double(st, i)
                             : (double)credo_column_int64(st, i);
    put_be64(bin, cv.u);
    return put_field(b, bin, 8);
  }
  if (fmt == 1 && decl == CREDO_T_BOOL && t == CREDO_T_BOOL) {
    bin[0] = credo_column_int64(st, i) != 0;
    return put_field(b, bin, 1);
  }
  if (fmt == 1 && decl == CREDO_T_TIME && t == CREDO_T_TIME) {
    credo_time v = credo_column_time(st, i);
    put_be64(bin, v == CREDO_TIME_OPEN ? (uint64_t)INT64_MAX
                                       : (uint64_t)(v - PG_EPOCH_USEC));
    return put_field(b, bin, 8);
  }
  if (!(s = pg_column_str(st, i, tz, buf, &n))) {
    pg_put_i32(b, -1);
    return;
  }
  if (fmt == 1 && decl == CREDO_T_DECIMAL && put_numeric(b, s) == 0)
    return;
  if (fmt == 1 && decl == CREDO_T_JSON) {
    if (t != CREDO_T_JSON && t != CREDO_T_TEXT)
      s = credo_column_text(st, i); /* the JSON text of a number, a bool */
    n = s ? strlen(s) : 0;
    pg_put_i32(b, (int32_t)(n + 1));
    pg_put_u8(b, 1); /* jsonb binary version */
    pg_put_bytes(b, s, n);
    return;
  }
  put_field(b, s, n); /* text, and binary text */
}

/* -------------------------------------------------------------- input */

/* Copies a parameter's bytes into a NUL-terminated buffer (malloc). */
static char *dup_value(const pg_value *v) {
  char *s = malloc((size_t)v->len + 1);
  if (s) {
    memcpy(s, v->p, (size_t)v->len);
    s[v->len] = '\0';
  }
  return s;
}

/* A plain decimal integer of at most 15 digits ("-12", "0"). */
static int looks_int(const char *s) {
  size_t i = (*s == '-'), d = 0;
  if (s[i] == '0' && s[i + 1])
    return 0;
  for (; s[i]; i++, d++)
    if (!isdigit((unsigned char)s[i]))
      return 0;
  return d > 0 && d <= 15;
}

/* A plain decimal fraction ("0.75", "-3.5"). */
static int looks_real(const char *s) {
  size_t i = (*s == '-'), before = 0, after = 0;
  for (; isdigit((unsigned char)s[i]); i++)
    before++;
  if (s[i] != '.')
    return 0;
  for (i++; isdigit((unsigned char)s[i]); i++)
    after++;
  return s[i] == '\0' && before > 0 && after > 0;
}

/* PostgreSQL prints zones as "+08"; credo_time_parse wants "+08:00". */
static int parse_time(const char *s, int tz, credo_time *out) {
  char buf[80];
  size_t n = strlen(s);
  if (strcmp(s, "infinity") == 0) {
    *out = CREDO_TIME_OPEN;
    return CREDO_OK;
  }
  if (n >= 3 && n < sizeof buf - 4 && (s[n - 3] == '+' || s[n - 3] == '-') &&
      isdigit((unsigned char)s[n - 2]) && isdigit((unsigned char)s[n - 1])) {
    snprintf(buf, sizeof buf, "%s:00", s);
    return credo_time_parse(buf, tz, out);
  }
  return credo_time_parse(s, tz, out);
}

static int bind_text_as(credo_stmt *st, int i, const char *s, int32_t oid,
                        int tz, char *err, size_t errn) {
  char *end;
  switch (oid) {
  case PG_OID_INT2:
  case PG_OID_INT4:
  case PG_OID_INT8:
  case PG_OID_OID: {
    long long v = strtoll(s, &end, 10);
    if (end == s || *end)
      break;
    return credo_bind_int64(st, i, v);
  }
  case PG_OID_FLOAT4:
  case PG_OID_FLOAT8:
  case PG_OID_NUMERIC: {
    if (oid == PG_OID_NUMERIC && looks_int(s))
      return credo_bind_int64(st, i, strtoll(s, NULL, 10));
    double d = strtod(s, &end);
    if (end == s || *end)
      break;
    return credo_bind_double(st, i, d);
  }
  case PG_OID_BOOL:
    if (!strcmp(s, "t") || !strcmp(s, "true") || !strcmp(s, "1") ||
        !strcmp(s, "on") || !strcmp(s, "yes"))
      return credo_bind_int64(st, i, 1);
    if (!strcmp(s, "f") || !strcmp(s, "false") || !strcmp(s, "0") ||
        !strcmp(s, "off") || !strcmp(s, "no"))
      return credo_bind_int64(st, i, 0);
    break;
  case PG_OID_TIMESTAMPTZ:
  case PG_OID_TIMESTAMP:
  case PG_OID_DATE: {
    credo_time t;
    if (parse_time(s, tz, &t) != CREDO_OK)
      break;
    return credo_bind_time(st, i, t);
  }
  case 0:
  case PG_OID_UNKNOWN:
    if (looks_int(s))
      return credo_bind_int64(st, i, strtoll(s, NULL, 10));
    if (looks_real(s))
      return credo_bind_double(st, i, strtod(s, NULL));
    return credo_bind_text(st, i, s, -1);
  default:
    return credo_bind_text(st, i, s, -1);
  }
  snprintf(err, errn, "invalid input syntax for type %s: \"%.64s\"",
           pg_type_name(oid), s);
  return CREDO_INVALID;
}

/* Binary numeric: ndigits, weight, sign, dscale (int16 each), then
 * ndigits base-10000 digits; value = sum d[k] * 10000^(weight - k). */
static int numeric_text(const pg_value *v, char *buf, size_t n) {
  pg_rd r = {v->p, (size_t)v->len, 0, 0};
  int nd = pg_get_i16(&r), weight = pg_get_i16(&r), sign = pg_get_i16(&r),
      dscale = pg_get_i16(&r), d[64];
  size_t k = 0;
  if (r.bad || nd < 0 || nd > 64 || dscale < 0 || dscale > 64 ||
      (size_t)v->len != 8 + (size_t)nd * 2 || weight > 32 || weight < -32)
    return -1;
  if ((uint16_t)sign == 0xC000)
    return snprintf(buf, n, "NaN");
  for (int i = 0; i < nd; i++)
    d[i] = pg_get_i16(&r);
  if (sign)
    buf[k++] = '-';
  if (weight < 0)
    buf[k++] = '0';
  for (int idx = 0; idx <= weight; idx++)
    k += (size_t)snprintf(buf + k, n - k, idx ? "%04d" : "%d",
                          idx < nd ? d[idx] : 0);
  if (dscale > 0) {
    char frac[300];
    size_t f = 0;
    for (int idx = weight + 1; f < (size_t)dscale; idx++)
      f += (size_t)snprintf(frac + f, sizeof frac - f, "%04d",
                            idx >= 0 && idx < nd ? d[idx] : 0);
    k += (size_t)snprintf(buf + k, n - k, ".%.*s", dscale, frac);
  }
  return (int)k;
}

static int bind_binary(credo_stmt *st, int i, const pg_value *v, int32_t oid,
                       char *err, size_t errn) {
  union {
    uint64_t u;
    double d;
  } cv;
  union {
    uint32_t u;
    float f;
  } cf;
  int n = v->len;
  char buf[400];
  switch (oid) {
  case PG_OID_INT8:
  case PG_OID_INT4:
  case PG_OID_INT2:
    if (n != (oid == PG_OID_INT8 ? 8 : oid == PG_OID_INT4 ? 4 : 2))
      break;
    cv.u = get_be(v->p, n);
    if (n == 4)
      return credo_bind_int64(st, i, (int32_t)(uint32_t)cv.u);
    if (n == 2)
      return credo_bind_int64(st, i, (int16_t)(uint16_t)cv.u);
    return credo_bind_int64(st, i, (int64_t)cv.u);
  case PG_OID_FLOAT8:
    if (n != 8)
      break;
    cv.u = get_be(v->p, 8);
    return credo_bind_double(st, i, cv.d);
  case PG_OID_FLOAT4:
    if (n != 4)
      break;
    cf.u = (uint32_t)get_be(v->p, 4);
    return credo_bind_double(st, i, cf.f);
  case PG_OID_BOOL:
    if (n != 1)
      break;
    return credo_bind_int64(st, i, v->p[0] != 0);
  case PG_OID_TIMESTAMPTZ:
  case PG_OID_TIMESTAMP:
    if (n != 8)
      break;
    cv.u = get_be(v->p, 8);
    return credo_bind_time(st, i,
                           (int64_t)cv.u == INT64_MAX
                               ? CREDO_TIME_OPEN
                               : (int64_t)cv.u + PG_EPOCH_USEC);
  case PG_OID_DATE:
    if (n != 4)
      break;
    return credo_bind_time(st, i,
                           (int64_t)(int32_t)(uint32_t)get_be(v->p, 4) *
                                   CREDO_USEC_PER_DAY +
                               PG_EPOCH_USEC);
  case PG_OID_NUMERIC:
    if (numeric_text(v, buf, sizeof buf) < 0)
      break;
    return bind_text_as(st, i, buf, PG_OID_NUMERIC, 0, err, errn);
  case PG_OID_JSONB:
    if (n < 1 || v->p[0] != 1)
      break;
    return credo_bind_text(st, i, (const char *)v->p + 1, n - 1);
  default:
    return credo_bind_text(st, i, (const char *)v->p, n);
  }
  snprintf(err, errn, "invalid binary value for type %s (%d bytes)",
           pg_type_name(oid), n);
  return CREDO_INVALID;
}

int pg_bind_value(credo_stmt *st, int i, const pg_value *v, int fmt,
                  int32_t oid, int tz, char *err, size_t errn) {
  char *s;
  int rc;
  if (v->len < 0)
    return credo_bind_null(st, i);
  if (fmt == 1)
    return bind_binary(st, i, v, oid, err, errn);
  if (memchr(v->p, 0, (size_t)v->len)) {
    snprintf(err, errn, "parameter $%d contains a zero byte", i);
    return CREDO_INVALID;
  }
  if (!(s = dup_value(v)))
    return CREDO_NOMEM;
  rc = bind_text_as(st, i, s, oid, tz, err, errn);
  free(s);
  return rc;
}

int pg_bind_cast(credo_stmt *st, int i, const pg_value *v, int fmt, int32_t oid,
                 int tz, char *err, size_t errn) {
  char buf[400];
  if (oid == PG_OID_BOOL && v->len >= 0) {
    int b = fmt == 1 ? v->len == 1 && v->p[0] != 0
                     : v->len > 0 && strchr("tTyY1", v->p[0]) != NULL &&
                           !(v->len > 1 && (v->p[1] == 'f' || v->p[1] == 'F'));
    return credo_bind_text(st, i, b ? "true" : "false", -1);
  }
  if (oid != PG_OID_NUMERIC || v->len < 0)
    return pg_bind_value(st, i, v, fmt, oid, tz, err, errn);
  if (fmt == 1) {
    if (numeric_text(v, buf, sizeof buf) < 0) {
      snprintf(err, errn, "invalid binary value for type numeric (%d bytes)",
               v->len);
      return CREDO_INVALID;
    }
    return credo_bind_text(st, i, buf, -1);
  }
  return credo_bind_text(st, i, (const char *)v->p, v->len);
}

/* ------------------------------------------------------------- errors */

const char *pg_sqlstate(int code, const char *msg) {
  switch (code) {
  case CREDO_SYNTAX:
    return "42601";
  case CREDO_SEMANTIC:
    if (msg && strstr(msg, "unknown column"))
      return "42703";
    if (msg && (strstr(msg, "unknown table") || strstr(msg, "no table")))
      return "42P01";
    if (msg && strstr(msg, "not bound"))
      return "08P01";
    return "42804";
  case CREDO_DENIED:
    return "42501";
  case CREDO_CANCELLED:
    return "57014";
  case CREDO_NOTFOUND:
    return "42704";
  case CREDO_EXISTS:
    return "42710";
  case CREDO_CONFLICT:
    return "23505";
  case CREDO_REFUSED:
    return "23514";
  case CREDO_BADID:
  case CREDO_INVALID:
    return "22023";
  case CREDO_RANGE:
    return "22003";
  case CREDO_AUTH:
    return "28P01";
  case CREDO_PROTOCOL:
    return "08P01";
  case CREDO_LIMIT:
    return "54000";
  case CREDO_NOTSUP:
    return "0A000";
  case CREDO_TXN:
    return "25000";
  case CREDO_BUSY:
    return "55P03";
  case CREDO_READONLY:
    return "25006";
  case CREDO_NOMEM:
    return "53200";
  case CREDO_FULL:
    return "53100";
  case CREDO_IO:
    return "58030";
  case CREDO_CORRUPT:
    return "XX001";
  case CREDO_CONN:
    return "08006";
  default:
    return "XX000";
  }
}
