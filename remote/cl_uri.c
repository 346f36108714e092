/*
 * cl_uri.c -- parsing of credo:// and credos:// URIs.
 *
 *   credo://USER@HOST[:PORT][?tls=1&ca=PATH&insecure=1&timeout=S]
 *   credos://USER@HOST[:PORT][?...]      (TLS)
 *   HOST may be [v6]; PORT defaults to 7411.
 *
 * Invariants: every field is bounded and checked; an unknown option is an
 * error (a typo must not silently turn TLS verification off); nothing is
 * percent-decoded except %XX in the user name and the ca path.
 *
 * Does not: resolve or connect.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_remote.h"

int cl_remote_is_uri(const char *path) {
  return path && (strncmp(path, "credo://", 8) == 0 ||
                  strncmp(path, "credos://", 9) == 0);
}

/* Copies s[0..k) into dst[n], decoding %XX. -1 when it does not fit. */
static int copy_dec(char *dst, size_t n, const char *s, size_t k) {
  size_t j = 0;
  for (size_t i = 0; i < k; i++) {
    char c = s[i];
    if (c == '%' && i + 2 < k && isxdigit((unsigned char)s[i + 1]) &&
        isxdigit((unsigned char)s[i + 2])) {
      char hex[3] = {s[i + 1], s[i + 2], 0};
      c = (char)strtol(hex, NULL, 16);
      i += 2;
    }
    if (j + 1 >= n || c == '\0')
      return -1;
    dst[j++] = c;
  }
  dst[j] = '\0';
  return 0;
}

/* Applies one `key=value` option. */
static int option(cl_uri *u, const char *s, size_t k, char *err, size_t n) {
  const char *eq = memchr(s, '=', k);
  size_t kl = eq ? (size_t)(eq - s) : k;
  const char *v = eq ? eq + 1 : "";
  size_t vl = eq ? k - kl - 1 : 0;
  if (kl == 3 && !strncmp(s, "tls", 3) && vl == 1 && (*v == '0' || *v == '1'))
    u->tls = *v == '1';
  else if (kl == 8 && !strncmp(s, "insecure", 8) && vl == 1 &&
           (*v == '0' || *v == '1'))
    u->insecure = *v == '1';
  else if (kl == 2 && !strncmp(s, "ca", 2) && vl > 0 &&
           copy_dec(u->ca, sizeof u->ca, v, vl) == 0)
    u->tls = 1;
  else if (kl == 7 && !strncmp(s, "timeout", 7) && vl > 0 && vl < 6 &&
           strspn(v, "0123456789") >= vl && atoi(v) > 0)
    u->timeout_s = u->reply_timeout_s = atoi(v);
  else {
    snprintf(err, n,
             "unknown or bad URI option '%.*s' (known: tls=0|1, "
             "ca=PATH, insecure=0|1, timeout=SECONDS)",
             (int)k, s);
    return -1;
  }
  return 0;
}

/* Parses "HOST[:PORT]" / "[V6]:PORT", k bytes at s. */
static int host_port(cl_uri *u, const char *s, size_t k) {
  const char *stop = s + k, *host = s, *port = NULL;
  size_t hl = k, pl;
  if (k > 0 && s[0] == '[') {
    const char *close = memchr(s, ']', k);
    if (!close || (close + 1 != stop && close[1] != ':'))
      return -1;
    host = s + 1;
    hl = (size_t)(close - host);
    port = close + 1 != stop ? close + 2 : NULL;
  } else if ((port = memchr(s, ':', k)) != NULL) {
    hl = (size_t)(port - s);
    port++;
  }
  if (hl == 0 || hl >= sizeof u->host)
    return -1;
  memcpy(u->host, host, hl);
  u->host[hl] = '\0';
  if (!port)
    return 0;
  pl = (size_t)(stop - port);
  if (pl == 0 || pl >= sizeof u->port || strspn(port, "0123456789") < pl)
    return -1;
  memcpy(u->port, port, pl);
  u->port[pl] = '\0';
  return atoi(u->port) >= 1 && atoi(u->port) <= 65535 ? 0 : -1;
}

int cl_uri_parse(const char *s, cl_uri *u, char *err, size_t n) {
  const char *at, *q, *end;
  memset(u, 0, sizeof *u);
  snprintf(u->port, sizeof u->port, "%d", CL_DEFAULT_PORT);
  u->timeout_s = 30;
  if (strncmp(s, "credos://", 9) == 0) {
    u->tls = 1;
    s += 9;
  } else if (strncmp(s, "credo://", 8) == 0) {
    s += 8;
  } else {
    snprintf(err, n, "not a credo:// URI");
    return CREDO_INVALID;
  }
  end = s + strcspn(s, "?");
  at = memchr(s, '@', (size_t)(end - s));
  if (at && memchr(s, ':', (size_t)(at - s))) {
    snprintf(err, n,
             "the URI carries a password (USER:PASSWORD@): credo never "
             "takes one in a URI, where process lists and shell history "
             "keep it; give credo://USER@HOST and type the password when "
             "asked, or set CREDO_PASSWORD");
    return CREDO_INVALID;
  }
  if (!at || at == s || copy_dec(u->user, sizeof u->user, s, at - s) < 0) {
    snprintf(err, n,
             "the URI needs a user name of 1-64 bytes: "
             "credo://USER@HOST[:PORT]");
    return CREDO_INVALID;
  }
  if (host_port(u, at + 1, (size_t)(end - at - 1)) < 0) {
    snprintf(err, n,
             "bad host or port in the URI (HOST[:PORT], "
             "[v6-address][:PORT], port 1-65535)");
    return CREDO_INVALID;
  }
  for (q = *end ? end + 1 : end; *q;) {
    size_t k = strcspn(q, "&");
    if (k > 0 && option(u, q, k, err, n) < 0)
      return CREDO_INVALID;
    q += k + (q[k] == '&');
  }
  return CREDO_OK;
}
