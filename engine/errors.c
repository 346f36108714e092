/*
 * errors.c -- the names and messages of return codes, and the version.
 *
 * Owns: credo_strerror, credo_errname, credo_version.
 *
 * Invariants: every string comes from the one CREDO_ERRORS table of
 * credo.h (there is no second list to keep in step); all returned strings
 * are static and never NULL, so these functions are thread-safe.
 *
 * Does not: keep per-handle messages (credo_errmsg belongs to the handle
 * code).
 */
#include "credo.h"

const char *credo_strerror(int rc) {
  switch (rc) {
#define ERR_MSG_CASE(name, value, msg)                                         \
  case value:                                                                  \
    return msg;
    CREDO_ERRORS(ERR_MSG_CASE)
#undef ERR_MSG_CASE
  default:
    return "unknown code";
  }
}

const char *credo_errname(int rc) {
  switch (rc) {
    /* #name stringizes the argument unexpanded, so a name that is also a
     * macro elsewhere still reads as its own spelling. */
#define ERR_NAME_CASE(name, value, msg)                                        \
  case value:                                                                  \
    return #name;
    CREDO_ERRORS(ERR_NAME_CASE)
#undef ERR_NAME_CASE
  default:
    return "CREDO_UNKNOWN";
  }
}

const char *credo_version(void) {
  return CREDO_VERSION;
}
