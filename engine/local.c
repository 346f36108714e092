/*
 * local.c -- the local backend: the table (api/backend.h) through which
 * the public API reaches the engine for a store in a directory.
 *
 * Invariants: every entry is set (the engine supports every call); a
 * handle made by eng_open points here.
 *
 * Does not: implement anything itself; the entries are the engine's
 * eng_<name> functions (eng_api.h).
 */
#include <stddef.h>

#include "eng.h"
#include "exec.h"

/* The API finds the table through the first member of a handle and of a
 * statement (backend.h): the engine's structures must start with them. */
_Static_assert(offsetof(struct credo, be) == 0, "a handle starts with be");
_Static_assert(offsetof(struct credo_stmt, db) == 0,
               "a statement starts with its handle");

const credo_backend eng_local_backend = {
    .name = "local",
    .open = eng_open,
    .snapshot = NULL, /* credo_backup copies the store itself */
    .close = eng_close,
    .dup = eng_dup,
    .authenticate = eng_authenticate,
    .begin = eng_begin,
    .in_txn = eng_in_txn,
    .commit = eng_commit,
    .rollback = eng_rollback,
    .create_type = eng_create_type,
    .get_type = eng_get_type,
    .list_types = eng_list_types,
    .create_subject = eng_create_subject,
    .get_subject = eng_get_subject,
    .record_event = eng_record_event,
    .correct_event = eng_correct_event,
    .repair_event = eng_repair_event,
    .retract_event = eng_retract_event,
    .get_event = eng_get_event,
    .subject_events = eng_subject_events,
    .event_history = eng_event_history,
    .get_stats = eng_get_stats,
    .list_subjects = eng_list_subjects,
    .scan_events = eng_scan_events,
    .dump_history = eng_dump_history,
    .restore_type = eng_restore_type,
    .restore_subject = eng_restore_subject,
    .restore_version = eng_restore_version,
    .check = eng_check,
    .backup_stream = eng_backup_stream,
    .prepare = eng_prepare,
    .exec = eng_exec,
    .bind_null = eng_bind_null,
    .bind_int64 = eng_bind_int64,
    .bind_double = eng_bind_double,
    .bind_text = eng_bind_text,
    .bind_time = eng_bind_time,
    .bind_count = eng_bind_count,
    .bind_bool = eng_bind_bool,
    .bind_duration = eng_bind_duration,
    .bind_parameter_index = eng_bind_parameter_index,
    .bind_parameter_name = eng_bind_parameter_name,
    .clear_bindings = eng_clear_bindings,
    .step = eng_step,
    .reset = eng_reset,
    .finalize = eng_finalize,
    .column_count = eng_column_count,
    .column_name = eng_column_name,
    .column_decltype = eng_column_decltype,
    .column_type = eng_column_type,
    .column_int64 = eng_column_int64,
    .column_double = eng_column_double,
    .column_text = eng_column_text,
    .column_duration = eng_column_duration,
    .column_time = eng_column_time,
    .stmt_readonly = eng_stmt_readonly,
    .stmt_notice = eng_stmt_notice,
    .create_type_def = eng_create_type_def,
    .rename_subject = eng_rename_subject,
    .search_subjects = eng_search_subjects,
    .set_store_tz = eng_set_store_tz,
    .get_store_tz = eng_get_store_tz,
    .user_scram = eng_user_scram,
    .erase_event = eng_erase_event,
    .erase_subject = eng_erase_subject,
    .list_erasures = eng_list_erasures,
    .apply_erasures = eng_apply_erasures,
    .purge = eng_purge,
    .session_check = eng_session_check,
};
