/*
 * renames.c -- renames of subjects (企业名称变更, docs/rules.md rule 12):
 * the one function that changes a subject's name, its history, and the
 * name a subject had at an instant.
 *
 * STOR_SUBJ_NAMES key: subject id, 00 | recorded (i64 sign-flipped BE, the
 * rename's transaction time); value: format byte 1, then the name before,
 * the name after, the actor and the reason, each with its 00. The subject
 * record holds the current name; the name at instant t is the "before" of
 * the first rename recorded after t, or the current name when there is
 * none. Nothing is overwritten that the history does not keep.
 *
 * eng_subject_rename is the only writer of a subject's name after its
 * creation; it updates the name index (names.c, eng_name_index) in the
 * same transaction.
 *
 * Does not: create subjects (subjects.c).
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "eng.h"
#include "ids.h"

#define RENAME_FORMAT 1

static void rename_key(stor_key *k, const char *id, credo_time recorded) {
  stor_key_init(k);
  stor_key_str(k, id);
  stor_key_i64(k, recorded);
}

/* Decodes a rename value into its four strings (pointers into it). */
static int rename_decode(stor_val v, const char *s[4]) {
  const char *p = v.data, *end = p + v.len;
  if (v.len < 5 || p[0] != RENAME_FORMAT)
    return CREDO_CORRUPT;
  p++;
  for (int i = 0; i < 4; i++) {
    const char *z = memchr(p, 0, (size_t)(end - p));
    if (!z)
      return CREDO_CORRUPT;
    s[i] = p;
    p = z + 1;
  }
  return p == end ? CREDO_OK : CREDO_CORRUPT;
}

static int put_rename(credo *db, stor_txn *txn, const char *id,
                      credo_time recorded, const char *s[4]) {
  size_t n[4], total = 1;
  unsigned char *buf, *p;
  stor_key k;
  int rc;
  for (int i = 0; i < 4; i++)
    total += (n[i] = strlen(s[i])) + 1;
  if (!(buf = malloc(total)))
    return eng_err(db, CREDO_NOMEM, "out of memory");
  buf[0] = RENAME_FORMAT;
  p = buf + 1;
  for (int i = 0; i < 4; i++) {
    memcpy(p, s[i], n[i] + 1);
    p += n[i] + 1;
  }
  rename_key(&k, id, recorded);
  rc = stor_put(txn, STOR_SUBJ_NAMES, stor_key_val(&k), (stor_val){buf, total});
  free(buf);
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot store a rename");
}

int eng_subject_rename(credo *db, stor_txn *txn, const char *id,
                       const char *name, const char *reason, int *renamed) {
  credo_subject_info cur;
  char *old = NULL;
  unsigned char *buf = NULL;
  size_t len;
  credo_time now;
  stor_key k;
  int rc;
  *renamed = 0;
  if ((rc = eng_subject_get(db, txn, id, &cur)) != CREDO_OK)
    return rc;
  if (strcmp(cur.name, name) == 0)
    return CREDO_OK; /* already so named: nothing to record */
  if (!(old = strdup(cur.name)))
    return eng_err(db, CREDO_NOMEM, "out of memory");
  if ((rc = eng_txn_time(db, txn, &now)) != CREDO_OK ||
      (rc = put_rename(db, txn, id, now,
                       (const char *[4]){old, name, db->actor, reason})))
    goto done;
  if ((rc = eng_subject_encode(cur.kind, name, cur.created, &buf, &len))) {
    rc = eng_err(db, rc, "out of memory");
    goto done;
  }
  stor_key_init(&k);
  stor_key_str(&k, id);
  rc = stor_put(txn, STOR_SUBJECTS, stor_key_val(&k), (stor_val){buf, len});
  if (rc != CREDO_OK) {
    rc = eng_err_stor(db, rc, "cannot store a subject");
    goto done;
  }
  if ((rc = eng_name_index(db, txn, id, old, name)) == CREDO_OK)
    *renamed = 1;
done:
  free(buf);
  free(old);
  return rc;
}

int eng_rename_subject(credo *db, const char *id, const char *name,
                       const char *reason) {
  stor_txn *txn;
  int owned, rc, renamed = 0;
  size_t rl = reason ? strlen(reason) : 0;
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  db->changes = 0;
  if ((rc = eng_require(db, eng_can_write_records(db), "rename subjects")))
    return rc;
  if (!id || !name)
    return eng_err(db, CREDO_INVALID, "subject id and name are required");
  if (strlen(name) > ENG_MAX_SUBJECT_NAME ||
      !eng_utf8_valid(name, strlen(name)) || !*name)
    return eng_err(db, CREDO_INVALID,
                   "subject name must be 1-%d bytes of UTF-8",
                   ENG_MAX_SUBJECT_NAME);
  if (rl == 0 || rl > ENG_MAX_REASON || !eng_utf8_valid(reason, rl))
    return eng_err(db, CREDO_INVALID,
                   "a rename needs a REASON (1-%d bytes of UTF-8)",
                   ENG_MAX_REASON);
  if ((rc = eng_write_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = eng_subject_rename(db, txn, id, name, reason, &renamed);
  rc = eng_write_end(db, txn, owned, rc);
  if (rc == CREDO_OK)
    db->changes = (uint64_t)renamed;
  return rc;
}

int eng_subject_name_at(credo *db, stor_txn *txn, const char *id,
                        const char *current, credo_time t, const char **name) {
  stor_cursor *c = NULL;
  stor_key k, prefix;
  stor_val key, val;
  const char *s[4];
  int rc;
  *name = current;
  if (t == CREDO_TIME_OPEN)
    return CREDO_OK;
  stor_key_init(&prefix);
  stor_key_str(&prefix, id);
  rename_key(&k, id, t == INT64_MAX ? t : t + 1);
  if (prefix.overflow)
    return CREDO_OK;
  if ((rc = stor_cursor_open(txn, STOR_SUBJ_NAMES, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read renames");
  rc = stor_cursor_seek(c, stor_key_val(&k), &key, &val);
  if (rc == CREDO_OK && key.len == prefix.len + 8 &&
      memcmp(key.data, prefix.buf, prefix.len) == 0) {
    if (rename_decode(val, s) != CREDO_OK)
      rc = eng_err(db, CREDO_CORRUPT, "a rename of \"%s\" is corrupt", id);
    else
      *name = s[0]; /* the name before the first later rename */
  } else if (rc == CREDO_NOTFOUND || rc == CREDO_OK)
    rc = CREDO_OK;
  else
    rc = eng_err_stor(db, rc, "cannot read renames");
  stor_cursor_close(c);
  return rc;
}

int eng_subject_renames(credo *db, stor_txn *txn, const char *id,
                        eng_rename_cb cb, void *arg) {
  stor_cursor *c = NULL;
  stor_key prefix;
  stor_val key, val;
  const char *s[4];
  int rc;
  stor_key_init(&prefix);
  stor_key_str(&prefix, id);
  if ((rc = stor_cursor_open(txn, STOR_SUBJ_NAMES, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read renames");
  for (rc = stor_cursor_seek(c, stor_key_val(&prefix), &key, &val);
       rc == CREDO_OK; rc = stor_cursor_next(c, &key, &val)) {
    if (key.len != prefix.len + 8 ||
        memcmp(key.data, prefix.buf, prefix.len) != 0)
      break;
    if (rename_decode(val, s) != CREDO_OK) {
      rc = eng_err(db, CREDO_CORRUPT, "a rename of \"%s\" is corrupt", id);
      break;
    }
    if ((rc =
             cb(arg, stor_dec_i64((const unsigned char *)key.data + prefix.len),
                s[0], s[1], s[2], s[3])) != 0)
      break;
  }
  stor_cursor_close(c);
  return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
}
