/*
 * credo_ops.h -- the operations part of credo's public C API: backup,
 * verification, restore, the integrity check, the logical dump, and
 * erasure and retention. Included by credo.h (include that, not this);
 * the conventions of credo.h (return codes, threads, memory, time) hold
 * here too.
 */
#ifndef CREDO_OPS_H
#define CREDO_OPS_H

#ifndef CREDO_H
#error "include credo.h, not credo_ops.h"
#endif

/* ----------------------------------------------------------- operations
 * Backup, verification, restore, the integrity check, and the walks and
 * writes of a logical dump (`credo export --history` / `credo import
 * --restore`). docs/operations.md describes the commands built on them.
 */

/* Progress of a long operation: `phase` names the step ("copy",
 * "checksum"), `done` of `total` units (bytes; total is an estimate during
 * "copy", 0 when unknown). Called on the calling thread, at most about ten
 * times a second. A non-zero return asks the operation to stop at its next
 * checkpoint; it then returns CREDO_CANCELLED. */
typedef int (*credo_progress_fn)(void *arg, const char *phase, uint64_t done,
                                 uint64_t total);

/* One problem found by a check, a verification or a restore: one line of
 * text without a newline, naming the table or file and what is wrong
 * (expected vs actual). Valid during the call. A non-zero return stops the
 * operation, which then returns CREDO_CANCELLED. */
typedef int (*credo_check_fn)(void *arg, const char *problem);

/* What a check looked at. */
typedef struct credo_check_report {
  uint64_t events, versions, subjects, types;
  uint64_t index_entries; /* entries of subj_events, type_events,
                             source_ref and until_events checked */
  uint64_t problems;      /* lines passed to the callback */
} credo_check_report;

/* The integrity check, on one consistent snapshot of the store (the open
 * transaction's, inside credo_begin): every index entry points to an
 * existing event whose versions hold that value; every event is in each
 * index it belongs to (subject, the type and public_until of each of its
 * versions, (source, ref)); version numbers are 1..n, in transaction-time
 * order, the latest in the events table; the tables' entry counts agree;
 * the META counters are above every id and every transaction time; every
 * event's subject exists and every type id resolves; the name index
 * (name_grams) holds exactly the grams of every subject's name. Each problem
 * goes to `cb` (may be NULL) as one line. `out` (may be NULL) receives the
 * counts. Returns CREDO_OK when the store is sound, CREDO_CORRUPT when problems
 * were found, or the error that stopped the check. Not for the public
 * role (CREDO_DENIED). Runs beside writers; costs a full read of the
 * store. */
CREDO_API int credo_check(credo *db, credo_check_fn cb, void *arg,
                          credo_check_report *out);

/* Format version of MANIFEST.json written by this build. */
#define CREDO_BACKUP_FORMAT 1

/* The facts recorded in a backup's MANIFEST.json (one data file). */
typedef struct credo_backup_info {
  uint32_t format_version; /* of the manifest */
  uint32_t store_format;   /* stored format of the snapshot */
  char credo_version[32];  /* of the library that wrote it */
  char file[64];           /* "data.mdb" */
  uint64_t size;           /* its bytes */
  char xxh3_128[33];       /* its XXH3-128, 32 lower-case hex digits */
  credo_time created_at;   /* wall clock when the backup was written */
  credo_time last_tx;      /* last transaction time in the snapshot */
  uint64_t events, versions, subjects, types;
} credo_backup_info;

/* Writes a backup of the open store into `dest_dir` (created when
 * missing; must be empty): a consistent compacted snapshot as of the
 * call (DEST/data.mdb, LMDB's copy, taken while writers of any process
 * go on), then DEST/MANIFEST.json (written last, atomically: a directory
 * without it is an incomplete backup). The counts and last_tx of the
 * manifest are read from the copy itself. `progress` may be NULL.
 * Requires admin; not inside credo_begin (CREDO_TXN). Errors: CREDO_EXISTS
 * (dest not empty), CREDO_IO, CREDO_FULL, CREDO_CANCELLED; the message
 * is on `db`. On failure the files written are removed.
 * On a remote handle (credo://admin@host) the server streams the snapshot
 * (BACKUP, docs/protocol.md) into DEST/data.mdb; the XXH3-128 of the bytes
 * received must equal the server's (else CREDO_CORRUPT) and the manifest
 * is then written here from the received copy, so the result is the same
 * backup directory. Progress phases: "receive" (total: the server's
 * estimate), then "checksum". The server checks the admin role. */
CREDO_API int credo_backup(credo *db, const char *dest_dir,
                           credo_progress_fn progress, void *arg);

/* Receives the bytes of a streamed backup, in order, `len` (1 to 1 MiB)
 * at a time, valid during the call. Returns 0 to go on; non-zero stops
 * the stream. */
typedef int (*credo_sink_fn)(void *arg, const void *buf, size_t len);

/* Streams the data file of a backup -- exactly the bytes credo_backup
 * writes as DEST/data.mdb: a consistent compacted snapshot as of the call,
 * taken while writers go on -- through `sink`, on the calling thread (a
 * helper thread runs the copy into a pipe). On success *size (may be
 * NULL) is the number of bytes and `xxh3_128` (may be NULL) receives their
 * XXH3-128, 32 lower-case hex digits. This is what credo-server sends for
 * a BACKUP request (docs/protocol.md). Requires admin (CREDO_DENIED); an
 * embedded handle (CREDO_NOTSUP on a remote one); not inside credo_begin
 * (CREDO_TXN). Errors: CREDO_CANCELLED (the sink returned non-zero),
 * CREDO_IO, CREDO_NOMEM; the message is on `db`. The snapshot's read
 * transaction lasts as long as the stream: a slow sink delays the reuse
 * of pages freed meanwhile, as any long read does. */
CREDO_API int credo_backup_stream(credo *db, credo_sink_fn sink, void *arg,
                                  uint64_t *size, char xxh3_128[33]);

/* Reads DIR/MANIFEST.json into *out. CREDO_NOTFOUND (no manifest),
 * CREDO_CORRUPT (not a valid manifest), CREDO_FORMAT (newer format), with
 * a sentence in `err` (may be NULL). Thread-safe. */
CREDO_API int credo_backup_read(const char *dir, credo_backup_info *out,
                                char *err, size_t errlen);

/* Verifies the backup in `dir`: reads the manifest, compares the data
 * file's size and recomputes its XXH3-128; only when both match, opens the
 * snapshot read-only, compares its counts and last transaction time with
 * the manifest and runs credo_check on it. Every problem goes to `cb` as
 * one line naming the file ("data.mdb: size 4096 bytes, manifest says
 * 8192"). Returns CREDO_OK, CREDO_CORRUPT (problems), CREDO_NOTFOUND /
 * CREDO_FORMAT (manifest missing / newer; also reported to cb). May create
 * DIR/lock.mdb (LMDB's reader table), which is not part of the backup.
 * Thread-safe. */
CREDO_API int credo_verify(const char *dir, credo_check_fn cb, void *arg,
                           credo_check_report *out);

/* Restores the backup in `backup_dir` as the new store `new_store`:
 * verifies it first (problems go to `cb`), refuses a `new_store` that
 * exists and is not an empty directory (CREDO_EXISTS), copies the data
 * file (fsynced, renamed into place), then opens the result and checks
 * that its counts and last transaction time are the manifest's. The
 * restored store answers every read as the source did AS OF the
 * manifest's last_tx. On failure nothing is left in `new_store`.
 * Reasons for failing go to `cb` too. Thread-safe. */
CREDO_API int credo_restore(const char *backup_dir, const char *new_store,
                            credo_check_fn cb, void *arg);

/* Upgrades the store in directory `path`, written by an older build
 * (credo_open refuses it with CREDO_FORMAT and a message naming this), to
 * this build's format: copies it into `path`.upgrade with every value
 * checksummed, then renames the old store to `path`.v<old format> (kept;
 * delete it when satisfied) and the copy to `path`. The store must not be
 * open anywhere. *from_format (may be NULL) gets the format it had; a
 * store already current is left alone (CREDO_OK). On failure `path` is as
 * it was and `err` (errlen bytes, may be NULL) says why; CREDO_EXISTS when
 * `path`.upgrade or `path`.v<old> exists. Thread-safe. */
CREDO_API int credo_upgrade(const char *path, unsigned *from_format, char *err,
                            size_t errlen);

/* Walks: every subject in id order, and every event as of `as_of` in id
 * order with the read rules of credo_subject_events. Strings are valid
 * during the call; a non-zero return from `cb` stops the walk and is
 * returned. One consistent snapshot. credo_list_subjects is not for the
 * public role (CREDO_DENIED). */
typedef int (*credo_subject_cb)(const credo_subject_info *s, void *arg);
CREDO_API int credo_list_subjects(credo *db, credo_subject_cb cb, void *arg);
CREDO_API int credo_scan_events(credo *db, credo_time as_of,
                                credo_time visible_at, unsigned flags,
                                credo_event_cb cb, void *arg);

/* Name search. Calls `cb` for each subject whose name contains `text`
 * (compared after Unicode NFKC and case folding, so full-width and
 * half-width forms and upper and lower case match), in id order,
 * starting after the subject id `after` (NULL: from the first), at most
 * `limit` (1..CREDO_SEARCH_MAX) of them; *more (may be NULL) is set to 1
 * when more matches follow the last one given (pass its id as `after`
 * for the next page). `text` needs at least 2 characters (CREDO_INVALID
 * otherwise): an index of the names' character pairs, kept in the same
 * transaction as every subject write, answers it without reading every
 * subject (docs/storage.md). For the public role persons are left out: a
 * person is found by the full resident id only (credo_get_subject).
 * Strings are valid during the call; a non-zero return from `cb` stops
 * the search and is returned. One consistent snapshot; the handle's time
 * limit applies. Any role. Embedded handles only (CREDO_NOTSUP). */
#define CREDO_SEARCH_MAX 1000
CREDO_API int credo_search_subjects(credo *db, const char *text,
                                    const char *after, unsigned limit,
                                    credo_subject_cb cb, void *arg, int *more);

/* A logical dump: the store's whole history as items in transaction-time
 * order (types and subjects at their creation, every version of every
 * event at its `recorded`); ties in order type, subject, version, then by
 * id and version number. Replaying the items with the credo_restore_*
 * functions below rebuilds the store with the same ids and times. */
enum credo_dump_kind {
  CREDO_DUMP_TYPE = 1,
  CREDO_DUMP_SUBJECT = 2,
  CREDO_DUMP_VERSION = 3
};
typedef struct credo_dump_item {
  int kind;                          /* credo_dump_kind */
  credo_time time;                   /* created / recorded */
  const credo_type_info *type;       /* kind TYPE, else NULL */
  const credo_subject_info *subject; /* kind SUBJECT, else NULL */
  const credo_event *version;        /* kind VERSION, else NULL */
} credo_dump_item;
typedef int (*credo_dump_cb)(const credo_dump_item *it, void *arg);
/* Calls `cb` for every item, from one snapshot; a non-zero return stops
 * and is returned. Sorting needs 24 bytes of memory per version plus the
 * subject ids. Not for the public role. */
CREDO_API int credo_dump_history(credo *db, credo_dump_cb cb, void *arg);

/* Restore writes: put back one item of a dump with its own transaction
 * time (`created` / `recorded`), which no other call can set. Admin only.
 * Rules, so that transaction time stays monotonic and no AS OF answer
 * already given changes:
 *  - the time must be >= the store's last transaction time (equal: the
 *    same original transaction, restored in several), else CREDO_RANGE;
 *    the store's last transaction time becomes it;
 *  - a transaction on `db` that made an ordinary write (credo_record_event
 *    ...) cannot restore (CREDO_TXN); ordinary writes after a restore get
 *    later times as usual;
 *  - an item already in the store with the same content is a duplicate:
 *    CREDO_OK with *created = 0 and no time check, so a restore that was
 *    interrupted can be run again from the start; the same key with other
 *    content is CREDO_CONFLICT.
 * credo_restore_type: t->id, when not 0, must be the id the store gives
 * next (types are restored in id order). credo_restore_version: v->id is
 * the event id (kept); v->version 1 creates the event (its (source, ref)
 * must be free), v->version n > 1 must follow version n-1 (CREDO_INVALID
 * for a gap), with the same subject, source and ref and a `recorded` not
 * before it. Uses v's subject, type (by name), occurred, public_from,
 * public_until, source, ref, data, version, recorded, actor, op, reason and
 * retracted. Errors are those of the ordinary writes, plus the above.
 * `created` may be NULL. */
CREDO_API int credo_restore_type(credo *db, const credo_type_info *t,
                                 int *created);
CREDO_API int credo_restore_subject(credo *db, const credo_subject_info *s,
                                    int *created);
CREDO_API int credo_restore_version(credo *db, const credo_event *v,
                                    int *created);

/* ------------------------------------------------ erasure and retention
 * Personal-information law (PIPL Art. 47) requires deleting records when
 * their purpose is over or on a lawful request. An erasure removes every
 * version's content of an event from every table and index, in one
 * transaction, and leaves a tombstone (event id, time of erasure, actor,
 * reason: no content) that HISTORY OF EVENT and SHOW ERASURES show, plus a
 * keyed hash of the event's (source, ref, subject) so that a resend is
 * refused ("erased on ... (reason)"). docs/operations.md describes the
 * operations built on these calls (purge, vacuum, re-applying erasures to
 * a restored backup).
 *
 * Threads: the calls on a handle follow the handle's rule (one thread at a
 * time); strings handed out are valid during the callback only; nothing
 * is allocated for the caller. Over credo:// the typed calls are
 * CREDO_NOTSUP: send the CQL statements (ERASE, SHOW ERASURES) instead. */

/* Why an event was erased. */
typedef enum credo_erase_cause {
  CREDO_ERASE_EVENT = 1,    /* ERASE EVENT n */
  CREDO_ERASE_SUBJECT = 2,  /* ERASE SUBJECT 'id' (its events and itself) */
  CREDO_ERASE_RETENTION = 3 /* the type's RETAIN period ran out (purge) */
} credo_erase_cause;

/* "event", "subject", "retention"; NULL for anything else. */
CREDO_API const char *credo_erase_cause_name(int cause);

/* Erases event `id` (ERASE EVENT): its versions, index entries and
 * (source, ref) go; a tombstone stays. `reason` (1-4096 bytes) is
 * required and must not repeat the content. Requires admin (CREDO_DENIED).
 * CREDO_NOTFOUND for an unknown event, and for one already erased (the
 * message says when and why). Joins an open transaction. */
CREDO_API int credo_erase_event(credo *db, uint64_t id, const char *reason);

/* Erases subject `subject` (ERASE SUBJECT): every one of its events as
 * credo_erase_event does, its record, its name (the name index and the
 * name history), in one transaction. *events (may be NULL) receives the
 * number of events erased. Requires admin. CREDO_NOTFOUND for an unknown
 * subject. The same id may be registered again afterwards. */
CREDO_API int credo_erase_subject(credo *db, const char *subject,
                                  const char *reason, uint64_t *events);

/* One entry of the erasure ledger: an erased event (event > 0) or an
 * erased subject's own entry (event 0; the id is not kept). */
typedef struct credo_erasure {
  uint64_t event;
  int cause; /* credo_erase_cause */
  credo_time erased;
  const char *actor;
  const char *reason;
} credo_erasure;
typedef int (*credo_erasure_cb)(const credo_erasure *e, void *arg);

/* Calls `cb` for each ledger entry: erased events in id order, then the
 * erased subjects in the order of their hashes. Strings are valid during
 * the call; a non-zero return stops the walk and is returned. Not for the
 * public role (CREDO_DENIED). */
CREDO_API int credo_list_erasures(credo *db, credo_erasure_cb cb, void *arg);

/* Erases every event whose retention has run out at `now` (CREDO_TIME_NOW:
 * the handle's clock): events of a type declared with RETAIN d whose
 * retain_until (public_until + d; first recorded + d for NOT PUBLISHED
 * types; open windows never) is <= now. Works in transactions of at most
 * `batch` events (0: 1000), each committed before the next begins, so
 * readers and other writers go on in between; tombstones have cause
 * CREDO_ERASE_RETENTION, actor the handle's and reason "retention".
 * `progress` (may be NULL) is called after each batch (phase "purge",
 * done = events erased so far, total 0); a non-zero return stops after
 * that batch (CREDO_CANCELLED; the batches done stay done). *erased (may
 * be NULL) receives the count. Requires admin; not inside credo_begin
 * (CREDO_TXN); embedded handles only (CREDO_NOTSUP). */
CREDO_API int credo_purge(credo *db, credo_time now, unsigned batch,
                          credo_progress_fn progress, void *arg,
                          uint64_t *erased);

/* Re-applies the erasure ledger of the store `from_dir` (opened
 * read-only beside its users) to the store of `db`: every erased event
 * still present in `db` is erased again with the original tombstone (time,
 * actor, reason, cause), erased subjects found in `db` are erased, and the
 * ledger entries are copied, so resends stay refused. For a backup older
 * than an erasure, restored into service (credo restore ...
 * --erasures-from LIVE). Both stores must come from the same store (the
 * ledger's hashes are keyed by a secret of that store; CREDO_CONFLICT
 * otherwise). Idempotent. *applied (may be NULL): events erased. Requires
 * admin; not inside credo_begin (CREDO_TXN). */
CREDO_API int credo_apply_erasures(credo *db, const char *from_dir,
                                   uint64_t *applied);

/* Rewrites the store in `dir` entry by entry into a fresh file and puts it
 * in place of data.mdb, so that no byte of erased (or any deleted) record
 * is left in free pages or in the unused space of pages. Offline: the
 * store must not be open in any process (CREDO_BUSY names the process
 * holding it; stop credo-server first), and it keeps other processes from
 * opening it until done. Needs free disk space for a second copy of the
 * live data. `progress` (may be NULL): phase "vacuum", done/total in
 * entries. The old file is replaced atomically (rename): a crash leaves
 * either the old or the new store. Message in `err` (may be NULL).
 * CREDO_BUSY too when this process has the store open (close its
 * handles first); credo_open of it in this process waits for the vacuum.
 * Thread-safe (no handle). */
CREDO_API int credo_vacuum(const char *dir, credo_progress_fn progress,
                           void *arg, char *err, size_t errlen);

#endif /* CREDO_OPS_H */
