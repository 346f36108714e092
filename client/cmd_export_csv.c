/*
 * cmd_export_csv.c -- `credo export STORE --format csv`: the store's
 * current events as CSV (RFC 4180) that `credo import` reads back.
 *
 * Columns, after a header row naming them: subject, subject_kind,
 * subject_name, type, occurred, public_from, public_until, source, ref,
 * data -- the event fields of the JSON Lines export, plus the subject's
 * kind and name so that an import into a store that has the types
 * registers the subjects too (docs/import.md, CSV). `data` is the data
 * object as compact JSON in one cell (import merges a `data` cell that
 * is a JSON object into the event's data). Times are ISO 8601 in the
 * --tz offset, `open` for an open window.
 *
 * Invariants: every cell that needs quoting (a `,`, `"`, CR or LF, or
 * spaces at either end, which import would trim) is quoted by libcsv's
 * writer (csv_fwrite: `"` doubled); the others are written as they are.
 * One record per line (a quoted cell may hold line ends). The same events
 * as the JSON Lines export: as of --as-of, hidden ones included,
 * retracted ones left out.
 *
 * Does not: export types or history (CSV has one record kind: events;
 * types come from the JSON Lines export, history needs --history).
 */
#include <csv.h>
#include <string.h>

#include "cmds.h"

static const char *const COLUMNS[] = {
    "subject",     "subject_kind", "subject_name", "type", "occurred",
    "public_from", "public_until", "source",       "ref",  "data"};
#define NCOLS (sizeof COLUMNS / sizeof *COLUMNS)

typedef struct csv_exp {
  credo *db;
  FILE *out;
  int tz;
  uint64_t n;
  int failed;
} csv_exp;

/* 1 when import would not read `s` back as it is unquoted. */
static int needs_quotes(const char *s) {
  size_t n = strlen(s);
  return n == 0 ? 0
                : strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' ||
                      s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t';
}

static void cell(csv_exp *x, const char *s, int last) {
  if (needs_quotes(s)) {
    if (csv_fwrite(x->out, s, strlen(s)) != 0)
      x->failed = 1;
  } else if (fputs(s, x->out) == EOF) {
    x->failed = 1;
  }
  if (fputc(last ? '\n' : ',', x->out) == EOF)
    x->failed = 1;
}

static const char *when(const csv_exp *x, credo_time t, char *buf, size_t n) {
  return t == CREDO_TIME_OPEN ? "open" : cmd_fmt_time(t, x->tz, buf, n);
}

static int on_event(const credo_event *e, void *arg) {
  csv_exp *x = arg;
  credo_subject_info s;
  char occ[48], from[48], until[48], kind[16] = "", *name = NULL;
  if (credo_get_subject(x->db, e->subject, &s) == CREDO_OK) {
    snprintf(kind, sizeof kind, "%s", credo_kind_name(s.kind));
    name = strdup(s.name ? s.name : "");
    if (!name)
      return x->failed = 1;
  }
  const char *cells[NCOLS] = {e->subject,
                              kind,
                              name ? name : "",
                              e->type,
                              when(x, e->occurred, occ, sizeof occ),
                              when(x, e->public_from, from, sizeof from),
                              when(x, e->public_until, until, sizeof until),
                              e->source,
                              e->ref,
                              e->data ? e->data : "{}"};
  for (size_t i = 0; i < NCOLS; i++)
    cell(x, cells[i], i + 1 == NCOLS);
  free(name);
  x->n++;
  return x->failed;
}

int cmd_export_csv(credo *db, FILE *out, int tz, credo_time as_of,
                   uint64_t *events, int *write_failed) {
  csv_exp x = {db, out, tz, 0, 0};
  int rc;
  for (size_t i = 0; i < NCOLS; i++)
    cell(&x, COLUMNS[i], i + 1 == NCOLS);
  rc = credo_scan_events(db, as_of, CREDO_TIME_NOW, CREDO_READ_HIDDEN, on_event,
                         &x);
  *events = x.n;
  *write_failed = x.failed;
  return x.failed && rc != CREDO_OK ? CREDO_OK : rc;
}
