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
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err) failed++;
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
    char *buf = malloc((size_t)per * 96 + 64);
    long msgno = 0;
    for (long i = 0; i < samples;) {
        size_t n = 0;
        long first = i;
        msgno++;
        if (poison && msgno % poison == 0) {
            n = (size_t)sprintf(buf, "kt,s=\\ v=\"unterminated\n");
        } else {
            for (long k = 0; k < per && i < samples; k++, i++)
                n += (size_t)sprintf(buf + n, "kt,s=%ld v=%ld %lld\n", i % 100, i,
                                     t0 + i * 1000000LL);
        }
        char key[32]; /* one key per message, so messages spread over the partitions */
        int kl = snprintf(key, sizeof key, "m%ld", msgno);
        (void)first;
        for (;;) {
            rd_kafka_resp_err_t e =
                rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(argv[2]), RD_KAFKA_V_VALUE(buf, n),
                                  RD_KAFKA_V_KEY(key, (size_t)kl),
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
    return failed ? 1 : 0;
}
