/*
 * json_metrics.h - metric JSON as ops pipelines send it -> metric records (docs/conventions.md
 * §3.5).
 *
 * A buffer holds one or more JSON documents (JSON lines, or concatenated documents). Each
 * document is one of these forms, detected by its keys:
 *  - Telegraf, single: {"name":"cpu","tags":{...},"fields":{"usage":1.5},"timestamp":N};
 *    each numeric or boolean field is a record `name.field{k1=v1,...}` (tags sorted by key,
 *    braces only when there are tags); string fields are counted in skipped_fields.
 *  - Telegraf, batch: {"metrics":[<single>, ...]}.
 *  - prometheus-kafka-adapter: {"timestamp":"<RFC 3339>","value":"<number as string>",
 *    "name":"m","labels":{"__name__":"m",...}} -> `m{labels without __name__}`.
 *  - flat: {"name":"a.b","time":<number or RFC 3339>,"value":1.5}.
 *  - a top-level array of any of these.
 * Numeric timestamps are in units of ts_unit_s seconds (Telegraf's json_timestamp_units, 1 s
 * by default), or judged by magnitude when ts_unit_s <= 0. A missing timestamp takes
 * default_ts_ns (arrival or Kafka time). A document is accepted or rejected whole: malformed
 * JSON (syntax), no name or value (missing_field), a value that is not a finite number
 * (bad_value), a bad or out-of-range time (timestamp), a name over JSON_MAX_NAME bytes
 * (name_too_long). After malformed JSON the parser resumes at the next line.
 * A single Telegraf metric on one line is read by a zero-copy scanner (json_scan.h) without
 * building a jansson tree; every other shape, and every document it is not sure of (including
 * all it would reject), goes through jansson, so records and rejections are the same.
 * Pure; any thread.
 */
#ifndef CAUSALMON_JSON_METRICS_H
#define CAUSALMON_JSON_METRICS_H

#include "record.h"
#include "reject.h"

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_NAME 1024
#define JSON_MAX_DOC  (4 * 1024 * 1024)

/* Parses a timestamp unit name (s, ms, us, ns, or auto = by magnitude) into seconds (auto: 0).
 * Returns 0, or -1 for an unknown name. */
int json_time_unit_parse(const char *name, double *unit_s);

/* Parses buf[0..len) and calls fn for every record. Counts documents (as lines), records and
 * rejections in st. Returns 0, or 1 if fn asked to stop. */
int json_metrics_parse(const char *buf, size_t len, double ts_unit_s, int64_t default_ts_ns,
                       metric_record_fn fn, void *ctx, struct reject_stats *st);

/* The same, always through jansson's tree (the reference the fast path is tested against). */
int json_metrics_parse_jansson(const char *buf, size_t len, double ts_unit_s, int64_t default_ts_ns,
                               metric_record_fn fn, void *ctx, struct reject_stats *st);

#endif
