/*
 * kafka_internal.h - the state a Kafka source shares between its files (not part of the API;
 * kafka_source.h is): the consumer (kafka_source.c), the table of tracked partitions
 * (kafka_partitions.c), the durable watermark of each partition (kafka_durable.c) and the
 * event-time alignment of partitions (kafka_align.c). Thread: the source's owner thread, for
 * every function here.
 */
#ifndef CAUSALMON_KAFKA_INTERNAL_H
#define CAUSALMON_KAFKA_INTERNAL_H

#include "kafka_source.h"
#include "logmsg.h"

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#define PARTS_MAX 4096 /* partitions tracked for held offsets and event-time alignment */

/* store=checkpoint: the durable watermark of a partition. Each entry is (offset, bucket): the
 * first message at `offset` whose records reach `bucket` (event time / grain); entries are kept
 * only when their bucket is above every earlier entry's, so the first entry whose bucket is not
 * yet durable names the oldest message that still has records in an open bucket. When the ring
 * is full the newest entry absorbs the next one (it keeps its offset and takes the larger
 * bucket): safe, it can only delay a commit. */
#define DURABLE_RING 256
struct durable_entry {
    int64_t offset, bucket;
};

/* What we track per partition that has delivered messages. */
struct part {
    char topic[256]; /* Kafka topic names have at most 249 bytes */
    int32_t partition;
    int64_t held;               /* store=checkpoint: offset after the last handled message, or -1 */
    struct durable_entry *ring; /* DURABLE_RING entries, allocated on first use */
    int head, count;
    int64_t event_ns; /* newest event time its messages carried, or -1 */
    double last_s;    /* monotonic time of its last message (or assignment) */
    int align_paused;
    int included;  /* counts for the slowest partition (not idle, or delivering again) */
    uint64_t tags; /* the owner's tags of the messages it carried (kafka_source_tag) */
};

struct kafka_source {
    char name[64];
    rd_kafka_t *rk;
    rd_kafka_queue_t *queue;
    int pipe[2];
    enum kafka_store store;
    int64_t align_ns;
    int64_t grain_ns;   /* bucket width for the durable watermark */
    int64_t durable_ns; /* records with event time below it are durable (INT64_MIN: none) */
    struct part *parts;
    int nparts, last_part;
    long since_align;
    int64_t slowest_ns; /* newest event of the slowest partition with a backlog; INT64_MIN:
                           one has not delivered yet; INT64_MAX: none is behind */
    double last_align_s;
    int slowest_part;              /* index of the slowest partition, or -1 */
    int npaused;                   /* partitions paused by the alignment */
    int all_paused;                /* kafka_source_pause_all(s, 1) is in force */
    double last_msg_s, flow_since; /* last message from any partition; start of the flow */
    void (*on_progress)(void *ctx, int64_t mark_ns);
    void *progress_ctx;
    void (*on_revoke)(void *ctx, uint64_t tags, int lost);
    void *revoke_ctx;
    uint64_t msg_tags;   /* tags of the message being handled */
    int64_t reported_ns; /* the last mark given to on_progress */
    volatile int fatal;
    struct kafka_stats st;
    struct log_limit err_limit;
};

/* The partition table (kafka_partitions.c). The tracked state of a partition, created on first
 * use; NULL when PARTS_MAX partitions are tracked already. */
struct part *kafka_part_of(struct kafka_source *s, const char *topic, int32_t partition);
/* The union of the tags of the tracked partitions in l. */
uint64_t kafka_parts_tags(struct kafka_source *s, const rd_kafka_topic_partition_list_t *l);
/* Forgets the partitions in l (revoked): their durable ring and pause state go. */
void kafka_parts_forget(struct kafka_source *s, const rd_kafka_topic_partition_list_t *l);
/* Frees the table. */
void kafka_parts_free(struct kafka_source *s);

/* The durable watermark (kafka_durable.c), store=checkpoint. Notes that the message at offset of
 * p carried records up to event time event_ns (-1: none). */
void kafka_durable_note(struct kafka_source *s, struct part *p, int64_t offset, int64_t event_ns);
/* Stores, per partition, the offset of the oldest message with records at or after
 * s->durable_ns (or after the last handled message when there is none); librdkafka commits it. */
void kafka_durable_store(struct kafka_source *s);

/* Event-time alignment (kafka_align.c), align_ns > 0. Monotonic seconds. */
double kafka_mono_now(void);
/* Newly assigned partitions: tracked from now, and holding the progress mark until they
 * deliver. */
void kafka_align_assigned(struct kafka_source *s, const rd_kafka_topic_partition_list_t *l);
/* Recomputes the slowest partition and reports the progress mark (after a revoke). */
void kafka_align_update(struct kafka_source *s);
/* A message of tracked partition p was handled; its records reach event_ns (-1: none). */
void kafka_align_seen(struct kafka_source *s, struct part *p, int64_t event_ns);
/* Re-evaluates idle partitions, pauses and resumes (every 64 messages, and every 0.1 s). */
void kafka_align_evaluate(struct kafka_source *s);

#endif
