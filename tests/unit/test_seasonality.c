/* Period detection and removal: cycles are found; red noise, level shifts and trends are not. */
#include "test_util.h"

#include "rng.h"
#include "seasonality.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

enum { N = 2000 };

/* AR(1) with coefficient phi, plus optional cycle (amplitude A, period P), step and trend. */
static double *series(double phi, double A, int P, double step, double trend, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed);
    double *x = xmallocarray(N, sizeof(double)), prev = 0;
    for (int t = 0; t < N; t++) {
        prev = phi * prev + rng_normal(&r);
        x[t] = prev + (P ? A * sin(2 * M_PI * t / P) : 0) + (t >= N / 2 ? step : 0) + trend * t;
    }
    return x;
}

static void test_cycles_are_found_under_red_and_blue_noise(void **state)
{
    (void)state;
    const double phis[] = {0.0, 0.7, 0.9, -0.8};
    const int periods[] = {24, 96, 168};
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 3; b++) {
            double *x = series(phis[a], 2.0, periods[b], 0, 0, 10 + a * 3 + b);
            /* within 1 %: under strong red noise the estimate can be a lag off at long periods */
            int P = season_detect(x, N), tol = periods[b] / 100;
            if (abs(P - periods[b]) > tol)
                fail_msg("phi %.1f period %d: detected %d", phis[a], periods[b], P);
            free(x);
        }
}

static void test_red_noise_level_shift_and_trend_are_not_seasonal(void **state)
{
    (void)state;
    for (uint64_t s = 1; s <= 20; s++) {
        double *ar = series(0.9, 0, 0, 0, 0, s), *neg = series(-0.8, 0, 0, 0, 0, 100 + s);
        double *shift = series(0.5, 0, 0, 3.0, 0, 200 + s),
               *trend = series(0.5, 0, 0, 0, 0.01, 300 + s);
        assert_int_equal(season_detect(ar, N), 0);
        assert_int_equal(season_detect(neg, N), 0);
        assert_int_equal(season_detect(shift, N), 0);
        assert_int_equal(season_detect(trend, N), 0);
        free(ar);
        free(neg);
        free(shift);
        free(trend);
    }
}

static void test_removal_leaves_a_mean_shift_visible(void **state)
{
    (void)state;
    /* pure cycle + step: removing the per-phase median profile keeps the step intact */
    double *x = xmallocarray(N, sizeof(double));
    for (int t = 0; t < N; t++) x[t] = 3 * sin(2 * M_PI * t / 50) + (t >= N / 2 ? 2.0 : 0.0);
    season_remove(x, N, 50);
    double before = 0, after = 0;
    for (int t = 0; t < N / 2; t++) before += x[t] / (N / 2);
    for (int t = N / 2; t < N; t++) after += x[t] / (N / 2);
    assert_close(after - before, 2.0, 1e-9);
    for (int t = 1; t < N / 2; t++) assert_close(x[t], x[0], 1e-9); /* cycle gone */
    free(x);
}

/* Columns of a matrix: a cycle is removed from its column only; a NaN column is skipped. Runs
 * from two threads at once (the planner lock). */
static void *remove_columns(void *arg)
{
    double *Y = arg;
    int period[3];
    int found = season_remove_columns(Y, N, 3, period);
    return (void *)(intptr_t)(found == 1 && period[0] == 0 && period[1] >= 47 && period[1] <= 53 &&
                              period[2] == 0);
}

static void test_columns_lose_their_cycles_on_several_threads(void **state)
{
    (void)state;
    double *a = series(0.5, 0, 0, 0, 0, 31), *b = series(0.5, 4, 50, 0, 0, 32);
    double *Y[2];
    for (int k = 0; k < 2; k++) {
        Y[k] = xmallocarray((size_t)N * 3, sizeof(double));
        for (int t = 0; t < N; t++) {
            Y[k][t * 3] = a[t];
            Y[k][t * 3 + 1] = b[t];
            Y[k][t * 3 + 2] = t == 7 ? NAN : b[t];
        }
    }
    pthread_t th;
    pthread_create(&th, NULL, remove_columns, Y[1]);
    void *mine = remove_columns(Y[0]), *theirs;
    pthread_join(th, &theirs);
    assert_true(mine && theirs);
    double ss = 0;
    for (int t = 0; t < N; t++) {
        assert_close(Y[0][t * 3], a[t], 0); /* untouched */
        ss += Y[0][t * 3 + 1] * Y[0][t * 3 + 1];
    }
    assert_true(sqrt(ss / N) < 2.0); /* the amplitude-4 cycle is gone (AR(1) sd 1.15 is left) */
    free(a), free(b), free(Y[0]), free(Y[1]);
}

static void test_short_series_have_no_period(void **state)
{
    (void)state;
    double x[20] = {0};
    assert_int_equal(season_detect(x, 20), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cycles_are_found_under_red_and_blue_noise),
        cmocka_unit_test(test_red_noise_level_shift_and_trend_are_not_seasonal),
        cmocka_unit_test(test_removal_leaves_a_mean_shift_visible),
        cmocka_unit_test(test_columns_lose_their_cycles_on_several_threads),
        cmocka_unit_test(test_short_series_have_no_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
