/* fftw3.h must come before anything that includes <complex.h> (docs/algorithms.md §10.4). */
#include <fftw3.h>

#include "seasonality.h"

#include "rng.h"
#include "xalloc.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* FFTW's planner is not thread-safe; execution is. Plans are made and destroyed under this. */
static pthread_mutex_t planner = PTHREAD_MUTEX_INITIALIZER;

/* Plans are kept for the lengths seen first (a monitor detects cycles on every column of
 * its ring, all of one length, again and again: planning each time cost more than the
 * transforms). A kept plan is executed on the caller's arrays (FFTW's new-array execution;
 * fftw_alloc_* gives them the alignment the plan was made for) and is never destroyed, so
 * threads may share it. With a length's plan comes its Hann window. */
#define PLAN_SLOTS 16
static struct plan_slot {
    int n, inverse;
    fftw_plan plan;
    double *hann; /* [n] 0.5 - 0.5 cos(2 pi t / (n - 1)) */
} slots[PLAN_SLOTS];

/* The plan of a real transform of length n (inverse: complex to real), and its Hann window.
 * *owned is set when the cache is full: the caller then destroys the plan (plan_done) and
 * frees the window. */
static fftw_plan plan_get(int n, int inverse, const double **hann, int *owned)
{
    pthread_mutex_lock(&planner);
    fftw_plan p = NULL;
    int free_slot = -1;
    for (int a = 0; a < PLAN_SLOTS && !p; a++) {
        if (slots[a].plan && slots[a].n == n && slots[a].inverse == inverse) {
            p = slots[a].plan;
            *hann = slots[a].hann;
            *owned = 0;
        }
        if (!slots[a].plan && free_slot < 0) free_slot = a;
    }
    if (!p) {
        double *r = fftw_alloc_real((size_t)n);
        fftw_complex *c = fftw_alloc_complex((size_t)n / 2 + 1);
        p = inverse ? fftw_plan_dft_c2r_1d(n, c, r, FFTW_ESTIMATE)
                    : fftw_plan_dft_r2c_1d(n, r, c, FFTW_ESTIMATE);
        fftw_free(r);
        fftw_free(c);
        double *w = xmallocarray((size_t)n, sizeof(double));
        for (int t = 0; t < n; t++) w[t] = 0.5 - 0.5 * cos(2.0 * M_PI * t / (n - 1));
        *hann = w;
        *owned = free_slot < 0;
        if (free_slot >= 0) slots[free_slot] = (struct plan_slot){n, inverse, p, w};
    }
    pthread_mutex_unlock(&planner);
    return p;
}

/* Releases what plan_get gave when it was the caller's own. */
static void plan_done(fftw_plan p, const double *hann, int owned)
{
    if (!owned) return;
    pthread_mutex_lock(&planner);
    fftw_destroy_plan(p);
    pthread_mutex_unlock(&planner);
    free((double *)hann);
}

/* Least-squares line icpt + slope t through x[0..n). */
static void linear_fit(const double *x, int n, double *icpt, double *slope)
{
    double st = 0, sx = 0, stt = 0, stx = 0;
    for (int t = 0; t < n; t++) {
        st += t;
        sx += x[t];
        stt += (double)t * t;
        stx += t * x[t];
    }
    *slope = (n * stx - st * sx) / (n * stt - st * st);
    *icpt = (sx - *slope * st) / n;
}

/* Periodogram |F_k|^2 of the detrended, Hann-windowed (hann[n]) x into pg[0..n/2]. */
static void periodogram(const double *x, int n, double *pg, double *buf, fftw_complex *out,
                        fftw_plan plan, const double *hann)
{
    double icpt, slope;
    linear_fit(x, n, &icpt, &slope);
    for (int t = 0; t < n; t++) buf[t] = (x[t] - icpt - slope * t) * hann[t];
    fftw_execute_dft_r2c(plan, buf, out);
    for (int k = 0; k <= n / 2; k++) pg[k] = (out[k][0] * out[k][0] + out[k][1] * out[k][1]) / n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Autocorrelation of x (linearly detrended) at lags 0..maxlag via FFT with 2n zero padding. */
static void acf(const double *x, int n, double *r, int maxlag)
{
    int m = 2 * n;
    double *buf = fftw_alloc_real((size_t)m);
    fftw_complex *spec = fftw_alloc_complex((size_t)m / 2 + 1);
    const double *hf, *hi;
    int of, oi;
    fftw_plan fwd = plan_get(m, 0, &hf, &of), inv = plan_get(m, 1, &hi, &oi);
    double icpt, slope;
    linear_fit(x, n, &icpt, &slope);
    for (int t = 0; t < m; t++) buf[t] = t < n ? x[t] - icpt - slope * t : 0.0;
    fftw_execute_dft_r2c(fwd, buf, spec);
    for (int k = 0; k <= m / 2; k++) {
        spec[k][0] = spec[k][0] * spec[k][0] + spec[k][1] * spec[k][1];
        spec[k][1] = 0.0;
    }
    fftw_execute_dft_c2r(inv, spec, buf);
    for (int l = 0; l <= maxlag; l++) r[l] = buf[0] > 0 ? buf[l] / buf[0] : 0.0;
    plan_done(fwd, hf, of);
    plan_done(inv, hi, oi);
    fftw_free(buf);
    fftw_free(spec);
}

/* Power of the mean-removed x at frequency 1/P and its first two harmonics (a periodogram
 * evaluated between the FFT's grid frequencies). */
static double harmonic_power(const double *x, int n, double mean, int P)
{
    double total = 0;
    for (int h = 1; h <= 3; h++) {
        double re = 0, im = 0, w = 2.0 * M_PI * h / P;
        for (int t = 0; t < n; t++) {
            re += (x[t] - mean) * cos(w * t);
            im += (x[t] - mean) * sin(w * t);
        }
        total += (re * re + im * im) / n;
    }
    return total;
}

/* The integer period within +-10 % (at least +-3) of the ACF peak with the most harmonic
 * power: the ACF peak of a noisy, autocorrelated series can sit a few lags off, which would
 * make the phases drift. */
static int refine_period(const double *x, int n, int around)
{
    double mean = 0;
    for (int t = 0; t < n; t++) mean += x[t] / n;
    int best = around;
    double best_p = harmonic_power(x, n, mean, around);
    int span = around / 10 > 3 ? around / 10 : 3;
    for (int P = around - span; P <= around + span; P++) {
        if (P < 3 || P == around || n < 2 * P) continue;
        double pw = harmonic_power(x, n, mean, P);
        if (pw > best_p) {
            best_p = pw;
            best = P;
        }
    }
    return best;
}

/* Validates a candidate period n/k on the ACF (r at lags 0..n/2): returns the lag of a strict
 * local maximum within +-20 %, or 0. A cycle has a trough half a period in; a level shift, a
 * trend or red noise has a monotone ACF there, so it fails the margin. */
static int validate(const double *r, int n, int k)
{
    double cand = (double)n / k;
    int lo = (int)floor(0.8 * cand), hi = (int)ceil(1.2 * cand);
    if (lo < 2) lo = 2;
    if (hi > n / 2 - 1) hi = n / 2 - 1;
    if (hi - lo < 2) return 0;
    int arg = lo;
    for (int l = lo; l <= hi; l++)
        if (r[l] > r[arg]) arg = l;
    if (!(arg > lo && arg < hi && r[arg] > r[arg - 1] && r[arg] > r[arg + 1])) return 0;
    /* Bartlett's standard error of the sample ACF at lag arg: long lags of persistent series
     * wander by chance, so the peak-to-trough margin must stand out against it. */
    double s2 = 1.0;
    for (int l = 1; l < arg; l++) s2 += 2.0 * r[l] * r[l];
    double se = sqrt(s2 / n), margin = fmax(SEASON_MIN_ACF, 3.0 * se);
    if (r[arg] < fmax(SEASON_MIN_ACF, 2.0 * se) || r[arg] - r[arg / 2] < margin) return 0;
    /* A cycle repeats: where the ACF reaches two periods, it peaks there again. */
    if (2 * arg + 1 <= n / 2) {
        double second = fmax(r[2 * arg], fmax(r[2 * arg - 1], r[2 * arg + 1]));
        if (second - r[arg + arg / 2] < margin) return 0;
    }
    return arg;
}

int season_detect(const double *x, int n)
{
    if (n < 24) return 0;
    double *buf = fftw_alloc_real((size_t)n);
    fftw_complex *out = fftw_alloc_complex((size_t)n / 2 + 1);
    const double *hann;
    int owned;
    fftw_plan plan = plan_get(n, 0, &hann, &owned);
    double *pg = xmallocarray((size_t)n / 2 + 1, sizeof(double));
    /* Frequencies k with period n/k in [3, n / SEASON_MIN_CYCLES]. */
    int kmin = SEASON_MIN_CYCLES, kmax = n / 3 < n / 2 ? n / 3 : n / 2;
    periodogram(x, n, pg, buf, out, plan, hann);
    /* The permutation null in closed form: shuffling whitens the spectrum, so each ordinate of
     * a shuffled copy is exponential with mean var(x) sum(w^2) / n (w the Hann window), and the
     * 99th percentile of the largest of M of them is -mean log(1 - 0.99^(1/M)). */
    double mean = 0, var = 0, w2 = 0;
    for (int t = 0; t < n; t++) mean += x[t] / n;
    for (int t = 0; t < n; t++) {
        double w = hann[t];
        var += (x[t] - mean) * (x[t] - mean) / (n - 1);
        w2 += w * w;
    }
    int M = kmax - kmin + 1;
    double thresh = -(var * w2 / n) * log(1.0 - pow(0.99, 1.0 / M));
    /* Candidates: the strongest local maxima above the threshold (red noise can put its
     * low-frequency power above a real cycle's peak), validated in order of strength. */
    int cand[SEASON_CANDIDATES], ncand = 0;
    char *taken = xcalloc((size_t)n / 2 + 1, 1);
    while (ncand < SEASON_CANDIDATES) {
        int best = 0;
        for (int k = kmin; k <= kmax; k++)
            if (!taken[k] && pg[k] > thresh && pg[k] >= pg[k - 1] && pg[k] >= pg[k + 1] &&
                (!best || pg[k] > pg[best]))
                best = k;
        if (!best) break;
        taken[best] = 1;
        cand[ncand++] = best;
    }
    free(taken);
    int period = 0;
    if (ncand > 0) {
        double *r = xmallocarray((size_t)n / 2 + 1, sizeof(double));
        acf(x, n, r, n / 2);
        for (int a = 0; a < ncand && !period; a++) {
            int lag = validate(r, n, cand[a]);
            if (lag) period = refine_period(x, n, lag);
        }
        free(r);
    }
    free(pg);
    plan_done(plan, hann, owned);
    fftw_free(buf);
    fftw_free(out);
    return period;
}

void season_remove(double *x, int n, int period)
{
    if (period < 2 || n < 2 * period) return;
    int cycles = (n + period - 1) / period;
    double *vals = xmallocarray((size_t)(cycles > n ? cycles : n), sizeof(double));
    double *profile = xmallocarray((size_t)period, sizeof(double));
    for (int ph = 0; ph < period; ph++) {
        int m = 0;
        for (int t = ph; t < n; t += period) vals[m++] = x[t];
        qsort(vals, (size_t)m, sizeof(double), cmp_double);
        profile[ph] = m % 2 ? vals[m / 2] : 0.5 * (vals[m / 2 - 1] + vals[m / 2]);
    }
    memcpy(vals, profile, (size_t)period * sizeof(double));
    qsort(vals, (size_t)period, sizeof(double), cmp_double);
    double level = period % 2 ? vals[period / 2] : 0.5 * (vals[period / 2 - 1] + vals[period / 2]);
    for (int t = 0; t < n; t++) x[t] -= profile[t % period] - level;
    free(vals);
    free(profile);
}

int season_remove_columns(double *Y, int T, int N, int *period)
{
    int found = 0;
    double *col = xmallocarray((size_t)(T > 0 ? T : 1), sizeof(double));
    for (int j = 0; j < N; j++) {
        int complete = 1;
        for (int t = 0; t < T; t++) {
            col[t] = Y[(size_t)t * N + j];
            complete &= !isnan(col[t]);
        }
        int P = complete ? season_detect(col, T) : 0;
        if (period) period[j] = P;
        if (!P) continue;
        season_remove(col, T, P);
        for (int t = 0; t < T; t++) Y[(size_t)t * N + j] = col[t];
        found++;
    }
    free(col);
    return found;
}
