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

/* 1 when `canon` (a canonical text by these rules) and `stored` (a stored
 * canonical text, perhaps written by older rules) are the same data: equal
 * texts, or equal once `stored` is rewritten by these rules and `canon`'s
 * reals are taken as doubles -- older stores wrote every real of a
 * document with 17 digits when one needed them (0.10000000000000001) and
 * kept 16-18 digit decimals only as doubles (123456789012345.67 for
 * 123456789012345.678), so re-sending such a fact is not a conflict.
 * 0 otherwise (also when out of memory). Thread-safe. */
int eng_jcanon_same(const char *stored, const char *canon);

#endif
