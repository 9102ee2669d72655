/* The stats registry: its two renderers agree, and status JSON and /metrics list the same
 * counters for a running daemon. */
#include "daemon_fixture.h"

#include "stats.h"

static long counter_a = 7;

static void one(void *ctx, struct stats_emit *e)
{
    (void)ctx;
    stats_sample(e, (double)counter_a);
}

static void per_input(void *ctx, struct stats_emit *e)
{
    (void)ctx;
    stats_sample(e, 3, "x", "late");
    stats_sample(e, 4, "x", "syntax");
    stats_sample(e, 0.25, "y\"q", "late");
}

static void lag(void *ctx, struct stats_emit *e)
{
    (void)ctx;
    stats_sample(e, 11, "x", "t", "0");
    stats_sample(e, 12, "x", "t", "1");
}

static void test_both_renderers_of_a_registry(void **state)
{
    (void)state;
    struct stats s = {0};
    struct stat_family fa = {"c_a_total", "A.", STAT_COUNTER, "top.a", {NULL}, one, NULL};
    struct stat_family fb = {
        "c_rej_total",       "Rejected.", STAT_COUNTER, "inputs[name=input].rejected.{reason}",
        {"input", "reason"}, per_input,   NULL};
    struct stat_family fc = {"c_lag",
                             "Lag.",
                             STAT_GAUGE,
                             "inputs[name=input].lag[topic=topic,partition=part].lag",
                             {"input", "topic", "part"},
                             lag,
                             NULL};
    assert_int_equal(stats_register(&s, &fa), 0);
    assert_int_equal(stats_register(&s, &fb), 0);
    assert_int_equal(stats_register(&s, &fc), 0);
    assert_int_equal(stats_register(&s, &fa), -1); /* a name is registered once */
    struct prom_text t = {0};
    stats_prometheus(&s, &t);
    assert_string_equal(t.s, "# HELP c_a_total A.\n# TYPE c_a_total counter\nc_a_total 7\n"
                             "# HELP c_rej_total Rejected.\n# TYPE c_rej_total counter\n"
                             "c_rej_total{input=\"x\",reason=\"late\"} 3\n"
                             "c_rej_total{input=\"x\",reason=\"syntax\"} 4\n"
                             "c_rej_total{input=\"y\\\"q\",reason=\"late\"} 0.25\n"
                             "# HELP c_lag Lag.\n# TYPE c_lag gauge\n"
                             "c_lag{input=\"x\",topic=\"t\",part=\"0\"} 11\n"
                             "c_lag{input=\"x\",topic=\"t\",part=\"1\"} 12\n");
    free(t.s);
    json_t *root = json_object();
    assert_int_equal(stats_json(&s, root), 0);
    char *js = json_dumps(root, JSON_COMPACT);
    assert_string_equal(js,
                        "{\"top\":{\"a\":7},\"inputs\":[{\"name\":\"x\",\"rejected\":{\"late\":3,"
                        "\"syntax\":4},\"lag\":[{\"topic\":\"t\",\"partition\":0,\"lag\":11},"
                        "{\"topic\":\"t\",\"partition\":1,\"lag\":12}]},{\"name\":\"y\\\"q\","
                        "\"rejected\":{\"late\":0.25}}]}");
    free(js);
    json_decref(root);
}

static void test_a_path_that_does_not_fit_is_reported(void **state)
{
    (void)state;
    struct stats s = {0};
    struct stat_family f = {"c_a_total", "A.", STAT_COUNTER, "top.a", {NULL}, one, NULL};
    stats_register(&s, &f);
    json_t *root = json_pack("{s:i}", "top", 1); /* "top" is not an object */
    assert_int_equal(stats_json(&s, root), -1);
    json_decref(root);
}

/* Sets out[path] = value for every number in j. */
static void leaves(const json_t *j, const char *path, json_t *out)
{
    char sub[512];
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v)
        {
            snprintf(sub, sizeof sub, "%s.%s", path, k);
            leaves(v, sub, out);
        }
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            snprintf(sub, sizeof sub, "%s.%zu", path, i);
            leaves(v, sub, out);
        }
    } else if (json_is_number(j)) {
        json_object_set_new(out, path, json_real(json_number_value(j)));
    }
}

static void test_status_and_metrics_list_the_same_counters(void **state)
{
    (void)state;
    struct fixture fx;
    fixture_init(&fx, 300);
    char extra[200];
    snprintf(extra, sizeof extra, "    path: %s/data.lp\n", fx.dir);
    fixture_config(&fx, "file", extra);
    fixture_start(&fx);
    fixture_read_all(&fx);
    /* /metrics: one sample line per value */
    struct prom_text t = {0};
    stats_prometheus(&fx.d.stats, &t);
    int samples = 0;
    for (char *line = t.s; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        samples += line[0] != '#';
    /* the registry's JSON: one number per sample */
    json_t *reg = json_object(), *from_reg = json_object(), *from_status = json_object();
    stats_json(&fx.d.stats, reg);
    leaves(reg, "", from_reg);
    json_t *st = daemon_status(&fx.d);
    leaves(st, "", from_status);
    assert_true(samples > 40);
    assert_int_equal((int)json_object_size(from_reg), samples);
    /* every registry number is in status at the same place, and status has no other counter:
     * what remains is configuration (a scope's window) */
    const char *k;
    json_t *v;
    json_object_foreach(from_reg, k, v)
    {
        json_t *w = json_object_get(from_status, k);
        if (!w) fail_msg("status lacks %s", k);
        if (strcmp(k, ".uptime_s") != 0) assert_close(json_real_value(w), json_real_value(v), 0);
    }
    int others = 0;
    json_object_foreach(from_status, k, v)
    {
        if (json_object_get(from_reg, k)) continue;
        if (strcmp(k, ".scopes.0.window") != 0) fail_msg("status has %s, not in /metrics", k);
        others++;
    }
    assert_int_equal(others, 1);
    /* and the numbers are the daemon's: 300 rows of 3 series read */
    assert_non_null(strstr(t.s, "causalmon_records_total{input=\"in\"} 900\n"));
    assert_close(json_real_value(json_object_get(from_status, ".inputs.0.records")), 900, 0);
    free(t.s);
    json_decref(reg);
    json_decref(from_reg);
    json_decref(from_status);
    json_decref(st);
    fixture_stop(&fx);
    fixture_clean(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_renderers_of_a_registry),
        cmocka_unit_test(test_a_path_that_does_not_fit_is_reported),
        cmocka_unit_test(test_status_and_metrics_list_the_same_counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
