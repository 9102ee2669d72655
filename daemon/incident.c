/* incident.c - KPI change points, the rankings they start, and the alerts those end in
 * (incident.h); the ranking itself runs on a worker (incident_job.c). */
#include "incident_impl.h"

#include "detector.h"
#include "logmsg.h"
#include "rca.h"
#include "timestamp.h"
#include "xalloc.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The bucket start of epoch seconds t. */
static int64_t bucket_of(double t, int64_t bucket_ns)
{
    int64_t ns = (int64_t)floor(t * 1e9), b = ns / bucket_ns * bucket_ns;
    return b > ns ? b - bucket_ns : b;
}

struct incident *incident_new(const struct scope_conf *c, int64_t bucket_ns,
                              const char *(*template_of)(void *ctx, const char *name),
                              void *template_ctx)
{
    if (c->nkpis == 0 && c->nrank_at == 0) return NULL;
    struct detector *det = NULL;
    if (c->nkpis > 0) {
        struct detector_params dp;
        detector_params_default(&dp);
        dp.reference = c->reference;
        dp.z = c->z;
        dp.settle = c->settle;
        dp.cooldown = c->cooldown;
        det = detector_new(&dp, c->nkpis);
        if (!det) return NULL;
    }
    struct incident *inc = xcalloc(1, sizeof *inc);
    inc->rank_ns = xmallocarray((size_t)(c->nrank_at ? c->nrank_at : 1), sizeof(int64_t));
    for (int k = 0; k < c->nrank_at; k++) {
        double t;
        char why[128];
        /* the configuration checked them (config.c) */
        if (timestamp_parse(c->rank_at[k], strlen(c->rank_at[k]), &t, why, sizeof why) == 0)
            inc->rank_ns[inc->nrank++] = bucket_of(t, bucket_ns);
    }
    qsort(inc->rank_ns, (size_t)inc->nrank, sizeof(int64_t), cmp_i64);
    inc->pending_cap = inc->nrank + 1;
    inc->pending = xmallocarray((size_t)inc->pending_cap, sizeof *inc->pending);
    inc->conf = *c;
    inc->bucket_ns = bucket_ns;
    inc->template_of = template_of;
    inc->template_ctx = template_ctx;
    inc->det = det;
    inc->kpi_col = xmallocarray((size_t)c->nkpis, sizeof(int));
    inc->kv = xmallocarray((size_t)c->nkpis, sizeof(double));
    for (int k = 0; k < c->nkpis; k++) inc->kpi_col[k] = -1;
    inc->last_resolved_ns = INT64_MIN;
    pthread_mutex_init(&inc->mu, NULL);
    return inc;
}

void incident_free(struct incident *inc)
{
    if (!inc) return;
    incident_job_drop(inc->ready);
    workers_wait_idle(&inc->mu, &inc->busy); /* a ranking in flight points at the incident */
    for (int k = 0; k < inc->npending; k++) incident_job_free(inc->pending[k]);
    free(inc->pending);
    incident_ranked_free(inc->done);
    json_decref(inc->fired_rca);
    detector_free(inc->det);
    free(inc->kpi_col);
    free(inc->kv);
    free(inc->rank_ns);
    pthread_mutex_destroy(&inc->mu);
    free(inc);
}

struct incident_job *incident_take_job(struct incident *inc)
{
    struct incident_job *j = inc->ready;
    inc->ready = NULL;
    return j;
}

/* What one ranking covers: of the window's rows, [first, end) with the incident from split
 * (window rows), against the KPI column kpi (-1: chosen by the ranking). */
struct job_rows {
    int first, split, end, kpi;
    int64_t start_ns;
    double change_z;
};

/* What the ranking needs besides the values (and the values too when own: the rows it ranks,
 * copied now), or NULL with a warning when fewer than 10 reference rows are left. */
static struct incident_job *new_job(struct incident *inc, const struct scope_window *win,
                                    char *const *names, int ncols, const struct job_rows *jr,
                                    int own)
{
    int rows = scope_window_rows(win), ref = jr->split - jr->first;
    if (ref < 10 || ncols < 2) {
        logmsg(LOG_WARNING,
               "scope %s: incident not ranked: %d reference rows before it in the window of %d "
               "rows",
               inc->conf.name, ref, rows);
        return NULL;
    }
    struct incident_job *j = xcalloc(1, sizeof *j);
    j->inc = inc;
    j->rows = rows;
    j->ncols = ncols;
    j->first = jr->first;
    j->used = jr->end - jr->first;
    j->split = jr->split - jr->first;
    j->kpi = jr->kpi;
    j->start_ns = jr->start_ns;
    j->change_z = jr->change_z;
    int64_t *t = xmallocarray((size_t)rows, sizeof(int64_t));
    scope_window_times(win, t);
    j->times = xmallocarray((size_t)j->used, sizeof(int64_t));
    memcpy(j->times, t + jr->first, (size_t)j->used * sizeof(int64_t));
    free(t);
    if (own) {
        j->own = xmallocarray((size_t)j->used * (size_t)ncols, sizeof(double));
        for (int r = 0; r < j->used; r++)
            for (int c = 0; c < ncols; c++)
                j->own[(size_t)r * ncols + c] = scope_window_value(win, jr->first + r, c);
    }
    j->names = xmallocarray((size_t)ncols, sizeof(char *));
    j->templates = xcalloc((size_t)ncols, sizeof(char *));
    for (int c = 0; c < ncols; c++) {
        j->names[c] = xstrdup(names[c]);
        const char *tp = inc->template_of ? inc->template_of(inc->template_ctx, names[c]) : NULL;
        if (tp) j->templates[c] = xstrdup(tp);
    }
    return j;
}

/* Makes j the job for the scope to take (incident_take_job). Returns 0, or -1 when a ranking
 * is in flight or waiting (j stays the caller's). */
static int submit(struct incident *inc, struct incident_job *j)
{
    pthread_mutex_lock(&inc->mu);
    int busy = inc->busy || inc->ready;
    if (!busy) inc->busy = 1;
    pthread_mutex_unlock(&inc->mu);
    if (busy) return -1;
    inc->ready = j;
    return 0;
}

/* The oldest scheduled ranking waiting, submitted when none is in flight. */
static void next_pending(struct incident *inc)
{
    if (inc->npending == 0 || submit(inc, inc->pending[0])) return;
    memmove(inc->pending, inc->pending + 1, (size_t)--inc->npending * sizeof *inc->pending);
}

/* Resolves the KPI columns and fills inc->kv from row. */
static void kpi_values(struct incident *inc, char *const *names, const double *row, int ncols)
{
    for (int k = 0; k < inc->conf.nkpis; k++) {
        if (inc->kpi_col[k] < 0)
            for (int c = 0; c < ncols; c++)
                if (strcmp(names[c], inc->conf.kpis[k]) == 0) inc->kpi_col[k] = c;
        inc->kv[k] = inc->kpi_col[k] >= 0 && inc->kpi_col[k] < ncols ? row[inc->kpi_col[k]] : NAN;
    }
}

void incident_seed(struct incident *inc, char *const *names, const double *row, int ncols)
{
    kpi_values(inc, names, row, ncols);
    if (inc->det) detector_seed(inc->det, inc->kv);
}

/* The next scheduled ranking (rank_at), once the window holds its rank_after incident rows (or
 * their time has passed): up to `reference` rows before its start against those rows, the
 * KPI the scope's first one when present, else chosen by the ranking. A ranking in flight
 * delays it to a later row; the rows ranked stay the same while the window holds them. */
static void scheduled(struct incident *inc, const struct scope_window *win, char *const *names,
                      int ncols, int64_t t_ns)
{
    while (inc->next_rank < inc->nrank) {
        int64_t start = inc->rank_ns[inc->next_rank];
        int after = inc->conf.rank_after;
        if (t_ns < start) return;
        int rows = scope_window_rows(win);
        int64_t *t = xmallocarray((size_t)(rows ? rows : 1), sizeof(int64_t));
        scope_window_times(win, t);
        int split = rows, end;
        while (split > 0 && t[split - 1] >= start) split--;
        for (end = split; end < rows && end - split < after; end++) {
        }
        int64_t last_due = start + (int64_t)(after - 1) * inc->bucket_ns;
        int due = end - split >= after || (rows && t[rows - 1] >= last_due);
        free(t);
        if (!due) return;
        int first = split - inc->conf.reference > 0 ? split - inc->conf.reference : 0;
        struct job_rows jr = {first, split, end, inc->conf.nkpis ? inc->kpi_col[0] : -1,
                              start, NAN};
        struct incident_job *j = new_job(inc, win, names, ncols, &jr, 1);
        if (j) inc->pending[inc->npending++] = j;
        inc->next_rank++;
    }
}

void incident_row(struct incident *inc, const struct scope_window *win, char *const *names,
                  const double *row, int ncols, int64_t t_ns)
{
    kpi_values(inc, names, row, ncols);
    if (inc->next_rank < inc->nrank) scheduled(inc, win, names, ncols, t_ns);
    next_pending(inc);
    if (!inc->det) return;
    enum detector_event e = detector_push(inc->det, t_ns, inc->kv);
    int since, kpi;
    int64_t when;
    double z;
    if (e == DETECTOR_CHANGE && detector_incident(inc->det, &when, &since, &kpi, &z) == 0) {
        inc->incidents++;
        logmsg(LOG_INFO, "scope %s: change point in %s (robust z %.1f)", inc->conf.name,
               inc->conf.kpis[kpi], z);
    } else if (e == DETECTOR_READY && detector_incident(inc->det, &when, &since, &kpi, &z) == 0 &&
               inc->kpi_col[kpi] >= 0) {
        int rows = scope_window_rows(win);
        struct job_rows jr = {0, rows - since, rows, inc->kpi_col[kpi], when, z};
        pthread_mutex_lock(&inc->mu);
        int busy = inc->busy || inc->ready;
        pthread_mutex_unlock(&inc->mu);
        if (!busy) {
            struct incident_job *j = new_job(inc, win, names, ncols, &jr, 0);
            if (j) submit(inc, j);
        } else if (inc->npending + inc->nrank - inc->next_rank < inc->pending_cap) {
            /* waits, its rows copied now; the scheduled rankings still to come keep room */
            struct incident_job *j = new_job(inc, win, names, ncols, &jr, 1);
            if (j) inc->pending[inc->npending++] = j;
        } else {
            logmsg(LOG_WARNING, "scope %s: the incident in %s is not ranked: %d rankings wait",
                   inc->conf.name, inc->conf.kpis[kpi], inc->npending);
        }
    } else if (e == DETECTOR_RESOLVED) {
        inc->resolve_pending = 1;
        inc->resolve_ns = t_ns;
    }
}

static void fire(struct incident *inc, struct alerts *al, struct ranked *r)
{
    if (!r->rca) {
        logmsg(LOG_WARNING, "scope %s: ranking failed: %s", inc->conf.name, r->error);
        return;
    }
    if (r->score < inc->conf.min_confidence) {
        inc->suppressed++;
        logmsg(LOG_INFO, "scope %s: alert suppressed: top root cause %s scores %.2f < %.2f",
               inc->conf.name, r->root_cause, r->score, inc->conf.min_confidence);
        return;
    }
    const char *kind = r->mech_changed ? "mechanism_change" : "anomaly";
    snprintf(inc->fired_kind, sizeof inc->fired_kind, "%s", kind);
    snprintf(inc->fired_severity, sizeof inc->fired_severity, "%s",
             r->score >= 0.6 ? "critical" : "warning");
    snprintf(inc->fired_root, sizeof inc->fired_root, "%s", r->root_cause);
    char what[300];
    if (isnan(r->change_z))
        snprintf(what, sizeof what, "%s ranked at a scheduled incident start", r->kpi);
    else
        snprintf(what, sizeof what, "%s changed (robust z %.1f)", r->kpi, r->change_z);
    snprintf(inc->fired_summary, sizeof inc->fired_summary,
             "%s; most likely root cause %s (%s, score %.2f%s)", what, r->root_cause, r->top_series,
             r->score, r->mech_changed ? ", its mechanism changed" : "");
    inc->fired = (struct alert){inc->conf.name,
                                inc->fired_kind,
                                inc->fired_severity,
                                inc->fired_root,
                                inc->fired_summary,
                                0,
                                r->start_ns,
                                0,
                                r->rca};
    char fp[17];
    alert_fingerprint(&inc->fired, fp);
    if (!strcmp(fp, inc->last_fp) && inc->last_resolved_ns != INT64_MIN &&
        r->start_ns - inc->last_resolved_ns < (int64_t)inc->conf.cooldown * inc->bucket_ns) {
        inc->suppressed++;
        logmsg(LOG_INFO, "scope %s: duplicate alert %s suppressed (cooldown)", inc->conf.name, fp);
        return;
    }
    json_decref(inc->fired_rca);
    inc->fired_rca = json_incref(r->rca);
    inc->fired.rca = inc->fired_rca;
    alerts_publish(al, &inc->fired);
    memcpy(inc->last_fp, fp, sizeof fp);
    inc->firing = 1;
    inc->alerts++;
}

void incident_poll(struct incident *inc, struct alerts *al)
{
    pthread_mutex_lock(&inc->mu);
    struct ranked *r = inc->done;
    inc->done = NULL;
    int busy = inc->busy;
    pthread_mutex_unlock(&inc->mu);
    if (r) fire(inc, al, r);
    incident_ranked_free(r);
    next_pending(inc);
    if (inc->resolve_pending && !busy) {
        if (inc->firing) {
            inc->fired.resolved = 1;
            inc->fired.ends_ns = inc->resolve_ns;
            alerts_publish(al, &inc->fired);
            inc->alerts++;
            inc->firing = 0;
        }
        inc->last_resolved_ns = inc->resolve_ns;
        inc->resolve_pending = 0;
    }
}

json_t *incident_ranking(struct incident *inc)
{
    if (!inc->firing || !inc->fired_rca) return NULL;
    json_t *r = json_object_get(inc->fired_rca, "root_causes");
    return r ? json_incref(r) : NULL;
}

json_t *incident_status(struct incident *inc)
{
    int64_t when;
    int since, kpi;
    double z;
    pthread_mutex_lock(&inc->mu);
    int busy = inc->busy || inc->ready;
    pthread_mutex_unlock(&inc->mu);
    const char *state = inc->firing ? "firing"
                        : inc->det && detector_incident(inc->det, &when, &since, &kpi, &z) == 0
                            ? "incident"
                            : "normal";
    return json_pack("{s:s, s:s, s:i}", "state", state, "last_root_cause", inc->fired_root,
                     "scheduled_left", inc->nrank - inc->next_rank + inc->npending + busy);
}

void incident_counts(struct incident *inc, long *incidents, long *alerts, long *suppressed)
{
    *incidents = inc->incidents;
    *alerts = inc->alerts;
    *suppressed = inc->suppressed;
}
