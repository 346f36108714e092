/*
 * sh_shell.h -- the `credo` shell as a subcommand, and the context every
 * part of the shell shares.
 *
 * The shell's entry point is sh_shell_main (sh_cmd.h). One credo_shell
 * lives for one run of the shell (on sh_shell_main's stack); the REPL, the
 * statement runner and the backslash commands all work through it. The
 * only process-wide state is what signal and line-editor hooks need to
 * find the session (sh_signal.c, sh_tab.c), for the one interactive
 * session.
 */
#ifndef SH_SHELL_H
#define SH_SHELL_H

#include <stdio.h>

#include "credo.h"
#include "sh_output.h"

typedef struct credo_shell {
  credo *db;        /* the open store (or, later, server connection) */
  FILE *out;        /* results */
  FILE *err;        /* errors, timing */
  sh_format format; /* result format */
  int interactive;  /* reading a terminal: "OK" after statements without
                       rows, never stops on errors */
  int timing;       /* print each statement's elapsed time to err */
  int keep_going;   /* go on after a failing statement (non-interactive) */
  int failed;       /* some statement or command failed */
  int expanded;     /* sh_expanded: \x (table format) */
  int pager;        /* \pset pager: page results taller than the terminal
                       (interactive sessions on a terminal only) */
} credo_shell;

/* Parses a session time zone: "+HH:MM", "-HH:MM", "+HHMM", "+HH", "Z" or
 * "UTC" (case-insensitive), at most 18 hours. 0 and *offset_sec (seconds
 * east of UTC), or -1. */
int sh_tz_parse(const char *s, int *offset_sec);
/* Writes an offset as "+08:00" / "-05:30" / "Z" into buf (>= 8 bytes). */
void sh_tz_format(int offset_sec, char *buf, size_t n);

#endif /* SH_SHELL_H */
