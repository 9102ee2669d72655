/*
 * alert_sink.h - delivering alert events to HTTP receivers, off the event loop. Each sink owns
 * a sender thread with libcurl; the loop only hands it events (alert_sink_offer), which copies
 * them into a bounded queue under a lock and never blocks on the network.
 *
 * Kinds:
 *  - alertmanager: Alertmanager API v2 (POST BASE/api/v2/alerts). Firing alerts are kept by
 *    fingerprint and the whole set is re-sent every `resend` with endsAt = now + 4 * resend, so
 *    Alertmanager keeps them active for the whole incident whatever its resolve_timeout; a
 *    resolved event is sent with endsAt = the time it resolved (never later than now), then
 *    forgotten. structure_change events have no resolution: they are sent once with endsAt
 *    4 resend intervals ahead and expire in Alertmanager. generatorURL is
 * EXTERNAL_URL/alerts?fingerprint=FP (the daemon's view of the incident), when an external URL is
 * given. Failed posts are retried at the next tick.
 *  - webhook: each event is POSTed as it is (CloudEvents JSON, Content-Type
 *    application/cloudevents+json). A failed POST (transport error, 5xx or 429) is retried with
 *    backoff (1 s doubling up to 60 s) up to `retries` times, then dropped; events go out one at a
 *    time, in order; when the queue is full the oldest event is dropped (even while its post
 *    is under way: the sender thread frees it when the post returns). Both drops are counted
 *    and logged.
 */
#ifndef CAUSALMON_ALERT_SINK_H
#define CAUSALMON_ALERT_SINK_H

#include <jansson.h>
#include <stddef.h>

enum alert_sink_kind { ALERT_SINK_ALERTMANAGER = 0, ALERT_SINK_WEBHOOK };

struct alert_sink_params {
    const char *name;
    enum alert_sink_kind kind;
    const char *url;          /* alertmanager: base URL; webhook: full URL */
    double resend_s;          /* alertmanager */
    double timeout_s;         /* per request */
    int queue;                /* webhook: events; alertmanager: alerts tracked */
    int retries;              /* webhook */
    const char *token;        /* bearer token, or NULL */
    const char *external_url; /* base of generatorURL, or NULL/"" */
};

struct alert_sink_stats {
    long sent;           /* requests answered 2xx */
    long failed;         /* requests that failed (transport, non-2xx) */
    long dropped;        /* events given up: queue full, retries exhausted, rejected (4xx) */
    long queued;         /* events (webhook) or alerts (alertmanager) held now */
    double last_success; /* wall time of the last 2xx, 0 if none */
};

struct alert_sink;

/* Starts the sink's thread. Returns NULL with a message. Thread: the loop. */
struct alert_sink *alert_sink_new(const struct alert_sink_params *p, char *err, size_t errlen);
/* Hands over one CloudEvents alert event (copied; ev stays the caller's). Never blocks on I/O.
 * Thread: any. */
void alert_sink_offer(struct alert_sink *s, const json_t *ev);
/* The sink's counters. Thread: any. */
void alert_sink_stats(struct alert_sink *s, struct alert_sink_stats *out);
const char *alert_sink_name(const struct alert_sink *s);
const char *alert_sink_kind_name(const struct alert_sink *s);
/* Makes a last attempt to deliver what is queued (at most the request timeout), stops the
 * thread and frees. NULL is a no-op. */
void alert_sink_free(struct alert_sink *s);

#endif
