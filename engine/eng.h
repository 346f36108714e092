/*
 * eng.h -- the engine's internal interface: the handle, the shared store,
 * transactions, record codecs and event scans.
 *
 * The public API (credo.h) is implemented on these; the CQL executor uses
 * them too, so both paths run through the same functions. Nothing here is
 * exported from the shared library.
 *
 * Transaction scopes on a handle (db->txn):
 *   none          -> each call opens and ends its own transaction;
 *   explicit      -> eng_begin() opened a write txn; every call on the
 *                    handle reads and writes in it until commit/rollback;
 *   statement     -> the executor opened a write txn for one CQL statement
 *                    (eng_write_scope_begin) so that a multi-row write is
 *                    atomic; it commits at the statement's end.
 * Typed API calls made inside a scope neither commit nor abort it: they
 * return their code and the scope's owner decides.
 */
#ifndef CREDO_ENG_H
#define CREDO_ENG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <sys/types.h>
#include <xxhash.h>

#include "backend.h"
#include "credo.h"
#include "eng_api.h"
#include "stor.h"

/* Limits on stored strings (bytes, excluding the NUL). */
#define ENG_MAX_TYPE_NAME 64
#define ENG_MAX_SUBJECT_ID 64
#define ENG_MAX_SUBJECT_NAME 512
#define ENG_MAX_SOURCE 128
#define ENG_MAX_REF 256
#define ENG_MAX_ACTOR 64
#define ENG_MAX_REASON 4096
#define ENG_MAX_DATA (1u << 20)
#define ENG_MAX_FIELDS 255 /* PUBLIC FIELDS list, comma-separated */

/* One open store, shared by the handles made with credo_dup. */
typedef struct eng_store {
  stor_env *stor;
  pthread_mutex_t mu; /* guards refs and the session list */
  int refs;
  /* The process's registry of open stores (openreg.c), under its lock. */
  struct eng_store *reg_next;
  dev_t dev;
  ino_t ino;
  int readonly, registered;
  struct credo *sessions; /* registered sessions (sessions.c), by sess_next */
  _Atomic uint64_t users_gen; /* bumped by every user change (users.c) */
} eng_store;

/* How old a session's last look at its user may be before
 * credo_session_check reads the user again though this process changed no
 * user (a change made by another process shows within it). */
#define ENG_SESSION_RECHECK_MS 1000

/* The registry of the stores open in this process (openreg.c). Callers
 * hold the lock (eng_reg_lock) around find/add/remove and the refs change
 * that goes with them. find: the open store of directory `path`, or NULL.
 * add: records a store just opened (no-op if `path` cannot be stat'ed).
 * remove: forgets it (no-op if not recorded). */
void eng_reg_lock(void);
void eng_reg_unlock(void);
eng_store *eng_reg_find(const char *path);
void eng_reg_add(eng_store *store, const char *path, int readonly);
void eng_reg_remove(eng_store *store);

/* A type as the engine caches it (per handle, by id; types are never
 * renamed or deleted, so an entry never goes stale). */
typedef struct eng_type {
  uint32_t id;
  char name[ENG_MAX_TYPE_NAME + 1];
  credo_duration publicity;
  credo_duration repairable_after;
  credo_time created;
  unsigned flags;                  /* CREDO_TYPE_* | ENG_TYPE_HAS_FIELDS */
  char fields[ENG_MAX_FIELDS + 1]; /* PUBLIC FIELDS, comma-separated */
  credo_duration retain;           /* RETAIN (STOR_TYPE_RETAIN); 0: none */
} eng_type;

/* Type flag (stored, not public): the type lists PUBLIC FIELDS. */
#define ENG_TYPE_HAS_FIELDS 0x8u
/* Type flags a type record may carry. */
#define ENG_TYPE_FLAGS                                                         \
  (CREDO_TYPE_POSITIVE | CREDO_TYPE_NOT_PUBLISHED | CREDO_TYPE_OPEN |          \
   ENG_TYPE_HAS_FIELDS)

enum eng_txn_mode { ENG_TXN_NONE = 0, ENG_TXN_EXPLICIT, ENG_TXN_STATEMENT };

struct credo {
  const credo_backend *be; /* first: see be_handle_head (backend.h) */
  /* while a correlated subquery's child is prepared: the statement around
   * it (struct eng_outer, expr.h); NULL otherwise */
  struct eng_outer *outer;
  void *be_ctx;     /* the backend's (remote: its connection) */
  eng_store *store; /* NULL on a handle of another backend */
  /* session */
  char actor[ENG_MAX_ACTOR + 1];
  credo_role role;
  /* credo_authenticate's session (users.c): the user it switched to (""
   * when none), a digest of the password hash it checked, and whether
   * credo_session_check found the session revoked */
  char auth_user[ENG_MAX_ACTOR + 1];
  uint64_t auth_tag;
  int auth_revoked;
  uint64_t auth_gen;       /* store->users_gen at the last look */
  int64_t auth_checked_ms; /* when that look was (monotonic ms) */
  /* credo_session_register (sessions.c): sess_id 0 when not registered;
   * the sess_* copies are read by other handles under store->mu */
  uint64_t sess_id;
  char sess_peer[80];
  char sess_user[ENG_MAX_ACTOR + 1];
  credo_role sess_role;
  credo_time sess_since;
  credo_session_kill_fn sess_kill;
  void *sess_arg;
  struct credo *sess_next;
  _Atomic int sess_killed; /* set by KILL SESSION */
  char sess_killer[ENG_MAX_ACTOR + 1];
  credo_clock_fn clock;
  void *clock_arg;
  int tz;     /* seconds east of UTC */
  int tz_set; /* the session chose its zone (else: the store's) */
  /* transaction scope */
  stor_txn *txn;
  int txn_mode;
  credo_time txn_time; /* transaction time of db->txn, 0 until a write */
  uint64_t changes;
  /* last error */
  int errcode;
  int errline, errcol;
  char errmsg[1024];
  /* caches and scratch */
  eng_type *types; /* indexed by id; types[i].id == 0 when not cached */
  uint32_t ntypes;
  unsigned char *scratch; /* copy of a version being superseded */
  size_t scratch_cap;
  char *pub_buf; /* the public role's view of the last event's data */
  size_t pub_cap;
  char masked[ENG_MAX_SUBJECT_ID + 1]; /* a masked person id */
  char *out_buf; /* strings of the last credo_get_* result */
  size_t out_cap;
  /* interruption: set by credo_interrupt from any thread; the deadline
   * (CLOCK_MONOTONIC usec, 0 = none) is armed when a statement or read
   * starts (eng_run_begin) from timeout_us */
  _Atomic int interrupt;
  /* -1, or a descriptor credo_interrupt also writes a byte to so that a
   * backend blocked in poll() wakes up (the remote backend's self-pipe,
   * be_set_wake_fd); set before the handle is shared */
  int wake_fd;
  int64_t timeout_us, deadline;
  /* credo_set_busy_timeout: longest wait for the store's writer, usec
   * (0: no bound) */
  int64_t busy_us;
  /* credo_set_min_password: characters a new password needs (users.c) */
  unsigned min_password;
  unsigned ticks;
  /* credo_set_check_handler: called every check_every checks */
  credo_check_handler check_fn;
  void *check_arg;
  unsigned check_every, check_ticks;
  /* prepared CQL statements of this handle (stmt.c), finalized by
   * credo_close */
  credo_stmt *stmts;
  /* the projection's write state (proj.c): cached segments, dictionary
   * ids; NULL until the first write */
  struct eng_projw *projw;
};

/* Takes the handle off the store's session list (sessions.c; eng_close). */
void eng_session_unregister(credo *db);
/* Notes a session's new role for SHOW SESSIONS (credo_session_check). */
void eng_session_role(credo *db, credo_role role);

/* Finalizes every statement of the handle (stmt.c; credo_close). */
void eng_stmts_close(credo *db);
/* Ends the runs of the handle's statements that read in db->txn; to be
 * called before that txn commits or aborts (exec.c). */
void eng_stmts_txn_ending(credo *db);

/* ------------------------------------------------------------ errors */

/* Records an error on the handle and returns `code`. The message is
 * printf-formatted; it replaces the previous one. */
int eng_err(credo *db, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with a CQL position (1-based line/column). */
int eng_err_at(credo *db, int code, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Clears the handle's error; every API entry point calls it first. */
void eng_err_clear(credo *db);
/* Sets a generic message for a storage failure code and returns it. */
int eng_err_stor(credo *db, int code, const char *what);

/* Arms the handle for a new statement or read: drops a stale interrupt
 * request and sets the deadline from the handle's timeout. */
void eng_run_begin(credo *db);
/* The start of a public read call: CREDO_MISUSE for a NULL handle; else
 * clears the error and arms the run (eng_run_begin), then CREDO_INVALID
 * with `args_msg` unless `args_ok`, then, when `what` is not NULL,
 * CREDO_DENIED for the public role ("may not <what>"). CREDO_OK when the
 * call may go on. */
int eng_call_begin(credo *db, int args_ok, const char *args_msg,
                   const char *what);
/* CREDO_OK, or CREDO_CANCELLED (with a message) when the running work was
 * interrupted or passed its deadline. Cheap: called per row scanned. */
int eng_run_check(credo *db);

/* ------------------------------------------------------------ backups */

/* An XXH3-128 as the 32 lower-case hex digits of its canonical
 * (big-endian) form, NUL-terminated, as manifests and the protocol's
 * BACKUP_END carry it. */
void eng_hex128(XXH128_hash_t h, char out[33]);

/* ------------------------------------------------------------ session */

int eng_can_write_records(const credo *db); /* recorder or admin */
int eng_can_repair(const credo *db);        /* repairer or admin */
int eng_require(credo *db, int allowed, const char *what);
/* Formats `t` in the session zone into buf (>= 40 bytes); date only when
 * the time of day is midnight there. Returns buf. */
const char *eng_fmt_time(const credo *db, credo_time t, char *buf, size_t n);

/* ------------------------------------------------------- transactions */

/* Gives the transaction to read in: the handle's scope txn if any (owned
 * = 0), else a new read txn (owned = 1, end it with eng_read_end). */
int eng_read_begin(credo *db, stor_txn **txn, int *owned);
void eng_read_end(stor_txn *txn, int owned);

/* Gives the write txn: the scope's, or a new one owned by the call. */
int eng_write_begin(credo *db, stor_txn **txn, int *owned);
/* Ends a write started by eng_write_begin: when owned, commits on rc >= 0
 * (returning the commit's code) or aborts; when not owned, returns rc. */
int eng_write_end(credo *db, stor_txn *txn, int owned, int rc);
/* The transaction time for writes in `txn`: assigned at the first call in
 * a transaction as max(now, last + 1 microsecond) and stored in META. */
int eng_txn_time(credo *db, stor_txn *txn, credo_time *out);
/* The last committed transaction time, 0 for a store never written. */
int eng_last_tx(credo *db, stor_txn *txn, credo_time *out);

/* Statement scope for the executor: opens a write txn on the handle unless
 * one is open; *started tells whether this call opened it. End it with
 * eng_write_scope_end(db, started, rc): commits or aborts if started. */
int eng_write_scope_begin(credo *db, int *started);
int eng_write_scope_end(credo *db, int started, int rc);

/* ------------------------------------------------------------- types */

/* Looks a type up by name / id, through the handle's cache. */
int eng_type_by_name(credo *db, stor_txn *txn, const char *name,
                     const eng_type **out);
int eng_type_by_id(credo *db, stor_txn *txn, uint32_t id, const eng_type **out);
/* Fills the public view of a type (strings point into *t). */
void eng_type_info(const eng_type *t, credo_type_info *out);
/* Compares two durations as lengths of calendar time: > 0 when `a` is
 * longer than `b` from some month start, < 0 when shorter, 0 equal. */
int eng_duration_cmp(credo_duration a, credo_duration b);
/* Writes "unknown type "x" (known: a, b, ...)" on the handle. */
int eng_err_unknown_type(credo *db, stor_txn *txn, const char *name);

/* Canonical JSON text of an object (compact, keys sorted), malloc'ed. */
int eng_json_canon(credo *db, const char *in, char **out);
/* CREDO_OK when subject `id` exists, else CREDO_NOTFOUND with a message. */
int eng_subject_exists(credo *db, stor_txn *txn, const char *id);

/* ------------------------------------------------------------ rules */
/* rules.c (docs/rules.md). */

/* The store's time zone, read in `txn` (0 when never set). */
int eng_store_tz(credo *db, stor_txn *txn, int *tz);
/* Parses "+08:00", "-05", "+0530", "Z", "UTC" or a zone name without
 * daylight saving time ("Asia/Shanghai"). 0 or -1. */
int eng_tz_parse(const char *s, int *out);
/* Upgrades an older store format in place (credo_open). */
int eng_upgrade(credo *db);
/* CREDO_OK when `source` is a source name ([a-z0-9][a-z0-9_-]*). */
int eng_source_check(credo *db, const char *source);
/* CREDO_OK unless the handle is a recorder whose user has no grant for
 * `source` (CREDO_DENIED naming the grant; `what`: "record"...). */
int eng_source_allowed(credo *db, stor_txn *txn, const char *source,
                       const char *what);
/* GRANT SOURCE (grant = 1) / REVOKE SOURCE (0). Admin. */
int eng_grant_source(credo *db, const char *user, const char *source,
                     int grant);
/* Writes a person id masked (first 6 and last 4 characters, 8 '*'
 * between) into out (>= 19 bytes). */
void eng_mask_person(const char *id, char *out, size_t n);
/* For the public role: masks ev->subject when it is a person's
 * (db->masked, valid until the next event). */
int eng_public_subject(credo *db, stor_txn *txn, credo_event *ev);
/* For the public role: blanks version, recorded, actor, op and reason,
 * and keeps only the type's PUBLIC FIELDS of data (db->pub_buf). */
int eng_public_event(credo *db, const eng_type *t, credo_event *ev);
/* Looks a subject up (strings into the store; valid as the txn).
 * CREDO_NOTFOUND with a message. */
int eng_subject_get(credo *db, stor_txn *txn, const char *id,
                    credo_subject_info *out);

/* Renames (renames.c). eng_subject_rename is the one function that
 * changes a subject's name: it records the rename (before, after, actor,
 * reason, at the transaction time), rewrites the subject record and its
 * name index; *renamed 0 when the name was already that. eng_subject_name_at
 * gives the name subject `id` had at `t` (`current` when never renamed
 * since; CREDO_TIME_OPEN: now). eng_subject_renames calls `cb` for each
 * rename, oldest first; a non-zero return stops and is returned. */
typedef int (*eng_rename_cb)(void *arg, credo_time recorded, const char *from,
                             const char *to, const char *actor,
                             const char *reason);
int eng_subject_rename(credo *db, stor_txn *txn, const char *id,
                       const char *name, const char *reason, int *renamed);
int eng_subject_name_at(credo *db, stor_txn *txn, const char *id,
                        const char *current, credo_time t, const char **name);
int eng_subject_renames(credo *db, stor_txn *txn, const char *id,
                        eng_rename_cb cb, void *arg);

/* ----------------------------------------------------------- records */

/* A decoded event version: fixed fields plus pointers to NUL-terminated
 * strings inside the stored value (valid as the stor_val they came from). */
typedef struct eng_version {
  uint8_t op;
  uint8_t retracted;
  uint8_t repaired; /* sticky: a repair made this or an earlier version */
  uint32_t type_id;
  uint32_t vno;
  credo_time recorded, occurred, public_from, public_until;
  const char *subject, *source, *ref, *actor, *reason, *data;
  uint32_t data_len;
} eng_version;

/* Encodes `v` into a malloc'ed buffer (*buf, *len). */
int eng_version_encode(const eng_version *v, unsigned char **buf, size_t *len);
/* Decodes; CREDO_CORRUPT when the bytes are not a version record. */
int eng_version_decode(stor_val val, eng_version *v);
/* Fills a public credo_event from a version (type name via the cache). */
int eng_version_to_event(credo *db, stor_txn *txn, uint64_t id,
                         const eng_version *v, credo_time visible_at,
                         credo_event *ev);
/* Public at instant t: not retracted and from <= t < until. */
int eng_version_public(const eng_version *v, credo_time t);

/* Reads the version of event `id` current as of `as_of` (CREDO_TIME_OPEN
 * = the latest). CREDO_NOTFOUND when the event did not exist then. One
 * B-tree lookup, two when as_of is before the latest version. */
int eng_version_as_of(stor_txn *txn, uint64_t id, credo_time as_of,
                      eng_version *v);
/* The same when the latest version is known to be recorded after as_of:
 * only the seek in STOR_VERSIONS, through cursor vc (on STOR_VERSIONS in
 * txn; NULL: one opened for the call). CREDO_NOTFOUND when the event did
 * not exist at as_of. */
int eng_version_older(stor_txn *txn, stor_cursor *vc, uint64_t id,
                      credo_time as_of, eng_version *v);

/* Write-side helpers of events.c, shared with restore.c (operations).
 * eng_put_version writes `v` into STOR_EVENTS (key: id) or STOR_VERSIONS
 * (key: id, recorded, vno). eng_load_latest decodes the latest version
 * of `id` into the handle's scratch buffer (valid until the next load).
 * eng_event_insert writes a new event: `v` as its latest version plus its
 * subject, type, (source, ref) and until index entries. It does not
 * check anything (callers do) nor allocate the id. eng_version_supersede
 * moves `old` (the latest) to STOR_VERSIONS, writes `nv` as the latest
 * and adds the type / until index entries of its new values; nv's op,
 * vno, recorded, actor and reason must be set. */
int eng_put_version(credo *db, stor_txn *txn, int table, uint64_t id,
                    const eng_version *v);
int eng_load_latest(credo *db, stor_txn *txn, uint64_t id, eng_version *v);
int eng_event_insert(credo *db, stor_txn *txn, uint64_t id,
                     const eng_version *v);
int eng_version_supersede(credo *db, stor_txn *txn, uint64_t id,
                          const eng_version *old, const eng_version *nv);

/* The public index (pubindex.c): eng_pubidx_update moves event `id`'s
 * entry from `old`'s window to `nv`'s (either may be NULL);
 * eng_pubidx_ids gives, sorted, the ids of `subject`'s events whose
 * latest version is public at `t` (malloc'ed, *ids NULL when none);
 * eng_pubidx_rebuild writes the entries of every event (migration). */
int eng_pubidx_update(credo *db, stor_txn *txn, uint64_t id,
                      const eng_version *old, const eng_version *nv);
int eng_pubidx_ids(credo *db, stor_txn *txn, const char *subject, credo_time t,
                   uint64_t **ids, size_t *n);
int eng_pubidx_rebuild(credo *db, stor_txn *txn, uint64_t *entries);
/* The walk of the integrity checks: calls fn(ctx, key, val) on each entry
 * of `table` in key order until fn returns non-zero (returned) or *stop
 * is set, counting the entries in *n (NULL: not counted); with `db`, a
 * cancelled or timed-out run (eng_run_check) ends it too. CREDO_OK at the
 * end of the table. */
typedef int (*eng_check_entry_fn)(void *ctx, stor_val key, stor_val val);
int eng_check_walk(credo *db, stor_txn *txn, int table, eng_check_entry_fn fn,
                   void *ctx, const int *stop, uint64_t *n);
/* One problem line of the integrity checks (credo_check and the checks
 * of the indexes and the ledger it runs): formats it (at most 1023
 * bytes) and hands it to fn(arg, line) unless fn is NULL or *stop is set;
 * sets *stop when fn asks to stop (returns non-zero). */
void eng_check_say(credo_check_fn fn, void *arg, int *stop, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
/* Checks the public index against the events (credo_check): every entry
 * matches its event's latest window, every event that should have one
 * has it. Problems go to `fn` (a non-zero return stops); *entries counts
 * the table. */
int eng_pubidx_check(credo *db, stor_txn *txn, credo_check_fn fn, void *arg,
                     uint64_t *entries);

/* The idempotency key (srcref.c): (source, normalised ref, subject).
 * eng_ref_norm writes the ref with its year brackets in one form
 * (CREDO_RANGE when `n` is too small); eng_srcref_prefix builds the key
 * prefix (subject NULL: every subject); eng_srcref_put indexes event `id`;
 * eng_srcref_find gives the event that holds the key (not retracted),
 * CREDO_NOTFOUND when none; eng_srcref_rebuild re-indexes every event. */
int eng_ref_norm(const char *ref, char *out, size_t n);
void eng_srcref_prefix(stor_key *k, const char *source, const char *ref,
                       const char *subject);
int eng_srcref_put(credo *db, stor_txn *txn, uint64_t id, const eng_version *v);
int eng_srcref_find(credo *db, stor_txn *txn, const char *source,
                    const char *ref, const char *subject, uint64_t *id);
int eng_srcref_rebuild(credo *db, stor_txn *txn);

/* ------------------------------------------------------------- reads */

/* Resolves the read instants of a query: as_of CREDO_TIME_NOW becomes
 * CREDO_TIME_OPEN (the latest), visible_at CREDO_TIME_NOW becomes as_of
 * or, for the latest, the handle's now. Enforces the public role (only
 * NOW/NOW and no flags). */
int eng_resolve_read(credo *db, credo_time as_of, credo_time visible_at,
                     unsigned flags, credo_time *r_as_of,
                     credo_time *r_visible);

/* Access paths of an event scan. */
enum eng_path {
  ENG_PATH_FULL = 0,   /* every event, id order */
  ENG_PATH_ID,         /* one event id */
  ENG_PATH_SUBJECT,    /* events of one subject, id order */
  ENG_PATH_SOURCE_REF, /* the event with one (source, ref) */
  ENG_PATH_TYPE,       /* events of one type, id order */
  ENG_PATH_UNTIL       /* events with until_lo <= public_until < until_hi;
                          until_hi CREDO_TIME_OPEN = no upper bound (open
                          windows included) */
};

typedef struct eng_scan_spec {
  int path;
  uint64_t id;
  const char *subject;
  const char *source, *ref;
  uint32_t type_id;
  credo_time until_lo, until_hi;
  credo_time as_of;      /* resolved (eng_resolve_read) */
  credo_time visible_at; /* resolved */
  unsigned flags;        /* CREDO_READ_* */
} eng_scan_spec;

typedef struct eng_scan eng_scan;

/* Opens a scan in `txn` (which must outlive it). Each eng_scan_next
 * returns CREDO_ROW with *ev filled (strings valid until the next call or
 * a write in the txn), CREDO_DONE at the end, or an error. Each event is
 * produced at most once, as of spec->as_of, filtered by the read flags. */
int eng_scan_open(credo *db, stor_txn *txn, const eng_scan_spec *spec,
                  eng_scan **out);
int eng_scan_next(eng_scan *s, credo_event *ev);
void eng_scan_close(eng_scan *s);

/* Estimated number of events a path yields (for EXPLAIN and planning). */
int eng_scan_estimate(credo *db, stor_txn *txn, const eng_scan_spec *spec,
                      uint64_t *rows);

/* --------------------------------------------------------- retention */
/* retain.c (issue 17). eng_retain_get reads type `id`'s RETAIN duration
 * ({0, 0} when it has none); eng_retain_put writes it (write txn).
 * eng_retain_until gives the instant event `id` (latest version `v`, type
 * `t`) becomes due for erasure: public_until + RETAIN in the store's zone,
 * first recorded + RETAIN for NOT PUBLISHED types, CREDO_TIME_OPEN when
 * the type keeps records forever or the window is open. */
int eng_retain_get(credo *db, stor_txn *txn, uint32_t id, credo_duration *d);
int eng_retain_put(credo *db, stor_txn *txn, uint32_t id, credo_duration d);
int eng_retain_until(credo *db, stor_txn *txn, const eng_type *t, uint64_t id,
                     const eng_version *v, credo_time *out);

/* ------------------------------------------------------- name index */

/* Keeps the name index (STOR_NAME_GRAMS, names.c) of subject `id` in step
 * with its name, inside the caller's write transaction `txn`: removes the
 * entries of `old_name` (NULL or "" for a new subject) and adds those of
 * `new_name` (NULL or "" for none). The one writer of the index: a rename
 * calls it with both names in the transaction that rewrites the subject.
 * Errors: the storage codes, with a message on db. */
int eng_name_index(credo *db, stor_txn *txn, const char *id,
                   const char *old_name, const char *new_name);
/* Builds the index of a store written before it existed (META
 * names_indexed missing), in one write transaction; a no-op afterwards.
 * Called by credo_open on a writable store. */
int eng_names_upgrade(credo *db);
/* The integrity check of the index (credo_check): every gram of every
 * subject's folded name has its entry, and every entry names an existing
 * subject whose folded name holds the gram. Each problem goes to fn(arg,
 * line) (a non-zero return stops the check); *entries receives the
 * number of entries walked. CREDO_OK, or the error that stopped it. */
int eng_names_check(credo *db, stor_txn *txn, credo_check_fn fn, void *arg,
                    uint64_t *entries);

/* Subject and type walks for SELECT ... FROM subjects / types. */
typedef int (*eng_subject_cb)(const credo_subject_info *s, void *arg);
int eng_subjects_walk(credo *db, stor_txn *txn, const char *from_id,
                      eng_subject_cb cb, void *arg);

#endif /* CREDO_ENG_H */
