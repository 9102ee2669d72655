/* scope_refresh.c - one refresh of a scope's model on a worker (scope_refresh.h). */
#include "scope_refresh.h"

#include "change_monitor.h"
#include "rca_prior.h"
#include "workers.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct scope_refresh *scope_refresh_new(const struct scope_conf *c, double *X, int rows, int ncols,
                                        char *const *names, int64_t t_last)
{
    struct scope_refresh *r = xcalloc(1, sizeof *r);
    r->conf = *c;
    r->X = X;
    r->rows = rows;
    r->ncols = ncols;
    r->names = xmallocarray((size_t)ncols, sizeof(char *));
    for (int a = 0; a < ncols; a++) r->names[a] = xstrdup(names[a]);
    r->t_last = t_last;
    return r;
}

void scope_refresh_free(struct scope_refresh *r)
{
    if (!r) return;
    incident_job_drop(r->rank);
    link_tracker_free(r->links);
    scope_model_free(r->model);
    for (int a = 0; a < r->ncols; a++) free(r->names[a]);
    free(r->names);
    free(r->X);
    free(r->parent);
    free(r->nparent);
    free(r);
}

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The graph's directed links as the change monitor's parents of each window column. */
static void learned_parents(struct scope_refresh *r, const struct rca_learned *l)
{
    int N = r->conf.max_series, cap = CHANGE_MONITOR_MAX_PARENTS;
    r->parent = xcalloc((size_t)N * cap, sizeof(int));
    r->nparent = xcalloc((size_t)N, sizeof(int));
    rca_learned_parents(l, N, cap, r->parent, r->nparent);
}

static void rca_params_of(const struct scope_conf *c, struct rca_params *p)
{
    rca_params_default(p);
    p->cancel = workers_cancel_flag(); /* a stop ends the refresh early */
    p->tau_max = c->tau_max;
    p->deseason = c->deseason;
    p->alpha = c->alpha;
    p->method = c->method;
    p->screen_alpha = c->screen_alpha;
    p->screen_top_k = c->screen_top_k;
}

void scope_refresh_run(void *arg)
{
    struct scope_refresh *r = arg;
    double t0 = wall();
    struct rca_params p;
    rca_params_of(&r->conf, &p);
    struct rca_prior_store ps;
    struct rca_learned l;
    memset(&l, 0, sizeof l);
    int ok = rca_prior_build(&r->conf, (const char *const *)r->names, r->ncols, &ps, r->err,
                             sizeof r->err) == 0;
    if (ok) {
        ok =
            rca_graph_learn(r->X, r->rows, r->ncols, &p, &ps.prior, &l, r->err, sizeof r->err) == 0;
        rca_prior_free(&ps);
    }
    double learned_s = wall() - t0;
    if (ok) {
        if (r->links)
            r->nchanges =
                link_tracker_update(r->links, l.graph, l.kept, r->ev, SCOPE_REFRESH_EVENTS);
        if (r->parents) learned_parents(r, &l);
    }
    if (r->rank) { /* the incident is ranked from this very graph */
        incident_job_run(r->rank, r->X, &l);
        r->rank = NULL;
    }
    if (ok)
        r->model = scope_model_new(&l, r->names, r->conf.method, r->conf.tau_max, r->conf.alpha,
                                   learned_s);
    rca_learned_free(&l);
    r->finished_s = wall();
    r->ms = (r->finished_s - t0) * 1e3;
    struct scope_mailbox box = r->box;
    pthread_mutex_lock(box.mu);
    *box.done = r;
    *box.busy = 0;
    pthread_mutex_unlock(box.mu);
}
