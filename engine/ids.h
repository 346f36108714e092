/*
 * ids.h -- text checks shared by the engine: UTF-8 validation for stored
 * strings (ids of kind other, subject names, ...).
 *
 * credo_id_check and credo_kind_name (credo.h) are implemented in ids.c.
 * Pure functions, no state, thread-safe.
 */
#ifndef CREDO_ENG_IDS_H
#define CREDO_ENG_IDS_H

#include <stddef.h>

/* Scans `n` bytes of `s` as text the engine stores: well-formed UTF-8 (no
 * overlong forms, no UTF-16 surrogates, nothing above U+10FFFF, no
 * truncated sequence) with no control character (U+0000-U+001F and
 * U+007F-U+009F, so no NUL). Returns the offset of the first offending
 * byte, or `n` when all is well; *why (if not NULL) gets a static phrase
 * for messages ("starts an overlong UTF-8 sequence"), or NULL. */
size_t eng_utf8_scan(const char *s, size_t n, const char **why);

/* 1 when eng_utf8_scan finds nothing wrong in the `n` bytes, else 0. */
int eng_utf8_valid(const char *s, size_t n);

/* Number of code points in `n` bytes of valid UTF-8 (see above). */
size_t eng_utf8_count(const char *s, size_t n);

#endif /* CREDO_ENG_IDS_H */
