/*
 * events.c -- the write side of events: record, correct, repair, retract.
 *
 * Every change appends a version; nothing stored is ever rewritten in
 * place. STOR_EVENTS holds each event's latest version; when a new version
 * arrives, the one it supersedes moves, byte for byte, to STOR_VERSIONS
 * under (event id, recorded, version no). So "the latest" is one lookup and
 * "as of T" is one more (read.c).
 *
 * Indexes: subject and (source, ref) never change for an event; the type
 * and public_until indexes are supersets: a correction or repair adds an
 * entry for the new value and keeps the old one, so they serve AS OF reads
 * of any past state; scans re-check each candidate against the version
 * they read (read.c), which also makes each event come out once.
 *
 * Publicity policy: the window is computed when an event is recorded, from
 * its type's policy, and stored with it (a later policy change would not
 * rewrite it). Repair is refused before public_from + REPAIRABLE AFTER.
 *
 * Does not: read for queries (read.c) or parse CQL.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "eng.h"
#include "timeutil.h"
#include "erase.h"
#include "ids.h"
#include "jcanon.h"
#include "proj.h"

static const char KEY_NEXT_EVENT[] = "next_event";

/* ------------------------------------------------------------ helpers */

/* Canonical JSON text of an object: compact, keys sorted, each number
 * in the form jcanon.c states (plain decimals of up to 18 significant
 * digits kept exactly). *out is malloc'ed.
 * CREDO_INVALID with jansson's position for bad text. */
int eng_json_canon(credo *db, const char *in, char **out) {
  json_error_t je;
  json_t *j;
  *out = NULL;
  if (!in)
    in = "{}";
  if (strlen(in) > ENG_MAX_DATA)
    return eng_err(db, CREDO_INVALID, "data is larger than %u bytes",
                   ENG_MAX_DATA);
  j = json_loads(in, JSON_REJECT_DUPLICATES, &je);
  if (!j)
    return eng_err(db, CREDO_INVALID,
                   "data is not valid JSON: %s (line %d, "
                   "column %d)",
                   je.text, je.line, je.column);
  if (!json_is_object(j)) {
    json_decref(j);
    return eng_err(db, CREDO_INVALID, "data must be a JSON object");
  }
  *out = eng_jcanon_dump(j, in);
  json_decref(j);
  return *out ? CREDO_OK : eng_err(db, CREDO_NOMEM, "out of memory");
}

static int check_text(credo *db, const char *what, const char *s, size_t max,
                      int required) {
  size_t n = s ? strlen(s) : 0;
  if (required && n == 0)
    return eng_err(db, CREDO_INVALID, "%s is required", what);
  if (n > max)
    return eng_err(db, CREDO_INVALID, "%s is longer than %zu bytes", what, max);
  if (n && !eng_utf8_valid(s, n))
    return eng_err(db, CREDO_INVALID, "%s is not valid UTF-8", what);
  return CREDO_OK;
}

static int put_index(credo *db, stor_txn *txn, int table, const stor_key *k,
                     stor_val v) {
  int rc = stor_put(txn, table, stor_key_val(k), v);
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot write an index");
}

static int index_type(credo *db, stor_txn *txn, uint32_t type, uint64_t id) {
  stor_key k;
  stor_key_init(&k);
  stor_key_u32(&k, type);
  stor_key_u64(&k, id);
  return put_index(db, txn, STOR_TYPE_EVENTS, &k, (stor_val){"", 0});
}

static int index_until(credo *db, stor_txn *txn, credo_time until,
                       uint64_t id) {
  stor_key k;
  stor_key_init(&k);
  stor_key_i64(&k, until);
  stor_key_u64(&k, id);
  return put_index(db, txn, STOR_UNTIL_EVENTS, &k, (stor_val){"", 0});
}

/* (subject, id) with the version's publicity as payload (codec.h). */
static int index_subject(credo *db, stor_txn *txn, const eng_version *v,
                         uint64_t id) {
  unsigned char pay[ENG_SUBJ_PAYLOAD];
  stor_key k;
  stor_key_init(&k);
  stor_key_str(&k, v->subject);
  stor_key_u64(&k, id);
  eng_subj_payload_encode(v, pay);
  return put_index(db, txn, STOR_SUBJ_EVENTS, &k, (stor_val){pay, sizeof pay});
}

int eng_put_version(credo *db, stor_txn *txn, int table, uint64_t id,
                    const eng_version *v) {
  unsigned char *buf;
  size_t len;
  stor_key k;
  int rc = eng_version_encode(v, &buf, &len);
  if (rc != CREDO_OK)
    return eng_err(db, rc, "cannot encode a version");
  stor_key_init(&k);
  stor_key_u64(&k, id);
  if (table == STOR_VERSIONS) {
    stor_key_i64(&k, v->recorded);
    stor_key_u32(&k, v->vno);
  }
  rc = stor_put(txn, table, stor_key_val(&k), (stor_val){buf, len});
  free(buf);
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot write a version");
  /* the latest version's columns, in the same transaction (proj.c) */
  return table == STOR_EVENTS ? eng_proj_put(db, txn, id, v) : CREDO_OK;
}

/* Loads the latest version of `id` into the handle's scratch buffer, so
 * that it survives the writes that follow; *v points into it. */
int eng_load_latest(credo *db, stor_txn *txn, uint64_t id, eng_version *v) {
  stor_val val;
  int rc;
  rc = stor_get_u64(txn, STOR_EVENTS, id, &val);
  if (rc == CREDO_NOTFOUND)
    return eng_err(db, rc, "event %llu does not exist", (unsigned long long)id);
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read an event");
  if (db->scratch_cap < val.len) {
    unsigned char *p = realloc(db->scratch, val.len);
    if (!p)
      return eng_err(db, CREDO_NOMEM, "out of memory");
    db->scratch = p;
    db->scratch_cap = val.len;
  }
  memcpy(db->scratch, val.data, val.len);
  rc = eng_version_decode((stor_val){db->scratch, val.len}, v);
  if (rc != CREDO_OK)
    return eng_err(db, rc, "event %llu has a corrupt record",
                   (unsigned long long)id);
  return CREDO_OK;
}

int eng_version_supersede(credo *db, stor_txn *txn, uint64_t id,
                          const eng_version *old, const eng_version *nv) {
  int rc;
  if ((rc = eng_put_version(db, txn, STOR_VERSIONS, id, old)) != CREDO_OK)
    return rc;
  if ((rc = eng_put_version(db, txn, STOR_EVENTS, id, nv)) != CREDO_OK)
    return rc;
  if (nv->type_id != old->type_id &&
      (rc = index_type(db, txn, nv->type_id, id)) != CREDO_OK)
    return rc;
  if (nv->public_until != old->public_until &&
      (rc = index_until(db, txn, nv->public_until, id)) != CREDO_OK)
    return rc;
  if ((nv->public_from != old->public_from ||
       nv->public_until != old->public_until ||
       nv->retracted != old->retracted) &&
      (rc = index_subject(db, txn, nv, id)) != CREDO_OK)
    return rc;
  if ((rc = eng_pubidx_update(db, txn, id, old, nv)) != CREDO_OK)
    return rc;
  db->changes = 1;
  return CREDO_OK;
}

/* Appends `nv` (built from `old`, the latest) as the event's new latest
 * version made by this handle now. */
static int append_version(credo *db, stor_txn *txn, uint64_t id,
                          const eng_version *old, eng_version *nv, int op,
                          const char *reason) {
  int rc;
  nv->op = (uint8_t)op;
  nv->vno = old->vno + 1;
  nv->actor = db->actor;
  nv->reason = reason;
  if ((rc = eng_txn_time(db, txn, &nv->recorded)) != CREDO_OK)
    return rc;
  return eng_version_supersede(db, txn, id, old, nv);
}

/* ------------------------------------------------------------- record */

static int next_event_id(credo *db, stor_txn *txn, uint64_t *id) {
  stor_val k = {KEY_NEXT_EVENT, sizeof KEY_NEXT_EVENT - 1}, v;
  stor_key nk;
  int rc = stor_get(txn, STOR_META, k, &v);
  *id = 1;
  if (rc == CREDO_OK && v.len == 8)
    *id = stor_dec_u64(v.data);
  else if (rc != CREDO_NOTFOUND)
    return eng_err(db, rc == CREDO_OK ? CREDO_CORRUPT : rc,
                   "cannot read META next_event");
  stor_key_init(&nk);
  stor_key_u64(&nk, *id + 1);
  rc = stor_put(txn, STOR_META, k, stor_key_val(&nk));
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot allocate an id");
}

/* Same fact recorded again? Compares what the caller gave with the
 * event's latest version (a corrected record resent by its source is the
 * same; a stale one is a conflict naming the version); explicit window
 * ends only when the caller gave them. */
static int same_fact(credo *db, stor_txn *txn, uint64_t id,
                     const eng_version *nv, const credo_record *r) {
  eng_version cur;
  const char *diff = NULL;
  int rc = eng_load_latest(db, txn, id, &cur);
  if (rc != CREDO_OK)
    return rc;
  if (cur.type_id != nv->type_id)
    diff = "type";
  else if (cur.occurred != nv->occurred)
    diff = "occurred";
  else if (r->public_from != CREDO_TIME_DEFAULT &&
           cur.public_from != nv->public_from)
    diff = "public_from";
  else if (r->public_until != CREDO_TIME_DEFAULT &&
           cur.public_until != nv->public_until)
    diff = "public_until";
  else if (!eng_jcanon_same(cur.data, nv->data))
    diff = "data";
  if (!diff)
    return CREDO_OK;
  return eng_err(db, CREDO_CONFLICT,
                 "source \"%s\" ref \"%s\" subject \"%s\" is already event "
                 "%llu, whose latest version %u has a different %s",
                 nv->source, nv->ref, nv->subject, (unsigned long long)id,
                 cur.vno, diff);
}

static int check_record_args(credo *db, const credo_record *r) {
  int rc;
  if ((rc = check_text(db, "subject", r->subject, ENG_MAX_SUBJECT_ID, 1)) ||
      (rc = check_text(db, "type", r->type, ENG_MAX_TYPE_NAME, 1)) ||
      (rc = check_text(db, "source", r->source, ENG_MAX_SOURCE, 1)) ||
      (rc = eng_source_check(db, r->source)) ||
      (rc = check_text(db, "ref", r->ref, ENG_MAX_REF, 1)) ||
      (rc = check_text(db, "reason", r->reason, ENG_MAX_REASON, 0)))
    return rc;
  if (r->occurred == CREDO_TIME_DEFAULT || r->occurred == CREDO_TIME_OPEN)
    return eng_err(db, CREDO_INVALID, "occurred must be a point in time");
  return CREDO_OK;
}

/* The bounds of a window under type `t` for an event that occurred at
 * `occurred`, computed in the store's zone `stz`: *lo the end of the
 * minimum publicity (repairable from), *hi the end of the maximum
 * (CREDO_TIME_OPEN for an open type). */
static void bounds(const eng_type *t, credo_time occurred, int stz,
                   credo_time *lo, credo_time *hi) {
  *lo = credo_time_add(occurred, t->repairable_after, stz);
  *hi = t->flags & CREDO_TYPE_OPEN
            ? CREDO_TIME_OPEN
            : credo_time_add(occurred, t->publicity, stz);
}

/* 1 when `t` is an instant ISO 8601 text with a four-digit year carries
 * (what export writes and import reads back). */
static int in_years(credo_time t) {
  return t >= ENG_TIME_FIRST && t <= ENG_TIME_LAST;
}

/* Checks a window against the rules of its type (docs/rules.md 1-3, 5):
 * it starts at the decision at the earliest, ends by the maximum, not
 * before the minimum unless `repaired`; a NOT PUBLISHED type has the
 * empty window at `occurred`. `what` names the statement for messages. */
static int check_window(credo *db, const eng_type *t, const eng_version *v,
                        int stz, int repaired) {
  char a[48], b[48], d[64];
  credo_time lo, hi;
  if (!in_years(v->occurred) || !in_years(v->public_from) ||
      (v->public_until != CREDO_TIME_OPEN && !in_years(v->public_until)))
    return eng_err(db, CREDO_RANGE,
                   "the record's times reach outside the years 0001-9999 "
                   "(occurred %s, public until %s), which export could not "
                   "write back",
                   eng_fmt_time(db, v->occurred, a, sizeof a),
                   eng_fmt_time(db, v->public_until, b, sizeof b));
  if (t->flags & CREDO_TYPE_NOT_PUBLISHED) {
    if (v->public_from != v->occurred || v->public_until != v->occurred)
      return eng_err(db, CREDO_REFUSED,
                     "type %s is NOT PUBLISHED: its records are never public, "
                     "so they take no PUBLIC FROM or UNTIL",
                     t->name);
    return CREDO_OK;
  }
  if (v->public_from < v->occurred)
    return eng_err(db, CREDO_REFUSED,
                   "PUBLIC FROM %s is before OCCURRED %s: publicity starts "
                   "at the decision date at the earliest",
                   eng_fmt_time(db, v->public_from, a, sizeof a),
                   eng_fmt_time(db, v->occurred, b, sizeof b));
  if (v->public_until <= v->public_from)
    return eng_err(db, CREDO_INVALID,
                   "publicity window is empty: public until %s is not after "
                   "public from %s",
                   eng_fmt_time(db, v->public_until, a, sizeof a),
                   eng_fmt_time(db, v->public_from, b, sizeof b));
  bounds(t, v->occurred, stz, &lo, &hi);
  if (hi != CREDO_TIME_OPEN && v->public_until > hi) {
    credo_duration_format(t->publicity, d, sizeof d);
    return eng_err(db, CREDO_REFUSED,
                   "UNTIL %s is after the maximum publicity: %s (OCCURRED + "
                   "PUBLICITY %s of type %s)",
                   eng_fmt_time(db, v->public_until, a, sizeof a),
                   eng_fmt_time(db, hi, b, sizeof b), d, t->name);
  }
  if (!repaired && v->public_until < lo) {
    credo_duration_format(t->repairable_after, d, sizeof d);
    return eng_err(db, CREDO_REFUSED,
                   "UNTIL %s is before the minimum publicity: %s (OCCURRED + "
                   "REPAIRABLE AFTER %s of type %s); ending it earlier is a "
                   "REPAIR",
                   eng_fmt_time(db, v->public_until, a, sizeof a),
                   eng_fmt_time(db, lo, b, sizeof b), d, t->name);
  }
  return CREDO_OK;
}

/* Computes the stored window from the arguments and the type's policy,
 * in the store's zone, and checks it. */
static int window(credo *db, stor_txn *txn, const credo_record *r,
                  const eng_type *t, eng_version *v) {
  credo_time lo, hi;
  int stz, rc;
  if ((rc = eng_store_tz(db, txn, &stz)) != CREDO_OK)
    return rc;
  bounds(t, v->occurred, stz, &lo, &hi);
  if (t->flags & CREDO_TYPE_NOT_PUBLISHED) {
    v->public_from = r->public_from == CREDO_TIME_DEFAULT ? v->occurred : 0;
    v->public_until = r->public_until == CREDO_TIME_DEFAULT ? v->occurred : 0;
    return check_window(db, t, v, stz, 0);
  }
  v->public_from = r->public_from == CREDO_TIME_DEFAULT ? v->occurred
                   : r->public_from == CREDO_TIME_NOW   ? credo_now(db)
                                                        : r->public_from;
  if (r->public_until != CREDO_TIME_DEFAULT)
    v->public_until =
        r->public_until == CREDO_TIME_NOW ? credo_now(db) : r->public_until;
  else
    v->public_until = hi;
  return check_window(db, t, v, stz, 0);
}

int eng_event_insert(credo *db, stor_txn *txn, uint64_t id,
                     const eng_version *v) {
  int rc;
  /* an erased record is not brought back by a resend or an import */
  if ((rc = eng_erased_check(db, txn, id, v)) != CREDO_OK ||
      (rc = eng_put_version(db, txn, STOR_EVENTS, id, v)) != CREDO_OK ||
      (rc = eng_srcref_put(db, txn, id, v)) != CREDO_OK)
    return rc;
  if ((rc = index_subject(db, txn, v, id)) ||
      (rc = index_type(db, txn, v->type_id, id)) ||
      (rc = index_until(db, txn, v->public_until, id)) ||
      (rc = eng_pubidx_update(db, txn, id, NULL, v)))
    return rc;
  db->changes = 1;
  return CREDO_OK;
}

static int record_in(credo *db, stor_txn *txn, const credo_record *r,
                     const char *data, uint64_t *id_out, int *created) {
  const eng_type *t;
  eng_version v = {0};
  uint64_t id;
  int rc;

  if ((rc = eng_source_allowed(db, txn, r->source, "record")) != CREDO_OK)
    return rc;
  if ((rc = eng_type_by_name(db, txn, r->type, &t)) != CREDO_OK)
    return rc;
  if ((rc = eng_subject_exists(db, txn, r->subject)) != CREDO_OK)
    return rc;
  v.op = CREDO_OP_RECORD;
  v.vno = 1;
  v.type_id = t->id;
  v.subject = r->subject;
  v.source = r->source;
  v.ref = r->ref;
  v.actor = db->actor;
  v.reason = r->reason ? r->reason : "";
  v.data = data;
  v.occurred = r->occurred == CREDO_TIME_NOW ? credo_now(db) : r->occurred;
  if ((rc = window(db, txn, r, t, &v)) != CREDO_OK)
    return rc;
  rc = eng_srcref_find(db, txn, r->source, r->ref, r->subject, &id);
  if (rc == CREDO_OK) {
    *id_out = id;
    return same_fact(db, txn, id, &v, r);
  }
  if (rc != CREDO_NOTFOUND)
    return rc;
  if ((rc = next_event_id(db, txn, &id)) != CREDO_OK ||
      (rc = eng_txn_time(db, txn, &v.recorded)) != CREDO_OK ||
      (rc = eng_event_insert(db, txn, id, &v)) != CREDO_OK)
    return rc;
  *id_out = id;
  *created = 1;
  return CREDO_OK;
}

int eng_record_event(credo *db, const credo_record *rec, uint64_t *id_out,
                     int *created) {
  char *data = NULL;
  stor_txn *txn;
  uint64_t id = 0;
  int owned, rc, made = 0;

  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  db->changes = 0;
  if ((rc = eng_require(db, eng_can_write_records(db), "record events")))
    return rc;
  if (!rec)
    return eng_err(db, CREDO_INVALID, "record is NULL");
  if ((rc = check_record_args(db, rec)) != CREDO_OK)
    return rc;
  if ((rc = eng_json_canon(db, rec->data, &data)) != CREDO_OK)
    return rc;
  if ((rc = eng_write_begin(db, &txn, &owned)) == CREDO_OK) {
    rc = record_in(db, txn, rec, data, &id, &made);
    rc = eng_write_end(db, txn, owned, rc);
  }
  free(data);
  if (rc == CREDO_OK) {
    if (id_out)
      *id_out = id;
    if (created)
      *created = made;
  }
  return rc;
}

/* ------------------------------------------------------------ correct */

#define SET_WINDOW                                                             \
  (CREDO_SET_OCCURRED | CREDO_SET_PUBLIC_FROM | CREDO_SET_PUBLIC_UNTIL |       \
   CREDO_SET_TYPE)

/* The window of a correction: a new type recomputes it from that type's
 * policy, a new decision date moves it with the date; explicit values
 * win. A repaired record's end never moves later (rule 5). */
static int corrected_window(credo *db, stor_txn *txn, const eng_version *old,
                            const credo_correction *c, const eng_type *t,
                            eng_version *nv) {
  char a[48];
  credo_time lo, hi;
  int stz, rc;
  if ((rc = eng_store_tz(db, txn, &stz)) != CREDO_OK)
    return rc;
  if (c->set & CREDO_SET_OCCURRED)
    nv->occurred = c->occurred;
  bounds(t, nv->occurred, stz, &lo, &hi);
  if (c->set & CREDO_SET_TYPE) {
    nv->public_from = nv->occurred;
    nv->public_until = t->flags & CREDO_TYPE_NOT_PUBLISHED ? nv->occurred : hi;
  } else if (c->set & CREDO_SET_OCCURRED) {
    credo_time delta = nv->occurred - old->occurred;
    nv->public_from = old->public_from + delta;
    if (old->public_until != CREDO_TIME_OPEN)
      nv->public_until = old->public_until + delta;
  }
  if (c->set & CREDO_SET_PUBLIC_FROM)
    nv->public_from = c->public_from;
  if (c->set & CREDO_SET_PUBLIC_UNTIL)
    nv->public_until = c->public_until;
  if (old->repaired && !(c->set & CREDO_SET_PUBLIC_UNTIL) &&
      nv->public_until > old->public_until)
    nv->public_until = old->public_until;
  if (old->repaired && nv->public_until > old->public_until)
    return eng_err(db, CREDO_REFUSED,
                   "correction refused: the publicity of this record was "
                   "repaired to end %s, and a correction cannot make it "
                   "public again",
                   eng_fmt_time(db, old->public_until, a, sizeof a));
  return check_window(db, t, nv, stz, old->repaired);
}

static int correct_in(credo *db, stor_txn *txn, uint64_t id,
                      const credo_correction *c, const char *data,
                      const char *reason) {
  eng_version old, nv;
  const eng_type *t;
  int rc;

  if ((rc = eng_load_latest(db, txn, id, &old)) != CREDO_OK)
    return rc;
  if (old.retracted)
    return eng_err(db, CREDO_REFUSED, "event %llu is retracted",
                   (unsigned long long)id);
  if ((rc = eng_source_allowed(db, txn, old.source, "correct")) != CREDO_OK)
    return rc;
  nv = old;
  if ((rc = (c->set & CREDO_SET_TYPE)
                ? eng_type_by_name(db, txn, c->type, &t)
                : eng_type_by_id(db, txn, old.type_id, &t)) != CREDO_OK)
    return rc;
  nv.type_id = t->id;
  if ((c->set & SET_WINDOW) &&
      (rc = corrected_window(db, txn, &old, c, t, &nv)) != CREDO_OK)
    return rc;
  if (data) {
    nv.data = data;
    nv.data_len = (uint32_t)strlen(data);
  }
  return append_version(db, txn, id, &old, &nv, CREDO_OP_CORRECT, reason);
}

static int check_time_arg(credo *db, const char *what, credo_time t,
                          int open_ok) {
  if (t == CREDO_TIME_DEFAULT || t == CREDO_TIME_NOW ||
      (t == CREDO_TIME_OPEN && !open_ok) || t < CREDO_TIME_MIN)
    return eng_err(db, CREDO_INVALID, "%s must be a point in time", what);
  return CREDO_OK;
}

/* The common entry of the calls that append a version (correct, repair,
 * retract): clears the handle's error and change count, then checks the
 * role (`allowed`, for the message: `what`) and that a reason is given.
 * CREDO_OK or the error, already on the handle. */
static int version_entry(credo *db, int allowed, const char *what,
                         const char *reason) {
  int rc;
  eng_err_clear(db);
  db->changes = 0;
  if ((rc = eng_require(db, allowed, what)))
    return rc;
  return check_text(db, "reason", reason, ENG_MAX_REASON, 1);
}

int eng_correct_event(credo *db, uint64_t id, const credo_correction *c,
                      const char *reason) {
  char *data = NULL;
  stor_txn *txn;
  int owned, rc;

  if (!db)
    return CREDO_MISUSE;
  if (!c || c->set == 0) {
    eng_err_clear(db);
    return eng_err(db, CREDO_INVALID, "a correction must set something");
  }
  /* the data of a record is the recorder's; its window, decision date and
   * type are the repairer's (rule 5) */
  if ((rc = version_entry(
           db,
           (!(c->set & SET_WINDOW) || eng_can_repair(db)) &&
               (!(c->set & CREDO_SET_DATA) || eng_can_write_records(db)),
           c->set & SET_WINDOW
               ? "correct the window, decision date or type of events"
               : "correct events",
           reason)))
    return rc;
  if (((c->set & CREDO_SET_OCCURRED) &&
       (rc = check_time_arg(db, "occurred", c->occurred, 0))) ||
      ((c->set & CREDO_SET_PUBLIC_FROM) &&
       (rc = check_time_arg(db, "public_from", c->public_from, 0))) ||
      ((c->set & CREDO_SET_PUBLIC_UNTIL) &&
       (rc = check_time_arg(db, "public_until", c->public_until, 1))))
    return rc;
  if ((c->set & CREDO_SET_TYPE) && !c->type)
    return eng_err(db, CREDO_INVALID, "type is required");
  if ((c->set & CREDO_SET_DATA) &&
      (rc = eng_json_canon(db, c->data, &data)) != CREDO_OK)
    return rc;
  if ((rc = eng_write_begin(db, &txn, &owned)) == CREDO_OK) {
    rc = correct_in(db, txn, id, c, data, reason);
    rc = eng_write_end(db, txn, owned, rc);
  }
  free(data);
  return rc;
}

/* ------------------------------------------------------------- repair */

static int repair_in(credo *db, stor_txn *txn, uint64_t id, credo_time eff,
                     const char *reason) {
  eng_version old, nv;
  const eng_type *t;
  char a[48], b[64];
  credo_time earliest;
  int rc, stz;

  if ((rc = eng_load_latest(db, txn, id, &old)) != CREDO_OK)
    return rc;
  if (old.retracted)
    return eng_err(db, CREDO_REFUSED,
                   "repair refused: event %llu is "
                   "retracted",
                   (unsigned long long)id);
  if (old.public_until != CREDO_TIME_OPEN && old.public_until <= eff)
    return eng_err(db, CREDO_REFUSED,
                   "repair refused: publicity of event %llu already ends "
                   "%s, not after %s",
                   (unsigned long long)id,
                   eng_fmt_time(db, old.public_until, a, sizeof a),
                   eng_fmt_time(db, eff, b, sizeof b));
  if ((rc = eng_type_by_id(db, txn, old.type_id, &t)) != CREDO_OK)
    return rc;
  if (t->flags & CREDO_TYPE_POSITIVE)
    return eng_err(db, CREDO_REFUSED,
                   "repair refused: repair applies to adverse records only "
                   "(type %s is POSITIVE)",
                   t->name);
  if ((rc = eng_store_tz(db, txn, &stz)) != CREDO_OK)
    return rc;
  /* the minimum runs from the decision date, whatever public_from says */
  earliest = credo_time_add(old.occurred, t->repairable_after, stz);
  if (eff < earliest) {
    credo_duration_format(t->repairable_after, b, sizeof b);
    return eng_err(db, CREDO_REFUSED,
                   "repair refused: earliest allowed %s (REPAIRABLE AFTER %s)",
                   eng_fmt_time(db, earliest, a, sizeof a), b);
  }
  nv = old;
  nv.public_until = eff;
  nv.repaired = 1;
  return append_version(db, txn, id, &old, &nv, CREDO_OP_REPAIR, reason);
}

int eng_repair_event(credo *db, uint64_t id, credo_time effective,
                     const char *reason) {
  stor_txn *txn;
  int owned, rc;

  if (!db)
    return CREDO_MISUSE;
  if ((rc = version_entry(db, eng_can_repair(db), "repair events", reason)))
    return rc;
  if (effective == CREDO_TIME_NOW)
    effective = credo_now(db);
  if ((rc = check_time_arg(db, "effective", effective, 0)))
    return rc;
  if ((rc = eng_write_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = repair_in(db, txn, id, effective, reason);
  return eng_write_end(db, txn, owned, rc);
}

/* ------------------------------------------------------------ retract */

static int retract_in(credo *db, stor_txn *txn, uint64_t id,
                      const char *reason) {
  eng_version old, nv;
  int rc;
  if ((rc = eng_load_latest(db, txn, id, &old)) != CREDO_OK)
    return rc;
  if (old.retracted)
    return eng_err(db, CREDO_REFUSED, "event %llu is already retracted",
                   (unsigned long long)id);
  if ((rc = eng_source_allowed(db, txn, old.source, "retract")) != CREDO_OK)
    return rc;
  nv = old;
  nv.retracted = 1;
  return append_version(db, txn, id, &old, &nv, CREDO_OP_RETRACT, reason);
}

int eng_retract_event(credo *db, uint64_t id, const char *reason) {
  stor_txn *txn;
  int owned, rc;

  if (!db)
    return CREDO_MISUSE;
  /* a recorder retracts the events of its own sources (a decision
   * revoked on review or in court is withdrawn by its department) */
  if ((rc = version_entry(db, eng_can_repair(db) || eng_can_write_records(db),
                          "retract events", reason)))
    return rc;
  if ((rc = eng_write_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  rc = retract_in(db, txn, id, reason);
  return eng_write_end(db, txn, owned, rc);
}
