#!/usr/bin/env bash
# Installs credo into a temporary DESTDIR, builds examples/embed.c against
# the installed library with pkg-config, runs it, checks the man pages and
# the soname links, then uninstalls and checks nothing is left.
set -euo pipefail
BUILD=${BUILD:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
prefix=/usr/local

make -C "$root" -s BUILD="$BUILD" install DESTDIR="$dest" PREFIX=$prefix >/dev/null
lib=$dest$prefix/lib
echo "install: checking files under $dest$prefix"
test -f "$lib/libcredo.a"
test -f "$lib/libcredo.so.0.1.0"
[ "$(readlink "$lib/libcredo.so.0")" = libcredo.so.0.1.0 ]
[ "$(readlink "$lib/libcredo.so")" = libcredo.so.0 ]
objdump -p "$lib/libcredo.so.0.1.0" | grep -q 'SONAME *libcredo.so.0'
test -f "$dest$prefix/include/credo.h"
test -f "$dest$prefix/include/credo_ops.h"
for m in man1/credo.1 man1/credo-server.1 man3/credo.3; do
  test -f "$dest$prefix/share/man/$m" || { echo "missing man page $m"; exit 1; }
  man -l "$dest$prefix/share/man/$m" >/dev/null 2>&1 || { echo "man page $m does not render"; exit 1; }
done

export PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs credo)
echo "install: cc embed.c $flags"
cc -std=c11 -Wall -Wextra -Werror "$root/examples/embed.c" $flags -o "$tmp/embed"
out=$(LD_LIBRARY_PATH=$lib "$tmp/embed" "$tmp/store")
echo "$out"
grep -q "credo 0.1.0" <<<"$out"
grep -q "public on 2025-06-01: event 1 penalty_general" <<<"$out"
grep -q "on 2025-08-01, hidden included: event 1 .*public until 2025-07-01 (not public)" <<<"$out"
# the program really used the shared library it was built against
# (ldd's output in a variable: `ldd | grep -q` can die of SIGPIPE under
# pipefail when grep stops reading early)
deps=$(LD_LIBRARY_PATH=$lib ldd "$tmp/embed")
grep -q "$lib/libcredo.so.0" <<<"$deps"

make -C "$root" -s BUILD="$BUILD" uninstall DESTDIR="$dest" PREFIX=$prefix >/dev/null
left=$(find "$dest" -type f | wc -l)
[ "$left" -eq 0 ] || { echo "uninstall left files:"; find "$dest" -type f; exit 1; }
echo "install: ok (installed, built with pkg-config, ran, uninstalled)"
