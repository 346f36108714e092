/*
 * open.c -- credo_open: picks the backend from the path. A credo:// or
 * credos:// URI goes to the remote backend (the client library), anything
 * else is a directory for the local backend (the engine).
 *
 * Built twice: into libcredo with the remote backend, and with
 * CREDO_NO_REMOTE into libcredo-embedded, which has no remote backend (and
 * so needs neither the wire codec nor OpenSSL): there a URI gives
 * CREDO_NOTSUP. Nothing else differs between the two libraries.
 *
 * Does not: parse the URI (the remote backend does) or touch the store.
 */
#include <string.h>

#include "backend.h"

#ifdef CREDO_NO_REMOTE
/* The handle credo_open returns for a URI here: it carries the reason and
 * every call on it is CREDO_NOTSUP. */
static void no_remote_close(credo *db) {
  be_handle_free(db);
}

static const credo_backend no_remote = {
    .name = "remote (not in libcredo-embedded)",
    .close = no_remote_close,
};
#endif

static int is_uri(const char *path) {
  return strncmp(path, "credo://", 8) == 0 ||
         strncmp(path, "credos://", 9) == 0;
}

int credo_open(const char *path, const credo_options *opt, credo **out) {
  if (out && path && is_uri(path)) {
#ifdef CREDO_NO_REMOTE
    if (!(*out = be_handle_new(&no_remote, NULL)))
      return CREDO_NOMEM;
    return be_err(*out, CREDO_NOTSUP, 0, 0,
                  "%.200s: remote stores need libcredo; libcredo-embedded "
                  "opens directories only",
                  path);
#else
    return cl_remote_backend.open(path, opt, out);
#endif
  }
  return eng_local_backend.open(path, opt, out);
}
