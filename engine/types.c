/*
 * types.c -- credit event types: declaration, look-up and the per-handle
 * type cache.
 *
 * A type is stored under its name (STOR_TYPES) with an id from META
 * "next_type" and its publicity policy, and under its id (STOR_TYPE_IDS)
 * with its name. The policy rules of a declaration (PUBLICITY is a
 * maximum, REPAIRABLE AFTER within it, OPEN / NOT PUBLISHED / POSITIVE,
 * PUBLIC FIELDS) are checked here before anything is written
 * (docs/rules.md). Types are never renamed, changed or dropped, so a cached
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
  return eng_retain_get(db, txn, t->id, &t->retain);
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

static int valid_duration(credo_duration d) {
  return d.months >= 0 && d.usec >= 0 && d.months <= 12 * 1000;
}

static int is_zero(credo_duration d) {
  return d.months == 0 && d.usec == 0;
}

static int create_type_in(credo *db, stor_txn *txn, eng_type *t) {
  unsigned char rec[ENG_TYPE_LEN + ENG_MAX_FIELDS + 1];
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
  rc = stor_put(txn, STOR_TYPES, stor_key_val(&k),
                (stor_val){rec, eng_type_len(t)});
  if (rc == CREDO_OK) {
    stor_key_init(&ik);
    stor_key_u32(&ik, t->id);
    rc = stor_put(txn, STOR_TYPE_IDS, stor_key_val(&ik),
                  (stor_val){t->name, strlen(t->name) + 1});
  }
  if (rc == CREDO_OK && !is_zero(t->retain))
    return eng_retain_put(db, txn, t->id, t->retain);
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot store a type");
}

/* Normalises a PUBLIC FIELDS list into t->fields ("a,b": keys of data,
 * blanks around commas dropped). CREDO_INVALID for an empty key or a list
 * too long. */
static int set_fields(credo *db, eng_type *t, const char *list) {
  size_t n = 0;
  const char *p = list;
  t->flags |= ENG_TYPE_HAS_FIELDS;
  while (*p) {
    const char *b, *e;
    while (*p == ' ')
      p++;
    b = p;
    while (*p && *p != ',')
      p++;
    e = p;
    while (e > b && e[-1] == ' ')
      e--;
    if (e == b || n + (size_t)(e - b) + 1 > ENG_MAX_FIELDS)
      return eng_err(db, CREDO_INVALID,
                     "PUBLIC FIELDS must be keys of data, at most %d bytes in "
                     "all",
                     ENG_MAX_FIELDS);
    if (n)
      t->fields[n++] = ',';
    memcpy(t->fields + n, b, (size_t)(e - b));
    n += (size_t)(e - b);
    if (*p == ',')
      p++;
  }
  t->fields[n] = '\0';
  return CREDO_OK;
}

/* The policy rules of a declaration (docs/rules.md, rules 2-4). */
static int check_policy(credo *db, const credo_type_def *d) {
  char a[64], b[64];
  unsigned windowless = d->flags & (CREDO_TYPE_OPEN | CREDO_TYPE_NOT_PUBLISHED);
  if (d->flags &
      ~(CREDO_TYPE_POSITIVE | CREDO_TYPE_NOT_PUBLISHED | CREDO_TYPE_OPEN))
    return eng_err(db, CREDO_INVALID, "unknown type flags 0x%x", d->flags);
  if (!valid_duration(d->publicity) || !valid_duration(d->repairable_after) ||
      !valid_duration(d->retain))
    return eng_err(db, CREDO_INVALID, "durations must be non-negative");
  if (windowless == (CREDO_TYPE_OPEN | CREDO_TYPE_NOT_PUBLISHED))
    return eng_err(
        db, CREDO_INVALID,
        "a type is either PUBLICITY OPEN or NOT PUBLISHED, not both");
  if (windowless && !is_zero(d->publicity))
    return eng_err(db, CREDO_INVALID, "a %s type takes no PUBLICITY duration",
                   windowless == CREDO_TYPE_OPEN ? "PUBLICITY OPEN"
                                                 : "NOT PUBLISHED");
  if (!windowless && is_zero(d->publicity))
    return eng_err(db, CREDO_INVALID,
                   "PUBLICITY must be longer than 0: say PUBLICITY OPEN for "
                   "a window without end, or NOT PUBLISHED for records that "
                   "are never public");
  if (!windowless && eng_duration_cmp(d->repairable_after, d->publicity) > 0) {
    credo_duration_format(d->repairable_after, a, sizeof a);
    credo_duration_format(d->publicity, b, sizeof b);
    return eng_err(db, CREDO_INVALID,
                   "REPAIRABLE AFTER %s is longer than PUBLICITY %s: the "
                   "minimum publicity cannot exceed the maximum",
                   a, b);
  }
  if ((d->flags & CREDO_TYPE_NOT_PUBLISHED) && !is_zero(d->repairable_after))
    return eng_err(db, CREDO_INVALID,
                   "a NOT PUBLISHED type is never public, so it takes no "
                   "REPAIRABLE AFTER");
  return CREDO_OK;
}

int eng_create_type_def(credo *db, const credo_type_def *d) {
  eng_type t = {0};
  stor_txn *txn;
  int owned, rc;

  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if ((rc = eng_require(db, db->role == CREDO_ROLE_ADMIN, "create types")))
    return rc;
  if (!d || !d->name || !valid_type_name(d->name))
    return eng_err(db, CREDO_INVALID,
                   "type name must be an identifier of 1-%d characters "
                   "([A-Za-z_][A-Za-z0-9_]*)",
                   ENG_MAX_TYPE_NAME);
  if ((rc = check_policy(db, d)) != CREDO_OK)
    return rc;
  memcpy(t.name, d->name, strlen(d->name) + 1);
  t.flags = d->flags;
  t.publicity = d->publicity;
  t.repairable_after = d->repairable_after;
  t.retain = d->retain;
  if (d->public_fields && (rc = set_fields(db, &t, d->public_fields)))
    return rc;
  if ((rc = eng_write_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = create_type_in(db, txn, &t);
  rc = eng_write_end(db, txn, owned, rc);
  if (rc == CREDO_OK)
    db->changes = 1;
  return rc;
}

int eng_create_type(credo *db, const char *name, credo_duration publicity,
                    credo_duration repairable_after) {
  credo_type_def d = {.name = name,
                      .publicity = publicity,
                      .repairable_after = repairable_after};
  if (is_zero(publicity))
    d.flags = CREDO_TYPE_OPEN; /* documented: zero is an open window */
  return eng_create_type_def(db, &d);
}

int eng_duration_cmp(credo_duration a, credo_duration b) {
  /* calendar months have no fixed length: compare both added to the
   * same instants (the first of each month of a leap and a plain year) */
  static const credo_time base = INT64_C(946684800) * CREDO_USEC_PER_SEC;
  int sign = 0;
  for (int m = 0; m < 24; m++) {
    credo_duration start = {m, 0};
    credo_time t0 = credo_time_add(base, start, 0);
    credo_time x = credo_time_add(t0, a, 0), y = credo_time_add(t0, b, 0);
    if (x != y)
      sign = x > y ? 1 : -1;
    if (sign > 0)
      return 1;
  }
  return sign;
}

void eng_type_info(const eng_type *t, credo_type_info *out) {
  out->flags = t->flags & ~ENG_TYPE_HAS_FIELDS;
  out->public_fields = t->flags & ENG_TYPE_HAS_FIELDS ? t->fields : NULL;
  out->name = t->name;
  out->id = t->id;
  out->publicity = t->publicity;
  out->repairable_after = t->repairable_after;
  out->created = t->created;
  out->retain = t->retain;
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
    eng_type_info(t, out);
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
    if ((rc = eng_type_decode(k.data, v, &t)) != CREDO_OK ||
        (rc = eng_retain_get(db, txn, t.id, &t.retain)) != CREDO_OK)
      break;
    eng_type_info(&t, &info);
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
