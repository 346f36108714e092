/*
 * srv_listen.c -- the listening socket, the accept loop, the connection
 * cap and the end of the server's life.
 *
 * Invariants: only this thread accepts and calls credo_dup on the admin
 * handle; a connection thread exists for every accepted socket until it
 * has closed it (srv->nconn counts them, under srv->mu); a connection
 * refused by a slot cap (srv_slots.c: in all, per address, still
 * authenticating) still gets a thread that tells the client which cap and
 * closes (at most 16 such at once, beyond which the socket is closed at
 * once), so the caps are never exceeded by real sessions. The
 * loop waits in ppoll() with SIGTERM/SIGINT unblocked only there, so the
 * stop flag is seen at once and no other thread runs the handler.
 *
 * Does not: speak the protocol (srv_conn.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "srv.h"

#define MAX_REJECTING 16

/* Splits "host:port" / "[v6]:port" into host and port strings. */
static int split_addr(const char *addr, char *host, size_t hn, char *port,
                      size_t pn) {
  const char *colon;
  size_t hl;
  if (addr[0] == '[') {
    const char *close = strchr(addr, ']');
    if (!close || close[1] != ':')
      return -1;
    hl = (size_t)(close - addr - 1);
    colon = close + 1;
    addr++;
  } else {
    colon = strrchr(addr, ':');
    if (!colon)
      return -1;
    hl = (size_t)(colon - addr);
  }
  if (hl == 0 || hl >= hn || strlen(colon + 1) == 0 || strlen(colon + 1) >= pn)
    return -1;
  memcpy(host, addr, hl);
  host[hl] = '\0';
  snprintf(port, pn, "%s", colon + 1);
  return 0;
}

static int is_loopback(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
  }
  return 0;
}

int srv_listen_open(const char *addr, int plaintext_ok, int *fd, char *err,
                    size_t n) {
  char host[256], port[16];
  struct addrinfo hints = {0}, *ai = NULL;
  int one = 1, r, s = -1;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  if (split_addr(addr, host, sizeof host, port, sizeof port) < 0) {
    snprintf(err, n, "listen address '%s' is not HOST:PORT", addr);
    return -1;
  }
  r = getaddrinfo(host, port, &hints, &ai);
  if (r != 0) {
    snprintf(err, n, "cannot resolve '%s': %s", addr, gai_strerror(r));
    return -1;
  }
  if (!plaintext_ok && !is_loopback(ai->ai_addr)) {
    snprintf(err, n,
             "refusing to listen on %s without TLS: it is not a loopback "
             "address, so passwords and credit records would cross the "
             "network in clear. Give --tls-cert and --tls-key, or "
             "--allow-plaintext if the network is trusted",
             addr);
    freeaddrinfo(ai);
    return -1;
  }
  s = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    goto fail;
  (void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(s, ai->ai_addr, ai->ai_addrlen) < 0 || listen(s, 512) < 0 ||
      cl_io_prepare_socket(s) < 0)
    goto fail;
  freeaddrinfo(ai);
  *fd = s;
  return 0;
fail:
  snprintf(err, n, "cannot listen on %s: %s", addr, strerror(errno));
  if (s >= 0)
    close(s);
  freeaddrinfo(ai);
  return -1;
}

static void format_peer(const struct sockaddr_storage *ss, char *ip, size_t ipn,
                        char *peer, size_t pn) {
  unsigned port = 0;
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &a->sin6_addr, ip, (socklen_t)ipn);
    port = ntohs(a->sin6_port);
    snprintf(peer, pn, "[%s]:%u", ip, port);
    return;
  }
  const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
  inet_ntop(AF_INET, &a->sin_addr, ip, (socklen_t)ipn);
  port = ntohs(a->sin_port);
  snprintf(peer, pn, "%s:%u", ip, port);
}

/* Makes the connection object for socket `fd`: refused by a slot cap
 * (`reject`, an SRV_SLOT_* code) it only says so; else it gets its own
 * engine handle. NULL when it cannot. */
static srv_conn *conn_new(srv_ctx *srv, int fd, const char *ip,
                          const char *peer, unsigned id, int reject) {
  srv_conn *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->srv = srv;
  c->id = id;
  c->reject = reject;
  c->io.fd = fd;
  c->io.wake_fd = srv->wake_rd;
  snprintf(c->peer_ip, sizeof c->peer_ip, "%s", ip);
  snprintf(c->peer, sizeof c->peer, "%s", peer);
  if (!reject && credo_dup(srv->admin, &c->db) != CREDO_OK) {
    free(c);
    return NULL;
  }
  /* max_time also holds inside one step (an aggregate over everything)
   * and bounds the wait for the store's writer */
  if (c->db) {
    credo_set_timeout(c->db, (int64_t)srv->cfg->max_time_ms * 1000);
    credo_set_busy_timeout(c->db, (int64_t)srv->cfg->max_time_ms * 1000);
  }
  return c;
}

void srv_conn_ended(srv_ctx *srv, const char *ip, int held, int authed) {
  if (held)
    srv_slot_give(&srv->slots, ip, authed);
  pthread_mutex_lock(&srv->mu);
  srv->nconn--;
  pthread_cond_broadcast(&srv->idle);
  pthread_mutex_unlock(&srv->mu);
}

/* Admits one accepted socket: takes its slot (or notes the cap that
 * refuses it), counts its thread and starts it (a PostgreSQL session's
 * when `pg`). */
static void admit(srv_ctx *srv, int fd, const struct sockaddr_storage *ss,
                  int pg) {
  pthread_attr_t attr;
  pthread_t th;
  srv_conn *c;
  unsigned id;
  int reject;
  char ip[64], peer[80];

  format_peer(ss, ip, sizeof ip, peer, sizeof peer);
  reject = srv_slot_take(&srv->slots, ip);
  pthread_mutex_lock(&srv->mu);
  if (reject && srv->nconn >= srv->slots.total + MAX_REJECTING) {
    pthread_mutex_unlock(&srv->mu);
    srv_log(SRV_WARN, "reject", "peer=%s reason=%s action=close", peer,
            reject == SRV_SLOT_TOTAL ? "max_conn" : "slot_cap");
    close(fd);
    return;
  }
  id = ++srv->next_id;
  srv->nconn++;
  pthread_mutex_unlock(&srv->mu);
  if (pg) {
    if (cl_io_prepare_socket(fd) == 0 &&
        pg_conn_start(srv, fd, id, reject, peer, ip) == 0)
      return;
    c = NULL;
    goto failed;
  }
  c = cl_io_prepare_socket(fd) == 0 ? conn_new(srv, fd, ip, peer, id, reject)
                                    : NULL;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (c && pthread_create(&th, &attr, srv_conn_thread, c) == 0) {
    pthread_attr_destroy(&attr);
    return;
  }
  pthread_attr_destroy(&attr);
failed:
  srv_log(SRV_ERROR, "reject", "conn=%u reason=resources", id);
  if (c)
    credo_close(c->db);
  free(c);
  close(fd);
  srv_conn_ended(srv, ip, !reject, 0);
}

/* Accepts every pending connection. -1 when out of file descriptors (the
 * caller pauses instead of spinning on a listening socket that stays
 * readable), else 0. */
static int accept_all(srv_ctx *srv, int lfd, int pg) {
  for (;;) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
      srv_log(SRV_ERROR, "accept", "error=too_many_open_files");
      return -1;
    }
    if (fd < 0)
      return 0;
    admit(srv, fd, &ss, pg);
  }
}

/* Stops: no more accepting, wake the connections, wait for them. */
static void shutdown_all(srv_ctx *srv, int lfd) {
  unsigned left;
  close(lfd);
  if (srv->pg_lfd >= 0)
    close(srv->pg_lfd);
  srv->pg_lfd = -1;
  atomic_store(&srv->stopping, 1);
  pthread_mutex_lock(&srv->mu);
  left = srv->nconn;
  pthread_mutex_unlock(&srv->mu);
  srv_log(SRV_INFO, "shutdown", "phase=draining connections=%u", left);
  close(srv->wake_wr);
  srv->wake_wr = -1;
  pthread_mutex_lock(&srv->mu);
  while (srv->nconn > 0)
    pthread_cond_wait(&srv->idle, &srv->mu);
  pthread_mutex_unlock(&srv->mu);
}

void srv_listen_run(srv_ctx *srv, int lfd) {
  sigset_t open_mask;
  pthread_sigmask(SIG_SETMASK, NULL, &open_mask);
  sigdelset(&open_mask, SIGTERM);
  sigdelset(&open_mask, SIGINT);
  while (!*srv->stop) {
    struct pollfd p[2] = {{lfd, POLLIN, 0}, {srv->pg_lfd, POLLIN, 0}};
    int r = ppoll(p, srv->pg_lfd >= 0 ? 2 : 1, NULL, &open_mask), a = 0;
    if (r < 0 && errno != EINTR) {
      srv_log(SRV_ERROR, "accept", "error=poll_failed");
      break;
    }
    if (r > 0 && p[0].revents)
      a |= accept_all(srv, lfd, 0);
    if (r > 0 && srv->pg_lfd >= 0 && p[1].revents)
      a |= accept_all(srv, srv->pg_lfd, 1);
    if (a < 0) {
      struct timespec pause = {0, 100 * 1000 * 1000};
      ppoll(NULL, 0, &pause, &open_mask);
    }
  }
  shutdown_all(srv, lfd);
}
