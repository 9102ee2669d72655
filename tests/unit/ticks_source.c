/* ticks_source.c - a test-only input type, to show that a new source is one file plus one
 * registry line: `type: ticks` emits `count` ticks, `step` seconds apart in event time, of two
 * series MEASUREMENT.up and MEASUREMENT.down as line protocol, at most `slice` per poll (and says
 * it has more waiting), then ends. Its options are its own (a struct in the input's ext area); it
 * counts its ticks in its own stats family, and the loop's pause and resume calls, checking that
 * it is never polled while paused. */
#include "source.h"
#include "sources.h"

#include "config_table.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* The type's options, in the input's ext area. */
struct ticks_conf {
    int count, step, slice;
    char measurement[32];
};
_Static_assert(sizeof(struct ticks_conf) <= sizeof(((struct input_conf *)0)->ext),
               "ticks options fit the input's ext area");

#define OPT_STRUCT ticks_conf
static const struct opt TICKS_OPTS[] = {
    OPT_INT("count", count, 100, 1, 1000000, RELOAD_RESTART, "ticks to emit"),
    OPT_INT("step", step, 1, 1, 3600, RELOAD_RESTART, "event-time seconds between ticks"),
    OPT_INT("slice", slice, 512, 1, 100000, RELOAD_RESTART, "ticks per poll at most"),
    OPT_STR("measurement", measurement, "tick", RELOAD_RESTART, "the series' prefix"),
    OPT_END,
};
#undef OPT_STRUCT

struct ticks {
    const struct ticks_conf *c;
    long next;
    int paused;
    long pauses, resumes, polled_paused;
};

static int open_ticks(struct source *s, char *err, size_t errlen)
{
    struct ticks *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t->c = (const struct ticks_conf *)s->conf->ext;
    s->impl = t;
    return 0;
}

static int poll_ticks(struct source *s, int budget, struct source_turn *turn)
{
    struct ticks *t = s->impl;
    t->polled_paused += t->paused;
    int n = 0;
    for (; n < budget && n < t->c->slice && t->next < t->c->count; n++, t->next++) {
        char line[160];
        int len = snprintf(line, sizeof line, "%s up=%ld,down=%ld %lld\n", t->c->measurement,
                           t->next, -t->next, (1700000000LL + t->next * t->c->step) * 1000000000LL);
        struct ingest_meta m = {source_wall_ns(), -1, NULL, 0};
        source_deliver(s, -1, &m, line, (size_t)len);
    }
    turn->done = t->next == t->c->count;
    turn->backlog = !turn->done;
    return n;
}

static void pause_ticks(struct source *s)
{
    struct ticks *t = s->impl;
    t->paused = 1;
    t->pauses++;
}

static void resume_ticks(struct source *s)
{
    struct ticks *t = s->impl;
    t->paused = 0;
    t->resumes++;
}

/* One collector per struct ticks field. */
#define TICKS_COUNTER(fn, field)                                                                   \
    static void fn(void *ctx, struct stats_emit *e)                                                \
    {                                                                                              \
        struct sources *ss = ctx;                                                                  \
        for (int a = 0; a < ss->n; a++)                                                            \
            if (ss->s[a].impl && ss->s[a].ops->poll == poll_ticks)                                 \
                stats_sample(e, (double)((struct ticks *)ss->s[a].impl)->field,                    \
                             ss->s[a].conf->name);                                                 \
    }
TICKS_COUNTER(emitted, next)
TICKS_COUNTER(paused, pauses)
TICKS_COUNTER(resumed, resumes)
TICKS_COUNTER(polled_paused, polled_paused)

static void stats_ticks(struct sources *ss, struct stats *reg)
{
    const struct stat_family fams[] = {
        {"causalmon_ticks_emitted_total",
         "Ticks a ticks input emitted.",
         STAT_COUNTER,
         "inputs[name=input].ticks",
         {"input"},
         emitted,
         ss},
        {"causalmon_ticks_pause_calls_total",
         "Pause operations the loop called on a ticks input.",
         STAT_COUNTER,
         "inputs[name=input].ticks_pause_calls",
         {"input"},
         paused,
         ss},
        {"causalmon_ticks_resume_calls_total",
         "Resume operations the loop called on a ticks input.",
         STAT_COUNTER,
         "inputs[name=input].ticks_resume_calls",
         {"input"},
         resumed,
         ss},
        {"causalmon_ticks_polled_paused_total",
         "Polls of a ticks input while it was paused (never expected).",
         STAT_COUNTER,
         "inputs[name=input].ticks_polled_paused",
         {"input"},
         polled_paused,
         ss},
    };
    for (size_t k = 0; k < sizeof fams / sizeof fams[0]; k++) stats_register(reg, &fams[k]);
}

static void close_ticks(struct source *s)
{
    free(s->impl);
    s->impl = NULL;
}

const struct source_ops ticks_source = {
    .type = "ticks",
    .opts = TICKS_OPTS,
    .opts_off = offsetof(struct input_conf, ext),
    .open = open_ticks,
    .poll = poll_ticks,
    .pause = pause_ticks,
    .resume = resume_ticks,
    .stats = stats_ticks,
    .close = close_ticks,
};
