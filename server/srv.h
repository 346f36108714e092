/*
 * srv.h -- the pieces of credo-server and how they meet.
 *
 * Thread design: the main thread owns the listening socket and accepts
 * (srv_listen.c); each accepted connection gets its own detached thread
 * (srv_conn.c) and its own engine handle made with credo_dup from the
 * server's admin handle and switched to the user's role by
 * credo_authenticate, so the engine enforces roles on every path. Reads
 * run in parallel on LMDB read transactions; writes serialize in the
 * engine. Sockets are non-blocking and every wait is a poll() with a
 * deadline, so a slow or idle client only ever holds its own thread.
 *
 * Shared state lives in one srv_ctx made by main(): the configuration
 * (read-only after start), the admin handle (used by the accept thread
 * only), the TLS context, the failed-login table (own mutex), the
 * connection counters (mutex + condition) and the shutdown pipe, whose
 * write end main closes to wake every connection waiting for input.
 */
#ifndef CREDO_SRV_H
#define CREDO_SRV_H

#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>

#include "cl_frame.h"
#include "cl_io.h"
#include "credo.h"

/* ------------------------------------------------------------ config */

#define SRV_PATH_MAX 4096

typedef struct srv_config {
  char store[SRV_PATH_MAX];
  char listen[256];
  char pg_listen[256]; /* "" : no PostgreSQL listener (docs/pgwire.md) */
  char tls_cert[SRV_PATH_MAX];
  char tls_key[SRV_PATH_MAX];
  char init_admin[CL_MAX_USER + 1];
  int allow_plaintext;
  unsigned max_conn;
  unsigned max_conn_per_addr;   /* connections of one peer address */
  unsigned max_unauth;          /* connections still authenticating */
  unsigned max_unauth_per_addr; /* the same, per peer address */
  unsigned hash_workers;        /* password checks at once */
  unsigned max_txn_time;        /* seconds an explicit transaction may last */
  unsigned min_password;        /* characters of a new password (users.c) */
  uint32_t max_frame;
  unsigned auth_timeout; /* seconds */
  unsigned idle_timeout; /* seconds */
  uint64_t max_rows;
  uint64_t max_time_ms;    /* per statement, waits for the writer included */
  char http[256];          /* public look-up address (http.h); "" = off */
  unsigned http_rate;      /* requests/s per client; 0 = no limit */
  unsigned http_threads;   /* worker threads of the look-up */
  unsigned purge_interval; /* seconds between purges (srv_purge.c); 0 off */
} srv_config;

/* Fills `cfg` from defaults, then --config FILE, then the other options.
 * Returns 0 to run, 1 when --help/--version was printed (exit 0), 2 on a
 * usage error (already reported on stderr). */
int srv_config_parse(int argc, char **argv, srv_config *cfg);

/* ------------------------------------------------------------- purge */

/* The retention purge (srv_purge.c): a thread that runs credo_purge on a
 * handle dup'ed from `admin` every `interval` seconds (the first run one
 * interval after the start) and logs each run (event=purge erased=N).
 * srv_purge_start returns NULL when interval is 0 or on failure (logged);
 * srv_purge_stop asks the thread to stop, waits for it (a running batch
 * ends first) and frees it; accepts NULL. */
typedef struct srv_purge srv_purge;
srv_purge *srv_purge_start(credo *admin, unsigned interval);
void srv_purge_stop(srv_purge *p);

/* --------------------------------------------------------------- log */

enum srv_level { SRV_INFO, SRV_WARN, SRV_ERROR };

/* Writes one line to stderr: `ts=... level=... event=EVENT ` followed by
 * the printf expansion of fmt (key=value pairs). One write per line, so
 * lines of different threads never interleave. Values that may hold
 * spaces or quotes must go through srv_logq. Never pass a password. */
void srv_log(int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Quotes `s` for a log value ("a b" -> "\"a b\""), into buf[n]. */
const char *srv_logq(char *buf, size_t n, const char *s);
/* The log reason (static) of a connection whose output could not be
 * flushed, from cl_io_flush's code: "out_of_memory", "write_timeout" or
 * "peer_gone". */
const char *srv_flush_reason(int io_code);

/* --------------------------------------------------------------- TLS */

/* A server TLS context (TLS 1.2+) from PEM files; NULL with a message in
 * err on failure. */
SSL_CTX *srv_tls_ctx(const char *cert, const char *key, char *err, size_t n);
/* Runs the TLS handshake on io->fd until `deadline`, setting io->ssl. 0, or
 * -1 with a short reason in *why. */
int srv_tls_accept(SSL_CTX *ctx, cl_io *io, int64_t deadline, const char **why);
/* Sends close_notify (best effort, no waiting) and frees io->ssl. */
void srv_tls_close(cl_io *io);

/* ------------------------------- login backoff and hashing pool */
/* srv_throttle.c: bounded work before authentication, for every listener. */

#define SRV_BACKOFF_SLOTS 256
#define SRV_BACKOFF_KEY 80 /* "a:" + address or "u:" + user name */
#define SRV_BACKOFF_BASE_MS 100
#define SRV_BACKOFF_MAX_MS 5000
#define SRV_BACKOFF_FORGET_MS (15 * 60 * 1000)

typedef struct srv_backoff {
  pthread_mutex_t mu;
  pthread_cond_t cv;    /* a hashing turn or a backoff turn may have come */
  unsigned workers;     /* password checks allowed at once */
  unsigned busy;        /* password checks running */
  unsigned long checks; /* password checks run (for tests and the log) */
  struct {
    char key[SRV_BACKOFF_KEY];
    unsigned fails;
    int64_t last_ms, next_ms; /* last failure; earliest next check */
  } slot[SRV_BACKOFF_SLOTS];
} srv_backoff;

/* `workers`: password checks that may run at once (0 means 1). */
void srv_backoff_init(srv_backoff *b, unsigned workers);
void srv_backoff_destroy(srv_backoff *b);
/* Records a failed login from `ip` and returns its delay: 100 ms *
 * 2^(n-1) for the n-th failure in a row, at most 5 s (for listeners that
 * check passwords without srv_auth_gate). */
unsigned srv_backoff_fail(srv_backoff *b, const char *ip, int64_t now_ms);
/* Forgets the failures of `ip` (after a successful login). */
void srv_backoff_ok(srv_backoff *b, const char *ip);

/* What a password check callback returns. */
enum { SRV_CHECK_OK = 0, SRV_CHECK_BAD = 1, SRV_CHECK_ERROR = 2 };
typedef int (*srv_check_fn)(void *arg);
/* What srv_auth_gate says. */
enum {
  SRV_GATE_OK = 0,    /* the check passed; the backoff of ip/user cleared */
  SRV_GATE_BAD,       /* wrong user or password; counted as a failure */
  SRV_GATE_ERROR,     /* the check failed otherwise (not counted) */
  SRV_GATE_THROTTLED, /* the backoff turn comes after the deadline: no check */
  SRV_GATE_TIMEOUT    /* no hashing turn before the deadline: no check */
};
/* Runs one password check, `check(arg)`, for `user` from `ip`: first waits
 * (until deadline_ms, cl_now_ms's clock) for the backoff of both the
 * address and the user name, and for a turn in the hashing pool; then
 * runs the check without any lock held and records its result. The
 * strings stay the caller's. Thread-safe. */
int srv_auth_gate(srv_backoff *b, const char *ip, const char *user,
                  int64_t deadline_ms, srv_check_fn check, void *arg);

/* ------------------------------------------------- connection slots */
/* srv_slots.c: caps on connections in all, per address, authenticating. */

typedef struct srv_caps {
  unsigned total, per_addr, unauth, unauth_per_addr;
} srv_caps;

typedef struct srv_slots {
  pthread_mutex_t mu;
  srv_caps caps;
  unsigned total, unauth;
  struct {
    char ip[64];
    unsigned n, unauth;
  } * addr; /* caps.total entries; n == 0: free */
} srv_slots;

enum {
  SRV_SLOT_OK = 0,
  SRV_SLOT_TOTAL,      /* --max-conn */
  SRV_SLOT_ADDR,       /* --max-conn-per-addr */
  SRV_SLOT_UNAUTH,     /* --max-unauth */
  SRV_SLOT_UNAUTH_ADDR /* --max-unauth-per-addr */
};

/* 0, or -1 out of memory. */
int srv_slots_init(srv_slots *s, const srv_caps *caps);
void srv_slots_destroy(srv_slots *s);
/* Takes a slot for a new, not yet authenticated connection from `ip`:
 * SRV_SLOT_OK, or the cap that refuses it (nothing taken). Thread-safe. */
int srv_slot_take(srv_slots *s, const char *ip);
/* The connection of `ip` has authenticated: it no longer counts against
 * the authenticating caps. Call once per connection. */
void srv_slot_authed(srv_slots *s, const char *ip);
/* Gives back the slot of a connection of `ip` (authed: whether
 * srv_slot_authed was called for it). */
void srv_slot_give(srv_slots *s, const char *ip, int authed);
/* The refusal's message ("too many connections from this address") and
 * the cap it names. */
const char *srv_slot_why(int why);
unsigned srv_slot_cap(const srv_slots *s, int why);

/* ------------------------------------------------ handshake machine */

enum srv_hs_state { SRV_HS_HELLO, SRV_HS_AUTH, SRV_HS_DONE, SRV_HS_CLOSED };
enum srv_hs_act {
  SRV_HS_SEND_READY, /* answer READY with hs->version */
  SRV_HS_CHECK,      /* check out->auth, then call srv_hs_auth_result */
  SRV_HS_REJECT      /* send ERROR(out->code, out->msg) and close */
};

typedef struct srv_hs {
  int state;
  uint16_t version;
} srv_hs;

typedef struct srv_hs_out {
  int act;
  int code;
  const char *msg;
  uint32_t req;
  cl_auth auth; /* for SRV_HS_CHECK; points into the payload */
} srv_hs_out;

/* The handshake as a pure state machine: feeds one decoded frame header
 * and its payload, says what to do. No I/O, no clock (timeouts are the
 * caller's). */
void srv_hs_feed(srv_hs *hs, const cl_hdr *h, const uint8_t *payload,
                 srv_hs_out *out);
/* Moves to DONE (ok) or CLOSED after the password check. */
void srv_hs_auth_result(srv_hs *hs, int ok);

/* ----------------------------------------------- first-byte sniffing */
/* srv_sniff.c: what a connection that does not start with a credo frame
 * looks like. */
typedef struct srv_sniffed {
  const char *what;  /* "http", "tls_client_hello", "postgresql_startup" */
  const char *reply; /* bytes to send in that protocol's terms, or NULL */
  size_t reply_len;
  int more; /* after the reply, read the next message and sniff again */
} srv_sniffed;
/* 1 when p[0..n) is recognisably another protocol (*out filled), else 0.
 * Pure. */
int srv_sniff(const uint8_t *p, size_t n, srv_sniffed *out);

/* --------------------------------------------------------- server */

typedef struct srv_ctx {
  const srv_config *cfg;
  credo *admin; /* used by the accept thread only, for credo_dup */
  SSL_CTX *tls; /* NULL: plaintext */
  srv_backoff backoff;
  srv_slots slots;
  int wake_rd, wake_wr; /* shutdown pipe; main closes wake_wr to wake */
  volatile sig_atomic_t *stop;
  pthread_mutex_t mu; /* guards the fields below */
  pthread_cond_t idle;
  unsigned nconn;      /* connection threads alive (accepted or rejected) */
  unsigned next_id;    /* last connection id given */
  atomic_int stopping; /* set once by the accept thread at shutdown */
  int pg_lfd;          /* PostgreSQL listener, -1 when none */
} srv_ctx;

/* Listening socket on "host:port" ("127.0.0.1:7411", "[::1]:0",
 * "localhost:7411"). Unless plaintext_ok, refuses (before binding) an
 * address that is not a loopback one. 0, or -1 with a message in err. */
int srv_listen_open(const char *addr, int plaintext_ok, int *fd, char *err,
                    size_t n);
/* Accepts until *srv->stop is set (the caller blocks SIGTERM/SIGINT in
 * every thread; the loop unblocks them only while waiting), then stops
 * accepting, wakes every connection and waits for their threads. */
void srv_listen_run(srv_ctx *srv, int lfd);

/* Starts the thread of an accepted PostgreSQL connection (pg_conn.c),
 * counted in srv->nconn by the caller like a native one; `reject` says it
 * is over the cap. 0, or -1 when it could not (the caller cleans up). */
int pg_conn_start(srv_ctx *srv, int fd, unsigned id, int reject,
                  const char *peer, const char *peer_ip);

/* A connection thread of any listener ends: gives back its slot (when it
 * held one: `held`; `authed` as for srv_slot_give) and its count in
 * srv->nconn, waking the shutdown wait. Thread-safe. */
void srv_conn_ended(srv_ctx *srv, const char *ip, int held, int authed);

/* ------------------------------------------------------- connection */

typedef struct srv_stmt {
  uint32_t id; /* 0: free slot */
  credo_stmt *st;
  int read; /* SELECT / HISTORY / EXPLAIN / SHOW: may be stopped */
} srv_stmt;

typedef struct srv_conn {
  srv_ctx *srv;
  unsigned id;
  uint16_t proto;   /* protocol version agreed in HELLO / READY */
  char peer[80];    /* "ip:port" */
  char peer_ip[64]; /* "ip", the backoff key */
  cl_io io;
  int reject; /* SRV_SLOT_* cap that refused it: say so and close */
  int authed; /* AUTH_OK sent (srv_slot_authed called) */
  credo *db;  /* dup of the admin handle; the user's role after AUTH */
  char user[CL_MAX_USER + 1];
  /* input: bytes [in_off, in_len) of in[] are unread; scan_off >= in_off
   * is where the cancel scan stopped */
  uint8_t *in;
  size_t in_len, in_cap, in_off, scan_off;
  cl_wbuf out; /* replies not yet written */
  uint32_t cancels[64];
  unsigned ncancel;
  srv_stmt stmts[CL_MAX_STMTS];
  uint32_t next_stmt;
  int64_t txn_since;    /* when the open BEGIN was seen (ms), 0: none */
  int txn_at_start;     /* a transaction was open when the statement began */
  uint64_t req_changes; /* rows changed by the running request so far */
  int dead;             /* the peer is gone or misbehaved: stop */
  const char *reason;   /* why the connection ends, for the log */
  /* KILL SESSION ended the read side (set on the killer's thread): the
   * end of input is not the client leaving, and the session says why */
  _Atomic int killed;
} srv_conn;

/* Whether an explicit transaction is open on the session (the flag of
 * DONE and ERROR frames). */
static inline int srv_in_txn(const srv_conn *c) {
  return c->db && credo_in_txn(c->db);
}

/* Thread entry: runs one connection to its end and frees it. */
void *srv_conn_thread(void *arg);

/* Writes the pending replies, waiting at most the idle timeout. 0, or -1
 * (conn marked dead). */
int srv_conn_flush(srv_conn *c);
/* Between rows of a running request: takes in what the client has sent
 * without waiting, and says whether request `req` must stop (a CANCEL for
 * it arrived, the client is gone, or KILL SESSION ended the session: then
 * the connection stays up to answer the request and say why). */
int srv_conn_cancelled(srv_conn *c, uint32_t req);
/* Removes `req` from the pending cancels; 1 when it was there. */
int srv_conn_take_cancel(srv_conn *c, uint32_t req);

/* -------------------------------------------------------- requests */

/* Each answers one request of an authenticated connection, appending the
 * reply frames to c->out (flushing as rows stream). The payload has been
 * framed but not decoded. */
void srv_exec_prepare(srv_conn *c, uint32_t req, const uint8_t *p, size_t n);
void srv_exec_execute(srv_conn *c, uint32_t req, const uint8_t *p, size_t n);
void srv_exec_query(srv_conn *c, uint32_t req, const uint8_t *p, size_t n);
void srv_exec_close(srv_conn *c, uint32_t req, const uint8_t *p, size_t n);
/* BACKUP: the store's snapshot as BACKUP_DATA frames, then BACKUP_END
 * (srv_backup.c). */
void srv_exec_backup(srv_conn *c, uint32_t req, const uint8_t *p, size_t n);
/* Finalizes every statement of the connection. */
void srv_exec_close_all(srv_conn *c);

#endif /* CREDO_SRV_H */
