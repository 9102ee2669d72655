#include "config.h"
#include "rca_prior.h"
#include "sources.h"

#include "duration.h"
#include "ingest.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

enum otype { T_DUR, T_INT, T_REAL, T_STR, T_ENUM, T_BOOL, T_STRS, T_PROPS, T_MAP, T_LIST };

struct opt {
    const char *key;
    enum otype type;
    size_t off;  /* in the containing struct */
    size_t size; /* strings: capacity; lists: item size */
    const char *dflt;
    double lo, hi; /* ints, reals; durations in seconds */
    int reload;    /* a SIGHUP may change it */
    const char *const *choices;
    const struct opt *sub; /* T_MAP, T_LIST: fields (T_MAP fields are in the same struct) */
    size_t count_off;      /* T_STRS, T_PROPS, T_LIST */
    int max;               /* items */
    int required;
    const char *help;
};

#define END                                                                                        \
    {                                                                                              \
        NULL, 0, 0, 0, NULL, 0, 0, 0, NULL, NULL, 0, 0, 0, NULL                                    \
    }
#define C(f)      offsetof(struct config, f)
#define I(f)      offsetof(struct input_conf, f)
#define S(f)      offsetof(struct scope_conf, f)
#define CAP(t, f) sizeof(((struct t *)0)->f)

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

/* An enum option's choices (the input types come from the source registry). */
static const char *const *choices_of(const struct opt *o)
{
    return o->choices == INPUT_TYPES ? sources_type_names() : o->choices;
}

static const struct opt INPUT_OPTS[] = {
    {"name", T_STR, I(name), CAP(input_conf, name), NULL, 0, 0, 0, NULL, NULL, 0, 0, 1,
     "input name, unique; used in status and logs"},
    {"type", T_ENUM, I(type), 0, NULL, 0, 0, 0, INPUT_TYPES, NULL, 0, 0, 1,
     "zmq_pull (binds), zmq_sub (connects), kafka, file (a path or - for stdin), or http "
     "(InfluxDB /write and /api/v2/write, Prometheus remote_write /api/v1/write, JSON lines "
     "/ingest/json and /ingest/logs)"},
    {"format", T_STR, I(format), CAP(input_conf, format), "influx", 0, 0, 0, NULL, NULL, 0, 0, 0,
     "influx, json, log, log_json (fluentbit, vector); a multipart [format][payload] "
     "message names its own"},
    {"endpoint", T_STR, I(endpoint), CAP(input_conf, endpoint), "", 0, 0, 0, NULL, NULL, 0, 0, 0,
     "zmq: the endpoint, e.g. tcp://127.0.0.1:7001"},
    {"subscribe", T_STR, I(subscribe), CAP(input_conf, subscribe), "", 0, 0, 0, NULL, NULL, 0, 0, 0,
     "zmq_sub: subscription prefix (empty: everything)"},
    {"rcvhwm", T_INT, I(rcvhwm), 0, "10000", 0, 10000000, 0, NULL, NULL, 0, 0, 0,
     "zmq: receive high-water mark, messages"},
    {"brokers", T_STR, I(brokers), CAP(input_conf, brokers), "", 0, 0, 0, NULL, NULL, 0, 0, 0,
     "kafka: bootstrap servers, host:port,..."},
    {"topics", T_STRS, I(topics), CAP(input_conf, topics[0]), NULL, 0, 0, 0, NULL, NULL, I(ntopics),
     CONF_MAX_LIST, 0, "kafka: topic names, or ^regex"},
    {"group", T_STR, I(group), CAP(input_conf, group), "causalmon", 0, 0, 0, NULL, NULL, 0, 0, 0,
     "kafka: consumer group id"},
    {"instance_id", T_STR, I(instance_id), CAP(input_conf, instance_id), "", 0, 0, 0, NULL, NULL, 0,
     0, 0, "kafka: group.instance.id for static membership (e.g. the host name)"},
    {"rdkafka", T_PROPS, I(props), CAP(input_conf, props[0][0]), NULL, 0, 0, 0, NULL, NULL,
     I(nprops), CONF_MAX_LIST, 0,
     "kafka: librdkafka properties passed through, validated at start; \"file:PATH\" reads a "
     "secret"},
    {"timestamp_source", T_ENUM, I(timestamp_source), 0, "payload", 0, 0, 0, TS_SOURCES, NULL, 0, 0,
     0, "kafka: event time from the payload, or the Kafka message timestamp"},
    {"store", T_ENUM, I(store), 0, "checkpoint", 0, 0, 0, STORES, NULL, 0, 0, 0,
     "kafka: commit offsets once the records' buckets are closed and checkpointed (nothing lost "
     "at a crash), or once they are in the aligner (open buckets lost at a crash)"},
    {"precision", T_ENUM, I(precision), CAP(input_conf, precision), "ns", 0, 0, 0, PRECISIONS, NULL,
     0, 0, 0, "influx: timestamp precision"},
    {"json_time_unit", T_ENUM, I(json_time_unit), CAP(input_conf, json_time_unit), "s", 0, 0, 0,
     JSON_UNITS, NULL, 0, 0, 0, "json: unit of numeric timestamps (Telegraf json_timestamp_units)"},
    {"stream", T_STR, I(stream), CAP(input_conf, stream), "", 0, 0, 0, NULL, NULL, 0, 0, 0,
     "logs: stream name (default: the input name)"},
    {"stream_from", T_ENUM, I(stream_from_key), 0, "name", 0, 0, 0, STREAM_FROM, NULL, 0, 0, 0,
     "kafka logs: stream name from the input (name) or the message key"},
    {"path", T_STR, I(path), CAP(input_conf, path), "", 0, 0, 0, NULL, NULL, 0, 0, 0,
     "file: the path, or - for standard input"},
    {"speed", T_REAL, I(speed), 0, "0", 0, 1e9, 0, NULL, NULL, 0, 0, 0,
     "file: replay speed-up over event time (0: as fast as possible)"},
    {"listen", T_STR, I(listen), CAP(input_conf, listen), "", 0, 0, 0, NULL, NULL, 0, 0, 0,
     "http: HOST:PORT, [IPv6]:PORT, or :PORT for 127.0.0.1"},
    {"max_body", T_INT, I(max_body), 0, "16777216", 1024, 1073741824, 0, NULL, NULL, 0, 0, 0,
     "http: largest request body in bytes, after gzip or snappy decompression (413 beyond)"},
    {"queue_kib", T_INT, I(queue_kib), 0, "65536", 64, 16777216, 0, NULL, NULL, 0, 0, 0,
     "http: KiB of bodies waiting for the event loop; a full queue answers 429 (503 to "
     "remote_write) so the sender retries"},
    {"bearer_token_file", T_STR, I(token_file), CAP(input_conf, token_file), "", 0, 0, 0, NULL,
     NULL, 0, 0, 0, "http: a file whose first line is the token requests must bear (401 without)"},
    END,
};

static const struct opt SCOPE_OPTS[] = {
    {"name", T_STR, S(name), CAP(scope_conf, name), NULL, 0, 0, 1, NULL, NULL, 0, 0, 1,
     "scope name, unique; alert topics end with it"},
    {"match", T_STRS, S(match), CAP(scope_conf, match[0]), NULL, 0, 0, 1, NULL, NULL, S(nmatch),
     CONF_MAX_LIST, 1, "series name patterns (shell globs) that belong to the scope"},
    {"window", T_INT, S(window), 0, "600", 20, 100000, 1, NULL, NULL, 0, 0, 0,
     "sliding window, buckets"},
    {"tau_max", T_INT, S(tau_max), 0, "3", 0, 20, 1, NULL, NULL, 0, 0, 0, "largest lag, buckets"},
    {"method", T_ENUM, S(method), 0, "pcmci+", 0, 0, 1, METHODS, NULL, 0, 0, 0,
     "discovery: pcmci+, or lpcmci (hidden common causes allowed: <-> links are shared hidden "
     "causes, never walked as causes)"},
    {"refresh_every", T_INT, S(refresh_every), 0, "30", 1, 100000, 1, NULL, NULL, 0, 0, 0,
     "buckets between PCMCI+ refreshes"},
    {"alpha", T_REAL, S(alpha), 0, "0.01", 1e-12, 0.5, 1, NULL, NULL, 0, 0, 0,
     "significance level of the tests"},
    {"kpis", T_STRS, S(kpis), CAP(scope_conf, kpis[0]), NULL, 0, 0, 1, NULL, NULL, S(nkpis),
     CONF_MAX_LIST, 0, "the scope's key performance indicators (series names)"},
    {"max_series", T_INT, S(max_series), 0, "100", 2, 1000, 1, NULL, NULL, 0, 0, 0,
     "series cap of the scope; further matches are left out and counted"},
    {"component_map", T_STR, S(component_map), CAP(scope_conf, component_map), "prefix", 0, 0, 1,
     NULL, NULL, 0, 0, 0,
     "series -> component: prefix, prefix:SEP, tag:KEY or regex:EXPR (first group)"},
    {"tiers", T_STRS, S(tiers), CAP(scope_conf, tiers[0]), NULL, 0, 0, 1, NULL, NULL, S(ntiers),
     CONF_MAX_LIST, 0,
     "globs, lowest tier first: a series is never caused by one of a higher tier"},
    {"forbidden", T_STRS, S(forbidden), CAP(scope_conf, forbidden[0]), NULL, 0, 0, 1, NULL, NULL,
     S(nforbidden), CONF_MAX_LIST, 0, "links that cannot exist, \"GLOB -> GLOB\""},
    {"required", T_STRS, S(required), CAP(scope_conf, required[0]), NULL, 0, 0, 1, NULL, NULL,
     S(nrequired), CONF_MAX_LIST, 0, "links known to exist, \"GLOB -> GLOB\" (contemporaneous)"},
    {"directions", T_STRS, S(directions), CAP(scope_conf, directions[0]), NULL, 0, 0, 1, NULL, NULL,
     S(ndirections), CONF_MAX_LIST, 0,
     "\"REGEX=up|down|both\": the change that counts as evidence, before the built-in kinds"},
    {"entry_points", T_STRS, S(entry_points), CAP(scope_conf, entry_points[0]), NULL, 0, 0, 1, NULL,
     NULL, S(nentry_points), CONF_MAX_LIST, 0,
     "regexes of the components users call first (their latency/errors become the KPI)"},
    {"z", T_REAL, S(z), 0, "5", 1, 100, 1, NULL, NULL, 0, 0, 0,
     "KPI change point: robust z-score held for 3 buckets"},
    {"reference", T_INT, S(reference), 0, "300", 20, 100000, 1, NULL, NULL, 0, 0, 0,
     "reference buckets of the KPI detector (frozen during an incident)"},
    {"settle", T_INT, S(settle), 0, "20", 5, 10000, 1, NULL, NULL, 0, 0, 0,
     "buckets after a change point before the root causes are ranked"},
    {"cooldown", T_INT, S(cooldown), 0, "60", 0, 1000000, 1, NULL, NULL, 0, 0, 0,
     "buckets after a resolved incident before a new one may fire"},
    {"structure_alerts", T_BOOL, S(structure_alerts), 0, "true", 0, 0, 1, NULL, NULL, 0, 0, 0,
     "publish the change monitor's confirmed link changes (reference against recent window) as "
     "structure_change alerts"},
    {"monitor", T_BOOL, S(monitor), 0, "true", 0, 0, 1, NULL, NULL, 0, 0, 0,
     "change monitor: test every series given its learned parents, frozen reference against "
     "recent window, and publish mechanism_change alerts (no KPI needed)"},
    {"monitor_reference", T_INT, S(monitor_reference), 0, "300", 30, 100000, 1, NULL, NULL, 0, 0, 0,
     "change monitor: rows of the reference window"},
    {"monitor_gap", T_INT, S(monitor_gap), 0, "60", 0, 100000, 1, NULL, NULL, 0, 0, 0,
     "change monitor: rows between the reference and the recent window"},
    {"monitor_recent", T_INT, S(monitor_recent), 0, "80", 30, 100000, 1, NULL, NULL, 0, 0, 0,
     "change monitor: rows of the recent window"},
    {"monitor_every", T_INT, S(monitor_every), 0, "10", 1, 100000, 1, NULL, NULL, 0, 0, 0,
     "change monitor: buckets between test rounds"},
    {"monitor_alpha", T_REAL, S(monitor_alpha), 0, "0.001", 1e-12, 0.5, 1, NULL, NULL, 0, 0, 0,
     "change monitor: Benjamini-Hochberg level of a round (sets the false-alarm rate with "
     "monitor_confirm)"},
    {"monitor_confirm", T_INT, S(monitor_confirm), 0, "3", 1, 1000, 1, NULL, NULL, 0, 0, 0,
     "change monitor: consecutive rounds with q <= monitor_alpha that confirm a change"},
    {"monitor_adopt", T_INT, S(monitor_adopt), 0, "300", 30, 1000000, 1, NULL, NULL, 0, 0, 0,
     "change monitor: buckets after a change point before the new regime becomes the reference "
     "(the alert then resolves)"},
    {"deseason", T_BOOL, S(deseason), 0, "false", 0, 0, 1, NULL, NULL, 0, 0, 0,
     "remove cycles detected in the window (3 or more cycles) before ranking root causes"},
    {"min_confidence", T_REAL, S(min_confidence), 0, "0.3", 0, 1, 1, NULL, NULL, 0, 0, 0,
     "alerts whose top root cause scores lower are suppressed (counted)"},
    END,
};

static const struct opt DRAIN_OPTS[] = {
    {"depth", T_INT, C(drain_depth), 0, "4", 3, 16, 0, NULL, NULL, 0, 0, 0, "prefix tree depth"},
    {"similarity", T_REAL, C(drain_similarity), 0, "0.4", 0.01, 1, 0, NULL, NULL, 0, 0, 0,
     "similarity threshold"},
    {"max_children", T_INT, C(drain_max_children), 0, "100", 2, 100000, 0, NULL, NULL, 0, 0, 0,
     "children per tree node"},
    {"max_clusters", T_INT, C(drain_max_clusters), 0, "1000", 1, 1000000, 0, NULL, NULL, 0, 0, 0,
     "templates per stream; further new lines count as template 0"},
    {"max_streams", T_INT, C(max_log_streams), 0, "64", 1, 100000, 0, NULL, NULL, 0, 0, 0,
     "log streams"},
    END,
};

static const struct opt ALERT_OPTS[] = {
    {"endpoint", T_STR, C(alerts_endpoint), CAP(config, alerts_endpoint), "tcp://127.0.0.1:7002", 0,
     0, 0, NULL, NULL, 0, 0, 0, "PUB socket the alerts go out on (bound)"},
    {"hwm", T_INT, C(alerts_hwm), 0, "1000", 1, 10000000, 0, NULL, NULL, 0, 0, 0,
     "send high-water mark; a subscriber that falls behind loses messages (seq shows gaps)"},
    {"heartbeat", T_DUR, C(heartbeat_ns), 0, "5s", 0.1, 3600, 1, NULL, NULL, 0, 0, 0,
     "interval of the heartbeat message with the latest seq"},
    END,
};

static const struct opt QUERY_OPTS[] = {
    {"endpoint", T_STR, C(query_endpoint), CAP(config, query_endpoint), "tcp://127.0.0.1:7003", 0,
     0, 0, NULL, NULL, 0, 0, 0, "ROUTER socket for status, graph and alerts queries (bound)"},
    END,
};

static const struct opt METRICS_OPTS[] = {
    {"listen", T_STR, C(metrics_listen), CAP(config, metrics_listen), "", 0, 0, 0, NULL, NULL, 0, 0,
     0,
     "HTTP server for /metrics, /alerts, /healthz and /ready: HOST:PORT, [IPv6]:PORT, or :PORT "
     "for 127.0.0.1 (empty: off)"},
    {"bearer_token_file", T_STR, C(metrics_token_file), CAP(config, metrics_token_file), "", 0, 0,
     0, NULL, NULL, 0, 0, 0,
     "a file whose first line is the token /metrics and /alerts require (empty: none)"},
    {"external_url", T_STR, C(external_url), CAP(config, external_url), "", 0, 0, 0, NULL, NULL, 0,
     0, 0, "base URL others reach this server at, for alert links (default: http://HOSTNAME:PORT)"},
    END,
};

static const struct opt SINK_OPTS[] = {
    {"name", T_STR, offsetof(struct sink_conf, name), CAP(sink_conf, name), NULL, 0, 0, 0, NULL,
     NULL, 0, 0, 1, "sink name, unique; used in metrics and logs"},
    {"type", T_ENUM, offsetof(struct sink_conf, type), 0, NULL, 0, 0, 0, SINK_TYPES, NULL, 0, 0, 1,
     "alertmanager (API v2: re-sent while firing, resolved at the end) or webhook (each alert "
     "event POSTed as CloudEvents JSON)"},
    {"url", T_STR, offsetof(struct sink_conf, url), CAP(sink_conf, url), NULL, 0, 0, 0, NULL, NULL,
     0, 0, 1, "alertmanager: its base URL (http://HOST:9093); webhook: the URL to POST to"},
    {"resend", T_DUR, offsetof(struct sink_conf, resend_ns), 0, "30s", 1, 3600, 0, NULL, NULL, 0, 0,
     0,
     "alertmanager: interval of re-sending firing alerts; keep it below Alertmanager's "
     "resolve_timeout (endsAt is 4 intervals ahead)"},
    {"timeout", T_DUR, offsetof(struct sink_conf, timeout_ns), 0, "5s", 0.1, 300, 0, NULL, NULL, 0,
     0, 0, "time allowed for one HTTP request"},
    {"queue", T_INT, offsetof(struct sink_conf, queue), 0, "256", 1, 100000, 0, NULL, NULL, 0, 0, 0,
     "webhook: events waiting to be sent; beyond, the oldest is dropped (counted); "
     "alertmanager: alerts tracked"},
    {"retries", T_INT, offsetof(struct sink_conf, retries), 0, "5", 0, 100, 0, NULL, NULL, 0, 0, 0,
     "webhook: retries of a failed POST (backoff 1 s doubling to 60 s), then the event is "
     "dropped (counted)"},
    {"bearer_token_file", T_STR, offsetof(struct sink_conf, token_file), CAP(sink_conf, token_file),
     "", 0, 0, 0, NULL, NULL, 0, 0, 0, "a file whose first line is sent as the bearer token"},
    END,
};

static const struct opt CURVE_OPTS[] = {
    {"enabled", T_BOOL, C(curve_enabled), 0, "false", 0, 0, 0, NULL, NULL, 0, 0, 0,
     "CURVE on the alert, query and zmq_pull sockets; clients need an allowed key"},
    {"secret_key_file", T_STR, C(curve_secret_file), CAP(config, curve_secret_file), "", 0, 0, 0,
     NULL, NULL, 0, 0, 0, "the server's Z85 secret key (causalmon keygen); e.g. a credential"},
    {"allowed_clients_dir", T_STR, C(curve_allowed_dir), CAP(config, curve_allowed_dir), "", 0, 0,
     0, NULL, NULL, 0, 0, 0, "a directory of allowed client public keys, one file each"},
    END,
};

static const struct opt TOP_OPTS[] = {
    {"bucket", T_DUR, C(bucket_ns), 0, "1s", 0.001, 86400, 0, NULL, NULL, 0, 0, 0,
     "width of the time buckets"},
    {"lateness", T_DUR, C(lateness_ns), 0, "5s", 0, 3600, 0, NULL, NULL, 0, 0, 0,
     "how late a record may arrive (event time) and still count"},
    {"series_ttl", T_DUR, C(series_ttl_ns), 0, "1h", 0, 31536000, 0, NULL, NULL, 0, 0, 0,
     "a series without records for this long (event time) is forgotten and its place in "
     "max_series freed (0: never)"},
    {"max_future", T_DUR, C(max_future_ns), 0, "10m", 0, 31536000, 0, NULL, NULL, 0, 0, 0,
     "records further ahead of the host clock are rejected and counted (0: no limit)"},
    {"idle_flush", T_DUR, C(idle_flush_ns), 0, "10s", 0.1, 86400, 1, NULL, NULL, 0, 0, 0,
     "close open buckets when every input has been quiet this long (wall clock)"},
    {"max_series", T_INT, C(max_series), 0, "10000", 1, 1000000, 0, NULL, NULL, 0, 0, 0,
     "series cap of the aligner; further series are refused and counted"},
    {"max_gap", T_INT, C(max_gap), 0, "5", 0, 100000, 0, NULL, NULL, 0, 0, 0,
     "buckets a value is carried forward over a gap"},
    {"state_dir", T_STR, C(state_dir), CAP(config, state_dir), "/var/lib/causalmon", 0, 0, 0, NULL,
     NULL, 0, 0, 0, "checkpoints and the alert journal"},
    {"checkpoint_every", T_DUR, C(checkpoint_every_ns), 0, "60s", 1, 86400, 1, NULL, NULL, 0, 0, 0,
     "checkpoint cadence (also written on stop)"},
    {"log_level", T_ENUM, C(log_level), 0, "info", 0, 0, 1, LOG_LEVELS, NULL, 0, 0, 0,
     "error, warning, notice, info or debug"},
    {"workers", T_INT, C(workers), 0, "2", 1, 64, 0, NULL, NULL, 0, 0, 0, "model refresh threads"},
    {"drain", T_MAP, 0, 0, NULL, 0, 0, 0, NULL, DRAIN_OPTS, 0, 0, 0, "log template mining"},
    {"alerts", T_MAP, 0, 0, NULL, 0, 0, 0, NULL, ALERT_OPTS, 0, 0, 0, "alert publishing"},
    {"query", T_MAP, 0, 0, NULL, 0, 0, 0, NULL, QUERY_OPTS, 0, 0, 0, "query socket"},
    {"metrics", T_MAP, 0, 0, NULL, 0, 0, 0, NULL, METRICS_OPTS, 0, 0, 0, "Prometheus metrics"},
    {"curve", T_MAP, 0, 0, NULL, 0, 0, 0, NULL, CURVE_OPTS, 0, 0, 0, "ZeroMQ CURVE security"},
    {"inputs", T_LIST, C(inputs), sizeof(struct input_conf), NULL, 0, 0, 0, NULL, INPUT_OPTS,
     C(ninputs), CONF_MAX_INPUTS, 0, "where records come from"},
    {"scopes", T_LIST, C(scopes), sizeof(struct scope_conf), NULL, 0, 0, 0, NULL, SCOPE_OPTS,
     C(nscopes), CONF_MAX_SCOPES, 0, "the monitored sets of series, each with its own model"},
    {"sinks", T_LIST, C(sinks), sizeof(struct sink_conf), NULL, 0, 0, 0, NULL, SINK_OPTS, C(nsinks),
     CONF_MAX_SINKS, 0, "where alerts go besides the PUB socket: Alertmanager, webhooks"},
    END,
};

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

static const char *type_name(const struct opt *o)
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
        for (int a = 0; choices_of(o)[a]; a++)
            if (strcmp(choices_of(o)[a], s) == 0) {
                if (o->size) /* stored as text */
                    snprintf(base + o->off, o->size, "%s", s);
                else
                    *(int *)(base + o->off) = a;
                return 0;
            }
        {
            size_t n = (size_t)snprintf(why, wl, "'%s' is not one of", s);
            for (int a = 0; choices_of(o)[a] && n < wl; a++)
                n += (size_t)snprintf(why + n, wl - n, " %s", choices_of(o)[a]);
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
        if (!s) return fail(p, v->start_mark, "'%s' must be a %s", key, type_name(o));
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
        if (s->window < 4 * (s->tau_max + 1) + 10)
            return fail(p, m,
                        "scopes[%d] (%s): window %d is too short for tau_max %d (needs >= %d)", a,
                        s->name, s->window, s->tau_max, 4 * (s->tau_max + 1) + 10);
        char why[256];
        if (rca_prior_check(s, why, sizeof why))
            return fail(p, m, "scopes[%d] (%s): %s", a, s->name, why);
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
    apply_defaults(TOP_OPTS, (char *)c);
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
    } else if (parse_map(&p, root, TOP_OPTS, (char *)c, "the configuration") == 0 &&
               check(&p, root, c) == 0) {
        rc = 0;
    }
    yaml_document_delete(&doc);
out_parser:
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

static int differs(const struct opt *table, const char *a, const char *b, char *msg, size_t len,
                   size_t *used, const char *prefix)
{
    int n = 0;
    for (const struct opt *o = table; o->key; o++) {
        char name[128];
        snprintf(name, sizeof name, "%s%s", prefix, o->key);
        if (o->type == T_MAP) {
            char pre[160];
            snprintf(pre, sizeof pre, "%s.", name);
            n += differs(o->sub, a, b, msg, len, used, pre);
            continue;
        }
        if (o->reload) continue;
        size_t size = o->type == T_DUR               ? sizeof(int64_t)
                      : o->type == T_REAL            ? sizeof(double)
                      : o->type == T_STR             ? o->size
                      : o->type == T_STRS            ? o->size * (size_t)o->max
                      : o->type == T_PROPS           ? o->size * 2 * (size_t)o->max
                      : o->type == T_LIST            ? o->size * (size_t)o->max
                      : o->type == T_ENUM && o->size ? o->size
                                                     : sizeof(int);
        int same = memcmp(a + o->off, b + o->off, size) == 0;
        if (o->count_off)
            same = same && *(const int *)(a + o->count_off) == *(const int *)(b + o->count_off);
        if (!same) {
            n++;
            if (*used < len)
                *used +=
                    (size_t)snprintf(msg + *used, len - *used, "%s'%s' changed: it takes a restart",
                                     *used ? "; " : "", name);
        }
    }
    return n;
}

int config_unreloadable_changes(const struct config *a, const struct config *b, char *msg,
                                size_t len)
{
    size_t used = 0;
    msg[0] = '\0';
    return differs(TOP_OPTS, (const char *)a, (const char *)b, msg, len, &used, "");
}

static void reference(FILE *f, const struct opt *table, int indent, const char *prefix)
{
    if (strlen(prefix) > 128) return; /* the table nests two levels deep */
    for (const struct opt *o = table; o->key; o++) {
        fprintf(f, "%*s# %s%s (%s", indent, "", prefix, o->key, type_name(o));
        if (o->dflt) fprintf(f, ", default %s", o->dflt[0] ? o->dflt : "empty");
        if (o->type == T_INT || o->type == T_REAL) fprintf(f, ", %g to %g", o->lo, o->hi);
        if (o->type == T_DUR) fprintf(f, ", %gs to %gs", o->lo, o->hi);
        if (o->type == T_ENUM) {
            fprintf(f, ":");
            for (int a = 0; choices_of(o)[a]; a++) fprintf(f, " %s", choices_of(o)[a]);
        }
        if (o->required) fprintf(f, ", required");
        fprintf(f, "%s): %s\n", o->reload ? ", reloadable" : "", o->help);
        if (o->type == T_MAP || o->type == T_LIST) {
            char pre[256];
            snprintf(pre, sizeof pre, "%s%s%s", prefix, o->key, o->type == T_LIST ? "[]." : ".");
            reference(f, o->sub, indent + 2, pre);
        }
    }
}

void config_reference(FILE *f)
{
    fprintf(f, "# causalmon configuration reference (generated from the option table)\n");
    reference(f, TOP_OPTS, 0, "");
}
