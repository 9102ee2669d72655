/*
 * config_table.c - the daemon's option table (config_table.h): every top-level option, the
 * nested maps, and the options of scopes, sinks and the part common to all inputs. Each input
 * type's own options are in its source_ops (daemon/inputs/), which inputs[] reaches through its
 * variant hook.
 */
#include "config.h"
#include "config_table.h"
#include "sources.h"

#include "svar_limits.h"

#include <string.h>

/* inputs[].type: the registered source types (sources.h), looked up when used. */
static const char *const INPUT_TYPES[] = {NULL};
static const char *const SINK_TYPES[] = {"alertmanager", "webhook", NULL};
static const char *const LOG_LEVELS[] = {"error", "warning", "notice", "info", "debug", NULL};
static const char *const PRECISIONS[] = {"ns", "us", "ms", "s", NULL};
static const char *const JSON_UNITS[] = {"s", "ms", "us", "ns", "auto", NULL};
static const char *const METHODS[] = {"pcmci+", "lpcmci", NULL}; /* enum svar_method order */

const char *const *config_choices(const struct opt *o)
{
    return o->choices == INPUT_TYPES ? sources_type_names() : o->choices;
}

/* The options every input takes: its name and type, and how its messages are decoded. The
 * options of each type are in its source_ops (daemon/inputs/source_*.c). */
#define OPT_STRUCT input_conf
static const struct opt INPUT_OPTS[] = {
    OPT_STR_REQUIRED("name", name, RELOAD_RESTART, "input name, unique; used in status and logs"),
    OPT_ENUM_REQUIRED("type", type, INPUT_TYPES, RELOAD_RESTART,
                      "zmq_pull (binds), zmq_sub (connects), kafka, file (a path or - for stdin), "
                      "or http (InfluxDB /write and /api/v2/write, Prometheus remote_write "
                      "/api/v1/write, JSON lines /ingest/json and /ingest/logs); each type takes "
                      "the options listed under it"),
    OPT_STR("format", format, "influx", RELOAD_RESTART,
            "influx, json, log, log_json (fluentbit, vector), csv (file only); a multipart "
            "[format][payload] message names its own"),
    OPT_ENUM_TEXT("precision", precision, "ns", PRECISIONS, RELOAD_RESTART,
                  "influx: timestamp precision"),
    OPT_ENUM_TEXT("json_time_unit", json_time_unit, "s", JSON_UNITS, RELOAD_RESTART,
                  "json: unit of numeric timestamps (Telegraf json_timestamp_units)"),
    OPT_STR("stream", stream, "", RELOAD_RESTART, "logs: stream name (default: the input name)"),
    OPT_END,
};
#undef OPT_STRUCT

/* inputs[]: the options of input type t (its source_ops), stored at *off in the item. */
static const struct opt *input_type_opts(int t, size_t *off)
{
    const struct source_ops *ops = sources_ops(t);
    *off = ops ? ops->opts_off : 0;
    return ops ? ops->opts : NULL;
}

const struct opt *config_item_variant(const struct opt *list, const char *item, size_t *off)
{
    *off = 0;
    if (!list->variant) return NULL;
    const struct opt *key = config_row(list->sub, list->variant_key);
    return list->variant(*(const int *)(item + key->off), off);
}

const struct opt *config_row(const struct opt *table, const char *key)
{
    for (const struct opt *o = table; o->key; o++)
        if (strcmp(o->key, key) == 0) return o;
    return NULL;
}

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
    OPT_REAL("screen_alpha", screen_alpha, 0, 0, 0.5, RELOAD_RESTART,
             "pcmci+ only (lpcmci ignores it): before the conditional tests, keep only candidate "
             "parents whose marginal correlation is significant at this level (0: off; 0.1 is "
             "loose). Fewer tests on "
             "wide scopes, but an approximation: a parent whose marginal correlation is "
             "cancelled by other paths is missed (docs/algorithms.md)"),
    OPT_INT("screen_top_k", screen_top_k, 0, 0, 1000000, RELOAD_RESTART,
            "pcmci+ only, with screen_alpha or alone: keep only the K strongest lagged candidates "
            "and the K strongest contemporaneous partners of each series by marginal correlation "
            "(0: all)"),
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
    OPT_STRS("calls", calls, ncalls, RELOAD_RESTART,
             "known calls between components, \"CALLER -> CALLEE\" (globs; a service map): the "
             "ranking puts an anomalous callee before the callers it explains"),
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
             "publish the links the change monitor found appeared or disappeared (reference "
             "against recent window) as structure_change alerts"),
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
    OPT_REAL("monitor_false_alarms", monitor_false_alarms, 0.01, 1e-6, 10000, RELOAD_RESTART,
             "change monitor: mechanism_change alarms per 10,000 buckets of a scope without "
             "change, for ideal round scores (sets the threshold of the per-series CUSUM of "
             "the rounds' evidence; real streams measure higher, about 1 per 10,000 at the "
             "default: README)"),
    OPT_REAL("monitor_alpha", monitor_alpha, 0.001, 1e-12, 0.5, RELOAD_RESTART,
             "change monitor: level of the link tests of a confirmed change (Benjamini-Hochberg "
             "over the series' parents)"),
    OPT_INT("monitor_confirm", monitor_confirm, 3, 1, 1000, RELOAD_RESTART,
            "change monitor: rounds in a row matching the old reference that revert a changed "
            "series"),
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
    OPT_INT("worker_nice", worker_nice, 10, 0, 19, RELOAD_RESTART,
            "nice increment of the refresh threads over the event loop (0: same priority)"),
    OPT_MAP("drain", DRAIN_OPTS, "log template mining"),
    OPT_MAP("alerts", ALERT_OPTS, "alert publishing"),
    OPT_MAP("query", QUERY_OPTS, "query socket"),
    OPT_MAP("metrics", METRICS_OPTS, "Prometheus metrics"),
    OPT_MAP("curve", CURVE_OPTS, "ZeroMQ CURVE security"),
    OPT_LIST_VARIANT(
        "inputs", inputs, ninputs, INPUT_OPTS, "type", input_type_opts, RELOAD_RESTART,
        "where records come from",
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

void config_scope_defaults(struct scope_conf *s)
{
    memset(s, 0, sizeof *s);
    config_defaults(SCOPE_OPTS, (char *)s);
}
