/*
 * `causalmon run`: the daemon (docs/architecture.md §1). One zmq_poll loop serves the ZeroMQ
 * sockets (inputs, the alert PUB, the query ROUTER), every Kafka input's wake-up pipe, a signal fd
 * and a 100 ms timer fd; refreshes run on the worker pool.
 *
 * Signals: SIGTERM/SIGINT stop cleanly (intake stops, Kafka offsets are committed, workers
 * finish, exit 0); SIGHUP reloads the configuration: an invalid file, or one that changes
 * options that take a restart, is logged and the running configuration kept.
 * systemd: READY=1 once the sockets are bound and the inputs started, WATCHDOG=1 from the loop
 * while every worker is alive, RELOADING=1/READY=1 around a reload, STOPPING=1.
 */
#include "aligner_state.h"
#include "checkpoint.h"
#include "cli.h"
#include "config.h"
#include "file_source.h"
#include "http_listen.h"
#include "http_source.h"
#include "ingest.h"
#include "json_metrics.h"
#include "kafka_source.h"
#include "logmsg.h"
#include "mem_estimate.h"
#include "query_proto.h"
#include "metrics_http.h"
#include "web_ui.h"
#include "prom_text.h"
#include "scope.h"
#include "sinks.h"
#include "workers.h"
#include "zmq_curve.h"
#include "zmq_source.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static const char *const CMD = "run";

/* Messages taken from one input per loop turn: the rest waits for the next turn, so queries,
 * heartbeats, the watchdog and signals are served at any input rate. */
#define TURN_BUDGET 512

struct input {
    const struct input_conf *conf;
    struct input_decoding dec;
    struct reject_stats st;
    struct zmq_source *zsrc;
    struct kafka_source *ksrc;
    struct file_source *fsrc;
    struct http_source *hsrc;
    struct csv_table *csv; /* a CSV file input, read whole at the start (CSV limits apply) */
    long csv_row;
    int done;        /* file read to the end */
    const char *buf; /* file: the current chunk, [at, len) not yet fed */
    size_t len, at;
    struct replay_pacer pacer;
    double due; /* monotonic time the next slice is due (speed > 0) */
    struct daemon *d;
};

struct daemon {
    struct config *conf;
    void *zctx, *pub, *router;
    struct aligner *al;
    struct log_series *logs;
    struct ingest in;
    struct input inputs[CONF_MAX_INPUTS];
    int ninputs;
    struct scope *scopes[CONF_MAX_SCOPES];
    int nscopes;
    struct workers *workers;
    char epoch[40];
    double started;
    struct alerts *alerts;
    double last_heartbeat, last_record_wall, last_checkpoint, last_metrics, last_expiry;
    struct metrics_http *metrics;
    struct zmq_curve *curve;
    /* checkpoints: failures so far, whether the last one was written, its error */
    long ckpt_failures, ckpt_written;
    int ckpt_ok;
    char ckpt_error[512];
    struct sinks sinks;
    char external_url[CONF_STR];
};

/* Signals reach the loop through a pipe: a handler writes the signal number. (Blocking them for
 * a signalfd is not enough: threads created before main, such as OpenBLAS's, would still take
 * them with the default action.) */
static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    unsigned char b = (unsigned char)sig;
    ssize_t w = write(sig_pipe[1], &b, 1);
    (void)w;
}

static int install_signals(void)
{
    if (pipe(sig_pipe)) return -1;
    fcntl(sig_pipe[0], F_SETFL, O_NONBLOCK);
    fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static const char *series_name(void *ctx, int id)
{
    return aligner_series_name(ctx, id);
}

static const char *template_of(void *ctx, const char *name)
{
    struct daemon *d = ctx;
    return log_series_template(d->logs, name, strlen(name));
}

static struct scope *new_scope(struct daemon *d, const struct scope_conf *c)
{
    return scope_new(c, d->conf->max_series, d->conf->bucket_ns, template_of, d);
}

static void on_row(void *ctx, int64_t t_ns, const double *row, int n)
{
    struct daemon *d = ctx;
    for (int a = 0; a < d->nscopes; a++)
        scope_row(d->scopes[a], t_ns, row, n, series_name, d->al, d->workers);
}

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void series_expired(void *ctx, int id)
{
    struct daemon *d = ctx;
    for (int a = 0; a < d->nscopes; a++) scope_series_expired(d->scopes[a], id);
}

static int64_t clock_ns(void *ctx)
{
    (void)ctx;
    return wall_ns();
}

static void on_zmq(void *ctx, const char *fmt, size_t fl, const char *p, size_t len)
{
    struct input *in = ctx;
    struct ingest_meta m = {wall_ns(), -1, NULL, 0};
    ingest_message(&in->d->in, &in->dec, fmt ? ingest_message_format(fmt, fl) : -1, &m, p, len,
                   &in->st);
    in->d->last_record_wall = now_mono();
}

static int64_t on_kafka(void *ctx, const void *payload, size_t len, const struct kafka_meta *km)
{
    struct input *in = ctx;
    struct ingest_meta m = {km->ts_ns >= 0 ? km->ts_ns : wall_ns(),
                            in->conf->timestamp_source ? km->ts_ns : -1, NULL, 0};
    if (in->conf->stream_from_key && km->key_len) {
        m.stream = km->key;
        m.stream_len = km->key_len;
    }
    int fmt = -1;
    const void *hv;
    size_t hl;
    if (kafka_meta_header(km, "format", &hv, &hl) == 0) /* a per-message format header */
        fmt = ingest_message_format(hv, hl);
    ingest_message(&in->d->in, &in->dec, fmt, &m, payload, len, &in->st);
    in->d->last_record_wall = now_mono();
    return in->d->in.msg_max_ts_ns;
}

static void on_http(void *ctx, const struct http_msg *hm)
{
    struct input *in = ctx;
    struct ingest_meta m = {wall_ns(), -1, NULL, 0};
    struct input_decoding dec = in->dec;
    if (hm->has_precision) dec.precision = hm->precision;
    ingest_message(&in->d->in, &dec, hm->format, &m, hm->data, hm->len, &in->st);
    in->d->last_record_wall = now_mono();
}

static void decoding_of(const struct input_conf *c, struct input_decoding *dec)
{
    input_decoding_default(dec, c->stream);
    enum input_format f = FMT_INFLUX;
    input_format_parse(c->format, strlen(c->format), &f);
    dec->format = f;
    lp_precision_parse(c->precision, &dec->precision);
    json_time_unit_parse(c->json_time_unit, &dec->json_ts_unit_s); /* validated by the config */
}

static int start_input(struct daemon *d, struct input *in, const struct input_conf *c, char *err,
                       size_t errlen)
{
    in->conf = c;
    in->d = d;
    decoding_of(c, &in->dec);
    snprintf(in->st.input, sizeof in->st.input, "%s", c->name);
    if (c->type == IN_ZMQ_PULL || c->type == IN_ZMQ_SUB) {
        struct zmq_source_conf zc = {c->name,     c->type == IN_ZMQ_SUB ? ZSRC_SUB : ZSRC_PULL,
                                     c->endpoint, c->subscribe,
                                     c->rcvhwm,   c->type == IN_ZMQ_PULL ? d->curve : NULL};
        in->zsrc = zmq_source_new(d->zctx, &zc, err, errlen);
        return in->zsrc ? 0 : -1;
    }
    if (c->type == IN_KAFKA) {
        struct kafka_source_conf kc = {.name = c->name, .brokers = c->brokers, .group = c->group};
        for (int a = 0; a < c->ntopics && a < KAFKA_MAX_TOPICS; a++)
            kc.topics[kc.ntopics++] = c->topics[a];
        kc.instance_id = c->instance_id[0] ? c->instance_id : NULL;
        for (int a = 0; a < c->nprops && a < KAFKA_MAX_PROPS; a++) {
            kc.props[kc.nprops][0] = c->props[a][0];
            kc.props[kc.nprops++][1] = c->props[a][1];
        }
        kc.store = c->store ? KAFKA_STORE_CHECKPOINT : KAFKA_STORE_INCORPORATED;
        kc.align_ns = d->conf->lateness_ns / 2;
        kc.grain_ns = d->conf->bucket_ns;
        in->ksrc = kafka_source_new(&kc, err, errlen);
        return in->ksrc ? 0 : -1;
    }
    if (c->type == IN_HTTP) {
        char *token = NULL;
        if (c->token_file[0] && !(token = http_token_read(c->name, c->token_file, err, errlen)))
            return -1;
        struct http_source_conf hc = {c->name, c->listen, (size_t)c->max_body,
                                      (size_t)c->queue_kib * 1024, token};
        in->hsrc = http_source_new(&hc, err, errlen);
        free(token);
        return in->hsrc ? 0 : -1;
    }
    in->pacer.speed = c->speed;
    if (in->dec.format == FMT_CSV) {
        in->csv = strcmp(c->path, "-") == 0 ? csv_table_read_stream(stdin, "<stdin>", err, errlen)
                                            : csv_table_read(c->path, err, errlen);
        return in->csv ? 0 : -1;
    }
    in->fsrc = file_source_open(c->path, err, errlen);
    return in->fsrc ? 0 : -1;
}

static void stop_input(struct input *in)
{
    zmq_source_close(in->zsrc);
    kafka_source_close(in->ksrc); /* commits the stored offsets */
    file_source_close(in->fsrc);
    http_source_close(in->hsrc);
    in->hsrc = NULL;
    csv_table_free(in->csv);
    in->csv = NULL;
    in->zsrc = NULL;
    in->ksrc = NULL;
    in->fsrc = NULL;
}

static const char *TYPE_NAMES[] = {"zmq_pull", "zmq_sub", "kafka", "file", "http"};

static json_t *status_json(struct daemon *d)
{
    json_t *inputs = json_array();
    for (int a = 0; a < d->ninputs; a++) {
        struct input *in = &d->inputs[a];
        json_t *rej = json_object();
        for (int r = 0; r < REJECT_REASONS; r++)
            if (in->st.rejected[r])
                json_object_set_new(rej, reject_reason_str((enum reject_reason)r),
                                    json_integer(in->st.rejected[r]));
        json_t *lag = json_null();
        if (in->ksrc) {
            struct kafka_lag l[64];
            int n = kafka_source_lag(in->ksrc, l, 64);
            lag = json_array();
            for (int k = 0; k < n; k++)
                json_array_append_new(lag,
                                      json_pack("{s:s, s:i, s:I}", "topic", l[k].topic, "partition",
                                                (int)l[k].partition, "lag", (json_int_t)l[k].lag));
        }
        json_array_append_new(
            inputs, json_pack("{s:s, s:s, s:I, s:I, s:o, s:o}", "name", in->conf->name, "type",
                              TYPE_NAMES[in->conf->type], "records", (json_int_t)in->st.records,
                              "lines", (json_int_t)in->st.lines, "rejected", rej, "lag", lag));
    }
    json_t *scopes = json_array();
    for (int a = 0; a < d->nscopes; a++) json_array_append_new(scopes, scope_status(d->scopes[a]));
    const struct aligner_stats *as = aligner_stats(d->al);
    json_t *curve = json_null();
    if (d->curve) {
        long ok, denied;
        zmq_curve_counts(d->curve, &ok, &denied);
        curve = json_pack("{s:I, s:I}", "allowed", (json_int_t)ok, "denied", (json_int_t)denied);
    }
    json_t *st = json_pack(
        "{s:s, s:f, s:I, s:o, s:o, s:{s:i, s:I, s:I, s:I}}", "epoch", d->epoch, "uptime_s",
        now_mono() - d->started, "last_seq", (json_int_t)alerts_seq(d->alerts), "inputs", inputs,
        "scopes", scopes, "aligner", "series", aligner_nseries(d->al), "rows", (json_int_t)as->rows,
        "late", (json_int_t)as->late, "series_cap", (json_int_t)as->series_cap);
    json_object_set_new(st, "curve", curve);
    json_object_set_new(json_object_get(st, "aligner"), "duplicates", json_integer(as->duplicates));
    json_object_set_new(json_object_get(st, "aligner"), "future", json_integer(as->future));
    json_object_set_new(json_object_get(st, "aligner"), "expired", json_integer(as->expired));
    json_object_set_new(json_object_get(st, "aligner"), "series",
                        json_integer(aligner_nalive(d->al)));
    json_object_set_new(st, "checkpoint",
                        json_pack("{s:b, s:I, s:I, s:s}", "ok", d->ckpt_ok || !d->ckpt_failures,
                                  "written", (json_int_t)d->ckpt_written, "failures",
                                  (json_int_t)d->ckpt_failures, "last_error", d->ckpt_error));
    json_object_set_new(st, "alerts_dropped", json_integer(alerts_dropped(d->alerts)));
    json_object_set_new(st, "sinks", sinks_status(&d->sinks));
    return st;
}

/* Answers one query (query_proto.h). */
static json_t *answer(struct daemon *d, const char *q, size_t len)
{
    struct query qu;
    char err[128];
    if (query_parse(q, len, &qu, err, sizeof err)) return json_pack("{s:s}", "error", err);
    if (qu.kind == QUERY_STATUS) return status_json(d);
    if (qu.kind == QUERY_GRAPH) {
        if (d->nscopes == 0) return json_pack("{s:s}", "error", "no scopes configured");
        for (int a = 0; a < d->nscopes; a++)
            if (!qu.scope[0] || !strcmp(d->scopes[a]->conf.name, qu.scope))
                return scope_graph(d->scopes[a]);
        return json_pack("{s:s}", "error", "no such scope");
    }
    return json_pack("{s:s, s:I, s:o}", "epoch", d->epoch, "last_seq",
                     (json_int_t)alerts_seq(d->alerts), "alerts",
                     alerts_since(d->alerts, qu.since));
}

/* Serves every waiting query on the ROUTER: [id][""][body] (REQ) or [id][body] (DEALER). */
static void serve_queries(struct daemon *d)
{
    for (int k = 0; k < 100; k++) {
        zmq_msg_t id, f2, f3;
        zmq_msg_init(&id);
        if (zmq_msg_recv(&id, d->router, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&id);
            return;
        }
        zmq_msg_init(&f2);
        zmq_msg_init(&f3);
        int req = 0;
        zmq_msg_t *body = &f2;
        if (zmq_msg_more(&id)) zmq_msg_recv(&f2, d->router, 0);
        if (zmq_msg_size(&f2) == 0 && zmq_msg_more(&f2)) {
            req = 1;
            zmq_msg_recv(&f3, d->router, 0);
            body = &f3;
        }
        while (zmq_msg_more(body)) { /* ignore extra frames */
            zmq_msg_t extra;
            zmq_msg_init(&extra);
            zmq_msg_recv(&extra, d->router, 0);
            int more = zmq_msg_more(&extra);
            zmq_msg_close(&extra);
            if (!more) break;
        }
        json_t *reply = answer(d, zmq_msg_data(body), zmq_msg_size(body));
        char *text = json_dumps(reply, JSON_COMPACT | JSON_REAL_PRECISION(10));
        json_decref(reply);
        zmq_send(d->router, zmq_msg_data(&id), zmq_msg_size(&id), ZMQ_SNDMORE);
        if (req) zmq_send(d->router, "", 0, ZMQ_SNDMORE);
        zmq_send(d->router, text, strlen(text), 0);
        free(text);
        zmq_msg_close(&id);
        zmq_msg_close(&f2);
        zmq_msg_close(&f3);
    }
}

/* Writes the checkpoint: scope windows, log templates, alert seq, where the aligner's closed
 * buckets end. Once it is durable, Kafka inputs store the offsets it covers. Returns 0 or -1
 * (counted for status and /metrics, logged). */
static int save_checkpoint(struct daemon *d)
{
    int64_t closed_before = aligner_closed_before(d->al);
    json_t *scopes = json_array();
    for (int a = 0; a < d->nscopes; a++)
        json_array_append_new(scopes, scope_checkpoint(d->scopes[a]));
    size_t len;
    char *logs = log_series_save(d->logs, &len);
    json_t *state =
        json_pack("{s:s, s:i, s:I, s:I, s:s, s:o, s:s, s:o}", "format", "causalmon-checkpoint",
                  "version", CHECKPOINT_VERSION, "bucket_ns", (json_int_t)d->conf->bucket_ns, "seq",
                  (json_int_t)alerts_seq(d->alerts), "epoch", d->epoch, "scopes", scopes, "logs",
                  logs, "aligner", aligner_state_save(d->al));
    free(logs);
    char err[512];
    int rc = state ? checkpoint_write(d->conf->state_dir, state, err, sizeof err) : -1;
    if (!state) snprintf(err, sizeof err, "checkpoint: the state has a string that is not UTF-8");
    if (rc) {
        logmsg(LOG_ERR, "%s", err);
        d->ckpt_failures++;
        d->ckpt_ok = 0;
        snprintf(d->ckpt_error, sizeof d->ckpt_error, "%s", err);
    } else {
        logmsg(LOG_DEBUG, "checkpoint written to %s", d->conf->state_dir);
        d->ckpt_ok = 1;
        d->ckpt_written++;
        for (int a = 0; a < d->ninputs; a++) /* store: checkpoint - these records are durable */
            if (d->inputs[a].ksrc) kafka_source_store_durable(d->inputs[a].ksrc, closed_before);
    }
    json_decref(state);
    d->last_checkpoint = now_mono();
    return rc;
}

static int series_id(void *ctx, const char *name)
{
    return aligner_series(ctx, name, strlen(name));
}

/* Restores what a checkpoint holds; a corrupt or incompatible one is reported and ignored. */
static void restore_checkpoint(struct daemon *d)
{
    char err[512];
    json_t *j = checkpoint_read(d->conf->state_dir, err, sizeof err);
    if (!j) {
        if (err[0]) logmsg(LOG_WARNING, "ignoring the checkpoint: %s", err);
        return;
    }
    json_t *bucket = json_object_get(j, "bucket_ns"), *logs = json_object_get(j, "logs");
    if (json_integer_value(bucket) != d->conf->bucket_ns || !json_is_string(logs)) {
        logmsg(LOG_WARNING, "ignoring the checkpoint: another bucket width or no log state");
        json_decref(j);
        return;
    }
    struct drain_params dp = {d->conf->drain_depth, d->conf->drain_similarity,
                              d->conf->drain_max_children, d->conf->drain_max_clusters, 1};
    struct log_series *ls = log_series_load(json_string_value(logs), json_string_length(logs), &dp,
                                            d->conf->max_log_streams, err, sizeof err);
    if (!ls) {
        logmsg(LOG_WARNING, "ignoring the checkpoint: %s", err);
        json_decref(j);
        return;
    }
    log_series_free(d->logs);
    d->logs = ls;
    d->in.logs = ls;
    int restored = 0;
    size_t i;
    json_t *sj;
    json_array_foreach(json_object_get(j, "scopes"), i, sj)
    {
        const char *name = json_string_value(json_object_get(sj, "name"));
        for (int a = 0; name && a < d->nscopes; a++) {
            if (strcmp(d->scopes[a]->conf.name, name) != 0) continue;
            if (scope_restore(d->scopes[a], sj, series_id, d->al, err, sizeof err) == 0) {
                restored++;
            } else { /* start this scope afresh */
                logmsg(LOG_WARNING, "checkpoint: %s; the scope starts empty", err);
                struct scope_conf c = d->scopes[a]->conf;
                scope_free(d->scopes[a]);
                d->scopes[a] = new_scope(d, &c);
            }
        }
    }
    for (int a = 0; a < d->nscopes; a++) { /* a window ending far ahead would never grow */
        int64_t last = scope_window_last_time(d->scopes[a]->win);
        if (d->conf->max_future_ns > 0 && scope_window_rows(d->scopes[a]->win) > 0 &&
            last - wall_ns() > d->conf->max_future_ns) {
            logmsg(LOG_WARNING,
                   "checkpoint: scope %s ends %.0f s ahead of the clock; it starts empty",
                   d->scopes[a]->conf.name, (last - wall_ns()) * 1e-9);
            struct scope_conf c = d->scopes[a]->conf;
            scope_free(d->scopes[a]);
            d->scopes[a] = new_scope(d, &c);
            restored--;
        }
    }
    if (aligner_state_restore(d->al, json_object_get(j, "aligner"), wall_ns(),
                              d->conf->max_future_ns, err, sizeof err))
        logmsg(LOG_WARNING, "checkpoint: %s; replayed records are not deduplicated", err);
    else if (aligner_closed_before(d->al) != INT64_MIN)
        logmsg(LOG_INFO, "aligner resumes at %lld (earlier records are duplicates)",
               (long long)aligner_closed_before(d->al));
    long seq = (long)json_integer_value(json_object_get(j, "seq"));
    logmsg(LOG_NOTICE, "restored the checkpoint: %d scope window(s), %d log stream(s), seq %ld",
           restored, log_series_nstreams(ls), seq);
    json_decref(j);
}

/* Per-input series: records, rejections, HTTP requests. */
static void input_metrics(struct daemon *d, struct prom_text *t)
{
    prom_family(t, "causalmon_records_total", "counter", "Records accepted into the aligner.");
    for (int a = 0; a < d->ninputs; a++) {
        prom_add(t, "causalmon_records_total{input=\"");
        prom_label(t, d->inputs[a].conf->name);
        prom_add(t, "\"} %ld\n", d->inputs[a].st.records);
    }
    prom_family(t, "causalmon_lines_total", "counter",
                "Lines, documents or time series read by an input.");
    for (int a = 0; a < d->ninputs; a++) {
        prom_add(t, "causalmon_lines_total{input=\"");
        prom_label(t, d->inputs[a].conf->name);
        prom_add(t, "\"} %ld\n", d->inputs[a].st.lines);
    }
    prom_family(t, "causalmon_rejected_total", "counter", "Records rejected, by reason.");
    for (int a = 0; a < d->ninputs; a++)
        for (int r = 0; r < REJECT_REASONS; r++) {
            prom_add(t, "causalmon_rejected_total{input=\"");
            prom_label(t, d->inputs[a].conf->name);
            prom_add(t, "\",reason=\"%s\"} %ld\n", reject_reason_str((enum reject_reason)r),
                     d->inputs[a].st.rejected[r]);
        }
    prom_family(t, "causalmon_skipped_fields_total", "counter",
                "Valid but non-numeric fields (strings, NaN staleness markers) not turned into "
                "series.");
    for (int a = 0; a < d->ninputs; a++) {
        prom_add(t, "causalmon_skipped_fields_total{input=\"");
        prom_label(t, d->inputs[a].conf->name);
        prom_add(t, "\"} %ld\n", d->inputs[a].st.skipped_fields);
    }
    prom_family(t, "causalmon_http_requests_total", "counter",
                "Requests to an HTTP input, by outcome (throttled: 429/503 for backpressure).");
    for (int a = 0; a < d->ninputs; a++) {
        if (!d->inputs[a].hsrc) continue;
        struct http_source_stats hs;
        http_source_stats(d->inputs[a].hsrc, &hs);
        for (int o = 0; o < HTTP_OUTCOMES; o++) {
            prom_add(t, "causalmon_http_requests_total{input=\"");
            prom_label(t, d->inputs[a].conf->name);
            prom_add(t, "\",outcome=\"%s\"} %ld\n", http_outcome_str((enum http_outcome)o),
                     hs.requests[o]);
        }
    }
    prom_family(t, "causalmon_http_queued_bytes", "gauge",
                "Request bodies of an HTTP input waiting for the event loop.");
    for (int a = 0; a < d->ninputs; a++) {
        if (!d->inputs[a].hsrc) continue;
        struct http_source_stats hs;
        http_source_stats(d->inputs[a].hsrc, &hs);
        prom_add(t, "causalmon_http_queued_bytes{input=\"");
        prom_label(t, d->inputs[a].conf->name);
        prom_add(t, "\"} %ld\n", hs.queued_bytes);
    }
    prom_family(t, "causalmon_kafka_lag", "gauge",
                "Messages behind the high watermark, per assigned partition.");
    for (int a = 0; a < d->ninputs; a++) {
        if (!d->inputs[a].ksrc) continue;
        struct kafka_lag l[64];
        int n = kafka_source_lag(d->inputs[a].ksrc, l, 64);
        for (int k = 0; k < n; k++) {
            prom_add(t, "causalmon_kafka_lag{input=\"");
            prom_label(t, d->inputs[a].conf->name);
            prom_add(t, "\",topic=\"");
            prom_label(t, l[k].topic);
            prom_add(t, "\",partition=\"%d\"} %lld\n", (int)l[k].partition, (long long)l[k].lag);
        }
    }
}

/* Per-scope series: refreshes and the window. */
static void scope_metrics(struct daemon *d, struct prom_text *t)
{
    static const char *const fam[][3] = {
        {"causalmon_refresh_seconds", "gauge", "Duration of the scope's last model refresh."},
        {"causalmon_refreshes_total", "counter", "Model refreshes of the scope."},
        {"causalmon_window_fill", "gauge", "Rows (buckets) in the scope's sliding window."},
    };
    for (int f = 0; f < 3; f++) {
        prom_family(t, fam[f][0], fam[f][1], fam[f][2]);
        for (int a = 0; a < d->nscopes; a++) {
            struct scope *s = d->scopes[a];
            pthread_mutex_lock(&s->mu);
            double ms = s->refresh_ms;
            long n = s->refreshes;
            pthread_mutex_unlock(&s->mu);
            prom_add(t, "%s{scope=\"", fam[f][0]);
            prom_label(t, s->conf.name);
            if (f == 0) prom_add(t, "\"} %.6f\n", ms / 1e3);
            if (f == 1) prom_add(t, "\"} %ld\n", n);
            if (f == 2) prom_add(t, "\"} %d\n", scope_window_rows(s->win));
        }
    }
}

/* Renders the Prometheus text (every family with HELP and TYPE) and the recent alerts for the
 * HTTP server. Thread: the loop. */
static void publish_metrics(struct daemon *d)
{
    struct prom_text t = {0};
    prom_process(&t, CAUSALMON_VERSION);
    input_metrics(d, &t);
    scope_metrics(d, &t);
    sinks_metrics(&d->sinks, &t);
    const struct aligner_stats *as = aligner_stats(d->al);
    prom_family(&t, "causalmon_alerts_total", "counter", "Alerts published in this run.");
    prom_add(&t, "causalmon_alerts_total %ld\n", alerts_seq(d->alerts));
    prom_family(&t, "causalmon_series", "gauge", "Series known to the aligner.");
    prom_add(&t, "causalmon_series %d\n", aligner_nseries(d->al));
    prom_family(&t, "causalmon_aligned_rows_total", "counter", "Buckets the aligner closed.");
    prom_add(&t, "causalmon_aligned_rows_total %lld\n", (long long)as->rows);
    prom_family(&t, "causalmon_uptime_seconds", "gauge", "Seconds since the daemon started.");
    prom_add(&t, "causalmon_uptime_seconds %.0f\n", now_mono() - d->started);
    prom_family(&t, "causalmon_alerts_dropped_total", "counter",
                "Alerts a subscriber at its high-water mark missed.");
    prom_add(&t, "causalmon_alerts_dropped_total %ld\n", alerts_dropped(d->alerts));
    prom_family(&t, "causalmon_checkpoint_failures_total", "counter",
                "Checkpoints that could not be written.");
    prom_add(&t, "causalmon_checkpoint_failures_total %ld\n", d->ckpt_failures);
    prom_family(&t, "causalmon_checkpoint_ok", "gauge", "1 if the last checkpoint was written.");
    prom_add(&t, "causalmon_checkpoint_ok %d\n", d->ckpt_ok || !d->ckpt_failures);
    prom_family(&t, "causalmon_series_expired_total", "counter",
                "Series forgotten after series_ttl without records.");
    prom_add(&t, "causalmon_series_expired_total %ld\n", as->expired);
    metrics_http_publish(d->metrics, t.s, t.n);
    free(t.s);
    json_t *recent = alerts_since(d->alerts, 0);
    char *js = json_dumps(recent, JSON_COMPACT | JSON_REAL_PRECISION(10));
    metrics_http_publish_alerts(d->metrics, js, strlen(js));
    free(js);
    json_decref(recent);
    web_ui_publish(d->metrics, d->scopes, d->nscopes);
    d->last_metrics = now_mono();
}

/* The base URL of alert links: metrics.external_url, or http://HOSTNAME:PORT of metrics.listen
 * (empty when there is no metrics server). */
static void external_url(struct daemon *d)
{
    const char *port = strrchr(d->conf->metrics_listen, ':');
    char host[128] = "localhost";
    if (d->conf->external_url[0]) {
        snprintf(d->external_url, sizeof d->external_url, "%s", d->conf->external_url);
        size_t n = strlen(d->external_url);
        while (n && d->external_url[n - 1] == '/') d->external_url[--n] = '\0';
    } else if (d->metrics) {
        if (gethostname(host, sizeof host)) snprintf(host, sizeof host, "localhost");
        host[sizeof host - 1] = '\0';
        snprintf(d->external_url, sizeof d->external_url, "http://%s:%s", host,
                 port ? port + 1 : d->conf->metrics_listen);
    }
}

static void heartbeat(struct daemon *d)
{
    char hb[160];
    int n =
        snprintf(hb, sizeof hb, "{\"epoch\":\"%s\",\"seq\":%ld}", d->epoch, alerts_seq(d->alerts));
    zmq_send(d->pub, "heartbeat", 9, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send(d->pub, hb, (size_t)n, ZMQ_DONTWAIT);
}

static void *bind_socket(void *zctx, struct zmq_curve *curve, int type, const char *ep,
                         const char *what, char *err, size_t errlen)
{
    void *s = zmq_socket(zctx, type);
    zmq_socket_defaults(s);
    if ((curve && zmq_curve_server(curve, s)) || zmq_bind(s, ep)) {
        snprintf(err, errlen, "%s: cannot bind %s: %s", what, ep, zmq_strerror(errno));
        zmq_close(s);
        return NULL;
    }
    return s;
}

/* Feeds each file input: at full speed a chunk per call; with `speed` > 0, slices of at most
 * FILE_SLICE bytes of whole lines, each once the pacer says its events are due. Returns the
 * seconds until a paced input is next due (0: busy, -1: no file input left). */
#define FILE_SLICE 16384
static double read_files(struct daemon *d)
{
    double next = -1, t = now_mono();
    for (int a = 0; a < d->ninputs; a++) {
        struct input *in = &d->inputs[a];
        if ((!in->fsrc && !in->csv) || in->done) continue;
        if (in->due > t) {
            next = next < 0 || in->due - t < next ? in->due - t : next;
            continue;
        }
        if (in->csv) { /* a slice of rows, paced like lines */
            for (int k = 0; k < 64 && in->csv_row < in->csv->rows; k++)
                ingest_csv_row(&d->in, in->csv, in->csv_row++, &in->st);
            if (in->csv_row == in->csv->rows) {
                logmsg(LOG_INFO, "input %s: end of %s", in->conf->name, in->conf->path);
                in->done = 1;
            }
            if (in->conf->speed > 0 && d->in.msg_max_ts_ns >= 0)
                in->due = t + replay_pacer_delay(&in->pacer, d->in.msg_max_ts_ns, t);
            d->last_record_wall = t;
            next = 0;
            continue;
        }
        if (in->at == in->len) {
            long too_long;
            char err[256];
            int got = file_source_next(in->fsrc, &in->buf, &in->len, &too_long, err, sizeof err);
            for (long k = 0; k < too_long; k++) reject_count(&in->st, REJECT_LINE_TOO_LONG, "", 0);
            in->at = 0;
            if (got <= 0) {
                if (got < 0) logmsg(LOG_ERR, "input %s: %s", in->conf->name, err);
                logmsg(LOG_INFO, "input %s: end of %s", in->conf->name, in->conf->path);
                in->done = 1;
                in->len = 0;
                continue;
            }
        }
        size_t n = in->len - in->at;
        if (in->conf->speed > 0 && n > FILE_SLICE) { /* cut after the last newline in a slice */
            n = FILE_SLICE;
            while (n > 1 && in->buf[in->at + n - 1] != '\n') n--;
        }
        struct ingest_meta m = {wall_ns(), -1, NULL, 0};
        ingest_message(&d->in, &in->dec, -1, &m, in->buf + in->at, n, &in->st);
        in->at += n;
        if (in->conf->speed > 0 && d->in.msg_max_ts_ns >= 0)
            in->due = t + replay_pacer_delay(&in->pacer, d->in.msg_max_ts_ns, t);
        d->last_record_wall = t;
        next = 0;
    }
    return next;
}

static void run_usage(FILE *f)
{
    fprintf(f, "usage: causalmon run --config FILE\n"
               "       causalmon run --check-config FILE\n"
               "       causalmon run --config-reference\n"
               "\n"
               "Runs the daemon (what systemd starts), validates a configuration file\n"
               "(exit 0, or 2 with FILE:LINE:COL), or prints the commented reference of every\n"
               "option.\n");
}

static int load(const char *path, struct config **out)
{
    struct config *c = malloc(sizeof *c);
    char err[1024];
    if (config_load(path, c, err, sizeof err)) {
        logmsg(LOG_ERR, "%s", err);
        free(c);
        return -1;
    }
    *out = c;
    return 0;
}

static void set_log_level(const struct config *c)
{
    static const enum log_level levels[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};
    logmsg_set_level(levels[c->log_level]);
}

/* SIGHUP: a valid file whose restart-only options are unchanged replaces the running one. */
static void reload(struct daemon *d)
{
    sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%lld", (long long)(now_mono() * 1e6));
    struct config *c;
    if (load(d->conf->path, &c) == 0) {
        char why[1024];
        if (config_unreloadable_changes(d->conf, c, why, sizeof why)) {
            logmsg(LOG_ERR, "reload of %s refused, the running configuration stays: %s",
                   d->conf->path, why);
            free(c);
        } else { /* copied in place: inputs point into the running configuration */
            *d->conf = *c;
            free(c);
            set_log_level(d->conf);
            logmsg(LOG_NOTICE, "reloaded %s", d->conf->path);
        }
    } else {
        logmsg(LOG_ERR, "reload of %s failed, the running configuration stays", d->conf->path);
    }
    char err[512];
    if (d->curve && zmq_curve_reload(d->curve, d->conf->curve_allowed_dir, err, sizeof err))
        logmsg(LOG_ERR, "%s; the allow-list stays", err);
    sd_notify(0, "READY=1");
}

static int serve(struct config *conf)
{
    struct daemon *d = calloc(1, sizeof *d);
    d->conf = conf;
    d->started = now_mono();
    char err[1024];
    int rc = EXIT_FAILURE_RUN;
    set_log_level(conf);
    snprintf(d->epoch, sizeof d->epoch, "%08lx%08lx", (unsigned long)time(NULL),
             (unsigned long)getpid() ^ (unsigned long)(now_mono() * 1e6));
    if (mkdir(conf->state_dir, 0750) && errno != EEXIST) {
        logmsg(LOG_ERR, "state_dir %s: %s", conf->state_dir, strerror(errno));
        free(d);
        return EXIT_FAILURE_RUN;
    }
    if (install_signals()) {
        logmsg(LOG_ERR, "pipe: %s", strerror(errno));
        free(d);
        return EXIT_FAILURE_RUN;
    }
    int sfd = sig_pipe[0];
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct itimerspec its = {{0, 100000000}, {0, 100000000}};
    timerfd_settime(tfd, 0, &its, NULL);

    struct aligner_params ap = {conf->bucket_ns, conf->lateness_ns, conf->max_series, conf->max_gap,
                                AGG_MEAN};
    d->al = aligner_new(&ap, err, sizeof err);
    struct drain_params dp = {conf->drain_depth, conf->drain_similarity, conf->drain_max_children,
                              conf->drain_max_clusters, 1};
    d->logs = log_series_new(&dp, conf->max_log_streams, err, sizeof err);
    if (!d->al || !d->logs) {
        logmsg(LOG_ERR, "%s", err);
        goto out;
    }
    d->in = (struct ingest){d->al, d->logs, on_row, d, NULL, NULL, -1};
    aligner_set_max_future(d->al, conf->max_future_ns, clock_ns, NULL);
    d->workers = workers_start(conf->workers);
    for (int a = 0; a < conf->nscopes; a++)
        d->scopes[d->nscopes++] = new_scope(d, &conf->scopes[a]);
    restore_checkpoint(d);
    d->last_checkpoint = now_mono();

    d->zctx = zmq_ctx_new();
    if (conf->curve_enabled &&
        !(d->curve = zmq_curve_start(d->zctx, conf->curve_secret_file, conf->curve_allowed_dir, err,
                                     sizeof err))) {
        logmsg(LOG_ERR, "%s", err);
        goto out;
    }
    d->pub =
        bind_socket(d->zctx, d->curve, ZMQ_PUB, conf->alerts_endpoint, "alerts", err, sizeof err);
    if (d->pub) zmq_setsockopt(d->pub, ZMQ_SNDHWM, &conf->alerts_hwm, sizeof conf->alerts_hwm);
    int nodrop = 1; /* a full subscriber gives EAGAIN, so the drop is counted */
    if (d->pub) zmq_setsockopt(d->pub, ZMQ_XPUB_NODROP, &nodrop, sizeof nodrop);
    if (d->pub) d->alerts = alerts_new(d->pub, d->epoch, conf->state_dir);
    d->router = d->pub ? bind_socket(d->zctx, d->curve, ZMQ_ROUTER, conf->query_endpoint, "query",
                                     err, sizeof err)
                       : NULL;
    if (!d->router) {
        logmsg(LOG_ERR, "%s", err);
        goto out;
    }
    if (conf->metrics_listen[0] &&
        !(d->metrics = metrics_http_start(conf->metrics_listen, conf->metrics_token_file, err,
                                          sizeof err))) {
        logmsg(LOG_ERR, "%s", err);
        goto out;
    }
    external_url(d);
    if (sinks_start(conf, d->external_url[0] ? d->external_url : NULL, d->alerts, &d->sinks, err,
                    sizeof err)) {
        logmsg(LOG_ERR, "%s", err);
        goto out;
    }
    for (int a = 0; a < conf->ninputs; a++, d->ninputs++)
        if (start_input(d, &d->inputs[a], &conf->inputs[a], err, sizeof err)) {
            logmsg(LOG_ERR, "%s", err);
            goto out;
        }
    logmsg(LOG_NOTICE, "running: %d input(s), %d scope(s), alerts on %s, queries on %s", d->ninputs,
           d->nscopes, conf->alerts_endpoint, conf->query_endpoint);
    sd_notifyf(0, "READY=1\nSTATUS=running, %d inputs, %d scopes", d->ninputs, d->nscopes);
    metrics_http_set_ready(d->metrics, 1);
    uint64_t wd_usec = 0;
    int watchdog = sd_watchdog_enabled(0, &wd_usec) > 0;
    d->last_record_wall = now_mono();

    int stop = 0, backlog = 0;
    double file_wait = 0;
    while (!stop) {
        zmq_pollitem_t items[3 + 2 * CONF_MAX_INPUTS];
        int n = 0;
        items[n++] = (zmq_pollitem_t){d->router, 0, ZMQ_POLLIN, 0};
        items[n++] = (zmq_pollitem_t){NULL, sfd, ZMQ_POLLIN, 0};
        items[n++] = (zmq_pollitem_t){NULL, tfd, ZMQ_POLLIN, 0};
        for (int a = 0; a < d->ninputs; a++) {
            if (d->inputs[a].zsrc)
                items[n++] =
                    (zmq_pollitem_t){zmq_source_socket(d->inputs[a].zsrc), 0, ZMQ_POLLIN, 0};
            if (d->inputs[a].ksrc)
                items[n++] =
                    (zmq_pollitem_t){NULL, kafka_source_fd(d->inputs[a].ksrc), ZMQ_POLLIN, 0};
            if (d->inputs[a].hsrc)
                items[n++] =
                    (zmq_pollitem_t){NULL, http_source_fd(d->inputs[a].hsrc), ZMQ_POLLIN, 0};
        }
        int wait_ms = backlog ? 0 : file_wait < 0 ? 1000 : (int)(file_wait * 1e3);
        zmq_poll(items, n, wait_ms > 1000 ? 1000 : wait_ms);
        if (items[0].revents & ZMQ_POLLIN) serve_queries(d);
        backlog = 0;
        for (int a = 0; a < d->ninputs; a++) { /* each input: at most a budget per turn */
            struct input *in = &d->inputs[a];
            if (in->zsrc && zmq_source_poll(in->zsrc, TURN_BUDGET, on_zmq, in) == TURN_BUDGET)
                backlog = 1;
            if (in->hsrc) http_source_poll(in->hsrc, 64, on_http, in);
            int got = in->ksrc ? kafka_source_poll(in->ksrc, TURN_BUDGET, on_kafka, in) : 0;
            if (got == TURN_BUDGET) backlog = 1;
            if (got < 0) {
                logmsg(LOG_ERR, "input %s: fatal Kafka error, exiting for a restart",
                       in->conf->name);
                stop = 2;
            }
        }
        file_wait = read_files(d);
        for (int a = 0; a < d->nscopes; a++) scope_poll(d->scopes[a], d->alerts);
        if (items[2].revents & ZMQ_POLLIN) {
            uint64_t ticks;
            ssize_t r = read(tfd, &ticks, sizeof ticks);
            (void)r;
            double t = now_mono();
            if (watchdog && workers_alive(d->workers) == conf->workers) sd_notify(0, "WATCHDOG=1");
            if (t - d->last_checkpoint >= d->conf->checkpoint_every_ns * 1e-9) save_checkpoint(d);
            if (d->metrics && t - d->last_metrics >= 1.0) publish_metrics(d);
            if (conf->series_ttl_ns > 0 && t - d->last_expiry >= 1.0) {
                aligner_expire(d->al, conf->series_ttl_ns, series_expired, d);
                d->last_expiry = t;
            }
            if (t - d->last_heartbeat >= conf->heartbeat_ns * 1e-9) {
                heartbeat(d);
                d->last_heartbeat = t;
            }
            /* idle flush: every input quiet -> close the buckets up to the newest record */
            if (t - d->last_record_wall >= conf->idle_flush_ns * 1e-9) {
                aligner_flush_all(d->al, on_row, d);
                d->last_record_wall = t;
            }
        }
        if (items[1].revents & ZMQ_POLLIN) {
            unsigned char sig;
            while (read(sfd, &sig, 1) == 1) {
                if (sig == SIGHUP)
                    reload(d);
                else
                    stop = stop ? stop : 1;
            }
        }
    }
    sd_notify(0, "STOPPING=1");
    metrics_http_set_ready(d->metrics, 0);
    logmsg(LOG_NOTICE, "stopping");
    workers_cancel_all(); /* refreshes and rankings in flight end early */
    /* Kafka records of open buckets are read again after the restart (store: checkpoint), so
     * the buckets stay open: closing them now would drop the records other partitions still
     * owe them. Inputs that cannot replay get their open buckets closed and kept. */
    int replayable = 0;
    for (int a = 0; a < d->ninputs; a++)
        replayable |= d->inputs[a].ksrc && d->inputs[a].conf->store;
    if (!replayable) aligner_flush_all(d->al, on_row, d);
    int ckpt = save_checkpoint(d); /* then the offsets it covers are committed */
    for (int a = 0; a < d->ninputs; a++) stop_input(&d->inputs[a]);
    rc = stop == 2 || ckpt ? EXIT_FAILURE_RUN : EXIT_OK;
    if (ckpt) logmsg(LOG_ERR, "the final checkpoint failed: exit status %d", rc);
out:
    for (int a = 0; a < d->ninputs; a++) stop_input(&d->inputs[a]);
    workers_stop(d->workers);
    sinks_stop(&d->sinks); /* before the alerts they are registered with */
    metrics_http_stop(d->metrics);
    for (int a = 0; a < d->nscopes; a++) scope_free(d->scopes[a]);
    alerts_free(d->alerts);
    if (d->pub) zmq_close(d->pub);
    if (d->router) zmq_close(d->router);
    zmq_curve_stop(d->curve); /* shuts the context down, joins the ZAP thread */
    if (d->zctx) zmq_ctx_term(d->zctx);
    log_series_free(d->logs);
    aligner_free(d->al);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    close(tfd);
    free(d->conf);
    free(d);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check-config", required_argument, NULL, 'k'},
        {"config-reference", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    int check = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'k':
            path = optarg;
            check = 1;
            break;
        case 'r':
            config_reference(stdout);
            return EXIT_OK;
        case 'h':
            run_usage(stdout);
            return EXIT_OK;
        default:
            run_usage(stderr);
            return EXIT_BAD_INPUT;
        }
    }
    if (!path) {
        cli_error(CMD, "--config FILE is required");
        run_usage(stderr);
        return EXIT_BAD_INPUT;
    }
    struct config *conf = malloc(sizeof *conf);
    char err[1024];
    if (config_load(path, conf, err, sizeof err)) {
        cli_error(CMD, "%s", err);
        free(conf);
        return EXIT_BAD_INPUT;
    }
    if (mem_estimate_check(conf, err, sizeof err)) { /* refuse now, not abort at start */
        cli_error(CMD, "%s", err);
        free(conf);
        return EXIT_BAD_INPUT;
    }
    if (check) {
        printf("%s: OK (%d inputs, %d scopes)\n%s: about %.0f MB allocated up front\n", path,
               conf->ninputs, conf->nscopes, path, mem_estimate_bytes(conf) / 1e6);
        free(conf);
        return EXIT_OK;
    }
    return serve(conf);
}
