/* sinks.c - the daemon's alert sinks and their counters (sinks.h). */
#include "sinks.h"

#include <string.h>

int sinks_open(const struct config *c, void *pub, const char *external_url, struct alerts *a,
               struct sinks *out, char *err, size_t errlen)
{
    if (sink_pub_open(&out->k[out->n], pub)) {
        snprintf(err, errlen, "alerts: out of memory");
        return -1;
    }
    alerts_add_sink(a, &out->k[out->n++]);
    if (c->state_dir[0]) {
        if (sink_journal_open(&out->k[out->n], c->state_dir, err, errlen)) return -1;
        alerts_add_sink(a, &out->k[out->n++]);
    }
    for (int k = 0; k < c->nsinks; k++) {
        if (sink_http_open(&out->k[out->n], &c->sinks[k], k, external_url, err, errlen)) return -1;
        alerts_add_sink(a, &out->k[out->n++]);
    }
    return 0;
}

/* One collector per sink_counts field. */
#define SINK_FIELD(fn, expr)                                                                       \
    static void fn(void *ctx, struct stats_emit *e)                                                \
    {                                                                                              \
        struct sinks *s = ctx;                                                                     \
        for (int k = 0; k < s->n; k++) {                                                           \
            struct sink_counts c;                                                                  \
            s->k[k].ops->counts(&s->k[k], &c);                                                     \
            expr;                                                                                  \
        }                                                                                          \
    }
SINK_FIELD(requests, stats_sample(e, (double)c.delivered, s->k[k].name, s->k[k].ops->type, "ok");
           stats_sample(e, (double)c.failed, s->k[k].name, s->k[k].ops->type, "failed"))
SINK_FIELD(dropped, stats_sample(e, (double)c.dropped, s->k[k].name, s->k[k].ops->type))
SINK_FIELD(queued, stats_sample(e, (double)c.queued, s->k[k].name, s->k[k].ops->type))
SINK_FIELD(last_success, stats_sample(e, c.last_success, s->k[k].name, s->k[k].ops->type))

static void pub_dropped(void *ctx, struct stats_emit *e)
{
    struct sinks *s = ctx;
    long n = 0;
    for (int k = 0; k < s->n; k++)
        if (strcmp(s->k[k].ops->type, "pub") == 0) {
            struct sink_counts c;
            s->k[k].ops->counts(&s->k[k], &c);
            n += c.dropped;
        }
    stats_sample(e, (double)n);
}

void sinks_stats(struct sinks *s, struct stats *reg)
{
    const struct stat_family fams[] = {
        {"causalmon_sink_requests_total",
         "Deliveries of an alert sink, by result (ok: published, written or answered 2xx; failed: "
         "a transport error or another status).",
         STAT_COUNTER,
         "sinks[name=sink,type=type].{result}",
         {"sink", "type", "result"},
         requests,
         s},
        {"causalmon_sink_dropped_total",
         "Alert events a sink gave up: refused by the PUB socket, queue full, retries exhausted, "
         "or rejected by the receiver.",
         STAT_COUNTER,
         "sinks[name=sink,type=type].dropped",
         {"sink", "type"},
         dropped,
         s},
        {"causalmon_sink_queued",
         "Events waiting in a webhook sink, or alerts an Alertmanager sink keeps sending.",
         STAT_GAUGE,
         "sinks[name=sink,type=type].queued",
         {"sink", "type"},
         queued,
         s},
        {"causalmon_sink_last_success_timestamp_seconds",
         "Wall time of a sink's last successful delivery (0: none yet).",
         STAT_GAUGE,
         "sinks[name=sink,type=type].last_success",
         {"sink", "type"},
         last_success,
         s},
        {"causalmon_alerts_dropped_total",
         "Alert events the PUB socket refused as a whole. A subscriber at its high-water mark "
         "misses events alone, unseen by the daemon: it sees them as gaps in seq.",
         STAT_COUNTER,
         "alerts_dropped",
         {NULL},
         pub_dropped,
         s},
    };
    for (size_t k = 0; k < sizeof fams / sizeof fams[0]; k++) stats_register(reg, &fams[k]);
}

void sinks_close(struct sinks *s)
{
    for (int k = 0; k < s->n; k++) s->k[k].ops->close(&s->k[k]);
    s->n = 0;
}
