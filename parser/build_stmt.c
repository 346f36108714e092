/*
 * build_stmt.c -- the AST builders of CQL statements: CREATE TYPE and its
 * options, CREATE/ALTER SUBJECT, GRANT/REVOKE, RECORD, REPAIR, CORRECT,
 * users, and the final check of required clauses (cql_b_finish).
 *
 * Invariants: as build.c -- builders take ownership of their node
 * arguments, also on failure; after the first error they only free their
 * arguments and return NULL; node positions come from tokens.
 *
 * Does not: build expressions or SELECTs (build.c, build_ax.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "build_int.h"
#include "cql.h"

/* ------------------------------------------------------------- statements */

static cql_stmt *new_stmt(cql_ctx *ctx, cql_kind kind, cql_pos pos) {
  cql_stmt *st;
  if (ctx->rc != CREDO_OK)
    return NULL;
  st = cql_bx_calloc(ctx, sizeof *st);
  if (!st)
    return NULL;
  st->kind = kind;
  st->pos = pos;
  return st;
}

cql_stmt *cql_b_stmt(cql_ctx *ctx, cql_kind kind, const cql_token *kw) {
  return new_stmt(ctx, kind, kw->pos);
}

cql_stmt *cql_b_stmt_select(cql_ctx *ctx, cql_kind kind, const cql_token *kw,
                            cql_select *s) {
  cql_stmt *st = NULL;
  if (s)
    st = new_stmt(ctx, kind, kw ? kw->pos : s->pos);
  if (!st) {
    cql_select_free(s);
    return NULL;
  }
  st->select = s;
  return st;
}

cql_stmt *cql_b_stmt_named(cql_ctx *ctx, cql_kind kind, const cql_token *kw,
                           const cql_token *name) {
  cql_stmt *st = new_stmt(ctx, kind, kw->pos);
  char *s;
  if (!st)
    return NULL;
  if (!(s = cql_bx_ident(ctx, name))) {
    cql_stmt_free(st);
    return NULL;
  }
  if (kind == CQL_CREATE_TYPE)
    st->create_type.name = s;
  else
    st->user.name = s;
  return st;
}

/* Stores the expressions of an expression-only statement (the kinds
 * cql_b_stmt_exprs accepts). Returns false for another kind. */
static bool store_exprs(cql_stmt *st, cql_expr *a, cql_expr *b) {
  switch (st->kind) {
  case CQL_HISTORY_EVENT:
    st->history.event = a;
    return !b;
  case CQL_HISTORY_SUBJECT:
    st->history.subject = a;
    return !b;
  case CQL_REPAIR:
    st->repair.event = a;
    return !b;
  case CQL_REPAIR_WHERE:
    st->repair.where = a;
    return !b;
  case CQL_RETRACT:
    st->retract.event = a;
    st->retract.reason = b;
    return true;
  case CQL_ERASE_EVENT:
    st->erase.event = a;
    st->erase.reason = b;
    return true;
  case CQL_ERASE_SUBJECT:
    st->erase.subject = a;
    st->erase.reason = b;
    return true;
  case CQL_SET_TZ:
  case CQL_SET_STORE_TZ:
    st->set_tz.zone = a;
    return !b;
  case CQL_KILL_SESSION:
    st->kill.session = a;
    return !b;
  default:
    return false;
  }
}

cql_stmt *cql_b_stmt_exprs(cql_ctx *ctx, cql_kind kind, const cql_token *kw,
                           cql_expr *a, cql_expr *b, cql_expr *c) {
  cql_stmt *st = NULL;
  if (a && !c)
    st = new_stmt(ctx, kind, kw->pos);
  if (st && store_exprs(st, a, b))
    return st;
  free(st); /* fields not stored: freed below */
  cql_expr_free(a);
  cql_expr_free(b);
  cql_expr_free(c);
  return NULL;
}

void cql_b_type_publicity(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                          const cql_dur *d) {
  if (!st || ctx->rc != CREDO_OK)
    return;
  if (st->create_type.has_publicity) {
    cql_ctx_error(ctx, kw->pos, "duplicate PUBLICITY / NOT PUBLISHED clause");
    return;
  }
  st->create_type.has_publicity = true;
  st->create_type.publicity = d->d;
}

void cql_b_type_repairable(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                           const cql_dur *d) {
  if (!st || ctx->rc != CREDO_OK)
    return;
  if (st->create_type.has_repairable) {
    cql_ctx_error(ctx, kw->pos, "duplicate REPAIRABLE AFTER clause");
    return;
  }
  st->create_type.has_repairable = true;
  st->create_type.repairable_after = d->d;
}

void cql_b_type_retain(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                       const cql_dur *d) {
  if (!st || ctx->rc != CREDO_OK)
    return;
  if (st->create_type.has_retain) {
    cql_ctx_error(ctx, kw->pos, "duplicate RETAIN clause");
    return;
  }
  st->create_type.has_retain = true;
  st->create_type.retain = d->d;
}

void cql_b_type_flag(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                     unsigned flag) {
  bool polarity = flag == CREDO_TYPE_POSITIVE || flag == 0;
  if (!st || ctx->rc != CREDO_OK)
    return;
  if (polarity ? st->create_type.has_polarity : st->create_type.has_publicity) {
    cql_ctx_error(ctx, kw->pos,
                  polarity ? "duplicate POSITIVE / ADVERSE clause"
                           : "duplicate PUBLICITY / NOT PUBLISHED clause");
    return;
  }
  if (polarity)
    st->create_type.has_polarity = true;
  else
    st->create_type.has_publicity = true;
  st->create_type.flags |= flag;
}

char *cql_b_field(cql_ctx *ctx, char *list, const cql_token *name) {
  char *k = cql_bx_ident(ctx, name), *out;
  size_t a = list ? strlen(list) : 0, b;
  if (!k || ctx->rc != CREDO_OK) {
    free(k);
    free(list);
    return NULL;
  }
  b = strlen(k);
  if (strchr(k, ',') || !(out = realloc(list, a + b + 2))) {
    if (strchr(k, ','))
      cql_ctx_error(ctx, name->pos, "a field name cannot contain ','");
    free(k);
    free(list);
    return NULL;
  }
  if (a)
    out[a++] = ',';
  memcpy(out + a, k, b + 1);
  free(k);
  return out;
}

void cql_b_type_fields(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                       char *list) {
  if (!st || ctx->rc != CREDO_OK || !list) {
    free(list);
    return;
  }
  if (st->create_type.public_fields) {
    free(list);
    cql_ctx_error(ctx, kw->pos, "duplicate PUBLIC FIELDS clause");
    return;
  }
  st->create_type.public_fields = list;
}

cql_stmt *cql_b_grant(cql_ctx *ctx, cql_kind kind, const cql_token *kw,
                      cql_expr *source, const cql_token *user) {
  cql_stmt *st = source ? new_stmt(ctx, kind, kw->pos) : NULL;
  if (!st) {
    cql_expr_free(source);
    return NULL;
  }
  st->grant.source = source;
  if (!(st->grant.user = cql_bx_ident(ctx, user))) {
    cql_stmt_free(st);
    return NULL;
  }
  return st;
}

cql_stmt *cql_b_alter_subject(cql_ctx *ctx, const cql_token *kw, cql_expr *id,
                              cql_expr *name, cql_expr *reason) {
  cql_stmt *st =
      id && name && reason ? new_stmt(ctx, CQL_ALTER_SUBJECT, kw->pos) : NULL;
  if (!st) {
    cql_expr_free(id);
    cql_expr_free(name);
    cql_expr_free(reason);
    return NULL;
  }
  st->alter_subject.id = id;
  st->alter_subject.name = name;
  st->alter_subject.reason = reason;
  return st;
}

static const char *const kind_names[] = {"org", "person", "other"};

cql_stmt *cql_b_create_subject(cql_ctx *ctx, const cql_token *kw, cql_expr *id,
                               const cql_token *kind, cql_expr *name) {
  cql_stmt *st = NULL;
  int k = -2;
  if (id && ctx->rc == CREDO_OK)
    k = cql_bx_ident_index(ctx, kind, kind_names, 3);
  if (k == -1)
    cql_ctx_error(ctx, kind->pos,
                  "unknown subject kind \"%.*s\" (expected org, person or "
                  "other)",
                  (int)kind->n, kind->s);
  if (k >= 0)
    st = new_stmt(ctx, CQL_CREATE_SUBJECT, kw->pos);
  if (!st) {
    cql_expr_free(id);
    cql_expr_free(name);
    return NULL;
  }
  st->create_subject.id = id;
  st->create_subject.kind = (credo_kind)(CREDO_KIND_ORG + k);
  st->create_subject.name = name;
  return st;
}

cql_stmt *cql_b_record(cql_ctx *ctx, const cql_token *kw, const cql_token *type,
                       cql_expr *subject) {
  cql_stmt *st = NULL;
  if (subject)
    st = new_stmt(ctx, CQL_RECORD, kw->pos);
  if (st && !(st->record.type = cql_bx_ident(ctx, type))) {
    cql_stmt_free(st);
    st = NULL;
  }
  if (!st) {
    cql_expr_free(subject);
    return NULL;
  }
  st->record.subject = subject;
  return st;
}

/* The field of RECORD clause cl, and its name for messages. */
static cql_expr **record_field(cql_stmt *st, enum cql_rec_clause cl,
                               const char **name) {
  switch (cl) {
  case CQL_RC_OCCURRED:
    return *name = "OCCURRED", &st->record.occurred;
  case CQL_RC_PUBLIC_FROM:
    return *name = "PUBLIC FROM", &st->record.public_from;
  case CQL_RC_UNTIL:
    return *name = "UNTIL", &st->record.public_until;
  case CQL_RC_SOURCE:
    return *name = "SOURCE", &st->record.source;
  case CQL_RC_REF:
    return *name = "REF", &st->record.ref;
  case CQL_RC_DATA:
    return *name = "DATA", &st->record.data;
  case CQL_RC_REASON:
    return *name = "REASON", &st->record.reason;
  }
  return *name = "?", NULL;
}

/* Stores e in *field unless set already (then: duplicate error). */
static void set_once(cql_ctx *ctx, cql_expr **field, const char *name,
                     const cql_token *kw, cql_expr *e) {
  if (!field || !e || ctx->rc != CREDO_OK) {
    cql_expr_free(e);
    return;
  }
  if (*field) {
    cql_ctx_error(ctx, kw->pos, "duplicate %s clause", name);
    cql_expr_free(e);
    return;
  }
  *field = e;
}

void cql_b_record_clause(cql_ctx *ctx, cql_stmt *st, enum cql_rec_clause cl,
                         const cql_token *kw, cql_expr *e) {
  const char *name = NULL;
  cql_expr **field = st ? record_field(st, cl, &name) : NULL;
  set_once(ctx, field, name, kw, e);
}

void cql_b_repair_effective(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                            cql_expr *e) {
  set_once(ctx, st ? &st->repair.effective : NULL, "EFFECTIVE", kw, e);
}

void cql_b_repair_reason(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                         cql_expr *e) {
  set_once(ctx, st ? &st->repair.reason : NULL, "REASON", kw, e);
}

void cql_b_set_add(cql_ctx *ctx, cql_set_list *l, cql_path p, cql_pos pos,
                   cql_expr *v) {
  if (!v || p.n == 0 || ctx->rc != CREDO_OK ||
      !cql_bx_grow(ctx, (void **)&l->items, l->n, sizeof *l->items)) {
    cql_path_free(&p);
    cql_expr_free(v);
    cql_set_list_free(l);
    return;
  }
  l->items[l->n].path = p;
  l->items[l->n].value = v;
  l->items[l->n].pos = pos;
  l->n++;
}

cql_set_list cql_b_set1(cql_ctx *ctx, cql_path p, cql_pos pos, cql_expr *v) {
  cql_set_list l = {NULL, 0};
  cql_b_set_add(ctx, &l, p, pos, v);
  return l;
}

cql_stmt *cql_b_correct(cql_ctx *ctx, const cql_token *kw, cql_expr *event,
                        cql_set_list set, cql_expr *reason) {
  cql_stmt *st = NULL;
  if (event && set.n > 0)
    st = new_stmt(ctx, CQL_CORRECT, kw->pos);
  if (!st) {
    cql_expr_free(event);
    cql_set_list_free(&set);
    cql_expr_free(reason);
    return NULL;
  }
  st->correct.event = event;
  st->correct.items = set.items;
  st->correct.n_items = set.n;
  st->correct.reason = reason;
  return st;
}

static const char *const role_names[] = {"public", "analyst", "recorder",
                                         "repairer", "admin"};

void cql_b_user_role(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                     const cql_token *role) {
  int r;
  if (!st || ctx->rc != CREDO_OK)
    return;
  if (st->user.has_role) {
    cql_ctx_error(ctx, kw->pos, "duplicate ROLE clause");
    return;
  }
  r = cql_bx_ident_index(ctx, role, role_names, 5);
  if (r == -1)
    cql_ctx_error(ctx, role->pos,
                  "unknown role \"%.*s\" (expected public, analyst, "
                  "recorder, repairer or admin)",
                  (int)role->n, role->s);
  if (r < 0)
    return;
  st->user.has_role = true;
  st->user.role = (credo_role)(CREDO_ROLE_PUBLIC + r);
}

void cql_b_user_password(cql_ctx *ctx, cql_stmt *st, const cql_token *kw,
                         cql_expr *pw) {
  set_once(ctx, st ? &st->user.password : NULL, "PASSWORD", kw, pw);
}

/* The clause a complete statement lacks ("an OCCURRED"), or NULL. */
static const char *missing_clause(const cql_stmt *st) {
  switch (st->kind) {
  case CQL_RECORD:
    return !st->record.occurred ? "an OCCURRED"
           : !st->record.source ? "a SOURCE"
           : !st->record.ref    ? "a REF"
                                : NULL;
  case CQL_REPAIR:
  case CQL_REPAIR_WHERE:
    return st->repair.reason ? NULL : "a REASON";
  case CQL_CORRECT:
    return st->correct.reason ? NULL : "a REASON";
  case CQL_RETRACT:
    return st->retract.reason ? NULL : "a REASON";
  case CQL_ERASE_EVENT:
  case CQL_ERASE_SUBJECT:
    return st->erase.reason ? NULL : "a REASON";
  case CQL_CREATE_USER:
    return !st->user.has_role   ? "a ROLE"
           : !st->user.password ? "a PASSWORD"
                                : NULL;
  case CQL_ALTER_USER:
    return st->user.has_role || st->user.password ? NULL : "a ROLE or PASSWORD";
  default:
    return NULL;
  }
}

cql_stmt *cql_b_finish(cql_ctx *ctx, cql_stmt *st) {
  const char *missing;
  if (!st)
    return NULL;
  if (ctx->rc != CREDO_OK) {
    cql_stmt_free(st);
    return NULL;
  }
  missing = missing_clause(st);
  if (missing) {
    cql_ctx_error(ctx, ctx->look.pos, "%s needs %s clause",
                  cql_kind_name(st->kind), missing);
    cql_stmt_free(st);
    return NULL;
  }
  st->end = ctx->prev_end;
  return st;
}
