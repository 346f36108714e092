/*
 * bs_util.c -- the plumbing of bench_scale: clocks, latency percentiles,
 * figures over runs and the results CSV, progress lines, disk usage and
 * ISO time text.
 *
 * Does not: measure anything by itself or know about any peer.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bs.h"

double bs_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bs_die(const char *what, const char *msg) {
  fprintf(stderr, "bench_scale: %s: %s\n", what, msg ? msg : "(no message)");
  exit(1);
}

static double t_start;
__attribute__((constructor)) static void log_start(void) {
  t_start = bs_now();
}

void bs_log(const bs_out *o, const char *fmt, ...) {
  double t0 = t_start;
  va_list ap;
  fprintf(stderr, "[%s %s %6.1fs] ", o->scale, o->peer, bs_now() - t0);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

/* ------------------------------------------------------------ latency */

void bs_lat_add(bs_lat *l, double us) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 4096;
    double *p = realloc(l->us, cap * sizeof *p);
    if (!p)
      bs_die("latencies", "out of memory");
    l->us = p;
    l->cap = cap;
  }
  l->us[l->n++] = us;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double bs_lat_pct(bs_lat *l, double q) {
  size_t i;
  if (l->n == 0)
    return 0;
  qsort(l->us, l->n, sizeof *l->us, cmp_double);
  i = (size_t)(q * (double)l->n);
  return l->us[i < l->n ? i : l->n - 1];
}

void bs_lat_free(bs_lat *l) {
  free(l->us);
  memset(l, 0, sizeof *l);
}

/* ------------------------------------------------------------ figures */

void bs_fig_add(bs_fig *f, double v) {
  if (f->n < (int)(sizeof f->v / sizeof *f->v))
    f->v[f->n++] = v;
}

void bs_fig_lat(bs_fig *f, bs_lat *l) {
  if (f->nlat < (int)(sizeof f->p50 / sizeof *f->p50)) {
    f->p50[f->nlat] = bs_lat_pct(l, 0.50);
    f->p99[f->nlat] = bs_lat_pct(l, 0.99);
    f->nlat++;
  }
  l->n = 0;
}

static double median(const double *v, int n) {
  double s[16];
  if (n <= 0)
    return 0;
  memcpy(s, v, (size_t)n * sizeof *s);
  qsort(s, (size_t)n, sizeof *s, cmp_double);
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double extreme(const double *v, int n, int max) {
  double x = v[0];
  for (int i = 1; i < n; i++)
    if (max ? v[i] > x : v[i] < x)
      x = v[i];
  return x;
}

static void append_line(const bs_out *o, const char *line) {
  FILE *f = fopen(o->csv, "a");
  if (!f)
    bs_die("cannot append to", o->csv);
  fputs(line, f);
  if (fclose(f) != 0)
    bs_die("cannot write", o->csv);
}

/* The note without commas (the CSV's last column stays one field). */
static const char *csv_note(const char *note, char *buf, size_t n) {
  snprintf(buf, n, "%s", note ? note : "");
  for (char *p = buf; *p; p++)
    if (*p == ',')
      *p = ';';
  return buf;
}

void bs_emit(const bs_out *o, const char *workload, const char *unit,
             const bs_fig *f) {
  char line[1024], note[512];
  if (f->n == 0)
    return;
  snprintf(line, sizeof line,
           "%s,%llu,%s,%s,%s,%.6g,%.6g,%.6g,%d,%.6g,%.6g,%llu,%s\n", o->scale,
           (unsigned long long)o->events, o->peer, workload, unit,
           median(f->v, f->n), extreme(f->v, f->n, 0), extreme(f->v, f->n, 1),
           f->n, f->nlat ? median(f->p50, f->nlat) : 0,
           f->nlat ? median(f->p99, f->nlat) : 0, (unsigned long long)f->rows,
           csv_note(f->note, note, sizeof note));
  append_line(o, line);
  bs_log(o, "%-22s %12.6g %s (min %.6g, max %.6g, %d runs)%s%s", workload,
         median(f->v, f->n), unit, extreme(f->v, f->n, 0),
         extreme(f->v, f->n, 1), f->n, f->note ? " " : "",
         f->note ? f->note : "");
}

void bs_emit_skip(const bs_out *o, const char *workload, const char *why) {
  char line[1024];
  char note[512];
  snprintf(line, sizeof line, "%s,%llu,%s,%s,skipped,0,0,0,0,0,0,0,%s\n",
           o->scale, (unsigned long long)o->events, o->peer, workload,
           csv_note(why, note, sizeof note));
  append_line(o, line);
  bs_log(o, "%-22s skipped: %s", workload, why);
}

/* ------------------------------------------------------------ files */

uint64_t bs_disk_bytes(const char *path) {
  struct stat st;
  uint64_t sum;
  DIR *d;
  struct dirent *de;
  char sub[4096];
  if (lstat(path, &st) != 0)
    return 0;
  sum = (uint64_t)st.st_blocks * 512;
  if (!S_ISDIR(st.st_mode) || !(d = opendir(path)))
    return sum;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
    sum += bs_disk_bytes(sub);
  }
  closedir(d);
  return sum;
}

void bs_iso(credo_time t, char *out, size_t n) {
  time_t s = (time_t)(t / CREDO_USEC_PER_SEC);
  long us = (long)(t % CREDO_USEC_PER_SEC);
  struct tm tm;
  if (t == CREDO_TIME_OPEN) {
    snprintf(out, n, "infinity");
    return;
  }
  gmtime_r(&s, &tm);
  snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld+00", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
}

void bs_fsync_path(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0 || fsync(fd) != 0)
    bs_die("fsync", path);
  close(fd);
}

void bs_rmrf(const char *path) {
  char cmd[4200];
  if (strchr(path, '\'') || strlen(path) > 4000)
    bs_die("rm", path);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd) != 0)
    bs_die("rm", path);
}
