/*
 * bench/ingest - samples per second through parse + align on one consumer core:
 *   1. line protocol from memory, 2. Telegraf JSON from memory (zero-copy path, json_scan.h),
 *      and the same documents parsed through jansson's tree alone (the previous path),
 *   2b. Fluent Bit JSON log lines from memory, parsed (one record per line; Drain templating is
 *      not included), zero-copy path and jansson's tree,
 *   3. line protocol over ZeroMQ PUSH -> PULL (tcp on 127.0.0.1; the pusher is a second thread),
 *   4. line protocol over Kafka: librdkafka's mock cluster in this process, messages produced
 *      first, then consumed by the Kafka source (consumer group, offsets stored per message).
 * 200 series, LINES lines per message, bucket 1 s. Self-contained: reads no data files.
 *
 * The Kafka consumer runs with event-time alignment of its partitions (align 0.8 x the
 * lateness, 10 s or LATENESS_S); NOALIGN=1 turns the alignment off to show its cost and, with a
 * short lateness (LATENESS_S=2), the records a backlog read without it makes late. DBG=1 prints
 * the first late records with each partition's progress.
 *
 * usage: bench_ingest [SAMPLES [LINES_PER_MESSAGE]]   (defaults 4000000, 100)
 */
#include "bench_util.h"
#include "ingest.h"
#include "json_metrics.h"
#include "log_lines.h"
#include "kafka_source.h"
#include "zmq_source.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define SERIES 200
static long SAMPLES = 4000000, LINES = 100;

struct msgs {
    char **p;
    size_t *len;
    long n;
};

/* Builds SAMPLES samples as messages of LINES lines: series i % 200 at t0 + (i / 200) * 10 ms. */
static struct msgs build(int json)
{
    struct msgs m = {0};
    m.n = (SAMPLES + LINES - 1) / LINES;
    m.p = malloc((size_t)m.n * sizeof *m.p);
    m.len = malloc((size_t)m.n * sizeof *m.len);
    const long long t0 = 1700000000000000000LL;
    for (long k = 0, i = 0; k < m.n; k++) {
        char *buf = malloc((size_t)LINES * 160);
        size_t n = 0;
        for (long l = 0; l < LINES && i < SAMPLES; l++, i++) {
            long long ts = t0 + (i / SERIES) * 10000000LL;
            if (json)
                n += (size_t)sprintf(
                    buf + n,
                    "{\"fields\":{\"value\":%ld.5},\"name\":\"svc\",\"tags\":{\"host\":"
                    "\"h%ld\",\"dc\":\"eu\"},\"timestamp\":%lld}\n",
                    i % 1000, i % SERIES, ts / 1000000);
            else
                n += (size_t)sprintf(buf + n, "svc,host=h%ld,dc=eu value=%ld.5 %lld\n", i % SERIES,
                                     i % 1000, ts);
        }
        m.p[k] = buf;
        m.len[k] = n;
    }
    return m;
}

static void free_msgs(struct msgs *m)
{
    for (long k = 0; k < m->n; k++) free(m->p[k]);
    free(m->p);
    free(m->len);
}

/* The aligner's lateness: LATENESS_S in the environment, 10 s by default. */
static int64_t lateness_ns(void)
{
    const char *s = getenv("LATENESS_S");
    return (int64_t)((s ? atof(s) : 10.0) * 1e9);
}

struct pipeline {
    struct aligner *al;
    struct ingest in;
    struct input_decoding dec;
    struct reject_stats st;
};

static void pipeline_init(struct pipeline *pl, enum input_format f, double json_unit)
{
    memset(pl, 0, sizeof *pl);
    char err[256];
    struct aligner_params ap = {1000000000LL, lateness_ns(), 1000, 5, AGG_MEAN, 0};
    pl->al = aligner_new(&ap, err, sizeof err);
    pl->in = (struct ingest){pl->al, NULL, NULL, NULL, NULL, NULL, -1, NULL, NULL, NULL, 0};
    input_decoding_default(&pl->dec, "b");
    pl->dec.format = f;
    pl->dec.json_ts_unit_s = json_unit;
}

static void report(const char *what, struct pipeline *pl, double secs)
{
    long rej = 0;
    for (int a = 0; a < REJECT_REASONS; a++) rej += pl->st.rejected[a];
    printf("%-34s %10ld %8.3f %12.0f %8ld\n", what, pl->st.records, secs,
           secs > 0 ? pl->st.records / secs : 0, rej);
    if (rej)
        printf("  last rejected (%s): %s\n", reject_reason_str(pl->st.last_reason),
               pl->st.last_sample);
    aligner_free(pl->al);
}

static void from_memory(const char *what, int json)
{
    struct msgs m = build(json);
    struct pipeline pl;
    pipeline_init(&pl, json ? FMT_JSON : FMT_INFLUX, 1e-3);
    struct ingest_meta meta = {0, -1, NULL, 0};
    double t0 = bench_now();
    for (long k = 0; k < m.n; k++)
        ingest_message(&pl.in, &pl.dec, -1, &meta, m.p[k], m.len[k], &pl.st);
    report(what, &pl, bench_now() - t0);
    free_msgs(&m);
}

static int count_metric(void *ctx, const struct metric_record *r)
{
    (void)r;
    (*(long *)ctx)++;
    return 0;
}

static int count_log(void *ctx, const struct log_record *r)
{
    (void)r;
    (*(long *)ctx)++;
    return 0;
}

static void parse_only_row(const char *what, long records, double secs,
                           const struct reject_stats *st)
{
    long rej = 0;
    for (int a = 0; a < REJECT_REASONS; a++) rej += st->rejected[a];
    printf("%-34s %10ld %8.3f %12.0f %8ld\n", what, records, secs, secs > 0 ? records / secs : 0,
           rej);
}

/* Telegraf JSON through jansson's tree only (the path before the zero-copy scanner), parse
 * only. */
static void telegraf_jansson(void)
{
    struct msgs m = build(1);
    struct reject_stats st = {0};
    long records = 0;
    double t0 = bench_now();
    for (long k = 0; k < m.n; k++)
        json_metrics_parse_jansson(m.p[k], m.len[k], 1e-3, 0, count_metric, &records, &st);
    parse_only_row("Telegraf JSON, jansson, parse only", records, bench_now() - t0, &st);
    records = 0;
    memset(&st, 0, sizeof st);
    t0 = bench_now();
    for (long k = 0; k < m.n; k++)
        json_metrics_parse(m.p[k], m.len[k], 1e-3, 0, count_metric, &records, &st);
    parse_only_row("Telegraf JSON, fast, parse only", records, bench_now() - t0, &st);
    free_msgs(&m);
}

/* Fluent Bit out_kafka JSON log lines (message under "log", epoch-second "@timestamp"), LINES per
 * message, parsed by the zero-copy path and by jansson's tree. */
static void fluentbit_logs(void)
{
    struct msgs m = {0};
    m.n = (SAMPLES + LINES - 1) / LINES;
    m.p = malloc((size_t)m.n * sizeof *m.p);
    m.len = malloc((size_t)m.n * sizeof *m.len);
    static const char *const lv[] = {"info", "info", "info", "warn", "error"};
    for (long k = 0, i = 0; k < m.n; k++) {
        char *buf = malloc((size_t)LINES * 256);
        size_t n = 0;
        for (long l = 0; l < LINES && i < SAMPLES; l++, i++)
            n += (size_t)sprintf(buf + n,
                                 "{\"@timestamp\":%ld.%03ld,\"log\":\"GET /api/items/%ld "
                                 "200 %ld ms\\n\",\"stream\":\"stdout\",\"level\":\"%s\","
                                 "\"host\":\"h%ld\"}\n",
                                 1700000000L + i / 1000, i % 1000, i % 977, i % 50, lv[i % 5],
                                 i % SERIES);
        m.p[k] = buf;
        m.len[k] = n;
    }
    struct log_format f;
    log_format_default(&f, 1);
    for (int slow = 1; slow >= 0; slow--) {
        struct reject_stats st = {0};
        long records = 0;
        double t0 = bench_now();
        for (long k = 0; k < m.n; k++)
            (slow ? log_lines_parse_jansson : log_lines_parse)(m.p[k], m.len[k], &f, "s", 1, 0,
                                                               count_log, &records, &st);
        parse_only_row(slow ? "Fluent Bit log lines, jansson" : "Fluent Bit log lines, fast",
                       records, bench_now() - t0, &st);
    }
    free_msgs(&m);
}

/* --- ZeroMQ --------------------------------------------------------------------------------- */
struct pusher {
    void *ctx;
    char ep[256];
    struct msgs *m;
};

static void *push_all(void *arg)
{
    struct pusher *p = arg;
    void *s = zmq_socket(p->ctx, ZMQ_PUSH);
    int hwm = 10000;
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_connect(s, p->ep);
    for (long k = 0; k < p->m->n; k++) zmq_send(s, p->m->p[k], p->m->len[k], 0);
    int linger = -1;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(s);
    return NULL;
}

static void on_zmq(void *ctx, const char *fmt, size_t fl, const char *p, size_t len)
{
    (void)fmt;
    (void)fl;
    struct pipeline *pl = ctx;
    struct ingest_meta meta = {0, -1, NULL, 0};
    ingest_message(&pl->in, &pl->dec, -1, &meta, p, len, &pl->st);
}

static void over_zmq(void)
{
    struct msgs m = build(0);
    void *ctx = zmq_ctx_new();
    char err[256];
    struct zmq_source_conf c = {"z", ZSRC_PULL, "tcp://127.0.0.1:*", NULL, 10000, 0, NULL};
    struct zmq_source *src = zmq_source_new(ctx, &c, err, sizeof err);
    struct pusher p = {ctx, "", &m};
    size_t epl = sizeof p.ep;
    zmq_getsockopt(zmq_source_socket(src), ZMQ_LAST_ENDPOINT, p.ep, &epl);
    struct pipeline pl;
    pipeline_init(&pl, FMT_INFLUX, 1);
    pthread_t th;
    pthread_create(&th, NULL, push_all, &p);
    double t0 = -1, t1 = 0;
    while (zmq_source_messages(src) < m.n) {
        zmq_pollitem_t it = {zmq_source_socket(src), 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 5000) <= 0) break;
        if (t0 < 0) t0 = bench_now();
        zmq_source_poll(src, 1000, on_zmq, &pl);
    }
    t1 = bench_now();
    pthread_join(th, NULL);
    report("line protocol over ZeroMQ PULL", &pl, t1 - t0);
    zmq_source_close(src);
    zmq_ctx_term(ctx);
    free_msgs(&m);
}

/* --- Kafka ---------------------------------------------------------------------------------- */
static long delivery_failed;
static rd_kafka_resp_err_t first_failure;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err && !delivery_failed++) first_failure = m->err;
}

static int64_t on_kafka(void *ctx, const void *payload, size_t len, const struct kafka_meta *m)
{
    (void)m;
    struct pipeline *pl = ctx;
    struct ingest_meta meta = {0, -1, NULL, 0};
    long late0 = pl->st.rejected[REJECT_LATE];
    ingest_message(&pl->in, &pl->dec, -1, &meta, payload, len, &pl->st);
    static int64_t pmax[4];
    static int shown;
    if (m->partition < 4 && pl->in.msg_max_ts_ns > pmax[m->partition])
        pmax[m->partition] = pl->in.msg_max_ts_ns;
    if (getenv("DBG") && pl->st.rejected[REJECT_LATE] > late0 && shown++ < 5)
        fprintf(stderr, "late in p%d off %ld: msg max %.3f; partitions %.3f %.3f %.3f %.3f\n",
                m->partition, (long)m->offset,
                (pl->in.msg_max_ts_ns - 1700000000000000000LL) * 1e-9,
                (pmax[0] - 1700000000000000000LL) * 1e-9, (pmax[1] - 1700000000000000000LL) * 1e-9,
                (pmax[2] - 1700000000000000000LL) * 1e-9, (pmax[3] - 1700000000000000000LL) * 1e-9);
    return pl->in.msg_max_ts_ns;
}

/* The 2.0.2 mock broker keeps at most 5 MB per partition, so the samples go through in rounds
 * of about 3 MB per partition: produce a round, then time its consumption. Only consumption is
 * timed. */
static void over_kafka(void)
{
    struct msgs m = build(0);
    const long KAFKA_ROUND = (long)(4 * 3e6 / ((double)m.len[0] + 100));
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rd_kafka_t *host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(host, 1);
    rd_kafka_mock_topic_create(mc, "bench", 4, 1);
    const char *bs = rd_kafka_mock_cluster_bootstraps(mc);
    rd_kafka_conf_t *pc = rd_kafka_conf_new();
    rd_kafka_conf_set(pc, "bootstrap.servers", bs, err, sizeof err);
    rd_kafka_conf_set(pc, "linger.ms", "20", err, sizeof err);
    rd_kafka_conf_set(pc, "queue.buffering.max.messages", "1000000", err, sizeof err);
    rd_kafka_conf_set_dr_msg_cb(pc, on_delivery);
    rd_kafka_t *prod = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);

    struct kafka_source_conf kc = {.name = "k", .brokers = bs, .ntopics = 1, .group = "bench"};
    kc.topics[0] = "bench";
    kc.align_ns = getenv("NOALIGN") ? 0 : lateness_ns() / 10 * 8; /* 0.8 x the lateness */
    /* the mock answers a fetch only when its wait expires: keep rounds from idling 500 ms */
    kc.props[kc.nprops][0] = "fetch.wait.max.ms";
    kc.props[kc.nprops++][1] = "10";
    struct kafka_source *ks = kafka_source_new(&kc, err, sizeof err);
    if (!ks) {
        fprintf(stderr, "bench_ingest: %s\n", err);
        exit(1);
    }
    struct pipeline pl;
    pipeline_init(&pl, FMT_INFLUX, 1);
    double consuming = 0;
    long got = 0;
    for (long from = 0; from < m.n; from += KAFKA_ROUND) {
        long to = from + KAFKA_ROUND < m.n ? from + KAFKA_ROUND : m.n;
        for (long k = from; k < to; k++)
            while (rd_kafka_producev(
                       prod, RD_KAFKA_V_TOPIC("bench"), RD_KAFKA_V_VALUE(m.p[k], m.len[k]),
                       RD_KAFKA_V_PARTITION(k % 4), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                       RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                rd_kafka_poll(prod, 10);
        rd_kafka_flush(prod, 60000);
        double t0 = bench_now(), last = t0;
        while (got < to && bench_now() - last < 10) {
            int n = kafka_source_poll(ks, 1000, on_kafka, &pl);
            if (n > 0) {
                got += n;
                last = bench_now();
            } else {
                struct pollfd pfd = {kafka_source_fd(ks), POLLIN, 0};
                poll(&pfd, 1, 1);
            }
        }
        consuming += last - t0;
        if (got < to) break;
    }
    if (delivery_failed)
        printf("  kafka: %ld messages failed to be produced (%s)\n", delivery_failed,
               rd_kafka_err2str(first_failure));
    report("line protocol over Kafka (mock)", &pl, consuming);
    const struct kafka_stats *ks_st = kafka_source_stats(ks);
    printf("  kafka: %ld of %ld messages consumed, %ld alignment pauses, %ld errors\n",
           ks_st->messages, m.n, ks_st->align_pauses, ks_st->errors);
    kafka_source_close(ks);
    rd_kafka_destroy(prod);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(host);
    free_msgs(&m);
}

int main(int argc, char **argv)
{
    if (argc > 1) SAMPLES = atol(argv[1]);
    if (argc > 2) LINES = atol(argv[2]);
    printf("bench/ingest: %ld samples, %d series, %ld lines per message, bucket 1 s, one consumer "
           "thread\n",
           SAMPLES, SERIES, LINES);
    printf("%-34s %10s %8s %12s %8s\n", "path", "samples", "seconds", "samples/s", "rejected");
    from_memory("line protocol, parse + align", 0);
    from_memory("Telegraf JSON, parse + align", 1);
    telegraf_jansson();
    fluentbit_logs();
    over_zmq();
    over_kafka();
    return 0;
}
