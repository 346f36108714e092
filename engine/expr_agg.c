/*
 * expr_agg.c -- the aggregates: count, sum, avg, min, max, string_agg,
 * with DISTINCT and FILTER (WHERE ...).
 *
 * Invariants:
 *  - FILTER is evaluated first: a row whose condition is not true does
 *    not reach the aggregate at all (count(*) FILTER counts only rows that
 *    pass);
 *  - DISTINCT keeps the canonical key (eng_v_key) of every value fed, so
 *    2 and 2.0 count once; NULLs are never fed (as every aggregate but
 *    count(*) ignores them);
 *  - sum over INT stays INT (REAL after an overflow), over DECIMAL (and
 *    INT) is exact (DECIMAL; REAL only when the exact sum needs more than
 *    18 digits), over REAL is REAL, over durations a duration; avg is
 *    DECIMAL over INT / DECIMAL (exact to 18 digits), REAL over REAL;
 *  - non-numbers from a JSON path are skipped by sum / avg (free-form
 *    data), other non-numbers are an error; min / max order any one type
 *    (numbers, texts, times, durations) and own a copy of the best value.
 *
 * Does not: group rows (exec_group.c).
 */
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"

/* ------------------------------------------------------ DISTINCT set */

struct eng_agg_seen {
  eng_buf *keys; /* cap slots; an empty slot has p == NULL */
  size_t cap, n;
};

static uint64_t hash_bytes(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
  return h;
}

static int seen_grow(eng_agg_seen *s) {
  size_t cap = s->cap ? s->cap * 2 : 16;
  eng_buf *k = calloc(cap, sizeof *k);
  if (!k)
    return CREDO_NOMEM;
  for (size_t i = 0; i < s->cap; i++) {
    size_t j;
    if (!s->keys[i].p)
      continue;
    j = hash_bytes(s->keys[i].p, s->keys[i].n) & (cap - 1);
    while (k[j].p)
      j = (j + 1) & (cap - 1);
    k[j] = s->keys[i];
  }
  free(s->keys);
  s->keys = k;
  s->cap = cap;
  return CREDO_OK;
}

/* 1 when key was already in the set, 0 when added; -1 out of memory. */
static int seen_add(eng_agg_seen *s, eng_buf *key) {
  size_t j;
  if ((s->n + 1) * 2 > s->cap && seen_grow(s) != CREDO_OK)
    return -1;
  j = hash_bytes(key->p, key->n) & (s->cap - 1);
  for (; s->keys[j].p; j = (j + 1) & (s->cap - 1))
    if (s->keys[j].n == key->n && memcmp(s->keys[j].p, key->p, key->n) == 0)
      return 1;
  s->keys[j] = *key; /* the set takes the buffer */
  *key = (eng_buf){0};
  s->n++;
  return 0;
}

static void seen_free(eng_agg_seen *s) {
  if (!s)
    return;
  for (size_t i = 0; i < s->cap; i++)
    eng_buf_free(&s->keys[i]);
  free(s->keys);
  free(s);
}

int eng_keyset_add(eng_agg_seen **s, const eng_value *v) {
  eng_buf key = {0};
  int r;
  if (!*s && !(*s = calloc(1, sizeof **s)))
    return CREDO_NOMEM;
  if (eng_v_key(v, &key) != CREDO_OK) {
    eng_buf_free(&key);
    return CREDO_NOMEM;
  }
  r = seen_add(*s, &key);
  eng_buf_free(&key);
  return r < 0 ? CREDO_NOMEM : r;
}

int eng_keyset_has(const eng_agg_seen *s, const eng_value *v) {
  eng_buf key = {0};
  int found = 0;
  if (!s || !s->cap || eng_v_key(v, &key) != CREDO_OK) {
    eng_buf_free(&key);
    return 0;
  }
  for (size_t j = hash_bytes(key.p, key.n) & (s->cap - 1); s->keys[j].p;
       j = (j + 1) & (s->cap - 1))
    if (s->keys[j].n == key.n && memcmp(s->keys[j].p, key.p, key.n) == 0) {
      found = 1;
      break;
    }
  eng_buf_free(&key);
  return found;
}

void eng_keyset_free(eng_agg_seen *s) {
  seen_free(s);
}

/* 1 when v was fed before (skip it), 0 when new; an error code < 0. */
static int distinct_seen(eng_ectx *x, eng_agg_state *s, const eng_value *v) {
  int r = eng_keyset_add(&s->seen, v);
  return r < 0 ? eng_ectx_oom(x) : r;
}

/* --------------------------------------------------------------- steps */

static int agg_sum(eng_ectx *x, const eng_agg_spec *a, const eng_value *v,
                   eng_agg_state *s) {
  const char *fn = a->fn == ENG_FN_SUM ? "sum" : "avg";
  if (v->t == ENG_V_DURATION ? s->count && !s->dur
                             : s->dur && eng_v_numeric(v->t))
    return eng_eval_type_err(x, a->arg,
                             "type mismatch: %s cannot mix durations with "
                             "%s",
                             fn, "numbers");
  if (v->t == ENG_V_INT)
    eng_agg_sum_int(s, v->u.i);
  else if (v->t == ENG_V_REAL) {
    s->real = 1;
    s->rsum += v->u.r;
  } else if (v->t == ENG_V_DECIMAL) {
    s->dec = 1;
    if (eng_dec_acc_add(&s->dsum, v->u.dec) != CREDO_OK)
      return eng_cql_err(x->db, CREDO_RANGE, a->arg->line, a->arg->col,
                         "%s: decimal overflow", fn);
  } else if (v->t == ENG_V_DURATION) {
    s->dur = 1;
    s->dsum_d.months += v->u.d.months;
    s->dsum_d.usec += v->u.d.usec;
  } else if (a->arg->kind == ENG_X_JPATH)
    return CREDO_OK; /* free-form data: non-numbers are skipped */
  else
    return eng_eval_type_err(x, a->arg,
                             "type mismatch: %s needs numbers, got %s", fn,
                             eng_vtype_name(v->t));
  s->count++;
  return CREDO_OK;
}

static int agg_string(eng_ectx *x, const eng_agg_spec *a, const eng_value *v,
                      eng_agg_state *s) {
  eng_value sep = eng_v_null();
  int rc;
  if (a->arg2 && (rc = eng_eval(x, a->arg2, &sep)) != CREDO_OK)
    return rc;
  if (s->count && sep.t != ENG_V_NULL &&
      eng_v_render(&sep, x->db->tz, &s->text) != CREDO_OK)
    return eng_ectx_oom(x);
  if (eng_v_render(v, x->db->tz, &s->text) != CREDO_OK)
    return eng_ectx_oom(x);
  s->count++;
  return CREDO_OK;
}

static int agg_best(eng_ectx *x, const eng_agg_spec *a, const eng_value *v,
                    eng_agg_state *s) {
  int c = 0, better;
  if (s->best && eng_v_compare(v, &s->best->v[0], &c) != 0) {
    if (a->arg->kind == ENG_X_JPATH)
      return CREDO_OK;
    return eng_eval_type_err(x, a->arg, "type mismatch: %s cannot compare %s",
                             a->fn == ENG_FN_MIN ? "min" : "max",
                             "values of different types");
  }
  s->count++;
  better = !s->best || (a->fn == ENG_FN_MIN ? c < 0 : c > 0);
  if (better) {
    eng_brow *b = eng_brow_make(v, 1, 0);
    if (!b)
      return eng_ectx_oom(x);
    free(s->best);
    s->best = b;
  }
  return CREDO_OK;
}

int eng_agg_step(eng_ectx *x, const eng_agg_spec *a, eng_agg_state *s) {
  eng_value v;
  int rc, tri;
  if (a->filter) {
    if ((rc = eng_eval_cond(x, a->filter, &tri)) != CREDO_OK)
      return rc;
    if (tri != 1)
      return CREDO_OK;
  }
  if (a->fn == ENG_FN_COUNT_STAR) {
    s->count++;
    return CREDO_OK;
  }
  if ((rc = eng_eval(x, a->arg, &v)) != CREDO_OK)
    return rc;
  if (v.t == ENG_V_NULL)
    return CREDO_OK;
  if (a->distinct && (rc = distinct_seen(x, s, &v)) != 0)
    return rc > 0 ? CREDO_OK : rc;
  switch (a->fn) {
  case ENG_FN_COUNT:
    s->count++;
    return CREDO_OK;
  case ENG_FN_SUM:
  case ENG_FN_AVG:
    return agg_sum(x, a, &v, s);
  case ENG_FN_STRING_AGG:
    return agg_string(x, a, &v, s);
  default:
    return agg_best(x, a, &v, s);
  }
}

/* ---------------------------------------------------------- results */

/* The exact sum of INTs and DECIMALs; 0 when it needs more than 18
 * digits. */
static int exact_sum(const eng_agg_state *s, eng_dec_acc *acc) {
  eng_dec d;
  *acc = s->dsum;
  if (eng_dec_from_int(s->isum, &d) != CREDO_OK)
    return 0;
  return eng_dec_acc_add(acc, d) == CREDO_OK;
}

static void final_sum(const eng_agg_state *s, int avg, eng_value *out) {
  eng_dec_acc acc;
  eng_dec d;
  double r = s->rsum + (double)s->isum + eng_dec_acc_double(&s->dsum);
  if (s->dur) {
    credo_duration t = s->dsum_d;
    if (avg) /* months averaged as 30 days, as PostgreSQL's intervals */
      t = (credo_duration){
          0, (t.usec + (int64_t)t.months * 30 * 86400000000LL) / s->count};
    *out = eng_v_dur(t);
  } else if (s->real)
    *out = eng_v_real(avg ? r / (double)s->count : r);
  else if (!avg && !s->dec)
    *out = eng_v_int(s->isum);
  else if (!exact_sum(s, &acc))
    *out = eng_v_real(avg ? r / (double)s->count : r);
  else if ((avg ? eng_dec_acc_avg(&acc, s->count, &d)
                : eng_dec_acc_value(&acc, &d)) == CREDO_OK)
    *out = eng_v_dec(d);
  else
    *out = eng_v_real(avg ? r / (double)s->count : r);
}

void eng_agg_final(const eng_agg_spec *a, const eng_agg_state *s,
                   eng_value *out) {
  switch (a->fn) {
  case ENG_FN_COUNT_STAR:
  case ENG_FN_COUNT:
    *out = eng_v_int(s->count);
    return;
  case ENG_FN_SUM:
  case ENG_FN_AVG:
    if (!s->count)
      *out = eng_v_null();
    else
      final_sum(s, a->fn == ENG_FN_AVG, out);
    return;
  case ENG_FN_STRING_AGG:
    *out = s->count ? eng_v_text(s->text.p ? s->text.p : "", s->text.n)
                    : eng_v_null();
    return;
  default:
    *out = s->best ? s->best->v[0] : eng_v_null();
  }
}

void eng_agg_state_free(eng_agg_state *s) {
  free(s->best);
  s->best = NULL;
  eng_buf_free(&s->text);
  seen_free(s->seen);
  s->seen = NULL;
}
