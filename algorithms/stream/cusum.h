/*
 * cusum.h - the one-sided CUSUM of a standardised statistic and its threshold for a wanted
 * average run length under no change (ARL0).
 *
 * S_0 = 0, S_t = max(0, S_{t-1} + x_t - k); an alarm when S_t >= h. Under no change the
 * increments x_t are taken as N(0, v) (v: their long-run variance, 1 when independent; rounds
 * on overlapping windows are correlated, see cusum_overlap_variance). Siegmund's approximation
 * of the ARL of a CUSUM on N(mu, 1) increments with reference k and threshold h,
 *     ARL = (exp(-2 D b) + 2 D b - 1) / (2 D^2),  D = mu - k,  b = h + 1.166,
 * gives under no change (mu = 0), after scaling by sqrt(v),
 *     ARL0 = (exp(2 k' b) - 2 k' b - 1) / (2 k'^2),  k' = k / sqrt(v),  b = h / sqrt(v) + 1.166;
 * cusum_threshold inverts it. Pure functions; any thread.
 */
#ifndef CAUSALMON_CUSUM_H
#define CAUSALMON_CUSUM_H

#include <stdint.h>

/* One step: returns max(0, s + x - k). */
double cusum_step(double s, double x, double k);

/* Siegmund's ARL0 (in steps) of a CUSUM with reference k > 0 and threshold h >= 0 on
 * increments of long-run variance v > 0 and mean 0. */
double cusum_arl0(double k, double h, double v);

/* The threshold h >= 0 whose ARL0 (cusum_arl0) is arl steps; 0 when even h = 0 gives a longer
 * ARL0. Returns -1 for k <= 0, v <= 0 or arl not finite. */
double cusum_threshold(double k, double v, double arl);

/* Calibration by simulation: the CUSUM (reference k) run on the scores of windows of w
 * independent standard normal blocks moving one block a step (the window's mean scaled to unit
 * variance, clipped to [-4, zmax], as the change monitor's round scores of overlapping windows
 * are under no change; w = 1: independent scores), `steps` steps from seed, for thresholds
 * h = 0.25, 0.5, ... 12; ln ARL0 is close to linear in h away from 0: returns the
 * least-squares line ln ARL0 = *a + *b h over the 8 largest thresholds that alarmed at least 30
 * times (the alarms restart the CUSUM at 0). Returns 0, or -1 when
 * fewer than two did (steps too small for k) or w is not in 1..64. */
int cusum_calibrate(double k, int w, double zmax, long steps, uint64_t seed, double *a, double *b);

/* Long-run variance factor of statistics on windows of `window` rows taken every `every` rows:
 * neighbours m steps apart share max(0, 1 - m every / window) of their rows, and their
 * correlation is taken as that share: 1 + 2 sum_m (1 - m every / window). 1 when every >=
 * window. */
double cusum_overlap_variance(int window, int every);

#endif
