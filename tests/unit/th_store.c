/*
 * th_store.c -- the shared store fixture and CQL helpers of the unit
 * suites (th_store.h). Test-only code; never linked into the library.
 *
 * Invariants: every helper either returns what it promises or fails the
 * running test with the statement and the handle's message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "th_store.h"

th_fx *th_fx_open(const char *tag, const char *now, const char *cql) {
  th_fx *f = calloc(1, sizeof *f);
  assert_non_null(f);
  f->dir = th_tmpdir(tag);
  assert_non_null(f->dir);
  assert_int_equal(credo_open(f->dir, NULL, &f->db), CREDO_OK);
  if (now) {
    f->clk.now = th_t(now);
    credo_set_clock(f->db, th_clock_fn, &f->clk);
  }
  if (cql)
    th_ok(f->db, cql);
  return f;
}

void th_fx_close(th_fx *f) {
  if (!f)
    return;
  credo_close(f->db);
  th_rmdir(f->dir);
  free(f);
}

int th_fx_teardown(void **state) {
  th_fx_close(*state);
  *state = NULL;
  return 0;
}

/* ------------------------------------------------------- rows as text */

typedef struct out {
  char *p;
  size_t n, cap;
} out;

static void out_put(out *o, const char *s) {
  size_t n = strlen(s);
  if (o->n + n + 1 > o->cap) {
    o->cap = (o->n + n + 1) * 2;
    o->p = realloc(o->p, o->cap);
    assert_non_null(o->p);
  }
  memcpy(o->p + o->n, s, n + 1);
  o->n += n;
}

static int collect_cb(void *arg, int n, const char *const *v,
                      const char *const *names) {
  (void)names;
  for (int i = 0; i < n; i++) {
    if (i)
      out_put(arg, "|");
    out_put(arg, v[i] ? v[i] : "NULL");
  }
  out_put(arg, "\n");
  return 0;
}

char *th_rows(credo *db, const char *sql) {
  out o = {0};
  int rc;
  out_put(&o, "");
  rc = credo_exec(db, sql, collect_cb, &o);
  if (rc != CREDO_OK)
    fail_msg("%s\n  -> %s (%s)", sql, credo_errmsg(db), credo_errname(rc));
  return o.p;
}

char *th_answer(credo *db, const char *sql) {
  out o = {0};
  char tail[64];
  int rc;
  out_put(&o, "");
  rc = credo_exec(db, sql, collect_cb, &o);
  if (rc != CREDO_OK) {
    snprintf(tail, sizeof tail, "error %d: ", rc);
    out_put(&o, tail);
    out_put(&o, credo_errmsg(db));
  }
  return o.p;
}

void th_ok(credo *db, const char *sql) {
  free(th_rows(db, sql));
}

void th_expect(credo *db, const char *sql, const char *rows) {
  char *got = th_rows(db, sql);
  if (strcmp(got, rows) != 0)
    fail_msg("%s\n  expected:\n%s  got:\n%s", sql, rows, got);
  free(got);
}

void th_fails(credo *db, const char *sql, int code, const char *text) {
  int rc = credo_exec(db, sql, NULL, NULL);
  if (rc != code)
    fail_msg("%s\n  expected %s, got %s: %s", sql, credo_errname(code),
             credo_errname(rc), credo_errmsg(db));
  if (text && !strstr(credo_errmsg(db), text))
    fail_msg("%s\n  message \"%s\" lacks \"%s\"", sql, credo_errmsg(db), text);
}
