/*
 * rca_json.h - the RCA JSON: "kpi" (with "kpi_reason"), "fault_time", "root_causes" with
 * rank, variable, score, path and evidence, "components", the graph-free "baseline" ranking
 * (method "anomaly": the robust evidence alone) side by side, "graph" (reliability, series,
 * note), "excluded" (series not ranked, with the reason), "changed_mechanisms",
 * "changed_links" and "window". Used by
 * `causalmon rca` and inside the daemon's alerts. Any thread; no globals.
 */
#ifndef CAUSALMON_RCA_JSON_H
#define CAUSALMON_RCA_JSON_H

#include "rca.h"

#include <jansson.h>
#include <stdint.h>

struct rca_json_ctx {
    const char *const *names;           /* [n] series names by input column */
    const char *const *component_names; /* [ncomponents] or NULL */
    const int *component;               /* [n] or NULL */
    const int64_t *times_ns;            /* [rows] bucket times, or NULL (row numbers are used) */
    int rows, split;
    int top; /* root causes listed */
    /* the template text of a log series, or NULL (optional) */
    const char *(*template_of)(void *ctx, const char *name);
    void *template_ctx;
};

/* Returns a new object. */
json_t *rca_json(const struct rca_result *r, const struct rca_json_ctx *c);

#endif
