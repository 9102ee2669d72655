/* rca_case.c - one simulated incident end to end (rca_case.h). */
#include "rca_case.h"

#include "component_map.h"
#include "log_series.h"
#include "metric_kind.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The series whose change is the fault itself. */
static void truth_series(const struct service_sim *s, char *out, size_t len)
{
    const char *svc = service_sim_service_name(s->fault_service);
    switch (s->fault) {
    case SIM_FAULT_CPU_HOG:
        snprintf(out, len, "%s.cpu", svc);
        break;
    case SIM_FAULT_LOG_ERRORS:
        log_series_template_name(svc, 3, out, len);
        break;
    default:
        snprintf(out, len, "%s.latency", svc);
    }
}

int rca_case_run(uint64_t seed, enum sim_fault fault, int before, int after, int window,
                 const struct detector_params *dp, const struct rca_params *rp,
                 struct rca_case *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct service_sim s;
    service_sim_init(&s, seed, fault, before);
    int n = s.nseries, total = before + after;
    double *X = xmallocarray((size_t)total * n, sizeof(double));
    struct detector *d = detector_new(dp, 2);
    int rc = 0, t;
    for (t = 0; t < total; t++) {
        double *row = X + (size_t)t * n;
        service_sim_step(&s, row);
        double k[2] = {row[s.kpi_latency], row[s.kpi_errors]};
        enum detector_event e = detector_push(d, (int64_t)t, k);
        if (e == DETECTOR_CHANGE && t < before) out->early++;
        if (e == DETECTOR_READY && t >= before) break;
    }
    if (t < total) {
        int64_t change;
        int since, kpi;
        double z;
        detector_incident(d, &change, &since, &kpi, &z);
        out->detected = 1;
        out->delay = t - before + 1;
        int rows = t + 1 < window ? t + 1 : window;
        const double *W = X + (size_t)(t + 1 - rows) * n;
        struct component_map cm;
        component_map_parse("prefix", &cm, err, errlen);
        int *comp = xmallocarray((size_t)n, sizeof(int)), ncomp;
        char **cnames = component_assign(&cm, (const char *const *)s.names, n, comp, &ncomp);
        unsigned char *count = xcalloc((size_t)n, 1);
        for (int c = 0; c < n; c++) count[c] = log_series_is_count(s.names[c]);
        signed char *dir = xmallocarray((size_t)n, 1), *kind = xmallocarray((size_t)n, 1);
        metric_kind_fill(NULL, (const char *const *)s.names, n, dir, kind);
        struct rca_prior pr = {
            .is_count = count, .component = comp, .ncomponents = ncomp, .dir = dir, .kind = kind};
        struct rca_result res;
        rc = rca_run(W, rows, n, rows - since, kpi == 0 ? s.kpi_latency : s.kpi_errors, rp, &pr,
                     &res, err, errlen);
        if (rc == 0) {
            const char *svc = service_sim_service_name(s.fault_service);
            char truth[64];
            truth_series(&s, truth, sizeof truth);
            for (int a = 0; a < res.ncomponents; a++) {
                if (strcmp(cnames[res.components[a].component], svc) == 0)
                    out->rank_component = a + 1;
                if (strcmp(cnames[res.baseline_components[a].component], svc) == 0)
                    out->baseline_component = a + 1;
            }
            for (int a = 0; a < res.ncauses; a++)
                if (strcmp(s.names[res.causes[a].var], truth) == 0) out->rank_series = a + 1;
            for (int a = 0; a < 3 && a < res.ncauses; a++)
                snprintf(out->top_series[a], sizeof out->top_series[a], "%s",
                         s.names[res.causes[a].var]);
            if (res.ncomponents)
                snprintf(out->top, sizeof out->top, "%s", cnames[res.components[0].component]);
            size_t at = 0;
            for (int a = 0; a < res.causes[0].path_len && at < sizeof out->path; a++)
                at += (size_t)snprintf(out->path + at, sizeof out->path - at, "%s%s",
                                       a ? " -> " : "", s.names[res.causes[0].path[a]]);
            rca_result_free(&res);
        }
        for (int c = 0; c < ncomp; c++) free(cnames[c]);
        free(cnames);
        free(comp);
        free(count);
        free(dir);
        free(kind);
        component_map_fini(&cm);
    }
    detector_free(d);
    free(X);
    service_sim_fini(&s);
    return rc;
}

long rca_case_false_alerts(uint64_t seed, int rows, const struct detector_params *dp)
{
    struct service_sim s;
    service_sim_init(&s, seed, SIM_FAULT_NONE, -1);
    double *row = xmallocarray((size_t)s.nseries, sizeof(double));
    struct detector *d = detector_new(dp, 2);
    long changes = 0;
    for (int t = 0; t < rows; t++) {
        service_sim_step(&s, row);
        double k[2] = {row[s.kpi_latency], row[s.kpi_errors]};
        changes += detector_push(d, (int64_t)t, k) == DETECTOR_CHANGE;
    }
    detector_free(d);
    free(row);
    service_sim_fini(&s);
    return changes;
}
