/*
 * th_store.h -- the store fixture the unit suites share: a fresh store in
 * a temporary directory with a settable clock, and CQL helpers that run a
 * statement and fail the test (with the statement and the handle's
 * message) when it does not answer as expected. Linked into every test
 * binary (tests/unit/th_*.c).
 *
 * Rows are compared as text: one line per row, each ending in '\n',
 * values joined by '|', NULL written "NULL".
 *
 * Does not: set up a suite's own types, subjects or events (each suite
 * passes its CQL), or hide a failure: every helper fails the test.
 */
#ifndef CREDO_TH_STORE_H
#define CREDO_TH_STORE_H

#include "th.h"

typedef struct th_fx {
  char *dir; /* the store's directory (th_tmpdir) */
  credo *db; /* open on dir, clock = th_clock_fn on clk */
  th_clock clk;
} th_fx;

/* Opens a fresh store in a new directory named after `tag`, its clock at
 * `now` (a time literal, th_t; NULL: the real clock, clk unused), then
 * runs `cql` (NULL: nothing). Fails the test on any error. Free with
 * th_fx_close. */
th_fx *th_fx_open(const char *tag, const char *now, const char *cql);
/* Closes the store, removes its directory, frees f. Accepts NULL. */
void th_fx_close(th_fx *f);
/* A cmocka teardown for a th_fx in *state. */
int th_fx_teardown(void **state);

/* Runs `sql` (any number of statements); the rows of all of them as text
 * (malloc'ed, "" for none). Fails the test unless it succeeds. */
char *th_rows(credo *db, const char *sql);
/* Runs `sql`; its answer as text whether it succeeds or not: the rows,
 * then, when it fails, "error <code>: <message>" (so that two ways of
 * answering compare, errors included). malloc'ed. */
char *th_answer(credo *db, const char *sql);
/* Runs `sql`, failing the test unless it succeeds. */
void th_ok(credo *db, const char *sql);
/* Runs `sql`, failing the test unless it succeeds with exactly `rows`. */
void th_expect(credo *db, const char *sql, const char *rows);
/* Runs `sql`, failing the test unless it fails with `code` and, when
 * `text` is not NULL, a message containing `text`. */
void th_fails(credo *db, const char *sql, int code, const char *text);

#endif
