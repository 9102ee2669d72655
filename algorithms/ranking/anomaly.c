/* anomaly.c - robust, directed, floored anomaly evidence (anomaly.h). */
#include "anomaly.h"

#include "robust_score.h"
#include "xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void anomaly_params_default(struct anomaly_params *p)
{
    /* relative floors by kind: a latency must move by a tenth of its level before it counts
     * as one spread, a success rate by 0.05 % of its level (100 % -> 99.95 %): half the error
     * budget of a 99.9 % objective, since a success rate that held still and then lets a few
     * tenths of a percent of requests fail is an incident */
    static const double floors[MKIND_COUNT] = {
        [MKIND_OTHER] = 0.01,      [MKIND_LOG_TEMPLATE] = 0, [MKIND_LOG_LEVEL] = 0,
        [MKIND_SUCCESS] = 0.0005,  [MKIND_ERRORS] = 0.05,    [MKIND_LATENCY] = 0.1,
        [MKIND_THROUGHPUT] = 0.05, [MKIND_RESOURCE] = 0.02,  [MKIND_NETWORK] = 0.05};
    for (int k = 0; k < MKIND_COUNT; k++) p->rel_floor[k] = floors[k];
    p->std_share = 1;
    p->top_share = 0.1;
    p->top_min = 2;
    p->new_score = 10;
    p->zmax = 1e4;
    p->min_reference = 2;
    p->trim_mads = 3;
    p->trim_run = 3;
    p->trim_iqr_ratio = 1.5;
    p->trim_max_share = 0.5;
}

static int cmp_asc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The q-quantile of sorted v[0..m), m >= 1, linearly interpolated. */
static double quantile(const double *v, int m, double q)
{
    double at = q * (m - 1);
    int lo = (int)at;
    return v[lo] + (at - lo) * (v[lo + 1 < m ? lo + 1 : lo] - v[lo]);
}

/* The spread s of sorted reference values v[0..m) around med (anomaly.h); 0 when every value
 * is the same. t holds the same values in time order; dev and w are scratch of m doubles. */
static double spread(const double *v, const double *t, int m, double med, double rel_floor,
                     const struct anomaly_params *p, double *dev, double *w)
{
    /* values closer than this are one value (float noise of an aggregate) */
    double tol = 1e-9 * fmax(fabs(v[0]), fabs(v[m - 1]));
    double mean = 0, ss = 0, res = INFINITY, last = v[0];
    int distinct = 1;
    for (int a = 0; a < m; a++) {
        mean += v[a];
        dev[a] = fabs(v[a] - med);
        if (v[a] - last > tol) {
            distinct++;
            if (v[a] - last < res) res = v[a] - last;
            last = v[a];
        }
    }
    mean /= m;
    for (int a = 0; a < m; a++) ss += (v[a] - mean) * (v[a] - mean);
    double sd = m > 1 ? sqrt(ss / (m - 1)) : 0;
    double mad = 1.4826 * robust_median(dev, m);
    /* an earlier incident inside the reference (anomaly.h): one run of at least trim_run
     * consecutive values beyond trim_mads MADs of the median, when the IQR is inflated
     * against the MAD; its values are left out of the quartiles */
    const double *q = v;
    int mq = m;
    double iqr = (quantile(v, m, 0.75) - quantile(v, m, 0.25)) / 1.349;
    if (p->trim_mads > 0 && p->trim_run > 0 && mad > tol && iqr > p->trim_iqr_ratio * mad) {
        double band = p->trim_mads * mad;
        int kept = 0, runs = 0;
        for (int a = 0; a < m;) {
            int b = a;
            while (b < m && fabs(t[b] - med) > band) b++;
            if (b - a >= p->trim_run) { /* a run: left out */
                a = b;
                runs++;
                continue;
            }
            if (b == a) b++;
            while (a < b) w[kept++] = t[a++];
        }
        if (runs == 1 && kept >= 2 && m - kept <= p->trim_max_share * m) {
            qsort(w, (size_t)kept, sizeof *w, cmp_asc);
            q = w, mq = kept;
        }
    }
    double q1 = quantile(q, mq, 0.25), q3 = quantile(q, mq, 0.75);
    /* the robust spread, unmoved by earlier incidents in the reference; only a series that is
     * mostly one value (IQR and MAD 0) takes its spread from the standard deviation */
    double s = fmax((q3 - q1) / 1.349, mad);
    if (s <= tol) s = p->std_share * sd;
    if (s <= tol) s = 0;
    s = fmax(s, rel_floor * fabs(med));
    if (distinct > 1 && distinct * 2 <= m) s = fmax(s, res); /* quantised values */
    return s;
}

int anomaly_scores(const double *X, int rows, int n, int split, const signed char *dir,
                   const signed char *kind, const struct anomaly_params *p, double *z)
{
    if (split < 1 || split > rows - 1) return -1;
    int inc = rows - split;
    double *v = xmallocarray((size_t)split, sizeof(double));
    double *dev = xmallocarray((size_t)split, sizeof(double));
    double *tv = xmallocarray((size_t)split, sizeof(double));
    double *w = xmallocarray((size_t)split, sizeof(double));
    double *zt = xmallocarray((size_t)inc, sizeof(double));
    for (int j = 0; j < n; j++) {
        int m = 0, k = 0, moved = 0;
        z[j] = NAN;
        for (int r = 0; r < split; r++) {
            double x = X[(size_t)r * n + j];
            if (!isnan(x)) v[m++] = x;
        }
        if (m < p->min_reference || m < 1) continue;
        memcpy(tv, v, (size_t)m * sizeof *v);
        double med = robust_median(v, m); /* sorts v */
        int kd = kind && kind[j] >= 0 && kind[j] < MKIND_COUNT ? kind[j] : MKIND_OTHER;
        double s = spread(v, tv, m, med, p->rel_floor[kd], p, dev, w);
        int d = dir ? dir[j] : MDIR_BOTH;
        for (int r = split; r < rows; r++) {
            double x = X[(size_t)r * n + j];
            if (isnan(x)) continue;
            double dx = d == MDIR_UP ? x - med : d == MDIR_DOWN ? med - x : fabs(x - med);
            moved += dx > 0;
            zt[k++] = dx > 0 ? dx : 0;
        }
        if (!k) continue;
        if (!(s > 0)) { /* a reference that is one value: new activity, or a step off a flat
                           line with median 0 */
            z[j] = p->new_score * moved / k;
            continue;
        }
        int top = (int)ceil(p->top_share * k);
        if (top < p->top_min) top = p->top_min;
        if (top < 1) top = 1;
        if (top > k) top = k;
        qsort(zt, (size_t)k, sizeof *zt, cmp_desc);
        double sum = 0;
        for (int a = 0; a < top; a++) sum += zt[a];
        z[j] = fmin(p->zmax, sum / top / s);
    }
    free(v);
    free(dev);
    free(tv);
    free(w);
    free(zt);
    return 0;
}

double anomaly_evidence(double z, const struct anomaly_params *p)
{
    if (isnan(z) || z <= 0) return 0;
    return fmin(1, log1p(z) / log1p(p->zmax));
}
