/*
 * erase.c -- ERASE EVENT and ERASE SUBJECT: removing the content of
 * records for personal-information law, and the erasure ledger.
 *
 * Owns: deleting every version of an event and every index entry that
 * names it (events, versions, subj_events, type_events, until_events,
 * source_ref, subj_public), deleting a subject with its name index and
 * name history, and writing what stays: a tombstone per event
 * (STOR_ERASURES: cause, time, actor, reason) and a keyed hash of each
 * erased (source, ref, subject) and subject (STOR_ERASED_KEYS), so that a
 * resend is refused without keeping the key itself. Layouts: erase.h.
 *
 * Invariants: an erasure is one write transaction (all of an event or
 * subject goes, or nothing); after it no table holds a byte of the
 * event's content (free pages still may, until credo_vacuum); event ids
 * stay unused forever (META next_event is not touched). The erasure's time
 * is the transaction time, so it orders with every version.
 *
 * Does not: pick what is due (retain.c), copy a ledger between stores
 * (ledger.c), or rewrite the file (storage/vacuum.c).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "erase.h"
#include "ids.h"
#include "proj.h"

static const char KEY_ERASE_SALT[] = "erase_salt";

const char *credo_erase_cause_name(int cause) {
  static const char *const names[] = {NULL, "event", "subject", "retention"};
  return cause >= CREDO_ERASE_EVENT && cause <= CREDO_ERASE_RETENTION
             ? names[cause]
             : NULL;
}

/* ------------------------------------------------------------ codecs */

int eng_tomb_encode(const eng_tomb *t, size_t prefix, unsigned char **buf,
                    size_t *len) {
  size_t a = strlen(t->actor), r = strlen(t->reason);
  unsigned char *p;
  if (a > UINT16_MAX || r > UINT16_MAX)
    return CREDO_INVALID;
  *len = prefix + ENG_TOMB_FIXED + a + 1 + r + 1;
  if (!(p = calloc(1, *len)))
    return CREDO_NOMEM;
  *buf = p;
  p += prefix;
  p[ENG_TOMB_FORMAT] = ENG_RECORD_FORMAT;
  p[ENG_TOMB_CAUSE] = (unsigned char)t->cause;
  eng_put_u64(p + ENG_TOMB_ERASED, (uint64_t)t->erased);
  eng_put_u16(p + ENG_TOMB_ACTOR_LEN, (uint16_t)a);
  eng_put_u16(p + ENG_TOMB_REASON_LEN, (uint16_t)r);
  memcpy(p + ENG_TOMB_FIXED, t->actor, a + 1);
  memcpy(p + ENG_TOMB_FIXED + a + 1, t->reason, r + 1);
  return CREDO_OK;
}

int eng_tomb_decode(stor_val v, eng_tomb *t) {
  const unsigned char *p = v.data;
  size_t a, r;
  if (v.len < ENG_TOMB_FIXED + 2 || p[ENG_TOMB_FORMAT] != ENG_RECORD_FORMAT ||
      !credo_erase_cause_name(p[ENG_TOMB_CAUSE]))
    return CREDO_CORRUPT;
  a = eng_get_u16(p + ENG_TOMB_ACTOR_LEN);
  r = eng_get_u16(p + ENG_TOMB_REASON_LEN);
  if (v.len != ENG_TOMB_FIXED + a + 1 + r + 1 || p[ENG_TOMB_FIXED + a] ||
      p[v.len - 1])
    return CREDO_CORRUPT;
  t->cause = p[ENG_TOMB_CAUSE];
  t->erased = (credo_time)eng_get_u64(p + ENG_TOMB_ERASED);
  t->actor = (const char *)p + ENG_TOMB_FIXED;
  t->reason = (const char *)p + ENG_TOMB_FIXED + a + 1;
  return CREDO_OK;
}

/* ------------------------------------------------------- keyed hashes */

int eng_erase_salt(credo *db, stor_txn *txn, int create,
                   unsigned char salt[ENG_ERASE_SALT_LEN], int *have) {
  stor_val k = {KEY_ERASE_SALT, sizeof KEY_ERASE_SALT - 1}, v;
  int rc = stor_get(txn, STOR_META, k, &v);
  *have = 0;
  if (rc == CREDO_OK && v.len == ENG_ERASE_SALT_LEN) {
    memcpy(salt, v.data, ENG_ERASE_SALT_LEN);
    *have = 1;
    return CREDO_OK;
  }
  if (rc == CREDO_OK)
    return eng_err(db, CREDO_CORRUPT, "META erase_salt is not %d bytes",
                   ENG_ERASE_SALT_LEN);
  if (rc != CREDO_NOTFOUND)
    return eng_err_stor(db, rc, "cannot read META erase_salt");
  if (!create)
    return CREDO_OK;
  if (sodium_init() < 0)
    return eng_err(db, CREDO_ERROR, "libsodium failed to initialise");
  randombytes_buf(salt, ENG_ERASE_SALT_LEN);
  rc = stor_put(txn, STOR_META, k, (stor_val){salt, ENG_ERASE_SALT_LEN});
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot write META erase_salt");
  *have = 1;
  return CREDO_OK;
}

void eng_erased_key(const unsigned char salt[ENG_ERASE_SALT_LEN], int kind,
                    const char *a, const char *b, const char *c,
                    unsigned char out[ENG_ERASED_KEY_LEN]) {
  crypto_generichash_state st;
  unsigned char k = (unsigned char)kind;
  const char *f[3] = {a, b, c};
  crypto_generichash_init(&st, salt, ENG_ERASE_SALT_LEN, ENG_ERASE_HASH_LEN);
  crypto_generichash_update(&st, &k, 1);
  for (int i = 0; i < 3; i++)
    if (f[i]) /* each field with its NUL: the fields are prefix-free */
      crypto_generichash_update(&st, (const unsigned char *)f[i],
                                strlen(f[i]) + 1);
  crypto_generichash_final(&st, out + 1, ENG_ERASE_HASH_LEN);
  out[0] = k;
}

/* The erased key of an event: its idempotency key (source, ref with the
 * year brackets normalised as srcref.c does, subject). */
static void event_key(const unsigned char salt[ENG_ERASE_SALT_LEN],
                      const eng_version *v,
                      unsigned char out[ENG_ERASED_KEY_LEN]) {
  char norm[ENG_MAX_REF * 2 + 1];
  if (eng_ref_norm(v->ref, norm, sizeof norm) != CREDO_OK)
    snprintf(norm, sizeof norm, "%s", v->ref);
  eng_erased_key(salt, ENG_ERASED_EVENT_KEY, v->source, norm, v->subject, out);
}

/* Writes erased_keys[key] = id | tombstone. */
static int put_erased_key(credo *db, stor_txn *txn,
                          const unsigned char key[ENG_ERASED_KEY_LEN],
                          uint64_t id, const eng_tomb *t) {
  unsigned char *buf;
  stor_key ik;
  size_t len;
  int rc = eng_tomb_encode(t, ENG_ERASED_VAL_ID, &buf, &len);
  if (rc != CREDO_OK)
    return eng_err(db, rc, "cannot encode a tombstone");
  stor_key_init(&ik);
  stor_key_u64(&ik, id);
  memcpy(buf, ik.buf, ENG_ERASED_VAL_ID);
  rc = stor_put(txn, STOR_ERASED_KEYS, (stor_val){key, ENG_ERASED_KEY_LEN},
                (stor_val){buf, len});
  free(buf);
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot write the ledger");
}

/* ------------------------------------------------------ erasing events */

/* What one stored version contributes to the indexes. */
typedef struct ver_ref {
  unsigned char key[20]; /* its STOR_VERSIONS key */
  uint32_t type_id;
  credo_time until;
} ver_ref;

/* Deletes an index key; an absent one is fine (index supersets). */
static int del_key(credo *db, stor_txn *txn, int table, const stor_key *k) {
  int rc = stor_del(txn, table, stor_key_val(k));
  if (rc == CREDO_OK || rc == CREDO_NOTFOUND)
    return CREDO_OK;
  return eng_err_stor(db, rc, "cannot delete an index entry");
}

static int del_type_until(credo *db, stor_txn *txn, uint64_t id, uint32_t type,
                          credo_time until) {
  stor_key k;
  int rc;
  stor_key_init(&k);
  stor_key_u32(&k, type);
  stor_key_u64(&k, id);
  if ((rc = del_key(db, txn, STOR_TYPE_EVENTS, &k)) != CREDO_OK)
    return rc;
  stor_key_init(&k);
  stor_key_i64(&k, until);
  stor_key_u64(&k, id);
  return del_key(db, txn, STOR_UNTIL_EVENTS, &k);
}

/* The older versions of `id`: their keys, types and ends, malloc'ed. */
static int older_versions(credo *db, stor_txn *txn, uint64_t id, ver_ref **out,
                          size_t *n) {
  stor_cursor *c = NULL;
  stor_key k;
  stor_val key, val;
  eng_version v;
  size_t cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  stor_key_init(&k);
  stor_key_u64(&k, id);
  if ((rc = stor_cursor_open(txn, STOR_VERSIONS, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read versions");
  for (rc = stor_cursor_seek(c, stor_key_val(&k), &key, &val);
       rc == CREDO_OK && key.len == 20 && stor_dec_u64(key.data) == id;
       rc = stor_cursor_next(c, &key, &val)) {
    if (eng_version_decode(val, &v) != CREDO_OK) {
      rc = eng_err(db, CREDO_CORRUPT, "event %llu has a corrupt version",
                   (unsigned long long)id);
      break;
    }
    if (*n == cap) {
      ver_ref *p = realloc(*out, (cap = cap ? cap * 2 : 8) * sizeof *p);
      if (!p) {
        rc = eng_err(db, CREDO_NOMEM, "out of memory");
        break;
      }
      *out = p;
    }
    memcpy((*out)[*n].key, key.data, 20);
    (*out)[*n].type_id = v.type_id;
    (*out)[(*n)++].until = v.public_until;
  }
  stor_cursor_close(c);
  return rc == CREDO_NOTFOUND || rc == CREDO_OK ? CREDO_OK : rc;
}

static int drop_older(credo *db, stor_txn *txn, uint64_t id) {
  ver_ref *vs;
  size_t n;
  int rc = older_versions(db, txn, id, &vs, &n);
  for (size_t i = 0; i < n && rc == CREDO_OK; i++) {
    rc = stor_del(txn, STOR_VERSIONS, (stor_val){vs[i].key, 20});
    if (rc != CREDO_OK)
      rc = eng_err_stor(db, rc, "cannot delete a version");
    else
      rc = del_type_until(db, txn, id, vs[i].type_id, vs[i].until);
  }
  free(vs);
  return rc;
}

/* Deletes the latest version and the entries only it has. */
static int drop_latest(credo *db, stor_txn *txn, uint64_t id,
                       const eng_version *v) {
  stor_key k;
  int rc;
  if ((rc = del_type_until(db, txn, id, v->type_id, v->public_until)) ||
      (rc = eng_pubidx_update(db, txn, id, v, NULL)))
    return rc;
  stor_key_init(&k);
  stor_key_str(&k, v->subject);
  stor_key_u64(&k, id);
  if ((rc = del_key(db, txn, STOR_SUBJ_EVENTS, &k)) != CREDO_OK)
    return rc;
  eng_srcref_prefix(&k, v->source, v->ref, v->subject);
  stor_key_u64(&k, id);
  if ((rc = del_key(db, txn, STOR_SOURCE_REF, &k)) != CREDO_OK)
    return rc;
  stor_key_init(&k);
  stor_key_u64(&k, id);
  rc = stor_del(txn, STOR_EVENTS, stor_key_val(&k));
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot delete an event");
  return eng_proj_del(db, txn, id, v->subject);
}

static int put_tomb(credo *db, stor_txn *txn, uint64_t id, const eng_tomb *t) {
  unsigned char *buf;
  stor_key k;
  size_t len;
  int rc = eng_tomb_encode(t, 0, &buf, &len);
  if (rc != CREDO_OK)
    return eng_err(db, rc, "cannot encode a tombstone");
  stor_key_init(&k);
  stor_key_u64(&k, id);
  rc = stor_put(txn, STOR_ERASURES, stor_key_val(&k), (stor_val){buf, len});
  free(buf);
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot write a tombstone");
}

int eng_erase_one(credo *db, stor_txn *txn, uint64_t id, const eng_tomb *t) {
  unsigned char salt[ENG_ERASE_SALT_LEN], key[ENG_ERASED_KEY_LEN];
  eng_version v;
  stor_val val;
  int rc, have;
  rc = stor_get_u64(txn, STOR_EVENTS, id, &val);
  if (rc != CREDO_OK)
    return rc == CREDO_NOTFOUND ? rc
                                : eng_err_stor(db, rc, "cannot read an event");
  if ((rc = eng_load_latest(db, txn, id, &v)) != CREDO_OK ||
      (rc = eng_erase_salt(db, txn, 1, salt, &have)) != CREDO_OK)
    return rc;
  /* the key's hash is taken before the content goes (v points into the
   * handle's scratch copy, which the deletes below do not touch) */
  event_key(salt, &v, key);
  if ((rc = drop_older(db, txn, id)) || (rc = drop_latest(db, txn, id, &v)) ||
      (rc = put_tomb(db, txn, id, t)) ||
      (rc = put_erased_key(db, txn, key, id, t)))
    return rc;
  db->changes++;
  return CREDO_OK;
}

/* ----------------------------------------------------- erasing subjects */

/* The ids of the subject's events (subj_events range), malloc'ed. */
static int subject_event_ids(credo *db, stor_txn *txn, const char *subject,
                             uint64_t **ids, size_t *n) {
  stor_cursor *c = NULL;
  stor_key k;
  stor_val key;
  size_t cap = 0;
  int rc;
  *ids = NULL;
  *n = 0;
  stor_key_init(&k);
  stor_key_str(&k, subject);
  if ((rc = stor_cursor_open(txn, STOR_SUBJ_EVENTS, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read subj_events");
  for (rc = stor_cursor_seek(c, stor_key_val(&k), &key, NULL);
       rc == CREDO_OK && key.len == k.len + 8 &&
       memcmp(key.data, k.buf, k.len) == 0;
       rc = stor_cursor_next(c, &key, NULL)) {
    if (*n == cap) {
      uint64_t *p = realloc(*ids, (cap = cap ? cap * 2 : 16) * sizeof *p);
      if (!p) {
        rc = eng_err(db, CREDO_NOMEM, "out of memory");
        break;
      }
      *ids = p;
    }
    (*ids)[(*n)++] = stor_dec_u64((const unsigned char *)key.data + k.len);
  }
  stor_cursor_close(c);
  return rc == CREDO_NOTFOUND || rc == CREDO_OK ? CREDO_OK : rc;
}

/* Deletes every key of `table` that starts with `prefix`. */
static int del_prefix(credo *db, stor_txn *txn, int table,
                      const stor_key *prefix) {
  stor_cursor *c = NULL;
  stor_val key;
  unsigned char kb[STOR_KEY_MAX];
  int rc;
  if ((rc = stor_cursor_open(txn, table, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot open a cursor");
  while ((rc = stor_cursor_seek(c, stor_key_val(prefix), &key, NULL)) ==
             CREDO_OK &&
         key.len >= prefix->len &&
         memcmp(key.data, prefix->buf, prefix->len) == 0) {
    size_t n = key.len;
    memcpy(kb, key.data, n);
    if ((rc = stor_del(txn, table, (stor_val){kb, n})) != CREDO_OK)
      break;
  }
  stor_cursor_close(c);
  if (rc == CREDO_OK || rc == CREDO_NOTFOUND)
    return CREDO_OK;
  return eng_err_stor(db, rc, "cannot delete entries");
}

/* The subject record, its name grams and name history. */
static int drop_subject(credo *db, stor_txn *txn, const char *id) {
  credo_subject_info s;
  stor_key k;
  char *name;
  int rc;
  if ((rc = eng_subject_get(db, txn, id, &s)) != CREDO_OK)
    return rc;
  if (!(name = strdup(s.name)))
    return eng_err(db, CREDO_NOMEM, "out of memory");
  rc = eng_name_index(db, txn, id, name, NULL);
  free(name);
  stor_key_init(&k);
  stor_key_str(&k, id);
  if (rc || (rc = del_prefix(db, txn, STOR_SUBJ_NAMES, &k)) ||
      (rc = del_prefix(db, txn, STOR_SUBJ_PUBLIC, &k)))
    return rc;
  rc = stor_del(txn, STOR_SUBJECTS, stor_key_val(&k));
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot delete a subject");
}

int eng_erase_subject_in(credo *db, stor_txn *txn, const char *id,
                         const eng_tomb *t, uint64_t *n) {
  unsigned char salt[ENG_ERASE_SALT_LEN], key[ENG_ERASED_KEY_LEN];
  uint64_t *ids;
  size_t nids;
  int rc, have;
  *n = 0;
  if ((rc = eng_subject_exists(db, txn, id)) != CREDO_OK ||
      (rc = subject_event_ids(db, txn, id, &ids, &nids)) != CREDO_OK)
    return rc;
  for (size_t i = 0; i < nids && rc == CREDO_OK; i++) {
    rc = eng_erase_one(db, txn, ids[i], t);
    if (rc == CREDO_OK)
      ++*n;
    else if (rc == CREDO_NOTFOUND)
      rc = eng_err(db, CREDO_CORRUPT,
                   "subj_events names event %llu, which "
                   "does not exist",
                   (unsigned long long)ids[i]);
  }
  free(ids);
  if (rc || (rc = drop_subject(db, txn, id)) ||
      (rc = eng_erase_salt(db, txn, 1, salt, &have)))
    return rc;
  eng_erased_key(salt, ENG_ERASED_SUBJECT_KEY, id, NULL, NULL, key);
  if ((rc = put_erased_key(db, txn, key, 0, t)) == CREDO_OK)
    db->changes++;
  return rc;
}

/* ------------------------------------------------------------ checks */

int eng_tomb_get(credo *db, stor_txn *txn, uint64_t id, eng_tomb *t) {
  stor_val v;
  int rc;
  rc = stor_get_u64(txn, STOR_ERASURES, id, &v);
  if (rc == CREDO_NOTFOUND)
    return rc;
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the erasures");
  if (eng_tomb_decode(v, t) != CREDO_OK)
    return eng_err(db, CREDO_CORRUPT, "event %llu has a corrupt tombstone",
                   (unsigned long long)id);
  return CREDO_OK;
}

int eng_erased_check(credo *db, stor_txn *txn, uint64_t id,
                     const eng_version *v) {
  unsigned char salt[ENG_ERASE_SALT_LEN], key[ENG_ERASED_KEY_LEN];
  char when[48];
  stor_val val;
  eng_tomb t;
  int rc, have;
  if ((rc = eng_tomb_get(db, txn, id, &t)) == CREDO_OK)
    return eng_err(db, CREDO_REFUSED, "event %llu was erased on %s (%s)",
                   (unsigned long long)id,
                   eng_fmt_time(db, t.erased, when, sizeof when), t.reason);
  if (rc != CREDO_NOTFOUND)
    return rc;
  if ((rc = eng_erase_salt(db, txn, 0, salt, &have)) != CREDO_OK || !have)
    return rc;
  event_key(salt, v, key);
  rc = stor_get(txn, STOR_ERASED_KEYS, (stor_val){key, sizeof key}, &val);
  if (rc == CREDO_NOTFOUND)
    return CREDO_OK;
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the ledger");
  if (val.len < ENG_ERASED_VAL_ID ||
      eng_tomb_decode(
          (stor_val){(const unsigned char *)val.data + ENG_ERASED_VAL_ID,
                     val.len - ENG_ERASED_VAL_ID},
          &t) != CREDO_OK)
    return eng_err(db, CREDO_CORRUPT, "corrupt erased_keys entry");
  /* the message does not repeat the key: it ends up in logs */
  return eng_err(db, CREDO_REFUSED,
                 "this (source, ref, subject) was erased on %s (%s); a new "
                 "record needs a new ref",
                 eng_fmt_time(db, t.erased, when, sizeof when), t.reason);
}

int eng_erased_notfound(credo *db, stor_txn *txn, uint64_t id) {
  char when[48];
  eng_tomb t;
  int rc = eng_tomb_get(db, txn, id, &t);
  if (rc == CREDO_OK)
    return eng_err(db, CREDO_NOTFOUND, "event %llu was erased on %s (%s)",
                   (unsigned long long)id,
                   eng_fmt_time(db, t.erased, when, sizeof when), t.reason);
  if (rc != CREDO_NOTFOUND)
    return rc;
  return eng_err(db, CREDO_NOTFOUND, "event %llu not found",
                 (unsigned long long)id);
}

/* ------------------------------------------------------------ the API */

static int erase_entry(credo *db, const char *reason) {
  size_t n = reason ? strlen(reason) : 0;
  int rc;
  eng_err_clear(db);
  db->changes = 0;
  if ((rc = eng_require(db, db->role == CREDO_ROLE_ADMIN, "erase records")))
    return rc;
  if (n == 0)
    return eng_err(db, CREDO_INVALID, "an erasure needs a REASON");
  if (n > ENG_MAX_REASON || !eng_utf8_valid(reason, n))
    return eng_err(db, CREDO_INVALID, "the reason must be 1-%d bytes of UTF-8",
                   ENG_MAX_REASON);
  return CREDO_OK;
}

static int tomb_now(credo *db, stor_txn *txn, int cause, const char *reason,
                    eng_tomb *t) {
  t->cause = cause;
  t->actor = db->actor;
  t->reason = reason;
  return eng_txn_time(db, txn, &t->erased);
}

int eng_erase_event(credo *db, uint64_t id, const char *reason) {
  stor_txn *txn;
  eng_tomb t;
  int owned, rc;
  if (!db)
    return CREDO_MISUSE;
  if ((rc = erase_entry(db, reason)) != CREDO_OK)
    return rc;
  if ((rc = eng_write_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  if ((rc = tomb_now(db, txn, CREDO_ERASE_EVENT, reason, &t)) == CREDO_OK &&
      (rc = eng_erase_one(db, txn, id, &t)) == CREDO_NOTFOUND)
    rc = eng_erased_notfound(db, txn, id);
  return eng_write_end(db, txn, owned, rc);
}

int eng_erase_subject(credo *db, const char *subject, const char *reason,
                      uint64_t *events) {
  stor_txn *txn;
  eng_tomb t;
  uint64_t n = 0;
  int owned, rc;
  if (!db)
    return CREDO_MISUSE;
  if ((rc = erase_entry(db, reason)) != CREDO_OK)
    return rc;
  if (!subject || !*subject || strlen(subject) > ENG_MAX_SUBJECT_ID)
    return eng_err(db, CREDO_INVALID, "a subject id is required");
  if ((rc = eng_write_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  if ((rc = tomb_now(db, txn, CREDO_ERASE_SUBJECT, reason, &t)) == CREDO_OK)
    rc = eng_erase_subject_in(db, txn, subject, &t, &n);
  rc = eng_write_end(db, txn, owned, rc);
  if (rc == CREDO_OK && events)
    *events = n;
  return rc;
}

/* Calls cb for each entry of `table` whose value holds a tombstone after
 * `skip` bytes (the erased_keys' id), only subject entries of erased_keys. */
static int walk_ledger(credo *db, stor_txn *txn, int table, credo_erasure_cb cb,
                       void *arg) {
  stor_cursor *c = NULL;
  stor_val key, val;
  credo_erasure e;
  eng_tomb t;
  int rc, keys = table == STOR_ERASED_KEYS;
  if ((rc = stor_cursor_open(txn, table, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the erasures");
  for (rc = stor_cursor_first(c, &key, &val); rc == CREDO_OK;
       rc = stor_cursor_next(c, &key, &val)) {
    size_t skip = keys ? ENG_ERASED_VAL_ID : 0;
    if (keys && ((const unsigned char *)key.data)[0] != ENG_ERASED_SUBJECT_KEY)
      continue;
    if ((!keys && key.len != 8) || val.len < skip ||
        eng_tomb_decode(
            (stor_val){(const unsigned char *)val.data + skip, val.len - skip},
            &t) != CREDO_OK) {
      rc = eng_err(db, CREDO_CORRUPT, "corrupt entry in %s",
                   stor_table_name(table));
      break;
    }
    e.event = keys ? 0 : stor_dec_u64(key.data);
    e.cause = t.cause;
    e.erased = t.erased;
    e.actor = t.actor;
    e.reason = t.reason;
    if ((rc = eng_run_check(db)) != CREDO_OK || (rc = cb(&e, arg)) != 0)
      break;
  }
  stor_cursor_close(c);
  return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
}

int eng_list_erasures(credo *db, credo_erasure_cb cb, void *arg) {
  stor_txn *txn;
  int owned, rc;
  if ((rc = eng_call_begin(db, cb != NULL, "callback is required",
                           "list erasures")))
    return rc;
  if ((rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  if ((rc = walk_ledger(db, txn, STOR_ERASURES, cb, arg)) == CREDO_OK)
    rc = walk_ledger(db, txn, STOR_ERASED_KEYS, cb, arg);
  eng_read_end(txn, owned);
  return rc;
}
