/*
 * cl_io.h -- blocking-with-deadline I/O over a non-blocking socket, plain
 * or TLS (OpenSSL), shared by the client library and the server (wire/,
 * beside the codec; the cl_ prefix predates the move out of client/).
 *
 * Owns: reads and writes that wait with poll() until a deadline on the
 * monotonic clock, optionally also waking when a second descriptor (the
 * server's shutdown pipe) becomes readable; TLS's want-read/want-write
 * dance.
 *
 * Does not: frame anything (cl_frame), make TLS contexts or handshakes
 * (cl_net.c for clients, srv_tls.c for the server), or own the socket.
 */
#ifndef CREDO_CL_IO_H
#define CREDO_CL_IO_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Results besides byte counts (0 is end of stream). */
#define CL_IO_TIMEOUT (-1) /* the deadline passed */
#define CL_IO_WAKE (-2)    /* wake_fd became readable */
#define CL_IO_ERR (-3)     /* the connection failed */
#define CL_IO_AGAIN (-4)   /* nothing yet (deadline CL_IO_NOWAIT only) */
#define CL_IO_NOMEM (-5)   /* the buffer to flush ran out of memory */

#define CL_IO_NOWAIT 0 /* deadline: try once, do not wait */

typedef struct cl_io {
  int fd;      /* non-blocking socket */
  SSL *ssl;    /* NULL for plaintext */
  int wake_fd; /* -1 or a descriptor whose readability interrupts reads */
} cl_io;

/* Milliseconds on the monotonic clock (coarse: a few ms of resolution). */
int64_t cl_now_ms(void);
/* The same clock read exactly (CLOCK_MONOTONIC): never behind a
 * cl_now_ms() instant taken earlier, and never behind the engine's own
 * clock for credo_set_timeout. For deciding after the fact whether a
 * deadline passed; cl_now_ms (coarse: it may lag by a clock tick, ~4 ms)
 * for the deadlines themselves. */
int64_t cl_now_ms_exact(void);

/* Reads up to n bytes (> 0). Returns the count, 0 at end of stream, or a
 * CL_IO_* code. `deadline` is a cl_now_ms() instant or CL_IO_NOWAIT. */
ssize_t cl_io_read(cl_io *io, void *buf, size_t n, int64_t deadline);

/* Writes all n bytes, waiting until `deadline`. 0, or CL_IO_TIMEOUT /
 * CL_IO_ERR. Never interrupted by wake_fd (a reply in flight is sent). */
int cl_io_write(cl_io *io, const void *buf, size_t n, int64_t deadline);

/* Writes out a connection's output buffer (`buf`, *n bytes) as
 * cl_io_write and empties it (*n = 0). 0 (also when empty); CL_IO_NOMEM,
 * writing nothing, when `oom` says building it ran out of memory; else
 * cl_io_write's code. The caller then drops the connection. */
int cl_io_flush(cl_io *io, const void *buf, size_t *n, int oom,
                int64_t deadline);

/* Waits until fd is ready for `events` (POLLIN / POLLOUT), watching
 * wake_fd when `wake` is set. 0 ready, or CL_IO_TIMEOUT / CL_IO_WAKE /
 * CL_IO_ERR. */
int cl_io_wait(cl_io *io, short events, int64_t deadline, int wake);

/* Sets O_NONBLOCK and TCP_NODELAY on a socket. 0 or -1. */
int cl_io_prepare_socket(int fd);

#endif /* CREDO_CL_IO_H */
