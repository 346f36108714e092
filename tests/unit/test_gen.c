/*
 * test_gen.c -- the data generator's shared parts (client/gen_data.c) that
 * `credo gen` and bench_scale both use: decision numbers count per series
 * and year, so (source, ref) never repeats, in the formats of the Xiamen
 * documents; penalties count per department, licences of the market and
 * of the housing bureau apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "gen_data.h"

static void test_refs_count_per_series_and_year(void **state) {
  gen_refs r;
  char ref[64];
  (void)state;
  memset(&r, 0, sizeof r);
  gen_make_ref(&r, T_GENERAL, S_MARKET, 2025, ref, sizeof ref);
  assert_string_equal(ref, "厦市监罚〔2025〕1号");
  /* penalties of one department share a series across types */
  gen_make_ref(&r, T_MINOR, S_MARKET, 2025, ref, sizeof ref);
  assert_string_equal(ref, "厦市监罚〔2025〕2号");
  /* another year, another department: their own numbers */
  gen_make_ref(&r, T_GENERAL, S_MARKET, 2024, ref, sizeof ref);
  assert_string_equal(ref, "厦市监罚〔2024〕1号");
  gen_make_ref(&r, T_SERIOUS, S_TAX, 2025, ref, sizeof ref);
  assert_string_equal(ref, "厦税稽罚〔2025〕1号");
  /* licences: the market's and the housing bureau's apart */
  gen_make_ref(&r, T_LICENCE, S_MARKET, 2023, ref, sizeof ref);
  assert_string_equal(ref, "厦市监许〔2023〕1号");
  gen_make_ref(&r, T_LICENCE, S_HOUSING, 2023, ref, sizeof ref);
  assert_string_equal(ref, "厦建许〔2023〕1号");
  gen_make_ref(&r, T_LICENCE, S_MARKET, 2023, ref, sizeof ref);
  assert_string_equal(ref, "厦市监许〔2023〕2号");
  /* the court's list and the other types */
  gen_make_ref(&r, T_LIST, S_COURT, 2022, ref, sizeof ref);
  assert_string_equal(ref, "（2022）闽02执1号");
  gen_make_ref(&r, T_HONOUR, S_TAX, 2021, ref, sizeof ref);
  assert_string_equal(ref, "厦税信〔2021〕1号");
  gen_make_ref(&r, T_COMMIT, S_DEV, 2021, ref, sizeof ref);
  assert_string_equal(ref, "厦发改承诺〔2021〕1号");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refs_count_per_series_and_year),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
