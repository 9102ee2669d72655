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

/* One step: returns max(0, s + x - k). */
double cusum_step(double s, double x, double k);

/* Siegmund's ARL0 (in steps) of a CUSUM with reference k > 0 and threshold h >= 0 on
 * increments of long-run variance v > 0 and mean 0. */
double cusum_arl0(double k, double h, double v);

/* The threshold h >= 0 whose ARL0 (cusum_arl0) is arl steps; 0 when even h = 0 gives a longer
 * ARL0. Returns -1 for k <= 0, v <= 0 or arl not finite. */
double cusum_threshold(double k, double v, double arl);

/* Long-run variance factor of statistics on windows of `window` rows taken every `every` rows:
 * neighbours m steps apart share max(0, 1 - m every / window) of their rows, and their
 * correlation is taken as that share: 1 + 2 sum_m (1 - m every / window). 1 when every >=
 * window. */
double cusum_overlap_variance(int window, int every);

#endif
