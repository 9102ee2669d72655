/*
 * log_lines.h - log lines as ops pipelines send them -> log records (docs/conventions.md §3.5).
 *
 * Two framings:
 *  - raw: every non-blank line is one record; its time is default_ts_ns; its level is the first
 *    of the first LOG_LEVEL_SCAN tokens that is a level word (ERROR, WARN, INFO, ..., also in
 *    [brackets] or followed by ':'), if any.
 *  - json: one JSON object per line, as Fluent Bit's out_kafka (message under "log", time under
 *    "@timestamp" as epoch seconds) or Vector's JSON codec ("message", "timestamp" in RFC 3339)
 *    write them. The message, timestamp and level are taken from the first key of each candidate
 *    list that is present; dotted keys ("log.level") also match nested objects. A numeric
 *    timestamp is judged by magnitude (s, ms, us, ns); a string one is RFC 3339 or a number.
 *    A numeric level is a syslog priority (0..7 -> EMERG..DEBUG).
 * Rejections: malformed JSON (syntax), no message (missing_field), a bad timestamp (timestamp),
 * a line over LOG_MAX_LINE bytes (line_too_long). A flat JSON line is read by a zero-copy
 * scanner (json_scan.h) without building a jansson tree; lines it is not sure of (including all
 * it would reject, and dotted keys that reach into nested objects) go through jansson, so
 * records and rejections are the same. Pure; any thread.
 */
#ifndef CAUSALMON_LOG_LINES_H
#define CAUSALMON_LOG_LINES_H

#include "record.h"
#include "reject.h"

#include <stddef.h>
#include <stdint.h>

#define LOG_MAX_LINE   (64 * 1024)
#define LOG_MAX_KEYS   8
#define LOG_LEVEL_SCAN 6

struct log_format {
    int json; /* 0 raw lines, 1 JSON records */
    const char *message_keys[LOG_MAX_KEYS];
    const char *timestamp_keys[LOG_MAX_KEYS];
    const char *level_keys[LOG_MAX_KEYS];
    const char *stream_keys[LOG_MAX_KEYS]; /* the record's component; the source's otherwise */
};

/* Fills the candidate keys used by both Fluent Bit and Vector:
 * message: log, message, MESSAGE, msg; timestamp: @timestamp, timestamp, time, date, ts;
 * level: level, severity, log.level, lvl, PRIORITY; stream (the component the record belongs
 * to, which names its log series; the caller's stream when none is present): service,
 * service.name, service_name, kubernetes.labels.app, kubernetes.container_name,
 * labels.service, labels.app, app (OpenTelemetry, Fluent Bit's Kubernetes filter, Vector and
 * Loki-style labels). json selects the framing. */
void log_format_default(struct log_format *f, int json);

/* Parses buf[0..len) and calls fn for every record of stream (stream[0..stream_len)). Counts
 * lines, records and rejections in st. Returns 0, or 1 if fn asked to stop. */
int log_lines_parse(const char *buf, size_t len, const struct log_format *f, const char *stream,
                    size_t stream_len, int64_t default_ts_ns, log_record_fn fn, void *ctx,
                    struct reject_stats *st);

/* The same, always through jansson's tree (the reference the fast path is tested against). */
int log_lines_parse_jansson(const char *buf, size_t len, const struct log_format *f,
                            const char *stream, size_t stream_len, int64_t default_ts_ns,
                            log_record_fn fn, void *ctx, struct reject_stats *st);

#endif
