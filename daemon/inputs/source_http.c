/* source_http.c - the http input type: InfluxDB /write and /api/v2/write, Prometheus
 * remote_write and JSON lines over HTTP (connectors/transports/http_source.h). A paused input is
 * not polled (no pause operation): its queue of bodies fills to queue_kib and the server then
 * answers 429 (503 to remote_write), so senders retry later. */
#include "source.h"
#include "sources.h"

#include "config_table.h"
#include "http_listen.h"
#include "http_source.h"

#include <stdio.h>
#include <stdlib.h>

/* Bodies taken per turn: each may hold thousands of samples. */
#define HTTP_TURN_BODIES 64

#define OPT_STRUCT input_conf
static const struct opt HTTP_OPTS[] = {
    OPT_STR("listen", listen, "", RELOAD_RESTART, "HOST:PORT, [IPv6]:PORT, or :PORT for 127.0.0.1"),
    OPT_INT("max_body", max_body, 16777216, 1024, 1073741824, RELOAD_RESTART,
            "largest request body in bytes, after gzip or snappy decompression (413 beyond)"),
    OPT_INT("queue_kib", queue_kib, 65536, 64, 16777216, RELOAD_RESTART,
            "KiB of bodies waiting for the event loop; a full queue answers 429 (503 to "
            "remote_write) so the sender retries"),
    OPT_STR("bearer_token_file", token_file, "", RELOAD_RESTART,
            "a file whose first line is the token requests must bear (401 without)"),
    OPT_END,
};
#undef OPT_STRUCT

static int check(const struct input_conf *c, char *err, size_t errlen)
{
    if (c->listen[0]) return 0;
    snprintf(err, errlen, "an http input needs 'listen'");
    return -1;
}

static int open_source(struct source *s, char *err, size_t errlen)
{
    const struct input_conf *c = s->conf;
    char *token = NULL;
    if (c->token_file[0] && !(token = http_token_read(c->name, c->token_file, err, errlen)))
        return -1;
    struct http_source_conf hc = {c->name, c->listen, (size_t)c->max_body,
                                  (size_t)c->queue_kib * 1024, token};
    s->impl = http_source_new(&hc, err, errlen);
    free(token);
    return s->impl ? 0 : -1;
}

static int pollitem(struct source *s, zmq_pollitem_t *item)
{
    item->fd = http_source_fd(s->impl);
    return 1;
}

static void on_body(void *ctx, const struct http_msg *hm)
{
    struct source *s = ctx;
    struct ingest_meta m = {source_wall_ns(), -1, NULL, 0};
    struct input_decoding dec = s->dec, keep = s->dec;
    if (hm->has_precision) dec.precision = hm->precision;
    s->dec = dec;
    source_deliver(s, hm->format, &m, hm->data, hm->len);
    s->dec = keep;
}

static int poll(struct source *s, int budget, struct source_turn *turn)
{
    int got = http_source_poll(s->impl, budget < HTTP_TURN_BODIES ? budget : HTTP_TURN_BODIES,
                               on_body, s);
    turn->backlog = got >= HTTP_TURN_BODIES;
    return got;
}

static int is_http(const struct source *s);

static void requests(void *ctx, struct stats_emit *e)
{
    struct sources *ss = ctx;
    for (int a = 0; a < ss->n; a++) {
        if (!is_http(&ss->s[a]) || !ss->s[a].impl) continue;
        struct http_source_stats hs;
        http_source_stats(ss->s[a].impl, &hs);
        for (int o = 0; o < HTTP_OUTCOMES; o++)
            stats_sample(e, (double)hs.requests[o], ss->s[a].conf->name,
                         http_outcome_str((enum http_outcome)o));
    }
}

static void queued(void *ctx, struct stats_emit *e)
{
    struct sources *ss = ctx;
    for (int a = 0; a < ss->n; a++) {
        if (!is_http(&ss->s[a]) || !ss->s[a].impl) continue;
        struct http_source_stats hs;
        http_source_stats(ss->s[a].impl, &hs);
        stats_sample(e, (double)hs.queued_bytes, ss->s[a].conf->name);
    }
}

static void stats(struct sources *ss, struct stats *reg)
{
    const struct stat_family fams[] = {
        {"causalmon_http_requests_total",
         "Requests to an HTTP input, by outcome (throttled: 429/503 for backpressure).",
         STAT_COUNTER,
         "inputs[name=input].http.requests.{outcome}",
         {"input", "outcome"},
         requests,
         ss},
        {"causalmon_http_queued_bytes",
         "Request bodies of an HTTP input waiting for the event "
         "loop.",
         STAT_GAUGE,
         "inputs[name=input].http.queued_bytes",
         {"input"},
         queued,
         ss},
    };
    for (size_t k = 0; k < sizeof fams / sizeof fams[0]; k++) stats_register(reg, &fams[k]);
}

static void close_source(struct source *s)
{
    http_source_close(s->impl);
    s->impl = NULL;
}

const struct source_ops source_http = {
    .type = "http",
    .opts = HTTP_OPTS,
    .check = check,
    .open = open_source,
    .pollitem = pollitem,
    .poll = poll,
    .stats = stats,
    .close = close_source,
};

static int is_http(const struct source *s)
{
    return s->ops == &source_http;
}
