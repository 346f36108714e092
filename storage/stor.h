/*
 * stor.h -- the storage layer: an ordered key-value store with named tables
 * and transactions, on LMDB.
 *
 * Owns: the LMDB environment of one store directory, its tables, read and
 * write transactions, cursors, map growth, the stored format version, and
 * snapshots (copies). Only storage/ includes lmdb.h; everything above sees
 * this interface, which any ordered transactional key-value engine could
 * implement.
 *
 * Invariants:
 *  - keys compare as unsigned bytes (memcmp, shorter first on a tie);
 *  - one write transaction at a time per store (across processes); any
 *    number of readers, each on a consistent snapshot;
 *  - a full map is never the caller's problem: a write that fills the map
 *    makes the layer abort, grow the map, replay the transaction's writes
 *    and go on, invisibly (see stor.c for the conditions);
 *  - a commit is durable when stor_txn_commit returns CREDO_OK, unless the
 *    store was opened with nosync.
 *
 * Does not: know what the tables mean (engine/ does), encode values (engine
 * codecs), or allocate in the read path.
 *
 * Errors are credo codes (credo.h): CREDO_NOTFOUND, CREDO_EXISTS, CREDO_IO,
 * CREDO_FULL (disk full), CREDO_CORRUPT, CREDO_BUSY (no reader slot),
 * CREDO_NOMEM, CREDO_READONLY, CREDO_INVALID. Only stor_open has a message.
 *
 * Threads: a stor_env is shared by all threads of a process. A stor_txn and
 * its cursors belong to one thread at a time. A thread must not begin a
 * write transaction while it holds a read transaction (map growth would wait
 * for that reader forever).
 */
#ifndef CREDO_STOR_H
#define CREDO_STOR_H

#include <stddef.h>
#include <stdint.h>

#include "credo.h"

/* The stored format this build writes. A store with a larger number is
 * refused with CREDO_FORMAT; an older one too, with a message naming the
 * upgrade (stor_upgrade). Format 3 added the value checksums. */
#define STOR_FORMAT_VERSION ((unsigned)CREDO_STORE_FORMAT)
/* The first format whose values carry checksums. */
#define STOR_FORMAT_SUMS 3u

/* Every stored value is followed on disk by a checksum of STOR_SUM_LEN
 * bytes (sum.c, docs/storage.md "Checksums"), added by put and verified
 * and stripped by every read: callers never see it. A read whose sum does
 * not match returns CREDO_CORRUPT and never the value; a cursor stays
 * positioned on such an entry (next/prev go on from it) and hands out its
 * key with an empty value. */
#define STOR_SUM_LEN 4
/* Describes the last checksum mismatch the calling thread met ("checksum
 * mismatch in table events, key 0000000000000009") into buf (n bytes, may
 * be NULL to just forget it) and forgets it. Returns 1, or 0 (buf
 * untouched) when there was none since the last call. Thread-local. */
int stor_corruption_take(char *buf, size_t n);

/* The tables. Their meaning and byte layouts are in docs/storage.md. */
enum stor_table {
  STOR_META = 0,     /* store-wide counters and settings */
  STOR_SUBJECTS,     /* subject id -> subject record */
  STOR_TYPES,        /* type name -> type record */
  STOR_TYPE_IDS,     /* type id -> type name */
  STOR_EVENTS,       /* event id -> latest version of the event */
  STOR_VERSIONS,     /* (event id, recorded, version no) -> older version */
  STOR_SUBJ_EVENTS,  /* (subject id, event id) -> nothing */
  STOR_TYPE_EVENTS,  /* (type id, event id) -> nothing */
  STOR_SOURCE_REF,   /* (source, norm. ref, subject, event id) -> nothing */
  STOR_UNTIL_EVENTS, /* (public_until, event id) -> nothing */
  STOR_USERS,        /* user name -> user record */
  STOR_SUBJ_PUBLIC,  /* (subject id, public_until, event id) -> public_from,
                        for events whose latest version may be public */
  STOR_GRANTS,       /* (user name, source) -> nothing: GRANT SOURCE */
  STOR_SUBJ_NAMES,   /* (subject id, recorded) -> a former name (renames) */
  STOR_NAME_GRAMS,   /* (name gram, subject id) -> nothing (engine/names.c) */
  STOR_ERASURES,     /* event id -> tombstone of an erased event (erase.c) */
  STOR_ERASED_KEYS,  /* (kind, keyed hash) -> erased (source, ref, subject)
                        or subject: the erasure ledger's look-up side */
  STOR_TYPE_RETAIN,  /* type id -> RETAIN duration (retain.c) */
  STOR_PROJ,         /* columnar projection of the latest versions and its
                        dictionaries (engine/proj.c); may be absent in a
                        store opened read-only before it existed */
  STOR_NTABLES
};

/* Name of a table as stored in LMDB ("events"); NULL when out of range. */
const char *stor_table_name(int table);

typedef struct stor_env stor_env;
typedef struct stor_txn stor_txn;
typedef struct stor_cursor stor_cursor;

/* A byte string. Values handed out point into the store's memory: in a read
 * transaction they stay valid until it ends; in a write transaction, until
 * the next write (put/del) on it or its end. */
typedef struct stor_val {
  const void *data;
  size_t len;
} stor_val;

typedef struct stor_options {
  size_t map_size;      /* initial map size in bytes; 0 = default */
  unsigned max_readers; /* 0 = default */
  int nosync;           /* skip fsync at commit */
  int readonly;         /* open read-only: the store must exist */
  int nocreate;         /* fail with CREDO_NOTFOUND if missing */
  int readahead;        /* let the OS read ahead (MDB_NORDAHEAD otherwise) */
} stor_options;

/* Opens or creates the store in directory `path` (the directory is created
 * when missing unless readonly/nocreate). Writes the format version into a
 * new store; refuses (CREDO_FORMAT) a newer one; clears stale reader slots
 * left by dead processes. On failure *out is NULL and `err` (if not NULL)
 * holds a message of at most `errlen` bytes. */
int stor_open(const char *path, const stor_options *opt, stor_env **out,
              char *err, size_t errlen);
/* Closes the store. All transactions must have ended. Accepts NULL. */
void stor_close(stor_env *env);

/* Gives the store in directory `path`, of a format before
 * STOR_FORMAT_SUMS (its values bare), checksums: copies every table into
 * `path`.upgrade (sealing each value, the format number kept), then renames
 * `path` to `path`.v<old> and the copy to `path`; the engine's migration
 * of the old format's records runs at the copy's next read-write open. The
 * store must not be open anywhere. CREDO_OK (also when its values already
 * carry checksums: nothing done), CREDO_EXISTS when one of the two new
 * names is taken, or the code of the failure with a message in err; on
 * failure `path` is untouched and no `path`.upgrade is left. *from (may be
 * NULL) gets the store's format before. */
int stor_upgrade(const char *path, uint32_t *from, char *err, size_t errlen);

/* Stored format version of the open store. */
uint32_t stor_format_version(const stor_env *env);
/* Records that the store now has format `version` (<=
 * STOR_FORMAT_VERSION), in write transaction `txn`: the engine calls it
 * after migrating an older store's records. CREDO_MISUSE otherwise. */
int stor_format_set(stor_txn *txn, uint32_t version);
/* Current map size and bytes used by the data file's pages. */
int stor_space(stor_env *env, uint64_t *map_size, uint64_t *used);
/* The directory the env was opened on (owned by the env). */
const char *stor_path(const stor_env *env);

/* Begins a transaction. `write` != 0 makes it the store's one writer
 * (waits for the slot). CREDO_READONLY for a write on a read-only store. */
int stor_txn_begin(stor_env *env, int write, stor_txn **out);
/* The same, but a write waits at most `wait_ms` (< 0: without bound) for
 * this process's writer lock: CREDO_BUSY when it ran out. (Writers of
 * other processes are waited for inside LMDB, without bound.) */
int stor_txn_begin_wait(stor_env *env, int write, int64_t wait_ms,
                        stor_txn **out);
/* Commits and frees the transaction. On failure the transaction is aborted
 * and freed as well, and nothing of it is in the store. For a read
 * transaction this is the same as abort and returns CREDO_OK. */
int stor_txn_commit(stor_txn *txn);
/* Aborts and frees. Accepts NULL. */
void stor_txn_abort(stor_txn *txn);
int stor_txn_is_write(const stor_txn *txn);
stor_env *stor_txn_env(stor_txn *txn);

/* Point operations. stor_get returns CREDO_NOTFOUND when absent. stor_put
 * inserts or overwrites. stor_put_new inserts, or returns CREDO_EXISTS and
 * leaves the old value. stor_del returns CREDO_NOTFOUND when absent.
 * Keys are 1..STOR_KEY_MAX bytes (CREDO_INVALID otherwise). */
#define STOR_KEY_MAX 511
int stor_get(stor_txn *txn, int table, stor_val key, stor_val *val);
int stor_put(stor_txn *txn, int table, stor_val key, stor_val val);
/* stor_get of the key made of one field (stor_key_u64 / stor_key_str
 * below): the key layouts of tables keyed by an id or a name. */
int stor_get_u64(stor_txn *txn, int table, uint64_t key, stor_val *val);
int stor_get_str(stor_txn *txn, int table, const char *key, stor_val *val);
int stor_put_new(stor_txn *txn, int table, stor_val key, stor_val val);
int stor_del(stor_txn *txn, int table, stor_val key);

/* Number of entries in a table, from the B-tree's own count (O(1)). */
int stor_count(stor_txn *txn, int table, uint64_t *n);

/* Cursors walk a table in key order. Each positioning call returns
 * CREDO_OK with *key / *val (either may be NULL) set, or CREDO_NOTFOUND
 * when there is no such entry (the cursor is then unpositioned).
 *  - seek:    first entry with key >= `key`
 *  - seek_le: last entry with key <= `key`
 * A cursor stays usable across writes in its own write transaction.
 * Closing accepts NULL; cursors must be closed before their txn ends. */
int stor_cursor_open(stor_txn *txn, int table, stor_cursor **out);
/* STOR_CUR_NOVERIFY: the cursor hands out values WITHOUT verifying their
 * checksum (it still strips it), so that reading the value's address
 * touches none of its bytes: a caller reads only the parts it needs, and
 * the pages of the rest are never faulted in. Only for values that carry
 * their own internal checksums over every part, which the caller
 * verifies before using a part (the projection's segments: engine/proj.h,
 * docs/storage.md "The projection"); integrity then holds part by part.
 * Whole-value readers (credo check, backups, read-modify-write) use
 * verifying cursors. Other flags: CREDO_INVALID. */
#define STOR_CUR_NOVERIFY 0x1u
int stor_cursor_open_flags(stor_txn *txn, int table, unsigned flags,
                           stor_cursor **out);
void stor_cursor_close(stor_cursor *c);
int stor_cursor_first(stor_cursor *c, stor_val *key, stor_val *val);
int stor_cursor_last(stor_cursor *c, stor_val *key, stor_val *val);
int stor_cursor_seek(stor_cursor *c, stor_val k, stor_val *key, stor_val *val);
int stor_cursor_seek_le(stor_cursor *c, stor_val k, stor_val *key,
                        stor_val *val);
int stor_cursor_next(stor_cursor *c, stor_val *key, stor_val *val);
int stor_cursor_prev(stor_cursor *c, stor_val *key, stor_val *val);

/* Writes a consistent snapshot of the store, as of the moment of the call,
 * into the empty or missing directory `dest` (as its data.mdb), compacting
 * free pages. Runs beside writers without blocking them. */
int stor_copy(stor_env *env, const char *dest);
/* The same snapshot written in order to `fd` (a pipe, a socket or a file
 * positioned at its start), which is neither rewound, synced nor closed.
 * A write error (EPIPE when the reader went away) fails the copy. */
int stor_copy_fd(stor_env *env, int fd);

/* Rewrites the store in directory `path` entry by entry into a fresh file
 * that replaces its data.mdb (vacuum.c), so no byte of deleted entries
 * survives in free or unused page space. Offline: CREDO_BUSY (message
 * naming the process) when another process has the store open; processes
 * that open it meanwhile wait. `progress` (may be NULL): phase "vacuum",
 * entries done of total. Message in `err`. */
int stor_vacuum(const char *path, credo_progress_fn progress, void *arg,
                char *err, size_t errlen);

/* ------------------------------------------------------ key encodings
 * Keys are built so that memcmp order is the order of the values:
 *  - unsigned integers big-endian;
 *  - signed 64-bit integers (times) big-endian with the sign bit flipped;
 *  - strings as their bytes and a terminating 0x00 (strings never contain
 *    NUL), so "ab" < "abc" < "b" and a string key is a prefix-free field.
 */
typedef struct stor_key {
  unsigned char buf[STOR_KEY_MAX];
  size_t len;
  int overflow; /* set when a field did not fit; the key is then unusable */
} stor_key;

void stor_key_init(stor_key *k);
void stor_key_u32(stor_key *k, uint32_t v);
void stor_key_u64(stor_key *k, uint64_t v);
void stor_key_i64(stor_key *k, int64_t v);
void stor_key_str(stor_key *k, const char *s);
/* The key as a stor_val (points into k). */
stor_val stor_key_val(const stor_key *k);

/* Decoders of the same fields at `p` (caller checks lengths). */
uint32_t stor_dec_u32(const unsigned char *p);
uint64_t stor_dec_u64(const unsigned char *p);
int64_t stor_dec_i64(const unsigned char *p);

/* ------------------------------------------------- additions (storage)
 * Further rules of the interface above, as implemented:
 *  - A key that overflowed gives stor_key_val() a length of 0, which every
 *    call taking a key refuses with CREDO_INVALID.
 *  - stor_put/put_new/del on a read transaction return CREDO_MISUSE. After
 *    a write failed with anything but CREDO_NOTFOUND / CREDO_EXISTS, the
 *    write transaction is failed: every call returns that code and commit
 *    aborts.
 *  - stor_cursor_next/prev on a cursor that is not positioned (new, or
 *    after CREDO_NOTFOUND) behave as first/last.
 *  - A write transaction must end (commit/abort) on the thread that began
 *    it (the writer lock is a mutex). A read transaction may move between
 *    threads, one at a time.
 *  - A thread that holds a read transaction must not write: map growth
 *    waits for every transaction of the process to end (it gives up after
 *    a minute with CREDO_BUSY rather than hang).
 *  - CREDO_BUSY from a write (rare): the map had to grow and another
 *    process committed between the abort and the replay; the transaction
 *    is lost (nothing of it committed) and may be retried from the start.
 */

/* Counters of an open env, for tests and monitoring. */
typedef struct stor_stats {
  uint64_t grows;         /* map growths done by this process */
  uint64_t adopts;        /* map sizes adopted from other processes */
  uint64_t replays;       /* write transactions replayed on a grown map */
  unsigned stale_cleared; /* stale reader slots cleared by stor_open */
} stor_stats;
void stor_get_stats(stor_env *env, stor_stats *out);

/* Read transactions active in the store, in all processes (reader slots
 * holding a snapshot). */
int stor_readers(stor_env *env, unsigned *n);

#endif /* CREDO_STOR_H */
