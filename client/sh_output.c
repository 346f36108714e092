/*
 * sh_output.c -- owns how the shell prints results: the four formats, the
 * display width of UTF-8 text, CSV quoting. See sh_output.h for the
 * contract of each format.
 *
 * Invariants: output never splits a UTF-8 sequence (cells are written whole
 * or escaped byte-wise only for control characters); json/jsonl output is
 * valid UTF-8 JSON whatever the input bytes (malformed sequences become
 * U+FFFD); every sh_result_begin is matched by exactly one end or abort,
 * which frees everything.
 *
 * Does not: talk to a store, decide when to print errors, know about the
 * terminal (the caller passes the FILE).
 */
#include "sh_output.h"

#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

/* ------------------------------------------------------------ formats */

static const char *const format_names[] = {"table", "csv", "json", "jsonl"};

int sh_format_parse(const char *name, sh_format *out) {
  for (int i = 0; i < 4; i++) {
    if (name && strcasecmp(name, format_names[i]) == 0) {
      *out = (sh_format)i;
      return 0;
    }
  }
  return -1;
}

const char *sh_format_name(sh_format f) {
  return (unsigned)f < 4 ? format_names[f] : "table";
}

static const char *const expanded_names[] = {"off", "on", "auto"};

int sh_expanded_parse(const char *s, sh_expanded *out) {
  for (int i = 0; i < 3; i++) {
    if (s && strcasecmp(s, expanded_names[i]) == 0) {
      *out = (sh_expanded)i;
      return 0;
    }
  }
  return -1;
}

const char *sh_expanded_name(sh_expanded x) {
  return (unsigned)x < 3 ? expanded_names[x] : "off";
}

/* -------------------------------------------------------------- utf-8 */

size_t sh_utf8_next(const char *s, size_t n, uint32_t *cp) {
  const unsigned char *u = (const unsigned char *)s;
  size_t len;
  uint32_t c, min;
  if (u[0] < 0x80) {
    *cp = u[0];
    return 1;
  } else if ((u[0] & 0xE0) == 0xC0) {
    len = 2, c = u[0] & 0x1F, min = 0x80;
  } else if ((u[0] & 0xF0) == 0xE0) {
    len = 3, c = u[0] & 0x0F, min = 0x800;
  } else if ((u[0] & 0xF8) == 0xF0) {
    len = 4, c = u[0] & 0x07, min = 0x10000;
  } else {
    goto bad;
  }
  if (len > n)
    goto bad;
  for (size_t i = 1; i < len; i++) {
    if ((u[i] & 0xC0) != 0x80)
      goto bad;
    c = (c << 6) | (u[i] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
    goto bad;
  *cp = c;
  return len;
bad:
  *cp = SH_UTF8_INVALID;
  return 1;
}

typedef struct range {
  uint32_t lo, hi;
} range;

/* Zero-width: combining marks, zero-width spaces and joiners, variation
 * selectors. The common ranges, not all of Unicode's Mn/Me. */
static const range zero_width[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},
    {0x064B, 0x065F}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E},
    {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x202A, 0x202E},
    {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0x302A, 0x302D}, {0x3099, 0x309A},
    {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

/* East Asian Wide and Fullwidth (after Markus Kuhn's wcwidth), plus the
 * emoji blocks terminals draw two columns wide. */
static const range wide[] = {
    {0x1100, 0x115F},   {0x2329, 0x232A},   {0x2E80, 0x303E},
    {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},
    {0xA000, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},
    {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
    {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

static int in_ranges(uint32_t cp, const range *r, size_t n) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (cp < r[mid].lo)
      hi = mid;
    else if (cp > r[mid].hi)
      lo = mid + 1;
    else
      return 1;
  }
  return 0;
}

int sh_char_width_fallback(uint32_t cp) {
  if (cp == SH_UTF8_INVALID)
    return 1;
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
    return 0;
  if (in_ranges(cp, zero_width, sizeof zero_width / sizeof *zero_width))
    return 0;
  if (in_ranges(cp, wide, sizeof wide / sizeof *wide))
    return 2;
  return 1;
}

int sh_char_width(uint32_t cp) {
  if (cp == SH_UTF8_INVALID)
    return 1;
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
    return 0;
  if (cp < 0x7F)
    return 1;
#ifdef __STDC_ISO_10646__
  if (MB_CUR_MAX > 1) {
    int w = wcwidth((wchar_t)cp);
    if (w >= 0)
      return w;
  }
#endif
  return sh_char_width_fallback(cp);
}

size_t sh_display_width(const char *s, size_t n) {
  size_t w = 0;
  while (n > 0) {
    uint32_t cp;
    size_t k = sh_utf8_next(s, n, &cp);
    w += (size_t)sh_char_width(cp);
    s += k, n -= k;
  }
  return w;
}

/* A malloc'd copy of s with each malformed sequence replaced by U+FFFD. */
static char *utf8_clean(const char *s) {
  size_t n = strlen(s), o = 0;
  char *out = malloc(3 * n + 1);
  if (!out)
    return NULL;
  while (n > 0) {
    uint32_t cp;
    size_t k = sh_utf8_next(s, n, &cp);
    if (cp == SH_UTF8_INVALID)
      memcpy(out + o, "\xEF\xBF\xBD", 3), o += 3;
    else
      memcpy(out + o, s, k), o += k;
    s += k, n -= k;
  }
  out[o] = '\0';
  return out;
}

/* ---------------------------------------------------------- rendering */

/* Shortest "%g" text that reads back as d, always with a '.' or exponent
 * so it stays a real ("1.0", not "1"). */
static void fmt_real(double d, char *buf, size_t n) {
  for (int p = 15; p <= 17; p++) {
    snprintf(buf, n, "%.*g", p, d);
    if (strtod(buf, NULL) == d)
      break;
  }
  if (isfinite(d) && !strpbrk(buf, ".eE") && strlen(buf) + 3 <= n)
    strcat(buf, ".0");
}

/* The text of a value for table and csv; NULL for NULL. `buf` holds
 * numbers the library did not render. */
static const char *value_text(const sh_value *v, char *buf, size_t n) {
  if (v->type == CREDO_T_NULL)
    return NULL;
  if (v->text)
    return v->text;
  switch (v->type) {
  case CREDO_T_INT:
    snprintf(buf, n, "%" PRId64, v->i);
    return buf;
  case CREDO_T_REAL:
    fmt_real(v->r, buf, n);
    return buf;
  case CREDO_T_BOOL:
    return v->i ? "true" : "false";
  default:
    return "";
  }
}

static int is_numeric(credo_type t) {
  return t == CREDO_T_INT || t == CREDO_T_REAL || t == CREDO_T_DECIMAL;
}

/* ---------------------------------------------------------------- csv */

void sh_csv_field(FILE *f, const char *s) {
  if (!s)
    return;
  if (*s && !strpbrk(s, ",\"\r\n")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"')
      fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void csv_row(sh_result *r, const char *const *texts) {
  for (int c = 0; c < r->ncol; c++) {
    if (c > 0)
      fputc(',', r->out);
    sh_csv_field(r->out, texts[c]);
  }
  fputc('\n', r->out);
}

static void csv_values(sh_result *r, const sh_value *row) {
  for (int c = 0; c < r->ncol; c++) {
    char buf[64];
    if (c > 0)
      fputc(',', r->out);
    sh_csv_field(r->out, value_text(&row[c], buf, sizeof buf));
  }
  fputc('\n', r->out);
}

/* --------------------------------------------------------------- json */

/* Writes s as a JSON string (jansson's escaping, malformed UTF-8 replaced).
 * 0 or -1. */
static int json_put_string(FILE *f, const char *s) {
  char *clean = NULL;
  json_t *j = json_string(s);
  if (!j && (clean = utf8_clean(s)) != NULL)
    j = json_string(clean);
  char *text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
  if (text)
    fputs(text, f);
  free(text);
  json_decref(j);
  free(clean);
  return text ? 0 : -1;
}

/* Writes a JSON-typed column: its own text when it is valid single-line
 * JSON, re-encoded when valid but multi-line, a string otherwise. */
static int json_put_json(FILE *f, const char *s) {
  json_error_t err;
  json_t *j = json_loads(s, JSON_DECODE_ANY, &err);
  if (!j)
    return json_put_string(f, s);
  int rc = 0;
  if (!strpbrk(s, "\r\n")) {
    fputs(s, f);
  } else {
    char *text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    rc = text ? 0 : -1;
    if (text)
      fputs(text, f);
    free(text);
  }
  json_decref(j);
  return rc;
}

static int json_put_value(FILE *f, const sh_value *v) {
  char buf[64];
  switch (v->type) {
  case CREDO_T_NULL:
    fputs("null", f);
    return 0;
  case CREDO_T_INT:
    fprintf(f, "%" PRId64, v->i);
    return 0;
  case CREDO_T_BOOL:
    fputs(v->i ? "true" : "false", f);
    return 0;
  case CREDO_T_REAL:
    if (!isfinite(v->r)) {
      fputs("null", f);
      return 0;
    }
    fmt_real(v->r, buf, sizeof buf);
    fputs(buf, f);
    return 0;
  case CREDO_T_JSON:
    return v->text ? json_put_json(f, v->text) : (fputs("null", f), 0);
  case CREDO_T_DECIMAL: /* a JSON number, exactly as the engine wrote it */
    fputs(v->text ? v->text : "null", f);
    return 0;
  default: /* TEXT, TIME */
    return v->text ? json_put_string(f, v->text) : (fputs("null", f), 0);
  }
}

/* One row as a one-line JSON object. 0 or -1. */
static int json_row(sh_result *r, const sh_value *row) {
  int rc = 0;
  fputc('{', r->out);
  for (int c = 0; c < r->ncol; c++) {
    fprintf(r->out, "%s%s: ", c > 0 ? ", " : "", r->keys[c]);
    if (json_put_value(r->out, &row[c]) < 0)
      rc = -1;
  }
  fputc('}', r->out);
  return rc;
}

/* Quoted JSON keys, one per column, made unique by appending "_N" (N the
 * 1-based column) to a name seen before. 0 or -1. */
static int json_make_keys(sh_result *r) {
  r->keys = calloc((size_t)r->ncol, sizeof *r->keys);
  if (!r->keys)
    return -1;
  for (int c = 0; c < r->ncol; c++) {
    const char *name = r->names[c];
    int dup = 0;
    for (int p = 0; p < c; p++)
      dup |= strcmp(r->names[p], name) == 0;
    char tmp[256];
    if (dup) {
      snprintf(tmp, sizeof tmp, "%.200s_%d", name, c + 1);
      name = tmp;
    }
    char *ms = NULL;
    size_t ml = 0;
    FILE *m = open_memstream(&ms, &ml);
    if (!m)
      return -1;
    int rc = json_put_string(m, name);
    if (fclose(m) != 0 || rc < 0) {
      free(ms);
      return -1;
    }
    r->keys[c] = ms;
  }
  return 0;
}

/* -------------------------------------------------------------- table */

/* A copy of s for a table cell: control characters escaped (\n \t \r
 * \xNN) so a cell is one line; other bytes, valid or not, kept. */
static char *cell_copy(const char *s) {
  size_t n = strlen(s), o = 0;
  char *out = malloc(4 * n + 1);
  if (!out)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '\n' || ch == '\t' || ch == '\r') {
      out[o++] = '\\';
      out[o++] = ch == '\n' ? 'n' : ch == '\t' ? 't' : 'r';
    } else if (ch < 0x20 || ch == 0x7F) {
      o += (size_t)sprintf(out + o, "\\x%02x", ch);
    } else {
      out[o++] = (char)ch;
    }
  }
  out[o] = '\0';
  return out;
}

static int table_grow(sh_result *r) {
  if (r->nrows < r->cap)
    return 0;
  size_t cap = r->cap ? 2 * r->cap : 16;
  size_t cells = cap * (size_t)r->ncol;
  char **c = realloc(r->cells, cells * sizeof *c);
  if (!c)
    return -1;
  r->cells = c;
  unsigned char *a = realloc(r->right, cells);
  if (!a)
    return -1;
  r->right = a;
  r->cap = cap;
  return 0;
}

static int table_row(sh_result *r, const sh_value *row) {
  if (table_grow(r) < 0)
    return -1;
  size_t base = r->nrows * (size_t)r->ncol;
  for (int c = 0; c < r->ncol; c++) {
    char buf[64];
    const char *t = value_text(&row[c], buf, sizeof buf);
    r->cells[base + c] = cell_copy(t ? t : "NULL");
    r->right[base + c] = t ? is_numeric(row[c].type) : r->numeric[c];
    if (!r->cells[base + c]) {
      for (int p = 0; p < c; p++)
        free(r->cells[base + p]);
      return -1;
    }
  }
  r->nrows++;
  return 0;
}

/* Writes s padded to `width` columns; the last column gets no trailing
 * padding unless it is right-aligned. */
static void put_padded(FILE *f, const char *s, size_t width, int right,
                       int last) {
  size_t w = sh_display_width(s, strlen(s));
  size_t pad = w < width ? width - w : 0;
  if (right)
    fprintf(f, "%*s", (int)pad, "");
  fputs(s, f);
  if (!right && !last)
    fprintf(f, "%*s", (int)pad, "");
}

/* Writes n copies of c. */
static void put_run(FILE *f, int c, size_t n) {
  while (n-- > 0)
    fputc(c, f);
}

/* The expanded form (sh_output.h). */
static void table_print_expanded(sh_result *r) {
  size_t nw = 0, vw = 0;
  for (int c = 0; c < r->ncol; c++) {
    size_t w = sh_display_width(r->names[c], strlen(r->names[c]));
    nw = w > nw ? w : nw;
  }
  for (size_t i = 0; i < r->nrows * (size_t)r->ncol; i++) {
    size_t w = sh_display_width(r->cells[i], strlen(r->cells[i]));
    vw = w > vw ? w : vw;
  }
  for (size_t i = 0; i < r->nrows; i++) {
    char head[48];
    int hl = snprintf(head, sizeof head, "-[ RECORD %zu ]", i + 1);
    fputs(head, r->out);
    if ((size_t)hl <= nw + 1) { /* the '+' above the '|' of the rows */
      put_run(r->out, '-', nw + 1 - (size_t)hl);
      fputc('+', r->out);
      put_run(r->out, '-', vw + 1);
    } else if ((size_t)hl < nw + vw + 3) {
      put_run(r->out, '-', nw + vw + 3 - (size_t)hl);
    }
    fputc('\n', r->out);
    for (int c = 0; c < r->ncol; c++) {
      put_padded(r->out, r->names[c], nw, 0, 0);
      fputs(" | ", r->out);
      fputs(r->cells[i * (size_t)r->ncol + c], r->out);
      fputc('\n', r->out);
    }
  }
  if (r->nrows == 0)
    fputs("(0 rows)\n", r->out);
}

/* 1 when the result is shown expanded: on, or auto and wider than the
 * terminal. */
static int shows_expanded(const sh_result *r, const size_t *width) {
  size_t total = 0;
  if (r->expanded != SH_EXPANDED_AUTO)
    return r->expanded == SH_EXPANDED_ON;
  for (int c = 0; c < r->ncol; c++)
    total += width[c] + (c ? 3 : 0);
  return r->term_cols > 0 && total > (size_t)r->term_cols;
}

static void table_print(sh_result *r) {
  size_t *width = calloc((size_t)r->ncol, sizeof *width);
  if (!width) {
    r->failed = 1;
    return;
  }
  for (int c = 0; c < r->ncol; c++) {
    width[c] = sh_display_width(r->names[c], strlen(r->names[c]));
    for (size_t i = 0; i < r->nrows; i++) {
      const char *s = r->cells[i * (size_t)r->ncol + c];
      size_t w = sh_display_width(s, strlen(s));
      width[c] = w > width[c] ? w : width[c];
    }
  }
  if (shows_expanded(r, width)) {
    table_print_expanded(r);
    free(width);
    return;
  }
  int last = r->ncol - 1;
  for (int c = 0; c < r->ncol; c++) {
    fputs(c ? " | " : "", r->out);
    put_padded(r->out, r->names[c], width[c], r->numeric[c], c == last);
  }
  fputc('\n', r->out);
  for (int c = 0; c < r->ncol; c++) {
    fputs(c ? "-+-" : "", r->out);
    for (size_t k = 0; k < width[c]; k++)
      fputc('-', r->out);
  }
  fputc('\n', r->out);
  for (size_t i = 0; i < r->nrows; i++) {
    for (int c = 0; c < r->ncol; c++) {
      size_t at = i * (size_t)r->ncol + c;
      fputs(c ? " | " : "", r->out);
      put_padded(r->out, r->cells[at], width[c], r->right[at], c == last);
    }
    fputc('\n', r->out);
  }
  fprintf(r->out, "(%zu %s)\n", r->nrows, r->nrows == 1 ? "row" : "rows");
  free(width);
}

/* ---------------------------------------------------------- lifecycle */

static void result_free(sh_result *r) {
  for (size_t i = 0; r->cells && i < r->nrows * (size_t)r->ncol; i++)
    free(r->cells[i]);
  for (int c = 0; c < r->ncol; c++) {
    if (r->names)
      free(r->names[c]);
    if (r->keys)
      free(r->keys[c]);
  }
  free(r->names);
  free(r->keys);
  free(r->numeric);
  free(r->cells);
  free(r->right);
  memset(r, 0, sizeof *r);
}

int sh_result_begin(sh_result *r, sh_format f, FILE *out, int ncol,
                    const char *const *names, const credo_type *decltypes) {
  memset(r, 0, sizeof *r);
  r->format = f, r->out = out, r->ncol = ncol > 0 ? ncol : 0;
  if (r->ncol == 0)
    return 0;
  r->names = calloc((size_t)r->ncol, sizeof *r->names);
  r->numeric = calloc((size_t)r->ncol, 1);
  if (!r->names || !r->numeric)
    goto fail;
  for (int c = 0; c < r->ncol; c++) {
    const char *name = names && names[c] ? names[c] : "?column?";
    if (!(r->names[c] = strdup(name)))
      goto fail;
    r->numeric[c] = decltypes ? is_numeric(decltypes[c]) : 0;
  }
  if ((f == SH_FORMAT_JSON || f == SH_FORMAT_JSONL) && json_make_keys(r) < 0)
    goto fail;
  if (f == SH_FORMAT_CSV)
    csv_row(r, (const char *const *)r->names);
  return 0;
fail:
  r->failed = 1;
  return -1;
}

void sh_result_expanded(sh_result *r, sh_expanded x, int term_cols) {
  r->expanded = (int)x;
  r->term_cols = term_cols;
}

int sh_result_row(sh_result *r, const sh_value *row) {
  int rc = 0;
  if (r->ncol == 0 || r->failed)
    return r->failed ? -1 : 0;
  switch (r->format) {
  case SH_FORMAT_TABLE:
    rc = table_row(r, row);
    break;
  case SH_FORMAT_CSV:
    csv_values(r, row);
    break;
  case SH_FORMAT_JSON:
    fputs(r->nrows ? ",\n  " : "[\n  ", r->out);
    rc = json_row(r, row);
    break;
  case SH_FORMAT_JSONL:
    rc = json_row(r, row);
    fputc('\n', r->out);
    break;
  }
  if (r->format != SH_FORMAT_TABLE && rc == 0)
    r->nrows++;
  if (rc < 0)
    r->failed = 1;
  return rc;
}

/* Closes a json array: "[]" when no row was written. */
static void json_close(sh_result *r) {
  fputs(r->nrows ? "\n]\n" : "[]\n", r->out);
}

int sh_result_end(sh_result *r) {
  if (r->ncol > 0 && r->format == SH_FORMAT_TABLE && !r->failed)
    table_print(r);
  if (r->ncol > 0 && r->format == SH_FORMAT_JSON)
    json_close(r);
  int rc = r->failed || ferror(r->out) ? -1 : 0;
  result_free(r);
  return rc;
}

void sh_result_abort(sh_result *r, const char *why) {
  /* json: the array stays open, so no parser takes the rows written so
   * far for the whole answer; jsonl: a last line names the failure. */
  if (r->ncol > 0 && r->format == SH_FORMAT_JSON && r->nrows > 0)
    fputs("\n", r->out);
  if (r->ncol > 0 && r->format == SH_FORMAT_JSONL) {
    fputs("{\"error\":", r->out);
    json_put_string(r->out, why ? why : "the statement failed");
    fputs("}\n", r->out);
  }
  result_free(r);
}
