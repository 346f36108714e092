/*
 * test_frame.c -- the wire codec (client/cl_frame.c) against
 * docs/protocol.md: round trips of every frame type and value type, the
 * exact bytes of the document's worked example, and malformed inputs
 * (bad lengths, unknown types, truncation at every byte, oversized
 * frames, bad UTF-8, lying counts) that must give errors, never crashes.
 * Also the credo:// URI parser, and the server's handshake state machine
 * and failed-login backoff (server/srv_auth.c, linked into this test).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "cl_frame.h"
#include "cl_io.h"
#include "cl_remote.h"
#include "srv.h"

/* ------------------------------------------------------------ helpers */

/* Parses the one whole frame in w and returns its payload. */
static const uint8_t *only_frame(const cl_wbuf *w, int type, uint32_t req,
                                 size_t *n) {
  cl_hdr h;
  size_t total = 0;
  const char *why = NULL;
  assert_int_equal(
      cl_hdr_parse(w->p, w->n, CL_MAX_SERVER_FRAME, &h, &total, &why),
      CREDO_OK);
  assert_int_equal(total, w->n);
  assert_int_equal(h.type, type);
  assert_int_equal(h.req, req);
  *n = w->n - CL_HDR;
  return w->p + CL_HDR;
}

static void hex_to(const char *hex, uint8_t *out, size_t *n) {
  size_t k = 0;
  for (const char *p = hex; *p;) {
    unsigned v;
    if (*p == ' ' || *p == '|') {
      p++;
      continue;
    }
    assert_int_equal(sscanf(p, "%2x", &v), 1);
    out[k++] = (uint8_t)v;
    p += 2;
  }
  *n = k;
}

static void assert_bytes(const cl_wbuf *w, const char *hex) {
  uint8_t want[512];
  size_t n;
  hex_to(hex, want, &n);
  assert_int_equal(w->n, n);
  assert_memory_equal(w->p, want, n);
}

static int str_is(const char *p, uint32_t n, const char *want) {
  return n == strlen(want) && memcmp(p, want, n) == 0;
}

/* ------------------------------------------------------- round trips */

static void test_hello_ready_auth(void **state) {
  (void)state;
  cl_wbuf w = {0};
  size_t n;
  const uint8_t *p;
  const char *why;
  cl_hello h = {1, 3, "x", 1}, h2;
  cl_ready r = {1, 4096, "srv", 3}, r2;
  cl_auth a = {"alice", "pä", 5, 3}, a2;
  cl_auth_ok k = {"alice", 5, CREDO_ROLE_REPAIRER, 77}, k2;

  cl_enc_hello(&w, 9, &h);
  p = only_frame(&w, CL_F_HELLO, 9, &n);
  assert_int_equal(cl_dec_hello(p, n, &h2, &why), CREDO_OK);
  assert_int_equal(h2.min_version, 1);
  assert_int_equal(h2.max_version, 3);
  assert_true(str_is(h2.client, h2.client_len, "x"));
  w.n = 0;
  cl_enc_ready(&w, 9, &r);
  p = only_frame(&w, CL_F_READY, 9, &n);
  assert_int_equal(cl_dec_ready(p, n, &r2, &why), CREDO_OK);
  assert_int_equal(r2.max_frame, 4096);
  assert_true(str_is(r2.server, r2.server_len, "srv"));
  w.n = 0;
  cl_enc_auth(&w, 10, &a);
  p = only_frame(&w, CL_F_AUTH, 10, &n);
  assert_int_equal(cl_dec_auth(p, n, &a2, &why), CREDO_OK);
  assert_true(str_is(a2.password, a2.password_len, "pä"));
  w.n = 0;
  cl_enc_auth_ok(&w, 10, &k);
  p = only_frame(&w, CL_F_AUTH_OK, 10, &n);
  assert_int_equal(cl_dec_auth_ok(p, n, &k2, &why), CREDO_OK);
  assert_int_equal(k2.role, CREDO_ROLE_REPAIRER);
  assert_int_equal(k2.conn, 77);
  cl_wbuf_free(&w);
}

/* Version 2's PREPARED carries the parameter names after the columns; a
 * version-1 frame (params NULL) ends after them and decodes without. */
static void test_prepared_param_names(void **state) {
  (void)state;
  cl_wbuf w = {0};
  size_t n, n1;
  const uint8_t *p;
  const char *why;
  cl_coldesc cols[1] = {{"id", 2, CREDO_T_INT}}, got[1];
  cl_pname names[2] = {{":subj", 5}, {"", 0}}, gotn[2];
  cl_prepared m = {7, 40, 2, 1, cols, names, 0, 0}, m2 = {0};

  cl_enc_prepared(&w, 9, &m);
  p = only_frame(&w, CL_F_PREPARED, 9, &n);
  m2.cols = got;
  assert_int_equal(cl_dec_prepared(p, n, &m2, 1, &why), CREDO_LIMIT);
  assert_int_equal(m2.nparams, 2); /* room for 2 names needed */
  m2.params = gotn;
  m2.pcap = 2;
  assert_int_equal(cl_dec_prepared(p, n, &m2, 1, &why), CREDO_OK);
  assert_int_equal(m2.has_names, 1);
  assert_true(str_is(gotn[0].name, gotn[0].name_len, ":subj"));
  assert_int_equal(gotn[1].name_len, 0);
  assert_true(str_is(got[0].name, got[0].name_len, "id"));
  /* the frame of version 1: (4 + 5) + (4 + 0) bytes shorter, no names */
  w.n = 0;
  m.params = NULL;
  cl_enc_prepared(&w, 9, &m);
  p = only_frame(&w, CL_F_PREPARED, 9, &n1);
  assert_int_equal(n1, n - 13);
  memset(&m2, 0, sizeof m2);
  m2.cols = got;
  assert_int_equal(cl_dec_prepared(p, n1, &m2, 1, &why), CREDO_OK);
  assert_int_equal(m2.has_names, 0);
  assert_int_equal(m2.nparams, 2);
  /* a name cut short is malformed, not read past the frame */
  w.n = 0;
  m.params = names;
  cl_enc_prepared(&w, 9, &m);
  p = only_frame(&w, CL_F_PREPARED, 9, &n);
  m2.params = gotn;
  m2.pcap = 2;
  assert_int_equal(cl_dec_prepared(p, n - 3, &m2, 1, &why), CREDO_PROTOCOL);
  cl_wbuf_free(&w);
}

static void test_sql_prepared_columns(void **state) {
  (void)state;
  cl_wbuf w = {0};
  size_t n;
  const uint8_t *p;
  const char *why;
  cl_sql q = {-28800, "SELECT 1", 8}, q2;
  cl_coldesc cols[2] = {{"id", 2, CREDO_T_INT}, {"名称", 6, CREDO_T_TEXT}};
  cl_coldesc got[2];
  cl_prepared m = {5, 8, 2, 2, cols, NULL, 0, 0}, m2 = {0};
  uint16_t nc;

  for (int type = CL_F_PREPARE; type <= CL_F_QUERY; type += 2) {
    w.n = 0;
    cl_enc_sql(&w, type, 3, &q);
    p = only_frame(&w, type, 3, &n);
    assert_int_equal(cl_dec_sql(p, n, &q2, &why), CREDO_OK);
    assert_int_equal(q2.tz, -28800);
    assert_true(str_is(q2.sql, q2.sql_len, "SELECT 1"));
  }
  w.n = 0;
  cl_enc_prepared(&w, 4, &m);
  p = only_frame(&w, CL_F_PREPARED, 4, &n);
  assert_int_equal(cl_dec_prepared(p, n, &m2, 0, &why), CREDO_LIMIT);
  assert_int_equal(m2.ncols, 2); /* tells the caller how many to allocate */
  m2.cols = got;
  assert_int_equal(cl_dec_prepared(p, n, &m2, 2, &why), CREDO_OK);
  assert_int_equal(m2.stmt, 5);
  assert_int_equal(m2.tail, 8);
  assert_int_equal(m2.nparams, 2);
  assert_true(str_is(got[1].name, got[1].name_len, "名称"));
  assert_int_equal(got[1].type, CREDO_T_TEXT);
  w.n = 0;
  cl_enc_columns(&w, 4, 2, cols);
  p = only_frame(&w, CL_F_COLUMNS, 4, &n);
  assert_int_equal(cl_dec_columns(p, n, &nc, got, 2, &why), CREDO_OK);
  assert_int_equal(nc, 2);
  assert_int_equal(got[0].type, CREDO_T_INT);
  cl_wbuf_free(&w);
}

/* Every value type, with edge values, through EXECUTE and ROWS. */
static void test_values(void **state) {
  (void)state;
  cl_value v[] = {
      {.t = CREDO_T_NULL},
      {.t = CREDO_T_INT, .u.i = INT64_MIN},
      {.t = CREDO_T_INT, .u.i = INT64_MAX},
      {.t = CREDO_T_REAL, .u.r = -0.5},
      {.t = CREDO_T_REAL, .u.r = 1e308},
      {.t = CREDO_T_TEXT, .u.s = {"厦市监罚〔2025〕12号", 0}},
      {.t = CREDO_T_TEXT, .u.s = {"", 0}},
      {.t = CREDO_T_BOOL, .u.i = 1},
      {.t = CREDO_T_BOOL, .u.i = 0},
      {.t = CREDO_T_TIME, .u.i = CREDO_TIME_OPEN},
      {.t = CREDO_T_TIME, .u.i = -1},
      {.t = CREDO_T_JSON, .u.s = {"{\"a\":[1,2]}", 0}},
  };
  const size_t nv = sizeof v / sizeof v[0];
  cl_value got[16];
  cl_execute e = {7, 3600, (uint16_t)nv, v}, e2 = {0};
  cl_wbuf w = {0};
  size_t n, at;
  const uint8_t *p;
  const char *why;
  cl_rd rd;
  uint16_t nc;
  uint32_t nr;

  for (size_t i = 0; i < nv; i++)
    if (v[i].t == CREDO_T_TEXT || v[i].t == CREDO_T_JSON)
      v[i].u.s.n = (uint32_t)strlen(v[i].u.s.p);
  cl_enc_execute(&w, 1, &e);
  p = only_frame(&w, CL_F_EXECUTE, 1, &n);
  e2.params = got;
  assert_int_equal(cl_dec_execute(p, n, &e2, 16, &why), CREDO_OK);
  assert_int_equal(e2.nparams, nv);
  assert_int_equal(e2.tz, 3600);
  for (size_t i = 0; i < nv; i++) {
    assert_int_equal(got[i].t, v[i].t);
    if (v[i].t == CREDO_T_REAL)
      assert_true(got[i].u.r == v[i].u.r);
    else if (v[i].t == CREDO_T_TEXT || v[i].t == CREDO_T_JSON)
      assert_true(str_is(got[i].u.s.p, got[i].u.s.n, v[i].u.s.p));
    else if (v[i].t != CREDO_T_NULL)
      assert_true(got[i].u.i == v[i].u.i);
  }
  /* the same values as two rows of 6 columns */
  w.n = 0;
  cl_rows_begin(&w, 2, 6, &at);
  for (size_t i = 0; i < nv; i++)
    cl_wr_value(&w, &v[i]);
  cl_rows_end(&w, at, 2);
  p = only_frame(&w, CL_F_ROWS, 2, &n);
  assert_int_equal(cl_dec_rows_begin(p, n, &rd, &nc, &nr, &why), CREDO_OK);
  assert_int_equal(nc, 6);
  assert_int_equal(nr, 2);
  for (size_t i = 0; i < nv; i++) {
    cl_rd_value(&rd, &got[i]);
    assert_int_equal(got[i].t, v[i].t);
  }
  assert_int_equal(cl_rd_end(&rd), CREDO_OK);
  cl_wbuf_free(&w);
}

/* DURATION (tag 8, docs/protocol.md section 3): i32 months then i64
 * microseconds, byte for byte; round trips in EXECUTE and ROWS; cut short
 * it is malformed. */
static void test_duration_value(void **state) {
  (void)state;
  cl_value v[] = {
      {.t = CL_T_DURATION, .u.d = {18, INT64_C(7776000000000)}},
      {.t = CL_T_DURATION, .u.d = {-1, -1}},
  };
  cl_value got[2];
  cl_execute e = {3, 0, 2, v}, e2 = {.params = got};
  cl_wbuf w = {0};
  size_t n, at;
  const uint8_t *p;
  const char *why;
  cl_rd rd;
  uint16_t nc;
  uint32_t nr;
  static const uint8_t cut[] = {CL_T_DURATION, 0, 0, 0, 18, 0, 0};

  cl_wr_value(&w, &v[0]);
  assert_bytes(&w, "08 | 00000012 | 000007127db7c000");
  w.n = 0;
  cl_wr_value(&w, &v[1]);
  assert_bytes(&w, "08 | ffffffff | ffffffffffffffff");
  w.n = 0;
  cl_enc_execute(&w, 4, &e);
  p = only_frame(&w, CL_F_EXECUTE, 4, &n);
  assert_int_equal(cl_dec_execute(p, n, &e2, 2, &why), CREDO_OK);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(got[i].t, CL_T_DURATION);
    assert_int_equal(got[i].u.d.months, v[i].u.d.months);
    assert_true(got[i].u.d.usec == v[i].u.d.usec);
  }
  w.n = 0;
  cl_rows_begin(&w, 5, 2, &at);
  cl_wr_value(&w, &v[0]);
  cl_wr_value(&w, &v[1]);
  cl_rows_end(&w, at, 1);
  p = only_frame(&w, CL_F_ROWS, 5, &n);
  assert_int_equal(cl_dec_rows_begin(p, n, &rd, &nc, &nr, &why), CREDO_OK);
  cl_rd_value(&rd, &got[0]);
  cl_rd_value(&rd, &got[1]);
  assert_int_equal(cl_rd_end(&rd), CREDO_OK);
  assert_int_equal(got[0].u.d.months, 18);
  assert_true(got[1].u.d.usec == -1);
  cl_rd_init(&rd, cut, sizeof cut);
  cl_rd_value(&rd, &got[0]);
  assert_int_not_equal(cl_rd_end(&rd), CREDO_OK);
  cl_wbuf_free(&w);
}

static void test_done_error_small(void **state) {
  (void)state;
  cl_wbuf w = {0};
  size_t n;
  const uint8_t *p;
  const char *why;
  cl_done d = {UINT64_MAX, 3, -3600, 1}, d2;
  cl_error e2;
  uint32_t v;

  cl_enc_done(&w, 5, &d);
  p = only_frame(&w, CL_F_DONE, 5, &n);
  assert_int_equal(cl_dec_done(p, n, &d2, &why), CREDO_OK);
  assert_true(d2.changes == UINT64_MAX);
  assert_int_equal(d2.tz, -3600);
  assert_int_equal(d2.in_txn, 1);
  w.n = 0;
  cl_enc_errorf(&w, 6, CREDO_SYNTAX, 2, 17, "syntax error near \"%s\"", "FORM");
  p = only_frame(&w, CL_F_ERROR, 6, &n);
  assert_int_equal(cl_dec_error(p, n, &e2, &why), CREDO_OK);
  assert_int_equal(e2.code, CREDO_SYNTAX);
  assert_int_equal(e2.line, 2);
  assert_int_equal(e2.column, 17);
  assert_true(str_is(e2.msg, e2.msg_len, "syntax error near \"FORM\""));
  assert_int_equal(e2.in_txn, 0);
  /* a request's tz is whole minutes */
  w.n = 0;
  cl_enc_sql(&w, CL_F_QUERY, 7, &(cl_sql){30, "x", 1});
  p = only_frame(&w, CL_F_QUERY, 7, &n);
  {
    cl_sql q;
    assert_int_equal(cl_dec_sql(p, n, &q, &why), CREDO_PROTOCOL);
    assert_non_null(strstr(why, "whole minutes"));
  }
  /* ERROR carries the in-transaction flag, last byte; only 0 or 1 */
  w.n = 0;
  cl_enc_errorf_txn(&w, 6, CREDO_LIMIT, 1, 0, 0, "stopped");
  p = only_frame(&w, CL_F_ERROR, 6, &n);
  assert_int_equal(cl_dec_error(p, n, &e2, &why), CREDO_OK);
  assert_int_equal(e2.in_txn, 1);
  assert_int_equal(p[n - 1], 1);
  w.p[w.n - 1] = 2;
  assert_int_equal(cl_dec_error(p, n, &e2, &why), CREDO_PROTOCOL);
  for (int t = CL_F_CLOSE; t <= CL_F_CANCEL; t++) {
    w.n = 0;
    cl_enc_u32(&w, t, 8, 42);
    p = only_frame(&w, t, 8, &n);
    assert_int_equal(cl_dec_u32(p, n, &v, &why), CREDO_OK);
    assert_int_equal(v, 42);
  }
  int empties[] = {CL_F_PING, CL_F_BYE, CL_F_OK};
  for (int i = 0; i < 3; i++) {
    w.n = 0;
    cl_enc_empty(&w, empties[i], 9);
    p = only_frame(&w, empties[i], 9, &n);
    assert_int_equal(cl_dec_empty(p, n, &why), CREDO_OK);
  }
  cl_wbuf_free(&w);
}

/* BACKUP_DATA and BACKUP_END byte for byte (docs/protocol.md), and the
 * chunk sizes a receiver refuses. */
static void test_backup_frames(void **state) {
  (void)state;
  cl_wbuf w = {0};
  cl_bdata d = {0x0102030405060708ull, 4096, (const uint8_t *)"xyz", 3}, d2;
  cl_bend e = {3, {0}}, e2;
  const uint8_t *p;
  const char *why;
  size_t n;

  for (int i = 0; i < 16; i++)
    e.xxh3_128[i] = (uint8_t)(0xA0 + i);
  cl_enc_empty(&w, CL_F_BACKUP, 7);
  assert_bytes(&w, "00000006 0a 00 00000007");
  w.n = 0;
  cl_enc_bdata(&w, 7, &d);
  assert_bytes(&w, "0000001d 89 00 00000007 0102030405060708 0000000000001000"
                   " 00000003 78797a");
  p = only_frame(&w, CL_F_BACKUP_DATA, 7, &n);
  assert_int_equal(cl_dec_bdata(p, n, &d2, &why), CREDO_OK);
  assert_true(d2.offset == d.offset && d2.estimate == 4096 && d2.n == 3);
  assert_memory_equal(d2.data, "xyz", 3);
  w.n = 0;
  cl_enc_bend(&w, 7, &e);
  assert_bytes(&w, "0000001e 8a 00 00000007 0000000000000003"
                   " a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  p = only_frame(&w, CL_F_BACKUP_END, 7, &n);
  assert_int_equal(cl_dec_bend(p, n, &e2, &why), CREDO_OK);
  assert_true(e2.size == 3);
  assert_memory_equal(e2.xxh3_128, e.xxh3_128, 16);
  w.n = 0; /* an empty chunk is malformed */
  cl_enc_bdata(&w, 7, &(cl_bdata){0, 0, (const uint8_t *)"", 0});
  p = only_frame(&w, CL_F_BACKUP_DATA, 7, &n);
  assert_int_equal(cl_dec_bdata(p, n, &d2, &why), CREDO_PROTOCOL);
  assert_string_equal(why, "backup chunk size out of range");
  uint8_t big[20] = {0}; /* a chunk claiming more than 1 MiB */
  big[16] = 0x00, big[17] = 0x10, big[18] = 0x00, big[19] = 0x01;
  assert_int_equal(cl_dec_bdata(big, sizeof big, &d2, &why), CREDO_PROTOCOL);
  assert_string_equal(cl_ftype_name(CL_F_BACKUP), "BACKUP");
  assert_int_equal(cl_ftype_dir(CL_F_BACKUP), 1);
  assert_int_equal(cl_ftype_dir(CL_F_BACKUP_END), 2);
  cl_wbuf_free(&w);
}

/* An error message is always a valid str, even cut inside a character. */
static void test_error_message_clipped(void **state) {
  (void)state;
  char big[1500];
  cl_wbuf w = {0};
  cl_error e;
  size_t n;
  const uint8_t *p;
  const char *why;
  for (size_t i = 0; i + 3 <= sizeof big - 1; i += 3)
    memcpy(big + i, "名", 3);
  big[sizeof big - 1] = '\0';
  cl_enc_errorf(&w, 1, CREDO_ERROR, 0, 0, "x%s", big);
  p = only_frame(&w, CL_F_ERROR, 1, &n);
  assert_int_equal(cl_dec_error(p, n, &e, &why), CREDO_OK);
  assert_true(e.msg_len < 1024);
  cl_wbuf_free(&w);
}

/* -------------------------------------------- the document's example */

static void test_worked_example(void **state) {
  (void)state;
  cl_wbuf w = {0};
  size_t at;
  cl_hello h = {1, 1, "demo", 4};
  cl_ready r = {1, 0x100000, "credo-server 0.1.0", 18};
  cl_auth a = {"alice", "alice-pass", 5, 10};
  cl_auth_ok k = {"alice", 5, 1, 7};
  cl_sql q = {0, "SELECT count(*) AS n FROM types;", 32};
  cl_coldesc cn = {"n", 1, CREDO_T_INT}, cx = {"x", 1, CREDO_T_NULL};
  cl_value two = {.t = CREDO_T_INT, .u.i = 2};
  cl_value hi = {.t = CREDO_T_TEXT, .u.s = {"hi", 2}};
  cl_done d = {0, 1, 0, 0};
  cl_sql pq = {0, "SELECT ? AS x FROM types LIMIT 1", 32};
  cl_prepared pm = {1, 32, 1, 1, &cx, NULL, 0, 0};
  cl_execute ex = {1, 0, 1, &hi};

  cl_enc_hello(&w, 1, &h);
  assert_bytes(&w, "00000016 | 01 | 00 | 00000001 | 4352444f | 0001 | 0001 "
                   "| 00000004 64656d6f");
  w.n = 0;
  cl_enc_ready(&w, 1, &r);
  assert_bytes(&w, "00000022 | 81 | 00 | 00000001 | 0001 | 00100000 | "
                   "00000012 63726564 6f2d7365 72766572 20302e31 2e30");
  w.n = 0;
  cl_enc_auth(&w, 2, &a);
  assert_bytes(&w, "0000001d | 02 | 00 | 00000002 | 00000005 616c6963 65 | "
                   "0000000a 616c6963 652d7061 7373");
  w.n = 0;
  cl_enc_auth_ok(&w, 2, &k);
  assert_bytes(&w, "00000014 | 82 | 00 | 00000002 | 00000005 616c6963 65 | "
                   "01 | 00000007");
  w.n = 0;
  cl_enc_sql(&w, CL_F_QUERY, 3, &q);
  assert_bytes(&w, "0000002e | 05 | 00 | 00000003 | 00000000 | 00000020 "
                   "53454c45 43542063 6f756e74 282a2920 4153206e 2046524f "
                   "4d207479 7065733b");
  w.n = 0;
  cl_enc_columns(&w, 3, 1, &cn);
  cl_rows_begin(&w, 3, 1, &at);
  cl_wr_value(&w, &two);
  cl_rows_end(&w, at, 1);
  cl_enc_done(&w, 3, &d);
  assert_bytes(&w, "0000000e | 84 | 00 | 00000003 | 0001 | 00000001 6e | 01"
                   "00000015 | 85 | 00 | 00000003 | 0001 | 00000001 | 01 "
                   "0000000000000002"
                   "0000001b | 86 | 00 | 00000003 | 0000000000000000 | "
                   "0000000000000001 | 00000000 | 00");
  w.n = 0;
  cl_enc_sql(&w, CL_F_PREPARE, 4, &pq);
  assert_bytes(&w, "0000002e | 03 | 00 | 00000004 | 00000000 | 00000020 "
                   "53454c45 4354203f 20415320 78204652 4f4d2074 79706573 "
                   "204c494d 49542031");
  w.n = 0;
  cl_enc_prepared(&w, 4, &pm);
  assert_bytes(&w, "00000018 | 83 | 00 | 00000004 | 00000001 | 00000020 | "
                   "0001 | 0001 | 00000001 78 | 00");
  w.n = 0;
  cl_enc_execute(&w, 5, &ex);
  cl_enc_u32(&w, CL_F_CLOSE, 6, 1);
  assert_bytes(&w, "00000017 | 04 | 00 | 00000005 | 00000001 | 00000000 | "
                   "0001 | 03 00000002 6869"
                   "0000000a | 06 | 00 | 00000006 | 00000001");
  w.n = 0;
  cl_rows_begin(&w, 5, 1, &at);
  cl_wr_value(&w, &hi);
  cl_rows_end(&w, at, 1);
  cl_enc_done(&w, 5, &d);
  cl_enc_empty(&w, CL_F_OK, 6);
  assert_bytes(&w, "00000013 | 85 | 00 | 00000005 | 0001 | 00000001 | 03 "
                   "00000002 6869"
                   "0000001b | 86 | 00 | 00000005 | 0000000000000000 | "
                   "0000000000000001 | 00000000 | 00"
                   "00000006 | 88 | 00 | 00000006");
  w.n = 0;
  cl_enc_empty(&w, CL_F_BYE, 7);
  assert_bytes(&w, "00000006 | 09 | 00 | 00000007");
  cl_wbuf_free(&w);
}

/* ------------------------------------------------------- malformed */

static void test_bad_headers(void **state) {
  (void)state;
  uint8_t b[CL_HDR];
  cl_hdr h;
  size_t total;
  const char *why;
  /* fewer than 10 bytes of a good header: need more, at every length */
  hex_to("00000006 08 00 00000001", b, &total);
  for (size_t n = 0; n < CL_HDR; n++)
    assert_int_equal(cl_hdr_parse(b, n, 4096, &h, &total, &why), 1);
  /* a bad length is refused as soon as its 4 bytes are there */
  hex_to("00000005 03 00 00000001", b, &total);
  assert_int_equal(cl_hdr_parse(b, 4, 4096, &h, &total, &why), CREDO_PROTOCOL);
  hex_to("47455420 03 00 00000001", b, &total); /* "GET " */
  assert_int_equal(cl_hdr_parse(b, 4, 4096, &h, &total, &why), CREDO_LIMIT);
  hex_to("00000005 03 00 00000001", b, &total);
  assert_int_equal(cl_hdr_parse(b, CL_HDR, 4096, &h, &total, &why),
                   CREDO_PROTOCOL);
  hex_to("00001000 03 00 00000001", b, &total); /* 4 + 4096 > 4096 */
  assert_int_equal(cl_hdr_parse(b, CL_HDR, 4096, &h, &total, &why),
                   CREDO_LIMIT);
  hex_to("ffffffff 03 00 00000001", b, &total);
  assert_int_equal(cl_hdr_parse(b, CL_HDR, 4096, &h, &total, &why),
                   CREDO_LIMIT);
  hex_to("00000006 42 00 00000001", b, &total);
  assert_int_equal(cl_hdr_parse(b, CL_HDR, 4096, &h, &total, &why),
                   CREDO_PROTOCOL);
  hex_to("00000006 08 01 00000001", b, &total);
  assert_int_equal(cl_hdr_parse(b, CL_HDR, 4096, &h, &total, &why),
                   CREDO_PROTOCOL);
  hex_to("00000006 08 00 00000001", b, &total);
  assert_int_equal(cl_hdr_parse(b, CL_HDR, 4096, &h, &total, &why), CREDO_OK);
  assert_int_equal(total, CL_HDR);
}

/* Decodes payload p[0..n) as a frame of `type` with every decoder that
 * applies; returns the code. */
static int decode_any(int type, const uint8_t *p, size_t n) {
  union {
    cl_hello h;
    cl_ready r;
    cl_auth a;
    cl_auth_ok k;
    cl_sql q;
    cl_execute e;
    cl_prepared pm;
    cl_done d;
    cl_error er;
    cl_bdata bd;
    cl_bend be;
  } m;
  cl_value vals[8];
  cl_coldesc cols[8];
  const char *why = NULL;
  uint32_t v;
  uint16_t nc;
  uint32_t nr;
  cl_rd rd;
  int rc;
  memset(&m, 0, sizeof m);
  switch (type) {
  case CL_F_HELLO:
    return cl_dec_hello(p, n, &m.h, &why);
  case CL_F_READY:
    return cl_dec_ready(p, n, &m.r, &why);
  case CL_F_AUTH:
    return cl_dec_auth(p, n, &m.a, &why);
  case CL_F_AUTH_OK:
    return cl_dec_auth_ok(p, n, &m.k, &why);
  case CL_F_PREPARE:
  case CL_F_QUERY:
    return cl_dec_sql(p, n, &m.q, &why);
  case CL_F_EXECUTE:
    m.e.params = vals;
    return cl_dec_execute(p, n, &m.e, 8, &why);
  case CL_F_PREPARED:
    m.pm.cols = cols;
    return cl_dec_prepared(p, n, &m.pm, 8, &why);
  case CL_F_COLUMNS:
    return cl_dec_columns(p, n, &nc, cols, 8, &why);
  case CL_F_DONE:
    return cl_dec_done(p, n, &m.d, &why);
  case CL_F_ERROR:
    return cl_dec_error(p, n, &m.er, &why);
  case CL_F_CLOSE:
  case CL_F_CANCEL:
    return cl_dec_u32(p, n, &v, &why);
  case CL_F_BACKUP_DATA:
    return cl_dec_bdata(p, n, &m.bd, &why);
  case CL_F_BACKUP_END:
    return cl_dec_bend(p, n, &m.be, &why);
  case CL_F_ROWS:
    rc = cl_dec_rows_begin(p, n, &rd, &nc, &nr, &why);
    for (uint64_t i = 0; rc == CREDO_OK && i < (uint64_t)nc * nr; i++)
      cl_rd_value(&rd, &vals[0]);
    return rc == CREDO_OK ? cl_rd_end(&rd) : rc;
  default:
    return cl_dec_empty(p, n, &why);
  }
}

/* Every proper prefix of a valid payload, and the payload plus a trailing
 * byte, are refused; copies are exact-size heap blocks so ASan sees any
 * read past the end. */
static void assert_truncations_fail(const cl_wbuf *w) {
  cl_hdr h;
  size_t total;
  const char *why;
  assert_int_equal(
      cl_hdr_parse(w->p, w->n, CL_MAX_SERVER_FRAME, &h, &total, &why),
      CREDO_OK);
  size_t n = w->n - CL_HDR;
  assert_int_equal(decode_any(h.type, w->p + CL_HDR, n), CREDO_OK);
  for (size_t k = 0; k < n; k++) {
    uint8_t *cut = malloc(k ? k : 1);
    memcpy(cut, w->p + CL_HDR, k);
    assert_int_not_equal(decode_any(h.type, cut, k), CREDO_OK);
    free(cut);
  }
  uint8_t *more = malloc(n + 1);
  memcpy(more, w->p + CL_HDR, n);
  more[n] = 0;
  assert_int_not_equal(decode_any(h.type, more, n + 1), CREDO_OK);
  free(more);
}

static void test_truncated_every_frame(void **state) {
  (void)state;
  cl_wbuf w = {0};
  cl_value v[3] = {{.t = CREDO_T_TEXT, .u.s = {"ab", 2}},
                   {.t = CREDO_T_REAL, .u.r = 1.5},
                   {.t = CREDO_T_BOOL, .u.i = 1}};
  cl_coldesc c = {"id", 2, CREDO_T_INT};
  size_t at;
#define CASE(call)                                                             \
  do {                                                                         \
    w.n = 0;                                                                   \
    call;                                                                      \
    assert_truncations_fail(&w);                                               \
  } while (0)
  CASE(cl_enc_hello(&w, 1, &(cl_hello){1, 1, "c", 1}));
  CASE(cl_enc_ready(&w, 1, &(cl_ready){1, 4096, "s", 1}));
  CASE(cl_enc_auth(&w, 1, &(cl_auth){"u", "p", 1, 1}));
  CASE(cl_enc_auth_ok(&w, 1, &(cl_auth_ok){"u", 1, 0, 3}));
  CASE(cl_enc_sql(&w, CL_F_PREPARE, 1, &(cl_sql){0, "x", 1}));
  CASE(cl_enc_execute(&w, 1, &(cl_execute){1, 0, 3, v}));
  CASE(cl_enc_prepared(&w, 1, &(cl_prepared){1, 1, 0, 1, &c, NULL, 0, 0}));
  CASE(cl_enc_columns(&w, 1, 1, &c));
  CASE(cl_enc_done(&w, 1, &(cl_done){1, 2, 3, 0}));
  CASE(cl_enc_errorf(&w, 1, CREDO_DENIED, 1, 2, "no"));
  CASE(cl_enc_u32(&w, CL_F_CANCEL, 1, 4));
  CASE(cl_enc_bdata(&w, 1, &(cl_bdata){0, 9, (const uint8_t *)"abc", 3}));
  CASE(cl_enc_bend(&w, 1, &(cl_bend){3, {1, 2, 3}}));
  CASE({
    cl_rows_begin(&w, 1, 3, &at);
    for (int i = 0; i < 3; i++)
      cl_wr_value(&w, &v[i]);
    cl_rows_end(&w, at, 1);
  });
#undef CASE
  cl_wbuf_free(&w);
}

static void test_bad_utf8_and_tags(void **state) {
  (void)state;
  static const char *bad[] = {
      "\xc0\xaf",         /* overlong '/' */
      "\xe0\x80\xaf",     /* overlong */
      "\xed\xa0\x80",     /* surrogate U+D800 */
      "\xf4\x90\x80\x80", /* above U+10FFFF */
      "\xe5\x8e",         /* truncated sequence */
      "\x80",             /* lone continuation */
      "\xff",
  };
  uint8_t buf[64];
  const char *why;
  cl_sql q;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t k = strlen(bad[i]);
    memset(buf, 0, 4); /* tz 0 */
    buf[4] = buf[5] = buf[6] = 0;
    buf[7] = (uint8_t)k;
    memcpy(buf + 8, bad[i], k);
    assert_int_equal(cl_dec_sql(buf, 8 + k, &q, &why), CREDO_PROTOCOL);
    assert_false(cl_utf8_ok(bad[i], k));
  }
  assert_false(cl_utf8_ok("a\0b", 3)); /* NUL */
  assert_true(cl_utf8_ok("厦门 \n\t", strlen("厦门 \n\t")));
  assert_true(cl_utf8_ok("\xf0\x9f\x98\x80", 4)); /* U+1F600 */

  /* value tags: 7 is unknown, BOOL 2 is refused */
  uint8_t ex[] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 7};
  cl_value v[1];
  cl_execute e = {.params = v};
  assert_int_equal(cl_dec_execute(ex, sizeof ex, &e, 1, &why), CREDO_PROTOCOL);
  uint8_t eb[] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 1, CREDO_T_BOOL, 2};
  assert_int_equal(cl_dec_execute(eb, sizeof eb, &e, 1, &why), CREDO_PROTOCOL);
  /* more parameters than the caller has room for */
  uint8_t many[] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0};
  assert_int_equal(cl_dec_execute(many, sizeof many, &e, 1, &why), CREDO_LIMIT);
  /* time zone out of range */
  uint8_t tz[] = {0, 0x01, 0, 0, 0, 0, 0, 0};
  assert_int_equal(cl_dec_sql(tz, sizeof tz, &q, &why), CREDO_PROTOCOL);
}

static void test_lies(void **state) {
  (void)state;
  const char *why;
  cl_rd rd;
  uint16_t nc;
  uint32_t nr;
  cl_hello h;
  cl_auth a;
  /* 65535 columns x 4 billion rows in an 8-byte payload */
  uint8_t rows[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0};
  assert_int_equal(cl_dec_rows_begin(rows, sizeof rows, &rd, &nc, &nr, &why),
                   CREDO_PROTOCOL);
  uint8_t norows[] = {0, 0, 0, 0, 0, 5};
  assert_int_equal(
      cl_dec_rows_begin(norows, sizeof norows, &rd, &nc, &nr, &why),
      CREDO_PROTOCOL);
  /* a str longer than the payload */
  uint8_t s[] = {0x7f, 0xff, 0xff, 0xff, 'a'};
  cl_sql q;
  uint8_t qq[4 + sizeof s];
  memset(qq, 0, 4);
  memcpy(qq + 4, s, sizeof s);
  assert_int_equal(cl_dec_sql(qq, sizeof qq, &q, &why), CREDO_PROTOCOL);
  /* bad magic, empty user */
  uint8_t hb[] = {'H', 'T', 'T', 'P', 0, 1, 0, 1, 0, 0, 0, 0};
  assert_int_equal(cl_dec_hello(hb, sizeof hb, &h, &why), CREDO_PROTOCOL);
  uint8_t ab[] = {0, 0, 0, 0, 0, 0, 0, 0};
  assert_int_equal(cl_dec_auth(ab, sizeof ab, &a, &why), CREDO_PROTOCOL);
}

/* Random bytes into every decoder: errors or success, never a crash (the
 * fuzz target does this at scale; this keeps a quick version in make
 * test). */
static void test_random_bytes(void **state) {
  (void)state;
  uint32_t x = 2463534242u;
  for (int round = 0; round < 20000; round++) {
    size_t n = round % 40;
    uint8_t *p = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      p[i] = (uint8_t)(round & 1 ? x % 4 : x);
    }
    int types[] = {CL_F_HELLO,   CL_F_AUTH,  CL_F_PREPARE, CL_F_EXECUTE,
                   CL_F_CLOSE,   CL_F_READY, CL_F_AUTH_OK, CL_F_PREPARED,
                   CL_F_COLUMNS, CL_F_ROWS,  CL_F_DONE,    CL_F_ERROR,
                   CL_F_PING};
    (void)decode_any(types[round % 13], p, n);
    free(p);
  }
}

/* ------------------------------------------------------------- URIs */

static void test_uri(void **state) {
  (void)state;
  cl_uri u;
  char err[256];
  assert_int_equal(
      cl_uri_parse("credo://alice@127.0.0.1:7500", &u, err, sizeof err),
      CREDO_OK);
  assert_string_equal(u.user, "alice");
  assert_string_equal(u.host, "127.0.0.1");
  assert_string_equal(u.port, "7500");
  assert_int_equal(u.tls, 0);
  assert_int_equal(cl_uri_parse("credos://bob@localhost", &u, err, sizeof err),
                   CREDO_OK);
  assert_int_equal(u.tls, 1);
  assert_string_equal(u.port, "7411");
  assert_int_equal(cl_uri_parse("credo://a%40b@[::1]:9?tls=1&ca=/x/c.pem&"
                                "timeout=5",
                                &u, err, sizeof err),
                   CREDO_OK);
  assert_string_equal(u.user, "a@b");
  assert_string_equal(u.host, "::1");
  assert_string_equal(u.port, "9");
  assert_string_equal(u.ca, "/x/c.pem");
  assert_int_equal(u.timeout_s, 5);
  assert_int_equal(u.tls, 1);
  const char *bad[] = {
      "credo://127.0.0.1", "credo://@h",        "credo://u@",
      "credo://u@h:0",     "credo://u@h:70000", "credo://u@h:12x",
      "credo://u@h?tsl=1", "credo://u@[::1",    "credo://u@h?insecure=yes",
      "http://u@h"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(cl_uri_parse(bad[i], &u, err, sizeof err), CREDO_INVALID);
  assert_true(cl_remote_is_uri("credos://x@y"));
  assert_false(cl_remote_is_uri("/var/lib/credo"));
}

/* ------------------------------------------------ handshake, backoff */

/* Feeds one encoded frame (the only one in w) to the machine. */
static void feed(srv_hs *hs, cl_wbuf *w, srv_hs_out *o) {
  cl_hdr h;
  size_t total;
  const char *why;
  assert_int_equal(cl_hdr_parse(w->p, w->n, 4096, &h, &total, &why), CREDO_OK);
  srv_hs_feed(hs, &h, w->p + CL_HDR, o);
  w->n = 0;
}

/* NOTICE (version 2): str message, 1..CL_MAX_NOTICE bytes; a longer one
 * is cut at a UTF-8 boundary by the encoder. */
static void test_notice_frame(void **state) {
  (void)state;
  cl_wbuf w = {0};
  const uint8_t want[] = {0, 0, 0, 13, 0x8B, 0,   0,   0,  0,
                          5, 0, 0, 0,  3,    'a', 'b', 'c'};
  const char *msg, *why = NULL;
  uint32_t n;
  char *big = malloc(CL_MAX_NOTICE + 8);
  assert_non_null(big);
  assert_int_equal(cl_enc_notice(&w, 5, "abc"), CREDO_OK);
  assert_int_equal(w.n, sizeof want);
  assert_memory_equal(w.p, want, sizeof want);
  assert_int_equal(cl_dec_notice(w.p + CL_HDR, w.n - CL_HDR, &msg, &n, &why),
                   CREDO_OK);
  assert_true(str_is(msg, n, "abc"));
  assert_string_equal(cl_ftype_name(CL_F_NOTICE), "NOTICE");
  assert_int_equal(cl_ftype_dir(CL_F_NOTICE), 2);
  /* empty: malformed */
  assert_int_not_equal(
      cl_dec_notice((const uint8_t *)"\0\0\0\0", 4, &msg, &n, &why), CREDO_OK);
  assert_non_null(why);
  /* 1023 x 'a' then a 3-byte character across the limit: cut before it */
  memset(big, 'a', CL_MAX_NOTICE - 1);
  memcpy(big + CL_MAX_NOTICE - 1, "\xE9\x97\xA8!", 5);
  w.n = 0;
  assert_int_equal(cl_enc_notice(&w, 6, big), CREDO_OK);
  assert_int_equal(cl_dec_notice(w.p + CL_HDR, w.n - CL_HDR, &msg, &n, &why),
                   CREDO_OK);
  assert_int_equal(n, CL_MAX_NOTICE - 1);
  free(big);
  cl_wbuf_free(&w);
}

static void test_handshake(void **state) {
  (void)state;
  cl_wbuf w = {0};
  srv_hs hs = {SRV_HS_HELLO, 0};
  srv_hs_out o;

  cl_enc_hello(&w, 1, &(cl_hello){1, 3, "t", 1});
  feed(&hs, &w, &o);
  assert_int_equal(o.act, SRV_HS_SEND_READY);
  assert_int_equal(o.req, 1);
  assert_int_equal(hs.version, 2); /* the highest both speak */
  assert_int_equal(hs.state, SRV_HS_AUTH);
  cl_enc_auth(&w, 2, &(cl_auth){"alice", "pw", 5, 2});
  feed(&hs, &w, &o);
  assert_int_equal(o.act, SRV_HS_CHECK);
  assert_int_equal(o.req, 2);
  assert_true(str_is(o.auth.user, o.auth.user_len, "alice"));
  assert_true(str_is(o.auth.password, o.auth.password_len, "pw"));
  srv_hs_auth_result(&hs, 1);
  assert_int_equal(hs.state, SRV_HS_DONE);
  cl_enc_empty(&w, CL_F_PING, 3); /* the handshake is over */
  feed(&hs, &w, &o);
  assert_int_equal(o.act, SRV_HS_REJECT);

  hs = (srv_hs){SRV_HS_HELLO, 0}; /* anything but HELLO first */
  cl_enc_sql(&w, CL_F_QUERY, 1, &(cl_sql){0, "x", 1});
  feed(&hs, &w, &o);
  assert_int_equal(o.act, SRV_HS_REJECT);
  assert_int_equal(o.code, CREDO_PROTOCOL);
  assert_int_equal(o.req, 0);
  assert_non_null(o.msg);
  assert_int_equal(hs.state, SRV_HS_CLOSED);

  hs = (srv_hs){SRV_HS_HELLO, 0}; /* a version-1 client gets version 1 */
  cl_enc_hello(&w, 1, &(cl_hello){1, 1, "t", 1});
  feed(&hs, &w, &o);
  assert_int_equal(o.act, SRV_HS_SEND_READY);
  assert_int_equal(hs.version, 1);

  hs = (srv_hs){SRV_HS_HELLO, 0}; /* no common version */
  cl_enc_hello(&w, 1, &(cl_hello){3, 9, "t", 1});
  feed(&hs, &w, &o);
  assert_int_equal(o.act, SRV_HS_REJECT);
  assert_int_equal(o.code, CREDO_NOTSUP);

  hs = (srv_hs){SRV_HS_HELLO, 0}; /* HELLO twice */
  cl_enc_hello(&w, 1, &(cl_hello){1, 1, "t", 1});
  feed(&hs, &w, &o);
  cl_enc_hello(&w, 2, &(cl_hello){1, 1, "t", 1});
  feed(&hs, &w, &o);
  assert_int_equal(o.act, SRV_HS_REJECT);

  hs = (srv_hs){SRV_HS_HELLO, 0}; /* a bad password closes */
  cl_enc_hello(&w, 1, &(cl_hello){1, 1, "t", 1});
  feed(&hs, &w, &o);
  cl_enc_auth(&w, 2, &(cl_auth){"bob", "x", 3, 1});
  feed(&hs, &w, &o);
  srv_hs_auth_result(&hs, 0);
  assert_int_equal(hs.state, SRV_HS_CLOSED);
  cl_wbuf_free(&w);
}

static void test_backoff(void **state) {
  (void)state;
  srv_backoff *b = malloc(sizeof *b);
  unsigned want[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000};
  int64_t t = 1000000;
  srv_backoff_init(b, 2);
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    assert_int_equal(srv_backoff_fail(b, "10.0.0.1", t++), want[i]);
  assert_int_equal(srv_backoff_fail(b, "10.0.0.2", t), 100); /* per peer */
  srv_backoff_ok(b, "10.0.0.1");
  assert_int_equal(srv_backoff_fail(b, "10.0.0.1", t), 100); /* cleared */
  assert_int_equal(srv_backoff_fail(b, "10.0.0.1", t), 200);
  /* failures long ago are forgotten */
  assert_int_equal(
      srv_backoff_fail(b, "10.0.0.1", t + SRV_BACKOFF_FORGET_MS + 1), 100);
  /* more peers than slots: the table stays bounded and still answers */
  for (int i = 0; i < 3 * SRV_BACKOFF_SLOTS; i++) {
    char ip[32];
    snprintf(ip, sizeof ip, "10.1.%d.%d", i / 256, i % 256);
    assert_int_equal(srv_backoff_fail(b, ip, t + i), 100);
  }
  srv_backoff_destroy(b);
  free(b);
}

static int check_bad(void *arg) {
  (*(int *)arg)++;
  return SRV_CHECK_BAD;
}
static int check_ok(void *arg) {
  (*(int *)arg)++;
  return SRV_CHECK_OK;
}
static int check_oom(void *arg) {
  (*(int *)arg)++;
  return SRV_CHECK_ERROR;
}

/* The backoff holds per address and per user name, before the check runs:
 * a throttled attempt never reaches the (hashing) check. */
static void test_auth_gate(void **state) {
  (void)state;
  srv_backoff *b = malloc(sizeof *b);
  int n = 0;
  int64_t now;
  srv_backoff_init(b, 1);
  now = cl_now_ms();
  assert_int_equal(
      srv_auth_gate(b, "10.0.0.1", "bob", now + 1000, check_bad, &n),
      SRV_GATE_BAD);
  assert_int_equal(n, 1);
  /* the next attempt's turn is 100 ms away: with no time left it is
   * refused without checking, from the same address ... */
  now = cl_now_ms();
  assert_int_equal(srv_auth_gate(b, "10.0.0.1", "eve", now + 1, check_bad, &n),
                   SRV_GATE_THROTTLED);
  /* ... and for the same user from another address */
  assert_int_equal(srv_auth_gate(b, "10.0.0.2", "bob", now + 1, check_bad, &n),
                   SRV_GATE_THROTTLED);
  assert_int_equal(n, 1);
  /* another address and user are not held back */
  assert_int_equal(
      srv_auth_gate(b, "10.0.0.3", "carol", cl_now_ms() + 1000, check_ok, &n),
      SRV_GATE_OK);
  /* an error of the check itself (out of memory) is not a failure */
  assert_int_equal(
      srv_auth_gate(b, "10.0.0.4", "dan", cl_now_ms() + 1000, check_oom, &n),
      SRV_GATE_ERROR);
  assert_int_equal(
      srv_auth_gate(b, "10.0.0.4", "dan", cl_now_ms() + 1000, check_ok, &n),
      SRV_GATE_OK);
  /* waiting for the turn: within a deadline past it, the check runs, and
   * a success clears both keys */
  assert_int_equal(
      srv_auth_gate(b, "10.0.0.1", "bob", cl_now_ms() + 3000, check_ok, &n),
      SRV_GATE_OK);
  now = cl_now_ms();
  assert_int_equal(srv_auth_gate(b, "10.0.0.1", "bob", now + 1, check_bad, &n),
                   SRV_GATE_BAD);
  assert_int_equal(b->checks, 6);
  srv_backoff_destroy(b);
  free(b);
}

/* Slot caps: in all, per address, authenticating (all, per address). */
static void test_slots(void **state) {
  (void)state;
  srv_slots s;
  assert_int_equal(srv_slots_init(&s, &(srv_caps){6, 4, 3, 2}), 0);
  assert_int_equal(srv_slot_take(&s, "a"), SRV_SLOT_OK);
  assert_int_equal(srv_slot_take(&s, "a"), SRV_SLOT_OK);
  /* two unauthenticated from a: its pre-auth share is full */
  assert_int_equal(srv_slot_take(&s, "a"), SRV_SLOT_UNAUTH_ADDR);
  assert_int_equal(srv_slot_take(&s, "b"), SRV_SLOT_OK);
  /* three unauthenticated in all */
  assert_int_equal(srv_slot_take(&s, "c"), SRV_SLOT_UNAUTH);
  srv_slot_authed(&s, "a");
  srv_slot_authed(&s, "a");
  assert_int_equal(srv_slot_take(&s, "a"), SRV_SLOT_OK);
  srv_slot_authed(&s, "a");
  assert_int_equal(srv_slot_take(&s, "a"), SRV_SLOT_OK);
  srv_slot_authed(&s, "a");
  /* four from a, authenticated or not: the address is full */
  assert_int_equal(srv_slot_take(&s, "a"), SRV_SLOT_ADDR);
  assert_int_equal(srv_slot_take(&s, "c"), SRV_SLOT_OK);
  /* six in all */
  assert_int_equal(srv_slot_take(&s, "d"), SRV_SLOT_TOTAL);
  srv_slot_give(&s, "a", 1);
  srv_slot_give(&s, "c", 0);
  assert_int_equal(srv_slot_take(&s, "d"), SRV_SLOT_OK);
  assert_int_equal(s.total, 5);
  assert_string_equal(srv_slot_why(SRV_SLOT_ADDR),
                      "too many connections from this address");
  assert_int_equal(srv_slot_cap(&s, SRV_SLOT_UNAUTH_ADDR), 2);
  srv_slots_destroy(&s);
}

/* First bytes of other protocols are named; a credo HELLO is not. */
static void test_sniff(void **state) {
  (void)state;
  srv_sniffed s;
  cl_wbuf w = {0};
  static const uint8_t ssl_req[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
  static const uint8_t startup[] = {0, 0, 0, 9, 0, 3, 0, 0, 0};
  static const uint8_t hello_tls[] = {0x16, 0x03, 0x01, 0x02, 0x00};
  assert_int_equal(srv_sniff((const uint8_t *)"GET / HTTP/1.1", 14, &s), 1);
  assert_string_equal(s.what, "http");
  assert_true(s.reply_len > 0 && !memcmp(s.reply, "HTTP/1.0 400 ", 13));
  assert_int_equal(srv_sniff(hello_tls, sizeof hello_tls, &s), 1);
  assert_string_equal(s.what, "tls_client_hello");
  assert_null(s.reply);
  assert_int_equal(srv_sniff(ssl_req, sizeof ssl_req, &s), 1);
  assert_true(s.more && s.reply_len == 1 && s.reply[0] == 'N');
  assert_int_equal(srv_sniff(startup, sizeof startup, &s), 1);
  assert_string_equal(s.what, "postgresql_startup");
  assert_int_equal(s.reply[0], 'E');
  assert_int_equal((size_t)s.reply[4] + 1, s.reply_len);
  assert_int_equal(s.reply[s.reply_len - 1], 0);
  cl_enc_hello(&w, 1, &(cl_hello){1, 1, "t", 1});
  assert_int_equal(srv_sniff(w.p, w.n, &s), 0);
  cl_wbuf_free(&w);
}

/* cl_io_flush writes the buffer and empties it; an empty buffer writes
 * nothing; a buffer whose building ran out of memory is refused
 * (CL_IO_NOMEM) and left as it is; a closed peer is CL_IO_ERR. The
 * server's log reasons follow the codes. */
static void test_io_flush(void **state) {
  int sv[2];
  char got[16] = {0};
  uint8_t out[] = "reply";
  size_t n = 5;
  (void)state;
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  assert_int_equal(cl_io_prepare_socket(sv[0]), 0);
  cl_io io = {.fd = sv[0], .ssl = NULL, .wake_fd = -1};
  int64_t deadline = cl_now_ms() + 5000;
  assert_int_equal(cl_io_flush(&io, out, &n, 0, deadline), 0);
  assert_int_equal(n, 0);
  assert_int_equal(read(sv[1], got, sizeof got), 5);
  assert_string_equal(got, "reply");
  assert_int_equal(cl_io_flush(&io, out, &n, 0, deadline), 0); /* empty */
  n = 5;
  assert_int_equal(cl_io_flush(&io, out, &n, 1, deadline), CL_IO_NOMEM);
  assert_int_equal(n, 5);
  close(sv[1]);
  assert_int_equal(cl_io_flush(&io, out, &n, 0, deadline), CL_IO_ERR);
  assert_int_equal(n, 0);
  close(sv[0]);
  assert_string_equal(srv_flush_reason(CL_IO_NOMEM), "out_of_memory");
  assert_string_equal(srv_flush_reason(CL_IO_TIMEOUT), "write_timeout");
  assert_string_equal(srv_flush_reason(CL_IO_ERR), "peer_gone");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sniff),
      cmocka_unit_test(test_auth_gate),
      cmocka_unit_test(test_slots),
      cmocka_unit_test(test_hello_ready_auth),
      cmocka_unit_test(test_sql_prepared_columns),
      cmocka_unit_test(test_prepared_param_names),
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_duration_value),
      cmocka_unit_test(test_done_error_small),
      cmocka_unit_test(test_backup_frames),
      cmocka_unit_test(test_error_message_clipped),
      cmocka_unit_test(test_worked_example),
      cmocka_unit_test(test_bad_headers),
      cmocka_unit_test(test_truncated_every_frame),
      cmocka_unit_test(test_bad_utf8_and_tags),
      cmocka_unit_test(test_lies),
      cmocka_unit_test(test_random_bytes),
      cmocka_unit_test(test_uri),
      cmocka_unit_test(test_handshake),
      cmocka_unit_test(test_notice_frame),
      cmocka_unit_test(test_backoff),
      cmocka_unit_test(test_io_flush),
  };
  return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
