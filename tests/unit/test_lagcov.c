/* Sliding lagged covariance vs an independent two-pass recomputation. */
#include "test_util.h"

#include "lagcov.h"
#include "rng.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Two-pass covariance of the embedded rows that end at raw rows [first, last] of X, skipping
 * rows that contain NaN. Plain loops, no shared code with lagcov. */
static long two_pass(const double *X, int N, int L, int first, int last, double *C)
{
    int D = N * (L + 1);
    double *mean = xcalloc((size_t)D, sizeof(double));
    double *v = xmallocarray((size_t)D, sizeof(double));
    long n = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int t = first; t <= last; t++) {
            int ok = 1;
            for (int lag = 0; lag <= L; lag++)
                for (int i = 0; i < N; i++) {
                    v[lag * N + i] = X[(size_t)(t - lag) * N + i];
                    if (isnan(v[lag * N + i])) ok = 0;
                }
            if (!ok) continue;
            if (pass == 0) {
                n++;
                for (int p = 0; p < D; p++) mean[p] += v[p];
            } else {
                for (int p = 0; p < D; p++)
                    for (int q = 0; q < D; q++)
                        C[(size_t)p * D + q] += (v[p] - mean[p]) * (v[q] - mean[q]) / (n - 1);
            }
        }
        if (pass == 0) {
            for (int p = 0; p < D; p++) mean[p] /= n;
            for (long a = 0; a < (long)D * D; a++) C[a] = 0;
        }
    }
    free(mean);
    free(v);
    return n;
}

static double *random_walkish(int rows, int N, double level, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed);
    double *X = xmallocarray((size_t)rows * N, sizeof(double));
    double prev[8] = {0};
    for (int t = 0; t < rows; t++)
        for (int i = 0; i < N; i++) {
            prev[i] = 0.6 * prev[i] + (i ? 0.3 * prev[i - 1] : 0) + rng_normal(&r);
            X[(size_t)t * N + i] = level * (1 + 0.1 * i) + prev[i];
        }
    return X;
}

static double max_rel_error(const double *A, const double *B, int D)
{
    double worst = 0;
    for (int p = 0; p < D; p++)
        for (int q = 0; q < D; q++) {
            double scale = sqrt(B[p * D + p] * B[q * D + q]);
            double e = fabs(A[p * D + q] - B[p * D + q]) / scale;
            if (e > worst) worst = e;
        }
    return worst;
}

static void test_sliding_matches_two_pass_after_10000_slides_at_level_1e9(void **state)
{
    (void)state;
    enum { N = 3, L = 2, W = 500, SLIDES = 10000, D = N * (L + 1) };
    int rows = W + L + SLIDES;
    double *X = random_walkish(rows, N, 1e9, 11);
    char err[128];
    struct lagcov *lc = lagcov_new(N, L, W, err, sizeof err);
    assert_non_null(lc);
    for (int t = 0; t < rows; t++) lagcov_push(lc, X + (size_t)t * N);
    assert_int_equal(lagcov_rows(lc), W);
    double C[D * D], ref[D * D];
    assert_int_equal(lagcov_covariance(lc, C), 0);
    long n = two_pass(X, N, L, rows - W, rows - 1, ref);
    assert_int_equal(n, W);
    double err_rel = max_rel_error(C, ref, D);
    print_message("max relative error after %d slides at level 1e9: %.3g\n", SLIDES, err_rel);
    assert_true(err_rel < 1e-9);
    /* Exact recomputation agrees to round-off. */
    lagcov_recompute(lc);
    assert_int_equal(lagcov_covariance(lc, C), 0);
    assert_true(max_rel_error(C, ref, D) < 1e-12);
    lagcov_free(lc);
    free(X);
}

static void test_rows_with_missing_values_are_left_out(void **state)
{
    (void)state;
    enum { N = 2, L = 1, W = 50, D = N * (L + 1) };
    int rows = 120;
    double *X = random_walkish(rows, N, 5.0, 5);
    X[100 * N + 1] = NAN; /* removes the embedded rows ending at 100 and 101 */
    X[30 * N + 0] = NAN;  /* slides out of the window before the end */
    char err[128];
    struct lagcov *lc = lagcov_new(N, L, W, err, sizeof err);
    for (int t = 0; t < rows; t++) lagcov_push(lc, X + (size_t)t * N);
    double C[D * D], ref[D * D];
    long n = two_pass(X, N, L, rows - W, rows - 1, ref);
    assert_int_equal(n, W - 2);
    assert_int_equal(lagcov_rows(lc), W - 2);
    assert_int_equal(lagcov_covariance(lc, C), 0);
    assert_true(max_rel_error(C, ref, D) < 1e-10);
    lagcov_free(lc);
    free(X);
}

static void test_batch_load_equals_streaming(void **state)
{
    (void)state;
    enum { N = 4, L = 3, D = N * (L + 1) };
    int rows = 400;
    double *X = random_walkish(rows, N, 100.0, 9);
    char err[128];
    struct lagcov *a = lagcov_new(N, L, rows - L, err, sizeof err);
    struct lagcov *b = lagcov_new(N, L, rows - L, err, sizeof err);
    lagcov_load(a, X, rows);
    for (int t = 0; t < rows; t++) lagcov_push(b, X + (size_t)t * N);
    double Ca[D * D], Cb[D * D], Rb[D * D], var[D];
    lagcov_covariance(a, Ca);
    lagcov_covariance(b, Cb);
    assert_int_equal(lagcov_rows(a), rows - L);
    assert_true(max_rel_error(Cb, Ca, D) < 1e-12);
    lagcov_correlation(b, Rb, var);
    for (int p = 0; p < D; p++) {
        assert_close(Rb[p * D + p], 1.0, 0);
        assert_close(var[p], Cb[p * D + p], 0);
    }
    lagcov_free(a);
    lagcov_free(b);
    free(X);
}

static void test_too_few_rows_give_no_covariance(void **state)
{
    (void)state;
    char err[128];
    struct lagcov *lc = lagcov_new(2, 2, 10, err, sizeof err);
    double x[2] = {1, 2}, C[36];
    for (int t = 0; t < 3; t++) lagcov_push(lc, x); /* one embedded row */
    assert_int_equal(lagcov_rows(lc), 1);
    assert_int_equal(lagcov_covariance(lc, C), -1);
    lagcov_free(lc);
    assert_null(lagcov_new(0, 1, 10, err, sizeof err));
    assert_non_null(strstr(err, "invalid sizes"));
    lagcov_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sliding_matches_two_pass_after_10000_slides_at_level_1e9),
        cmocka_unit_test(test_rows_with_missing_values_are_left_out),
        cmocka_unit_test(test_batch_load_equals_streaming),
        cmocka_unit_test(test_too_few_rows_give_no_covariance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
