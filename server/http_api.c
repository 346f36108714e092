/*
 * http_api.c -- the JSON API of the public look-up (/api/v1/...), the
 * mirror of the pages: search, a subject, its public records, one record,
 * and JSON errors. docs/http.md gives every shape with examples.
 *
 * Invariants: answers are built with jansson (so every string is JSON-
 * escaped, and '<', '>', '&' are written as \u escapes too, so an answer
 * can never be sniffed into markup); only the public fields of a record
 * are exposed: never the version, actor, operation, reason or recording
 * history (the public role sees the register as it stands now).
 *
 * Does not: set headers or caching (http_main.c).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static const char *const cat_name[] = {"adverse", "positive", "other"};

/* Serializes `j` (stolen) into the reply. */
static void reply_json(http_reply *rp, int status, json_t *j) {
  char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ESCAPE_SLASH |
                                  JSON_REAL_PRECISION(15))
              : NULL;
  rp->status = status;
  rp->ctype = "application/json; charset=utf-8";
  rp->no_store = status >= 400;
  http_buf_free(&rp->body);
  if (!s) {
    rp->body.oom = 1;
  } else {
    /* jansson has no flag for these: escape them for script safety,
     * copying the runs between them whole */
    const char *run = s, *p;
    for (p = s; *p; p++) {
      const char *esc = *p == '<'   ? "\\u003c"
                        : *p == '>' ? "\\u003e"
                        : *p == '&' ? "\\u0026"
                                    : NULL;
      if (!esc)
        continue;
      http_buf_put(&rp->body, run, (size_t)(p - run));
      http_buf_puts(&rp->body, esc);
      run = p + 1;
    }
    http_buf_put(&rp->body, run, (size_t)(p - run));
    http_buf_puts(&rp->body, "\n");
  }
  free(s);
  json_decref(j);
}

static const char *code_of(int status) {
  switch (status) {
  case 400:
    return "bad_request";
  case 404:
    return "not_found";
  case 405:
    return "method_not_allowed";
  case 413:
    return "payload_too_large";
  case 414:
    return "uri_too_long";
  case 429:
    return "too_many_requests";
  case 503:
    return "timeout";
  default:
    return "internal";
  }
}

void http_api_error(http_reply *rp, int status, const char *msg) {
  reply_json(rp, status,
             json_pack("{s:{s:i,s:s,s:s}}", "error", "status", status, "code",
                       code_of(status), "message", msg));
}

static void engine_error(http_reply *rp, int rc, const char *what) {
  if (rc == CREDO_NOTFOUND)
    http_api_error(rp, 404, what);
  else if (rc == CREDO_CANCELLED)
    http_api_error(rp, 503, "the look-up took too long; try again");
  else if (rc == CREDO_INVALID)
    http_api_error(rp, 400, "a name search needs at least 2 characters");
  else
    http_api_error(rp, 500, "the look-up failed");
}

static json_t *time_json(credo_time t) {
  char iso[40];
  if (t == CREDO_TIME_OPEN)
    return json_null();
  http_iso(t, iso);
  return json_string(iso);
}

static const char *kind_name(int kind) {
  const char *k = credo_kind_name((credo_kind)kind);
  return k ? k : "other";
}

/* --------------------------------------------------------- answers */

static json_t *event_json(const http_event *e) {
  json_t *data = json_loads(e->data, 0, NULL);
  json_t *authority = json_object_get(data, "authority");
  return json_pack(
      "{s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:s,s:o,s:s}", "id",
      (json_int_t)e->id, "subject", e->subject, "type", e->type, "type_label",
      http_type_label(e->type), "category", cat_name[e->cat], "decision_no",
      e->ref, "decision_date", time_json(e->occurred), "public_from",
      time_json(e->public_from), "public_until", time_json(e->public_until),
      "authority",
      json_is_string(authority) ? json_string_value(authority) : e->source,
      "source", e->source, "data", data ? data : json_object(), "url", "");
}

/* event_json with its page's URL filled in. */
static json_t *event_with_url(const http_event *e) {
  json_t *j = event_json(e);
  char url[48];
  snprintf(url, sizeof url, "/events/%llu", (unsigned long long)e->id);
  if (j)
    json_object_set_new(j, "url", json_string(url));
  return j;
}

static json_t *hit_json(const http_hit *h) {
  http_buf u;
  json_t *j;
  http_buf_init(&u);
  http_buf_puts(&u, "/api/v1/subjects/");
  http_buf_url(&u, h->link);
  j = json_pack("{s:s,s:s,s:s,s:s}", "id", h->id, "kind", kind_name(h->kind),
                "name", h->name, "url", u.oom ? "" : u.p);
  http_buf_free(&u);
  return j;
}

void http_api_search(http_req *rq, http_reply *rp) {
  static const char *const kinds[] = {"empty", "org", "person", "name",
                                      "invalid"};
  const char *q = rq->arg(rq->arg_ctx, "q");
  const char *after = rq->arg(rq->arg_ctx, "after");
  http_results r;
  json_t *list, *j;
  int rc, i;
  if (!q || !*q) {
    http_api_error(rp, 400, "parameter q is required");
    return;
  }
  if (after && (!*after || strlen(after) > 64))
    after = NULL;
  rc = http_search(rq->db, q, after, &r);
  if (r.kind == HTTP_Q_BAD) {
    http_api_error(rp, 400, "q is too long or not valid UTF-8");
    return;
  }
  if (rc != CREDO_OK) {
    engine_error(rp, rc, "");
    return;
  }
  list = json_array();
  for (i = 0; i < r.n; i++)
    json_array_append_new(list, hit_json(&r.hits[i]));
  j = json_pack("{s:s,s:s,s:o,s:o}", "query", q, "match", kinds[r.kind],
                "results", list, "next_after",
                r.more ? json_string(r.hits[r.n - 1].link) : json_null());
  reply_json(rp, 200, j);
}

static json_t *subject_json(const http_subject *s, const char *link) {
  size_t i, n[3] = {0, 0, 0};
  http_buf u;
  json_t *j;
  for (i = 0; i < s->nev; i++)
    n[s->ev[i].cat]++;
  http_buf_init(&u);
  http_buf_puts(&u, "/api/v1/subjects/");
  http_buf_url(&u, link);
  http_buf_puts(&u, "/events");
  j = json_pack("{s:s,s:s,s:s,s:{s:I,s:I,s:I},s:s}", "id", s->id, "kind",
                kind_name(s->kind), "name", s->name, "public_records",
                "adverse", (json_int_t)n[0], "positive", (json_int_t)n[1],
                "other", (json_int_t)n[2], "events_url", u.oom ? "" : u.p);
  http_buf_free(&u);
  return j;
}

void http_api_subject(http_req *rq, http_reply *rp, const char *id) {
  http_subject s;
  int rc = http_subject_load(rq->db, id, 1, &s);
  if (rc != CREDO_OK)
    engine_error(rp, rc, "no such subject");
  else {
    rp->last_modified = s.last_modified;
    reply_json(rp, 200, subject_json(&s, id));
  }
  http_subject_free(&s);
}

void http_api_events(http_req *rq, http_reply *rp, const char *id) {
  http_subject s;
  json_t *list;
  size_t i;
  int rc = http_subject_load(rq->db, id, 1, &s);
  if (rc != CREDO_OK) {
    engine_error(rp, rc, "no such subject");
    http_subject_free(&s);
    return;
  }
  list = json_array();
  for (i = 0; i < s.nev; i++)
    json_array_append_new(list, event_with_url(&s.ev[i]));
  rp->last_modified = s.last_modified;
  reply_json(rp, 200, json_pack("{s:s,s:o}", "subject", s.id, "events", list));
  http_subject_free(&s);
}

void http_api_event(http_req *rq, http_reply *rp, const char *id) {
  http_event e;
  uint64_t n = http_parse_id(id);
  int rc = n ? http_event_load(rq->db, n, &e) : CREDO_NOTFOUND;
  if (rc != CREDO_OK) {
    engine_error(rp, rc, "no such public record");
    return;
  }
  rp->last_modified = e.recorded;
  reply_json(rp, 200, event_with_url(&e));
  http_event_free(&e);
}
