/*
 * lagcov.h - sliding sufficient statistics of the lag-embedded vector (docs/algorithms.md §1,
 * §10.1).
 *
 * For N series and embedding depth L, the embedded row at time t is
 *     v_t = (x_t, x_{t-1}, ..., x_{t-L})  in R^D,  D = N (L + 1),
 * with coordinate  lag * N + i  holding x_{t-lag, i} (see lagcov_index). PCMCI/PCMCI+ use
 * L = 2 tau_max, so one covariance matrix of v answers every ParCorr test of a run on the same
 * n rows (tigramite's '2xtau_max' cut-off).
 *
 * The object keeps a ring of the last W + L raw samples (so the last W embedded rows can be
 * rebuilt), a shift vector K, s = sum (v - K) and the upper triangle of S = sum (v - K)(v - K)^T
 * over the valid rows of the window. The shift keeps the sums exact for metrics at levels of 1e9:
 * catastrophic cancellation in S - s s^T / n only depends on the distance of the data from K.
 * lagcov_recompute() re-picks K as the window mean and rebuilds S exactly (two-pass).
 *
 * Missing values: a raw value that is NaN marks every embedded row that contains it as invalid.
 * Invalid rows are never added to the sums (listwise deletion over the D coordinates, the
 * shared-matrix equivalent of tigramite's missing_flag); lagcov_rows() counts valid rows only.
 * Fill short gaps before pushing (see gapfill.h) to keep the row loss small.
 *
 * Memory: (W + L) N + D^2 + 64 D doubles, fixed at creation. Not thread-safe; one owner thread.
 */
#ifndef CAUSALMON_LAGCOV_H
#define CAUSALMON_LAGCOV_H

#include <stddef.h>

struct lagcov;

/* Coordinate of variable i at lag `lag` in the embedded vector of N variables. */
static inline int lagcov_index(int nvars, int i, int lag)
{
    return lag * nvars + i;
}

/* Creates empty statistics for `nvars` >= 1 series, embedding depth `max_lag` >= 0 and a window
 * of `window` >= 1 embedded rows. Returns NULL (with a message in err) if the sizes are out of
 * range or D^2 would overflow. The caller owns the result (lagcov_free). */
struct lagcov *lagcov_new(int nvars, int max_lag, int window, char *err, size_t errlen);
/* Releases the object; NULL is a no-op. */
void lagcov_free(struct lagcov *lc);

/* Appends one raw sample x[0..N) (NaN = missing) and slides the window: the newest embedded row
 * is added with a rank-one update and, when the window is full, the oldest is removed with a
 * rank-one downdate (O(D^2)). */
void lagcov_push(struct lagcov *lc, const double *x);

/* Replaces the contents with the last rows of the row-major matrix X (rows x N) and recomputes
 * exactly. This is the fast batch path (blocked dsyrk, O(n D^2 / 2) at BLAS-3 speed). */
void lagcov_load(struct lagcov *lc, const double *X, int rows);

/* Rebuilds K, s and S exactly from the raw ring (two-pass: mean, then centred cross-products).
 * Call every W slides in a long-running stream to stop round-off from accumulating. */
void lagcov_recompute(struct lagcov *lc);

/* Number of valid embedded rows currently in the window (the n of every test). */
long lagcov_rows(const struct lagcov *lc);

/* Writes the full symmetric sample covariance (divisor n - 1) into C[D*D], row-major.
 * Returns 0, or -1 if fewer than 2 valid rows exist (C untouched). */
int lagcov_covariance(const struct lagcov *lc, double *C);

/* Writes the correlation matrix into R[D*D] and the per-coordinate variances into var[D]
 * (var may be NULL). A coordinate with zero variance gets R[p][p] = 1 and 0 elsewhere, so tests
 * treat it as independent of everything. Returns 0, or -1 if fewer than 2 valid rows. */
int lagcov_correlation(const struct lagcov *lc, double *R, double *var);

#endif
