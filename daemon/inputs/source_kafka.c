/* source_kafka.c - the kafka input type: a consumer group member whose offsets are stored once
 * the records are durable (store: checkpoint) or incorporated
 * (connectors/transports/kafka_source.h). A paused input is not polled, and its pause operation
 * stops librdkafka fetching every assigned partition (instead of filling its fetch queue, up to
 * queued.max.messages.kbytes); a pause ends within SOURCE_PAUSE_MAX_S, well inside
 * max.poll.interval.ms. The transport also pauses
 * single partitions itself when one runs ahead of the others (its watermark alignment). */
#include "source.h"
#include "sources.h"

#include "aligner.h"
#include "config_table.h"
#include "kafka_source.h"

#include <stdio.h>
#include <string.h>

static const char *const TS_SOURCES[] = {"payload", "kafka", NULL};
static const char *const STORES[] = {"incorporated", "checkpoint", NULL};
static const char *const STREAM_FROM[] = {"name", "key", NULL};

#define OPT_STRUCT input_conf
static const struct opt KAFKA_OPTS[] = {
    OPT_STR("brokers", brokers, "", RELOAD_RESTART, "bootstrap servers, host:port,..."),
    OPT_STRS("topics", topics, ntopics, RELOAD_RESTART, "topic names, or ^regex"),
    OPT_STR("group", group, "causalmon", RELOAD_RESTART, "consumer group id"),
    OPT_STR("instance_id", instance_id, "", RELOAD_RESTART,
            "group.instance.id for static membership (e.g. the host name)"),
    OPT_PROPS("rdkafka", props, nprops, RELOAD_RESTART,
              "librdkafka properties passed through, validated at start; \"file:PATH\" reads a "
              "secret"),
    OPT_ENUM("timestamp_source", timestamp_source, "payload", TS_SOURCES, RELOAD_RESTART,
             "event time from the payload, or the Kafka message timestamp"),
    OPT_ENUM("store", store, "checkpoint", STORES, RELOAD_RESTART,
             "commit offsets once the records' buckets are closed and checkpointed (nothing lost "
             "at a crash), or once they are in the aligner (open buckets lost at a crash)"),
    OPT_ENUM("stream_from", stream_from_key, "name", STREAM_FROM, RELOAD_RESTART,
             "logs: stream name from the input (name) or the message key"),
    OPT_STR("handover_dir", handover_dir, "", RELOAD_RESTART,
            "split the scopes between the members of this consumer group: a scope runs only on "
            "the member assigned the partition its records arrive on (producers key records by "
            "scope), and its window moves through this directory, which every member reads and "
            "writes, when a rebalance moves the partition (empty: every member runs every "
            "scope; with store: incorporated a handover loses the open buckets, as a crash "
            "does)"),
    OPT_END,
};
#undef OPT_STRUCT

static int check(const struct input_conf *c, char *err, size_t errlen)
{
    if (c->brokers[0] && c->ntopics > 0) return 0;
    snprintf(err, errlen, "a kafka input needs 'brokers' and 'topics'");
    return -1;
}

/* The partitions' progress mark holds the aligner's watermark (kafka_source.h). */
static void on_progress(void *ctx, int64_t mark_ns)
{
    struct source *s = ctx;
    struct ingest *in = s->env->in;
    aligner_set_hold(in->al, s->holder, mark_ns, in->row_fn, in->row_ctx);
}

/* Partitions are being revoked: the daemon saves and drops the scopes they carried (a group
 * that splits the scopes). */
static void on_revoke(void *ctx, uint64_t tags, int lost)
{
    struct source *s = ctx;
    if (s->env->revoked) s->env->revoked(s->env->owner_ctx, tags, lost);
}

static int open_source(struct source *s, char *err, size_t errlen)
{
    const struct input_conf *c = s->conf;
    struct kafka_source_conf kc = {.name = c->name, .brokers = c->brokers, .group = c->group};
    for (int a = 0; a < c->ntopics && a < KAFKA_MAX_TOPICS; a++)
        kc.topics[kc.ntopics++] = c->topics[a];
    kc.instance_id = c->instance_id[0] ? c->instance_id : NULL;
    for (int a = 0; a < c->nprops && a < KAFKA_MAX_PROPS; a++) {
        kc.props[kc.nprops][0] = c->props[a][0];
        kc.props[kc.nprops++][1] = c->props[a][1];
    }
    kc.store = c->store ? KAFKA_STORE_CHECKPOINT : KAFKA_STORE_INCORPORATED;
    kc.align_ns = s->env->conf->lateness_ns / 2;
    kc.grain_ns = s->env->conf->bucket_ns;
    if (kc.align_ns > 0 && (s->holder = aligner_add_holder(s->env->in->al)) >= 0) {
        kc.on_progress = on_progress;
        kc.progress_ctx = s;
    }
    if (c->handover_dir[0]) {
        kc.on_revoke = on_revoke;
        kc.revoke_ctx = s;
    }
    s->impl = kafka_source_new(&kc, err, errlen);
    return s->impl ? 0 : -1;
}

static int pollitem(struct source *s, zmq_pollitem_t *item)
{
    item->fd = kafka_source_fd(s->impl);
    return 1;
}

static int64_t on_message(void *ctx, const void *payload, size_t len, const struct kafka_meta *km)
{
    struct source *s = ctx;
    struct ingest_meta m = {km->ts_ns >= 0 ? km->ts_ns : source_wall_ns(),
                            s->conf->timestamp_source ? km->ts_ns : -1, NULL, 0};
    if (s->conf->stream_from_key && km->key_len) {
        m.stream = km->key;
        m.stream_len = km->key_len;
    }
    int fmt = -1;
    const void *hv;
    size_t hl;
    if (kafka_meta_header(km, "format", &hv, &hl) == 0) /* a per-message format header */
        fmt = ingest_message_format(hv, hl);
    source_deliver(s, fmt, &m, payload, len);
    if (s->env->in->msg_tags) kafka_source_tag(s->impl, s->env->in->msg_tags); /* its scopes */
    return s->env->in->msg_max_ts_ns;
}

static int poll(struct source *s, int budget, struct source_turn *turn)
{
    int got = kafka_source_poll(s->impl, budget, on_message, s);
    if (got < 0) turn->fatal = 1;
    return got < 0 ? 0 : got;
}

static void on_durable(struct source *s, int64_t closed_ns)
{
    kafka_source_store_durable(s->impl, closed_ns);
}

static int replayable(const struct source *s)
{
    return s->conf->store != 0; /* store: checkpoint */
}

static int is_kafka(const struct source *s);

static void lag(void *ctx, struct stats_emit *e)
{
    struct sources *ss = ctx;
    for (int a = 0; a < ss->n; a++) {
        if (!is_kafka(&ss->s[a]) || !ss->s[a].impl) continue;
        struct kafka_lag l[64];
        int n = kafka_source_lag(ss->s[a].impl, l, 64);
        for (int k = 0; k < n; k++) {
            char part[16];
            snprintf(part, sizeof part, "%d", (int)l[k].partition);
            stats_sample(e, (double)l[k].lag, ss->s[a].conf->name, l[k].topic, part);
        }
    }
}

/* One collector per kafka_stats field, chosen by offset. */
#define KAFKA_COUNTER(fn, field)                                                                   \
    static void fn(void *ctx, struct stats_emit *e)                                                \
    {                                                                                              \
        struct sources *ss = ctx;                                                                  \
        for (int a = 0; a < ss->n; a++)                                                            \
            if (is_kafka(&ss->s[a]) && ss->s[a].impl)                                              \
                stats_sample(e, (double)kafka_source_stats(ss->s[a].impl)->field,                  \
                             ss->s[a].conf->name);                                                 \
    }
KAFKA_COUNTER(errors, errors)
KAFKA_COUNTER(rebalances, rebalances)
KAFKA_COUNTER(messages, messages)

static void stats(struct sources *ss, struct stats *reg)
{
    const struct stat_family fams[] = {
        {"causalmon_kafka_lag",
         "Messages behind the high watermark, per assigned partition.",
         STAT_GAUGE,
         "inputs[name=input].lag[topic=topic,partition=partition].lag",
         {"input", "topic", "partition"},
         lag,
         ss},
        {"causalmon_kafka_messages_total",
         "Messages a Kafka input consumed.",
         STAT_COUNTER,
         "inputs[name=input].kafka.messages",
         {"input"},
         messages,
         ss},
        {"causalmon_kafka_errors_total",
         "Errors librdkafka reported to a Kafka input.",
         STAT_COUNTER,
         "inputs[name=input].kafka.errors",
         {"input"},
         errors,
         ss},
        {"causalmon_kafka_rebalances_total",
         "Partition assignments and revocations of a Kafka "
         "input.",
         STAT_COUNTER,
         "inputs[name=input].kafka.rebalances",
         {"input"},
         rebalances,
         ss},
    };
    for (size_t k = 0; k < sizeof fams / sizeof fams[0]; k++) stats_register(reg, &fams[k]);
}

static void pause_source(struct source *s)
{
    kafka_source_pause_all(s->impl, 1);
}

static void resume_source(struct source *s)
{
    kafka_source_pause_all(s->impl, 0);
}

static void close_source(struct source *s)
{
    kafka_source_close(s->impl); /* commits the stored offsets */
    s->impl = NULL;
}

const struct source_ops source_kafka = {
    .type = "kafka",
    .opts = KAFKA_OPTS,
    .check = check,
    .open = open_source,
    .pollitem = pollitem,
    .poll = poll,
    .on_durable = on_durable,
    .replayable = replayable,
    .stats = stats,
    .pause = pause_source,
    .resume = resume_source,
    .close = close_source,
    .holds_watermark = 1, /* at the slowest partition (kafka_source.h) */
};

static int is_kafka(const struct source *s)
{
    return s->ops == &source_kafka;
}
