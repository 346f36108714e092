/*
 * fuzz_frame.c -- libFuzzer target for the wire codec (client/cl_frame.c)
 * and the server's handshake state machine (server/srv_auth.c). Built by
 * `make fuzz` with clang -fsanitize=fuzzer,address,undefined from those two
 * files only.
 *
 * The input is a byte stream as a client would send it. It is cut into
 * frames with cl_hdr_parse (max frame 64 KiB) exactly as the server does;
 * the frames feed the handshake machine until it is done or rejects, then
 * every later frame goes through the decoder of its type (and, to cover
 * the client side, through every server-frame decoder too). Each decoded
 * frame is re-encoded and decoded again, and must give the same fields.
 * Contracts checked (abort on violation): the header's total is within
 * [10, max]; a decoder either fails with a reason or consumes the payload
 * exactly; the machine only moves forward and every reject has a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_frame.h"
#include "srv.h"

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "fuzz_frame: check failed: %s (line %d)\n", #cond,       \
              __LINE__);                                                       \
      abort();                                                                 \
    }                                                                          \
  } while (0)

#define MAX_FRAME (64u << 10)

/* Re-encodes a decoded SQL frame and checks it decodes the same. */
static void roundtrip_sql(int type, const cl_sql *m) {
  cl_wbuf w = {0};
  cl_sql m2;
  const char *why = NULL;
  CHECK(cl_enc_sql(&w, type, 1, m) == CREDO_OK);
  CHECK(cl_dec_sql(w.p + CL_HDR, w.n - CL_HDR, &m2, &why) == CREDO_OK);
  CHECK(m2.tz == m->tz && m2.sql_len == m->sql_len &&
        memcmp(m2.sql, m->sql, m->sql_len) == 0);
  cl_wbuf_free(&w);
}

static void roundtrip_execute(const cl_execute *m) {
  cl_wbuf w = {0};
  cl_value v[64];
  cl_execute m2 = {.params = v};
  const char *why = NULL;
  CHECK(cl_enc_execute(&w, 1, m) == CREDO_OK);
  CHECK(cl_dec_execute(w.p + CL_HDR, w.n - CL_HDR, &m2, 64, &why) == CREDO_OK);
  CHECK(m2.nparams == m->nparams && m2.stmt == m->stmt);
  for (unsigned i = 0; i < m->nparams; i++)
    CHECK(v[i].t == m->params[i].t);
  cl_wbuf_free(&w);
}

/* Decodes a client request frame as the server would. */
static void request(const cl_hdr *h, const uint8_t *p, size_t n) {
  const char *why = NULL;
  cl_sql q;
  cl_value v[64];
  cl_execute e = {.params = v};
  uint32_t u;
  int rc;
  switch (h->type) {
  case CL_F_PREPARE:
  case CL_F_QUERY:
    if ((rc = cl_dec_sql(p, n, &q, &why)) == CREDO_OK)
      roundtrip_sql(h->type, &q);
    break;
  case CL_F_EXECUTE:
    if ((rc = cl_dec_execute(p, n, &e, 64, &why)) == CREDO_OK)
      roundtrip_execute(&e);
    break;
  case CL_F_CLOSE:
  case CL_F_CANCEL:
    rc = cl_dec_u32(p, n, &u, &why);
    break;
  default:
    rc = cl_dec_empty(p, n, &why);
  }
  CHECK(rc == CREDO_OK || why != NULL);
}

/* The same payload through every server-frame decoder (client side). */
static void replies(const uint8_t *p, size_t n) {
  const char *why;
  cl_ready r;
  cl_auth_ok k;
  cl_coldesc cols[16];
  cl_pname names[16];
  cl_prepared pm = {.cols = cols, .params = names, .pcap = 16};
  cl_done d;
  cl_error e;
  cl_bdata bd;
  cl_bend be;
  uint16_t nc;
  uint32_t nr;
  cl_rd rd;
  cl_value v;
  if (cl_dec_bdata(p, n, &bd, &why) == CREDO_OK)
    CHECK(bd.n >= 1 && bd.n <= CL_MAX_CHUNK && bd.data + bd.n == p + n);
  (void)cl_dec_bend(p, n, &be, &why);
  (void)cl_dec_ready(p, n, &r, &why);
  (void)cl_dec_auth_ok(p, n, &k, &why);
  (void)cl_dec_prepared(p, n, &pm, 16, &why);
  (void)cl_dec_columns(p, n, &nc, cols, 16, &why);
  (void)cl_dec_done(p, n, &d, &why);
  (void)cl_dec_error(p, n, &e, &why);
  if (cl_dec_rows_begin(p, n, &rd, &nc, &nr, &why) == CREDO_OK) {
    for (uint64_t i = 0; i < (uint64_t)nc * nr && rd.err == CREDO_OK; i++)
      cl_rd_value(&rd, &v);
    (void)cl_rd_end(&rd);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  srv_hs hs = {SRV_HS_HELLO, 0};
  size_t off = 0;
  while (off < size) {
    cl_hdr h;
    size_t total = 0;
    const char *why = NULL;
    int rc = cl_hdr_parse(data + off, size - off, MAX_FRAME, &h, &total, &why);
    if (rc != CREDO_OK) {
      CHECK(rc == 1 || why != NULL);
      break;
    }
    CHECK(total >= CL_HDR && total <= MAX_FRAME);
    if (total > size - off)
      break; /* the server would wait for more */
    const uint8_t *p = data + off + CL_HDR;
    size_t n = total - CL_HDR;
    if (hs.state == SRV_HS_HELLO || hs.state == SRV_HS_AUTH) {
      srv_hs_out o;
      int before = hs.state;
      srv_hs_feed(&hs, &h, p, &o);
      CHECK(hs.state >= before);
      if (o.act == SRV_HS_REJECT)
        CHECK(o.msg != NULL && o.code < 0 && hs.state == SRV_HS_CLOSED);
      if (o.act == SRV_HS_CHECK) {
        CHECK(o.auth.user_len >= 1 && o.auth.user_len <= CL_MAX_USER);
        srv_hs_auth_result(&hs, o.auth.user_len % 2);
      }
    } else if (hs.state == SRV_HS_DONE) {
      request(&h, p, n);
    } else {
      break; /* closed */
    }
    replies(p, n);
    off += total;
  }
  return 0;
}
