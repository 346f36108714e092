/*
 * srv_exec.c -- the requests that run CQL: PREPARE, EXECUTE, QUERY and
 * CLOSE, on the connection's engine handle, streaming rows as ROWS frames.
 *
 * Invariants: every request gets exactly one terminal frame (PREPARED,
 * DONE, OK or ERROR) after its ROWS; only reads (SELECT, HISTORY, EXPLAIN,
 * SHOW) are stopped by max rows, CANCEL or the client leaving, between
 * rows or inside a long step (the engine's check handler polls the socket
 * every WATCH_EVERY rows examined); max time stops any statement inside
 * the engine. A write statement does all its work, atomically, in its
 * first step (engine/exec.h): stopped there it writes nothing, and once it
 * has run it is answered in full, so an ERROR always means "nothing of it
 * was written" (inside BEGIN the ERROR's in_txn says whether the
 * transaction survived; a stopped write that had written rolls it back and
 * says so); DONE counts the rows sent and changed by the request's own
 * statements; JSON parameters are checked before a run; engine errors
 * carry the engine's code, message and position (shifted to the whole
 * text for QUERY);
 * failed statements are logged with their code and message, except the message
 * of statements about users (it could quote a password); statement texts are
 * never logged. Statement ids are per connection, from 1, never 0.
 *
 * Does not: read or write the socket except through srv_conn_flush /
 * srv_conn_cancelled; check roles (the engine does, on the handle).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srv.h"

#define CHECK_EVERY 64   /* rows between clock and cancel checks */
#define WATCH_EVERY 1024 /* rows examined between the engine's checks */

enum {
  RUN_DONE = 0,
  RUN_ENGINE,    /* the engine failed: its error is on the handle */
  RUN_ROWS,      /* max rows */
  RUN_TIME,      /* max time */
  RUN_CANCELLED, /* CANCEL or client gone */
};

/* ------------------------------------------------------------ errors */

/* Where the statement at byte `off` of `sql` starts (1-based). */
static void text_pos(const char *sql, size_t off, int *line, int *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off; i++) {
    if (sql[i] == '\n') {
      (*line)++;
      *col = 1;
    } else if (((unsigned char)sql[i] & 0xC0) != 0x80) {
      (*col)++;
    }
  }
}

/* Queues the engine's error for `req`; `sql`/`off` (may be NULL/0) locate
 * the statement in the request's text. Logs a stmt_error line. */
static void engine_error(srv_conn *c, uint32_t req, const char *sql,
                         size_t off) {
  int code = credo_errcode(c->db), line, col, l0, c0, skip = 0;
  const char *msg = credo_errmsg(c->db);
  char q[600], u[100];
  credo_errpos(c->db, &line, &col);
  if (sql && off > 0 && line > 0) {
    text_pos(sql, off, &l0, &c0);
    if (line == 1)
      col += c0 - 1;
    line += l0 - 1;
  }
  if (code >= 0)
    code = CREDO_ERROR;
  if (sql && off > 0 && line > 0 &&
      sscanf(msg, "line %*d, column %*d: %n", &skip) == 0 && skip > 0)
    cl_enc_errorf_txn(&c->out, req, code, srv_in_txn(c), line, col,
                      "line %d, column %d: %s", line, col,
                      msg + skip); /* the message says it too */
  else
    cl_enc_errorf_txn(&c->out, req, code, srv_in_txn(c), line, col, "%s", msg);
  if (sql && strcasestr(sql, "user"))
    msg = "(withheld: statement about users)";
  srv_log(SRV_INFO, "stmt_error",
          "conn=%u user=%s req=%u code=%s line=%d col=%d msg=%s", c->id,
          srv_logq(u, sizeof u, c->user), req, credo_errname(code), line, col,
          srv_logq(q, sizeof q, msg));
}

/* Queues a server-side ERROR for `req` and logs it as `event`. */
static void req_error(srv_conn *c, uint32_t req, int code, const char *event,
                      const char *msg) {
  char q[300];
  cl_enc_errorf_txn(&c->out, req, code, srv_in_txn(c), 0, 0, "%s", msg);
  srv_log(SRV_INFO, event, "conn=%u req=%u code=%s msg=%s", c->id, req,
          credo_errname(code), srv_logq(q, sizeof q, msg));
}

/* ------------------------------------------------------------ rows */

/* A DURATION travels as tag 8 on a version-2 connection, as its TEXT on a
 * version-1 one (whose clients do not know the tag). */
static void put_value(cl_wbuf *w, credo_stmt *st, int i, int proto) {
  cl_value v;
  const char *s;
  v.t = (uint8_t)credo_column_type(st, i);
  switch (v.t) {
  case CREDO_T_INT:
  case CREDO_T_BOOL:
    v.u.i = credo_column_int64(st, i);
    break;
  case CREDO_T_REAL:
    v.u.r = credo_column_double(st, i);
    break;
  case CREDO_T_TIME:
    v.u.i = credo_column_time(st, i);
    break;
  case CREDO_T_TEXT:
    if (proto >= CL_PROTO_DURATION &&
        credo_column_duration(st, i, &v.u.d) == CREDO_OK) {
      v.t = CL_T_DURATION; /* shown as TEXT, travels exactly */
      break;
    }
    /* fall through */
  case CREDO_T_JSON:
  case CREDO_T_DECIMAL:
    s = credo_column_text(st, i);
    v.u.s.p = s ? s : "";
    v.u.s.n = (uint32_t)strlen(v.u.s.p);
    break;
  default:
    v.t = CREDO_T_NULL;
  }
  cl_wr_value(w, &v);
}

/* State of one statement's result stream. */
typedef struct stream {
  uint32_t req;
  int ncols;
  uint64_t rows;
  size_t at;   /* nrows field of the open ROWS frame */
  uint32_t n;  /* rows in the open frame */
  int open;    /* a ROWS frame is open */
  int64_t end; /* max-time deadline */
} stream;

/* Closes the open ROWS frame; 0 or -1 (client gone) after flushing when
 * the output is large. */
static int batch_end(srv_conn *c, stream *s) {
  if (!s->open)
    return 0;
  s->open = 0;
  cl_rows_end(&c->out, s->at, s->n);
  if (c->out.n >= CL_ROWS_BATCH * 4)
    return srv_conn_flush(c);
  return 0;
}

/* Between rows: the clock, the batch size and cancels. */
static int between_rows(srv_conn *c, stream *s) {
  if (cl_wr_payload(&c->out) >= CL_ROWS_BATCH) {
    if (batch_end(c, s) < 0 || srv_conn_cancelled(c, s->req))
      return RUN_CANCELLED;
  }
  if (s->rows % CHECK_EVERY == 0) {
    if (cl_now_ms() > s->end)
      return RUN_TIME;
    if (srv_conn_cancelled(c, s->req))
      return RUN_CANCELLED;
  }
  return RUN_DONE;
}

/* The engine's check handler during a read: stops one long step (an
 * aggregate over the whole store produces no row for a long time) when a
 * CANCEL for it arrives or the client is gone. */
typedef struct watch {
  srv_conn *c;
  uint32_t req;
} watch;

static int watch_cancel(void *arg) {
  watch *w = arg;
  return srv_conn_cancelled(w->c, w->req);
}

/* Why the engine stopped a step with `rc`: CREDO_CANCELLED comes from the
 * check handler (a CANCEL, or the client gone) or from the handle's time
 * limit (credo_set_timeout with max time, srv_listen.c); anything else is
 * the engine's own error. The clock is read exactly here: s->end came
 * from the coarse clock before the engine armed its own (exact) limit, so
 * an exact reading is past s->end whenever the engine's limit fired; a
 * coarse one may lag a tick behind and call it the engine's own error. */
static int stopped_why(srv_conn *c, const stream *s, int rc, int read) {
  if (rc == CREDO_CANCELLED && read && srv_conn_cancelled(c, s->req))
    return RUN_CANCELLED;
  if (rc == CREDO_CANCELLED && cl_now_ms_exact() >= s->end)
    return RUN_TIME;
  return RUN_ENGINE;
}

/* Steps `st` to its end, appending ROWS frames; a read may be stopped by
 * the limits or a cancel, also inside a step. RUN_* result. */
static int run(srv_conn *c, uint32_t req, credo_stmt *st, int read,
               uint64_t *rows) {
  stream s = {req, credo_column_count(st), 0, 0, 0, 0, 0};
  watch w = {c, req};
  int rc, r = RUN_DONE;
  s.end = cl_now_ms() + (int64_t)c->srv->cfg->max_time_ms;
  c->txn_at_start = srv_in_txn(c);
  if (read)
    credo_set_check_handler(c->db, WATCH_EVERY, watch_cancel, &w);
  while (r == RUN_DONE && (rc = credo_step(st)) == CREDO_ROW) {
    if (read && s.rows >= c->srv->cfg->max_rows) {
      r = RUN_ROWS;
      break;
    }
    if (!s.open) {
      cl_rows_begin(&c->out, req, (uint16_t)s.ncols, &s.at);
      s.open = 1;
      s.n = 0;
    }
    for (int i = 0; i < s.ncols; i++)
      put_value(&c->out, st, i, c->proto);
    s.n++;
    s.rows++;
    r = between_rows(c, &s);
    if (!read && r != RUN_DONE)
      r = c->dead ? RUN_CANCELLED : RUN_DONE; /* written: answer in full */
  }
  credo_set_check_handler(c->db, 0, NULL, NULL);
  if (r == RUN_DONE && rc != CREDO_DONE)
    r = stopped_why(c, &s, rc, read);
  if (s.open)
    cl_rows_end(&c->out, s.at, s.n);
  if (r == RUN_DONE && c->proto >= CL_PROTO_NOTICE && credo_stmt_notice(st))
    cl_enc_notice(&c->out, req, credo_stmt_notice(st)); /* before DONE */
  *rows += s.rows;
  if (r == RUN_DONE && !read)
    c->req_changes += credo_changes(c->db);
  return r;
}

/* DONE: the rows sent and changed by the request's statements (one for
 * EXECUTE, all of them for QUERY). */
static void done(srv_conn *c, uint32_t req, uint64_t rows) {
  cl_done d = {c->req_changes, rows, credo_get_tz(c->db),
               (uint8_t)(credo_in_txn(c->db) ? 1 : 0)};
  cl_enc_done(&c->out, req, &d);
}

/* Ends a statement run: DONE, or the right ERROR. */
static void finish(srv_conn *c, uint32_t req, credo_stmt *st, int r,
                   uint64_t rows, const char *sql, size_t off) {
  char msg[160];
  /* a write stopped inside BEGIN after it wrote rolls the transaction
   * back (the engine's rule): say so, with in_txn 0 on the ERROR */
  const char *ended = c->txn_at_start && !srv_in_txn(c)
                          ? "; the transaction was rolled back"
                          : "";
  if (r == RUN_DONE) {
    done(c, req, rows);
    return;
  }
  if (r == RUN_ENGINE) {
    engine_error(c, req, sql, off);
    return;
  }
  credo_reset(st); /* a read: ends its snapshot */
  if (r == RUN_ROWS) {
    snprintf(msg, sizeof msg, "statement exceeded max rows (%llu)%s",
             (unsigned long long)c->srv->cfg->max_rows, ended);
    req_error(c, req, CREDO_LIMIT, "max_rows", msg);
  } else if (r == RUN_TIME) {
    snprintf(msg, sizeof msg, "statement exceeded max time (%g s)%s",
             (double)c->srv->cfg->max_time_ms / 1000, ended);
    req_error(c, req, CREDO_LIMIT, "max_time", msg);
  } else {
    srv_conn_take_cancel(c, req);
    snprintf(msg, sizeof msg, "statement cancelled%s%s",
             atomic_load(&c->killed) ? " (KILL SESSION)" : "", ended);
    req_error(c, req, CREDO_CANCELLED, "cancelled", msg);
  }
}

/* ------------------------------------------------------------ stmts */

static srv_stmt *stmt_find(srv_conn *c, uint32_t id) {
  for (int i = 0; id && i < CL_MAX_STMTS; i++)
    if (c->stmts[i].id == id)
      return &c->stmts[i];
  return NULL;
}

/* Keeps `st` under a new id; 0 when the connection holds the maximum. */
static uint32_t stmt_add(srv_conn *c, credo_stmt *st, int read) {
  srv_stmt *slot = NULL;
  for (int i = 0; !slot && i < CL_MAX_STMTS; i++)
    if (c->stmts[i].id == 0)
      slot = &c->stmts[i];
  if (!slot)
    return 0;
  if (++c->next_stmt == 0)
    c->next_stmt = 1;
  slot->id = c->next_stmt;
  slot->st = st;
  slot->read = read;
  return slot->id;
}

/* A NUL-terminated copy of the request's text (the engine's lexer wants
 * one, and the input buffer moves while rows stream). */
static char *dup_sql(srv_conn *c, uint32_t req, const cl_sql *m) {
  char *s = malloc((size_t)m->sql_len + 1);
  if (!s) {
    req_error(c, req, CREDO_NOMEM, "nomem", "out of memory");
    return NULL;
  }
  memcpy(s, m->sql, m->sql_len);
  s[m->sql_len] = '\0';
  return s;
}

/* Decodes a PREPARE/QUERY payload and applies its time zone. */
static char *sql_request(srv_conn *c, uint32_t req, const uint8_t *p, size_t n,
                         uint32_t *len) {
  cl_sql m;
  const char *why = NULL;
  if (cl_dec_sql(p, n, &m, &why) != CREDO_OK) {
    req_error(c, req, CREDO_PROTOCOL, "protocol", why);
    return NULL;
  }
  if (m.tz != CL_TZ_SESSION && credo_set_tz(c->db, m.tz) != CREDO_OK) {
    engine_error(c, req, NULL, 0);
    return NULL;
  }
  *len = m.sql_len;
  return dup_sql(c, req, &m);
}

/* Fills the column descriptions of `st` (names valid as long as st). */
static cl_coldesc *describe(credo_stmt *st, uint16_t *ncols) {
  int n = credo_column_count(st);
  cl_coldesc *cols = calloc(n > 0 ? (size_t)n : 1, sizeof *cols);
  if (!cols)
    return NULL;
  for (int i = 0; i < n; i++) {
    const char *name = credo_column_name(st, i);
    cols[i].name = name ? name : "";
    cols[i].name_len = (uint32_t)strlen(cols[i].name);
    cols[i].type = (uint8_t)credo_column_decltype(st, i);
  }
  *ncols = (uint16_t)n;
  return cols;
}

/* The parameter names of PREPARED (version 2): ":name" or empty; NULL when
 * out of memory (or when st has no parameters: then none are written). */
static cl_pname *param_names(credo_stmt *st, uint16_t nparams) {
  cl_pname *v = calloc((size_t)nparams + 1, sizeof *v);
  for (int i = 0; v && i < nparams; i++) {
    const char *s = credo_bind_parameter_name(st, i + 1);
    v[i].name = s ? s : "";
    v[i].name_len = (uint32_t)strlen(v[i].name);
  }
  return v;
}

void srv_exec_prepare(srv_conn *c, uint32_t req, const uint8_t *p, size_t n) {
  uint32_t len = 0;
  char *sql = sql_request(c, req, p, n, &len);
  const char *tail = NULL;
  credo_stmt *st = NULL;
  cl_prepared m = {0};
  if (!sql)
    return;
  if (credo_prepare(c->db, sql, (int)len, &st, &tail) != CREDO_OK) {
    engine_error(c, req, sql, 0);
    goto out;
  }
  m.tail = tail ? (uint32_t)(tail - sql) : len;
  if (st && !(m.stmt = stmt_add(c, st, credo_stmt_readonly(st)))) {
    credo_finalize(st);
    req_error(c, req, CREDO_LIMIT, "max_stmts",
              "too many prepared statements on this connection (max 256); "
              "close some");
    goto out;
  }
  if (st && !(m.cols = describe(st, &m.ncols))) {
    req_error(c, req, CREDO_NOMEM, "nomem", "out of memory");
    goto out;
  }
  m.nparams = st ? (uint16_t)credo_bind_count(st) : 0;
  if (st && c->proto >= CL_PROTO_PNAMES &&
      !(m.params = param_names(st, m.nparams))) {
    req_error(c, req, CREDO_NOMEM, "nomem", "out of memory");
    goto out;
  }
  cl_enc_prepared(&c->out, req, &m);
out:
  free(m.params);
  free(m.cols);
  free(sql);
}

/* Refuses an EXECUTE whose JSON parameter is not JSON text (ERROR for the
 * request); 0 when every JSON parameter parses. */
static int json_params_bad(srv_conn *c, uint32_t req, const cl_execute *m) {
  for (int i = 0; i < m->nparams; i++) {
    const cl_value *v = &m->params[i];
    json_error_t e;
    json_t *j;
    char msg[300];
    if (v->t != CREDO_T_JSON)
      continue;
    j = json_loadb(v->u.s.p, v->u.s.n, JSON_DECODE_ANY, &e);
    if (j) {
      json_decref(j);
      continue;
    }
    snprintf(msg, sizeof msg, "parameter %d: not valid JSON: %s", i + 1,
             e.text);
    req_error(c, req, CREDO_PROTOCOL, "protocol", msg);
    return 1;
  }
  return 0;
}

/* Binds the EXECUTE parameters. CREDO_OK or the engine's code. */
static int bind_all(credo_stmt *st, const cl_execute *m) {
  int rc = CREDO_OK;
  for (int i = 0; rc == CREDO_OK && i < m->nparams; i++) {
    const cl_value *v = &m->params[i];
    switch (v->t) {
    case CREDO_T_NULL:
      rc = credo_bind_null(st, i + 1);
      break;
    case CREDO_T_INT:
      rc = credo_bind_int64(st, i + 1, v->u.i);
      break;
    case CREDO_T_BOOL:
      rc = credo_bind_bool(st, i + 1, v->u.i != 0);
      break;
    case CREDO_T_REAL:
      rc = credo_bind_double(st, i + 1, v->u.r);
      break;
    case CREDO_T_TIME:
      rc = credo_bind_time(st, i + 1, v->u.i);
      break;
    case CL_T_DURATION:
      rc = credo_bind_duration(st, i + 1, v->u.d);
      break;
    default:
      rc = credo_bind_text(st, i + 1, v->u.s.p, (int)v->u.s.n);
    }
  }
  return rc;
}

/* Decodes EXECUTE into m, its parameters in `small` (16) when they fit,
 * else in a malloc'ed array (free it when m->params != small). */
static int decode_execute(srv_conn *c, uint32_t req, const uint8_t *p, size_t n,
                          cl_execute *m, cl_value *small) {
  const char *why = NULL;
  int rc;
  m->params = small;
  rc = cl_dec_execute(p, n, m, 16, &why);
  if (rc == CREDO_LIMIT) {
    m->params = malloc(sizeof *m->params * m->nparams);
    rc = m->params ? cl_dec_execute(p, n, m, m->nparams, &why) : CREDO_NOMEM;
  }
  if (rc != CREDO_OK)
    req_error(c, req, rc == CREDO_NOMEM ? rc : CREDO_PROTOCOL, "protocol",
              rc == CREDO_NOMEM ? "out of memory" : why);
  return rc;
}

void srv_exec_execute(srv_conn *c, uint32_t req, const uint8_t *p, size_t n) {
  cl_value small[16];
  cl_execute m;
  srv_stmt *s;
  char msg[96];
  uint64_t rows = 0;
  int r;
  if (decode_execute(c, req, p, n, &m, small) != CREDO_OK)
    goto out;
  if (!(s = stmt_find(c, m.stmt))) {
    snprintf(msg, sizeof msg, "unknown statement id %u", (unsigned)m.stmt);
    req_error(c, req, CREDO_MISUSE, "misuse", msg);
    goto out;
  }
  if (m.nparams != credo_bind_count(s->st)) {
    snprintf(msg, sizeof msg, "the statement takes %d parameters, got %u",
             credo_bind_count(s->st), (unsigned)m.nparams);
    req_error(c, req, CREDO_MISUSE, "misuse", msg);
    goto out;
  }
  credo_reset(s->st);
  if ((m.tz != CL_TZ_SESSION && m.tz != credo_get_tz(c->db) &&
       credo_set_tz(c->db, m.tz) != CREDO_OK) ||
      bind_all(s->st, &m) != 0) {
    engine_error(c, req, NULL, 0);
    goto out;
  }
  if (json_params_bad(c, req, &m))
    goto out;
  c->req_changes = 0;
  r = run(c, req, s->st, s->read, &rows); /* before `rows` is read */
  finish(c, req, s->st, r, rows, NULL, 0);
out:
  if (m.params != small)
    free(m.params);
}

/* Runs one statement of a QUERY: COLUMNS, ROWS. RUN_* result. */
static int query_one(srv_conn *c, uint32_t req, credo_stmt *st, int read,
                     uint64_t *rows) {
  uint16_t ncols = 0;
  cl_coldesc *cols = describe(st, &ncols);
  if (!cols)
    return RUN_ENGINE;
  cl_enc_columns(&c->out, req, ncols, cols);
  free(cols);
  return run(c, req, st, read, rows);
}

void srv_exec_query(srv_conn *c, uint32_t req, const uint8_t *p, size_t n) {
  uint32_t len = 0;
  char *sql = sql_request(c, req, p, n, &len);
  size_t off = 0;
  uint64_t rows = 0;
  int r = RUN_DONE;
  credo_stmt *st = NULL;
  if (!sql)
    return;
  c->req_changes = 0;
  while (r == RUN_DONE && off < len) {
    const char *tail = NULL;
    if (credo_prepare(c->db, sql + off, (int)(len - off), &st, &tail) !=
        CREDO_OK) {
      r = RUN_ENGINE;
      break;
    }
    if (!st)
      break;
    r = query_one(c, req, st, credo_stmt_readonly(st), &rows);
    if (r != RUN_DONE)
      break;
    credo_finalize(st);
    st = NULL;
    off = tail ? (size_t)(tail - sql) : len;
  }
  finish(c, req, st, r, rows, sql, off);
  credo_finalize(st);
  free(sql);
}

void srv_exec_close(srv_conn *c, uint32_t req, const uint8_t *p, size_t n) {
  uint32_t id;
  const char *why = NULL;
  srv_stmt *s;
  if (cl_dec_u32(p, n, &id, &why) != CREDO_OK) {
    req_error(c, req, CREDO_PROTOCOL, "protocol", why);
    return;
  }
  if ((s = stmt_find(c, id)) != NULL) {
    credo_finalize(s->st);
    memset(s, 0, sizeof *s);
  }
  cl_enc_empty(&c->out, CL_F_OK, req);
}

void srv_exec_close_all(srv_conn *c) {
  for (int i = 0; i < CL_MAX_STMTS; i++)
    if (c->stmts[i].id) {
      credo_finalize(c->stmts[i].st);
      memset(&c->stmts[i], 0, sizeof c->stmts[i]);
    }
}
