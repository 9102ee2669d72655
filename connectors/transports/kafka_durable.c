/* kafka_durable.c - the durable watermark of each partition of a Kafka source, store=checkpoint
 * (kafka_source.h): offsets are stored only behind checkpointed buckets. */
#include "kafka_internal.h"

#include <stdlib.h>

static int64_t floor_div64(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void kafka_durable_note(struct kafka_source *s, struct part *p, int64_t offset, int64_t event_ns)
{
    p->held = offset + 1;
    if (event_ns < 0) return;
    int64_t b = floor_div64(event_ns, s->grain_ns);
    if (p->count && p->ring[(p->head + p->count - 1) % DURABLE_RING].bucket >= b) return;
    if (!p->ring) p->ring = calloc(DURABLE_RING, sizeof *p->ring);
    if (!p->ring) return;           /* out of memory: the partition is then committed as handled */
    if (p->count == DURABLE_RING) { /* full: the newest entry absorbs this one */
        p->ring[(p->head + p->count - 1) % DURABLE_RING].bucket = b;
        return;
    }
    p->ring[(p->head + p->count) % DURABLE_RING] = (struct durable_entry){offset, b};
    p->count++;
}

void kafka_durable_store(struct kafka_source *s)
{
    if (s->store != KAFKA_STORE_CHECKPOINT || s->durable_ns == INT64_MIN) return;
    int64_t lim = floor_div64(s->durable_ns, s->grain_ns); /* buckets below lim are durable */
    int n = 0;
    for (int a = 0; a < s->nparts; a++) {
        struct part *p = &s->parts[a];
        while (p->count && p->ring[p->head].bucket < lim) {
            p->head = (p->head + 1) % DURABLE_RING;
            p->count--;
        }
        n += p->held >= 0;
    }
    if (n == 0) return;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    for (int a = 0; a < s->nparts; a++) {
        struct part *p = &s->parts[a];
        if (p->held < 0) continue;
        int64_t off = p->count ? p->ring[p->head].offset : p->held;
        rd_kafka_topic_partition_list_add(l, p->topic, p->partition)->offset = off;
        logmsg(LOG_DEBUG, "input %s: %s[%d] durable up to offset %lld (handled %lld)", s->name,
               p->topic, (int)p->partition, (long long)off, (long long)p->held);
    }
    rd_kafka_offsets_store(s->rk, l); /* partitions no longer assigned are skipped */
    rd_kafka_topic_partition_list_destroy(l);
}

void kafka_source_store_durable(struct kafka_source *s, int64_t durable_ns)
{
    if (durable_ns > s->durable_ns) s->durable_ns = durable_ns;
    kafka_durable_store(s);
}
