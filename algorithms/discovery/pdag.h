/*
 * pdag.h - orientation of contemporaneous links in a partially directed graph: orienting with
 * conflict marking, and Meek's rules R1-R3 applied in batches (docs/algorithms.md §4.4). Shared by
 * PCMCI+ and CD-NOD.
 *
 * The graph is a view on an n x n matrix of enum link_type entries with a stride, so it can be
 * the tau = 0 slice of a struct svar_graph (stride tau_max + 1) or a plain matrix (stride 1):
 * entry (a, b) lives at type[(a * n + b) * stride]. Entries are kept symmetric (FWD <-> BWD).
 * Rules are proposed from a snapshot and applied together; two opposite proposals on one pair
 * make it x-x, so the result does not depend on the order of the variables. The rules run in
 * tigramite's order: one pass of R1, then one of R2, then one of R3, repeated until a round
 * changes nothing (running R1 to a fixed point before R2 can orient a link the other way).
 */
#ifndef CAUSALMON_PDAG_H
#define CAUSALMON_PDAG_H

#include <stddef.h>

struct pdag {
    int n;
    size_t stride;
    unsigned char *type;
};

struct pdag_hooks {
    void *ctx;
    /* Returns 1 if the unshielded triple i - k - j may not be used by R1/R3 (ambiguous). */
    int (*ambiguous)(void *ctx, int i, int k, int j);
    /* Returns 1 if R1 applies to k o-o j through a parent of k outside this matrix (e.g. a
     * lagged parent not adjacent to j). May be NULL. */
    int (*extra_r1)(void *ctx, int k, int j);
};

static inline unsigned char *pdag_at(const struct pdag *g, int a, int b)
{
    return &g->type[((size_t)a * g->n + b) * g->stride];
}

/* Orients a --> b if a o-o b; an existing b --> a makes the pair x-x (conflict). */
void pdag_orient(struct pdag *g, int a, int b);

/* Applies R1-R3 (one pass each per round) until none applies. Single-threaded. */
void pdag_apply_rules(struct pdag *g, const struct pdag_hooks *hooks);

#endif
