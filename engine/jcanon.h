/*
 * jcanon.h -- the canonical text of an event's `data` JSON (see jcanon.c).
 */
#ifndef CREDO_ENG_JCANON_H
#define CREDO_ENG_JCANON_H

#include <jansson.h>

/* Compact JSON of `j` (parsed from `text` by json_loads), keys sorted,
 * each real written in its own shortest exact form (jcanon.c says which).
 * `text` may be NULL (no lexemes: reals as doubles only). Returns a
 * malloc'ed string the caller frees, or NULL when out of memory.
 * Thread-safe (no state). */
char *eng_jcanon_dump(json_t *j, const char *text);

#endif
