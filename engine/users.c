/*
 * users.c -- users of the store and credo_authenticate.
 *
 * Owns STOR_USERS: key = user name + NUL; value = format byte, role byte,
 * created (i64 little-endian), then the crypto_pwhash_str hash string with
 * its NUL; format 2 (USER_FORMAT_SCRAM) adds the SCRAM-SHA-256 verifier
 * after it (iterations u32 LE, salt, StoredKey, ServerKey: docs/storage.md).
 * Format 1 records (users created by builds before the verifier) stay
 * valid: they log in natively, and credo_user_scram says they have none.
 * Names are identifiers of 1-64 bytes ([A-Za-z_][A-Za-z0-9_.-]*).
 *
 * Invariants: only admin handles read or change users; a password is
 * copied nowhere but into libsodium; messages never contain it, and an
 * unknown user and a wrong password give the same error (after the same
 * amount of hashing work, so that timing does not tell them apart).
 *
 * Does not: manage sessions (the server does, with credo_authenticate).
 */
#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xxhash.h>

#include "codec.h"
#include "users.h"

#define USER_HDR 10         /* format, role, created */
#define USER_FORMAT_SCRAM 2 /* ENG_RECORD_FORMAT + a SCRAM verifier */
#define SCRAM_TAIL (4 + CREDO_SCRAM_SALT_LEN + 2 * CREDO_SCRAM_KEY_LEN)
/* Iterations of PBKDF2 for new verifiers (PostgreSQL's default). */
#define SCRAM_ITERATIONS 4096

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

/* A user was created, changed or dropped: sessions of this process look
 * again at their next credo_session_check. */
static void users_changed(credo *db) {
  db->changes = 1;
  atomic_fetch_add(&db->store->users_gen, 1);
}

/* Monotonic milliseconds, for the re-check interval. */
static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

/* The SCRAM-SHA-256 verifier of `pw` (RFC 5802 section 3, RFC 7677):
 * SaltedPassword = PBKDF2-HMAC-SHA-256(pw, salt, i), StoredKey =
 * SHA-256(HMAC(SaltedPassword, "Client Key")), ServerKey =
 * HMAC(SaltedPassword, "Server Key"). The password is used as given
 * (no SASLprep: PostgreSQL clients send ASCII and UTF-8 unchanged). */
static void hmac_sha256(const unsigned char *key, size_t klen,
                        const unsigned char *msg, size_t mlen,
                        unsigned char out[crypto_auth_hmacsha256_BYTES]) {
  crypto_auth_hmacsha256_state h;
  crypto_auth_hmacsha256_init(&h, key, klen);
  crypto_auth_hmacsha256_update(&h, msg, mlen);
  crypto_auth_hmacsha256_final(&h, out);
  sodium_memzero(&h, sizeof h);
}

/* PBKDF2-HMAC-SHA-256 (RFC 8018 section 5.2) for one block: the derived
 * key is as long as the hash (CREDO_SCRAM_KEY_LEN == 32), so T_1 is all. */
static void pbkdf2_sha256(const char *pw, const unsigned char *salt,
                          size_t slen, uint32_t iterations,
                          unsigned char out[CREDO_SCRAM_KEY_LEN]) {
  unsigned char u[CREDO_SCRAM_KEY_LEN], s1[64];
  const unsigned char *key = (const unsigned char *)pw;
  size_t klen = strlen(pw);
  assert(slen + 4 <= sizeof s1);
  memcpy(s1, salt, slen);
  memcpy(s1 + slen, "\0\0\0\1", 4); /* INT(1): block 1, big-endian */
  hmac_sha256(key, klen, s1, slen + 4, u);
  memcpy(out, u, sizeof u);
  for (uint32_t i = 1; i < iterations; i++) {
    hmac_sha256(key, klen, u, sizeof u, u);
    for (size_t k = 0; k < sizeof u; k++)
      out[k] ^= u[k];
  }
  sodium_memzero(u, sizeof u);
}

static int scram_make(const char *pw, credo_scram_verifier *v) {
  unsigned char salted[CREDO_SCRAM_KEY_LEN], ck[CREDO_SCRAM_KEY_LEN];
  _Static_assert(CREDO_SCRAM_KEY_LEN == crypto_auth_hmacsha256_BYTES &&
                     CREDO_SCRAM_KEY_LEN == crypto_hash_sha256_BYTES,
                 "SCRAM-SHA-256 keys are SHA-256 sized");
  v->iterations = SCRAM_ITERATIONS;
  randombytes_buf(v->salt, sizeof v->salt);
  pbkdf2_sha256(pw, v->salt, sizeof v->salt, v->iterations, salted);
  hmac_sha256(salted, sizeof salted, (const unsigned char *)"Client Key", 10,
              ck);
  hmac_sha256(salted, sizeof salted, (const unsigned char *)"Server Key", 10,
              v->server_key);
  crypto_hash_sha256(v->stored_key, ck, sizeof ck);
  sodium_memzero(salted, sizeof salted);
  sodium_memzero(ck, sizeof ck);
  return CREDO_OK;
}

int credo_set_min_password(credo *db, unsigned n) {
  if (!db)
    return CREDO_MISUSE;
  if (db->be != &eng_local_backend) /* the server's minimum applies */
    return be_notsup(db, "credo_set_min_password");
  eng_err_clear(db);
  if (n < 1 || n > CREDO_MIN_PASSWORD_MAX)
    return eng_err(db, CREDO_RANGE,
                   "the minimum password length must be 1 to %d characters",
                   CREDO_MIN_PASSWORD_MAX);
  db->min_password = n;
  return CREDO_OK;
}

/* UTF-8 code points in `s` (continuation bytes are not counted). */
static size_t utf8_chars(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

static int hash_password(credo *db, const char *pw,
                         char out[crypto_pwhash_STRBYTES],
                         credo_scram_verifier *scram) {
  size_t n;
  if (!pw || !*pw)
    return eng_err(db, CREDO_INVALID, "a password must not be empty");
  if ((n = utf8_chars(pw)) < db->min_password)
    return eng_err(db, CREDO_INVALID,
                   "a password must have at least %u characters (this one "
                   "has %zu)",
                   db->min_password, n);
  if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return eng_err(db, CREDO_NOMEM, "out of memory hashing a password");
  if (scram_make(pw, scram) != CREDO_OK)
    return eng_err(db, CREDO_ERROR, "cannot compute the SCRAM verifier");
  return CREDO_OK;
}

/* Writes the user record; `created` is the transaction time when 0;
 * `scram` NULL writes a format 1 record (no verifier). */
static int put_user(credo *db, stor_txn *txn, const char *name, credo_role role,
                    credo_time created, const char *hash,
                    const credo_scram_verifier *scram) {
  unsigned char buf[USER_HDR + crypto_pwhash_STRBYTES + SCRAM_TAIL], *t;
  size_t hl = strlen(hash), len = USER_HDR + hl + 1;
  stor_key k;
  int rc;
  if (!created && (rc = eng_txn_time(db, txn, &created)) != CREDO_OK)
    return rc;
  buf[0] = scram ? USER_FORMAT_SCRAM : ENG_RECORD_FORMAT;
  buf[1] = (unsigned char)role;
  eng_put_u64(buf + 2, (uint64_t)created);
  memcpy(buf + USER_HDR, hash, hl + 1);
  if (scram) {
    t = buf + len;
    eng_put_u32(t, scram->iterations);
    memcpy(t + 4, scram->salt, CREDO_SCRAM_SALT_LEN);
    memcpy(t + 4 + CREDO_SCRAM_SALT_LEN, scram->stored_key,
           CREDO_SCRAM_KEY_LEN);
    memcpy(t + 4 + CREDO_SCRAM_SALT_LEN + CREDO_SCRAM_KEY_LEN,
           scram->server_key, CREDO_SCRAM_KEY_LEN);
    len += SCRAM_TAIL;
  }
  stor_key_init(&k);
  stor_key_str(&k, name);
  rc = stor_put(txn, STOR_USERS, stor_key_val(&k), (stor_val){buf, len});
  sodium_memzero(buf, sizeof buf);
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot store a user");
}

typedef struct user_rec {
  credo_role role;
  credo_time created;
  const char *hash; /* into the stored value */
  int has_scram;
  credo_scram_verifier scram;
} user_rec;

static int decode_user(stor_val v, user_rec *u) {
  const unsigned char *p = v.data, *nul;
  size_t tail;
  if (v.len < USER_HDR + 2 ||
      (p[0] != ENG_RECORD_FORMAT && p[0] != USER_FORMAT_SCRAM) ||
      p[1] > CREDO_ROLE_ADMIN)
    return CREDO_CORRUPT;
  nul = memchr(p + USER_HDR, 0, v.len - USER_HDR);
  if (!nul || nul == p + USER_HDR)
    return CREDO_CORRUPT;
  tail = v.len - (size_t)(nul + 1 - p);
  if (tail != (p[0] == USER_FORMAT_SCRAM ? SCRAM_TAIL : 0))
    return CREDO_CORRUPT;
  u->role = (credo_role)p[1];
  u->created = (credo_time)eng_get_u64(p + 2);
  u->hash = (const char *)p + USER_HDR;
  u->has_scram = p[0] == USER_FORMAT_SCRAM;
  if (u->has_scram) {
    const unsigned char *t = nul + 1;
    u->scram.iterations = eng_get_u32(t);
    memcpy(u->scram.salt, t + 4, CREDO_SCRAM_SALT_LEN);
    memcpy(u->scram.stored_key, t + 4 + CREDO_SCRAM_SALT_LEN,
           CREDO_SCRAM_KEY_LEN);
    memcpy(u->scram.server_key,
           t + 4 + CREDO_SCRAM_SALT_LEN + CREDO_SCRAM_KEY_LEN,
           CREDO_SCRAM_KEY_LEN);
    u->scram.role = u->role;
  }
  return CREDO_OK;
}

static int get_user(credo *db, stor_txn *txn, const char *name, user_rec *u) {
  stor_val v;
  int rc;
  rc = stor_get_str(txn, STOR_USERS, name, &v);
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
  credo_scram_verifier scram;
  stor_txn *txn;
  user_rec u;
  int owned, rc;
  if ((rc = check_args(db, name, "create users")) != CREDO_OK)
    return rc;
  if (!credo_role_name(role))
    return eng_err(db, CREDO_INVALID, "unknown role %d", (int)role);
  if ((rc = hash_password(db, password, hash, &scram)) != CREDO_OK)
    return rc;
  if ((rc = eng_write_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = get_user(db, txn, name, &u);
  if (rc == CREDO_OK)
    rc = eng_err(db, CREDO_EXISTS, "user \"%s\" already exists", name);
  else if (rc == CREDO_NOTFOUND)
    rc = put_user(db, txn, name, role, 0, hash, &scram);
  sodium_memzero(hash, sizeof hash);
  sodium_memzero(&scram, sizeof scram);
  rc = eng_write_end(db, txn, owned, rc);
  if (rc == CREDO_OK)
    users_changed(db);
  return rc;
}

int eng_user_alter(credo *db, const char *name, int set_role, credo_role role,
                   const char *password) {
  char hash[crypto_pwhash_STRBYTES], old[crypto_pwhash_STRBYTES];
  credo_scram_verifier scram;
  stor_txn *txn;
  user_rec u;
  int owned, rc;
  if ((rc = check_args(db, name, "change users")) != CREDO_OK)
    return rc;
  if (set_role && !credo_role_name(role))
    return eng_err(db, CREDO_INVALID, "unknown role %d", (int)role);
  if (password && (rc = hash_password(db, password, hash, &scram)) != CREDO_OK)
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
    if (!password && u.has_scram)
      scram = u.scram; /* a role change keeps the verifier */
    rc = put_user(db, txn, name, set_role ? role : u.role, u.created,
                  password ? hash : old,
                  password || u.has_scram ? &scram : NULL);
  }
  sodium_memzero(hash, sizeof hash);
  sodium_memzero(&scram, sizeof scram);
  rc = eng_write_end(db, txn, owned, rc);
  if (rc == CREDO_OK)
    users_changed(db);
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
    users_changed(db);
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

/* Whether the memory argon2id needs for `hash` ("...$m=KIB,...") can be
 * mapped now. libsodium answers -1 with EINVAL both for a mismatch and
 * when that memory was refused, so after a failed verification this tells
 * "wrong password" from "could not check". */
static int hash_memory_available(const char *hash) {
  const char *m = strstr(hash, "$m=");
  unsigned long kib = m ? strtoul(m + 3, NULL, 10) : 0;
  void *p;
  if (kib == 0 || kib > (1ul << 30))
    return 1;
  p = mmap(NULL, kib << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
           -1, 0);
  if (p == MAP_FAILED)
    return 0;
  munmap(p, kib << 10);
  return 1;
}

/* `db` acts as `user` from now on, its session tied to the password
 * whose argon2id hash is `hash` (credo_session_check compares). */
static int session_start(credo *db, const char *user, credo_role role,
                         const char *hash) {
  int rc = credo_set_user(db, user, role);
  if (rc != CREDO_OK)
    return rc;
  snprintf(db->auth_user, sizeof db->auth_user, "%s", user);
  db->auth_tag = XXH3_64bits(hash, strlen(hash));
  db->auth_revoked = 0;
  db->auth_gen = atomic_load(&db->store->users_gen);
  db->auth_checked_ms = mono_ms();
  return CREDO_OK;
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
  if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0) {
    if (!hash_memory_available(hash))
      return eng_err(db, CREDO_NOMEM,
                     "the password check could not get the memory it needs "
                     "(argon2id); try again later");
    return eng_err(db, CREDO_AUTH, "authentication failed");
  }
  return session_start(db, user, u.role, hash);
}

int credo_session_adopt(credo *db, const char *user,
                        const credo_scram_verifier *v) {
  stor_txn *txn;
  user_rec u;
  char hash[crypto_pwhash_STRBYTES];
  int owned, rc, same = 0;
  if (!db || !user || !v)
    return CREDO_MISUSE;
  if (db->be != &eng_local_backend)
    return be_notsup(db, "credo_session_adopt");
  eng_err_clear(db);
  if ((rc = eng_require(db, db->role == CREDO_ROLE_ADMIN,
                        "switch to another user")) != CREDO_OK)
    return rc;
  if (!valid_name(user))
    return eng_err(db, CREDO_AUTH, "authentication failed");
  if ((rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = get_user(db, txn, user, &u);
  /* the verifier the front end checked must still be the user's: a
   * password changed since its look would otherwise be missed */
  if (rc == CREDO_OK && u.has_scram && strlen(u.hash) < sizeof hash &&
      sodium_memcmp(u.scram.stored_key, v->stored_key, CREDO_SCRAM_KEY_LEN) ==
          0 &&
      sodium_memcmp(u.scram.salt, v->salt, CREDO_SCRAM_SALT_LEN) == 0) {
    memcpy(hash, u.hash, strlen(u.hash) + 1);
    same = 1;
  }
  eng_read_end(txn, owned);
  if (rc != CREDO_OK && rc != CREDO_NOTFOUND)
    return rc;
  if (!same)
    return eng_err(db, CREDO_AUTH, "authentication failed");
  return session_start(db, user, u.role, hash);
}

/* Ends the session of `db`: it keeps no rights (role public) and every
 * later check fails the same way. */
static int revoke(credo *db, const char *why) {
  db->role = CREDO_ROLE_PUBLIC;
  db->auth_revoked = 1;
  return eng_err(db, CREDO_AUTH, "session ended: %s", why);
}

int eng_session_check(credo *db) {
  stor_txn *txn;
  user_rec u;
  char why[160];
  int owned, rc;
  uint64_t tag = 0, gen;
  int64_t now;
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (db->be != &eng_local_backend || !db->auth_user[0])
    return CREDO_OK;
  if (db->auth_revoked)
    return revoke(db, "it was revoked earlier");
  /* nothing changed users in this process since the last look, and that
   * look is recent (another process's change shows within the interval) */
  gen = atomic_load(&db->store->users_gen);
  now = mono_ms();
  if (!atomic_load(&db->sess_killed) && gen == db->auth_gen &&
      now - db->auth_checked_ms < ENG_SESSION_RECHECK_MS)
    return CREDO_OK;
  if (atomic_load(&db->sess_killed)) {
    snprintf(why, sizeof why, "killed by %s (KILL SESSION %llu)",
             db->sess_killer, (unsigned long long)db->sess_id);
    return revoke(db, why);
  }
  if ((rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = get_user(db, txn, db->auth_user, &u);
  if (rc == CREDO_OK)
    tag = XXH3_64bits(u.hash, strlen(u.hash));
  eng_read_end(txn, owned);
  if (rc == CREDO_NOTFOUND) {
    snprintf(why, sizeof why, "user \"%s\" was dropped", db->auth_user);
    return revoke(db, why);
  }
  if (rc != CREDO_OK)
    return rc;
  if (tag != db->auth_tag) {
    snprintf(why, sizeof why, "the password of user \"%s\" was changed",
             db->auth_user);
    return revoke(db, why);
  }
  db->role = u.role; /* ALTER USER ... ROLE applies from now on */
  db->auth_gen = gen;
  db->auth_checked_ms = now;
  eng_session_role(db, u.role);
  return CREDO_OK;
}

int eng_user_scram(credo *db, const char *user, credo_scram_verifier *out) {
  stor_txn *txn;
  user_rec u;
  int owned, rc;
  if (!db || !out)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if ((rc = eng_require(db, db->role == CREDO_ROLE_ADMIN,
                        "read SCRAM verifiers")) != CREDO_OK)
    return rc;
  if (!user || !valid_name(user))
    return eng_err(db, CREDO_NOTFOUND, "no such user");
  if ((rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = get_user(db, txn, user, &u);
  if (rc == CREDO_OK && u.has_scram)
    *out = u.scram;
  eng_read_end(txn, owned);
  if (rc == CREDO_NOTFOUND)
    return eng_err(db, rc, "no such user");
  if (rc == CREDO_OK && !u.has_scram)
    rc = eng_err(db, CREDO_NOTSUP,
                 "user \"%s\" has no SCRAM-SHA-256 verifier (it was created "
                 "before credo kept one); an admin must set its password "
                 "again with ALTER USER %s PASSWORD '...'",
                 user, user);
  sodium_memzero(&u.scram, sizeof u.scram);
  return rc;
}
