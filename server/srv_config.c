/*
 * srv_config.c -- credo-server's options: defaults, the config file and
 * the command line, with --help and --version.
 *
 * Config file: one `key = value` per line, keys the long option names
 * without dashes (`listen = 127.0.0.1:7411`, `allow-plaintext = true`),
 * `#` starts a comment line. Order of precedence: defaults, then the file
 * named by --config, then the other command-line options.
 *
 * Invariants: every numeric option is range-checked with a message naming
 * the option; on a usage error nothing has been opened or started.
 *
 * Does not: check the TLS/loopback policy (srv_main.c) or open anything.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srv.h"

enum {
  OPT_STORE = 1,
  OPT_LISTEN,
  OPT_PGLISTEN,
  OPT_CERT,
  OPT_KEY,
  OPT_PLAIN,
  OPT_MAXCONN,
  OPT_MAXCONNADDR,
  OPT_MAXUNAUTH,
  OPT_MAXUNAUTHADDR,
  OPT_HASHWORKERS,
  OPT_MAXTXNTIME,
  OPT_MINPASSWORD,
  OPT_MAXFRAME,
  OPT_AUTHTO,
  OPT_IDLETO,
  OPT_MAXROWS,
  OPT_MAXTIME,
  OPT_CONFIG,
  OPT_INITADMIN,
  OPT_HTTP,
  OPT_HTTPRATE,
  OPT_HTTPTHREADS,
  OPT_PURGE,
  OPT_HELP,
  OPT_VERSION
};

static const struct option long_opts[] = {
    {"store", required_argument, 0, OPT_STORE},
    {"listen", required_argument, 0, OPT_LISTEN},
    {"pg-listen", required_argument, 0, OPT_PGLISTEN},
    {"tls-cert", required_argument, 0, OPT_CERT},
    {"tls-key", required_argument, 0, OPT_KEY},
    {"allow-plaintext", no_argument, 0, OPT_PLAIN},
    {"max-conn", required_argument, 0, OPT_MAXCONN},
    {"max-conn-per-addr", required_argument, 0, OPT_MAXCONNADDR},
    {"max-unauth", required_argument, 0, OPT_MAXUNAUTH},
    {"max-unauth-per-addr", required_argument, 0, OPT_MAXUNAUTHADDR},
    {"hash-workers", required_argument, 0, OPT_HASHWORKERS},
    {"max-txn-time", required_argument, 0, OPT_MAXTXNTIME},
    {"min-password-length", required_argument, 0, OPT_MINPASSWORD},
    {"max-frame", required_argument, 0, OPT_MAXFRAME},
    {"auth-timeout", required_argument, 0, OPT_AUTHTO},
    {"idle-timeout", required_argument, 0, OPT_IDLETO},
    {"max-rows", required_argument, 0, OPT_MAXROWS},
    {"max-time", required_argument, 0, OPT_MAXTIME},
    {"config", required_argument, 0, OPT_CONFIG},
    {"init-admin", required_argument, 0, OPT_INITADMIN},
    {"http", required_argument, 0, OPT_HTTP},
    {"http-rate", required_argument, 0, OPT_HTTPRATE},
    {"http-threads", required_argument, 0, OPT_HTTPTHREADS},
    {"purge-interval", required_argument, 0, OPT_PURGE},
    {"help", no_argument, 0, OPT_HELP},
    {"version", no_argument, 0, OPT_VERSION},
    {0, 0, 0, 0}};

static void usage(FILE *f) {
  fputs(
      "usage: credo-server --store DIR [OPTIONS]\n"
      "       credo-server --store DIR --init-admin NAME\n"
      "\n"
      "Serves a credo store over the credo wire protocol (docs/protocol.md).\n"
      "\n"
      "  --store DIR           the store directory (created if missing)\n"
      "  --listen HOST:PORT    address to listen on (default 127.0.0.1:7411;\n"
      "                        port 0 picks a free port, logged at start)\n"
      "  --pg-listen HOST:PORT also speak the PostgreSQL protocol there\n"
      "                        (psql, drivers, BI tools; docs/pgwire.md)\n"
      "  --tls-cert FILE       PEM certificate chain: serve TLS 1.2+\n"
      "  --tls-key FILE        PEM private key of the certificate\n"
      "  --allow-plaintext     allow a non-loopback address without TLS\n"
      "  --max-conn N          concurrent connections (default 256)\n"
      "  --max-conn-per-addr N connections of one peer address (default\n"
      "                        128)\n"
      "  --max-unauth N        connections still authenticating (default\n"
      "                        64)\n"
      "  --max-unauth-per-addr N  the same, per peer address (default 32)\n"
      "  --hash-workers N      password checks at once (argon2id, 64 MiB\n"
      "                        each; default 2); the others wait their turn\n"
      "  --max-txn-time S      seconds a BEGIN ... COMMIT may stay open\n"
      "                        (default 30); then it is rolled back\n"
      "  --min-password-length N  fewest characters of a password set by\n"
      "                        CREATE/ALTER USER or --init-admin (default\n"
      "                        10)\n"
      "  --max-frame BYTES     largest client frame (default 1048576)\n"
      "  --auth-timeout S      seconds to complete the handshake (default "
      "10)\n"
      "  --idle-timeout S      seconds a connection may stay idle (default "
      "300)\n"
      "  --max-rows N          rows per statement (default 1000000)\n"
      "  --max-time S          seconds per statement (decimals allowed),\n"
      "                        waiting for the writer included (default 60)\n"
      "  --http HOST:PORT      also serve the public credit look-up (web\n"
      "                        pages and JSON API, public role only;\n"
      "                        docs/http.md) on this address\n"
      "  --http-rate N         requests per second per client address\n"
      "                        (default 20; 0 = no limit); over it: 429\n"
      "  --http-threads N      worker threads of the look-up (default 4)\n"
      "  --purge-interval S    erase the records whose retention ran out\n"
      "                        (types with RETAIN) every S seconds\n"
      "                        (default 0: never; credo purge does it once)\n"
      "  --config FILE         read `key = value` lines (the long option\n"
      "                        names); command-line options win\n"
      "  --init-admin NAME     create the admin user NAME (password from\n"
      "                        CREDO_PASSWORD or the first line of stdin),\n"
      "                        then exit\n"
      "  --help, --version\n"
      "\n"
      "Stops gracefully on SIGTERM or SIGINT. Logs to stderr, one line per\n"
      "event.\n",
      f);
}

static void defaults(srv_config *c) {
  memset(c, 0, sizeof *c);
  snprintf(c->listen, sizeof c->listen, "127.0.0.1:%d", CL_DEFAULT_PORT);
  c->max_conn = 256;
  c->max_conn_per_addr = 128;
  c->max_unauth = 64;
  c->max_unauth_per_addr = 32;
  c->hash_workers = 2;
  c->max_txn_time = 30;
  c->min_password = CREDO_MIN_PASSWORD_DEFAULT;
  c->max_frame = CL_DEFAULT_MAX_FRAME;
  c->auth_timeout = 10;
  c->idle_timeout = 300;
  c->max_rows = 1000000;
  c->max_time_ms = 60000;
  c->http_rate = 20;
  c->http_threads = 4;
}

/* Parses an unsigned number within [lo, hi] for option `name`. */
static int num(const char *name, const char *s, uint64_t lo, uint64_t hi,
               uint64_t *out) {
  char *end;
  unsigned long long v;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno || end == s || *end || *s == '-' || v < lo || v > hi) {
    fprintf(stderr,
            "credo-server: --%s must be a number from %llu to %llu, not "
            "'%s'\n",
            name, (unsigned long long)lo, (unsigned long long)hi, s);
    return -1;
  }
  *out = v;
  return 0;
}

/* Parses seconds with up to 3 decimals ("60", "0.25") into milliseconds
 * within [lo, hi] for option `name`. */
static int seconds_ms(const char *name, const char *s, uint64_t lo, uint64_t hi,
                      uint64_t *out) {
  char *end;
  double v;
  errno = 0;
  v = strtod(s, &end);
  if (errno || end == s || *end || *s == '-' || v * 1000 < (double)lo ||
      v * 1000 > (double)hi) {
    fprintf(stderr,
            "credo-server: --%s must be seconds from %g to %g (milliseconds "
            "at most), not '%s'\n",
            name, lo / 1000.0, hi / 1000.0, s);
    return -1;
  }
  *out = (uint64_t)(v * 1000 + 0.5);
  return 0;
}

static int copy(const char *name, char *dst, size_t n, const char *s) {
  if (strlen(s) >= n || !*s) {
    fprintf(stderr, "credo-server: --%s must be 1-%zu characters\n", name,
            n - 1);
    return -1;
  }
  memcpy(dst, s, strlen(s) + 1);
  return 0;
}

static int bool_value(const char *s, int *out) {
  if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1"))
    *out = 1;
  else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcmp(s, "0"))
    *out = 0;
  else
    return -1;
  return 0;
}

/* Applies one option (from argv or the file); `v` is NULL for a flag. */
static int apply(srv_config *c, int id, const char *v) {
  uint64_t n = 0;
  int rc = 0;
  switch (id) {
  case OPT_STORE:
    return copy("store", c->store, sizeof c->store, v);
  case OPT_LISTEN:
    return copy("listen", c->listen, sizeof c->listen, v);
  case OPT_PGLISTEN:
    return copy("pg-listen", c->pg_listen, sizeof c->pg_listen, v);
  case OPT_CERT:
    return copy("tls-cert", c->tls_cert, sizeof c->tls_cert, v);
  case OPT_KEY:
    return copy("tls-key", c->tls_key, sizeof c->tls_key, v);
  case OPT_INITADMIN:
    return copy("init-admin", c->init_admin, sizeof c->init_admin, v);
  case OPT_HTTP:
    return copy("http", c->http, sizeof c->http, v);
  case OPT_HTTPRATE:
    rc = num("http-rate", v, 0, 1000000, &n);
    c->http_rate = (unsigned)n;
    break;
  case OPT_HTTPTHREADS:
    rc = num("http-threads", v, 1, 256, &n);
    c->http_threads = (unsigned)n;
    break;
  case OPT_PURGE:
    rc = num("purge-interval", v, 0, 31u * 86400u, &n);
    c->purge_interval = (unsigned)n;
    break;
  case OPT_PLAIN:
    if (v && bool_value(v, &c->allow_plaintext) < 0) {
      fprintf(stderr, "credo-server: allow-plaintext must be true or false\n");
      return -1;
    }
    if (!v)
      c->allow_plaintext = 1;
    return 0;
  case OPT_MAXCONN:
    rc = num("max-conn", v, 1, 100000, &n);
    c->max_conn = (unsigned)n;
    break;
  case OPT_MAXCONNADDR:
    rc = num("max-conn-per-addr", v, 1, 100000, &n);
    c->max_conn_per_addr = (unsigned)n;
    break;
  case OPT_MAXUNAUTH:
    rc = num("max-unauth", v, 1, 100000, &n);
    c->max_unauth = (unsigned)n;
    break;
  case OPT_MAXUNAUTHADDR:
    rc = num("max-unauth-per-addr", v, 1, 100000, &n);
    c->max_unauth_per_addr = (unsigned)n;
    break;
  case OPT_HASHWORKERS:
    rc = num("hash-workers", v, 1, 64, &n);
    c->hash_workers = (unsigned)n;
    break;
  case OPT_MAXTXNTIME:
    rc = num("max-txn-time", v, 1, 86400, &n);
    c->max_txn_time = (unsigned)n;
    break;
  case OPT_MINPASSWORD:
    rc = num("min-password-length", v, 1, CREDO_MIN_PASSWORD_MAX, &n);
    c->min_password = (unsigned)n;
    break;
  case OPT_MAXFRAME:
    rc = num("max-frame", v, 4096, 256u << 20, &n);
    c->max_frame = (uint32_t)n;
    break;
  case OPT_AUTHTO:
    rc = num("auth-timeout", v, 1, 3600, &n);
    c->auth_timeout = (unsigned)n;
    break;
  case OPT_IDLETO:
    rc = num("idle-timeout", v, 1, 7 * 86400, &n);
    c->idle_timeout = (unsigned)n;
    break;
  case OPT_MAXROWS:
    rc = num("max-rows", v, 1, UINT64_MAX / 2, &n);
    c->max_rows = n;
    break;
  case OPT_MAXTIME:
    rc = seconds_ms("max-time", v, 1, 86400000, &n);
    c->max_time_ms = n;
    break;
  default:
    fprintf(stderr, "credo-server: option not allowed here\n");
    return -1;
  }
  return rc;
}

static char *trim(char *s) {
  char *e;
  while (*s == ' ' || *s == '\t')
    s++;
  e = s + strlen(s);
  while (e > s &&
         (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
    *--e = '\0';
  return s;
}

/* Applies one `key = value` line of the config file. */
static int file_line(srv_config *c, char *line, const char *path, int lno) {
  char *eq = strchr(line, '='), *key, *val;
  if (!eq)
    goto bad;
  *eq = '\0';
  key = trim(line);
  val = trim(eq + 1);
  for (const struct option *o = long_opts; o->name; o++) {
    if (strcmp(o->name, key) != 0 || o->val == OPT_CONFIG ||
        o->val == OPT_HELP || o->val == OPT_VERSION)
      continue;
    if (apply(c, o->val, val) == 0)
      return 0;
    fprintf(stderr, "credo-server: in %s line %d\n", path, lno);
    return -1;
  }
bad:
  fprintf(stderr,
          "credo-server: %s line %d: expected `key = value` with a long "
          "option name\n",
          path, lno);
  return -1;
}

static int load_file(srv_config *c, const char *path) {
  char line[SRV_PATH_MAX + 64];
  int lno = 0, rc = 0;
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "credo-server: cannot read config %s: %s\n", path,
            strerror(errno));
    return -1;
  }
  while (rc == 0 && fgets(line, sizeof line, f)) {
    char *s = trim(line);
    lno++;
    if (*s && *s != '#')
      rc = file_line(c, s, path, lno);
  }
  fclose(f);
  return rc;
}

/* Finds --config in argv (both --config F and --config=F). */
static const char *config_path(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
      return argv[i + 1];
    if (strncmp(argv[i], "--config=", 9) == 0)
      return argv[i] + 9;
  }
  return NULL;
}

int srv_config_parse(int argc, char **argv, srv_config *cfg) {
  const char *file = config_path(argc, argv);
  int id;
  defaults(cfg);
  if (file && load_file(cfg, file) < 0)
    return 2;
  optind = 1;
  while ((id = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
    if (id == OPT_HELP) {
      usage(stdout);
      return 1;
    }
    if (id == OPT_VERSION) {
      printf("credo-server %s (protocol %d..%d)\n", credo_version(),
             CL_PROTO_MIN_VERSION, CL_PROTO_VERSION);
      return 1;
    }
    if (id == '?' || (id != OPT_CONFIG && apply(cfg, id, optarg) < 0))
      goto usage_error;
  }
  if (optind < argc) {
    fprintf(stderr, "credo-server: unexpected argument '%s'\n", argv[optind]);
    goto usage_error;
  }
  if (!cfg->store[0]) {
    fprintf(stderr, "credo-server: --store DIR is required\n");
    goto usage_error;
  }
  if (!cfg->tls_cert[0] != !cfg->tls_key[0]) {
    fprintf(stderr, "credo-server: --tls-cert and --tls-key go together\n");
    goto usage_error;
  }
  return 0;
usage_error:
  fputs("Try 'credo-server --help'.\n", stderr);
  return 2;
}
