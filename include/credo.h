/*
 * credo.h -- the public C API of credo, a temporal store for credit records.
 *
 * Everything a program embedding credo needs is declared here and in
 * credo_ops.h, which this header includes (operations: backup, restore,
 * check, the logical dump, erasure); include credo.h only. Names start with
 * credo_ / CREDO_.
 *
 * Handles. `credo` is a connection to one store: an embedded store opened on
 * a directory. `credo_stmt` is a prepared CQL statement belonging to one
 * `credo`. Both are opaque.
 *
 * Return codes. Every function that can fail returns an int from the table
 * CREDO_ERRORS below: CREDO_OK (0) on success, CREDO_ROW / CREDO_DONE (> 0)
 * from credo_step, a negative code on failure. credo_strerror() names a code;
 * credo_errmsg() gives the detailed message of the last failure on a handle
 * (with "line L, column C: " for CQL errors, and credo_errpos() for the
 * numbers).
 *
 * Threads and processes (the rules are LMDB's). A `credo` handle and its
 * statements are used by one thread at a time. To serve several threads,
 * give each its own handle with credo_dup(): handles made by credo_dup share
 * the open store, so any number of them read in parallel while one at a
 * time writes (writers queue). Several processes may open the same store
 * directory at once; the same rules hold across them. In one process, a
 * credo_open() of a directory that is already open (under any spelling)
 * shares the open store, as credo_dup() would, with the settings of the
 * first open (LMDB allows one environment per file per process); a writing
 * open of a store that is open read-only is refused (CREDO_BUSY).
 * Inside one call, a grouped SELECT answered from the columnar projection
 * may scan on worker threads of its own (one per online core, at most 4;
 * the environment variable CREDO_BATCH_THREADS=n forces n): they end
 * before the call returns, and never call back into the application (a
 * handle with a check handler or a time limit scans on the calling
 * thread only).
 *
 * Time. credo_time is a count of microseconds since 1970-01-01T00:00:00Z.
 * CREDO_TIME_OPEN stands for an open end (a window with no end);
 * CREDO_TIME_NOW asks for "now" (the session clock, or for AS OF the latest
 * committed state); CREDO_TIME_DEFAULT asks the engine to compute a value
 * from the type's policy.
 *
 * Memory. Strings passed in are copied when needed; the caller keeps
 * ownership. Strings handed out are owned by the library, and each function
 * says how long they stay valid.
 */
#ifndef CREDO_H
#define CREDO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CREDO_VERSION_MAJOR 0
#define CREDO_VERSION_MINOR 1
#define CREDO_VERSION_PATCH 0
#define CREDO_VERSION "0.1.0"
/* The store format this build writes (docs/storage.md, "Format
 * version"); older stores need credo_upgrade. */
#define CREDO_STORE_FORMAT 3
#define CREDO_VERSION_NUMBER                                                   \
  (CREDO_VERSION_MAJOR * 10000 + CREDO_VERSION_MINOR * 100 +                   \
   CREDO_VERSION_PATCH)

#if defined(CREDO_BUILDING) && defined(__GNUC__)
#define CREDO_API __attribute__((visibility("default")))
#else
#define CREDO_API
#endif

/* ---------------------------------------------------------------- codes */

/* X(name, value, message). The one table of return codes. */
#define CREDO_ERRORS(X)                                                        \
  X(CREDO_OK, 0, "ok")                                                         \
  X(CREDO_ROW, 1, "a row is ready")                                            \
  X(CREDO_DONE, 2, "statement finished")                                       \
  X(CREDO_ERROR, -1, "internal error")                                         \
  X(CREDO_MISUSE, -2, "library used incorrectly")                              \
  X(CREDO_INVALID, -3, "invalid argument")                                     \
  X(CREDO_NOMEM, -4, "out of memory")                                          \
  X(CREDO_IO, -5, "input/output error")                                        \
  X(CREDO_FULL, -6, "disk full")                                               \
  X(CREDO_CORRUPT, -7, "store is corrupt")                                     \
  X(CREDO_FORMAT, -8, "unsupported store format version")                      \
  X(CREDO_BUSY, -9, "store is busy")                                           \
  X(CREDO_READONLY, -10, "store is read-only")                                 \
  X(CREDO_NOTFOUND, -11, "not found")                                          \
  X(CREDO_EXISTS, -12, "already exists")                                       \
  X(CREDO_CONFLICT, -13, "conflicting record")                                 \
  X(CREDO_REFUSED, -14, "refused by publicity policy")                         \
  X(CREDO_DENIED, -15, "permission denied")                                    \
  X(CREDO_BADID, -16, "invalid identifier")                                    \
  X(CREDO_SYNTAX, -17, "syntax error")                                         \
  X(CREDO_SEMANTIC, -18, "invalid statement")                                  \
  X(CREDO_RANGE, -19, "value out of range")                                    \
  X(CREDO_AUTH, -20, "authentication failed")                                  \
  X(CREDO_PROTOCOL, -21, "protocol error")                                     \
  X(CREDO_LIMIT, -22, "limit exceeded")                                        \
  X(CREDO_CANCELLED, -23, "statement cancelled")                               \
  X(CREDO_NOTSUP, -24, "not supported")                                        \
  X(CREDO_TXN, -25, "transaction state error")                                 \
  X(CREDO_CONN, -26, "connection error")

enum credo_code {
#define CREDO_X_ENUM(name, value, msg) name = value,
  CREDO_ERRORS(CREDO_X_ENUM)
#undef CREDO_X_ENUM
};

/* The fixed message of a code ("not found"); "unknown code" for others.
 * Never NULL, static storage. Thread-safe. */
CREDO_API const char *credo_strerror(int rc);
/* The code's name ("CREDO_NOTFOUND"); "CREDO_UNKNOWN" for others. */
CREDO_API const char *credo_errname(int rc);

/* The library's version string, equal to CREDO_VERSION of the build. */
CREDO_API const char *credo_version(void);

/* ----------------------------------------------------------------- time */

typedef int64_t credo_time; /* microseconds since 1970-01-01T00:00:00Z */

#define CREDO_TIME_OPEN INT64_MAX          /* open end of a window */
#define CREDO_TIME_NOW (INT64_MIN + 1)     /* now / latest */
#define CREDO_TIME_DEFAULT (INT64_MIN + 2) /* computed from the policy */
#define CREDO_TIME_MIN (INT64_MIN + 16)    /* smallest real instant */

#define CREDO_USEC_PER_SEC INT64_C(1000000)
#define CREDO_USEC_PER_DAY (INT64_C(86400) * CREDO_USEC_PER_SEC)

/* A calendar duration: months (calendar months, a year is 12) plus an exact
 * number of microseconds (days, hours, ...). */
typedef struct credo_duration {
  int32_t months;
  int64_t usec;
} credo_duration;

/* Parses an ISO 8601 date or date-time ("2025-03-01",
 * "2025-03-01T09:30:00", "2025-03-01 09:30:00.25+08:00", "...Z").
 * A value without an offset is read in `tz_offset_sec` (seconds east of UTC).
 * Returns CREDO_OK or CREDO_INVALID (not a time, or not a real date).
 * Thread-safe. */
CREDO_API int credo_time_parse(const char *s, int tz_offset_sec,
                               credo_time *out);

/* Writes `t` as ISO 8601 with offset ("2025-03-01T00:00:00+08:00"), the
 * fraction of a second only when non-zero and then always with six digits
 * ("...T10:00:00.120000+08:00"); CREDO_TIME_OPEN is written "open". Returns
 * CREDO_OK, or CREDO_RANGE when `n` is too small (40 bytes always suffice);
 * CREDO_INVALID for values below CREDO_TIME_MIN or a bad offset. */
CREDO_API int credo_time_format(credo_time t, int tz_offset_sec, char *buf,
                                size_t n);

/* t + d, adding months on the calendar of `tz_offset_sec` (the day of month
 * is clamped: 2024-02-29 + 1 year = 2025-02-28). CREDO_TIME_OPEN stays open.
 * Saturates instead of overflowing. */
CREDO_API credo_time credo_time_add(credo_time t, credo_duration d,
                                    int tz_offset_sec);

/* Writes a duration as CQL would ("1 YEAR 3 MONTHS", "90 DAYS"). */
CREDO_API int credo_duration_format(credo_duration d, char *buf, size_t n);

/* ------------------------------------------------------------ identifiers */

typedef enum credo_kind {
  CREDO_KIND_ORG = 1,    /* Unified Social Credit Code, GB 32100-2015 */
  CREDO_KIND_PERSON = 2, /* resident identity number, GB 11643-1999 */
  CREDO_KIND_OTHER = 3   /* free-form, 1-64 bytes of UTF-8 */
} credo_kind;

/* Checks `id` for `kind`. Returns CREDO_OK or CREDO_BADID with a sentence
 * naming the failed check written to `why` (if not NULL, truncated to
 * `whylen`). Thread-safe. */
CREDO_API int credo_id_check(credo_kind kind, const char *id, char *why,
                             size_t whylen);

/* "org", "person", "other"; NULL for anything else. */
CREDO_API const char *credo_kind_name(credo_kind kind);

/* The i-th name (from 0) of the functions CQL knows -- scalar functions
 * with their aliases, aggregates, coalesce -- in lowercase, in a fixed
 * order; NULL past the last (and for i < 0). Static strings; needs no
 * handle (the list is the library's: a server of another version may know
 * others). Thread-safe. For completion in clients (the credo shell). */
CREDO_API const char *credo_function_name(int i);

/* --------------------------------------------------------------- handles */

typedef struct credo credo;
typedef struct credo_stmt credo_stmt;

/* Open flags. */
#define CREDO_OPEN_NOSYNC                                                      \
  0x1u                           /* do not fsync at commit (bulk loads): a     \
                                    crash may lose the last commits, never     \
                                    corrupt the store */
#define CREDO_OPEN_READONLY 0x2u /* no writes; the store must exist */
#define CREDO_OPEN_NOCREATE 0x4u /* fail with CREDO_NOTFOUND if missing */
/* Let the OS read ahead around each page the store reads (LMDB's default).
 * credo turns readahead off unless asked: a look-up reads scattered
 * pages, and on a store larger than RAM readahead read 2.2 MB per look-up
 * (about 50x the pages it needed) at 50M events, evicting the cache
 * (docs/performance.md). Worth it only for scan-heavy use of such a store. */
#define CREDO_OPEN_READAHEAD 0x8u

typedef struct credo_options {
  unsigned flags;       /* CREDO_OPEN_* */
  size_t map_size;      /* initial map size in bytes; 0 = default. The map
                           grows by itself when full. */
  unsigned max_readers; /* concurrent read transactions; 0 = default 126 */
  const char *password; /* credo:// URIs: the user's password (NULL: the
                           CREDO_PASSWORD environment variable) */
} credo_options;

/* Opens (creating if missing, unless CREDO_OPEN_NOCREATE) the store in
 * directory `path`. `opt` may be NULL for defaults. On success *out is a new
 * handle with role admin and actor "local" (whoever can open the directory
 * has full control of it anyway). On failure *out is set to NULL, unless
 * the failure happened after the handle was allocated, in which case *out
 * is a handle whose credo_errmsg() tells what went wrong and which the
 * caller must still credo_close(). Errors: CREDO_IO, CREDO_FORMAT (the
 * store was written by a newer format), CREDO_CORRUPT, CREDO_NOTFOUND,
 * CREDO_NOMEM, CREDO_INVALID. */
CREDO_API int credo_open(const char *path, const credo_options *opt,
                         credo **out);

/* Makes another handle on the store open in `db`, for another thread. The
 * new handle starts with `db`'s actor, role, clock and time zone, and has
 * its own error state and transaction. The store stays open until its last
 * handle is closed. Thread-safe with respect to other handles. */
CREDO_API int credo_dup(credo *db, credo **out);

/* Closes a handle, rolling back its open transaction and finalizing its
 * statements. Accepts NULL. After it, `db` is freed. */
CREDO_API void credo_close(credo *db);

/* The code and detailed message of the last failed call on `db`. The message
 * lives until the next call on `db`. credo_errpos gives the 1-based line and
 * column of a CQL error (0, 0 when it has none). */
CREDO_API int credo_errcode(const credo *db);
CREDO_API const char *credo_errmsg(const credo *db);
CREDO_API void credo_errpos(const credo *db, int *line, int *column);

/* ------------------------------------------------------------- sessions */

typedef enum credo_role {
  CREDO_ROLE_PUBLIC = 0,   /* what is public now, nothing else */
  CREDO_ROLE_ANALYST = 1,  /* reads everything */
  CREDO_ROLE_RECORDER = 2, /* analyst + subjects, record, correct */
  CREDO_ROLE_REPAIRER = 3, /* analyst + repair, retract */
  CREDO_ROLE_ADMIN = 4     /* everything: types, users, backups */
} credo_role;

/* "public", "analyst", ...; NULL when out of range. */
CREDO_API const char *credo_role_name(credo_role role);
/* Parses a role name (case-insensitive). CREDO_OK or CREDO_INVALID. */
CREDO_API int credo_role_parse(const char *name, credo_role *out);

/* Sets who is acting on this handle. `actor` (1-64 bytes) is written into
 * every version the handle records. A handle may lower its role, or keep
 * it; only an admin handle may raise it (CREDO_DENIED otherwise). */
CREDO_API int credo_set_user(credo *db, const char *actor, credo_role role);
CREDO_API credo_role credo_get_role(const credo *db);

/* Checks `password` against the stored hash of `user` (users are managed
 * with CREATE USER / ALTER USER / DROP USER) and, when it matches, makes
 * `db` act as that user: its actor becomes `user` and its role the user's
 * role, as credo_set_user would. `db` must be an admin handle (as the
 * server's are; CREDO_DENIED otherwise), so switch a fresh credo_dup()
 * of it per session. An unknown user and a wrong password both give
 * CREDO_AUTH "authentication failed", after the same amount of work; the
 * password is never copied, stored or put into a message, and the handle
 * is unchanged on failure. When the verification itself cannot run (it
 * needs 64 MiB; CREDO_NOMEM when that memory is refused, CREDO_ERROR for
 * another failure) the error says so: it is never reported as a wrong
 * password. The strings stay the caller's. Costs one argon2id
 * verification (tens of milliseconds and 64 MiB, by design: servers bound
 * how many run at once). Thread-safe
 * with respect to other handles. */
CREDO_API int credo_authenticate(credo *db, const char *user,
                                 const char *password);

/* Re-checks the session that credo_authenticate (or credo_session_adopt)
 * opened on `db` against the
 * store's users, so that ALTER USER, DROP USER and password changes made
 * since (by any handle or process) take effect: call it before each
 * statement of the session. CREDO_OK, with the handle's role now the
 * user's current role (a role change applies at once); CREDO_AUTH
 * "session ended: user "x" was dropped" / "... the password of user "x"
 * was changed" when the session must end (the handle is then lowered to
 * role public and every later call of this function fails the same way:
 * close it); a storage error code. CREDO_OK at once for a handle never
 * switched by credo_authenticate, and on a remote handle. Costs one read
 * of the user record when users changed in this process since the last
 * call or that call is more than a second old (so a change made by another
 * process on the same store shows within a second), else nothing. Same
 * thread rules as other calls on `db`. */
CREDO_API int credo_session_check(credo *db);

/* Registers `db` as session `id` (> 0) of a front end, for SHOW SESSIONS
 * (id, user, role, peer, since) and KILL SESSION id. `peer` (may be NULL)
 * is copied. `kill(arg)` is called by KILL SESSION on the killer's thread,
 * with the store's session lock held: it must only wake the session's own
 * thread (e.g. shut down its socket's read side) and return, never block
 * or use any handle. After a kill, the running statement of `db` is
 * interrupted and credo_session_check(db) fails with CREDO_AUTH "session
 * ended: killed by ADMIN (KILL SESSION id)". Registering again updates the
 * entry; credo_close removes it (so `arg` may be freed after it). Call it
 * on the session's own thread, once authenticated (the user and role are
 * taken from the handle). CREDO_MISUSE for NULL or id 0, CREDO_NOTSUP on
 * a remote handle. */
typedef void (*credo_session_kill_fn)(void *arg);
CREDO_API int credo_session_register(credo *db, uint64_t id, const char *peer,
                                     credo_session_kill_fn kill, void *arg);

/* The SCRAM-SHA-256 verifier of a user (RFC 5802, RFC 7677), kept beside
 * the argon2id hash and written by CREATE USER / ALTER USER ... PASSWORD,
 * for front ends that speak SCRAM (credo-server's PostgreSQL listener):
 * they run the exchange with it and, when the client's proof checks out,
 * switch their admin handle with credo_set_user(db, user, v.role). */
#define CREDO_SCRAM_SALT_LEN 16
#define CREDO_SCRAM_KEY_LEN 32
typedef struct credo_scram_verifier {
  uint32_t iterations; /* PBKDF2-HMAC-SHA-256 iterations */
  uint8_t salt[CREDO_SCRAM_SALT_LEN];
  uint8_t stored_key[CREDO_SCRAM_KEY_LEN]; /* SHA-256(ClientKey) */
  uint8_t server_key[CREDO_SCRAM_KEY_LEN];
  credo_role role; /* the user's role */
} credo_scram_verifier;

/* Fills *out with the verifier of `user`. `db` must be an admin handle
 * (CREDO_DENIED). CREDO_NOTFOUND "no such user"; CREDO_NOTSUP for a user
 * created by a build that kept no verifier (the message says to set the
 * password again with ALTER USER). *out holds secrets equivalent to the
 * password for this store: wipe it after use. Thread-safe with respect to
 * other handles. */
CREDO_API int credo_user_scram(credo *db, const char *user,
                               credo_scram_verifier *out);

/* For front ends that authenticate a user themselves with its SCRAM
 * verifier (credo_user_scram): switches admin handle `db` to `user` with
 * the user's current role, as credo_authenticate does, so that
 * credo_session_check then ends the session on DROP USER or a password
 * change and applies ALTER USER ... ROLE. `v` is the verifier the proof
 * was checked against: CREDO_AUTH "authentication failed" when the user
 * is gone or its verifier is no longer `v` (the password changed
 * meanwhile). CREDO_DENIED unless `db` is admin, CREDO_MISUSE for NULL,
 * CREDO_NOTSUP on a remote handle. Strings stay the caller's. */
CREDO_API int credo_session_adopt(credo *db, const char *user,
                                  const credo_scram_verifier *v);

/* Replaces the wall clock of this handle, for tests. `fn(arg)` returns the
 * current time; NULL restores the system clock. Transaction times stay
 * strictly increasing whatever the clock says. */
typedef credo_time (*credo_clock_fn)(void *arg);
CREDO_API int credo_set_clock(credo *db, credo_clock_fn fn, void *arg);
/* The handle's idea of now. */
CREDO_API credo_time credo_now(credo *db);

/* Asks the statement or read running on `db` to stop: it fails at its
 * next check (within a few rows of work, also in the middle of one step,
 * e.g. an aggregate over a large table) with CREDO_CANCELLED, and its
 * writes are rolled back. The one function that may be called on a handle
 * from another thread while that handle is in use, and it is
 * async-signal-safe: a SIGINT handler may call it (the credo shell does;
 * it only stores an atomic flag and, on a remote handle, writes a byte to
 * a pipe). The handle must stay open meanwhile: do not call it on a
 * handle being closed. A request made while nothing runs is dropped when
 * the next statement or read starts. On a credo:// handle it sends the
 * protocol's CANCEL for the request being waited for (docs/protocol.md):
 * the server stops a read at its next check and answers CREDO_CANCELLED
 * ("statement cancelled"); rows it had already sent are still delivered
 * first, and a write, which the server runs atomically in one step, is
 * not stopped once it has started there (its answer says what it did). */
CREDO_API void credo_interrupt(credo *db);

/* Limits every statement and read on `db` to `usec` microseconds of wall
 * time (0, the default: no limit). Past it, the work fails with
 * CREDO_CANCELLED ("... exceeded its time limit") at its next check,
 * writing nothing. CREDO_RANGE for a negative value. */
CREDO_API int credo_set_timeout(credo *db, int64_t usec);

/* Bounds how long a write on `db` (a write statement, credo_begin / BEGIN,
 * a typed write) waits for the store's one writer slot while another
 * handle of this process holds it: past `usec` microseconds it fails with
 * CREDO_BUSY "waited N ms for the store's writer ...", having written
 * nothing (0, the default: wait as long as it takes). Writers of other
 * processes are waited for without this bound. Per handle, not copied by
 * credo_dup; set it before the handle is used by its thread. CREDO_RANGE
 * for a negative value, CREDO_MISUSE for NULL. */
CREDO_API int credo_set_busy_timeout(credo *db, int64_t usec);

/* The fewest characters (UTF-8 code points) a password set through `db`
 * may have: CREATE USER ... PASSWORD, ALTER USER ... PASSWORD and the
 * credo-server --init-admin that uses them. Shorter ones fail with
 * CREDO_INVALID "a password must have at least N characters" and nothing
 * is written. Existing passwords are not checked again. Default
 * CREDO_MIN_PASSWORD_DEFAULT on every new handle; copied by credo_dup;
 * operators set it with credo-server --min-password-length. `n` must be
 * 1..CREDO_MIN_PASSWORD_MAX (CREDO_RANGE otherwise); CREDO_MISUSE for
 * NULL, CREDO_NOTSUP on a remote handle (the server's setting applies).
 * Set it before the handle is used by its thread. */
#define CREDO_MIN_PASSWORD_DEFAULT 10
#define CREDO_MIN_PASSWORD_MAX 256
CREDO_API int credo_set_min_password(credo *db, unsigned n);

/* Installs `fn` (NULL removes it), called on the thread running a
 * statement or read of `db` about every `every` rows it examines (every
 * row a scan, an aggregate or a batch write looks at, kept or not; `every`
 * >= 1). A non-zero return stops the work at once with CREDO_CANCELLED
 * ("statement cancelled"), writing nothing, as credo_interrupt does. Use
 * it to watch for a cancel request on the same thread (credo-server polls
 * its socket for CANCEL with it) or to report progress. `fn` must not
 * use `db`. Not copied by credo_dup; never called on a remote handle
 * (the server runs the statement). CREDO_RANGE when every is 0. */
typedef int (*credo_check_handler)(void *arg);
CREDO_API int credo_set_check_handler(credo *db, unsigned every,
                                      credo_check_handler fn, void *arg);

/* Session time zone as an offset east of UTC in seconds (-18h..+18h); used
 * for literals without an offset, for printing times, and for calendar
 * arithmetic. Default 0 (UTC). */
CREDO_API int credo_set_tz(credo *db, int offset_sec);
CREDO_API int credo_get_tz(const credo *db);

/* The store's time zone (SET STORE TIME ZONE), seconds east of UTC,
 * persisted in the store (a new store: 0, UTC). Publicity windows and
 * repair dates are computed in it, whatever the session's zone; it is the
 * session zone of every handle opened on the store until the session sets
 * its own. Setting it requires admin (CREDO_DENIED) and is a write (it
 * joins an open transaction); CREDO_RANGE beyond +-18:00. */
CREDO_API int credo_set_store_tz(credo *db, int offset_sec);
CREDO_API int credo_get_store_tz(credo *db, int *offset_sec);

/* --------------------------------------------------------- transactions */

/* Starts an explicit write transaction on this handle: the changes made
 * until credo_commit() become visible together, with one transaction time,
 * or not at all (credo_rollback). While it is open, reads on this handle
 * see its changes; other handles do not. Holds the store's one writer slot
 * (other writers wait). CREDO_TXN when one is already open. */
CREDO_API int credo_begin(credo *db);
CREDO_API int credo_commit(credo *db);
CREDO_API int credo_rollback(credo *db);
/* 1 when an explicit transaction is open on `db`. On a remote handle: as
 * the server said in its last answer (DONE or ERROR), so after a statement
 * that ended the transaction (COMMIT, or a failure that rolled it back)
 * it is 0. */
CREDO_API int credo_in_txn(const credo *db);

/* --------------------------------------------------- types and subjects */

/* Declares a credit event type. `name` is an identifier
 * ([A-Za-z_][A-Za-z0-9_]*, at most 64 bytes). `publicity` is the maximum
 * window length from `occurred` (months and usec both 0 means an open
 * window: PUBLICITY OPEN); `repairable_after` the minimum publicity before
 * repair, counted from `occurred`. The type is ADVERSE and published;
 * credo_create_type_def declares the others. Requires admin. Errors:
 * CREDO_EXISTS, CREDO_INVALID (also REPAIRABLE AFTER longer than
 * PUBLICITY), CREDO_DENIED. */
CREDO_API int credo_create_type(credo *db, const char *name,
                                credo_duration publicity,
                                credo_duration repairable_after);

/* Type flags (docs/rules.md). */
#define CREDO_TYPE_POSITIVE                                                    \
  0x1u /* a positive record (honour, licence):                                 \
          never repaired */
#define CREDO_TYPE_NOT_PUBLISHED                                               \
  0x2u /* kept, never public (minor                                            \
          information, Order 36) */
#define CREDO_TYPE_OPEN                                                        \
  0x4u /* PUBLICITY OPEN: no maximum                                           \
          (licences valid until revoked) */

/* A type declaration. `flags` holds CREDO_TYPE_*; `publicity` must be
 * non-zero unless the type is OPEN or NOT_PUBLISHED (then it must be
 * zero): a zero window is refused with a message naming both.
 * `repairable_after` must not be longer than `publicity`.
 * `public_fields`, when not NULL, is a comma-separated list of keys of
 * `data` that the public role sees ("" = none); NULL = all of them. */
typedef struct credo_type_def {
  const char *name;
  unsigned flags;
  credo_duration publicity;
  credo_duration repairable_after;
  const char *public_fields;
  credo_duration retain; /* RETAIN d: erase records d after their publicity
                            ends (after recording for NOT PUBLISHED); {0,
                            0} = keep forever */
} credo_type_def;

/* Declares a type from `def` (copied). Requires admin. Errors as
 * credo_create_type. */
CREDO_API int credo_create_type_def(credo *db, const credo_type_def *def);

typedef struct credo_type_info {
  const char *name;
  uint32_t id;
  credo_duration publicity;
  credo_duration repairable_after;
  credo_time created;
  unsigned flags;            /* CREDO_TYPE_* */
  const char *public_fields; /* NULL: all of data is public */
  credo_duration retain;     /* RETAIN; {0, 0}: kept forever */
} credo_type_info;

/* Looks up a type by name. Strings in *out stay valid until the next call
 * on `db`. CREDO_NOTFOUND (the message lists the known types). */
CREDO_API int credo_get_type(credo *db, const char *name, credo_type_info *out);

/* Calls `cb` for each type in name order; a non-zero return from `cb`
 * stops the walk and is returned. Strings are valid during the call. */
typedef int (*credo_type_cb)(const credo_type_info *t, void *arg);
CREDO_API int credo_list_types(credo *db, credo_type_cb cb, void *arg);

/* Registers a subject. `id` must pass credo_id_check for `kind`
 * (CREDO_BADID, message names the check). `name` is optional (NULL), at
 * most 512 bytes. Requires recorder. CREDO_EXISTS if the id is taken with a
 * different kind or name; registering the same subject again is CREDO_OK. */
CREDO_API int credo_create_subject(credo *db, const char *id, credo_kind kind,
                                   const char *name);

typedef struct credo_subject_info {
  const char *id;
  credo_kind kind;
  const char *name; /* "" when none */
  credo_time created;
} credo_subject_info;

/* Renames a subject (企业名称变更): its name becomes `name` (1-512 bytes
 * of UTF-8); the former name is kept in its history (HISTORY OF SUBJECT)
 * with the actor, `reason` (required) and the transaction time, and reads
 * AS OF an earlier instant show the name as it was then. Renaming to the
 * current name is CREDO_OK and writes nothing (credo_changes 0). Requires
 * recorder. Errors: CREDO_NOTFOUND, CREDO_INVALID, CREDO_DENIED. */
CREDO_API int credo_rename_subject(credo *db, const char *id, const char *name,
                                   const char *reason);

/* Looks up a subject; strings valid until the next call on `db`. For the
 * public role a person's id comes masked (first 6 and last 4 characters,
 * 8 '*' between), as in every event a public-role handle receives. */
CREDO_API int credo_get_subject(credo *db, const char *id,
                                credo_subject_info *out);

/* --------------------------------------------------------------- events */

typedef enum credo_op {
  CREDO_OP_RECORD = 1,
  CREDO_OP_CORRECT = 2,
  CREDO_OP_REPAIR = 3,
  CREDO_OP_RETRACT = 4,
  CREDO_OP_ERASE = 5 /* a tombstone: HISTORY of an erased event */
} credo_op;

/* "record", "correct", "repair", "retract", "erase". */
CREDO_API const char *credo_op_name(int op);

/* One version of one event, as a read returns it. */
typedef struct credo_event {
  uint64_t id;
  const char *subject;
  const char *type;
  credo_time occurred;
  credo_time public_from;
  credo_time public_until; /* CREDO_TIME_OPEN when open */
  const char *source;
  const char *ref;
  const char *data;    /* JSON object text, compact, keys sorted */
  uint32_t version;    /* 1 for the first version */
  credo_time recorded; /* transaction time of this version */
  const char *actor;
  int op;             /* credo_op that made this version */
  const char *reason; /* "" when none was given */
  int retracted;      /* 1 once retracted */
  int is_public;      /* public at the visibility instant of the read */
} credo_event;

/* What to record. public_from / public_until may be CREDO_TIME_DEFAULT:
 * from = occurred, until = occurred + the type's PUBLICITY (open for a
 * PUBLICITY OPEN type; the empty window at occurred for NOT PUBLISHED),
 * computed in the store's time zone. Explicit values must lie within the
 * type's bounds (docs/rules.md): from not before occurred, until not after
 * occurred + PUBLICITY nor before occurred + REPAIRABLE AFTER; none for a
 * NOT PUBLISHED type. `source` is a source name ([a-z0-9][a-z0-9_-]*).
 * `data` is a JSON object text or NULL ({}); `reason` may be NULL. */
typedef struct credo_record {
  const char *subject;
  const char *type;
  credo_time occurred;
  credo_time public_from;
  credo_time public_until;
  const char *source; /* 1-128 bytes */
  const char *ref;    /* 1-256 bytes */
  const char *data;
  const char *reason;
} credo_record;

/* Records an event: a new event id and its version 1. Idempotent on
 * (source, ref, subject), the year brackets of ref in one form
 * (〔2026〕 [2026] 【2026】 (2026) （2026） are one key): recording the same
 * content as the event's latest version returns its id with *created = 0;
 * other content is CREDO_CONFLICT naming the version. A retracted event
 * no longer holds its key. Requires recorder (whose user was granted the
 * source: GRANT SOURCE) or admin. Errors: CREDO_NOTFOUND (subject or type;
 * the message says which), CREDO_INVALID (bad JSON, empty window, source
 * name, lengths), CREDO_REFUSED (a window outside the type's bounds, named
 * in the message), CREDO_CONFLICT, CREDO_DENIED (role or grant). `id_out`,
 * `created` may be NULL. */
CREDO_API int credo_record_event(credo *db, const credo_record *rec,
                                 uint64_t *id_out, int *created);

#define CREDO_SET_OCCURRED 0x01u
#define CREDO_SET_PUBLIC_FROM 0x02u
#define CREDO_SET_PUBLIC_UNTIL 0x04u
#define CREDO_SET_DATA 0x08u
#define CREDO_SET_TYPE 0x10u

/* A correction: the fields named in `set` replace the current ones. When
 * `occurred` moves and the window is not set explicitly, the window moves
 * with it by the same amount (its length is kept). `data` replaces the whole
 * object. */
typedef struct credo_correction {
  unsigned set;
  credo_time occurred;
  credo_time public_from;
  credo_time public_until;
  const char *data;
  const char *type;
} credo_correction;

/* Appends a "correct" version (异议处理). `reason` is required. Setting
 * `data` requires recorder (granted the event's source) or admin; setting
 * occurred, public_from, public_until or type requires repairer or admin,
 * and the resulting window must lie within the type's bounds (a new type
 * recomputes it from that type's policy; a repaired event's window never
 * ends later). Errors: CREDO_NOTFOUND, CREDO_INVALID, CREDO_DENIED,
 * CREDO_REFUSED (a bound, named; a retracted event). */
CREDO_API int credo_correct_event(credo *db, uint64_t id,
                                  const credo_correction *c,
                                  const char *reason);

/* Ends publicity early (信用修复): appends a "repair" version with
 * public_until = `effective` (CREDO_TIME_NOW for now). CREDO_REFUSED when
 * `effective` is before occurred + REPAIRABLE AFTER, computed in the
 * store's time zone (the message gives the earliest allowed date), when
 * the window has already ended, when the type is POSITIVE ("repair applies
 * to adverse records only"), or when the event is retracted. Requires
 * repairer. */
CREDO_API int credo_repair_event(credo *db, uint64_t id, credo_time effective,
                                 const char *reason);

/* Withdraws an event recorded in error: appends a "retract" version; the
 * event disappears from every read but history, and frees its
 * (source, ref, subject) key. Requires repairer or admin, or a recorder
 * granted the event's source. */
CREDO_API int credo_retract_event(credo *db, uint64_t id, const char *reason);

/* Reads: `as_of` picks, for each event, its latest version recorded at or
 * before it (CREDO_TIME_NOW: the latest committed); `visible_at` is the
 * instant at which publicity is judged (CREDO_TIME_NOW: the as_of instant,
 * or now when as_of is the latest). A public-role handle may only pass
 * CREDO_TIME_NOW for both (CREDO_DENIED otherwise), and the events it
 * receives are the public's view (docs/rules.md, rules 7-9): a person's
 * subject id masked (first 6 and last 4 characters), version 0, recorded
 * 0, op 0, actor and reason "", and only the type's PUBLIC FIELDS of
 * data. */
#define CREDO_READ_HIDDEN 0x1u    /* keep versions not public at visible_at */
#define CREDO_READ_RETRACTED 0x2u /* keep retracted events too */

/* Reads one event as of `as_of`. Fills *out (strings valid until the next
 * call on `db`). CREDO_NOTFOUND when it did not exist then, or (without
 * CREDO_READ_HIDDEN / _RETRACTED) was not public / was retracted. Costs one
 * B-tree lookup whatever the number of versions. */
CREDO_API int credo_get_event(credo *db, uint64_t id, credo_time as_of,
                              credo_time visible_at, unsigned flags,
                              credo_event *out);

/* Calls `cb` for each event of `subject` (in id order) that passes the read
 * rules above. Strings in *ev are valid during the call only. A non-zero
 * return from `cb` stops the walk and is returned. Reads one consistent
 * snapshot. CREDO_NOTFOUND when the subject does not exist. */
typedef int (*credo_event_cb)(const credo_event *ev, void *arg);
CREDO_API int credo_subject_events(credo *db, const char *subject,
                                   credo_time as_of, credo_time visible_at,
                                   unsigned flags, credo_event_cb cb,
                                   void *arg);

/* Calls `cb` for every version of event `id`, oldest first. is_public is
 * judged at each version's own transaction time. Not for the public role
 * (CREDO_DENIED). */
CREDO_API int credo_event_history(credo *db, uint64_t id, credo_event_cb cb,
                                  void *arg);

/* ------------------------------------------------------------ statistics */

typedef struct credo_stats {
  uint64_t subjects, types, events, versions;
  credo_time last_recorded; /* transaction time of the last commit, or 0 */
  uint64_t map_size, used_bytes;
  uint32_t format_version;
} credo_stats;

CREDO_API int credo_get_stats(credo *db, credo_stats *out);

/* ------------------------------------------------------------------ CQL */

/* Column / value types of CQL results. */
typedef enum credo_type {
  CREDO_T_NULL = 0,
  CREDO_T_INT = 1,  /* int64 */
  CREDO_T_REAL = 2, /* double */
  CREDO_T_TEXT = 3, /* UTF-8 */
  CREDO_T_BOOL = 4,
  CREDO_T_TIME = 5,   /* credo_time */
  CREDO_T_JSON = 6,   /* JSON text */
  CREDO_T_DECIMAL = 7 /* exact decimal (at most 18 significant digits):
                         credo_column_text gives its shortest exact text
                         ("1348839.63"), credo_column_double the nearest
                         double, credo_column_int64 it rounded */
} credo_type;

/* Compiles the first statement of `sql` (`len` bytes, or -1 for up to NUL).
 * On success *out is the statement (NULL if `sql` held only blanks and
 * comments) and *tail (if not NULL) points past it. On failure *out is NULL
 * and credo_errmsg / credo_errpos say what and where. */
CREDO_API int credo_prepare(credo *db, const char *sql, int len,
                            credo_stmt **out, const char **tail);

/* Binds parameter `i` (1-based, the i-th `?`). The text is copied.
 * CREDO_RANGE for a bad index, CREDO_MISUSE while the statement runs. */
CREDO_API int credo_bind_null(credo_stmt *st, int i);
CREDO_API int credo_bind_int64(credo_stmt *st, int i, int64_t v);
CREDO_API int credo_bind_double(credo_stmt *st, int i, double v);
CREDO_API int credo_bind_text(credo_stmt *st, int i, const char *s, int len);
CREDO_API int credo_bind_time(credo_stmt *st, int i, credo_time t);
/* Binds a BOOL (v != 0 is true): it compares with BOOL values and stands
 * as a condition (WHERE ?), unlike an INT 0/1. */
CREDO_API int credo_bind_bool(credo_stmt *st, int i, int v);
/* A duration (`1 YEAR 6 MONTHS` is {18, 0}); on a remote handle it
 * travels as the protocol's DURATION value (docs/protocol.md). */
CREDO_API int credo_bind_duration(credo_stmt *st, int i, credo_duration d);
CREDO_API int credo_bind_count(const credo_stmt *st);
CREDO_API int credo_clear_bindings(credo_stmt *st);
/* The index (1-based) of the named parameter `name` (":limit" as written
 * in the statement), or 0 when the statement has no such name (`?` and
 * `$n` parameters have none: `$n` is index n). Borrows nothing; any
 * thread that may use the statement. */
CREDO_API int credo_bind_parameter_index(const credo_stmt *st,
                                         const char *name);
/* The name of parameter i (1-based) as written (":limit"), or NULL for a
 * `?` or `$n` parameter, an index out of range or a NULL st. The string
 * belongs to the statement (valid until credo_finalize). Any thread that
 * may use the statement. */
CREDO_API const char *credo_bind_parameter_name(const credo_stmt *st, int i);

/* Runs the statement one row further: CREDO_ROW when a row is ready,
 * CREDO_DONE when finished, a negative code on failure. A failed statement
 * never leaves partial writes: outside BEGIN ... COMMIT its writes are
 * rolled back. Inside BEGIN ... COMMIT, a statement that fails before it
 * wrote anything leaves the transaction open for the caller to go on or
 * roll back; one that fails after it already wrote rolls the whole
 * transaction back (credo_in_txn() is then 0) and its message ends with
 * "; the transaction was rolled back". A write statement does all its
 * work in its first step; a read statement reads one consistent snapshot
 * from its first step until CREDO_DONE, credo_reset or credo_finalize
 * (inside BEGIN it reads the transaction, so end or reset such statements
 * before credo_commit / credo_rollback). */
CREDO_API int credo_step(credo_stmt *st);
/* Rewinds a statement to run again; bindings are kept. */
CREDO_API int credo_reset(credo_stmt *st);
/* Frees a statement. Accepts NULL. Returns CREDO_OK. */
CREDO_API int credo_finalize(credo_stmt *st);

/* Result columns, 0-based. Values are valid until the next step, reset or
 * finalize of the statement. credo_column_text renders any type as text
 * (times in the session zone, JSON as text, NULL as NULL pointer). */
CREDO_API int credo_column_count(const credo_stmt *st);
CREDO_API const char *credo_column_name(const credo_stmt *st, int i);
CREDO_API credo_type credo_column_decltype(const credo_stmt *st, int i);
CREDO_API credo_type credo_column_type(credo_stmt *st, int i);
CREDO_API int64_t credo_column_int64(credo_stmt *st, int i);
CREDO_API double credo_column_double(credo_stmt *st, int i);
/* The byte length of credo_column_text(st, i) (0 for NULL), without its
 * NUL; call it after credo_column_text, as sqlite3_column_bytes. */
CREDO_API int credo_column_bytes(credo_stmt *st, int i);
CREDO_API const char *credo_column_text(credo_stmt *st, int i);
CREDO_API credo_time credo_column_time(credo_stmt *st, int i);
/* A DURATION value (a type's PUBLICITY, a bound duration, `3 MONTHS`):
 * credo_column_type says CREDO_T_TEXT and credo_column_text gives its CQL
 * text ("1 YEAR 3 MONTHS"); this gives it exactly. CREDO_OK with *out
 * set, CREDO_NOTFOUND when column `i` of the current row is not a
 * duration (NULL, another type, no row), CREDO_MISUSE for NULL
 * arguments. Sets no message; same thread rules as the other
 * credo_column_* calls. Embedded and remote handles alike. */
CREDO_API int credo_column_duration(credo_stmt *st, int i, credo_duration *out);
/* 1 when the statement only reads the store (SELECT, EXPLAIN, HISTORY,
 * SHOW), 0 otherwise (it writes, or changes the session or transaction).
 * Decided from the compiled statement, not from its text. */
CREDO_API int credo_stmt_readonly(const credo_stmt *st);
/* A notice about the statement's current run, or NULL: something the
 * caller should know although the statement succeeded. Today: a SELECT
 * whose AS OF is before the store's first transaction (it answers no
 * rows) gets "AS OF <t> is before the store's first transaction (<first>),
 * ...; ... use VISIBLE AT '<t>'". Available once credo_step has returned
 * CREDO_ROW or CREDO_DONE (on a remote store: once the statement's rows
 * have arrived, i.e. after its first step). Ownership: the statement owns
 * the string (UTF-8, NUL-terminated); it stays valid until the next
 * credo_reset, credo_finalize or re-run of the statement. Accepts NULL
 * (returns NULL). Thread rules: those of the statement (one thread at a
 * time per handle and its statements). Remote stores carry notices from
 * protocol version 2 on (docs/protocol.md, NOTICE); older servers send
 * none. */
CREDO_API const char *credo_stmt_notice(const credo_stmt *st);
/* Rows changed by the last statement run on `db` that is not read-only
 * (0 after BEGIN, COMMIT, SET ... and after a failed one); read-only
 * statements leave it as it was. */
CREDO_API uint64_t credo_changes(const credo *db);

/* Runs every statement of `sql` in order. For each result row, calls `cb`
 * (if not NULL) with the values as text (NULL for NULL) and the column
 * names; a non-zero return stops and makes credo_exec return CREDO_CANCELLED.
 * Stops at the first failing statement. */
typedef int (*credo_exec_cb)(void *arg, int ncol, const char *const *values,
                             const char *const *names);
CREDO_API int credo_exec(credo *db, const char *sql, credo_exec_cb cb,
                         void *arg);

/* Operations (backup, restore, check, logical dump) and erasure: in
 * credo_ops.h, part of this API and included here. */
#include "credo_ops.h"

#ifdef __cplusplus
}
#endif
#endif /* CREDO_H */
