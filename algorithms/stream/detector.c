/* detector.c - change-point trigger on KPIs and the incident life cycle (detector.h). */
#include "detector.h"

#include "robust_score.h"
#include "xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum state { NORMAL, SETTLING, ACTIVE, COOLDOWN };

struct detector {
    struct detector_params p;
    int nkpi;
    double *ref;    /* [nkpi][reference] ring */
    int *nref, *at; /* per KPI: values held, next slot */
    double *held;   /* [nkpi][persist] candidate values not yet in the reference */
    double *scratch;
    int run; /* buckets in a row beyond z */
    int64_t run_start_ns;
    int run_kpi;
    double run_z;
    enum state st;
    int since, calm, cool;
    int64_t change_ns;
    int change_kpi;
    double change_z;
};

void detector_params_default(struct detector_params *p)
{
    *p = (struct detector_params){300, 3, 5.0, 20, 10, 30};
}

struct detector *detector_new(const struct detector_params *p, int nkpi)
{
    if (p->reference < 10 || p->persist < 1 || !(p->z > 0) || p->settle < 1 || p->recover < 1 ||
        p->cooldown < 0 || nkpi < 1)
        return NULL;
    struct detector *d = xcalloc(1, sizeof *d);
    d->p = *p;
    d->nkpi = nkpi;
    d->ref = xmallocarray((size_t)nkpi * p->reference, sizeof(double));
    d->nref = xcalloc((size_t)nkpi, sizeof(int));
    d->at = xcalloc((size_t)nkpi, sizeof(int));
    d->held = xmallocarray((size_t)nkpi * p->persist, sizeof(double));
    d->scratch = xmallocarray((size_t)p->reference, sizeof(double));
    return d;
}

void detector_free(struct detector *d)
{
    if (!d) return;
    free(d->ref);
    free(d->nref);
    free(d->at);
    free(d->held);
    free(d->scratch);
    free(d);
}

static void ref_add(struct detector *d, int k, double v)
{
    if (isnan(v)) return;
    d->ref[(size_t)k * d->p.reference + d->at[k]] = v;
    d->at[k] = (d->at[k] + 1) % d->p.reference;
    if (d->nref[k] < d->p.reference) d->nref[k]++;
}

/* Robust z of v against KPI k's reference; NaN when v is missing or the reference too short. */
static double robust_z(struct detector *d, int k, double v)
{
    int n = d->nref[k];
    if (isnan(v) || n < d->p.reference / 2) return NAN;
    memcpy(d->scratch, d->ref + (size_t)k * d->p.reference, (size_t)n * sizeof(double));
    double med = robust_median(d->scratch, n);
    for (int a = 0; a < n; a++) d->scratch[a] = fabs(d->scratch[a] - med);
    double mad = 1.4826 * robust_median(d->scratch, n);
    /* a KPI flat at its level (a success rate at 100 %) must move by more than 1 % of that
     * level per unit of z; only a KPI flat at 0 (no errors) counts any move */
    mad = fmax(mad, 0.01 * fabs(med));
    if (!(mad > 0)) mad = 1e-9;
    return (v - med) / mad;
}

enum detector_event detector_push(struct detector *d, int64_t t_ns, const double *kpi)
{
    double zmax = 0;
    int kmax = -1;
    for (int k = 0; k < d->nkpi; k++) {
        double z = robust_z(d, k, kpi[k]);
        if (!isnan(z) && (kmax < 0 || fabs(z) > fabs(zmax))) zmax = z, kmax = k;
    }
    int beyond = kmax >= 0 && fabs(zmax) > d->p.z;
    switch (d->st) {
    case NORMAL:
    case COOLDOWN:
        if (d->st == COOLDOWN && ++d->cool >= d->p.cooldown) d->st = NORMAL;
        if (beyond && d->st == NORMAL) {
            if (d->run == 0) d->run_start_ns = t_ns, d->run_kpi = kmax, d->run_z = zmax;
            for (int k = 0; k < d->nkpi; k++) d->held[(size_t)k * d->p.persist + d->run] = kpi[k];
            if (++d->run >= d->p.persist) {
                d->st = SETTLING;
                d->since = d->run;
                d->run = 0;
                d->change_ns = d->run_start_ns;
                d->change_kpi = d->run_kpi;
                d->change_z = d->run_z;
                return DETECTOR_CHANGE;
            }
            return DETECTOR_NONE;
        }
        for (int a = 0; a < d->run; a++) /* a short excursion: normal after all */
            for (int k = 0; k < d->nkpi; k++) ref_add(d, k, d->held[(size_t)k * d->p.persist + a]);
        d->run = 0;
        for (int k = 0; k < d->nkpi; k++) ref_add(d, k, kpi[k]);
        return DETECTOR_NONE;
    case SETTLING:
    case ACTIVE: {
        d->since++;
        int calm = 1;
        for (int k = 0; k < d->nkpi; k++) {
            double z = robust_z(d, k, kpi[k]);
            if (!isnan(z) && fabs(z) > d->p.z / 2) calm = 0;
        }
        d->calm = calm ? d->calm + 1 : 0;
        if (d->st == SETTLING) {
            if (d->since >= d->p.settle) {
                d->st = ACTIVE;
                return DETECTOR_READY;
            }
            return DETECTOR_NONE;
        }
        if (d->calm >= d->p.recover) {
            d->st = COOLDOWN;
            d->cool = 0;
            d->calm = 0;
            return DETECTOR_RESOLVED;
        }
        return DETECTOR_NONE;
    }
    }
    return DETECTOR_NONE;
}

void detector_seed(struct detector *d, const double *kpi)
{
    if (d->st == SETTLING || d->st == ACTIVE) return;
    for (int k = 0; k < d->nkpi; k++) ref_add(d, k, kpi[k]);
}

int detector_incident(const struct detector *d, int64_t *change_ns, int *since, int *kpi, double *z)
{
    if (d->st != SETTLING && d->st != ACTIVE) return -1;
    *change_ns = d->change_ns;
    *since = d->since;
    *kpi = d->change_kpi;
    *z = d->change_z;
    return 0;
}
