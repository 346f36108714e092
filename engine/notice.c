/*
 * notice.c -- statement notices: information about a statement that
 * succeeded but may not have answered what its author meant, handed out
 * by credo_stmt_notice (include/credo.h).
 *
 * Owns: the AS OF notice (issue 14, item 15): a SELECT whose AS OF is
 * before the store's first transaction answers no rows, correctly (the
 * register knew nothing then), but the author usually meant "what was
 * public on that date", which is VISIBLE AT. The notice names the first
 * transaction and suggests VISIBLE AT.
 *
 * Invariants: a notice is at most ENG_NOTICE_MAX - 1 bytes of UTF-8, kept
 * in the statement (st->notice, "" for none), cleared when the statement
 * is reset; setting one never fails the statement (an unreadable first
 * transaction simply gives no notice). The store's first transaction is
 * the one that recorded its first event (first_tx).
 *
 * Does not: send notices anywhere (the server, the shell and the remote
 * library carry them), or decide what a query returns.
 */
#include <stdio.h>
#include <string.h>

#include "exec_int.h"
#include "keys.h"

/* The recorded time of the first entry of `table` (events: from the
 * version record; versions: from the key); 0 when empty or unreadable. */
static credo_time first_of(stor_txn *txn, int table) {
  stor_cursor *c = NULL;
  stor_val k, v;
  eng_version ver;
  credo_time t = 0;
  if (stor_cursor_open(txn, table, &c) != CREDO_OK)
    return 0;
  if (stor_cursor_first(c, &k, &v) == CREDO_OK) {
    if (table == STOR_VERSIONS && k.len == ENG_K_VER_LEN)
      t = stor_dec_i64((const unsigned char *)k.data + ENG_K_VER_RECORDED);
    else if (table == STOR_EVENTS && eng_version_decode(v, &ver) == CREDO_OK)
      t = ver.recorded;
  }
  stor_cursor_close(c);
  return t;
}

/* The store's first transaction that recorded an event; 0 when none. The
 * lowest event's first version is the oldest (ids and transaction times
 * both only grow): it is the first entry of `versions` when that event
 * was ever changed, else the event's record in `events`; a later event's
 * older version is never older, so the smaller of the two is it. */
static credo_time first_tx(stor_txn *txn) {
  credo_time e = first_of(txn, STOR_EVENTS), v = first_of(txn, STOR_VERSIONS);
  return v && (!e || v < e) ? v : e;
}

void eng_notice_as_of(credo_stmt *st, credo_time as_of) {
  char at[48], first[48];
  credo_time t = first_tx(st->txn);
  int tz = st->db->tz;
  if (t == 0 || as_of >= t)
    return;
  if (credo_time_format(as_of, tz, at, sizeof at) != CREDO_OK ||
      credo_time_format(t, tz, first, sizeof first) != CREDO_OK)
    return;
  snprintf(st->notice, sizeof st->notice,
           "AS OF %s is before the store's first transaction (%s), so "
           "nothing was recorded yet and no rows match; for what was public "
           "at that instant as the register knows it now, use VISIBLE AT "
           "'%s'",
           at, first, at);
}

const char *eng_stmt_notice(const credo_stmt *st) {
  return st && st->notice[0] ? st->notice : NULL;
}
