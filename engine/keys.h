/*
 * keys.h -- the byte layouts of the engine's index keys, as
 * docs/storage.md tables them: offsets and lengths by name, so that the
 * code that builds keys (stor_key_* calls in field order) and the code
 * that reads them back (read.c, check.c, ...) cannot drift apart. Fields
 * are big-endian (u32, u64; i64 sign-flipped) per storage/stor.h.
 *
 * Does not: build keys (storage/keys.c does, field by field).
 */
#ifndef CREDO_ENG_KEYS_H
#define CREDO_ENG_KEYS_H

/* An event id: u64. Last field of every event index key. */
#define ENG_K_ID_LEN 8
/* A type id in type_ids and type_events: u32. */
#define ENG_K_TYPE_LEN 4

/* events: [0..8) event id. */
#define ENG_K_EVENTS_LEN ENG_K_ID_LEN

/* versions: [0..8) event id | [8..16) recorded | [16..20) version number */
#define ENG_K_VER_ID 0
#define ENG_K_VER_RECORDED 8
#define ENG_K_VER_VNO 16
#define ENG_K_VER_LEN 20

/* type_events: [0..4) type id | [4..12) event id */
#define ENG_K_TE_TYPE 0
#define ENG_K_TE_ID ENG_K_TYPE_LEN
#define ENG_K_TE_LEN (ENG_K_TYPE_LEN + ENG_K_ID_LEN)

/* until_events: [0..8) public_until | [8..16) event id */
#define ENG_K_UE_UNTIL 0
#define ENG_K_UE_ID 8
#define ENG_K_UE_LEN (8 + ENG_K_ID_LEN)

/* subj_events and source_ref: strings (each with its 00), then the id:
 * the id's offset in a key of `len` bytes. */
#define ENG_K_TAIL_ID(len) ((len)-ENG_K_ID_LEN)

_Static_assert(ENG_K_VER_RECORDED == ENG_K_VER_ID + ENG_K_ID_LEN &&
                   ENG_K_VER_VNO == ENG_K_VER_RECORDED + 8 &&
                   ENG_K_VER_LEN == ENG_K_VER_VNO + 4,
               "versions key: id u64, recorded i64, vno u32");
_Static_assert(ENG_K_TE_LEN == 12 && ENG_K_UE_LEN == 16,
               "docs/storage.md: type_events 12 bytes, until_events 16");

#endif /* CREDO_ENG_KEYS_H */
