/*
 * sh_complete.h -- what TAB offers in the interactive shell: keywords,
 * table names, the columns of the statement's table, event type names,
 * function names and backslash commands, chosen by where the cursor is.
 *
 * sh_complete is a pure function of (statement text, cursor, catalog):
 * the catalog (what the store holds) is filled by the caller (sh_repl
 * asks the store with SHOW TABLES, DESCRIBE and SELECT name FROM types,
 * and takes the function names from credo_function_name), so every
 * context can be tested with made-up catalogs.
 */
#ifndef SH_COMPLETE_H
#define SH_COMPLETE_H

#include <stddef.h>

/* A growable list of owned strings. */
typedef struct sh_names {
  char **v;
  size_t n, cap;
} sh_names;

/* Appends a copy of s (n bytes). 0, or -1 when out of memory. */
int sh_names_add(sh_names *l, const char *s, size_t n);
/* 1 when the list holds s (case-insensitive), else 0. */
int sh_names_has(const sh_names *l, const char *s);
void sh_names_free(sh_names *l);

typedef struct sh_catalog {
  sh_names tables;    /* "events", "subjects", "types" */
  sh_names columns;   /* "table.column", e.g. "events.subject" */
  sh_names types;     /* event type names */
  sh_names functions; /* lowercase */
  sh_names commands;  /* backslash commands, without the backslash */
} sh_catalog;

void sh_catalog_free(sh_catalog *c);

/* The keywords offered (uppercase), NULL-terminated. */
extern const char *const sh_complete_keywords[];

/* The candidates for the word that ends at text[point] (text holds the
 * statement typed so far, earlier lines included, and may go on after
 * the cursor). Appends to `out`, sorted and without duplicates, every
 * candidate that starts with the word (case-insensitive); keywords come
 * in the word's case (lowercase when its first letter is), other names as
 * the catalog spells them. Contexts:
 *   a line starting with '\': command names, then their arguments
 *     (\d: tables; \x: on, off, auto; \format: formats; \pset: pager ...)
 *   after FROM, DESCRIBE: tables;  after RECORD: event types;
 *   after KIND: org, person, other;  after SHOW: what SHOW shows;
 *   after CAST(x AS or '::': the CAST types;
 *   inside a string after `type =`, `type IN (...,`: event types;
 *   other strings, comments and data.<path>: nothing;
 *   elsewhere: keywords, functions, and the columns of the tables the
 *   statement names after FROM (of every table when it names none).
 * Returns the number of candidates, or -1 when out of memory. */
int sh_complete(const char *text, size_t point, const sh_catalog *cat,
                sh_names *out);

#endif /* SH_COMPLETE_H */
