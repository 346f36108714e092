/*
 * sh_repl.h -- the shell's read loop: lines from a terminal (libedit, with
 * history) or from a script / pipe, accumulated into statements until a
 * ';' (see sh_split.h), and backslash commands.
 */
#ifndef SH_REPL_H
#define SH_REPL_H

#include <stdio.h>

#include "sh_shell.h"

/* Interactive loop on the terminal: prompts "credo> " ("credo*> " in a
 * transaction) and "   ...> ", line editing, TAB completion (sh_tab.h),
 * history in $CREDO_HISTORY or $HOME/.credo_history (an empty
 * $CREDO_HISTORY disables it). Ctrl-C discards the line and the statement
 * being typed, or cancels the running one (sh_signal.h); it never ends the
 * loop. Ends at EOF (Ctrl-D), exit, quit or \q. Errors are reported and
 * the loop goes on. Returns 0. */
int sh_repl_interactive(credo_shell *sh);

/* Runs statements and backslash commands read from `in` (a script or
 * standard input) until EOF or \q; a last statement without ';' is run at
 * EOF. Stops at the first failure unless sh->keep_going. Returns 0 when
 * everything ran, -1 when something failed (or `in` could not be read). */
int sh_repl_stream(credo_shell *sh, FILE *in);

#endif /* SH_REPL_H */
