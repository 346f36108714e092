/*
 * sh_output.h -- result formats of the credo shell, and the display width of
 * UTF-8 text.
 *
 * The shell hands each statement's result to an sh_result: begin with the
 * column names, one sh_row per row, then end (or abort on failure). Nothing
 * here talks to a store: values arrive as sh_value, so every format can be
 * tested with made-up rows. Only the credo_type enum is taken from credo.h.
 *
 * Formats:
 *   table  columns aligned by display width (CJK = 2 columns), a header, a
 *          separator, numbers right-aligned, a "(N rows)" footer. NULL is
 *          shown as "NULL". Control characters in cells are shown escaped
 *          (\n, \t, \r, \xNN) so a row stays on one line. Buffers the rows
 *          of one statement to measure them.
 *   csv    RFC 4180 quoting, a header line, "\n" line ends. NULL is an empty
 *          unquoted field, the empty string is "" (so the two differ).
 *   json   one array of row objects per statement, one row per line.
 *   jsonl  one object per row per line.
 * In json/jsonl, INT is a JSON integer, REAL a number (null when not finite),
 * BOOL true/false, NULL null, TIME its ISO 8601 text, JSON columns are
 * embedded as JSON values, TEXT is a string. Statements with no columns
 * print nothing in every format.
 */
#ifndef SH_OUTPUT_H
#define SH_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "credo.h"

typedef enum sh_format {
  SH_FORMAT_TABLE = 0,
  SH_FORMAT_CSV,
  SH_FORMAT_JSON,
  SH_FORMAT_JSONL
} sh_format;

/* Parses "table", "csv", "json", "jsonl" (case-insensitive). 0 or -1. */
int sh_format_parse(const char *name, sh_format *out);
/* The name of a format; "table" for anything unknown. */
const char *sh_format_name(sh_format f);

/* ------------------------------------------------------------ width */

#define SH_UTF8_INVALID UINT32_C(0xFFFFFFFF)

/* Decodes the UTF-8 sequence at s[0..n), n > 0. Returns the bytes it takes
 * (1-4) and sets *cp; a malformed, overlong, surrogate or truncated
 * sequence takes 1 byte and sets *cp = SH_UTF8_INVALID. */
size_t sh_utf8_next(const char *s, size_t n, uint32_t *cp);

/* Terminal columns of one code point: 0 for controls and combining marks,
 * 2 for East Asian Wide/Fullwidth, else 1. Uses wcwidth() when LC_CTYPE is
 * a UTF-8 locale, else (or when wcwidth does not know the character)
 * sh_char_width_fallback(). SH_UTF8_INVALID counts 1 (shown as U+FFFD). */
int sh_char_width(uint32_t cp);
/* The same from built-in tables, independent of the locale. */
int sh_char_width_fallback(uint32_t cp);
/* Terminal columns of s[0..n). */
size_t sh_display_width(const char *s, size_t n);

/* ------------------------------------------------------------- csv */

/* Writes one CSV field: quoted (with "" for ") when it holds , " CR or LF
 * or is empty; NULL writes nothing. */
void sh_csv_field(FILE *f, const char *s);

/* ---------------------------------------------------------- results */

typedef struct sh_value {
  credo_type type;  /* CREDO_T_NULL for NULL */
  int64_t i;        /* INT, BOOL */
  double r;         /* REAL */
  const char *text; /* the library's rendering (required for TEXT, TIME,
                       JSON; optional for INT, REAL, BOOL) */
} sh_value;

/* One statement's output in progress. Fields are private to sh_output.c. */
typedef struct sh_result {
  sh_format format;
  FILE *out;
  int ncol;
  char **names;           /* ncol copies */
  char **keys;            /* json: ncol quoted, de-duplicated keys */
  unsigned char *numeric; /* ncol: header right-aligned */
  char **cells;         /* table: nrows * ncol escaped copies, NULL for NULL */
  unsigned char *right; /* table: nrows * ncol right-alignment flags */
  size_t nrows, cap;
  int failed;    /* an allocation or write failed */
  int expanded;  /* table: sh_expanded mode (sh_result_expanded) */
  int term_cols; /* table: the terminal's width, for SH_EXPANDED_AUTO */
} sh_result;

/* Expanded display of the table format (psql's \x): one block per row,
 *   -[ RECORD 1 ]+-------
 *   id           | 12
 *   subject      | 91350100M000100Y43
 * (the names aligned, the values as the table shows them, no row count
 * except "(0 rows)" for an empty result). AUTO expands a result only
 * when its table would be wider than the terminal. */
typedef enum sh_expanded {
  SH_EXPANDED_OFF = 0,
  SH_EXPANDED_ON,
  SH_EXPANDED_AUTO
} sh_expanded;

/* Parses "on", "off", "auto" (case-insensitive). 0 or -1. */
int sh_expanded_parse(const char *s, sh_expanded *out);
const char *sh_expanded_name(sh_expanded x);

/* Starts a result of `ncol` columns (names may hold NULLs: "?column?").
 * decltypes (may be NULL) marks numeric columns. Prints nothing yet.
 * 0, or -1 when out of memory (r is then safe to abort). */
int sh_result_begin(sh_result *r, sh_format f, FILE *out, int ncol,
                    const char *const *names, const credo_type *decltypes);
/* Sets the expanded display of a table result (after sh_result_begin;
 * other formats ignore it); term_cols is the terminal's width (0:
 * unknown, AUTO then never expands). */
void sh_result_expanded(sh_result *r, sh_expanded x, int term_cols);
/* Adds one row of ncol values (copied or written out at once). 0 or -1. */
int sh_result_row(sh_result *r, const sh_value *row);
/* Finishes: prints the table / closes the json array; frees r. 0 or -1
 * when anything failed (out of memory, write error). */
int sh_result_end(sh_result *r);
/* Gives up after a statement failed part-way: a buffered table is
 * dropped; an open json array is left open (no JSON parser accepts the
 * partial rows as a complete answer); jsonl gets a last line
 * {"error": why} (why may be NULL); frees r. */
void sh_result_abort(sh_result *r, const char *why);

#endif /* SH_OUTPUT_H */
