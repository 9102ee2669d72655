/* BARO's robust score: median and IQR (numpy's linear quantiles) of the reference, largest
 * absolute deviation after the change, drops scored, constant references, missing values. */
#include "test_util.h"

#include "robust_score.h"

#include <math.h>

static void test_scores_match_hand_computed_values(void **state)
{
    (void)state;
    /* columns: rise, drop, flat-then-same, too few reference values */
    double X[8 * 4] = {
        1,
        10,
        5,
        NAN,
        /**/ 2,
        12,
        5,
        NAN,
        /**/ 3,
        11,
        5,
        1,
        /**/ 4,
        9,
        5,
        NAN,
        /**/ 5,
        13,
        5,
        NAN,
        /* after the change */
        3,
        2,
        5,
        4,
        /**/ 9,
        11,
        5,
        4,
        /**/ -5,
        NAN,
        5,
        4,
    };
    double s[4];
    assert_int_equal(robust_score(X, 8, 4, 5, s), 0);
    /* col 0: ref 1..5 -> median 3, q25 2, q75 4, IQR 2; post 3, 9, -5 -> max |.| / 2 = 4 */
    assert_close(s[0], 4, 1e-12);
    /* col 1: ref 9..13 -> median 11, IQR 2; post 2 -> 4.5 (a drop counts) */
    assert_close(s[1], 4.5, 1e-12);
    assert_close(s[2], 0, 0); /* constant and unchanged */
    assert_true(isnan(s[3]));
    int order[4];
    robust_rank(s, 4, order);
    assert_int_equal(order[0], 1);
    assert_int_equal(order[1], 0);
    assert_int_equal(order[2], 2);
    assert_int_equal(order[3], 3);
    assert_int_equal(robust_score(X, 8, 4, 0, s), -1);
    assert_int_equal(robust_score(X, 8, 4, 8, s), -1);
}

static void test_a_constant_reference_that_moves_scores_high(void **state)
{
    (void)state;
    double X[6] = {5, 5, 5, 5, 5, 5.001};
    double s;
    robust_score(X, 6, 1, 5, &s);
    assert_true(s > 1e3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scores_match_hand_computed_values),
        cmocka_unit_test(test_a_constant_reference_that_moves_scores_high),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
