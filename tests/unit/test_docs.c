/*
 * test_docs.c -- runs every example of docs/cql.md, so the language
 * reference cannot rot.
 *
 * Owns: reading the reference (CREDO_SRC/docs/cql.md when the CREDO_SRC
 * environment variable names the source tree, else docs/cql.md from the
 * current directory, which is the repository root under `make unit-run`),
 * extracting its ```cql and ```cql-error blocks in order with the
 * ```output block that follows each, running them on ONE fresh store
 * through the public API (credo_prepare / credo_step / credo_column_* per
 * statement, tail after tail) with a fixed clock and the session time zone
 * +08:00, and comparing what they print with the doc.
 *
 * The conventions it checks are the ones docs/cql.md states at its top:
 *  - output is what `credo STORE --tz +08:00 -c '<block>'` prints: the
 *    shell's table format (rendered here with the shell's own sh_output),
 *    then, for a failing statement, "error: MESSAGE", the source line and
 *    a caret (what the shell writes to stderr); a line of an output block
 *    that ends in "..." matches any line that starts like it (for values
 *    that depend on the platform, such as SHOW STATS' used_bytes);
 *  - a ```cql block must succeed; if it prints anything, an ```output block
 *    must follow it with exactly that text;
 *  - a ```cql-error block must fail at its last statement, and is followed
 *    by an ```output block;
 *  - the clock stands still during a statement and moves one second after
 *    each; `<!-- doc-test: clock ISO-TIME -->` sets it; `<!-- doc-test:
 *    role ROLE -->` runs the next block on a credo_dup() of the handle
 *    lowered to that role (actor = the role's name).
 * With CREDO_DOCS_WRITE=FILE set, it also writes the doc with every
 * output block that differs replaced by (and, where one is missing, given)
 * what the examples actually printed: review the diff, then copy it over
 * docs/cql.md.
 *
 * Does not: test the shell binary (tests/integration/shell.sh does) or
 * check prose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "credo.h"
#include "sh_exec.h"
#include "sh_output.h"
#include "sh_split.h"
#include "th.h"

#define DOC_PATH "docs/cql.md"
#define DIRECTIVE "<!-- doc-test:"

enum { EX_CQL = 1, EX_ERROR = 2 };

/* One example: a cql / cql-error block and its output block. Line
 * numbers are 0-based indexes into the doc's lines. */
typedef struct example {
  int kind;
  char *text;         /* the block's statements */
  size_t open, close; /* lines of its fences */
  int has_out;        /* an output block follows */
  size_t out_open, out_close;
  char *want;       /* the output block's text ("" when none) */
  credo_time clock; /* set before the block; 0 = keep */
  int role;         /* run as this role; -1 = the admin handle */
  char *got;        /* what running it printed */
} example;

typedef struct doc {
  char *buf; /* the file, lines NUL-terminated in place */
  char **lines;
  size_t nlines;
  example *ex;
  size_t nex;
} doc;

/* ------------------------------------------------------------ reading */

static char *doc_path(void) {
  const char *src = getenv("CREDO_SRC");
  char *p = NULL;
  if (src && *src) {
    if (asprintf(&p, "%s/%s", src, DOC_PATH) < 0)
      return NULL;
    return p;
  }
  return strdup(DOC_PATH);
}

static char *read_all(const char *path) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t n = 0;
  if (!f)
    fail_msg("cannot open %s (set CREDO_SRC to the source tree)", path);
  FILE *m = open_memstream(&buf, &n);
  assert_non_null(m);
  for (int c; (c = fgetc(f)) != EOF;)
    fputc(c, m);
  fclose(f);
  fclose(m);
  return buf;
}

static void split_lines(doc *d) {
  size_t cap = 64;
  d->lines = malloc(cap * sizeof *d->lines);
  assert_non_null(d->lines);
  for (char *p = d->buf; *p;) {
    char *nl = strchr(p, '\n');
    if (d->nlines == cap)
      assert_non_null(d->lines =
                          realloc(d->lines, (cap *= 2) * sizeof *d->lines));
    d->lines[d->nlines++] = p;
    if (!nl)
      break;
    *nl = '\0';
    p = nl + 1;
  }
}

/* The text of lines (a, b) exclusive, each with its '\n'. */
static char *join_lines(const doc *d, size_t a, size_t b) {
  char *s = NULL;
  size_t n = 0;
  FILE *m = open_memstream(&s, &n);
  assert_non_null(m);
  for (size_t i = a + 1; i < b; i++)
    fprintf(m, "%s\n", d->lines[i]);
  fclose(m);
  return s;
}

/* The line of the fence closing the block opened at line `open`. */
static size_t fence_end(const doc *d, size_t open) {
  for (size_t i = open + 1; i < d->nlines; i++)
    if (strcmp(d->lines[i], "```") == 0)
      return i;
  fail_msg("%s:%zu: unterminated code block", DOC_PATH, open + 1);
  return 0;
}

static int is_blank(const char *s) {
  return s[strspn(s, " \t\r")] == '\0';
}

/* ----------------------------------------------------------- parsing */

/* Applies `<!-- doc-test: WORD VALUE -->` to the pending settings. */
static void directive(const char *line, size_t at, credo_time *clock,
                      int *role) {
  char word[32], value[64];
  credo_role r;
  if (sscanf(line + strlen(DIRECTIVE), " %31s %63s -->", word, value) != 2)
    fail_msg("%s:%zu: bad directive: %s", DOC_PATH, at + 1, line);
  if (strcmp(word, "clock") == 0) {
    if (credo_time_parse(value, 0, clock) != CREDO_OK)
      fail_msg("%s:%zu: bad clock time %s", DOC_PATH, at + 1, value);
  } else if (strcmp(word, "role") == 0 && credo_role_parse(value, &r) == 0) {
    *role = (int)r;
  } else {
    fail_msg("%s:%zu: unknown directive %s %s", DOC_PATH, at + 1, word, value);
  }
}

/* Binds the output block opened at line i to the last example, if only
 * blank lines separate them. */
static void take_output(doc *d, size_t i, size_t close) {
  example *e = d->nex ? &d->ex[d->nex - 1] : NULL;
  size_t k = e ? e->close + 1 : 0;
  while (e && k < i && is_blank(d->lines[k]))
    k++;
  if (!e || k != i || e->has_out)
    fail_msg("%s:%zu: an output block must follow a cql block", DOC_PATH,
             i + 1);
  e->has_out = 1;
  e->out_open = i;
  e->out_close = close;
  free(e->want);
  e->want = join_lines(d, i, close);
}

static void add_example(doc *d, int kind, size_t open, size_t close,
                        credo_time *clock, int *role) {
  example *e;
  d->ex = realloc(d->ex, (d->nex + 1) * sizeof *d->ex);
  assert_non_null(d->ex);
  e = &d->ex[d->nex++];
  memset(e, 0, sizeof *e);
  e->kind = kind;
  e->open = open;
  e->close = close;
  e->text = join_lines(d, open, close);
  e->want = strdup("");
  e->clock = *clock;
  e->role = *role;
  *clock = 0;
  *role = -1;
}

static void parse_doc(doc *d) {
  credo_time clock = 0;
  int role = -1;
  split_lines(d);
  for (size_t i = 0; i < d->nlines; i++) {
    const char *l = d->lines[i];
    if (strncmp(l, DIRECTIVE, strlen(DIRECTIVE)) == 0) {
      directive(l, i, &clock, &role);
      continue;
    }
    if (strncmp(l, "```", 3) != 0)
      continue;
    size_t close = fence_end(d, i);
    if (strcmp(l + 3, "cql") == 0)
      add_example(d, EX_CQL, i, close, &clock, &role);
    else if (strcmp(l + 3, "cql-error") == 0)
      add_example(d, EX_ERROR, i, close, &clock, &role);
    else if (strcmp(l + 3, "output") == 0)
      take_output(d, i, close);
    i = close;
  }
}

static void free_doc(doc *d) {
  for (size_t i = 0; i < d->nex; i++) {
    free(d->ex[i].text);
    free(d->ex[i].want);
    free(d->ex[i].got);
  }
  free(d->ex);
  free(d->lines);
  free(d->buf);
}

/* ----------------------------------------------------------- running */

static credo_time doc_now;

static credo_time doc_clock(void *arg) {
  (void)arg;
  return doc_now;
}

/* Steps st to the end, printing its rows in the shell's table format.
 * Returns the last credo_step code. */
static int print_rows(credo_stmt *st, FILE *out) {
  int n = credo_column_count(st), rc;
  const char *names[64];
  credo_type decl[64];
  sh_value vals[64];
  sh_result res;
  assert_true(n >= 0 && n <= 64);
  for (int c = 0; c < n; c++) {
    names[c] = credo_column_name(st, c);
    decl[c] = credo_column_decltype(st, c);
  }
  assert_int_equal(sh_result_begin(&res, SH_FORMAT_TABLE, out, n, names, decl),
                   0);
  while ((rc = credo_step(st)) == CREDO_ROW) {
    sh_exec_fetch_row(st, vals, n);
    assert_int_equal(sh_result_row(&res, vals), 0);
  }
  if (rc == CREDO_DONE)
    assert_int_equal(sh_result_end(&res), 0);
  else
    sh_result_abort(&res, NULL);
  return rc;
}

/* Prints the handle's error as the shell does: "error: MESSAGE", then the
 * source line and a caret under the position (counted from `from`). */
static void show_error(credo *db, const char *text, size_t from, FILE *out) {
  const char *msg = credo_errmsg(db), *rest = msg;
  int line = 0, col = 0, k;
  char prefix[64];
  sh_pos pos;
  credo_errpos(db, &line, &col);
  if (line < 1 || sh_locate(text, strlen(text), from, line, col, &pos) != 0) {
    fprintf(out, "error: %s\n", msg);
    return;
  }
  k = snprintf(prefix, sizeof prefix, "line %d, column %d: ", line, col);
  if (strncmp(msg, prefix, (size_t)k) == 0)
    fprintf(out, "error: line %d, column %d: %s\n", pos.line, pos.column,
            rest + k);
  else
    fprintf(out, "error: %s\n", msg);
  fprintf(out, "%.*s\n", (int)(pos.line_end - pos.line_start),
          text + pos.line_start);
  for (size_t i = pos.line_start; i < pos.offset;) {
    uint32_t cp;
    size_t len = sh_utf8_next(text + i, pos.offset - i, &cp);
    fprintf(out, "%*s", text[i] == '\t' ? 1 : sh_char_width(cp), "");
    i += len;
  }
  fputs("^\n", out);
}

/* Runs the statements of `text` in order until one fails. Returns the
 * offset just past the failing statement, or 0 when all succeeded. */
static size_t run_text(credo *db, const char *text, FILE *out) {
  const char *p = text, *end = text + strlen(text);
  while (p < end) {
    credo_stmt *st = NULL;
    const char *tail = NULL;
    int rc = credo_prepare(db, p, (int)(end - p), &st, &tail);
    if (rc == CREDO_OK && !st)
      break;
    if (rc == CREDO_OK)
      rc = print_rows(st, out);
    doc_now += CREDO_USEC_PER_SEC;
    if (rc < 0) {
      fflush(out);
      show_error(db, text, (size_t)(p - text), out);
      credo_finalize(st);
      size_t k = sh_split_first(p, (size_t)(end - p));
      return (size_t)(p - text) + (k ? k : (size_t)(end - p));
    }
    credo_finalize(st);
    p = tail;
  }
  return 0;
}

/* 1 when `want` (a line of length wn) ends in "..." and `got` (gn)
 * starts like it. */
static int dots_match(const char *want, size_t wn, const char *got, size_t gn) {
  return wn >= 3 && strncmp(want + wn - 3, "...", 3) == 0 && gn >= wn - 3 &&
         strncmp(want, got, wn - 3) == 0;
}

/* 1 when the lines of `got` match those of `want`: equal, or, for a line
 * of `want` ending in "...", starting with the text before the dots. */
static int outputs_match(const char *want, const char *got) {
  while (*want && *got) {
    size_t wn = strcspn(want, "\n"), gn = strcspn(got, "\n");
    if (!dots_match(want, wn, got, gn) &&
        (wn != gn || strncmp(want, got, wn) != 0))
      return 0;
    want += wn + (want[wn] == '\n');
    got += gn + (got[gn] == '\n');
  }
  return *want == *got;
}

/* Runs one example on db (or a dup lowered to its role); fills e->got.
 * Returns a complaint, or NULL when the example behaved. */
static const char *run_example(credo *db, example *e) {
  credo *h = db;
  size_t n = 0, failed_at;
  FILE *m = open_memstream(&e->got, &n);
  assert_non_null(m);
  if (e->clock)
    doc_now = e->clock;
  if (e->role >= 0) {
    assert_int_equal(credo_dup(db, &h), CREDO_OK);
    assert_int_equal(credo_set_user(h, credo_role_name((credo_role)e->role),
                                    (credo_role)e->role),
                     CREDO_OK);
  }
  failed_at = run_text(h, e->text, m);
  fclose(m);
  if (h != db)
    credo_close(h);
  if (e->kind == EX_CQL && failed_at)
    return "a cql block failed";
  if (e->kind == EX_ERROR && !failed_at)
    return "a cql-error block did not fail";
  if (e->kind == EX_ERROR &&
      !sh_split_blank(e->text + failed_at, strlen(e->text + failed_at)))
    return "a cql-error block must fail at its last statement";
  if (!e->has_out && *e->got)
    return "the block prints rows but has no output block";
  if (!outputs_match(e->want, e->got))
    return "the output differs";
  return NULL;
}

/* ------------------------------------------------------------ writing */

/* Writes an output block of `got`, keeping the "..." lines of `want`
 * that still match. */
static void write_output(FILE *f, const char *want, const char *got) {
  fputs("```output\n", f);
  while (*got) {
    size_t wn = strcspn(want, "\n"), gn = strcspn(got, "\n");
    if (dots_match(want, wn, got, gn))
      fprintf(f, "%.*s\n", (int)wn, want);
    else
      fprintf(f, "%.*s\n", (int)gn, got);
    want += wn + (want[wn] == '\n');
    got += gn + (got[gn] == '\n');
  }
  fputs("```\n", f);
}

/* Writes the doc with each example's output replaced by what it printed
 * (and an output block added where one was missing but rows came). */
static void write_doc(const doc *d, const char *path) {
  FILE *f = fopen(path, "w");
  size_t e = 0;
  assert_non_null(f);
  for (size_t i = 0; i < d->nlines; i++) {
    const example *x = e < d->nex ? &d->ex[e] : NULL;
    if (x && x->has_out && i == x->out_open) {
      write_output(f, x->want, x->got ? x->got : x->want);
      i = x->out_close;
      e++;
      continue;
    }
    fprintf(f, "%s\n", d->lines[i]);
    if (x && i == x->close && !x->has_out) {
      if (x->got && *x->got) {
        fputc('\n', f);
        write_output(f, "", x->got);
      }
      e++;
    }
  }
  fclose(f);
}

/* -------------------------------------------------------------- tests */

static void load_doc(doc *d) {
  char *path = doc_path();
  assert_non_null(path);
  memset(d, 0, sizeof *d);
  d->buf = read_all(path);
  free(path);
  parse_doc(d);
  if (d->nex == 0)
    fail_msg("%s has no ```cql examples", DOC_PATH);
}

/* Runs every example in order on one store; reports every failure. */
static void test_examples(void **state) {
  doc d;
  char *dir = th_tmpdir("docs"), *report = NULL;
  size_t rn = 0, nfail = 0, nerr = 0, nout = 0;
  credo *db = NULL;
  FILE *r = open_memstream(&report, &rn);
  (void)state;
  load_doc(&d);
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  credo_set_clock(db, doc_clock, NULL);
  credo_set_tz(db, 8 * 3600);
  doc_now = th_t("2025-01-02T09:00:00+08:00");
  for (size_t i = 0; i < d.nex; i++) {
    example *e = &d.ex[i];
    const char *why = run_example(db, e);
    nerr += e->kind == EX_ERROR;
    nout += e->has_out;
    if (why && ++nfail)
      fprintf(r, "%s:%zu: %s\n--- block\n%s--- expected\n%s--- got\n%s\n",
              DOC_PATH, e->open + 1, why, e->text, e->want, e->got);
  }
  credo_close(db);
  th_rmdir(dir);
  fclose(r);
  print_message("%s: %zu examples (%zu error examples, %zu with output)\n",
                DOC_PATH, d.nex, nerr, nout);
  if (getenv("CREDO_DOCS_WRITE"))
    write_doc(&d, getenv("CREDO_DOCS_WRITE"));
  free_doc(&d);
  if (nfail) {
    fprintf(stderr, "%s", report);
    free(report);
    fail_msg("%zu of the examples in %s failed (see above)", nfail, DOC_PATH);
  }
  free(report);
}

/* Every statement and clause of the language appears in some example. */
static void test_coverage(void **state) {
  static const char *const must[] = {"CREATE TYPE",
                                     "CREATE SUBJECT",
                                     "RECORD ",
                                     "SELECT ",
                                     "DISTINCT",
                                     "WHERE",
                                     "GROUP BY",
                                     "HAVING",
                                     "ORDER BY",
                                     "LIMIT",
                                     "OFFSET",
                                     "AS OF",
                                     "VISIBLE AT",
                                     "INCLUDE HIDDEN",
                                     "INCLUDE RETRACTED",
                                     "FROM subjects",
                                     "FROM types",
                                     "HISTORY OF EVENT",
                                     "HISTORY OF SUBJECT",
                                     "REPAIR EVENT ",
                                     "REPAIR EVENTS WHERE",
                                     "EFFECTIVE",
                                     "CORRECT EVENT",
                                     "RETRACT EVENT",
                                     "EXPLAIN",
                                     "SHOW TYPES",
                                     "SHOW STATS",
                                     "SHOW USERS",
                                     "SHOW ERASURES",
                                     "ERASE EVENT",
                                     "ERASE SUBJECT",
                                     "RETAIN",
                                     "retain_until",
                                     "SET TIME ZONE",
                                     "BEGIN",
                                     "COMMIT",
                                     "ROLLBACK",
                                     "CREATE USER",
                                     "ALTER USER",
                                     "DROP USER",
                                     "PUBLIC FROM",
                                     "UNTIL",
                                     "BETWEEN",
                                     "LIKE",
                                     "IS NULL",
                                     "IN (",
                                     "NOW",
                                     "?",
                                     "--",
                                     "/*",
                                     "''",
                                     "CASE WHEN",
                                     "CAST(",
                                     "::",
                                     "FILTER (WHERE",
                                     "count(DISTINCT",
                                     "string_agg(",
                                     "date_trunc(",
                                     "extract(",
                                     "to_char(",
                                     "substr(",
                                     "position(",
                                     "round(",
                                     "::decimal",
                                     "NOT IN (SELECT",
                                     "EXISTS (SELECT",
                                     "UNION",
                                     "EXCEPT",
                                     "UNION ALL",
                                     "DESCRIBE ",
                                     "SHOW TABLES",
                                     "OVER (PARTITION BY",
                                     "row_number()",
                                     "lag(",
                                     "FROM versions"};
  doc d;
  (void)state;
  load_doc(&d);
  for (size_t k = 0; k < sizeof must / sizeof *must; k++) {
    size_t i = 0;
    while (i < d.nex && !strcasestr(d.ex[i].text, must[k]))
      i++;
    if (i == d.nex)
      fail_msg("no example in %s uses %s", DOC_PATH, must[k]);
  }
  free_doc(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_examples),
      cmocka_unit_test(test_coverage),
  };
  /* display widths as the shell measures them (credo.c) */
  if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "C.utf8"))
    setlocale(LC_CTYPE, "");
  return cmocka_run_group_tests(tests, NULL, NULL);
}
