/*
 * seasonality.h - period detection and seasonal-profile removal (docs/algorithms.md §10.5), so that
 * a daily or weekly cycle is not mistaken for a changing mechanism.
 *
 * Detection: remove the least-squares line, apply a Hann window, take the periodogram with FFTW.
 * Frequencies with at least SEASON_MIN_CYCLES full cycles and a period of at least 3 samples are
 * candidates when they are local maxima above the 99th percentile of the largest periodogram
 * value of a randomly permuted copy of the series, computed in closed form (a permutation
 * whitens the spectrum: i.i.d. exponential ordinates with the series' mean power). The up to
 * SEASON_CANDIDATES strongest are validated in turn on the autocorrelation (FFT with zero
 * padding): a strict local maximum within +-20 % of the candidate period, with ACF at least
 * SEASON_MIN_ACF and two Bartlett standard errors, above the ACF at half that lag (the trough
 * of a cycle) by at least three standard errors, and, where the ACF reaches 2P, peaking again
 * there above the trough at 1.5 P (a cycle repeats; random wander does not). Red noise (AR
 * processes), level shifts and trends have a monotone ACF there, so they are not reported as
 * seasonal, even when their low-frequency power beats a real cycle's peak. The period is then
 * refined to the integer within
 * +-10 % (at least +-3 lags) with the most power at 1/P and its first two harmonics. Removal:
 * subtract the per-phase median over the cycles (phase = t mod P), then add back the series median
 * so levels are kept. The per-phase median is robust to a change in half of the cycles, so a real
 * mechanism change stays visible after removal.
 *
 * FFTW plans are made per call with FFTW_ESTIMATE, under a process-wide lock (FFTW's planner is
 * not thread-safe), so these may run on several threads at once.
 */
#ifndef CAUSALMON_SEASONALITY_H
#define CAUSALMON_SEASONALITY_H

#include <stdint.h>

#define SEASON_MIN_CYCLES 3
#define SEASON_CANDIDATES 5
#define SEASON_MIN_ACF    0.05

/* Returns the validated period of x[0..n) (no NaN), or 0 when there is none. n < 24 gives 0. */
int season_detect(const double *x, int n);

/* Subtracts the per-phase median profile of period P (>= 2) from x[0..n) in place. */
void season_remove(double *x, int n, int period);

/* Detects and removes the cycle of every complete (NaN-free) column of Y (T x N, row-major) in
 * place; writes each column's period (0: none) into period[N] when it is not NULL. Returns how
 * many columns had one. */
int season_remove_columns(double *Y, int T, int N, int *period);

#endif
