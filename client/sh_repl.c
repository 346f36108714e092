/*
 * sh_repl.c -- owns the shell's input: reading lines from the terminal
 * (libedit, persistent history) or from a script / pipe, accumulating them
 * until whole statements are there (sh_split decides), handing those to
 * sh_exec, and the backslash commands (\help, \timing, \format, \tz,
 * \echo, \sleep, \r, \q).
 *
 * Invariants: a line whose first non-blank character is '\' is a command
 * only when the text typed so far is not inside a string, identifier,
 * comment or JSON value; otherwise it is statement text. Statements run as
 * soon as their ';' is read; what follows the last ';' waits for more
 * lines. Blank/comment-only leftovers are dropped. Error positions name
 * lines of the script or stream; interactively they count from the start
 * of the statement.
 *
 * Does not: run statements itself (sh_exec), format results (sh_output),
 * parse command-line options (sh_shell). Ctrl-C (sh_signal) never ends an
 * interactive session: at the prompt it discards the line and any
 * half-typed statement; during a statement it cancels it. Scripts, -c and
 * pipes keep the default action (Ctrl-C ends the run).
 */
#include "sh_repl.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <editline/readline.h>

#include "sh_exec.h"
#include "sh_signal.h"
#include "sh_split.h"
#include "sh_tab.h"

#define HISTORY_MAX 1000

/* Statement text read but not yet run. buf ends with '\n' unless empty. */
typedef struct pending {
  char *buf;
  size_t len, cap;
  int first_line; /* input line of buf[0] */
  int relative;   /* number lines from each statement's start */
} pending;

enum { FEED_GO = 0, FEED_QUIT = 1, FEED_STOP = 2 };

static int pending_add(pending *pd, const char *line, size_t n, int lineno) {
  if (pd->len + n + 2 > pd->cap) {
    size_t cap = pd->cap ? pd->cap : 256;
    while (cap < pd->len + n + 2)
      cap *= 2;
    char *b = realloc(pd->buf, cap);
    if (!b)
      return -1;
    pd->buf = b, pd->cap = cap;
  }
  if (pd->len == 0)
    pd->first_line = pd->relative ? 1 : lineno;
  memcpy(pd->buf + pd->len, line, n);
  pd->len += n;
  pd->buf[pd->len++] = '\n';
  pd->buf[pd->len] = '\0';
  return 0;
}

static void pending_clear(pending *pd) {
  pd->len = 0;
  if (pd->buf)
    pd->buf[0] = '\0';
}

/* Runs the whole statements at the front of pd, keeps the rest, drops a
 * rest that is only blanks and finished comments. 0 or -1. */
static int run_complete(credo_shell *sh, pending *pd) {
  size_t k = sh_split_complete(pd->buf, pd->len);
  int rc = 0;
  if (k > 0) {
    rc = sh_exec_text(sh, pd->buf, k, pd->first_line);
    for (size_t i = 0; i < k; i++)
      pd->first_line += pd->buf[i] == '\n';
    memmove(pd->buf, pd->buf + k, pd->len - k + 1);
    pd->len -= k;
  }
  if (sh_split_blank(pd->buf, pd->len) &&
      sh_split_end_state(pd->buf, pd->len) != SH_SPLIT_BLOCK_COMMENT)
    pending_clear(pd);
  return rc;
}

/* ------------------------------------------------------------ commands */

typedef struct command {
  const char *name; /* after the backslash */
  int (*fn)(credo_shell *sh, pending *pd, const char *arg);
  const char *args;
  const char *help; /* NULL: an alias, not listed */
} command;

static const char cql_help[] =
    "Statements (end each with ;):\n"
    "  CREATE TYPE name PUBLICITY 1 YEAR REPAIRABLE AFTER 3 MONTHS\n"
    "  CREATE SUBJECT 'id' KIND org|person|other [NAME 'name']\n"
    "  RECORD type FOR 'subject' OCCURRED t [PUBLIC FROM t] [UNTIL t]\n"
    "         SOURCE 'source' REF 'ref' [DATA {json}]\n"
    "  SELECT cols|aggregates FROM events|subjects|types [WHERE expr]\n"
    "         [GROUP BY ...] [ORDER BY col [ASC|DESC], ...] [LIMIT n "
    "[OFFSET m]]\n"
    "         [AS OF t] [VISIBLE AT t] [INCLUDE HIDDEN] [INCLUDE RETRACTED]\n"
    "  HISTORY OF EVENT n            HISTORY OF SUBJECT 'id'\n"
    "  REPAIR EVENT n [EFFECTIVE t] REASON '...'\n"
    "  REPAIR EVENTS WHERE expr [EFFECTIVE t] REASON '...'\n"
    "  CORRECT EVENT n SET col = value, data.path = value, ... REASON '...'\n"
    "  RETRACT EVENT n REASON '...'\n"
    "  EXPLAIN select    SHOW TYPES    SHOW STATS    SET TIME ZONE '+08:00'\n"
    "  BEGIN    COMMIT    ROLLBACK\n"
    "Keys: Ctrl-C cancels the running statement or discards the line,\n"
    "  TAB completes (twice: lists), Ctrl-D or \\q quits.\n"
    "Commands (one per line, not ended by ;):\n";

static int cmd_help(credo_shell *sh, pending *pd, const char *arg);

static int cmd_timing(credo_shell *sh, pending *pd, const char *arg) {
  (void)pd;
  if (!*arg)
    sh->timing = !sh->timing;
  else if (strcasecmp(arg, "on") == 0 || strcasecmp(arg, "off") == 0)
    sh->timing = strcasecmp(arg, "on") == 0;
  else {
    sh_exec_error(sh, "\\timing takes on or off, not '%s'", arg);
    return -1;
  }
  if (sh->interactive)
    fprintf(sh->out, "Timing is %s.\n", sh->timing ? "on" : "off");
  return 0;
}

static int cmd_format(credo_shell *sh, pending *pd, const char *arg) {
  (void)pd;
  if (*arg && sh_format_parse(arg, &sh->format) < 0) {
    sh_exec_error(sh, "unknown format '%s' (table, csv, json, jsonl)", arg);
    return -1;
  }
  if (!*arg || sh->interactive)
    fprintf(sh->out, "Format is %s.\n", sh_format_name(sh->format));
  return 0;
}

static int cmd_tz(credo_shell *sh, pending *pd, const char *arg) {
  (void)pd;
  int off;
  char buf[16];
  if (*arg && sh_tz_parse(arg, &off) < 0) {
    sh_exec_error(sh, "bad time zone '%s' (+HH:MM, -HH:MM, Z, UTC)", arg);
    return -1;
  }
  if (*arg && credo_set_tz(sh->db, off) != CREDO_OK) {
    sh_exec_error(sh, "%s", credo_errmsg(sh->db));
    return -1;
  }
  if (!*arg || sh->interactive) {
    sh_tz_format(credo_get_tz(sh->db), buf, sizeof buf);
    fprintf(sh->out, "Time zone is %s.\n", buf);
  }
  return 0;
}

/* \echo TEXT: prints TEXT (section titles of scripts such as
 * demo/showcase.cql). */
static int cmd_echo(credo_shell *sh, pending *pd, const char *arg) {
  (void)pd;
  fprintf(sh->out, "%s\n", arg);
  return 0;
}

/* \sleep SECONDS (at most 60, fractions allowed): lets a script put time
 * between its statements, e.g. so that AS OF NOW - 1 SECOND names an
 * instant between two writes. */
static int cmd_sleep(credo_shell *sh, pending *pd, const char *arg) {
  (void)pd;
  char *end = NULL;
  double s = strtod(arg, &end);
  if (!*arg || *end || !(s >= 0 && s <= 60)) {
    sh_exec_error(sh, "\\sleep takes a number of seconds (0-60), not '%s'",
                  arg);
    return -1;
  }
  fflush(sh->out);
  struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
  /* Ctrl-C ends the wait (interactive: the signal handler is ours) */
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !sh_sig_take())
    ;
  return 0;
}

/* \x [on|off|auto]: expanded display; alone it toggles on and off. */
static int cmd_expanded(credo_shell *sh, pending *pd, const char *arg) {
  sh_expanded x;
  (void)pd;
  if (!*arg)
    x = sh->expanded == SH_EXPANDED_OFF ? SH_EXPANDED_ON : SH_EXPANDED_OFF;
  else if (sh_expanded_parse(arg, &x) < 0) {
    sh_exec_error(sh, "\\x takes on, off or auto, not '%s'", arg);
    return -1;
  }
  sh->expanded = (int)x;
  if (sh->interactive)
    fputs(x == SH_EXPANDED_AUTO ? "Expanded display is used automatically.\n"
          : x == SH_EXPANDED_ON ? "Expanded display is on.\n"
                                : "Expanded display is off.\n",
          sh->out);
  return 0;
}

/* \pager [on|off]: the pager; alone it toggles. */
static int cmd_pager(credo_shell *sh, pending *pd, const char *arg) {
  (void)pd;
  if (!*arg)
    sh->pager = !sh->pager;
  else if (strcasecmp(arg, "on") == 0 || strcasecmp(arg, "off") == 0)
    sh->pager = strcasecmp(arg, "on") == 0;
  else {
    sh_exec_error(sh, "the pager is on or off, not '%s'", arg);
    return -1;
  }
  if (sh->interactive)
    fprintf(sh->out, "Pager usage is %s.\n", sh->pager ? "on" : "off");
  return 0;
}

/* \pset pager|expanded [VALUE], as psql's. */
static int cmd_pset(credo_shell *sh, pending *pd, const char *arg) {
  size_t k = strcspn(arg, " \t");
  const char *val = arg + k;
  while (*val == ' ' || *val == '\t')
    val++;
  if (k == 5 && strncasecmp(arg, "pager", 5) == 0)
    return cmd_pager(sh, pd, val);
  if (k == 8 && strncasecmp(arg, "expanded", 8) == 0)
    return cmd_expanded(sh, pd, val);
  sh_exec_error(sh, "\\pset takes pager or expanded, not '%.*s'", (int)k, arg);
  return -1;
}

static int cmd_reset(credo_shell *sh, pending *pd, const char *arg) {
  (void)sh, (void)arg;
  pending_clear(pd);
  return 0;
}

/* \d: the tables; \d NAME: its columns (SHOW TABLES / DESCRIBE NAME, so
 * that it works on a server connection too). */
static int cmd_describe(credo_shell *sh, pending *pd, const char *arg) {
  char sql[300];
  (void)pd;
  if (*arg)
    snprintf(sql, sizeof sql, "DESCRIBE %s", arg);
  else
    snprintf(sql, sizeof sql, "SHOW TABLES");
  return sh_exec_text(sh, sql, strlen(sql), 1) < 0 ? -1 : 0;
}

static int cmd_quit(credo_shell *sh, pending *pd, const char *arg) {
  (void)sh, (void)pd, (void)arg;
  return FEED_QUIT;
}

static const command commands[] = {
    {"help", cmd_help, "", "list statements and commands"},
    {"h", cmd_help, "", NULL},
    {"?", cmd_help, "", NULL},
    {"timing", cmd_timing, " [on|off]", "print each statement's run time"},
    {"format", cmd_format, " [table|csv|json|jsonl]", "result format"},
    {"tz", cmd_tz, " [+HH:MM|-HH:MM|Z|UTC]", "session time zone"},
    {"echo", cmd_echo, " TEXT", "print TEXT"},
    {"sleep", cmd_sleep, " SECONDS", "wait (at most 60 s)"},
    {"r", cmd_reset, "", "discard the statement being typed"},
    {"d", cmd_describe, " [TABLE]", "list the tables, or a table's columns"},
    {"x", cmd_expanded, " [on|off|auto]",
     "expanded display: one block per row"},
    {"pset", cmd_pset, " pager|expanded [on|off]",
     "pager (results taller than the terminal) or \\x"},
    {"pager", cmd_pager, " [on|off]", NULL},
    {"q", cmd_quit, "", "quit (also exit or quit on a line of their own)"},
    {"quit", cmd_quit, "", NULL},
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

static int cmd_help(credo_shell *sh, pending *pd, const char *arg) {
  (void)pd, (void)arg;
  fputs(cql_help, sh->out);
  for (size_t i = 0; i < NCOMMANDS; i++) {
    char head[64];
    if (!commands[i].help)
      continue;
    snprintf(head, sizeof head, "\\%s%s", commands[i].name, commands[i].args);
    fprintf(sh->out, "  %-32s %s\n", head, commands[i].help);
  }
  return 0;
}

/* Runs the backslash command on `line` (its first non-blank is '\').
 * FEED_GO, FEED_QUIT, or -1 after reporting an error. */
static int run_command(credo_shell *sh, pending *pd, const char *line) {
  while (isspace((unsigned char)*line))
    line++;
  const char *name = ++line;
  while (*line && !isspace((unsigned char)*line))
    line++;
  size_t nlen = (size_t)(line - name);
  while (isspace((unsigned char)*line))
    line++;
  char arg[256];
  snprintf(arg, sizeof arg, "%s", line);
  for (size_t k = strlen(arg); k > 0 && isspace((unsigned char)arg[k - 1]);)
    arg[--k] = '\0';
  for (size_t i = 0; i < NCOMMANDS; i++) {
    if (strlen(commands[i].name) == nlen &&
        strncmp(commands[i].name, name, nlen) == 0)
      return commands[i].fn(sh, pd, arg);
  }
  sh_exec_error(sh, "unknown command \\%.*s (\\help lists them)", (int)nlen,
                name);
  return -1;
}

/* ---------------------------------------------------------------- lines */

static int is_command(const pending *pd, const char *line) {
  while (isspace((unsigned char)*line))
    line++;
  return *line == '\\' &&
         sh_split_end_state(pd->buf ? pd->buf : "", pd->len) == SH_SPLIT_TOP;
}

/* 1 when the line is `exit` or `quit` alone (optionally with a ';'). */
static int is_exit_word(const char *line) {
  char w[8];
  size_t k = 0;
  while (isspace((unsigned char)*line))
    line++;
  while (*line && !isspace((unsigned char)*line) && *line != ';' && k < 7)
    w[k++] = (char)tolower((unsigned char)*line++);
  w[k] = '\0';
  while (isspace((unsigned char)*line) || *line == ';')
    line++;
  return !*line && (strcmp(w, "exit") == 0 || strcmp(w, "quit") == 0);
}

/* Takes one input line (no newline). FEED_GO to read on, FEED_QUIT after
 * \q, FEED_STOP after a failure that ends a non-interactive run. */
static int feed_line(credo_shell *sh, pending *pd, const char *line, size_t n,
                     int lineno) {
  int rc;
  if (pd->len == 0 && is_exit_word(line)) /* psql's exit / quit */
    return FEED_QUIT;
  if (strlen(line) == n && is_command(pd, line)) {
    rc = run_command(sh, pd, line);
    if (rc == FEED_QUIT)
      return FEED_QUIT;
  } else if (pending_add(pd, line, n, lineno) < 0) {
    sh_exec_error(sh, "out of memory");
    return FEED_STOP;
  } else {
    rc = run_complete(sh, pd);
  }
  return rc < 0 && !sh->keep_going && !sh->interactive ? FEED_STOP : FEED_GO;
}

int sh_repl_stream(credo_shell *sh, FILE *in) {
  pending pd = {0};
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  int lineno = 0, r = FEED_GO;
  while (r == FEED_GO && (n = getline(&line, &cap, in)) >= 0) {
    lineno++;
    if (n > 0 && line[n - 1] == '\n')
      line[--n] = '\0';
    if (n > 0 && line[n - 1] == '\r')
      line[--n] = '\0';
    r = feed_line(sh, &pd, line, (size_t)n, lineno);
  }
  if (r == FEED_GO && ferror(in))
    sh_exec_error(sh, "cannot read input: %s", strerror(errno));
  else if (r == FEED_GO && pd.len > 0)
    sh_exec_text(sh, pd.buf, pd.len, pd.first_line);
  free(line);
  free(pd.buf);
  return sh->failed ? -1 : 0;
}

/* ------------------------------------------------------------- terminal */

/* The history file: $CREDO_HISTORY ("" = none), else ~/.credo_history.
 * malloc'd, or NULL for no history. */
static char *history_path(void) {
  const char *h = getenv("CREDO_HISTORY"), *home = getenv("HOME");
  char *path = NULL;
  if (h)
    return *h ? strdup(h) : NULL;
  if (!home || !*home || asprintf(&path, "%s/.credo_history", home) < 0)
    return NULL;
  return path;
}

/* Loads the history; the file is created private (it holds ids). */
static void history_load(const char *path) {
  stifle_history(HISTORY_MAX);
  if (!path)
    return;
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd >= 0)
    close(fd);
  read_history(path);
}

/* Adds a non-blank line that differs from the previous one, and saves. */
static void history_add(const char *path, const char *line, char **last) {
  const char *p = line;
  while (isspace((unsigned char)*p))
    p++;
  if (!*p || (*last && strcmp(*last, line) == 0))
    return;
  add_history(line);
  free(*last);
  *last = strdup(line);
  if (path)
    write_history(path);
}

/* TAB completes commands too: the names of the command table. */
static void install_completion(credo_shell *sh) {
  const char *names[NCOMMANDS];
  size_t n = 0;
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(commands[i].name, "?") != 0)
      names[n++] = commands[i].name;
  sh_tab_install(sh, names, n);
}

/* Runs ~/.credorc (or $CREDORC; "" for none) at the start of an
 * interactive session, as psql runs ~/.psqlrc: backslash commands such as
 * \format, \tz, \timing and statements (SET TIME ZONE ...). A missing
 * file is fine; its failures are reported and the session goes on. */
static void run_rc(credo_shell *sh) {
  const char *env = getenv("CREDORC"), *home = getenv("HOME");
  char *path = NULL;
  FILE *f;
  if (env)
    path = *env ? strdup(env) : NULL;
  else if (home && *home && asprintf(&path, "%s/.credorc", home) < 0)
    path = NULL;
  if (!path)
    return;
  if ((f = fopen(path, "r")) != NULL) {
    int interactive = sh->interactive;
    sh->interactive = 0; /* no prompts; errors do not stop the session */
    sh->keep_going++;
    sh_repl_stream(sh, f);
    sh->keep_going--;
    sh->interactive = interactive;
    fclose(f);
  }
  free(path);
}

int sh_repl_interactive(credo_shell *sh) {
  pending pd = {0};
  char *hist = history_path(), *last = NULL;
  pd.relative = 1;
  rl_readline_name = "credo";
  /* before the editor initialises (history_load does): our reader turns
   * Ctrl-C into an end of line; libedit's own handlers stay out */
  rl_catch_signals = 0;
  rl_getc_function = sh_sig_getc;
  sh_sig_install(sh->db);
  install_completion(sh);
  history_load(hist);
  int stz = 1;
  fprintf(sh->out, "credo %s -- type \\help for help, \\q to quit.\n",
          CREDO_VERSION);
  run_rc(sh);
  if (credo_get_store_tz(sh->db, &stz) == CREDO_OK && stz == 0)
    fputs("hint: this store's time zone is UTC; publicity windows are "
          "counted in it (SET STORE TIME ZONE '+08:00' as admin)\n",
          sh->out);
  for (int lineno = 1;; lineno++) {
    /* credo*> while a transaction is open, as psql's =*> */
    (void)sh_sig_take(); /* a Ctrl-C that cancelled a statement is spent */
    sh_tab_set_pending(pd.buf, pd.len);
    char *line = readline(pd.len                 ? "   ...> "
                          : credo_in_txn(sh->db) ? "credo*> "
                                                 : "credo> ");
    if (sh_sig_take()) { /* Ctrl-C at the prompt: start afresh */
      free(line);
      pending_clear(&pd);
      fputc('\n', sh->out);
      fflush(sh->out);
      continue;
    }
    if (!line) {
      fputc('\n', sh->out);
      break;
    }
    /* a password literal stays out of the history file: the line, and
     * every line of a statement that has shown one */
    if (!sh_has_secret(line, strlen(line)) &&
        !(pd.len && sh_has_secret(pd.buf, pd.len)))
      history_add(hist, line, &last);
    int r = feed_line(sh, &pd, line, strlen(line), lineno);
    free(line);
    fflush(sh->out);
    if (r == FEED_QUIT)
      break;
  }
  sh_sig_uninstall();
  sh_tab_uninstall();
  free(last);
  free(hist);
  free(pd.buf);
  return 0;
}
