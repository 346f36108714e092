/*
 * http.h -- the public credit look-up of credo-server: web pages and a
 * JSON API over HTTP (libmicrohttpd), on the public role only.
 *
 * Pieces (one concern per file):
 *   http_main.c   the daemon: start/stop, the pool of public-role
 *                 handles, the request entry (method, limits, rate limit),
 *                 conditional requests, the security headers and the log;
 *   http_route.c  the URL table: which page or API answers a path;
 *   http_buf.c    growable output buffers and the escapers (HTML, URL,
 *                 display of dates);
 *   http_data.c   what the pages and the API show, read through the
 *                 public API (include/credo.h) only: the query kind,
 *                 search, a subject's public records grouped by category;
 *   http_pages.c  the HTML pages (Simplified Chinese) and the style sheet;
 *   http_api.c    the JSON API (jansson);
 *   http_limit.c  the per-client token buckets (429).
 *
 * Rules every page and answer obeys: everything that comes from the store
 * or the request goes through http_buf_html / http_buf_url / jansson
 * before it reaches the output; the handles are public-role handles made
 * by credo_dup and lowered with credo_set_user, so the engine decides what
 * is public (no URL or parameter can ask for the past, hidden records or
 * unmasked ids: the handle cannot do it); logs name the route, never the
 * path (paths may carry a resident id).
 *
 * Threads: the daemon runs a pool of worker threads; a request is
 * answered entirely on one of them with one handle taken from the pool.
 */
#ifndef CREDO_HTTP_H
#define CREDO_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "credo.h"

/* ----------------------------------------------------------- options */

#define HTTP_DEFAULT_THREADS 4
#define HTTP_DEFAULT_RATE 20    /* requests per second per client */
#define HTTP_MAX_URL 1024       /* longer request targets get 414 */
#define HTTP_MAX_QUERY 200      /* bytes of a search text */
#define HTTP_MEMORY_LIMIT 16384 /* per connection: headers and buffers */
#define HTTP_MAX_DRAIN                                                         \
  65536                      /* body bytes read and dropped before a refusal   \
                              */
#define HTTP_CONN_TIMEOUT 10 /* seconds idle before a close */
#define HTTP_WORK_TIMEOUT_US 2000000 /* engine time limit per request */
#define HTTP_PAGE 20                 /* search results per page */
#define HTTP_TZ (8 * 3600)           /* dates are shown in Beijing time */

typedef struct http_opts {
  const char *addr;  /* "127.0.0.1:8080" (port 0: kernel-assigned) */
  int plaintext_ok;  /* allow a non-loopback address (behind a proxy) */
  unsigned threads;  /* worker threads = engine handles */
  unsigned rate;     /* requests/s per client address; 0 = no limit */
  unsigned max_conn; /* open connections */
} http_opts;

typedef struct http_server http_server;

/* Starts the look-up on `o->addr` with handles dup'ed from `admin` and
 * lowered to the public role (admin stays the caller's and must outlive
 * the server). Logs `http_listening` with the bound port. 0, or -1 with a
 * message in err. */
int http_start(const http_opts *o, credo *admin, http_server **out, char *err,
               size_t n);
/* Stops accepting, finishes the requests being answered, frees all.
 * Accepts NULL. */
void http_stop(http_server *h);

/* ----------------------------------------------------------- buffers */

typedef struct http_buf {
  char *p;
  size_t len, cap;
  int oom; /* an append failed: the buffer is unusable */
} http_buf;

void http_buf_init(http_buf *b);
void http_buf_free(http_buf *b);
void http_buf_put(http_buf *b, const char *s, size_t n);
void http_buf_puts(http_buf *b, const char *s);
void http_buf_printf(http_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends `s` with & < > " ' escaped as entities (NULL appends nothing). */
void http_buf_html(http_buf *b, const char *s);
/* Appends `s` percent-encoded for a path segment or query value. */
void http_buf_url(http_buf *b, const char *s);
/* Appends the date of `t` in Beijing time ("2025-03-01"), "长期" for an
 * open end. */
void http_buf_date(http_buf *b, credo_time t);
/* ISO 8601 of `t` in Beijing time into out[40]; "" for an open end. */
void http_iso(credo_time t, char out[40]);

/* ------------------------------------------------------------- data */

enum http_qkind {
  HTTP_Q_EMPTY = 0,
  HTTP_Q_ORG,    /* a valid USCC */
  HTTP_Q_PERSON, /* a valid resident id: exact look-up only */
  HTTP_Q_NAME,   /* part of a name */
  HTTP_Q_BAD     /* too long or not UTF-8 */
};
/* What the search text `q` asks for. */
int http_query_kind(const char *q);

enum http_cat { HTTP_CAT_ADVERSE = 0, HTTP_CAT_POSITIVE, HTTP_CAT_OTHER };

/* Chinese label and category of a type name ("penalty_general" ->
 * "行政处罚（一般）", adverse). The category: positive when the type is
 * declared POSITIVE (CREDO_TYPE_POSITIVE, asked of the engine on `db`;
 * db may be NULL to skip that), else the table of known names; unknown
 * types are labelled with their name and put in HTTP_CAT_OTHER. */
const char *http_type_label(const char *type);
int http_type_cat(credo *db, const char *type);
/* Chinese label of a data field ("authority" -> "决定机关"), or NULL. */
const char *http_field_label(const char *key);

/* One search hit, copied out of the engine. */
typedef struct http_hit {
  char id[72];   /* as the engine shows it (a person's masked) */
  char link[72]; /* the id the subject's URL uses: for an exact look-up
                    the text the visitor typed, else `id` */
  char name[520];
  int kind;
} http_hit;

typedef struct http_results {
  http_hit hits[HTTP_PAGE];
  int n;
  int more; /* another page follows; its `after` is hits[n-1].id */
  int kind; /* enum http_qkind */
} http_results;

/* Runs the search of `q` (after `after`, may be NULL). CREDO_OK (maybe
 * with no hits), or the engine's code with its message on db. */
int http_search(credo *db, const char *q, const char *after, http_results *out);

/* A copied event, as pages and the API show it. */
typedef struct http_event {
  uint64_t id;
  char *subject, *type, *source, *ref, *data;
  credo_time occurred, public_from, public_until, recorded;
  int cat; /* enum http_cat, from http_type_cat at load */
} http_event;

typedef struct http_subject {
  char *id, *name;
  int kind;
  credo_time created;
  http_event *ev; /* sorted: by category, then occurred descending */
  size_t nev;
  credo_time last_modified; /* latest of created and events' recorded */
} http_subject;

/* Loads subject `id` and its public records now. CREDO_NOTFOUND when
 * there is no such subject (message on db). Free with
 * http_subject_free (accepts a zeroed struct). */
int http_subject_load(credo *db, const char *id, int with_events,
                      http_subject *s);
void http_subject_free(http_subject *s);
/* Loads one public event. CREDO_NOTFOUND when absent or not public. */
int http_event_load(credo *db, uint64_t id, http_event *e);
void http_event_free(http_event *e);
/* Parses a decimal event id (1..2^63); 0 when malformed. */
uint64_t http_parse_id(const char *s);

/* --------------------------------------------------------- requests */

/* What a handler returns: a status, a content type and a body. */
typedef struct http_reply {
  int status;
  const char *ctype;
  http_buf body;
  credo_time last_modified; /* 0: none */
  const char *location;     /* redirect target (owned by `loc`) */
  char loc[600];
  int no_store; /* error answers are not cached */
} http_reply;

typedef struct http_req {
  credo *db;
  const char *path;                         /* decoded path */
  const char *(*arg)(void *, const char *); /* query argument or NULL */
  void *arg_ctx;
  const char *route; /* for the log: "/subjects/{id}" */
} http_req;

/* Routes `rq` to a page or API answer and fills `rp`. */
void http_route(http_req *rq, http_reply *rp);

/* Pages (http_pages.c). `seg` is the path segment after the prefix. */
void http_page_home(http_req *rq, http_reply *rp);
void http_page_search(http_req *rq, http_reply *rp);
void http_page_subject(http_req *rq, http_reply *rp, const char *id);
void http_page_report(http_req *rq, http_reply *rp, const char *id);
void http_page_event(http_req *rq, http_reply *rp, const char *id);
void http_page_css(http_req *rq, http_reply *rp);
void http_page_error(http_reply *rp, int status, const char *msg);

/* JSON API (http_api.c). */
void http_api_search(http_req *rq, http_reply *rp);
void http_api_subject(http_req *rq, http_reply *rp, const char *id);
void http_api_events(http_req *rq, http_reply *rp, const char *id);
void http_api_event(http_req *rq, http_reply *rp, const char *id);
/* {"error": {"status", "code", "message"}} */
void http_api_error(http_reply *rp, int status, const char *msg);

/* ------------------------------------------------------- rate limit */

typedef struct http_limiter http_limiter;
/* `rate` tokens per second, bucket size `rate` (at least 1). */
http_limiter *http_limiter_new(unsigned rate);
void http_limiter_free(http_limiter *l);
/* 1 when client `key` may make one more request at monotonic `now_us`
 * (and takes a token), 0 when it must wait (429). Thread-safe. */
int http_limiter_take(http_limiter *l, const char *key, int64_t now_us);

#endif /* CREDO_HTTP_H */
