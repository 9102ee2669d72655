/* link_scan.c - residual against lagged candidates, reference against recent (link_scan.h). */
#include "link_scan.h"

#include "xalloc.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>

#define WINSOR        2.5
#define WINSOR_PASSES 3

/* Centres every column of A (n x k) over its present entries, sets missing ones to 0 and
 * writes the root sum of squares of each column into norm. */
static void centre(double *A, int n, int k, double *norm)
{
    double *sum = xcalloc((size_t)k, sizeof(double));
    int *cnt = xcalloc((size_t)k, sizeof(int));
    for (int t = 0; t < n; t++)
        for (int c = 0; c < k; c++) {
            double v = A[(size_t)t * k + c];
            if (isfinite(v)) {
                sum[c] += v;
                cnt[c]++;
            }
        }
    for (int c = 0; c < k; c++) {
        sum[c] = cnt[c] ? sum[c] / cnt[c] : 0.0;
        norm[c] = 0.0;
    }
    for (int t = 0; t < n; t++)
        for (int c = 0; c < k; c++) {
            double *v = &A[(size_t)t * k + c];
            *v = isfinite(*v) ? *v - sum[c] : 0.0;
            norm[c] += *v * *v;
        }
    /* winsorised at WINSOR sds, the sd taken again after each of WINSOR_PASSES passes (an
     * outlier inflates the sd it is clipped with): one heavy-tailed outlier must not make a
     * correlation */
    double *lim = sum; /* the means are no longer needed */
    for (int pass = 0; pass < WINSOR_PASSES; pass++) {
        for (int c = 0; c < k; c++) {
            lim[c] = WINSOR * sqrt(norm[c] / (cnt[c] > 1 ? cnt[c] - 1 : 1));
            norm[c] = 0.0;
        }
        for (int t = 0; t < n; t++) { /* row by row: the matrix is row-major */
            double *row = &A[(size_t)t * k];
            for (int c = 0; c < k; c++) {
                double v = row[c], l = lim[c];
                v = v > l ? l : v < -l ? -l : v; /* every entry is finite here */
                row[c] = v;
                norm[c] += v * v;
            }
        }
    }
    for (int c = 0; c < k; c++) norm[c] = sqrt(norm[c]);
    free(sum);
    free(cnt);
}

void link_scan_moments(const double *A, int n, int k, double *mean, double *sd)
{
    int *cnt = xcalloc((size_t)k, sizeof(int));
    for (int c = 0; c < k; c++) mean[c] = sd[c] = 0.0;
    for (int t = 0; t < n; t++)
        for (int c = 0; c < k; c++) {
            double v = A[(size_t)t * k + c];
            if (!isfinite(v)) continue;
            cnt[c]++; /* Welford */
            double d = v - mean[c];
            mean[c] += d / cnt[c];
            sd[c] += d * (v - mean[c]);
        }
    for (int c = 0; c < k; c++) sd[c] = cnt[c] > 1 ? sqrt(sd[c] / (cnt[c] - 1)) : 0.0;
    free(cnt);
}

void link_scan_corr(double *E, int n, int N, double *Z, int K, double *r)
{
    double *ne = xmallocarray((size_t)N, sizeof(double)),
           *nz = xmallocarray((size_t)K, sizeof(double));
    centre(E, n, N, ne);
    centre(Z, n, K, nz);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N, K, n, 1.0, E, N, Z, K, 0.0, r, K);
    for (int j = 0; j < N; j++)
        for (int c = 0; c < K; c++) {
            double d = ne[j] * nz[c];
            double v = d > 1e-12 ? r[(size_t)j * K + c] / d : 0.0;
            r[(size_t)j * K + c] = v > 0.999999 ? 0.999999 : v < -0.999999 ? -0.999999 : v;
        }
    free(ne);
    free(nz);
}

double link_scan_test(const double *r0, int n0, const double *r1, int n1, const int *skip, int K,
                      double min_diff, int *best)
{
    *best = -1;
    if (n0 < 10 || n1 < 10) return 1.0;
    double se = sqrt(1.0 / (n0 - 3) + 1.0 / (n1 - 3)), pmin = 1.0;
    int tested = 0;
    for (int c = 0; c < K; c++) {
        if (skip[c]) continue;
        tested++;
        if (fabs(r1[c] - r0[c]) < min_diff) continue;
        double p = erfc(fabs(atanh(r1[c]) - atanh(r0[c])) / se / M_SQRT2);
        if (p < pmin) {
            pmin = p;
            *best = c;
        }
    }
    return fmin(1.0, pmin * (tested > 0 ? tested : 1));
}
