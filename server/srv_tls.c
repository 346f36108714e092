/*
 * srv_tls.c -- the server's TLS: the OpenSSL context and the handshake of
 * each connection.
 *
 * Invariants: protocol versions below TLS 1.2 are refused; the key must
 * match the certificate or the server does not start; a handshake is
 * bounded by the caller's deadline (a client that stalls mid-handshake is
 * cut off by the authentication timeout); records are read and written by
 * cl_io over the non-blocking socket.
 *
 * Does not: verify client certificates (users authenticate with
 * passwords inside the TLS channel) or read frames.
 */
#include <openssl/err.h>
#include <poll.h>
#include <stdio.h>

#include "srv.h"

SSL_CTX *srv_tls_ctx(const char *cert, const char *key, char *err, size_t n) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  const char *what = "cannot create a TLS context";
  if (!ctx)
    goto fail;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  what = "cannot load the TLS certificate";
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
    goto fail;
  what = "cannot load the TLS key";
  if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
    goto fail;
  what = "the TLS key does not match the certificate";
  if (SSL_CTX_check_private_key(ctx) != 1)
    goto fail;
  return ctx;
fail:
  snprintf(err, n, "%s (%s, %s): %s", what, cert, key,
           ERR_reason_error_string(ERR_peek_last_error())
               ? ERR_reason_error_string(ERR_peek_last_error())
               : "unknown reason");
  ERR_clear_error();
  SSL_CTX_free(ctx);
  return NULL;
}

int srv_tls_accept(SSL_CTX *ctx, cl_io *io, int64_t deadline,
                   const char **why) {
  io->ssl = SSL_new(ctx);
  if (!io->ssl || SSL_set_fd(io->ssl, io->fd) != 1) {
    *why = "cannot set up TLS";
    goto fail;
  }
  for (;;) {
    int r = SSL_accept(io->ssl), w;
    if (r == 1)
      return 0;
    switch (SSL_get_error(io->ssl, r)) {
    case SSL_ERROR_WANT_READ:
      w = cl_io_wait(io, POLLIN, deadline, 1);
      break;
    case SSL_ERROR_WANT_WRITE:
      w = cl_io_wait(io, POLLOUT, deadline, 1);
      break;
    default:
      *why = "TLS handshake failed";
      goto fail;
    }
    if (w != 0) {
      *why = w == CL_IO_TIMEOUT ? "TLS handshake timeout"
                                : "TLS handshake "
                                  "interrupted";
      goto fail;
    }
  }
fail:
  ERR_clear_error();
  SSL_free(io->ssl);
  io->ssl = NULL;
  return -1;
}

void srv_tls_close(cl_io *io) {
  if (!io->ssl)
    return;
  (void)SSL_shutdown(io->ssl);
  ERR_clear_error();
  SSL_free(io->ssl);
  io->ssl = NULL;
}
