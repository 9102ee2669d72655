#include "zmq_source.h"

#include "zmq_curve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

struct zmq_source {
    void *sock;
    long messages;
    zmq_msg_t frames[2];
};

void zmq_socket_defaults(void *sock)
{
    int linger = 500, ivl = 5000, timeout = 15000;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(sock, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof timeout);
}

struct zmq_source *zmq_source_new(void *zctx, const struct zmq_source_conf *c, char *err,
                                  size_t errlen)
{
    void *sock = zmq_socket(zctx, c->kind == ZSRC_SUB ? ZMQ_SUB : ZMQ_PULL);
    if (!sock) {
        snprintf(err, errlen, "input %s: zmq_socket: %s", c->name, zmq_strerror(errno));
        return NULL;
    }
    zmq_socket_defaults(sock);
    if (c->rcvhwm > 0) zmq_setsockopt(sock, ZMQ_RCVHWM, &c->rcvhwm, sizeof c->rcvhwm);
    int rc;
    if (c->kind == ZSRC_SUB) {
        const char *sub = c->subscribe ? c->subscribe : "";
        zmq_setsockopt(sock, ZMQ_SUBSCRIBE, sub, strlen(sub));
        rc = zmq_connect(sock, c->endpoint);
    } else {
        rc = c->curve ? zmq_curve_server(c->curve, sock) : 0;
        if (rc == 0) rc = zmq_bind(sock, c->endpoint);
    }
    if (rc) {
        snprintf(err, errlen, "input %s: cannot %s %s: %s", c->name,
                 c->kind == ZSRC_SUB ? "connect to" : "bind", c->endpoint, zmq_strerror(errno));
        zmq_close(sock);
        return NULL;
    }
    struct zmq_source *s = calloc(1, sizeof *s);
    s->sock = sock;
    zmq_msg_init(&s->frames[0]);
    zmq_msg_init(&s->frames[1]);
    return s;
}

void *zmq_source_socket(const struct zmq_source *s)
{
    return s->sock;
}

long zmq_source_messages(const struct zmq_source *s)
{
    return s->messages;
}

int zmq_source_poll(struct zmq_source *s, int max, zmq_payload_fn fn, void *ctx)
{
    int n = 0;
    while (n < max) {
        if (zmq_msg_recv(&s->frames[0], s->sock, ZMQ_DONTWAIT) < 0) break;
        n++;
        s->messages++;
        if (!zmq_msg_more(&s->frames[0])) {
            fn(ctx, NULL, 0, zmq_msg_data(&s->frames[0]), zmq_msg_size(&s->frames[0]));
            continue;
        }
        /* [format][payload]...: the rest of a multipart message has already arrived */
        const char *fmt = zmq_msg_data(&s->frames[0]);
        size_t fl = zmq_msg_size(&s->frames[0]);
        for (int more = 1; more;) {
            if (zmq_msg_recv(&s->frames[1], s->sock, ZMQ_DONTWAIT) < 0) break;
            fn(ctx, fmt, fl, zmq_msg_data(&s->frames[1]), zmq_msg_size(&s->frames[1]));
            more = zmq_msg_more(&s->frames[1]);
        }
    }
    return n;
}

void zmq_source_close(struct zmq_source *s)
{
    if (!s) return;
    zmq_msg_close(&s->frames[0]);
    zmq_msg_close(&s->frames[1]);
    zmq_close(s->sock);
    free(s);
}
