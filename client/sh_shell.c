/*
 * sh_shell.c -- owns the shell subcommand's life: its options, opening the
 * store, choosing the input (-c text, -f script, an interactive terminal,
 * or statements on stdin), and the exit status.
 *
 * Invariants: usage errors are found before anything is opened or created
 * (a script that cannot be opened does not create an empty store); the
 * store string is passed to credo_open unchanged (a directory today, a
 * credo:// URL later); the handle is closed on every path.
 *
 * Does not: read lines (sh_repl), run statements (sh_exec), print results
 * (sh_output).
 */
#include "sh_prompt.h"
#include "sh_shell.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sh_cmd.h"
#include "sh_exec.h"
#include "sh_repl.h"

/* ------------------------------------------------------------ time zone */

/* Reads exactly two digits at *s into *v. */
static int two_digits(const char **s, int *v) {
  if (!isdigit((unsigned char)(*s)[0]) || !isdigit((unsigned char)(*s)[1]))
    return -1;
  *v = ((*s)[0] - '0') * 10 + ((*s)[1] - '0');
  *s += 2;
  return 0;
}

int sh_tz_parse(const char *s, int *offset_sec) {
  int hh, mm = 0;
  if (!s)
    return -1;
  if (strcasecmp(s, "Z") == 0 || strcasecmp(s, "UTC") == 0) {
    *offset_sec = 0;
    return 0;
  }
  if (*s != '+' && *s != '-')
    return -1;
  int sign = *s++ == '-' ? -1 : 1;
  if (two_digits(&s, &hh) < 0)
    return -1;
  if (*s == ':')
    s++;
  if (*s && two_digits(&s, &mm) < 0)
    return -1;
  if (*s || mm > 59 || hh * 60 + mm > 18 * 60)
    return -1;
  *offset_sec = sign * (hh * 3600 + mm * 60);
  return 0;
}

void sh_tz_format(int offset_sec, char *buf, size_t n) {
  int a = offset_sec < 0 ? -offset_sec : offset_sec;
  snprintf(buf, n, "%c%02d:%02d", offset_sec < 0 ? '-' : '+', a / 3600,
           a / 60 % 60);
}

/* -------------------------------------------------------------- options */

void sh_shell_usage(FILE *f) {
  static const char *const lines[] = {
      "usage: credo [OPTIONS] STORE_DIR                 interactive shell",
      "       credo [OPTIONS] STORE_DIR -c 'STMT; ...'  run statements",
      "       credo [OPTIONS] STORE_DIR -f SCRIPT.cql   run a script",
      "       credo [OPTIONS] STORE_DIR < SCRIPT.cql    statements from stdin",
      "       credo COMMAND [ARGS...]",
      "       credo --help | --version",
      "",
      "STORE_DIR is a store directory; it is created if missing.",
      "",
      "Options:",
      "  -c, --command TEXT  run the statements in TEXT, then exit",
      "  -f, --file FILE     run the statements in FILE ('-': stdin), then "
      "exit",
      "      --format FMT    result format: table (default), csv, json, jsonl",
      "      --tz OFFSET     session time zone: +HH:MM, -HH:MM, Z, UTC "
      "(default: $CREDO_TZ, else UTC)",
      "      --keep-going    go on after a failing statement (-c, -f, stdin)",
      "      --readonly      open the store read-only (it must exist)",
      "      --no-create     fail when STORE_DIR holds no store (instead of "
      "creating one)",
      "  -h, --help          show this help and exit",
      "  -V, --version       show the version and exit (first argument only)",
      "",
      "Interactive (a terminal): Ctrl-C cancels the running statement or",
      "discards the line, TAB completes, \\x expanded display, a pager for",
      "tall results ($PAGER), \\help for the commands (docs/shell.md).",
  };
  for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
    fprintf(f, "%s\n", lines[i]);
}

typedef struct shell_opts {
  const char *store, *command, *file;
  sh_format format;
  int tz, tz_set, keep_going, help;
  unsigned open_flags; /* CREDO_OPEN_* from --readonly, --no-create */
} shell_opts;

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
  va_list ap;
  fputs("credo: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\nTry 'credo --help'.\n", stderr);
  return 2;
}

enum { OPT_FORMAT = 256, OPT_TZ, OPT_KEEP_GOING, OPT_READONLY, OPT_NOCREATE };

static const struct option long_opts[] = {
    {"command", required_argument, NULL, 'c'},
    {"file", required_argument, NULL, 'f'},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"tz", required_argument, NULL, OPT_TZ},
    {"keep-going", no_argument, NULL, OPT_KEEP_GOING},
    {"readonly", no_argument, NULL, OPT_READONLY},
    {"no-create", no_argument, NULL, OPT_NOCREATE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* One option. 0, or 2 after reporting a usage error. */
static int take_option(shell_opts *o, int c, const char *arg,
                       const char *seen) {
  switch (c) {
  case 'c':
  case 'f':
    if (o->command || o->file)
      return usage_error("give one -c or -f, not several");
    *(c == 'c' ? &o->command : &o->file) = arg;
    return 0;
  case OPT_FORMAT:
    if (sh_format_parse(arg, &o->format) < 0)
      return usage_error("unknown format '%s' (table, csv, json, jsonl)", arg);
    return 0;
  case OPT_TZ:
    if (sh_tz_parse(arg, &o->tz) < 0)
      return usage_error("bad time zone '%s' (+HH:MM, -HH:MM, Z, UTC)", arg);
    o->tz_set = 1;
    return 0;
  case OPT_KEEP_GOING:
    o->keep_going = 1;
    return 0;
  case OPT_READONLY:
    o->open_flags |= CREDO_OPEN_READONLY | CREDO_OPEN_NOCREATE;
    return 0;
  case OPT_NOCREATE:
    o->open_flags |= CREDO_OPEN_NOCREATE;
    return 0;
  case 'h':
    o->help = 1;
    return 0;
  case ':':
    return usage_error("option '%s' needs a value", seen);
  default:
    return usage_error("unknown option '%s'", seen);
  }
}

/* Parses argv (options anywhere, one STORE_DIR). 0, or 2 after reporting
 * a usage error. */
static int parse_options(int argc, char **argv, shell_opts *o) {
  int c, rc;
  const char *env = getenv("CREDO_TZ");
  opterr = 0;
  /* CREDO_TZ is the default of --tz (as PGTZ for psql) */
  if (env && *env && (rc = take_option(o, OPT_TZ, env, "CREDO_TZ")) != 0)
    return rc;
  while ((c = getopt_long(argc, argv, ":c:f:h", long_opts, NULL)) != -1) {
    /* For errors: the option as typed ("-x", or the whole long one). */
    char shortopt[3] = {'-', (char)optopt, '\0'};
    const char *seen = optopt > 0 && optopt < 128 ? shortopt : argv[optind - 1];
    if ((rc = take_option(o, c, optarg, seen)) != 0)
      return rc;
  }
  if (o->help)
    return 0;
  if (optind >= argc)
    return usage_error("no STORE_DIR given");
  if (optind + 1 < argc)
    return usage_error("unexpected argument '%s'", argv[optind + 1]);
  o->store = argv[optind];
  return 0;
}

/* ------------------------------------------------------------------ run */

/* Opens the store into sh->db and applies the options. 0, or 1 after
 * reporting (sh->db is then NULL). */
static int open_store(credo_shell *sh, const shell_opts *o) {
  credo_options co = {.flags = o->open_flags};
  credo *db = NULL;
  char label[512], data[4096];
  int isnew = 0, rc;

  /* A directory without a data file gets a new store: say so, since a
   * mistyped path otherwise looks like an empty store. */
  if (!sh_is_uri(o->store) &&
      snprintf(data, sizeof data, "%s/data.mdb", o->store) < (int)sizeof data)
    isnew = access(data, F_OK) != 0;
  rc = credo_open(o->store, &co, &db);
  if (rc == CREDO_OK && isnew)
    fprintf(stderr, "credo: created a new empty store in %s\n", o->store);
  if (rc != CREDO_OK) {
    fprintf(stderr, "error: cannot open store '%s': %s\n",
            sh_store_label(o->store, label, sizeof label),
            db ? credo_errmsg(db) : credo_strerror(rc));
    credo_close(db);
    return 1;
  }
  if (o->tz_set && credo_set_tz(db, o->tz) != CREDO_OK) {
    fprintf(stderr, "error: %s\n", credo_errmsg(db));
    credo_close(db);
    return 1;
  }
  sh->db = db;
  return 0;
}

/* Skips a UTF-8 byte order mark at the start of a script (editors on
 * Windows write one; import skips it too). Returns `in`. */
static FILE *skip_bom(FILE *in) {
  static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
  int c, i;

  for (i = 0; i < 3; i++) {
    if ((c = getc(in)) != bom[i]) {
      if (c != EOF)
        ungetc(c, in);
      if (i > 0) /* a partial mark: not one (one pushback is all we have) */
        fprintf(stderr, "credo: the script starts with a broken UTF-8 "
                        "byte order mark\n");
      break;
    }
  }
  return in;
}

int sh_shell_main(int argc, char **argv) {
  shell_opts o = {0};
  credo_shell sh = {0};
  FILE *script = NULL;
  int rc = parse_options(argc, argv, &o);
  if (rc != 0 || o.help) {
    if (o.help)
      sh_shell_usage(stdout);
    return rc;
  }
  if (o.file && strcmp(o.file, "-") != 0 && !(script = fopen(o.file, "r"))) {
    fprintf(stderr, "error: cannot open %s: %s\n", o.file, strerror(errno));
    return 1;
  }
  sh.out = stdout, sh.err = stderr, sh.format = o.format;
  sh.keep_going = o.keep_going;
  sh.pager = 1; /* used only interactively, on a terminal */
  if (open_store(&sh, &o) != 0) {
    rc = 1;
    goto done;
  }
  if (o.command)
    sh_exec_text(&sh, o.command, strlen(o.command), 1);
  else if (o.file)
    sh_repl_stream(&sh, skip_bom(script ? script : stdin));
  else if ((sh.interactive = isatty(STDIN_FILENO)) != 0)
    sh_repl_interactive(&sh);
  else
    sh_repl_stream(&sh, stdin);
  rc = sh.failed && !sh.interactive ? 1 : 0;
done:
  credo_close(sh.db);
  if (script)
    fclose(script);
  return rc;
}
