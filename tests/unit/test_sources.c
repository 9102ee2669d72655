/* Inputs are plugins: a test-only type (ticks_source.c) added with one registry line is parsed
 * by the configuration, opened, polled and counted by the daemon like the built-in ones. */
#include "daemon_fixture.h"

#include "sources.h"

extern const struct source_ops ticks_source;

static void test_new_source_is_one_file_and_one_registry_line(void **state)
{
    (void)state;
    assert_int_equal(sources_register(&ticks_source), 0); /* the one line */
    struct fixture fx;
    fixture_init(&fx, 10);
    fixture_config(&fx, "ticks", "    rcvhwm: 300\n");
    /* the scope takes the tick series */
    FILE *f = fopen(fx.conf_path, "a");
    fprintf(f, "  - name: t\n    match: [\"tick.*\"]\n    window: 400\n");
    fclose(f);
    fixture_start(&fx);
    fixture_read_all(&fx);
    json_t *st = daemon_status(&fx.d);
    json_t *in = json_array_get(json_object_get(st, "inputs"), 0);
    assert_string_equal(json_string_value(json_object_get(in, "type")), "ticks");
    assert_int_equal(json_integer_value(json_object_get(in, "records")), 600);
    assert_int_equal(json_integer_value(json_object_get(in, "ticks")), 300);
    json_t *t = json_array_get(json_object_get(st, "scopes"), 1);
    assert_string_equal(json_string_value(json_object_get(t, "name")), "t");
    assert_int_equal(json_integer_value(json_object_get(t, "series")), 2);
    assert_int_equal(json_integer_value(json_object_get(t, "window_fill")), 300);
    json_decref(st);
    struct prom_text p = {0};
    stats_prometheus(&fx.d.stats, &p);
    assert_non_null(strstr(p.s, "causalmon_ticks_emitted_total{input=\"in\"} 300\n"));
    assert_non_null(strstr(p.s, "causalmon_records_total{input=\"in\"} 600\n"));
    free(p.s);
    fixture_stop(&fx);
    fixture_clean(&fx);
    assert_int_equal(sources_register(&ticks_source), -1); /* a type is registered once */
}

static void test_unknown_type_names_the_registered_ones(void **state)
{
    (void)state;
    struct fixture fx;
    fixture_init(&fx, 10);
    fixture_config(&fx, "nope", "");
    struct config *c = malloc(sizeof *c);
    char err[1024];
    assert_int_equal(config_load(fx.conf_path, c, err, sizeof err), -1);
    assert_non_null(strstr(err, "nope"));
    assert_non_null(strstr(err, "zmq_pull zmq_sub kafka file http"));
    free(c);
    fixture_clean(&fx);
}

static void test_type_checks_come_from_the_plugin(void **state)
{
    (void)state;
    struct fixture fx;
    fixture_init(&fx, 10);
    fixture_config(&fx, "kafka", "    topics: [x]\n"); /* no brokers */
    struct config *c = malloc(sizeof *c);
    char err[1024];
    assert_int_equal(config_load(fx.conf_path, c, err, sizeof err), -1);
    assert_non_null(strstr(err, "inputs[0] (in): a kafka input needs 'brokers' and 'topics'"));
    free(c);
    fixture_clean(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_type_names_the_registered_ones),
        cmocka_unit_test(test_type_checks_come_from_the_plugin),
        cmocka_unit_test(test_new_source_is_one_file_and_one_registry_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
