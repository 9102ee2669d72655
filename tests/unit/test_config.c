/* The option table end to end: a configuration using every option loads, is written back and
 * loads into an equal struct; defaults are what the reference documents; and each option's
 * change is classed as the reload really treats it. */
#include "test_util.h"

#include "config.h"
#include "config_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every option at a value other than its default (one input of each type, one scope, one
 * sink). */
static const char EVERY_OPTION[] =
    "bucket: 2s\n"
    "lateness: 7s\n"
    "series_ttl: 2h\n"
    "max_future: 5m\n"
    "idle_flush: 3s\n"
    "max_series: 5000\n"
    "max_gap: 7\n"
    "state_dir: /tmp/causalmon-test-state\n"
    "checkpoint_every: 30s\n"
    "log_level: debug\n"
    "workers: 3\n"
    "worker_nice: 5\n"
    "drain: {depth: 5, similarity: 0.5, max_children: 50, max_clusters: 500, max_streams: 8}\n"
    "alerts: {endpoint: \"tcp://127.0.0.1:17002\", hwm: 500, heartbeat: 2500ms}\n"
    "query: {endpoint: \"tcp://127.0.0.1:17003\"}\n"
    "metrics: {listen: \":19100\", bearer_token_file: /tmp/t1, external_url: "
    "\"http://monitor.example:9100\"}\n"
    "curve: {enabled: true, secret_key_file: /tmp/k, allowed_clients_dir: /tmp/d}\n"
    "inputs:\n"
    "  - name: k\n"
    "    type: kafka\n"
    "    format: json\n"
    "    precision: ms\n"
    "    json_time_unit: ms\n"
    "    stream: st\n"
    "    brokers: \"127.0.0.1:9092\"\n"
    "    topics: [a, \"^b\\\\..*\"]\n"
    "    group: g\n"
    "    instance_id: host1\n"
    "    rdkafka: {session.timeout.ms: \"6000\", fetch.max.bytes: \"1000\"}\n"
    "    timestamp_source: kafka\n"
    "    store: incorporated\n"
    "    stream_from: key\n"
    "    handover_dir: /tmp/handover\n"
    "  - name: p\n"
    "    type: zmq_pull\n"
    "    format: json\n"
    "    precision: ms\n"
    "    json_time_unit: ms\n"
    "    stream: st\n"
    "    endpoint: \"tcp://127.0.0.1:2\"\n"
    "    rcvhwm: 5\n"
    "    max_message: 4096\n"
    "  - name: s\n"
    "    type: zmq_sub\n"
    "    format: json\n"
    "    precision: ms\n"
    "    json_time_unit: ms\n"
    "    stream: st\n"
    "    endpoint: \"tcp://127.0.0.1:3\"\n"
    "    subscribe: x\n"
    "    rcvhwm: 6\n"
    "    max_message: 8192\n"
    "  - name: f\n"
    "    type: file\n"
    "    format: json\n"
    "    precision: ms\n"
    "    json_time_unit: ms\n"
    "    stream: st\n"
    "    path: /tmp/p\n"
    "    speed: 2.5\n"
    "  - name: h\n"
    "    type: http\n"
    "    format: json\n"
    "    precision: ms\n"
    "    json_time_unit: ms\n"
    "    stream: st\n"
    "    listen: \":18086\"\n"
    "    max_body: 2048\n"
    "    queue_kib: 128\n"
    "    bearer_token_file: /tmp/t2\n"
    "scopes:\n"
    "  - name: s\n"
    "    match: [\"a.*\", \"b.*\"]\n"
    "    window: 800\n"
    "    tau_max: 4\n"
    "    method: lpcmci\n"
    "    refresh_every: 40\n"
    "    alpha: 0.05\n"
    "    screen_alpha: 0.1\n"
    "    screen_top_k: 20\n"
    "    kpis: [a.latency]\n"
    "    max_series: 50\n"
    "    component_map: \"prefix:_\"\n"
    "    tiers: [\"a.*\", \"*\"]\n"
    "    forbidden: [\"a.* -> b.*\"]\n"
    "    required: [\"b.x -> a.y\"]\n"
    "    directions: [\"^a\\\\.q=down\"]\n"
    "    entry_points: [\"^a$\"]\n"
    "    calls: [\"a -> b\", \"b -> c*\"]\n"
    "    rank_at: [\"2023-11-14T22:13:20Z\", \"1700000000\"]\n"
    "    rank_after: 12\n"
    "    z: 4\n"
    "    reference: 250\n"
    "    settle: 30\n"
    "    cooldown: 10\n"
    "    structure_alerts: false\n"
    "    monitor: false\n"
    "    monitor_reference: 200\n"
    "    monitor_gap: 30\n"
    "    monitor_recent: 60\n"
    "    monitor_every: 5\n"
    "    monitor_alpha: 0.01\n"
    "    monitor_confirm: 2\n"
    "    monitor_false_alarms: 0.5\n"
    "    monitor_adopt: 100\n"
    "    deseason: true\n"
    "    min_confidence: 0.5\n"
    "sinks:\n"
    "  - {name: hook, type: webhook, url: \"http://127.0.0.1:9/x\", resend: 10s, timeout: 2s,\n"
    "     queue: 10, retries: 2, bearer_token_file: /tmp/t3}\n";

/* Only what is required, as many items as above (inputs of the same types), and each required
 * value unlike the above. */
#define REQUIRED_INPUTS                                                                            \
    "inputs: [{name: m1, type: kafka, brokers: \"127.0.0.1:1\", topics: [c]},\n"                   \
    "         {name: m2, type: zmq_pull, endpoint: \"tcp://127.0.0.1:1\"},\n"                      \
    "         {name: m3, type: zmq_sub, endpoint: \"tcp://127.0.0.1:4\"},\n"                       \
    "         {name: m4, type: file, path: /tmp/q},\n"                                             \
    "         {name: m5, type: http, listen: \":1\"}]\n"
static const char REQUIRED_ONLY[] =
    REQUIRED_INPUTS "scopes: [{name: t, match: [\"c.*\"]}]\n"
                    "sinks: [{name: am, type: alertmanager, url: \"http://127.0.0.1:9093\"}]\n";

#include "test_tmpdir.h"

static const char *write_file(const char *name, const char *text)
{
    static char path[4][128];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, 128, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

/* Loads text (as file name) into a new struct; fails the test on an error. */
static struct config *load_text(const char *name, const char *text)
{
    struct config *c = malloc(sizeof *c);
    char err[1024];
    if (config_load(write_file(name, text), c, err, sizeof err)) fail_msg("%s", err);
    return c;
}

static struct config *load_written(const struct config *c)
{
    char path[128];
    snprintf(path, sizeof path, "%s/written.yaml", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(config_write(f, c), 0);
    fclose(f);
    struct config *back = malloc(sizeof *back);
    char err[1024];
    if (config_load(path, back, err, sizeof err)) fail_msg("written back: %s", err);
    return back;
}

/* The two structs are equal but for the path they were read from. */
static void assert_same_config(struct config *a, struct config *b)
{
    struct config_change ch[8];
    int n = config_changes(a, b, ch, 8);
    if (n) fail_msg("%d options differ, first '%s'", n, ch[0].name);
    memcpy(b->path, a->path, sizeof a->path);
    assert_memory_equal(a, b, sizeof *a);
}

/* Leaf options of table in the struct at base (each list item as NAME[i].KEY, with the options
 * of its variant: an input's type), by visiting fn with the base of the option's struct. */
static void each_option(const struct opt *table, const char *prefix, char *base,
                        void (*fn)(const struct opt *o, const char *name, char *base, void *ctx),
                        void *ctx)
{
    for (const struct opt *o = table; o->key; o++) {
        char name[160];
        snprintf(name, sizeof name, "%.100s%s", prefix, o->key);
        if (o->type == T_MAP) {
            char pre[170];
            snprintf(pre, sizeof pre, "%s.", name);
            each_option(o->sub, pre, base, fn, ctx);
        } else if (o->type == T_LIST) {
            for (int i = 0; i < *(int *)(base + o->count_off); i++) {
                char pre[180];
                snprintf(pre, sizeof pre, "%s[%d].", name, i);
                char *item = base + o->off + (size_t)i * o->size;
                each_option(o->sub, pre, item, fn, ctx);
                size_t off;
                const struct opt *vt = config_item_variant(o, item, &off);
                if (vt) each_option(vt, pre, item + off, fn, ctx);
            }
        } else {
            fn(o, name, base, ctx);
        }
    }
}

struct names {
    const struct config_change *ch;
    int n, missing, total;
};

static void expect_changed(const struct opt *o, const char *name, char *base, void *ctx)
{
    (void)o;
    (void)base;
    struct names *nm = ctx;
    int item;
    char rest[16];
    if (sscanf(name, "inputs[%d].%15s", &item, rest) == 2 && !strcmp(rest, "type"))
        return; /* the same in both files, so that the options of each type compare */
    int found = 0;
    for (int k = 0; k < nm->n; k++) found |= strcmp(nm->ch[k].name, name) == 0;
    if (!found) {
        print_message("option %s is at its default in the test's file\n", name);
        nm->missing++;
    }
    nm->total++;
}

static void test_every_option_round_trips_through_write_and_load(void **state)
{
    (void)state;
    struct config *full = load_text("full.yaml", EVERY_OPTION);
    struct config *req = load_text("required.yaml", REQUIRED_ONLY);
    /* the file sets every option of the table to something else than its default */
    struct config_change ch[512];
    struct names nm = {ch, config_changes(req, full, ch, 512), 0, 0};
    each_option(CONFIG_OPTS, "", (char *)full, expect_changed, &nm);
    assert_int_equal(nm.missing, 0);
    assert_int_equal(nm.n, nm.total);
    assert_true(nm.total > 100);

    struct config *back = load_written(full);
    assert_same_config(full, back);
    struct config *back2 = load_written(req);
    assert_same_config(req, back2);
    free(full);
    free(req);
    free(back);
    free(back2);
}

/* Every default the reference documents ("# KEY (TYPE, default VALUE") is the value a file
 * without that key loads: a file that writes the documented value gives the same struct. */
static void test_defaults_are_the_documented_defaults(void **state)
{
    (void)state;
    char *ref = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&ref, &len);
    config_reference(m);
    fclose(m);
    int checked = 0;
    char vtype[32] = ""; /* the input type whose options follow (their heading's) */
    for (char *line = strtok(ref, "\n"); line; line = strtok(NULL, "\n")) {
        char key[160], type[32], value[256];
        const char *p = line + strspn(line, " ");
        if (sscanf(p, "# inputs of type %31s also take:", vtype) == 1) continue;
        if (p - line <= 2) vtype[0] = '\0'; /* back to the common options */
        if (sscanf(p, "# %159s (%31[^,], default %255[^,)]", key, type, value) != 3) continue;
        if (!strcmp(type, "choice")) value[strcspn(value, ":")] = '\0'; /* then the choices */
        if (!strcmp(value, "empty")) value[0] = '\0';
        char val[300], without[512], with[1024];
        snprintf(val, sizeof val, !strcmp(type, "string") ? "\"%s\"" : "%s", value);
        /* KEY as YAML: "a.b" is a key of map a, "l[].k" a key of the one item of list l (an
         * input of the type whose options these are, with the keys its type requires) */
        char *dot = strchr(key, '.'), *br = strstr(key, "[].");
        if (br) {
            *br = '\0';
            const char *k = br + 3;
            static const char *const inputs[][3] = {
                {"", "", "name: m, type: zmq_pull, endpoint: \"tcp://127.0.0.1:1\""},
                {"zmq_pull", "endpoint",
                 "name: m, type: zmq_pull, endpoint: \"tcp://127.0.0.1:1\""},
                {"zmq_sub", "endpoint", "name: m, type: zmq_sub, endpoint: \"tcp://127.0.0.1:1\""},
                {"kafka", "brokers", "name: m, type: kafka, brokers: \"127.0.0.1:1\", topics: [t]"},
                {"file", "path", "name: m, type: file, path: /tmp/x"},
                {"http", "listen", "name: m, type: http, listen: \":1\""},
            };
            const char *item = !strcmp(key, "scopes")  ? "name: t, match: [\"c.*\"]"
                               : !strcmp(key, "sinks") ? "name: am, type: alertmanager, url: "
                                                         "\"http://127.0.0.1:9093\""
                                                       : NULL;
            for (size_t t = 0; !item && t < sizeof inputs / sizeof inputs[0]; t++)
                if (!strcmp(inputs[t][0], vtype)) {
                    if (!strcmp(inputs[t][1], k)) break; /* required by the type: no default */
                    item = inputs[t][2];
                }
            if (!item) continue;
            snprintf(without, sizeof without, "%s: [{%s}]\n", key, item);
            snprintf(with, sizeof with, "%s: [{%s, %s: %s}]\n", key, item, k, val);
        } else if (dot) {
            *dot = '\0';
            snprintf(without, sizeof without, "{}\n");
            snprintf(with, sizeof with, "%s: {%s: %s}\n", key, dot + 1, val);
        } else {
            snprintf(without, sizeof without, "{}\n");
            snprintf(with, sizeof with, "%s: %s\n", key, val);
        }
        struct config *a = load_text("without.yaml", without), *b = load_text("with.yaml", with);
        struct config_change ch[4];
        int n = config_changes(a, b, ch, 4);
        if (n) fail_msg("documented default of %s differs: %s", key, ch[0].name);
        free(a);
        free(b);
        checked++;
    }
    free(ref);
    assert_true(checked > 70);
}

/* The shipped default configuration (config_write_default) sets every option to its default:
 * it differs from an empty file only by its example input and scope. */
static void test_generated_default_configuration_holds_the_defaults(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    config_write_default(m);
    fclose(m);
    struct config *gen = load_text("default.yaml", text);
    struct config *empty = load_text("empty.yaml", "{}\n");
    struct config_change ch[8];
    int n = config_changes(empty, gen, ch, 8);
    assert_int_equal(n, 2);
    assert_string_equal(ch[0].name, "inputs");
    assert_string_equal(ch[1].name, "scopes");
    /* and its example scope takes the scope defaults for what it does not set */
    struct scope_conf d;
    config_scope_defaults(&d);
    assert_int_equal(gen->scopes[0].window, d.window);
    assert_int_equal(gen->scopes[0].tau_max, d.tau_max);
    assert_true(gen->scopes[0].alpha == d.alpha);
    assert_true(gen->scopes[0].min_confidence == d.min_confidence);
    free(text);
    free(gen);
    free(empty);
}

/* Changes field o of base to another value of its type. */
static void mutate(const struct opt *o, char *base)
{
    char *at = base + o->off;
    switch (o->type) {
    case T_DUR:
        *(int64_t *)at += 1000000;
        break;
    case T_REAL:
        *(double *)at += 0.125;
        break;
    case T_STR:
        at[0] = at[0] == 'x' ? 'y' : 'x'; /* an empty string becomes "x" */
        break;
    case T_ENUM:
        if (o->size)
            snprintf(at, o->size, "%s", strcmp(at, o->choices[0]) ? o->choices[0] : o->choices[1]);
        else
            *(int *)at = *(int *)at ? 0 : 1;
        break;
    case T_BOOL:
        *(int *)at = !*(int *)at;
        break;
    case T_STRS:
    case T_PROPS:
        at[0] = at[0] == 'x' ? 'y' : 'x';
        if (*(int *)(base + o->count_off) == 0) *(int *)(base + o->count_off) = 1;
        break;
    default:
        *(int *)at += 1;
    }
}

struct classify {
    const struct config *a;
    struct config *b;
    int apply;
};

/* Reloadable options, each with the consumer that applies it (config_table.h). */
static const char *const RELOADABLE[] = {
    "idle_flush",       "checkpoint_every",        "log_level",
    "alerts.heartbeat", "scopes[0].refresh_every", "scopes[0].structure_alerts"};

static void expect_class(const struct opt *o, const char *name, char *base, void *ctx)
{
    struct classify *c = ctx;
    (void)base;
    memcpy(c->b, c->a, sizeof *c->a);
    /* the field's place in b: base is an offset from the start of the struct */
    mutate(o, (char *)c->b + (base - (char *)c->a));
    struct config_change ch[4];
    int n = config_changes(c->a, c->b, ch, 4);
    if (n != 1) fail_msg("changing %s: %d changes reported", name, n);
    assert_string_equal(ch[0].name, name);
    int listed = 0;
    for (size_t k = 0; k < sizeof RELOADABLE / sizeof RELOADABLE[0]; k++)
        listed |= !strcmp(RELOADABLE[k], name);
    if (listed != (ch[0].reload == RELOAD_APPLY))
        fail_msg("%s is classed %s", name, listed ? "restart" : "reloadable");
    char msg[512];
    int refused = config_unreloadable_changes(c->a, c->b, msg, sizeof msg);
    assert_int_equal(refused, !listed);
    if (refused) {
        char want[256];
        snprintf(want, sizeof want, "'%s' changed: it takes a restart", name);
        assert_string_equal(msg, want);
    }
    c->apply += listed;
}

static void test_each_option_change_gets_its_reload_class(void **state)
{
    (void)state;
    struct config *a = load_text("full.yaml", EVERY_OPTION);
    struct classify c = {a, malloc(sizeof *a), 0};
    each_option(CONFIG_OPTS, "", (char *)a, expect_class, &c);
    assert_int_equal(c.apply, (int)(sizeof RELOADABLE / sizeof RELOADABLE[0]));
    free(c.b);
    free(a);
}

static void test_adding_a_scope_takes_a_restart(void **state)
{
    (void)state;
    struct config *a = load_text("one.yaml", REQUIRED_ONLY);
    char two[1024];
    snprintf(two, sizeof two, "%sscopes: [{name: t, match: [\"c.*\"]}, {name: u, match: [d]}]\n",
             REQUIRED_INPUTS
             "sinks: [{name: am, type: alertmanager, url: \"http://127.0.0.1:9093\"}]\n");
    struct config *b = load_text("two.yaml", two);
    struct config_change ch[4];
    assert_int_equal(config_changes(a, b, ch, 4), 1);
    assert_string_equal(ch[0].name, "scopes");
    assert_int_equal(ch[0].reload, RELOAD_RESTART);
    char msg[256];
    assert_int_equal(config_unreloadable_changes(a, b, msg, sizeof msg), 1);
    assert_string_equal(msg, "'scopes' changed: it takes a restart");
    free(a);
    free(b);
}

/* Two real files: a new log level and refresh cadence reload; a new alpha is refused and
 * named; both together are refused for the alpha alone. */
static void test_reload_of_files_reports_only_restart_options(void **state)
{
    (void)state;
    const char *base = "inputs: [{name: m, type: zmq_pull, endpoint: \"tcp://127.0.0.1:1\"}]\n";
    char t[4][512];
    snprintf(t[0], sizeof t[0], "%slog_level: info\nscopes: [{name: s, match: [a]}]\n", base);
    snprintf(t[1], sizeof t[1],
             "%slog_level: debug\nscopes: [{name: s, match: [a], refresh_every: 5}]\n", base);
    snprintf(t[2], sizeof t[2], "%slog_level: info\nscopes: [{name: s, match: [a], alpha: 0.05}]\n",
             base);
    snprintf(t[3], sizeof t[3],
             "%slog_level: debug\nscopes: [{name: s, match: [a], alpha: 0.05, "
             "refresh_every: 5}]\n",
             base);
    struct config *c[4];
    for (int k = 0; k < 4; k++) c[k] = load_text(k % 2 ? "odd.yaml" : "even.yaml", t[k]);
    char msg[512];
    assert_int_equal(config_unreloadable_changes(c[0], c[1], msg, sizeof msg), 0);
    assert_string_equal(msg, "");
    assert_int_equal(config_unreloadable_changes(c[0], c[2], msg, sizeof msg), 1);
    assert_string_equal(msg, "'scopes[0].alpha' changed: it takes a restart");
    assert_int_equal(config_unreloadable_changes(c[0], c[3], msg, sizeof msg), 1);
    struct config_change ch[8];
    assert_int_equal(config_changes(c[0], c[3], ch, 8), 3);
    for (int k = 0; k < 4; k++) free(c[k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_option_round_trips_through_write_and_load),
        cmocka_unit_test(test_defaults_are_the_documented_defaults),
        cmocka_unit_test(test_generated_default_configuration_holds_the_defaults),
        cmocka_unit_test(test_each_option_change_gets_its_reload_class),
        cmocka_unit_test(test_adding_a_scope_takes_a_restart),
        cmocka_unit_test(test_reload_of_files_reports_only_restart_options),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
