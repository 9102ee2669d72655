/*
 * zmq_source.h - ZeroMQ ingest sockets (docs/conventions.md §3.3): SUB connects to an existing
 * publisher (drops silently at the HWM, as PUB/SUB does), PULL binds and is preferred when loss
 * matters (the pusher blocks at the HWM: backpressure).
 *
 * Framing: a one-frame message is a payload in the input's configured format; a multipart
 * message is [format][payload]...: the first frame names the format of the payload frames that
 * follow ("influx", "json", "log", ...). On SUB the format frame is also the topic, so a
 * subscription prefix can select formats. ZMTP heartbeats are on; linger is 500 ms.
 * One owner thread.
 */
#ifndef CAUSALMON_ZMQ_SOURCE_H
#define CAUSALMON_ZMQ_SOURCE_H

#include <stddef.h>

enum zmq_source_kind { ZSRC_SUB = 0, ZSRC_PULL };

struct zmq_source_conf {
    const char *name;
    enum zmq_source_kind kind;
    const char *endpoint;    /* e.g. tcp://127.0.0.1:7001 */
    const char *subscribe;   /* SUB prefix; NULL or "" = everything */
    int rcvhwm;              /* 0: ZeroMQ's default (1000) */
    struct zmq_curve *curve; /* PULL: a CURVE server with the allow-list, or NULL */
};

/* Receives one payload; fmt is the format frame (not NUL-terminated) or NULL for a one-frame
 * message. The bytes are valid during the call only. */
typedef void (*zmq_payload_fn)(void *ctx, const char *fmt, size_t fmt_len, const char *payload,
                               size_t len);

struct zmq_source;

/* Creates, binds (PULL) or connects (SUB) the socket. Returns NULL with a message on a bad
 * endpoint or a failed bind. */
struct zmq_source *zmq_source_new(void *zctx, const struct zmq_source_conf *c, char *err,
                                  size_t errlen);
/* The socket, for zmq_poll. */
void *zmq_source_socket(const struct zmq_source *s);
/* Receives up to max messages without blocking. Returns the number received (== max: more may
 * be waiting). */
int zmq_source_poll(struct zmq_source *s, int max, zmq_payload_fn fn, void *ctx);
/* Messages received so far. */
long zmq_source_messages(const struct zmq_source *s);
void zmq_source_close(struct zmq_source *s);

/* Applies the house socket options: linger 500 ms and ZMTP heartbeats (5 s interval, 15 s
 * timeout). */
void zmq_socket_defaults(void *sock);

#endif
