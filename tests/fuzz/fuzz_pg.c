/*
 * fuzz_pg.c -- libFuzzer target for the PostgreSQL front end's decoders
 * (server/pg_proto.c, pg_auth.c, pg_sql.c): the input is a startup packet
 * followed by frontend messages, exactly as a client's bytes arrive.
 * Each message goes through the decoder of its type (Parse, Bind and its
 * values, Describe/Close, Execute, Query through the statement splitter,
 * the $n rewriter and the driver-statement recogniser, SASL through the
 * SCRAM exchange against a mock verifier). Crashes, overreads (ASan) and
 * undefined behaviour (UBSan) are findings; rejections are expected.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

static void query(const char *q) {
  const char *start, *next, *at = q;
  size_t len;
  char err[200];
  pg_sql sql;
  pg_settings set = {.tz = 0};
  while ((len = pg_sql_next(at, &start, &next)) > 0) {
    pg_compat_out c;
    (void)pg_compat(start, len, &set, &c, err, sizeof err);
    pg_compat_free(&c);
    at = next;
  }
  if (pg_sql_rewrite(q, &sql, err, sizeof err) == CREDO_OK)
    pg_sql_free(&sql);
}

static void message(char type, const uint8_t *b, size_t n, pg_scram *s) {
  const char *why, *name;
  char what, out[128];
  int32_t max;
  pg_parse_msg pm;
  pg_bind_msg bm;
  pg_value v;
  char *text;
  switch (type) {
  case 'P':
    if (pg_dec_parse(b, n, &pm, &why) == CREDO_OK)
      query(pm.query);
    break;
  case 'B':
    if (pg_dec_bind(b, n, &bm, &why) == CREDO_OK) {
      pg_rd r = {bm.params, bm.params_len, 0, 0};
      for (int i = 0; i < bm.nparams; i++)
        if (pg_bind_next(&r, &v) != CREDO_OK)
          abort(); /* the decoder promised they are all there */
      for (int i = 0; i < bm.nres; i++)
        (void)pg_fmt_at(bm.res, bm.nres, i);
    }
    break;
  case 'D':
  case 'C':
    (void)pg_dec_target(b, n, &what, &name, &why);
    break;
  case 'E':
    (void)pg_dec_execute(b, n, &name, &max, &why);
    break;
  case 'Q':
    if (n > 0 && b[n - 1] == '\0')
      query((const char *)b);
    break;
  case 'p':
    if (pg_scram_first(s, (const char *)b, n, &why) != CREDO_OK)
      (void)pg_scram_final(s, (const char *)b, n, out, sizeof out, &why);
    break;
  default:
    text = malloc(n + 1);
    if (text) {
      memcpy(text, b, n);
      text[n] = '\0';
      query(text);
      free(text);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pg_startup su;
  pg_scram s;
  const char *why;
  long len = pg_startup_len(data, size);
  size_t off;
  if (len <= 0 || (size_t)len > size)
    return 0;
  if (pg_startup_parse(data, (size_t)len, &su, &why) == CREDO_OK &&
      su.kind == PG_SU_STARTUP)
    (void)pg_startup_get(&su, "user");
  pg_scram_mock(&s, "fuzz");
  for (off = (size_t)len; off < size;) {
    char type;
    size_t total;
    if (pg_msg_header(data + off, size - off, 1u << 20, &type, &total) != 1 ||
        total > size - off)
      break;
    message(type, data + off + 5, total - 5, &s);
    off += total;
  }
  pg_scram_wipe(&s);
  return 0;
}
