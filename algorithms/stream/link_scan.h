/*
 * link_scan.h - a new lagged parent of a series, found without relearning the graph.
 *
 * Every series j has a residual e_j (its value minus its reference fit on its known parents).
 * A new lagged parent x_i(t - lag) shows as a correlation of e_j with x_i(t - lag) that was not
 * there in the reference window. link_scan_corr gives the correlations of every residual column
 * with every candidate column over one window (one matrix product, so a round over N series and
 * K = N x tau_max candidates costs O(rows x N x K) in BLAS); link_scan_test compares a series'
 * correlations of the recent window with those of the reference window (Fisher-z difference per
 * candidate, Bonferroni over the candidates tested).
 * No I/O, no state; any thread.
 */
#ifndef CAUSALMON_LINK_SCAN_H
#define CAUSALMON_LINK_SCAN_H

/* Correlations r[j * K + c] of column j of E (n x N, row-major) with column c of Z (n x K,
 * row-major) over the rows where both are present (NaN = missing; a missing entry counts as the
 * column mean, which shrinks r slightly and keeps its null distribution centred), every column
 * winsorised at 2.5 sds (the sd taken again after each of 3 passes) so that a heavy-tailed
 * outlier does not make a correlation. E and Z are
 * overwritten (centred, clipped, missing set to 0). A constant column gives r = 0. */
void link_scan_corr(double *E, int n, int N, double *Z, int K, double *r);

/* Mean and standard deviation of every column of A (n x k, row-major) over its present entries
 * (0 and 0 for a column with fewer than 2). */
void link_scan_moments(const double *A, int n, int k, double *mean, double *sd);

/* Tests candidates c of one series whose skip[c] is 0: r0[c] (reference window, n0 rows) against
 * r1[c] (recent window, n1 rows), Fisher-z difference; a candidate counts only when
 * |r1 - r0| >= min_diff. Returns the Bonferroni p-value (1 when nothing counts or a window has
 * fewer than 10 rows) and the best candidate in *best (-1 if none). */
double link_scan_test(const double *r0, int n0, const double *r1, int n1, const int *skip, int K,
                      double min_diff, int *best);

#endif
