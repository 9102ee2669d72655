/* The alert PUB sink with real sockets over TCP on 127.0.0.1: one subscriber stalled at a small
 * high-water mark (it never reads) and one live subscriber. The live one receives every alert,
 * in order; the stalled one misses alerts alone and sees the misses as gaps in seq; the sink's
 * counters say every event was handed to the socket. */
#include "test_util.h"

#include "sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define ALERTS  2000
#define PAYLOAD 16384 /* 2000 x 16 KiB: more than the kernel's socket buffers absorb */

static void *sub_socket(void *ctx, const char *ep, int rcvhwm)
{
    void *s = zmq_socket(ctx, ZMQ_SUB);
    int timeout = 5000;
    zmq_setsockopt(s, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
    assert_int_equal(zmq_connect(s, ep), 0);
    return s;
}

/* Receives one two-frame message; returns its seq (-1 for a warm-up message), or -2 when
 * nothing came (flags: 0 waits up to the receive timeout, ZMQ_DONTWAIT does not wait). */
static long recv_seq(void *s, int flags, char *buf, size_t cap)
{
    char topic[32];
    int n = zmq_recv(s, topic, sizeof topic, flags);
    if (n < 0) return -2;
    int more = 0;
    size_t ml = sizeof more;
    zmq_getsockopt(s, ZMQ_RCVMORE, &more, &ml);
    assert_true(more);
    int len = zmq_recv(s, buf, cap - 1, 0);
    assert_true(len >= 0);
    if (n == 4 && memcmp(topic, "warm", 4) == 0) return -1;
    buf[(size_t)len < cap - 1 ? (size_t)len : cap - 1] = '\0';
    long seq = -1;
    assert_int_equal(sscanf(buf, "{\"seq\":%ld", &seq), 1);
    return seq;
}

static void test_stalled_subscriber_does_not_make_the_live_one_miss_alerts(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new();
    void *pub = zmq_socket(ctx, ZMQ_PUB);
    sink_pub_socket_options(pub, 10); /* as the daemon sets it, with alerts.hwm: 10 */
    int linger = 0;
    zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_bind(pub, "tcp://127.0.0.1:*"), 0);
    char ep[256];
    size_t epl = sizeof ep;
    zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, ep, &epl);
    void *stalled = sub_socket(ctx, ep, 10);
    void *live = sub_socket(ctx, ep, 1000);
    char *buf = malloc(PAYLOAD + 64);
    /* both subscriptions in place: each has received a warm-up message */
    int stalled_in = 0, live_in = 0;
    for (int k = 0; k < 500 && !(stalled_in && live_in); k++) {
        zmq_send(pub, "warm", 4, ZMQ_SNDMORE);
        zmq_send(pub, "{}", 2, 0);
        zmq_pollitem_t it[2] = {{stalled, 0, ZMQ_POLLIN, 0}, {live, 0, ZMQ_POLLIN, 0}};
        zmq_poll(it, 2, 10);
        if (!stalled_in && recv_seq(stalled, ZMQ_DONTWAIT, buf, PAYLOAD + 64) == -1) stalled_in = 1;
        if (!live_in && recv_seq(live, ZMQ_DONTWAIT, buf, PAYLOAD + 64) == -1) live_in = 1;
    }
    assert_true(stalled_in && live_in);

    struct sink k;
    assert_int_equal(sink_pub_open(&k, pub), 0);
    char *text = malloc(PAYLOAD + 64);
    long live_got = 0;
    for (long seq = 1; seq <= ALERTS; seq++) {
        int n = snprintf(text, 64, "{\"seq\":%ld,\"pad\":\"", seq);
        memset(text + n, 'x', PAYLOAD);
        strcpy(text + n + PAYLOAD, "\"}");
        struct sink_event e = {NULL, text, "alert", 5};
        k.ops->deliver(&k, &e);
        /* the live subscriber reads at its pace: this alert arrives, none is skipped */
        long got;
        while ((got = recv_seq(live, 0, buf, PAYLOAD + 64)) == -1) {
        }
        if (got != seq) fail_msg("live subscriber: expected seq %ld, got %ld", seq, got);
        live_got++;
    }
    struct sink_counts c;
    k.ops->counts(&k, &c);
    printf("# live subscriber: %ld of %d alerts; sink: delivered %ld, dropped %ld\n", live_got,
           ALERTS, c.delivered, c.dropped);
    assert_int_equal(live_got, ALERTS);
    assert_int_equal(c.delivered, ALERTS);
    assert_int_equal(c.dropped, 0);

    /* the stalled subscriber now reads what its queue kept: fewer, in order, with a gap */
    int timeout = 500;
    zmq_setsockopt(stalled, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    long prev = 0, got_stalled = 0, gaps = 0, s;
    while ((s = recv_seq(stalled, 0, buf, PAYLOAD + 64)) != -2) {
        if (s == -1) continue;
        assert_true(s > prev);
        gaps += s != prev + 1;
        prev = s;
        got_stalled++;
    }
    printf("# stalled subscriber (hwm 10): %ld of %d alerts, %ld gap(s) in seq\n", got_stalled,
           ALERTS, gaps);
    assert_true(got_stalled < ALERTS);
    assert_true(gaps + (prev < ALERTS) >= 1);

    k.ops->close(&k);
    free(text);
    free(buf);
    zmq_close(stalled);
    zmq_close(live);
    zmq_close(pub);
    zmq_ctx_term(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stalled_subscriber_does_not_make_the_live_one_miss_alerts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
