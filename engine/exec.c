/*
 * exec.c -- running CQL statements: preparing a statement for its kind
 * (compiling its operands, setting its result columns), the step / reset
 * life cycle, the dispatch to the executor's parts, and the helpers they
 * share (constant operands, the statement's read transaction).
 *
 * The executor is split by concern:
 *   exec.c         prepare, dispatch, step, reset (this file)
 *   exec_rows.c    hash tables (GROUP BY, DISTINCT), buffered rows, top-k
 *   exec_select.c  event / subject / type sources, SELECT, EXPLAIN
 *   exec_group.c   GROUP BY / HAVING and aggregates over groups
 *   exec_show.c    HISTORY, SHOW, SET TIME ZONE, BEGIN / COMMIT / ROLLBACK
 *   exec_write.c   RECORD, CORRECT, REPAIR, RETRACT, CREATE, users
 *
 * Invariants:
 *  - reads go through the engine's scans (eng_scan_*) with the read rules
 *    resolved by eng_resolve_read, and writes through the public typed
 *    functions (credo_record_event, ...), so CQL and the C API share one
 *    implementation of every rule, role check included;
 *  - a SELECT reads one snapshot: one read transaction (or the handle's
 *    open scope) from its first step to DONE / reset / finalize;
 *  - NOW, LIMIT, OFFSET, AS OF and VISIBLE AT are evaluated once per run.
 *
 * Does not: parse (parser/), compile expressions (expr_compile.c), pick
 * paths (plan.c) or manage bindings and column access (stmt.c).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"
#include "users.h"

/* ------------------------------------------------------ result columns */

static const char *const HIST_NAMES[] = {
    "id",           "subject", "type",   "occurred", "public_from",
    "public_until", "source",  "ref",    "data",     "version",
    "recorded",     "actor",   "public", "op",       "reason"};
static const int HIST_DECL[] = {
    CREDO_T_INT,  CREDO_T_TEXT, CREDO_T_TEXT, CREDO_T_TIME, CREDO_T_TIME,
    CREDO_T_TIME, CREDO_T_TEXT, CREDO_T_TEXT, CREDO_T_JSON, CREDO_T_INT,
    CREDO_T_TIME, CREDO_T_TEXT, CREDO_T_BOOL, CREDO_T_TEXT, CREDO_T_TEXT};

static const char *const ID_NAMES[] = {"id", "result", "detail"};
static const int ID_DECL[] = {CREDO_T_INT, CREDO_T_TEXT, CREDO_T_TEXT};
static const char *const PLAN_NAMES[] = {"plan"};
static const int TEXT_DECL[] = {CREDO_T_TEXT, CREDO_T_TEXT};
static const char *const TYPE_NAMES[] = {"name", "id", "publicity",
                                         "repairable_after", "created"};
static const int TYPE_DECL[] = {CREDO_T_TEXT, CREDO_T_INT, CREDO_T_TEXT,
                                CREDO_T_TEXT, CREDO_T_TIME};
static const char *const STAT_NAMES[] = {"name", "value"};
static const int STAT_DECL[] = {CREDO_T_TEXT, CREDO_T_NULL};
static const char *const USER_NAMES[] = {"name", "role", "created"};
static const int USER_DECL[] = {CREDO_T_TEXT, CREDO_T_TEXT, CREDO_T_TIME};
static const char *const DESC_NAMES[] = {"column", "type", "in_star"};
static const int DESC_DECL[] = {CREDO_T_TEXT, CREDO_T_TEXT, CREDO_T_BOOL};
static const char *const TABLE_NAMES[] = {"table", "description"};
static const int TABLE_DECL[] = {CREDO_T_TEXT, CREDO_T_TEXT};
static const char *const SESSION_NAMES[] = {"id", "user", "role", "peer",
                                            "since"};
static const int SESSION_DECL[] = {CREDO_T_INT, CREDO_T_TEXT, CREDO_T_TEXT,
                                   CREDO_T_TEXT, CREDO_T_TIME};
static const char *const ERASURE_NAMES[] = {"event", "cause", "erased", "actor",
                                            "reason"};
static const int ERASURE_DECL[] = {CREDO_T_INT, CREDO_T_TEXT, CREDO_T_TIME,
                                   CREDO_T_TEXT, CREDO_T_TEXT};

static void set_cols(credo_stmt *st, size_t n, const char *const *names,
                     const int *decl) {
  st->ncols = n;
  st->names = names;
  st->decl = decl;
}

/* The fixed result columns of the listing statements (SHOW ..., DESCRIBE);
 * each count is its names array's. */
#define LISTING(kind, names, decl)                                             \
  { kind, sizeof names / sizeof *names, names, decl }
static const struct listing {
  int kind;
  size_t n;
  const char *const *names;
  const int *decl;
} LISTINGS[] = {
    LISTING(CQL_SHOW_TYPES, TYPE_NAMES, TYPE_DECL),
    LISTING(CQL_SHOW_STATS, STAT_NAMES, STAT_DECL),
    LISTING(CQL_SHOW_USERS, USER_NAMES, USER_DECL),
    LISTING(CQL_DESCRIBE, DESC_NAMES, DESC_DECL),
    LISTING(CQL_SHOW_TABLES, TABLE_NAMES, TABLE_DECL),
    LISTING(CQL_SHOW_ERASURES, ERASURE_NAMES, ERASURE_DECL),
    LISTING(CQL_SHOW_SESSIONS, SESSION_NAMES, SESSION_DECL),
};

int eng_exec_is_listing(int kind) {
  for (size_t i = 0; i < sizeof LISTINGS / sizeof *LISTINGS; i++)
    if (LISTINGS[i].kind == kind)
      return 1;
  return 0;
}

static int listing_cols(credo_stmt *st, int kind) {
  for (size_t i = 0; i < sizeof LISTINGS / sizeof *LISTINGS; i++)
    if (LISTINGS[i].kind == kind)
      set_cols(st, LISTINGS[i].n, LISTINGS[i].names, LISTINGS[i].decl);
  return CREDO_OK;
}

int eng_exec_nomem(credo *db) {
  return eng_err(db, CREDO_NOMEM, "out of memory");
}

/* ---------------------------------------------------------- prepare */

static int cx(credo_stmt *st, const cql_expr *e, const char *clause,
              eng_expr **out) {
  eng_cctx cc = {.db = st->db, .nparams = st->nparams, .clause = clause};
  if (!e)
    return CREDO_OK;
  return eng_expr_compile(&cc, e, out);
}

static int prepare_record(credo_stmt *st) {
  const cql_stmt *a = st->ast;
  int rc;
  if ((rc = cx(st, a->record.subject, "FOR", &st->wx[W_SUBJECT])) ||
      (rc = cx(st, a->record.occurred, "OCCURRED", &st->wx[W_OCCURRED])) ||
      (rc = cx(st, a->record.public_from, "PUBLIC FROM", &st->wx[W_FROM])) ||
      (rc = cx(st, a->record.public_until, "UNTIL", &st->wx[W_UNTIL])) ||
      (rc = cx(st, a->record.source, "SOURCE", &st->wx[W_SOURCE])) ||
      (rc = cx(st, a->record.ref, "REF", &st->wx[W_REF])) ||
      (rc = cx(st, a->record.data, "DATA", &st->wx[W_DATA])) ||
      (rc = cx(st, a->record.reason, "REASON", &st->wx[W_REASON])))
    return rc;
  set_cols(st, 1, ID_NAMES, ID_DECL);
  return CREDO_OK;
}

static int prepare_correct(credo_stmt *st) {
  const cql_stmt *a = st->ast;
  int rc;
  if ((rc = cx(st, a->correct.event, "EVENT", &st->wx[W_EVENT])) ||
      (rc = cx(st, a->correct.reason, "REASON", &st->wx[W_WHY])))
    return rc;
  st->setx =
      calloc(a->correct.n_items ? a->correct.n_items : 1, sizeof *st->setx);
  if (!st->setx)
    return eng_exec_nomem(st->db);
  for (size_t i = 0; i < a->correct.n_items; i++) {
    const cql_set_item *it = &a->correct.items[i];
    /* SET type = name: an identifier, not a column */
    if (it->value->kind == CQL_E_COLUMN && it->path.n == 1 &&
        strcasecmp(it->path.segs[0], "type") == 0)
      continue;
    if ((rc = cx(st, it->value, "SET", &st->setx[i])) != CREDO_OK)
      return rc;
  }
  return CREDO_OK;
}

static int prepare_writes(credo_stmt *st) {
  const cql_stmt *a = st->ast;
  switch (a->kind) {
  case CQL_RECORD:
    return prepare_record(st);
  case CQL_CORRECT:
    return prepare_correct(st);
  case CQL_REPAIR:
    set_cols(st, 2, ID_NAMES, ID_DECL);
    return cx(st, a->repair.event, "EVENT", &st->wx[W_EVENT]) ||
                   cx(st, a->repair.effective, "EFFECTIVE",
                      &st->wx[W_EFFECTIVE]) ||
                   cx(st, a->repair.reason, "REASON", &st->wx[W_WHY])
               ? st->db->errcode
               : CREDO_OK;
  case CQL_REPAIR_WHERE:
    set_cols(st, 3, ID_NAMES, ID_DECL);
    if (cx(st, a->repair.effective, "EFFECTIVE", &st->wx[W_EFFECTIVE]) ||
        cx(st, a->repair.reason, "REASON", &st->wx[W_WHY]))
      return st->db->errcode;
    return eng_plan_where(st->db, a->repair.where, st->src, st->nparams,
                          &st->plan);
  case CQL_RETRACT:
    return cx(st, a->retract.event, "EVENT", &st->wx[W_EVENT]) ||
                   cx(st, a->retract.reason, "REASON", &st->wx[W_WHY])
               ? st->db->errcode
               : CREDO_OK;
  case CQL_ERASE_EVENT:
  case CQL_ERASE_SUBJECT:
    return cx(st, a->erase.event ? a->erase.event : a->erase.subject,
              a->erase.event ? "EVENT" : "SUBJECT", &st->wx[W_EVENT]) ||
                   cx(st, a->erase.reason, "REASON", &st->wx[W_WHY])
               ? st->db->errcode
               : CREDO_OK;
  case CQL_CREATE_SUBJECT:
    return cx(st, a->create_subject.id, "SUBJECT", &st->wx[W_ID]) ||
                   cx(st, a->create_subject.name, "NAME", &st->wx[W_NAME])
               ? st->db->errcode
               : CREDO_OK;
  default: /* users */
    return cx(st, a->user.password, "PASSWORD", &st->wx[W_ID]);
  }
}

int eng_exec_prepare(credo_stmt *st) {
  const cql_stmt *a = st->ast;
  int rc;
  switch (a->kind) {
  case CQL_SELECT:
  case CQL_EXPLAIN:
    if (a->kind == CQL_SELECT && a->select->next && !st->child)
      return eng_setop_prepare(st);
    rc = eng_plan_select(st->db, a->select, st->src, st->nparams, &st->plan);
    if (rc == CREDO_OK)
      rc = eng_subq_prepare(st);
    if (rc == CREDO_OK && a->kind == CQL_SELECT)
      set_cols(st, st->plan->ncols, (const char *const *)st->plan->names,
               st->plan->decl);
    else if (rc == CREDO_OK)
      set_cols(st, 1, PLAN_NAMES, TEXT_DECL);
    return rc;
  case CQL_HISTORY_EVENT:
  case CQL_HISTORY_SUBJECT:
    set_cols(st, HIST_N, HIST_NAMES, HIST_DECL);
    return cx(st, a->history.event ? a->history.event : a->history.subject,
              "HISTORY", &st->wx[0]);
  case CQL_SHOW_TYPES:
  case CQL_SHOW_STATS:
  case CQL_SHOW_USERS:
  case CQL_DESCRIBE:
  case CQL_SHOW_TABLES:
  case CQL_SHOW_ERASURES:
  case CQL_SHOW_SESSIONS:
    return listing_cols(st, a->kind);
  case CQL_KILL_SESSION:
    return cx(st, a->kill.session, "KILL SESSION", &st->wx[0]);
  case CQL_SET_TZ:
    return cx(st, a->set_tz.zone, "SET TIME ZONE", &st->wx[0]);
  case CQL_SET_STORE_TZ:
    return cx(st, a->set_tz.zone, "SET STORE TIME ZONE", &st->wx[0]);
  case CQL_GRANT:
  case CQL_REVOKE:
    return cx(st, a->grant.source, "SOURCE", &st->wx[W_ID]);
  case CQL_ALTER_SUBJECT:
    return cx(st, a->alter_subject.id, "SUBJECT", &st->wx[W_ID]) ||
                   cx(st, a->alter_subject.name, "NAME", &st->wx[W_NAME]) ||
                   cx(st, a->alter_subject.reason, "REASON", &st->wx[W_WHY])
               ? st->db->errcode
               : CREDO_OK;
  case CQL_CREATE_TYPE:
  case CQL_BEGIN:
  case CQL_COMMIT:
  case CQL_ROLLBACK:
    return CREDO_OK;
  default:
    return prepare_writes(st);
  }
}

void eng_exec_free(credo_stmt *st) {
  eng_subq_free(st);
  eng_setop_free(st);
  free(st->out);
  st->out = NULL;
  eng_plan_free(st->plan);
  st->plan = NULL;
  for (int i = 0; i < ENG_STMT_NX; i++) {
    eng_expr_free(st->wx[i]);
    st->wx[i] = NULL;
  }
  if (st->setx && st->ast && st->ast->kind == CQL_CORRECT)
    for (size_t i = 0; i < st->ast->correct.n_items; i++)
      eng_expr_free(st->setx[i]);
  free(st->setx);
  st->setx = NULL;
}

/* ------------------------------------------------------- evaluation */

void eng_exec_ectx_start(credo_stmt *st, int table) {
  eng_ectx *x = &st->x;
  x->db = st->db;
  x->table = table;
  x->params = st->params;
  x->nparams = st->nparams;
  x->now = credo_now(st->db);
  x->arena = &st->arena;
  x->subres = st->subres;
  x->mask_subject = 0;
  x->as_of = CREDO_TIME_OPEN;
  x->outerv = st->outer_row ? st->outer_row->v : NULL; /* exec_corr.c */
  x->corr = st->corr ? eng_corr_run : NULL;
  x->corr_arg = st;
}

/* A required or optional (opt) text operand; *s is NULL for NULL. */
int eng_exec_text(credo_stmt *st, const eng_expr *e, const char *what, int opt,
                  const char **s) {
  eng_value v;
  int rc;
  *s = NULL;
  if (!e)
    return CREDO_OK;
  if ((rc = eng_eval(&st->x, e, &v)) != CREDO_OK)
    return rc;
  if (v.t == ENG_V_NULL && opt)
    return CREDO_OK;
  if (v.t != ENG_V_TEXT && v.t != ENG_V_JSON)
    return eng_cql_err(st->db, CREDO_SEMANTIC, e->line, e->col,
                       "%s must be text, not %s", what, eng_vtype_name(v.t));
  *s = v.u.s.p;
  return CREDO_OK;
}

int eng_exec_id(credo_stmt *st, const eng_expr *e, uint64_t *id) {
  eng_value v;
  int rc = eng_eval(&st->x, e, &v);
  if (rc != CREDO_OK)
    return rc;
  if (v.t != ENG_V_INT || v.u.i < 1)
    return eng_cql_err(st->db, CREDO_SEMANTIC, e->line, e->col,
                       "an event id must be a positive integer, not %s",
                       v.t == ENG_V_INT ? "this number" : eng_vtype_name(v.t));
  *id = (uint64_t)v.u.i;
  return CREDO_OK;
}

/* An optional time operand; `dflt` when absent. */
int eng_exec_time_opt(credo_stmt *st, const eng_expr *e, const char *what,
                      credo_time dflt, credo_time *t) {
  if (!e) {
    *t = dflt;
    return CREDO_OK;
  }
  return eng_eval_time(&st->x, e, what, t);
}

/* LIMIT / OFFSET: a non-negative integer. */
int eng_exec_count(credo_stmt *st, const eng_expr *e, const char *what,
                   uint64_t *n) {
  eng_value v;
  int rc = eng_eval(&st->x, e, &v);
  if (rc != CREDO_OK)
    return rc;
  if (v.t != ENG_V_INT || v.u.i < 0)
    return eng_cql_err(st->db, CREDO_SEMANTIC, e->line, e->col,
                       "%s must be a non-negative integer, not %s", what,
                       v.t == ENG_V_INT ? "a negative one"
                                        : eng_vtype_name(v.t));
  *n = (uint64_t)v.u.i;
  return CREDO_OK;
}

/* ------------------------------------------------ read transaction */

int eng_exec_read_begin(credo_stmt *st) {
  int rc = eng_read_begin(st->db, &st->txn, &st->owned);
  if (rc == CREDO_OK)
    st->x.txn = st->txn;
  return rc;
}

void eng_exec_read_end(credo_stmt *st) {
  eng_join_close(st);
  eng_scan_close(st->scan);
  st->scan = NULL;
  stor_cursor_close(st->cur);
  st->cur = NULL;
  if (st->txn)
    eng_read_end(st->txn, st->owned);
  st->txn = NULL;
  st->owned = 0;
  st->x.txn = NULL;
}

/* --------------------------------------------------------- dispatch */

static int start(credo_stmt *st) {
  int rc;
  switch (st->ast->kind) {
  case CQL_SELECT:
    if (st->ast->select->next && !st->child)
      return eng_setop_run(st);
    if (st->nsubs && (rc = eng_subq_run(st)) != CREDO_OK)
      return rc;
    return eng_exec_select(st);
  case CQL_EXPLAIN:
    return eng_exec_explain(st);
  case CQL_HISTORY_EVENT:
  case CQL_HISTORY_SUBJECT:
    return eng_exec_history(st);
  case CQL_SHOW_TYPES:
    eng_exec_ectx_start(st, CQL_TABLE_TYPES);
    return eng_list_types(st->db, eng_exec_type_row, st);
  case CQL_SHOW_STATS:
    return eng_exec_stats(st);
  case CQL_SHOW_USERS:
    return eng_users_list(st->db, eng_exec_user_row, st);
  case CQL_DESCRIBE:
    return eng_exec_describe(st);
  case CQL_SHOW_TABLES:
    return eng_exec_tables(st);
  case CQL_SHOW_ERASURES:
    return eng_list_erasures(st->db, eng_exec_erasure_row, st);
  case CQL_SHOW_SESSIONS:
    return eng_exec_sessions(st);
  case CQL_KILL_SESSION:
    return eng_exec_kill(st);
  case CQL_SET_TZ:
    return eng_exec_set_tz(st);
  case CQL_BEGIN:
  case CQL_COMMIT:
  case CQL_ROLLBACK:
    return eng_exec_txn(st);
  default:
    return eng_exec_write(st);
  }
}

int eng_exec_step(credo_stmt *st) {
  credo *db = st->db;
  int rc;
  if (st->state == ENG_ST_DONE)
    return CREDO_DONE;
  if (st->state == ENG_ST_FAILED)
    return eng_err(db, CREDO_MISUSE,
                   "the statement failed or the transaction it read in "
                   "ended; credo_reset it to run it again");
  if (st->state == ENG_ST_RUN && st->txn && !st->owned && db->txn != st->txn) {
    /* misuse: the scope it read in was ended by credo_commit/rollback
     * without eng_stmts_txn_ending; its cursors died with that txn, so
     * they are dropped, not closed */
    st->scan = NULL;
    st->cur = NULL;
    st->txn = NULL;
    st->state = ENG_ST_FAILED;
    return eng_err(db, CREDO_MISUSE,
                   "the transaction this statement read "
                   "in has ended; credo_reset it");
  }
  if (st->state == ENG_ST_READY) {
    st->state = ENG_ST_RUN;
    if ((rc = start(st)) < 0)
      goto fail;
    if (!st->streaming) /* (re)sets the OFFSET / LIMIT window; the rows
                           are in order already */
      eng_rows_window(st, 0);
  }
  assert(st->state == ENG_ST_RUN);
  assert(!st->streaming || st->nrows == 0); /* streaming buffers nothing */
  if (st->streaming)
    rc = eng_exec_stream_next(st);
  else if (st->pos < st->end) {
    st->row = st->rows[st->pos++]->v;
    rc = CREDO_ROW;
  } else
    rc = CREDO_DONE;
  if (rc == CREDO_ROW) {
    st->rowgen++;
    return rc;
  }
  if (rc == CREDO_DONE) {
    eng_exec_read_end(st);
    st->state = ENG_ST_DONE;
    return rc;
  }
fail:
  eng_exec_read_end(st);
  st->state = ENG_ST_FAILED;
  st->error_rc = rc;
  return rc;
}

void eng_exec_reset(credo_stmt *st) {
  eng_exec_read_end(st);
  eng_subq_reset(st);
  eng_rows_free(st);
  eng_exec_groups_free(st);
  eng_hmap_free(&st->seen);
  eng_ectx_free(&st->x);
  memset(&st->x, 0, sizeof st->x);
  eng_arena_reset(&st->arena);
  st->row = NULL;
  st->streaming = st->heap = st->has_limit = st->empty = 0;
  st->started_cursor = 0;
  st->limit = st->offset = st->emitted = st->skipped = st->seq = 0;
  st->pk.n = 0;
  st->state = ENG_ST_READY;
  st->error_rc = 0;
  st->notice[0] = '\0';
}

void eng_stmts_txn_ending(credo *db) {
  for (credo_stmt *st = db->stmts; st; st = st->next)
    if (st->txn && !st->owned && st->txn == db->txn) {
      eng_exec_read_end(st);
      if (st->state == ENG_ST_RUN) {
        st->state = ENG_ST_FAILED;
        st->error_rc = CREDO_MISUSE;
      }
    }
}
