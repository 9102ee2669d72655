#include "cdnod.h"
#include "cdnod_internal.h"

#include "combination.h"
#include "covmat.h"
#include "fdr.h"
#include "parcorr.h"
#include "pdag.h"
#include "pcmciplus.h"
#include "seasonality.h"
#include "svar_discover.h"
#include "svar_limits.h"
#include "xalloc.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cdnod_params_default(struct cdnod_params *p)
{
    p->tau_max = 2;
    p->alpha = 0.01;
    p->test = MECH_RCIT;
    p->max_depth = 3;
    p->deseason = 1;
    p->seed = 1;
    p->time_kernel = 0;
}

static double value(const struct cd *c, int node, int r)
{
    int lag = node / c->N, i = node % c->N;
    return c->Y[(size_t)(c->rows[r] - lag) * c->N + i];
}

/* Builds the matrix of contemporaneous variables, every lagged parent and K - 1 segment
 * dummies, and its correlation, for the X - X tests. */
static void build_xx_matrix(struct cd *c)
{
    int N = c->N, D = N * (c->tau + 1);
    c->col_of_node = xmallocarray((size_t)D, sizeof(int));
    for (int a = 0; a < D; a++) c->col_of_node[a] = a < N ? a : -1;
    c->ncols = N;
    for (int j = 0; j < N; j++)
        for (int a = 0; a < c->nlag[j]; a++)
            if (c->col_of_node[c->lagpar[j][a]] < 0) c->col_of_node[c->lagpar[j][a]] = c->ncols++;
    c->dummy0 = c->ncols;
    c->ncols += c->K - 1;
    int m = c->ncols;
    double *M = xcalloc((size_t)c->n * m, sizeof(double));
    for (int r = 0; r < c->n; r++) {
        for (int node = 0; node < D; node++)
            if (c->col_of_node[node] >= 0)
                M[(size_t)r * m + c->col_of_node[node]] = value(c, node, r);
        if (c->seg[r] > 0) M[(size_t)r * m + c->dummy0 + c->seg[r] - 1] = 1.0;
    }
    /* Per-segment matrices first (correlation() centres M in place). */
    c->Rseg = xcalloc((size_t)c->K, sizeof *c->Rseg);
    c->pcseg = xcalloc((size_t)c->K, sizeof *c->pcseg);
    c->nseg = xcalloc((size_t)c->K, sizeof(int));
    for (int r = 0; r < c->n; r++) c->nseg[c->seg[r]]++;
    double *Ms = xmallocarray((size_t)c->n * m, sizeof(double));
    for (int s = 0; s < c->K; s++) {
        if (c->nseg[s] < m + 20) continue; /* too few rows for a within-segment test */
        int ns = 0;
        for (int r = 0; r < c->n; r++)
            if (c->seg[r] == s)
                memcpy(Ms + (size_t)ns++ * m, M + (size_t)r * m, (size_t)m * sizeof(double));
        c->Rseg[s] = covmat_correlation_of_rows(Ms, ns, m);
        parcorr_init(&c->pcseg[s], c->Rseg[s], m, ns, 16);
    }
    free(Ms);
    c->R = covmat_correlation_of_rows(M, c->n, m);
    free(M);
    parcorr_init(&c->pc, c->R, m, c->n, 16);
}

static void z_add(struct cd *c, int *k, int col)
{
    if (col < 0 || c->stamp[col] == c->now) return;
    c->stamp[col] = c->now;
    c->zbuf[(*k)++] = col;
}

static double test_xx(struct cd *c, int a, int b, const int *S, int nS, double *val)
{
    int k = 0;
    c->now++;
    c->stamp[a] = c->stamp[b] = c->now;
    for (int s = 0; s < nS; s++) {
        if (S[s] == c->C)
            for (int d = 0; d < c->K - 1; d++) z_add(c, &k, c->dummy0 + d);
        else
            z_add(c, &k, S[s]);
    }
    for (int e = 0; e < 2; e++) {
        int v = e ? b : a;
        for (int q = 0; q < c->nlag[v]; q++) z_add(c, &k, c->col_of_node[c->lagpar[v][q]]);
    }
    /* Pooled, and within every segment: a link whose sign differs between regimes cancels in
     * the pooled data but not within them. Bonferroni over the tests keeps the level. */
    struct ci_result res;
    parcorr_test(&c->pc, a, b, c->zbuf, k, &res);
    *val = res.val;
    double pmin = res.pval;
    int m = 1;
    for (int s = 0; s < c->K; s++) {
        if (!c->Rseg[s]) continue;
        parcorr_test(&c->pcseg[s], a, b, c->zbuf, k, &res);
        pmin = fmin(pmin, res.pval);
        m++;
    }
    return fmin(1.0, m * pmin);
}

/* Fills ybuf with x and Zbuf (n x k) with the contemporaneous nodes S then x's lagged parents;
 * returns k. */
int cdnod_gather(struct cd *c, int x, const int *S, int nS)
{
    int k = nS + c->nlag[x];
    for (int r = 0; r < c->n; r++) {
        c->ybuf[r] = value(c, x, r);
        for (int s = 0; s < nS; s++) c->Zbuf[(size_t)r * k + s] = value(c, S[s], r);
        for (int q = 0; q < c->nlag[x]; q++)
            c->Zbuf[(size_t)r * k + nS + q] = value(c, c->lagpar[x][q], r);
    }
    return k;
}

double cdnod_test_cx_with(struct cd *c, enum mech_test test, int x, const int *S, int nS,
                          struct mech_result *keep)
{
    int k = cdnod_gather(c, x, S, nS);
    struct mech_result res;
    uint64_t seed = c->p->seed * 1000003ULL + (uint64_t)c->tests;
    struct mech_regimes reg = {c->seg, c->K, c->p->time_kernel ? c->time : NULL};
    if (mech_change_test(c->ybuf, c->Zbuf, c->n, k, &reg, test, seed, keep ? 0.0 : c->p->alpha,
                         &res, c->err, c->errlen) < 0) {
        c->failed = 1;
        return 1.0;
    }
    double p = res.pval;
    if (keep)
        *keep = res;
    else
        mech_result_fini(&res);
    return p;
}

double cdnod_test_cx(struct cd *c, int x, const int *S, int nS, struct mech_result *keep)
{
    return cdnod_test_cx_with(c, c->p->test, x, S, nS, keep);
}

static double run_test(struct cd *c, int a, int b, const int *S, int nS, double *val)
{
    c->tests++;
    *val = 0.0;
    if (b == c->C) return cdnod_test_cx(c, a, S, nS, NULL);
    if (a == c->C) return cdnod_test_cx(c, b, S, nS, NULL);
    return test_xx(c, a, b, S, nS, val);
}

size_t cdnod_pair(const struct cd *c, int a, int b)
{
    return a < b ? (size_t)a * c->V + b : (size_t)b * c->V + a;
}

/* Phase 1: PC-stable skeleton over X ∪ {C}. */
static void skeleton(struct cd *c)
{
    int V = c->V;
    int *nb = xmallocarray((size_t)V * V, sizeof(int)), *nnb = xcalloc((size_t)V, sizeof(int));
    int *cand = xmallocarray((size_t)V, sizeof(int)),
        *comb = xmallocarray((size_t)V + 1, sizeof(int));
    int *S = xmallocarray((size_t)V + 1, sizeof(int));
    for (int d = 0; d <= c->p->max_depth && !c->failed; d++) {
        for (int a = 0; a < V; a++) { /* adjacency frozen for the level (PC-stable) */
            nnb[a] = 0;
            for (int b = 0; b < V; b++)
                if (b != a && c->adj[a * V + b]) nb[a * V + nnb[a]++] = b;
        }
        int any = 0;
        for (int a = 0; a < V && !c->failed; a++)
            for (int q = 0; q < nnb[a] && !c->failed; q++) {
                int b = nb[a * V + q];
                if (!c->adj[a * V + b]) continue;
                int m = 0;
                for (int e = 0; e < nnb[a]; e++)
                    if (nb[a * V + e] != b) cand[m++] = nb[a * V + e];
                if (m < d) continue;
                any = 1;
                for (int e = 0; e < d; e++) comb[e] = e;
                do {
                    for (int e = 0; e < d; e++) S[e] = cand[comb[e]];
                    double val, p = run_test(c, a, b, S, d, &val);
                    size_t at = cdnod_pair(c, a, b);
                    if (d == 0 && (a == c->C || b == c->C)) c->p0[a == c->C ? b : a] = p;
                    if (p >= c->pmax[at]) {
                        c->pmax[at] = p;
                        c->vmax[at] = val;
                    }
                    if (p > c->p->alpha) {
                        c->adj[a * V + b] = c->adj[b * V + a] = LINK_NONE;
                        c->sep[at] = xmallocarray((size_t)(d ? d : 1), sizeof(int));
                        memcpy(c->sep[at], S, (size_t)d * sizeof(int));
                        c->nsep[at] = d;
                        break;
                    }
                } while (d > 0 && combination_next(comb, d, m));
            }
        if (!any) break;
    }
    free(nb);
    free(nnb);
    free(cand);
    free(comb);
    free(S);
}

static int in_sepset(const struct cd *c, int a, int b, int v)
{
    size_t at = cdnod_pair(c, a, b);
    for (int e = 0; e < c->nsep[at]; e++)
        if (c->sep[at][e] == v) return 1;
    return 0;
}

/* Phase 2: C -> X, colliders from separating sets, then R1-R3. */
static void orient(struct cd *c, struct pdag *g, const struct pdag_hooks *h)
{
    int V = c->V;
    for (int x = 0; x < c->N; x++)
        if (c->adj[c->C * V + x]) pdag_orient(g, c->C, x);
    for (int m = 0; m < c->N; m++) /* the middle node is never C: C has no parents */
        for (int a = 0; a < V; a++)
            for (int b = a + 1; b < V; b++) {
                if (a == m || b == m || !c->adj[a * V + m] || !c->adj[b * V + m]) continue;
                if (c->adj[a * V + b] || in_sepset(c, a, b, m)) continue;
                pdag_orient(g, a, m);
                pdag_orient(g, b, m);
            }
    pdag_apply_rules(g, h);
}

/* Mean squared correlation, across time blocks, between the block parameters of P(x) and of
 * P(y | x) (Delta of the linear independent-change criterion). */
static double delta(const struct cd *c, int x, int y)
{
    enum { B = CDNOD_BLOCKS };
    double marg[2][B], cond[3][B];
    for (int b = 0; b < B; b++) {
        int lo = (int)((long)c->n * b / B), hi = (int)((long)c->n * (b + 1) / B);
        double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, m = hi - lo;
        for (int r = lo; r < hi; r++) {
            double u = value(c, x, r), v = value(c, y, r);
            sx += u;
            sy += v;
            sxx += u * u;
            sxy += u * v;
            syy += v * v;
        }
        double mx = sx / m, my = sy / m, vx = sxx / m - mx * mx, cxy = sxy / m - mx * my;
        double vy = syy / m - my * my, slope = vx > 0 ? cxy / vx : 0;
        marg[0][b] = mx;
        marg[1][b] = vx;
        cond[0][b] = my - slope * mx;
        cond[1][b] = slope;
        cond[2][b] = vy - slope * cxy;
    }
    double total = 0;
    for (int p = 0; p < 2; p++)
        for (int q = 0; q < 3; q++) {
            double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
            for (int b = 0; b < B; b++) {
                ma += marg[p][b] / B;
                mb += cond[q][b] / B;
            }
            for (int b = 0; b < B; b++) {
                double u = marg[p][b] - ma, v = cond[q][b] - mb;
                saa += u * u;
                sbb += v * v;
                sab += u * v;
            }
            total += saa > 0 && sbb > 0 ? sab * sab / (saa * sbb) : 0;
        }
    return total / 6.0;
}

/* Phase 3 on undirected edges whose two ends both change. */
static int independent_changes(struct cd *c, struct pdag *g)
{
    int oriented = 0, V = c->V;
    if (c->n < CDNOD_BLOCKS * 20) return 0;
    for (int x = 0; x < c->N; x++)
        for (int y = x + 1; y < c->N; y++) {
            if (*pdag_at(g, x, y) != LINK_UNORIENTED) continue;
            if (!c->adj[c->C * V + x] || !c->adj[c->C * V + y]) continue;
            double dxy = delta(c, x, y), dyx = delta(c, y, x);
            if (dxy < 0.5 * dyx) {
                pdag_orient(g, x, y);
                oriented++;
            } else if (dyx < 0.5 * dxy) {
                pdag_orient(g, y, x);
                oriented++;
            }
        }
    return oriented;
}

static void union_segment_parents(const double *Y, int T, int N, const int *seg, int K,
                                  const struct pcmci_params *pp, struct svar_graph *lagged)
{
    double *Ys = xmallocarray((size_t)T * N, sizeof(double));
    struct svar_graph *g = svar_graph_new(N, pp->tau_max);
    char err[256];
    for (int s = 0; s < K; s++) {
        for (int t = 0; t < T; t++)
            for (int j = 0; j < N; j++)
                Ys[(size_t)t * N + j] = seg[t] == s ? Y[(size_t)t * N + j] : NAN;
        long samples;
        if (svar_discover_graph(Ys, T, N, pp, g, NULL, &samples, err, sizeof err) < 0) continue;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                for (int tau = 1; tau <= pp->tau_max; tau++) {
                    size_t at = svar_graph_at(g, i, j, tau);
                    if (g->type[at] != LINK_FWD || lagged->type[at] == LINK_FWD) continue;
                    lagged->type[at] = LINK_FWD;
                    lagged->pval[at] = g->pval[at];
                    lagged->val[at] = g->val[at];
                }
    }
    svar_graph_free(g);
    free(Ys);
}

int cdnod_run(const double *Yin, int T, int N, const int *seg, int K, const struct cdnod_params *p,
              struct cdnod_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    if (K < 2 || N < 1 || p->tau_max < 0 || p->max_depth < 0) {
        snprintf(err, errlen, "cdnod: invalid parameters");
        return -1;
    }
    struct cd c = {0};
    c.p = p;
    c.N = N;
    c.K = K;
    c.C = N;
    c.V = N + 1;
    c.tau = p->tau_max;
    c.err = err;
    c.errlen = errlen;
    double *Y = xmallocarray((size_t)T * N, sizeof(double));
    memcpy(Y, Yin, (size_t)T * N * sizeof(double));
    c.Y = Y;
    res->period = xcalloc((size_t)N, sizeof(int));
    if (p->deseason) season_remove_columns(Y, T, N, res->period);
    struct svar_graph *lagged = NULL;
    if (c.tau > 0) {
        struct pcmci_params pp;
        pcmci_params_default(&pp, c.tau);
        pp.alpha = p->alpha;
        lagged = svar_graph_new(N, c.tau);
        long samples;
        if (svar_discover_graph(Y, T, N, &pp, lagged, NULL, &samples, err, errlen) < 0) goto fail;
        union_segment_parents(Y, T, N, seg, K, &pp, lagged);
    }
    c.lagged = lagged;
    /* Usable rows: the row and its tau_max predecessors are complete. */
    c.rows = xmallocarray((size_t)T, sizeof(int));
    c.seg = xmallocarray((size_t)T, sizeof(int));
    c.time = xmallocarray((size_t)T, sizeof(double));
    for (int t = c.tau; t < T; t++) {
        int ok = 1;
        for (int u = t - c.tau; u <= t && ok; u++)
            for (int j = 0; j < N && ok; j++) ok = !isnan(Y[(size_t)u * N + j]);
        if (ok) {
            c.rows[c.n] = t;
            c.time[c.n] = t;
            c.seg[c.n++] = seg[t];
        }
    }
    if (c.n < svar_min_rows(c.tau)) {
        snprintf(err, errlen,
                 "only %d complete rows, fewer than " SVAR_MIN_ROWS_RULE " = %d needed", c.n,
                 svar_min_rows(c.tau));
        goto fail;
    }
    cdnod_collect_lagged_parents(&c);
    build_xx_matrix(&c);
    size_t VV = (size_t)c.V * c.V;
    c.adj = xmallocarray(VV, 1);
    for (int a = 0; a < c.V; a++)
        for (int b = 0; b < c.V; b++) c.adj[a * c.V + b] = a == b ? LINK_NONE : LINK_UNORIENTED;
    c.sep = xcalloc(VV, sizeof *c.sep);
    c.nsep = xcalloc(VV, sizeof(int));
    c.pmax = xmallocarray(VV, sizeof(double));
    c.vmax = xcalloc(VV, sizeof(double));
    c.p0 = xmallocarray((size_t)N, sizeof(double));
    for (int j = 0; j < N; j++) c.p0[j] = 1.0;
    c.retested = xcalloc((size_t)N, 1);
    c.nrset = xcalloc((size_t)N, sizeof(int));
    c.rset = xcalloc((size_t)N, sizeof *c.rset);
    for (int j = 0; j < N; j++) c.rset[j] = xmallocarray((size_t)N, sizeof(int));
    for (size_t a = 0; a < VV; a++) c.pmax[a] = -1.0;
    c.stamp = xcalloc((size_t)c.ncols, sizeof(unsigned));
    c.zbuf = xmallocarray((size_t)c.ncols, sizeof(int));
    c.ybuf = xmallocarray((size_t)c.n, sizeof(double));
    c.Zbuf = xmallocarray((size_t)c.n * (c.V + c.N * (c.tau + 1)), sizeof(double));

    skeleton(&c);
    struct pdag g = {c.V, 1, c.adj};
    /* No lagged R1 here: whether a lagged parent forms a collider needs PCMCI+'s separating
     * sets, which CD-NOD does not have; treating every such triple as a non-collider would
     * orient x(t) -> y(t) from the autoregressive link of x whenever y -> x. */
    struct pdag_hooks h = {&c, NULL, NULL};
    if (!c.failed) {
        orient(&c, &g, &h);
        if (cdnod_retest_possible_parents(&c, &g) > 0 && !c.failed) {
            /* orient again from the skeleton with the new C - X adjacencies */
            for (size_t a = 0; a < VV; a++)
                if (c.adj[a] != LINK_NONE) c.adj[a] = LINK_UNORIENTED;
            orient(&c, &g, &h);
        }
        res->phase3_oriented = independent_changes(&c, &g);
        if (res->phase3_oriented) pdag_apply_rules(&g, &h);
        cdnod_report_changes(&c, &g, res);
    }
    if (c.failed) goto fail;

    res->graph = svar_graph_new(N, c.tau);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            for (int tau = 1; tau <= c.tau; tau++) {
                size_t at = svar_graph_at(lagged, i, j, tau);
                res->graph->type[at] = lagged->type[at];
                res->graph->pval[at] = lagged->pval[at];
                res->graph->val[at] = lagged->val[at];
            }
            if (i == j) continue;
            size_t at = svar_graph_at(res->graph, i, j, 0), pr = cdnod_pair(&c, i, j);
            res->graph->type[at] = *pdag_at(&g, i, j);
            res->graph->pval[at] = c.pmax[pr] < 0 ? 1.0 : c.pmax[pr];
            res->graph->val[at] = c.vmax[pr];
        }
    res->samples = c.n;
    res->tests = c.tests;
    goto done;
fail:
    cdnod_result_free(res);
    c.failed = 1;
done:
    svar_graph_free(lagged);
    if (c.lagpar)
        for (int j = 0; j < N; j++) free(c.lagpar[j]);
    free(c.lagpar);
    free(c.nlag);
    free(c.col_of_node);
    if (c.R) parcorr_fini(&c.pc);
    free(c.R);
    for (int s = 0; c.Rseg && s < K; s++)
        if (c.Rseg[s]) {
            parcorr_fini(&c.pcseg[s]);
            free(c.Rseg[s]);
        }
    free(c.Rseg);
    free(c.pcseg);
    free(c.nseg);
    if (c.sep)
        for (size_t a = 0; a < (size_t)c.V * c.V; a++) free(c.sep[a]);
    free(c.sep);
    free(c.nsep);
    free(c.adj);
    free(c.pmax);
    free(c.vmax);
    free(c.p0);
    free(c.retested);
    for (int j = 0; c.rset && j < N; j++) free(c.rset[j]);
    free(c.rset);
    free(c.nrset);
    free(c.stamp);
    free(c.zbuf);
    free(c.ybuf);
    free(c.Zbuf);
    free(c.rows);
    free(c.seg);
    free(c.time);
    free(Y);
    return c.failed ? -1 : 0;
}

void cdnod_result_free(struct cdnod_result *res)
{
    svar_graph_free(res->graph);
    for (int a = 0; a < res->nchanged; a++) {
        mech_result_fini(&res->changed[a].detail);
        free(res->changed[a].parents);
    }
    free(res->changed);
    free(res->period);
    memset(res, 0, sizeof *res);
}
