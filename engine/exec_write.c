/*
 * exec_write.c -- the write statements: RECORD, CORRECT (SET columns and
 * data paths), REPAIR, REPAIR EVENTS WHERE, RETRACT, CREATE TYPE / SUBJECT,
 * CREATE / ALTER / DROP USER.
 *
 * Invariants:
 *  - writes go through the public typed functions (credo_record_event, ...)
 *    so CQL and the C API share one implementation of every rule;
 *  - a write statement runs in a statement scope (eng_write_scope_begin)
 *    and never leaves partial writes: outside BEGIN the scope aborts;
 *    inside BEGIN, a statement that fails after it wrote rolls the
 *    transaction back and says so.
 *
 * Does not: read rows for SELECT (exec_select.c).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec_int.h"
#include "users.h"

/* ------------------------------------------------------------ writes */

static int id_row(credo_stmt *st, uint64_t id, const char *result,
                  const char *detail, size_t ncols) {
  eng_value v[3] = {eng_v_int((int64_t)id), eng_v_text(result, strlen(result)),
                    detail ? eng_v_text(detail, strlen(detail)) : eng_v_null()};
  return eng_rows_push(st, v, ncols);
}

static int run_record(credo_stmt *st) {
  eng_expr **w = st->wx;
  credo_record r = {.type = st->ast->record.type};
  uint64_t id = 0;
  int rc, created = 0;
  if ((rc = eng_exec_text(st, w[W_SUBJECT], "the subject", 0, &r.subject)) ||
      (rc = eng_eval_time(&st->x, w[W_OCCURRED], "OCCURRED", &r.occurred)) ||
      (rc = eng_exec_time_opt(st, w[W_FROM], "PUBLIC FROM", CREDO_TIME_DEFAULT,
                              &r.public_from)) ||
      (rc = eng_exec_time_opt(st, w[W_UNTIL], "UNTIL", CREDO_TIME_DEFAULT,
                              &r.public_until)) ||
      (rc = eng_exec_text(st, w[W_SOURCE], "SOURCE", 0, &r.source)) ||
      (rc = eng_exec_text(st, w[W_REF], "REF", 0, &r.ref)) ||
      (rc = eng_exec_text(st, w[W_DATA], "DATA", 1, &r.data)) ||
      (rc = eng_exec_text(st, w[W_REASON], "REASON", 1, &r.reason)))
    return rc;
  if ((rc = eng_record_event(st->db, &r, &id, &created)) != CREDO_OK)
    return rc;
  st->nwrites += (uint64_t)created;
  return id_row(st, id, "", NULL, 1);
}

/* data.a.b = v inside `root`, creating the objects on the way. */
static int json_set(credo_stmt *st, json_t *root, const cql_set_item *it,
                    json_t *val) {
  json_t *o = root;
  for (size_t i = 1; i + 1 < it->path.n; i++) {
    json_t *c = json_object_get(o, it->path.segs[i]);
    if (!c) {
      c = json_object();
      if (!c || json_object_set_new(o, it->path.segs[i], c) != 0)
        goto oom;
    } else if (!json_is_object(c)) {
      json_decref(val);
      return eng_cql_err(st->db, CREDO_SEMANTIC, it->pos.line, it->pos.column,
                         "cannot set a key inside data.%s: "
                         "it is not an object",
                         it->path.segs[i]);
    }
    o = c;
  }
  if (json_object_set_new(o, it->path.segs[it->path.n - 1], val) == 0)
    return CREDO_OK;
  val = NULL;
oom:
  json_decref(val);
  return eng_exec_nomem(st->db);
}

/* The event's current data, parsed, for data.path = v. */
static int load_data(credo_stmt *st, uint64_t id, json_t **out) {
  credo_event ev;
  int rc = eng_get_event(st->db, id, CREDO_TIME_NOW, CREDO_TIME_NOW,
                         CREDO_READ_HIDDEN | CREDO_READ_RETRACTED, &ev);
  if (rc != CREDO_OK)
    return rc;
  *out = json_loads(ev.data, 0, NULL);
  if (!*out || !json_is_object(*out)) {
    json_decref(*out);
    *out = NULL;
    return eng_err(st->db, CREDO_CORRUPT,
                   "event %llu has data that is not "
                   "a JSON object",
                   (unsigned long long)id);
  }
  return CREDO_OK;
}

/* A whole-data value: a JSON object (literal, or text in a parameter). */
static int data_value(credo_stmt *st, const eng_expr *e, const eng_value *v,
                      json_t **out) {
  json_t *j = NULL;
  if (v->t == ENG_V_JSON || v->t == ENG_V_TEXT)
    j = json_loadb(v->u.s.p, v->u.s.n, 0, NULL);
  if (!j || !json_is_object(j)) {
    json_decref(j);
    return eng_cql_err(st->db, CREDO_INVALID, e->line, e->col,
                       "data must be a JSON object");
  }
  json_decref(*out);
  *out = j;
  return CREDO_OK;
}

static int set_column(credo_stmt *st, const cql_set_item *it, const eng_expr *e,
                      credo_correction *c, json_t **data) {
  const char *name = it->path.segs[0];
  eng_value v;
  int rc;
  if (strcasecmp(name, "type") == 0) {
    c->set |= CREDO_SET_TYPE;
    if (!e) /* SET type = identifier */
      c->type = it->value->path.segs[0];
    return e ? eng_exec_text(st, e, "type", 0, &c->type) : CREDO_OK;
  }
  if ((rc = eng_eval(&st->x, e, &v)) != CREDO_OK)
    return rc;
  if (strcasecmp(name, "data") == 0) {
    c->set |= CREDO_SET_DATA;
    return data_value(st, e, &v, data);
  }
  if (strcasecmp(name, "public_until") == 0 && v.t == ENG_V_NULL) {
    c->set |= CREDO_SET_PUBLIC_UNTIL; /* NULL: an open window */
    c->public_until = CREDO_TIME_OPEN;
    return CREDO_OK;
  }
  credo_time t;
  if ((rc = eng_eval_time(&st->x, e, name, &t)) != CREDO_OK)
    return rc;
  if (strcasecmp(name, "occurred") == 0) {
    c->set |= CREDO_SET_OCCURRED;
    c->occurred = t;
  } else if (strcasecmp(name, "public_from") == 0) {
    c->set |= CREDO_SET_PUBLIC_FROM;
    c->public_from = t;
  } else {
    c->set |= CREDO_SET_PUBLIC_UNTIL;
    c->public_until = t;
  }
  return CREDO_OK;
}

static int check_set_path(credo_stmt *st, const cql_set_item *it) {
  static const char *const ok[] = {"occurred", "public_from", "public_until",
                                   "type", "data"};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    if (strcasecmp(it->path.segs[0], ok[i]) == 0 && (it->path.n == 1 || i == 4))
      return CREDO_OK;
  return eng_cql_err(st->db, CREDO_SEMANTIC, it->pos.line, it->pos.column,
                     "cannot set \"%s\" (settable: occurred, public_from, "
                     "public_until, type, data, data.<path>)",
                     it->path.segs[0]);
}

static int run_correct(credo_stmt *st) {
  const cql_stmt *a = st->ast;
  credo_correction c = {0};
  json_t *data = NULL;
  const char *reason;
  char *text = NULL;
  uint64_t id;
  int rc;
  if ((rc = eng_exec_id(st, st->wx[W_EVENT], &id)) ||
      (rc = eng_exec_text(st, st->wx[W_WHY], "REASON", 0, &reason)))
    return rc;
  for (size_t i = 0; i < a->correct.n_items && rc == CREDO_OK; i++) {
    const cql_set_item *it = &a->correct.items[i];
    eng_value v;
    if ((rc = check_set_path(st, it)) != CREDO_OK)
      break;
    if (it->path.n == 1) {
      rc = set_column(st, it, st->setx[i], &c, &data);
      continue;
    }
    if (!data && (rc = load_data(st, id, &data)) != CREDO_OK)
      break;
    c.set |= CREDO_SET_DATA;
    if ((rc = eng_eval(&st->x, st->setx[i], &v)) == CREDO_OK) {
      json_t *j = eng_v_to_json(&v, st->db->tz);
      rc = j ? json_set(st, data, it, j)
             : eng_cql_err(st->db, CREDO_INVALID, it->pos.line, it->pos.column,
                           "the value is not valid JSON");
    }
  }
  if (rc == CREDO_OK && data &&
      !(text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS)))
    rc = eng_exec_nomem(st->db);
  c.data = text;
  if (rc == CREDO_OK &&
      (rc = eng_correct_event(st->db, id, &c, reason)) == CREDO_OK)
    st->nwrites++;
  free(text);
  json_decref(data);
  return rc;
}

static int run_repair(credo_stmt *st) {
  const char *reason;
  credo_time eff;
  uint64_t id;
  int rc;
  if ((rc = eng_exec_id(st, st->wx[W_EVENT], &id)) ||
      (rc = eng_exec_time_opt(st, st->wx[W_EFFECTIVE], "EFFECTIVE", st->x.now,
                              &eff)) ||
      (rc = eng_exec_text(st, st->wx[W_WHY], "REASON", 0, &reason)) ||
      (rc = eng_repair_event(st->db, id, eff, reason)))
    return rc;
  st->nwrites++;
  return id_row(st, id, "repaired", NULL, 2);
}

/* The ids of the current, not retracted events that match WHERE. */
static int match_ids(credo_stmt *st, uint64_t **ids, size_t *n) {
  size_t cap = 0;
  int rc = eng_exec_read_begin(st);
  if (rc == CREDO_OK)
    rc =
        eng_exec_open_events(st, CREDO_TIME_OPEN, st->x.now, CREDO_READ_HIDDEN);
  while (rc == CREDO_OK && (rc = eng_exec_next_filtered(st)) == CREDO_ROW) {
    rc = CREDO_OK;
    if (*n == cap) {
      uint64_t *v = realloc(*ids, (cap = cap ? cap * 2 : 16) * sizeof *v);
      if (!v) {
        rc = eng_exec_nomem(st->db);
        break;
      }
      *ids = v;
    }
    (*ids)[(*n)++] = st->ev.id;
  }
  eng_exec_read_end(st);
  return rc == CREDO_DONE ? CREDO_OK : rc;
}

static int run_repair_where(credo_stmt *st) {
  const char *reason;
  credo_time eff;
  uint64_t *ids = NULL;
  size_t n = 0;
  int rc;
  st->x.table = CQL_TABLE_EVENTS;
  if ((rc = eng_exec_time_opt(st, st->wx[W_EFFECTIVE], "EFFECTIVE", st->x.now,
                              &eff)) ||
      (rc = eng_exec_text(st, st->wx[W_WHY], "REASON", 0, &reason)) ||
      (rc = match_ids(st, &ids, &n)))
    goto done;
  for (size_t i = 0; i < n && rc == CREDO_OK; i++) {
    /* the time limit and interrupts hold in the write phase too: stopped
     * here, the statement's scope rolls back whatever it wrote */
    if ((rc = eng_run_check(st->db)) != CREDO_OK)
      break;
    rc = eng_repair_event(st->db, ids[i], eff, reason);
    if (rc == CREDO_OK) {
      st->nwrites++;
      rc = id_row(st, ids[i], "repaired", NULL, 3);
    } else if (rc == CREDO_REFUSED)
      rc = id_row(st, ids[i], "refused", st->db->errmsg, 3);
  }
  if (rc == CREDO_OK)
    eng_err_clear(st->db); /* refusals are rows, not the outcome */
done:
  free(ids);
  return rc;
}

static int run_simple_write(credo_stmt *st) {
  const cql_stmt *a = st->ast;
  const char *s1 = NULL, *s2 = NULL;
  uint64_t id;
  int rc;
  switch (a->kind) {
  case CQL_RETRACT:
    if ((rc = eng_exec_id(st, st->wx[W_EVENT], &id)) ||
        (rc = eng_exec_text(st, st->wx[W_WHY], "REASON", 0, &s1)))
      return rc;
    return eng_retract_event(st->db, id, s1);
  case CQL_ERASE_EVENT:
    if ((rc = eng_exec_id(st, st->wx[W_EVENT], &id)) ||
        (rc = eng_exec_text(st, st->wx[W_WHY], "REASON", 0, &s1)))
      return rc;
    return eng_erase_event(st->db, id, s1);
  case CQL_ERASE_SUBJECT:
    if ((rc = eng_exec_text(st, st->wx[W_EVENT], "the subject id", 0, &s2)) ||
        (rc = eng_exec_text(st, st->wx[W_WHY], "REASON", 0, &s1)))
      return rc;
    return eng_erase_subject(st->db, s2, s1, NULL);
  case CQL_CREATE_TYPE:
    return eng_create_type_def(
        st->db, &(credo_type_def){
                    a->create_type.name,
                    a->create_type.flags |
                        (a->create_type.has_publicity ? 0 : CREDO_TYPE_OPEN),
                    a->create_type.publicity, a->create_type.repairable_after,
                    a->create_type.public_fields, a->create_type.retain});
  case CQL_GRANT:
  case CQL_REVOKE:
    if ((rc = eng_exec_text(st, st->wx[W_ID], "the source", 0, &s1)) !=
        CREDO_OK)
      return rc;
    return eng_grant_source(st->db, a->grant.user, s1, a->kind == CQL_GRANT);
  case CQL_SET_STORE_TZ:
    return eng_exec_set_tz(st);
  case CQL_ALTER_SUBJECT: {
    const char *why = NULL;
    if ((rc = eng_exec_text(st, st->wx[W_ID], "the subject id", 0, &s1)) ||
        (rc = eng_exec_text(st, st->wx[W_NAME], "NAME", 0, &s2)) ||
        (rc = eng_exec_text(st, st->wx[W_WHY], "REASON", 0, &why)))
      return rc;
    return eng_rename_subject(st->db, s1, s2, why);
  }
  case CQL_CREATE_SUBJECT:
    if ((rc = eng_exec_text(st, st->wx[W_ID], "the subject id", 0, &s1)) ||
        (rc = eng_exec_text(st, st->wx[W_NAME], "NAME", 1, &s2)))
      return rc;
    return eng_create_subject(st->db, s1, a->create_subject.kind, s2);
  default:
    break;
  }
  if ((rc = eng_exec_text(st, st->wx[W_ID], "PASSWORD", 1, &s1)) != CREDO_OK)
    return rc;
  if (a->kind == CQL_CREATE_USER)
    return eng_user_create(st->db, a->user.name, a->user.role, s1);
  if (a->kind == CQL_ALTER_USER)
    return eng_user_alter(st->db, a->user.name, a->user.has_role, a->user.role,
                          s1);
  return eng_user_drop(st->db, a->user.name);
}

static int write_body(credo_stmt *st) {
  int rc;
  switch (st->ast->kind) {
  case CQL_RECORD:
    return run_record(st);
  case CQL_CORRECT:
    return run_correct(st);
  case CQL_REPAIR:
    return run_repair(st);
  case CQL_REPAIR_WHERE:
    return run_repair_where(st);
  default:
    if ((rc = run_simple_write(st)) == CREDO_OK)
      st->nwrites += st->db->changes;
    return rc;
  }
}

/* Role checks before the writer slot is taken (the typed functions check
 * again). */
static int write_role(credo_stmt *st) {
  credo *db = st->db;
  switch (st->ast->kind) {
  case CQL_RECORD:
    return eng_require(db, eng_can_write_records(db), "record events");
  case CQL_CREATE_SUBJECT:
    return eng_require(db, eng_can_write_records(db), "create subjects");
  case CQL_ALTER_SUBJECT:
    return eng_require(db, eng_can_write_records(db), "rename subjects");
  case CQL_REPAIR:
  case CQL_REPAIR_WHERE:
    return eng_require(db, eng_can_repair(db), "repair events");
  case CQL_RETRACT:
    return eng_require(db, eng_can_repair(db) || eng_can_write_records(db),
                       "retract events");
  case CQL_CORRECT:
    return CREDO_OK; /* which fields decides (credo_correct_event) */
  case CQL_CREATE_TYPE:
    return eng_require(db, db->role == CREDO_ROLE_ADMIN, "create types");
  case CQL_GRANT:
  case CQL_REVOKE:
    return eng_require(db, db->role == CREDO_ROLE_ADMIN, "grant sources");
  case CQL_SET_STORE_TZ:
    return eng_require(db, db->role == CREDO_ROLE_ADMIN,
                       "set the store time zone");
  case CQL_ERASE_EVENT:
  case CQL_ERASE_SUBJECT:
    return eng_require(db, db->role == CREDO_ROLE_ADMIN, "erase records");
  default:
    return eng_require(db, db->role == CREDO_ROLE_ADMIN, "manage users");
  }
}

/* Codes the typed functions return before they write anything. */
static int clean_failure(int rc) {
  switch (rc) {
  case CREDO_DENIED:
  case CREDO_INVALID:
  case CREDO_NOTFOUND:
  case CREDO_CONFLICT:
  case CREDO_REFUSED:
  case CREDO_EXISTS:
  case CREDO_BADID:
  case CREDO_TXN:
  case CREDO_SEMANTIC:
  case CREDO_SYNTAX:
  case CREDO_RANGE:
  case CREDO_MISUSE:
  case CREDO_NOTSUP:
    return 1;
  default:
    return 0;
  }
}

/* A statement failed inside BEGIN after it wrote: roll back it all. */
static int rollback_all(credo_stmt *st, int rc) {
  credo *db = st->db;
  char msg[sizeof db->errmsg];
  int line = db->errline, col = db->errcol;
  snprintf(msg, sizeof msg, "%s", credo_errmsg(db));
  eng_stmts_txn_ending(db);
  eng_rollback(db);
  return eng_err_at(db, rc, line, col,
                    "%.900s; the transaction was rolled "
                    "back",
                    msg);
}

int eng_exec_write(credo_stmt *st) {
  credo *db = st->db;
  int started = 0, rc, in_begin = credo_in_txn(db);
  credo_time t0 = db->txn_time;
  if ((rc = write_role(st)) != CREDO_OK)
    return rc;
  eng_exec_ectx_start(st, 0);
  st->nwrites = 0;
  if ((rc = eng_write_scope_begin(db, &started)) != CREDO_OK)
    return rc;
  rc = write_body(st);
  rc = eng_write_scope_end(db, started, rc);
  if (rc < 0 && in_begin && credo_in_txn(db) &&
      (st->nwrites || (t0 == 0 && db->txn_time != 0) || !clean_failure(rc)))
    return rollback_all(st, rc);
  db->changes = rc < 0 ? 0 : st->nwrites;
  return rc;
}
