/*
 * cl_frame.c -- the wire codec of docs/protocol.md (see cl_frame.h).
 *
 * Owns: byte order, the header checks, UTF-8 checks of every str, the value
 * encoding per credo_type and one encoder/decoder per frame type.
 *
 * Invariants: a reader never touches a byte outside the payload it was
 * given; after its first failure it returns zeros and keeps the first
 * error, so decoders read all fields and check once at the end; writers
 * build the header first and patch the length in cl_wr_end, so a frame is
 * either appended whole or (out of memory) the buffer is marked oom.
 *
 * Does not: allocate except in cl_wbuf; do I/O; enforce server policy
 * (limits other than the frame size are the server's).
 */
#include "cl_frame.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ types */

const char *cl_ftype_name(int type) {
  switch (type) {
  case CL_F_HELLO:
    return "HELLO";
  case CL_F_AUTH:
    return "AUTH";
  case CL_F_PREPARE:
    return "PREPARE";
  case CL_F_EXECUTE:
    return "EXECUTE";
  case CL_F_QUERY:
    return "QUERY";
  case CL_F_CLOSE:
    return "CLOSE";
  case CL_F_CANCEL:
    return "CANCEL";
  case CL_F_PING:
    return "PING";
  case CL_F_BYE:
    return "BYE";
  case CL_F_BACKUP:
    return "BACKUP";
  case CL_F_READY:
    return "READY";
  case CL_F_AUTH_OK:
    return "AUTH_OK";
  case CL_F_PREPARED:
    return "PREPARED";
  case CL_F_COLUMNS:
    return "COLUMNS";
  case CL_F_ROWS:
    return "ROWS";
  case CL_F_DONE:
    return "DONE";
  case CL_F_ERROR:
    return "ERROR";
  case CL_F_OK:
    return "OK";
  case CL_F_BACKUP_DATA:
    return "BACKUP_DATA";
  case CL_F_BACKUP_END:
    return "BACKUP_END";
  case CL_F_NOTICE:
    return "NOTICE";
  default:
    return NULL;
  }
}

int cl_ftype_dir(int type) {
  if (!cl_ftype_name(type))
    return 0;
  return type & 0x80 ? 2 : 1;
}

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

int cl_hdr_parse(const uint8_t *p, size_t n, size_t max_frame, cl_hdr *h,
                 size_t *total, const char **why) {
  /* the length field alone can be refused: no waiting for the rest */
  if (n < 4)
    return 1;
  h->len = get32(p);
  *total = (size_t)h->len + 4;
  if (h->len < CL_MIN_LENGTH) {
    *why = "frame length below 6";
    return CREDO_PROTOCOL;
  }
  if (*total > max_frame) {
    *why = "frame exceeds max frame";
    return CREDO_LIMIT;
  }
  if (n < CL_HDR)
    return 1;
  h->type = p[4];
  h->flags = p[5];
  h->req = get32(p + 6);
  if (!cl_ftype_name(h->type)) {
    *why = "unknown frame type";
    return CREDO_PROTOCOL;
  }
  if (h->flags != 0) {
    *why = "non-zero frame flags";
    return CREDO_PROTOCOL;
  }
  return CREDO_OK;
}

/* ------------------------------------------------------------ reading */

void cl_rd_init(cl_rd *r, const uint8_t *p, size_t n) {
  r->p = p;
  r->n = n;
  r->off = 0;
  r->err = CREDO_OK;
  r->why = NULL;
}

static void rd_fail(cl_rd *r, const char *why) {
  if (r->err == CREDO_OK) {
    r->err = CREDO_PROTOCOL;
    r->why = why;
  }
}

/* Returns a pointer to the next k bytes, or NULL (failing) past the end. */
static const uint8_t *rd_take(cl_rd *r, size_t k) {
  const uint8_t *q;
  if (r->err != CREDO_OK)
    return NULL;
  if (r->n - r->off < k) {
    rd_fail(r, "truncated payload");
    return NULL;
  }
  q = r->p + r->off;
  r->off += k;
  return q;
}

uint8_t cl_rd_u8(cl_rd *r) {
  const uint8_t *q = rd_take(r, 1);
  return q ? q[0] : 0;
}

uint16_t cl_rd_u16(cl_rd *r) {
  const uint8_t *q = rd_take(r, 2);
  return q ? (uint16_t)(q[0] << 8 | q[1]) : 0;
}

uint32_t cl_rd_u32(cl_rd *r) {
  const uint8_t *q = rd_take(r, 4);
  return q ? get32(q) : 0;
}

uint64_t cl_rd_u64(cl_rd *r) {
  const uint8_t *q = rd_take(r, 8);
  return q ? (uint64_t)get32(q) << 32 | get32(q + 4) : 0;
}

int32_t cl_rd_i32(cl_rd *r) {
  return (int32_t)cl_rd_u32(r);
}
int64_t cl_rd_i64(cl_rd *r) {
  return (int64_t)cl_rd_u64(r);
}

int cl_utf8_ok(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    unsigned c = p[i], need, min;
    uint32_t cp;
    if (c == 0)
      return 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF)
      need = 1, min = 0x80, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
      need = 2, min = 0x800, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
      need = 3, min = 0x10000, cp = c & 0x07;
    else
      return 0;
    if (n - i - 1 < need)
      return 0;
    for (unsigned k = 1; k <= need; k++) {
      if ((p[i + k] & 0xC0) != 0x80)
        return 0;
      cp = cp << 6 | (p[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    i += need + 1;
  }
  return 1;
}

void cl_rd_str(cl_rd *r, const char **s, uint32_t *len) {
  uint32_t k = cl_rd_u32(r);
  const uint8_t *q = rd_take(r, k);
  *s = "";
  *len = 0;
  if (!q)
    return;
  if (!cl_utf8_ok((const char *)q, k)) {
    rd_fail(r, "string is not UTF-8 without NUL");
    return;
  }
  *s = (const char *)q;
  *len = k;
}

void cl_rd_value(cl_rd *r, cl_value *v) {
  uint64_t bits;
  memset(v, 0, sizeof *v);
  v->t = cl_rd_u8(r);
  switch (v->t) {
  case CREDO_T_NULL:
    break;
  case CREDO_T_INT:
  case CREDO_T_TIME:
    v->u.i = cl_rd_i64(r);
    break;
  case CREDO_T_REAL:
    bits = cl_rd_u64(r);
    memcpy(&v->u.r, &bits, sizeof bits);
    break;
  case CREDO_T_BOOL:
    v->u.i = cl_rd_u8(r);
    if (v->u.i > 1)
      rd_fail(r, "BOOL value other than 0 or 1");
    break;
  case CREDO_T_TEXT:
  case CREDO_T_JSON:
  case CREDO_T_DECIMAL: /* its exact text */
    cl_rd_str(r, &v->u.s.p, &v->u.s.n);
    break;
  case CL_T_DURATION:
    v->u.d.months = cl_rd_i32(r);
    v->u.d.usec = cl_rd_i64(r);
    break;
  default:
    rd_fail(r, "unknown value type tag");
  }
}

int cl_rd_end(cl_rd *r) {
  if (r->err == CREDO_OK && r->off != r->n)
    rd_fail(r, "trailing bytes after the payload");
  return r->err;
}

/* ------------------------------------------------------------ writing */

int cl_wbuf_reserve(cl_wbuf *w, size_t extra) {
  size_t cap;
  uint8_t *q;
  if (w->oom)
    return CREDO_NOMEM;
  if (w->cap - w->n >= extra)
    return CREDO_OK;
  cap = w->cap ? w->cap : 256;
  while (cap - w->n < extra) {
    if (cap > SIZE_MAX / 2)
      goto fail;
    cap *= 2;
  }
  q = realloc(w->p, cap);
  if (!q)
    goto fail;
  w->p = q;
  w->cap = cap;
  return CREDO_OK;
fail:
  w->oom = 1;
  return CREDO_NOMEM;
}

void cl_wbuf_free(cl_wbuf *w) {
  free(w->p);
  memset(w, 0, sizeof *w);
}

void cl_wr_bytes(cl_wbuf *w, const void *p, size_t n) {
  if (n == 0 || (w->cap - w->n < n && cl_wbuf_reserve(w, n) != CREDO_OK))
    return;
  memcpy(w->p + w->n, p, n);
  w->n += n;
}

void cl_wr_u8(cl_wbuf *w, uint8_t v) {
  cl_wr_bytes(w, &v, 1);
}

void cl_wr_u16(cl_wbuf *w, uint16_t v) {
  uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  cl_wr_bytes(w, b, 2);
}

void cl_wr_u32(cl_wbuf *w, uint32_t v) {
  uint8_t b[4];
  put32(b, v);
  cl_wr_bytes(w, b, 4);
}

void cl_wr_u64(cl_wbuf *w, uint64_t v) {
  uint8_t b[8];
  put32(b, (uint32_t)(v >> 32));
  put32(b + 4, (uint32_t)v);
  cl_wr_bytes(w, b, 8);
}

void cl_wr_str(cl_wbuf *w, const char *s, size_t n) {
  cl_wr_u32(w, (uint32_t)n);
  cl_wr_bytes(w, s, n);
}

void cl_wr_value(cl_wbuf *w, const cl_value *v) {
  uint64_t bits;
  cl_wr_u8(w, v->t);
  switch (v->t) {
  case CREDO_T_INT:
  case CREDO_T_TIME:
    cl_wr_u64(w, (uint64_t)v->u.i);
    break;
  case CREDO_T_REAL:
    memcpy(&bits, &v->u.r, sizeof bits);
    cl_wr_u64(w, bits);
    break;
  case CREDO_T_BOOL:
    cl_wr_u8(w, v->u.i ? 1 : 0);
    break;
  case CREDO_T_TEXT:
  case CREDO_T_JSON:
  case CREDO_T_DECIMAL:
    cl_wr_str(w, v->u.s.p, v->u.s.n);
    break;
  case CL_T_DURATION:
    cl_wr_u32(w, (uint32_t)v->u.d.months);
    cl_wr_u64(w, (uint64_t)v->u.d.usec);
    break;
  default:
    break;
  }
}

void cl_wr_begin(cl_wbuf *w, int type, uint32_t req) {
  w->frame = w->n;
  cl_wr_u32(w, 0);
  cl_wr_u8(w, (uint8_t)type);
  cl_wr_u8(w, 0);
  cl_wr_u32(w, req);
}

size_t cl_wr_payload(const cl_wbuf *w) {
  return w->n - w->frame - CL_HDR;
}

int cl_wr_end(cl_wbuf *w) {
  if (w->oom)
    return CREDO_NOMEM;
  put32(w->p + w->frame, (uint32_t)(w->n - w->frame - 4));
  return CREDO_OK;
}

/* ------------------------------------------------------------ encoders */

int cl_enc_hello(cl_wbuf *w, uint32_t req, const cl_hello *m) {
  cl_wr_begin(w, CL_F_HELLO, req);
  cl_wr_bytes(w, CL_MAGIC, 4);
  cl_wr_u16(w, m->min_version);
  cl_wr_u16(w, m->max_version);
  cl_wr_str(w, m->client, m->client_len);
  return cl_wr_end(w);
}

int cl_enc_ready(cl_wbuf *w, uint32_t req, const cl_ready *m) {
  cl_wr_begin(w, CL_F_READY, req);
  cl_wr_u16(w, m->version);
  cl_wr_u32(w, m->max_frame);
  cl_wr_str(w, m->server, m->server_len);
  return cl_wr_end(w);
}

int cl_enc_auth(cl_wbuf *w, uint32_t req, const cl_auth *m) {
  cl_wr_begin(w, CL_F_AUTH, req);
  cl_wr_str(w, m->user, m->user_len);
  cl_wr_str(w, m->password, m->password_len);
  return cl_wr_end(w);
}

int cl_enc_auth_ok(cl_wbuf *w, uint32_t req, const cl_auth_ok *m) {
  cl_wr_begin(w, CL_F_AUTH_OK, req);
  cl_wr_str(w, m->user, m->user_len);
  cl_wr_u8(w, m->role);
  cl_wr_u32(w, m->conn);
  return cl_wr_end(w);
}

int cl_enc_sql(cl_wbuf *w, int type, uint32_t req, const cl_sql *m) {
  cl_wr_begin(w, type, req);
  cl_wr_u32(w, (uint32_t)m->tz);
  cl_wr_str(w, m->sql, m->sql_len);
  return cl_wr_end(w);
}

int cl_enc_execute(cl_wbuf *w, uint32_t req, const cl_execute *m) {
  cl_wr_begin(w, CL_F_EXECUTE, req);
  cl_wr_u32(w, m->stmt);
  cl_wr_u32(w, (uint32_t)m->tz);
  cl_wr_u16(w, m->nparams);
  for (unsigned i = 0; i < m->nparams; i++)
    cl_wr_value(w, &m->params[i]);
  return cl_wr_end(w);
}

int cl_enc_u32(cl_wbuf *w, int type, uint32_t req, uint32_t v) {
  cl_wr_begin(w, type, req);
  cl_wr_u32(w, v);
  return cl_wr_end(w);
}

int cl_enc_empty(cl_wbuf *w, int type, uint32_t req) {
  cl_wr_begin(w, type, req);
  return cl_wr_end(w);
}

static void wr_cols(cl_wbuf *w, uint16_t ncols, const cl_coldesc *cols) {
  for (unsigned i = 0; i < ncols; i++) {
    cl_wr_str(w, cols[i].name, cols[i].name_len);
    cl_wr_u8(w, cols[i].type);
  }
}

int cl_enc_prepared(cl_wbuf *w, uint32_t req, const cl_prepared *m) {
  cl_wr_begin(w, CL_F_PREPARED, req);
  cl_wr_u32(w, m->stmt);
  cl_wr_u32(w, m->tail);
  cl_wr_u16(w, m->nparams);
  cl_wr_u16(w, m->ncols);
  wr_cols(w, m->ncols, m->cols);
  for (unsigned i = 0; m->params && i < m->nparams; i++)
    cl_wr_str(w, m->params[i].name, m->params[i].name_len);
  return cl_wr_end(w);
}

int cl_enc_columns(cl_wbuf *w, uint32_t req, uint16_t ncols,
                   const cl_coldesc *cols) {
  cl_wr_begin(w, CL_F_COLUMNS, req);
  cl_wr_u16(w, ncols);
  wr_cols(w, ncols, cols);
  return cl_wr_end(w);
}

int cl_enc_done(cl_wbuf *w, uint32_t req, const cl_done *m) {
  cl_wr_begin(w, CL_F_DONE, req);
  cl_wr_u64(w, m->changes);
  cl_wr_u64(w, m->rows);
  cl_wr_u32(w, (uint32_t)m->tz);
  cl_wr_u8(w, m->in_txn);
  return cl_wr_end(w);
}

int cl_enc_bdata(cl_wbuf *w, uint32_t req, const cl_bdata *m) {
  cl_wr_begin(w, CL_F_BACKUP_DATA, req);
  cl_wr_u64(w, m->offset);
  cl_wr_u64(w, m->estimate);
  cl_wr_u32(w, m->n);
  cl_wr_bytes(w, m->data, m->n);
  return cl_wr_end(w);
}

int cl_enc_bend(cl_wbuf *w, uint32_t req, const cl_bend *m) {
  cl_wr_begin(w, CL_F_BACKUP_END, req);
  cl_wr_u64(w, m->size);
  cl_wr_bytes(w, m->xxh3_128, sizeof m->xxh3_128);
  return cl_wr_end(w);
}

int cl_enc_notice(cl_wbuf *w, uint32_t req, const char *msg) {
  size_t n = strlen(msg);
  if (n > CL_MAX_NOTICE) { /* back to the start of a UTF-8 sequence */
    n = CL_MAX_NOTICE;
    while (n > 0 && ((unsigned char)msg[n] & 0xC0) == 0x80)
      n--;
  }
  cl_wr_begin(w, CL_F_NOTICE, req);
  cl_wr_str(w, msg, n);
  return cl_wr_end(w);
}

int cl_enc_error(cl_wbuf *w, uint32_t req, const cl_error *m) {
  cl_wr_begin(w, CL_F_ERROR, req);
  cl_wr_u32(w, (uint32_t)m->code);
  cl_wr_u32(w, m->line);
  cl_wr_u32(w, m->column);
  cl_wr_str(w, m->msg, m->msg_len);
  cl_wr_u8(w, m->in_txn ? 1 : 0);
  return cl_wr_end(w);
}

/* Cuts `n` bytes of `s` back to a UTF-8 boundary and drops NULs' tail, so
 * a message is always a valid str. */
static size_t utf8_clip(const char *s, size_t n) {
  while (n > 0 && !cl_utf8_ok(s, n))
    n--;
  return n;
}

static int enc_errorv(cl_wbuf *w, uint32_t req, int code, int in_txn, int line,
                      int col, const char *fmt, va_list ap) {
  char msg[1024];
  int k;
  cl_error e = {
      code, line > 0 ? (uint32_t)line : 0, col > 0 ? (uint32_t)col : 0, msg,
      0,    (uint8_t)(in_txn ? 1 : 0)};
  k = vsnprintf(msg, sizeof msg, fmt, ap);
  if (k < 0)
    msg[0] = '\0';
  e.msg_len = (uint32_t)utf8_clip(msg, strnlen(msg, sizeof msg));
  return cl_enc_error(w, req, &e);
}

int cl_enc_errorf(cl_wbuf *w, uint32_t req, int code, int line, int col,
                  const char *fmt, ...) {
  va_list ap;
  int rc;
  va_start(ap, fmt);
  rc = enc_errorv(w, req, code, 0, line, col, fmt, ap);
  va_end(ap);
  return rc;
}

int cl_enc_errorf_txn(cl_wbuf *w, uint32_t req, int code, int in_txn, int line,
                      int col, const char *fmt, ...) {
  va_list ap;
  int rc;
  va_start(ap, fmt);
  rc = enc_errorv(w, req, code, in_txn, line, col, fmt, ap);
  va_end(ap);
  return rc;
}

void cl_rows_begin(cl_wbuf *w, uint32_t req, uint16_t ncols, size_t *nrows_at) {
  cl_wr_begin(w, CL_F_ROWS, req);
  cl_wr_u16(w, ncols);
  *nrows_at = w->n;
  cl_wr_u32(w, 0);
}

int cl_rows_end(cl_wbuf *w, size_t nrows_at, uint32_t nrows) {
  if (w->oom)
    return CREDO_NOMEM;
  put32(w->p + nrows_at, nrows);
  return cl_wr_end(w);
}

/* ------------------------------------------------------------ decoders */

static int rd_done(cl_rd *r, const char **why) {
  int rc = cl_rd_end(r);
  if (rc != CREDO_OK)
    *why = r->why;
  return rc;
}

static void rd_tz(cl_rd *r, int32_t *tz) {
  *tz = cl_rd_i32(r);
  if (*tz < -64800 || *tz > 64800)
    rd_fail(r, "time zone offset out of range");
}

/* A request's tz: an offset, or CL_TZ_SESSION. */
static void rd_req_tz(cl_rd *r, int32_t *tz) {
  *tz = cl_rd_i32(r);
  if (*tz != CL_TZ_SESSION && (*tz < -64800 || *tz > 64800))
    rd_fail(r, "time zone offset out of range");
  else if (*tz != CL_TZ_SESSION && *tz % 60 != 0)
    rd_fail(r, "time zone offset must be whole minutes");
}

int cl_dec_hello(const uint8_t *p, size_t n, cl_hello *m, const char **why) {
  cl_rd r;
  const uint8_t *magic;
  cl_rd_init(&r, p, n);
  magic = rd_take(&r, 4);
  if (magic && memcmp(magic, CL_MAGIC, 4) != 0)
    rd_fail(&r, "bad magic (not a credo client)");
  m->min_version = cl_rd_u16(&r);
  m->max_version = cl_rd_u16(&r);
  cl_rd_str(&r, &m->client, &m->client_len);
  if (m->client_len > CL_MAX_CLIENT_NAME)
    rd_fail(&r, "client name longer than 64 bytes");
  return rd_done(&r, why);
}

int cl_dec_ready(const uint8_t *p, size_t n, cl_ready *m, const char **why) {
  cl_rd r;
  cl_rd_init(&r, p, n);
  m->version = cl_rd_u16(&r);
  m->max_frame = cl_rd_u32(&r);
  cl_rd_str(&r, &m->server, &m->server_len);
  return rd_done(&r, why);
}

int cl_dec_auth(const uint8_t *p, size_t n, cl_auth *m, const char **why) {
  cl_rd r;
  cl_rd_init(&r, p, n);
  cl_rd_str(&r, &m->user, &m->user_len);
  cl_rd_str(&r, &m->password, &m->password_len);
  if (m->user_len == 0 || m->user_len > CL_MAX_USER)
    rd_fail(&r, "user name must be 1-64 bytes");
  if (m->password_len > CL_MAX_PASSWORD)
    rd_fail(&r, "password longer than 1024 bytes");
  return rd_done(&r, why);
}

int cl_dec_auth_ok(const uint8_t *p, size_t n, cl_auth_ok *m,
                   const char **why) {
  cl_rd r;
  cl_rd_init(&r, p, n);
  cl_rd_str(&r, &m->user, &m->user_len);
  m->role = cl_rd_u8(&r);
  m->conn = cl_rd_u32(&r);
  if (m->role > CREDO_ROLE_ADMIN)
    rd_fail(&r, "unknown role");
  return rd_done(&r, why);
}

int cl_dec_sql(const uint8_t *p, size_t n, cl_sql *m, const char **why) {
  cl_rd r;
  cl_rd_init(&r, p, n);
  rd_req_tz(&r, &m->tz);
  cl_rd_str(&r, &m->sql, &m->sql_len);
  return rd_done(&r, why);
}

int cl_dec_execute(const uint8_t *p, size_t n, cl_execute *m, size_t cap,
                   const char **why) {
  cl_rd r;
  cl_rd_init(&r, p, n);
  m->stmt = cl_rd_u32(&r);
  rd_req_tz(&r, &m->tz);
  m->nparams = cl_rd_u16(&r);
  if (r.err == CREDO_OK && m->nparams > cap) {
    *why = "too many parameters";
    return CREDO_LIMIT;
  }
  for (unsigned i = 0; i < m->nparams && r.err == CREDO_OK; i++)
    cl_rd_value(&r, &m->params[i]);
  return rd_done(&r, why);
}

int cl_dec_u32(const uint8_t *p, size_t n, uint32_t *v, const char **why) {
  cl_rd r;
  cl_rd_init(&r, p, n);
  *v = cl_rd_u32(&r);
  return rd_done(&r, why);
}

int cl_dec_empty(const uint8_t *p, size_t n, const char **why) {
  cl_rd r;
  cl_rd_init(&r, p, n);
  return rd_done(&r, why);
}

/* Reads ncols column descriptions into cols[cap]. */
static int rd_cols(cl_rd *r, uint16_t ncols, cl_coldesc *cols, size_t cap,
                   const char **why) {
  if (r->err == CREDO_OK && ncols > cap) {
    *why = "too many columns for the caller's array";
    return CREDO_LIMIT;
  }
  for (unsigned i = 0; i < ncols && r->err == CREDO_OK; i++) {
    cl_rd_str(r, &cols[i].name, &cols[i].name_len);
    cols[i].type = cl_rd_u8(r);
    if (cols[i].type > CREDO_T_DECIMAL)
      rd_fail(r, "unknown column type");
  }
  return CREDO_OK;
}

int cl_dec_prepared(const uint8_t *p, size_t n, cl_prepared *m, size_t cap,
                    const char **why) {
  cl_rd r;
  cl_rd_init(&r, p, n);
  m->stmt = cl_rd_u32(&r);
  m->tail = cl_rd_u32(&r);
  m->nparams = cl_rd_u16(&r);
  m->ncols = cl_rd_u16(&r);
  if (rd_cols(&r, m->ncols, m->cols, cap, why) != CREDO_OK)
    return CREDO_LIMIT;
  /* version 2: the parameter names follow; a version-1 frame ends here */
  m->has_names = r.err == CREDO_OK && r.off < r.n;
  if (m->has_names && m->nparams > m->pcap) {
    *why = "too many parameter names for the caller's array";
    return CREDO_LIMIT;
  }
  for (unsigned i = 0; m->has_names && i < m->nparams && r.err == CREDO_OK; i++)
    cl_rd_str(&r, &m->params[i].name, &m->params[i].name_len);
  return rd_done(&r, why);
}

int cl_dec_columns(const uint8_t *p, size_t n, uint16_t *ncols,
                   cl_coldesc *cols, size_t cap, const char **why) {
  cl_rd r;
  cl_rd_init(&r, p, n);
  *ncols = cl_rd_u16(&r);
  if (rd_cols(&r, *ncols, cols, cap, why) != CREDO_OK)
    return CREDO_LIMIT;
  return rd_done(&r, why);
}

int cl_dec_done(const uint8_t *p, size_t n, cl_done *m, const char **why) {
  cl_rd r;
  cl_rd_init(&r, p, n);
  m->changes = cl_rd_u64(&r);
  m->rows = cl_rd_u64(&r);
  rd_tz(&r, &m->tz);
  m->in_txn = cl_rd_u8(&r);
  if (m->in_txn > 1)
    rd_fail(&r, "in_txn other than 0 or 1");
  return rd_done(&r, why);
}

int cl_dec_notice(const uint8_t *p, size_t n, const char **msg, uint32_t *len,
                  const char **why) {
  cl_rd r;
  cl_rd_init(&r, p, n);
  cl_rd_str(&r, msg, len);
  if (r.err == CREDO_OK && (*len == 0 || *len > CL_MAX_NOTICE))
    rd_fail(&r, "NOTICE message empty or over 1024 bytes");
  return rd_done(&r, why);
}

int cl_dec_error(const uint8_t *p, size_t n, cl_error *m, const char **why) {
  cl_rd r;
  cl_rd_init(&r, p, n);
  m->code = cl_rd_i32(&r);
  m->line = cl_rd_u32(&r);
  m->column = cl_rd_u32(&r);
  cl_rd_str(&r, &m->msg, &m->msg_len);
  m->in_txn = cl_rd_u8(&r);
  if (r.err == CREDO_OK && m->in_txn > 1)
    rd_fail(&r, "in_txn must be 0 or 1");
  return rd_done(&r, why);
}

int cl_dec_rows_begin(const uint8_t *p, size_t n, cl_rd *r, uint16_t *ncols,
                      uint32_t *nrows, const char **why) {
  cl_rd_init(r, p, n);
  *ncols = cl_rd_u16(r);
  *nrows = cl_rd_u32(r);
  /* Each value takes at least one byte: a count beyond the payload is a
   * lie, refused before anyone allocates for it. */
  if (r->err == CREDO_OK && *ncols > 0 &&
      (uint64_t)*ncols * *nrows > r->n - r->off)
    rd_fail(r, "row count exceeds the payload");
  if (r->err == CREDO_OK && *ncols == 0 && *nrows > 0)
    rd_fail(r, "rows without columns");
  if (r->err != CREDO_OK)
    *why = r->why;
  return r->err;
}

int cl_dec_bdata(const uint8_t *p, size_t n, cl_bdata *m, const char **why) {
  cl_rd r;
  cl_rd_init(&r, p, n);
  m->offset = cl_rd_u64(&r);
  m->estimate = cl_rd_u64(&r);
  m->n = cl_rd_u32(&r);
  if (r.err == CREDO_OK && (m->n == 0 || m->n > CL_MAX_CHUNK))
    rd_fail(&r, "backup chunk size out of range");
  m->data = rd_take(&r, m->n);
  return rd_done(&r, why);
}

int cl_dec_bend(const uint8_t *p, size_t n, cl_bend *m, const char **why) {
  cl_rd r;
  const uint8_t *h;
  cl_rd_init(&r, p, n);
  m->size = cl_rd_u64(&r);
  if ((h = rd_take(&r, sizeof m->xxh3_128)))
    memcpy(m->xxh3_128, h, sizeof m->xxh3_128);
  return rd_done(&r, why);
}
