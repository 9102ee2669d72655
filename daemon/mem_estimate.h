/*
 * mem_estimate.h - what a configuration allocates up front, so `--check-config` and the start
 * refuse one that cannot fit instead of aborting on the first allocation: the aligner's open
 * buckets ((lateness / bucket + 2) x max_series accumulators) and per-series state, every
 * scope's window (window x max_series values) and the copy a refresh takes of it, and the link
 * history. Thread: any.
 */
#ifndef CAUSALMON_MEM_ESTIMATE_H
#define CAUSALMON_MEM_ESTIMATE_H

#include "config.h"

#include <stddef.h>

/* Bytes the configuration allocates at start and for its refreshes (an estimate: allocator
 * overhead, librdkafka and ZeroMQ buffers are not counted). */
double mem_estimate_bytes(const struct config *c);

/* The memory the process may use: the smallest of physical memory, RLIMIT_AS and the cgroup's
 * memory.max, in bytes. */
double mem_available_bytes(void);

/* 0 when the estimate fits within half of mem_available_bytes(), else -1 with a message naming
 * the options that drive it. */
int mem_estimate_check(const struct config *c, char *err, size_t errlen);

#endif
