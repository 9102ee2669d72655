/* InfluxDB line protocol: names, escapes, types, precision, and every reject reason. */
#include "test_util.h"

#include "influx_lp.h"

#include <math.h>
#include <stdio.h>
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

/* InfluxDB's escaping: a backslash escapes only the bytes its token escapes and is literal
 * before anything else, a backslash included. */
static void test_backslash_escapes_only_escapable_bytes(void **state)
{
    (void)state;
    struct reject_stats st;
    struct got g = parse("cpu,regions=east\\\\  value=1\n", LP_NS, &st); /* east\\<sp><sp> */
    assert_int_equal(g.n, 1);
    assert_string_equal(g.name[0], "cpu.value{regions=east\\ }");
    g = parse("cpu,regions=\\\\ east value=1\n", LP_NS, &st);
    assert_string_equal(g.name[0], "cpu.value{regions=\\ east}");
    g = parse("u,s=\\\\,\\,\\t e=1\n", LP_NS, &st);
    assert_string_equal(g.name[0], "u.e{s=\\,,\\t}");
    g = parse("cpu,reg\\\\=ion=east value=1\n", LP_NS, &st);
    assert_string_equal(g.name[0], "cpu.value{reg\\=ion=east}");
    g = parse("m\\=x\\,y v=1\n", LP_NS, &st); /* '=' is not escapable in a measurement */
    assert_string_equal(g.name[0], "m\\=x,y.v");
    g = parse("\" U=F\n\" U=t\n", LP_NS, &st); /* a quote only opens a string in a value */
    assert_int_equal(g.n, 2);
    assert_string_equal(g.name[1], "\".U");
    assert_close(g.value[1], 1, 0);
}

static void test_long_floats_and_trailing_carriage_return(void **state)
{
    (void)state;
    struct reject_stats st;
    char line[512];
    int n = sprintf(line, "u e=-");
    for (int a = 0; a < 300; a++) line[n++] = a < 8 ? '0' : '1';
    sprintf(line + n, ".5\r");
    struct got g = parse(line, LP_NS, &st);
    assert_int_equal(g.n, 1);
    assert_true(fabs(g.value[0] / -1.1111111111111111e291 - 1) < 1e-15); /* 292 ones, 8 zeros */
    g = parse("d b=f\r\nf b=t 1700000000000000000\r", LP_NS, &st);
    assert_int_equal(g.n, 2);
    assert_int_equal(st.lines, 2);
    g = parse("m v=00000000000000000000000042i 1700000000000000000\n", LP_NS, &st);
    assert_close(g.value[0], 42, 0);
    expect_reject("m v=1\rx\n", REJECT_SYNTAX); /* a lone \r is not a line end */
    expect_reject("m v=1e\n", REJECT_BAD_VALUE);
    expect_reject("m v=.\n", REJECT_BAD_VALUE);
    expect_reject("m v=+1\n", REJECT_BAD_VALUE);
    expect_reject("m v=1e999\n", REJECT_BAD_VALUE);
}

static void test_utf8_control_characters_and_duplicate_tags_rejected(void **state)
{
    (void)state;
    expect_reject("bad\xff v=1\n", REJECT_BAD_UTF8);
    expect_reject("m,bad\xff=foo v=1\n", REJECT_BAD_UTF8);
    expect_reject("m,foo=bad\xff v=1\n", REJECT_BAD_UTF8);
    expect_reject("m bad\xff=1\n", REJECT_BAD_UTF8);
    expect_reject("m f=\"bad\xff\",v=1\n", REJECT_BAD_UTF8);
    expect_reject("m,k=\xed\xa0\x80 v=1\n", REJECT_BAD_UTF8); /* a surrogate */
    expect_reject("x\x01y v=1\n", REJECT_SYNTAX);
    expect_reject("m,k=x\x01y v=1\n", REJECT_SYNTAX);
    expect_reject("m x\x7fy=1\n", REJECT_SYNTAX);
    expect_reject("\tm v=1\n", REJECT_SYNTAX);
    expect_reject("# a comment with a \x01 control\n", REJECT_SYNTAX);
    expect_reject("cpu,b=2,c=3,b=1 value=1i\n", REJECT_SYNTAX);
    expect_reject("cpu,host=a,host=a value=1i\n", REJECT_SYNTAX);
    struct reject_stats st;
    struct got g = parse("m,k=\xc3\xa9 s=\"caf\xc3\xa9\",v=1\n", LP_NS, &st);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.name[0], "m.v{k=\xc3\xa9}");
}

/* Every rejection says where (line and column of the text) and what was wrong. */
static void test_rejection_names_line_column_and_cause(void **state)
{
    (void)state;
    struct reject_stats st;
    parse("a v=1\nb,t=x y v=2\n", LP_NS, &st);
    assert_int_equal(st.rejected[REJECT_SYNTAX], 1);
    assert_string_equal(st.last_detail,
                        "line 2, column 8: expected '=' after the field key, found ' '");
    parse("a v=1\n\n# note\nlog s=\"two\nlines\",v=1 1\nc,t=\x01 v=1\n", LP_NS, &st);
    assert_string_equal(st.last_detail, "line 6, column 5: expected a tag value, found byte 0x01");
    parse("cpu,host=a\n", LP_NS, &st);
    assert_string_equal(st.last_detail,
                        "line 1, column 11: no field after the measurement and tags");
    parse("m v=oops\n", LP_NS, &st);
    assert_string_equal(st.last_detail,
                        "line 1, column 5: field value of unknown type, starting with 'o'");
    parse("m v=1 12x\n", LP_NS, &st);
    assert_string_equal(st.last_detail, "line 1, column 7: the timestamp is not an integer");
    parse("cpu,b=2,b=1 v=1\n", LP_NS, &st);
    assert_string_equal(st.last_detail, "line 1, column 9: the tag key is given twice");
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
        cmocka_unit_test(test_backslash_escapes_only_escapable_bytes),
        cmocka_unit_test(test_long_floats_and_trailing_carriage_return),
        cmocka_unit_test(test_utf8_control_characters_and_duplicate_tags_rejected),
        cmocka_unit_test(test_rejection_names_line_column_and_cause),
        cmocka_unit_test(test_a_bad_line_loses_nothing_else),
        cmocka_unit_test(test_callback_can_stop_the_parser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
