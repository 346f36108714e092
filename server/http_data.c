/*
 * http_data.c -- what the look-up shows, read through the public API on
 * a public-role handle: the kind of a search text, the search itself, a
 * subject with its public records now (copied and sorted into adverse,
 * positive and other), one public record, and the Chinese labels of
 * types and data fields.
 *
 * Invariants: only credo_* calls of include/credo.h are used, on the
 * caller's public-role handle, always with CREDO_TIME_NOW and no read
 * flags, so only what the engine says is public now is ever loaded; ids
 * and names are shown as the engine hands them out (the engine masks
 * persons' ids for the public role); strings are copied out of the
 * engine before the next call.
 *
 * Does not: format HTML or JSON (http_pages.c, http_api.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

/* ------------------------------------------------------------ labels */

static const struct {
  const char *type, *label;
  int cat;
} type_labels[] = {
    {"penalty_minor", "行政处罚（轻微）", HTTP_CAT_ADVERSE},
    {"penalty_general", "行政处罚（一般）", HTTP_CAT_ADVERSE},
    {"penalty_serious", "行政处罚（严重）", HTTP_CAT_ADVERSE},
    {"penalty", "行政处罚", HTTP_CAT_ADVERSE},
    {"dishonesty_list", "严重失信主体名单", HTTP_CAT_ADVERSE},
    {"commitment_breach", "违背信用承诺", HTTP_CAT_ADVERSE},
    {"tax_arrear", "欠税信息", HTTP_CAT_ADVERSE},
    {"abnormal_operation", "经营异常名录", HTTP_CAT_ADVERSE},
    {"court_judgment", "法院判决未履行", HTTP_CAT_ADVERSE},
    {"commitment", "信用承诺", HTTP_CAT_POSITIVE},
    {"honour", "守信激励（表彰荣誉）", HTTP_CAT_POSITIVE},
    {"licence", "行政许可", HTTP_CAT_POSITIVE},
    {"license", "行政许可", HTTP_CAT_POSITIVE},
    {"a_grade_taxpayer", "A级纳税人", HTTP_CAT_POSITIVE},
};

static const struct {
  const char *key, *label;
} field_labels[] = {
    {"authority", "决定机关"},  {"amount_wan", "罚款金额（万元）"},
    {"amount", "金额（万元）"}, {"basis", "法律依据"},
    {"reason", "事由"},         {"content", "内容"},
    {"result", "处理结果"},     {"title", "名称"},
    {"licence_no", "许可证号"}, {"scope", "许可范围"},
    {"level", "等级"},          {"tax_amount", "欠税金额（万元）"},
    {"decision", "决定内容"},   {"violation", "违法行为类型"},
    {"commitment", "承诺事项"}, {"issuer", "授予单位"},
    {"grade", "等级"},          {"permit", "许可事项"},
    {"honour", "荣誉名称"},     {"list", "名单名称"},
};

static int type_index(const char *type) {
  size_t i;
  for (i = 0; type && i < sizeof type_labels / sizeof *type_labels; i++)
    if (strcmp(type_labels[i].type, type) == 0)
      return (int)i;
  return -1;
}

const char *http_type_label(const char *type) {
  int i = type_index(type);
  return i < 0 ? type : type_labels[i].label;
}

int http_type_cat(credo *db, const char *type) {
  credo_type_info t;
  int i = type_index(type);
  if (db && credo_get_type(db, type, &t) == CREDO_OK &&
      (t.flags & CREDO_TYPE_POSITIVE))
    return HTTP_CAT_POSITIVE;
  return i < 0 ? HTTP_CAT_OTHER : type_labels[i].cat;
}

const char *http_field_label(const char *key) {
  size_t i;
  for (i = 0; key && i < sizeof field_labels / sizeof *field_labels; i++)
    if (strcmp(field_labels[i].key, key) == 0)
      return field_labels[i].label;
  return NULL;
}

/* ------------------------------------------------------------ search */

static int is_utf8(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    int n = *p < 0x80         ? 0
            : (*p >> 5) == 6  ? 1
            : (*p >> 4) == 14 ? 2
            : (*p >> 3) == 30 ? 3
                              : -1;
    if (n < 0)
      return 0;
    for (p++; n > 0; n--, p++)
      if ((*p >> 6) != 2)
        return 0;
  }
  return 1;
}

int http_query_kind(const char *q) {
  if (!q || !*q)
    return HTTP_Q_EMPTY;
  if (strlen(q) > HTTP_MAX_QUERY || !is_utf8(q))
    return HTTP_Q_BAD;
  if (credo_id_check(CREDO_KIND_ORG, q, NULL, 0) == CREDO_OK)
    return HTTP_Q_ORG;
  if (credo_id_check(CREDO_KIND_PERSON, q, NULL, 0) == CREDO_OK)
    return HTTP_Q_PERSON;
  return HTTP_Q_NAME;
}

static void hit_fill(http_hit *h, const credo_subject_info *s) {
  snprintf(h->id, sizeof h->id, "%s", s->id);
  snprintf(h->link, sizeof h->link, "%s", s->id);
  snprintf(h->name, sizeof h->name, "%s", s->name);
  h->kind = s->kind;
}

static int take_hit(const credo_subject_info *s, void *arg) {
  http_results *r = arg;
  if (r->n < HTTP_PAGE)
    hit_fill(&r->hits[r->n++], s);
  return 0;
}

int http_search(credo *db, const char *q, const char *after,
                http_results *out) {
  credo_subject_info s;
  int rc;
  memset(out, 0, sizeof *out);
  out->kind = http_query_kind(q);
  if (out->kind == HTTP_Q_EMPTY || out->kind == HTTP_Q_BAD)
    return CREDO_OK;
  if (out->kind == HTTP_Q_ORG || out->kind == HTTP_Q_PERSON) {
    /* exact look-up; the id the engine returns is what is shown */
    rc = credo_get_subject(db, q, &s);
    if (rc == CREDO_OK) {
      hit_fill(&out->hits[0], &s);
      snprintf(out->hits[0].link, sizeof out->hits[0].link, "%s", q);
      out->n = 1;
    }
    if (rc == CREDO_OK || rc == CREDO_NOTFOUND)
      return CREDO_OK;
    return rc;
  }
  return credo_search_subjects(db, q, after, HTTP_PAGE, take_hit, out,
                               &out->more);
}

/* ----------------------------------------------------------- records */

static char *dup_str(const char *s) {
  return strdup(s ? s : "");
}

static int event_copy(credo *db, const credo_event *ev, http_event *e) {
  memset(e, 0, sizeof *e);
  e->cat = http_type_cat(db, ev->type);
  e->id = ev->id;
  e->occurred = ev->occurred;
  e->public_from = ev->public_from;
  e->public_until = ev->public_until;
  e->recorded = ev->recorded;
  e->subject = dup_str(ev->subject);
  e->type = dup_str(ev->type);
  e->source = dup_str(ev->source);
  e->ref = dup_str(ev->ref);
  e->data = dup_str(ev->data);
  if (!e->subject || !e->type || !e->source || !e->ref || !e->data) {
    http_event_free(e);
    return CREDO_NOMEM;
  }
  return CREDO_OK;
}

void http_event_free(http_event *e) {
  if (!e)
    return;
  free(e->subject);
  free(e->type);
  free(e->source);
  free(e->ref);
  free(e->data);
  memset(e, 0, sizeof *e);
}

typedef struct collect {
  credo *db;
  http_subject *s;
  size_t cap;
  int rc;
} collect;

static int take_event(const credo_event *ev, void *arg) {
  collect *c = arg;
  http_subject *s = c->s;
  if (s->nev == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 16;
    http_event *p = realloc(s->ev, cap * sizeof *p);
    if (!p)
      return c->rc = CREDO_NOMEM;
    s->ev = p;
    c->cap = cap;
  }
  if ((c->rc = event_copy(c->db, ev, &s->ev[s->nev])) != CREDO_OK)
    return c->rc;
  s->nev++;
  if (ev->recorded > s->last_modified)
    s->last_modified = ev->recorded;
  return 0;
}

/* Adverse first, then positive, then other; newest decision first; id. */
static int by_cat_date(const void *a, const void *b) {
  const http_event *x = a, *y = b;
  if (x->cat != y->cat)
    return x->cat < y->cat ? -1 : 1;
  if (x->occurred != y->occurred)
    return x->occurred > y->occurred ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

int http_subject_load(credo *db, const char *id, int with_events,
                      http_subject *s) {
  credo_subject_info si;
  collect c = {db, s, 0, CREDO_OK};
  int rc;
  memset(s, 0, sizeof *s);
  if ((rc = credo_get_subject(db, id, &si)) != CREDO_OK)
    return rc;
  s->id = dup_str(si.id);
  s->name = dup_str(si.name);
  s->kind = si.kind;
  s->created = s->last_modified = si.created;
  if (!s->id || !s->name)
    return CREDO_NOMEM;
  if (!with_events)
    return CREDO_OK;
  rc = credo_subject_events(db, id, CREDO_TIME_NOW, CREDO_TIME_NOW, 0,
                            take_event, &c);
  if (c.rc != CREDO_OK)
    return c.rc;
  if (rc != CREDO_OK)
    return rc;
  if (s->nev > 1)
    qsort(s->ev, s->nev, sizeof *s->ev, by_cat_date);
  return CREDO_OK;
}

void http_subject_free(http_subject *s) {
  size_t i;
  if (!s)
    return;
  for (i = 0; i < s->nev; i++)
    http_event_free(&s->ev[i]);
  free(s->ev);
  free(s->id);
  free(s->name);
  memset(s, 0, sizeof *s);
}

int http_event_load(credo *db, uint64_t id, http_event *e) {
  credo_event ev;
  int rc;
  memset(e, 0, sizeof *e);
  rc = credo_get_event(db, id, CREDO_TIME_NOW, CREDO_TIME_NOW, 0, &ev);
  if (rc != CREDO_OK)
    return rc;
  return event_copy(db, &ev, e);
}

uint64_t http_parse_id(const char *s) {
  uint64_t v = 0;
  if (!s || !*s || strlen(s) > 19 || *s == '0')
    return 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9')
      return 0;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  return v <= (uint64_t)INT64_MAX ? v : 0;
}
