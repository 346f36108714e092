/*
 * cl_backend.c -- the remote backend's table (api/backend.h): what the
 * public API calls on a handle opened on a credo:// or credos:// URI.
 *
 * Invariants: statements, CQL and backups go over the wire; the typed API
 * (credo_record_event, credo_begin, ...), credo_dup, credo_authenticate,
 * credo_check and the restore calls have no entry, so the API answers
 * CREDO_NOTSUP naming the call and this backend ("use CQL").
 *
 * Does not: implement anything itself (cl_remote.c, cl_rstmt.c,
 * cl_backup.c do).
 */
#include "cl_remote.h"

const credo_backend cl_remote_backend = {
    .name = "remote",
    .open = cl_remote_open,
    .snapshot = cl_remote_backup,
    .close = cl_remote_close,
    .prepare = cl_remote_prepare,
    .exec = cl_remote_exec,
    .bind_null = cl_remote_bind_null,
    .bind_int64 = cl_remote_bind_int64,
    .bind_double = cl_remote_bind_double,
    .bind_text = cl_remote_bind_text,
    .bind_time = cl_remote_bind_time,
    .bind_count = cl_remote_bind_count,
    .bind_bool = cl_remote_bind_bool,
    .bind_duration = cl_remote_bind_duration,
    .bind_parameter_index = cl_remote_bind_parameter_index,
    .bind_parameter_name = cl_remote_bind_parameter_name,
    .clear_bindings = cl_remote_clear_bindings,
    .step = cl_remote_step,
    .reset = cl_remote_reset,
    .finalize = cl_remote_finalize,
    .column_count = cl_remote_column_count,
    .column_name = cl_remote_column_name,
    .column_decltype = cl_remote_column_decltype,
    .column_type = cl_remote_column_type,
    .column_int64 = cl_remote_column_int64,
    .column_double = cl_remote_column_double,
    .column_text = cl_remote_column_text,
    .column_time = cl_remote_column_time,
    .column_duration = cl_remote_column_duration,
    .stmt_notice = cl_remote_stmt_notice,
    .in_txn = cl_remote_in_txn,
};
