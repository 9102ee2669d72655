/*
 * kproduce - produces numbered line-protocol samples to a topic, for the Kafka tests and the
 * ingest benchmark.
 *
 * usage: kproduce BOOTSTRAP TOPIC SAMPLES LINES_PER_MESSAGE [POISON [T0_NS]]
 * Sample i is the line `kt,s=<i mod 100> v=<i> <t0 + i ms>` (ns precision; t0 defaults to
 * 1700000000000000000); LINES_PER_MESSAGE
 * lines go in one message, keyed by its number. With POISON = n, every n-th message is
 * replaced by a malformed one (its samples are sent again in the next good message). Exits 0
 * once every message is acknowledged.
 *
 * Keyed by scope (KPRODUCE_SCOPES=NAME,NAME,..., at most 64 names of at most 31 bytes):
 * message m (from 0) belongs to scope k = m mod N, is keyed by its NAME (so the partitioner
 * keeps a scope in one partition, as a Telegraf routing_key or a Fluent Bit message_key does)
 * and its sample i is the line `NAME,s=<i mod 5> v=<i> <t0 + i * STEP ms>` (KPRODUCE_STEP_MS,
 * default 1). Prints, per scope, the samples acknowledged and the partitions they landed in:
 * "scope NAME samples <n> partitions <p>,...".
 */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SCOPES 64
static long failed;
static long scope_samples[MAX_SCOPES];
static unsigned long long scope_parts[MAX_SCOPES]; /* partitions 0..63 as bits */

/* The message's opaque is 1 + its scope index and the sample count in the upper bits. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err) {
        failed++;
        return;
    }
    unsigned long long tag = (unsigned long long)(uintptr_t)m->_private;
    if (!tag) return;
    int k = (int)(tag & 0xff) - 1;
    scope_samples[k] += (long)(tag >> 8);
    if (m->partition >= 0 && m->partition < 64) scope_parts[k] |= 1ULL << m->partition;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr,
                "usage: kproduce BOOTSTRAP TOPIC SAMPLES LINES_PER_MESSAGE [POISON [T0_NS]]\n");
        return 2;
    }
    long samples = atol(argv[3]), per = atol(argv[4]), poison = argc > 5 ? atol(argv[5]) : 0;
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err) ||
        rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof err) ||
        rd_kafka_conf_set(conf, "queue.buffering.max.messages", "1000000", err, sizeof err)) {
        fprintf(stderr, "kproduce: %s\n", err);
        return 1;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "kproduce: %s\n", err);
        return 1;
    }
    const long long t0 = argc > 6 ? atoll(argv[6]) : 1700000000000000000LL;
    const char *sc = getenv("KPRODUCE_SCOPES"), *st = getenv("KPRODUCE_STEP_MS");
    char names[MAX_SCOPES][32];
    int nscopes = 0;
    for (const char *p = sc; p && *p && nscopes < MAX_SCOPES;) {
        size_t l = strcspn(p, ",");
        if (l == 0 || l >= sizeof names[0]) {
            fprintf(stderr, "kproduce: KPRODUCE_SCOPES: names of 1 to 31 bytes\n");
            return 2;
        }
        memcpy(names[nscopes], p, l);
        names[nscopes++][l] = '\0';
        p += l + (p[l] == ',');
    }
    long long step = st ? atoll(st) : 1;
    if (step < 1) {
        fprintf(stderr, "kproduce: KPRODUCE_STEP_MS >= 1\n");
        return 2;
    }
    char *buf = malloc((size_t)per * 96 + 64);
    long msgno = 0;
    for (long i = 0; i < samples;) {
        size_t n = 0;
        long count = 0; /* samples in a scope message */
        msgno++;
        int scope = nscopes ? (int)((msgno - 1) % nscopes) : -1;
        if (scope >= 0) {
            long k;
            for (k = 0; k < per && i < samples; k++, i++)
                n += (size_t)sprintf(buf + n, "%s,s=%ld v=%ld %lld\n", names[scope], i % 5, i,
                                     t0 + i * step * 1000000LL);
            count = k;
        } else if (poison && msgno % poison == 0) {
            n = (size_t)sprintf(buf, "kt,s=\\ v=\"unterminated\n");
        } else {
            for (long k = 0; k < per && i < samples; k++, i++)
                n += (size_t)sprintf(buf + n, "kt,s=%ld v=%ld %lld\n", i % 100, i,
                                     t0 + i * 1000000LL);
        }
        char key[32]; /* one key per message, so messages spread over the partitions */
        int kl = scope >= 0 ? snprintf(key, sizeof key, "%s", names[scope]) /* one per scope */
                            : snprintf(key, sizeof key, "m%ld", msgno);
        void *tag =
            scope >= 0 ? (void *)(uintptr_t)(((unsigned long long)count << 8) | (scope + 1)) : NULL;
        for (;;) {
            rd_kafka_resp_err_t e =
                rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(argv[2]), RD_KAFKA_V_VALUE(buf, n),
                                  RD_KAFKA_V_KEY(key, (size_t)kl), RD_KAFKA_V_OPAQUE(tag),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                rd_kafka_poll(rk, 50);
                continue;
            }
            if (e) {
                fprintf(stderr, "kproduce: %s\n", rd_kafka_err2str(e));
                return 1;
            }
            break;
        }
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 60000);
    free(buf);
    rd_kafka_destroy(rk);
    if (failed) fprintf(stderr, "kproduce: %ld message(s) failed\n", failed);
    printf("produced %ld samples in %ld messages\n", samples, msgno);
    for (int k = 0; k < nscopes; k++) {
        printf("scope %s samples %ld partitions", names[k], scope_samples[k]);
        const char *sep = " ";
        for (int p = 0; p < 64; p++)
            if (scope_parts[k] >> p & 1) {
                printf("%s%d", sep, p);
                sep = ",";
            }
        printf("\n");
    }
    return failed ? 1 : 0;
}
