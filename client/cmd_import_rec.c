/*
 * cmd_import_rec.c -- one import record into engine calls: a JSON line
 * (kind type / subject / event, or type / subject / version of a history
 * dump with --restore) or a CSV row (an event, maybe registering its
 * subject). docs/import.md is the format.
 *
 * Invariants: a record is either new, a duplicate of what is stored, or
 * rejected with a reason; nothing is silently dropped (unknown fields are
 * rejects too, so a misspelt field never vanishes). Engine errors that
 * describe the record (bad id, unknown type, conflict, ...) are rejects;
 * any other failure (I/O, disk full, ...) is returned and stops the
 * import.
 *
 * Does not: read input, run transactions or write the rejects file
 * (cmd_import.c).
 */
#include <csv.h>
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmds.h"

/* Event fields of a CSV header, in imp_ctx.field order. */
static const char *const CSV_FIELDS[] = {
    "subject", "type", "occurred", "public_from",  "public_until",
    "source",  "ref",  "reason",   "subject_kind", "subject_name"};
enum {
  F_SUBJECT,
  F_TYPE,
  F_OCCURRED,
  F_FROM,
  F_UNTIL,
  F_SOURCE,
  F_REF,
  F_REASON,
  F_KIND,
  F_NAME
};

static int reject(imp_outcome *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int reject(imp_outcome *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(o->reason, sizeof o->reason, fmt, ap);
  va_end(ap);
  for (char *p = o->reason; *p; p++)
    if (*p == '\t' || *p == '\n' || *p == '\r')
      *p = ' '; /* the rejects file is tab-separated, one line each */
  o->result = IMP_REJECT;
  return CREDO_OK;
}

/* Engine codes that say the record is wrong, not the store. */
static int is_reject_code(int rc) {
  switch (rc) {
  case CREDO_INVALID:
  case CREDO_NOTFOUND:
  case CREDO_EXISTS:
  case CREDO_CONFLICT:
  case CREDO_REFUSED:
  case CREDO_BADID:
  case CREDO_RANGE:
  case CREDO_SEMANTIC:
    return 1;
  default:
    return 0;
  }
}

/* The outcome of an engine call: new / duplicate, a reject, or a
 * failure to return. */
static int engine_result(imp_ctx *c, int rc, int created, imp_outcome *o) {
  if (rc == CREDO_OK) {
    o->result = created ? IMP_NEW : IMP_DUP;
    return CREDO_OK;
  }
  if (is_reject_code(rc))
    return reject(o, "%s", credo_errmsg(c->db));
  return rc;
}

/* ------------------------------------------------------- JSON fields */

/* The fields a kind of line may have, NULL-terminated. */
static int fields_known(json_t *j, const char *const *known, imp_outcome *o) {
  const char *key;
  json_t *v;
  json_object_foreach(j, key, v) {
    int ok = 0;
    for (const char *const *k = known; *k && !ok; k++)
      ok = strcmp(*k, key) == 0;
    if (!ok)
      return reject(o, "unknown field \"%s\"", key), -1;
  }
  return 0;
}

/* A string field; NULL when absent and not required. -1 after a reject. */
static int str_field(json_t *j, const char *key, int required, const char **out,
                     imp_outcome *o) {
  json_t *v = json_object_get(j, key);
  *out = NULL;
  if (!v || json_is_null(v)) {
    if (required)
      return reject(o, "field \"%s\" is required", key), -1;
    return 0;
  }
  if (!json_is_string(v))
    return reject(o, "field \"%s\" must be a string", key), -1;
  *out = json_string_value(v);
  return 0;
}

/* A time field. Absent: a reject when `required`, else `dflt`. "open" or
 * null: CREDO_TIME_OPEN when `open_ok`. */
static int time_field(imp_ctx *c, json_t *j, const char *key, int required,
                      int open_ok, credo_time *out, imp_outcome *o) {
  json_t *v = json_object_get(j, key);
  const char *s;
  *out = CREDO_TIME_DEFAULT;
  if (!v && required)
    return reject(o, "field \"%s\" is required", key), -1;
  if (!v)
    return 0;
  if (open_ok &&
      (json_is_null(v) ||
       (json_is_string(v) && strcmp(json_string_value(v), "open") == 0))) {
    *out = CREDO_TIME_OPEN;
    return 0;
  }
  if (!json_is_string(v))
    return reject(o, "field \"%s\" must be a date or time string", key), -1;
  s = json_string_value(v);
  if (credo_time_parse(s, c->tz, out) != CREDO_OK)
    return reject(o, "field \"%s\": \"%s\" is not a date or time", key, s), -1;
  return 0;
}

static int duration_field(json_t *j, const char *key, credo_duration *out,
                          imp_outcome *o) {
  const char *s;
  if (str_field(j, key, 0, &s, o) < 0)
    return -1;
  if (cmd_parse_duration(s, out) < 0)
    return reject(o,
                  "field \"%s\": \"%s\" is not a duration (\"1 YEAR 3 "
                  "MONTHS\", \"90 DAYS\", \"0\")",
                  key, s),
           -1;
  return 0;
}

static int kind_field(json_t *j, credo_kind *out, imp_outcome *o) {
  const char *s;
  if (str_field(j, "subject_kind", 1, &s, o) < 0)
    return -1;
  for (int k = CREDO_KIND_ORG; k <= CREDO_KIND_OTHER; k++)
    if (strcmp(s, credo_kind_name((credo_kind)k)) == 0) {
      *out = (credo_kind)k;
      return 0;
    }
  return reject(o, "subject_kind \"%s\" is not org, person or other", s), -1;
}

/* "data": an object, as the line spells it (malloc'ed): the engine keeps
 * numbers of up to 18 significant digits exactly, which a trip through
 * jansson's doubles would not. Re-serialised when its text cannot be cut
 * out of the line. */
static int data_field(const imp_ctx *c, json_t *j, char **out, imp_outcome *o) {
  json_t *v = json_object_get(j, "data");
  const char *p;
  size_t n;
  *out = NULL;
  if (!v || json_is_null(v))
    return 0;
  if (!json_is_object(v))
    return reject(o, "field \"data\" must be a JSON object"), -1;
  if (c->line &&
      cmd_json_member_span(c->line, c->line_len, "data", &p, &n) == 0 &&
      *p == '{')
    *out = strndup(p, n);
  else
    *out = json_dumps(v, JSON_COMPACT);
  return *out ? 0 : (reject(o, "out of memory"), -1);
}

/* -------------------------------------------------- types, subjects */

static int same_policy(const credo_type_info *t, credo_duration p,
                       credo_duration r) {
  return t->publicity.months == p.months && t->publicity.usec == p.usec &&
         t->repairable_after.months == r.months &&
         t->repairable_after.usec == r.usec;
}

/* The policy fields of a type line beyond its durations: "publicity" may
 * be "OPEN" or "NOT PUBLISHED", "polarity" "adverse" or "positive",
 * "public_fields" a comma-separated list. -1 when rejected. */
static int type_flags(json_t *j, credo_type_info *t, imp_outcome *o) {
  const char *pub = NULL, *pol = NULL;
  if (str_field(j, "publicity", 0, &pub, o) < 0 ||
      str_field(j, "polarity", 0, &pol, o) < 0 ||
      str_field(j, "public_fields", 0, &t->public_fields, o) < 0)
    return -1;
  if (pub && strcmp(pub, "OPEN") == 0)
    t->flags |= CREDO_TYPE_OPEN;
  else if (pub && strcmp(pub, "NOT PUBLISHED") == 0)
    t->flags |= CREDO_TYPE_NOT_PUBLISHED;
  else if (duration_field(j, "publicity", &t->publicity, o) < 0)
    return -1;
  else if (t->publicity.months == 0 && t->publicity.usec == 0)
    t->flags |= CREDO_TYPE_OPEN; /* "0": an open window, as before */
  if (pol && strcmp(pol, "positive") == 0)
    t->flags |= CREDO_TYPE_POSITIVE;
  else if (pol && strcmp(pol, "adverse") != 0)
    return reject(o, "field \"polarity\": \"%s\" is not adverse or positive",
                  pol),
           -1;
  return 0;
}

static int same_type(const credo_type_info *a, const credo_type_info *b) {
  return same_policy(a, b->publicity, b->repairable_after) &&
         a->flags == b->flags &&
         (a->public_fields ? b->public_fields &&
                                 strcmp(a->public_fields, b->public_fields) == 0
                           : !b->public_fields);
}

static int line_type(imp_ctx *c, json_t *j, imp_outcome *o) {
  static const char *const known[] = {
      "kind",    "name",     "publicity",     "repairable_after", "id",
      "created", "polarity", "public_fields", "retain",           NULL};
  credo_type_info t = {0};
  json_t *id = json_object_get(j, "id");
  int created = 0, rc;

  o->kind = IMP_TYPE;
  if (fields_known(j, known, o) < 0 || str_field(j, "name", 1, &t.name, o) ||
      type_flags(j, &t, o) ||
      duration_field(j, "repairable_after", &t.repairable_after, o) ||
      duration_field(j, "retain", &t.retain, o))
    return CREDO_OK;
  if (!c->restore) {
    rc = credo_create_type_def(c->db,
                               &(credo_type_def){t.name, t.flags, t.publicity,
                                                 t.repairable_after,
                                                 t.public_fields, t.retain});
    if (rc != CREDO_EXISTS)
      return engine_result(c, rc, 1, o);
    credo_type_info cur;
    if ((rc = credo_get_type(c->db, t.name, &cur)) != CREDO_OK)
      return engine_result(c, rc, 0, o);
    if (same_type(&cur, &t))
      return engine_result(c, CREDO_OK, 0, o);
    return reject(o, "type \"%s\" already exists with another policy", t.name);
  }
  if (id && !json_is_integer(id))
    return reject(o, "field \"id\" must be an integer");
  t.id = id ? (uint32_t)json_integer_value(id) : 0;
  if (time_field(c, j, "created", 1, 0, &t.created, o) < 0)
    return CREDO_OK;
  rc = credo_restore_type(c->db, &t, &created);
  return engine_result(c, rc, created, o);
}

/* Registers a subject unless it is there (*made 1 when it was new).
 * A known subject under a new name is renamed when the record gives a
 * `reason` (企业名称变更), else rejected with both names. Returns
 * CREDO_OK; CREDO_CONFLICT when the record was rejected (*o says why: a
 * stored subject with another kind or name, a bad id, ...); or a failure
 * that stops the import. A NULL `name` matches any stored name. */
static int ensure_subject(imp_ctx *c, const char *id, credo_kind kind,
                          const char *name, const char *reason, int *made,
                          imp_outcome *o) {
  credo_subject_info cur;
  int rc = credo_get_subject(c->db, id, &cur);
  *made = 0;
  if (rc == CREDO_OK) {
    if (cur.kind == kind && (!name || strcmp(cur.name, name) == 0))
      return CREDO_OK;
    if (cur.kind != kind)
      return reject(o, "subject \"%s\" already exists as %s \"%s\"", id,
                    credo_kind_name(cur.kind), cur.name),
             CREDO_CONFLICT;
    if (!reason)
      return reject(o,
                    "subject \"%s\" is named \"%s\", this record names it "
                    "\"%s\": give a reason to rename it",
                    id, cur.name, name),
             CREDO_CONFLICT;
    rc = credo_rename_subject(c->db, id, name, reason);
    if (rc == CREDO_OK)
      return CREDO_OK;
    return engine_result(c, rc, 0, o) == CREDO_OK ? CREDO_CONFLICT : rc;
  }
  if (rc != CREDO_NOTFOUND)
    return engine_result(c, rc, 0, o) == CREDO_OK ? CREDO_CONFLICT : rc;
  rc = credo_create_subject(c->db, id, kind, name);
  if (rc == CREDO_OK) {
    *made = 1;
    return CREDO_OK;
  }
  return engine_result(c, rc, 0, o) == CREDO_OK ? CREDO_CONFLICT : rc;
}

static int line_subject(imp_ctx *c, json_t *j, imp_outcome *o) {
  static const char *const known[] = {
      "kind", "id", "subject_kind", "name", "created", "reason", NULL};
  const char *reason = NULL;
  credo_subject_info s = {0};
  int made = 0, rc;

  o->kind = IMP_SUBJECT;
  if (fields_known(j, known, o) < 0 || str_field(j, "id", 1, &s.id, o) ||
      kind_field(j, &s.kind, o) || str_field(j, "name", 0, &s.name, o) ||
      str_field(j, "reason", 0, &reason, o))
    return CREDO_OK;
  if (c->restore) {
    if (time_field(c, j, "created", 1, 0, &s.created, o) < 0)
      return CREDO_OK;
    rc = credo_restore_subject(c->db, &s, &made);
    return engine_result(c, rc, made, o);
  }
  rc = ensure_subject(c, s.id, s.kind, s.name ? s.name : "", reason, &made, o);
  if (rc == CREDO_CONFLICT)
    return CREDO_OK; /* rejected */
  return rc == CREDO_OK ? engine_result(c, rc, made, o) : rc;
}

/* --------------------------------------------------- events, versions */

static int line_event(imp_ctx *c, json_t *j, imp_outcome *o) {
  static const char *const known[] = {
      "kind",   "subject", "type", "occurred", "public_from", "public_until",
      "source", "ref",     "data", "reason",   NULL};
  credo_record r = {0};
  char *data = NULL;
  uint64_t id;
  int created = 0, rc;

  o->kind = IMP_EVENT;
  if (fields_known(j, known, o) < 0 ||
      str_field(j, "subject", 1, &r.subject, o) ||
      str_field(j, "type", 1, &r.type, o) ||
      str_field(j, "source", 1, &r.source, o) ||
      str_field(j, "ref", 1, &r.ref, o) ||
      str_field(j, "reason", 0, &r.reason, o) ||
      time_field(c, j, "occurred", 1, 0, &r.occurred, o) ||
      time_field(c, j, "public_from", 0, 0, &r.public_from, o) ||
      time_field(c, j, "public_until", 0, 1, &r.public_until, o) ||
      data_field(c, j, &data, o))
    return CREDO_OK;
  r.data = data;
  rc = credo_record_event(c->db, &r, &id, &created);
  free(data);
  return engine_result(c, rc, created, o);
}

static int op_field(json_t *j, int *op, imp_outcome *o) {
  const char *s;
  if (str_field(j, "op", 1, &s, o) < 0)
    return -1;
  for (int k = CREDO_OP_RECORD; k <= CREDO_OP_RETRACT; k++)
    if (strcmp(s, credo_op_name(k)) == 0) {
      *op = k;
      return 0;
    }
  return reject(o, "op \"%s\" is not record, correct, repair or retract", s),
         -1;
}

static int int_field(json_t *j, const char *key, uint64_t *out,
                     imp_outcome *o) {
  json_t *v = json_object_get(j, key);
  if (!json_is_integer(v) || json_integer_value(v) < 1)
    return reject(o, "field \"%s\" must be a positive integer", key), -1;
  *out = (uint64_t)json_integer_value(v);
  return 0;
}

static int line_version(imp_ctx *c, json_t *j, imp_outcome *o) {
  static const char *const known[] = {
      "kind",     "event_id",    "version",      "recorded", "op",
      "actor",    "reason",      "retracted",    "subject",  "type",
      "occurred", "public_from", "public_until", "source",   "ref",
      "data",     NULL};
  credo_event e = {0};
  uint64_t id = 0, vno = 0;
  char *data = NULL;
  json_t *ret = json_object_get(j, "retracted");
  int created = 0, rc;

  o->kind = IMP_VERSION;
  if (fields_known(j, known, o) < 0 || int_field(j, "event_id", &id, o) ||
      int_field(j, "version", &vno, o) || op_field(j, &e.op, o) ||
      str_field(j, "subject", 1, &e.subject, o) ||
      str_field(j, "type", 1, &e.type, o) ||
      str_field(j, "source", 1, &e.source, o) ||
      str_field(j, "ref", 1, &e.ref, o) ||
      str_field(j, "actor", 1, &e.actor, o) ||
      str_field(j, "reason", 0, &e.reason, o) ||
      time_field(c, j, "recorded", 1, 0, &e.recorded, o) ||
      time_field(c, j, "occurred", 1, 0, &e.occurred, o) ||
      time_field(c, j, "public_from", 1, 0, &e.public_from, o) ||
      time_field(c, j, "public_until", 1, 1, &e.public_until, o) ||
      data_field(c, j, &data, o))
    return CREDO_OK;
  if (ret && !json_is_boolean(ret)) {
    free(data);
    return reject(o, "field \"retracted\" must be true or false");
  }
  e.id = id;
  e.version = vno > UINT32_MAX ? 0 : (uint32_t)vno;
  e.retracted = json_is_true(ret);
  e.data = data;
  rc = credo_restore_version(c->db, &e, &created);
  free(data);
  return engine_result(c, rc, created, o);
}

int cmd_import_json(imp_ctx *c, const char *text, size_t len, imp_outcome *o) {
  json_error_t je;
  json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  const char *kind;
  int rc = CREDO_OK;

  memset(o, 0, sizeof *o);
  o->kind = IMP_EVENT;
  c->line = text, c->line_len = len;
  if (!j)
    return reject(o, "broken JSON: %s (column %d)", je.text, je.column);
  if (!json_is_object(j))
    rc = reject(o, "a line must be a JSON object");
  else if (str_field(j, "kind", 1, &kind, o) < 0)
    rc = CREDO_OK;
  else if (strcmp(kind, "type") == 0)
    rc = line_type(c, j, o);
  else if (strcmp(kind, "subject") == 0)
    rc = line_subject(c, j, o);
  else if (strcmp(kind, "event") == 0 && !c->restore)
    rc = line_event(c, j, o);
  else if (strcmp(kind, "version") == 0 && c->restore)
    rc = line_version(c, j, o);
  else if (strcmp(kind, "version") == 0)
    rc = reject(o, "version lines are a history dump: import it with "
                   "--restore");
  else if (strcmp(kind, "event") == 0)
    rc = reject(o, "event lines are not a history dump: import them "
                   "without --restore");
  else
    rc = reject(o, "unknown kind \"%s\" (type, subject, event%s)", kind,
                c->restore ? ", version" : "");
  c->line = NULL, c->line_len = 0;
  json_decref(j);
  return rc;
}

/* ---------------------------------------------------------------- CSV */

/* The cells of one record as libcsv hands them out: copied one after the
 * other, NUL-terminated, into buf; offsets in off (pointers are made at the
 * end, since buf moves as it grows). */
typedef struct csv_cells {
  char *buf;
  size_t used, cap;
  size_t *off;
  int n, cap_off, oom;
} csv_cells;

static void on_cell(void *s, size_t len, void *arg) {
  csv_cells *cc = arg;

  if (cc->oom)
    return;
  if (cc->n == cc->cap_off) {
    int cap = cc->cap_off ? cc->cap_off * 2 : 16;
    size_t *no = realloc(cc->off, (size_t)cap * sizeof *no);
    if (!no) {
      cc->oom = 1;
      return;
    }
    cc->off = no;
    cc->cap_off = cap;
  }
  if (cc->used + len + 1 > cc->cap) {
    size_t cap = (cc->used + len + 1) * 2;
    char *nb = realloc(cc->buf, cap);
    if (!nb) {
      cc->oom = 1;
      return;
    }
    cc->buf = nb;
    cc->cap = cap;
  }
  cc->off[cc->n++] = cc->used;
  if (len)
    memcpy(cc->buf + cc->used, s, len);
  cc->buf[cc->used + len] = '\0';
  cc->used += len + 1;
}

/* Splits one CSV record with libcsv (RFC 4180 quoting, "" inside quotes,
 * quoted newlines; a quote inside an unquoted field is a literal quote;
 * unquoted cells trimmed of spaces and tabs) into *cells pointing into
 * *buf (both malloc'ed). The reader (cmd_import.c) has already cut the
 * input at record boundaries with the same quoting rules. Returns the
 * number of cells, or -1 for an unterminated quote / no memory. */
static int csv_split(const char *text, size_t len, char **buf, char ***cells) {
  struct csv_parser p;
  csv_cells cc = {0};
  char **v;
  int bad;

  *buf = NULL;
  *cells = NULL;
  if (csv_init(&p, CSV_STRICT_FINI) != 0)
    return -1;
  bad = csv_parse(&p, text, len, on_cell, NULL, &cc) != len;
  bad |= csv_fini(&p, on_cell, NULL, &cc) != 0;
  csv_free(&p);
  if (len == 0)
    on_cell("", 0, &cc); /* an empty line is one empty cell */
  if (bad || cc.oom || !(v = malloc((size_t)(cc.n ? cc.n : 1) * sizeof *v))) {
    free(cc.buf);
    free(cc.off);
    return -1;
  }
  for (int i = 0; i < cc.n; i++)
    v[i] = cc.buf + cc.off[i];
  free(cc.off);
  *buf = cc.buf;
  *cells = v;
  return cc.n;
}

/* 1 when --map (FIELD=HEADER,...) names header `h` for field f. */
static int mapped(const char *map, int f, const char *h) {
  size_t fl = strlen(CSV_FIELDS[f]), hl = strlen(h);

  for (const char *p = map; p && *p;) {
    size_t k = strcspn(p, ",");
    if (k > fl + 1 && strncmp(p, CSV_FIELDS[f], fl) == 0 && p[fl] == '=' &&
        k - fl - 1 == hl && strncmp(p + fl + 1, h, hl) == 0)
      return 1;
    p += k + (p[k] == ',');
  }
  return 0;
}

int cmd_import_csv_header(imp_ctx *c, const char *text, size_t len, char *err,
                          size_t n) {
  char *buf, **cells;
  int k = csv_split(text, len, &buf, &cells);

  for (int f = 0; f < 10; f++)
    c->field[f] = -1;
  if (k <= 0) {
    free(buf);
    return snprintf(err, n, "the CSV header is not a CSV line"), -1;
  }
  c->cols = calloc((size_t)k, sizeof *c->cols);
  for (int i = 0; c->cols && i < k; i++) {
    char *s = cells[i];
    while (isspace((unsigned char)*s))
      s++;
    for (size_t e = strlen(s); e && isspace((unsigned char)s[e - 1]);)
      s[--e] = '\0';
    c->cols[i] = strdup(s);
    for (int f = 0; f < 10; f++)
      if (strcmp(s, CSV_FIELDS[f]) == 0 || mapped(c->map, f, s))
        c->field[f] = i;
  }
  c->ncols = c->cols ? k : 0;
  free(cells);
  free(buf);
  for (int f = 0; f <= F_REF; f++)
    if (f != F_FROM && f != F_UNTIL && c->field[f] < 0 && !c->set[f])
      return snprintf(err, n,
                      "the CSV header has no column \"%s\" (name one with "
                      "--map %s=HEADER, or give --set %s=VALUE)",
                      CSV_FIELDS[f], CSV_FIELDS[f], CSV_FIELDS[f]),
             -1;
  return 0;
}

int cmd_import_set(imp_ctx *c, const char *arg) {
  const char *eq = strchr(arg, '=');

  for (int f = 0; eq && f < 10; f++)
    if (strlen(CSV_FIELDS[f]) == (size_t)(eq - arg) &&
        strncmp(arg, CSV_FIELDS[f], (size_t)(eq - arg)) == 0) {
      c->set[f] = eq + 1;
      return 0;
    }
  return -1;
}

void cmd_import_ctx_free(imp_ctx *c) {
  for (int i = 0; i < c->ncols; i++)
    free(c->cols[i]);
  free(c->cols);
  c->cols = NULL;
  c->ncols = 0;
}

/* 1 when `s` is a JSON number as written (no leading zeros, no '+'). */
static int json_number_text(const char *s) {
  const char *p = s;
  if (*p == '-')
    p++;
  if (*p == '0')
    p++;
  else if (*p >= '1' && *p <= '9')
    while (isdigit((unsigned char)*p))
      p++;
  else
    return 0;
  if (*p == '.') {
    if (!isdigit((unsigned char)*++p))
      return 0;
    while (isdigit((unsigned char)*p))
      p++;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-')
      p++;
    if (!isdigit((unsigned char)*p))
      return 0;
    while (isdigit((unsigned char)*p))
      p++;
  }
  return *p == '\0';
}

/* Notes in `raw` the text a member of `obj` was spelled with (a number
 * cell; a member of a whole data cell `text`), so the engine gets all its
 * digits (it keeps up to 18); forgets it when `text` is NULL. */
static void note_raw(json_t *raw, const char *key, const char *text, size_t n) {
  if (text)
    json_object_set_new(raw, key, json_stringn(text, n));
  else
    json_object_del(raw, key);
}

/* Merges a whole data object cell (`credo export --format csv` writes
 * one) into d. 0, or -1 when the cell is not a JSON object. */
static int merge_data_cell(json_t *d, json_t *raw, const char *cell) {
  json_t *obj = json_loads(cell, 0, NULL), *v;
  const char *k, *p;
  size_t n;
  if (!json_is_object(obj)) {
    json_decref(obj);
    return -1;
  }
  json_object_foreach(obj, k, v) {
    int spelled = cmd_json_member_span(cell, strlen(cell), k, &p, &n) == 0;
    note_raw(raw, k, spelled ? p : NULL, n);
  }
  json_object_update(d, obj);
  json_decref(obj);
  return 0;
}

/* The row's non-event columns as a JSON object text (malloc'ed). */
static char *csv_data(const imp_ctx *c, char **cells) {
  json_t *d = json_object(), *raw = json_object();
  char *out;
  for (int i = 0; d && raw && i < c->ncols; i++) {
    int is_field = 0;
    for (int f = 0; f < 10; f++)
      is_field |= c->field[f] == i;
    if (is_field || cells[i][0] == '\0')
      continue;
    if (strcmp(c->cols[i], "data") == 0 && cells[i][0] == '{' &&
        merge_data_cell(d, raw, cells[i]) == 0)
      continue;
    json_t *v = json_number_text(cells[i])
                    ? json_loads(cells[i], JSON_DECODE_ANY, NULL)
                    : json_string(cells[i]);
    note_raw(raw, c->cols[i], json_is_number(v) ? cells[i] : NULL,
             strlen(cells[i]));
    json_object_set_new(d, c->cols[i], v ? v : json_string(cells[i]));
  }
  out = d && raw ? cmd_json_dump_raw(d, raw) : NULL;
  json_decref(d);
  json_decref(raw);
  return out;
}

/* A cell of an event field, NULL when the column is absent or empty; the
 * --set constant when the file has no such column. */
static const char *cell(const imp_ctx *c, char **cells, int f) {
  if (c->field[f] < 0)
    return c->set[f];
  return cells[c->field[f]][0] ? cells[c->field[f]] : NULL;
}

/* The dates government exports write, 2025/03/01 and 2025年02月14日 (one
 * or two digits for month and day), as ISO 8601 in buf; anything else is
 * returned unchanged. */
static const char *iso_date(const char *s, char *buf, size_t n) {
  int y, m, d, k = -1;

  if ((sscanf(s, "%4d/%2d/%2d%n", &y, &m, &d, &k) == 3 && k > 0 && !s[k]) ||
      (sscanf(s, "%4d\u5e74%2d\u6708%2d\u65e5%n", &y, &m, &d, &k) == 3 &&
       k > 0 && !s[k]))
    return snprintf(buf, n, "%04d-%02d-%02d", y, m, d), buf;
  return s;
}

/* A cell in the --date-format (strptime; the whole cell must match) as
 * ISO 8601 in buf; NULL when there is no format or the cell does not
 * match it. Fields the format leaves out are 0 (midnight). */
static const char *formatted_date(const imp_ctx *c, const char *s, char *buf,
                                  size_t n) {
  struct tm tm;
  const char *end;
  if (!c->date_format)
    return NULL;
  memset(&tm, 0, sizeof tm);
  tm.tm_mday = 1;
  end = strptime(s, c->date_format, &tm);
  if (!end || *end)
    return NULL;
  snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

static int csv_time(const imp_ctx *c, char **cells, int f, credo_time *out,
                    imp_outcome *o) {
  char iso[48];
  const char *fmt;
  const char *s = cell(c, cells, f);
  *out = CREDO_TIME_DEFAULT;
  if (!s)
    return f == F_OCCURRED ? (reject(o, "column \"occurred\" is empty"), -1)
                           : 0;
  if (f == F_UNTIL && strcmp(s, "open") == 0) {
    *out = CREDO_TIME_OPEN;
    return 0;
  }
  fmt = formatted_date(c, s, iso, sizeof iso);
  if (credo_time_parse(fmt ? fmt : iso_date(s, iso, sizeof iso), c->tz, out) !=
      CREDO_OK)
    return reject(o, "column \"%s\": \"%s\" is not a date or time%s%s%s",
                  CSV_FIELDS[f], s,
                  c->date_format ? " (nor in --date-format '" : "",
                  c->date_format ? c->date_format : "",
                  c->date_format ? "')" : ""),
           -1;
  return 0;
}

/* Registers the row's subject when it has a subject_kind. */
static int csv_subject(imp_ctx *c, char **cells, imp_outcome *o) {
  const char *kind = cell(c, cells, F_KIND), *name = cell(c, cells, F_NAME);
  for (int k = CREDO_KIND_ORG; kind && k <= CREDO_KIND_OTHER; k++)
    if (strcmp(kind, credo_kind_name((credo_kind)k)) == 0)
      return ensure_subject(c, cell(c, cells, F_SUBJECT), (credo_kind)k, name,
                            cell(c, cells, F_REASON), &o->subject_made, o);
  if (kind)
    return reject(o, "subject_kind \"%s\" is not org, person or other", kind),
           CREDO_CONFLICT;
  return CREDO_OK;
}

static int csv_row(imp_ctx *c, char **cells, imp_outcome *o) {
  credo_record r = {0};
  uint64_t id;
  int created = 0, rc;
  char *data;

  for (int f = 0; f <= F_REF; f++)
    if (f != F_FROM && f != F_UNTIL && f != F_OCCURRED && !cell(c, cells, f))
      return reject(o, "column \"%s\" is empty", CSV_FIELDS[f]);
  if (csv_time(c, cells, F_OCCURRED, &r.occurred, o) ||
      csv_time(c, cells, F_FROM, &r.public_from, o) ||
      csv_time(c, cells, F_UNTIL, &r.public_until, o))
    return CREDO_OK;
  if ((rc = csv_subject(c, cells, o)) != CREDO_OK)
    return rc == CREDO_CONFLICT ? CREDO_OK : rc;
  if (!(data = csv_data(c, cells)))
    return reject(o, "out of memory");
  r.subject = cell(c, cells, F_SUBJECT);
  r.type = cell(c, cells, F_TYPE);
  r.source = cell(c, cells, F_SOURCE);
  r.ref = cell(c, cells, F_REF);
  r.reason = cell(c, cells, F_REASON);
  r.data = data;
  rc = credo_record_event(c->db, &r, &id, &created);
  free(data);
  return engine_result(c, rc, created, o);
}

int cmd_import_csv(imp_ctx *c, const char *text, size_t len, imp_outcome *o) {
  char *buf, **cells;
  int n = csv_split(text, len, &buf, &cells), rc;

  memset(o, 0, sizeof *o);
  o->kind = IMP_EVENT;
  if (n < 0)
    rc = reject(o, "broken CSV: a quoted field does not end");
  else if (n != c->ncols)
    rc = reject(o, "%d fields, the header has %d", n, c->ncols);
  else
    rc = csv_row(c, cells, o);
  free(cells);
  free(buf);
  return rc;
}
