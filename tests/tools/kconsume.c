/*
 * kconsume - the Kafka source feeding the real aligner, for the integration tests and the
 * ingest benchmark. Every record the aligner accepts is appended to TRACE ("<value>\n") with
 * write(2) before the message's offset is stored, so the trace is exactly what reached the
 * aligner even when the process is killed with SIGKILL.
 *
 * usage: kconsume BOOTSTRAP TOPIC GROUP TRACE [IDLE_EXIT_S [SLOW_US [FORMAT]]]
 * Exits after IDLE_EXIT_S seconds (default 5) without messages once something was consumed,
 * or on SIGTERM; then prints a JSON summary (messages, records, rejections by reason,
 * partitions seen, seconds, samples per second) on stdout. TRACE "-" disables the trace.
 * With KCONSUME_PAUSE_AFTER=M in the environment, fetching of every partition is paused
 * (kafka_source_pause_all) for 2 s once M messages were handled, while polling goes on; the
 * summary then tells the messages handled in the pause and in its last second.
 */
#include "aligner.h"
#include "ingest.h"
#include "kafka_source.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

struct consumer {
    struct ingest in;
    struct input_decoding dec;
    struct reject_stats st;
    int trace;
    char *buf;
    size_t n, cap;
    long slow_us;
    unsigned partitions; /* bit set of partitions seen (0..31) */
    long messages;
    int64_t pmax[4]; /* newest event time seen per partition 0-3 */
    int shown;
};
#define T0 1700000000000000000LL /* kproduce's default start time */

static int accepted(void *ctx, const struct metric_record *r)
{
    struct consumer *c = ctx;
    if (c->trace < 0) return 0;
    if (c->n + 32 > c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1 << 16;
        c->buf = realloc(c->buf, c->cap);
    }
    c->n += (size_t)snprintf(c->buf + c->n, c->cap - c->n, "%.0f\n", r->value);
    return 0;
}

static int64_t on_message(void *ctx, const void *payload, size_t len, const struct kafka_meta *m)
{
    struct consumer *c = ctx;
    struct ingest_meta meta = {m->ts_ns >= 0 ? m->ts_ns : 0, -1, NULL, 0};
    c->n = 0;
    long late0 = c->st.rejected[REJECT_LATE];
    ingest_message(&c->in, &c->dec, -1, &meta, payload, len, &c->st);
    if (m->partition >= 0 && m->partition < 4 && c->in.msg_max_ts_ns > c->pmax[m->partition])
        c->pmax[m->partition] = c->in.msg_max_ts_ns;
    if (c->st.rejected[REJECT_LATE] > late0 && c->shown++ < 10) /* for the test's diagnostics */
        fprintf(stderr,
                "kconsume: late in p%d offset %ld: newest %.3f; partitions %.3f %.3f %.3f %.3f\n",
                (int)m->partition, (long)m->offset, (c->in.msg_max_ts_ns - T0) * 1e-9,
                (c->pmax[0] - T0) * 1e-9, (c->pmax[1] - T0) * 1e-9, (c->pmax[2] - T0) * 1e-9,
                (c->pmax[3] - T0) * 1e-9);
    if (c->trace >= 0 && c->n && write(c->trace, c->buf, c->n) != (ssize_t)c->n) {
        perror("kconsume: trace");
        exit(1);
    }
    if (m->partition >= 0 && m->partition < 32) c->partitions |= 1u << m->partition;
    c->messages++;
    if (c->slow_us) usleep((useconds_t)c->slow_us);
    return c->in.msg_max_ts_ns;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr,
                "usage: kconsume BOOTSTRAP TOPIC GROUP TRACE [IDLE_EXIT_S [SLOW_US [FORMAT]]]\n");
        return 2;
    }
    double idle_exit = argc > 5 ? atof(argv[5]) : 5;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    struct consumer c = {0};
    c.slow_us = argc > 6 ? atol(argv[6]) : 0;
    c.trace = strcmp(argv[4], "-") == 0 ? -1 : open(argv[4], O_WRONLY | O_CREAT | O_APPEND, 0644);
    input_decoding_default(&c.dec, "k");
    if (argc > 7 && input_format_parse(argv[7], strlen(argv[7]), &c.dec.format)) return 2;
    char err[512];
    /* lateness 10 s; the partitions are kept within 5 s of event time of each other */
    struct aligner_params ap = {1000000000LL, 10000000000LL, 1000, 5, AGG_MEAN, 0};
    struct aligner *al = aligner_new(&ap, err, sizeof err);
    c.in = (struct ingest){al, NULL, NULL, NULL, accepted, &c, -1, NULL, NULL, NULL, 0};
    struct kafka_source_conf kc = {.name = "k", .brokers = argv[1], .ntopics = 1, .group = argv[3]};
    kc.topics[0] = argv[2];
    kc.align_ns = 5000000000LL;
    kc.props[kc.nprops][0] = "session.timeout.ms";
    kc.props[kc.nprops++][1] = "6000";
    kc.props[kc.nprops][0] = "heartbeat.interval.ms";
    kc.props[kc.nprops++][1] = "500";
    kc.props[kc.nprops][0] = "auto.commit.interval.ms";
    kc.props[kc.nprops++][1] = "1000";
    struct kafka_source *ks = kafka_source_new(&kc, err, sizeof err);
    if (!ks) {
        fprintf(stderr, "kconsume: %s\n", err);
        return 2;
    }
    double t_first = -1, t_last = now(), t_start = now();
    const char *pa = getenv("KCONSUME_PAUSE_AFTER");
    long pause_after = pa ? atol(pa) : -1, in_pause = 0, in_last = 0, mark = 0;
    int phase = 0; /* 0 before the pause, 1 its first second, 2 its last second, 3 after */
    double paused_at = 0;
    int batch = pause_after >= 0 ? 50 : 1000;
    while (!stop) {
        if (phase == 0 && pause_after >= 0 && c.messages >= pause_after) {
            kafka_source_pause_all(ks, 1);
            paused_at = now();
            mark = c.messages;
            phase = 1;
        } else if (phase == 1 && now() - paused_at >= 1) {
            in_pause = c.messages - mark;
            mark = c.messages;
            phase = 2;
        } else if (phase == 2 && now() - paused_at >= 2) {
            in_last = c.messages - mark;
            in_pause += in_last;
            kafka_source_pause_all(ks, 0);
            t_last = now(); /* the pause is not idleness */
            phase = 3;
        }
        struct pollfd p = {kafka_source_fd(ks), POLLIN, 0};
        poll(&p, 1, 100);
        int n;
        do {
            n = kafka_source_poll(ks, batch, on_message, &c);
            if (n < 0) return 1;
            if (n > 0) {
                t_last = now();
                if (t_first < 0) t_first = t_last;
            }
        } while (n == batch && !stop &&
                 !(phase == 0 && pause_after >= 0 && c.messages >= pause_after));
        if (now() - t_last > idle_exit && (t_first >= 0 || now() - t_start > 60)) break;
    }
    double secs = t_first >= 0 ? t_last - t_first : 0;
    struct kafka_lag lag[32];
    int nl = kafka_source_lag(ks, lag, 32);
    for (int i = 0; i < nl; i++) /* for the test's diagnostics */
        fprintf(stderr, "kconsume: %s/%d position %lld high %lld\n", lag[i].topic,
                (int)lag[i].partition, (long long)lag[i].position, (long long)lag[i].high);
    fprintf(stderr, "kconsume: %ld rebalances, %ld alignment pauses\n",
            kafka_source_stats(ks)->rebalances, kafka_source_stats(ks)->align_pauses);
    kafka_source_close(ks);
    printf("{\"messages\": %ld, \"records\": %ld, \"rejected\": {", c.messages, c.st.records);
    for (int r = 0, first = 1; r < REJECT_REASONS; r++)
        if (c.st.rejected[r]) {
            printf("%s\"%s\": %ld", first ? "" : ", ", reject_reason_str((enum reject_reason)r),
                   c.st.rejected[r]);
            first = 0;
        }
    printf("}, \"partitions\": [");
    for (int p = 0, first = 1; p < 32; p++)
        if (c.partitions & (1u << p)) {
            printf("%s%d", first ? "" : ", ", p);
            first = 0;
        }
    printf("]");
    if (phase == 3)
        printf(", \"paused_messages\": %ld, \"paused_last_second\": %ld", in_pause, in_last);
    printf(", \"seconds\": %.3f, \"samples_per_s\": %.0f}\n", secs,
           secs > 0 ? c.st.records / secs : 0);
    if (c.trace >= 0) close(c.trace);
    free(c.buf);
    aligner_free(al);
    return 0;
}
