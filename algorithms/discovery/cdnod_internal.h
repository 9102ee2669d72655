/*
 * cdnod_internal.h - the run state CD-NOD's files share (not part of the API; cdnod.h is): the
 * skeleton and its tests (cdnod.c) and the attribution of each change to the module that
 * changed (cdnod_attribute.c). Single-threaded: one run owns its state.
 */
#ifndef CAUSALMON_CDNOD_INTERNAL_H
#define CAUSALMON_CDNOD_INTERNAL_H

#include "cdnod.h"
#include "mech_change.h"
#include "parcorr.h"
#include "pdag.h"

#include <stddef.h>

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

/* cdnod.c. Fills c->ybuf with x and c->Zbuf (n x k) with the contemporaneous nodes S then x's
 * lagged parents; returns k. */
int cdnod_gather(struct cd *c, int x, const int *S, int nS);
/* The change test of the context against x given S (and x's lagged parents), with test;
 * its p-value (1 on failure, with c->failed set). keep: the full result, which the caller
 * finishes with mech_result_fini (NULL: not kept). */
double cdnod_test_cx_with(struct cd *c, enum mech_test test, int x, const int *S, int nS,
                          struct mech_result *keep);
/* cdnod_test_cx_with with the run's configured test. */
double cdnod_test_cx(struct cd *c, int x, const int *S, int nS, struct mech_result *keep);
/* Index of the unordered node pair (a, b) in the V x V tables. */
size_t cdnod_pair(const struct cd *c, int a, int b);

/* cdnod_attribute.c. Collects each node's lagged parents from c->lagged. */
void cdnod_collect_lagged_parents(struct cd *c);
/* Retests the nodes not adjacent to the context given their possible parents, and gives a
 * change flagged on two undirected neighbours to the one the BIC prefers; returns the number
 * of nodes made adjacent to the context. */
int cdnod_retest_possible_parents(struct cd *c, const struct pdag *g);
/* Fills res with the changing modules: adjacent to the context, BH across nodes, refit on the
 * final parents. */
void cdnod_report_changes(struct cd *c, const struct pdag *g, struct cdnod_result *res);

#endif
