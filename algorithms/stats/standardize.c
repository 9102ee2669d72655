#include "standardize.h"

#include <math.h>

void standardize_columns(double *X, int n, int d)
{
    for (int c = 0; c < d; c++) {
        double mean = 0, ss = 0;
        for (int r = 0; r < n; r++) mean += X[(long)r * d + c];
        mean /= n;
        for (int r = 0; r < n; r++) {
            double v = X[(long)r * d + c] - mean;
            ss += v * v;
        }
        double sd = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
        for (int r = 0; r < n; r++) {
            double *v = &X[(long)r * d + c];
            *v = sd > 0 ? (*v - mean) / sd : 0.0;
        }
    }
}
