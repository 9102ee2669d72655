/* rca_learn.c - step 3 of the root-cause ranking: the graph columns and their graph
 * (rca_learn.h), and the same graph alone for a window without a split (rca_graph_learn). */
#include "rca_learn.h"

#include "gapfill.h"
#include "rca_graph.h"
#include "seasonality.h"
#include "svar_discover.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Columns cols[0..m) of W, every interior gap filled and the edges held, cycles removed when
 * deseason: rows x m, caller frees. */
static double *filled_columns(const double *W, int rows, int n, const int *cols, int m,
                              int deseason)
{
    double *Y = xmallocarray((size_t)rows * (m ? m : 1), sizeof(double));
    for (int t = 0; t < rows; t++)
        for (int a = 0; a < m; a++) Y[(size_t)t * m + a] = W[(size_t)t * n + cols[a]];
    for (int a = 0; a < m; a++) { /* every interior gap, then the edges held */
        gapfill_column(Y, rows, m, a, rows);
        int f = 0;
        while (f < rows && isnan(Y[(size_t)f * m + a])) f++;
        for (int t = 0; t < f && f < rows; t++) Y[(size_t)t * m + a] = Y[(size_t)f * m + a];
        for (int t = 1; t < rows; t++)
            if (isnan(Y[(size_t)t * m + a])) Y[(size_t)t * m + a] = Y[(size_t)(t - 1) * m + a];
    }
    if (deseason) season_remove_columns(Y, rows, m, NULL);
    return Y;
}

/* Discovery on the filled columns Y (rows x m, input columns cols), then the prior. Returns
 * the graph, or NULL with a message. */
static struct svar_graph *discover(const double *Y, int rows, int m, const int *cols, int n,
                                   const struct rca_params *p, const struct rca_prior *prior,
                                   long *samples, char *err, size_t errlen)
{
    struct svar_discover_params dp;
    svar_discover_params_default(&dp, p->tau_max);
    dp.pcmci.alpha = p->alpha;
    dp.pcmci.max_conds_dim = 3;
    dp.pcmci.cancel = p->cancel;
    dp.pcmci.screen_alpha = p->screen_alpha;
    dp.pcmci.screen_top_k = p->screen_top_k;
    dp.method = (enum svar_method)p->method;
    struct svar_graph *g = svar_graph_new(m, p->tau_max);
    if (svar_discover_graph_method(Y, rows, m, &dp, g, NULL, samples, err, errlen)) {
        svar_graph_free(g);
        return NULL;
    }
    rca_graph_apply_prior(g, cols, n, prior);
    return g;
}

/* The given graph restricted to the columns cols[0..*m) that it holds (*m and cols shrink to
 * them, in graph order), with the prior applied again; NULL when fewer than 2 remain. */
static struct svar_graph *given_graph(const struct rca_learned *l, int *cols, int *m, int n,
                                      const struct rca_prior *prior)
{
    int *var = xmallocarray((size_t)(l->nkept ? l->nkept : 1), sizeof(int)), k = 0;
    for (int v = 0; v < l->nkept; v++)
        for (int a = 0; a < *m; a++)
            if (cols[a] == l->kept[v]) var[k++] = v;
    struct svar_graph *g = NULL;
    if (k >= 2) {
        const struct svar_graph *G = l->graph;
        g = svar_graph_new(k, G->tau_max);
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                for (int tau = 0; tau <= G->tau_max; tau++) {
                    size_t from = svar_graph_at(G, var[a], var[b], tau),
                           to = svar_graph_at(g, a, b, tau);
                    g->type[to] = G->type[from];
                    g->pval[to] = G->pval[from];
                    g->val[to] = G->val[from];
                }
        for (int a = 0; a < k; a++) cols[a] = l->kept[var[a]];
        rca_graph_apply_prior(g, cols, n, prior);
    }
    *m = k;
    free(var);
    return g;
}

double *rca_learn_window_graph(const double *W, int rows, int n, const unsigned char *rankable,
                               const struct rca_params *p, const struct rca_prior *prior,
                               struct rca_result *res)
{
    int *cols = xmallocarray((size_t)n, sizeof(int)), m = 0;
    for (int j = 0; j < n; j++)
        if (rankable[j] && gapfill_missing_share(W, rows, n, j) <= p->graph_max_missing)
            cols[m++] = j;
    double rho = m ? (double)(rows - 2 * p->tau_max) / ((double)m * (p->tau_max + 1)) : 0;
    double r = (rho - p->rows_per_param_lo) / (p->rows_per_param_hi - p->rows_per_param_lo);
    res->reliability = r < 0 ? 0 : r > 1 ? 1 : r;
    const struct rca_learned *l = p->given;
    struct svar_graph *g = NULL;
    if (m >= 2 && res->reliability > 0 && l) {
        if (l->graph && l->graph->tau_max == p->tau_max) {
            g = given_graph(l, cols, &m, n, prior);
            res->samples = l->samples;
        } else {
            res->reliability = 0;
            res->graph_note = "the graph could not be learned from this window";
            free(cols);
            return NULL;
        }
    }
    if (m < 2 || res->reliability <= 0) {
        res->reliability = 0;
        res->graph_note = m < 2 ? "fewer than 2 series complete enough for a graph"
                                : "too few rows per graph parameter to trust a learned graph";
        svar_graph_free(g);
        free(cols);
        return NULL;
    }
    double *Y = filled_columns(W, rows, n, cols, m, p->deseason);
    char err[256];
    if (!l) g = discover(Y, rows, m, cols, n, p, prior, &res->samples, err, sizeof err);
    if (!g) {
        free(Y), free(cols);
        res->reliability = 0;
        res->graph_note = "the graph could not be learned from this window";
        return NULL;
    }
    res->graph = g;
    res->kept = cols;
    res->nkept = m;
    return Y;
}

int rca_graph_learn(const double *X, int rows, int n, const struct rca_params *p,
                    const struct rca_prior *prior, struct rca_learned *out, char *err,
                    size_t errlen)
{
    static const struct rca_prior none = {0};
    if (!prior) prior = &none;
    memset(out, 0, sizeof *out);
    int *cols = xmallocarray((size_t)(n ? n : 1), sizeof(int)), m = 0;
    double *W = xmallocarray((size_t)rows * (n ? n : 1), sizeof(double));
    memcpy(W, X, (size_t)rows * n * sizeof(double));
    for (int j = 0; j < n; j++) {
        double first = NAN;
        int varies = 0;
        for (int t = 0; t < rows; t++) {
            double *v = &W[(size_t)t * n + j];
            if (prior->is_count && prior->is_count[j] && isnan(*v)) *v = 0;
            if (isnan(*v)) continue;
            if (isnan(first))
                first = *v;
            else if (*v != first)
                varies = 1;
        }
        if (varies && gapfill_missing_share(W, rows, n, j) <= p->graph_max_missing) cols[m++] = j;
    }
    if (m < 2) {
        snprintf(err, errlen, "fewer than 2 series vary and are complete enough for a graph");
        free(W), free(cols);
        return -1;
    }
    double *Y = filled_columns(W, rows, n, cols, m, p->deseason);
    out->graph = discover(Y, rows, m, cols, n, p, prior, &out->samples, err, errlen);
    free(Y), free(W);
    if (!out->graph) {
        free(cols);
        return -1;
    }
    out->kept = cols;
    out->nkept = m;
    return 0;
}

void rca_learned_free(struct rca_learned *l)
{
    if (!l) return;
    svar_graph_free(l->graph);
    free(l->kept);
    memset(l, 0, sizeof *l);
}

struct cand {
    int node;
    double strength;
};

static int cand_cmp(const void *x, const void *y)
{
    double a = ((const struct cand *)x)->strength, b = ((const struct cand *)y)->strength;
    return a < b ? 1 : a > b ? -1 : 0;
}

long rca_learned_parents(const struct rca_learned *l, int N, int cap, int *parent, int *nparent)
{
    int tau = l->graph->tau_max;
    long links = 0;
    struct cand *c = xmallocarray((size_t)l->nkept * (tau + 1) + 1, sizeof *c);
    for (int b = 0; b < l->nkept; b++) {
        int j = l->kept[b], n = 0;
        for (int a = 0; a < l->nkept; a++)
            for (int lag = 0; lag <= tau; lag++) {
                size_t at = svar_graph_at(l->graph, a, b, lag);
                if (a == b || l->graph->type[at] != LINK_FWD) continue;
                c[n].node = lag * N + l->kept[a];
                c[n++].strength = fabs(l->graph->val[at]);
            }
        qsort(c, (size_t)n, sizeof *c, cand_cmp);
        for (int k = 0; k < n && k < cap; k++) parent[(size_t)j * cap + k] = c[k].node;
        nparent[j] = n < cap ? n : cap;
        links += n;
    }
    free(c);
    return links;
}
