#!/usr/bin/env bash
# embedded.sh -- libcredo-embedded: a program links it without OpenSSL and
# without the wire codec, opens and uses a store in a directory, and gets a
# clear CREDO_NOTSUP (on a handle carrying the reason) for a credo:// URI;
# the archive has no OpenSSL symbol to resolve.
#
# Usage: BUILD=build bash tests/integration/embedded.sh
# Prints "ok N - what" per check; exits 1 at the first failure.
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LIB=$BUILD/lib/libcredo-embedded.a
[ -f "$LIB" ] || { echo "no $LIB"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/credo-emb-XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { echo "not ok - $*"; [ -f "$T/out.txt" ] && cat "$T/out.txt"; exit 1; }

cat >"$T/emb.c" <<'C'
#include <stdio.h>
#include <string.h>

#include "credo.h"

int main(int argc, char **argv) {
  credo *db = NULL, *r = NULL;
  uint64_t id;
  int created, rc;
  credo_record rec = {.subject = "91350100M000100Y43", .type = "loan_overdue",
                      .occurred = 1700000000000000, .source = "bank",
                      .ref = "r1", .public_from = CREDO_TIME_DEFAULT,
                      .public_until = CREDO_TIME_DEFAULT};
  if (argc < 2 || credo_open(argv[1], NULL, &db) != CREDO_OK)
    return 2;
  if (credo_create_subject(db, rec.subject, CREDO_KIND_ORG, "x") ||
      credo_create_type(db, "loan_overdue", (credo_duration){60, 0}, (credo_duration){12, 0}) ||
      credo_record_event(db, &rec, &id, &created) || id != 1 || !created)
    return printf("local: %s\n", credo_errmsg(db)), 3;
  printf("local ok %llu\n", (unsigned long long)id);
  credo_close(db);
  rc = credo_open("credo://alice@127.0.0.1:7411", NULL, &r);
  printf("remote rc=%s msg=%s\n", credo_errname(rc), r ? credo_errmsg(r) : "-");
  rc = credo_prepare(r, "SELECT 1", -1, &(credo_stmt *){0}, NULL);
  printf("prepare=%s %s\n", credo_errname(rc), credo_errmsg(r));
  credo_close(r);
  return 0;
}
C
LIBS="-llmdb -lxxhash -ljansson -lsodium -lutf8proc -lpthread -lm"
cc -std=c11 -I"$ROOT/include" -o "$T/emb" "$T/emb.c" "$LIB" $LIBS 2>"$T/out.txt" ||
  fail "a program does not link libcredo-embedded without OpenSSL"
ok "a program links libcredo-embedded with no -lssl / -lcrypto"
if ldd "$T/emb" | grep -qE 'libssl|libcrypto'; then fail "it loads OpenSSL"; fi
ok "the program does not load OpenSSL"
"$T/emb" "$T/store" >"$T/out.txt" 2>&1 || fail "the program failed ($?)"
grep -q '^local ok 1$' "$T/out.txt" || fail "the local store did not work"
ok "it records an event in a directory store"
grep -q 'remote rc=CREDO_NOTSUP msg=credo://alice@127.0.0.1:7411: remote stores need libcredo' \
  "$T/out.txt" || fail "a URI does not say the embedded library has no remote backend"
ok "a credo:// URI gives CREDO_NOTSUP with the reason on the handle"
grep -q '^prepare=CREDO_NOTSUP credo_prepare is not supported by the remote (not in libcredo-embedded) backend' \
  "$T/out.txt" || fail "calls on that handle are not CREDO_NOTSUP naming the call"
ok "calls on that handle give CREDO_NOTSUP naming the call and the backend"
if nm -u "$LIB" | grep -qE ' (SSL|EVP|ERR|OPENSSL)_'; then fail "OpenSSL symbols in $LIB"; fi
ok "nm: no OpenSSL symbol in $LIB"
echo "embedded.sh: $n checks passed"
