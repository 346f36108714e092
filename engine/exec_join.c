/*
 * exec_join.c -- running a FROM with several tables (issue 15): a
 * nested-loop join, depth first. The first table is read as a one-table
 * SELECT reads it (exec_select.c, its path from WHERE); each joined table
 * is opened again for every combination of the rows before it, through
 * an index look-up keyed by those rows (events by id / subject / type,
 * subjects by id, types by name) or else a full scan, and keeps the rows
 * whose ON holds; a LEFT JOIN that keeps none yields one row of NULLs.
 *
 * Invariants: slot i's row lives in its own eng_ectx (st->x for slot 0),
 * so every expression reads each table through ENG_TABX; each events
 * table is read under the read rules of its own AS OF / VISIBLE AT /
 * INCLUDE (eng_resolve_read: the public role gets none); for the public
 * role every event's data is copied out of the handle's shared buffer
 * (eng_public_event writes one per handle) before the next table is read;
 * a joined table's key text lives as long as its scan.
 *
 * Does not: plan (plan_join.c), project, group or sort (exec_select.c,
 * exec_group.c, exec_rows.c: they see one combined row at a time).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "exec_int.h"
#include "users.h"

typedef struct jlevel {
  eng_ectx x; /* the slot's row (slots >= 1) */
  eng_scan *scan;
  stor_cursor *cur;
  int started; /* cur positioned */
  int pending; /* a one-row look-up found its row, not yet handed out */
  int empty;   /* the key matches nothing */
  int done;    /* no more rows for this outer combination */
  int matched; /* ON held at least once (LEFT JOIN) */
  credo_event ev;
  credo_subject_info subj;
  stor_key skey;
  eng_type ty;
  credo_type_info tinfo;
  eng_buf key;  /* the key text of the scan */
  eng_buf data; /* public role: this row's data, out of the shared buffer */
  credo_time as_of, vis;
  eng_brow **rows; /* CQL_TABLE_SUB: the subquery's rows, this execution */
  size_t nrows, rcap, at;
  /* ENG_JM_HASH: row indexes by the key of column hcol (built once per
   * execution); the candidates of the current outer row */
  eng_hmap hm;
  int hbuilt;
  unsigned tmask;           /* value types seen in column hcol */
  const struct hlist *cand; /* NULL: every row (types differ) */
} jlevel;

/* The rows of one hash key. */
typedef struct hlist {
  size_t n, cap;
  size_t idx[];
} hlist;

typedef struct eng_jrun {
  size_t n;     /* tables */
  size_t depth; /* slots 0..depth-1 hold a row */
  jlevel lv[ENG_MAX_TABLES];
  eng_ectx *tabs[ENG_MAX_TABLES];
} eng_jrun;

static void level_close(jlevel *L) {
  eng_scan_close(L->scan);
  L->scan = NULL;
  stor_cursor_close(L->cur);
  L->cur = NULL;
  L->started = L->pending = L->empty = L->done = L->matched = 0;
  L->x.nullrow = 0;
}

void eng_join_close(credo_stmt *st) {
  eng_jrun *r = st->jrun;
  if (!r)
    return;
  for (size_t i = 1; i < r->n; i++) {
    level_close(&r->lv[i]);
    eng_ectx_free(&r->lv[i].x);
    eng_buf_free(&r->lv[i].key);
  }
  for (size_t i = 0; i < r->n; i++) {
    for (size_t k = 0; k < r->lv[i].hm.cap; k++)
      if (r->lv[i].hm.tab[k])
        free(r->lv[i].hm.tab[k]->val);
    eng_hmap_free(&r->lv[i].hm);
    eng_buf_free(&r->lv[i].data);
    for (size_t k = 0; k < r->lv[i].nrows; k++)
      free(r->lv[i].rows[k]);
    free(r->lv[i].rows);
  }
  free(r);
  st->jrun = NULL;
  st->x.tabs = NULL;
}

/* The read instants of joined events table t (the role's rules apply). */
static int level_times(credo_stmt *st, const eng_jtab *t, jlevel *L) {
  credo_time as_of = CREDO_TIME_NOW, vis = CREDO_TIME_NOW;
  const eng_expr *at = t->as_of ? t->as_of : t->visible_at;
  int rc;
  if ((t->as_of && (rc = eng_eval_time(&st->x, t->as_of, "AS OF", &as_of))) ||
      (t->visible_at &&
       (rc = eng_eval_time(&st->x, t->visible_at, "VISIBLE AT", &vis))))
    return rc;
  rc = eng_resolve_read(st->db, as_of, vis, t->flags, &L->as_of, &L->vis);
  if (rc == CREDO_DENIED && at) {
    char msg[sizeof st->db->errmsg];
    memcpy(msg, st->db->errmsg, sizeof msg);
    return eng_cql_err(st->db, rc, at->line, at->col, "%s", msg);
  }
  if (rc == CREDO_OK && !t->as_of && !t->visible_at)
    L->vis = st->x.now; /* the statement's one NOW */
  return rc;
}

/* Runs subquery slot i's child to completion into L->rows. */
static int materialize(credo_stmt *st, credo_stmt *c, jlevel *L) {
  int rc;
  eng_exec_reset(c);
  for (int k = 0; k < c->nparams && k < st->nparams; k++)
    c->params[k] = st->params[k];
  while ((rc = eng_exec_step(c)) == CREDO_ROW) {
    eng_brow *b;
    if (L->nrows == L->rcap) {
      size_t cap = L->rcap ? 2 * L->rcap : 16;
      eng_brow **rows = realloc(L->rows, cap * sizeof *rows);
      if (!rows) {
        rc = eng_exec_nomem(st->db);
        break;
      }
      L->rows = rows;
      L->rcap = cap;
    }
    if (!(b = eng_brow_make(c->row, c->ncols, 0))) {
      rc = eng_exec_nomem(st->db);
      break;
    }
    L->rows[L->nrows++] = b;
  }
  eng_exec_reset(c); /* ends its read transaction */
  return rc == CREDO_DONE ? CREDO_OK : rc;
}

/* eng_users_list's callback: one row of the users table into L. */
static int user_row(void *arg, const char *name, credo_role role,
                    credo_time created) {
  jlevel *L = arg;
  const char *r = credo_role_name(role);
  eng_value v[3] = {eng_v_text(name, strlen(name)), eng_v_text(r, strlen(r)),
                    eng_v_time(created)};
  eng_brow *b;
  if (L->nrows == L->rcap) {
    size_t cap = L->rcap ? 2 * L->rcap : 16;
    eng_brow **rows = realloc(L->rows, cap * sizeof *rows);
    if (!rows)
      return CREDO_NOMEM;
    L->rows = rows;
    L->rcap = cap;
  }
  if (!(b = eng_brow_make(v, 3, 0)))
    return CREDO_NOMEM;
  L->rows[L->nrows++] = b;
  return CREDO_OK;
}

/* Before the statement's read transaction: the run state, and the rows
 * of every subquery of FROM (each runs once per execution, under the
 * session's role) and of the users table (admin only, users.c). */
int eng_join_materialize(credo_stmt *st) {
  const eng_join *j = st->plan->join;
  eng_jrun *r;
  int rc;
  eng_join_close(st);
  if (!(r = calloc(1, sizeof *r)))
    return eng_exec_nomem(st->db);
  st->jrun = r;
  r->n = j->scope.n;
  for (size_t i = 0; i < r->n; i++) {
    if (j->t[i].child &&
        (rc = materialize(st, j->t[i].child, &r->lv[i])) != CREDO_OK)
      return rc;
    if (j->t[i].table == CQL_TABLE_USERS &&
        (rc = eng_users_list(st->db, user_row, &r->lv[i])) != CREDO_OK)
      return rc == CREDO_NOMEM ? eng_exec_nomem(st->db) : rc;
  }
  return CREDO_OK;
}

/* The next row of a first table that is a subquery. */
int eng_join_pull_sub(credo_stmt *st) {
  jlevel *L = &st->jrun->lv[0];
  if (L->at >= L->nrows)
    return CREDO_DONE;
  st->x.drow = L->rows[L->at++]->v;
  return CREDO_ROW;
}

/* Sets up the joined tables once the first one is open. */
int eng_join_open(credo_stmt *st) {
  const eng_join *j = st->plan->join;
  eng_jrun *r = st->jrun;
  int rc;
  assert(r && r->n == j->scope.n); /* eng_join_materialize ran */
  r->tabs[0] = &st->x;
  for (size_t i = 1; i < r->n; i++) {
    jlevel *L = &r->lv[i];
    const eng_jtab *t = &j->t[i];
    L->x = st->x; /* db, txn, params, now, arena, subres */
    L->x.tabs = NULL;
    L->x.json = NULL;
    L->x.json_state = 0;
    memset(&L->x.subj_id, 0, sizeof L->x.subj_id);
    memset(&L->x.subj_name, 0, sizeof L->x.subj_name);
    L->x.subj_kind = 0;
    L->x.table = t->table;
    L->x.mask_subject = st->plan->for_public && t->table == CQL_TABLE_EVENTS;
    L->x.as_of = CREDO_TIME_OPEN;
    r->tabs[i] = &L->x;
    if (t->table == CQL_TABLE_SUBJECTS &&
        (rc = eng_require(st->db, st->db->role != CREDO_ROLE_PUBLIC,
                          "list subjects")) != CREDO_OK)
      return rc;
    if (t->table == CQL_TABLE_EVENTS &&
        (rc = level_times(st, t, L)) != CREDO_OK)
      return rc;
    L->x.as_of = L->as_of;
  }
  st->x.tabs = r->tabs;
  return CREDO_OK;
}

/* The key of slot i's look-up as TEXT into L->key; NULL / not text:
 * L->empty. */
static int key_text(credo_stmt *st, const eng_jtab *t, jlevel *L) {
  eng_value v;
  int rc = eng_eval(&st->x, t->key, &v);
  if (rc != CREDO_OK)
    return rc;
  L->key.n = 0;
  if (v.t != ENG_V_TEXT) {
    L->empty = 1;
    return CREDO_OK;
  }
  if (eng_buf_put(&L->key, v.u.s.p, v.u.s.n) || eng_buf_put(&L->key, "", 1))
    return eng_exec_nomem(st->db);
  return CREDO_OK;
}

static int open_events(credo_stmt *st, const eng_jtab *t, jlevel *L) {
  eng_scan_spec spec = {.path = ENG_PATH_FULL,
                        .as_of = L->as_of,
                        .visible_at = L->vis,
                        .flags = t->flags};
  const eng_type *ty;
  eng_value v;
  int rc;
  if (t->method == ENG_JM_EV_ID) {
    if ((rc = eng_eval(&st->x, t->key, &v)) != CREDO_OK)
      return rc;
    if (v.t != ENG_V_INT || v.u.i <= 0) {
      L->empty = 1;
      return CREDO_OK;
    }
    spec.path = ENG_PATH_ID;
    spec.id = (uint64_t)v.u.i;
  } else if (t->method == ENG_JM_EV_SUBJECT || t->method == ENG_JM_EV_TYPE) {
    if ((rc = key_text(st, t, L)) != CREDO_OK || L->empty)
      return rc;
    if (t->method == ENG_JM_EV_SUBJECT) {
      spec.path = ENG_PATH_SUBJECT;
      spec.subject = L->key.p;
    } else {
      rc = eng_type_by_name(st->db, st->txn, L->key.p, &ty);
      if (rc == CREDO_NOTFOUND) {
        eng_err_clear(st->db);
        L->empty = 1;
        return CREDO_OK;
      }
      if (rc != CREDO_OK)
        return rc;
      spec.path = ENG_PATH_TYPE;
      spec.type_id = ty->id;
    }
  }
  return eng_scan_open(st->db, st->txn, &spec, &L->scan);
}

static int open_lookup(credo_stmt *st, const eng_jtab *t, jlevel *L) {
  const eng_type *ty;
  stor_val v;
  int rc;
  if ((rc = key_text(st, t, L)) != CREDO_OK || L->empty)
    return rc;
  if (t->method == ENG_JM_TY_NAME) {
    rc = eng_type_by_name(st->db, st->txn, L->key.p, &ty);
    if (rc == CREDO_NOTFOUND) {
      eng_err_clear(st->db);
      L->empty = 1;
      return CREDO_OK;
    }
    if (rc != CREDO_OK)
      return rc;
    L->ty = *ty;
    if ((rc = eng_retain_get(st->db, st->txn, L->ty.id, &L->ty.retain)))
      return rc;
    eng_type_info(&L->ty, &L->tinfo);
    L->pending = 1;
    return CREDO_OK;
  }
  stor_key_init(&L->skey);
  stor_key_str(&L->skey, L->key.p);
  rc = stor_get(st->txn, STOR_SUBJECTS, stor_key_val(&L->skey), &v);
  if (rc == CREDO_NOTFOUND || rc == CREDO_INVALID) { /* too long: none */
    L->empty = 1;
    return CREDO_OK;
  }
  if (rc != CREDO_OK)
    return eng_err_stor(st->db, rc, "cannot read a subject");
  if (eng_subject_decode(stor_key_val(&L->skey), v, &L->subj) != CREDO_OK)
    return eng_err(st->db, CREDO_CORRUPT, "a subject record is corrupt");
  L->pending = 1;
  return CREDO_OK;
}

/* A value type whose key equality is exactly `=` for two values of it. */
static int hashable(int t) {
  return t == ENG_V_TEXT || t == ENG_V_INT || t == ENG_V_TIME ||
         t == ENG_V_BOOL;
}

/* Hashes the buffered rows of L on column `col` (once per execution). */
static int hash_build(credo_stmt *st, jlevel *L, int col) {
  for (size_t r = 0; r < L->nrows; r++) {
    const eng_value *v = &L->rows[r]->v[col];
    eng_hent *e;
    hlist *h;
    int added;
    if (v->t == ENG_V_NULL)
      continue; /* `=` never holds for NULL */
    L->tmask |= 1u << v->t;
    if (eng_rows_key(st, v, 1) != CREDO_OK ||
        eng_hmap_get(&L->hm, st->key.p, st->key.n, &e, &added) != CREDO_OK)
      return eng_exec_nomem(st->db);
    h = e->val;
    if (!h || h->n == h->cap) {
      size_t cap = h ? 2 * h->cap : 4;
      hlist *g = realloc(h, sizeof *g + cap * sizeof g->idx[0]);
      if (!g)
        return eng_exec_nomem(st->db);
      if (!h)
        g->n = 0;
      g->cap = cap;
      e->val = h = g;
    }
    h->idx[h->n++] = r;
  }
  L->hbuilt = 1;
  return CREDO_OK;
}

/* The candidates of a hash join for the current outer rows: the rows of
 * the key's value, or every row when the types differ (then `=` may
 * convert, and ON decides). */
static int hash_open(credo_stmt *st, const eng_jtab *t, jlevel *L) {
  eng_value k;
  eng_hent *e;
  int rc, added;
  if (!L->hbuilt && (rc = hash_build(st, L, t->hcol)) != CREDO_OK)
    return rc;
  if ((rc = eng_eval(&st->x, t->key, &k)) != CREDO_OK)
    return rc;
  L->cand = NULL;
  if (k.t == ENG_V_NULL) {
    L->empty = 1;
    return CREDO_OK;
  }
  if (!hashable(k.t) || (L->tmask & ~(1u << k.t)) != 0)
    return CREDO_OK; /* scan them all */
  if (eng_rows_key(st, &k, 1) != CREDO_OK ||
      eng_hmap_get(&L->hm, st->key.p, st->key.n, &e, &added) != CREDO_OK)
    return eng_exec_nomem(st->db);
  static const hlist none = {0, 0};
  L->cand = e->val ? e->val : &none;
  return CREDO_OK;
}

/* Opens slot i for the current rows of the slots before it. */
static int level_open(credo_stmt *st, size_t i) {
  const eng_jtab *t = &st->plan->join->t[i];
  jlevel *L = &st->jrun->lv[i];
  int rc;
  level_close(L);
  if (ENG_ROWSET(t->table)) {
    L->at = 0;
    return t->method == ENG_JM_HASH ? hash_open(st, t, L) : CREDO_OK;
  }
  if (t->table == CQL_TABLE_EVENTS)
    return open_events(st, t, L);
  if (t->method != ENG_JM_SCAN)
    return open_lookup(st, t, L);
  rc = stor_cursor_open(
      st->txn, t->table == CQL_TABLE_SUBJECTS ? STOR_SUBJECTS : STOR_TYPES,
      &L->cur);
  return rc == CREDO_OK ? rc : eng_err_stor(st->db, rc, "cannot read");
}

/* Public role: the event's data out of the handle's shared buffer. */
static int own_data(credo_stmt *st, credo_event *ev, eng_buf *b) {
  if (st->db->role != CREDO_ROLE_PUBLIC || !ev->data)
    return CREDO_OK;
  b->n = 0;
  if (eng_buf_put(b, ev->data, strlen(ev->data) + 1))
    return eng_exec_nomem(st->db);
  ev->data = b->p;
  return CREDO_OK;
}

static int cursor_row(credo_stmt *st, const eng_jtab *t, jlevel *L) {
  stor_val k, v;
  int rc = L->started ? stor_cursor_next(L->cur, &k, &v)
                      : stor_cursor_first(L->cur, &k, &v);
  L->started = 1;
  if (rc == CREDO_NOTFOUND)
    return CREDO_DONE;
  if (rc != CREDO_OK)
    return eng_err_stor(st->db, rc, "cannot read a row");
  if (t->table == CQL_TABLE_SUBJECTS) {
    if (eng_subject_decode(k, v, &L->subj) != CREDO_OK)
      return eng_err(st->db, CREDO_CORRUPT, "a subject record is corrupt");
    return CREDO_ROW;
  }
  if (eng_type_decode(k.data, v, &L->ty) != CREDO_OK)
    return eng_err(st->db, CREDO_CORRUPT, "a type record is corrupt");
  if ((rc = eng_retain_get(st->db, st->txn, L->ty.id, &L->ty.retain)))
    return rc;
  eng_type_info(&L->ty, &L->tinfo);
  return CREDO_ROW;
}

/* The next row of slot i's source (ON not yet checked). */
static int source_next(credo_stmt *st, size_t i) {
  const eng_jtab *t = &st->plan->join->t[i];
  jlevel *L = &st->jrun->lv[i];
  int rc;
  if (L->empty)
    return CREDO_DONE;
  if (ENG_ROWSET(t->table)) {
    size_t end = L->cand ? L->cand->n : L->nrows;
    if (L->at >= end)
      return CREDO_DONE;
    L->x.drow = L->rows[L->cand ? L->cand->idx[L->at] : L->at]->v;
    L->at++;
    return CREDO_ROW;
  }
  if (t->table == CQL_TABLE_EVENTS) {
    if ((rc = eng_scan_next(L->scan, &L->ev)) == CREDO_ROW)
      rc = own_data(st, &L->ev, &L->data) ? st->db->errcode : CREDO_ROW;
  } else if (t->method != ENG_JM_SCAN) {
    rc = L->pending ? CREDO_ROW : CREDO_DONE;
    L->pending = 0;
  } else
    rc = cursor_row(st, t, L);
  L->x.ev = &L->ev;
  L->x.subj = &L->subj;
  L->x.ty = &L->tinfo;
  if (L->x.json) {
    json_decref(L->x.json);
    L->x.json = NULL;
  }
  L->x.json_state = 0;
  return rc;
}

/* The next row of slot i that passes its ON (or LEFT JOIN's NULL row). */
static int level_next(credo_stmt *st, size_t i) {
  const eng_jtab *t = &st->plan->join->t[i];
  jlevel *L = &st->jrun->lv[i];
  int rc, tri;
  if (L->done)
    return CREDO_DONE;
  for (;;) {
    if ((rc = source_next(st, i)) == CREDO_ROW) {
      L->x.nullrow = 0;
      if ((rc = eng_eval_cond(&st->x, t->on, &tri)) != CREDO_OK)
        return rc;
      if (tri != 1)
        continue;
      L->matched = 1;
      return CREDO_ROW;
    }
    if (rc != CREDO_DONE)
      return rc;
    L->done = 1;
    if (t->kind != CQL_JOIN_LEFT || L->matched)
      return CREDO_DONE;
    L->x.nullrow = 1;
    return CREDO_ROW;
  }
}

/* WHERE on the combined row: 1 when it holds. */
static int where_holds(credo_stmt *st, int *ok) {
  int rc, tri;
  *ok = 1;
  if (!st->plan->where)
    return CREDO_OK;
  rc = eng_eval_cond(&st->x, st->plan->where, &tri);
  *ok = tri == 1;
  return rc;
}

/* The next combined row that passes every ON and WHERE. */
int eng_join_next(credo_stmt *st) {
  eng_jrun *r = st->jrun;
  int rc, ok;
  for (;;) {
    size_t at = r->depth ? r->depth - 1 : 0; /* the slot to advance */
    if (at == 0) {
      eng_ectx_row(&st->x);
      if ((rc = eng_exec_pull(st)) != CREDO_ROW)
        return rc;
      if (st->plan->table == CQL_TABLE_EVENTS &&
          own_data(st, &st->ev, &r->lv[0].data) != CREDO_OK)
        return st->db->errcode;
      r->depth = 1;
    } else if ((rc = level_next(st, at)) != CREDO_ROW) {
      if (rc != CREDO_DONE)
        return rc;
      r->depth--; /* this slot is exhausted: advance the one before */
      continue;
    }
    if (r->depth < r->n) { /* open the next slot for these rows */
      if ((rc = level_open(st, r->depth)) != CREDO_OK)
        return rc;
      r->depth++;
      continue;
    }
    if ((rc = where_holds(st, &ok)) != CREDO_OK)
      return rc;
    if (ok)
      return CREDO_ROW;
  }
}
