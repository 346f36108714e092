/*
 * http_route.c -- the URL table of the look-up: which page or API answer
 * a decoded path gets.
 *
 *   /                              home: one search box
 *   /search?q=&after=              results (paged by `after`)
 *   /subjects/{id}                 a subject's public records now
 *   /subjects/{id}/report          its printable credit report
 *   /events/{id}                   one public record
 *   /static/style.css              the style sheet (compiled in)
 *   /api/v1/search?q=&after=       JSON mirrors of the above
 *   /api/v1/subjects/{id}
 *   /api/v1/subjects/{id}/events
 *   /api/v1/events/{id}
 *
 * Invariants: a segment is 1..HTTP_SEG_MAX bytes without '/', control
 * characters or a leading '.', so "..", "%2e%2e" (decoded before us) and
 * the like never match anything; nothing is ever read from the file
 * system, so there is no directory to traverse. Anything else is 404.
 *
 * Does not: check methods, limits or headers (http_main.c).
 */
#include <string.h>

#include "http.h"

#define HTTP_SEG_MAX 64

/* If `path` starts with `prefix`, the segment that follows (up to '/' or
 * the end) is copied into seg and *rest points after it. 1 on a match. */
static int segment(const char *path, const char *prefix, char *seg,
                   const char **rest) {
  size_t n = strlen(prefix), i;
  const char *p;
  if (strncmp(path, prefix, n) != 0)
    return 0;
  p = path + n;
  for (i = 0; p[i] && p[i] != '/'; i++)
    if (i >= HTTP_SEG_MAX || (unsigned char)p[i] < 0x20 || p[i] == 0x7f)
      return 0;
  if (i == 0 || p[0] == '.')
    return 0;
  memcpy(seg, p, i);
  seg[i] = '\0';
  *rest = p + i;
  return 1;
}

static void api_route(http_req *rq, http_reply *rp, const char *path) {
  char seg[HTTP_SEG_MAX + 1];
  const char *rest;
  if (strcmp(path, "/api/v1/search") == 0) {
    rq->route = "/api/v1/search";
    http_api_search(rq, rp);
  } else if (segment(path, "/api/v1/subjects/", seg, &rest) && !*rest) {
    rq->route = "/api/v1/subjects/{id}";
    http_api_subject(rq, rp, seg);
  } else if (segment(path, "/api/v1/subjects/", seg, &rest) &&
             strcmp(rest, "/events") == 0) {
    rq->route = "/api/v1/subjects/{id}/events";
    http_api_events(rq, rp, seg);
  } else if (segment(path, "/api/v1/events/", seg, &rest) && !*rest) {
    rq->route = "/api/v1/events/{id}";
    http_api_event(rq, rp, seg);
  } else {
    rq->route = "/api/(unknown)";
    http_api_error(rp, 404, "没有这个接口 (no such API path)");
  }
}

void http_route(http_req *rq, http_reply *rp) {
  char seg[HTTP_SEG_MAX + 1];
  const char *path = rq->path, *rest;
  if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0) {
    api_route(rq, rp, path);
  } else if (strcmp(path, "/") == 0) {
    rq->route = "/";
    http_page_home(rq, rp);
  } else if (strcmp(path, "/search") == 0) {
    rq->route = "/search";
    http_page_search(rq, rp);
  } else if (strcmp(path, "/static/style.css") == 0) {
    rq->route = "/static/style.css";
    http_page_css(rq, rp);
  } else if (segment(path, "/subjects/", seg, &rest) && !*rest) {
    rq->route = "/subjects/{id}";
    http_page_subject(rq, rp, seg);
  } else if (segment(path, "/subjects/", seg, &rest) &&
             strcmp(rest, "/report") == 0) {
    rq->route = "/subjects/{id}/report";
    http_page_report(rq, rp, seg);
  } else if (segment(path, "/events/", seg, &rest) && !*rest) {
    rq->route = "/events/{id}";
    http_page_event(rq, rp, seg);
  } else {
    rq->route = "(unknown)";
    http_page_error(rp, 404, "页面不存在。");
  }
}
