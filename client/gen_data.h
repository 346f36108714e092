/*
 * gen_data.h -- what `credo gen` (client/cmd_gen.c) and the benchmark's
 * in-process generator (bench/bs_gen.c) share, so both describe the same
 * subjects from the same random stream: splitmix64, the Xiamen catalogue
 * (types and departments, districts, names, type mixes, legal bases), the
 * identifiers (valid USCCs and resident ids, bijections of the subject
 * number), the subjects, the Zipf-skewed events per subject, and the type
 * and department of each event.
 *
 * Invariants: pure functions of their arguments; no global mutable state.
 * Changing anything here changes both datasets (and the published
 * benchmark figures' data), on purpose together.
 *
 * Does not: write output or know types' windows.
 */
#ifndef CREDO_GEN_DATA_H
#define CREDO_GEN_DATA_H

#include <stddef.h>
#include <stdint.h>

#define GEN_COUNT(a) (sizeof(a) / sizeof *(a))

/* splitmix64 */
typedef struct gen_rng {
  uint64_t s;
} gen_rng;

static inline uint64_t gen_next64(gen_rng *r) {
  uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}
static inline uint32_t gen_below(gen_rng *r, uint32_t n) {
  return (uint32_t)(gen_next64(r) % n);
}
static inline double gen_unit(gen_rng *r) {
  return (double)(gen_next64(r) >> 11) * 0x1.0p-53;
}

/* The types, in the order of both generators' catalogues. */
enum {
  T_MINOR,
  T_GENERAL,
  T_SERIOUS,
  T_LICENCE,
  T_COMMIT,
  T_BREACH,
  T_HONOUR,
  T_LIST,
  T_TAX,
  GEN_NTYPES
};
/* The departments, in the order of both generators' source tables. */
enum { S_MARKET, S_ENV, S_TAX, S_COURT, S_DEV, S_HOUSING, GEN_NSOURCES };

#define GEN_MAX_PER_SUBJECT 100

typedef struct gen_district {
  const char *code, *name;
} gen_district;

extern const gen_district GEN_DISTRICTS[6];
/* Weights per type for enterprises and for persons (per mille). */
extern const int GEN_ORG_MIX[GEN_NTYPES], GEN_PERSON_MIX[GEN_NTYPES];
/* Legal bases of penalties, two per source ("" for court and dev). */
extern const char *const GEN_BASES[GEN_NSOURCES][2];
/* Name parts; the counts are the arrays' lengths. */
extern const char *const GEN_WORDS[15],
    *const GEN_TRADES[14], *const GEN_SURNAMES[16], *const GEN_GIVEN[22];

/* A valid USCC (GB 32100) for subject number `n`: category `cat` ("91"
 * enterprise, "92" individual business), the district code, an
 * organisation code "MA" + 6 chars that is a bijection of n (its GB 11714
 * check char valid too), and the check char. */
void gen_make_uscc(uint64_t n, const char *cat, const char *district,
                   char out[19]);
/* A valid resident id (GB 11643) for person number `n`: district, a real
 * birth date from 1950-2005, a sequence and the check char; a bijection
 * of n, so ids never repeat. */
void gen_make_resident_id(uint64_t n, char out[19]);
/* Day number `k` counted from y0-01-01 as a date. */
void gen_date_of(int y0, int k, int *y, int *m, int *d);

/* Subject number i of a dataset whose subjects derive from `base`:
 * about 72% enterprises, 8% individual businesses, 20% persons. Writes
 * its id and name (n bytes); returns 1 for a person. */
int gen_subject(uint64_t base, uint64_t i, char id[19], char *name, size_t n);

/* Events per subject: `counts[subjects]` filled with Zipf-skewed counts
 * (1..GEN_MAX_PER_SUBJECT) drawn from `r`, scaled to sum to *events when
 * it is not 0 (capped at subjects x the maximum; *events is updated), or
 * left as drawn with *events set to their sum. */
void gen_plan_counts(gen_rng *r, uint64_t subjects, uint64_t *events,
                     int *counts);

/* A type for an enterprise or a person (the per-mille mixes). */
int gen_pick_type(gen_rng *r, int person);
/* The department that records a type (penalties spread over several). */
int gen_source_of(gen_rng *r, int type);

/* The decision numbers given so far: one counter per series (each type
 * but the penalties, the penalties of each department, the housing
 * bureau's licences) and year 2021-2025. Start it zeroed. */
#define GEN_NSERIES (GEN_NTYPES + GEN_NSOURCES + 1)
typedef struct gen_refs {
  uint32_t seq[GEN_NSERIES][5];
} gen_refs;
/* The next decision number of `type` recorded by `src` in `year`
 * (2021-2025) into out[n]: 厦市监罚〔2025〕123号, （2025）闽02执123号,
 * ... numbered per series and year, so (source, ref) never repeats. */
void gen_make_ref(gen_refs *r, int type, int src, int year, char *out,
                  size_t n);

#endif /* CREDO_GEN_DATA_H */
