/* incident.c - KPI change points, root-cause ranking on a worker, alerts (incident.h). */
#include "incident.h"

#include "detector.h"
#include "logmsg.h"
#include "rca.h"
#include "rca_json.h"
#include "rca_prior.h"
#include "series_window.h"
#include "timestamp.h"
#include "xalloc.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a finished ranking hands to the loop. */
struct ranked {
    json_t *rca;
    char root_cause[256]; /* component, or the series without a component map match */
    char top_series[256];
    char kpi[256];    /* the KPI ranked against */
    int64_t start_ns; /* the incident's first row */
    double change_z;  /* the KPI's robust z at the change point (NAN: scheduled) */
    double score;
    int mech_changed;
    char error[256];
};

struct incident {
    struct scope_conf conf;
    int64_t bucket_ns;
    const char *(*template_of)(void *ctx, const char *name);
    void *template_ctx;
    struct detector *det;
    int *kpi_col; /* [nkpis] window column, -1 not seen yet */
    double *kv;   /* [nkpis] */

    pthread_mutex_t mu; /* guards busy and done */
    int busy;
    struct ranked *done;

    /* loop thread only */
    struct incident_job *ready; /* a ranking for the scope to take (incident_take_job) */
    int firing, resolve_pending;
    int64_t resolve_ns;
    struct alert fired;
    char fired_kind[32], fired_severity[16], fired_root[256], fired_summary[1200];
    json_t *fired_rca;
    char last_fp[17];
    int64_t last_resolved_ns;
    long incidents, alerts, suppressed;
    /* rank_at: the scheduled incident starts (bucket starts, ascending), the next one due */
    int64_t *rank_ns;
    int nrank, next_rank;
    struct incident_job **pending; /* [npending] rankings waiting, their rows copied: scheduled
                                      ones, and one KPI incident that came while busy */
    int npending, pending_cap;
};

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

static void ranked_free(struct ranked *r)
{
    if (!r) return;
    json_decref(r->rca);
    free(r);
}

static void job_free(struct incident_job *j);

void incident_free(struct incident *inc)
{
    if (!inc) return;
    incident_job_drop(inc->ready);
    workers_wait_idle(&inc->mu, &inc->busy); /* a ranking in flight points at the incident */
    for (int k = 0; k < inc->npending; k++) job_free(inc->pending[k]);
    free(inc->pending);
    ranked_free(inc->done);
    json_decref(inc->fired_rca);
    detector_free(inc->det);
    free(inc->kpi_col);
    free(inc->kv);
    free(inc->rank_ns);
    pthread_mutex_destroy(&inc->mu);
    free(inc);
}

/* A ranking job: what the worker needs besides the window values, which come with the scope
 * refresh it rides along with (incident_job_run). */
struct incident_job {
    struct incident *inc;
    int64_t *times;   /* [rows] of the rows ranked */
    int rows, ncols;  /* the window snapshot's shape */
    int first, used;  /* the rows ranked: [first, first + used) of the snapshot */
    int split, kpi;   /* split relative to first; kpi -1: chosen by the ranking */
    int64_t start_ns; /* time of the first incident row */
    double change_z;  /* NAN for a scheduled ranking */
    double *own;      /* [used x ncols] the rows ranked, copied when it had to wait; NULL: the
                       * snapshot's rows are ranked, from the refresh's graph */
    char **names;
    char **templates; /* [ncols] template text of log series, or NULL */
};

static const char *job_template(void *ctx, const char *name)
{
    struct incident_job *j = ctx;
    for (int c = 0; c < j->ncols; c++)
        if (j->templates[c] && strcmp(j->names[c], name) == 0) return j->templates[c];
    return NULL;
}

static void job_free(struct incident_job *j)
{
    for (int c = 0; c < j->ncols; c++) {
        free(j->names[c]);
        free(j->templates[c]);
    }
    free(j->names);
    free(j->templates);
    free(j->times);
    free(j->own);
    free(j);
}

/* Hands r to the loop and ends the ranking in flight. */
static void hand_over(struct incident *inc, struct ranked *r)
{
    pthread_mutex_lock(&inc->mu);
    ranked_free(inc->done);
    inc->done = r;
    inc->busy = 0;
    pthread_mutex_unlock(&inc->mu);
}

/* The window values of a ranking, for series_window_json. */
struct job_values {
    const double *X;
    int ncols;
};

static double job_value(void *ctx, int row, int col)
{
    const struct job_values *v = ctx;
    return v->X[(size_t)row * (size_t)v->ncols + (size_t)col];
}

/* The KPI and the top ranked root causes around the change point (reference rows before the
 * split, incident rows from it), for the alert page's plots. */
static json_t *incident_series(const struct incident_job *j, const double *X,
                               const struct rca_result *res, int64_t bucket_ns)
{
    struct series_window_pick picks[SERIES_WINDOW_MAX_SERIES];
    int n = 0;
    picks[n++] = (struct series_window_pick){res->kpi, j->names[res->kpi], "kpi", 0};
    for (int a = 0; a < res->ncauses && n < SERIES_WINDOW_MAX_SERIES; a++)
        if (res->causes[a].var != res->kpi)
            picks[n++] = (struct series_window_pick){res->causes[a].var,
                                                     j->names[res->causes[a].var], "cause", a + 1};
    struct job_values v = {X, j->ncols};
    return series_window_json(job_value, &v, j->times, j->used, bucket_ns, 0, j->split, j->used,
                              picks, n);
}

void incident_job_run(struct incident_job *j, const double *X, const struct rca_learned *given)
{
    struct incident *inc = j->inc;
    struct ranked *r = xcalloc(1, sizeof *r);
    r->start_ns = j->start_ns;
    r->change_z = j->change_z;
    if (j->own) { /* the rows copied when they were due; the graph is learned on them */
        X = j->own;
        given = NULL;
    } else {
        X += (size_t)j->first * (size_t)j->ncols;
    }
    struct rca_prior_store ps;
    struct rca_result res;
    memset(&res, 0, sizeof res);
    struct rca_params p;
    rca_params_default(&p);
    p.cancel = workers_cancel_flag(); /* a stop ends the ranking early */
    p.tau_max = inc->conf.tau_max;
    p.deseason = inc->conf.deseason;
    p.alpha = inc->conf.alpha;
    p.method = inc->conf.method;
    p.given = given; /* the scope refresh's graph of this window: no second discovery */
    if (rca_prior_build(&inc->conf, (const char *const *)j->names, j->ncols, &ps, r->error,
                        sizeof r->error) == 0) {
        if (rca_run(X, j->used, j->ncols, j->split, j->kpi, &p, &ps.prior, &res, r->error,
                    sizeof r->error) == 0) {
            struct rca_json_ctx jc = {(const char *const *)j->names,
                                      (const char *const *)ps.component_names,
                                      ps.component,
                                      j->times,
                                      j->used,
                                      j->split,
                                      p.top,
                                      job_template,
                                      j};
            r->rca = rca_json(&res, &jc);
            json_t *sw = incident_series(j, X, &res, inc->bucket_ns);
            if (sw) json_object_set_new(r->rca, "series_window", sw);
            const struct rca_cause *top = &res.causes[0];
            /* with known calls the root cause is step 7's first component (a caller that its
             * callee explains is not named), through that component's best series */
            if (ps.prior.ncalls > 0 && res.ncomponents > 0 && res.components[0].best_var >= 0)
                for (int a = 0; a < res.ncauses; a++)
                    if (res.causes[a].var == res.components[0].best_var) {
                        top = &res.causes[a];
                        break;
                    }
            int comp = ps.component[top->var];
            snprintf(r->root_cause, sizeof r->root_cause, "%s",
                     comp >= 0 ? ps.component_names[comp] : j->names[top->var]);
            snprintf(r->top_series, sizeof r->top_series, "%s", j->names[top->var]);
            snprintf(r->kpi, sizeof r->kpi, "%s", j->names[res.kpi]);
            r->score = top->score;
            r->mech_changed = top->mech_changed;
            rca_result_free(&res);
        }
        rca_prior_free(&ps);
    }
    hand_over(inc, r);
    job_free(j);
}

void incident_job_drop(struct incident_job *j)
{
    if (!j) return;
    struct ranked *r = xcalloc(1, sizeof *r);
    snprintf(r->error, sizeof r->error, "dropped before it ran");
    hand_over(j->inc, r);
    job_free(j);
}

void incident_job_shape(const struct incident_job *j, int *rows, int *ncols)
{
    *rows = j->rows;
    *ncols = j->ncols;
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
    ranked_free(r);
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
