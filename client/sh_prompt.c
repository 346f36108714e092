/*
 * sh_prompt.c -- the password prompt of programs that open credo:// URIs
 * from a terminal (the `credo` shell and its commands).
 *
 * Owns: sh_read_password (a line from stdin, echo off on a terminal; also
 * credo-server --init-admin's, which links this file) and
 * sh_password_prompt. Not part of the library: libcredo never prompts.
 *
 * Invariants: prompts only when an argument is a credo:// or credos:// URI,
 * CREDO_PASSWORD is unset and stdin is a terminal; echo is off while the
 * password is typed and restored after, whatever happens; the password
 * reaches the library through CREDO_PASSWORD (the one place credo_open
 * looks besides credo_options.password) and the local copy is wiped.
 *
 * Does not: open anything, or prompt when input is a pipe or a script (a
 * script sets CREDO_PASSWORD).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sh_prompt.h"

int sh_read_password(const char *prompt, char *buf, size_t n) {
  struct termios old, quiet;
  int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0, got;
  if (tty) {
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    /* echo off before the prompt, so nothing typed after it is flushed */
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    fprintf(stderr, "%s", prompt);
    fflush(stderr);
  }
  got = fgets(buf, (int)n, stdin) != NULL;
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
  }
  if (!got)
    buf[0] = '\0';
  buf[strcspn(buf, "\r\n")] = '\0';
  return got ? 0 : -1;
}

int sh_is_uri(const char *path) {
  return strncmp(path, "credo://", 8) == 0 ||
         strncmp(path, "credos://", 9) == 0;
}

const char *sh_store_label(const char *store, char *buf, size_t n) {
  const char *auth, *at, *colon;
  size_t end;

  if (!store || !sh_is_uri(store))
    return store;
  auth = strstr(store, "://") + 3;
  end = strcspn(auth, "/?");
  at = memchr(auth, '@', end);
  colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
  if (!colon)
    return store;
  snprintf(buf, n, "%.*s:***%s", (int)(colon - store), store, at);
  return buf;
}

int sh_password_prompt(int argc, char **argv) {
  char pw[SH_MAX_PASSWORD + 2], prompt[300];
  const char *uri = NULL;
  int rc;
  for (int i = 1; i < argc && !uri; i++)
    if (sh_is_uri(argv[i]))
      uri = argv[i];
  if (!uri || getenv("CREDO_PASSWORD") || !isatty(STDIN_FILENO))
    return 0;
  char label[300];
  if (strchr(sh_store_label(uri, label, sizeof label), '*'))
    return 0; /* a password in the URI: credo_open refuses it, unechoed */
  snprintf(prompt, sizeof prompt, "password for %.250s: ", uri);
  rc = sh_read_password(prompt, pw, sizeof pw);
  if (rc == 0)
    setenv("CREDO_PASSWORD", pw, 1);
  explicit_bzero(pw, sizeof pw);
  return rc;
}
