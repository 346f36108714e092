/*
 * sh_signal.h -- Ctrl-C in the interactive shell: SIGINT never ends it; at
 * the prompt it discards the line being typed, during a statement it
 * cancels the statement (credo_interrupt on the shell's handle).
 */
#ifndef SH_SIGNAL_H
#define SH_SIGNAL_H

#include <stdio.h>

#include "credo.h"

/* Installs the SIGINT handler (SA_RESTART) aimed at `db`: each Ctrl-C
 * sets the pending flag and calls credo_interrupt(db). Call
 * sh_sig_uninstall before closing db. */
void sh_sig_install(credo *db);
/* Restores the action SIGINT had before sh_sig_install. */
void sh_sig_uninstall(void);
/* 1 when a SIGINT came since the last call (and clears it), else 0. */
int sh_sig_take(void);
/* The line editor's character reader (rl_getc_function): reads one
 * character of f's descriptor -- a UTF-8 sequence decoded into its code
 * point (U+FFFD when malformed) -- or EOF at end of input or when Ctrl-C
 * is pressed (sh_sig_take then says 1). SIGINT is blocked except inside
 * ppoll, so a Ctrl-C cannot slip between the check and the wait. */
int sh_sig_getc(FILE *f);

#endif /* SH_SIGNAL_H */
