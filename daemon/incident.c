/* incident.c - KPI change points, root-cause ranking on a worker, alerts (incident.h). */
#include "incident.h"

#include "detector.h"
#include "logmsg.h"
#include "rca.h"
#include "rca_json.h"
#include "rca_prior.h"
#include "series_window.h"
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
    int64_t change_ns;
    double change_z;
    int change_kpi;

    pthread_mutex_t mu; /* guards busy and done */
    int busy;
    struct ranked *done;

    /* loop thread only */
    int firing, resolve_pending;
    int64_t resolve_ns;
    struct alert fired;
    char fired_kind[32], fired_severity[16], fired_root[256], fired_summary[1200];
    json_t *fired_rca;
    char last_fp[17];
    int64_t last_resolved_ns;
    long incidents, alerts, suppressed;
};

struct incident *incident_new(const struct scope_conf *c, int64_t bucket_ns,
                              const char *(*template_of)(void *ctx, const char *name),
                              void *template_ctx)
{
    if (c->nkpis == 0) return NULL;
    struct detector_params dp;
    detector_params_default(&dp);
    dp.reference = c->reference;
    dp.z = c->z;
    dp.settle = c->settle;
    dp.cooldown = c->cooldown;
    struct detector *det = detector_new(&dp, c->nkpis);
    if (!det) return NULL;
    struct incident *inc = xcalloc(1, sizeof *inc);
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

void incident_free(struct incident *inc)
{
    if (!inc) return;
    workers_wait_idle(&inc->mu, &inc->busy); /* a ranking in flight points at the incident */
    ranked_free(inc->done);
    json_decref(inc->fired_rca);
    detector_free(inc->det);
    free(inc->kpi_col);
    free(inc->kv);
    pthread_mutex_destroy(&inc->mu);
    free(inc);
}

/* A ranking job: a copy of the window and everything the worker needs. */
struct job {
    struct incident *inc;
    double *X;
    int64_t *times;
    int rows, ncols, split, kpi;
    char **names;
    char **templates; /* [ncols] template text of log series, or NULL */
};

static const char *job_template(void *ctx, const char *name)
{
    struct job *j = ctx;
    for (int c = 0; c < j->ncols; c++)
        if (j->templates[c] && strcmp(j->names[c], name) == 0) return j->templates[c];
    return NULL;
}

/* The job's window value at (row, col), for series_window_json. */
static double job_value(void *ctx, int row, int col)
{
    const struct job *j = ctx;
    return j->X[(size_t)row * (size_t)j->ncols + (size_t)col];
}

/* The KPI and the top ranked root causes around the change point (reference rows before the
 * split, incident rows from it), for the alert page's plots. */
static json_t *incident_series(const struct job *j, const struct rca_result *res, int64_t bucket_ns)
{
    struct series_window_pick picks[SERIES_WINDOW_MAX_SERIES];
    int n = 0;
    picks[n++] = (struct series_window_pick){j->kpi, j->names[j->kpi], "kpi", 0};
    for (int a = 0; a < res->ncauses && n < SERIES_WINDOW_MAX_SERIES; a++)
        if (res->causes[a].var != j->kpi)
            picks[n++] = (struct series_window_pick){res->causes[a].var,
                                                     j->names[res->causes[a].var], "cause", a + 1};
    return series_window_json(job_value, (void *)j, j->times, j->rows, bucket_ns, 0, j->split,
                              j->rows, picks, n);
}

static void rank_job(void *arg)
{
    struct job *j = arg;
    struct incident *inc = j->inc;
    struct ranked *r = xcalloc(1, sizeof *r);
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
    if (rca_prior_build(&inc->conf, (const char *const *)j->names, j->ncols, &ps, r->error,
                        sizeof r->error) == 0) {
        if (rca_run(j->X, j->rows, j->ncols, j->split, j->kpi, &p, &ps.prior, &res, r->error,
                    sizeof r->error) == 0) {
            struct rca_json_ctx jc = {(const char *const *)j->names,
                                      (const char *const *)ps.component_names,
                                      ps.component,
                                      j->times,
                                      j->rows,
                                      j->split,
                                      p.top,
                                      job_template,
                                      j};
            r->rca = rca_json(&res, &jc);
            json_t *sw = incident_series(j, &res, inc->bucket_ns);
            if (sw) json_object_set_new(r->rca, "series_window", sw);
            const struct rca_cause *top = &res.causes[0];
            int comp = ps.component[top->var];
            snprintf(r->root_cause, sizeof r->root_cause, "%s",
                     comp >= 0 ? ps.component_names[comp] : j->names[top->var]);
            snprintf(r->top_series, sizeof r->top_series, "%s", j->names[top->var]);
            r->score = top->score;
            r->mech_changed = top->mech_changed;
            rca_result_free(&res);
        }
        rca_prior_free(&ps);
    }
    pthread_mutex_lock(&inc->mu);
    ranked_free(inc->done);
    inc->done = r;
    inc->busy = 0;
    pthread_mutex_unlock(&inc->mu);
    for (int c = 0; c < j->ncols; c++) {
        free(j->names[c]);
        free(j->templates[c]);
    }
    free(j->names);
    free(j->templates);
    free(j->X);
    free(j->times);
    free(j);
}

/* Snapshots the window and queues the ranking. */
static void submit(struct incident *inc, const struct scope_window *win, char *const *names,
                   int ncols, int since, struct workers *w)
{
    int rows = scope_window_rows(win), split = rows - since;
    if (split < 10 || ncols < 2 || inc->kpi_col[inc->change_kpi] < 0) {
        logmsg(LOG_WARNING, "scope %s: incident not ranked: %d reference rows in the window",
               inc->conf.name, split);
        return;
    }
    pthread_mutex_lock(&inc->mu);
    int busy = inc->busy;
    if (!busy) inc->busy = 1;
    pthread_mutex_unlock(&inc->mu);
    if (busy) return;
    struct job *j = xcalloc(1, sizeof *j);
    j->inc = inc;
    j->rows = rows;
    j->ncols = ncols;
    j->split = split;
    j->kpi = inc->kpi_col[inc->change_kpi];
    j->X = xmallocarray((size_t)rows * ncols, sizeof(double));
    j->times = xmallocarray((size_t)rows, sizeof(int64_t));
    scope_window_snapshot(win, j->X);
    scope_window_times(win, j->times);
    j->names = xmallocarray((size_t)ncols, sizeof(char *));
    j->templates = xcalloc((size_t)ncols, sizeof(char *));
    for (int c = 0; c < ncols; c++) {
        j->names[c] = xstrdup(names[c]);
        const char *t = inc->template_of ? inc->template_of(inc->template_ctx, names[c]) : NULL;
        if (t) j->templates[c] = xstrdup(t);
    }
    workers_submit(w, rank_job, j);
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
    detector_seed(inc->det, inc->kv);
}

void incident_row(struct incident *inc, const struct scope_window *win, char *const *names,
                  const double *row, int ncols, int64_t t_ns, struct workers *w)
{
    kpi_values(inc, names, row, ncols);
    enum detector_event e = detector_push(inc->det, t_ns, inc->kv);
    int since, kpi;
    int64_t when;
    double z;
    if (e == DETECTOR_CHANGE && detector_incident(inc->det, &when, &since, &kpi, &z) == 0) {
        inc->change_ns = when;
        inc->change_kpi = kpi;
        inc->change_z = z;
        inc->incidents++;
        logmsg(LOG_INFO, "scope %s: change point in %s (robust z %.1f)", inc->conf.name,
               inc->conf.kpis[kpi], z);
    } else if (e == DETECTOR_READY && detector_incident(inc->det, &when, &since, &kpi, &z) == 0) {
        submit(inc, win, names, ncols, since, w);
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
    snprintf(inc->fired_summary, sizeof inc->fired_summary,
             "%s changed (robust z %.1f); most likely root cause %s (%s, score %.2f%s)",
             inc->conf.kpis[inc->change_kpi], inc->change_z, r->root_cause, r->top_series, r->score,
             r->mech_changed ? ", its mechanism changed" : "");
    inc->fired = (struct alert){inc->conf.name,
                                inc->fired_kind,
                                inc->fired_severity,
                                inc->fired_root,
                                inc->fired_summary,
                                0,
                                inc->change_ns,
                                0,
                                r->rca};
    char fp[17];
    alert_fingerprint(&inc->fired, fp);
    if (!strcmp(fp, inc->last_fp) && inc->last_resolved_ns != INT64_MIN &&
        inc->change_ns - inc->last_resolved_ns < (int64_t)inc->conf.cooldown * inc->bucket_ns) {
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
    const char *state = inc->firing                                                 ? "firing"
                        : detector_incident(inc->det, &when, &since, &kpi, &z) == 0 ? "incident"
                                                                                    : "normal";
    return json_pack("{s:s, s:s}", "state", state, "last_root_cause", inc->fired_root);
}

void incident_counts(struct incident *inc, long *incidents, long *alerts, long *suppressed)
{
    *incidents = inc->incidents;
    *alerts = inc->alerts;
    *suppressed = inc->suppressed;
}
