/*
 * users.c -- users of the store and credo_authenticate.
 *
 * Owns STOR_USERS: key = user name + NUL; value = format byte 1, role byte,
 * created (i64 little-endian), then the crypto_pwhash_str hash string with
 * its NUL. Names are identifiers of 1-64 bytes ([A-Za-z_][A-Za-z0-9_.-]*).
 *
 * Invariants: only admin handles read or change users; a password is
 * copied nowhere but into libsodium; messages never contain it, and an
 * unknown user and a wrong password give the same error (after the same
 * amount of hashing work, so that timing does not tell them apart).
 *
 * Does not: manage sessions (the server does, with credo_authenticate).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "users.h"

#define USER_HDR 10 /* format, role, created */

/* A hash of a password nobody knows, verified against when the user does
 * not exist so that both failures cost the same. */
static const char DUMMY_HASH[crypto_pwhash_STRBYTES] =
    "$argon2id$v=19$m=65536,t=2,p=1$hPKhJvr8Xf3Je/OQ9RsYJg$"
    "zXWhT8LRN2MhJ/xcgg9/ZG/fhaZddvYpzsf5lu/Cc40";

static int crypto_ready(credo *db) {
  if (sodium_init() < 0)
    return eng_err(db, CREDO_ERROR, "libsodium failed to initialise");
  return CREDO_OK;
}

static int valid_name(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > ENG_MAX_USER)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
             (i > 0 && ((c >= '0' && c <= '9') || c == '.' || c == '-'));
    if (!ok)
      return 0;
  }
  return 1;
}

static int check_args(credo *db, const char *name, const char *what) {
  int rc = eng_require(db, db->role == CREDO_ROLE_ADMIN, what);
  if (rc != CREDO_OK)
    return rc;
  if (!valid_name(name))
    return eng_err(db, CREDO_INVALID,
                   "user name must be 1-%d characters [A-Za-z_][A-Za-z0-9_.-]*",
                   ENG_MAX_USER);
  return crypto_ready(db);
}

static int hash_password(credo *db, const char *pw,
                         char out[crypto_pwhash_STRBYTES]) {
  if (!pw || !*pw)
    return eng_err(db, CREDO_INVALID, "a password must not be empty");
  if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return eng_err(db, CREDO_NOMEM, "out of memory hashing a password");
  return CREDO_OK;
}

/* Writes the user record; `created` is the transaction time when 0. */
static int put_user(credo *db, stor_txn *txn, const char *name, credo_role role,
                    credo_time created, const char *hash) {
  unsigned char buf[USER_HDR + crypto_pwhash_STRBYTES];
  size_t hl = strlen(hash);
  stor_key k;
  int rc;
  if (!created && (rc = eng_txn_time(db, txn, &created)) != CREDO_OK)
    return rc;
  buf[0] = ENG_RECORD_FORMAT;
  buf[1] = (unsigned char)role;
  eng_put_u64(buf + 2, (uint64_t)created);
  memcpy(buf + USER_HDR, hash, hl + 1);
  stor_key_init(&k);
  stor_key_str(&k, name);
  rc = stor_put(txn, STOR_USERS, stor_key_val(&k),
                (stor_val){buf, USER_HDR + hl + 1});
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot store a user");
}

typedef struct user_rec {
  credo_role role;
  credo_time created;
  const char *hash; /* into the stored value */
} user_rec;

static int decode_user(stor_val v, user_rec *u) {
  const unsigned char *p = v.data;
  if (v.len < USER_HDR + 2 || p[0] != ENG_RECORD_FORMAT ||
      p[1] > CREDO_ROLE_ADMIN || p[v.len - 1] != '\0')
    return CREDO_CORRUPT;
  u->role = (credo_role)p[1];
  u->created = (credo_time)eng_get_u64(p + 2);
  u->hash = (const char *)p + USER_HDR;
  return CREDO_OK;
}

static int get_user(credo *db, stor_txn *txn, const char *name, user_rec *u) {
  stor_key k;
  stor_val v;
  int rc;
  stor_key_init(&k);
  stor_key_str(&k, name);
  rc = stor_get(txn, STOR_USERS, stor_key_val(&k), &v);
  if (rc == CREDO_NOTFOUND)
    return rc;
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read a user");
  if (decode_user(v, u) != CREDO_OK)
    return eng_err(db, CREDO_CORRUPT, "user \"%s\" has a corrupt record", name);
  return CREDO_OK;
}

int eng_user_create(credo *db, const char *name, credo_role role,
                    const char *password) {
  char hash[crypto_pwhash_STRBYTES];
  stor_txn *txn;
  user_rec u;
  int owned, rc;
  if ((rc = check_args(db, name, "create users")) != CREDO_OK)
    return rc;
  if (!credo_role_name(role))
    return eng_err(db, CREDO_INVALID, "unknown role %d", (int)role);
  if ((rc = hash_password(db, password, hash)) != CREDO_OK)
    return rc;
  if ((rc = eng_write_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = get_user(db, txn, name, &u);
  if (rc == CREDO_OK)
    rc = eng_err(db, CREDO_EXISTS, "user \"%s\" already exists", name);
  else if (rc == CREDO_NOTFOUND)
    rc = put_user(db, txn, name, role, 0, hash);
  sodium_memzero(hash, sizeof hash);
  rc = eng_write_end(db, txn, owned, rc);
  if (rc == CREDO_OK)
    db->changes = 1;
  return rc;
}

int eng_user_alter(credo *db, const char *name, int set_role, credo_role role,
                   const char *password) {
  char hash[crypto_pwhash_STRBYTES], old[crypto_pwhash_STRBYTES];
  stor_txn *txn;
  user_rec u;
  int owned, rc;
  if ((rc = check_args(db, name, "change users")) != CREDO_OK)
    return rc;
  if (set_role && !credo_role_name(role))
    return eng_err(db, CREDO_INVALID, "unknown role %d", (int)role);
  if (password && (rc = hash_password(db, password, hash)) != CREDO_OK)
    return rc;
  if ((rc = eng_write_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = get_user(db, txn, name, &u);
  if (rc == CREDO_NOTFOUND)
    rc = eng_err(db, rc, "user \"%s\" does not exist", name);
  if (rc == CREDO_OK && strlen(u.hash) >= sizeof old)
    rc = eng_err(db, CREDO_CORRUPT, "user \"%s\" has a corrupt record", name);
  if (rc == CREDO_OK) {
    memcpy(old, u.hash, strlen(u.hash) + 1); /* put_user overwrites u */
    rc = put_user(db, txn, name, set_role ? role : u.role, u.created,
                  password ? hash : old);
  }
  sodium_memzero(hash, sizeof hash);
  rc = eng_write_end(db, txn, owned, rc);
  if (rc == CREDO_OK)
    db->changes = 1;
  return rc;
}

int eng_user_drop(credo *db, const char *name) {
  stor_txn *txn;
  stor_key k;
  int owned, rc;
  if ((rc = check_args(db, name, "drop users")) != CREDO_OK)
    return rc;
  if ((rc = eng_write_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  stor_key_init(&k);
  stor_key_str(&k, name);
  rc = stor_del(txn, STOR_USERS, stor_key_val(&k));
  if (rc == CREDO_NOTFOUND)
    rc = eng_err(db, rc, "user \"%s\" does not exist", name);
  else if (rc != CREDO_OK)
    rc = eng_err_stor(db, rc, "cannot drop a user");
  rc = eng_write_end(db, txn, owned, rc);
  if (rc == CREDO_OK)
    db->changes = 1;
  return rc;
}

int eng_users_list(credo *db, eng_user_cb cb, void *arg) {
  stor_cursor *c = NULL;
  stor_txn *txn;
  stor_val k, v;
  user_rec u;
  int owned, rc;
  if ((rc = eng_require(db, db->role == CREDO_ROLE_ADMIN, "list users")))
    return rc;
  if ((rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  if ((rc = stor_cursor_open(txn, STOR_USERS, &c)) != CREDO_OK) {
    rc = eng_err_stor(db, rc, "cannot list users");
    goto done;
  }
  for (rc = stor_cursor_first(c, &k, &v); rc == CREDO_OK;
       rc = stor_cursor_next(c, &k, &v)) {
    if (decode_user(v, &u) != CREDO_OK) {
      rc = eng_err(db, CREDO_CORRUPT, "a user record is corrupt");
      break;
    }
    if ((rc = cb(arg, k.data, u.role, u.created)) != 0)
      break;
  }
  if (rc == CREDO_NOTFOUND)
    rc = CREDO_OK;
done:
  stor_cursor_close(c);
  eng_read_end(txn, owned);
  return rc;
}

int eng_authenticate(credo *db, const char *user, const char *password) {
  stor_txn *txn;
  user_rec u;
  char hash[crypto_pwhash_STRBYTES];
  int owned, rc, ok = 0;

  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if ((rc = eng_require(db, db->role == CREDO_ROLE_ADMIN,
                        "switch to another user")) != CREDO_OK)
    return rc;
  if ((rc = crypto_ready(db)) != CREDO_OK)
    return rc;
  if (!user || !password || !valid_name(user))
    goto verify_dummy;
  if ((rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = get_user(db, txn, user, &u);
  if (rc == CREDO_OK && strlen(u.hash) < sizeof hash) {
    memcpy(hash, u.hash, strlen(u.hash) + 1);
    ok = 1;
  }
  eng_read_end(txn, owned);
  if (rc != CREDO_OK && rc != CREDO_NOTFOUND)
    return rc;
verify_dummy:
  if (!ok) {
    if (password &&
        crypto_pwhash_str_verify(DUMMY_HASH, password, strlen(password)) == 0)
      ok = 0; /* cannot match: nobody knows that password */
    return eng_err(db, CREDO_AUTH, "authentication failed");
  }
  if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
    return eng_err(db, CREDO_AUTH, "authentication failed");
  return credo_set_user(db, user, u.role);
}
