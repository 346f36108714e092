/*
 * expr_scope.c -- column names in a FROM with several tables or aliases
 * (issue 15): `c`, `q.c`, `q.data.k.j`, `data.k` resolved to a (slot,
 * column) pair.
 *
 * Rules (docs/cql.md, "Joins"):
 *  - a first segment that names a table of FROM (its alias, or its table
 *    name when it has none) is a qualifier; the next segment is a column
 *    of that table, and the segments after it a path into `data` (events
 *    only): `e.data.amount_wan`;
 *  - otherwise the name is unqualified: it must be a column of exactly
 *    one table of FROM (`data.k` likewise needs exactly one events
 *    table); two or more is an "ambiguous" error naming each candidate
 *    as q.c, none an "unknown column" error with a did-you-mean over
 *    q.c spellings and the aliases;
 *  - in HAVING, an output alias is tried when no table has the name.
 *
 * Does not: compile anything but column references.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr_int.h"
#include "fn_scalar.h"

const char *const ENG_USER_COLS[3] = {"name", "role", "created"};

int eng_scope_ncols(const eng_scope *s, size_t i) {
  return ENG_ROWSET(s->table[i]) ? (int)s->ncols[i]
                                 : eng_table_ncols(s->table[i]);
}

const char *eng_scope_colname(const eng_scope *s, size_t i, int col) {
  if (!ENG_ROWSET(s->table[i]))
    return eng_col_name(s->table[i], col);
  return col >= 0 && (size_t)col < s->ncols[i] ? s->cols[i][col] : "?";
}

int eng_scope_colfind(const eng_scope *s, size_t i, const char *name) {
  if (!ENG_ROWSET(s->table[i]))
    return eng_col_find(s->table[i], name);
  for (size_t c = 0; c < s->ncols[i]; c++)
    if (strcasecmp(s->cols[i][c], name) == 0)
      return (int)c;
  return -1;
}

static int slot_of(const eng_scope *s, const char *name) {
  for (size_t i = 0; i < s->n; i++)
    if (strcasecmp(s->name[i], name) == 0)
      return (int)i;
  return -1;
}

static void full_name(const cql_expr *e, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < e->path.n && used < n; i++)
    used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? "." : "",
                             e->path.segs[i]);
}

/* The nearest alias, column or `q.c` to what was written, or NULL.
 * store holds the `q.c` spellings (cap of them). */
static const char *near_name(const eng_scope *s, const char *written,
                             char (*store)[48], size_t cap) {
  const char *cands[ENG_MAX_TABLES * (1 + 2 * 32) + 1];
  size_t k = 0, m = 0;
  for (size_t i = 0; i < s->n; i++) {
    int nc = eng_scope_ncols(s, i);
    cands[k++] = s->name[i];
    for (int c = 0; c < nc && c < 32; c++) {
      cands[k++] = eng_scope_colname(s, i, c);
      if (m < cap) {
        snprintf(store[m], sizeof store[m], "%s.%s", s->name[i],
                 eng_scope_colname(s, i, c));
        cands[k++] = store[m++];
      }
    }
  }
  cands[k] = NULL;
  return eng_suggest_in(written, cands);
}

static int unknown(eng_cctx *cc, const cql_expr *e, const char *what) {
  char store[ENG_MAX_TABLES * 32][48];
  char full[300], tables[200];
  const char *near;
  size_t used = 0;
  full_name(e, full, sizeof full);
  tables[0] = '\0';
  for (size_t i = 0; i < cc->scope->n && used < sizeof tables; i++)
    used += (size_t)snprintf(tables + used, sizeof tables - used, "%s%s (%s)",
                             i ? ", " : "", cc->scope->name[i],
                             cql_table_name(cc->scope->table[i]));
  near = near_name(cc->scope, full, store, sizeof store / sizeof *store);
  if (near)
    return eng_cql_err(cc->db, CREDO_SEMANTIC, e->pos.line, e->pos.column,
                       "%s \"%s\"; did you mean %s? (tables: %s)", what, full,
                       near, tables);
  return eng_cql_err(cc->db, CREDO_SEMANTIC, e->pos.line, e->pos.column,
                     "%s \"%s\" (tables: %s)", what, full, tables);
}

static int make(eng_cctx *cc, const cql_expr *e, int slot, int col,
                size_t first_seg, eng_expr **out) {
  int table = cc->scope->table[slot];
  eng_expr *x;
  if (e->path.n > first_seg + 1 &&
      !(table == CQL_TABLE_EVENTS && col == ENG_EV_DATA))
    return unknown(cc, e, "unknown column");
  x = eng_node_new(e, e->path.n > first_seg + 1 ? ENG_X_JPATH : ENG_X_COL);
  if (!x)
    return eng_err(cc->db, CREDO_NOMEM, "out of memory");
  x->idx = col;
  x->tab = slot;
  if (e->path.n > first_seg + 1) {
    x->segs = e->path.segs + first_seg + 1;
    x->nsegs = e->path.n - first_seg - 1;
  } else if (!ENG_ROWSET(table)) /* a subquery's: known per row */
    x->st = eng_col_type(table, col);
  *out = x;
  return CREDO_OK;
}

/* An output alias of HAVING standing for its item's expression. */
static int having_alias(eng_cctx *cc, const cql_expr *e, eng_expr **out,
                        int *done) {
  *done = 0;
  if (e->path.n != 1 || !cc->alias_items || cc->in_alias)
    return CREDO_OK;
  for (size_t i = 0; i < cc->n_alias_items; i++) {
    const cql_select_item *it = &cc->alias_items[i];
    int rc;
    if (!it->alias || !it->expr || strcasecmp(it->alias, e->path.segs[0]) != 0)
      continue;
    *done = 1;
    cc->in_alias = 1;
    rc = eng_compile_sub(cc, it->expr, 0, out);
    cc->in_alias = 0;
    return rc;
  }
  return CREDO_OK;
}

int eng_scope_column(eng_cctx *cc, const cql_expr *e, eng_expr **out) {
  const eng_scope *s = cc->scope;
  const char *first = e->path.n ? e->path.segs[0] : "";
  int slot = e->path.n > 1 ? slot_of(s, first) : -1, col = -1, hits = 0, done;
  char cands[300];
  size_t used = 0;
  int rc;
  if (slot >= 0) {
    if ((col = eng_scope_colfind(s, (size_t)slot, e->path.segs[1])) < 0)
      return unknown(cc, e, "unknown column");
    return make(cc, e, slot, col, 1, out);
  }
  cands[0] = '\0';
  for (size_t i = 0; i < s->n; i++) {
    int c = eng_scope_colfind(s, i, first);
    if (c < 0)
      continue;
    if (hits++ == 0) {
      slot = (int)i;
      col = c;
    }
    used += (size_t)snprintf(
        cands + used, used < sizeof cands ? sizeof cands - used : 0, "%s%s.%s",
        hits > 1 ? " or " : "", s->name[i], eng_scope_colname(s, i, c));
  }
  if (hits == 1)
    return make(cc, e, slot, col, 0, out);
  if (hits > 1)
    return eng_cql_err(cc->db, CREDO_SEMANTIC, e->pos.line, e->pos.column,
                       "column reference \"%s\" is ambiguous: it may be %s; "
                       "qualify it with its table's alias",
                       first, cands);
  if ((rc = having_alias(cc, e, out, &done)) != CREDO_OK || done)
    return rc;
  if (cc->db->outer && (rc = eng_outer_column(cc, e, out)) != CREDO_NOTFOUND)
    return rc;
  return unknown(cc, e,
                 e->path.n > 1 ? "unknown table or column" : "unknown column");
}

/* ------------------------------------------------ outer references */

/* The (slot, column) `e` names in the outer statement: 1 when found. */
static int outer_find(const eng_outer *o, const cql_expr *e, int *tab,
                      int *col) {
  const char *first = e->path.segs[0];
  int hits = 0;
  *tab = 0;
  *col = -1;
  if (!o->scope) {
    *tab = 0;
    *col = eng_col_find(o->table, first);
    return *col >= 0 && (e->path.n == 1 ||
                         (o->table == CQL_TABLE_EVENTS && *col == ENG_EV_DATA));
  }
  if (e->path.n > 1 && (*tab = slot_of(o->scope, first)) >= 0) {
    *col = eng_scope_colfind(o->scope, (size_t)*tab, e->path.segs[1]);
    return *col >= 0 &&
           (e->path.n == 2 ||
            (o->scope->table[*tab] == CQL_TABLE_EVENTS && *col == ENG_EV_DATA));
  }
  for (size_t i = 0; i < o->scope->n; i++) {
    int c = eng_scope_colfind(o->scope, i, first);
    if (c >= 0 && hits++ == 0) {
      *tab = (int)i;
      *col = c;
    }
  }
  return hits == 1 &&
         (e->path.n == 1 ||
          (o->scope->table[*tab] == CQL_TABLE_EVENTS && *col == ENG_EV_DATA));
}

int eng_outer_column(eng_cctx *cc, const cql_expr *e, eng_expr **out) {
  eng_outer *o = cc->db->outer;
  eng_expr *x;
  int tab = 0, col = -1;
  if (!o || !e->path.n || !outer_find(o, e, &tab, &col))
    return CREDO_NOTFOUND;
  if (o->n == o->cap) {
    size_t cap = o->cap ? 2 * o->cap : 4;
    const cql_expr **refs = realloc(o->refs, cap * sizeof *refs);
    if (!refs)
      return eng_err(cc->db, CREDO_NOMEM, "out of memory");
    o->refs = refs;
    o->cap = cap;
  }
  if (!(x = eng_node_new(e, ENG_X_OUTER)))
    return eng_err(cc->db, CREDO_NOMEM, "out of memory");
  x->idx = (int)o->n;
  o->refs[o->n++] = e;
  *out = x; /* its type is the outer row's, known per run */
  return CREDO_OK;
}
