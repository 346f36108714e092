/*
 * cl_remote.c -- opening and closing a remote handle: credo_open on a
 * credo:// or credos:// URI and credo_close of the handle it made.
 *
 * Invariants: a remote handle is made by the handle layer
 * (be_handle_new) on cl_remote_backend, with its cl_conn as context; its
 * actor and role are the ones the server confirmed in AUTH_OK; when the
 * connection cannot be made, credo_open still returns the handle (no
 * context) carrying the reason, as the API promises for failures after
 * allocation, every call on it but credo_close fails with CREDO_CONN, and
 * credo_close frees it; the password is never copied into the handle.
 *
 * Does not: run statements (cl_rstmt.c) or speak frames (cl_conn.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_remote.h"

/* Closes the statements still open on the connection (credo_close
 * finalizes a handle's statements). */
static void close_stmts(credo *db) {
  cl_conn *c = be_ctx(db);
  while (c->stmts)
    cl_remote_finalize((credo_stmt *)c->stmts);
}

int cl_remote_open(const char *uri, const credo_options *opt, credo **out) {
  const char *pw =
      opt && opt->password ? opt->password : getenv("CREDO_PASSWORD");
  char err[512];
  cl_uri u;
  cl_conn *c = NULL;
  credo *db = be_handle_new(&cl_remote_backend, NULL);
  int rc;
  *out = db;
  if (!db)
    return CREDO_NOMEM;
  be_set_session(db, "", CREDO_ROLE_PUBLIC);
  if ((rc = cl_uri_parse(uri, &u, err, sizeof err)) != CREDO_OK)
    goto fail;
  be_set_session(db, u.user, CREDO_ROLE_PUBLIC);
  if (!pw) {
    rc = CREDO_AUTH;
    snprintf(err, sizeof err,
             "no password for %s: set CREDO_PASSWORD (or "
             "credo_options.password)",
             u.user);
    goto fail;
  }
  if (!(c = calloc(1, sizeof *c))) {
    rc = CREDO_NOMEM;
    snprintf(err, sizeof err, "out of memory");
    goto fail;
  }
  if ((rc = cl_conn_open(c, &u, pw, err, sizeof err)) != CREDO_OK)
    goto fail;
  if ((rc = cl_conn_wake_pipe(c)) != CREDO_OK) {
    snprintf(err, sizeof err, "cannot make a pipe for credo_interrupt");
    goto fail;
  }
  be_set_session(db, u.user, (credo_role)c->role);
  be_set_ctx(db, c);
  be_set_wake_fd(db, c->wake_wr);
  /* an empty QUERY answers DONE with the session's zone (the store's):
   * times print in it from the first row on (docs/rules.md, rule 6) */
  if ((rc = cl_remote_exec(db, "", NULL, NULL)) != CREDO_OK)
    return rc; /* the message is on db; the caller closes it */
  return CREDO_OK;
fail:
  if (c)
    cl_conn_close(c);
  free(c);
  be_err(db, rc, 0, 0, "%s", err);
  return rc;
}

void cl_remote_close(credo *db) {
  cl_conn *c = be_ctx(db);
  if (c) {
    be_set_wake_fd(db, -1);
    close_stmts(db);
    cl_conn_close(c);
    free(c);
  }
  be_handle_free(db);
}
