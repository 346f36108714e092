/*
 * exec_show.c -- the statements that are not SELECT and not writes:
 * HISTORY (of an event or of a subject), SHOW TYPES / STATS / USERS,
 * SET TIME ZONE and BEGIN / COMMIT / ROLLBACK. Each buffers its rows at
 * the first step.
 *
 * Invariants: the rows come from the public functions (credo_event_history,
 * credo_list_types, credo_get_stats, ...), so CQL applies the same role
 * checks as the C API; COMMIT / ROLLBACK first end the reads of statements
 * running in the transaction.
 *
 * Does not: write events (exec_write.c).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec_int.h"
#include "users.h"

static const int HIST_COLS[] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, ENG_EV_OP, ENG_EV_REASON};

/* ----------------------------------------------------------- HISTORY */

/* The columns a tombstone has: id, recorded (the erasure), actor, op,
 * reason. */
static int tomb_col(int col) {
  return col == ENG_EV_ID || col == ENG_EV_RECORDED || col == ENG_EV_ACTOR ||
         col == ENG_EV_OP || col == ENG_EV_REASON;
}

static int hist_cb(const credo_event *ev, void *arg) {
  credo_stmt *st = arg;
  eng_value v[HIST_N];
  int rc;
  st->x.table = CQL_TABLE_EVENTS;
  st->x.ev = ev;
  for (int i = 0; i < HIST_N; i++)
    if (ev->op == CREDO_OP_ERASE && !tomb_col(HIST_COLS[i]))
      v[i] = eng_v_null(); /* a tombstone: no content */
    else if ((rc = eng_column_value(&st->x, HIST_COLS[i], &v[i])) != CREDO_OK)
      return rc;
  return eng_rows_push(st, v, HIST_N);
}

/* The ids of every event of a subject (hidden and retracted too). */
static int subject_ids(credo_stmt *st, const char *subject, uint64_t **ids,
                       size_t *n) {
  eng_scan_spec spec = {.path = ENG_PATH_SUBJECT,
                        .subject = subject,
                        .as_of = CREDO_TIME_OPEN,
                        .visible_at = st->x.now,
                        .flags = CREDO_READ_HIDDEN | CREDO_READ_RETRACTED};
  size_t cap = 0;
  int rc;
  if ((rc = eng_exec_read_begin(st)) ||
      (rc = eng_subject_exists(st->db, st->txn, subject)) ||
      (rc = eng_scan_open(st->db, st->txn, &spec, &st->scan)))
    goto done;
  while ((rc = eng_scan_next(st->scan, &st->ev)) == CREDO_ROW) {
    if (*n == cap) {
      uint64_t *v = realloc(*ids, (cap = cap ? cap * 2 : 16) * sizeof *v);
      if (!v) {
        rc = eng_exec_nomem(st->db);
        goto done;
      }
      *ids = v;
    }
    (*ids)[(*n)++] = st->ev.id;
  }
  if (rc == CREDO_DONE)
    rc = CREDO_OK;
done:
  eng_exec_read_end(st);
  return rc;
}

/* A rename as a history row: op "rename", data {"name": new, "from":
 * old}, the subject, recorded, actor and reason; the event columns NULL. */
static int rename_row(void *arg, credo_time recorded, const char *from,
                      const char *to, const char *actor, const char *reason) {
  credo_stmt *st = arg;
  eng_value v[HIST_N];
  json_t *j = json_pack("{s:s,s:s}", "name", to, "from", from);
  char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  int rc;
  json_decref(j);
  if (!text)
    return eng_exec_nomem(st->db);
  for (int i = 0; i < HIST_N; i++)
    v[i] = eng_v_null();
  v[1] = eng_v_text(st->hist_subject, strlen(st->hist_subject));
  v[8] = eng_v_json(text, strlen(text));
  v[10] = eng_v_time(recorded);
  v[11] = eng_v_text(actor, strlen(actor));
  v[13] = eng_v_text("rename", 6);
  v[14] = eng_v_text(reason, strlen(reason));
  rc = eng_rows_push(st, v, HIST_N);
  free(text);
  return rc;
}

/* The renames of a subject, after its events' versions. */
static int subject_renames(credo_stmt *st, const char *subject) {
  int rc;
  if ((rc = eng_exec_read_begin(st)) != CREDO_OK)
    return rc;
  st->hist_subject = subject;
  rc = eng_subject_renames(st->db, st->txn, subject, rename_row, st);
  eng_exec_read_end(st);
  return rc;
}

int eng_exec_history(credo_stmt *st) {
  uint64_t id, *ids = NULL;
  size_t n = 0;
  const char *subject;
  int rc;
  eng_exec_ectx_start(st, 0);
  if (st->ast->kind == CQL_HISTORY_EVENT) {
    if ((rc = eng_exec_id(st, st->wx[0], &id)) != CREDO_OK)
      return rc;
    return eng_event_history(st->db, id, hist_cb, st);
  }
  if ((rc = eng_require(st->db, st->db->role != CREDO_ROLE_PUBLIC,
                        "read history")) ||
      (rc = eng_exec_text(st, st->wx[0], "the subject", 0, &subject)) ||
      (rc = subject_ids(st, subject, &ids, &n)))
    goto done;
  for (size_t i = 0; i < n && rc == CREDO_OK; i++)
    rc = eng_event_history(st->db, ids[i], hist_cb, st);
  if (rc == CREDO_OK)
    rc = subject_renames(st, subject);
done:
  free(ids);
  return rc;
}

/* -------------------------------------------------------------- SHOW */

int eng_exec_type_row(const credo_type_info *t, void *arg) {
  credo_stmt *st = arg;
  eng_value v[ENG_TY_STAR];
  eng_arena_reset(&st->arena);
  st->x.table = CQL_TABLE_TYPES;
  st->x.ty = t;
  for (int i = 0; i < ENG_TY_STAR; i++)
    eng_column_value(&st->x, i, &v[i]);
  return eng_rows_push(st, v, ENG_TY_STAR);
}

static int stat_row(credo_stmt *st, const char *name, eng_value val) {
  eng_value v[2] = {eng_v_text(name, strlen(name)), val};
  return eng_rows_push(st, v, 2);
}

int eng_exec_stats(credo_stmt *st) {
  credo_stats s;
  int rc = eng_get_stats(st->db, &s);
  if (rc == CREDO_OK &&
      ((rc = stat_row(st, "subjects", eng_v_int((int64_t)s.subjects))) ||
       (rc = stat_row(st, "types", eng_v_int((int64_t)s.types))) ||
       (rc = stat_row(st, "events", eng_v_int((int64_t)s.events))) ||
       (rc = stat_row(st, "versions", eng_v_int((int64_t)s.versions))) ||
       (rc = stat_row(st, "last_recorded",
                      s.last_recorded ? eng_v_time(s.last_recorded)
                                      : eng_v_null())) ||
       (rc = stat_row(st, "map_size", eng_v_int((int64_t)s.map_size))) ||
       (rc = stat_row(st, "used_bytes", eng_v_int((int64_t)s.used_bytes))) ||
       (rc = stat_row(st, "format_version",
                      eng_v_int((int64_t)s.format_version)))))
    return rc;
  return rc;
}

int eng_exec_user_row(void *arg, const char *name, credo_role role,
                      credo_time created) {
  credo_stmt *st = arg;
  const char *r = credo_role_name(role);
  eng_value v[3] = {eng_v_text(name, strlen(name)), eng_v_text(r, strlen(r)),
                    eng_v_time(created)};
  return eng_rows_push(st, v, 3);
}

int eng_exec_erasure_row(const credo_erasure *e, void *arg) {
  credo_stmt *st = arg;
  const char *c = credo_erase_cause_name(e->cause);
  eng_value v[5] = {e->event ? eng_v_int((int64_t)e->event) : eng_v_null(),
                    eng_v_text(c, strlen(c)), eng_v_time(e->erased),
                    eng_v_text(e->actor, strlen(e->actor)),
                    eng_v_text(e->reason, strlen(e->reason))};
  return eng_rows_push(st, v, 5);
}

/* SET TIME ZONE / SET STORE TIME ZONE (eng_tz_parse reads the zone). */
int eng_exec_set_tz(credo_stmt *st) {
  const char *z;
  int tz, rc;
  eng_exec_ectx_start(st, 0);
  if ((rc = eng_exec_text(st, st->wx[0], "the time zone", 0, &z)) != CREDO_OK)
    return rc;
  if (eng_tz_parse(z, &tz) != 0)
    return eng_cql_err(st->db, CREDO_INVALID, st->wx[0]->line, st->wx[0]->col,
                       "bad time zone '%.40s': use +HH:MM, -HH:MM, Z, UTC "
                       "or a zone without daylight saving time such as "
                       "'Asia/Shanghai'",
                       z);
  if (st->ast->kind == CQL_SET_STORE_TZ)
    return eng_set_store_tz(st->db, tz);
  return credo_set_tz(st->db, tz);
}

int eng_exec_txn(credo_stmt *st) {
  switch (st->ast->kind) {
  case CQL_BEGIN:
    return eng_begin(st->db);
  case CQL_COMMIT:
    if (credo_in_txn(st->db))
      eng_stmts_txn_ending(st->db);
    return eng_commit(st->db);
  default:
    if (credo_in_txn(st->db))
      eng_stmts_txn_ending(st->db);
    return eng_rollback(st->db);
  }
}

/* ---------------------------------------------- DESCRIBE, SHOW TABLES */

int eng_exec_describe(credo_stmt *st) {
  int table = st->ast->describe.table, n = eng_table_ncols(table), rc;
  eng_value v[3];
  for (int c = 0; c < n; c++) {
    const char *name = eng_col_name(table, c);
    const char *type = eng_vtype_name(eng_col_type(table, c));
    v[0] = eng_v_text(name, strlen(name));
    v[1] = eng_v_text(type, strlen(type));
    v[2] = eng_v_bool(c < eng_table_star(table));
    if ((rc = eng_rows_push(st, v, 3)) != CREDO_OK)
      return rc;
  }
  if (table == CQL_TABLE_EVENTS || table == CQL_TABLE_VERSIONS) {
    v[0] = eng_v_text("data.<path>", 11);
    v[1] = eng_v_text("ANY", 3); /* whatever the JSON holds */
    v[2] = eng_v_bool(0);
    return eng_rows_push(st, v, 3);
  }
  return CREDO_OK;
}

int eng_exec_tables(credo_stmt *st) {
  static const char *const rows[][2] = {
      {"events", "credit events: the latest version of each (AS OF, VISIBLE "
                 "AT and INCLUDE choose which)"},
      {"subjects", "enterprises and persons"},
      {"types", "event types and their publicity policy"},
      {"versions", "every version of every event: how each was recorded, "
                   "corrected, repaired, retracted (not for role public)"}};
  int rc;
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    eng_value v[2] = {eng_v_text(rows[i][0], strlen(rows[i][0])),
                      eng_v_text(rows[i][1], strlen(rows[i][1]))};
    if ((rc = eng_rows_push(st, v, 2)) != CREDO_OK)
      return rc;
  }
  return CREDO_OK;
}
