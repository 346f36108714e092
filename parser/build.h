/*
 * build.h -- the parse context and the AST builders the grammar calls.
 *
 * Internal to parser/ (cql.y, parse.c, build.c). Contracts:
 *   - Ownership: every builder takes ownership of its node / list
 *     arguments, also when it fails (it frees them). Token arguments own
 *     nothing.
 *   - Failure: a builder that fails records the error in the context (only
 *     the first error is kept) and returns NULL (or leaves its target
 *     unchanged). Once the context has failed, every builder just frees its
 *     arguments and returns NULL, so the grammar's actions need no checks;
 *     the driver stops feeding tokens after the current one.
 *   - Value lists (cql_expr_list, item lists) grow by doubling: the
 *     capacity is the smallest power of two >= n.
 */
#ifndef CQL_BUILD_H
#define CQL_BUILD_H

#include <stdarg.h>

#include "ast.h"
#include "cql_parse.h"
#include "cql_lex.h"

/* The state of one statement's parse (lemon's %extra_argument). */
typedef struct cql_ctx {
  const char *base;  /* the buffer positions are relative to */
  int rc;            /* CREDO_OK, or the first error's code */
  cql_error *err;    /* the first error (always non-NULL) */
  cql_stmt *result;  /* the statement once the grammar accepted it */
  cql_token look;    /* the token being fed to the parser */
  size_t prev_end;   /* just past the last token fed before `look` */
  cql_token prev;    /* the last token fed before `look` */
  int prev_code;     /* its code (0 before the first) */
  int prev2_code;    /* the code of the token before that */
  bool look_is_semi; /* look is the statement's ';' (fed as end) */
  bool look_is_end;  /* look is the end of input */
  /* the WITH names declared so far in this statement (borrowed from the
   * list being parsed), for FROM to find */
  const cql_cte *ctes;
  size_t n_ctes;
} cql_ctx;

/* Records an error at `pos` (first one wins): rc = CREDO_SYNTAX. */
void cql_ctx_error(cql_ctx *ctx, cql_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records an out-of-memory failure at the current token. */
void cql_ctx_nomem(cql_ctx *ctx);
/* The syntax error for token `major` / `t` (lemon's %syntax_error). */
void cql_ctx_syntax_error(cql_ctx *ctx, int major, const cql_token *t);
/* Formats a complete error message into err (used by the driver too). */
void cql_error_set(cql_error *err, cql_pos pos, const char *fmt, va_list ap);

/* ---------------------------------------------------------- durations */

/* A duration being parsed: `N unit [N unit ...]`. */
typedef struct cql_dur {
  credo_duration d;
  unsigned units; /* bit per enum cql_unit already given */
  cql_pos pos;    /* first number */
  size_t end;     /* just past the last unit */
} cql_dur;

/* Starts / extends a duration with `n unit`. Range and duplicate-unit
 * errors are recorded in ctx. */
cql_dur cql_b_dur(cql_ctx *ctx, const cql_token *n, const cql_token *unit);
void cql_b_dur_add(cql_ctx *ctx, cql_dur *d, const cql_token *n,
                   const cql_token *unit);

/* ---------------------------------------------------------- expressions */

cql_expr *cql_b_int(cql_ctx *ctx, const cql_token *t);
cql_expr *cql_b_real(cql_ctx *ctx, const cql_token *t);
cql_expr *cql_b_text(cql_ctx *ctx, const cql_token *t);
cql_expr *cql_b_json(cql_ctx *ctx, const cql_token *t);
/* JSON after DATA: as cql_b_json, and it must be an object. */
cql_expr *cql_b_json_object(cql_ctx *ctx, const cql_token *t);
/* TRUE, FALSE, NULL, NOW, `?` (kind CQL_E_BOOL / NULL / NOW / PARAM). */
cql_expr *cql_b_leaf(cql_ctx *ctx, cql_expr_kind kind, const cql_token *t);
cql_expr *cql_b_duration(cql_ctx *ctx, const cql_dur *d);
/* A column reference; takes the path. */
cql_expr *cql_b_column(cql_ctx *ctx, cql_path path, cql_pos pos, size_t end);
/* `op a` where `t` is the operator token; folds - on a numeric literal. */
cql_expr *cql_b_unary(cql_ctx *ctx, cql_op op, const cql_token *t, cql_expr *a);
/* AND and OR go to cql_b_logic. */
cql_expr *cql_b_binary(cql_ctx *ctx, cql_op op, cql_expr *a, cql_expr *b);
/* `a AND b` / `a OR b` as a flat CQL_E_LOGIC chain (build_logic.c). */
cql_expr *cql_b_logic(cql_ctx *ctx, cql_op op, cql_expr *a, cql_expr *b);
/* `(e)`: widens e's span to the parentheses. */
cql_expr *cql_b_paren(cql_ctx *ctx, const cql_token *lp, cql_expr *e,
                      const cql_token *rp);
/* a [NOT] IN (list) -- rp is the closing parenthesis. */
cql_expr *cql_b_in(cql_ctx *ctx, cql_expr *a, bool negated, cql_expr_list list,
                   const cql_token *rp);
cql_expr *cql_b_between(cql_ctx *ctx, cql_expr *a, bool negated, cql_expr *lo,
                        cql_expr *hi);
cql_expr *cql_b_like(cql_ctx *ctx, cql_expr *a, bool negated, cql_expr *p);
/* a IS [NOT] NULL -- last is the NULL token. */
cql_expr *cql_b_isnull(cql_ctx *ctx, cql_expr *a, bool negated,
                       const cql_token *last);
/* name(args) / name(*) / name(DISTINCT args). */
cql_expr *cql_b_call(cql_ctx *ctx, const cql_token *name, cql_expr_list args,
                     bool star, bool distinct, const cql_token *rp);

/* Node helpers for the builders of build_ax.c: a new node (NULL after an
 * earlier error or when out of memory), the height check of an interior
 * node (frees it and returns NULL when too deep), an identifier token as
 * a new string. */
cql_expr *cql_b_node(cql_ctx *ctx, cql_expr_kind kind, cql_pos pos, size_t end);
cql_expr *cql_b_close(cql_ctx *ctx, cql_expr *e);
char *cql_b_ident(cql_ctx *ctx, const cql_token *t);

/* Analyst expressions (build_ax.c). Each takes ownership of its
 * expression arguments, also on failure. */
/* `FILTER (WHERE e)` as a detached expression whose span ends at rp. */
cql_expr *cql_b_filter_where(cql_ctx *ctx, cql_expr *e, const cql_token *rp);
/* Attaches filter f (may be NULL) to call c. FILTER on a non-aggregate is
 * left to the executor to refuse. */
cql_expr *cql_b_filter(cql_ctx *ctx, cql_expr *c, cql_expr *f);
/* CASE [operand] WHEN.. THEN.. [ELSE e] END. */
cql_expr *cql_b_case(cql_ctx *ctx, const cql_token *kw, cql_expr *operand,
                     cql_expr_list whens, cql_expr *els, const cql_token *end);
/* CAST(x AS t) (kw the CAST keyword) or x::t (kw NULL). */
cql_expr *cql_b_cast(cql_ctx *ctx, const cql_token *kw, cql_expr *x,
                     const cql_token *type, const cql_token *end);
/* extract(field FROM x) as the call extract('field', x). */
cql_expr *cql_b_extract(cql_ctx *ctx, const cql_token *name,
                        const cql_token *field, cql_expr *x,
                        const cql_token *rp);
/* a [NOT] IN (SELECT ...), EXISTS (SELECT ...), (SELECT ...) (a NULL
 * for the last two; kw the EXISTS keyword or the opening parenthesis). */
cql_expr *cql_b_subquery(cql_ctx *ctx, cql_expr_kind kind, const cql_token *kw,
                         cql_expr *a, bool negated, cql_select *sub,
                         const cql_token *rp);
/* A set operator as parsed. */
typedef struct cql_setopx {
  int op;   /* enum cql_setop */
  bool all; /* UNION ALL */
  cql_pos pos;
} cql_setopx;
/* head op next: appends `next` to head's chain (an ORDER BY / LIMIT /
 * OFFSET on any but the last SELECT is an error). */
cql_select *cql_b_compound(cql_ctx *ctx, cql_select *head, cql_setopx op,
                           cql_select *next);
/* The end of a compound: moves the last SELECT's ORDER BY / LIMIT /
 * OFFSET to the head. */
cql_select *cql_b_compound_end(cql_ctx *ctx, cql_select *head);
/* DESCRIBE table (kw the DESCRIBE keyword). */
cql_stmt *cql_b_describe(cql_ctx *ctx, const cql_token *kw,
                         const cql_token *table);
/* position(sub IN s) as the call position(sub, s). */
cql_expr *cql_b_position(cql_ctx *ctx, const cql_token *name, cql_expr *sub,
                         cql_expr *s, const cql_token *rp);

/* Lists: start with one element / append (taking e). On failure the list
 * is freed and emptied. */
cql_expr_list cql_b_list1(cql_ctx *ctx, cql_expr *e);
void cql_b_list_add(cql_ctx *ctx, cql_expr_list *l, cql_expr *e);
void cql_expr_list_free(cql_expr_list *l);

/* A path being parsed, with its source span. */
typedef struct cql_pathx {
  cql_path p;
  cql_pos pos; /* first segment */
  size_t end;  /* just past the last segment */
} cql_pathx;

/* Paths: `a`, then `.b`... Identifiers are unquoted here. */
cql_pathx cql_b_path1(cql_ctx *ctx, const cql_token *id);
void cql_b_path_add(cql_ctx *ctx, cql_pathx *p, const cql_token *id);
void cql_path_free(cql_path *p);

/* ---------------------------------------------------------------- SELECT */

typedef struct cql_item_list {
  cql_select_item *items;
  size_t n;
} cql_item_list;

typedef struct cql_order_list {
  cql_order_item *items;
  size_t n;
} cql_order_list;

/* Select list items: `e` / `e AS alias` (alias may be NULL) / `*` (e NULL,
 * t the star token). */
cql_item_list cql_b_item1(cql_ctx *ctx, cql_expr *e, const cql_token *alias,
                          const cql_token *t);
void cql_b_item_add(cql_ctx *ctx, cql_item_list *l, cql_expr *e,
                    const cql_token *alias, const cql_token *t);
void cql_item_list_free(cql_item_list *l);

cql_order_list cql_b_order1(cql_ctx *ctx, cql_expr *e, bool desc);
void cql_b_order_add(cql_ctx *ctx, cql_order_list *l, cql_expr *e, bool desc);
void cql_order_list_free(cql_order_list *l);

/* SELECT [DISTINCT] items FROM table. */
cql_select *cql_b_select(cql_ctx *ctx, const cql_token *kw, bool distinct,
                         cql_item_list items, const cql_token *table);

/* The clauses after FROM, each recorded on `s` with order and duplicate
 * checks (`kw` is the clause's first keyword, for error positions). */
enum cql_clause {
  CQL_CL_WHERE,
  CQL_CL_GROUP,
  CQL_CL_HAVING,
  CQL_CL_ORDER,
  CQL_CL_LIMIT,
  CQL_CL_AS_OF,
  CQL_CL_VISIBLE_AT,
  CQL_CL_HIDDEN,
  CQL_CL_RETRACTED
};
/* WHERE, HAVING, AS OF, VISIBLE AT (e), INCLUDE ... (e NULL). */
void cql_b_select_clause(cql_ctx *ctx, cql_select *s, enum cql_clause cl,
                         const cql_token *kw, cql_expr *e);
void cql_b_select_group(cql_ctx *ctx, cql_select *s, const cql_token *kw,
                        cql_expr_list l);
void cql_b_select_order(cql_ctx *ctx, cql_select *s, const cql_token *kw,
                        cql_order_list l);
/* OFFSET off without LIMIT (PostgreSQL allows it). */
void cql_b_select_offset(cql_ctx *ctx, cql_select *s, const cql_token *kw,
                         cql_expr *off);
/* LIMIT e [OFFSET off] (off may be NULL). */
void cql_b_select_limit(cql_ctx *ctx, cql_select *s, const cql_token *kw,
                        cql_expr *e, cql_expr *off);

/* Window function calls (build_win.c). OVER ( starts an empty window;
 * PARTITION BY and ORDER BY fill it (in that order, each once); the call
 * takes the window, its span ending at the window's `)`. Frames and
 * named windows are refused with a positioned message. */
cql_window *cql_b_window(cql_ctx *ctx, const cql_token *over);
void cql_b_window_part(cql_ctx *ctx, cql_window *w, const cql_token *kw,
                       cql_expr_list l);
void cql_b_window_order(cql_ctx *ctx, cql_window *w, const cql_token *kw,
                        cql_order_list l);
cql_expr *cql_b_over(cql_ctx *ctx, cql_expr *call, cql_window *w,
                     const cql_token *rp);
void cql_b_window_frame(cql_ctx *ctx, const cql_token *kw);
void cql_b_window_named(cql_ctx *ctx, const cql_token *kw);

/* ---------------------------------------------------- joins (build_join.c)
 * A table of FROM being parsed: the item and its name token. */
typedef struct cql_fromx {
  cql_from f;
  cql_token name;
} cql_fromx;

/* The index of the WITH name t in ctx->ctes, or -1. */
int cql_b_cte_find(cql_ctx *ctx, const cql_token *t);
/* The table named by t (CQL_TABLE_*; CQL_TABLE_SUB for a WITH name), or 0
 * with the error recorded. */
int cql_b_table_of(cql_ctx *ctx, const cql_token *t);
/* `name`: a FROM item for table t (f.table 0 after an error). */
cql_fromx cql_b_from_table(cql_ctx *ctx, const cql_token *t);
/* The item's alias; RIGHT, FULL, CROSS and NATURAL are refused (they are
 * joins CQL does not have, with a message saying what to write). */
void cql_b_from_alias(cql_ctx *ctx, cql_fromx *x, const cql_token *alias);
/* AS OF e, VISIBLE AT e, INCLUDE HIDDEN / RETRACTED of one table; takes
 * e. */
void cql_b_from_clause(cql_ctx *ctx, cql_fromx *x, enum cql_clause cl,
                       const cql_token *kw, cql_expr *e);
/* Frees what the item owns and zeroes it. */
void cql_b_fromx_clear(cql_fromx *x);
/* Attaches the first FROM item to s (takes x; s may be NULL after an
 * error). For now its temporal clauses become the statement's. */
cql_select *cql_b_select_from(cql_ctx *ctx, cql_select *s, cql_fromx *x);
/* [INNER | LEFT] JOIN x ON on: appended to s->from (takes x and on). */
void cql_b_join(cql_ctx *ctx, cql_select *s, cql_join_kind kind,
                const cql_token *kw, cql_fromx *x, cql_expr *on);
/* A WITH list being parsed. */
typedef struct cql_ctelist {
  cql_cte *items;
  size_t n;
} cql_ctelist;
/* `name AS (sel)`: a new list (l NULL) or appended to *l; takes sel. */
cql_ctelist cql_b_cte(cql_ctx *ctx, const cql_token *name, cql_select *sel);
void cql_b_cte_add(cql_ctx *ctx, cql_ctelist *l, const cql_token *name,
                   cql_select *sel);
void cql_b_ctelist_free(cql_ctx *ctx, cql_ctelist *l);
/* Attaches the WITH list to the statement's head select (takes both). */
cql_select *cql_b_with(cql_ctx *ctx, cql_ctelist *l, cql_select *s);
/* `(SELECT ...)` as a FROM item (takes sub). */
cql_fromx cql_b_from_sub(cql_ctx *ctx, const cql_token *lp, cql_select *sub);

/* Marks the last item of l as `q.*` (q a one-segment path; takes it). */
void cql_b_item_qual(cql_ctx *ctx, cql_item_list *l, cql_pathx *q);

/* ------------------------------------------------------------ statements */

/* A statement of `kind` starting at token `kw`, all fields empty. */
cql_stmt *cql_b_stmt(cql_ctx *ctx, cql_kind kind, const cql_token *kw);
/* SELECT / EXPLAIN around a select (kw: SELECT or EXPLAIN keyword). */
cql_stmt *cql_b_stmt_select(cql_ctx *ctx, cql_kind kind, const cql_token *kw,
                            cql_select *s);
/* A statement with one identifier (type / user name), unquoted. */
cql_stmt *cql_b_stmt_named(cql_ctx *ctx, cql_kind kind, const cql_token *kw,
                           const cql_token *name);
/* Statements whose fields are only expressions: stores a, b, c in the
 * kind's fields in their syntactic order (see build.c). */
cql_stmt *cql_b_stmt_exprs(cql_ctx *ctx, cql_kind kind, const cql_token *kw,
                           cql_expr *a, cql_expr *b, cql_expr *c);

/* CREATE TYPE clauses. */
void cql_b_type_publicity(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                          const cql_dur *d);
/* CREATE TYPE ... POSITIVE (flag CREDO_TYPE_POSITIVE), ADVERSE (0),
 * PUBLICITY OPEN (CREDO_TYPE_OPEN), NOT PUBLISHED
 * (CREDO_TYPE_NOT_PUBLISHED); duplicates are errors. */
void cql_b_type_flag(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                     unsigned flag);
/* Appends a field name to a malloc'ed "a,b" list (NULL: a new list);
 * frees `list` on failure. */
char *cql_b_field(cql_ctx *ctx, char *list, const cql_token *name);
/* CREATE TYPE ... PUBLIC FIELDS (list); takes `list`. */
void cql_b_type_fields(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                       char *list);
/* ALTER SUBJECT 'id' NAME 'n' REASON 'r'; takes the expressions. */
cql_stmt *cql_b_alter_subject(cql_ctx *ctx, const cql_token *kw, cql_expr *id,
                              cql_expr *name, cql_expr *reason);
/* GRANT / REVOKE SOURCE 'src' TO / FROM user; takes `source`. */
cql_stmt *cql_b_grant(cql_ctx *ctx, cql_kind kind, const cql_token *kw,
                      cql_expr *source, const cql_token *user);
void cql_b_type_repairable(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                           const cql_dur *d);
/* CREATE TYPE ... RETAIN d (erasure after publicity ends; issue 17). */
void cql_b_type_retain(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                       const cql_dur *d);

/* CREATE SUBJECT id KIND kind [NAME name]. */
cql_stmt *cql_b_create_subject(cql_ctx *ctx, const cql_token *kw, cql_expr *id,
                               const cql_token *kind, cql_expr *name);

/* RECORD clauses (kw: the clause keyword; CQL_TK_* code of it in `which`). */
enum cql_rec_clause {
  CQL_RC_OCCURRED,
  CQL_RC_PUBLIC_FROM,
  CQL_RC_UNTIL,
  CQL_RC_SOURCE,
  CQL_RC_REF,
  CQL_RC_DATA,
  CQL_RC_REASON
};
cql_stmt *cql_b_record(cql_ctx *ctx, const cql_token *kw, const cql_token *type,
                       cql_expr *subject);
void cql_b_record_clause(cql_ctx *ctx, cql_stmt *st, enum cql_rec_clause cl,
                         const cql_token *kw, cql_expr *e);

/* REPAIR clauses. */
void cql_b_repair_effective(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                            cql_expr *e);
void cql_b_repair_reason(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                         cql_expr *e);

/* CORRECT's SET list. */
typedef struct cql_set_list {
  cql_set_item *items;
  size_t n;
} cql_set_list;
cql_set_list cql_b_set1(cql_ctx *ctx, cql_path p, cql_pos pos, cql_expr *v);
void cql_b_set_add(cql_ctx *ctx, cql_set_list *l, cql_path p, cql_pos pos,
                   cql_expr *v);
void cql_set_list_free(cql_set_list *l);
cql_stmt *cql_b_correct(cql_ctx *ctx, const cql_token *kw, cql_expr *event,
                        cql_set_list set, cql_expr *reason);

/* CREATE / ALTER USER clauses. */
void cql_b_user_role(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                     const cql_token *role);
void cql_b_user_password(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                         cql_expr *pw);

/* Final checks when a statement is complete (required clauses); takes st
 * and returns it, or frees it and returns NULL. */
cql_stmt *cql_b_finish(cql_ctx *ctx, cql_stmt *st);

#endif /* CQL_BUILD_H */
