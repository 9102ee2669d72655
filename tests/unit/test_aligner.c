/* The aligner: aggregation per bucket, lateness, replay determinism, gaps, caps and jumps. */
#include "test_util.h"

#include "aligner.h"

#include <math.h>
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
    struct aligner_params p = {S, lateness, max_series, max_gap, AGG_MEAN, 0};
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
    struct aligner_params p = {0, 0, 1, 0, AGG_MEAN, 0};
    char err[128];
    assert_null(aligner_new(&p, err, sizeof err));
    assert_non_null(strstr(err, "out of range"));
    aligner_free(NULL);
}

/* A restart: the state saved at a checkpoint (where closed buckets end, carry-forward) resumes a
 * fresh aligner; replayed records of closed buckets are duplicates, the open buckets refill
 * from the replay and the rows equal those of an uninterrupted run. */
static void test_resumed_aligner_drops_duplicates_and_matches_uninterrupted(void **state)
{
    (void)state;
    struct aligner *ref = make(2 * S, 4, 3), *a1 = make(2 * S, 4, 3);
    struct rows rr = {0}, r1 = {0}, r2 = {0};
    /* x every 250 ms from 10 s to 19.75 s; y only until 13 s (a gap to carry) */
    for (int k = 0; k < 40; k++) {
        int64_t t = 10 * S + k * (S / 4);
        assert_int_equal(add(ref, "x", t, k, &rr), ALIGN_OK);
        if (t < 13 * S) assert_int_equal(add(ref, "y", t, 2 * k, &rr), ALIGN_OK);
    }
    aligner_flush_all(ref, on_row, &rr);
    /* the same up to k = 22, then a crash: only what closed survives */
    for (int k = 0; k < 23; k++) {
        int64_t t = 10 * S + k * (S / 4);
        add(a1, "x", t, k, &r1);
        if (t < 13 * S) add(a1, "y", t, 2 * k, &r1);
    }
    int64_t closed = aligner_closed_before(a1);
    assert_true(closed == 13 * S); /* newest 15.5 s - 2 s lateness */
    struct aligner *a2 = make(2 * S, 4, 3);
    aligner_resume(a2, closed, aligner_newest(a1), aligner_empty_run(a1));
    aligner_flush_all(a2, on_row, &r2); /* an idle flush before the replay: nothing closes */
    assert_int_equal(r2.n, 0);
    for (int id = 0; id < aligner_nseries(a1); id++) {
        const char *n = aligner_series_name(a1, id);
        double v;
        int run;
        aligner_carry(a1, id, &v, &run);
        aligner_set_carry(a2, aligner_series(a2, n, strlen(n)), v, run);
    }
    /* the replay from the oldest record of an open bucket, plus one earlier: a duplicate */
    assert_int_equal(add(a2, "x", 12 * S + 3 * (S / 4), 11, &r2), ALIGN_DUPLICATE);
    for (int k = 12; k < 40; k++) {
        int64_t t = 10 * S + k * (S / 4);
        assert_int_equal(add(a2, "x", t, k, &r2), ALIGN_OK);
    }
    aligner_flush_all(a2, on_row, &r2);
    assert_int_equal(aligner_stats(a2)->duplicates, 1);
    assert_int_equal(r1.n + r2.n, rr.n); /* every bucket once */
    for (int k = 0; k < r2.n; k++) {
        int j = r1.n + k;
        assert_true(r2.start[k] == rr.start[j]);
        for (int i = 0; i < 2; i++) {
            if (isnan(rr.v[j][i]))
                assert_true(isnan(r2.v[k][i]));
            else
                assert_true(r2.v[k][i] == rr.v[j][i]);
        }
    }
    aligner_free(ref);
    aligner_free(a1);
    aligner_free(a2);
}

/* max_future: a record further ahead of the host clock is refused and counted, and does not
 * move the watermark (the others stay on time). */
static int64_t fixed_now(void *ctx)
{
    return *(int64_t *)ctx;
}

static void test_record_far_ahead_of_clock_refused_watermark_unmoved(void **state)
{
    (void)state;
    struct aligner *al = make(5 * S, 4, 0);
    int64_t now = 1000 * S;
    aligner_set_max_future(al, 600 * S, fixed_now, &now);
    struct rows out = {0};
    assert_int_equal(add(al, "ok", 990 * S, 1, &out), ALIGN_OK);
    assert_int_equal(add(al, "fast", 990 * S + 3600 * S, 1, &out), ALIGN_FUTURE);
    assert_int_equal(add(al, "ok", 991 * S, 2, &out), ALIGN_OK);  /* not late */
    assert_int_equal(add(al, "ok", 1500 * S, 2, &out), ALIGN_OK); /* within 10 min */
    assert_int_equal(aligner_stats(al)->future, 1);
    assert_int_equal(aligner_stats(al)->late, 0);
    aligner_free(al);
}

/* Series lifecycle: a series idle for longer than the TTL is forgotten and its id reused, so a
 * burst of names does not hold the cap; the active one is kept. */
static int expired_ids[8], nexpired;
static void on_expired(void *ctx, int id)
{
    (void)ctx;
    expired_ids[nexpired++] = id;
}

static void test_idle_series_expire_and_free_the_cap(void **state)
{
    (void)state;
    struct aligner *al = make(0, 2, 0);
    struct rows out = {0};
    assert_int_equal(add(al, "keep", 10 * S, 1, &out), ALIGN_OK);
    assert_int_equal(add(al, "junk", 10 * S, 1, &out), ALIGN_OK);
    assert_int_equal(add(al, "new", 11 * S, 1, &out), ALIGN_SERIES_CAP); /* cap of 2 */
    for (int k = 11; k < 80; k++) assert_int_equal(add(al, "keep", k * S, k, &out), ALIGN_OK);
    nexpired = 0;
    assert_int_equal(aligner_expire(al, 60 * S, on_expired, NULL), 1); /* junk: 69 s idle */
    assert_int_equal(nexpired, 1);
    assert_int_equal(expired_ids[0], 1);
    assert_null(aligner_series_name(al, 1));
    assert_int_equal(aligner_nalive(al), 1);
    assert_int_equal(add(al, "new", 80 * S, 5, &out), ALIGN_OK); /* takes the freed id */
    assert_string_equal(aligner_series_name(al, 1), "new");
    assert_int_equal(aligner_series(al, "junk", 4), -1);               /* the cap holds again */
    assert_int_equal(aligner_expire(al, 60 * S, on_expired, NULL), 0); /* keep, new: active */
    assert_int_equal(aligner_stats(al)->expired, 1);
    aligner_free(al);
}

/* Two ordered streams (series a and b, one record per second each, values 10 k + stream),
 * read either finely interleaved or in chunks of `chunk` records per stream, with the hold set
 * to the slower stream's newest time after every record (or no hold when use_hold is 0).
 * Returns the late records; the rows go to out. */
static long two_streams(int chunk, int use_hold, int64_t hold_ns, struct rows *out)
{
    struct aligner_params p = {S, 2 * S, 4, 0, AGG_MEAN, hold_ns};
    char err[128];
    struct aligner *al = aligner_new(&p, err, sizeof err);
    assert_non_null(al);
    int h = use_hold ? aligner_add_holder(al) : -1;
    int64_t newest[2] = {INT64_MIN, INT64_MIN};
    int next[2] = {0, 0};
    const int n = 30;
    while (next[0] < n || next[1] < n)
        for (int st = 0; st < 2; st++)
            for (int k = 0; k < chunk && next[st] < n; k++) {
                int64_t t = 100 * S + next[st] * S + S / 2;
                assert_true(add(al, st ? "b" : "a", t, 10.0 * next[st] + st, out) !=
                            ALIGN_SERIES_CAP);
                newest[st] = t;
                next[st]++;
                if (h >= 0)
                    aligner_set_hold(al, h, newest[0] < newest[1] ? newest[0] : newest[1], on_row,
                                     out);
            }
    if (h >= 0) aligner_set_hold(al, h, INT64_MAX, on_row, out); /* both streams ended */
    aligner_flush_all(al, on_row, out);
    long late = aligner_stats(al)->late;
    aligner_free(al);
    return late;
}

static void test_held_watermark_gives_the_same_rows_whatever_the_stream_skew(void **state)
{
    (void)state;
    struct rows fine = {0}, skewed = {0}, unheld = {0};
    /* finely interleaved: nothing late either way */
    assert_int_equal(two_streams(1, 1, 10 * S, &fine), 0);
    /* stream a 8 s ahead of b at times, lateness 2 s: held, nothing late and the same rows */
    assert_int_equal(two_streams(8, 1, 10 * S, &skewed), 0);
    assert_int_equal(fine.n, 30);
    assert_int_equal(skewed.n, fine.n);
    for (int r = 0; r < fine.n; r++) {
        assert_true(fine.start[r] == skewed.start[r]);
        for (int i = 0; i < 2; i++) {
            assert_close(fine.v[r][i], 10.0 * r + i, 0);
            assert_close(skewed.v[r][i], fine.v[r][i], 0);
        }
    }
    /* without the hold the same skew makes the slower stream's records late */
    assert_true(two_streams(8, 0, 10 * S, &unheld) > 0);
}

static void test_hold_is_bounded_by_hold_ns(void **state)
{
    (void)state;
    /* skew of 16 s with a bound of 4 s beyond the lateness of 2 s: the newest time closes
     * buckets 6 s behind it, so the slower stream loses records (counted), memory stays fixed */
    struct rows out = {0};
    long late = two_streams(16, 1, 4 * S, &out);
    assert_true(late > 0);
    struct rows wide = {0};
    assert_int_equal(two_streams(16, 1, 16 * S, &wide), 0);
    /* a holder that never reports holds nothing back beyond the bound either */
    struct aligner_params p = {S, 0, 2, 0, AGG_MEAN, 3 * S};
    char err[128];
    struct aligner *al = aligner_new(&p, err, sizeof err);
    int h = aligner_add_holder(al);
    aligner_set_hold(al, h, INT64_MIN, on_row, &out);
    struct rows r = {0};
    for (int k = 0; k < 10; k++) add(al, "a", 100 * S + k * S, k, &r);
    /* newest 109 s, bound 3 s: buckets up to [105, 106) closed, from the first record's own */
    assert_int_equal(r.n, 6);
    assert_true(r.start[0] == 100 * S);
    aligner_free(al);
}

/* The idle flush keeps a stream that is behind: its buckets stay open up to its mark (bounded
 * by hold_ns), so its records are not late when it resumes; released, everything closes. */
static void test_idle_flush_keeps_the_buckets_a_held_stream_has_not_delivered(void **state)
{
    (void)state;
    struct aligner_params p = {S, 0, 2, 0, AGG_MEAN, 8 * S};
    char err[128];
    struct aligner *al = aligner_new(&p, err, sizeof err);
    assert_non_null(al);
    int h = aligner_add_holder(al);
    struct rows out = {0};
    aligner_set_hold(al, h, INT64_MIN, on_row, &out); /* b has delivered nothing yet */
    for (int k = 0; k < 6; k++) {                     /* a and b: 100..105 s */
        add(al, "a", 100 * S + k * S, k, &out);
        add(al, "b", 100 * S + k * S, 10 + k, &out);
    }
    aligner_set_hold(al, h, 105 * S, on_row, &out); /* b has delivered up to 105 s */
    for (int k = 6; k < 10; k++) add(al, "a", 100 * S + k * S, k, &out); /* a runs on to 109 */
    assert_int_equal(out.n, 5); /* the buckets ending at or before 105 s: [100, 105) */
    aligner_flush_idle(al, on_row, &out);
    assert_int_equal(out.n, 5); /* 105..109 stay open for b (aligner_flush_all closes them) */
    for (int k = 6; k < 10; k++)
        assert_int_equal(add(al, "b", 100 * S + k * S, 10 + k, &out), ALIGN_OK); /* not late */
    aligner_set_hold(al, h, INT64_MAX, on_row, &out);                            /* b caught up */
    aligner_flush_idle(al, on_row, &out);
    assert_int_equal(out.n, 10);
    for (int r = 0; r < 10; r++) {
        assert_true(out.start[r] == 100 * S + r * S);
        assert_true(out.v[r][0] == r && out.v[r][1] == 10 + r);
    }
    /* a holder far behind holds only hold_ns (8 s) behind the newest record */
    aligner_set_hold(al, h, INT64_MIN, on_row, &out);
    for (int k = 10; k < 30; k++) add(al, "a", 100 * S + k * S, k, &out); /* newest 129 s */
    aligner_flush_idle(al, on_row, &out);
    assert_int_equal(out.n, 21); /* the buckets up to [120, 121): 129 s - 8 s */
    aligner_free(al);
}

/* Lateness and hold that are not whole buckets (5 s each on 3 s buckets): the oldest and the
 * newest open bucket (2 and 6, with the first record at 18 s) each keep their own values. */
static void test_open_buckets_never_share_a_slot_with_fractional_lateness_and_hold(void **state)
{
    (void)state;
    struct aligner_params p = {3 * S, 5 * S, 4, 10, AGG_MEAN, 5 * S};
    char err[128];
    struct aligner *al = aligner_new(&p, err, sizeof err);
    assert_non_null(al);
    struct rows out = {0};
    assert_int_equal(add(al, "a", 18 * S, 2, &out), ALIGN_OK);
    assert_int_equal(add(al, "a", 6 * S + S / 2, 1, &out), ALIGN_OK); /* bucket 2, still open */
    aligner_flush_all(al, on_row, &out);
    int seen = 0;
    for (int r = 0; r < out.n && r < 64; r++) {
        if (out.start[r] == 6 * S) assert_true(out.v[r][0] == 1), seen++;
        if (out.start[r] == 18 * S) assert_true(out.v[r][0] == 2), seen++;
    }
    assert_int_equal(seen, 2);
    aligner_free(al);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_series_expire_and_free_the_cap),
        cmocka_unit_test(test_held_watermark_gives_the_same_rows_whatever_the_stream_skew),
        cmocka_unit_test(test_hold_is_bounded_by_hold_ns),
        cmocka_unit_test(test_idle_flush_keeps_the_buckets_a_held_stream_has_not_delivered),
        cmocka_unit_test(test_open_buckets_never_share_a_slot_with_fractional_lateness_and_hold),
        cmocka_unit_test(test_resumed_aligner_drops_duplicates_and_matches_uninterrupted),
        cmocka_unit_test(test_record_far_ahead_of_clock_refused_watermark_unmoved),
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
