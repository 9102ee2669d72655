/*
 * rca_case.h - one simulated incident end to end, the harness shared by the root-cause tests and
 * `bench/rca`: a service_sim stream (service_sim.h) feeds the KPI detector (detector.h); when it
 * reports DETECTOR_READY, rca_run ranks the causes on the last `window` rows with the change
 * point as the split, exactly as the daemon does for a scope. Components are the services
 * (component_map rule "prefix"). Pure; any thread.
 */
#ifndef CAUSALMON_RCA_CASE_H
#define CAUSALMON_RCA_CASE_H

#include "detector.h"
#include "rca.h"
#include "service_sim.h"

struct rca_case {
    int detected;           /* the detector reported READY after the fault */
    int early;              /* changes declared before the fault (false alerts) */
    int delay;              /* buckets from the fault to READY */
    int rank_component;     /* rank (1-based) of the faulty service; 0 = not ranked */
    int rank_series;        /* rank of the faulty series among all series */
    int baseline_component; /* the graph-free rank (anomaly evidence alone) of the faulty service */
    char top[64];           /* the top-ranked component */
    char top_series[3][64]; /* the three top-ranked series */
    char path[256];         /* the top cause's path to the KPI, "a -> b -> c" */
};

/* Runs one case: `before` fault-free buckets, then the fault, for at most `after` buckets.
 * window: rows handed to the RCA (at most before + after). Returns 0, or -1 when the RCA failed
 * (its message in err). */
int rca_case_run(uint64_t seed, enum sim_fault fault, int before, int after, int window,
                 const struct detector_params *dp, const struct rca_params *rp,
                 struct rca_case *out, char *err, size_t errlen);

/* Changes the detector declares on a fault-free stream of `rows` buckets. */
long rca_case_false_alerts(uint64_t seed, int rows, const struct detector_params *dp);

#endif
