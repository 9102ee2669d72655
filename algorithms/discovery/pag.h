/*
 * pag.h - time-series partial ancestral graphs (PAGs) and the FCI orientation rules on them
 * (docs/lpcmci.md).
 *
 * A PAG over N series and lags 0..tau_max describes the window [t - tau_max, t]: node (i, lag) =
 * lag * N + i (a window node id, V = N (tau_max + 1) of them). An edge between two window nodes
 * carries a mark at each end: a tail (that end is an ancestor of the other end), an arrowhead
 * (it is not) or a circle (undecided). Edges repeat in time: the edge between (i, t - a) and
 * (j, t - b), a >= b, is the link (i, j, a - b), stored once, so orienting one copy orients all.
 * Link (i, j, tau) keeps the mark at its `src` end (i at t - tau) and at its `dst` end (j at t);
 * a contemporaneous link is stored twice, (i, j, 0) and its mirror (j, i, 0), kept consistent.
 */
#ifndef CAUSALMON_PAG_H
#define CAUSALMON_PAG_H

#include "svar_graph.h"

#include <stddef.h>

enum pag_mark { MARK_NONE = 0, MARK_TAIL, MARK_ARROW, MARK_CIRCLE };

struct pag {
    int nvars, tau_max;
    unsigned char *mark; /* [2 * svar_graph_at(i, j, tau) + 0/1]: mark at src / dst, 0 = no link */
};

/* Allocates a PAG with no links. Caller frees with pag_free. */
struct pag *pag_new(int nvars, int tau_max);
void pag_free(struct pag *g);

/* Makes every link of the window present with the time-order marks only: lagged links o->,
 * contemporaneous links o-o, no contemporaneous self links. */
void pag_complete(struct pag *g);

/* Mark at window node u on the edge u - v (MARK_NONE when not adjacent or u == v). */
enum pag_mark pag_get(const struct pag *g, int u, int v);
/* Sets the mark at u on the existing edge u - v (and on every time copy of it). */
void pag_set(struct pag *g, int u, int v, enum pag_mark m);
/* Adds the edge u - v with marks mu at u and mv at v, or removes it when both are MARK_NONE. */
void pag_link(struct pag *g, int u, int v, enum pag_mark mu, enum pag_mark mv);

/* Unshielded-triple answers for the collider step and rules R1 and R4, for window node b between
 * the non-adjacent window nodes a and c (conservative FCI: Ramsey, Zhang & Spirtes, UAI 2006). */
enum pag_triple {
    PAG_COLLIDER = 0,    /* b is outside the separating set of a and c */
    PAG_NONCOLLIDER = 1, /* b is in it */
    PAG_AMBIGUOUS = 2    /* b is outside it, yet the data do not confirm a collider either */
};
/* With confirm 0 the answer is only whether b is in the separating set: PAG_NONCOLLIDER, else
 * PAG_AMBIGUOUS (not settled), and no test runs. With confirm 1 a b outside the set is checked
 * against the data: PAG_COLLIDER or PAG_AMBIGUOUS. */
typedef enum pag_triple (*pag_sepset_fn)(void *ctx, int a, int b, int c, int confirm);

struct pag_orient_stats {
    int colliders; /* unshielded colliders oriented (time copies counted once per window triple) */
    int rule_hits; /* marks set by R1-R4 and R8-R10 */
    int conflicts; /* rule conclusions refused because the mark was already decided otherwise */
};

/* Orients the skeleton in g (all marks but the time-order arrowheads should be circles): the
 * collider step (PAG_COLLIDER triples only), then Zhang's rules R1 and R3 (on PAG_NONCOLLIDER
 * triples only), R2, R4 (discriminating paths; nothing on an ambiguous answer), R8, R9 and R10
 * (the unshielded triples inside R9's and R10's paths are not asked about)
 * (R9/R10 on uncovered potentially directed paths of bounded length) until none applies.
 * No selection bias is assumed (R5-R7 are not used). A rule never overwrites a decided mark;
 * such conflicts are counted. st may be NULL. Once *cancel is non-zero (cancel may be NULL:
 * never; set from any thread) the loops stop early and the marks are incomplete: the caller
 * must discard the result. Single-threaded. */
void pag_orient(struct pag *g, pag_sepset_fn in_sepset, void *ctx, const volatile int *cancel,
                struct pag_orient_stats *st);

/* Writes the PAG into the link types of gr (same nvars and tau_max; p-values untouched). */
void pag_to_graph(const struct pag *g, struct svar_graph *gr);

/* Reads the marks back from link types written by pag_to_graph (or by PCMCI+: -->, o-o, x-x as
 * circles at both ends). */
void pag_from_graph(struct pag *g, const struct svar_graph *gr);

#endif
