/*
 * eng_api.h -- the engine's implementations of the public functions that
 * go through the backend table (api/backend.h): eng_<name> is what
 * credo_<name> calls on a local handle (engine/local.c). Same contracts as
 * in credo.h. The engine calls these directly, never the credo_ wrappers
 * of api/.
 */
#ifndef CREDO_ENG_API_H
#define CREDO_ENG_API_H

#include "credo.h"

/* credo_open on a directory (the local backend's open). */
int eng_open(const char *path, const credo_options *opt, credo **out);
void eng_close(credo *db);
int eng_dup(credo *db, credo **out);
int eng_authenticate(credo *db, const char *user, const char *password);
int eng_begin(credo *db);
int eng_in_txn(const credo *db);
int eng_commit(credo *db);
int eng_rollback(credo *db);
int eng_create_type(credo *db, const char *name, credo_duration publicity,
                    credo_duration repairable_after);
int eng_get_type(credo *db, const char *name, credo_type_info *out);
int eng_list_types(credo *db, credo_type_cb cb, void *arg);
int eng_create_subject(credo *db, const char *id, credo_kind kind,
                       const char *name);
int eng_get_subject(credo *db, const char *id, credo_subject_info *out);
int eng_record_event(credo *db, const credo_record *rec, uint64_t *id_out,
                     int *created);
int eng_correct_event(credo *db, uint64_t id, const credo_correction *c,
                      const char *reason);
int eng_repair_event(credo *db, uint64_t id, credo_time effective,
                     const char *reason);
int eng_retract_event(credo *db, uint64_t id, const char *reason);
int eng_get_event(credo *db, uint64_t id, credo_time as_of,
                  credo_time visible_at, unsigned flags, credo_event *out);
int eng_subject_events(credo *db, const char *subject, credo_time as_of,
                       credo_time visible_at, unsigned flags, credo_event_cb cb,
                       void *arg);
int eng_event_history(credo *db, uint64_t id, credo_event_cb cb, void *arg);
/* Erasure and retention (erase.c, retain.c, ledger.c). */
int eng_erase_event(credo *db, uint64_t id, const char *reason);
int eng_erase_subject(credo *db, const char *subject, const char *reason,
                      uint64_t *events);
int eng_list_erasures(credo *db, credo_erasure_cb cb, void *arg);
int eng_purge(credo *db, credo_time now, unsigned batch,
              credo_progress_fn progress, void *arg, uint64_t *erased);
int eng_apply_erasures(credo *db, const char *from_dir, uint64_t *applied);
int eng_get_stats(credo *db, credo_stats *out);
int eng_list_subjects(credo *db, credo_subject_cb cb, void *arg);
int eng_scan_events(credo *db, credo_time as_of, credo_time visible_at,
                    unsigned flags, credo_event_cb cb, void *arg);
int eng_dump_history(credo *db, credo_dump_cb cb, void *arg);
int eng_restore_type(credo *db, const credo_type_info *t, int *created);
int eng_restore_subject(credo *db, const credo_subject_info *s, int *created);
int eng_restore_version(credo *db, const credo_event *v, int *created);
int eng_check(credo *db, credo_check_fn cb, void *arg, credo_check_report *out);
int eng_backup_stream(credo *db, credo_sink_fn sink, void *arg, uint64_t *size,
                      char xxh3_128[33]);
int eng_prepare(credo *db, const char *sql, int len, credo_stmt **out,
                const char **tail);
int eng_exec(credo *db, const char *sql, credo_exec_cb cb, void *arg);
int eng_bind_null(credo_stmt *st, int i);
int eng_bind_int64(credo_stmt *st, int i, int64_t v);
int eng_bind_double(credo_stmt *st, int i, double v);
int eng_bind_text(credo_stmt *st, int i, const char *s, int len);
int eng_bind_time(credo_stmt *st, int i, credo_time t);
int eng_bind_count(const credo_stmt *st);
int eng_bind_bool(credo_stmt *st, int i, int b);
int eng_bind_duration(credo_stmt *st, int i, credo_duration d);
int eng_bind_parameter_index(const credo_stmt *st, const char *name);
const char *eng_bind_parameter_name(const credo_stmt *st, int i);
int eng_clear_bindings(credo_stmt *st);
int eng_step(credo_stmt *st);
int eng_reset(credo_stmt *st);
int eng_finalize(credo_stmt *st);
int eng_column_count(const credo_stmt *st);
const char *eng_column_name(const credo_stmt *st, int i);
credo_type eng_column_decltype(const credo_stmt *st, int i);
credo_type eng_column_type(credo_stmt *st, int i);
int64_t eng_column_int64(credo_stmt *st, int i);
double eng_column_double(credo_stmt *st, int i);
const char *eng_column_text(credo_stmt *st, int i);
credo_time eng_column_time(credo_stmt *st, int i);
int eng_column_duration(credo_stmt *st, int i, credo_duration *out);
int eng_stmt_readonly(const credo_stmt *st);
const char *eng_stmt_notice(const credo_stmt *st);
int eng_create_type_def(credo *db, const credo_type_def *def);
int eng_rename_subject(credo *db, const char *id, const char *name,
                       const char *reason);
int eng_search_subjects(credo *db, const char *text, const char *after,
                        unsigned limit, credo_subject_cb cb, void *arg,
                        int *more);
int eng_set_store_tz(credo *db, int offset_sec);
int eng_get_store_tz(credo *db, int *offset_sec);
int eng_user_scram(credo *db, const char *user, credo_scram_verifier *out);
int eng_erase_event(credo *db, uint64_t id, const char *reason);
int eng_erase_subject(credo *db, const char *subject, const char *reason,
                      uint64_t *events);
int eng_list_erasures(credo *db, credo_erasure_cb cb, void *arg);
int eng_apply_erasures(credo *db, const char *from_dir, uint64_t *applied);
int eng_purge(credo *db, credo_time now, unsigned batch,
              credo_progress_fn progress, void *arg, uint64_t *erased);
int eng_session_check(credo *db);

#endif /* CREDO_ENG_API_H */
