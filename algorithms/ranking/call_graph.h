/*
 * call_graph.h - a known call graph between components (who calls whom, from a service map or
 * tracing) used to order root-cause candidates callee-first.
 *
 * A slow or failing service makes its callers slow or failing too, often by more than itself
 * in their own series. Given the component scores of a ranking and the call edges, a component
 * is "anomalous" when its score is at least share x the best score. An anomalous component
 * with an anomalous callee is explained by that callee; one without is a candidate root. The
 * order is:
 *   1. candidate roots reachable from the start component (the KPI's) along calls to
 *      anomalous callees, by score (the traversal an operator does by hand on a service map);
 *   2. other candidate roots, by score (an anomalous component outside the map, or not
 *      reached through anomalous callees);
 *   3. everything else, by score.
 * Pure; any thread.
 */
#ifndef CAUSALMON_CALL_GRAPH_H
#define CAUSALMON_CALL_GRAPH_H

/* Orders components 0..nc-1 as above. score[nc] (NaN or negative: 0); calls[2 * ncalls]
 * caller, callee pairs (entries outside 0..nc-1 and self calls are ignored); start: the
 * start component or -1 (step 1 is then empty); share in (0, 1]. Writes the order into
 * order[nc] and, when explained_by is not NULL, for each component an anomalous callee that
 * explains it (the best-scoring one) or -1. Returns the number of candidate roots (steps 1 and
 * 2), 0 when no score is positive, or -1 on bad arguments (nc < 1, share outside (0, 1]). */
int call_graph_order(const double *score, int nc, const int *calls, int ncalls, int start,
                     double share, int *order, int *explained_by);

#endif
