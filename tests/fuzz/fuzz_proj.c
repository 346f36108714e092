/*
 * fuzz_proj.c -- libFuzzer target for the projection's segment decoder
 * (engine/proj_codec.c), built by `make fuzz` with clang
 * -fsanitize=fuzzer,address,undefined from that file only.
 *
 * The input is a stored segment value. To reach past the checksums, the
 * target first reseals them as a writer would: the XXH3 of header and
 * directory, and each directory entry's blob sum where its offset and
 * length lie inside the input. Then it decodes every column, each column
 * alone, and header only. Contracts checked (abort on violation): decode
 * never reads or writes outside the input and the scratch (the
 * sanitizers), returns CREDO_OK or CREDO_CORRUPT, names a column or -1 on
 * CREDO_CORRUPT; a value that decodes whole encodes again to a value
 * that decodes to the same columns.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "proj.h"

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "fuzz_proj: check failed: %s (line %d)\n", #cond,        \
              __LINE__);                                                       \
      abort();                                                                 \
    }                                                                          \
  } while (0)

static unsigned char *wide, *wide2, *enc;

/* Reseals the sums of v (len bytes) in place. */
static void reseal(unsigned char *v, size_t len) {
  for (int c = 0; c < ENG_PROJ_NCOLS; c++) {
    unsigned char *d = v + ENG_PROJ_HDR_LEN + (size_t)c * ENG_PROJ_DIR_LEN;
    uint32_t off;
    uint16_t nex;
    size_t n = (size_t)d[ENG_PROJ_D_WIDTH] * ENG_PROJ_SEG_ROWS;
    memcpy(&off, d + ENG_PROJ_D_OFF, 4);
    memcpy(&nex, d + ENG_PROJ_D_NEX, 2);
    n += d[ENG_PROJ_D_ENC] == ENG_PROJ_ENC_PATCH  ? (size_t)nex * 10
         : d[ENG_PROJ_D_ENC] == ENG_PROJ_ENC_DICT ? (size_t)nex * 8
                                                  : 0;
    if (off <= len && n <= len - off) {
      uint64_t s = XXH3_64bits_withSeed(v + off, n, (XXH64_hash_t)c + 1);
      memcpy(d + ENG_PROJ_D_SUM, &s, 8);
    }
  }
  uint64_t s = XXH3_64bits(v, ENG_PROJ_META_SUM);
  memcpy(v + ENG_PROJ_META_SUM, &s, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  eng_proj_seg s, t;
  int bad;
  if (!wide) {
    wide = aligned_alloc(8, ENG_PROJ_SCRATCH);
    wide2 = aligned_alloc(8, ENG_PROJ_SCRATCH);
    enc = malloc(ENG_PROJ_ENC_MAX);
    CHECK(wide && wide2 && enc);
  }
  unsigned char *v = malloc(size ? size : 1);
  CHECK(v);
  memcpy(v, data, size);
  if (size >= ENG_PROJ_BLOBS)
    reseal(v, size);
  for (int c = -1; c <= ENG_PROJ_NCOLS; c++) {
    unsigned mask = c < 0                 ? 0
                    : c == ENG_PROJ_NCOLS ? ENG_PROJ_ALL
                                          : ENG_PROJ_BIT(c);
    bad = 99;
    int rc = eng_proj_decode(v, size, mask, &s, wide, &bad);
    CHECK(rc == CREDO_OK || rc == CREDO_CORRUPT);
    CHECK(rc == CREDO_OK || (bad >= -1 && bad < ENG_PROJ_NCOLS));
    if (rc == CREDO_OK && mask == ENG_PROJ_ALL) {
      /* a decodable value re-encodes to the same columns */
      size_t n = eng_proj_encode(&s, enc);
      CHECK(n <= ENG_PROJ_ENC_MAX);
      CHECK(eng_proj_decode(enc, n, ENG_PROJ_ALL, &t, wide2, NULL) == CREDO_OK);
      CHECK(memcmp(wide, wide2, ENG_PROJ_SCRATCH) == 0);
    }
  }
  free(v);
  return 0;
}
