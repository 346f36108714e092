/*
 * http_main.c -- the HTTP daemon of the public look-up (libmicrohttpd):
 * start and stop, the pool of public-role engine handles, and the entry
 * every request passes: method (GET and HEAD only), size limits, the
 * per-client rate limit, routing, conditional requests (ETag), the
 * security headers and the access log.
 *
 * Invariants:
 *  - every handle in the pool was made by credo_dup from the server's
 *    admin handle and lowered with credo_set_user to the public role
 *    before the daemon started, with the engine's per-request time limit;
 *    a request holds one handle from the pool for its whole answer;
 *  - every answer we build carries the security headers (CSP without any
 *    script source, nosniff, frame denial, no referrer);
 *  - the log names the route pattern and the status, never the path or
 *    the query (they may hold a resident id or a name).
 *
 * Does not: build pages or JSON (http_pages.c, http_api.c), or read
 * anything from the file system.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "http.h"
#include "srv.h"

#define CSP_PAGE                                                               \
  "default-src 'none'; style-src 'self'; img-src 'self'; "                     \
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
#define CSP_API "default-src 'none'; frame-ancestors 'none'"

struct http_server {
  struct MHD_Daemon *d;
  http_limiter *lim; /* NULL: no rate limit */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  credo **all, **idle;
  unsigned n, nidle;
};

static int64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ------------------------------------------------------------- pool */

static credo *pool_take(http_server *h) {
  credo *db;
  pthread_mutex_lock(&h->mu);
  while (h->nidle == 0)
    pthread_cond_wait(&h->cv, &h->mu);
  db = h->idle[--h->nidle];
  pthread_mutex_unlock(&h->mu);
  return db;
}

static void pool_give(http_server *h, credo *db) {
  pthread_mutex_lock(&h->mu);
  h->idle[h->nidle++] = db;
  pthread_cond_signal(&h->cv);
  pthread_mutex_unlock(&h->mu);
}

static int pool_open(http_server *h, credo *admin, unsigned n, char *err,
                     size_t errn) {
  unsigned i;
  h->all = calloc(n, sizeof *h->all);
  h->idle = calloc(n, sizeof *h->idle);
  if (!h->all || !h->idle) {
    snprintf(err, errn, "out of memory");
    return -1;
  }
  for (i = 0; i < n; i++) {
    credo *db = NULL;
    if (credo_dup(admin, &db) != CREDO_OK ||
        credo_set_user(db, "web", CREDO_ROLE_PUBLIC) != CREDO_OK ||
        credo_set_timeout(db, HTTP_WORK_TIMEOUT_US) != CREDO_OK ||
        credo_set_tz(db, HTTP_TZ) != CREDO_OK) {
      snprintf(err, errn, "cannot make a public handle: %s",
               credo_errmsg(db ? db : admin));
      credo_close(db);
      return -1;
    }
    h->all[h->n++] = db;
    h->idle[h->nidle++] = db;
  }
  return 0;
}

/* ---------------------------------------------------------- answers */

static void add_headers(struct MHD_Response *r, int api) {
  MHD_add_response_header(r, "Content-Security-Policy",
                          api ? CSP_API : CSP_PAGE);
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "X-Frame-Options", "DENY");
  MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
  MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
  MHD_add_response_header(r, "Permissions-Policy",
                          "camera=(), microphone=(), geolocation=()");
}

/* An HTTP date (RFC 9110 IMF-fixdate) of a credo_time. */
static void http_date(credo_time t, char out[40]) {
  time_t s = (time_t)(t / CREDO_USEC_PER_SEC);
  struct tm tm;
  gmtime_r(&s, &tm);
  strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Does If-None-Match name `etag` (or "*")? */
static int etag_matches(const char *inm, const char *etag) {
  size_t n = strlen(etag);
  const char *p;
  if (!inm)
    return 0;
  if (strcmp(inm, "*") == 0)
    return 1;
  for (p = inm; (p = strstr(p, etag)) != NULL; p += n)
    if ((p == inm || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/') &&
        (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
      return 1;
  return 0;
}

/* Sends `rp`: 304 when the client's copy is current, else the body. */
static enum MHD_Result send_reply(struct MHD_Connection *c, http_reply *rp,
                                  int api) {
  struct MHD_Response *r;
  char etag[24] = "", date[40];
  int status = rp->status;
  enum MHD_Result ret;
  if (rp->body.oom) {
    http_buf_free(&rp->body);
    (api ? http_api_error : http_page_error)(rp, 500, "内部错误。");
    status = 500;
  }
  if (status == 200) {
    snprintf(etag, sizeof etag, "\"%016llx\"",
             (unsigned long long)XXH3_64bits(rp->body.p, rp->body.len));
    if (etag_matches(
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match"),
            etag))
      status = 304;
  }
  r = MHD_create_response_from_buffer(status == 304 ? 0 : rp->body.len,
                                      rp->body.p, MHD_RESPMEM_MUST_COPY);
  if (!r)
    return MHD_NO;
  add_headers(r, api);
  if (rp->ctype)
    MHD_add_response_header(r, "Content-Type", rp->ctype);
  if (etag[0])
    MHD_add_response_header(r, "ETag", etag);
  if (rp->last_modified > 0 && (status == 200 || status == 304)) {
    http_date(rp->last_modified, date);
    MHD_add_response_header(r, "Last-Modified", date);
  }
  MHD_add_response_header(r, "Cache-Control",
                          rp->no_store ? "no-store" : "no-cache");
  if (rp->location)
    MHD_add_response_header(r, "Location", rp->location);
  if (status == 405)
    MHD_add_response_header(r, "Allow", "GET, HEAD");
  if (status == 429)
    MHD_add_response_header(r, "Retry-After", "1");
  rp->status = status;
  ret = MHD_queue_response(c, (unsigned)status, r);
  MHD_destroy_response(r);
  return ret;
}

static void log_request(const char *method, const char *route, int status,
                        size_t bytes, int64_t us) {
  srv_log(status >= 500 ? SRV_ERROR : SRV_INFO, "http",
          "method=%.8s route=%s status=%d bytes=%zu us=%lld", method, route,
          status, bytes, (long long)us);
}

/* ---------------------------------------------------------- requests */

static const char *get_arg(void *ctx, const char *key) {
  return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);
}

static void client_key(struct MHD_Connection *c, char *out, size_t n) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const struct sockaddr *sa = ci ? ci->client_addr : NULL;
  snprintf(out, n, "?");
  if (sa && sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
              (socklen_t)n);
  else if (sa && sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
              (socklen_t)n);
}

/* The checks before any work: 0 to go on, or the status to refuse with. */
static int admit(http_server *h, struct MHD_Connection *c, const char *url,
                 const char *method, size_t upload) {
  char key[64];
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
    return 405;
  if (upload > 0)
    return 413;
  if (strlen(url) > HTTP_MAX_URL || url[0] != '/')
    return url[0] == '/' ? 414 : 400;
  client_key(c, key, sizeof key);
  if (h->lim && !http_limiter_take(h->lim, key, mono_us()))
    return 429;
  return 0;
}

static const char *refusal(int status) {
  switch (status) {
  case 405:
    return "只支持 GET 和 HEAD 请求 (method not allowed)。";
  case 413:
    return "请求不能带正文 (request body not allowed)。";
  case 414:
    return "网址太长 (URI too long)。";
  case 429:
    return "请求过于频繁，请稍后再试 (too many requests)。";
  default:
    return "请求无效 (bad request)。";
  }
}

/* Per-request state between the calls MHD makes for one request. */
typedef struct req_state {
  size_t drained; /* bytes of a request body read and dropped */
} req_state;

/* MHD calls the handler once when the headers are in, then once per piece
 * of body, then once more with none. A body (never allowed) is read and
 * dropped up to HTTP_MAX_DRAIN so that the refusal reaches the client; a
 * larger one gets the refusal at once and the connection is closed. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **state) {
  http_server *h = cls;
  http_req rq = {.path = url, .arg = get_arg, .arg_ctx = c, .route = "-"};
  req_state *st = *state;
  http_reply rp;
  int64_t t0 = mono_us();
  int api = strncmp(url, "/api", 4) == 0, refuse;
  enum MHD_Result ret;
  (void)version;
  (void)upload;
  if (!st) { /* headers complete; the next call answers */
    if (!(*state = calloc(1, sizeof *st)))
      return MHD_NO;
    return MHD_YES;
  }
  if (*upload_size > 0 && st->drained + *upload_size <= HTTP_MAX_DRAIN) {
    st->drained += *upload_size;
    *upload_size = 0;
    return MHD_YES;
  }
  memset(&rp, 0, sizeof rp);
  http_buf_init(&rp.body);
  if ((refuse = admit(h, c, url, method, st->drained + *upload_size)) != 0) {
    *upload_size = 0;
    rq.route = "(refused)";
    (api ? http_api_error : http_page_error)(&rp, refuse, refusal(refuse));
  } else {
    rq.db = pool_take(h);
    http_route(&rq, &rp);
    pool_give(h, rq.db);
  }
  ret = send_reply(c, &rp, api);
  log_request(method, rq.route, rp.status, rp.body.len, mono_us() - t0);
  http_buf_free(&rp.body);
  return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode why) {
  (void)cls;
  (void)c;
  (void)why;
  free(*state);
  *state = NULL;
}

/* ------------------------------------------------------------ life */

static void log_port(int fd) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  unsigned port = 0;
  if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
    port =
        ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                       : ((struct sockaddr_in *)&ss)->sin_port);
  srv_log(SRV_INFO, "http_listening", "port=%u", port);
}

int http_start(const http_opts *o, credo *admin, http_server **out, char *err,
               size_t n) {
  http_server *h = calloc(1, sizeof *h);
  unsigned threads = o->threads ? o->threads : HTTP_DEFAULT_THREADS;
  int fd = -1;
  *out = NULL;
  if (!h) {
    snprintf(err, n, "out of memory");
    return -1;
  }
  pthread_mutex_init(&h->mu, NULL);
  pthread_cond_init(&h->cv, NULL);
  if (pool_open(h, admin, threads, err, n) < 0 ||
      (o->rate && !(h->lim = http_limiter_new(o->rate))) ||
      srv_listen_open(o->addr, o->plaintext_ok, &fd, err, n) < 0)
    goto fail;
  h->d = MHD_start_daemon(
      MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, on_request, h,
      MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE, threads,
      MHD_OPTION_CONNECTION_LIMIT, o->max_conn ? o->max_conn : 256,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONN_TIMEOUT,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
  if (!h->d) {
    snprintf(err, n, "cannot start the HTTP daemon on %s", o->addr);
    close(fd);
    goto fail;
  }
  log_port(fd);
  *out = h;
  return 0;
fail:
  http_stop(h);
  return -1;
}

void http_stop(http_server *h) {
  unsigned i;
  if (!h)
    return;
  if (h->d)
    MHD_stop_daemon(h->d);
  for (i = 0; i < h->n; i++)
    credo_close(h->all[i]);
  free(h->all);
  free(h->idle);
  http_limiter_free(h->lim);
  pthread_cond_destroy(&h->cv);
  pthread_mutex_destroy(&h->mu);
  free(h);
}
