/*
 * codec.h -- value layouts of subjects, types and event versions (the
 * version codec itself is declared in eng.h). Little-endian helpers.
 */
#ifndef CREDO_CODEC_H
#define CREDO_CODEC_H

#include "eng.h"

#define ENG_RECORD_FORMAT 1 /* first byte of every engine value */
#define ENG_TYPE_LEN 40     /* fixed part of a type record */

void eng_put_u16(unsigned char *p, uint16_t v);
void eng_put_u32(unsigned char *p, uint32_t v);
void eng_put_u64(unsigned char *p, uint64_t v);
uint16_t eng_get_u16(const unsigned char *p);
uint32_t eng_get_u32(const unsigned char *p);
uint64_t eng_get_u64(const unsigned char *p);

/* Subject value: malloc'ed into *buf. */
int eng_subject_encode(credo_kind kind, const char *name, credo_time created,
                       unsigned char **buf, size_t *len);
/* Points s->id at the key and s->name into the value. */
int eng_subject_decode(stor_val key, stor_val val, credo_subject_info *s);

/* The value of a subj_events entry: the latest version's publicity
 * (flags byte, bit 0 retracted; public_from; public_until, i64 LE), so a
 * "public now" look-up skips hidden events without reading them. */
#define ENG_SUBJ_PAYLOAD 17
void eng_subj_payload_encode(const eng_version *v,
                             unsigned char out[ENG_SUBJ_PAYLOAD]);
/* Fills the retracted / public_from / public_until fields of *v from a
 * payload; CREDO_CORRUPT when `val` is not one. */
int eng_subj_payload_decode(stor_val val, eng_version *v);

/* A type record: ENG_TYPE_LEN fixed bytes, then the PUBLIC FIELDS list
 * and its NUL when the type has one; eng_type_len gives its size. */
size_t eng_type_len(const eng_type *t);
void eng_type_encode(const eng_type *t, unsigned char *out);
int eng_type_decode(const char *name, stor_val val, eng_type *t);

#endif
