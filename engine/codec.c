/*
 * codec.c -- byte layouts of the engine's stored values: event versions,
 * subjects and types (docs/storage.md, "Values", is the reference).
 *
 * Integers in values are little-endian, fixed width; strings are stored
 * with a terminating NUL so that readers hand out pointers into the store
 * without copying. Decoders check every length against the value's size
 * and report CREDO_CORRUPT instead of reading past it.
 *
 * Does not: touch transactions or tables.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"

#define VERSION_HDR 60
#define VFLAG_RETRACTED 0x1 /* version flags byte (offset 2) */
#define VFLAG_REPAIRED 0x2
#define SUBJECT_HDR 12
#define TYPE_FLAGS_OFF 1 /* type record: flags byte */

void eng_put_u16(unsigned char *p, uint16_t v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
}

void eng_put_u32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

void eng_put_u64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

uint16_t eng_get_u16(const unsigned char *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t eng_get_u32(const unsigned char *p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

uint64_t eng_get_u64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

/* Strings of a version record, in stored order. */
#define NSTR 6

static void version_strings(const eng_version *v, const char *s[NSTR],
                            size_t n[NSTR]) {
  s[0] = v->subject;
  s[1] = v->source;
  s[2] = v->ref;
  s[3] = v->actor ? v->actor : "";
  s[4] = v->reason ? v->reason : "";
  s[5] = v->data ? v->data : "{}";
  for (int i = 0; i < NSTR; i++)
    n[i] = strlen(s[i]);
}

int eng_version_encode(const eng_version *v, unsigned char **buf, size_t *len) {
  const char *s[NSTR];
  size_t n[NSTR], total = VERSION_HDR;
  unsigned char *p, *q;

  version_strings(v, s, n);
  for (int i = 0; i < NSTR; i++) {
    if (i < 5 && n[i] > 0xffff)
      return CREDO_INVALID;
    total += n[i] + 1;
  }
  p = malloc(total);
  if (!p)
    return CREDO_NOMEM;
  memset(p, 0, VERSION_HDR);
  p[0] = ENG_RECORD_FORMAT;
  p[1] = v->op;
  p[2] = (unsigned char)((v->retracted ? VFLAG_RETRACTED : 0) |
                         (v->repaired ? VFLAG_REPAIRED : 0));
  eng_put_u32(p + 4, v->type_id);
  eng_put_u32(p + 8, v->vno);
  eng_put_u32(p + 12, (uint32_t)n[5]);
  eng_put_u64(p + 16, (uint64_t)v->recorded);
  eng_put_u64(p + 24, (uint64_t)v->occurred);
  eng_put_u64(p + 32, (uint64_t)v->public_from);
  eng_put_u64(p + 40, (uint64_t)v->public_until);
  for (int i = 0; i < 5; i++)
    eng_put_u16(p + 48 + 2 * i, (uint16_t)n[i]);
  q = p + VERSION_HDR;
  for (int i = 0; i < NSTR; i++) {
    memcpy(q, s[i], n[i] + 1);
    q += n[i] + 1;
  }
  *buf = p;
  *len = total;
  return CREDO_OK;
}

int eng_version_decode(stor_val val, eng_version *v) {
  const unsigned char *p = val.data;
  const char **dst[NSTR] = {&v->subject, &v->source, &v->ref,
                            &v->actor,   &v->reason, &v->data};
  size_t off = VERSION_HDR, n;

  if (val.len < VERSION_HDR || p[0] != ENG_RECORD_FORMAT)
    return CREDO_CORRUPT;
  v->op = p[1];
  v->retracted = (p[2] & VFLAG_RETRACTED) != 0;
  v->repaired = (p[2] & VFLAG_REPAIRED) != 0;
  v->type_id = eng_get_u32(p + 4);
  v->vno = eng_get_u32(p + 8);
  v->data_len = eng_get_u32(p + 12);
  v->recorded = (credo_time)eng_get_u64(p + 16);
  v->occurred = (credo_time)eng_get_u64(p + 24);
  v->public_from = (credo_time)eng_get_u64(p + 32);
  v->public_until = (credo_time)eng_get_u64(p + 40);
  for (int i = 0; i < NSTR; i++) {
    n = i < 5 ? eng_get_u16(p + 48 + 2 * i) : v->data_len;
    if (off + n + 1 > val.len || p[off + n] != '\0')
      return CREDO_CORRUPT;
    *dst[i] = (const char *)p + off;
    off += n + 1;
  }
  return off == val.len ? CREDO_OK : CREDO_CORRUPT;
}

int eng_subject_encode(credo_kind kind, const char *name, credo_time created,
                       unsigned char **buf, size_t *len) {
  size_t n = name ? strlen(name) : 0;
  unsigned char *p = malloc(SUBJECT_HDR + n + 1);
  if (!p)
    return CREDO_NOMEM;
  p[0] = ENG_RECORD_FORMAT;
  p[1] = (unsigned char)kind;
  eng_put_u16(p + 2, (uint16_t)n);
  eng_put_u64(p + 4, (uint64_t)created);
  memcpy(p + SUBJECT_HDR, n ? name : "", n + 1);
  *buf = p;
  *len = SUBJECT_HDR + n + 1;
  return CREDO_OK;
}

int eng_subject_decode(stor_val key, stor_val val, credo_subject_info *s) {
  const unsigned char *p = val.data;
  size_t n;
  if (val.len < SUBJECT_HDR + 1 || p[0] != ENG_RECORD_FORMAT)
    return CREDO_CORRUPT;
  n = eng_get_u16(p + 2);
  if (SUBJECT_HDR + n + 1 != val.len || p[SUBJECT_HDR + n] != '\0')
    return CREDO_CORRUPT;
  if (key.len < 2 || ((const char *)key.data)[key.len - 1] != '\0')
    return CREDO_CORRUPT;
  s->id = key.data;
  s->kind = (credo_kind)p[1];
  s->created = (credo_time)eng_get_u64(p + 4);
  s->name = (const char *)p + SUBJECT_HDR;
  return CREDO_OK;
}

void eng_subj_payload_encode(const eng_version *v,
                             unsigned char out[ENG_SUBJ_PAYLOAD]) {
  out[0] = v->retracted ? 1 : 0;
  eng_put_u64(out + 1, (uint64_t)v->public_from);
  eng_put_u64(out + 9, (uint64_t)v->public_until);
}

int eng_subj_payload_decode(stor_val val, eng_version *v) {
  const unsigned char *p = val.data;
  if (val.len != ENG_SUBJ_PAYLOAD)
    return CREDO_CORRUPT;
  v->retracted = p[0] & 1;
  v->public_from = (credo_time)eng_get_u64(p + 1);
  v->public_until = (credo_time)eng_get_u64(p + 9);
  return CREDO_OK;
}

size_t eng_type_len(const eng_type *t) {
  return t->flags & ENG_TYPE_HAS_FIELDS ? ENG_TYPE_LEN + strlen(t->fields) + 1
                                        : ENG_TYPE_LEN;
}

void eng_type_encode(const eng_type *t, unsigned char *out) {
  memset(out, 0, ENG_TYPE_LEN);
  out[0] = ENG_RECORD_FORMAT;
  out[TYPE_FLAGS_OFF] = (unsigned char)(t->flags & ENG_TYPE_FLAGS);
  eng_put_u32(out + 4, t->id);
  eng_put_u32(out + 8, (uint32_t)t->publicity.months);
  eng_put_u64(out + 12, (uint64_t)t->publicity.usec);
  eng_put_u32(out + 20, (uint32_t)t->repairable_after.months);
  eng_put_u64(out + 24, (uint64_t)t->repairable_after.usec);
  eng_put_u64(out + 32, (uint64_t)t->created);
  if (t->flags & ENG_TYPE_HAS_FIELDS)
    memcpy(out + ENG_TYPE_LEN, t->fields, strlen(t->fields) + 1);
}

int eng_type_decode(const char *name, stor_val val, eng_type *t) {
  const unsigned char *p = val.data;
  size_t n = strlen(name), fl;
  if (val.len < ENG_TYPE_LEN || p[0] != ENG_RECORD_FORMAT ||
      n > ENG_MAX_TYPE_NAME || (p[TYPE_FLAGS_OFF] & ~ENG_TYPE_FLAGS))
    return CREDO_CORRUPT;
  memcpy(t->name, name, n + 1);
  t->flags = p[TYPE_FLAGS_OFF];
  t->id = eng_get_u32(p + 4);
  t->publicity.months = (int32_t)eng_get_u32(p + 8);
  t->publicity.usec = (int64_t)eng_get_u64(p + 12);
  t->repairable_after.months = (int32_t)eng_get_u32(p + 20);
  t->repairable_after.usec = (int64_t)eng_get_u64(p + 24);
  t->created = (credo_time)eng_get_u64(p + 32);
  t->fields[0] = '\0';
  t->retain = (credo_duration){0, 0}; /* its own table: eng_retain_get */
  fl = val.len - ENG_TYPE_LEN;
  if (t->flags & ENG_TYPE_HAS_FIELDS) {
    if (fl == 0 || fl > ENG_MAX_FIELDS + 1 || p[val.len - 1] != '\0' ||
        strlen((const char *)p + ENG_TYPE_LEN) != fl - 1)
      return CREDO_CORRUPT;
    memcpy(t->fields, p + ENG_TYPE_LEN, fl);
  } else if (fl != 0)
    return CREDO_CORRUPT;
  /* a record written before the flags: a zero PUBLICITY was an open
   * window */
  if (!(t->flags & (CREDO_TYPE_OPEN | CREDO_TYPE_NOT_PUBLISHED)) &&
      t->publicity.months == 0 && t->publicity.usec == 0)
    t->flags |= CREDO_TYPE_OPEN;
  return t->id ? CREDO_OK : CREDO_CORRUPT;
}
