/*
 * rcot.h - RCoT, the randomized conditional correlation test (Strobl, Zhang, Visweswaran 2019;
 * docs/algorithms.md §2.5): X ⊥ Y | Z with random Fourier features, linear in n.
 *
 * Blocks are z-scored; X gets `num_f2`, Y `num_fy` and Z min(num_f, 25 dim(Z)) random Fourier
 * features sqrt(2) cos(w.v + b), w ~ N(0, sigma^-2 I), sigma = the median pairwise distance of
 * <= 200 evenly spaced rows; features are standardised. (The R package uses 25 Z features and 500
 * rows, causal-learn 100 and 500; scaling with dim(Z) keeps one-parent tests cheap and
 * multi-parent tests as rich as causal-learn's.) Y's and X's features are residualised on Z's
 * (C_zz + 1e-10 I), the statistic is S = n ||C_xy.z||_F^2, and its null, a weighted sum of
 * chi-square(1) with the eigenvalues of the residual-product covariance as weights, is matched
 * by Hall-Buckley-Eagleson (three cumulants). Deterministic for a given seed. Pure; any thread.
 */
#ifndef CAUSALMON_RCOT_H
#define CAUSALMON_RCOT_H

#include <stdint.h>

#define RCOT_BANDWIDTH_ROWS   200
#define RCOT_FEATURES_PER_DIM 25

struct rcot_params {
    int num_f;         /* features for Z (default 100) */
    int num_f2;        /* features for X (default 5) */
    int num_fy;        /* features for Y (default 5, like X) */
    int x_is_features; /* X is already a feature block (e.g. one-hot regimes): no RFF on X */
    uint64_t seed;
};

void rcot_params_default(struct rcot_params *p, uint64_t seed);

/* X (n x dx), Y (n x dy), Z (n x dz, dz may be 0: then the unconditional RIT), row-major.
 * Writes the statistic and p-value. Returns 0, or -1 if n < 10 or dx, dy < 1. */
int rcot_test(const double *X, int dx, const double *Y, int dy, const double *Z, int dz, int n,
              const struct rcot_params *p, double *stat, double *pval);

/* P(sum_i lambda_i chi2_1 >= x) by the Hall-Buckley-Eagleson three-moment approximation.
 * Non-positive weights are ignored; no positive weight gives 1. */
double hbe_upper(double x, const double *lambda, int m);

#endif
