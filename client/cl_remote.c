/*
 * cl_remote.c -- opening and closing a remote handle: credo_open on a
 * credo:// or credos:// URI and credo_close of the handle it made.
 *
 * Invariants: a remote handle has store == NULL and remote == its
 * cl_conn; its actor and role are the ones the server confirmed in
 * AUTH_OK; when the connection cannot be made, credo_open still returns
 * the allocated handle (remote == NULL) carrying the reason, as the API
 * promises for failures after allocation, and credo_close frees it; the
 * password is never copied into the handle.
 *
 * Does not: run statements (cl_rstmt.c) or speak frames (cl_conn.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_remote.h"
#include "eng.h"

/* Closes the statements still open on the connection (credo_close
 * finalizes a handle's statements). */
static void close_stmts(credo *db) {
  cl_conn *c = db->remote;
  while (c->stmts)
    cl_remote_finalize((credo_stmt *)c->stmts);
}

int cl_remote_open(const char *uri, const credo_options *opt, credo **out) {
  const char *pw =
      opt && opt->password ? opt->password : getenv("CREDO_PASSWORD");
  char err[512];
  cl_uri u;
  cl_conn *c = NULL;
  credo *db = calloc(1, sizeof *db);
  int rc;
  *out = db;
  if (!db)
    return CREDO_NOMEM;
  db->role = CREDO_ROLE_PUBLIC;
  if ((rc = cl_uri_parse(uri, &u, err, sizeof err)) != CREDO_OK)
    goto fail;
  snprintf(db->actor, sizeof db->actor, "%s", u.user);
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
  db->role = (credo_role)c->role;
  db->remote = c;
  /* an empty QUERY answers DONE with the session's zone (the store's):
   * times print in it from the first row on (docs/rules.md, rule 6) */
  if ((rc = cl_remote_exec(db, "", NULL, NULL)) != CREDO_OK)
    return rc; /* the message is on db; the caller closes it */
  return CREDO_OK;
fail:
  if (c)
    cl_conn_close(c);
  free(c);
  eng_err(db, rc, "%s", err);
  return rc;
}

void cl_remote_close(credo *db) {
  cl_conn *c = db->remote;
  close_stmts(db);
  cl_conn_close(c);
  free(c);
  free(db);
}

int cl_remote_notsup(credo *db, const char *what) {
  return eng_err(db, CREDO_NOTSUP,
                 "%s is not available on a remote store; use CQL "
                 "(credo_prepare / credo_exec)",
                 what);
}
