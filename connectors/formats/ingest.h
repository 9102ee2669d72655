/*
 * ingest.h - one message of bytes from any source -> records in the aligner
 * (docs/architecture.md §1, steps 1-2). Every source (Kafka, ZeroMQ, file) hands its messages here.
 *
 * Formats: `influx` (line protocol), `json` (Telegraf single/batch, prometheus-kafka-adapter,
 * flat {"name","time","value"}; see json_metrics.h), `log` (raw lines), `log_json` (Fluent Bit
 * or Vector JSON records; aliases `fluentbit`, `vector`). Log records go through the template
 * miners (log_series.h) and become count series. CSV is a file-only format (file_source.h).
 *
 * Counting: per input, struct reject_stats counts lines, records accepted into the aligner, and
 * rejections by reason, including records the aligner refused (late, series_cap); new
 * rejections are logged at most once a second with a sample (reject_log).
 * One owner thread (the event loop).
 */
#ifndef CAUSALMON_INGEST_H
#define CAUSALMON_INGEST_H

#include "aligner.h"
#include "influx_lp.h"
#include "log_lines.h"
#include "log_series.h"
#include "reject.h"

#include <stddef.h>
#include <stdint.h>

enum input_format {
    FMT_INFLUX = 0,
    FMT_JSON,
    FMT_LOG,
    FMT_LOG_JSON,
    FMT_CSV,
    FMT_PROM_RW, /* Prometheus remote_write protobuf, snappy already decoded (prom_remote.h) */
    FMT_COUNT
};

/* Parses a format name (influx, json, log, log_json, fluentbit, vector, csv,
 * prometheus_remote_write). Returns 0 or -1. */
int input_format_parse(const char *name, size_t len, enum input_format *out);
const char *input_format_name(enum input_format f);
/* The format a message names for itself (a ZeroMQ format frame, a Kafka "format" header), as
 * the fmt argument of ingest_message: FMT_COUNT (counted as unknown_format) when the name is
 * unknown or CSV, which only files carry. */
int ingest_message_format(const void *name, size_t len);

/* How one input decodes its messages. */
struct input_decoding {
    enum input_format format;
    enum lp_precision precision;     /* influx */
    double json_ts_unit_s;           /* json: units of numeric timestamps (<= 0: by magnitude) */
    struct log_format log;           /* log, log_json: candidate keys */
    char stream[LOG_STREAM_MAX + 1]; /* log: stream name (default: the input's name) */
};

/* Fills defaults: influx, ns, JSON timestamps in seconds, Fluent Bit/Vector keys, stream name. */
void input_decoding_default(struct input_decoding *d, const char *stream);

/* Receives rows as the aligner closes buckets (see aligner_row_fn). */
struct ingest {
    struct aligner *al;      /* borrowed */
    struct log_series *logs; /* borrowed; NULL rejects log formats as unknown_format */
    aligner_row_fn row_fn;
    void *row_ctx;
    /* optional: every record accepted by the aligner (tests and tracing) */
    metric_record_fn accepted_fn;
    void *accepted_ctx;
    /* set by ingest_message: the newest time among the message's records that the
     * aligner took or found already closed (not those too far ahead or over the cap), or -1 */
    int64_t msg_max_ts_ns;
    /* optional routing (the daemon's scope ownership when a consumer group splits the scopes):
     * route_fn sees every metric record before the aligner does and may set bits in msg_tags,
     * which ingest_message clears first (the source reads them after the call); late_fn is
     * offered a record the aligner refused as late or duplicate and returns 1 when it took it
     * (then it counts as accepted). NULL: none. */
    void (*route_fn)(void *ctx, const struct metric_record *m);
    int (*late_fn)(void *ctx, const struct metric_record *m);
    void *route_ctx;
    uint64_t msg_tags;
};

/* Per-message context a source can supply. */
struct ingest_meta {
    int64_t default_ts_ns; /* for records without a timestamp (arrival or Kafka time) */
    int64_t force_ts_ns;   /* >= 0: every record gets this time (timestamp_source: kafka) */
    const char *stream;    /* log stream override (e.g. a Kafka key), or NULL */
    size_t stream_len;
};

/* Decodes buf[0..len) in format fmt (overriding d->format when fmt >= 0) and adds its
 * records to the aligner. Counts into st. Returns 0, or -1 when the format is unknown or not
 * allowed here (CSV, or a log format without log series), counted as unknown_format. */
int ingest_message(struct ingest *in, const struct input_decoding *d, int fmt,
                   const struct ingest_meta *meta, const char *buf, size_t len,
                   struct reject_stats *st);

/* Adds row `row` of a CSV table (one record per numeric cell, at the row's time) to the
 * aligner, counting into st like a message. */
struct csv_table;
void ingest_csv_row(struct ingest *in, const struct csv_table *t, long row,
                    struct reject_stats *st);

#endif
