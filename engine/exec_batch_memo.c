/*
 * exec_batch_memo.c -- the batch path's evaluation of expressions that
 * read one projected column (exec_batch.h): which column an expression
 * reads, its evaluation by the ordinary evaluator (eng_eval, the same
 * semantics and subject masking as the row path) on an event carrying
 * only that column's value, interning of the results, the in-place form
 * of `time column op constant`, and the values of bare dictionary
 * columns for the emitted groups.
 *
 * Threads: every function here uses the statement's evaluation context,
 * the batch's interned values and its dictionary arrays: the callers
 * hold batch.mu (exec_batch_loop.c), or run before or after the workers
 * on the calling thread. eng_bm_preload (before the workers) is what
 * keeps a worker's evaluations off the store.
 *
 * Does not: loop over rows or group (exec_batch_loop.c,
 * exec_batch_groups.c).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec_batch.h"

static int col_of(int ev_col) {
  switch (ev_col) {
  case ENG_EV_SUBJECT:
    return BC_SUBJECT;
  case ENG_EV_SOURCE:
    return BC_SOURCE;
  case ENG_EV_TYPE:
    return BC_TYPE;
  case ENG_EV_OCCURRED:
    return BC_OCCURRED;
  case ENG_EV_PUBLIC_FROM:
    return BC_FROM;
  case ENG_EV_PUBLIC_UNTIL:
    return BC_UNTIL;
  default:
    return BC_MANY;
  }
}

static int field_of(const char *name) {
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++)
    if (strcmp(name, eng_proj_fields[f]) == 0)
      return f;
  return -1;
}

/* Folds the column e reads into *col (BC_CONST, one column, BC_MANY). */
static void refs(const eng_expr *e, int *col) {
  int c = BC_CONST, f;
  if (!e || *col == BC_MANY)
    return;
  switch (e->kind) {
  case ENG_X_COL:
    c = col_of(e->idx);
    break;
  case ENG_X_JPATH:
    f = e->nsegs == 1 ? field_of(e->segs[0]) : -1;
    c = f < 0 ? BC_MANY : BC_FIELD0 + f;
    break;
  case ENG_X_SUBQ:
  case ENG_X_AGG:
  case ENG_X_KEY:
  case ENG_X_OUT:
    c = BC_MANY;
    break;
  default:
    break;
  }
  if (c == BC_MANY || (c != BC_CONST && *col != BC_CONST && *col != c)) {
    *col = BC_MANY;
    return;
  }
  if (c != BC_CONST)
    *col = c;
  refs(e->a, col);
  refs(e->b, col);
  refs(e->c, col);
  for (size_t i = 0; i < e->nargs; i++)
    refs(e->args[i], col);
}

int eng_bm_col1(const eng_expr *e) {
  int c = BC_CONST;
  refs(e, &c);
  return c;
}

/* Interns a copy of v: its id (0 for NULL). */
static int intern(batch *b, const eng_value *v, int32_t *out) {
  eng_hent *e;
  int added, rc;
  if (v->t == ENG_V_NULL) {
    *out = 0;
    return CREDO_OK;
  }
  if ((rc = eng_rows_key(b->st, v, 1)) != CREDO_OK)
    return rc;
  if (eng_hmap_get(&b->ivals, b->st->key.p ? b->st->key.p : "", b->st->key.n,
                   &e, &added) != CREDO_OK)
    return CREDO_NOMEM;
  if (added) {
    if (b->nvals == b->vcap) {
      size_t cap = b->vcap * 2;
      eng_brow **nv = realloc(b->vals, cap * sizeof *nv);
      if (!nv)
        return CREDO_NOMEM;
      b->vals = nv;
      b->vcap = cap;
    }
    if (!(b->vals[b->nvals] = eng_brow_make(v, 1, 0)))
      return CREDO_NOMEM;
    e->val = (void *)(uintptr_t)b->nvals++;
  }
  *out = (int32_t)(uintptr_t)e->val;
  return CREDO_OK;
}

/* Look-ups of one dictionary after which it is read whole: one cursor
 * walk over its id -> text keys (in id order, so sequential pages)
 * instead of a B-tree descent per id (q6 evaluates ~100,000 subjects).
 * A variable so that tests reach the walk with small dictionaries. */
unsigned eng_bm_dict_walk = 4096;
/* Largest dictionary read whole (ids). */
#define BM_DICT_MAX (1u << 24)
/* A name key: ENG_PROJ_K_NAME, dict, id u32 BE (proj.h). */
#define BM_NAME_KEY_LEN 6

/* Reads dictionary dict's id -> text entries into b->dtext / dlen. Any
 * failure (memory, storage) only ends the walk early: the ids it did not
 * reach are looked up one by one, which meets the same error or not. */
static int dict_walk(batch *b, int dict) {
  stor_cursor *c = NULL;
  stor_key k;
  stor_val key, val;
  const unsigned char *kp;
  uint32_t id, n = 0;
  int rc;
  stor_key_init(&k);
  k.buf[0] = ENG_PROJ_K_NAME;
  k.buf[1] = (unsigned char)dict;
  k.len = 2;
  if (stor_cursor_open(b->st->txn, STOR_PROJ, &c) != CREDO_OK)
    return 0;
  for (rc = stor_cursor_seek(c, stor_key_val(&k), &key, &val);
       rc == CREDO_OK && key.len == BM_NAME_KEY_LEN &&
       (kp = key.data)[0] == ENG_PROJ_K_NAME && kp[1] == dict;
       rc = stor_cursor_next(c, &key, &val)) {
    if ((id = stor_dec_u32(kp + 2)) >= BM_DICT_MAX) {
      rc = CREDO_RANGE; /* larger ids: looked up one by one */
      break;
    }
    if (id >= n) {
      uint32_t cap = n ? n : 1024;
      while (cap <= id)
        cap *= 2;
      const char **t = realloc(b->dtext[dict], cap * sizeof *t);
      uint32_t *l = t ? realloc(b->dlen[dict], cap * sizeof *l) : NULL;
      if (t)
        b->dtext[dict] = t;
      if (!t || !l) {
        rc = CREDO_NOMEM;
        break;
      }
      b->dlen[dict] = l;
      memset(t + n, 0, (cap - n) * sizeof *t);
      n = b->dn[dict] = cap;
    }
    b->dtext[dict][id] = val.data;
    b->dlen[dict][id] = (uint32_t)val.len;
  }
  stor_cursor_close(c);
  /* whole: an id it does not hold is in no dictionary entry either */
  b->dfull[dict] = rc == CREDO_OK || rc == CREDO_NOTFOUND;
  return b->dfull[dict];
}

/* The text of id in dictionary dict (pointing into the map). */
static int dict_get(batch *b, int dict, uint32_t id, const char **p,
                    size_t *n) {
  if (b->dlook[dict] < eng_bm_dict_walk && ++b->dlook[dict] == eng_bm_dict_walk)
    dict_walk(b, dict);
  if (id < b->dn[dict] && b->dtext[dict][id]) {
    *p = b->dtext[dict][id];
    *n = b->dlen[dict][id];
    return CREDO_OK;
  }
  if (b->dfull[dict])
    return CREDO_NOTFOUND; /* read whole: no such entry */
  return eng_proj_text(b->st->txn, dict, id, p, n);
}

int eng_bm_preload(batch *b, const memo *m, uint32_t max_ids) {
  const eng_type *ty;
  int dict;
  if (m->col == BC_CONST || m->col == BC_MANY || BC_IS_TIME(m->col) ||
      m->direct || m->fop)
    return 1; /* evaluated without the store, or never */
  if (m->mask && m->col == BC_SUBJECT)
    return 0; /* masking reads each subject's kind (expr_row.c) */
  if (m->col == BC_TYPE) {
    for (uint32_t id = 1; id < m->cap; id++)
      if (eng_type_by_id(b->st->db, b->st->txn, id, &ty) != CREDO_OK) {
        eng_err_clear(b->st->db); /* a gap: one worker meets it */
        return 0;
      }
    return m->cap > 0;
  }
  if (m->cap > max_ids)
    return 0;
  dict = m->col == BC_SUBJECT  ? ENG_PROJ_D_SUBJECT
         : m->col == BC_SOURCE ? ENG_PROJ_D_SOURCE
                               : ENG_PROJ_D_FIELD0 + m->col - BC_FIELD0;
  if (!b->dfull[dict]) {
    b->dlook[dict] = UINT32_MAX; /* no second walk */
    return dict_walk(b, dict);
  }
  return 1;
}

void eng_bm_dicts_free(batch *b) {
  for (int d = 0; d < ENG_PROJ_NDICTS; d++) {
    free(b->dtext[d]);
    free(b->dlen[d]);
  }
}

/* A dictionary text as a NUL-terminated copy in b->text. */
static int dict_text(batch *b, int dict, uint32_t id, const char **s) {
  const char *p;
  size_t n;
  int rc = dict_get(b, dict, id, &p, &n);
  if (rc != CREDO_OK)
    return rc == CREDO_NOTFOUND ? CREDO_CORRUPT : rc;
  b->text.n = 0;
  if (eng_buf_put(&b->text, p, n) != CREDO_OK ||
      eng_buf_put(&b->text, "", 1) != CREDO_OK)
    return CREDO_NOMEM;
  *s = b->text.p;
  return CREDO_OK;
}

/* The event carrying only column m->col = (id or time). *json is a
 * jansson dump to free. */
static int synth(batch *b, const memo *m, uint64_t id, int64_t t,
                 credo_event *ev, char **json) {
  const eng_type *ty;
  int rc = CREDO_OK, f = m->col - BC_FIELD0;
  memset(ev, 0, sizeof *ev);
  ev->subject = ev->type = ev->source = ev->ref = ev->actor = ev->reason = "";
  ev->data = "{}";
  *json = NULL;
  if (m->col == BC_SUBJECT)
    rc = dict_text(b, ENG_PROJ_D_SUBJECT, (uint32_t)id, &ev->subject);
  else if (m->col == BC_SOURCE)
    rc = dict_text(b, ENG_PROJ_D_SOURCE, (uint32_t)id, &ev->source);
  else if (m->col == BC_TYPE) {
    if ((rc = eng_type_by_id(b->st->db, b->st->txn, (uint32_t)id, &ty)) ==
        CREDO_OK)
      ev->type = ty->name;
  } else if (m->col == BC_OCCURRED)
    ev->occurred = t;
  else if (m->col == BC_FROM)
    ev->public_from = t;
  else if (m->col == BC_UNTIL)
    ev->public_until = t;
  else if (BC_IS_FIELD(m->col) && id) {
    const char *s;
    json_t *o = json_object();
    if ((rc = dict_text(b, ENG_PROJ_D_FIELD0 + f, (uint32_t)id, &s)) ==
            CREDO_OK &&
        (!o || json_object_set_new(o, eng_proj_fields[f], json_string(s)) ||
         !(*json = json_dumps(o, JSON_COMPACT))))
      rc = CREDO_NOMEM;
    json_decref(o);
    ev->data = *json ? *json : "{}";
  }
  return rc;
}

/* Evaluates m for one column value. */
int eng_bm_eval(batch *b, memo *m, uint64_t id, int64_t t, int32_t *out) {
  eng_ectx *x = &b->st->x;
  credo_event ev;
  eng_value v;
  char *json;
  int rc, tri, mask = x->mask_subject;
  if ((rc = synth(b, m, id, t, &ev, &json)) == CREDO_OK) {
    eng_ectx_row(x);
    x->ev = &ev;
    x->mask_subject = m->mask;
    if (m->cond) {
      rc = eng_eval_cond(x, m->e, &tri);
      *out = tri == 1 ? 1 : tri == 0 ? 0 : BM_COND_NULL;
    } else if ((rc = eng_eval(x, m->e, &v)) == CREDO_OK)
      rc = intern(b, &v, out);
    x->mask_subject = mask;
    eng_ectx_row(x);
  }
  free(json);
  if (rc != CREDO_OK && rc != CREDO_NOMEM && rc != CREDO_CANCELLED) {
    eng_err_clear(b->st->db); /* the row path meets (or not) the same */
    rc = ENG_BATCH_NO;
  }
  return rc;
}

void eng_bm_init(memo *m, const eng_expr *e, int cond, int mask) {
  memset(m, 0, sizeof *m);
  m->e = e;
  m->col = eng_bm_col1(e);
  m->cond = cond;
  m->mask = mask;
  m->konst = -1;
  /* equal ids are equal values and the reverse (dictionaries hold each
   * text once, type names are unique); a masked subject is not direct:
   * two persons may share a masked id, and then a group */
  m->direct =
      !cond &&
      ((e->kind == ENG_X_COL && (m->col == BC_SOURCE || m->col == BC_TYPE ||
                                 (m->col == BC_SUBJECT && !mask))) ||
       (e->kind == ENG_X_JPATH && BC_IS_FIELD(m->col)));
}

/* The value of direct memo m for id (0: NULL), texts in *buf. */
int eng_bm_direct_value(batch *b, const memo *m, int32_t id, eng_buf *buf,
                        eng_value *out) {
  static const int dict[] = {
      [BC_SUBJECT] = ENG_PROJ_D_SUBJECT, [BC_SOURCE] = ENG_PROJ_D_SOURCE};
  const eng_type *ty;
  const char *p;
  size_t n;
  int rc;
  *out = eng_v_null();
  if (!id && BC_IS_FIELD(m->col))
    return CREDO_OK;
  if (m->col == BC_TYPE) {
    if ((rc = eng_type_by_id(b->st->db, b->st->txn, (uint32_t)id, &ty)))
      return rc;
    *out = eng_v_text(ty->name, strlen(ty->name));
    return CREDO_OK;
  }
  rc = dict_get(b,
                BC_IS_FIELD(m->col) ? ENG_PROJ_D_FIELD0 + m->col - BC_FIELD0
                                    : dict[m->col],
                (uint32_t)id, &p, &n);
  if (rc != CREDO_OK)
    return rc == CREDO_NOTFOUND ? CREDO_CORRUPT : rc;
  buf->n = 0;
  if (eng_buf_put(buf, p, n) != CREDO_OK || eng_buf_put(buf, "", 1))
    return CREDO_NOMEM;
  *out = eng_v_text(buf->p, n);
  return CREDO_OK;
}

/* A WHERE conjunct `time column op constant` (either side) becomes a
 * direct comparison when the constant is a time or a text that reads as
 * one in the session's zone (as expr_eval.c's to_time reads it);
 * otherwise the memo path evaluates it. */
int eng_bm_fast_time(batch *b, memo *m) {
  static const int swap[] = {[CQL_OP_EQ] = CQL_OP_EQ, [CQL_OP_NE] = CQL_OP_NE,
                             [CQL_OP_LT] = CQL_OP_GT, [CQL_OP_LE] = CQL_OP_GE,
                             [CQL_OP_GT] = CQL_OP_LT, [CQL_OP_GE] = CQL_OP_LE};
  const eng_expr *e = m->e, *c;
  eng_ectx *x = &b->st->x;
  credo_event ev;
  eng_value v;
  credo_time t;
  int op, rc;
  if (!m->cond || !BC_IS_TIME(m->col) || e->kind != ENG_X_BIN ||
      e->op < CQL_OP_EQ || e->op > CQL_OP_GE)
    return CREDO_OK;
  if (e->a->kind == ENG_X_COL && eng_expr_is_const(e->b))
    c = e->b, op = e->op;
  else if (e->b->kind == ENG_X_COL && eng_expr_is_const(e->a))
    c = e->a, op = swap[e->op];
  else
    return CREDO_OK;
  memset(&ev, 0, sizeof ev);
  ev.subject = ev.type = ev.source = ev.ref = ev.actor = ev.reason = "";
  ev.data = "{}";
  eng_ectx_row(x);
  x->ev = &ev;
  rc = eng_eval(x, c, &v);
  if (rc == CREDO_OK && v.t == ENG_V_TEXT &&
      eng_v_text_time(&v, b->st->db->tz, &t) == CREDO_OK)
    v = eng_v_time(t);
  if (rc == CREDO_OK && v.t == ENG_V_TIME) {
    m->fop = op;
    m->ft = v.u.tm;
  }
  eng_ectx_row(x);
  if (rc != CREDO_OK)
    eng_err_clear(b->st->db); /* the memo path meets it, or not */
  return rc == CREDO_NOMEM ? rc : CREDO_OK;
}

void eng_bm_free(memo *m) {
  free(m->arr);
  free(m->hk);
  free(m->hv);
}
