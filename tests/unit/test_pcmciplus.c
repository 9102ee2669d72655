/* PCMCI+ orientation on hand-built structures, and recovery of simulated SVAR graphs. */
#include "test_util.h"

#include "lagblock.h"
#include "lagcov.h"
#include "parcorr.h"
#include "pcmciplus.h"
#include "rng.h"
#include "svar_discover.h"
#include "svar_limits.h"
#include "svar_sim.h"
#include "xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { ROWS = 4000 };

/* A structural equation per row: fills x[0..n) from fresh noise e[] and the previous row. */
typedef void (*row_fn)(double *x, const double *prev, const double *e);

static double *generate(row_fn f, int n, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed);
    double *X = xcalloc((size_t)ROWS * n, sizeof(double));
    double prev[16] = {0}, e[16];
    for (int t = 0; t < ROWS; t++) {
        for (int a = 0; a < n + 1; a++) e[a] = rng_normal(&r);
        f(X + (size_t)t * n, prev, e);
        for (int a = 0; a < n; a++) prev[a] = X[(size_t)t * n + a];
    }
    return X;
}

static struct svar_graph *discover(const double *X, int n)
{
    struct svar_discover_params p;
    svar_discover_params_default(&p, 1);
    struct svar_discover_result res;
    char err[256];
    if (svar_discover_run(X, ROWS, n, &p, &res, err, sizeof err) != 0) fail_msg("%s", err);
    struct svar_graph *g = res.graph;
    res.graph = NULL;
    svar_discover_result_free(&res);
    return g;
}

static enum link_type contemp(const struct svar_graph *g, int i, int j)
{
    return (enum link_type)g->type[svar_graph_at(g, i, j, 0)];
}

/* x0 -> x2 <- x1 */
static void collider_row(double *x, const double *prev, const double *e)
{
    (void)prev;
    x[0] = e[0];
    x[1] = e[1];
    x[2] = 0.7 * x[0] + 0.7 * x[1] + e[2];
}

static void test_collider_is_oriented(void **state)
{
    (void)state;
    double *X = generate(collider_row, 3, 1);
    struct svar_graph *g = discover(X, 3);
    assert_int_equal(contemp(g, 0, 2), LINK_FWD);
    assert_int_equal(contemp(g, 2, 0), LINK_BWD);
    assert_int_equal(contemp(g, 1, 2), LINK_FWD);
    assert_int_equal(contemp(g, 0, 1), LINK_NONE);
    assert_int_equal(svar_graph_count_links(g), 2);
    svar_graph_free(g);
    free(X);
}

/* x0 -> x1 -> x2, nothing else: Markov equivalent to the reverse chain and the fork. */
static void chain_row(double *x, const double *prev, const double *e)
{
    (void)prev;
    x[0] = e[0];
    x[1] = 0.7 * x[0] + e[1];
    x[2] = 0.7 * x[1] + e[2];
}

/* w(t-1) -> x0(t), then x0 -> x1 -> x2 contemporaneously: R1 orients the whole chain. */
static void driven_chain_row(double *x, const double *prev, const double *e)
{
    x[3] = e[3];
    x[0] = 0.7 * prev[3] + e[0];
    x[1] = 0.7 * x[0] + e[1];
    x[2] = 0.7 * x[1] + e[2];
}

/* x0 - x1 - x2 without a collider and without lagged drivers: Markov equivalent to its
 * reversals, so both links must stay o-o and x0, x2 non-adjacent. */
static void assert_unoriented_path(row_fn f, uint64_t seed)
{
    double *X = generate(f, 3, seed);
    struct svar_graph *g = discover(X, 3);
    assert_int_equal(contemp(g, 0, 1), LINK_UNORIENTED);
    assert_int_equal(contemp(g, 1, 2), LINK_UNORIENTED);
    assert_int_equal(contemp(g, 0, 2), LINK_NONE);
    svar_graph_free(g);
    free(X);
}

static void test_chain_stays_unoriented_without_a_lagged_driver(void **state)
{
    (void)state;
    assert_unoriented_path(chain_row, 2);
}

static void test_chain_is_oriented_by_rule_r1_from_a_lagged_driver(void **state)
{
    (void)state;
    double *X = generate(driven_chain_row, 4, 3);
    struct svar_graph *g = discover(X, 4);
    assert_int_equal(g->type[svar_graph_at(g, 3, 0, 1)], LINK_FWD);
    assert_int_equal(contemp(g, 0, 1), LINK_FWD);
    assert_int_equal(contemp(g, 1, 2), LINK_FWD);
    assert_int_equal(contemp(g, 0, 2), LINK_NONE);
    assert_int_equal(g->type[svar_graph_at(g, 3, 1, 1)], LINK_NONE);
    assert_int_equal(svar_graph_count_links(g), 3);
    svar_graph_free(g);
    free(X);
}

/* x0 <- x1 -> x2 */
static void fork_row(double *x, const double *prev, const double *e)
{
    (void)prev;
    x[1] = e[1];
    x[0] = 0.7 * x[1] + e[0];
    x[2] = 0.7 * x[1] + e[2];
}

static void test_fork_stays_unoriented(void **state)
{
    (void)state;
    assert_unoriented_path(fork_row, 4);
}

/* a -> b <-> c <- d with a hidden common driver of b and c (e[4]): the colliders at b and at c
 * orient b - c both ways, which PCMCI+ reports as the conflict x-x. */
static void conflict_row(double *x, const double *prev, const double *e)
{
    (void)prev;
    double hidden = e[4];
    x[0] = e[0];
    x[3] = e[3];
    x[1] = 0.7 * x[0] + 0.7 * hidden + e[1];
    x[2] = 0.7 * x[3] + 0.7 * hidden + e[2];
}

static void test_conflicting_colliders_give_x_x(void **state)
{
    (void)state;
    double *X = generate(conflict_row, 4, 5);
    struct svar_graph *g = discover(X, 4);
    assert_int_equal(contemp(g, 0, 1), LINK_FWD);
    assert_int_equal(contemp(g, 3, 2), LINK_FWD);
    assert_int_equal(contemp(g, 1, 2), LINK_CONFLICT);
    assert_int_equal(contemp(g, 2, 1), LINK_CONFLICT);
    assert_int_equal(svar_graph_count_links(g), 3);
    svar_graph_free(g);
    free(X);
}

/* A dense case: x(t-1) -> k, k -> j and j -> c1..c11 contemporaneously, nothing else. Columns:
 * x k j c1..c11; j has 12 contemporaneous neighbours. The separating sets of (x(t-1), j) are the
 * neighbour subsets of j that contain k, so (x(t-1), k, j) is an unambiguous non-collider and R1
 * orients k -> j and then j -> c for every child. A collider step that looked at only the first
 * 10 neighbours of j by column index misses k when the columns are reversed, finds no separating
 * set, leaves the triple ambiguous and every contemporaneous link unoriented. */
enum { DENSE_N = 14 };

static void dense_row(double *x, const double *prev, const double *e)
{
    x[0] = e[0];
    x[1] = 0.6 * prev[0] + e[1];
    x[2] = 0.8 * x[1] + e[2];
    for (int c = 3; c < DENSE_N; c++) x[c] = 0.5 * x[2] + e[c];
}

/* The contemporaneous type between original columns a and b in g, whose column q holds the
 * original column perm[q]. */
static enum link_type contemp_mapped(const struct svar_graph *g, const int *perm, int a, int b)
{
    int qa = -1, qb = -1;
    for (int q = 0; q < DENSE_N; q++) {
        if (perm[q] == a) qa = q;
        if (perm[q] == b) qb = q;
    }
    return contemp(g, qa, qb);
}

static void assert_dense_graph(const struct svar_graph *g, const int *perm)
{
    int qx = -1, qk = -1;
    for (int q = 0; q < DENSE_N; q++) {
        if (perm[q] == 0) qx = q;
        if (perm[q] == 1) qk = q;
    }
    assert_int_equal(g->type[svar_graph_at(g, qx, qk, 1)], LINK_FWD);
    assert_int_equal(contemp_mapped(g, perm, 1, 2), LINK_FWD);
    for (int c = 3; c < DENSE_N; c++) assert_int_equal(contemp_mapped(g, perm, 2, c), LINK_FWD);
    int ncontemp = 0; /* no other contemporaneous link (lagged false positives may occur) */
    for (int a = 0; a < DENSE_N; a++)
        for (int b = a + 1; b < DENSE_N; b++)
            if (contemp(g, a, b) != LINK_NONE) {
                print_message("  contemporaneous %d %d type %d p %g\n", a, b, contemp(g, a, b),
                              g->pval[svar_graph_at(g, a, b, 0)]);
                ncontemp++;
            }
    assert_int_equal(ncontemp, 1 + DENSE_N - 3);
}

static void test_dense_graph_is_the_same_under_permuted_columns(void **state)
{
    (void)state;
    double *X = generate(dense_row, DENSE_N, 2);
    double *Y = xmallocarray((size_t)ROWS * DENSE_N, sizeof(double));
    int ident[DENSE_N], rev[DENSE_N], shuf[DENSE_N];
    for (int q = 0; q < DENSE_N; q++) {
        ident[q] = q;
        rev[q] = DENSE_N - 1 - q;
        shuf[q] = (q * 5 + 3) % DENSE_N; /* 5 is coprime with 14: a permutation */
    }
    const int *perms[] = {ident, rev, shuf};
    for (int p = 0; p < 3; p++) {
        for (int t = 0; t < ROWS; t++)
            for (int q = 0; q < DENSE_N; q++)
                Y[(size_t)t * DENSE_N + q] = X[(size_t)t * DENSE_N + perms[p][q]];
        struct svar_discover_params prm;
        svar_discover_params_default(&prm, 1);
        struct svar_discover_result res;
        char err[256];
        assert_int_equal(svar_discover_run(Y, ROWS, DENSE_N, &prm, &res, err, sizeof err), 0);
        print_message("permutation %d: %d links, %ld tests, %ld capped pairs\n", p,
                      svar_graph_count_links(res.graph), res.stats.tests,
                      res.stats.collider_capped);
        assert_int_equal(res.stats.collider_capped, 0);
        assert_dense_graph(res.graph, perms[p]);
        svar_discover_result_free(&res);
    }
    free(Y);
    free(X);
}

/* The optional cap keeps the strongest neighbours (not the first columns) and counts the pairs
 * it cut. */
static void test_collider_cap_is_optional_counted_and_keeps_the_strongest(void **state)
{
    (void)state;
    double *X = generate(dense_row, DENSE_N, 2);
    struct svar_discover_params prm;
    svar_discover_params_default(&prm, 1);
    assert_int_equal(prm.pcmci.max_collider_nbrs, 0);
    prm.pcmci.max_collider_nbrs = 10;
    struct svar_discover_result res;
    char err[256];
    assert_int_equal(svar_discover_run(X, ROWS, DENSE_N, &prm, &res, err, sizeof err), 0);
    assert_true(res.stats.collider_capped > 0);
    int ident[DENSE_N];
    for (int q = 0; q < DENSE_N; q++) ident[q] = q;
    /* k - j is the strongest link of j (correlation about 0.68 against 0.56 for j - c), so the
     * cap keeps it and the orientation is unchanged */
    assert_dense_graph(res.graph, ident);
    svar_discover_result_free(&res);
    free(X);
}

/* PCMCI+ on lag blocks gives the graph, p-values and statistics of PCMCI+ on the full embedded
 * correlation matrix. */
static void test_lag_blocks_give_the_graph_of_the_full_matrix(void **state)
{
    (void)state;
    int N = 12, T = 1500, tau = 3, L = 2 * tau, D = N * (L + 1);
    struct svar_sim_params sp;
    svar_sim_params_default(&sp, N, tau, 9);
    sp.contemp_frac = 0.5;
    char err[256];
    struct svar_model *m = svar_model_random(&sp, err, sizeof err);
    assert_non_null(m);
    double *X = xmallocarray((size_t)T * N, sizeof(double));
    struct rng r;
    rng_seed(&r, 99);
    svar_model_simulate(m, &r, T, 500, X);
    struct lagcov *lc = lagcov_new(N, L, T - L, err, sizeof err);
    assert_non_null(lc);
    lagcov_load(lc, X, T);
    double *R = xmallocarray((size_t)D * D, sizeof(double));
    assert_int_equal(lagcov_correlation(lc, R, NULL), 0);
    struct pcmci_params p;
    pcmci_params_default(&p, tau);
    struct svar_graph *full = svar_graph_new(N, tau), *blk = svar_graph_new(N, tau);
    assert_int_equal(pcmciplus_run(R, N, lagcov_rows(lc), &p, full, NULL, err, sizeof err), 0);
    struct lagblock *lb = lagblock_new(X, T, N, L, err, sizeof err);
    assert_non_null(lb);
    assert_int_equal(lagblock_rows(lb), lagcov_rows(lc));
    assert_int_equal(pcmciplus_run_blocks(lb, N, &p, blk, NULL, err, sizeof err), 0);
    size_t cells = (size_t)N * N * (tau + 1);
    for (size_t a = 0; a < cells; a++) {
        assert_int_equal(blk->type[a], full->type[a]);
        assert_close(blk->val[a], full->val[a], 1e-10);
        assert_close(blk->pval[a], full->pval[a], 1e-9 * full->pval[a] + 1e-300);
    }
    print_message("%d links, identical on lag blocks and on the full matrix\n",
                  svar_graph_count_links(full));
    assert_true(svar_graph_count_links(full) > N);
    lagblock_free(lb);
    lagcov_free(lc);
    svar_graph_free(full);
    svar_graph_free(blk);
    svar_model_free(m);
    free(R);
    free(X);
}

static double recovery_f1(int nvars, int T, int tau_max, uint64_t seed, double level)
{
    struct svar_sim_params sp;
    svar_sim_params_default(&sp, nvars, tau_max, seed);
    sp.level = level;
    char err[256];
    struct svar_model *m = svar_model_random(&sp, err, sizeof err);
    assert_non_null(m);
    double *X = xmallocarray((size_t)T * nvars, sizeof(double));
    struct rng r;
    rng_seed(&r, seed ^ 0x5eedULL);
    svar_model_simulate(m, &r, T, 500, X);
    struct svar_discover_params p;
    svar_discover_params_default(&p, tau_max);
    struct svar_discover_result res;
    assert_int_equal(svar_discover_run(X, T, nvars, &p, &res, err, sizeof err), 0);
    struct svar_graph *truth = svar_model_truth(m);
    double prec, rec, f1;
    svar_graph_adjacency_f1(res.graph, truth, &prec, &rec, &f1);
    svar_graph_free(truth);
    svar_discover_result_free(&res);
    svar_model_free(m);
    free(X);
    return f1;
}

static void test_recovers_simulated_graphs_with_f1_at_least_0_95(void **state)
{
    (void)state;
    double sum = 0;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        double f1 = recovery_f1(10, 1000, 3, seed, 0.0);
        print_message("N=10 T=1000 tau_max=3 seed %d: adjacency F1 %.3f\n", (int)seed, f1);
        assert_true(f1 >= 0.9);
        sum += f1;
    }
    print_message("mean adjacency F1 over 5 seeds: %.3f\n", sum / 5);
    assert_true(sum / 5 >= 0.95);
}

static void test_discovery_is_unchanged_at_level_1e9(void **state)
{
    (void)state;
    assert_close(recovery_f1(6, 800, 2, 42, 1e9), recovery_f1(6, 800, 2, 42, 0.0), 0);
}

static void test_fdr_drops_links_whose_q_value_exceeds_alpha(void **state)
{
    (void)state;
    struct svar_graph *g = svar_graph_new(2, 1);
    /* Candidate family: (0,0,1) (0,1,1) (1,0,1) (1,1,1) and the pair (0,1,0): m = 5. */
    size_t a = svar_graph_at(g, 0, 0, 1), b = svar_graph_at(g, 1, 1, 1),
           c = svar_graph_at(g, 0, 1, 0);
    g->type[a] = LINK_FWD;
    g->pval[a] = 0.001; /* q = 0.001 * 5 / 1 = 0.005 */
    g->type[b] = LINK_FWD;
    g->pval[b] = 0.009; /* q = 0.009 * 5 / 2 = 0.0225 */
    g->type[c] = LINK_UNORIENTED;
    g->type[svar_graph_at(g, 1, 0, 0)] = LINK_UNORIENTED;
    g->pval[c] = g->pval[svar_graph_at(g, 1, 0, 0)] = 0.5;
    pcmciplus_apply_fdr(g, 0.01);
    assert_close(g->qval[a], 0.005, 1e-15);
    assert_close(g->qval[b], 0.0225, 1e-15);
    assert_int_equal(g->type[a], LINK_FWD);
    assert_int_equal(g->type[b], LINK_NONE);
    assert_int_equal(g->type[c], LINK_NONE);
    assert_int_equal(g->type[svar_graph_at(g, 1, 0, 0)], LINK_NONE);
    svar_graph_free(g);
}

/* At the shared tau_max bound, input wider than the lag-block limit allows is refused with a
 * message before anything is allocated (the commands can no longer reach this: 1000 columns at
 * tau_max 20 fit). */
static void test_lag_block_limit_is_an_error_not_an_allocation(void **state)
{
    (void)state;
    int rows = svar_min_rows(SVAR_TAU_MAX_LIMIT), n = 2000;
    double *Y = xcalloc((size_t)rows * n, sizeof *Y);
    struct svar_discover_params p;
    svar_discover_params_default(&p, SVAR_TAU_MAX_LIMIT);
    char err[256];
    long samples = 0;
    assert_int_equal(
        svar_discover_graph_method(Y, rows, n, &p, NULL, NULL, &samples, err, sizeof err), -1);
    assert_non_null(strstr(err, "lag-block entries, above the limit of 134217728"));
    free(Y);
}

/* The minimum-rows rule: fewer rows than 2 tau_max + 10 are refused with the rule named. */
static void test_too_few_rows_name_the_minimum_rows_rule(void **state)
{
    (void)state;
    int tau = 3, rows = svar_min_rows(tau) - 1, n = 2;
    assert_int_equal(svar_min_rows(tau), 16);
    double *Y = xcalloc((size_t)rows * n, sizeof *Y);
    struct svar_discover_params p;
    svar_discover_params_default(&p, tau);
    char err[256];
    long samples = 0;
    assert_int_equal(
        svar_discover_graph_method(Y, rows, n, &p, NULL, NULL, &samples, err, sizeof err), -1);
    assert_string_equal(err, "15 rows, fewer than 2*tau_max+10 = 16 needed");
    free(Y);
}

/* --- candidate screening (pcmci_params.screen_alpha, screen_top_k) ----------------------- */

/* A simulated SVAR (svar_sim.h defaults): X is T x N, the caller frees X, *m and *truth. */
static double *simulated(int N, int T, int tau, uint64_t seed, struct svar_model **m,
                         struct svar_graph **truth)
{
    struct svar_sim_params sp;
    svar_sim_params_default(&sp, N, tau, seed);
    char err[256];
    *m = svar_model_random(&sp, err, sizeof err);
    assert_non_null(*m);
    double *X = xmallocarray((size_t)T * N, sizeof(double));
    struct rng r;
    rng_seed(&r, seed ^ 0x5eedULL);
    svar_model_simulate(*m, &r, T, 500, X);
    *truth = svar_model_truth(*m);
    return X;
}

/* PCMCI+ on X (T x N) at tau_max tau with the given screening; stats in *st. */
static struct svar_graph *discover_screened(const double *X, int T, int N, int tau, double level,
                                            int top_k, struct pcmci_stats *st)
{
    struct svar_discover_params p;
    svar_discover_params_default(&p, tau);
    p.pcmci.screen_alpha = level;
    p.pcmci.screen_top_k = top_k;
    struct svar_discover_result res;
    char err[256];
    if (svar_discover_run(X, T, N, &p, &res, err, sizeof err) != 0) fail_msg("%s", err);
    *st = res.stats;
    struct svar_graph *g = res.graph;
    res.graph = NULL;
    svar_discover_result_free(&res);
    return g;
}

/* Pearson correlation of x_{t-lag, i} with x_{t, j} over the embedded rows t = L .. T-1, computed
 * directly from the data (independent of lagblock.h). */
static double naive_corr(const double *X, int T, int N, int i, int lag, int j, int L)
{
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    long n = T - L;
    for (int t = L; t < T; t++) {
        double a = X[(size_t)(t - lag) * N + i], b = X[(size_t)t * N + j];
        sa += a;
        sb += b;
    }
    double ma = sa / n, mb = sb / n;
    for (int t = L; t < T; t++) {
        double a = X[(size_t)(t - lag) * N + i] - ma, b = X[(size_t)t * N + j] - mb;
        saa += a * a;
        sbb += b * b;
        sab += a * b;
    }
    return sab / sqrt(saa * sbb);
}

/* Off by default; and a screen that removes nothing (level just below 1, a cap above every
 * candidate count) gives the unscreened run bit for bit: graph types, statistics, p-values
 * and the number of tests. */
static void test_screening_is_off_by_default_and_bit_identical_when_it_removes_nothing(void **state)
{
    (void)state;
    struct pcmci_params d;
    pcmci_params_default(&d, 3);
    assert_true(d.screen_alpha == 0);
    assert_int_equal(d.screen_top_k, 0);
    int N = 12, T = 1500, tau = 3;
    struct svar_model *m;
    struct svar_graph *truth;
    double *X = simulated(N, T, tau, 9, &m, &truth);
    struct pcmci_stats off, keep;
    struct svar_graph *g0 = discover_screened(X, T, N, tau, 0, 0, &off);
    struct svar_graph *g1 = discover_screened(X, T, N, tau, 1 - 1e-12, N * tau + N, &keep);
    assert_int_equal(off.screened_lagged, 0);
    assert_int_equal(off.screened_contemp, 0);
    /* unscreened, PC1's first level tests every lagged candidate and the skeleton every pair */
    assert_true(off.tests >= (long)N * N * tau + (long)N * (N - 1) / 2);
    assert_int_equal(keep.screened_lagged, 0);
    assert_int_equal(keep.screened_contemp, 0);
    assert_int_equal(keep.tests, off.tests);
    size_t cells = (size_t)N * N * (tau + 1);
    assert_memory_equal(g1->type, g0->type, cells);
    assert_memory_equal(g1->val, g0->val, cells * sizeof(double));
    assert_memory_equal(g1->pval, g0->pval, cells * sizeof(double));
    print_message("screening off: %ld tests, %d links; a screen that removes nothing: the same "
                  "graph, statistics and p-values bit for bit\n",
                  off.tests, svar_graph_count_links(g0));
    svar_graph_free(g0);
    svar_graph_free(g1);
    svar_graph_free(truth);
    svar_model_free(m);
    free(X);
}

/* On simulated SVARs with known parents, screening at the default level keeps every true
 * parent (checked against marginal correlations computed directly from the data), loses no true
 * link the unscreened run found, and runs fewer CI tests. */
static void test_screening_keeps_true_parents_and_runs_fewer_tests(void **state)
{
    (void)state;
    int N = 20, T = 2000, tau = 3, L = 2 * tau;
    long tests_off = 0, tests_on = 0;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        struct svar_model *m;
        struct svar_graph *truth;
        double *X = simulated(N, T, tau, seed, &m, &truth);
        struct pcmci_stats off, on;
        struct svar_graph *g0 = discover_screened(X, T, N, tau, 0, 0, &off);
        struct svar_graph *g1 = discover_screened(X, T, N, tau, PCMCI_SCREEN_ALPHA_DEFAULT, 0, &on);
        int ntrue = 0, lost = 0;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                for (int lag = 0; lag <= tau; lag++) {
                    size_t at = svar_graph_at(truth, i, j, lag);
                    if (truth->type[at] == LINK_NONE || (lag == 0 && i == j)) continue;
                    ntrue++;
                    /* the screen's criterion, computed independently: the true parent passes */
                    double r = naive_corr(X, T, N, i, lag, j, L);
                    double p = parcorr_pvalue(r, T - L - 2);
                    if (p > PCMCI_SCREEN_ALPHA_DEFAULT)
                        fail_msg("seed %d: true link (%d, %d, %d) has marginal p %g", (int)seed, i,
                                 j, lag, p);
                    if (g0->type[at] != LINK_NONE && g1->type[at] == LINK_NONE) lost++;
                }
        double pr0, rc0, f0, pr1, rc1, f1;
        svar_graph_adjacency_f1(g0, truth, &pr0, &rc0, &f0);
        svar_graph_adjacency_f1(g1, truth, &pr1, &rc1, &f1);
        print_message("seed %d: %d true links; tests %ld -> %ld (screened %ld lagged, %ld "
                      "contemporaneous); recall %.3f -> %.3f, F1 %.3f -> %.3f\n",
                      (int)seed, ntrue, off.tests, on.tests, on.screened_lagged,
                      on.screened_contemp, rc0, rc1, f0, f1);
        assert_int_equal(lost, 0);
        assert_true(rc1 >= rc0);
        assert_true(on.screened_lagged > 0);
        assert_true(on.screened_contemp > 0);
        assert_true(on.tests < off.tests);
        tests_off += off.tests;
        tests_on += on.tests;
        svar_graph_free(g0);
        svar_graph_free(g1);
        svar_graph_free(truth);
        svar_model_free(m);
        free(X);
    }
    print_message("5 seeds: %ld tests screened against %ld unscreened\n", tests_on, tests_off);
    /* at this size about 45 % fewer; the share grows with N (bench/discover.c) */
    assert_true(10 * tests_on < 7 * tests_off);
}

/* The cap: with screen_top_k = k, no target keeps more than k lagged links (PC1 starts from its
 * k strongest candidates), and contemporaneous pairs outside both ends' k strongest are cut. */
static void test_screening_top_k_caps_the_lagged_candidates_of_each_target(void **state)
{
    (void)state;
    int N = 20, T = 2000, tau = 3, k = 2;
    struct svar_model *m;
    struct svar_graph *truth;
    double *X = simulated(N, T, tau, 3, &m, &truth);
    struct pcmci_stats on;
    struct svar_graph *g = discover_screened(X, T, N, tau, 0, k, &on);
    for (int j = 0; j < N; j++) {
        int lagged = 0;
        for (int i = 0; i < N; i++)
            for (int lag = 1; lag <= tau; lag++)
                lagged += g->type[svar_graph_at(g, i, j, lag)] != 0;
        assert_true(lagged <= k);
    }
    assert_int_equal(on.screened_lagged, (long)N * (N * tau - k));
    assert_true(on.screened_contemp > 0);
    assert_true(on.screened_contemp <= (long)N * (N - 1) / 2 - k);
    svar_graph_free(g);
    svar_graph_free(truth);
    svar_model_free(m);
    free(X);
}

/* The documented approximation: y_t = 0.8 x_t - v_{t-1} + e with x_t = v_{t-1} + 0.5 e' has no
 * marginal correlation with x_t (0.8 Var x = Cov(v_{t-1}, x_t)), but a strong one given the
 * lagged parent v_{t-1}. Unscreened PCMCI+ finds x - y (its MCI test conditions on v_{t-1});
 * screening judges the pair by its marginal correlation alone and drops it. */
static void cancel_row(double *x, const double *prev, const double *e)
{
    x[0] = e[0];
    x[1] = prev[0] + 0.5 * e[1];
    x[2] = 0.8 * x[1] - prev[0] + e[2];
}

static void test_screening_misses_a_parent_whose_marginal_correlation_cancels(void **state)
{
    (void)state;
    double *X = generate(cancel_row, 3, 5);
    double r = naive_corr(X, ROWS, 3, 1, 0, 2, 2);
    double p = parcorr_pvalue(r, ROWS - 2 - 2);
    print_message("marginal correlation of x and y: %.4f (p %.3f)\n", r, p);
    assert_true(p > PCMCI_SCREEN_ALPHA_DEFAULT);
    struct pcmci_stats off, on;
    struct svar_graph *g0 = discover_screened(X, ROWS, 3, 1, 0, 0, &off);
    struct svar_graph *g1 = discover_screened(X, ROWS, 3, 1, PCMCI_SCREEN_ALPHA_DEFAULT, 0, &on);
    assert_int_not_equal(contemp(g0, 1, 2), LINK_NONE);
    assert_int_equal(contemp(g1, 1, 2), LINK_NONE);
    assert_true(on.screened_contemp >= 1);
    /* its entry holds the marginal statistic and p-value, not a test's */
    assert_close(g1->val[svar_graph_at(g1, 1, 2, 0)], r, 1e-9);
    assert_close(g1->pval[svar_graph_at(g1, 1, 2, 0)], p, 1e-9);
    svar_graph_free(g0);
    svar_graph_free(g1);
    free(X);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lag_block_limit_is_an_error_not_an_allocation),
        cmocka_unit_test(test_too_few_rows_name_the_minimum_rows_rule),
        cmocka_unit_test(test_collider_is_oriented),
        cmocka_unit_test(test_chain_stays_unoriented_without_a_lagged_driver),
        cmocka_unit_test(test_chain_is_oriented_by_rule_r1_from_a_lagged_driver),
        cmocka_unit_test(test_fork_stays_unoriented),
        cmocka_unit_test(test_conflicting_colliders_give_x_x),
        cmocka_unit_test(test_recovers_simulated_graphs_with_f1_at_least_0_95),
        cmocka_unit_test(test_discovery_is_unchanged_at_level_1e9),
        cmocka_unit_test(test_fdr_drops_links_whose_q_value_exceeds_alpha),
        cmocka_unit_test(test_dense_graph_is_the_same_under_permuted_columns),
        cmocka_unit_test(test_lag_blocks_give_the_graph_of_the_full_matrix),
        cmocka_unit_test(test_collider_cap_is_optional_counted_and_keeps_the_strongest),
        cmocka_unit_test(
            test_screening_is_off_by_default_and_bit_identical_when_it_removes_nothing),
        cmocka_unit_test(test_screening_keeps_true_parents_and_runs_fewer_tests),
        cmocka_unit_test(test_screening_top_k_caps_the_lagged_candidates_of_each_target),
        cmocka_unit_test(test_screening_misses_a_parent_whose_marginal_correlation_cancels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
