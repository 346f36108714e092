/*
 * stmt.c -- the CQL statement API of credo.h: credo_prepare, the
 * credo_bind_* functions, credo_step, credo_reset, credo_finalize, the
 * credo_column_* accessors, credo_changes and credo_exec; and the list of
 * a handle's statements that credo_close finalizes.
 *
 * Invariants:
 *  - a statement is on its handle's list from prepare to finalize;
 *  - bindings are owned copies, kept across credo_reset; binding while a
 *    statement runs is CREDO_MISUSE (values it already used stay valid);
 *  - column values are valid until the next step, reset or finalize; a
 *    column's text is rendered once per row, into a buffer of the
 *    statement that is reused from row to row.
 *
 * Does not: compile or run statements (exec.c).
 */
#include <stdlib.h>
#include <string.h>

#include "cql_parse.h"
#include "exec.h"

/* ------------------------------------------------------------ life */

static void stmt_unlink(credo_stmt *st) {
  if (st->prev)
    st->prev->next = st->next;
  else if (st->db->stmts == st)
    st->db->stmts = st->next;
  if (st->next)
    st->next->prev = st->prev;
  st->next = st->prev = NULL;
}

static void stmt_free(credo_stmt *st) {
  eng_exec_reset(st);
  eng_exec_free(st);
  if (st->child && st->ast)
    st->ast->select = NULL; /* borrowed from the parent */
  cql_stmt_free(st->ast);
  for (int i = 0; i < st->nparams; i++)
    free(st->ptext ? st->ptext[i] : NULL);
  free(st->ptext);
  free(st->params);
  for (size_t i = 0; st->text && i < st->ncols; i++)
    eng_buf_free(&st->text[i]);
  free(st->text);
  free(st->textgen);
  eng_buf_free(&st->key);
  eng_buf_free(&st->pk);
  eng_arena_free(&st->arena);
  free(st->src_owned);
  free(st);
}

/* Makes a statement of `ast` (taken over, also on failure) whose
 * positions refer to `src`; `copy` > 0 copies that many bytes of src.
 * A `child` borrows ast->select and stays out of the handle's list. */
static int stmt_new(credo *db, cql_stmt *ast, const char *src, size_t copy,
                    int child, credo_stmt **out) {
  credo_stmt *st = calloc(1, sizeof *st);
  int rc;
  *out = NULL;
  if (!st) {
    if (child)
      ast->select = NULL;
    cql_stmt_free(ast);
    return eng_err(db, CREDO_NOMEM, "out of memory");
  }
  st->child = child;
  st->db = db;
  st->ast = ast;
  st->src = src;
  if (copy && !(st->src = st->src_owned = strndup(src, copy)))
    goto oom;
  st->nparams = ast->n_params > 0 ? ast->n_params : 0;
  st->params = calloc((size_t)st->nparams + 1, sizeof *st->params);
  st->ptext = calloc((size_t)st->nparams + 1, sizeof *st->ptext);
  if (!st->params || !st->ptext)
    goto oom;
  for (int i = 0; i < st->nparams; i++)
    st->params[i].t = ENG_V_ANY; /* unbound */
  if ((rc = eng_exec_prepare(st)) != CREDO_OK)
    goto fail;
  st->text = calloc(st->ncols + 1, sizeof *st->text);
  st->textgen = calloc(st->ncols + 1, sizeof *st->textgen);
  if (!st->text || !st->textgen)
    goto oom;
  if (!st->child) {
    st->next = db->stmts;
    if (db->stmts)
      db->stmts->prev = st;
    db->stmts = st;
  }
  *out = st;
  return CREDO_OK;
oom:
  rc = eng_err(db, CREDO_NOMEM, "out of memory");
fail:
  stmt_free(st);
  return rc;
}

int eng_stmt_child(credo *db, cql_select *sel, const char *src, int nparams,
                   credo_stmt **out) {
  cql_stmt *ast = calloc(1, sizeof *ast);
  *out = NULL;
  if (!ast)
    return eng_err(db, CREDO_NOMEM, "out of memory");
  ast->kind = CQL_SELECT;
  ast->pos = sel->pos;
  ast->select = sel;
  ast->n_params = nparams;
  return stmt_new(db, ast, src, 0, 1, out);
}

void eng_stmt_child_free(credo_stmt *st) {
  if (st)
    stmt_free(st);
}

static int parse_error(credo *db, int rc, const cql_error *err) {
  if (rc == CREDO_NOMEM)
    return eng_err(db, rc, "out of memory");
  return eng_err_at(db, rc, err->line, err->column, "%s", err->msg);
}

int eng_prepare(credo *db, const char *sql, int len, credo_stmt **out,
                const char **tail) {
  cql_stmt *ast = NULL;
  cql_error err = {0};
  size_t n, used = 0;
  int rc;

  if (out)
    *out = NULL;
  if (!db || !out)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (!sql)
    return eng_err(db, CREDO_INVALID, "sql is NULL");
  n = len < 0 ? strlen(sql) : (size_t)len;
  rc = cql_parse(sql, n, &ast, &used, &err);
  if (rc != CREDO_OK)
    return parse_error(db, rc, &err);
  if (tail)
    *tail = sql + used;
  if (!ast)
    return CREDO_OK;
  return stmt_new(db, ast, sql, used ? used : 1, 0, out);
}

int eng_finalize(credo_stmt *st) {
  if (!st)
    return CREDO_OK;
  stmt_unlink(st);
  stmt_free(st);
  return CREDO_OK;
}

void eng_stmts_close(credo *db) {
  while (db->stmts)
    eng_finalize(db->stmts);
}

int eng_reset(credo_stmt *st) {
  if (!st)
    return CREDO_MISUSE;
  eng_err_clear(st->db);
  eng_exec_reset(st);
  return CREDO_OK;
}

int eng_step(credo_stmt *st) {
  if (!st)
    return CREDO_MISUSE;
  if (st->state == ENG_ST_READY) {
    eng_err_clear(st->db);
    eng_run_begin(st->db);
    /* credo_changes counts the last statement that is not read-only:
     * BEGIN, COMMIT, SET ... change no row */
    if (!credo_stmt_readonly(st))
      st->db->changes = 0;
  }
  return eng_exec_step(st);
}

uint64_t credo_changes(const credo *db) {
  return db ? db->changes : 0;
}

/* ---------------------------------------------------------- binding */

static int bind_slot(credo_stmt *st, int i) {
  if (!st)
    return CREDO_MISUSE;
  eng_err_clear(st->db);
  if (st->state == ENG_ST_RUN)
    return eng_err(st->db, CREDO_MISUSE,
                   "cannot bind while the statement runs; credo_reset it "
                   "first");
  if (i < 1 || i > st->nparams)
    return eng_err(st->db, CREDO_RANGE,
                   "parameter index %d is out of range (the statement has "
                   "%d)",
                   i, st->nparams);
  free(st->ptext[i - 1]);
  st->ptext[i - 1] = NULL;
  return CREDO_OK;
}

int eng_bind_null(credo_stmt *st, int i) {
  int rc = bind_slot(st, i);
  if (rc == CREDO_OK)
    st->params[i - 1] = eng_v_null();
  return rc;
}

int eng_bind_int64(credo_stmt *st, int i, int64_t v) {
  int rc = bind_slot(st, i);
  if (rc == CREDO_OK)
    st->params[i - 1] = eng_v_int(v);
  return rc;
}

int eng_bind_double(credo_stmt *st, int i, double v) {
  int rc = bind_slot(st, i);
  if (rc == CREDO_OK)
    st->params[i - 1] = eng_v_real(v);
  return rc;
}

int eng_bind_time(credo_stmt *st, int i, credo_time t) {
  int rc = bind_slot(st, i);
  if (rc == CREDO_OK)
    st->params[i - 1] = eng_v_time(t);
  return rc;
}

int eng_bind_text(credo_stmt *st, int i, const char *s, int len) {
  size_t n;
  char *p;
  int rc = bind_slot(st, i);
  if (rc != CREDO_OK)
    return rc;
  if (!s) {
    st->params[i - 1] = eng_v_null();
    return CREDO_OK;
  }
  n = len < 0 ? strlen(s) : (size_t)len;
  if (memchr(s, '\0', n))
    return eng_err(st->db, CREDO_INVALID, "text contains a NUL byte");
  if (!(p = malloc(n + 1)))
    return eng_err(st->db, CREDO_NOMEM, "out of memory");
  memcpy(p, s, n);
  p[n] = '\0';
  st->ptext[i - 1] = p;
  st->params[i - 1] = eng_v_text(p, n);
  return CREDO_OK;
}

int eng_bind_bool(credo_stmt *st, int i, int b) {
  int rc = bind_slot(st, i);
  if (rc == CREDO_OK)
    st->params[i - 1] = eng_v_bool(b);
  return rc;
}

int eng_bind_duration(credo_stmt *st, int i, credo_duration d) {
  int rc = bind_slot(st, i);
  if (rc == CREDO_OK)
    st->params[i - 1] = eng_v_dur(d);
  return rc;
}

int eng_bind_parameter_index(const credo_stmt *st, const char *name) {
  for (int i = 0; st->ast && st->ast->param_names && st->ast->param_names[i] &&
                  i < st->nparams;
       i++)
    if (strcmp(st->ast->param_names[i], name) == 0)
      return i + 1;
  return 0;
}

const char *eng_bind_parameter_name(const credo_stmt *st, int i) {
  if (i < 1 || i > st->nparams || !st->ast || !st->ast->param_names)
    return NULL;
  for (int k = 0; k < i; k++) /* the array ends early at its NULL */
    if (!st->ast->param_names[k])
      return NULL;
  return st->ast->param_names[i - 1];
}

int eng_bind_count(const credo_stmt *st) {
  return st ? st->nparams : 0;
}

int eng_clear_bindings(credo_stmt *st) {
  if (!st)
    return CREDO_MISUSE;
  if (st->state == ENG_ST_RUN)
    return eng_err(st->db, CREDO_MISUSE,
                   "cannot clear bindings while the statement runs");
  for (int i = 0; i < st->nparams; i++) {
    free(st->ptext[i]);
    st->ptext[i] = NULL;
    st->params[i].t = ENG_V_ANY;
  }
  return CREDO_OK;
}

/* ---------------------------------------------------------- columns */

int eng_column_count(const credo_stmt *st) {
  return st ? (int)st->ncols : 0;
}

static const eng_value *col(const credo_stmt *st, int i) {
  if (!st || !st->row || i < 0 || (size_t)i >= st->ncols)
    return NULL;
  return &st->row[i];
}

const char *eng_column_name(const credo_stmt *st, int i) {
  if (!st || i < 0 || (size_t)i >= st->ncols)
    return NULL;
  return st->names[i];
}

credo_type eng_column_decltype(const credo_stmt *st, int i) {
  if (!st || i < 0 || (size_t)i >= st->ncols)
    return CREDO_T_NULL;
  return (credo_type)st->decl[i];
}

credo_type eng_column_type(credo_stmt *st, int i) {
  const eng_value *v = col(st, i);
  return v ? eng_vtype_public(v->t) : CREDO_T_NULL;
}

int64_t eng_column_int64(credo_stmt *st, int i) {
  const eng_value *v = col(st, i);
  if (!v)
    return 0;
  switch (v->t) {
  case ENG_V_INT:
  case ENG_V_BOOL:
    return v->u.i;
  case ENG_V_REAL:
    return v->u.r >= -9.2e18 && v->u.r <= 9.2e18 ? (int64_t)v->u.r : 0;
  case ENG_V_DECIMAL:
    return eng_dec_to_int(v->u.dec);
  case ENG_V_TIME:
    return v->u.tm;
  case ENG_V_TEXT:
    return strtoll(v->u.s.p, NULL, 10);
  default:
    return 0;
  }
}

double eng_column_double(credo_stmt *st, int i) {
  const eng_value *v = col(st, i);
  if (!v)
    return 0;
  switch (v->t) {
  case ENG_V_REAL:
  case ENG_V_DECIMAL:
    return eng_v_double(v);
  case ENG_V_INT:
  case ENG_V_BOOL:
    return (double)v->u.i;
  case ENG_V_TIME:
    return (double)v->u.tm;
  case ENG_V_TEXT:
    return strtod(v->u.s.p, NULL);
  default:
    return 0;
  }
}

credo_time eng_column_time(credo_stmt *st, int i) {
  const eng_value *v = col(st, i);
  credo_time t = 0;
  if (!v)
    return 0;
  if (v->t == ENG_V_TIME)
    return v->u.tm;
  if (v->t == ENG_V_INT)
    return v->u.i;
  if (v->t == ENG_V_TEXT && eng_v_text_time(v, st->db->tz, &t) == CREDO_OK)
    return t;
  return 0;
}

int eng_column_duration(credo_stmt *st, int i, credo_duration *out) {
  const eng_value *v = col(st, i);
  if (!v || v->t != ENG_V_DURATION)
    return CREDO_NOTFOUND;
  *out = v->u.d;
  return CREDO_OK;
}

const char *eng_column_text(credo_stmt *st, int i) {
  const eng_value *v = col(st, i);
  eng_buf *b;
  if (!v || v->t == ENG_V_NULL)
    return NULL;
  if (v->t == ENG_V_TEXT || v->t == ENG_V_JSON)
    return v->u.s.p;
  b = &st->text[i];
  if (st->textgen[i] != st->rowgen || !b->p) {
    b->n = 0;
    if (eng_v_render(v, st->db->tz, b) != CREDO_OK) {
      eng_err(st->db, CREDO_NOMEM, "out of memory");
      return NULL;
    }
    st->textgen[i] = st->rowgen;
  }
  return b->p;
}

/* ------------------------------------------------------------- exec */

/* Runs one prepared statement to the end, calling cb per row. */
static int exec_one(credo_stmt *st, credo_exec_cb cb, void *arg) {
  const char **vals = NULL;
  int rc, n = eng_column_count(st);
  if (cb && n > 0 && !(vals = calloc((size_t)n, sizeof *vals)))
    return eng_err(st->db, CREDO_NOMEM, "out of memory");
  while ((rc = eng_step(st)) == CREDO_ROW) {
    if (!cb)
      continue;
    for (int i = 0; i < n; i++)
      vals[i] = eng_column_text(st, i);
    if (cb(arg, n, vals, st->names) != 0) {
      rc = eng_err(st->db, CREDO_CANCELLED, "stopped by the callback");
      break;
    }
  }
  free(vals);
  return rc == CREDO_DONE ? CREDO_OK : rc;
}

int eng_exec(credo *db, const char *sql, credo_exec_cb cb, void *arg) {
  cql_cursor cur;
  cql_error err = {0};
  cql_stmt *ast;
  credo_stmt *st;
  int rc;

  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (!sql)
    return eng_err(db, CREDO_INVALID, "sql is NULL");
  cql_cursor_init(&cur, sql, strlen(sql));
  for (;;) {
    ast = NULL;
    if ((rc = cql_parse_next(&cur, &ast, &err)) != CREDO_OK)
      return parse_error(db, rc, &err);
    if (!ast)
      return CREDO_OK;
    /* positions are relative to the script, which outlives st */
    if ((rc = stmt_new(db, ast, sql, 0, 0, &st)) != CREDO_OK)
      return rc;
    rc = exec_one(st, cb, arg);
    eng_finalize(st);
    if (rc != CREDO_OK)
      return rc;
  }
}

int eng_stmt_readonly(const credo_stmt *st) {
  if (!st || !st->ast)
    return 0;
  switch (st->ast->kind) {
  case CQL_SELECT:
  case CQL_EXPLAIN:
  case CQL_HISTORY_EVENT:
  case CQL_HISTORY_SUBJECT:
    return 1;
  default:
    return eng_exec_is_listing(st->ast->kind);
  }
}
