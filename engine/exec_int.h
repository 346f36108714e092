/*
 * exec_int.h -- what the parts of the executor (exec.c, exec_rows.c,
 * exec_select.c, exec_group.c, exec_show.c, exec_write.c) share. Internal
 * to those files: nothing else includes it.
 *
 * Every function takes a statement that is running (st->state RUN) unless
 * it says otherwise; errors are written on st->db and returned.
 */
#ifndef CREDO_ENG_EXEC_INT_H
#define CREDO_ENG_EXEC_INT_H

#include "exec.h"

/* Slots of st->wx per statement kind. */
enum {
  W_SUBJECT = 0,
  W_OCCURRED,
  W_FROM,
  W_UNTIL,
  W_SOURCE,
  W_REF,
  W_DATA,
  W_REASON /* RECORD */
};
enum { W_EVENT = 0, W_EFFECTIVE = 1, W_WHY = 2 }; /* REPAIR, RETRACT... */
enum { W_ID = 0, W_NAME = 1 };                    /* CREATE SUBJECT, ... */

/* HISTORY's columns (exec.c names them, exec_show.c fills them). */
#define HIST_N 15

/* ---------------------------------------------------------- exec.c */

/* CREDO_NOMEM with its message on db. */
int eng_exec_nomem(credo *db);
/* Prepares st->x for the statement's constants (table 0: none). */
void eng_exec_ectx_start(credo_stmt *st, int table);
/* A required or optional (opt) text operand; *s is NULL for NULL. */
int eng_exec_text(credo_stmt *st, const eng_expr *e, const char *what, int opt,
                  const char **s);
/* An event id operand: a positive integer. */
int eng_exec_id(credo_stmt *st, const eng_expr *e, uint64_t *id);
/* An optional time operand; `dflt` when absent. */
int eng_exec_time_opt(credo_stmt *st, const eng_expr *e, const char *what,
                      credo_time dflt, credo_time *t);
/* LIMIT / OFFSET: a non-negative integer. */
int eng_exec_count(credo_stmt *st, const eng_expr *e, const char *what,
                   uint64_t *n);
/* Opens the statement's read transaction (or borrows the open scope). */
int eng_exec_read_begin(credo_stmt *st);
/* Closes the scan, the cursor and the read transaction; idempotent. */
void eng_exec_read_end(credo_stmt *st);

/* ----------------------------------------------------- exec_rows.c */

/* Finds the entry for key[0..n) or adds an empty one (*added = 1). */
int eng_hmap_get(eng_hmap *m, const char *key, size_t n, eng_hent **out,
                 int *added);
void eng_hmap_free(eng_hmap *m);
/* Byte key of n values into st->key. */
int eng_rows_key(credo_stmt *st, const eng_value *v, size_t n);
/* *seen = 1 when the output row was seen before (DISTINCT), else records
 * it. */
int eng_rows_seen(credo_stmt *st, const eng_value *v, int *seen);
/* Buffers a copy of n values as a row. */
int eng_rows_push(credo_stmt *st, const eng_value *v, size_t n);
void eng_rows_free(credo_stmt *st);
/* Adds st->out (output values and ORDER BY keys) to the sorter. */
int eng_rows_sort_add(credo_stmt *st);
/* Sorts (when ordered) and sets the OFFSET / LIMIT window. */
void eng_rows_window(credo_stmt *st, int ordered);

/* -------------------------------------------------------- notice.c */

/* Sets st->notice when `as_of` is before the store's first transaction
 * (read in st->txn); never fails. */
void eng_notice_as_of(credo_stmt *st, credo_time as_of);

/* --------------------------------------------------- exec_select.c */

/* Opens the event scan of st->plan in st->txn. */
int eng_exec_open_events(credo_stmt *st, credo_time as_of, credo_time vis,
                         unsigned flags);
/* The next input row that passes WHERE: CREDO_ROW / CREDO_DONE. */
int eng_exec_next_filtered(credo_stmt *st);
/* The next output row of a streaming SELECT. */
int eng_exec_stream_next(credo_stmt *st);
/* Projects the current row into the sorter (DISTINCT first). */
int eng_exec_collect(credo_stmt *st);
/* First step of SELECT / EXPLAIN. */
int eng_exec_select(credo_stmt *st);
int eng_exec_explain(credo_stmt *st);

/* The next row of the first table into st->x (no WHERE). */
int eng_exec_pull(credo_stmt *st);

/* ----------------------------------------------------- exec_join.c */

/* Before the read transaction: the run state and the rows of FROM's
 * subqueries (each run once). */
int eng_join_materialize(credo_stmt *st);
/* The next row of a first table that is a subquery into st->x. */
int eng_join_pull_sub(credo_stmt *st);
/* Sets up the joined tables (after the first one is open). */
int eng_join_open(credo_stmt *st);
/* The next combined row passing every ON and WHERE: CREDO_ROW / DONE. */
int eng_join_next(credo_stmt *st);
/* Closes the joined tables' scans and frees the run; idempotent. */
void eng_join_close(credo_stmt *st);

/* ----------------------------------------------------- exec_corr.c */

/* Makes child i of st for subquery e, correlated when it reads st's
 * FROM. */
int eng_corr_child(credo_stmt *st, size_t i, const cql_expr *e);
/* 1 when subquery slot i reads the outer row. */
int eng_corr_is(const credo_stmt *st, size_t i);
/* eng_ectx.corr: runs slot again for st's current row (arg: st). */
int eng_corr_run(void *arg, int slot);
void eng_corr_free(credo_stmt *st);
/* Runs subquery child i to completion into st->subres[i]. */
int eng_subq_run_one(credo_stmt *st, size_t i);

/* ---------------------------------------------------- exec_group.c */

/* Reads every row into groups, then buffers the groups' output rows. */
int eng_exec_drain_grouped(credo_stmt *st);
void eng_exec_groups_free(credo_stmt *st);
/* Appends a new group with copies of key values kv (plan->nkeys) and
 * zeroed aggregate states (the batch path fills them). */
int eng_exec_group_new(credo_stmt *st, const eng_value *kv, eng_group **out);
/* Ends the read, emits the groups' rows (HAVING, DISTINCT, ORDER BY),
 * frees the groups and sets the output window. */
int eng_exec_groups_finish(credo_stmt *st);

/* ---------------------------------------------------- exec_batch.c */

/* Not answered by the batch path: nothing was done, read the rows. */
#define ENG_BATCH_NO 3 /* not a credo code (those are <= 2) */
/* A grouped SELECT answered from the projection (proj.h) when the plan
 * and the read allow it: CREDO_OK (groups emitted as
 * eng_exec_groups_finish does), ENG_BATCH_NO, or an error code. */
int eng_batch_group(credo_stmt *st);
/* EXPLAIN's line on the path a grouped SELECT takes, into buf. */
void eng_batch_explain(credo_stmt *st, char *buf, size_t n);
/* Process-wide switch for tests: 0 sends every query to the row path;
 * the count of queries the batch path answered (tests). Not atomic: set
 * the switch only while no statement runs. */
extern int eng_batch_enabled;
extern _Atomic unsigned long eng_batch_answered;

/* ----------------------------------------------------- exec_show.c */

int eng_exec_history(credo_stmt *st);
/* Row callbacks of credo_list_types and eng_users_list (arg: the
 * statement). */
int eng_exec_type_row(const credo_type_info *t, void *arg);
/* DESCRIBE table and SHOW TABLES: their rows into st's buffer. */
int eng_exec_describe(credo_stmt *st);
int eng_exec_tables(credo_stmt *st);
int eng_exec_user_row(void *arg, const char *name, credo_role role,
                      credo_time created);
int eng_exec_stats(credo_stmt *st);
/* Row callback of credo_list_erasures (SHOW ERASURES; arg: the statement). */
int eng_exec_erasure_row(const credo_erasure *e, void *arg);
int eng_exec_set_tz(credo_stmt *st);
int eng_exec_txn(credo_stmt *st);

/* ---------------------------------------------------- exec_write.c */

/* Runs a write statement in a statement scope (see exec_write.c). */
int eng_exec_write(credo_stmt *st);

/* SHOW SESSIONS and KILL SESSION (sessions.c). */
int eng_exec_sessions(credo_stmt *st);
int eng_exec_kill(credo_stmt *st);

#endif /* CREDO_ENG_EXEC_INT_H */
