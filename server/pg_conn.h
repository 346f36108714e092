/*
 * pg_conn.h -- one PostgreSQL session: its state, shared by the session
 * machine (pg_conn.c) and the statement runner (pg_exec.c).
 *
 * Invariants: a session is served by its own thread; only `cancel` and the
 * engine handle's credo_interrupt are touched by another thread (the one
 * serving a CancelRequest, under the registry's lock in pg_conn.c);
 * statement slot 0 and portal slot 0 are the unnamed ones.
 */
#ifndef CREDO_PG_CONN_H
#define CREDO_PG_CONN_H

#include <stdatomic.h>

#include "pg.h"
#include "srv.h"

#define PG_MAX_STMTS 128
#define PG_MAX_PORTALS 16

enum pg_txn { PG_TX_IDLE = 0, PG_TX_BLOCK, PG_TX_FAILED };

typedef struct pg_stmt {
  int used;
  char name[PG_NAME_MAX + 1];
  char *orig;  /* the query as the client sent it (owned) */
  pg_sql sql;  /* rewritten for CQL */
  int nptypes; /* types given by Parse */
  int32_t ptypes[PG_MAX_PARAMS];
  credo_stmt *st; /* CQL; NULL for answers made here */
  int compat;     /* PG_C_* kind when not CQL */
  int catalog;    /* an introspection query */
  int portal;     /* the portal currently stepping st, or -1 */
} pg_stmt;

typedef struct pg_portal {
  int used;
  char name[PG_NAME_MAX + 1];
  int stmt; /* index in stmts */
  int nres;
  int16_t rfmt[PG_RES_MAX_COLS];
  int started; /* rows have been produced */
  uint64_t rows;
  pg_result res; /* for answers made here */
  size_t res_at;
  int has_res;
  char tag[64];
} pg_portal;

typedef struct pg_conn {
  srv_ctx *srv;
  unsigned id;
  char peer[80], peer_ip[64];
  cl_io io;
  credo *db;
  int reject;       /* SRV_SLOT_* cap that refused it */
  int authed;       /* srv_slot_authed called */
  int32_t pid, key; /* BackendKeyData */
  uint8_t *in;
  size_t in_len, in_cap, in_off;
  pg_buf out;
  pg_settings set;
  int txn;           /* enum pg_txn */
  int skip_to_sync;  /* an extended-query error: ignore until Sync */
  atomic_int cancel; /* a CancelRequest arrived for the running statement */
  pg_stmt stmts[PG_MAX_STMTS];
  pg_portal portals[PG_MAX_PORTALS];
  int dead;
  const char *reason;
} pg_conn;

/* Writes the pending output; -1 (and dead) when the client is gone. */
int pg_conn_flush(pg_conn *c);

/* Sends an ErrorResponse and logs it. */
void pg_error(pg_conn *c, const char *sqlstate, const char *msg, int pos);
/* The engine's error on c->db, with the position shifted by `base`
 * characters (where the statement starts in the query). */
void pg_engine_error(pg_conn *c, const char *text, int base);

/* The transaction status letter of ReadyForQuery. */
char pg_txn_status(const pg_conn *c);

/* pg_exec.c: one message each. */
void pg_exec_query(pg_conn *c, const char *q);
void pg_exec_parse(pg_conn *c, const uint8_t *p, size_t n);
void pg_exec_bind(pg_conn *c, const uint8_t *p, size_t n);
void pg_exec_describe(pg_conn *c, const uint8_t *p, size_t n);
void pg_exec_execute(pg_conn *c, const uint8_t *p, size_t n);
void pg_exec_close(pg_conn *c, const uint8_t *p, size_t n);
/* Frees every statement and portal. */
void pg_exec_close_all(pg_conn *c);

#endif /* CREDO_PG_CONN_H */
