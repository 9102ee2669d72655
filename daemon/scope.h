/*
 * scope.h - one configured scope in the daemon: which aligned series belong to it (shell-glob
 * match on the name, up to max_series), its sliding window, and its model (scope_model.h), the
 * graph learned with the scope's priors on a worker every refresh_every buckets, and when an
 * incident is ready to rank (at most one refresh in flight per scope; scope_refresh.h). The
 * incident is ranked from that refresh's graph, so `query graph` shows the graph the alert
 * explains. The loop thread feeds rows and adopts finished refreshes from the scope's mailbox;
 * a worker owns its refresh job and shares nothing else with the loop; queries read the model
 * under the lock, and its JSON is rendered only then.
 */
#ifndef CAUSALMON_SCOPE_H
#define CAUSALMON_SCOPE_H

#include "alerts.h"
#include "change_monitor.h"
#include "config.h"
#include "incident.h"
#include "scope_model.h"
#include "scope_window.h"
#include "workers.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#define SCOPE_EVENTS 64 /* monitor events queued between polls; more are counted as dropped */

struct scope_refresh;

struct scope {
    struct scope_conf conf;
    int64_t bucket_ns;
    /* change monitor (loop thread): mechanism and link changes without a KPI */
    struct change_monitor *mon;
    struct change_event *events; /* [SCOPE_EVENTS] queued for scope_poll */
    int nevents;
    int64_t *event_t; /* [SCOPE_EVENTS] bucket time of the row that raised each */
    long events_dropped, mechanism_changes, link_changes;
    double *mon_row;              /* [max_series] */
    struct incident *inc;         /* KPI detector and alerts; NULL without KPIs */
    struct link_tracker *links;   /* structure changes over refreshes; NULL while lent to a job */
    long structure_changes;       /* links changed persistently (loop thread) */
    struct scope_refresh *queued; /* an incident's refresh waiting for the one in flight */
    struct workers *w;            /* the pool of the last scope_row */
    struct scope_window *win;
    int *col;      /* aligner series id -> window column, -1 not in scope, -2 not yet looked at */
    int ncol_map;  /* size of col (the aligner's series cap) */
    int *col_id;   /* window column -> aligner series id, -1 when its series expired */
    char **names;  /* [max_series] column names */
    double *row;   /* [max_series] scratch */
    long left_out; /* matching series beyond max_series */
    int since_refresh;
    long samples;     /* records behind the values of the rows the window took (restored from a
                         checkpoint, so it counts across restarts and handovers) */
    int64_t floor_ns; /* rows before it are already held (a handover's end); INT64_MIN: none */

    pthread_mutex_t mu;         /* guards what follows */
    int busy;                   /* a refresh is in flight */
    struct scope_refresh *done; /* the mailbox: a finished refresh for the loop to adopt */
    struct scope_model *model;  /* of the last successful refresh, or NULL */
    double last_refresh_s;      /* wall clock (epoch s) */
    double refresh_ms;
    long refreshes, refresh_errors;
    char last_error[256];
};

/* The change monitor's parameters of scope c (its monitor_* options over the defaults; the
 * rounds' offset from a hash of the scope's name). Pure. */
void scope_monitor_params(const struct scope_conf *c, struct change_monitor_params *mp);

/* Creates a scope for an aligner holding up to aligner_max_series series; with KPIs, also its
 * incident detector (incident.h; template_of names log templates in alerts, may be NULL). */
struct scope *scope_new(const struct scope_conf *c, int aligner_max_series, int64_t bucket_ns,
                        const char *(*template_of)(void *ctx, const char *name),
                        void *template_ctx);
/* Applies the reloadable options of c (config_table.h: refresh_every, structure_alerts) to the
 * running scope; its other options stay as they were built. Thread: the loop (the only reader
 * of these options). */
void scope_apply(struct scope *s, const struct scope_conf *c);

/* Waits for no refresh to be in flight, then frees. */
void scope_free(struct scope *s);

/* Adds an aligned row (bucket start t_ns; row[0..n) by aligner series id, names by id;
 * counts[0..n) the records behind each value, or NULL) and submits a refresh when due. A row
 * at or before the window's newest, or before floor_ns, is ignored (a replay). Thread: the
 * loop. */
void scope_row(struct scope *s, int64_t t_ns, const double *row, const int *counts, int n,
               const char *(*name_of)(void *ctx, int id), void *ctx, struct workers *w);

/* 1 if the series name is one of the scope's (its match globs). Any thread. */
int scope_matches(const struct scope *s, const char *name);

/* Adopts a finished refresh and submits a waiting one (as scope_row does), then publishes the
 * scope's finished rankings and resolutions, and the change monitor's events:
 * mechanism_change alerts (a series' mechanism changed given its learned parents; resolved when
 * the new regime is adopted as the reference or the series reverts; the rca carries the series
 * and its parents around the change point, series_window.h) and structure_change alerts
 * (a link's strength changed, reference against recent window). Links that flicker over
 * refreshes (link_tracker.h) are only counted and logged. Thread: the loop. */
void scope_poll(struct scope *s, struct alerts *al);

/* The scope's status object {"name","window","last_refresh","incident"} (its counters are in
 * the stats registry: daemon_stats.c) and its graph JSON, rendered from the model (a new
 * reference; {"scope":..., "error":...} before the first refresh). Any thread. */
json_t *scope_status(struct scope *s);
json_t *scope_graph(struct scope *s);

/* The aligner forgot series id (aligner_expire): its column keeps its rows and is taken up
 * again by a series of the same name; the id may come back as another series. Thread: the
 * loop. */
void scope_series_expired(struct scope *s, int id);

/* The window as JSON for a checkpoint: {"name","window","samples","columns":[names],
 * "times":[ns...], "data": the rows oldest first, row-major, as base64 doubles (base64_f64.h;
 * NaN where missing)}. A version 2 checkpoint held "rows":[[v or null, ...], ...] instead;
 * scope_restore reads both. Thread: the loop. */
json_t *scope_checkpoint(struct scope *s);
/* The same without "data": the window's values are returned in *values (rows x columns,
 * row-major, NaN where missing; the caller frees them, also when the document is NULL) and
 * *n, to be encoded into "data" later (checkpoint_batch_defer does it on the writing thread).
 * Thread: the loop. */
json_t *scope_checkpoint_parts(struct scope *s, double **values, size_t *n);
/* Restores a checkpointed window (same name and column set semantics); series ids come from
 * series_id(ctx, name). Returns 0, or -1 with a reason when the checkpoint does not fit. */
int scope_restore(struct scope *s, json_t *j, int (*series_id)(void *ctx, const char *name),
                  void *ctx, char *err, size_t errlen);

#endif
