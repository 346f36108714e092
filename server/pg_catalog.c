/*
 * pg_catalog.c -- placeholder replaced below.
 */
#include "pg.h"

int pg_catalog(credo *db, const char *q, size_t len, const pg_settings *s,
               pg_result *out, char *err, size_t errn) {
  (void)db;
  (void)q;
  (void)len;
  (void)s;
  (void)out;
  (void)err;
  (void)errn;
  return 0;
}
