/*
 * srv_sniff.c -- what the first bytes of a connection look like when they
 * cannot start a credo frame: an HTTP request, a TLS ClientHello on a
 * plaintext port, a PostgreSQL startup or SSL request. For the log line
 * and, where that protocol allows one, a reply in its own terms.
 *
 * A credo connection starts with HELLO, whose length field is small
 * (its first byte is 0), type 0x01 and flags 0. Anything else at that
 * place is named here; the caller still ends the connection with its
 * credo ERROR when no other reply fits.
 *
 * Invariants: pure (no I/O, no state); reads at most n bytes; the
 * replies are static.
 *
 * Does not: decide that a frame is malformed (cl_hdr_parse does).
 */
#include <string.h>

#include "srv.h"

/* An HTTP error a browser or curl shows as is. */
static const char HTTP_REPLY[] =
    "HTTP/1.0 400 Bad Request\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Connection: close\r\n"
    "\r\n"
    "This port speaks the credo wire protocol (docs/protocol.md), not HTTP.\n";

/* A PostgreSQL ErrorResponse: 'E', length, fields S, V, C, M, then 0. */
#define PG_MSG "this port speaks the credo wire protocol; use --pg-listen"
static const char PG_REPLY[] = "E\0\0\0\x55"
                               "SFATAL\0VFATAL\0C08P01\0M" PG_MSG "\0";
/* the length field counts all but the type byte; the literal's own NUL
 * is the message's final terminator */
_Static_assert(sizeof PG_REPLY - 1 == 0x55, "PG_REPLY length field");
/* Answer 'N' (no TLS) to a PostgreSQL SSLRequest, so the client sends its
 * startup packet in clear and gets the error above next. */
static const char PG_NO_SSL[] = "N";

#define PG_SSL_REQUEST 80877103u  /* 1234 << 16 | 5679 */
#define PG_GSS_REQUEST 80877104u  /* 1234 << 16 | 5680 */
#define PG_PROTOCOL_3 0x00030000u /* startup packet, protocol 3.0 */

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static int is_http(const uint8_t *p, size_t n) {
  static const char *methods[] = {"GET ",     "POST ",   "HEAD ",
                                  "PUT ",     "DELETE ", "OPTIONS ",
                                  "CONNECT ", "PATCH ",  "PRI * HTTP"};
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
    size_t k = strlen(methods[i]);
    if (n >= 4 && memcmp(p, methods[i], n < k ? n : k) == 0)
      return 1;
  }
  return 0;
}

int srv_sniff(const uint8_t *p, size_t n, srv_sniffed *out) {
  memset(out, 0, sizeof *out);
  if (n >= 4 && is_http(p, n)) {
    out->what = "http";
    out->reply = HTTP_REPLY;
    out->reply_len = sizeof HTTP_REPLY - 1;
    return 1;
  }
  /* TLS record: handshake (22), version 3.x */
  if (n >= 3 && p[0] == 0x16 && p[1] == 0x03) {
    out->what = "tls_client_hello";
    return 1;
  }
  if (n >= 8 && be32(p) >= 8 && be32(p) < 10000) {
    uint32_t code = be32(p + 4);
    if (code == PG_SSL_REQUEST || code == PG_GSS_REQUEST) {
      out->what = "postgresql_ssl_request";
      out->reply = PG_NO_SSL;
      out->reply_len = 1;
      out->more = 1;
      return 1;
    }
    if (code == PG_PROTOCOL_3) {
      out->what = "postgresql_startup";
      out->reply = PG_REPLY;
      out->reply_len = sizeof PG_REPLY;
      return 1;
    }
  }
  return 0;
}
