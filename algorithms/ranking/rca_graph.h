/*
 * rca_graph.h - the graph side of the root-cause ranking (rca.h): prior knowledge applied to a
 * learned graph, the summary parent relation, cause -> effect paths, the mechanism test of one
 * series given its graph parents, and link strength changes. Indices are graph variables; the
 * kept[] array maps them to input columns. Pure; any thread; no allocation survives a call
 * except the result arrays documented below.
 */
#ifndef CAUSALMON_RCA_GRAPH_H
#define CAUSALMON_RCA_GRAPH_H

#include "rca.h"

#include <stddef.h>

/* Removes links against the tiers and forbidden links, orients contemporaneous links across
 * tiers from the lower tier, adds required links (rca.h step 2). n is the number of input
 * columns the prior's arrays are indexed by. */
void rca_graph_apply_prior(struct svar_graph *g, const int *kept, int n,
                           const struct rca_prior *pr);

/* parent[u * m + v] = 1 when v causes u at some lag (o-o and x-x both ways); self links are
 * left out. PAG links (method lpcmci): o-> and --o count as possible causes like o-o; <-> is a
 * shared hidden cause, never a causal path. parent holds m * m bytes. */
void rca_graph_summary_parents(const struct svar_graph *g, unsigned char *parent);

/* Shortest cause -> effect path from graph variable a to b, written as input columns into
 * path[RCA_PATH_MAX]. Returns its length, 0 when there is none (or it is longer). */
int rca_graph_shortest_path(const unsigned char *parent, int m, int a, int b, const int *kept,
                            int *path);

/* Chow test (mech_change.h) of graph variable j of Y (rows x m, complete) given its strongest
 * max_parents graph parents, rows [0, split) against [split, rows). *pval is 1 and *kind
 * CHANGE_NONE when the test cannot run. */
void rca_graph_mechanism(const double *Y, int rows, int m, int split, const struct svar_graph *g,
                         int j, int max_parents, double *pval, enum change_kind *kind);

/* Pearson correlation of a[t * stride] and b[t * stride] over rows [from, to) where both are
 * present; *n the rows used. NaN with fewer than 3 rows or a constant side. */
double rca_corr_rows(const double *a, const double *b, size_t stride, int from, int to, int *n);

/* Fisher-z difference of every link's correlation, reference against incident, with
 * Benjamini-Hochberg over the links at level alpha; sets res->changed_links (owned by res) and
 * res->nchanged_links. */
void rca_graph_strength_changes(const double *Y, int rows, int m, int split,
                                const struct svar_graph *g, const int *kept, double alpha,
                                struct rca_result *res);

#endif
