/*
 * cmd_export.c -- `credo export STORE [--as-of T] [--history] [--tz
 * OFFSET]`: the store as JSON Lines on stdout, in the format `credo
 * import` reads (docs/import.md).
 *
 * Current state (default): types, subjects, then every event as of T
 * (default now) in id order with INCLUDE HIDDEN semantics: whatever was
 * recorded is exported, public or not; retracted events are left out;
 * with --as-of, types and subjects created after T are left out too.
 * Event lines carry the current values (a corrected event exports its
 * correction, a repaired one its shortened window) and no id or times of
 * recording: importing them records new events.
 *
 * History (--history): every type, subject and event version in
 * transaction-time order with its ids and times (credo_dump_history),
 * for `credo import --restore` into an empty store.
 *
 * CSV (--format csv, cmd_export_csv.c): the current events only, one
 * row each, for spreadsheets and `credo import`.
 *
 * Invariants: stdout holds only JSON lines (or CSV rows) (one object each,
 * compact, UTF-8 unescaped); the count goes to stderr. Times are ISO 8601 with
 * the offset of --tz (UTC by default), to the microsecond.
 *
 * Does not: write to the store (opened read-only).
 */
#include <getopt.h>
#include <jansson.h>
#include <string.h>

#include "cmds.h"
#include "sh_shell.h"

#define SYNOPSIS                                                               \
  "export STORE [--as-of T] [--history] [--tz OFFSET] [--format jsonl|csv]"

typedef struct exporter {
  credo *db;
  FILE *out;
  int tz;
  credo_time as_of; /* CREDO_TIME_NOW: latest */
  uint64_t lines[4];
  int failed;
  int csv; /* --format csv */
} exporter;

/* Writes one line and frees `j`. `data`, when not NULL, is the event's
 * stored data text, written as is as the line's last member "data" (the
 * engine's canonical text keeps each number's digits, 18-digit decimals
 * included; a trip through jansson's doubles would not). Non-zero when
 * output failed. */
static int emit_data(exporter *x, json_t *j, int kind, const char *data) {
  char *line = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                     JSON_REAL_PRECISION(17))
                 : NULL;
  size_t n = line ? strlen(line) : 0;
  if (!line || n < 2)
    x->failed = 1;
  else if (data) { /* line is "{...}": the members, then data */
    if (fwrite(line, 1, n - 1, x->out) != n - 1 ||
        fprintf(x->out, ",\"data\":%s}\n", data) < 0)
      x->failed = 1;
  } else if (fputs(line, x->out) == EOF || fputc('\n', x->out) == EOF)
    x->failed = 1;
  free(line);
  json_decref(j);
  x->lines[kind]++;
  return x->failed;
}

static int emit(exporter *x, json_t *j, int kind) {
  return emit_data(x, j, kind, NULL);
}

/* The stored data text when it is a JSON object (it always is: the
 * engine stores canonical text), else "{}". */
static const char *data_text(const credo_event *e) {
  json_t *d = e->data ? json_loads(e->data, 0, NULL) : NULL;
  int ok = json_is_object(d);
  json_decref(d);
  return ok ? e->data : "{}";
}

static json_t *jtime(const exporter *x, credo_time t) {
  char buf[48];
  if (t == CREDO_TIME_OPEN)
    return json_string("open");
  return json_string(cmd_fmt_time(t, x->tz, buf, sizeof buf));
}

static json_t *jduration(credo_duration d) {
  char buf[128];
  credo_duration_format(d, buf, sizeof buf);
  return json_string(buf);
}

static json_t *type_line(const exporter *x, const credo_type_info *t,
                         int history) {
  json_t *j = json_pack(
      "{s:s, s:s, s:o, s:o}", "kind", "type", "name", t->name, "publicity",
      /* an open window stays "0 SECONDS", as older builds wrote it (the
       * importer reads a zero PUBLICITY as OPEN) */
      t->flags & CREDO_TYPE_NOT_PUBLISHED ? json_string("NOT PUBLISHED")
                                          : jduration(t->publicity),
      "repairable_after", jduration(t->repairable_after));
  if (j && (t->flags & CREDO_TYPE_POSITIVE))
    json_object_set_new(j, "polarity", json_string("positive"));
  if (j && t->public_fields)
    json_object_set_new(j, "public_fields", json_string(t->public_fields));
  if (j && (t->retain.months || t->retain.usec))
    json_object_set_new(j, "retain", jduration(t->retain));
  if (j && history) {
    json_object_set_new(j, "id", json_integer(t->id));
    json_object_set_new(j, "created", jtime(x, t->created));
  }
  return j;
}

static json_t *subject_line(const exporter *x, const credo_subject_info *s,
                            int history) {
  json_t *j = json_pack("{s:s, s:s, s:s}", "kind", "subject", "id", s->id,
                        "subject_kind", credo_kind_name(s->kind));
  if (j && s->name && *s->name)
    json_object_set_new(j, "name", json_string(s->name));
  if (j && history)
    json_object_set_new(j, "created", jtime(x, s->created));
  return j;
}

/* The fields an event line and a version line share, but data (emit_data
 * writes it last). */
static int event_fields(const exporter *x, json_t *j, const credo_event *e) {
  return json_object_set_new(j, "subject", json_string(e->subject)) ||
         json_object_set_new(j, "type", json_string(e->type)) ||
         json_object_set_new(j, "occurred", jtime(x, e->occurred)) ||
         json_object_set_new(j, "public_from", jtime(x, e->public_from)) ||
         json_object_set_new(j, "public_until", jtime(x, e->public_until)) ||
         json_object_set_new(j, "source", json_string(e->source)) ||
         json_object_set_new(j, "ref", json_string(e->ref));
}

static json_t *version_line(const exporter *x, const credo_event *e) {
  json_t *j = json_pack("{s:s, s:I, s:i, s:o, s:s, s:s, s:s, s:b}", "kind",
                        "version", "event_id", (json_int_t)e->id, "version",
                        (int)e->version, "recorded", jtime(x, e->recorded),
                        "op", credo_op_name(e->op), "actor", e->actor, "reason",
                        e->reason, "retracted", e->retracted);
  if (j && event_fields(x, j, e) != 0) {
    json_decref(j);
    return NULL;
  }
  return j;
}

/* ------------------------------------------------------------- walks */

static int on_type(const credo_type_info *t, void *arg) {
  exporter *x = arg;
  if (x->as_of != CREDO_TIME_NOW && t->created > x->as_of)
    return 0;
  return emit(x, type_line(x, t, 0), 0);
}

static int on_subject(const credo_subject_info *s, void *arg) {
  exporter *x = arg;
  if (x->as_of != CREDO_TIME_NOW && s->created > x->as_of)
    return 0;
  return emit(x, subject_line(x, s, 0), 1);
}

static int on_event(const credo_event *e, void *arg) {
  exporter *x = arg;
  json_t *j = json_pack("{s:s}", "kind", "event");
  if (j && event_fields(x, j, e) != 0) {
    json_decref(j);
    j = NULL;
  }
  return emit_data(x, j, 2, data_text(e));
}

static int on_item(const credo_dump_item *it, void *arg) {
  exporter *x = arg;
  if (it->kind == CREDO_DUMP_TYPE)
    return emit(x, type_line(x, it->type, 1), 0);
  if (it->kind == CREDO_DUMP_SUBJECT)
    return emit(x, subject_line(x, it->subject, 1), 1);
  return emit_data(x, version_line(x, it->version), 3, data_text(it->version));
}

static int export_current(exporter *x) {
  int rc = credo_list_types(x->db, on_type, x);
  if (rc == CREDO_OK)
    rc = credo_list_subjects(x->db, on_subject, x);
  if (rc == CREDO_OK)
    rc = credo_scan_events(x->db, x->as_of, CREDO_TIME_NOW, CREDO_READ_HIDDEN,
                           on_event, x);
  return rc;
}

/* ------------------------------------------------------------- main */

static int parse_opts(int argc, char **argv, exporter *x, int *history,
                      const char **store) {
  static const struct option longs[] = {
      {"as-of", required_argument, NULL, 'a'},
      {"history", no_argument, NULL, 'h'},
      {"tz", required_argument, NULL, 'z'},
      {"format", required_argument, NULL, 'f'},
      {NULL, 0, NULL, 0}};
  const char *as_of = NULL;
  int c;
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    if (c == 'a')
      as_of = optarg;
    else if (c == 'h')
      *history = 1;
    else if (c == 'f' && (!strcmp(optarg, "csv") || !strcmp(optarg, "jsonl")))
      x->csv = optarg[0] == 'c';
    else if (c == 'f')
      return cmd_usage(SYNOPSIS, "--format is jsonl or csv");
    else if (c == 'z' && sh_tz_parse(optarg, &x->tz) < 0)
      return cmd_usage(SYNOPSIS, "bad time zone '%s'", optarg);
    else if (c == '?' || c == ':')
      return cmd_usage(SYNOPSIS, "bad option '%s'", argv[optind - 1]);
  }
  if (argc - optind != 1)
    return cmd_usage(SYNOPSIS, "export needs STORE");
  *store = argv[optind];
  if (as_of && *history)
    return cmd_usage(SYNOPSIS, "--history dumps everything; no --as-of");
  if (x->csv && *history)
    return cmd_usage(SYNOPSIS, "--format csv exports the current events; "
                               "--history is JSON Lines only");
  if (as_of && credo_time_parse(as_of, x->tz, &x->as_of) != CREDO_OK)
    return cmd_usage(SYNOPSIS, "--as-of '%s' is not a date or time", as_of);
  return 0;
}

int cmd_export(int argc, char **argv) {
  exporter x = {.out = stdout, .as_of = CREDO_TIME_NOW};
  const char *store = NULL;
  int history = 0, rc;

  if ((rc = parse_opts(argc, argv, &x, &history, &store)) != 0)
    return rc;
  if (cmd_open_local(store, CREDO_OPEN_READONLY | CREDO_OPEN_NOCREATE, &x.db))
    return CMD_FAIL;
  credo_set_tz(x.db, x.tz);
  if (x.csv)
    rc = cmd_export_csv(x.db, x.out, x.tz, x.as_of, &x.lines[2], &x.failed);
  else
    rc = history ? credo_dump_history(x.db, on_item, &x) : export_current(&x);
  if (fflush(x.out) != 0)
    x.failed = 1;
  if (x.failed)
    fprintf(stderr, "error: cannot write the export\n");
  else if (rc != CREDO_OK)
    fprintf(stderr, "error: export of '%s' failed: %s\n", store,
            credo_errmsg(x.db));
  else
    fprintf(stderr,
            "export: %s: %llu types, %llu subjects, %llu events, %llu "
            "versions\n",
            store, (unsigned long long)x.lines[0],
            (unsigned long long)x.lines[1], (unsigned long long)x.lines[2],
            (unsigned long long)x.lines[3]);
  credo_close(x.db);
  return rc == CREDO_OK && !x.failed ? CMD_OK : CMD_FAIL;
}
