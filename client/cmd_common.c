/*
 * cmd_common.c -- helpers of the operations subcommands (cmds.h): usage
 * errors, opening a store, counts and durations on the command line, time
 * formatting, and the progress line.
 *
 * Invariants: the progress line is drawn only on a terminal (or when
 * CREDO_PROGRESS=always), on stderr, so stdout stays machine-readable; it
 * is always cleared before the caller prints anything else. No global
 * state: a cmd_progress lives in its command's frame.
 *
 * Does not: parse a command's own options or know any file format.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "sh_prompt.h"

int cmd_usage(const char *synopsis, const char *fmt, ...) {
  va_list ap;
  fputs("credo: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nusage: credo %s\n", synopsis);
  return CMD_USAGE;
}

int cmd_open(const char *store, unsigned flags, credo **out) {
  credo_options o = {.flags = flags};
  char label[512];
  int rc;

  rc = credo_open(store, &o, out);
  if (rc != CREDO_OK) {
    fprintf(stderr, "error: cannot open store '%s': %s\n",
            sh_store_label(store, label, sizeof label),
            *out ? credo_errmsg(*out) : credo_strerror(rc));
    credo_close(*out);
    *out = NULL;
  }
  return rc;
}

int cmd_open_local(const char *store, unsigned flags, credo **out) {
  char buf[512];
  const char *label;

  *out = NULL;
  if (sh_is_uri(store)) {
    /* These tools read or write a store's files in bulk (dump, batches,
     * the integrity walk); the protocol carries statements only. */
    label = sh_store_label(store, buf, sizeof buf);
    fprintf(stderr,
            "error: %s: this command works on a store directory, not on a "
            "server; run it on the server's machine against its store "
            "directory, or send CQL to the server: credo '%s' --format "
            "jsonl -c 'SELECT ...' (reads), credo '%s' -f FILE.cql "
            "(writes)\n",
            label, label, label);
    return CREDO_NOTSUP;
  }
  return cmd_open(store, flags, out);
}

int cmd_parse_count(const char *s, uint64_t max, uint64_t *out) {
  char *end;
  unsigned long long v;
  if (!s || !isdigit((unsigned char)*s))
    return -1;
  v = strtoull(s, &end, 10);
  if (*end || v < 1 || v > max)
    return -1;
  *out = v;
  return 0;
}

/* One "N UNIT" term added to *d. 0 or -1. */
static int add_term(unsigned long long n, const char *unit, size_t len,
                    credo_duration *d) {
  static const struct {
    const char *name;
    int32_t months;
    int64_t usec;
  } units[] = {{"YEAR", 12, 0},
               {"MONTH", 1, 0},
               {"WEEK", 0, 7 * CREDO_USEC_PER_DAY},
               {"DAY", 0, CREDO_USEC_PER_DAY},
               {"HOUR", 0, 3600 * CREDO_USEC_PER_SEC},
               {"MINUTE", 0, 60 * CREDO_USEC_PER_SEC},
               {"SECOND", 0, CREDO_USEC_PER_SEC},
               {"MICROSECOND", 0, 1}};
  if (len > 1 && (unit[len - 1] == 'S' || unit[len - 1] == 's'))
    len--; /* plural */
  for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
    if (strlen(units[i].name) != len || strncasecmp(unit, units[i].name, len))
      continue;
    if (n > 100000 * 12 ||
        (units[i].usec &&
         n > (unsigned long long)(INT64_MAX / units[i].usec / 4)))
      return -1;
    d->months += (int32_t)(n * (unsigned long long)units[i].months);
    d->usec += (int64_t)n * units[i].usec;
    return 0;
  }
  return -1;
}

int cmd_parse_duration(const char *s, credo_duration *out) {
  credo_duration d = {0, 0};
  const char *p = s ? s : "";
  char *end;
  while (isspace((unsigned char)*p))
    p++;
  if (*p == '\0' || strcmp(p, "0") == 0) {
    *out = d;
    return 0;
  }
  while (*p) {
    if (!isdigit((unsigned char)*p))
      return -1;
    unsigned long long n = strtoull(p, &end, 10);
    p = end;
    while (isspace((unsigned char)*p))
      p++;
    const char *unit = p;
    while (isalpha((unsigned char)*p))
      p++;
    if (p == unit || add_term(n, unit, (size_t)(p - unit), &d) < 0)
      return -1;
    while (isspace((unsigned char)*p))
      p++;
  }
  *out = d;
  return 0;
}

const char *cmd_fmt_time(credo_time t, int tz, char *buf, size_t n) {
  if (credo_time_format(t, tz, buf, n) != CREDO_OK)
    snprintf(buf, n, "?");
  return buf;
}

double cmd_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ----------------------------------------------------------- progress */

static int progress_wanted(void) {
  const char *e = getenv("CREDO_PROGRESS");
  if (e && strcmp(e, "always") == 0)
    return 1;
  if (e && strcmp(e, "never") == 0)
    return 0;
  return isatty(STDERR_FILENO);
}

void cmd_progress_start(cmd_progress *p, const char *label, const char *unit,
                        uint64_t total) {
  memset(p, 0, sizeof *p);
  p->on = progress_wanted();
  p->label = label;
  p->unit = unit;
  p->total = total;
  p->start = p->last = cmd_now();
}

static void fmt_eta(double sec, char *buf, size_t n) {
  long s = sec < 0 ? 0 : (long)(sec + 0.5);
  if (s >= 3600)
    snprintf(buf, n, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else
    snprintf(buf, n, "%ld:%02ld", s / 60, s % 60);
}

void cmd_progress_show(cmd_progress *p, uint64_t done, uint64_t items) {
  double now = cmd_now(), el = now - p->start;
  char bar[32], eta[32] = "";
  if (!p->on || (p->drawn && now - p->last < 0.1))
    return;
  p->last = now;
  p->drawn = 1;
  double rate = el > 0 ? (double)items / el : 0;
  fprintf(stderr, "\r%s ", p->label);
  if (p->total) {
    double f = done >= p->total ? 1.0 : (double)done / (double)p->total;
    int fill = (int)(f * 24);
    for (int i = 0; i < 24; i++)
      bar[i] = i < fill ? '#' : '.';
    bar[24] = '\0';
    if (f > 0.001)
      fmt_eta(el / f - el, eta, sizeof eta);
    fprintf(stderr, "[%s] %5.1f%% ", bar, f * 100);
  }
  fprintf(stderr, "%llu %s", (unsigned long long)items, p->unit);
  if (el >= 0.5) /* rates and ETAs from the first moments are noise */
    fprintf(stderr, "  %.0f %s/s", rate, p->unit);
  if (*eta && el >= 0.5)
    fprintf(stderr, "  ETA %s", eta);
  fputs("\033[K", stderr);
  fflush(stderr);
}

void cmd_progress_end(cmd_progress *p) {
  if (p->on && p->drawn) {
    fputs("\r\033[K", stderr);
    fflush(stderr);
  }
  p->drawn = 0;
}
