/*
 * metrics_http.h - the daemon's HTTP endpoint (libmicrohttpd, its own thread):
 *   GET /metrics   Prometheus text exposition, as last rendered by the loop;
 *   GET /alerts    the recent alert events (JSON array, oldest first); ?fingerprint=FP keeps
 *                  the events of one alert (the generatorURL of Alertmanager alerts);
 *   GET /healthz   200 while the loop renders (at least every 10 s), else 503;
 *   GET /ready     200 once the daemon runs its inputs, 503 before and while stopping;
 *   GET /ui...     the read-only web view (web_ui.h).
 * With a bearer token, /metrics, /alerts and /ui need "Authorization: Bearer TOKEN" (401 without);
 * /healthz and /ready stay open for probes. The loop thread renders the texts
 * (metrics_http_publish*) about once a second; the server thread only serves the last
 * rendering, under a lock, so it never touches the loop's counters.
 */
#ifndef CAUSALMON_METRICS_HTTP_H
#define CAUSALMON_METRICS_HTTP_H

#include <jansson.h>
#include <stddef.h>

struct metrics_http;

/* Starts the server on listen (see http_listen.h; ":PORT" is loopback). token_file (NULL or
 * "": none) holds the bearer token. Returns NULL with a message. Thread: the loop. */
struct metrics_http *metrics_http_start(const char *listen, const char *token_file, char *err,
                                        size_t errlen);
/* Replaces the served metrics text (copied). Thread: the loop. */
void metrics_http_publish(struct metrics_http *m, const char *text, size_t len);
/* Replaces the served alert events, a JSON array (copied). Thread: the loop. */
void metrics_http_publish_alerts(struct metrics_http *m, const char *json, size_t len);
/* Replaces the scopes' status JSON of the web view (copied) and sets where the server thread
 * reads a scope's graph: graph(graph_ctx, i) for the i-th scope of status, a new reference or
 * NULL; it must be callable from the server thread until metrics_http_stop. Thread: the loop. */
void metrics_http_publish_ui(struct metrics_http *m, const char *status, size_t len,
                             json_t *(*graph)(void *ctx, int scope), void *graph_ctx);
/* Sets what /ready answers. Thread: the loop. */
void metrics_http_set_ready(struct metrics_http *m, int ready);
/* Stops the server and frees; NULL is a no-op. */
void metrics_http_stop(struct metrics_http *m);

#endif
