/*
 * credo.c -- main() of the `credo` program: sets the locale, handles the
 * global options (--help, --version) and dispatches to a subcommand.
 *
 * Dispatch: `credo NAME ARGS...` runs the subcommand NAME from the table
 * below with argv starting at NAME. A first argument that is not an option
 * handled here nor a subcommand name is the shell's: `credo STORE_DIR ...`
 * and `credo --format csv STORE_DIR ...` run the shell on the whole argv
 * (`credo shell STORE_DIR` reaches a store named like a command).
 *
 * Invariants: the exit status is the subcommand's (0 ok, 1 failure, 2
 * usage), or 1 when stdout cannot be flushed at the end. The only state is
 * main's.
 *
 * Does not: parse a subcommand's options or touch a store.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "credo.h"
#include "sh_cmd.h"
#include "sh_prompt.h"

typedef struct subcommand {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *args; /* synopsis after the name, for the usage text */
  const char *help;
} subcommand;

static int help_main(int argc, char **argv);

/* One entry per subcommand; see sh_cmd.h. */
static const subcommand subcommands[] = {
    {"shell", sh_shell_main, "STORE_DIR [OPTIONS]",
     "the shell (for a STORE_DIR named like a command)"},
    {"help", help_main, "[COMMAND]", "show this help, or a command's"},
    {"backup", cmd_backup, "STORE DEST_DIR", "snapshot a live store"},
    {"verify", cmd_verify, "DIR", "check a backup's checksums and tables"},
    {"restore", cmd_restore, "DIR NEW_STORE [--erasures-from STORE]",
     "make a store from a backup"},
    {"check", cmd_check, "STORE", "integrity check of a store"},
    {"upgrade", cmd_upgrade, "STORE",
     "bring a store of an older format to this build's"},
    {"import", cmd_import, "STORE FILE|- [--restore] [--batch N]",
     "load JSON Lines / CSV (docs/import.md)"},
    {"export", cmd_export, "STORE [--as-of T] [--history] [--format csv]",
     "write the store as JSON Lines (or its events as CSV)"},
    {"purge", cmd_purge, "STORE [--batch N] [--now T]",
     "erase the records whose retention ran out"},
    {"vacuum", cmd_vacuum, "STORE",
     "rewrite a stopped store so erased bytes leave the file"},
    {"gen", cmd_gen, "[--subjects N] [--events N] [--seed S]",
     "generate demo data (JSON Lines)"},
};
#define NSUBCOMMANDS (sizeof subcommands / sizeof *subcommands)

static void usage(FILE *f) {
  sh_shell_usage(f);
  fputs("\nCommands:\n", f);
  for (size_t i = 0; i < NSUBCOMMANDS; i++) {
    char head[160];
    snprintf(head, sizeof head, "%s %s", subcommands[i].name,
             subcommands[i].args);
    if (strlen(head) > 28) /* a long synopsis gets its own line */
      fprintf(f, "  %s\n  %-28s %s\n", head, "", subcommands[i].help);
    else
      fprintf(f, "  %-28s %s\n", head, subcommands[i].help);
  }
  fputs("\nIn the shell, \\help lists the statements and commands.\n"
        "Exit status: 0 success, 1 a statement or command failed, 2 usage "
        "error.\n",
        f);
}

static const subcommand *find_subcommand(const char *name) {
  for (size_t i = 0; i < NSUBCOMMANDS; i++)
    if (strcmp(name, subcommands[i].name) == 0)
      return &subcommands[i];
  return NULL;
}

/* The help of one subcommand, on stdout. */
static int subcommand_help(const subcommand *s) {
  if (s->fn == sh_shell_main) {
    sh_shell_usage(stdout);
    return 0;
  }
  printf("usage: credo %s%s%s\n  %s\n(man credo, docs/operations.md)\n",
         s->name, s->args[0] ? " " : "", s->args, s->help);
  return 0;
}

/* `credo help [COMMAND]`. */
static int help_main(int argc, char **argv) {
  const subcommand *s;

  if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
      strcmp(argv[1], "-h") == 0) {
    usage(stdout);
    return 0;
  }
  if (!(s = find_subcommand(argv[1]))) {
    fprintf(stderr, "credo help: no command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
  }
  return subcommand_help(s);
}

/* 1 when a subcommand's arguments ask for its help: --help anywhere
 * (before a "--"), or -h alone. */
static int asks_help(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "-h") == 0)
    return 1;
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
    if (strcmp(argv[i], "--help") == 0)
      return 1;
  return 0;
}

/* UTF-8 character handling for display widths and line editing; only
 * LC_CTYPE, so numbers keep their '.'. */
static void set_locale(void) {
  if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "C.utf8"))
    setlocale(LC_CTYPE, "");
}

int main(int argc, char **argv) {
  int rc = -1;
  set_locale();
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *first = argv[1];
  if (strcmp(first, "-h") == 0 || strcmp(first, "--help") == 0) {
    rc = help_main(argc - 1, argv + 1);
  } else if (strcmp(first, "-V") == 0 || strcmp(first, "--version") == 0) {
    printf("credo %s (library %s)\n", CREDO_VERSION, credo_version());
    rc = 0;
  }
  const subcommand *s = rc < 0 ? find_subcommand(first) : NULL;
  if (s && s->fn != help_main && asks_help(argc - 1, argv + 1))
    rc = subcommand_help(s);
  else if (s)
    rc = s->fn(argc - 1, argv + 1);
  if (rc < 0)
    rc = sh_password_prompt(argc, argv) < 0 ? 1 : sh_shell_main(argc, argv);
  if (fflush(stdout) != 0) {
    fprintf(stderr, "error: cannot write output\n");
    rc = 1;
  }
  return rc;
}
