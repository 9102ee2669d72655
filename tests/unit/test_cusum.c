/* The CUSUM threshold for a wanted run length under no change: Siegmund's approximation against
 * the one-sided table value (k 0.5, h 5: ARL0 about 930) and against simulated run lengths, on
 * independent increments and on the correlated scores of overlapping windows. */
#include "test_util.h"

#include "cusum.h"
#include "rng.h"

#include <math.h>

/* Mean run length of a CUSUM (k, h) over `runs` runs; the increments are means of `w` blocks
 * of standard normals, the window moving one block a step, scaled to unit variance (w = 1:
 * independent). */
static double simulated_arl(uint64_t seed, double k, double h, int w, int runs)
{
    struct rng r;
    rng_seed(&r, seed);
    double total = 0, blk[64] = {0};
    for (int run = 0; run < runs; run++) {
        double s = 0, sum = 0;
        for (int a = 0; a < w; a++) sum += blk[a] = rng_normal(&r);
        long t = 0;
        for (;;) {
            int slot = (int)(t % w);
            sum -= blk[slot];
            sum += blk[slot] = rng_normal(&r);
            t++;
            s = cusum_step(s, sum / sqrt((double)w), k);
            if (s >= h) break;
        }
        total += (double)t;
    }
    return total / runs;
}

static void test_cusum_siegmund_matches_the_table_value(void **state)
{
    (void)state;
    double a = cusum_arl0(0.5, 5.0, 1.0);
    print_message("ARL0 (k 0.5, h 5): %.0f\n", a);
    assert_true(a > 880 && a < 980);
    double h = cusum_threshold(0.5, 1.0, a);
    assert_close(h, 5.0, 1e-6);
    assert_true(cusum_threshold(0.5, 1.0, 0.1) == 0);
    assert_true(cusum_threshold(0, 1.0, 100) < 0);
    assert_close(cusum_overlap_variance(80, 10), 8.0, 1e-12);
    assert_close(cusum_overlap_variance(10, 10), 1.0, 1e-12);
}

static void test_cusum_threshold_gives_the_wanted_run_length_in_simulation(void **state)
{
    (void)state;
    double k = 0.5, want = 500;
    double h = cusum_threshold(k, 1.0, want);
    double got = simulated_arl(5, k, h, 1, 600);
    print_message("independent: h %.3f for ARL0 %.0f, simulated %.0f\n", h, want, got);
    assert_true(got > 0.85 * want && got < 1.15 * want);
    /* windows of 8 blocks every block: the long-run variance is 8 (cusum_overlap_variance);
     * the approximation then errs on the safe side (run lengths no shorter than wanted) */
    double v = cusum_overlap_variance(8, 1), k2 = 1.0;
    double h2 = cusum_threshold(k2, v, want);
    double got2 = simulated_arl(6, k2, h2, 8, 300);
    print_message("overlapping windows: v %.1f, h %.3f for ARL0 %.0f, simulated %.0f\n", v, h2,
                  want, got2);
    assert_true(got2 > 0.8 * want);
}

/* The calibration by simulation: on independent scores its line gives Siegmund's thresholds;
 * on scores of overlapping windows (8 blocks), the threshold it gives for a run length of 3000
 * steps (k 1) or 30,000 (k 3) is met by an independent simulation with another seed. */
static void test_cusum_calibration_by_simulation_gives_the_wanted_run_length(void **state)
{
    (void)state;
    double a, b;
    assert_int_equal(cusum_calibrate(0.5, 1, INFINITY, 2000000, 1, &a, &b), 0);
    double h1 = (log(900.0) - a) / b, hs = cusum_threshold(0.5, 1.0, 900.0);
    print_message("independent, k 0.5: ln ARL0 = %.3f + %.3f h; h for 900: %.2f (Siegmund %.2f)\n",
                  a, b, h1, hs);
    assert_close(h1, hs, 0.35);
    for (int c = 0; c < 2; c++) {
        double k = c ? 3.0 : 1.0, want = c ? 30000 : 3000;
        assert_int_equal(cusum_calibrate(k, 8, INFINITY, 2000000, 2, &a, &b), 0);
        double h = (log(want) - a) / b;
        double got = simulated_arl(7 + c, k, h, 8, c ? 100 : 300);
        print_message("windows of 8, k %.0f: ln ARL0 = %.3f + %.3f h; h %.2f for %.0f, "
                      "simulated %.0f\n",
                      k, a, b, h, want, got);
        assert_true(got > 0.75 * want && got < 1.33 * want);
    }
    assert_int_equal(cusum_calibrate(1.0, 65, INFINITY, 1000, 1, &a, &b), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cusum_siegmund_matches_the_table_value),
        cmocka_unit_test(test_cusum_threshold_gives_the_wanted_run_length_in_simulation),
        cmocka_unit_test(test_cusum_calibration_by_simulation_gives_the_wanted_run_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
