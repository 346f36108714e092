/*
 * stor_impl.h -- what the files of storage/ share and nothing above sees:
 * the layouts of stor_env, stor_txn and stor_cursor, the growth gate, the
 * write log, and the LMDB error mapping.
 *
 * Invariants:
 *  - only files under storage/ include this header (and lmdb.h);
 *  - internal helpers return LMDB codes or errno values (MDB_* < -30000,
 *    errno > 0); stor_err() turns them into credo codes at the public
 *    boundary, and passes credo codes (-1..-99) through unchanged;
 *  - every live stor_txn, read or write, holds the gate shared (see gate.c);
 *    a write stor_txn also holds env->wlock from begin to end.
 */
#ifndef CREDO_STOR_IMPL_H
#define CREDO_STOR_IMPL_H

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>

#include "stor.h"

/* Growth steps are capped at this many bytes (the map doubles below it). */
#define STOR_GROW_MAX_STEP ((size_t)4 << 30)
/* Proactive growth at write-txn begin when used pages exceed this share of
 * the map (per cent). */
#define STOR_GROW_AT_PCT 80
/* Key in STOR_META holding the format version (u32 big-endian). */
#define STOR_META_FORMAT_KEY "format_version"
/* Spare read transactions kept per env (each keeps one reader slot). */
#define STOR_TXN_CACHE_MAX 8

/* ------------------------------------------------------------- the gate
 * Every transaction holds the gate shared; growing the map (which LMDB only
 * allows with no transaction active in the process) holds it exclusively.
 * Unlike a pthread_rwlock, it may be released by another thread than the
 * one that took it (read transactions move between threads), and it does
 * not let a stream of readers starve a grower. */
typedef struct stor_gate {
  pthread_mutex_t mu;
  pthread_cond_t can_enter; /* shared holders wait here */
  pthread_cond_t drained;   /* exclusive holders wait here (monotonic) */
  unsigned active;          /* shared holders */
  unsigned waiting;         /* would-be exclusive holders */
  int exclusive;            /* an exclusive holder is in */
  unsigned long epoch;      /* bumped when waiters let shared holders by */
} stor_gate;

int stor_gate_init(stor_gate *g);
void stor_gate_destroy(stor_gate *g);
void stor_gate_enter(stor_gate *g);
void stor_gate_leave(stor_gate *g);
/* Takes the gate exclusively, waiting at most `patience_ms` for shared
 * holders to leave. Returns 0 or EBUSY. */
int stor_gate_lock(stor_gate *g, long patience_ms);
void stor_gate_unlock(stor_gate *g);

/* ------------------------------------------------------------ write log
 * The puts and dels of a write transaction, copied, in order, so that the
 * transaction can be replayed on a grown map. Records live in chunks that
 * never move; a record stays valid until the log is rewound past it or
 * freed. */
enum { STOR_OP_PUT = 1, STOR_OP_PUT_NEW, STOR_OP_DEL };

typedef struct stor_chunk stor_chunk;

typedef struct stor_rec {
  int op;
  int table;
  MDB_val key;
  MDB_val val; /* empty for STOR_OP_DEL */
} stor_rec;

typedef struct stor_wlog {
  stor_chunk *head, *tail;
  size_t nrec;
} stor_wlog;

/* A position in the log (the end at the time it was taken). */
typedef struct stor_wmark {
  stor_chunk *chunk;
  size_t used;
  size_t nrec;
} stor_wmark;

void stor_wlog_init(stor_wlog *log);
void stor_wlog_free(stor_wlog *log);
stor_wmark stor_wlog_mark(const stor_wlog *log);
/* Appends a copy of the operation, its value followed by `tail` (tlen
 * bytes: the checksum); NULL when out of memory. */
const stor_rec *stor_wlog_append(stor_wlog *log, int op, int table,
                                 stor_val key, stor_val val,
                                 const unsigned char *tail, size_t tlen);
/* Forgets every record appended after `m`. */
void stor_wlog_rewind(stor_wlog *log, stor_wmark m);
/* Calls `fn` on each record before `end`, in order; stops at the first
 * non-zero return and returns it. */
int stor_wlog_each(const stor_wlog *log, stor_wmark end,
                   int (*fn)(const stor_rec *r, void *arg), void *arg);

/* ------------------------------------------------------------ the objects */
struct stor_env {
  MDB_env *mdb;
  MDB_dbi dbi[STOR_NTABLES];
  char *path;
  uint32_t format;
  int readonly;
  int upgrading; /* opened by stor_upgrade: older formats allowed */
  int sums;      /* values carry checksums (format >= SUMS) */
  unsigned char absent[STOR_NTABLES]; /* upgrading: tables the store lacks */
  size_t psize;                       /* LMDB page size */
  stor_gate gate;                     /* map growth vs transactions */
  pthread_mutex_t wlock; /* the process's one writer, across replays */
  /* Protected by gate.mu: the spare read transactions. */
  stor_txn *spare;
  unsigned nspare, spare_max;
  atomic_ullong grows, adopts, replays; /* see stor_stats */
  atomic_int broken;      /* a remap failed: the env has no map any more */
  unsigned stale_cleared; /* reader slots cleared by stor_open */
};

struct stor_txn {
  stor_env *env;
  MDB_txn *mt; /* NULL only in a failed write transaction */
  int write;
  unsigned gen; /* bumped by each replay; cursors compare theirs */
  stor_txn *next_spare;
  /* Read transactions: one closed cursor per table, for reuse. */
  stor_cursor *spare_cur[STOR_NTABLES];
  /* Write transactions. */
  size_t id0; /* LMDB txn id at begin; a replay must get the same */
  int failed; /* credo code after which only abort is possible */
  stor_wlog log;
};

struct stor_cursor {
  stor_txn *txn;
  MDB_cursor *mc;
  int table;
  unsigned gen;   /* txn->gen when mc was opened */
  int positioned; /* on an entry (the last call returned CREDO_OK) */
  unsigned flags; /* STOR_CUR_* */
  size_t klen;    /* write transactions: copy of the current key */
  unsigned char key[STOR_KEY_MAX];
};

/* Writes the checksum of value v (vlen bytes) under key k in `table`. */
void stor_sum_seal(int table, const void *k, size_t klen, const void *v,
                   size_t vlen, unsigned char out[STOR_SUM_LEN]);
/* Strips the checksum of the stored value *v without verifying it (the
 * STOR_CUR_NOVERIFY reads). 0, or MDB_CORRUPTED when v is shorter than a
 * checksum. */
int stor_sum_strip(int table, const MDB_val *k, MDB_val *v);
/* Verifies the stored value *v of key k and strips its checksum (v then
 * holds the caller's bytes). 0, or MDB_CORRUPTED after recording the
 * mismatch for stor_corruption_take. */
int stor_sum_open(int table, const MDB_val *k, MDB_val *v);

/* stor_open, also of an older format when `upgrading` (upgrade.c). */
int stor_open_as(const char *path, const stor_options *opt, int upgrading,
                 stor_env **out, char *err, size_t errlen);

/* Maps an LMDB code or errno value to a credo code (credo codes pass). */
int stor_err(int rc);
/* Grows the map. `seen` is the map size the caller saw full: nothing is
 * done when it has changed since (someone else grew it). `seen` == 0 adopts
 * the size recorded in the store by another process (MDB_MAP_RESIZED).
 * Waits at most `patience_ms` for the process's transactions to end (< 0:
 * the long default). The caller holds no gate. Returns an LMDB/errno code;
 * EBUSY when the transactions did not end in time. */
int stor_grow(stor_env *env, size_t seen, long patience_ms);
/* The current map size and used bytes; the caller holds the gate. */
void stor_map_usage(stor_env *env, size_t *map, size_t *used);
/* Writes the message of a failure into err[errlen] (when err is not NULL)
 * and returns `code`: the opening and upgrading calls' way to say why. */
int stor_say(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* mkdir -p with the store's directory mode. 0 or an errno value. */
int stor_mkdirs(const char *path);
/* Checks the arguments of a read (get, cursor): CREDO_OK or the code. */
int stor_check_read(stor_txn *txn, int table, stor_val key);
/* Applies a put/put_new/del (STOR_OP_*) to a write transaction, logging it
 * and growing the map as needed. Returns a credo code. */
int stor_txn_write(stor_txn *txn, int op, int table, stor_val key,
                   stor_val val);
/* Drops the spare read transactions (frees their reader slots). */
void stor_spares_drop(stor_env *env);
void stor_txn_free_spare(stor_txn *txn);

#endif /* CREDO_STOR_IMPL_H */
