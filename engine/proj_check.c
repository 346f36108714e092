/*
 * proj_check.c -- credo check's comparison of the projection (proj.h)
 * with the events: for every event, its segment row equals what
 * eng_proj_row_of makes of its latest version (dictionary ids resolved
 * to their texts); every present row has an event; every segment is
 * well-formed, each column's checksum holds (a damaged one is named),
 * its header's row count and zone maps agree with its rows.
 *
 * A store opened read-only before the projection existed has none (its
 * next read-write open builds it): nothing to compare, no problem.
 *
 * Does not: repair (a rebuild does: eng_proj_rebuild) or write.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proj.h"

typedef struct pck {
  credo *db;
  stor_txn *txn;
  credo_check_fn fn;
  void *arg;
  int stop;
  eng_arena arena;
} pck;

static void say(pck *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(pck *c, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (!c->stop && c->fn && c->fn(c->arg, line) != 0)
    c->stop = 1;
}

/* 1 when dictionary id of dict holds exactly text t. */
static int dict_is(pck *c, int dict, uint32_t id, const char *t) {
  const char *p;
  size_t n;
  return eng_proj_text(c->txn, dict, id, &p, &n) == CREDO_OK &&
         n == strlen(t) && memcmp(p, t, n) == 0;
}

/* The name of the first column of row i that differs from r, or NULL. */
static const char *row_differs(pck *c, const eng_proj_seg *s, size_t i,
                               const eng_proj_row *r) {
  if (s->flags[i] != r->flags)
    return "flags";
  if (s->type[i] != r->type)
    return "type";
  if (s->occurred[i] != r->occurred || s->from[i] != r->from ||
      s->until[i] != r->until)
    return "occurred / public window";
  if (s->recorded[i] != r->recorded)
    return "recorded";
  if (!dict_is(c, ENG_PROJ_D_SUBJECT, s->subject[i], r->subject))
    return "subject";
  if (!dict_is(c, ENG_PROJ_D_SOURCE, s->source[i], r->source))
    return "source";
  for (int f = 0; f < ENG_PROJ_NFIELDS; f++) {
    if (s->ftag[f][i] != r->ftag[f])
      return eng_proj_fields[f];
    if (r->ftag[f] == ENG_PROJ_TEXT
            ? !dict_is(c, ENG_PROJ_D_FIELD0 + f, (uint32_t)s->fval[f][i],
                       r->ftext[f])
            : (s->fval[f][i] != r->fval[f] || s->fscale[f][i] != r->fscale[f]))
      return eng_proj_fields[f];
  }
  return NULL;
}

/* Row i of segment s (event id) against STOR_EVENTS. */
static int check_row(pck *c, const eng_proj_seg *s, size_t i, uint64_t id,
                     uint64_t *rows) {
  eng_version v;
  eng_proj_row r;
  stor_key k;
  stor_val val;
  const char *col;
  int rc;
  stor_key_init(&k);
  stor_key_u64(&k, id);
  rc = stor_get(c->txn, STOR_EVENTS, stor_key_val(&k), &val);
  if (rc == CREDO_NOTFOUND) {
    if (s->flags[i] & ENG_PROJ_PRESENT)
      say(c, "projection: row of event %" PRIu64 " but no such event", id);
    return CREDO_OK;
  }
  if (rc != CREDO_OK)
    return rc;
  if (eng_version_decode(val, &v) != CREDO_OK)
    return CREDO_OK; /* the event walk reports it */
  ++*rows;
  eng_arena_reset(&c->arena);
  eng_proj_row_of(&v, &c->arena, &r);
  if (!(s->flags[i] & ENG_PROJ_PRESENT))
    say(c, "projection: event %" PRIu64 " has no row", id);
  else if ((col = row_differs(c, s, i, &r)) != NULL)
    say(c,
        "projection: event %" PRIu64 "'s row differs from its latest "
        "version (%s)",
        id, col);
  return CREDO_OK;
}

static int check_segment(pck *c, uint64_t no, const eng_proj_seg *s,
                         uint64_t *rows) {
  eng_proj_seg z = *s;
  int rc;
  eng_proj_seg_stats(&z);
  for (size_t i = 0; i < ENG_PROJ_SEG_ROWS && !c->stop; i++) {
    if ((rc = check_row(c, s, i, no * ENG_PROJ_SEG_ROWS + i, rows)))
      return rc;
  }
  if (!c->stop && z.rows != s->rows)
    say(c, "projection: segment %" PRIu64 " says %u rows, holds %u", no,
        s->rows, z.rows);
  else if (!c->stop && (z.occ_min != s->occ_min || z.occ_max != s->occ_max ||
                        z.until_max != s->until_max || z.rec_max != s->rec_max))
    say(c, "projection: segment %" PRIu64 "'s zone maps differ from its rows",
        no);
  return CREDO_OK;
}

/* Events beyond the last segment (or in a missing one) have no row. */
static int check_missing(pck *c, uint64_t from_id, uint64_t to_id) {
  stor_cursor *cur = NULL;
  stor_key k;
  stor_val key, val;
  int rc;
  if ((rc = stor_cursor_open(c->txn, STOR_EVENTS, &cur)) != CREDO_OK)
    return rc;
  stor_key_init(&k);
  stor_key_u64(&k, from_id);
  for (rc = stor_cursor_seek(cur, stor_key_val(&k), &key, &val);
       rc == CREDO_OK && !c->stop; rc = stor_cursor_next(cur, &key, &val)) {
    uint64_t id = key.len == 8 ? stor_dec_u64(key.data) : 0;
    if (to_id && id >= to_id)
      break;
    say(c, "projection: event %" PRIu64 " has no row", id);
  }
  stor_cursor_close(cur);
  return rc == CREDO_NOTFOUND || rc == CREDO_OK ? CREDO_OK : rc;
}

/* Decodes every column of segment no; 0 (reported) when one is damaged:
 * each column is verified on its own so that the message names it. */
static int seg_decoded(pck *c, uint64_t no, stor_val val, eng_proj_seg *s,
                       unsigned char *buf) {
  int bad;
  if (eng_proj_decode(val.data, val.len, 0, s, buf, &bad) != CREDO_OK) {
    say(c,
        "projection: segment %" PRIu64 " is damaged (header or column "
        "directory, %zu bytes)",
        no, val.len);
    return 0;
  }
  for (int col = 0; col < ENG_PROJ_NCOLS; col++)
    if (eng_proj_decode(val.data, val.len, ENG_PROJ_BIT(col), s, buf, &bad) !=
        CREDO_OK) {
      say(c, "projection: segment %" PRIu64 " column %s is damaged", no,
          eng_proj_col_name(bad));
      return 0;
    }
  return eng_proj_decode(val.data, val.len, ENG_PROJ_ALL, s, buf, &bad) ==
         CREDO_OK;
}

static int walk(pck *c, uint64_t *rows) {
  stor_cursor *cur = NULL;
  stor_val val;
  eng_proj_seg s;
  unsigned char *buf = aligned_alloc(8, ENG_PROJ_SCRATCH);
  uint64_t next = 0, no; /* next: the first segment not seen yet */
  int rc;
  if (!buf)
    return CREDO_NOMEM;
  if ((rc = stor_cursor_open(c->txn, STOR_PROJ, &cur)) != CREDO_OK) {
    free(buf);
    return rc;
  }
  for (rc = eng_proj_seg_next(cur, 1, &no, &val); rc == CREDO_OK && !c->stop;
       rc = eng_proj_seg_next(cur, 0, &no, &val)) {
    if (no > next && (rc = check_missing(c, next * ENG_PROJ_SEG_ROWS,
                                         no * ENG_PROJ_SEG_ROWS)) != CREDO_OK)
      break;
    next = no + 1;
    if (!seg_decoded(c, no, val, &s, buf))
      continue;
    if ((rc = check_segment(c, no, &s, rows)) != CREDO_OK)
      break;
  }
  stor_cursor_close(cur);
  free(buf);
  if (rc != CREDO_OK && rc != CREDO_NOTFOUND)
    return rc;
  if (c->stop)
    return CREDO_OK;
  return check_missing(c, next * ENG_PROJ_SEG_ROWS, 0);
}

int eng_proj_check(credo *db, stor_txn *txn, credo_check_fn fn, void *arg,
                   uint64_t *rows) {
  pck c = {.db = db, .txn = txn, .fn = fn, .arg = arg};
  int ready = 0, rc;
  *rows = 0;
  if ((rc = eng_proj_ready(db, txn, &ready)) != CREDO_OK || !ready)
    return rc; /* not built yet (a read-only open of an older store) */
  rc = walk(&c, rows);
  eng_arena_free(&c.arena);
  return rc == CREDO_OK ? rc
                        : eng_err_stor(db, rc, "cannot check the projection");
}
