/* LPCMCI-style discovery with hidden variables (lpcmci.h, docs/lpcmci.md). Window node ids are
 * embedded coordinates: node (i, lag) = lag * N + i, which is also the row/column of R. Every
 * test has the target Y = (j, 0) = j; a link (i, j, tau) is the pair X = (i, tau), Y.
 */
#include "lpcmci.h"

#include "combination.h"
#include "pag.h"
#include "parcorr.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct run {
    const struct lpcmci_params *prm;
    int N, tau_max, D;
    size_t L; /* links */
    struct parcorr pc;
    struct pag *g;
    unsigned char *snap;  /* marks frozen at the start of a level (PC-stable) */
    unsigned char *isdef; /* default conditions: link (i, j, tau) is i at t-tau --> j */
    double *strength;     /* smallest |partial correlation| seen per link */
    double *pval, *val;   /* largest p-value per link and its statistic */
    int *sep_off, *sep_len;
    int *pool; /* separating sets, relative to the link's target */
    size_t npool, cappool;
    int *zbuf;
    int *sdz, *sC, *scomb; /* in_sepset scratch */
    double *skey;
    unsigned *stamp;
    unsigned stamp_now;
    int cancelled; /* the cancel flag was seen */
};

/* The caller's cancel flag is set (remembered, so the run reports it). */
static int cancelled(struct run *r)
{
    if (r->prm->cancel && *r->prm->cancel) r->cancelled = 1;
    return r->cancelled;
}

static size_t lat(const struct run *r, int i, int j, int tau)
{
    return ((size_t)i * r->N + j) * (size_t)(r->tau_max + 1) + (size_t)tau;
}

/* Link index and the lag shift of the pair of window nodes a, c (the later one is the target). */
static size_t pair_link(const struct run *r, int a, int c, int *shift)
{
    int N = r->N, la = a / N, lc = c / N;
    if (la >= lc) {
        *shift = lc;
        return lat(r, a % N, c % N, la - lc);
    }
    *shift = la;
    return lat(r, c % N, a % N, lc - la);
}

/* pag_sepset_fn over the stored separating sets: PAG_NONCOLLIDER when b is in the separating set
 * S of a and c; PAG_COLLIDER when it is not and a and c stay dependent given S + b, and given
 * S + b plus one or two more possible ancestors adjacent to either end (conditioning on a
 * collider opens the path, on a noncollider it does not); PAG_AMBIGUOUS when b is outside S but
 * one of those sets makes a and c independent. A noncollider missed because a weak path
 * happened to test independent given a small S then becomes neither a false collider nor
 * (through R1) a false tail. Without confirm only the membership is looked at (pag.h). */
static int search_with(struct run *r, int X, int Y, int b, const int *z, int k);

static enum pag_triple in_sepset(void *ctx, int a, int b, int c, int confirm)
{
    struct run *r = ctx;
    int shift, N = r->N;
    size_t at = pair_link(r, a, c, &shift);
    int rel = b / N - shift;
    if (r->sep_len[at] < 0 || rel < 0 || rel > r->tau_max) return PAG_COLLIDER;
    int node = rel * N + b % N;
    const int *z = r->pool + r->sep_off[at];
    int k = r->sep_len[at];
    for (int q = 0; q < k; q++)
        if (z[q] == node) return PAG_NONCOLLIDER;
    if (!confirm) return PAG_AMBIGUOUS;
    size_t T1 = (size_t)r->tau_max + 1;
    int tau = (int)(at % T1), j = (int)(at / T1 % (size_t)N), i = (int)(at / T1 / (size_t)N);
    int X = tau * N + i;
    if (node == X || node == j) return PAG_COLLIDER;
    return search_with(r, X, j, node, z, k) ? PAG_AMBIGUOUS : PAG_COLLIDER;
}

static void store_sepset(struct run *r, size_t at, const int *z, int k)
{
    if (r->npool + (size_t)k > r->cappool) {
        while (r->npool + (size_t)k > r->cappool) r->cappool *= 2;
        r->pool = xrealloc(r->pool, r->cappool * sizeof(int));
    }
    memcpy(r->pool + r->npool, z, (size_t)k * sizeof(int));
    r->sep_off[at] = (int)r->npool;
    r->sep_len[at] = k;
    r->npool += (size_t)k;
}

static void new_stamp(struct run *r)
{
    if (++r->stamp_now == 0) {
        memset(r->stamp, 0, (size_t)r->D * sizeof *r->stamp);
        r->stamp_now = 1;
    }
}

/* Default conditions of the pair X = (i, tau), Y = (j, 0): the --> parents of both ends that lie
 * in the window, X and Y excluded. Stamps them (so candidates skip them) and returns the count. */
static int defaults(struct run *r, int i, int tau, int j, int *z)
{
    int N = r->N, k = 0, X = tau * N + i;
    new_stamp(r);
    r->stamp[X] = r->stamp[j] = r->stamp_now;
    for (int c = 0; c < N; c++)
        for (int s = 0; s <= r->tau_max; s++) {
            if (r->isdef[lat(r, c, j, s)]) {
                int w = s * N + c;
                if (r->stamp[w] != r->stamp_now) r->stamp[w] = r->stamp_now, z[k++] = w;
            }
            if (tau + s <= r->tau_max && r->isdef[lat(r, c, i, s)]) {
                int w = (tau + s) * N + c;
                if (r->stamp[w] != r->stamp_now) r->stamp[w] = r->stamp_now, z[k++] = w;
            }
        }
    return k;
}

/* Mark at window node u on u - v in the level snapshot. */
static enum pag_mark snap_get(struct run *r, int u, int v)
{
    unsigned char *keep = r->g->mark;
    r->g->mark = r->snap;
    enum pag_mark m = pag_get(r->g, u, v);
    r->g->mark = keep;
    return m;
}

/* Possible ancestors of node e adjacent to it in the snapshot (no arrowhead at them), minus the
 * stamped nodes, strongest link first. */
static int candidates(struct run *r, int e, int *out, double *key)
{
    int m = 0;
    for (int w = 0; w < r->D; w++) {
        if (r->stamp[w] == r->stamp_now) continue;
        enum pag_mark mw = snap_get(r, w, e);
        if (mw == MARK_NONE || mw == MARK_ARROW) continue;
        int shift;
        double s = r->strength[pair_link(r, w, e, &shift)];
        int b = m++;
        while (b > 0 && key[b - 1] < s) {
            out[b] = out[b - 1], key[b] = key[b - 1];
            b--;
        }
        out[b] = w, key[b] = s;
    }
    return m;
}

/* One test of the link at (X, Y) given z[0..k); returns 1 if independent. */
static int test(struct run *r, size_t at, int X, int Y, const int *z, int k)
{
    if (cancelled(r)) return 1; /* every link goes: the loops end quickly */
    struct ci_result res;
    parcorr_test(&r->pc, X, Y, z, k, &res);
    if (fabs(res.val) < r->strength[at]) {
        r->strength[at] = fabs(res.val);
        if (X / r->N == 0) r->strength[lat(r, Y, X, 0)] = fabs(res.val);
    }
    if (res.pval >= r->pval[at]) {
        r->pval[at] = res.pval;
        r->val[at] = res.val;
    }
    return res.pval > r->prm->alpha;
}

/* Tests X, Y given dz[0..nd) plus every p-subset of C[0..nC) (skipping subsets that lie
 * entirely in `inner`, already tested); returns 1 and stores the separating set when one is
 * found. */
static int try_subsets(struct run *r, size_t at, int X, int Y, const int *dz, int nd, const int *C,
                       int nC, int p, const char *inner, int *comb)
{
    if (nC < p) return 0;
    for (int b = 0; b < p; b++) comb[b] = b;
    do {
        int k = nd, all_inner = p > 0 && inner;
        memcpy(r->zbuf, dz, (size_t)nd * sizeof(int));
        for (int b = 0; b < p; b++) {
            r->zbuf[k++] = C[comb[b]];
            if (inner && !inner[C[comb[b]]]) all_inner = 0;
        }
        if (all_inner) continue;
        if (test(r, at, X, Y, r->zbuf, k)) {
            store_sepset(r, at, r->zbuf, k);
            if (X / r->N == 0) store_sepset(r, lat(r, Y, X, 0), r->zbuf, k);
            return 1;
        }
    } while (p > 0 && combination_next(comb, p, nC));
    return 0;
}

enum { SEPSET_BUDGET = 32, SEPSET_EXTRA = 2 };

/* Tests X, Y given the separating set z[0..k) plus b plus up to SEPSET_EXTRA more possible
 * ancestors adjacent to either end (strongest first, at most SEPSET_BUDGET tests); returns 1 at
 * the first independence. */
static int search_with(struct run *r, int X, int Y, int b, const int *z, int k)
{
    int nd = defaults(r, X % r->N, X / r->N, Y, r->sdz);
    (void)nd; /* stamps X, Y and the default conditions, which z already holds */
    memcpy(r->sdz, z, (size_t)k * sizeof(int));
    r->sdz[k] = b;
    nd = k + 1;
    for (int q = 0; q < nd; q++) r->stamp[r->sdz[q]] = r->stamp_now;
    int nc = candidates(r, Y, r->sC, r->skey);
    for (int q = 0; q < nc; q++) r->stamp[r->sC[q]] = r->stamp_now;
    nc += candidates(r, X, r->sC + nc, r->skey);
    int budget = SEPSET_BUDGET;
    for (int p = 0; p <= SEPSET_EXTRA && p <= nc && budget > 0; p++) {
        for (int q = 0; q < p; q++) r->scomb[q] = q;
        do {
            int kz = nd;
            memcpy(r->zbuf, r->sdz, (size_t)nd * sizeof(int));
            for (int q = 0; q < p; q++) r->zbuf[kz++] = r->sC[r->scomb[q]];
            if (cancelled(r)) return 1;
            struct ci_result res;
            parcorr_test(&r->pc, X, Y, r->zbuf, kz, &res);
            if (res.pval > r->prm->alpha) return 1;
        } while (--budget > 0 && p > 0 && combination_next(r->scomb, p, nc));
    }
    return 0;
}

/* Step 2: the skeleton of one phase. */
static void skeleton(struct run *r)
{
    int N = r->N, D = r->D;
    int *dz = xmallocarray((size_t)D, sizeof(int)), *Cy = xmallocarray((size_t)D, sizeof(int));
    int *Cx = xmallocarray((size_t)D, sizeof(int)),
        *comb = xmallocarray((size_t)D + 1, sizeof(int));
    double *key = xmallocarray((size_t)D, sizeof(double));
    char *iny = xcalloc((size_t)D, 1);
    for (int p = 0;; p++) {
        if (r->prm->max_conds_dim >= 0 && p > r->prm->max_conds_dim) break;
        memcpy(r->snap, r->g->mark, r->L * 2);
        int any = 0;
        for (int j = 0; j < N; j++)
            for (int i = 0; i < N; i++)
                for (int tau = 0; tau <= r->tau_max; tau++) {
                    if (tau == 0 && i >= j) continue;
                    if (cancelled(r)) goto done; /* the candidate scans alone take seconds */
                    int X = tau * N + i, Y = j;
                    size_t at = lat(r, i, j, tau);
                    if (pag_get(r->g, X, Y) == MARK_NONE) continue;
                    int nd = defaults(r, i, tau, j, dz);
                    int ny = candidates(r, Y, Cy, key);
                    int nx = candidates(r, X, Cx, key);
                    if (ny < p && nx < p) continue;
                    any = 1;
                    int gone = try_subsets(r, at, X, Y, dz, nd, Cy, ny, p, NULL, comb);
                    if (!gone && p > 0) {
                        for (int b = 0; b < ny; b++) iny[Cy[b]] = 1;
                        gone = try_subsets(r, at, X, Y, dz, nd, Cx, nx, p, iny, comb);
                        for (int b = 0; b < ny; b++) iny[Cy[b]] = 0;
                    }
                    if (gone) pag_link(r->g, X, Y, MARK_NONE, MARK_NONE);
                }
        if (!any || cancelled(r)) break;
    }
done:
    free(dz);
    free(Cy);
    free(Cx);
    free(comb);
    free(key);
    free(iny);
}

/* One phase: steps 1-3. */
static void phase(struct run *r, struct pag_orient_stats *ost)
{
    pag_complete(r->g);
    for (size_t a = 0; a < r->L; a++) {
        r->strength[a] = INFINITY;
        r->pval[a] = -1.0;
        r->val[a] = 0.0;
        r->sep_len[a] = -1;
    }
    r->npool = 0;
    skeleton(r);
    memcpy(r->snap, r->g->mark, r->L * 2);
    if (!cancelled(r)) pag_orient(r->g, in_sepset, r, r->prm->cancel, ost);
}

/* The --> links of the phase become the next phase's default conditions. */
static void take_defaults(struct run *r)
{
    int N = r->N;
    memset(r->isdef, 0, r->L);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            for (int tau = 0; tau <= r->tau_max; tau++) {
                size_t at = lat(r, i, j, tau);
                if (r->g->mark[2 * at] == MARK_TAIL && r->g->mark[2 * at + 1] == MARK_ARROW)
                    r->isdef[at] = 1;
            }
}

void lpcmci_params_default(struct lpcmci_params *p, int tau_max)
{
    p->tau_max = tau_max;
    p->alpha = 0.01;
    p->max_conds_dim = -1;
    p->n_preliminary = 0;
    p->cancel = NULL;
}

int lpcmci_run(const double *R, int nvars, long n, const struct lpcmci_params *params,
               struct svar_graph *g, struct lpcmci_stats *st, char *err, size_t errlen)
{
    if (nvars < 1 || params->tau_max < 0 || !(params->alpha > 0 && params->alpha < 1) ||
        g->nvars != nvars || g->tau_max != params->tau_max || params->n_preliminary < 0 ||
        params->n_preliminary > 10) {
        snprintf(err, errlen, "lpcmci: invalid parameters");
        return -1;
    }
    struct run r = {0};
    r.prm = params;
    r.N = nvars;
    r.tau_max = params->tau_max;
    r.D = nvars * (params->tau_max + 1);
    r.L = (size_t)nvars * nvars * (params->tau_max + 1);
    r.g = pag_new(nvars, params->tau_max);
    r.snap = xmalloc(r.L * 2);
    r.isdef = xcalloc(r.L, 1);
    r.strength = xmallocarray(r.L, sizeof(double));
    r.pval = xmallocarray(r.L, sizeof(double));
    r.val = xmallocarray(r.L, sizeof(double));
    r.sep_off = xcalloc(r.L, sizeof(int));
    r.sep_len = xmallocarray(r.L, sizeof(int));
    r.cappool = 1024;
    r.pool = xmallocarray(r.cappool, sizeof(int));
    r.zbuf = xmallocarray((size_t)r.D + 1, sizeof(int));
    r.sdz = xmallocarray((size_t)r.D + 1, sizeof(int));
    r.sC = xmallocarray((size_t)r.D, sizeof(int));
    r.scomb = xmallocarray((size_t)r.D + 1, sizeof(int));
    r.skey = xmallocarray((size_t)r.D, sizeof(double));
    r.stamp = xcalloc((size_t)r.D, sizeof(unsigned));
    parcorr_init(&r.pc, R, r.D, n, 16);

    struct pag_orient_stats ost = {0};
    for (int ph = 0; ph <= params->n_preliminary && !cancelled(&r); ph++) {
        phase(&r, &ost);
        if (ph < params->n_preliminary) take_defaults(&r);
    }
    int rc = 0;
    if (cancelled(&r)) {
        snprintf(err, errlen, "lpcmci: cancelled");
        rc = -1;
        goto out;
    }
    pag_to_graph(r.g, g);
    for (size_t a = 0; a < r.L; a++) {
        g->pval[a] = r.pval[a] < 0 ? 1.0 : r.pval[a];
        g->val[a] = r.val[a];
    }
    /* A contemporaneous pair was tested from (min, max): both entries report it. */
    for (int i = 0; i < nvars; i++)
        for (int j = i + 1; j < nvars; j++) {
            size_t a = lat(&r, i, j, 0), b = lat(&r, j, i, 0);
            g->pval[b] = g->pval[a];
            g->val[b] = g->val[a];
        }
    for (int i = 0; i < nvars; i++) { /* no contemporaneous self links */
        g->pval[lat(&r, i, i, 0)] = 1.0;
        g->val[lat(&r, i, i, 0)] = 0.0;
    }
    free(g->qval);
    g->qval = NULL;
    if (st) {
        st->tests = r.pc.ntests;
        st->collinear = r.pc.ncollinear;
        st->degenerate = r.pc.ndegenerate;
        st->low_df = r.pc.nlow_df;
        st->colliders = ost.colliders;
        st->rule_hits = ost.rule_hits;
        st->conflicts = ost.conflicts;
    }
out:
    parcorr_fini(&r.pc);
    pag_free(r.g);
    free(r.snap);
    free(r.isdef);
    free(r.strength);
    free(r.pval);
    free(r.val);
    free(r.sep_off);
    free(r.sep_len);
    free(r.pool);
    free(r.zbuf);
    free(r.sdz);
    free(r.sC);
    free(r.scomb);
    free(r.skey);
    free(r.stamp);
    return rc;
}
