/* Random walk with restart: rows are stochastic, the power iteration matches the closed form
 * c (I - (1 - c) P^T)^-1 e_s solved by LAPACK, and on a chain the walk from the symptom ends at
 * the root cause; undirected links count both ways. */
#include "test_util.h"

#include "rwr.h"

#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

static void test_rows_are_stochastic_with_circa_weights(void **state)
{
    (void)state;
    /* a -> b -> s; weights 1, 1, 1 */
    unsigned char parent[9] = {0};
    parent[1 * 3 + 0] = 1; /* a causes b */
    parent[2 * 3 + 1] = 1; /* b causes s */
    double w[3] = {1, 1, 1}, P[9];
    rwr_transitions(parent, w, 3, 0.5, P);
    for (int u = 0; u < 3; u++) assert_close(P[u * 3] + P[u * 3 + 1] + P[u * 3 + 2], 1, 1e-15);
    assert_close(P[2 * 3 + 1], 1, 1e-15);       /* s -> its cause b */
    assert_close(P[1 * 3 + 0], 2.0 / 3, 1e-15); /* b -> a (1) vs back to s (0.5) */
    assert_close(P[1 * 3 + 2], 1.0 / 3, 1e-15);
    assert_close(P[0 * 3 + 0], 0.5, 1e-15); /* the root stays: 1 - 0.5 */
    /* no weight at all: a uniform row */
    double zero[3] = {0, 0, NAN};
    rwr_transitions(parent, zero, 3, 0.5, P);
    assert_close(P[0], 1.0 / 3, 1e-15);
}

static void test_power_iteration_matches_the_closed_form(void **state)
{
    (void)state;
    enum { N = 7 };
    unsigned char parent[N * N] = {0};
    double w[N];
    srand(3);
    for (int u = 0; u < N; u++) {
        w[u] = (double)rand() / RAND_MAX;
        for (int v = 0; v < N; v++)
            if (u != v && rand() % 3 == 0) parent[u * N + v] = 1;
    }
    struct rwr_params p;
    rwr_params_default(&p);
    double pi[N], P[N * N], A[N * N], b[N];
    int it = rwr_scores(parent, w, N, 2, &p, pi);
    assert_true(it > 0 && it < p.max_iter);
    rwr_transitions(parent, w, N, p.rho, P);
    for (int r = 0; r < N; r++) { /* A = I - (1 - c) P^T, row-major */
        for (int c = 0; c < N; c++) A[r * N + c] = (r == c) - (1 - p.restart) * P[c * N + r];
        b[r] = r == 2 ? p.restart : 0;
    }
    lapack_int ipiv[N];
    assert_int_equal(LAPACKE_dgesv(LAPACK_ROW_MAJOR, N, 1, A, N, ipiv, b, 1), 0);
    double sum = 0;
    for (int v = 0; v < N; v++) {
        assert_close(pi[v], b[v], 1e-10);
        sum += pi[v];
    }
    assert_close(sum, 1, 1e-10);
    assert_int_equal(rwr_scores(parent, w, N, N, &p, pi), -1);
}

static void test_walk_from_the_symptom_ends_at_the_root_cause(void **state)
{
    (void)state;
    /* root -> mid -> kpi, plus an unrelated node; the weights are anomaly relevance, highest at
     * the root (with equal weights the restart mass near the symptom would favour mid) */
    unsigned char parent[16] = {0};
    parent[1 * 4 + 0] = 1;
    parent[2 * 4 + 1] = 1;
    double w[4] = {1, 0.6, 0.6, 1}, pi[4];
    struct rwr_params p;
    rwr_params_default(&p);
    rwr_scores(parent, w, 4, 2, &p, pi);
    assert_true(pi[0] > pi[1]);
    assert_close(pi[3], 0, 1e-15); /* unreachable */
    /* an undirected (o-o) link root - mid: still reachable from the symptom */
    parent[0 * 4 + 1] = 1;
    rwr_scores(parent, w, 4, 2, &p, pi);
    assert_true(pi[0] > 0.1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_are_stochastic_with_circa_weights),
        cmocka_unit_test(test_power_iteration_matches_the_closed_form),
        cmocka_unit_test(test_walk_from_the_symptom_ends_at_the_root_cause),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
