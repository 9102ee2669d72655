#include "gapfill.h"

#include <math.h>

long gapfill_column(double *X, int rows, int ncols, int col, int max_gap)
{
    long filled = 0;
    int last = -1; /* row of the last observed value */
    for (int t = 0; t < rows; t++) {
        double v = X[(long)t * ncols + col];
        if (isnan(v)) continue;
        int gap = t - last - 1;
        if (last >= 0 && gap > 0 && gap <= max_gap) {
            double a = X[(long)last * ncols + col];
            for (int u = last + 1; u < t; u++) {
                double w = (double)(u - last) / (double)(t - last);
                X[(long)u * ncols + col] = a + w * (v - a);
                filled++;
            }
        }
        last = t;
    }
    return filled;
}

double gapfill_missing_share(const double *X, int rows, int ncols, int col)
{
    if (rows <= 0) return 0.0;
    long miss = 0;
    for (int t = 0; t < rows; t++) miss += isnan(X[(long)t * ncols + col]) != 0;
    return (double)miss / rows;
}
