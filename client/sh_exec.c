/*
 * sh_exec.c -- owns running CQL text through the public API and reporting
 * what happened: credo_prepare looping on the tail pointer, credo_step into
 * an sh_result, credo_finalize; "error: ..." with the source line and a
 * caret; "Time: ..." when timing is on.
 *
 * Error positions: credo_errpos counts lines and columns from the text
 * handed to that credo_prepare call (the tail of the input). They are
 * mapped back to the whole input, so "line L, column C" in a message names
 * the line of the script or -c text and the caret lands under the right
 * character (tabs are copied, wide characters padded by display width).
 *
 * Invariants: every prepared statement is finalized; the statement's error
 * is read before any other call on the handle; results go to sh->out,
 * errors and timing to sh->err, and sh->out is flushed before an error so
 * the two interleave in order.
 *
 * Does not: read input, decide what a line is, or format values.
 */
#include "sh_exec.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sh_pager.h"
#include "sh_signal.h"
#include "sh_split.h"

/* Text handed to the engine: `n` bytes; text[0] is on input line
 * `first_line`. */
typedef struct source {
  const char *text;
  size_t n;
  int first_line;
} source;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int go_on(const credo_shell *sh) {
  return sh->keep_going || sh->interactive;
}

void sh_exec_error(credo_shell *sh, const char *fmt, ...) {
  va_list ap;
  fflush(sh->out);
  fputs("error: ", sh->err);
  va_start(ap, fmt);
  vfprintf(sh->err, fmt, ap);
  va_end(ap);
  fputc('\n', sh->err);
  sh->failed = 1;
}

/* Writes the line of `pos` and under it a caret at its column. */
static void print_caret(FILE *f, const source *src, const sh_pos *pos) {
  const char *line = src->text + pos->line_start;
  fprintf(f, "%.*s\n", (int)(pos->line_end - pos->line_start), line);
  size_t k = pos->offset - pos->line_start;
  for (size_t i = 0; i < k;) {
    uint32_t cp;
    size_t len = line[i] == '\t' ? 1 : sh_utf8_next(line + i, k - i, &cp);
    if (line[i] == '\t')
      fputc('\t', f);
    else
      fprintf(f, "%*s", sh_char_width(cp), "");
    i += len;
  }
  fputs("^\n", f);
}

/* The message after its leading "line L, column C: ", when it has exactly
 * that prefix for (line, col); else NULL. */
static const char *after_position(const char *msg, int line, int col) {
  char prefix[64];
  int k = snprintf(prefix, sizeof prefix, "line %d, column %d: ", line, col);
  return strncmp(msg, prefix, (size_t)k) == 0 ? msg + k : NULL;
}

/* Reports the handle's last error (code rc) for the statement that starts
 * at byte `from` of src. */
static void report(credo_shell *sh, int rc, const source *src, size_t from) {
  const char *m = credo_errmsg(sh->db);
  char *msg = strdup(m && *m ? m : credo_strerror(rc));
  int line = 0, col = 0;
  sh_pos pos;
  credo_errpos(sh->db, &line, &col);
  if (!msg || line < 1 || sh_locate(src->text, src->n, from, line, col, &pos)) {
    sh_exec_error(sh, "%s", msg ? msg : credo_strerror(rc));
    goto done;
  }
  const char *rest = after_position(msg, line, col);
  if (rest)
    sh_exec_error(sh, "line %d, column %d: %s", src->first_line + pos.line - 1,
                  pos.column, rest);
  else
    sh_exec_error(sh, "%s", msg);
  print_caret(sh->err, src, &pos);
done:
  free(msg);
}

void sh_exec_fetch_row(credo_stmt *st, sh_value *vals, int ncol) {
  for (int c = 0; c < ncol; c++) {
    sh_value *v = &vals[c];
    memset(v, 0, sizeof *v);
    v->type = credo_column_type(st, c);
    if (v->type == CREDO_T_INT || v->type == CREDO_T_BOOL)
      v->i = credo_column_int64(st, c);
    else if (v->type == CREDO_T_REAL)
      v->r = credo_column_double(st, c);
    else if (v->type != CREDO_T_NULL)
      v->text = credo_column_text(st, c);
  }
}

/* The terminal's width for \x auto: 0 unless an interactive session
 * writes to a terminal. */
static int term_cols(const credo_shell *sh) {
  int rows, cols;
  if (!sh->interactive || sh_term_size(STDOUT_FILENO, &rows, &cols) < 0)
    return 0;
  return cols;
}

static int run_stmt(credo_shell *sh, credo_stmt *st, const source *src,
                    size_t from);

/* Runs st through run_stmt, its output held back and sent through the
 * pager when it is taller than the terminal (interactive sessions on a
 * terminal with the pager on; never for -c, -f or pipes). */
static int run_paged(credo_shell *sh, credo_stmt *st, const source *src,
                     size_t from) {
  sh_page pg;
  FILE *out = sh->out;
  int rows, cols, r;
  if (!sh->interactive || !sh->pager || out != stdout ||
      sh_term_size(STDOUT_FILENO, &rows, &cols) < 0)
    return run_stmt(sh, st, src, from);
  sh->out = sh_page_begin(&pg, out);
  r = run_stmt(sh, st, src, from);
  sh->out = out;
  sh_page_end(&pg, sh_pager_command(), rows, cols);
  (void)sh_sig_take(); /* a Ctrl-C typed in the pager ends only the pager */
  return r;
}

/* Starts the result of st with its columns; *vals gets room for a row.
 * 0 or -1 (out of memory). */
static int begin_result(credo_shell *sh, credo_stmt *st, sh_result *res,
                        sh_value **vals) {
  int ncol = credo_column_count(st), rc = -1;
  ncol = ncol > 0 ? ncol : 0;
  const char **names = calloc((size_t)ncol + 1, sizeof *names);
  credo_type *decl = calloc((size_t)ncol + 1, sizeof *decl);
  *vals = calloc((size_t)ncol + 1, sizeof **vals);
  if (!names || !decl || !*vals)
    goto done;
  for (int c = 0; c < ncol; c++) {
    names[c] = credo_column_name(st, c);
    decl[c] = credo_column_decltype(st, c);
  }
  rc = sh_result_begin(res, sh->format, sh->out, ncol, names, decl);
  if (rc == 0)
    sh_result_expanded(res, (sh_expanded)sh->expanded, term_cols(sh));
done:
  free(names);
  free(decl);
  return rc;
}

/* After a statement stopped by Ctrl-C: what became of the transaction it
 * ran in (the engine and the server keep it open after a cancelled read,
 * and roll it back when a write was stopped after it had written). */
static void cancel_note(credo_shell *sh, int was_in_txn) {
  if (!was_in_txn)
    fputs("cancelled by Ctrl-C; nothing was changed\n", sh->err);
  else if (credo_in_txn(sh->db))
    fputs("cancelled by Ctrl-C; the transaction is still open "
          "(COMMIT or ROLLBACK it)\n",
          sh->err);
  else
    fputs("cancelled by Ctrl-C; the transaction was rolled back\n", sh->err);
}

/* Steps st to the end, printing its rows. 0, -1 when the statement failed
 * (reported from the handle), -2 when printing failed (reported here). */
static int run_stmt(credo_shell *sh, credo_stmt *st, const source *src,
                    size_t from) {
  sh_result res = {0};
  sh_value *vals = NULL;
  int begun = 0, rc, out_rc = 0, in_txn = credo_in_txn(sh->db);
  while ((rc = credo_step(st)) == CREDO_ROW || rc == CREDO_DONE) {
    if (!begun) {
      begun = 1;
      if (begin_result(sh, st, &res, &vals) < 0) {
        out_rc = -2;
        break;
      }
    }
    if (rc == CREDO_DONE)
      break;
    sh_exec_fetch_row(st, vals, res.ncol);
    if (sh_result_row(&res, vals) < 0) {
      out_rc = -2;
      break;
    }
  }
  if (rc < 0)
    report(sh, rc, src, from);
  if (rc == CREDO_DONE && credo_stmt_notice(st))
    fprintf(sh->err, "NOTICE: %s\n", credo_stmt_notice(st));
  if (rc == CREDO_CANCELLED && sh->interactive && sh_sig_take())
    cancel_note(sh, in_txn);
  if (rc == CREDO_DONE && out_rc == 0) {
    int ncol = res.ncol;
    out_rc = sh_result_end(&res) < 0 ? -2 : 0;
    if (out_rc == 0 && ncol == 0 && sh->interactive)
      fputs("OK\n", sh->out);
  } else if (begun) {
    sh_result_abort(&res,
                    rc < 0 ? credo_errmsg(sh->db) : "cannot write the result");
  }
  if (out_rc < 0)
    sh_exec_error(sh, "cannot write the result (out of memory or I/O)");
  free(vals);
  return rc < 0 ? -1 : out_rc;
}

/* Prepares and runs each statement of src in turn. 0 or -1. */
static int run_source(credo_shell *sh, const source *src) {
  const char *p = src->text, *end = src->text + src->n;
  int rc = 0;
  while (p < end) {
    credo_stmt *st = NULL;
    const char *tail = NULL;
    double t0 = now_ms();
    int len = end - p > INT_MAX ? INT_MAX : (int)(end - p);
    int prc = credo_prepare(sh->db, p, len, &st, &tail);
    if (prc != CREDO_OK) {
      report(sh, prc, src, (size_t)(p - src->text));
      rc = -1;
      size_t k = sh_split_first(p, (size_t)(end - p));
      if (!go_on(sh) || k == 0)
        break;
      p += k;
      continue;
    }
    if (!st)
      break; /* only blanks and comments were left */
    int r = run_paged(sh, st, src, (size_t)(p - src->text));
    credo_finalize(st);
    if (sh->timing)
      fprintf(sh->err, "Time: %.3f ms\n", now_ms() - t0);
    if (r < 0 && (rc = -1, !go_on(sh)))
      break;
    if (!tail || tail <= p || tail > end)
      break;
    p = tail;
  }
  return rc;
}

int sh_exec_text(credo_shell *sh, const char *text, size_t n, int first_line) {
  source src = {text, n, first_line};
  return run_source(sh, &src);
}
