/*
 * config.c - the option table (config_table.h) and the YAML parser that fills a struct config
 * from it: defaults first, then each key of the file checked against its row, then the
 * cross-field checks a row cannot express.
 */
#include "config.h"
#include "config_table.h"
#include "rca_prior.h"
#include "sources.h"

#include "duration.h"
#include "ingest.h"
#include "svar_limits.h"
#include "timestamp.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* inputs[].type: the registered source types (sources.h), looked up when used. */
static const char *const INPUT_TYPES[] = {NULL};
static const char *const SINK_TYPES[] = {"alertmanager", "webhook", NULL};
static const char *const TS_SOURCES[] = {"payload", "kafka", NULL};
static const char *const STORES[] = {"incorporated", "checkpoint", NULL};
static const char *const LOG_LEVELS[] = {"error", "warning", "notice", "info", "debug", NULL};
static const char *const PRECISIONS[] = {"ns", "us", "ms", "s", NULL};
static const char *const JSON_UNITS[] = {"s", "ms", "us", "ns", "auto", NULL};
static const char *const STREAM_FROM[] = {"name", "key", NULL};
static const char *const METHODS[] = {"pcmci+", "lpcmci", NULL}; /* enum svar_method order */

const char *const *config_choices(const struct opt *o)
{
    return o->choices == INPUT_TYPES ? sources_type_names() : o->choices;
}

#define OPT_STRUCT input_conf
static const struct opt INPUT_OPTS[] = {
    OPT_STR_REQUIRED("name", name, RELOAD_RESTART, "input name, unique; used in status and logs"),
    OPT_ENUM_REQUIRED("type", type, INPUT_TYPES, RELOAD_RESTART,
                      "zmq_pull (binds), zmq_sub (connects), kafka, file (a path or - for stdin), "
                      "or http (InfluxDB /write and /api/v2/write, Prometheus remote_write "
                      "/api/v1/write, JSON lines /ingest/json and /ingest/logs)"),
    OPT_STR("format", format, "influx", RELOAD_RESTART,
            "influx, json, log, log_json (fluentbit, vector); a multipart [format][payload] "
            "message names its own"),
    OPT_STR("endpoint", endpoint, "", RELOAD_RESTART,
            "zmq: the endpoint, e.g. tcp://127.0.0.1:7001"),
    OPT_STR("subscribe", subscribe, "", RELOAD_RESTART,
            "zmq_sub: subscription prefix (empty: everything)"),
    OPT_INT("rcvhwm", rcvhwm, 10000, 0, 10000000, RELOAD_RESTART,
            "zmq: receive high-water mark, messages"),
    OPT_INT("max_message", max_message, 16777216, 1024, 1073741824, RELOAD_RESTART,
            "zmq: largest message frame in bytes; ZeroMQ drops the sender's connection on a "
            "bigger one"),
    OPT_STR("brokers", brokers, "", RELOAD_RESTART, "kafka: bootstrap servers, host:port,..."),
    OPT_STRS("topics", topics, ntopics, RELOAD_RESTART, "kafka: topic names, or ^regex"),
    OPT_STR("group", group, "causalmon", RELOAD_RESTART, "kafka: consumer group id"),
    OPT_STR("instance_id", instance_id, "", RELOAD_RESTART,
            "kafka: group.instance.id for static membership (e.g. the host name)"),
    OPT_PROPS("rdkafka", props, nprops, RELOAD_RESTART,
              "kafka: librdkafka properties passed through, validated at start; \"file:PATH\" "
              "reads a secret"),
    OPT_ENUM("timestamp_source", timestamp_source, "payload", TS_SOURCES, RELOAD_RESTART,
             "kafka: event time from the payload, or the Kafka message timestamp"),
    OPT_ENUM("store", store, "checkpoint", STORES, RELOAD_RESTART,
             "kafka: commit offsets once the records' buckets are closed and checkpointed "
             "(nothing lost at a crash), or once they are in the aligner (open buckets lost at a "
             "crash)"),
    OPT_ENUM_TEXT("precision", precision, "ns", PRECISIONS, RELOAD_RESTART,
                  "influx: timestamp precision"),
    OPT_ENUM_TEXT("json_time_unit", json_time_unit, "s", JSON_UNITS, RELOAD_RESTART,
                  "json: unit of numeric timestamps (Telegraf json_timestamp_units)"),
    OPT_STR("stream", stream, "", RELOAD_RESTART, "logs: stream name (default: the input name)"),
    OPT_ENUM("stream_from", stream_from_key, "name", STREAM_FROM, RELOAD_RESTART,
             "kafka logs: stream name from the input (name) or the message key"),
    OPT_STR("path", path, "", RELOAD_RESTART, "file: the path, or - for standard input"),
    OPT_REAL("speed", speed, 0, 0, 1e9, RELOAD_RESTART,
             "file: replay speed-up over event time (0: as fast as possible)"),
    OPT_STR("listen", listen, "", RELOAD_RESTART,
            "http: HOST:PORT, [IPv6]:PORT, or :PORT for 127.0.0.1"),
    OPT_INT("max_body", max_body, 16777216, 1024, 1073741824, RELOAD_RESTART,
            "http: largest request body in bytes, after gzip or snappy decompression (413 "
            "beyond)"),
    OPT_INT("queue_kib", queue_kib, 65536, 64, 16777216, RELOAD_RESTART,
            "http: KiB of bodies waiting for the event loop; a full queue answers 429 (503 to "
            "remote_write) so the sender retries"),
    OPT_STR("bearer_token_file", token_file, "", RELOAD_RESTART,
            "http: a file whose first line is the token requests must bear (401 without)"),
    OPT_END,
};
#undef OPT_STRUCT

/* A scope's window, KPI detector, change monitor and refresh jobs are built from its options
 * when the daemon starts, and the running scope is shared with workers and the web view, so
 * its options take a restart; the two that only the loop reads (refresh_every when a refresh is
 * due, structure_alerts when events are published) are applied by scope_apply on reload. */
#define OPT_STRUCT scope_conf
static const struct opt SCOPE_OPTS[] = {
    OPT_STR_REQUIRED("name", name, RELOAD_RESTART, "scope name, unique; alert topics end with it"),
    OPT_STRS_REQUIRED("match", match, nmatch, RELOAD_RESTART,
                      "series name patterns (shell globs) that belong to the scope"),
    OPT_INT("window", window, 600, 20, 100000, RELOAD_RESTART, "sliding window, buckets"),
    OPT_INT("tau_max", tau_max, 3, 0, SVAR_TAU_MAX_LIMIT, RELOAD_RESTART, "largest lag, buckets"),
    OPT_ENUM("method", method, "pcmci+", METHODS, RELOAD_RESTART,
             "discovery: pcmci+, or lpcmci (hidden common causes allowed: <-> links are shared "
             "hidden causes, never walked as causes)"),
    OPT_INT("refresh_every", refresh_every, 30, 1, 100000, RELOAD_APPLY,
            "buckets between PCMCI+ refreshes"),
    OPT_REAL("alpha", alpha, 0.01, 1e-12, 0.5, RELOAD_RESTART, "significance level of the tests"),
    OPT_STRS("kpis", kpis, nkpis, RELOAD_RESTART,
             "the scope's key performance indicators (series names)"),
    OPT_INT("max_series", max_series, 100, 2, 1000, RELOAD_RESTART,
            "series cap of the scope; further matches are left out and counted"),
    OPT_STR("component_map", component_map, "prefix", RELOAD_RESTART,
            "series -> component: prefix, prefix:SEP, tag:KEY or regex:EXPR (first group)"),
    OPT_STRS("tiers", tiers, ntiers, RELOAD_RESTART,
             "globs, lowest tier first: a series is never caused by one of a higher tier"),
    OPT_STRS("forbidden", forbidden, nforbidden, RELOAD_RESTART,
             "links that cannot exist, \"GLOB -> GLOB\""),
    OPT_STRS("required", required, nrequired, RELOAD_RESTART,
             "links known to exist, \"GLOB -> GLOB\" (contemporaneous)"),
    OPT_STRS("directions", directions, ndirections, RELOAD_RESTART,
             "\"REGEX=up|down|both\": the change that counts as evidence, before the built-in "
             "kinds"),
    OPT_STRS("entry_points", entry_points, nentry_points, RELOAD_RESTART,
             "regexes of the components users call first (their latency/errors become the KPI)"),
    OPT_STRS("rank_at", rank_at, nrank_at, RELOAD_RESTART,
             "incident start times (RFC 3339 or epoch seconds) at which the root causes are "
             "ranked whatever the KPI detector says, for replays of known incidents: up to "
             "`reference` rows before the start against rank_after rows from it"),
    OPT_INT("rank_after", rank_after, 10, 1, 100000, RELOAD_RESTART,
            "incident rows of a ranking scheduled by rank_at"),
    OPT_REAL("z", z, 5, 1, 100, RELOAD_RESTART,
             "KPI change point: robust z-score held for 3 buckets"),
    OPT_INT("reference", reference, 300, 20, 100000, RELOAD_RESTART,
            "reference buckets of the KPI detector (frozen during an incident)"),
    OPT_INT("settle", settle, 20, 5, 10000, RELOAD_RESTART,
            "buckets after a change point before the root causes are ranked"),
    OPT_INT("cooldown", cooldown, 60, 0, 1000000, RELOAD_RESTART,
            "buckets after a resolved incident before a new one may fire"),
    OPT_BOOL("structure_alerts", structure_alerts, true, RELOAD_APPLY,
             "publish the change monitor's confirmed link changes (reference against recent "
             "window) as structure_change alerts"),
    OPT_BOOL("monitor", monitor, true, RELOAD_RESTART,
             "change monitor: test every series given its learned parents, frozen reference "
             "against recent window, and publish mechanism_change alerts (no KPI needed)"),
    OPT_INT("monitor_reference", monitor_reference, 300, 30, 100000, RELOAD_RESTART,
            "change monitor: rows of the reference window"),
    OPT_INT("monitor_gap", monitor_gap, 60, 0, 100000, RELOAD_RESTART,
            "change monitor: rows between the reference and the recent window"),
    OPT_INT("monitor_recent", monitor_recent, 80, 30, 100000, RELOAD_RESTART,
            "change monitor: rows of the recent window"),
    OPT_INT("monitor_every", monitor_every, 10, 1, 100000, RELOAD_RESTART,
            "change monitor: buckets between test rounds"),
    OPT_REAL("monitor_alpha", monitor_alpha, 0.001, 1e-12, 0.5, RELOAD_RESTART,
             "change monitor: Benjamini-Hochberg level of a round (sets the false-alarm rate "
             "with monitor_confirm)"),
    OPT_INT("monitor_confirm", monitor_confirm, 3, 1, 1000, RELOAD_RESTART,
            "change monitor: consecutive rounds with q <= monitor_alpha that confirm a change"),
    OPT_INT("monitor_adopt", monitor_adopt, 300, 30, 1000000, RELOAD_RESTART,
            "change monitor: buckets after a change point before the new regime becomes the "
            "reference (the alert then resolves)"),
    OPT_BOOL("deseason", deseason, false, RELOAD_RESTART,
             "remove cycles detected in the window (3 or more cycles) before ranking root "
             "causes"),
    OPT_REAL("min_confidence", min_confidence, 0.3, 0, 1, RELOAD_RESTART,
             "alerts whose top root cause scores lower are suppressed (counted)"),
    OPT_END,
};
#undef OPT_STRUCT

#define OPT_STRUCT sink_conf
static const struct opt SINK_OPTS[] = {
    OPT_STR_REQUIRED("name", name, RELOAD_RESTART, "sink name, unique; used in metrics and logs"),
    OPT_ENUM_REQUIRED("type", type, SINK_TYPES, RELOAD_RESTART,
                      "alertmanager (API v2: re-sent while firing, resolved at the end) or webhook "
                      "(each alert event POSTed as CloudEvents JSON)"),
    OPT_STR_REQUIRED("url", url, RELOAD_RESTART,
                     "alertmanager: its base URL (http://HOST:9093); webhook: the URL to POST to"),
    OPT_DUR("resend", resend_ns, "30s", 1, 3600, RELOAD_RESTART,
            "alertmanager: interval of re-sending firing alerts; keep it below Alertmanager's "
            "resolve_timeout (endsAt is 4 intervals ahead)"),
    OPT_DUR("timeout", timeout_ns, "5s", 0.1, 300, RELOAD_RESTART,
            "time allowed for one HTTP request"),
    OPT_INT("queue", queue, 256, 1, 100000, RELOAD_RESTART,
            "webhook: events waiting to be sent; beyond, the oldest is dropped (counted); "
            "alertmanager: alerts tracked"),
    OPT_INT("retries", retries, 5, 0, 100, RELOAD_RESTART,
            "webhook: retries of a failed POST (backoff 1 s doubling to 60 s), then the event is "
            "dropped (counted)"),
    OPT_STR("bearer_token_file", token_file, "", RELOAD_RESTART,
            "a file whose first line is sent as the bearer token"),
    OPT_END,
};
#undef OPT_STRUCT

#define OPT_STRUCT config
static const struct opt DRAIN_OPTS[] = {
    OPT_INT("depth", drain_depth, 4, 3, 16, RELOAD_RESTART, "prefix tree depth"),
    OPT_REAL("similarity", drain_similarity, 0.4, 0.01, 1, RELOAD_RESTART, "similarity threshold"),
    OPT_INT("max_children", drain_max_children, 100, 2, 100000, RELOAD_RESTART,
            "children per tree node"),
    OPT_INT("max_clusters", drain_max_clusters, 1000, 1, 1000000, RELOAD_RESTART,
            "templates per stream; further new lines count as template 0"),
    OPT_INT("max_streams", max_log_streams, 64, 1, 100000, RELOAD_RESTART, "log streams"),
    OPT_END,
};

static const struct opt ALERT_OPTS[] = {
    OPT_STR("endpoint", alerts_endpoint, "tcp://127.0.0.1:7002", RELOAD_RESTART,
            "PUB socket the alerts go out on (bound)"),
    OPT_INT("hwm", alerts_hwm, 1000, 1, 10000000, RELOAD_RESTART,
            "send high-water mark; a subscriber that falls behind loses messages (seq shows "
            "gaps)"),
    OPT_DUR("heartbeat", heartbeat_ns, "5s", 0.1, 3600, RELOAD_APPLY,
            "interval of the heartbeat message with the latest seq"),
    OPT_END,
};

static const struct opt QUERY_OPTS[] = {
    OPT_STR("endpoint", query_endpoint, "tcp://127.0.0.1:7003", RELOAD_RESTART,
            "ROUTER socket for status, graph and alerts queries (bound)"),
    OPT_END,
};

static const struct opt METRICS_OPTS[] = {
    OPT_STR("listen", metrics_listen, "", RELOAD_RESTART,
            "HTTP server for /metrics, /alerts, /healthz and /ready: HOST:PORT, [IPv6]:PORT, or "
            ":PORT for 127.0.0.1 (empty: off)"),
    OPT_STR("bearer_token_file", metrics_token_file, "", RELOAD_RESTART,
            "a file whose first line is the token /metrics and /alerts require (empty: none)"),
    OPT_STR("external_url", external_url, "", RELOAD_RESTART,
            "base URL others reach this server at, for alert links (default: "
            "http://HOSTNAME:PORT)"),
    OPT_END,
};

static const struct opt CURVE_OPTS[] = {
    OPT_BOOL("enabled", curve_enabled, false, RELOAD_RESTART,
             "CURVE on the alert, query and zmq_pull sockets; clients need an allowed key"),
    OPT_STR("secret_key_file", curve_secret_file, "", RELOAD_RESTART,
            "the server's Z85 secret key (causalmon keygen); e.g. a credential"),
    OPT_STR("allowed_clients_dir", curve_allowed_dir, "", RELOAD_RESTART,
            "a directory of allowed client public keys, one file each"),
    OPT_END,
};

const struct opt CONFIG_OPTS[] = {
    OPT_DUR("bucket", bucket_ns, "1s", 0.001, 86400, RELOAD_RESTART, "width of the time buckets"),
    OPT_DUR("lateness", lateness_ns, "5s", 0, 3600, RELOAD_RESTART,
            "how late a record may arrive (event time) and still count"),
    OPT_DUR("series_ttl", series_ttl_ns, "1h", 0, 31536000, RELOAD_RESTART,
            "a series without records for this long (event time) is forgotten and its place in "
            "max_series freed (0: never)"),
    OPT_DUR("max_future", max_future_ns, "10m", 0, 31536000, RELOAD_RESTART,
            "records further ahead of the host clock are rejected and counted (0: no limit)"),
    OPT_DUR("idle_flush", idle_flush_ns, "10s", 0.1, 86400, RELOAD_APPLY,
            "close open buckets when every input has been quiet this long (wall clock)"),
    OPT_INT("max_series", max_series, 10000, 1, 1000000, RELOAD_RESTART,
            "series cap of the aligner; further series are refused and counted"),
    OPT_INT("max_gap", max_gap, 5, 0, 100000, RELOAD_RESTART,
            "buckets a value is carried forward over a gap"),
    OPT_STR("state_dir", state_dir, "/var/lib/causalmon", RELOAD_RESTART,
            "checkpoints and the alert journal"),
    OPT_DUR("checkpoint_every", checkpoint_every_ns, "60s", 1, 86400, RELOAD_APPLY,
            "checkpoint cadence (also written on stop)"),
    OPT_ENUM("log_level", log_level, "info", LOG_LEVELS, RELOAD_APPLY,
             "error, warning, notice, info or debug"),
    OPT_INT("workers", workers, 2, 1, 64, RELOAD_RESTART, "model refresh threads"),
    OPT_MAP("drain", DRAIN_OPTS, "log template mining"),
    OPT_MAP("alerts", ALERT_OPTS, "alert publishing"),
    OPT_MAP("query", QUERY_OPTS, "query socket"),
    OPT_MAP("metrics", METRICS_OPTS, "Prometheus metrics"),
    OPT_MAP("curve", CURVE_OPTS, "ZeroMQ CURVE security"),
    OPT_LIST("inputs", inputs, ninputs, INPUT_OPTS, RELOAD_RESTART, "where records come from",
             "# Line protocol (or [format][payload] multipart) pushed to us; PULL binds.\n"
             "- {name: m, type: zmq_pull, endpoint: \"tcp://127.0.0.1:7001\", format: influx}\n"
             "# Kafka: consumer group, cooperative-sticky; rdkafka.* passes through to "
             "librdkafka.\n"
             "# - {name: k, type: kafka, brokers: \"127.0.0.1:9092\", topics: [metrics], group: "
             "causalmon,\n"
             "#    format: influx, rdkafka: {session.timeout.ms: \"6000\"}}\n"
             "# Logs from Fluent Bit or Vector (JSON), counted per template and level:\n"
             "# - {name: app, type: zmq_pull, endpoint: \"tcp://127.0.0.1:7004\", format: "
             "log_json}\n"),
    OPT_LIST("scopes", scopes, nscopes, SCOPE_OPTS, RELOAD_RESTART,
             "the monitored sets of series, each with its own model",
             "# A scope with KPIs gets root-cause alerts: a KPI change point (robust z over the\n"
             "# last `reference` buckets, frozen during an incident), then the ranking `settle`\n"
             "# buckets later.\n"
             "- name: shop\n"
             "  match: [\"shop.*\", \"log.shop-*\"]\n"
             "  kpis: [\"shop.frontend.latency\", \"shop.frontend.errors\"]\n"
             "  component_map: \"regex:^shop\\\\.([a-z]+)\\\\.\"  # shop.cart.cpu -> cart\n"
             "  # prior knowledge: a series is never caused by one of a higher tier\n"
             "  tiers: [\"shop.*.cpu\", \"*\"]\n"
             "  # forbidden: [\"shop.frontend.* -> shop.db.*\"]\n"
             "  # required: [\"shop.db.latency -> shop.cart.latency\"]\n"),
    OPT_LIST("sinks", sinks, nsinks, SINK_OPTS, RELOAD_RESTART,
             "where alerts go besides the PUB socket: Alertmanager, webhooks",
             "# - {name: am, type: alertmanager, url: \"http://127.0.0.1:9093\"}\n"
             "# - {name: hook, type: webhook, url: \"http://127.0.0.1:8080/alerts\"}\n"),
    OPT_END,
};
#undef OPT_STRUCT

struct pctx {
    const char *path;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail(struct pctx *p, yaml_mark_t m,
                                                      const char *fmt, ...)
{
    int n = snprintf(p->err, p->errlen, "%s:%zu:%zu: ", p->path, m.line + 1, m.column + 1);
    if (n < 0 || (size_t)n >= p->errlen) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

const char *config_type_name(const struct opt *o)
{
    static const char *const names[] = {"duration", "integer", "number", "string", "choice",
                                        "boolean",  "list",    "map",    "map",    "list"};
    return names[o->type];
}

/* Parses scalar text for option o into base + o->off. Returns 0, or -1 with a reason in why. */
static int scalar_value(const struct opt *o, const char *s, char *base, char *why, size_t wl)
{
    char *end;
    switch (o->type) {
    case T_DUR: {
        int64_t ns;
        if (duration_parse_ns(s, &ns)) {
            snprintf(why, wl, "'%s' is not a duration like 500ms, 1s, 5m, 1h", s);
            return -1;
        }
        if (ns < o->lo * 1e9 || ns > o->hi * 1e9) {
            snprintf(why, wl, "%s is out of range [%gs, %gs]", s, o->lo, o->hi);
            return -1;
        }
        *(int64_t *)(base + o->off) = ns;
        return 0;
    }
    case T_INT: {
        errno = 0;
        long v = strtol(s, &end, 10);
        if (end == s || *end || errno) {
            snprintf(why, wl, "'%s' is not an integer", s);
            return -1;
        }
        if (v < o->lo || v > o->hi) {
            snprintf(why, wl, "%ld is out of range [%g, %g]", v, o->lo, o->hi);
            return -1;
        }
        *(int *)(base + o->off) = (int)v;
        return 0;
    }
    case T_REAL: {
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || *end || errno || !isfinite(v)) {
            snprintf(why, wl, "'%s' is not a number", s);
            return -1;
        }
        if (v < o->lo || v > o->hi) {
            snprintf(why, wl, "%g is out of range [%g, %g]", v, o->lo, o->hi);
            return -1;
        }
        *(double *)(base + o->off) = v;
        return 0;
    }
    case T_STR:
        if (strlen(s) >= o->size) {
            snprintf(why, wl, "longer than %zu characters", o->size - 1);
            return -1;
        }
        strcpy(base + o->off, s);
        return 0;
    case T_ENUM:
        for (int a = 0; config_choices(o)[a]; a++)
            if (strcmp(config_choices(o)[a], s) == 0) {
                if (o->size) /* stored as text */
                    snprintf(base + o->off, o->size, "%s", s);
                else
                    *(int *)(base + o->off) = a;
                return 0;
            }
        {
            size_t n = (size_t)snprintf(why, wl, "'%s' is not one of", s);
            for (int a = 0; config_choices(o)[a] && n < wl; a++)
                n += (size_t)snprintf(why + n, wl - n, " %s", config_choices(o)[a]);
        }
        return -1;
    case T_BOOL:
        if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")) {
            *(int *)(base + o->off) = 1;
            return 0;
        }
        if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")) {
            *(int *)(base + o->off) = 0;
            return 0;
        }
        snprintf(why, wl, "'%s' is not true or false", s);
        return -1;
    default:
        snprintf(why, wl, "internal: not a scalar option");
        return -1;
    }
}

static void apply_defaults(const struct opt *table, char *base)
{
    char why[256];
    for (const struct opt *o = table; o->key; o++) {
        if (o->type == T_MAP)
            apply_defaults(o->sub, base);
        else if (o->dflt)
            scalar_value(o, o->dflt, base, why, sizeof why); /* the table's defaults are valid */
    }
}

static const char *scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int parse_map(struct pctx *p, yaml_node_t *node, const struct opt *table, char *base,
                     const char *where);

static int parse_opt(struct pctx *p, const struct opt *o, yaml_node_t *v, char *base,
                     const char *key)
{
    char why[300];
    switch (o->type) {
    case T_MAP:
        return parse_map(p, v, o->sub, base, key);
    case T_STRS: {
        if (v->type != YAML_SEQUENCE_NODE)
            return fail(p, v->start_mark, "'%s' must be a list of strings", key);
        int *count = (int *)(base + o->count_off);
        *count = 0;
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++) {
            yaml_node_t *item = yaml_document_get_node(p->doc, *it);
            const char *s = scalar(item);
            if (!s) return fail(p, item->start_mark, "'%s': items must be strings", key);
            if (*count == o->max)
                return fail(p, item->start_mark, "'%s': more than %d items", key, o->max);
            if (strlen(s) >= o->size)
                return fail(p, item->start_mark, "'%s': item longer than %zu characters", key,
                            o->size - 1);
            strcpy(base + o->off + (size_t)*count * o->size, s);
            (*count)++;
        }
        return 0;
    }
    case T_PROPS: {
        if (v->type != YAML_MAPPING_NODE)
            return fail(p, v->start_mark, "'%s' must be a map of names to values", key);
        int *count = (int *)(base + o->count_off);
        *count = 0;
        for (yaml_node_pair_t *pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top;
             pr++) {
            yaml_node_t *kn = yaml_document_get_node(p->doc, pr->key),
                        *vn = yaml_document_get_node(p->doc, pr->value);
            const char *k = scalar(kn), *s = scalar(vn);
            if (!k || !s)
                return fail(p, kn->start_mark, "'%s': names and values must be scalars", key);
            if (*count == o->max)
                return fail(p, kn->start_mark, "'%s': more than %d entries", key, o->max);
            if (strlen(k) >= o->size || strlen(s) >= o->size)
                return fail(p, kn->start_mark, "'%s.%s': longer than %zu characters", key, k,
                            o->size - 1);
            char *slot = base + o->off + (size_t)*count * 2 * o->size;
            strcpy(slot, k);
            strcpy(slot + o->size, s);
            (*count)++;
        }
        return 0;
    }
    case T_LIST: {
        if (v->type != YAML_SEQUENCE_NODE)
            return fail(p, v->start_mark, "'%s' must be a list", key);
        int *count = (int *)(base + o->count_off);
        *count = 0;
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++) {
            yaml_node_t *item = yaml_document_get_node(p->doc, *it);
            if (*count == o->max)
                return fail(p, item->start_mark, "'%s': more than %d items", key, o->max);
            char *ib = base + o->off + (size_t)*count * o->size;
            memset(ib, 0, o->size);
            apply_defaults(o->sub, ib);
            char where[96];
            snprintf(where, sizeof where, "%s[%d]", key, *count);
            if (parse_map(p, item, o->sub, ib, where)) return -1;
            (*count)++;
        }
        return 0;
    }
    default: {
        const char *s = scalar(v);
        if (!s) return fail(p, v->start_mark, "'%s' must be a %s", key, config_type_name(o));
        if (scalar_value(o, s, base, why, sizeof why))
            return fail(p, v->start_mark, "'%s': %s", key, why);
        return 0;
    }
    }
}

static int parse_map(struct pctx *p, yaml_node_t *node, const struct opt *table, char *base,
                     const char *where)
{
    if (node->type != YAML_MAPPING_NODE)
        return fail(p, node->start_mark, "%s must be a map of keys to values", where);
    unsigned long long seen = 0;
    for (yaml_node_pair_t *pr = node->data.mapping.pairs.start; pr < node->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *kn = yaml_document_get_node(p->doc, pr->key),
                    *vn = yaml_document_get_node(p->doc, pr->value);
        const char *k = scalar(kn);
        if (!k) return fail(p, kn->start_mark, "keys must be plain names");
        int idx = 0;
        const struct opt *o = table;
        while (o->key && strcmp(o->key, k) != 0) o++, idx++;
        if (!o->key) {
            char known[512];
            size_t n = 0;
            for (const struct opt *q = table; q->key && n < sizeof known; q++)
                n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", q == table ? "" : ", ",
                                      q->key);
            return fail(p, kn->start_mark, "unknown key '%s' in %s (known: %s)", k, where, known);
        }
        if (seen & (1ULL << idx)) return fail(p, kn->start_mark, "duplicate key '%s'", k);
        seen |= 1ULL << idx;
        if (parse_opt(p, o, vn, base, k)) return -1;
    }
    int idx = 0;
    for (const struct opt *o = table; o->key; o++, idx++)
        if (o->required && !(seen & (1ULL << idx)))
            return fail(p, node->start_mark, "%s: missing required key '%s'", where, o->key);
    return 0;
}

/* Cross-field checks that one option's table entry cannot express. */
static int check(struct pctx *p, yaml_node_t *root, struct config *c)
{
    yaml_mark_t m = root->start_mark;
    if (c->curve_enabled && (!c->curve_secret_file[0] || !c->curve_allowed_dir[0]))
        return fail(p, m,
                    "curve.enabled needs curve.secret_key_file and curve.allowed_clients_dir");
    for (int a = 0; a < c->ninputs; a++) {
        struct input_conf *in = &c->inputs[a];
        for (int b = 0; b < a; b++)
            if (!strcmp(c->inputs[b].name, in->name))
                return fail(p, m, "inputs[%d]: duplicate input name '%s'", a, in->name);
        const struct source_ops *ops = sources_ops(in->type);
        enum input_format f;
        if (input_format_parse(in->format, strlen(in->format), &f) ||
            (f == FMT_CSV && strcmp(ops->type, "file") != 0))
            return fail(p, m, "inputs[%d] (%s): unknown format '%s'", a, in->name, in->format);
        char why[256];
        if (ops->check && ops->check(in, why, sizeof why))
            return fail(p, m, "inputs[%d] (%s): %s", a, in->name, why);
        if (!in->stream[0]) memcpy(in->stream, in->name, strlen(in->name) + 1); /* 64 < 128 */
    }
    for (int a = 0; a < c->nsinks; a++)
        for (int b = 0; b < a; b++)
            if (!strcmp(c->sinks[b].name, c->sinks[a].name))
                return fail(p, m, "sinks[%d]: duplicate sink name '%s'", a, c->sinks[a].name);
    for (int a = 0; a < c->nscopes; a++) {
        struct scope_conf *s = &c->scopes[a];
        for (int b = 0; b < a; b++)
            if (!strcmp(c->scopes[b].name, s->name))
                return fail(p, m, "scopes[%d]: duplicate scope name '%s'", a, s->name);
        if (s->window < svar_min_rows(s->tau_max))
            return fail(p, m,
                        "scopes[%d] (%s): window %d is too short for tau_max %d (needs "
                        ">= " SVAR_MIN_ROWS_RULE " = %d)",
                        a, s->name, s->window, s->tau_max, svar_min_rows(s->tau_max));
        char why[256];
        if (rca_prior_check(s, why, sizeof why))
            return fail(p, m, "scopes[%d] (%s): %s", a, s->name, why);
        for (int k = 0; k < s->nrank_at; k++) {
            double t;
            if (timestamp_parse(s->rank_at[k], strlen(s->rank_at[k]), &t, why, sizeof why))
                return fail(p, m, "scopes[%d] (%s): rank_at[%d] '%s': %s", a, s->name, k,
                            s->rank_at[k], why);
        }
        if (s->nrank_at > 0 && s->rank_after + 10 > s->window)
            return fail(p, m,
                        "scopes[%d] (%s): window %d must hold 10 reference rows + rank_after "
                        "%d",
                        a, s->name, s->window, s->rank_after);
        if (s->nkpis > 0 && s->reference + s->settle + 10 > s->window)
            return fail(p, m,
                        "scopes[%d] (%s): window %d must hold reference + settle + 10 = %d "
                        "buckets",
                        a, s->name, s->window, s->reference + s->settle + 10);
    }
    return 0;
}

int config_load(const char *path, struct config *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    apply_defaults(CONFIG_OPTS, (char *)c);
    snprintf(c->path, sizeof c->path, "%s", path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    struct pctx p = {path, &doc, err, errlen};
    int rc = -1;
    if (!yaml_parser_load(&parser, &doc)) {
        fail(&p, parser.problem_mark, "YAML: %s%s%s", parser.problem ? parser.problem : "error",
             parser.context ? " " : "", parser.context ? parser.context : "");
        goto out_parser;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        snprintf(err, errlen, "%s: empty configuration", path);
    } else if (parse_map(&p, root, CONFIG_OPTS, (char *)c, "the configuration") == 0 &&
               check(&p, root, c) == 0) {
        rc = 0;
    }
    yaml_document_delete(&doc);
out_parser:
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

void config_scope_defaults(struct scope_conf *s)
{
    memset(s, 0, sizeof *s);
    apply_defaults(SCOPE_OPTS, (char *)s);
}

size_t config_opt_size(const struct opt *o)
{
    switch (o->type) {
    case T_DUR:
        return sizeof(int64_t);
    case T_REAL:
        return sizeof(double);
    case T_STR:
        return o->size;
    case T_STRS:
    case T_LIST:
        return o->size * (size_t)o->max;
    case T_PROPS:
        return o->size * 2 * (size_t)o->max;
    case T_ENUM:
        return o->size ? o->size : sizeof(int);
    case T_MAP:
        return 0;
    default:
        return sizeof(int);
    }
}
