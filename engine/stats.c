/*
 * stats.c -- store-wide counts and sizes (credo_get_stats), and the names
 * of operations.
 *
 * Counts come from the B-trees' own entry counts: O(1), exact, and
 * consistent with one snapshot. The number of versions is the number of
 * events (each has its latest in STOR_EVENTS) plus the superseded ones.
 *
 * Does not: scan records.
 */
#include <string.h>

#include "eng.h"

const char *credo_op_name(int op) {
  static const char *const names[] = {NULL,     "record",  "correct",
                                      "repair", "retract", "erase"};
  return op >= CREDO_OP_RECORD && op <= CREDO_OP_ERASE ? names[op] : NULL;
}

int eng_get_stats(credo *db, credo_stats *out) {
  stor_txn *txn;
  uint64_t superseded = 0;
  int owned, rc;

  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (!out)
    return eng_err(db, CREDO_INVALID, "out is NULL");
  /* the counts include hidden records and every subject (rule 8) */
  if ((rc = eng_require(db, db->role != CREDO_ROLE_PUBLIC,
                        "read the store's statistics")))
    return rc;
  memset(out, 0, sizeof *out);
  if ((rc = eng_read_begin(db, &txn, &owned)) != CREDO_OK)
    return rc;
  if ((rc = stor_count(txn, STOR_SUBJECTS, &out->subjects)) ||
      (rc = stor_count(txn, STOR_TYPES, &out->types)) ||
      (rc = stor_count(txn, STOR_EVENTS, &out->events)) ||
      (rc = stor_count(txn, STOR_VERSIONS, &superseded)) ||
      (rc = eng_last_tx(db, txn, &out->last_recorded)) ||
      (rc = stor_space(db->store->stor, &out->map_size, &out->used_bytes))) {
    eng_read_end(txn, owned);
    return db->errcode ? rc : eng_err_stor(db, rc, "cannot read statistics");
  }
  out->versions = out->events + superseded;
  out->format_version = stor_format_version(db->store->stor);
  eng_read_end(txn, owned);
  return CREDO_OK;
}
