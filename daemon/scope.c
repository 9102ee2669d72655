#include "scope.h"

#include "scope_alerts.h"

#include "base64_f64.h"
#include "duration.h"
#include "link_tracker.h"
#include "logmsg.h"
#include "scope_refresh.h"
#include "svar_discover.h"
#include "svar_limits.h"
#include "xalloc.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void scope_monitor_params(const struct scope_conf *c, struct change_monitor_params *mp)
{
    change_monitor_params_default(mp);
    mp->tau_max = c->tau_max;
    mp->reference = c->monitor_reference;
    mp->gap = c->monitor_gap;
    mp->recent = c->monitor_recent;
    mp->every = c->monitor_every;
    /* scopes take their rounds at different buckets (by their name), so that scopes of one
     * cadence do not all test in the same bucket and hold up the loop together */
    uint32_t h = 2166136261u;
    for (const char *p = c->name; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    mp->offset = (int)(h % (uint32_t)c->monitor_every);
    mp->alpha = c->monitor_alpha;
    mp->confirm = c->monitor_confirm;
    mp->false_alarms = c->monitor_false_alarms;
    mp->adopt = c->monitor_adopt > mp->recent ? c->monitor_adopt : mp->recent;
}

struct scope *scope_new(const struct scope_conf *c, int aligner_max_series, int64_t bucket_ns,
                        const char *(*template_of)(void *ctx, const char *name), void *template_ctx)
{
    struct scope *s = xcalloc(1, sizeof *s);
    s->conf = *c;
    s->inc = incident_new(c, bucket_ns, template_of, template_ctx);
    struct link_tracker_params lp;
    link_tracker_params_default(&lp);
    s->links = link_tracker_new(&lp, c->max_series, c->tau_max);
    s->win = scope_window_new(c->window, c->max_series);
    s->ncol_map = aligner_max_series;
    s->col = xmallocarray((size_t)aligner_max_series, sizeof(int));
    for (int a = 0; a < aligner_max_series; a++) s->col[a] = -2;
    s->names = xcalloc((size_t)c->max_series, sizeof(char *));
    s->col_id = xmallocarray((size_t)c->max_series, sizeof(int));
    for (int a = 0; a < c->max_series; a++) s->col_id[a] = -1;
    s->row = xmallocarray((size_t)c->max_series, sizeof(double));
    s->bucket_ns = bucket_ns;
    s->floor_ns = INT64_MIN;
    if (c->monitor) {
        struct change_monitor_params mp;
        scope_monitor_params(c, &mp);
        char err[256];
        s->mon = change_monitor_new(&mp, c->max_series, err, sizeof err);
        if (!s->mon) logmsg(LOG_WARNING, "scope %s: change monitor off: %s", c->name, err);
    }
    if (s->mon) {
        s->events = xcalloc(SCOPE_EVENTS, sizeof *s->events);
        s->event_t = xcalloc(SCOPE_EVENTS, sizeof *s->event_t);
        s->mon_row = xmallocarray((size_t)c->max_series, sizeof(double));
    }
    pthread_mutex_init(&s->mu, NULL);
    return s;
}

static void adopt(struct scope *s);

void scope_free(struct scope *s)
{
    if (!s) return;
    workers_wait_idle(&s->mu, &s->busy); /* a refresh in flight hands itself to the scope */
    adopt(s);                      /* logged and counted; the tracker it borrowed comes back */
    scope_refresh_free(s->queued); /* ends the incident's ranking that waited */
    incident_free(s->inc);
    link_tracker_free(s->links);
    scope_model_free(s->model);
    change_monitor_free(s->mon);
    free(s->events);
    free(s->event_t);
    free(s->mon_row);
    for (int a = 0; a < s->conf.max_series; a++) free(s->names[a]);
    free(s->names);
    free(s->row);
    free(s->col);
    free(s->col_id);
    scope_window_free(s->win);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int scope_matches(const struct scope *s, const char *name)
{
    const struct scope_conf *c = &s->conf;
    for (int a = 0; a < c->nmatch; a++)
        if (fnmatch(c->match[a], name, 0) == 0) return 1;
    return 0;
}

/* Loop: takes a finished refresh from the mailbox: its model becomes the scope's (under the
 * lock, for queries), the link tracker comes back, the learned parents go to the change
 * monitor, and persistent link changes are counted and logged (links that flicker over
 * refreshes of overlapping windows are not alerted on). */
static void adopt(struct scope *s)
{
    pthread_mutex_lock(&s->mu);
    struct scope_refresh *r = s->done;
    s->done = NULL;
    int learned = r && r->model;
    if (r) {
        s->last_refresh_s = r->finished_s;
        s->refresh_ms = r->ms;
        if (r->model) {
            scope_model_free(s->model);
            s->model = r->model;
            r->model = NULL;
            s->refreshes++;
        } else {
            s->refresh_errors++;
            snprintf(s->last_error, sizeof s->last_error, "%s", r->err);
        }
        s->structure_changes += r->nchanges > 0 ? r->nchanges : 0;
    }
    pthread_mutex_unlock(&s->mu);
    if (!r) return;
    s->links = r->links;
    r->links = NULL;
    if (s->mon && r->parent)
        for (int j = 0; j < s->conf.max_series; j++)
            change_monitor_set_parents(
                s->mon, j, r->parent + (size_t)j * CHANGE_MONITOR_MAX_PARENTS, r->nparent[j]);
    if (r->nchanges > 0) {
        const struct link_event *e = &r->ev[0];
        logmsg(LOG_DEBUG,
               "scope %s: refreshed graph: %d link(s) changed, e.g. %s -> %s (lag %d) %s",
               s->conf.name, r->nchanges, r->names[e->from], r->names[e->to], e->lag,
               e->appeared ? "appeared" : "disappeared");
    }
    if (!learned) logmsg(LOG_DEBUG, "scope %s: refresh skipped: %s", s->conf.name, r->err);
    scope_refresh_free(r);
}

/* Loop: a snapshot of the window for a refresh (rows x ncols). */
static struct scope_refresh *snapshot(struct scope *s, int64_t t_ns)
{
    int rows = scope_window_rows(s->win), ncols = scope_window_ncols(s->win);
    double *X = xmallocarray((size_t)rows * (size_t)ncols, sizeof(double));
    scope_window_snapshot(s->win, X);
    return scope_refresh_new(&s->conf, X, rows, ncols, s->names, t_ns);
}

/* Loop: submits r when no refresh is in flight or waiting to be adopted (returns 1), lending
 * it the link tracker; else returns 0 and r stays the caller's. */
static int dispatch(struct scope *s, struct scope_refresh *r, struct workers *w)
{
    pthread_mutex_lock(&s->mu);
    int idle = !s->busy && !s->done;
    if (idle) s->busy = 1;
    pthread_mutex_unlock(&s->mu);
    if (!idle) return 0;
    s->since_refresh = 0;
    r->links = s->links;
    s->links = NULL;
    r->parents = s->mon != NULL;
    r->box = (struct scope_mailbox){&s->mu, &s->done, &s->busy};
    workers_submit(w, scope_refresh_run, r);
    return 1;
}

/* Loop: an incident's ranking, when one is ready, rides along with a refresh of the window
 * (queued now, dispatched by step). */
static void take_rank(struct scope *s, int64_t t_ns)
{
    struct incident_job *rank = s->inc ? incident_take_job(s->inc) : NULL;
    if (rank) { /* the incident's window is refreshed now, and ranked from that graph */
        scope_refresh_free(s->queued);
        s->queued = snapshot(s, t_ns);
        s->queued->rank = rank;
    }
}

/* Loop: adopts a finished refresh and submits the one that waited (an incident's). */
static void step(struct scope *s)
{
    adopt(s);
    if (s->queued && s->w && dispatch(s, s->queued, s->w)) s->queued = NULL;
}

/* Loop: the row into the change monitor (with the parents of the last refresh), its events into
 * the queue for scope_poll. */
static void monitor_row(struct scope *s, int64_t t_ns, int ncols)
{
    int N = s->conf.max_series;
    for (int c = 0; c < N; c++) s->mon_row[c] = c < ncols ? s->row[c] : NAN;
    struct change_event ev[16];
    int n = change_monitor_push(s->mon, s->mon_row, ev, 16);
    for (int e = 0; e < n; e++) {
        if (e >= 16 || s->nevents >= SCOPE_EVENTS) {
            s->events_dropped++;
            continue;
        }
        s->event_t[s->nevents] = t_ns;
        s->events[s->nevents++] = ev[e];
    }
}

void scope_row(struct scope *s, int64_t t_ns, const double *row, const int *counts, int n,
               const char *(*name_of)(void *ctx, int id), void *ctx, struct workers *w)
{
    s->w = w;
    for (int id = 0; id < n && id < s->ncol_map; id++) {
        if (s->col[id] != -2) continue;
        const char *name = name_of(ctx, id);
        if (!name) continue; /* an expired id, not reused yet */
        s->col[id] = -1;
        if (!scope_matches(s, name)) continue;
        int c = -1;
        for (int k = 0; k < scope_window_ncols(s->win) && c < 0; k++)
            if (s->col_id[k] < 0 && strcmp(s->names[k], name) == 0) c = k; /* it came back */
        if (c >= 0) {
            s->col[id] = c;
            s->col_id[c] = id;
            continue;
        }
        c = scope_window_add_column(s->win);
        if (c < 0) {
            s->left_out++;
            continue;
        }
        s->col[id] = c;
        s->col_id[c] = id;
        s->names[c] = xstrdup(name);
    }
    int ncols = scope_window_ncols(s->win);
    if (ncols == 0 || t_ns <= scope_window_last_time(s->win) || t_ns < s->floor_ns)
        return; /* replayed after a restore or a handover */
    for (int c = 0; c < ncols; c++) s->row[c] = NAN;
    for (int id = 0; id < n && id < s->ncol_map; id++)
        if (s->col[id] >= 0) {
            s->row[s->col[id]] = row[id];
            if (counts) s->samples += counts[id];
        }
    scope_window_push(s->win, t_ns, s->row);
    if (s->inc) incident_row(s->inc, s->win, s->names, s->row, ncols, t_ns);
    if (s->mon) monitor_row(s, t_ns, ncols);
    take_rank(s, t_ns);
    step(s);
    if (++s->since_refresh < s->conf.refresh_every || s->queued) return;
    int rows = scope_window_rows(s->win);
    if (rows < svar_min_rows(s->conf.tau_max) || ncols < 2) return;
    struct scope_refresh *r = snapshot(s, t_ns);
    if (!dispatch(s, r, w)) scope_refresh_free(r); /* still running: try at the next row */
}

static json_t *iso_time(double epoch_s)
{
    if (epoch_s <= 0) return json_null();
    char buf[40];
    format_rfc3339(epoch_s, 0, buf, sizeof buf);
    return json_string(buf);
}

void scope_poll(struct scope *s, struct alerts *al)
{
    step(s);
    if (s->inc) incident_poll(s->inc, al);
    if (s->inc && scope_window_rows(s->win) > 0) { /* a scheduled ranking that waited */
        take_rank(s, scope_window_last_time(s->win));
        step(s);
    }
    for (int k = 0; k < s->nevents; k++) {
        const struct change_event *e = &s->events[k];
        if (e->type == CHANGE_EVENT_LINK) {
            s->link_changes++;
            /* the structure is the set of links: a link present before and after whose
             * coefficient moved is reported by its child's mechanism_change alert (the
             * parents' coefficients before and after), not as a structure change */
            if (e->link == CHANGE_LINK_RESIZED)
                logmsg(LOG_DEBUG, "scope %s: a link into %s changed strength", s->conf.name,
                       s->names[e->series] ? s->names[e->series] : "?");
            else if (s->conf.structure_alerts)
                scope_alert_link(s, al, e, s->event_t[k]);
        } else {
            s->mechanism_changes += e->type == CHANGE_EVENT_MECHANISM;
            scope_alert_mechanism(s, al, e, s->event_t[k]);
        }
    }
    s->nevents = 0;
}

json_t *scope_status(struct scope *s)
{
    pthread_mutex_lock(&s->mu);
    json_t *o = json_pack("{s:s, s:i, s:o}", "name", s->conf.name, "window", s->conf.window,
                          "last_refresh", iso_time(s->last_refresh_s));
    pthread_mutex_unlock(&s->mu);
    if (s->inc) json_object_set_new(o, "incident", incident_status(s->inc));
    return o;
}

json_t *scope_graph(struct scope *s)
{
    pthread_mutex_lock(&s->mu);
    json_t *g = s->model ? scope_model_json(s->model, s->conf.name) : NULL;
    if (!g)
        g = json_pack("{s:s, s:s}", "scope", s->conf.name, "error",
                      s->refresh_errors ? s->last_error : "no refresh yet");
    pthread_mutex_unlock(&s->mu);
    return g;
}

json_t *scope_checkpoint_parts(struct scope *s, double **values, size_t *n)
{
    int rows = scope_window_rows(s->win), ncols = scope_window_ncols(s->win);
    size_t cells = (size_t)rows * (size_t)ncols;
    double *X = xmallocarray(cells > 0 ? cells : 1, sizeof(double));
    int64_t *t = xmallocarray((size_t)(rows ? rows : 1), sizeof(int64_t));
    scope_window_snapshot(s->win, X);
    scope_window_times(s->win, t);
    for (size_t k = 0; k < cells; k++)
        if (!isfinite(X[k])) X[k] = NAN; /* one spelling of missing */
    json_t *cols = json_array(), *times = json_array();
    for (int c = 0; c < ncols; c++) json_array_append_new(cols, json_string(s->names[c]));
    for (int r = 0; r < rows; r++) json_array_append_new(times, json_integer(t[r]));
    free(t);
    *values = X;
    *n = cells;
    return json_pack("{s:s, s:i, s:I, s:o, s:o}", "name", s->conf.name, "window", s->conf.window,
                     "samples", (json_int_t)s->samples, "columns", cols, "times", times);
}

json_t *scope_checkpoint(struct scope *s)
{
    double *X;
    size_t n;
    json_t *j = scope_checkpoint_parts(s, &X, &n);
    char *data = base64_f64_encode(X, n);
    free(X);
    /* base64 is ASCII: no UTF-8 check over megabytes */
    if (j) json_object_set_new(j, "data", json_string_nocheck(data));
    free(data);
    return j;
}

/* Row r of a saved window into s->row: "data" (base64 doubles, version 3) or "rows" (arrays
 * of numbers and nulls, version 2). */
static void restored_row(struct scope *s, json_t *rowsj, const double *data, size_t r, size_t ncols)
{
    json_t *row = data ? NULL : json_array_get(rowsj, r);
    for (size_t c = 0; c < ncols; c++) {
        if (data) { /* any bit pattern may come back: missing is NaN, as it was saved */
            double v = data[r * ncols + c];
            s->row[c] = isfinite(v) ? v : NAN;
            continue;
        }
        json_t *v = json_array_get(row, c);
        s->row[c] = json_is_number(v) ? json_number_value(v) : NAN;
    }
}

int scope_restore(struct scope *s, json_t *j, int (*series_id)(void *ctx, const char *name),
                  void *ctx, char *err, size_t errlen)
{
    json_t *cols = json_object_get(j, "columns"), *times = json_object_get(j, "times"),
           *rowsj = json_object_get(j, "rows"), *dataj = json_object_get(j, "data");
    if (!json_is_array(cols) || !json_is_array(times) ||
        !(json_is_string(dataj) ||
          (json_is_array(rowsj) && json_array_size(times) == json_array_size(rowsj)))) {
        snprintf(err, errlen, "scope %s: malformed window", s->conf.name);
        return -1;
    }
    size_t ncols = json_array_size(cols), rows = json_array_size(times);
    if (ncols > (size_t)s->conf.max_series) {
        snprintf(err, errlen, "scope %s: %zu columns, more than max_series", s->conf.name, ncols);
        return -1;
    }
    double *data = NULL;
    if (json_is_string(dataj)) { /* its length is checked before anything is allocated */
        if (json_string_length(dataj) != (rows * ncols * 8 + 2) / 3 * 4) {
            snprintf(err, errlen, "scope %s: \"data\" does not hold %zu rows of %zu values",
                     s->conf.name, rows, ncols);
            return -1;
        }
        data = xmallocarray(rows * ncols > 0 ? rows * ncols : 1, sizeof(double));
        if (base64_f64_decode(json_string_value(dataj), json_string_length(dataj), data,
                              rows * ncols)) {
            snprintf(err, errlen, "scope %s: \"data\" does not hold %zu rows of %zu values",
                     s->conf.name, rows, ncols);
            free(data);
            return -1;
        }
    }
    for (size_t c = 0; c < ncols; c++) {
        const char *name = json_string_value(json_array_get(cols, c));
        int id = name ? series_id(ctx, name) : -1;
        if (id < 0 || id >= s->ncol_map || s->col[id] != -2) {
            snprintf(err, errlen, "scope %s: column %zu unusable", s->conf.name, c);
            free(data);
            return -1;
        }
        s->col[id] = scope_window_add_column(s->win);
        s->col_id[s->col[id]] = id;
        s->names[s->col[id]] = xstrdup(name);
    }
    json_t *samples = json_object_get(j, "samples");
    if (json_is_integer(samples) && json_integer_value(samples) >= 0)
        s->samples = (long)json_integer_value(samples);
    size_t skip = rows > (size_t)s->conf.window ? rows - (size_t)s->conf.window : 0;
    for (size_t r = skip; r < rows; r++) {
        restored_row(s, rowsj, data, r, ncols);
        scope_window_push(s->win, json_integer_value(json_array_get(times, r)), s->row);
        if (s->inc) incident_seed(s->inc, s->names, s->row, (int)ncols);
        if (s->mon) { /* the monitor's windows warm up from the restored rows; no events */
            struct change_event ev[1];
            for (int c = 0; c < s->conf.max_series; c++)
                s->mon_row[c] = c < (int)ncols ? s->row[c] : NAN;
            change_monitor_push(s->mon, s->mon_row, ev, 0);
        }
    }
    free(data);
    return 0;
}

void scope_series_expired(struct scope *s, int id)
{
    if (id < 0 || id >= s->ncol_map) return;
    if (s->col[id] >= 0) s->col_id[s->col[id]] = -1;
    s->col[id] = -2;
}

void scope_apply(struct scope *s, const struct scope_conf *c)
{
    s->conf.refresh_every = c->refresh_every;
    s->conf.structure_alerts = c->structure_alerts;
}
