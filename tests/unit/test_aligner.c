/* The aligner: aggregation per bucket, lateness, replay determinism, gaps, caps and jumps. */
#include "test_util.h"

#include "aligner.h"

#include <stdlib.h>
#include <string.h>

#define S 1000000000LL /* one second in ns */

struct rows {
    int n;
    int64_t start[64];
    double v[64][4];
    int nseries[64];
};

static void on_row(void *ctx, int64_t start, const double *row, int nseries)
{
    struct rows *r = ctx;
    if (r->n < 64) {
        r->start[r->n] = start;
        r->nseries[r->n] = nseries;
        for (int i = 0; i < nseries && i < 4; i++) r->v[r->n][i] = row[i];
    }
    r->n++;
}

static struct aligner *make(int64_t lateness, int max_series, int max_gap)
{
    struct aligner_params p = {S, lateness, max_series, max_gap, AGG_MEAN};
    char err[128];
    struct aligner *al = aligner_new(&p, err, sizeof err);
    assert_non_null(al);
    return al;
}

static enum aligner_result add(struct aligner *al, const char *name, int64_t ts, double v,
                               struct rows *out)
{
    struct metric_record r = {name, strlen(name), ts, v};
    return aligner_add(al, &r, on_row, out);
}

static void test_each_aggregation_rule(void **state)
{
    (void)state;
    struct aligner *al = make(0, 8, 0);
    const char *names[] = {"mean", "last", "sum", "count", "max"};
    for (int a = 0; a < 5; a++)
        aligner_set_agg(al, aligner_series(al, names[a], strlen(names[a])), a);
    struct rows out = {0};
    const double vals[] = {3, 1, 2};
    const int64_t ts[] = {100 * S + 1, 100 * S + 900000000, 100 * S + 5}; /* "last" = 1 */
    for (int k = 0; k < 3; k++)
        for (int a = 0; a < 5; a++)
            assert_int_equal(add(al, names[a], ts[k], vals[k], &out), ALIGN_OK);
    aligner_flush(al, 101 * S, on_row, &out);
    assert_int_equal(out.n, 1);
    assert_true(out.start[0] == 100 * S);
    double want[] = {2.0, 1.0, 6.0, 3.0, 3.0};
    for (int a = 0; a < 4; a++) assert_close(out.v[0][a], want[a], 1e-12);
    aligner_free(al);
}

static void test_lateness_accepts_out_of_order_and_counts_late(void **state)
{
    (void)state;
    struct aligner *al = make(2 * S, 4, 0);
    struct rows out = {0};
    assert_int_equal(add(al, "x", 10 * S, 1, &out), ALIGN_OK);
    assert_int_equal(add(al, "x", 13 * S, 4, &out), ALIGN_OK); /* watermark 11 s: closes 10 */
    assert_int_equal(out.n, 1);
    assert_int_equal(add(al, "x", 11 * S + 5, 2, &out), ALIGN_OK);   /* out of order, in time */
    assert_int_equal(add(al, "x", 10 * S + 5, 9, &out), ALIGN_LATE); /* bucket 10 closed */
    assert_int_equal(aligner_stats(al)->late, 1);
    aligner_flush(al, 14 * S, on_row, &out);
    assert_int_equal(out.n, 4); /* 10, 11, 12, 13 */
    assert_close(out.v[1][0], 2, 0);
    assert_true(isnan(out.v[2][0]));
    assert_close(out.v[3][0], 4, 0);
    aligner_free(al);
}

/* A consumer starting mid-stream sees the partitions' backlogs in any order: records up to the
 * lateness older than the very first one are still in time, and no empty rows precede the data. */
static void test_records_older_than_the_first_are_accepted_within_the_lateness(void **state)
{
    (void)state;
    struct aligner *al = make(3 * S, 4, 0);
    struct rows out = {0};
    assert_int_equal(add(al, "x", 20 * S, 5, &out), ALIGN_OK);
    assert_int_equal(add(al, "x", 18 * S, 3, &out), ALIGN_OK);   /* 2 s older than the first */
    assert_int_equal(add(al, "x", 16 * S, 1, &out), ALIGN_LATE); /* 4 s older: past the lateness */
    aligner_flush_all(al, on_row, &out);
    assert_int_equal(out.n, 3); /* 18, 19, 20: nothing before the first data */
    assert_true(out.start[0] == 18 * S);
    assert_close(out.v[0][0], 3, 0);
    assert_true(isnan(out.v[1][0]));
    assert_close(out.v[2][0], 5, 0);
    aligner_free(al);
}

static void test_same_rows_whatever_the_arrival_order(void **state)
{
    (void)state;
    /* records shuffled within the lateness give the same rows as in order */
    const int64_t ts[] = {0, S / 2, S + 1, 2 * S, 2 * S + 7, 3 * S, 3 * S + 9, 4 * S};
    const int order[2][8] = {{0, 1, 2, 3, 4, 5, 6, 7}, {1, 0, 3, 2, 5, 4, 7, 6}};
    struct rows out[2];
    for (int o = 0; o < 2; o++) {
        memset(&out[o], 0, sizeof out[o]);
        struct aligner *al = make(S + S / 2, 4, 0);
        aligner_series(al, "a", 1); /* same ids in both runs */
        aligner_series(al, "b", 1);
        for (int k = 0; k < 8; k++) {
            int i = order[o][k];
            assert_int_equal(add(al, i % 2 ? "b" : "a", 100 * S + ts[i], (double)i, &out[o]),
                             ALIGN_OK);
        }
        aligner_flush(al, 110 * S, on_row, &out[o]);
        aligner_free(al);
    }
    assert_int_equal(out[0].n, out[1].n);
    for (int k = 0; k < out[0].n; k++) {
        assert_true(out[0].start[k] == out[1].start[k]);
        for (int i = 0; i < 2; i++) {
            double x = out[0].v[k][i], y = out[1].v[k][i];
            assert_true((isnan(x) && isnan(y)) || x == y);
        }
    }
}

static void test_short_gaps_carry_forward_then_nan(void **state)
{
    (void)state;
    struct aligner *al = make(0, 4, 2);
    struct rows out = {0};
    add(al, "x", 0, 5, &out);
    add(al, "y", 0, 1, &out);
    for (int b = 1; b <= 4; b++) add(al, "y", b * S, 1, &out); /* x silent for 4 buckets */
    add(al, "x", 5 * S, 7, &out);
    aligner_flush(al, 6 * S, on_row, &out);
    assert_int_equal(out.n, 6);
    assert_close(out.v[1][0], 5, 0); /* carried */
    assert_close(out.v[2][0], 5, 0); /* carried (max_gap 2) */
    assert_true(isnan(out.v[3][0]));
    assert_true(isnan(out.v[4][0]));
    assert_close(out.v[5][0], 7, 0);
    aligner_free(al);
}

static void test_series_cap_refuses_and_counts(void **state)
{
    (void)state;
    struct aligner *al = make(0, 2, 0);
    struct rows out = {0};
    assert_int_equal(add(al, "a", 0, 1, &out), ALIGN_OK);
    assert_int_equal(add(al, "b", 0, 1, &out), ALIGN_OK);
    assert_int_equal(add(al, "c", 0, 1, &out), ALIGN_SERIES_CAP);
    assert_int_equal(add(al, "a", 0, 2, &out), ALIGN_OK); /* known series still accepted */
    assert_int_equal(aligner_stats(al)->series_cap, 1);
    assert_int_equal(aligner_nseries(al), 2);
    assert_string_equal(aligner_series_name(al, 1), "b");
    aligner_free(al);
}

static void test_a_far_future_timestamp_jumps_instead_of_flooding(void **state)
{
    (void)state;
    struct aligner *al = make(0, 2, 3);
    struct rows out = {0};
    add(al, "x", 0, 1, &out);
    add(al, "x", 1000000000 * S, 2, &out); /* 31 years later */
    assert_true(out.n <= 1 + 3 + 1);       /* the real row, max_gap carried rows, one NaN */
    assert_int_equal(aligner_stats(al)->jumps, 1);
    aligner_flush(al, 1000000001 * S, on_row, &out);
    assert_true(out.start[out.n - 1] == 1000000000 * S);
    assert_close(out.v[out.n - 1][0], 2, 0);
    aligner_free(al);
}

static void test_invalid_parameters_are_refused(void **state)
{
    (void)state;
    struct aligner_params p = {0, 0, 1, 0, AGG_MEAN};
    char err[128];
    assert_null(aligner_new(&p, err, sizeof err));
    assert_non_null(strstr(err, "out of range"));
    aligner_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_aggregation_rule),
        cmocka_unit_test(test_lateness_accepts_out_of_order_and_counts_late),
        cmocka_unit_test(test_records_older_than_the_first_are_accepted_within_the_lateness),
        cmocka_unit_test(test_same_rows_whatever_the_arrival_order),
        cmocka_unit_test(test_short_gaps_carry_forward_then_nan),
        cmocka_unit_test(test_series_cap_refuses_and_counts),
        cmocka_unit_test(test_a_far_future_timestamp_jumps_instead_of_flooding),
        cmocka_unit_test(test_invalid_parameters_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
