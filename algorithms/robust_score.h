/*
 * robust_score.h - the graph-free root-cause baseline of BARO (Pham et al., FSE 2024;
 * ALGORITHMS.md §9.3): for each series, median and IQR on the reference rows, then the largest
 * absolute deviation |x - median| / IQR over the rows after the change. The absolute value
 * (unlike BARO's signed maximum) scores drops such as falling request rates too.
 *
 * Missing values (NaN) are skipped. A series with fewer than 3 reference values or no value
 * after the change scores NaN (ranked last). IQR 0 (a constant reference) falls back to
 * 1e-9 x (1 + |median|), so any departure from a flat line scores very high, and none scores 0.
 * Pure; any thread.
 */
#ifndef CAUSALMON_ROBUST_SCORE_H
#define CAUSALMON_ROBUST_SCORE_H

/* X is rows x n (row-major). Reference rows [0, split), scored rows [split, rows). Writes
 * score[n]. Returns 0, or -1 if split is not in [1, rows - 1]. */
int robust_score(const double *X, int rows, int n, int split, double *score);

/* Fills order[n] with the series indices by descending score (NaN last, ties by index). */
void robust_rank(const double *score, int n, int *order);

#endif
