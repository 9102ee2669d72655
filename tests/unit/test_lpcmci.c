/* Discovery with hidden common causes: the textbook PAGs of small known structures, from the
 * ground-truth construction (svar_pag.h) and from data (lpcmci.h), and the soundness of the
 * ground-truth PAG against the MAG on random models with hidden variables. */
#include "test_util.h"

#include "lpcmci.h"
#include "pag.h"
#include "rca.h"
#include "rng.h"
#include "svar_discover.h"
#include "svar_pag.h"
#include "svar_sim.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROWS = 4000, TAU = 2 };

/* A hand-built model over M variables with model lag 1 and unit noise. */
static struct svar_model *model(int M)
{
    struct svar_model *m = xcalloc(1, sizeof *m);
    m->nvars = M;
    m->tau_max = 1;
    m->coef = xcalloc((size_t)M * M * 2, sizeof(double));
    m->noise_sd = xmallocarray((size_t)M, sizeof(double));
    m->mean = xcalloc((size_t)M, sizeof(double));
    m->order = xmallocarray((size_t)M, sizeof(int));
    for (int v = 0; v < M; v++) m->noise_sd[v] = 1.0, m->order[v] = v;
    return m;
}

static void coef(struct svar_model *m, int i, int j, int tau, double c)
{
    m->coef[((size_t)i * m->nvars + j) * 2 + tau] = c;
}

/* Ground truth over the observed variables (hidden[v] = 1 hides v). */
static struct svar_graph *truth(const struct svar_model *m, const unsigned char *hidden)
{
    struct svar_graph *pag = NULL;
    char err[256];
    if (svar_true_pag(m, hidden, TAU, 8 * TAU, NULL, &pag, err, sizeof err) != 0)
        fail_msg("%s", err);
    return pag;
}

/* Simulates ROWS rows, drops the hidden columns and runs discovery with `method`. */
static struct svar_graph *discover(const struct svar_model *m, const unsigned char *hidden,
                                   enum svar_method method, uint64_t seed)
{
    int M = m->nvars, No = 0;
    double *X = xmallocarray((size_t)ROWS * M, sizeof(double));
    struct rng r;
    rng_seed(&r, seed);
    svar_model_simulate(m, &r, ROWS, 200, X);
    for (int v = 0; v < M; v++) No += !hidden[v];
    double *Y = xmallocarray((size_t)ROWS * No, sizeof(double));
    for (int t = 0; t < ROWS; t++)
        for (int v = 0, k = 0; v < M; v++)
            if (!hidden[v]) Y[(size_t)t * No + k++] = X[(size_t)t * M + v];
    struct svar_discover_params p;
    svar_discover_params_default(&p, TAU);
    p.method = method;
    struct svar_discover_result res;
    char err[256];
    if (svar_discover_run(Y, ROWS, No, &p, &res, err, sizeof err) != 0) fail_msg("%s", err);
    struct svar_graph *g = res.graph;
    res.graph = NULL;
    svar_discover_result_free(&res);
    free(X);
    free(Y);
    return g;
}

static enum link_type type(const struct svar_graph *g, int i, int j, int tau)
{
    return (enum link_type)g->type[svar_graph_at(g, i, j, tau)];
}

/* Every link of g, as "i j tau type" lines, for failure messages and exact comparison. */
static void expect_links(const struct svar_graph *g, const char *const *want, int nwant,
                         const char *what)
{
    int n = 0;
    char buf[64];
    for (int i = 0; i < g->nvars; i++)
        for (int j = 0; j < g->nvars; j++)
            for (int tau = 0; tau <= g->tau_max; tau++) {
                enum link_type t = type(g, i, j, tau);
                if (t == LINK_NONE || (tau == 0 && i > j)) continue;
                snprintf(buf, sizeof buf, "%d %d %d %s", i, j, tau, link_type_str(t));
                int found = 0;
                for (int k = 0; k < nwant; k++) found |= strcmp(want[k], buf) == 0;
                if (!found) fail_msg("%s: unexpected link %s", what, buf);
                n++;
            }
    if (n != nwant) fail_msg("%s: %d links, wanted %d", what, n, nwant);
}

/* H -> X, H -> Y at lag 0 with H hidden; X and Y autoregressive. Textbook PAG: X <-> Y (the
 * autodependencies make the confounding visible), X(t-1) --> X(t), Y(t-1) --> Y(t). */
static void test_confounded_pair_gives_bidirected_link(void **state)
{
    (void)state;
    struct svar_model *m = model(3); /* 0 = H (hidden), 1 = X, 2 = Y */
    coef(m, 0, 1, 0, 0.8);
    coef(m, 0, 2, 0, 0.8);
    coef(m, 1, 1, 1, 0.5);
    coef(m, 2, 2, 1, 0.5);
    unsigned char hidden[3] = {1, 0, 0};
    const char *want[] = {"0 0 1 -->", "1 1 1 -->", "0 1 0 <->"};
    struct svar_graph *t = truth(m, hidden);
    expect_links(t, want, 3, "true PAG");
    struct svar_graph *g = discover(m, hidden, SVAR_METHOD_LPCMCI, 11);
    expect_links(g, want, 3, "lpcmci");
    /* PCMCI+ on the same data claims a contemporaneous link between the two. */
    struct svar_graph *pc = discover(m, hidden, SVAR_METHOD_PCMCIPLUS, 11);
    assert_int_not_equal(type(pc, 0, 1, 0), LINK_NONE);
    assert_int_not_equal(type(pc, 0, 1, 0), LINK_BIDIR);
    svar_graph_free(t);
    svar_graph_free(g);
    svar_graph_free(pc);
    svar_model_free(m);
}

/* M-structure X <- H1 -> Z <- H2 -> Y with H1, H2 hidden and no dynamics. Textbook PAG:
 * X o-> Z <-o Y, X and Y not adjacent. */
static void test_m_structure_gives_circle_arrow_collider(void **state)
{
    (void)state;
    struct svar_model *m = model(5); /* 0 = H1, 1 = H2, 2 = X, 3 = Z, 4 = Y */
    coef(m, 0, 2, 0, 0.8);
    coef(m, 0, 3, 0, 0.8);
    coef(m, 1, 3, 0, 0.8);
    coef(m, 1, 4, 0, 0.8);
    unsigned char hidden[5] = {1, 1, 0, 0, 0};
    const char *want[] = {"0 1 0 o->", "1 2 0 <-o"};
    struct svar_graph *t = truth(m, hidden);
    expect_links(t, want, 2, "true PAG");
    struct svar_graph *g = discover(m, hidden, SVAR_METHOD_LPCMCI, 12);
    expect_links(g, want, 2, "lpcmci");
    svar_graph_free(t);
    svar_graph_free(g);
    svar_model_free(m);
}

/* H(t) -> X(t) and H(t-1) -> Y(t) with H hidden: X(t-1) and Y(t) share the hidden cause H(t-1).
 * Textbook PAG: X(t-1) <-> Y(t), X(t-1) --> X(t), Y(t-1) --> Y(t). */
static void test_lagged_confounder_gives_lagged_bidirected_link(void **state)
{
    (void)state;
    struct svar_model *m = model(3); /* 0 = H, 1 = X, 2 = Y */
    coef(m, 0, 1, 0, 0.8);
    coef(m, 0, 2, 1, 0.8);
    coef(m, 1, 1, 1, 0.5);
    coef(m, 2, 2, 1, 0.5);
    unsigned char hidden[3] = {1, 0, 0};
    const char *want[] = {"0 0 1 -->", "1 1 1 -->", "0 1 1 <->"};
    struct svar_graph *t = truth(m, hidden);
    expect_links(t, want, 3, "true PAG");
    struct svar_graph *g = discover(m, hidden, SVAR_METHOD_LPCMCI, 13);
    expect_links(g, want, 3, "lpcmci");
    svar_graph_free(t);
    svar_graph_free(g);
    svar_model_free(m);
}

/* With nothing hidden, X(t-1) -> X(t) -> Y(t) <- Y(t-1) is a DAG whose PAG is fully oriented:
 * every link -->, no <->. */
static void test_no_hidden_variable_gives_the_directed_graph(void **state)
{
    (void)state;
    struct svar_model *m = model(2);
    coef(m, 0, 0, 1, 0.5);
    coef(m, 1, 1, 1, 0.5);
    coef(m, 0, 1, 0, 0.5);
    unsigned char hidden[2] = {0, 0};
    const char *want[] = {"0 0 1 -->", "1 1 1 -->", "0 1 0 -->"};
    struct svar_graph *t = truth(m, hidden);
    expect_links(t, want, 3, "true PAG");
    struct svar_graph *g = discover(m, hidden, SVAR_METHOD_LPCMCI, 14);
    expect_links(g, want, 3, "lpcmci");
    svar_graph_free(t);
    svar_graph_free(g);
    svar_model_free(m);
}

/* On random models with hidden variables, the true PAG has the MAG's adjacencies, and every
 * mark it decides (tail or arrowhead) is the MAG's mark: the orientation rules are sound. */
static void test_true_pag_marks_agree_with_the_mag(void **state)
{
    (void)state;
    int decided = 0, bidir = 0;
    for (uint64_t seed = 1; seed <= 12; seed++) {
        struct svar_sim_params sp;
        svar_sim_params_default(&sp, 10, 2, seed);
        char err[256];
        struct svar_model *m = svar_model_random(&sp, err, sizeof err);
        assert_non_null(m);
        unsigned char hidden[10];
        struct rng r;
        rng_seed(&r, seed);
        assert_int_equal(svar_pick_hidden(m, 1 + (int)(seed % 3), &r, hidden), 0);
        struct svar_graph *mag = NULL, *pg = NULL;
        assert_int_equal(svar_true_pag(m, hidden, 2, 16, &mag, &pg, err, sizeof err), 0);
        struct pag *a = pag_new(mag->nvars, 2), *b = pag_new(mag->nvars, 2);
        pag_from_graph(a, mag);
        pag_from_graph(b, pg);
        size_t n = (size_t)mag->nvars * mag->nvars * 3 * 2;
        for (size_t k = 0; k < n; k++) {
            assert_int_equal(a->mark[k] == MARK_NONE, b->mark[k] == MARK_NONE);
            if (b->mark[k] == MARK_TAIL || b->mark[k] == MARK_ARROW) {
                if (b->mark[k] != a->mark[k])
                    fail_msg("seed %d: link %zu end %zu: PAG mark %d, MAG mark %d", (int)seed,
                             k / 2, k % 2, b->mark[k], a->mark[k]);
                decided++;
            }
        }
        for (size_t k = 0; k < n / 2; k++) bidir += pg->type[k] == LINK_BIDIR;
        pag_free(a);
        pag_free(b);
        svar_graph_free(mag);
        svar_graph_free(pg);
        svar_model_free(m);
    }
    assert_true(decided > 100); /* the check was not vacuous */
    assert_true(bidir > 0);
}

/* The ranking with method lpcmci: X and Y share a hidden cause H; at the incident the KPI Y's
 * own noise grows. PCMCI+ links X and Y (and walks X -> Y when it orients it so or leaves it
 * o-o); LPCMCI finds X <-> Y, which the ranking never walks as a cause -> effect path. */
static void test_ranking_never_walks_a_shared_hidden_cause(void **state)
{
    (void)state;
    enum { T = 1500, SPLIT = 1000 };
    double *X = xmallocarray((size_t)T * 2, sizeof(double)), x = 0, y = 0;
    struct rng r;
    rng_seed(&r, 21);
    for (int t = 0; t < T; t++) {
        double h = rng_normal(&r);
        x = 0.5 * x + 0.8 * h + rng_normal(&r);
        y = 0.5 * y + 0.8 * h + rng_normal(&r) * (t >= SPLIT ? 1.5 : 1.0);
        X[2 * t] = x;
        X[2 * t + 1] = y;
    }
    for (int method = 0; method < 2; method++) {
        struct rca_params p;
        rca_params_default(&p);
        p.method = method ? SVAR_METHOD_LPCMCI : SVAR_METHOD_PCMCIPLUS;
        struct rca_result res;
        char err[256];
        if (rca_run(X, T, 2, SPLIT, 1, &p, NULL, &res, err, sizeof err) != 0) fail_msg("%s", err);
        int xpath = -1;
        for (int a = 0; a < res.ncauses; a++)
            if (res.causes[a].var == 0) xpath = res.causes[a].path_len;
        enum link_type t = type(res.graph, 0, 1, 0);
        if (method) {
            assert_int_equal(t, LINK_BIDIR);
            assert_int_equal(xpath, 0);
        } else {
            assert_int_not_equal(t, LINK_NONE);
            assert_int_not_equal(t, LINK_BIDIR);
            if (t == LINK_FWD || t == LINK_UNORIENTED || t == LINK_CONFLICT) assert_true(xpath > 0);
        }
        rca_result_free(&res);
    }
    free(X);
}

/* Bad parameters are refused with a message. */
static void test_invalid_parameters_are_refused(void **state)
{
    (void)state;
    double R[4] = {1, 0, 0, 1};
    struct svar_graph *g = svar_graph_new(2, 0);
    struct lpcmci_params p;
    lpcmci_params_default(&p, 0);
    p.alpha = 1.5;
    char err[128] = "";
    assert_int_equal(lpcmci_run(R, 2, 100, &p, g, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "lpcmci"));
    p.alpha = 0.01;
    assert_int_equal(lpcmci_run(R, 2, 100, &p, g, NULL, err, sizeof err), 0);
    assert_int_equal(svar_graph_count_links(g), 0); /* independent pair */
    svar_graph_free(g);
}

/* A set cancel flag ends the run with "lpcmci: cancelled" and no test run; a clear one does
 * not change the result. */
static void test_cancel_flag_ends_the_run(void **state)
{
    (void)state;
    double R[4] = {1, 0.9, 0.9, 1};
    struct svar_graph *g = svar_graph_new(2, 0);
    struct lpcmci_params p;
    lpcmci_params_default(&p, 0);
    volatile int flag = 0;
    p.cancel = &flag;
    char err[128] = "";
    struct lpcmci_stats st;
    assert_int_equal(lpcmci_run(R, 2, 100, &p, g, &st, err, sizeof err), 0);
    assert_int_equal(svar_graph_count_links(g), 1); /* the dependent pair */
    assert_true(st.tests > 0);
    flag = 1;
    assert_int_equal(lpcmci_run(R, 2, 100, &p, g, &st, err, sizeof err), -1);
    assert_string_equal(err, "lpcmci: cancelled");
    svar_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confounded_pair_gives_bidirected_link),
        cmocka_unit_test(test_m_structure_gives_circle_arrow_collider),
        cmocka_unit_test(test_lagged_confounder_gives_lagged_bidirected_link),
        cmocka_unit_test(test_no_hidden_variable_gives_the_directed_graph),
        cmocka_unit_test(test_true_pag_marks_agree_with_the_mag),
        cmocka_unit_test(test_ranking_never_walks_a_shared_hidden_cause),
        cmocka_unit_test(test_invalid_parameters_are_refused),
        cmocka_unit_test(test_cancel_flag_ends_the_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
