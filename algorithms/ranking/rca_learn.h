/*
 * rca_learn.h - step 3 of the root-cause ranking (rca.h): which series take part in the graph,
 * how much the graph is trusted, and the graph itself (learned on the window, or the scope's
 * own restricted to those series). rca_graph_learn and rca_learned_free (declared in rca.h)
 * live here too. Pure; single-threaded per call; any thread.
 */
#ifndef CAUSALMON_RCA_LEARN_H
#define CAUSALMON_RCA_LEARN_H

#include "rca.h"

/* The graph columns of W (rows x n, NaN missing): rankable[j] and at most graph_max_missing
 * missing; their reliability from the rows per parameter; their graph (learned, or p->given
 * restricted to the graph columns, the prior applied either way). Sets res->graph, kept, nkept,
 * samples and reliability (0, with graph_note, when no graph is learned). Returns the filled
 * columns (rows x res->nkept, every gap filled, cycles removed when p->deseason; the caller
 * frees them) or NULL when no graph is used. */
double *rca_learn_window_graph(const double *W, int rows, int n, const unsigned char *rankable,
                               const struct rca_params *p, const struct rca_prior *prior,
                               struct rca_result *res);

#endif
