/*
 * sh_complete.c -- owns the choice of TAB candidates (sh_complete.h): it
 * reads the statement typed so far as rough tokens (words, punctuation,
 * strings; comments skipped), decides from the last ones what kind of
 * name the cursor's word is, and filters the catalog by the word.
 *
 * Invariants: a pure function of its arguments (no store, no terminal);
 * never reads text past its NUL; candidates are owned copies.
 *
 * Does not: ask the store for the catalog or talk to the line editor
 * (sh_repl.c does both); parse CQL (a guess from the last tokens is all
 * completion needs -- the engine still judges the statement).
 */
#include "sh_complete.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sh_split.h"

/* The words the CQL lexer knows as keywords and the duration units,
 * listed from parser/lexer.re at build time (scripts/sh_keywords.sh), so
 * that completion offers exactly what the lexer reads. */
const char *const sh_complete_keywords[] = {
#include "sh_keywords.h"
    NULL};

static const char *const cast_types[] = {"BOOL", "DECIMAL", "INT", "REAL",
                                         "TEXT", "TIME",    NULL};
static const char *const kinds[] = {"org", "person", "other", NULL};
static const char *const show_what[] = {
    "ERASURES", "SESSIONS", "STATS", "TABLES", "TYPES", "USERS", NULL};
static const char *const on_off[] = {"on", "off", NULL};
static const char *const on_off_auto[] = {"on", "off", "auto", NULL};
static const char *const formats[] = {"table", "csv", "json", "jsonl", NULL};
static const char *const pset_what[] = {"pager", "expanded", NULL};

/* ------------------------------------------------------------ names */

int sh_names_add(sh_names *l, const char *s, size_t n) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 16;
    char **v = realloc(l->v, cap * sizeof *v);
    if (!v)
      return -1;
    l->v = v, l->cap = cap;
  }
  if (!(l->v[l->n] = strndup(s, n)))
    return -1;
  l->n++;
  return 0;
}

int sh_names_has(const sh_names *l, const char *s) {
  for (size_t i = 0; i < l->n; i++)
    if (strcasecmp(l->v[i], s) == 0)
      return 1;
  return 0;
}

void sh_names_free(sh_names *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
  memset(l, 0, sizeof *l);
}

void sh_catalog_free(sh_catalog *c) {
  sh_names_free(&c->tables);
  sh_names_free(&c->columns);
  sh_names_free(&c->types);
  sh_names_free(&c->functions);
  sh_names_free(&c->commands);
}

/* ----------------------------------------------------------- tokens */

enum { TK_WORD, TK_PUNCT, TK_STRING };

typedef struct tok {
  int kind;
  const char *s; /* TK_WORD: the word; TK_PUNCT: the character */
  size_t n;
} tok;

#define MAX_TOKS 4096 /* the last ones matter; older ones are dropped */

typedef struct toks {
  tok v[MAX_TOKS];
  size_t n;
} toks;

static void push(toks *t, int kind, const char *s, size_t n) {
  if (t->n == MAX_TOKS) {
    memmove(t->v, t->v + MAX_TOKS / 2, (MAX_TOKS / 2) * sizeof *t->v);
    t->n = MAX_TOKS / 2;
  }
  t->v[t->n++] = (tok){kind, s, n};
}

static int is_word_char(char c) {
  return isalnum((unsigned char)c) || c == '_';
}

/* Where the quoted text starting at s[i] (a `q`) ends: past its closing
 * quote, or e. A doubled quote is an escaped one. */
static size_t skip_quoted(const char *s, size_t i, size_t e, char q) {
  for (i++; i < e; i++)
    if (s[i] == q && !(i + 1 < e && s[i + 1] == q))
      return i + 1;
    else if (s[i] == q)
      i++;
  return e;
}

/* Rough tokens of s[b..e): words, strings, one-character punctuation
 * ("::" counts as one ':' token); comments and JSON values skipped. */
static void tokenize(const char *s, size_t b, size_t e, toks *t) {
  size_t i = b;
  while (i < e) {
    char c = s[i];
    if (isspace((unsigned char)c)) {
      i++;
    } else if (c == '-' && i + 1 < e && s[i + 1] == '-') {
      while (i < e && s[i] != '\n')
        i++;
    } else if (c == '/' && i + 1 < e && s[i + 1] == '*') {
      const char *end = strstr(s + i + 2, "*/");
      i = end && (size_t)(end - s) + 2 <= e ? (size_t)(end - s) + 2 : e;
    } else if (c == '\'' || c == '"') {
      size_t j = skip_quoted(s, i, e, c);
      push(t, c == '\'' ? TK_STRING : TK_WORD, s + i + 1,
           j > i + 1 ? j - i - 2 : 0);
      i = j;
    } else if (c == '{') {
      size_t j;
      int depth = 0;
      for (j = i; j < e; j++) { /* to its matching brace (roughly) */
        depth += s[j] == '{' ? 1 : s[j] == '}' ? -1 : 0;
        if (depth == 0)
          break;
      }
      i = j < e ? j + 1 : e;
    } else if (is_word_char(c)) {
      size_t j = i;
      while (j < e && is_word_char(s[j]))
        j++;
      push(t, TK_WORD, s + i, j - i);
      i = j;
    } else {
      push(t, TK_PUNCT, s + i, 1);
      i += c == ':' && i + 1 < e && s[i + 1] == ':' ? 2 : 1;
    }
  }
}

/* The k-th token before the end (1 = last), or NULL. */
static const tok *back(const toks *t, size_t k) {
  return k <= t->n ? &t->v[t->n - k] : NULL;
}

static int is_kw(const tok *t, const char *kw) {
  return t && t->kind == TK_WORD && strlen(kw) == t->n &&
         strncasecmp(t->s, kw, t->n) == 0;
}

static int is_punct(const tok *t, char c) {
  return t && t->kind == TK_PUNCT && t->s[0] == c;
}

/* -------------------------------------------------------- candidates */

typedef struct want {
  const char *word; /* the prefix */
  size_t n;
  int lower; /* the word starts with a lowercase letter */
  sh_names *out;
  int oom;
} want;

static void offer(want *w, const char *name) {
  if (w->oom || strncasecmp(name, w->word, w->n) != 0)
    return;
  if (sh_names_add(w->out, name, strlen(name)) < 0)
    w->oom = 1;
}

/* Keywords follow the case of the word typed. */
static void offer_kw(want *w, const char *kw) {
  char buf[64];
  size_t k = 0;
  for (; kw[k] && k + 1 < sizeof buf; k++)
    buf[k] = w->lower ? (char)tolower((unsigned char)kw[k]) : kw[k];
  buf[k] = '\0';
  offer(w, buf);
}

static void offer_list(want *w, const char *const *l, int kw) {
  for (; *l; l++)
    kw ? offer_kw(w, *l) : offer(w, *l);
}

static void offer_names(want *w, const sh_names *l) {
  for (size_t i = 0; i < l->n; i++)
    offer(w, l->v[i]);
}

/* Offers the columns of table t[0..n) (case-insensitive); 1 when the
 * catalog knows that table's columns. */
static int offer_table_columns(want *w, const sh_catalog *cat, const char *t,
                               size_t n) {
  int known = 0;
  for (size_t c = 0; c < cat->columns.n; c++) {
    const char *col = cat->columns.v[c], *dot = strchr(col, '.');
    if (dot && (size_t)(dot - col) == n && strncasecmp(col, t, n) == 0) {
      offer(w, dot + 1);
      known = 1;
    }
  }
  return known;
}

/* The table token named by `q` in the statement: q itself when it follows
 * FROM or JOIN, or the table whose alias q is (FROM events e, JOIN
 * subjects AS s); NULL when none. */
static const tok *table_of(const toks *all, const tok *q) {
  for (size_t i = 0; i + 1 < all->n; i++) {
    const tok *t = &all->v[i + 1], *a = NULL;
    if ((!is_kw(&all->v[i], "FROM") && !is_kw(&all->v[i], "JOIN")) ||
        t->kind != TK_WORD)
      continue;
    if (i + 2 < all->n)
      a = is_kw(&all->v[i + 2], "AS") && i + 3 < all->n ? &all->v[i + 3]
                                                        : &all->v[i + 2];
    if ((t->n == q->n && strncasecmp(t->s, q->s, q->n) == 0) ||
        (a && a->kind == TK_WORD && a->n == q->n &&
         strncasecmp(a->s, q->s, q->n) == 0))
      return t;
  }
  return NULL;
}

/* The columns of the tables named after FROM or JOIN in the whole
 * statement, or of every table when it names none. */
static void offer_columns(want *w, const sh_catalog *cat, const toks *all) {
  int named = 0;
  for (size_t i = 0; i + 1 < all->n; i++)
    if ((is_kw(&all->v[i], "FROM") || is_kw(&all->v[i], "JOIN")) &&
        all->v[i + 1].kind == TK_WORD)
      named |= offer_table_columns(w, cat, all->v[i + 1].s, all->v[i + 1].n);
  for (size_t c = 0; !named && c < cat->columns.n; c++) {
    const char *dot = strchr(cat->columns.v[c], '.');
    offer(w, dot ? dot + 1 : cat->columns.v[c]);
  }
}

/* Tokens of the whole statement (after the cursor too), or NULL. */
static toks *all_tokens(want *w, const char *text, size_t stmt) {
  toks *all = calloc(1, sizeof *all);
  if (!all)
    w->oom = 1;
  else
    tokenize(text, stmt, strlen(text), all);
  return all;
}

/* After `q.`: the columns of the table q names or aliases; nothing after
 * data. (a JSON path) or an unknown q. */
static void offer_qualified(want *w, const sh_catalog *cat, const char *text,
                            size_t stmt, const toks *t) {
  const tok *q = back(t, 2), *tab;
  toks *all;
  if (!is_punct(back(t, 1), '.') || !q || q->kind != TK_WORD ||
      is_kw(q, "data") || !(all = all_tokens(w, text, stmt)))
    return;
  if ((tab = table_of(all, q)) != NULL)
    offer_table_columns(w, cat, tab->s, tab->n);
  free(all);
}

/* Arguments of a backslash command: `line` is the current line from its
 * '\', `t` its tokens before the word. */
static void offer_command_args(want *w, const sh_catalog *cat,
                               const char *line) {
  size_t n = strcspn(line + 1, " \t");
  const char *rest = line + 1 + n;
  while (*rest == ' ' || *rest == '\t')
    rest++;
  int second = rest < w->word; /* a word already stands before ours */
#define CMD(name) (n == strlen(name) && strncmp(line + 1, name, n) == 0)
  if (CMD("d") && !second)
    offer_names(w, &cat->tables);
  else if (CMD("x") && !second)
    offer_list(w, on_off_auto, 0);
  else if (CMD("timing") && !second)
    offer_list(w, on_off, 0);
  else if (CMD("format") && !second)
    offer_list(w, formats, 0);
  else if (CMD("pset") && !second)
    offer_list(w, pset_what, 0);
  else if (CMD("pset") || CMD("pager"))
    offer_list(w, CMD("pset") ? on_off_auto : on_off, 0);
#undef CMD
}

/* The word inside a string literal: event type names after `type =`,
 * `type <>` or `type IN (..., `. */
static void offer_in_string(want *w, const sh_catalog *cat, const toks *t) {
  size_t k = 1;
  while (back(t, k) &&
         (is_punct(back(t, k), ',') || back(t, k)->kind == TK_STRING))
    k++;
  const tok *a = back(t, k), *b = back(t, k + 1), *c = back(t, k + 2);
  if ((is_punct(a, '=') && is_kw(b, "type")) ||
      (is_punct(a, '>') && is_punct(b, '<') && is_kw(c, "type")) ||
      (is_punct(a, '(') && is_kw(b, "IN") && is_kw(c, "type")))
    offer_names(w, &cat->types);
}

/* 1 when the last token, an AS, is CAST( x AS: an unclosed '(' before
 * it follows the word CAST. */
static int is_cast_as(const toks *t) {
  int depth = 0;
  for (size_t k = 2; back(t, k); k++) {
    const tok *x = back(t, k);
    if (is_punct(x, ')'))
      depth++;
    else if (is_punct(x, '(') && depth-- == 0)
      return is_kw(back(t, k + 1), "CAST");
  }
  return 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts out[from..] and drops duplicates. */
static void sort_unique(sh_names *out, size_t from) {
  size_t n = out->n - from, k = 0;
  char **v = out->v + from;
  if (n == 0)
    return;
  qsort(v, n, sizeof *v, cmp_names);
  for (size_t i = 1; i < n; i++) {
    if (strcmp(v[i], v[k]) == 0)
      free(v[i]);
    else
      v[++k] = v[i];
  }
  out->n = from + k + 1;
}

/* Fills w for the word at text[start..point) of the statement that
 * starts at `stmt`. */
static void choose(want *w, const char *text, size_t stmt, size_t start,
                   const sh_catalog *cat, toks *t) {
  size_t line = start;
  while (line > 0 && text[line - 1] != '\n')
    line--;
  while (text[line] == ' ' || text[line] == '\t')
    line++;
  if (text[line] == '\\') { /* a backslash command and its arguments */
    if (line + 1 == start || line == start) {
      for (size_t i = 0; i < cat->commands.n && !w->oom; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "\\%s", cat->commands.v[i]);
        offer(w, buf);
      }
    } else {
      offer_command_args(w, cat, text + line);
    }
    return;
  }
  sh_split_state st = sh_split_end_state(text + stmt, start - stmt);
  tokenize(text, stmt, start, t);
  if (st == SH_SPLIT_STRING) {
    t->n -= t->n > 0; /* the open string itself */
    offer_in_string(w, cat, t);
    return;
  }
  if (st != SH_SPLIT_TOP)
    return; /* comments, JSON, quoted names */
  if (start > 0 && text[start - 1] == '.') {
    offer_qualified(w, cat, text, stmt, t);
    return;
  }
  const tok *p = back(t, 1);
  if (is_kw(p, "FROM") || is_kw(p, "JOIN") || is_kw(p, "DESCRIBE"))
    offer_names(w, &cat->tables);
  else if (is_kw(p, "RECORD"))
    offer_names(w, &cat->types);
  else if (is_kw(p, "KIND"))
    offer_list(w, kinds, 0);
  else if (is_kw(p, "SHOW"))
    offer_list(w, show_what, 1);
  else if (is_punct(p, ':') || (is_kw(p, "AS") && is_cast_as(t)))
    offer_list(w, cast_types, 1);
  else if (!is_kw(p, "CREATE") || !w->n) {
    offer_list(w, sh_complete_keywords, 1);
    offer_names(w, &cat->functions);
    toks *all = all_tokens(w, text, stmt);
    if (all)
      offer_columns(w, cat, all);
    free(all);
  } else {
    offer_list(w, (const char *const[]){"SUBJECT", "TYPE", "USER", NULL}, 1);
  }
}

int sh_complete(const char *text, size_t point, const sh_catalog *cat,
                sh_names *out) {
  size_t len = strlen(text), start, stmt, from = out->n;
  point = point > len ? len : point;
  start = point;
  while (start > 0 &&
         (is_word_char(text[start - 1]) || text[start - 1] == '\\'))
    start--;
  stmt = sh_split_complete(text, start);
  want w = {text + start, point - start,
            point > start && islower((unsigned char)text[start]), out, 0};
  toks *t = calloc(1, sizeof *t);
  if (!t)
    return -1;
  choose(&w, text, stmt, start, cat, t);
  free(t);
  if (w.oom)
    return -1;
  sort_unique(out, from);
  return (int)(out->n - from);
}
