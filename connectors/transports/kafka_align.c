/* kafka_align.c - event-time alignment of the partitions of a Kafka source (kafka_source.h):
 * the progress mark that holds the aligner's watermark at the slowest partition, and pausing of
 * partitions that run ahead. */
#include "kafka_internal.h"

#include <time.h>

static void pause_one(struct kafka_source *s, struct part *p, int pause)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
    if (pause)
        rd_kafka_pause_partitions(s->rk, l);
    else
        rd_kafka_resume_partitions(s->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    s->npaused += pause - p->align_paused;
    p->align_paused = pause;
}

double kafka_mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* 1 if the partition is known to have nothing left to read (position at the high watermark). */
static int caught_up(struct kafka_source *s, const struct part *p)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
    rd_kafka_position(s->rk, l);
    int64_t pos = l->elems[0].offset, lo = -1, hi = -1;
    rd_kafka_topic_partition_list_destroy(l);
    if (rd_kafka_get_watermark_offsets(s->rk, p->topic, p->partition, &lo, &hi) || hi < 0)
        return 0; /* nothing known yet */
    return pos >= 0 ? pos >= hi : lo >= hi;
}

/* The slowest partition: the oldest newest-event among the included partitions; one that has
 * not delivered yet counts as oldest of all (slowest_ns INT64_MIN), and INT64_MAX means none is
 * included. Reports a changed mark through on_progress: every included partition has delivered
 * its records up to it, so the aligner's watermark may follow it. */
static void update_slowest(struct kafka_source *s)
{
    int64_t slowest = INT64_MAX;
    int unknown = 0;
    s->slowest_part = -1;
    for (int a = 0; a < s->nparts; a++) {
        struct part *p = &s->parts[a];
        if (!p->included) continue;
        if (p->event_ns < 0) {
            unknown = 1;
        } else if (p->event_ns < slowest) {
            slowest = p->event_ns;
            s->slowest_part = a;
        }
    }
    s->slowest_ns = unknown ? INT64_MIN : slowest;
    if (unknown) s->slowest_part = -1; /* every partition that delivered waits for it */
    if (s->on_progress && s->slowest_ns != s->reported_ns) {
        s->reported_ns = s->slowest_ns;
        s->on_progress(s->progress_ctx, s->slowest_ns);
    }
}

/* Event-time alignment. The slowest partition is the one with the oldest newest-event among
 * those that may still have records to deliver, paused ones included; one that has not
 * delivered yet counts as oldest of all. A partition is left out when it looks caught up
 * (position at its cached high watermark) and has been silent for ALIGN_GRACE_S since records
 * started flowing again after a lull that was not of our own making (the cached watermark is
 * stale until its next fetch answers, so a burst arriving everywhere at once must not let one
 * partition run ahead), or when it has been silent that long for ALIGN_IDLE_S without being
 * paused by us (a stuck partition must not stop the others for longer than that). Silence is
 * counted from the start of the flow, so a partition whose first fetch is still on its way
 * after an idle period is waited for. A partition left out counts again once it delivers.
 * Partitions more than align_ns ahead of the slowest are paused (checked at every message, so a
 * partition cannot run further ahead than one message), paused ones within align_ns / 2 of it
 * are resumed, and all are resumed when none is behind. The slowest partition itself is never
 * paused, so reading never stops. */
#define ALIGN_GRACE_S 1.0
#define ALIGN_IDLE_S  5.0
void kafka_align_evaluate(struct kafka_source *s)
{
    s->since_align = 0;
    double now = kafka_mono_now();
    for (int a = 0; a < s->nparts; a++) {
        struct part *p = &s->parts[a];
        double silent = now - (p->last_s > s->flow_since ? p->last_s : s->flow_since);
        p->included = !((!p->align_paused && silent > ALIGN_IDLE_S) ||
                        (silent >= ALIGN_GRACE_S && caught_up(s, p)));
    }
    update_slowest(s);
    int64_t slowest = s->slowest_ns;
    int unknown = slowest == INT64_MIN;
    for (int a = 0; a < s->nparts; a++) {
        struct part *p = &s->parts[a];
        if (p->event_ns < 0) continue;
        int ahead = unknown || (slowest != INT64_MAX && p->event_ns - slowest > s->align_ns);
        int near = !unknown && (slowest == INT64_MAX || p->event_ns - slowest <= s->align_ns / 2);
        if (!p->align_paused && ahead && a != s->slowest_part) {
            pause_one(s, p, 1);
            s->st.align_pauses++;
        } else if (p->align_paused && (near || a == s->slowest_part)) {
            pause_one(s, p, 0);
            p->last_s = now; /* silent until now because we paused it */
        }
    }
    s->last_align_s = now;
}

/* A message of tracked partition p carried records up to event_ns: the slowest partition and
 * the mark follow it, and p is paused at once if it runs more than align_ns ahead. */
static void align_message(struct kafka_source *s, struct part *p, int64_t event_ns)
{
    int idx = (int)(p - s->parts);
    int was_slowest = idx == s->slowest_part || s->slowest_ns == INT64_MIN || !p->included;
    p->event_ns = event_ns;
    p->included = 1;
    if (was_slowest) update_slowest(s);
    if (!p->align_paused && s->slowest_ns != INT64_MAX && idx != s->slowest_part &&
        (s->slowest_ns == INT64_MIN || event_ns - s->slowest_ns > s->align_ns)) {
        pause_one(s, p, 1);
        s->st.align_pauses++;
    }
    if (s->slowest_part >= 0 && s->parts[s->slowest_part].align_paused) {
        pause_one(s, &s->parts[s->slowest_part], 0); /* the slowest one always reads */
        s->parts[s->slowest_part].last_s = kafka_mono_now();
    }
}

void kafka_align_assigned(struct kafka_source *s, const rd_kafka_topic_partition_list_t *l)
{
    double now = kafka_mono_now();
    for (int i = 0; i < l->cnt; i++) {
        struct part *p = kafka_part_of(s, l->elems[i].topic, l->elems[i].partition);
        if (p) p->last_s = now;
    }
    update_slowest(s); /* a new partition holds the mark until it delivers */
}

void kafka_align_update(struct kafka_source *s)
{
    update_slowest(s);
}

void kafka_align_seen(struct kafka_source *s, struct part *p, int64_t event_ns)
{
    double now = kafka_mono_now();
    /* records flow again after a lull - not one caused by our own pausing */
    if (now - s->last_msg_s > ALIGN_GRACE_S && s->npaused == 0) {
        s->flow_since = now;
        s->since_align = 63; /* evaluate after this message */
    }
    s->last_msg_s = now;
    p->last_s = now;
    if (event_ns <= p->event_ns) return;
    if (s->align_ns > 0)
        align_message(s, p, event_ns);
    else
        p->event_ns = event_ns;
}
