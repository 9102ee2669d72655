/* Metric JSON: Telegraf single and batch, prometheus-kafka-adapter, flat, and the rejections. */
#include "test_util.h"

#include "json_metrics.h"

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

static struct got parse(const char *text, double unit, struct reject_stats *st)
{
    struct got g;
    memset(&g, 0, sizeof g);
    memset(st, 0, sizeof *st);
    json_metrics_parse(text, strlen(text), unit, 42, collect, &g, st);
    return g;
}

static void test_telegraf_single_names_fields_with_sorted_tags(void **state)
{
    (void)state;
    struct reject_stats st;
    struct got g = parse("{\"fields\":{\"usage\":1.5,\"ok\":true,\"note\":\"x\"},\"name\":\"cpu\","
                         "\"tags\":{\"host\":\"b\",\"dc\":\"x\"},\"timestamp\":1700000000}",
                         1.0, &st);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.name[0], "cpu.usage{dc=x,host=b}");
    assert_close(g.value[0], 1.5, 0);
    assert_int_equal(g.ts[0], 1700000000000000000LL);
    assert_string_equal(g.name[1], "cpu.ok{dc=x,host=b}");
    assert_close(g.value[1], 1.0, 0);
    assert_int_equal(st.skipped_fields, 1);
    assert_int_equal(st.records, 2);
}

static void test_telegraf_batch_and_timestamp_units(void **state)
{
    (void)state;
    struct reject_stats st;
    struct got g =
        parse("{\"metrics\":[{\"fields\":{\"a\":1},\"name\":\"m\",\"timestamp\":1700000000123},"
              "{\"fields\":{\"b\":2},\"name\":\"m\",\"tags\":{},\"timestamp\":1700000000124}]}",
              1e-3, &st);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.name[0], "m.a");
    assert_int_equal(g.ts[0], 1700000000123000000LL);
    assert_int_equal(g.ts[1], 1700000000124000000LL);
    /* by magnitude: the same milliseconds, and seconds with a fraction */
    g = parse("{\"fields\":{\"a\":1},\"name\":\"m\",\"timestamp\":1700000000123}\n"
              "{\"fields\":{\"a\":1},\"name\":\"m\",\"timestamp\":1700000000.5}",
              0, &st);
    assert_int_equal(g.ts[0], 1700000000123000000LL);
    assert_int_equal(g.ts[1], 1700000000500000000LL);
}

static void test_prometheus_adapter_string_value_and_rfc3339(void **state)
{
    (void)state;
    struct reject_stats st;
    struct got g = parse("{\"timestamp\":\"2023-11-14T22:13:20.25Z\",\"value\":\"0.5\","
                         "\"name\":\"http_requests_total\",\"labels\":{\"__name__\":"
                         "\"http_requests_total\",\"job\":\"api\",\"code\":\"200\"}}",
                         1.0, &st);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.name[0], "http_requests_total{code=200,job=api}");
    assert_close(g.value[0], 0.5, 0);
    assert_int_equal(g.ts[0], 1700000000250000000LL);
}

static void test_flat_form_array_and_default_time(void **state)
{
    (void)state;
    struct reject_stats st;
    struct got g = parse("[{\"name\":\"a.b\",\"time\":\"2023-11-14T22:13:20Z\",\"value\":3},"
                         "{\"name\":\"a.c\",\"value\":4}]",
                         1.0, &st);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.name[0], "a.b");
    assert_int_equal(g.ts[0], 1700000000000000000LL);
    assert_int_equal(g.ts[1], 42); /* no time: the default */
}

static void test_bad_documents_are_rejected_whole_and_parsing_goes_on(void **state)
{
    (void)state;
    struct reject_stats st;
    struct got g = parse("{\"name\":\"a\",\"value\":1}\n"
                         "{\"name\":\"a\",\"value\":\n"                           /* syntax */
                         "{\"value\":1}\n"                                        /* missing */
                         "{\"name\":\"a\",\"value\":\"NaN\",\"labels\":{}}\n"     /* bad value */
                         "{\"name\":\"a\",\"value\":1,\"time\":\"yesterday\"}\n"  /* timestamp */
                         "{\"name\":\"a\",\"value\":1,\"time\":99999999999999}\n" /* year 5138 */
                         "{\"fields\":{\"x\":1,\"y\":[1]},\"name\":\"m\"}\n"      /* bad field */
                         "{\"name\":\"b\",\"value\":2} trailing\n"                /* syntax */
                         "{\"name\":\"c\",\"value\":3}",
                         1.0, &st);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.name[0], "a");
    assert_string_equal(g.name[1], "c");
    assert_int_equal(st.rejected[REJECT_SYNTAX], 2);
    assert_int_equal(st.rejected[REJECT_MISSING_FIELD], 1);
    assert_int_equal(st.rejected[REJECT_BAD_VALUE], 2);
    assert_int_equal(st.rejected[REJECT_TIMESTAMP], 2);
    assert_int_equal(st.lines, 9);
}

static void test_long_names_are_rejected(void **state)
{
    (void)state;
    char doc[JSON_MAX_NAME + 64];
    int n = snprintf(doc, sizeof doc, "{\"name\":\"");
    memset(doc + n, 'a', JSON_MAX_NAME + 1);
    strcpy(doc + n + JSON_MAX_NAME + 1, "\",\"value\":1}");
    struct reject_stats st;
    struct got g = parse(doc, 1.0, &st);
    assert_int_equal(g.n, 0);
    assert_int_equal(st.rejected[REJECT_NAME_TOO_LONG], 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_telegraf_single_names_fields_with_sorted_tags),
        cmocka_unit_test(test_telegraf_batch_and_timestamp_units),
        cmocka_unit_test(test_prometheus_adapter_string_value_and_rfc3339),
        cmocka_unit_test(test_flat_form_array_and_default_time),
        cmocka_unit_test(test_bad_documents_are_rejected_whole_and_parsing_goes_on),
        cmocka_unit_test(test_long_names_are_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
