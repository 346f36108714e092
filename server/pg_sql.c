/*
 * pg_sql.c -- the edges of the dialect on the PostgreSQL listener: CQL is
 * the language, but drivers number parameters `$1`, cast them (`$1::int8`),
 * send several statements in one Query, and send statements of their own
 * on connect and around transactions (SET, SHOW, BEGIN ISOLATION LEVEL ...,
 * SELECT version(), current_setting(...), DISCARD ALL). This file rewrites
 * the first, splits the second and answers the third; everything else goes
 * to CQL unchanged.
 *
 * Invariants: quotes ('...' with '' escapes), double-quoted names/JSON
 * strings (with \" escapes), -- and block comments are never looked
 * inside; a statement is recognised only when it matches as a whole
 * (after lowering case and collapsing blanks), so a CQL statement is never
 * taken for one of these.
 *
 * Does not: touch the store (pg_catalog.c reads it), or run CQL.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

/* ----------------------------------------------------------- scanning */

/* Length of the quoted/comment region starting at q[i] (0 when q[i]
 * starts none). */
static size_t skip_region(const char *q, size_t i) {
  size_t j = i + 1;
  if (q[i] == '\'') {
    for (; q[j]; j++)
      if (q[j] == '\'') {
        if (q[j + 1] != '\'')
          return j + 1 - i;
        j++;
      }
    return j - i;
  }
  if (q[i] == '"') {
    for (; q[j]; j++) {
      if (q[j] == '\\' && q[j + 1])
        j++;
      else if (q[j] == '"')
        return j + 1 - i;
    }
    return j - i;
  }
  if (q[i] == '-' && q[i + 1] == '-') {
    while (q[j] && q[j] != '\n')
      j++;
    return j - i;
  }
  if (q[i] == '/' && q[i + 1] == '*') {
    for (j = i + 2; q[j] && !(q[j] == '*' && q[j + 1] == '/'); j++)
      ;
    return (q[j] ? j + 2 : j) - i;
  }
  return 0;
}

size_t pg_sql_next(const char *q, const char **start, const char **next) {
  size_t i = 0, len;
  for (;;) { /* leading blanks, empty statements and comments */
    while (isspace((unsigned char)q[i]) || q[i] == ';')
      i++;
    if ((q[i] == '-' && q[i + 1] == '-') || (q[i] == '/' && q[i + 1] == '*'))
      i += skip_region(q, i);
    else
      break;
  }
  *start = q + i;
  while (q[i] && q[i] != ';') {
    size_t r = skip_region(q, i);
    i += r ? r : 1;
  }
  *next = q + i + (q[i] == ';');
  len = (size_t)(q + i - *start);
  while (len > 0 && isspace((unsigned char)(*start)[len - 1]))
    len--;
  return len;
}

/* --------------------------------------------------------- parameters */

/* PostgreSQL type names in casts, their OIDs, and whether CQL has the
 * cast too (then the cast stays in the text: CQL converts; else it is
 * dropped and only guides the binding). */
static const struct {
  const char *name;
  int32_t oid;
  int cql;
} CASTS[] = {
    {"int2", PG_OID_INT2, 0},
    {"smallint", PG_OID_INT2, 0},
    {"int4", PG_OID_INT4, 0},
    {"integer", PG_OID_INT4, 1},
    {"int", PG_OID_INT4, 1},
    {"int8", PG_OID_INT8, 1},
    {"bigint", PG_OID_INT8, 1},
    {"float4", PG_OID_FLOAT4, 0},
    {"real", PG_OID_FLOAT4, 1},
    {"float8", PG_OID_FLOAT8, 1},
    {"double", PG_OID_FLOAT8, 0},
    {"numeric", PG_OID_NUMERIC, 1},
    {"decimal", PG_OID_NUMERIC, 1},
    {"text", PG_OID_TEXT, 1},
    {"varchar", PG_OID_VARCHAR, 1},
    {"bool", PG_OID_BOOL, 1},
    {"boolean", PG_OID_BOOL, 1},
    {"timestamptz", PG_OID_TIMESTAMPTZ, 1},
    {"timestamp", PG_OID_TIMESTAMP, 1},
    {"date", PG_OID_DATE, 0},
    {"json", PG_OID_JSON, 0},
    {"jsonb", PG_OID_JSONB, 0},
};

/* A `::type` at q: its length, its type and whether CQL keeps it; 0 if
 * there is none (or the type is not one of CASTS). */
static size_t cast_at(const char *q, int32_t *oid, int *keep) {
  size_t i = 0, n;
  char name[32];
  if (q[0] != ':' || q[1] != ':')
    return 0;
  i = 2;
  for (n = 0; (isalnum((unsigned char)q[i]) || q[i] == '_') && n < 31; i++)
    name[n++] = (char)tolower((unsigned char)q[i]);
  name[n] = '\0';
  if (strcmp(name, "double") == 0 && strncasecmp(q + i, " precision", 10) == 0)
    i += 10;
  for (size_t k = 0; k < sizeof CASTS / sizeof CASTS[0]; k++)
    if (strcmp(CASTS[k].name, name) == 0) {
      *oid = CASTS[k].oid;
      *keep = CASTS[k].cql;
      return i;
    }
  return 0;
}

int pg_sql_rewrite(const char *q, pg_sql *out, char *err, size_t errn) {
  size_t n = strlen(q), i = 0, o = 0, k;
  int32_t oid;
  int keep;
  memset(out, 0, sizeof *out);
  out->text = malloc(n + 1);
  out->map = malloc(sizeof(int) * (n / 2 + 1));
  out->hint = malloc(sizeof(int32_t) * (n / 2 + 1));
  out->cast = malloc(sizeof(int) * (n / 2 + 1));
  if (!out->text || !out->map || !out->hint || !out->cast) {
    pg_sql_free(out);
    return CREDO_NOMEM;
  }
  while (i < n) {
    size_t r = skip_region(q, i);
    if (r) {
      memcpy(out->text + o, q + i, r);
      o += r;
      i += r;
    } else if (q[i] == '$' && isdigit((unsigned char)q[i + 1]) &&
               !(i > 0 &&
                 (isalnum((unsigned char)q[i - 1]) || q[i - 1] == '_'))) {
      long num = strtol(q + i + 1, NULL, 10);
      oid = 0;
      i++;
      while (isdigit((unsigned char)q[i]))
        i++;
      if (num < 1 || num > PG_MAX_PARAMS) {
        snprintf(err, errn, "parameter $%ld is out of range (1 to %d)", num,
                 PG_MAX_PARAMS);
        pg_sql_free(out);
        return CREDO_SYNTAX;
      }
      out->text[o++] = '?';
      keep = 0;
      k = cast_at(q + i, &oid, &keep);
      if (keep) /* ?::int8: CQL casts the bound value */
        memcpy(out->text + o, q + i, k), o += k;
      i += k;
      out->map[out->nq] = (int)num - 1;
      out->cast[out->nq] = keep;
      out->hint[out->nq++] = oid;
      if (num > out->nparams)
        out->nparams = (int)num;
    } else if (q[i] == ':' && (k = cast_at(q + i, &oid, &keep)) > 0) {
      if (keep) /* '2025-03-01'::timestamptz */
        memcpy(out->text + o, q + i, k), o += k;
      i += k; /* '{}'::jsonb, '2025-03-01'::date: CQL has no such cast */
    } else {
      out->text[o++] = q[i++];
    }
  }
  out->text[o] = '\0';
  return CREDO_OK;
}

int pg_sql_cast_params(pg_sql *s, const int32_t *ptypes, int n) {
  size_t len = strlen(s->text), o = 0, extra = 0;
  char *t;
  int k = 0;
  for (int i = 0; i < s->nq; i++)
    if (!s->cast[i] && s->map[i] < n &&
        (ptypes[s->map[i]] == PG_OID_BOOL ||
         ptypes[s->map[i]] == PG_OID_NUMERIC))
      extra += 9; /* "::numeric" */
  if (extra == 0)
    return CREDO_OK;
  if (!(t = malloc(len + extra + 1)))
    return CREDO_NOMEM;
  for (size_t i = 0; i < len;) {
    size_t r = skip_region(s->text, i);
    int32_t oid;
    if (r) {
      memcpy(t + o, s->text + i, r);
      o += r;
      i += r;
      continue;
    }
    t[o++] = s->text[i++];
    if (s->text[i - 1] != '?' || k >= s->nq)
      continue;
    oid = !s->cast[k] && s->map[k] < n ? ptypes[s->map[k]] : 0;
    if (oid == PG_OID_BOOL || oid == PG_OID_NUMERIC) {
      const char *c = oid == PG_OID_BOOL ? "::bool" : "::numeric";
      memcpy(t + o, c, strlen(c));
      o += strlen(c);
      s->cast[k] = 1;
      s->hint[k] = oid;
    }
    k++;
  }
  t[o] = '\0';
  free(s->text);
  s->text = t;
  return CREDO_OK;
}

void pg_sql_free(pg_sql *s) {
  if (!s)
    return;
  free(s->text);
  free(s->map);
  free(s->hint);
  free(s->cast);
  memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------ results */

void pg_result_init(pg_result *r, int ncols) {
  memset(r, 0, sizeof *r);
  r->ncols = ncols;
}

void pg_result_col(pg_result *r, int i, const char *name, int32_t oid) {
  r->name[i] = name;
  r->oid[i] = oid;
}

void pg_result_row(pg_result *r, const char *const *cells) {
  if (r->oom)
    return;
  if ((r->nrows + 1) * (size_t)r->ncols > r->cap) {
    size_t cap = r->cap ? r->cap * 2 : (size_t)r->ncols * 16;
    char **p;
    while (cap < (r->nrows + 1) * (size_t)r->ncols)
      cap *= 2;
    if (!(p = realloc(r->cells, cap * sizeof *p))) {
      r->oom = 1;
      return;
    }
    r->cells = p;
    r->cap = cap;
  }
  for (int i = 0; i < r->ncols; i++) {
    char *c = cells[i] ? strdup(cells[i]) : NULL;
    if (cells[i] && !c)
      r->oom = 1;
    r->cells[r->nrows * (size_t)r->ncols + (size_t)i] = c;
  }
  r->nrows++;
}

void pg_result_free(pg_result *r) {
  if (!r)
    return;
  for (size_t i = 0; r->cells && i < r->nrows * (size_t)r->ncols; i++)
    free(r->cells[i]);
  free(r->cells);
  free(r->owned);
  memset(r, 0, sizeof *r);
}

/* -------------------------------------------------------------- compat */

/* Lower-cased copy of q[0..len) with blanks collapsed to one space and
 * comments dropped (quotes kept as they are). */
static void normalize(const char *q, size_t len, char *out, size_t outn) {
  size_t o = 0;
  int space = 0;
  for (size_t i = 0; i < len && o + 1 < outn; i++) {
    if (isspace((unsigned char)q[i])) {
      space = o > 0;
      continue;
    }
    if ((q[i] == '-' && q[i + 1] == '-') || (q[i] == '/' && q[i + 1] == '*')) {
      i += skip_region(q, i) - 1;
      space = o > 0;
      continue;
    }
    if (space && o + 2 < outn)
      out[o++] = ' ';
    space = 0;
    if (q[i] == '\'') { /* strings keep their case */
      size_t r = skip_region(q, i);
      for (size_t k = 0; k < r && i + k < len && o + 1 < outn; k++)
        out[o++] = q[i + k];
      i += r - 1;
      continue;
    }
    out[o++] = (char)tolower((unsigned char)q[i]);
  }
  out[o] = '\0';
}

/* Starts with word `w` followed by the end or a blank. */
static const char *word(const char *s, const char *w) {
  size_t n = strlen(w);
  if (strncmp(s, w, n) != 0 || (s[n] && s[n] != ' '))
    return NULL;
  return s[n] ? s + n + 1 : s + n;
}

/* A SET value: 'x', x, "x" -> x. */
static void set_value(const char *v, char *out, size_t n) {
  size_t k = strlen(v);
  if (k >= 2 && (v[0] == '\'' || v[0] == '"') && v[k - 1] == v[0]) {
    v++;
    k -= 2;
  }
  snprintf(out, n, "%.*s", (int)k, v);
}

/* "+08:00", "-5", "utc" -> seconds east; -1 on failure (*ok 0). */
static int zone_offset(const char *z, int *out) {
  int h = 0, m = 0, sign = 1;
  if (!strcasecmp(z, "utc") || !strcasecmp(z, "gmt") || !strcasecmp(z, "z") ||
      !strcasecmp(z, "etc/utc") || !strcasecmp(z, "universal")) {
    *out = 0;
    return 0;
  }
  if (*z == '+' || *z == '-')
    sign = *z++ == '-' ? -1 : 1;
  if (sscanf(z, "%d:%d", &h, &m) < 1 || h > 18 || m > 59 || h < 0 || m < 0)
    return -1;
  *out = sign * (h * 3600 + m * 60);
  return 0;
}

/* 1 when SHOW `what` is CQL's (SHOW SESSIONS ...), not a PostgreSQL
 * setting. */
static int cql_show(const char *what) {
  static const char *const CQL[] = {"types",  "stats",    "users",
                                    "tables", "erasures", "sessions"};
  for (size_t i = 0; i < sizeof CQL / sizeof CQL[0]; i++)
    if (!strcmp(what, CQL[i]))
      return 1;
  return 0;
}

/* The text of a setting for SHOW / current_setting; NULL when unknown. */
static const char *setting(const pg_settings *s, const char *name, char *buf,
                           size_t n) {
  static const char *const FIXED[][2] = {
      {"server_version", "15.0 (credo " CREDO_VERSION ")"},
      {"server_version_num", "150000"},
      {"server_encoding", "UTF8"},
      {"standard_conforming_strings", "on"},
      {"integer_datetimes", "on"},
      {"transaction_isolation", "serializable"},
      {"transaction isolation level", "serializable"},
      {"default_transaction_isolation", "serializable"},
      {"default_transaction_read_only", "off"},
      {"transaction_read_only", "off"},
      {"search_path", "public"},
      {"max_identifier_length", "63"},
      {"intervalstyle", "postgres"},
      {"lc_collate", "C"},
      {"lc_ctype", "C"},
      {"is_superuser", "off"},
      {"extra_float_digits", "1"},
      {"statement_timeout", "0"},
      {"max_index_keys", "32"},
  };
  if (!strcmp(name, "client_encoding"))
    return s->client_encoding;
  if (!strcmp(name, "datestyle"))
    return s->datestyle;
  if (!strcmp(name, "timezone") || !strcmp(name, "time zone"))
    return s->timezone;
  if (!strcmp(name, "application_name"))
    return s->application_name;
  if (!strcmp(name, "session_authorization"))
    return s->user;
  for (size_t i = 0; i < sizeof FIXED / sizeof FIXED[0]; i++)
    if (!strcmp(name, FIXED[i][0])) {
      snprintf(buf, n, "%s", FIXED[i][1]);
      return buf;
    }
  return NULL;
}

static void one_row(pg_compat_out *c, const char *col, int32_t oid,
                    const char *val, const char *tag) {
  const char *cells[1] = {val};
  c->kind = PG_C_RESULT;
  pg_result_init(&c->res, 1);
  pg_result_col(&c->res, 0, col, oid);
  pg_result_row(&c->res, cells);
  snprintf(c->res.tag, sizeof c->res.tag, "%s", tag);
}

static int do_set(const char *rest, pg_settings *s, pg_compat_out *c, char *err,
                  size_t errn) {
  char name[64], val[64];
  const char *p;
  size_t k;
  if ((p = word(rest, "session")) || (p = word(rest, "local")))
    rest = p;
  if ((p = word(rest, "time zone"))) {
    snprintf(name, sizeof name, "timezone");
    set_value(p, val, sizeof val);
  } else {
    for (k = 0; rest[k] && rest[k] != ' ' && rest[k] != '=' && k < 63; k++)
      name[k] = rest[k];
    name[k] = '\0';
    p = rest + k;
    while (*p == ' ')
      p++;
    if (*p == '=')
      p++;
    else if ((p[0] == 't' && p[1] == 'o' && p[2] == ' '))
      p += 2;
    while (*p == ' ')
      p++;
    set_value(p, val, sizeof val);
  }
  c->kind = PG_C_SET;
  snprintf(c->setting, sizeof c->setting, "%s", name);
  if (!strcmp(name, "timezone")) {
    int off;
    if (!strcasecmp(val, "local") || !strcasecmp(val, "default"))
      snprintf(val, sizeof val, "UTC");
    if (zone_offset(val, &off) < 0) {
      snprintf(err, errn,
               "time zone \"%s\" is not supported: use UTC or an offset "
               "like '+08:00'",
               val);
      return CREDO_INVALID;
    }
    s->tz = off;
    snprintf(s->timezone, sizeof s->timezone, "%s", val);
  } else if (!strcmp(name, "client_encoding")) {
    if (strcasecmp(val, "utf8") && strcasecmp(val, "utf-8") &&
        strcasecmp(val, "unicode")) {
      snprintf(err, errn, "credo speaks UTF8 only, not \"%s\"", val);
      return CREDO_NOTSUP;
    }
  } else if (!strcmp(name, "datestyle")) {
    snprintf(s->datestyle, sizeof s->datestyle, "ISO, MDY");
  } else if (!strcmp(name, "application_name")) {
    snprintf(s->application_name, sizeof s->application_name, "%s", val);
  }
  return CREDO_OK;
}

/* SELECT <function>() forms drivers and pools send. */
static int do_select(const char *rest, const pg_settings *s, pg_compat_out *c) {
  char buf[128], name[64];
  const char *v;
  if (!strcmp(rest, "version()") || !strcmp(rest, "pg_catalog.version()")) {
    one_row(c, "version", PG_OID_TEXT,
            "PostgreSQL 15.0 (credo " CREDO_VERSION
            " speaking the PostgreSQL protocol; the dialect is CQL)",
            "SELECT 1");
    return 1;
  }
  if (!strcmp(rest, "current_database()") || !strcmp(rest, "current_catalog")) {
    one_row(c, "current_database", PG_OID_NAME, s->database, "SELECT 1");
    return 1;
  }
  if (!strcmp(rest, "current_schema()") || !strcmp(rest, "current_schema")) {
    one_row(c, "current_schema", PG_OID_NAME, "public", "SELECT 1");
    return 1;
  }
  if (!strcmp(rest, "current_user") || !strcmp(rest, "session_user") ||
      !strcmp(rest, "user") || !strcmp(rest, "current_user()")) {
    one_row(c, "current_user", PG_OID_NAME, s->user, "SELECT 1");
    return 1;
  }
  if (sscanf(rest, "current_setting('%63[^']')", name) == 1 ||
      sscanf(rest, "pg_catalog.current_setting('%63[^']')", name) == 1) {
    for (char *p = name; *p; p++)
      *p = (char)tolower((unsigned char)*p);
    if ((v = setting(s, name, buf, sizeof buf))) {
      one_row(c, "current_setting", PG_OID_TEXT, v, "SELECT 1");
      return 1;
    }
  }
  if (!strcmp(rest, "1")) { /* connection checks of pools and JDBC */
    one_row(c, "?column?", PG_OID_INT4, "1", "SELECT 1");
    return 1;
  }
  return 0;
}

/* COPY (query) TO STDOUT [WITH] [(FORMAT csv, HEADER [true])] [CSV]
 * [HEADER]: the inner query is taken from the original text. */
static int do_copy(const char *q, size_t len, const char *norm,
                   pg_compat_out *c, char *err, size_t errn) {
  const char *open = memchr(q, '(', len), *tail;
  size_t depth = 0, i;
  if (!open || strncmp(norm, "copy (", 6) != 0)
    goto bad;
  for (i = (size_t)(open - q); i < len; i++) {
    size_t r = skip_region(q, i);
    if (r) {
      i += r - 1;
      continue;
    }
    if (q[i] == '(')
      depth++;
    else if (q[i] == ')' && --depth == 0)
      break;
  }
  if (i >= len)
    goto bad;
  c->copy_query = open + 1;
  c->copy_len = (size_t)(q + i - open - 1);
  tail = strstr(norm, ") to stdout");
  if (!tail)
    goto bad;
  c->copy_csv = strstr(tail, "csv") != NULL;
  c->copy_header = strstr(tail, "header") != NULL &&
                   !strstr(tail, "header false") && !strstr(tail, "header off");
  c->kind = PG_C_COPY;
  return CREDO_OK;
bad:
  snprintf(err, errn,
           "only COPY (SELECT ...) TO STDOUT [WITH (FORMAT csv, "
           "HEADER)] is supported");
  return CREDO_NOTSUP;
}

int pg_compat(const char *q, size_t len, pg_settings *s, pg_compat_out *out,
              char *err, size_t errn) {
  char norm[1024], buf[128];
  const char *r, *v;
  memset(out, 0, sizeof *out);
  normalize(q, len, norm, sizeof norm);
  if (!norm[0]) {
    out->kind = PG_C_EMPTY;
    return CREDO_OK;
  }
  if ((r = word(norm, "set")) && !word(r, "store"))
    return do_set(r, s, out, err, errn);
  if ((r = word(norm, "show")) && !cql_show(r)) {
    if (!(v = setting(s, r, buf, sizeof buf))) {
      snprintf(err, errn, "unrecognized configuration parameter \"%.60s\"", r);
      return CREDO_NOTFOUND;
    }
    one_row(out, r, PG_OID_TEXT, v, "SHOW");
    return CREDO_OK;
  }
  if (word(norm, "begin") || word(norm, "start transaction"))
    out->kind = PG_C_BEGIN;
  else if (word(norm, "commit") || word(norm, "end"))
    out->kind = PG_C_COMMIT;
  else if (word(norm, "rollback") || word(norm, "abort"))
    out->kind = PG_C_ROLLBACK;
  else if (!strcmp(norm, "discard all") || !strcmp(norm, "reset all") ||
           word(norm, "deallocate") || !strcmp(norm, "unlisten *") ||
           !strcmp(norm, "close all"))
    out->kind = PG_C_DISCARD;
  else if (word(norm, "copy"))
    return do_copy(q, len, norm, out, err, errn);
  else if ((r = word(norm, "select")))
    (void)do_select(r, s, out);
  return CREDO_OK;
}

void pg_compat_free(pg_compat_out *c) {
  if (c)
    pg_result_free(&c->res);
}
