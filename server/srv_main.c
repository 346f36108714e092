/*
 * srv_main.c -- main() of credo-server: options, the security policy of
 * the listen address, signals, --init-admin, and the server's life.
 *
 * Life: parse options -> (init-admin: create the user, exit) -> refuse a
 * non-loopback address without TLS unless --allow-plaintext -> open the
 * store (max readers raised to cover every connection) -> TLS context ->
 * listen -> accept until SIGTERM/SIGINT -> drain connections -> close ->
 * exit 0.
 *
 * Invariants: SIGTERM and SIGINT are blocked in every thread and delivered
 * only inside the accept loop's ppoll(), whose handler sets the one piece
 * of mutable static state, `stop_flag`; SIGPIPE is ignored (writes report
 * EPIPE instead). The password of --init-admin is wiped after use and
 * never printed.
 *
 * Does not: accept or serve connections (srv_listen.c, srv_conn.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "sh_prompt.h"
#include "srv.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig) {
  (void)sig;
  stop_flag = 1;
}

/* Blocks SIGTERM/SIGINT (threads inherit the mask) and installs the
 * handler; ignores SIGPIPE. */
static void setup_signals(void) {
  struct sigaction sa;
  sigset_t set;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* ---------------------------------------------------------- init-admin */

/* The password: CREDO_PASSWORD, else the first line of stdin (echo off
 * on a terminal). 0, or -1 when none. */
static int read_password(char *buf, size_t n) {
  const char *env = getenv("CREDO_PASSWORD");
  if (env && *env) {
    snprintf(buf, n, "%s", env);
    return 0;
  }
  if (sh_read_password("password for the new admin: ", buf, n) < 0)
    return -1;
  return buf[0] ? 0 : -1;
}

/* A user name is a CQL identifier: [A-Za-z_][A-Za-z0-9_]*. */
static int valid_name(const char *s) {
  if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
    return 0;
  for (; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
          (*s >= '0' && *s <= '9') || *s == '_'))
      return 0;
  return 1;
}

/* CREATE USER name ROLE admin PASSWORD ? through a prepared statement. */
static int init_admin(const srv_config *cfg) {
  char pw[CL_MAX_PASSWORD + 2], sql[128];
  credo *db = NULL;
  credo_stmt *st = NULL;
  int rc;
  if (!valid_name(cfg->init_admin)) {
    fprintf(stderr,
            "credo-server: user name '%s' must be letters, digits "
            "and _ (not starting with a digit)\n",
            cfg->init_admin);
    return 2;
  }
  if (read_password(pw, sizeof pw) < 0) {
    fprintf(stderr, "credo-server: no password (set CREDO_PASSWORD or give "
                    "it on stdin)\n");
    return 1;
  }
  snprintf(sql, sizeof sql, "CREATE USER %s ROLE admin PASSWORD ?",
           cfg->init_admin);
  rc = credo_open(cfg->store, NULL, &db);
  if (rc == CREDO_OK)
    rc = credo_set_min_password(db, cfg->min_password);
  if (rc == CREDO_OK)
    rc = credo_prepare(db, sql, -1, &st, NULL);
  if (rc == CREDO_OK)
    rc = credo_bind_text(st, 1, pw, -1);
  while (rc == CREDO_OK && (rc = credo_step(st)) == CREDO_ROW)
    rc = CREDO_OK;
  explicit_bzero(pw, sizeof pw);
  if (rc != CREDO_DONE)
    fprintf(stderr, "credo-server: cannot create admin '%s': %s\n",
            cfg->init_admin, db ? credo_errmsg(db) : credo_strerror(rc));
  else
    printf("created admin user '%s'\n", cfg->init_admin);
  credo_finalize(st);
  credo_close(db);
  return rc == CREDO_DONE ? 0 : 1;
}

/* ------------------------------------------------------------ serving */

/* Opens what the server needs, in order; -1 after reporting. */
static int start(const srv_config *cfg, srv_ctx *srv, int *lfd) {
  credo_options opt = {0};
  char err[SRV_PATH_MAX + 1200];
  int rc, p[2];
  if (srv_listen_open(cfg->listen, cfg->tls_cert[0] || cfg->allow_plaintext,
                      lfd, err, sizeof err) < 0)
    goto fail;
  if (cfg->pg_listen[0] &&
      srv_listen_open(cfg->pg_listen, cfg->tls_cert[0] || cfg->allow_plaintext,
                      &srv->pg_lfd, err, sizeof err) < 0)
    goto fail;
  if (cfg->tls_cert[0] &&
      !(srv->tls = srv_tls_ctx(cfg->tls_cert, cfg->tls_key, err, sizeof err)))
    goto fail;
  opt.max_readers = cfg->max_conn + cfg->http_threads + 32;
  rc = credo_open(cfg->store, &opt, &srv->admin);
  if (rc != CREDO_OK) {
    snprintf(err, sizeof err, "cannot open store %s: %s", cfg->store,
             srv->admin ? credo_errmsg(srv->admin) : credo_strerror(rc));
    goto fail;
  }
  /* every session handle is a credo_dup of admin and inherits it */
  credo_set_min_password(srv->admin, cfg->min_password);
  if (pipe(p) < 0) {
    snprintf(err, sizeof err, "pipe: %s", strerror(errno));
    goto fail;
  }
  srv->wake_rd = p[0];
  srv->wake_wr = p[1];
  return 0;
fail:
  fprintf(stderr, "credo-server: %s\n", err);
  srv_log(SRV_ERROR, "start_failed", "reason=%s",
          srv_logq((char[SRV_PATH_MAX + 1300]){0}, SRV_PATH_MAX + 1300, err));
  return -1;
}

/* The address actually bound (port 0 becomes the chosen port). */
static void log_listening(const srv_config *cfg, int lfd, int tls,
                          const char *proto) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  char host[64] = "?";
  unsigned port = 0;
  if (getsockname(lfd, (struct sockaddr *)&ss, &sl) == 0) {
    if (ss.ss_family == AF_INET6) {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
      inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
      port = ntohs(a->sin6_port);
    } else {
      struct sockaddr_in *a = (struct sockaddr_in *)&ss;
      inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
      port = ntohs(a->sin_port);
    }
  }
  srv_log(SRV_INFO, "listening",
          "proto=%s addr=%s%s%s:%u port=%u tls=%d store=%s max_conn=%u "
          "version=%s",
          proto, ss.ss_family == AF_INET6 ? "[" : "", host,
          ss.ss_family == AF_INET6 ? "]" : "", port, port, tls,
          srv_logq((char[SRV_PATH_MAX + 8]){0}, SRV_PATH_MAX + 8, cfg->store),
          cfg->max_conn, credo_version());
}

/* The public look-up (--http), on handles dup'ed from the admin one. */
static int start_http(const srv_config *cfg, srv_ctx *srv, http_server **h) {
  http_opts o = {cfg->http, cfg->allow_plaintext, cfg->http_threads,
                 cfg->http_rate, cfg->max_conn};
  char err[512];
  if (!cfg->http[0] || http_start(&o, srv->admin, h, err, sizeof err) == 0)
    return 0;
  fprintf(stderr, "credo-server: %s\n", err);
  srv_log(SRV_ERROR, "start_failed", "reason=%s",
          srv_logq((char[600]){0}, 600, err));
  return -1;
}

int main(int argc, char **argv) {
  srv_config cfg;
  srv_ctx srv;
  http_server *web = NULL;
  srv_purge *purge = NULL;
  int lfd = -1, rc = srv_config_parse(argc, argv, &cfg);
  if (rc != 0)
    return rc == 1 ? 0 : 2;
  if (cfg.init_admin[0])
    return init_admin(&cfg);
  setup_signals();
  memset(&srv, 0, sizeof srv);
  srv.cfg = &cfg;
  srv.stop = &stop_flag;
  srv.wake_rd = srv.wake_wr = -1;
  srv.pg_lfd = -1;
  srv_backoff_init(&srv.backoff, cfg.hash_workers);
  if (srv_slots_init(&srv.slots,
                     &(srv_caps){cfg.max_conn, cfg.max_conn_per_addr,
                                 cfg.max_unauth, cfg.max_unauth_per_addr}) <
      0) {
    fprintf(stderr, "credo-server: out of memory\n");
    return 1;
  }
  pthread_mutex_init(&srv.mu, NULL);
  pthread_cond_init(&srv.idle, NULL);
  if (start(&cfg, &srv, &lfd) < 0 || start_http(&cfg, &srv, &web) < 0) {
    rc = 1;
    goto out;
  }
  purge = srv_purge_start(srv.admin, cfg.purge_interval);
  log_listening(&cfg, lfd, srv.tls != NULL, "credo");
  if (srv.pg_lfd >= 0)
    log_listening(&cfg, srv.pg_lfd, srv.tls != NULL, "pg");
  srv_listen_run(&srv, lfd);
  lfd = -1;
  http_stop(web);
  web = NULL;
  srv_purge_stop(purge);
  purge = NULL;
  srv_log(SRV_INFO, "stopped", "exit=0");
out:
  srv_purge_stop(purge);
  http_stop(web);
  if (lfd >= 0)
    close(lfd);
  if (srv.pg_lfd >= 0)
    close(srv.pg_lfd);
  if (srv.wake_rd >= 0)
    close(srv.wake_rd);
  if (srv.wake_wr >= 0)
    close(srv.wake_wr);
  credo_close(srv.admin);
  SSL_CTX_free(srv.tls);
  pthread_cond_destroy(&srv.idle);
  pthread_mutex_destroy(&srv.mu);
  srv_backoff_destroy(&srv.backoff);
  srv_slots_destroy(&srv.slots);
  return rc;
}
