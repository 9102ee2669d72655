#include "kci.h"

#include "dist.h"
#include "standardize.h"
#include "xalloc.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Copies every step-th row of V (n * step rows x d) into a new n x d matrix and z-scores it. */
static double *thin_standardize(const double *V, int d, int n, double step, double scale)
{
    double *S = xmallocarray((size_t)n * d, sizeof(double));
    for (int a = 0; a < n; a++) {
        int src = (int)(a * step);
        memcpy(S + (size_t)a * d, V + (size_t)src * d, (size_t)d * sizeof(double));
    }
    standardize_columns(S, n, d);
    if (scale != 1.0)
        for (size_t a = 0; a < (size_t)n * d; a++) S[a] *= scale;
    return S;
}

/* Centred Gaussian kernel matrix H K H of the rows of V (n x d), K = exp(-theta |a-b|^2 / 2). */
static double *centred_kernel(const double *V, int n, int d, double theta)
{
    double *K = xmallocarray((size_t)n * n, sizeof(double));
    for (int a = 0; a < n; a++) {
        K[(size_t)a * n + a] = 1.0;
        for (int b = a + 1; b < n; b++) {
            double s = 0;
            for (int c = 0; c < d; c++) {
                double t = V[(size_t)a * d + c] - V[(size_t)b * d + c];
                s += t * t;
            }
            K[(size_t)a * n + b] = K[(size_t)b * n + a] = exp(-0.5 * theta * s);
        }
    }
    double *rm = xcalloc((size_t)n, sizeof(double)), all = 0;
    for (int a = 0; a < n; a++) {
        for (int b = 0; b < n; b++) rm[a] += K[(size_t)a * n + b];
        rm[a] /= n;
        all += rm[a];
    }
    all /= n;
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) K[(size_t)a * n + b] += all - rm[a] - rm[b];
    free(rm);
    return K;
}

/* Eigenpairs of symmetric K (destroyed) with lambda > 1e-5 lambda_max, at most KCI_MAX_EIG,
 * as columns scaled by sqrt(lambda): returns n x m, sets *m. */
static double *scaled_eigvecs(double *K, int n, int *m)
{
    double *w = xmallocarray((size_t)n, sizeof(double));
    for (int a = 0; a < n; a++) /* symmetrise */
        for (int b = a + 1; b < n; b++) {
            double v = 0.5 * (K[(size_t)a * n + b] + K[(size_t)b * n + a]);
            K[(size_t)a * n + b] = K[(size_t)b * n + a] = v;
        }
    if (LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', n, K, n, w) != 0) {
        free(w);
        *m = 0;
        return xmallocarray(1, sizeof(double));
    }
    double lmax = w[n - 1];
    int cnt = 0;
    for (int a = n - 1; a >= 0 && cnt < KCI_MAX_EIG; a--)
        if (w[a] > 1e-5 * lmax && w[a] > 0) cnt++;
    double *U = xmallocarray((size_t)n * (cnt ? cnt : 1), sizeof(double));
    for (int c = 0; c < cnt; c++) {
        int a = n - 1 - c;
        double s = sqrt(w[a]);
        for (int r = 0; r < n; r++) U[(size_t)r * cnt + c] = K[(size_t)r * n + a] * s;
    }
    free(w);
    *m = cnt;
    return U;
}

static double frob_dot(const double *A, const double *B, size_t len)
{
    double s = 0;
    for (size_t a = 0; a < len; a++) s += A[a] * B[a];
    return s;
}

int kci_test(const double *X, int dx, const double *Y, int dy, const double *Z, int dz, int rows,
             double *stat, double *pval, int *n_used)
{
    if (rows < 10 || dx < 1 || dy < 1) return -1;
    int n = rows > KCI_MAX_N ? KCI_MAX_N : rows;
    double step = (double)rows / n;
    *n_used = n;
    size_t nn = (size_t)n * n;
    if (dz == 0) {
        double w = n < 200 ? 0.8 : n < 1200 ? 0.5 : 0.3;
        double *Xs = thin_standardize(X, dx, n, step, 1.0);
        double *Ys = thin_standardize(Y, dy, n, step, 1.0);
        double *Kx = centred_kernel(Xs, n, dx, 1.0 / (w * w * dx));
        double *Ky = centred_kernel(Ys, n, dy, 1.0 / (w * w * dy));
        double V = frob_dot(Kx, Ky, nn), trx = 0, try_ = 0;
        for (int a = 0; a < n; a++) {
            trx += Kx[(size_t)a * n + a];
            try_ += Ky[(size_t)a * n + a];
        }
        double mean = trx * try_ / n;
        double var = 2.0 * frob_dot(Kx, Kx, nn) * frob_dot(Ky, Ky, nn) / ((double)n * n);
        *stat = V;
        *pval = mean > 0 && var > 0 ? dist_gamma_upper(V, mean * mean / var, var / mean) : 1.0;
        free(Xs);
        free(Ys);
        free(Kx);
        free(Ky);
        return 0;
    }
    double w = n < 200 ? 1.2 : n < 1200 ? 0.7 : 0.4, theta = 1.0 / (w * w * dz);
    double *Xs = thin_standardize(X, dx, n, step, 1.0);
    double *Zs = thin_standardize(Z, dz, n, step, 1.0);
    double *Xz = xmallocarray((size_t)n * (dx + dz), sizeof(double));
    for (int a = 0; a < n; a++) {
        memcpy(Xz + (size_t)a * (dx + dz), Xs + (size_t)a * dx, (size_t)dx * sizeof(double));
        for (int c = 0; c < dz; c++)
            Xz[(size_t)a * (dx + dz) + dx + c] = 0.5 * Zs[(size_t)a * dz + c];
    }
    double *Ys = thin_standardize(Y, dy, n, step, 1.0);
    double *Kx = centred_kernel(Xz, n, dx + dz, theta);
    double *Ky = centred_kernel(Ys, n, dy, theta);
    double *Kz = centred_kernel(Zs, n, dz, theta);
    /* R_z = eps (K_z + eps I)^-1 */
    const double eps = 1e-3;
    double *Rz = xcalloc(nn, sizeof(double));
    for (int a = 0; a < n; a++) Rz[(size_t)a * n + a] = eps;
    for (int a = 0; a < n; a++) Kz[(size_t)a * n + a] += eps;
    lapack_int *ipiv = xmallocarray((size_t)n, sizeof(lapack_int));
    LAPACKE_dgesv(LAPACK_ROW_MAJOR, n, n, Kz, n, ipiv, Rz, n);
    double *T = xmallocarray(nn, sizeof(double));
    /* Kx|z = Rz Kx Rz, Ky|z = Rz Ky Rz */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, Rz, n, Kx, n, 0.0, T, n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, T, n, Rz, n, 0.0, Kx, n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, Rz, n, Ky, n, 0.0, T, n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, T, n, Rz, n, 0.0, Ky, n);
    double V = frob_dot(Kx, Ky, nn);
    int mx, my;
    double *Ux = scaled_eigvecs(Kx, n, &mx), *Uy = scaled_eigvecs(Ky, n, &my);
    int q = mx * my;
    double mean = 0, var = 0;
    if (q > 0) {
        double *U = xmallocarray((size_t)n * q, sizeof(double));
        for (int r = 0; r < n; r++)
            for (int a = 0; a < mx; a++)
                for (int b = 0; b < my; b++)
                    U[(size_t)r * q + a * my + b] = Ux[(size_t)r * mx + a] * Uy[(size_t)r * my + b];
        int small = q <= n ? q : n;
        double *UU = xcalloc((size_t)small * small, sizeof(double));
        if (q <= n)
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, q, q, n, 1.0, U, q, U, q, 0.0, UU,
                        q);
        else
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, q, 1.0, U, q, U, q, 0.0, UU,
                        n);
        for (int a = 0; a < small; a++) mean += UU[(size_t)a * small + a];
        var = 2.0 * frob_dot(UU, UU, (size_t)small * small);
        free(U);
        free(UU);
    }
    *stat = V;
    *pval = mean > 0 && var > 0 ? dist_gamma_upper(V, mean * mean / var, var / mean) : 1.0;
    free(Xs);
    free(Zs);
    free(Xz);
    free(Ys);
    free(Kx);
    free(Ky);
    free(Kz);
    free(Rz);
    free(ipiv);
    free(T);
    free(Ux);
    free(Uy);
    return 0;
}
