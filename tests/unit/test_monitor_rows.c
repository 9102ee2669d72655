/* The change monitor's per-row CUSUMs (monitor_rows.c): a moderate change of a learned link's
 * coefficient is flagged on the child, sooner than by the rounds alone, with the change point
 * near the true one; a fault-free stream raises nothing; the threshold is the Wald bound of the
 * false-alarm rate asked for; bad parameters are refused. */
#include "test_util.h"

#include "change_monitor.h"
#include "change_monitor_impl.h"
#include "rng.h"

#include <math.h>
#include <string.h>

enum { N = 4, AT = 1500, ROWS = 2100 };

static struct change_monitor *make(double row_effect)
{
    struct change_monitor_params p;
    change_monitor_params_default(&p);
    p.tau_max = 1;
    p.row_effect = row_effect;
    char err[256];
    struct change_monitor *m = change_monitor_new(&p, N, err, sizeof err);
    if (!m) fail_msg("%s", err);
    /* x0 -> x1 (lag 1), x1 -> x2 (lag 0), x3 alone */
    int p1[] = {1 * N + 0}, p2[] = {0 * N + 1};
    assert_int_equal(change_monitor_set_parents(m, 1, p1, 1), 0);
    assert_int_equal(change_monitor_set_parents(m, 2, p2, 1), 0);
    return m;
}

struct outcome {
    int before;  /* mechanism events before the change */
    int series;  /* first mechanism event after it (-1: none) */
    long delay;  /* its rows after the change */
    long change; /* its estimated change row */
};

/* x1's coefficient on x0(t-1) goes from 0.8 to b_after at row AT. */
static void run(uint64_t seed, double row_effect, double b_after, struct outcome *o)
{
    struct change_monitor *m = make(row_effect);
    struct rng r;
    rng_seed(&r, seed);
    double prev[N] = {0}, x[N];
    struct change_event ev[16];
    memset(o, 0, sizeof *o);
    o->series = -1;
    for (int t = 0; t < ROWS && o->series < 0; t++) {
        double b = t >= AT ? b_after : 0.8;
        x[0] = 0.5 * prev[0] + rng_normal(&r);
        x[1] = 0.3 * prev[1] + b * prev[0] + rng_normal(&r);
        x[2] = 0.4 * prev[2] + 0.6 * x[1] + rng_normal(&r);
        x[3] = 0.6 * prev[3] + rng_normal(&r);
        memcpy(prev, x, sizeof x);
        int n = change_monitor_push(m, x, ev, 16);
        for (int e = 0; e < n && e < 16; e++) {
            if (ev[e].type != CHANGE_EVENT_MECHANISM) continue;
            if (t < AT)
                o->before++;
            else if (o->series < 0) {
                o->series = ev[e].series;
                o->delay = t - AT;
                o->change = ev[e].change_row;
            }
        }
    }
    change_monitor_free(m);
}

static void test_row_cusum_flags_a_moderate_coefficient_change_on_the_child_sooner(void **state)
{
    (void)state;
    /* 0.8 -> 0.35: an effect of 0.45 x sd(x0) = 0.52 noise sds on x1 */
    long sum_rows = 0, sum_rounds = 0;
    int within_rows = 0, within_rounds = 0;
    for (uint64_t s = 1; s <= 6; s++) {
        struct outcome a, b;
        run(100 + s, 0.5, 0.35, &a);
        run(100 + s, 0.0, 0.35, &b);
        print_message("seed %d: per-row series %d after %ld rows (change row %ld); rounds only "
                      "series %d after %ld rows\n",
                      (int)s, a.series, a.delay, a.change, b.series, b.delay);
        assert_int_equal(a.before, 0);
        assert_int_equal(a.series, 1);
        assert_true(a.change >= AT - 40 && a.change <= AT + 60);
        sum_rows += a.delay;
        within_rows += a.delay <= 120;
        sum_rounds += b.series == 1 ? b.delay : ROWS - AT;
        within_rounds += b.series == 1 && b.delay <= 120;
    }
    print_message("mean delay: per-row %.0f rows, rounds only %.0f; within 120 rows: %d vs %d\n",
                  sum_rows / 6.0, sum_rounds / 6.0, within_rows, within_rounds);
    assert_true(sum_rows < sum_rounds);
    assert_true(within_rows > within_rounds);
}

static void test_row_cusum_fault_free_stream_raises_nothing(void **state)
{
    (void)state;
    for (uint64_t s = 1; s <= 2; s++) {
        struct outcome o;
        run(200 + s, 0.5, 0.8, &o); /* no change at all */
        assert_int_equal(o.before, 0);
        assert_int_equal(o.series, -1);
    }
}

static void test_row_cusum_threshold_is_the_wald_bound_of_the_rate(void **state)
{
    (void)state;
    struct change_monitor_params p;
    change_monitor_params_default(&p);
    p.row_false_alarms = 0.5;
    char err[256];
    struct change_monitor *m = change_monitor_new(&p, 20, err, sizeof err);
    assert_non_null(m);
    /* 20 series with 10 CUSUMs each, 0.5 alarms per 10,000 rows: each CUSUM's run length
     * e^h must be 20 x 10 x 10,000 / 0.5 rows */
    assert_close(cm_rows_threshold(m, 10, 20), log(20.0 * 10 * 1e4 / 0.5), 1e-12);
    assert_true(cm_rows_threshold(m, 20, 20) > cm_rows_threshold(m, 10, 20));
    change_monitor_free(m);
}

static void test_row_cusum_refuses_bad_parameters(void **state)
{
    (void)state;
    struct change_monitor_params p;
    char err[1024];
    change_monitor_params_default(&p);
    p.row_effect = -0.1;
    assert_null(change_monitor_new(&p, 4, err, sizeof err));
    assert_non_null(strstr(err, "row_effect"));
    change_monitor_params_default(&p);
    p.row_false_alarms = 0;
    assert_null(change_monitor_new(&p, 4, err, sizeof err));
    assert_non_null(strstr(err, "row_false_alarms"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_cusum_flags_a_moderate_coefficient_change_on_the_child_sooner),
        cmocka_unit_test(test_row_cusum_fault_free_stream_raises_nothing),
        cmocka_unit_test(test_row_cusum_threshold_is_the_wald_bound_of_the_rate),
        cmocka_unit_test(test_row_cusum_refuses_bad_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
