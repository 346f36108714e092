/*
 * ast.h -- the abstract syntax tree of CQL, as the parser hands it to the
 * planner / executor.
 *
 * Contract for consumers (planner, executor, shell):
 *   - cql_parse() (cql_parse.h) returns one `cql_stmt *`; the caller owns it
 *     and frees it with cql_stmt_free(). Every pointer below is owned by its
 *     parent node; nothing is shared between two parents. Consumers may
 *     steal a subtree by setting the parent's pointer to NULL before freeing.
 *   - All strings (char *) are NUL-terminated UTF-8, heap-allocated, owned by
 *     the node. String literals are unescaped ('' -> '); JSON literals keep
 *     their exact source text (the executor validates / normalises them).
 *   - Identifiers (type names, column path segments, aliases, user names)
 *     keep the spelling of the source ("quoted" identifiers are unquoted,
 *     "" -> "). Keywords are case-insensitive; identifiers are compared as
 *     the executor decides (column names: case-insensitively is suggested;
 *     JSON keys: exactly). Function names are lowercased by the parser.
 *   - Every node carries its source position: `pos` is the first character
 *     of the node, `end` the byte offset just past its last character, so
 *     `sql + pos.offset .. sql + end` is the node's source text (e.g. for a
 *     result column name like "count(*)"). Offsets are relative to the start
 *     of the buffer the parser was given (for cql_parse_next: the script).
 *   - Expression trees are at most CQL_MAX_DEPTH high (the parser refuses
 *     deeper ones), so recursive walks are safe.
 *   - Value positions that the syntax writes as 'string' (subject ids,
 *     SOURCE, REF, REASON, NAME, PASSWORD, time zone) are `cql_expr *` that
 *     the grammar restricts to a CQL_E_TEXT literal or a CQL_E_PARAM; DATA is
 *     a CQL_E_JSON literal or a CQL_E_PARAM; times (<time>) and event ids are
 *     arbitrary expressions. The parser does no type checking.
 *
 * Nothing here knows about storage or the engine; the only outside types are
 * credo_duration, credo_kind and credo_role from credo.h.
 */
#ifndef CQL_AST_H
#define CQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "credo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Maximum height of an expression tree (a leaf has height 1). */
#define CQL_MAX_DEPTH 200

/* A source position. line and column are 1-based; column counts characters
 * (UTF-8 code points), not bytes; offset is a 0-based byte offset. */
typedef struct cql_pos {
  int line;
  int column;
  size_t offset;
} cql_pos;

/* ------------------------------------------------------------ expressions */

typedef enum cql_expr_kind {
  CQL_E_INT = 1,  /* integer literal: ival */
  CQL_E_REAL,     /* decimal literal (1.5, .5, 1e3): rval */
  CQL_E_TEXT,     /* 'string' literal: text / text_len (unescaped) */
  CQL_E_BOOL,     /* TRUE / FALSE: ival = 1 / 0 */
  CQL_E_NULL,     /* NULL */
  CQL_E_NOW,      /* NOW: the statement's "now" */
  CQL_E_DURATION, /* `1 YEAR 6 MONTHS`: dur */
  CQL_E_PARAM,    /* `?`: ival = 1-based parameter number, left to right */
  CQL_E_JSON,     /* JSON object/array literal (after DATA, or as a SET
                     value): text / text_len = exact source text */
  CQL_E_COLUMN,   /* column reference: path (1 segment: `occurred`;
                     more: `data.amount_wan` = {"data", "amount_wan"}) */
  CQL_E_UNARY,    /* op (CQL_OP_NEG or CQL_OP_NOT) applied to a */
  CQL_E_BINARY,   /* a op b: arithmetic, ||, comparison (AND and OR are
                     CQL_E_LOGIC) */
  CQL_E_IN,       /* a [NOT] IN (list...): negated, list (>= 1 item) */
  CQL_E_BETWEEN,  /* a [NOT] BETWEEN b AND c: negated */
  CQL_E_LIKE,     /* a [NOT] LIKE b: negated */
  CQL_E_IS_NULL,  /* a IS [NOT] NULL: negated means IS NOT NULL */
  CQL_E_CALL,     /* text(list...): function call; text is the lowercased
                     name; star for name(*); distinct for name(DISTINCT x);
                     filter for `FILTER (WHERE ...)`. extract(f FROM t) is
                     the call extract('f', t), position(s IN t) the call
                     position(s, t). The executor validates names and
                     argument counts. */
  CQL_E_CASE,     /* CASE [a] WHEN w1 THEN t1 ... [ELSE b] END: a is the
                     operand of the simple form (NULL for the searched
                     form), list = w1, t1, w2, t2, ... (n even, >= 2), b
                     the ELSE value (NULL when absent) */
  CQL_E_CAST,     /* CAST(a AS type) and a::type: ival = enum cql_cast,
                     text = the type name as written (lowercased) */
  CQL_E_EXISTS,   /* EXISTS (sub) */
  CQL_E_SUBQUERY, /* (sub): a scalar subquery (one column, at most one
                     row); `a [NOT] IN (sub)` is a CQL_E_IN with sub set
                     and an empty list */
  CQL_E_LOGIC     /* a AND b AND ... / a OR b OR ...: op (CQL_OP_AND or
                     CQL_OP_OR), list = the operands in source order
                     (n >= 2), none of them a CQL_E_LOGIC of the same op:
                     chains are flat, so their height is the real nesting,
                     not the number of terms (build_logic.c) */
} cql_expr_kind;

/* Target types of CAST (PostgreSQL spellings map onto them: integer,
 * bigint -> INT; double, float -> REAL; numeric -> DECIMAL; varchar ->
 * TEXT; timestamp, timestamptz -> TIME; boolean -> BOOL). */
typedef enum cql_cast {
  CQL_CAST_INT = 1,
  CQL_CAST_REAL,
  CQL_CAST_DECIMAL,
  CQL_CAST_TEXT,
  CQL_CAST_TIME,
  CQL_CAST_BOOL
} cql_cast;

typedef enum cql_op {
  CQL_OP_NONE = 0,
  CQL_OP_NEG,    /* unary - (the parser folds -literal into the literal) */
  CQL_OP_NOT,    /* unary NOT */
  CQL_OP_MUL,    /* * */
  CQL_OP_DIV,    /* / */
  CQL_OP_MOD,    /* % */
  CQL_OP_ADD,    /* + */
  CQL_OP_SUB,    /* - */
  CQL_OP_CONCAT, /* || */
  CQL_OP_EQ,     /* = */
  CQL_OP_NE,     /* != or <> */
  CQL_OP_LT,     /* < */
  CQL_OP_LE,     /* <= */
  CQL_OP_GT,     /* > */
  CQL_OP_GE,     /* >= */
  CQL_OP_AND,    /* AND */
  CQL_OP_OR      /* OR */
} cql_op;

/* A dotted name: segs[0] . segs[1] ... ; n >= 1. */
typedef struct cql_path {
  char **segs;
  size_t n;
} cql_path;

typedef struct cql_expr cql_expr;

/* An owned array of expressions. */
typedef struct cql_expr_list {
  cql_expr **items;
  size_t n;
} cql_expr_list;

/* One expression node. Only the fields listed for its kind are meaningful;
 * the others are zero / NULL. */
struct cql_expr {
  cql_expr_kind kind;
  cql_pos pos;            /* first character of the expression */
  size_t end;             /* byte offset just past its last character */
  int height;             /* 1 for a leaf, else 1 + max height of children */
  cql_op op;              /* UNARY, BINARY, LOGIC */
  bool negated;           /* IN, BETWEEN, LIKE, IS_NULL: the NOT form */
  bool star;              /* CALL: name(*) (list is empty) */
  bool distinct;          /* CALL: name(DISTINCT ...) */
  int64_t ival;           /* INT value; BOOL 0/1; PARAM number (1-based) */
  double rval;            /* REAL value */
  credo_duration dur;     /* DURATION: SECOND..WEEK in usec, MONTH/YEAR in
                             months (YEAR = 12 months) */
  char *text;             /* TEXT, JSON: the value; CALL: function name */
  size_t text_len;        /* byte length of text (without the NUL) */
  cql_path path;          /* COLUMN */
  cql_expr *a;            /* UNARY operand; BINARY left; IN / BETWEEN / LIKE /
                             IS_NULL subject */
  cql_expr *b;            /* BINARY right; BETWEEN low; LIKE pattern */
  cql_expr *c;            /* BETWEEN high */
  cql_expr_list list;     /* IN values; CALL arguments; CASE when/then
                             pairs; LOGIC operands */
  cql_expr *filter;       /* CALL: FILTER (WHERE filter); NULL when absent */
  struct cql_select *sub; /* IN, EXISTS, SUBQUERY: the inner SELECT */
};

/* ----------------------------------------------------------------- SELECT */

typedef enum cql_table {
  CQL_TABLE_EVENTS = 1,
  CQL_TABLE_SUBJECTS,
  CQL_TABLE_TYPES,
  /* a subquery in FROM or a WITH name (issue 15): cql_from.sub */
  CQL_TABLE_SUB = 16,
  CQL_TABLE_USERS /* the store's users: name, role, created (admin only) */
} cql_table;

/* One item of the select list: `expr [AS alias]`, or `*` / `q.*` (expr
 * NULL; qual = "q" for `q.*`, else NULL). */
typedef struct cql_select_item {
  cql_expr *expr; /* NULL for * */
  char *qual;     /* `q.*`: the table alias q (as written); NULL otherwise */
  char *alias;    /* NULL when no AS */
  cql_pos pos;    /* first character of the item */
  size_t end;     /* just past the item (including the alias) */
} cql_select_item;

/* One ORDER BY term. */
typedef struct cql_order_item {
  cql_expr *expr;
  bool desc; /* DESC given (ASC is the default) */
} cql_order_item;

/* How a table of FROM joins the ones before it (issue 15). */
typedef enum cql_join_kind {
  CQL_JOIN_FIRST = 0, /* the first table of FROM */
  CQL_JOIN_INNER,     /* [INNER] JOIN t ON c */
  CQL_JOIN_LEFT       /* LEFT [OUTER] JOIN t ON c */
} cql_join_kind;

/* One table of FROM: `name [AS OF t] [VISIBLE AT t] [INCLUDE ...]
 * [[AS] alias]`, joined by `join` ON `on`. The temporal clauses written
 * right after the table name belong to that table and win over the
 * statement's; for a statement with one table the parser moves them to
 * the statement (so the single-table AST is what it always was). */
typedef struct cql_from {
  cql_table table;
  cql_pos pos;      /* the table name */
  char *alias;      /* NULL when none */
  int join;         /* enum cql_join_kind */
  cql_pos join_pos; /* the JOIN (or LEFT / INNER) keyword */
  cql_expr *on;     /* ON condition; NULL for the first table */
  cql_expr *as_of, *visible_at;
  bool include_hidden, include_retracted;
  /* CQL_TABLE_SUB: `(SELECT ...) alias` (owned) or a WITH name (borrowed
   * from the statement's WITH list; alias is then the name) */
  struct cql_select *sub;
  bool sub_borrowed;
} cql_from;

/* One `name AS (SELECT ...)` of WITH (issue 15; not recursive). */
typedef struct cql_cte {
  char *name;
  cql_pos pos;
  struct cql_select *sel;
} cql_cte;

/* SELECT (also the body of EXPLAIN). Clauses absent from the text are
 * NULL / empty / false. */
typedef struct cql_select {
  cql_pos pos;            /* the SELECT keyword */
  bool distinct;          /* SELECT DISTINCT */
  cql_select_item *items; /* the select list, n_items >= 1 */
  size_t n_items;
  cql_table table;   /* FROM events | subjects | types */
  cql_pos table_pos; /* position of the table name */
  /* Every table of FROM (issue 15): from[0] is the first (its table and
   * pos are `table` / `table_pos`), n_from >= 1. */
  cql_from *from;
  size_t n_from;
  unsigned from0_moved; /* parser-internal: which temporal clauses of
                           from[0] were moved to the statement */
  /* WITH name AS (...), ... written before this (head) SELECT: the
   * bodies that FROM items of the statement borrow */
  cql_cte *ctes;
  size_t n_ctes;
  cql_expr *where;        /* WHERE */
  cql_expr_list group_by; /* GROUP BY e, ... (n == 0 when absent) */
  cql_expr *having;       /* HAVING */
  cql_order_item *order;  /* ORDER BY ... */
  size_t n_order;
  cql_expr *limit;        /* LIMIT n (an expression, so `?` works) */
  cql_expr *offset;       /* OFFSET m (with or without LIMIT) */
  cql_expr *as_of;        /* AS OF <time>: NULL = latest */
  cql_expr *visible_at;   /* VISIBLE AT <time>: NULL = the AS OF instant */
  bool include_hidden;    /* INCLUDE HIDDEN */
  bool include_retracted; /* INCLUDE RETRACTED */
  /* Set operations: `s1 UNION [ALL] s2 EXCEPT s3 ...` is the head s1
   * with next = s2 (setop = how s2 combines with what comes before it),
   * s2->next = s3, ... evaluated left to right. The ORDER BY, LIMIT and
   * OFFSET written after the last SELECT apply to the whole result and
   * are moved to the head's set_* fields. */
  struct cql_select *next;
  int setop;    /* on a component after the head: enum cql_setop */
  bool set_all; /* UNION ALL */
  cql_order_item *set_order;
  size_t n_set_order;
  cql_expr *set_limit, *set_offset;
} cql_select;

typedef enum cql_setop {
  CQL_SET_UNION = 1,
  CQL_SET_EXCEPT,
  CQL_SET_INTERSECT
} cql_setop;

/* ---------------------------------------------------------------- CORRECT */

/* One `path = value` of CORRECT ... SET. path is a column (`occurred`,
 * `type`, `data`, ...) or a JSON path below data (`data.a.b`). value may be
 * any expression, or a CQL_E_JSON literal. */
typedef struct cql_set_item {
  cql_path path;
  cql_expr *value;
  cql_pos pos; /* first character of the path */
} cql_set_item;

/* ------------------------------------------------------------- statements */

typedef enum cql_kind {
  CQL_CREATE_TYPE = 1,
  CQL_CREATE_SUBJECT,
  CQL_RECORD,
  CQL_SELECT,
  CQL_HISTORY_EVENT,
  CQL_HISTORY_SUBJECT,
  CQL_REPAIR,       /* REPAIR EVENT <expr> ... */
  CQL_REPAIR_WHERE, /* REPAIR EVENTS WHERE <expr> ... */
  CQL_CORRECT,
  CQL_RETRACT,
  CQL_EXPLAIN,
  CQL_SHOW_TYPES,
  CQL_SHOW_STATS,
  CQL_SHOW_USERS,
  CQL_SET_TZ,
  CQL_BEGIN,
  CQL_COMMIT,
  CQL_ROLLBACK,
  CQL_CREATE_USER,
  CQL_ALTER_USER,
  CQL_DROP_USER,
  CQL_SET_STORE_TZ,  /* SET STORE TIME ZONE 'zone' */
  CQL_GRANT,         /* GRANT SOURCE 'src' TO user */
  CQL_REVOKE,        /* REVOKE SOURCE 'src' FROM user */
  CQL_ALTER_SUBJECT, /* ALTER SUBJECT 'id' NAME 'n' REASON 'r' */
  CQL_ERASE_EVENT,   /* ERASE EVENT <expr> REASON 'r' */
  CQL_ERASE_SUBJECT, /* ERASE SUBJECT 'id' REASON 'r' */
  CQL_SHOW_ERASURES, /* SHOW ERASURES */
  CQL_SHOW_SESSIONS, /* SHOW SESSIONS */
  CQL_KILL_SESSION,  /* KILL SESSION <expr> */
  CQL_DESCRIBE,      /* DESCRIBE table: describe.table */
  CQL_SHOW_TABLES    /* SHOW TABLES */
} cql_kind;

#define CQL_KIND_COUNT 32

/* One statement. `kind` says which member of the union is used (listed at
 * each member); SHOW *, BEGIN, COMMIT and ROLLBACK have no fields. */
typedef struct cql_stmt {
  cql_kind kind;
  cql_pos pos;  /* first character of the statement */
  size_t end;   /* just past its last token, excluding the ';' */
  int n_params; /* number of parameters (`?`, `$n`, `:name`), 1..n_params */
  char **param_names; /* :name parameters: n_params names (":name"), in
                         number order, then NULL; NULL for `?` and `$n` */
  union {
    /* CQL_CREATE_TYPE: CREATE TYPE name [PUBLICITY d | PUBLICITY OPEN |
     * NOT PUBLISHED] [REPAIRABLE AFTER d] [POSITIVE | ADVERSE]
     * [PUBLIC FIELDS (k, ...)] (clauses in any order, each once). An
     * absent clause leaves its duration {0, 0}; no PUBLICITY clause at all
     * is PUBLICITY OPEN. `flags` holds CREDO_TYPE_* of the clauses. */
    struct {
      char *name;
      bool has_publicity; /* PUBLICITY d, PUBLICITY OPEN or NOT PUBLISHED */
      credo_duration publicity;
      bool has_repairable;
      credo_duration repairable_after;
      bool has_polarity;
      unsigned flags;
      char *public_fields; /* "k1,k2"; NULL without PUBLIC FIELDS */
      bool has_retain;     /* RETAIN d */
      credo_duration retain;
    } create_type;

    /* CQL_ERASE_EVENT: ERASE EVENT <event> REASON 'r';
     * CQL_ERASE_SUBJECT: ERASE SUBJECT 'id' REASON 'r'. Exactly one of
     * event / subject is set. */
    struct {
      cql_expr *event;
      cql_expr *subject; /* TEXT or PARAM */
      cql_expr *reason;  /* TEXT or PARAM, required */
    } erase;

    /* CQL_CREATE_SUBJECT: CREATE SUBJECT 'id' KIND org|person|other
     * [NAME 'name']. */
    struct {
      cql_expr *id;    /* TEXT or PARAM */
      credo_kind kind; /* the parser maps org/person/other */
      cql_expr *name;  /* TEXT or PARAM; NULL when absent */
    } create_subject;

    /* CQL_RECORD: RECORD type FOR 'subject' OCCURRED t [PUBLIC FROM t]
     * [UNTIL t] SOURCE 'src' REF 'ref' [DATA {...}] [REASON 'r'].
     * The clauses after FOR may come in any order; each at most once. */
    struct {
      char *type;             /* type name (identifier) */
      cql_expr *subject;      /* TEXT or PARAM */
      cql_expr *occurred;     /* required */
      cql_expr *public_from;  /* NULL: default (from the type's policy) */
      cql_expr *public_until; /* NULL: default (from the type's policy) */
      cql_expr *source;       /* TEXT or PARAM, required */
      cql_expr *ref;          /* TEXT or PARAM, required */
      cql_expr *data;         /* JSON (an object) or PARAM; NULL: {} */
      cql_expr *reason;       /* TEXT or PARAM; NULL when absent */
    } record;

    /* CQL_DESCRIBE: DESCRIBE events | subjects | types. */
    struct {
      cql_table table;
    } describe;

    /* CQL_SELECT and CQL_EXPLAIN (EXPLAIN <select>). */
    cql_select *select;

    /* CQL_HISTORY_EVENT: HISTORY OF EVENT <expr> (event set);
     * CQL_HISTORY_SUBJECT: HISTORY OF SUBJECT 'id' (subject set). */
    struct {
      cql_expr *event;
      cql_expr *subject;
    } history;

    /* CQL_REPAIR: REPAIR EVENT <event> [EFFECTIVE t] REASON 'r';
     * CQL_REPAIR_WHERE: REPAIR EVENTS WHERE <where> [EFFECTIVE t]
     * REASON 'r'. Exactly one of event / where is set. */
    struct {
      cql_expr *event;
      cql_expr *where;
      cql_expr *effective; /* NULL: now */
      cql_expr *reason;    /* TEXT or PARAM, required */
    } repair;

    /* CQL_CORRECT: CORRECT EVENT <event> SET p = v, ... REASON 'r'. */
    struct {
      cql_expr *event;
      cql_set_item *items; /* n_items >= 1, in source order */
      size_t n_items;
      cql_expr *reason; /* TEXT or PARAM, required */
    } correct;

    /* CQL_RETRACT: RETRACT EVENT <event> REASON 'r'. */
    struct {
      cql_expr *event;
      cql_expr *reason; /* TEXT or PARAM, required */
    } retract;

    /* CQL_SET_TZ: SET TIME ZONE '+08:00';
     * CQL_SET_STORE_TZ: SET STORE TIME ZONE '+08:00'. */
    struct {
      cql_expr *zone; /* TEXT or PARAM; the executor parses it */
    } set_tz;

    /* CQL_KILL_SESSION: KILL SESSION 12; */
    struct {
      cql_expr *session; /* INT or PARAM: the session id */
    } kill;

    /* CQL_CREATE_USER: CREATE USER name ROLE role PASSWORD 'pw' (ROLE and
     * PASSWORD required, either order);
     * CQL_ALTER_USER: ALTER USER name [ROLE role] [PASSWORD 'pw'] (at least
     * one; either order);
     * CQL_DROP_USER: DROP USER name (only name). */
    /* CQL_ALTER_SUBJECT: ALTER SUBJECT 'id' NAME 'name' REASON 'r'. */
    struct {
      cql_expr *id;     /* TEXT or PARAM */
      cql_expr *name;   /* TEXT or PARAM */
      cql_expr *reason; /* TEXT or PARAM */
    } alter_subject;

    /* CQL_GRANT / CQL_REVOKE: GRANT SOURCE 'src' TO user /
     * REVOKE SOURCE 'src' FROM user. */
    struct {
      cql_expr *source; /* TEXT or PARAM */
      char *user;
    } grant;

    struct {
      char *name;
      bool has_role;
      credo_role role;    /* the parser maps the role name */
      cql_expr *password; /* TEXT or PARAM; NULL when not given */
    } user;
  };
} cql_stmt;

/* --------------------------------------------------------------- helpers */

/* Frees a statement and everything it owns. Accepts NULL. */
void cql_stmt_free(cql_stmt *st);
/* Frees an expression tree. Accepts NULL. */
void cql_expr_free(cql_expr *e);
/* Frees n FROM items and the array. Accepts NULL. */
void cql_from_free(cql_from *f, size_t n);
/* Frees a select (its expressions included). Accepts NULL. */
void cql_select_free(cql_select *s);

/* The statement kind as CQL spells it: "CREATE TYPE", "REPAIR EVENTS",
 * "HISTORY OF EVENT", ...; "?" for an unknown value. Static storage. */
const char *cql_kind_name(int kind);
/* The operator as CQL spells it: "+", "<>" is "!=", "AND", "NOT", "-". */
const char *cql_op_name(int op);
/* "events", "subjects", "types"; "?" otherwise. */
const char *cql_table_name(int table);

/* Renders a statement / an expression canonically, as one line of
 * S-expressions (see dump.c for the format; tests compare against it).
 * Writes at most n bytes including the NUL, like snprintf, and returns the
 * length the full rendering needs (so n >= return + 1 means complete).
 * A NULL statement renders as "(null)". Test builds only: dump.c is
 * linked into the test programs, not into the libraries. */
int cql_stmt_dump(const cql_stmt *st, char *buf, size_t n);
int cql_expr_dump(const cql_expr *e, char *buf, size_t n);
/* The same, to a stream. Returns the number of bytes written, or -1. */
int cql_stmt_print(const cql_stmt *st, FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* CQL_AST_H */
