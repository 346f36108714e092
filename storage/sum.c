/*
 * sum.c -- owns the checksum every stored value carries: sealing a value
 * on its way into LMDB and verifying it on its way out, and the record of
 * the last mismatch a thread met (for the engine's message).
 *
 * Layout: a stored value is the caller's bytes followed by STOR_SUM_LEN
 * bytes, the low 32 bits of XXH3-64 of the value seeded with XXH3-64 of
 * the key seeded with the table number + 1, little-endian. Keying the sum
 * with table and key catches a flipped bit in a key (or an entry moved to
 * another table) as well as in a value. (docs/storage.md, "Checksums".)
 *
 * Invariants: nothing above storage/ ever sees the checksum bytes; a value
 * whose sum does not match is never handed out (MDB_CORRUPTED instead).
 *
 * Does not: retry, repair, or know what the values mean.
 */
#include <stdio.h>
#include <string.h>
/* xxhash inlined (same algorithm, same sums as -lxxhash): the sums are of
 * short keys and values, where a call through the shared library's PLT
 * and its generic entry cost about as much as the hashing (issue 14:
 * the read overhead, docs/performance.md). */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "stor_impl.h"

/* The last mismatch of this thread: table and the key's first bytes. */
#define SEEN_KEY_MAX 64
static _Thread_local struct {
  int pending;
  int table;
  size_t klen;
  unsigned char key[SEEN_KEY_MAX];
} seen;

static uint32_t sum_of(int table, const void *k, size_t klen, const void *v,
                       size_t vlen) {
  XXH64_hash_t seed = XXH3_64bits_withSeed(k, klen, (XXH64_hash_t)table + 1);
  return (uint32_t)XXH3_64bits_withSeed(v, vlen, seed);
}

void stor_sum_seal(int table, const void *k, size_t klen, const void *v,
                   size_t vlen, unsigned char out[STOR_SUM_LEN]) {
  uint32_t s = sum_of(table, k, klen, v, vlen);

  out[0] = (unsigned char)s;
  out[1] = (unsigned char)(s >> 8);
  out[2] = (unsigned char)(s >> 16);
  out[3] = (unsigned char)(s >> 24);
}

static void remember(int table, const MDB_val *k) {
  seen.pending = 1;
  seen.table = table;
  seen.klen = k->mv_size;
  memcpy(seen.key, k->mv_data,
         k->mv_size < SEEN_KEY_MAX ? k->mv_size : SEEN_KEY_MAX);
}

int stor_sum_strip(int table, const MDB_val *k, MDB_val *v) {
  if (v->mv_size < STOR_SUM_LEN) {
    remember(table, k);
    return MDB_CORRUPTED;
  }
  v->mv_size -= STOR_SUM_LEN; /* the value's bytes are not touched */
  return 0;
}

int stor_sum_open(int table, const MDB_val *k, MDB_val *v) {
  const unsigned char *got;
  uint32_t s;
  size_t n;

  if (v->mv_size < STOR_SUM_LEN || k->mv_size > STOR_KEY_MAX) {
    remember(table, k);
    return MDB_CORRUPTED;
  }
  n = v->mv_size - STOR_SUM_LEN;
  s = sum_of(table, k->mv_data, k->mv_size, v->mv_data, n);
  got = (const unsigned char *)v->mv_data + n; /* little-endian, as sealed */
  if (s != ((uint32_t)got[0] | (uint32_t)got[1] << 8 | (uint32_t)got[2] << 16 |
            (uint32_t)got[3] << 24)) {
    remember(table, k);
    return MDB_CORRUPTED;
  }
  v->mv_size = n;
  return 0;
}

int stor_corruption_take(char *buf, size_t n) {
  size_t i, shown, off;
  int w;

  if (!seen.pending)
    return 0;
  seen.pending = 0;
  if (!buf || !n)
    return 1;
  w = snprintf(buf, n, "checksum mismatch in table %s, key ",
               stor_table_name(seen.table));
  off = w < 0 ? 0 : (size_t)w;
  shown = seen.klen < SEEN_KEY_MAX ? seen.klen : SEEN_KEY_MAX;
  for (i = 0; i < shown && off + 3 < n; i++, off += 2)
    snprintf(buf + off, n - off, "%02x", seen.key[i]);
  if (shown < seen.klen && off + 4 < n)
    snprintf(buf + off, n - off, "...");
  return 1;
}
