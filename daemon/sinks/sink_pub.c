/* sink_pub.c - alerts as two-frame messages (topic, event) on the daemon's PUB socket. The
 * socket has ZMQ_XPUB_NODROP, so a subscriber at its high-water mark gives EAGAIN: the event is
 * counted as dropped instead of vanishing. */
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

static void deliver(struct sink *k, const struct sink_event *e)
{
    struct pub_state *p = k->impl;
    if (zmq_send(p->pub, e->topic, e->topic_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(p->pub, e->text, strlen(e->text), ZMQ_DONTWAIT) < 0) {
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
