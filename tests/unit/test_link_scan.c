/* link_scan: the residual-by-candidate correlations equal Pearson's (computed directly here) on
 * data without outliers, missing entries count as the column mean, a far outlier is winsorised
 * so it cannot make a correlation, and the Fisher-z test is Bonferroni over the candidates it
 * tested and ignores the skipped ones and those below the smallest difference. */
#include "test_util.h"

#include "link_scan.h"
#include "rng.h"

#include <math.h>
#include <string.h>

enum { n = 200, NE = 3, K = 4 };

static double pearson(const double *x, int sx, const double *y, int sy)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (int t = 0; t < n; t++) {
        mx += x[t * sx] / n;
        my += y[t * sy] / n;
    }
    for (int t = 0; t < n; t++) {
        double a = x[t * sx] - mx, b = y[t * sy] - my;
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
    }
    return sxy / sqrt(sxx * syy);
}

static void test_link_scan_corr_equals_pearson_without_outliers(void **state)
{
    (void)state;
    static double E[n * NE], Z[n * K], E0[n * NE], Z0[n * K], r[NE * K];
    struct rng g;
    rng_seed(&g, 5);
    /* uniform values (none beyond 2.3 sds, so nothing is winsorised); column 0 of E depends on
     * column 2 of Z */
    for (int t = 0; t < n; t++) {
        for (int c = 0; c < K; c++) Z[t * K + c] = rng_uniform(&g);
        for (int j = 0; j < NE; j++) E[t * NE + j] = rng_uniform(&g);
        E[t * NE] = 0.3 * E[t * NE] + 0.7 * Z[t * K + 2];
    }
    memcpy(E0, E, sizeof E);
    memcpy(Z0, Z, sizeof Z);
    link_scan_corr(E, n, NE, Z, K, r);
    for (int j = 0; j < NE; j++)
        for (int c = 0; c < K; c++)
            assert_close(r[j * K + c], pearson(E0 + j, NE, Z0 + c, K), 1e-9);
    assert_true(r[0 * K + 2] > 0.6);
}

static void test_link_scan_missing_counts_as_the_mean_and_outliers_are_winsorised(void **state)
{
    (void)state;
    static double E[n * NE], Z[n * K], r[NE * K], Ei[n], Zi[n];
    struct rng g;
    rng_seed(&g, 6);
    for (int t = 0; t < n; t++) {
        for (int c = 0; c < K; c++) Z[t * K + c] = rng_uniform(&g);
        for (int j = 0; j < NE; j++) E[t * NE + j] = rng_uniform(&g);
    }
    /* missing: E column 1 at every 10th row; the expected value imputes the present mean */
    double mean = 0;
    int cnt = 0;
    for (int t = 0; t < n; t++)
        if (t % 10 == 0)
            E[t * NE + 1] = NAN;
        else {
            mean += E[t * NE + 1];
            cnt++;
        }
    mean /= cnt;
    for (int t = 0; t < n; t++) {
        Ei[t] = isfinite(E[t * NE + 1]) ? E[t * NE + 1] : mean;
        Zi[t] = Z[t * K + 0];
    }
    double want = pearson(Ei, 1, Zi, 1);
    /* one outlier of 70 sds shared by E column 2 and Z column 3: Pearson would be 0.96 */
    E[7 * NE + 2] = 20;
    Z[7 * K + 3] = 20;
    link_scan_corr(E, n, NE, Z, K, r);
    assert_close(r[1 * K + 0], want, 1e-9);
    print_message("shared outlier: r %.3f\n", r[2 * K + 3]);
    assert_true(fabs(r[2 * K + 3]) < 0.2);
}

static void test_link_scan_test_is_bonferroni_over_the_tested_candidates(void **state)
{
    (void)state;
    double r0[K] = {0.0, 0.0, 0.0, 0.0}, r1[K] = {0.5, 0.9, 0.1, 0.0};
    int skip[K] = {0, 1, 0, 0}, best;
    /* candidate 1 (the largest) is skipped, 2 moved less than 0.2: candidate 0 decides, out of
     * 3 tested */
    double p = link_scan_test(r0, 103, r1, 103, skip, K, 0.2, &best);
    double z = atanh(0.5) / sqrt(2.0 / 100.0);
    assert_int_equal(best, 0);
    assert_close(p, 3.0 * erfc(z / M_SQRT2), 1e-12);
    int none[K] = {1, 1, 1, 1};
    assert_close(link_scan_test(r0, 103, r1, 103, none, K, 0.2, &best), 1.0, 0);
    assert_int_equal(best, -1);
    assert_close(link_scan_test(r0, 5, r1, 103, skip, K, 0.2, &best), 1.0, 0); /* too few */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_scan_corr_equals_pearson_without_outliers),
        cmocka_unit_test(test_link_scan_missing_counts_as_the_mean_and_outliers_are_winsorised),
        cmocka_unit_test(test_link_scan_test_is_bonferroni_over_the_tested_candidates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
