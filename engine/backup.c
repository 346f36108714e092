/*
 * backup.c -- physical backups: credo_backup writes a snapshot and its
 * manifest, credo_backup_read reads a manifest, credo_verify proves a
 * backup whole, credo_restore turns one into a new store.
 *
 * A backup directory holds data.mdb (LMDB's compacted copy of one read
 * transaction, stor_copy) and MANIFEST.json (docs/operations.md): format
 * version, the file's name, size and XXH3-128, the counts and last
 * transaction time read from the copy itself, when and by which version
 * it was written.
 *
 * Invariants:
 *  - MANIFEST.json is written last, through a temporary file, fsync and
 *    rename: a directory without it is an incomplete backup, never one
 *    that verifies;
 *  - a snapshot is opened (by LMDB) only after its size and checksum
 *    matched, so a damaged file is reported, never mapped;
 *  - a failed backup or restore removes the files it wrote (and the
 *    directory, when it made it);
 *  - no global state; the copy's progress is watched from the calling
 *    thread while a helper thread runs the copy (only when a progress
 *    callback is given).
 *
 * On a remote handle the snapshot's bytes come from the server
 * (cl_backup.c) instead of stor_copy; the rest -- checksum read back from
 * the disk, counts from the copy, the manifest -- is the same, so a
 * streamed backup is an ordinary backup directory.
 *
 * Does not: serve a backup stream (bstream.c, the server), check
 * the store's tables itself (check.c), or know LMDB (stor_copy does).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "eng.h"

#define DATA_FILE "data.mdb"
#define MANIFEST "MANIFEST.json"
#define MANIFEST_KIND "credo-backup"
#define IO_CHUNK (1u << 20)

/* ------------------------------------------------------------- paths */

static int join(char *buf, size_t n, const char *dir, const char *name) {
  return snprintf(buf, n, "%s/%s", dir, name) < (int)n ? CREDO_OK
                                                       : CREDO_INVALID;
}

/* *state: 0 missing, 1 empty directory, 2 a non-empty directory or not a
 * directory. */
static int dir_state(const char *path, int *state) {
  struct dirent *e;
  struct stat st;
  DIR *d;

  *state = 0;
  if (stat(path, &st) != 0)
    return errno == ENOENT ? CREDO_OK : CREDO_IO;
  *state = 2;
  if (!S_ISDIR(st.st_mode) || !(d = opendir(path)))
    return CREDO_OK;
  *state = 1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      *state = 2;
  closedir(d);
  return CREDO_OK;
}

static int sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = CREDO_OK;
  if (fd < 0)
    return CREDO_IO;
  if (fsync(fd) != 0)
    rc = CREDO_IO;
  close(fd);
  return rc;
}

/* Removes the files an operation may have written into `dir`, and `dir`
 * itself when `made` (it was created by the operation). */
static void clean_dir(const char *dir, int made) {
  static const char *const names[] = {DATA_FILE, DATA_FILE ".partial",
                                      "lock.mdb", MANIFEST, MANIFEST ".tmp"};
  char p[4096];
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (join(p, sizeof p, dir, names[i]) == CREDO_OK)
      unlink(p);
  if (made)
    rmdir(dir);
}

/* --------------------------------------------------------- checksums */

void eng_hex128(XXH128_hash_t h, char out[33]) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  for (int i = 0; i < 16; i++)
    snprintf(out + 2 * i, 3, "%02x", c.digest[i]);
}

/* The code of a failed write / fsync / close: CREDO_FULL when the file
 * system is out of room (so restore says "disk full", not "input/output
 * error"), else CREDO_IO. */
static int io_code(int err) {
  return err == ENOSPC || err == EDQUOT || err == EFBIG ? CREDO_FULL : CREDO_IO;
}

/* Writes all n bytes (a short write is retried: its rest then fails
 * with the reason). CREDO_OK, CREDO_FULL or CREDO_IO. */
static int write_all(int fd, const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return io_code(w < 0 ? errno : ENOSPC);
    p += w;
    n -= (size_t)w;
  }
  return CREDO_OK;
}

/* Streams `src` through XXH3-128, copying it to `dst_fd` when >= 0.
 * Reports progress under `phase`. *size and `hex` get the result. */
static int hash_file(const char *src, int dst_fd, const char *phase,
                     credo_progress_fn progress, void *arg, uint64_t *size,
                     char hex[33]) {
  XXH3_state_t *st = XXH3_createState();
  unsigned char *buf = malloc(IO_CHUNK);
  struct stat sb;
  ssize_t n = 0;
  int fd = -1, rc = CREDO_NOMEM;

  *size = 0;
  if (!st || !buf || XXH3_128bits_reset(st) != XXH_OK)
    goto done;
  rc = CREDO_IO;
  if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) != 0)
    goto done;
  while ((n = read(fd, buf, IO_CHUNK)) > 0) {
    XXH3_128bits_update(st, buf, (size_t)n);
    if (dst_fd >= 0 && (rc = write_all(dst_fd, buf, (size_t)n)) != CREDO_OK)
      goto done;
    rc = CREDO_IO;
    *size += (uint64_t)n;
    if (progress && progress(arg, phase, *size, (uint64_t)sb.st_size)) {
      rc = CREDO_CANCELLED;
      goto done;
    }
  }
  if (n == 0) {
    eng_hex128(XXH3_128bits_digest(st), hex);
    rc = CREDO_OK;
  }
done:
  if (fd >= 0)
    close(fd);
  free(buf);
  XXH3_freeState(st);
  return rc;
}

/* ------------------------------------------------------------- copy */

typedef struct copy_job {
  stor_env *env;
  const char *dest;
  int rc;
  int done; /* guarded by mu */
  pthread_mutex_t mu;
  pthread_cond_t cv;
} copy_job;

static void *copy_main(void *p) {
  copy_job *j = p;
  int rc = stor_copy(j->env, j->dest);
  pthread_mutex_lock(&j->mu);
  j->rc = rc;
  j->done = 1;
  pthread_cond_signal(&j->cv);
  pthread_mutex_unlock(&j->mu);
  return NULL;
}

/* Waits up to 100 ms for the copy to end; 1 when it has. */
static int copy_wait(copy_job *j) {
  struct timespec until;
  int done;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_nsec += 100 * 1000 * 1000;
  if (until.tv_nsec >= 1000 * 1000 * 1000) {
    until.tv_sec++;
    until.tv_nsec -= 1000 * 1000 * 1000;
  }
  pthread_mutex_lock(&j->mu);
  if (!j->done)
    pthread_cond_timedwait(&j->cv, &j->mu, &until);
  done = j->done;
  pthread_mutex_unlock(&j->mu);
  return done;
}

/* stor_copy into `dest`, reporting the growing partial file's size about
 * every 100 ms when `progress` is set. LMDB's copy cannot be interrupted:
 * a cancel takes effect when it ends. */
static int copy_watched(stor_env *env, const char *dest,
                        credo_progress_fn progress, void *arg, uint64_t total) {
  copy_job job = {.env = env, .dest = dest};
  char part[4096];
  struct stat sb;
  pthread_t th;
  int cancel = 0, rc;

  if (!progress)
    return stor_copy(env, dest);
  if (join(part, sizeof part, dest, DATA_FILE ".partial") != CREDO_OK)
    return CREDO_INVALID;
  pthread_mutex_init(&job.mu, NULL);
  pthread_cond_init(&job.cv, NULL);
  if (pthread_create(&th, NULL, copy_main, &job) != 0) {
    job.rc = stor_copy(env, dest);
    goto done;
  }
  do {
    if (!cancel && stat(part, &sb) == 0)
      cancel = progress(arg, "copy", (uint64_t)sb.st_size, total) != 0;
  } while (!copy_wait(&job));
  pthread_join(th, NULL);
done:
  rc = job.rc == CREDO_OK && cancel ? CREDO_CANCELLED : job.rc;
  pthread_cond_destroy(&job.cv);
  pthread_mutex_destroy(&job.mu);
  return rc;
}

/* ----------------------------------------------------------- manifest */

static json_t *manifest_json(const credo_backup_info *b) {
  char created[48], last[48];
  credo_time_format(b->created_at, 0, created, sizeof created);
  credo_time_format(b->last_tx, 0, last, sizeof last);
  return json_pack(
      "{s:s, s:i, s:s, s:i, s:s, s:I, s:s, s:I,"
      " s:{s:I, s:I, s:I, s:I}, s:[{s:s, s:I, s:s}]}",
      "format", MANIFEST_KIND, "format_version", (int)b->format_version,
      "credo_version", b->credo_version, "store_format", (int)b->store_format,
      "created_at", created, "created_at_us", (json_int_t)b->created_at,
      "last_tx", last, "last_tx_us", (json_int_t)b->last_tx, "counts", "events",
      (json_int_t)b->events, "versions", (json_int_t)b->versions, "subjects",
      (json_int_t)b->subjects, "types", (json_int_t)b->types, "files", "name",
      b->file, "size", (json_int_t)b->size, "xxh3_128", b->xxh3_128);
}

/* Writes MANIFEST.json atomically (temporary file, fsync, rename). */
static int manifest_write(const char *dir, const credo_backup_info *b) {
  char tmp[4096], final[4096];
  json_t *j = manifest_json(b);
  char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
  int fd = -1, rc = CREDO_NOMEM;
  size_t len;

  if (!text)
    goto done;
  rc = CREDO_IO;
  len = strlen(text);
  if (join(tmp, sizeof tmp, dir, MANIFEST ".tmp") != CREDO_OK ||
      join(final, sizeof final, dir, MANIFEST) != CREDO_OK)
    goto done;
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, text, len) != (ssize_t)len ||
      write(fd, "\n", 1) != 1 || fsync(fd) != 0)
    goto done;
  close(fd);
  fd = -1;
  if (rename(tmp, final) == 0)
    rc = sync_dir(dir);
done:
  if (fd >= 0)
    close(fd);
  free(text);
  json_decref(j);
  return rc;
}

static int err_text(char *err, size_t n, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int err_text(char *err, size_t n, int rc, const char *fmt, ...) {
  va_list ap;
  if (err && n) {
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
  }
  return rc;
}

/* Reads the fields of a parsed manifest; the name of the first missing
 * or mistyped one in *bad (a literal, or je's text: je is the caller's,
 * so that *bad outlives this call). */
static int manifest_fields(json_t *j, credo_backup_info *b, json_error_t *je,
                           const char **bad) {
  json_int_t fv = 0, sf = 0, ca = 0, lt = 0, ev = 0, ve = 0, su = 0, ty = 0,
             size = 0;
  const char *kind = NULL, *ver = NULL, *name = NULL, *hash = NULL;

  if (json_unpack_ex(j, je, 0, "{s:s, s:I}", "format", &kind, "format_version",
                     &fv) != 0 ||
      strcmp(kind, MANIFEST_KIND) != 0)
    return *bad = "format", CREDO_CORRUPT;
  b->format_version = (uint32_t)fv;
  if (fv > CREDO_BACKUP_FORMAT)
    return *bad = "format_version", CREDO_FORMAT;
  if (json_unpack_ex(j, je, 0,
                     "{s:s, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I},"
                     " s:[{s:s, s:I, s:s}]}",
                     "credo_version", &ver, "store_format", &sf,
                     "created_at_us", &ca, "last_tx_us", &lt, "counts",
                     "events", &ev, "versions", &ve, "subjects", &su, "types",
                     &ty, "files", "name", &name, "size", &size, "xxh3_128",
                     &hash) != 0)
    return *bad = je->text, CREDO_CORRUPT;
  if (strlen(hash) != 32 || strchr(name, '/') || size < 0)
    return *bad = "files", CREDO_CORRUPT;
  snprintf(b->credo_version, sizeof b->credo_version, "%s", ver);
  snprintf(b->file, sizeof b->file, "%s", name);
  snprintf(b->xxh3_128, sizeof b->xxh3_128, "%s", hash);
  b->store_format = (uint32_t)sf;
  b->created_at = ca;
  b->last_tx = lt;
  b->events = (uint64_t)ev;
  b->versions = (uint64_t)ve;
  b->subjects = (uint64_t)su;
  b->types = (uint64_t)ty;
  b->size = (uint64_t)size;
  return CREDO_OK;
}

int credo_backup_read(const char *dir, credo_backup_info *out, char *err,
                      size_t errlen) {
  char path[4096];
  json_error_t je;
  json_t *j;
  const char *bad = NULL;
  int rc;

  if (!dir || !out)
    return err_text(err, errlen, CREDO_INVALID, "no directory given");
  memset(out, 0, sizeof *out);
  if (join(path, sizeof path, dir, MANIFEST) != CREDO_OK)
    return err_text(err, errlen, CREDO_INVALID, "path too long");
  if (access(path, F_OK) != 0)
    return err_text(err, errlen, CREDO_NOTFOUND,
                    MANIFEST ": missing (not a backup, or an incomplete one)");
  if (!(j = json_load_file(path, JSON_REJECT_DUPLICATES, &je)))
    return err_text(err, errlen, CREDO_CORRUPT,
                    MANIFEST ": not valid JSON: %s (line %d, column %d)",
                    je.text, je.line, je.column);
  rc = manifest_fields(j, out, &je, &bad);
  json_decref(j);
  if (rc == CREDO_FORMAT)
    return err_text(err, errlen, rc,
                    MANIFEST ": format version %u, this build reads up to %d",
                    out->format_version, CREDO_BACKUP_FORMAT);
  if (rc != CREDO_OK)
    return err_text(err, errlen, rc, MANIFEST ": bad or missing field: %s",
                    bad);
  return CREDO_OK;
}

/* ------------------------------------------------------------ backup */

/* Opens the snapshot in `dir` read-only and reads its counts. */
static int snapshot_stats(const char *dir, credo_stats *st, char *err,
                          size_t n) {
  credo_options o = {.flags = CREDO_OPEN_READONLY | CREDO_OPEN_NOCREATE};
  credo *snap = NULL;
  int rc = eng_open(dir, &o, &snap);
  if (rc == CREDO_OK)
    rc = eng_get_stats(snap, st);
  if (rc != CREDO_OK)
    snprintf(err, n, "%s", snap ? credo_errmsg(snap) : credo_strerror(rc));
  eng_close(snap);
  return rc;
}

/* The server's stream (credo_backup on a remote handle) into
 * DEST/data.mdb: written to data.mdb.partial, fsynced, then linked, as
 * stor_copy does for a local copy. `hex` gets the XXH3-128 of the bytes
 * received, equal to the server's. */
static int remote_copy(credo *db, const char *dest, credo_progress_fn progress,
                       void *arg, char hex[33]) {
  char part[4096], data[4096];
  uint64_t size;
  int fd, rc;

  if (join(part, sizeof part, dest, DATA_FILE ".partial") != CREDO_OK ||
      join(data, sizeof data, dest, DATA_FILE) != CREDO_OK)
    return eng_err(db, CREDO_INVALID, "backup directory path too long");
  if (mkdir(dest, 0755) != 0 && errno != EEXIST)
    return eng_err(db, CREDO_IO, "cannot create %s: %s", dest, strerror(errno));
  if ((fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
    return eng_err(db, CREDO_IO, "cannot create %s: %s", part, strerror(errno));
  rc = db->be->snapshot(db, fd, progress, arg, &size, hex);
  if (rc == CREDO_OK && fsync(fd) != 0)
    rc = eng_err(db, CREDO_IO, "cannot sync %s: %s", part, strerror(errno));
  if (close(fd) != 0 && rc == CREDO_OK)
    rc = eng_err(db, CREDO_IO, "cannot write %s: %s", part, strerror(errno));
  if (rc == CREDO_OK && link(part, data) != 0)
    rc = eng_err(db, CREDO_IO, "cannot link %s: %s", data, strerror(errno));
  unlink(part);
  if (rc == CREDO_OK && sync_dir(dest) != CREDO_OK)
    rc = eng_err(db, CREDO_IO, "cannot sync %s", dest);
  return rc;
}

/* The copy (local, or streamed from the server), its checksum and counts,
 * into *b. */
static int backup_into(credo *db, const char *dest, credo_progress_fn progress,
                       void *arg, credo_backup_info *b) {
  char data[4096], err[1024], sent[33] = "";
  uint64_t map, used;
  credo_stats st;
  int rc;

  if (db->be->snapshot) {
    if ((rc = remote_copy(db, dest, progress, arg, sent)) != CREDO_OK)
      return rc;
  } else {
    if (stor_space(db->store->stor, &map, &used) != CREDO_OK)
      used = 0;
    rc = copy_watched(db->store->stor, dest, progress, arg, used);
    if (rc != CREDO_OK)
      return rc == CREDO_CANCELLED
                 ? eng_err(db, rc, "backup cancelled")
                 : eng_err_stor(db, rc, "cannot copy the store");
  }
  if ((rc = join(data, sizeof data, dest, DATA_FILE)) != CREDO_OK ||
      (rc = hash_file(data, -1, "checksum", progress, arg, &b->size,
                      b->xxh3_128)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot checksum the copy");
  if (*sent && strcmp(sent, b->xxh3_128) != 0)
    return eng_err(db, CREDO_CORRUPT,
                   "%s/" DATA_FILE " reads back as XXH3-128 %s, "
                   "but %s was received",
                   dest, b->xxh3_128, sent);
  if ((rc = snapshot_stats(dest, &st, err, sizeof err)) != CREDO_OK)
    return eng_err(db, rc, "cannot open the copy: %s", err);
  b->store_format = st.format_version;
  b->last_tx = st.last_recorded;
  b->events = st.events;
  b->versions = st.versions;
  b->subjects = st.subjects;
  b->types = st.types;
  return CREDO_OK;
}

int credo_backup(credo *db, const char *dest_dir, credo_progress_fn progress,
                 void *arg) {
  credo_backup_info b = {.format_version = CREDO_BACKUP_FORMAT};
  char lock[4096];
  int state, rc;

  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (!db->be->snapshot &&
      (rc = eng_require(db, db->role == CREDO_ROLE_ADMIN,
                        "back up"))) /* else the server checks */
    return rc;
  if (!db->be->snapshot && (!db->store || !db->store->stor))
    return eng_err(db, CREDO_NOTSUP, "backup needs an open store");
  if (db->txn)
    return eng_err(db, CREDO_TXN, "backup cannot run inside a transaction");
  if (!dest_dir || !*dest_dir)
    return eng_err(db, CREDO_INVALID, "no backup directory given");
  if (dir_state(dest_dir, &state) != CREDO_OK || state == 2)
    return eng_err(db, CREDO_EXISTS,
                   "backup directory %s exists and is not empty", dest_dir);
  snprintf(b.credo_version, sizeof b.credo_version, "%s", CREDO_VERSION);
  snprintf(b.file, sizeof b.file, "%s", DATA_FILE);
  b.created_at = credo_now(db);
  if ((rc = backup_into(db, dest_dir, progress, arg, &b)) != CREDO_OK)
    goto fail;
  if (join(lock, sizeof lock, dest_dir, "lock.mdb") == CREDO_OK)
    unlink(lock); /* made by opening the copy; not part of the backup */
  if ((rc = manifest_write(dest_dir, &b)) != CREDO_OK) {
    eng_err(db, rc, "cannot write %s/" MANIFEST, dest_dir);
    goto fail;
  }
  return CREDO_OK;
fail:
  clean_dir(dest_dir, state == 0);
  return rc;
}

/* ------------------------------------------------------------ verify */

/* Problems of a verification or restore, passed to the caller's callback
 * and counted. */
typedef struct vlog {
  credo_check_fn cb;
  void *arg;
  uint64_t problems;
  int stop;
} vlog;

static void vreport(vlog *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void vreport(vlog *l, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  l->problems++;
  if (l->cb && !l->stop && l->cb(l->arg, line) != 0)
    l->stop = 1;
}

/* Forwards the check's lines, prefixed with the file name. */
typedef struct fwd {
  vlog *log;
  const char *file;
} fwd;

static int forward_problem(void *arg, const char *problem) {
  fwd *f = arg;
  vreport(f->log, "%s: %s", f->file, problem);
  return f->log->stop;
}

/* Compares the size and checksum of the data file; CREDO_CORRUPT when
 * they differ (reported). */
static int verify_file(const char *dir, const credo_backup_info *b, vlog *log) {
  char path[4096], hex[33];
  struct stat sb;
  uint64_t size;
  int rc;

  if (join(path, sizeof path, dir, b->file) != CREDO_OK)
    return CREDO_INVALID;
  if (stat(path, &sb) != 0)
    return vreport(log, "%s: missing (%s)", b->file, strerror(errno)),
           CREDO_CORRUPT;
  if ((uint64_t)sb.st_size != b->size)
    return vreport(log, "%s: size %llu bytes, manifest says %llu", b->file,
                   (unsigned long long)sb.st_size, (unsigned long long)b->size),
           CREDO_CORRUPT;
  if ((rc = hash_file(path, -1, NULL, NULL, NULL, &size, hex)) != CREDO_OK)
    return vreport(log, "%s: cannot read: %s", b->file, credo_strerror(rc)), rc;
  if (strcmp(hex, b->xxh3_128) != 0)
    return vreport(log, "%s: XXH3-128 %s, manifest says %s", b->file, hex,
                   b->xxh3_128),
           CREDO_CORRUPT;
  return CREDO_OK;
}

/* Compares what the open snapshot says with the manifest. */
static void verify_counts(const credo_stats *st, const credo_backup_info *b,
                          vlog *log) {
  const char *names[] = {"events", "versions", "subjects", "types"};
  const uint64_t have[] = {st->events, st->versions, st->subjects, st->types};
  const uint64_t want[] = {b->events, b->versions, b->subjects, b->types};
  for (int i = 0; i < 4; i++)
    if (have[i] != want[i])
      vreport(log, "%s: %llu %s, manifest says %llu", b->file,
              (unsigned long long)have[i], names[i],
              (unsigned long long)want[i]);
  if (st->last_recorded != b->last_tx)
    vreport(log, "%s: last transaction time %lld, manifest says %lld", b->file,
            (long long)st->last_recorded, (long long)b->last_tx);
}

/* Opens the snapshot read-only: counts against the manifest, then the
 * integrity check. */
static int verify_snapshot(const char *dir, const credo_backup_info *b,
                           vlog *log, credo_check_report *rep) {
  credo_options o = {.flags = CREDO_OPEN_READONLY | CREDO_OPEN_NOCREATE};
  credo *snap = NULL;
  credo_stats st;
  fwd f = {log, b->file};
  int rc = eng_open(dir, &o, &snap);

  if (rc == CREDO_OK && (rc = eng_get_stats(snap, &st)) == CREDO_OK) {
    verify_counts(&st, b, log);
    rc = eng_check(snap, forward_problem, &f, rep);
    if (rc == CREDO_CORRUPT)
      rc = CREDO_OK; /* reported line by line */
    else if (rc != CREDO_OK && rc != CREDO_CANCELLED)
      vreport(log, "%s: check failed: %s", b->file, credo_errmsg(snap));
  } else
    vreport(log, "%s: cannot open as a store: %s", b->file,
            snap ? credo_errmsg(snap) : credo_strerror(rc));
  eng_close(snap);
  return rc;
}

int credo_verify(const char *dir, credo_check_fn cb, void *arg,
                 credo_check_report *out) {
  credo_check_report rep = {0};
  credo_backup_info b;
  vlog log = {cb, arg, 0, 0};
  char err[1024], lock[4096];
  int had_lock, rc;

  if (!dir || !*dir)
    return CREDO_INVALID;
  if ((rc = credo_backup_read(dir, &b, err, sizeof err)) != CREDO_OK) {
    vreport(&log, "%s", err);
    goto done;
  }
  if ((rc = verify_file(dir, &b, &log)) != CREDO_OK)
    goto done;
  had_lock = join(lock, sizeof lock, dir, "lock.mdb") == CREDO_OK &&
             access(lock, F_OK) == 0;
  rc = verify_snapshot(dir, &b, &log, &rep);
  if (!had_lock)
    unlink(lock);
done:
  rep.problems = log.problems;
  if (out)
    *out = rep;
  if (log.stop)
    return CREDO_CANCELLED;
  if (rc == CREDO_OK && log.problems)
    return CREDO_CORRUPT;
  return rc;
}

/* ----------------------------------------------------------- restore */

/* Copies the verified data file into `store` (through a partial file,
 * fsynced and renamed), checking its checksum again on the way. */
static int restore_copy(const char *backup_dir, const char *store,
                        const credo_backup_info *b, vlog *log) {
  char src[4096], part[4096], data[4096], hex[33];
  uint64_t size;
  int fd, rc;

  if (join(src, sizeof src, backup_dir, b->file) != CREDO_OK ||
      join(part, sizeof part, store, DATA_FILE ".partial") != CREDO_OK ||
      join(data, sizeof data, store, DATA_FILE) != CREDO_OK)
    return CREDO_INVALID;
  fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return vreport(log, "%s: cannot create: %s", part, strerror(errno)),
           CREDO_IO;
  rc = hash_file(src, fd, NULL, NULL, NULL, &size, hex);
  if (rc == CREDO_OK && fsync(fd) != 0)
    rc = io_code(errno);
  if (close(fd) != 0 && rc == CREDO_OK)
    rc = io_code(errno);
  if (rc != CREDO_OK)
    return vreport(log, "%s: cannot copy: %s", data, credo_strerror(rc)), rc;
  if (strcmp(hex, b->xxh3_128) != 0 || size != b->size)
    return vreport(log,
                   "%s: changed while restoring (XXH3-128 %s, manifest "
                   "says %s)",
                   b->file, hex, b->xxh3_128),
           CREDO_CORRUPT;
  if (rename(part, data) != 0 || sync_dir(store) != CREDO_OK)
    return vreport(log, "%s: cannot rename into place", data), CREDO_IO;
  return CREDO_OK;
}

/* Opens the restored store as a store (read-write) and compares it with
 * the manifest. */
static int restore_prove(const char *store, const credo_backup_info *b,
                         vlog *log) {
  credo_options o = {.flags = CREDO_OPEN_NOCREATE};
  credo *db = NULL;
  credo_stats st;
  uint64_t before = log->problems;
  int rc = eng_open(store, &o, &db);

  if (rc == CREDO_OK && (rc = eng_get_stats(db, &st)) == CREDO_OK) {
    verify_counts(&st, b, log);
    if (log->problems != before)
      rc = CREDO_CORRUPT;
  } else
    vreport(log, "%s: the restored store does not open: %s", store,
            db ? credo_errmsg(db) : credo_strerror(rc));
  eng_close(db);
  return rc;
}

int credo_restore(const char *backup_dir, const char *new_store,
                  credo_check_fn cb, void *arg) {
  credo_backup_info b;
  vlog log = {cb, arg, 0, 0};
  int state = 0, made = 0, rc;

  if (!backup_dir || !*backup_dir || !new_store || !*new_store)
    return CREDO_INVALID;
  if ((rc = credo_verify(backup_dir, cb, arg, NULL)) != CREDO_OK)
    return rc;
  if ((rc = credo_backup_read(backup_dir, &b, NULL, 0)) != CREDO_OK)
    return rc;
  if (dir_state(new_store, &state) != CREDO_OK || state == 2) {
    vreport(&log,
            "%s: exists and is not an empty directory; restore "
            "writes only into an empty or missing one",
            new_store);
    return CREDO_EXISTS;
  }
  if (state == 0) {
    if (mkdir(new_store, 0755) != 0) {
      vreport(&log, "%s: cannot create: %s", new_store, strerror(errno));
      return CREDO_IO;
    }
    made = 1;
  }
  if ((rc = restore_copy(backup_dir, new_store, &b, &log)) != CREDO_OK ||
      (rc = restore_prove(new_store, &b, &log)) != CREDO_OK)
    goto fail;
  return CREDO_OK;
fail:
  clean_dir(new_store, made);
  return rc;
}
