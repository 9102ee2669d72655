/* Prometheus remote_write WriteRequest decoding: names, samples, staleness, rejections. */
#include "test_util.h"

#include "pb_write.h"
#include "prom_remote.h"

#include <stdio.h>
#include <string.h>

struct got {
    int n;
    char name[16][256];
    double value[16];
    int64_t ts[16];
};

static int collect(void *ctx, const struct metric_record *r)
{
    struct got *g = ctx;
    if (g->n < 16) {
        memcpy(g->name[g->n], r->name, r->name_len);
        g->name[g->n][r->name_len] = '\0';
        g->value[g->n] = r->value;
        g->ts[g->n] = r->ts_ns;
    }
    g->n++;
    return 0;
}

static void test_series_named_metric_with_sorted_labels_samples_in_ms(void **state)
{
    (void)state;
    struct pbw req = {.n = 0}, ts = {.n = 0}, ts2 = {.n = 0};
    pbw_label(&ts, "job", "node"); /* out of order on purpose */
    pbw_label(&ts, "__name__", "node_load1");
    pbw_label(&ts, "instance", "h:9100");
    pbw_sample(&ts, 0.25, 1700000000123);
    pbw_sample(&ts, 1.5, 1700000001123);
    pbw_bytes(&req, 1, ts.b, ts.n);
    pbw_label(&ts2, "__name__", "up");
    pbw_sample(&ts2, 1, 1700000000000);
    pbw_bytes(&req, 1, ts2.b, ts2.n);
    struct got g = {0};
    struct reject_stats st = {0};
    assert_int_equal(prom_remote_parse((const char *)req.b, req.n, collect, &g, &st), 0);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.name[0], "node_load1{instance=h:9100,job=node}");
    assert_close(g.value[0], 0.25, 0);
    assert_true(g.ts[0] == 1700000000123000000LL);
    assert_close(g.value[1], 1.5, 0);
    assert_string_equal(g.name[2], "up");
    assert_int_equal(st.lines, 2);
    assert_int_equal(st.records, 3);
}

static void test_staleness_nan_skipped_missing_name_and_bad_time_rejected(void **state)
{
    (void)state;
    struct pbw req = {.n = 0}, a = {.n = 0}, b = {.n = 0}, c = {.n = 0};
    pbw_label(&a, "__name__", "x");
    pbw_sample(&a, NAN, 1700000000000);
    pbw_sample(&a, 2, 1700000000000);
    pbw_bytes(&req, 1, a.b, a.n);
    pbw_label(&b, "job", "no-name");
    pbw_sample(&b, 1, 1700000000000);
    pbw_bytes(&req, 1, b.b, b.n);
    pbw_label(&c, "__name__", "y");
    pbw_sample(&c, 1, 4200000000000LL); /* year 2103 */
    pbw_bytes(&req, 1, c.b, c.n);
    struct got g = {0};
    struct reject_stats st = {0};
    prom_remote_parse((const char *)req.b, req.n, collect, &g, &st);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.name[0], "x");
    assert_int_equal(st.skipped_fields, 1);
    assert_int_equal(st.rejected[REJECT_MISSING_FIELD], 1);
    assert_int_equal(st.rejected[REJECT_TIMESTAMP], 1);
}

static void test_truncated_protobuf_is_a_syntax_rejection(void **state)
{
    (void)state;
    struct pbw req = {.n = 0}, a = {.n = 0};
    pbw_label(&a, "__name__", "x");
    pbw_sample(&a, 2, 1700000000000);
    pbw_bytes(&req, 1, a.b, a.n);
    for (size_t cut = 1; cut < req.n; cut++) { /* every prefix: no crash, counted */
        struct got g = {0};
        struct reject_stats st = {0};
        int rc = prom_remote_parse((const char *)req.b, cut, collect, &g, &st);
        assert_int_equal(rc, -1);
        assert_int_equal(st.rejected[REJECT_SYNTAX], 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_series_named_metric_with_sorted_labels_samples_in_ms),
        cmocka_unit_test(test_staleness_nan_skipped_missing_name_and_bad_time_rejected),
        cmocka_unit_test(test_truncated_protobuf_is_a_syntax_rejection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
