/* Root-cause ranking: a hand-built chain with a known root and path, prior knowledge on the
 * graph, the Fisher-z strength change against a closed form, component folding, and the
 * simulated incidents end to end (detector + ranking, as the daemon runs them). */
#include "test_util.h"

#include "component_map.h"
#include "rca.h"
#include "rca_case.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ROWS  500
#define SPLIT 450

/* a -> b -> c (lag 1), d independent; a's mean shifts by 8 sd from SPLIT on. */
static double *chain(uint64_t seed, double shift)
{
    struct rng r;
    rng_seed(&r, seed);
    double *X = malloc(sizeof(double) * ROWS * 4);
    double a = 0, b = 0, c = 0;
    for (int t = 0; t < ROWS; t++) {
        double na = rng_normal(&r) + (t >= SPLIT ? shift : 0);
        double nb = 0.8 * a + 0.5 * rng_normal(&r), nc = 0.8 * b + 0.5 * rng_normal(&r);
        a = na, b = nb, c = nc;
        X[t * 4 + 0] = a;
        X[t * 4 + 1] = b;
        X[t * 4 + 2] = c;
        X[t * 4 + 3] = rng_normal(&r);
    }
    return X;
}

static void test_the_changed_root_ranks_first_with_its_path_to_the_kpi(void **state)
{
    (void)state;
    double *X = chain(1, 8);
    struct rca_params p;
    rca_params_default(&p);
    struct rca_result res;
    char err[256];
    assert_int_equal(rca_run(X, ROWS, 4, SPLIT, 2, &p, NULL, &res, err, sizeof err), 0);
    assert_int_equal(res.kpi, 2);
    assert_int_equal(res.causes[0].var, 0);
    assert_true(res.causes[0].mech_changed);
    assert_int_equal(res.causes[0].kind, CHANGE_MEAN);
    assert_false(res.causes[0].parents_changed);
    assert_int_equal(res.causes[0].path_len, 3);
    assert_int_equal(res.causes[0].path[0], 0);
    assert_int_equal(res.causes[0].path[1], 1);
    assert_int_equal(res.causes[0].path[2], 2);
    /* b and c changed only through their parents */
    for (int a = 1; a < res.ncauses; a++)
        if (res.causes[a].var == 1 || res.causes[a].var == 2)
            assert_false(res.causes[a].mech_changed);
    /* graph-free: d did not move and ranks below a and b; the KPI's own anomaly is not
     * evidence for it */
    int pos[4] = {-1, -1, -1, -1};
    for (int a = 0; a < res.ncauses; a++) pos[res.baseline[a]] = a;
    assert_int_equal(pos[0], 0);
    assert_true(pos[3] > pos[1]);
    assert_true(res.baseline_score[pos[2]] == 0);
    rca_result_free(&res);
    /* without --kpi: the most anomalous series is the KPI */
    assert_int_equal(rca_run(X, ROWS, 4, SPLIT, -1, &p, NULL, &res, err, sizeof err), 0);
    assert_int_equal(res.causes[0].var, 0);
    rca_result_free(&res);
    free(X);
}

static void test_a_tier_rule_removes_links_against_it(void **state)
{
    (void)state;
    double *X = chain(2, 0);
    struct rca_params p;
    rca_params_default(&p);
    const int tier[4] = {1, 0, 0, 0}; /* a is "application", b "infrastructure": a -/-> b */
    struct rca_prior pr = {.tier = tier};
    struct rca_result res;
    char err[256];
    assert_int_equal(rca_run(X, ROWS, 4, SPLIT, 2, &p, &pr, &res, err, sizeof err), 0);
    const struct svar_graph *g = res.graph;
    assert_int_equal(g->type[svar_graph_at(g, 0, 1, 1)], LINK_NONE);
    assert_int_equal(g->type[svar_graph_at(g, 1, 2, 1)], LINK_FWD); /* same tier: kept */
    rca_result_free(&res);
    /* the same data without the prior has the link */
    assert_int_equal(rca_run(X, ROWS, 4, SPLIT, 2, &p, NULL, &res, err, sizeof err), 0);
    assert_int_equal(res.graph->type[svar_graph_at(res.graph, 0, 1, 1)], LINK_FWD);
    rca_result_free(&res);
    free(X);
}

/* The graph learned once on the window (rca_graph_learn, as a scope refresh does) gives the
 * ranking rca_run gets when it learns the graph itself; a tier rule holds on the given graph. */
static void test_a_ranking_from_the_window_graph_equals_learning_it(void **state)
{
    (void)state;
    double *X = chain(1, 8);
    X[7 * 4 + 3] = NAN; /* a gap in d, filled the same way on both routes */
    struct rca_params p;
    rca_params_default(&p);
    const int tier[4] = {0, 0, 0, 1};
    struct rca_prior pr = {.tier = tier};
    struct rca_learned l;
    struct rca_result a, b;
    char err[256];
    assert_int_equal(rca_graph_learn(X, ROWS, 4, &p, &pr, &l, err, sizeof err), 0);
    assert_int_equal(l.nkept, 4);
    assert_int_equal(rca_run(X, ROWS, 4, SPLIT, 2, &p, &pr, &a, err, sizeof err), 0);
    p.given = &l;
    assert_int_equal(rca_run(X, ROWS, 4, SPLIT, 2, &p, &pr, &b, err, sizeof err), 0);
    assert_int_equal(a.ncauses, b.ncauses);
    assert_int_equal(a.nkept, b.nkept);
    assert_int_equal(a.samples, b.samples);
    size_t cells = (size_t)a.nkept * a.nkept * (a.graph->tau_max + 1);
    assert_memory_equal(a.graph->type, b.graph->type, cells);
    for (int c = 0; c < a.ncauses; c++) {
        assert_int_equal(a.causes[c].var, b.causes[c].var);
        assert_true(a.causes[c].score == b.causes[c].score);
        assert_int_equal(a.causes[c].path_len, b.causes[c].path_len);
    }
    for (int i = 0; i < 3; i++) /* d is of a higher tier: nothing of it causes a, b or c */
        for (int tau = 0; tau <= p.tau_max; tau++)
            assert_true(l.graph->type[svar_graph_at(l.graph, 3, i, tau)] != LINK_FWD);
    rca_result_free(&a);
    rca_result_free(&b);
    /* a given graph missing a column: that column ranks outside the graph */
    struct rca_learned sub = l;
    sub.nkept = 3; /* variables 0..2 keep their columns, d is not in it */
    struct svar_graph *g3 = svar_graph_new(3, l.graph->tau_max);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            for (int tau = 0; tau <= g3->tau_max; tau++) {
                size_t from = svar_graph_at(l.graph, i, j, tau), to = svar_graph_at(g3, i, j, tau);
                g3->type[to] = l.graph->type[from];
                g3->pval[to] = l.graph->pval[from];
                g3->val[to] = l.graph->val[from];
            }
    sub.graph = g3;
    p.given = &sub;
    assert_int_equal(rca_run(X, ROWS, 4, SPLIT, 2, &p, &pr, &b, err, sizeof err), 0);
    assert_int_equal(b.nkept, 3);
    for (int c = 0; c < b.ncauses; c++)
        assert_int_equal(b.causes[c].in_graph, b.causes[c].var != 3);
    assert_int_equal(b.causes[0].var, 0);
    rca_result_free(&b);
    svar_graph_free(g3);
    rca_learned_free(&l);
    free(X);
}

static void test_a_strength_change_matches_the_fisher_z_closed_form(void **state)
{
    (void)state;
    /* y = x + e before the split, y = e after: the correlation of the link drops */
    struct rng r;
    rng_seed(&r, 3);
    double X[ROWS * 2];
    for (int t = 0; t < ROWS; t++) {
        double x = rng_normal(&r);
        X[t * 2] = x;
        X[t * 2 + 1] = (t < 300 ? 1.0 : 0.2) * x + 0.5 * rng_normal(&r);
    }
    struct rca_params p;
    rca_params_default(&p);
    p.tau_max = 1;
    struct rca_result res;
    char err[256];
    assert_int_equal(rca_run(X, ROWS, 2, 300, 1, &p, NULL, &res, err, sizeof err), 0);
    assert_true(res.nchanged_links >= 1);
    const struct rca_link_change *l = &res.changed_links[0];
    assert_int_equal(l->lag, 0);
    /* independent computation of the contemporaneous correlations and the test */
    double s[2][5] = {{0}};
    for (int t = 0; t < ROWS; t++) {
        double *a = s[t >= 300], x = X[t * 2], y = X[t * 2 + 1];
        a[0] += x, a[1] += y, a[2] += x * x, a[3] += y * y, a[4] += x * y;
    }
    double r_[2];
    const double n_[2] = {300, 200};
    for (int k = 0; k < 2; k++) {
        double *a = s[k], n = n_[k];
        r_[k] =
            (a[4] - a[0] * a[1] / n) / sqrt((a[2] - a[0] * a[0] / n) * (a[3] - a[1] * a[1] / n));
    }
    assert_close(l->r_ref, r_[0], 1e-9);
    assert_close(l->r_cur, r_[1], 1e-9);
    double z = (atanh(r_[0]) - atanh(r_[1])) / sqrt(1.0 / 297 + 1.0 / 197);
    assert_close(l->pval, erfc(fabs(z) / sqrt(2.0)), 1e-12);
    rca_result_free(&res);
}

static void test_component_rules(void **state)
{
    (void)state;
    struct component_map m;
    char err[128], out[64];
    assert_int_equal(component_map_parse(NULL, &m, err, sizeof err), 0);
    assert_int_equal(component_of(&m, "cart.cpu", out, sizeof out), 0);
    assert_string_equal(out, "cart");
    assert_int_equal(component_of(&m, "log.cart.tpl3", out, sizeof out), 0);
    assert_string_equal(out, "cart");
    assert_int_equal(component_map_parse("tag:host", &m, err, sizeof err), 0);
    assert_int_equal(component_of(&m, "cpu.usage{dc=x,host=web1}", out, sizeof out), 0);
    assert_string_equal(out, "web1");
    assert_int_equal(component_of(&m, "cpu.usage{dc=x}", out, sizeof out), -1);
    assert_int_equal(component_map_parse("regex:^svc_([a-z]+)_", &m, err, sizeof err), 0);
    assert_int_equal(component_of(&m, "svc_cart_latency", out, sizeof out), 0);
    assert_string_equal(out, "cart");
    component_map_fini(&m);
    assert_int_equal(component_map_parse("color:red", &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "color:red"));
}

/* 4 seeds x 5 fault kinds through the detector and the ranking. */
/* Failure mode 3: a wide, short case with sparse, constant and incident-less columns is ranked,
 * never refused; what was left out is listed with its reason; no graph is trusted. */
static void test_sparse_columns_never_sink_the_case(void **state)
{
    (void)state;
    enum { N = 200, R = 70, S = 60 };
    double *X = malloc(sizeof(double) * R * N);
    struct rng r;
    rng_seed(&r, 11);
    for (int t = 0; t < R; t++)
        for (int j = 0; j < N; j++) {
            double v = 10 + rng_normal(&r) + (j == 5 && t >= S ? 30 : 0);
            if (j >= 10 && j < 40 && (t * 7 + j) % 10 < 4) v = NAN; /* 40 % missing */
            if (j >= 42 && j < 45 && (t * 7 + j) % 10 < 7) v = NAN; /* 70 % missing */
            if (j == 40) v = 3;                                     /* constant */
            if (j == 41 && t >= S) v = NAN;                         /* no incident value */
            X[t * N + j] = v;
        }
    struct rca_params p;
    rca_params_default(&p);
    struct rca_result res;
    char err[256];
    assert_int_equal(rca_run(X, R, N, S, 0, &p, NULL, &res, err, sizeof err), 0);
    assert_int_equal(res.causes[0].var, 5);
    assert_int_equal(res.baseline[0], 5);
    assert_int_equal(res.nexcluded, 5);
    assert_int_equal(res.excluded[0].var, 40);
    assert_string_equal(res.excluded[0].reason, "constant");
    assert_int_equal(res.excluded[1].var, 41);
    assert_string_equal(res.excluded[1].reason, "no incident values");
    for (int a = 2; a < 5; a++) {
        assert_int_equal(res.excluded[a].var, 40 + a);
        assert_string_equal(res.excluded[a].reason, "mostly missing in the reference");
    }
    assert_int_equal(res.ncauses, N - 5);
    assert_true(res.reliability == 0);
    assert_null(res.graph);
    assert_non_null(res.graph_note);
    for (int a = 0; a < res.ncauses; a++) /* no graph: the causal order is the graph-free one */
        assert_int_equal(res.causes[a].var, res.baseline[a]);
    rca_result_free(&res);
    free(X);
}

/* Failure mode 5: without a KPI, an entry point's latency is chosen over a more anomalous
 * memory gauge, and the reason says so. */
static void test_kpi_choice_prefers_an_entry_point_latency(void **state)
{
    (void)state;
    double *X = chain(1, 8); /* a (0) changed most */
    signed char pref[4] = {0, 1, 2, 0};
    struct rca_prior pr = {0};
    pr.kpi_pref = pref;
    struct rca_params p;
    rca_params_default(&p);
    struct rca_result res;
    char err[256];
    assert_int_equal(rca_run(X, ROWS, 4, SPLIT, -1, &p, &pr, &res, err, sizeof err), 0);
    assert_int_equal(res.kpi, 2);
    assert_non_null(strstr(res.kpi_reason, "entry point"));
    assert_true(res.kpi_is_symptom);
    assert_int_equal(res.causes[0].var, 0);
    rca_result_free(&res);
    pref[2] = 0; /* no entry point: the most anomalous latency/error series */
    assert_int_equal(rca_run(X, ROWS, 4, SPLIT, -1, &p, &pr, &res, err, sizeof err), 0);
    assert_int_equal(res.kpi, 1);
    assert_false(res.kpi_is_symptom);
    rca_result_free(&res);
    free(X);
}

/* Failure mode 6 (component level): a component scores 0.7, 0.2 and 0.1 of its three best
 * series, recomputed here from the series scores. */
static void test_a_component_scores_from_its_three_best_series(void **state)
{
    (void)state;
    double *X = chain(1, 8);
    int comp[4] = {0, 0, 0, 1};
    struct rca_prior pr = {0};
    pr.component = comp;
    pr.ncomponents = 2;
    struct rca_params p;
    rca_params_default(&p);
    struct rca_result res;
    char err[256];
    assert_int_equal(rca_run(X, ROWS, 4, SPLIT, 2, &p, &pr, &res, err, sizeof err), 0);
    double top[3] = {0, 0, 0};
    for (int a = 0, k = 0; a < res.ncauses; a++)
        if (comp[res.causes[a].var] == 0 && k < 3) top[k++] = res.causes[a].score;
    assert_int_equal(res.components[0].component, 0);
    assert_close(res.components[0].score, 0.7 * top[0] + 0.2 * top[1] + 0.1 * top[2], 1e-12);
    rca_result_free(&res);
    free(X);
}

static void test_simulated_incidents_rank_the_faulty_service_first(void **state)
{
    (void)state;
    struct detector_params dp;
    detector_params_default(&dp);
    struct rca_params rp;
    rca_params_default(&rp);
    int cases = 0, top1 = 0, top3 = 0;
    for (int f = SIM_FAULT_CPU_HOG; f < SIM_FAULTS; f++)
        for (uint64_t seed = 100; seed < 104; seed++) {
            struct rca_case c;
            char err[256];
            assert_int_equal(
                rca_case_run(seed, (enum sim_fault)f, 600, 100, 400, &dp, &rp, &c, err, sizeof err),
                0);
            cases++;
            assert_int_equal(c.early, 0);
            assert_true(c.detected);
            assert_true(c.delay <= 60);
            top1 += c.rank_component == 1;
            top3 += c.rank_component >= 1 && c.rank_component <= 3;
            if (c.rank_component != 1)
                print_message("# seed %d %s: rank %d (top %s)\n", (int)seed,
                              sim_fault_str((enum sim_fault)f), c.rank_component, c.top);
        }
    print_message("# %d cases: top-1 %d, top-3 %d\n", cases, top1, top3);
    assert_true(top1 >= 18); /* >= 90 % */
    assert_int_equal(top3, 20);
}

static void test_fault_free_streams_raise_at_most_one_alert_per_10000_buckets(void **state)
{
    (void)state;
    struct detector_params dp;
    detector_params_default(&dp);
    assert_true(rca_case_false_alerts(7, 20000, &dp) <= 2);
}

/* The discovery options of a scope reach the graph a refresh learns: a, b independent,
 * c = 0.8 a(t-1) + 0.4 b(t-1) + noise. Unscreened, c has both lagged parents; with
 * screen_top_k = 1, PC1 starts from c's strongest candidate only, a(t-1). */
static void test_screening_options_reach_the_learned_graph(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 7);
    double *X = malloc(sizeof(double) * ROWS * 3);
    double a = 0, b = 0;
    for (int t = 0; t < ROWS; t++) {
        double c = 0.8 * a + 0.4 * b + 0.5 * rng_normal(&r);
        a = rng_normal(&r);
        b = rng_normal(&r);
        X[t * 3 + 0] = a;
        X[t * 3 + 1] = b;
        X[t * 3 + 2] = c;
    }
    struct rca_params p;
    rca_params_default(&p);
    assert_true(p.screen_alpha == 0);
    assert_int_equal(p.screen_top_k, 0);
    struct rca_learned off, on;
    char err[256];
    assert_int_equal(rca_graph_learn(X, ROWS, 3, &p, NULL, &off, err, sizeof err), 0);
    p.screen_top_k = 1;
    assert_int_equal(rca_graph_learn(X, ROWS, 3, &p, NULL, &on, err, sizeof err), 0);
    assert_int_equal(off.graph->type[svar_graph_at(off.graph, 0, 2, 1)], LINK_FWD);
    assert_int_equal(off.graph->type[svar_graph_at(off.graph, 1, 2, 1)], LINK_FWD);
    assert_int_equal(on.graph->type[svar_graph_at(on.graph, 0, 2, 1)], LINK_FWD);
    assert_int_equal(on.graph->type[svar_graph_at(on.graph, 1, 2, 1)], LINK_NONE);
    rca_learned_free(&off);
    rca_learned_free(&on);
    free(X);
}

/* Failure modes 1 and 2 together: under a success-rate KPI, a success rate that held at 100 %
 * and lets 1 % of requests fail is strong evidence (spread floor 0.05 % of its level: z = 1 /
 * 0.05 = 20, closed form), and a latency rising by about 40 spreads elsewhere carries the other
 * symptom, so its evidence counts half (w_other_symptom) and the failing series ranks first;
 * with the discount off, the latency does. */
static void test_a_failure_kpi_follows_failures_before_an_unrelated_latency(void **state)
{
    (void)state;
    enum { R = 60, S = 50, N = 3 };
    double X[R * N];
    struct rng r;
    rng_seed(&r, 5);
    for (int t = 0; t < R; t++) {
        X[t * N + 0] = 100 - fabs(rng_normal(&r)) * 0.1 - (t >= S ? 2 : 0); /* the KPI */
        X[t * N + 1] = t >= S ? 99 : 100;                                   /* failing */
        X[t * N + 2] = 10 + rng_normal(&r) + (t >= S ? 40 : 0);             /* latency */
    }
    signed char kind[N] = {MKIND_SUCCESS, MKIND_SUCCESS, MKIND_LATENCY};
    signed char dir[N] = {MDIR_DOWN, MDIR_DOWN, MDIR_UP};
    struct rca_prior pr = {0};
    pr.kind = kind;
    pr.dir = dir;
    struct rca_params p;
    rca_params_default(&p);
    struct rca_result res;
    char err[256];
    assert_int_equal(rca_run(X, R, N, S, 0, &p, &pr, &res, err, sizeof err), 0);
    assert_int_equal(res.baseline[0], 1);
    int seen = 0;
    for (int a = 0; a < res.ncauses; a++)
        if (res.causes[a].var == 1) {
            seen++;
            assert_close(res.causes[a].anomaly, 20, 1e-9);
        }
    assert_int_equal(seen, 1);
    rca_result_free(&res);
    p.w_other_symptom = 1;
    assert_int_equal(rca_run(X, R, N, S, 0, &p, &pr, &res, err, sizeof err), 0);
    assert_int_equal(res.baseline[0], 2);
    rca_result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_changed_root_ranks_first_with_its_path_to_the_kpi),
        cmocka_unit_test(test_a_tier_rule_removes_links_against_it),
        cmocka_unit_test(test_a_ranking_from_the_window_graph_equals_learning_it),
        cmocka_unit_test(test_screening_options_reach_the_learned_graph),
        cmocka_unit_test(test_a_strength_change_matches_the_fisher_z_closed_form),
        cmocka_unit_test(test_component_rules),
        cmocka_unit_test(test_sparse_columns_never_sink_the_case),
        cmocka_unit_test(test_kpi_choice_prefers_an_entry_point_latency),
        cmocka_unit_test(test_a_component_scores_from_its_three_best_series),
        cmocka_unit_test(test_a_failure_kpi_follows_failures_before_an_unrelated_latency),
        cmocka_unit_test(test_simulated_incidents_rank_the_faulty_service_first),
        cmocka_unit_test(test_fault_free_streams_raise_at_most_one_alert_per_10000_buckets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
