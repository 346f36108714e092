/*
 * pg.h -- credo-server's PostgreSQL front end (docs/pgwire.md): the pieces
 * and how they meet.
 *
 * A second listener (--pg-listen) speaks the PostgreSQL v3 frontend/backend
 * protocol over the same store, users, roles, limits and log as the native
 * one. Each accepted socket gets its own thread (pg_conn.c) with its own
 * engine handle made by credo_dup from the server's admin handle and
 * switched to the user's role after SCRAM-SHA-256 (pg_auth.c), so the
 * engine enforces roles on every path exactly as for native sessions.
 *
 *   pg_proto.c    message codec: startup packet, message framing, the
 *                 decoders of frontend messages, the encoders of backend
 *                 messages (pure: no I/O, no globals)
 *   pg_auth.c     the SCRAM-SHA-256 server exchange (pure, OpenSSL)
 *   pg_types.c    CQL values as PostgreSQL text/binary, parameters in
 *   pg_sql.c      the dialect's edges: $n parameters, statements drivers
 *                 send on their own (SET, SHOW, version(), DISCARD ...)
 *   pg_catalog.c  pg_catalog / information_schema introspection
 *   pg_conn.c     the session machine (startup, auth, simple and extended
 *                 query, COPY, cancel registry)
 *   pg_exec.c     runs statements and portals, streams rows
 *
 * Does not: touch the store except through include/credo.h.
 */
#ifndef CREDO_PG_H
#define CREDO_PG_H

#include <stddef.h>
#include <stdint.h>

#include "credo.h"

/* ------------------------------------------------------- constants */

#define PG_PROTO_3 196608       /* 3.0 */
#define PG_SSL_REQUEST 80877103 /* 1234.5679 */
#define PG_CANCEL_REQUEST 80877102
#define PG_GSSENC_REQUEST 80877104
#define PG_STARTUP_MAX 10000 /* bytes of a startup packet (as PG) */
#define PG_MAX_PARAMS 1024   /* parameters of one statement */
#define PG_NAME_MAX 64       /* statement and portal names */

/* Type OIDs (pg_type.oid) of the values we send and accept. */
enum pg_oid {
  PG_OID_BOOL = 16,
  PG_OID_BYTEA = 17,
  PG_OID_NAME = 19,
  PG_OID_INT8 = 20,
  PG_OID_INT2 = 21,
  PG_OID_INT4 = 23,
  PG_OID_TEXT = 25,
  PG_OID_OID = 26,
  PG_OID_JSON = 114,
  PG_OID_FLOAT4 = 700,
  PG_OID_FLOAT8 = 701,
  PG_OID_UNKNOWN = 705,
  PG_OID_BPCHAR = 1042,
  PG_OID_VARCHAR = 1043,
  PG_OID_DATE = 1082,
  PG_OID_TIMESTAMP = 1114,
  PG_OID_TIMESTAMPTZ = 1184,
  PG_OID_INTERVAL = 1186,
  PG_OID_NUMERIC = 1700,
  PG_OID_JSONB = 3802
};

/* Microseconds from 1970-01-01 to PostgreSQL's epoch 2000-01-01 (UTC). */
#define PG_EPOCH_USEC INT64_C(946684800000000)

/* ------------------------------------------------------ write buffer */

/* A growing output buffer. After an allocation failure `oom` is set and
 * further writes are dropped (the caller ends the connection). */
typedef struct pg_buf {
  uint8_t *p;
  size_t n, cap;
  size_t msg; /* offset of the open message's length field */
  int oom;
} pg_buf;

void pg_buf_free(pg_buf *b);
void pg_put_u8(pg_buf *b, uint8_t v);
void pg_put_i16(pg_buf *b, int16_t v);
void pg_put_i32(pg_buf *b, int32_t v);
void pg_put_bytes(pg_buf *b, const void *p, size_t n);
void pg_put_str(pg_buf *b, const char *s); /* with its NUL */
/* Opens a backend message of `type` (its length is patched by pg_end). */
void pg_begin(pg_buf *b, char type);
void pg_end(pg_buf *b);

/* -------------------------------------------------------- reading */

/* A bounded reader over one message body; after the first overrun `bad`
 * is set and every read returns zero / "". Never reads outside p[0..n). */
typedef struct pg_rd {
  const uint8_t *p;
  size_t n, off;
  int bad;
} pg_rd;

uint8_t pg_get_u8(pg_rd *r);
int16_t pg_get_i16(pg_rd *r);
int32_t pg_get_i32(pg_rd *r);
/* A NUL-terminated string inside the body (pointer into it). */
const char *pg_get_str(pg_rd *r);
/* `n` bytes (pointer into the body), NULL on overrun. */
const uint8_t *pg_get_bytes(pg_rd *r, size_t n);

/* --------------------------------------------------- startup packet */

enum pg_startup_kind {
  PG_SU_STARTUP = 1,
  PG_SU_SSL,
  PG_SU_GSSENC,
  PG_SU_CANCEL
};

#define PG_SU_MAX_PARAMS 32

typedef struct pg_startup {
  int kind;
  int32_t cancel_pid, cancel_key; /* PG_SU_CANCEL */
  unsigned nparams;               /* PG_SU_STARTUP */
  const char *key[PG_SU_MAX_PARAMS], *val[PG_SU_MAX_PARAMS];
} pg_startup;

/* Length of the startup packet at p[0..n): 0 when fewer than 4 bytes are
 * there, -1 when the length is outside [8, PG_STARTUP_MAX]. */
long pg_startup_len(const uint8_t *p, size_t n);
/* Parses a whole startup packet (p[0..n), n as pg_startup_len said; the
 * parameter strings point into p). CREDO_OK or CREDO_PROTOCOL with a
 * static phrase in *why. */
int pg_startup_parse(const uint8_t *p, size_t n, pg_startup *out,
                     const char **why);
/* The value of startup parameter `key`, or NULL. */
const char *pg_startup_get(const pg_startup *s, const char *key);

/* ----------------------------------------------- frontend messages */

/* A message header at p[0..n): 0 when fewer than 5 bytes are there (need
 * more), 1 with *type and *total (1 + the length field) filled,
 * CREDO_PROTOCOL for a length < 4 and CREDO_LIMIT for total > max. */
int pg_msg_header(const uint8_t *p, size_t n, size_t max, char *type,
                  size_t *total);

typedef struct pg_parse_msg {
  const char *name, *query;
  int nparams;
  const uint8_t *oids; /* nparams big-endian int32 */
} pg_parse_msg;

typedef struct pg_bind_msg {
  const char *portal, *stmt;
  int nfmt;
  const uint8_t *fmts; /* nfmt big-endian int16 */
  int nparams;
  const uint8_t *params; /* nparams (int32 length, bytes) */
  size_t params_len;
  int nres;
  const uint8_t *res; /* nres big-endian int16 */
} pg_bind_msg;

/* One value of a Bind message: len -1 is NULL. */
typedef struct pg_value {
  int32_t len;
  const uint8_t *p;
} pg_value;

/* Decoders of one message body (after the type byte and length). Each
 * returns CREDO_OK or CREDO_PROTOCOL with a static phrase in *why; the
 * outputs point into the body. */
int pg_dec_parse(const uint8_t *p, size_t n, pg_parse_msg *m, const char **why);
int pg_dec_bind(const uint8_t *p, size_t n, pg_bind_msg *m, const char **why);
/* Walks the parameter values of a decoded Bind (0..nparams-1 in order):
 * the reader `r` starts at {m->params, m->params_len}. */
int pg_bind_next(pg_rd *r, pg_value *v);
/* Format code of parameter / result column i (0 text, 1 binary). */
int pg_fmt_at(const uint8_t *fmts, int nfmt, int i);
/* Describe and Close: 'S' or 'P' and a name. */
int pg_dec_target(const uint8_t *p, size_t n, char *what, const char **name,
                  const char **why);
int pg_dec_execute(const uint8_t *p, size_t n, const char **portal,
                   int32_t *maxrows, const char **why);

/* ------------------------------------------------ backend messages */

void pg_enc_auth(pg_buf *b, int32_t code, const void *data, size_t n);
void pg_enc_param_status(pg_buf *b, const char *key, const char *val);
void pg_enc_backend_key(pg_buf *b, int32_t pid, int32_t key);
void pg_enc_ready(pg_buf *b, char status);
void pg_enc_simple(pg_buf *b, char type); /* empty-bodied messages */
void pg_enc_complete(pg_buf *b, const char *tag);
/* ErrorResponse (or NoticeResponse with type 'N'): severity, SQLSTATE,
 * message and, when pos > 0, the 1-based character position 'P'. */
void pg_enc_error(pg_buf *b, char type, const char *severity,
                  const char *sqlstate, const char *msg, int pos);

/* ----------------------------------------------------------- SCRAM */

#define PG_SCRAM_NONCE 24 /* random bytes of the server's nonce part */

typedef struct pg_scram {
  credo_scram_verifier v;
  int mock; /* unknown user: run the exchange, then fail */
  char client_first_bare[512];
  char server_first[512];
  char nonce[256]; /* client nonce + server nonce */
} pg_scram;

/* Mock verifier for an unknown user (so that the exchange looks the same
 * as for a real one and fails only at the proof): salt derived from the
 * name and a per-process secret, random keys. */
void pg_scram_mock(pg_scram *s, const char *user);
/* Reads the SASLInitialResponse data (client-first-message) and writes
 * the server-first-message into s->server_first. CREDO_OK, or
 * CREDO_PROTOCOL / CREDO_NOTSUP (channel binding) with *why. */
int pg_scram_first(pg_scram *s, const char *msg, size_t n, const char **why);
/* Checks the client-final-message; on success writes the
 * server-final-message ("v=...") into out[outn] and returns CREDO_OK;
 * CREDO_AUTH for a wrong proof (or a mock), CREDO_PROTOCOL for a
 * malformed message. */
int pg_scram_final(pg_scram *s, const char *msg, size_t n, char *out,
                   size_t outn, const char **why);
/* Wipes the secrets of `s`. */
void pg_scram_wipe(pg_scram *s);

/* ----------------------------------------------------------- types */

/* The type OID a CQL column type goes out as. */
int32_t pg_type_oid(credo_type t);
/* Its pg_type.typname ("int8", "timestamptz", ...). */
const char *pg_type_name(int32_t oid);
/* Its typlen (-1 variable). */
int pg_type_len(int32_t oid);

/* Appends the value of column `i` of the current row of `st` as one
 * DataRow field (int32 length, bytes), in text (fmt 0) or binary (fmt 1)
 * for the type the column was described with (`decl`, CREDO_T_NULL:
 * described as text). Times are written in the zone `tz` (seconds east
 * of UTC). */
void pg_put_column(pg_buf *b, credo_stmt *st, int i, int fmt, int tz,
                   credo_type decl);
/* The text form of column `i` (as pg_put_column's text format): a pointer
 * to buf or to the statement's value, its length in *len; NULL for NULL.
 * Valid until the next step of `st`. */
const char *pg_column_str(credo_stmt *st, int i, int tz, char buf[64],
                          size_t *len);

/* Binds parameter `i` (1-based) of `st` from a Bind value in format `fmt`
 * with type `oid` (0: unspecified, guessed from the text). CREDO_OK or a
 * code with a sentence in err[errn]. */
int pg_bind_value(credo_stmt *st, int i, const pg_value *v, int fmt,
                  int32_t oid, int tz, char *err, size_t errn);
/* The same for a parameter the text casts itself (`?::numeric`,
 * `?::bool`): a numeric is bound as its exact text and a bool as "true" /
 * "false" for CQL's cast to read; other types as pg_bind_value. */
int pg_bind_cast(credo_stmt *st, int i, const pg_value *v, int fmt, int32_t oid,
                 int tz, char *err, size_t errn);

/* ------------------------------------------------------------- SQL */

/* A statement as the dialect sees it after pg_sql_rewrite: `$n`
 * parameters replaced by `?` (in order of appearance; map[k] is the
 * 0-based Bind index of the k-th `?`); a `::type` cast after a parameter
 * is remembered as hint[k] and stays in the text when CQL has that cast
 * (cast[k] = 1: int8, numeric, text, timestamptz, ...), else is dropped
 * (jsonb, int4, date, ...); casts after literals likewise. */
typedef struct pg_sql {
  char *text; /* owned (malloc) */
  int nq;     /* number of `?` */
  int *map;   /* nq entries, owned */
  int32_t *hint;
  int *cast;
  int nparams; /* highest $n */
} pg_sql;

/* Rewrites `q`. CREDO_OK, CREDO_NOMEM, or CREDO_SYNTAX for a bad $n
 * (message in err). */
int pg_sql_rewrite(const char *q, pg_sql *out, char *err, size_t errn);
/* Adds CQL's cast after each `?` whose Parse type (ptypes[map[k]], n of
 * them) is bool or numeric and that has no cast yet, so such values are
 * bound as text and converted by CQL (exact numerics, booleans, which
 * the C API cannot bind). CREDO_OK or CREDO_NOMEM. */
int pg_sql_cast_params(pg_sql *s, const int32_t *ptypes, int n);
void pg_sql_free(pg_sql *s);

/* Splits the next statement of a simple Query at `*q`: returns its
 * length (without the `;`), sets *next past it; quotes, comments and
 * JSON strings are respected. 0 at the end of the text. */
size_t pg_sql_next(const char *q, const char **start, const char **next);

/* What the statements drivers send on their own turn into. */
enum pg_compat_kind {
  PG_C_NONE = 0, /* give it to CQL */
  PG_C_SET,      /* SET x = y / SET x TO y: tag "SET" */
  PG_C_RESULT,   /* a one-row answer (SHOW x, SELECT version(), ...) */
  PG_C_BEGIN,
  PG_C_COMMIT,
  PG_C_ROLLBACK,
  PG_C_DISCARD, /* DISCARD ALL / RESET ALL / DEALLOCATE ... */
  PG_C_EMPTY,   /* nothing (only blanks/comments) */
  PG_C_COPY     /* COPY (SELECT ...) TO STDOUT */
};

/* A synthetic result: column names/types and rows of text (NULL: SQL
 * NULL). Made by the compat and catalog answers. */
#define PG_RES_MAX_COLS 32
typedef struct pg_result {
  int ncols;
  const char *name[PG_RES_MAX_COLS];
  int32_t oid[PG_RES_MAX_COLS];
  size_t nrows, cap;
  char **cells; /* nrows * ncols, each owned (malloc) or NULL */
  int oom;
  char tag[64];
  void *owned; /* freed with the result (storage behind `name`) */
} pg_result;

void pg_result_init(pg_result *r, int ncols);
void pg_result_col(pg_result *r, int i, const char *name, int32_t oid);
/* Appends one row of ncols strings (copied; NULL stays NULL). */
void pg_result_row(pg_result *r, const char *const *cells);
void pg_result_free(pg_result *r);

/* Session settings a connection keeps for SHOW / current_setting /
 * ParameterStatus. */
typedef struct pg_settings {
  char application_name[80];
  char datestyle[32];
  char client_encoding[16];
  char timezone[64];
  char user[65];
  char database[80];
  int tz; /* seconds east of UTC of the session */
} pg_settings;

typedef struct pg_compat {
  int kind;
  pg_result res;    /* PG_C_RESULT */
  char setting[64]; /* PG_C_SET: the setting changed (for ParameterStatus) */
  const char *copy_query; /* PG_C_COPY: the inner query (into the text) */
  size_t copy_len;
  int copy_csv, copy_header;
} pg_compat_out;

/* Recognises the statements drivers send on their own in `q` (`len`
 * bytes). Applies SETs to `s` (SET TIME ZONE changes s->tz; the caller
 * applies it to the handle). PG_C_NONE: give the text to CQL. An unknown
 * setting in SET is accepted and ignored (drivers set many); SHOW of an
 * unknown one is CREDO_NOTFOUND with a message in err. */
int pg_compat(const char *q, size_t len, pg_settings *s, pg_compat_out *out,
              char *err, size_t errn);
void pg_compat_free(pg_compat_out *c);

/* Answers the introspection queries psql, JDBC, Metabase and Grafana
 * send (pg_catalog, information_schema) from the store's tables through
 * `db` (the session's handle, so roles apply). 1 when `q` was one (the
 * result is in *out), 0 when it is not a catalog query, a negative code
 * with a message in err on failure. */
int pg_catalog(credo *db, const char *q, size_t len, const pg_settings *s,
               pg_result *out, char *err, size_t errn);

/* ---------------------------------------------------------- errors */

/* The SQLSTATE for an engine error code and message. */
const char *pg_sqlstate(int code, const char *msg);

#endif /* CREDO_PG_H */
