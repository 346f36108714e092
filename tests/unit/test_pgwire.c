/*
 * test_pgwire.c -- the PostgreSQL front end's pure pieces (server/pg_proto.c,
 * pg_auth.c, pg_sql.c, pg_types.c, linked into this test) and the SCRAM
 * verifier the engine keeps for it (credo_user_scram, engine/users.c):
 * startup packets and message decoders with malformed inputs, the whole
 * SCRAM-SHA-256 exchange against a client computed here (RFC 5802), the
 * $n rewriter and statement splitter, driver statements, every value type
 * in text and binary, Bind parameters in both formats, and users written
 * before the verifier existed (record format 1).
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pg.h"
#include "stor.h"
#include "th.h"

/* ------------------------------------------------------------ helpers */

static size_t put32(uint8_t *p, int32_t v) {
  p[0] = (uint8_t)((uint32_t)v >> 24);
  p[1] = (uint8_t)((uint32_t)v >> 16);
  p[2] = (uint8_t)((uint32_t)v >> 8);
  p[3] = (uint8_t)v;
  return 4;
}

static credo *store(char **dir) {
  credo *db = NULL;
  *dir = th_tmpdir("pgwire");
  assert_int_equal(credo_open(*dir, NULL, &db), CREDO_OK);
  return db;
}

/* ------------------------------------------------------------ startup */

static void test_startup(void **state) {
  uint8_t p[128];
  size_t n = 4;
  pg_startup su;
  const char *why = NULL;
  (void)state;
  n += put32(p + n, PG_PROTO_3);
  memcpy(p + n, "user\0ana\0database\0credo\0", 25); /* + final NUL */
  n += 25;
  put32(p, (int32_t)n);
  assert_int_equal(pg_startup_len(p, n), (long)n);
  assert_int_equal(pg_startup_parse(p, n, &su, &why), CREDO_OK);
  assert_int_equal(su.kind, PG_SU_STARTUP);
  assert_string_equal(pg_startup_get(&su, "user"), "ana");
  assert_string_equal(pg_startup_get(&su, "database"), "credo");
  assert_null(pg_startup_get(&su, "options"));
  /* every truncation is malformed, never read past the end */
  for (size_t k = 8; k < n; k++)
    assert_int_equal(pg_startup_parse(p, k, &su, &why), CREDO_PROTOCOL);
  /* SSLRequest, CancelRequest, protocol 2 */
  put32(p, 8);
  put32(p + 4, PG_SSL_REQUEST);
  assert_int_equal(pg_startup_parse(p, 8, &su, &why), CREDO_OK);
  assert_int_equal(su.kind, PG_SU_SSL);
  put32(p, 16);
  put32(p + 4, PG_CANCEL_REQUEST);
  put32(p + 8, 42);
  put32(p + 12, -7);
  assert_int_equal(pg_startup_parse(p, 16, &su, &why), CREDO_OK);
  assert_int_equal(su.kind, PG_SU_CANCEL);
  assert_int_equal(su.cancel_pid, 42);
  assert_int_equal(su.cancel_key, -7);
  put32(p + 4, 2 << 16);
  assert_int_equal(pg_startup_parse(p, 16, &su, &why), CREDO_PROTOCOL);
  put32(p, 4);
  assert_int_equal(pg_startup_len(p, 4), -1);
  put32(p, PG_STARTUP_MAX + 1);
  assert_int_equal(pg_startup_len(p, 4), -1);
  assert_int_equal(pg_startup_len(p, 3), 0);
}

static void test_messages(void **state) {
  uint8_t p[256];
  size_t n = 0, total;
  char type;
  const char *why, *name;
  pg_parse_msg pm;
  pg_bind_msg bm;
  pg_value v;
  int32_t max;
  (void)state;
  p[0] = 'Q';
  put32(p + 1, 3);
  assert_int_equal(pg_msg_header(p, 5, 1 << 20, &type, &total), CREDO_PROTOCOL);
  put32(p + 1, 1 << 21);
  assert_int_equal(pg_msg_header(p, 5, 1 << 20, &type, &total), CREDO_LIMIT);
  assert_int_equal(pg_msg_header(p, 4, 1 << 20, &type, &total), 0);
  /* Parse "s1", 2 params */
  memcpy(p, "s1\0SELECT $1\0", 13);
  n = 13;
  p[n++] = 0;
  p[n++] = 2;
  n += put32(p + n, PG_OID_INT8);
  n += put32(p + n, 0);
  assert_int_equal(pg_dec_parse(p, n, &pm, &why), CREDO_OK);
  assert_string_equal(pm.name, "s1");
  assert_int_equal(pm.nparams, 2);
  for (size_t k = 0; k < n; k++)
    assert_int_equal(pg_dec_parse(p, k, &pm, &why), CREDO_PROTOCOL);
  /* Bind: portal "", stmt "s1", 1 format (binary), 2 values, 0 results */
  n = 0;
  memcpy(p, "\0s1\0", 4);
  n = 4;
  p[n++] = 0, p[n++] = 1, p[n++] = 0, p[n++] = 1;
  p[n++] = 0, p[n++] = 2;
  n += put32(p + n, 8);
  memset(p + n, 0, 8);
  p[n + 7] = 5;
  n += 8;
  n += put32(p + n, -1);
  p[n++] = 0, p[n++] = 0;
  assert_int_equal(pg_dec_bind(p, n, &bm, &why), CREDO_OK);
  assert_int_equal(bm.nparams, 2);
  assert_int_equal(pg_fmt_at(bm.fmts, bm.nfmt, 1), 1);
  {
    pg_rd r = {bm.params, bm.params_len, 0, 0};
    assert_int_equal(pg_bind_next(&r, &v), CREDO_OK);
    assert_int_equal(v.len, 8);
    assert_int_equal(pg_bind_next(&r, &v), CREDO_OK);
    assert_int_equal(v.len, -1);
  }
  for (size_t k = 0; k < n; k++)
    assert_int_equal(pg_dec_bind(p, k, &bm, &why), CREDO_PROTOCOL);
  p[n - 1] = 1; /* a result-format count that lies */
  assert_int_equal(pg_dec_bind(p, n, &bm, &why), CREDO_PROTOCOL);
  /* Describe / Close / Execute */
  assert_int_equal(
      pg_dec_target((const uint8_t *)"Sx\0", 3, &type, &name, &why), CREDO_OK);
  assert_string_equal(name, "x");
  assert_int_equal(
      pg_dec_target((const uint8_t *)"Zx\0", 3, &type, &name, &why),
      CREDO_PROTOCOL);
  memcpy(p, "\0\0\0\0\x0a", 5);
  assert_int_equal(pg_dec_execute(p, 5, &name, &max, &why), CREDO_OK);
  assert_int_equal(max, 10);
  assert_int_equal(pg_dec_execute(p, 4, &name, &max, &why), CREDO_PROTOCOL);
}

/* --------------------------------------------------------------- SCRAM */

/* The client side of RFC 5802 for `pw`: the client-final-message for
 * server-first `sf` after client-first-bare `cfb`. */
static void client_final(const char *pw, const char *cfb, const char *sf,
                         char *out, size_t n, uint8_t server_sig[32]) {
  char nonce[256], salt64[64], am[1024], fw[300], proof64[64];
  uint8_t salt[64], salted[32], ck[32], sk[32], stored[32], sig[32], p[32];
  unsigned len = 32;
  int iters = 0, sl;
  assert_int_equal(
      sscanf(sf, "r=%255[^,],s=%63[^,],i=%d", nonce, salt64, &iters), 3);
  sl =
      EVP_DecodeBlock(salt, (const unsigned char *)salt64, (int)strlen(salt64));
  sl -=
      (salt64[strlen(salt64) - 1] == '=') + (salt64[strlen(salt64) - 2] == '=');
  PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, sl, iters, EVP_sha256(), 32,
                    salted);
  HMAC(EVP_sha256(), salted, 32, (const uint8_t *)"Client Key", 10, ck, &len);
  HMAC(EVP_sha256(), salted, 32, (const uint8_t *)"Server Key", 10, sk, &len);
  SHA256(ck, 32, stored);
  snprintf(fw, sizeof fw, "c=biws,r=%s", nonce);
  snprintf(am, sizeof am, "%s,%s,%s", cfb, sf, fw);
  HMAC(EVP_sha256(), stored, 32, (uint8_t *)am, strlen(am), sig, &len);
  for (int i = 0; i < 32; i++)
    p[i] = ck[i] ^ sig[i];
  EVP_EncodeBlock((unsigned char *)proof64, p, 32);
  snprintf(out, n, "%s,p=%s", fw, proof64);
  HMAC(EVP_sha256(), sk, 32, (uint8_t *)am, strlen(am), server_sig, &len);
}

static void test_scram(void **state) {
  char *dir, final[400], out[128], expect[80];
  const char *why;
  credo *db = store(&dir), *pub = NULL;
  credo_scram_verifier v, v2;
  pg_scram s;
  uint8_t ssig[32];
  const char cf[] = "n,,n=,r=clientnonce123";
  (void)state;
  assert_int_equal(
      credo_exec(db, "CREATE USER ana ROLE analyst PASSWORD 'pa55-long-1';",
                 NULL, NULL),
      CREDO_OK);
  assert_int_equal(credo_user_scram(db, "ana", &v), CREDO_OK);
  assert_int_equal(v.iterations, 4096);
  assert_int_equal(v.role, CREDO_ROLE_ANALYST);
  assert_int_equal(credo_user_scram(db, "nobody", &v2), CREDO_NOTFOUND);

  /* the exchange, right password */
  memset(&s, 0, sizeof s);
  s.v = v;
  assert_int_equal(pg_scram_first(&s, cf, strlen(cf), &why), CREDO_OK);
  assert_non_null(strstr(s.server_first, "r=clientnonce123"));
  client_final("pa55-long-1", cf + 3, s.server_first, final, sizeof final,
               ssig);
  assert_int_equal(
      pg_scram_final(&s, final, strlen(final), out, sizeof out, &why),
      CREDO_OK);
  EVP_EncodeBlock((unsigned char *)expect + 2, ssig, 32);
  memcpy(expect, "v=", 2);
  assert_string_equal(out, expect);
  /* wrong password, mock user, channel binding, tampered nonce */
  memset(&s, 0, sizeof s);
  s.v = v;
  assert_int_equal(pg_scram_first(&s, cf, strlen(cf), &why), CREDO_OK);
  client_final("wrong", cf + 3, s.server_first, final, sizeof final, ssig);
  assert_int_equal(
      pg_scram_final(&s, final, strlen(final), out, sizeof out, &why),
      CREDO_AUTH);
  pg_scram_mock(&s, "nobody");
  assert_int_equal(pg_scram_first(&s, cf, strlen(cf), &why), CREDO_OK);
  client_final("pa55-long-1", cf + 3, s.server_first, final, sizeof final,
               ssig);
  assert_int_equal(
      pg_scram_final(&s, final, strlen(final), out, sizeof out, &why),
      CREDO_AUTH);
  assert_int_equal(
      pg_scram_first(&s, "p=tls-server-end-point,,n=,r=x", 30, &why),
      CREDO_NOTSUP);
  assert_int_equal(
      pg_scram_final(&s, "c=biws,r=other,p=AAAA", 21, out, sizeof out, &why),
      CREDO_PROTOCOL);

  /* a role change keeps the verifier, a new password replaces it */
  assert_int_equal(credo_exec(db, "ALTER USER ana ROLE recorder;", NULL, NULL),
                   CREDO_OK);
  assert_int_equal(credo_user_scram(db, "ana", &v2), CREDO_OK);
  assert_memory_equal(v2.stored_key, v.stored_key, 32);
  assert_int_equal(v2.role, CREDO_ROLE_RECORDER);
  assert_int_equal(
      credo_exec(db, "ALTER USER ana PASSWORD 'n3w-password';", NULL, NULL),
      CREDO_OK);
  assert_int_equal(credo_user_scram(db, "ana", &v2), CREDO_OK);
  assert_memory_not_equal(v2.salt, v.salt, sizeof v.salt);
  /* only admin reads verifiers */
  assert_int_equal(credo_dup(db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "p", CREDO_ROLE_ANALYST), CREDO_OK);
  assert_int_equal(credo_user_scram(pub, "ana", &v2), CREDO_DENIED);
  credo_close(pub);
  credo_close(db);
  th_rmdir(dir);
}

/* A user record written before the verifier (format 1) still logs in
 * natively, and credo_user_scram says what to do. */
static void test_old_user(void **state) {
  char *dir;
  credo *db = store(&dir), *h = NULL;
  credo_scram_verifier v;
  stor_env *env = NULL;
  stor_txn *txn = NULL;
  stor_key k;
  stor_val val;
  uint8_t rec[256];
  (void)state;
  assert_int_equal(
      credo_exec(db, "CREATE USER old ROLE analyst PASSWORD 'pw1-long-old';",
                 NULL, NULL),
      CREDO_OK);
  credo_close(db);
  assert_int_equal(stor_open(dir, NULL, &env, NULL, 0), CREDO_OK);
  assert_int_equal(stor_txn_begin(env, 1, &txn), CREDO_OK);
  stor_key_init(&k);
  stor_key_str(&k, "old");
  assert_int_equal(stor_get(txn, STOR_USERS, stor_key_val(&k), &val), CREDO_OK);
  assert_int_equal(((const uint8_t *)val.data)[0], 2);
  memcpy(rec, val.data, val.len < sizeof rec ? val.len : sizeof rec);
  rec[0] = 1; /* format 1: the hash and its NUL, nothing after */
  val.len = 10 + strlen((const char *)rec + 10) + 1;
  val.data = rec;
  assert_int_equal(stor_put(txn, STOR_USERS, stor_key_val(&k), val), CREDO_OK);
  assert_int_equal(stor_txn_commit(txn), CREDO_OK);
  stor_close(env);

  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  assert_int_equal(credo_user_scram(db, "old", &v), CREDO_NOTSUP);
  assert_non_null(strstr(credo_errmsg(db), "ALTER USER old PASSWORD"));
  assert_int_equal(credo_dup(db, &h), CREDO_OK);
  assert_int_equal(credo_authenticate(h, "old", "pw1-long-old"), CREDO_OK);
  credo_close(h);
  assert_int_equal(
      credo_exec(db, "ALTER USER old PASSWORD 'pw2-long-new';", NULL, NULL),
      CREDO_OK);
  assert_int_equal(credo_user_scram(db, "old", &v), CREDO_OK);
  credo_close(db);
  th_rmdir(dir);
}

/* ---------------------------------------------------------------- SQL */

static void test_sql(void **state) {
  pg_sql s;
  char err[200];
  const char *start, *next, *q;
  pg_settings set = {.tz = 0};
  pg_compat_out c;
  (void)state;
  assert_int_equal(
      pg_sql_rewrite(
          "SELECT id FROM events WHERE ref = '$1' AND id = $2::int8 "
          "AND subject = $1 AND occurred > '2025-01-01'::timestamptz "
          "AND data = '{}'::jsonb AND version = $3::int4",
          &s, err, sizeof err),
      CREDO_OK);
  /* casts CQL has stay (CQL converts), the others go (only hints) */
  assert_string_equal(
      s.text, "SELECT id FROM events WHERE ref = '$1' AND id = ?::int8 "
              "AND subject = ? AND occurred > '2025-01-01'::timestamptz "
              "AND data = '{}' AND version = ?");
  assert_int_equal(s.nq, 3);
  assert_int_equal(s.map[0], 1);
  assert_int_equal(s.hint[0], PG_OID_INT8);
  assert_int_equal(s.cast[0], 1);
  assert_int_equal(s.map[1], 0);
  assert_int_equal(s.hint[1], 0);
  assert_int_equal(s.hint[2], PG_OID_INT4);
  assert_int_equal(s.cast[2], 0);
  assert_int_equal(s.nparams, 3);
  pg_sql_free(&s);
  {
    /* typed bool and numeric parameters get CQL's cast */
    const int32_t types[3] = {PG_OID_BOOL, PG_OID_NUMERIC, PG_OID_INT8};
    assert_int_equal(pg_sql_rewrite("SELECT id FROM events WHERE public = $1 "
                                    "AND data.a = $2 AND ref = '?' AND id = $3",
                                    &s, err, sizeof err),
                     CREDO_OK);
    assert_int_equal(pg_sql_cast_params(&s, types, 3), CREDO_OK);
    assert_string_equal(s.text, "SELECT id FROM events WHERE public = ?::bool "
                                "AND data.a = ?::numeric AND ref = '?' AND "
                                "id = ?");
    assert_int_equal(s.cast[0] + s.cast[1] + s.cast[2], 2);
    assert_int_equal(s.hint[1], PG_OID_NUMERIC);
    pg_sql_free(&s);
  }
  assert_int_equal(pg_sql_rewrite("SELECT $0", &s, err, sizeof err),
                   CREDO_SYNTAX);

  q = "  SELECT 1; -- c;\n SELECT ';' ; ; RECORD t DATA {\"a;\": 1}";
  assert_int_equal(pg_sql_next(q, &start, &next), 8);
  assert_memory_equal(start, "SELECT 1", 8);
  assert_int_equal(pg_sql_next(next, &start, &next), 10);
  assert_memory_equal(start, "SELECT ';'", 10);
  assert_int_equal(pg_sql_next(next, &start, &next), 23);
  assert_int_equal(pg_sql_next(next, &start, &next), 0);

#define COMPAT(text) pg_compat(text, strlen(text), &set, &c, err, sizeof err)
  assert_int_equal(COMPAT("SET TIME ZONE '+08:00'"), CREDO_OK);
  assert_int_equal(c.kind, PG_C_SET);
  assert_int_equal(set.tz, 8 * 3600);
  assert_int_equal(COMPAT("set timezone to 'Mars/Olympus'"), CREDO_INVALID);
  assert_int_equal(COMPAT("SET client_encoding = 'LATIN1'"), CREDO_NOTSUP);
  assert_int_equal(COMPAT("SET extra_float_digits = 3"), CREDO_OK);
  assert_int_equal(COMPAT("SHOW server_version_num"), CREDO_OK);
  assert_int_equal(c.kind, PG_C_RESULT);
  assert_string_equal(c.res.cells[0], "150000");
  pg_compat_free(&c);
  assert_int_equal(COMPAT("SHOW nonsense"), CREDO_NOTFOUND);
  assert_int_equal(COMPAT("SHOW TYPES"), CREDO_OK);
  assert_int_equal(c.kind, PG_C_NONE);
  assert_int_equal(COMPAT("BEGIN ISOLATION LEVEL READ COMMITTED"), CREDO_OK);
  assert_int_equal(c.kind, PG_C_BEGIN);
  assert_int_equal(COMPAT("SET STORE TIME ZONE '+08:00'"), CREDO_OK);
  assert_int_equal(c.kind, PG_C_NONE);
  assert_int_equal(
      COMPAT(
          "COPY (SELECT id FROM events WHERE ref = ')') TO STDOUT CSV HEADER"),
      CREDO_OK);
  assert_int_equal(c.kind, PG_C_COPY);
  assert_int_equal(c.copy_csv, 1);
  assert_int_equal(c.copy_header, 1);
  assert_memory_equal(c.copy_query, "SELECT id FROM events WHERE ref = ')'",
                      c.copy_len);
  assert_int_equal(COMPAT("COPY events FROM STDIN"), CREDO_NOTSUP);
  assert_int_equal(COMPAT("SELECT current_setting('TimeZone')"), CREDO_OK);
  assert_string_equal(c.res.cells[0], "+08:00");
  pg_compat_free(&c);
  assert_int_equal(COMPAT("SELECT id FROM events"), CREDO_OK);
  assert_int_equal(c.kind, PG_C_NONE);
#undef COMPAT
}

/* -------------------------------------------------------------- types */

/* The DataRow field of column i in format fmt: its bytes in out. */
static int32_t field(credo_stmt *st, int i, int fmt, int tz, uint8_t *out) {
  pg_buf b = {0};
  int32_t len;
  pg_put_column(&b, st, i, fmt, tz, credo_column_decltype(st, i));
  len = (int32_t)((uint32_t)b.p[0] << 24 | (uint32_t)b.p[1] << 16 |
                  (uint32_t)b.p[2] << 8 | b.p[3]);
  if (len > 0)
    memcpy(out, b.p + 4, (size_t)len);
  assert_int_equal(b.n, 4 + (len > 0 ? (size_t)len : 0));
  pg_buf_free(&b);
  return len;
}

static void test_values(void **state) {
  char *dir;
  credo *db = store(&dir);
  credo_stmt *st = NULL;
  uint8_t out[256];
  const uint8_t t2000[8] = {0}, one[8] = {0, 0, 0, 0, 0, 0, 0, 1};
  (void)state;
  assert_int_equal(
      credo_exec(db,
                 "CREATE TYPE lic;"
                 "CREATE SUBJECT 's1' KIND other;"
                 "RECORD lic FOR 's1' OCCURRED '2000-01-01T00:00:00Z' "
                 "SOURCE 's' REF 'r' DATA {\"a\": 0.75};",
                 NULL, NULL),
      CREDO_OK);
  assert_int_equal(credo_prepare(db,
                                 "SELECT id, occurred, public_until, data, "
                                 "public, ref, data.a, reason, "
                                 "data.a::numeric FROM events",
                                 -1, &st, NULL),
                   CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_int_equal(field(st, 0, 0, 0, out), 1);
  assert_memory_equal(out, "1", 1);
  assert_int_equal(field(st, 0, 1, 0, out), 8);
  assert_memory_equal(out, one, 8);
  assert_int_equal(field(st, 1, 0, 8 * 3600, out), 22);
  assert_memory_equal(out, "2000-01-01 08:00:00+08", 22);
  assert_int_equal(field(st, 1, 1, 0, out), 8);
  assert_memory_equal(out, t2000, 8); /* PostgreSQL's epoch */
  assert_int_equal(field(st, 2, 0, 0, out), 8);
  assert_memory_equal(out, "infinity", 8);
  assert_int_equal(field(st, 2, 1, 0, out), 8);
  assert_int_equal(out[0], 0x7f); /* INT64_MAX */
  assert_int_equal(field(st, 3, 1, 0, out), 11);
  assert_memory_equal(out, "\x01{\"a\":0.75}", 11);
  assert_int_equal(field(st, 4, 0, 0, out), 1);
  assert_int_equal(field(st, 4, 1, 0, out), 1);
  assert_int_equal(field(st, 5, 1, 0, out), 1);
  assert_memory_equal(out, "r", 1);
  assert_int_equal(field(st, 7, 0, 0, out), -1); /* NULL */
  /* numeric 0.75: 1 digit, weight -1, sign +, dscale 2, [7500] */
  assert_int_equal(field(st, 8, 0, 0, out), 4);
  assert_memory_equal(out, "0.75", 4);
  assert_int_equal(field(st, 8, 1, 0, out), 10);
  assert_memory_equal(out, "\0\1\xff\xff\0\0\0\2\x1d\x4c", 10);
  credo_finalize(st);
  /* ?::numeric binds the exact text for CQL's cast */
  assert_int_equal(credo_prepare(db,
                                 "SELECT count(*) FROM events WHERE "
                                 "data.a::numeric = ?::numeric INCLUDE HIDDEN",
                                 -1, &st, NULL),
                   CREDO_OK);
  {
    char err[100];
    pg_value v = {4, (const uint8_t *)"0.75"};
    assert_int_equal(
        pg_bind_cast(st, 1, &v, 0, PG_OID_NUMERIC, 0, err, sizeof err),
        CREDO_OK);
    assert_int_equal(credo_step(st), CREDO_ROW);
    assert_int_equal(credo_column_int64(st, 0), 1);
  }
  credo_finalize(st);
  /* ?::bool binds "true" / "false" from either format */
  assert_int_equal(credo_prepare(db,
                                 "SELECT count(*) FROM events WHERE "
                                 "public = ?::bool INCLUDE HIDDEN",
                                 -1, &st, NULL),
                   CREDO_OK);
  {
    char err[100];
    pg_value v = {1, (const uint8_t *)"\1"};
    assert_int_equal(
        pg_bind_cast(st, 1, &v, 1, PG_OID_BOOL, 0, err, sizeof err), CREDO_OK);
    assert_int_equal(credo_step(st), CREDO_ROW);
    assert_int_equal(credo_column_int64(st, 0), 1);
    credo_reset(st);
    v = (pg_value){5, (const uint8_t *)"false"};
    assert_int_equal(
        pg_bind_cast(st, 1, &v, 0, PG_OID_BOOL, 0, err, sizeof err), CREDO_OK);
    assert_int_equal(credo_step(st), CREDO_ROW);
    assert_int_equal(credo_column_int64(st, 0), 0);
  }
  credo_finalize(st);

  /* parameters in every format */
  assert_int_equal(
      credo_prepare(db,
                    "SELECT count(*) FROM events WHERE id = ? AND "
                    "occurred = ? AND data.a = ? AND ref = ? INCLUDE HIDDEN",
                    -1, &st, NULL),
      CREDO_OK);
  {
    char err[200];
    uint8_t i4[4] = {0, 0, 0, 1}, f8[8],
            num[12] = {0, 2, 0xff, 0xff, 0, 0, 0, 2, 0x1d, 0x4c, 0, 0};
    union {
      double d;
      uint64_t u;
    } cv = {.d = 0.75};
    pg_value v = {4, i4};
    for (int k = 0; k < 8; k++)
      f8[k] = (uint8_t)(cv.u >> (56 - 8 * k));
    assert_int_equal(pg_bind_value(st, 1, &v, 1, PG_OID_INT4, 0, err, 200),
                     CREDO_OK);
    v = (pg_value){8, t2000};
    assert_int_equal(
        pg_bind_value(st, 2, &v, 1, PG_OID_TIMESTAMPTZ, 0, err, 200), CREDO_OK);
    v = (pg_value){8, f8};
    assert_int_equal(pg_bind_value(st, 3, &v, 1, PG_OID_FLOAT8, 0, err, 200),
                     CREDO_OK);
    v = (pg_value){1, (const uint8_t *)"r"};
    assert_int_equal(pg_bind_value(st, 4, &v, 0, 0, 0, err, 200), CREDO_OK);
    assert_int_equal(credo_step(st), CREDO_ROW);
    assert_int_equal(credo_column_int64(st, 0), 1);
    /* text: an untyped "1" is INT, "0.75" REAL, a time with +00 zone */
    credo_reset(st);
    v = (pg_value){1, (const uint8_t *)"1"};
    assert_int_equal(pg_bind_value(st, 1, &v, 0, 0, 0, err, 200), CREDO_OK);
    v = (pg_value){22, (const uint8_t *)"2000-01-01 00:00:00+00"};
    assert_int_equal(
        pg_bind_value(st, 2, &v, 0, PG_OID_TIMESTAMPTZ, 0, err, 200), CREDO_OK);
    v = (pg_value){4, (const uint8_t *)"0.75"};
    assert_int_equal(pg_bind_value(st, 3, &v, 0, 0, 0, err, 200), CREDO_OK);
    assert_int_equal(credo_step(st), CREDO_ROW);
    assert_int_equal(credo_column_int64(st, 0), 1);
    /* numeric binary 0.75 = digits [0, 7500] weight -1, dscale 2 */
    credo_reset(st);
    num[2] = 0xff, num[3] = 0xff; /* weight -1 */
    num[6] = 0, num[7] = 2;       /* dscale 2 */
    num[8] = 0x1d, num[9] = 0x4c; /* 7500 */
    num[0] = 0, num[1] = 1;       /* 1 digit */
    v = (pg_value){10, num};
    assert_int_equal(pg_bind_value(st, 3, &v, 1, PG_OID_NUMERIC, 0, err, 200),
                     CREDO_OK);
    assert_int_equal(credo_step(st), CREDO_ROW);
    assert_int_equal(credo_column_int64(st, 0), 1);
    /* wrong lengths and bad text are errors with a message */
    credo_reset(st);
    v = (pg_value){3, i4};
    assert_int_equal(pg_bind_value(st, 1, &v, 1, PG_OID_INT4, 0, err, 200),
                     CREDO_INVALID);
    assert_non_null(strstr(err, "int4"));
    v = (pg_value){3, (const uint8_t *)"abc"};
    assert_int_equal(pg_bind_value(st, 1, &v, 0, PG_OID_INT8, 0, err, 200),
                     CREDO_INVALID);
    assert_non_null(strstr(err, "invalid input syntax for type int8"));
  }
  credo_finalize(st);
  assert_string_equal(pg_sqlstate(CREDO_SYNTAX, ""), "42601");
  assert_string_equal(pg_sqlstate(CREDO_SEMANTIC, "unknown column \"x\""),
                      "42703");
  assert_string_equal(pg_sqlstate(CREDO_DENIED, ""), "42501");
  assert_string_equal(pg_sqlstate(CREDO_CANCELLED, ""), "57014");
  credo_close(db);
  th_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_startup), cmocka_unit_test(test_messages),
      cmocka_unit_test(test_scram),   cmocka_unit_test(test_old_user),
      cmocka_unit_test(test_sql),     cmocka_unit_test(test_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
