/*
 * srv_client.c -- a C client of credo-server for tests/integration/server.sh,
 * using only the public API (credo_open on a credo:// URI, prepare, bind,
 * step), so the client library is tested as a user would use it.
 *
 *   srv_client exec URI SQL          runs SQL (credo_exec), prints rows as
 *                                    tab-separated text; exit 1 on error
 *   srv_client load URI THREADS OPS ACKED
 *                                    THREADS connections, each OPS
 *                                    operations mixing RECORDs (prepared,
 *                                    unique REF) and reads; each
 *                                    acknowledged REF is appended to ACKED
 *   srv_client writer URI TAG ACKED  records until the connection fails
 *                                    (server stopped); appends acked REFs
 *   srv_client check URI ACKED       every REF in ACKED is in the store
 *                                    exactly once; prints the count
 *   srv_client typed URI             calls the typed API (credo_get_stats)
 *                                    on the remote handle; prints its error;
 *                                    credo_set_min_password must say NOTSUP
 *   srv_client stmt URI SQL ARG      prepares SQL with one text parameter,
 *                                    steps it, prints rows; for errors
 *                                    prints "error CODE_NAME: message"
 *   srv_client named URI SQL NAME=TEXT...
 *                                    binds text by name: ":x" through
 *                                    credo_bind_parameter_index (prints
 *                                    "NAME -> index (name)"), "$n" as index
 *                                    n; steps, prints rows as stmt does
 *   srv_client duration URI          binds DURATIONs (credo_bind_duration)
 *                                    and reads duration columns back; prints
 *                                    per column its type, text and exact
 *                                    value (credo_column_duration), the
 *                                    same on a store path and a credo:// URI
 *   srv_client backup-cancel URI DEST
 *                                    credo_backup whose progress callback
 *                                    stops it at once: must return
 *                                    CREDO_CANCELLED and leave no DEST;
 *                                    then the same handle runs a query
 *
 * Invariants: an operation counts as acknowledged only after credo_step
 * returned CREDO_DONE for it; every failure prints the code's name and the
 * message. Exit 0 only when every check held.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo.h"

#define SUBJECT "91350100M000100Y43"

static int print_row(void *arg, int n, const char *const *v,
                     const char *const *names) {
  (void)arg, (void)names;
  for (int i = 0; i < n; i++)
    printf("%s%s", i ? "\t" : "", v[i] ? v[i] : "NULL");
  printf("\n");
  return 0;
}

static int open_uri(const char *uri, credo **db) {
  int rc = credo_open(uri, NULL, db);
  if (rc != CREDO_OK) {
    fprintf(stderr, "open %s: %s: %s\n", uri, credo_errname(rc),
            *db ? credo_errmsg(*db) : credo_strerror(rc));
    credo_close(*db);
    *db = NULL;
  }
  return rc;
}

static int cmd_exec(const char *uri, const char *sql) {
  credo *db;
  int rc;
  if (open_uri(uri, &db) != CREDO_OK)
    return 1;
  rc = credo_exec(db, sql, print_row, NULL);
  if (rc != CREDO_OK)
    printf("error %s: %s\n", credo_errname(rc), credo_errmsg(db));
  credo_close(db);
  return rc == CREDO_OK ? 0 : 1;
}

/* Binds one NAME=TEXT argument of cmd_named; CREDO_NOTFOUND for a name
 * the statement does not have. */
static int bind_named(credo_stmt *st, const char *arg) {
  char name[64];
  const char *eq = strchr(arg, '=');
  int i;
  if (!eq || (size_t)(eq - arg) >= sizeof name)
    return CREDO_INVALID;
  memcpy(name, arg, (size_t)(eq - arg));
  name[eq - arg] = '\0';
  i = name[0] == '$' ? atoi(name + 1) : credo_bind_parameter_index(st, name);
  if (name[0] != '$') {
    const char *back = credo_bind_parameter_name(st, i);
    printf("%s -> %d (%s)\n", name, i, back ? back : "NULL");
  }
  return i > 0 ? credo_bind_text(st, i, eq + 1, -1) : CREDO_NOTFOUND;
}

static int cmd_named(const char *uri, const char *sql, int n, char **args) {
  credo *db;
  credo_stmt *st = NULL;
  int rc;
  if (open_uri(uri, &db) != CREDO_OK)
    return 1;
  rc = credo_prepare(db, sql, -1, &st, NULL);
  for (int k = 0; rc == CREDO_OK && k < n; k++)
    rc = bind_named(st, args[k]);
  while (rc == CREDO_OK && (rc = credo_step(st)) == CREDO_ROW) {
    for (int i = 0; i < credo_column_count(st); i++) {
      const char *t = credo_column_text(st, i);
      printf("%s%s=%s", i ? "\t" : "", credo_column_name(st, i),
             t ? t : "NULL");
    }
    printf("\n");
    rc = CREDO_OK;
  }
  if (rc != CREDO_DONE)
    printf("error %s: %s\n", credo_errname(rc), credo_errmsg(db));
  credo_finalize(st);
  credo_close(db);
  return rc == CREDO_DONE ? 0 : 1;
}

static int cmd_stmt(const char *uri, const char *sql, const char *arg) {
  credo *db;
  credo_stmt *st = NULL;
  int rc;
  if (open_uri(uri, &db) != CREDO_OK)
    return 1;
  rc = credo_prepare(db, sql, -1, &st, NULL);
  if (rc == CREDO_OK && st && credo_bind_count(st) > 0)
    rc = credo_bind_text(st, 1, arg, -1);
  while (rc == CREDO_OK && (rc = credo_step(st)) == CREDO_ROW) {
    for (int i = 0; i < credo_column_count(st); i++) {
      const char *t = credo_column_text(st, i);
      printf("%s%s=%s", i ? "\t" : "", credo_column_name(st, i),
             t ? t : "NULL");
    }
    printf("\n");
    rc = CREDO_OK;
  }
  if (rc != CREDO_DONE)
    printf("error %s: %s\n", credo_errname(rc), credo_errmsg(db));
  credo_finalize(st);
  credo_close(db);
  return rc == CREDO_DONE ? 0 : 1;
}

static int cmd_typed(const char *uri) {
  credo *db;
  credo_stats st;
  int rc;
  if (open_uri(uri, &db) != CREDO_OK)
    return 1;
  rc = credo_get_stats(db, &st);
  if (rc != CREDO_OK)
    printf("error %s: %s\n", credo_errname(rc), credo_errmsg(db));
  /* the password minimum is the server's (--min-password-length) */
  if (credo_set_min_password(db, 4) != CREDO_NOTSUP) {
    printf("credo_set_min_password worked on a remote handle\n");
    rc = CREDO_OK;
  }
  credo_close(db);
  return rc == CREDO_OK ? 0 : 1;
}

/* ------------------------------------------------------------ writes */

typedef struct worker {
  const char *uri, *tag;
  int id, ops;
  FILE *acked;
  pthread_mutex_t *mu;
  int failed;  /* an unexpected failure */
  int written; /* acknowledged records */
} worker;

static int record(credo_stmt *st, const char *ref) {
  int rc;
  credo_reset(st);
  rc = credo_bind_text(st, 1, ref, -1);
  while (rc == CREDO_OK && (rc = credo_step(st)) == CREDO_ROW)
    rc = CREDO_OK;
  return rc == CREDO_DONE ? CREDO_OK : rc;
}

static int read_once(credo_stmt *rd) {
  int rc;
  credo_reset(rd);
  while ((rc = credo_step(rd)) == CREDO_ROW)
    ;
  return rc == CREDO_DONE ? CREDO_OK : rc;
}

static const char *REC_SQL =
    "RECORD penalty_general FOR '" SUBJECT "' OCCURRED NOW - 1 DAYS "
    "SOURCE 'load' REF ? DATA {\"amount_wan\": 1}";
static const char *READ_SQL =
    "SELECT id, ref, occurred FROM events WHERE subject = '" SUBJECT
    "' LIMIT 20";

/* `ops` operations (or until failure when ops < 0); every third a read. */
static void *work(void *arg) {
  worker *w = arg;
  credo *db = NULL;
  credo_stmt *st = NULL, *rd = NULL;
  char ref[96];
  if (open_uri(w->uri, &db) != CREDO_OK ||
      credo_prepare(db, REC_SQL, -1, &st, NULL) != CREDO_OK ||
      credo_prepare(db, READ_SQL, -1, &rd, NULL) != CREDO_OK) {
    fprintf(stderr, "worker %d: %s\n", w->id, db ? credo_errmsg(db) : "");
    w->failed = 1;
    goto out;
  }
  for (int i = 0; w->ops < 0 || i < w->ops; i++) {
    int rc;
    snprintf(ref, sizeof ref, "%s-%d-%d", w->tag, w->id, i);
    rc = i % 3 == 2 ? read_once(rd) : record(st, ref);
    if (rc != CREDO_OK) {
      if (w->ops >= 0) {
        fprintf(stderr, "worker %d op %d: %s: %s\n", w->id, i,
                credo_errname(rc), credo_errmsg(db));
        w->failed = 1;
      }
      break;
    }
    if (i % 3 != 2) {
      pthread_mutex_lock(w->mu);
      fprintf(w->acked, "%s\n", ref);
      fflush(w->acked);
      pthread_mutex_unlock(w->mu);
      w->written++;
    }
  }
out:
  credo_finalize(st);
  credo_finalize(rd);
  credo_close(db);
  return NULL;
}

static int run_workers(const char *uri, const char *tag, int n, int ops,
                       const char *path) {
  pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  pthread_t th[256];
  worker w[256];
  int failed = 0, written = 0;
  FILE *f = fopen(path, "a");
  if (!f || n < 1 || n > 256)
    return 2;
  for (int i = 0; i < n; i++) {
    w[i] = (worker){uri, tag, i, ops, f, &mu, 0, 0};
    pthread_create(&th[i], NULL, work, &w[i]);
  }
  for (int i = 0; i < n; i++) {
    pthread_join(th[i], NULL);
    failed |= w[i].failed;
    written += w[i].written;
  }
  fclose(f);
  printf("workers=%d acknowledged=%d failed=%d\n", n, written, failed);
  return failed ? 1 : 0;
}

/* ------------------------------------------------------------ check */

static int cmd_check(const char *uri, const char *path) {
  static const char *sql = "SELECT count(*) FROM events WHERE source = "
                           "'load' AND ref = ? INCLUDE HIDDEN";
  credo *db;
  credo_stmt *st = NULL;
  char line[128];
  int n = 0, bad = 0;
  FILE *f = fopen(path, "r");
  if (!f || open_uri(uri, &db) != CREDO_OK)
    return 2;
  if (credo_prepare(db, sql, -1, &st, NULL) != CREDO_OK) {
    fprintf(stderr, "check: %s\n", credo_errmsg(db));
    bad = 1;
  }
  while (!bad && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    credo_reset(st);
    credo_bind_text(st, 1, line, -1);
    if (credo_step(st) != CREDO_ROW || credo_column_int64(st, 0) != 1) {
      fprintf(stderr, "check: acknowledged %s is missing: %s\n", line,
              credo_errmsg(db));
      bad = 1;
    }
    n++;
  }
  printf("checked=%d missing=%d\n", n, bad);
  fclose(f);
  credo_finalize(st);
  credo_close(db);
  return bad;
}

/* ---------------------------------------------------------- duration */

/* One row: each column as "name TYPE 'text' {months,usec}" ({-} when
 * credo_column_duration says it is no duration). */
static void print_typed_row(credo_stmt *st) {
  for (int i = 0; i < credo_column_count(st); i++) {
    credo_duration d;
    const char *t = credo_column_text(st, i);
    printf("%s%s %d '%s' ", i ? " | " : "", credo_column_name(st, i),
           (int)credo_column_type(st, i), t ? t : "NULL");
    if (credo_column_duration(st, i, &d) == CREDO_OK)
      printf("{%d,%lld}", (int)d.months, (long long)d.usec);
    else
      printf("{-}");
  }
  printf("\n");
}

static int cmd_duration(const char *uri) {
  static const char *sql = "SELECT ? AS d, ? AS days, publicity, "
                           "? = 1 YEAR AS same, 3 MONTHS AS lit FROM types "
                           "WHERE name = 'penalty_general'";
  credo *db;
  credo_stmt *st = NULL;
  int rc;
  if (open_uri(uri, &db) != CREDO_OK)
    return 2;
  rc = credo_prepare(db, sql, -1, &st, NULL);
  if (rc == CREDO_OK)
    rc = credo_bind_duration(st, 1, (credo_duration){18, 0});
  if (rc == CREDO_OK)
    rc = credo_bind_duration(st, 2,
                             (credo_duration){0, -90 * CREDO_USEC_PER_DAY});
  if (rc == CREDO_OK)
    rc = credo_bind_duration(st, 3, (credo_duration){12, 0});
  while (rc == CREDO_OK && (rc = credo_step(st)) == CREDO_ROW) {
    print_typed_row(st);
    rc = CREDO_OK;
  }
  if (rc != CREDO_DONE)
    printf("error %s: %s\n", credo_errname(rc), credo_errmsg(db));
  credo_finalize(st);
  credo_close(db);
  return rc == CREDO_DONE ? 0 : 1;
}

/* ------------------------------------------------------------ backup */

static int stop_at_once(void *arg, const char *phase, uint64_t done,
                        uint64_t total) {
  (void)arg, (void)done, (void)total;
  return strcmp(phase, "receive") == 0;
}

static int count_types(void *arg, int n, const char *const *v,
                       const char *const *names) {
  (void)n, (void)v, (void)names;
  ++*(int *)arg;
  return 0;
}

static int cmd_backup_cancel(const char *uri, const char *dest) {
  credo *db;
  int rc, rows = 0;
  FILE *f;
  if (open_uri(uri, &db) != CREDO_OK)
    return 2;
  rc = credo_backup(db, dest, stop_at_once, NULL);
  printf("backup: %s: %s\n", credo_errname(rc), credo_errmsg(db));
  if (rc == CREDO_CANCELLED && (f = fopen(dest, "r")) != NULL) {
    printf("backup: %s was left behind\n", dest);
    fclose(f);
    rc = CREDO_ERROR;
  }
  if (rc == CREDO_CANCELLED &&
      credo_exec(db, "SHOW TYPES;", count_types, &rows) == CREDO_OK)
    printf("after the cancel the connection answered %d rows\n", rows);
  else
    rows = -1;
  credo_close(db);
  return rc == CREDO_CANCELLED && rows > 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc == 4 && !strcmp(argv[1], "exec"))
    return cmd_exec(argv[2], argv[3]);
  if (argc == 5 && !strcmp(argv[1], "stmt"))
    return cmd_stmt(argv[2], argv[3], argv[4]);
  if (argc == 6 && !strcmp(argv[1], "load"))
    return run_workers(argv[2], "ld", atoi(argv[3]), atoi(argv[4]), argv[5]);
  if (argc == 5 && !strcmp(argv[1], "writer"))
    return run_workers(argv[2], argv[3], 4, -1, argv[4]) == 2 ? 2 : 0;
  if (argc == 3 && !strcmp(argv[1], "typed"))
    return cmd_typed(argv[2]);
  if (argc == 4 && !strcmp(argv[1], "check"))
    return cmd_check(argv[2], argv[3]);
  if (argc >= 4 && !strcmp(argv[1], "named"))
    return cmd_named(argv[2], argv[3], argc - 4, argv + 4);
  if (argc == 3 && !strcmp(argv[1], "duration"))
    return cmd_duration(argv[2]);
  if (argc == 4 && !strcmp(argv[1], "backup-cancel"))
    return cmd_backup_cancel(argv[2], argv[3]);
  fprintf(stderr, "usage: see the comment at the top of srv_client.c\n");
  return 2;
}
