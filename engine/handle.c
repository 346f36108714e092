/*
 * handle.c -- the credo handle: opening, sharing and closing a store, the
 * session (actor, role, clock, time zone) and the handle's error state.
 *
 * Invariants: a handle always points at a live eng_store; the store's refs
 * count the handles on it and the last credo_close closes the storage
 * environment. A handle's error is cleared at the start of every API call
 * that can fail, so credo_errmsg describes the last failing call.
 *
 * Does not: run transactions (txn.c) or touch records.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "eng.h"
#include "ids.h"
#include "proj.h"

#define DEFAULT_ACTOR "local"

static const char *const role_names[] = {"public", "analyst", "recorder",
                                         "repairer", "admin"};

/* ------------------------------------------------------------ errors */

static int verr(credo *db, int code, int line, int col, const char *fmt,
                va_list ap) {
  char what[256];
  size_t n;

  if (!db)
    return code;
  db->errcode = code;
  db->errline = line;
  db->errcol = col;
  vsnprintf(db->errmsg, sizeof db->errmsg, fmt, ap);
  /* A checksum mismatch names its table and key (storage/sum.c). */
  n = strlen(db->errmsg);
  if (code == CREDO_CORRUPT && stor_corruption_take(what, sizeof what))
    snprintf(db->errmsg + n, sizeof db->errmsg - n, ": %s", what);
  return code;
}

int eng_err(credo *db, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verr(db, code, 0, 0, fmt, ap);
  va_end(ap);
  return code;
}

int eng_err_at(credo *db, int code, int line, int col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verr(db, code, line, col, fmt, ap);
  va_end(ap);
  return code;
}

void eng_err_clear(credo *db) {
  db->errcode = CREDO_OK;
  db->errline = db->errcol = 0;
  db->errmsg[0] = '\0';
}

int eng_err_stor(credo *db, int code, const char *what) {
  if (code == CREDO_FULL)
    return eng_err(db, code,
                   "%s: disk full; the transaction was rolled back and "
                   "committed data is intact",
                   what);
  return eng_err(db, code, "%s: %s", what, credo_strerror(code));
}

int credo_errcode(const credo *db) {
  return db ? db->errcode : CREDO_MISUSE;
}

const char *credo_errmsg(const credo *db) {
  if (!db)
    return "no handle";
  if (db->errmsg[0])
    return db->errmsg;
  return credo_strerror(db->errcode);
}

void credo_errpos(const credo *db, int *line, int *column) {
  if (line)
    *line = db ? db->errline : 0;
  if (column)
    *column = db ? db->errcol : 0;
}

/* ------------------------------------------------------------ opening */

static credo *handle_new(eng_store *store) {
  credo *db = calloc(1, sizeof *db);
  if (!db)
    return NULL;
  db->be = &eng_local_backend;
  db->store = store;
  snprintf(db->actor, sizeof db->actor, "%s", DEFAULT_ACTOR);
  db->role = CREDO_ROLE_ADMIN;
  db->min_password = CREDO_MIN_PASSWORD_DEFAULT;
  db->wake_fd = -1;
  return db;
}

int credo_upgrade(const char *path, unsigned *from_format, char *err,
                  size_t errlen) {
  credo *db = NULL;
  uint32_t from = 0;
  int rc;

  if (err && errlen)
    err[0] = '\0';
  if (!path || !*path)
    return CREDO_INVALID;
  rc = stor_upgrade(path, &from, err, errlen);
  if (from_format)
    *from_format = from;
  if (rc != CREDO_OK || from >= STOR_FORMAT_VERSION)
    return rc;
  /* The engine's migration of the old format's records (eng_upgrade). */
  rc = eng_open(path, NULL, &db);
  if (rc != CREDO_OK && err && errlen)
    snprintf(err, errlen,
             "%s: checksums added, but the migration of format "
             "%u failed: %s",
             path, (unsigned)from, credo_errmsg(db));
  credo_close(db);
  return rc;
}

/* A session that chose no zone works in the store's. */
static void session_tz(credo *db) {
  stor_txn *txn;
  int owned, tz;
  if (eng_read_begin(db, &txn, &owned) != CREDO_OK)
    return;
  if (eng_store_tz(db, txn, &tz) == CREDO_OK)
    db->tz = tz;
  eng_read_end(txn, owned);
  eng_err_clear(db);
}

/* credo_open of a directory this process has open already: a new handle
 * on the same store (LMDB allows one environment per file per process),
 * unless it was opened read-only and this open wants to write. The caller
 * holds the registry lock. */
static int share_open(eng_store *store, const char *path, int readonly,
                      credo **out) {
  if (!(*out = handle_new(NULL)))
    return CREDO_NOMEM;
  if (store->readonly && !readonly)
    return eng_err(*out, CREDO_BUSY,
                   "store %s is already open read-only in this process; "
                   "close that handle first, or open this one read-only",
                   path);
  (*out)->store = store;
  pthread_mutex_lock(&store->mu);
  store->refs++;
  pthread_mutex_unlock(&store->mu);
  session_tz(*out);
  return CREDO_OK;
}

int eng_open(const char *path, const credo_options *opt, credo **out) {
  stor_options so = {0};
  eng_store *store = NULL;
  char err[512] = "";
  int rc;

  if (!out)
    return CREDO_MISUSE;
  *out = NULL;
  if (!path || !*path)
    return CREDO_INVALID;
  if (opt) {
    so.map_size = opt->map_size;
    so.max_readers = opt->max_readers;
    so.nosync = (opt->flags & CREDO_OPEN_NOSYNC) != 0;
    so.readonly = (opt->flags & CREDO_OPEN_READONLY) != 0;
    so.readahead = (opt->flags & CREDO_OPEN_READAHEAD) != 0;
    so.nocreate = (opt->flags & CREDO_OPEN_NOCREATE) != 0;
  }
  eng_reg_lock();
  if ((store = eng_reg_find(path)) != NULL) {
    rc = share_open(store, path, so.readonly, out);
    eng_reg_unlock();
    return rc;
  }
  store = calloc(1, sizeof *store);
  if (!store) {
    eng_reg_unlock();
    return CREDO_NOMEM;
  }
  pthread_mutex_init(&store->mu, NULL);
  store->refs = 1;
  *out = handle_new(store);
  if (!*out) {
    eng_reg_unlock();
    rc = CREDO_NOMEM;
    goto fail;
  }
  rc = stor_open(path, &so, &store->stor, err, sizeof err);
  if (rc == CREDO_OK)
    eng_reg_add(store, path, so.readonly);
  eng_reg_unlock();
  if (rc != CREDO_OK) {
    eng_err(*out, rc, "%s", err[0] ? err : credo_strerror(rc));
    return rc; /* the caller closes *out, which frees the store */
  }
  if ((rc = eng_upgrade(*out)) != CREDO_OK)
    return rc;
  if (!so.readonly && (rc = eng_names_upgrade(*out)) != CREDO_OK)
    return rc; /* message on *out */
  if (!so.readonly && (rc = eng_proj_upgrade(*out)) != CREDO_OK)
    return rc;
  session_tz(*out);
  return CREDO_OK;
fail:
  pthread_mutex_destroy(&store->mu);
  free(store);
  return rc;
}

int eng_dup(credo *db, credo **out) {
  credo *n;
  if (!db || !out)
    return CREDO_MISUSE;
  *out = NULL;
  if (!db->store->stor)
    return eng_err(db, CREDO_NOTSUP, "credo_dup needs an open embedded store");
  n = handle_new(db->store);
  if (!n)
    return eng_err(db, CREDO_NOMEM, "out of memory");
  memcpy(n->actor, db->actor, sizeof n->actor);
  n->role = db->role;
  n->clock = db->clock;
  n->clock_arg = db->clock_arg;
  n->tz = db->tz;
  n->tz_set = db->tz_set;
  n->min_password = db->min_password;
  if (!n->tz_set)
    session_tz(n); /* the store's zone may have changed since */
  pthread_mutex_lock(&db->store->mu);
  db->store->refs++;
  pthread_mutex_unlock(&db->store->mu);
  *out = n;
  return CREDO_OK;
}

void eng_close(credo *db) {
  eng_store *store;
  int last;
  if (!db)
    return;
  assert(db->be == &eng_local_backend);
  eng_session_unregister(db); /* no KILL SESSION reaches it any more */
  eng_stmts_close(db);        /* before the txn their scans may read in ends */
  if (db->txn) {
    stor_txn_abort(db->txn);
    db->txn = NULL;
  }
  eng_proj_free(db);
  store = db->store;
  free(db->types);
  free(db->scratch);
  free(db->out_buf);
  free(db->pub_buf);
  free(db);
  if (!store)
    return;
  eng_reg_lock();
  pthread_mutex_lock(&store->mu);
  last = --store->refs == 0;
  pthread_mutex_unlock(&store->mu);
  if (last)
    eng_reg_remove(store);
  eng_reg_unlock();
  if (!last)
    return;
  stor_close(store->stor);
  pthread_mutex_destroy(&store->mu);
  free(store);
}

/* ------------------------------------- services to other backends */

credo *be_handle_new(const credo_backend *be, void *ctx) {
  credo *db = handle_new(NULL);
  if (db) {
    db->be = be;
    db->be_ctx = ctx;
  }
  return db;
}

void be_handle_free(credo *db) {
  if (!db)
    return;
  assert(!db->store && !db->txn && !db->stmts);
  free(db->types);
  free(db->scratch);
  free(db->out_buf);
  free(db);
}

void *be_ctx(const credo *db) {
  return db->be_ctx;
}

void be_set_ctx(credo *db, void *ctx) {
  db->be_ctx = ctx;
}

void be_set_session(credo *db, const char *actor, credo_role role) {
  snprintf(db->actor, sizeof db->actor, "%s", actor);
  db->role = role;
}

void be_set_tz(credo *db, int tz) {
  db->tz = tz;
}

int be_tz_chosen(const credo *db) {
  return db->tz_set;
}

void be_set_changes(credo *db, uint64_t n) {
  db->changes = n;
}

int be_err(credo *db, int code, int line, int col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verr(db, code, line, col, fmt, ap);
  va_end(ap);
  return code;
}

void be_err_clear(credo *db) {
  eng_err_clear(db);
}

int be_notsup(credo *db, const char *call) {
  eng_err_clear(db);
  return eng_err(db, CREDO_NOTSUP,
                 "%s is not supported by the %s backend; use CQL "
                 "(credo_prepare / credo_exec)",
                 call, db->be->name);
}

/* ------------------------------------------------------------ session */

const char *credo_role_name(credo_role role) {
  if ((int)role < 0 || (int)role > CREDO_ROLE_ADMIN)
    return NULL;
  return role_names[role];
}

int credo_role_parse(const char *name, credo_role *out) {
  if (!name || !out)
    return CREDO_INVALID;
  for (int i = 0; i <= CREDO_ROLE_ADMIN; i++)
    if (strcasecmp(name, role_names[i]) == 0) {
      *out = (credo_role)i;
      return CREDO_OK;
    }
  return CREDO_INVALID;
}

/* public < analyst < recorder, repairer < admin. */
static int role_rank(credo_role r) {
  switch (r) {
  case CREDO_ROLE_PUBLIC:
    return 0;
  case CREDO_ROLE_ANALYST:
    return 1;
  case CREDO_ROLE_ADMIN:
    return 3;
  default:
    return 2;
  }
}

int credo_set_user(credo *db, const char *actor, credo_role role) {
  size_t n;
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (!actor || !credo_role_name(role))
    return eng_err(db, CREDO_INVALID, "actor and a valid role are required");
  n = strlen(actor);
  if (n == 0 || n > ENG_MAX_ACTOR || !eng_utf8_valid(actor, n))
    return eng_err(db, CREDO_INVALID, "actor must be 1-%d bytes of UTF-8",
                   ENG_MAX_ACTOR);
  if (db->role != CREDO_ROLE_ADMIN && role != db->role &&
      role_rank(role) >= role_rank(db->role))
    return eng_err(db, CREDO_DENIED, "a %s session cannot take the role %s",
                   role_names[db->role], role_names[role]);
  memcpy(db->actor, actor, n + 1);
  db->role = role;
  return CREDO_OK;
}

credo_role credo_get_role(const credo *db) {
  return db ? db->role : CREDO_ROLE_PUBLIC;
}

int credo_set_clock(credo *db, credo_clock_fn fn, void *arg) {
  if (!db)
    return CREDO_MISUSE;
  db->clock = fn;
  db->clock_arg = arg;
  return CREDO_OK;
}

credo_time credo_now(credo *db) {
  struct timespec ts;
  if (db && db->clock)
    return db->clock(db->clock_arg);
  clock_gettime(CLOCK_REALTIME, &ts);
  return (credo_time)ts.tv_sec * CREDO_USEC_PER_SEC + ts.tv_nsec / 1000;
}

int credo_set_tz(credo *db, int offset_sec) {
  if (!db)
    return CREDO_MISUSE;
  if (offset_sec < -18 * 3600 || offset_sec > 18 * 3600)
    return eng_err(db, CREDO_RANGE, "time zone offset must be within +-18:00");
  db->tz = offset_sec;
  db->tz_set = 1;
  return CREDO_OK;
}

int credo_get_tz(const credo *db) {
  return db ? db->tz : 0;
}

int eng_can_write_records(const credo *db) {
  return db->role == CREDO_ROLE_RECORDER || db->role == CREDO_ROLE_ADMIN;
}

int eng_can_repair(const credo *db) {
  return db->role == CREDO_ROLE_REPAIRER || db->role == CREDO_ROLE_ADMIN;
}

int eng_require(credo *db, int allowed, const char *what) {
  if (allowed)
    return CREDO_OK;
  return eng_err(db, CREDO_DENIED, "permission denied: role %s may not %s",
                 role_names[db->role], what);
}

const char *eng_fmt_time(const credo *db, credo_time t, char *buf, size_t n) {
  int tz = db ? db->tz : 0;
  if (credo_time_format(t, tz, buf, n) != CREDO_OK)
    snprintf(buf, n, "?");
  else if (t != CREDO_TIME_OPEN && strlen(buf) >= 25 &&
           strncmp(buf + 10, "T00:00:00", 9) == 0 &&
           (buf[19] == '+' || buf[19] == '-'))
    buf[10] = '\0'; /* midnight in the session zone: the date says it all */
  return buf;
}

/* ------------------------------------------------------- interruption */

static int64_t mono_usec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Async-signal-safe (credo.h promises it): a lock-free atomic store and
 * write(2), errno preserved. A full pipe loses the byte, not the request:
 * the flag is what counts, the byte only wakes a poll(). */
void credo_interrupt(credo *db) {
  if (!db)
    return;
  atomic_store(&db->interrupt, 1);
  if (db->wake_fd >= 0) {
    int e = errno;
    ssize_t w = write(db->wake_fd, "!", 1);
    (void)w;
    errno = e;
  }
}

void be_set_wake_fd(credo *db, int fd) {
  db->wake_fd = fd;
}

int be_interrupt_take(credo *db) {
  return atomic_exchange(&db->interrupt, 0) != 0;
}

int credo_set_timeout(credo *db, int64_t usec) {
  if (!db)
    return CREDO_MISUSE;
  if (usec < 0)
    return eng_err(db, CREDO_RANGE, "a timeout cannot be negative");
  db->timeout_us = usec;
  return CREDO_OK;
}

int credo_set_check_handler(credo *db, unsigned every, credo_check_handler fn,
                            void *arg) {
  if (!db)
    return CREDO_MISUSE;
  if (fn && every == 0)
    return eng_err(db, CREDO_RANGE, "a check handler needs every >= 1");
  db->check_fn = fn;
  db->check_arg = arg;
  db->check_every = every;
  db->check_ticks = 0;
  return CREDO_OK;
}

void eng_run_begin(credo *db) {
  atomic_store(&db->interrupt, 0);
  db->deadline = db->timeout_us ? mono_usec() + db->timeout_us : 0;
  db->ticks = 0;
  db->check_ticks = 0;
}

int eng_call_begin(credo *db, int args_ok, const char *args_msg,
                   const char *what) {
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  eng_run_begin(db);
  if (!args_ok)
    return eng_err(db, CREDO_INVALID, "%s", args_msg);
  if (what)
    return eng_require(db, db->role != CREDO_ROLE_PUBLIC, what);
  return CREDO_OK;
}

int eng_run_check(credo *db) {
  if (atomic_load_explicit(&db->interrupt, memory_order_relaxed)) {
    atomic_store(&db->interrupt, 0);
    return eng_err(db, CREDO_CANCELLED, "statement interrupted");
  }
  /* the clock is read every 64 rows: a few microseconds of work apart */
  if (db->deadline && (++db->ticks & 63) == 0 && mono_usec() > db->deadline)
    return eng_err(db, CREDO_CANCELLED,
                   "statement exceeded its time limit (%lld ms)",
                   (long long)(db->timeout_us / 1000));
  if (db->check_fn && ++db->check_ticks >= db->check_every) {
    db->check_ticks = 0;
    if (db->check_fn(db->check_arg) != 0)
      return eng_err(db, CREDO_CANCELLED, "statement cancelled");
  }
  return CREDO_OK;
}
