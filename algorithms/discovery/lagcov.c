#include "lagcov.h"

#include "covmat.h"
#include "xalloc.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK_ROWS = 64 };

struct lagcov {
    int nvars, max_lag, dim, window;
    int ring_cap, ring_len, ring_head; /* raw samples: capacity W + L */
    double *ring;                      /* ring_cap x N */
    long n;                            /* valid embedded rows in the sums */
    double *shift, *s, *S;             /* K[D], s[D], S[D*D] upper triangle */
    double *block;                     /* BLOCK_ROWS x D scratch (recompute, rows) */
};

struct lagcov *lagcov_new(int nvars, int max_lag, int window, char *err, size_t errlen)
{
    if (nvars < 1 || max_lag < 0 || window < 1) {
        snprintf(err, errlen, "lagcov: invalid sizes (nvars=%d, max_lag=%d, window=%d)", nvars,
                 max_lag, window);
        return NULL;
    }
    int64_t dim = (int64_t)nvars * (max_lag + 1);
    if (dim > 46340 || (int64_t)window + max_lag > INT32_MAX / nvars) {
        snprintf(err, errlen, "lagcov: embedded dimension %lld too large", (long long)dim);
        return NULL;
    }
    struct lagcov *lc = xcalloc(1, sizeof *lc);
    lc->nvars = nvars;
    lc->max_lag = max_lag;
    lc->dim = (int)dim;
    lc->window = window;
    lc->ring_cap = window + max_lag;
    lc->ring = xmallocarray((size_t)lc->ring_cap * nvars, sizeof(double));
    lc->shift = xcalloc((size_t)dim, sizeof(double));
    lc->s = xcalloc((size_t)dim, sizeof(double));
    lc->S = xcalloc((size_t)dim * dim, sizeof(double));
    lc->block = xmallocarray((size_t)BLOCK_ROWS * dim, sizeof(double));
    return lc;
}

void lagcov_free(struct lagcov *lc)
{
    if (!lc) return;
    free(lc->ring);
    free(lc->shift);
    free(lc->s);
    free(lc->S);
    free(lc->block);
    free(lc);
}

/* Raw sample k of the ring, k = 0 the oldest. */
static const double *raw_at(const struct lagcov *lc, int k)
{
    return lc->ring + (size_t)((lc->ring_head + k) % lc->ring_cap) * lc->nvars;
}

/* Builds the embedded row that ends at raw sample k (k >= L) into out[D].
 * Returns 1 if no coordinate is NaN (missing), i.e. the row is valid, else 0. */
static int embed_row(const struct lagcov *lc, int k, double *out)
{
    int N = lc->nvars, valid = 1;
    for (int lag = 0; lag <= lc->max_lag; lag++) {
        const double *x = raw_at(lc, k - lag);
        for (int i = 0; i < N; i++) {
            double v = x[i];
            if (isnan(v)) valid = 0;
            out[lag * N + i] = v;
        }
    }
    return valid;
}

static void rank_one(struct lagcov *lc, const double *v, double sign)
{
    int D = lc->dim;
    double *d = lc->block; /* row 0 of the scratch */
    for (int p = 0; p < D; p++) d[p] = v[p] - lc->shift[p];
    cblas_daxpy(D, sign, d, 1, lc->s, 1);
    cblas_dsyr(CblasRowMajor, CblasUpper, D, sign, d, 1, lc->S, D);
    lc->n += sign > 0 ? 1 : -1;
}

void lagcov_push(struct lagcov *lc, const double *x)
{
    int N = lc->nvars, L = lc->max_lag;
    double *row = lc->block + (size_t)(BLOCK_ROWS - 1) * lc->dim; /* last scratch row */
    if (lc->ring_len == lc->ring_cap) {
        /* The oldest embedded row ends at raw sample L; it leaves the window. */
        if (embed_row(lc, L, row)) rank_one(lc, row, -1.0);
        lc->ring_head = (lc->ring_head + 1) % lc->ring_cap;
        lc->ring_len--;
    }
    int slot = (lc->ring_head + lc->ring_len) % lc->ring_cap;
    memcpy(lc->ring + (size_t)slot * N, x, (size_t)N * sizeof(double));
    lc->ring_len++;
    if (lc->ring_len > L && embed_row(lc, lc->ring_len - 1, row)) {
        if (lc->n == 0) {
            /* First valid row: use it as the shift so sums start at zero distance. */
            memcpy(lc->shift, row, (size_t)lc->dim * sizeof(double));
            memset(lc->s, 0, (size_t)lc->dim * sizeof(double));
            memset(lc->S, 0, (size_t)lc->dim * lc->dim * sizeof(double));
        }
        rank_one(lc, row, 1.0);
    }
}

void lagcov_load(struct lagcov *lc, const double *X, int rows)
{
    int N = lc->nvars;
    int start = rows > lc->ring_cap ? rows - lc->ring_cap : 0;
    lc->ring_head = 0;
    lc->ring_len = rows - start;
    memcpy(lc->ring, X + (size_t)start * N, (size_t)lc->ring_len * N * sizeof(double));
    lagcov_recompute(lc);
}

void lagcov_recompute(struct lagcov *lc)
{
    int D = lc->dim, L = lc->max_lag;
    double *row = lc->block;
    memset(lc->s, 0, (size_t)D * sizeof(double));
    memset(lc->S, 0, (size_t)D * D * sizeof(double));
    memset(lc->shift, 0, (size_t)D * sizeof(double));
    lc->n = 0;
    /* Pass 1: the mean of the valid rows becomes the shift K. */
    long n = 0;
    for (int k = L; k < lc->ring_len; k++) {
        if (!embed_row(lc, k, row)) continue;
        n++;
        cblas_daxpy(D, 1.0, row, 1, lc->shift, 1);
    }
    if (n == 0) return;
    cblas_dscal(D, 1.0 / (double)n, lc->shift, 1);
    /* Pass 2: S = sum (v - K)(v - K)^T in blocks of rows (BLAS-3). */
    int filled = 0;
    for (int k = L; k < lc->ring_len; k++) {
        double *dst = lc->block + (size_t)filled * D;
        if (!embed_row(lc, k, dst)) continue;
        for (int p = 0; p < D; p++) {
            dst[p] -= lc->shift[p];
            lc->s[p] += dst[p];
        }
        if (++filled == BLOCK_ROWS) {
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, D, filled, 1.0, lc->block, D, 1.0,
                        lc->S, D);
            filled = 0;
        }
    }
    if (filled)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, D, filled, 1.0, lc->block, D, 1.0, lc->S,
                    D);
    lc->n = n;
}

long lagcov_rows(const struct lagcov *lc)
{
    return lc->n;
}

int lagcov_covariance(const struct lagcov *lc, double *C)
{
    if (lc->n < 2) return -1;
    int D = lc->dim;
    double n = (double)lc->n;
    for (int p = 0; p < D; p++) {
        for (int q = p; q < D; q++) {
            double c = (lc->S[(size_t)p * D + q] - lc->s[p] * lc->s[q] / n) / (n - 1.0);
            C[(size_t)p * D + q] = c;
            C[(size_t)q * D + p] = c;
        }
    }
    return 0;
}

int lagcov_correlation(const struct lagcov *lc, double *R, double *var)
{
    if (lagcov_covariance(lc, R) < 0) return -1;
    covmat_to_correlation(R, lc->dim, var);
    return 0;
}
