/* The log-series naming rule (log_series.h): names written by the formatters parse back to the
 * same stream, template id and level; other names are not log series. */
#include "test_util.h"

#include "log_series.h"

#include <string.h>

static void test_template_name_parses_back_to_stream_and_id(void **state)
{
    (void)state;
    char b[64];
    assert_int_equal(log_series_template_name("shop-cart_1", 42, b, sizeof b), 21);
    assert_string_equal(b, "log.shop-cart_1.tpl42");
    struct log_series_name nm;
    assert_int_equal(log_series_name_parse(b, strlen(b), &nm), LOG_SERIES_TEMPLATE);
    assert_int_equal(nm.stream_len, 11);
    assert_memory_equal(nm.stream, "shop-cart_1", 11);
    assert_int_equal(nm.id, 42);
    assert_true(log_series_is_count(b));
}

static void test_level_name_parses_back_to_stream_and_level(void **state)
{
    (void)state;
    char b[64];
    assert_int_equal(log_series_level_name("web", "ERROR", b, sizeof b), 19);
    assert_string_equal(b, "log.web.level.ERROR");
    struct log_series_name nm;
    assert_int_equal(log_series_name_parse(b, strlen(b), &nm), LOG_SERIES_LEVEL);
    assert_int_equal(nm.stream_len, 3);
    assert_memory_equal(nm.stream, "web", 3);
    assert_int_equal(nm.level_len, 5);
    assert_memory_equal(nm.level, "ERROR", 5);
}

static void test_names_outside_the_rule_are_not_log_series(void **state)
{
    (void)state;
    static const char *const others[] = {"shop.cart.cpu", "log",           "log.",
                                         "log.cpu",       "log..tpl1",     "log.web.tpl",
                                         "log.web.tplx",  "log.web.tpl1x", "log.web.level.",
                                         "log.a.b.tpl1",  "logs.web.tpl1", "log.web.levels.ERROR"};
    struct log_series_name nm;
    for (size_t a = 0; a < sizeof others / sizeof others[0]; a++) {
        assert_int_equal(log_series_name_parse(others[a], strlen(others[a]), &nm), LOG_SERIES_NONE);
        assert_false(log_series_is_count(others[a]));
    }
}

static void test_a_name_that_does_not_fit_is_refused(void **state)
{
    (void)state;
    char b[12];
    assert_int_equal(log_series_template_name("checkout", 7, b, sizeof b), -1);
    assert_int_equal(log_series_level_name("checkout", "WARN", b, sizeof b), -1);
}

static void test_stream_longer_than_the_cap_is_not_a_log_series(void **state)
{
    (void)state;
    char stream[LOG_STREAM_MAX + 2], b[LOG_STREAM_MAX + 32];
    memset(stream, 's', sizeof stream - 1);
    stream[sizeof stream - 1] = '\0';
    assert_true(log_series_template_name(stream, 1, b, sizeof b) > 0);
    struct log_series_name nm;
    assert_int_equal(log_series_name_parse(b, strlen(b), &nm), LOG_SERIES_NONE);
    stream[LOG_STREAM_MAX] = '\0'; /* exactly the cap */
    log_series_template_name(stream, 1, b, sizeof b);
    assert_int_equal(log_series_name_parse(b, strlen(b), &nm), LOG_SERIES_TEMPLATE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_name_parses_back_to_stream_and_id),
        cmocka_unit_test(test_level_name_parses_back_to_stream_and_level),
        cmocka_unit_test(test_names_outside_the_rule_are_not_log_series),
        cmocka_unit_test(test_a_name_that_does_not_fit_is_refused),
        cmocka_unit_test(test_stream_longer_than_the_cap_is_not_a_log_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
