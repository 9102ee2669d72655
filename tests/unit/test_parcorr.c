/* ParCorr from the embedded correlation matrix vs an independent residual regression. */
#include "test_util.h"

#include "dist.h"
#include "lagcov.h"
#include "parcorr.h"
#include "rng.h"
#include "xalloc.h"

#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

enum { T = 600, N = 4, LAG = 2, D = N * (LAG + 1) };

/* Correlated VAR(1)-like data at an offset level, so the test also covers centring. */
static double *make_data(uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed);
    double *X = xmallocarray((size_t)T * N, sizeof(double));
    double prev[N] = {0};
    for (int t = 0; t < T; t++) {
        double e[N];
        for (int i = 0; i < N; i++) e[i] = rng_normal(&r);
        double x0 = 0.5 * prev[0] + e[0];
        double x1 = 0.4 * prev[1] + 0.6 * x0 + e[1];
        double x2 = 0.3 * prev[2] - 0.5 * prev[1] + e[2];
        double x3 = 0.2 * x2 + 0.3 * prev[0] + e[3];
        double cur[N] = {x0, x1, x2, x3};
        for (int i = 0; i < N; i++) {
            X[t * N + i] = 1000.0 + cur[i];
            prev[i] = cur[i];
        }
    }
    return X;
}

/* The value of embedded coordinate `coord` in row t (t indexes rows LAG..T-1). */
static double embedded(const double *X, int t, int coord)
{
    int lag = coord / N, i = coord % N;
    return X[(t - lag) * N + i];
}

/* Independent computation: OLS residuals of x and y on [1, Z] (LAPACKE_dgels), Pearson
 * correlation of the residuals, t-test with df = n - k - 2. */
static void residual_parcorr(const double *X, int x, int y, const int *z, int k, double *rho,
                             double *p)
{
    int n = T - LAG, cols = k + 1;
    double *A = xmallocarray((size_t)n * cols, sizeof(double));
    double *B = xmallocarray((size_t)n * 2, sizeof(double));
    double *Acopy = xmallocarray((size_t)n * cols, sizeof(double));
    for (int r = 0; r < n; r++) {
        A[r * cols] = 1.0;
        for (int a = 0; a < k; a++) A[r * cols + 1 + a] = embedded(X, r + LAG, z[a]);
        B[r * 2] = embedded(X, r + LAG, x);
        B[r * 2 + 1] = embedded(X, r + LAG, y);
    }
    memcpy(Acopy, A, (size_t)n * cols * sizeof(double));
    double *Bfit = xmallocarray((size_t)n * 2, sizeof(double));
    memcpy(Bfit, B, (size_t)n * 2 * sizeof(double));
    assert_int_equal(LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', n, cols, 2, A, cols, Bfit, 2), 0);
    double sxx = 0, syy = 0, sxy = 0, mx = 0, my = 0;
    double *res = xmallocarray((size_t)n * 2, sizeof(double));
    for (int r = 0; r < n; r++) {
        double fx = 0, fy = 0;
        for (int a = 0; a < cols; a++) {
            fx += Acopy[r * cols + a] * Bfit[a * 2];
            fy += Acopy[r * cols + a] * Bfit[a * 2 + 1];
        }
        res[r * 2] = B[r * 2] - fx;
        res[r * 2 + 1] = B[r * 2 + 1] - fy;
        mx += res[r * 2];
        my += res[r * 2 + 1];
    }
    mx /= n;
    my /= n;
    for (int r = 0; r < n; r++) {
        double a = res[r * 2] - mx, b = res[r * 2 + 1] - my;
        sxx += a * a;
        syy += b * b;
        sxy += a * b;
    }
    *rho = sxy / sqrt(sxx * syy);
    int df = n - k - 2;
    *p = dist_t_two_sided(*rho * sqrt(df / (1 - *rho * *rho)), df);
    free(A);
    free(B);
    free(Acopy);
    free(Bfit);
    free(res);
}

static double *correlation_of(const double *X, long *n)
{
    char err[128];
    struct lagcov *lc = lagcov_new(N, LAG, T, err, sizeof err);
    assert_non_null(lc);
    lagcov_load(lc, X, T);
    double *R = xmallocarray((size_t)D * D, sizeof(double));
    assert_int_equal(lagcov_correlation(lc, R, NULL), 0);
    *n = lagcov_rows(lc);
    lagcov_free(lc);
    return R;
}

static void test_parcorr_matches_residual_regression(void **state)
{
    (void)state;
    double *X = make_data(7);
    long n;
    double *R = correlation_of(X, &n);
    assert_int_equal(n, T - LAG);
    struct parcorr pc;
    parcorr_init(&pc, R, D, n, 8);
    const struct {
        int x, y, k, z[6];
    } cases[] = {
        {0, 1, 0, {0}},
        {4, 2, 0, {0}},
        {0, 1, 1, {4}},
        {5, 2, 2, {1, 9}},
        {4, 3, 3, {0, 2, 8}},
        {1, 3, 4, {0, 2, 5, 6}},
        {8, 3, 6, {0, 1, 2, 4, 5, 11}},
        {10, 7, 5, {3, 6, 9, 2, 0}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct ci_result res;
        parcorr_test(&pc, cases[c].x, cases[c].y, cases[c].z, cases[c].k, &res);
        double rho, p;
        residual_parcorr(X, cases[c].x, cases[c].y, cases[c].z, cases[c].k, &rho, &p);
        assert_close(res.val, rho, 1e-9);
        assert_close(res.pval, p, 1e-9);
        if (p < 1e-6) assert_close(log(res.pval), log(p), 1e-6); /* tails agree relatively */
        assert_int_equal(res.df, (int)n - cases[c].k - 2);
        assert_false(res.degenerate);
    }
    parcorr_fini(&pc);
    free(R);
    free(X);
}

static void test_t_tail_matches_closed_forms(void **state)
{
    (void)state;
    /* df = 1 is Cauchy: P(|T| >= t) = 1 - 2 atan(t) / pi. df = 2: 1 - t / sqrt(2 + t^2). */
    const double ts[] = {0.0, 0.3, 1.0, 2.5, 10.0, 1e3};
    for (size_t a = 0; a < sizeof ts / sizeof ts[0]; a++) {
        double t = ts[a];
        assert_close(dist_t_two_sided(t, 1), 1 - 2 * atan(t) / M_PI, 1e-12);
        assert_close(dist_t_two_sided(-t, 2), 1 - t / sqrt(2 + t * t), 1e-12);
    }
    /* rho -> t mapping: rho = 0.5, df = 2 gives t = 0.5 sqrt(2 / 0.75). */
    double t = 0.5 * sqrt(2 / 0.75);
    assert_close(parcorr_pvalue(0.5, 2), 1 - t / sqrt(2 + t * t), 1e-12);
    assert_close(parcorr_pvalue(1.0, 100), 0.0, 0);
    assert_close(parcorr_pvalue(0.3, 0), 1.0, 0);
}

/* A hand-made correlation matrix over a, b, c = a + b (collinear), x, y. */
static void collinear_matrix(double *R)
{
    /* cov of (a, b, a + b, x = a + e1, y = a + 0.5 b + e2) with unit-variance a, b, e1, e2 */
    const double C[5][5] = {
        {1, 0, 1, 1, 1}, {0, 1, 1, 0, 0.5},      {1, 1, 2, 1, 1.5},
        {1, 0, 1, 2, 1}, {1, 0.5, 1.5, 1, 2.25},
    };
    for (int p = 0; p < 5; p++)
        for (int q = 0; q < 5; q++) R[p * 5 + q] = C[p][q] / sqrt(C[p][p] * C[q][q]);
}

static void test_collinear_condition_is_dropped(void **state)
{
    (void)state;
    double R[25];
    collinear_matrix(R);
    struct parcorr pc;
    parcorr_init(&pc, R, 5, 1000, 3);
    struct ci_result with, without;
    parcorr_test(&pc, 3, 4, (const int[]){0, 1, 2}, 3, &with);
    parcorr_test(&pc, 3, 4, (const int[]){0, 1}, 2, &without);
    assert_int_equal(pc.ncollinear, 1);
    assert_int_equal(with.k_used, 2);
    assert_close(with.val, without.val, 1e-12);
    assert_close(with.pval, without.pval, 1e-12);
    /* Given a and b, x and y are independent (e1 ⊥ e2). */
    assert_close(with.val, 0.0, 1e-12);
    assert_true(isfinite(with.pval));
    parcorr_fini(&pc);
}

static void test_target_explained_by_conditions_is_degenerate(void **state)
{
    (void)state;
    double R[25];
    collinear_matrix(R);
    struct parcorr pc;
    parcorr_init(&pc, R, 5, 1000, 2);
    struct ci_result res;
    parcorr_test(&pc, 2, 4, (const int[]){0, 1}, 2, &res); /* c = a + b exactly */
    assert_true(res.degenerate);
    assert_close(res.val, 0.0, 0);
    assert_close(res.pval, 1.0, 0);
    parcorr_fini(&pc);
}

static void test_constant_coordinate_is_independent(void **state)
{
    (void)state;
    double *X = make_data(3);
    for (int t = 0; t < T; t++) X[t * N + 3] = 42.0; /* x3 constant */
    long n;
    double *R = correlation_of(X, &n);
    struct parcorr pc;
    parcorr_init(&pc, R, D, n, 2);
    struct ci_result res;
    parcorr_test(&pc, 3, 0, (const int[]){4}, 1, &res);
    /* lagcov_correlation gives a constant coordinate unit variance and zero correlations. */
    assert_close(res.val, 0.0, 0);
    assert_close(res.pval, 1.0, 0);
    parcorr_fini(&pc);
    free(R);
    free(X);
}

static void test_too_few_samples_sets_low_df(void **state)
{
    (void)state;
    double R[25];
    collinear_matrix(R);
    struct parcorr pc;
    parcorr_init(&pc, R, 5, 4, 2);
    struct ci_result res;
    parcorr_test(&pc, 3, 4, (const int[]){0, 1}, 2, &res); /* df = 4 - 2 - 2 = 0 */
    assert_true(res.low_df);
    assert_close(res.pval, 1.0, 0);
    assert_int_equal(pc.nlow_df, 1);
    parcorr_fini(&pc);
}

static void test_reused_factor_gives_same_result_as_fresh(void **state)
{
    (void)state;
    double *X = make_data(21);
    long n;
    double *R = correlation_of(X, &n);
    struct parcorr warm, cold;
    parcorr_init(&warm, R, D, n, 6);
    struct ci_result a, b;
    parcorr_test(&warm, 1, 3, (const int[]){0, 2, 8, 5}, 4, &a);
    parcorr_test(&warm, 4, 3, (const int[]){0, 2, 8, 9}, 4, &a); /* reuses 3 rows */
    assert_int_equal(warm.nreused, 3);
    parcorr_init(&cold, R, D, n, 6);
    parcorr_test(&cold, 4, 3, (const int[]){0, 2, 8, 9}, 4, &b);
    assert_close(a.val, b.val, 1e-15);
    assert_close(a.pval, b.pval, 1e-15);
    parcorr_fini(&warm);
    parcorr_fini(&cold);
    free(R);
    free(X);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parcorr_matches_residual_regression),
        cmocka_unit_test(test_t_tail_matches_closed_forms),
        cmocka_unit_test(test_collinear_condition_is_dropped),
        cmocka_unit_test(test_target_explained_by_conditions_is_degenerate),
        cmocka_unit_test(test_constant_coordinate_is_independent),
        cmocka_unit_test(test_too_few_samples_sets_low_df),
        cmocka_unit_test(test_reused_factor_gives_same_result_as_fresh),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
