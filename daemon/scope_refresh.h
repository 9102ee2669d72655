/*
 * scope_refresh.h - one refresh of a scope's model on a worker. The loop fills a job with a
 * snapshot of the window (values, times, column names, the scope's settings) and lends it the
 * scope's link tracker; from then on the worker owns all of it and shares nothing with the
 * loop. The worker learns the graph once (rca_graph_learn: the scope's priors applied), derives
 * the change monitor's parents and the persistent link changes from it, ranks the incident that
 * rides along (incident_job_run, from that same graph), and hands the whole job back through
 * the scope's mailbox, where the loop adopts it (scope.c).
 */
#ifndef CAUSALMON_SCOPE_REFRESH_H
#define CAUSALMON_SCOPE_REFRESH_H

#include "config.h"
#include "incident.h"
#include "link_tracker.h"
#include "scope_model.h"

#include <pthread.h>
#include <stdint.h>

#define SCOPE_REFRESH_EVENTS 32 /* link changes kept per refresh; more are only counted */

/* Where a finished job goes: *done (NULL until then) and *busy = 0, under *mu. */
struct scope_mailbox {
    pthread_mutex_t *mu;
    struct scope_refresh **done;
    int *busy;
};

struct scope_refresh {
    /* input, filled by the loop */
    struct scope_conf conf;
    int rows, ncols;
    double *X;                  /* [rows * ncols] window values, oldest first */
    char **names;               /* [ncols] column names */
    int64_t t_last;             /* bucket time of the newest row */
    struct link_tracker *links; /* lent by the scope for the job; returned with it */
    int parents;                /* derive the change monitor's parents */
    struct incident_job *rank;  /* a ranking to run on the learned graph, or NULL */
    struct scope_mailbox box;
    /* output, filled by the worker */
    struct scope_model *model; /* NULL when the refresh failed (err) */
    char err[256];
    double ms, finished_s;
    struct link_event ev[SCOPE_REFRESH_EVENTS];
    int nchanges; /* persistent link changes (ev holds the first ones) */
    int *parent;  /* [conf.max_series * CHANGE_MONITOR_MAX_PARENTS] monitor nodes, or NULL */
    int *nparent; /* [conf.max_series] */
};

/* Snapshots rows x ncols of the window (X taken over, names copied). Thread: the loop. */
struct scope_refresh *scope_refresh_new(const struct scope_conf *c, double *X, int rows, int ncols,
                                        char *const *names, int64_t t_last);
/* The worker job (job_fn): learns, ranks, hands the job to its mailbox. */
void scope_refresh_run(void *arg);
/* Frees a job (its lent tracker and unrun ranking too; see scope.c for who returns them
 * first). NULL is a no-op. Any thread but a worker. */
void scope_refresh_free(struct scope_refresh *r);

#endif
