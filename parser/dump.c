/*
 * dump.c -- canonical one-line rendering of CQL syntax trees, for tests,
 * debugging and the shell's diagnostics.
 *
 * Owns: cql_stmt_dump, cql_expr_dump, cql_stmt_print.
 *
 * Format (S-expressions; every clause in a fixed order, absent ones left
 * out):
 *   literals   5  -2.5  'it''s'  TRUE  FALSE  NULL  NOW  ?1
 *              (duration months=18 usec=0)  (json {"a": 1})
 *   columns    occurred  data.amount_wan  data."weird name"
 *   operators  (+ a b)  (- a)  (NOT a)  (AND a b)  (|| a b)  (!= a b)
 *              (IN a (1 2))  (NOT IN ...)  (BETWEEN a lo hi)
 *              (NOT BETWEEN ...)  (LIKE a p)  (NOT LIKE ...)
 *              (IS NULL a)  (IS NOT NULL a)
 *              (call count *)  (call sum x)  (call count DISTINCT x)
 *   statements (SELECT DISTINCT (items a (AS b n) *) (FROM events)
 *              (WHERE e) (GROUP BY e ...) (HAVING e) (ORDER BY (e ASC) ...)
 *              (LIMIT e) (OFFSET e) (AS OF e) (VISIBLE AT e)
 *              (INCLUDE HIDDEN) (INCLUDE RETRACTED))  and likewise
 *              (RECORD type (FOR e) (OCCURRED e) ...), (CREATE TYPE n
 *              (PUBLICITY d) (REPAIRABLE AFTER d)), (EXPLAIN (SELECT ...)),
 *              (REPAIR EVENT e (EFFECTIVE e) (REASON e)), ...
 *
 * Invariants: never writes more than n bytes; always NUL-terminates when
 * n > 0; the return value is the full length, as snprintf's. Decimals are
 * printed with '.' whatever the locale, shortest round-trip form.
 *
 * Does not: allocate (except in cql_stmt_print), or validate trees.
 */
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

typedef struct out {
  char *buf;
  size_t n;   /* size of buf */
  size_t len; /* bytes the full rendering needs so far */
} out;

static void putn(out *o, const char *s, size_t k) {
  if (o->n > 0 && o->len < o->n - 1) {
    size_t room = o->n - 1 - o->len;
    memcpy(o->buf + o->len, s, k < room ? k : room);
  }
  o->len += k;
}

static void put(out *o, const char *s) {
  putn(o, s, strlen(s));
}

static void putf(out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void putf(out *o, const char *fmt, ...) {
  char tmp[96];
  va_list ap;
  int k;
  va_start(ap, fmt);
  k = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (k > 0)
    putn(o, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

static int finish(out *o) {
  if (o->n > 0)
    o->buf[o->len < o->n ? o->len : o->n - 1] = 0;
  return o->len > INT_MAX ? INT_MAX : (int)o->len;
}

/* A quoted literal: q ... q with q doubled inside. */
static void put_quoted(out *o, const char *s, size_t len, char q) {
  size_t i, start = 0;
  putn(o, &q, 1);
  for (i = 0; i < len; i++) {
    if (s[i] == q) {
      putn(o, s + start, i + 1 - start);
      putn(o, &q, 1);
      start = i + 1;
    }
  }
  putn(o, s + start, len - start);
  putn(o, &q, 1);
}

/* An identifier: bare when [A-Za-z_][A-Za-z0-9_]*, else "quoted". */
static void put_name(out *o, const char *s) {
  const char *p = s;
  bool plain =
      (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_';
  for (; plain && *p; p++)
    plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || *p == '_';
  if (plain)
    put(o, s);
  else
    put_quoted(o, s, strlen(s), '"');
}

static void put_path(out *o, const cql_path *p) {
  size_t i;
  for (i = 0; i < p->n; i++) {
    if (i)
      put(o, ".");
    put_name(o, p->segs[i]);
  }
}

/* A double, shortest form that reads back, '.' as decimal point. */
static void put_real(out *o, double v) {
  char tmp[64], *p;
  const char *dp = localeconv()->decimal_point;
  snprintf(tmp, sizeof tmp, "%.15g", v);
  if (strtod(tmp, NULL) != v)
    snprintf(tmp, sizeof tmp, "%.17g", v);
  if (dp[0] && strcmp(dp, ".") != 0 && (p = strstr(tmp, dp)) != NULL) {
    *p = '.';
    memmove(p + 1, p + strlen(dp), strlen(p + strlen(dp)) + 1);
  }
  put(o, tmp);
  if (!strpbrk(tmp, ".eEni"))
    put(o, ".0");
}

static void put_expr(out *o, const cql_expr *e);
static void put_select(out *o, const cql_select *s);
static void put_clause(out *o, const char *label, const cql_expr *e);

/* The items of l, each preceded by a space (but the first when !lead). */
static void put_list(out *o, const cql_expr_list *l, bool lead) {
  size_t i;
  for (i = 0; i < l->n; i++) {
    if (i > 0 || lead)
      put(o, " ");
    put_expr(o, l->items[i]);
  }
}

static void put_literal(out *o, const cql_expr *e) {
  switch (e->kind) {
  case CQL_E_INT:
    putf(o, "%" PRId64, e->ival);
    break;
  case CQL_E_REAL:
    put_real(o, e->rval);
    break;
  case CQL_E_TEXT:
    put_quoted(o, e->text, e->text_len, '\'');
    break;
  case CQL_E_BOOL:
    put(o, e->ival ? "TRUE" : "FALSE");
    break;
  case CQL_E_NULL:
    put(o, "NULL");
    break;
  case CQL_E_NOW:
    put(o, "NOW");
    break;
  case CQL_E_DURATION:
    putf(o, "(duration months=%" PRId32 " usec=%" PRId64 ")", e->dur.months,
         e->dur.usec);
    break;
  case CQL_E_PARAM:
    putf(o, "?%" PRId64, e->ival);
    break;
  case CQL_E_JSON:
    put(o, "(json ");
    putn(o, e->text, e->text_len);
    put(o, ")");
    break;
  default:
    put(o, "(?)");
    break;
  }
}

static void put_call(out *o, const cql_expr *e) {
  put(o, "(call ");
  put_name(o, e->text);
  if (e->distinct)
    put(o, " DISTINCT");
  if (e->star)
    put(o, " *");
  put_list(o, &e->list, true);
  put_clause(o, "FILTER", e->filter);
  if (e->over) {
    put(o, " (OVER");
    if (e->over->partition.n) {
      put(o, " (PARTITION BY");
      put_list(o, &e->over->partition, true);
      put(o, ")");
    }
    if (e->over->n_order) {
      put(o, " (ORDER BY");
      for (size_t i = 0; i < e->over->n_order; i++) {
        put(o, " (");
        put_expr(o, e->over->order[i].expr);
        put(o, e->over->order[i].desc ? " DESC)" : " ASC)");
      }
      put(o, ")");
    }
    put(o, ")");
  }
  put(o, ")");
}

/* "(CASE [operand] (WHEN w t)... [(ELSE e)])", "(CAST type a)". */
static void put_case_cast(out *o, const cql_expr *e) {
  size_t i;
  if (e->kind == CQL_E_CAST) {
    putf(o, "(CAST %s ", e->text ? e->text : "?");
    put_expr(o, e->a);
    put(o, ")");
    return;
  }
  put(o, "(CASE");
  if (e->a) {
    put(o, " ");
    put_expr(o, e->a);
  }
  for (i = 0; i + 1 < e->list.n; i += 2) {
    put(o, " (WHEN ");
    put_expr(o, e->list.items[i]);
    put(o, " ");
    put_expr(o, e->list.items[i + 1]);
    put(o, ")");
  }
  put_clause(o, "ELSE", e->b);
  put(o, ")");
}

/* IN, BETWEEN, LIKE, IS NULL: "(NOT IN a (...))" and so on. */
static void put_predicate(out *o, const cql_expr *e) {
  const char *no = e->negated ? "NOT " : "";
  if (e->kind == CQL_E_IS_NULL) {
    putf(o, "(IS %sNULL ", no);
    put_expr(o, e->a);
  } else if (e->kind == CQL_E_IN) {
    putf(o, "(%sIN ", no);
    put_expr(o, e->a);
    put(o, " (");
    if (e->sub)
      put_select(o, e->sub);
    else
      put_list(o, &e->list, false);
    put(o, ")");
  } else {
    putf(o, "(%s%s ", no, e->kind == CQL_E_LIKE ? "LIKE" : "BETWEEN");
    put_expr(o, e->a);
    put(o, " ");
    put_expr(o, e->b);
    if (e->kind == CQL_E_BETWEEN) {
      put(o, " ");
      put_expr(o, e->c);
    }
  }
  put(o, ")");
}

static void put_expr(out *o, const cql_expr *e) {
  if (!e) {
    put(o, "(null)");
    return;
  }
  switch (e->kind) {
  case CQL_E_COLUMN:
    put_path(o, &e->path);
    break;
  case CQL_E_UNARY:
  case CQL_E_BINARY:
    putf(o, "(%s ", cql_op_name(e->op));
    put_expr(o, e->a);
    if (e->kind == CQL_E_BINARY) {
      put(o, " ");
      put_expr(o, e->b);
    }
    put(o, ")");
    break;
  case CQL_E_LOGIC:
    putf(o, "(%s ", cql_op_name(e->op));
    put_list(o, &e->list, false);
    put(o, ")");
    break;
  case CQL_E_IN:
  case CQL_E_BETWEEN:
  case CQL_E_LIKE:
  case CQL_E_IS_NULL:
    put_predicate(o, e);
    break;
  case CQL_E_CALL:
    put_call(o, e);
    break;
  case CQL_E_CASE:
  case CQL_E_CAST:
    put_case_cast(o, e);
    break;
  case CQL_E_EXISTS:
  case CQL_E_SUBQUERY:
    put(o, e->kind == CQL_E_EXISTS ? "(EXISTS " : "(SUBQUERY ");
    put_select(o, e->sub);
    put(o, ")");
    break;
  default:
    put_literal(o, e);
    break;
  }
}

/* " (LABEL e)" when e is set. */
static void put_clause(out *o, const char *label, const cql_expr *e) {
  if (!e)
    return;
  putf(o, " (%s ", label);
  put_expr(o, e);
  put(o, ")");
}

static void put_duration(out *o, const char *label, credo_duration d) {
  putf(o, " (%s (duration months=%" PRId32 " usec=%" PRId64 "))", label,
       d.months, d.usec);
}

static void put_items(out *o, const cql_select *s) {
  size_t i;
  put(o, " (items");
  for (i = 0; i < s->n_items; i++) {
    const cql_select_item *it = &s->items[i];
    put(o, " ");
    if (!it->expr) {
      if (it->qual) {
        put_name(o, it->qual);
        put(o, ".");
      }
      put(o, "*");
      continue;
    }
    if (it->alias)
      put(o, "(AS ");
    put_expr(o, it->expr);
    if (it->alias) {
      put(o, " ");
      put_name(o, it->alias);
      put(o, ")");
    }
  }
  put(o, ")");
}

/* ` (FROM t)` for one table without alias (as before joins existed),
 * else every table with its alias, clauses and join. */
static void put_from(out *o, const cql_select *s) {
  static const char *const joins[] = {"FROM", "JOIN", "LEFT JOIN"};
  if (s->n_from <= 1 && (!s->from || !s->from[0].alias)) {
    putf(o, " (FROM %s)", cql_table_name(s->table));
    return;
  }
  for (size_t i = 0; i < s->n_from; i++) {
    const cql_from *f = &s->from[i];
    int j = f->join >= 0 && f->join <= 2 ? f->join : 0;
    putf(o, " (%s %s", joins[j], cql_table_name(f->table));
    if (f->alias) {
      put(o, " ");
      put_name(o, f->alias);
    }
    put_clause(o, "AS OF", f->as_of);
    put_clause(o, "VISIBLE AT", f->visible_at);
    if (f->include_hidden)
      put(o, " (INCLUDE HIDDEN)");
    if (f->include_retracted)
      put(o, " (INCLUDE RETRACTED)");
    put_clause(o, "ON", f->on);
    put(o, ")");
  }
}

static void put_select(out *o, const cql_select *s) {
  size_t i;
  if (!s) {
    put(o, "(null)");
    return;
  }
  put(o, s->distinct ? "(SELECT DISTINCT" : "(SELECT");
  put_items(o, s);
  put_from(o, s);
  put_clause(o, "WHERE", s->where);
  if (s->group_by.n) {
    put(o, " (GROUP BY");
    put_list(o, &s->group_by, true);
    put(o, ")");
  }
  put_clause(o, "HAVING", s->having);
  if (s->n_order) {
    put(o, " (ORDER BY");
    for (i = 0; i < s->n_order; i++) {
      put(o, " (");
      put_expr(o, s->order[i].expr);
      put(o, s->order[i].desc ? " DESC)" : " ASC)");
    }
    put(o, ")");
  }
  put_clause(o, "LIMIT", s->limit);
  put_clause(o, "OFFSET", s->offset);
  put_clause(o, "AS OF", s->as_of);
  put_clause(o, "VISIBLE AT", s->visible_at);
  if (s->include_hidden)
    put(o, " (INCLUDE HIDDEN)");
  if (s->include_retracted)
    put(o, " (INCLUDE RETRACTED)");
  put(o, ")");
  if (s->next) {
    static const char *const ops[] = {"?", "UNION", "EXCEPT", "INTERSECT"};
    int op = s->next->setop >= 1 && s->next->setop <= 3 ? s->next->setop : 0;
    putf(o, " (%s%s ", ops[op], s->next->set_all ? " ALL" : "");
    put_select(o, s->next);
    put(o, ")");
  }
  if (s->n_set_order) {
    put(o, " (SET ORDER BY");
    for (i = 0; i < s->n_set_order; i++) {
      put(o, " (");
      put_expr(o, s->set_order[i].expr);
      put(o, s->set_order[i].desc ? " DESC)" : " ASC)");
    }
    put(o, ")");
  }
  put_clause(o, "SET LIMIT", s->set_limit);
  put_clause(o, "SET OFFSET", s->set_offset);
}

static void put_record(out *o, const cql_stmt *st) {
  put(o, " ");
  put_name(o, st->record.type);
  put_clause(o, "FOR", st->record.subject);
  put_clause(o, "OCCURRED", st->record.occurred);
  put_clause(o, "PUBLIC FROM", st->record.public_from);
  put_clause(o, "UNTIL", st->record.public_until);
  put_clause(o, "SOURCE", st->record.source);
  put_clause(o, "REF", st->record.ref);
  put_clause(o, "DATA", st->record.data);
  put_clause(o, "REASON", st->record.reason);
}

static void put_correct(out *o, const cql_stmt *st) {
  size_t i;
  put(o, " ");
  put_expr(o, st->correct.event);
  put(o, " (SET");
  for (i = 0; i < st->correct.n_items; i++) {
    put(o, " (= ");
    put_path(o, &st->correct.items[i].path);
    put(o, " ");
    put_expr(o, st->correct.items[i].value);
    put(o, ")");
  }
  put(o, ")");
  put_clause(o, "REASON", st->correct.reason);
}

static void put_user(out *o, const cql_stmt *st) {
  put(o, " ");
  put_name(o, st->user.name);
  if (st->user.has_role) {
    const char *names[] = {"public", "analyst", "recorder", "repairer",
                           "admin"};
    int r = (int)st->user.role;
    putf(o, " (ROLE %s)", r >= 0 && r <= 4 ? names[r] : "?");
  }
  put_clause(o, "PASSWORD", st->user.password);
}

static void put_create(out *o, const cql_stmt *st) {
  put(o, " ");
  if (st->kind == CQL_CREATE_TYPE) {
    put_name(o, st->create_type.name);
    if (st->create_type.has_publicity)
      put_duration(o, "PUBLICITY", st->create_type.publicity);
    if (st->create_type.has_repairable)
      put_duration(o, "REPAIRABLE AFTER", st->create_type.repairable_after);
    if (st->create_type.has_retain)
      put_duration(o, "RETAIN", st->create_type.retain);
    if (st->create_type.flags & CREDO_TYPE_OPEN)
      put(o, " (PUBLICITY OPEN)");
    if (st->create_type.flags & CREDO_TYPE_NOT_PUBLISHED)
      put(o, " (NOT PUBLISHED)");
    if (st->create_type.has_polarity)
      put(o, st->create_type.flags & CREDO_TYPE_POSITIVE ? " (POSITIVE)"
                                                         : " (ADVERSE)");
    if (st->create_type.public_fields)
      putf(o, " (PUBLIC FIELDS %s)", st->create_type.public_fields);
    return;
  }
  put_expr(o, st->create_subject.id);
  putf(o, " (KIND %s)",
       st->create_subject.kind == CREDO_KIND_ORG      ? "org"
       : st->create_subject.kind == CREDO_KIND_PERSON ? "person"
                                                      : "other");
  put_clause(o, "NAME", st->create_subject.name);
}

static void put_repair(out *o, const cql_stmt *st) {
  if (st->kind == CQL_REPAIR) {
    put(o, " ");
    put_expr(o, st->repair.event);
  }
  put_clause(o, "WHERE", st->repair.where);
  put_clause(o, "EFFECTIVE", st->repair.effective);
  put_clause(o, "REASON", st->repair.reason);
}

/* " e" for the statements whose body is one expression. */
static const cql_expr *single_expr(const cql_stmt *st) {
  switch (st->kind) {
  case CQL_HISTORY_EVENT:
    return st->history.event;
  case CQL_HISTORY_SUBJECT:
    return st->history.subject;
  case CQL_SET_TZ:
  case CQL_SET_STORE_TZ:
    return st->set_tz.zone;
  case CQL_KILL_SESSION:
    return st->kill.session;
  default:
    return NULL;
  }
}

static void put_stmt_body(out *o, const cql_stmt *st) {
  switch (st->kind) {
  case CQL_CREATE_TYPE:
  case CQL_CREATE_SUBJECT:
    put_create(o, st);
    break;
  case CQL_RECORD:
    put_record(o, st);
    break;
  case CQL_SELECT:
  case CQL_EXPLAIN:
    put(o, " ");
    put_select(o, st->select);
    break;
  case CQL_HISTORY_EVENT:
  case CQL_HISTORY_SUBJECT:
  case CQL_SET_TZ:
  case CQL_SET_STORE_TZ:
  case CQL_KILL_SESSION:
    put(o, " ");
    put_expr(o, single_expr(st));
    break;
  case CQL_REPAIR:
  case CQL_REPAIR_WHERE:
    put_repair(o, st);
    break;
  case CQL_CORRECT:
    put_correct(o, st);
    break;
  case CQL_RETRACT:
    put(o, " ");
    put_expr(o, st->retract.event);
    put_clause(o, "REASON", st->retract.reason);
    break;
  case CQL_ERASE_EVENT:
  case CQL_ERASE_SUBJECT:
    put(o, " ");
    put_expr(o, st->erase.event ? st->erase.event : st->erase.subject);
    put_clause(o, "REASON", st->erase.reason);
    break;
  case CQL_CREATE_USER:
  case CQL_ALTER_USER:
  case CQL_DROP_USER:
    put_user(o, st);
    break;
  case CQL_ALTER_SUBJECT:
    put(o, " ");
    put_expr(o, st->alter_subject.id);
    put_clause(o, "NAME", st->alter_subject.name);
    put_clause(o, "REASON", st->alter_subject.reason);
    break;
  case CQL_GRANT:
  case CQL_REVOKE:
    put(o, " ");
    put_expr(o, st->grant.source);
    putf(o, " (%s ", st->kind == CQL_GRANT ? "TO" : "FROM");
    put_name(o, st->grant.user);
    put(o, ")");
    break;
  default:
    break;
  }
}

static void put_stmt(out *o, const cql_stmt *st) {
  if (!st) {
    put(o, "(null)");
    return;
  }
  if (st->kind == CQL_SELECT) {
    put_select(o, st->select);
    return;
  }
  putf(o, "(%s", cql_kind_name(st->kind));
  put_stmt_body(o, st);
  put(o, ")");
}

int cql_stmt_dump(const cql_stmt *st, char *buf, size_t n) {
  out o = {buf, n, 0};
  put_stmt(&o, st);
  return finish(&o);
}

int cql_expr_dump(const cql_expr *e, char *buf, size_t n) {
  out o = {buf, n, 0};
  put_expr(&o, e);
  return finish(&o);
}

int cql_stmt_print(const cql_stmt *st, FILE *f) {
  char small[512], *buf = small;
  int len = cql_stmt_dump(st, small, sizeof small), r;
  if (len < 0)
    return -1;
  if ((size_t)len >= sizeof small) {
    if (!(buf = malloc((size_t)len + 1)))
      return -1;
    cql_stmt_dump(st, buf, (size_t)len + 1);
  }
  r = fputs(buf, f) < 0 ? -1 : len;
  if (buf != small)
    free(buf);
  return r;
}
