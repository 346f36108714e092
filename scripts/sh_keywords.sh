#!/bin/sh
# sh_keywords.sh LEXER.re -- writes on stdout the C initialiser of the
# words the CQL lexer treats as keywords (its 'word' rules emitting a
# keyword token, and the duration units), uppercase and sorted: the list
# the shell's TAB completion offers (client/sh_complete.c includes it as
# $(BUILD)/gen/sh_keywords.h), so that the shell and the lexer cannot drift.
set -eu
awk '
/^[ \t]*\x27[a-z_]+\x27/ && !/CQL_TK_ID/ {
  line = $0
  if (line !~ /emit_/) { getline nxt; line = line nxt }
  if (line !~ /emit_(word|unit)/) next
  head = line
  sub(/\{.*/, "", head)
  n = split(head, parts, "\x27")
  for (i = 2; i <= n; i += 2) print toupper(parts[i])
}' "$1" | LC_ALL=C sort -u | sed 's/.*/    "&",/'
