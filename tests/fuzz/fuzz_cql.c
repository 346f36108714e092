/*
 * fuzz_cql.c -- libFuzzer target for the CQL front end (lexer + parser +
 * AST builders / printer / free). Built by `make fuzz` with clang
 * -fsanitize=fuzzer,address,undefined from parser/ and the generated
 * lexer/parser only.
 *
 * Parses the input statement by statement, looping on `consumed` as a
 * script runner would, and checks the parser's contracts: progress on
 * every success, *out NULL with a positioned message on every error,
 * node spans inside the input, parameter numbers in range, and trees no
 * higher than CQL_MAX_DEPTH. Any violation aborts (a finding).
 *
 * Each input runs twice: once normally, counting the parser's allocations,
 * then with one of them (chosen from the input) failing, through the
 * cql_fi_* hooks of parser/alloc.h (the fuzz build defines
 * CQL_FAULT_INJECTION): the statement must then fail with CREDO_NOMEM, and
 * ASan's leak check proves the partial trees were freed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cql_parse.h"

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "fuzz_cql: check failed: %s (line %d)\n", #cond,         \
              __LINE__);                                                       \
      abort();                                                                 \
    }                                                                          \
  } while (0)

static void check_select(const cql_select *s, size_t len, int np);

/* Checks one expression tree against the statement's text span. */
static int check_expr(const cql_expr *e, size_t len, int n_params) {
  int h = 0, hc;
  size_t i;
  if (!e)
    return 0;
  CHECK(e->pos.line >= 1 && e->pos.column >= 1);
  CHECK(e->pos.offset <= e->end && e->end <= len);
  CHECK(e->height >= 1 && e->height <= CQL_MAX_DEPTH);
  if (e->kind == CQL_E_PARAM)
    CHECK(e->ival >= 1 && e->ival <= n_params);
  if (e->kind == CQL_E_TEXT || e->kind == CQL_E_JSON || e->kind == CQL_E_CALL)
    CHECK(e->text && strlen(e->text) == e->text_len);
  if (e->kind == CQL_E_COLUMN)
    CHECK(e->path.n >= 1);
  if ((hc = check_expr(e->a, len, n_params)) > h)
    h = hc;
  if ((hc = check_expr(e->b, len, n_params)) > h)
    h = hc;
  if ((hc = check_expr(e->c, len, n_params)) > h)
    h = hc;
  for (i = 0; i < e->list.n; i++)
    if ((hc = check_expr(e->list.items[i], len, n_params)) > h)
      h = hc;
  if ((hc = check_expr(e->filter, len, n_params)) > h)
    h = hc;
  if (e->kind == CQL_E_EXISTS || e->kind == CQL_E_SUBQUERY ||
      (e->kind == CQL_E_IN && e->sub))
    check_select(e->sub, len, n_params);
  if (e->kind == CQL_E_CASE)
    CHECK(e->list.n >= 2 && e->list.n % 2 == 0);
  if (e->kind == CQL_E_LOGIC) /* flat: no operand repeats the operator */
    for (i = 0; i < e->list.n; i++)
      CHECK(e->list.n >= 2 && (e->list.items[i]->kind != CQL_E_LOGIC ||
                               e->list.items[i]->op != e->op));
  if (e->kind == CQL_E_CAST)
    CHECK(e->a && e->ival >= CQL_CAST_INT && e->ival <= CQL_CAST_BOOL);
  CHECK(e->height == h + 1);
  return e->height;
}

static void check_select(const cql_select *s, size_t len, int np) {
  size_t i;
  CHECK(s && s->n_items >= 1);
  for (i = 0; i < s->n_items; i++)
    check_expr(s->items[i].expr, len, np);
  check_expr(s->where, len, np);
  for (i = 0; i < s->group_by.n; i++)
    check_expr(s->group_by.items[i], len, np);
  check_expr(s->having, len, np);
  for (i = 0; i < s->n_order; i++)
    check_expr(s->order[i].expr, len, np);
  check_expr(s->limit, len, np);
  check_expr(s->offset, len, np);
  check_expr(s->as_of, len, np);
  check_expr(s->visible_at, len, np);
  for (i = 0; i < s->n_set_order; i++)
    check_expr(s->set_order[i].expr, len, np);
  check_expr(s->set_limit, len, np);
  check_expr(s->set_offset, len, np);
  if (s->next) {
    CHECK(s->next->setop >= CQL_SET_UNION &&
          s->next->setop <= CQL_SET_INTERSECT);
    check_select(s->next, len, np);
  }
  /* FROM (issue 15): from[0] is the first table; joins have ON; a
   * subquery table has its SELECT (owned or a WITH body) and an alias */
  CHECK(s->n_from >= 1 && s->from[0].table == s->table &&
        s->from[0].join == CQL_JOIN_FIRST && !s->from[0].on);
  for (i = 0; i < s->n_from; i++) {
    const cql_from *f = &s->from[i];
    CHECK(f->pos.offset < len);
    CHECK(i == 0 ||
          ((f->join == CQL_JOIN_INNER || f->join == CQL_JOIN_LEFT) && f->on));
    CHECK((f->table == CQL_TABLE_SUB) == (f->sub != NULL));
    CHECK(f->table != CQL_TABLE_SUB || f->alias);
    check_expr(f->on, len, np);
    check_expr(f->as_of, len, np);
    check_expr(f->visible_at, len, np);
    if (f->sub && !f->sub_borrowed)
      check_select(f->sub, len, np);
  }
  for (i = 0; i < s->n_ctes; i++) {
    CHECK(s->ctes[i].name && s->ctes[i].sel);
    check_select(s->ctes[i].sel, len, np);
  }
}

static void check_stmt(const cql_stmt *st, size_t len) {
  int np = st->n_params;
  size_t i;
  CHECK(st->pos.offset <= st->end && st->end <= len);
  switch (st->kind) {
  case CQL_SELECT:
  case CQL_EXPLAIN:
    check_select(st->select, len, np);
    break;
  case CQL_RECORD:
    CHECK(st->record.occurred && st->record.source && st->record.ref);
    check_expr(st->record.occurred, len, np);
    check_expr(st->record.data, len, np);
    break;
  case CQL_CORRECT:
    CHECK(st->correct.n_items >= 1 && st->correct.reason);
    for (i = 0; i < st->correct.n_items; i++)
      check_expr(st->correct.items[i].value, len, np);
    break;
  case CQL_REPAIR:
  case CQL_REPAIR_WHERE:
    CHECK(st->repair.reason);
    CHECK((st->repair.event == NULL) != (st->repair.where == NULL));
    check_expr(st->repair.where, len, np);
    check_expr(st->repair.effective, len, np);
    break;
  default:
    break;
  }
}

/* Fault injection: allocation number fi_fail_at (0-based, counted by
 * fi_count) fails. Single-threaded harness state, fuzz build only. */
static long fi_count, fi_fail_at = -1;
static int fi_fired;

static int fi_fail(void) {
  if (fi_count++ != fi_fail_at)
    return 0;
  fi_fired = 1;
  return 1;
}

void *cql_fi_malloc(size_t n) {
  return fi_fail() ? NULL : malloc(n);
}

void *cql_fi_calloc(size_t count, size_t size) {
  return fi_fail() ? NULL : calloc(count, size);
}

void *cql_fi_realloc(void *p, size_t n) {
  return fi_fail() ? NULL : realloc(p, n);
}

/* Parses the whole input statement by statement, checking contracts. */
static void run_script(const char *sql, size_t size) {
  size_t off = 0;
  char dump[512];
  while (off <= size) {
    cql_stmt *st = (cql_stmt *)&off;
    cql_error err;
    size_t used = 12345;
    int rc;
    fi_fired = 0;
    rc = cql_parse(sql + off, size - off, &st, &used, &err);
    CHECK(!fi_fired || rc == CREDO_NOMEM);
    if (rc != CREDO_OK) {
      CHECK(rc == CREDO_SYNTAX || rc == CREDO_NOMEM);
      CHECK(st == NULL && used == 0);
      CHECK(err.line >= 1 && err.column >= 1 && err.offset <= size - off);
      CHECK(strncmp(err.msg, "line ", 5) == 0);
      break;
    }
    CHECK(used <= size - off);
    if (!st) {
      CHECK(used == size - off);
      break;
    }
    CHECK(used > 0);
    check_stmt(st, used);
    cql_stmt_dump(st, dump, sizeof dump);
    cql_stmt_free(st);
    off += used;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  long n;
  uint32_t h = 2166136261u;
  size_t i;
  fi_count = 0;
  fi_fail_at = -1;
  run_script((const char *)data, size);
  n = fi_count;
  if (n == 0)
    return 0;
  for (i = 0; i < size; i++)
    h = (h ^ data[i]) * 16777619u;
  fi_count = 0;
  fi_fail_at = (long)(h % (uint32_t)n);
  run_script((const char *)data, size);
  fi_fail_at = -1;
  return 0;
}
