/*
 * cl_io.c -- reads and writes with deadlines over plain or TLS sockets
 * (see cl_io.h).
 *
 * Invariants: the socket is non-blocking; every wait is a poll() bounded
 * by the caller's deadline; SSL's WANT_READ / WANT_WRITE decide which
 * direction to wait for, so a TLS read that needs a write (key update)
 * still progresses. Signals interrupting poll() are retried.
 *
 * Does not: own or close the socket or the SSL object.
 */
#include "cl_io.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int64_t cl_now_ms(void) {
  struct timespec ts;
#ifdef CLOCK_MONOTONIC_COARSE /* a few ms of resolution is plenty for          \
                                 timeouts, and it costs far less */
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
#else
  clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t cl_now_ms_exact(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cl_io_prepare_socket(int fd) {
  int one = 1;
  int fl = fcntl(fd, F_GETFL, 0);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
    return -1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return 0;
}

int cl_io_wait(cl_io *io, short events, int64_t deadline, int wake) {
  struct pollfd p[2] = {{io->fd, events, 0}, {io->wake_fd, POLLIN, 0}};
  nfds_t n = wake && io->wake_fd >= 0 ? 2 : 1;
  for (;;) {
    int64_t left = deadline - cl_now_ms();
    int r;
    if (deadline == CL_IO_NOWAIT || left <= 0)
      return CL_IO_TIMEOUT;
    r = poll(p, n, left > 1000000 ? 1000000 : (int)left);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return CL_IO_ERR;
    if (n == 2 && p[1].revents)
      return CL_IO_WAKE;
    if (p[0].revents & (events | POLLHUP | POLLERR))
      return 0;
  }
}

/* One attempt at reading; CL_IO_AGAIN with *want set to the direction to
 * wait for. */
static ssize_t read_once(cl_io *io, void *buf, size_t n, short *want) {
  *want = POLLIN;
  if (io->ssl) {
    int r = SSL_read(io->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
    if (r > 0)
      return r;
    switch (SSL_get_error(io->ssl, r)) {
    case SSL_ERROR_WANT_READ:
      return CL_IO_AGAIN;
    case SSL_ERROR_WANT_WRITE:
      *want = POLLOUT;
      return CL_IO_AGAIN;
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    default:
      ERR_clear_error();
      return CL_IO_ERR;
    }
  }
  for (;;) {
    ssize_t r = recv(io->fd, buf, n, 0);
    if (r >= 0)
      return r;
    if (errno == EINTR)
      continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? CL_IO_AGAIN : CL_IO_ERR;
  }
}

ssize_t cl_io_read(cl_io *io, void *buf, size_t n, int64_t deadline) {
  for (;;) {
    short want;
    ssize_t r = read_once(io, buf, n, &want);
    int w;
    if (r != CL_IO_AGAIN || deadline == CL_IO_NOWAIT)
      return r;
    w = cl_io_wait(io, want, deadline, 1);
    if (w != 0)
      return w;
  }
}

static ssize_t write_once(cl_io *io, const void *buf, size_t n, short *want) {
  *want = POLLOUT;
  if (io->ssl) {
    int r = SSL_write(io->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
    if (r > 0)
      return r;
    switch (SSL_get_error(io->ssl, r)) {
    case SSL_ERROR_WANT_WRITE:
      return CL_IO_AGAIN;
    case SSL_ERROR_WANT_READ:
      *want = POLLIN;
      return CL_IO_AGAIN;
    default:
      ERR_clear_error();
      return CL_IO_ERR;
    }
  }
  for (;;) {
    ssize_t r = send(io->fd, buf, n, MSG_NOSIGNAL);
    if (r >= 0)
      return r;
    if (errno == EINTR)
      continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? CL_IO_AGAIN : CL_IO_ERR;
  }
}

int cl_io_write(cl_io *io, const void *buf, size_t n, int64_t deadline) {
  const unsigned char *p = buf;
  while (n > 0) {
    short want;
    ssize_t r = write_once(io, p, n, &want);
    if (r > 0) {
      p += r;
      n -= (size_t)r;
      continue;
    }
    if (r != CL_IO_AGAIN)
      return CL_IO_ERR;
    r = cl_io_wait(io, want, deadline, 0);
    if (r != 0)
      return (int)r;
  }
  return 0;
}

int cl_io_flush(cl_io *io, const void *buf, size_t *n, int oom,
                int64_t deadline) {
  int r;
  if (oom)
    return CL_IO_NOMEM;
  if (*n == 0)
    return 0;
  r = cl_io_write(io, buf, *n, deadline);
  *n = 0;
  return r;
}
