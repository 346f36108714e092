/*
 * th_util.c -- test helpers: temporary directories, a fake clock, time
 * literals, seeded random streams, damage to a store's data file. Test-only
 * code; never linked into the library.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "th.h"

char *th_tmpdir(const char *tag) {
  const char *base = getenv("CREDO_TEST_TMP");
  char *p;
  if (!base || !*base)
    base = "/tmp";
  mkdir(base, 0755);
  if (asprintf(&p, "%s/credo-%s-XXXXXX", base, tag ? tag : "t") < 0)
    return NULL;
  if (!mkdtemp(p)) {
    free(p);
    return NULL;
  }
  return p;
}

static int rm_one(const char *path, const struct stat *sb, int flag,
                  struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

void th_rmdir(char *path) {
  if (!path)
    return;
  nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  free(path);
}

credo_time th_clock_fn(void *arg) {
  return ((th_clock *)arg)->now;
}

credo_time th_t(const char *iso) {
  credo_time t = 0;
  int rc = credo_time_parse(iso, 0, &t);
  if (rc != CREDO_OK)
    fail_msg("bad time literal in test: %s", iso);
  return t;
}

uint64_t th_seed(const char *suite) {
  const char *env = getenv("CREDO_TEST_SEED");
  uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
  if (!seed)
    seed = 1;
  printf("%s: seed %" PRIu64 " (CREDO_TEST_SEED=%" PRIu64 " replays)\n", suite,
         seed, seed);
  return seed;
}

uint64_t th_rnd(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

int th_flip_store(const char *dir, const char *pat, int bit) {
  char file[1024];
  size_t n, plen = strlen(pat);
  unsigned char *buf;
  FILE *fp;
  int hits = 0;

  snprintf(file, sizeof file, "%s/data.mdb", dir);
  if (!(fp = fopen(file, "r+b")))
    return -1;
  fseek(fp, 0, SEEK_END);
  n = (size_t)ftell(fp);
  rewind(fp);
  buf = malloc(n);
  if (!buf || fread(buf, 1, n, fp) != n) {
    free(buf);
    fclose(fp);
    return -1;
  }
  for (size_t i = 0; i + plen <= n; i++) {
    if (memcmp(buf + i, pat, plen) == 0) {
      unsigned char b = buf[i] ^ (unsigned char)(1u << bit);
      fseek(fp, (long)i, SEEK_SET);
      fwrite(&b, 1, 1, fp);
      hits++;
    }
  }
  free(buf);
  fclose(fp);
  return hits;
}
