/*
 * kafka_source.h - a Kafka consumer-group source on librdkafka 2.0.2 (docs/conventions.md §3.1).
 *
 * Group semantics: `group.id` (default "causalmon"), `partition.assignment.strategy`
 * cooperative-sticky (the rebalance callback also handles EAGER if a user overrides it), optional
 * static membership (`group.instance.id`), topics by name or `^regex`. Every `rdkafka.*`
 * property passes through and is validated by librdkafka when the source is created; values of
 * secret properties (names containing "password" or "secret") are never logged, and a value
 * "file:PATH" is read from PATH (relative to $CREDENTIALS_DIRECTORY when set).
 *
 * Offsets and the restart rule: `enable.auto.offset.store=false`; a message's offset is stored
 * only after kafka_source_poll's handler returned, i.e. after its records are in the aligner
 * (or it was counted as rejected: a poison message is skipped, never wedges its partition).
 * Stored offsets are auto-committed every 5 s, and committed synchronously on revoke (unless
 * the assignment was lost) and on close. After a crash the group resumes from the last commit,
 * so every record reaches the aligner at least once; records since the last commit are
 * replayed (duplicates are possible; records still in the aligner's open buckets at a crash
 * are lost, because their offsets were committed). That is store=incorporated.
 *
 * store=checkpoint (the default; a durable watermark): an offset is stored only once every
 * record of the messages before it lies in a bucket that was closed and then written in a
 * checkpoint. Per partition the source keeps a small ring of (offset, bucket) marks from the
 * event time each handler returned; kafka_source_store_durable(), called after a checkpoint is
 * durable with the time before which all buckets were closed, stores for each partition the
 * offset of the oldest message that still has records in an open bucket. After a crash the
 * group replays from there: records of buckets in the checkpoint come again and are dropped as
 * duplicates by the restored aligner, those of open buckets are read again. On a revoke and on
 * close only what the last checkpoint made durable is stored, so a rebalance or a stop loses
 * nothing either.
 *
 * Event loop: the consumer queue signals a pipe (kafka_source_fd) when it becomes non-empty,
 * so one zmq_poll serves everything. Backpressure: records go into the aligner synchronously
 * and model refreshes run on workers, so there is no queue between polling and the models to
 * overflow; librdkafka's prefetch is bounded by queued.max.messages.kbytes, and polling never
 * waits for linear algebra (no MAXPOLL). Pausing partitions is used for event-time alignment.
 * Lag is reported for currently assigned partitions only.
 *
 * Event-time alignment (align_ns > 0): when a backlog is read from several partitions, one
 * partition can run far ahead in event time and push the aligner's watermark past records the
 * others have not delivered yet, which would then be late. Two mechanisms (as Flink's
 * per-partition watermarks and watermark alignment):
 *  - the progress mark (on_progress): the newest event time of the slowest partition that still
 *    has a backlog; the aligner's watermark is held at it, so which partition was read first
 *    does not change which records a bucket gets. A partition that is caught up and silent, or
 *    silent for long, stops holding it (idle partitions) until it delivers again.
 *  - pausing: a partition whose newest event is more than align_ns ahead of the slowest is
 *    paused at once (checked at every message), and resumed once that one is within
 *    align_ns / 2, so the skew the hold has to absorb stays about align_ns plus one message.
 *
 * Threads: one owner thread (the event loop) calls everything; librdkafka's own threads only
 * write to the pipe.
 */
#ifndef CAUSALMON_KAFKA_SOURCE_H
#define CAUSALMON_KAFKA_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#define KAFKA_MAX_TOPICS 64
#define KAFKA_MAX_PROPS  64

enum kafka_store { KAFKA_STORE_INCORPORATED = 0, KAFKA_STORE_CHECKPOINT };

struct kafka_source_conf {
    const char *name; /* input name, for logs */
    const char *brokers;
    const char *topics[KAFKA_MAX_TOPICS];
    int ntopics;
    const char *group;                     /* NULL: "causalmon" */
    const char *instance_id;               /* NULL: dynamic membership */
    const char *props[KAFKA_MAX_PROPS][2]; /* rdkafka passthrough: name, value */
    int nprops;
    enum kafka_store store;
    int64_t align_ns; /* event-time alignment of partitions (0: off); see above */
    int64_t grain_ns; /* store=checkpoint: the aligner's bucket width */
    /* align_ns > 0: called (loop thread) whenever the progress mark changes: the newest event
     * time of the slowest partition that is not idle, so every such partition has delivered
     * its records up to it; INT64_MIN while an assigned partition has not delivered yet,
     * INT64_MAX when no partition holds it. May be NULL. */
    void (*on_progress)(void *ctx, int64_t mark_ns);
    void *progress_ctx;
    /* Partitions are being revoked (loop thread, inside kafka_source_poll or close): tags is
     * the union of the tags their messages carried (kafka_source_tag); lost is 1 when the
     * assignment was lost (another member may own them already, nothing is committed). Called
     * before the durable offsets are stored and committed, so the owner may write what must be
     * durable before another member resumes from those offsets. May be NULL. */
    void (*on_revoke)(void *ctx, uint64_t tags, int lost);
    void *revoke_ctx;
};

/* What a handler learns about a message besides its payload (all borrowed for the call). */
struct kafka_meta {
    const char *topic;
    int32_t partition;
    int64_t offset;
    const void *key;
    size_t key_len;
    int64_t ts_ns; /* the message timestamp (create or log-append time), or -1 */
    void *headers; /* rd_kafka_headers_t *, or NULL; read with kafka_meta_header() */
};

/* Finds the last header called name. Returns 0 and sets *val and *len, or -1. */
int kafka_meta_header(const struct kafka_meta *m, const char *name, const void **val, size_t *len);

/* Handles one message; returns when its records are in the aligner (or counted as rejected),
 * with the newest event time among them (-1 if none), for event-time alignment. */
typedef int64_t (*kafka_msg_fn)(void *ctx, const void *payload, size_t len,
                                const struct kafka_meta *m);

struct kafka_stats {
    long messages, errors, rebalances, maxpoll, align_pauses;
};

struct kafka_lag {
    char topic[128];
    int32_t partition;
    int64_t position, high, lag; /* lag = high - position, -1 when unknown */
};

struct kafka_source;

/* Creates the consumer and subscribes. Returns NULL with a message in err when a property is
 * unknown or invalid, or the subscription fails. */
struct kafka_source *kafka_source_new(const struct kafka_source_conf *c, char *err, size_t errlen);

/* The read end of the wake-up pipe; poll it for POLLIN. */
int kafka_source_fd(const struct kafka_source *s);

/* Handles up to max messages (also serving rebalance and error events). Returns the number of
 * messages handled; a return equal to max means more may be waiting (poll again without
 * sleeping). Returns -1 after a fatal error (the caller should exit for systemd to restart). */
int kafka_source_poll(struct kafka_source *s, int max, kafka_msg_fn fn, void *ctx);

/* store=checkpoint: records with event time before durable_ns are in a written checkpoint;
 * stores (auto-committed within 5 s, and on revoke and close) per partition the offset of the
 * oldest message with records at or after it. Does nothing for store=incorporated. */
void kafka_source_store_durable(struct kafka_source *s, int64_t durable_ns);
/* Pauses (pause 1) or resumes (0) fetching of every assigned partition, for the caller's own
 * flow control while it does not poll s: librdkafka then stops fetching instead of filling its
 * queue. Resuming leaves the partitions that the event-time alignment paused paused, and counts
 * their silence from now. Idempotent. Thread: the owner's. */
void kafka_source_pause_all(struct kafka_source *s, int pause);

/* From a message handler: marks the message's partition with tags (OR-ed; the caller's
 * meaning, e.g. the scopes its records belong to), reported to on_revoke when the partition is
 * revoked. Lost when the partition table is full (PARTS_MAX partitions tracked). */
void kafka_source_tag(struct kafka_source *s, uint64_t tags);

/* Fills at most max entries for the assigned partitions; returns the count. */
int kafka_source_lag(struct kafka_source *s, struct kafka_lag *out, int max);
const struct kafka_stats *kafka_source_stats(const struct kafka_source *s);

/* Commits stored offsets, leaves the group and frees the source. */
void kafka_source_close(struct kafka_source *s);

/* 1 if a property's value must not be logged. */
int kafka_prop_is_secret(const char *name);

#endif
