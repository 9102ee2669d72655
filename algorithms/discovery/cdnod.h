/*
 * cdnod.h - CD-NOD causal discovery from nonstationary data (Huang, Zhang et al., JMLR 2020;
 * docs/algorithms.md §6), on time series.
 *
 *   0. Seasonal profiles are detected and removed per series (seasonality.h): a cycle is not a
 *      change. Lagged parents come from PCMCI+ (svar_discover_graph) when tau_max > 0.
 *   1. Skeleton over X ∪ {C} (PC-stable, depth <= max_depth). X_i - X_j is tested by ParCorr
 *      given S and the lagged parents of both (C in S enters as segment dummies); C - X_j by the
 *      mechanism-change primitive (mech_change.h) given S and the lagged parents of X_j.
 *      Changing modules = nodes still adjacent to C, after Benjamini-Hochberg across nodes on
 *      their largest p-value.
 *   2. Orientation: C -> X; unshielded colliders from separating sets (a triple C - X_i - X_j
 *      with X_i in sep(C, X_j) is a non-collider, so R1 gives X_i -> X_j: changes propagate to
 *      effects, not causes); R1-R3 (pdag.h).
 *      Faithfulness repair: nodes separated from C are retested given their possible parents
 *      (see retest_possible_parents in cdnod.c); a change that leaves the marginal law intact,
 *      such as a sign flip of a contemporaneous parent's coefficient, is found this way, and the
 *      graph is oriented again.
 *   3. Independent changes, linear form, for undirected edges whose two ends both change: the
 *      rows are cut into CDNOD_BLOCKS time blocks; for X -> Y the block-wise parameters of P(X)
 *      (mean, variance) should vary independently of those of P(Y | X) (intercept, slope,
 *      residual variance). Delta(X -> Y) is the mean squared correlation between the two
 *      parameter sets across blocks; the direction with the smaller Delta is chosen when it is
 *      below half the other (a margin, so weak evidence leaves the edge undirected).
 *   4. Driving force: each changing module is refitted on its final parents per segment; the
 *      per-segment intercept, coefficients and noise scale show how the mechanism moved.
 * Single-threaded (FFTW planning, OpenBLAS); all inputs are borrowed for the call.
 */
#ifndef CAUSALMON_CDNOD_H
#define CAUSALMON_CDNOD_H

#include "mech_change.h"
#include "svar_graph.h"

#include <stddef.h>
#include <stdint.h>

#define CDNOD_BLOCKS 10

struct cdnod_params {
    int tau_max;         /* lagged parents from PCMCI+ (0 = none); default 2 */
    double alpha;        /* significance level of every test and of the BH step; 0.01 */
    enum mech_test test; /* C - X_j test; default MECH_RCIT */
    int max_depth;       /* largest conditioning set in the skeleton; default 3 */
    int deseason;        /* detect and remove seasonal profiles; default 1 */
    uint64_t seed;       /* random features */
    int time_kernel;     /* kernel tests take the time index itself as C (the segments then
                            only serve the linear tests); for a time-index context */
};

struct cdnod_change {
    int var;
    double pval, qval;         /* largest p-value of the C - X tests, and its BH q-value */
    struct mech_result detail; /* refit on the final parents: kind and per-segment fits */
    int nparents;
    int *parents; /* nodes lag * N + i, in the order of detail.lin.coef[1..] */
};

struct cdnod_result {
    struct svar_graph *graph; /* lagged links from PCMCI+, contemporaneous from CD-NOD */
    int nchanged;
    struct cdnod_change *changed;
    int *period; /* [N] seasonal period removed, 0 = none */
    long samples;
    long tests;
    int phase3_oriented; /* edges oriented by independent changes */
};

void cdnod_params_default(struct cdnod_params *p);

/* Runs CD-NOD on Y (T x N, row-major, screened and gap-filled; rows with NaN are left out) with
 * segment labels seg[0..T) in 0..K-1 (K >= 2). Returns 0 and fills *res (release with
 * cdnod_result_free), or -1 with a message in err (too few rows, a segment too small for a
 * node's parents, sizes too large). */
int cdnod_run(const double *Y, int T, int N, const int *seg, int K, const struct cdnod_params *p,
              struct cdnod_result *res, char *err, size_t errlen);
void cdnod_result_free(struct cdnod_result *res);

#endif
