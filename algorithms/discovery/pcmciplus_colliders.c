/* pcmciplus_colliders.c - phase 3 of PCMCI+ (docs/algorithms.md §4.3): the unshielded triples
 * x *-> k o-o j and the majority collider rule over the separating subsets of each pair (x, j),
 * enumerated once per pair; triples without a majority are recorded as ambiguous for the
 * orientation rules. */
#include "pcmciplus_state.h"

#include "xalloc.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t triple_key(const struct run *r, int x, int k, int j)
{
    return ((uint64_t)x * (uint64_t)r->N + (uint64_t)k) * (uint64_t)r->N + (uint64_t)j;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int pcmciplus_is_ambiguous(const struct run *r, int x, int k, int j)
{
    uint64_t key = triple_key(r, x, k, j);
    if (bsearch(&key, r->ambiguous, (size_t)r->nambiguous, sizeof key, cmp_u64)) return 1;
    if (node_lag(r, x) == 0) { /* the mirror triple (j, k, i) of a contemporaneous one */
        key = triple_key(r, j, k, node_var(r, x));
        if (bsearch(&key, r->ambiguous, (size_t)r->nambiguous, sizeof key, cmp_u64)) return 1;
    }
    return 0;
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
    int k = pcmciplus_build_z(r, x, j, NULL, 0);
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
void pcmciplus_colliders(struct run *r)
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
