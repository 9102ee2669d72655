/* Anomaly evidence (anomaly.h) and metric kinds (metric_kind.h): the hand-computed score, and
 * the real-data failure modes of a plain robust z-score, each on a small synthetic case. */
#include "anomaly.h"
#include "metric_kind.h"
#include "rca.h"
#include "rng.h"
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

enum { REF = 60, INC = 10, ROWS = REF + INC };

/* Column j of a rows x n matrix. */
static void put(double *X, int n, int j, const double *v)
{
    for (int t = 0; t < ROWS; t++) X[(size_t)t * n + j] = v[t];
}

static void test_score_matches_a_hand_computation(void **state)
{
    (void)state;
    /* reference 1..9 (median 5, IQR 4 by linear quantiles, MAD 2 -> 2.9652): s = 4 / 1.349 */
    double X[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 3, 5};
    struct anomaly_params p;
    anomaly_params_default(&p);
    double z, s = fmax(4 / 1.349, 1.4826 * 2);
    signed char up = MDIR_UP, down = MDIR_DOWN;
    /* by default the two largest of the 3 incident z_t are averaged: (8 + 0) / 2 rises */
    assert_int_equal(anomaly_scores(X, 12, 1, 9, &up, NULL, &p, &z), 0);
    assert_close(z, (8.0 + 0) / 2 / s, 1e-12);
    anomaly_scores(X, 12, 1, 9, &down, NULL, &p, &z);
    assert_close(z, (2.0 + 0) / 2 / s, 1e-12);
    /* the peak alone with top_min 1 */
    p.top_min = 1;
    assert_int_equal(anomaly_scores(X, 12, 1, 9, &up, NULL, &p, &z), 0);
    assert_close(z, (13 - 5) / s, 1e-12);
    anomaly_scores(X, 12, 1, 9, &down, NULL, &p, &z);
    assert_close(z, (5 - 3) / s, 1e-12);
    /* more rows averaged than there are incident rows: all of them */
    p.top_min = 5;
    anomaly_scores(X, 12, 1, 9, &up, NULL, &p, &z);
    assert_close(z, (8.0 + 0 + 0) / 3 / s, 1e-12);
    assert_int_equal(anomaly_scores(X, 12, 1, 0, NULL, NULL, &p, &z), -1);
    assert_int_equal(anomaly_scores(X, 12, 1, 12, NULL, NULL, &p, &z), -1);
}

/* Failure mode 1: series with a near-zero reference spread cannot outrank a CPU that went
 * from about 1 % to 100 %. */
static void test_near_zero_spread_series_do_not_outrank_a_real_cpu_step(void **state)
{
    (void)state;
    enum { N = 5 };
    double *X = calloc((size_t)ROWS * N, sizeof(double)), v[ROWS];
    struct rng r;
    rng_seed(&r, 7);
    /* 0: cpu 1 % -> 100 % */
    for (int t = 0; t < ROWS; t++) v[t] = (t < REF ? 1 : 100) + 0.2 * rng_normal(&r);
    put(X, N, 0, v);
    /* 1: a rarely called pod's latency: 0 in most rows, a call now and then */
    for (int t = 0; t < ROWS; t++) v[t] = (t % 9 == 0 || t >= REF + 3) ? 0.05 + 0.01 * (t % 3) : 0;
    put(X, N, 1, v);
    /* 2: a memory gauge flat in the reference (float noise only), then a 3 % step */
    for (int t = 0; t < ROWS; t++) v[t] = (t < REF ? 512.0 : 527.0) + (t % 2 ? 1e-13 : 0);
    put(X, N, 2, v);
    /* 3: a log template that did not exist before */
    for (int t = 0; t < ROWS; t++) v[t] = t < REF ? 0 : 40;
    put(X, N, 3, v);
    /* 4: latency, identical float values but for noise, with one doubling */
    for (int t = 0; t < ROWS; t++)
        v[t] = 0.00496 + (t % 3 ? 1e-18 : 0) + (t == REF + 2 ? 0.005 : 0);
    put(X, N, 4, v);
    signed char dir[N] = {MDIR_UP, MDIR_UP, MDIR_UP, MDIR_BOTH, MDIR_UP};
    signed char kind[N] = {MKIND_RESOURCE, MKIND_LATENCY, MKIND_RESOURCE, MKIND_LOG_TEMPLATE,
                           MKIND_LATENCY};
    struct anomaly_params p;
    anomaly_params_default(&p);
    double z[N];
    anomaly_scores(X, ROWS, N, REF, dir, kind, &p, z);
    for (int j = 1; j < N; j++) {
        assert_true(isfinite(z[j]));
        assert_true(z[0] > 10 * z[j]);
    }
    assert_close(z[3], p.new_score, 1e-12); /* new activity: a fixed, moderate score */
    assert_true(z[2] < 2);                  /* 3 % of a flat gauge is 1.5 floors */
    assert_true(anomaly_evidence(z[0], &p) < 1);
    free(X);
}

/* Failure mode 2: direction by kind, and units do not matter. */
/* One row's spike of a quantised latency (a histogram bucket that the reference reached too)
 * does not outrank a step that holds through the incident; with the peak alone it did. */
static void test_a_one_row_spike_does_not_outrank_a_sustained_step(void **state)
{
    (void)state;
    enum { REF = 20, INC = 8, ROWS = REF + INC, N = 2, SPIKE = 0, STEP = 1 };
    double X[ROWS * N];
    for (int t = 0; t < REF; t++) {
        X[t * N + SPIKE] = t < 12 ? 0.0046 : t < 18 ? 0.0085 : t == 18 ? 0.0205 : 0.205;
        X[t * N + STEP] = t % 2 ? 26 : 24;
    }
    for (int t = REF; t < ROWS; t++) {
        X[t * N + SPIKE] = t == REF + 3 ? 0.205 : 0.0085;
        X[t * N + STEP] = 85; /* 60 above the median 25 */
    }
    signed char up[N] = {MDIR_UP, MDIR_UP};
    struct anomaly_params p;
    anomaly_params_default(&p);
    double z[N];
    /* the spreads are resolutions: 0.0039 for the spike (4 distinct values in 20 rows), 2
     * for the step (two values, 24 and 26) */
    const double res = 0.0085 - 0.0046;
    p.top_min = 1;
    assert_int_equal(anomaly_scores(X, ROWS, N, REF, up, NULL, &p, z), 0);
    assert_close(z[SPIKE], (0.205 - 0.0046) / res, 1e-9);
    assert_close(z[STEP], 60.0 / 2, 1e-9);
    assert_true(z[SPIKE] > z[STEP]);
    anomaly_params_default(&p); /* top_min 2 */
    assert_int_equal(anomaly_scores(X, ROWS, N, REF, up, NULL, &p, z), 0);
    assert_close(z[SPIKE], ((0.205 - 0.0046) + (0.0085 - 0.0046)) / 2 / res, 1e-9);
    assert_close(z[STEP], 60.0 / 2, 1e-9);
    assert_true(z[STEP] > z[SPIKE]);
}

static void test_direction_counts_and_units_do_not(void **state)
{
    (void)state;
    enum { N = 3 };
    double *X = calloc((size_t)ROWS * N, sizeof(double)), v[ROWS];
    struct rng r;
    rng_seed(&r, 3);
    for (int t = 0; t < ROWS; t++) { /* memory in MB, rising by 40 */
        v[t] = 300 + 2 * rng_normal(&r) + (t >= REF ? 40 : 0);
        X[(size_t)t * N + 0] = v[t];
        X[(size_t)t * N + 1] = v[t] * 1048576.0; /* the same in bytes */
        X[(size_t)t * N + 2] = 100 + 2 * rng_normal(&r) + (t >= REF ? 40 : 0); /* requests */
    }
    signed char dir[N], kind[N];
    const char *names[N] = {"cart.memory_mb", "cart.memory_bytes", "cart.requests"};
    for (int j = 0; j < N; j++) {
        dir[j] = (signed char)metric_dir_of(NULL, names[j]);
        kind[j] = (signed char)metric_kind_of(names[j]);
    }
    assert_int_equal(dir[0], MDIR_UP);
    assert_int_equal(dir[2], MDIR_DOWN);
    struct anomaly_params p;
    anomaly_params_default(&p);
    double z[N];
    anomaly_scores(X, ROWS, N, REF, dir, kind, &p, z);
    assert_close(z[0], z[1], 1e-9 * z[0]);
    assert_true(z[0] > 5);
    assert_close(z[2], 0, 1e-12); /* more requests is not a symptom */
    free(X);
}

static void test_metric_kinds_from_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        enum metric_kind kind;
        enum metric_dir dir;
    } cases[] = {
        {"PodClientLatencyP90(s)", MKIND_LATENCY, MDIR_UP},
        {"svc_latency-50", MKIND_LATENCY, MDIR_UP},
        {"CpuUsageRate(%)", MKIND_RESOURCE, MDIR_UP},
        {"cart|MemoryUsage(Mi)", MKIND_RESOURCE, MDIR_UP},
        {"PodSuccessRate(%)", MKIND_SUCCESS, MDIR_DOWN},
        {"api|availability|Average", MKIND_SUCCESS, MDIR_DOWN},
        {"http_errors_total", MKIND_ERRORS, MDIR_UP},
        {"PodWorkload(Ops)", MKIND_THROUGHPUT, MDIR_DOWN},
        {"api|requests|Sum", MKIND_THROUGHPUT, MDIR_DOWN},
        {"NetworkReceiveBytes", MKIND_NETWORK, MDIR_BOTH},
        {"log.cart.tpl3", MKIND_LOG_TEMPLATE, MDIR_BOTH},
        {"log.cart.level.ERROR", MKIND_LOG_LEVEL, MDIR_UP},
        {"log.cart.level.INFO", MKIND_LOG_LEVEL, MDIR_BOTH},
        {"temperature", MKIND_OTHER, MDIR_BOTH},
    };
    for (size_t a = 0; a < sizeof cases / sizeof cases[0]; a++) {
        if (metric_kind_of(cases[a].name) != cases[a].kind ||
            metric_dir_of(NULL, cases[a].name) != cases[a].dir)
            fail_msg("%s: kind %s dir %s", cases[a].name,
                     metric_kind_str(metric_kind_of(cases[a].name)),
                     metric_dir_str(metric_dir_of(NULL, cases[a].name)));
    }
    struct metric_kind_rules rules;
    char err[256];
    const char *ok[] = {"temp=up", "^api\\|requests=both"};
    assert_int_equal(metric_kind_rules_parse(ok, 2, &rules, err, sizeof err), 0);
    assert_int_equal(metric_dir_of(&rules, "temperature"), MDIR_UP);
    assert_int_equal(metric_dir_of(&rules, "api|requests|Sum"), MDIR_BOTH);
    metric_kind_rules_fini(&rules);
    const char *bad[] = {"cpu=sideways"};
    assert_int_equal(metric_kind_rules_parse(bad, 1, &rules, err, sizeof err), -1);
    assert_non_null(strstr(err, "'sideways' is not up, down or both"));
    const char *badre[] = {"(cpu=up"};
    assert_int_equal(metric_kind_rules_parse(badre, 1, &rules, err, sizeof err), -1);
    assert_non_null(strstr(err, "(cpu=up"));
}

/* A reference of 20 rows: the clean values of `clean` around 15, with six values of 90 put in
 * at the rows marked in `at90`; then 4 incident rows of 90. Returns the "up" score. */
static double score_with_far_rows(const int *at90, const struct anomaly_params *p)
{
    static const double clean[14] = {10, 12, 14, 16, 18, 20, 10, 12, 14, 16, 18, 20, 15, 15};
    double X[24], z;
    for (int t = 0, c = 0; t < 20; t++) X[t] = at90[t] ? 90 : clean[c++];
    for (int t = 20; t < 24; t++) X[t] = 90;
    signed char up = MDIR_UP;
    assert_int_equal(anomaly_scores(X, 24, 1, 20, &up, NULL, p, &z), 0);
    return z;
}

/* An earlier incident inside the reference (one block of rows far off, 30 % of it) breaks the
 * IQR: without that block the spread is the clean rows', and the same step scores far more. */
static void test_an_earlier_incident_in_the_reference_does_not_inflate_the_spread(void **state)
{
    (void)state;
    struct anomaly_params p;
    anomaly_params_default(&p);
    /* all 20 values: median (16 + 18) / 2 = 17, |x - 17| has median (3 + 5) / 2 = 4; the
     * quartiles 14 and 90 give IQR 76. The clean 14 alone: quartiles 12.5 and 17.5, IQR 5. */
    double mad = 1.4826 * 4, iqr_all = 76 / 1.349, iqr_clean = 5 / 1.349;
    assert_true(iqr_all > p.trim_iqr_ratio * mad && 73 > p.trim_mads * mad);
    int block[20] = {0, 0, 0, 1, 1, 1, 1, 1, 1}; /* rows 3..8 */
    double s = fmax(iqr_clean, mad);
    assert_close(score_with_far_rows(block, &p), (90 - 17) / s, 1e-9);
    /* the rule switched off, or the IQR not inflated enough: the IQR of all values */
    struct anomaly_params off = p;
    off.trim_mads = 0;
    assert_close(score_with_far_rows(block, &off), (90 - 17) / iqr_all, 1e-9);
    off = p;
    off.trim_iqr_ratio = 10;
    assert_close(score_with_far_rows(block, &off), (90 - 17) / iqr_all, 1e-9);
    /* a block longer than trim_max_share of the reference is not an earlier incident */
    off = p;
    off.trim_max_share = 0.25;
    assert_close(score_with_far_rows(block, &off), (90 - 17) / iqr_all, 1e-9);
    assert_true(score_with_far_rows(block, &p) > 5 * score_with_far_rows(block, &off));
}

/* The same far values as two blocks, or scattered, are how the series behaves (bursts, a
 * second mode): its spread stays the IQR of all its values. */
static void test_a_series_that_often_leaves_its_band_keeps_its_spread(void **state)
{
    (void)state;
    struct anomaly_params p;
    anomaly_params_default(&p);
    double want = (90 - 17) / (76 / 1.349);
    int two_blocks[20] = {0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1};
    assert_close(score_with_far_rows(two_blocks, &p), want, 1e-9);
    int scattered[20] = {1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1};
    assert_close(score_with_far_rows(scattered, &p), want, 1e-9);
    /* runs shorter than trim_run: two of length 2 and one of 2 */
    int short_runs[20] = {0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1};
    assert_close(score_with_far_rows(short_runs, &p), want, 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_score_matches_a_hand_computation),
        cmocka_unit_test(test_near_zero_spread_series_do_not_outrank_a_real_cpu_step),
        cmocka_unit_test(test_a_one_row_spike_does_not_outrank_a_sustained_step),
        cmocka_unit_test(test_an_earlier_incident_in_the_reference_does_not_inflate_the_spread),
        cmocka_unit_test(test_a_series_that_often_leaves_its_band_keeps_its_spread),
        cmocka_unit_test(test_direction_counts_and_units_do_not),
        cmocka_unit_test(test_metric_kinds_from_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
