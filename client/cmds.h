/*
 * cmds.h -- the operations subcommands of the `credo` program (backup,
 * verify, restore, check, import, export, gen) and the helpers they share
 * (cmd_common.c). docs/operations.md is their manual.
 *
 * A subcommand is `int cmd_<name>(int argc, char **argv)` with argv[0] its
 * name, as in sh_cmd.h; client/credo.c's table dispatches to it. Exit
 * status: 0 success, 1 failure, 2 usage error; `credo check` and
 * `credo verify` return 1 when they found problems, `credo import` 3 when
 * it finished but rejected some lines. Results go to stdout, "error: ..."
 * lines and progress bars to stderr.
 */
#ifndef CMDS_H
#define CMDS_H

#include <stdint.h>
#include <stdio.h>

#include "credo.h"

int cmd_backup(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_upgrade(int argc, char **argv);
int cmd_purge(int argc, char **argv);
int cmd_vacuum(int argc, char **argv);

/* Exit codes shared by the subcommands. */
#define CMD_OK 0
#define CMD_FAIL 1
#define CMD_USAGE 2
#define CMD_REJECTS 3 /* import finished, some lines rejected */

/* Prints "credo NAME: <message>" and the usage line to stderr; returns
 * CMD_USAGE. */
int cmd_usage(const char *synopsis, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Opens a store, printing "error: cannot open store ..." on failure.
 * `flags` are CREDO_OPEN_*. Returns CREDO_OK or the code. */
int cmd_open(const char *store, unsigned flags, credo **out);
/* The same for the commands that work on a store directory only (check,
 * export, import, purge): a credo:// URI is refused with a message saying
 * what to do instead (CREDO_NOTSUP), before any connection. */
int cmd_open_local(const char *store, unsigned flags, credo **out);

/* Parses a non-negative decimal count (1 .. max). 0 or -1. */
int cmd_parse_count(const char *s, uint64_t max, uint64_t *out);

/* Parses "1 YEAR 3 MONTHS", "90 DAYS", "0", "" (zero) the way
 * credo_duration_format writes them (units YEAR, MONTH, WEEK, DAY, HOUR,
 * MINUTE, SECOND, MICROSECOND, singular or plural, any case). 0 or -1. */
int cmd_parse_duration(const char *s, credo_duration *out);

/* Writes `t` as ISO 8601 with the offset of `tz` ("open" for
 * CREDO_TIME_OPEN) into buf (>= 48 bytes). Returns buf. */
const char *cmd_fmt_time(credo_time t, int tz, char *buf, size_t n);

/* Monotonic seconds, for rates. */
double cmd_now(void);

/* A progress line on stderr, drawn only when stderr is a terminal (or
 * CREDO_PROGRESS=always; never with CREDO_PROGRESS=never), at most ten
 * times a second: a bar and percentage when the total is known, the count
 * of items, their rate and the ETA. */
typedef struct cmd_progress {
  int on;
  const char *label; /* "import", "backup" */
  const char *unit;  /* "lines", "MB" */
  uint64_t total;    /* of `done` units; 0 when unknown */
  double start, last;
  int drawn;
} cmd_progress;

void cmd_progress_start(cmd_progress *p, const char *label, const char *unit,
                        uint64_t total);
/* `done` of total (bytes, say), `items` the count shown with its rate. */
void cmd_progress_show(cmd_progress *p, uint64_t done, uint64_t items);
/* Clears the line. */
void cmd_progress_end(cmd_progress *p);

/* ------------------------------------------------- import internals
 * cmd_import.c reads records and runs batches; cmd_import_rec.c turns one
 * record (a JSON line, a CSV row) into engine calls. */

enum { IMP_NEW = 1, IMP_DUP, IMP_REJECT };
enum { IMP_TYPE = 0, IMP_SUBJECT, IMP_EVENT, IMP_VERSION, IMP_NKINDS };

/* What one record did; `reason` is set for IMP_REJECT. */
typedef struct imp_outcome {
  int result;       /* IMP_NEW, IMP_DUP, IMP_REJECT */
  int kind;         /* IMP_TYPE ... */
  int subject_made; /* a CSV row registered its subject */
  char reason[480];
} imp_outcome;

typedef struct imp_ctx {
  credo *db;
  int tz;      /* for times without an offset */
  int restore; /* history dump: credo_restore_* */
  /* CSV: the header's columns and, per event field, its column or -1 */
  char **cols;
  int ncols;
  int field[10];
  /* --map FIELD=HEADER,...: header names standing for event fields;
   * --set FIELD=VALUE: a constant for a field the file has no column for */
  const char *map;
  const char *set[10];
  /* --date-format: a strptime format tried first on CSV time cells */
  const char *date_format;
  /* the JSON line being imported (cmd_import_json; "data" is passed on
   * as written) */
  const char *line;
  size_t line_len;
} imp_ctx;
/* cmd_export_csv.c: the current events as CSV on `out` (header row
 * first), as of `as_of`. Returns the scan's code; *events the rows
 * written, *write_failed 1 when writing to `out` failed. */
int cmd_export_csv(credo *db, FILE *out, int tz, credo_time as_of,
                   uint64_t *events, int *write_failed);

/* cmd_jspan.c: the text of the last top-level member `key` of the JSON
 * object text `text` (already valid JSON, e.g. parsed by jansson): 0 with
 * *start and *n pointing into `text`, or -1 when there is no such member
 * spelled without escapes. No allocation; thread-safe. */
int cmd_json_member_span(const char *text, size_t len, const char *key,
                         const char **start, size_t *n);

/* cmd_jspan.c: compact JSON of the object `obj` in its member order, each
 * member whose key `raw` maps to a string written as that string's text
 * (a value's text as the input spelled it), the others as jansson writes
 * them. Returns a malloc'ed string, or NULL when out of memory. */
struct json_t;
char *cmd_json_dump_raw(struct json_t *obj, struct json_t *raw);

/* Records `FIELD=VALUE` of --set in c. 0, or -1 for an unknown field. */
int cmd_import_set(imp_ctx *c, const char *arg);

/* One JSON line / CSV row. Returns CREDO_OK with *o filled (rejects
 * included), or the code of a failure that must stop the import (I/O,
 * disk full, ...). */
int cmd_import_json(imp_ctx *c, const char *text, size_t len, imp_outcome *o);
int cmd_import_csv(imp_ctx *c, const char *text, size_t len, imp_outcome *o);
/* Reads the CSV header. 0, or -1 with a message in err. */
int cmd_import_csv_header(imp_ctx *c, const char *text, size_t len, char *err,
                          size_t n);
void cmd_import_ctx_free(imp_ctx *c);
/* cmd_import_enc.c: 0 when the start of `in` (a seekable file; left
 * rewound) is UTF-8, or -1 after printing that `name` is not, with a guess
 * (UTF-16, GBK) and the --encoding to use. */
int cmd_import_sniff(FILE *in, const char *name);
/* The whole of `in` converted from encoding `enc` to UTF-8, in a rewound
 * temporary file (the caller closes it); NULL after printing why. */
FILE *cmd_import_decode(FILE *in, const char *enc);

#endif /* CMDS_H */
