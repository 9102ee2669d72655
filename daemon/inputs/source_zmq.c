/* source_zmq.c - the zmq_pull (binds, CURVE when enabled) and zmq_sub (connects) input types. */
#include "source.h"
#include "zmq_source.h"

#include <stdio.h>

static int check(const struct input_conf *c, char *err, size_t errlen)
{
    if (c->endpoint[0]) return 0;
    snprintf(err, errlen, "a zmq input needs 'endpoint'");
    return -1;
}

static int open_as(struct source *s, enum zmq_source_kind kind, char *err, size_t errlen)
{
    const struct input_conf *c = s->conf;
    struct zmq_source_conf zc = {c->name,
                                 kind,
                                 c->endpoint,
                                 c->subscribe,
                                 c->rcvhwm,
                                 c->max_message,
                                 kind == ZSRC_PULL ? s->env->curve : NULL};
    s->impl = zmq_source_new(s->env->zctx, &zc, err, errlen);
    return s->impl ? 0 : -1;
}

static int open_pull(struct source *s, char *err, size_t errlen)
{
    return open_as(s, ZSRC_PULL, err, errlen);
}

static int open_sub(struct source *s, char *err, size_t errlen)
{
    return open_as(s, ZSRC_SUB, err, errlen);
}

static int pollitem(struct source *s, zmq_pollitem_t *item)
{
    item->socket = zmq_source_socket(s->impl);
    return 1;
}

static void on_message(void *ctx, const char *fmt, size_t fl, const char *p, size_t len)
{
    struct ingest_meta m = {source_wall_ns(), -1, NULL, 0};
    source_deliver(ctx, fmt ? ingest_message_format(fmt, fl) : -1, &m, p, len);
}

static int poll(struct source *s, int budget, struct source_turn *turn)
{
    (void)turn;
    return zmq_source_poll(s->impl, budget, on_message, s);
}

static void close_source(struct source *s)
{
    zmq_source_close(s->impl);
    s->impl = NULL;
}

const struct source_ops source_zmq_pull = {
    "zmq_pull", check, open_pull, pollitem, poll, NULL, NULL, NULL, close_source, 0,
};
const struct source_ops source_zmq_sub = {
    "zmq_sub", check, open_sub, pollitem, poll, NULL, NULL, NULL, close_source, 0,
};
