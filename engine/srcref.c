/*
 * srcref.c -- the idempotency key of events (docs/rules.md rule 11):
 * (source, ref, subject), with the year brackets of a decision number in
 * one form, held in STOR_SOURCE_REF.
 *
 * Key: source, 00 | normalised ref, 00 | subject, 00 | event id (u64 BE);
 * value empty. Every event has exactly one entry, retracted ones too (so
 * reads by source and ref find them with INCLUDE RETRACTED); the key is
 * *held* only by an event that is not retracted: a retracted decision can
 * be recorded again, for the right subject.
 *
 * Normalisation: a 4-digit year between brackets of any of the forms
 * 〔2026〕 [2026] 【2026】 (2026) （2026） is written 〔2026〕, so that the
 * same decision number sent by systems with different habits is one key.
 * The ref is stored in the event as sent.
 *
 * Does not: compare the content of a resend (events.c does).
 */
#include <string.h>

#include "codec.h"
#include "eng.h"

#define YEAR_DIGITS 4

static const char *const OPEN_BR[] = {"\xe3\x80\x94", "[", "\xe3\x80\x90", "(",
                                      "\xef\xbc\x88"}; /* 〔 [ 【 ( （ */
static const char *const CLOSE_BR[] = {"\xe3\x80\x95", "]", "\xe3\x80\x91", ")",
                                       "\xef\xbc\x89"}; /* 〕 ] 】 ) ） */
#define NBR (sizeof OPEN_BR / sizeof OPEN_BR[0])
static const char CANON_OPEN[] = "\xe3\x80\x94";  /* 〔 */
static const char CANON_CLOSE[] = "\xe3\x80\x95"; /* 〕 */

/* Length of the bracket of `set` that `p` starts with, 0 for none. */
static size_t bracket_at(const char *p, const char *const *set) {
  for (size_t i = 0; i < NBR; i++) {
    size_t n = strlen(set[i]);
    if (strncmp(p, set[i], n) == 0)
      return n;
  }
  return 0;
}

int eng_ref_norm(const char *ref, char *out, size_t n) {
  size_t o = 0;
  const char *p = ref;
  while (*p) {
    size_t ob = bracket_at(p, OPEN_BR), cb = 0;
    int year = ob > 0;
    for (size_t i = 0; year && i < YEAR_DIGITS; i++)
      year = p[ob + i] >= '0' && p[ob + i] <= '9';
    if (year)
      cb = bracket_at(p + ob + YEAR_DIGITS, CLOSE_BR);
    if (year && cb) {
      if (o + 2 * 3 + YEAR_DIGITS >= n)
        return CREDO_RANGE;
      memcpy(out + o, CANON_OPEN, 3);
      memcpy(out + o + 3, p + ob, YEAR_DIGITS);
      memcpy(out + o + 3 + YEAR_DIGITS, CANON_CLOSE, 3);
      o += 6 + YEAR_DIGITS;
      p += ob + YEAR_DIGITS + cb;
      continue;
    }
    if (o + 1 >= n)
      return CREDO_RANGE;
    out[o++] = *p++;
  }
  out[o] = '\0';
  return CREDO_OK;
}

void eng_srcref_prefix(stor_key *k, const char *source, const char *ref,
                       const char *subject) {
  char norm[ENG_MAX_REF * 2 + 1];
  stor_key_init(k);
  stor_key_str(k, source);
  if (eng_ref_norm(ref, norm, sizeof norm) != CREDO_OK)
    k->overflow = 1;
  stor_key_str(k, norm);
  if (subject)
    stor_key_str(k, subject);
}

int eng_srcref_put(credo *db, stor_txn *txn, uint64_t id,
                   const eng_version *v) {
  stor_key k;
  int rc;
  eng_srcref_prefix(&k, v->source, v->ref, v->subject);
  stor_key_u64(&k, id);
  if (k.overflow)
    return eng_err(db, CREDO_INVALID,
                   "source, ref and subject are too long for the key");
  rc = stor_put(txn, STOR_SOURCE_REF, stor_key_val(&k), (stor_val){"", 0});
  return rc == CREDO_OK ? rc : eng_err_stor(db, rc, "cannot write an index");
}

int eng_srcref_find(credo *db, stor_txn *txn, const char *source,
                    const char *ref, const char *subject, uint64_t *id) {
  stor_cursor *c = NULL;
  stor_key p;
  stor_val k, v;
  eng_version ver;
  int rc;
  eng_srcref_prefix(&p, source, ref, subject);
  if (p.overflow)
    return CREDO_NOTFOUND;
  if ((rc = stor_cursor_open(txn, STOR_SOURCE_REF, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the (source, ref) index");
  for (rc = stor_cursor_seek(c, stor_key_val(&p), &k, &v); rc == CREDO_OK;
       rc = stor_cursor_next(c, &k, &v)) {
    if (k.len != p.len + 8 || memcmp(k.data, p.buf, p.len) != 0) {
      rc = CREDO_NOTFOUND;
      break;
    }
    *id = stor_dec_u64((const unsigned char *)k.data + p.len);
    if ((rc = eng_version_as_of(txn, *id, CREDO_TIME_OPEN, &ver)) != CREDO_OK)
      break;
    if (!ver.retracted)
      break; /* the one event that holds the key */
  }
  stor_cursor_close(c);
  if (rc != CREDO_OK && rc != CREDO_NOTFOUND)
    return eng_err_stor(db, rc, "cannot read the (source, ref) index");
  return rc;
}

int eng_srcref_rebuild(credo *db, stor_txn *txn) {
  stor_cursor *c = NULL;
  stor_val k, v;
  eng_version ver;
  int rc;
  /* drop the entries of the older layout, then index every event */
  if ((rc = stor_cursor_open(txn, STOR_SOURCE_REF, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot walk the (source, ref) index");
  while ((rc = stor_cursor_first(c, &k, &v)) == CREDO_OK) {
    unsigned char key[STOR_KEY_MAX];
    size_t n = k.len;
    memcpy(key, k.data, n);
    if ((rc = stor_del(txn, STOR_SOURCE_REF, (stor_val){key, n})) != CREDO_OK)
      break;
  }
  stor_cursor_close(c);
  if (rc != CREDO_NOTFOUND)
    return eng_err_stor(db, rc, "cannot clear the (source, ref) index");
  if ((rc = stor_cursor_open(txn, STOR_EVENTS, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot walk events");
  for (rc = stor_cursor_first(c, &k, &v); rc == CREDO_OK;
       rc = stor_cursor_next(c, &k, &v)) {
    char src[ENG_MAX_SOURCE + 1], ref[ENG_MAX_REF + 1],
        subj[ENG_MAX_SUBJECT_ID + 1];
    if (k.len != 8 || eng_version_decode(v, &ver) != CREDO_OK ||
        strlen(ver.source) > ENG_MAX_SOURCE || strlen(ver.ref) > ENG_MAX_REF ||
        strlen(ver.subject) > ENG_MAX_SUBJECT_ID) {
      rc = CREDO_CORRUPT;
      break;
    }
    /* copies: the puts below may move the pages `ver` points into */
    strcpy(src, ver.source);
    strcpy(ref, ver.ref);
    strcpy(subj, ver.subject);
    ver.source = src;
    ver.ref = ref;
    ver.subject = subj;
    if ((rc = eng_srcref_put(db, txn, stor_dec_u64(k.data), &ver)))
      break;
  }
  stor_cursor_close(c);
  if (rc == CREDO_NOTFOUND)
    return CREDO_OK;
  return rc == CREDO_CORRUPT ? eng_err(db, rc, "an event record is corrupt")
                             : rc;
}
