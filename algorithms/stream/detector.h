/*
 * detector.h - the change-point trigger on a scope's KPIs (docs/algorithms.md §8.3, §11.6), and the
 * incident life cycle around it.
 *
 * Each KPI keeps a reference of its last `reference` values. A value whose robust z-score
 * |x - median| / max(1.4826 MAD, 1 % of |median|) exceeds z for `persist` buckets in a row is a
 * change point at the first of them (the floor keeps a KPI that is flat at its level, such as a
 * success rate at 100 %, from firing on a move of 0.1 %). From then on the reference is frozen (the
 * incident is never absorbed into "normal"): after `settle` more buckets the detector reports
 * DETECTOR_READY, the moment to rank root causes on the rows before the change (reference) and
 * after it (incident). The incident resolves when every KPI has stayed within z / 2 for `recover`
 * buckets; the reference then slides again, and no new change is declared for `cooldown` buckets.
 * Short excursions (fewer than `persist` buckets) are not added to the reference either, and
 * nothing fires before half the reference is filled. Memory: KPIs x reference doubles. One owner
 * thread.
 */
#ifndef CAUSALMON_DETECTOR_H
#define CAUSALMON_DETECTOR_H

#include <stdint.h>

struct detector_params {
    int reference; /* reference values per KPI (300) */
    int persist;   /* buckets beyond z in a row that make a change (3) */
    double z;      /* robust z threshold (5) */
    int settle;    /* buckets after the change before ranking (20) */
    int recover;   /* buckets back within z / 2 that resolve (10) */
    int cooldown;  /* buckets after a resolution without a new change (30) */
};

enum detector_event { DETECTOR_NONE = 0, DETECTOR_CHANGE, DETECTOR_READY, DETECTOR_RESOLVED };

struct detector;

void detector_params_default(struct detector_params *p);
/* Returns NULL if a parameter is out of range (reference < 10, persist < 1, z <= 0, settle < 1,
 * recover < 1, cooldown < 0) or nkpi < 1. */
struct detector *detector_new(const struct detector_params *p, int nkpi);
void detector_free(struct detector *d);

/* Feeds the next bucket's KPI values (NaN = missing, skipped) at bucket time t_ns. Returns the
 * event this bucket caused. */
enum detector_event detector_push(struct detector *d, int64_t t_ns, const double *kpi);

/* Adds KPI values to the reference without evaluating them (restoring a window after a
 * restart). Ignored while an incident is open. */
void detector_seed(struct detector *d, const double *kpi);

/* The current incident: bucket time of the change point, buckets since it (the change bucket
 * counts as 1), the KPI that moved most at the change and its z. Returns 0, or -1 when no
 * incident is open. */
int detector_incident(const struct detector *d, int64_t *change_ns, int *since, int *kpi,
                      double *z);

#endif
