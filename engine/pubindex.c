/*
 * pubindex.c -- the public index of subjects (STOR_SUBJ_PUBLIC): which
 * events of a subject may be public now, so that a public look-up costs
 * the same whether the subject has 0 or 20,000 hidden records (no timing
 * oracle, docs/rules.md rule 8).
 *
 * Key: subject id, 00 | public_until (i64 sign-flipped BE) | event id (u64
 * BE); value: public_from (i64 LE, 8 bytes). An event has exactly one
 * entry while its latest version is not retracted and its window is not
 * empty; the entry follows the latest version's window (events.c calls
 * eng_pubidx_update on every new version). A look-up at instant t seeks
 * (subject, t + 1) and walks only the entries whose window has not ended:
 * repaired, expired, retracted and never-published records are never
 * touched.
 *
 * Does not: decide who uses it (read.c uses it for the public role).
 * eng_pubidx_check compares it with the events for credo_check.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "eng.h"

#define PUB_VAL_LEN 8 /* public_from, i64 LE */

static int has_entry(const eng_version *v) {
  return !v->retracted && v->public_from < v->public_until;
}

static void pub_key(stor_key *k, const char *subject, credo_time until,
                    uint64_t id) {
  stor_key_init(k);
  stor_key_str(k, subject);
  stor_key_i64(k, until);
  stor_key_u64(k, id);
}

int eng_pubidx_update(credo *db, stor_txn *txn, uint64_t id,
                      const eng_version *old, const eng_version *nv) {
  unsigned char val[PUB_VAL_LEN];
  stor_key k;
  int rc;
  if (old && has_entry(old)) {
    if (nv && has_entry(nv) && nv->public_until == old->public_until &&
        nv->public_from == old->public_from)
      return CREDO_OK;
    pub_key(&k, old->subject, old->public_until, id);
    rc = stor_del(txn, STOR_SUBJ_PUBLIC, stor_key_val(&k));
    if (rc != CREDO_OK && rc != CREDO_NOTFOUND)
      return eng_err_stor(db, rc, "cannot update the public index");
  }
  if (!nv || !has_entry(nv))
    return CREDO_OK;
  pub_key(&k, nv->subject, nv->public_until, id);
  eng_put_u64(val, (uint64_t)nv->public_from);
  rc = stor_put(txn, STOR_SUBJ_PUBLIC, stor_key_val(&k),
                (stor_val){val, sizeof val});
  return rc == CREDO_OK ? rc
                        : eng_err_stor(db, rc, "cannot write the public index");
}

static int cmp_id(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int eng_pubidx_ids(credo *db, stor_txn *txn, const char *subject, credo_time t,
                   uint64_t **ids, size_t *n) {
  stor_cursor *c = NULL;
  stor_key k, prefix;
  stor_val key, val;
  size_t cap = 0;
  int rc;

  *ids = NULL;
  *n = 0;
  stor_key_init(&prefix);
  stor_key_str(&prefix, subject);
  if (prefix.overflow || t == CREDO_TIME_OPEN)
    return CREDO_OK;
  pub_key(&k, subject, t + 1, 0);
  if ((rc = stor_cursor_open(txn, STOR_SUBJ_PUBLIC, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the public index");
  for (rc = stor_cursor_seek(c, stor_key_val(&k), &key, &val); rc == CREDO_OK;
       rc = stor_cursor_next(c, &key, &val)) {
    if (key.len != prefix.len + 16 ||
        memcmp(key.data, prefix.buf, prefix.len) != 0)
      break;
    if (val.len != PUB_VAL_LEN) {
      rc = CREDO_CORRUPT;
      break;
    }
    if ((credo_time)eng_get_u64(val.data) > t)
      continue; /* publicity starts later */
    if (*n == cap) {
      uint64_t *p = realloc(*ids, (cap = cap ? cap * 2 : 16) * sizeof *p);
      if (!p) {
        rc = CREDO_NOMEM;
        break;
      }
      *ids = p;
    }
    (*ids)[(*n)++] =
        stor_dec_u64((const unsigned char *)key.data + key.len - 8);
  }
  stor_cursor_close(c);
  if (rc != CREDO_OK && rc != CREDO_NOTFOUND) {
    free(*ids);
    *ids = NULL;
    *n = 0;
    return eng_err_stor(db, rc, "cannot read the public index");
  }
  if (*n > 1) /* *ids is NULL when nothing matched: qsort wants an array */
    qsort(*ids, *n, sizeof **ids, cmp_id);
  return CREDO_OK;
}

int eng_pubidx_rebuild(credo *db, stor_txn *txn, uint64_t *entries) {
  stor_cursor *c = NULL;
  stor_val key, val;
  eng_version v;
  int rc;
  *entries = 0;
  if ((rc = stor_cursor_open(txn, STOR_EVENTS, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot walk events");
  for (rc = stor_cursor_first(c, &key, &val); rc == CREDO_OK;
       rc = stor_cursor_next(c, &key, &val)) {
    if (key.len != 8 || eng_version_decode(val, &v) != CREDO_OK) {
      rc = CREDO_CORRUPT;
      break;
    }
    if (has_entry(&v)) {
      /* the version points into the map: copy the subject first, as a
       * put may move pages */
      char subject[ENG_MAX_SUBJECT_ID + 1];
      size_t sl = strlen(v.subject);
      if (sl > ENG_MAX_SUBJECT_ID) {
        rc = CREDO_CORRUPT;
        break;
      }
      memcpy(subject, v.subject, sl + 1);
      v.subject = subject;
      if ((rc = eng_pubidx_update(db, txn, stor_dec_u64(key.data), NULL, &v)))
        break;
      ++*entries;
    }
  }
  stor_cursor_close(c);
  if (rc == CREDO_NOTFOUND)
    return CREDO_OK;
  return rc == CREDO_CORRUPT ? eng_err(db, rc, "an event record is corrupt")
                             : rc;
}

/* ------------------------------------------------------------- check */

/* Every entry points at its event's latest window. */
static int check_entries(stor_txn *txn, credo_check_fn fn, void *arg,
                         uint64_t *entries) {
  stor_cursor *c = NULL;
  stor_val k, v;
  eng_version ver;
  int rc, stop = 0;
  if ((rc = stor_cursor_open(txn, STOR_SUBJ_PUBLIC, &c)) != CREDO_OK)
    return rc;
  for (rc = stor_cursor_first(c, &k, &v); rc == CREDO_OK && !stop;
       rc = stor_cursor_next(c, &k, &v)) {
    const char *subj = k.data;
    size_t sl = k.len >= 17 ? k.len - 17 : 0;
    uint64_t id;
    credo_time until;
    ++*entries;
    if (k.len < 18 || subj[sl] != '\0' || memchr(subj, 0, sl) || v.len != 8) {
      eng_check_say(fn, arg, &stop, "subj_public: an entry is malformed");
      continue;
    }
    until = stor_dec_i64((const unsigned char *)k.data + sl + 1);
    id = stor_dec_u64((const unsigned char *)k.data + sl + 9);
    if (eng_version_as_of(txn, id, CREDO_TIME_OPEN, &ver) != CREDO_OK)
      eng_check_say(fn, arg, &stop,
                    "subj_public: (\"%s\", event %llu) points to a "
                    "missing event",
                    subj, (unsigned long long)id);
    else if (!has_entry(&ver) || strcmp(ver.subject, subj) != 0 ||
             ver.public_until != until ||
             ver.public_from != (credo_time)eng_get_u64(v.data))
      eng_check_say(fn, arg, &stop,
                    "subj_public: (\"%s\", event %llu) differs from "
                    "the event's latest version",
                    subj, (unsigned long long)id);
  }
  stor_cursor_close(c);
  return rc == CREDO_NOTFOUND || rc == CREDO_OK ? CREDO_OK : rc;
}

int eng_pubidx_check(credo *db, stor_txn *txn, credo_check_fn fn, void *arg,
                     uint64_t *entries) {
  stor_cursor *c = NULL;
  stor_val k, v, pv;
  stor_key pk;
  eng_version ver;
  int rc, stop = 0;
  *entries = 0;
  if ((rc = check_entries(txn, fn, arg, entries)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot check the public index");
  if ((rc = stor_cursor_open(txn, STOR_EVENTS, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot check the public index");
  for (rc = stor_cursor_first(c, &k, &v); rc == CREDO_OK && !stop;
       rc = stor_cursor_next(c, &k, &v)) {
    if (k.len != 8 || eng_version_decode(v, &ver) != CREDO_OK ||
        !has_entry(&ver))
      continue; /* corrupt records are check.c's to report */
    pub_key(&pk, ver.subject, ver.public_until, stor_dec_u64(k.data));
    if (stor_get(txn, STOR_SUBJ_PUBLIC, stor_key_val(&pk), &pv) != CREDO_OK)
      eng_check_say(fn, arg, &stop,
                    "subj_public: missing entry (\"%s\", event %llu)",
                    ver.subject, (unsigned long long)stor_dec_u64(k.data));
  }
  stor_cursor_close(c);
  return rc == CREDO_NOTFOUND || rc == CREDO_OK
             ? CREDO_OK
             : eng_err_stor(db, rc, "cannot check the public index");
}
