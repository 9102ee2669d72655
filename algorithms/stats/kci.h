/*
 * kci.h - the kernel conditional-independence test with the gamma approximation
 * (causal-learn KCI_CInd / KCI_UInd defaults; docs/algorithms.md §2.4). O(n^3) time, O(n^2) memory:
 * for confirmation on small samples, not for the stream. Inputs longer than KCI_MAX_N rows are
 * thinned to KCI_MAX_N evenly spaced rows (stated in the result).
 *
 * Conditional: z-score X, Y, Z; X'' = [X, Z/2]; Gaussian kernels with theta = 1 / (w^2 d_Z),
 * w = 1.2 / 0.7 / 0.4 for n < 200 / < 1200 / larger; centred; R_z = eps (K_z + eps I)^-1 with
 * eps = 1e-3; statistic V = sum (R_z K_x R_z) o (R_z K_y R_z); null moments from the eigenpairs
 * (lambda > 1e-5 lambda_max, at most KCI_MAX_EIG each) as in causal-learn.
 * Unconditional (d_Z = 0): HSIC with w = 0.8 / 0.5 / 0.3 and theta = 1 / (w^2 d),
 * mean = tr Kx tr Ky / n, var = 2 sum Kx^2 sum Ky^2 / n^2.
 * Pure; any thread.
 */
#ifndef CAUSALMON_KCI_H
#define CAUSALMON_KCI_H

#define KCI_MAX_N   1000
#define KCI_MAX_EIG 60

/* X (n x dx), Y (n x dy), Z (n x dz, dz may be 0), row-major. Writes the statistic, p-value and
 * the number of rows used. Returns 0, or -1 if n < 10 or dx, dy < 1. */
int kci_test(const double *X, int dx, const double *Y, int dy, const double *Z, int dz, int n,
             double *stat, double *pval, int *n_used);

#endif
