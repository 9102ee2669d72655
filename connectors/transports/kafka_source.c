/* kafka_source.c - the Kafka consumer of a source (kafka_source.h): configuration, group
 * membership and rebalances, polling, lag and close. */
#include "kafka_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
        /* librdkafka keeps a partition's pause across a revoke: one the alignment paused
         * before it was revoked would stay paused when it comes back */
        if (s->all_paused)
            rd_kafka_pause_partitions(rk, parts);
        else
            rd_kafka_resume_partitions(rk, parts);
        if (s->align_ns > 0) kafka_align_assigned(s, parts); /* tracked for the alignment */
        logmsg(LOG_INFO, "input %s: assigned %d partition(s)", s->name, parts->cnt);
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        int lost = rd_kafka_assignment_lost(rk);
        /* the owner saves what must be durable before these offsets are stored */
        if (s->on_revoke) s->on_revoke(s->revoke_ctx, kafka_parts_tags(s, parts), lost);
        /* commit what was handled before the partitions go to another member */
        if (!lost) {
            kafka_durable_store(s); /* only what the last checkpoint made durable */
            rd_kafka_resp_err_t ce = rd_kafka_commit(rk, NULL, 0);
            if (ce && ce != RD_KAFKA_RESP_ERR__NO_OFFSET)
                logmsg(LOG_WARNING, "input %s: commit on revoke: %s", s->name,
                       rd_kafka_err2str(ce));
        }
        kafka_parts_forget(s, parts);               /* forget what we tracked of them */
        if (s->align_ns > 0) kafka_align_update(s); /* they no longer hold the mark */
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
    s->on_revoke = c->on_revoke;
    s->revoke_ctx = c->revoke_ctx;
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
        s->msg_tags = 0;
        int64_t event_ns = fn(ctx, msg->payload, msg->len, &m);
        s->st.messages++;
        struct part *p = s->store == KAFKA_STORE_CHECKPOINT || s->align_ns > 0 || s->on_revoke
                             ? kafka_part_of(s, m.topic, msg->partition)
                             : NULL;
        if (p) p->tags |= s->msg_tags;
        if (p) kafka_align_seen(s, p, event_ns);
        if (p && p->held < 0)
            logmsg(LOG_DEBUG, "input %s: %s[%d] first message at offset %lld, event time %lld",
                   s->name, m.topic, (int)msg->partition, (long long)msg->offset,
                   (long long)event_ns);
        if (s->store == KAFKA_STORE_CHECKPOINT && p)
            kafka_durable_note(s, p, msg->offset, event_ns);
        else /* also when the table is full */
            rd_kafka_offset_store(msg->rkt, msg->partition, msg->offset); /* stores offset + 1 */
        rd_kafka_message_destroy(msg);
        n++;
        if (s->align_ns > 0 && ++s->since_align >= 64) kafka_align_evaluate(s);
    }
    if (s->align_ns > 0 && kafka_mono_now() - s->last_align_s > 0.1) /* also when idle */
        kafka_align_evaluate(s);
    return s->fatal ? -1 : n;
}

void kafka_source_tag(struct kafka_source *s, uint64_t tags)
{
    s->msg_tags |= tags;
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
        kafka_durable_store(s);
        if (!s->fatal) {
            rd_kafka_resp_err_t e = rd_kafka_commit(s->rk, NULL, 0);
            if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
                logmsg(LOG_WARNING, "input %s: final commit: %s", s->name, rd_kafka_err2str(e));
        }
        if (s->queue) rd_kafka_queue_destroy(s->queue);
        /* the revoke that closing runs must not release the hold: the caller checkpointed
         * without the buckets the hold keeps open, and they stay for the replay */
        s->on_progress = NULL;
        s->on_revoke = NULL; /* the caller's final checkpoint saved what it owns */
        rd_kafka_consumer_close(s->rk);
        rd_kafka_destroy(s->rk);
    }
    if (s->pipe[0] >= 0) close(s->pipe[0]);
    if (s->pipe[1] >= 0) close(s->pipe[1]);
    kafka_parts_free(s);
    free(s);
}
