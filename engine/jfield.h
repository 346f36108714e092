/*
 * jfield.h -- one field of a stored `data` JSON text without a jansson
 * tree (jfield.c). Engine-internal.
 */
#ifndef CREDO_JFIELD_H
#define CREDO_JFIELD_H

#include <stddef.h>

#include "value.h"

enum {
  ENG_JF_OK = 0,      /* *out holds the answer (may be NULL) */
  ENG_JF_FALLBACK = 1 /* not answered: parse with jansson instead */
};

/* The value at path segs[0..nsegs) of the JSON object text `json` (`len`
 * bytes), exactly as jansson's parse and eng_v_from_json give it, or
 * ENG_JF_FALLBACK. A text in *out is a NUL-terminated copy in `a`. Assumes the
 * text is valid JSON (stored data is validated at ingest). Thread-safe. */
int eng_jfield(const char *json, size_t len, char *const *segs, size_t nsegs,
               eng_arena *a, eng_value *out);

#endif
