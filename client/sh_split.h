/*
 * sh_split.h -- where CQL statements end, and where an error position falls
 * in the shell's input, without parsing CQL.
 *
 * A statement ends at a ';' that is outside
 *   '...'   string literals ('' is an escaped quote),
 *   "..."   quoted identifiers ("" is an escaped quote),
 *   -- ...  comments to the end of the line,
 *   / * * / block comments (not nested),
 *   {...}   JSON values (DATA {...}, SET data = {...}): from a '{' outside
 *           all of the above to its matching '}', with "..." JSON strings
 *           and their backslash escapes inside.
 * These are pure functions over byte ranges; the engine's parser remains
 * the judge of what a statement means.
 */
#ifndef SH_SPLIT_H
#define SH_SPLIT_H

#include <stddef.h>

/* Where the scan of a text ends up. */
typedef enum sh_split_state {
  SH_SPLIT_TOP = 0,       /* between tokens */
  SH_SPLIT_STRING,        /* inside '...' */
  SH_SPLIT_IDENT,         /* inside "..." */
  SH_SPLIT_LINE_COMMENT,  /* inside -- (ends at the next newline) */
  SH_SPLIT_BLOCK_COMMENT, /* inside / * */
  SH_SPLIT_JSON,          /* inside {...} */
  SH_SPLIT_JSON_STRING    /* inside a JSON string */
} sh_split_state;

/* Length of the first statement of s[0..n), its ';' included; 0 when s
 * holds no ';' that ends a statement. */
size_t sh_split_first(const char *s, size_t n);

/* Length of the longest prefix of s[0..n) made of whole statements (ending
 * at a statement's ';'); 0 when there is none. */
size_t sh_split_complete(const char *s, size_t n);

/* The state at the end of s[0..n) (after its last complete statement or
 * not: the scan runs through every ';'). */
sh_split_state sh_split_end_state(const char *s, size_t n);

/* 1 when s[0..n) holds only blanks and comments (an unterminated block
 * comment counts as a comment), else 0. */
int sh_split_blank(const char *s, size_t n);

/* 1 when s[0..n) holds the word PASSWORD (any case, not inside a longer
 * word): a CREATE/ALTER USER ... PASSWORD '...' line, which the shell keeps
 * out of its history (the literal would otherwise sit in the file). */
int sh_has_secret(const char *s, size_t n);

/* A position in a text, as the shell reports it. */
typedef struct sh_pos {
  size_t offset;     /* byte offset in the whole text */
  int line;          /* 1-based line of the whole text */
  int column;        /* 1-based, in characters (UTF-8 code points) */
  size_t line_start; /* byte offset where that line starts */
  size_t line_end;   /* byte offset of its '\n', or n */
} sh_pos;

/* The position of byte `offset` (clamped to n) of text[0..n). */
void sh_pos_at(const char *text, size_t n, size_t offset, sh_pos *out);

/* Maps a 1-based (line, column) position counted in characters from byte
 * `from` of text[0..n) (the start of the text handed to credo_prepare) to
 * a position in the whole text. A column past the end of its line is
 * clamped to the line's end; a line past the end of text to the end.
 * Returns 0, or -1 when line or column is < 1 or from > n. */
int sh_locate(const char *text, size_t n, size_t from, int line, int column,
              sh_pos *out);

#endif /* SH_SPLIT_H */
