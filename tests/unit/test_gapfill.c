/* The missing-value policy: short interior gaps are interpolated, the rest stays missing. */
#include "test_util.h"

#include "gapfill.h"

static void test_short_interior_gaps_are_interpolated_and_long_ones_kept(void **state)
{
    (void)state;
    /* one column; rows: NaN | 0 NaN NaN 3 | NaN NaN NaN NaN 8 | NaN */
    double x[] = {NAN, 0, NAN, NAN, 3, NAN, NAN, NAN, NAN, 8, NAN};
    long filled = gapfill_column(x, 11, 1, 0, 3);
    assert_int_equal(filled, 2);
    assert_close(x[2], 1.0, 1e-15);
    assert_close(x[3], 2.0, 1e-15);
    assert_true(isnan(x[0]));  /* leading */
    assert_true(isnan(x[6]));  /* gap of 4 > 3 */
    assert_true(isnan(x[10])); /* trailing */
    assert_close(gapfill_missing_share(x, 11, 1, 0), 6.0 / 11.0, 1e-15);
}

static void test_other_columns_are_untouched(void **state)
{
    (void)state;
    double X[] = {1, 10, NAN, 20, 3, NAN};
    assert_int_equal(gapfill_column(X, 3, 2, 0, 1), 1);
    assert_close(X[2], 2.0, 0);
    assert_true(isnan(X[5]));
    assert_close(gapfill_missing_share(X, 0, 2, 0), 0.0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_interior_gaps_are_interpolated_and_long_ones_kept),
        cmocka_unit_test(test_other_columns_are_untouched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
