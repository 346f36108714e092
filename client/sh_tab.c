/*
 * sh_tab.c -- owns the glue between the line editor's completion hook and
 * sh_complete (sh_tab.h): on each TAB it asks the store for its catalog
 * (SHOW TABLES, DESCRIBE of each table, SELECT name FROM types; the
 * function names from credo_function_name), so a table or type created a
 * moment ago is offered, on an embedded store and on a server alike.
 *
 * Invariants: completion never prints, never fails the session and never
 * leaves a statement open (a catalog query that fails -- a role that may
 * not read types, a broken connection -- just offers less); the editor's
 * word is sh_complete's word (the break characters are everything but
 * letters, digits, '_' and '\').
 *
 * State: libedit's hooks take no argument, so the session they complete
 * for is kept here, set by sh_tab_install for the one interactive session
 * of the process.
 *
 * Does not: decide the candidates (sh_complete.c) or read lines.
 */
#include "sh_tab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <editline/readline.h>

#include "sh_complete.h"
#include "sh_split.h"

static credo_shell *tab_sh;
static sh_names tab_commands;
static const char *tab_pending;
static size_t tab_pending_len;
static sh_names tab_matches;
static size_t tab_next;

/* Adds column `col` of each row of `sql` to l (prefixed "table." when
 * prefix is set). Errors are ignored: completion offers what it can. */
static void query_names(const char *sql, int col, const char *prefix,
                        sh_names *l) {
  credo_stmt *st = NULL;
  if (credo_prepare(tab_sh->db, sql, -1, &st, NULL) != CREDO_OK)
    return;
  while (credo_step(st) == CREDO_ROW) {
    const char *v = credo_column_text(st, col);
    char buf[256];
    if (!v || strchr(v, '<')) /* DESCRIBE's data.<path> */
      continue;
    snprintf(buf, sizeof buf, "%s%s%s", prefix ? prefix : "", prefix ? "." : "",
             v);
    if (sh_names_add(l, buf, strlen(buf)) < 0)
      break;
  }
  credo_finalize(st);
}

static void load_catalog(sh_catalog *cat) {
  const char *f;
  query_names("SHOW TABLES", 0, NULL, &cat->tables);
  for (size_t i = 0; i < cat->tables.n; i++) {
    char sql[300];
    snprintf(sql, sizeof sql, "DESCRIBE %s", cat->tables.v[i]);
    query_names(sql, 0, cat->tables.v[i], &cat->columns);
  }
  query_names("SELECT name FROM types", 0, NULL, &cat->types);
  for (int i = 0; (f = credo_function_name(i)) != NULL; i++)
    if (sh_names_add(&cat->functions, f, strlen(f)) < 0)
      break;
  for (size_t i = 0; i < tab_commands.n; i++)
    if (sh_names_add(&cat->commands, tab_commands.v[i],
                     strlen(tab_commands.v[i])) < 0)
      break;
}

static char *next_match(const char *text, int state) {
  (void)text;
  if (state == 0)
    tab_next = 0;
  return tab_next < tab_matches.n ? strdup(tab_matches.v[tab_next++]) : NULL;
}

/* libedit's hook: the candidates for the word at [start, end) of the
 * line; the statement's earlier lines come first. */
static char **attempt(const char *text, int start, int end) {
  sh_catalog cat = {0};
  char *full = NULL;
  size_t n = tab_pending_len + (size_t)end;
  rl_attempted_completion_over = 1; /* never file names */
  sh_names_free(&tab_matches);
  if (!tab_sh || !(full = malloc(tab_pending_len + strlen(rl_line_buffer) + 1)))
    return NULL;
  memcpy(full, tab_pending, tab_pending_len);
  strcpy(full + tab_pending_len, rl_line_buffer);
  /* a name completed inside a string gets its closing quote */
  rl_completion_append_character =
      sh_split_end_state(full, tab_pending_len + (size_t)start) ==
              SH_SPLIT_STRING
          ? '\''
          : ' ';
  load_catalog(&cat);
  if (sh_complete(full, n, &cat, &tab_matches) < 0)
    sh_names_free(&tab_matches);
  sh_catalog_free(&cat);
  free(full);
  return tab_matches.n ? rl_completion_matches(text, next_match) : NULL;
}

void sh_tab_install(credo_shell *sh, const char *const *commands, size_t n) {
  static char breaks[] = " \t\n\"'`@$><=;|&{}(),.:*+-/%[]!~^#?";
  tab_sh = sh;
  for (size_t i = 0; i < n; i++)
    (void)sh_names_add(&tab_commands, commands[i], strlen(commands[i]));
  rl_attempted_completion_function = attempt;
  rl_completer_word_break_characters = breaks;
  rl_basic_word_break_characters = breaks;
}

void sh_tab_set_pending(const char *text, size_t len) {
  tab_pending = text ? text : "";
  tab_pending_len = text ? len : 0;
}

void sh_tab_uninstall(void) {
  sh_names_free(&tab_matches);
  sh_names_free(&tab_commands);
  tab_sh = NULL;
}
