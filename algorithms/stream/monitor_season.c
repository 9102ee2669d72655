/* monitor_season.c - the change monitor's cycles and outlier clipping (change_monitor_impl.h). */
#include "change_monitor_impl.h"
#include "seasonality.h"
#include "xalloc.h"

#include <math.h>
#include <stdlib.h>

/* Seasonal profiles: every column of the ring is checked for a cycle; a newly found period
 * starts its profile from the per-phase means over the ring (smoothed over neighbouring
 * phases); the profile is then refined at every row (profile_update). A column without a
 * cycle in two detections in a row loses its profile; a period within 2 % of the current one
 * keeps the current one. A quiet series whose profile changed has its reference measured
 * again. */
void cm_deseason(struct change_monitor *m)
{
    int H = m->H - m->p.tau_max - 1, N = m->N;
    for (int j = 0; j < N; j++) {
        struct series *s = &m->s[j];
        double sum = 0;
        int cnt = 0;
        for (int a = 0; a < H; a++) {
            long t = m->rows - H + a;
            double v = m->ring[(size_t)(t % m->H) * N + j];
            m->buf[a] = v;
            if (isfinite(v)) {
                sum += v;
                cnt++;
            }
        }
        if (cnt < H / 2) continue;
        for (int a = 0; a < H; a++)
            if (!isfinite(m->buf[a])) m->buf[a] = sum / cnt;
        int P = season_detect(m->buf, H);
        /* a cycle stays through one missed detection and through a period within 2 % of its
         * own (ring of a few cycles): a profile that flickers moves the values */
        if (s->period > 0 && P >= 0 && P != s->period) {
            int near = P > 0 && abs(P - s->period) <= (s->period / 50 > 1 ? s->period / 50 : 1);
            if (near || (P < 2 && s->season_miss++ < 1)) continue;
        }
        s->season_miss = 0;
        if (P == s->period) continue;
        /* the values change: a quiet series' reference is measured again, its evidence reset */
        if (s->state == QUIET) {
            cm_wstats_fini(&s->ref);
            s->cusum = 0;
        }
        free(s->profile);
        s->profile = NULL;
        s->period = 0;
        if (P < 2) continue;
        double *raw = xcalloc((size_t)P, sizeof(double)),
               *prof = xcalloc((size_t)P, sizeof(double));
        int *n = xcalloc((size_t)P, sizeof(int));
        for (int a = 0; a < H; a++) {
            int ph = (int)((m->rows - H + a) % P);
            raw[ph] += m->buf[a] - sum / cnt;
            n[ph]++;
        }
        for (int ph = 0; ph < P; ph++) raw[ph] = n[ph] ? raw[ph] / n[ph] : 0;
        int w = P / 20; /* smoothing half-width */
        for (int ph = 0; ph < P; ph++) {
            double acc = 0;
            for (int d = -w; d <= w; d++) acc += raw[((ph + d) % P + P) % P];
            prof[ph] = acc / (2 * w + 1);
        }
        s->profile = prof;
        s->period = P;
        s->level = sum / cnt;
        free(raw);
        free(n);
    }
}

/* Refines the profile of series j with the value x of row t (exponential averages of the level
 * and of each phase's deviation from it). */
void cm_profile_update(struct series *s, long t, double x)
{
    if (s->period <= 0 || !isfinite(x)) return;
    int ph = (int)(t % s->period);
    s->level += 0.002 * (x - s->profile[ph] - s->level);
    s->profile[ph] += 0.05 * (x - s->level - s->profile[ph]);
}

/* Clips x to the series' centre +- CLIP robust sds (exponential averages of the value and of
 * its absolute deviation): a heavy-tailed outlier must not pass for a changed coefficient. */
#define CLIP 4.5
double cm_clip(struct series *s, double x)
{
    if (!isfinite(x)) return x;
    if (s->nseen++ == 0) {
        s->centre = x;
        s->absdev = 0;
        return x;
    }
    double lim = CLIP * 1.25 * s->absdev, v = x;
    if (s->nseen > 50 && lim > 0) v = fmin(s->centre + lim, fmax(s->centre - lim, x));
    double lam = s->nseen < 100 ? 1.0 / (double)s->nseen : 0.01;
    s->absdev += lam * (fabs(v - s->centre) - s->absdev);
    s->centre += lam * (v - s->centre);
    return v;
}
