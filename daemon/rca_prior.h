/*
 * rca_prior.h - a scope's prior knowledge and component map (config.h scope_conf) turned into the
 * per-column arrays rca_run takes (rca.h struct rca_prior), for a given list of series names.
 * Rules: tiers are globs, lowest tier first (a series takes the first tier it matches);
 * forbidden and required links are "GLOB -> GLOB"; the component map is a component_map.h rule.
 * Log series (log_series.h: template and level counts) are count series. Each series' direction of
 * bad change comes from the scope's `directions` rules, else its kind (metric_kind.h); its KPI
 * preference from its kind and whether its component matches `entry_points` (default: generic
 * role words such as gateway, ingress, front, api). Main or worker thread; no globals.
 */
#ifndef CAUSALMON_RCA_PRIOR_H
#define CAUSALMON_RCA_PRIOR_H

#include "config.h"
#include "rca.h"

#include <stddef.h>

struct rca_prior_store {
    struct rca_prior prior; /* points into the arrays below */
    int *tier, *component;
    unsigned char *forbidden, *required, *is_count;
    signed char *dir, *kind, *kpi_pref;
    int *calls;             /* [2 * prior.ncalls] */
    char **component_names; /* [prior.ncomponents] */
};

/* Checks the rules of a scope (link syntax, component map). Returns 0, or -1 with a message. */
int rca_prior_check(const struct scope_conf *sc, char *err, size_t errlen);

/* Builds the arrays for names[0..n). Returns 0, or -1 with a message (a bad rule). */
int rca_prior_build(const struct scope_conf *sc, const char *const *names, int n,
                    struct rca_prior_store *st, char *err, size_t errlen);
void rca_prior_free(struct rca_prior_store *st);

#endif
