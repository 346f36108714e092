/*
 * cl_remote.h -- the remote backend (cl_remote_backend, cl_backend.c): the
 * public API on a store behind credo-server, reached through the backend
 * table (api/backend.h) for credo:// and credos:// URIs.
 *
 * A remote handle is a `credo` made by be_handle_new whose context
 * (be_ctx) is a cl_conn: one TCP (or TLS) connection speaking
 * docs/protocol.md, authenticated as one user. A remote statement is a
 * cl_rstmt, which starts with its handle as every backend's statement
 * does. Errors are set on the handle with be_err, so credo_errcode /
 * credo_errmsg / credo_errpos work unchanged. Includes no engine header:
 * what it needs of the handle are the be_* services.
 *
 * Threads: like any handle, one thread at a time per remote handle and its
 * statements.
 */
#ifndef CREDO_CL_REMOTE_H
#define CREDO_CL_REMOTE_H

#include "backend.h"
#include "cl_frame.h"
#include "cl_io.h"
#include "credo.h"

/* A parsed credo:// or credos:// URI. */
typedef struct cl_uri {
  char user[CL_MAX_USER + 1];
  char host[256];
  char port[8];
  int tls;
  int insecure;
  char ca[1024];
  int timeout_s;       /* connect, handshake and writes (default 30) */
  int reply_timeout_s; /* replies: 0 (default) waits as long as the server
                          takes; timeout=S sets both */
} cl_uri;

/* 1 when `path` starts with credo:// or credos://. */
int cl_remote_is_uri(const char *path);
/* Parses a URI; CREDO_OK, or CREDO_INVALID with a message in err. */
int cl_uri_parse(const char *s, cl_uri *u, char *err, size_t n);

/* A frame received and kept for its request. */
typedef struct cl_msg {
  struct cl_msg *next;
  cl_hdr h;
  size_t n; /* payload size */
  uint8_t p[];
} cl_msg;

typedef struct cl_rstmt cl_rstmt;

/* A NUL-terminated text the backend renders a value into (owned). */
typedef struct cl_text {
  char *p;
  size_t cap;
} cl_text;

/* One connection (the `remote` of a remote handle). */
typedef struct cl_conn {
  cl_io io;
  SSL_CTX *ctx;
  int timeout_ms; /* connect, handshake, writes */
  int reply_ms;   /* waiting for a reply; 0: as long as the server takes */
  uint32_t next_req;
  uint32_t max_frame; /* the server's, from READY */
  cl_wbuf out;        /* requests not yet written */
  uint8_t *in;
  size_t in_len, in_off, in_cap;
  cl_rstmt *stmts; /* every open statement */
  int broken;      /* the connection failed: every call fails */
  int in_txn;      /* in_txn of the last DONE or ERROR */
  int role;        /* the session's role, from AUTH_OK */
  int version;     /* the protocol version of READY */
  int wake_wr;     /* -1, or the write end of the self-pipe whose read end
                      is io.wake_fd: credo_interrupt writes to it (see
                      be_set_wake_fd) so that a wait for a reply wakes */
} cl_conn;

/* Connects, runs TLS when asked, says HELLO and authenticates. On success
 * c is ready (its fields owned, freed by cl_conn_close). CREDO_OK, or a
 * code with a message in err (CREDO_AUTH, CREDO_CONN, ...). */
int cl_conn_open(cl_conn *c, const cl_uri *u, const char *password, char *err,
                 size_t n);
/* Makes the self-pipe credo_interrupt wakes reads with (io.wake_fd and
 * wake_wr). CREDO_OK, or CREDO_IO when no pipe could be made. */
int cl_conn_wake_pipe(cl_conn *c);
/* Says BYE (best effort), closes the socket and frees the buffers. */
void cl_conn_close(cl_conn *c);
/* A fresh request id (never 0). */
uint32_t cl_conn_req(cl_conn *c);
/* Writes the pending requests. CREDO_OK or CREDO_CONN. */
int cl_conn_flush(cl_conn *c);
/* Reads one frame from the socket (malloc'ed). CREDO_OK, CREDO_CONN
 * (message in err), or CREDO_CANCELLED when credo_interrupt woke the wait
 * (the self-pipe is drained; the connection stays usable, nothing is
 * lost: call again to go on reading). */
int cl_conn_read(cl_conn *c, cl_msg **out, char *err, size_t n);

/* The next frame of request `req` on a remote handle, malloc'ed (the
 * caller frees it); frames of other requests met on the way go to the
 * statement waiting for them or are dropped. `r` is the statement whose
 * queue to look at first (may be NULL). CREDO_OK, or CREDO_CONN /
 * CREDO_PROTOCOL with the message on the handle (connection broken). */
int cl_remote_recv(credo *db, uint32_t req, cl_rstmt *r, cl_msg **out);
/* The server's ERROR frame `m` as the handle's error; returns its code. */
int cl_remote_error(credo *db, const cl_msg *m);
/* Whether the server said (last DONE or ERROR) that an explicit
 * transaction is open on the session. */
int cl_remote_in_txn(const credo *db);

/* Streams the server's BACKUP into `fd` (written in order, not synced),
 * reporting "receive" progress. On success *size is the byte count and
 * hex the XXH3-128 of the bytes received, which must equal the one in
 * the server's BACKUP_END (else CREDO_CORRUPT). A non-zero progress
 * return sends CANCEL and returns CREDO_CANCELLED once the server has
 * answered. Errors on the handle (the server's, CREDO_IO for a local write
 * failure, CREDO_CONN, CREDO_PROTOCOL). */
int cl_remote_backup(credo *db, int fd, credo_progress_fn progress, void *arg,
                     uint64_t *size, char hex[33]);

/* ------------------------------ the entries of cl_remote_backend */

int cl_remote_open(const char *uri, const credo_options *opt, credo **out);
void cl_remote_close(credo *db);

int cl_remote_prepare(credo *db, const char *sql, int len, credo_stmt **out,
                      const char **tail);
int cl_remote_bind_null(credo_stmt *st, int i);
int cl_remote_bind_int64(credo_stmt *st, int i, int64_t v);
int cl_remote_bind_double(credo_stmt *st, int i, double v);
int cl_remote_bind_text(credo_stmt *st, int i, const char *s, int len);
int cl_remote_bind_bool(credo_stmt *st, int i, int b);
int cl_remote_bind_time(credo_stmt *st, int i, credo_time t);
int cl_remote_bind_duration(credo_stmt *st, int i, credo_duration d);
int cl_remote_bind_count(const credo_stmt *st);
int cl_remote_bind_parameter_index(const credo_stmt *st, const char *name);
const char *cl_remote_bind_parameter_name(const credo_stmt *st, int i);
int cl_remote_clear_bindings(credo_stmt *st);
int cl_remote_step(credo_stmt *st);
int cl_remote_reset(credo_stmt *st);
int cl_remote_finalize(credo_stmt *st);
int cl_remote_column_count(const credo_stmt *st);
const char *cl_remote_column_name(const credo_stmt *st, int i);
credo_type cl_remote_column_decltype(const credo_stmt *st, int i);
credo_type cl_remote_column_type(credo_stmt *st, int i);
int64_t cl_remote_column_int64(credo_stmt *st, int i);
double cl_remote_column_double(credo_stmt *st, int i);
const char *cl_remote_column_text(credo_stmt *st, int i);
credo_time cl_remote_column_time(credo_stmt *st, int i);
int cl_remote_column_duration(credo_stmt *st, int i, credo_duration *out);
/* The NOTICE of the statement's current run (protocol version 2), NULL
 * when none; owned by the statement until its next reset / finalize. */
const char *cl_remote_stmt_notice(const credo_stmt *st);
int cl_remote_exec(credo *db, const char *sql, credo_exec_cb cb, void *arg);

#endif /* CREDO_CL_REMOTE_H */
