/* ticks_source.c - a test-only input type, to show that a new source is one file plus one
 * registry line: `type: ticks` emits `count` (its own option) seconds of two series tick.up and
 * tick.down as line protocol, then ends; it counts its ticks in its own stats family. */
#include "source.h"
#include "sources.h"

#include "config_table.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* The type's options, in the input's ext area. */
struct ticks_conf {
    int count;
};
_Static_assert(sizeof(struct ticks_conf) <= sizeof(((struct input_conf *)0)->ext),
               "ticks options fit the input's ext area");

#define OPT_STRUCT ticks_conf
static const struct opt TICKS_OPTS[] = {
    OPT_INT("count", count, 100, 1, 1000000, RELOAD_RESTART, "seconds of ticks to emit"),
    OPT_END,
};
#undef OPT_STRUCT

struct ticks {
    long next, count;
};

static int open_ticks(struct source *s, char *err, size_t errlen)
{
    struct ticks *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t->count = ((const struct ticks_conf *)s->conf->ext)->count;
    s->impl = t;
    return 0;
}

static int poll_ticks(struct source *s, int budget, struct source_turn *turn)
{
    struct ticks *t = s->impl;
    int n = 0;
    for (; n < budget && t->next < t->count; n++, t->next++) {
        char line[128];
        int len = snprintf(line, sizeof line, "tick up=%ld,down=%ld %lld\n", t->next, -t->next,
                           (1700000000LL + t->next) * 1000000000LL);
        struct ingest_meta m = {source_wall_ns(), -1, NULL, 0};
        source_deliver(s, -1, &m, line, (size_t)len);
    }
    turn->done = t->next == t->count;
    return n;
}

static void emitted(void *ctx, struct stats_emit *e)
{
    struct sources *ss = ctx;
    for (int a = 0; a < ss->n; a++)
        if (ss->s[a].impl && ss->s[a].ops->poll == poll_ticks)
            stats_sample(e, (double)((struct ticks *)ss->s[a].impl)->next, ss->s[a].conf->name);
}

static void stats_ticks(struct sources *ss, struct stats *reg)
{
    struct stat_family f = {"causalmon_ticks_emitted_total",
                            "Ticks a ticks input emitted.",
                            STAT_COUNTER,
                            "inputs[name=input].ticks",
                            {"input"},
                            emitted,
                            ss};
    stats_register(reg, &f);
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
    .stats = stats_ticks,
    .close = close_ticks,
};
