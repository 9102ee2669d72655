/*
 * alerts.h - building and publishing alerts (docs/architecture.md §3). An event is a
 * CloudEvents 1.0 JSON document whose data is an Alertmanager-compatible alert with an "rca"
 * object, and its topic "alert.<severity>.<scope>". Each event gets the next `seq` of this run
 * (`epoch`), goes to every sink (sink.h: the PUB socket as a two-frame message, the journal
 * STATE_DIR/alerts.jsonl, the HTTP sinks) and is kept in memory (the last ALERTS_KEPT) for
 * `query alerts --since SEQ`.
 * The fingerprint is the one Alertmanager computes from the alert's labels (alertname, scope,
 * severity, root_cause), so the same alert has the same fingerprint here, after a restart and in
 * Alertmanager.
 * Thread: the loop only.
 */
#ifndef CAUSALMON_ALERTS_H
#define CAUSALMON_ALERTS_H

#include <jansson.h>
#include <stdint.h>

#include "sink.h"

#define ALERTS_KEPT      256
#define ALERTS_MAX_SINKS 12

struct alerts;

/* A publisher for this run (epoch: its id). Free with alerts_free. */
struct alerts *alerts_new(const char *epoch);
void alerts_free(struct alerts *a);

/* Adds a sink (borrowed; at most ALERTS_MAX_SINKS, further ones are ignored): it gets every
 * event from now on, in the order sinks were added. */
void alerts_add_sink(struct alerts *a, struct sink *k);

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
/* The kept events with seq > since, oldest first (new reference). */
json_t *alerts_since(const struct alerts *a, long since);

#endif
