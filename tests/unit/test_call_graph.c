/* The known call graph (call_graph.h, rca.h step 7): callee-first order worked out by hand on
 * small service maps, and the ranking of one incident with and without the map. */
#include "call_graph.h"
#include "rca.h"
#include "rng.h"
#include "test_util.h"

#include <math.h>
#include <stdlib.h>

enum { FRONT, API, DB, BATCH };

/* the default rules with the given share */
#define P(x) (&(struct call_graph_params){.share = (x), .front_leaf = 1, .common_callees = 2})

static void test_the_deepest_anomalous_callee_on_the_kpis_path_comes_first(void **state)
{
    (void)state;
    /* front -> api -> db, all within 0.8 of the best: db explains api, api explains front */
    const int calls[] = {FRONT, API, API, DB};
    double s[] = {1.0, 0.95, 0.85};
    int order[3], expl[3];
    assert_int_equal(call_graph_order(s, 3, calls, 2, FRONT, P(0.8), order, expl), 1);
    assert_int_equal(order[0], DB);
    assert_int_equal(order[1], FRONT);
    assert_int_equal(order[2], API);
    assert_int_equal(expl[FRONT], API);
    assert_int_equal(expl[API], DB);
    assert_int_equal(expl[DB], -1);

    /* db below 0.8 of the best is not anomalous: api is the deepest anomalous callee */
    s[DB] = 0.5;
    assert_int_equal(call_graph_order(s, 3, calls, 2, FRONT, P(0.8), order, expl), 1);
    assert_int_equal(order[0], API);
    assert_int_equal(order[1], FRONT);
    assert_int_equal(order[2], DB);
    assert_int_equal(expl[API], -1);
}

static void test_an_anomalous_component_off_the_path_comes_after_those_on_it(void **state)
{
    (void)state;
    /* batch is the most anomalous but nothing the KPI's component calls reaches it */
    const int calls[] = {FRONT, API, API, DB};
    const double s[] = {1.0, 0.95, 0.85, 1.2};
    int order[4];
    assert_int_equal(call_graph_order(s, 4, calls, 2, FRONT, P(0.8), order, NULL), 2);
    /* anomalous from 0.96: only batch and front; front calls api, which is not anomalous */
    assert_int_equal(order[0], FRONT);
    assert_int_equal(order[1], BATCH);
    assert_int_equal(call_graph_order(s, 4, calls, 2, FRONT, P(0.7), order, NULL), 2);
    assert_int_equal(order[0], DB);    /* reached: front -> api -> db */
    assert_int_equal(order[1], BATCH); /* not reached */
    assert_int_equal(order[2], FRONT);
    assert_int_equal(order[3], API);
    /* without a start, every unexplained anomalous component is of the second class */
    assert_int_equal(call_graph_order(s, 4, calls, 2, -1, P(0.7), order, NULL), 2);
    assert_int_equal(order[0], BATCH);
    assert_int_equal(order[1], DB);
}

static void test_cycles_self_calls_bad_edges_and_bad_scores(void **state)
{
    (void)state;
    /* api <-> db would explain each other: the circle is cut at its best member, db, which
     * is the one candidate root; the others follow by score */
    const int cyc[] = {FRONT, API, API, DB, DB, API, DB, DB, 7, FRONT, -1, API};
    double s[] = {1.0, 0.9, 0.95};
    int order[3], expl[3];
    assert_int_equal(call_graph_order(s, 3, cyc, 6, FRONT, P(0.8), order, expl), 1);
    assert_int_equal(order[0], DB);
    assert_int_equal(order[1], FRONT);
    assert_int_equal(order[2], API);
    assert_int_equal(expl[DB], -1);
    assert_int_equal(expl[API], DB);
    assert_int_equal(expl[FRONT], API);
    /* NaN and negative scores count as 0; nothing positive: no candidate */
    const double z[] = {NAN, -1, 0};
    assert_int_equal(call_graph_order(z, 3, cyc, 2, FRONT, P(0.8), order, NULL), 0);
    /* a component without series (NaN) stays after those that score 0 */
    const double w[] = {NAN, 0, 1};
    assert_int_equal(call_graph_order(w, 3, NULL, 0, -1, P(0.8), order, NULL), 1);
    assert_int_equal(order[0], 2);
    assert_int_equal(order[1], 1);
    assert_int_equal(order[2], 0);
    assert_int_equal(call_graph_order(s, 0, cyc, 2, FRONT, P(0.8), order, NULL), -1);
    assert_int_equal(call_graph_order(s, 3, cyc, 2, FRONT, P(0), order, NULL), -1);
    assert_int_equal(call_graph_order(s, 3, cyc, 2, FRONT, P(1.5), order, NULL), -1);
}

/* A load balancer that only its caller's client spans show (a leaf with one caller) and the
 * service behind it, which the map shows as another callee of the same caller: the caller's
 * view of the balancer is the more anomalous, the service is the root. */
static void test_a_single_caller_leaf_is_explained_by_the_instrumented_sibling(void **state)
{
    (void)state;
    enum { F, SVC, LB, STORE, OTHER, NC };
    const int calls[] = {F, SVC, F, LB, SVC, STORE};
    double s[NC] = {0.95, 0.9, 1.0, 0.1, 0.1};
    int order[NC], expl[NC];
    assert_int_equal(call_graph_order(s, NC, calls, 3, F, P(0.8), order, expl), 1);
    assert_int_equal(order[0], SVC);
    assert_int_equal(expl[LB], SVC);
    assert_int_equal(expl[F], LB); /* the best anomalous callee, itself explained */
    assert_int_equal(expl[SVC], -1);
    /* without the rule the balancer and the service are two unexplained anomalous callees
     * of one caller, which the common-cause rule then blames */
    struct call_graph_params off = *P(0.8);
    off.front_leaf = 0;
    assert_int_equal(call_graph_order(s, NC, calls, 3, F, &off, order, expl), 1);
    assert_int_equal(order[0], F);
    /* and without both the balancer comes first */
    off.common_callees = 0;
    assert_int_equal(call_graph_order(s, NC, calls, 3, F, &off, order, expl), 2);
    assert_int_equal(order[0], LB);
    assert_int_equal(order[1], SVC);
    /* an anomalous store behind the service explains the service, and so the balancer too */
    s[STORE] = 0.85;
    assert_int_equal(call_graph_order(s, NC, calls, 3, F, P(0.8), order, expl), 1);
    assert_int_equal(order[0], STORE);
    assert_int_equal(expl[SVC], STORE);
    assert_int_equal(expl[LB], SVC);
    /* a leaf with two callers is a service of its own, not a front (common causes left out,
     * which would blame the caller of both) */
    s[STORE] = 0.1;
    const int two[] = {F, SVC, F, LB, SVC, STORE, OTHER, LB};
    struct call_graph_params fronts = *P(0.8);
    fronts.common_callees = 0;
    assert_int_equal(call_graph_order(s, NC, two, 4, F, &fronts, order, expl), 2);
    assert_int_equal(order[0], LB);
    assert_int_equal(expl[LB], -1);
    /* nor is a leaf whose sibling calls it: that sibling is explained by the leaf */
    const int via[] = {F, SVC, F, LB, SVC, LB};
    assert_int_equal(call_graph_order(s, NC, via, 3, F, P(0.8), order, expl), 1);
    assert_int_equal(order[0], LB);
    assert_int_equal(expl[SVC], LB);
}

/* A saturated caller slows every call it makes as it measures them: two of its callees are
 * anomalous, with no anomalous callee of their own. The caller is their common cause. */
static void test_a_caller_with_two_unexplained_anomalous_callees_is_their_common_cause(void **state)
{
    (void)state;
    enum { F, A, B, C, NC };
    const int calls[] = {F, A, F, B, F, C};
    const double s[NC] = {0.9, 1.0, 0.95, 0.2};
    int order[NC], expl[NC];
    assert_int_equal(call_graph_order(s, NC, calls, 3, F, P(0.8), order, expl), 1);
    assert_int_equal(order[0], F);
    assert_int_equal(expl[F], -1);
    assert_int_equal(expl[A], F);
    assert_int_equal(expl[B], F);
    assert_int_equal(expl[C], -1); /* not anomalous */
    /* one anomalous callee still explains its caller */
    const double one[NC] = {0.9, 1.0, 0.5, 0.2};
    assert_int_equal(call_graph_order(one, NC, calls, 3, F, P(0.8), order, expl), 1);
    assert_int_equal(order[0], A);
    assert_int_equal(expl[F], A);
    /* with the rule off, or asking for three callees, the best callee comes first */
    struct call_graph_params q = *P(0.8);
    q.common_callees = 0;
    assert_int_equal(call_graph_order(s, NC, calls, 3, F, &q, order, expl), 2);
    assert_int_equal(order[0], A);
    assert_int_equal(expl[F], A);
    q.common_callees = 3;
    assert_int_equal(call_graph_order(s, NC, calls, 3, F, &q, order, expl), 2);
    assert_int_equal(order[0], A);
    q.common_callees = -1;
    assert_int_equal(call_graph_order(s, NC, calls, 3, F, &q, order, expl), -1);
}

/* A front whose sibling is explained, through a cycle of calls, by the front itself is left
 * unexplained: explanations never go round in a circle. */
static void test_a_front_is_not_explained_through_itself(void **state)
{
    (void)state;
    enum { C, L1, A, L2, B, NC };
    const int calls[] = {C, L1, C, A, A, L2, A, B, B, C};
    const double s[NC] = {0.9, 1.0, 0.9, 0.95, 0.85};
    int order[NC], expl[NC];
    assert_int_equal(call_graph_order(s, NC, calls, 5, C, P(0.8), order, expl), 1);
    assert_int_equal(order[0], L2);
    assert_int_equal(expl[L1], A);  /* a front of the instrumented sibling */
    assert_int_equal(expl[L2], -1); /* its sibling B is explained through it */
    for (int c = 0; c < NC; c++) {  /* every chain ends at the root within NC steps */
        int d = c, h = 0;
        while (expl[d] >= 0 && h++ < NC) d = expl[d];
        assert_int_equal(d, L2);
    }
}

/* A call listed twice is one callee: it does not make its caller a common cause. Two callers
 * that qualify as the common cause of the same callees: the better-scoring one explains them,
 * whatever their order. */
static void test_common_causes_count_distinct_callees_and_the_best_caller_wins(void **state)
{
    (void)state;
    enum { F, A, NC1 };
    const int twice[] = {F, A, F, A};
    const double s1[NC1] = {0.9, 1.0};
    int order[4], expl[4];
    assert_int_equal(call_graph_order(s1, NC1, twice, 2, F, P(0.8), order, expl), 1);
    assert_int_equal(order[0], A);
    assert_int_equal(expl[F], A);
    enum { C2, C1, Y, Z, NC };
    const int calls[] = {C2, Y, C2, Z, C1, Y, C1, Z};
    const double s[NC] = {0.95, 0.85, 1.0, 0.9};
    assert_int_equal(call_graph_order(s, NC, calls, 4, -1, P(0.8), order, expl), 2);
    assert_int_equal(expl[Y], C2);
    assert_int_equal(expl[Z], C2);
    assert_int_equal(expl[C1], -1);
    assert_int_equal(order[0], C2);
    assert_int_equal(order[1], C1);
}

/* An incident where the database slows down and its caller's latency rises more than its own:
 * the caller ranks first on the evidence alone, the database with the service map. */
static void test_the_ranking_puts_the_callee_first_with_the_service_map(void **state)
{
    (void)state;
    enum { REF = 60, INC = 10, ROWS = REF + INC, N = 3 };
    double X[ROWS * N];
    struct rng r;
    rng_seed(&r, 11);
    for (int t = 0; t < ROWS; t++) {
        double db = 10 + rng_normal(&r) + (t >= REF ? 8 : 0);
        X[t * N + DB] = db;
        X[t * N + API] = 20 + rng_normal(&r) + (t >= REF ? 20 : 0);
        X[t * N + FRONT] = 30 + rng_normal(&r) + (t >= REF ? 20 : 0);
    }
    int comp[N] = {FRONT, API, DB};
    signed char dir[N] = {MDIR_UP, MDIR_UP, MDIR_UP},
                kind[N] = {MKIND_LATENCY, MKIND_LATENCY, MKIND_LATENCY};
    struct rca_prior pr = {.component = comp, .ncomponents = 3, .dir = dir, .kind = kind};
    struct rca_params p;
    rca_params_default(&p);
    struct rca_result res;
    char err[256];
    assert_int_equal(rca_run(X, ROWS, N, REF, FRONT, &p, &pr, &res, err, sizeof err), 0);
    assert_int_equal(res.components[0].component, API);
    assert_int_equal(res.components[0].explained_by, -1);
    rca_result_free(&res);

    const int calls[] = {FRONT, API, API, DB};
    pr.calls = calls;
    pr.ncalls = 2;
    p.calls.share = 0.3;
    assert_int_equal(rca_run(X, ROWS, N, REF, FRONT, &p, &pr, &res, err, sizeof err), 0);
    assert_int_equal(res.components[0].component, DB);
    for (int a = 0; a < res.ncomponents; a++)
        if (res.components[a].component == API)
            assert_int_equal(res.components[a].explained_by, DB);
    /* the graph-free component ranking does not use the map */
    assert_int_equal(res.baseline_components[0].component, API);
    rca_result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_deepest_anomalous_callee_on_the_kpis_path_comes_first),
        cmocka_unit_test(test_an_anomalous_component_off_the_path_comes_after_those_on_it),
        cmocka_unit_test(test_cycles_self_calls_bad_edges_and_bad_scores),
        cmocka_unit_test(test_a_single_caller_leaf_is_explained_by_the_instrumented_sibling),
        cmocka_unit_test(
            test_a_caller_with_two_unexplained_anomalous_callees_is_their_common_cause),
        cmocka_unit_test(test_a_front_is_not_explained_through_itself),
        cmocka_unit_test(test_common_causes_count_distinct_callees_and_the_best_caller_wins),
        cmocka_unit_test(test_the_ranking_puts_the_callee_first_with_the_service_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
