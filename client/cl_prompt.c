/*
 * cl_prompt.c -- the password prompt of programs that open credo:// URIs
 * from a terminal (the `credo` shell).
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

#include "cl_remote.h"

int cl_password_prompt(int argc, char **argv) {
  char pw[CL_MAX_PASSWORD + 2];
  const char *uri = NULL;
  struct termios old, quiet;
  int got;
  for (int i = 1; i < argc && !uri; i++)
    if (cl_remote_is_uri(argv[i]))
      uri = argv[i];
  if (!uri || getenv("CREDO_PASSWORD") || !isatty(STDIN_FILENO) ||
      tcgetattr(STDIN_FILENO, &old) != 0)
    return 0;
  quiet = old;
  quiet.c_lflag &= ~(tcflag_t)ECHO;
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet); /* before the prompt, so
                                                 nothing typed after it is
                                                 flushed */
  fprintf(stderr, "password for %s: ", uri);
  fflush(stderr);
  got = fgets(pw, sizeof pw, stdin) != NULL;
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  fputc('\n', stderr);
  pw[strcspn(pw, "\r\n")] = '\0';
  if (got)
    setenv("CREDO_PASSWORD", pw, 1);
  explicit_bzero(pw, sizeof pw);
  return got ? 0 : -1;
}
