/*
 * pg_olduser.c -- test fixture for pgwire.sh: rewrites user NAME of the
 * store in DIR to the user record format 1 of builds before the SCRAM
 * verifier (docs/storage.md, `users`): the argon2id hash and nothing
 * after it, as such a store holds it. Goes through the storage layer
 * (storage/stor.h), beside a running server (LMDB serializes writers
 * across processes). Usage: pg_olduser DIR NAME. Exit 0 when rewritten.
 */
#include <stdio.h>
#include <string.h>

#include "stor.h"

#define USER_HDR 10 /* format, role, created */

int main(int argc, char **argv) {
  stor_env *env = NULL;
  stor_txn *txn = NULL;
  stor_key k;
  stor_val v;
  unsigned char rec[512];
  char err[256] = "";
  int rc;
  if (argc != 3) {
    fprintf(stderr, "usage: pg_olduser DIR NAME\n");
    return 2;
  }
  rc = stor_open(argv[1], NULL, &env, err, sizeof err);
  if (rc == CREDO_OK)
    rc = stor_txn_begin(env, 1, &txn);
  stor_key_init(&k);
  stor_key_str(&k, argv[2]);
  if (rc == CREDO_OK)
    rc = stor_get(txn, STOR_USERS, stor_key_val(&k), &v);
  if (rc == CREDO_OK && (v.len > sizeof rec || v.len <= USER_HDR))
    rc = CREDO_CORRUPT;
  if (rc == CREDO_OK) {
    memcpy(rec, v.data, v.len);
    rec[0] = 1;
    v.len =
        USER_HDR + strnlen((const char *)rec + USER_HDR, v.len - USER_HDR) + 1;
    v.data = rec;
    rc = stor_put(txn, STOR_USERS, stor_key_val(&k), v);
  }
  if (rc == CREDO_OK) {
    rc = stor_txn_commit(txn);
    txn = NULL;
  }
  stor_txn_abort(txn);
  stor_close(env);
  if (rc != CREDO_OK)
    fprintf(stderr, "pg_olduser: %s %s\n", credo_strerror(rc), err);
  return rc == CREDO_OK ? 0 : 1;
}
