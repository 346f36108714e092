/*
 * read.c -- the read side: versions as of a transaction time, publicity at
 * a visibility instant, event scans over the access paths, and the public
 * read functions (get, subject listing, full scan, history).
 *
 * Cost model: the latest version of an event is one B-tree lookup
 * (STOR_EVENTS); a version as of an earlier instant is one more, a seek in
 * STOR_VERSIONS to (id, as_of, max) and one step back. Never a walk over
 * an event's versions. A subject listing reads only that subject's keys.
 *
 * Scans re-check every index candidate against the version they read: the
 * type and until indexes are supersets (events.c), and an entry only
 * yields its event when it matches the version's own value, so each event
 * comes out once.
 *
 * Does not: write.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "eng.h"
#include "erase.h"
#include "keys.h"

int eng_version_public(const eng_version *v, credo_time t) {
  return !v->retracted && v->public_from <= t && t < v->public_until;
}

/* Version of `id` as of `as_of`, given `latest`, its STOR_EVENTS record
 * (from a look-up, or from the full scan's own cursor, which saves the
 * look-up); `vc` is an optional open cursor on STOR_VERSIONS (scans reuse
 * theirs). */
int eng_version_older(stor_txn *txn, stor_cursor *vc, uint64_t id,
                      credo_time as_of, eng_version *v) {
  stor_key k;
  stor_val key, val;
  stor_cursor *own = NULL;
  int rc;

  if (!vc && (rc = stor_cursor_open(txn, STOR_VERSIONS, &own)) != CREDO_OK)
    return rc;
  stor_key_init(&k);
  stor_key_u64(&k, id);
  stor_key_i64(&k, as_of);
  stor_key_u32(&k, UINT32_MAX);
  rc = stor_cursor_seek_le(vc ? vc : own, stor_key_val(&k), &key, &val);
  if (rc == CREDO_OK &&
      (key.len != ENG_K_VER_LEN || stor_dec_u64(key.data) != id))
    rc = CREDO_NOTFOUND;
  if (rc == CREDO_OK)
    rc = eng_version_decode(val, v);
  stor_cursor_close(own);
  return rc;
}

static int version_from_latest(stor_txn *txn, stor_cursor *vc, uint64_t id,
                               stor_val latest, credo_time as_of,
                               eng_version *v) {
  int rc;

  if ((rc = eng_version_decode(latest, v)) != CREDO_OK)
    return rc;
  if (v->recorded <= as_of)
    return CREDO_OK;
  return eng_version_older(txn, vc, id, as_of, v);
}

static int version_as_of(stor_txn *txn, stor_cursor *vc, uint64_t id,
                         credo_time as_of, eng_version *v) {
  stor_val val;
  int rc;
  rc = stor_get_u64(txn, STOR_EVENTS, id, &val);
  return rc == CREDO_OK ? version_from_latest(txn, vc, id, val, as_of, v) : rc;
}

int eng_version_as_of(stor_txn *txn, uint64_t id, credo_time as_of,
                      eng_version *v) {
  return version_as_of(txn, NULL, id, as_of, v);
}

int eng_version_to_event(credo *db, stor_txn *txn, uint64_t id,
                         const eng_version *v, credo_time visible_at,
                         credo_event *ev) {
  const eng_type *t;
  int rc = eng_type_by_id(db, txn, v->type_id, &t);
  if (rc != CREDO_OK)
    return rc;
  ev->id = id;
  ev->subject = v->subject;
  ev->type = t->name;
  ev->occurred = v->occurred;
  ev->public_from = v->public_from;
  ev->public_until = v->public_until;
  ev->source = v->source;
  ev->ref = v->ref;
  ev->data = v->data;
  ev->version = v->vno;
  ev->recorded = v->recorded;
  ev->actor = v->actor;
  ev->op = v->op;
  ev->reason = v->reason;
  ev->retracted = v->retracted;
  ev->is_public = eng_version_public(v, visible_at);
  return eng_public_event(db, t, ev); /* the public role's view */
}

int eng_resolve_read(credo *db, credo_time as_of, credo_time visible_at,
                     unsigned flags, credo_time *r_as_of,
                     credo_time *r_visible) {
  if (flags & ~(CREDO_READ_HIDDEN | CREDO_READ_RETRACTED))
    return eng_err(db, CREDO_INVALID, "unknown read flags 0x%x", flags);
  if (db->role == CREDO_ROLE_PUBLIC &&
      (as_of != CREDO_TIME_NOW || visible_at != CREDO_TIME_NOW || flags))
    return eng_err(db, CREDO_DENIED,
                   "permission denied: role public sees only what is public "
                   "now (no AS OF, VISIBLE AT or INCLUDE)");
  if (as_of == CREDO_TIME_DEFAULT || visible_at == CREDO_TIME_DEFAULT ||
      as_of == CREDO_TIME_OPEN || visible_at == CREDO_TIME_OPEN)
    return eng_err(db, CREDO_INVALID, "read instants must be points in time");
  *r_as_of = as_of == CREDO_TIME_NOW ? CREDO_TIME_OPEN : as_of;
  if (visible_at != CREDO_TIME_NOW)
    *r_visible = visible_at;
  else
    *r_visible = as_of == CREDO_TIME_NOW ? credo_now(db) : as_of;
  return CREDO_OK;
}

static int passes(const eng_version *v, credo_time visible, unsigned flags) {
  if (v->retracted && !(flags & CREDO_READ_RETRACTED))
    return 0;
  if (!(flags & CREDO_READ_HIDDEN) && !eng_version_public(v, visible))
    return v->retracted && (flags & CREDO_READ_RETRACTED);
  return 1;
}

/* ------------------------------------------------------------- scans */

struct eng_scan {
  credo *db;
  stor_txn *txn;
  eng_scan_spec spec;
  stor_cursor *idx; /* index (or STOR_EVENTS for a full scan) */
  stor_cursor *vc;  /* STOR_VERSIONS, opened at the first as-of miss */
  stor_key prefix;  /* subject / type key prefix of index entries */
  stor_val payload; /* value of the current index entry */
  int started, done;
  /* the public role's look-up of a subject now: the ids of its events
   * that may be public, from the public index (pubindex.c), so that its
   * cost does not depend on the subject's hidden records */
  int pub;
  uint64_t *ids;
  size_t nids, pos;
};

int eng_scan_open(credo *db, stor_txn *txn, const eng_scan_spec *spec,
                  eng_scan **out) {
  static const int table[] = {[ENG_PATH_FULL] = STOR_EVENTS,
                              [ENG_PATH_ID] = -1,
                              [ENG_PATH_SUBJECT] = STOR_SUBJ_EVENTS,
                              [ENG_PATH_SOURCE_REF] = STOR_SOURCE_REF,
                              [ENG_PATH_TYPE] = STOR_TYPE_EVENTS,
                              [ENG_PATH_UNTIL] = STOR_UNTIL_EVENTS};
  eng_scan *s;
  int rc;

  *out = NULL;
  if (spec->path < ENG_PATH_FULL || spec->path > ENG_PATH_UNTIL)
    return eng_err(db, CREDO_MISUSE, "bad scan path %d", spec->path);
  s = calloc(1, sizeof *s);
  if (!s)
    return eng_err(db, CREDO_NOMEM, "out of memory");
  s->db = db;
  s->txn = txn;
  s->spec = *spec;
  stor_key_init(&s->prefix);
  if (spec->path == ENG_PATH_SUBJECT)
    stor_key_str(&s->prefix, spec->subject ? spec->subject : "");
  else if (spec->path == ENG_PATH_TYPE)
    stor_key_u32(&s->prefix, spec->type_id);
  else if (spec->path == ENG_PATH_SOURCE_REF)
    eng_srcref_prefix(&s->prefix, spec->source ? spec->source : "",
                      spec->ref ? spec->ref : "", NULL);
  if (s->prefix.overflow)
    s->done = 1; /* too long to be stored: matches nothing */
  s->pub = spec->path == ENG_PATH_SUBJECT && db->role == CREDO_ROLE_PUBLIC &&
           spec->as_of == CREDO_TIME_OPEN && spec->flags == 0;
  if (table[spec->path] >= 0 &&
      (rc = stor_cursor_open(txn, table[spec->path], &s->idx)) != CREDO_OK) {
    free(s);
    return eng_err_stor(db, rc, "cannot open a scan");
  }
  *out = s;
  return CREDO_OK;
}

void eng_scan_close(eng_scan *s) {
  if (!s)
    return;
  stor_cursor_close(s->idx);
  stor_cursor_close(s->vc);
  free(s->ids);
  free(s);
}

/* Moves the index cursor to its next entry: *id and, for the until index,
 * *until. CREDO_NOTFOUND at the end of the path. */
static int next_entry(eng_scan *s, uint64_t *id, credo_time *until) {
  stor_val k, v;
  stor_key start;
  int rc;

  if (!s->started) {
    s->started = 1;
    stor_key_init(&start);
    if (s->spec.path == ENG_PATH_UNTIL) {
      stor_key_i64(&start, s->spec.until_lo);
      rc = stor_cursor_seek(s->idx, stor_key_val(&start), &k, &v);
    } else if (s->spec.path == ENG_PATH_FULL)
      rc = stor_cursor_first(s->idx, &k, &v);
    else
      rc = stor_cursor_seek(s->idx, stor_key_val(&s->prefix), &k, &v);
  } else
    rc = stor_cursor_next(s->idx, &k, &v);
  if (rc != CREDO_OK)
    return rc;
  if (k.len < ENG_K_ID_LEN)
    return CREDO_CORRUPT;
  s->payload = v;
  if (s->spec.path == ENG_PATH_UNTIL) {
    *until = stor_dec_i64((const unsigned char *)k.data + ENG_K_UE_UNTIL);
    if (k.len != ENG_K_UE_LEN ||
        (s->spec.until_hi != CREDO_TIME_OPEN && *until >= s->spec.until_hi))
      return CREDO_NOTFOUND;
  } else if (s->spec.path == ENG_PATH_SOURCE_REF) {
    /* (source, ref) prefix, then subject 00 and the id */
    if (k.len < s->prefix.len + 9 ||
        memcmp(k.data, s->prefix.buf, s->prefix.len) != 0)
      return CREDO_NOTFOUND;
  } else if (s->spec.path != ENG_PATH_FULL &&
             (k.len != s->prefix.len + ENG_K_ID_LEN ||
              memcmp(k.data, s->prefix.buf, s->prefix.len) != 0))
    return CREDO_NOTFOUND;
  *id = stor_dec_u64((const unsigned char *)k.data + ENG_K_TAIL_ID(k.len));
  return CREDO_OK;
}

/* The next id of the public subject path. */
static int next_public(eng_scan *s, uint64_t *id) {
  int rc;
  if (!s->started) {
    s->started = 1;
    rc = eng_pubidx_ids(s->db, s->txn, s->spec.subject ? s->spec.subject : "",
                        s->spec.visible_at, &s->ids, &s->nids);
    if (rc != CREDO_OK)
      return rc;
  }
  if (s->pos == s->nids)
    return CREDO_NOTFOUND;
  *id = s->ids[s->pos++];
  s->payload = (stor_val){NULL, 0};
  return CREDO_OK;
}

/* The one candidate of an ID path. */
static int single_id(eng_scan *s, uint64_t *id) {
  if (s->started)
    return CREDO_NOTFOUND;
  s->started = 1;
  *id = s->spec.id;
  return CREDO_OK;
}

/* For the latest state, a subject index entry carries the event's
 * publicity: 1 when it already shows the event would be filtered out. */
static int payload_rejects(const eng_scan *s) {
  eng_version p;
  if (s->spec.path != ENG_PATH_SUBJECT || s->spec.as_of != CREDO_TIME_OPEN ||
      eng_subj_payload_decode(s->payload, &p) != CREDO_OK)
    return 0; /* entries written before the payload existed are empty */
  return !passes(&p, s->spec.visible_at, s->spec.flags);
}

/* Reads the candidate's version as of the scan and checks that the index
 * entry that produced it is the version's own (superset indexes). */
static int candidate(eng_scan *s, uint64_t id, credo_time until,
                     eng_version *v) {
  int rc;
  if (payload_rejects(s))
    return CREDO_NOTFOUND;
  if (!s->vc && s->spec.as_of != CREDO_TIME_OPEN &&
      (rc = stor_cursor_open(s->txn, STOR_VERSIONS, &s->vc)) != CREDO_OK)
    return rc;
  if (s->spec.path == ENG_PATH_FULL) /* the cursor is on the record */
    rc = version_from_latest(s->txn, s->vc, id, s->payload, s->spec.as_of, v);
  else
    rc = version_as_of(s->txn, s->vc, id, s->spec.as_of, v);
  if (rc != CREDO_OK)
    return rc;
  if (s->spec.path == ENG_PATH_TYPE && v->type_id != s->spec.type_id)
    return CREDO_NOTFOUND;
  if (s->spec.path == ENG_PATH_UNTIL && v->public_until != until)
    return CREDO_NOTFOUND;
  if (!passes(v, s->spec.visible_at, s->spec.flags))
    return CREDO_NOTFOUND;
  return CREDO_OK;
}

int eng_scan_next(eng_scan *s, credo_event *ev) {
  eng_version v;
  uint64_t id = 0;
  credo_time until = 0;
  int rc;

  while (!s->done) {
    if ((rc = eng_run_check(s->db)) != CREDO_OK)
      return rc;
    if (s->pub)
      rc = next_public(s, &id);
    else if (s->spec.path == ENG_PATH_ID)
      rc = single_id(s, &id);
    else
      rc = next_entry(s, &id, &until);
    if (rc == CREDO_NOTFOUND)
      break;
    if (rc != CREDO_OK)
      return eng_err_stor(s->db, rc, "scan failed");
    rc = candidate(s, id, until, &v);
    if (rc == CREDO_NOTFOUND)
      continue;
    if (rc != CREDO_OK)
      return eng_err_stor(s->db, rc, "cannot read an event");
    return eng_version_to_event(s->db, s->txn, id, &v, s->spec.visible_at,
                                ev) == CREDO_OK
               ? CREDO_ROW
               : s->db->errcode;
  }
  s->done = 1;
  return CREDO_DONE;
}

int eng_scan_estimate(credo *db, stor_txn *txn, const eng_scan_spec *spec,
                      uint64_t *rows) {
  uint64_t events = 0, n = 0;
  int rc = stor_count(txn, STOR_EVENTS, &events);
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot count events");
  switch (spec->path) {
  case ENG_PATH_ID:
  case ENG_PATH_SOURCE_REF: /* one decision names a few parties */
    *rows = events ? 1 : 0;
    return CREDO_OK;
  case ENG_PATH_SUBJECT:
    rc = stor_count(txn, STOR_SUBJECTS, &n);
    break;
  case ENG_PATH_TYPE:
    rc = stor_count(txn, STOR_TYPES, &n);
    break;
  case ENG_PATH_UNTIL:
    n = 4; /* a window range: assume a quarter without statistics */
    break;
  default:
    n = 1;
  }
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot count");
  *rows = n ? (events + n - 1) / n : events;
  return CREDO_OK;
}

/* ------------------------------------------------------- public reads */

/* Copies the strings of *ev into the handle's output buffer. */
static int keep_event(credo *db, credo_event *ev) {
  const char **f[] = {&ev->subject, &ev->type,  &ev->source, &ev->ref,
                      &ev->data,    &ev->actor, &ev->reason};
  size_t n = sizeof f / sizeof f[0], total = 0, len[7];
  char *p;
  for (size_t i = 0; i < n; i++)
    total += (len[i] = strlen(*f[i]) + 1);
  if (db->out_cap < total) {
    p = realloc(db->out_buf, total);
    if (!p)
      return eng_err(db, CREDO_NOMEM, "out of memory");
    db->out_buf = p;
    db->out_cap = total;
  }
  p = db->out_buf;
  for (size_t i = 0; i < n; i++) {
    memcpy(p, *f[i], len[i]);
    *f[i] = p;
    p += len[i];
  }
  return CREDO_OK;
}

/* Resolves the read instants of a public scan into `spec` and opens the
 * read (end it with eng_read_end). */
static int read_at(credo *db, credo_time as_of, credo_time visible_at,
                   unsigned flags, eng_scan_spec *spec, stor_txn **txn,
                   int *owned) {
  int rc = eng_resolve_read(db, as_of, visible_at, flags, &spec->as_of,
                            &spec->visible_at);
  return rc != CREDO_OK ? rc : eng_read_begin(db, txn, owned);
}

/* Calls cb with each event of the scan `spec` in txn, its subject as the
 * role may see it; counts them in *rows. CREDO_OK at the end, cb's
 * non-zero answer, or the error. */
static int scan_to_cb(credo *db, stor_txn *txn, const eng_scan_spec *spec,
                      credo_event_cb cb, void *arg, uint64_t *rows) {
  eng_scan *s = NULL;
  credo_event ev;
  int rc = eng_scan_open(db, txn, spec, &s);
  if (rc != CREDO_OK)
    return rc;
  while ((rc = eng_scan_next(s, &ev)) == CREDO_ROW) {
    ++*rows;
    if ((rc = eng_public_subject(db, txn, &ev)) != CREDO_OK ||
        (rc = cb(&ev, arg)) != 0)
      break;
  }
  eng_scan_close(s);
  return rc == CREDO_DONE ? CREDO_OK : rc;
}

int eng_get_event(credo *db, uint64_t id, credo_time as_of,
                  credo_time visible_at, unsigned flags, credo_event *out) {
  eng_scan_spec spec = {.path = ENG_PATH_ID, .id = id, .flags = flags};
  eng_scan *s = NULL;
  stor_txn *txn;
  int owned, rc;

  if ((rc = eng_call_begin(db, out != NULL, "out is NULL", NULL)) != CREDO_OK)
    return rc;
  if ((rc = read_at(db, as_of, visible_at, flags, &spec, &txn, &owned)))
    return rc;
  if ((rc = eng_scan_open(db, txn, &spec, &s)) == CREDO_OK)
    rc = eng_scan_next(s, out);
  if (rc == CREDO_ROW && (rc = keep_event(db, out)) == CREDO_OK)
    rc = eng_public_subject(db, txn, out);
  else if (rc == CREDO_DONE)
    rc = eng_erased_notfound(db, txn, id);
  eng_scan_close(s);
  eng_read_end(txn, owned);
  return rc;
}

int eng_subject_events(credo *db, const char *subject, credo_time as_of,
                       credo_time visible_at, unsigned flags, credo_event_cb cb,
                       void *arg) {
  eng_scan_spec spec = {
      .path = ENG_PATH_SUBJECT, .flags = flags, .subject = subject};
  stor_txn *txn;
  uint64_t rows = 0;
  int owned, rc;

  if ((rc = eng_call_begin(db, subject && cb,
                           "subject and callback are required", NULL)))
    return rc;
  if ((rc = read_at(db, as_of, visible_at, flags, &spec, &txn, &owned)))
    return rc;
  rc = scan_to_cb(db, txn, &spec, cb, arg, &rows);
  /* Subjects are never deleted and every event's subject exists, so a row
   * proves the subject; only an empty answer needs the look-up that tells
   * "no events" from "no such subject" (CREDO_NOTFOUND). */
  if (rc == CREDO_OK && !rows)
    rc = eng_subject_exists(db, txn, subject);
  eng_read_end(txn, owned);
  return rc;
}

int eng_scan_events(credo *db, credo_time as_of, credo_time visible_at,
                    unsigned flags, credo_event_cb cb, void *arg) {
  eng_scan_spec spec = {.path = ENG_PATH_FULL, .flags = flags};
  stor_txn *txn;
  uint64_t rows = 0;
  int owned, rc;

  if ((rc = eng_call_begin(db, cb != NULL, "callback is required", NULL)))
    return rc;
  if ((rc = read_at(db, as_of, visible_at, flags, &spec, &txn, &owned)))
    return rc;
  rc = scan_to_cb(db, txn, &spec, cb, arg, &rows);
  eng_read_end(txn, owned);
  return rc;
}

static int history_one(credo *db, stor_txn *txn, uint64_t id, stor_val val,
                       credo_event_cb cb, void *arg) {
  eng_version v;
  credo_event ev;
  int rc = eng_version_decode(val, &v);
  if (rc != CREDO_OK)
    return eng_err(db, rc, "event %llu has a corrupt version",
                   (unsigned long long)id);
  if ((rc = eng_version_to_event(db, txn, id, &v, v.recorded, &ev)))
    return rc;
  return cb(&ev, arg);
}

/* The history of an erased event: its tombstone as one version with op
 * CREDO_OP_ERASE (no content: strings "", times 0). 1 when there is none. */
static int tombstone(credo *db, stor_txn *txn, uint64_t id, credo_event_cb cb,
                     void *arg) {
  credo_event ev = {.id = id, .op = CREDO_OP_ERASE};
  eng_tomb t;
  int rc = eng_tomb_get(db, txn, id, &t);
  if (rc != CREDO_OK)
    return rc == CREDO_NOTFOUND ? 1 : rc;
  ev.subject = ev.type = ev.source = ev.ref = "";
  ev.data = "{}";
  ev.recorded = t.erased;
  ev.actor = t.actor;
  ev.reason = t.reason;
  rc = cb(&ev, arg);
  return rc ? rc : CREDO_DONE;
}

int eng_event_history(credo *db, uint64_t id, credo_event_cb cb, void *arg) {
  stor_cursor *c = NULL;
  stor_txn *txn;
  stor_key k;
  stor_val key, val;
  int owned, rc;

  if ((rc = eng_call_begin(db, cb != NULL, "callback is required",
                           "read history")))
    return rc;
  if ((rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  stor_key_init(&k);
  stor_key_u64(&k, id);
  rc = stor_get(txn, STOR_EVENTS, stor_key_val(&k), &val);
  if (rc == CREDO_NOTFOUND) {
    if ((rc = tombstone(db, txn, id, cb, arg)) == 1)
      rc = eng_err(db, CREDO_NOTFOUND, "event %llu not found",
                   (unsigned long long)id);
    else if (rc == CREDO_DONE)
      rc = CREDO_OK;
    goto done;
  }
  if (rc != CREDO_OK) {
    rc = eng_err_stor(db, rc, "cannot read an event");
    goto done;
  }
  if ((rc = stor_cursor_open(txn, STOR_VERSIONS, &c)) != CREDO_OK)
    goto done;
  for (rc = stor_cursor_seek(c, stor_key_val(&k), &key, &val);
       rc == CREDO_OK && key.len == ENG_K_VER_LEN &&
       stor_dec_u64(key.data) == id;
       rc = stor_cursor_next(c, &key, &val))
    if ((rc = history_one(db, txn, id, val, cb, arg)) != 0)
      goto done;
  if (rc != CREDO_OK && rc != CREDO_NOTFOUND)
    goto done;
  if ((rc = stor_get(txn, STOR_EVENTS, stor_key_val(&k), &val)) == CREDO_OK)
    rc = history_one(db, txn, id, val, cb, arg);
done:
  stor_cursor_close(c);
  eng_read_end(txn, owned);
  return rc;
}
