/*
 * alerts.h - publishing alerts (docs/architecture.md §3): two-frame messages on the PUB socket,
 * topic "alert.<severity>.<scope>" then a CloudEvents 1.0 JSON event whose data is an
 * Alertmanager-compatible alert with an "rca" object. Each event gets the next `seq` of this
 * run (`epoch`), is appended to the journal (STATE_DIR/alerts.jsonl, rotated to alerts.jsonl.1
 * past 16 MiB) and kept in memory (the last ALERTS_KEPT) for `query alerts --since SEQ`.
 * The fingerprint is the one Alertmanager computes from the alert's labels (alertname, scope,
 * severity, root_cause), so the same alert has the same fingerprint here, after a restart and in
 * Alertmanager. Sinks (alerts_add_sink) see every event after it is published.
 * Thread: the loop only (it owns the PUB socket).
 */
#ifndef CAUSALMON_ALERTS_H
#define CAUSALMON_ALERTS_H

#include <jansson.h>
#include <stdint.h>

#define ALERTS_KEPT      256
#define ALERTS_MAX_SINKS 8

struct alerts;

/* pub is borrowed; state_dir may be NULL (no journal). */
struct alerts *alerts_new(void *pub, const char *epoch, const char *state_dir);
void alerts_free(struct alerts *a);

/* Called with each published event (borrowed for the call). Thread: the loop. */
typedef void (*alerts_sink_fn)(void *ctx, const json_t *ev);
/* Adds a sink (at most ALERTS_MAX_SINKS; further ones are ignored). */
void alerts_add_sink(struct alerts *a, alerts_sink_fn fn, void *ctx);

struct alert {
    const char *scope;
    const char *kind;       /* structure_change, mechanism_change, anomaly */
    const char *severity;   /* critical, warning */
    const char *root_cause; /* component or series; "" when none */
    const char *summary;
    int resolved;
    int64_t starts_ns, ends_ns; /* event time; ends_ns used when resolved */
    json_t *rca;                /* borrowed; may be NULL */
};

/* The stable fingerprint (16 hex digits) of an alert's labels, as Alertmanager computes it. */
void alert_fingerprint(const struct alert *al, char out[17]);

/* Publishes one event; returns its seq. */
long alerts_publish(struct alerts *a, const struct alert *al);

long alerts_seq(const struct alerts *a);
/* Events not delivered because the PUB socket (set up with ZMQ_XPUB_NODROP) was at its
 * high-water mark for a subscriber; they stay in the journal and the recent ring. */
long alerts_dropped(const struct alerts *a);
/* The kept events with seq > since, oldest first (new reference). */
json_t *alerts_since(const struct alerts *a, long since);

#endif
