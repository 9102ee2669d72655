/* The simulator: deterministic, stable, and its truth lists exactly its coefficients. */
#include "test_util.h"

#include "svar_sim.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static void test_same_seed_gives_same_data_and_truth(void **state)
{
    (void)state;
    struct svar_sim_params p;
    svar_sim_params_default(&p, 8, 3, 77);
    char err[128];
    struct svar_model *a = svar_model_random(&p, err, sizeof err);
    struct svar_model *b = svar_model_random(&p, err, sizeof err);
    size_t m = 8 * 8 * 4;
    assert_memory_equal(a->coef, b->coef, m * sizeof(double));
    double *X = xmallocarray(300 * 8, sizeof(double)), *Y = xmallocarray(300 * 8, sizeof(double));
    struct rng r1, r2;
    rng_seed(&r1, 5);
    rng_seed(&r2, 5);
    svar_model_simulate(a, &r1, 300, 100, X);
    svar_model_simulate(b, &r2, 300, 100, Y);
    assert_memory_equal(X, Y, 300 * 8 * sizeof(double));
    free(X);
    free(Y);
    svar_model_free(a);
    svar_model_free(b);
}

static void test_truth_lists_every_coefficient_and_contemporaneous_links_are_acyclic(void **state)
{
    (void)state;
    struct svar_sim_params p;
    svar_sim_params_default(&p, 12, 2, 3);
    p.links_per_var = 2;
    p.contemp_frac = 0.5;
    char err[128];
    struct svar_model *m = svar_model_random(&p, err, sizeof err);
    struct svar_graph *g = svar_model_truth(m);
    int nonzero = 0, pos[12];
    for (int a = 0; a < 12; a++) pos[m->order[a]] = a;
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 12; j++)
            for (int tau = 0; tau <= 2; tau++) {
                size_t at = svar_graph_at(g, i, j, tau);
                double c = m->coef[at];
                if (c != 0) {
                    nonzero++;
                    assert_int_equal(g->type[at], LINK_FWD);
                    if (tau == 0) assert_true(pos[i] < pos[j]);
                } else if (!(tau == 0 && m->coef[svar_graph_at(g, j, i, 0)] != 0)) {
                    assert_int_equal(g->type[at], LINK_NONE);
                }
            }
    assert_int_equal(nonzero, 12 + 24); /* an autoregressive link each, plus 2 N cross links */
    assert_int_equal(svar_graph_count_links(g), nonzero);
    svar_graph_free(g);
    svar_model_free(m);
}

static void test_long_simulation_stays_bounded(void **state)
{
    (void)state;
    struct svar_sim_params p;
    svar_sim_params_default(&p, 20, 3, 9);
    p.links_per_var = 3;
    p.coef_min = 0.6;
    p.coef_max = 0.9; /* strong enough to need the stability rescaling */
    char err[128];
    struct svar_model *m = svar_model_random(&p, err, sizeof err);
    enum { T = 20000 };
    double *X = xmallocarray((size_t)T * 20, sizeof(double));
    struct rng r;
    rng_seed(&r, 1);
    svar_model_simulate(m, &r, T, 0, X);
    double worst = 0;
    for (size_t a = 0; a < (size_t)T * 20; a++) worst = fmax(worst, fabs(X[a]));
    assert_true(isfinite(worst) && worst < 1e3);
    free(X);
    svar_model_free(m);
}

static void test_invalid_parameters_are_refused(void **state)
{
    (void)state;
    struct svar_sim_params p;
    svar_sim_params_default(&p, 0, 2, 1);
    char err[128];
    assert_null(svar_model_random(&p, err, sizeof err));
    assert_non_null(strstr(err, "out of range"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_gives_same_data_and_truth),
        cmocka_unit_test(test_truth_lists_every_coefficient_and_contemporaneous_links_are_acyclic),
        cmocka_unit_test(test_long_simulation_stays_bounded),
        cmocka_unit_test(test_invalid_parameters_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
