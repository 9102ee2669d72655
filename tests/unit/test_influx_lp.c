/* InfluxDB line protocol: names, escapes, types, precision, and every reject reason. */
#include "test_util.h"

#include "influx_lp.h"

#include <stdlib.h>
#include <string.h>

struct got {
    int n;
    char name[8][LP_MAX_NAME + 1];
    double value[8];
    int64_t ts[8];
    int stop_after;
};

static int collect(void *ctx, const struct metric_record *r)
{
    struct got *g = ctx;
    if (g->n < 8) {
        memcpy(g->name[g->n], r->name, r->name_len);
        g->name[g->n][r->name_len] = '\0';
        g->value[g->n] = r->value;
        g->ts[g->n] = r->ts_ns;
    }
    g->n++;
    return g->stop_after && g->n >= g->stop_after;
}

static struct got parse(const char *text, enum lp_precision prec, struct reject_stats *st)
{
    struct got g;
    memset(&g, 0, sizeof g);
    memset(st, 0, sizeof *st);
    influx_lp_parse(text, strlen(text), prec, 1700000000000000000LL, collect, &g, st);
    return g;
}

static void test_names_sort_tags_and_split_fields(void **state)
{
    (void)state;
    struct reject_stats st;
    struct got g = parse("cpu,host=a,dc=x usage=1.5,idle=98i 1700000000000000001\n", LP_NS, &st);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.name[0], "cpu.usage{dc=x,host=a}");
    assert_string_equal(g.name[1], "cpu.idle{dc=x,host=a}");
    assert_close(g.value[0], 1.5, 0);
    assert_close(g.value[1], 98, 0);
    assert_true(g.ts[0] == 1700000000000000001LL);
    assert_int_equal(st.lines, 1);
    assert_int_equal(st.records, 2);
}

static void test_escapes_types_and_precisions(void **state)
{
    (void)state;
    struct reject_stats st;
    struct got g = parse("my\\ meas,ta\\,g=v\\=1 f\\ 1=2,b=t,c=FALSE,u=7u 1700000000\n", LP_S, &st);
    assert_int_equal(g.n, 4);
    assert_string_equal(g.name[0], "my meas.f 1{ta,g=v=1}");
    assert_close(g.value[1], 1, 0);
    assert_close(g.value[2], 0, 0);
    assert_close(g.value[3], 7, 0);
    assert_true(g.ts[0] == 1700000000000000000LL);
    g = parse("m v=-2.5e3 1700000000123\n", LP_MS, &st);
    assert_close(g.value[0], -2500, 0);
    assert_true(g.ts[0] == 1700000000123000000LL);
    g = parse("m v=1 1700000000123456\n", LP_US, &st);
    assert_true(g.ts[0] == 1700000000123456000LL);
    g = parse("m v=1\n", LP_NS, &st); /* no timestamp: the default */
    assert_true(g.ts[0] == 1700000000000000000LL);
    g = parse("m,path=c:\\\\dir v=1\n", LP_NS, &st); /* other backslashes stay literal */
    assert_string_equal(g.name[0], "m.v{path=c:\\\\dir}");
}

static void test_strings_comments_crlf_and_quoted_newlines(void **state)
{
    (void)state;
    struct reject_stats st;
    struct got g =
        parse("# comment\n\nlog msg=\"hello, \\\"w\\\"\nx\",n=1 5\r\ncpu v=2 6\r\n", LP_NS, &st);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.name[0], "log.n");
    assert_true(g.ts[0] == 5);
    assert_string_equal(g.name[1], "cpu.v");
    assert_int_equal(st.skipped_fields, 1);
    assert_int_equal(st.lines, 2);
}

static void expect_reject(const char *text, enum reject_reason why)
{
    struct reject_stats st;
    struct got g = parse(text, LP_NS, &st);
    if (g.n != 0 || st.rejected[why] != 1)
        fail_msg("'%s': %d records, %ld rejected as %s", text, g.n, st.rejected[why],
                 reject_reason_str(why));
    assert_true(strlen(st.last_sample) > 0);
}

static void test_every_reject_reason(void **state)
{
    (void)state;
    expect_reject("cpu\n", REJECT_MISSING_FIELD);
    expect_reject("cpu \n", REJECT_MISSING_FIELD);
    expect_reject("cpu,host=a\n", REJECT_MISSING_FIELD);
    expect_reject("cpu v=abc\n", REJECT_BAD_VALUE);
    expect_reject("cpu v=NaN\n", REJECT_BAD_VALUE);
    expect_reject("cpu v=inf\n", REJECT_BAD_VALUE);
    expect_reject("cpu v=0x10\n", REJECT_BAD_VALUE);
    expect_reject("cpu v=-1u\n", REJECT_BAD_VALUE);
    expect_reject("cpu v=1 12x\n", REJECT_TIMESTAMP);
    expect_reject("cpu v=1 -5\n", REJECT_TIMESTAMP);
    expect_reject("cpu v=1 9999999999999999999\n", REJECT_TIMESTAMP);
    expect_reject("cpu,host=a\\", REJECT_BAD_ESCAPE);
    expect_reject("cpu,host v=1\n", REJECT_SYNTAX);
    expect_reject("cpu,=a v=1\n", REJECT_SYNTAX);
    expect_reject("cpu v=\"open", REJECT_SYNTAX);
    expect_reject(",t=1 v=1\n", REJECT_SYNTAX);
    char *longline = malloc(LP_MAX_LINE + 20);
    memset(longline, 'a', LP_MAX_LINE + 10);
    memcpy(longline + LP_MAX_LINE + 10, " v=1\n", 6);
    expect_reject(longline, REJECT_LINE_TOO_LONG);
    memset(longline, 'a', 1100);
    memcpy(longline + 1100, " v=1\n", 6);
    expect_reject(longline, REJECT_NAME_TOO_LONG);
    free(longline);
}

static void test_a_bad_line_loses_nothing_else(void **state)
{
    (void)state;
    struct reject_stats st;
    struct got g = parse("a v=1 1\nb v=oops,w=2 2\nc v=3 3\n", LP_NS, &st);
    assert_int_equal(g.n, 2); /* the bad line is rejected whole, w=2 included */
    assert_string_equal(g.name[0], "a.v");
    assert_string_equal(g.name[1], "c.v");
    assert_int_equal(st.rejected[REJECT_BAD_VALUE], 1);
    assert_int_equal(st.lines, 3);
    assert_non_null(strstr(st.last_sample, "b v=oops"));
}

static void test_callback_can_stop_the_parser(void **state)
{
    (void)state;
    struct reject_stats st;
    memset(&st, 0, sizeof st);
    struct got g;
    memset(&g, 0, sizeof g);
    g.stop_after = 1;
    const char *text = "a v=1 1\nb v=2 2\n";
    assert_int_equal(influx_lp_parse(text, strlen(text), LP_NS, 0, collect, &g, &st), 1);
    assert_int_equal(g.n, 1);
    enum lp_precision p;
    assert_int_equal(lp_precision_parse("ms", &p), 0);
    assert_int_equal(p, LP_MS);
    assert_int_equal(lp_precision_parse("h", &p), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_sort_tags_and_split_fields),
        cmocka_unit_test(test_escapes_types_and_precisions),
        cmocka_unit_test(test_strings_comments_crlf_and_quoted_newlines),
        cmocka_unit_test(test_every_reject_reason),
        cmocka_unit_test(test_a_bad_line_loses_nothing_else),
        cmocka_unit_test(test_callback_can_stop_the_parser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
