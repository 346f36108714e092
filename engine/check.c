/*
 * check.c -- the integrity check (credo_check): reads every table of one
 * snapshot and reports, one line each, whatever breaks the invariants the
 * write side keeps (events.c, types.c, subjects.c, txn.c):
 *  - types and type_ids map names and ids both ways; ids are below META
 *    next_type;
 *  - every event's versions are numbered 1..n, in transaction-time order,
 *    the superseded ones in `versions` under (id, recorded, vno) matching
 *    their content and the latest in `events`; subject, source and ref
 *    never change along the chain; a retracted event stays retracted;
 *  - every event is in subj_events and source_ref, and in type_events and
 *    until_events under the value of each of its versions (those indexes
 *    are supersets, for AS OF reads); every entry of the four indexes
 *    points to an existing event one of whose versions holds the entry's
 *    value;
 *  - every event's subject exists and every type id resolves;
 *  - the tables' own entry counts agree with what the walk saw;
 *  - META next_event / next_type are above every id, last_tx is at or
 *    after every transaction time;
 *  - the erasure ledger and type_retain (erase_check.c);
 *  - the projection of the latest versions (proj_check.c).
 *
 * Cost: one pass over each table plus point look-ups; memory O(1) (the
 * walk keeps pointers into the snapshot only). Reads in one transaction,
 * so it runs beside writers and judges one consistent state.
 *
 * First of all a sweep reads every entry of every table once, so that the
 * storage layer verifies each value's checksum (storage/sum.c): each
 * mismatch is one problem naming table and key, and a table whose B-tree
 * cannot be walked to its end is one problem. When the sweep found any,
 * the checks above are skipped (their answers would be about damaged
 * records) and the report says so. Each decoded version's strings must be
 * valid UTF-8 and its data a JSON object.
 *
 * Does not: repair anything, survive a crash inside LMDB on damaged pages
 * (the `credo check` tool runs it in a child process and reports such a
 * crash as corruption), or check a backup's checksum (backup.c).
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proj.h"
#include "codec.h"
#include "eng.h"
#include "keys.h"
#include "erase.h"
#include "ids.h"

typedef struct ck {
  credo *db;
  stor_txn *txn;
  credo_check_fn cb;
  void *arg;
  credo_check_report rep;
  int stop; /* the callback asked to stop */
  credo_time last_tx;
  uint64_t next_event, next_type;
  uint64_t max_event, max_type;
  credo_time max_time;
} ck;

/* The state of one event's version chain during the walk. */
typedef struct chain {
  uint32_t n; /* versions seen */
  credo_time prev;
  int retracted;
  const char *subject, *source, *ref; /* of the first version seen */
} chain;

void eng_check_say(credo_check_fn fn, void *arg, int *stop, const char *fmt,
                   ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (fn && !*stop && fn(arg, line) != 0)
    *stop = 1;
}

/* A problem of the store: counted, and reported unless told to stop. */
#define problem(c, ...)                                                        \
  ((c)->rep.problems++,                                                        \
   eng_check_say((c)->cb, (c)->arg, &(c)->stop, __VA_ARGS__))

static void saw_time(ck *c, credo_time t) {
  if (t > c->max_time)
    c->max_time = t;
}

/* 1 when the key holds one NUL-terminated string of `tail` more bytes. */
static int str_key(stor_val k, size_t tail) {
  const char *p = k.data;
  return k.len > tail && memchr(p, 0, k.len - tail) == p + k.len - tail - 1;
}

static int has_key(ck *c, int table, const stor_key *k, int *found) {
  stor_val v;
  int rc = stor_get(c->txn, table, stor_key_val(k), &v);
  *found = rc == CREDO_OK;
  return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
}

/* ---------------------------------------------------------- sweep */

/* Reads every entry of `table`: each checksum mismatch is a problem (the
 * cursor stays on the entry and goes on); any other failure ends the
 * table's walk as one problem. */
static void sweep_table(ck *c, int table) {
  char what[256];
  stor_cursor *cur = NULL;
  stor_val k, v;
  int rc;

  if ((rc = stor_cursor_open(c->txn, table, &cur)) != CREDO_OK) {
    problem(c, "%s: cannot be read: %s", stor_table_name(table),
            credo_strerror(rc));
    return;
  }
  for (rc = stor_cursor_first(cur, &k, &v); !c->stop;
       rc = stor_cursor_next(cur, &k, &v)) {
    if (rc == CREDO_OK)
      continue;
    if (rc == CREDO_NOTFOUND)
      break;
    if (rc == CREDO_CORRUPT && stor_corruption_take(what, sizeof what)) {
      problem(c, "%s", what);
      continue;
    }
    problem(c, "%s: the walk stopped on damaged pages: %s",
            stor_table_name(table), credo_strerror(rc));
    break;
  }
  stor_cursor_close(cur);
}

/* The number of problems the sweep of every table found. */
static uint64_t sweep(ck *c) {
  uint64_t before = c->rep.problems;

  for (int t = 0; t < STOR_NTABLES && !c->stop; t++)
    sweep_table(c, t);
  return c->rep.problems - before;
}

/* What a decoded version holds must be text and JSON (a flipped bit that
 * a checksum did not see, or a record written by a bug). */
static void check_content(ck *c, const char *table, uint64_t id,
                          const eng_version *v) {
  const char *const s[] = {v->subject, v->source, v->ref, v->actor, v->reason};
  const char *const name[] = {"subject", "source", "ref", "actor", "reason"};
  json_t *j;

  for (size_t i = 0; i < sizeof s / sizeof *s; i++)
    if (!eng_utf8_valid(s[i], strlen(s[i])))
      problem(c, "%s: event %llu version %u: %s is not valid UTF-8", table,
              (unsigned long long)id, v->vno, name[i]);
  if (!eng_utf8_valid(v->data, v->data_len)) {
    problem(c, "%s: event %llu version %u: data is not valid UTF-8", table,
            (unsigned long long)id, v->vno);
    return;
  }
  j = json_loadb(v->data, v->data_len, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(j))
    problem(c, "%s: event %llu version %u: data is not a JSON object", table,
            (unsigned long long)id, v->vno);
  json_decref(j);
}

/* ----------------------------------------------------------- META */

static int read_meta(ck *c) {
  static const char *const keys[] = {"next_event", "next_type"};
  const size_t width[] = {ENG_K_ID_LEN, ENG_K_TYPE_LEN};
  uint64_t *dst[] = {&c->next_event, &c->next_type};
  stor_val v;
  int rc;

  if ((rc = eng_last_tx(c->db, c->txn, &c->last_tx)) != CREDO_OK) {
    problem(c, "meta: last_tx: %s", credo_errmsg(c->db));
    eng_err_clear(c->db);
  }
  for (int i = 0; i < 2; i++) {
    *dst[i] = 1;
    rc = stor_get(c->txn, STOR_META, (stor_val){keys[i], strlen(keys[i])}, &v);
    if (rc == CREDO_NOTFOUND)
      continue;
    if (rc != CREDO_OK)
      return rc;
    if (v.len != width[i])
      problem(c, "meta: %s has %zu bytes, expected %zu", keys[i], v.len,
              width[i]);
    else
      *dst[i] = width[i] == ENG_K_ID_LEN ? stor_dec_u64(v.data)
                                         : stor_dec_u32(v.data);
  }
  return CREDO_OK;
}

static void check_meta_bounds(ck *c) {
  if (c->max_event && c->next_event <= c->max_event)
    problem(c, "meta: next_event is %llu, but event %llu exists",
            (unsigned long long)c->next_event,
            (unsigned long long)c->max_event);
  if (c->max_type && c->next_type <= c->max_type)
    problem(c, "meta: next_type is %llu, but type id %llu exists",
            (unsigned long long)c->next_type, (unsigned long long)c->max_type);
  if (c->max_time > c->last_tx)
    problem(c,
            "meta: last_tx is %lld, but a transaction time %lld is "
            "recorded",
            (long long)c->last_tx, (long long)c->max_time);
}

/* ---------------------------------------------------- types, subjects */

static int check_type(void *arg, stor_val k, stor_val v) {
  ck *c = arg;
  eng_type t;
  stor_key ik;
  stor_val name;
  int rc;

  if (!str_key(k, 0))
    return problem(c, "types: a key is not a name"), CREDO_OK;
  if (eng_type_decode(k.data, v, &t) != CREDO_OK)
    return problem(c, "types: \"%s\": corrupt record", (const char *)k.data),
           CREDO_OK;
  c->max_type = t.id > c->max_type ? t.id : c->max_type;
  saw_time(c, t.created);
  stor_key_init(&ik);
  stor_key_u32(&ik, t.id);
  rc = stor_get(c->txn, STOR_TYPE_IDS, stor_key_val(&ik), &name);
  if (rc == CREDO_NOTFOUND)
    problem(c, "types: \"%s\" has id %u, which type_ids does not have", t.name,
            t.id);
  else if (rc != CREDO_OK)
    return rc;
  else if (name.len != strlen(t.name) + 1 ||
           memcmp(name.data, t.name, name.len) != 0)
    problem(c, "types: \"%s\" has id %u, which type_ids gives to \"%.*s\"",
            t.name, t.id, (int)name.len, (const char *)name.data);
  return CREDO_OK;
}

static int check_type_id(void *arg, stor_val k, stor_val v) {
  ck *c = arg;
  stor_val tv;
  eng_type t;
  uint32_t id;
  int rc;

  if (k.len != ENG_K_TYPE_LEN || !str_key(v, 0))
    return problem(c, "type_ids: an entry is malformed"), CREDO_OK;
  id = stor_dec_u32(k.data);
  rc = stor_get_str(c->txn, STOR_TYPES, v.data, &tv);
  if (rc == CREDO_NOTFOUND)
    problem(c, "type_ids: id %u names \"%s\", which types does not have", id,
            (const char *)v.data);
  else if (rc != CREDO_OK)
    return rc;
  else if (eng_type_decode(v.data, tv, &t) == CREDO_OK && t.id != id)
    problem(c, "type_ids: id %u names \"%s\", whose id is %u", id,
            (const char *)v.data, t.id);
  return CREDO_OK;
}

int eng_check_walk(credo *db, stor_txn *txn, int table, eng_check_entry_fn fn,
                   void *ctx, const int *stop, uint64_t *n) {
  stor_cursor *cur = NULL;
  stor_val k, v;
  int rc;
  if ((rc = stor_cursor_open(txn, table, &cur)) != CREDO_OK)
    return rc;
  for (rc = stor_cursor_first(cur, &k, &v); rc == CREDO_OK && !*stop;
       rc = stor_cursor_next(cur, &k, &v)) {
    if (n)
      (*n)++;
    if ((db && (rc = eng_run_check(db)) != CREDO_OK) ||
        (rc = fn(ctx, k, v)) != CREDO_OK)
      break;
  }
  stor_cursor_close(cur);
  return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
}

/* The record checks' walk: not interruptible, as before the ledger's. */
#define walk(c, table, fn, n)                                                  \
  eng_check_walk(NULL, (c)->txn, table, fn, c, &(c)->stop, n)

static int check_subject(void *arg, stor_val k, stor_val v) {
  ck *c = arg;
  credo_subject_info s;
  if (!str_key(k, 0) || eng_subject_decode(k, v, &s) != CREDO_OK)
    problem(c, "subjects: \"%.*s\": corrupt record", (int)k.len,
            (const char *)k.data);
  else
    saw_time(c, s.created);
  return CREDO_OK;
}

/* -------------------------------------------------------------- events */

/* The index entries every version of event `id` must have. */
static int check_version_indexes(ck *c, uint64_t id, const eng_version *v) {
  stor_key k;
  int found, rc;

  stor_key_init(&k);
  stor_key_u32(&k, v->type_id);
  if ((rc = has_key(c, STOR_TYPE_IDS, &k, &found)) != CREDO_OK)
    return rc;
  if (!found)
    problem(c, "events: event %llu version %u: type id %u does not resolve",
            (unsigned long long)id, v->vno, v->type_id);
  stor_key_u64(&k, id);
  if ((rc = has_key(c, STOR_TYPE_EVENTS, &k, &found)) != CREDO_OK)
    return rc;
  if (!found)
    problem(c,
            "type_events: missing entry (type %u, event %llu) of version "
            "%u",
            v->type_id, (unsigned long long)id, v->vno);
  stor_key_init(&k);
  stor_key_i64(&k, v->public_until);
  stor_key_u64(&k, id);
  if ((rc = has_key(c, STOR_UNTIL_EVENTS, &k, &found)) != CREDO_OK)
    return rc;
  if (!found)
    problem(c, "until_events: missing entry (%lld, event %llu) of version %u",
            (long long)v->public_until, (unsigned long long)id, v->vno);
  return CREDO_OK;
}

/* One version in its chain: numbering, order, immutable fields. */
static int check_chain(ck *c, uint64_t id, const eng_version *v, chain *ch) {
  if (v->vno != ch->n + 1)
    problem(c, "versions: event %llu has version %u where %u was expected",
            (unsigned long long)id, v->vno, ch->n + 1);
  if (ch->n && v->recorded < ch->prev)
    problem(c,
            "versions: event %llu version %u recorded %lld, before the "
            "previous version (%lld)",
            (unsigned long long)id, v->vno, (long long)v->recorded,
            (long long)ch->prev);
  if (!credo_op_name(v->op) || v->op == CREDO_OP_ERASE)
    problem(c, "versions: event %llu version %u has op %d",
            (unsigned long long)id, v->vno, v->op);
  if (ch->retracted && !v->retracted)
    problem(c, "versions: event %llu version %u is no longer retracted",
            (unsigned long long)id, v->vno);
  if (!ch->n) {
    ch->subject = v->subject;
    ch->source = v->source;
    ch->ref = v->ref;
  } else if (strcmp(ch->subject, v->subject) || strcmp(ch->source, v->source) ||
             strcmp(ch->ref, v->ref))
    problem(c,
            "versions: event %llu version %u changes its subject, "
            "source or ref",
            (unsigned long long)id, v->vno);
  ch->n++;
  ch->prev = v->recorded;
  ch->retracted = v->retracted;
  saw_time(c, v->recorded);
  return check_version_indexes(c, id, v);
}

/* A superseded version (key id, recorded, vno). */
static int check_old_version(ck *c, uint64_t id, stor_val k, stor_val v,
                             chain *ch) {
  eng_version ver;
  const unsigned char *p = k.data;
  c->rep.versions++;
  if (eng_version_decode(v, &ver) != CREDO_OK)
    return problem(c, "versions: event %llu version %u: corrupt record",
                   (unsigned long long)id, stor_dec_u32(p + ENG_K_VER_VNO)),
           CREDO_OK;
  check_content(c, "versions", id, &ver);
  if (stor_dec_i64(p + ENG_K_VER_RECORDED) != ver.recorded ||
      stor_dec_u32(p + ENG_K_VER_VNO) != ver.vno)
    problem(c,
            "versions: key (event %llu, %lld, %u) holds version %u "
            "recorded %lld",
            (unsigned long long)id,
            (long long)stor_dec_i64(p + ENG_K_VER_RECORDED),
            stor_dec_u32(p + ENG_K_VER_VNO), ver.vno, (long long)ver.recorded);
  return check_chain(c, id, &ver, ch);
}

/* The latest version and the entries that exist once per event. */
static int check_latest(ck *c, uint64_t id, stor_val v, chain *ch) {
  eng_version ver;
  stor_key k;
  int found, rc;

  c->rep.versions++;
  c->max_event = id > c->max_event ? id : c->max_event;
  if (eng_version_decode(v, &ver) != CREDO_OK)
    return problem(c, "events: event %llu: corrupt record",
                   (unsigned long long)id),
           CREDO_OK;
  check_content(c, "events", id, &ver);
  if ((rc = check_chain(c, id, &ver, ch)) != CREDO_OK)
    return rc;
  stor_key_init(&k);
  stor_key_str(&k, ver.subject);
  if ((rc = has_key(c, STOR_SUBJECTS, &k, &found)) != CREDO_OK)
    return rc;
  if (!found)
    problem(c, "events: event %llu: subject \"%s\" does not exist",
            (unsigned long long)id, ver.subject);
  stor_key_u64(&k, id);
  if ((rc = has_key(c, STOR_SUBJ_EVENTS, &k, &found)) != CREDO_OK)
    return rc;
  if (!found)
    problem(c, "subj_events: missing entry (\"%s\", event %llu)", ver.subject,
            (unsigned long long)id);
  eng_srcref_prefix(&k, ver.source, ver.ref, ver.subject);
  stor_key_u64(&k, id);
  if ((rc = has_key(c, STOR_SOURCE_REF, &k, &found)) != CREDO_OK)
    return rc;
  if (!found)
    problem(c, "source_ref: missing entry (\"%s\", \"%s\", \"%s\", event %llu)",
            ver.source, ver.ref, ver.subject, (unsigned long long)id);
  return CREDO_OK;
}

/* The versions cursor walked beside the events one: rc is the result of
 * its last move, k / v its entry when rc is CREDO_OK. */
typedef struct vcur {
  stor_cursor *c;
  int rc;
  stor_val k, v;
} vcur;

/* The event id of the versions entry under the cursor; 0 when its key is
 * not ENG_K_VER_LEN bytes (reported). */
static int vcur_id(ck *c, const vcur *vc, uint64_t *id) {
  if (vc->k.len != ENG_K_VER_LEN) {
    problem(c, "versions: a key has %zu bytes, expected %d", vc->k.len,
            ENG_K_VER_LEN);
    return 0;
  }
  *id = stor_dec_u64(vc->k.data);
  return 1;
}

/* Reports the superseded versions of events that do not exist, up to
 * (excluding) event `upto`, advancing the versions cursor. */
static int skip_orphans(ck *c, vcur *vc, uint64_t upto) {
  uint64_t vid;
  while (vc->rc == CREDO_OK && !c->stop) {
    if (vcur_id(c, vc, &vid)) {
      if (vid >= upto)
        break;
      c->rep.versions++;
      problem(c, "versions: version %u of event %llu, which does not exist",
              stor_dec_u32((const unsigned char *)vc->k.data + ENG_K_VER_VNO),
              (unsigned long long)vid);
    }
    vc->rc = stor_cursor_next(vc->c, &vc->k, &vc->v);
  }
  return vc->rc == CREDO_OK || vc->rc == CREDO_NOTFOUND ? CREDO_OK : vc->rc;
}

/* One event: its superseded versions (next under the versions cursor),
 * then its latest. */
static int check_event(ck *c, vcur *vc, uint64_t id, stor_val ev) {
  chain ch = {0};
  uint64_t vid;
  int rc;

  if ((rc = skip_orphans(c, vc, id)) != CREDO_OK)
    return rc;
  while (vc->rc == CREDO_OK && !c->stop && vcur_id(c, vc, &vid) && vid == id) {
    if ((rc = check_old_version(c, id, vc->k, vc->v, &ch)) != CREDO_OK)
      return rc;
    vc->rc = stor_cursor_next(vc->c, &vc->k, &vc->v);
  }
  if (vc->rc != CREDO_OK && vc->rc != CREDO_NOTFOUND)
    return vc->rc;
  return check_latest(c, id, ev, &ch);
}

static int check_events(ck *c) {
  stor_cursor *ce = NULL;
  vcur vc = {0};
  stor_val ek, ev;
  int re, rc;

  if ((rc = stor_cursor_open(c->txn, STOR_EVENTS, &ce)) != CREDO_OK ||
      (rc = stor_cursor_open(c->txn, STOR_VERSIONS, &vc.c)) != CREDO_OK)
    goto done;
  vc.rc = stor_cursor_first(vc.c, &vc.k, &vc.v);
  for (re = stor_cursor_first(ce, &ek, &ev); re == CREDO_OK && !c->stop;
       re = stor_cursor_next(ce, &ek, &ev)) {
    c->rep.events++;
    if (ek.len != ENG_K_EVENTS_LEN) {
      problem(c, "events: a key has %zu bytes, expected %d", ek.len,
              ENG_K_EVENTS_LEN);
      continue;
    }
    if ((rc = check_event(c, &vc, stor_dec_u64(ek.data), ev)) != CREDO_OK)
      goto done;
  }
  rc = re == CREDO_NOTFOUND || re == CREDO_OK ? CREDO_OK : re;
  if (rc == CREDO_OK)
    rc = skip_orphans(c, &vc, UINT64_MAX);
done:
  stor_cursor_close(ce);
  stor_cursor_close(vc.c);
  return rc;
}

/* ------------------------------------------------ index -> event */

enum { HAS_TYPE, HAS_UNTIL };

static int version_has(const eng_version *v, int what, int64_t val) {
  return what == HAS_TYPE ? v->type_id == (uint32_t)val
                          : v->public_until == val;
}

/* Whether some version of `id` has type / public_until `val`. *exists is
 * 0 when the event does not exist. */
static int any_version(ck *c, uint64_t id, int what, int64_t val, int *exists,
                       int *found) {
  stor_cursor *cur = NULL;
  stor_key k;
  stor_val key, v;
  eng_version ver;
  int rc;

  *exists = *found = 0;
  stor_key_init(&k);
  stor_key_u64(&k, id);
  rc = stor_get(c->txn, STOR_EVENTS, stor_key_val(&k), &v);
  if (rc != CREDO_OK)
    return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
  *exists = 1;
  if (eng_version_decode(v, &ver) == CREDO_OK &&
      (*found = version_has(&ver, what, val)))
    return CREDO_OK;
  if ((rc = stor_cursor_open(c->txn, STOR_VERSIONS, &cur)) != CREDO_OK)
    return rc;
  for (rc = stor_cursor_seek(cur, stor_key_val(&k), &key, &v);
       rc == CREDO_OK && key.len == ENG_K_VER_LEN &&
       stor_dec_u64(key.data) == id;
       rc = stor_cursor_next(cur, &key, &v))
    if (eng_version_decode(v, &ver) == CREDO_OK &&
        (*found = version_has(&ver, what, val)))
      break;
  stor_cursor_close(cur);
  return rc == CREDO_NOTFOUND || rc == CREDO_OK ? CREDO_OK : rc;
}

static int check_type_entry(void *arg, stor_val k, stor_val v) {
  ck *c = arg;
  uint64_t id;
  uint32_t type;
  int exists, found, rc;
  if (k.len != ENG_K_TE_LEN)
    return problem(c, "type_events: a key has %zu bytes, expected %d", k.len,
                   ENG_K_TE_LEN),
           CREDO_OK;
  type = stor_dec_u32((const unsigned char *)k.data + ENG_K_TE_TYPE);
  id = stor_dec_u64((const unsigned char *)k.data + ENG_K_TE_ID);
  if ((rc = any_version(c, id, HAS_TYPE, type, &exists, &found)))
    return rc;
  if (!exists)
    problem(c,
            "type_events: entry (type %u, event %llu) points to a "
            "missing event",
            type, (unsigned long long)id);
  else if (!found)
    problem(c,
            "type_events: entry (type %u, event %llu): no version of the "
            "event has that type",
            type, (unsigned long long)id);
  return CREDO_OK;
}

static int check_until_entry(void *arg, stor_val k, stor_val v) {
  ck *c = arg;
  uint64_t id;
  credo_time until;
  int exists, found, rc;
  if (k.len != ENG_K_UE_LEN)
    return problem(c, "until_events: a key has %zu bytes, expected %d", k.len,
                   ENG_K_UE_LEN),
           CREDO_OK;
  until = stor_dec_i64((const unsigned char *)k.data + ENG_K_UE_UNTIL);
  id = stor_dec_u64((const unsigned char *)k.data + ENG_K_UE_ID);
  if ((rc = any_version(c, id, HAS_UNTIL, until, &exists, &found)))
    return rc;
  if (!exists)
    problem(c,
            "until_events: entry (%lld, event %llu) points to a missing "
            "event",
            (long long)until, (unsigned long long)id);
  else if (!found)
    problem(c,
            "until_events: entry (%lld, event %llu): no version of the "
            "event has that public_until",
            (long long)until, (unsigned long long)id);
  return CREDO_OK;
}

/* Reads event `id`'s latest version; *exists 0 when it has none. */
static int latest(ck *c, uint64_t id, eng_version *ver, int *exists) {
  stor_val v;
  int rc;
  rc = stor_get_u64(c->txn, STOR_EVENTS, id, &v);
  *exists = rc == CREDO_OK && eng_version_decode(v, ver) == CREDO_OK;
  return rc == CREDO_NOTFOUND || rc == CREDO_OK ? CREDO_OK : rc;
}

/* The entry's payload (codec.h) is the latest version's publicity. An
 * empty value (stores written before the payload) is also valid. */
static int payload_matches(stor_val v, const eng_version *ver) {
  eng_version p;
  return eng_subj_payload_decode(v, &p) == CREDO_OK &&
         p.retracted == ver->retracted && p.public_from == ver->public_from &&
         p.public_until == ver->public_until;
}

static int check_subj_entry(void *arg, stor_val k, stor_val v) {
  ck *c = arg;
  eng_version ver;
  uint64_t id;
  int exists, rc;
  if (!str_key(k, ENG_K_ID_LEN))
    return problem(c, "subj_events: a key is malformed"), CREDO_OK;
  id = stor_dec_u64((const unsigned char *)k.data + ENG_K_TAIL_ID(k.len));
  if ((rc = latest(c, id, &ver, &exists)) != CREDO_OK)
    return rc;
  if (!exists)
    problem(c,
            "subj_events: entry (\"%s\", event %llu) points to a missing "
            "event",
            (const char *)k.data, (unsigned long long)id);
  else if (strcmp(ver.subject, k.data) != 0)
    problem(c,
            "subj_events: entry (\"%s\", event %llu): the event's "
            "subject is \"%s\"",
            (const char *)k.data, (unsigned long long)id, ver.subject);
  else if (v.len != 0 && !payload_matches(v, &ver))
    problem(c,
            "subj_events: entry (\"%s\", event %llu): its publicity "
            "payload differs from the latest version",
            (const char *)k.data, (unsigned long long)id);
  return CREDO_OK;
}

static int check_source_entry(void *arg, stor_val k, stor_val v) {
  ck *c = arg;
  const char *src = k.data, *ref, *subj;
  eng_version ver;
  stor_key want;
  uint64_t id;
  int exists, rc;
  ref = k.len > 11 ? memchr(src, 0, k.len - 8) : NULL;
  subj = ref ? memchr(ref + 1, 0, (size_t)(src + k.len - 8 - ref - 1)) : NULL;
  if (!ref || !subj || src[k.len - 9] != '\0' || v.len != 0)
    return problem(c, "source_ref: an entry is malformed"), CREDO_OK;
  ref++;
  subj++;
  id = stor_dec_u64((const unsigned char *)k.data + ENG_K_TAIL_ID(k.len));
  if ((rc = latest(c, id, &ver, &exists)) != CREDO_OK)
    return rc;
  if (!exists) {
    problem(c, "source_ref: (\"%s\", \"%s\") points to missing event %llu", src,
            ref, (unsigned long long)id);
    return CREDO_OK;
  }
  eng_srcref_prefix(&want, ver.source, ver.ref, ver.subject);
  stor_key_u64(&want, id);
  if (want.len != k.len || memcmp(want.buf, k.data, k.len) != 0)
    problem(c,
            "source_ref: (\"%s\", \"%s\", \"%s\") points to event %llu, "
            "which is (\"%s\", \"%s\", \"%s\")",
            src, ref, subj, (unsigned long long)id, ver.source, ver.ref,
            ver.subject);
  return CREDO_OK;
}

/* ------------------------------------------------------------ counts */

static int check_counts(ck *c, const uint64_t walked[STOR_NTABLES]) {
  static const int tables[] = {
      STOR_TYPES,       STOR_TYPE_IDS,   STOR_SUBJECTS,
      STOR_EVENTS,      STOR_VERSIONS,   STOR_SUBJ_EVENTS,
      STOR_TYPE_EVENTS, STOR_SOURCE_REF, STOR_UNTIL_EVENTS};
  uint64_t n[STOR_NTABLES] = {0};
  int rc;
  for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
    int t = tables[i];
    if ((rc = stor_count(c->txn, t, &n[t])) != CREDO_OK)
      return rc;
    if (n[t] != walked[t])
      problem(c, "%s: counts %llu entries, the walk found %llu",
              stor_table_name(t), (unsigned long long)n[t],
              (unsigned long long)walked[t]);
  }
  if (n[STOR_TYPES] != n[STOR_TYPE_IDS])
    problem(c, "types: %llu entries, type_ids %llu",
            (unsigned long long)n[STOR_TYPES],
            (unsigned long long)n[STOR_TYPE_IDS]);
  if (n[STOR_SUBJ_EVENTS] != n[STOR_EVENTS] ||
      n[STOR_SOURCE_REF] != n[STOR_EVENTS])
    problem(c,
            "events: %llu events, but subj_events has %llu entries and "
            "source_ref %llu",
            (unsigned long long)n[STOR_EVENTS],
            (unsigned long long)n[STOR_SUBJ_EVENTS],
            (unsigned long long)n[STOR_SOURCE_REF]);
  if (n[STOR_TYPE_EVENTS] < n[STOR_EVENTS] ||
      n[STOR_UNTIL_EVENTS] < n[STOR_EVENTS])
    problem(c,
            "events: %llu events, but type_events has only %llu entries "
            "and until_events %llu",
            (unsigned long long)n[STOR_EVENTS],
            (unsigned long long)n[STOR_TYPE_EVENTS],
            (unsigned long long)n[STOR_UNTIL_EVENTS]);
  return CREDO_OK;
}

/* --------------------------------------------------------------- run */

/* The problems of the name index (engine/names.c) and of the public
 * index (engine/pubindex.c) go through problem(). */
static int names_problem(void *arg, const char *line) {
  ck *c = arg;
  problem(c, "%s", line);
  return c->stop;
}

static int run(ck *c) {
  uint64_t w[STOR_NTABLES] = {0}, before, damaged;
  int rc;

  if ((damaged = sweep(c)) != 0) {
    problem(c,
            "check: %llu damaged entr%s or table%s; the record checks were "
            "skipped",
            (unsigned long long)damaged, damaged == 1 ? "y" : "ies",
            damaged == 1 ? "" : "s");
    return CREDO_OK;
  }
  if ((rc = read_meta(c)) || (rc = walk(c, STOR_TYPES, check_type, &w[1])) ||
      (rc = walk(c, STOR_TYPE_IDS, check_type_id, &w[2])) ||
      (rc = walk(c, STOR_SUBJECTS, check_subject, &w[0])) ||
      (rc = check_events(c)))
    return rc;
  c->rep.types = w[1];
  c->rep.subjects = w[0];
  before = c->rep.index_entries;
  if ((rc = walk(c, STOR_SUBJ_EVENTS, check_subj_entry, &w[3])) ||
      (rc = walk(c, STOR_TYPE_EVENTS, check_type_entry, &w[4])) ||
      (rc = walk(c, STOR_SOURCE_REF, check_source_entry, &w[5])) ||
      (rc = walk(c, STOR_UNTIL_EVENTS, check_until_entry, &w[6])))
    return rc;
  c->rep.index_entries = before + w[3] + w[4] + w[5] + w[6];
  /* the name index is checked but not counted in index_entries, whose
   * meaning credo.h fixes (the four event indexes) */
  if (c->stop || (rc = eng_names_check(c->db, c->txn, names_problem, c, &w[7])))
    return rc;
  /* the public index likewise (engine/pubindex.c) */
  if (c->stop ||
      (rc = eng_pubidx_check(c->db, c->txn, names_problem, c, &w[8])))
    return rc;
  /* the erasure ledger and retention (erase_check.c), not counted either */
  if (c->stop || (rc = eng_erase_check(c->db, c->txn, names_problem, c, &w[9])))
    return rc;
  /* the projection of the latest versions (proj_check.c) */
  if (c->stop || (rc = eng_proj_check(c->db, c->txn, names_problem, c, &w[10])))
    return rc;
  if (c->stop)
    return CREDO_OK;
  uint64_t walked[STOR_NTABLES] = {[STOR_TYPES] = w[1],
                                   [STOR_TYPE_IDS] = w[2],
                                   [STOR_SUBJECTS] = w[0],
                                   [STOR_EVENTS] = c->rep.events,
                                   [STOR_VERSIONS] =
                                       c->rep.versions - c->rep.events,
                                   [STOR_SUBJ_EVENTS] = w[3],
                                   [STOR_TYPE_EVENTS] = w[4],
                                   [STOR_SOURCE_REF] = w[5],
                                   [STOR_UNTIL_EVENTS] = w[6]};
  check_meta_bounds(c);
  return check_counts(c, walked);
}

int eng_check(credo *db, credo_check_fn cb, void *arg,
              credo_check_report *out) {
  ck c = {.db = db, .cb = cb, .arg = arg};
  int owned, rc;

  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (out)
    memset(out, 0, sizeof *out);
  if ((rc = eng_require(db, db->role != CREDO_ROLE_PUBLIC, "check a store")))
    return rc;
  if ((rc = eng_read_begin(db, &c.txn, &owned)) != CREDO_OK)
    return rc;
  rc = run(&c);
  eng_read_end(c.txn, owned);
  if (out)
    *out = c.rep;
  if (rc != CREDO_OK)
    return db->errcode ? rc : eng_err_stor(db, rc, "check stopped");
  if (c.stop)
    return eng_err(db, CREDO_CANCELLED,
                   "check stopped by its caller after "
                   "%llu problems",
                   (unsigned long long)c.rep.problems);
  if (c.rep.problems)
    return eng_err(db, CREDO_CORRUPT, "check found %llu problems",
                   (unsigned long long)c.rep.problems);
  return CREDO_OK;
}
