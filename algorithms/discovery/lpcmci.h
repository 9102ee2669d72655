/*
 * lpcmci.h - causal discovery for structural VAR processes with hidden variables: an LPCMCI-style
 * algorithm (Gerhardus & Runge, NeurIPS 2020) that returns a time-series PAG (docs/lpcmci.md).
 *
 *   1. Every window link starts present with the time-order marks (lagged o->, contemporaneous
 *      o-o).
 *   2. Skeleton, PC-stable by level p = 0, 1, ...: X and Y are tested given the default
 *      conditions (the parents of X and Y found by the previous phase) plus p-subsets of the
 *      possible ancestors adjacent to Y, then to X, strongest first; a link goes at the first
 *      independence and its separating set is kept.
 *   3. Orientation: unshielded colliders from the separating sets, then FCI's rules R1-R4 and
 *      R8-R10 (pag.h).
 *   4. Steps 1-3 repeat n_preliminary + 1 times; each phase restarts from the complete graph with
 *      the --> links of the previous phase as default conditions (LPCMCI's preliminary phases).
 * Every conditioning node lies in the window [t - tau_max, t], the window the PAG describes.
 * All tests are ParCorr tests answered from one correlation matrix of the embedded vector with
 * max_lag = tau_max (lagcov.h), so the data itself is never touched.
 */
#ifndef CAUSALMON_LPCMCI_H
#define CAUSALMON_LPCMCI_H

#include "svar_graph.h"

#include <stddef.h>

struct lpcmci_params {
    int tau_max;       /* >= 0 */
    double alpha;      /* significance level of every test, (0, 1) */
    int max_conds_dim; /* cap on the p-subset size per test; -1 = unlimited */
    int n_preliminary; /* preliminary phases before the final one, 0..10 */
};

struct lpcmci_stats {
    long tests;      /* CI tests run, all phases */
    long collinear;  /* conditions dropped as collinear */
    long degenerate; /* tests whose X or Y was explained exactly by the conditions */
    long low_df;     /* tests with fewer than one degree of freedom */
    int colliders;   /* unshielded colliders in the final phase */
    int rule_hits;   /* marks set by the orientation rules in the final phase */
    int conflicts;   /* rule conclusions refused in the final phase */
};

/* Fills p with the defaults (alpha 0.01, no cap, no preliminary phase: see docs/lpcmci.md). */
void lpcmci_params_default(struct lpcmci_params *p, int tau_max);

/* Runs the algorithm on the correlation matrix R of the embedded vector of `nvars` series with
 * max_lag = tau_max (dimension nvars (tau_max + 1), coordinate lag * nvars + i), estimated from
 * n rows. Writes the PAG (link types -->, <--, <->, o->, <-o, o-o, svar_graph.h), each link's
 * largest p-value and its statistic into g (created by the caller with the same nvars and
 * tau_max; overwritten) and counters into st (may be NULL). Returns 0, or -1 with a message in
 * err if the parameters are invalid. Single-threaded; R and g are used only during the call. */
int lpcmci_run(const double *R, int nvars, long n, const struct lpcmci_params *params,
               struct svar_graph *g, struct lpcmci_stats *st, char *err, size_t errlen);

#endif
