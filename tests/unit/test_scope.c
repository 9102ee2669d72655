/* A scope of the daemon, driven as the loop drives it (rows, polls) with a real worker pool:
 * the refresh applies the scope's priors to the graph it keeps, the graph JSON rendered from
 * the typed model has the documented keys, and the model is replaced whole by each refresh. */
#include "test_util.h"

#include "config.h"
#include "rng.h"
#include "scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const NAMES[] = {"xa", "xb", "xc", "xd"};

static const char *name_of(void *ctx, int id)
{
    (void)ctx;
    return id >= 0 && id < 4 ? NAMES[id] : NULL;
}

/* Loads a configuration whose one scope carries `extra` (YAML flow keys). */
static void load(struct config *c, const char *extra)
{
    char path[] = "/tmp/test_scope_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f,
            "state_dir: /tmp\n"
            "inputs:\n  - {name: f, type: file, path: /dev/null}\n"
            "scopes:\n  - {name: s, match: [\"x*\"], window: 300, tau_max: 1, refresh_every: 100,"
            " monitor: false%s}\n",
            extra);
    fclose(f);
    char err[512];
    int rc = config_load(path, c, err, sizeof err);
    unlink(path);
    if (rc) fail_msg("%s", err);
}

/* Polls as the loop does until n refreshes were adopted. */
static void wait_refreshes(struct scope *s, long n)
{
    for (int k = 0; k < 6000; k++) {
        scope_poll(s, NULL);
        pthread_mutex_lock(&s->mu);
        long got = s->refreshes;
        pthread_mutex_unlock(&s->mu);
        if (got >= n) return;
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    fail_msg("refresh %ld not adopted within 30 s", n);
}

/* xa -> xb (lag 1) strongly, xb -> xd (lag 1), xc independent; 300 rows; waits for the
 * refresh due every 100 rows. Returns the graph JSON. */
static json_t *run(const struct config *c)
{
    struct workers *w = workers_start(1, 0);
    struct scope *s = scope_new(&c->scopes[0], 8, 1000000000, NULL, NULL);
    struct rng r;
    rng_seed(&r, 5);
    double a = 0, b = 0, d = 0, row[4];
    for (int t = 0; t < 300; t++) {
        double na = rng_normal(&r), nb = 0.9 * a + 0.4 * rng_normal(&r),
               nd = 0.9 * b + 0.4 * rng_normal(&r);
        a = na, b = nb, d = nd;
        row[0] = a, row[1] = b, row[2] = rng_normal(&r), row[3] = d;
        scope_row(s, (int64_t)(t + 1) * 1000000000, row, NULL, 4, name_of, NULL, w);
        if ((t + 1) % 100 == 0) wait_refreshes(s, (t + 1) / 100);
    }
    json_t *g = scope_graph(s);
    scope_free(s);
    workers_stop(w);
    return g;
}

/* 1 when the graph lists a link from -> to of type "-->" at lag. */
static int has_link(const json_t *g, const char *from, const char *to, int lag)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(g, "links"), i, l)
    {
        if (!strcmp(json_string_value(json_object_get(l, "from")), from) &&
            !strcmp(json_string_value(json_object_get(l, "to")), to) &&
            json_integer_value(json_object_get(l, "lag")) == lag &&
            !strcmp(json_string_value(json_object_get(l, "type")), "-->"))
            return 1;
    }
    return 0;
}

static void test_scope_graph_has_the_documented_keys_and_the_learned_links(void **state)
{
    (void)state;
    struct config *c = calloc(1, sizeof *c);
    load(c, "");
    json_t *g = run(c);
    const char *keys[] = {"scope", "method", "variables", "samples", "tau_max",
                          "alpha", "test",   "links",     "seconds"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (!json_object_get(g, keys[k])) fail_msg("no \"%s\" in the graph JSON", keys[k]);
    assert_int_equal(json_object_size(g), 9);
    assert_string_equal(json_string_value(json_object_get(g, "scope")), "s");
    assert_int_equal(json_array_size(json_object_get(g, "variables")), 4);
    assert_string_equal(json_string_value(json_array_get(json_object_get(g, "variables"), 0)),
                        "xa");
    assert_int_equal(json_integer_value(json_object_get(g, "tau_max")), 1);
    assert_true(json_integer_value(json_object_get(g, "samples")) > 250);
    assert_true(has_link(g, "xa", "xb", 1));
    assert_true(has_link(g, "xb", "xd", 1));
    json_decref(g);
    free(c);
}

static void test_scope_refresh_applies_the_forbidden_links_and_tiers(void **state)
{
    (void)state;
    struct config *c = calloc(1, sizeof *c);
    load(c, ", forbidden: [\"xa -> xb\"]");
    json_t *g = run(c);
    assert_false(has_link(g, "xa", "xb", 1));
    assert_true(has_link(g, "xb", "xd", 1));
    json_decref(g);
    /* xd in the lowest tier, xb above it: xb -> xd goes against the tiers */
    load(c, ", tiers: [\"xd\", \"x[abc]\"]");
    g = run(c);
    assert_false(has_link(g, "xb", "xd", 1));
    assert_true(has_link(g, "xa", "xb", 1));
    json_decref(g);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_graph_has_the_documented_keys_and_the_learned_links),
        cmocka_unit_test(test_scope_refresh_applies_the_forbidden_links_and_tiers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
