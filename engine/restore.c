/*
 * restore.c -- the logical dump and its restore: whole-store walks
 * (credo_list_subjects; credo_scan_events is read.c's), the history dump in
 * transaction-time order (credo_dump_history), and the writes that put a
 * dumped item back with its own transaction time (credo_restore_type,
 * credo_restore_subject, credo_restore_version).
 *
 * Invariants kept by the restore writes:
 *  - transaction time never goes back: an item's time must be >= META
 *    last_tx, which then becomes that time; so every AS OF answer the
 *    store gave before stays the same (only later instants see the item);
 *  - a transaction that made an ordinary write (db->txn_time set) cannot
 *    restore, and each restore call leaves db->txn_time at 0, so ordinary
 *    writes that follow get max(now, last_tx + 1) as usual;
 *  - event ids are kept; META next_event stays above every id;
 *  - entries are written by the same functions as ordinary writes
 *    (eng_event_insert, eng_version_supersede in events.c; types and
 *    subjects through credo_create_type / credo_create_subject with the
 *    transaction time preset), so the layout cannot drift;
 *  - an item already present with the same content is a duplicate, not
 *    an error: an interrupted restore can run again from the start.
 * Nothing is written before every check of an item has passed.
 *
 * Does not: read or write files (the `credo` program does), or check the
 * store (check.c).
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "eng.h"
#include "ids.h"
#include "keys.h"

/* META keys of the stored format (docs/storage.md). */
static const char KEY_LAST_TX[] = "last_tx";
static const char KEY_NEXT_EVENT[] = "next_event";
static const char KEY_NEXT_TYPE[] = "next_type";

/* -------------------------------------------------------------- walks */

int eng_list_subjects(credo *db, credo_subject_cb cb, void *arg) {
  stor_txn *txn;
  int owned, rc;

  if ((rc = eng_call_begin(db, cb != NULL, "callback is required",
                           "list subjects")))
    return rc;
  if ((rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = eng_subjects_walk(db, txn, NULL, cb, arg);
  eng_read_end(txn, owned);
  return rc;
}

/* --------------------------------------------------------------- dump */

/* One item to emit: `key` is a type id, an offset into the subject id
 * arena, or an event id. */
typedef struct dump_item {
  credo_time time;
  uint64_t key;
  uint32_t vno;
  uint8_t kind;
} dump_item;

typedef struct dump {
  credo *db;
  stor_txn *txn;
  dump_item *items;
  size_t n, cap;
  char *arena; /* subject ids, NUL-terminated, in id order */
  size_t alen, acap;
} dump;

static int dump_push(dump *d, int kind, credo_time t, uint64_t key,
                     uint32_t vno) {
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 1024;
    dump_item *p = realloc(d->items, cap * sizeof *p);
    if (!p)
      return eng_err(d->db, CREDO_NOMEM, "out of memory sorting the dump");
    d->items = p;
    d->cap = cap;
  }
  d->items[d->n++] = (dump_item){t, key, vno, (uint8_t)kind};
  return CREDO_OK;
}

/* Appends a subject id to the arena; *off is where it starts. */
static int dump_keep_id(dump *d, const char *id, uint64_t *off) {
  size_t len = strlen(id) + 1;
  if (d->alen + len > d->acap) {
    size_t cap = d->acap ? d->acap * 2 : 65536;
    while (cap < d->alen + len)
      cap *= 2;
    char *p = realloc(d->arena, cap);
    if (!p)
      return eng_err(d->db, CREDO_NOMEM, "out of memory sorting the dump");
    d->arena = p;
    d->acap = cap;
  }
  memcpy(d->arena + d->alen, id, len);
  *off = d->alen;
  d->alen += len;
  return CREDO_OK;
}

/* Collects the types and subjects with their creation times. */
static int dump_collect_named(dump *d) {
  stor_cursor *c = NULL;
  stor_val k, v;
  eng_type t;
  credo_subject_info s;
  uint64_t off = 0;
  int rc;

  if ((rc = stor_cursor_open(d->txn, STOR_TYPES, &c)) != CREDO_OK)
    return eng_err_stor(d->db, rc, "cannot walk types");
  for (rc = stor_cursor_first(c, &k, &v); rc == CREDO_OK;
       rc = stor_cursor_next(c, &k, &v))
    if ((rc = eng_type_decode(k.data, v, &t)) != CREDO_OK ||
        (rc = dump_push(d, CREDO_DUMP_TYPE, t.created, t.id, 0)) != CREDO_OK)
      break;
  stor_cursor_close(c);
  if (rc != CREDO_NOTFOUND)
    return eng_err(d->db, rc, "cannot collect types");
  if ((rc = stor_cursor_open(d->txn, STOR_SUBJECTS, &c)) != CREDO_OK)
    return eng_err_stor(d->db, rc, "cannot walk subjects");
  for (rc = stor_cursor_first(c, &k, &v); rc == CREDO_OK;
       rc = stor_cursor_next(c, &k, &v))
    if ((rc = eng_subject_decode(k, v, &s)) != CREDO_OK ||
        (rc = dump_keep_id(d, s.id, &off)) != CREDO_OK ||
        (rc = dump_push(d, CREDO_DUMP_SUBJECT, s.created, off, 0)))
      break;
  stor_cursor_close(c);
  return rc == CREDO_NOTFOUND ? CREDO_OK
                              : eng_err(d->db, rc, "cannot collect subjects");
}

/* Collects every version: the superseded ones from their keys, the
 * latest ones from STOR_EVENTS. */
static int dump_collect_versions(dump *d) {
  stor_cursor *c = NULL;
  stor_val k, v;
  eng_version ver;
  int rc;

  if ((rc = stor_cursor_open(d->txn, STOR_VERSIONS, &c)) != CREDO_OK)
    return eng_err_stor(d->db, rc, "cannot walk versions");
  for (rc = stor_cursor_first(c, &k, NULL); rc == CREDO_OK;
       rc = stor_cursor_next(c, &k, NULL)) {
    const unsigned char *p = k.data;
    if (k.len != ENG_K_VER_LEN) {
      rc = CREDO_CORRUPT;
      break;
    }
    rc = dump_push(d, CREDO_DUMP_VERSION, stor_dec_i64(p + ENG_K_VER_RECORDED),
                   stor_dec_u64(p + ENG_K_VER_ID), stor_dec_u32(p + 16));
    if (rc != CREDO_OK)
      break;
  }
  stor_cursor_close(c);
  if (rc != CREDO_NOTFOUND)
    return eng_err(d->db, rc, "cannot collect versions");
  if ((rc = stor_cursor_open(d->txn, STOR_EVENTS, &c)) != CREDO_OK)
    return eng_err_stor(d->db, rc, "cannot walk events");
  for (rc = stor_cursor_first(c, &k, &v); rc == CREDO_OK;
       rc = stor_cursor_next(c, &k, &v))
    if (k.len != 8 || (rc = eng_version_decode(v, &ver)) != CREDO_OK ||
        (rc = dump_push(d, CREDO_DUMP_VERSION, ver.recorded,
                        stor_dec_u64(k.data), ver.vno)) != CREDO_OK)
      break;
  stor_cursor_close(c);
  return rc == CREDO_NOTFOUND
             ? CREDO_OK
             : eng_err(d->db, rc == CREDO_OK ? CREDO_CORRUPT : rc,
                       "cannot collect events");
}

static int dump_cmp(const void *a, const void *b) {
  const dump_item *x = a, *y = b;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  if (x->kind != y->kind)
    return x->kind < y->kind ? -1 : 1;
  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->vno < y->vno ? -1 : x->vno > y->vno;
}

/* Reads version `vno` of event `id` recorded at `t`. */
static int dump_read_version(dump *d, const dump_item *it, eng_version *v) {
  stor_key k;
  stor_val val;
  int rc;
  stor_key_init(&k);
  stor_key_u64(&k, it->key);
  rc = stor_get(d->txn, STOR_EVENTS, stor_key_val(&k), &val);
  if (rc == CREDO_OK && (rc = eng_version_decode(val, v)) == CREDO_OK &&
      v->vno == it->vno)
    return CREDO_OK;
  if (rc != CREDO_OK)
    return eng_err(d->db, rc, "cannot read event %llu",
                   (unsigned long long)it->key);
  stor_key_i64(&k, it->time);
  stor_key_u32(&k, it->vno);
  rc = stor_get(d->txn, STOR_VERSIONS, stor_key_val(&k), &val);
  if (rc == CREDO_OK)
    rc = eng_version_decode(val, v);
  return rc == CREDO_OK ? rc
                        : eng_err(d->db, rc,
                                  "cannot read version %u of event "
                                  "%llu",
                                  it->vno, (unsigned long long)it->key);
}

/* Fills the public form of one item and hands it to the callback. */
static int dump_emit(dump *d, const dump_item *it, credo_dump_cb cb,
                     void *arg) {
  credo_dump_item out = {.kind = it->kind, .time = it->time};
  credo_type_info ti;
  credo_subject_info si;
  credo_event ev;
  const eng_type *t;
  eng_version v;
  stor_key k;
  stor_val val;
  int rc;

  if (it->kind == CREDO_DUMP_TYPE) {
    if ((rc = eng_type_by_id(d->db, d->txn, (uint32_t)it->key, &t)))
      return rc;
    eng_type_info(t, &ti);
    out.type = &ti;
  } else if (it->kind == CREDO_DUMP_SUBJECT) {
    stor_key_init(&k);
    stor_key_str(&k, d->arena + it->key);
    rc = stor_get(d->txn, STOR_SUBJECTS, stor_key_val(&k), &val);
    if (rc != CREDO_OK ||
        (rc = eng_subject_decode(stor_key_val(&k), val, &si)) != CREDO_OK)
      return eng_err(d->db, rc, "cannot read subject \"%s\"",
                     d->arena + it->key);
    si.id = d->arena + it->key;
    out.subject = &si;
  } else {
    if ((rc = dump_read_version(d, it, &v)) != CREDO_OK ||
        (rc = eng_version_to_event(d->db, d->txn, it->key, &v, v.recorded,
                                   &ev)) != CREDO_OK)
      return rc;
    out.version = &ev;
  }
  return cb(&out, arg);
}

int eng_dump_history(credo *db, credo_dump_cb cb, void *arg) {
  dump d = {.db = db};
  int owned = 0, rc;

  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (!cb)
    return eng_err(db, CREDO_INVALID, "callback is required");
  if ((rc = eng_require(db, db->role != CREDO_ROLE_PUBLIC, "read history")))
    return rc;
  if ((rc = eng_read_begin(db, &d.txn, &owned)) != CREDO_OK)
    return rc;
  if ((rc = dump_collect_named(&d)) != CREDO_OK ||
      (rc = dump_collect_versions(&d)) != CREDO_OK)
    goto done;
  if (d.n)
    qsort(d.items, d.n, sizeof *d.items, dump_cmp);
  for (size_t i = 0; i < d.n; i++)
    if ((rc = dump_emit(&d, &d.items[i], cb, arg)) != 0)
      goto done;
  rc = CREDO_OK;
done:
  eng_read_end(d.txn, owned);
  free(d.items);
  free(d.arena);
  return rc;
}

/* ------------------------------------------------------- restore rules */

/* Reads a META counter of `width` bytes (4 or 8, big-endian); `dflt`
 * when absent. */
static int meta_counter(credo *db, stor_txn *txn, const char *key, size_t width,
                        uint64_t dflt, uint64_t *out) {
  stor_val v;
  int rc = stor_get(txn, STOR_META, (stor_val){key, strlen(key)}, &v);
  *out = dflt;
  if (rc == CREDO_NOTFOUND)
    return CREDO_OK;
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read META");
  if (v.len != width)
    return eng_err(db, CREDO_CORRUPT, "META %s has %zu bytes", key, v.len);
  *out = width == 8 ? stor_dec_u64(v.data) : stor_dec_u32(v.data);
  return CREDO_OK;
}

/* The transaction-time rule: `t` must not be before META last_tx. Only
 * checks; clock_advance makes last_tx `t` once the item is written. */
static int clock_check(credo *db, stor_txn *txn, credo_time t) {
  char a[48], b[48];
  credo_time last;
  int rc;

  if (db->txn_time)
    return eng_err(db, CREDO_TXN,
                   "this transaction made ordinary writes; "
                   "restore in a transaction of its own");
  if (t < CREDO_TIME_MIN || t == CREDO_TIME_OPEN)
    return eng_err(db, CREDO_INVALID, "a restored time must be an instant");
  if ((rc = eng_last_tx(db, txn, &last)) != CREDO_OK)
    return rc;
  if (t < last)
    return eng_err(db, CREDO_RANGE,
                   "transaction time %s is before the store's last "
                   "transaction time %s: restore replays history in "
                   "transaction-time order into a store that has nothing "
                   "later",
                   eng_fmt_time(db, t, a, sizeof a),
                   eng_fmt_time(db, last, b, sizeof b));
  return CREDO_OK;
}

static int clock_advance(credo *db, stor_txn *txn, credo_time t) {
  stor_key k;
  int rc;
  stor_key_init(&k);
  stor_key_i64(&k, t);
  rc = stor_put(txn, STOR_META, (stor_val){KEY_LAST_TX, strlen(KEY_LAST_TX)},
                stor_key_val(&k));
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot store last_tx");
}

/* Common entry of the restore writes: admin, then a statement scope (or
 * the caller's explicit transaction). */
static int restore_begin(credo *db, int *started) {
  int rc;
  *started = 0;
  if ((rc = eng_require(db, db->role == CREDO_ROLE_ADMIN, "restore")))
    return rc;
  return eng_write_scope_begin(db, started);
}

static int restore_end(credo *db, int started, int rc, int made, int *created) {
  rc = eng_write_scope_end(db, started, rc);
  if (rc == CREDO_OK && created)
    *created = made;
  db->changes = rc == CREDO_OK && made;
  return rc;
}

/* ------------------------------------------------------ types, subjects */

static int same_duration(credo_duration a, credo_duration b) {
  return a.months == b.months && a.usec == b.usec;
}

static int same_fields(const eng_type *cur, const char *fields) {
  if (!(cur->flags & ENG_TYPE_HAS_FIELDS))
    return fields == NULL;
  return fields && strcmp(cur->fields, fields) == 0;
}

/* A dump written before type flags: a zero PUBLICITY was an open window. */
static unsigned dumped_flags(const credo_type_info *t) {
  if (!(t->flags & (CREDO_TYPE_OPEN | CREDO_TYPE_NOT_PUBLISHED)) &&
      t->publicity.months == 0 && t->publicity.usec == 0)
    return t->flags | CREDO_TYPE_OPEN;
  return t->flags;
}

static int restore_type_in(credo *db, const credo_type_info *t, int *made) {
  const eng_type *cur;
  uint64_t next;
  unsigned flags = dumped_flags(t);
  int rc = eng_type_by_name(db, db->txn, t->name, &cur);

  if (rc == CREDO_OK) {
    if (same_duration(cur->publicity, t->publicity) &&
        same_duration(cur->repairable_after, t->repairable_after) &&
        (cur->flags & ~ENG_TYPE_HAS_FIELDS) == flags &&
        same_fields(cur, t->public_fields) && (t->id == 0 || t->id == cur->id))
      return CREDO_OK;
    return eng_err(db, CREDO_CONFLICT,
                   "type \"%s\" already exists (id %u) with another policy "
                   "or id",
                   t->name, cur->id);
  }
  if (rc != CREDO_NOTFOUND)
    return rc;
  eng_err_clear(db);
  if ((rc = meta_counter(db, db->txn, KEY_NEXT_TYPE, 4, 1, &next)))
    return rc;
  if (t->id != 0 && t->id != next)
    return eng_err(db, CREDO_CONFLICT,
                   "type \"%s\" had id %u, but this store's next type id is "
                   "%llu (restore types in id order into a store without "
                   "other types)",
                   t->name, t->id, (unsigned long long)next);
  if ((rc = clock_check(db, db->txn, t->created)) != CREDO_OK)
    return rc;
  db->txn_time = t->created; /* credo_create_type takes it as its time */
  rc = eng_create_type_def(db, &(credo_type_def){t->name, flags, t->publicity,
                                                 t->repairable_after,
                                                 t->public_fields, t->retain});
  db->txn_time = 0;
  if (rc == CREDO_OK)
    rc = clock_advance(db, db->txn, t->created);
  *made = rc == CREDO_OK;
  return rc;
}

int eng_restore_type(credo *db, const credo_type_info *t, int *created) {
  int started, made = 0, rc;
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (!t || !t->name)
    return eng_err(db, CREDO_INVALID, "type is required");
  if ((rc = restore_begin(db, &started)) != CREDO_OK)
    return rc;
  rc = restore_type_in(db, t, &made);
  return restore_end(db, started, rc, made, created);
}

static int restore_subject_in(credo *db, const credo_subject_info *s,
                              int *made) {
  credo_subject_info cur;
  const char *name = s->name ? s->name : "";
  int rc = eng_get_subject(db, s->id, &cur);

  if (rc == CREDO_OK) {
    if (cur.kind == s->kind && strcmp(cur.name, name) == 0)
      return CREDO_OK;
    return eng_err(db, CREDO_CONFLICT,
                   "subject \"%s\" already exists as %s \"%s\"", s->id,
                   credo_kind_name(cur.kind), cur.name);
  }
  if (rc != CREDO_NOTFOUND)
    return rc;
  eng_err_clear(db);
  if ((rc = clock_check(db, db->txn, s->created)) != CREDO_OK)
    return rc;
  db->txn_time = s->created; /* credo_create_subject takes it */
  rc = eng_create_subject(db, s->id, s->kind, name);
  db->txn_time = 0;
  if (rc == CREDO_OK)
    rc = clock_advance(db, db->txn, s->created);
  *made = rc == CREDO_OK;
  return rc;
}

int eng_restore_subject(credo *db, const credo_subject_info *s, int *created) {
  int started, made = 0, rc;
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (!s || !s->id)
    return eng_err(db, CREDO_INVALID, "subject is required");
  if ((rc = restore_begin(db, &started)) != CREDO_OK)
    return rc;
  rc = restore_subject_in(db, s, &made);
  return restore_end(db, started, rc, made, created);
}

/* ------------------------------------------------------------ versions */

/* Checks the strings and times of a dumped version. */
static int check_version_args(credo *db, const credo_event *e) {
  const char *names[] = {"subject", "type", "source", "ref", "actor", "reason"};
  const char *vals[] = {e->subject, e->type,  e->source,
                        e->ref,     e->actor, e->reason ? e->reason : ""};
  const size_t max[] = {ENG_MAX_SUBJECT_ID, ENG_MAX_TYPE_NAME, ENG_MAX_SOURCE,
                        ENG_MAX_REF,        ENG_MAX_ACTOR,     ENG_MAX_REASON};
  for (int i = 0; i < 6; i++) {
    size_t n = vals[i] ? strlen(vals[i]) : 0;
    if ((i < 5 && n == 0) || n > max[i] || !eng_utf8_valid(vals[i], n))
      return eng_err(db, CREDO_INVALID, "%s must be %s1-%zu bytes of UTF-8",
                     names[i], i == 5 ? "empty or " : "", max[i]);
  }
  if (e->id == 0 || e->version == 0)
    return eng_err(db, CREDO_INVALID, "event id and version start at 1");
  if (!credo_op_name(e->op) || e->op == CREDO_OP_ERASE)
    return eng_err(db, CREDO_INVALID, "unknown op %d", e->op);
  if (e->occurred < CREDO_TIME_MIN || e->occurred == CREDO_TIME_OPEN ||
      e->public_from < CREDO_TIME_MIN || e->public_from == CREDO_TIME_OPEN ||
      e->public_until < CREDO_TIME_MIN)
    return eng_err(db, CREDO_INVALID,
                   "occurred and the window must be "
                   "instants (public_until may be open)");
  return CREDO_OK;
}

/* The first field in which two versions differ, or NULL. */
static const char *version_diff(const eng_version *a, const eng_version *b) {
  if (a->recorded != b->recorded)
    return "recorded";
  if (a->op != b->op || a->retracted != b->retracted)
    return "op";
  if (a->type_id != b->type_id)
    return "type";
  if (a->occurred != b->occurred || a->public_from != b->public_from ||
      a->public_until != b->public_until)
    return "valid time";
  if (strcmp(a->subject, b->subject) || strcmp(a->source, b->source) ||
      strcmp(a->ref, b->ref))
    return "subject or (source, ref)";
  if (strcmp(a->actor, b->actor) || strcmp(a->reason, b->reason))
    return "actor or reason";
  if (strcmp(a->data, b->data))
    return "data";
  return NULL;
}

/* A version that is already stored: a duplicate when equal. `latest` is
 * the event's latest version. */
static int restore_dup(credo *db, stor_txn *txn, uint64_t id,
                       const eng_version *latest, const eng_version *nv) {
  eng_version stored = *latest;
  stor_cursor *c = NULL;
  stor_key k;
  stor_val key, val;
  const char *diff;
  int rc = CREDO_OK;

  if (nv->vno != latest->vno) {
    stor_key_init(&k);
    stor_key_u64(&k, id);
    if ((rc = stor_cursor_open(txn, STOR_VERSIONS, &c)) != CREDO_OK)
      return eng_err_stor(db, rc, "cannot read versions");
    for (rc = stor_cursor_seek(c, stor_key_val(&k), &key, &val);
         rc == CREDO_OK && key.len == ENG_K_VER_LEN &&
         stor_dec_u64(key.data) == id;
         rc = stor_cursor_next(c, &key, &val))
      if (stor_dec_u32((const unsigned char *)key.data + ENG_K_VER_VNO) ==
          nv->vno)
        break;
    if (rc == CREDO_OK && key.len == ENG_K_VER_LEN &&
        stor_dec_u64(key.data) == id)
      rc = eng_version_decode(val, &stored);
    else if (rc == CREDO_OK || rc == CREDO_NOTFOUND)
      rc = eng_err(db, CREDO_CORRUPT, "event %llu has no version %u",
                   (unsigned long long)id, nv->vno);
    stor_cursor_close(c);
    if (rc != CREDO_OK)
      return rc;
  }
  if (!(diff = version_diff(&stored, nv)))
    return CREDO_OK;
  return eng_err(db, CREDO_CONFLICT,
                 "event %llu version %u is already stored with a different "
                 "%s",
                 (unsigned long long)id, nv->vno, diff);
}

/* Version 1: a new event with the given id. */
static int restore_first(credo *db, stor_txn *txn, uint64_t id,
                         const eng_version *nv) {
  stor_key k;
  uint64_t next;
  int rc;

  if (nv->vno != 1)
    return eng_err(db, CREDO_INVALID,
                   "event %llu does not exist: its version 1 comes first",
                   (unsigned long long)id);
  if ((rc = eng_subject_exists(db, txn, nv->subject)) != CREDO_OK)
    return rc;
  if (!nv->retracted) {
    uint64_t other;
    rc = eng_srcref_find(db, txn, nv->source, nv->ref, nv->subject, &other);
    if (rc == CREDO_OK)
      return eng_err(db, CREDO_CONFLICT,
                     "source \"%s\" ref \"%s\" subject \"%s\" is already "
                     "event %llu",
                     nv->source, nv->ref, nv->subject,
                     (unsigned long long)other);
    if (rc != CREDO_NOTFOUND)
      return rc;
  }
  if ((rc = meta_counter(db, txn, KEY_NEXT_EVENT, 8, 1, &next)) ||
      (rc = clock_check(db, txn, nv->recorded)) ||
      (rc = eng_event_insert(db, txn, id, nv)) ||
      (rc = clock_advance(db, txn, nv->recorded)))
    return rc;
  if (next > id)
    return CREDO_OK;
  stor_key_init(&k);
  stor_key_u64(&k, id + 1);
  rc = stor_put(txn, STOR_META,
                (stor_val){KEY_NEXT_EVENT, strlen(KEY_NEXT_EVENT)},
                stor_key_val(&k));
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot store next_event");
}

/* Version n > 1 after the stored latest n - 1. */
static int restore_next(credo *db, stor_txn *txn, uint64_t id,
                        const eng_version *old, const eng_version *nv) {
  char a[48], b[48];
  int rc;
  if (nv->vno != old->vno + 1)
    return eng_err(db, CREDO_INVALID,
                   "event %llu has versions up to %u: version %u would "
                   "leave a gap",
                   (unsigned long long)id, old->vno, nv->vno);
  if (strcmp(old->subject, nv->subject) || strcmp(old->source, nv->source) ||
      strcmp(old->ref, nv->ref))
    return eng_err(db, CREDO_CONFLICT,
                   "event %llu: a version cannot change the subject, source "
                   "or ref",
                   (unsigned long long)id);
  if (nv->recorded < old->recorded)
    return eng_err(db, CREDO_RANGE,
                   "event %llu version %u recorded %s is before version %u "
                   "(%s)",
                   (unsigned long long)id, nv->vno,
                   eng_fmt_time(db, nv->recorded, a, sizeof a), old->vno,
                   eng_fmt_time(db, old->recorded, b, sizeof b));
  if ((rc = clock_check(db, txn, nv->recorded)) != CREDO_OK ||
      (rc = eng_version_supersede(db, txn, id, old, nv)) != CREDO_OK)
    return rc;
  return clock_advance(db, txn, nv->recorded);
}

static int restore_version_in(credo *db, const credo_event *e, const char *data,
                              int *made) {
  stor_txn *txn = db->txn;
  const eng_type *t;
  eng_version nv = {0}, old;
  int rc;

  if ((rc = eng_type_by_name(db, txn, e->type, &t)) != CREDO_OK)
    return rc;
  nv = (eng_version){.op = (uint8_t)e->op,
                     .retracted = e->retracted ? 1 : 0,
                     .type_id = t->id,
                     .vno = e->version,
                     .recorded = e->recorded,
                     .occurred = e->occurred,
                     .public_from = e->public_from,
                     .public_until = e->public_until,
                     .subject = e->subject,
                     .source = e->source,
                     .ref = e->ref,
                     .actor = e->actor,
                     .reason = e->reason ? e->reason : "",
                     .data = data,
                     .data_len = (uint32_t)strlen(data)};
  rc = eng_load_latest(db, txn, e->id, &old);
  if (rc == CREDO_NOTFOUND) {
    eng_err_clear(db);
    rc = restore_first(db, txn, e->id, &nv);
  } else if (rc == CREDO_OK && nv.vno <= old.vno)
    return restore_dup(db, txn, e->id, &old, &nv);
  else if (rc == CREDO_OK)
    rc = restore_next(db, txn, e->id, &old, &nv);
  *made = rc == CREDO_OK;
  return rc;
}

int eng_restore_version(credo *db, const credo_event *v, int *created) {
  char *data = NULL;
  int started, made = 0, rc;

  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (!v)
    return eng_err(db, CREDO_INVALID, "version is required");
  if ((rc = check_version_args(db, v)) != CREDO_OK ||
      (rc = eng_json_canon(db, v->data, &data)) != CREDO_OK)
    return rc;
  if ((rc = restore_begin(db, &started)) == CREDO_OK) {
    rc = restore_version_in(db, v, data, &made);
    rc = restore_end(db, started, rc, made, created);
  }
  free(data);
  return rc;
}
