/* The mechanism-change primitive: each kind of change is found and named; under the null the
 * kernel tests' p-values are uniform. */
#include "test_util.h"

#include "kci.h"
#include "mech_change.h"
#include "rcot.h"
#include "rng.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

enum { N = 2000 };

/* y = 0.8 z + e before row N/2; after it, the mechanism changes by `kind`. */
static void make(int kind, uint64_t seed, double *y, double *z, int *seg)
{
    struct rng r;
    rng_seed(&r, seed);
    for (int t = 0; t < N; t++) {
        int after = t >= N / 2;
        double zt = rng_normal(&r), e = rng_normal(&r), v;
        seg[t] = after;
        if (!after || kind == CHANGE_NONE)
            v = 0.8 * zt + e;
        else if (kind == CHANGE_MEAN)
            v = 0.8 * zt + e + 0.5;
        else if (kind == CHANGE_COEF)
            v = 0.2 * zt + e * sqrt(1.0 + 0.64 - 0.04); /* same marginal variance */
        else if (kind == CHANGE_VARIANCE)
            v = 0.8 * zt + 1.6 * e;
        else /* shape: same slope, mean and variance; the noise becomes bimodal */
            v = 0.8 * zt + (rng_uniform(&r) < 0.5 ? -0.95 : 0.95) + sqrt(1.0 - 0.9025) * e;
        z[t] = zt;
        y[t] = v;
    }
}

static void test_each_linear_kind_is_found_and_named_by_chow(void **state)
{
    (void)state;
    double y[N], z[N];
    int seg[N];
    for (int kind = CHANGE_MEAN; kind <= CHANGE_VARIANCE; kind++) {
        make(kind, 100 + kind, y, z, seg);
        struct mech_result res;
        char err[128];
        assert_int_equal(mech_change_test(y, z, N, 1, &(struct mech_regimes){seg, 2, NULL},
                                          MECH_CHOW, 1, 0.0, &res, err, sizeof err),
                         0);
        print_message("%-12s p=%.3g (mean %.3g coef %.3g var %.3g)\n", change_kind_str(kind),
                      res.pval, res.p_mean, res.p_coef, res.p_var);
        assert_true(res.pval < 1e-4);
        assert_int_equal(res.kind, kind);
        /* driving force: the per-segment slope shows how the mechanism moved */
        if (kind == CHANGE_COEF) {
            assert_close(res.lin.coef[1], 0.8, 0.15);
            assert_close(res.lin.coef[3], 0.2, 0.15);
        }
        mech_result_fini(&res);
    }
}

static void test_shape_change_needs_rcit(void **state)
{
    (void)state;
    double y[N], z[N];
    int seg[N];
    make(CHANGE_SHAPE, 7, y, z, seg);
    struct mech_result chow, rcit;
    char err[128];
    mech_change_test(y, z, N, 1, &(struct mech_regimes){seg, 2, NULL}, MECH_CHOW, 1, 0.0, &chow,
                     err, sizeof err);
    mech_change_test(y, z, N, 1, &(struct mech_regimes){seg, 2, NULL}, MECH_RCIT, 1, 0.0, &rcit,
                     err, sizeof err);
    print_message("shape: chow p=%.3g, rcit p=%.3g (shape %.3g)\n", chow.pval, rcit.pval,
                  rcit.p_shape);
    assert_true(chow.pval > 0.001); /* invisible to the linear tests */
    assert_true(rcit.pval < 1e-4);
    assert_int_equal(rcit.kind, CHANGE_SHAPE);
    mech_result_fini(&chow);
    mech_result_fini(&rcit);
}

static void test_time_index_kernel_sees_a_shape_change_off_the_block_border(void **state)
{
    (void)state;
    /* the bimodal-noise change of `make`, but starting at 30 % of the rows; blocks are halves */
    double y[N], z[N], t[N];
    int seg[N];
    struct rng r;
    rng_seed(&r, 31);
    for (int a = 0; a < N; a++) {
        z[a] = rng_normal(&r);
        double e = rng_normal(&r), noise = e;
        if (a >= 3 * N / 10) noise = (rng_uniform(&r) < 0.5 ? -0.95 : 0.95) + sqrt(1 - 0.9025) * e;
        y[a] = 0.8 * z[a] + noise;
        seg[a] = a >= N / 2;
        t[a] = a;
    }
    struct mech_result res;
    char err[128];
    assert_int_equal(mech_change_test(y, z, N, 1, &(struct mech_regimes){seg, 2, t}, MECH_RCIT, 1,
                                      0.0, &res, err, sizeof err),
                     0);
    print_message("shape change at 30 %%, time-index kernel: p=%.3g (shape %.3g)\n", res.pval,
                  res.p_shape);
    assert_true(res.pval < 1e-4);
    assert_int_equal(res.kind, CHANGE_SHAPE);
    mech_result_fini(&res);
}

static void test_fisherz_sees_only_mean_shifts(void **state)
{
    (void)state;
    double y[N], z[N];
    int seg[N];
    char err[128];
    make(CHANGE_VARIANCE, 9, y, z, seg);
    struct mech_result res;
    mech_change_test(y, z, N, 1, &(struct mech_regimes){seg, 2, NULL}, MECH_FISHERZ, 1, 0.0, &res,
                     err, sizeof err);
    assert_true(res.pval > 0.001);
    assert_int_equal(res.kind, CHANGE_MEAN);
    mech_result_fini(&res);
}

static void test_segment_with_too_few_rows_is_an_error(void **state)
{
    (void)state;
    double y[N], z[N];
    int seg[N];
    make(CHANGE_NONE, 1, y, z, seg);
    for (int t = 0; t < N; t++) seg[t] = t < N - 2 ? 0 : 1;
    struct mech_result res;
    char err[128];
    assert_int_equal(mech_change_test(y, z, N, 1, &(struct mech_regimes){seg, 2, NULL}, MECH_CHOW,
                                      1, 0.0, &res, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "segment 1 has 2 row(s), fewer than 4 needed"));
}

static void test_collinear_parents_are_dropped_not_nan(void **state)
{
    (void)state;
    double y[N], z[N], Z2[2 * N];
    int seg[N];
    make(CHANGE_NONE, 2, y, z, seg);
    for (int t = 0; t < N; t++) {
        Z2[2 * t] = z[t];
        Z2[2 * t + 1] = 2.0 * z[t]; /* singular parent set */
    }
    struct mech_result res;
    char err[128];
    assert_int_equal(mech_change_test(y, Z2, N, 2, &(struct mech_regimes){seg, 2, NULL}, MECH_CHOW,
                                      1, 0.0, &res, err, sizeof err),
                     0);
    assert_true(isfinite(res.pval) && res.pval > 0.001);
    assert_int_equal(res.lin.dropped, 2);
    mech_result_fini(&res);
}

/* Kolmogorov-Smirnov p-value of p[0..m) against U(0, 1) (asymptotic distribution). */
static double ks_uniform_p(double *p, int m)
{
    for (int a = 1; a < m; a++) /* insertion sort */
        for (int b = a; b > 0 && p[b - 1] > p[b]; b--) {
            double t = p[b];
            p[b] = p[b - 1];
            p[b - 1] = t;
        }
    double d = 0;
    for (int a = 0; a < m; a++) d = fmax(d, fmax((a + 1.0) / m - p[a], p[a] - (double)a / m));
    double lam = (sqrt(m) + 0.12 + 0.11 / sqrt(m)) * d, q = 0;
    for (int j = 1; j <= 100; j++) q += 2 * ((j % 2) ? 1 : -1) * exp(-2.0 * j * j * lam * lam);
    return fmin(1.0, fmax(0.0, q));
}

/* 200 null replicates: X independent of Y given Z (both depend on Z nonlinearly). */
static void null_pvalues(int use_kci, double *p)
{
    enum { n = 200 };
    struct rng r;
    rng_seed(&r, use_kci ? 11 : 12);
    double X[n], Y[n], Z[n];
    for (int rep = 0; rep < 200; rep++) {
        for (int t = 0; t < n; t++) {
            Z[t] = rng_normal(&r);
            X[t] = 0.5 * Z[t] + rng_normal(&r);
            Y[t] = 0.7 * Z[t] + rng_normal(&r);
        }
        double stat;
        if (use_kci) {
            int used;
            kci_test(X, 1, Y, 1, Z, 1, n, &stat, &p[rep], &used);
        } else {
            struct rcot_params rp;
            rcot_params_default(&rp, 1000 + rep);
            rcot_test(X, 1, Y, 1, Z, 1, n, &rp, &stat, &p[rep]);
        }
    }
}

static void test_kci_null_pvalues_are_uniform(void **state)
{
    (void)state;
    double p[200];
    null_pvalues(1, p);
    double ks = ks_uniform_p(p, 200);
    print_message("KCI: KS p-value of 200 null p-values vs uniform: %.3f\n", ks);
    assert_true(ks > 0.01);
}

static void test_rcit_null_pvalues_are_uniform(void **state)
{
    (void)state;
    double p[200];
    null_pvalues(0, p);
    double ks = ks_uniform_p(p, 200);
    print_message("RCoT: KS p-value of 200 null p-values vs uniform: %.3f\n", ks);
    assert_true(ks > 0.01);
}

static void test_hbe_matches_chi_square_when_weights_are_equal(void **state)
{
    (void)state;
    /* 4 equal unit weights: exactly chi-square(4), P(>= x) = e^(-x/2) (1 + x/2) = 3 e^-2 */
    double lam[4] = {1, 1, 1, 1};
    assert_close(hbe_upper(4.0, lam, 4), 3.0 * exp(-2.0), 1e-12);
    assert_close(hbe_upper(1.0, (double[]){0, -1}, 2), 1.0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_linear_kind_is_found_and_named_by_chow),
        cmocka_unit_test(test_shape_change_needs_rcit),
        cmocka_unit_test(test_time_index_kernel_sees_a_shape_change_off_the_block_border),
        cmocka_unit_test(test_fisherz_sees_only_mean_shifts),
        cmocka_unit_test(test_segment_with_too_few_rows_is_an_error),
        cmocka_unit_test(test_collinear_parents_are_dropped_not_nan),
        cmocka_unit_test(test_kci_null_pvalues_are_uniform),
        cmocka_unit_test(test_rcit_null_pvalues_are_uniform),
        cmocka_unit_test(test_hbe_matches_chi_square_when_weights_are_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
