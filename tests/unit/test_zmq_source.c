/* ZeroMQ sources with real sockets over TCP on 127.0.0.1: PUSH -> PULL with one-frame and
 * [format][payload] messages, PUB -> SUB with a format-prefix subscription, and the maximum
 * message size. */
#include "test_util.h"

#include "ingest.h"
#include "zmq_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

struct sink {
    struct ingest in;
    struct input_decoding dec;
    struct reject_stats st;
    struct aligner *al;
    long accepted;
    double sum;
};

static int accepted(void *ctx, const struct metric_record *r)
{
    struct sink *s = ctx;
    s->accepted++;
    s->sum += r->value;
    return 0;
}

static void on_payload(void *ctx, const char *fmt, size_t fl, const char *p, size_t len)
{
    struct sink *s = ctx;
    int f = fmt ? ingest_message_format(fmt, fl) : -1;
    struct ingest_meta m = {1700000000000000000LL, -1, NULL, 0};
    ingest_message(&s->in, &s->dec, f, &m, p, len, &s->st);
}

static void sink_init(struct sink *s)
{
    memset(s, 0, sizeof *s);
    char err[256];
    struct aligner_params ap = {1000000000LL, 3600000000000LL, 100, 2, AGG_MEAN, 0};
    s->al = aligner_new(&ap, err, sizeof err);
    s->in = (struct ingest){s->al, NULL, NULL, NULL, accepted, s, -1, NULL, NULL, NULL, 0};
    input_decoding_default(&s->dec, "z");
}

/* Polls the source until `want` records were accepted or `ms` milliseconds passed. */
static void pump(struct zmq_source *src, struct sink *s, long want, int ms)
{
    for (int k = 0; k < ms / 10 && s->accepted < want; k++) {
        zmq_pollitem_t it = {zmq_source_socket(src), 0, ZMQ_POLLIN, 0};
        zmq_poll(&it, 1, 10);
        zmq_source_poll(src, 100, on_payload, s);
    }
}

static void test_push_to_pull_one_frame_and_multipart(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new();
    struct sink s;
    sink_init(&s);
    char err[256];
    struct zmq_source_conf c = {"m", ZSRC_PULL, "tcp://127.0.0.1:*", NULL, 0, 0, NULL};
    struct zmq_source *src = zmq_source_new(ctx, &c, err, sizeof err);
    assert_non_null(src);
    char ep[256];
    size_t epl = sizeof ep;
    zmq_getsockopt(zmq_source_socket(src), ZMQ_LAST_ENDPOINT, ep, &epl);
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    assert_int_equal(zmq_connect(push, ep), 0);
    const char *lp = "cpu v=1 1700000000000000000\ncpu v=2 1700000000100000000\n";
    zmq_send(push, lp, strlen(lp), 0);
    zmq_send(push, "json", 4, ZMQ_SNDMORE);
    const char *js = "{\"name\":\"mem\",\"value\":4,\"time\":1700000000}";
    zmq_send(push, js, strlen(js), 0);
    zmq_send(push, "nope", 4, ZMQ_SNDMORE); /* unknown format: counted */
    zmq_send(push, "x", 1, 0);
    zmq_send(push, "cpu v=8 1700000000200000000", 27, 0);
    pump(src, &s, 4, 5000);
    assert_int_equal(s.accepted, 4);
    assert_close(s.sum, 15, 0);
    assert_int_equal(s.st.rejected[REJECT_UNKNOWN_FORMAT], 1);
    assert_int_equal(zmq_source_messages(src), 4);
    /* a bad bind address is an error naming the endpoint */
    struct zmq_source_conf bad = {"m", ZSRC_PULL, "tcp://127.0.0.1:notaport", NULL, 0, 0, NULL};
    assert_null(zmq_source_new(ctx, &bad, err, sizeof err));
    assert_non_null(strstr(err, "notaport"));
    zmq_close(push);
    zmq_source_close(src);
    aligner_free(s.al);
    zmq_ctx_term(ctx);
}

static void test_pub_to_sub_filters_by_format_prefix(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new();
    struct sink s;
    sink_init(&s);
    void *pub = zmq_socket(ctx, ZMQ_PUB);
    assert_int_equal(zmq_bind(pub, "tcp://127.0.0.1:*"), 0);
    char ep[256];
    size_t epl = sizeof ep;
    zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, ep, &epl);
    char err[256];
    struct zmq_source_conf c = {"s", ZSRC_SUB, ep, "influx", 0, 0, NULL};
    struct zmq_source *src = zmq_source_new(ctx, &c, err, sizeof err);
    assert_non_null(src);
    /* PUB/SUB drops until the subscription arrives: publish until the first record lands */
    for (int k = 0; k < 200 && s.accepted == 0; k++) {
        zmq_send(pub, "influx", 6, ZMQ_SNDMORE);
        zmq_send(pub, "warm v=0 1700000000000000000", 28, 0);
        pump(src, &s, 1, 50);
    }
    assert_true(s.accepted >= 1);
    long before = s.accepted;
    zmq_send(pub, "json", 4, ZMQ_SNDMORE); /* not subscribed */
    zmq_send(pub, "{\"name\":\"x\",\"value\":1}", 22, 0);
    zmq_send(pub, "influx", 6, ZMQ_SNDMORE);
    zmq_send(pub, "hot v=5 1700000000000000000", 27, 0);
    pump(src, &s, before + 1, 5000);
    assert_int_equal(s.accepted, before + 1);
    assert_int_equal(aligner_nseries(s.al), 2); /* warm and hot; the json message never came */
    zmq_close(pub);
    zmq_source_close(src);
    aligner_free(s.al);
    zmq_ctx_term(ctx);
}

/* A frame over max_message never reaches the aligner: ZeroMQ drops the sender's connection.
 * The sender reconnects by itself, and other senders are not disturbed. */
static void test_pull_drops_message_over_max_message_and_keeps_taking_normal_ones(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new();
    struct sink s;
    sink_init(&s);
    char err[256];
    struct zmq_source_conf c = {"m", ZSRC_PULL, "tcp://127.0.0.1:*", NULL, 0, 1024, NULL};
    struct zmq_source *src = zmq_source_new(ctx, &c, err, sizeof err);
    assert_non_null(src);
    char ep[256];
    size_t epl = sizeof ep;
    zmq_getsockopt(zmq_source_socket(src), ZMQ_LAST_ENDPOINT, ep, &epl);
    void *a = zmq_socket(ctx, ZMQ_PUSH), *b = zmq_socket(ctx, ZMQ_PUSH);
    int reconnect = 50;
    zmq_setsockopt(a, ZMQ_RECONNECT_IVL, &reconnect, sizeof reconnect);
    assert_int_equal(zmq_connect(a, ep), 0);
    assert_int_equal(zmq_connect(b, ep), 0);
    zmq_send(a, "ok v=1 1700000000000000000", 26, 0);
    pump(src, &s, 1, 5000);
    assert_int_equal(s.accepted, 1);
    /* 2,000 bytes of valid lines: over the 1,024-byte limit */
    char big[2100];
    size_t bl = 0;
    for (int i = 0; bl < 2000; i++)
        bl += (size_t)snprintf(big + bl, sizeof big - bl, "big v=%d 17000000%02d000000000\n", i,
                               i % 100);
    assert_true(bl > 1024);
    zmq_send(a, big, bl, 0);
    /* the other sender goes on */
    zmq_send(b, "other v=2 1700000000000000000", 29, 0);
    pump(src, &s, 2, 5000);
    assert_int_equal(s.accepted, 2);
    /* the first sender reconnects and its normal messages arrive again */
    long before = s.accepted;
    for (int k = 0; k < 100 && s.accepted == before; k++) {
        zmq_send(a, "after v=3 1700000000000000000", 29, ZMQ_DONTWAIT);
        pump(src, &s, before + 1, 50);
    }
    assert_true(s.accepted > before);
    assert_int_equal(aligner_nseries(s.al), 3); /* ok, other, after; never big */
    printf("# accepted %ld records from %ld messages; the %zu-byte message was dropped\n",
           s.accepted, zmq_source_messages(src), bl);
    zmq_close(a);
    zmq_close(b);
    zmq_source_close(src);
    aligner_free(s.al);
    zmq_ctx_term(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_to_pull_one_frame_and_multipart),
        cmocka_unit_test(test_pub_to_sub_filters_by_format_prefix),
        cmocka_unit_test(test_pull_drops_message_over_max_message_and_keeps_taking_normal_ones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
