/*
 * pg_proto.c -- the PostgreSQL v3 message codec (docs/pgwire.md, "Message
 * layout"): the startup packet, frontend message framing and decoding,
 * backend message encoding.
 *
 * Invariants: pure functions over caller buffers (no I/O, no globals);
 * every decoder stays inside [p, p + n) and rejects a malformed body with
 * CREDO_PROTOCOL and a static phrase; integers are big-endian; strings are
 * NUL-terminated inside the body (a missing NUL is malformed).
 *
 * Does not: decide what a message means for the session (pg_conn.c).
 */
#include <stdlib.h>
#include <string.h>

#include "pg.h"

/* ------------------------------------------------------------ writing */

static int reserve(pg_buf *b, size_t extra) {
  size_t cap;
  uint8_t *p;
  if (b->oom)
    return -1;
  if (b->n + extra <= b->cap)
    return 0;
  cap = b->cap ? b->cap : 4096;
  while (cap < b->n + extra)
    cap *= 2;
  p = realloc(b->p, cap);
  if (!p) {
    b->oom = 1;
    return -1;
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

void pg_buf_free(pg_buf *b) {
  if (!b)
    return;
  free(b->p);
  memset(b, 0, sizeof *b);
}

void pg_put_bytes(pg_buf *b, const void *p, size_t n) {
  if (n == 0 || reserve(b, n) < 0)
    return;
  memcpy(b->p + b->n, p, n);
  b->n += n;
}

void pg_put_u8(pg_buf *b, uint8_t v) {
  pg_put_bytes(b, &v, 1);
}

void pg_put_i16(pg_buf *b, int16_t v) {
  uint8_t x[2] = {(uint8_t)((uint16_t)v >> 8), (uint8_t)v};
  pg_put_bytes(b, x, 2);
}

void pg_put_i32(pg_buf *b, int32_t v) {
  uint32_t u = (uint32_t)v;
  uint8_t x[4] = {(uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8),
                  (uint8_t)u};
  pg_put_bytes(b, x, 4);
}

void pg_put_str(pg_buf *b, const char *s) {
  pg_put_bytes(b, s, strlen(s) + 1);
}

void pg_begin(pg_buf *b, char type) {
  pg_put_u8(b, (uint8_t)type);
  b->msg = b->n;
  pg_put_i32(b, 0);
}

void pg_end(pg_buf *b) {
  uint32_t len;
  if (b->oom)
    return;
  len = (uint32_t)(b->n - b->msg);
  b->p[b->msg] = (uint8_t)(len >> 24);
  b->p[b->msg + 1] = (uint8_t)(len >> 16);
  b->p[b->msg + 2] = (uint8_t)(len >> 8);
  b->p[b->msg + 3] = (uint8_t)len;
}

/* ------------------------------------------------------------ reading */

const uint8_t *pg_get_bytes(pg_rd *r, size_t n) {
  const uint8_t *p;
  if (r->bad || n > r->n - r->off) {
    r->bad = 1;
    return NULL;
  }
  p = r->p + r->off;
  r->off += n;
  return p;
}

uint8_t pg_get_u8(pg_rd *r) {
  const uint8_t *p = pg_get_bytes(r, 1);
  return p ? p[0] : 0;
}

int16_t pg_get_i16(pg_rd *r) {
  const uint8_t *p = pg_get_bytes(r, 2);
  return p ? (int16_t)(uint16_t)((unsigned)p[0] << 8 | p[1]) : 0;
}

int32_t pg_get_i32(pg_rd *r) {
  const uint8_t *p = pg_get_bytes(r, 4);
  return p ? (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                       (uint32_t)p[2] << 8 | p[3])
           : 0;
}

const char *pg_get_str(pg_rd *r) {
  const uint8_t *nul;
  const char *s;
  if (r->bad || r->off >= r->n) {
    r->bad = 1;
    return "";
  }
  nul = memchr(r->p + r->off, 0, r->n - r->off);
  if (!nul) {
    r->bad = 1;
    return "";
  }
  s = (const char *)r->p + r->off;
  r->off = (size_t)(nul - r->p) + 1;
  return s;
}

/* ------------------------------------------------------------ startup */

long pg_startup_len(const uint8_t *p, size_t n) {
  pg_rd r = {p, n, 0, 0};
  int32_t len;
  if (n < 4)
    return 0;
  len = pg_get_i32(&r);
  if (len < 8 || len > PG_STARTUP_MAX)
    return -1;
  return len;
}

int pg_startup_parse(const uint8_t *p, size_t n, pg_startup *out,
                     const char **why) {
  pg_rd r = {p, n, 4, 0};
  int32_t code;
  memset(out, 0, sizeof *out);
  if (n < 8) {
    *why = "startup packet too short";
    return CREDO_PROTOCOL;
  }
  code = pg_get_i32(&r);
  if (code == PG_SSL_REQUEST || code == PG_GSSENC_REQUEST) {
    out->kind = code == PG_SSL_REQUEST ? PG_SU_SSL : PG_SU_GSSENC;
    return n == 8 ? CREDO_OK : (*why = "bad SSLRequest length", CREDO_PROTOCOL);
  }
  if (code == PG_CANCEL_REQUEST) {
    out->kind = PG_SU_CANCEL;
    out->cancel_pid = pg_get_i32(&r);
    out->cancel_key = pg_get_i32(&r);
    return n == 16 ? CREDO_OK
                   : (*why = "bad CancelRequest length", CREDO_PROTOCOL);
  }
  if (code >> 16 != 3) {
    *why = "unsupported frontend protocol (credo speaks 3.0)";
    return CREDO_PROTOCOL;
  }
  out->kind = PG_SU_STARTUP;
  for (;;) {
    const char *k = pg_get_str(&r), *v;
    if (r.bad)
      break;
    if (*k == '\0')
      return r.off == n ? CREDO_OK
                        : (*why = "bytes after the startup parameters",
                           CREDO_PROTOCOL);
    v = pg_get_str(&r);
    if (r.bad)
      break;
    if (out->nparams == PG_SU_MAX_PARAMS) {
      *why = "too many startup parameters";
      return CREDO_PROTOCOL;
    }
    out->key[out->nparams] = k;
    out->val[out->nparams++] = v;
  }
  *why = "malformed startup parameters";
  return CREDO_PROTOCOL;
}

const char *pg_startup_get(const pg_startup *s, const char *key) {
  for (unsigned i = 0; i < s->nparams; i++)
    if (strcmp(s->key[i], key) == 0)
      return s->val[i];
  return NULL;
}

/* ------------------------------------------------- frontend messages */

int pg_msg_header(const uint8_t *p, size_t n, size_t max, char *type,
                  size_t *total) {
  pg_rd r = {p, n, 1, 0};
  int32_t len;
  if (n < 5)
    return 0;
  *type = (char)p[0];
  len = pg_get_i32(&r);
  if (len < 4)
    return CREDO_PROTOCOL;
  *total = (size_t)len + 1;
  if (*total > max)
    return CREDO_LIMIT;
  return 1;
}

/* The common ending of the decoders: the whole body read, nothing more. */
static int finish(const pg_rd *r, const char *what, const char **why) {
  if (r->bad || r->off != r->n) {
    *why = what;
    return CREDO_PROTOCOL;
  }
  return CREDO_OK;
}

int pg_dec_parse(const uint8_t *p, size_t n, pg_parse_msg *m,
                 const char **why) {
  pg_rd r = {p, n, 0, 0};
  m->name = pg_get_str(&r);
  m->query = pg_get_str(&r);
  m->nparams = pg_get_i16(&r);
  if (m->nparams < 0 || m->nparams > PG_MAX_PARAMS) {
    *why = "bad parameter count in Parse";
    return CREDO_PROTOCOL;
  }
  m->oids = pg_get_bytes(&r, (size_t)m->nparams * 4);
  return finish(&r, "malformed Parse message", why);
}

int pg_dec_bind(const uint8_t *p, size_t n, pg_bind_msg *m, const char **why) {
  pg_rd r = {p, n, 0, 0}, v;
  pg_value val;
  size_t start;
  m->portal = pg_get_str(&r);
  m->stmt = pg_get_str(&r);
  m->nfmt = pg_get_i16(&r);
  if (m->nfmt < 0 || m->nfmt > PG_MAX_PARAMS)
    goto bad;
  m->fmts = pg_get_bytes(&r, (size_t)m->nfmt * 2);
  m->nparams = pg_get_i16(&r);
  if (m->nparams < 0 || m->nparams > PG_MAX_PARAMS)
    goto bad;
  start = r.off;
  v = (pg_rd){r.p + start, r.n - start, 0, 0};
  for (int i = 0; i < m->nparams; i++)
    if (pg_bind_next(&v, &val) != CREDO_OK)
      goto bad;
  m->params = r.p + start;
  m->params_len = v.off;
  r.off += v.off;
  m->nres = pg_get_i16(&r);
  if (m->nres < 0 || m->nres > 4096)
    goto bad;
  m->res = pg_get_bytes(&r, (size_t)m->nres * 2);
  for (int i = 0; !r.bad && i < m->nfmt; i++)
    if (pg_fmt_at(m->fmts, m->nfmt, i) > 1)
      goto bad;
  for (int i = 0; !r.bad && i < m->nres; i++)
    if (pg_fmt_at(m->res, m->nres, i) > 1)
      goto bad;
  return finish(&r, "malformed Bind message", why);
bad:
  *why = "malformed Bind message";
  return CREDO_PROTOCOL;
}

int pg_bind_next(pg_rd *r, pg_value *v) {
  v->len = pg_get_i32(r);
  v->p = NULL;
  if (r->bad || v->len < -1)
    return CREDO_PROTOCOL;
  if (v->len >= 0 && !(v->p = pg_get_bytes(r, (size_t)v->len)))
    return CREDO_PROTOCOL;
  return CREDO_OK;
}

int pg_fmt_at(const uint8_t *fmts, int nfmt, int i) {
  int k = nfmt == 1 ? 0 : i;
  int v;
  if (nfmt == 0 || k >= nfmt)
    return 0;
  v = (int16_t)(uint16_t)((unsigned)fmts[2 * k] << 8 | fmts[2 * k + 1]);
  return v < 0 ? 2 : v;
}

int pg_dec_target(const uint8_t *p, size_t n, char *what, const char **name,
                  const char **why) {
  pg_rd r = {p, n, 0, 0};
  *what = (char)pg_get_u8(&r);
  *name = pg_get_str(&r);
  if (!r.bad && *what != 'S' && *what != 'P') {
    *why = "Describe/Close must name 'S' or 'P'";
    return CREDO_PROTOCOL;
  }
  return finish(&r, "malformed Describe/Close message", why);
}

int pg_dec_execute(const uint8_t *p, size_t n, const char **portal,
                   int32_t *maxrows, const char **why) {
  pg_rd r = {p, n, 0, 0};
  *portal = pg_get_str(&r);
  *maxrows = pg_get_i32(&r);
  return finish(&r, "malformed Execute message", why);
}

/* --------------------------------------------------- backend messages */

void pg_enc_auth(pg_buf *b, int32_t code, const void *data, size_t n) {
  pg_begin(b, 'R');
  pg_put_i32(b, code);
  pg_put_bytes(b, data, n);
  pg_end(b);
}

void pg_enc_param_status(pg_buf *b, const char *key, const char *val) {
  pg_begin(b, 'S');
  pg_put_str(b, key);
  pg_put_str(b, val);
  pg_end(b);
}

void pg_enc_backend_key(pg_buf *b, int32_t pid, int32_t key) {
  pg_begin(b, 'K');
  pg_put_i32(b, pid);
  pg_put_i32(b, key);
  pg_end(b);
}

void pg_enc_ready(pg_buf *b, char status) {
  pg_begin(b, 'Z');
  pg_put_u8(b, (uint8_t)status);
  pg_end(b);
}

void pg_enc_simple(pg_buf *b, char type) {
  pg_begin(b, type);
  pg_end(b);
}

void pg_enc_complete(pg_buf *b, const char *tag) {
  pg_begin(b, 'C');
  pg_put_str(b, tag);
  pg_end(b);
}

void pg_enc_error(pg_buf *b, char type, const char *severity,
                  const char *sqlstate, const char *msg, int pos) {
  pg_begin(b, type);
  pg_put_u8(b, 'S');
  pg_put_str(b, severity);
  pg_put_u8(b, 'V');
  pg_put_str(b, severity);
  pg_put_u8(b, 'C');
  pg_put_str(b, sqlstate);
  pg_put_u8(b, 'M');
  pg_put_str(b, msg);
  if (pos > 0) {
    char num[16];
    int k = 0, v = pos;
    char rev[16];
    while (v > 0 && k < 15) {
      rev[k++] = (char)('0' + v % 10);
      v /= 10;
    }
    for (int i = 0; i < k; i++)
      num[i] = rev[k - 1 - i];
    num[k] = '\0';
    pg_put_u8(b, 'P');
    pg_put_str(b, num);
  }
  pg_put_u8(b, 0);
  pg_end(b);
}
