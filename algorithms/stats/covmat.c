#include "covmat.h"

#include "xalloc.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>

void covmat_to_correlation(double *C, int D, double *var)
{
    double *sd = xmallocarray((size_t)D, sizeof(double));
    for (int p = 0; p < D; p++) {
        double v = C[(size_t)p * D + p];
        if (var) var[p] = v;
        sd[p] = v > 0 ? sqrt(v) : 0.0;
    }
    for (int p = 0; p < D; p++)
        for (int q = 0; q < D; q++) {
            double *r = &C[(size_t)p * D + q];
            if (p == q)
                *r = 1.0;
            else if (sd[p] == 0.0 || sd[q] == 0.0)
                *r = 0.0;
            else
                *r /= sd[p] * sd[q];
        }
    free(sd);
}

double *covmat_correlation_of_rows(double *M, int n, int m)
{
    for (int a = 0; a < m; a++) {
        double mean = 0;
        for (int r = 0; r < n; r++) mean += M[(size_t)r * m + a];
        mean /= n;
        for (int r = 0; r < n; r++) M[(size_t)r * m + a] -= mean;
    }
    double *C = xcalloc((size_t)m * m, sizeof(double));
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, m, n, 1.0, M, m, 0.0, C, m);
    for (int a = 0; a < m; a++)
        for (int b = a + 1; b < m; b++) C[(size_t)b * m + a] = C[(size_t)a * m + b];
    covmat_to_correlation(C, m, NULL); /* the common 1/(n-1) cancels */
    return C;
}
