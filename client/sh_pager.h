/*
 * sh_pager.h -- the pager of the interactive shell: a statement's output
 * taller (or, wrapped, longer) than the terminal goes through $PAGER
 * (default `less -FRX` when less is installed, else `more`), as psql does.
 */
#ifndef SH_PAGER_H
#define SH_PAGER_H

#include <stddef.h>
#include <stdio.h>

/* The size of the terminal on descriptor fd: 0 and *rows, *cols, or -1
 * when fd is not a terminal (or reports no size). */
int sh_term_size(int fd, int *rows, int *cols);

/* Terminal lines that text[0..n) fills on a terminal `cols` wide (a line
 * wider than cols wraps; a last line without '\n' counts). */
size_t sh_screen_lines(const char *text, size_t n, int cols);

/* The pager command: $PAGER when set and not empty, else "less -FRX" when
 * a `less` is on $PATH, else "more". Static or environment storage. */
const char *sh_pager_command(void);

/* One statement's output held back until its size is known. */
typedef struct sh_page {
  FILE *mem; /* what the statement writes to (NULL: not paging) */
  char *buf;
  size_t len;
  FILE *real; /* where it goes when it fits */
} sh_page;

/* Starts holding back output meant for `real`: returns the stream to write
 * to (real itself when no memory stream could be made). */
FILE *sh_page_begin(sh_page *pg, FILE *real);
/* Sends what was held: through the pager `cmd` when it fills more than
 * rows - 1 lines of a `cols` wide terminal, else to the real stream.
 * 0, or -1 when the pager could not be started (the output then goes to
 * the real stream). */
int sh_page_end(sh_page *pg, const char *cmd, int rows, int cols);

#endif /* SH_PAGER_H */
