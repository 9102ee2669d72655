#include "rcot.h"

#include "dist.h"
#include "rng.h"
#include "standardize.h"
#include "xalloc.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void rcot_params_default(struct rcot_params *p, uint64_t seed)
{
    p->num_f = 100;
    p->num_f2 = 5;
    p->num_fy = 5;
    p->x_is_features = 0;
    p->seed = seed;
}

double hbe_upper(double x, const double *lambda, int m)
{
    double k1 = 0, k2 = 0, k3 = 0;
    for (int a = 0; a < m; a++) {
        double l = lambda[a];
        if (l <= 0) continue;
        k1 += l;
        k2 += l * l;
        k3 += l * l * l;
    }
    if (k1 <= 0) return 1.0;
    k2 *= 2;
    k3 *= 8;
    double nu = 8.0 * k2 * k2 * k2 / (k3 * k3);
    double y = (x - k1) * sqrt(2.0 * nu / k2) + nu;
    return dist_chisq_upper(y, nu);
}

/* The k-th smallest of v[0..n) (Hoare's quickselect; reorders v). O(n) on average. */
static double select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/* Median pairwise Euclidean distance among <= RCOT_BANDWIDTH_ROWS evenly spaced rows (not the
 * first rows: for ordered data such as a time index those would cover a sliver of the range). */
static double median_distance(const double *V, int n, int d)
{
    int m = n < RCOT_BANDWIDTH_ROWS ? n : RCOT_BANDWIDTH_ROWS;
    double step = (double)n / m;
    size_t cnt = (size_t)m * (m - 1) / 2, k = 0;
    if (cnt == 0) return 1.0;
    double *dist = xmallocarray(cnt, sizeof(double));
    for (int a = 0; a < m; a++)
        for (int b = a + 1; b < m; b++) {
            double s = 0;
            size_t ra = (size_t)(a * step), rb = (size_t)(b * step);
            for (int c = 0; c < d; c++) {
                double t = V[ra * d + c] - V[rb * d + c];
                s += t * t;
            }
            dist[k++] = sqrt(s);
        }
    double med = select_kth(dist, cnt, cnt / 2);
    free(dist);
    return med > 0 ? med : 1.0;
}

/* Random Fourier features of the (standardised copy of) V: returns n x m, standardised. */
static double *rff(const double *V, int n, int d, int m, struct rng *r)
{
    double *S = xmallocarray((size_t)n * d, sizeof(double));
    memcpy(S, V, (size_t)n * d * sizeof(double));
    standardize_columns(S, n, d);
    double sigma = median_distance(S, n, d);
    double *W = xmallocarray((size_t)d * m, sizeof(double)),
           *b = xmallocarray((size_t)m, sizeof(double));
    for (int a = 0; a < d * m; a++) W[a] = rng_normal(r) / sigma;
    for (int a = 0; a < m; a++) b[a] = 2.0 * M_PI * rng_uniform(r);
    double *F = xmallocarray((size_t)n * m, sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, m, d, 1.0, S, d, W, m, 0.0, F, m);
    for (int row = 0; row < n; row++)
        for (int a = 0; a < m; a++)
            F[(size_t)row * m + a] = M_SQRT2 * cos(F[(size_t)row * m + a] + b[a]);
    standardize_columns(F, n, m);
    free(S);
    free(W);
    free(b);
    return F;
}

/* Replaces F (n x m) by its residual after least squares on Fz (n x mz) using the Cholesky
 * factor of Czz (upper, mz x mz, already factored). */
static void residualise(double *F, int n, int m, const double *Fz, int mz, const double *Czz_chol)
{
    double *B = xmallocarray((size_t)mz * m, sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, mz, m, n, 1.0, Fz, mz, F, m, 0.0, B, m);
    LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'U', mz, m, Czz_chol, mz, B, m);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, m, mz, -1.0, Fz, mz, B, m, 1.0, F, m);
    free(B);
}

int rcot_test(const double *X, int dx, const double *Y, int dy, const double *Z, int dz, int n,
              const struct rcot_params *p, double *stat, double *pval)
{
    if (n < 10 || dx < 1 || dy < 1) return -1;
    struct rng r;
    rng_seed(&r, p->seed);
    int mz = dz > 0
                 ? (RCOT_FEATURES_PER_DIM * dz < p->num_f ? RCOT_FEATURES_PER_DIM * dz : p->num_f)
                 : 0;
    int mx = p->x_is_features ? dx : p->num_f2, my = p->num_fy;
    double *Fx;
    if (p->x_is_features) {
        Fx = xmallocarray((size_t)n * dx, sizeof(double));
        memcpy(Fx, X, (size_t)n * dx * sizeof(double));
        standardize_columns(Fx, n, dx);
    } else {
        Fx = rff(X, n, dx, mx, &r);
    }
    double *Fy = rff(Y, n, dy, my, &r);
    if (mz > 0) {
        double *Fz = rff(Z, n, dz, mz, &r);
        double *Czz = xcalloc((size_t)mz * mz, sizeof(double));
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, mz, n, 1.0, Fz, mz, 0.0, Czz, mz);
        for (int a = 0; a < mz; a++) Czz[a * mz + a] += 1e-10 * n;
        if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', mz, Czz, mz) == 0) {
            residualise(Fx, n, mx, Fz, mz, Czz);
            residualise(Fy, n, my, Fz, mz, Czz);
        }
        free(Fz);
        free(Czz);
    }
    /* C_xy.z = cov of the residual features; S = n ||C||_F^2 */
    double *C = xmallocarray((size_t)mx * my, sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, mx, my, n, 1.0 / (n - 1), Fx, mx, Fy, my,
                0.0, C, my);
    double S = 0;
    for (int a = 0; a < mx * my; a++) S += C[a] * C[a];
    S *= n;
    /* Null weights: eigenvalues of the covariance of the products r_x[:,a] r_y[:,b]. */
    int q = mx * my;
    double *Prod = xmallocarray((size_t)n * q, sizeof(double));
    for (int row = 0; row < n; row++)
        for (int a = 0; a < mx; a++)
            for (int b = 0; b < my; b++)
                Prod[(size_t)row * q + a * my + b] =
                    Fx[(size_t)row * mx + a] * Fy[(size_t)row * my + b];
    double *Sig = xcalloc((size_t)q * q, sizeof(double)),
           *lam = xmallocarray((size_t)q, sizeof(double));
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, q, n, 1.0 / n, Prod, q, 0.0, Sig, q);
    if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', q, Sig, q, lam) != 0)
        for (int a = 0; a < q; a++) lam[a] = 1.0;
    *stat = S;
    *pval = hbe_upper(S, lam, q);
    free(Fx);
    free(Fy);
    free(C);
    free(Prod);
    free(Sig);
    free(lam);
    return 0;
}
