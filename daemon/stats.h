/*
 * stats.h - the daemon's one registry of counters and gauges. A module registers a family
 * (Prometheus name, help, type, label names, where status JSON puts it, and a collector that
 * emits the current values); `query status` and /metrics are two renderers of the same registry,
 * so the two views list the same numbers (docs/status.md).
 *
 * Where a family lands in status JSON is a path of segments separated by '.':
 *   key              an object member
 *   key[f=label,...] an array member of `key` whose fields f equal the sample's label values
 *                    (created with those fields when missing; a `partition` is a number)
 *   {label}          an object member named by the sample's label value
 * and the last segment names the value, e.g. "inputs[name=input].rejected.{reason}".
 *
 * Thread: the loop registers and renders; collectors run on the loop. No global state.
 */
#ifndef CAUSALMON_STATS_H
#define CAUSALMON_STATS_H
#include <jansson.h>

#include "prom_text.h"

#define STATS_MAX_FAMILIES 96
#define STATS_MAX_LABELS   3

enum stat_type { STAT_COUNTER, STAT_GAUGE };

struct stats_emit; /* what a collector writes its samples to */

/* Emits the current values of a family: one stats_sample() per label set. */
typedef void (*stats_collect_fn)(void *ctx, struct stats_emit *e);

struct stat_family {
    const char *name; /* causalmon_..., unique */
    const char *help;
    enum stat_type type;
    const char *json;                     /* path in status JSON (see above) */
    const char *labels[STATS_MAX_LABELS]; /* label names, NULL-terminated if fewer */
    stats_collect_fn collect;
    void *ctx;
};

struct stats {
    struct stat_family f[STATS_MAX_FAMILIES];
    int n;
};

/* Adds a family (copied; its strings and ctx must outlive the registry). Returns 0, or -1 when
 * the registry is full or the name is taken (a programming error, logged here). */
int stats_register(struct stats *s, const struct stat_family *f);

/* Emits one sample: v with the family's label values in order (as many as it has labels).
 * From a collector only (the loop thread). */
void stats_sample(struct stats_emit *e, double v, ...);

/* Renders every family as Prometheus text (HELP, TYPE, samples) appended to t. */
void stats_prometheus(const struct stats *s, struct prom_text *t);

/* Writes every sample into root at its JSON path (creating members and array items as needed;
 * existing values at those paths are replaced). Returns 0, or -1 when a path does not fit the
 * document (e.g. a member that is not an object): that sample is skipped. */
int stats_json(const struct stats *s, json_t *root);

/* Names of every family, in registration order (for tests and docs): calls fn for each. */
void stats_names(const struct stats *s, void (*fn)(void *ctx, const char *name), void *ctx);

#endif
