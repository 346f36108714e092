/*
 * pg_exec.c -- runs what a PostgreSQL session asks: simple Query (several
 * statements, each answered in turn), the extended protocol's Parse /
 * Bind / Describe / Execute / Close, and COPY (SELECT ...) TO STDOUT.
 *
 * Transactions follow PostgreSQL's rules on top of the engine's: BEGIN
 * only marks the block ('T'); the engine's write transaction (which holds
 * the store's one writer slot) starts at the first statement that writes,
 * so the BEGIN drivers wrap around every read costs nothing; an error in
 * a block makes it failed ('E'): everything but COMMIT/ROLLBACK is refused
 * with 25P02, and COMMIT then rolls back, as PostgreSQL does.
 *
 * Invariants: every Execute ends with CommandComplete, PortalSuspended,
 * EmptyQueryResponse or ErrorResponse; after an error in the extended
 * protocol, messages are skipped until Sync (pg_conn.c); a statement is
 * stepped by one portal at a time (binding another portal to it resets
 * it); reads stop at max rows (54000); a CancelRequest or max time stops a
 * statement inside the engine (57014).
 *
 * Does not: read the socket (pg_conn.c), or decide types (pg_types.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_conn.h"

#define OUT_FLUSH_AT (256u << 10)

/* ------------------------------------------------------ descriptions */

/* RowDescription of `st`. A column whose type the compiled statement does
 * not know (an aggregate of a JSON path, a coalesce) is described with the
 * type of the current row when `row` says there is one, else as text. */
static void row_desc_stmt(pg_conn *c, credo_stmt *st, const int16_t *fmt,
                          int nfmt, int row) {
  int n = credo_column_count(st);
  pg_begin(&c->out, 'T');
  pg_put_i16(&c->out, (int16_t)n);
  for (int i = 0; i < n; i++) {
    credo_type t = credo_column_decltype(st, i);
    int32_t oid;
    if (t == CREDO_T_NULL && row)
      t = credo_column_type(st, i);
    oid = pg_type_oid(t);
    pg_put_str(&c->out, credo_column_name(st, i));
    pg_put_i32(&c->out, 0);
    pg_put_i16(&c->out, 0);
    pg_put_i32(&c->out, oid);
    pg_put_i16(&c->out, (int16_t)pg_type_len(oid));
    pg_put_i32(&c->out, -1);
    pg_put_i16(&c->out, (int16_t)(nfmt == 0 ? 0 : fmt[nfmt == 1 ? 0 : i]));
  }
  pg_end(&c->out);
}

static void row_desc_res(pg_conn *c, const pg_result *r) {
  pg_begin(&c->out, 'T');
  pg_put_i16(&c->out, (int16_t)r->ncols);
  for (int i = 0; i < r->ncols; i++) {
    pg_put_str(&c->out, r->name[i]);
    pg_put_i32(&c->out, 0);
    pg_put_i16(&c->out, 0);
    pg_put_i32(&c->out, r->oid[i]);
    pg_put_i16(&c->out, (int16_t)pg_type_len(r->oid[i]));
    pg_put_i32(&c->out, -1);
    pg_put_i16(&c->out, 0);
  }
  pg_end(&c->out);
}

/* DataRows of a synthetic result from row `*at`, at most `max` (0: all);
 * 1 when rows remain. Synthetic results are always text. */
static int res_rows(pg_conn *c, const pg_result *r, size_t *at, int32_t max) {
  size_t sent = 0;
  for (; *at < r->nrows; (*at)++) {
    if (max > 0 && sent == (size_t)max)
      return 1;
    pg_begin(&c->out, 'D');
    pg_put_i16(&c->out, (int16_t)r->ncols);
    for (int i = 0; i < r->ncols; i++) {
      const char *s = r->cells[*at * (size_t)r->ncols + (size_t)i];
      pg_put_i32(&c->out, s ? (int32_t)strlen(s) : -1);
      if (s)
        pg_put_bytes(&c->out, s, strlen(s));
    }
    pg_end(&c->out);
    sent++;
  }
  return 0;
}

/* The command tag of a finished CQL statement. */
static void tag_for(credo_stmt *st, const char *text, uint64_t rows, char *tag,
                    size_t n) {
  char w1[24] = "", w2[24] = "";
  if (credo_column_count(st) > 0) {
    snprintf(tag, n, "SELECT %llu", (unsigned long long)rows);
    return;
  }
  sscanf(text, "%23s %23s", w1, w2);
  for (char *p = w1; *p; p++)
    *p = (char)toupper((unsigned char)*p);
  for (char *p = w2; *p; p++)
    *p = (char)toupper((unsigned char)*p);
  if (!strcmp(w1, "CREATE") || !strcmp(w1, "ALTER") || !strcmp(w1, "DROP"))
    snprintf(tag, n, "%s %s", w1, w2);
  else
    snprintf(tag, n, "%s", w1);
}

/* ---------------------------------------------------------- stepping */

enum { STEP_DONE = 0, STEP_MORE, STEP_ERR };

/* Starts the engine's transaction for a block at its first write. */
static int lazy_begin(pg_conn *c, credo_stmt *st) {
  if (c->txn == PG_TX_BLOCK && !credo_in_txn(c->db) &&
      !credo_stmt_readonly(st) && credo_begin(c->db) != CREDO_OK) {
    pg_engine_error(c, NULL, 0);
    return -1;
  }
  return 0;
}

/* Steps `st` sending DataRows in formats rfmt (nres of them), at most
 * `max` rows (0: all). `text`/`base` locate errors. */
static int step_rows(pg_conn *c, credo_stmt *st, const int16_t *rfmt, int nres,
                     int32_t max, uint64_t *rows, const char *text, int base,
                     int first) {
  int n = credo_column_count(st), rc, read = credo_stmt_readonly(st);
  int32_t sent = 0;
  while (max <= 0 || sent < max) {
    rc = first ? first : credo_step(st); /* `first`: already stepped */
    first = 0;
    if (rc == CREDO_DONE && credo_stmt_notice(st)) /* psql: "NOTICE:  ..." */
      pg_enc_error(&c->out, 'N', "NOTICE", "00000", credo_stmt_notice(st), 0);
    if (rc == CREDO_DONE)
      return STEP_DONE;
    if (rc != CREDO_ROW) {
      pg_engine_error(c, text, base);
      return STEP_ERR;
    }
    if (read && *rows >= c->srv->cfg->max_rows) {
      char msg[120];
      snprintf(msg, sizeof msg,
               "statement returned more than %llu rows "
               "(max rows of this server)",
               (unsigned long long)c->srv->cfg->max_rows);
      pg_error(c, "54000", msg, 0);
      return STEP_ERR;
    }
    pg_begin(&c->out, 'D');
    pg_put_i16(&c->out, (int16_t)n);
    for (int i = 0; i < n; i++)
      pg_put_column(&c->out, st, i, nres == 0 ? 0 : rfmt[nres == 1 ? 0 : i],
                    c->set.tz, credo_column_decltype(st, i));
    pg_end(&c->out);
    (*rows)++;
    sent++;
    if (c->out.n >= OUT_FLUSH_AT && pg_conn_flush(c) < 0)
      return STEP_ERR;
  }
  return STEP_MORE;
}

/* ------------------------------------------------------- transactions */

static void end_block(pg_conn *c, int commit) {
  const char *tag = commit && c->txn != PG_TX_FAILED ? "COMMIT" : "ROLLBACK";
  if (c->txn == PG_TX_IDLE && !credo_in_txn(c->db)) {
    pg_enc_error(&c->out, 'N', "WARNING", "25P01",
                 "there is no transaction in progress", 0);
  } else if (credo_in_txn(c->db)) {
    if (!strcmp(tag, "COMMIT") && credo_commit(c->db) != CREDO_OK) {
      c->txn = PG_TX_IDLE;
      pg_engine_error(c, NULL, 0);
      return;
    }
    if (!strcmp(tag, "ROLLBACK"))
      credo_rollback(c->db);
  }
  c->txn = PG_TX_IDLE;
  pg_enc_complete(&c->out, tag);
}

/* Applies what a SET changed to the handle and tells the client. */
static void after_set(pg_conn *c, const pg_compat_out *k) {
  if (!strcmp(k->setting, "timezone")) {
    credo_set_tz(c->db, c->set.tz);
    pg_enc_param_status(&c->out, "TimeZone", c->set.timezone);
  } else if (!strcmp(k->setting, "application_name")) {
    pg_enc_param_status(&c->out, "application_name", c->set.application_name);
  } else if (!strcmp(k->setting, "datestyle")) {
    pg_enc_param_status(&c->out, "DateStyle", c->set.datestyle);
  }
  pg_enc_complete(&c->out, "SET");
}

/* ------------------------------------------------------------- COPY */

static void copy_field(pg_buf *b, const char *s, size_t n, int csv) {
  if (!csv) {
    for (size_t i = 0; i < n; i++) {
      const char *e = s[i] == '\\'   ? "\\\\"
                      : s[i] == '\t' ? "\\t"
                      : s[i] == '\n' ? "\\n"
                      : s[i] == '\r' ? "\\r"
                                     : NULL;
      if (e)
        pg_put_bytes(b, e, 2);
      else
        pg_put_u8(b, (uint8_t)s[i]);
    }
    return;
  }
  if (n > 0 && !memchr(s, ',', n) && !memchr(s, '"', n) &&
      !memchr(s, '\n', n) && !memchr(s, '\r', n)) {
    pg_put_bytes(b, s, n);
    return;
  }
  pg_put_u8(b, '"');
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"')
      pg_put_u8(b, '"');
    pg_put_u8(b, (uint8_t)s[i]);
  }
  pg_put_u8(b, '"');
}

/* COPY (query) TO STDOUT: CopyOutResponse, one CopyData per row,
 * CopyDone, "COPY n". */
static int run_copy(pg_conn *c, const pg_compat_out *k) {
  char *q = strndup(k->copy_query, k->copy_len), buf[64];
  credo_stmt *st = NULL;
  uint64_t rows = 0;
  int n, rc = -1;
  if (!q || credo_prepare(c->db, q, -1, &st, NULL) != CREDO_OK || !st) {
    if (q)
      pg_engine_error(c, NULL, 0);
    goto out;
  }
  n = credo_column_count(st);
  pg_begin(&c->out, 'H');
  pg_put_u8(&c->out, 0);
  pg_put_i16(&c->out, (int16_t)n);
  for (int i = 0; i < n; i++)
    pg_put_i16(&c->out, 0);
  pg_end(&c->out);
  if (k->copy_header) {
    pg_begin(&c->out, 'd');
    for (int i = 0; i < n; i++) {
      const char *name = credo_column_name(st, i);
      if (i)
        pg_put_u8(&c->out, k->copy_csv ? ',' : '\t');
      copy_field(&c->out, name, strlen(name), k->copy_csv);
    }
    pg_put_u8(&c->out, '\n');
    pg_end(&c->out);
  }
  while ((rc = credo_step(st)) == CREDO_ROW) {
    pg_begin(&c->out, 'd');
    for (int i = 0; i < n; i++) {
      size_t len = 0;
      const char *s = pg_column_str(st, i, c->set.tz, buf, &len);
      if (i)
        pg_put_u8(&c->out, k->copy_csv ? ',' : '\t');
      if (s)
        copy_field(&c->out, s, len, k->copy_csv);
      else if (!k->copy_csv)
        pg_put_bytes(&c->out, "\\N", 2);
    }
    pg_put_u8(&c->out, '\n');
    pg_end(&c->out);
    if (++rows >= c->srv->cfg->max_rows ||
        (c->out.n >= OUT_FLUSH_AT && pg_conn_flush(c) < 0))
      break;
  }
  if (rc != CREDO_ROW && rc != CREDO_DONE) {
    pg_engine_error(c, q, 0);
    rc = -1;
    goto out;
  }
  pg_enc_simple(&c->out, 'c');
  snprintf(buf, sizeof buf, "COPY %llu", (unsigned long long)rows);
  pg_enc_complete(&c->out, buf);
  rc = 0;
out:
  credo_finalize(st);
  free(q);
  return rc;
}

/* ------------------------------------------------------ simple query */

/* Runs one CQL statement of a simple Query; -1 on error. */
static int run_cql(pg_conn *c, const char *orig, int base) {
  credo_stmt *st = NULL;
  uint64_t rows = 0;
  char tag[64], err[200];
  const char *text;
  pg_sql sql;
  int first = 0, r = pg_sql_rewrite(orig, &sql, err, sizeof err);
  if (r != CREDO_OK || sql.nq > 0) {
    if (r == CREDO_OK)
      snprintf(err, sizeof err,
               "$n parameters need the extended protocol "
               "(Parse/Bind), not a simple Query");
    pg_error(c, r == CREDO_OK ? "08P01" : pg_sqlstate(r, err), err, 0);
    pg_sql_free(&sql);
    return -1;
  }
  text = sql.text;
  if (credo_prepare(c->db, text, -1, &st, NULL) != CREDO_OK) {
    pg_engine_error(c, text, base);
    pg_sql_free(&sql);
    return -1;
  }
  if (!st) {
    pg_enc_simple(&c->out, 'I');
    pg_sql_free(&sql);
    return 0;
  }
  if (lazy_begin(c, st) < 0) {
    credo_finalize(st);
    pg_sql_free(&sql);
    return -1;
  }
  if (credo_column_count(st) > 0) { /* the first row types the columns */
    first = credo_step(st);
    row_desc_stmt(c, st, NULL, 0, first == CREDO_ROW);
  }
  r = step_rows(c, st, NULL, 0, 0, &rows, text, base, first);
  if (r == STEP_DONE) {
    tag_for(st, text, rows, tag, sizeof tag);
    pg_enc_complete(&c->out, tag);
  }
  credo_finalize(st);
  pg_sql_free(&sql);
  return r == STEP_DONE ? 0 : -1;
}

static void send_result(pg_conn *c, pg_result *r) {
  size_t at = 0;
  row_desc_res(c, r);
  res_rows(c, r, &at, 0);
  if (!r->tag[0])
    snprintf(r->tag, sizeof r->tag, "SELECT %zu", r->nrows);
  pg_enc_complete(&c->out, r->tag);
}

/* One statement of a simple Query (text[0..len)); -1 on error. */
/* A statement that is not one of the driver statements: a catalog
 * query, else CQL. -1 on error. */
static int run_query(pg_conn *c, const char *text, size_t len, int base) {
  char err[300] = "", *s = strndup(text, len);
  pg_result res;
  int rc, out = 0;
  if (!s) {
    pg_error(c, "53200", "out of memory", 0);
    return -1;
  }
  rc = pg_catalog(c->db, s, len, &c->set, &res, err, sizeof err);
  if (rc > 0)
    send_result(c, &res);
  else if (rc < 0)
    pg_error(c, pg_sqlstate(rc, err), err, 0);
  else
    out = run_cql(c, s, base);
  if (rc != 0)
    pg_result_free(&res);
  free(s);
  return rc < 0 ? -1 : out;
}

/* DISCARD ALL / RESET ALL / DEALLOCATE ... / UNLISTEN * / CLOSE ALL: the
 * tag is the statement's first word; DISCARD ALL and DEALLOCATE ALL drop
 * the prepared statements, as PostgreSQL. */
static void discard(pg_conn *c, const char *text, size_t len) {
  char tag[24] = "";
  size_t i;
  for (i = 0; i < len && i < sizeof tag - 1 && !isspace((unsigned char)text[i]);
       i++)
    tag[i] = (char)toupper((unsigned char)text[i]);
  tag[i] = '\0';
  if (!strcmp(tag, "DISCARD") ||
      (!strcmp(tag, "DEALLOCATE") && strcasestr(text, "all") != NULL))
    pg_exec_close_all(c);
  pg_enc_complete(&c->out, !strcmp(tag, "DISCARD") ? "DISCARD ALL" : tag);
}

static void begin_block(pg_conn *c) {
  if (c->txn != PG_TX_IDLE)
    pg_enc_error(&c->out, 'N', "WARNING", "25001",
                 "there is already a transaction in progress", 0);
  c->txn = PG_TX_BLOCK;
  pg_enc_complete(&c->out, "BEGIN");
}

static const char ABORTED[] = "current transaction is aborted, commands "
                              "ignored until end of transaction block";

/* One statement of a simple Query (text[0..len)); -1 on error. */
static int run_one(pg_conn *c, const char *text, size_t len, int base) {
  char err[300] = "";
  pg_compat_out k;
  int rc = pg_compat(text, len, &c->set, &k, err, sizeof err), out = 0;
  if (rc != CREDO_OK) {
    pg_error(c, pg_sqlstate(rc, err), err, 0);
    return -1;
  }
  if (c->txn == PG_TX_FAILED && k.kind != PG_C_COMMIT &&
      k.kind != PG_C_ROLLBACK) {
    pg_compat_free(&k);
    pg_error(c, "25P02", ABORTED, 0);
    return -1;
  }
  switch (k.kind) {
  case PG_C_SET:
    after_set(c, &k);
    break;
  case PG_C_RESULT:
    send_result(c, &k.res);
    break;
  case PG_C_BEGIN:
    begin_block(c);
    break;
  case PG_C_COMMIT:
  case PG_C_ROLLBACK:
    end_block(c, k.kind == PG_C_COMMIT);
    break;
  case PG_C_DISCARD:
    discard(c, text, len);
    break;
  case PG_C_COPY:
    out = run_copy(c, &k);
    break;
  case PG_C_EMPTY:
    pg_enc_simple(&c->out, 'I');
    break;
  default:
    out = run_query(c, text, len, base);
  }
  pg_compat_free(&k);
  return out;
}

/* Number of characters in q[0..n). */
static int chars(const char *q, size_t n) {
  int k = 0;
  for (size_t i = 0; i < n; i++)
    k += ((unsigned char)q[i] & 0xC0) != 0x80;
  return k;
}

void pg_exec_query(pg_conn *c, const char *q) {
  const char *start, *next, *at = q;
  size_t len;
  int any = 0;
  atomic_store(&c->cancel, 0);
  while ((len = pg_sql_next(at, &start, &next)) > 0) {
    any = 1;
    if (run_one(c, start, len, chars(q, (size_t)(start - q))) < 0)
      break;
    at = next;
  }
  if (!any)
    pg_enc_simple(&c->out, 'I');
  c->skip_to_sync = 0;
  pg_enc_ready(&c->out, pg_txn_status(c));
}

/* -------------------------------------------------- extended protocol */

static int find_stmt(pg_conn *c, const char *name) {
  if (!*name)
    return c->stmts[0].used ? 0 : -1;
  for (int i = 1; i < PG_MAX_STMTS; i++)
    if (c->stmts[i].used && !strcmp(c->stmts[i].name, name))
      return i;
  return -1;
}

static int find_portal(pg_conn *c, const char *name) {
  if (!*name)
    return c->portals[0].used ? 0 : -1;
  for (int i = 1; i < PG_MAX_PORTALS; i++)
    if (c->portals[i].used && !strcmp(c->portals[i].name, name))
      return i;
  return -1;
}

static void portal_free(pg_conn *c, int i) {
  pg_portal *p = &c->portals[i];
  if (!p->used)
    return;
  if (p->stmt >= 0 && c->stmts[p->stmt].portal == i)
    c->stmts[p->stmt].portal = -1;
  pg_result_free(&p->res);
  memset(p, 0, sizeof *p);
}

static void stmt_free(pg_conn *c, int i) {
  pg_stmt *s = &c->stmts[i];
  if (!s->used)
    return;
  for (int k = 0; k < PG_MAX_PORTALS; k++)
    if (c->portals[k].used && c->portals[k].stmt == i)
      portal_free(c, k);
  credo_finalize(s->st);
  pg_sql_free(&s->sql);
  free(s->orig);
  memset(s, 0, sizeof *s);
  s->portal = -1;
}

void pg_exec_close_all(pg_conn *c) {
  for (int i = 0; i < PG_MAX_STMTS; i++)
    stmt_free(c, i);
}

/* Fills `res` with the answer of a statement made here (compat result or
 * catalog). 1 when it has one, 0 when it has none, -1 after an error. */
static int made_here(pg_conn *c, pg_stmt *s, pg_result *res) {
  char err[300] = "";
  pg_compat_out k;
  int rc;
  if (s->catalog) {
    rc = pg_catalog(c->db, s->orig, strlen(s->orig), &c->set, res, err,
                    sizeof err);
    if (rc < 0)
      pg_error(c, pg_sqlstate(rc, err), err, 0);
    return rc < 0 ? -1 : 1;
  }
  if (s->compat != PG_C_RESULT)
    return 0;
  if (pg_compat(s->orig, strlen(s->orig), &c->set, &k, err, sizeof err) !=
      CREDO_OK) {
    pg_error(c, "XX000", err, 0);
    return -1;
  }
  *res = k.res; /* moves the result out */
  return 1;
}

/* The slot for a statement named `name` (0 for the unnamed one); -1
 * after an error. */
static int parse_slot(pg_conn *c, const char *name) {
  char err[PG_NAME_MAX + 64];
  int slot;
  if (!*name)
    return 0;
  if (strlen(name) > PG_NAME_MAX) {
    pg_error(c, "42602", "statement name too long", 0);
    return -1;
  }
  if (find_stmt(c, name) >= 0) {
    snprintf(err, sizeof err, "prepared statement \"%s\" already exists", name);
    pg_error(c, "42P05", err, 0);
    return -1;
  }
  for (slot = 1; slot < PG_MAX_STMTS && c->stmts[slot].used; slot++)
    ;
  if (slot == PG_MAX_STMTS) {
    pg_error(c, "54000", "too many prepared statements", 0);
    return -1;
  }
  return slot;
}

/* Decides what the statement is (driver statement, catalog query, CQL)
 * and compiles CQL. 0, or -1 after an error. */
static int parse_compile(pg_conn *c, pg_stmt *s) {
  char err[300] = "";
  pg_compat_out k;
  pg_result res;
  size_t len = strlen(s->orig);
  pg_settings scratch = c->set; /* a SET takes effect at Execute, not here */
  int rc = pg_compat(s->orig, len, &scratch, &k, err, sizeof err);
  s->compat = rc == CREDO_OK ? k.kind : PG_C_NONE;
  pg_compat_free(&k);
  if (rc == CREDO_OK && s->compat == PG_C_NONE) {
    rc = pg_catalog(c->db, s->orig, len, &c->set, &res, err, sizeof err);
    if (rc != 0)
      pg_result_free(&res);
    s->catalog = rc > 0;
    rc = rc < 0 ? rc : CREDO_OK;
  }
  if (rc == CREDO_OK && s->compat == PG_C_NONE && !s->catalog &&
      (rc = pg_sql_rewrite(s->orig, &s->sql, err, sizeof err)) == CREDO_OK)
    rc = pg_sql_cast_params(&s->sql, s->ptypes, s->nptypes);
  if (rc != CREDO_OK) {
    pg_error(c, pg_sqlstate(rc, err), err, 0);
    return -1;
  }
  if (s->compat != PG_C_NONE || s->catalog)
    return 0;
  if (credo_prepare(c->db, s->sql.text, -1, &s->st, NULL) != CREDO_OK) {
    pg_engine_error(c, s->sql.text, 0);
    return -1;
  }
  if (!s->st)
    s->compat = PG_C_EMPTY;
  return 0;
}

void pg_exec_parse(pg_conn *c, const uint8_t *p, size_t n) {
  pg_parse_msg m;
  const char *why;
  pg_stmt *s;
  int slot;
  if (pg_dec_parse(p, n, &m, &why) != CREDO_OK)
    return pg_error(c, "08P01", why, 0);
  if (c->txn == PG_TX_FAILED)
    return pg_error(c, "25P02", ABORTED, 0);
  if ((slot = parse_slot(c, m.name)) < 0)
    return;
  stmt_free(c, slot);
  s = &c->stmts[slot];
  snprintf(s->name, sizeof s->name, "%s", m.name);
  s->nptypes = m.nparams;
  for (int i = 0; i < m.nparams; i++) {
    pg_rd r = {m.oids + 4 * i, 4, 0, 0};
    s->ptypes[i] = pg_get_i32(&r);
  }
  if (!(s->orig = strdup(m.query)))
    return pg_error(c, "53200", "out of memory", 0);
  s->used = 1;
  if (parse_compile(c, s) < 0)
    return stmt_free(c, slot);
  pg_enc_simple(&c->out, '1');
}

/* Binds the parameters of a Bind message to s->st. */
static int bind_params(pg_conn *c, pg_stmt *s, const pg_bind_msg *m) {
  pg_value vals[PG_MAX_PARAMS];
  pg_rd r = {m->params, m->params_len, 0, 0};
  char err[200];
  if (m->nparams != s->sql.nparams) {
    snprintf(err, sizeof err,
             "bind message supplies %d parameters, but prepared statement "
             "\"%s\" requires %d",
             m->nparams, s->name, s->sql.nparams);
    pg_error(c, "08P01", err, 0);
    return -1;
  }
  for (int i = 0; i < m->nparams; i++)
    (void)pg_bind_next(&r, &vals[i]);
  credo_reset(s->st);
  credo_clear_bindings(s->st);
  for (int k = 0; k < s->sql.nq; k++) {
    int j = s->sql.map[k], rc;
    int32_t oid = s->sql.hint[k]   ? s->sql.hint[k]
                  : j < s->nptypes ? s->ptypes[j]
                                   : 0;
    err[0] = '\0';
    rc = (s->sql.cast[k] ? pg_bind_cast : pg_bind_value)(
        s->st, k + 1, &vals[j], pg_fmt_at(m->fmts, m->nfmt, j), oid, c->set.tz,
        err, sizeof err);
    if (rc != CREDO_OK) {
      if (!err[0])
        snprintf(err, sizeof err, "cannot bind parameter $%d: %s", j + 1,
                 credo_strerror(rc));
      pg_error(c, "22P02", err, 0);
      return -1;
    }
  }
  return 0;
}

void pg_exec_bind(pg_conn *c, const uint8_t *p, size_t n) {
  pg_bind_msg m;
  const char *why;
  char err[200];
  pg_portal *po;
  pg_stmt *s;
  int si, slot = 0;
  if (pg_dec_bind(p, n, &m, &why) != CREDO_OK)
    return pg_error(c, "08P01", why, 0);
  if ((si = find_stmt(c, m.stmt)) < 0) {
    snprintf(err, sizeof err, "prepared statement \"%s\" does not exist",
             m.stmt);
    return pg_error(c, "26000", err, 0);
  }
  s = &c->stmts[si];
  if (*m.portal) {
    if (find_portal(c, m.portal) >= 0)
      return pg_error(c, "42P03", "portal already exists", 0);
    for (slot = 1; slot < PG_MAX_PORTALS && c->portals[slot].used; slot++)
      ;
    if (slot == PG_MAX_PORTALS)
      return pg_error(c, "54000", "too many portals", 0);
  }
  portal_free(c, slot);
  if (s->st && s->portal >= 0)
    portal_free(c, s->portal); /* one portal steps a statement at a time */
  if (s->st && bind_params(c, s, &m) < 0)
    return;
  po = &c->portals[slot];
  po->used = 1;
  po->stmt = si;
  snprintf(po->name, sizeof po->name, "%s", m.portal);
  po->nres = m.nres > PG_RES_MAX_COLS ? PG_RES_MAX_COLS : m.nres;
  for (int i = 0; i < po->nres; i++)
    po->rfmt[i] = (int16_t)pg_fmt_at(m.res, m.nres, i);
  if (s->st)
    s->portal = slot;
  if (!s->st) {
    int r = made_here(c, s, &po->res);
    if (r < 0)
      return portal_free(c, slot);
    po->has_res = r;
  }
  pg_enc_simple(&c->out, '2');
}

void pg_exec_describe(pg_conn *c, const uint8_t *p, size_t n) {
  const char *why, *name;
  char what, err[120];
  pg_result res;
  pg_stmt *s;
  int i;
  if (pg_dec_target(p, n, &what, &name, &why) != CREDO_OK)
    return pg_error(c, "08P01", why, 0);
  if (what == 'S') {
    if ((i = find_stmt(c, name)) < 0) {
      snprintf(err, sizeof err, "prepared statement \"%s\" does not exist",
               name);
      return pg_error(c, "26000", err, 0);
    }
    s = &c->stmts[i];
    pg_begin(&c->out, 't');
    pg_put_i16(&c->out, (int16_t)s->sql.nparams);
    for (int j = 0; j < s->sql.nparams; j++) {
      int32_t oid = j < s->nptypes && s->ptypes[j] ? s->ptypes[j] : 0;
      for (int k = 0; !oid && k < s->sql.nq; k++)
        if (s->sql.map[k] == j)
          oid = s->sql.hint[k];
      pg_put_i32(&c->out, oid ? oid : PG_OID_TEXT);
    }
    pg_end(&c->out);
    if (s->st && credo_column_count(s->st) > 0)
      return row_desc_stmt(c, s->st, NULL, 0, 0);
    if (!s->st && made_here(c, s, &res) > 0) {
      row_desc_res(c, &res);
      return pg_result_free(&res);
    }
    return pg_enc_simple(&c->out, 'n');
  }
  if ((i = find_portal(c, name)) < 0)
    return pg_error(c, "34000", "portal does not exist", 0);
  s = &c->stmts[c->portals[i].stmt];
  if (s->st && credo_column_count(s->st) > 0)
    return row_desc_stmt(c, s->st, c->portals[i].rfmt, c->portals[i].nres, 0);
  if (c->portals[i].has_res)
    return row_desc_res(c, &c->portals[i].res);
  pg_enc_simple(&c->out, 'n');
}

/* Execute of a statement made here (SET, BEGIN, SHOW, catalog ...). */
static void execute_here(pg_conn *c, pg_portal *po, pg_stmt *s, int32_t max) {
  char err[300];
  pg_compat_out k;
  if (po->has_res) {
    if (res_rows(c, &po->res, &po->res_at, max))
      return pg_enc_simple(&c->out, 's');
    if (!po->res.tag[0])
      snprintf(po->res.tag, sizeof po->res.tag, "SELECT %zu", po->res.nrows);
    return pg_enc_complete(&c->out, po->res.tag);
  }
  if (c->txn == PG_TX_FAILED && s->compat != PG_C_COMMIT &&
      s->compat != PG_C_ROLLBACK)
    return pg_error(c, "25P02", ABORTED, 0);
  switch (s->compat) {
  case PG_C_SET:
    if (pg_compat(s->orig, strlen(s->orig), &c->set, &k, err, sizeof err) !=
        CREDO_OK)
      return pg_error(c, "22023", err, 0);
    after_set(c, &k);
    return pg_compat_free(&k);
  case PG_C_BEGIN:
    c->txn = c->txn == PG_TX_IDLE ? PG_TX_BLOCK : c->txn;
    return pg_enc_complete(&c->out, "BEGIN");
  case PG_C_COMMIT:
  case PG_C_ROLLBACK:
    return end_block(c, s->compat == PG_C_COMMIT);
  case PG_C_DISCARD:
    return pg_enc_complete(&c->out, "DISCARD ALL");
  case PG_C_COPY:
    return pg_error(c, "0A000",
                    "COPY runs in a simple Query only, not in Parse/Bind", 0);
  default:
    pg_enc_simple(&c->out, 'I');
  }
}

void pg_exec_execute(pg_conn *c, const uint8_t *p, size_t n) {
  const char *why, *name;
  int32_t max;
  pg_portal *po;
  pg_stmt *s;
  char tag[64];
  uint64_t before;
  int i, r;
  if (pg_dec_execute(p, n, &name, &max, &why) != CREDO_OK)
    return pg_error(c, "08P01", why, 0);
  if ((i = find_portal(c, name)) < 0)
    return pg_error(c, "34000", "portal does not exist", 0);
  po = &c->portals[i];
  s = &c->stmts[po->stmt];
  if (!s->st)
    return execute_here(c, po, s, max);
  if (c->txn == PG_TX_FAILED)
    return pg_error(c, "25P02", ABORTED, 0);
  if (!po->started) {
    atomic_store(&c->cancel, 0);
    if (lazy_begin(c, s->st) < 0)
      return;
    po->started = 1;
  }
  before = po->rows;
  r = step_rows(c, s->st, po->rfmt, po->nres, max, &po->rows, s->sql.text, 0,
                0);
  if (r == STEP_MORE)
    return pg_enc_simple(&c->out, 's');
  if (r == STEP_DONE) {
    /* as PostgreSQL: the rows of this Execute, not of the portal */
    tag_for(s->st, s->sql.text, po->rows - before, tag, sizeof tag);
    pg_enc_complete(&c->out, tag);
  }
  credo_reset(s->st);
  po->started = 0;
  po->rows = 0;
}

void pg_exec_close(pg_conn *c, const uint8_t *p, size_t n) {
  const char *why, *name;
  char what;
  int i;
  if (pg_dec_target(p, n, &what, &name, &why) != CREDO_OK)
    return pg_error(c, "08P01", why, 0);
  if (what == 'S' && (i = find_stmt(c, name)) >= 0)
    stmt_free(c, i);
  else if (what == 'P' && (i = find_portal(c, name)) >= 0)
    portal_free(c, i);
  pg_enc_simple(&c->out, '3');
}
