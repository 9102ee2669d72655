/* incident_impl.h - what incident.c (the loop's side: change points, pending rankings, alerts)
 * and incident_job.c (the worker's side: a ranking and what it hands back) share. Private to
 * those two files. */
#ifndef CAUSALMON_INCIDENT_IMPL_H
#define CAUSALMON_INCIDENT_IMPL_H

#include "incident.h"

#include <pthread.h>
#include <stdint.h>

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

/* Frees a finished ranking (NULL: nothing). Any thread; the caller owns r. */
void incident_ranked_free(struct ranked *r);

/* Frees a job that never ran or has run, without handing anything over. Any thread; the caller
 * owns j. */
void incident_job_free(struct incident_job *j);

#endif
