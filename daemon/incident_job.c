/* incident_job.c - the root-cause ranking of an incident, run on a worker, and what it hands
 * back to the loop (incident.h). */
#include "incident_impl.h"

#include "rca.h"
#include "rca_json.h"
#include "rca_prior.h"
#include "series_window.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void incident_ranked_free(struct ranked *r)
{
    if (!r) return;
    json_decref(r->rca);
    free(r);
}

static const char *job_template(void *ctx, const char *name)
{
    struct incident_job *j = ctx;
    for (int c = 0; c < j->ncols; c++)
        if (j->templates[c] && strcmp(j->names[c], name) == 0) return j->templates[c];
    return NULL;
}

void incident_job_free(struct incident_job *j)
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
    incident_ranked_free(inc->done);
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
    p.screen_alpha = inc->conf.screen_alpha;
    p.screen_top_k = inc->conf.screen_top_k;
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
    incident_job_free(j);
}

void incident_job_drop(struct incident_job *j)
{
    if (!j) return;
    struct ranked *r = xcalloc(1, sizeof *r);
    snprintf(r->error, sizeof r->error, "dropped before it ran");
    hand_over(j->inc, r);
    incident_job_free(j);
}

void incident_job_shape(const struct incident_job *j, int *rows, int *ncols)
{
    *rows = j->rows;
    *ncols = j->ncols;
}
