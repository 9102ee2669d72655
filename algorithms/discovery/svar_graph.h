/*
 * svar_graph.h - the time-series causal graph of a structural VAR (docs/algorithms.md §1).
 *
 * Entry (i, j, tau), tau = 0..tau_max, describes the link X^i_{t-tau} -> X^j_t in tigramite's
 * encoding: LINK_FWD means "i at t-tau causes j at t"; for tau = 0 the mirror entry (j, i, 0) is
 * LINK_BWD. Contemporaneous entries are always kept symmetric (FWD <-> BWD, o-o <-> o-o,
 * x-x <-> x-x, <-> <-> <->, o-> <-> <-o, --o <-> o--). Each entry carries the p-value and statistic
 * of its adjacency test (§4.5: these describe adjacency, not orientation).
 */
#ifndef CAUSALMON_SVAR_GRAPH_H
#define CAUSALMON_SVAR_GRAPH_H

#include <stddef.h>

enum link_type {
    LINK_NONE = 0,
    LINK_FWD,        /* -->  */
    LINK_BWD,        /* <--  (tau = 0 only) */
    LINK_UNORIENTED, /* o-o  (tau = 0 only) */
    LINK_CONFLICT,   /* x-x  (tau = 0 only) */
    /* Partial ancestral graph (PAG) links from discovery with hidden variables (pag.h). A mark
     * at an end is a tail (that end is an ancestor of the other), an arrowhead (it is not), or a
     * circle (undecided). Lagged PAG links always have an arrowhead at t. */
    LINK_BIDIR,     /* <->  neither end causes the other: a hidden common cause */
    LINK_CIRC_FWD,  /* o->  j at t is not an ancestor of i at t-tau; i may cause j */
    LINK_CIRC_BWD,  /* <-o  mirror of o-> (tau = 0 only) */
    LINK_TAIL_CIRC, /* --o  i is an ancestor of j; the mark at j is undecided (tau = 0 only) */
    LINK_CIRC_TAIL, /* o--  mirror of --o (tau = 0 only) */
};

struct svar_graph {
    int nvars, tau_max;
    unsigned char *type; /* nvars * nvars * (tau_max + 1) enum link_type */
    double *pval;        /* p-value of the adjacency (max over its tests) */
    double *val;         /* statistic at that p-value (partial correlation) */
    double *qval;        /* BH-adjusted p-value, NULL unless FDR was applied */
};

static inline size_t svar_graph_at(const struct svar_graph *g, int i, int j, int tau)
{
    return ((size_t)i * g->nvars + j) * (size_t)(g->tau_max + 1) + (size_t)tau;
}

/* Allocates an empty graph (all LINK_NONE, p = 1, val = 0). Caller frees with svar_graph_free. */
struct svar_graph *svar_graph_new(int nvars, int tau_max);
/* Releases the graph; NULL is a no-op. */
void svar_graph_free(struct svar_graph *g);

/* The arrow text of a link type as printed in JSON: "-->", "<--", "o-o", "x-x", "<->", "o->",
 * "<-o", "--o", "o--" ("" for none). */
const char *link_type_str(enum link_type t);

/* Number of adjacencies: lagged entries plus unordered contemporaneous pairs. */
int svar_graph_count_links(const struct svar_graph *g);

/* Adjacency precision/recall/F1 of `est` against `truth` (same sizes): lagged links scored per
 * (i, j, tau), contemporaneous links per unordered pair regardless of orientation. A graph pair
 * with no links at all scores F1 = 1. */
void svar_graph_adjacency_f1(const struct svar_graph *est, const struct svar_graph *truth,
                             double *precision, double *recall, double *f1);

#endif
