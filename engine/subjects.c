/*
 * subjects.c -- subjects (enterprises, persons, others): registration with
 * identifier checks, look-up and ordered walks.
 *
 * A subject is stored once under its id (STOR_SUBJECTS) and never changes:
 * registering the same subject again is a no-op, registering its id with a
 * different kind or name is an error. Ids pass credo_id_check for their
 * kind before anything is written.
 *
 * Does not: list a subject's events (read.c).
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "eng.h"
#include "ids.h"

/* Copies the strings of `s` into the handle's output buffer so that they
 * outlive the transaction; rewrites the pointers. */
static int keep_subject(credo *db, credo_subject_info *s) {
  size_t a = strlen(s->id) + 1, b = strlen(s->name) + 1;
  if (db->out_cap < a + b) {
    char *p = realloc(db->out_buf, a + b);
    if (!p)
      return eng_err(db, CREDO_NOMEM, "out of memory");
    db->out_buf = p;
    db->out_cap = a + b;
  }
  memcpy(db->out_buf, s->id, a);
  memcpy(db->out_buf + a, s->name, b);
  s->id = db->out_buf;
  s->name = db->out_buf + a;
  return CREDO_OK;
}

static int lookup(credo *db, stor_txn *txn, const char *id,
                  credo_subject_info *out) {
  stor_key k;
  stor_val v;
  int rc;
  stor_key_init(&k);
  stor_key_str(&k, id);
  if (k.overflow)
    return eng_err(db, CREDO_NOTFOUND, "unknown subject \"%.64s...\"", id);
  rc = stor_get(txn, STOR_SUBJECTS, stor_key_val(&k), &v);
  if (rc == CREDO_NOTFOUND)
    return eng_err(db, rc, "unknown subject \"%s\"", id);
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read a subject");
  rc = eng_subject_decode(stor_key_val(&k), v, out);
  if (rc != CREDO_OK)
    return eng_err(db, rc, "subject \"%s\" has a corrupt record", id);
  out->id = id;
  return CREDO_OK;
}

int eng_subject_get(credo *db, stor_txn *txn, const char *id,
                    credo_subject_info *out) {
  return lookup(db, txn, id, out);
}

int eng_subject_exists(credo *db, stor_txn *txn, const char *id) {
  credo_subject_info s;
  return lookup(db, txn, id, &s);
}

static int create_in(credo *db, stor_txn *txn, const char *id, credo_kind kind,
                     const char *name) {
  credo_subject_info old;
  unsigned char *buf = NULL;
  size_t len;
  credo_time now;
  stor_key k;
  int rc = lookup(db, txn, id, &old);

  if (rc == CREDO_OK) {
    if (old.kind == kind && strcmp(old.name, name) == 0)
      return CREDO_OK;
    return eng_err(db, CREDO_EXISTS,
                   "subject \"%s\" already exists as %s \"%s\"", id,
                   credo_kind_name(old.kind), old.name);
  }
  if (rc != CREDO_NOTFOUND)
    return rc;
  eng_err_clear(db);
  if ((rc = eng_txn_time(db, txn, &now)) != CREDO_OK)
    return rc;
  if ((rc = eng_subject_encode(kind, name, now, &buf, &len)) != CREDO_OK)
    return eng_err(db, rc, "out of memory");
  stor_key_init(&k);
  stor_key_str(&k, id);
  rc = stor_put(txn, STOR_SUBJECTS, stor_key_val(&k), (stor_val){buf, len});
  free(buf);
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot store a subject");
  if ((rc = eng_name_index(db, txn, id, NULL, name)) != CREDO_OK)
    return rc;
  db->changes = 1;
  return CREDO_OK;
}

int eng_create_subject(credo *db, const char *id, credo_kind kind,
                       const char *name) {
  char why[256];
  stor_txn *txn;
  int owned, rc;

  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  db->changes = 0;
  if ((rc = eng_require(db, eng_can_write_records(db), "create subjects")))
    return rc;
  if (!id)
    return eng_err(db, CREDO_INVALID, "subject id is required");
  if (!credo_kind_name(kind))
    return eng_err(db, CREDO_INVALID,
                   "subject kind must be org, person or "
                   "other");
  if (credo_id_check(kind, id, why, sizeof why) != CREDO_OK)
    return eng_err(db, CREDO_BADID, "invalid %s id \"%s\": %s",
                   credo_kind_name(kind), id, why);
  if (!name)
    name = "";
  if (strlen(name) > ENG_MAX_SUBJECT_NAME ||
      !eng_utf8_valid(name, strlen(name)))
    return eng_err(db, CREDO_INVALID,
                   "subject name must be at most %d bytes of UTF-8",
                   ENG_MAX_SUBJECT_NAME);
  if ((rc = eng_write_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = create_in(db, txn, id, kind, name);
  return eng_write_end(db, txn, owned, rc);
}

int eng_get_subject(credo *db, const char *id, credo_subject_info *out) {
  stor_txn *txn;
  int owned, rc;
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (!id || !out)
    return eng_err(db, CREDO_INVALID, "id and out are required");
  if ((rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = lookup(db, txn, id, out);
  if (rc == CREDO_OK)
    rc = keep_subject(db, out);
  if (rc == CREDO_OK && db->role == CREDO_ROLE_PUBLIC &&
      out->kind == CREDO_KIND_PERSON) {
    /* rule 7: the public role sees a person's id masked */
    eng_mask_person(out->id, db->masked, sizeof db->masked);
    out->id = db->masked;
  }
  eng_read_end(txn, owned);
  /* the public role sees a person's id masked, as in every read */
  if (rc == CREDO_OK && db->role == CREDO_ROLE_PUBLIC &&
      out->kind == CREDO_KIND_PERSON) {
    eng_mask_person(out->id, db->masked, sizeof db->masked);
    out->id = db->masked;
  }
  return rc;
}

int eng_subjects_walk(credo *db, stor_txn *txn, const char *from_id,
                      eng_subject_cb cb, void *arg) {
  stor_cursor *c = NULL;
  stor_key k;
  stor_val key, val;
  credo_subject_info s;
  int rc;

  if ((rc = stor_cursor_open(txn, STOR_SUBJECTS, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot walk subjects");
  stor_key_init(&k);
  stor_key_str(&k, from_id ? from_id : "");
  for (rc = stor_cursor_seek(c, stor_key_val(&k), &key, &val); rc == CREDO_OK;
       rc = stor_cursor_next(c, &key, &val)) {
    if ((rc = eng_subject_decode(key, val, &s)) != CREDO_OK) {
      eng_err(db, rc, "a subject record is corrupt");
      break;
    }
    if ((rc = cb(&s, arg)) != 0)
      break;
  }
  stor_cursor_close(c);
  return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
}
