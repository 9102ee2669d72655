/*
 * pcmciplus_state.h - the state of one PCMCI+ run that its phases share (pcmciplus.c: phases 1,
 * 2, 4 and 5; pcmciplus_colliders.c: phase 3), and the small helpers on it. Node ids are
 * embedded coordinates: node (i, lag) = lag * N + i. Internal to algorithms/discovery; one run
 * belongs to one thread.
 */
#ifndef CAUSALMON_PCMCIPLUS_STATE_H
#define CAUSALMON_PCMCIPLUS_STATE_H

#include "parcorr.h"
#include "pcmciplus.h"
#include "pdag.h"

#include <stdint.h>

struct lagblock;

struct run {
    const struct pcmci_params *prm;
    int N, tau_max, D;
    const double *R;           /* the correlation matrix, or NULL: */
    const struct lagblock *lb; /* its lag blocks */
    double screen_r;           /* |r| a candidate needs to pass screen_alpha (0: no level) */
    long screened_lagged;      /* candidates removed by screening */
    long screened_contemp;
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
static inline void ci_test(struct run *r, int x, int y, const int *z, int k, struct ci_result *res)
{
    if (r->prm->cancel && *r->prm->cancel) {
        r->cancelled = 1;
        *res = (struct ci_result){0, 1.0, 0, 0, 0, 0};
        return;
    }
    parcorr_test(&r->pc, x, y, z, k, res);
}

static inline int node_var(const struct run *r, int node)
{
    return node % r->N;
}

static inline int node_lag(const struct run *r, int node)
{
    return node / r->N;
}

static inline unsigned char *gtype(struct run *r, int i, int j, int tau)
{
    return &r->g->type[svar_graph_at(r->g, i, j, tau)];
}

/* Adds node u to the condition set unless it is already there or excluded. */
static inline void z_add(struct run *r, int *k, int u)
{
    if (r->stamp[u] == r->stamp_now) return;
    r->stamp[u] = r->stamp_now;
    r->zbuf[(*k)++] = u;
}

/* The contemporaneous part of the graph as a PDAG (pdag.h). */
static inline struct pdag contemp_view(struct run *r)
{
    struct pdag v = {r->N, (size_t)r->tau_max + 1, r->g->type};
    return v;
}

/* The PCMCI+ condition set of a test (x = (i, -tau)) -> (j, 0) given contemporaneous set S, in
 * r->zbuf (pcmciplus.c). Returns |Z|. */
int pcmciplus_build_z(struct run *r, int x, int j, const int *S, int nS);

/* Screening (pcmciplus_screen.c). pcmciplus_screen_init sets r->screen_r (call once, after
 * r->pc is initialised). pcmciplus_screen_lagged filters the lagged candidates cand[0..nc) of
 * target j in place (order kept), writes the marginal correlation and its p-value of each
 * removed one into vat[] and pmax[], and returns how many remain. pcmciplus_screen_contemp
 * removes the contemporaneous pairs that fail screening from the initial skeleton graph (their
 * entries get the marginal values). Both do nothing when screening is off. */
void pcmciplus_screen_init(struct run *r);
int pcmciplus_screen_lagged(struct run *r, int j, int *cand, int nc, double *pmax, double *vat);
void pcmciplus_screen_contemp(struct run *r);

/* Phase 3 (pcmciplus_colliders.c): orients the colliders of the unshielded triples by the
 * majority rule and records the ambiguous triples in r->ambiguous (sorted; the caller frees). */
void pcmciplus_colliders(struct run *r);

/* 1 when the triple (x, k, j) (or, for a contemporaneous x, its mirror) was left ambiguous by
 * phase 3. */
int pcmciplus_is_ambiguous(const struct run *r, int x, int k, int j);

#endif
