/*
 * stor.c -- owns the life of a stor_env: opening (directory, LMDB settings,
 * tables, format version, stale reader slots), closing, the LMDB-to-credo
 * error mapping, and the small queries on an open env (space, path,
 * readers, counters).
 *
 * Invariants:
 *  - after stor_open succeeds, every table of enum stor_table is open in
 *    env->dbi and the store's format version is <= STOR_FORMAT_VERSION;
 *  - the map of an existing store is never made smaller than the size the
 *    store recorded; stor_options.map_size only ever enlarges it;
 *  - messages (stor_open only) name the path and carry mdb_strerror text.
 *
 * Does not: begin user transactions (txn.c), grow the map after open
 * (gate.c), or know what the tables hold.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stor_impl.h"

#define DEFAULT_MAP_SIZE ((size_t)256 << 20)
#define DEFAULT_MAX_READERS 126
#define DIR_MODE 0700
#define FILE_MODE 0600

static const char *const table_names[STOR_NTABLES] = {
    "meta",     "subjects",    "types",       "type_ids",   "events",
    "versions", "subj_events", "type_events", "source_ref", "until_events",
    "users",    "subj_public", "grants",      "subj_names", "name_grams",
    "erasures", "erased_keys", "type_retain", "proj"};

const char *stor_table_name(int table) {
  if (table < 0 || table >= STOR_NTABLES)
    return NULL;
  return table_names[table];
}

/* LMDB codes and errno values with their credo codes; the rest is IO
 * (EIO, EACCES, MDB_PANIC, ...). */
static const struct {
  int from, to;
} err_map[] = {
    {MDB_NOTFOUND, CREDO_NOTFOUND},
    {ENOENT, CREDO_NOTFOUND},
    {MDB_KEYEXIST, CREDO_EXISTS},
    {EEXIST, CREDO_EXISTS},
    {ENOSPC, CREDO_FULL},
    {EDQUOT, CREDO_FULL},
    {EFBIG, CREDO_FULL},
    {MDB_MAP_FULL, CREDO_FULL},
    {MDB_CORRUPTED, CREDO_CORRUPT},
    {MDB_PAGE_NOTFOUND, CREDO_CORRUPT},
    {MDB_INVALID, CREDO_CORRUPT},
    {MDB_INCOMPATIBLE, CREDO_CORRUPT},
    {MDB_VERSION_MISMATCH, CREDO_FORMAT},
    {MDB_READERS_FULL, CREDO_BUSY},
    {EBUSY, CREDO_BUSY},
    {EAGAIN, CREDO_BUSY},
    {ENOMEM, CREDO_NOMEM},
    {EROFS, CREDO_READONLY},
    {MDB_TXN_FULL, CREDO_LIMIT},
    {MDB_DBS_FULL, CREDO_LIMIT},
    {MDB_CURSOR_FULL, CREDO_LIMIT},
    {MDB_PAGE_FULL, CREDO_LIMIT},
    {MDB_TLS_FULL, CREDO_LIMIT},
    {MDB_BAD_VALSIZE, CREDO_INVALID},
    {MDB_BAD_TXN, CREDO_TXN},
    {MDB_BAD_RSLOT, CREDO_TXN},
    {MDB_BAD_DBI, CREDO_MISUSE},
    {EINVAL, CREDO_MISUSE},
};

int stor_err(int rc) {
  size_t i;

  if (rc == 0)
    return CREDO_OK;
  if (rc < 0 && rc > -100)
    return rc; /* already a credo code */
  for (i = 0; i < sizeof err_map / sizeof err_map[0]; i++)
    if (err_map[i].from == rc)
      return err_map[i].to;
  return CREDO_IO;
}

int stor_say(char *err, size_t errlen, int code, const char *fmt, ...) {
  va_list ap;

  if (err && errlen) {
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return code;
}

/* mkdir -p: creates `path` and its missing parents. 0 or errno. */
int stor_mkdirs(const char *path) {
  char buf[4096];
  size_t n = strlen(path), i;

  if (n == 0 || n >= sizeof buf)
    return ENAMETOOLONG;
  memcpy(buf, path, n + 1);
  for (i = 1; i <= n; i++) {
    if (buf[i] != '/' && buf[i] != '\0')
      continue;
    buf[i] = '\0';
    if (mkdir(buf, DIR_MODE) != 0 && errno != EEXIST)
      return errno;
    buf[i] = path[i];
  }
  return 0;
}

/* Makes sure the directory exists (or says why not) and tells whether the
 * store in it is new (no data.mdb yet). */
static int prepare_dir(const char *path, const stor_options *o, int *isnew,
                       int *made_dir, char *err, size_t errlen) {
  char data[4096];
  struct stat st;
  int rc, must_exist = o->readonly || o->nocreate;

  if (stat(path, &st) != 0) {
    if (errno != ENOENT)
      return stor_say(err, errlen, stor_err(errno), "cannot open store %s: %s",
                      path, strerror(errno));
    if (must_exist)
      return stor_say(err, errlen, CREDO_NOTFOUND, "no store at %s", path);
    if ((rc = stor_mkdirs(path)) != 0)
      return stor_say(err, errlen, stor_err(rc),
                      "cannot create directory %s: %s", path, strerror(rc));
    *made_dir = 1;
  } else if (!S_ISDIR(st.st_mode)) {
    return stor_say(err, errlen, CREDO_INVALID, "%s is not a directory", path);
  }
  if (snprintf(data, sizeof data, "%s/data.mdb", path) >= (int)sizeof data)
    return stor_say(err, errlen, CREDO_INVALID, "path too long: %s", path);
  *isnew = access(data, F_OK) != 0;
  if (*isnew && must_exist)
    return stor_say(err, errlen, CREDO_NOTFOUND, "no store at %s (no data.mdb)",
                    path);
  return CREDO_OK;
}

static size_t page_round(size_t n) {
  size_t ps = (size_t)sysconf(_SC_PAGESIZE);

  if (n < ps)
    n = ps;
  return (n + ps - 1) / ps * ps;
}

static stor_env *env_new(const char *path) {
  stor_env *env = calloc(1, sizeof *env);

  if (!env)
    return NULL;
  if (!(env->path = strdup(path)))
    goto fail;
  if (stor_gate_init(&env->gate) != 0)
    goto fail;
  if (pthread_mutex_init(&env->wlock, NULL) != 0) {
    stor_gate_destroy(&env->gate);
    goto fail;
  }
  return env;
fail:
  free(env->path);
  free(env);
  return NULL;
}

/* Creates and opens the LMDB environment with the settings of `o`. */
static int env_open(stor_env *env, const stor_options *o, int isnew, char *err,
                    size_t errlen) {
  size_t target = page_round(o->map_size ? o->map_size : DEFAULT_MAP_SIZE);
  unsigned readers = o->max_readers ? o->max_readers : DEFAULT_MAX_READERS;
  unsigned flags = MDB_NOTLS;
  MDB_envinfo info;
  MDB_stat st;
  int rc, dead = 0;

  if ((rc = mdb_env_create(&env->mdb)) != 0)
    goto fail;
  if ((rc = mdb_env_set_maxdbs(env->mdb, STOR_NTABLES + 2)) != 0 ||
      (rc = mdb_env_set_maxreaders(env->mdb, readers)) != 0)
    goto fail;
  if (isnew && (rc = mdb_env_set_mapsize(env->mdb, target)) != 0)
    goto fail;
  flags |= o->nosync ? MDB_NOSYNC : 0;
  flags |= o->readonly ? MDB_RDONLY : 0;
  flags |= o->readahead ? 0 : MDB_NORDAHEAD;
  if ((rc = mdb_env_open(env->mdb, env->path, flags, FILE_MODE)) != 0)
    goto fail;
  mdb_env_stat(env->mdb, &st);
  env->psize = st.ms_psize;
  mdb_env_info(env->mdb, &info);
  /* An existing store keeps its recorded map size unless asked for more. */
  if (!isnew && !o->readonly && target > info.me_mapsize &&
      (rc = mdb_env_set_mapsize(env->mdb, target)) != 0)
    goto fail;
  if ((rc = mdb_reader_check(env->mdb, &dead)) != 0)
    goto fail;
  env->stale_cleared = (unsigned)dead;
  env->readonly = o->readonly;
  env->spare_max =
      readers / 16 < STOR_TXN_CACHE_MAX ? readers / 16 : STOR_TXN_CACHE_MAX;
  return CREDO_OK;
fail:
  return stor_say(err, errlen, stor_err(rc), "cannot open store %s: %s",
                  env->path, mdb_strerror(rc));
}

/* Begins a raw LMDB transaction during open, when the env is still private
 * to this thread, adopting a map grown by another process. */
static int open_txn(stor_env *env, unsigned flags, MDB_txn **t) {
  int rc, tries;

  for (tries = 0; tries < 8; tries++) {
    rc = mdb_txn_begin(env->mdb, NULL, flags, t);
    if (rc != MDB_MAP_RESIZED)
      return rc;
    if ((rc = mdb_env_set_mapsize(env->mdb, 0)) != 0)
      return rc;
  }
  return EBUSY;
}

/* Opens every table without creating any. MDB_NOTFOUND names the first
 * missing one in *missing. */
static int open_dbis(stor_env *env, int *missing) {
  MDB_txn *t;
  int rc, i;

  if ((rc = open_txn(env, MDB_RDONLY, &t)) != 0)
    return rc;
  for (i = 0; i < STOR_NTABLES; i++) {
    rc = mdb_dbi_open(t, table_names[i], 0, &env->dbi[i]);
    if (rc == MDB_NOTFOUND && ((env->upgrading && i > STOR_META) ||
                               (env->readonly && i == STOR_PROJ))) {
      /* an older format's store: copied as empty; a store made before
       * the projection and opened read-only: reads find nothing */
      env->absent[i] = 1;
      continue;
    }
    if (rc != 0) {
      *missing = i;
      mdb_txn_abort(t);
      return rc;
    }
  }
  return mdb_txn_commit(t); /* keeps the handles for the env */
}

/* 1 when the store holds values without checksums (a format before
 * STOR_FORMAT_SUMS: its format_version is 4 bare bytes), with *version
 * set; 0 for a new store or a checksummed one. Changes nothing. */
static int bare_values(stor_env *env, uint32_t *version) {
  MDB_val k = {sizeof STOR_META_FORMAT_KEY - 1, STOR_META_FORMAT_KEY}, v;
  MDB_dbi meta;
  MDB_txn *t;
  int bare = 0;

  if (open_txn(env, MDB_RDONLY, &t) != 0)
    return 0; /* the open that follows says why */
  if (mdb_dbi_open(t, table_names[STOR_META], 0, &meta) == 0 &&
      mdb_get(t, meta, &k, &v) == 0 && v.mv_size == 4) {
    *version = stor_dec_u32(v.mv_data);
    bare = *version < STOR_FORMAT_SUMS;
  }
  mdb_txn_abort(t);
  return bare;
}

/* One attempt at creating the missing tables and the format version. */
static int create_once(stor_env *env) {
  MDB_val k = {sizeof STOR_META_FORMAT_KEY - 1, STOR_META_FORMAT_KEY}, v;
  unsigned char be[4 + STOR_SUM_LEN];
  MDB_txn *t;
  int rc, i;

  if ((rc = open_txn(env, 0, &t)) != 0)
    return rc;
  for (i = 0; i < STOR_NTABLES && rc == 0; i++)
    rc = mdb_dbi_open(t, table_names[i], MDB_CREATE, &env->dbi[i]);
  if (rc == 0 &&
      (rc = mdb_get(t, env->dbi[STOR_META], &k, &v)) == MDB_NOTFOUND) {
    be[0] = (unsigned char)(STOR_FORMAT_VERSION >> 24);
    be[1] = (unsigned char)(STOR_FORMAT_VERSION >> 16);
    be[2] = (unsigned char)(STOR_FORMAT_VERSION >> 8);
    be[3] = (unsigned char)STOR_FORMAT_VERSION;
    stor_sum_seal(STOR_META, k.mv_data, k.mv_size, be, 4, be + 4);
    v.mv_size = sizeof be;
    v.mv_data = be;
    rc = mdb_put(t, env->dbi[STOR_META], &k, &v, MDB_NOOVERWRITE);
  }
  if (rc != 0) {
    mdb_txn_abort(t);
    return rc;
  }
  return mdb_txn_commit(t);
}

/* Creates what a new store lacks, growing a tiny map as needed. */
static int create_tables(stor_env *env) {
  size_t map, used;
  int rc = MDB_MAP_FULL, tries;

  for (tries = 0; rc == MDB_MAP_FULL && tries < 32; tries++) {
    if ((rc = create_once(env)) != MDB_MAP_FULL)
      break;
    stor_map_usage(env, &map, &used);
    if ((rc = stor_grow(env, map, -1)) == 0)
      rc = MDB_MAP_FULL;
  }
  return rc;
}

/* Reads the format version: MDB_NOTFOUND when absent, MDB_INVALID when
 * malformed. Formats before STOR_FORMAT_SUMS stored it as 4 bare bytes;
 * from then on it carries its checksum like every value. */
static int read_version(stor_env *env, uint32_t *version) {
  MDB_val k = {sizeof STOR_META_FORMAT_KEY - 1, STOR_META_FORMAT_KEY}, v;
  MDB_txn *t;
  int rc;

  if ((rc = open_txn(env, MDB_RDONLY, &t)) != 0)
    return rc;
  rc = mdb_get(t, env->dbi[STOR_META], &k, &v);
  if (rc == 0 && v.mv_size == 4) { /* before checksums */
    *version = stor_dec_u32(v.mv_data);
    if (*version >= STOR_FORMAT_SUMS)
      rc = MDB_INVALID;
  } else if (rc == 0 && stor_sum_open(STOR_META, &k, &v) == 0 &&
             v.mv_size == 4) {
    *version = stor_dec_u32(v.mv_data);
    env->sums = 1;
  } else if (rc == 0) {
    stor_corruption_take(NULL, 0);
    rc = MDB_INVALID;
  }
  mdb_txn_abort(t);
  return rc;
}

static int open_tables(stor_env *env, char *err, size_t errlen) {
  uint32_t version = 0;
  int rc, missing = -1;

  if (!env->upgrading && bare_values(env, &version))
    return stor_say(
        err, errlen, CREDO_FORMAT,
        "store %s has format %u, whose values carry no checksums "
        "(this build writes format %u and checksums every value); "
        "upgrade it with `credo upgrade %s` (the old store is kept as "
        "%s.v%u)",
        env->path, (unsigned)version, (unsigned)STOR_FORMAT_VERSION, env->path,
        env->path, (unsigned)version);
  rc = open_dbis(env, &missing);
  if (rc == 0)
    rc = read_version(env, &version);
  if (rc == MDB_NOTFOUND && !env->readonly) {
    missing = -1;
    if ((rc = create_tables(env)) == 0)
      rc = read_version(env, &version);
  }
  if (rc == MDB_NOTFOUND && missing >= STOR_SUBJ_PUBLIC)
    return stor_say(err, errlen, CREDO_FORMAT,
                    "store %s has format 1 and lacks table '%s': open it once "
                    "read-write to upgrade it",
                    env->path, table_names[missing]);
  if (rc == MDB_NOTFOUND && missing >= 0)
    return stor_say(err, errlen, CREDO_CORRUPT,
                    "%s is not a credo store (no table '%s')", env->path,
                    table_names[missing]);
  if (rc == MDB_NOTFOUND || rc == MDB_INVALID || (rc == 0 && version == 0))
    return stor_say(err, errlen, CREDO_CORRUPT,
                    "%s is not a credo store (format version missing or "
                    "malformed)",
                    env->path);
  if (rc != 0)
    return stor_say(err, errlen, stor_err(rc), "cannot open tables of %s: %s",
                    env->path, mdb_strerror(rc));
  if (version > STOR_FORMAT_VERSION)
    return stor_say(err, errlen, CREDO_FORMAT,
                    "store format %u is newer than this build supports (%u); "
                    "upgrade credo (store %s)",
                    (unsigned)version, (unsigned)STOR_FORMAT_VERSION,
                    env->path);
  env->format = version;
  return CREDO_OK;
}

int stor_open(const char *path, const stor_options *opt, stor_env **out,
              char *err, size_t errlen) {
  return stor_open_as(path, opt, 0, out, err, errlen);
}

/* LMDB's lock file is a shared memory map that LMDB sizes with
 * ftruncate: on a full file system its pages have no blocks behind them
 * and the first store into one is a SIGBUS. A new store reserves the
 * blocks first (the lock file holds a header and one slot per reader;
 * this is about twice LMDB's need). 0, EEXIST (someone else's lock file:
 * left alone), or the errno of the failure (ENOSPC on a full disk). */
#define LOCK_RESERVE_BASE 16384
#define LOCK_RESERVE_PER_READER 128

static int reserve_lock(const char *path, unsigned readers) {
  char f[4096];
  int fd, rc;

  if (snprintf(f, sizeof f, "%s/lock.mdb", path) >= (int)sizeof f)
    return ENAMETOOLONG;
  if ((fd = open(f, O_RDWR | O_CREAT | O_EXCL, FILE_MODE)) < 0)
    return errno;
  rc = posix_fallocate(fd, 0,
                       (off_t)LOCK_RESERVE_BASE +
                           (off_t)readers * LOCK_RESERVE_PER_READER);
  close(fd);
  if (rc != 0)
    unlink(f);
  return rc;
}

/* Removes what a failed creation made: the files, and the directory when
 * this open created it, so that no half-made store is left. */
static void unmake(const char *path, int made_dir, int made_lock) {
  char f[4096];

  snprintf(f, sizeof f, "%s/data.mdb", path);
  unlink(f);
  if (made_lock) {
    snprintf(f, sizeof f, "%s/lock.mdb", path);
    unlink(f);
  }
  if (made_dir)
    rmdir(path);
}

int stor_open_as(const char *path, const stor_options *opt, int upgrading,
                 stor_env **out, char *err, size_t errlen) {
  stor_options o = {0};
  stor_env *env = NULL;
  int rc, isnew = 0, made_dir = 0, made_lock = 0;

  if (err && errlen)
    err[0] = '\0';
  if (!out || !path || !*path)
    return stor_say(err, errlen, CREDO_INVALID, "stor_open: no path");
  *out = NULL;
  if (opt)
    o = *opt;
  if ((rc = prepare_dir(path, &o, &isnew, &made_dir, err, errlen)) != CREDO_OK)
    return rc;
  if (isnew) {
    rc =
        reserve_lock(path, o.max_readers ? o.max_readers : DEFAULT_MAX_READERS);
    made_lock = rc == 0;
    if (rc != 0 && rc != EEXIST) {
      unmake(path, made_dir, 0);
      return stor_say(err, errlen, stor_err(rc), "cannot create store %s: %s%s",
                      path, strerror(rc),
                      rc == ENOSPC || rc == EDQUOT ? " (disk full; nothing was "
                                                     "left behind)"
                                                   : "");
    }
  }
  if (!(env = env_new(path))) {
    if (isnew)
      unmake(path, made_dir, made_lock);
    return stor_say(err, errlen, CREDO_NOMEM, "out of memory opening %s", path);
  }
  env->upgrading = upgrading;
  if ((rc = env_open(env, &o, isnew, err, errlen)) != CREDO_OK)
    goto fail;
  if ((rc = open_tables(env, err, errlen)) != CREDO_OK)
    goto fail;
  *out = env;
  return CREDO_OK;
fail:
  stor_close(env);
  if (isnew)
    unmake(path, made_dir, made_lock);
  return rc;
}

void stor_close(stor_env *env) {
  if (!env)
    return;
  stor_spares_drop(env);
  if (env->mdb)
    mdb_env_close(env->mdb);
  pthread_mutex_destroy(&env->wlock);
  stor_gate_destroy(&env->gate);
  free(env->path);
  free(env);
}

uint32_t stor_format_version(const stor_env *env) {
  return env ? env->format : 0;
}

int stor_format_set(stor_txn *txn, uint32_t version) {
  unsigned char be[4] = {(unsigned char)(version >> 24),
                         (unsigned char)(version >> 16),
                         (unsigned char)(version >> 8), (unsigned char)version};
  stor_val k = {STOR_META_FORMAT_KEY, sizeof STOR_META_FORMAT_KEY - 1};
  int rc;
  if (!txn || !txn->write || version == 0 || version > STOR_FORMAT_VERSION)
    return CREDO_MISUSE;
  rc = stor_put(txn, STOR_META, k, (stor_val){be, 4});
  if (rc == CREDO_OK)
    txn->env->format = version;
  return rc;
}

const char *stor_path(const stor_env *env) {
  return env ? env->path : NULL;
}

int stor_space(stor_env *env, uint64_t *map_size, uint64_t *used) {
  size_t map, u;

  if (!env)
    return CREDO_MISUSE;
  if (atomic_load(&env->broken))
    return CREDO_IO;
  stor_gate_enter(&env->gate);
  stor_map_usage(env, &map, &u);
  stor_gate_leave(&env->gate);
  if (map_size)
    *map_size = map;
  if (used)
    *used = u;
  return CREDO_OK;
}

void stor_get_stats(stor_env *env, stor_stats *out) {
  memset(out, 0, sizeof *out);
  if (!env)
    return;
  out->grows = atomic_load(&env->grows);
  out->adopts = atomic_load(&env->adopts);
  out->replays = atomic_load(&env->replays);
  out->stale_cleared = env->stale_cleared;
}

/* mdb_reader_list prints a header, then one line per slot in use:
 * "pid thread txnid", txnid "-" for a slot kept by a reset transaction. */
static int count_reader(const char *msg, void *ctx) {
  unsigned *n = ctx;
  size_t len = strlen(msg);

  if (strncmp(msg, "    pid", 7) == 0 || msg[0] == '(')
    return 0;
  if (len >= 2 && msg[len - 2] == '-')
    return 0;
  (*n)++;
  return 0;
}

int stor_readers(stor_env *env, unsigned *n) {
  *n = 0;
  if (!env)
    return CREDO_MISUSE;
  return stor_err(mdb_reader_list(env->mdb, count_reader, n));
}
