#include "rwr.h"

#include "xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void rwr_params_default(struct rwr_params *p)
{
    p->rho = 0.5;
    p->restart = 0.15;
    p->max_iter = 1000;
}

static double weight(const double *w, int i)
{
    return isnan(w[i]) || w[i] < 0 ? 0 : w[i];
}

void rwr_transitions(const unsigned char *parent, const double *w, int n, double rho, double *P)
{
    memset(P, 0, (size_t)n * (size_t)n * sizeof *P);
    for (int u = 0; u < n; u++) {
        double *row = P + (size_t)u * (size_t)n, best = 0, sum = 0;
        for (int v = 0; v < n; v++) {
            if (v == u) continue;
            double x = 0;
            if (parent[(size_t)u * (size_t)n + (size_t)v]) x = weight(w, v); /* towards causes */
            if (parent[(size_t)v * (size_t)n + (size_t)u]) {                 /* back to effects */
                double back = rho * weight(w, v);
                if (back > x) x = back;
            }
            row[v] = x;
            if (x > best) best = x;
        }
        double stay = weight(w, u) - best;
        row[u] = stay > 0 ? stay : 0;
        for (int v = 0; v < n; v++) sum += row[v];
        for (int v = 0; v < n; v++) row[v] = sum > 0 ? row[v] / sum : 1.0 / n;
    }
}

int rwr_scores(const unsigned char *parent, const double *w, int n, int s,
               const struct rwr_params *p, double *pi)
{
    if (n < 1 || s < 0 || s >= n || !(p->restart > 0 && p->restart < 1)) return -1;
    double *P = xmallocarray((size_t)n * (size_t)n, sizeof *P),
           *next = xmallocarray((size_t)n, sizeof *next);
    rwr_transitions(parent, w, n, p->rho, P);
    for (int v = 0; v < n; v++) pi[v] = v == s ? 1.0 : 0.0;
    int it = 0;
    for (; it < p->max_iter; it++) {
        for (int v = 0; v < n; v++) next[v] = v == s ? p->restart : 0.0;
        for (int u = 0; u < n; u++) {
            double mass = (1 - p->restart) * pi[u];
            if (mass == 0) continue;
            const double *row = P + (size_t)u * (size_t)n;
            for (int v = 0; v < n; v++) next[v] += mass * row[v];
        }
        double diff = 0;
        for (int v = 0; v < n; v++) diff += fabs(next[v] - pi[v]);
        memcpy(pi, next, (size_t)n * sizeof *pi);
        if (diff < 1e-12) break;
    }
    free(P);
    free(next);
    return it + 1;
}
