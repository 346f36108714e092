/*
 * ast.c -- freeing CQL syntax trees, and the names of their enums.
 *
 * Owns: cql_stmt_free / cql_select_free / cql_expr_free and the list / path
 * free helpers of build.h, plus cql_kind_name, cql_op_name, cql_table_name.
 *
 * Invariants: every free function accepts NULL (or an empty list) and
 * frees exactly what ast.h says a node owns. Recursion depth is bounded by
 * CQL_MAX_DEPTH (the builders refuse deeper trees).
 *
 * Does not: build nodes (build.c) or print them (dump.c).
 */
#include <stdlib.h>

#include "ast.h"
#include "build.h"

void cql_path_free(cql_path *p) {
  size_t i;
  if (!p)
    return;
  for (i = 0; i < p->n; i++)
    free(p->segs[i]);
  free(p->segs);
  p->segs = NULL;
  p->n = 0;
}

void cql_expr_list_free(cql_expr_list *l) {
  size_t i;
  if (!l)
    return;
  for (i = 0; i < l->n; i++)
    cql_expr_free(l->items[i]);
  free(l->items);
  l->items = NULL;
  l->n = 0;
}

void cql_expr_free(cql_expr *e) {
  if (!e)
    return;
  free(e->text);
  cql_path_free(&e->path);
  cql_expr_free(e->a);
  cql_expr_free(e->b);
  cql_expr_free(e->c);
  cql_expr_list_free(&e->list);
  cql_expr_free(e->filter);
  cql_select_free(e->sub);
  free(e);
}

void cql_item_list_free(cql_item_list *l) {
  size_t i;
  if (!l)
    return;
  for (i = 0; i < l->n; i++) {
    cql_expr_free(l->items[i].expr);
    free(l->items[i].alias);
    free(l->items[i].qual);
  }
  free(l->items);
  l->items = NULL;
  l->n = 0;
}

void cql_order_list_free(cql_order_list *l) {
  size_t i;
  if (!l)
    return;
  for (i = 0; i < l->n; i++)
    cql_expr_free(l->items[i].expr);
  free(l->items);
  l->items = NULL;
  l->n = 0;
}

void cql_set_list_free(cql_set_list *l) {
  size_t i;
  if (!l)
    return;
  for (i = 0; i < l->n; i++) {
    cql_path_free(&l->items[i].path);
    cql_expr_free(l->items[i].value);
  }
  free(l->items);
  l->items = NULL;
  l->n = 0;
}

void cql_from_free(cql_from *f, size_t n) {
  for (size_t i = 0; f && i < n; i++) {
    free(f[i].alias);
    cql_expr_free(f[i].on);
    cql_expr_free(f[i].as_of);
    cql_expr_free(f[i].visible_at);
    if (!f[i].sub_borrowed)
      cql_select_free(f[i].sub);
  }
  free(f);
}

void cql_select_free(cql_select *s) {
  if (!s)
    return;
  cql_item_list_free(&(cql_item_list){s->items, s->n_items});
  cql_expr_free(s->where);
  cql_expr_list_free(&s->group_by);
  cql_expr_free(s->having);
  cql_order_list_free(&(cql_order_list){s->order, s->n_order});
  cql_expr_free(s->limit);
  cql_expr_free(s->offset);
  cql_expr_free(s->as_of);
  cql_expr_free(s->visible_at);
  cql_order_list_free(&(cql_order_list){s->set_order, s->n_set_order});
  cql_expr_free(s->set_limit);
  cql_expr_free(s->set_offset);
  cql_select_free(s->next);
  cql_from_free(s->from, s->n_from);
  for (size_t i = 0; i < s->n_ctes; i++) {
    free(s->ctes[i].name);
    cql_select_free(s->ctes[i].sel);
  }
  free(s->ctes);
  free(s);
}

static void record_free_fields(cql_stmt *st) {
  free(st->record.type);
  cql_expr_free(st->record.subject);
  cql_expr_free(st->record.occurred);
  cql_expr_free(st->record.public_from);
  cql_expr_free(st->record.public_until);
  cql_expr_free(st->record.source);
  cql_expr_free(st->record.ref);
  cql_expr_free(st->record.data);
  cql_expr_free(st->record.reason);
}

/* Frees the fields of the union member used by st->kind. */
static void stmt_free_fields(cql_stmt *st) {
  switch (st->kind) {
  case CQL_CREATE_TYPE:
    free(st->create_type.name);
    free(st->create_type.public_fields);
    break;
  case CQL_ERASE_EVENT:
  case CQL_ERASE_SUBJECT:
    cql_expr_free(st->erase.event);
    cql_expr_free(st->erase.subject);
    cql_expr_free(st->erase.reason);
    break;
  case CQL_ALTER_SUBJECT:
    cql_expr_free(st->alter_subject.id);
    cql_expr_free(st->alter_subject.name);
    cql_expr_free(st->alter_subject.reason);
    break;
  case CQL_GRANT:
  case CQL_REVOKE:
    cql_expr_free(st->grant.source);
    free(st->grant.user);
    break;
  case CQL_CREATE_SUBJECT:
    cql_expr_free(st->create_subject.id);
    cql_expr_free(st->create_subject.name);
    break;
  case CQL_RECORD:
    record_free_fields(st);
    break;
  case CQL_SELECT:
  case CQL_EXPLAIN:
    cql_select_free(st->select);
    break;
  case CQL_HISTORY_EVENT:
  case CQL_HISTORY_SUBJECT:
    cql_expr_free(st->history.event);
    cql_expr_free(st->history.subject);
    break;
  case CQL_REPAIR:
  case CQL_REPAIR_WHERE:
    cql_expr_free(st->repair.event);
    cql_expr_free(st->repair.where);
    cql_expr_free(st->repair.effective);
    cql_expr_free(st->repair.reason);
    break;
  case CQL_CORRECT:
    cql_expr_free(st->correct.event);
    cql_set_list_free(&(cql_set_list){st->correct.items, st->correct.n_items});
    cql_expr_free(st->correct.reason);
    break;
  case CQL_RETRACT:
    cql_expr_free(st->retract.event);
    cql_expr_free(st->retract.reason);
    break;
  case CQL_SET_TZ:
  case CQL_SET_STORE_TZ:
    cql_expr_free(st->set_tz.zone);
    break;
  case CQL_KILL_SESSION:
    cql_expr_free(st->kill.session);
    break;
  case CQL_CREATE_USER:
  case CQL_ALTER_USER:
  case CQL_DROP_USER:
    free(st->user.name);
    cql_expr_free(st->user.password);
    break;
  default:
    break;
  }
}

void cql_stmt_free(cql_stmt *st) {
  if (!st)
    return;
  for (char **n = st->param_names; n && *n; n++)
    free(*n);
  free(st->param_names);
  stmt_free_fields(st);
  free(st);
}

const char *cql_kind_name(int kind) {
  static const char *const names[CQL_KIND_COUNT + 1] = {
      [CQL_CREATE_TYPE] = "CREATE TYPE",
      [CQL_CREATE_SUBJECT] = "CREATE SUBJECT",
      [CQL_RECORD] = "RECORD",
      [CQL_SELECT] = "SELECT",
      [CQL_HISTORY_EVENT] = "HISTORY OF EVENT",
      [CQL_HISTORY_SUBJECT] = "HISTORY OF SUBJECT",
      [CQL_REPAIR] = "REPAIR EVENT",
      [CQL_REPAIR_WHERE] = "REPAIR EVENTS",
      [CQL_CORRECT] = "CORRECT EVENT",
      [CQL_RETRACT] = "RETRACT EVENT",
      [CQL_EXPLAIN] = "EXPLAIN",
      [CQL_SHOW_TYPES] = "SHOW TYPES",
      [CQL_SHOW_STATS] = "SHOW STATS",
      [CQL_SHOW_USERS] = "SHOW USERS",
      [CQL_DESCRIBE] = "DESCRIBE",
      [CQL_SHOW_TABLES] = "SHOW TABLES",
      [CQL_SET_TZ] = "SET TIME ZONE",
      [CQL_BEGIN] = "BEGIN",
      [CQL_COMMIT] = "COMMIT",
      [CQL_ROLLBACK] = "ROLLBACK",
      [CQL_CREATE_USER] = "CREATE USER",
      [CQL_ALTER_USER] = "ALTER USER",
      [CQL_DROP_USER] = "DROP USER",
      [CQL_SET_STORE_TZ] = "SET STORE TIME ZONE",
      [CQL_GRANT] = "GRANT SOURCE",
      [CQL_REVOKE] = "REVOKE SOURCE",
      [CQL_ERASE_EVENT] = "ERASE EVENT",
      [CQL_ERASE_SUBJECT] = "ERASE SUBJECT",
      [CQL_SHOW_ERASURES] = "SHOW ERASURES",
      [CQL_SHOW_SESSIONS] = "SHOW SESSIONS",
      [CQL_KILL_SESSION] = "KILL SESSION",
      [CQL_ALTER_SUBJECT] = "ALTER SUBJECT",
  };
  if (kind < 1 || kind > CQL_KIND_COUNT)
    return "?";
  return names[kind];
}

const char *cql_op_name(int op) {
  static const char *const names[] = {
      [CQL_OP_NONE] = "?",  [CQL_OP_NEG] = "-", [CQL_OP_NOT] = "NOT",
      [CQL_OP_MUL] = "*",   [CQL_OP_DIV] = "/", [CQL_OP_MOD] = "%",
      [CQL_OP_ADD] = "+",   [CQL_OP_SUB] = "-", [CQL_OP_CONCAT] = "||",
      [CQL_OP_EQ] = "=",    [CQL_OP_NE] = "!=", [CQL_OP_LT] = "<",
      [CQL_OP_LE] = "<=",   [CQL_OP_GT] = ">",  [CQL_OP_GE] = ">=",
      [CQL_OP_AND] = "AND", [CQL_OP_OR] = "OR",
  };
  if (op < 0 || op > CQL_OP_OR)
    return "?";
  return names[op];
}

const char *cql_table_name(int table) {
  switch (table) {
  case CQL_TABLE_EVENTS:
    return "events";
  case CQL_TABLE_SUBJECTS:
    return "subjects";
  case CQL_TABLE_TYPES:
    return "types";
  case CQL_TABLE_SUB:
    return "subquery";
  case CQL_TABLE_USERS:
    return "users";
  default:
    return "?";
  }
}
