/*
 * fuzz_plan.c -- libFuzzer target for the whole CQL path on a real store:
 * lexer, parser, planner (access path choice, EXPLAIN, type checks) and
 * executor, through the public API (credo_prepare / credo_step).
 *
 * A small store (types, subjects, events with corrections and a repair) is
 * built once in a temporary directory. Each input is run as a script,
 * statement by statement, on a handle with the analyst role, so every
 * statement is planned and reads run, while writes are refused by the
 * engine and the store stays the same from input to input. Rows are
 * stepped (at most 1000 per statement) and every column read as text.
 *
 * Checks the API's contracts: a failing prepare leaves *st NULL and sets a
 * message; the tail never moves backwards or past the end. Any violation
 * aborts (a finding); ASan/UBSan report memory errors and leaks.
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "credo.h"

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "fuzz_plan: check failed: %s (line %d)\n", #cond,        \
              __LINE__);                                                       \
      abort();                                                                 \
    }                                                                          \
  } while (0)

static const char SETUP[] =
    "CREATE TYPE penalty_general PUBLICITY 1 YEAR REPAIRABLE AFTER 3 MONTHS;"
    "CREATE TYPE licence;"
    "CREATE SUBJECT '91350100M000100Y43' KIND org NAME '厦门示例船务有限公司';"
    "CREATE SUBJECT '11010519491231002X' KIND person NAME '张三';"
    "RECORD penalty_general FOR '91350100M000100Y43' OCCURRED '2025-03-01'"
    " SOURCE 'xm-market' REF '厦市监罚〔2025〕12号'"
    " DATA {\"amount_wan\": 0.5, \"tags\": [1, 2]};"
    "RECORD licence FOR '11010519491231002X' OCCURRED '2024-01-01'"
    " SOURCE 'xm-adm' REF 'L-1' DATA {\"scope\": \"food\"};"
    "CORRECT EVENT 1 SET data.amount_wan = 0.8 REASON 'fix';"
    "REPAIR EVENT 1 EFFECTIVE '2025-07-01' REASON 'repair';";

static credo *db;
static char dir[] = "/tmp/credo-fuzz-plan-XXXXXX";

static int rm_one(const char *path, const struct stat *sb, int flag,
                  struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

/* libFuzzer ends with exit(): close the store and remove its directory. */
static void cleanup(void) {
  credo_close(db);
  db = NULL;
  nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void setup(void) {
  credo_options o = {.flags = CREDO_OPEN_NOSYNC};
  CHECK(mkdtemp(dir) != NULL);
  atexit(cleanup);
  CHECK(credo_open(dir, &o, &db) == CREDO_OK);
  if (credo_exec(db, SETUP, NULL, NULL) != CREDO_OK) {
    fprintf(stderr, "fuzz_plan: setup: %s\n", credo_errmsg(db));
    abort();
  }
  CHECK(credo_set_user(db, "fuzz", CREDO_ROLE_ANALYST) == CREDO_OK);
}

static void run(credo_stmt *st) {
  int n = credo_column_count(st), rc, rows = 0;
  CHECK(n >= 0);
  while (rows++ < 1000 && (rc = credo_step(st)) == CREDO_ROW)
    for (int i = 0; i < n; i++) {
      credo_column_text(st, i);
      credo_column_type(st, i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data, *end = p + size, *tail;
  if (!db)
    setup();
  if (size > 4096)
    return 0;
  while (p < end) {
    credo_stmt *st = (credo_stmt *)1;
    int rc = credo_prepare(db, p, (int)(end - p), &st, &tail);
    if (rc != CREDO_OK) {
      CHECK(st == NULL);
      CHECK(credo_errmsg(db)[0] != '\0');
      break;
    }
    CHECK(tail >= p && tail <= end);
    if (!st)
      break;
    for (int i = 1; i <= credo_bind_count(st); i++)
      credo_bind_text(st, i, "2025-06-01", -1);
    run(st);
    credo_finalize(st);
    if (tail == p)
      break;
    p = tail;
  }
  credo_set_tz(db, 0);
  if (credo_in_txn(db))
    credo_rollback(db);
  return 0;
}
