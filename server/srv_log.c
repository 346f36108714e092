/*
 * srv_log.c -- structured log lines on stderr.
 *
 * Format: one line per event, logfmt style:
 *   ts=2025-06-01T08:00:00.123Z level=info event=connect conn=7 peer=...
 * Invariants: a line is built in a local buffer and written with a single
 * write(2), so lines of concurrent threads never interleave; values that
 * may hold spaces, quotes or control characters are quoted and escaped by
 * srv_logq. Callers never pass passwords or statement texts (a CREATE USER
 * text holds a password).
 *
 * Does not: filter by level or rotate files (stderr is the operator's).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "srv.h"

static const char *level_name(int level) {
  switch (level) {
  case SRV_WARN:
    return "warn";
  case SRV_ERROR:
    return "error";
  default:
    return "info";
  }
}

void srv_log(int level, const char *event, const char *fmt, ...) {
  char line[2048];
  struct timespec ts;
  struct tm tm;
  va_list ap;
  size_t k;
  int r;

  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  k = strftime(line, sizeof line, "ts=%Y-%m-%dT%H:%M:%S", &tm);
  r = snprintf(line + k, sizeof line - k, ".%03ldZ level=%s event=%s ",
               ts.tv_nsec / 1000000, level_name(level), event);
  k += r > 0 ? (size_t)r : 0;
  va_start(ap, fmt);
  r = vsnprintf(line + k, sizeof line - k, fmt, ap);
  va_end(ap);
  k += r > 0 ? (size_t)r : 0;
  if (k > sizeof line - 2)
    k = sizeof line - 2;
  while (k > 0 && line[k - 1] == ' ')
    k--;
  line[k++] = '\n';
  (void)!write(STDERR_FILENO, line, k);
}

const char *srv_logq(char *buf, size_t n, const char *s) {
  size_t k = 0;
  if (n < 3)
    return "\"\"";
  buf[k++] = '"';
  for (; s && *s && k + 5 < n; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      buf[k++] = '\\';
      buf[k++] = (char)c;
    } else if (c < 0x20 || c == 0x7f) {
      k += (size_t)snprintf(buf + k, n - k, "\\x%02x", c);
    } else {
      buf[k++] = (char)c;
    }
  }
  buf[k++] = '"';
  buf[k] = '\0';
  return buf;
}

const char *srv_flush_reason(int io_code) {
  if (io_code == CL_IO_NOMEM)
    return "out_of_memory";
  return io_code == CL_IO_TIMEOUT ? "write_timeout" : "peer_gone";
}
