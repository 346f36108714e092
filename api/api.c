/*
 * api.c -- the public functions that reach a store: each finds the
 * backend of its handle (or of its statement's handle) and calls through
 * its table (backend.h).
 *
 * Invariants: a NULL handle or statement, and the argument errors the
 * engine reports without a handle (credo_prepare without `out`,
 * credo_exec without `sql`), go to the local backend, so every backend
 * sees valid arguments and NULL gives the same answer everywhere; an entry
 * a backend leaves NULL gives CREDO_NOTSUP naming the call and the backend
 * (credo_stmt_readonly: 0, "not known to be read-only").
 *
 * Does not: open handles (open.c), or keep any state: the session and the
 * errors are the handle's (engine/handle.c), shared by every backend.
 */
#include <string.h>

#include "backend.h"

void credo_close(credo *db) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  be->close(db);
}

int credo_dup(credo *db, credo **out) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->dup)
    return be_notsup(db, "credo_dup");
  return be->dup(db, out);
}

int credo_authenticate(credo *db, const char *user, const char *password) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->authenticate)
    return be_notsup(db, "credo_authenticate");
  return be->authenticate(db, user, password);
}

int credo_in_txn(const credo *db) {
  if (!db || !be_of(db)->in_txn)
    return 0;
  return be_of(db)->in_txn(db);
}

int credo_begin(credo *db) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->begin)
    return be_notsup(db, "credo_begin");
  return be->begin(db);
}

int credo_commit(credo *db) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->commit)
    return be_notsup(db, "credo_commit");
  return be->commit(db);
}

int credo_rollback(credo *db) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->rollback)
    return be_notsup(db, "credo_rollback");
  return be->rollback(db);
}

int credo_create_type(credo *db, const char *name, credo_duration publicity,
                      credo_duration repairable_after) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->create_type)
    return be_notsup(db, "credo_create_type");
  return be->create_type(db, name, publicity, repairable_after);
}

int credo_get_type(credo *db, const char *name, credo_type_info *out) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->get_type)
    return be_notsup(db, "credo_get_type");
  return be->get_type(db, name, out);
}

int credo_list_types(credo *db, credo_type_cb cb, void *arg) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->list_types)
    return be_notsup(db, "credo_list_types");
  return be->list_types(db, cb, arg);
}

int credo_create_subject(credo *db, const char *id, credo_kind kind,
                         const char *name) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->create_subject)
    return be_notsup(db, "credo_create_subject");
  return be->create_subject(db, id, kind, name);
}

int credo_get_subject(credo *db, const char *id, credo_subject_info *out) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->get_subject)
    return be_notsup(db, "credo_get_subject");
  return be->get_subject(db, id, out);
}

int credo_record_event(credo *db, const credo_record *rec, uint64_t *id_out,
                       int *created) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->record_event)
    return be_notsup(db, "credo_record_event");
  return be->record_event(db, rec, id_out, created);
}

int credo_correct_event(credo *db, uint64_t id, const credo_correction *c,
                        const char *reason) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->correct_event)
    return be_notsup(db, "credo_correct_event");
  return be->correct_event(db, id, c, reason);
}

int credo_repair_event(credo *db, uint64_t id, credo_time effective,
                       const char *reason) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->repair_event)
    return be_notsup(db, "credo_repair_event");
  return be->repair_event(db, id, effective, reason);
}

int credo_retract_event(credo *db, uint64_t id, const char *reason) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->retract_event)
    return be_notsup(db, "credo_retract_event");
  return be->retract_event(db, id, reason);
}

int credo_get_event(credo *db, uint64_t id, credo_time as_of,
                    credo_time visible_at, unsigned flags, credo_event *out) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->get_event)
    return be_notsup(db, "credo_get_event");
  return be->get_event(db, id, as_of, visible_at, flags, out);
}

int credo_subject_events(credo *db, const char *subject, credo_time as_of,
                         credo_time visible_at, unsigned flags,
                         credo_event_cb cb, void *arg) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->subject_events)
    return be_notsup(db, "credo_subject_events");
  return be->subject_events(db, subject, as_of, visible_at, flags, cb, arg);
}

int credo_event_history(credo *db, uint64_t id, credo_event_cb cb, void *arg) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->event_history)
    return be_notsup(db, "credo_event_history");
  return be->event_history(db, id, cb, arg);
}

int credo_get_stats(credo *db, credo_stats *out) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->get_stats)
    return be_notsup(db, "credo_get_stats");
  return be->get_stats(db, out);
}

int credo_list_subjects(credo *db, credo_subject_cb cb, void *arg) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->list_subjects)
    return be_notsup(db, "credo_list_subjects");
  return be->list_subjects(db, cb, arg);
}

int credo_scan_events(credo *db, credo_time as_of, credo_time visible_at,
                      unsigned flags, credo_event_cb cb, void *arg) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->scan_events)
    return be_notsup(db, "credo_scan_events");
  return be->scan_events(db, as_of, visible_at, flags, cb, arg);
}

int credo_dump_history(credo *db, credo_dump_cb cb, void *arg) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->dump_history)
    return be_notsup(db, "credo_dump_history");
  return be->dump_history(db, cb, arg);
}

int credo_restore_type(credo *db, const credo_type_info *t, int *created) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->restore_type)
    return be_notsup(db, "credo_restore_type");
  return be->restore_type(db, t, created);
}

int credo_restore_subject(credo *db, const credo_subject_info *s,
                          int *created) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->restore_subject)
    return be_notsup(db, "credo_restore_subject");
  return be->restore_subject(db, s, created);
}

int credo_restore_version(credo *db, const credo_event *v, int *created) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->restore_version)
    return be_notsup(db, "credo_restore_version");
  return be->restore_version(db, v, created);
}

int credo_check(credo *db, credo_check_fn cb, void *arg,
                credo_check_report *out) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->check)
    return be_notsup(db, "credo_check");
  return be->check(db, cb, arg, out);
}

int credo_backup_stream(credo *db, credo_sink_fn sink, void *arg,
                        uint64_t *size, char xxh3_128[33]) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->backup_stream)
    return be_notsup(db, "credo_backup_stream");
  return be->backup_stream(db, sink, arg, size, xxh3_128);
}

int credo_prepare(credo *db, const char *sql, int len, credo_stmt **out,
                  const char **tail) {
  const credo_backend *be = db && out ? be_of(db) : &eng_local_backend;
  if (!be->prepare)
    return be_notsup(db, "credo_prepare");
  return be->prepare(db, sql, len, out, tail);
}

int credo_exec(credo *db, const char *sql, credo_exec_cb cb, void *arg) {
  const credo_backend *be = db && sql ? be_of(db) : &eng_local_backend;
  if (!be->exec)
    return be_notsup(db, "credo_exec");
  return be->exec(db, sql, cb, arg);
}

int credo_bind_null(credo_stmt *st, int i) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!be->bind_null)
    return be_notsup(be_stmt_db(st), "credo_bind_null");
  return be->bind_null(st, i);
}

int credo_bind_int64(credo_stmt *st, int i, int64_t v) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!be->bind_int64)
    return be_notsup(be_stmt_db(st), "credo_bind_int64");
  return be->bind_int64(st, i, v);
}

int credo_bind_double(credo_stmt *st, int i, double v) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!be->bind_double)
    return be_notsup(be_stmt_db(st), "credo_bind_double");
  return be->bind_double(st, i, v);
}

int credo_bind_text(credo_stmt *st, int i, const char *s, int len) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!be->bind_text)
    return be_notsup(be_stmt_db(st), "credo_bind_text");
  return be->bind_text(st, i, s, len);
}

int credo_bind_time(credo_stmt *st, int i, credo_time t) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!be->bind_time)
    return be_notsup(be_stmt_db(st), "credo_bind_time");
  return be->bind_time(st, i, t);
}

int credo_bind_count(const credo_stmt *st) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!be->bind_count)
    return be_notsup(be_stmt_db(st), "credo_bind_count");
  return be->bind_count(st);
}

int credo_bind_bool(credo_stmt *st, int i, int b) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!be->bind_bool)
    return be_notsup(be_stmt_db(st), "credo_bind_bool");
  return be->bind_bool(st, i, b);
}

int credo_bind_duration(credo_stmt *st, int i, credo_duration d) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!be->bind_duration)
    return be_notsup(be_stmt_db(st), "credo_bind_duration");
  return be->bind_duration(st, i, d);
}

int credo_bind_parameter_index(const credo_stmt *st, const char *name) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!st || !name || !be->bind_parameter_index)
    return 0;
  return be->bind_parameter_index(st, name);
}

const char *credo_bind_parameter_name(const credo_stmt *st, int i) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!st || !be->bind_parameter_name)
    return NULL;
  return be->bind_parameter_name(st, i);
}

int credo_clear_bindings(credo_stmt *st) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!be->clear_bindings)
    return be_notsup(be_stmt_db(st), "credo_clear_bindings");
  return be->clear_bindings(st);
}

int credo_step(credo_stmt *st) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!be->step)
    return be_notsup(be_stmt_db(st), "credo_step");
  return be->step(st);
}

int credo_reset(credo_stmt *st) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!be->reset)
    return be_notsup(be_stmt_db(st), "credo_reset");
  return be->reset(st);
}

int credo_finalize(credo_stmt *st) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!be->finalize)
    return be_notsup(be_stmt_db(st), "credo_finalize");
  return be->finalize(st);
}

int credo_column_count(const credo_stmt *st) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!be->column_count)
    return be_notsup(be_stmt_db(st), "credo_column_count");
  return be->column_count(st);
}

const char *credo_column_name(const credo_stmt *st, int i) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  return be->column_name(st, i);
}

credo_type credo_column_decltype(const credo_stmt *st, int i) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  return be->column_decltype(st, i);
}

credo_type credo_column_type(credo_stmt *st, int i) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  return be->column_type(st, i);
}

int64_t credo_column_int64(credo_stmt *st, int i) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  return be->column_int64(st, i);
}

double credo_column_double(credo_stmt *st, int i) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  return be->column_double(st, i);
}

const char *credo_column_text(credo_stmt *st, int i) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  return be->column_text(st, i);
}

int credo_column_bytes(credo_stmt *st, int i) {
  const char *s = credo_column_text(st, i);
  return s ? (int)strlen(s) : 0;
}

credo_time credo_column_time(credo_stmt *st, int i) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  return be->column_time(st, i);
}

int credo_column_duration(credo_stmt *st, int i, credo_duration *out) {
  const credo_backend *be;
  if (!st || !out)
    return CREDO_MISUSE;
  be = be_of(be_stmt_db(st));
  if (!be->column_duration)
    return CREDO_NOTFOUND;
  return be->column_duration(st, i, out);
}

int credo_stmt_readonly(const credo_stmt *st) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : &eng_local_backend;
  if (!be->stmt_readonly)
    return 0;
  return be->stmt_readonly(st);
}

const char *credo_stmt_notice(const credo_stmt *st) {
  const credo_backend *be = st ? be_of(be_stmt_db(st)) : NULL;
  return be && be->stmt_notice ? be->stmt_notice(st) : NULL;
}

int credo_create_type_def(credo *db, const credo_type_def *def) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->create_type_def)
    return be_notsup(db, "credo_create_type_def");
  return be->create_type_def(db, def);
}

int credo_rename_subject(credo *db, const char *id, const char *name,
                         const char *reason) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->rename_subject)
    return be_notsup(db, "credo_rename_subject");
  return be->rename_subject(db, id, name, reason);
}

int credo_search_subjects(credo *db, const char *text, const char *after,
                          unsigned limit, credo_subject_cb cb, void *arg,
                          int *more) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->search_subjects)
    return be_notsup(db, "credo_search_subjects");
  return be->search_subjects(db, text, after, limit, cb, arg, more);
}

int credo_set_store_tz(credo *db, int offset_sec) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->set_store_tz)
    return be_notsup(db, "credo_set_store_tz");
  return be->set_store_tz(db, offset_sec);
}

int credo_get_store_tz(credo *db, int *offset_sec) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->get_store_tz)
    return be_notsup(db, "credo_get_store_tz");
  return be->get_store_tz(db, offset_sec);
}

int credo_user_scram(credo *db, const char *user, credo_scram_verifier *out) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->user_scram)
    return be_notsup(db, "credo_user_scram");
  return be->user_scram(db, user, out);
}

int credo_erase_event(credo *db, uint64_t id, const char *reason) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->erase_event)
    return be_notsup(db, "credo_erase_event");
  return be->erase_event(db, id, reason);
}

int credo_erase_subject(credo *db, const char *subject, const char *reason,
                        uint64_t *events) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->erase_subject)
    return be_notsup(db, "credo_erase_subject");
  return be->erase_subject(db, subject, reason, events);
}

int credo_list_erasures(credo *db, credo_erasure_cb cb, void *arg) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->list_erasures)
    return be_notsup(db, "credo_list_erasures");
  return be->list_erasures(db, cb, arg);
}

int credo_apply_erasures(credo *db, const char *from_dir, uint64_t *applied) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->apply_erasures)
    return be_notsup(db, "credo_apply_erasures");
  return be->apply_erasures(db, from_dir, applied);
}

int credo_purge(credo *db, credo_time now, unsigned batch,
                credo_progress_fn progress, void *arg, uint64_t *erased) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->purge)
    return be_notsup(db, "credo_purge");
  return be->purge(db, now, batch, progress, arg, erased);
}

int credo_session_check(credo *db) {
  const credo_backend *be = db ? be_of(db) : &eng_local_backend;
  if (!be->session_check)
    return be_notsup(db, "credo_session_check");
  return be->session_check(db);
}
