/* PCMCI+ (docs/algorithms.md §4): the run and its phases 1 (PC1 lagged parents), 2 (the MCI
 * skeleton), 4 (orientation rules) and 5 (symmetric p-values); phase 3, the colliders, is
 * pcmciplus_colliders.c. Node ids are embedded coordinates: node (i, lag) = lag * N + i, which
 * is also the row/column of the correlation matrix. The target of every test is (j, 0) = j. */
#include "pcmciplus.h"
#include "pcmciplus_state.h"

#include "combination.h"
#include "fdr.h"
#include "lagblock.h"
#include "parcorr.h"
#include "pdag.h"
#include "xalloc.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The PCMCI+ condition set of a test (x = (i, -tau)) -> (j, 0) given contemporaneous set S:
 * Z = S + parents(j)[:py] \ {x} + parents(i)[:px] shifted by tau (§4.2). Returns |Z|. */
int pcmciplus_build_z(struct run *r, int x, int j, const int *S, int nS)
{
    int k = 0, i = node_var(r, x), tau = node_lag(r, x);
    if (++r->stamp_now == 0) {
        memset(r->stamp, 0, (size_t)r->D * sizeof *r->stamp);
        r->stamp_now = 1;
    }
    r->stamp[x] = r->stamp_now; /* never condition on the driver or the target */
    r->stamp[j] = r->stamp_now;
    for (int a = 0; a < nS; a++) z_add(r, &k, S[a]);
    int py = r->prm->max_conds_py < 0 ? r->npar[j] : r->prm->max_conds_py;
    for (int a = 0; a < py && a < r->npar[j]; a++) z_add(r, &k, r->parents[j][a]);
    int px = r->prm->max_conds_px < 0 ? r->npar[i] : r->prm->max_conds_px;
    for (int a = 0; a < px && a < r->npar[i]; a++) {
        int p = r->parents[i][a];
        int lag = node_lag(r, p) + tau;
        if (lag <= 2 * r->tau_max) z_add(r, &k, lag * r->N + node_var(r, p));
    }
    return k;
}

/* Stable sort of nodes by score descending (insertion sort: lists are short). */
static void sort_desc(int *nodes, int n, const double *score)
{
    for (int a = 1; a < n; a++) {
        int v = nodes[a], b = a;
        while (b > 0 && score[nodes[b - 1]] < score[v]) {
            nodes[b] = nodes[b - 1];
            b--;
        }
        nodes[b] = v;
    }
}

/* Phase 1: PC1 lagged parents of target j (§3.1, max_combinations = 1). */
static void pc1_target(struct run *r, int j, double *vmin, double *pmax, double *vat)
{
    int N = r->N, tau_max = r->tau_max;
    int *cand = xmallocarray((size_t)N * tau_max + 1, sizeof(int));
    char *nonsig = xmallocarray((size_t)N * tau_max + 1, 1);
    int *S = xmallocarray((size_t)N * tau_max + 1, sizeof(int));
    int nc = 0;
    for (int i = 0; i < N; i++)
        for (int tau = 1; tau <= tau_max; tau++) {
            int node = tau * N + i;
            cand[nc++] = node;
            vmin[node] = INFINITY;
            pmax[node] = -1.0;
            vat[node] = 0.0;
        }
    nc = pcmciplus_screen_lagged(r, j, cand, nc, pmax, vat);
    for (int p = 0;; p++) {
        if (r->prm->max_conds_dim >= 0 && p > r->prm->max_conds_dim) break;
        if (nc - 1 < p) break;
        for (int a = 0; a < nc; a++) {
            int c = cand[a], ns = 0;
            for (int b = 0; b < nc && ns < p; b++)
                if (b != a) S[ns++] = cand[b];
            struct ci_result res;
            ci_test(r, c, j, S, ns, &res);
            if (fabs(res.val) < vmin[c]) vmin[c] = fabs(res.val);
            if (res.pval > pmax[c]) {
                pmax[c] = res.pval;
                vat[c] = res.val;
            }
            nonsig[a] = res.pval > r->prm->alpha;
        }
        int kept = 0;
        for (int a = 0; a < nc; a++)
            if (!nonsig[a]) cand[kept++] = cand[a];
        nc = kept;
        sort_desc(cand, nc, vmin);
    }
    for (int i = 0; i < N; i++)
        for (int tau = 1; tau <= tau_max; tau++) {
            size_t at = svar_graph_at(r->g, i, j, tau);
            r->g->pval[at] = pmax[tau * N + i];
            r->g->val[at] = vat[tau * N + i];
        }
    for (int a = 0; a < nc; a++)
        *gtype(r, node_var(r, cand[a]), j, node_lag(r, cand[a])) = LINK_FWD;
    r->parents[j] = cand;
    r->npar[j] = nc;
    free(nonsig);
    free(S);
}

/* Contemporaneous neighbours of j (nodes (i, 0)) in the order of adj[j]. */
static int contemp_of(const struct run *r, const int *adj, int nadj, int *out)
{
    int m = 0;
    for (int a = 0; a < nadj; a++)
        if (node_lag(r, adj[a]) == 0) out[m++] = adj[a];
    return m;
}

static void remove_link(struct run *r, int x, int j)
{
    int i = node_var(r, x), tau = node_lag(r, x);
    *gtype(r, i, j, tau) = LINK_NONE;
    if (tau == 0) *gtype(r, j, i, 0) = LINK_NONE;
}

/* Phase 2: the MCI skeleton with contemporaneous conditions (§4.2), PC-stable. */
static void skeleton(struct run *r)
{
    int N = r->N, T1 = r->tau_max + 1;
    struct svar_graph *g = r->g;
    int **adj = xmallocarray((size_t)N, sizeof *adj);
    int *nadj = xcalloc((size_t)N, sizeof(int));
    double *vmin = xmallocarray((size_t)N * r->D, sizeof(double));
    for (size_t a = 0; a < (size_t)N * r->D; a++) vmin[a] = INFINITY;
    /* Initial graph: PC1 parents as lagged links, every contemporaneous pair undecided. */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            if (i != j) {
                size_t at = svar_graph_at(g, i, j, 0);
                g->type[at] = LINK_UNORIENTED;
                g->pval[at] = -1.0;
            }
    pcmciplus_screen_contemp(r);
    for (int j = 0; j < N; j++) {
        adj[j] = xmallocarray((size_t)N * T1, sizeof(int));
        for (int i = 0; i < N; i++)
            for (int tau = 0; tau < T1; tau++)
                if (*gtype(r, i, j, tau) != LINK_NONE) {
                    adj[j][nadj[j]++] = tau * N + i;
                    if (tau > 0) g->pval[svar_graph_at(g, i, j, tau)] = -1.0;
                }
    }
    int **cadj = xmallocarray((size_t)N, sizeof *cadj);
    int *ncadj = xcalloc((size_t)N, sizeof(int));
    for (int j = 0; j < N; j++) cadj[j] = xmallocarray((size_t)N, sizeof(int));
    int *snap = xmallocarray((size_t)N * T1, sizeof(int));
    int *C = xmallocarray((size_t)N, sizeof(int));
    int *comb = xmallocarray((size_t)N + 1, sizeof(int));
    int *S = xmallocarray((size_t)N + 1, sizeof(int));

    for (int p = 0;; p++) {
        if (r->prm->max_conds_dim >= 0 && p > r->prm->max_conds_dim) break;
        for (int j = 0; j < N; j++) ncadj[j] = contemp_of(r, adj[j], nadj[j], cadj[j]);
        int any = 0;
        for (int j = 0; j < N; j++) {
            int nsnap = nadj[j];
            memcpy(snap, adj[j], (size_t)nsnap * sizeof(int));
            for (int a = 0; a < nsnap; a++) {
                int x = snap[a], i = node_var(r, x), tau = node_lag(r, x);
                size_t at = svar_graph_at(g, i, j, tau);
                if (g->type[at] == LINK_NONE) continue;
                int nC = 0;
                for (int b = 0; b < ncadj[j]; b++)
                    if (cadj[j][b] != x) C[nC++] = cadj[j][b];
                if (nC < p) continue;
                any = 1;
                for (int b = 0; b < p; b++) comb[b] = b;
                do {
                    for (int b = 0; b < p; b++) S[b] = C[comb[b]];
                    int k = pcmciplus_build_z(r, x, j, S, p);
                    struct ci_result res;
                    ci_test(r, x, j, r->zbuf, k, &res);
                    double *vm = &vmin[(size_t)j * r->D + x];
                    if (fabs(res.val) < *vm) *vm = fabs(res.val);
                    if (res.pval >= g->pval[at]) {
                        g->pval[at] = res.pval;
                        g->val[at] = res.val;
                    }
                    if (res.pval > r->prm->alpha) {
                        remove_link(r, x, j);
                        break;
                    }
                } while (p > 0 && combination_next(comb, p, nC));
            }
        }
        if (!any) break;
        /* Drop removed links from the adjacency lists and re-sort by strength. */
        for (int j = 0; j < N; j++) {
            int kept = 0;
            for (int a = 0; a < nadj[j]; a++) {
                int x = adj[j][a];
                if (*gtype(r, node_var(r, x), j, node_lag(r, x)) != LINK_NONE) adj[j][kept++] = x;
            }
            nadj[j] = kept;
            sort_desc(adj[j], kept, vmin + (size_t)j * r->D);
        }
    }
    /* Entries never tested in the skeleton keep p = 1 (contemporaneous) or their PC1 values. */
    for (size_t a = 0; a < (size_t)N * N * T1; a++)
        if (g->pval[a] < 0) g->pval[a] = 1.0;
    for (int j = 0; j < N; j++) {
        free(adj[j]);
        free(cadj[j]);
    }
    free(adj);
    free(nadj);
    free(cadj);
    free(ncadj);
    free(vmin);
    free(snap);
    free(C);
    free(comb);
    free(S);
}

/* pdag hook: the triple (i, k, j) of contemporaneous nodes was left ambiguous. */
static int hook_ambiguous(void *ctx, int i, int k, int j)
{
    return pcmciplus_is_ambiguous(ctx, i, k, j);
}

/* pdag hook: R1 through a lagged parent (i, -tau) --> k not adjacent to j at lag tau. */
static int hook_lagged_r1(void *ctx, int k, int j)
{
    struct run *r = ctx;
    for (int i = 0; i < r->N; i++)
        for (int tau = 1; tau <= r->tau_max; tau++)
            if (*gtype(r, i, k, tau) == LINK_FWD && *gtype(r, i, j, tau) == LINK_NONE &&
                !pcmciplus_is_ambiguous(r, tau * r->N + i, k, j))
                return 1;
    return 0;
}

/* Phase 4: R1-R3 until none applies (§4.4). */
static void orientation_rules(struct run *r)
{
    struct pdag v = contemp_view(r);
    struct pdag_hooks h = {r, hook_ambiguous, hook_lagged_r1};
    pdag_apply_rules(&v, &h);
}

/* §4.5: both entries of a contemporaneous pair report the test with the larger p-value. */
static void symmetrise(struct run *r)
{
    struct svar_graph *g = r->g;
    for (int i = 0; i < r->N; i++)
        for (int j = i + 1; j < r->N; j++) {
            size_t a = svar_graph_at(g, i, j, 0), b = svar_graph_at(g, j, i, 0);
            size_t src = g->pval[a] >= g->pval[b] ? a : b;
            g->pval[a] = g->pval[b] = g->pval[src];
            g->val[a] = g->val[b] = g->val[src];
        }
}

void pcmci_params_default(struct pcmci_params *p, int tau_max)
{
    p->tau_max = tau_max;
    p->alpha = 0.01;
    p->max_conds_dim = -1;
    p->max_conds_py = -1;
    p->max_conds_px = -1;
    p->max_collider_nbrs = 0;
    p->screen_alpha = 0;
    p->screen_top_k = 0;
    p->cancel = NULL;
}

static double block_entry(const void *ctx, int u, int v)
{
    return lagblock_corr(ctx, u, v);
}

/* The run on either a stored matrix R or lag blocks lb (exactly one is non-NULL). */
static int run_impl(const double *R, const struct lagblock *lb, int nvars, long n,
                    const struct pcmci_params *params, struct svar_graph *g, struct pcmci_stats *st,
                    char *err, size_t errlen)
{
    if (nvars < 1 || params->tau_max < 0 || !(params->alpha > 0 && params->alpha < 1) ||
        g->nvars != nvars || g->tau_max != params->tau_max || params->max_collider_nbrs < 0 ||
        !(params->screen_alpha >= 0 && params->screen_alpha < 1) || params->screen_top_k < 0) {
        snprintf(err, errlen, "pcmciplus: invalid parameters");
        return -1;
    }
    struct run r = {0};
    r.prm = params;
    r.N = nvars;
    r.tau_max = params->tau_max;
    r.D = nvars * (2 * params->tau_max + 1);
    r.g = g;
    r.R = R;
    r.lb = lb;
    size_t m = (size_t)nvars * nvars * (params->tau_max + 1);
    memset(g->type, LINK_NONE, m);
    for (size_t a = 0; a < m; a++) {
        g->pval[a] = 1.0;
        g->val[a] = 0.0;
    }
    free(g->qval);
    g->qval = NULL;
    r.parents = xcalloc((size_t)nvars, sizeof *r.parents);
    r.npar = xcalloc((size_t)nvars, sizeof(int));
    r.zbuf = xmallocarray((size_t)r.D, sizeof(int));
    r.stamp = xcalloc((size_t)r.D, sizeof(unsigned));
    if (R)
        parcorr_init(&r.pc, R, r.D, n, 16);
    else
        parcorr_init_fn(&r.pc, block_entry, lb, r.D, n, 16);
    pcmciplus_screen_init(&r);

    double *vmin = xmallocarray((size_t)r.D, sizeof(double));
    double *pmax = xmallocarray((size_t)r.D, sizeof(double));
    double *vat = xmallocarray((size_t)r.D, sizeof(double));
    for (int j = 0; j < nvars; j++) pc1_target(&r, j, vmin, pmax, vat);
    free(vmin);
    free(pmax);
    free(vat);

    skeleton(&r);
    pcmciplus_colliders(&r);
    orientation_rules(&r);
    symmetrise(&r);

    if (st) {
        st->tests = r.pc.ntests;
        st->collinear = r.pc.ncollinear;
        st->degenerate = r.pc.ndegenerate;
        st->low_df = r.pc.nlow_df;
        st->ambiguous_triples = r.nambiguous;
        st->collider_capped = r.collider_capped;
        st->screened_lagged = r.screened_lagged;
        st->screened_contemp = r.screened_contemp;
        st->conflicts = 0;
        for (int i = 0; i < nvars; i++)
            for (int j = i + 1; j < nvars; j++)
                st->conflicts += *gtype(&r, i, j, 0) == LINK_CONFLICT;
    }
    parcorr_fini(&r.pc);
    for (int j = 0; j < nvars; j++) free(r.parents[j]);
    free(r.parents);
    free(r.npar);
    free(r.zbuf);
    free(r.stamp);
    free(r.ambiguous);
    if (r.cancelled) {
        snprintf(err, errlen, "pcmciplus: cancelled");
        return -1;
    }
    return 0;
}

int pcmciplus_run(const double *R, int nvars, long n, const struct pcmci_params *params,
                  struct svar_graph *g, struct pcmci_stats *st, char *err, size_t errlen)
{
    return run_impl(R, NULL, nvars, n, params, g, st, err, errlen);
}

int pcmciplus_run_blocks(const struct lagblock *lb, int nvars, const struct pcmci_params *params,
                         struct svar_graph *g, struct pcmci_stats *st, char *err, size_t errlen)
{
    if (lagblock_dim(lb) != nvars * (2 * params->tau_max + 1)) {
        snprintf(err, errlen, "pcmciplus: lag blocks do not match nvars and tau_max");
        return -1;
    }
    return run_impl(NULL, lb, nvars, lagblock_rows(lb), params, g, st, err, errlen);
}

void pcmciplus_apply_fdr(struct svar_graph *g, double alpha)
{
    int N = g->nvars, T1 = g->tau_max + 1;
    size_t m = (size_t)N * N * T1;
    size_t *idx = xmallocarray(m, sizeof(size_t));
    double *p = xmallocarray(m, sizeof(double));
    size_t cnt = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            for (int tau = 0; tau < T1; tau++) {
                if (tau == 0 && i >= j) continue;
                idx[cnt] = svar_graph_at(g, i, j, tau);
                p[cnt] = g->pval[idx[cnt]];
                cnt++;
            }
    fdr_bh(p, cnt, p);
    free(g->qval);
    g->qval = xmallocarray(m, sizeof(double));
    for (size_t a = 0; a < m; a++) g->qval[a] = 1.0;
    for (size_t a = 0; a < cnt; a++) {
        size_t at = idx[a];
        g->qval[at] = p[a];
        int tau = (int)(at % (size_t)T1);
        int j = (int)((at / (size_t)T1) % (size_t)N), i = (int)(at / (size_t)T1 / (size_t)N);
        if (tau == 0) g->qval[svar_graph_at(g, j, i, 0)] = p[a];
        if (p[a] > alpha) {
            g->type[at] = LINK_NONE;
            if (tau == 0) g->type[svar_graph_at(g, j, i, 0)] = LINK_NONE;
        }
    }
    free(idx);
    free(p);
}
