/* The KPI change-point detector: a step fires after `persist` buckets and freezes the reference,
 * ranking is due `settle` buckets after the change, short spikes are ignored, recovery resolves,
 * and noise alone stays quiet. */
#include "test_util.h"

#include "detector.h"
#include "rng.h"

#include <stdlib.h>

static struct detector *make(void)
{
    struct detector_params p;
    detector_params_default(&p);
    p.reference = 100;
    struct detector *d = detector_new(&p, 1);
    assert_non_null(d);
    return d;
}

static void test_a_step_fires_after_persist_buckets_and_ranks_after_settle(void **state)
{
    (void)state;
    struct detector *d = make();
    struct rng r;
    rng_seed(&r, 1);
    int change_at = -1, ready_at = -1;
    for (int t = 0; t < 300; t++) {
        double v = 50 + rng_normal(&r) + (t >= 200 ? 20 : 0);
        enum detector_event e = detector_push(d, t, &v);
        if (e == DETECTOR_CHANGE) change_at = t;
        if (e == DETECTOR_READY) ready_at = t;
    }
    assert_int_equal(change_at, 202); /* persist 3: buckets 200, 201, 202 */
    assert_int_equal(ready_at, 200 + 20 - 1);
    int64_t when;
    int since, kpi;
    double z;
    assert_int_equal(detector_incident(d, &when, &since, &kpi, &z), 0);
    assert_true(when == 200);
    assert_int_equal(since, 100);
    assert_int_equal(kpi, 0);
    assert_true(z > 5); /* the reference stayed frozen at the old level */
    detector_free(d);
}

static void test_a_short_spike_is_ignored_and_recovery_resolves(void **state)
{
    (void)state;
    struct detector *d = make();
    struct rng r;
    rng_seed(&r, 2);
    int changes = 0, resolved_at = -1;
    for (int t = 0; t < 400; t++) {
        double v = 50 + rng_normal(&r);
        if (t == 150 || t == 151) v += 30; /* two buckets: shorter than persist */
        if (t >= 250 && t < 300) v += 30;  /* an incident of 50 buckets */
        enum detector_event e = detector_push(d, t, &v);
        changes += e == DETECTOR_CHANGE;
        if (e == DETECTOR_RESOLVED) resolved_at = t;
    }
    assert_int_equal(changes, 1);
    assert_int_equal(resolved_at, 300 + 10 - 1); /* 10 calm buckets */
    int64_t when;
    int since, kpi;
    double z;
    assert_int_equal(detector_incident(d, &when, &since, &kpi, &z), -1);
    detector_free(d);
}

static void test_noise_and_missing_values_stay_quiet(void **state)
{
    (void)state;
    struct detector *d = make();
    struct rng r;
    rng_seed(&r, 3);
    int changes = 0;
    for (int t = 0; t < 20000; t++) {
        double v = t % 97 == 0 ? NAN : 50 + rng_normal(&r);
        changes += detector_push(d, t, &v) == DETECTOR_CHANGE;
    }
    assert_int_equal(changes, 0);
    detector_free(d);
}

static void test_a_seeded_reference_detects_without_a_new_warm_up(void **state)
{
    (void)state;
    struct detector *d = make();
    struct rng r;
    rng_seed(&r, 4);
    for (int t = 0; t < 100; t++) {
        double v = 50 + rng_normal(&r);
        detector_seed(d, &v);
    }
    int change_at = -1;
    for (int t = 0; t < 10; t++) {
        double v = 80 + rng_normal(&r); /* the very first evaluated buckets are a step */
        if (detector_push(d, t, &v) == DETECTOR_CHANGE) change_at = t;
    }
    assert_int_equal(change_at, 2);
    detector_free(d);
}

static void test_invalid_parameters_are_refused(void **state)
{
    (void)state;
    struct detector_params p;
    detector_params_default(&p);
    p.reference = 5;
    assert_null(detector_new(&p, 1));
    detector_params_default(&p);
    assert_null(detector_new(&p, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_step_fires_after_persist_buckets_and_ranks_after_settle),
        cmocka_unit_test(test_a_short_spike_is_ignored_and_recovery_resolves),
        cmocka_unit_test(test_noise_and_missing_values_stay_quiet),
        cmocka_unit_test(test_a_seeded_reference_detects_without_a_new_warm_up),
        cmocka_unit_test(test_invalid_parameters_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
