/*
 * sh_exec.h -- runs CQL text on the shell's store and reports the outcome:
 * results through sh_output, errors to the shell's err stream with the
 * source line and a caret under the position.
 */
#ifndef SH_EXEC_H
#define SH_EXEC_H

#include <stddef.h>

#include "sh_output.h"
#include "sh_shell.h"

/* Runs every statement of text[0..n) in order (credo_prepare looping on
 * the tail, then credo_step / credo_finalize). `first_line` is the input
 * line on which text[0] stands (1 for -c), so errors name lines of the
 * whole input. A last statement may lack its ';' (the parser accepts that
 * at the end of the text). Stops at the first failure unless
 * sh->keep_going or sh->interactive. Sets sh->failed on failure. Returns 0
 * when everything ran, -1 when something failed. */
int sh_exec_text(credo_shell *sh, const char *text, size_t n, int first_line);

/* Prints "error: <msg>" the shell's way (for failures that are not CQL
 * statements: commands, options) and sets sh->failed. */
void sh_exec_error(credo_shell *sh, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reads the current row of st into vals[0..ncol) as the shell prints it
 * (the docs test reads examples the same way). Text pointers stay valid
 * until the next step. */
void sh_exec_fetch_row(credo_stmt *st, sh_value *vals, int ncol);

#endif /* SH_EXEC_H */
