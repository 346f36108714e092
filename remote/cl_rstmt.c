/*
 * cl_rstmt.c -- prepared statements on a remote handle: credo_prepare,
 * bind, step, reset, finalize, the column accessors and credo_exec over
 * the wire (PREPARE, EXECUTE, CANCEL, CLOSE and QUERY frames).
 *
 * A remote statement is a cl_rstmt handed to the caller as a credo_stmt;
 * like every backend's statement it starts with its handle (backend.h), so
 * the public functions find this backend through it.
 *
 * Invariants:
 *  - a statement has at most one request in flight (`req`, its EXECUTE):
 *    frames for it that arrive while another request is awaited are kept
 *    on its queue, frames for a request nobody waits for any more (after
 *    reset, finalize or a stopped credo_exec) are dropped on arrival;
 *  - row values point into the ROWS frame being read, freed only when the
 *    next step moves past it, so they stay valid until the next step,
 *    reset or finalize, as the API promises; texts are rendered once per
 *    row and column;
 *  - the conversions of the column accessors are those of engine/stmt.c,
 *    and times render in the handle's zone with the engine's renderer, so
 *    a remote shell prints what an embedded one prints.
 *
 * Does not: connect or frame bytes (cl_conn.c, cl_frame.c).
 */
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cl_remote.h"

#define UNBOUND 0xFF /* cl_value.t of a parameter not bound yet */

enum { RS_READY, RS_RUN, RS_DONE, RS_FAILED };

struct cl_rstmt {
  credo *db; /* first: see be_stmt_head (backend.h) */
  cl_conn *conn;
  cl_rstmt *next; /* the connection's statements */
  uint32_t id;    /* the server's statement id */
  int nparams;
  cl_value *params;
  char **ptext; /* owned copies of bound texts */
  int ncols;
  char **names;
  uint8_t *decl;
  int state;
  uint32_t req; /* EXECUTE in flight, 0 when none */
  cl_msg *qhead, *qtail;
  cl_msg *cur;   /* ROWS frame being read */
  cl_rd rd;      /* position in cur */
  uint32_t left; /* rows left in cur */
  cl_value *row; /* the current row */
  uint64_t rowgen;
  cl_text *text;
  uint64_t *textgen;
  char *notice;  /* NOTICE of the current run (owned), NULL: none */
  char **pnames; /* nparams names (owned), NULL entry: `?`/`$n`; the array
                    is NULL when the server (version 1) sent none */
};

_Static_assert(offsetof(struct cl_rstmt, db) == 0,
               "a statement starts with its handle (backend.h)");

/* The zone a request carries: the one set on the handle, else "the
 * session's own" (the store's zone, docs/rules.md rule 6). */
static int32_t req_tz(credo *db) {
  return be_tz_chosen(db) ? credo_get_tz(db) : CL_TZ_SESSION;
}

static cl_rstmt *R(const credo_stmt *st) {
  return (cl_rstmt *)st;
}
static cl_conn *CONN(const credo *db) {
  return (cl_conn *)be_ctx(db);
}

/* ------------------------------------------------------------ frames */

static int conn_err(credo *db, int rc, const char *msg) {
  return be_err(db, rc, 0, 0, "%s (connection to the server)", msg);
}

int cl_remote_in_txn(const credo *db) {
  return CONN(db)->in_txn;
}

int cl_remote_error(credo *db, const cl_msg *m) {
  cl_error e;
  const char *why = NULL;
  if (cl_dec_error(m->p, m->n, &e, &why) != CREDO_OK)
    return conn_err(db, CREDO_PROTOCOL, why);
  CONN(db)->in_txn = e.in_txn;
  return be_err(db, e.code < 0 ? e.code : CREDO_ERROR, (int)e.line,
                (int)e.column, "%.*s", (int)e.msg_len, e.msg);
}

/* Queues m for the statement waiting for its request, else drops it. */
static void route(cl_conn *c, cl_msg *m) {
  for (cl_rstmt *r = c->stmts; r; r = r->next)
    if (r->req == m->h.req && r->state == RS_RUN) {
      if (r->qtail)
        r->qtail->next = m;
      else
        r->qhead = m;
      r->qtail = m;
      return;
    }
  free(m);
}

int cl_remote_recv(credo *db, uint32_t req, cl_rstmt *r, cl_msg **out) {
  cl_conn *c = CONN(db);
  char err[256];
  if (r && r->qhead) {
    *out = r->qhead;
    if (!(r->qhead = r->qhead->next))
      r->qtail = NULL;
    return CREDO_OK;
  }
  for (;;) {
    cl_msg *m;
    int rc = cl_conn_read(c, &m, err, sizeof err);
    if (rc == CREDO_CANCELLED) { /* credo_interrupt: ask the server */
      if (be_interrupt_take(db))
        cl_enc_u32(&c->out, CL_F_CANCEL, cl_conn_req(c), req);
      continue; /* its answer (ERROR, or what had been sent) follows */
    }
    if (rc != CREDO_OK)
      return conn_err(db, rc, err);
    if (m->h.req == req) {
      *out = m;
      return CREDO_OK;
    }
    route(c, m);
  }
}

/* Drops the frame being built at `start` when it exceeds the server's
 * max frame (the server would cut the connection). */
static int fits(credo *db, size_t start) {
  cl_conn *c = CONN(db);
  size_t size = c->out.n - start;
  if (c->out.oom || size <= c->max_frame)
    return CREDO_OK;
  c->out.n = start;
  return be_err(db, CREDO_LIMIT, 0, 0,
                "request of %zu bytes exceeds the server's max frame (%u)",
                size, (unsigned)c->max_frame);
}

static int usable(credo *db) {
  if (!CONN(db) || CONN(db)->broken)
    return be_err(db, CREDO_CONN, 0, 0,
                  "the connection to the server is broken; "
                  "close the handle and open it again");
  return CREDO_OK;
}

/* ------------------------------------------------------------ prepare */

static void rstmt_free(cl_rstmt *r) {
  for (int i = 0; i < r->nparams; i++)
    free(r->ptext[i]);
  for (int i = 0; i < r->ncols; i++) {
    free(r->names[i]);
    free(r->text[i].p);
  }
  free(r->params);
  free(r->ptext);
  for (int i = 0; r->pnames && i < r->nparams; i++)
    free(r->pnames[i]);
  free(r->pnames);
  free(r->names);
  free(r->decl);
  free(r->row);
  free(r->text);
  free(r->textgen);
  free(r);
}

/* Makes the statement of a PREPARED reply. */
static cl_rstmt *rstmt_new(credo *db, const cl_prepared *p) {
  cl_rstmt *r = calloc(1, sizeof *r);
  size_t nc = (size_t)p->ncols + 1, np = (size_t)p->nparams + 1;
  if (!r)
    return NULL;
  r->db = db;
  r->conn = CONN(db);
  r->id = p->stmt;
  r->params = calloc(np, sizeof *r->params);
  r->ptext = calloc(np, sizeof *r->ptext);
  r->names = calloc(nc, sizeof *r->names);
  r->decl = calloc(nc, 1);
  r->row = calloc(nc, sizeof *r->row);
  r->text = calloc(nc, sizeof *r->text);
  r->textgen = calloc(nc, sizeof *r->textgen);
  if (!r->params || !r->ptext || !r->names || !r->decl || !r->row || !r->text ||
      !r->textgen)
    goto fail;
  if (p->has_names && !(r->pnames = calloc(np, sizeof *r->pnames)))
    goto fail;
  r->nparams = p->nparams;
  for (int i = 0; i < r->nparams; i++) {
    r->params[i].t = UNBOUND;
    if (r->pnames && p->params[i].name_len > 0 &&
        !(r->pnames[i] = strndup(p->params[i].name, p->params[i].name_len)))
      goto fail;
  }
  for (r->ncols = 0; r->ncols < p->ncols; r->ncols++) {
    const cl_coldesc *cd = &p->cols[r->ncols];
    if (!(r->names[r->ncols] = strndup(cd->name, cd->name_len)))
      goto fail;
    r->decl[r->ncols] = cd->type;
  }
  return r;
fail:
  rstmt_free(r);
  return NULL;
}

/* Decodes PREPARED, with a column array of the announced size. */
static int decode_prepared(const cl_msg *m, cl_prepared *p) {
  const char *why = NULL;
  int rc;
  p->cols = NULL;
  p->params = NULL;
  p->pcap = 0;
  rc = cl_dec_prepared(m->p, m->n, p, 0, &why);
  if (rc != CREDO_LIMIT)
    return rc;
  if (!(p->cols = calloc((size_t)p->ncols + 1, sizeof *p->cols)) ||
      !(p->params = calloc((size_t)p->nparams + 1, sizeof *p->params)))
    return CREDO_NOMEM;
  p->pcap = p->nparams;
  return cl_dec_prepared(m->p, m->n, p, p->ncols, &why);
}

int cl_remote_prepare(credo *db, const char *sql, int len, credo_stmt **out,
                      const char **tail) {
  cl_sql q = {req_tz(db), sql, 0};
  cl_prepared p = {0};
  cl_msg *m = NULL;
  cl_rstmt *r = NULL;
  uint32_t req;
  size_t start;
  int rc;
  *out = NULL;
  be_err_clear(db);
  if (!sql)
    return be_err(db, CREDO_INVALID, 0, 0, "sql is NULL");
  if ((rc = usable(db)) != CREDO_OK)
    return rc;
  q.sql_len = len < 0 ? (uint32_t)strlen(sql) : (uint32_t)len;
  req = cl_conn_req(CONN(db));
  start = CONN(db)->out.n;
  cl_enc_sql(&CONN(db)->out, CL_F_PREPARE, req, &q);
  if ((rc = fits(db, start)) != CREDO_OK ||
      (rc = cl_remote_recv(db, req, NULL, &m)) != CREDO_OK)
    return rc;
  if (m->h.type == CL_F_ERROR) {
    rc = cl_remote_error(db, m);
  } else if (m->h.type != CL_F_PREPARED || decode_prepared(m, &p) != 0 ||
             p.tail > q.sql_len) {
    rc = conn_err(db, CREDO_PROTOCOL, "bad reply to PREPARE");
  } else if (p.stmt && !(r = rstmt_new(db, &p))) {
    rc = be_err(db, CREDO_NOMEM, 0, 0, "out of memory");
  } else {
    if (r) {
      r->next = CONN(db)->stmts;
      CONN(db)->stmts = r;
      *out = (credo_stmt *)r;
    }
    if (tail)
      *tail = sql + p.tail;
  }
  free(p.cols);
  free(p.params);
  free(m);
  return rc;
}

int cl_remote_bind_parameter_index(const credo_stmt *st, const char *name) {
  const cl_rstmt *r = (const cl_rstmt *)st;
  for (int i = 0; r->pnames && i < r->nparams; i++)
    if (r->pnames[i] && strcmp(r->pnames[i], name) == 0)
      return i + 1;
  return 0;
}

const char *cl_remote_bind_parameter_name(const credo_stmt *st, int i) {
  const cl_rstmt *r = (const cl_rstmt *)st;
  if (!r->pnames || i < 1 || i > r->nparams)
    return NULL;
  return r->pnames[i - 1];
}

/* ------------------------------------------------------------ binding */

static int bind_slot(credo_stmt *st, int i) {
  cl_rstmt *r = R(st);
  be_err_clear(R(st)->db);
  if (r->state == RS_RUN)
    return be_err(R(st)->db, CREDO_MISUSE, 0, 0,
                  "cannot bind while the statement "
                  "runs; credo_reset it first");
  if (i < 1 || i > r->nparams)
    return be_err(R(st)->db, CREDO_RANGE, 0, 0,
                  "parameter index %d is out of range (the statement has "
                  "%d)",
                  i, r->nparams);
  free(r->ptext[i - 1]);
  r->ptext[i - 1] = NULL;
  return CREDO_OK;
}

static int bind_value(credo_stmt *st, int i, cl_value v) {
  int rc = bind_slot(st, i);
  if (rc == CREDO_OK)
    R(st)->params[i - 1] = v;
  return rc;
}

int cl_remote_bind_null(credo_stmt *st, int i) {
  return bind_value(st, i, (cl_value){.t = CREDO_T_NULL});
}

int cl_remote_bind_int64(credo_stmt *st, int i, int64_t v) {
  return bind_value(st, i, (cl_value){.t = CREDO_T_INT, .u.i = v});
}

int cl_remote_bind_double(credo_stmt *st, int i, double v) {
  return bind_value(st, i, (cl_value){.t = CREDO_T_REAL, .u.r = v});
}

int cl_remote_bind_bool(credo_stmt *st, int i, int b) {
  return bind_value(st, i, (cl_value){.t = CREDO_T_BOOL, .u.i = b ? 1 : 0});
}

int cl_remote_bind_time(credo_stmt *st, int i, credo_time t) {
  return bind_value(st, i, (cl_value){.t = CREDO_T_TIME, .u.i = t});
}

int cl_remote_bind_duration(credo_stmt *st, int i, credo_duration d) {
  return bind_value(st, i, (cl_value){.t = CL_T_DURATION, .u.d = d});
}

int cl_remote_bind_text(credo_stmt *st, int i, const char *s, int len) {
  cl_value v = {.t = CREDO_T_TEXT};
  size_t n;
  int rc;
  if (!s)
    return cl_remote_bind_null(st, i);
  n = len < 0 ? strlen(s) : (size_t)len;
  if (memchr(s, '\0', n))
    return be_err(R(st)->db, CREDO_INVALID, 0, 0, "text contains a NUL byte");
  if (!cl_utf8_ok(s, n))
    return be_err(R(st)->db, CREDO_INVALID, 0, 0, "text is not valid UTF-8");
  if ((rc = bind_slot(st, i)) != CREDO_OK)
    return rc;
  if (!(R(st)->ptext[i - 1] = strndup(s, n)))
    return be_err(R(st)->db, CREDO_NOMEM, 0, 0, "out of memory");
  v.u.s.p = R(st)->ptext[i - 1];
  v.u.s.n = (uint32_t)n;
  R(st)->params[i - 1] = v;
  return CREDO_OK;
}

int cl_remote_bind_count(const credo_stmt *st) {
  return R(st)->nparams;
}

int cl_remote_clear_bindings(credo_stmt *st) {
  cl_rstmt *r = R(st);
  if (r->state == RS_RUN)
    return be_err(R(st)->db, CREDO_MISUSE, 0, 0,
                  "cannot clear bindings while the statement runs");
  for (int i = 0; i < r->nparams; i++) {
    free(r->ptext[i]);
    r->ptext[i] = NULL;
    r->params[i].t = UNBOUND;
  }
  return CREDO_OK;
}

/* ------------------------------------------------------------ running */

/* Forgets the request in flight (asking the server to stop it) and every
 * frame kept for it. */
static void abandon(cl_rstmt *r) {
  if (r->state == RS_RUN && r->req && !r->conn->broken)
    cl_enc_u32(&r->conn->out, CL_F_CANCEL, cl_conn_req(r->conn), r->req);
  while (r->qhead) {
    cl_msg *m = r->qhead;
    r->qhead = m->next;
    free(m);
  }
  r->qtail = NULL;
  free(r->cur);
  r->cur = NULL;
  r->left = 0;
  r->req = 0;
  free(r->notice);
  r->notice = NULL;
}

/* A credo_interrupt made while nothing ran is dropped when the next
 * statement starts (credo.h), on this backend as on the engine: the flag
 * and the self-pipe's bytes. */
static void drop_stale_interrupt(credo *db) {
  char buf[64];
  cl_conn *c = CONN(db);
  (void)be_interrupt_take(db);
  while (c->io.wake_fd >= 0 && read(c->io.wake_fd, buf, sizeof buf) > 0)
    ;
}

/* Sends EXECUTE with the bindings. */
static int start(cl_rstmt *r) {
  credo *db = r->db;
  cl_execute e = {r->id, req_tz(db), (uint16_t)r->nparams, r->params};
  size_t start;
  int rc = usable(db);
  if (rc != CREDO_OK)
    return rc;
  for (int i = 0; i < r->nparams; i++)
    if (r->params[i].t == UNBOUND)
      return be_err(db, CREDO_MISUSE, 0, 0, "parameter %d is not bound", i + 1);
  drop_stale_interrupt(db);
  r->req = cl_conn_req(r->conn);
  start = r->conn->out.n;
  cl_enc_execute(&r->conn->out, r->req, &e);
  if ((rc = fits(db, start)) != CREDO_OK) {
    r->req = 0;
    return rc;
  }
  r->state = RS_RUN;
  return CREDO_OK;
}

/* Takes the next row out of the current ROWS frame. */
static int next_row(cl_rstmt *r) {
  for (int i = 0; i < r->ncols; i++)
    cl_rd_value(&r->rd, &r->row[i]);
  r->left--;
  if (r->rd.err != CREDO_OK || (r->left == 0 && cl_rd_end(&r->rd) != 0)) {
    r->state = RS_FAILED;
    r->conn->broken = 1;
    return conn_err(r->db, CREDO_PROTOCOL, "malformed ROWS frame");
  }
  r->rowgen++;
  return CREDO_ROW;
}

/* Keeps the message of a NOTICE frame as the statement's notice. */
static int take_notice(cl_rstmt *r, const cl_msg *m) {
  const char *s, *why = NULL;
  uint32_t n;
  char *copy;
  if (cl_dec_notice(m->p, m->n, &s, &n, &why) != CREDO_OK) {
    r->conn->broken = 1;
    return conn_err(r->db, CREDO_PROTOCOL, "malformed NOTICE frame");
  }
  if (!(copy = malloc(n + 1)))
    return be_err(r->db, CREDO_NOMEM, 0, 0, "out of memory");
  memcpy(copy, s, n);
  copy[n] = '\0';
  free(r->notice);
  r->notice = copy;
  return CREDO_OK;
}

const char *cl_remote_stmt_notice(const credo_stmt *st) {
  return st ? ((const cl_rstmt *)st)->notice : NULL;
}

/* Handles a frame of the EXECUTE in flight: CREDO_ROW after taking a ROWS
 * frame (0 rows taken yet), CREDO_DONE, or an error. */
static int on_frame(cl_rstmt *r, cl_msg *m) {
  credo *db = r->db;
  uint16_t ncols;
  cl_done d;
  const char *why = NULL;
  int rc = CREDO_PROTOCOL;
  if (m->h.type == CL_F_ROWS &&
      cl_dec_rows_begin(m->p, m->n, &r->rd, &ncols, &r->left, &why) == 0 &&
      ncols == r->ncols) {
    r->cur = m;
    return CREDO_ROW;
  }
  if (m->h.type == CL_F_NOTICE) { /* before DONE: keep it, read on */
    rc = take_notice(r, m);
    free(m);
    if (rc == CREDO_OK)
      return CREDO_ROW; /* no rows taken: the step loop reads on */
    r->state = RS_FAILED;
    r->req = 0;
    return rc;
  }
  if (m->h.type == CL_F_DONE && cl_dec_done(m->p, m->n, &d, &why) == 0) {
    be_set_changes(db, d.changes);
    be_set_tz(db, d.tz);
    CONN(db)->in_txn = d.in_txn;
    r->state = RS_DONE;
    rc = CREDO_DONE;
  } else if (m->h.type == CL_F_ERROR) {
    rc = cl_remote_error(db, m);
    r->state = RS_FAILED;
  } else {
    rc = conn_err(db, CREDO_PROTOCOL, "unexpected reply to EXECUTE");
    r->state = RS_FAILED;
  }
  r->req = 0;
  free(m);
  return rc;
}

int cl_remote_step(credo_stmt *st) {
  cl_rstmt *r = R(st);
  int rc;
  if (r->state == RS_DONE)
    return CREDO_DONE;
  if (r->state == RS_FAILED)
    return be_err(R(st)->db, CREDO_MISUSE, 0, 0,
                  "the statement failed; credo_reset it to run it again");
  if (r->state == RS_READY) {
    be_err_clear(R(st)->db);
    if ((rc = start(r)) != CREDO_OK)
      return rc;
  }
  for (;;) {
    cl_msg *m;
    if (r->left > 0)
      return next_row(r);
    free(r->cur);
    r->cur = NULL;
    if ((rc = cl_remote_recv(R(st)->db, r->req, r, &m)) != CREDO_OK) {
      r->state = RS_FAILED;
      return rc;
    }
    if ((rc = on_frame(r, m)) != CREDO_ROW)
      return rc;
  }
}

int cl_remote_reset(credo_stmt *st) {
  cl_rstmt *r = R(st);
  be_err_clear(R(st)->db);
  abandon(r);
  r->state = RS_READY;
  return CREDO_OK;
}

int cl_remote_finalize(credo_stmt *st) {
  cl_rstmt *r = R(st);
  cl_conn *c = r->conn;
  abandon(r);
  if (!c->broken) /* its OK is dropped on arrival */
    cl_enc_u32(&c->out, CL_F_CLOSE, cl_conn_req(c), r->id);
  for (cl_rstmt **p = &c->stmts; *p; p = &(*p)->next)
    if (*p == r) {
      *p = r->next;
      break;
    }
  rstmt_free(r);
  return CREDO_OK;
}

/* ------------------------------------------------------------ columns */

int cl_remote_column_count(const credo_stmt *st) {
  return R(st)->ncols;
}

const char *cl_remote_column_name(const credo_stmt *st, int i) {
  return i >= 0 && i < R(st)->ncols ? R(st)->names[i] : NULL;
}

credo_type cl_remote_column_decltype(const credo_stmt *st, int i) {
  return i >= 0 && i < R(st)->ncols ? (credo_type)R(st)->decl[i] : CREDO_T_NULL;
}

static const cl_value *col(const credo_stmt *st, int i) {
  const cl_rstmt *r = R(st);
  if (i < 0 || i >= r->ncols || r->rowgen == 0 || r->state != RS_RUN)
    return NULL;
  return &r->row[i];
}

/* A DURATION is TEXT to the API, as on an embedded handle. */
credo_type cl_remote_column_type(credo_stmt *st, int i) {
  const cl_value *v = col(st, i);
  if (!v)
    return CREDO_T_NULL;
  return v->t == CL_T_DURATION ? CREDO_T_TEXT : (credo_type)v->t;
}

int cl_remote_column_duration(credo_stmt *st, int i, credo_duration *out) {
  const cl_value *v = col(st, i);
  if (!v || v->t != CL_T_DURATION)
    return CREDO_NOTFOUND;
  *out = v->u.d;
  return CREDO_OK;
}

int64_t cl_remote_column_int64(credo_stmt *st, int i) {
  const cl_value *v = col(st, i);
  if (!v)
    return 0;
  switch (v->t) {
  case CREDO_T_INT:
  case CREDO_T_BOOL:
  case CREDO_T_TIME:
    return v->u.i;
  case CREDO_T_REAL:
    return v->u.r >= -9.2e18 && v->u.r <= 9.2e18 ? (int64_t)v->u.r : 0;
  case CREDO_T_TEXT:
    return strtoll(cl_remote_column_text(st, i), NULL, 10);
  case CREDO_T_DECIMAL:
    return llround(strtod(cl_remote_column_text(st, i), NULL));
  default:
    return 0;
  }
}

double cl_remote_column_double(credo_stmt *st, int i) {
  const cl_value *v = col(st, i);
  if (!v)
    return 0;
  switch (v->t) {
  case CREDO_T_REAL:
    return v->u.r;
  case CREDO_T_INT:
  case CREDO_T_BOOL:
  case CREDO_T_TIME:
    return (double)v->u.i;
  case CREDO_T_TEXT:
  case CREDO_T_DECIMAL:
    return strtod(cl_remote_column_text(st, i), NULL);
  default:
    return 0;
  }
}

credo_time cl_remote_column_time(credo_stmt *st, int i) {
  const cl_value *v = col(st, i);
  credo_time t = 0;
  if (!v)
    return 0;
  if (v->t == CREDO_T_TIME || v->t == CREDO_T_INT)
    return v->u.i;
  if (v->t == CREDO_T_TEXT &&
      credo_time_parse(cl_remote_column_text(st, i), credo_get_tz(R(st)->db),
                       &t) == CREDO_OK)
    return t;
  return 0;
}

/* Sets b to s[0..n) and a NUL. */
static int text_set(cl_text *b, const char *s, size_t n) {
  if (n + 1 > b->cap) {
    size_t cap = n + 1 < 64 ? 64 : n + 1;
    char *p = realloc(b->p, cap);
    if (!p)
      return CREDO_NOMEM;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p, s, n);
  b->p[n] = '\0';
  return CREDO_OK;
}

/* Renders value v as the engine would (be_render_scalar), into b. */
static int render(const cl_value *v, int tz, cl_text *b) {
  char tmp[200];
  if (v->t == CREDO_T_TEXT || v->t == CREDO_T_JSON || v->t == CREDO_T_DECIMAL)
    return text_set(b, v->u.s.p, v->u.s.n);
  if (v->t == CL_T_DURATION) { /* as the engine writes it (value.c) */
    if (credo_duration_format(v->u.d, tmp, sizeof tmp) != CREDO_OK)
      return CREDO_NOMEM;
    return text_set(b, tmp, strlen(tmp));
  }
  if (be_render_scalar(v->t, v->u.i, v->u.r, tz, tmp, sizeof tmp) != 0)
    return CREDO_NOMEM;
  return text_set(b, tmp, strlen(tmp));
}

const char *cl_remote_column_text(credo_stmt *st, int i) {
  cl_rstmt *r = R(st);
  const cl_value *v = col(st, i);
  if (!v || v->t == CREDO_T_NULL)
    return NULL;
  if (r->textgen[i] != r->rowgen || !r->text[i].p) {
    if (render(v, credo_get_tz(R(st)->db), &r->text[i]) != CREDO_OK) {
      be_err(R(st)->db, CREDO_NOMEM, 0, 0, "out of memory");
      return NULL;
    }
    r->textgen[i] = r->rowgen;
  }
  return r->text[i].p;
}

/* ------------------------------------------------------------ exec */

/* State of one credo_exec over QUERY. */
typedef struct xq {
  credo *db;
  uint16_t ncols;
  cl_coldesc *cols;
  char **names;
  cl_text *bufs;
  const char **vals;
  int stopped; /* the callback asked to stop */
} xq;

static void xq_free(xq *x) {
  for (unsigned i = 0; i < x->ncols; i++) {
    free(x->names ? x->names[i] : NULL);
    if (x->bufs)
      free(x->bufs[i].p);
  }
  free(x->cols);
  free(x->names);
  free(x->bufs);
  free(x->vals);
  memset(&x->ncols, 0, sizeof *x - offsetof(xq, ncols));
}

/* A COLUMNS frame starts a new result set. */
static int xq_columns(xq *x, const cl_msg *m) {
  const char *why = NULL;
  uint16_t n = 0;
  xq_free(x);
  if (cl_dec_columns(m->p, m->n, &n, NULL, 0, &why) != CREDO_LIMIT && n)
    return CREDO_PROTOCOL;
  x->cols = calloc((size_t)n + 1, sizeof *x->cols);
  x->names = calloc((size_t)n + 1, sizeof *x->names);
  x->bufs = calloc((size_t)n + 1, sizeof *x->bufs);
  x->vals = calloc((size_t)n + 1, sizeof *x->vals);
  if (!x->cols || !x->names || !x->bufs || !x->vals)
    return CREDO_NOMEM;
  if (cl_dec_columns(m->p, m->n, &x->ncols, x->cols, n, &why) != CREDO_OK)
    return CREDO_PROTOCOL;
  for (unsigned i = 0; i < x->ncols; i++)
    if (!(x->names[i] = strndup(x->cols[i].name, x->cols[i].name_len)))
      return CREDO_NOMEM;
  return CREDO_OK;
}

/* Calls cb for each row of a ROWS frame. CREDO_OK, CREDO_CANCELLED (cb
 * asked to stop) or an error. */
static int xq_rows(xq *x, const cl_msg *m, credo_exec_cb cb, void *arg) {
  cl_rd rd;
  uint16_t ncols;
  uint32_t nrows;
  const char *why = NULL;
  if (cl_dec_rows_begin(m->p, m->n, &rd, &ncols, &nrows, &why) != 0 ||
      ncols != x->ncols)
    return CREDO_PROTOCOL;
  for (uint32_t k = 0; k < nrows; k++) {
    for (unsigned i = 0; i < ncols; i++) {
      cl_value v;
      cl_rd_value(&rd, &v);
      if (rd.err || render(&v, credo_get_tz(x->db), &x->bufs[i]) != CREDO_OK)
        return rd.err ? CREDO_PROTOCOL : CREDO_NOMEM;
      x->vals[i] = v.t == CREDO_T_NULL ? NULL : x->bufs[i].p;
    }
    if (cb && cb(arg, ncols, x->vals, (const char *const *)x->names) != 0) {
      x->stopped = 1;
      return CREDO_CANCELLED;
    }
  }
  return cl_rd_end(&rd);
}

/* Handles one frame of the QUERY; 1 when it was the last. */
static int xq_frame(xq *x, cl_msg *m, credo_exec_cb cb, void *arg, int *rc) {
  cl_done d;
  const char *why = NULL;
  switch (m->h.type) {
  case CL_F_COLUMNS:
    *rc = xq_columns(x, m);
    return *rc != CREDO_OK;
  case CL_F_ROWS:
    *rc = xq_rows(x, m, cb, arg);
    return *rc != CREDO_OK;
  case CL_F_ERROR:
    *rc = cl_remote_error(x->db, m);
    return 1;
  case CL_F_NOTICE: /* credo_exec has no statement to hang it on */
    return 0;
  case CL_F_DONE:
    *rc = cl_dec_done(m->p, m->n, &d, &why);
    if (*rc == CREDO_OK) {
      be_set_changes(x->db, d.changes);
      be_set_tz(x->db, d.tz);
      CONN(x->db)->in_txn = d.in_txn;
    }
    return 1;
  default:
    *rc = CREDO_PROTOCOL;
    return 1;
  }
}

int cl_remote_exec(credo *db, const char *sql, credo_exec_cb cb, void *arg) {
  cl_sql q = {req_tz(db), sql, (uint32_t)strlen(sql)};
  xq x = {db, 0, NULL, NULL, NULL, NULL, 0};
  uint32_t req;
  size_t start;
  int rc = usable(db), last = 0, stopped;
  if (rc != CREDO_OK)
    return rc;
  be_err_clear(db);
  drop_stale_interrupt(db);
  req = cl_conn_req(CONN(db));
  start = CONN(db)->out.n;
  cl_enc_sql(&CONN(db)->out, CL_F_QUERY, req, &q);
  if ((rc = fits(db, start)) != CREDO_OK)
    return rc;
  while (!last) {
    cl_msg *m;
    if ((rc = cl_remote_recv(db, req, NULL, &m)) != CREDO_OK)
      break;
    last = xq_frame(&x, m, cb, arg, &rc);
    free(m);
  }
  stopped = x.stopped;
  xq_free(&x);
  if (rc == CREDO_CANCELLED && stopped) {
    cl_enc_u32(&CONN(db)->out, CL_F_CANCEL, cl_conn_req(CONN(db)), req);
    return be_err(db, rc, 0, 0, "stopped by the callback");
  }
  if (rc == CREDO_PROTOCOL || rc == CREDO_NOMEM)
    return conn_err(db, rc,
                    rc == CREDO_NOMEM ? "out of memory" : "bad reply to QUERY");
  return rc;
}
