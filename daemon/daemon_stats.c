/* daemon_stats.c - the core's counter families, the status document and what the HTTP server
 * shows (daemon.h). Every number in `query status` and /metrics comes from d->stats. */
#include "daemon.h"

#include "change_monitor.h"
#include "incident.h"
#include "metrics_http.h"
#include "prom_text.h"
#include "zmq_curve.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* One collector per daemon-wide number: expr may use d and as (the aligner's counters). */
#define CORE_FIELD(fn, expr)                                                                       \
    static void fn(void *ctx, struct stats_emit *e)                                                \
    {                                                                                              \
        struct daemon *d = ctx;                                                                    \
        const struct aligner_stats *as = aligner_stats(d->al);                                     \
        (void)as;                                                                                  \
        stats_sample(e, (double)(expr));                                                           \
    }
CORE_FIELD(al_series, aligner_nalive(d->al))
CORE_FIELD(al_rows, as->rows)
CORE_FIELD(al_late, as->late)
CORE_FIELD(al_cap, as->series_cap)
CORE_FIELD(al_dup, as->duplicates)
CORE_FIELD(al_future, as->future)
CORE_FIELD(al_expired, as->expired)
CORE_FIELD(alerts_total, alerts_seq(d->alerts))
CORE_FIELD(uptime, daemon_mono() - d->started)
CORE_FIELD(ckpt_failures, d->ckpt_failures)
CORE_FIELD(ckpt_written, d->ckpt_written)
CORE_FIELD(ckpt_ok, d->ckpt_ok || !d->ckpt_failures)
CORE_FIELD(ckpt_seconds, d->ckpt_seconds)

static void reloads(void *ctx, struct stats_emit *e)
{
    struct daemon *d = ctx;
    stats_sample(e, (double)d->reloads, "ok");
    stats_sample(e, (double)d->reload_failures, "failed");
}

static void curve_clients(void *ctx, struct stats_emit *e)
{
    struct daemon *d = ctx;
    long ok, denied;
    zmq_curve_counts(d->curve, &ok, &denied);
    stats_sample(e, (double)ok, "allowed");
    stats_sample(e, (double)denied, "denied");
}

/* The numbers of one scope, read under its lock. */
struct scope_numbers {
    double refresh_s, refreshes, refresh_errors, fill, series, left_out, structure;
    double mon_rows, mech, changed, links, ev_dropped;
    double incidents, inc_alerts, suppressed;
};

static void numbers(struct scope *s, struct scope_numbers *n)
{
    pthread_mutex_lock(&s->mu);
    n->refresh_s = s->refresh_ms / 1e3;
    n->refreshes = (double)s->refreshes;
    n->refresh_errors = (double)s->refresh_errors;
    n->left_out = (double)s->left_out;
    n->structure = (double)s->structure_changes;
    n->mech = (double)s->mechanism_changes;
    n->links = (double)s->link_changes;
    n->ev_dropped = (double)s->events_dropped;
    pthread_mutex_unlock(&s->mu);
    n->fill = scope_window_rows(s->win);
    n->series = scope_window_ncols(s->win);
    n->mon_rows = s->mon ? (double)change_monitor_rows(s->mon) : 0;
    n->changed = s->mon ? change_monitor_changed(s->mon) : 0;
    long inc = 0, al = 0, sup = 0;
    if (s->inc) incident_counts(s->inc, &inc, &al, &sup);
    n->incidents = (double)inc;
    n->inc_alerts = (double)al;
    n->suppressed = (double)sup;
}

/* One collector per scope number; `which` says which scopes have it. */
#define SCOPE_FIELD(fn, field, which)                                                              \
    static void fn(void *ctx, struct stats_emit *e)                                                \
    {                                                                                              \
        struct daemon *d = ctx;                                                                    \
        for (int a = 0; a < d->nscopes; a++) {                                                     \
            struct scope *s = d->scopes[a];                                                        \
            if (!(which)) continue;                                                                \
            struct scope_numbers n;                                                                \
            numbers(s, &n);                                                                        \
            stats_sample(e, n.field, s->conf.name);                                                \
        }                                                                                          \
    }
SCOPE_FIELD(sc_refresh_s, refresh_s, 1)
SCOPE_FIELD(sc_refreshes, refreshes, 1)
SCOPE_FIELD(sc_refresh_errors, refresh_errors, 1)
SCOPE_FIELD(sc_fill, fill, 1)
SCOPE_FIELD(sc_series, series, 1)
SCOPE_FIELD(sc_left_out, left_out, 1)
SCOPE_FIELD(sc_structure, structure, 1)
SCOPE_FIELD(sc_mon_rows, mon_rows, s->mon)
SCOPE_FIELD(sc_mech, mech, s->mon)
SCOPE_FIELD(sc_changed, changed, s->mon)
SCOPE_FIELD(sc_links, links, s->mon)
SCOPE_FIELD(sc_ev_dropped, ev_dropped, s->mon)
SCOPE_FIELD(sc_incidents, incidents, s->inc)
SCOPE_FIELD(sc_inc_alerts, inc_alerts, s->inc)
SCOPE_FIELD(sc_suppressed, suppressed, s->inc)

/* Per scope: whether it runs here and what it took (scope_owner.h). */
#define OWNER_FIELD(fn, expr)                                                                      \
    static void fn(void *ctx, struct stats_emit *e)                                                \
    {                                                                                              \
        struct daemon *d = ctx;                                                                    \
        for (int a = 0; a < d->nscopes; a++)                                                       \
            stats_sample(e, (double)(expr), d->scopes[a]->conf.name);                              \
    }
OWNER_FIELD(sc_served, scope_owner_serves(d, a))
OWNER_FIELD(sc_samples, d->scopes[a]->samples)
OWNER_FIELD(sc_taken_over, d->owner.acquired[a])
OWNER_FIELD(sc_handed_over, d->owner.released[a])
OWNER_FIELD(sc_gap, d->owner.gap_buckets[a])

#define CORE(name, type, json, fn, help)                                                           \
    {                                                                                              \
        name, help, type, json, {NULL}, fn, d                                                      \
    }
#define PER_SCOPE(name, type, json, fn, help)                                                      \
    {                                                                                              \
        name, help, type, "scopes[name=scope]." json, {"scope"}, fn, d                             \
    }

void daemon_stats_register(struct daemon *d)
{
    const struct stat_family fams[] = {
        CORE("causalmon_uptime_seconds", STAT_GAUGE, "uptime_s", uptime,
             "Seconds since the daemon started."),
        CORE("causalmon_alerts_total", STAT_COUNTER, "last_seq", alerts_total,
             "Alerts published in this run (the last seq)."),
        CORE("causalmon_series", STAT_GAUGE, "aligner.series", al_series,
             "Series the aligner holds now."),
        CORE("causalmon_aligned_rows_total", STAT_COUNTER, "aligner.rows", al_rows,
             "Buckets the aligner closed."),
        CORE("causalmon_late_total", STAT_COUNTER, "aligner.late", al_late,
             "Records for buckets already closed, dropped."),
        CORE("causalmon_series_cap_total", STAT_COUNTER, "aligner.series_cap", al_cap,
             "Records of new series refused at max_series."),
        CORE("causalmon_duplicates_total", STAT_COUNTER, "aligner.duplicates", al_dup,
             "Replayed records already in a checkpointed bucket, dropped."),
        CORE("causalmon_future_total", STAT_COUNTER, "aligner.future", al_future,
             "Records further ahead of the clock than max_future, dropped."),
        CORE("causalmon_series_expired_total", STAT_COUNTER, "aligner.expired", al_expired,
             "Series forgotten after series_ttl without records."),
        CORE("causalmon_checkpoint_ok", STAT_GAUGE, "checkpoint.ok", ckpt_ok,
             "1 if the last checkpoint was written (or none failed yet)."),
        CORE("causalmon_checkpoints_total", STAT_COUNTER, "checkpoint.written", ckpt_written,
             "Checkpoints written."),
        CORE("causalmon_checkpoint_failures_total", STAT_COUNTER, "checkpoint.failures",
             ckpt_failures, "Checkpoints that could not be written."),
        CORE("causalmon_checkpoint_seconds", STAT_GAUGE, "checkpoint.seconds", ckpt_seconds,
             "Time the last checkpoint took, written or not (the event loop waits for it)."),
        {"causalmon_reloads_total",
         "Configuration reloads (SIGHUP), by result.",
         STAT_COUNTER,
         "reloads.{result}",
         {"result"},
         reloads,
         d},
        PER_SCOPE("causalmon_scope_served", STAT_GAUGE, "served", sc_served,
                  "1 if the scope runs on this daemon (a consumer group that splits the scopes "
                  "runs each on one member), else 0."),
        PER_SCOPE("causalmon_scope_samples_total", STAT_COUNTER, "samples", sc_samples,
                  "Records behind the values of the rows the scope's window took (carried "
                  "across restarts and handovers)."),
        PER_SCOPE("causalmon_scope_taken_over_total", STAT_COUNTER, "handover.taken_over",
                  sc_taken_over,
                  "Times the scope started to run here in a group that splits the scopes."),
        PER_SCOPE("causalmon_scope_handed_over_total", STAT_COUNTER, "handover.handed_over",
                  sc_handed_over, "Times the scope left this daemon on a rebalance."),
        PER_SCOPE("causalmon_scope_handover_gap_buckets_total", STAT_COUNTER,
                  "handover.gap_buckets", sc_gap,
                  "Buckets of a handover's gap beyond the scope's window, given up."),
        PER_SCOPE("causalmon_refresh_seconds", STAT_GAUGE, "refresh_seconds", sc_refresh_s,
                  "Duration of the scope's last model refresh."),
        PER_SCOPE("causalmon_refreshes_total", STAT_COUNTER, "refreshes", sc_refreshes,
                  "Model refreshes of the scope."),
        PER_SCOPE("causalmon_refresh_errors_total", STAT_COUNTER, "refresh_errors",
                  sc_refresh_errors, "Model refreshes that failed (too few rows, cancelled)."),
        PER_SCOPE("causalmon_window_fill", STAT_GAUGE, "window_fill", sc_fill,
                  "Rows (buckets) in the scope's sliding window."),
        PER_SCOPE("causalmon_scope_series", STAT_GAUGE, "series", sc_series,
                  "Series (columns) in the scope's window."),
        PER_SCOPE("causalmon_series_left_out_total", STAT_COUNTER, "series_left_out", sc_left_out,
                  "Matching series left out of the scope at its max_series."),
        PER_SCOPE("causalmon_structure_changes_total", STAT_COUNTER, "structure_changes",
                  sc_structure, "Links of the scope's graph that changed persistently."),
        PER_SCOPE("causalmon_monitor_rows", STAT_GAUGE, "monitor.rows", sc_mon_rows,
                  "Rows the scope's change monitor holds."),
        PER_SCOPE("causalmon_mechanism_changes_total", STAT_COUNTER, "monitor.mechanism_changes",
                  sc_mech, "Mechanism changes the scope's change monitor reported."),
        PER_SCOPE("causalmon_monitor_changed", STAT_GAUGE, "monitor.changed", sc_changed,
                  "Series whose mechanism is changed now."),
        PER_SCOPE("causalmon_link_changes_total", STAT_COUNTER, "monitor.link_changes", sc_links,
                  "Link changes the scope's change monitor reported."),
        PER_SCOPE("causalmon_monitor_events_dropped_total", STAT_COUNTER, "monitor.events_dropped",
                  sc_ev_dropped,
                  "Change monitor events beyond the queue between two polls, dropped."),
        PER_SCOPE("causalmon_incidents_total", STAT_COUNTER, "incident.incidents", sc_incidents,
                  "KPI incidents the scope's detector opened."),
        PER_SCOPE("causalmon_incident_alerts_total", STAT_COUNTER, "incident.alerts", sc_inc_alerts,
                  "Root-cause alerts the scope fired."),
        PER_SCOPE("causalmon_alerts_suppressed_total", STAT_COUNTER, "incident.suppressed",
                  sc_suppressed, "Root-cause alerts below min_confidence, not fired."),
    };
    for (size_t k = 0; k < sizeof fams / sizeof fams[0]; k++) stats_register(&d->stats, &fams[k]);
    if (d->curve) {
        struct stat_family f = {"causalmon_curve_clients_total",
                                "CURVE handshakes on the bound sockets, by result.",
                                STAT_COUNTER,
                                "curve.{result}",
                                {"result"},
                                curve_clients,
                                d};
        stats_register(&d->stats, &f);
    }
}

json_t *daemon_status(struct daemon *d)
{
    json_t *scopes = json_array();
    for (int a = 0; a < d->nscopes; a++) json_array_append_new(scopes, scope_status(d->scopes[a]));
    json_t *st = json_pack("{s:s, s:o, s:o, s:o}", "epoch", d->epoch, "inputs",
                           sources_status(&d->sources), "sinks", json_array(), "scopes", scopes);
    stats_json(&d->stats, st);
    json_t *ck = json_object_get(st, "checkpoint");
    if (ck) json_object_set_new(ck, "last_error", json_string(d->ckpt_error));
    return st;
}

static json_t *graph_of(void *ctx, int i)
{
    struct scope *const *scopes = ctx;
    return scope_graph(scopes[i]);
}

/* The web view's data: each scope's status with its component map and tiers; graphs are read
 * on demand from the scopes (scope_graph locks each), which outlive the HTTP server. */
static void publish_ui(struct daemon *d, const json_t *status)
{
    json_t *arr = json_array();
    for (int a = 0; a < d->nscopes; a++) {
        const struct scope_conf *c = &d->scopes[a]->conf;
        json_t *st = json_deep_copy(json_array_get(status, (size_t)a));
        if (!st) st = json_pack("{s:s}", "name", c->name);
        json_object_set_new(st, "component_map", json_string(c->component_map));
        json_t *tiers = json_array();
        for (int t = 0; t < c->ntiers; t++) json_array_append_new(tiers, json_string(c->tiers[t]));
        json_object_set_new(st, "tiers", tiers);
        json_array_append_new(arr, st);
    }
    char *js = json_dumps(arr, JSON_COMPACT | JSON_REAL_PRECISION(10));
    metrics_http_publish_ui(d->metrics, js, strlen(js), graph_of, (void *)d->scopes);
    free(js);
    json_decref(arr);
}

void daemon_publish_http(struct daemon *d)
{
    struct prom_text t = {0};
    prom_process(&t, CAUSALMON_VERSION);
    stats_prometheus(&d->stats, &t);
    metrics_http_publish(d->metrics, t.s, t.n);
    free(t.s);
    json_t *recent = alerts_since(d->alerts, 0);
    char *js = json_dumps(recent, JSON_COMPACT | JSON_REAL_PRECISION(10));
    metrics_http_publish_alerts(d->metrics, js, strlen(js));
    free(js);
    json_decref(recent);
    json_t *st = daemon_status(d);
    publish_ui(d, json_object_get(st, "scopes"));
    json_decref(st);
    d->last_metrics = daemon_mono();
}
