/*
 * erase.h -- the engine's side of erasure: tombstones, the erasure ledger
 * (STOR_ERASURES, STOR_ERASED_KEYS) and the one function that removes an
 * event's content from every table and index. Shared by erase.c (ERASE,
 * the ledger walk), retain.c (purge) and ledger.c (re-applying a ledger).
 *
 * Layouts (docs/storage.md, "Erasure"):
 *   tombstone: [0] format 1 | [1] cause | [2..4) 0 | [4..12) erased i64 LE |
 *              [12..14) actor length u16 LE | [14..16) reason length u16 LE
 *              | actor bytes 00 | reason bytes 00
 *   erased_keys key:   [0] kind (1 event key, 2 subject) | [1..33) keyed
 *                      BLAKE2b-256 of the kind's fields
 *   erased_keys value: [0..8) event id u64 BE (0 for a subject) | tombstone
 * Nothing here holds content: the hash is keyed by a random secret of the
 * store (META erase_salt), so it is not a look-up table of ids.
 */
#ifndef CREDO_ERASE_H
#define CREDO_ERASE_H

#include "eng.h"

#define ENG_ERASE_SALT_LEN 32
#define ENG_ERASE_HASH_LEN 32
#define ENG_ERASED_KEY_LEN (1 + ENG_ERASE_HASH_LEN)
enum { ENG_ERASED_EVENT_KEY = 1, ENG_ERASED_SUBJECT_KEY = 2 };

/* Tombstone field offsets. */
#define ENG_TOMB_FORMAT 0
#define ENG_TOMB_CAUSE 1
#define ENG_TOMB_ERASED 4
#define ENG_TOMB_ACTOR_LEN 12
#define ENG_TOMB_REASON_LEN 14
#define ENG_TOMB_FIXED 16
#define ENG_ERASED_VAL_ID 8 /* the id before the tombstone in erased_keys */

/* A decoded tombstone (strings point into the value or the caller's). */
typedef struct eng_tomb {
  int cause; /* credo_erase_cause */
  credo_time erased;
  const char *actor, *reason;
} eng_tomb;

/* Encodes into a malloc'ed buffer after `prefix` bytes left for the
 * caller (the id of an erased_keys value). */
int eng_tomb_encode(const eng_tomb *t, size_t prefix, unsigned char **buf,
                    size_t *len);
/* CREDO_CORRUPT when `v` is not a tombstone. */
int eng_tomb_decode(stor_val v, eng_tomb *t);

/* The store's hash key in *salt; *have = 0 when the store has none yet
 * (never erased). With `create` (a write txn), makes one when missing. */
int eng_erase_salt(credo *db, stor_txn *txn, int create,
                   unsigned char salt[ENG_ERASE_SALT_LEN], int *have);
/* The erased_keys key of an event's (source, ref, subject) (subject NULL:
 * of a subject id given in `source`). */
void eng_erased_key(const unsigned char salt[ENG_ERASE_SALT_LEN], int kind,
                    const char *a, const char *b, const char *c,
                    unsigned char out[ENG_ERASED_KEY_LEN]);

/* Erases event `id` in write txn `txn`: deletes its latest version and
 * every older one, its entries in every index (subject, type, until,
 * (source, ref), public index), and writes tombstone `t` and its erased
 * key. CREDO_NOTFOUND (no message) when the event is not in the store. */
int eng_erase_one(credo *db, stor_txn *txn, uint64_t id, const eng_tomb *t);
/* Erases subject `id` and all its events (cause from t); *n events. */
int eng_erase_subject_in(credo *db, stor_txn *txn, const char *id,
                         const eng_tomb *t, uint64_t *n);

/* The ledger's part of credo_check (erase_check.c): each problem goes to
 * fn(arg, line); *entries receives the entries walked. */
int eng_erase_check(credo *db, stor_txn *txn, credo_check_fn fn, void *arg,
                    uint64_t *entries);

/* For eng_event_insert: CREDO_REFUSED ("... erased on T (reason)") when
 * event `id` or the (source, ref, subject) of `v` was erased; else OK. */
int eng_erased_check(credo *db, stor_txn *txn, uint64_t id,
                     const eng_version *v);
/* For reads that found no event `id`: CREDO_NOTFOUND with "event n was
 * erased on T (reason)" or "event n not found". */
int eng_erased_notfound(credo *db, stor_txn *txn, uint64_t id);
/* The tombstone of event `id` (strings into the txn), or CREDO_NOTFOUND. */
int eng_tomb_get(credo *db, stor_txn *txn, uint64_t id, eng_tomb *t);

#endif
