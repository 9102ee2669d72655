/*
 * parcorr.h - the ParCorr conditional-independence test answered from a correlation matrix
 * (docs/algorithms.md §2.1 and §10.2).
 *
 * X ⊥ Y | Z is tested on coordinates of a D x D correlation matrix R (for PCMCI: the matrix of
 * the lag-embedded vector from lagcov.h) estimated from n rows. The statistic is the partial
 * correlation rho(X, Y | Z), identical to tigramite's residual correlation (OLS of X and Y on Z),
 * and the p-value is its two-sided Student-t test with df = n - k - 2, k = |Z| used.
 *
 * Method: a Cholesky factor of R over [Z, X, Y] is built column by column (bordering). A
 * conditioning variable whose new pivot d^2 is below PARCORR_COLLINEAR_EPS times its variance is
 * collinear with the earlier ones (e.g. a, b and a+b): it is skipped, counted, and k shrinks by
 * one, which is what least squares with a rank-deficient design gives. If X or Y itself is
 * (numerically) a function of Z, the residual is zero: the result is rho = 0, p = 1 (no evidence
 * of dependence) with `degenerate` set. If df < 1 the result is rho = 0, p = 1 with `low_df` set;
 * callers cap |Z| so that this does not happen silently.
 *
 * Reuse across tests (§10.2): the factor of the previous call's conditions is kept, and the next
 * call re-borders only from the first condition where the two lists differ. Callers that order
 * conditions as "shared prefix first" (PC1's strongest-first sets, the skeleton's S + parents of
 * the target) get most factors for free. Results do not depend on the reuse.
 *
 * A struct parcorr owns scratch space sized for the largest |Z| it will see and counters; one
 * thread per object. R is borrowed, not copied: it must outlive the calls.
 */
#ifndef CAUSALMON_PARCORR_H
#define CAUSALMON_PARCORR_H

#include <stddef.h>

#define PARCORR_COLLINEAR_EPS 1e-10

struct ci_result {
    double val;     /* partial correlation in [-1, 1] */
    double pval;    /* two-sided p-value in [0, 1] */
    int df;         /* degrees of freedom used */
    int k_used;     /* conditions kept after dropping collinear ones */
    int degenerate; /* X or Y explained exactly by Z */
    int low_df;     /* too few samples for |Z| */
};

/* Entry (u, v) of a correlation matrix that is not stored as a D x D array (e.g. lagblock.h). */
typedef double (*parcorr_entry_fn)(const void *ctx, int u, int v);

struct parcorr {
    const double *R; /* borrowed D x D correlation matrix, row-major; NULL: use `entry` */
    parcorr_entry_fn entry;
    const void *entry_ctx;
    int dim;
    long n;
    int max_k;      /* current scratch capacity in conditions; grows on demand */
    double *L;      /* (max_k + 2)^2 scratch: packed Cholesky rows */
    int *accepted;  /* indices of the kept conditions */
    int *prev_z;    /* conditions of the previous call, as given */
    int *kept_upto; /* kept_upto[a] = rows of L accepted after prev_z[0..a] */
    int prev_k;     /* length of prev_z (-1: nothing cached) */
    long nreused;   /* conditions whose factor row was reused */
    long ntests;
    long ncollinear;
    long ndegenerate;
    long nlow_df;
};

/* Initialises a tester for R (dim x dim, estimated from n rows) with scratch for max_k
 * conditions; the scratch grows when a test needs more (memory follows the largest condition
 * set actually tested, not dim). Release it with parcorr_fini. */
void parcorr_init(struct parcorr *pc, const double *R, int dim, long n, int max_k);
void parcorr_fini(struct parcorr *pc);
/* Same as parcorr_init, for a matrix answered entry by entry by entry(ctx, u, v) (borrowed; must
 * outlive the calls). Results equal those on the stored matrix with the same entries. */
void parcorr_init_fn(struct parcorr *pc, parcorr_entry_fn entry, const void *ctx, int dim, long n,
                     int max_k);
/* Points the tester at another matrix and drops the cached factor. */
void parcorr_set_matrix(struct parcorr *pc, const double *R, int dim, long n);

/* Tests x ⊥ y | z[0..k). x, y and z are coordinates of R, pairwise distinct.
 * Always fills *out (see the header comment for the degenerate cases). */
void parcorr_test(struct parcorr *pc, int x, int y, const int *z, int k, struct ci_result *out);

/* Residual variance of coordinate x given z[0..k) (the Schur complement R_xx - R_xZ R_ZZ^-1 R_Zx,
 * with collinear conditions dropped as in parcorr_test). R may be any symmetric positive
 * semi-definite matrix, e.g. a scatter matrix, which makes this the residual sum of squares of
 * the regression of x on z. Stores the number of kept conditions in *k_used (may be NULL).
 * Returns 0 when x is explained exactly (below the collinearity threshold). */
double parcorr_residual(struct parcorr *pc, int x, const int *z, int k, int *k_used);

/* The p-value of a partial correlation rho with df degrees of freedom (tigramite's analytic
 * t-test). |rho| = 1 gives 0; df < 1 gives 1. */
double parcorr_pvalue(double rho, int df);

#endif
