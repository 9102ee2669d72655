/*
 * pcmciplus.h - PCMCI+ causal discovery for structural VAR processes (docs/algorithms.md §3-§4),
 * with the semantics of tigramite's run_pcmciplus and ParCorr:
 *   1. PC1 lagged condition selection (max_combinations = 1, strongest-first ordering);
 *   2. the MCI skeleton with contemporaneous conditions (PC-stable: adjacency sets frozen per
 *      level), every test conditioned on the lagged parents of both ends;
 *   3. collider orientation with the 'majority' rule over all separating subsets of all
 *      contemporaneous neighbours (enumerated once per non-adjacent pair and shared by its
 *      triples), so the result does not depend on column order;
 *   4. orientation rules R1-R3 in tigramite's order (one pass of each per round, see pdag.h),
 *      each pass applied as a batch; conflicting orientations become x-x
 *      (conflict_resolution = True).
 * Optionally (off by default), candidates are screened by their marginal correlations before
 * steps 1 and 2 (pcmci_params.screen_alpha, screen_top_k).
 * All tests are ParCorr tests answered from one correlation matrix of the embedded vector
 * (lagcov.h with max_lag = 2 tau_max), so the data itself is never touched.
 */
#ifndef CAUSALMON_PCMCIPLUS_H
#define CAUSALMON_PCMCIPLUS_H

#include "svar_graph.h"

#include <stddef.h>

struct pcmci_params {
    int tau_max;       /* >= 0 */
    double alpha;      /* pc_alpha: significance level of every test, (0, 1) */
    int max_conds_dim; /* cap on |S| per level in PC1 and the skeleton; -1 = unlimited */
    int max_conds_py;  /* lagged parents of the target used as conditions; -1 = all */
    int max_conds_px;  /* lagged parents of the driver used as conditions; -1 = all */
    /* Optional cap on the neighbours whose subsets the majority rule enumerates (2^k tests per
     * pair); 0 (the default) = all of them, up to PCMCI_COLLIDER_NBRS_CEILING. When a cap applies
     * the strongest links are kept (by |MCI statistic|, not by column index) and the pair is
     * counted in pcmci_stats.collider_capped. */
    int max_collider_nbrs;
    /* Candidate screening (pcmciplus_screen.c), off by default (0 and 0): an approximation that
     * can change results. Before PC1, a lagged candidate (i, -tau) of target j is kept only if its
     * marginal correlation with (j, 0) has a two-sided p-value <= screen_alpha and, with
     * screen_top_k > 0, it is among the screen_top_k strongest lagged candidates of j by |r|.
     * Before the skeleton, a contemporaneous pair (i, j) is kept only if its lag-0 marginal
     * correlation passes screen_alpha and, with screen_top_k > 0, i is among the screen_top_k
     * strongest contemporaneous partners of j or j among those of i. Candidates screened out
     * are never tested: their entries in the graph hold the marginal correlation and its
     * p-value. A parent with no marginal correlation but a conditional dependence (cancelling
     * paths) is missed. With screen_top_k 0 and screen_alpha >= alpha, the lagged parents equal
     * the unscreened ones (PC1's first level tests these marginals at alpha). */
    double screen_alpha; /* 0 = no level; else in (0, 1), e.g. PCMCI_SCREEN_ALPHA_DEFAULT */
    int screen_top_k;    /* 0 = no cap; else candidates kept per target and kind */
    /* polled before every CI test; once non-zero the run stops early and returns -1 with
     * "cancelled" (NULL: never). Set from any thread. */
    const volatile int *cancel;
};

/* Neighbour lists longer than this are always capped (2^24 tests per pair would take minutes);
 * such pairs are counted in pcmci_stats.collider_capped, never silently. */
#define PCMCI_COLLIDER_NBRS_CEILING 24

/* The screening level `causalmon discover --screen` uses: loose against the default alpha 0.01,
 * so screening removes only candidates with little marginal evidence. */
#define PCMCI_SCREEN_ALPHA_DEFAULT 0.1

struct pcmci_stats {
    long tests;            /* CI tests run */
    long collinear;        /* conditions dropped as collinear */
    long degenerate;       /* tests whose X or Y was explained exactly by the conditions */
    long low_df;           /* tests with fewer than one degree of freedom */
    int ambiguous_triples; /* unshielded triples the majority rule could not decide */
    int conflicts;         /* contemporaneous links marked x-x */
    long collider_capped;  /* (x, j) pairs whose collider neighbour lists were capped */
    long screened_lagged;  /* lagged candidates removed by screening (never tested) */
    long screened_contemp; /* contemporaneous pairs removed by screening (never tested) */
};

/* Fills params with the defaults (alpha 0.01, no caps: every collider neighbour, no
 * screening). */
void pcmci_params_default(struct pcmci_params *p, int tau_max);

/* Runs PCMCI+ on the correlation matrix R of the embedded vector of `nvars` series with
 * max_lag = 2 tau_max (dimension nvars (2 tau_max + 1), coordinate lag * nvars + i), estimated
 * from n rows. Writes links, p-values and statistics into g (created by the caller with the same
 * nvars and tau_max; previous contents are overwritten) and counters into st (may be NULL).
 * Returns 0, or -1 with a message in err if the parameters are invalid or the run was
 * cancelled (params->cancel). Single-threaded;
 * R and g are used only during the call. */
int pcmciplus_run(const double *R, int nvars, long n, const struct pcmci_params *params,
                  struct svar_graph *g, struct pcmci_stats *st, char *err, size_t errlen);

struct lagblock;
/* Same as pcmciplus_run, on the embedded correlation answered from lag blocks (lagblock.h, built
 * with max_lag = 2 tau_max): (2 tau_max + 1) N^2 doubles instead of D^2, same results. */
int pcmciplus_run_blocks(const struct lagblock *lb, int nvars, const struct pcmci_params *params,
                         struct svar_graph *g, struct pcmci_stats *st, char *err, size_t errlen);

/* Benjamini-Hochberg over every candidate adjacency of g (lagged (i, j, tau) entries and each
 * unordered contemporaneous pair once, as PCMCI+ tested them): fills g->qval and removes links
 * whose q-value exceeds alpha. Orientation of the remaining links is left as it was. */
void pcmciplus_apply_fdr(struct svar_graph *g, double alpha);

#endif
