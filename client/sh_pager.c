/*
 * sh_pager.c -- owns sending a statement's output through the pager
 * (sh_pager.h): measuring it against the terminal, choosing the command,
 * running it with popen.
 *
 * Invariants: all the held-back output is delivered exactly once, to the
 * pager or to the real stream; SIGPIPE is ignored while the pager is fed
 * (quitting the pager early is normal), and its old action restored.
 *
 * Does not: decide whether paging applies (sh_exec: an interactive
 * session, stdout a terminal, \pset pager on) or format anything.
 */
#include "sh_pager.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sh_output.h"

int sh_term_size(int fd, int *rows, int *cols) {
  struct winsize ws;
  if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 ||
      ws.ws_col == 0)
    return -1;
  *rows = ws.ws_row;
  *cols = ws.ws_col;
  return 0;
}

size_t sh_screen_lines(const char *text, size_t n, int cols) {
  size_t lines = 0, i = 0;
  while (i < n) {
    const char *nl = memchr(text + i, '\n', n - i);
    size_t end = nl ? (size_t)(nl - text) : n;
    size_t w = sh_display_width(text + i, end - i);
    lines += cols > 0 && w > (size_t)cols
                 ? (w + (size_t)cols - 1) / (size_t)cols
                 : 1;
    i = end + 1;
  }
  return lines;
}

/* 1 when an executable `name` is in a directory of $PATH. */
static int on_path(const char *name) {
  const char *path = getenv("PATH");
  char buf[4096];
  while (path && *path) {
    size_t k = strcspn(path, ":");
    snprintf(buf, sizeof buf, "%.*s/%s", (int)k, k ? path : ".", name);
    if (access(buf, X_OK) == 0)
      return 1;
    path += k + (path[k] == ':');
  }
  return 0;
}

const char *sh_pager_command(void) {
  const char *p = getenv("PAGER");
  if (p && *p)
    return p;
  return on_path("less") ? "less -FRX" : "more";
}

FILE *sh_page_begin(sh_page *pg, FILE *real) {
  memset(pg, 0, sizeof *pg);
  pg->real = real;
  fflush(real);
  pg->mem = open_memstream(&pg->buf, &pg->len);
  return pg->mem ? pg->mem : real;
}

int sh_page_end(sh_page *pg, const char *cmd, int rows, int cols) {
  int rc = 0;
  FILE *p = NULL;
  if (!pg->mem)
    return 0;
  if (fclose(pg->mem) != 0) {
    free(pg->buf);
    return -1;
  }
  if (pg->len > 0 && sh_screen_lines(pg->buf, pg->len, cols) + 1 >
                         (size_t)(rows > 0 ? rows : 1)) {
    struct sigaction ign = {0}, old;
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    fflush(pg->real);
    if ((p = popen(cmd, "w")) != NULL) {
      fwrite(pg->buf, 1, pg->len, p); /* a pager quit early: EPIPE, fine */
      pclose(p);
    }
    sigaction(SIGPIPE, &old, NULL);
    rc = p ? 0 : -1;
  }
  if (!p) /* it fits, or no pager could be started */
    fwrite(pg->buf, 1, pg->len, pg->real);
  fflush(pg->real);
  free(pg->buf);
  memset(pg, 0, sizeof *pg);
  return rc;
}
