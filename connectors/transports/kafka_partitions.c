/* kafka_partitions.c - the table of partitions a Kafka source tracks (kafka_internal.h). */
#include "kafka_internal.h"

#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tracked state of a message's partition, or NULL when the table is full. */
struct part *kafka_part_of(struct kafka_source *s, const char *topic, int32_t partition)
{
    if (s->last_part < s->nparts) {
        struct part *p = &s->parts[s->last_part];
        if (p->partition == partition && strcmp(p->topic, topic) == 0) return p;
    }
    for (int a = 0; a < s->nparts; a++)
        if (s->parts[a].partition == partition && strcmp(s->parts[a].topic, topic) == 0) {
            s->last_part = a;
            return &s->parts[a];
        }
    if (s->nparts == PARTS_MAX) return NULL;
    if (!s->parts) s->parts = xcalloc(PARTS_MAX, sizeof *s->parts);
    struct part *p = &s->parts[s->nparts];
    memset(p, 0, sizeof *p); /* a slot freed by kafka_parts_forget keeps a moved entry's ring */
    snprintf(p->topic, sizeof p->topic, "%s", topic);
    p->partition = partition;
    p->held = -1;
    p->event_ns = -1;
    p->included = 1;
    s->last_part = s->nparts++;
    return p;
}

uint64_t kafka_parts_tags(struct kafka_source *s, const rd_kafka_topic_partition_list_t *l)
{
    uint64_t t = 0;
    for (int i = 0; i < l->cnt; i++)
        for (int a = 0; a < s->nparts; a++)
            if (s->parts[a].partition == l->elems[i].partition &&
                strcmp(s->parts[a].topic, l->elems[i].topic) == 0)
                t |= s->parts[a].tags;
    return t;
}

void kafka_parts_forget(struct kafka_source *s, const rd_kafka_topic_partition_list_t *l)
{
    for (int i = 0; i < l->cnt; i++)
        for (int a = 0; a < s->nparts; a++)
            if (s->parts[a].partition == l->elems[i].partition &&
                strcmp(s->parts[a].topic, l->elems[i].topic) == 0) {
                s->npaused -= s->parts[a].align_paused;
                free(s->parts[a].ring);
                s->parts[a] = s->parts[--s->nparts];
                break;
            }
}

void kafka_parts_free(struct kafka_source *s)
{
    for (int a = 0; a < s->nparts; a++) free(s->parts[a].ring);
    free(s->parts);
    s->parts = NULL;
    s->nparts = 0;
}
