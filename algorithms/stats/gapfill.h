/*
 * gapfill.h - the missing-value policy for aligned series, in one place.
 *
 * Rule (documented in README "Missing values"):
 *   1. Interior gaps of at most `max_gap` consecutive missing values (NaN) are filled by linear
 *      interpolation between the neighbouring observed values.
 *   2. Longer gaps, and missing values before the first or after the last observation, stay
 *      missing; lagcov then leaves out every embedded row that touches them (listwise deletion).
 *   3. The caller drops a series whose missing share exceeds its limit rather than losing rows
 *      for every other series (see gapfill_missing_share).
 * Pure functions; any thread.
 */
#ifndef CAUSALMON_GAPFILL_H
#define CAUSALMON_GAPFILL_H

/* Fills short interior gaps of column `col` of the row-major matrix X (rows x ncols) in place.
 * Returns the number of values filled. */
long gapfill_column(double *X, int rows, int ncols, int col, int max_gap);

/* Share of NaN values in column `col`, in [0, 1]. rows = 0 gives 0. */
double gapfill_missing_share(const double *X, int rows, int ncols, int col);

#endif
