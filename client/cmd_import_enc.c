/*
 * cmd_import_enc.c -- the input encoding of `credo import`: the up-front
 * check that a file is UTF-8 (with a guess at what it is instead: UTF-16,
 * GBK), and --encoding NAME, which converts the input to UTF-8 with iconv
 * before anything reads it.
 *
 * Invariants: what the importer reads afterwards is the same bytes as
 * before (the check rewinds), or the whole input converted to UTF-8 (in an
 * unnamed temporary file). Does not: read records (cmd_import.c).
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "cmds.h"

#define SNIFF_BYTES 65536
#define CONV_CHUNK 65536

/* Length of the valid UTF-8 prefix of p[0..n); an incomplete sequence at
 * the very end counts as valid (the sample may cut a character). */
static size_t utf8_prefix(const unsigned char *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned c = p[i];
    size_t k = c < 0x80         ? 1
               : (c >> 5) == 6  ? 2
               : (c >> 4) == 14 ? 3
               : (c >> 3) == 30 ? 4
                                : 0;
    if (k == 0 || (k == 2 && c < 0xC2) || (k == 4 && c > 0xF4))
      return i;
    for (size_t j = 1; j < k; j++) {
      if (i + j >= n)
        return n;
      if ((p[i + j] & 0xC0) != 0x80)
        return i;
    }
    i += k;
  }
  return n;
}

/* A guess at the encoding of a sample that is not UTF-8. */
static const char *guess(const unsigned char *p, size_t n) {
  size_t nul = 0, gbk = 0, bad = 0;
  if (n >= 2 &&
      ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
    return "UTF-16";
  for (size_t i = 0; i < n; i++)
    nul += p[i] == 0;
  if (nul * 8 > n)
    return "UTF-16";
  for (size_t i = 0; i < n; i++) {
    if (p[i] < 0x80)
      continue;
    if (i + 1 < n && p[i] >= 0x81 && p[i] <= 0xFE && p[i + 1] >= 0x40 &&
        p[i + 1] <= 0xFE && p[i + 1] != 0x7F)
      gbk++, i++;
    else
      bad++;
  }
  return gbk && !bad ? "GBK" : NULL;
}

int cmd_import_sniff(FILE *in, const char *name) {
  unsigned char buf[SNIFF_BYTES];
  size_t n, ok;
  const char *g;

  if (fseek(in, 0, SEEK_CUR) != 0)
    return 0; /* a pipe: the importer reports bad lines one by one */
  n = fread(buf, 1, sizeof buf, in);
  rewind(in);
  if ((ok = utf8_prefix(buf, n)) == n)
    return 0;
  g = guess(buf, n);
  fprintf(stderr,
          "error: %s is not UTF-8 (byte %zu)%s%s%s; run again with "
          "--encoding %s\n",
          name, ok + 1, g ? "; it looks like " : "", g ? g : "", "",
          g ? g : "NAME (GBK, GB18030, UTF-16, ...)");
  return -1;
}

/* Converts all of `in` with `cd` into `out`. 0 or -1 (message printed). */
static int convert(iconv_t cd, FILE *in, FILE *out, const char *enc) {
  char ib[CONV_CHUNK], ob[CONV_CHUNK * 4];
  size_t have = 0, r;
  int eof = 0;

  while (!eof || have) {
    if (!eof && (r = fread(ib + have, 1, sizeof ib - have, in)) == 0)
      eof = 1;
    else if (!eof)
      have += r;
    char *ip = ib, *op = ob;
    size_t il = have, ol = sizeof ob;
    size_t rc = iconv(cd, &ip, &il, &op, &ol);
    if (rc == (size_t)-1 && errno != EINVAL && errno != E2BIG) {
      fprintf(stderr, "error: the input is not valid %s: %s\n", enc,
              strerror(errno));
      return -1;
    }
    if (rc == (size_t)-1 && errno == EINVAL && eof) {
      fprintf(stderr, "error: the input ends inside a %s character\n", enc);
      return -1;
    }
    fwrite(ob, 1, sizeof ob - ol, out);
    memmove(ib, ip, il);
    if (il == have && eof && il) /* no progress at the end */
      return -1;
    have = il;
  }
  return ferror(out) ? -1 : 0;
}

FILE *cmd_import_decode(FILE *in, const char *enc) {
  iconv_t cd = iconv_open("UTF-8", enc);
  FILE *out;

  if (cd == (iconv_t)-1) {
    fprintf(stderr, "error: unknown encoding '%s' (iconv: %s)\n", enc,
            strerror(errno));
    return NULL;
  }
  if (!(out = tmpfile())) {
    fprintf(stderr, "error: cannot make a temporary file: %s\n",
            strerror(errno));
    iconv_close(cd);
    return NULL;
  }
  if (convert(cd, in, out, enc) < 0) {
    fclose(out);
    out = NULL;
  } else {
    rewind(out);
  }
  iconv_close(cd);
  return out;
}
