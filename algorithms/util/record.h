/*
 * record.h - the record types that cross from connectors/ into algorithms/ (docs/architecture.md
 * §1).
 *
 * A metric record is (series name, timestamp, value). Timestamps are int64 nanoseconds since
 * the Unix epoch, exact for every precision a source can send. The name is borrowed: it points
 * into the producer's buffer and is valid only during the callback that delivers the record.
 */
#ifndef CAUSALMON_RECORD_H
#define CAUSALMON_RECORD_H

#include <stddef.h>
#include <stdint.h>

struct metric_record {
    const char *name; /* series name, not NUL-terminated; borrowed */
    size_t name_len;
    int64_t ts_ns; /* event time, ns since the epoch */
    double value;  /* finite */
};

/* Receives one record; returns 0 to continue, non-zero to stop the producer. */
typedef int (*metric_record_fn)(void *ctx, const struct metric_record *r);

/* A log record: one line of text from a stream. All pointers are borrowed like name above. */
struct log_record {
    const char *stream; /* e.g. the input name or a configured key; not NUL-terminated */
    size_t stream_len;
    int64_t ts_ns;
    const char *text; /* the message, without the trailing newline */
    size_t text_len;
    const char *level; /* as sent ("error", "WARN", ...), or NULL when the record has none */
    size_t level_len;
};

/* Receives one log record; returns 0 to continue, non-zero to stop the producer. */
typedef int (*log_record_fn)(void *ctx, const struct log_record *r);

#endif
