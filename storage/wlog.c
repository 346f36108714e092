/*
 * wlog.c -- owns the write log of a write transaction: a copy of each put
 * and del, in order, so the transaction can be replayed after the map grew.
 *
 * Layout: a list of chunks; each record is a header (stor_rec, whose
 * MDB_vals point at the bytes that follow it) then the key then the value,
 * padded to 16 bytes. Chunks never move, so a record handed out stays valid
 * (and its bytes may be given to LMDB) until rewound or freed. Chunks grow
 * geometrically up to CHUNK_MAX; a record larger than that gets a chunk of
 * its own.
 *
 * Does not: apply records to LMDB (txn.c does), or bound its size (it holds
 * exactly what the transaction wrote).
 */
#include <stdlib.h>
#include <string.h>

#include "stor_impl.h"

#define CHUNK_MIN ((size_t)64 << 10)
#define CHUNK_MAX ((size_t)8 << 20)
#define ALIGN 16

struct stor_chunk {
  stor_chunk *next;
  size_t used, cap;
  _Alignas(ALIGN) unsigned char data[];
};

static size_t round_up(size_t n) {
  return (n + ALIGN - 1) / ALIGN * ALIGN;
}

void stor_wlog_init(stor_wlog *log) {
  memset(log, 0, sizeof *log);
}

void stor_wlog_free(stor_wlog *log) {
  stor_chunk *c = log->head, *next;

  for (; c; c = next) {
    next = c->next;
    free(c);
  }
  stor_wlog_init(log);
}

stor_wmark stor_wlog_mark(const stor_wlog *log) {
  stor_wmark m = {log->tail, log->tail ? log->tail->used : 0, log->nrec};
  return m;
}

/* A chunk with `need` free bytes at the tail; NULL when out of memory. */
static stor_chunk *room(stor_wlog *log, size_t need) {
  stor_chunk *c = log->tail;
  size_t cap;

  if (c && c->cap - c->used >= need)
    return c;
  cap = c ? c->cap * 2 : CHUNK_MIN;
  if (cap > CHUNK_MAX)
    cap = CHUNK_MAX;
  if (cap < need)
    cap = need;
  if (!(c = malloc(sizeof *c + cap)))
    return NULL;
  c->next = NULL;
  c->used = 0;
  c->cap = cap;
  if (log->tail)
    log->tail->next = c;
  else
    log->head = c;
  log->tail = c;
  return c;
}

const stor_rec *stor_wlog_append(stor_wlog *log, int op, int table,
                                 stor_val key, stor_val val,
                                 const unsigned char *tail, size_t tlen) {
  size_t hdr = round_up(sizeof(stor_rec));
  size_t need = hdr + round_up(key.len) + round_up(val.len + tlen);
  stor_chunk *c;
  stor_rec *r;
  unsigned char *p;

  if (need < hdr || !(c = room(log, need)))
    return NULL;
  p = c->data + c->used;
  r = (stor_rec *)(void *)p;
  r->op = op;
  r->table = table;
  r->key.mv_size = key.len;
  r->key.mv_data = p + hdr;
  memcpy(r->key.mv_data, key.data, key.len);
  r->val.mv_size = val.len + tlen;
  r->val.mv_data = p + hdr + round_up(key.len);
  if (val.len)
    memcpy(r->val.mv_data, val.data, val.len);
  if (tlen)
    memcpy((unsigned char *)r->val.mv_data + val.len, tail, tlen);
  c->used += need;
  log->nrec++;
  return r;
}

void stor_wlog_rewind(stor_wlog *log, stor_wmark m) {
  stor_chunk *c = m.chunk ? m.chunk->next : log->head, *next;

  for (; c; c = next) {
    next = c->next;
    free(c);
  }
  if (m.chunk) {
    m.chunk->next = NULL;
    m.chunk->used = m.used;
    log->tail = m.chunk;
  } else {
    log->head = log->tail = NULL;
  }
  log->nrec = m.nrec;
}

int stor_wlog_each(const stor_wlog *log, stor_wmark end,
                   int (*fn)(const stor_rec *r, void *arg), void *arg) {
  size_t hdr = round_up(sizeof(stor_rec)), off, n = 0;
  const stor_chunk *c;
  int rc;

  for (c = log->head; c && n < end.nrec; c = c->next) {
    for (off = 0; off < c->used && n < end.nrec; n++) {
      const stor_rec *r = (const stor_rec *)(const void *)(c->data + off);
      if ((rc = fn(r, arg)) != 0)
        return rc;
      off += hdr + round_up(r->key.mv_size) + round_up(r->val.mv_size);
    }
  }
  return 0;
}
