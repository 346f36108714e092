/*
 * cmd_jspan.c -- finds the text of one top-level member's value in a JSON
 * object's text, so `credo import` can hand an event's "data" to the
 * engine exactly as written: the engine's canonical writer keeps numbers
 * of up to 18 significant digits as written (docs/import.md), which a
 * round trip through jansson's doubles (json_loads + json_dumps) would
 * cut to 17.
 *
 * cmd_json_dump_raw writes an object back with some members' values taken
 * from such spans (CSV import: number cells and a whole `data` cell).
 *
 * Contract: the text has already been parsed by jansson (it is valid
 * JSON); this scanner only skips strings (with escapes), nested objects
 * and arrays, and scalars. A key is compared as its raw text between the
 * quotes, so a key spelled with escapes is not found (the caller then
 * keeps the re-serialised value). The last member with the key wins, as
 * in jansson.
 *
 * Does not: validate or decode escapes; only cmd_json_dump_raw allocates.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"

typedef struct jsc {
  const char *p, *end;
} jsc;

static void ws(jsc *s) {
  while (s->p < s->end && strchr(" \t\r\n", *s->p) && *s->p)
    s->p++;
}

/* Past a string starting at s->p ('"'). */
static int skip_str(jsc *s) {
  for (s->p++; s->p < s->end; s->p++) {
    if (*s->p == '\\')
      s->p++;
    else if (*s->p == '"') {
      s->p++;
      return 0;
    }
  }
  return -1;
}

/* Past one value (string, object, array or scalar). */
static int skip_val(jsc *s) {
  if (s->p >= s->end)
    return -1;
  if (*s->p == '"')
    return skip_str(s);
  if (*s->p == '{' || *s->p == '[') {
    int depth = 0;
    while (s->p < s->end) {
      char ch = *s->p;
      if (ch == '"') {
        if (skip_str(s))
          return -1;
        continue;
      }
      if (ch == '{' || ch == '[')
        depth++;
      else if ((ch == '}' || ch == ']') && --depth == 0) {
        s->p++;
        return 0;
      }
      s->p++;
    }
    return -1;
  }
  while (s->p < s->end && *s->p && !strchr(",}] \t\r\n", *s->p))
    s->p++;
  return 0;
}

int cmd_json_member_span(const char *text, size_t len, const char *key,
                         const char **start, size_t *n) {
  jsc s = {text, text + len};
  size_t klen = strlen(key);
  int found = 0;
  ws(&s);
  if (s.p >= s.end || *s.p != '{')
    return -1;
  s.p++;
  for (;;) {
    ws(&s);
    if (s.p < s.end && *s.p == '}')
      break;
    const char *k = s.p;
    if (s.p >= s.end || *s.p != '"' || skip_str(&s))
      return -1;
    int match = (size_t)(s.p - k) == klen + 2 && memcmp(k + 1, key, klen) == 0;
    ws(&s);
    if (s.p >= s.end || *s.p != ':')
      return -1;
    s.p++;
    ws(&s);
    const char *v = s.p;
    if (skip_val(&s))
      return -1;
    if (match)
      *start = v, *n = (size_t)(s.p - v), found = 1;
    ws(&s);
    if (s.p < s.end && *s.p == ',')
      s.p++;
    else
      break;
  }
  return found ? 0 : -1;
}

/* Appends s[0..n) to the malloc'ed *buf of length *len; -1 when out of
 * memory (then *buf is freed and NULL). */
static int append(char **buf, size_t *len, const char *s, size_t n) {
  char *t = realloc(*buf, *len + n + 1);
  if (!t) {
    free(*buf);
    *buf = NULL;
    return -1;
  }
  memcpy(t + *len, s, n);
  *len += n;
  t[*len] = 0;
  *buf = t;
  return 0;
}

static int append_json(char **buf, size_t *len, json_t *v) {
  char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER |
                              JSON_REAL_PRECISION(17));
  int rc = s ? append(buf, len, s, strlen(s)) : -1;
  free(s);
  return rc;
}

char *cmd_json_dump_raw(json_t *obj, json_t *raw) {
  char *buf = NULL;
  size_t len = 0, i = 0;
  const char *k;
  json_t *v;
  if (append(&buf, &len, "{", 1))
    return NULL;
  json_object_foreach(obj, k, v) {
    json_t *key = json_string(k), *r = json_object_get(raw, k);
    int rc =
        !key || (i++ && append(&buf, &len, ",", 1)) ||
        append_json(&buf, &len, key) || append(&buf, &len, ":", 1) ||
        (r ? append(&buf, &len, json_string_value(r), json_string_length(r))
           : append_json(&buf, &len, v));
    json_decref(key);
    if (rc) {
      free(buf);
      return NULL;
    }
  }
  if (append(&buf, &len, "}", 1))
    return NULL;
  return buf;
}
