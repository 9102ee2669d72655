/* source_zmq.c - the zmq_pull (binds, CURVE when enabled) and zmq_sub (connects) input types. A
 * paused zmq_pull input's socket is not polled (no pause operation): its high-water mark
 * (rcvhwm) then pushes back on PUSH senders. A PUB sender would drop beyond it, so a zmq_sub
 * input is never paused (never_pause). */
#include "source.h"
#include "zmq_source.h"

#include "config_table.h"

#include <stdio.h>

#define OPT_STRUCT input_conf
#define ZMQ_COMMON_OPTS                                                                            \
    OPT_STR("endpoint", endpoint, "", RELOAD_RESTART, "the endpoint, e.g. tcp://127.0.0.1:7001"),  \
        OPT_INT("rcvhwm", rcvhwm, 10000, 0, 10000000, RELOAD_RESTART,                              \
                "receive high-water mark, messages"),                                              \
        OPT_INT("max_message", max_message, 16777216, 1024, 1073741824, RELOAD_RESTART,            \
                "largest message frame in bytes; ZeroMQ drops the sender's connection on a "       \
                "bigger one")
static const struct opt PULL_OPTS[] = {ZMQ_COMMON_OPTS, OPT_END};
static const struct opt SUB_OPTS[] = {
    ZMQ_COMMON_OPTS,
    OPT_STR("subscribe", subscribe, "", RELOAD_RESTART, "subscription prefix (empty: everything)"),
    OPT_END,
};
#undef OPT_STRUCT

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
    .type = "zmq_pull",
    .opts = PULL_OPTS,
    .check = check,
    .open = open_pull,
    .pollitem = pollitem,
    .poll = poll,
    .close = close_source,
};
const struct source_ops source_zmq_sub = {
    .type = "zmq_sub",
    .opts = SUB_OPTS,
    .check = check,
    .open = open_sub,
    .pollitem = pollitem,
    .poll = poll,
    .close = close_source,
    .never_pause = 1, /* a PUB sender drops what a paused SUB does not read */
};
