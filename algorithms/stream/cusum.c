/* cusum.c - one-sided CUSUM and its threshold from Siegmund's ARL approximation (cusum.h). */
#include "cusum.h"
#include "rng.h"

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

#define CAL_H 48 /* thresholds 0.25 .. 12 */

int cusum_calibrate(double k, int w, double zmax, long steps, uint64_t seed, double *a, double *b)
{
    if (w < 1 || w > 64 || steps < 1) return -1;
    struct rng r;
    rng_seed(&r, seed);
    double blk[64] = {0}, sum, S[CAL_H] = {0}, scale = 1.0 / sqrt((double)w);
    long alarms[CAL_H] = {0};
    for (int i = 0; i < w; i++) blk[i] = rng_normal(&r);
    for (long t = 0; t < steps; t++) {
        blk[t % w] = rng_normal(&r);
        sum = 0;
        for (int i = 0; i < w; i++) sum += blk[i];
        double z = sum * scale;
        if (z < -4) z = -4;
        if (z > zmax) z = zmax;
        for (int i = 0; i < CAL_H; i++) {
            S[i] = cusum_step(S[i], z, k);
            if (S[i] >= 0.25 * (i + 1)) {
                alarms[i]++;
                S[i] = 0;
            }
        }
    }
    /* the line through the 8 largest thresholds that alarmed 30 times (near 0 the run length
     * is not yet exponential in h) */
    int top = -1;
    for (int i = 0; i < CAL_H; i++)
        if (alarms[i] >= 30) top = i;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int n = 0;
    for (int i = top - 7 > 0 ? top - 7 : 0; i <= top; i++) {
        if (alarms[i] < 30) continue;
        double x = 0.25 * (i + 1), y = log((double)steps / (double)alarms[i]);
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        n++;
    }
    if (n < 2 || sxx * n - sx * sx <= 0) return -1;
    *b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    *a = (sy - *b * sx) / n;
    return 0;
}
