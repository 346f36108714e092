/*
 * names.c -- the name index of subjects (table STOR_NAME_GRAMS) and the
 * name search built on it (credo_search_subjects).
 *
 * Key layout (docs/storage.md): the gram (two consecutive code points of
 * the folded name, as UTF-8), 0x00, the subject id, 0x00; the value is
 * empty. "Folded" is Unicode NFKC with case folding (utf8proc), so that
 * full-width and half-width forms, and upper and lower case, match:
 * "（ＡＢ）" and "(ab)" fold alike. Every subject with a name of two or
 * more code points has one entry per distinct gram of its name.
 *
 * Invariants: the index is written in the same write transaction as the
 * subject record (eng_name_index is the one function that writes it, for
 * a new subject and for a renamed one), so a committed subject is always
 * findable. A search verifies every candidate against the stored name,
 * so the index only has to give a superset: grams never produce a false
 * answer, only candidates to check.
 *
 * Search: the posting lists of the query's grams are sorted by subject
 * id; a leapfrog join walks them together (seek every list to the largest
 * current id until all agree), so the work is bounded by the rarest gram's
 * list, not by the number of subjects.
 *
 * Does not: store subjects (subjects.c) or decide who may see a person
 * (the public role never gets persons from a name search: a person is
 * looked up by the full resident id only).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "codec.h"
#include "eng.h"
#include "ids.h"

/* META key telling that every subject of the store is in the index. */
static const char KEY_NAMES_INDEXED[] = "names_indexed";

#define GRAM_MAX 8    /* two code points, at most 4 UTF-8 bytes each */
#define QUERY_GRAMS 8 /* grams of a query joined; the rest are verified */

/* Folds `s` (NFKC + case fold) into a malloc'ed NUL-terminated string. */
static int fold(const char *s, char **out) {
  utf8proc_uint8_t *dst = NULL;
  utf8proc_ssize_t n;
  n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)strlen(s),
                   &dst,
                   UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                       UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
  if (n < 0)
    return n == UTF8PROC_ERROR_NOMEM ? CREDO_NOMEM : CREDO_INVALID;
  *out = (char *)dst;
  return CREDO_OK;
}

/* Byte length of the code point at p (1..4), 0 at the end. */
static size_t cp_len(const char *p) {
  utf8proc_int32_t cp;
  utf8proc_ssize_t n;
  if (!*p)
    return 0;
  n = utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &cp);
  return n > 0 ? (size_t)n : 1;
}

/* Calls fn for each gram (two code points) of folded text `f`. */
typedef int (*gram_fn)(const char *gram, size_t len, void *arg);
static int each_gram(const char *f, gram_fn fn, void *arg) {
  size_t a, b;
  int rc;
  for (; (a = cp_len(f)) != 0; f += a) {
    if ((b = cp_len(f + a)) == 0)
      break;
    if (a + b <= GRAM_MAX && (rc = fn(f, a + b, arg)) != CREDO_OK)
      return rc;
  }
  return CREDO_OK;
}

/* The index key of (gram, id); overflow set when it does not fit. */
static void gram_key(stor_key *k, const char *gram, size_t len,
                     const char *id) {
  char g[GRAM_MAX + 1];
  memcpy(g, gram, len);
  g[len] = '\0';
  stor_key_init(k);
  stor_key_str(k, g);
  if (id)
    stor_key_str(k, id);
}

typedef struct gram_write {
  stor_txn *txn;
  const char *id;
  int del;
} gram_write;

static int write_gram(const char *gram, size_t len, void *arg) {
  gram_write *w = arg;
  stor_key k;
  int rc;
  gram_key(&k, gram, len, w->id);
  if (w->del)
    rc = stor_del(w->txn, STOR_NAME_GRAMS, stor_key_val(&k));
  else
    rc = stor_put(w->txn, STOR_NAME_GRAMS, stor_key_val(&k), (stor_val){"", 0});
  return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
}

static int grams_write(stor_txn *txn, const char *id, const char *name,
                       int del) {
  gram_write w = {txn, id, del};
  char *f = NULL;
  int rc;
  if (!name || !*name)
    return CREDO_OK;
  if ((rc = fold(name, &f)) != CREDO_OK)
    return rc;
  rc = each_gram(f, write_gram, &w);
  free(f);
  return rc;
}

int eng_name_index(credo *db, stor_txn *txn, const char *id,
                   const char *old_name, const char *new_name) {
  int rc;
  if ((rc = grams_write(txn, id, old_name, 1)) == CREDO_OK)
    rc = grams_write(txn, id, new_name, 0);
  if (rc != CREDO_OK)
    return eng_err_stor(db, rc, "cannot index a subject name");
  return CREDO_OK;
}

/* ------------------------------------------------------------ upgrade */

/* Subjects indexed per write transaction by the upgrade: bounded, so that
 * a store of millions of subjects never makes one huge transaction. */
#define UPGRADE_BATCH 50000

typedef struct upgrade {
  stor_txn *txn;
  unsigned n;
  char next[ENG_MAX_SUBJECT_ID + 2]; /* first subject of the next batch */
  int rc;
} upgrade;

static int index_one(const credo_subject_info *s, void *arg) {
  upgrade *u = arg;
  if (u->n == UPGRADE_BATCH) {
    snprintf(u->next, sizeof u->next, "%s", s->id);
    return 1; /* stop; this subject starts the next batch */
  }
  if ((u->rc = grams_write(u->txn, s->id, s->name, 0)) != CREDO_OK)
    return u->rc;
  u->n++;
  return 0;
}

/* Indexes the subjects from id `from` on (inclusive), one batch, in its
 * own write transaction; the last batch also sets META names_indexed.
 * *next is "" after the last batch. */
static int upgrade_batch(credo *db, const char *from, char *next, size_t n) {
  stor_val k = {KEY_NAMES_INDEXED, sizeof KEY_NAMES_INDEXED - 1};
  upgrade u = {.n = 0};
  int rc;
  if ((rc = stor_txn_begin(db->store->stor, 1, &u.txn)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot index subject names");
  rc = eng_subjects_walk(db, u.txn, from, index_one, &u);
  if (rc == 1)
    rc = CREDO_OK; /* a full batch: more follow */
  else if (rc == CREDO_OK)
    rc = stor_put(u.txn, STOR_META, k, (stor_val){"\1", 1});
  else if (u.rc != CREDO_OK)
    rc = u.rc;
  if (rc != CREDO_OK) {
    stor_txn_abort(u.txn);
    return eng_err_stor(db, rc, "cannot index subject names");
  }
  if ((rc = stor_txn_commit(u.txn)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot index subject names");
  snprintf(next, n, "%s", u.next);
  return CREDO_OK;
}

int eng_names_upgrade(credo *db) {
  stor_val k = {KEY_NAMES_INDEXED, sizeof KEY_NAMES_INDEXED - 1}, v;
  char from[ENG_MAX_SUBJECT_ID + 2] = "", next[ENG_MAX_SUBJECT_ID + 2];
  stor_txn *txn;
  int rc;
  if ((rc = stor_txn_begin(db->store->stor, 0, &txn)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot read the store");
  rc = stor_get(txn, STOR_META, k, &v);
  stor_txn_abort(txn);
  if (rc != CREDO_NOTFOUND)
    return rc == CREDO_OK ? CREDO_OK
                          : eng_err_stor(db, rc, "cannot read the store");
  /* batches are idempotent (puts of the same keys): an interrupted
   * upgrade simply starts over at the next open */
  do {
    if ((rc = upgrade_batch(db, from, next, sizeof next)) != CREDO_OK)
      return rc;
    memcpy(from, next, sizeof from);
  } while (from[0]);
  return CREDO_OK;
}

/* ------------------------------------------------------------- search */

typedef struct gram_list {
  char g[QUERY_GRAMS][GRAM_MAX + 1];
  int n;
} gram_list;

static int add_gram(const char *gram, size_t len, void *arg) {
  gram_list *l = arg;
  int i;
  for (i = 0; i < l->n; i++)
    if (strlen(l->g[i]) == len && memcmp(l->g[i], gram, len) == 0)
      return CREDO_OK;
  if (l->n < QUERY_GRAMS) {
    memcpy(l->g[l->n], gram, len);
    l->g[l->n++][len] = '\0';
  }
  return CREDO_OK;
}

/* One posting list: its cursor and the subject id it stands on. */
typedef struct posting {
  stor_cursor *c;
  const char *gram;
  size_t glen; /* gram bytes + NUL */
  const char *id;
} posting;

/* Puts p on the first entry with id >= `id` (> when `after`); 0, or
 * CREDO_NOTFOUND when the list is exhausted. */
static int post_seek(posting *p, const char *id, int after) {
  stor_key k;
  stor_val key;
  int rc;
  stor_key_init(&k);
  stor_key_str(&k, p->gram);
  stor_key_str(&k, id);
  if (k.overflow)
    return CREDO_NOTFOUND;
  rc = stor_cursor_seek(p->c, stor_key_val(&k), &key, NULL);
  if (rc == CREDO_OK && after && key.len == k.len &&
      memcmp(key.data, k.buf, k.len) == 0)
    rc = stor_cursor_next(p->c, &key, NULL);
  if (rc != CREDO_OK)
    return rc;
  if (key.len <= p->glen || memcmp(key.data, p->gram, p->glen) != 0)
    return CREDO_NOTFOUND; /* past this gram's entries */
  p->id = (const char *)key.data + p->glen;
  return CREDO_OK;
}

typedef struct search {
  credo *db;
  stor_txn *txn;
  const char *folded;
  posting p[QUERY_GRAMS];
  int n;
} search;

/* The next subject id on every list, > `from` (>= when !after): the
 * leapfrog join. Each round seeks the first list to the candidate, then
 * every other list to it; a list that lands further makes its id the new
 * candidate and the round restarts. CREDO_OK with `id`, CREDO_NOTFOUND at
 * the end of any list. */
static int join_next(search *s, const char *from, int after, char *id) {
  char cur[ENG_MAX_SUBJECT_ID + 2];
  int i, rc;
  snprintf(cur, sizeof cur, "%s", from);
restart:
  if ((rc = eng_run_check(s->db)) != CREDO_OK)
    return rc;
  if ((rc = post_seek(&s->p[0], cur, after)) != CREDO_OK)
    return rc;
  snprintf(cur, sizeof cur, "%s", s->p[0].id);
  after = 0;
  for (i = 1; i < s->n; i++) {
    if ((rc = post_seek(&s->p[i], cur, 0)) != CREDO_OK)
      return rc;
    if (strcmp(s->p[i].id, cur) != 0) {
      snprintf(cur, sizeof cur, "%s", s->p[i].id);
      goto restart;
    }
  }
  memcpy(id, cur, sizeof cur);
  return CREDO_OK;
}

/* Reads subject `id` and says whether its folded name holds the query. */
static int verify(search *s, const char *id, credo_subject_info *out,
                  int *match) {
  stor_key k;
  stor_val v;
  char *f = NULL;
  int rc;
  stor_key_init(&k);
  stor_key_str(&k, id);
  if ((rc = stor_get(s->txn, STOR_SUBJECTS, stor_key_val(&k), &v)))
    return eng_err(s->db, rc == CREDO_NOTFOUND ? CREDO_CORRUPT : rc,
                   "the name index names a missing subject");
  if ((rc = eng_subject_decode(stor_key_val(&k), v, out)) != CREDO_OK)
    return eng_err(s->db, rc, "a subject record is corrupt");
  out->id = id;
  if ((rc = fold(out->name, &f)) != CREDO_OK)
    return eng_err(s->db, rc, "cannot fold a subject name");
  *match = strstr(f, s->folded) != NULL;
  free(f);
  return CREDO_OK;
}

static int run_search(search *s, const char *after, unsigned limit,
                      credo_subject_cb cb, void *arg, int *more) {
  char id[ENG_MAX_SUBJECT_ID + 2];
  credo_subject_info si;
  unsigned found = 0;
  int match = 0, rc, excl = after != NULL;
  const char *from = after ? after : "";
  while ((rc = join_next(s, from, excl, id)) == CREDO_OK) {
    if ((rc = verify(s, id, &si, &match)) != CREDO_OK)
      return rc;
    if (match &&
        !(s->db->role == CREDO_ROLE_PUBLIC && si.kind == CREDO_KIND_PERSON)) {
      if (found == limit) {
        *more = 1;
        return CREDO_OK;
      }
      found++;
      if ((rc = cb(&si, arg)) != 0)
        return rc;
    }
    from = si.id;
    excl = 1;
  }
  return rc == CREDO_NOTFOUND ? CREDO_OK : rc;
}

static int search_in(credo *db, stor_txn *txn, const char *folded,
                     const char *after, unsigned limit, credo_subject_cb cb,
                     void *arg, int *more) {
  search s = {.db = db, .txn = txn, .folded = folded};
  gram_list gl = {.n = 0};
  int i, rc = CREDO_OK;
  each_gram(folded, add_gram, &gl);
  if (gl.n == 0)
    return eng_err(db, CREDO_INVALID,
                   "a name search needs at least 2 characters");
  for (i = 0; i < gl.n && rc == CREDO_OK; i++) {
    s.p[i].gram = gl.g[i];
    s.p[i].glen = strlen(gl.g[i]) + 1;
    if ((rc = stor_cursor_open(txn, STOR_NAME_GRAMS, &s.p[i].c)) == CREDO_OK)
      s.n++;
  }
  if (rc == CREDO_OK)
    rc = run_search(&s, after, limit, cb, arg, more);
  else
    rc = eng_err_stor(db, rc, "cannot read the name index");
  for (i = 0; i < s.n; i++)
    stor_cursor_close(s.p[i].c);
  return rc;
}

int eng_search_subjects(credo *db, const char *text, const char *after,
                        unsigned limit, credo_subject_cb cb, void *arg,
                        int *more) {
  stor_txn *txn;
  char *folded = NULL;
  int owned, rc, m = 0;
  if (!db)
    return CREDO_MISUSE;
  eng_err_clear(db);
  if (more)
    *more = 0;
  if (!text || !cb || limit < 1 || limit > CREDO_SEARCH_MAX)
    return eng_err(db, CREDO_INVALID,
                   "text and callback are required, limit 1..%d",
                   CREDO_SEARCH_MAX);
  if (strlen(text) > ENG_MAX_SUBJECT_NAME ||
      !eng_utf8_valid(text, strlen(text)))
    return eng_err(db, CREDO_INVALID,
                   "search text must be at most %d bytes of UTF-8",
                   ENG_MAX_SUBJECT_NAME);
  if (after && strlen(after) > ENG_MAX_SUBJECT_ID)
    return eng_err(db, CREDO_INVALID, "no subject has such an id");
  if ((rc = fold(text, &folded)) != CREDO_OK)
    return eng_err(db, rc, "cannot fold the search text");
  eng_run_begin(db);
  if ((rc = eng_read_begin(db, &txn, &owned)) == CREDO_OK) {
    rc = search_in(db, txn, folded, after, limit, cb, arg, &m);
    eng_read_end(txn, owned);
  }
  free(folded);
  if (more)
    *more = m;
  return rc;
}

/* -------------------------------------------------------------- check */

typedef struct name_ck {
  credo *db;
  stor_txn *txn;
  credo_check_fn fn;
  void *arg;
  const char *id;
  int rc, stop;
} name_ck;

#define name_problem(k, ...)                                                   \
  eng_check_say((k)->fn, (k)->arg, &(k)->stop, __VA_ARGS__)

/* Each gram of a subject's name must have its entry. */
static int gram_present(const char *gram, size_t len, void *arg) {
  name_ck *k = arg;
  stor_key key;
  stor_val v;
  int rc;
  gram_key(&key, gram, len, k->id);
  rc = stor_get(k->txn, STOR_NAME_GRAMS, stor_key_val(&key), &v);
  if (rc == CREDO_NOTFOUND)
    name_problem(k, "name_grams: no entry for gram \"%.*s\" of subject \"%s\"",
                 (int)len, gram, k->id);
  else if (rc != CREDO_OK)
    return k->rc = rc;
  return k->stop ? CREDO_CANCELLED : CREDO_OK;
}

static int subject_grams(const credo_subject_info *s, void *arg) {
  name_ck *k = arg;
  char *f = NULL;
  int rc;
  if (!s->name[0])
    return 0;
  if ((rc = fold(s->name, &f)) != CREDO_OK)
    return k->rc = rc;
  k->id = s->id;
  rc = each_gram(f, gram_present, k);
  free(f);
  return rc == CREDO_CANCELLED ? 1 : rc;
}

/* Each entry must name an existing subject whose folded name has the
 * gram. */
static int entry_ok(name_ck *k, stor_val key) {
  const char *p = key.data, *id;
  size_t glen = strnlen(p, key.len);
  credo_subject_info s;
  stor_key sk;
  stor_val v;
  char *f = NULL;
  int rc;
  if (glen == 0 || glen + 2 > key.len || p[key.len - 1] != '\0') {
    name_problem(k, "name_grams: malformed key of %zu bytes", key.len);
    return CREDO_OK;
  }
  id = p + glen + 1;
  stor_key_init(&sk);
  stor_key_str(&sk, id);
  rc = stor_get(k->txn, STOR_SUBJECTS, stor_key_val(&sk), &v);
  if (rc == CREDO_NOTFOUND) {
    name_problem(k, "name_grams: gram \"%s\" names missing subject \"%s\"", p,
                 id);
    return CREDO_OK;
  }
  if (rc != CREDO_OK || (rc = eng_subject_decode(stor_key_val(&sk), v, &s)) ||
      (rc = fold(s.name, &f)) != CREDO_OK)
    return rc;
  if (!strstr(f, p))
    name_problem(k, "name_grams: gram \"%s\" is not in the name of \"%s\"", p,
                 id);
  free(f);
  return CREDO_OK;
}

int eng_names_check(credo *db, stor_txn *txn, credo_check_fn fn, void *arg,
                    uint64_t *entries) {
  name_ck k = {.db = db, .txn = txn, .fn = fn, .arg = arg};
  stor_cursor *c = NULL;
  stor_val key;
  int rc;
  *entries = 0;
  rc = eng_subjects_walk(db, txn, NULL, subject_grams, &k);
  if (k.rc != CREDO_OK)
    return eng_err_stor(db, k.rc, "cannot check the name index");
  if ((rc != CREDO_OK && rc != 1) || k.stop)
    return rc == 1 ? CREDO_OK : rc;
  if ((rc = stor_cursor_open(txn, STOR_NAME_GRAMS, &c)) != CREDO_OK)
    return eng_err_stor(db, rc, "cannot check the name index");
  for (rc = stor_cursor_first(c, &key, NULL); rc == CREDO_OK && !k.stop;
       rc = stor_cursor_next(c, &key, NULL)) {
    (*entries)++;
    if ((rc = entry_ok(&k, key)) != CREDO_OK)
      break;
  }
  stor_cursor_close(c);
  if (rc == CREDO_NOTFOUND || k.stop)
    return CREDO_OK;
  return eng_err_stor(db, rc, "cannot check the name index");
}
