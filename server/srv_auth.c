/*
 * srv_auth.c -- the handshake as a pure state machine (the failed-login
 * backoff and the hashing pool are srv_throttle.c's).
 *
 *   SRV_HS_HELLO --HELLO, common version--> SRV_HS_AUTH --AUTH--> (check)
 *        |                                      |          ok |  | bad
 *        +-- other frame / no common version    +-- other     v  v
 *        v                                      v     SRV_HS_DONE SRV_HS_CLOSED
 *   SRV_HS_CLOSED (REJECT)                SRV_HS_CLOSED (REJECT)
 *
 * Invariants: srv_hs_feed does no I/O and reads no clock, so it can be
 * fuzzed; it only ever moves forward; every reject carries a code and a
 * message for an ERROR frame with request 0; no shared state.
 *
 * Does not: check passwords (the engine's credo_authenticate), sleep, or
 * enforce the authentication timeout (srv_conn.c).
 */
#include <string.h>

#include "srv.h"

static void reject(srv_hs *hs, srv_hs_out *out, int code, const char *msg) {
  hs->state = SRV_HS_CLOSED;
  out->act = SRV_HS_REJECT;
  out->code = code;
  out->msg = msg;
  out->req = 0;
}

static void on_hello(srv_hs *hs, const cl_hdr *h, const uint8_t *p,
                     srv_hs_out *out) {
  cl_hello m;
  const char *why = NULL;
  if (cl_dec_hello(p, h->len - CL_MIN_LENGTH, &m, &why) != CREDO_OK) {
    reject(hs, out, CREDO_PROTOCOL, why);
    return;
  }
  /* the highest version both speak (a version-1 client gets no NOTICE) */
  if (m.min_version > CL_PROTO_VERSION ||
      m.max_version < CL_PROTO_MIN_VERSION || m.min_version > m.max_version) {
    reject(hs, out, CREDO_NOTSUP,
           "no common protocol version (this server speaks 1 and 2)");
    return;
  }
  hs->version =
      m.max_version < CL_PROTO_VERSION ? m.max_version : CL_PROTO_VERSION;
  hs->state = SRV_HS_AUTH;
  out->act = SRV_HS_SEND_READY;
}

static void on_auth(srv_hs *hs, const cl_hdr *h, const uint8_t *p,
                    srv_hs_out *out) {
  const char *why = NULL;
  if (cl_dec_auth(p, h->len - CL_MIN_LENGTH, &out->auth, &why) != CREDO_OK) {
    reject(hs, out, CREDO_PROTOCOL, why);
    return;
  }
  out->act = SRV_HS_CHECK;
}

void srv_hs_feed(srv_hs *hs, const cl_hdr *h, const uint8_t *payload,
                 srv_hs_out *out) {
  memset(out, 0, sizeof *out);
  out->req = h->req;
  switch (hs->state) {
  case SRV_HS_HELLO:
    if (h->type != CL_F_HELLO) {
      reject(hs, out, CREDO_PROTOCOL, "expected HELLO first");
      return;
    }
    on_hello(hs, h, payload, out);
    return;
  case SRV_HS_AUTH:
    if (h->type != CL_F_AUTH) {
      reject(hs, out, CREDO_PROTOCOL, "expected AUTH after READY");
      return;
    }
    on_auth(hs, h, payload, out);
    return;
  default:
    reject(hs, out, CREDO_PROTOCOL, "handshake is over");
  }
}

void srv_hs_auth_result(srv_hs *hs, int ok) {
  if (hs->state == SRV_HS_AUTH)
    hs->state = ok ? SRV_HS_DONE : SRV_HS_CLOSED;
}
