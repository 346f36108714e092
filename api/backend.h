/*
 * backend.h -- the contract between the public API (api/) and the
 * backends behind a handle: the local engine (engine/local.c, a directory
 * store) and the remote client (remote/cl_backend.c, credo:// and
 * credos:// URIs), as SQLite's sqlite3_vfs or libcurl's protocol handlers.
 *
 * A handle (`credo`) is made by the engine's handle layer for every
 * backend (be_handle_new) and starts with its backend; a statement
 * (`credo_stmt`) of any backend starts with its handle. The API's entry
 * points (api/api.c) find the table from the handle or the statement and
 * call through it; a NULL entry means "not supported by this backend":
 * the call returns CREDO_NOTSUP with a message naming the call and the
 * backend (be_notsup).
 *
 * The handle's session and error state (errors, actor and role, time
 * zone, clock, timeouts, changes) is the handle layer's and is the same
 * for every backend; the be_* services below are what a backend other
 * than the engine may use of it.
 *
 * Threads: as the public API: one thread at a time per handle and its
 * statements. Ownership: a backend owns its context (be_ctx) and frees it
 * in its close, which then frees the handle with be_handle_free.
 *
 * Does not: include any engine, client or codec header; it is the one
 * header both sides share.
 */
#ifndef CREDO_API_BACKEND_H
#define CREDO_API_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "credo.h"

typedef struct credo_backend {
  const char *name; /* "local", "remote": named in CREDO_NOTSUP messages */
  /* credo_open for this backend: makes *out (even on failure, carrying the
   * reason, as credo_open promises) */
  int (*open)(const char *path, const credo_options *opt, credo **out);
  /* credo_backup: writes the store's bytes into fd, hashing them (hex: the
   * XXH3-128 of the bytes as sent); NULL: the engine copies its own store */
  int (*snapshot)(credo *db, int fd, credo_progress_fn progress, void *arg,
                  uint64_t *size, char hex[33]);
  /* one entry per public function, same signature as credo_<name> */
  void (*close)(credo *db);
  int (*dup)(credo *db, credo **out);
  int (*authenticate)(credo *db, const char *user, const char *password);
  int (*begin)(credo *db);
  int (*commit)(credo *db);
  int (*rollback)(credo *db);
  int (*create_type)(credo *db, const char *name, credo_duration publicity,
                     credo_duration repairable_after);
  int (*get_type)(credo *db, const char *name, credo_type_info *out);
  int (*list_types)(credo *db, credo_type_cb cb, void *arg);
  int (*create_subject)(credo *db, const char *id, credo_kind kind,
                        const char *name);
  int (*get_subject)(credo *db, const char *id, credo_subject_info *out);
  int (*record_event)(credo *db, const credo_record *rec, uint64_t *id_out,
                      int *created);
  int (*correct_event)(credo *db, uint64_t id, const credo_correction *c,
                       const char *reason);
  int (*repair_event)(credo *db, uint64_t id, credo_time effective,
                      const char *reason);
  int (*retract_event)(credo *db, uint64_t id, const char *reason);
  int (*get_event)(credo *db, uint64_t id, credo_time as_of,
                   credo_time visible_at, unsigned flags, credo_event *out);
  int (*subject_events)(credo *db, const char *subject, credo_time as_of,
                        credo_time visible_at, unsigned flags,
                        credo_event_cb cb, void *arg);
  int (*event_history)(credo *db, uint64_t id, credo_event_cb cb, void *arg);
  int (*get_stats)(credo *db, credo_stats *out);
  int (*list_subjects)(credo *db, credo_subject_cb cb, void *arg);
  int (*scan_events)(credo *db, credo_time as_of, credo_time visible_at,
                     unsigned flags, credo_event_cb cb, void *arg);
  int (*dump_history)(credo *db, credo_dump_cb cb, void *arg);
  int (*restore_type)(credo *db, const credo_type_info *t, int *created);
  int (*restore_subject)(credo *db, const credo_subject_info *s, int *created);
  int (*restore_version)(credo *db, const credo_event *v, int *created);
  int (*check)(credo *db, credo_check_fn cb, void *arg,
               credo_check_report *out);
  int (*backup_stream)(credo *db, credo_sink_fn sink, void *arg, uint64_t *size,
                       char xxh3_128[33]);
  int (*prepare)(credo *db, const char *sql, int len, credo_stmt **out,
                 const char **tail);
  int (*exec)(credo *db, const char *sql, credo_exec_cb cb, void *arg);
  int (*bind_null)(credo_stmt *st, int i);
  int (*bind_int64)(credo_stmt *st, int i, int64_t v);
  int (*bind_double)(credo_stmt *st, int i, double v);
  int (*bind_text)(credo_stmt *st, int i, const char *s, int len);
  int (*bind_time)(credo_stmt *st, int i, credo_time t);
  int (*bind_count)(const credo_stmt *st);
  int (*bind_bool)(credo_stmt *st, int i, int b);
  int (*bind_duration)(credo_stmt *st, int i, credo_duration d);
  int (*bind_parameter_index)(const credo_stmt *st, const char *name);
  const char *(*bind_parameter_name)(const credo_stmt *st, int i);
  int (*clear_bindings)(credo_stmt *st);
  int (*step)(credo_stmt *st);
  int (*reset)(credo_stmt *st);
  int (*finalize)(credo_stmt *st);
  int (*column_count)(const credo_stmt *st);
  const char *(*column_name)(const credo_stmt *st, int i);
  credo_type (*column_decltype)(const credo_stmt *st, int i);
  credo_type (*column_type)(credo_stmt *st, int i);
  int64_t (*column_int64)(credo_stmt *st, int i);
  double (*column_double)(credo_stmt *st, int i);
  const char *(*column_text)(credo_stmt *st, int i);
  credo_time (*column_time)(credo_stmt *st, int i);
  int (*column_duration)(credo_stmt *st, int i, credo_duration *out);
  int (*stmt_readonly)(const credo_stmt *st);
  const char *(*stmt_notice)(const credo_stmt *st);
  int (*create_type_def)(credo *db, const credo_type_def *def);
  int (*rename_subject)(credo *db, const char *id, const char *name,
                        const char *reason);
  int (*search_subjects)(credo *db, const char *text, const char *after,
                         unsigned limit, credo_subject_cb cb, void *arg,
                         int *more);
  int (*set_store_tz)(credo *db, int offset_sec);
  int (*get_store_tz)(credo *db, int *offset_sec);
  int (*user_scram)(credo *db, const char *user, credo_scram_verifier *out);
  int (*in_txn)(const credo *db);
  /* erasure and retention (issue 17); the remote backend leaves them NULL:
   * over the protocol, ERASE and SHOW ERASURES are CQL statements */
  int (*erase_event)(credo *db, uint64_t id, const char *reason);
  int (*erase_subject)(credo *db, const char *subject, const char *reason,
                       uint64_t *events);
  int (*list_erasures)(credo *db, credo_erasure_cb cb, void *arg);
  int (*apply_erasures)(credo *db, const char *from_dir, uint64_t *applied);
  int (*purge)(credo *db, credo_time now, unsigned batch,
               credo_progress_fn progress, void *arg, uint64_t *erased);
  int (*session_check)(credo *db);
} credo_backend;

/* The engine: a store in a directory. */
extern const credo_backend eng_local_backend;
/* The client: a store behind credo-server (not in libcredo-embedded). */
extern const credo_backend cl_remote_backend;

/* What every handle and every statement starts with. */
typedef struct be_handle_head {
  const credo_backend *be;
} be_handle_head;
typedef struct be_stmt_head {
  credo *db;
} be_stmt_head;

static inline const credo_backend *be_of(const credo *db) {
  return ((const be_handle_head *)(const void *)db)->be;
}
static inline credo *be_stmt_db(const credo_stmt *st) {
  return ((const be_stmt_head *)(const void *)st)->db;
}

/* ------------------------------------- services of the handle layer */

/* A new handle on backend `be` with context `ctx` (owned by the backend),
 * actor "local" and role admin; NULL when out of memory. */
credo *be_handle_new(const credo_backend *be, void *ctx);
/* Frees a handle made by be_handle_new (not its context). NULL is fine. */
void be_handle_free(credo *db);
void *be_ctx(const credo *db);
void be_set_ctx(credo *db, void *ctx);
/* Sets the session the server confirmed (actor copied). */
void be_set_session(credo *db, const char *actor, credo_role role);
/* Sets the zone times render in (the session's, learnt from a server);
 * does not count as the session choosing one. */
void be_set_tz(credo *db, int tz);
/* 1 when the session chose its zone (credo_set_tz), 0 when it keeps the
 * store's (docs/rules.md, rule 6). */
int be_tz_chosen(const credo *db);
void be_set_changes(credo *db, uint64_t n);
/* Records an error on the handle and returns `code` (line/col 0: none). */
int be_err(credo *db, int code, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void be_err_clear(credo *db);
/* Makes credo_interrupt also write one byte to `fd` (-1: none), so that a
 * backend waiting in poll() on the other end of a pipe wakes up; the
 * backend sets it after opening and clears it before closing fd. */
void be_set_wake_fd(credo *db, int fd);
/* Takes the handle's pending credo_interrupt request: 1 when there was one
 * (it is cleared), else 0. */
int be_interrupt_take(credo *db);
/* CREDO_NOTSUP: "<call> is not supported by the <backend> backend; ..." */
int be_notsup(credo *db, const char *call);
/* The text credo_column_text gives for a scalar of `type` (CREDO_T_INT,
 * _REAL, _BOOL, _TIME or _NULL; `i` holds ints, bools and times) in the
 * session zone `tz`, into buf[n]; the same rendering on every backend.
 * 0, or -1 when it does not fit. */
int be_render_scalar(int type, int64_t i, double r, int tz, char *buf,
                     size_t n);

#endif /* CREDO_API_BACKEND_H */
