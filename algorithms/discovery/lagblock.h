/*
 * lagblock.h - the correlation matrix of the lag-embedded vector, stored as lag blocks.
 *
 * For N complete series x_0..x_{rows-1} and embedding depth L, the embedded row at time t
 * (t = L .. rows-1, n = rows - L rows) is v_t = (x_t, x_{t-1}, ..., x_{t-L}), coordinate
 * lag * N + i as in lagcov.h. Its full D x D matrix (D = N (L + 1)) costs D^2 doubles: 392 MB at
 * N = 1000, L = 6. This object keeps instead the lag cross-products
 *     Gamma(d)[i][j] = sum over s = L .. rows-1 of z_{s,i} z_{s-d,j},   d = 0 .. L,
 * ((L + 1) N^2 doubles, z = x minus its column mean), the centred data itself (rows N doubles),
 * and prefix sums. Entry ((a, i), (b, j)), a <= b, of the embedded cross-product matrix is
 * Gamma(b - a)[i][j] over the window shifted by a rows, which is Gamma(b - a)[i][j] plus the a
 * rows entering at the start minus the a rows leaving at the end: O(L) work per entry, and the
 * result is the same matrix (up to round-off) as lagcov.h computes, not a stationary
 * approximation. Correlations follow with the window means of each coordinate. A coordinate
 * with zero variance gets correlation 1 with itself and 0 with everything else (as lagcov.h).
 *
 * Only complete data (no NaN) is accepted: listwise deletion makes the rows of the window
 * non-contiguous (use lagcov.h then). Immutable after creation: any thread may read it.
 */
#ifndef CAUSALMON_LAGBLOCK_H
#define CAUSALMON_LAGBLOCK_H

#include <stddef.h>

struct lagblock;

/* Builds the blocks from X (rows x nvars, row-major, no NaN) for embedding depth max_lag >= 0.
 * Returns NULL with a message in err if a value is not finite or rows <= max_lag + 1.
 * Work: (max_lag + 1) matrix products of N x n by n x N (BLAS-3). The caller owns the result. */
struct lagblock *lagblock_new(const double *X, int rows, int nvars, int max_lag, char *err,
                              size_t errlen);
void lagblock_free(struct lagblock *lb);

/* Number of embedded rows n = rows - max_lag, and the embedded dimension D. */
long lagblock_rows(const struct lagblock *lb);
int lagblock_dim(const struct lagblock *lb);

/* Correlation of embedded coordinates u and v (0 <= u, v < D). */
double lagblock_corr(const struct lagblock *lb, int u, int v);

/* Bytes held by an object for these sizes (for reporting and limits). */
size_t lagblock_bytes(int rows, int nvars, int max_lag);

#endif
