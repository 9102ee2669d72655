/*
 * mem_estimate.h - what a configuration allocates, so `--check-config` and the start refuse one
 * that cannot fit instead of aborting on the first allocation:
 *  - resident: the aligner's open buckets ((lateness + hold) / bucket + 2 accumulator rows of
 *    max_series; hold = lateness when an input holds the watermark, i.e. Kafka) and per-series
 *    state; every scope's window (window x max_series values), link history, last graph and
 *    change monitor (its ring, per-series state and the new-parent scan's correlations of every
 *    series with every lagged series, about 3 x tau_max x max_series^2 values:
 *    change_monitor_bytes); with a Kafka input that splits the scopes (handover_dir), each
 *    scope's catch-up aligner (window + 2 buckets of its max_series, scope_owner.h), counted as
 *    if every scope caught up at once;
 *  - transient: what the refreshes and rankings running at the same time allocate. A scope runs
 *    at most one refresh and one ranking at a time, and `workers` threads run jobs, so the
 *    `workers` largest of those jobs count. A refresh takes a snapshot of the window, a copy and
 *    a gap-filled copy of it, and the discovery's scratch: LPCMCI builds two D x D matrices
 *    (the lagged covariance and the correlation, D = max_series x (tau_max + 1)); PCMCI+ on the
 *    gap-filled window uses lag blocks ((2 tau_max + 1) x max_series^2 values, twice) instead;
 *    and the BLAS packing buffers of the thread.
 * Thread: any.
 */
#ifndef CAUSALMON_MEM_ESTIMATE_H
#define CAUSALMON_MEM_ESTIMATE_H

#include "config.h"

#include <stddef.h>

/* The estimate by part, in bytes (allocator overhead, librdkafka and ZeroMQ buffers are not
 * counted). */
struct mem_breakdown {
    double aligner;    /* open buckets and per-series state */
    double scopes;     /* every scope's resident state */
    double jobs;       /* the `workers` largest refreshes and rankings, running at once */
    double checkpoint; /* a checkpoint being written: every window's values and their text */
    double total;      /* aligner + scopes + jobs + checkpoint */
    double refresh_d;  /* the largest refresh's embedded dimension D (0: lag blocks) */
};

/* Peak bytes one refresh of scope s allocates, and one ranking of it. Pure. */
double mem_estimate_refresh_bytes(const struct scope_conf *s);
double mem_estimate_ranking_bytes(const struct scope_conf *s);
/* Bytes the change monitor of scope s keeps, with the scratch of one of its rounds (resident:
 * it runs on the loop thread). Pure. */
double mem_estimate_monitor_bytes(const struct scope_conf *s);

/* Fills *out for configuration c. */
void mem_estimate_breakdown(const struct config *c, struct mem_breakdown *out);

/* Bytes the configuration allocates at start and for its refreshes (breakdown total). */
double mem_estimate_bytes(const struct config *c);

/* The memory the process may use: the smallest of physical memory, RLIMIT_AS and the cgroup's
 * memory.max, in bytes. */
double mem_available_bytes(void);

/* 0 when the estimate fits within half of mem_available_bytes(), else -1 with a message naming
 * the options that drive it. */
int mem_estimate_check(const struct config *c, char *err, size_t errlen);

#endif
