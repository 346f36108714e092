/*
 * test_proj_batch.c -- the batch path (engine/exec_batch.c, over the
 * projection of engine/proj.c) answers every grouped query exactly as the
 * row path does. Property test: random records, corrections (data,
 * window, type, occurred), repairs, retractions, erasures, windows that
 * end as the clock moves, at random instants; then a set of report
 * queries (top-k ones too: ties at the LIMIT boundary, ASC / DESC,
 * OFFSET, HAVING, NULL sums, LIMIT 0 or beyond the groups), each run with
 * the batch path on and off (the internal switch eng_batch_enabled) and
 * the answers compared as text, under the latest state, INCLUDE HIDDEN,
 * several VISIBLE AT instants, AS OF instants exactly on, just before and
 * between writes (the overlay of exec_batch_asof.c), inside an open write
 * transaction (unflushed segments), for the public role (persons masked,
 * hidden / ended / repaired records invisible) and after a reopen. The
 * test also asserts that the batch path did answer (eng_batch_answered
 * grows), AS OF included, so that a path that always declines cannot
 * pass; and that it declines when an older version holds a text its
 * dictionary lacks.
 *
 * credo check: clean after all that; a projection row damaged through
 * the storage API is reported, and a rebuild at the next read-write open
 * is not triggered by damage (the check names it). CREDO_TEST_SEED
 * replays a run.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "credo.h"
#include "proj.h" /* the projection's layout: damaged or removed entries */
#include "stor.h"
#include "th_batch.h"
#include "th_store.h"

/* engine/exec_batch.c's internal switches and counter (tests only):
 * the batch path on / off, its number of workers (0: automatic) */

enum { NEVENTS = 2600, NOPS = 400 }; /* ~1,500 events: two segments */

static uint64_t seed, seed0; /* seed0: the run's seed, for messages */
static uint64_t rnd(void) {
  seed ^= seed >> 12;
  seed ^= seed << 25;
  seed ^= seed >> 27;
  return seed * 2685821657736338717ULL;
}
static int pick(int n) {
  return (int)(rnd() % (uint64_t)n);
}

static const char *const SUBJECTS[] = {
    "91350100M000100Y43", "914403001922038216", "11010519491231002X",
    "440524188001010014", "s-other-1",          "s-other-2"};
#define NSUBJ 6

/* data: amounts as INT, DECIMAL, NULL, missing or text (summed: skipped);
 * authority as text (some escaped / non-ASCII), NULL or missing; with
 * `odd`, also shapes the projection stores as OTHER (the batch path must
 * then decline, not answer differently). */
static void random_data(char *buf, size_t n, int odd) {
  static const char *const AUTH[] = {"\"厦门市市场监督管理局\"",
                                     "\"a\\\"b\"",
                                     "null",
                                     "\"\"",
                                     "\"tax\"",
                                     "\"tax\""};
  static const char *const ODD[] = {"{\"k\": 1}", "true", "1e400", "[1]"};
  char amount[64];
  switch (pick(5)) {
  case 0:
    snprintf(amount, sizeof amount, "%d.%02d", pick(100000), pick(100));
    break;
  case 1:
    snprintf(amount, sizeof amount, "%d", pick(1000) - 100);
    break;
  case 2:
    snprintf(amount, sizeof amount, "null");
    break;
  case 3:
    snprintf(amount, sizeof amount, "\"12.5\"");
    break;
  default:
    snprintf(amount, sizeof amount, "0.%d", pick(1000));
  }
  if (odd && pick(8) == 0)
    snprintf(amount, sizeof amount, "%s", ODD[pick(4)]);
  if (pick(6) == 0)
    snprintf(buf, n, "{\"note\": \"none\"}");
  else
    snprintf(buf, n, "{\"amount_wan\": %s, \"authority\": %s}", amount,
             AUTH[pick(6)]);
}

static const char *const QUERIES[] = {
    "SELECT type, count(*) FROM events GROUP BY type ORDER BY type",
    "SELECT source, count(*), sum(data.amount_wan), avg(data.amount_wan) "
    "FROM events WHERE type LIKE 'pen%' AND occurred >= '2025-03-01' "
    "AND occurred < '2025-10-01' GROUP BY source ORDER BY source",
    "SELECT data.authority a, count(*), count(data.amount_wan), "
    "sum(data.amount_wan) FROM events GROUP BY a ORDER BY a",
    "SELECT subject, count(*) n FROM events GROUP BY subject "
    "ORDER BY n DESC, subject LIMIT 3",
    "SELECT substr(subject, 1, 3) d, count(DISTINCT subject), "
    "count(DISTINCT type) FROM events GROUP BY d ORDER BY d",
    "SELECT to_char(date_trunc('month', occurred), 'YYYY-MM') m, type, "
    "count(*) FROM events WHERE public_until > '2025-06-01' GROUP BY m, type "
    "ORDER BY m, type",
    "SELECT count(*), sum(data.amount_wan), count(data.authority) FROM events",
    "SELECT count(*) FROM events WHERE data.authority IS NULL",
    "SELECT count(*), sum(data.amount_wan) FROM events WHERE source = 'none'",
    "SELECT type, count(*) FROM events GROUP BY type HAVING count(*) > 20 "
    "ORDER BY 2 DESC, 1",
    "SELECT public_from < '2025-06-01' early, count(*) FROM events "
    "GROUP BY early ORDER BY early",
    "SELECT source, type, max(occurred) FROM events GROUP BY source, type "
    "ORDER BY source, type",
    "SELECT count(*) FROM events WHERE type = 'pen'",
    /* top-k (exec_batch_topk.c): ~300 days, many tied at the boundary */
    "SELECT occurred, count(*) n FROM events GROUP BY occurred "
    "ORDER BY n DESC, occurred LIMIT 5",
    "SELECT occurred o, count(*) n FROM events GROUP BY o ORDER BY n DESC "
    "LIMIT 7",
    "SELECT occurred, count(*) FROM events GROUP BY occurred ORDER BY 2 "
    "LIMIT 4 OFFSET 3",
    "SELECT occurred, sum(data.amount_wan) s FROM events GROUP BY occurred "
    "ORDER BY s, occurred LIMIT 6",
    "SELECT occurred, sum(data.amount_wan) s FROM events GROUP BY occurred "
    "ORDER BY s DESC LIMIT 6 OFFSET 2",
    "SELECT source, type, avg(data.amount_wan) v FROM events "
    "GROUP BY source, type ORDER BY v DESC, source, type LIMIT 3",
    "SELECT occurred, count(DISTINCT subject) d FROM events GROUP BY occurred "
    "ORDER BY d DESC, occurred LIMIT 3 OFFSET 1",
    "SELECT occurred, count(*) n FROM events GROUP BY occurred "
    "HAVING count(*) > 3 ORDER BY n DESC, occurred LIMIT 4",
    "SELECT occurred, count(*) n FROM events GROUP BY occurred "
    "HAVING count(*) > 6 ORDER BY n DESC, occurred LIMIT 50",
    "SELECT occurred, sum(data.amount_wan) s FROM events GROUP BY occurred "
    "HAVING sum(data.amount_wan) IS NOT NULL AND count(*) < 6 "
    "ORDER BY s LIMIT 4 OFFSET 1",
    "SELECT occurred, count(*) n FROM events GROUP BY occurred "
    "HAVING count(*) * 9223372036854775807 > 1 ORDER BY n DESC, occurred "
    "LIMIT 3",
    "SELECT occurred, count(*) n FROM events GROUP BY occurred "
    "HAVING count(*) > 2 ORDER BY n LIMIT 0",
    "SELECT occurred, count(*) n FROM events GROUP BY occurred "
    "HAVING occurred > '2025-06-01' ORDER BY n DESC, occurred LIMIT 3",
    "SELECT type, count(*) n FROM events GROUP BY type ORDER BY n LIMIT 50",
    "SELECT subject, count(*) FROM events GROUP BY subject ORDER BY 2 LIMIT 0",
    "SELECT occurred, count(*) n FROM events GROUP BY occurred "
    "ORDER BY n DESC, 100 / (n - 1) LIMIT 3",
    "SELECT occurred, count(*) * 2 FROM events GROUP BY occurred "
    "ORDER BY count(*) DESC LIMIT 3 OFFSET 1",
};
#define NQUERIES (sizeof QUERIES / sizeof *QUERIES)

/* Runs every query with `clause` on the row path and on the batch path
 * with one worker and with two (forced, whatever the machine's cores:
 * each takes one of the segments) and compares. */
static void compare_all(credo *db, const char *clause) {
  char sql[1024];
  for (size_t q = 0; q < NQUERIES; q++) {
    snprintf(sql, sizeof sql, "%s %s", QUERIES[q], clause);
    th_batch_compare(db, sql, 2, seed0);
  }
}

/* The clock at each write of phase 1 (AS OF instants exactly on and just
 * before a version's recorded time). */
static credo_time write_at[NEVENTS + NOPS];
static size_t nwrite_at;

static void random_writes(credo *db, th_clock *clk, int *minute, int odd,
                          int n) {
  char sql[1024], data[256];
  int txn = credo_in_txn(db); /* a refused write ends an explicit one */
  for (int i = 0; i < n; i++) {
    if (txn && !credo_in_txn(db))
      th_ok(db, "BEGIN");
    clk->now += 3600LL * 1000000 * (1 + pick(200)); /* up to ~8 days */
    if (nwrite_at < sizeof write_at / sizeof *write_at)
      write_at[nwrite_at++] = clk->now;
    random_data(data, sizeof data, odd);
    int id = 1 + pick(*minute + 1), op = pick(10);
    if (op < 5)
      snprintf(sql, sizeof sql,
               "RECORD %s FOR '%s' OCCURRED '2025-%02d-%02d' SOURCE 'src%d' "
               "REF 'r%d' DATA %s",
               pick(3) == 0 ? "lic"
               : pick(4)    ? "pen"
                            : "minor",
               SUBJECTS[pick(NSUBJ)], 1 + pick(12), 1 + pick(28), pick(3),
               (*minute)++, data);
    else if (op == 5 && pick(5) == 0) /* AS OF patches the type column */
      snprintf(sql, sizeof sql, "CORRECT EVENT %d SET type = %s REASON 'type'",
               id, pick(2) ? "pen" : "minor");
    else if (op == 5 && pick(4) == 0) /* ... and occurred */
      snprintf(sql, sizeof sql,
               "CORRECT EVENT %d SET occurred = '2025-%02d-10' REASON 'date'",
               id, 1 + pick(12));
    else if (op == 5)
      snprintf(sql, sizeof sql, "CORRECT EVENT %d SET data = %s REASON 'fix'",
               id, data);
    else if (op == 6)
      snprintf(sql, sizeof sql,
               "CORRECT EVENT %d SET public_until = '2025-%02d-01' "
               "REASON 'window'",
               id, 2 + pick(10));
    else if (op == 7)
      snprintf(sql, sizeof sql, "REPAIR EVENT %d REASON 'repair'", id);
    else if (op == 8)
      snprintf(sql, sizeof sql, "RETRACT EVENT %d REASON 'error'", id);
    else
      snprintf(sql, sizeof sql, "ERASE EVENT %d REASON 'pipl'", id);
    credo_exec(db, sql, NULL, NULL); /* refusals are part of the game */
  }
}

/* AS OF random instants among the writes (exactly on one: that version
 * included; 1 us before: excluded; between two), before the first and
 * after the last, alone and with INCLUDE HIDDEN / VISIBLE AT; the batch
 * path must answer AS OF (the overlay of exec_batch_asof.c). */
static void compare_as_of(credo *db, int rounds) {
  static const char *const EXTRA[] = {"", "INCLUDE HIDDEN",
                                      "VISIBLE AT '2025-06-15'"};
  char clause[160], at[48];
  unsigned long before = eng_batch_answered;
  for (int r = 0; r < rounds + 2; r++) {
    credo_time t;
    if (r == rounds)
      t = write_at[0] - 86400LL * 1000000; /* before the store's first */
    else if (r == rounds + 1)
      t = write_at[nwrite_at - 1] + 86400LL * 1000000;
    else {
      size_t k = (size_t)pick((int)nwrite_at);
      t = write_at[k] - (r % 3 == 1) - (r % 3 == 2) * 1800LL * 1000000;
    }
    assert_int_equal(credo_time_format(t, 0, at, sizeof at), CREDO_OK);
    snprintf(clause, sizeof clause, "AS OF '%s' %s", at, EXTRA[r % 3]);
    compare_all(db, clause);
  }
  assert_true(eng_batch_answered >= before + 4ul * (unsigned long)(rounds + 2));
}

static int check_cb(void *arg, const char *problem) {
  char *last = arg;
  snprintf(last, 512, "%s", problem);
  return 0;
}

static void check_clean(credo *db) {
  char last[512] = "";
  credo_check_report rep;
  int rc = credo_check(db, check_cb, last, &rep);
  if (rc != CREDO_OK || rep.problems)
    fail_msg("CREDO_TEST_SEED=%" PRIu64 ": check: %d, %llu problems, last: %s",
             seed0, rc, (unsigned long long)rep.problems, last);
}

static void test_batch_equals_rows(void **state) {
  (void)state;
  char *dir = th_tmpdir("projbatch");
  credo *db = NULL, *pub = NULL;
  th_clock clk = {th_t("2025-01-01T08:00:00")};
  int counter = 0;
  char clause[128];
  unsigned long before;
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  credo_set_clock(db, th_clock_fn, &clk);
  th_ok(db, "CREATE TYPE pen PUBLICITY 1 YEAR REPAIRABLE AFTER 0 DAYS;"
            "CREATE TYPE minor NOT PUBLISHED;"
            "CREATE TYPE lic PUBLICITY OPEN POSITIVE");
  for (int s = 0; s < NSUBJ; s++) {
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE SUBJECT '%s' KIND %s NAME 'n%d'",
             SUBJECTS[s],
             s < 2   ? "org"
             : s < 4 ? "person"
                     : "other",
             s);
    th_ok(db, sql);
  }
  /* phase 1: shapes the projection holds: the batch path must answer */
  random_writes(db, &clk, &counter, 0, NEVENTS);
  before = eng_batch_answered;
  compare_all(db, "");
  assert_true(eng_batch_answered > before + NQUERIES / 2);
  compare_all(db, "INCLUDE HIDDEN");
  /* the 1st of a month meets corrected windows' ends exactly */
  for (int k = 0; k < 12; k++) {
    snprintf(clause, sizeof clause, "VISIBLE AT '%d-%02d-%s'", 2025 + k / 6,
             1 + 2 * (k % 6), k % 3 ? "01" : "15");
    compare_all(db, clause);
  }
  compare_as_of(db, 9);
  /* inside a write transaction: segments not yet written */
  th_ok(db, "BEGIN");
  random_writes(db, &clk, &counter, 0, 30);
  compare_all(db, "INCLUDE HIDDEN");
  compare_as_of(db, 1);
  th_ok(db, "ROLLBACK");
  compare_all(db, "");
  /* the public role: persons masked, only what is public now */
  assert_int_equal(credo_dup(db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  before = eng_batch_answered;
  compare_all(pub, "");
  assert_true(eng_batch_answered > before);
  {
    char *a = th_answer(pub, "SELECT subject, count(*) FROM events "
                             "GROUP BY subject ORDER BY 1");
    assert_null(strstr(a, "11010519491231002X")); /* masked */
    free(a);
  }
  credo_close(pub);
  /* phase 2: odd shapes too: the batch path declines where it must */
  random_writes(db, &clk, &counter, 1, NOPS);
  compare_all(db, "");
  compare_all(db, "INCLUDE HIDDEN");
  compare_all(db, "VISIBLE AT '2025-06-15'");
  compare_as_of(db, 3);
  check_clean(db);
  credo_close(db);
  /* after a reopen, from the stored segments only */
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  credo_set_clock(db, th_clock_fn, &clk);
  compare_all(db, "INCLUDE HIDDEN");
  check_clean(db);
  credo_close(db);
  th_rmdir(dir);
}

/* The last line of EXPLAIN for sql contains `want`. */
static void explain_says(credo *db, const char *sql, const char *want,
                         int yes) {
  char q[512];
  snprintf(q, sizeof q, "EXPLAIN %s", sql);
  char *a = th_answer(db, q), *last = a + strlen(a);
  while (last > a && last[-1] == '\n')
    *--last = 0;
  last = strrchr(a, '\n') ? strrchr(a, '\n') + 1 : a;
  if ((strstr(last, want) != NULL) != yes)
    fail_msg("%s\n  last line: %s\n  %s: %s", sql, last,
             yes ? "expected" : "not expected", want);
  free(a);
}

/* Top-k emission is taken where it can be and not where it must not be
 * (its answers are compared with the row path's in the property test). */
static void test_topk_plan(void **state) {
  (void)state;
  static const char *const TAKEN[] = {
      "SELECT subject, count(*) n FROM events GROUP BY subject "
      "ORDER BY n DESC, subject LIMIT 10",
      "SELECT type, sum(data.amount_wan) FROM events GROUP BY type "
      "ORDER BY 2 LIMIT 1 OFFSET 2",
      "SELECT subject, count(*) n FROM events GROUP BY subject "
      "HAVING count(*) > 1 AND sum(data.amount_wan) IS NOT NULL "
      "ORDER BY n DESC LIMIT 10"}; /* HAVING over aggregates only */
  static const char *const NOT_TAKEN[] = {
      "SELECT subject, count(*) n FROM events GROUP BY subject "
      "ORDER BY n DESC, subject", /* no LIMIT */
      "SELECT subject, count(*) n FROM events GROUP BY subject "
      "HAVING subject <> 'x' ORDER BY n DESC LIMIT 10", /* HAVING: a key */
      "SELECT subject, count(*) n FROM events GROUP BY subject "
      "ORDER BY subject LIMIT 10", /* first key not an aggregate */
      "SELECT subject, count(*) + 1 FROM events GROUP BY subject "
      "ORDER BY count(*) LIMIT 10", /* an output that may fail */
      "SELECT DISTINCT count(*) n FROM events GROUP BY subject "
      "ORDER BY n LIMIT 10"};
  char *dir = th_tmpdir("projtopk");
  credo *db = NULL;
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  th_ok(db, "CREATE TYPE pen PUBLICITY 1 YEAR");
  for (size_t i = 0; i < sizeof TAKEN / sizeof *TAKEN; i++)
    explain_says(db, TAKEN[i], "only the groups that can reach LIMIT", 1);
  for (size_t i = 0; i < sizeof NOT_TAKEN / sizeof *NOT_TAKEN; i++)
    explain_says(db, NOT_TAKEN[i], "only the groups that can reach LIMIT", 0);
  credo_close(db);
  th_rmdir(dir);
}

/* AS OF an instant whose version holds a data text the dictionary does
 * not (a projection rebuilt since keeps only the latest versions' texts;
 * here the entry is removed through the storage API): the batch path
 * declines and the row path gives the answer, the same as with the batch
 * path off. */
static void test_asof_declines_unknown_text(void **state) {
  (void)state;
  static const char *const Q =
      "SELECT data.authority a, count(*) FROM events GROUP BY a ORDER BY a "
      "AS OF '2025-06-01T09:00:00'";
  char *dir = th_tmpdir("projasof");
  credo *db = NULL;
  th_clock clk = {th_t("2025-06-01T08:00:00")};
  stor_env *env = NULL;
  stor_txn *t = NULL;
  stor_key k;
  unsigned long before;
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  credo_set_clock(db, th_clock_fn, &clk);
  th_ok(db, "CREATE TYPE pen PUBLICITY 1 YEAR;"
            "CREATE SUBJECT 's1' KIND other NAME 'one';"
            "RECORD pen FOR 's1' OCCURRED '2025-05-01' SOURCE 'a' REF 'r1' "
            "DATA {\"authority\": \"gone\"}");
  clk.now = th_t("2025-06-01T10:00:00");
  th_ok(db, "CORRECT EVENT 1 SET data = {\"authority\": \"kept\"} "
            "REASON 'fix'");
  credo_close(db);
  assert_int_equal(stor_open(dir, NULL, &env, NULL, 0), CREDO_OK);
  assert_int_equal(stor_txn_begin(env, 1, &t), CREDO_OK);
  stor_key_init(&k);
  k.buf[0] = ENG_PROJ_K_DICT;
  k.buf[1] = ENG_PROJ_D_FIELD0 + ENG_PROJ_F_AUTHORITY;
  k.len = 2;
  stor_key_str(&k, "gone");
  assert_int_equal(stor_del(t, STOR_PROJ, stor_key_val(&k)), CREDO_OK);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
  stor_close(env);
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  eng_batch_enabled = 0;
  char *rows = th_answer(db, Q);
  eng_batch_enabled = 1;
  before = eng_batch_answered;
  char *batch = th_answer(db, Q);
  assert_int_equal(eng_batch_answered, before); /* declined */
  assert_string_equal(rows, "gone|1\n");
  assert_string_equal(batch, rows);
  free(rows);
  free(batch);
  credo_close(db);
  th_rmdir(dir);
}

/* Rewrites segment 0 of the store in dir through the storage API (which
 * reseals the storage checksum): `edit` changes its full-width columns
 * (then re-encoded) or, when NULL, byte `flip` of the stored value is
 * flipped (a column's own sum then fails). */
static void damage_seg0(const char *dir, void (*edit)(eng_proj_seg *),
                        int flip_col) {
  stor_env *env = NULL;
  stor_txn *t = NULL;
  stor_key k;
  stor_val v;
  eng_proj_seg s = {0};
  unsigned char *wide = aligned_alloc(8, ENG_PROJ_SCRATCH),
                *enc = malloc(ENG_PROJ_ENC_MAX);
  size_t len;
  assert_true(wide && enc);
  assert_int_equal(stor_open(dir, NULL, &env, NULL, 0), CREDO_OK);
  assert_int_equal(stor_txn_begin(env, 1, &t), CREDO_OK);
  stor_key_init(&k);
  k.buf[0] = 'S';
  k.len = 1;
  stor_key_u64(&k, 0);
  assert_int_equal(stor_get(t, STOR_PROJ, stor_key_val(&k), &v), CREDO_OK);
  len = v.len;
  if (edit) {
    assert_int_equal(
        eng_proj_decode(v.data, v.len, ENG_PROJ_ALL, &s, wide, NULL), CREDO_OK);
    edit(&s);
    len = eng_proj_encode(&s, enc);
  } else {
    /* the blob of flip_col: its directory entry (docs/storage.md) */
    const unsigned char *d = (const unsigned char *)v.data + ENG_PROJ_HDR_LEN +
                             ENG_PROJ_DIR_LEN * flip_col;
    uint32_t off;
    memcpy(&off, d + ENG_PROJ_D_OFF, sizeof off);
    /* it has a blob */
    assert_int_not_equal(d[ENG_PROJ_D_ENC], ENG_PROJ_ENC_CONST);
    memcpy(enc, v.data, v.len);
    enc[off + 1] ^= 0x40;
  }
  assert_int_equal(
      stor_put(t, STOR_PROJ, stor_key_val(&k), (stor_val){enc, len}), CREDO_OK);
  assert_int_equal(stor_txn_commit(t), CREDO_OK);
  stor_close(env);
  free(wide);
  free(enc);
}

static void shift_occurred(eng_proj_seg *s) {
  s->occurred[2] += 1000000;
  eng_proj_seg_stats(s); /* only the row disagrees */
}

/* Undoes shift_occurred, but leaves the header's greatest recorded
 * behind its rows (AS OF skips segments by it). */
static void stale_rec_max(eng_proj_seg *s) {
  s->occurred[2] -= 1000000;
  eng_proj_seg_stats(s);
  s->rec_max -= 1;
}

/* A projection row that disagrees with its event is reported by credo
 * check, naming the event and the column; zone maps that disagree with
 * the rows are reported; a column whose bytes are
 * damaged is named by segment and column, the batch path declines and
 * the row path answers; the next write into that segment makes its rows
 * again from the events. */
static void test_check_reports_damage(void **state) {
  (void)state;
  char *dir = th_tmpdir("projdamage");
  credo *db = NULL;
  th_clock clk = {th_t("2025-06-01T08:00:00")};
  char last[512] = "";
  credo_check_report rep;
  const char *q = "SELECT occurred, count(*) FROM events GROUP BY occurred "
                  "ORDER BY occurred";
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  credo_set_clock(db, th_clock_fn, &clk);
  th_ok(db, "CREATE TYPE pen PUBLICITY 1 YEAR;"
            "CREATE SUBJECT 's1' KIND other NAME 'one';"
            "RECORD pen FOR 's1' OCCURRED '2025-05-01' SOURCE 'a' REF 'r1' "
            "DATA {\"amount_wan\": 3.5};"
            "RECORD pen FOR 's1' OCCURRED '2025-05-02' SOURCE 'a' REF 'r2' "
            "DATA {\"amount_wan\": 4}");
  check_clean(db);
  eng_batch_enabled = 0;
  char *rows = th_answer(db, q);
  eng_batch_enabled = 1;
  credo_close(db);
  damage_seg0(dir, shift_occurred, 0);
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  assert_int_equal(credo_check(db, check_cb, last, &rep), CREDO_CORRUPT);
  assert_int_equal(rep.problems, 1);
  assert_string_equal(last, "projection: event 2's row differs from its "
                            "latest version (occurred / public window)");
  credo_close(db);
  damage_seg0(dir, stale_rec_max, 0);
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  assert_int_equal(credo_check(db, check_cb, last, &rep), CREDO_CORRUPT);
  assert_int_equal(rep.problems, 1);
  assert_string_equal(last,
                      "projection: segment 0's zone maps differ from its rows");
  credo_close(db);
  /* a flipped byte in the occurred column's blob */
  damage_seg0(dir, NULL, ENG_PROJ_COL_OCCURRED);
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  credo_set_clock(db, th_clock_fn, &clk);
  assert_int_equal(credo_check(db, check_cb, last, &rep), CREDO_CORRUPT);
  assert_int_equal(rep.problems, 1);
  assert_string_equal(last, "projection: segment 0 column occurred is "
                            "damaged");
  unsigned long before = eng_batch_answered;
  char *got = th_answer(db, q);
  assert_string_equal(got, rows);
  assert_int_equal(eng_batch_answered, before); /* declined */
  /* a query not reading the damaged column still takes the batch path */
  free(got);
  got = th_answer(db, "SELECT type, count(*) FROM events GROUP BY type");
  assert_string_equal(got, "pen|2\n");
  assert_int_equal(eng_batch_answered, before + 1);
  free(got);
  /* a write into the damaged segment makes its rows again from the
   * events: none is lost, check is clean, both paths agree */
  th_ok(db, "RECORD pen FOR 's1' OCCURRED '2025-05-03' SOURCE 'a' REF 'r3' "
            "DATA {\"amount_wan\": 5}");
  check_clean(db);
  free(rows);
  eng_batch_enabled = 0;
  rows = th_answer(db, q);
  eng_batch_enabled = 1;
  got = th_answer(db, q);
  assert_string_equal(got, rows);
  assert_int_equal(eng_batch_answered, before + 2);
  assert_non_null(strstr(rows, "|1\n"));
  free(got);
  free(rows);
  credo_close(db);
  th_rmdir(dir);
}

int main(void) {
  const char *env = getenv("CREDO_TEST_SEED");
  seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
  if (!seed)
    seed = 1;
  seed0 = seed;
  printf("test_proj_batch: seed %" PRIu64 " (CREDO_TEST_SEED=%" PRIu64
         " replays)\n",
         seed, seed);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_batch_equals_rows),
      cmocka_unit_test(test_check_reports_damage),
      cmocka_unit_test(test_topk_plan),
      cmocka_unit_test(test_asof_declines_unknown_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
