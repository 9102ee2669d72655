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
    fixture_config(&fx, "ticks", "    count: 300\n");
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

/* An input takes the common options and those of its own type: another type's option, and a
 * plug-in type's option on a built-in type, are refused naming file:line, the type and the keys
 * it knows. */
static void test_an_option_of_another_type_is_refused_naming_the_type(void **state)
{
    (void)state;
    if (sources_ops(5) == NULL) sources_register(&ticks_source);
    const char *cases[][3] = {
        {"zmq_pull", "    endpoint: tcp://127.0.0.1:1\n    brokers: x\n",
         ":14:5: inputs[0]: option 'brokers' is not known to inputs of type zmq_pull (known: "
         "name, type, format, precision, json_time_unit, stream, endpoint, rcvhwm, "
         "max_message)"},
        {"zmq_pull", "    endpoint: tcp://127.0.0.1:1\n    subscribe: x\n",
         "option 'subscribe' is not known to inputs of type zmq_pull"},
        {"file", "    path: /tmp/x\n    count: 3\n",
         "option 'count' is not known to inputs of type file"},
        {"ticks", "    rcvhwm: 3\n", "option 'rcvhwm' is not known to inputs of type ticks"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct fixture fx;
        fixture_init(&fx, 10);
        fixture_config(&fx, cases[k][0], cases[k][1]);
        struct config *c = malloc(sizeof *c);
        char err[1024];
        assert_int_equal(config_load(fx.conf_path, c, err, sizeof err), -1);
        if (!strstr(err, cases[k][2])) fail_msg("got: %s", err);
        assert_non_null(strstr(err, fx.conf_path));
        free(c);
        fixture_clean(&fx);
    }
    /* and a type's own option lands in its own struct, with its default when unset */
    struct fixture fx;
    fixture_init(&fx, 10);
    fixture_config(&fx, "ticks", "");
    struct config *c = malloc(sizeof *c);
    char err[1024];
    if (config_load(fx.conf_path, c, err, sizeof err)) fail_msg("%s", err);
    assert_int_equal(*(const int *)c->inputs[0].ext, 100);
    free(c);
    fixture_clean(&fx);
}

/* Two inputs read backlogs; the fast one covers twice the event time per poll. Unchecked it would
 * push the aligner's watermark past what the slow one still owes, and the slow one's records would
 * be rejected as late. The loop pauses the fast one (its pause operation is called, it is not
 * polled) while it is more than lateness/2 ahead, resumes it, and every record of both lands. */
static void test_an_input_ahead_of_anothers_backlog_is_paused_and_nothing_is_lost(void **state)
{
    (void)state;
    if (sources_ops(5) == NULL) sources_register(&ticks_source);
    struct fixture fx;
    fixture_init(&fx, 10);
    int port = 20000 + (int)(getpid() % 20000);
    FILE *f = fopen(fx.conf_path, "w");
    fprintf(f,
            "bucket: 1s\nlateness: 20s\nmax_future: 0s\nlog_level: warning\nstate_dir: %s/state\n"
            "alerts: {endpoint: \"tcp://127.0.0.1:%d\"}\nquery: {endpoint: "
            "\"tcp://127.0.0.1:%d\"}\n"
            "inputs:\n"
            "  - {name: slow, type: ticks, count: 300, step: 1, slice: 5, measurement: a}\n"
            "  - {name: fast, type: ticks, count: 300, step: 2, slice: 5, measurement: b}\n"
            "scopes: [{name: s, match: [\"a.*\", \"b.*\"], window: 200, refresh_every: 100000}]\n",
            fx.dir, port, port + 1);
    fclose(f);
    fixture_start(&fx);
    fixture_read_all(&fx);
    json_t *st = daemon_status(&fx.d);
    json_t *slow = json_array_get(json_object_get(st, "inputs"), 0),
           *fast = json_array_get(json_object_get(st, "inputs"), 1);
    assert_string_equal(json_string_value(json_object_get(fast, "name")), "fast");
    /* nothing lost: every tick of both inputs is in the aligner, none late */
    assert_int_equal(json_integer_value(json_object_get(slow, "records")), 600);
    assert_int_equal(json_integer_value(json_object_get(fast, "records")), 600);
    for (int k = 0; k < 2; k++) {
        json_t *in = k ? fast : slow;
        json_t *late = json_object_get(json_object_get(in, "rejected"), "late");
        assert_int_equal(json_integer_value(late), 0);
        assert_int_equal(json_integer_value(json_object_get(in, "ticks_polled_paused")), 0);
        assert_int_equal(json_integer_value(json_object_get(in, "paused")), 0);
    }
    /* the fast one was paused (more than once: it keeps outrunning) and resumed as often */
    long pauses = (long)json_integer_value(json_object_get(fast, "pauses"));
    assert_true(pauses >= 2);
    assert_int_equal(json_integer_value(json_object_get(fast, "ticks_pause_calls")), pauses);
    assert_int_equal(json_integer_value(json_object_get(fast, "ticks_resume_calls")), pauses);
    assert_int_equal(json_integer_value(json_object_get(slow, "pauses")), 0);
    json_decref(st);
    struct prom_text p = {0};
    stats_prometheus(&fx.d.stats, &p);
    char want[128];
    snprintf(want, sizeof want, "causalmon_input_pauses_total{input=\"fast\"} %ld\n", pauses);
    assert_non_null(strstr(p.s, want));
    free(p.s);
    fixture_stop(&fx);
    fixture_clean(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_type_names_the_registered_ones),
        cmocka_unit_test(test_type_checks_come_from_the_plugin),
        cmocka_unit_test(test_new_source_is_one_file_and_one_registry_line),
        cmocka_unit_test(test_an_option_of_another_type_is_refused_naming_the_type),
        cmocka_unit_test(test_an_input_ahead_of_anothers_backlog_is_paused_and_nothing_is_lost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
