/* PCMCI+ (docs/algorithms.md §4). Node ids are embedded coordinates: node (i, lag) = lag * N + i,
 * which is also the row/column of the correlation matrix. The target of every test is (j, 0) = j.
 */
#include "pcmciplus.h"

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

struct run {
    const struct pcmci_params *prm;
    int N, tau_max, D;
    struct parcorr pc;
    struct svar_graph *g;
    int **parents; /* PC1 parents of j, strongest first */
    int *npar;
    int *zbuf; /* condition set under construction */
    unsigned *stamp;
    unsigned stamp_now;
    uint64_t *ambiguous; /* sorted triple keys */
    int nambiguous;
    int cancelled;        /* the cancel flag was seen */
    long collider_capped; /* pairs whose neighbour lists were capped */
};

/* One CI test, or, once the caller's cancel flag is set, "independent" at once (the loops then
 * remove every candidate and end quickly; pcmciplus_run reports the cancellation). */
static void ci_test(struct run *r, int x, int y, const int *z, int k, struct ci_result *res)
{
    if (r->prm->cancel && *r->prm->cancel) {
        r->cancelled = 1;
        *res = (struct ci_result){0, 1.0, 0, 0, 0, 0};
        return;
    }
    parcorr_test(&r->pc, x, y, z, k, res);
}

static int node_var(const struct run *r, int node)
{
    return node % r->N;
}

static int node_lag(const struct run *r, int node)
{
    return node / r->N;
}

static unsigned char *gtype(struct run *r, int i, int j, int tau)
{
    return &r->g->type[svar_graph_at(r->g, i, j, tau)];
}

/* Adds node u to the condition set unless it is already there or excluded. */
static void z_add(struct run *r, int *k, int u)
{
    if (r->stamp[u] == r->stamp_now) return;
    r->stamp[u] = r->stamp_now;
    r->zbuf[(*k)++] = u;
}

/* The PCMCI+ condition set of a test (x = (i, -tau)) -> (j, 0) given contemporaneous set S:
 * Z = S + parents(j)[:py] \ {x} + parents(i)[:px] shifted by tau (§4.2). Returns |Z|. */
static int build_z(struct run *r, int x, int j, const int *S, int nS)
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
                    int k = build_z(r, x, j, S, p);
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

static uint64_t triple_key(const struct run *r, int x, int k, int j)
{
    return ((uint64_t)x * (uint64_t)r->N + (uint64_t)k) * (uint64_t)r->N + (uint64_t)j;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int is_ambiguous(const struct run *r, int x, int k, int j)
{
    uint64_t key = triple_key(r, x, k, j);
    if (bsearch(&key, r->ambiguous, (size_t)r->nambiguous, sizeof key, cmp_u64)) return 1;
    if (node_lag(r, x) == 0) { /* the mirror triple (j, k, i) of a contemporaneous one */
        key = triple_key(r, j, k, node_var(r, x));
        if (bsearch(&key, r->ambiguous, (size_t)r->nambiguous, sizeof key, cmp_u64)) return 1;
    }
    return 0;
}

static struct pdag contemp_view(struct run *r)
{
    struct pdag v = {r->N, (size_t)r->tau_max + 1, r->g->type};
    return v;
}

/* Separating-set counts of one non-adjacent pair (x, j): how many of the tested neighbour
 * subsets separate x from j, and per variable how many of those contain it. */
struct sepcount {
    long nsep;
    long *with; /* [N], indexed by variable */
    int *zfull; /* fixed conditions, then the subset under test */
    int nfixed;
    int *chosen; /* neighbour indices of the subset under test */
    const int *nb;
    const char *covered; /* [m]: member also in the first list (i-side enumeration), or NULL */
    int m, maxs;
};

/* Depth-first enumeration of the subsets of sc->nb that extend the current one by members
 * from index `from` on. Consecutive tests share the prefix of their condition lists (the
 * lagged conditions first, then the subset in index order), so the Cholesky factor of each test
 * is one bordering step away from the previous one (parcorr.h). A subset all of whose members
 * are `covered` was already tested in the first enumeration and is skipped. */
static void enum_subsets(struct run *r, struct sepcount *sc, int x, int j, int depth, int from,
                         int uncovered)
{
    if (!sc->covered || uncovered > 0) {
        struct ci_result res;
        ci_test(r, x, j, sc->zfull, sc->nfixed + depth, &res);
        if (res.pval > r->prm->alpha) {
            sc->nsep++;
            for (int a = 0; a < depth; a++) sc->with[node_var(r, sc->nb[sc->chosen[a]])]++;
        }
    }
    if (depth == sc->maxs) return;
    for (int u = from; u < sc->m; u++) {
        sc->chosen[depth] = u;
        sc->zfull[sc->nfixed + depth] = sc->nb[u];
        enum_subsets(r, sc, x, j, depth + 1, u + 1, uncovered + (sc->covered && !sc->covered[u]));
    }
}

/* Neighbours of v ordered by the strength of their link (|MCI statistic|, larger first), then by
 * variable: the order of the optional collider-neighbour cap, independent of column order
 * except for exact ties. */
static void sort_by_strength(struct run *r, int v, int *nb, int m)
{
    for (int a = 1; a < m; a++) {
        int u = nb[a], b = a;
        double su = fabs(r->g->val[svar_graph_at(r->g, u, v, 0)]);
        while (b > 0) {
            double sb = fabs(r->g->val[svar_graph_at(r->g, nb[b - 1], v, 0)]);
            if (sb > su || (sb == su && nb[b - 1] < u)) break;
            nb[b] = nb[b - 1];
            b--;
        }
        nb[b] = u;
    }
}

/* Contemporaneous skeleton neighbours of v (variables), excluding `not`, in variable order; with
 * the optional cap (or above PCMCI_COLLIDER_NBRS_CEILING) only the strongest. Sets *capped when
 * neighbours were left out. */
static int contemp_nbrs(struct run *r, int v, int not, int *out, int *capped)
{
    int m = 0;
    for (int u = 0; u < r->N; u++)
        if (u != v && u != not &&*gtype(r, u, v, 0) != LINK_NONE) out[m++] = u;
    int cap = r->prm->max_collider_nbrs > 0 ? r->prm->max_collider_nbrs : m;
    if (cap > PCMCI_COLLIDER_NBRS_CEILING) cap = PCMCI_COLLIDER_NBRS_CEILING;
    if (m > cap) {
        sort_by_strength(r, v, out, m);
        m = cap;
        *capped = 1;
        for (int a = 1; a < m; a++) { /* back to variable order */
            int u = out[a], b = a;
            for (; b > 0 && out[b - 1] > u; b--) out[b] = out[b - 1];
            out[b] = u;
        }
    }
    return m;
}

/* Runs the majority-rule enumeration for the pair (x, j) once: every subset of the neighbours of
 * j (without x), and for a contemporaneous x also every subset of the neighbours of x (without j)
 * not already tested, as tigramite does. Fills sc->nsep and sc->with. */
static void pair_sepsets(struct run *r, int x, int j, struct sepcount *sc, int *nbj, int *nbi,
                         char *covered)
{
    int i = node_var(r, x), tau = node_lag(r, x), capped = 0;
    sc->nsep = 0;
    memset(sc->with, 0, (size_t)r->N * sizeof(long));
    int k = build_z(r, x, j, NULL, 0);
    memcpy(sc->zfull, r->zbuf, (size_t)k * sizeof(int));
    sc->nfixed = k;
    int mj = contemp_nbrs(r, j, tau == 0 ? i : -1, nbj, &capped);
    sc->maxs = r->prm->max_conds_dim < 0 ? r->N : r->prm->max_conds_dim;
    sc->nb = nbj;
    sc->m = mj;
    sc->covered = NULL;
    enum_subsets(r, sc, x, j, 0, 0, 0);
    if (tau == 0) {
        int mi = contemp_nbrs(r, i, j, nbi, &capped);
        /* covered[u]: nbi[u] is also a neighbour of j, so subsets made only of such members
         * were tested above */
        int a = 0;
        for (int u = 0; u < mi; u++) {
            while (a < mj && nbj[a] < nbi[u]) a++;
            covered[u] = a < mj && nbj[a] == nbi[u];
        }
        sc->nb = nbi;
        sc->m = mi;
        sc->covered = covered;
        enum_subsets(r, sc, x, j, 0, 0, 0);
    }
    r->collider_capped += capped;
}

/* Phase 3: unshielded triples (x *-> k o-o j) and the majority collider rule (§4.3). The
 * separating subsets depend on the pair (x, j) only, so each pair is enumerated once and shared
 * by all its middle nodes k; all neighbours are used unless the optional cap is set. */
static void colliders(struct run *r)
{
    int N = r->N, T1 = r->tau_max + 1;
    size_t cap = 16, ncol = 0;
    int(*col)[3] = xmallocarray(cap, sizeof *col);
    size_t acap = 16;
    r->ambiguous = xmallocarray(acap, sizeof(uint64_t));
    r->nambiguous = 0;
    int *nbj = xmallocarray((size_t)N, sizeof(int)), *nbi = xmallocarray((size_t)N, sizeof(int));
    char *covered = xmallocarray((size_t)N, 1);
    struct sepcount sc = {0};
    sc.with = xcalloc((size_t)N, sizeof(long));
    sc.zfull = xmallocarray((size_t)r->D + (size_t)N + 1, sizeof(int));
    sc.chosen = xmallocarray((size_t)N + 1, sizeof(int));
    /* contemporaneous adjacency lists (o-o after the skeleton) */
    int **cadj = xmallocarray((size_t)N, sizeof *cadj);
    int *ncadj = xcalloc((size_t)N, sizeof(int));
    for (int v = 0; v < N; v++) {
        cadj[v] = xmallocarray((size_t)N, sizeof(int));
        for (int u = 0; u < N; u++)
            if (u != v && *gtype(r, u, v, 0) == LINK_UNORIENTED) cadj[v][ncadj[v]++] = u;
    }
    unsigned *seen = xcalloc((size_t)N * T1, sizeof(unsigned));
    int *xs = xmallocarray((size_t)N * T1, sizeof(int));
    for (int j = 0; j < N; j++) {
        /* candidate first nodes x of triples x *-> k o-o j with x not adjacent to j */
        int nx = 0;
        for (int a = 0; a < ncadj[j]; a++) {
            int k = cadj[j][a];
            for (int i = 0; i < N; i++)
                for (int tau = 0; tau < T1; tau++) {
                    unsigned char ik = *gtype(r, i, k, tau);
                    if (tau == 0 ? (i == j || ik != LINK_UNORIENTED) : ik != LINK_FWD) continue;
                    if (*gtype(r, i, j, tau) != LINK_NONE) continue;
                    int x = tau * N + i;
                    if (seen[x] == (unsigned)j + 1) continue;
                    seen[x] = (unsigned)j + 1;
                    xs[nx++] = x;
                }
        }
        for (int b = 0; b < nx; b++) {
            int x = xs[b], i = node_var(r, x), tau = node_lag(r, x);
            pair_sepsets(r, x, j, &sc, nbj, nbi, covered);
            for (int a = 0; a < ncadj[j]; a++) {
                int k = cadj[j][a];
                unsigned char ik = *gtype(r, i, k, tau);
                if (tau == 0 ? (i == k || ik != LINK_UNORIENTED) : ik != LINK_FWD) continue;
                long nsep = sc.nsep, nk = sc.with[k];
                if (nsep == 0 || 2 * nk == nsep) {
                    if ((size_t)r->nambiguous == acap) {
                        acap *= 2;
                        r->ambiguous = xrealloc(r->ambiguous, acap * sizeof(uint64_t));
                    }
                    r->ambiguous[r->nambiguous++] = triple_key(r, x, k, j);
                } else if (2 * nk < nsep) {
                    if (ncol == cap) {
                        cap *= 2;
                        col = xrealloc(col, cap * sizeof *col);
                    }
                    col[ncol][0] = x;
                    col[ncol][1] = k;
                    col[ncol][2] = j;
                    ncol++;
                }
            }
        }
    }
    qsort(r->ambiguous, (size_t)r->nambiguous, sizeof(uint64_t), cmp_u64);
    struct pdag v = contemp_view(r);
    for (size_t a = 0; a < ncol; a++) {
        int x = col[a][0], k = col[a][1], j = col[a][2];
        if (node_lag(r, x) == 0) pdag_orient(&v, node_var(r, x), k);
        pdag_orient(&v, j, k);
    }
    for (int v2 = 0; v2 < N; v2++) free(cadj[v2]);
    free(cadj);
    free(ncadj);
    free(seen);
    free(xs);
    free(nbj);
    free(nbi);
    free(covered);
    free(sc.with);
    free(sc.zfull);
    free(sc.chosen);
    free(col);
}

/* pdag hook: the triple (i, k, j) of contemporaneous nodes was left ambiguous. */
static int hook_ambiguous(void *ctx, int i, int k, int j)
{
    return is_ambiguous(ctx, i, k, j);
}

/* pdag hook: R1 through a lagged parent (i, -tau) --> k not adjacent to j at lag tau. */
static int hook_lagged_r1(void *ctx, int k, int j)
{
    struct run *r = ctx;
    for (int i = 0; i < r->N; i++)
        for (int tau = 1; tau <= r->tau_max; tau++)
            if (*gtype(r, i, k, tau) == LINK_FWD && *gtype(r, i, j, tau) == LINK_NONE &&
                !is_ambiguous(r, tau * r->N + i, k, j))
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
        g->nvars != nvars || g->tau_max != params->tau_max || params->max_collider_nbrs < 0) {
        snprintf(err, errlen, "pcmciplus: invalid parameters");
        return -1;
    }
    struct run r = {0};
    r.prm = params;
    r.N = nvars;
    r.tau_max = params->tau_max;
    r.D = nvars * (2 * params->tau_max + 1);
    r.g = g;
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

    double *vmin = xmallocarray((size_t)r.D, sizeof(double));
    double *pmax = xmallocarray((size_t)r.D, sizeof(double));
    double *vat = xmallocarray((size_t)r.D, sizeof(double));
    for (int j = 0; j < nvars; j++) pc1_target(&r, j, vmin, pmax, vat);
    free(vmin);
    free(pmax);
    free(vat);

    skeleton(&r);
    colliders(&r);
    orientation_rules(&r);
    symmetrise(&r);

    if (st) {
        st->tests = r.pc.ntests;
        st->collinear = r.pc.ncollinear;
        st->degenerate = r.pc.ndegenerate;
        st->low_df = r.pc.nlow_df;
        st->ambiguous_triples = r.nambiguous;
        st->collider_capped = r.collider_capped;
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
