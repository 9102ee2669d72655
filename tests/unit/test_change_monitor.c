/* The change monitor on small simulated streams: the changed child is flagged and not its
 * parent, with the coefficients before and after; a new lagged parent the monitor was not told
 * of is found and its child flagged; a parent's larger spread changes no link; a fault-free stream
 * with missing values and a cycle raises nothing; the new regime is adopted and stays quiet; a
 * refresh of the parents changes no verdict of a reference measured before it; bad parameters
 * are refused. */
#include "test_util.h"

#include "change_monitor.h"
#include "rng.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

enum { N = 4 };

static struct change_monitor *make(void)
{
    struct change_monitor_params p;
    change_monitor_params_default(&p);
    p.tau_max = 1;
    char err[256];
    struct change_monitor *m = change_monitor_new(&p, N, err, sizeof err);
    if (!m) fail_msg("%s", err);
    /* x0 -> x1 (lag 1), x1 -> x2 (lag 0); x3 alone */
    int p1[] = {1 * N + 0}, p2[] = {0 * N + 1};
    assert_int_equal(change_monitor_set_parents(m, 1, p1, 1), 0);
    assert_int_equal(change_monitor_set_parents(m, 2, p2, 1), 0);
    return m;
}

/* A regime of the system: b is x1's coefficient on x0(t-1), noise x1 scaled by s1, mean shift
 * of x1 by mu1, noise of x0 scaled by s0, coefficient of x3 on x0(t-1) (an edge the monitor was
 * not told of) e30. */
struct regime {
    double b, s1, mu1, s0, e30;
};
static const struct regime BASE = {0.8, 1.0, 0.0, 1.0, 0.0};

static void step(struct rng *r, double *prev, double *x, const struct regime *g)
{
    x[0] = 0.5 * prev[0] + g->s0 * rng_normal(r);
    x[1] = 0.3 * prev[1] + g->b * prev[0] + g->s1 * rng_normal(r) + g->mu1;
    x[2] = 0.4 * prev[2] + 0.6 * x[1] + rng_normal(r);
    x[3] = 0.6 * prev[3] + g->e30 * prev[0] + rng_normal(r);
}

struct run {
    int first_series;  /* first mechanism event after the change, -1 none */
    long first_row;    /* its row */
    int before_change; /* mechanism events before the change */
    int adopted, after_adoption;
    struct change_event first;
    int links, link_series, link_from; /* link events after the change; the first one's ends */
    enum change_link link;             /* and what it did to the structure */
    int events_of[N];                  /* mechanism events per series after the change */
};

static void simulate_regime(uint64_t seed, int rows, int at, const struct regime *after,
                            struct run *out)
{
    struct change_monitor *m = make();
    struct rng r;
    rng_seed(&r, seed);
    double prev[N] = {0}, x[N];
    struct change_event ev[16];
    memset(out, 0, sizeof *out);
    out->first_series = out->link_series = out->link_from = -1;
    for (int t = 0; t < rows; t++) {
        step(&r, prev, x, t >= at ? after : &BASE);
        memcpy(prev, x, sizeof x);
        int n = change_monitor_push(m, x, ev, 16);
        for (int e = 0; e < n && e < 16; e++) {
            if (ev[e].type == CHANGE_EVENT_ADOPTED) out->adopted++;
            if (ev[e].type == CHANGE_EVENT_LINK && t >= at && out->links++ == 0) {
                out->link_series = ev[e].series;
                out->link_from = ev[e].link_from;
                out->link = ev[e].link;
            }
            if (ev[e].type != CHANGE_EVENT_MECHANISM) continue;
            if (t >= at) out->events_of[ev[e].series]++;
            if (t < at)
                out->before_change++;
            else if (out->adopted)
                out->after_adoption++;
            else if (out->first_series < 0) {
                out->first_series = ev[e].series;
                out->first_row = t;
                out->first = ev[e];
            }
        }
    }
    change_monitor_free(m);
}

static void simulate(uint64_t seed, int rows, int at, double b_after, double s_after,
                     double mu_after, struct run *out)
{
    struct regime g = BASE;
    g.b = b_after;
    g.s1 = s_after;
    g.mu1 = mu_after;
    simulate_regime(seed, rows, at, &g, out);
}

static void test_monitor_flags_changed_child_not_parent(void **state)
{
    (void)state;
    for (uint64_t s = 1; s <= 3; s++) {
        struct run r;
        simulate(s, 2200, 1500, 0.0, 1.0, 0.0, &r); /* the link x0 -> x1 vanishes */
        print_message(
            "seed %d: first event series %d after %ld rows (kind %s), change row %ld, %d before\n",
            (int)s, r.first_series, r.first_row - 1500, change_kind_str(r.first.kind),
            r.first.change_row, r.before_change);
        assert_int_equal(r.before_change, 0);
        assert_int_equal(r.first_series, 1);
        assert_true(r.first_row - 1500 <= 150);
        /* parents of x1: its own lag, then x0 at lag 1 (coefficient 0.8 -> 0) */
        assert_int_equal(r.first.nparents, 2);
        assert_int_equal(r.first.parents[1], 1 * N + 0);
        assert_close(r.first.coef_before[2], 0.8, 0.15);
        assert_close(r.first.coef_after[2], 0.0, 0.3);
        assert_true(r.first.change_row >= 1500 - 30 && r.first.change_row <= 1500 + 90);
        assert_true(r.first.pval <= 1e-4 && r.first.qval >= r.first.pval);
    }
}

static void test_monitor_names_the_kind_of_noise_and_mean_changes(void **state)
{
    (void)state;
    struct run r;
    simulate(11, 2200, 1500, 0.8, 3.0, 0.0, &r);
    print_message("noise x3: series %d kind %s after %ld rows, noise %.2f -> %.2f\n",
                  r.first_series, change_kind_str(r.first.kind), r.first_row - 1500,
                  r.first.noise_before, r.first.noise_after);
    assert_int_equal(r.first_series, 1);
    assert_int_equal(r.first.kind, CHANGE_VARIANCE);
    assert_close(r.first.noise_after / r.first.noise_before, 3.0, 0.9);
    simulate(12, 2200, 1500, 0.8, 1.0, 2.0, &r);
    print_message("mean +2: series %d kind %s after %ld rows, noise %.2f -> %.2f, intercept "
                  "%.2f -> %.2f, change row %ld\n",
                  r.first_series, change_kind_str(r.first.kind), r.first_row - 1500,
                  r.first.noise_before, r.first.noise_after, r.first.coef_before[0],
                  r.first.coef_after[0], r.first.change_row);
    assert_int_equal(r.first_series, 1);
    assert_int_equal(r.first.kind, CHANGE_MEAN);
}

static void test_monitor_adopts_the_new_regime_and_stays_quiet(void **state)
{
    (void)state;
    struct run r;
    simulate(21, 4000, 1500, 0.8, 1.0, 2.0, &r);
    assert_int_equal(r.first_series, 1);
    assert_int_equal(r.adopted, 1);
    assert_int_equal(r.after_adoption, 0);
}

static void test_monitor_fault_free_stream_with_gaps_and_a_cycle_raises_nothing(void **state)
{
    (void)state;
    struct change_monitor *m = make();
    struct rng r;
    rng_seed(&r, 99);
    double prev[N] = {0}, x[N], y[N];
    struct change_event ev[16];
    int events = 0, period0 = 0;
    for (int t = 0; t < 10000; t++) {
        step(&r, prev, x, &BASE);
        memcpy(prev, x, sizeof x);
        for (int j = 0; j < N; j++) {
            y[j] = x[j] + (j == 3 ? 3.0 * sin(2 * M_PI * t / 50.0) : 0.0);
            if (rng_uniform(&r) < 0.05) y[j] = NAN;
        }
        events += change_monitor_push(m, y, ev, 16);
        if (t == 9999) period0 = change_monitor_period(m, 3);
    }
    print_message("%d events in 10000 rows; period of x3: %d\n", events, period0);
    assert_int_equal(events, 0);
    assert_int_equal(period0, 50);
    assert_int_equal(change_monitor_changed(m), 0);
    assert_int_equal(change_monitor_rows(m), 10000);
    change_monitor_free(m);
}

/* x0(t-1) -> x3 appears; the monitor knows only x3's own lag: the new-parent scan flags x3 (the
 * child, not x0) and names the new link, as one that appeared. */
static void test_monitor_finds_a_new_lagged_parent_and_flags_the_child(void **state)
{
    (void)state;
    for (uint64_t s = 1; s <= 3; s++) {
        struct regime g = BASE;
        g.e30 = 0.8;
        struct run r;
        simulate_regime(30 + s, 2200, 1500, &g, &r);
        print_message("seed %d: first event series %d after %ld rows (kind %s); first link %d -> "
                      "%d, %d before\n",
                      (int)s, r.first_series, r.first_row - 1500, change_kind_str(r.first.kind),
                      r.link_from, r.link_series, r.before_change);
        assert_int_equal(r.before_change, 0);
        assert_int_equal(r.first_series, 3);
        assert_true(r.first_row - 1500 <= 150);
        assert_int_equal(r.first.kind, CHANGE_COEF);
        assert_int_equal(r.link_series, 3);
        assert_int_equal(r.link_from, 1 * N + 0);
        assert_int_equal(r.link, CHANGE_LINK_APPEARED);
        assert_int_equal(r.events_of[0], 0);
    }
}

/* x0's noise triples: x0's mechanism changed (its noise), x1's did not (x1 given x0(t-1) is as
 * before, only its parent spreads more), so x1 and x2 raise nothing and no link changes. */
static void test_monitor_parent_spread_alone_changes_no_link(void **state)
{
    (void)state;
    for (uint64_t s = 1; s <= 3; s++) {
        struct regime g = BASE;
        g.s0 = 3.0;
        struct run r;
        simulate_regime(40 + s, 2200, 1500, &g, &r);
        print_message("seed %d: first event series %d (kind %s); events x1 %d x2 %d; links %d\n",
                      (int)s, r.first_series, change_kind_str(r.first.kind), r.events_of[1],
                      r.events_of[2], r.links);
        assert_int_equal(r.before_change, 0);
        assert_int_equal(r.first_series, 0);
        assert_int_equal(r.first.kind, CHANGE_VARIANCE);
        assert_int_equal(r.events_of[1], 0);
        assert_int_equal(r.events_of[2], 0);
        assert_int_equal(r.links, 0);
    }
}

/* A refresh of the learned graph that arrives while a series shows evidence of a change (here:
 * x1 loses its parent x0) changes nothing until the new regime is adopted: the monitor that got
 * it raises the same events at the same rows as the one that did not, measured with the parents
 * of the reference; after the adoption it tests with the new parents. */
static void test_monitor_keeps_the_parents_of_its_reference_until_adoption(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 2; seed++) {
        struct change_monitor *a = make(), *b = make();
        struct rng r;
        rng_seed(&r, seed);
        struct regime g = BASE;
        g.b = 0.0;
        double prev[N] = {0}, x[N];
        struct change_event ea[16], eb[16];
        int at = 1500, given = -1, adopted = 0, mech = 0;
        for (int t = 0; t < 2600 && !adopted; t++) {
            step(&r, prev, x, t >= at ? &g : &BASE);
            memcpy(prev, x, sizeof x);
            int na = change_monitor_push(a, x, ea, 16), nb = change_monitor_push(b, x, eb, 16);
            assert_int_equal(na, nb);
            for (int e = 0; e < na && e < 16; e++) {
                assert_int_equal(ea[e].type, eb[e].type);
                assert_int_equal(ea[e].series, eb[e].series);
                assert_int_equal(ea[e].change_row, eb[e].change_row);
                assert_true(ea[e].pval == eb[e].pval);
                assert_int_equal(ea[e].nparents, eb[e].nparents);
                assert_true(ea[e].coef_after[2] == eb[e].coef_after[2]);
                mech += ea[e].type == CHANGE_EVENT_MECHANISM && ea[e].series == 1;
                adopted |= ea[e].type == CHANGE_EVENT_ADOPTED && ea[e].series == 1;
            }
            if (given < 0 && t >= at && change_monitor_evidence(b, 1) > 0) {
                /* the refresh: x1 has no parent but its own lag */
                assert_int_equal(change_monitor_set_parents(b, 1, NULL, 0), 0);
                given = t;
            }
        }
        int pa[8], pb[8];
        int npa = change_monitor_parents(a, 1, pa, 8), npb = change_monitor_parents(b, 1, pb, 8);
        print_message("seed %d: refresh at row %d with evidence; %d mechanism event(s), adopted "
                      "%d; parents after: %d and %d\n",
                      (int)seed, given, mech, adopted, npa, npb);
        assert_true(given >= at);
        assert_int_equal(mech, 1);
        assert_int_equal(adopted, 1);
        /* adopted: the next round freezes the new reference with the new parents */
        for (int t = 0; t < 10; t++) {
            step(&r, prev, x, &g);
            memcpy(prev, x, sizeof x);
            change_monitor_push(a, x, ea, 16);
            change_monitor_push(b, x, eb, 16);
        }
        npa = change_monitor_parents(a, 1, pa, 8);
        npb = change_monitor_parents(b, 1, pb, 8);
        assert_int_equal(npa, 2);
        assert_int_equal(pa[1], 1 * N + 0);
        assert_int_equal(npb, 1);
        assert_int_equal(pb[0], 1 * N + 1);
        change_monitor_free(a);
        change_monitor_free(b);
    }
}

static void test_monitor_refuses_bad_parameters_and_parents(void **state)
{
    (void)state;
    struct change_monitor_params p;
    change_monitor_params_default(&p);
    p.recent = 5;
    char err[256] = "";
    assert_null(change_monitor_new(&p, 3, err, sizeof err));
    assert_non_null(strstr(err, "recent"));
    struct change_monitor *m = make();
    int self[] = {0 * N + 1}, far[] = {5 * N + 0};
    assert_int_equal(change_monitor_set_parents(m, 1, self, 1), -1); /* x1(t) -> x1(t) */
    assert_int_equal(change_monitor_set_parents(m, 1, far, 1), -1);  /* lag beyond tau_max */
    assert_int_equal(change_monitor_set_parents(m, N, far, 0), -1);  /* no such series */
    /* the CUSUM threshold grows with the series tested (Bonferroni over them) */
    double h4 = change_monitor_threshold(m, 4), h20 = change_monitor_threshold(m, 20);
    print_message("CUSUM threshold: %.2f for 4 series, %.2f for 20\n", h4, h20);
    assert_true(h4 > 0 && h20 > h4);
    change_monitor_free(m);
    change_monitor_params_default(&p);
    p.false_alarms = 0;
    assert_null(change_monitor_new(&p, 3, err, sizeof err));
    assert_non_null(strstr(err, "false_alarms"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monitor_flags_changed_child_not_parent),
        cmocka_unit_test(test_monitor_names_the_kind_of_noise_and_mean_changes),
        cmocka_unit_test(test_monitor_adopts_the_new_regime_and_stays_quiet),
        cmocka_unit_test(test_monitor_fault_free_stream_with_gaps_and_a_cycle_raises_nothing),
        cmocka_unit_test(test_monitor_finds_a_new_lagged_parent_and_flags_the_child),
        cmocka_unit_test(test_monitor_parent_spread_alone_changes_no_link),
        cmocka_unit_test(test_monitor_keeps_the_parents_of_its_reference_until_adoption),
        cmocka_unit_test(test_monitor_refuses_bad_parameters_and_parents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
