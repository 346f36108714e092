/*
 * expr_row.c -- the column catalogs of the three tables and the values of
 * the current row's columns (events, subjects, types), JSON paths into an
 * event's data included.
 *
 * Invariants: only the columns an expression names are read; nothing is
 * allocated per row except computed texts (in the row arena) and the parse
 * of `data` when a JSON path is used (once per row); the subject of the
 * last row is cached across rows.
 *
 * Does not: compile (expr_compile.c) or evaluate operators (expr_eval.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "expr_int.h"
#include "jfield.h"

/* ------------------------------------------------------------ columns */

typedef struct col_def {
  const char *name;
  int type;
} col_def;

static const col_def EV_COLS[ENG_EV_NCOLS] = {{"id", ENG_V_INT},
                                              {"subject", ENG_V_TEXT},
                                              {"type", ENG_V_TEXT},
                                              {"occurred", ENG_V_TIME},
                                              {"public_from", ENG_V_TIME},
                                              {"public_until", ENG_V_TIME},
                                              {"source", ENG_V_TEXT},
                                              {"ref", ENG_V_TEXT},
                                              {"data", ENG_V_JSON},
                                              {"version", ENG_V_INT},
                                              {"recorded", ENG_V_TIME},
                                              {"actor", ENG_V_TEXT},
                                              {"public", ENG_V_BOOL},
                                              {"subject_name", ENG_V_TEXT},
                                              {"subject_kind", ENG_V_TEXT},
                                              {"op", ENG_V_TEXT},
                                              {"reason", ENG_V_TEXT},
                                              {"retain_until", ENG_V_TIME},
                                              {"repairable_from", ENG_V_TIME}};

static const col_def SU_COLS[ENG_SU_NCOLS] = {{"id", ENG_V_TEXT},
                                              {"kind", ENG_V_TEXT},
                                              {"name", ENG_V_TEXT},
                                              {"created", ENG_V_TIME}};

static const col_def TY_COLS[ENG_TY_NCOLS] = {
    {"name", ENG_V_TEXT},      {"id", ENG_V_INT},
    {"publicity", ENG_V_TEXT}, {"repairable_after", ENG_V_TEXT},
    {"created", ENG_V_TIME},   {"polarity", ENG_V_TEXT},
    {"published", ENG_V_BOOL}, {"public_fields", ENG_V_TEXT}};

/* The versions table's columns, as the event columns they show (expr.h):
 * their names and types are those of EV_COLS. */
static const int VS_EV[ENG_VS_NCOLS] = {
    ENG_EV_ID,           ENG_EV_VERSION,        ENG_EV_OP,
    ENG_EV_RECORDED,     ENG_EV_ACTOR,          ENG_EV_REASON,
    ENG_EV_SUBJECT,      ENG_EV_TYPE,           ENG_EV_OCCURRED,
    ENG_EV_PUBLIC_FROM,  ENG_EV_PUBLIC_UNTIL,   ENG_EV_SOURCE,
    ENG_EV_REF,          ENG_EV_DATA,           ENG_EV_SUBJECT_NAME,
    ENG_EV_SUBJECT_KIND, ENG_EV_REPAIRABLE_FROM};

int eng_col_is_data(int table, int col) {
  return (table == CQL_TABLE_EVENTS && col == ENG_EV_DATA) ||
         (table == CQL_TABLE_VERSIONS && col >= 0 && col < ENG_VS_NCOLS &&
          VS_EV[col] == ENG_EV_DATA);
}

static const col_def *table_cols(int table, int *n) {
  switch (table) {
  case CQL_TABLE_VERSIONS: /* through VS_EV: see col_at */
    *n = ENG_VS_NCOLS;
    return EV_COLS;
  case CQL_TABLE_EVENTS:
    *n = ENG_EV_NCOLS;
    return EV_COLS;
  case CQL_TABLE_SUBJECTS:
    *n = ENG_SU_NCOLS;
    return SU_COLS;
  case CQL_TABLE_TYPES:
    *n = ENG_TY_NCOLS;
    return TY_COLS;
  default:
    *n = 0;
    return NULL;
  }
}

int eng_table_ncols(int table) {
  int n;
  table_cols(table, &n);
  return n;
}

int eng_table_star(int table) {
  return table == CQL_TABLE_EVENTS     ? ENG_EV_STAR
         : table == CQL_TABLE_TYPES    ? ENG_TY_STAR
         : table == CQL_TABLE_VERSIONS ? ENG_VS_STAR
                                       : eng_table_ncols(table);
}

/* Column col of table, NULL when out of range. */
static const col_def *col_at(int table, int col) {
  int n;
  const col_def *c = table_cols(table, &n);
  if (col < 0 || col >= n)
    return NULL;
  return table == CQL_TABLE_VERSIONS ? &c[VS_EV[col]] : &c[col];
}

const char *eng_col_name(int table, int col) {
  const col_def *c = col_at(table, col);
  return c ? c->name : "?";
}

int eng_col_type(int table, int col) {
  const col_def *c = col_at(table, col);
  return c ? c->type : ENG_V_ANY;
}

int eng_col_find(int table, const char *name) {
  const col_def *c;
  for (int i = 0; (c = col_at(table, i)) != NULL; i++)
    if (strcasecmp(c->name, name) == 0)
      return i;
  return -1;
}

/* ---------------------------------------------------------- the row */

void eng_ectx_row(eng_ectx *x) {
  if (x->json) {
    json_decref(x->json);
    x->json = NULL;
  }
  x->json_state = 0;
  if (x->arena)
    eng_arena_reset(x->arena);
}

void eng_ectx_free(eng_ectx *x) {
  if (x->json)
    json_decref(x->json);
  x->json = NULL;
  x->json_state = 0;
  eng_buf_free(&x->subj_id);
  eng_buf_free(&x->subj_name);
}

int eng_ectx_oom(eng_ectx *x) {
  return eng_err(x->db, CREDO_NOMEM, "out of memory");
}

static eng_value text_or_null(const char *s) {
  size_t n = s ? strlen(s) : 0;
  return n ? eng_v_text(s, n) : eng_v_null();
}

static eng_value text_of(const char *s) {
  return eng_v_text(s ? s : "", s ? strlen(s) : 0);
}

/* Loads the subject of the current event into the context's cache. */
static int load_subject(eng_ectx *x) {
  const char *id = x->ev->subject;
  credo_subject_info s;
  stor_key k;
  stor_val v;
  int rc;
  if (x->subj_kind && x->subj_id.p && strcmp(x->subj_id.p, id) == 0)
    return CREDO_OK;
  x->subj_kind = 0;
  x->subj_id.n = x->subj_name.n = 0;
  if (!x->txn)
    return CREDO_OK;
  stor_key_init(&k);
  stor_key_str(&k, id);
  rc = stor_get(x->txn, STOR_SUBJECTS, stor_key_val(&k), &v);
  if (rc == CREDO_NOTFOUND)
    return CREDO_OK;
  if (rc != CREDO_OK)
    return eng_err_stor(x->db, rc, "cannot read a subject");
  if (eng_subject_decode(stor_key_val(&k), v, &s) != CREDO_OK)
    return eng_err(x->db, CREDO_CORRUPT, "subject \"%s\" is corrupt", id);
  if (x->as_of != CREDO_TIME_OPEN && x->as_of != 0 &&
      (rc = eng_subject_name_at(x->db, x->txn, id, s.name, x->as_of,
                                &s.name)) != CREDO_OK)
    return rc;
  if (eng_buf_put(&x->subj_id, id, strlen(id)) ||
      eng_buf_put(&x->subj_name, s.name, strlen(s.name)))
    return eng_ectx_oom(x);
  x->subj_kind = (int)s.kind;
  return CREDO_OK;
}

/* retain_until of the current row (the version read), NULL when never. */
static int retain_until(eng_ectx *x, eng_value *out) {
  const credo_event *ev = x->ev;
  const eng_type *t;
  eng_version v = {0};
  credo_time until;
  int rc;
  *out = eng_v_null();
  if (!x->txn || !ev->type || !*ev->type)
    return CREDO_OK;
  v.public_until = ev->public_until;
  v.vno = ev->version;
  v.recorded = ev->recorded;
  if ((rc = eng_type_by_name(x->db, x->txn, ev->type, &t)) ||
      (rc = eng_retain_until(x->db, x->txn, t, ev->id, &v, &until)))
    return rc;
  if (until != CREDO_TIME_OPEN)
    *out = eng_v_time(until);
  return CREDO_OK;
}

/* repairable_from: the earliest instant REPAIR accepts for this record,
 * by its type's policy as it is now (the minimum runs from the decision
 * date, in the store's zone, as events.c checks it); NULL for positive
 * types. */
static int repairable_from(eng_ectx *x, eng_value *out) {
  const credo_event *ev = x->ev;
  const eng_type *t;
  int rc, stz;
  *out = eng_v_null();
  if (!x->txn || !ev->type || !*ev->type)
    return CREDO_OK;
  if ((rc = eng_type_by_name(x->db, x->txn, ev->type, &t)) ||
      (rc = eng_store_tz(x->db, x->txn, &stz)))
    return rc;
  if (!(t->flags & CREDO_TYPE_POSITIVE))
    *out = eng_v_time(credo_time_add(ev->occurred, t->repairable_after, stz));
  return CREDO_OK;
}

static int event_col(eng_ectx *x, int col, eng_value *out) {
  const credo_event *ev = x->ev;
  int rc;
  switch (col) {
  case ENG_EV_ID:
    *out = eng_v_int((int64_t)ev->id);
    break;
  case ENG_EV_SUBJECT:
    if (x->mask_subject) {
      if ((rc = load_subject(x)) != CREDO_OK)
        return rc;
      if (x->subj_kind != CREDO_KIND_ORG && x->subj_kind != CREDO_KIND_OTHER) {
        char *m = eng_arena_strdup(x->arena, ev->subject, strlen(ev->subject));
        if (!m)
          return eng_ectx_oom(x);
        eng_mask_person(ev->subject, m, strlen(m) + 1);
        *out = text_of(m);
        break;
      }
    }
    *out = text_of(ev->subject);
    break;
  case ENG_EV_TYPE:
    *out = text_of(ev->type);
    break;
  case ENG_EV_OCCURRED:
    *out = eng_v_time(ev->occurred);
    break;
  case ENG_EV_PUBLIC_FROM:
    *out = eng_v_time(ev->public_from);
    break;
  case ENG_EV_PUBLIC_UNTIL:
    *out = eng_v_time(ev->public_until);
    break;
  case ENG_EV_SOURCE:
    *out = text_of(ev->source);
    break;
  case ENG_EV_REF:
    *out = text_of(ev->ref);
    break;
  case ENG_EV_DATA:
    *out =
        eng_v_json(ev->data ? ev->data : "{}", ev->data ? strlen(ev->data) : 2);
    break;
  case ENG_EV_VERSION:
    *out = eng_v_int(ev->version);
    break;
  case ENG_EV_RECORDED:
    *out = eng_v_time(ev->recorded);
    break;
  case ENG_EV_ACTOR:
    *out = text_of(ev->actor);
    break;
  case ENG_EV_PUBLIC:
    *out = eng_v_bool(ev->is_public);
    break;
  case ENG_EV_SUBJECT_NAME:
  case ENG_EV_SUBJECT_KIND:
    if ((rc = load_subject(x)) != CREDO_OK)
      return rc;
    if (!x->subj_kind)
      *out = eng_v_null();
    else if (col == ENG_EV_SUBJECT_KIND)
      *out = text_of(credo_kind_name((credo_kind)x->subj_kind));
    else
      *out = x->subj_name.n ? eng_v_text(x->subj_name.p, x->subj_name.n)
                            : eng_v_null();
    break;
  case ENG_EV_OP:
    *out = text_or_null(credo_op_name(ev->op));
    break;
  case ENG_EV_RETAIN_UNTIL:
    return retain_until(x, out);
  case ENG_EV_REPAIRABLE_FROM:
    return repairable_from(x, out);
  default:
    *out = text_or_null(ev->reason);
  }
  return CREDO_OK;
}

static eng_value dur_text(eng_ectx *x, credo_duration d, int zero_null) {
  char buf[200];
  char *p;
  if (zero_null && d.months == 0 && d.usec == 0)
    return eng_v_null(); /* no publicity: an open window */
  credo_duration_format(d, buf, sizeof buf);
  p = eng_arena_strdup(x->arena, buf, strlen(buf));
  return p ? eng_v_text(p, strlen(p)) : eng_v_null();
}

int eng_column_value(eng_ectx *x, int col, eng_value *out) {
  if (x->nullrow) { /* LEFT JOIN without a match */
    *out = eng_v_null();
    return CREDO_OK;
  }
  if (ENG_ROWSET(x->table)) { /* a buffered row (exec_join.c) */
    *out = x->drow ? x->drow[col] : eng_v_null();
    return CREDO_OK;
  }
  if (x->table == CQL_TABLE_EVENTS && x->mask_subject &&
      (col == ENG_EV_VERSION || col == ENG_EV_RECORDED || col == ENG_EV_ACTOR ||
       col == ENG_EV_OP || col == ENG_EV_REASON ||
       col == ENG_EV_RETAIN_UNTIL)) {
    *out = eng_v_null(); /* `*` for the public role: no internals */
    return CREDO_OK;
  }
  if (x->table == CQL_TABLE_EVENTS)
    return x->ev ? event_col(x, col, out) : eng_ectx_oom(x);
  if (x->table == CQL_TABLE_VERSIONS) /* never masked: not for public */
    return x->ev && col >= 0 && col < ENG_VS_NCOLS
               ? event_col(x, VS_EV[col], out)
               : eng_ectx_oom(x);
  if (x->table == CQL_TABLE_SUBJECTS) {
    const credo_subject_info *s = x->subj;
    if (col == ENG_SU_ID)
      *out = text_of(s->id);
    else if (col == ENG_SU_KIND)
      *out = text_or_null(credo_kind_name(s->kind));
    else if (col == ENG_SU_NAME)
      *out = text_or_null(s->name);
    else
      *out = eng_v_time(s->created);
    return CREDO_OK;
  }
  if (col == ENG_TY_NAME)
    *out = text_of(x->ty->name);
  else if (col == ENG_TY_ID)
    *out = eng_v_int(x->ty->id);
  else if (col == ENG_TY_PUBLICITY)
    *out = dur_text(x, x->ty->publicity, 1);
  else if (col == ENG_TY_REPAIRABLE)
    *out = dur_text(x, x->ty->repairable_after, 0);
  else if (col == ENG_TY_POLARITY)
    *out = text_of(x->ty->flags & CREDO_TYPE_POSITIVE ? "positive" : "adverse");
  else if (col == ENG_TY_PUBLISHED)
    *out = eng_v_bool(!(x->ty->flags & CREDO_TYPE_NOT_PUBLISHED));
  else if (col == ENG_TY_PUBLIC_FIELDS)
    *out = text_or_null(x->ty->public_fields);
  else
    *out = eng_v_time(x->ty->created);
  return CREDO_OK;
}

/* data.a.b: the text scan of jfield.c when it can answer, else parses
 * data once per row; a missing key or a non-object on
 * the way gives NULL; "0", "1", ... index arrays. */
__attribute__((noinline)) int eng_json_path(eng_ectx *x, const eng_expr *e,
                                            eng_value *out) {
  json_t *j;
  if (x->nullrow) {
    *out = eng_v_null();
    return CREDO_OK;
  }
  if (x->json_state == 0 && x->arena && x->ev && x->ev->data &&
      eng_jfield(x->ev->data, strlen(x->ev->data), e->segs, e->nsegs, x->arena,
                 out) == ENG_JF_OK)
    return CREDO_OK; /* one field read from the text, no tree (jfield.c) */
  if (x->json_state == 0) {
    x->json = x->ev && x->ev->data ? json_loads(x->ev->data, 0, NULL) : NULL;
    x->json_state = x->json ? 1 : -1;
  }
  *out = eng_v_null();
  j = x->json;
  for (size_t i = 0; j && i < e->nsegs; i++) {
    const char *seg = e->segs[i];
    if (json_is_object(j))
      j = json_object_get(j, seg);
    else if (json_is_array(j) && seg[0] >= '0' && seg[0] <= '9' &&
             strspn(seg, "0123456789") == strlen(seg))
      j = json_array_get(j, (size_t)strtoull(seg, NULL, 10));
    else
      j = NULL;
  }
  if (!j)
    return CREDO_OK;
  return eng_v_from_json(j, x->arena, out) == CREDO_OK ? CREDO_OK
                                                       : eng_ectx_oom(x);
}
