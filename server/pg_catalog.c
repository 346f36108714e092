/*
 * pg_catalog.c -- answers the introspection queries that psql (\dt, \d,
 * \d NAME, \du, \df), pgJDBC, Metabase and Grafana send about
 * pg_catalog and information_schema, from the store itself.
 *
 * CQL cannot run those queries (joins, subqueries, casts, regexes), so
 * they are recognised, not executed: the select list is split into its
 * output columns (alias, or the last name of the expression), the FROM
 * clause says which kind of row the query lists (tables, columns, types,
 * roles, functions, the schema, the database), a few WHERE forms narrow
 * it (an oid, a relname pattern, a table name, a relkind list), and each
 * output column is filled by name from the row (relname, attname,
 * format_type, data_type, rolname, ...); literals in the select list are
 * returned as written; anything unknown is NULL. Queries about what credo
 * does not have (indexes, constraints, triggers, policies, inheritance,
 * publications, ...) get no rows with the columns they asked for.
 *
 * Tables are `events`, `subjects` and `types` with the columns CQL gives
 * them, read through the session's handle (credo_prepare, never stepped),
 * so a role sees the tables and columns it can read. OIDs: table i is
 * PG_TABLE_OID0 + i, schema `public` is 2200, types keep their pg_type
 * OIDs.
 *
 * Invariants: only reads the store through the public API; never
 * executes the client's text; answers are rebuilt for every query.
 *
 * Does not: recognise driver statements (pg_sql.c) or send messages.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pg.h"

#define PG_TABLE_OID0 16384
#define PG_PUBLIC_OID 2200
#define MAX_TABLES 4
#define MAX_COLS 32
#define MAX_ITEMS PG_RES_MAX_COLS

/* ---------------------------------------------------------- the store */

typedef struct table {
  const char *name;
  int ncols;
  char col[MAX_COLS][64];
  credo_type type[MAX_COLS];
} table;

/* Each table's columns, from the widest SELECT the role can compile
 * (the public role may not read the version columns of events). */
static const char *const TABLE_SQL[][3] = {
    {"events", "SELECT *, subject_name, subject_kind, op, reason FROM events",
     "SELECT * FROM events"},
    {"subjects", "SELECT * FROM subjects", NULL},
    {"types", "SELECT * FROM types", NULL},
    {"versions",
     "SELECT *, subject_name, subject_kind, repairable_from FROM versions",
     NULL},
};

/* The tables the session's role can compile a SELECT on. */
static int load_tables(credo *db, table *t) {
  int n = 0;
  for (size_t i = 0; i < sizeof TABLE_SQL / sizeof TABLE_SQL[0]; i++) {
    credo_stmt *st = NULL;
    if ((credo_prepare(db, TABLE_SQL[i][1], -1, &st, NULL) != CREDO_OK ||
         !st) &&
        (!TABLE_SQL[i][2] ||
         credo_prepare(db, TABLE_SQL[i][2], -1, &st, NULL) != CREDO_OK || !st))
      continue;
    t[n].name = TABLE_SQL[i][0];
    t[n].ncols = credo_column_count(st);
    if (t[n].ncols > MAX_COLS)
      t[n].ncols = MAX_COLS;
    for (int k = 0; k < t[n].ncols; k++) {
      snprintf(t[n].col[k], sizeof t[n].col[k], "%s", credo_column_name(st, k));
      t[n].type[k] = credo_column_decltype(st, k);
    }
    credo_finalize(st);
    n++;
  }
  return n;
}

/* The SQL name of a CQL type, as format_type / data_type print it. */
static const char *sql_type(credo_type t) {
  switch (t) {
  case CREDO_T_INT:
    return "bigint";
  case CREDO_T_REAL:
    return "double precision";
  case CREDO_T_BOOL:
    return "boolean";
  case CREDO_T_TIME:
    return "timestamp with time zone";
  case CREDO_T_JSON:
    return "jsonb";
  case CREDO_T_DECIMAL:
    return "numeric";
  default:
    return "text";
  }
}

/* ------------------------------------------------------------ parsing */

/* Lower-cased copy with blanks collapsed; quoted strings kept. */
static char *lower_copy(const char *q, size_t len) {
  char *o = malloc(len + 1);
  size_t k = 0;
  int space = 0;
  char quote = 0;
  if (!o)
    return NULL;
  for (size_t i = 0; i < len; i++) {
    char ch = q[i];
    if (quote) {
      o[k++] = ch;
      if (ch == quote)
        quote = 0;
      continue;
    }
    if (isspace((unsigned char)ch)) {
      space = k > 0;
      continue;
    }
    if (space)
      o[k++] = ' ';
    space = 0;
    if (ch == '\'' || ch == '"')
      quote = ch;
    o[k++] = (char)tolower((unsigned char)ch);
  }
  o[k] = '\0';
  return o;
}

/* Position of `word` at parenthesis depth 0 and outside quotes in s, at
 * or after `from`; NULL if none. */
static const char *top_level(const char *s, const char *from,
                             const char *word) {
  size_t wl = strlen(word);
  int depth = 0;
  char quote = 0;
  for (const char *p = from; *p; p++) {
    if (quote) {
      if (*p == quote)
        quote = 0;
      continue;
    }
    if (*p == '\'' || *p == '"')
      quote = *p;
    else if (*p == '(')
      depth++;
    else if (*p == ')')
      depth--;
    else if (depth == 0 && !strncasecmp(p, word, wl) &&
             (p == s || !isalnum((unsigned char)word[0]) ||
              !isalnum((unsigned char)p[-1])))
      return p;
  }
  return NULL;
}

typedef struct item {
  char name[64]; /* output column name */
  char expr[512];
} item;

/* The output name of one select-list expression. */
static void item_name(item *it) {
  const char *as = NULL, *e = it->expr, *p;
  size_t n = strlen(e);
  for (p = e; (p = top_level(e, p, " as ")); p++)
    as = p;
  if (as) {
    const char *a = as + 4;
    size_t k = strlen(a);
    if (*a == '"' && k >= 2 && a[k - 1] == '"') {
      a++;
      k -= 2;
    }
    snprintf(it->name, sizeof it->name, "%.*s", (int)k, a);
    it->expr[as - e] = '\0';
    return;
  }
  while (n > 0 && e[n - 1] == ')') { /* f(x) -> f */
    const char *open = strchr(e, '(');
    if (!open)
      break;
    n = (size_t)(open - e);
  }
  p = e + n;
  while (p > e && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
    p--;
  snprintf(it->name, sizeof it->name, "%.*s", (int)(e + n - p), p);
  if (!it->name[0])
    snprintf(it->name, sizeof it->name, "?column?");
}

/* Splits the select list of `s` (lower-cased) into items; the count, or
 * -1 when it is not a SELECT. *from_out is the top-level FROM or NULL. */
static int select_list(const char *s, item *items, const char **from_out) {
  const char *p = strncasecmp(s, "select ", 7) == 0 ? s + 7 : NULL, *end, *c;
  int n = 0;
  if (!p)
    return -1;
  if (!strncasecmp(p, "distinct ", 9))
    p += 9;
  end = top_level(s, p, " from ");
  *from_out = end;
  if (!end)
    end = p + strlen(p);
  while (p < end && n < MAX_ITEMS) {
    c = top_level(s, p, ",");
    if (!c || c > end)
      c = end;
    snprintf(items[n].expr, sizeof items[n].expr, "%.*s", (int)(c - p), p);
    item_name(&items[n]);
    n++;
    p = c + 1;
    while (*p == ' ')
      p++;
  }
  return n;
}

/* ------------------------------------------------------------- rows */

enum src {
  SRC_NONE,
  SRC_TABLES,
  SRC_COLUMNS,
  SRC_TYPES,
  SRC_ROLES,
  SRC_FUNCS,
  SRC_SCHEMA,
  SRC_DATABASE
};

/* Catalogs of things credo has none of: a query reading them lists
 * nothing, whatever else it joins. */
static const char *const NOTHING[] = {
    "pg_inherits",
    "pg_index",
    "pg_constraint",
    "pg_trigger",
    "pg_policy",
    "pg_rewrite",
    "pg_statistic_ext",
    "pg_publication",
    "pg_partitioned_table",
    "pg_foreign_table",
    "pg_depend",
    "pg_sequence",
    "pg_attrdef",
    "pg_extension",
    "pg_event_trigger",
    "pg_description",
    "pg_views",
    "pg_matviews",
    "pg_enum",
    "pg_range",
    "pg_locks",
    "pg_stat_activity",
    "pg_collation",
    "pg_tablespace",
    "pg_am ",
    "key_column_usage",
    "table_constraints",
    "referential_constraints",
    "views",
    "routines",
    "sequences",
};

/* The FROM clause of a lower-cased query: from its top-level FROM to
 * the first top-level WHERE / ORDER BY / GROUP BY / LIMIT / UNION. */
static void from_clause(const char *s, const char *from, char *out, size_t n) {
  static const char *const ENDS[] = {" where ", " order by ", " group by ",
                                     " limit ", " union ",    " having "};
  const char *end = from + strlen(from);
  for (size_t i = 0; i < sizeof ENDS / sizeof ENDS[0]; i++) {
    const char *e = top_level(s, from + 1, ENDS[i]);
    if (e && e < end)
      end = e;
  }
  snprintf(out, n, "%.*s", (int)(end - from), from);
}

/* `name` is in the FROM clause other than as the right side of a LEFT
 * JOIN (which keeps the rows of the left side). */
static int inner_use(const char *fc, const char *name) {
  for (const char *p = fc; (p = strstr(p, name)); p++) {
    const char *lj = NULL;
    for (const char *q = fc; (q = strstr(q, "left ")) && q < p; q++)
      lj = q;
    /* "left [outer] join [pg_catalog.]NAME" right before this use */
    const char *comma = lj ? strchr(lj, ',') : NULL;
    if (!lj || p - lj > 40 || (comma && comma < p))
      return 1;
  }
  return 0;
}

static int source_of(const char *fc) {
  for (size_t i = 0; i < sizeof NOTHING / sizeof NOTHING[0]; i++)
    if (inner_use(fc, NOTHING[i]))
      return SRC_NONE;
  if (strstr(fc, "pg_attribute") || strstr(fc, "information_schema.columns"))
    return SRC_COLUMNS;
  if (strstr(fc, "pg_class") || strstr(fc, "information_schema.tables") ||
      strstr(fc, "pg_tables"))
    return SRC_TABLES;
  if (strstr(fc, "pg_proc"))
    return SRC_FUNCS;
  if (strstr(fc, "pg_roles") || strstr(fc, "pg_user") ||
      strstr(fc, "pg_authid") || strstr(fc, "pg_shadow"))
    return SRC_ROLES;
  if (strstr(fc, "pg_type"))
    return SRC_TYPES;
  if (strstr(fc, "pg_namespace") || strstr(fc, "information_schema.schemata"))
    return SRC_SCHEMA;
  if (strstr(fc, "pg_database"))
    return SRC_DATABASE;
  return SRC_NONE;
}

/* What the WHERE clause narrows the rows to. */
typedef struct filter {
  long oid;         /* a table oid (c.oid = 'N', attrelid = 'N'), or 0 */
  char name[64];    /* a table name or a ^(...)$ pattern, or "" */
  int pattern;      /* name is a psql pattern */
  int no_tables;    /* a relkind list without 'r' */
  int other_schema; /* a schema other than public asked for */
} filter;

static void quoted_after(const char *s, const char *key, char *out, size_t n) {
  const char *p = strstr(s, key);
  out[0] = '\0';
  if (p) {
    const char *q = p + strlen(key), *e = strchr(q, '\'');
    if (e)
      snprintf(out, n, "%.*s", (int)(e - q), q);
  }
}

static void get_filter(const char *s, const char *where, filter *f) {
  static const char *const OIDS[] = {"c.oid = '", "attrelid = '",
                                     "c.oid = ", "attrelid = "};
  /* plain, through quote_ident() (Grafana) and LIKE (pgJDBC) */
  static const char *const NAMES[] = {"relname = '",    "table_name = '",
                                      "tablename = '",  "table_name) = '",
                                      "relname like '", "table_name like '"};
  static const char *const SCHEMAS[] = {
      "nspname = '",       "table_schema = '", "schemaname = '",
      "table_schema) = '", "nspname like '",   "table_schema like '"};
  const size_t NN = sizeof NAMES / sizeof NAMES[0];
  const char *p;
  char buf[64];
  memset(f, 0, sizeof *f);
  if (!where)
    return;
  for (size_t i = 0; i < 4 && !f->oid; i++)
    if ((p = strstr(where, OIDS[i])))
      f->oid = strtol(p + strlen(OIDS[i]), NULL, 10);
  if ((p = strstr(where, "'^(")) && strstr(p, ")$'")) {
    snprintf(f->name, sizeof f->name, "%.*s", (int)(strstr(p, ")$'") - p - 3),
             p + 3);
    f->pattern = 1;
  }
  for (size_t i = 0; i < NN && !f->name[0]; i++)
    quoted_after(where, NAMES[i], f->name, sizeof f->name);
  if (!strcmp(f->name, "%")) /* LIKE '%': every table */
    f->name[0] = '\0';
  for (size_t i = 0; i < NN; i++) {
    quoted_after(where, SCHEMAS[i], buf, sizeof buf);
    if (buf[0] && strcmp(buf, "public") && strcmp(buf, "%"))
      f->other_schema = 1;
  }
  if ((p = strstr(where, "relkind in (")) && !strstr(p, "'r'") &&
      strchr(p, ')') && (size_t)(strchr(p, ')') - p) < 80)
    f->no_tables = 1;
  (void)s;
}

/* psql patterns: literal text with `.*` (from `*`) and `.` wildcards. */
static int pattern_match(const char *pat, const char *s) {
  if (!*pat)
    return !*s;
  if (pat[0] == '.' && pat[1] == '*') {
    for (;; s++) {
      if (pattern_match(pat + 2, s))
        return 1;
      if (!*s)
        return 0;
    }
  }
  if (!*s)
    return 0;
  if (pat[0] == '.' || pat[0] == *s)
    return pattern_match(pat + 1, s + 1);
  return 0;
}

static int table_wanted(const filter *f, const table *t, int i) {
  if (f->no_tables || f->other_schema)
    return 0;
  if (f->oid && f->oid != PG_TABLE_OID0 + i)
    return 0;
  if (f->name[0])
    return f->pattern ? pattern_match(f->name, t->name)
                      : !strcmp(f->name, t->name);
  return 1;
}

/* ------------------------------------------------------------ values */

typedef struct ctx {
  const pg_settings *set;
  const table *t;
  int ti, col;      /* table index, column index */
  int32_t type_oid; /* SRC_TYPES */
  const char *user; /* SRC_ROLES */
  int super;
  const char *const *fn; /* SRC_FUNCS: name, result, args, kind */
  char buf[64];
} ctx;

static const char *const FUNCS[][4] = {
    {"avg", "double precision", "any", "agg"},
    {"coalesce", "any", "any, ...", "func"},
    {"count", "bigint", "any", "agg"},
    {"length", "bigint", "text", "func"},
    {"lower", "text", "text", "func"},
    {"max", "any", "any", "agg"},
    {"min", "any", "any", "agg"},
    {"sum", "double precision", "any", "agg"},
    {"upper", "text", "text", "func"},
};

static const int32_t TYPE_OIDS[] = {
    PG_OID_BOOL,        PG_OID_INT8,  PG_OID_TEXT,   PG_OID_FLOAT8,
    PG_OID_TIMESTAMPTZ, PG_OID_JSONB, PG_OID_NUMERIC};

static int is(const char *name, const char *const *keys) {
  for (; *keys; keys++)
    if (!strcmp(name, *keys))
      return 1;
  return 0;
}
#define IS(...) is(name, (const char *const[]){__VA_ARGS__, NULL})

/* A literal select-list expression: 'x', NULL, true, 12. 1 when it is. */
static int literal(const char *e, const char **out, char *buf, size_t n) {
  size_t k = strlen(e);
  if (k >= 2 && e[0] == '\'' && strchr(e + 1, '\'') == e + k - 1) {
    snprintf(buf, n, "%.*s", (int)k - 2, e + 1);
    *out = buf;
    return 1;
  }
  if (!strcmp(e, "null") || !strncmp(e, "null::", 6)) {
    *out = NULL;
    return 1;
  }
  if (!strcmp(e, "true") || !strcmp(e, "false")) {
    *out = e[0] == 't' ? "t" : "f";
    return 1;
  }
  if (k > 0 && k < n && strspn(e, "-0123456789") == k) {
    memcpy(buf, e, k + 1);
    *out = buf;
    return 1;
  }
  return 0;
}

/* CASE ... WHEN 'r' THEN 'table' ...: the answer for a table. */
static int case_value(const char *e, const char **out, char *buf, size_t n) {
  const char *p;
  if (strncmp(e, "case ", 5) != 0)
    return 0;
  p = strstr(e, "when 'r' then '");
  p = p ? p + 15 : strstr(e, "then '") ? strstr(e, "then '") + 6 : NULL;
  if (!p || !strchr(p, '\''))
    return 0;
  snprintf(buf, n, "%.*s", (int)(strchr(p, '\'') - p), p);
  *out = buf;
  return 1;
}

static const char *table_value(ctx *c, const char *name) {
  if (IS("oid", "attrelid", "relid", "table_oid"))
    return snprintf(c->buf, sizeof c->buf, "%d", PG_TABLE_OID0 + c->ti), c->buf;
  if (IS("relname", "table_name", "tablename", "name", "table", "quote_ident"))
    return c->t->name;
  if (IS("nspname", "schema", "table_schem", "table_schema", "schemaname"))
    return "public";
  if (IS("relnamespace"))
    return "2200";
  if (IS("relkind"))
    return "r";
  if (IS("table_type"))
    return "BASE TABLE";
  if (IS("owner", "tableowner", "pg_get_userbyid"))
    return "credo";
  if (IS("table_catalog", "table_cat", "current_database"))
    return c->set->database;
  if (IS("relchecks", "reltablespace", "reloftype"))
    return "0";
  if (IS("relhasindex", "relhasrules", "relhastriggers", "relrowsecurity",
         "relforcerowsecurity", "relhasoids", "relispartition", "hasindexes",
         "hasrules", "hastriggers"))
    return "f";
  if (IS("relpersistence"))
    return "p";
  if (IS("relreplident"))
    return "d";
  if (IS("amname"))
    return "heap";
  if (IS("array_to_string"))
    return "";
  if (IS("relnatts"))
    return snprintf(c->buf, sizeof c->buf, "%d", c->t->ncols), c->buf;
  if (IS("is_insertable_into"))
    return "NO";
  return NULL;
}

static const char *column_value(ctx *c, const char *name) {
  credo_type t = c->t->type[c->col];
  int32_t oid = pg_type_oid(t);
  if (IS("attname", "column_name", "column", "quote_ident"))
    return c->t->col[c->col];
  if (IS("format_type", "data_type", "type", "type_name"))
    return sql_type(t);
  if (IS("udt_name", "typname"))
    return pg_type_name(oid);
  if (IS("atttypid", "data_type_oid", "typid"))
    return snprintf(c->buf, sizeof c->buf, "%d", (int)oid), c->buf;
  if (IS("attnum", "ordinal_position"))
    return snprintf(c->buf, sizeof c->buf, "%d", c->col + 1), c->buf;
  if (IS("attlen"))
    return snprintf(c->buf, sizeof c->buf, "%d", pg_type_len(oid)), c->buf;
  if (IS("atttypmod", "typtypmod"))
    return "-1";
  if (IS("typbasetype"))
    return "0";
  if (IS("typtype"))
    return "b";
  if (IS("attnotnull", "attisdropped", "atthasdef"))
    return "f";
  if (IS("is_nullable"))
    return "YES";
  if (IS("nullable"))
    return "1";
  if (IS("attidentity", "attgenerated", "is_identity"))
    return "";
  if (IS("table_name", "relname"))
    return c->t->name;
  return table_value(c, name);
}

static const char *other_value(ctx *c, int src, const char *name) {
  switch (src) {
  case SRC_TYPES:
    if (IS("oid", "typid"))
      return snprintf(c->buf, sizeof c->buf, "%d", (int)c->type_oid), c->buf;
    if (IS("typname", "name", "format_type"))
      return pg_type_name(c->type_oid);
    if (IS("typlen"))
      return snprintf(c->buf, sizeof c->buf, "%d", pg_type_len(c->type_oid)),
             c->buf;
    if (IS("typtype"))
      return "b";
    if (IS("typnamespace"))
      return "11";
    if (IS("nspname"))
      return "pg_catalog";
    if (IS("typarray", "typbasetype", "typelem", "typrelid"))
      return "0";
    return NULL;
  case SRC_ROLES:
    if (IS("rolname", "usename", "user_name", "name"))
      return c->user;
    if (IS("rolsuper", "usesuper"))
      return c->super ? "t" : "f";
    if (IS("rolinherit", "rolcanlogin"))
      return "t";
    if (IS("rolcreaterole", "rolcreatedb", "rolreplication", "rolbypassrls",
           "usecreatedb"))
      return "f";
    if (IS("rolconnlimit"))
      return "-1";
    if (IS("memberof"))
      return "{}";
    return NULL;
  case SRC_FUNCS:
    if (IS("proname", "name", "routine_name"))
      return c->fn[0];
    if (IS("nspname", "schema"))
      return "public";
    if (IS("pg_get_function_result", "result data type"))
      return c->fn[1];
    if (IS("pg_get_function_arguments", "argument data types"))
      return c->fn[2];
    if (IS("type", "prokind"))
      return c->fn[3];
    return NULL;
  case SRC_SCHEMA:
    if (IS("nspname", "schema_name", "table_schem", "name"))
      return "public";
    if (IS("owner", "pg_get_userbyid", "schema_owner"))
      return "credo";
    if (IS("oid"))
      return "2200";
    return NULL;
  default: /* SRC_DATABASE */
    if (IS("datname", "name", "current_database"))
      return c->set->database;
    if (IS("oid"))
      return "1";
    if (IS("encoding", "pg_encoding_to_char"))
      return "UTF8";
    if (IS("owner", "pg_get_userbyid"))
      return "credo";
    if (IS("collate", "ctype", "datcollate", "datctype"))
      return "C";
    return NULL;
  }
}

/* Fills one output row for the current ctx. */
static void add_row(pg_result *r, const item *items, const item *lower, int n,
                    int src, ctx *c) {
  const char *cells[MAX_ITEMS];
  char lits[MAX_ITEMS][64];
  for (int i = 0; i < n; i++) {
    char name[64];
    snprintf(name, sizeof name, "%s", lower[i].name);
    for (char *p = name; *p; p++) /* quoted aliases keep their case */
      *p = (char)tolower((unsigned char)*p);
    if (literal(lower[i].expr, &cells[i], lits[i], sizeof lits[i]) ||
        (src != SRC_FUNCS &&
         case_value(lower[i].expr, &cells[i], lits[i], sizeof lits[i])))
      continue;
    cells[i] = src == SRC_TABLES    ? table_value(c, name)
               : src == SRC_COLUMNS ? column_value(c, name)
                                    : other_value(c, src, name);
    if (cells[i] == c->buf) { /* several cells may use the buffer */
      snprintf(lits[i], sizeof lits[i], "%s", c->buf);
      cells[i] = lits[i];
    }
  }
  (void)items;
  pg_result_row(r, cells);
}

/* The users an admin session may list (SHOW USERS); else itself. */
static void list_roles(credo *db, const pg_settings *s, pg_result *r,
                       const item *items, const item *lower, int n) {
  ctx c = {.set = s, .user = s->user};
  credo_stmt *st = NULL;
  c.super = credo_get_role(db) == CREDO_ROLE_ADMIN;
  if (c.super && credo_prepare(db, "SHOW USERS", -1, &st, NULL) == CREDO_OK &&
      st) {
    while (credo_step(st) == CREDO_ROW) {
      char u[80], role[16];
      snprintf(u, sizeof u, "%s", credo_column_text(st, 0));
      snprintf(role, sizeof role, "%s", credo_column_text(st, 1));
      c.user = u;
      c.super = !strcmp(role, "admin");
      add_row(r, items, lower, n, SRC_ROLES, &c);
    }
    credo_finalize(st);
    return;
  }
  credo_finalize(st);
  add_row(r, items, lower, n, SRC_ROLES, &c);
}

static void list_rows(credo *db, const pg_settings *s, int src, const filter *f,
                      pg_result *r, const item *items, const item *lower,
                      int n) {
  table t[MAX_TABLES];
  int nt = 0;
  ctx c = {.set = s, .col = -1};
  if (src == SRC_TABLES || src == SRC_COLUMNS)
    nt = load_tables(db, t);
  for (int i = 0; i < nt; i++) {
    if (!table_wanted(f, &t[i], i))
      continue;
    c.t = &t[i];
    c.ti = i;
    if (src == SRC_TABLES) {
      add_row(r, items, lower, n, src, &c);
      continue;
    }
    for (c.col = 0; c.col < t[i].ncols; c.col++)
      add_row(r, items, lower, n, src, &c);
  }
  if (src == SRC_TYPES)
    for (size_t i = 0; i < sizeof TYPE_OIDS / sizeof TYPE_OIDS[0]; i++) {
      c.type_oid = TYPE_OIDS[i];
      add_row(r, items, lower, n, src, &c);
    }
  if (src == SRC_FUNCS && !f->other_schema)
    for (size_t i = 0; i < sizeof FUNCS / sizeof FUNCS[0]; i++) {
      c.fn = FUNCS[i];
      if (!f->name[0] || (f->pattern ? pattern_match(f->name, c.fn[0])
                                     : !strcmp(f->name, c.fn[0])))
        add_row(r, items, lower, n, src, &c);
    }
  if (src == SRC_ROLES)
    list_roles(db, s, r, items, lower, n);
  if ((src == SRC_SCHEMA && !f->other_schema) || src == SRC_DATABASE)
    add_row(r, items, lower, n, src, &c);
}

/* ------------------------------------------------------------- entry */

/* Mentions a catalog outside quotes. */
static int is_catalog(const char *s) {
  static const char *const KEYS[] = {
      "pg_catalog.",   "information_schema.", " pg_class",    " pg_type",
      " pg_namespace", " pg_attribute",       " pg_roles",    " pg_user",
      " pg_proc",      " pg_database",        " pg_settings", " pg_tables"};
  char quote = 0;
  for (const char *p = s; *p; p++) {
    if (quote) {
      quote = *p == quote ? 0 : quote;
      continue;
    }
    if (*p == '\'' || *p == '"') {
      quote = *p;
      continue;
    }
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++)
      if (!strncmp(p, KEYS[i], strlen(KEYS[i])))
        return 1;
  }
  return 0;
}

/* q[0..len) with blanks collapsed as lower_copy does, case kept (for the
 * output column names). */
static char *case_copy(const char *q, size_t len) {
  char *o = malloc(len + 1), quote = 0;
  size_t k = 0;
  int space = 0;
  if (!o)
    return NULL;
  for (size_t i = 0; i < len; i++) {
    char ch = q[i];
    if (!quote && isspace((unsigned char)ch)) {
      space = k > 0;
      continue;
    }
    if (space && !quote)
      o[k++] = ' ';
    space = 0;
    if (quote && ch == quote)
      quote = 0;
    else if (!quote && (ch == '\'' || ch == '"'))
      quote = ch;
    o[k++] = ch;
  }
  o[k] = '\0';
  return o;
}

/* `SELECT * FROM (SELECT ...) alias` (pgJDBC): the inner SELECT of q, its
 * start and length; 0 when q is not that. */
static int inner_select(const char *q, const item *lower, int n,
                        const char *from, const char **in, size_t *inlen) {
  const char *end;
  int depth = 0;
  if (n != 1 || strcmp(lower[0].expr, "*") || !from ||
      strncmp(from, " from (select ", 14))
    return 0;
  *in = strcasestr(q, "(select"); /* in q itself: ls has collapsed blanks */
  for (end = *in; end && *end && (depth += (*end == '(') - (*end == ')')) > 0;
       end++)
    ;
  if (!*in || !end || !*end)
    return 0;
  (*in)++;
  *inlen = (size_t)(end - *in);
  return 1;
}

/* The output columns: a quoted alias keeps its case ("Schema"), others
 * are lower-case. */
static void name_columns(pg_result *out, item *items, const item *lower, int n,
                         const char *os) {
  pg_result_init(out, n);
  for (int i = 0; i < n; i++) {
    char quoted[80];
    snprintf(quoted, sizeof quoted, "\"%s\"", items[i].name);
    if (!strstr(os, quoted))
      snprintf(items[i].name, sizeof items[i].name, "%s", lower[i].name);
    pg_result_col(out, i, items[i].name, PG_OID_TEXT);
  }
}

/* count(...) in the first column: one row with the number of rows. */
static void as_count(pg_result *out) {
  char num[32];
  const char *cells[MAX_ITEMS] = {num};
  snprintf(num, sizeof num, "%zu", out->nrows);
  for (size_t i = 0; i < out->nrows * (size_t)out->ncols; i++)
    free(out->cells[i]);
  out->nrows = 0;
  pg_result_row(out, cells);
}

int pg_catalog(credo *db, const char *q, size_t len, const pg_settings *s,
               pg_result *out, char *err, size_t errn) {
  item *items = NULL, *lower = NULL;
  char *ls = lower_copy(q, len), *os = NULL, fc[2048];
  const char *from = NULL, *ofrom = NULL, *in;
  size_t inlen;
  filter f;
  int n, rc = 1;
  memset(out, 0, sizeof *out);
  if (!ls || !is_catalog(ls) || strncmp(ls, "select ", 7) != 0) {
    free(ls);
    return ls ? 0 : CREDO_NOMEM;
  }
  os = case_copy(q, len);
  items = calloc(MAX_ITEMS, sizeof *items);
  lower = calloc(MAX_ITEMS, sizeof *lower);
  if (!os || !items || !lower) {
    rc = CREDO_NOMEM;
    goto out;
  }
  n = select_list(ls, lower, &from);
  if (inner_select(q, lower, n, from, &in, &inlen)) {
    rc = pg_catalog(db, in, inlen, s, out, err, errn);
    goto out;
  }
  if (select_list(os, items, &ofrom) != n || n <= 0) {
    snprintf(err, errn, "cannot read the select list of a catalog query");
    rc = CREDO_NOTSUP;
    goto out;
  }
  name_columns(out, items, lower, n, os);
  if (from) {
    from_clause(ls, from, fc, sizeof fc);
    get_filter(ls, top_level(ls, from, " where "), &f);
    list_rows(db, s, source_of(fc), &f, out, items, lower, n);
  }
  if (strstr(lower[0].expr, "count("))
    as_count(out);
  if (out->oom)
    rc = CREDO_NOMEM;
  if (rc < 0)
    pg_result_free(out);
  if (rc > 0) { /* the column names point into items */
    out->owned = items;
    items = NULL;
  }
out:
  free(items);
  free(lower);
  free(ls);
  free(os);
  return rc;
}
