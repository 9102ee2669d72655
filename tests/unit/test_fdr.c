/* Benjamini-Hochberg against hand-computed q-values. */
#include "test_util.h"

#include "fdr.h"

static void test_bh_matches_hand_computed_q_values(void **state)
{
    (void)state;
    /* sorted 0.005 0.01 0.03 0.04 -> p m / r = 0.02 0.02 0.04 0.04 (already monotone) */
    double p[] = {0.01, 0.04, 0.03, 0.005}, q[4];
    fdr_bh(p, 4, q);
    assert_close(q[0], 0.02, 1e-15);
    assert_close(q[1], 0.04, 1e-15);
    assert_close(q[2], 0.04, 1e-15);
    assert_close(q[3], 0.02, 1e-15);
}

static void test_bh_running_minimum_clip_and_nan(void **state)
{
    (void)state;
    /* sorted 0.01 0.02 0.9 NaN(=1): 0.04 0.04 1.2->1 1 ; running min keeps 0.04, 0.04 */
    double p[] = {0.9, 0.01, NAN, 0.02};
    fdr_bh(p, 4, p); /* in place */
    assert_close(p[0], 1.0, 0);
    assert_close(p[1], 0.04, 1e-15);
    assert_close(p[2], 1.0, 0);
    assert_close(p[3], 0.04, 1e-15);
    fdr_bh(p, 0, p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bh_matches_hand_computed_q_values),
        cmocka_unit_test(test_bh_running_minimum_clip_and_nan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
