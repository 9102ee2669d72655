/*
 * mockbroker - a Kafka-protocol broker for tests: librdkafka's mock cluster (rdkafka_mock.h)
 * in its own process (docs/conventions.md §3.2).
 *
 * usage: mockbroker BROKERS TOPIC:PARTITIONS [TOPIC:PARTITIONS ...]
 * Prints the bootstrap address ("127.0.0.1:port,...") on one line on stdout, then serves until
 * SIGTERM/SIGINT or until stdin reaches end of file.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: mockbroker BROKERS TOPIC:PARTITIONS...\n");
        return 2;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "mockbroker: %s\n", err);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, atoi(argv[1]));
    if (!mc) {
        fprintf(stderr, "mockbroker: cannot create the mock cluster\n");
        return 1;
    }
    for (int a = 2; a < argc; a++) {
        char topic[256];
        int parts = 1;
        if (sscanf(argv[a], "%255[^:]:%d", topic, &parts) < 1) return 2;
        if (rd_kafka_mock_topic_create(mc, topic, parts, 1)) {
            fprintf(stderr, "mockbroker: cannot create topic %s\n", topic);
            return 1;
        }
    }
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    while (!stop) {
        fd_set r;
        FD_ZERO(&r);
        FD_SET(0, &r);
        struct timeval tv = {0, 200000};
        if (select(1, &r, NULL, NULL, &tv) > 0) {
            char buf[64];
            if (read(0, buf, sizeof buf) <= 0) break;
        }
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
