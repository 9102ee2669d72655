/*
 * source.h - an input of the daemon as a plugin, the way Fluent Bit does its input plugins: a
 * table of operations (struct source_ops) per input type, one file per connector
 * (source_zmq.c, source_kafka.c, source_file.c, source_http.c) and one registry line each in
 * sources.c. The loop never names a connector: it opens, polls, stores durability, collects
 * stats and closes every input through these operations.
 *
 * A source hands each message it takes to source_deliver(), which decodes it through the
 * shared ingest path (the aligner, the log templates, reject counting by reason).
 *
 * The loop takes at most a budget per source and turn. It pauses a source whose records cannot
 * be accepted right now, and resumes it when they can: the aligner has one watermark for all
 * inputs, so an input that reads a backlog far ahead (in event time) of another input that also
 * has a backlog would close buckets the other still owes, and the other's records would then be
 * rejected as late. An input with a backlog more than lateness/2 ahead of the slowest input with
 * a backlog is paused, and resumed when it is within lateness/4 of it, when no input with a
 * backlog is behind it any more, or after SOURCE_PAUSE_MAX_S (then polled once before it may be
 * paused again). An input reading live (no backlog) is never paused. A paused source is not
 * polled and gives no pollitem, and pushes back through its own transport: a PULL socket's
 * high-water mark, Kafka (its pause stops fetching), an HTTP queue that answers 429/503, a file
 * that is not read. Its pause/resume operations are told too (sources.c). A type whose transport
 * would drop instead (a SUB socket) sets never_pause.
 *
 * Thread: the loop, for every operation; a connector may run threads of its own behind them.
 */
#ifndef CAUSALMON_SOURCE_H
#define CAUSALMON_SOURCE_H
#include "config.h"
#include "ingest.h"
#include "stats.h"

#include <stdint.h>
#include <zmq.h>

struct zmq_curve;
struct opt;
struct source;
struct sources;

/* What the daemon lends every source: owned by the daemon, valid until the source is closed. */
struct source_env {
    void *zctx;              /* ZeroMQ context */
    struct zmq_curve *curve; /* CURVE server keys for bound sockets (NULL: plain) */
    struct ingest *in;       /* where decoded records go */
    const struct config *conf;
    double *last_record; /* the loop's "a record arrived" monotonic time, updated */
    /* scope ownership (scope_owner.h), for an input whose group splits the scopes: partitions
     * whose messages carried records of the scopes in tags are being revoked (lost: the
     * assignment was lost). Called before their offsets are stored. */
    void (*revoked)(void *ctx, uint64_t tags, int lost);
    void *owner_ctx;
};

/* What one poll reports beyond the count of messages taken. */
struct source_turn {
    int backlog; /* more is waiting right now: poll again without sleeping */
    double due;  /* > 0: seconds until this source has work again (a paced file) */
    int fatal;   /* the source cannot go on; the daemon exits for a restart */
    int done;    /* a finite source (a file) has nothing more to give */
};

struct source_ops {
    const char *type; /* the config's inputs[].type */
    /* The type's own options (config_table.h rows, ended by OPT_END; NULL: none), accepted in
     * inputs[] items of this type besides the common ones; an item of another type that sets
     * one is refused. Their fields are at opts_off in struct input_conf: 0 for the built-in
     * types, whose fields are input_conf's; offsetof(struct input_conf, ext) for a type that
     * keeps a struct of its own there. */
    const struct opt *opts;
    size_t opts_off;
    /* Cross-field checks of the type's options (e.g. a required key). 0, or -1 with a message
     * naming the key. May be NULL. Any thread. */
    int (*check)(const struct input_conf *c, char *err, size_t errlen);
    /* Starts the input; fills s->impl. 0, or -1 with a message (close is still called). */
    int (*open)(struct source *s, char *err, size_t errlen);
    /* The socket or fd whose readability means "poll me"; 0 when there is none (the loop's
     * timer drives the source). */
    int (*pollitem)(struct source *s, zmq_pollitem_t *item);
    /* Takes at most budget messages, handing each to source_deliver. Returns how many. */
    int (*poll)(struct source *s, int budget, struct source_turn *turn);
    /* Records with event times before closed_ns are durable (checkpointed): a source that can
     * replay may now forget them (Kafka stores its offsets). May be NULL. */
    void (*on_durable)(struct source *s, int64_t closed_ns);
    /* 1 when the source can replay what was not durable at a stop (open buckets may then stay
     * open across a restart). May be NULL (0). */
    int (*replayable)(const struct source *s);
    /* Registers the type's own counter families (lag, requests, ...), whose collectors walk the
     * inputs of this type in ss. Called once per type in use. May be NULL. */
    void (*stats)(struct sources *ss, struct stats *reg);
    /* The loop stops polling s (pause) or polls it again (resume), for what the source must
     * do beyond not being read (kafka: stop fetching). May be NULL: not being polled is the
     * whole pause (zmq, file, http). */
    void (*pause)(struct source *s);
    void (*resume)(struct source *s);
    /* Stops the input and frees s->impl (also after a failed open). */
    void (*close)(struct source *s);
    /* 1 when the input reads several ordered streams at different paces (Kafka partitions) and
     * holds the aligner's watermark at its slowest stream (aligner_set_hold, through
     * s->holder): the aligner then keeps up to one lateness more of open buckets. */
    int holds_watermark;
    /* 1 when the transport drops what waits while the input is not read (a SUB socket beyond
     * its high-water mark): the loop never pauses such an input, since a pause would lose more
     * than the late records it saves. */
    int never_pause;
};

/* The longest a source stays paused before it is polled once again, seconds (below Kafka's
 * max.poll.interval.ms default of 300 s). */
#define SOURCE_PAUSE_MAX_S 30.0

struct source {
    const struct source_ops *ops;
    const struct input_conf *conf; /* points into the running configuration */
    const struct source_env *env;
    struct input_decoding dec;
    struct reject_stats st;
    int done;
    int more;         /* had more waiting at its last poll (a backlog) */
    int64_t event_ns; /* the newest event time it delivered, -1 none */
    int paused;
    double paused_at; /* monotonic seconds */
    long pauses;      /* times paused */
    int holder;       /* the aligner holder id of an input that holds_watermark, else -1 */
    void *impl;       /* the connector's state */
};

/* Decodes one message of s through the ingest path: fmt is an ingest format id (-1: the
 * input's), m its metadata. Loop thread. */
void source_deliver(struct source *s, int fmt, const struct ingest_meta *m, const void *p,
                    size_t len);

/* Wall-clock nanoseconds (the receive time of records without their own), and monotonic
 * seconds. Any thread. */
int64_t source_wall_ns(void);
double source_mono(void);

#endif
