/*
 * prom_remote.h - Prometheus remote_write WriteRequest (protobuf, already snappy-decoded) ->
 * metric records. Each sample of a time series becomes a record named like the other
 * Prometheus forms (json_metrics.h): `__name__` followed by `{k1=v1,k2=v2}` with the other
 * labels sorted by name (bytewise), braces only when there are such labels. Timestamps are
 * milliseconds. Counting: each time series is a line; a series without __name__
 * (missing_field), a name over PROM_MAX_NAME bytes (name_too_long) or a timestamp outside
 * [1970, 2100) (timestamp) is rejected; NaN samples (Prometheus' staleness markers) and
 * infinities are skipped_fields. Metadata, exemplars and native histograms are ignored.
 * Malformed protobuf stops the message (syntax): the rest cannot be framed.
 * Pure; any thread; never reads outside buf[0..len).
 */
#ifndef CAUSALMON_PROM_REMOTE_H
#define CAUSALMON_PROM_REMOTE_H

#include "record.h"
#include "reject.h"

#include <stddef.h>

#define PROM_MAX_NAME   1024
#define PROM_MAX_LABELS 64

/* Parses buf[0..len) and calls fn for every record. Returns 0, 1 if fn asked to stop, or -1
 * after malformed protobuf (counted). */
int prom_remote_parse(const char *buf, size_t len, metric_record_fn fn, void *ctx,
                      struct reject_stats *st);

#endif
