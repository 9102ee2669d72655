/*
 * http_source.h - an HTTP input (libmicrohttpd, its own thread) for the agents people run:
 *   POST /write          InfluxDB 1.x write API: line protocol, ?precision=n|ns|u|us|ms|s
 *   POST /api/v2/write   InfluxDB 2.x write API: line protocol, ?precision=ns|us|ms|s
 *                        (Telegraf outputs.influxdb, outputs.influxdb_v2, outputs.http)
 *   POST /api/v1/write   Prometheus remote_write: snappy-compressed protobuf WriteRequest
 *                        (Prometheus, vmagent, Grafana Agent)
 *   POST /ingest/json    metric JSON (json_metrics.h), e.g. Telegraf's json serializer
 *   POST /ingest/logs    JSON log lines (Fluent Bit `http` output with format json_lines,
 *                        Vector `http` sink with newline-delimited JSON)
 *   GET  /ping, /health, POST /query: what InfluxDB clients probe (CREATE DATABASE succeeds).
 * Content-Encoding gzip (any path) and snappy (remote_write) are decoded here. A body larger
 * than max_body bytes (compressed or not) gets 413; a bad precision, encoding or path 400 or
 * 404; with a token, a request without "Authorization: Bearer TOKEN" (or InfluxDB's
 * "Token TOKEN") 401. An accepted body goes into a queue for the event loop and gets 204; when
 * the queue holds queue_bytes already, the request gets 429 (503 for remote_write, which
 * Prometheus retries) with Retry-After: 1 and nothing is queued: the sender keeps the data and
 * retries, so memory stays bounded. Records are parsed and counted (with their rejections) by
 * the loop, like any other input's messages.
 *
 * Threads: the server thread accepts; the loop polls (http_source_fd, http_source_poll).
 */
#ifndef CAUSALMON_HTTP_SOURCE_H
#define CAUSALMON_HTTP_SOURCE_H

#include "influx_lp.h"

#include <stddef.h>

struct http_source_conf {
    const char *name;
    const char *listen; /* see http_listen.h */
    size_t max_body;
    size_t queue_bytes;
    const char *token; /* NULL: none */
};

/* One accepted body. */
struct http_msg {
    int format;                  /* enum input_format (ingest.h) */
    int has_precision;           /* the request named one */
    enum lp_precision precision; /* line protocol */
    const char *data;
    size_t len;
};
typedef void (*http_msg_fn)(void *ctx, const struct http_msg *m);

enum http_outcome {
    HTTP_ACCEPTED = 0, /* 204 */
    HTTP_BAD_REQUEST,  /* 400, 404, 405 */
    HTTP_UNAUTHORIZED, /* 401 */
    HTTP_TOO_LARGE,    /* 413 */
    HTTP_THROTTLED,    /* 429, 503 */
    HTTP_OUTCOMES
};
const char *http_outcome_str(enum http_outcome o);

struct http_source_stats {
    long requests[HTTP_OUTCOMES];
    long bytes;        /* accepted bodies, decompressed */
    long queued_bytes; /* waiting for the loop now */
};

struct http_source;

/* Starts the server. Returns NULL with a message (the address, why). Thread: the loop. */
struct http_source *http_source_new(const struct http_source_conf *c, char *err, size_t errlen);
/* Readable while bodies wait. */
int http_source_fd(const struct http_source *s);
/* Hands up to max waiting bodies to fn, oldest first, then frees them. Returns how many.
 * Thread: the loop. */
int http_source_poll(struct http_source *s, int max, http_msg_fn fn, void *ctx);
void http_source_stats(struct http_source *s, struct http_source_stats *out);
/* Stops the server, frees what is queued. NULL is a no-op. */
void http_source_close(struct http_source *s);

#endif
