#!/usr/bin/env bash
# help.sh -- every subcommand of `credo` answers `--help` (exit 0, its usage
# on stdout) and `credo help COMMAND`, without treating --help as a path:
# nothing is created, no store is opened (issue 14, item 11).
#
# Usage: BUILD=build bash tests/integration/help.sh
set -u
. "$(dirname "$0")/lib/tap.sh" help

cmds=$("$CREDO" help | sed -n '/^Commands:/,/^$/p' | awk '/^  [a-z]/{print $1}')
[ "$(echo "$cmds" | wc -w)" -ge 10 ] || fail "credo help lists too few commands: $cmds"
for c in $cmds; do
  [ "$c" = help ] && continue
  "$CREDO" "$c" --help >out.txt 2>err.txt || fail "credo $c --help exited $?"
  grep -q "usage: credo" out.txt || fail "credo $c --help printed no usage"
  "$CREDO" help "$c" >out2.txt 2>err.txt || fail "credo help $c exited $?"
  cmp -s out.txt out2.txt || fail "credo help $c differs from credo $c --help"
  [ -z "$(ls | grep -v '^out.txt$\|^out2.txt$\|^err.txt$')" ] ||
    fail "credo $c --help created $(ls)"
done
ok "every command answers --help and credo help COMMAND ($(echo $cmds | wc -w) commands)"
for c in verify check backup restore export; do
  "$CREDO" "$c" x --help >out.txt 2>err.txt || fail "credo $c x --help exited $?"
  [ ! -e x ] && [ ! -e ./--help ] || fail "credo $c --help touched a path"
done
"$CREDO" help --help >out.txt 2>err.txt && grep -q "Commands:" out.txt || fail "help --help"
"$CREDO" help nosuch >out.txt 2>err.txt
[ $? -eq 2 ] && grep -q "no command 'nosuch'" err.txt || fail "help of an unknown command"
ok "--help after other arguments is still help; help of an unknown command is a usage error"
echo "help.sh: $n ok"
