/*
 * cl_frame.h -- the wire codec of docs/protocol.md, shared by the client
 * library (remote/cl_*.c) and the server (server/srv_*.c). It lives in
 * wire/ with the socket I/O (cl_io.h) and uses only credo.h; its cl_
 * prefix predates the move out of client/.
 *
 * Owns: frame header parsing and building, the field readers and writers
 * (big-endian integers, str, value) and one decoder/encoder per frame
 * type. Pure functions over caller buffers: no I/O, no allocation except
 * in cl_wbuf, no global state. Every decoder rejects malformed input with
 * a code and a static phrase and never reads outside [p, p + n).
 *
 * Does not: do I/O, run statements or know about sockets or TLS.
 */
#ifndef CREDO_CL_FRAME_H
#define CREDO_CL_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "credo.h"

/* Versions spoken: 1..CL_PROTO_VERSION. Version 2 adds NOTICE. */
#define CL_PROTO_VERSION 2
#define CL_PROTO_MIN_VERSION 1
#define CL_PROTO_NOTICE 2   /* the first version with NOTICE frames */
#define CL_PROTO_DURATION 2 /* ... and with DURATION values (tag 8) */
#define CL_PROTO_PNAMES 2   /* ... and with parameter names in PREPARED */
#define CL_MAGIC "CRDO"
#define CL_HDR 10 /* u32 length, u8 type, u8 flags, u32 request */
#define CL_MIN_LENGTH 6
#define CL_MAX_NOTICE 1024 /* bytes of a NOTICE message */
#define CL_DEFAULT_PORT 7411
#define CL_DEFAULT_MAX_FRAME (1u << 20)
#define CL_MAX_SERVER_FRAME (64u << 20)
#define CL_ROWS_BATCH (64u << 10) /* target payload of a ROWS frame */
#define CL_MAX_USER 64
#define CL_MAX_PASSWORD 1024
#define CL_MAX_CLIENT_NAME 64
#define CL_MAX_STMTS 256
#define CL_MAX_CHUNK (1u << 20) /* bytes of one BACKUP_DATA */

enum cl_ftype {
  CL_F_HELLO = 0x01,
  CL_F_AUTH = 0x02,
  CL_F_PREPARE = 0x03,
  CL_F_EXECUTE = 0x04,
  CL_F_QUERY = 0x05,
  CL_F_CLOSE = 0x06,
  CL_F_CANCEL = 0x07,
  CL_F_PING = 0x08,
  CL_F_BYE = 0x09,
  CL_F_BACKUP = 0x0A,
  CL_F_READY = 0x81,
  CL_F_AUTH_OK = 0x82,
  CL_F_PREPARED = 0x83,
  CL_F_COLUMNS = 0x84,
  CL_F_ROWS = 0x85,
  CL_F_DONE = 0x86,
  CL_F_ERROR = 0x87,
  CL_F_OK = 0x88,
  CL_F_BACKUP_DATA = 0x89,
  CL_F_BACKUP_END = 0x8A,
  CL_F_NOTICE = 0x8B /* version 2 */
};

/* "HELLO", "ROWS", ...; NULL for an unknown type. */
const char *cl_ftype_name(int type);
/* 1 for a type a client sends, 2 for one a server sends, 0 otherwise. */
int cl_ftype_dir(int type);

/* A frame header. `len` is the u32 length field (6 + payload size). */
typedef struct cl_hdr {
  uint32_t len;
  uint8_t type, flags;
  uint32_t req;
} cl_hdr;

/* Parses the header at p[0..n). Returns CREDO_OK with *h filled and
 * *total = 4 + len (the whole frame, which may not all be there yet), 1
 * when more bytes are needed, or CREDO_PROTOCOL (length < 6, unknown type,
 * flags != 0) / CREDO_LIMIT (total > max_frame) with *why set to a static
 * phrase. The length is judged as soon as its 4 bytes are there. */
int cl_hdr_parse(const uint8_t *p, size_t n, size_t max_frame, cl_hdr *h,
                 size_t *total, const char **why);

/* ------------------------------------------------------------ reading */

/* A bounded reader over a payload. After the first failure `err` holds
 * the code, `why` the phrase, and every further read returns zeros. */
typedef struct cl_rd {
  const uint8_t *p;
  size_t n, off;
  int err;
  const char *why;
} cl_rd;

void cl_rd_init(cl_rd *r, const uint8_t *p, size_t n);
uint8_t cl_rd_u8(cl_rd *r);
uint16_t cl_rd_u16(cl_rd *r);
uint32_t cl_rd_u32(cl_rd *r);
uint64_t cl_rd_u64(cl_rd *r);
int32_t cl_rd_i32(cl_rd *r);
int64_t cl_rd_i64(cl_rd *r);
/* A str: *s points into the payload (not NUL-terminated), *len its size.
 * Fails on a length past the end, bad UTF-8 or a NUL byte. */
void cl_rd_str(cl_rd *r, const char **s, uint32_t *len);
/* Fails unless every byte was read; returns r->err (CREDO_OK on success). */
int cl_rd_end(cl_rd *r);

/* 1 when p[0..n) is well-formed UTF-8 without NUL (controls allowed). */
int cl_utf8_ok(const char *p, size_t n);

/* The value tag of a DURATION (i32 months, i64 microseconds). It is no
 * credo_type: the API shows a duration as TEXT (credo_column_type) and
 * gives it exactly with credo_column_duration; tags 0..7 are the
 * credo_type values. */
#define CL_T_DURATION 8

/* A value as it travels. TEXT/JSON point into the payload they were read
 * from (s.p[s.n] is not a NUL). */
typedef struct cl_value {
  uint8_t t; /* credo_type, or CL_T_DURATION */
  union {
    int64_t i; /* INT, BOOL (0/1), TIME */
    double r;
    credo_duration d; /* CL_T_DURATION */
    struct {
      const char *p;
      uint32_t n;
    } s;
  } u;
} cl_value;

void cl_rd_value(cl_rd *r, cl_value *v);

/* ------------------------------------------------------------ writing */

/* A growable output buffer. {0} is empty. After an allocation failure
 * `oom` is set and further writes do nothing. */
typedef struct cl_wbuf {
  uint8_t *p;
  size_t n, cap;
  int oom;
  size_t frame; /* offset of the frame being built */
} cl_wbuf;

int cl_wbuf_reserve(cl_wbuf *w, size_t extra);
void cl_wbuf_free(cl_wbuf *w);
/* Starts a frame (header with a placeholder length); cl_wr_end patches
 * the length. CREDO_OK or CREDO_NOMEM (from cl_wr_end). */
void cl_wr_begin(cl_wbuf *w, int type, uint32_t req);
int cl_wr_end(cl_wbuf *w);
void cl_wr_u8(cl_wbuf *w, uint8_t v);
void cl_wr_u16(cl_wbuf *w, uint16_t v);
void cl_wr_u32(cl_wbuf *w, uint32_t v);
void cl_wr_u64(cl_wbuf *w, uint64_t v);
void cl_wr_bytes(cl_wbuf *w, const void *p, size_t n);
void cl_wr_str(cl_wbuf *w, const char *s, size_t n);
void cl_wr_value(cl_wbuf *w, const cl_value *v);
/* Size of the payload written so far in the current frame. */
size_t cl_wr_payload(const cl_wbuf *w);

/* ------------------------------------------------- typed frames */

typedef struct cl_coldesc {
  const char *name;
  uint32_t name_len;
  uint8_t type;
} cl_coldesc;

typedef struct cl_hello {
  uint16_t min_version, max_version;
  const char *client;
  uint32_t client_len;
} cl_hello;

typedef struct cl_ready {
  uint16_t version;
  uint32_t max_frame;
  const char *server;
  uint32_t server_len;
} cl_ready;

typedef struct cl_auth {
  const char *user, *password;
  uint32_t user_len, password_len;
} cl_auth;

typedef struct cl_auth_ok {
  const char *user;
  uint32_t user_len;
  uint8_t role;
  uint32_t conn;
} cl_auth_ok;

/* The tz of a PREPARE, EXECUTE or QUERY that keeps the session's own zone
 * (the store's, unless the session set one): sent by a client handle on
 * which no zone was set. Never in DONE. */
#define CL_TZ_SESSION INT32_MIN

/* PREPARE and QUERY. */
typedef struct cl_sql {
  int32_t tz;
  const char *sql;
  uint32_t sql_len;
} cl_sql;

/* EXECUTE; params has room for nparams values (decode: the caller passes
 * an array of `cap` and gets CREDO_LIMIT beyond it). */
typedef struct cl_execute {
  uint32_t stmt;
  int32_t tz;
  uint16_t nparams;
  cl_value *params;
} cl_execute;

/* A parameter's name in PREPARED (":limit"); empty for `?` and `$n`. */
typedef struct cl_pname {
  const char *name;
  uint32_t name_len;
} cl_pname;

/* PREPARED. params: nparams names after the columns (version 2), NULL for
 * a version-1 frame. Decode: the names are read when the frame has them
 * (has_names is then 1) into params[pcap], CREDO_LIMIT beyond it. */
typedef struct cl_prepared {
  uint32_t stmt, tail;
  uint16_t nparams, ncols;
  cl_coldesc *cols;
  cl_pname *params;
  size_t pcap;
  uint8_t has_names;
} cl_prepared;

typedef struct cl_done {
  uint64_t changes, rows;
  int32_t tz;
  uint8_t in_txn;
} cl_done;

typedef struct cl_error {
  int32_t code;
  uint32_t line, column;
  const char *msg;
  uint32_t msg_len;
  uint8_t in_txn; /* an explicit transaction is open after the error */
} cl_error;

/* BACKUP_DATA: `n` (1..CL_MAX_CHUNK) bytes of the stream at `offset`. */
typedef struct cl_bdata {
  uint64_t offset, estimate;
  const uint8_t *data;
  uint32_t n;
} cl_bdata;

/* BACKUP_END: the stream's size and its XXH3-128, canonical (big-endian)
 * bytes. */
typedef struct cl_bend {
  uint64_t size;
  uint8_t xxh3_128[16];
} cl_bend;

/* Encoders append one whole frame to `w`; CREDO_OK or CREDO_NOMEM. */
int cl_enc_hello(cl_wbuf *w, uint32_t req, const cl_hello *m);
int cl_enc_ready(cl_wbuf *w, uint32_t req, const cl_ready *m);
int cl_enc_auth(cl_wbuf *w, uint32_t req, const cl_auth *m);
int cl_enc_auth_ok(cl_wbuf *w, uint32_t req, const cl_auth_ok *m);
int cl_enc_sql(cl_wbuf *w, int type, uint32_t req, const cl_sql *m);
int cl_enc_execute(cl_wbuf *w, uint32_t req, const cl_execute *m);
int cl_enc_u32(cl_wbuf *w, int type, uint32_t req, uint32_t v);
int cl_enc_empty(cl_wbuf *w, int type, uint32_t req);
int cl_enc_prepared(cl_wbuf *w, uint32_t req, const cl_prepared *m);
int cl_enc_columns(cl_wbuf *w, uint32_t req, uint16_t ncols,
                   const cl_coldesc *cols);
int cl_enc_done(cl_wbuf *w, uint32_t req, const cl_done *m);
int cl_enc_error(cl_wbuf *w, uint32_t req, const cl_error *m);
int cl_enc_bdata(cl_wbuf *w, uint32_t req, const cl_bdata *m);
int cl_enc_bend(cl_wbuf *w, uint32_t req, const cl_bend *m);
/* NOTICE: `str message` (cut to CL_MAX_NOTICE bytes at a UTF-8 boundary). */
int cl_enc_notice(cl_wbuf *w, uint32_t req, const char *msg);
/* An ERROR frame from a code and a printf message (in_txn 0). */
int cl_enc_errorf(cl_wbuf *w, uint32_t req, int code, int line, int col,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The same with the in-transaction flag. */
int cl_enc_errorf_txn(cl_wbuf *w, uint32_t req, int code, int in_txn, int line,
                      int col, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* ROWS is built incrementally: begin, then ncols values per row with
 * cl_rows_add_row after each, then end (which patches nrows). */
void cl_rows_begin(cl_wbuf *w, uint32_t req, uint16_t ncols, size_t *nrows_at);
int cl_rows_end(cl_wbuf *w, size_t nrows_at, uint32_t nrows);

/* Decoders take the payload (after the header). On failure they return
 * CREDO_PROTOCOL (or CREDO_LIMIT) and set *why. Pointers in the result
 * point into the payload. */
int cl_dec_hello(const uint8_t *p, size_t n, cl_hello *m, const char **why);
int cl_dec_ready(const uint8_t *p, size_t n, cl_ready *m, const char **why);
int cl_dec_auth(const uint8_t *p, size_t n, cl_auth *m, const char **why);
int cl_dec_auth_ok(const uint8_t *p, size_t n, cl_auth_ok *m, const char **why);
int cl_dec_sql(const uint8_t *p, size_t n, cl_sql *m, const char **why);
int cl_dec_execute(const uint8_t *p, size_t n, cl_execute *m, size_t cap,
                   const char **why);
int cl_dec_u32(const uint8_t *p, size_t n, uint32_t *v, const char **why);
int cl_dec_empty(const uint8_t *p, size_t n, const char **why);
int cl_dec_prepared(const uint8_t *p, size_t n, cl_prepared *m, size_t cap,
                    const char **why);
int cl_dec_columns(const uint8_t *p, size_t n, uint16_t *ncols,
                   cl_coldesc *cols, size_t cap, const char **why);
int cl_dec_done(const uint8_t *p, size_t n, cl_done *m, const char **why);
int cl_dec_error(const uint8_t *p, size_t n, cl_error *m, const char **why);
int cl_dec_bdata(const uint8_t *p, size_t n, cl_bdata *m, const char **why);
int cl_dec_bend(const uint8_t *p, size_t n, cl_bend *m, const char **why);
/* NOTICE: the message (1..CL_MAX_NOTICE bytes, pointing into p). */
int cl_dec_notice(const uint8_t *p, size_t n, const char **msg, uint32_t *len,
                  const char **why);
/* ROWS: reads the counts; then the caller reads nrows * ncols values with
 * cl_rd_value on *r and calls cl_rd_end. */
int cl_dec_rows_begin(const uint8_t *p, size_t n, cl_rd *r, uint16_t *ncols,
                      uint32_t *nrows, const char **why);

#endif /* CREDO_CL_FRAME_H */
