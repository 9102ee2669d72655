/* pcmciplus_screen.c - optional candidate screening before PCMCI+'s PC1 step and skeleton
 * (pcmci_params.screen_alpha, screen_top_k; off by default). A candidate is judged by its
 * marginal correlation with the target, read from the correlation matrix or lag blocks the run
 * already holds (no test, no conditioning): O(1) per lagged candidate, O(tau_max) on lag blocks.
 * Screening is an approximation: a parent whose marginal correlation is cancelled by other paths
 * is dropped although a conditional test would find it. */
#include "pcmciplus_state.h"

#include "lagblock.h"
#include "xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int screening_on(const struct run *r)
{
    return r->prm->screen_alpha > 0 || r->prm->screen_top_k > 0;
}

/* Marginal correlation of embedded coordinates u and v. */
static double corr(const struct run *r, int u, int v)
{
    return r->R ? r->R[(size_t)u * r->D + v] : lagblock_corr(r->lb, u, v);
}

/* Marginal test df (no conditions), as PC1's first level uses. */
static int marginal_df(const struct run *r)
{
    long df = r->pc.n - 2;
    return df > 1000000000L ? 1000000000 : (int)df;
}

void pcmciplus_screen_init(struct run *r)
{
    r->screen_r = 0;
    double a = r->prm->screen_alpha;
    if (!(a > 0) || marginal_df(r) < 1) return;
    /* the smallest |r| whose marginal p-value is <= a (the p-value falls as |r| grows) */
    double lo = 0, hi = 1;
    if (parcorr_pvalue(0, marginal_df(r)) <= a) return;
    for (int it = 0; it < 200 && hi - lo > 1e-15; it++) {
        double mid = 0.5 * (lo + hi);
        if (parcorr_pvalue(mid, marginal_df(r)) <= a)
            hi = mid;
        else
            lo = mid;
    }
    r->screen_r = hi;
}

struct ranked {
    double a; /* |r| */
    int id;
};

/* Strongest first; ties by id, so the result does not depend on the input order. */
static int cmp_ranked(const void *x, const void *y)
{
    const struct ranked *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? 1 : -1;
    return (p->id > q->id) - (p->id < q->id);
}

int pcmciplus_screen_lagged(struct run *r, int j, int *cand, int nc, double *pmax, double *vat)
{
    if (!screening_on(r)) return nc;
    int k = r->prm->screen_top_k, df = marginal_df(r);
    struct ranked *rk = xmallocarray((size_t)nc + 1, sizeof *rk);
    char *keep = xmallocarray((size_t)nc + 1, 1);
    int npass = 0;
    for (int a = 0; a < nc; a++) {
        double v = corr(r, cand[a], j);
        vat[cand[a]] = v;
        keep[a] = fabs(v) >= r->screen_r;
        if (keep[a]) rk[npass++] = (struct ranked){fabs(v), a};
    }
    if (k > 0 && npass > k) {
        qsort(rk, (size_t)npass, sizeof *rk, cmp_ranked);
        for (int b = k; b < npass; b++) keep[rk[b].id] = 0;
    }
    int kept = 0;
    for (int a = 0; a < nc; a++) {
        if (keep[a]) {
            cand[kept++] = cand[a];
        } else {
            /* what PC1 records for a candidate it removes at its first level: the marginal */
            pmax[cand[a]] = parcorr_pvalue(vat[cand[a]], df);
            r->screened_lagged++;
        }
    }
    /* kept candidates get their values from PC1's tests */
    for (int a = 0; a < kept; a++) vat[cand[a]] = 0.0;
    free(rk);
    free(keep);
    return kept;
}

void pcmciplus_screen_contemp(struct run *r)
{
    if (!screening_on(r)) return;
    int N = r->N, k = r->prm->screen_top_k, df = marginal_df(r);
    struct svar_graph *g = r->g;
    /* top[j * N + i]: i is among the k strongest contemporaneous partners of j */
    char *top = k > 0 ? xcalloc((size_t)N * N, 1) : NULL;
    if (top) {
        struct ranked *rk = xmallocarray((size_t)N, sizeof *rk);
        for (int j = 0; j < N; j++) {
            int m = 0;
            for (int i = 0; i < N; i++)
                if (i != j) rk[m++] = (struct ranked){fabs(corr(r, i, j)), i};
            if (m > k) qsort(rk, (size_t)m, sizeof *rk, cmp_ranked);
            for (int b = 0; b < m && b < k; b++) top[(size_t)j * N + rk[b].id] = 1;
        }
        free(rk);
    }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            double v = corr(r, i, j);
            int keep = fabs(v) >= r->screen_r &&
                       (!top || top[(size_t)j * N + i] || top[(size_t)i * N + j]);
            if (keep) continue;
            size_t a = svar_graph_at(g, i, j, 0), b = svar_graph_at(g, j, i, 0);
            g->type[a] = g->type[b] = LINK_NONE;
            g->val[a] = g->val[b] = v;
            g->pval[a] = g->pval[b] = parcorr_pvalue(v, df);
            r->screened_contemp++;
        }
    free(top);
}
