/* Log lines: raw lines with level detection, Fluent Bit and Vector JSON, rejections. */
#include "test_util.h"

#include "log_lines.h"

#include <stdio.h>
#include <string.h>

struct got {
    int n;
    char text[8][128], level[8][16], stream[8][16];
    int64_t ts[8];
};

static int collect(void *ctx, const struct log_record *r)
{
    struct got *g = ctx;
    if (g->n < 8) {
        snprintf(g->text[g->n], 128, "%.*s", (int)r->text_len, r->text);
        snprintf(g->level[g->n], 16, "%.*s", r->level ? (int)r->level_len : 0,
                 r->level ? r->level : "");
        snprintf(g->stream[g->n], 16, "%.*s", (int)r->stream_len, r->stream);
        g->ts[g->n] = r->ts_ns;
    }
    g->n++;
    return 0;
}

static struct got parse(const char *text, int json, struct reject_stats *st)
{
    struct got g;
    memset(&g, 0, sizeof g);
    memset(st, 0, sizeof *st);
    struct log_format f;
    log_format_default(&f, json);
    log_lines_parse(text, strlen(text), &f, "app", 3, 7, collect, &g, st);
    return g;
}

static void test_raw_lines_find_levels_in_the_first_tokens(void **state)
{
    (void)state;
    struct reject_stats st;
    struct got g = parse("2023-11-14 10:00:00 [ERROR] db down\r\n\n  \n"
                         "10:00:01 WARN: slow\nINFO: fine\nnothing to see here at all ERROR\n",
                         0, &st);
    assert_int_equal(g.n, 4);
    assert_string_equal(g.text[0], "2023-11-14 10:00:00 [ERROR] db down");
    assert_string_equal(g.level[0], "ERROR");
    assert_string_equal(g.level[1], "WARN");
    assert_string_equal(g.level[2], "INFO");
    assert_string_equal(g.level[3], ""); /* the 7th token is too far */
    assert_string_equal(g.stream[0], "app");
    assert_int_equal(g.ts[0], 7);
    assert_int_equal(st.lines, 4);
}

static void test_fluent_bit_and_vector_records(void **state)
{
    (void)state;
    struct reject_stats st;
    struct got g =
        parse("{\"@timestamp\":1700000000.25,\"log\":\"GET / 200\\n\",\"level\":\"info\"}\n"
              "{\"timestamp\":\"2023-11-14T22:13:20Z\",\"message\":\"boom\","
              "\"log\":{\"level\":\"error\"}}\n"
              "{\"MESSAGE\":\"unit started\",\"PRIORITY\":3}\n",
              1, &st);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.text[0], "GET / 200");
    assert_int_equal(g.ts[0], 1700000000250000000LL);
    assert_string_equal(g.level[0], "info");
    assert_string_equal(g.text[1], "boom");
    assert_int_equal(g.ts[1], 1700000000000000000LL);
    assert_string_equal(g.level[1], "error"); /* dotted key into a nested object */
    assert_string_equal(g.level[2], "ERROR"); /* syslog priority 3 */
    assert_int_equal(g.ts[2], 7);
}

static void test_bad_json_records_are_counted_by_reason(void **state)
{
    (void)state;
    struct reject_stats st;
    struct got g = parse("not json\n{\"level\":\"info\"}\n{\"log\":\"x\",\"time\":\"soon\"}\n"
                         "{\"log\":\"ok\"}\n",
                         1, &st);
    assert_int_equal(g.n, 1);
    assert_int_equal(st.rejected[REJECT_SYNTAX], 1);
    assert_int_equal(st.rejected[REJECT_MISSING_FIELD], 1);
    assert_int_equal(st.rejected[REJECT_TIMESTAMP], 1);
    assert_string_equal(st.last_sample, "{\"log\":\"x\",\"time\":\"soon\"}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_lines_find_levels_in_the_first_tokens),
        cmocka_unit_test(test_fluent_bit_and_vector_records),
        cmocka_unit_test(test_bad_json_records_are_counted_by_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
