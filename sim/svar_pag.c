/* True time-series MAG/PAG of an SVAR model with hidden variables (svar_pag.h). */
#include "svar_pag.h"

#include "pag.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int svar_pick_hidden(const struct svar_model *m, int nhidden, struct rng *r, unsigned char *hidden)
{
    int M = m->nvars, T1 = m->tau_max + 1;
    if (nhidden < 0 || nhidden > M - 2) return -1;
    double *score = xmallocarray((size_t)M, sizeof(double));
    for (int i = 0; i < M; i++) {
        int kids = 0;
        for (int j = 0; j < M; j++) {
            if (j == i) continue;
            for (int tau = 0; tau < T1; tau++)
                if (m->coef[((size_t)i * M + j) * T1 + tau] != 0.0) {
                    kids++;
                    break;
                }
        }
        score[i] = kids + rng_uniform(r) * 0.5;
        hidden[i] = 0;
    }
    for (int k = 0; k < nhidden; k++) {
        int best = -1;
        for (int i = 0; i < M; i++)
            if (!hidden[i] && (best < 0 || score[i] > score[best])) best = i;
        hidden[best] = 1;
    }
    free(score);
    return 0;
}

struct unrolled {
    int M, steps, V;
    size_t nV;       /* V as a size */
    int *poff, *par; /* parents of node t * M + v (CSR) */
    int *coff, *chi; /* children */
    unsigned char *mark, *inz, *anc;
    int *queue;
};

static void unroll(struct unrolled *u, const struct svar_model *m, int steps)
{
    int M = m->nvars, T1 = m->tau_max + 1;
    u->M = M;
    u->steps = steps;
    u->V = M * steps;
    u->nV = (size_t)M * (size_t)steps;
    u->poff = xcalloc(u->nV + 1, sizeof(int));
    u->coff = xcalloc(u->nV + 1, sizeof(int));
    size_t cap = 0;
    for (int t = 0; t < steps; t++)
        for (int j = 0; j < M; j++)
            for (int i = 0; i < M; i++)
                for (int tau = 0; tau < T1 && tau <= t; tau++)
                    if (m->coef[((size_t)i * M + j) * T1 + tau] != 0.0 && (tau > 0 || i != j)) {
                        u->poff[t * M + j + 1]++;
                        u->coff[(t - tau) * M + i + 1]++;
                        cap++;
                    }
    for (int a = 0; a < u->V; a++) {
        u->poff[a + 1] += u->poff[a];
        u->coff[a + 1] += u->coff[a];
    }
    u->par = xmallocarray(cap + 1, sizeof(int));
    u->chi = xmallocarray(cap + 1, sizeof(int));
    int *pf = xcalloc(u->nV, sizeof(int)), *cf = xcalloc(u->nV, sizeof(int));
    for (int t = 0; t < steps; t++)
        for (int j = 0; j < M; j++)
            for (int i = 0; i < M; i++)
                for (int tau = 0; tau < T1 && tau <= t; tau++)
                    if (m->coef[((size_t)i * M + j) * T1 + tau] != 0.0 && (tau > 0 || i != j)) {
                        int c = t * M + j, p = (t - tau) * M + i;
                        u->par[u->poff[c] + pf[c]++] = p;
                        u->chi[u->coff[p] + cf[p]++] = c;
                    }
    free(pf);
    free(cf);
    u->mark = xcalloc(u->nV * 2, 1);
    u->inz = xcalloc(u->nV, 1);
    u->anc = xcalloc(u->nV, 1);
    u->queue = xmallocarray(u->nV * 2, sizeof(int));
}

static void unrolled_free(struct unrolled *u)
{
    free(u->poff);
    free(u->coff);
    free(u->par);
    free(u->chi);
    free(u->mark);
    free(u->inz);
    free(u->anc);
    free(u->queue);
}

/* anc[] = 1 on the ancestors of the n nodes in s (themselves included). */
static void ancestors(struct unrolled *u, const int *s, int n)
{
    memset(u->anc, 0, u->nV);
    int head = 0, tail = 0;
    for (int a = 0; a < n; a++)
        if (!u->anc[s[a]]) u->anc[s[a]] = 1, u->queue[tail++] = s[a];
    while (head < tail) {
        int x = u->queue[head++];
        for (int k = u->poff[x]; k < u->poff[x + 1]; k++)
            if (!u->anc[u->par[k]]) u->anc[u->par[k]] = 1, u->queue[tail++] = u->par[k];
    }
}

/* 1 if x and y are d-connected given the nodes flagged in inz (reachability, Koller & Friedman
 * algorithm 3.1). Clobbers anc. */
static int dconnected(struct unrolled *u, int x, int y)
{
    int nz = 0;
    for (int a = 0; a < u->V; a++)
        if (u->inz[a]) u->queue[nz++] = a;
    ancestors(u, u->queue, nz); /* anc = An(Z) */
    memset(u->mark, 0, u->nV * 2);
    int head = 0, tail = 0;
    u->queue[tail++] = x * 2; /* (node, 0 = arrived from a child / going up) */
    u->mark[x * 2] = 1;
    while (head < tail) {
        int s = u->queue[head++], n = s / 2, down = s % 2;
        if (n == y && !u->inz[n]) return 1;
        if (!down && !u->inz[n]) {
            for (int k = u->poff[n]; k < u->poff[n + 1]; k++) {
                int p = u->par[k];
                if (!u->mark[p * 2]) u->mark[p * 2] = 1, u->queue[tail++] = p * 2;
            }
            for (int k = u->coff[n]; k < u->coff[n + 1]; k++) {
                int c = u->chi[k];
                if (!u->mark[c * 2 + 1]) u->mark[c * 2 + 1] = 1, u->queue[tail++] = c * 2 + 1;
            }
        } else if (down) {
            if (!u->inz[n])
                for (int k = u->coff[n]; k < u->coff[n + 1]; k++) {
                    int c = u->chi[k];
                    if (!u->mark[c * 2 + 1]) u->mark[c * 2 + 1] = 1, u->queue[tail++] = c * 2 + 1;
                }
            if (u->anc[n])
                for (int k = u->poff[n]; k < u->poff[n + 1]; k++) {
                    int p = u->par[k];
                    if (!u->mark[p * 2]) u->mark[p * 2] = 1, u->queue[tail++] = p * 2;
                }
        }
    }
    return 0;
}

struct truth {
    struct unrolled u;
    int No, tau_max;
    const int *obs; /* model variable of each observed index */
};

/* Unrolled node of window node w = lag * No + k. */
static int unode(const struct truth *tr, int w)
{
    int lag = w / tr->No, k = w % tr->No;
    return (tr->u.steps - 1 - lag) * tr->u.M + tr->obs[k];
}

static int is_ancestor(struct truth *tr, int a, int b)
{
    int nb = unode(tr, b);
    ancestors(&tr->u, &nb, 1);
    return tr->u.anc[unode(tr, a)];
}

/* pag_sepset_fn: b is in the (ancestral) separating set of a and c iff b ∈ An({a, c}). */
static enum pag_triple anc_sepset(void *ctx, int a, int b, int c, int confirm)
{
    (void)confirm; /* the ancestral answer needs no data */
    struct truth *tr = ctx;
    int s[2] = {unode(tr, a), unode(tr, c)};
    ancestors(&tr->u, s, 2);
    return tr->u.anc[unode(tr, b)] ? PAG_NONCOLLIDER : PAG_COLLIDER;
}

int svar_true_pag(const struct svar_model *m, const unsigned char *hidden, int tau_max, int history,
                  struct svar_graph **mag, struct svar_graph **pagout, char *err, size_t errlen)
{
    int M = m->nvars, No = 0;
    if (tau_max < 0 || tau_max > 50 || history < 0 || history > 1000) {
        snprintf(err, errlen, "true PAG: tau_max or history out of range");
        return -1;
    }
    int *obs = xmallocarray((size_t)M, sizeof(int));
    for (int v = 0; v < M; v++)
        if (!hidden[v]) obs[No++] = v;
    if (No < 1) {
        free(obs);
        snprintf(err, errlen, "true PAG: no observed variable");
        return -1;
    }
    struct truth tr = {0};
    tr.No = No;
    tr.tau_max = tau_max;
    tr.obs = obs;
    unroll(&tr.u, m, history + tau_max + 1);
    int W = No * (tau_max + 1);
    struct pag *g = pag_new(No, tau_max);
    struct svar_graph *mg = svar_graph_new(No, tau_max);
    for (int j = 0; j < No; j++)
        for (int i = 0; i < No; i++)
            for (int tau = 0; tau <= tau_max; tau++) {
                if (tau == 0 && i >= j) continue;
                int x = tau * No + i, y = j, s[2] = {unode(&tr, x), unode(&tr, y)};
                ancestors(&tr.u, s, 2);
                memset(tr.u.inz, 0, tr.u.nV);
                for (int w = 0; w < W; w++)
                    if (w != x && w != y && tr.u.anc[unode(&tr, w)]) tr.u.inz[unode(&tr, w)] = 1;
                if (!dconnected(&tr.u, s[0], s[1])) continue;
                int tx = is_ancestor(&tr, x, y), ty = is_ancestor(&tr, y, x);
                size_t at = svar_graph_at(mg, i, j, tau);
                mg->type[at] = tx ? LINK_FWD : ty ? LINK_BWD : LINK_BIDIR;
                mg->pval[at] = 0.0;
                if (tau == 0) {
                    size_t mir = svar_graph_at(mg, j, i, 0);
                    mg->type[mir] = tx ? LINK_BWD : ty ? LINK_FWD : LINK_BIDIR;
                    mg->pval[mir] = 0.0;
                }
                pag_link(g, x, y, MARK_CIRCLE, tau > 0 ? MARK_ARROW : MARK_CIRCLE);
            }
    memset(tr.u.inz, 0, tr.u.nV);
    pag_orient(g, anc_sepset, &tr, NULL, NULL);
    if (pagout) {
        *pagout = svar_graph_new(No, tau_max);
        pag_to_graph(g, *pagout);
        for (size_t a = 0; a < (size_t)No * No * (tau_max + 1); a++)
            if ((*pagout)->type[a] != LINK_NONE) (*pagout)->pval[a] = 0.0;
    }
    if (mag)
        *mag = mg;
    else
        svar_graph_free(mg);
    pag_free(g);
    unrolled_free(&tr.u);
    free(obs);
    return 0;
}
