/*
 * sh_cmd.h -- the subcommands of the `credo` program.
 *
 * A subcommand is `int fn(int argc, char **argv)`: argv[0] is its name (or
 * the program's, for the shell run as `credo STORE_DIR`), the rest its own
 * arguments, which it parses itself. It returns the exit status: 0 success,
 * 1 failure, 2 usage error. It writes results to stdout and "error: ..."
 * lines to stderr; main flushes stdout and turns a failed flush into 1.
 *
 * Adding one (backup, verify, restore, check, import, export, ...): write
 * client/sh_<name>.c defining the function, declare it here, and add one
 * entry to the table in client/credo.c.
 */
#ifndef SH_CMD_H
#define SH_CMD_H

#include <stdio.h>

/* The shell: `credo [OPTIONS] STORE_DIR [-c TEXT | -f FILE]` (sh_shell.c).
 * Returns 0, 1 when a statement failed or the store could not be opened
 * (never for failures typed at an interactive prompt), 2 for usage. */
int sh_shell_main(int argc, char **argv);
/* The shell's part of the usage text: synopsis and options. */
void sh_shell_usage(FILE *f);

#endif /* SH_CMD_H */
