/* sink_pub.c - alerts as two-frame messages (topic, event) on the daemon's PUB socket.
 *
 * Delivery policy: ZeroMQ's own, lossy per subscriber. The socket keeps one queue (pipe) per
 * subscriber, bounded by the send high-water mark; when one subscriber's queue is full only that
 * subscriber misses the event, every other subscriber still gets it. (ZMQ_XPUB_NODROP would turn
 * one full queue into EAGAIN for the whole event: one stalled subscriber would make every
 * subscriber miss every alert while it stays stalled.) The daemon cannot see which subscriber
 * missed what, so it counts what it can: events handed to the socket (delivered) and events the
 * socket refused as a whole (dropped). A subscriber sees its own losses as gaps in `seq` (the
 * heartbeat carries the latest seq) and recovers them from `query alerts --since SEQ` or the
 * journal. */
#include "sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

struct pub_state {
    void *pub;
    struct sink_counts c;
};

void sink_pub_socket_options(void *pub, int hwm)
{
    int nodrop = 0;
    zmq_setsockopt(pub, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(pub, ZMQ_XPUB_NODROP, &nodrop, sizeof nodrop);
}

static void deliver(struct sink *k, const struct sink_event *e)
{
    struct pub_state *p = k->impl;
    /* the socket learns that a subscriber read its queue from commands it handles only now
     * and then; handling them first keeps a subscriber that reads from counting as full */
    int events;
    size_t el = sizeof events;
    zmq_getsockopt(p->pub, ZMQ_EVENTS, &events, &el);
    if (zmq_send(p->pub, e->topic, e->topic_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        p->c.dropped++; /* the socket refused the event (closing, out of memory) */
        return;
    }
    if (zmq_send(p->pub, e->text, strlen(e->text), ZMQ_DONTWAIT) < 0) {
        p->c.dropped++;
        return;
    }
    p->c.delivered++;
    p->c.last_success = (double)time(NULL);
}

static void counts(struct sink *k, struct sink_counts *out)
{
    *out = ((struct pub_state *)k->impl)->c;
}

static void close_sink(struct sink *k)
{
    free(k->impl); /* the socket is the daemon's */
    k->impl = NULL;
}

static const struct sink_ops ops = {"pub", deliver, counts, close_sink};

int sink_pub_open(struct sink *k, void *pub)
{
    struct pub_state *p = calloc(1, sizeof *p);
    if (!p) return -1;
    p->pub = pub;
    k->ops = &ops;
    k->impl = p;
    snprintf(k->name, sizeof k->name, "zmq_pub");
    return 0;
}
