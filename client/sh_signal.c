/*
 * sh_signal.c -- owns the shell's SIGINT handling (sh_signal.h).
 *
 * Invariants: the handler only touches a sig_atomic_t flag and calls
 * credo_interrupt, which include/credo.h documents as async-signal-safe;
 * errno is preserved. The handle it aims at is set before the handler is
 * installed and the handler is removed before the handle is closed, so it
 * never meets a closed handle. The one piece of process-wide state of the
 * shell lives here because a signal handler has no other way to find it.
 *
 * Does not: decide what a Ctrl-C means for the input (sh_repl) or report
 * the cancelled statement (sh_exec reports the engine's error).
 */
#include "sh_signal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got_sigint;
static credo *volatile sig_target;
static struct sigaction old_action;
static int installed;

static void on_sigint(int signo) {
  int e = errno;
  credo *db = sig_target;
  (void)signo;
  got_sigint = 1;
  if (db)
    credo_interrupt(db);
  errno = e;
}

void sh_sig_install(credo *db) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sa.sa_flags = SA_RESTART; /* writes to stdout or a pager go on */
  sigemptyset(&sa.sa_mask);
  sig_target = db;
  got_sigint = 0;
  if (sigaction(SIGINT, &sa, &old_action) == 0)
    installed = 1;
}

void sh_sig_uninstall(void) {
  if (installed)
    sigaction(SIGINT, &old_action, NULL);
  installed = 0;
  sig_target = NULL;
}

int sh_sig_take(void) {
  int was = got_sigint != 0;
  got_sigint = 0;
  return was;
}

/* One byte of fd, waiting in ppoll with SIGINT let in: the byte (0-255),
 * or EOF at end of input, on an error, or when a Ctrl-C came. SIGINT is
 * blocked by the caller. */
static int read_byte(int fd, const sigset_t *unblocked) {
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    unsigned char c;
    ssize_t n;
    if (got_sigint)
      return EOF; /* Ctrl-C: the line editor sees EOF, the caller the flag */
    /* SIGINT is let in only while waiting: none is lost in between */
    if (ppoll(&p, 1, NULL, unblocked) < 0) {
      if (errno == EINTR)
        continue;
      return EOF;
    }
    n = read(fd, &c, 1);
    if (n == 1)
      return c;
    if (n == 0 || (errno != EINTR && errno != EAGAIN))
      return EOF;
  }
}

/* The line editor takes what this returns as one character (libedit's
 * readline interface stores it as a wchar_t), so a UTF-8 sequence is
 * decoded here into its code point; a malformed one gives U+FFFD. */
int sh_sig_getc(FILE *f) {
  int fd = fileno(f), c, n, cp;
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigprocmask(SIG_BLOCK, &block, &old);
  c = read_byte(fd, &old);
  n = c < 0x80             ? 0
      : (c & 0xE0) == 0xC0 ? 1
      : (c & 0xF0) == 0xE0 ? 2
      : (c & 0xF8) == 0xF0 ? 3
                           : -1;
  cp = n > 0 ? c & (0x3F >> n) : c;
  for (int i = 0; c != EOF && i < n; i++) {
    int b = read_byte(fd, &old);
    if (b == EOF || (b & 0xC0) != 0x80) {
      cp = b == EOF ? EOF : 0xFFFD;
      break;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (c == EOF || cp == EOF)
    return EOF;
  return n < 0 ? 0xFFFD : cp;
}
