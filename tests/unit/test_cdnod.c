/* CD-NOD end to end on simulated regime changes: recall and precision per kind, the
 * false-positive rate on stationary and seasonal data, and orientation by the context. */
#include "test_util.h"

#include "cdnod.h"
#include "rng.h"
#include "svar_sim.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

enum { N = 10, T = 2000, K = 4 };

static int *time_segments(void)
{
    int *seg = xmallocarray(T, sizeof(int));
    for (int t = 0; t < T; t++) seg[t] = t * K / T;
    return seg;
}

/* Simulates seed s with an optional change (kind < 0: none) and optional seasonal cycle, runs
 * CD-NOD with the default test, and returns the result. */
static void run(int s, int kind, int season, struct svar_change *ch, struct cdnod_result *res)
{
    struct svar_sim_params sp;
    svar_sim_params_default(&sp, N, 2, (uint64_t)s);
    char err[256];
    struct svar_model *m = svar_model_random(&sp, err, sizeof err);
    assert_non_null(m);
    struct rng pick, r;
    rng_seed(&pick, (uint64_t)s ^ 0xc4a9eULL);
    if (kind >= 0) assert_int_equal(svar_change_pick(m, kind, T / 2, &pick, ch), 0);
    double *X = xmallocarray((size_t)T * N, sizeof(double));
    rng_seed(&r, (uint64_t)s ^ 0x5eedULL);
    svar_model_simulate_change(m, kind >= 0 ? ch : NULL, &r, T, 500, X);
    for (int t = 0; season && t < T; t++)
        for (int j = 0; j < N; j++) X[t * N + j] += 2.0 * sin(2.0 * M_PI * t / season + 0.7 * j);
    int *seg = time_segments();
    struct cdnod_params p;
    cdnod_params_default(&p);
    p.time_kernel = 1; /* as `causalmon cdnod` does for the time-index context */
    if (cdnod_run(X, T, N, seg, K, &p, res, err, sizeof err) != 0) fail_msg("%s", err);
    free(seg);
    free(X);
    svar_model_free(m);
}

static void test_each_kind_of_change_is_found_with_recall_and_precision_0_9(void **state)
{
    (void)state;
    int found = 0, runs = 0, reported = 0, correct = 0;
    for (int kind = 0; kind < SVAR_CHANGE_KINDS; kind++) {
        int f = 0;
        for (int s = 1; s <= 5; s++) {
            struct svar_change ch;
            struct cdnod_result res;
            run(s, kind, 0, &ch, &res);
            runs++;
            for (int a = 0; a < res.nchanged; a++) {
                reported++;
                if (res.changed[a].var == ch.var) {
                    f++;
                    correct++;
                }
            }
            cdnod_result_free(&res);
        }
        found += f;
        print_message("%-15s found %d/5\n", svar_change_kind_str(kind), f);
    }
    double recall = (double)found / runs, precision = reported ? (double)correct / reported : 1;
    print_message("recall %.3f, precision %.3f\n", recall, precision);
    assert_true(recall >= 0.9);
    assert_true(precision >= 0.9);
}

static void test_stationary_and_seasonal_data_have_at_most_2_percent_false_changes(void **state)
{
    (void)state;
    int fp = 0, vars = 0, seasonal_found = 0;
    for (int s = 1; s <= 100; s++) {
        int season = s % 2 ? 0 : 96; /* half of the runs carry a daily-style cycle */
        struct svar_change ch;
        struct cdnod_result res;
        run(1000 + s, -1, season, &ch, &res);
        fp += res.nchanged;
        vars += N;
        for (int j = 0; season && j < N; j++) seasonal_found += res.period[j] == 96;
        cdnod_result_free(&res);
    }
    print_message("false changes: %d of %d variables (%.4f); period 96 found in %d of 500 "
                  "seasonal series\n",
                  fp, vars, (double)fp / vars, seasonal_found);
    assert_true((double)fp / vars <= 0.02);
    assert_true(seasonal_found >= 450);
}

/* x0 shifts its mean at T/2 and drives x1 contemporaneously: CD-NOD orients x0 -> x1 from the
 * context alone (C -> x0 - x1 with C not adjacent to x1 is a non-collider), though the pair is
 * Markov equivalent without C. */
static void test_a_changing_cause_orients_its_effect(void **state)
{
    (void)state;
    enum { n = 2 };
    struct rng r;
    rng_seed(&r, 5);
    double *X = xmallocarray((size_t)T * n, sizeof(double));
    for (int t = 0; t < T; t++) {
        X[t * n] = rng_normal(&r) + (t >= T / 2 ? 1.0 : 0.0);
        X[t * n + 1] = 0.8 * X[t * n] + rng_normal(&r);
    }
    int *seg = time_segments();
    struct cdnod_params p;
    cdnod_params_default(&p);
    p.tau_max = 0;
    struct cdnod_result res;
    char err[256];
    assert_int_equal(cdnod_run(X, T, n, seg, K, &p, &res, err, sizeof err), 0);
    assert_int_equal(res.nchanged, 1);
    assert_int_equal(res.changed[0].var, 0);
    assert_int_equal(res.changed[0].detail.kind, CHANGE_MEAN);
    assert_int_equal(res.graph->type[svar_graph_at(res.graph, 0, 1, 0)], LINK_FWD);
    /* driving force: the intercept moves by about 1 between the first and last block */
    assert_close(res.changed[0].detail.lin.coef[(K - 1) * 1] - res.changed[0].detail.lin.coef[0],
                 1.0, 0.2);
    cdnod_result_free(&res);
    free(seg);
    free(X);
}

/* x0 -> x1 with a weak contemporaneous link (0.3 in noise units) that vanishes at T/2; x0 also
 * drives x2, unchanged. The change belongs to x1 (C -> x1 <- x0 is a collider when x0 is
 * unchanged): x1 is reported and x0 is not, over several seeds. */
static void test_a_vanishing_edge_is_attributed_to_the_child_not_the_parent(void **state)
{
    (void)state;
    enum { n = 3 };
    int *seg = time_segments(), child = 0, parent = 0;
    for (int s = 1; s <= 6; s++) {
        struct rng r;
        rng_seed(&r, 100 + s);
        double *X = xmallocarray((size_t)T * n, sizeof(double));
        for (int t = 0; t < T; t++) {
            X[t * n] = rng_normal(&r);
            X[t * n + 1] = (t < T / 2 ? 0.3 : 0.0) * X[t * n] + rng_normal(&r);
            X[t * n + 2] = 0.5 * X[t * n] + rng_normal(&r);
        }
        struct cdnod_params p;
        cdnod_params_default(&p);
        p.tau_max = 0;
        p.time_kernel = 1;
        struct cdnod_result res;
        char err[256];
        assert_int_equal(cdnod_run(X, T, n, seg, K, &p, &res, err, sizeof err), 0);
        for (int a = 0; a < res.nchanged; a++) {
            child += res.changed[a].var == 1;
            parent += res.changed[a].var == 0;
        }
        cdnod_result_free(&res);
        free(X);
    }
    print_message("child reported in %d of 6 runs, parent in %d\n", child, parent);
    assert_true(child >= 5);
    assert_true(parent <= 1);
    free(seg);
}

static void test_too_small_segment_is_a_clear_error(void **state)
{
    (void)state;
    double X[40 * 2];
    struct rng r;
    rng_seed(&r, 1);
    for (int a = 0; a < 80; a++) X[a] = rng_normal(&r);
    int seg[40];
    for (int t = 0; t < 40; t++) seg[t] = t < 38 ? 0 : 1;
    struct cdnod_params p;
    cdnod_params_default(&p);
    p.tau_max = 0;
    struct cdnod_result res;
    char err[256];
    assert_int_equal(cdnod_run(X, 40, 2, seg, 2, &p, &res, err, sizeof err), -1);
    assert_non_null(strstr(err, "segment 1 has 2 row(s)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_kind_of_change_is_found_with_recall_and_precision_0_9),
        cmocka_unit_test(test_stationary_and_seasonal_data_have_at_most_2_percent_false_changes),
        cmocka_unit_test(test_a_changing_cause_orients_its_effect),
        cmocka_unit_test(test_a_vanishing_edge_is_attributed_to_the_child_not_the_parent),
        cmocka_unit_test(test_too_small_segment_is_a_clear_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
