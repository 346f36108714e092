/*
 * value.h -- the value type of CQL evaluation, byte buffers, a per-row
 * arena and materialized rows.
 *
 * Owns: eng_value (NULL, INT, REAL, TEXT, BOOL, TIME, JSON, DURATION,
 * DECIMAL), the
 * comparisons and coercions between them, their text rendering, their
 * canonical byte keys (grouping, DISTINCT), the conversions between JSON
 * (jansson) and values, eng_buf, eng_arena and eng_brow.
 *
 * Invariants:
 *  - a TEXT or JSON value never owns its bytes: u.s.p points at memory
 *    owned elsewhere (the scan, the AST, a binding, an arena, a brow) and
 *    u.s.p[u.s.n] == '\0' always;
 *  - ENG_V_* values 0..6 equal the credo_type of credo.h; DURATION has no
 *    public type and is shown as TEXT; DECIMAL (an exact decimal,
 *    decimal.h, always normalised) is CREDO_T_DECIMAL in the API;
 *  - numeric types are INT, DECIMAL and REAL, widening in that order:
 *    INT op DECIMAL is DECIMAL, anything op REAL is REAL.
 *
 * Does not: evaluate expressions (expr.c) or know about columns.
 */
#ifndef CREDO_ENG_VALUE_H
#define CREDO_ENG_VALUE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "credo.h"
#include "decimal.h"

enum eng_vtype {
  ENG_V_NULL = CREDO_T_NULL,
  ENG_V_INT = CREDO_T_INT,
  ENG_V_REAL = CREDO_T_REAL,
  ENG_V_TEXT = CREDO_T_TEXT,
  ENG_V_BOOL = CREDO_T_BOOL,
  ENG_V_TIME = CREDO_T_TIME,
  ENG_V_JSON = CREDO_T_JSON,
  ENG_V_DURATION = 7,
  ENG_V_DECIMAL = 8,
  ENG_V_ANY = -1 /* static type unknown until a row is seen */
};

typedef struct eng_value {
  int t; /* enum eng_vtype */
  union {
    int64_t i; /* INT; BOOL 0 / 1 */
    double r;
    credo_time tm;
    credo_duration d;
    eng_dec dec; /* DECIMAL */
    struct {
      const char *p;
      size_t n;
    } s; /* TEXT, JSON */
  } u;
} eng_value;

/* Constructors (inline: they run for every column of every row). */
static inline eng_value eng_v_null(void) {
  return (eng_value){.t = ENG_V_NULL};
}
static inline eng_value eng_v_int(int64_t i) {
  return (eng_value){.t = ENG_V_INT, .u.i = i};
}
static inline eng_value eng_v_real(double r) {
  return (eng_value){.t = ENG_V_REAL, .u.r = r};
}
static inline eng_value eng_v_bool(int b) {
  return (eng_value){.t = ENG_V_BOOL, .u.i = b ? 1 : 0};
}
static inline eng_value eng_v_time(credo_time t) {
  return (eng_value){.t = ENG_V_TIME, .u.tm = t};
}
static inline eng_value eng_v_dur(credo_duration d) {
  return (eng_value){.t = ENG_V_DURATION, .u.d = d};
}
static inline eng_value eng_v_dec(eng_dec d) {
  return (eng_value){.t = ENG_V_DECIMAL, .u.dec = d};
}
/* `p` must be NUL-terminated at p[n]. */
static inline eng_value eng_v_text(const char *p, size_t n) {
  return (eng_value){.t = ENG_V_TEXT, .u.s = {p, n}};
}
static inline eng_value eng_v_json(const char *p, size_t n) {
  return (eng_value){.t = ENG_V_JSON, .u.s = {p, n}};
}

/* "NULL", "INT", "REAL", "TEXT", "BOOL", "TIME", "JSON", "DURATION",
 * "DECIMAL". */
const char *eng_vtype_name(int t);
/* The public type a value of type `t` is reported as. */
credo_type eng_vtype_public(int t);

/* ------------------------------------------------------------ buffers */

/* A growable byte string, malloc'ed; {0} is an empty buffer. */
typedef struct eng_buf {
  char *p;
  size_t n, cap;
} eng_buf;

/* Makes room for `extra` more bytes. CREDO_OK or CREDO_NOMEM. */
int eng_buf_reserve(eng_buf *b, size_t extra);
int eng_buf_put(eng_buf *b, const void *p, size_t n);
/* Appends printf output (NUL kept after the end, not counted). */
int eng_buf_printf(eng_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void eng_buf_free(eng_buf *b);

/* A bump allocator for the values of one row: eng_arena_reset forgets
 * every allocation at once (keeping the memory for the next row). */
typedef struct eng_arena_chunk eng_arena_chunk;
typedef struct eng_arena {
  eng_arena_chunk *head; /* the chunk being filled */
  eng_arena_chunk *all;  /* every chunk, for free */
} eng_arena;

/* `n` bytes, 8-aligned, valid until the next reset; NULL when out of
 * memory. */
void *eng_arena_alloc(eng_arena *a, size_t n);
/* A copy of p[0..n) with a NUL after it; NULL when out of memory. */
char *eng_arena_strdup(eng_arena *a, const char *p, size_t n);
void eng_arena_reset(eng_arena *a);
void eng_arena_free(eng_arena *a);

/* ------------------------------------------------------------ compare */

/* 1 for INT, DECIMAL and REAL. */
int eng_v_numeric(int t);
/* A numeric value as a double (INT, DECIMAL, REAL; 0 otherwise). */
double eng_v_double(const eng_value *v);
/* Compares two values of compatible types (both numeric, or equal types
 * among TEXT, BOOL, TIME, JSON, DURATION). Sets *cmp to <0, 0, >0 and
 * returns 0; returns -1 when they cannot be compared. Neither may be
 * NULL. */
int eng_v_compare(const eng_value *a, const eng_value *b, int *cmp);
/* A total order over all values, for ORDER BY, min and max: NULL first,
 * then by type class, then eng_v_compare. */
int eng_v_order(const eng_value *a, const eng_value *b);

/* Reads a TEXT value as a time in zone `tz` (seconds east of UTC).
 * CREDO_OK or CREDO_INVALID. */
int eng_v_text_time(const eng_value *v, int tz, credo_time *out);

/* ------------------------------------------------------------ render */

/* Renders `v` as text into `b` (from b->n, NUL-terminated; the NUL is not
 * counted): INT decimal, REAL shortest round-trip ("0.5", "2.0"), DECIMAL
 * its shortest exact text ("1348839.63", "2"), BOOL
 * "true"/"false", TIME ISO 8601 in zone `tz` ("open" for an open end),
 * DURATION as CQL writes it, TEXT and JSON as they are. NULL appends
 * nothing. CREDO_OK or CREDO_NOMEM. */
int eng_v_render(const eng_value *v, int tz, eng_buf *b);

/* Appends a canonical byte key of `v` to `b`: equal values (INT 2 and
 * REAL 2.0 included; all NULLs) give equal keys, different ones different
 * keys. */
int eng_v_key(const eng_value *v, eng_buf *b);

/* ------------------------------------------------------------- JSON */

/* Converts a JSON node to a value: null -> NULL, true/false -> BOOL,
 * integer -> INT, real -> DECIMAL (the shortest decimal that reads back
 * as the stored double, i.e. the number as written when it has at most 15
 * significant digits; REAL when no decimal holds it), string -> TEXT
 * (pointing into the node,
 * valid as long as it), object/array -> JSON text allocated in `a`.
 * CREDO_OK or CREDO_NOMEM. */
int eng_v_from_json(json_t *j, eng_arena *a, eng_value *out);
/* Converts a value to a new JSON node (TIME and DURATION as their text
 * in zone `tz`, JSON text parsed). NULL when out of memory or when a JSON
 * value is not valid JSON. */
json_t *eng_v_to_json(const eng_value *v, int tz);

/* ------------------------------------------------- materialized rows */

/* A row copied out of the scan's memory: n values whose texts live in the
 * same malloc'ed block. seq keeps input order for stable sorting. */
typedef struct eng_brow {
  size_t n;
  uint64_t seq;
  eng_value v[];
} eng_brow;

/* Copies the n values of `v` into one new block. NULL when out of
 * memory. Free with free(). */
eng_brow *eng_brow_make(const eng_value *v, size_t n, uint64_t seq);
/* The same from two arrays (output values then sort keys). */
eng_brow *eng_brow_make2(const eng_value *a, size_t na, const eng_value *b,
                         size_t nb, uint64_t seq);

#endif /* CREDO_ENG_VALUE_H */
