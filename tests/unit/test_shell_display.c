/*
 * test_shell_display.c -- the shell's expanded display (\x, in
 * client/sh_output.c) and the pager's measure of an output and choice of
 * command (client/sh_pager.c), on made-up rows: no store, no terminal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sh_output.h"
#include "sh_pager.h"

static const char *const names[] = {"id", "subject_name", "amount"};
static const credo_type decl[] = {CREDO_T_INT, CREDO_T_TEXT, CREDO_T_DECIMAL};

/* Renders rows of (id, name, amount) in table format with \x mode x on a
 * terminal `cols` wide; the caller frees. */
static char *render(sh_expanded x, int cols, const sh_value *rows, int n) {
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  sh_result r;
  assert_non_null(m);
  assert_int_equal(sh_result_begin(&r, SH_FORMAT_TABLE, m, 3, names, decl), 0);
  sh_result_expanded(&r, x, cols);
  for (int i = 0; i < n; i++)
    assert_int_equal(sh_result_row(&r, rows + 3 * i), 0);
  assert_int_equal(sh_result_end(&r), 0);
  fclose(m);
  return buf;
}

static const sh_value two_rows[] = {
    {CREDO_T_INT, 12, 0, NULL},
    {CREDO_T_TEXT, 0, 0, "厦门示例船务有限公司"},
    {CREDO_T_DECIMAL, 0, 0, "0.5"},
    {CREDO_T_INT, 7, 0, NULL},
    {CREDO_T_NULL, 0, 0, NULL},
    {CREDO_T_DECIMAL, 0, 0, "1348839.63"},
};

static void expanded_on(void **state) {
  (void)state;
  char *s = render(SH_EXPANDED_ON, 0, two_rows, 2);
  /* names padded to the widest (12), the '+' above the '|', values as
   * the table shows them (NULL included), no row count */
  assert_string_equal(s, "-[ RECORD 1 ]+---------------------\n"
                         "id           | 12\n"
                         "subject_name | 厦门示例船务有限公司\n"
                         "amount       | 0.5\n"
                         "-[ RECORD 2 ]+---------------------\n"
                         "id           | 7\n"
                         "subject_name | NULL\n"
                         "amount       | 1348839.63\n");
  free(s);
}

static void expanded_empty_and_off(void **state) {
  (void)state;
  char *s = render(SH_EXPANDED_ON, 0, NULL, 0);
  assert_string_equal(s, "(0 rows)\n");
  free(s);
  s = render(SH_EXPANDED_OFF, 0, two_rows, 1);
  assert_string_equal(s, "id | subject_name         | amount\n"
                         "---+----------------------+-------\n"
                         "12 | 厦门示例船务有限公司 |    0.5\n"
                         "(1 row)\n");
  free(s);
}

/* auto: expanded only when the table is wider than the terminal (the
 * table above is 34 columns wide). */
static void expanded_auto(void **state) {
  (void)state;
  char *s = render(SH_EXPANDED_AUTO, 34, two_rows, 1);
  assert_non_null(strstr(s, "(1 row)"));
  free(s);
  s = render(SH_EXPANDED_AUTO, 33, two_rows, 1);
  assert_true(strncmp(s, "-[ RECORD 1 ]", 13) == 0);
  free(s);
  s = render(SH_EXPANDED_AUTO, 0, two_rows, 1); /* no terminal: never */
  assert_non_null(strstr(s, "(1 row)"));
  free(s);
}

static void expanded_names(void **state) {
  (void)state;
  sh_expanded x;
  assert_int_equal(sh_expanded_parse("AUTO", &x), 0);
  assert_int_equal(x, SH_EXPANDED_AUTO);
  assert_int_equal(sh_expanded_parse("on", &x), 0);
  assert_int_equal(x, SH_EXPANDED_ON);
  assert_int_equal(sh_expanded_parse("yes", &x), -1);
  assert_string_equal(sh_expanded_name(SH_EXPANDED_OFF), "off");
}

/* Lines on the screen: one per line, a line wider than the terminal
 * wraps (by display width: a CJK character takes two columns). */
static void screen_lines(void **state) {
  (void)state;
  assert_int_equal(sh_screen_lines("", 0, 80), 0);
  assert_int_equal(sh_screen_lines("a\nb\n", 4, 80), 2);
  assert_int_equal(sh_screen_lines("a\nb", 3, 80), 2);
  assert_int_equal(sh_screen_lines("0123456789\n", 11, 4), 3);
  assert_int_equal(sh_screen_lines("厦门示例\n", 13, 4), 2);
  assert_int_equal(sh_screen_lines("\n\n\n", 3, 4), 3);
}

/* $PAGER wins; without it less -FRX when a less is on $PATH, else more. */
static void pager_command(void **state) {
  (void)state;
  char dir[] = "/tmp/credo-pager-XXXXXX", path[64];
  const char *saved_path = getenv("PATH");
  char *old_path = saved_path ? strdup(saved_path) : NULL;
  assert_non_null(mkdtemp(dir));
  setenv("PAGER", "cat -n", 1);
  assert_string_equal(sh_pager_command(), "cat -n");
  unsetenv("PAGER");
  setenv("PATH", dir, 1);
  assert_string_equal(sh_pager_command(), "more");
  snprintf(path, sizeof path, "%s/less", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fclose(f);
  chmod(path, 0755);
  assert_string_equal(sh_pager_command(), "less -FRX");
  setenv("PAGER", "", 1); /* empty: as unset */
  assert_string_equal(sh_pager_command(), "less -FRX");
  unlink(path);
  rmdir(dir);
  if (old_path)
    setenv("PATH", old_path, 1);
  free(old_path);
  unsetenv("PAGER");
}

/* Held-back output that fits goes to the real stream unchanged; taller
 * output goes through the pager command instead. */
static void page_fits_or_pages(void **state) {
  (void)state;
  char *buf = NULL, log[] = "/tmp/credo-pager-log-XXXXXX", cmd[128];
  size_t len = 0;
  FILE *real = open_memstream(&buf, &len);
  sh_page pg;
  int fd = mkstemp(log);
  assert_true(fd >= 0);
  close(fd);
  snprintf(cmd, sizeof cmd, "cat > %s", log);
  FILE *o = sh_page_begin(&pg, real);
  fputs("a\nb\n", o);
  assert_int_equal(sh_page_end(&pg, cmd, 3, 80), 0); /* 2 lines + prompt */
  fflush(real);
  assert_string_equal(buf, "a\nb\n");
  o = sh_page_begin(&pg, real);
  fputs("1\n2\n3\n", o);
  assert_int_equal(sh_page_end(&pg, cmd, 3, 80), 0);
  fflush(real);
  assert_string_equal(buf, "a\nb\n"); /* nothing more on the real one */
  FILE *l = fopen(log, "r");
  char got[32] = {0};
  assert_non_null(l);
  assert_int_equal(fread(got, 1, sizeof got - 1, l), 6);
  assert_string_equal(got, "1\n2\n3\n");
  fclose(l);
  unlink(log);
  fclose(real);
  free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(expanded_on),
      cmocka_unit_test(expanded_empty_and_off),
      cmocka_unit_test(expanded_auto),
      cmocka_unit_test(expanded_names),
      cmocka_unit_test(screen_lines),
      cmocka_unit_test(pager_command),
      cmocka_unit_test(page_fits_or_pages),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
