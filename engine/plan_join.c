/*
 * plan_join.c -- planning a SELECT whose FROM has several tables or
 * aliases (issue 15): the name scope, `*` / `q.*`, the ON conditions,
 * each joined table's temporal clauses (its own win over the
 * statement's), the choice of how each joined table is read (an index
 * look-up keyed by the tables before it, else a full scan per outer row),
 * the public role's rules through joins, and EXPLAIN's JOIN lines.
 *
 * Invariants: slot i of the scope is the i-th table of FROM; an ON
 * condition reads only its own table and the ones before it; a key
 * expression points into its table's ON tree and reads only earlier
 * slots; for the public role a plan never compares a subject column with
 * anything but a constant (so a join cannot match on the real id behind
 * a masked one) and never reads the subjects table.
 *
 * Does not: run the join (exec_join.c) or choose the first table's path
 * (plan.c does, from WHERE).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec.h"
#include "plan.h"

static int nomem(credo *db) {
  return eng_err(db, CREDO_NOMEM, "out of memory");
}

int eng_join_needed(const cql_select *sel) {
  if (sel->n_from > 1 || (sel->n_from == 1 && sel->from[0].alias) ||
      ENG_ROWSET(sel->table))
    return 1;
  for (size_t i = 0; i < sel->n_items; i++)
    if (sel->items[i].qual)
      return 1;
  return 0;
}

/* Slot i is a subquery: its child statement and output names. */
static int sub_slot(credo *db, eng_plan *p, size_t i, int nparams) {
  eng_join *j = p->join;
  credo_stmt *c;
  struct eng_outer *outer = db->outer; /* FROM's subqueries: not correlated */
  int rc;
  db->outer = NULL;
  rc = eng_stmt_child(db, j->t[i].from->sub, p->src, nparams, &c);
  db->outer = outer;
  if (rc != CREDO_OK)
    return rc;
  j->t[i].child = c;
  j->scope.cols[i] = c->names;
  j->scope.ncols[i] = c->ncols;
  return CREDO_OK;
}

int eng_join_plan(credo *db, eng_plan *p, int nparams) {
  const cql_select *sel = p->sel;
  eng_join *j;
  int rc;
  if (sel->n_from > ENG_MAX_TABLES)
    return eng_cql_err(db, CREDO_SEMANTIC, sel->from[ENG_MAX_TABLES].pos.line,
                       sel->from[ENG_MAX_TABLES].pos.column,
                       "at most %d tables may be joined", ENG_MAX_TABLES);
  if (!(j = calloc(1, sizeof *j)))
    return nomem(db);
  p->join = j;
  j->scope.n = sel->n_from ? sel->n_from : 1;
  for (size_t i = 0; i < j->scope.n; i++) {
    const cql_from *f = sel->n_from ? &sel->from[i] : NULL;
    j->t[i].table = f ? (int)f->table : (int)sel->table;
    j->t[i].kind = f ? f->join : CQL_JOIN_FIRST;
    j->t[i].from = f;
    j->scope.table[i] = j->t[i].table;
    j->scope.name[i] = f && f->alias ? f->alias : cql_table_name(j->t[i].table);
    if (j->t[i].table == CQL_TABLE_SUB &&
        (rc = sub_slot(db, p, i, nparams)) != CREDO_OK)
      return rc;
    if (j->t[i].table == CQL_TABLE_USERS) {
      cql_pos at = f ? f->pos : sel->table_pos;
      if (db->role != CREDO_ROLE_ADMIN)
        return eng_cql_err(db, CREDO_DENIED, at.line, at.column,
                           "permission denied: only admin reads the users "
                           "table");
      j->scope.cols[i] = ENG_USER_COLS;
      j->scope.ncols[i] = 3;
    }
  }
  return CREDO_OK;
}

void eng_join_free(eng_join *j) {
  if (!j)
    return;
  for (size_t i = 0; i < ENG_MAX_TABLES; i++) {
    eng_expr_free(j->t[i].on);
    eng_expr_free(j->t[i].as_of);
    eng_expr_free(j->t[i].visible_at);
    eng_stmt_child_free(j->t[i].child);
  }
  free(j);
}

/* ------------------------------------------------------------ stars */

/* The slot a `q.*` names, -1 for `*` (every table), -2 when unknown. */
static int star_slot(const eng_plan *p, const cql_select_item *it) {
  if (!it->qual)
    return -1;
  for (size_t i = 0; i < p->join->scope.n; i++)
    if (strcasecmp(p->join->scope.name[i], it->qual) == 0)
      return (int)i;
  return -2;
}

/* The `*` columns of slot i: a table's star columns, all of a
 * subquery's. */
static size_t star_n(const eng_scope *sc, size_t i) {
  return ENG_ROWSET(sc->table[i]) ? sc->ncols[i]
                                  : (size_t)eng_table_star(sc->table[i]);
}

size_t eng_join_star_width(const eng_plan *p, const cql_select_item *it) {
  int s = star_slot(p, it);
  size_t n = 0;
  if (s >= 0)
    return star_n(&p->join->scope, (size_t)s);
  if (s == -2)
    return 0;
  for (size_t i = 0; i < p->join->scope.n; i++)
    n += star_n(&p->join->scope, i);
  return n;
}

static int star_one(credo *db, eng_plan *p, const cql_select_item *it, int slot,
                    size_t *k) {
  const eng_scope *sc = &p->join->scope;
  int table = sc->table[slot];
  for (int c = 0; c < (int)star_n(sc, (size_t)slot); c++, (*k)++) {
    eng_expr *x = calloc(1, sizeof *x);
    if (!x ||
        !(p->names[*k] = strdup(eng_scope_colname(sc, (size_t)slot, c)))) {
      free(x);
      return nomem(db);
    }
    *x =
        (eng_expr){.kind = ENG_X_COL,
                   .idx = c,
                   .tab = slot,
                   .st = ENG_ROWSET(table) ? ENG_V_ANY : eng_col_type(table, c),
                   .line = it->pos.line,
                   .col = it->pos.column,
                   .off = it->pos.offset,
                   .end = it->end};
    p->cols[*k] = x;
  }
  return CREDO_OK;
}

int eng_join_star_cols(credo *db, eng_plan *p, const cql_select_item *it,
                       size_t *k) {
  int s = star_slot(p, it), rc = CREDO_OK;
  if (s == -2)
    return eng_cql_err(db, CREDO_SEMANTIC, it->pos.line, it->pos.column,
                       "unknown table \"%s\" in %s.* (no table of FROM has "
                       "that name or alias)",
                       it->qual, it->qual);
  if (s >= 0)
    return star_one(db, p, it, s, k);
  for (size_t i = 0; i < p->join->scope.n && rc == CREDO_OK; i++)
    rc = star_one(db, p, it, (int)i, k);
  return rc;
}

int eng_join_has_col(const eng_plan *p, const char *name) {
  for (size_t i = 0; i < p->join->scope.n; i++)
    if (eng_scope_colfind(&p->join->scope, i, name) >= 0)
      return 1;
  return 0;
}

/* ------------------------------------------------------- ON, methods */

/* The highest slot a tree reads (-1: none); *other = 1 when it holds an
 * aggregate or a subquery (not usable as a key). */
static int max_slot(const eng_expr *e, int *other) {
  int m = -1, k;
  if (!e)
    return -1;
  if (e->kind == ENG_X_COL || e->kind == ENG_X_JPATH)
    m = e->tab;
  if (e->kind == ENG_X_AGG || e->kind == ENG_X_SUBQ)
    *other = 1;
  if ((k = max_slot(e->a, other)) > m)
    m = k;
  if ((k = max_slot(e->b, other)) > m)
    m = k;
  if ((k = max_slot(e->c, other)) > m)
    m = k;
  for (size_t i = 0; i < e->nargs; i++)
    if ((k = max_slot(e->args[i], other)) > m)
      m = k;
  return m;
}

/* `slot.col = key` with key reading only earlier slots: key, else NULL. */
static const eng_expr *key_of(const eng_expr *c, int slot, int col) {
  const eng_expr *sides[2] = {c->a, c->b};
  if (c->kind != ENG_X_BIN || c->op != CQL_OP_EQ)
    return NULL;
  for (int i = 0; i < 2; i++) {
    const eng_expr *s = sides[i], *o = sides[1 - i];
    int other = 0;
    if (s->kind == ENG_X_COL && s->tab == slot && s->idx == col &&
        max_slot(o, &other) < slot && !other)
      return o;
  }
  return NULL;
}

static int is_and(const eng_expr *c) {
  return (c->kind == ENG_X_LOGIC || c->kind == ENG_X_BIN) &&
         c->op == CQL_OP_AND;
}

/* A buffered table (subquery, users): `slot.c = key` on any column c
 * makes it a hash join on c. */
static void choose_hash(eng_jtab *t, int s) {
  const eng_expr *stack[64];
  size_t n = 0;
  stack[n++] = t->on;
  while (n) {
    const eng_expr *c = stack[--n], *key;
    if (is_and(c)) {
      size_t m = c->kind == ENG_X_LOGIC ? c->nargs : 2;
      for (size_t a = m; a-- > 0 && n < 64;)
        stack[n++] = c->kind == ENG_X_LOGIC ? c->args[a] : a ? c->b : c->a;
      continue;
    }
    if (c->kind != ENG_X_BIN || c->op != CQL_OP_EQ)
      continue;
    for (int side = 0; side < 2; side++) {
      const eng_expr *col = side ? c->b : c->a;
      if (col->kind == ENG_X_COL && col->tab == s &&
          (key = key_of(c, s, col->idx)) != NULL) {
        t->method = ENG_JM_HASH;
        t->hcol = col->idx;
        t->key = key;
        t->keyc = c;
        return;
      }
    }
  }
}

/* Picks the method of slot s from its ON's top-level AND conjuncts. */
static void choose_method(eng_jtab *t, int s) {
  static const struct {
    int table, col, method;
  } keys[] = {{CQL_TABLE_EVENTS, ENG_EV_ID, ENG_JM_EV_ID},
              {CQL_TABLE_EVENTS, ENG_EV_SUBJECT, ENG_JM_EV_SUBJECT},
              {CQL_TABLE_EVENTS, ENG_EV_TYPE, ENG_JM_EV_TYPE},
              {CQL_TABLE_SUBJECTS, ENG_SU_ID, ENG_JM_SU_ID},
              {CQL_TABLE_TYPES, ENG_TY_NAME, ENG_JM_TY_NAME}};
  const eng_expr *stack[64];
  size_t n = 0;
  t->method = ENG_JM_SCAN;
  if (ENG_ROWSET(t->table)) { /* buffered rows: a hash on any column */
    choose_hash(t, s);
    return;
  }
  for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
    if (keys[k].table != t->table)
      continue;
    n = 0;
    stack[n++] = t->on;
    while (n) {
      const eng_expr *c = stack[--n], *key;
      if (is_and(c)) { /* n-ary AND (expr_logic.c) or a binary one */
        size_t m = c->kind == ENG_X_LOGIC ? c->nargs : 2;
        for (size_t a = m; a-- > 0 && n < 64;)
          stack[n++] = c->kind == ENG_X_LOGIC ? c->args[a] : a ? c->b : c->a;
        continue;
      }
      if ((key = key_of(c, s, keys[k].col)) != NULL) {
        t->method = keys[k].method;
        t->key = key;
        t->keyc = c;
        return;
      }
    }
  }
}

static int compile_on(credo *db, eng_plan *p, int s, int nparams) {
  eng_jtab *t = &p->join->t[s];
  eng_cctx cc = {.db = db,
                 .table = t->table,
                 .nparams = nparams,
                 .clause = "ON",
                 .subqs = &p->subqs,
                 .scope = &p->join->scope};
  int other = 0, rc, m;
  if ((rc = eng_expr_compile(&cc, t->from->on, &t->on)) != CREDO_OK)
    return rc;
  if (t->on->st != ENG_V_ANY && t->on->st != ENG_V_BOOL &&
      t->on->st != ENG_V_NULL)
    return eng_cql_err(db, CREDO_SEMANTIC, t->on->line, t->on->col,
                       "type mismatch: ON needs a condition (BOOL), got %s",
                       eng_vtype_name(t->on->st));
  if ((m = max_slot(t->on, &other)) > s)
    return eng_cql_err(db, CREDO_SEMANTIC, t->on->line, t->on->col,
                       "ON of table %s reads table %s, which comes later in "
                       "FROM; move the condition to that table's ON or to "
                       "WHERE",
                       p->join->scope.name[s], p->join->scope.name[m]);
  choose_method(t, s);
  return CREDO_OK;
}

/* AS OF / VISIBLE AT / INCLUDE of slot s: its own, else the statement's. */
static int table_clauses(credo *db, eng_plan *p, int s, int nparams) {
  eng_jtab *t = &p->join->t[s];
  const cql_select *sel = p->sel;
  const cql_from *f = t->from;
  const cql_expr *as_of = f && f->as_of ? f->as_of : sel->as_of;
  const cql_expr *vis = f && f->visible_at ? f->visible_at : sel->visible_at;
  eng_cctx cc = {.db = db, .nparams = nparams};
  int rc;
  if (f && t->table != CQL_TABLE_EVENTS &&
      (f->as_of || f->visible_at || f->include_hidden || f->include_retracted))
    return eng_cql_err(db, CREDO_SEMANTIC, f->pos.line, f->pos.column,
                       "AS OF, VISIBLE AT and INCLUDE apply to events only, "
                       "not to %s",
                       cql_table_name(t->table));
  t->flags =
      (sel->include_hidden || (f && f->include_hidden) ? CREDO_READ_HIDDEN
                                                       : 0) |
      (sel->include_retracted || (f && f->include_retracted)
           ? CREDO_READ_RETRACTED
           : 0);
  cc.clause = "AS OF";
  if (as_of && (rc = eng_expr_compile(&cc, as_of, &t->as_of)) != CREDO_OK)
    return rc;
  cc.clause = "VISIBLE AT";
  if (vis && (rc = eng_expr_compile(&cc, vis, &t->visible_at)) != CREDO_OK)
    return rc;
  if (s == 0) { /* the first table is read through the plan's fields */
    eng_expr_free(p->as_of);
    eng_expr_free(p->visible_at);
    p->as_of = t->as_of;
    p->visible_at = t->visible_at;
    t->as_of = t->visible_at = NULL;
    p->flags = t->flags;
  }
  return CREDO_OK;
}

/* ---------------------------------------------------- the public role */

static int is_internal(int col) {
  return col == ENG_EV_VERSION || col == ENG_EV_RECORDED ||
         col == ENG_EV_ACTOR || col == ENG_EV_OP || col == ENG_EV_REASON;
}

/* Rule 8 through joins: no internals named, subject compared only with a
 * constant (`subject = c` as a top-level conjunct of WHERE / ON: see
 * subj_ok), so no join matches on the id a mask hides. */
static int pub_walk(credo *db, const eng_plan *p, const eng_expr *e,
                    int subject_ok) {
  int rc;
  if (!e)
    return CREDO_OK;
  if (e->kind == ENG_X_COL &&
      p->join->scope.table[e->tab] == CQL_TABLE_EVENTS) {
    /* a `*` / `q.*` column spans its item, which ends with '*' */
    if (is_internal(e->idx) && e->end > e->off && p->src[e->end - 1] != '*')
      return eng_cql_err(db, CREDO_DENIED, e->line, e->col,
                         "permission denied: role public does not see column "
                         "%s (the registry's internals)",
                         eng_col_name(CQL_TABLE_EVENTS, e->idx));
    if (e->idx == ENG_EV_SUBJECT && !subject_ok)
      return eng_cql_err(db, CREDO_DENIED, e->line, e->col,
                         "permission denied: role public may compare a "
                         "subject only with a full id (subject = '...'), "
                         "not join or filter on it otherwise");
  }
  if ((rc = pub_walk(db, p, e->a, subject_ok)) ||
      (rc = pub_walk(db, p, e->b, subject_ok)) ||
      (rc = pub_walk(db, p, e->c, subject_ok)))
    return rc;
  for (size_t i = 0; i < e->nargs; i++)
    if ((rc = pub_walk(db, p, e->args[i], subject_ok)))
      return rc;
  return CREDO_OK;
}

/* A condition: its top-level `events.subject = constant` conjuncts may
 * name the subject; nothing else may. */
static int pub_cond(credo *db, const eng_plan *p, const eng_expr *e) {
  int rc;
  if (!e)
    return CREDO_OK;
  if (is_and(e)) {
    size_t m = e->kind == ENG_X_LOGIC ? e->nargs : 2;
    for (size_t a = 0; a < m; a++)
      if ((rc = pub_cond(db, p,
                         e->kind == ENG_X_LOGIC ? e->args[a]
                         : a                    ? e->b
                                                : e->a)) != CREDO_OK)
        return rc;
    return CREDO_OK;
  }
  if (e->kind == ENG_X_BIN && e->op == CQL_OP_EQ &&
      ((e->a->kind == ENG_X_COL && eng_expr_is_const(e->b)) ||
       (e->b->kind == ENG_X_COL && eng_expr_is_const(e->a))))
    return pub_walk(db, p, e, 1);
  return pub_walk(db, p, e, 0);
}

static int public_join(credo *db, const eng_plan *p) {
  const eng_join *j = p->join;
  int rc;
  for (size_t i = 0; i < j->scope.n; i++)
    if (j->t[i].table == CQL_TABLE_SUBJECTS) {
      cql_pos at = j->t[i].from ? j->t[i].from->pos : p->sel->table_pos;
      return eng_cql_err(db, CREDO_DENIED, at.line, at.column,
                         "permission denied: role public cannot list "
                         "subjects (persons' ids and names), in a join "
                         "neither; events carry subject_name");
    }
  if ((rc = pub_cond(db, p, p->where)) != CREDO_OK)
    return rc;
  for (size_t i = 1; i < j->scope.n; i++)
    if ((rc = pub_cond(db, p, j->t[i].on)) != CREDO_OK)
      return rc;
  for (size_t i = 0; i < p->ncols; i++)
    if ((rc = pub_walk(db, p, p->cols[i], 1)) != CREDO_OK)
      return rc;
  for (size_t i = 0; i < p->norder; i++)
    if ((rc = pub_walk(db, p, p->order[i], 1)) != CREDO_OK)
      return rc;
  for (size_t i = 0; i < p->nkeys; i++)
    if ((rc = pub_walk(db, p, p->keys[i], 1)) != CREDO_OK)
      return rc;
  return pub_walk(db, p, p->having, 1);
}

static int is_scope_name(const eng_scope *sc, const char *name) {
  for (size_t i = 0; i < sc->n; i++)
    if (strcasecmp(sc->name[i], name) == 0)
      return 1;
  return 0;
}

/* `e.subject` is output as "subject", `e.data.k` as "data.k" (the
 * qualifier is not part of the name, as in SQL). */
static int short_names(credo *db, eng_plan *p) {
  size_t k = 0;
  for (size_t i = 0; i < p->sel->n_items; i++) {
    const cql_select_item *it = &p->sel->items[i];
    const cql_expr *e = it->expr;
    eng_buf b = {0};
    if (!e) {
      k += eng_join_star_width(p, it);
      continue;
    }
    k++;
    if (it->alias || e->kind != CQL_E_COLUMN || e->path.n < 2 ||
        !is_scope_name(&p->join->scope, e->path.segs[0]))
      continue;
    for (size_t s = 1; s < e->path.n; s++)
      if (eng_buf_printf(&b, "%s%s", s > 1 ? "." : "", e->path.segs[s])) {
        eng_buf_free(&b);
        return nomem(db);
      }
    free(p->names[k - 1]);
    p->names[k - 1] = b.p; /* NUL-terminated by eng_buf_printf */
  }
  return CREDO_OK;
}

int eng_join_finish(credo *db, eng_plan *p, int nparams) {
  int rc = short_names(db, p);
  if (rc != CREDO_OK)
    return rc;
  for (size_t s = 0; s < p->join->scope.n; s++) {
    if (s > 0 && (rc = compile_on(db, p, (int)s, nparams)) != CREDO_OK)
      return rc;
    if ((rc = table_clauses(db, p, (int)s, nparams)) != CREDO_OK)
      return rc;
  }
  if (db->role == CREDO_ROLE_PUBLIC)
    return public_join(db, p);
  return CREDO_OK;
}

/* ------------------------------------------------------------ EXPLAIN */

static const char *method_text(int m) {
  switch (m) {
  case ENG_JM_EV_ID:
    return "index look-up by id";
  case ENG_JM_EV_SUBJECT:
    return "index look-up by subject";
  case ENG_JM_EV_TYPE:
    return "index look-up by type";
  case ENG_JM_SU_ID:
    return "index look-up by id";
  case ENG_JM_TY_NAME:
    return "index look-up by name";
  case ENG_JM_HASH:
    return "hash join on its rows (computed and hashed once)";
  case -1:
    return "nested loop over its rows (computed once)";
  default:
    return "nested loop, a full scan per row of the tables before it";
  }
}

/* Source text [off, end) with line breaks and tabs as spaces. */
static int put_text(eng_buf *b, const char *src, size_t off, size_t end) {
  for (size_t i = off; i < end; i++) {
    char c = src[i] == '\n' || src[i] == '\r' || src[i] == '\t' ? ' ' : src[i];
    if (eng_buf_put(b, &c, 1))
      return CREDO_NOMEM;
  }
  return CREDO_OK;
}

int eng_join_explain(const eng_plan *p, eng_buf *b,
                     int (*emit)(eng_buf *, eng_line_cb, void *, int),
                     eng_line_cb line, void *arg) {
  const eng_join *j = p->join;
  int rc = CREDO_OK;
  for (size_t i = 1; i < j->scope.n && rc == CREDO_OK; i++) {
    const eng_jtab *t = &j->t[i];
    rc = eng_buf_printf(b, "%s %s",
                        t->kind == CQL_JOIN_LEFT ? "LEFT JOIN" : "JOIN",
                        cql_table_name(t->table));
    if (rc == CREDO_OK && t->from->alias)
      rc = eng_buf_printf(b, " %s", t->from->alias);
    if (rc == CREDO_OK)
      rc = eng_buf_put(b, " ON ", 4) ||
           put_text(b, p->src, t->on->off, t->on->end);
    if (rc == CREDO_OK)
      rc = eng_buf_printf(
          b, ": %s",
          method_text(ENG_ROWSET(t->table) && t->method != ENG_JM_HASH
                          ? -1
                          : t->method));
    rc = emit(b, line, arg, rc);
  }
  return rc;
}
