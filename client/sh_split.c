/*
 * sh_split.c -- owns the shell's view of CQL text: where statements end
 * (so the shell knows when to run what was typed, and where to resume
 * after a failed statement with --keep-going) and where an error position
 * falls in the whole input. The lexical rules are in sh_split.h.
 *
 * Invariants: the scan is a byte-wise state machine over the text; it never
 * reads past n and never allocates. A ';' inside a string, identifier,
 * comment or JSON value never ends a statement.
 *
 * Does not: parse CQL, validate strings or JSON (an unterminated one just
 * means "the statement is not finished"), know about lines of input.
 */
#include "sh_split.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

typedef struct scanner {
  sh_split_state st;
  int depth; /* JSON nesting, while in SH_SPLIT_JSON(_STRING) */
  int blank; /* nothing but blanks and comments seen */
} scanner;

/* Top-level step: enters strings, comments, JSON; notes non-blank text. */
static void scan_top(scanner *sc, char c, char next, size_t *i) {
  if (c == '-' && next == '-') {
    sc->st = SH_SPLIT_LINE_COMMENT, ++*i;
  } else if (c == '/' && next == '*') {
    sc->st = SH_SPLIT_BLOCK_COMMENT, ++*i;
  } else if (c == '\'') {
    sc->st = SH_SPLIT_STRING, sc->blank = 0;
  } else if (c == '"') {
    sc->st = SH_SPLIT_IDENT, sc->blank = 0;
  } else if (c == '{') {
    sc->st = SH_SPLIT_JSON, sc->depth = 1, sc->blank = 0;
  } else if (!isspace((unsigned char)c)) {
    sc->blank = 0;
  }
}

/* JSON step: strings, nesting, the closing brace. */
static void scan_json(scanner *sc, char c, char next, size_t *i) {
  if (sc->st == SH_SPLIT_JSON_STRING) {
    if (c == '\\' && next != '\0')
      ++*i;
    else if (c == '"')
      sc->st = SH_SPLIT_JSON;
  } else if (c == '"') {
    sc->st = SH_SPLIT_JSON_STRING;
  } else if (c == '{' || c == '[') {
    sc->depth++;
  } else if ((c == '}' || c == ']') && --sc->depth == 0) {
    sc->st = SH_SPLIT_TOP;
  }
}

/* Scans s[0..n) from the state in *sc. Returns the index just past the
 * first statement-ending ';', or 0 when there is none (*sc is then the
 * state at the end of s). */
static size_t scan(scanner *sc, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i], next = i + 1 < n ? s[i + 1] : '\0';
    switch (sc->st) {
    case SH_SPLIT_TOP:
      if (c == ';')
        return i + 1;
      scan_top(sc, c, next, &i);
      break;
    case SH_SPLIT_STRING:
    case SH_SPLIT_IDENT: {
      char q = sc->st == SH_SPLIT_STRING ? '\'' : '"';
      if (c == q && next == q)
        i++;
      else if (c == q)
        sc->st = SH_SPLIT_TOP;
      break;
    }
    case SH_SPLIT_LINE_COMMENT:
      if (c == '\n')
        sc->st = SH_SPLIT_TOP;
      break;
    case SH_SPLIT_BLOCK_COMMENT:
      if (c == '*' && next == '/')
        sc->st = SH_SPLIT_TOP, i++;
      break;
    case SH_SPLIT_JSON:
    case SH_SPLIT_JSON_STRING:
      scan_json(sc, c, next, &i);
      break;
    }
  }
  return 0;
}

size_t sh_split_first(const char *s, size_t n) {
  scanner sc = {SH_SPLIT_TOP, 0, 1};
  return scan(&sc, s, n);
}

size_t sh_split_complete(const char *s, size_t n) {
  size_t off = 0, k;
  while (off < n && (k = sh_split_first(s + off, n - off)) > 0)
    off += k;
  return off;
}

sh_split_state sh_split_end_state(const char *s, size_t n) {
  scanner sc = {SH_SPLIT_TOP, 0, 1};
  size_t off = 0, k;
  while (off < n && (k = scan(&sc, s + off, n - off)) > 0)
    off += k;
  return sc.st;
}

int sh_split_blank(const char *s, size_t n) {
  scanner sc = {SH_SPLIT_TOP, 0, 1};
  return scan(&sc, s, n) == 0 && sc.blank;
}

/* 1 for the first byte of a UTF-8 character (or any stray byte). */
static int char_start(char c) {
  return ((unsigned char)c & 0xC0) != 0x80;
}

void sh_pos_at(const char *text, size_t n, size_t offset, sh_pos *out) {
  size_t p = offset < n ? offset : n, start = p;
  while (start > 0 && text[start - 1] != '\n')
    start--;
  out->offset = p;
  out->line_start = start;
  out->line = 1;
  for (size_t i = 0; i < start; i++)
    out->line += text[i] == '\n';
  out->column = 1;
  for (size_t i = start; i < p; i++)
    out->column += char_start(text[i]);
  const char *nl = memchr(text + p, '\n', n - p);
  out->line_end = nl ? (size_t)(nl - text) : n;
}

int sh_locate(const char *text, size_t n, size_t from, int line, int column,
              sh_pos *out) {
  if (line < 1 || column < 1 || from > n)
    return -1;
  size_t p = from;
  for (int l = 1; l < line && p < n; p++)
    l += text[p] == '\n';
  for (int c = 1; c < column && p < n && text[p] != '\n'; c++) {
    p++;
    while (p < n && !char_start(text[p]))
      p++;
  }
  sh_pos_at(text, n, p, out);
  return 0;
}

static int word_char(unsigned char c) {
  return isalnum(c) || c == '_' || c >= 0x80;
}

int sh_has_secret(const char *s, size_t n) {
  static const char w[] = "password";
  size_t k = sizeof w - 1;
  for (size_t i = 0; i + k <= n; i++) {
    if (strncasecmp(s + i, w, k) != 0)
      continue;
    if ((i == 0 || !word_char((unsigned char)s[i - 1])) &&
        (i + k == n || !word_char((unsigned char)s[i + k])))
      return 1;
  }
  return 0;
}
