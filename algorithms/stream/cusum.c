/* cusum.c - one-sided CUSUM and its threshold from Siegmund's ARL approximation (cusum.h). */
#include "cusum.h"

#include <math.h>

double cusum_step(double s, double x, double k)
{
    double v = s + x - k;
    return v > 0 ? v : 0.0;
}

double cusum_arl0(double k, double h, double v)
{
    double kk = k / sqrt(v), b = h / sqrt(v) + 1.166, a = 2.0 * kk * b;
    return (expm1(a) - a) / (2.0 * kk * kk);
}

double cusum_threshold(double k, double v, double arl)
{
    if (!(k > 0) || !(v > 0) || !isfinite(arl)) return -1;
    if (cusum_arl0(k, 0, v) >= arl) return 0;
    double lo = 0, hi = 1;
    while (cusum_arl0(k, hi, v) < arl) hi *= 2;
    for (int it = 0; it < 100; it++) {
        double mid = 0.5 * (lo + hi);
        if (cusum_arl0(k, mid, v) < arl)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

double cusum_overlap_variance(int window, int every)
{
    double v = 1;
    for (int m = 1; (long)m * every < window; m++) v += 2.0 * (1.0 - (double)m * every / window);
    return v;
}
