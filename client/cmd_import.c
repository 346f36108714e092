/*
 * cmd_import.c -- `credo import STORE FILE|- [--rejects FILE] [--batch N]
 * [--restore] [--format jsonl|csv] [--tz OFFSET]`: bulk loading of JSON
 * Lines or CSV (docs/import.md) in batched transactions.
 *
 * Invariants:
 *  - each batch of N records is one transaction: a batch is stored whole
 *    or not at all, so an import killed mid-way leaves whole batches, and
 *    running it again completes it (recording is idempotent on (source,
 *    ref), subjects and types on their content, restores on their
 *    version);
 *  - every record ends up new, duplicate or rejected, and every rejected
 *    one is written to the rejects file with its line number, the reason
 *    and its original text; the summary counts the three;
 *  - a failure that is not the record's fault (I/O, disk full, ...) stops
 *    the import after rolling the current batch back; the message says
 *    which lines are stored. A batch that lost the writer slot to a map
 *    growth in another process (CREDO_BUSY) is retried from its buffered
 *    records;
 *  - rejects are written after their batch commits, so a retried batch
 *    writes them once; the rejects file is removed when there were none.
 *
 * Does not: interpret records (cmd_import_rec.c).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "sh_shell.h"

#define SYNOPSIS                                                               \
  "import STORE FILE|- [--rejects FILE] [--batch N] [--restore] "              \
  "[--format jsonl|csv] [--tz OFFSET] [--encoding NAME] [--map F=COL,...] "    \
  "[--set F=V]... [--date-format FORMAT]"
#define BUSY_TRIES 3

typedef struct imp_opts {
  const char *store, *file, *rejects;
  uint64_t batch;
  int restore, format, tz; /* format: 0 auto, 1 jsonl, 2 csv */
  const char *encoding;    /* --encoding: the input's, converted to UTF-8 */
  int tz_set;              /* --tz given; else the store's zone */
  const char *map;         /* --map FIELD=HEADER,... (CSV) */
  const char *date_format; /* --date-format (CSV time cells), strptime */
  const char *set[16];     /* --set FIELD=VALUE (CSV), in order */
  int nset;
} imp_opts;

/* One record of the current batch. */
typedef struct rec {
  uint64_t line; /* its first physical line */
  char *text;
  size_t len;
  int unclosed; /* CSV: a quoted field opened here never closed */
  int held;     /* rejected in an earlier run of its batch (apply_batch) */
  imp_outcome out;
} rec;

/* A CSV quoted field may span at most this many physical lines; one that
 * runs longer (or to the end of the input) is taken as a stray quote: its
 * first line is rejected alone and the lines after it are read again as
 * records of their own. */
#define CSV_MAX_RECORD_LINES 64

typedef struct importer {
  imp_opts o;
  credo *db;
  FILE *in, *rej;
  char *rej_path;
  imp_ctx ctx;
  int csv, header_done, eof;
  char *buf; /* getline's */
  size_t cap;
  /* Lines to read again (after an unclosed quote), '\n'-separated. */
  char *again;
  size_t again_len, again_off;
  uint64_t lineno, bytes, total_bytes;
  rec *batch;
  size_t n;
  uint64_t records, made[IMP_NKINDS], dups, rejected, csv_subjects;
  uint64_t stored_upto; /* last line of the last committed batch */
  uint64_t fail_line;
  cmd_progress bar;
} importer;

/* ------------------------------------------------------------ options */

/* 1 when `arg` is FIELD=VALUE of an event field (--set). */
static int set_ok(const char *arg) {
  imp_ctx probe = {0};
  return cmd_import_set(&probe, arg) == 0;
}

static int parse_opts(int argc, char **argv, imp_opts *o) {
  static const struct option longs[] = {
      {"rejects", required_argument, NULL, 'r'},
      {"batch", required_argument, NULL, 'b'},
      {"restore", no_argument, NULL, 'R'},
      {"format", required_argument, NULL, 'f'},
      {"tz", required_argument, NULL, 'z'},
      {"encoding", required_argument, NULL, 'e'},
      {"map", required_argument, NULL, 'm'},
      {"set", required_argument, NULL, 's'},
      {"date-format", required_argument, NULL, 'D'},
      {NULL, 0, NULL, 0}};
  int c;
  o->batch = 1000;
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    if (c == 'r')
      o->rejects = optarg;
    else if (c == 'b' && cmd_parse_count(optarg, 1000000, &o->batch) < 0)
      return cmd_usage(SYNOPSIS, "--batch needs a count (1-1000000)");
    else if (c == 'R')
      o->restore = 1;
    else if (c == 'e')
      o->encoding = optarg;
    else if (c == 'm')
      o->map = optarg;
    else if (c == 'D' && !strstr(optarg, "%"))
      return cmd_usage(SYNOPSIS,
                       "--date-format '%s' has no %% field (e.g. "
                       "'%%d.%%m.%%Y', '%%m/%%d/%%Y %%H:%%M')",
                       optarg);
    else if (c == 'D')
      o->date_format = optarg;
    else if (c == 's' && o->nset < 16 && set_ok(optarg))
      o->set[o->nset++] = optarg;
    else if (c == 's' && o->nset < 16)
      return cmd_usage(SYNOPSIS,
                       "--set %s: not FIELD=VALUE of an event field (subject, "
                       "type, occurred, public_from, public_until, source, "
                       "ref, reason, subject_kind, subject_name)",
                       optarg);
    else if (c == 's')
      return cmd_usage(SYNOPSIS, "at most 16 --set");
    else if (c == 'f' &&
             (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "csv") == 0))
      o->format = optarg[0] == 'c' ? 2 : 1;
    else if (c == 'f')
      return cmd_usage(SYNOPSIS, "--format is jsonl or csv");
    else if (c == 'z' && sh_tz_parse(optarg, &o->tz) < 0)
      return cmd_usage(SYNOPSIS, "bad time zone '%s'", optarg);
    else if (c == 'z')
      o->tz_set = 1;
    else if (c == '?' || c == ':')
      return cmd_usage(SYNOPSIS, "bad option '%s'", argv[optind - 1]);
  }
  if (argc - optind != 2)
    return cmd_usage(SYNOPSIS, "import needs STORE and FILE (or -)");
  o->store = argv[optind];
  o->file = argv[optind + 1];
  return 0;
}

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* CSV or JSON Lines: --format, the extension, or the first byte. */
static int is_csv(importer *im) {
  int c;
  if (im->o.format)
    return im->o.format == 2;
  if (ends_with(im->o.file, ".csv"))
    return 1;
  if (ends_with(im->o.file, ".jsonl") || ends_with(im->o.file, ".json") ||
      ends_with(im->o.file, ".ndjson"))
    return 0;
  c = getc(im->in);
  if (c != EOF)
    ungetc(c, im->in);
  return c != EOF && c != '{' && c != ' ' && c != '\n';
}

/* ------------------------------------------------------------ reading */

/* The next line to read again into im->buf (see CSV_MAX_RECORD_LINES). */
static int reread_line(importer *im, size_t *len) {
  const char *p = im->again + im->again_off, *nl;
  size_t n;

  nl = memchr(p, '\n', im->again_len - im->again_off);
  n = nl ? (size_t)(nl - p) : im->again_len - im->again_off;
  if (n + 1 > im->cap) {
    char *b = realloc(im->buf, n + 1);
    if (!b)
      return -1;
    im->buf = b;
    im->cap = n + 1;
  }
  memcpy(im->buf, p, n);
  im->buf[n] = '\0';
  *len = n;
  im->lineno++;
  im->again_off += n + (nl != NULL);
  if (!nl) {
    free(im->again);
    im->again = NULL;
  }
  return 1;
}

/* The next physical line into im->buf, without its line end. 1, 0 at the
 * end, -1 on a read error. */
static int read_line(importer *im, size_t *len) {
  if (im->again)
    return reread_line(im, len);
  ssize_t n = getline(&im->buf, &im->cap, im->in);
  if (n < 0)
    return ferror(im->in) ? -1 : 0;
  im->bytes += (uint64_t)n;
  im->lineno++;
  if (n && im->buf[n - 1] == '\n')
    n--;
  if (n && im->buf[n - 1] == '\r')
    n--;
  im->buf[n] = '\0';
  *len = (size_t)n;
  return 1;
}

/* Puts `n` bytes of lines (those after line `line`) back to be read
 * again, before whatever was still waiting. 0 or -1 (no memory). */
static int read_again(importer *im, const char *text, size_t n, uint64_t line) {
  size_t rest = im->again ? im->again_len - im->again_off : 0;
  char *a = malloc(n + 1 + rest + 1);

  if (!a)
    return -1;
  memcpy(a, text, n);
  if (rest) {
    a[n] = '\n';
    memcpy(a + n + 1, im->again + im->again_off, rest);
  }
  free(im->again);
  im->again = a;
  im->again_len = n + (rest ? 1 + rest : 0);
  im->again_off = 0;
  im->lineno = line;
  return 0;
}

static int blank(const char *s) {
  while (*s == ' ' || *s == '\t')
    s++;
  return *s == '\0';
}

/* The quoting state of a CSV record across its lines, with the rules of
 * libcsv (cmd_import_rec.c): a quote opens a quoted field only at the
 * field's start (after spaces or tabs); inside, "" is a quote and a lone
 * quote closes it; elsewhere a quote is a literal character. */
typedef struct csv_scan {
  int quoted, at_start;
  int closed; /* just after a closing quote: only , or spaces may follow */
  int bad;    /* something else followed a closing quote */
} csv_scan;

static void csv_scan_text(csv_scan *sc, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (sc->quoted) {
      if (c == '"' && i + 1 < n && p[i + 1] == '"')
        i++;
      else if (c == '"')
        sc->quoted = sc->at_start = 0, sc->closed = 1;
    } else if (c == ',') {
      sc->at_start = 1;
      sc->closed = 0;
    } else if (sc->closed && c != ' ' && c != '\t') {
      sc->bad = 1;
      sc->closed = 0;
    } else if (c == '"' && sc->at_start) {
      sc->quoted = 1;
    } else if (c != ' ' && c != '\t') {
      sc->at_start = 0;
    }
  }
}

/* Joins the lines of a CSV record whose quoted field spans lines. An
 * unclosed quote, or a field that spans lines and whose closing quote is
 * not followed by a comma or the line end (the quote that closed it was
 * another field's opening one), leaves the record its first line alone,
 * marked, and the lines read after it to be read again. 1, or -1 (read
 * error, memory). */
static int csv_join(importer *im, rec *r) {
  csv_scan sc = {.at_start = 1};
  size_t len;
  int rc = 1, lines = 1;
  char *nl;

  csv_scan_text(&sc, r->text, r->len);
  while (sc.quoted && lines < CSV_MAX_RECORD_LINES &&
         (rc = read_line(im, &len)) == 1) {
    char *t = realloc(r->text, r->len + len + 2);
    if (!t)
      return -1;
    t[r->len] = '\n';
    memcpy(t + r->len + 1, im->buf, len + 1);
    csv_scan_text(&sc, t + r->len + 1, len);
    r->text = t;
    r->len += len + 1;
    lines++;
  }
  if (rc < 0)
    return -1;
  if (sc.quoted || (sc.bad && lines > 1)) {
    r->unclosed = 1;
    if ((nl = memchr(r->text, '\n', r->len)) != NULL) {
      if (read_again(im, nl + 1, r->len - (size_t)(nl + 1 - r->text), r->line) <
          0)
        return -1;
      r->len = (size_t)(nl - r->text);
      *nl = '\0';
    }
  }
  return 1;
}

/* The next record: a non-blank line, or a CSV record whose quoted fields
 * may span lines. 1, 0 at the end, -1 on a read or memory error. */
static int next_record(importer *im, rec *r) {
  size_t len;
  int rc;
  do
    rc = read_line(im, &len);
  while (rc == 1 && blank(im->buf));
  if (rc != 1)
    return rc;
  memset(r, 0, sizeof *r);
  r->line = im->lineno;
  if (im->lineno == 1 && len >= 3 && memcmp(im->buf, "\xEF\xBB\xBF", 3) == 0)
    memmove(im->buf, im->buf + 3, (len -= 3) + 1); /* UTF-8 BOM */
  if (!(r->text = strndup(im->buf, len)))
    return -1;
  r->len = len;
  return im->csv ? csv_join(im, r) : 1;
}

static void free_batch(importer *im) {
  for (size_t i = 0; i < im->n; i++)
    free(im->batch[i].text);
  im->n = 0;
}

/* Reads up to --batch records. The count, or -1 on a read error. */
static int fill_batch(importer *im) {
  int rc = 1;
  while (im->n < im->o.batch && (rc = next_record(im, &im->batch[im->n])) > 0)
    im->n++;
  return rc < 0 ? -1 : (int)im->n;
}

/* The CSV header (the first record). 0, or -1 after an error message. */
static int read_header(importer *im) {
  rec h;
  char err[256];
  int rc = next_record(im, &h);
  if (rc <= 0) {
    fprintf(stderr, "error: %s: %s\n", im->o.file,
            rc < 0 ? "cannot read" : "a CSV file needs a header line");
    return -1;
  }
  rc = cmd_import_csv_header(&im->ctx, h.text, h.len, err, sizeof err);
  free(h.text);
  if (rc < 0)
    fprintf(stderr, "error: %s line %llu: %s\n", im->o.file,
            (unsigned long long)h.line, err);
  return rc;
}

/* ----------------------------------------------------------- batches */

static void reject_unclosed(rec *r) {
  memset(&r->out, 0, sizeof r->out);
  r->out.kind = IMP_EVENT;
  r->out.result = IMP_REJECT;
  snprintf(r->out.reason, sizeof r->out.reason,
           "broken CSV: the quoted field opened on line %llu does not close "
           "properly within %d lines; the lines after it are read as records "
           "of their own",
           (unsigned long long)r->line, CSV_MAX_RECORD_LINES);
}

/* One run of the batch in a transaction, left open on CREDO_OK. *redo is
 * set when a rejected CSV row had registered its subject first: that row
 * is then held (kept rejected) and the batch must run again without it,
 * so that a rejected record leaves nothing behind. */
static int run_batch(importer *im, int *redo) {
  int rc = credo_begin(im->db);

  *redo = 0;
  for (size_t i = 0; rc == CREDO_OK && i < im->n; i++) {
    rec *r = &im->batch[i];
    if (r->held)
      continue;
    if (r->unclosed) {
      reject_unclosed(r);
      continue;
    }
    rc = im->csv ? cmd_import_csv(&im->ctx, r->text, r->len, &r->out)
                 : cmd_import_json(&im->ctx, r->text, r->len, &r->out);
    if (rc != CREDO_OK) {
      im->fail_line = r->line;
      credo_rollback(im->db);
      return rc;
    }
    if (r->out.result == IMP_REJECT && r->out.subject_made) {
      r->out.subject_made = 0;
      r->held = 1;
      *redo = 1;
    }
  }
  return rc;
}

/* Runs the batch in one transaction. CREDO_OK once committed. */
static int apply_batch(importer *im) {
  int rc, redo = 1;

  while (redo) {
    if ((rc = run_batch(im, &redo)) != CREDO_OK)
      return rc;
    if (redo)
      credo_rollback(im->db);
  }
  im->fail_line = im->n ? im->batch[im->n - 1].line : 0;
  return credo_commit(im->db);
}

/* Counts a committed batch and writes its rejects. 0, or -1 when the
 * rejects file cannot be written. */
static int account(importer *im) {
  for (size_t i = 0; i < im->n; i++) {
    const rec *r = &im->batch[i];
    im->records++;
    im->csv_subjects += (uint64_t)r->out.subject_made;
    if (r->out.result == IMP_NEW)
      im->made[r->out.kind]++;
    else if (r->out.result == IMP_DUP)
      im->dups++;
    else {
      im->rejected++;
      fprintf(im->rej, "%llu\t%s\t%.*s\n", (unsigned long long)r->line,
              r->out.reason, (int)r->len, r->text);
    }
  }
  if (im->n)
    im->stored_upto = im->batch[im->n - 1].line;
  return fflush(im->rej) == 0 ? 0 : -1;
}

/* Reports a failure that stopped the import. */
static int stopped(importer *im, const char *why) {
  cmd_progress_end(&im->bar);
  fprintf(stderr, "error: import stopped at line %llu of %s: %s\n",
          (unsigned long long)im->fail_line, im->o.file, why);
  if (im->stored_upto)
    fprintf(stderr,
            "error: lines 1-%llu are stored; the batch after them "
            "is not. Run the same import again to complete it.\n",
            (unsigned long long)im->stored_upto);
  else
    fprintf(stderr, "error: nothing was stored.\n");
  return CMD_FAIL;
}

static int run(importer *im) {
  int n, rc = CREDO_OK;
  uint64_t total = 0;
  while ((n = fill_batch(im)) > 0) {
    for (int t = 0; t < BUSY_TRIES; t++)
      if ((rc = apply_batch(im)) != CREDO_BUSY)
        break;
    if (rc != CREDO_OK)
      return stopped(im, credo_errmsg(im->db));
    if (account(im) < 0)
      return stopped(im, "cannot write the rejects file");
    total += (uint64_t)n;
    free_batch(im);
    cmd_progress_show(&im->bar, im->bytes, total);
  }
  if (n < 0) {
    im->fail_line = im->lineno + 1;
    return stopped(im, "cannot read the input");
  }
  return CMD_OK;
}

/* ------------------------------------------------------------ summary */

static void summary(importer *im, double secs) {
  uint64_t made = 0;
  for (int k = 0; k < IMP_NKINDS; k++)
    made += im->made[k];
  cmd_progress_end(&im->bar);
  if (made == 0 && im->rejected == 0 && im->records) {
    printf("import: %s: nothing new: all %llu records were already in the "
           "store\n",
           im->o.file, (unsigned long long)im->records);
    return;
  }
  printf("import: %s: %llu records: %llu new, %llu duplicate, %llu "
         "rejected\n",
         im->o.file, (unsigned long long)im->records, (unsigned long long)made,
         (unsigned long long)im->dups, (unsigned long long)im->rejected);
  printf("import: new: %llu types, %llu subjects, %llu events, %llu "
         "versions; %.0f records/s\n",
         (unsigned long long)im->made[IMP_TYPE],
         (unsigned long long)(im->made[IMP_SUBJECT] + im->csv_subjects),
         (unsigned long long)im->made[IMP_EVENT],
         (unsigned long long)im->made[IMP_VERSION],
         secs > 0 ? (double)im->records / secs : 0.0);
  if (im->rejected)
    printf("import: rejected lines are in %s (line, reason, text; "
           "tab-separated)\n",
           im->rej_path);
}

/* ------------------------------------------------------------- setup */

static int open_files(importer *im) {
  struct stat sb;
  const char *f = im->o.file;
  if (strcmp(f, "-") == 0)
    im->in = stdin;
  else if (!(im->in = fopen(f, "r"))) {
    fprintf(stderr, "error: cannot open '%s'\n", f);
    return -1;
  }
  if (fstat(fileno(im->in), &sb) == 0 && S_ISREG(sb.st_mode))
    im->total_bytes = (uint64_t)sb.st_size;
  if (im->o.encoding && strcasecmp(im->o.encoding, "UTF-8") != 0) {
    FILE *u = cmd_import_decode(im->in, im->o.encoding);
    if (im->in != stdin)
      fclose(im->in);
    if (!(im->in = u))
      return -1;
  } else if (cmd_import_sniff(im->in, strcmp(f, "-") == 0 ? "stdin" : f) < 0) {
    return -1;
  }
  if (im->o.rejects)
    im->rej_path = strdup(im->o.rejects);
  else if (asprintf(&im->rej_path, "%s.rejects",
                    strcmp(f, "-") == 0 ? "stdin" : f) < 0)
    im->rej_path = NULL;
  if (!im->rej_path || !(im->rej = fopen(im->rej_path, "w"))) {
    fprintf(stderr, "error: cannot write the rejects file '%s'\n",
            im->rej_path ? im->rej_path : "?");
    return -1;
  }
  return 0;
}

static void close_files(importer *im) {
  if (im->in && im->in != stdin)
    fclose(im->in);
  if (im->rej && fclose(im->rej) == 0 && im->rejected == 0)
    unlink(im->rej_path); /* no rejects: no stale file from an earlier run */
  free(im->rej_path);
  free(im->buf);
  free(im->again);
  free(im->batch);
}

int cmd_import(int argc, char **argv) {
  importer im = {0};
  double t0 = cmd_now();
  int rc;

  if ((rc = parse_opts(argc, argv, &im.o)) != 0)
    return rc;
  if (open_files(&im) < 0) {
    close_files(&im);
    return CMD_FAIL;
  }
  im.csv = is_csv(&im);
  im.batch = calloc(im.o.batch, sizeof *im.batch);
  rc = CMD_FAIL;
  if (im.batch && cmd_open_local(im.o.store, 0, &im.db) == CREDO_OK &&
      (!im.o.tz_set || credo_set_tz(im.db, im.o.tz) == CREDO_OK)) {
    im.ctx.db = im.db;
    /* without --tz, times without an offset are read in the store's zone
     * (docs/rules.md, rule 6) */
    im.ctx.tz = im.o.tz_set ? im.o.tz : credo_get_tz(im.db);
    im.ctx.restore = im.o.restore;
    im.ctx.map = im.o.map;
    im.ctx.date_format = im.o.date_format;
    for (int i = 0; i < im.o.nset; i++)
      (void)cmd_import_set(&im.ctx, im.o.set[i]); /* checked by parse_opts */
    if (!im.csv || read_header(&im) == 0) {
      cmd_progress_start(&im.bar, "import", "records", im.total_bytes);
      if ((rc = run(&im)) == CMD_OK) {
        summary(&im, cmd_now() - t0);
        rc = im.rejected ? CMD_REJECTS : CMD_OK;
      }
    }
  }
  free_batch(&im);
  cmd_import_ctx_free(&im.ctx);
  credo_close(im.db);
  close_files(&im);
  return rc;
}
