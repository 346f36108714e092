/*
 * http_buf.c -- growable output buffers of the web front end and the
 * escapers every byte from the store or the request goes through: HTML
 * text and attribute escaping, percent-encoding of URL parts, and dates
 * in Beijing time.
 *
 * Invariants: a buffer is always NUL-terminated after its `len` bytes once
 * anything was appended; a failed allocation sets `oom`, after which
 * appends do nothing (the caller answers 500).
 *
 * Does not: decide what is shown (http_data.c, http_pages.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

void http_buf_init(http_buf *b) {
  memset(b, 0, sizeof *b);
}

void http_buf_free(http_buf *b) {
  if (!b)
    return;
  free(b->p);
  memset(b, 0, sizeof *b);
}

/* Makes room for `n` more bytes and the NUL. */
static int reserve(http_buf *b, size_t n) {
  size_t cap;
  char *p;
  if (b->oom)
    return -1;
  if (b->len + n + 1 <= b->cap)
    return 0;
  cap = b->cap ? b->cap : 1024;
  while (cap < b->len + n + 1)
    cap *= 2;
  if (!(p = realloc(b->p, cap))) {
    b->oom = 1;
    return -1;
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

void http_buf_put(http_buf *b, const char *s, size_t n) {
  if (reserve(b, n) < 0)
    return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void http_buf_puts(http_buf *b, const char *s) {
  if (s)
    http_buf_put(b, s, strlen(s));
}

void http_buf_printf(http_buf *b, const char *fmt, ...) {
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || reserve(b, (size_t)n) < 0)
    return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void http_buf_html(http_buf *b, const char *s) {
  const char *run;
  if (!s)
    return;
  for (run = s; *s; s++) {
    const char *ent = NULL;
    switch (*s) {
    case '&':
      ent = "&amp;";
      break;
    case '<':
      ent = "&lt;";
      break;
    case '>':
      ent = "&gt;";
      break;
    case '"':
      ent = "&quot;";
      break;
    case '\'':
      ent = "&#39;";
      break;
    default:
      continue;
    }
    http_buf_put(b, run, (size_t)(s - run));
    http_buf_puts(b, ent);
    run = s + 1;
  }
  http_buf_put(b, run, (size_t)(s - run));
}

void http_buf_url(http_buf *b, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  char e[3];
  if (!s)
    return;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      http_buf_put(b, (const char *)&c, 1);
      continue;
    }
    e[0] = '%';
    e[1] = hex[c >> 4];
    e[2] = hex[c & 15];
    http_buf_put(b, e, 3);
  }
}

void http_iso(credo_time t, char out[40]) {
  out[0] = '\0';
  if (t == CREDO_TIME_OPEN || credo_time_format(t, HTTP_TZ, out, 40))
    out[0] = '\0';
}

void http_buf_date(http_buf *b, credo_time t) {
  char iso[40];
  if (t == CREDO_TIME_OPEN) {
    http_buf_puts(b, "长期");
    return;
  }
  http_iso(t, iso);
  http_buf_put(b, iso, strnlen(iso, 10)); /* YYYY-MM-DD */
}
