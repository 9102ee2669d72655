#include "cdnod.h"

#include "combination.h"
#include "covmat.h"
#include "fdr.h"
#include "parcorr.h"
#include "pdag.h"
#include "pcmciplus.h"
#include "seasonality.h"
#include "svar_discover.h"
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

struct cd {
    const struct cdnod_params *p;
    int N, K, C, tau, V; /* C = N is the context node; V = N + 1 nodes */
    const double *Y;
    int *rows, n; /* usable rows (every lag complete) */
    int *seg;     /* segment of each usable row */
    double *time; /* row index of each usable row (the time-index context) */
    const struct svar_graph *lagged;
    int **lagpar, *nlag;
    int *col_of_node, ncols, dummy0; /* columns of the X - X correlation matrix */
    double *R;
    struct parcorr pc;
    double **Rseg; /* per-segment correlation matrices (NULL: segment too small) */
    struct parcorr *pcseg;
    int *nseg;          /* usable rows per segment */
    unsigned char *adj; /* V x V link marks */
    int **sep, *nsep;   /* separating set per pair a * V + b, a < b */
    double *pmax, *vmax;
    double *p0;         /* [N] p-value of C - X given S = {} (marginal evidence) */
    char *retested;     /* [N] made adjacent to C by the faithfulness repair */
    int **rset, *nrset; /* [N] the possible parents it was retested with */
    unsigned *stamp, now;
    int *zbuf;
    double *ybuf, *Zbuf;
    long tests;
    char *err;
    size_t errlen;
    int failed;
};

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
static int gather(struct cd *c, int x, const int *S, int nS)
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

static double test_cx_with(struct cd *c, enum mech_test test, int x, const int *S, int nS,
                           struct mech_result *keep)
{
    int k = gather(c, x, S, nS);
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

static double test_cx(struct cd *c, int x, const int *S, int nS, struct mech_result *keep)
{
    return test_cx_with(c, c->p->test, x, S, nS, keep);
}

static double run_test(struct cd *c, int a, int b, const int *S, int nS, double *val)
{
    c->tests++;
    *val = 0.0;
    if (b == c->C) return test_cx(c, a, S, nS, NULL);
    if (a == c->C) return test_cx(c, b, S, nS, NULL);
    return test_xx(c, a, b, S, nS, val);
}

static size_t pair(const struct cd *c, int a, int b)
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
                    size_t at = pair(c, a, b);
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
    size_t at = pair(c, a, b);
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

static void collect_lagged_parents(struct cd *c)
{
    c->lagpar = xcalloc((size_t)c->N, sizeof *c->lagpar);
    c->nlag = xcalloc((size_t)c->N, sizeof(int));
    for (int j = 0; j < c->N; j++) {
        c->lagpar[j] = xmallocarray((size_t)c->N * (c->tau + 1) + 1, sizeof(int));
        if (!c->lagged) continue;
        for (int i = 0; i < c->N; i++)
            for (int tau = 1; tau <= c->tau; tau++)
                if (c->lagged->type[svar_graph_at(c->lagged, i, j, tau)] == LINK_FWD)
                    c->lagpar[j][c->nlag[j]++] = tau * c->N + i;
    }
}

/* Gaussian BIC of x given S (and x's lagged parents): one regression over all rows (pooled) or
 * one per segment. */
static double bic(struct cd *c, int x, const int *S, int nS, int per_segment)
{
    int k = gather(c, x, S, nS), K = per_segment ? c->K : 1;
    struct segment_stats *st = xmallocarray((size_t)K, sizeof *st);
    for (int s = 0; s < K; s++) segment_stats_init(&st[s], k + 1);
    double *row = xmallocarray((size_t)k + 1, sizeof(double));
    for (int r = 0; r < c->n; r++) {
        memcpy(row, c->Zbuf + (size_t)r * k, (size_t)k * sizeof(double));
        row[k] = c->ybuf[r];
        segment_stats_add(&st[per_segment ? c->seg[r] : 0], row);
    }
    double score = 0;
    for (int s = 0; s < K; s++) {
        double n = (double)st[s].n;
        if (n > k + 2) {
            double rss = fmax(segment_stats_rss(&st[s], NULL), 1e-300);
            score += -0.5 * n * (log(2 * M_PI * rss / n) + 1) - 0.5 * (k + 2) * log((double)c->n);
        }
        segment_stats_fini(&st[s]);
    }
    free(st);
    free(row);
    return score;
}

/* Log-likelihood of x given S (and x's lagged parents) where only the link from S[ie], the
 * intercept and the noise variance change between segments: per-segment intercepts and slopes
 * of S[ie], common slopes of the rest (least squares), per-segment residual variances. */
static double ll_edge_change(struct cd *c, int x, const int *S, int nS, int ie)
{
    int k = gather(c, x, S, nS), K = c->K, P = 2 * K + k - 1;
    double *A = xcalloc((size_t)P * P, sizeof(double)), *b = xcalloc((size_t)P, sizeof(double));
    double *row = xmallocarray((size_t)P, sizeof(double));
    for (int pass = 0; pass < 2; pass++) {
        double *rss = pass ? xcalloc((size_t)K, sizeof(double)) : NULL;
        long *n = pass ? xcalloc((size_t)K, sizeof(long)) : NULL;
        for (int r = 0; r < c->n; r++) {
            int s = c->seg[r], q = K;
            memset(row, 0, (size_t)P * sizeof(double));
            row[s] = 1.0;
            for (int a = 0; a < k; a++)
                if (a != ie) row[q++] = c->Zbuf[(size_t)r * k + a];
            row[K + k - 1 + s] = c->Zbuf[(size_t)r * k + ie];
            if (!pass) {
                for (int u = 0; u < P; u++) {
                    b[u] += row[u] * c->ybuf[r];
                    for (int v = 0; v < P; v++) A[u * P + v] += row[u] * row[v];
                }
            } else {
                double fit = 0;
                for (int u = 0; u < P; u++) fit += row[u] * b[u];
                rss[s] += (c->ybuf[r] - fit) * (c->ybuf[r] - fit);
                n[s]++;
            }
        }
        if (!pass) {
            for (int u = 0; u < P; u++) A[u * P + u] += 1e-9 * (A[u * P + u] + 1e-12);
            if (LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', P, 1, A, P, b, 1) != 0)
                memset(b, 0, (size_t)P * sizeof(double));
            continue;
        }
        double ll = 0;
        for (int s = 0; s < K; s++)
            if (n[s] > 0) ll += -0.5 * n[s] * (log(2 * M_PI * fmax(rss[s], 1e-300) / n[s]) + 1);
        free(rss);
        free(n);
        free(A);
        free(b);
        free(row);
        return ll;
    }
    return 0; /* not reached */
}

/* The possible parents of x in g: every contemporaneous neighbour except a changing one (adjacent
 * to C) that g makes a child of x. Orientations among unchanged nodes come from X - X colliders
 * alone, which a change that cancels in the pooled data (a sign flip) can get wrong, so they are
 * not trusted here; C -> Y <- X with Y changing and X not is the one orientation the context
 * settles. */
static int possible_parents(const struct cd *c, const struct pdag *g, int x, int *S)
{
    int nS = 0;
    for (int y = 0; y < c->N; y++) {
        unsigned char m = *pdag_at(g, y, x);
        if (y == x || m == LINK_NONE) continue;
        if (c->adj[c->C * c->V + y] && m == LINK_BWD) continue; /* x -> y, y changing */
        S[nS++] = y;
    }
    return nS;
}

static int without(const int *S, int nS, int drop, int *out)
{
    int n = 0;
    for (int a = 0; a < nS; a++)
        if (S[a] != drop) out[n++] = S[a];
    return n;
}

/* Scores of "a changes, b does not" and the converse, for neighbours a - b, with the same number
 * of parameters on both sides: the changing one given its possible parents, where the link from
 * the other, the intercept and the noise variance change between segments (ll_edge_change);
 * the stable one given its possible parents without the other, one regression over all rows. */
static void pair_scores(struct cd *c, const struct pdag *g, int a, int b, double *a_only,
                        double *b_only)
{
    int N = c->N;
    int *Sa = xmallocarray((size_t)N + 1, sizeof(int)),
        *Sb = xmallocarray((size_t)N + 1, sizeof(int));
    int *T = xmallocarray((size_t)N + 1, sizeof(int));
    int na = possible_parents(c, g, a, Sa), nb = possible_parents(c, g, b, Sb);
    int nt = without(Sa, na, b, T);
    double pool_a = bic(c, a, T, nt, 0);
    T[nt++] = b;
    double seg_a = ll_edge_change(c, a, T, nt, nt - 1);
    nt = without(Sb, nb, a, T);
    double pool_b = bic(c, b, T, nt, 0);
    T[nt++] = a;
    double seg_b = ll_edge_change(c, b, T, nt, nt - 1);
    /* bic() of a pooled fit carries the same penalty on both sides once the slope counts are
     * equal; remove it to compare log-likelihoods */
    pool_a += 0.5 * (na - 1 + c->nlag[a] + 2) * log((double)c->n);
    pool_b += 0.5 * (nb - 1 + c->nlag[b] + 2) * log((double)c->n);
    *a_only = seg_a + pool_b;
    *b_only = seg_b + pool_a;
    free(Sa);
    free(Sb);
    free(T);
}

/* Faithfulness repair. A change whose effect on X_j's marginal law is small next to the noise of
 * its parents (a coefficient that flips sign, a weak contemporaneous edge that appears or
 * vanishes) is invisible given S = {} when the parent is contemporaneous, so PC separates C from
 * X_j at depth 0. Every node not adjacent to C is retested given its possible parents (its
 * lagged parents, its oriented contemporaneous parents and its undirected neighbours): C -> X_j
 * is the only reason left for a dependence, unless a possible parent is in fact a child whose
 * own mechanism changed (C -> Y <- X_j: conditioning on the collider). So when two undirected
 * neighbours are both flagged only through each other, the change is given to the one that
 * explains the data with fewer changing modules: the BIC of "a changes, b is stable" (b given
 * its possible parents without a, one regression over all rows; a given its possible parents,
 * one regression per segment) against the converse. A change on X -> Y leaves P(X) stable and
 * moves P(Y) (variance or mean), so Y wins; an exact sign flip with Gaussian noise moves
 * neither marginal and stays a toss-up. Returns the number of nodes made adjacent to C. */
static int retest_possible_parents(struct cd *c, const struct pdag *g)
{
    int N = c->N, V = c->V, added = 0;
    double *p = xmallocarray((size_t)N, sizeof(double));
    int *S = xmallocarray((size_t)N, sizeof(int)), *S2 = xmallocarray((size_t)N, sizeof(int));
    int *flag = xcalloc((size_t)N, sizeof(int));
    char *used = xcalloc((size_t)N * N, 1);
    for (int x = 0; x < N && !c->failed; x++) {
        p[x] = 1.0;
        if (c->adj[c->C * V + x]) continue;
        int nS = possible_parents(c, g, x, S);
        for (int a = 0; a < nS; a++) used[x * N + S[a]] = 1;
        if (nS == 0) continue; /* the depth-0 test already conditioned on every parent */
        c->tests++;
        /* The changes this repairs (a sign flip, a slope change, a weak edge) are linear once
         * the parent is conditioned on; a change of shape already shows in the marginal law
         * at depth 0. So RCIT's kernel part is not needed here. */
        enum mech_test t = c->p->test == MECH_RCIT ? MECH_CHOW : c->p->test;
        p[x] = test_cx_with(c, t, x, S, nS, NULL);
        flag[x] = p[x] <= c->p->alpha;
    }
    /* A node flagged through a changing neighbour (adjacent to C, or flagged here too) keeps its
     * flag only when "it changes, the neighbour does not" explains the data better. */
    for (int a = 0; a < N && !c->failed; a++)
        for (int b = 0; b < N && flag[a] && !c->failed; b++) {
            int b_changes = c->adj[c->C * V + b] || (flag[b] && used[b * N + a]);
            if (b == a || !used[a * N + b] || !b_changes) continue;
            double a_only, b_only;
            pair_scores(c, g, a, b, &a_only, &b_only);
            if (b_only >= a_only)
                flag[a] = 0;
            else if (!c->adj[c->C * V + b])
                flag[b] = 0;
        }
    for (int x = 0; x < N; x++) {
        if (!flag[x]) continue;
        size_t at = pair(c, x, c->C);
        c->adj[c->C * V + x] = c->adj[x * V + c->C] = LINK_UNORIENTED;
        c->pmax[at] = p[x];
        c->retested[x] = 1;
        c->nrset[x] = possible_parents(c, g, x, c->rset[x]);
        free(c->sep[at]);
        c->sep[at] = NULL;
        c->nsep[at] = 0;
        added++;
    }
    free(p);
    free(S);
    free(S2);
    free(flag);
    free(used);
    return added;
}

/* Changing modules: adjacent to C, BH across nodes, refit on the final parents. */
static void report_changes(struct cd *c, const struct pdag *g, struct cdnod_result *res)
{
    int N = c->N, V = c->V;
    double *p = xmallocarray((size_t)N, sizeof(double)),
           *q = xmallocarray((size_t)N, sizeof(double));
    for (int x = 0; x < N; x++) p[x] = c->pmax[pair(c, x, c->C)];
    fdr_bh(p, (size_t)N, q);
    res->changed = xcalloc((size_t)N, sizeof *res->changed);
    int *S = xmallocarray((size_t)N, sizeof(int));
    for (int x = 0; x < N && !c->failed; x++) {
        if (!c->adj[c->C * V + x] || q[x] > c->p->alpha) continue;
        int nS = 0;
        for (int i = 0; i < N; i++)
            if (*pdag_at(g, i, x) == LINK_FWD) S[nS++] = i;
        if (c->retested[x]) { /* the parents it was found with (the oriented ones may be fewer) */
            nS = c->nrset[x];
            memcpy(S, c->rset[x], (size_t)nS * sizeof(int));
        }
        struct cdnod_change *ch = &res->changed[res->nchanged];
        test_cx(c, x, S, nS, &ch->detail);
        if (c->failed) break;
        ch->var = x;
        ch->pval = p[x];
        ch->qval = q[x];
        ch->nparents = nS + c->nlag[x];
        ch->parents = xmallocarray((size_t)ch->nparents + 1, sizeof(int));
        memcpy(ch->parents, S, (size_t)nS * sizeof(int));
        memcpy(ch->parents + nS, c->lagpar[x], (size_t)c->nlag[x] * sizeof(int));
        res->nchanged++;
    }
    free(S);
    free(p);
    free(q);
}

/* Adds the lagged parents PCMCI+ finds within each segment (other rows blanked, so lagcov
 * skips them) to `lagged`: a parent whose coefficient changes sign between regimes can cancel
 * in the pooled data. Segments too short for PCMCI+ are skipped. */
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
    if (c.n < 2 * c.tau + 10) {
        snprintf(err, errlen, "only %d complete rows, fewer than 2*tau_max+10 = %d needed", c.n,
                 2 * c.tau + 10);
        goto fail;
    }
    collect_lagged_parents(&c);
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
        if (retest_possible_parents(&c, &g) > 0 && !c.failed) {
            /* orient again from the skeleton with the new C - X adjacencies */
            for (size_t a = 0; a < VV; a++)
                if (c.adj[a] != LINK_NONE) c.adj[a] = LINK_UNORIENTED;
            orient(&c, &g, &h);
        }
        res->phase3_oriented = independent_changes(&c, &g);
        if (res->phase3_oriented) pdag_apply_rules(&g, &h);
        report_changes(&c, &g, res);
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
            size_t at = svar_graph_at(res->graph, i, j, 0), pr = pair(&c, i, j);
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
