/*
 * proj.c -- keeps the columnar projection (proj.h, docs/storage.md) equal
 * to the latest version of every event, in the write transaction that
 * changes the event: rows set on record / correct / repair / retract /
 * restore (eng_put_version of STOR_EVENTS), cleared on erase.
 *
 * Batches: inside the transaction txn.c named with eng_proj_begin, the
 * segments touched are kept in memory (dirty) and each is written once by
 * eng_proj_flush before the commit; any other write transaction (open-time
 * upgrades, retention batches) writes the segment at each change. The
 * dictionary ids learnt in the named transaction are cached on the
 * handle; the cache is dropped unless the transaction commits (ids are
 * never reused nor changed once committed, so a committed entry stays
 * true for every handle).
 *
 * Segments are kept decoded (full width) while a transaction changes
 * them and encoded at each write (proj_codec.c); a segment read for a
 * change is read verified and decoded whole. A damaged one (storage or
 * column checksum) is made again from the events (seg_repair), so that
 * changing one row never loses the others.
 *
 * Does not: read for queries (exec_batch.c), encode (proj_codec.c) or
 * check (proj_check.c).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "jfield.h"
#include "proj.h"

const char *const eng_proj_fields[ENG_PROJ_NFIELDS] = {"amount_wan",
                                                       "authority"};

/* ------------------------------------------------------------ segments */

static void seg_key(stor_key *k, uint64_t no) {
  stor_key_init(k);
  k->buf[0] = ENG_PROJ_K_SEG;
  k->len = 1;
  stor_key_u64(k, no);
}

/* Offset of the segment number (u64 BE) in a segment key. */
#define PROJ_SEG_KEY_NO 1

int eng_proj_seg_next(stor_cursor *c, int first, uint64_t *no, stor_val *val) {
  stor_key k;
  stor_val key;
  int rc;
  stor_key_init(&k);
  k.buf[0] = ENG_PROJ_K_SEG;
  k.len = 1;
  rc = first ? stor_cursor_seek(c, stor_key_val(&k), &key, val)
             : stor_cursor_next(c, &key, val);
  if (rc != CREDO_OK)
    return rc;
  if (key.len != ENG_PROJ_K_SEG_LEN ||
      ((const unsigned char *)key.data)[0] != ENG_PROJ_K_SEG)
    return CREDO_NOTFOUND; /* past the segments */
  *no = stor_dec_u64((const unsigned char *)key.data + PROJ_SEG_KEY_NO);
  return CREDO_OK;
}

/* Loads segment no from txn (zeroed when absent) into a new buffer. */
static int seg_repair(credo *db, stor_txn *txn, eng_proj_seg *s);

static int seg_load(credo *db, stor_txn *txn, uint64_t no, eng_proj_seg **out) {
  eng_proj_seg *s = calloc(1, sizeof *s);
  unsigned char *buf = aligned_alloc(8, ENG_PROJ_SCRATCH);
  stor_key k;
  stor_val v;
  int rc;
  if (!s || !buf) {
    free(s);
    free(buf);
    return eng_err(db, CREDO_NOMEM, "out of memory");
  }
  seg_key(&k, no);
  /* a verifying read: the whole value is decoded */
  rc = stor_get(txn, STOR_PROJ, stor_key_val(&k), &v);
  s->no = no;
  if (rc == CREDO_OK &&
      eng_proj_decode(v.data, v.len, ENG_PROJ_ALL, s, buf, NULL) == CREDO_OK)
    rc = CREDO_OK;
  else if (rc == CREDO_NOTFOUND) {
    memset(buf, 0, ENG_PROJ_SCRATCH);
    rc = CREDO_OK;
  } else if (rc == CREDO_OK || rc == CREDO_CORRUPT) {
    /* damaged: its rows are made again from the events, so that the
     * rewrite of one row does not lose the others */
    stor_corruption_take(NULL, 0);
    memset(buf, 0, ENG_PROJ_SCRATCH);
    eng_proj_seg_view(s, buf);
    rc = seg_repair(db, txn, s);
  } else
    rc = eng_err_stor(db, rc, "cannot read the projection");
  if (rc != CREDO_OK) {
    free(s);
    free(buf);
    return rc;
  }
  eng_proj_seg_view(s, buf);
  *out = s;
  return CREDO_OK;
}

/* Encodes s into enc (ENG_PROJ_ENC_MAX bytes) and writes it. */
static int seg_store(credo *db, stor_txn *txn, eng_proj_seg *s,
                     unsigned char *enc) {
  stor_key k;
  size_t len;
  int rc;
  eng_proj_seg_stats(s);
  len = eng_proj_encode(s, enc);
  seg_key(&k, s->no);
  rc = stor_put(txn, STOR_PROJ, stor_key_val(&k), (stor_val){enc, len});
  return rc == CREDO_OK ? rc
                        : eng_err_stor(db, rc, "cannot write the projection");
}

static void seg_free(eng_proj_seg *s) {
  if (s)
    free(s->buf);
  free(s);
}

/* ------------------------------------------------ the handle's state */

typedef struct dict_ent {
  char *text; /* NULL: empty slot */
  size_t len;
  uint32_t id;
  uint8_t dict;
} dict_ent;

/* Cap of the dictionary cache: beyond it, the cache starts over. */
#define DICT_CACHE_MAX (1u << 20)

typedef struct eng_projw {
  stor_txn *txn;       /* the transaction that caches (NULL: none) */
  int synced;          /* the projection was up to date when txn began */
  eng_proj_seg **segs; /* open-addressed by segment no */
  size_t scap, nsegs;
  dict_ent *dict; /* open-addressed by (dict, text) */
  size_t dcap, ndict;
  eng_arena arena;
  unsigned char *enc; /* ENG_PROJ_ENC_MAX bytes: a segment being written */
} eng_projw;

static eng_projw *state(credo *db) {
  eng_projw *w = db->projw;
  if (!w && (w = calloc(1, sizeof(eng_projw))) != NULL &&
      !(w->enc = malloc(ENG_PROJ_ENC_MAX))) {
    free(w);
    w = NULL;
  }
  return db->projw = w;
}

static uint64_t hash_text(uint8_t dict, const char *p, size_t n) {
  uint64_t h = 1469598103934665603ULL ^ dict;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
  return h;
}

static void dict_clear(eng_projw *w) {
  for (size_t i = 0; i < w->dcap; i++)
    free(w->dict[i].text);
  free(w->dict);
  w->dict = NULL;
  w->dcap = w->ndict = 0;
}

static dict_ent *dict_slot(eng_projw *w, uint8_t dict, const char *p,
                           size_t n) {
  size_t j = hash_text(dict, p, n) & (w->dcap - 1);
  for (; w->dict[j].text; j = (j + 1) & (w->dcap - 1))
    if (w->dict[j].dict == dict && w->dict[j].len == n &&
        memcmp(w->dict[j].text, p, n) == 0)
      break;
  return &w->dict[j];
}

/* Remembers (dict, text) -> id; silently forgets on out of memory (the
 * cache only saves look-ups). */
static void dict_remember(eng_projw *w, uint8_t dict, const char *p, size_t n,
                          uint32_t id) {
  dict_ent *e;
  if (w->ndict >= DICT_CACHE_MAX)
    dict_clear(w);
  if ((w->ndict + 1) * 2 > w->dcap) {
    size_t cap = w->dcap ? w->dcap * 2 : 1024;
    dict_ent *old = w->dict, *nd = calloc(cap, sizeof *nd);
    size_t ocap = w->dcap;
    if (!nd)
      return;
    w->dict = nd;
    w->dcap = cap;
    for (size_t i = 0; i < ocap; i++)
      if (old[i].text)
        *dict_slot(w, old[i].dict, old[i].text, old[i].len) = old[i];
    free(old);
  }
  e = dict_slot(w, dict, p, n);
  if (e->text || !(e->text = malloc(n + 1)))
    return;
  memcpy(e->text, p, n);
  e->text[n] = 0;
  e->len = n;
  e->id = id;
  e->dict = dict;
  w->ndict++;
}

/* ------------------------------------------------------- dictionaries */

static void dict_key(stor_key *k, char kind, uint8_t dict) {
  stor_key_init(k);
  k->buf[0] = (unsigned char)kind;
  k->buf[1] = dict;
  k->len = 2;
}

int eng_proj_text(stor_txn *txn, int dict, uint32_t id, const char **s,
                  size_t *n) {
  stor_key k;
  stor_val v;
  int rc;
  dict_key(&k, ENG_PROJ_K_NAME, (uint8_t)dict);
  stor_key_u32(&k, id);
  if ((rc = stor_get(txn, STOR_PROJ, stor_key_val(&k), &v)) != CREDO_OK)
    return rc;
  *s = v.data;
  *n = v.len;
  return CREDO_OK;
}

/* Allocates the next id of dict for the text keyed by `fk`. */
static int dict_new(credo *db, stor_txn *txn, uint8_t dict, const char *p,
                    size_t n, const stor_key *fk, uint32_t *id) {
  unsigned char be[4];
  stor_key k;
  stor_val v;
  uint32_t next = 1;
  int rc;
  dict_key(&k, ENG_PROJ_K_NEXT, dict);
  rc = stor_get(txn, STOR_PROJ, stor_key_val(&k), &v);
  if (rc == CREDO_OK && v.len == 4)
    next = stor_dec_u32(v.data);
  else if (rc != CREDO_NOTFOUND && rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the projection");
  if (next == UINT32_MAX)
    return eng_err(db, CREDO_FULL, "projection dictionary %u is full", dict);
  *id = next;
  be[0] = (unsigned char)(next >> 24);
  be[1] = (unsigned char)(next >> 16);
  be[2] = (unsigned char)(next >> 8);
  be[3] = (unsigned char)next;
  if ((rc = stor_put(txn, STOR_PROJ, stor_key_val(fk), (stor_val){be, 4})))
    return eng_err_stor(db, rc, "cannot write the projection");
  next++;
  unsigned char nb[4] = {(unsigned char)(next >> 24),
                         (unsigned char)(next >> 16),
                         (unsigned char)(next >> 8), (unsigned char)next};
  if ((rc = stor_put(txn, STOR_PROJ, stor_key_val(&k), (stor_val){nb, 4})))
    return eng_err_stor(db, rc, "cannot write the projection");
  dict_key(&k, ENG_PROJ_K_NAME, dict);
  stor_key_u32(&k, *id);
  rc = stor_put(txn, STOR_PROJ, stor_key_val(&k), (stor_val){p, n});
  return rc == CREDO_OK ? rc
                        : eng_err_stor(db, rc, "cannot write the projection");
}

/* The id of text p (NUL-terminated, n bytes) in dict, allocated when
 * new. */
static int dict_id(credo *db, stor_txn *txn, uint8_t dict, const char *p,
                   size_t n, uint32_t *id) {
  eng_projw *w = db->projw;
  int cache = w && w->txn == txn;
  stor_key k;
  stor_val v;
  int rc;
  if (cache && w->dcap) {
    dict_ent *e = dict_slot(w, dict, p, n);
    if (e->text) {
      *id = e->id;
      return CREDO_OK;
    }
  }
  dict_key(&k, ENG_PROJ_K_DICT, dict);
  stor_key_str(&k, p);
  if (k.overflow)
    return eng_err(db, CREDO_INVALID, "text too long for the projection");
  rc = stor_get(txn, STOR_PROJ, stor_key_val(&k), &v);
  if (rc == CREDO_OK && v.len == 4)
    *id = stor_dec_u32(v.data);
  else if (rc == CREDO_NOTFOUND)
    rc = dict_new(db, txn, dict, p, n, &k, id);
  else
    return eng_err_stor(db, rc == CREDO_OK ? CREDO_CORRUPT : rc,
                        "cannot read the projection");
  if (rc == CREDO_OK && cache)
    dict_remember(w, dict, p, n, *id);
  return rc;
}

/* ---------------------------------------------------------------- rows */

/* The value of data field f, as eng_json_path (expr_row.c) reads it:
 * jfield.c's scan, else jansson's tree (parsed once, in *tree). 0 when
 * neither answers. */
static int field_value(const eng_version *v, int f, eng_arena *a, json_t **tree,
                       eng_value *x) {
  char *seg = (char *)eng_proj_fields[f];
  /* the encoder reads data as a string: writers need not set data_len */
  size_t n = v->data_len ? v->data_len : strlen(v->data);
  if (eng_jfield(v->data, n, &seg, 1, a, x) == ENG_JF_OK)
    return 1;
  if (!*tree && !(*tree = json_loadb(v->data, n, 0, NULL)))
    return 0;
  *x = eng_v_null();
  if (!json_is_object(*tree))
    return 1;
  json_t *j = json_object_get(*tree, seg);
  return !j || eng_v_from_json(j, a, x) == CREDO_OK;
}

/* The cell of data field f (texts copied into the arena). */
static void field_cell(const eng_version *v, int f, eng_arena *a, json_t **tree,
                       eng_proj_row *r) {
  eng_value x;
  r->ftag[f] = ENG_PROJ_OTHER;
  if (!v->data || !field_value(v, f, a, tree, &x))
    return;
  if (x.t == ENG_V_NULL)
    r->ftag[f] = ENG_PROJ_NULL;
  else if (x.t == ENG_V_INT) {
    r->ftag[f] = ENG_PROJ_INT;
    r->fval[f] = x.u.i;
  } else if (x.t == ENG_V_DECIMAL) {
    r->ftag[f] = ENG_PROJ_DEC;
    r->fval[f] = x.u.dec.m;
    r->fscale[f] = (uint8_t)x.u.dec.s;
  } else if (x.t == ENG_V_TEXT && x.u.s.n <= ENG_PROJ_TEXT_MAX &&
             !memchr(x.u.s.p, 0, x.u.s.n)) {
    r->ftag[f] = ENG_PROJ_TEXT;
    r->ftext[f] = eng_arena_strdup(a, x.u.s.p, x.u.s.n);
    if (!r->ftext[f])
      r->ftag[f] = ENG_PROJ_OTHER;
  }
}

void eng_proj_field_of(const eng_version *v, int f, eng_arena *arena,
                       eng_proj_row *r) {
  json_t *tree = NULL;
  r->ftag[f] = r->fscale[f] = 0;
  r->fval[f] = 0;
  r->ftext[f] = NULL;
  field_cell(v, f, arena, &tree, r);
  json_decref(tree);
}

void eng_proj_row_of(const eng_version *v, eng_arena *arena, eng_proj_row *r) {
  memset(r, 0, sizeof *r);
  r->flags = ENG_PROJ_PRESENT | (v->retracted ? ENG_PROJ_RETRACTED : 0) |
             (v->repaired ? ENG_PROJ_REPAIRED : 0);
  r->type = v->type_id;
  r->occurred = v->occurred;
  r->from = v->public_from;
  r->until = v->public_until;
  r->recorded = v->recorded;
  r->subject = v->subject;
  r->source = v->source;
  json_t *tree = NULL;
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++)
    field_cell(v, f, arena, &tree, r);
  json_decref(tree);
}

/* The segment of id: cached (loaded on first use) in the caching
 * transaction, else loaded for this one change (*own = 1). */
static int seg_for(credo *db, stor_txn *txn, uint64_t no, eng_proj_seg **out,
                   int *own) {
  eng_projw *w = db->projw;
  size_t j;
  int rc;
  *own = !(w && w->txn == txn);
  if (*own)
    return seg_load(db, txn, no, out);
  if ((w->nsegs + 1) * 2 > w->scap) {
    size_t cap = w->scap ? w->scap * 2 : 64, ocap = w->scap;
    eng_proj_seg **old = w->segs, **ns = calloc(cap, sizeof *ns);
    if (!ns)
      return eng_err(db, CREDO_NOMEM, "out of memory");
    for (size_t i = 0; i < ocap; i++)
      if (old[i]) {
        for (j = old[i]->no & (cap - 1); ns[j]; j = (j + 1) & (cap - 1))
          ;
        ns[j] = old[i];
      }
    free(old);
    w->segs = ns;
    w->scap = cap;
  }
  for (j = no & (w->scap - 1); w->segs[j]; j = (j + 1) & (w->scap - 1))
    if (w->segs[j]->no == no) {
      *out = w->segs[j];
      return CREDO_OK;
    }
  if ((rc = seg_load(db, txn, no, &w->segs[j])) != CREDO_OK)
    return rc;
  w->nsegs++;
  *out = w->segs[j];
  return CREDO_OK;
}

/* Sets row i of s to r (ids: dictionary ids of subject, source and text
 * fields) or, with r NULL, clears it. */
static void row_set(eng_proj_seg *s, size_t i, const eng_proj_row *r,
                    const uint32_t *ids) {
  if (!r) {
    s->flags[i] = 0;
    s->type[i] = s->subject[i] = s->source[i] = 0;
    s->occurred[i] = s->from[i] = s->until[i] = s->recorded[i] = 0;
    for (int f = 0; f < ENG_PROJ_NFIELDS; f++)
      s->ftag[f][i] = s->fscale[f][i] = 0, s->fval[f][i] = 0;
    return;
  }
  s->flags[i] = r->flags;
  s->type[i] = r->type;
  s->subject[i] = ids[0];
  s->source[i] = ids[1];
  s->occurred[i] = r->occurred;
  s->from[i] = r->from;
  s->until[i] = r->until;
  s->recorded[i] = r->recorded;
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++) {
    s->ftag[f][i] = r->ftag[f];
    s->fscale[f][i] = r->fscale[f];
    s->fval[f][i] = r->ftag[f] == ENG_PROJ_TEXT ? ids[2 + f] : r->fval[f];
  }
}

/* The dictionary ids of r's texts (allocated when new). */
static int row_ids(credo *db, stor_txn *txn, const eng_proj_row *r,
                   uint32_t *ids) {
  int rc;
  if ((rc = dict_id(db, txn, ENG_PROJ_D_SUBJECT, r->subject, strlen(r->subject),
                    &ids[0])) != CREDO_OK ||
      (rc = dict_id(db, txn, ENG_PROJ_D_SOURCE, r->source, strlen(r->source),
                    &ids[1])) != CREDO_OK)
    return rc;
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++)
    if (r->ftag[f] == ENG_PROJ_TEXT &&
        (rc = dict_id(db, txn, (uint8_t)(ENG_PROJ_D_FIELD0 + f), r->ftext[f],
                      strlen(r->ftext[f]), &ids[2 + f])) != CREDO_OK)
      return rc;
  return CREDO_OK;
}

/* Makes every row of s (zeroed) again from STOR_EVENTS. */
static int seg_repair(credo *db, stor_txn *txn, eng_proj_seg *s) {
  eng_arena arena = {0};
  int rc = CREDO_OK;
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS && rc == CREDO_OK; i++) {
    uint32_t ids[2 + ENG_PROJ_NFIELDS] = {0};
    eng_version v;
    eng_proj_row r;
    stor_val val;
    rc = stor_get_u64(txn, STOR_EVENTS, s->no * ENG_PROJ_SEG_ROWS + i, &val);
    if (rc == CREDO_NOTFOUND) {
      rc = CREDO_OK;
      continue;
    }
    if (rc != CREDO_OK || (rc = eng_version_decode(val, &v)) != CREDO_OK) {
      rc = eng_err_stor(db, rc, "cannot read an event");
      break;
    }
    eng_arena_reset(&arena);
    eng_proj_row_of(&v, &arena, &r);
    if ((rc = row_ids(db, txn, &r, ids)) == CREDO_OK)
      row_set(s, i, &r, ids);
  }
  eng_arena_free(&arena);
  return rc;
}

/* Sets (r non-NULL) or clears row id. */
static int set_row(credo *db, stor_txn *txn, uint64_t id, const eng_proj_row *r,
                   const uint32_t *ids) {
  eng_proj_seg *s = NULL;
  int own, rc;
  if ((rc = seg_for(db, txn, id / ENG_PROJ_SEG_ROWS, &s, &own)) != CREDO_OK)
    return rc;
  row_set(s, id % ENG_PROJ_SEG_ROWS, r, ids);
  if (own) {
    eng_projw *w = state(db);
    rc = w ? seg_store(db, txn, s, w->enc)
           : eng_err(db, CREDO_NOMEM, "out of memory");
    seg_free(s);
  }
  return rc;
}

int eng_proj_put(credo *db, stor_txn *txn, uint64_t id, const eng_version *v) {
  eng_projw *w = state(db);
  uint32_t ids[2 + ENG_PROJ_NFIELDS] = {0};
  eng_proj_row r;
  int rc;
  if (!w)
    return eng_err(db, CREDO_NOMEM, "out of memory");
  eng_arena_reset(&w->arena);
  eng_proj_row_of(v, &w->arena, &r);
  if ((rc = row_ids(db, txn, &r, ids)) != CREDO_OK)
    return rc;
  return set_row(db, txn, id, &r, ids);
}

/* Deletes (dict, text)'s entries when present. */
static int dict_forget(credo *db, stor_txn *txn, uint8_t dict,
                       const char *text) {
  stor_key k;
  stor_val v;
  uint32_t id;
  int rc;
  dict_key(&k, ENG_PROJ_K_DICT, dict);
  stor_key_str(&k, text);
  rc = stor_get(txn, STOR_PROJ, stor_key_val(&k), &v);
  if (rc == CREDO_NOTFOUND || k.overflow)
    return CREDO_OK;
  if (rc != CREDO_OK || v.len != 4)
    return eng_err_stor(db, rc ? rc : CREDO_CORRUPT,
                        "cannot read the "
                        "projection");
  id = stor_dec_u32(v.data);
  if ((rc = stor_del(txn, STOR_PROJ, stor_key_val(&k))) == CREDO_OK) {
    dict_key(&k, ENG_PROJ_K_NAME, dict);
    stor_key_u32(&k, id);
    rc = stor_del(txn, STOR_PROJ, stor_key_val(&k));
  }
  if (db->projw)
    dict_clear(db->projw); /* the cache may hold the id */
  return rc == CREDO_OK || rc == CREDO_NOTFOUND
             ? CREDO_OK
             : eng_err_stor(db, rc, "cannot write the projection");
}

int eng_proj_del(credo *db, stor_txn *txn, uint64_t id, const char *subject) {
  stor_cursor *c = NULL;
  stor_key k;
  stor_val key, val;
  int rc = set_row(db, txn, id, NULL, NULL);
  if (rc != CREDO_OK)
    return rc;
  stor_key_init(&k);
  stor_key_str(&k, subject);
  if ((rc = stor_cursor_open(txn, STOR_SUBJ_EVENTS, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the subject index");
  rc = stor_cursor_seek(c, stor_key_val(&k), &key, &val);
  if (rc == CREDO_OK && key.len >= k.len && memcmp(key.data, k.buf, k.len) == 0)
    rc = 1; /* another event of the subject: its entry stays */
  stor_cursor_close(c);
  if (rc == 1)
    return CREDO_OK;
  if (rc != CREDO_OK && rc != CREDO_NOTFOUND)
    return eng_err_stor(db, rc, "cannot read the subject index");
  return dict_forget(db, txn, ENG_PROJ_D_SUBJECT, subject);
}

/* --------------------------------------------------------- txn hooks */

static void segs_drop(eng_projw *w) {
  for (size_t i = 0; i < w->scap; i++)
    seg_free(w->segs[i]);
  free(w->segs);
  w->segs = NULL;
  w->scap = w->nsegs = 0;
}

int eng_proj_begin(credo *db, stor_txn *txn) {
  eng_projw *w = state(db);
  int ready = 0, rc;
  if (!w)
    return CREDO_OK; /* out of memory: every change writes its segment */
  segs_drop(w);
  w->txn = NULL;
  if ((rc = eng_proj_ready(db, txn, &ready)) != CREDO_OK)
    return rc;
  w->txn = txn;
  w->synced = ready;
  return CREDO_OK;
}

static int meta_put(credo *db, stor_txn *txn, credo_time at) {
  stor_val k = {ENG_PROJ_META_KEY, sizeof ENG_PROJ_META_KEY - 1};
  unsigned char v[ENG_PROJ_META_LEN] = {0, 0, 0, ENG_PROJ_LAYOUT};
  stor_key t;
  int rc;
  stor_key_init(&t);
  stor_key_i64(&t, at);
  memcpy(v + 4, t.buf, 8);
  rc = stor_put(txn, STOR_META, k, (stor_val){v, sizeof v});
  return rc == CREDO_OK ? rc
                        : eng_err_stor(db, rc, "cannot record the projection");
}

int eng_proj_flush(credo *db, stor_txn *txn) {
  eng_projw *w = db->projw;
  int rc = CREDO_OK;
  if (!w || w->txn != txn)
    return CREDO_OK;
  for (size_t i = 0; i < w->scap && rc == CREDO_OK; i++)
    if (w->segs[i])
      rc = seg_store(db, txn, w->segs[i], w->enc);
  segs_drop(w);
  /* still up to date with the transaction time this one moved to */
  if (rc == CREDO_OK && w->synced && db->txn_time)
    rc = meta_put(db, txn, db->txn_time);
  return rc;
}

void eng_proj_end(credo *db, int committed) {
  eng_projw *w = db->projw;
  if (!w)
    return;
  segs_drop(w);
  if (!committed)
    dict_clear(w);
  w->txn = NULL;
}

void eng_proj_free(credo *db) {
  eng_projw *w = db ? db->projw : NULL;
  if (!w)
    return;
  segs_drop(w);
  dict_clear(w);
  eng_arena_free(&w->arena);
  free(w->enc);
  free(w);
  db->projw = NULL;
}

/* ------------------------------------------------------------- builds */

int eng_proj_ready(credo *db, stor_txn *txn, int *ready) {
  stor_val k = {ENG_PROJ_META_KEY, sizeof ENG_PROJ_META_KEY - 1}, v;
  credo_time last;
  int rc;
  *ready = 0;
  if ((rc = eng_last_tx(db, txn, &last)) != CREDO_OK)
    return rc;
  rc = stor_get(txn, STOR_META, k, &v);
  if (rc == CREDO_NOTFOUND) {
    *ready = last == 0; /* never written: nothing to project */
    return CREDO_OK;
  }
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the store");
  *ready = v.len == ENG_PROJ_META_LEN &&
           stor_dec_u32(v.data) == ENG_PROJ_LAYOUT &&
           stor_dec_i64((const unsigned char *)v.data + 4) == last;
  return CREDO_OK;
}

/* Deletes every STOR_PROJ entry. */
static int proj_clear(credo *db, stor_txn *txn) {
  stor_cursor *c = NULL;
  stor_val k, v;
  int rc = stor_cursor_open(txn, STOR_PROJ, &c);
  while (rc == CREDO_OK && (rc = stor_cursor_first(c, &k, &v)) == CREDO_OK)
    rc = stor_del(txn, STOR_PROJ, k);
  stor_cursor_close(c);
  return rc == CREDO_NOTFOUND || rc == CREDO_OK
             ? CREDO_OK
             : eng_err_stor(db, rc, "cannot clear the projection");
}

int eng_proj_rebuild(credo *db, stor_txn *txn, uint64_t *rows) {
  stor_cursor *c = NULL;
  credo_time last;
  stor_val k, v;
  eng_version ver;
  stor_txn *was = NULL;
  int rc;
  *rows = 0;
  if ((rc = proj_clear(db, txn)) != CREDO_OK)
    return rc;
  if (!state(db))
    return eng_err(db, CREDO_NOMEM, "out of memory");
  was = db->projw->txn;
  if (was != txn && (rc = eng_proj_begin(db, txn)) != CREDO_OK)
    return rc;           /* one write per segment */
  db->projw->synced = 0; /* the flush below leaves the meta key to us */
  if ((rc = stor_cursor_open(txn, STOR_EVENTS, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the events");
  for (rc = stor_cursor_first(c, &k, &v); rc == CREDO_OK;
       rc = stor_cursor_next(c, &k, &v)) {
    if (k.len != 8 || eng_version_decode(v, &ver) != CREDO_OK) {
      rc = eng_err(db, CREDO_CORRUPT, "an event record is corrupt");
      break;
    }
    if ((rc = eng_proj_put(db, txn, stor_dec_u64(k.data), &ver)) != CREDO_OK)
      break;
    ++*rows;
  }
  stor_cursor_close(c);
  if (rc == CREDO_NOTFOUND)
    rc = eng_proj_flush(db, txn);
  if (was != txn)
    eng_proj_end(db, 0);
  if (rc == CREDO_OK && (rc = eng_last_tx(db, txn, &last)) == CREDO_OK)
    rc = meta_put(db, txn, db->txn_time ? db->txn_time : last);
  return rc;
}

int eng_proj_upgrade(credo *db) {
  stor_txn *txn;
  uint64_t rows;
  int ready = 0, rc;
  if ((rc = stor_txn_begin(db->store->stor, 0, &txn)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the store");
  rc = eng_proj_ready(db, txn, &ready);
  stor_txn_abort(txn);
  if (rc != CREDO_OK || ready)
    return rc;
  if ((rc = stor_txn_begin(db->store->stor, 1, &txn)) != CREDO_OK)
    return rc == CREDO_READONLY ? CREDO_OK
                                : eng_err_stor(db, rc,
                                               "cannot build the "
                                               "projection");
  if ((rc = eng_proj_rebuild(db, txn, &rows)) != CREDO_OK) {
    stor_txn_abort(txn);
    return rc;
  }
  rc = stor_txn_commit(txn);
  return rc == CREDO_OK ? rc
                        : eng_err_stor(db, rc, "cannot build the projection");
}
