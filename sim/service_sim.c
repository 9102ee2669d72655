/* service_sim.c - the simulated microservice system with injected faults (service_sim.h). */
#include "service_sim.h"

#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FRONTEND, CART, CATALOG, PAYMENT, DB };
static const char *const SERVICE[SIM_SERVICES] = {"frontend", "cart", "catalog", "payment", "db"};
static const char *const METRIC[SIM_METRICS] = {"cpu", "latency", "errors", "requests"};
/* callee[i][j]: service i calls service j */
static const unsigned char CALLS[SIM_SERVICES][SIM_SERVICES] = {
    [FRONTEND] = {[CART] = 1, [CATALOG] = 1, [PAYMENT] = 1},
    [CART] = {[DB] = 1},
    [CATALOG] = {[DB] = 1}};
/* callers come before callees: the contemporaneous order of evaluation */
static const int ORDER[SIM_SERVICES] = {FRONTEND, CART, CATALOG, PAYMENT, DB};
static const char *const FAULTS[SIM_FAULTS] = {"none",       "cpu_hog",        "latency",
                                               "log_errors", "new_dependency", "mechanism"};

const char *sim_fault_str(enum sim_fault f)
{
    return f >= 0 && f < SIM_FAULTS ? FAULTS[f] : "?";
}

int sim_fault_parse(const char *s, enum sim_fault *out)
{
    for (int f = 0; f < SIM_FAULTS; f++)
        if (strcmp(s, FAULTS[f]) == 0) {
            *out = (enum sim_fault)f;
            return 0;
        }
    return -1;
}

const char *service_sim_service_name(int i)
{
    return i >= 0 && i < SIM_SERVICES ? SERVICE[i] : "?";
}

void service_sim_log_line(int service, int k, unsigned v, char *buf, unsigned len)
{
    const char *n = service_sim_service_name(service);
    if (k == 0)
        snprintf(buf, len, "GET /api/%s/item/%u 200 served in %u ms", n, v % 9973, 5 + v % 50);
    else if (k == 1)
        snprintf(buf, len, "upstream call from %s failed: timeout after %u ms", n, 100 + v % 900);
    else
        snprintf(buf, len, "java.lang.NullPointerException at com.shop.%s.Handler.handle line %u",
                 n, 100 + v % 400);
}

/* Column of metric m of service i, and of log template k of service i. */
static int col_metric(int i, int m)
{
    return i * SIM_METRICS + m;
}
static int col_log(int i, int k)
{
    return SIM_SERVICES * SIM_METRICS + i * SIM_TEMPLATES + k;
}

void service_sim_init(struct service_sim *s, uint64_t seed, enum sim_fault fault, int fault_at)
{
    memset(s, 0, sizeof *s);
    rng_seed(&s->rng, seed * 7919 + 17);
    s->nseries = SIM_SERVICES * (SIM_METRICS + SIM_TEMPLATES);
    s->names = xcalloc((size_t)s->nseries, sizeof *s->names);
    for (int i = 0; i < SIM_SERVICES; i++) {
        for (int m = 0; m < SIM_METRICS; m++) {
            char b[64];
            snprintf(b, sizeof b, "%s.%s", SERVICE[i], METRIC[m]);
            s->names[col_metric(i, m)] = xstrdup(b);
        }
        for (int k = 0; k < SIM_TEMPLATES; k++) {
            char b[64];
            snprintf(b, sizeof b, "log.%s.tpl%d", SERVICE[i], k + 1);
            s->names[col_log(i, k)] = xstrdup(b);
        }
    }
    s->kpi_latency = col_metric(FRONTEND, 1);
    s->kpi_errors = col_metric(FRONTEND, 2);
    /* coefficients: cpu per request, latency per cpu, latency per callee latency, errors per
     * callee errors; each jittered by +-20 % */
    const double base[4] = {0.3, 0.5, 0.8, 0.7};
    for (int i = 0; i < SIM_SERVICES; i++)
        for (int c = 0; c < 4; c++) s->coef[i][c] = base[c] * (0.8 + 0.4 * rng_uniform(&s->rng));
    s->fault = fault_at >= 0 ? fault : SIM_FAULT_NONE;
    s->fault_at = s->fault ? fault_at : -1;
    s->fault_service = s->fault_other = s->fault_until = -1;
    if (s->fault) {
        if (s->fault == SIM_FAULT_NEW_DEPENDENCY) {
            /* a service that does not call the new callee yet (and is not called by it) */
            static const int pairs[][2] = {
                {CART, PAYMENT}, {CATALOG, PAYMENT}, {PAYMENT, DB}, {CART, CATALOG}};
            int k = (int)rng_below(&s->rng, 4);
            s->fault_service = pairs[k][0];
            s->fault_other = pairs[k][1];
        } else {
            s->fault_service = 1 + (int)rng_below(&s->rng, SIM_SERVICES - 1);
        }
    }
}

void service_sim_fini(struct service_sim *s)
{
    if (s->names)
        for (int c = 0; c < s->nseries; c++) free(s->names[c]);
    free(s->names);
    s->names = NULL;
}

void service_sim_step(struct service_sim *s, double *row)
{
    struct rng *r = &s->rng;
    int on = s->fault && s->t >= s->fault_at && (s->fault_until < 0 || s->t < s->fault_until);
    int f = s->fault_service;
    double jitter = 0.75 + 0.5 * (double)(s->t % 7) / 6.0; /* fault magnitude wobble */
    s->ar_load = 0.8 * s->ar_load + 3.0 * rng_normal(r);
    double req[SIM_SERVICES], cpu[SIM_SERVICES], lat[SIM_SERVICES], err[SIM_SERVICES];
    double hidden[SIM_SERVICES] = {0};
    for (int oi = 0; oi < SIM_SERVICES; oi++) { /* requests flow from callers to callees */
        int i = ORDER[oi];
        if (i == FRONTEND) {
            req[i] = 100 + s->ar_load;
        } else {
            req[i] = 0;
            for (int c = 0; c < SIM_SERVICES; c++)
                if (CALLS[c][i]) req[i] += 0.6 * req[c];
            if (on && s->fault == SIM_FAULT_NEW_DEPENDENCY && i == s->fault_other)
                req[i] += 0.1 * req[f]; /* a light new call path */
            req[i] += 2.0 * rng_normal(r);
        }
        s->ar_cpu[i] = 0.6 * s->ar_cpu[i] + 2.0 * rng_normal(r);
        cpu[i] = 20 + s->coef[i][0] * req[i] + s->ar_cpu[i];
        if (on && s->fault == SIM_FAULT_CPU_HOG && i == f) cpu[i] += 60 + 30 * (jitter - 0.75) * 2;
    }
    for (int oi = SIM_SERVICES - 1; oi >= 0; oi--) { /* latency and errors flow back */
        int i = ORDER[oi];
        double per_cpu = s->coef[i][1];
        if (on && s->fault == SIM_FAULT_MECHANISM && i == f) per_cpu *= 3;
        lat[i] = 10 + per_cpu * cpu[i] + 1.0 * rng_normal(r);
        err[i] = 1 + 0.5 * rng_normal(r);
        if (on && s->fault == SIM_FAULT_LOG_ERRORS && i == f)
            hidden[i] = 8 + 4 * jitter + 2 * rng_normal(r);
        for (int c = 0; c < SIM_SERVICES; c++) {
            int calls = CALLS[i][c] || (on && s->fault == SIM_FAULT_NEW_DEPENDENCY && i == f &&
                                        c == s->fault_other);
            if (!calls) continue;
            /* a new dependency is a synchronous call on a slow path: waited on in full */
            lat[i] += (CALLS[i][c] ? s->coef[i][2] : 1.5 * s->coef[i][2]) * lat[c];
            err[i] += s->coef[i][3] * (err[c] + hidden[c]);
        }
        if (on && s->fault == SIM_FAULT_LATENCY && i == f) lat[i] += 30 + 20 * (jitter - 0.75) * 2;
    }
    for (int i = 0; i < SIM_SERVICES; i++) {
        row[col_metric(i, 0)] = cpu[i];
        row[col_metric(i, 1)] = lat[i];
        row[col_metric(i, 2)] = err[i] > 0 ? err[i] : 0;
        row[col_metric(i, 3)] = req[i];
        row[col_log(i, 0)] = floor(req[i] / 10 + rng_uniform(r));
        row[col_log(i, 1)] = floor((err[i] > 0 ? err[i] : 0) + rng_uniform(r));
        row[col_log(i, 2)] = floor(hidden[i] > 0 ? hidden[i] + rng_uniform(r) : 0);
    }
    s->t++;
}

size_t service_sim_log_json(const double *row, int service, long t, double t_s, double step_s,
                            char *buf, size_t cap)
{
    size_t n = 0;
    if (cap) buf[0] = 0;
    for (int k = 0; k < SIM_TEMPLATES; k++) {
        int cnt = (int)row[col_log(service, k)];
        for (int e = 0; e < cnt; e++) {
            char line[256], rec[400];
            service_sim_log_line(service, k, (unsigned)(t * 131 + e * 7 + k), line, sizeof line);
            int w =
                snprintf(rec, sizeof rec, "{\"date\": %.3f, \"level\": \"%s\", \"log\": \"%s\"}\n",
                         t_s + step_s * (e + 0.5) / (cnt + 1), k ? "error" : "info", line);
            if (w < 0 || n + (size_t)w + 1 > cap) return n;
            memcpy(buf + n, rec, (size_t)w + 1);
            n += (size_t)w;
        }
    }
    return n;
}
