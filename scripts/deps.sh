#!/bin/sh
# Installs the Debian packages credo builds, tests and runs with, when any is
# missing. Idempotent: does nothing (and needs no network) when all are there.
# Runs apt-get through sudo when not root. Usage: scripts/deps.sh [extra-pkg...]
set -eu
PKGS="gcc make pkg-config liblmdb-dev lmdb-utils re2c lemon libxxhash-dev \
libcmocka-dev libjansson-dev libedit-dev libsodium-dev libsqlite3-dev libpq-dev \
libssl-dev libutf8proc-dev libmicrohttpd-dev libcsv-dev openssl python3 \
clang libclang-rt-14-dev man-db groff-base \
chromium fonts-wqy-microhei apache2-utils curl jq \
sqlite3 postgresql-15 postgresql-client-15 python3-psycopg2 nodejs $*"
# Test peers: chromium, curl, jq, ab (web.sh, bench/web_load.sh); sqlite3
# (analyst.sh); psql, psycopg2, node (pgwire.sh; node-postgres itself comes
# from npm under build/); postgresql-15 (bench/pgwire.sh).
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps.sh: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
