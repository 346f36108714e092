/*
 * test_cql_chains.c -- long flat AND / OR chains and IN lists, end to end
 * through credo_prepare and credo_step (issue 14, item 8): generated
 * queries with 10,000 terms give the right rows, EXPLAIN prints them,
 * and real nesting still meets the "nested too deeply" limit. make test
 * also runs this suite under ASan, where a recursion per term would
 * overflow the stack.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo.h"
#include "th_store.h"

#define ORG "91350100M000100Y43"
#define NEVENTS 10
#define NTERMS 10000

typedef th_fx fx; /* the shared store fixture (th_store.h) */
#define fx_teardown th_fx_teardown

static int fx_setup(void **state) {
  fx *f = th_fx_open("chains", "2025-07-01",
                     "CREATE TYPE penalty_general PUBLICITY 1 YEAR "
                     "REPAIRABLE AFTER 3 MONTHS; CREATE TYPE honour;"
                     "CREATE SUBJECT '" ORG "' KIND org;");
  char sql[512];
  for (int i = 1; i <= NEVENTS; i++) { /* odd ids penalties, even honours */
    snprintf(sql, sizeof sql,
             "RECORD %s FOR '" ORG "' OCCURRED '2025-06-%02d' SOURCE 's' "
             "REF 'r%d' DATA {\"n\": %d};",
             i % 2 ? "penalty_general" : "honour", i, i, i);
    th_ok(f->db, sql);
  }
  *state = f;
  return 0;
}

/* A growing statement text. */
typedef struct sqlbuf {
  char *p;
  size_t n, cap;
} sqlbuf;

static void add(sqlbuf *b, const char *fmt, ...) {
  va_list ap;
  int len;
  if (b->cap - b->n < 256) {
    b->cap = b->cap ? b->cap * 2 : 4096;
    b->p = realloc(b->p, b->cap);
    assert_non_null(b->p);
  }
  va_start(ap, fmt);
  len = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
  va_end(ap);
  assert_true(len > 0 && (size_t)len < b->cap - b->n);
  b->n += (size_t)len;
}

/* The ids the statement returns, as "1,3,5"; the statement is freed. */
static void ids_are(fx *f, sqlbuf *b, const char *want) {
  char got[256] = "";
  credo_stmt *st;
  int rc = credo_prepare(f->db, b->p, -1, &st, NULL);
  if (rc != CREDO_OK)
    fail_msg("prepare (%zu bytes): %s", b->n, credo_errmsg(f->db));
  while ((rc = credo_step(st)) == CREDO_ROW) {
    size_t n = strlen(got);
    snprintf(got + n, sizeof got - n, "%s%lld", n ? "," : "",
             (long long)credo_column_int64(st, 0));
  }
  if (rc != CREDO_DONE)
    fail_msg("step: %s", credo_errmsg(f->db));
  credo_finalize(st);
  assert_string_equal(got, want);
  free(b->p);
  memset(b, 0, sizeof *b);
}

static void t_and_chain(void **state) {
  fx *f = *state;
  sqlbuf b = {0};
  /* the first conjunct picks the type index; 9,998 more filter */
  add(&b, "SELECT id FROM events WHERE type = 'penalty_general'");
  for (int i = 0; i < NTERMS - 3; i++)
    add(&b, " AND id <> %d", 100000 + i);
  add(&b, " AND id >= 3 AND data.n <= 7 ORDER BY id");
  ids_are(f, &b, "3,5,7");
  /* one false term anywhere makes the whole chain false */
  add(&b, "SELECT id FROM events WHERE id > 0");
  for (int i = 0; i < NTERMS - 1; i++)
    add(&b, i == NTERMS / 2 ? " AND id = 0" : " AND id < %d", 50 + i);
  ids_are(f, &b, "");
}

static void t_or_chain(void **state) {
  fx *f = *state;
  sqlbuf b = {0};
  add(&b, "SELECT id FROM events WHERE id = 100000");
  for (int i = 1; i < NTERMS; i++)
    add(&b, " OR id = %d", i == 4000 ? 2 : i == 9000 ? 9 : 100000 + i);
  add(&b, " ORDER BY id");
  ids_are(f, &b, "2,9");
  /* an OR chain of AND pairs, as generated filters write them */
  add(&b, "SELECT id FROM events WHERE (type = 'honour' AND id = 100000)");
  for (int i = 1; i < NTERMS / 2; i++)
    add(&b, " OR (type = 'honour' AND id = %d)", i == 777 ? 4 : 100000 + i);
  add(&b, " OR (type = 'honour' AND id = 5) ORDER BY id");
  ids_are(f, &b, "4");
}

static void t_in_list(void **state) {
  fx *f = *state;
  sqlbuf b = {0};
  add(&b, "SELECT id FROM events WHERE id IN (100000");
  for (int i = 1; i < NTERMS; i++)
    add(&b, ", %d", i == 1234 ? 6 : i == 8765 ? 1 : 100000 + i);
  add(&b, ") ORDER BY id");
  ids_are(f, &b, "1,6");
  add(&b, "SELECT id FROM events WHERE id NOT IN (100000");
  for (int i = 1; i < NTERMS; i++)
    add(&b, ", %d", i <= NEVENTS - 1 ? i : 100000 + i);
  add(&b, ")");
  ids_are(f, &b, "10");
}

/* Three-valued logic of the n-ary nodes: NULL only when no operand
 * decides. */
static void t_three_valued(void **state) {
  fx *f = *state;
  sqlbuf b = {0};
  add(&b, "SELECT id FROM events WHERE id = 1 AND (NULL AND TRUE AND TRUE) "
          "IS NULL AND (NULL AND TRUE AND FALSE) = FALSE AND (FALSE OR NULL "
          "OR FALSE) IS NULL AND (FALSE OR NULL OR TRUE) AND (NULL OR "
          "FALSE) IS NULL");
  ids_are(f, &b, "1");
}

static void t_explain_and_having(void **state) {
  fx *f = *state;
  sqlbuf b = {0};
  credo_stmt *st;
  add(&b, "EXPLAIN SELECT id FROM events WHERE subject = '" ORG "'");
  for (int i = 0; i < NTERMS; i++)
    add(&b, " AND id <> %d", 100000 + i);
  assert_int_equal(credo_prepare(f->db, b.p, -1, &st, NULL), CREDO_OK);
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_string_equal(credo_column_text(st, 0),
                      "SEARCH events USING subject index (subject = '" ORG
                      "') ~10 rows");
  assert_int_equal(credo_step(st), CREDO_ROW);
  assert_int_equal(strncmp(credo_column_text(st, 0), "FILTER subject = ", 17),
                   0);
  assert_int_equal(strlen(credo_column_text(st, 0)),
                   strlen("FILTER ") + b.n -
                       strlen("EXPLAIN SELECT id FROM "
                              "events WHERE "));
  credo_finalize(st);
  free(b.p);
  memset(&b, 0, sizeof b);
  /* HAVING and grouping walk the chain too */
  add(&b, "SELECT count(*) FROM events GROUP BY type HAVING count(*) > 0");
  for (int i = 0; i < NTERMS; i++)
    add(&b, " AND count(*) <> %d", 100000 + i);
  add(&b, " AND type = 'honour'");
  ids_are(f, &b, "5");
}

/* Joins read AND chains too: the join key is found among the ON
 * conjuncts wherever it stands, and the public role's subject rule
 * accepts `e.subject = '...'` as one conjunct of a long WHERE. */
static void t_join_chains(void **state) {
  fx *f = *state;
  sqlbuf b = {0};
  credo *pub = NULL;
  credo_stmt *st;
  int found = 0, rc;
  add(&b, "EXPLAIN SELECT e.id FROM types t JOIN events e ON e.occurred > "
          "'2000-01-01' AND e.type = t.name");
  assert_int_equal(credo_prepare(f->db, b.p, -1, &st, NULL), CREDO_OK);
  while ((rc = credo_step(st)) == CREDO_ROW)
    found |= strstr(credo_column_text(st, 0), "index look-up by type") != NULL;
  assert_int_equal(rc, CREDO_DONE);
  credo_finalize(st);
  assert_true(found);
  free(b.p);
  memset(&b, 0, sizeof b);
  assert_int_equal(credo_dup(f->db, &pub), CREDO_OK);
  assert_int_equal(credo_set_user(pub, "web", CREDO_ROLE_PUBLIC), CREDO_OK);
  add(&b, "SELECT count(*) FROM events e JOIN types t ON t.name = e.type "
          "WHERE e.subject = '" ORG "' AND t.name = 'honour'");
  for (int i = 0; i < NTERMS; i++)
    add(&b, " AND e.id <> %d", 100000 + i);
  {
    fx pf = *f;
    pf.db = pub;
    ids_are(&pf, &b, "5");
  }
  credo_close(pub);
}

static void t_real_nesting_refused(void **state) {
  fx *f = *state;
  sqlbuf b = {0};
  credo_stmt *st = NULL;
  /* a AND (a OR (a AND ...)): each level is real nesting */
  add(&b, "SELECT id FROM events WHERE ");
  for (int i = 0; i < 250; i++)
    add(&b, "id > %d %s (", i, i % 2 ? "OR" : "AND");
  add(&b, "TRUE");
  for (int i = 0; i < 250; i++)
    add(&b, ")");
  assert_int_equal(credo_prepare(f->db, b.p, -1, &st, NULL), CREDO_SYNTAX);
  assert_null(st);
  assert_non_null(
      strstr(credo_errmsg(f->db), "expression nested too deeply (limit 200)"));
  free(b.p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(t_and_chain, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_or_chain, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_in_list, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_three_valued, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_explain_and_having, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(t_join_chains, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(t_real_nesting_refused, fx_setup,
                                      fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
