/* cdnod_attribute.c - which module a CD-NOD change belongs to (cdnod.h): the lagged parents of
 * each node, the BIC comparison of "a changes, b is stable" against the converse for two
 * undirected neighbours flagged through each other, the retest of every node given its
 * possible parents, and the report of the changing modules. */
#include "cdnod_internal.h"

#include "fdr.h"
#include "xalloc.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void cdnod_collect_lagged_parents(struct cd *c)
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
    int k = cdnod_gather(c, x, S, nS), K = per_segment ? c->K : 1;
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
    int k = cdnod_gather(c, x, S, nS), K = c->K, P = 2 * K + k - 1;
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
int cdnod_retest_possible_parents(struct cd *c, const struct pdag *g)
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
        p[x] = cdnod_test_cx_with(c, t, x, S, nS, NULL);
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
        size_t at = cdnod_pair(c, x, c->C);
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
void cdnod_report_changes(struct cd *c, const struct pdag *g, struct cdnod_result *res)
{
    int N = c->N, V = c->V;
    double *p = xmallocarray((size_t)N, sizeof(double)),
           *q = xmallocarray((size_t)N, sizeof(double));
    for (int x = 0; x < N; x++) p[x] = c->pmax[cdnod_pair(c, x, c->C)];
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
        cdnod_test_cx(c, x, S, nS, &ch->detail);
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
