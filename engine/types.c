/*
 * types.c -- credit event types: declaration, look-up and the per-handle
 * type cache.
 *
 * A type is stored under its name (STOR_TYPES) with an id from META
 * "next_type" and its publicity policy, and under its id (STOR_TYPE_IDS)
 * with its name. Types are never renamed, changed or dropped, so a cached
 * entry never goes stale; a miss falls back to the store, which also
 * catches types declared by another handle or process.
 *
 * Does not: apply the policy (events.c does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "eng.h"

static const char KEY_NEXT_TYPE[] = "next_type";

static int valid_type_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > ENG_MAX_TYPE_NAME)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
      return 0;
  }
  return 1;
}

/* Stores `t` in the handle's cache (copy). Failure to grow the cache is not
 * an error: the next look-up goes to the store again. */
static void cache_put(credo *db, const eng_type *t) {
  if (t->id >= db->ntypes) {
    uint32_t n = t->id + 16;
    eng_type *nt = realloc(db->types, n * sizeof *nt);
    if (!nt)
      return;
    memset(nt + db->ntypes, 0, (n - db->ntypes) * sizeof *nt);
    db->types = nt;
    db->ntypes = n;
  }
  db->types[t->id] = *t;
}

static int load_by_name(credo *db, stor_txn *txn, const char *name,
                        eng_type *t) {
  stor_key k;
  stor_val v;
  int rc;
  stor_key_init(&k);
  stor_key_str(&k, name);
  if (k.overflow)
    return CREDO_NOTFOUND;
  rc = stor_get(txn, STOR_TYPES, stor_key_val(&k), &v);
  if (rc != CREDO_OK)
    return rc;
  rc = eng_type_decode(name, v, t);
  if (rc != CREDO_OK)
    return eng_err(db, rc, "type \"%s\" has a corrupt record", name);
  return CREDO_OK;
}

int eng_type_by_id(credo *db, stor_txn *txn, uint32_t id,
                   const eng_type **out) {
  stor_key k;
  stor_val v;
  eng_type t;
  int rc;
  if (id < db->ntypes && db->types[id].id == id) {
    *out = &db->types[id];
    return CREDO_OK;
  }
  stor_key_init(&k);
  stor_key_u32(&k, id);
  rc = stor_get(txn, STOR_TYPE_IDS, stor_key_val(&k), &v);
  if (rc == CREDO_NOTFOUND)
    return eng_err(db, CREDO_CORRUPT, "type id %u has no type", id);
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read a type");
  if (v.len < 2 || ((const char *)v.data)[v.len - 1] != '\0')
    return eng_err(db, CREDO_CORRUPT, "type id %u has a corrupt name", id);
  rc = load_by_name(db, txn, v.data, &t);
  if (rc != CREDO_OK)
    return rc == CREDO_NOTFOUND
               ? eng_err(db, CREDO_CORRUPT, "type id %u has no type", id)
               : rc;
  cache_put(db, &t);
  if (id < db->ntypes && db->types[id].id == id) {
    *out = &db->types[id];
    return CREDO_OK;
  }
  return eng_err(db, CREDO_NOMEM, "out of memory caching types");
}

int eng_type_by_name(credo *db, stor_txn *txn, const char *name,
                     const eng_type **out) {
  eng_type t;
  int rc;
  for (uint32_t i = 0; i < db->ntypes; i++)
    if (db->types[i].id && strcmp(db->types[i].name, name) == 0) {
      *out = &db->types[i];
      return CREDO_OK;
    }
  rc = load_by_name(db, txn, name, &t);
  if (rc == CREDO_NOTFOUND)
    return eng_err_unknown_type(db, txn, name);
  if (rc != CREDO_OK)
    return rc;
  return eng_type_by_id(db, txn, t.id, out);
}

int eng_err_unknown_type(credo *db, stor_txn *txn, const char *name) {
  char known[512] = "";
  size_t used = 0;
  stor_cursor *c = NULL;
  stor_val k;
  int rc, n = 0;

  if (stor_cursor_open(txn, STOR_TYPES, &c) == CREDO_OK) {
    for (rc = stor_cursor_first(c, &k, NULL); rc == CREDO_OK && used < 400;
         rc = stor_cursor_next(c, &k, NULL)) {
      used += (size_t)snprintf(known + used, sizeof known - used, "%s%s",
                               n++ ? ", " : "", (const char *)k.data);
    }
    if (rc == CREDO_OK)
      snprintf(known + used, sizeof known - used, ", ...");
    stor_cursor_close(c);
  }
  return eng_err(db, CREDO_NOTFOUND, "unknown type \"%s\" (known: %s)", name,
                 n ? known : "none; declare one with CREATE TYPE");
}

static int next_type_id(credo *db, stor_txn *txn, uint32_t *id) {
  stor_val k = {KEY_NEXT_TYPE, sizeof KEY_NEXT_TYPE - 1}, v;
  stor_key nk;
  int rc = stor_get(txn, STOR_META, k, &v);
  *id = 1;
  if (rc == CREDO_OK && v.len == 4)
    *id = stor_dec_u32(v.data);
  else if (rc != CREDO_NOTFOUND)
    return eng_err(db, rc == CREDO_OK ? CREDO_CORRUPT : rc,
                   "cannot read META next_type");
  stor_key_init(&nk);
  stor_key_u32(&nk, *id + 1);
  rc = stor_put(txn, STOR_META, k, stor_key_val(&nk));
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot store a type");
}

static int create_type_in(credo *db, stor_txn *txn, eng_type *t) {
  unsigned char rec[ENG_TYPE_LEN];
  stor_key k, ik;
  int rc;

  stor_key_init(&k);
  stor_key_str(&k, t->name);
  rc = stor_get(txn, STOR_TYPES, stor_key_val(&k), &(stor_val){0});
  if (rc == CREDO_OK)
    return eng_err(db, CREDO_EXISTS, "type \"%s\" already exists", t->name);
  if ((rc = next_type_id(db, txn, &t->id)) != CREDO_OK)
    return rc;
  if ((rc = eng_txn_time(db, txn, &t->created)) != CREDO_OK)
    return rc;
  eng_type_encode(t, rec);
  rc = stor_put(txn, STOR_TYPES, stor_key_val(&k), (stor_val){rec, sizeof rec});
  if (rc == CREDO_OK) {
    stor_key_init(&ik);
    stor_key_u32(&ik, t->id);
    rc = stor_put(txn, STOR_TYPE_IDS, stor_key_val(&ik),
                  (stor_val){t->name, strlen(t->name) + 1});
  }
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot store a type");
}

static int valid_duration(credo_duration d) {
  return d.months >= 0 && d.usec >= 0 && d.months <= 12 * 1000;
}

int eng_create_type(credo *db, const char *name, credo_duration publicity,
                    credo_duration repairable_after) {
  eng_type t = {0};
  stor_txn *txn;
  int owned, rc;

  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if ((rc = eng_require(db, db->role == CREDO_ROLE_ADMIN, "create types")))
    return rc;
  if (!name || !valid_type_name(name))
    return eng_err(db, CREDO_INVALID,
                   "type name must be an identifier of 1-%d characters "
                   "([A-Za-z_][A-Za-z0-9_]*)",
                   ENG_MAX_TYPE_NAME);
  if (!valid_duration(publicity) || !valid_duration(repairable_after))
    return eng_err(db, CREDO_INVALID, "durations must be non-negative");
  memcpy(t.name, name, strlen(name) + 1);
  t.publicity = publicity;
  t.repairable_after = repairable_after;
  if ((rc = eng_write_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = create_type_in(db, txn, &t);
  rc = eng_write_end(db, txn, owned, rc);
  if (rc == CREDO_OK)
    db->changes = 1;
  return rc;
}

static void type_info(const eng_type *t, credo_type_info *out) {
  out->name = t->name;
  out->id = t->id;
  out->publicity = t->publicity;
  out->repairable_after = t->repairable_after;
  out->created = t->created;
}

int eng_get_type(credo *db, const char *name, credo_type_info *out) {
  const eng_type *t;
  stor_txn *txn;
  int owned, rc;
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (!name || !out)
    return eng_err(db, CREDO_INVALID, "name and out are required");
  if ((rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = eng_type_by_name(db, txn, name, &t);
  if (rc == CREDO_OK)
    type_info(t, out);
  eng_read_end(txn, owned);
  return rc;
}

int eng_list_types(credo *db, credo_type_cb cb, void *arg) {
  stor_txn *txn;
  stor_cursor *c = NULL;
  stor_val k, v;
  eng_type t;
  credo_type_info info;
  int owned, rc;

  if (!db || !cb)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if ((rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  if ((rc = stor_cursor_open(txn, STOR_TYPES, &c)) != CREDO_OK)
    goto fail;
  for (rc = stor_cursor_first(c, &k, &v); rc == CREDO_OK;
       rc = stor_cursor_next(c, &k, &v)) {
    if ((rc = eng_type_decode(k.data, v, &t)) != CREDO_OK)
      break;
    type_info(&t, &info);
    if ((rc = cb(&info, arg)) != 0)
      break;
  }
  if (rc == CREDO_NOTFOUND)
    rc = CREDO_OK;
fail:
  stor_cursor_close(c);
  eng_read_end(txn, owned);
  return rc;
}
