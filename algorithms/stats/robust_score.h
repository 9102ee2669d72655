/*
 * robust_score.h - median, IQR and ranking helpers, and the published graph-free score of BARO
 * (Pham et al., FSE 2024; kept as a reference: the ranking's own evidence is anomaly.h;
 * docs/algorithms.md §9.3): for each series, median and IQR on the reference rows, then the largest
 * absolute deviation |x - median| / IQR over the rows after the change. The absolute value
 * (unlike BARO's signed maximum) scores drops such as falling request rates too.
 *
 * Missing values (NaN) are skipped. A series with fewer than 3 reference values or no value
 * after the change scores NaN (ranked last). IQR 0 happens with discrete values (counts of a
 * log template that mostly repeat one value): the scale falls back to 1.349 x the standard
 * deviation (the IQR of a normal law), and only for a truly constant reference to
 * 1e-9 x (1 + |median|), so any departure from a flat line scores very high, and none scores 0.
 * Pure; any thread.
 */
#ifndef CAUSALMON_ROBUST_SCORE_H
#define CAUSALMON_ROBUST_SCORE_H

/* X is rows x n (row-major). Reference rows [0, split), scored rows [split, rows). Writes
 * score[n]. Returns 0, or -1 if split is not in [1, rows - 1]. */
int robust_score(const double *X, int rows, int n, int split, double *score);

/* The median of v[0..n) (n >= 1, no NaN); sorts v in place. */
double robust_median(double *v, int n);

/* Median and IQR (IQR 0 replaced as above) of column col over rows [0, split), skipping NaN;
 * scratch holds split doubles. Returns the number of values used (< 3: med and iqr are NaN). */
int robust_center(const double *X, int rows, int n, int col, int split, double *med, double *iqr,
                  double *scratch);

/* Fills order[n] with the series indices by descending score (NaN last, ties by index). */
void robust_rank(const double *score, int n, int *order);

#endif
