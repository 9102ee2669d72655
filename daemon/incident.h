/*
 * incident.h - a scope's incidents: its KPIs feed the change-point detector (detector.h); when an
 * incident is ready, the window (reference rows before the change, incident rows after it) is
 * ranked by rca_run on a worker, and the loop publishes the alert: mechanism_change when the top
 * root cause's own mechanism changed, anomaly otherwise; critical from a score of 0.6, warning
 * from min_confidence, suppressed (counted) below. The same fingerprint is not fired again
 * within `cooldown` buckets after it resolved. When the KPIs recover, the alert is sent again
 * as resolved. The alert's rca is the ranking (rca_json.h) plus "series_window"
 * (series_window.h): the KPI and the top root causes around the change point, reference rows
 * against incident rows. A scope may also list incident start times (rank_at, for replays of
 * known incidents): when its window holds rank_after rows from such a start, the ranking runs
 * on up to `reference` rows before it against those rows, and its alert fires (startsAt the
 * start) whatever the KPI detector says; a scope with rank_at needs no KPI. Those rows are
 * copied when they are due, so a ranking in flight delays the next one without changing the rows
 * it ranks (at most rank_at of them wait), and its graph is learned on them. Threads: rows and
 * polls on the loop; the ranking on a worker.
 */
#ifndef CAUSALMON_INCIDENT_H
#define CAUSALMON_INCIDENT_H

#include "alerts.h"
#include "config.h"
#include "rca.h"
#include "scope_window.h"
#include "workers.h"

#include <jansson.h>
#include <stdint.h>

struct incident;

/* Returns NULL when the scope has no KPIs and no rank_at (nothing to rank). c is copied.
 * template_of (may be NULL) gives the template text of a log series; it is called on the loop
 * thread. */
struct incident *incident_new(const struct scope_conf *c, int64_t bucket_ns,
                              const char *(*template_of)(void *ctx, const char *name),
                              void *template_ctx);
/* Waits for a ranking in flight, then frees. NULL is a no-op. */
void incident_free(struct incident *inc);

/* The row just pushed into win (row[0..ncols), names[0..ncols)) at bucket t_ns. When an
 * incident is ready to rank, its job waits for the scope (incident_take_job). Thread: loop. */
void incident_row(struct incident *inc, const struct scope_window *win, char *const *names,
                  const double *row, int ncols, int64_t t_ns);

/* A ranking: the job incident_row left ready (NULL when none), now the caller's. The caller
 * snapshots the window as it was at that row (incident_job_shape: rows x ncols) and either
 * runs it on a worker or drops it. Thread: loop. */
struct incident_job;
struct incident_job *incident_take_job(struct incident *inc);
void incident_job_shape(const struct incident_job *j, int *rows, int *ncols);
/* Ranks the incident on X (the window of the job's shape) from the graph learned on it by the
 * scope refresh (given; NULL: rca_run learns one), hands the result to the loop
 * (incident_poll) and frees j. Thread: a worker. */
void incident_job_run(struct incident_job *j, const double *X, const struct rca_learned *given);
/* Frees a job that will not run and ends its ranking (logged as failed). NULL is a no-op. Any
 * thread but a worker. */
void incident_job_drop(struct incident_job *j);

/* A restored row (oldest first): its KPI values go straight into the detector's reference, so
 * detection resumes after a restart without a new warm-up. Thread: loop. */
void incident_seed(struct incident *inc, char *const *names, const double *row, int ncols);

/* Publishes a finished ranking and a pending resolution, and readies the next scheduled
 * ranking that waited for it (incident_take_job). Thread: loop. */
void incident_poll(struct incident *inc, struct alerts *al);

/* The root-cause ranking ("root_causes" of the firing alert's rca; a new reference), or NULL
 * when no KPI alert is firing. Thread: loop. */
json_t *incident_ranking(struct incident *inc);

/* {"state", "last_root_cause"} for `query status` (the counters: incident_counts). */
json_t *incident_status(struct incident *inc);
/* Its counters: incidents seen, alerts fired, alerts suppressed below min_confidence. Loop. */
void incident_counts(struct incident *inc, long *incidents, long *alerts, long *suppressed);

#endif
