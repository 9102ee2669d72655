/*
 * metrics_http.h - Prometheus text exposition on http://127.0.0.1:PORT/metrics through
 * libmicrohttpd. The loop thread renders the text (metrics_http_publish) about once a second;
 * the server thread only serves the last rendering, under a lock, so it never touches the
 * loop's counters.
 */
#ifndef CAUSALMON_METRICS_HTTP_H
#define CAUSALMON_METRICS_HTTP_H

#include <stddef.h>

struct metrics_http;

/* Starts the server on listen = "127.0.0.1:PORT" (only loopback addresses are accepted).
 * Returns NULL with a message. */
struct metrics_http *metrics_http_start(const char *listen, char *err, size_t errlen);
/* Replaces the served text (copied). Thread: the loop. */
void metrics_http_publish(struct metrics_http *m, const char *text, size_t len);
void metrics_http_stop(struct metrics_http *m);

#endif
