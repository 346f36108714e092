/*
 * test_ops.c -- operations through the public API: a backup taken while
 * another thread writes, restored and compared with the source AS OF the
 * manifest's last transaction time; verify naming a flipped byte and a
 * truncated file; restore refusing a non-empty target; the integrity
 * check, clean and on deliberately broken index entries (written with the
 * storage layer directly); the history dump restored with its ids and
 * transaction times; the backup stream equal to the backup's data file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "credo.h"
#include "stor.h"
#include "th.h"

#define ORG "91350100M000100Y43"
#define ORG2 "914403001922038216"
#define PERSON "11010519491231002X"

static const credo_duration YEAR1 = {12, 0}, MONTH3 = {3, 0};

/* ------------------------------------------------------------ helpers */

/* Problem lines collected from a check / verify / restore callback. */
typedef struct lines {
  int n;
  char text[64][512];
} lines;

static int collect(void *arg, const char *problem) {
  lines *l = arg;
  if (l->n < 64)
    snprintf(l->text[l->n], sizeof l->text[0], "%s", problem);
  l->n++;
  return 0;
}

static int has_line(const lines *l, const char *a, const char *b) {
  for (int i = 0; i < l->n && i < 64; i++)
    if (strstr(l->text[i], a) && (!b || strstr(l->text[i], b)))
      return 1;
  return 0;
}

static void print_lines(const lines *l) {
  for (int i = 0; i < l->n && i < 64; i++)
    print_message("  %s\n", l->text[i]);
}

static char *path_in(const char *dir, const char *name) {
  char *p;
  assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
  return p;
}

static credo *open_store(const char *dir) {
  credo *db = NULL;
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  return db;
}

static void record(credo *db, const char *subject, const char *type,
                   const char *ref, const char *occurred, uint64_t *id) {
  credo_record r = {.subject = subject,
                    .type = type,
                    .occurred = th_t(occurred),
                    .public_from = CREDO_TIME_DEFAULT,
                    .public_until = CREDO_TIME_DEFAULT,
                    .source = "xm-market",
                    .ref = ref,
                    .data = "{\"amount_wan\": 2.5}"};
  int created = 0;
  int rc = credo_record_event(db, &r, id, &created);
  if (rc != CREDO_OK)
    fail_msg("record %s: %s", ref, credo_errmsg(db));
  assert_int_equal(created, 1);
}

/* A small store with every kind of version: corrected, repaired,
 * retracted events. */
static void populate(credo *db, th_clock *clk) {
  credo_correction c = {.set = CREDO_SET_DATA, .data = "{\"amount_wan\":3}"};
  uint64_t id[4];
  clk->now = th_t("2025-01-01");
  assert_int_equal(credo_create_type(db, "penalty_general", YEAR1, MONTH3),
                   CREDO_OK);
  assert_int_equal(credo_create_type(db, "licence", (credo_duration){0, 0},
                                     (credo_duration){0, 0}),
                   CREDO_OK);
  assert_int_equal(credo_create_subject(db, ORG, CREDO_KIND_ORG, "厦门甲"),
                   CREDO_OK);
  assert_int_equal(credo_create_subject(db, ORG2, CREDO_KIND_ORG, "乙公司"),
                   CREDO_OK);
  assert_int_equal(credo_create_subject(db, PERSON, CREDO_KIND_PERSON, NULL),
                   CREDO_OK);
  clk->now = th_t("2025-02-01");
  record(db, ORG, "penalty_general", "厦市监罚〔2025〕1号", "2025-01-20",
         &id[0]);
  record(db, ORG, "licence", "厦市监许〔2025〕7号", "2025-01-21", &id[1]);
  record(db, ORG2, "penalty_general", "厦市监罚〔2025〕2号", "2025-01-22",
         &id[2]);
  record(db, PERSON, "penalty_general", "厦市监罚〔2025〕3号", "2025-01-23",
         &id[3]);
  clk->now = th_t("2025-03-01");
  assert_int_equal(credo_correct_event(db, id[0], &c, "异议处理"), CREDO_OK);
  clk->now = th_t("2025-06-01");
  assert_int_equal(credo_repair_event(db, id[0], th_t("2025-05-01"), "修复"),
                   CREDO_OK);
  clk->now = th_t("2025-07-01");
  assert_int_equal(credo_retract_event(db, id[2], "录入错误"), CREDO_OK);
}

/* Every field of an event, as one string. */
static void event_text(const credo_event *e, char *buf, size_t n) {
  snprintf(
      buf, n, "%llu|%s|%s|%lld|%lld|%lld|%s|%s|%s|%u|%lld|%s|%d|%s|%d|%d\n",
      (unsigned long long)e->id, e->subject, e->type, (long long)e->occurred,
      (long long)e->public_from, (long long)e->public_until, e->source, e->ref,
      e->data, e->version, (long long)e->recorded, e->actor, e->op, e->reason,
      e->retracted, e->is_public);
}

/* Appends events to a growing string. */
typedef struct text {
  char *s;
  size_t len;
} text;

static int append_event(const credo_event *e, void *arg) {
  text *t = arg;
  char line[2048];
  event_text(e, line, sizeof line);
  size_t n = strlen(line);
  t->s = realloc(t->s, t->len + n + 1);
  memcpy(t->s + t->len, line, n + 1);
  t->len += n;
  return 0;
}

/* A subject's events as of `t` (one flag set) as text; "" when the
 * subject does not exist. */
static char *subject_text(credo *db, const char *id, credo_time t,
                          unsigned flags) {
  text out = {calloc(1, 1), 0};
  int rc = credo_subject_events(db, id, t, CREDO_TIME_NOW, flags, append_event,
                                &out);
  if (rc == CREDO_NOTFOUND)
    return out.s;
  assert_int_equal(rc, CREDO_OK);
  return out.s;
}

/* ------------------------------------------- backup under a write load */

typedef struct writer {
  credo *db; /* its own handle (credo_dup) */
  atomic_int stop;
  atomic_int commits;
  int rc;
} writer;

/* Records events for new subjects, and corrects some, until told to
 * stop. */
static void *writer_main(void *p) {
  writer *w = p;
  credo_correction c = {.set = CREDO_SET_DATA, .data = "{\"corrected\":1}"};
  char ref[64], id[19];
  uint64_t ev;
  for (int i = 0; !atomic_load(&w->stop) && w->rc == CREDO_OK; i++) {
    snprintf(ref, sizeof ref, "w-%d", i);
    /* ORG2-like ids would need check digits: use kind other */
    snprintf(id, sizeof id, "w-subject-%d", i % 50);
    credo_record r = {.subject = id,
                      .type = "penalty_general",
                      .occurred = th_t("2025-04-01"),
                      .public_from = CREDO_TIME_DEFAULT,
                      .public_until = CREDO_TIME_DEFAULT,
                      .source = "xm-writer",
                      .ref = ref,
                      .data = "{\"n\":1}"};
    if ((w->rc = credo_begin(w->db)) != CREDO_OK)
      break;
    w->rc = credo_create_subject(w->db, id, CREDO_KIND_OTHER, "writer");
    if (w->rc == CREDO_OK)
      w->rc = credo_record_event(w->db, &r, &ev, NULL);
    if (w->rc == CREDO_OK && i % 3 == 0)
      w->rc = credo_correct_event(w->db, ev, &c, "fix");
    if (w->rc != CREDO_OK) {
      credo_rollback(w->db);
      break;
    }
    w->rc = credo_commit(w->db);
    atomic_fetch_add(&w->commits, 1);
  }
  return NULL;
}

static int subject_names(const credo_subject_info *s, void *arg) {
  text *t = arg;
  size_t n = strlen(s->id) + 1;
  t->s = realloc(t->s, t->len + n + 1);
  memcpy(t->s + t->len, s->id, n);
  t->len += n;
  t->s[t->len] = '\0';
  return 0;
}

/* Compares source and restored AS OF `t`: every subject's listings (all
 * versions kept, and the public view) and every event id. */
static void compare_as_of(credo *src, credo *dst, credo_time t) {
  const unsigned flag_sets[] = {0, CREDO_READ_HIDDEN | CREDO_READ_RETRACTED};
  text ids = {NULL, 0};
  credo_subject_info si;
  credo_stats st;
  int subjects = 0;

  assert_int_equal(credo_list_subjects(src, subject_names, &ids), CREDO_OK);
  for (const char *id = ids.s; id && id < ids.s + ids.len;
       id += strlen(id) + 1) {
    assert_int_equal(credo_get_subject(src, id, &si), CREDO_OK);
    int in_snapshot = si.created <= t;
    assert_int_equal(credo_get_subject(dst, id, &si),
                     in_snapshot ? CREDO_OK : CREDO_NOTFOUND);
    subjects += in_snapshot;
    for (int f = 0; f < 2 && in_snapshot; f++) {
      char *a = subject_text(src, id, t, flag_sets[f]);
      char *b = subject_text(dst, id, t, flag_sets[f]);
      assert_string_equal(a, b);
      free(a);
      free(b);
    }
  }
  assert_int_equal(credo_get_stats(dst, &st), CREDO_OK);
  assert_int_equal(st.subjects, subjects);
  assert_int_equal(st.last_recorded, t);
  for (uint64_t id = 1; id <= st.events + 5; id++) {
    credo_event a, b;
    char ta[2048] = "", tb[2048] = "";
    int ra = credo_get_event(src, id, t, CREDO_TIME_NOW,
                             CREDO_READ_HIDDEN | CREDO_READ_RETRACTED, &a);
    if (ra == CREDO_OK)
      event_text(&a, ta, sizeof ta);
    int rb = credo_get_event(dst, id, t, CREDO_TIME_NOW,
                             CREDO_READ_HIDDEN | CREDO_READ_RETRACTED, &b);
    if (rb == CREDO_OK)
      event_text(&b, tb, sizeof tb);
    assert_int_equal(ra, rb);
    assert_string_equal(ta, tb);
  }
  free(ids.s);
}

static void test_backup_under_load_restore_as_of(void **state) {
  char *dir = th_tmpdir("ops-src"), *out = th_tmpdir("ops-bak");
  char *dest = path_in(out, "backup"), *restored = path_in(out, "restored");
  th_clock clk;
  credo *db = open_store(dir), *dst = NULL;
  writer w = {.rc = CREDO_OK};
  credo_backup_info info;
  lines l = {0};
  pthread_t th;

  credo_set_clock(db, th_clock_fn, &clk);
  populate(db, &clk);
  credo_set_clock(db, NULL, NULL); /* the writer thread uses the wall clock */
  assert_int_equal(credo_dup(db, &w.db), CREDO_OK);
  assert_int_equal(pthread_create(&th, NULL, writer_main, &w), 0);
  while (atomic_load(&w.commits) < 20 && w.rc == CREDO_OK)
    sched_yield(); /* the load is running before the backup starts */
  assert_int_equal(credo_backup(db, dest, NULL, NULL), CREDO_OK);
  int during = atomic_load(&w.commits);
  while (atomic_load(&w.commits) < during + 20 && w.rc == CREDO_OK)
    sched_yield(); /* and goes on after it */
  atomic_store(&w.stop, 1);
  pthread_join(th, NULL);
  assert_int_equal(w.rc, CREDO_OK);
  credo_close(w.db);

  assert_int_equal(credo_backup_read(dest, &info, NULL, 0), CREDO_OK);
  assert_string_equal(info.file, "data.mdb");
  assert_true(info.events >= 4 + 20);
  assert_int_equal(credo_verify(dest, collect, &l, NULL), CREDO_OK);
  assert_int_equal(l.n, 0);
  assert_int_equal(credo_restore(dest, restored, collect, &l), CREDO_OK);
  print_lines(&l);
  assert_int_equal(l.n, 0);
  dst = open_store(restored);
  compare_as_of(db, dst, info.last_tx);
  assert_int_equal(credo_check(dst, collect, &l, NULL), CREDO_OK);
  credo_close(dst);
  credo_close(db);
  free(dest);
  free(restored);
  th_rmdir(out);
  th_rmdir(dir);
}

/* ------------------------------------------------------------- verify */

typedef struct bfx {
  char *dir, *out, *dest;
  credo *db;
  th_clock clk;
} bfx;

static int bfx_setup(void **state) {
  bfx *f = calloc(1, sizeof *f);
  f->dir = th_tmpdir("ops-v");
  f->out = th_tmpdir("ops-vb");
  f->dest = path_in(f->out, "b");
  f->db = open_store(f->dir);
  credo_set_clock(f->db, th_clock_fn, &f->clk);
  populate(f->db, &f->clk);
  assert_int_equal(credo_backup(f->db, f->dest, NULL, NULL), CREDO_OK);
  *state = f;
  return 0;
}

static int bfx_teardown(void **state) {
  bfx *f = *state;
  credo_close(f->db);
  free(f->dest);
  th_rmdir(f->out);
  th_rmdir(f->dir);
  free(f);
  return 0;
}

static void test_verify_flipped_byte(void **state) {
  bfx *f = *state;
  char *data = path_in(f->dest, "data.mdb");
  struct stat sb;
  unsigned char byte;
  lines l = {0};
  int fd = open(data, O_RDWR);

  assert_true(fd >= 0);
  assert_int_equal(fstat(fd, &sb), 0);
  off_t at = sb.st_size / 2 + 17;
  assert_int_equal(pread(fd, &byte, 1, at), 1);
  byte ^= 0x01;
  assert_int_equal(pwrite(fd, &byte, 1, at), 1);
  close(fd);
  assert_int_equal(credo_verify(f->dest, collect, &l, NULL), CREDO_CORRUPT);
  print_lines(&l);
  assert_int_equal(l.n, 1);
  assert_true(has_line(&l, "data.mdb: XXH3-128", "manifest says"));
  /* a damaged backup is not restored */
  char *target = path_in(f->out, "r");
  assert_int_equal(credo_restore(f->dest, target, NULL, NULL), CREDO_CORRUPT);
  assert_int_equal(access(target, F_OK), -1);
  free(target);
  free(data);
}

static void test_verify_truncated(void **state) {
  bfx *f = *state;
  char *data = path_in(f->dest, "data.mdb");
  struct stat sb;
  lines l = {0};
  assert_int_equal(stat(data, &sb), 0);
  assert_int_equal(truncate(data, sb.st_size / 2), 0);
  assert_int_equal(credo_verify(f->dest, collect, &l, NULL), CREDO_CORRUPT);
  print_lines(&l);
  assert_true(has_line(&l, "data.mdb: size", "manifest says"));
  assert_int_equal(unlink(data), 0);
  l.n = 0;
  assert_int_equal(credo_verify(f->dest, collect, &l, NULL), CREDO_CORRUPT);
  assert_true(has_line(&l, "data.mdb: missing", NULL));
  free(data);
}

static void test_verify_manifest(void **state) {
  bfx *f = *state;
  char *man = path_in(f->dest, "MANIFEST.json");
  credo_backup_info info;
  lines l = {0};
  FILE *fp;

  assert_int_equal(credo_backup_read(f->dest, &info, NULL, 0), CREDO_OK);
  assert_int_equal(info.format_version, CREDO_BACKUP_FORMAT);
  assert_int_equal(info.events, 4);
  assert_int_equal(info.versions, 7);
  assert_int_equal(info.subjects, 3);
  assert_int_equal(info.types, 2);
  assert_int_equal(info.last_tx, th_t("2025-07-01"));
  assert_int_equal(strlen(info.xxh3_128), 32);
  /* the manifest's counts are compared with the snapshot */
  fp = fopen(man, "r+");
  assert_non_null(fp);
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf - 1, fp);
  buf[n] = '\0';
  char *p = strstr(buf, "\"events\": 4");
  assert_non_null(p);
  p[10] = '5';
  rewind(fp);
  assert_int_equal(fwrite(buf, 1, n, fp), n);
  fclose(fp);
  assert_int_equal(credo_verify(f->dest, collect, &l, NULL), CREDO_CORRUPT);
  assert_true(has_line(&l, "data.mdb: 4 events, manifest says 5", NULL));
  /* a mistyped field: jansson's reason, which outlives the reader's
   * frames (it once pointed into a returned frame) */
  fp = fopen(man, "w");
  assert_non_null(fp);
  fprintf(fp, "%.*s\"events\": \"x\"%s", (int)(p - buf), buf, p + 11);
  fclose(fp);
  char err[256] = "";
  assert_int_equal(credo_backup_read(f->dest, &info, err, sizeof err),
                   CREDO_CORRUPT);
  assert_non_null(strstr(err, "bad or missing field: "));
  assert_non_null(strstr(err, "integer"));
  unlink(man);
  l.n = 0;
  assert_int_equal(credo_verify(f->dest, collect, &l, NULL), CREDO_NOTFOUND);
  assert_true(has_line(&l, "MANIFEST.json: missing", NULL));
  free(man);
}

static void test_backup_and_restore_refusals(void **state) {
  bfx *f = *state;
  char *target = path_in(f->out, "busy"), *file = path_in(target, "keep");
  lines l = {0};
  FILE *fp;

  /* backup: into a non-empty directory, or inside a transaction */
  assert_int_equal(credo_backup(f->db, f->dest, NULL, NULL), CREDO_EXISTS);
  assert_int_equal(credo_begin(f->db), CREDO_OK);
  assert_int_equal(credo_backup(f->db, target, NULL, NULL), CREDO_TXN);
  assert_int_equal(credo_rollback(f->db), CREDO_OK);
  assert_int_equal(credo_set_user(f->db, "ana", CREDO_ROLE_ANALYST), CREDO_OK);
  assert_int_equal(credo_backup(f->db, target, NULL, NULL), CREDO_DENIED);
  /* restore: into a non-empty directory; the file there stays */
  assert_int_equal(mkdir(target, 0755), 0);
  fp = fopen(file, "w");
  assert_non_null(fp);
  fputs("precious\n", fp);
  fclose(fp);
  assert_int_equal(credo_restore(f->dest, target, collect, &l), CREDO_EXISTS);
  assert_true(has_line(&l, "not an empty directory", NULL));
  assert_int_equal(access(file, F_OK), 0);
  /* an empty existing directory is fine */
  assert_int_equal(unlink(file), 0);
  assert_int_equal(credo_restore(f->dest, target, collect, &l), CREDO_OK);
  free(file);
  free(target);
}

/* The streamed data file is the backup's data.mdb, byte for byte: with no
 * write in between, its size and XXH3-128 are the manifest's. */
typedef struct sink_state {
  FILE *f;
  uint64_t bytes;
  int chunks, stop_after;
} sink_state;

static int to_file(void *arg, const void *buf, size_t len) {
  sink_state *s = arg;
  assert_true(len >= 1 && len <= (1u << 20));
  assert_int_equal(fwrite(buf, 1, len, s->f), len);
  s->bytes += len;
  return ++s->chunks == s->stop_after;
}

static void test_backup_stream(void **state) {
  bfx *f = *state;
  char *copy = path_in(f->out, "streamed.mdb"), hex[33] = "";
  credo_backup_info b;
  sink_state s = {0};
  uint64_t size = 0;

  assert_int_equal(credo_backup_read(f->dest, &b, NULL, 0), CREDO_OK);
  assert_non_null(s.f = fopen(copy, "w"));
  assert_int_equal(credo_backup_stream(f->db, to_file, &s, &size, hex),
                   CREDO_OK);
  fclose(s.f);
  assert_true(size == b.size && s.bytes == b.size && s.chunks >= 1);
  assert_string_equal(hex, b.xxh3_128);
  /* a store of a few MB streams in several chunks; a sink that stops after
   * the first ends the copy midway (EPIPE on LMDB's side) with
   * CREDO_CANCELLED, and the next stream still works */
  assert_int_equal(credo_begin(f->db), CREDO_OK);
  for (int i = 0; i < 6000; i++) {
    char ref[32];
    snprintf(ref, sizeof ref, "bulk-%d", i);
    record(f->db, ORG2, "penalty_general", ref, "2025-02-01", NULL);
  }
  assert_int_equal(credo_commit(f->db), CREDO_OK);
  /* a sink that stops: CREDO_CANCELLED, and the next stream still works */
  s = (sink_state){.stop_after = 1};
  assert_non_null(s.f = fopen(copy, "w"));
  assert_int_equal(credo_backup_stream(f->db, to_file, &s, &size, hex),
                   CREDO_CANCELLED);
  fclose(s.f);
  assert_int_equal(s.chunks, 1);
  assert_non_null(strstr(credo_errmsg(f->db), "stopped after"));
  s = (sink_state){0};
  assert_non_null(s.f = fopen(copy, "w"));
  assert_int_equal(credo_backup_stream(f->db, to_file, &s, &size, NULL),
                   CREDO_OK);
  fclose(s.f);
  assert_true(s.bytes == size && size > 2 * b.size && s.chunks > 4);
  /* refusals: no sink, inside a transaction, not admin */
  assert_int_equal(credo_backup_stream(f->db, NULL, NULL, NULL, NULL),
                   CREDO_INVALID);
  assert_int_equal(credo_begin(f->db), CREDO_OK);
  assert_int_equal(credo_backup_stream(f->db, to_file, &s, NULL, NULL),
                   CREDO_TXN);
  assert_int_equal(credo_rollback(f->db), CREDO_OK);
  assert_int_equal(credo_set_user(f->db, "ana", CREDO_ROLE_ANALYST), CREDO_OK);
  assert_int_equal(credo_backup_stream(f->db, to_file, &s, NULL, NULL),
                   CREDO_DENIED);
  unlink(copy);
  free(copy);
}

/* --------------------------------------------------------------- check */

static void test_check_clean(void **state) {
  char *dir = th_tmpdir("ops-c");
  credo *db = open_store(dir);
  credo_check_report rep;
  th_clock clk;
  lines l = {0};

  assert_int_equal(credo_check(db, collect, &l, &rep), CREDO_OK);
  assert_int_equal(rep.events, 0);
  credo_set_clock(db, th_clock_fn, &clk);
  populate(db, &clk);
  assert_int_equal(credo_check(db, collect, &l, &rep), CREDO_OK);
  print_lines(&l);
  assert_int_equal(l.n, 0);
  assert_int_equal(rep.problems, 0);
  assert_int_equal(rep.events, 4);
  assert_int_equal(rep.versions, 7);
  assert_int_equal(rep.subjects, 3);
  assert_int_equal(rep.types, 2);
  /* 4 subj + 4 source + type entries 4 + until entries 4 + 1 (repair) */
  assert_int_equal(rep.index_entries, 17);
  credo_close(db);
  th_rmdir(dir);
}

/* Runs `fn` on the store's raw tables in one write transaction. */
static void raw_edit(const char *dir, void (*fn)(stor_txn *t)) {
  stor_env *env = NULL;
  stor_txn *t = NULL;
  assert_int_equal(stor_open(dir, NULL, &env, NULL, 0), CREDO_OK);
  assert_int_equal(stor_txn_begin(env, 1, &t), CREDO_OK);
  fn(t);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
  stor_close(env);
}

/* Event 1 is ORG's penalty; event 4 PERSON's. */
static void break_indexes(stor_txn *t) {
  stor_key k;
  stor_key_init(&k);
  stor_key_str(&k, ORG);
  stor_key_u64(&k, 1);
  assert_int_equal(stor_del(t, STOR_SUBJ_EVENTS, stor_key_val(&k)), CREDO_OK);
  stor_key_init(&k);
  stor_key_u32(&k, 1);
  stor_key_u64(&k, 99);
  assert_int_equal(
      stor_put(t, STOR_TYPE_EVENTS, stor_key_val(&k), (stor_val){"", 0}),
      CREDO_OK);
}

static void test_check_broken_index(void **state) {
  char *dir = th_tmpdir("ops-b");
  credo *db = open_store(dir);
  credo_check_report rep;
  th_clock clk;
  lines l = {0};

  credo_set_clock(db, th_clock_fn, &clk);
  populate(db, &clk);
  credo_close(db);
  raw_edit(dir, break_indexes);
  db = open_store(dir);
  assert_int_equal(credo_check(db, collect, &l, &rep), CREDO_CORRUPT);
  print_lines(&l);
  assert_true(
      has_line(&l, "subj_events: missing entry (\"" ORG "\", event 1)", NULL));
  assert_true(has_line(&l,
                       "type_events: entry (type 1, event 99) points to "
                       "a missing event",
                       NULL));
  /* the table counts no longer agree */
  assert_true(
      has_line(&l, "events: 4 events, but subj_events has 3 entries", NULL));
  assert_int_equal(rep.problems, (uint64_t)l.n);
  assert_int_equal(l.n, 3);
  credo_close(db);
  th_rmdir(dir);
}

static void drop_version_and_meta(stor_txn *t) {
  stor_key k;
  stor_cursor *c = NULL;
  stor_val key;
  /* the first superseded version of event 1 (its v1) */
  assert_int_equal(stor_cursor_open(t, STOR_VERSIONS, &c), CREDO_OK);
  assert_int_equal(stor_cursor_first(c, &key, NULL), CREDO_OK);
  unsigned char buf[20];
  memcpy(buf, key.data, 20);
  stor_cursor_close(c);
  assert_int_equal(stor_del(t, STOR_VERSIONS, (stor_val){buf, 20}), CREDO_OK);
  stor_key_init(&k);
  stor_key_u64(&k, 2); /* next_event below existing ids */
  assert_int_equal(
      stor_put(t, STOR_META, (stor_val){"next_event", 10}, stor_key_val(&k)),
      CREDO_OK);
}

static void test_check_versions_and_meta(void **state) {
  char *dir = th_tmpdir("ops-m");
  credo *db = open_store(dir);
  th_clock clk;
  lines l = {0};

  credo_set_clock(db, th_clock_fn, &clk);
  populate(db, &clk);
  credo_close(db);
  raw_edit(dir, drop_version_and_meta);
  db = open_store(dir);
  assert_int_equal(credo_check(db, collect, &l, NULL), CREDO_CORRUPT);
  print_lines(&l);
  assert_true(has_line(&l,
                       "versions: event 1 has version 2 where 1 was "
                       "expected",
                       NULL));
  assert_true(has_line(&l, "meta: next_event is 2, but event 4 exists", NULL));
  credo_close(db);
  th_rmdir(dir);
}

/* ------------------------------------------------ history dump, restore */

/* A deep copy of one dump item. */
typedef struct item {
  int kind;
  credo_type_info t;
  credo_subject_info s;
  credo_event e;
} item;

typedef struct items {
  item *v;
  int n;
} items;

static char *dup_s(const char *s) {
  return s ? strdup(s) : NULL;
}

static int keep_item(const credo_dump_item *it, void *arg) {
  items *all = arg;
  item *x;
  all->v = realloc(all->v, (size_t)(all->n + 1) * sizeof *all->v);
  x = &all->v[all->n++];
  memset(x, 0, sizeof *x);
  x->kind = it->kind;
  if (it->type) {
    x->t = *it->type;
    x->t.name = dup_s(it->type->name);
  } else if (it->subject) {
    x->s = *it->subject;
    x->s.id = dup_s(it->subject->id);
    x->s.name = dup_s(it->subject->name);
  } else {
    x->e = *it->version;
    x->e.subject = dup_s(x->e.subject);
    x->e.type = dup_s(x->e.type);
    x->e.source = dup_s(x->e.source);
    x->e.ref = dup_s(x->e.ref);
    x->e.data = dup_s(x->e.data);
    x->e.actor = dup_s(x->e.actor);
    x->e.reason = dup_s(x->e.reason);
  }
  return 0;
}

static void free_items(items *all) {
  for (int i = 0; i < all->n; i++) {
    item *x = &all->v[i];
    free((char *)x->t.name);
    free((char *)x->s.id);
    free((char *)x->s.name);
    free((char *)x->e.subject);
    free((char *)x->e.type);
    free((char *)x->e.source);
    free((char *)x->e.ref);
    free((char *)x->e.data);
    free((char *)x->e.actor);
    free((char *)x->e.reason);
  }
  free(all->v);
}

/* Replays the items in transactions of `batch`; counts created ones. */
static int replay(credo *db, const items *all, int batch) {
  int made = 0, created;
  for (int i = 0; i < all->n; i++) {
    const item *x = &all->v[i];
    int rc;
    if (i % batch == 0)
      assert_int_equal(credo_begin(db), CREDO_OK);
    if (x->kind == CREDO_DUMP_TYPE)
      rc = credo_restore_type(db, &x->t, &created);
    else if (x->kind == CREDO_DUMP_SUBJECT)
      rc = credo_restore_subject(db, &x->s, &created);
    else
      rc = credo_restore_version(db, &x->e, &created);
    if (rc != CREDO_OK)
      fail_msg("item %d: %s", i, credo_errmsg(db));
    made += created;
    if (i % batch == batch - 1 || i == all->n - 1)
      assert_int_equal(credo_commit(db), CREDO_OK);
  }
  return made;
}

static int history_text(const credo_event *e, void *arg) {
  return append_event(e, arg);
}

static void test_history_roundtrip(void **state) {
  char *a = th_tmpdir("ops-ha"), *b = th_tmpdir("ops-hb");
  credo *src = open_store(a), *dst = open_store(b);
  credo_stats s1, s2;
  items all = {0}, again = {0};
  th_clock clk;

  credo_set_clock(src, th_clock_fn, &clk);
  populate(src, &clk);
  assert_int_equal(credo_dump_history(src, keep_item, &all), CREDO_OK);
  assert_int_equal(all.n, 2 + 3 + 7);
  for (int i = 1; i < all.n; i++) /* transaction-time order */
    assert_true(all.v[i - 1].e.recorded + all.v[i - 1].s.created +
                    all.v[i - 1].t.created <=
                all.v[i].e.recorded + all.v[i].s.created + all.v[i].t.created);
  assert_int_equal(replay(dst, &all, 3), all.n);
  assert_int_equal(credo_get_stats(src, &s1), CREDO_OK);
  assert_int_equal(credo_get_stats(dst, &s2), CREDO_OK);
  assert_int_equal(s1.events, s2.events);
  assert_int_equal(s1.versions, s2.versions);
  assert_int_equal(s1.last_recorded, s2.last_recorded);
  for (uint64_t id = 1; id <= s1.events; id++) {
    text h1 = {calloc(1, 1), 0}, h2 = {calloc(1, 1), 0};
    assert_int_equal(credo_event_history(src, id, history_text, &h1), CREDO_OK);
    assert_int_equal(credo_event_history(dst, id, history_text, &h2), CREDO_OK);
    assert_string_equal(h1.s, h2.s);
    free(h1.s);
    free(h2.s);
  }
  assert_int_equal(credo_dump_history(dst, keep_item, &again), CREDO_OK);
  assert_int_equal(again.n, all.n);
  for (int i = 0; i < all.n; i++) {
    assert_int_equal(all.v[i].t.created, again.v[i].t.created);
    assert_int_equal(all.v[i].t.id, again.v[i].t.id);
    assert_int_equal(all.v[i].s.created, again.v[i].s.created);
    assert_int_equal(all.v[i].e.id, again.v[i].e.id);
  }
  compare_as_of(src, dst, s1.last_recorded);
  assert_int_equal(credo_check(dst, NULL, NULL, NULL), CREDO_OK);
  /* idempotent: replaying everything again adds nothing */
  assert_int_equal(replay(dst, &all, 5), 0);
  /* the ordinary write that follows is later than everything restored */
  uint64_t id;
  record(dst, ORG, "licence", "after-restore", "2025-08-01", &id);
  assert_int_equal(id, s1.events + 1);
  credo_event ev;
  assert_int_equal(credo_get_event(dst, id, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                   CREDO_READ_HIDDEN, &ev),
                   CREDO_OK);
  assert_true(ev.recorded > s1.last_recorded);
  free_items(&again);
  free_items(&all);
  credo_close(src);
  credo_close(dst);
  th_rmdir(a);
  th_rmdir(b);
}

static void test_restore_rules(void **state) {
  char *a = th_tmpdir("ops-ra"), *b = th_tmpdir("ops-rb");
  credo *src = open_store(a), *dst = open_store(b);
  items all = {0};
  th_clock clk;
  int created;

  credo_set_clock(src, th_clock_fn, &clk);
  populate(src, &clk);
  assert_int_equal(credo_dump_history(src, keep_item, &all), CREDO_OK);
  /* items 0-4: types and subjects; 5..: versions */
  for (int i = 0; i < 5; i++)
    assert_true(all.v[i].kind != CREDO_DUMP_VERSION);
  replay(dst, &(items){all.v, 5}, 10);
  /* a version 2 before its version 1 */
  item *v1 = NULL, *v2 = NULL;
  for (int i = 5; i < all.n; i++) {
    if (all.v[i].e.id == 1 && all.v[i].e.version == 1)
      v1 = &all.v[i];
    if (all.v[i].e.id == 1 && all.v[i].e.version == 2)
      v2 = &all.v[i];
  }
  assert_non_null(v1);
  assert_non_null(v2);
  assert_int_equal(credo_restore_version(dst, &v2->e, &created), CREDO_INVALID);
  assert_int_equal(credo_restore_version(dst, &v1->e, &created), CREDO_OK);
  assert_int_equal(created, 1);
  /* the same version with other content is a conflict */
  credo_event other = v1->e;
  other.data = "{\"amount_wan\":99}";
  assert_int_equal(credo_restore_version(dst, &other, &created),
                   CREDO_CONFLICT);
  /* going back in transaction time is refused */
  other = v2->e;
  other.recorded = v1->e.recorded - 1;
  assert_int_equal(credo_restore_version(dst, &other, &created), CREDO_RANGE);
  /* not in a transaction that made ordinary writes */
  assert_int_equal(credo_begin(dst), CREDO_OK);
  assert_int_equal(credo_create_subject(dst, "x-1", CREDO_KIND_OTHER, NULL),
                   CREDO_OK);
  assert_int_equal(credo_restore_version(dst, &v2->e, &created), CREDO_TXN);
  assert_int_equal(credo_rollback(dst), CREDO_OK);
  /* admin only */
  assert_int_equal(credo_set_user(dst, "rec", CREDO_ROLE_RECORDER), CREDO_OK);
  assert_int_equal(credo_restore_version(dst, &v2->e, &created), CREDO_DENIED);
  free_items(&all);
  credo_close(src);
  credo_close(dst);
  th_rmdir(a);
  th_rmdir(b);
}

/* ---------------------------------------------------------- progress */

typedef struct prog {
  int calls;
  char phases[64];
} prog;

static int on_progress(void *arg, const char *phase, uint64_t done,
                       uint64_t total) {
  prog *p = arg;
  p->calls++;
  if (!strstr(p->phases, phase))
    strncat(p->phases, phase, sizeof p->phases - strlen(p->phases) - 2);
  return 0;
}

static void test_backup_progress(void **state) {
  char *dir = th_tmpdir("ops-p"), *out = th_tmpdir("ops-pb");
  char *dest = path_in(out, "b");
  credo *db = open_store(dir);
  th_clock clk;
  prog p = {0};

  credo_set_clock(db, th_clock_fn, &clk);
  populate(db, &clk);
  assert_int_equal(credo_backup(db, dest, on_progress, &p), CREDO_OK);
  assert_true(p.calls > 0);
  assert_non_null(strstr(p.phases, "checksum"));
  assert_int_equal(credo_verify(dest, NULL, NULL, NULL), CREDO_OK);
  credo_close(db);
  free(dest);
  th_rmdir(out);
  th_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_backup_under_load_restore_as_of),
      cmocka_unit_test_setup_teardown(test_verify_flipped_byte, bfx_setup,
                                      bfx_teardown),
      cmocka_unit_test_setup_teardown(test_verify_truncated, bfx_setup,
                                      bfx_teardown),
      cmocka_unit_test_setup_teardown(test_verify_manifest, bfx_setup,
                                      bfx_teardown),
      cmocka_unit_test_setup_teardown(test_backup_and_restore_refusals,
                                      bfx_setup, bfx_teardown),
      cmocka_unit_test_setup_teardown(test_backup_stream, bfx_setup,
                                      bfx_teardown),
      cmocka_unit_test(test_check_clean),
      cmocka_unit_test(test_check_broken_index),
      cmocka_unit_test(test_check_versions_and_meta),
      cmocka_unit_test(test_history_roundtrip),
      cmocka_unit_test(test_restore_rules),
      cmocka_unit_test(test_backup_progress),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
