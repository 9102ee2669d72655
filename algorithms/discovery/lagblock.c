#include "lagblock.h"

#include "xalloc.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct lagblock {
    int N, L, rows;
    long n;
    double *Z;    /* [rows * N] centred data */
    double *G;    /* [(L + 1) * N * N] Gamma(d)[i][j] at G[(d * N + i) * N + j] */
    double *mean; /* [(L + 1) * N] window mean of coordinate (a, i) */
    double *isd;  /* [(L + 1) * N] 1 / sqrt(centred sum of squares), 0 for a constant */
    double *E;    /* [N * 2L] per series its first L and last L centred values: the edge rows
                     cross() corrects by, read from two cache lines instead of 2L rows of Z */
};

size_t lagblock_bytes(int rows, int nvars, int max_lag)
{
    size_t N = (size_t)nvars, L1 = (size_t)max_lag + 1;
    return sizeof(double) * ((size_t)rows * N + L1 * N * N + 2 * L1 * N + 2 * (L1 - 1) * N);
}

/* Raw cross-product of coordinates (a, i) and (b, j), a <= b, over the embedded window. */
static double cross(const struct lagblock *lb, int a, int i, int b, int j)
{
    int N = lb->N, L = lb->L, d = b - a;
    double s = lb->G[((size_t)d * N + i) * N + j];
    if (a == 0) return s;
    /* head rows r in [L - a, L) and tail rows [rows - a, rows), from the edge copies (the
     * products and their order are those of the rows of Z) */
    const double *Ei = lb->E + (size_t)i * 2 * L, *Ej = lb->E + (size_t)j * 2 * L;
    for (int r = L - a; r < L; r++) s += Ei[r] * Ej[r - d];
    for (int r = 2 * L - a; r < 2 * L; r++) s -= Ei[r] * Ej[r - d];
    return s;
}

struct lagblock *lagblock_new(const double *X, int rows, int nvars, int max_lag, char *err,
                              size_t errlen)
{
    if (nvars < 1 || max_lag < 0 || rows <= max_lag + 1) {
        snprintf(err, errlen, "lagblock: %d rows are too few for embedding depth %d", rows,
                 max_lag);
        return NULL;
    }
    for (size_t a = 0; a < (size_t)rows * nvars; a++)
        if (!isfinite(X[a])) {
            snprintf(err, errlen, "lagblock: row %zu, column %zu is not finite", a / nvars,
                     a % nvars);
            return NULL;
        }
    struct lagblock *lb = xcalloc(1, sizeof *lb);
    int N = nvars, L = max_lag;
    lb->N = N;
    lb->L = L;
    lb->rows = rows;
    lb->n = rows - L;
    lb->Z = xmallocarray((size_t)rows * N, sizeof(double));
    /* centre on the column means of all rows (a shift: keeps level-1e9 metrics exact) */
    double *cm = xcalloc((size_t)N, sizeof(double));
    for (int r = 0; r < rows; r++)
        for (int i = 0; i < N; i++) cm[i] += X[(size_t)r * N + i];
    for (int i = 0; i < N; i++) cm[i] /= rows;
    for (int r = 0; r < rows; r++)
        for (int i = 0; i < N; i++) lb->Z[(size_t)r * N + i] = X[(size_t)r * N + i] - cm[i];
    free(cm);
    /* the edge rows of every series (see struct lagblock) */
    lb->E = xmallocarray((size_t)N * 2 * (L > 0 ? L : 1), sizeof(double));
    for (int i = 0; i < N; i++)
        for (int r = 0; r < L; r++) {
            lb->E[(size_t)i * 2 * L + r] = lb->Z[(size_t)r * N + i];
            lb->E[(size_t)i * 2 * L + L + r] = lb->Z[(size_t)(rows - L + r) * N + i];
        }
    /* Gamma(d) = Z[L..rows)^T Z[L-d..rows-d) */
    lb->G = xmallocarray((size_t)(L + 1) * N * N, sizeof(double));
    for (int d = 0; d <= L; d++)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N, N, (int)lb->n, 1.0,
                    lb->Z + (size_t)L * N, N, lb->Z + (size_t)(L - d) * N, N, 0.0,
                    lb->G + (size_t)d * N * N, N);
    /* window means and scales of every coordinate */
    lb->mean = xmallocarray((size_t)(L + 1) * N, sizeof(double));
    lb->isd = xmallocarray((size_t)(L + 1) * N, sizeof(double));
    for (int a = 0; a <= L; a++)
        for (int i = 0; i < N; i++) {
            double s = 0;
            for (int r = L - a; r < rows - a; r++) s += lb->Z[(size_t)r * N + i];
            double m = s / (double)lb->n;
            lb->mean[a * N + i] = m;
            double ss = cross(lb, a, i, a, i) - (double)lb->n * m * m;
            /* relative threshold: a series that is constant up to round-off */
            double scale = 0;
            for (int r = L - a; r < rows - a; r++) {
                double v = fabs(lb->Z[(size_t)r * N + i]);
                if (v > scale) scale = v;
            }
            lb->isd[a * N + i] =
                ss > 1e-10 * scale * scale * (double)lb->n && ss > 0 ? 1.0 / sqrt(ss) : 0.0;
        }
    return lb;
}

void lagblock_free(struct lagblock *lb)
{
    if (!lb) return;
    free(lb->Z);
    free(lb->G);
    free(lb->mean);
    free(lb->isd);
    free(lb->E);
    free(lb);
}

long lagblock_rows(const struct lagblock *lb)
{
    return lb->n;
}

int lagblock_dim(const struct lagblock *lb)
{
    return lb->N * (lb->L + 1);
}

double lagblock_corr(const struct lagblock *lb, int u, int v)
{
    if (u == v) return 1.0;
    int N = lb->N;
    if (u > v) {
        int t = u;
        u = v;
        v = t;
    }
    double su = lb->isd[u], sv = lb->isd[v];
    if (su == 0.0 || sv == 0.0) return 0.0;
    int a = u / N, i = u % N, b = v / N, j = v % N;
    double c = cross(lb, a, i, b, j) - (double)lb->n * lb->mean[u] * lb->mean[v];
    return c * su * sv;
}
