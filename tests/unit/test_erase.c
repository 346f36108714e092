/*
 * test_erase.c -- erasure and retention (issue 17), through the public API:
 *   1. ERASE EVENT / ERASE SUBJECT remove every version's content; the
 *      tombstone shows in HISTORY and SHOW ERASURES; counts and AS OF no
 *      longer include the event; admin only; a REASON is required;
 *   2. RETAIN per type: retain_until, WHERE on it, credo_purge in batches
 *      with progress and tombstones of cause retention;
 *   3. after credo_vacuum, neither data.mdb, nor a backup taken afterwards,
 *      nor the history dump holds the erased subject id, name or ref (the
 *      file is searched byte by byte); vacuum refuses a store open in
 *      another process;
 *   4. a backup older than the erasure, restored, is erased again by
 *      credo_apply_erasures (idempotent; refused from an unrelated store);
 *   5. a resend of an erased (source, ref, subject), by RECORD or by a
 *      restore of the dump, is refused "erased on ... (reason)"; a new
 *      event for the subject is accepted.
 * Each test has a fresh store and a fixed clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "credo.h"
#include "stor.h" /* only to damage a ledger for the check test */
#include "th_store.h"

#define PERSON "11010519491231002X"
#define NAME "王秘密ZHANG_SECRET_NAME"
#define NAME2 "RENAMED_SECRET_NAME"
#define REF "REF-SECRET-2025-017"
#define ORG "91350100M000100Y43"

typedef th_fx fx; /* the shared store fixture (th_store.h) */

static int setup(void **state) {
  *state = th_fx_open(
      "erase", "2026-05-01T10:00:00Z",
      "CREATE TYPE penalty PUBLICITY 1 YEAR REPAIRABLE AFTER 3 MONTHS "
      "RETAIN 5 YEARS;"
      "CREATE TYPE minor NOT PUBLISHED RETAIN 1 YEAR;"
      "CREATE TYPE licence POSITIVE PUBLICITY OPEN RETAIN 1 YEAR;"
      "CREATE SUBJECT '" PERSON "' KIND person NAME '" NAME "';"
      "CREATE SUBJECT '" ORG "' KIND org NAME '厦门鹭江海运有限公司';"
      "RECORD penalty FOR '" PERSON "' OCCURRED '2020-03-01' "
      "SOURCE 'xm-amr' REF '" REF "' DATA {\"amount\": 5};"
      "CORRECT EVENT 1 SET data = {\"amount\": 6, \"note\": \"NOTE_SECRET\"} "
      "REASON 'typo in amount';"
      "RECORD penalty FOR '" PERSON "' OCCURRED '2025-09-01' "
      "SOURCE 'xm-tax' REF 'TAX-SECRET-9';"
      "RECORD penalty FOR '" ORG "' OCCURRED '2020-03-01' "
      "SOURCE 'xm-amr' REF 'ORG-KEEP-1';");
  return 0;
}

/* 1 when `file` holds any of the erased person's id, name or refs. */
static int file_holds_secret(const char *file) {
  static const char *const needles[] = {PERSON, NAME,           NAME2,
                                        REF,    "TAX-SECRET-9", "NOTE_SECRET"};
  FILE *fp = fopen(file, "rb");
  char *buf;
  long n;
  int found = 0;
  assert_non_null(fp);
  fseek(fp, 0, SEEK_END);
  n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  buf = malloc((size_t)n + 1);
  assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
  fclose(fp);
  for (size_t i = 0; i < sizeof needles / sizeof *needles; i++)
    if (memmem(buf, (size_t)n, needles[i], strlen(needles[i])))
      found = 1;
  free(buf);
  return found;
}

static char *path_in(const char *dir, const char *file) {
  static char p[4096];
  snprintf(p, sizeof p, "%s/%s", dir, file);
  return p;
}

/* ---------------------------------------------------------- 1. ERASE */

static void erase_event_leaves_tombstone(void **state) {
  fx *f = *state;
  credo_event ev;
  f->clk.now = th_t("2026-06-01T00:00:00Z");
  th_ok(f->db, "ERASE EVENT 1 REASON 'PIPL Art. 47 request 2026-118';");
  th_expect(f->db, "HISTORY OF EVENT 1;",
            "1|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|"
            "2026-06-01T00:00:00+00:00|local|NULL|erase|"
            "PIPL Art. 47 request 2026-118\n");
  assert_int_equal(credo_get_event(f->db, 1, CREDO_TIME_NOW, CREDO_TIME_NOW,
                                   CREDO_READ_HIDDEN, &ev),
                   CREDO_NOTFOUND);
  assert_non_null(strstr(credo_errmsg(f->db),
                         "event 1 was erased on 2026-06-01 (PIPL Art. 47"));
  /* counts, aggregates and every AS OF instant leave it out */
  th_expect(f->db, "SELECT count(*) FROM events INCLUDE HIDDEN;", "2\n");
  th_expect(f->db,
            "SELECT id FROM events AS OF '2026-05-30' INCLUDE HIDDEN "
            "INCLUDE RETRACTED;",
            "2\n3\n");
  th_expect(f->db,
            "SELECT subject, count(*) FROM events INCLUDE HIDDEN GROUP BY "
            "subject ORDER BY subject;",
            PERSON "|1\n" ORG "|1\n");
  th_expect(f->db, "SHOW ERASURES;",
            "1|event|2026-06-01T00:00:00+00:00|local|PIPL Art. 47 request "
            "2026-118\n");
  assert_int_equal(credo_check(f->db, NULL, NULL, NULL), CREDO_OK);
  /* a second erasure says when the first one was */
  th_fails(f->db, "ERASE EVENT 1 REASON 'again';", CREDO_NOTFOUND,
           "event 1 was erased on 2026-06-01");
  th_fails(f->db, "ERASE EVENT 99 REASON 'x';", CREDO_NOTFOUND,
           "event 99 not found");
}

static void erase_admin_only_with_reason(void **state) {
  fx *f = *state;
  th_fails(f->db, "ERASE EVENT 1;", CREDO_SYNTAX, "a REASON");
  th_fails(f->db, "ERASE EVENT 1 REASON '';", CREDO_INVALID, "REASON");
  assert_int_equal(credo_erase_event(f->db, 1, NULL), CREDO_INVALID);
  assert_int_equal(credo_set_user(f->db, "rep", CREDO_ROLE_REPAIRER), CREDO_OK);
  th_fails(f->db, "ERASE EVENT 1 REASON 'x';", CREDO_DENIED, "erase");
  th_fails(f->db, "ERASE SUBJECT '" PERSON "' REASON 'x';", CREDO_DENIED,
           "erase");
  th_fails(f->db, "SHOW ERASURES;", CREDO_OK, "");
  assert_int_equal(credo_set_user(f->db, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  th_fails(f->db, "SHOW ERASURES;", CREDO_DENIED, "erasures");
  assert_int_equal(credo_erase_subject(f->db, PERSON, "x", NULL), CREDO_DENIED);
}

static int found_cb(const credo_subject_info *s, void *arg) {
  (void)s;
  ++*(int *)arg;
  return 0;
}

static void erase_subject_everything(void **state) {
  fx *f = *state;
  uint64_t n = 0;
  int found = 0;
  f->clk.now = th_t("2026-05-02T00:00:00Z");
  assert_int_equal(credo_erase_subject(f->db, PERSON, "court order 7", &n),
                   CREDO_OK);
  assert_int_equal(n, 2);
  th_expect(f->db, "SELECT id, subject FROM events INCLUDE HIDDEN;",
            "3|" ORG "\n");
  th_fails(f->db, "HISTORY OF SUBJECT '" PERSON "';", CREDO_NOTFOUND,
           "unknown subject");
  assert_int_equal(credo_search_subjects(f->db, "SECRET_NAME", NULL, 10,
                                         found_cb, &found, NULL),
                   CREDO_OK);
  assert_int_equal(found, 0);
  th_expect(f->db, "SHOW ERASURES;",
            "1|subject|2026-05-02T00:00:00+00:00|local|court order 7\n"
            "2|subject|2026-05-02T00:00:00+00:00|local|court order 7\n"
            "NULL|subject|2026-05-02T00:00:00+00:00|local|court order 7\n");
  assert_int_equal(credo_check(f->db, NULL, NULL, NULL), CREDO_OK);
  th_fails(f->db, "ERASE SUBJECT '" PERSON "' REASON 'again';", CREDO_NOTFOUND,
           "unknown subject");
  /* the id may be registered again, with a new record */
  th_ok(f->db, "CREATE SUBJECT '" PERSON "' KIND person;"
               "RECORD penalty FOR '" PERSON "' OCCURRED '2026-04-01' "
               "SOURCE 'xm-amr' REF 'NEW-1';");
  th_expect(f->db, "SELECT id FROM events WHERE subject = '" PERSON "';",
            "4\n");
}

/* ------------------------------------------------------ 5. resends */

static void resend_refused_new_event_allowed(void **state) {
  fx *f = *state;
  credo_event v = {.id = 1,
                   .subject = PERSON,
                   .type = "penalty",
                   .occurred = th_t("2020-03-01"),
                   .public_from = th_t("2020-03-01"),
                   .public_until = th_t("2021-03-01"),
                   .source = "xm-amr",
                   .ref = REF,
                   .data = "{}",
                   .version = 1,
                   .recorded = th_t("2030-01-01"),
                   .actor = "import",
                   .op = CREDO_OP_RECORD,
                   .reason = ""};
  f->clk.now = th_t("2026-05-02T00:00:00Z");
  th_ok(f->db, "ERASE EVENT 1 REASON 'request 5';");
  th_fails(f->db,
           "RECORD penalty FOR '" PERSON "' OCCURRED '2020-03-01' "
           "SOURCE 'xm-amr' REF '" REF "';",
           CREDO_REFUSED,
           "this (source, ref, subject) was erased on 2026-05-02 (request 5)");
  /* an import of an old dump cannot bring it back either, by id or key */
  assert_int_equal(credo_restore_version(f->db, &v, NULL), CREDO_REFUSED);
  assert_non_null(strstr(credo_errmsg(f->db), "event 1 was erased on"));
  v.id = 50;
  assert_int_equal(credo_restore_version(f->db, &v, NULL), CREDO_REFUSED);
  assert_non_null(strstr(credo_errmsg(f->db), "(request 5)"));
  /* the same ref for another subject, and a new ref, are new events */
  th_ok(f->db, "RECORD penalty FOR '" ORG "' OCCURRED '2020-03-01' "
               "SOURCE 'xm-amr' REF '" REF "';"
               "RECORD penalty FOR '" PERSON "' OCCURRED '2020-03-01' "
               "SOURCE 'xm-amr' REF 'REF-NEW';");
  th_expect(f->db, "SELECT count(*) FROM events INCLUDE HIDDEN;", "4\n");
}

/* ----------------------------------------------------- 2. retention */

static int count_batches(void *arg, const char *phase, uint64_t done,
                         uint64_t total) {
  uint64_t *calls = arg; /* [0]: how many; [1..7]: done at each */
  (void)total;
  assert_string_equal(phase, "purge");
  if (calls[0] < 7)
    calls[++calls[0]] = done;
  return 0;
}

static void retention_and_purge(void **state) {
  fx *f = *state;
  uint64_t erased = 0, calls[8] = {0};
  f->clk.now = th_t("2026-05-02T00:00:00Z");
  th_ok(f->db, "RECORD minor FOR '" ORG "' OCCURRED '2019-01-01' "
               "SOURCE 'xm-amr' REF 'M-1';"
               "RECORD licence FOR '" ORG "' OCCURRED '2019-01-01' "
               "SOURCE 'xm-amr' REF 'L-1';"
               "REPAIR EVENT 2 EFFECTIVE '2026-01-01' REASON 'rectified';");
  /* public_until + 5 years; repaired: from the repair; NOT PUBLISHED:
   * recorded + 1 year; open window: never */
  th_expect(f->db,
            "SELECT id, retain_until FROM events INCLUDE HIDDEN ORDER BY id;",
            "1|2026-03-01T00:00:00+00:00\n2|2031-01-01T00:00:00+00:00\n"
            "3|2026-03-01T00:00:00+00:00\n"
            "4|2027-05-02T00:00:00+00:00\n5|NULL\n");
  th_expect(f->db,
            "SELECT id FROM events WHERE retain_until < NOW + 30 DAYS "
            "INCLUDE HIDDEN ORDER BY id;",
            "1\n3\n");
  /* two due now, in batches of one: two transactions (two erasure
   * times), two reports */
  assert_int_equal(
      credo_purge(f->db, CREDO_TIME_NOW, 1, count_batches, calls, &erased),
      CREDO_OK);
  assert_int_equal(erased, 2);
  assert_int_equal(calls[0], 2);
  assert_int_equal(calls[1], 1);
  assert_int_equal(calls[2], 2);
  th_expect(f->db, "SELECT id FROM events INCLUDE HIDDEN ORDER BY id;",
            "2\n4\n5\n");
  th_expect(f->db, "SHOW ERASURES;",
            "1|retention|2026-05-02T00:00:00.000003+00:00|local|retention\n"
            "3|retention|2026-05-02T00:00:00.000004+00:00|local|retention\n");
  /* a year later the NOT PUBLISHED record is due too */
  f->clk.now = th_t("2027-06-01T00:00:00Z");
  assert_int_equal(credo_purge(f->db, CREDO_TIME_NOW, 0, NULL, NULL, &erased),
                   CREDO_OK);
  assert_int_equal(erased, 1);
  th_expect(f->db, "SELECT id FROM events INCLUDE HIDDEN ORDER BY id;",
            "2\n5\n");
  assert_int_equal(credo_check(f->db, NULL, NULL, NULL), CREDO_OK);
  /* role and transaction rules */
  th_ok(f->db, "BEGIN;");
  assert_int_equal(credo_purge(f->db, CREDO_TIME_NOW, 0, NULL, NULL, NULL),
                   CREDO_TXN);
  th_ok(f->db, "ROLLBACK;");
  assert_int_equal(credo_set_user(f->db, "a", CREDO_ROLE_ANALYST), CREDO_OK);
  assert_int_equal(credo_purge(f->db, CREDO_TIME_NOW, 0, NULL, NULL, NULL),
                   CREDO_DENIED);
  th_fails(f->db,
           "CREATE TYPE t2 PUBLICITY 1 YEAR RETAIN 1 YEAR RETAIN 2 "
           "YEARS;",
           CREDO_SYNTAX, "duplicate RETAIN");
}

static void erase_in_transaction(void **state) {
  fx *f = *state;
  /* an erasure joins the transaction: rolled back, nothing is erased */
  th_ok(f->db, "BEGIN; ERASE EVENT 1 REASON 'x'; ERASE EVENT 2 REASON 'y';");
  th_expect(f->db, "SELECT count(*) FROM events INCLUDE HIDDEN;", "1\n");
  th_ok(f->db, "ROLLBACK;");
  th_expect(f->db, "SELECT count(*) FROM events INCLUDE HIDDEN;", "3\n");
  th_expect(f->db, "SHOW ERASURES;", "");
  th_expect(f->db, "SELECT data.note FROM events WHERE id = 1 INCLUDE HIDDEN;",
            "NOTE_SECRET\n");
  th_ok(f->db, "BEGIN; ERASE EVENT 1 REASON 'x'; COMMIT;");
  th_expect(f->db, "SELECT count(*) FROM events INCLUDE HIDDEN;", "2\n");
}

/* the lines credo check reports */
typedef struct out {
  char buf[8192];
  size_t n;
} out;

static int add_line(void *arg, const char *line) {
  out *o = arg;
  o->n += (size_t)snprintf(o->buf + o->n, sizeof o->buf - o->n, "%s\n", line);
  return 0;
}

/* credo check reads the ledger: an erased event still present, a bad
 * erased key and a tombstone that does not decode are reported. */
static void check_reports_ledger(void **state) {
  fx *f = *state;
  unsigned char id3[8] = {0, 0, 0, 0, 0, 0, 0, 3},
                id1[8] = {0, 0, 0, 0, 0, 0, 0, 1};
  unsigned char badkey[5] = {9, 1, 2, 3, 4};
  stor_env *env = NULL;
  stor_txn *t = NULL;
  stor_val tomb;
  out o = {.n = 0};
  th_ok(f->db, "ERASE EVENT 1 REASON 'r';");
  assert_int_equal(credo_check(f->db, NULL, NULL, NULL), CREDO_OK);
  credo_close(f->db);
  f->db = NULL;
  assert_int_equal(stor_open(f->dir, NULL, &env, NULL, 0), CREDO_OK);
  assert_int_equal(stor_txn_begin(env, 1, &t), CREDO_OK);
  assert_int_equal(stor_get(t, STOR_ERASURES, (stor_val){id1, 8}, &tomb),
                   CREDO_OK);
  assert_int_equal(stor_put(t, STOR_ERASURES, (stor_val){id3, 8}, tomb),
                   CREDO_OK);
  assert_int_equal(
      stor_put(t, STOR_ERASED_KEYS, (stor_val){badkey, 5}, (stor_val){"x", 1}),
      CREDO_OK);
  assert_int_equal(
      stor_put(t, STOR_ERASURES, (stor_val){id1, 8}, (stor_val){"\x01\x07", 2}),
      CREDO_OK);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
  stor_close(env);
  assert_int_equal(credo_open(f->dir, NULL, &f->db), CREDO_OK);
  assert_int_equal(credo_check(f->db, add_line, &o, NULL), CREDO_CORRUPT);
  assert_non_null(strstr(o.buf, "erasures: event 1: corrupt tombstone"));
  assert_non_null(
      strstr(o.buf, "erasures: event 3 is erased but still in events"));
  assert_non_null(strstr(o.buf, "erased_keys: a key of 5 bytes, kind 9"));
}

static void retain_shown_by_type(void **state) {
  fx *f = *state;
  credo_type_info t;
  assert_int_equal(credo_get_type(f->db, "penalty", &t), CREDO_OK);
  assert_int_equal(t.retain.months, 60);
  assert_int_equal(
      credo_create_type_def(f->db, &(credo_type_def){.name = "bad",
                                                     .publicity = {12, 0},
                                                     .retain = {-1, 0}}),
      CREDO_INVALID);
}

/* ---------------------------------------------- 3. bytes really gone */

static int dump_cb(const credo_dump_item *it, void *arg) {
  const credo_event *v = it->version;
  const credo_subject_info *s = it->subject;
  int *hits = arg;
  if (s && (strstr(s->id, PERSON) || strstr(s->name, "SECRET")))
    ++*hits;
  if (v && (strstr(v->subject, PERSON) || strstr(v->ref, "SECRET") ||
            strstr(v->data, "SECRET")))
    ++*hits;
  return 0;
}

static void vacuum_removes_bytes(void **state) {
  fx *f = *state;
  char *bk = th_tmpdir("erase-bk");
  char err[600];
  int hits = 0;
  /* a rename: the former name is in the name history (subj_names) */
  th_ok(f->db, "ALTER SUBJECT '" PERSON "' NAME '" NAME2 "' REASON 'x';");
  th_ok(f->db, "ERASE SUBJECT '" PERSON "' REASON 'PIPL 47';");
  /* LMDB keeps the freed pages' bytes: without vacuum they are still in
   * the file (this is what the vacuum is for) */
  assert_true(file_holds_secret(path_in(f->dir, "data.mdb")));
  credo_close(f->db);
  f->db = NULL;
  assert_int_equal(credo_vacuum(f->dir, NULL, NULL, err, sizeof err), CREDO_OK);
  assert_false(file_holds_secret(path_in(f->dir, "data.mdb")));
  assert_int_equal(credo_open(f->dir, NULL, &f->db), CREDO_OK);
  assert_int_equal(credo_check(f->db, NULL, NULL, NULL), CREDO_OK);
  th_expect(f->db, "SELECT id FROM events INCLUDE HIDDEN;", "3\n");
  th_expect(f->db, "SELECT count(*) FROM subjects;", "1\n");
  assert_int_equal(credo_backup(f->db, bk, NULL, NULL), CREDO_OK);
  assert_false(file_holds_secret(path_in(bk, "data.mdb")));
  assert_int_equal(credo_dump_history(f->db, dump_cb, &hits), CREDO_OK);
  assert_int_equal(hits, 0);
  /* the ledger survived the rewrite: the resend is still refused */
  th_fails(f->db,
           "CREATE SUBJECT '" PERSON "' KIND person;"
           "RECORD penalty FOR '" PERSON "' OCCURRED '2020-03-01' "
           "SOURCE 'xm-amr' REF '" REF "';",
           CREDO_REFUSED, "(PIPL 47)");
  th_rmdir(bk);
}

static void vacuum_refuses_open_store(void **state) {
  fx *f = *state;
  int to_child[2], to_parent[2];
  char c = 0, err[600];
  pid_t pid;
  /* this process has it open: refused too */
  assert_int_equal(credo_vacuum(f->dir, NULL, NULL, err, sizeof err),
                   CREDO_BUSY);
  assert_non_null(strstr(err, "is open in this process"));
  credo_close(f->db);
  f->db = NULL;
  assert_int_equal(pipe(to_child), 0);
  assert_int_equal(pipe(to_parent), 0);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) { /* another process holding the store open */
    credo *db = NULL;
    int ok = credo_open(f->dir, NULL, &db) == CREDO_OK;
    (void)!write(to_parent[1], ok ? "o" : "x", 1);
    (void)!read(to_child[0], &c, 1);
    credo_close(db);
    _exit(0);
  }
  assert_int_equal(read(to_parent[0], &c, 1), 1);
  assert_int_equal(c, 'o');
  assert_int_equal(credo_vacuum(f->dir, NULL, NULL, err, sizeof err),
                   CREDO_BUSY);
  assert_non_null(strstr(err, "is open in process"));
  assert_int_equal(write(to_child[1], "q", 1), 1);
  assert_int_equal(waitpid(pid, NULL, 0), pid);
  assert_int_equal(credo_vacuum(f->dir, NULL, NULL, err, sizeof err), CREDO_OK);
  assert_int_equal(
      credo_vacuum("/nonexistent/store", NULL, NULL, err, sizeof err),
      CREDO_NOTFOUND);
  for (int i = 0; i < 2; i++) {
    close(to_child[i]);
    close(to_parent[i]);
  }
}

/* ------------------------------------------- 4. backups and restores */

static void restore_applies_ledger(void **state) {
  fx *f = *state;
  char *bk = th_tmpdir("erase-old");
  char *rs = th_tmpdir("erase-restored");
  char *other = th_tmpdir("erase-other");
  credo *r = NULL, *o = NULL;
  uint64_t n = 99;
  /* the backup predates the erasure */
  assert_int_equal(credo_backup(f->db, bk, NULL, NULL), CREDO_OK);
  th_ok(f->db, "ERASE SUBJECT '" PERSON "' REASON 'PIPL 47';"
               "ERASE EVENT 3 REASON 'request 9';");
  th_rmdir(rs);
  rs = th_tmpdir("erase-restored");
  assert_int_equal(credo_restore(bk, rs, NULL, NULL), CREDO_OK);
  assert_int_equal(credo_open(rs, NULL, &r), CREDO_OK);
  th_expect(r, "SELECT count(*) FROM events INCLUDE HIDDEN;", "3\n");
  assert_int_equal(credo_apply_erasures(r, f->dir, &n), CREDO_OK);
  assert_int_equal(n, 3);
  th_expect(r, "SELECT count(*) FROM events INCLUDE HIDDEN;", "0\n");
  th_expect(r, "SELECT id FROM subjects;", ORG "\n");
  th_expect(r, "SELECT count(*) FROM subjects WHERE id = '" PERSON "';", "0\n");
  assert_int_equal(credo_check(r, NULL, NULL, NULL), CREDO_OK);
  th_fails(r,
           "RECORD penalty FOR '" ORG "' OCCURRED '2020-03-01' "
           "SOURCE 'xm-amr' REF 'ORG-KEEP-1';",
           CREDO_REFUSED, "(request 9)");
  /* idempotent */
  assert_int_equal(credo_apply_erasures(r, f->dir, &n), CREDO_OK);
  assert_int_equal(n, 0);
  /* and the file is clean after a vacuum */
  credo_close(r);
  r = NULL;
  assert_true(file_holds_secret(path_in(rs, "data.mdb")));
  assert_int_equal(credo_vacuum(rs, NULL, NULL, NULL, 0), CREDO_OK);
  assert_false(file_holds_secret(path_in(rs, "data.mdb")));
  /* an unrelated store's ledger does not apply */
  assert_int_equal(credo_open(other, NULL, &o), CREDO_OK);
  th_ok(o, "CREATE TYPE p PUBLICITY 1 YEAR; CREATE SUBJECT 'x' KIND other;"
           "RECORD p FOR 'x' OCCURRED '2026-01-01' SOURCE 's' REF 'r';"
           "ERASE EVENT 1 REASON 'mine';");
  assert_int_equal(credo_apply_erasures(o, f->dir, &n), CREDO_CONFLICT);
  assert_int_equal(credo_apply_erasures(o, "/nonexistent", &n), CREDO_NOTFOUND);
  assert_int_equal(credo_apply_erasures(o, other, &n), CREDO_INVALID);
  credo_close(o);
  th_rmdir(bk);
  th_rmdir(rs);
  th_rmdir(other);
}

int main(void) {
  const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, th_fx_teardown)
      T(erase_event_leaves_tombstone), T(erase_admin_only_with_reason),
      T(erase_subject_everything),     T(resend_refused_new_event_allowed),
      T(retention_and_purge),          T(retain_shown_by_type),
      T(erase_in_transaction),         T(check_reports_ledger),
      T(vacuum_removes_bytes),         T(vacuum_refuses_open_store),
      T(restore_applies_ledger),
#undef T
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
