/* Lag-block correlations of the embedded vector vs an independent two-pass computation over the
 * explicitly embedded rows. */
#include "test_util.h"

#include "lagblock.h"
#include "rng.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Correlation of embedded coordinates u and v over the rows t = L .. rows-1, by plain loops. */
static double two_pass_corr(const double *X, int rows, int N, int L, int u, int v)
{
    int a = u / N, i = u % N, b = v / N, j = v % N;
    long n = rows - L;
    double mu = 0, mv = 0;
    for (int t = L; t < rows; t++) {
        mu += X[(size_t)(t - a) * N + i];
        mv += X[(size_t)(t - b) * N + j];
    }
    mu /= n;
    mv /= n;
    double suv = 0, suu = 0, svv = 0;
    for (int t = L; t < rows; t++) {
        double du = X[(size_t)(t - a) * N + i] - mu, dv = X[(size_t)(t - b) * N + j] - mv;
        suv += du * dv;
        suu += du * du;
        svv += dv * dv;
    }
    return suv / sqrt(suu * svv);
}

/* An autocorrelated, cross-coupled process so lag blocks are far from zero, at a level. */
static double *simulate(int rows, int N, double level, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed);
    double *X = xcalloc((size_t)rows * N, sizeof(double));
    for (int t = 1; t < rows; t++)
        for (int i = 0; i < N; i++)
            X[(size_t)t * N + i] = 0.6 * X[(size_t)(t - 1) * N + i] +
                                   0.3 * X[(size_t)(t - 1) * N + (i + 1) % N] + rng_normal(&r);
    for (size_t a = 0; a < (size_t)rows * N; a++) X[a] += level;
    return X;
}

static void check(double level, double tol)
{
    int rows = 300, N = 5, L = 4, D = N * (L + 1);
    double *X = simulate(rows, N, level, 7);
    char err[256];
    struct lagblock *lb = lagblock_new(X, rows, N, L, err, sizeof err);
    if (!lb) fail_msg("%s", err);
    assert_int_equal(lagblock_rows(lb), rows - L);
    assert_int_equal(lagblock_dim(lb), D);
    double worst = 0;
    for (int u = 0; u < D; u++)
        for (int v = 0; v < D; v++) {
            double want = u == v ? 1.0 : two_pass_corr(X, rows, N, L, u, v);
            double got = lagblock_corr(lb, u, v);
            if (fabs(got - want) > worst) worst = fabs(got - want);
            assert_close(got, want, tol);
        }
    print_message("level %g: largest difference from the two-pass correlation %.3g\n", level,
                  worst);
    lagblock_free(lb);
    free(X);
}

static void test_lag_blocks_equal_the_embedded_correlation(void **state)
{
    (void)state;
    check(0.0, 1e-12);
}

static void test_lag_blocks_are_exact_at_level_1e9(void **state)
{
    (void)state;
    check(1e9, 1e-9);
}

/* A constant column is uncorrelated with everything; non-finite input and too few rows are
 * refused with a message. */
static void test_constant_column_and_bad_input(void **state)
{
    (void)state;
    int rows = 50, N = 2;
    double *X = simulate(rows, N, 0.0, 3);
    for (int t = 0; t < rows; t++) X[(size_t)t * N + 1] = 4.2;
    char err[256] = "";
    struct lagblock *lb = lagblock_new(X, rows, N, 2, err, sizeof err);
    assert_non_null(lb);
    assert_close(lagblock_corr(lb, 1, 1), 1.0, 0);
    assert_close(lagblock_corr(lb, 0, 1), 0.0, 0);
    assert_close(lagblock_corr(lb, 3, 5), 0.0, 0);
    lagblock_free(lb);
    X[7] = NAN;
    assert_null(lagblock_new(X, rows, N, 2, err, sizeof err));
    assert_non_null(strstr(err, "row 3, column 1"));
    assert_null(lagblock_new(X, 3, N, 2, err, sizeof err));
    free(X);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lag_blocks_equal_the_embedded_correlation),
        cmocka_unit_test(test_lag_blocks_are_exact_at_level_1e9),
        cmocka_unit_test(test_constant_column_and_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
