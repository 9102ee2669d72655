#include "robust_score.h"

#include "xalloc.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Linear-interpolated quantile q of sorted v[0..n) (numpy's default). */
static double quantile(const double *v, int n, double q)
{
    double at = q * (n - 1);
    int lo = (int)floor(at);
    int hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (at - lo) * (v[hi] - v[lo]);
}

double robust_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return quantile(v, n, 0.5);
}

int robust_center(const double *X, int rows, int n, int col, int split, double *med, double *iqr,
                  double *scratch)
{
    int m = 0;
    for (int r = 0; r < split && r < rows; r++) {
        double v = X[(size_t)r * (size_t)n + (size_t)col];
        if (!isnan(v)) scratch[m++] = v;
    }
    *med = *iqr = NAN;
    if (m < 3) return m;
    qsort(scratch, (size_t)m, sizeof *scratch, cmp_double);
    *med = quantile(scratch, m, 0.5);
    *iqr = quantile(scratch, m, 0.75) - quantile(scratch, m, 0.25);
    if (!(*iqr > 0)) { /* discrete values (counts): fall back to the standard deviation */
        double mean = 0, ss = 0;
        for (int a = 0; a < m; a++) mean += scratch[a];
        mean /= m;
        for (int a = 0; a < m; a++) ss += (scratch[a] - mean) * (scratch[a] - mean);
        *iqr = 1.349 * sqrt(ss / (m - 1));
    }
    if (!(*iqr > 0)) *iqr = 1e-9 * (1 + fabs(*med)); /* truly flat */
    return m;
}

int robust_score(const double *X, int rows, int n, int split, double *score)
{
    if (split < 1 || split > rows - 1) return -1;
    double *ref = xmallocarray((size_t)split, sizeof(double));
    for (int j = 0; j < n; j++) {
        double med, iqr;
        score[j] = NAN;
        if (robust_center(X, rows, n, j, split, &med, &iqr, ref) < 3) continue;
        double best = NAN;
        for (int r = split; r < rows; r++) {
            double v = X[(size_t)r * (size_t)n + (size_t)j];
            if (isnan(v)) continue;
            double z = fabs(v - med) / iqr;
            if (isnan(best) || z > best) best = z;
        }
        score[j] = best;
    }
    free(ref);
    return 0;
}

void robust_rank(const double *score, int n, int *order)
{
    for (int a = 0; a < n; a++) order[a] = a;
    /* a small insertion sort keeps this reentrant (no global comparator state) */
    for (int a = 1; a < n; a++) {
        int v = order[a], b = a - 1;
        while (b >= 0) {
            double x = score[order[b]], y = score[v];
            int later = isnan(x) && !isnan(y)   ? 1
                        : isnan(x) != isnan(y)  ? 0
                        : (!isnan(x) && x != y) ? x < y
                                                : order[b] > v;
            if (!later) break;
            order[b + 1] = order[b];
            b--;
        }
        order[b + 1] = v;
    }
}
