/*
 * rules.c -- the registry's rules that are not one write's own checks
 * (docs/rules.md): the store's time zone (META "store_tz"), the upgrade of
 * an older store format, source names and recorders' source grants
 * (STOR_GRANTS), and the public role's view of an event (person ids
 * masked, the registry's internals blanked, only the type's PUBLIC FIELDS
 * of data).
 *
 * Invariants: window and repair arithmetic reads the store's zone inside
 * the writing transaction (eng_store_tz), never the session's; a
 * recorder writes only under sources granted to its user; every event a
 * public-role handle receives went through eng_public_event, and through
 * eng_public_subject before it leaves the library.
 *
 * Does not: decide the windows (events.c) or parse CQL.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "eng.h"

static const char KEY_STORE_TZ[] = "store_tz";
#define TZ_MAX_SEC (18 * 3600)
#define MASK_HEAD 6 /* resident id: region code shown */
#define MASK_TAIL 4 /* sequence and check character shown */
#define MASK_STARS 8

/* ------------------------------------------------------ store time zone */

int eng_store_tz(credo *db, stor_txn *txn, int *tz) {
  stor_val k = {KEY_STORE_TZ, sizeof KEY_STORE_TZ - 1}, v;
  int rc = stor_get(txn, STOR_META, k, &v);
  *tz = 0;
  if (rc == CREDO_NOTFOUND)
    return CREDO_OK;
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the store time zone");
  if (v.len != 4)
    return eng_err(db, CREDO_CORRUPT, "META store_tz is not 4 bytes");
  *tz = (int)(int32_t)stor_dec_u32(v.data);
  if (*tz < -TZ_MAX_SEC || *tz > TZ_MAX_SEC)
    return eng_err(db, CREDO_CORRUPT, "META store_tz is out of range");
  return CREDO_OK;
}

int eng_set_store_tz(credo *db, int offset_sec) {
  stor_txn *txn;
  stor_key v;
  int owned, rc;
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  db->changes = 0;
  if ((rc = eng_require(db, db->role == CREDO_ROLE_ADMIN,
                        "set the store time zone")))
    return rc;
  if (offset_sec < -TZ_MAX_SEC || offset_sec > TZ_MAX_SEC)
    return eng_err(db, CREDO_RANGE, "time zone offset must be within +-18:00");
  if ((rc = eng_write_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  stor_key_init(&v);
  stor_key_u32(&v, (uint32_t)(int32_t)offset_sec);
  rc = stor_put(txn, STOR_META,
                (stor_val){KEY_STORE_TZ, sizeof KEY_STORE_TZ - 1},
                stor_key_val(&v));
  if (rc != CREDO_OK)
    rc = eng_err_stor(db, rc, "cannot store the time zone");
  rc = eng_write_end(db, txn, owned, rc);
  if (rc == CREDO_OK) {
    db->tz = offset_sec; /* the admin's session follows the store */
    db->changes = 1;
  }
  return rc;
}

int eng_get_store_tz(credo *db, int *offset_sec) {
  stor_txn *txn;
  int owned, rc;
  if (!db || !offset_sec)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if ((rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = eng_store_tz(db, txn, offset_sec);
  eng_read_end(txn, owned);
  return rc;
}

/* Named zones without daylight saving time (a zone with DST has no one
 * offset, and windows must not move with the seasons). */
static const struct {
  const char *name;
  int offset;
} ZONES[] = {{"UTC", 0},
             {"Z", 0},
             {"Etc/UTC", 0},
             {"Asia/Shanghai", 8 * 3600},
             {"Asia/Chongqing", 8 * 3600},
             {"Asia/Hong_Kong", 8 * 3600},
             {"Asia/Macau", 8 * 3600},
             {"Asia/Taipei", 8 * 3600},
             {"Asia/Singapore", 8 * 3600},
             {"Asia/Tokyo", 9 * 3600},
             {"Asia/Seoul", 9 * 3600}};

int eng_tz_parse(const char *s, int *out) {
  int sign, h = 0, m = 0, n = 0;
  for (size_t i = 0; i < sizeof ZONES / sizeof ZONES[0]; i++)
    if (strcasecmp(s, ZONES[i].name) == 0) {
      *out = ZONES[i].offset;
      return 0;
    }
  if (s[0] != '+' && s[0] != '-')
    return -1;
  sign = s[0] == '-' ? -1 : 1;
  s++;
  for (; n < 2 && s[n] >= '0' && s[n] <= '9'; n++)
    h = h * 10 + (s[n] - '0');
  if (n != 2)
    return -1;
  s += 2;
  if (*s == ':')
    s++;
  if (*s) {
    if (!(s[0] >= '0' && s[0] <= '5' && s[1] >= '0' && s[1] <= '9') || s[2])
      return -1;
    m = (s[0] - '0') * 10 + (s[1] - '0');
  }
  if (h * 60 + m > 18 * 60)
    return -1;
  *out = sign * (h * 3600 + m * 60);
  return 0;
}

/* ------------------------------------------------------------ upgrade */

/* Format 1 -> 2: the public index did not exist, and the (source, ref)
 * index had no subject; build both from the events (the new, empty tables
 * were created by storage at open). */
int eng_upgrade(credo *db) {
  stor_env *env = db->store->stor;
  stor_txn *txn;
  uint64_t n = 0;
  int rc;
  if (stor_format_version(env) >= STOR_FORMAT_VERSION)
    return CREDO_OK;
  if ((rc = stor_txn_begin(env, 1, &txn)) != CREDO_OK)
    return rc == CREDO_READONLY ? CREDO_OK : eng_err_stor(db, rc, "upgrade");
  rc = eng_pubidx_rebuild(db, txn, &n);
  if (rc == CREDO_OK)
    rc = eng_srcref_rebuild(db, txn);
  if (rc == CREDO_OK && (rc = stor_format_set(txn, STOR_FORMAT_VERSION)))
    eng_err_stor(db, rc, "cannot record the new format");
  if (rc != CREDO_OK) {
    stor_txn_abort(txn);
    return rc;
  }
  rc = stor_txn_commit(txn);
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "upgrade");
}

/* ------------------------------------------------------------ sources */

int eng_source_check(credo *db, const char *s) {
  size_t n = s ? strlen(s) : 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             (i > 0 && (c == '_' || c == '-'));
    if (!ok)
      return eng_err(db, CREDO_INVALID,
                     "source \"%.128s\" is not a source name: use lower-case "
                     "letters, digits, '_' and '-', starting with a letter "
                     "or digit ([a-z0-9][a-z0-9_-]*)",
                     s);
  }
  return n ? CREDO_OK : eng_err(db, CREDO_INVALID, "source is required");
}

static void grant_key(stor_key *k, const char *user, const char *source) {
  stor_key_init(k);
  stor_key_str(k, user);
  stor_key_str(k, source);
}

int eng_source_allowed(credo *db, stor_txn *txn, const char *source,
                       const char *what) {
  stor_key k;
  stor_val v;
  int rc;
  if (db->role != CREDO_ROLE_RECORDER)
    return CREDO_OK; /* admins; repairers are bound by their role */
  grant_key(&k, db->actor, source);
  rc = k.overflow ? CREDO_NOTFOUND
                  : stor_get(txn, STOR_GRANTS, stor_key_val(&k), &v);
  if (rc == CREDO_OK)
    return CREDO_OK;
  if (rc != CREDO_NOTFOUND)
    return eng_err_stor(db, rc, "cannot read grants");
  return eng_err(db, CREDO_DENIED,
                 "permission denied: recorder %s has no grant for source "
                 "\"%s\" and may not %s its events (an admin grants it: "
                 "GRANT SOURCE '%s' TO %s)",
                 db->actor, source, what, source, db->actor);
}

int eng_grant_source(credo *db, const char *user, const char *source,
                     int grant) {
  stor_txn *txn;
  stor_key k;
  stor_val v;
  int owned, rc;
  if ((rc = eng_require(db, db->role == CREDO_ROLE_ADMIN,
                        grant ? "grant sources" : "revoke sources")) ||
      (rc = eng_source_check(db, source)))
    return rc;
  if ((rc = eng_write_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = stor_get_str(txn, STOR_USERS, user, &v);
  if (rc == CREDO_NOTFOUND)
    rc = eng_err(db, rc, "user \"%s\" does not exist", user);
  else if (rc != CREDO_OK)
    rc = eng_err_stor(db, rc, "cannot read users");
  if (rc == CREDO_OK) {
    grant_key(&k, user, source);
    rc = grant ? stor_put(txn, STOR_GRANTS, stor_key_val(&k), (stor_val){"", 0})
               : stor_del(txn, STOR_GRANTS, stor_key_val(&k));
    if (rc == CREDO_NOTFOUND)
      rc = eng_err(db, rc, "user %s has no grant for source \"%s\"", user,
                   source);
    else if (rc != CREDO_OK)
      rc = eng_err_stor(db, rc, "cannot write grants");
  }
  rc = eng_write_end(db, txn, owned, rc);
  if (rc == CREDO_OK)
    db->changes = 1;
  return rc;
}

/* ------------------------------------------------------- public view */

void eng_mask_person(const char *id, char *out, size_t n) {
  size_t len = strlen(id);
  if (n < MASK_HEAD + MASK_STARS + MASK_TAIL + 1)
    return;
  if (len <= MASK_HEAD + MASK_TAIL) { /* not a resident id: hide it all */
    snprintf(out, n, "%.*s", MASK_STARS, "********");
    return;
  }
  memcpy(out, id, MASK_HEAD);
  memset(out + MASK_HEAD, '*', MASK_STARS);
  memcpy(out + MASK_HEAD + MASK_STARS, id + len - MASK_TAIL, MASK_TAIL + 1);
}

int eng_public_subject(credo *db, stor_txn *txn, credo_event *ev) {
  credo_subject_info s;
  if (db->role != CREDO_ROLE_PUBLIC)
    return CREDO_OK;
  if (eng_subject_get(db, txn, ev->subject, &s) == CREDO_OK &&
      s.kind != CREDO_KIND_PERSON)
    return CREDO_OK;
  eng_err_clear(db); /* unknown subject: mask it too */
  eng_mask_person(ev->subject, db->masked, sizeof db->masked);
  ev->subject = db->masked;
  return CREDO_OK;
}

/* 1 when `key` is one of the comma-separated `fields`. */
static int listed(const char *fields, const char *key) {
  size_t n = strlen(key);
  for (const char *p = fields; *p;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len == n && memcmp(p, key, n) == 0)
      return 1;
    p += len + (e ? 1 : 0);
  }
  return 0;
}

/* The keys of data the type lets the public see, into db->pub_buf. */
static int public_data(credo *db, const eng_type *t, credo_event *ev) {
  json_t *j = json_loads(ev->data ? ev->data : "{}", 0, NULL), *out, *v;
  const char *k;
  char *text = NULL, *canon = NULL;
  size_t n;
  int rc;
  if (!j || !json_is_object(j)) {
    json_decref(j);
    return eng_err(db, CREDO_CORRUPT, "event %llu has data that is not JSON",
                   (unsigned long long)ev->id);
  }
  out = json_object();
  json_object_foreach(j, k, v) if (listed(t->fields, k))
      json_object_set(out, k, v);
  text = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(17));
  json_decref(out);
  json_decref(j);
  if (!text)
    return eng_err(db, CREDO_NOMEM, "out of memory");
  rc = eng_json_canon(db, text, &canon);
  free(text);
  if (rc != CREDO_OK)
    return rc;
  n = strlen(canon) + 1;
  if (db->pub_cap < n) {
    char *p = realloc(db->pub_buf, n);
    if (!p) {
      free(canon);
      return eng_err(db, CREDO_NOMEM, "out of memory");
    }
    db->pub_buf = p;
    db->pub_cap = n;
  }
  memcpy(db->pub_buf, canon, n);
  free(canon);
  ev->data = db->pub_buf;
  return CREDO_OK;
}

int eng_public_event(credo *db, const eng_type *t, credo_event *ev) {
  if (db->role != CREDO_ROLE_PUBLIC)
    return CREDO_OK;
  ev->version = 0;
  ev->recorded = 0;
  ev->actor = "";
  ev->op = 0;
  ev->reason = "";
  if (!(t->flags & ENG_TYPE_HAS_FIELDS))
    return CREDO_OK;
  return public_data(db, t, ev);
}
