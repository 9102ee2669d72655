#include "kafka_source.h"

#include "logmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PARTS_MAX 4096 /* partitions tracked for held offsets and event-time alignment */

/* store=checkpoint: the durable watermark of a partition. Each entry is (offset, bucket): the
 * first message at `offset` whose records reach `bucket` (event time / grain); entries are kept
 * only when their bucket is above every earlier entry's, so the first entry whose bucket is not
 * yet durable names the oldest message that still has records in an open bucket. When the ring
 * is full the newest entry absorbs the next one (it keeps its offset and takes the larger
 * bucket): safe, it can only delay a commit. */
#define DURABLE_RING 256
struct durable_entry {
    int64_t offset, bucket;
};

/* What we track per partition that has delivered messages. */
struct part {
    char topic[128];
    int32_t partition;
    int64_t held;               /* store=checkpoint: offset after the last handled message, or -1 */
    struct durable_entry *ring; /* DURABLE_RING entries, allocated on first use */
    int head, count;
    int64_t event_ns; /* newest event time its messages carried, or -1 */
    double last_s;    /* monotonic time of its last message (or assignment) */
    int align_paused;
    int included; /* counts for the slowest partition (not idle, or delivering again) */
};

struct kafka_source {
    char name[64];
    rd_kafka_t *rk;
    rd_kafka_queue_t *queue;
    int pipe[2];
    enum kafka_store store;
    int64_t align_ns;
    int64_t grain_ns;   /* bucket width for the durable watermark */
    int64_t durable_ns; /* records with event time below it are durable (INT64_MIN: none) */
    struct part *parts;
    int nparts, last_part;
    long since_align;
    int64_t slowest_ns; /* newest event of the slowest partition with a backlog; INT64_MIN:
                           one has not delivered yet; INT64_MAX: none is behind */
    double last_align_s;
    int slowest_part;              /* index of the slowest partition, or -1 */
    int npaused;                   /* partitions paused by the alignment */
    double last_msg_s, flow_since; /* last message from any partition; start of the flow */
    void (*on_progress)(void *ctx, int64_t mark_ns);
    void *progress_ctx;
    int64_t reported_ns; /* the last mark given to on_progress */
    volatile int fatal;
    struct kafka_stats st;
    struct log_limit err_limit;
};

static struct part *part_of(struct kafka_source *s, const char *topic, int32_t partition);
static double mono_now(void);
static void store_durable(struct kafka_source *s);
static void update_slowest(struct kafka_source *s);

int kafka_prop_is_secret(const char *name)
{
    return strstr(name, "password") || strstr(name, "secret") ||
           strcmp(name, "sasl.oauthbearer.config") == 0;
}

/* Reads a "file:PATH" secret; returns a malloc'd value or NULL with err set. */
static char *read_secret(const char *spec, char *err, size_t errlen)
{
    const char *path = spec + 5;
    char full[4096];
    const char *cred = getenv("CREDENTIALS_DIRECTORY");
    if (path[0] != '/' && cred) {
        snprintf(full, sizeof full, "%s/%s", cred, path);
        path = full;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read secret file %s: %s", path, strerror(errno));
        return NULL;
    }
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
    buf[n] = '\0';
    return strdup(buf);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct kafka_source *s = opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[512];
        rd_kafka_fatal_error(rk, why, sizeof why);
        logmsg(LOG_ERR, "input %s: kafka fatal error: %s", s->name, why);
        s->fatal = 1;
        return;
    }
    s->st.errors++;
    logmsg_limited(&s->err_limit, LOG_WARNING, "input %s: kafka: %s: %s", s->name,
                   rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    struct kafka_source *s = rd_kafka_opaque(rk);
    if (strcmp(fac, "MAXPOLL") == 0) s->st.maxpoll++;
    if (level <= 4)
        logmsg_limited(&s->err_limit, LOG_WARNING, "input %s: kafka %s: %s", s->name, fac, buf);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct kafka_source *s = opaque;
    int coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    s->st.rebalances++;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (coop) {
            rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, parts);
            if (e) {
                logmsg(LOG_WARNING, "input %s: incremental assign: %s", s->name,
                       rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
            }
        } else {
            rd_kafka_assign(rk, parts);
        }
        if (s->align_ns > 0) { /* track every assigned partition for the alignment */
            double now = mono_now();
            for (int i = 0; i < parts->cnt; i++) {
                struct part *p = part_of(s, parts->elems[i].topic, parts->elems[i].partition);
                if (p) p->last_s = now;
            }
            update_slowest(s); /* a new partition holds the mark until it delivers */
        }
        logmsg(LOG_INFO, "input %s: assigned %d partition(s)", s->name, parts->cnt);
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        /* commit what was handled before the partitions go to another member */
        if (!rd_kafka_assignment_lost(rk)) {
            store_durable(s); /* only what the last checkpoint made durable */
            rd_kafka_resp_err_t ce = rd_kafka_commit(rk, NULL, 0);
            if (ce && ce != RD_KAFKA_RESP_ERR__NO_OFFSET)
                logmsg(LOG_WARNING, "input %s: commit on revoke: %s", s->name,
                       rd_kafka_err2str(ce));
        }
        for (int i = 0; i < parts->cnt; i++) /* forget what we tracked of them */
            for (int a = 0; a < s->nparts; a++)
                if (s->parts[a].partition == parts->elems[i].partition &&
                    strcmp(s->parts[a].topic, parts->elems[i].topic) == 0) {
                    s->npaused -= s->parts[a].align_paused;
                    free(s->parts[a].ring);
                    s->parts[a] = s->parts[--s->nparts];
                    break;
                }
        if (s->align_ns > 0) update_slowest(s); /* they no longer hold the mark */
        if (coop) {
            rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
            if (e) rd_kafka_error_destroy(e);
        } else {
            rd_kafka_assign(rk, NULL);
        }
        logmsg(LOG_INFO, "input %s: revoked %d partition(s)", s->name, parts->cnt);
    } else {
        rd_kafka_assign(rk, NULL);
    }
}

static int set(rd_kafka_conf_t *conf, const char *input, const char *k, const char *v, char *err,
               size_t errlen)
{
    char why[512];
    if (rd_kafka_conf_set(conf, k, v, why, sizeof why) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "input %s: rdkafka.%s: %s", input, k, why);
        return -1;
    }
    return 0;
}

struct kafka_source *kafka_source_new(const struct kafka_source_conf *c, char *err, size_t errlen)
{
    if (!c->brokers || !c->brokers[0] || c->ntopics < 1) {
        snprintf(err, errlen, "input %s: kafka needs brokers and at least one topic", c->name);
        return NULL;
    }
    struct kafka_source *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    snprintf(s->name, sizeof s->name, "%s", c->name);
    s->store = c->store;
    s->align_ns = c->align_ns;
    s->grain_ns = c->grain_ns > 0 ? c->grain_ns : 1;
    s->durable_ns = INT64_MIN;
    s->slowest_ns = INT64_MIN; /* until the first evaluation: nothing is known */
    s->slowest_part = -1;
    s->on_progress = c->on_progress;
    s->progress_ctx = c->progress_ctx;
    s->reported_ns = INT64_MAX; /* no hold until a partition is assigned */
    s->pipe[0] = s->pipe[1] = -1;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char host[64] = "localhost", client_id[128];
    gethostname(host, sizeof host - 1);
    snprintf(client_id, sizeof client_id, "causalmon-%s", host);
    const char *defaults[][2] = {
        {"bootstrap.servers", c->brokers},
        {"group.id", c->group ? c->group : "causalmon"},
        {"client.id", client_id},
        {"enable.auto.offset.store", "false"},
        {"enable.auto.commit", "true"},
        {"auto.commit.interval.ms", "5000"},
        {"auto.offset.reset", "earliest"},
        {"partition.assignment.strategy", "cooperative-sticky"},
        {"enable.partition.eof", "false"},
        /* smaller per-partition fetches interleave the partitions finely in event time, so
         * the alignment rarely has to pause one (a pause drops its prefetched messages) */
        {"max.partition.fetch.bytes", "262144"},
    };
    for (size_t a = 0; a < sizeof defaults / sizeof defaults[0]; a++)
        if (set(conf, s->name, defaults[a][0], defaults[a][1], err, errlen)) goto fail_conf;
    if (c->instance_id && set(conf, s->name, "group.instance.id", c->instance_id, err, errlen))
        goto fail_conf;
    for (int a = 0; a < c->nprops; a++) {
        const char *k = c->props[a][0], *v = c->props[a][1];
        char *secret = NULL;
        if (strncmp(v, "file:", 5) == 0) {
            secret = read_secret(v, err, errlen);
            if (!secret) goto fail_conf;
            v = secret;
        }
        int rc = set(conf, s->name, k, v, err, errlen);
        free(secret);
        if (rc) goto fail_conf;
        if (strcmp(k, "enable.auto.offset.store") == 0 && strcmp(v, "false") != 0) {
            snprintf(err, errlen,
                     "input %s: rdkafka.enable.auto.offset.store must stay false (offsets are "
                     "stored after records reach the aligner)",
                     s->name);
            goto fail_conf;
        }
        logmsg(LOG_DEBUG, "input %s: rdkafka.%s = %s", s->name, k,
               kafka_prop_is_secret(k) ? "(redacted)" : v);
    }
    rd_kafka_conf_set_opaque(conf, s);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    char why[512];
    s->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
    if (!s->rk) {
        snprintf(err, errlen, "input %s: kafka consumer: %s", s->name, why);
        goto fail_conf;
    }
    rd_kafka_poll_set_consumer(s->rk);
    if (pipe(s->pipe) || fcntl(s->pipe[0], F_SETFL, O_NONBLOCK) ||
        fcntl(s->pipe[1], F_SETFL, O_NONBLOCK)) {
        snprintf(err, errlen, "input %s: pipe: %s", s->name, strerror(errno));
        goto fail;
    }
    s->queue = rd_kafka_queue_get_consumer(s->rk);
    rd_kafka_queue_io_event_enable(s->queue, s->pipe[1], "1", 1);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(c->ntopics);
    for (int a = 0; a < c->ntopics; a++)
        rd_kafka_topic_partition_list_add(topics, c->topics[a], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(s->rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e) {
        snprintf(err, errlen, "input %s: subscribe: %s", s->name, rd_kafka_err2str(e));
        goto fail;
    }
    return s;
fail_conf:
    rd_kafka_conf_destroy(conf);
    free(s);
    return NULL;
fail:
    kafka_source_close(s);
    return NULL;
}

int kafka_source_fd(const struct kafka_source *s)
{
    return s->pipe[0];
}

int kafka_meta_header(const struct kafka_meta *m, const char *name, const void **val, size_t *len)
{
    if (!m->headers) return -1;
    return rd_kafka_header_get_last(m->headers, name, val, len) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0
                                                                                              : -1;
}

/* The tracked state of a message's partition, or NULL when the table is full. */
static struct part *part_of(struct kafka_source *s, const char *topic, int32_t partition)
{
    if (s->last_part < s->nparts) {
        struct part *p = &s->parts[s->last_part];
        if (p->partition == partition && strcmp(p->topic, topic) == 0) return p;
    }
    for (int a = 0; a < s->nparts; a++)
        if (s->parts[a].partition == partition && strcmp(s->parts[a].topic, topic) == 0) {
            s->last_part = a;
            return &s->parts[a];
        }
    if (s->nparts == PARTS_MAX) return NULL;
    if (!s->parts) s->parts = calloc(PARTS_MAX, sizeof *s->parts);
    struct part *p = &s->parts[s->nparts];
    snprintf(p->topic, sizeof p->topic, "%s", topic);
    p->partition = partition;
    p->held = -1;
    p->event_ns = -1;
    p->included = 1;
    s->last_part = s->nparts++;
    return p;
}

static int64_t floor_div64(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Notes that the message at offset carried records up to event time event_ns (-1: none). */
static void durable_note(struct kafka_source *s, struct part *p, int64_t offset, int64_t event_ns)
{
    p->held = offset + 1;
    if (event_ns < 0) return;
    int64_t b = floor_div64(event_ns, s->grain_ns);
    if (p->count && p->ring[(p->head + p->count - 1) % DURABLE_RING].bucket >= b) return;
    if (!p->ring) p->ring = calloc(DURABLE_RING, sizeof *p->ring);
    if (!p->ring) return;           /* out of memory: the partition is then committed as handled */
    if (p->count == DURABLE_RING) { /* full: the newest entry absorbs this one */
        p->ring[(p->head + p->count - 1) % DURABLE_RING].bucket = b;
        return;
    }
    p->ring[(p->head + p->count) % DURABLE_RING] = (struct durable_entry){offset, b};
    p->count++;
}

/* Stores, per partition, the offset of the oldest message with records at or after
 * s->durable_ns (or after the last handled message when there is none). */
static void store_durable(struct kafka_source *s)
{
    if (s->store != KAFKA_STORE_CHECKPOINT || s->durable_ns == INT64_MIN) return;
    int64_t lim = floor_div64(s->durable_ns, s->grain_ns); /* buckets below lim are durable */
    int n = 0;
    for (int a = 0; a < s->nparts; a++) {
        struct part *p = &s->parts[a];
        while (p->count && p->ring[p->head].bucket < lim) {
            p->head = (p->head + 1) % DURABLE_RING;
            p->count--;
        }
        n += p->held >= 0;
    }
    if (n == 0) return;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    for (int a = 0; a < s->nparts; a++) {
        struct part *p = &s->parts[a];
        if (p->held < 0) continue;
        int64_t off = p->count ? p->ring[p->head].offset : p->held;
        rd_kafka_topic_partition_list_add(l, p->topic, p->partition)->offset = off;
        logmsg(LOG_DEBUG, "input %s: %s[%d] durable up to offset %lld (handled %lld)", s->name,
               p->topic, (int)p->partition, (long long)off, (long long)p->held);
    }
    rd_kafka_offsets_store(s->rk, l); /* partitions no longer assigned are skipped */
    rd_kafka_topic_partition_list_destroy(l);
}

void kafka_source_store_durable(struct kafka_source *s, int64_t durable_ns)
{
    if (durable_ns > s->durable_ns) s->durable_ns = durable_ns;
    store_durable(s);
}

static void pause_one(struct kafka_source *s, struct part *p, int pause)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
    if (pause)
        rd_kafka_pause_partitions(s->rk, l);
    else
        rd_kafka_resume_partitions(s->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    s->npaused += pause - p->align_paused;
    p->align_paused = pause;
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* 1 if the partition is known to have nothing left to read (position at the high watermark). */
static int caught_up(struct kafka_source *s, const struct part *p)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
    rd_kafka_position(s->rk, l);
    int64_t pos = l->elems[0].offset, lo = -1, hi = -1;
    rd_kafka_topic_partition_list_destroy(l);
    if (rd_kafka_get_watermark_offsets(s->rk, p->topic, p->partition, &lo, &hi) || hi < 0)
        return 0; /* nothing known yet */
    return pos >= 0 ? pos >= hi : lo >= hi;
}

/* The slowest partition: the oldest newest-event among the included partitions; one that has
 * not delivered yet counts as oldest of all (slowest_ns INT64_MIN), and INT64_MAX means none is
 * included. Reports a changed mark through on_progress: every included partition has delivered
 * its records up to it, so the aligner's watermark may follow it. */
static void update_slowest(struct kafka_source *s)
{
    int64_t slowest = INT64_MAX;
    int unknown = 0;
    s->slowest_part = -1;
    for (int a = 0; a < s->nparts; a++) {
        struct part *p = &s->parts[a];
        if (!p->included) continue;
        if (p->event_ns < 0) {
            unknown = 1;
        } else if (p->event_ns < slowest) {
            slowest = p->event_ns;
            s->slowest_part = a;
        }
    }
    s->slowest_ns = unknown ? INT64_MIN : slowest;
    if (unknown) s->slowest_part = -1; /* every partition that delivered waits for it */
    if (s->on_progress && s->slowest_ns != s->reported_ns) {
        s->reported_ns = s->slowest_ns;
        s->on_progress(s->progress_ctx, s->slowest_ns);
    }
}

/* Event-time alignment. The slowest partition is the one with the oldest newest-event among
 * those that may still have records to deliver, paused ones included; one that has not
 * delivered yet counts as oldest of all. A partition is left out when it looks caught up
 * (position at its cached high watermark) and has been silent for ALIGN_GRACE_S since records
 * started flowing again after a lull that was not of our own making (the cached watermark is
 * stale until its next fetch answers, so a burst arriving everywhere at once must not let one
 * partition run ahead), or when it has been silent that long for ALIGN_IDLE_S without being
 * paused by us (a stuck partition must not stop the others for longer than that). Silence is
 * counted from the start of the flow, so a partition whose first fetch is still on its way
 * after an idle period is waited for. A partition left out counts again once it delivers.
 * Partitions more than align_ns ahead of the slowest are paused (checked at every message, so a
 * partition cannot run further ahead than one message), paused ones within align_ns / 2 of it
 * are resumed, and all are resumed when none is behind. The slowest partition itself is never
 * paused, so reading never stops. */
#define ALIGN_GRACE_S 1.0
#define ALIGN_IDLE_S  5.0
static void align_partitions(struct kafka_source *s)
{
    double now = mono_now();
    for (int a = 0; a < s->nparts; a++) {
        struct part *p = &s->parts[a];
        double silent = now - (p->last_s > s->flow_since ? p->last_s : s->flow_since);
        p->included = !((!p->align_paused && silent > ALIGN_IDLE_S) ||
                        (silent >= ALIGN_GRACE_S && caught_up(s, p)));
    }
    update_slowest(s);
    int64_t slowest = s->slowest_ns;
    int unknown = slowest == INT64_MIN;
    for (int a = 0; a < s->nparts; a++) {
        struct part *p = &s->parts[a];
        if (p->event_ns < 0) continue;
        int ahead = unknown || (slowest != INT64_MAX && p->event_ns - slowest > s->align_ns);
        int near = !unknown && (slowest == INT64_MAX || p->event_ns - slowest <= s->align_ns / 2);
        if (!p->align_paused && ahead && a != s->slowest_part) {
            pause_one(s, p, 1);
            s->st.align_pauses++;
        } else if (p->align_paused && (near || a == s->slowest_part)) {
            pause_one(s, p, 0);
            p->last_s = now; /* silent until now because we paused it */
        }
    }
    s->last_align_s = now;
}

/* A message of tracked partition p carried records up to event_ns: the slowest partition and
 * the mark follow it, and p is paused at once if it runs more than align_ns ahead. */
static void align_message(struct kafka_source *s, struct part *p, int64_t event_ns)
{
    int idx = (int)(p - s->parts);
    int was_slowest = idx == s->slowest_part || s->slowest_ns == INT64_MIN || !p->included;
    p->event_ns = event_ns;
    p->included = 1;
    if (was_slowest) update_slowest(s);
    if (!p->align_paused && s->slowest_ns != INT64_MAX && idx != s->slowest_part &&
        (s->slowest_ns == INT64_MIN || event_ns - s->slowest_ns > s->align_ns)) {
        pause_one(s, p, 1);
        s->st.align_pauses++;
    }
    if (s->slowest_part >= 0 && s->parts[s->slowest_part].align_paused) {
        pause_one(s, &s->parts[s->slowest_part], 0); /* the slowest one always reads */
        s->parts[s->slowest_part].last_s = mono_now();
    }
}

int kafka_source_poll(struct kafka_source *s, int max, kafka_msg_fn fn, void *ctx)
{
    char drain[256];
    while (read(s->pipe[0], drain, sizeof drain) > 0) {
    }
    int n = 0;
    while (n < max && !s->fatal) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(s->rk, 0);
        if (!msg) break;
        if (msg->err) {
            if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                s->st.errors++;
                logmsg_limited(&s->err_limit, LOG_WARNING, "input %s: kafka: %s", s->name,
                               rd_kafka_message_errstr(msg));
            }
            rd_kafka_message_destroy(msg);
            continue;
        }
        rd_kafka_timestamp_type_t tt;
        int64_t ts_ms = rd_kafka_message_timestamp(msg, &tt);
        rd_kafka_headers_t *hdrs = NULL;
        if (rd_kafka_message_headers(msg, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) hdrs = NULL;
        struct kafka_meta m = {rd_kafka_topic_name(msg->rkt),
                               msg->partition,
                               msg->offset,
                               msg->key,
                               msg->key_len,
                               ts_ms >= 0 ? ts_ms * 1000000 : -1,
                               hdrs};
        int64_t event_ns = fn(ctx, msg->payload, msg->len, &m);
        s->st.messages++;
        struct part *p = s->store == KAFKA_STORE_CHECKPOINT || s->align_ns > 0
                             ? part_of(s, m.topic, msg->partition)
                             : NULL;
        if (p) {
            double now = mono_now();
            /* records flow again after a lull - not one caused by our own pausing */
            if (now - s->last_msg_s > ALIGN_GRACE_S && s->npaused == 0) {
                s->flow_since = now;
                s->since_align = 63; /* evaluate after this message */
            }
            s->last_msg_s = now;
            p->last_s = now;
        }
        if (p && event_ns > p->event_ns) {
            if (s->align_ns > 0)
                align_message(s, p, event_ns);
            else
                p->event_ns = event_ns;
        }
        if (p && p->held < 0)
            logmsg(LOG_DEBUG, "input %s: %s[%d] first message at offset %lld, event time %lld",
                   s->name, m.topic, (int)msg->partition, (long long)msg->offset,
                   (long long)event_ns);
        if (s->store == KAFKA_STORE_CHECKPOINT && p)
            durable_note(s, p, msg->offset, event_ns);
        else /* also when the table is full */
            rd_kafka_offset_store(msg->rkt, msg->partition, msg->offset); /* stores offset + 1 */
        rd_kafka_message_destroy(msg);
        n++;
        if (s->align_ns > 0 && ++s->since_align >= 64) {
            s->since_align = 0;
            align_partitions(s);
        }
    }
    if (s->align_ns > 0 && mono_now() - s->last_align_s > 0.1) { /* also when nothing arrives */
        s->since_align = 0;
        align_partitions(s);
    }
    return s->fatal ? -1 : n;
}

int kafka_source_lag(struct kafka_source *s, struct kafka_lag *out, int max)
{
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (rd_kafka_assignment(s->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || !parts) return 0;
    rd_kafka_position(s->rk, parts);
    int n = 0;
    for (int a = 0; a < parts->cnt && n < max; a++) {
        rd_kafka_topic_partition_t *p = &parts->elems[a];
        struct kafka_lag *l = &out[n++];
        snprintf(l->topic, sizeof l->topic, "%s", p->topic);
        l->partition = p->partition;
        l->position = p->offset;
        int64_t lo = -1, hi = -1;
        rd_kafka_get_watermark_offsets(s->rk, p->topic, p->partition, &lo, &hi);
        l->high = hi;
        l->lag = hi >= 0 && p->offset >= 0 ? hi - p->offset : hi >= 0 && lo >= 0 ? hi - lo : -1;
    }
    rd_kafka_topic_partition_list_destroy(parts);
    return n;
}

const struct kafka_stats *kafka_source_stats(const struct kafka_source *s)
{
    return &s->st;
}

void kafka_source_close(struct kafka_source *s)
{
    if (!s) return;
    if (s->rk) {
        store_durable(s);
        if (!s->fatal) {
            rd_kafka_resp_err_t e = rd_kafka_commit(s->rk, NULL, 0);
            if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
                logmsg(LOG_WARNING, "input %s: final commit: %s", s->name, rd_kafka_err2str(e));
        }
        if (s->queue) rd_kafka_queue_destroy(s->queue);
        rd_kafka_consumer_close(s->rk);
        rd_kafka_destroy(s->rk);
    }
    if (s->pipe[0] >= 0) close(s->pipe[0]);
    if (s->pipe[1] >= 0) close(s->pipe[1]);
    for (int a = 0; a < s->nparts; a++) free(s->parts[a].ring);
    free(s->parts);
    free(s);
}
