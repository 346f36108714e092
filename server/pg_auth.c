/*
 * pg_auth.c -- the server side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as
 * PostgreSQL runs it in SASL messages, against the verifier the engine
 * keeps beside each user's argon2id hash (credo_user_scram).
 *
 *   client-first  "n,,n=,r=<cnonce>"            (gs2 header "n,," or "y,,")
 *   server-first  "r=<cnonce><snonce>,s=<salt b64>,i=<iterations>"
 *   client-final  "c=biws,r=<nonce>,p=<proof b64>"
 *   server-final  "v=<server signature b64>"
 *
 * AuthMessage = client-first-bare "," server-first "," client-final
 * without ",p=..."; ClientKey = proof XOR HMAC(StoredKey, AuthMessage);
 * the proof holds when SHA-256(ClientKey) == StoredKey (compared in
 * constant time); ServerSignature = HMAC(ServerKey, AuthMessage).
 *
 * Invariants: pure (no I/O); an unknown user gets a mock verifier with a
 * stable salt so the exchange looks the same and fails only at the proof;
 * channel binding (SCRAM-SHA-256-PLUS) is not offered, so "p=" is refused;
 * secrets are wiped by pg_scram_wipe. The user name inside SCRAM is ignored
 * (PostgreSQL uses the startup packet's), as libpq sends it empty.
 *
 * Does not: look users up or switch roles (pg_conn.c).
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "pg.h"

#define KEY CREDO_SCRAM_KEY_LEN

static uint8_t mock_secret[32];
static pthread_once_t mock_once = PTHREAD_ONCE_INIT;

static void mock_init(void) {
  if (RAND_bytes(mock_secret, sizeof mock_secret) != 1)
    memset(mock_secret, 0x5c, sizeof mock_secret);
}

static void hmac(const uint8_t *key, size_t kn, const void *msg, size_t n,
                 uint8_t out[KEY]) {
  unsigned int len = KEY;
  HMAC(EVP_sha256(), key, (int)kn, msg, n, out, &len);
}

/* Standard base64 of p[0..n) into out (NUL-terminated). */
static void b64enc(const uint8_t *p, size_t n, char *out) {
  EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

/* Decodes base64 `s` (len n) into out[cap]; the decoded length or -1. */
static int b64dec(const char *s, size_t n, uint8_t *out, size_t cap) {
  uint8_t tmp[256];
  int len, pad = 0;
  if (n == 0 || n % 4 != 0 || n / 4 * 3 > sizeof tmp)
    return -1;
  len = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
  if (len < 0)
    return -1;
  if (s[n - 1] == '=')
    pad++;
  if (s[n - 2] == '=')
    pad++;
  len -= pad;
  if ((size_t)len > cap)
    return -1;
  memcpy(out, tmp, (size_t)len);
  return len;
}

void pg_scram_mock(pg_scram *s, const char *user) {
  pthread_once(&mock_once, mock_init);
  memset(s, 0, sizeof *s);
  s->mock = 1;
  s->v.iterations = 4096;
  {
    uint8_t h[KEY];
    hmac(mock_secret, sizeof mock_secret, user, strlen(user), h);
    memcpy(s->v.salt, h, sizeof s->v.salt);
  }
  RAND_bytes(s->v.stored_key, KEY);
  RAND_bytes(s->v.server_key, KEY);
}

/* The value of attribute `name` ("r=") in a comma-separated message, with
 * its length; NULL when missing. */
static const char *attr(const char *m, size_t n, char name, size_t *len) {
  size_t i = 0;
  while (i + 1 < n) {
    size_t j = i;
    while (j < n && m[j] != ',')
      j++;
    if (m[i] == name && m[i + 1] == '=') {
      *len = j - i - 2;
      return m + i + 2;
    }
    i = j + 1;
  }
  return NULL;
}

int pg_scram_first(pg_scram *s, const char *msg, size_t n, const char **why) {
  const char *bare, *cn;
  size_t cnl;
  uint8_t rnd[PG_SCRAM_NONCE];
  char snonce[PG_SCRAM_NONCE * 2], salt[CREDO_SCRAM_SALT_LEN * 2];
  if (n >= 2 && msg[0] == 'p') {
    *why = "channel binding is not supported (use SCRAM-SHA-256)";
    return CREDO_NOTSUP;
  }
  if (n < 3 || (msg[0] != 'n' && msg[0] != 'y') || msg[1] != ',') {
    *why = "malformed SCRAM client-first-message";
    return CREDO_PROTOCOL;
  }
  bare = memchr(msg + 2, ',', n - 2); /* skips the authzid field */
  if (!bare) {
    *why = "malformed SCRAM client-first-message";
    return CREDO_PROTOCOL;
  }
  bare++;
  if ((size_t)(msg + n - bare) >= sizeof s->client_first_bare ||
      !(cn = attr(bare, (size_t)(msg + n - bare), 'r', &cnl)) || cnl == 0 ||
      cnl > 128 || memchr(cn, ',', cnl)) {
    *why = "malformed SCRAM client-first-message";
    return CREDO_PROTOCOL;
  }
  memcpy(s->client_first_bare, bare, (size_t)(msg + n - bare));
  s->client_first_bare[msg + n - bare] = '\0';
  if (RAND_bytes(rnd, sizeof rnd) != 1) {
    *why = "no randomness for the SCRAM nonce";
    return CREDO_PROTOCOL;
  }
  b64enc(rnd, sizeof rnd, snonce);
  snprintf(s->nonce, sizeof s->nonce, "%.*s%s", (int)cnl, cn, snonce);
  b64enc(s->v.salt, sizeof s->v.salt, salt);
  snprintf(s->server_first, sizeof s->server_first, "r=%s,s=%s,i=%u", s->nonce,
           salt, (unsigned)s->v.iterations);
  return CREDO_OK;
}

int pg_scram_final(pg_scram *s, const char *msg, size_t n, char *out,
                   size_t outn, const char **why) {
  const char *r, *p, *proofp;
  size_t rl, pl, nowproof;
  uint8_t proof[KEY], sig[KEY], key[KEY], stored[KEY], ssig[KEY];
  char am[1400], sb64[64];
  int k;
  *why = "malformed SCRAM client-final-message";
  r = attr(msg, n, 'r', &rl);
  proofp = NULL;
  for (size_t i = 0; i + 3 <= n; i++) /* the proof is the last attribute */
    if (msg[i] == ',' && msg[i + 1] == 'p' && msg[i + 2] == '=')
      proofp = msg + i;
  if (!r || !proofp || !attr(msg, n, 'c', &pl))
    return CREDO_PROTOCOL;
  p = proofp + 3;
  pl = (size_t)(msg + n - p);
  nowproof = (size_t)(proofp - msg);
  if (rl != strlen(s->nonce) || memcmp(r, s->nonce, rl) != 0) {
    *why = "SCRAM nonce does not match";
    return CREDO_PROTOCOL;
  }
  if (b64dec(p, pl, proof, sizeof proof) != KEY)
    return CREDO_PROTOCOL;
  k = snprintf(am, sizeof am, "%s,%s,%.*s", s->client_first_bare,
               s->server_first, (int)nowproof, msg);
  if (k < 0 || (size_t)k >= sizeof am)
    return CREDO_PROTOCOL;
  hmac(s->v.stored_key, KEY, am, (size_t)k, sig);
  for (int i = 0; i < KEY; i++)
    key[i] = proof[i] ^ sig[i];
  SHA256(key, KEY, stored);
  if (s->mock || CRYPTO_memcmp(stored, s->v.stored_key, KEY) != 0) {
    OPENSSL_cleanse(key, sizeof key);
    *why = "password authentication failed";
    return CREDO_AUTH;
  }
  hmac(s->v.server_key, KEY, am, (size_t)k, ssig);
  b64enc(ssig, KEY, sb64);
  snprintf(out, outn, "v=%s", sb64);
  OPENSSL_cleanse(key, sizeof key);
  return CREDO_OK;
}

void pg_scram_wipe(pg_scram *s) {
  OPENSSL_cleanse(s, sizeof *s);
}
